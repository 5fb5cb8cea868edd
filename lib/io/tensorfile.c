#define _POSIX_C_SOURCE 200809L
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "infile.h"
#include "outfile.h"
#include "tensorfile.h"

/* The raw data is copied straight to and from memory, so the host must be
 * little-endian like the format.  Every platform we target is. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "har assumes a little-endian host");

static const struct {
    const char *name;
    size_t size;
} dtypes[] = {[HAR_F32] = {"F32", 4}, [HAR_F64] = {"F64", 8}, [HAR_I32] = {"I32", 4},
              [HAR_I64] = {"I64", 8}, [HAR_U8] = {"U8", 1}};

const char *har_dtype_name(har_dtype t) { return dtypes[t].name; }
size_t har_dtype_size(har_dtype t) { return dtypes[t].size; }

int64_t har_tensor_numel(const har_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

static int parse_dtype(const char *s, har_dtype *out)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(s, dtypes[i].name) == 0) {
            *out = (har_dtype)i;
            return 0;
        }
    return -1;
}

/* Bytes needed for a shape, or -1 on overflow past 2^53 (the JSON number limit). */
static int64_t shape_bytes(har_dtype dtype, int ndim, const int64_t *shape)
{
    const int64_t limit = (int64_t)1 << 53;
    int64_t n = (int64_t)dtypes[dtype].size;
    for (int i = 0; i < ndim; i++) {
        /* Each size must be a JSON-exact integer, even after a zero dimension,
         * or the writer could produce a file the reader refuses. */
        if (shape[i] < 0 || shape[i] > limit)
            return -1;
        if (shape[i] != 0 && n > limit / shape[i])
            return -1;
        n *= shape[i];
    }
    return n;
}

static void format_shape(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? "," : "",
                                 shape[i] < 0 ? -1LL : (long long)shape[i]);
    if (used < n)
        snprintf(buf + used, n - used, "]");
}

har_tfile *har_tfile_new(har_err *e)
{
    return har_calloc(1, sizeof(har_tfile), e);
}

void har_tfile_free(har_tfile *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->ntensors; i++) {
        free(f->tensors[i].name);
        free(f->tensors[i].data);
    }
    for (size_t i = 0; i < f->nmeta; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->tensors);
    free(f->meta);
    free(f->source);
    free(f);
}

