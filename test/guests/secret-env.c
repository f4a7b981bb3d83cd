/* secret-env: a test guest that prints SECRET, to show only granted variables reach a guest. */

#include <stdio.h>
#include <stdlib.h>

int main(void) {
    const char *secret = getenv("SECRET");

    fputs("content-type: text/plain\n\n", stdout);
    fputs(secret ? secret : "unset", stdout);
    return 0;
}
