#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activities.h"
#include "io/infile.h"
#include "io/textparse.h"

void har_activities_free(har_activities *acts)
{
    for (int i = 0; i < acts->n; i++)
        free(acts->a[i].name);
    free(acts->a);
    acts->a = NULL;
    acts->n = 0;
}

const char *har_activities_name(const har_activities *acts, int32_t id)
{
    for (int i = 0; i < acts->n; i++)
        if (acts->a[i].id == id)
            return acts->a[i].name;
    return NULL;
}

int har_activities_read(const char *path, har_activities *acts, char *sha_hex, har_err *e)
{
    memset(acts, 0, sizeof *acts);
    char *buf;
    size_t len;
    if (har_slurp(path, &buf, &len, sha_hex, e))
        return e ? e->code : HAR_EIO;
    int rc = har_activities_parse(buf, len, path, acts, e);
    free(buf);
    return rc;
}

int har_activities_parse(const char *buf, size_t len, const char *path, har_activities *acts, har_err *e)
{
    memset(acts, 0, sizeof *acts);
    har_lines it;
    har_lines_init(&it, buf, len);
    const char *s;
    size_t n;
    int rc = 0;
    while (!rc && har_lines_next(&it, &s, &n)) {
        if (har_line_blank(s, n))
            continue;
        /* "<id> <NAME>" with optional trailing spaces. */
        char line[256];
        if (n >= sizeof line) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: line too long", path, it.line);
            break;
        }
        memcpy(line, s, n);
        line[n] = '\0';
        char *end, *name;
        errno = 0;
        long id = strtol(line, &end, 10);
        name = end;
        while (*name == ' ' || *name == '\t')
            name++;
        size_t nl = strcspn(name, " \t\r");
        int trailing_ok = 1;
        for (const char *p = name + nl; *p; p++)
            trailing_ok &= (*p == ' ' || *p == '\t' || *p == '\r');
        if (errno || end == line || id < 1 || id > 65535 || nl == 0 || !trailing_ok ||
            memchr(name, ',', nl)) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: expected '<id 1..65535> <NAME>' (name without spaces or commas)",
                          path, it.line);
            break;
        }
        name[nl] = '\0';
        if (har_activities_name(acts, (int32_t)id)) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: activity id %ld appears twice", path, it.line, id);
            break;
        }
        har_activity *na = realloc(acts->a, (size_t)(acts->n + 1) * sizeof *na);
        if (!na) {
            rc = har_fail(e, HAR_EIO, "out of memory");
            break;
        }
        acts->a = na;
        acts->a[acts->n].id = (int32_t)id;
        if (!(acts->a[acts->n].name = har_strdup(name, e))) {
            rc = HAR_EIO;
            break;
        }
        acts->n++;
    }
    if (!rc && acts->n == 0)
        rc = har_fail(e, HAR_EDATA, "%s: no activities listed", path);
    if (rc)
        har_activities_free(acts);
    return rc;
}
