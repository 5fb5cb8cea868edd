/* spec.c - the model spec language: a comma list of layer items a user can
 * type on the command line.  See model.h for the grammar and har-train --help
 * for the list of items. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define ITEM_MAX_ARGS 8
#define ITEM_TEXT 48
#define SPEC_MAX_DEPTH 8

typedef struct {
    char name[ITEM_TEXT];
    int npos, nkey;
    char pos[ITEM_MAX_ARGS][ITEM_TEXT];
    char key[ITEM_MAX_ARGS][ITEM_TEXT], val[ITEM_MAX_ARGS][ITEM_TEXT];
    int flag_used[ITEM_MAX_ARGS]; /* keys consumed by the item, to refuse unknown ones */
    char text[128];               /* the item as written, for messages */
} spec_item;

typedef struct {
    har_layer *v;
    int n, cap;
} layer_list;

static int list_push(layer_list *L, har_err *e)
{
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 8;
        har_layer *v = realloc(L->v, (size_t)cap * sizeof *v);
        if (!v)
            return har_fail(e, HAR_EIO, "out of memory");
        L->v = v;
        L->cap = cap;
    }
    memset(&L->v[L->n], 0, sizeof L->v[0]);
    L->n++;
    return 0;
}

static void list_free(layer_list *L)
{
    for (int i = 0; i < L->n; i++)
        har_layer_destroy(&L->v[i]);
    free(L->v);
    L->v = NULL;
    L->n = L->cap = 0;
}

static int bad(har_err *e, const spec_item *it, const char *fmt, const char *arg)
{
    char what[256];
    snprintf(what, sizeof what, fmt, arg);
    return har_fail(e, HAR_EUSAGE, "model spec item \"%s\": %s", it->text, what);
}

/* Reads one "name:arg:key=val" item up to ',' ')' or the end. */
static int read_item(const char **pp, spec_item *it, har_err *e)
{
    const char *p = *pp, *start = p;
    memset(it, 0, sizeof *it);
    size_t span = strcspn(p, ",()");
    snprintf(it->text, sizeof it->text, "%.*s", (int)(span < 120 ? span : 120), p);
    int field = 0;
    while (*p && *p != ',' && *p != ')' && *p != '(') {
        size_t len = strcspn(p, ":,()");
        if (len >= ITEM_TEXT)
            return har_fail(e, HAR_EUSAGE, "model spec item \"%s\": field too long", it->text);
        char tok[ITEM_TEXT];
        memcpy(tok, p, len);
        tok[len] = 0;
        p += len;
        if (field == 0) {
            if (!len)
                return har_fail(e, HAR_EUSAGE, "model spec: empty item at offset %d",
                                (int)(start - *pp));
            memcpy(it->name, tok, len + 1);
        } else {
            char *eq = strchr(tok, '=');
            if (!len)
                return bad(e, it, "empty argument%s", "");
            if (eq) {
                if (it->nkey == ITEM_MAX_ARGS)
                    return bad(e, it, "too many options%s", "");
                *eq = 0;
                snprintf(it->key[it->nkey], ITEM_TEXT, "%s", tok);
                snprintf(it->val[it->nkey], ITEM_TEXT, "%s", eq + 1);
                it->nkey++;
            } else if (!isdigit((unsigned char)tok[0]) && tok[0] != '.' && tok[0] != '-') {
                /* a bare word is a flag: "bidir" == "bidir=1" */
                if (it->nkey == ITEM_MAX_ARGS)
                    return bad(e, it, "too many options%s", "");
                snprintf(it->key[it->nkey], ITEM_TEXT, "%s", tok);
                snprintf(it->val[it->nkey], ITEM_TEXT, "1");
                it->nkey++;
            } else {
                if (it->npos == ITEM_MAX_ARGS)
                    return bad(e, it, "too many arguments%s", "");
                memcpy(it->pos[it->npos++], tok, len + 1);
            }
        }
        field++;
        if (*p == ':')
            p++;
    }
    if (!it->name[0])
        return har_fail(e, HAR_EUSAGE, "model spec: empty item at offset %d (a stray comma?)",
                        (int)(start - *pp));
    for (char *c = it->name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    *pp = p;
    return 0;
}

static int parse_int(const spec_item *it, const char *s, const char *what, int lo, int hi,
                     int *out, har_err *e)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be an integer in [%d, %d], got \"%%s\"", what, lo, hi);
        return bad(e, it, msg, s);
    }
    *out = (int)v;
    return 0;
}

static int parse_prob(const spec_item *it, const char *s, const char *what, double *out,
                      har_err *e)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v < 1)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be a number in [0, 1), got \"%%s\"", what);
        return bad(e, it, msg, s);
    }
    *out = v;
    return 0;
}

/* The value of option key (marking it used), or NULL. */
static const char *opt(spec_item *it, const char *key)
{
    for (int i = 0; i < it->nkey; i++)
        if (!strcmp(it->key[i], key)) {
            it->flag_used[i] = 1;
            return it->val[i];
        }
    return NULL;
}