har_tensor *har_tfile_get(const har_tfile *f, const char *name)
{
    for (size_t i = 0; i < f->ntensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

static const char *file_label(const har_tfile *f)
{
    return f->source ? f->source : "<tensor file>";
}

har_tensor *har_tfile_adopt(har_tfile *f, const char *name, har_dtype dtype, int ndim,
                            const int64_t *shape, void *data, har_err *e)
{
    int64_t nbytes = (ndim >= 0 && ndim <= HAR_MAX_DIMS) ? shape_bytes(dtype, ndim, shape) : -1;
    if (!name || !*name || strcmp(name, "__metadata__") == 0) {
        har_fail(e, HAR_EUSAGE, "invalid tensor name '%s'", name ? name : "");
    } else if (nbytes < 0 || (uint64_t)nbytes > SIZE_MAX) {
        har_fail(e, HAR_EUSAGE, "tensor '%s': invalid shape", name);
    } else if (har_tfile_get(f, name)) {
        har_fail(e, HAR_EUSAGE, "tensor '%s' added twice", name);
    } else {
        if (f->ntensors == f->cap_tensors) {
            size_t cap = f->cap_tensors ? 2 * f->cap_tensors : 8;
            har_tensor *nt = realloc(f->tensors, cap * sizeof *nt);
            if (!nt) {
                har_fail(e, HAR_EIO, "out of memory");
                free(data);
                return NULL;
            }
            f->tensors = nt;
            f->cap_tensors = cap;
        }
        har_tensor *t = &f->tensors[f->ntensors];
        memset(t, 0, sizeof *t);
        if (!(t->name = har_strdup(name, e))) {
            free(data);
            return NULL;
        }
        t->dtype = dtype;
        t->ndim = ndim;
        memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
        t->data = data;
        t->nbytes = (size_t)nbytes;
        f->ntensors++;
        return t;
    }
    free(data);
    return NULL;
}

har_tensor *har_tfile_add(har_tfile *f, const char *name, har_dtype dtype, int ndim,
                          const int64_t *shape, har_err *e)
{
    int64_t nbytes = (ndim >= 0 && ndim <= HAR_MAX_DIMS) ? shape_bytes(dtype, ndim, shape) : -1;
    if (nbytes < 0) {
        har_fail(e, HAR_EUSAGE, "tensor '%s': invalid shape", name);
        return NULL;
    }
    void *data = har_calloc((size_t)nbytes, 1, e);
    if (!data)
        return NULL;
    return har_tfile_adopt(f, name, dtype, ndim, shape, data, e);
}

har_tensor *har_tfile_expect(const har_tfile *f, const char *name, har_dtype dtype, int ndim,
                             const int64_t *shape, har_err *e)
{
    har_tensor *t = har_tfile_get(f, name);
    char want[160], got[160];
    format_shape(want, sizeof want, ndim, shape);
    if (!t) {
        har_fail(e, HAR_EDATA, "%s: missing tensor '%s' (expected %s %s)", file_label(f), name,
                 har_dtype_name(dtype), want);
        return NULL;
    }
    int ok = t->dtype == dtype && t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = shape[i] < 0 || shape[i] == t->shape[i];
    if (!ok) {
        format_shape(got, sizeof got, t->ndim, t->shape);
        har_fail(e, HAR_EDATA, "%s: tensor '%s' is %s %s, expected %s %s", file_label(f), name,
                 har_dtype_name(t->dtype), got, har_dtype_name(dtype), want);
        return NULL;
    }
    return t;
}

const char *har_tfile_meta_get(const har_tfile *f, const char *key)
{
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

int har_tfile_meta_set(har_tfile *f, const char *key, const char *value, har_err *e)
{
    char *v = har_strdup(value, e);
    if (!v)
        return HAR_EIO;
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, key) == 0) {
            free(f->meta[i].value);
            f->meta[i].value = v;
            return 0;
        }
    if (f->nmeta == f->cap_meta) {
        size_t cap = f->cap_meta ? 2 * f->cap_meta : 16;
        har_meta *nm = realloc(f->meta, cap * sizeof *nm);
        if (!nm) {
            free(v);
            return har_fail(e, HAR_EIO, "out of memory");
        }
        f->meta = nm;
        f->cap_meta = cap;
    }
    char *k = har_strdup(key, e);
    if (!k) {
        free(v);
        return HAR_EIO;
    }
    f->meta[f->nmeta].key = k;
    f->meta[f->nmeta].value = v;
    f->nmeta++;
    return 0;
}

int har_tfile_meta_setf(har_tfile *f, har_err *e, const char *key, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *buf = n >= 0 ? har_malloc((size_t)n + 1, e) : NULL;
    if (!buf) {
        va_end(ap2);
        return HAR_EIO;
    }
    vsnprintf(buf, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    int rc = har_tfile_meta_set(f, key, buf, e);
    free(buf);
    return rc;
}

int har_tfile_meta_copy(har_tfile *dst, const har_tfile *src, har_err *e)
{
    for (size_t i = 0; i < src->nmeta; i++)
        if (har_tfile_meta_set(dst, src->meta[i].key, src->meta[i].value, e))
            return HAR_EIO;
    return 0;
}

/* ---- reading --------------------------------------------------------- */

/* Where the bytes come from: a (gzip) stream or a memory image. */
typedef struct {
    har_in *in;
    const unsigned char *mem;
    size_t len, pos;
    const char *name;
} source;

static int source_read(source *s, void *buf, size_t n, const char *what, har_err *e)
{
    if (s->in)
        return har_in_read(s->in, buf, n, what, e);
    if (s->len - s->pos < n)
        return har_fail(e, HAR_EDATA, "%s: file ends while reading %s (needs %zu more bytes, has %zu)",
                        s->name, what, n, s->len - s->pos);
    memcpy(buf, s->mem + s->pos, n);
    s->pos += n;
    return 0;
}

/* The most bytes the source can still deliver (see har_in_max_remaining). */
static uint64_t source_remaining(const source *s)
{
    return s->in ? har_in_max_remaining(s->in) : (uint64_t)(s->len - s->pos);
}

static int source_expect_end(source *s, har_err *e)
{
    if (s->in)
        return har_in_expect_eof(s->in, e);
    if (s->pos != s->len)
        return har_fail(e, HAR_EDATA, "%s: %zu bytes of trailing data after the last tensor", s->name,
                        s->len - s->pos);
    return 0;
}

/* A JSON number that is a non-negative integer representable exactly. */
static int json_uint(const cJSON *j, int64_t *out)
{
    if (!cJSON_IsNumber(j))
        return -1;
    double v = j->valuedouble;
    if (!(v >= 0) || v > 9007199254740992.0 || v != floor(v))
        return -1;
    *out = (int64_t)v;
    return 0;
}

typedef struct {
    int64_t begin, end;
    size_t index; /* into the header's tensor list, for stable ordering */
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static int parse_metadata(har_tfile *f, const cJSON *meta, const char *name, har_err *e)
{
    if (!cJSON_IsObject(meta))
        return har_fail(e, HAR_EDATA, "%s: header: \"__metadata__\" must be an object of strings", name);
    for (const cJSON *m = meta->child; m; m = m->next) {
        if (!cJSON_IsString(m))
            return har_fail(e, HAR_EDATA, "%s: header: metadata value for '%s' is not a string", name,
                            m->string);
        if (har_tfile_meta_get(f, m->string))
            return har_fail(e, HAR_EDATA, "%s: header: duplicate metadata key '%s'", name, m->string);
        if (har_tfile_meta_set(f, m->string, m->valuestring, e))
            return HAR_EIO;
    }
    return 0;
}

/* Validates one tensor entry of the header; fills dtype/shape/span. */
static int parse_entry(const cJSON *t, const char *name, har_dtype *dtype, int *ndim,
                       int64_t *shape, span *sp, har_err *e)
{
    const char *tn = t->string;
    if (!cJSON_IsObject(t))
        return har_fail(e, HAR_EDATA, "%s: header: entry '%s' is not an object", name, tn);
    const cJSON *jd = NULL, *js = NULL, *jo = NULL;
    for (const cJSON *c = t->child; c; c = c->next) {
        const cJSON **slot = strcmp(c->string, "dtype") == 0          ? &jd
                             : strcmp(c->string, "shape") == 0        ? &js
                             : strcmp(c->string, "data_offsets") == 0 ? &jo
                                                                      : NULL;
        if (!slot)
            return har_fail(e, HAR_EDATA, "%s: tensor '%s': unknown header field '%s'", name, tn,
                            c->string);
        if (*slot)
            return har_fail(e, HAR_EDATA, "%s: tensor '%s': duplicate header field '%s'", name, tn,
                            c->string);
        *slot = c;
    }
    if (!cJSON_IsString(jd) || !js || !jo)
        return har_fail(e, HAR_EDATA, "%s: tensor '%s': needs \"dtype\", \"shape\" and \"data_offsets\"",
                        name, tn);
    if (parse_dtype(jd->valuestring, dtype))
        return har_fail(e, HAR_EDATA,
                        "%s: tensor '%s': unsupported dtype '%s' (har reads F32, F64, I32, I64, U8)", name,
                        tn, jd->valuestring);
    int n = cJSON_IsArray(js) ? cJSON_GetArraySize(js) : -1;
    if (n < 0 || n > HAR_MAX_DIMS)
        return har_fail(e, HAR_EDATA, "%s: tensor '%s': shape must be an array of at most %d sizes", name,
                        tn, HAR_MAX_DIMS);
    *ndim = 0;
    for (const cJSON *d = js->child; d; d = d->next)
        if (json_uint(d, &shape[(*ndim)++]))
            return har_fail(e, HAR_EDATA, "%s: tensor '%s': shape entries must be non-negative integers",
                            name, tn);
    if (!cJSON_IsArray(jo) || cJSON_GetArraySize(jo) != 2 || json_uint(jo->child, &sp->begin) ||
        json_uint(jo->child->next, &sp->end) || sp->end < sp->begin)
        return har_fail(e, HAR_EDATA, "%s: tensor '%s': data_offsets must be [begin, end] with 0 <= begin <= end",
                        name, tn);
    int64_t need = shape_bytes(*dtype, *ndim, shape);
    if (need < 0 || need != sp->end - sp->begin) {
        char sh[160];
        format_shape(sh, sizeof sh, *ndim, shape);
        return har_fail(e, HAR_EDATA,
                        "%s: tensor '%s': %s %s needs %lld bytes but data_offsets [%lld, %lld] span %lld",
                        name, tn, jd->valuestring, sh, (long long)need, (long long)sp->begin,
                        (long long)sp->end, (long long)(sp->end - sp->begin));
    }
    return 0;
}

/* Total decompressed tensor bytes we agree to allocate: physical memory.
 * A header promising more is refused before any allocation. */
static uint64_t data_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0)
        return (uint64_t)1 << 34;
    return (uint64_t)pages * (uint64_t)page;
}

static int check_names_unique(const cJSON *root, const char *name, har_err *e)
{
    for (const cJSON *a = root->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return har_fail(e, HAR_EDATA, "%s: header: duplicate name '%s'", name, a->string);
    return 0;
}

/* Reads the 8-byte length and the JSON header; returns the parsed object. */
static cJSON *read_header(source *src, const char *name, har_err *e)
{
    unsigned char lenbuf[8];
    if (source_read(src, lenbuf, 8, "the 8-byte header length", e))
        return NULL;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | lenbuf[i];
    if (hlen < 2 || hlen > HAR_MAX_HEADER_BYTES) {
        har_fail(e, HAR_EDATA,
                 "%s: not a har tensor file: header length %llu is outside 2..%u (wrong magic: "
                 "expected gzip-compressed safetensors)",
                 name, (unsigned long long)hlen, HAR_MAX_HEADER_BYTES);
        return NULL;
    }
    /* The first header byte is checked before the rest is allocated and
     * read: any other file whose first 8 bytes happen to make a plausible
     * length (a zip, a CSV, ...) is named as not a tensor file instead of
     * "file ends while reading the JSON header" after a large allocation. */
    char first;
    if (source_read(src, &first, 1, "the JSON header", e))
        return NULL;
    if (first != '{') {
        har_fail(e, HAR_EDATA,
                 "%s: not a har tensor file: header is not a JSON object (starts with byte 0x%02x; wrong "
                 "magic: expected gzip-compressed safetensors)",
                 name, (unsigned char)first);
        return NULL;
    }
    char *hdr = har_malloc((size_t)hlen + 1, e);
    if (!hdr)
        return NULL;
    hdr[0] = first;
    if (source_read(src, hdr + 1, (size_t)hlen - 1, "the JSON header", e)) {
        free(hdr);
        return NULL;
    }
    hdr[hlen] = '\0';
    cJSON *root = NULL;
    const char *end = NULL;
    if (memchr(hdr, '\0', (size_t)hlen)) {
        har_fail(e, HAR_EDATA, "%s: header is not a JSON object", name);
    } else if (!(root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0)) || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        har_fail(e, HAR_EDATA, "%s: header is not valid JSON (near byte %ld)", name,
                 at && at >= hdr && at <= hdr + hlen ? (long)(at - hdr) : -1L);
        cJSON_Delete(root);
        root = NULL;
    } else {
        /* Only the space padding safetensors uses may follow the object. */
        for (const char *p = end; p && p < hdr + hlen && root; p++)
            if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
                har_fail(e, HAR_EDATA, "%s: header has data after the JSON object", name);
                cJSON_Delete(root);
                root = NULL;
            }
    }
    free(hdr); /* cJSON holds its own copies of the strings */
    return root;
}

