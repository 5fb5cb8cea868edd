/* timeline.h - timestamped raw samples at a device's own rate -> the nine
 * filtered channels at the model's rate, split into pieces at gaps.
 *
 * One implementation for har-ingest's generic layout and for live streams
 * (har-infer --stream --timestamps, har_stream_push_at): a sample goes
 *   timestamp checks -> resampler (resample.h) -> the causal chain (dsp.h)
 * and the output depends only on the samples pushed and their order, so a
 * recording ingested offline and the same recording streamed give the same
 * bits.
 *
 * Timestamps must increase.  A sample whose time equals the previous one's,
 * or lies before it, is an error or dropped (counted), by policy.  An
 * interval longer than max_gap ends the piece: the resampler and the filters
 * restart at the next sample, output indices restart at 0 and no window may
 * span the gap.  The first 10 output periods of each piece and the last ones
 * yield no output (the resampler's reach); every piece then filters from its
 * own first sample as a HAPT recording does. */
#ifndef HAR_TIMELINE_H
#define HAR_TIMELINE_H

#include <stdint.h>

#include "dsp.h"
#include "resample.h"

typedef enum { HAR_TIME_ERROR, HAR_TIME_DROP } har_time_policy;

typedef struct {
    double max_gap_s;       /* longest interval inside a piece (0.1 s) */
    double grid_hz;         /* resampler grid (0: 4 x the model's rate) */
    har_time_policy bad_time;
    har_preproc_params preproc; /* the model's rate is preproc.fs_hz */
} har_timeline_params;

extern const har_timeline_params har_timeline_defaults;

/* One output sample: piece number (0 = first), its index in the piece, the
 * kept input sample nearest to it (its number among the samples kept, 0 =
 * the first kept; a caller that drops nothing gets the pushed index), its
 * time (on the input's time origin) and the nine channels. */
typedef int (*har_timeline_emit)(void *ctx, int64_t piece, int64_t k, int64_t nearest, double t,
                                 const double out[HAR_CHANNELS]);

typedef struct {
    har_timeline_params p;
    har_resampler rs;
    har_preproc pp;
    har_timeline_emit emit;
    void *ctx;
    int64_t pushed, kept;    /* samples pushed; of them kept (not dropped) */
    int64_t piece, piece_first; /* current piece; kept number of its first sample */
    double last_t;           /* time of the last kept sample */
    int64_t dropped_equal, dropped_backwards, gaps;
    double longest_gap_s;    /* longest interval that split a piece */
} har_timeline;

int har_timeline_init(har_timeline *tl, const har_timeline_params *p, har_timeline_emit emit, void *ctx,
                      har_err *e);
void har_timeline_free(har_timeline *tl);
/* Pushes one sample (time in seconds from any fixed origin; raw acc in g,
 * gyro in rad/s, all finite).  Returns 0, the emit callback's non-zero
 * return, or HAR_EDATA for a timestamp the policy refuses (e says what;
 * the caller adds where). */
int har_timeline_push(har_timeline *tl, double t, const double raw[HAR_RAW_CHANNELS], har_err *e);

/* A one-line description of the resampling, for dataset metadata. */
void har_timeline_describe(const har_timeline_params *p, char *buf, size_t n);

const char *har_time_policy_name(har_time_policy p);

/* The units har-ingest and har-infer --stream accept, NULL-terminated, and
 * the factor each value is multiplied by (one place, so both tools turn a
 * reading into the same double). */
extern const char *const har_acc_units[];   /* g, m/s2 -> g */
extern const double har_acc_to_g[];
extern const char *const har_gyro_units[];  /* rad/s, deg/s -> rad/s */
extern const double har_gyro_to_rad[];
extern const char *const har_time_units[];  /* s, ms, us, ns -> s */
extern const double har_time_to_s[];
extern const char *const har_time_policies[]; /* error, drop: har_time_policy's order */

#endif
