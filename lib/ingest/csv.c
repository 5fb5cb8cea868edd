/* csv.c - the generic layout: a folder of delimited text files, one per
 * recording, each with a header row naming its columns.
 *
 * Per file: the header's delimiter (tab, comma or semicolon, whichever the
 * header holds most of), the columns the options name, one row per sample.
 * Samples go through the timeline (timestamps -> pieces at gaps ->
 * resampling -> the causal chain of dsp.h), and windows are cut inside each
 * piece; each resampled sample takes the label of the input row nearest in
 * time.  Fields are plain: no quoted delimiters (surrounding quotes and
 * blanks are stripped). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/infile.h"
#include "io/textparse.h"
#include "layout.h"

#define MAX_FIELDS 256

/* ---- finding the recordings ------------------------------------------------ */

typedef struct {
    char **v;
    size_t n, cap;
} strings;

static void strings_free(strings *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int strings_add(strings *s, const char *str, size_t len, har_err *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return har_fail(e, HAR_EIO, "out of memory");
        s->v = v;
        s->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c)
        return har_fail(e, HAR_EIO, "out of memory");
    memcpy(c, str, len);
    c[len] = '\0';
    s->v[s->n++] = c;
    return 0;
}

static int find(const strings *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], str) == 0)
            return (int)i;
    return -1;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file below dir whose path relative to root matches re
 * (hidden entries skipped), recursively. */
static int walk(const char *root, const char *rel, const regex_t *re, strings *out, int depth, har_err *e)
{
    char *dir = *rel ? har_path_join(root, rel, e) : har_strdup(root, e);
    if (!dir)
        return HAR_EIO;
    DIR *d = opendir(dir);
    if (!d) {
        int rc = har_fail(e, HAR_EIO, "%s: cannot open directory", dir);
        free(dir);
        return rc;
    }
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *sub = *rel ? har_path_join(rel, de->d_name, e) : har_strdup(de->d_name, e);
        char *full = sub ? har_path_join(root, sub, e) : NULL;
        struct stat st;
        if (!full)
            rc = HAR_EIO;
        else if (stat(full, &st) != 0)
            rc = har_fail(e, HAR_EIO, "%s: cannot stat", full);
        else if (S_ISDIR(st.st_mode) && depth < 16)
            rc = walk(root, sub, re, out, depth + 1, e);
        else if (S_ISREG(st.st_mode) && regexec(re, sub, 0, NULL, 0) == 0)
            rc = strings_add(out, sub, strlen(sub), e);
        free(sub);
        free(full);
    }
    closedir(d);
    free(dir);
    return rc;
}

static int compile(regex_t *re, const char *pattern, const char *what, har_err *e)
{
    int rc = regcomp(re, pattern, REG_EXTENDED);
    if (rc) {
        char buf[200];
        regerror(rc, re, buf, sizeof buf);
        return har_fail(e, HAR_EUSAGE, "%s '%s': %s", what, pattern, buf);
    }
    return 0;
}

/* The subject number in a recording's path: the first group of the
 * pattern, or its whole match. */
static int subject_of(const regex_t *re, const char *path, const char *pattern, int32_t *subject, har_err *e)
{
    regmatch_t m[2];
    if (regexec(re, path, 2, m, 0) != 0)
        return har_fail(e, HAR_EDATA, "%s: the subject pattern '%s' does not match its path", path, pattern);
    regmatch_t g = m[1].rm_so >= 0 ? m[1] : m[0];
    char buf[32];
    size_t len = (size_t)(g.rm_eo - g.rm_so);
    if (len == 0 || len >= sizeof buf)
        return har_fail(e, HAR_EDATA, "%s: the subject pattern '%s' matched no digits", path, pattern);
    memcpy(buf, path + g.rm_so, len);
    buf[len] = '\0';
    char *end;
    long v = strtol(buf, &end, 10);
    if (*end || v < 0 || v > INT32_MAX)
        return har_fail(e, HAR_EDATA, "%s: the subject pattern '%s' matched '%s', not a number in 0..%d", path,
                        pattern, buf, INT32_MAX);
    *subject = (int32_t)v;
    return 0;
}

/* ---- fields ------------------------------------------------------------------ */

typedef struct {
    const char *s[MAX_FIELDS];
    size_t n[MAX_FIELDS];
    int count;
} fields;

