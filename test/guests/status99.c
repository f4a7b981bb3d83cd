/* status99: a test guest answering with status 99, below the valid 100-599 range. */

#include <stdio.h>

int main(void) {
    fputs("status: 99\ncontent-type: text/plain\n\nstatus 99\n", stdout);
    return 0;
}
