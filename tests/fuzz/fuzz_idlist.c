/* subject and activity lists ("1,3,5-9", --test-subjects, --val-subjects,
 * --activities, metadata test_subjects): har_idlist_parse.  The first input
 * byte picks the allowed range; an accepted list must be sorted, unique,
 * inside it, and format back to text that parses to the same set. */
#include "fuzz.h"

#include "io/idlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const int32_t lo[4] = {0, 1, 0, 5}, hi[4] = {INT32_MAX, 65535, 30, 7};
    int r = data[0] % 4;
    char *s = fuzz_cstr(data + 1, size - 1);
    har_idlist l;
    har_err e = {0};
    if (har_idlist_parse(&l, s, lo[r], hi[r], "--fuzz", &e)) {
        if (!e.code || !e.msg[0] || l.ids || l.n)
            abort();
        free(s);
        return 0;
    }
    if (l.n > HAR_IDLIST_MAX)
        abort();
    for (size_t i = 0; i < l.n; i++)
        if (l.ids[i] < lo[r] || l.ids[i] > hi[r] || (i && l.ids[i] <= l.ids[i - 1]))
            abort();
    char *txt = har_idlist_format(&l, &e);
    if (!txt)
        abort();
    har_idlist back, both;
    if (har_idlist_parse(&back, txt, lo[r], hi[r], "--fuzz", &e) || back.n != l.n ||
        (l.n && memcmp(back.ids, l.ids, l.n * sizeof *l.ids)))
        abort();
    if (har_idlist_intersect(&l, &back, &both, &e) || both.n != l.n)
        abort();
    har_idlist_free(&both);
    har_idlist_free(&back);
    free(txt);
    har_idlist_free(&l);
    free(s);
    return 0;
}
