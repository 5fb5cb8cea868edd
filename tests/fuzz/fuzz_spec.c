/* model-spec parser (lib/nn/spec.c) and model building.  The first two
 * input bytes give the window (T 1..256) and channels (C 1..16), the third
 * the classes (2..9); the rest is the spec string.  A spec that builds into
 * a small enough model is run forward and backward on one zero window, so
 * layer shapes that disagree with what the layers compute show up as
 * out-of-bounds accesses. */
#include "fuzz.h"

#include "nn/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    har_shape in = {1 + data[0], 1 + data[1] % 16};
    int nclasses = 2 + data[2] % 8;
    char *spec = fuzz_cstr(data + 3, size - 3);
    har_model m;
    har_err e = {0};
    if (har_model_build(&m, spec, in, nclasses, &e)) {
        if (!e.code || !e.msg[0])
            abort();
        free(spec);
        return 0;
    }
    size_t nin = (size_t)in.t * (size_t)in.f;
    if (m.nweights <= ((size_t)1 << 16) && m.act_max <= ((size_t)1 << 14)) {
        real *x = calloc(nin, sizeof *x), *dx = calloc(nin, sizeof *dx);
        real dlogits[9] = {1, -1, 0.5f, 0, 0, 0, 0, 0, 0};
        if (!x || !dx)
            abort();
        if (har_model_reserve(&m, 1, &e) == 0) {
            har_model_forward(&m, x, 1, 1);
            har_model_backward(&m, dlogits, dx, 1);
        }
        free(x);
        free(dx);
    }
    har_model_free(&m);
    free(spec);
    return 0;
}