static int check_args(spec_item *it, int min_pos, int max_pos, const char *usage, har_err *e)
{
    if (it->npos < min_pos || it->npos > max_pos) {
        char msg[200];
        snprintf(msg, sizeof msg, "expected %s", usage);
        return bad(e, it, "%s", msg);
    }
    return 0;
}

static int check_unused(const spec_item *it, har_err *e)
{
    for (int i = 0; i < it->nkey; i++)
        if (!it->flag_used[i])
            return bad(e, it, "unknown option \"%s\"", it->key[i]);
    return 0;
}

static int make_recurrent(spec_item *it, har_cell cell, har_shape in, layer_list *L, har_err *e)
{
    int hidden, layers = 1, bidir = 0;
    double dropout = 0;
    const char *v;
    if (check_args(it, 1, 1, "NAME:HIDDEN[:layers=L][:bidir][:dropout=P][:readout=R]", e) ||
        parse_int(it, it->pos[0], "hidden size", 1, 4096, &hidden, e))
        return -1;
    if ((v = opt(it, "layers")) && parse_int(it, v, "layers", 1, 16, &layers, e))
        return -1;
    if ((v = opt(it, "bidir")) && parse_int(it, v, "bidir", 0, 1, &bidir, e))
        return -1;
    if ((v = opt(it, "dropout")) && parse_prob(it, v, "dropout", &dropout, e))
        return -1;
    const char *readout = opt(it, "readout");
    if (!readout)
        readout = "last";
    int rk = !strcmp(readout, "last")        ? HAR_READ_LAST
             : !strcmp(readout, "mean")      ? HAR_READ_MEAN
             : !strcmp(readout, "attention") ? HAR_READ_ATTENTION
             : !strcmp(readout, "seq")       ? -1
                                             : -2;
    if (rk == -2)
        return bad(e, it, "readout must be last, mean, attention or seq, got \"%s\"", readout);
    if (check_unused(it, e) || list_push(L, e))
        return -1;
    har_layer *l = &L->v[L->n - 1];
    snprintf(l->spec, sizeof l->spec, "%s", it->text);
    if (har_recurrent_make(l, in, cell, hidden, layers, bidir, dropout, e))
        return har_err_prefix(e, "model spec item \"%s\"", it->text);
    if (rk < 0)
        return 0;
    /* The readout layer stays (parameter names count it, as PyTorch's
     * nn.Sequential would) but, for "last", only copies the one step. */
    if (rk == HAR_READ_LAST)
        har_recurrent_last_only(l);
    har_shape mid = l->out;
    if (list_push(L, e))
        return -1;
    l = &L->v[L->n - 1];
    snprintf(l->spec, sizeof l->spec, "%s", readout);
    return har_readout_make(l, mid, (har_readout)rk, e);
}

static int parse_seq(const char **pp, har_shape in, layer_list *L, int depth, har_err *e);

