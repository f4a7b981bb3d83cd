/* echo: a WAGI guest that reflects its request as JSON, with special paths for host tests. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Variables the host sets for every request (WAGI's CGI set plus X_REQUEST_ID); the rest
 * of the non-HTTP_ environment is what the app was granted. */
static const char *const cgi_names[] = {
    "AUTH_TYPE",       "CONTENT_LENGTH",  "CONTENT_TYPE",    "GATEWAY_INTERFACE",
    "PATH_INFO",       "PATH_TRANSLATED", "QUERY_STRING",    "REMOTE_ADDR",
    "REMOTE_HOST",     "REMOTE_USER",     "REQUEST_METHOD",  "SCRIPT_NAME",
    "SERVER_NAME",     "SERVER_PORT",     "SERVER_PROTOCOL", "SERVER_SOFTWARE",
    "X_FULL_URL",      "X_MATCHED_ROUTE", "X_RAW_PATH_INFO", "X_REQUEST_ID",
};

/* A body larger than this still works; the CONTENT_LENGTH hint just stops presizing. */
#define MAX_PRESIZE (64u << 20)
#define CHUNK (64u << 10)

struct buffer {
    char *bytes;
    size_t len;
    size_t cap;
};

static void out_of_memory(void) {
    static const char message[] = "echo: out of memory\n";

    write(2, message, sizeof(message) - 1);
    exit(70);
}

static void reserve(struct buffer *b, size_t extra) {
    if (b->cap - b->len >= extra)
        return;

    size_t cap = b->cap ? b->cap : CHUNK;
    while (cap - b->len < extra)
        cap *= 2;

    char *bytes = realloc(b->bytes, cap);
    if (!bytes)
        out_of_memory();
    b->bytes = bytes;
    b->cap = cap;
}

static void append(struct buffer *b, const char *s, size_t n) {
    reserve(b, n);
    memcpy(b->bytes + b->len, s, n);
    b->len += n;
}

static void append_text(struct buffer *b, const char *s) {
    append(b, s, strlen(s));
}

static void append_number(struct buffer *b, size_t n) {
    char digits[24];
    size_t at = sizeof(digits);

    do {
        digits[--at] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    append(b, digits + at, sizeof(digits) - at);
}

/* JSON (RFC 8259 section 7) requires escaping quote, backslash and bytes below 0x20;
 * everything else, including UTF-8 sequences, passes through unchanged. */
static size_t escaped_length(const unsigned char *s, size_t n) {
    size_t len = n;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] == '\b' || s[i] == '\f' || s[i] == '\n' ||
            s[i] == '\r' || s[i] == '\t')
            len += 1;
        else if (s[i] < 0x20)
            len += 5;
    }
    return len;
}

static char *escape_byte(char *out, unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    static const char short_forms[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
                                       ['\t'] = 't'};

    if (c == '"' || c == '\\') {
        *out++ = '\\';
        *out++ = (char)c;
    } else if (c < sizeof(short_forms) && short_forms[c]) {
        *out++ = '\\';
        *out++ = short_forms[c];
    } else if (c < 0x20) {
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        out += 6;
    } else {
        *out++ = (char)c;
    }
    return out;
}

static void append_json_bytes(struct buffer *b, const char *s, size_t n) {
    size_t len = escaped_length((const unsigned char *)s, n);

    reserve(b, len + 2);
    char *out = b->bytes + b->len;
    *out++ = '"';
    for (size_t i = 0; i < n; i++)
        out = escape_byte(out, (unsigned char)s[i]);
    *out++ = '"';
    b->len += len + 2;
}

static void append_json_text(struct buffer *b, const char *s) {
    if (s)
        append_json_bytes(b, s, strlen(s));
    else
        append_text(b, "null");
}

static void write_all(int fd, const char *bytes, size_t len) {
    while (len > 0) {
        ssize_t written = write(fd, bytes, len);

        if (written < 0)
            exit(74);
        bytes += written;
        len -= (size_t)written;
    }
}

static int reply(const char *response) {
    write_all(1, response, strlen(response));
    return 0;
}

/* Parses a non-empty run of decimal digits; 0 when s is anything else or overflows. */
static int parse_size(const char *s, size_t *value) {
    size_t n = 0;

    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (SIZE_MAX - 9) / 10)
            return 0;
        n = n * 10 + (size_t)(*s - '0');
    }
    *value = n;
    return 1;
}

static int reply_status(const char *code) {
    struct buffer b = {0};

    append_text(&b, "status: ");
    append_text(&b, code);
    append_text(&b, "\ncontent-type: text/plain\n\nstatus ");
    append_text(&b, code);
    append_text(&b, "\n");
    write_all(1, b.bytes, b.len);
    return 0;
}

static int reply_big(const char *count) {
    size_t remaining;

    if (!parse_size(count, &remaining))
        return reply("status: 400 Bad Request\ncontent-type: text/plain\n\nbad size\n");

    char *chunk = malloc(CHUNK);
    if (!chunk)
        out_of_memory();
    memset(chunk, 'a', CHUNK);

    reply("content-type: text/plain\n\n");
    while (remaining > 0) {
        size_t n = remaining < CHUNK ? remaining : CHUNK;

        write_all(1, chunk, n);
        remaining -= n;
    }
    return 0;
}

