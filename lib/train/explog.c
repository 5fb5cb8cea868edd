/* explog.c - append-only, lock-protected CSV experiment log. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explog.h"

void har_loadavg_text(const char *path, char *buf, size_t cap)
{
    char line[128] = "";
    FILE *fp = fopen(path, "r");
    if (fp) {
        if (!fgets(line, sizeof line, fp))
            line[0] = 0;
        fclose(fp);
    }
    /* The first field of "0.52 0.58 0.59 1/123 4567": digits, maybe a point
     * and more digits, then a space or the end of the line. */
    size_t digits = strspn(line, "0123456789"), n = digits;
    if (line[n] == '.')
        n += 1 + strspn(line + n + 1, "0123456789");
    int number = digits > 0 && line[n - 1] != '.' && (line[n] == ' ' || line[n] == '\n' || !line[n]);
    snprintf(buf, cap, "%.*s", number && n < cap ? (int)n : 0, line);
}

int har_csv_field(char **buf, size_t *len, size_t *cap, const char *s, har_err *e)
{
    size_t need = *len + 2 * strlen(s) + 4;
    if (need > *cap) {
        size_t c = need * 2;
        char *b = realloc(*buf, c);
        if (!b)
            return har_fail(e, HAR_EIO, "out of memory");
        *buf = b;
        *cap = c;
    }
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    char *p = *buf + *len;
    if (quote)
        *p++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *p++ = '"';
        *p++ = *s;
    }
    if (quote)
        *p++ = '"';
    *p = 0;
    *len = (size_t)(p - *buf);
    return 0;
}

/* Appends a CSV line (fields quoted as needed, then a newline) to the buffer. */
static int csv_line(char **buf, size_t *len, size_t *cap, const char *const *v, int n, har_err *e)
{
    for (int i = 0; i < n; i++) {
        if (har_csv_field(buf, len, cap, v[i], e))
            return HAR_EIO;
        (*buf)[(*len)++] = i + 1 < n ? ',' : '\n'; /* har_csv_field leaves room for it */
        (*buf)[*len] = 0;
    }
    return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int har_explog_append(const char *path, const char *const *header, const char *const *fields, int n,
                      har_err *e)
{
    char *head = NULL, *row = NULL;
    size_t hl = 0, hc = 0, rl = 0, rc = 0;
    int fd = -1, code = 0;
    if (csv_line(&head, &hl, &hc, header, n, e) || csv_line(&row, &rl, &rc, fields, n, e)) {
        code = HAR_EIO;
        goto out;
    }
    fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) {
        code = har_fail(e, HAR_EIO, "cannot open experiment log %s: %s", path, strerror(errno));
        goto out;
    }
    if (flock(fd, LOCK_EX) != 0) {
        code = har_fail(e, HAR_EIO, "cannot lock experiment log %s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        code = har_fail(e, HAR_EIO, "cannot stat experiment log %s: %s", path, strerror(errno));
        goto out;
    }
    if (st.st_size == 0) {
        if (write_all(fd, head, hl))
            code = har_fail(e, HAR_EIO, "cannot write experiment log %s: %s", path, strerror(errno));
    } else {
        char *have = malloc(hl + 1);
        ssize_t got = have ? pread(fd, have, hl, 0) : -1;
        if (got != (ssize_t)hl || memcmp(have, head, hl))
            code = har_fail(e, HAR_EDATA,
                            "experiment log %s has a different header than this version of the "
                            "tool writes: move it aside or use --log another.csv",
                            path);
        free(have);
    }
    if (!code && write_all(fd, row, rl))
        code = har_fail(e, HAR_EIO, "cannot write experiment log %s: %s", path, strerror(errno));
    if (!code && fsync(fd) != 0)
        code = har_fail(e, HAR_EIO, "cannot sync experiment log %s: %s", path, strerror(errno));
out:
    if (fd >= 0)
        close(fd); /* releases the lock */
    free(head);
    free(row);
    return code;
}
