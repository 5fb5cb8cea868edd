/* tensor file, in memory: har_tfile_parse on a decompressed safetensors
 * image (8-byte header length, JSON header, payload).  Whatever it accepts
 * must serialise and parse back to the same tensors and metadata. */
#include "fuzz.h"

#include "io/tensorfile.h"

static void same_or_abort(const har_tfile *a, const har_tfile *b)
{
    if (a->ntensors != b->ntensors || a->nmeta != b->nmeta)
        abort();
    for (size_t i = 0; i < a->ntensors; i++) {
        const har_tensor *x = &a->tensors[i], *y = har_tfile_get(b, x->name);
        if (!y || x->dtype != y->dtype || x->ndim != y->ndim || x->nbytes != y->nbytes ||
            memcmp(x->shape, y->shape, (size_t)x->ndim * sizeof x->shape[0]) ||
            (x->nbytes && memcmp(x->data, y->data, x->nbytes)))
            abort();
        if ((size_t)har_tensor_numel(x) * har_dtype_size(x->dtype) != x->nbytes)
            abort();
    }
    for (size_t i = 0; i < a->nmeta; i++) {
        const char *v = har_tfile_meta_get(b, a->meta[i].key);
        if (!v || strcmp(v, a->meta[i].value))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    har_err e = {0};
    har_tfile *f = har_tfile_parse(data, size, "fuzz", &e);
    if (!f) {
        if (!e.code || !e.msg[0])
            abort(); /* a refusal always says why */
        return 0;
    }
    unsigned char *buf = NULL;
    size_t len = 0;
    if (har_tfile_serialize(f, &buf, &len, &e))
        abort();
    har_tfile *g = har_tfile_parse(buf, len, "fuzz-again", &e);
    if (!g)
        abort();
    same_or_abort(f, g);
    har_tfile_free(g);
    free(buf);
    har_tfile_free(f);
    return 0;
}
