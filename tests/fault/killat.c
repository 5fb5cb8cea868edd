/* killat.c - an LD_PRELOAD shim for fault-injection tests: SIGKILLs the
 * process at its N-th output call, so a test can stop a tool at every
 * moment that matters (inside a checkpoint write, between writing a
 * temporary file and renaming it over the old one) instead of at random
 * times.
 *
 *   HAR_KILL_AT=N      die with SIGKILL on output call N (1-based); 0 or
 *                      unset: never
 *   HAR_KILL_COUNT=F   at a normal exit, write the number of output calls
 *                      made to file F (how many moments there are)
 *
 * Output calls are write, pwrite, fsync, fdatasync, rename and renameat: a
 * kill lands before the call is made. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static long calls, kill_at = -1;

static void count_call(void)
{
    if (kill_at < 0) {
        const char *s = getenv("HAR_KILL_AT");
        kill_at = s ? atol(s) : 0;
    }
    if (++calls == kill_at)
        raise(SIGKILL);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("HAR_KILL_COUNT");
    if (!path)
        return;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", calls);
        fclose(f);
    }
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
    count_call();
    return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    count_call();
    return NEXT(pwrite)(fd, buf, n, off);
}

int fsync(int fd)
{
    count_call();
    return NEXT(fsync)(fd);
}

int fdatasync(int fd)
{
    count_call();
    return NEXT(fdatasync)(fd);
}

int rename(const char *from, const char *to)
{
    count_call();
    return NEXT(rename)(from, to);
}

int renameat(int dfrom, const char *from, int dto, const char *to)
{
    count_call();
    return NEXT(renameat)(dfrom, from, dto, to);
}
