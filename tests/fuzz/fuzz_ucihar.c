/* UCI HAR v1 layout, whole reader: har_ingest on a scratch directory
 * written from the input.  The input is NUL-separated sections:
 *   options byte | activity_labels.txt | train/y_train.txt |
 *   train/subject_train.txt | the nine Inertial Signals files
 *   (body_acc_x_train.txt, ...; a missing one repeats the last given)
 * The options byte picks the --nan policy and whether the same files also
 * form the test part (--part all, so test subjects are collected too). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum { NSEC = 1 + 3 + HAR_CHANNELS };
    const uint8_t *sec[NSEC];
    size_t len[NSEC];
    int n = fuzz_sections(data, size, sec, len, NSEC);
    if (n < 2 || len[0] != 1)
        return 0;
    unsigned b = sec[0][0];
    int both = (b >> 2) & 1;
    const char *dir = fuzz_dir();
    static const char *const parts[2] = {"train", "test"};
    for (int k = 0; k < 2; k++) {
        int write = k == 0 || both;
        char rel[128];
        fuzz_mkdir(dir, parts[k]);
        snprintf(rel, sizeof rel, "%s/Inertial Signals", parts[k]);
        fuzz_mkdir(dir, rel);
        snprintf(rel, sizeof rel, "%s/y_%s.txt", parts[k], parts[k]);
        fuzz_put(dir, rel, write && n > 2 ? (const void *)sec[2] : NULL, n > 2 ? len[2] : 0);
        snprintf(rel, sizeof rel, "%s/subject_%s.txt", parts[k], parts[k]);
        fuzz_put(dir, rel, write && n > 3 ? (const void *)sec[3] : NULL, n > 3 ? len[3] : 0);
        for (int c = 0; c < HAR_CHANNELS; c++) {
            int s = 4 + c < n ? 4 + c : n - 1; /* the last given section */
            snprintf(rel, sizeof rel, "%s/Inertial Signals/%s_%s.txt", parts[k], har_channel_names[c], parts[k]);
            fuzz_put(dir, rel, write && s >= 4 ? (const void *)sec[s] : NULL, s >= 4 ? len[s] : 0);
        }
    }
    fuzz_put(dir, "activity_labels.txt", sec[1], len[1]);
    har_ingest_opts o;
    har_ingest_opts_default(&o);
    o.root = dir;
    o.layout = HAR_LAYOUT_UCI;
    o.nan = b % 3 == 0 ? HAR_NAN_ERROR : b % 3 == 1 ? HAR_NAN_FFILL : HAR_NAN_DROP;
    o.uci_part = both ? "all" : "train";
    fuzz_ingest(&o, 0);
    return 0;
}