/* Splits a line at delim; strips blanks and one pair of double quotes. */
static void split(const char *s, size_t n, char delim, fields *f)
{
    f->count = 0;
    size_t a = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != delim)
            continue;
        const char *p = s + a;
        size_t len = i - a;
        while (len && (*p == ' ' || *p == '\t' || *p == '\r') && *p != delim)
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
            len--;
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"')
            p++, len -= 2;
        if (f->count < MAX_FIELDS) {
            f->s[f->count] = p;
            f->n[f->count] = len;
        }
        f->count++;
        a = i + 1;
    }
}

static char pick_delimiter(const char *s, size_t n)
{
    size_t tabs = 0, commas = 0, semis = 0;
    for (size_t i = 0; i < n; i++)
        tabs += s[i] == '\t', commas += s[i] == ',', semis += s[i] == ';';
    return tabs >= commas && tabs >= semis && tabs ? '\t' : commas >= semis && commas ? ',' : semis ? ';' : ',';
}

/* A finite number, or NaN. */
static double number(const char *s, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return NAN;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    return *end || !isfinite(v) ? NAN : v;
}

/* Column index of a name in the header, or of a 1-based number; -1 with
 * e set if there is none. */
static int column(const fields *h, const char *name, size_t len, const char *path, const char *what, har_err *e)
{
    for (int i = 0; i < h->count && i < MAX_FIELDS; i++)
        if (h->n[i] == len && strncmp(h->s[i], name, len) == 0)
            return i;
    char buf[16];
    if (len && len < sizeof buf) {
        memcpy(buf, name, len);
        buf[len] = '\0';
        char *end;
        long v = strtol(buf, &end, 10);
        if (!*end && v >= 1 && v <= h->count && v <= MAX_FIELDS)
            return (int)v - 1;
    }
    har_fail(e, HAR_EDATA, "%s:1: no column '%.*s' (%s) in the header", path, (int)len, name, what);
    return -1;
}

/* The columns of "a,b,c" (exactly three). */
static int columns3(const fields *h, const char *list, int out[3], const char *path, const char *what, har_err *e)
{
    const char *p = list;
    for (int i = 0; i < 3; i++) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if ((i < 2) != (q != NULL))
            return har_fail(e, HAR_EUSAGE, "%s '%s': give exactly three columns, x,y,z", what, list);
        if ((out[i] = column(h, p, len, path, what, e)) < 0)
            return HAR_EDATA;
        p = q ? q + 1 : p + len;
    }
    return 0;
}

/* ---- labels ------------------------------------------------------------------ */

typedef struct {
    strings from, to;    /* --label-map pairs; to "-" drops */
    strings classes;     /* output classes in order */
    int fixed;           /* classes came from --classes */
    strings seen;        /* distinct raw labels, and ... */
    int32_t *class_of;   /* ... the class of each (-1 dropped) */
} labels;

static void labels_free(labels *l)
{
    strings_free(&l->from);
    strings_free(&l->to);
    strings_free(&l->classes);
    strings_free(&l->seen);
    free(l->class_of);
}

static int split_list(const char *list, strings *out, har_err *e)
{
    for (const char *p = list; *p;) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (strings_add(out, p, len, e))
            return HAR_EIO;
        p = q ? q + 1 : p + len;
    }
    return 0;
}

static int labels_init(labels *l, const har_csv_opts *o, har_err *e)
{
    memset(l, 0, sizeof *l);
    strings pairs = {0};
    int rc = o->label_map ? split_list(o->label_map, &pairs, e) : 0;
    for (size_t i = 0; !rc && i < pairs.n; i++) {
        char *eq = strchr(pairs.v[i], '=');
        if (!eq || eq == pairs.v[i] || !eq[1])
            rc = har_fail(e, HAR_EUSAGE, "--label-map: '%s' is not FROM=TO (TO may be '-' to drop)", pairs.v[i]);
        else
            rc = strings_add(&l->from, pairs.v[i], (size_t)(eq - pairs.v[i]), e) ||
                 strings_add(&l->to, eq + 1, strlen(eq + 1), e);
    }
    strings_free(&pairs);
    if (!rc && o->classes) {
        l->fixed = 1;
        rc = split_list(o->classes, &l->classes, e);
        for (size_t i = 0; !rc && i < l->classes.n; i++)
            if (!*l->classes.v[i] || find(&l->classes, l->classes.v[i]) != (int)i)
                rc = har_fail(e, HAR_EUSAGE, "--classes: '%s' is empty or repeated", l->classes.v[i]);
    }
    return rc;
}