/* Validates every header entry and creates its tensor (without data) in
 * header order; spans[i] records tensor i's offsets. */
static int build_tensors(har_tfile *f, const cJSON *root, const char *name, span *spans, size_t *nspans,
                         har_err *e)
{
    uint64_t total = 0;
    *nspans = 0;
    if (check_names_unique(root, name, e))
        return HAR_EDATA;
    for (const cJSON *t = root->child; t; t = t->next) {
        if (strcmp(t->string, "__metadata__") == 0) {
            if (parse_metadata(f, t, name, e))
                return HAR_EDATA;
            continue;
        }
        if (!*t->string)
            return har_fail(e, HAR_EDATA, "%s: header: empty tensor name", name);
        har_dtype dtype = HAR_F32;
        int ndim = 0;
        int64_t shape[HAR_MAX_DIMS];
        span sp;
        if (parse_entry(t, name, &dtype, &ndim, shape, &sp, e))
            return HAR_EDATA;
        total += (uint64_t)(sp.end - sp.begin);
        if (total > data_limit())
            return har_fail(e, HAR_EDATA, "%s: header declares more tensor data than this machine's memory", name);
        sp.index = *nspans;
        spans[(*nspans)++] = sp;
        if (!har_tfile_adopt(f, t->string, dtype, ndim, shape, NULL, e))
            return e && e->code ? e->code : HAR_EIO;
    }
    return 0;
}

