/* har-split - subject-disjoint train/val/test (or k-fold) splits, with a
 * leakage audit that is part of the output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/provenance.h"
#include "data/split.h"
#include "data/windows.h"

#define EXT ".safetensors.gz"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] -o PREFIX IN\n"
           "       %s --audit [--csv FILE] A B [C ...]\n"
           "Split a window dataset into subject-disjoint outputs, and audit them.\n"
           "\n"
           "Windows of one person are strongly correlated: a model tested on a subject\n"
           "it was trained on looks far better than it will be on a new user.  So every\n"
           "output holds whole subjects, and the outputs are audited: for every pair of\n"
           "outputs the number of shared subjects is printed (it must be 0).\n"
           "\n"
           "Split mode reads IN ('-' = standard input) and writes\n"
           "  PREFIX-train%s, PREFIX-val%s (with a validation option),\n"
           "  PREFIX-test%s (if there are test subjects),\n"
           "  or with --folds/--loso PREFIX-foldNN-train%s and PREFIX-foldNN-val%s\n"
           "  for each fold plus PREFIX-test%s,\n"
           "  and the audit as PREFIX-audit.csv (or --csv FILE).  All outputs are\n"
           "  written completely before the first is renamed into place, so a write\n"
           "  error or a full disk leaves none of them changed.\n"
           "Windows keep their order; each window lands in exactly one output (per fold),\n"
           "unless --thin-class removes it from a training output.\n"
           "\n"
           "Options:\n"
           "  -o, --output PREFIX       prefix of the output files (required in split mode)\n"
           "      --test-subjects LIST  test subjects, e.g. 2,4,9-10 (default: IN's metadata\n"
           "                            test_subjects, written by har-ingest; 'none' for no\n"
           "                            test output)\n"
           "      --val-subjects LIST   these subjects form the validation output\n"
           "      --val-count K         draw K validation subjects from the non-test\n"
           "                            subjects (uniformly, with --seed)\n"
           "      --folds K             K folds over the non-test subjects (shuffled with\n"
           "                            --seed, dealt round-robin): fold k validates on\n"
           "                            group k and trains on the others\n"
           "      --loso                leave-one-subject-out: one fold per non-test subject\n"
           "      --thin-class CLASS=FRACTION[,CLASS=FRACTION...]\n"
           "                            keep only FRACTION (0 < FRACTION <= 1) of the\n"
           "                            windows of CLASS (a name from IN's classes) in\n"
           "                            every training output (PREFIX-train, or each\n"
           "                            PREFIX-foldNN-train); validation and test outputs\n"
           "                            keep all theirs (see Thinning below).  May be\n"
           "                            repeated (the lists add up); naming a class twice\n"
           "                            is an error\n"
           "  -s, --seed S              seed for --val-count, --folds and --thin-class\n"
           "                            (default 0)\n"
           "      --audit               audit mode: read A B [C ...] and report the subjects\n"
           "                            each pair shares; exit 4 if any pair shares one\n"
           "      --csv FILE            write the audit as CSV to FILE\n"
           "  -q, --quiet               print neither the audit table nor what\n"
           "                            --thin-class removed\n"
           "  -h, --help                show this help\n"
           "  -V, --version             show the version\n"
           "\n"
           "Thinning (--thin-class) makes a training output imbalanced on purpose, e.g. to\n"
           "study the effect of class imbalance.  Of the n windows of CLASS in each\n"
           "training output, round(FRACTION x n) (halves up) are kept: the first that many\n"
           "of a shuffle of them seeded by --seed and the class's index, put back in their\n"
           "original order.  The same command gives the same bytes; with the same seed and\n"
           "input, a smaller FRACTION keeps a subset of what a larger one keeps, and one\n"
           "class's choice does not depend on the other rules.  Each thinned output\n"
           "records it in its metadata 'thinned', one CLASS=FRACTION:REMOVED/HAD item per\n"
           "rule, e.g. SITTING=0.1:932/1036 (932 of the output's 1036 SITTING windows\n"
           "removed, 104 kept), after the input's own record if it was thinned before;\n"
           "standard error has one line per training output and class (unless -q).  To\n"
           "thin an existing training file, normalised or not (its metadata is kept):\n"
           "  %s --test-subjects none --thin-class SITTING=0.1 --seed 1 \\\n"
           "      -o thin train%s\n"
           "writes thin-train%s (and thin-audit.csv).\n"
           "\n"
           "The audit table goes to standard output in --audit mode and to standard\n"
           "error in split mode.  Audit CSV columns: kind (output|pair), output, other,\n"
           "file, windows, subjects, subject_ids (space-separated).\n"
           "\n"
           "Examples:\n"
           "  har-split --val-count 4 --seed 1 -o splits/hapt windows%s\n"
           "  har-split --audit splits/hapt-train%s splits/hapt-val%s splits/hapt-test%s\n"
           "\n" HAR_EXIT_CODES_HELP "  4  --audit: two outputs share a subject (the subjects are named)\n",
           har_prog(), har_prog(), EXT, EXT, EXT, EXT, EXT, EXT, har_prog(), EXT, EXT, EXT, EXT, EXT, EXT);
}

/* The fold an output belongs to, from its metadata (0 if none), so that
 * auditing k-fold outputs does not flag the training subjects folds share. */