static int reply_env(const char *name) {
    const char *value = getenv(name);

    if (!value)
        return reply("status: 404 Not Found\ncontent-type: text/plain\n\nunset\n");
    reply("content-type: text/plain\n\n");
    write_all(1, value, strlen(value));
    return 0;
}

static char *read_body(size_t *len) {
    struct buffer b = {0};
    size_t hint;
    const char *content_length = getenv("CONTENT_LENGTH");

    if (content_length && parse_size(content_length, &hint) && hint < MAX_PRESIZE)
        reserve(&b, hint + 1);

    /* Read until EOF, whatever CONTENT_LENGTH claimed: WAGI bodies end at end of stdin. */
    for (;;) {
        reserve(&b, 1);
        ssize_t n = read(0, b.bytes + b.len, b.cap - b.len);

        if (n < 0)
            exit(74);
        if (n == 0)
            break;
        b.len += (size_t)n;
    }
    *len = b.len;
    return b.bytes;
}

static int is_cgi_name(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof(cgi_names) / sizeof(cgi_names[0]); i++) {
        if (strlen(cgi_names[i]) == len && memcmp(cgi_names[i], name, len) == 0)
            return 1;
    }
    return 0;
}

/* HTTP_X_FOO becomes "x-foo": the inverse of the CGI header mapping (RFC 3875 4.1.18). */
static void append_header_name(struct buffer *b, const char *name, size_t len) {
    reserve(b, len + 2);
    b->bytes[b->len++] = '"';
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if (c == '_')
            c = '-';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        b->bytes[b->len++] = c;
    }
    b->bytes[b->len++] = '"';
}

/* Builds the "headers" and "env" JSON objects in a single pass over the environment. */
static void append_environment(struct buffer *headers, struct buffer *granted) {
    append_text(headers, "{");
    append_text(granted, "{");
    for (char **entry = environ; *entry; entry++) {
        const char *equals = strchr(*entry, '=');
        if (!equals)
            continue;

        size_t name_len = (size_t)(equals - *entry);
        int is_header = name_len > 5 && memcmp(*entry, "HTTP_", 5) == 0;
        struct buffer *target = is_header ? headers : granted;
        if (!is_header && is_cgi_name(*entry, name_len))
            continue;

        /* Anything past the opening brace is an earlier member. */
        if (target->len > 1)
            append_text(target, ",");
        if (is_header)
            append_header_name(target, *entry + 5, name_len - 5);
        else
            append_json_bytes(target, *entry, name_len);
        append_text(target, ":");
        append_json_text(target, equals + 1);
    }
    append_text(headers, "}");
    append_text(granted, "}");
}

static void append_field(struct buffer *b, const char *key, const char *env_name) {
    append_text(b, key);
    append_json_text(b, getenv(env_name));
}

static int reply_echo(int argc, char **argv) {
    struct buffer out = {0};
    struct buffer headers = {0};
    struct buffer granted = {0};
    size_t body_len;
    char *body = read_body(&body_len);

    append_environment(&headers, &granted);

    append_text(&out, "content-type: application/json\n\n");
    append_field(&out, "{\"method\":", "REQUEST_METHOD");
    append_field(&out, ",\"path\":", "PATH_INFO");
    append_field(&out, ",\"query\":", "QUERY_STRING");
    append_field(&out, ",\"scriptName\":", "SCRIPT_NAME");
    append_field(&out, ",\"fullUrl\":", "X_FULL_URL");
    append_field(&out, ",\"requestId\":", "X_REQUEST_ID");
    append_field(&out, ",\"remoteAddr\":", "REMOTE_ADDR");
    append_text(&out, ",\"headers\":");
    append(&out, headers.bytes, headers.len);
    append_text(&out, ",\"env\":");
    append(&out, granted.bytes, granted.len);

    append_text(&out, ",\"args\":[");
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            append_text(&out, ",");
        append_json_text(&out, argv[i]);
    }
    append_text(&out, "],\"bodyLength\":");
    append_number(&out, body_len);
    append_text(&out, ",\"body\":");
    append_json_bytes(&out, body, body_len);
    append_text(&out, "}");

    write_all(1, out.bytes, out.len);
    return 0;
}

int main(int argc, char **argv) {
    const char *path = getenv("PATH_INFO");

    if (!path)
        path = "";

    if (strcmp(path, "/trap") == 0)
        __builtin_trap();
    if (strcmp(path, "/exit3") == 0)
        exit(3);
    if (strncmp(path, "/status/", 8) == 0)
        return reply_status(path + 8);
    if (strcmp(path, "/redirect") == 0)
        return reply("location: /r/echo/landed\n\n");
    if (strcmp(path, "/noctype") == 0)
        return reply("\nx");
    if (strcmp(path, "/badheader") == 0)
        return reply("content-type text/plain\n\n");
    if (strncmp(path, "/big/", 5) == 0)
        return reply_big(path + 5);
    if (strncmp(path, "/env/", 5) == 0)
        return reply_env(path + 5);
    if (strcmp(path, "/stderr") == 0)
        write_all(2, "hello from stderr\n", 18);
    return reply_echo(argc, argv);
}