/* Sorts spans by offset and checks they tile [0, total) exactly. */
static int check_tiling(const har_tfile *f, span *spans, size_t n, const char *name, har_err *e)
{
    qsort(spans, n, sizeof *spans, span_cmp);
    int64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (spans[i].begin != at)
            return har_fail(e, HAR_EDATA, "%s: tensor '%s': data_offsets begin at %lld but %s at %lld", name,
                            f->tensors[spans[i].index].name, (long long)spans[i].begin,
                            spans[i].begin < at ? "the previous tensor ends (overlap)" : "expected contiguous data",
                            (long long)at);
        at = spans[i].end;
    }
    return 0;
}

/* CRC-32 (zlib's) of a payload, in chunks: crc32() takes a uInt length. */
static unsigned long crc_update(unsigned long crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* Checks the payload against the checksum the writer recorded
 * (HAR_PAYLOAD_CRC_KEY), then drops the key: it describes the file, not the
 * data, and writing recomputes it.  Files from other safetensors writers
 * have none and are taken as they are; a gzip stream carries its own CRC-32
 * as well. */
static int verify_payload(har_tfile *f, unsigned long crc, const char *name, har_err *e)
{
    size_t k = 0;
    while (k < f->nmeta && strcmp(f->meta[k].key, HAR_PAYLOAD_CRC_KEY) != 0)
        k++;
    if (k == f->nmeta)
        return 0;
    const char *want = f->meta[k].value;
    char have[16];
    snprintf(have, sizeof have, "%08lx", crc);
    if (strlen(want) != 8 || strspn(want, "0123456789abcdef") != 8)
        return har_fail(e, HAR_EDATA, "%s: header: metadata %s is '%.40s', expected 8 lowercase hex digits", name,
                        HAR_PAYLOAD_CRC_KEY, want);
    if (strcmp(want, have) != 0)
        return har_fail(e, HAR_EDATA,
                        "%s: the tensor data is corrupt: its CRC-32 is %s but the header records %s (%s)", name,
                        have, want, HAR_PAYLOAD_CRC_KEY);
    free(f->meta[k].key);
    free(f->meta[k].value);
    memmove(&f->meta[k], &f->meta[k + 1], (f->nmeta - k - 1) * sizeof *f->meta);
    f->nmeta--;
    return 0;
}

/* Refuses, before allocating it, tensor data the source cannot hold: the
 * (tiled) spans end at the total, and a plain file has exactly its size left,
 * a gzip file at most 1032 times its size. */
static int check_room(const har_tfile *f, const source *src, const span *spans, size_t n, const char *name,
                      har_err *e)
{
    uint64_t room = source_remaining(src);
    for (size_t i = 0; i < n; i++)
        if ((uint64_t)spans[i].end > room)
            return har_fail(e, HAR_EDATA,
                            "%s: tensor '%s' needs data up to byte %llu but the file ends before that (it can hold "
                            "at most %llu bytes of tensor data): truncated, or a gzip bomb",
                            name, f->tensors[spans[i].index].name, (unsigned long long)spans[i].end,
                            (unsigned long long)room);
    return 0;
}

/* Reads the data in file order, checks nothing follows and the checksum
 * matches, and reorders the tensors into data order (what writing the file
 * back produces). */
static int read_data(source *src, har_tfile *f, const span *spans, size_t n, const char *name, har_err *e)
{
    unsigned long crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < n; i++) {
        har_tensor *t = &f->tensors[spans[i].index];
        if (!(t->data = har_malloc(t->nbytes, e)))
            return har_err_prefix(e, "%s: tensor '%s'", name, t->name);
        char what[300];
        snprintf(what, sizeof what, "tensor '%s'", t->name);
        if (source_read(src, t->data, t->nbytes, what, e))
            return e && e->code ? e->code : HAR_EDATA;
        crc = crc_update(crc, t->data, t->nbytes);
    }
    if (source_expect_end(src, e) || verify_payload(f, crc, name, e))
        return e && e->code ? e->code : HAR_EDATA;
    har_tensor *sorted = har_malloc((n ? n : 1) * sizeof *sorted, e);
    if (!sorted)
        return HAR_EIO;
    for (size_t i = 0; i < n; i++)
        sorted[i] = f->tensors[spans[i].index];
    if (n)
        memcpy(f->tensors, sorted, n * sizeof *sorted);
    free(sorted);
    return 0;
}