static int fold_of(const har_windows *w)
{
    const char *f = har_tfile_meta_get(w->file, "fold");
    return f ? atoi(f) : 0;
}

static int audit_mode(int nfiles, char **files, const char *csv, int quiet)
{
    har_err e = {0};
    har_audit a = {0};
    if (nfiles < 2)
        har_usage_error("--audit needs at least two files");
    for (int i = 0; i < nfiles; i++) {
        har_windows w;
        har_idlist subj;
        if (har_windows_load(&w, files[i], &e) || har_windows_subjects(&w, &subj, &e) ||
            har_audit_add(&a, files[i], files[i], fold_of(&w), &subj, w.n, &e))
            har_die(&e);
        har_idlist_free(&subj);
        har_windows_free(&w);
    }
    if (har_audit_run(&a, &e))
        har_die(&e);
    if (csv) {
        har_out o;
        FILE *fp;
        if (har_out_open(&o, csv, 0, &e) || !(fp = har_out_stdio(&o, &e)))
            har_die(&e);
        har_audit_csv(fp, &a);
        if (har_out_commit(&o, &e))
            har_die(&e);
    }
    if (!quiet)
        har_audit_print(stdout, &a);
    int rc = 0;
    for (size_t k = 0; k < a.npairs; k++)
        if (a.pairs[k].shared.n) {
            char *ids = har_idlist_format(&a.pairs[k].shared, &e);
            fprintf(stderr, "%s: leakage: %s and %s share subject(s) %s\n", har_prog(), a.items[a.pairs[k].a].file,
                    a.items[a.pairs[k].b].file, ids ? ids : "?");
            free(ids);
            rc = HAR_EAUDIT;
        }
    har_audit_free(&a);
    return rc;
}

static char *out_name(const char *prefix, const char *part, const char *ext, har_err *e)
{
    size_t n = strlen(prefix) + strlen(part) + strlen(ext) + 2;
    char *s = har_malloc(n, e);
    if (s)
        snprintf(s, n, "%s-%s%s", prefix, part, ext);
    return s;
}

/* What every output of one split shares. */
typedef struct {
    const har_split_opts *so;
    const char *mode;      /* metadata split_mode */
    const har_thin *thin;  /* --thin-class rules (n = 0: none) */
    int64_t *removed, *had; /* [part * thin->n + rule]: what thinning did */
} split_job;

static int is_train(const har_split_part *part)
{
    return strstr(part->name, "train") != NULL;
}

/* Thins the training windows idx[0..*m) of part p and records it in the
 * metadata "thinned", after the input's own record if it has one. */
static int thin_part(const har_windows *w, const split_job *job, size_t p, int64_t *idx, int64_t *m,
                     har_windows *sub, har_err *e)
{
    int64_t *removed = job->removed + p * job->thin->n, *had = job->had + p * job->thin->n;
    if (har_thin_apply(job->thin, w->y, job->so->seed, idx, m, removed, had, e))
        return HAR_EIO;
    if (har_windows_subset(w, idx, *m, sub, e))
        return HAR_EIO;
    char *rec = har_thin_record(job->thin, removed, had, har_tfile_meta_get(w->file, "thinned"), e);
    int rc = !rec || har_tfile_meta_set(sub->file, "thinned", rec, e);
    free(rec);
    if (rc)
        har_windows_free(sub);
    return rc ? HAR_EIO : 0;
}

