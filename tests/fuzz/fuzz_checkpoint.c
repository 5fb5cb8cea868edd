/* checkpoint loading: a safetensors image parsed in memory, then
 * har_checkpoint_from_tfile (format and metadata checks, the model built
 * from the recorded spec, every weight looked up, shape-checked and
 * loaded).  A checkpoint that loads and is small enough is also run forward
 * on one zero window, so a spec that builds layers of the wrong size shows
 * up as an out-of-bounds access. */
#include "fuzz.h"

#include "model/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    har_err e = {0};
    har_tfile *f = har_tfile_parse(data, size, "fuzz", &e);
    if (!f)
        return 0;
    har_checkpoint ck;
    if (har_checkpoint_from_tfile(&ck, f, &e)) { /* frees f */
        if (!e.code || !e.msg[0])
            abort();
        return 0;
    }
    size_t in = (size_t)ck.window * (size_t)ck.nchannels;
    if (ck.model.nweights <= ((size_t)1 << 16) && in <= ((size_t)1 << 12)) {
        real *x = calloc(in, sizeof *x);
        if (!x)
            abort();
        if (har_model_reserve(&ck.model, 1, &e) == 0)
            har_model_forward(&ck.model, x, 1, 0);
        free(x);
    }
    har_checkpoint_free(&ck);
    return 0;
}
