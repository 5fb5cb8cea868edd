/* mkseeds - writes the tensor-file and checkpoint seed corpora of the fuzz
 * targets with the project's own writer (tests/fuzz/corpus/{tfile_parse,
 * tfile_read,checkpoint}/).  Not part of any build; regenerate with
 *   make build/fz/libhar.a BUILD=build/fz
 *   cc -std=c11 -Ilib tests/fuzz/mkseeds.c build/fz/libhar.a \
 *      $(pkg-config --libs libcjson zlib libcrypto openblas) -lm \
 *      -o build/fz/mkseeds && build/fz/mkseeds tests/fuzz/corpus
 * The checkpoint seeds other than "dense", and the "-nocrc" seeds, then had
 * their payload_crc32 metadata removed (a file without it is accepted), so
 * that the fuzzer's payload mutations are not all stopped by the checksum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"

static void die(const har_err *e)
{
    fprintf(stderr, "mkseeds: %s\n", e->msg);
    exit(1);
}

static void put_raw(const char *dir, const char *target, const char *name, const har_tfile *f, int mode_byte)
{
    har_err e = {0};
    unsigned char *buf;
    size_t len;
    if (har_tfile_serialize(f, &buf, &len, &e))
        die(&e);
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || (mode_byte >= 0 && fputc(mode_byte, fp) == EOF) || fwrite(buf, 1, len, fp) != len || fclose(fp))
        exit(1);
    free(buf);
}

/* tfile_read seeds: mode byte 0 and the file as har_tfile_write writes it. */
static void put_gz(const char *dir, const char *name, const har_tfile *f)
{
    har_err e = {0};
    char tmp[512], path[512];
    snprintf(tmp, sizeof tmp, "%s/tfile_read/%s.tmp.gz", dir, name);
    snprintf(path, sizeof path, "%s/tfile_read/%s", dir, name);
    if (har_tfile_write(f, tmp, &e))
        die(&e);
    FILE *in = fopen(tmp, "rb"), *out = fopen(path, "wb");
    if (!in || !out)
        exit(1);
    fputc(0, out);
    int c;
    while ((c = getc(in)) != EOF)
        fputc(c, out);
    fclose(in);
    fclose(out);
    remove(tmp);
}

static har_tfile *checkpoint(const char *spec, int T, int C)
{
    har_err e = {0};
    har_model m;
    if (har_model_build(&m, spec, (har_shape){T, C}, 3, &e))
        die(&e);
    for (size_t i = 0; i < m.nweights; i++)
        m.w[i] = (float)((int)(i % 7) - 3) * 0.125f;
    har_tfile *f = har_tfile_new(&e);
    if (!f || har_checkpoint_put_weights(f, &m, &e))
        die(&e);
    int64_t cs[1] = {C};
    har_tensor *mean = har_tfile_add(f, "norm.mean", HAR_F64, 1, cs, &e);
    har_tensor *std = har_tfile_add(f, "norm.std", HAR_F64, 1, cs, &e);
    if (!mean || !std)
        die(&e);
    for (int j = 0; j < C; j++) {
        ((double *)mean->data)[j] = 0.5 * j;
        ((double *)std->data)[j] = 1.0 + j;
    }
    static const char *chans[] = {"body_acc_x", "body_acc_y", "body_acc_z"};
    char chlist[256] = "";
    for (int j = 0; j < C; j++)
        snprintf(chlist + strlen(chlist), sizeof chlist - strlen(chlist), "%s%s", j ? "," : "", chans[j % 3]);
    if (har_tfile_meta_set(f, "format", HAR_CHECKPOINT_FORMAT, &e) || har_tfile_meta_set(f, "spec", spec, &e) ||
        har_tfile_meta_set(f, "classes", "WALKING,SITTING,LAYING", &e) ||
        har_tfile_meta_set(f, "channels", chlist, &e) || har_tfile_meta_setf(f, &e, "window", "%d", T) ||
        har_tfile_meta_set(f, "sample_rate_hz", "50", &e))
        die(&e);
    har_model_free(&m);
    return f;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus";
    static const struct {
        const char *name, *spec;
    } cks[] = {{"dense", "flatten,dense:3"},
               {"gru-mean", "gru:3:readout=mean,dense:3"},
               {"lstm-bidir", "lstm:2:bidir=1:layers=2,last,dense:3"},
               {"conv-res", "conv1d:2:3:pad=same,relu,res(conv1d:2:1,layernorm),maxpool:2,flatten,dropout:0.1,dense:3"},
               {"rnn-attention", "rnn:2:readout=attention,dense:3"}};
    for (size_t i = 0; i < sizeof cks / sizeof cks[0]; i++) {
        har_tfile *f = checkpoint(cks[i].spec, 4, 3);
        put_raw(dir, "checkpoint", cks[i].name, f, -1);
        if (i < 2) {
            put_raw(dir, "tfile_parse", cks[i].name, f, -1);
            put_gz(dir, cks[i].name, f);
        }
        har_tfile_free(f);
    }
    /* A window file's dtypes, and a file with metadata only. */
    har_err e = {0};
    har_tfile *w = har_tfile_new(&e);
    int64_t xs[3] = {2, 4, 3}, n[1] = {2}, none[1] = {0};
    if (!w || !har_tfile_add(w, "x", HAR_F32, 3, xs, &e) || !har_tfile_add(w, "y", HAR_I32, 1, n, &e) ||
        !har_tfile_add(w, "start", HAR_I64, 1, n, &e) || !har_tfile_add(w, "mask", HAR_U8, 1, n, &e) ||
        !har_tfile_add(w, "stat", HAR_F64, 1, n, &e) || !har_tfile_add(w, "empty", HAR_F32, 1, none, &e) ||
        har_tfile_meta_set(w, "classes", "WALKING,SITTING", &e) || har_tfile_meta_set(w, "window", "4", &e))
        die(&e);
    put_raw(dir, "tfile_parse", "windows", w, -1);
    put_gz(dir, "windows", w);
    put_raw(dir, "tfile_read", "windows-raw", w, 0);
    put_raw(dir, "tfile_read", "windows-gz1", w, 1);
    put_raw(dir, "tfile_read", "windows-gz2", w, 2);
    har_tfile_free(w);
    har_tfile *m = har_tfile_new(&e);
    if (!m || har_tfile_meta_set(m, "note", "metadata only, \"quoted\" \\ \xc3\xa9", &e))
        die(&e);
    put_raw(dir, "tfile_parse", "meta-only", m, -1);
    put_gz(dir, "meta-only", m);
    har_tfile_free(m);
    return 0;
}
