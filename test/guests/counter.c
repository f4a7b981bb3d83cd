/* counter: counts the requests its instance has served, in linear memory. A fresh-state
 * instance always answers 1; any other number means state leaked from an earlier request. */
#include <stdio.h>
#include <stdlib.h>

static int served;
static char *kept;

int main(void) {
    served++;
    if (kept == NULL) kept = malloc(64);
    printf("content-type: text/plain\n\nserved=%d heap=%p\n", served, (void *)kept);
    return 0;
}
