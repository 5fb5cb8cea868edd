/* har-norm - per-channel standardisation: fit on training windows, apply anywhere. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/norm.h"
#include "io/provenance.h"

static void usage(void)
{
    printf("Usage: %s fit [OPTIONS] TRAIN [STATS]\n"
           "       %s apply [OPTIONS] STATS IN [OUT]\n"
           "       %s show STATS\n"
           "Standardise each channel with statistics fitted on training windows only.\n"
           "\n"
           "fit    computes the mean and population standard deviation of every channel\n"
           "       over all windows and timesteps of TRAIN (in double precision, two\n"
           "       passes) and writes them as a STATS tensor file: mean F64 [C],\n"
           "       std F64 [C].  Refuses a constant or non-finite channel, and a dataset\n"
           "       whose metadata marks it as a val or test split: fitting there would\n"
           "       leak evaluation data into training.\n"
           "apply  writes IN with x' = (x - mean) / std per channel (computed in double,\n"
           "       stored as F32).  Refuses channels that differ from the STATS and a\n"
           "       dataset that is already normalised.\n"
           "show   prints the statistics as a table.\n"
           "\n"
           "Files may be '-' for standard input/output; the output defaults to '-'.\n"
           "\n"
           "Options:\n"
           "  -o, --output FILE     output file (same as the last positional argument)\n"
           "      --allow-any-split fit even on data marked as a val or test split\n"
           "  -h, --help            show this help\n"
           "  -V, --version         show the version\n"
           "\n"
           "Examples:\n"
           "  har-norm fit splits/hapt-train.safetensors.gz -o stats.safetensors.gz\n"
           "  har-ingest data/hapt | har-norm apply stats.safetensors.gz - - | ...\n"
           "\n" HAR_EXIT_CODES_HELP,
           har_prog(), har_prog(), har_prog());
}

/* Stamps provenance with the command line as typed. */
static int stamp(har_tfile *f, const char *tool, const char *digest, har_err *e)
{
    int argc;
    char **argv;
    har_cli_args(&argc, &argv);
    return har_provenance_stamp(f, tool, argc, argv, digest, e);
}

/* pos/npos: the subcommand's positional arguments. */
static int cmd_fit(char **pos, int npos, const char *output, int allow_any)
{
    int n = npos;
    if (n < 1 || n > 2 || (n == 2 && output))
        har_usage_error("fit: expected TRAIN [STATS]");
    const char *out = n == 2 ? pos[1] : output ? output : "-";
    har_err e = {0};
    har_windows w;
    har_tfile *stats;
    if (har_windows_load(&w, pos[0], &e) || !(stats = har_norm_fit(&w, allow_any, &e)) ||
        stamp(stats, "har-norm fit", w.file->digest, &e) ||
        har_tfile_write(stats, out, &e))
        har_die(&e);
    har_tfile_free(stats);
    har_windows_free(&w);
    return 0;
}

static int cmd_apply(char **pos, int npos, const char *output)
{
    int n = npos;
    if (n < 2 || n > 3 || (n == 3 && output))
        har_usage_error("apply: expected STATS IN [OUT]");
    const char *out = n == 3 ? pos[2] : output ? output : "-";
    if (har_is_stdio(pos[0]) && har_is_stdio(pos[1]))
        har_usage_error("apply: STATS and IN cannot both be standard input");
    har_err e = {0};
    har_tfile *stats = har_tfile_read(pos[0], &e);
    har_norm_stats s;
    har_windows w;
    if (!stats || har_norm_bind(&s, stats, &e) || har_windows_load(&w, pos[1], &e))
        har_die(&e);
    char digest[2 * HAR_SHA256_HEX + 8];
    snprintf(digest, sizeof digest, "%s+%s", w.file->digest, stats->digest);
    if (har_norm_apply(&s, &w, &e) || stamp(w.file, "har-norm apply", digest, &e) ||
        har_tfile_write(w.file, out, &e))
        har_die(&e);
    har_windows_free(&w);
    har_tfile_free(stats);
    return 0;
}

static int cmd_show(char **pos, int npos)
{
    if (npos != 1)
        har_usage_error("show: expected STATS");
    har_err e = {0};
    har_tfile *stats = har_tfile_read(pos[0], &e);
    har_norm_stats s;
    if (!stats || har_norm_bind(&s, stats, &e))
        har_die(&e);
    const char *chs = har_tfile_meta_get(stats, "channels");
    int nch = 0;
    char **ch = har_split_list(chs ? chs : "", &nch, &e);
    printf("%-14s %14s %14s\n", "channel", "mean", "std");
    for (int j = 0; j < s.c; j++)
        printf("%-14s %14.8g %14.8g\n", ch && j < nch ? ch[j] : "?", s.mean[j], s.std[j]);
    const char *count = har_tfile_meta_get(stats, "count"), *split = har_tfile_meta_get(stats, "fit_split");
    printf("fitted on %s samples of the '%s' split\n", count ? count : "?", split ? split : "?");
    free(ch);
    har_tfile_free(stats);
    return 0;
}

/* ---- command line ---- */

typedef struct {
    const char *cmd;    /* fit, apply or show */
    char **pos;         /* the subcommand's positional arguments */
    int npos;
    const char *output; /* NULL: the last positional argument, else '-' */
    int allow_any;
} options;

enum { OPT_ANY_SPLIT = HAR_OPT_TOOL };
static const struct option longopts[] = {
    HAR_LONGOPT_OUTPUT,
    {"allow-any-split", no_argument, 0, OPT_ANY_SPLIT},
    HAR_LONGOPT_END};

/* Parses options until getopt stops; "+" in optstring stops at the first
 * non-option (the subcommand). */
static void parse_until(int argc, char **argv, const char *optstring, options *o)
{
    int c;
    while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_ANY_SPLIT: o->allow_any = 1; break;
        default: har_opt_common(c, usage);
        }
    }
}

/* Options before the subcommand, then the subcommand's own, anywhere after
 * it: the tail is parsed as its own command line (optind = 0 re-initialises
 * getopt, dropping the "+" mode). */
static void parse(int argc, char **argv, options *o)
{
    *o = (options){0};
    parse_until(argc, argv, "+o:hV", o);
    if (optind >= argc)
        har_usage_error("missing command: fit, apply or show");
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    o->cmd = sub_argv[0];
    optind = 0;
    parse_until(sub_argc, sub_argv, "o:hV", o);
    o->pos = sub_argv + optind;
    o->npos = sub_argc - optind;
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    parse(argc, argv, &o);
    if (strcmp(o.cmd, "fit") == 0)
        return cmd_fit(o.pos, o.npos, o.output, o.allow_any);
    if (strcmp(o.cmd, "apply") == 0)
        return cmd_apply(o.pos, o.npos, o.output);
    if (strcmp(o.cmd, "show") == 0)
        return cmd_show(o.pos, o.npos);
    har_usage_error("unknown command '%s' (expected fit, apply or show)", o.cmd);
}
