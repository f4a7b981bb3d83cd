/* passwd: a hostile test guest that tries three ways to read the host's /etc/passwd. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* WASI numbers preopened directories from 3, so 3 is the first (if any) the host granted. */
#define FIRST_PREOPEN 3

static void report(const char *attempt, FILE *file, int error) {
    char line[256];

    fputs(attempt, stdout);
    fputs(": ", stdout);
    if (!file) {
        fputs("denied: ", stdout);
        fputs(strerror(error), stdout);
        fputs("\n", stdout);
        return;
    }

    if (!fgets(line, sizeof(line), file))
        strcpy(line, "(empty)\n");
    fputs(line, stdout);
    fclose(file);
}

static void try_fopen(const char *path) {
    FILE *file = fopen(path, "r");

    report(path, file, errno);
}

/* Skips wasi-libc's path resolution and hands ".." straight to the host's path_open. */
static void try_path_open(const char *path) {
    __wasi_fd_t fd;
    __wasi_errno_t error = __wasi_path_open(FIRST_PREOPEN, 0, path, 0, __WASI_RIGHTS_FD_READ, 0,
                                            0, &fd);
    FILE *file = error == 0 ? fdopen((int)fd, "r") : NULL;

    report("path_open", file, error == 0 ? errno : error);
}

int main(void) {
    fputs("content-type: text/plain\n\n", stdout);
    try_fopen("/etc/passwd");
    try_fopen("../../../../etc/passwd");
    try_path_open("../../../../etc/passwd");
    return 0;
}