/* Class of a raw label (-1: dropped by the map); adds it on first sight. */
static int label_class(labels *l, const char *s, size_t n, int32_t *cls, const char *path, long line, har_err *e)
{
    char name[128];
    if (n >= sizeof name)
        return har_fail(e, HAR_EDATA, "%s:%ld: label longer than %zu characters", path, line, sizeof name - 1);
    memcpy(name, s, n);
    name[n] = '\0';
    int i = find(&l->seen, name);
    if (i >= 0) {
        *cls = l->class_of[i];
        return 0;
    }
    int m = find(&l->from, name);
    const char *to = m >= 0 ? l->to.v[m] : name;
    int32_t c = -1;
    if (strcmp(to, "-") != 0) {
        c = find(&l->classes, to);
        if (c < 0 && l->fixed)
            return har_fail(e, HAR_EDATA,
                            "%s:%ld: label '%s'%s%s%s is not among --classes (map it with --label-map %s=CLASS, "
                            "or %s=- to drop it)",
                            path, line, name, m >= 0 ? " (mapped to '" : "", m >= 0 ? to : "", m >= 0 ? "')" : "",
                            name, name);
        if (c < 0) {
            if (strings_add(&l->classes, to, strlen(to), e))
                return HAR_EIO;
            c = (int32_t)l->classes.n - 1;
        }
    }
    int32_t *nc = realloc(l->class_of, (l->seen.n + 1) * sizeof *nc);
    if (!nc || strings_add(&l->seen, name, n, e))
        return har_fail(e, HAR_EIO, "out of memory");
    l->class_of = nc;
    l->class_of[l->seen.n - 1] = c;
    *cls = c;
    return 0;
}

/* ---- a segments file ------------------------------------------------------- */

/* --segments: one labelled stretch of a recording a line,
 *   RECORDING START END LABEL
 * (blank- or comma-separated; RECORDING as found below DIR, START and END
 * inclusive: timestamps in the --time column's own values, or with
 * --segments-by row (or without timestamps) rows numbered from 1 after the
 * header), '#' lines skipped. */
typedef struct {
    char *rec, *label;
    double start, end;
    long line;
} segment;

typedef struct {
    segment *v;
    size_t n;
    const char *path;
} segments;

static void segments_free(segments *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].rec);
        free(g->v[i].label);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}

static int segments_read(segments *g, const char *path, const char *root, har_ingest_log *log, har_err *e)
{
    memset(g, 0, sizeof *g);
    g->path = path;
    char *buf = NULL, sha[HAR_SHA256_HEX];
    size_t len;
    if (har_slurp(path, &buf, &len, sha, e))
        return e ? e->code : HAR_EIO;
    har_lines it;
    har_lines_init(&it, buf, len);
    const char *s;
    size_t n;
    int rc = 0;
    while (!rc && har_lines_next(&it, &s, &n)) {
        if (har_line_blank(s, n) || s[strspn(s, " \t")] == '#')
            continue;
        const char *tok[5];
        size_t tl[5];
        int k = 0;
        for (size_t i = 0; i < n && k < 5;) {
            while (i < n && strchr(" \t,\r", s[i]))
                i++;
            if (i == n)
                break;
            tok[k] = s + i;
            while (i < n && !strchr(" \t,\r", s[i]))
                i++;
            tl[k] = (size_t)(s + i - tok[k]);
            k++;
        }
        double a = k == 4 ? number(tok[1], tl[1]) : NAN, b = k == 4 ? number(tok[2], tl[2]) : NAN;
        if (k != 4) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: expected RECORDING START END LABEL", path, it.line);
            break;
        }
        if (isnan(a) || isnan(b) || b < a) {
            rc = har_fail(e, HAR_EDATA, "%s:%ld: START and END must be numbers with START <= END", path, it.line);
            break;
        }
        segment *v = realloc(g->v, (g->n + 1) * sizeof *v);
        if (!v) {
            rc = har_fail(e, HAR_EIO, "out of memory");
            break;
        }
        g->v = v;
        segment *sg = &g->v[g->n];
        sg->rec = malloc(tl[0] + 1);
        sg->label = malloc(tl[3] + 1);
        if (!sg->rec || !sg->label) {
            free(sg->rec);
            free(sg->label);
            rc = har_fail(e, HAR_EIO, "out of memory");
            break;
        }
        memcpy(sg->rec, tok[0], tl[0]);
        sg->rec[tl[0]] = '\0';
        memcpy(sg->label, tok[3], tl[3]);
        sg->label[tl[3]] = '\0';
        sg->start = a;
        sg->end = b;
        sg->line = it.line;
        g->n++;
    }
    /* Overlapping segments of one recording would give a row two labels. */
    for (size_t i = 0; !rc && i < g->n; i++)
        for (size_t j = i + 1; !rc && j < g->n; j++)
            if (!strcmp(g->v[i].rec, g->v[j].rec) && g->v[i].start <= g->v[j].end && g->v[j].start <= g->v[i].end)
                rc = har_fail(e, HAR_EDATA, "%s: lines %ld and %ld: segments of %s overlap", path, g->v[i].line,
                              g->v[j].line, g->v[i].rec);
    if (!rc)
        rc = har_ingest_log_file(log, root, path, sha, (int64_t)g->n, 0, 0, e);
    free(buf);
    if (rc)
        segments_free(g);
    return rc;
}