static int make_item(spec_item *it, const char **pp, har_shape in, layer_list *L, int depth,
                     har_err *e)
{
    const char *n = it->name;
    int a, b;
    double p;
    const char *v;
    int act = har_activation_parse(n);

    if (!strcmp(n, "res")) {
        if (**pp != '(')
            return bad(e, it, "expected res(ITEMS)%s", "");
        if (depth >= SPEC_MAX_DEPTH)
            return bad(e, it, "residual blocks nested too deeply%s", "");
        (*pp)++;
        layer_list body = {0};
        if (parse_seq(pp, in, &body, depth + 1, e)) {
            list_free(&body);
            return -1;
        }
        if (**pp != ')') {
            list_free(&body);
            return bad(e, it, "missing \")\" after res(%s", "");
        }
        (*pp)++;
        if (list_push(L, e)) {
            list_free(&body);
            return -1;
        }
        har_layer *l = &L->v[L->n - 1];
        snprintf(l->spec, sizeof l->spec, "res(...)");
        /* har_residual_make owns body.v from here on, also on failure */
        return har_residual_make(l, in, body.v, body.n, e);
    }
    if (**pp == '(')
        return bad(e, it, "only res takes a parenthesised list%s", "");

    if (!strcmp(n, "gru") || !strcmp(n, "lstm") || !strcmp(n, "rnn"))
        return make_recurrent(it,
                              !strcmp(n, "gru")    ? HAR_CELL_GRU
                              : !strcmp(n, "lstm") ? HAR_CELL_LSTM
                                                   : HAR_CELL_RNN,
                              in, L, e);

    if (list_push(L, e))
        return -1;
    har_layer *l = &L->v[L->n - 1];
    snprintf(l->spec, sizeof l->spec, "%s", it->text);
    int rc;
    if (!strcmp(n, "dense") || !strcmp(n, "linear")) {
        if (check_args(it, 1, 1, "dense:UNITS", e) ||
            parse_int(it, it->pos[0], "units", 1, 1 << 20, &a, e) || check_unused(it, e))
            return -1;
        rc = har_dense_make(l, in, a, e);
    } else if (!strcmp(n, "dropout")) {
        if (check_args(it, 1, 1, "dropout:P", e) ||
            parse_prob(it, it->pos[0], "dropout probability", &p, e) || check_unused(it, e))
            return -1;
        rc = har_dropout_make(l, in, p, e);
    } else if (!strcmp(n, "flatten")) {
        if (check_args(it, 0, 0, "flatten (no arguments)", e) || check_unused(it, e))
            return -1;
        rc = har_flatten_make(l, in, e);
    } else if (act >= 0) {
        if (check_args(it, 0, 0, "an activation without arguments", e) || check_unused(it, e))
            return -1;
        rc = har_activation_make(l, in, (har_activation)act, e);
    } else if (!strcmp(n, "conv1d")) {
        int stride = 1, pad = 0, dil = 1;
        if (check_args(it, 2, 2, "conv1d:OUT:KERNEL[:stride=S][:pad=P|same][:dilation=D]", e) ||
            parse_int(it, it->pos[0], "output channels", 1, 1 << 16, &a, e) ||
            parse_int(it, it->pos[1], "kernel size", 1, 1 << 12, &b, e))
            return -1;
        if ((v = opt(it, "stride")) && parse_int(it, v, "stride", 1, 1 << 12, &stride, e))
            return -1;
        if ((v = opt(it, "dilation")) && parse_int(it, v, "dilation", 1, 1 << 12, &dil, e))
            return -1;
        if ((v = opt(it, "pad"))) {
            if (!strcmp(v, "same")) {
                if (stride != 1 || (dil * (b - 1)) % 2)
                    return bad(e, it, "pad=same needs stride 1 and an odd kernel span%s", "");
                pad = dil * (b - 1) / 2;
            } else if (parse_int(it, v, "padding", 0, 1 << 12, &pad, e))
                return -1;
        }
        if (check_unused(it, e))
            return -1;
        rc = har_conv1d_make(l, in, a, b, stride, pad, dil, e);
    } else if (!strcmp(n, "maxpool") || !strcmp(n, "avgpool")) {
        if (check_args(it, 1, 2, "maxpool:KERNEL[:STRIDE] (stride defaults to the kernel)", e) ||
            parse_int(it, it->pos[0], "kernel size", 1, 1 << 16, &a, e))
            return -1;
        b = a;
        if (it->npos > 1 && parse_int(it, it->pos[1], "stride", 1, 1 << 16, &b, e))
            return -1;
        if (check_unused(it, e))
            return -1;
        rc = har_pool_make(l, in, n[0] == 'm' ? HAR_POOL_MAX : HAR_POOL_AVG, a, b, e);
    } else if (!strcmp(n, "gap") || !strcmp(n, "mean") || !strcmp(n, "last") ||
               !strcmp(n, "attention")) {
        if (check_args(it, 0, 0, "a readout without arguments", e) || check_unused(it, e))
            return -1;
        rc = har_readout_make(l, in,
                              n[0] == 'l'   ? HAR_READ_LAST
                              : n[0] == 'a' ? HAR_READ_ATTENTION
                                            : HAR_READ_MEAN,
                              e);
    } else if (!strcmp(n, "layernorm")) {
        double eps = 1e-5;
        if (check_args(it, 0, 0, "layernorm[:eps=E]", e))
            return -1;
        if ((v = opt(it, "eps"))) {
            char *end;
            eps = strtod(v, &end);
            if (end == v || *end || !(eps > 0 && eps < 1))
                return bad(e, it, "eps must be a number in (0, 1), got \"%s\"", v);
        }
        if (check_unused(it, e))
            return -1;
        rc = har_layernorm_make(l, in, eps, e);
    } else {
        return bad(e, it,
                   "unknown layer \"%s\" (known: dense, dropout, flatten, relu, sigmoid, tanh, "
                   "leakyrelu, silu, gaussian, elu, gelu, rnn, gru, lstm, conv1d, maxpool, avgpool, "
                   "gap, last, attention, layernorm, res(...))",
                   n);
    }
    if (rc)
        return har_err_prefix(e, "model spec item \"%s\"", it->text);
    return 0;
}

static int parse_seq(const char **pp, har_shape in, layer_list *L, int depth, har_err *e)
{
    har_shape cur = in;
    for (;;) {
        while (**pp == ' ')
            (*pp)++;
        spec_item it;
        if (read_item(pp, &it, e) || make_item(&it, pp, cur, L, depth, e))
            return -1;
        cur = L->v[L->n - 1].out;
        if (cur.t < 1 || cur.f < 1)
            return bad(e, &it, "the output would be empty%s", "");
        while (**pp == ' ')
            (*pp)++;
        if (**pp != ',')
            return 0;
        (*pp)++;
    }
}

/* Parses a spec into layers; used by har_model_build. */
int har_spec_parse(const char *spec, har_shape in, har_layer **layers, int *n, har_err *e)
{
    layer_list L = {0};
    const char *p = spec;
    if (!spec || !*spec)
        return har_fail(e, HAR_EUSAGE, "model spec is empty");
    if (parse_seq(&p, in, &L, 0, e)) {
        list_free(&L);
        return -1;
    }
    if (*p) {
        list_free(&L);
        return har_fail(e, HAR_EUSAGE, "model spec: unexpected \"%.20s\" at offset %d", p,
                        (int)(p - spec));
    }
    *layers = L.v;
    *n = L.n;
    return 0;
}
