/* team.h - a fixed team of threads that runs a small, fixed set of tasks.
 *
 * The trainer cuts every batch into a fixed number of shards whatever the
 * number of threads, and sums their gradients in a fixed order: the threads
 * only decide who computes a shard, never what is computed, so results are
 * bit-identical for any --threads.  A team with one thread runs every task in
 * the caller; with n threads, task i runs on thread i % n (thread 0 being the
 * caller).  Workers sleep on a condition variable between rounds. */
#ifndef HAR_TEAM_H
#define HAR_TEAM_H

#include "err.h"

typedef struct har_team har_team;

/* The work of one round: fn(ctx, i) for every task i in [0, ntasks). */
typedef void (*har_team_fn)(void *ctx, int task);

/* A team of `threads` >= 1 (the caller plus threads - 1 workers); NULL and
 * HAR_EIO in e if a thread cannot be started. */
har_team *har_team_new(int threads, har_err *e);

/* Runs fn over the tasks and returns when all of them are done. */
void har_team_run(har_team *t, har_team_fn fn, void *ctx, int ntasks);

int har_team_threads(const har_team *t);

void har_team_free(har_team *t);

#endif
