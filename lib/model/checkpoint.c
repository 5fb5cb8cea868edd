/* checkpoint.c - model weights and their context in one tensor file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "data/windows.h"
#include "io/provenance.h"

int har_checkpoint_put_weights(har_tfile *f, const har_model *m, har_err *e)
{
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        har_tensor *t = har_tfile_add(f, p->name, HAR_F32, p->ndim, p->shape, e);
        if (!t)
            return HAR_EIO;
        memcpy(t->data, m->w + p->offset, p->size * sizeof(float));
    }
    return 0;
}

int har_checkpoint_get_weights(const har_tfile *f, har_model *m, har_err *e)
{
    const char *src = f->source ? f->source : "<checkpoint>";
    for (int i = 0; i < m->nparams; i++) {
        const har_param *p = &m->params[i];
        har_tensor *t = har_tfile_expect(f, p->name, HAR_F32, p->ndim, p->shape, e);
        if (!t)
            return har_err_prefix(e, "model spec \"%s\" needs parameter %s", m->spec, p->name),
                   HAR_EDATA;
        const float *v = t->data;
        for (size_t j = 0; j < p->size; j++)
            if (!isfinite(v[j]))
                return har_fail(e, HAR_EDATA, "%s: parameter %s has a non-finite value at %zu", src,
                                p->name, j);
        memcpy(m->w + p->offset, v, p->size * sizeof(float));
    }
    return 0;
}

static int meta_int(const har_tfile *f, const char *key, int lo, int hi, int *out, har_err *e)
{
    const char *s = har_tfile_meta_get(f, key);
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || v < lo || v > hi)
        return har_fail(e, HAR_EDATA, "%s: metadata '%s' must be an integer in [%d, %d], got %s%s%s",
                        f->source ? f->source : "<checkpoint>", key, lo, hi, s ? "\"" : "",
                        s ? s : "nothing", s ? "\"" : "");
    *out = (int)v;
    return 0;
}

int har_checkpoint_from_tfile(har_checkpoint *ck, har_tfile *f, har_err *e)
{
    memset(ck, 0, sizeof *ck);
    ck->file = f;
    const char *src = f->source ? f->source : "<checkpoint>";
    const char *fmt = har_tfile_meta_get(f, "format");
    const char *spec = har_tfile_meta_get(f, "spec");
    const char *cl = har_tfile_meta_get(f, "classes");
    const char *ch = har_tfile_meta_get(f, "channels");
    if (!fmt || strcmp(fmt, HAR_CHECKPOINT_FORMAT)) {
        har_fail(e, HAR_EDATA, "%s: not a har checkpoint (metadata format is '%s', expected '%s')",
                 src, fmt ? fmt : "missing", HAR_CHECKPOINT_FORMAT);
        goto fail;
    }
    if (!spec || !cl || !ch) {
        har_fail(e, HAR_EDATA, "%s: metadata '%s' is missing", src,
                 !spec ? "spec" : !cl ? "classes" : "channels");
        goto fail;
    }
    if (meta_int(f, "window", 1, 1 << 20, &ck->window, e) ||
        !(ck->classes = har_split_list(cl, &ck->nclasses, e)) ||
        !(ck->channels = har_split_list(ch, &ck->nchannels, e)))
        goto fail;
    if (ck->nclasses < 2 || ck->nchannels < 1) {
        har_fail(e, HAR_EDATA, "%s: needs at least 2 classes and 1 channel (has %d and %d)", src,
                 ck->nclasses, ck->nchannels);
        goto fail;
    }
    int64_t cshape[1] = {ck->nchannels};
    har_tensor *mean = har_tfile_expect(f, "norm.mean", HAR_F64, 1, cshape, e);
    har_tensor *std = mean ? har_tfile_expect(f, "norm.std", HAR_F64, 1, cshape, e) : NULL;
    if (!std)
        goto fail;
    ck->mean = mean->data;
    ck->std = std->data;
    for (int j = 0; j < ck->nchannels; j++)
        if (!isfinite(ck->mean[j]) || !(ck->std[j] > 0) || !isfinite(ck->std[j])) {
            har_fail(e, HAR_EDATA, "%s: normalisation of channel %s is mean %g, std %g", src,
                     ck->channels[j], ck->mean[j], ck->std[j]);
            goto fail;
        }
    /* The spec is checked against the file before the model is allocated:
     * every parameter is stored in it as F32, so a spec needing more values
     * than the file holds (a 700-byte file could otherwise ask for a 17 GB
     * model) is refused, as is one whose activations for a single window
     * would not fit in memory. */
    size_t need = 0, act = 0, have = 0;
    for (size_t i = 0; i < f->ntensors; i++)
        if (f->tensors[i].dtype == HAR_F32)
            have += f->tensors[i].nbytes / sizeof(float);
    if (har_model_size(spec, (har_shape){ck->window, ck->nchannels}, &need, &act, e)) {
        har_err_prefix(e, "%s", src);
        goto fail;
    }
    if (need > have) {
        har_fail(e, HAR_EDATA, "%s: model spec \"%s\" needs %zu parameters but the file holds only %zu float32 values",
                 src, spec, need, have);
        goto fail;
    }
    if (act > HAR_CHECKPOINT_MAX_ACTIVATION) {
        har_fail(e, HAR_EDATA,
                 "%s: model spec \"%s\" on windows of %d x %d needs %zu values per layer output (limit %zu)", src,
                 spec, ck->window, ck->nchannels, act, (size_t)HAR_CHECKPOINT_MAX_ACTIVATION);
        goto fail;
    }
    if (har_model_build(&ck->model, spec, (har_shape){ck->window, ck->nchannels}, ck->nclasses,
                        e)) {
        har_err_prefix(e, "%s", src);
        goto fail;
    }
    if (har_checkpoint_get_weights(f, &ck->model, e))
        goto fail;
    return 0;
