/* team.c - see team.h.  One mutex and two condition variables: `go` wakes
 * the workers for a new round (numbered, so a worker never runs a round
 * twice), `done` wakes the caller when the last worker has finished. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "team.h"

struct har_team {
    int threads;
    pthread_t *workers;
    int started;            /* workers running (for cleanup after a failed start) */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long round;    /* incremented for every round */
    int busy;               /* workers still in the current round */
    int quit;
    har_team_fn fn;
    void *ctx;
    int ntasks;
};

typedef struct {
    har_team *team;
    int id;                 /* 1 .. threads - 1 */
} worker_arg;

static void run_share(har_team *t, int id)
{
    for (int i = id; i < t->ntasks; i += t->threads)
        t->fn(t->ctx, i);
}

static void *worker(void *p)
{
    worker_arg a = *(worker_arg *)p;
    free(p);
    har_team *t = a.team;
    unsigned long seen = 0;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (!t->quit && t->round == seen)
            pthread_cond_wait(&t->go, &t->mu);
        if (t->quit)
            break;
        seen = t->round;
        pthread_mutex_unlock(&t->mu);
        run_share(t, a.id);
        pthread_mutex_lock(&t->mu);
        if (--t->busy == 0)
            pthread_cond_signal(&t->done);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

har_team *har_team_new(int threads, har_err *e)
{
    if (threads < 1)
        threads = 1;
    har_team *t = har_calloc(1, sizeof *t, e);
    if (!t)
        return NULL;
    t->threads = threads;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->go, NULL);
    pthread_cond_init(&t->done, NULL);
    if (threads > 1 && !(t->workers = har_calloc((size_t)threads - 1, sizeof *t->workers, e))) {
        har_team_free(t);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (a)
            *a = (worker_arg){.team = t, .id = i};
        int rc = a ? pthread_create(&t->workers[i - 1], NULL, worker, a) : -1;
        if (rc != 0) {
            free(a);
            har_fail(e, HAR_EIO, "cannot start worker thread %d of %d: %s", i, threads,
                     rc > 0 ? strerror(rc) : "out of memory");
            har_team_free(t);
            return NULL;
        }
        t->started++;
    }
    return t;
}

void har_team_run(har_team *t, har_team_fn fn, void *ctx, int ntasks)
{
    if (t->threads == 1 || ntasks <= 1) {
        for (int i = 0; i < ntasks; i++)
            fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&t->mu);
    t->fn = fn;
    t->ctx = ctx;
    t->ntasks = ntasks;
    t->busy = t->started;
    t->round++;
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    run_share(t, 0);
    pthread_mutex_lock(&t->mu);
    while (t->busy > 0)
        pthread_cond_wait(&t->done, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

int har_team_threads(const har_team *t)
{
    return t->threads;
}

void har_team_free(har_team *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->quit = 1;
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i < t->started; i++)
        pthread_join(t->workers[i], NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->go);
    pthread_cond_destroy(&t->done);
    free(t->workers);
    free(t);
}