/* Parses the header and reads the tensors from src in data order. */
static har_tfile *read_tensors(source *src, const char *name, har_err *e)
{
    cJSON *root = read_header(src, name, e);
    if (!root)
        return NULL;
    har_tfile *f = har_tfile_new(e);
    span *spans = f ? har_calloc((size_t)cJSON_GetArraySize(root), sizeof *spans, e) : NULL;
    size_t nspans = 0;
    int rc = !spans || build_tensors(f, root, name, spans, &nspans, e) || check_tiling(f, spans, nspans, name, e) ||
             check_room(f, src, spans, nspans, name, e) || read_data(src, f, spans, nspans, name, e) ||
             !(f->source = har_strdup(name, e));
    free(spans);
    cJSON_Delete(root);
    if (rc) {
        har_tfile_free(f);
        return NULL;
    }
    return f;
}

har_tfile *har_tfile_parse(const unsigned char *buf, size_t len, const char *name, har_err *e)
{
    source src = {.mem = buf, .len = len, .name = name};
    har_tfile *f = read_tensors(&src, name, e);
    if (f && har_sha256_hex(buf, len, f->digest, e)) {
        har_tfile_free(f);
        return NULL;
    }
    return f;
}

har_tfile *har_tfile_read(const char *path, har_err *e)
{
    har_in in;
    if (har_in_open(&in, path, e))
        return NULL;
    if (!(in.sha = har_sha256_new(e))) {
        har_in_close(&in);
        return NULL;
    }
    source src = {.in = &in, .name = in.name};
    har_tfile *f = read_tensors(&src, in.name, e);
    char hex[HAR_SHA256_HEX];
    har_sha256_final(in.sha, hex);
    har_in_close(&in);
    if (f)
        memcpy(f->digest, hex, sizeof hex);
    return f;
}

