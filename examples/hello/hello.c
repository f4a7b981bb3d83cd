/* hello: the smallest WAGI guest, answering "Hello, world!" or a JSON health check. */

/*
 * This guest is instantiated once per request, so it skips wasi-libc entirely: no malloc, no
 * stdio, no constructors. It talks to WASI preview1 directly and needs a single 64 KiB page.
 * WAGI passes the request path in PATH_INFO, as CGI does (RFC 3875 section 4.1.5).
 */

#define WASI_IMPORT(name) \
    __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

struct ciovec {
    const char *base;
    unsigned long len;
};

WASI_IMPORT("environ_sizes_get") int environ_sizes_get(unsigned long *count, unsigned long *size);
WASI_IMPORT("environ_get") int environ_get(char **pointers, char *strings);
WASI_IMPORT("fd_write")
int fd_write(int fd, const struct ciovec *iovs, unsigned long count, unsigned long *written);

/* The linker puts the first free byte after data and stack here. */
extern unsigned char __heap_base;

static const char health[] = "content-type: application/json\n\n{\"status\":\"ok\"}";
static const char hello[] = "content-type: text/plain\n\nHello, world!\n";
static const char path_key[] = "PATH_INFO=";
static const char health_value[] = "/health";

static int starts_with(const char *s, const char *prefix) {
    while (*prefix && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == 0;
}

static int equals(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Grows memory until [__heap_base, __heap_base + bytes) is addressable; 0 on failure. */
static int reserve(unsigned long bytes) {
    unsigned long end = (unsigned long)&__heap_base + bytes;
    unsigned long have = __builtin_wasm_memory_size(0) * 65536ul;

    if (end <= have)
        return 1;

    unsigned long pages = (end - have + 65535) / 65536;
    return __builtin_wasm_memory_grow(0, pages) != (unsigned long)-1;
}

/* Returns PATH_INFO's value, or 0 when it is unset or the environment cannot be read. */
static const char *path_info(void) {
    unsigned long count, size;

    if (environ_sizes_get(&count, &size) != 0 || !reserve(count * sizeof(char *) + size))
        return 0;

    char **pointers = (char **)&__heap_base;
    char *strings = (char *)(pointers + count);
    if (environ_get(pointers, strings) != 0)
        return 0;

    for (unsigned long i = 0; i < count; i++) {
        if (starts_with(pointers[i], path_key))
            return pointers[i] + sizeof(path_key) - 1;
    }
    return 0;
}

static void write_all(const char *bytes, unsigned long len) {
    while (len > 0) {
        struct ciovec iov = {bytes, len};
        unsigned long written;

        if (fd_write(1, &iov, 1, &written) != 0)
            return;
        bytes += written;
        len -= written;
    }
}

void _start(void) {
    const char *path = path_info();

    if (path && equals(path, health_value))
        write_all(health, sizeof(health) - 1);
    else
        write_all(hello, sizeof(hello) - 1);
}
