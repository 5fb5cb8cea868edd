#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "infile.h"
#include "table.h"
#include "textparse.h"

void har_table_free(har_table *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Upper bound on rows: the number of newlines, plus one. */
static int64_t count_lines(const char *buf, size_t len)
{
    int64_t n = 1;
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))) != NULL; p++)
        n++;
    return n;
}

int har_table_read(const char *path, int cols, int strict, har_table *t, char *sha_hex, int *bad_value,
                   har_err *e)
{
    memset(t, 0, sizeof *t);
    if (bad_value)
        *bad_value = 0;
    char *buf;
    size_t len;
    if (har_slurp(path, &buf, &len, sha_hex, e))
        return e ? e->code : HAR_EIO;
    int rc = har_table_parse(buf, len, path, cols, strict, t, bad_value, e);
    free(buf);
    return rc;
}

int har_table_parse(const char *buf, size_t len, const char *path, int cols, int strict, har_table *t,
                    int *bad_value, har_err *e)
{
    memset(t, 0, sizeof *t);
    if (bad_value)
        *bad_value = 0;
    har_lines it;
    har_lines_init(&it, buf, len);
    const char *s;
    size_t n;
    int rc = 0;
    int64_t cap = count_lines(buf, len);
    unsigned char *status = NULL;
    /* Column count from the first row when not given. */
    if (cols == 0) {
        har_lines peek = it;
        if (har_lines_next(&peek, &s, &n))
            cols = har_parse_fields(s, n, NULL, NULL, 0);
        if (cols <= 0) {
            rc = har_fail(e, HAR_EDATA, "%s:1: %s", path, len ? "first line has no numbers" : "empty file");
            goto done;
        }
    }
    t->cols = cols;
    t->v = har_malloc((size_t)cap * (size_t)cols * sizeof(double), e);
    status = har_malloc((size_t)cols, e);
    if (!t->v || !status) {
        rc = HAR_EIO;
        goto done;
    }
    while (har_lines_next(&it, &s, &n)) {
        double *row = t->v + (size_t)t->rows * (size_t)cols;
        int got = har_parse_fields(s, n, row, status, cols);
        if (got != cols) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: expected %d numbers, found %d%s", path, it.line, cols, got,
                          got == 0 ? " (blank line)" : "");
            goto done;
        }
        int row_bad = 0;
        for (int c = 0; c < cols; c++) {
            if (status[c] == HAR_FIELD_OK)
                continue;
            if (strict) {
                char field[48];
                har_field_text(s, n, c, field, sizeof field);
                if (bad_value)
                    *bad_value = 1;
                rc = har_fail(e, HAR_EDATA, "%s:%ld: field %d ('%s') is %s", path, it.line, c + 1, field,
                              status[c] == HAR_FIELD_UNPARSABLE ? "not a number" : "not finite");
                goto done;
            }
            row[c] = NAN;
            t->bad_values++;
            row_bad = 1;
        }
        t->bad_rows += row_bad;
        t->rows++;
    }
    if (t->rows == 0)
        rc = har_fail(e, HAR_EDATA, "%s: empty file (expected rows of %d numbers)", path, cols);
done:
    free(status);
    if (rc)
        har_table_free(t);
    return rc;
}

int har_table_read_ints(const char *path, int32_t **out, int64_t *n, char *sha_hex, har_err *e)
{
    har_table t;
    *out = NULL;
    *n = 0;
    if (har_table_read(path, 1, 1, &t, sha_hex, NULL, e))
        return e ? e->code : HAR_EDATA;
    int32_t *v = har_malloc((size_t)t.rows * sizeof *v, e);
    if (!v) {
        har_table_free(&t);
        return HAR_EIO;
    }
    for (int64_t i = 0; i < t.rows; i++) {
        double d = t.v[i];
        if (d != floor(d) || d < INT32_MIN || d > INT32_MAX) {
            free(v);
            har_table_free(&t);
            return har_fail(e, HAR_EDATA, "%s:%lld: '%g' is not an integer", path, (long long)i + 1, d);
        }
        v[i] = (int32_t)d;
    }
    *out = v;
    *n = t.rows;
    har_table_free(&t);
    return 0;
}
