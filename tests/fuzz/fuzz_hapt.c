/* HAPT v2.1 raw layout, whole reader: har_ingest on a scratch directory
 * written from the input.  The input is NUL-separated sections:
 *   options byte | activity_labels.txt | RawData/labels.txt |
 *   acc_exp01_user01 | gyro_exp01_user01 | acc_exp02_user02 |
 *   gyro_exp02_user02 | Test/subject_id_test.txt
 * (a missing section is a missing file).  The options byte picks the --nan
 * policy, the window (2..8) and the stride (1..4), kept small so short
 * inputs make windows. */
#include "fuzz.h"

static const char *const files[] = {"activity_labels.txt",
                                    "RawData/labels.txt",
                                    "RawData/acc_exp01_user01.txt",
                                    "RawData/gyro_exp01_user01.txt",
                                    "RawData/acc_exp02_user02.txt",
                                    "RawData/gyro_exp02_user02.txt",
                                    "Test/subject_id_test.txt"};
enum { NFILES = sizeof files / sizeof files[0] };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sec[NFILES + 1];
    size_t len[NFILES + 1];
    int n = fuzz_sections(data, size, sec, len, NFILES + 1);
    if (n < 2 || len[0] != 1)
        return 0;
    const char *dir = fuzz_dir();
    fuzz_mkdir(dir, "RawData");
    fuzz_mkdir(dir, "Test");
    for (int i = 0; i < NFILES; i++)
        fuzz_put(dir, files[i], i + 1 < n ? (const void *)sec[i + 1] : NULL, i + 1 < n ? len[i + 1] : 0);
    unsigned b = sec[0][0];
    har_ingest_opts o;
    har_ingest_opts_default(&o);
    o.root = dir;
    o.layout = HAR_LAYOUT_HAPT;
    o.nan = b % 3 == 0 ? HAR_NAN_ERROR : b % 3 == 1 ? HAR_NAN_FFILL : HAR_NAN_DROP;
    o.window = 2 + (int)(b / 3) % 7;
    o.stride = 1 + (int)(b / 21) % 4;
    fuzz_ingest(&o, o.window);
    return 0;
}