/* The windows of planned output p, with its split metadata. */
static int make_part(const har_windows *w, const har_split_plan *plan, size_t p, const split_job *job,
                     har_windows *sub, har_err *e)
{
    const har_split_part *part = &plan->parts[p];
    int64_t *idx = har_malloc((size_t)(w->n ? w->n : 1) * sizeof *idx, e), m = 0;
    if (!idx)
        return HAR_EIO;
    for (int64_t i = 0; i < w->n; i++)
        if (har_idlist_contains(&part->subjects, w->subject[i]))
            idx[m++] = i;
    char *subj = NULL;
    const char *role = is_train(part) ? "train" : strstr(part->name, "val") ? "val" : "test";
    int typed_argc;
    char **typed_argv;
    har_cli_args(&typed_argc, &typed_argv);
    int rc = job->thin->n && is_train(part) ? thin_part(w, job, p, idx, &m, sub, e)
                                            : har_windows_subset(w, idx, m, sub, e);
    const har_split_opts *so = job->so;
    if (!rc && (!(subj = har_idlist_format(&part->subjects, e)) || har_tfile_meta_set(sub->file, "split", role, e) ||
                har_tfile_meta_set(sub->file, "split_subjects", subj, e) ||
                har_tfile_meta_set(sub->file, "split_mode", job->mode, e) ||
                har_tfile_meta_setf(sub->file, e, "split_seed", "%llu", (unsigned long long)so->seed) ||
                har_tfile_meta_setf(sub->file, e, "fold", "%d", part->fold) ||
                har_provenance_stamp(sub->file, "har-split", typed_argc, typed_argv, w->file->digest, e))) {
        har_windows_free(sub);
        rc = HAR_EIO;
    }
    free(subj);
    free(idx);
    return rc;
}

/* One line per training output and --thin-class rule: what was removed. */
static void print_thinning(const har_split_plan *plan, const split_job *job)
{
    const har_thin *t = job->thin;
    for (size_t p = 0; p < plan->n; p++)
        for (size_t r = 0; is_train(&plan->parts[p]) && r < t->n; r++) {
            int64_t removed = job->removed[p * t->n + r], had = job->had[p * t->n + r];
            fprintf(stderr, "%s: %s: thinned %s to %g: removed %lld of %lld windows, kept %lld\n", har_prog(),
                    plan->parts[p].name, t->rules[r].name, t->rules[r].fraction, (long long)removed,
                    (long long)had, (long long)(had - removed));
        }
}

/* Writes every planned output and the audit CSV to temporary files, then
 * commits them all at once. */
static void write_split(const har_windows *w, const har_split_plan *plan, split_job *job, const char *prefix,
                        const char *csv, int quiet)
{
    har_err e = {0};
    har_audit a = {0};
    size_t n = plan->n + 1; /* + the audit CSV */
    har_out *outs = har_calloc(n, sizeof *outs, &e);
    size_t counts = plan->n * job->thin->n + 1;
    job->removed = outs ? har_calloc(counts, sizeof *job->removed, &e) : NULL;
    job->had = job->removed ? har_calloc(counts, sizeof *job->had, &e) : NULL;
    char *csv_path = !job->had ? NULL : csv ? har_strdup(csv, &e) : out_name(prefix, "audit", ".csv", &e);
    if (!csv_path)
        har_die(&e);
    int rc = 0;
    for (size_t p = 0; p < plan->n && !rc; p++) {
        har_windows sub;
        char *path = out_name(prefix, plan->parts[p].name, EXT, &e);
        rc = !path || make_part(w, plan, p, job, &sub, &e);
        if (!rc) {
            rc = har_out_open(&outs[p], path, 1, &e) || har_tfile_write_to(sub.file, &outs[p], &e) ||
                 har_audit_add(&a, plan->parts[p].name, path, plan->parts[p].fold, &plan->parts[p].subjects, sub.n, &e);
            har_windows_free(&sub);
        }
        free(path);
    }
    FILE *fp = NULL;
    if (!rc)
        rc = har_audit_run(&a, &e) || har_out_open(&outs[plan->n], csv_path, 0, &e) ||
             !(fp = har_out_stdio(&outs[plan->n], &e));
    if (!rc && a.shared_total) /* impossible by construction; never write a leaking split */
        rc = har_fail(&e, HAR_EAUDIT, "internal error: the planned split shares subjects; nothing written");
    if (!rc) {
        har_audit_csv(fp, &a);
        rc = har_out_commit_all(outs, n, &e);
    }
    if (rc) {
        for (size_t p = 0; p < n; p++)
            har_out_abort(&outs[p]);
        har_die(&e);
    }
    if (!quiet) {
        print_thinning(plan, job);
        har_audit_print(stderr, &a);
    }
    har_audit_free(&a);
    free(csv_path);
    free(outs);
    free(job->removed);
    free(job->had);
}

/* ---- command line ---- */

typedef struct {
    const char *prefix, *test_arg, *csv;
    int audit, quiet, have_val;
    har_split_opts so;
    har_idlist test, val;
    har_thin thin;
} options;

/* --test-subjects and --val-subjects: a list of subject ids into l. */
static void parse_subjects(har_idlist *l, const char *arg, const char *opt)
{
    har_err e = {0};
    har_idlist_free(l);
    if (har_idlist_parse(l, arg, 0, INT32_MAX, opt, &e))
        har_usage_error("%s", e.msg);
}

