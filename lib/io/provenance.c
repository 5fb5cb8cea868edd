#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provenance.h"
#include "core/version.h"

static int needs_quotes(const char *s)
{
    if (!*s)
        return 1;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *s))
            return 1;
    return 0;
}

char *har_join_args(int argc, char *const argv[], har_err *e)
{
    size_t cap = 1;
    for (int i = 1; i < argc; i++)
        cap += 4 * strlen(argv[i]) + 3;
    char *out = har_malloc(cap, e), *p = out;
    if (!out)
        return NULL;
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            *p++ = ' ';
        if (!needs_quotes(argv[i])) {
            p += sprintf(p, "%s", argv[i]);
            continue;
        }
        *p++ = '\'';
        for (const char *s = argv[i]; *s; s++) {
            if (*s == '\'') {
                memcpy(p, "'\\''", 4); /* close, escaped quote, reopen */
                p += 4;
            } else {
                *p++ = *s;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return out;
}

int har_provenance_stamp(har_tfile *f, const char *tool, int argc, char *const argv[],
                         const char *input_digest, har_err *e)
{
    char *args = har_join_args(argc, argv, e);
    if (!args)
        return HAR_EIO;
    const char *old = har_tfile_meta_get(f, "lineage");
    int rc = har_tfile_meta_set(f, "tool", tool, e) || har_tfile_meta_set(f, "tool_version", HAR_VERSION, e) ||
             har_tfile_meta_set(f, "arguments", args, e) ||
             har_tfile_meta_set(f, "input_digest", input_digest, e) ||
             har_tfile_meta_setf(f, e, "lineage", "%s%s%s %s %s (input %s)", old ? old : "",
                                 old ? "\n" : "", tool, HAR_VERSION, args, input_digest);
    free(args);
    return rc ? HAR_EIO : 0;
}
