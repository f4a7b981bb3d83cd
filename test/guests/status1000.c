/* status1000: a test guest answering with status 1000, a four-digit code no client accepts. */

#include <stdio.h>

int main(void) {
    fputs("status: 1000\ncontent-type: text/plain\n\nstatus 1000\n", stdout);
    return 0;
}