/* ---- one recording ----------------------------------------------------------- */

#define UNLABELLED (-2) /* an empty label field */

typedef struct {
    /* the kept rows */
    double *t, *raw;   /* raw: 6 per row, acc in g, gyro in rad/s (0 without gyro) */
    int32_t *cls;      /* class, -1 dropped, UNLABELLED */
    unsigned char *bad;/* a value was repaired */
    long *line;        /* in the file */
    int64_t n, cap;
    /* the resampled output */
    float *chan;       /* 9 per sample */
    int64_t *piece, *nearest;
    double *tau;
    int64_t m, mcap;
} recording;

static void recording_free(recording *r)
{
    free(r->t);
    free(r->raw);
    free(r->cls);
    free(r->bad);
    free(r->line);
    free(r->chan);
    free(r->piece);
    free(r->nearest);
    free(r->tau);
    memset(r, 0, sizeof *r);
}

static int grow(void **p, int64_t cap, size_t size, har_err *e)
{
    void *q = realloc(*p, (size_t)cap * size);
    if (!q)
        return har_fail(e, HAR_EIO, "out of memory");
    *p = q;
    return 0;
}

static int add_row(recording *r, double t, const double raw[6], int32_t cls, int bad, long line, har_err *e)
{
    if (r->n == r->cap) {
        int64_t cap = r->cap ? 2 * r->cap : 4096;
        if (grow((void **)&r->t, cap, sizeof *r->t, e) || grow((void **)&r->raw, cap * 6, sizeof *r->raw, e) ||
            grow((void **)&r->cls, cap, sizeof *r->cls, e) || grow((void **)&r->bad, cap, sizeof *r->bad, e) ||
            grow((void **)&r->line, cap, sizeof *r->line, e))
            return HAR_EIO;
        r->cap = cap;
    }
    r->t[r->n] = t;
    memcpy(r->raw + r->n * 6, raw, 6 * sizeof *raw);
    r->cls[r->n] = cls;
    r->bad[r->n] = (unsigned char)bad;
    r->line[r->n] = line;
    r->n++;
    return 0;
}

static int resampled(void *ctx, int64_t piece, int64_t k, int64_t nearest, double tau,
                     const double out[HAR_CHANNELS])
{
    recording *r = ctx;
    (void)k;
    if (r->m == r->mcap) {
        int64_t cap = r->mcap ? 2 * r->mcap : 4096;
        if (grow((void **)&r->chan, cap * HAR_CHANNELS, sizeof *r->chan, NULL) ||
            grow((void **)&r->piece, cap, sizeof *r->piece, NULL) ||
            grow((void **)&r->nearest, cap, sizeof *r->nearest, NULL) ||
            grow((void **)&r->tau, cap, sizeof *r->tau, NULL))
            return HAR_EIO;
        r->mcap = cap;
    }
    for (int c = 0; c < HAR_CHANNELS; c++)
        r->chan[r->m * HAR_CHANNELS + c] = (float)out[c];
    r->piece[r->m] = piece;
    r->nearest[r->m] = nearest;
    r->tau[r->m] = tau;
    r->m++;
    return 0;
}

