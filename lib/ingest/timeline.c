/* timeline.c - see timeline.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "timeline.h"

const har_timeline_params har_timeline_defaults = {
    .max_gap_s = 0.1, .grid_hz = 0, .bad_time = HAR_TIME_ERROR, .preproc = {50.0, 20.0, 0.3, 3, 3}};

const char *const har_acc_units[] = {"g", "m/s2", NULL};
const double har_acc_to_g[] = {1, 1 / 9.80665};
const char *const har_gyro_units[] = {"rad/s", "deg/s", NULL};
const double har_gyro_to_rad[] = {1, 3.14159265358979323846 / 180};
const char *const har_time_units[] = {"s", "ms", "us", "ns", NULL};
const double har_time_to_s[] = {1, 1e-3, 1e-6, 1e-9};
const char *const har_time_policies[] = {"error", "drop", NULL};

const char *har_time_policy_name(har_time_policy p)
{
    return p == HAR_TIME_DROP ? "drop" : "error";
}

static double grid_of(const har_timeline_params *p)
{
    return p->grid_hz > 0 ? p->grid_hz : 4 * p->preproc.fs_hz;
}

/* A resampled sample: through the filters, then to the caller. */
static int resampled(void *ctx, int64_t k, double tau, int64_t nearest, const double *y)
{
    har_timeline *tl = ctx;
    double out[HAR_CHANNELS];
    har_preproc_push(&tl->pp, y, out);
    return tl->emit ? tl->emit(tl->ctx, tl->piece, k, tl->piece_first + nearest, tau, out) : 0;
}

int har_timeline_init(har_timeline *tl, const har_timeline_params *p, har_timeline_emit emit, void *ctx,
                      har_err *e)
{
    memset(tl, 0, sizeof *tl);
    if (!(p->max_gap_s > 0 && p->max_gap_s <= 3600))
        return har_fail(e, HAR_EUSAGE, "the longest gap %g s must lie in (0, 3600]", p->max_gap_s);
    if (har_resampler_init(&tl->rs, p->preproc.fs_hz, grid_of(p), HAR_RAW_CHANNELS, e) ||
        har_preproc_init(&tl->pp, &p->preproc, e)) {
        har_resampler_free(&tl->rs);
        return e ? e->code : HAR_EUSAGE;
    }
    tl->p = *p;
    tl->emit = emit;
    tl->ctx = ctx;
    tl->piece = -1;
    return 0;
}

void har_timeline_free(har_timeline *tl)
{
    har_resampler_free(&tl->rs);
    memset(tl, 0, sizeof *tl);
}

int har_timeline_push(har_timeline *tl, double t, const double raw[HAR_RAW_CHANNELS], har_err *e)
{
    if (!isfinite(t))
        return har_fail(e, HAR_EDATA, "timestamp is not finite");
    if (tl->piece >= 0 && !(t > tl->last_t)) {
        int equal = t == tl->last_t;
        if (tl->p.bad_time == HAR_TIME_ERROR) /* refused: as if never pushed */
            return har_fail(e, HAR_EDATA, "timestamp %s the previous sample's (%.9g s after the first); "
                            "--bad-timestamps drop skips such samples",
                            equal ? "repeats" : "lies before", tl->last_t);
        tl->pushed++;
        if (equal)
            tl->dropped_equal++;
        else
            tl->dropped_backwards++;
        return 0;
    }
    tl->pushed++;
    if (tl->piece < 0 || t - tl->last_t > tl->p.max_gap_s) {
        if (tl->piece >= 0) {
            tl->gaps++;
            tl->longest_gap_s = fmax(tl->longest_gap_s, t - tl->last_t);
        }
        tl->piece++;
        tl->piece_first = tl->kept;
        har_resampler_reset(&tl->rs);
        har_err ignore;
        har_preproc_init(&tl->pp, &tl->p.preproc, &ignore); /* checked in init */
    }
    tl->last_t = t;
    tl->kept++;
    return har_resampler_push(&tl->rs, t, raw, resampled, tl);
}

void har_timeline_describe(const har_timeline_params *p, char *buf, size_t n)
{
    snprintf(buf, n,
             "timestamps resampled to %g Hz: cubic Hermite onto a %g Hz grid, then scipy "
             "resample_poly's Kaiser (beta 5) windowed-sinc low-pass, 10 output periods each side; "
             "an interval over %g s starts a new piece; repeated or decreasing timestamps: %s",
             p->preproc.fs_hz, grid_of(p), p->max_gap_s, har_time_policy_name(p->bad_time));
}
