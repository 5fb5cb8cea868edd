/* test_slurm.c - the single-node Slurm cluster the pipelines' cluster tests
 * run on (scripts/slurm-local): it starts, runs job steps with the CPUs and
 * memory they ask for, side by side, cancels a running one, and stops
 * exactly the daemons it started.  Where Slurm cannot run (exit 3 of
 * slurm-local start: not root, packages missing, a daemon refusing), each
 * test says why and is skipped; CI runs as root, so there it runs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *cluster_tmp, cluster[4096], skip_reason[2200];

/* Client commands see this cluster only: any SLURM_* of an allocation the
 * test itself runs in is dropped, SLURM_CONF points at the test's. */
#define CLIENT "unset $(env | sed -n 's/^\\(SLURM_[A-Z_]*\\)=.*/\\1/p'); export SLURM_CONF='%s/slurm.conf'; "

/* Starts a cluster in dir on a port of this process (two runs of the suite
 * side by side do not meet); 0, 3 (cannot run here, reason in why) or the
 * script's failure. */
static int start_cluster(const char *dir, int port, char *why, size_t len)
{
    char *err = NULL;
    int rc = tu_sh_capture(NULL, &err, "SLURM_LOCAL_PORT=%d sh scripts/slurm-local start '%s'", port, dir);
    snprintf(why, len, "%s", err ? err : "");
    free(err);
    return rc;
}

static void setup(void)
{
    cluster_tmp = tu_tmpdir();
    snprintf(cluster, sizeof cluster, "%s/cluster", cluster_tmp);
    char why[2048];
    int rc = start_cluster(cluster, 20000 + (int)(getpid() % 20000), why, sizeof why);
    skip_reason[0] = 0;
    if (rc == 3)
        snprintf(skip_reason, sizeof skip_reason, "Slurm cannot run here: %s", why);
    else
        ck_assert_msg(rc == 0, "scripts/slurm-local start failed (%d):\n%s", rc, why);
}

static void teardown(void)
{
    tu_sh("sh scripts/slurm-local stop '%s'", cluster);
    tu_rmtree(cluster_tmp);
    free(cluster_tmp);
}

#define SKIP_IF_NO_CLUSTER(test)                    \
    if (skip_reason[0]) {                           \
        tu_skip(test, skip_reason);                 \
        return;                                     \
    }

/* A job step gets the CPUs it asks for and runs the command. */
START_TEST(srun_runs_a_job_step)
{
    SKIP_IF_NO_CLUSTER("srun_runs_a_job_step");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL, CLIENT "srun -J har-echo -c 2 --mem=64 -t 1 sh -c 'echo cpus=$SLURM_CPUS_PER_TASK'",
                                   cluster),
                     0);
    ck_assert_str_eq(out, "cpus=2\n");
    free(out);
    /* More CPUs than the node has: refused, not queued forever. */
    ck_assert_int_ne(tu_sh(CLIENT "srun -c 4096 --mem=64 -t 1 --immediate=5 true 2>/dev/null", cluster), 0);
}
END_TEST

/* Two 1-CPU steps run at the same time (make -j2 keeps two in the queue). */
START_TEST(two_steps_run_side_by_side)
{
    SKIP_IF_NO_CLUSTER("two_steps_run_side_by_side");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   CLIENT "srun -J har-a -c 1 --mem=64 -t 1 sleep 3 & "
                                          "srun -J har-b -c 1 --mem=64 -t 1 sleep 3 & "
                                          "n=0; for i in $(seq 40); do "
                                          "n=$(squeue -h -t RUNNING -o %%j | grep -c '^har-[ab]$'); "
                                          "[ $n -eq 2 ] && break; sleep 0.1; done; wait; echo $n",
                                   cluster),
                     0);
    ck_assert_str_eq(out, "2\n");
    free(out);
}
END_TEST

/* scancel of a running step (as a time limit or a lost node would end it):
 * srun fails, and the job leaves the queue.  The step's command leaves a
 * mark before it sleeps, and scancel waits for that mark: a job that is
 * RUNNING in squeue may not have started its step yet, and a cancel that
 * comes too early (CI once saw srun return 0) tests nothing. */
START_TEST(scancel_ends_a_running_step)
{
    SKIP_IF_NO_CLUSTER("scancel_ends_a_running_step");
    char *out = NULL;
    ck_assert_int_eq(tu_sh_capture(&out, NULL,
                                   CLIENT "mark='%s/victim.started'; rm -f \"$mark\"; "
                                          "srun -J har-victim -c 1 --mem=64 -t 2 sh -c \"touch '$mark'; exec sleep 60\" "
                                          "2>/dev/null & pid=$!; "
                                          "for i in $(seq 300); do [ -e \"$mark\" ] && break; sleep 0.1; done; "
                                          "[ -e \"$mark\" ] || echo never started; "
                                          "id=$(squeue -h -n har-victim -o %%i); scancel $id; wait $pid; echo rc=$?; "
                                          "for i in $(seq 100); do squeue -h -n har-victim | grep -q . || break; sleep 0.1; done; "
                                          "squeue -h -n har-victim | wc -l",
                                   cluster, cluster),
                     0);
    ck_assert_msg(strstr(out, "never started") == NULL, "the step did not start within 30 s: %s", out);
    ck_assert_msg(strncmp(out, "rc=0\n", 5) != 0, "srun exited 0 after scancel: %s", out);
    ck_assert_msg(strstr(out, "\n0\n") != NULL, "the cancelled job is still queued: %s", out);
    free(out);
}
END_TEST

/* stop ends the three daemons it started, by their pids, and nothing else:
 * an unrelated process lives on.  A cluster of its own, so the fixture's is
 * not disturbed. */
START_TEST(stop_stops_exactly_what_started)
{
    char *tmp = tu_tmpdir(), dir[4096], why[2048];
    snprintf(dir, sizeof dir, "%s/other", tmp);
    int rc = start_cluster(dir, 40000 + (int)(getpid() % 20000), why, sizeof why);
    if (rc == 3) {
        tu_skip("stop_stops_exactly_what_started", why);
    } else {
        ck_assert_msg(rc == 0, "scripts/slurm-local start failed (%d):\n%s", rc, why);
        char *out = NULL;
        ck_assert_int_eq(tu_sh("sh scripts/slurm-local status '%s' > /dev/null", dir), 0);
        int st = tu_sh_capture(&out, NULL,
                               "sleep 300 & keep=$!; pids=$(cat '%s'/*.pid); sh scripts/slurm-local stop '%s'; "
                               "for p in $pids; do kill -0 $p 2>/dev/null && echo alive $p; done; "
                               "kill -0 $keep && echo unrelated lives; kill $keep",
                               dir, dir);
        ck_assert_int_eq(st, 0);
        ck_assert_str_eq(out, "unrelated lives\n");
        free(out);
        ck_assert_int_eq(tu_sh("sh scripts/slurm-local status '%s' > /dev/null", dir), 1);
        /* A second stop finds nothing to do. */
        ck_assert_int_eq(tu_sh("sh scripts/slurm-local stop '%s'", dir), 0);
    }
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *slurm_suite(void)
{
    Suite *s = suite_create("slurm");
    TCase *tc = tcase_create("cluster");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, srun_runs_a_job_step);
    tcase_add_test(tc, two_steps_run_side_by_side);
    tcase_add_test(tc, scancel_ends_a_running_step);
    suite_add_tcase(s, tc);
    TCase *life = tcase_create("lifecycle");
    tcase_set_timeout(life, 60);
    tcase_add_test(life, stop_stops_exactly_what_started);
    suite_add_tcase(s, life);
    return s;
}