typedef struct {
    int acc[3], gyro[3], time, label, ncols;
    char delim;
} header;

static int read_header(const char *path, const char *s, size_t n, const har_csv_opts *o, header *h, har_err *e)
{
    fields f;
    h->delim = pick_delimiter(s, n);
    split(s, n, h->delim, &f);
    if (f.count > MAX_FIELDS)
        return har_fail(e, HAR_EDATA, "%s:1: %d columns; at most %d are read", path, f.count, MAX_FIELDS);
    h->ncols = f.count;
    h->time = h->label = -1;
    if (columns3(&f, o->acc, h->acc, path, "--acc", e) ||
        (o->gyro && columns3(&f, o->gyro, h->gyro, path, "--gyro", e)) ||
        (o->time && (h->time = column(&f, o->time, strlen(o->time), path, "--time", e)) < 0) ||
        (o->label && (h->label = column(&f, o->label, strlen(o->label), path, "--label", e)) < 0))
        return e ? e->code : HAR_EDATA;
    return 0;
}

/* Reads the rows of one file into r (kept rows only: a row whose timestamp
 * is bad is dropped under --nan ffill/drop, an error otherwise). */
static int read_rows(const char *path, const char *buf, size_t len, const har_ingest_opts *o, labels *lab,
                     recording *r, har_ingest_log *log, int64_t *bad_values, har_err *e)
{
    const har_csv_opts *co = &o->csv;
    har_lines it;
    har_lines_init(&it, buf, len);
    const char *s;
    size_t n;
    if (!har_lines_next(&it, &s, &n))
        return har_fail(e, HAR_EDATA, "%s: empty file (expected a header row)", path);
    header h;
    if (read_header(path, s, n, co, &h, e))
        return e ? e->code : HAR_EDATA;
    fields f;
    int64_t index = 0;
    while (har_lines_next(&it, &s, &n)) {
        if (har_line_blank(s, n))
            return har_fail(e, HAR_EDATA, "%s:%ld: blank line (expected %d fields)", path, it.line, h.ncols);
        split(s, n, h.delim, &f);
        if (f.count != h.ncols)
            return har_fail(e, HAR_EDATA, "%s:%ld: %d fields, but the header has %d", path, it.line, f.count,
                            h.ncols);
        log->rows++;
        double raw[6] = {0}, t = (double)index++ / (co->rate_hz > 0 ? co->rate_hz : 1);
        int bad = 0;
        for (int c = 0; c < 6; c++) {
            if (c >= 3 && !co->gyro)
                break;
            int col = c < 3 ? h.acc[c] : h.gyro[c - 3];
            double v = number(f.s[col], f.n[col]);
            if (isnan(v)) {
                if (o->nan == HAR_NAN_ERROR) {
                    har_fail(e, HAR_EDATA, "%s:%ld: column %d: '%.*s' is not a finite number", path, it.line,
                             col + 1, (int)(f.n[col] > 40 ? 40 : f.n[col]), f.s[col]);
                    return har_ingest_nan_hint(e);
                }
                (*bad_values)++;
                bad = 1;
            }
            raw[c] = v * (c < 3 ? co->acc_to_g : co->gyro_to_rad);
        }
        if (h.time >= 0) {
            double v = number(f.s[h.time], f.n[h.time]);
            if (isnan(v)) {
                if (o->nan == HAR_NAN_ERROR) {
                    har_fail(e, HAR_EDATA, "%s:%ld: timestamp '%.*s' is not a finite number", path, it.line,
                             (int)(f.n[h.time] > 40 ? 40 : f.n[h.time]), f.s[h.time]);
                    return har_ingest_nan_hint(e);
                }
                (*bad_values)++;
                log->rows_bad_time++; /* no time to place it at: dropped */
                continue;
            }
            t = v;
        }
        int32_t cls = UNLABELLED;
        if (h.label >= 0 && f.n[h.label] &&
            label_class(lab, f.s[h.label], f.n[h.label], &cls, path, it.line, e))
            return e ? e->code : HAR_EDATA;
        log->rows_unlabelled += cls == UNLABELLED;
        if (add_row(r, t, raw, cls, bad, it.line, e))
            return HAR_EIO;
    }
    return 0;
}