/* ---- writing --------------------------------------------------------- */

/* cJSON prints numbers with %.15g, which rounds integers above 10^15; shapes
 * and offsets are written as exact decimal text instead. */
static cJSON *exact_int(int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return cJSON_CreateRaw(buf);
}

static char *build_header(const har_tfile *f, size_t *padded_len, har_err *e)
{
    cJSON *root = cJSON_CreateObject(), *meta = cJSON_CreateObject();
    int ok = root && meta && cJSON_AddItemToObject(root, "__metadata__", meta);
    if (!ok)
        cJSON_Delete(meta);
    /* The payload's checksum, last; a value copied from an input file is
     * stale and is not written. */
    unsigned long crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < f->ntensors; i++)
        crc = crc_update(crc, f->tensors[i].data, f->tensors[i].nbytes);
    char crc_hex[16];
    snprintf(crc_hex, sizeof crc_hex, "%08lx", crc);
    for (size_t i = 0; ok && i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, HAR_PAYLOAD_CRC_KEY) != 0)
            ok = cJSON_AddStringToObject(meta, f->meta[i].key, f->meta[i].value) != NULL;
    ok = ok && cJSON_AddStringToObject(meta, HAR_PAYLOAD_CRC_KEY, crc_hex) != NULL;
    int64_t at = 0;
    for (size_t i = 0; ok && i < f->ntensors; i++) {
        const har_tensor *t = &f->tensors[i];
        cJSON *jt = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *off = cJSON_CreateArray();
        ok = jt && shape && off && cJSON_AddStringToObject(jt, "dtype", har_dtype_name(t->dtype));
        for (int d = 0; ok && d < t->ndim; d++)
            ok = cJSON_AddItemToArray(shape, exact_int(t->shape[d]));
        ok = ok && cJSON_AddItemToArray(off, exact_int(at)) &&
             cJSON_AddItemToArray(off, exact_int(at + (int64_t)t->nbytes));
        if (ok) {
            cJSON_AddItemToObject(jt, "shape", shape);
            cJSON_AddItemToObject(jt, "data_offsets", off);
            cJSON_AddItemToObject(root, t->name, jt);
        } else {
            cJSON_Delete(jt);
            cJSON_Delete(shape);
            cJSON_Delete(off);
        }
        at += (int64_t)t->nbytes;
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json) {
        har_fail(e, HAR_EIO, "out of memory building the tensor header");
        return NULL;
    }
    /* Pad with spaces so the data starts 8-byte aligned, as safetensors does. */
    size_t n = strlen(json), padded = (n + 7) / 8 * 8;
    char *out = har_malloc(padded + 1, e);
    if (out) {
        memcpy(out, json, n);
        memset(out + n, ' ', padded - n);
        out[padded] = '\0';
        *padded_len = padded;
    }
    free(json);
    return out;
}

