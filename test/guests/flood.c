/* flood: a test guest that writes 100 MiB of body after valid headers, to test output limits. */

#include <string.h>
#include <unistd.h>

#define CHUNK (64 << 10)
#define CHUNKS 1600

static char chunk[CHUNK];

static int write_all(const char *bytes, size_t len) {
    while (len > 0) {
        ssize_t written = write(1, bytes, len);

        if (written < 0)
            return 0;
        bytes += written;
        len -= (size_t)written;
    }
    return 1;
}

int main(void) {
    static const char headers[] = "content-type: text/plain\n\n";

    memset(chunk, 'f', sizeof(chunk));
    if (!write_all(headers, sizeof(headers) - 1))
        return 1;

    /* Stop once the host closes stdout; an error here is the host enforcing its limit. */
    for (int i = 0; i < CHUNKS; i++) {
        if (!write_all(chunk, sizeof(chunk)))
            return 1;
    }
    return 0;
}