/* Timestamps in seconds from the first row's: differences of the raw
 * values first, so large epoch values keep their precision. */
static void to_seconds(recording *r, const har_csv_opts *o)
{
    if (!o->time || r->n == 0)
        return;
    double t0 = r->t[0];
    for (int64_t i = 0; i < r->n; i++)
        r->t[i] = (r->t[i] - t0) * o->time_to_s;
}

/* True if a repaired row reaches output sample j: within the resampler's
 * reach (10 output periods) plus the interpolation's neighbours. */
static int tainted(const recording *r, int64_t j, double reach)
{
    int64_t c = r->nearest[j];
    for (int64_t i = c; i >= 0 && r->t[i] >= r->tau[j] - reach; i--)
        if (r->bad[i])
            return 1;
    for (int64_t i = c + 1; i < r->n && r->t[i] <= r->tau[j] + reach; i++)
        if (r->bad[i])
            return 1;
    return 0;
}

static int append_window(har_windows *w, int64_t *m, const float *src, const int *chans, int nch, int32_t y,
                         int32_t subject, int32_t rec, int64_t start, har_err *e)
{
    if (*m == w->n && har_windows_resize(w, w->n < 1024 ? 1024 : 2 * w->n, e))
        return HAR_EIO;
    float *dst = w->x + (size_t)*m * (size_t)w->t * (size_t)w->c;
    for (int i = 0; i < w->t; i++)
        for (int c = 0; c < nch; c++)
            dst[i * nch + c] = src[i * HAR_CHANNELS + chans[c]];
    w->y[*m] = y;
    w->subject[*m] = subject;
    w->recording[*m] = rec;
    w->start[*m] = start;
    (*m)++;
    return 0;
}

/* The class of window [a, a+W) under the rule, or -1 (dropped label), -2
 * (mixed). */
static int32_t window_class(const recording *r, int64_t a, int W, har_window_label rule, int32_t *count,
                            int nclass)
{
    if (rule == HAR_LABEL_INSIDE) {
        int32_t c = r->cls[r->nearest[a]];
        for (int64_t j = a + 1; j < a + W; j++)
            if (r->cls[r->nearest[j]] != c)
                return -2;
        return c == UNLABELLED ? -1 : c;
    }
    /* count[0] = dropped or unlabelled, count[1 + c] = class c */
    memset(count, 0, (size_t)(nclass + 1) * sizeof *count);
    for (int64_t j = a; j < a + W; j++) {
        int32_t c = r->cls[r->nearest[j]];
        count[c < 0 ? 0 : 1 + c]++;
    }
    for (int c = 0; c <= nclass; c++)
        if (2 * count[c] > W)
            return c - 1;
    return -2;
}

static int cut_windows(const har_ingest_opts *o, const recording *r, const labels *lab, const int *chans, int nch,
                       int32_t subject, int32_t rec, har_windows *w, int64_t *m, har_ingest_log *log, har_err *e)
{
    const int W = o->window;
    const double rate = o->csv.timeline.preproc.fs_hz;
    const double reach = HAR_RESAMPLE_HALF_PERIODS / rate + 2 * o->csv.timeline.max_gap_s;
    int32_t *count = malloc((lab->classes.n + 1) * sizeof *count);
    if (!count)
        return har_fail(e, HAR_EIO, "out of memory");
    int64_t p0 = 0;
    while (p0 < r->m) {
        int64_t p1 = p0;
        while (p1 < r->m && r->piece[p1] == r->piece[p0])
            p1++;
        log->pieces_short += p1 - p0 < W;
        for (int64_t a = p0; a + W <= p1; a += o->stride) {
            int32_t c = window_class(r, a, W, o->csv.window_label, count, (int)lab->classes.n);
            if (c == -2) {
                log->windows_mixed++;
                continue;
            }
            if (c < 0) {
                log->windows_excluded++;
                continue;
            }
            int bad = 0;
            for (int64_t j = a; j < a + W && !bad && o->nan == HAR_NAN_DROP; j++)
                bad = tainted(r, j, reach);
            if (bad) {
                log->dropped_windows++;
                continue;
            }
            /* start: the window's first sample on the recording's own
             * timeline at the output rate (0 = its first timestamp). */
            int64_t start = llround(r->tau[a] * rate);
            if (append_window(w, m, r->chan + a * HAR_CHANNELS, chans, nch, c, subject, rec, start, e)) {
                free(count);
                return HAR_EIO;
            }
        }
        p0 = p1;
    }
    free(count);
    return 0;
}