static void put_u64le(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int har_tfile_serialize(const har_tfile *f, unsigned char **buf, size_t *len, har_err *e)
{
    size_t hlen = 0, total;
    char *hdr = build_header(f, &hlen, e);
    if (!hdr)
        return HAR_EIO;
    total = 8 + hlen;
    for (size_t i = 0; i < f->ntensors; i++)
        total += f->tensors[i].nbytes;
    unsigned char *out = har_malloc(total, e), *p = out;
    if (!out) {
        free(hdr);
        return HAR_EIO;
    }
    put_u64le(p, hlen);
    memcpy(p + 8, hdr, hlen);
    p += 8 + hlen;
    for (size_t i = 0; i < f->ntensors; i++) {
        if (f->tensors[i].nbytes)
            memcpy(p, f->tensors[i].data, f->tensors[i].nbytes);
        p += f->tensors[i].nbytes;
    }
    free(hdr);
    *buf = out;
    *len = total;
    return 0;
}

static int gz_put(gzFile gz, const void *data, size_t n, const char *path, har_err *e)
{
    const unsigned char *p = data;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        if (gzwrite(gz, p, chunk) != (int)chunk) {
            int zerr = Z_OK;
            const char *msg = gzerror(gz, &zerr);
            return har_fail(e, HAR_EIO, "%s: write failed: %s", path,
                            zerr == Z_ERRNO ? strerror(errno) : msg);
        }
        p += chunk;
        n -= chunk;
    }
    return 0;
}

int har_tfile_write_to(const har_tfile *f, har_out *out, har_err *e)
{
    size_t hlen = 0;
    char *hdr = build_header(f, &hlen, e);
    if (!hdr)
        return HAR_EIO;
    const char *path = out->path;
    /* Huffman-only deflate ("h"): float data has almost no repeated strings,
     * so LZ77 matching costs 3x the time for the same ratio (measured). */
    int fd = dup(out->fd);
    gzFile gz = fd >= 0 ? gzdopen(fd, "wb6h") : NULL;
    if (!gz) {
        if (fd >= 0)
            close(fd);
        free(hdr);
        return har_fail(e, HAR_EIO, "%s: cannot start gzip stream", path);
    }
    gzbuffer(gz, 1 << 18);
    unsigned char lenbuf[8];
    put_u64le(lenbuf, hlen);
    int rc = gz_put(gz, lenbuf, 8, path, e);
    if (!rc)
        rc = gz_put(gz, hdr, hlen, path, e);
    for (size_t i = 0; !rc && i < f->ntensors; i++)
        rc = gz_put(gz, f->tensors[i].data, f->tensors[i].nbytes, path, e);
    free(hdr);
    int zrc = gzclose(gz);
    if (!rc && zrc != Z_OK)
        rc = har_fail(e, HAR_EIO, "%s: write failed: %s", path, zrc == Z_ERRNO ? strerror(errno) : "gzip error");
    return rc;
}

int har_tfile_write(const har_tfile *f, const char *path, har_err *e)
{
    har_out out;
    int rc = har_out_open(&out, path, 1, e);
    if (rc)
        return rc;
    if ((rc = har_tfile_write_to(f, &out, e))) {
        har_out_abort(&out);
        return rc;
    }
    return har_out_commit(&out, e);
}
