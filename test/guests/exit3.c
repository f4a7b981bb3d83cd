/* exit3: a test guest that exits with status 3 before writing anything. */

#include <stdlib.h>

int main(void) {
    exit(3);
}