/* Repairs bad values (carried forward per axis; leading ones from the
 * first good one), as the HAPT layout does. */
static int repair(recording *r, const char *path, har_ingest_log *log, har_err *e)
{
    int64_t bad = 0;
    for (int64_t i = 0; i < r->n; i++)
        bad += r->bad[i];
    if (!bad)
        return 0;
    for (int c = 0; c < 6; c++)
        if (har_ffill(r->raw + c, r->n, 6) < 0)
            return har_fail(e, HAR_EDATA, "%s: %s axis %c has no finite value to carry forward", path,
                            c < 3 ? "acc" : "gyro", "xyz"[c % 3]);
    log->repaired_samples += bad;
    return 0;
}

/* Labels rows from the segments of recording rel: by row number (1 = the
 * first row after the header) or by raw timestamp.  Rows no segment holds
 * stay unlabelled. */
static int label_from_segments(recording *r, const segments *g, const char *rel, int by_time, labels *lab,
                               har_ingest_log *log, int *used, har_err *e)
{
    for (size_t j = 0; j < g->n; j++) {
        const segment *sg = &g->v[j];
        if (strcmp(sg->rec, rel))
            continue;
        used[j] = 1;
        int32_t cls;
        if (label_class(lab, sg->label, strlen(sg->label), &cls, g->path, sg->line, e))
            return e ? e->code : HAR_EDATA;
        for (int64_t i = 0; i < r->n; i++) {
            double x = by_time ? r->t[i] : (double)(r->line[i] - 1);
            if (x >= sg->start && x <= sg->end) {
                log->rows_unlabelled -= r->cls[i] == UNLABELLED;
                r->cls[i] = cls;
            }
        }
    }
    return 0;
}

static int one_recording(const har_ingest_opts *o, const char *rel, int32_t subject, int32_t rec, labels *lab,
                         const segments *g, int *used, const int *chans, int nch, har_windows *w, int64_t *m,
                         har_ingest_log *log, har_err *e)
{
    char *path = har_path_join(o->root, rel, e), *buf = NULL, sha[HAR_SHA256_HEX];
    size_t len = 0;
    recording r = {0};
    har_timeline tl;
    int64_t bad_values = 0, rows_before = log->rows;
    int rc = !path || har_slurp(path, &buf, &len, sha, e) ||
             read_rows(path, buf, len, o, lab, &r, log, &bad_values, e) || repair(&r, path, log, e) ||
             (g->n && label_from_segments(&r, g, rel, o->csv.time && !o->csv.segments_by_row, lab, log, used, e));
    if (rc) {
        free(path);
        free(buf);
        recording_free(&r);
        return e && e->code ? e->code : HAR_EIO;
    }
    to_seconds(&r, &o->csv);
    rc = har_timeline_init(&tl, &o->csv.timeline, resampled, &r, e);
    for (int64_t i = 0; !rc && i < r.n; i++) {
        int64_t kept = tl.kept;
        rc = har_timeline_push(&tl, r.t[i], r.raw + i * 6, e);
        if (rc == HAR_EDATA) { /* a refused timestamp: say where */
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e->msg);
            har_fail(e, HAR_EDATA, "%s:%ld: %s", path, r.line[i], why);
        }
        else if (rc)
            har_fail(e, HAR_EIO, "out of memory");
        /* Keep the rows the timeline kept, in its numbering. */
        else if (tl.kept > kept && kept != i) {
            r.t[kept] = r.t[i];
            memcpy(r.raw + kept * 6, r.raw + i * 6, 6 * sizeof *r.raw);
            r.cls[kept] = r.cls[i];
            r.bad[kept] = r.bad[i];
            r.line[kept] = r.line[i];
        }
    }
    if (!rc) {
        r.n = tl.kept;
        log->time_dropped_equal += tl.dropped_equal;
        log->time_dropped_backwards += tl.dropped_backwards;
        log->gaps += tl.gaps;
        log->pieces += tl.piece + 1;
        log->longest_gap_s = fmax(log->longest_gap_s, tl.longest_gap_s);
        log->resampled += r.m;
        log->recordings++;
        rc = har_ingest_log_file(log, o->root, path, sha, log->rows - rows_before, bad_values, 0, e) ||
             cut_windows(o, &r, lab, chans, nch, subject, rec, w, m, log, e);
    }
    har_timeline_free(&tl);
    recording_free(&r);
    free(path);
    free(buf);
    return rc ? (e && e->code ? e->code : HAR_EIO) : 0;
}