fail:
    if (!e || !e->code)
        har_fail(e, HAR_EDATA, "%s: invalid checkpoint", src);
    int code = e ? e->code : HAR_EDATA;
    har_checkpoint_free(ck);
    return code;
}

int har_checkpoint_load(har_checkpoint *ck, const char *path, har_err *e)
{
    memset(ck, 0, sizeof *ck);
    har_tfile *f = har_tfile_read(path, e);
    if (!f)
        return e ? e->code : HAR_EIO;
    return har_checkpoint_from_tfile(ck, f, e);
}

void har_checkpoint_free(har_checkpoint *ck)
{
    if (ck->model.layers || ck->model.spec)
        har_model_free(&ck->model);
    free(ck->classes);
    free(ck->channels);
    har_tfile_free(ck->file);
    memset(ck, 0, sizeof *ck);
}

/* ---- saving ---------------------------------------------------------------- */

int har_checkpoint_save(const har_checkpoint_origin *o, har_checkpoint_state_fn *add_state,
                        const void *state, const char *path, har_err *e)
{
    har_tfile *f = har_tfile_new(e);
    if (!f)
        return HAR_EIO;
    const har_windows *tr = o->train;
    int64_t cs[1] = {tr->c};
    har_tensor *m = har_tfile_add(f, "norm.mean", HAR_F64, 1, cs, e);
    har_tensor *s = m ? har_tfile_add(f, "norm.std", HAR_F64, 1, cs, e) : NULL;
    int rc = !s;
    if (!rc) {
        memcpy(m->data, o->mean, (size_t)tr->c * sizeof(double));
        memcpy(s->data, o->std, (size_t)tr->c * sizeof(double));
    }
    /* What a reader needs to feed the model the windows it was trained on,
     * copied from the training split as it came from har-ingest. */
    const char *keys[] = {"classes", "activity_ids", "channels", "units", "sample_rate_hz", "stride",
                          "preprocessing"};
    rc = rc || add_state(state, f, e) || har_tfile_meta_set(f, "format", HAR_CHECKPOINT_FORMAT, e) ||
         har_tfile_meta_setf(f, e, "window", "%d", tr->t);
    for (size_t i = 0; !rc && i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = har_tfile_meta_get(tr->file, keys[i]);
        if (v)
            rc = har_tfile_meta_set(f, keys[i], v, e);
    }
    rc = rc || har_provenance_stamp(f, o->tool, o->argc, o->argv, tr->file->digest, e) ||
         har_tfile_meta_set(f, "git_commit", o->git_commit, e) ||
         /* The same command gives the same bytes only with the same kernels. */
         har_tfile_meta_set(f, "blas_kernels", o->blas_kernels, e) ||
         har_tfile_meta_set(f, "train_digest", tr->file->digest, e) ||
         har_tfile_meta_set(f, "val_digest", o->val_digest, e) || har_tfile_write(f, path, e);
    har_tfile_free(f);
    return rc ? (e->code ? e->code : HAR_EIO) : 0;
}

/* ---- resuming --------------------------------------------------------------- */

int har_checkpoint_check_resume(const har_tfile *f, const char *path, const char *hyperparameters,
                                const char *train_digest, const char *val_digest, har_err *e)
{
    const char *hp = har_tfile_meta_get(f, "hyperparameters");
    const char *td = har_tfile_meta_get(f, "train_digest"), *vd = har_tfile_meta_get(f, "val_digest");
    if (!hp || strcmp(hp, hyperparameters))
        return har_fail(e, HAR_EUSAGE,
                        "--resume %s: the checkpoint was made with other hyperparameters:\n  %s\nthis command has:\n  %s",
                        path, hp ? hp : "(none)", hyperparameters);
    /* Other data would make the resumed run a different run under the same name. */
    if (!td || !vd || strcmp(td, train_digest) || strcmp(vd, val_digest))
        return har_fail(e, HAR_EDATA, "--resume %s: the checkpoint was trained on other TRAIN/VAL files", path);
    return 0;
}

/* ---- does a dataset fit the model ------------------------------------------- */

/* Metadata list key of w must equal the checkpoint's. */
static int same_list(const har_checkpoint *ck, const char *ck_path, const har_windows *w, const char *key,
                     har_err *e)
{
    const char *a = har_tfile_meta_get(ck->file, key), *b = har_tfile_meta_get(w->file, key);
    if (!b || strcmp(a, b))
        return har_fail(e, HAR_EDATA, "%s has %s [%s] but the model %s was trained on [%s]", w->file->source,
                        key, b ? b : "none", ck_path, a);
    return 0;
}

int har_checkpoint_fits(const har_checkpoint *ck, const char *ck_path, const har_windows *w, int flags,
                        har_err *e)
{
    const char *name = w->file->source;
    if ((flags & HAR_FIT_RAW) && har_tfile_meta_get(w->file, "normalisation"))
        return har_fail(e, HAR_EDATA,
                        "%s is normalised (metadata 'normalisation'); give the raw windows (from har-ingest or "
                        "har-split): the model %s is applied with the normalisation it stores",
                        name, ck_path);
    if (w->t != ck->window || w->c != ck->nchannels)
        return har_fail(e, HAR_EDATA, "%s has windows of %d x %d but the model %s takes %d x %d", name, w->t,
                        w->c, ck_path, ck->window, ck->nchannels);
    if (same_list(ck, ck_path, w, "channels", e) ||
        ((flags & HAR_FIT_CLASSES) && same_list(ck, ck_path, w, "classes", e)))
        return e->code;
    return 0;
}
