/* spin-cpu: a finite CPU-bound test guest (a naive prime count), to measure loop-check cost. */

#include <unistd.h>

/* Sized to take about 20 ms as native code and 25 ms under Node 20's V8 (warm). */
#define LIMIT 300000u

static unsigned count_primes(unsigned limit) {
    unsigned count = 0;

    for (unsigned n = 2; n < limit; n++) {
        unsigned d = 2;

        while (d * d <= n && n % d != 0)
            d++;
        if (d * d > n)
            count++;
    }
    return count;
}

int main(void) {
    static const char headers[] = "content-type: text/plain\n\n";
    char digits[12];
    size_t at = sizeof(digits);
    unsigned count = count_primes(LIMIT);

    digits[--at] = '\n';
    do {
        digits[--at] = (char)('0' + count % 10);
        count /= 10;
    } while (count > 0);

    write(1, headers, sizeof(headers) - 1);
    write(1, digits + at, sizeof(digits) - at);
    return 0;
}