static int class_meta(const labels *lab, har_windows *w, har_err *e)
{
    char *joined = har_ingest_join((const char *const *)lab->classes.v, (int)lab->classes.n, e);
    int rc = !joined || har_tfile_meta_set(w->file, "classes", joined, e) ? HAR_EIO
                                                                          : har_windows_refresh_classes(w, e);
    free(joined);
    return rc;
}

int har_ingest_csv(const har_ingest_opts *o, har_windows *out, har_ingest_log *log, har_err *e)
{
    const har_csv_opts *co = &o->csv;
    memset(out, 0, sizeof *out);
    if (!co->acc)
        return har_fail(e, HAR_EUSAGE, "the generic layout needs --acc (three columns: x,y,z)");
    if (!co->time && !(co->rate_hz > 0))
        return har_fail(e, HAR_EUSAGE, "the generic layout needs --time COLUMN or --rate HZ");
    if (!co->label == !co->segments)
        return har_fail(e, HAR_EUSAGE, "the generic layout needs one of --label COLUMN (a label per row) and "
                                       "--segments FILE (labelled stretches of each recording)");
    if (o->window < 1 || o->stride < 1)
        return har_fail(e, HAR_EUSAGE, "window and stride must be at least 1");
    static const int all[HAR_CHANNELS] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const int *chans = co->gyro ? all : har_acc_channels;
    const int nch = co->gyro ? HAR_CHANNELS : HAR_ACC_CHANNELS;
    regex_t inc, subj;
    int have_inc = 0, have_subj = 0;
    strings files = {0};
    labels lab;
    segments g = {0};
    int *used = NULL;
    int rc = labels_init(&lab, co, e);
    if (!rc && co->segments && !(rc = segments_read(&g, co->segments, o->root, log, e)) &&
        !(used = calloc(g.n + 1, sizeof *used)))
        rc = har_fail(e, HAR_EIO, "out of memory");
    if (!rc && !(rc = compile(&inc, co->include, "--include", e)))
        have_inc = 1;
    if (!rc && !(rc = compile(&subj, co->subject, "--subject", e)))
        have_subj = 1;
    if (!rc)
        rc = walk(o->root, "", &inc, &files, 0, e);
    if (!rc && files.n == 0)
        rc = har_fail(e, HAR_EDATA, "%s: no file matches --include '%s'", o->root, co->include);
    if (!rc) {
        qsort(files.v, files.n, sizeof *files.v, str_cmp);
        rc = har_windows_alloc(out, 0, o->window, nch, e);
    }
    int64_t m = 0;
    for (size_t i = 0; !rc && i < files.n; i++) {
        int32_t subject = 0;
        rc = subject_of(&subj, files.v[i], co->subject, &subject, e) ||
             one_recording(o, files.v[i], subject, (int32_t)i + 1, &lab, &g, used, chans, nch, out, &m, log, e);
    }
    /* A segment of a recording that is not there is a typo or a missing file. */
    for (size_t j = 0; !rc && j < g.n; j++)
        if (!used[j])
            rc = har_fail(e, HAR_EDATA, "%s:%ld: no recording %s below %s matches --include", g.path, g.v[j].line,
                          g.v[j].rec, o->root);
    if (!rc)
        rc = har_windows_resize(out, m, e) || class_meta(&lab, out, e);
    if (rc) {
        rc = e && e->code ? e->code : HAR_EIO;
        har_windows_free(out);
    }
    if (have_inc)
        regfree(&inc);
    if (have_subj)
        regfree(&subj);
    strings_free(&files);
    labels_free(&lab);
    segments_free(&g);
    free(used);
    return rc;
}