static void parse(int argc, char **argv, options *o)
{
    enum { OPT_TEST = HAR_OPT_TOOL, OPT_VAL, OPT_VALCOUNT, OPT_FOLDS, OPT_LOSO, OPT_AUDIT, OPT_THIN };
    static const struct option longopts[] = {
        HAR_LONGOPT_OUTPUT,
        {"test-subjects", required_argument, 0, OPT_TEST},
        {"val-subjects", required_argument, 0, OPT_VAL},
        {"val-count", required_argument, 0, OPT_VALCOUNT},
        {"folds", required_argument, 0, OPT_FOLDS},
        {"loso", no_argument, 0, OPT_LOSO},
        HAR_LONGOPT_SEED,
        {"audit", no_argument, 0, OPT_AUDIT},
        HAR_LONGOPT_CSV,
        {"thin-class", required_argument, 0, OPT_THIN},
        HAR_LONGOPT_QUIET,
        HAR_LONGOPT_END};
    memset(o, 0, sizeof *o);
    har_err e = {0};
    int c;
    while ((c = getopt_long(argc, argv, "o:s:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->prefix = optarg; break;
        case OPT_TEST: parse_subjects(&o->test, optarg, "--test-subjects"); o->test_arg = optarg; break;
        case OPT_VAL:
            parse_subjects(&o->val, optarg, "--val-subjects");
            if (o->val.n == 0)
                har_usage_error("--val-subjects: the list is empty");
            o->have_val = 1;
            break;
        case OPT_VALCOUNT: o->so.val_count = har_opt_int(optarg, 1, 1000000, "--val-count"); break;
        case OPT_FOLDS: o->so.folds = har_opt_int(optarg, 2, 1000000, "--folds"); break;
        case OPT_LOSO: o->so.loso = 1; break;
        case 's': o->so.seed = har_opt_seed(optarg, "--seed"); break;
        case OPT_AUDIT: o->audit = 1; break;
        case HAR_OPT_CSV: o->csv = optarg; break;
        case OPT_THIN:
            if (har_thin_parse(&o->thin, optarg, &e))
                har_usage_error("--thin-class: %s", e.msg);
            break;
        case 'q': o->quiet = 1; break;
        default: har_opt_common(c, usage);
        }
    }
    if (o->audit && (o->prefix || o->test_arg || o->have_val || o->so.val_count || o->so.folds || o->so.loso ||
                     o->thin.n))
        har_usage_error("--audit takes only files (and --csv, --quiet)");
    if (!o->audit && !o->prefix)
        har_usage_error("missing -o PREFIX");
    if (!o->audit && optind != argc - 1)
        har_usage_error("expected one input file, got %d", argc - optind);
}

int main(int argc, char **argv)
{
    har_cli_init(argc, argv);
    options o;
    parse(argc, argv, &o);
    if (o.audit)
        return audit_mode(argc - optind, argv + optind, o.csv, o.quiet);
    har_err e = {0};
    const char *in = argv[optind];
    har_windows w;
    if (har_windows_load(&w, in, &e))
        har_die(&e);
    if (har_thin_resolve(&o.thin, w.classes, w.nclasses, &e))
        har_usage_error("--thin-class: %s: %s", in, e.msg);
    if (!o.test_arg) {
        const char *meta = har_tfile_meta_get(w.file, "test_subjects");
        if (!meta)
            har_usage_error("%s has no test_subjects metadata: give --test-subjects LIST (or none)", in);
        if (har_idlist_parse(&o.test, meta, 0, INT32_MAX, "metadata test_subjects", &e)) {
            har_err_prefix(&e, "%s", in);
            e.code = HAR_EDATA;
            har_die(&e);
        }
    }
    har_split_opts *so = &o.so;
    so->test = &o.test;
    so->val = o.have_val ? &o.val : NULL;
    const char *mode = so->folds      ? "folds"
                       : so->loso      ? "loso"
                       : so->val_count ? "val-count"
                       : o.have_val    ? "val-subjects"
                                       : "test-only";
    har_idlist present;
    har_split_plan plan;
    if (har_windows_subjects(&w, &present, &e) || har_split_plan_make(&present, so, &plan, &e))
        har_die(&e);
    split_job job = {.so = so, .mode = mode, .thin = &o.thin};
    write_split(&w, &plan, &job, o.prefix, o.csv, o.quiet);
    har_split_plan_free(&plan);
    har_idlist_free(&present);
    har_idlist_free(&o.test);
    har_idlist_free(&o.val);
    har_thin_free(&o.thin);
    har_windows_free(&w);
    return 0;
}
