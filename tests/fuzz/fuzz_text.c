/* numeric text tables and activity_labels.txt, in memory: har_table_parse
 * (the reader of HAPT recordings and labels, UCI HAR v1 signal, label and
 * subject files) and har_activities_parse, on the same buffer.  The first
 * input byte picks the column count (0 = from the first row) and strict or
 * lenient handling of bad values. */
#include <math.h>

#include "fuzz.h"

#include "data/activities.h"
#include "io/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int cols = data[0] % 8, strict = (data[0] >> 3) & 1;
    char *buf = fuzz_cstr(data + 1, size - 1);
    size_t len = size - 1;
    har_err e = {0};
    har_table t;
    int bad = 0;
    if (har_table_parse(buf, len, "fuzz.txt", cols, strict, &t, &bad, &e) == 0) {
        if (t.rows < 1 || t.cols < 1 || (cols && t.cols != cols))
            abort();
        int64_t nan = 0;
        for (int64_t i = 0; i < t.rows * t.cols; i++)
            nan += !isfinite(t.v[i]);
        if (nan != t.bad_values || (strict && nan))
            abort();
        har_table_free(&t);
    } else if (!e.code || !e.msg[0]) {
        abort();
    }
    har_activities acts;
    har_err e2 = {0};
    if (har_activities_parse(buf, len, "activity_labels.txt", &acts, &e2) == 0) {
        for (int i = 0; i < acts.n; i++)
            if (har_activities_name(&acts, acts.a[i].id) == NULL || !acts.a[i].name[0])
                abort();
        har_activities_free(&acts);
    } else if (!e2.code || !e2.msg[0]) {
        abort();
    }
    free(buf);
    return 0;
}
