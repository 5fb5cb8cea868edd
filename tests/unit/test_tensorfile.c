/* test_tensorfile.c - the tensor file format (lib/io/tensorfile.c); the
 * crash-safe outputs it is written through are test_outfile.c's.
 *
 * Every rule the reader enforces gets a hand-built image that breaks exactly
 * that rule, and each test checks the error code AND that the message names
 * the input and the offending tensor: "invalid file" without saying which
 * file or tensor is useless to whoever has to fix the data.
 *
 * Hand-written headers use single quotes (turned into double quotes by dq())
 * so the JSON stays readable inside C string literals. */
#define _POSIX_C_SOURCE 200809L
#include <cJSON.h>
#include <check.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include "io/outfile.h"
#include "io/tensorfile.h"
#include "testutil.h"

#define PATH_BYTES 4096

/* ---- building inputs ------------------------------------------------- */

/* Copy of s with ' replaced by ", so test headers need no escaping. */
static char *dq(const char *s)
{
    char *r = strdup(s);
    ck_assert(r != NULL);
    for (char *p = r; *p; p++)
        if (*p == '\'')
            *p = '"';
    return r;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* An image whose length field says hlen whatever the body really holds:
 * lets a test lie about the header length. */
static unsigned char *image_raw(uint64_t hlen, const void *body, size_t blen, size_t *len)
{
    unsigned char *buf = malloc(8 + blen);
    ck_assert(buf != NULL);
    put_le64(buf, hlen);
    if (blen)
        memcpy(buf + 8, body, blen);
    *len = 8 + blen;
    return buf;
}

/* Byte i of the data section of every hand-built image: distinct values, so
 * a tensor that got the wrong slice is noticed. */
static unsigned char data_byte(size_t i) { return (unsigned char)(i * 7 + 1); }

/* A correctly framed image: length field, header json, dlen data bytes. */
static unsigned char *image_json(const char *json, size_t dlen, size_t *len)
{
    char *hdr = dq(json);
    size_t hl = strlen(hdr);
    unsigned char *buf = malloc(8 + hl + dlen);
    ck_assert(buf != NULL);
    put_le64(buf, hl);
    memcpy(buf + 8, hdr, hl);
    for (size_t i = 0; i < dlen; i++)
        buf[8 + hl + i] = data_byte(i);
    *len = 8 + hl + dlen;
    free(hdr);
    return buf;
}

/* Deterministic pseudo-random bytes (an LCG): incompressible test data. */
static void fill_bytes(void *p, size_t n, uint32_t seed)
{
    unsigned char *b = p;
    uint32_t x = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (unsigned char)(x >> 24);
    }
}

/* ---- assertions ------------------------------------------------------ */

/* f must be NULL with HAR_EDATA and a message naming `label` plus n1 and n2. */
static void assert_rejected(har_tfile *f, const har_err *e, const char *label, const char *n1,
                            const char *n2)
{
    int accepted = f != NULL;
    har_tfile_free(f);
    ck_assert_msg(!accepted, "invalid input accepted (expected an error mentioning \"%s\")", n1);
    ck_assert_msg(e->code == HAR_EDATA, "code %d, expected HAR_EDATA (%d); message: %s", e->code,
                  HAR_EDATA, e->msg);
    tu_assert_contains(e->msg, label);
    tu_assert_contains(e->msg, n1);
    if (n2)
        tu_assert_contains(e->msg, n2);
}

static void reject_image(const unsigned char *buf, size_t len, const char *n1, const char *n2)
{
    har_err e = {0};
    assert_rejected(har_tfile_parse(buf, len, "mem.st", &e), &e, "mem.st", n1, n2);
}

static void reject_json(const char *json, size_t dlen, const char *n1, const char *n2)
{
    size_t len;
    unsigned char *buf = image_json(json, dlen, &len);
    reject_image(buf, len, n1, n2);
    free(buf);
}

static void reject_hlen(uint64_t hlen, const char *body, const char *n1, const char *n2)
{
    size_t len;
    unsigned char *buf = image_raw(hlen, body, strlen(body), &len);
    reject_image(buf, len, n1, n2);
    free(buf);
}

static har_tfile *accept_json(const char *json, size_t dlen)
{
    size_t len;
    unsigned char *buf = image_json(json, dlen, &len);
    har_err e = {0};
    har_tfile *f = har_tfile_parse(buf, len, "mem.st", &e);
    free(buf);
    ck_assert_msg(f != NULL, "valid image rejected: %s", e.msg);
    return f;
}

static void assert_hex64(const char *s)
{
    ck_assert_uint_eq(strlen(s), 64);
    for (const char *p = s; *p; p++)
        ck_assert_msg((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'), "not lowercase hex: %s", s);
}

static void assert_same_tfile(const har_tfile *a, const har_tfile *b)
{
    ck_assert_uint_eq(a->ntensors, b->ntensors);
    for (size_t i = 0; i < a->ntensors; i++) {
        const har_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->dtype, y->dtype);
        ck_assert_int_eq(x->ndim, y->ndim);
        for (int d = 0; d < x->ndim; d++)
            ck_assert_int_eq(x->shape[d], y->shape[d]);
        ck_assert_uint_eq(x->nbytes, y->nbytes);
        ck_assert_msg(x->nbytes == 0 || memcmp(x->data, y->data, x->nbytes) == 0,
                      "tensor '%s': data differs", x->name);
    }
    ck_assert_uint_eq(a->nmeta, b->nmeta);
    for (size_t i = 0; i < a->nmeta; i++) {
        ck_assert_str_eq(a->meta[i].key, b->meta[i].key);
        ck_assert_str_eq(a->meta[i].value, b->meta[i].value);
    }
}

/* "truncated" (zlib saw the stream end early) or "ends" (the content did). */
static void assert_truncation_msg(const char *msg)
{
    ck_assert_msg(strstr(msg, "truncated") || strstr(msg, "ends"),
                  "expected \"truncated\" or \"ends\" in \"%s\"", msg);
}

/* ---- files ----------------------------------------------------------- */

static void join(char *out, const char *dir, const char *name)
{
    snprintf(out, PATH_BYTES, "%s/%s", dir, name);
}

/* Decompressed content of a file (gzip or plain); caller frees. */
static unsigned char *gunzip_file(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    ck_assert_msg(g != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    int got;
    while ((got = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        ck_assert(buf != NULL);
    }
    ck_assert_msg(got == 0, "gzread failed on %s", path);
    ck_assert(gzclose(g) == Z_OK);
    *len = n;
    return buf;
}

static void write_ok(const har_tfile *f, const char *path)
{
    har_err e = {0};
    int rc = har_tfile_write(f, path, &e);
    ck_assert_msg(rc == 0, "write %s failed (%d): %s", path, rc, e.msg);
}

static har_tfile *read_ok(const char *path)
{
    har_err e = {0};
    har_tfile *f = har_tfile_read(path, &e);
    ck_assert_msg(f != NULL, "read %s failed: %s", path, e.msg);
    return f;
}

/* ---- sample content -------------------------------------------------- */

static har_tensor *add(har_tfile *f, const char *name, har_dtype dt, int ndim, const int64_t *shape)
{
    har_err e = {0};
    har_tensor *t = har_tfile_add(f, name, dt, ndim, shape, &e);
    ck_assert_msg(t != NULL, "add '%s': %s", name, e.msg);
    return t;
}

static void meta(har_tfile *f, const char *key, const char *value)
{
    har_err e = {0};
    ck_assert_msg(har_tfile_meta_set(f, key, value, &e) == 0, "meta_set: %s", e.msg);
}

/* Every dtype, ranks 0..8, a zero-size tensor, awkward names and metadata.
 * The float values include -0, inf, NaN and subnormals, which survive only
 * if the data is copied as bytes, never converted. */
static har_tfile *sample(void)
{
    static const float f32[] = {-0.0f, 1.5f, -2.25f, INFINITY, NAN, FLT_TRUE_MIN};
    static const double f64[] = {DBL_MAX, -DBL_MIN, 0.1, -1e-300, DBL_TRUE_MIN};
    static const int32_t i32[] = {INT32_MIN, INT32_MAX, -1, 0, 1, 123456789, -7, 42};
    static const int64_t i64s[] = {INT64_MIN};
    static const int64_t i64v[] = {INT64_MAX, -1, (int64_t)1 << 40};
    static const int64_t s_f32[] = {2, 3}, s_f64[] = {5}, s_i32[] = {2, 2, 2}, s_i64v[] = {3},
                         s_u8[] = {1, 2, 3, 4}, s_empty[] = {3, 0}, s_r8[] = {1, 2, 1, 2, 1, 2, 1, 1},
                         s_none[] = {0};
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    ck_assert(f != NULL);
    memcpy(add(f, "f32", HAR_F32, 2, s_f32)->data, f32, sizeof f32);
    memcpy(add(f, "f64", HAR_F64, 1, s_f64)->data, f64, sizeof f64);
    memcpy(add(f, "i32", HAR_I32, 3, s_i32)->data, i32, sizeof i32);
    memcpy(add(f, "i64 scalar", HAR_I64, 0, s_none)->data, i64s, sizeof i64s);
    memcpy(add(f, "i64", HAR_I64, 1, s_i64v)->data, i64v, sizeof i64v);
    har_tensor *u8 = add(f, "u8", HAR_U8, 4, s_u8);
    for (size_t i = 0; i < u8->nbytes; i++)
        ((unsigned char *)u8->data)[i] = (unsigned char)(255 - i * 11);
    add(f, "empty", HAR_F32, 2, s_empty);
    fill_bytes(add(f, "rank8", HAR_U8, 8, s_r8)->data, 8, 1);
    fill_bytes(add(f, "w\"eird/\xc3\xa9 name", HAR_U8, 1, s_u8)->data, 1, 2);
    meta(f, "zeta", "inserted first");
    meta(f, "alpha", "two");
    meta(f, "unicode", "h\xc3\xa9llo \xe2\x9c\x93");
    meta(f, "empty", "");
    meta(f, "escapes", "quote \" backslash \\ newline \n tab \t ctrl \x01");
    return f;
}

/* A file large enough that its compressed body spans many deflate blocks. */
static har_tfile *sample_big(size_t nfloats)
{
    har_tfile *f = sample();
    int64_t shape[] = {(int64_t)nfloats};
    fill_bytes(add(f, "big", HAR_F32, 1, shape)->data, nfloats * 4, 7);
    return f;
}

/* ---- dtypes, digests ------------------------------------------------- */

START_TEST(test_dtype_names_sizes_numel)
{
    static const char *names[] = {"F32", "F64", "I32", "I64", "U8"};
    static const size_t sizes[] = {4, 8, 4, 8, 1};
    har_dtype all[] = {HAR_F32, HAR_F64, HAR_I32, HAR_I64, HAR_U8};
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(har_dtype_name(all[i]), names[i]);
        ck_assert_uint_eq(har_dtype_size(all[i]), sizes[i]);
    }
    har_tensor t = {.ndim = 3, .shape = {2, 3, 4}};
    ck_assert_int_eq(har_tensor_numel(&t), 24);
    t.ndim = 0;
    ck_assert_int_eq(har_tensor_numel(&t), 1); /* a scalar holds one value */
    t.ndim = 2;
    t.shape[1] = 0;
    ck_assert_int_eq(har_tensor_numel(&t), 0);
}
END_TEST

/* Digests are compared against har_sha256_hex elsewhere, so pin that to the
 * published SHA-256 test vectors first. */
START_TEST(test_sha256_known_vectors)
{
    char hex[HAR_SHA256_HEX];
    har_err e = {0};
    ck_assert_int_eq(har_sha256_hex("abc", 3, hex, &e), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(har_sha256_hex("", 0, hex, &e), 0);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

/* ---- building files in memory ---------------------------------------- */

START_TEST(test_add_zero_fills_and_sizes)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t shape[] = {10, 100};
    har_tensor *t = add(f, "z", HAR_F64, 2, shape);
    ck_assert_uint_eq(t->nbytes, 8000);
    for (size_t i = 0; i < t->nbytes; i++)
        ck_assert_int_eq(((unsigned char *)t->data)[i], 0);
    ck_assert_ptr_eq(har_tfile_get(f, "z"), t);
    ck_assert_ptr_null(har_tfile_get(f, "Z")); /* names are case-sensitive */
    ck_assert_str_eq(f->digest, "");          /* built, not read */
    har_tfile_free(f);
}
END_TEST

START_TEST(test_add_refuses_duplicate_and_reserved_names)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t two[] = {2}, three[] = {3};
    har_tensor *x = add(f, "x", HAR_F32, 1, two);
    ((float *)x->data)[0] = 5.0f;

    ck_assert_ptr_null(har_tfile_add(f, "x", HAR_U8, 1, three, &e));
    ck_assert_int_ne(e.code, 0);
    tu_assert_contains(e.msg, "'x'");
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_add(f, "__metadata__", HAR_U8, 1, three, &e));
    ck_assert_int_ne(e.code, 0);
    tu_assert_contains(e.msg, "__metadata__");
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_add(f, "", HAR_U8, 1, three, &e));
    ck_assert_int_ne(e.code, 0);

    /* The refusals left the file as it was. */
    ck_assert_uint_eq(f->ntensors, 1);
    x = har_tfile_get(f, "x");
    ck_assert_int_eq(x->dtype, HAR_F32);
    ck_assert_int_eq(x->shape[0], 2);
    ck_assert(((float *)x->data)[0] == 5.0f);
    har_tfile_free(f);
}
END_TEST

START_TEST(test_add_refuses_bad_shapes)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t neg[] = {3, -1}, nine[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    int64_t huge[] = {(int64_t)1 << 40, (int64_t)1 << 40}; /* 2^82 bytes */
    ck_assert_ptr_null(har_tfile_add(f, "neg", HAR_F32, 2, neg, &e));
    ck_assert_int_ne(e.code, 0);
    tu_assert_contains(e.msg, "'neg'");
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_add(f, "nine", HAR_F32, 9, nine, &e));
    ck_assert_int_ne(e.code, 0);
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_add(f, "minus", HAR_F32, -1, nine, &e));
    ck_assert_int_ne(e.code, 0);
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_add(f, "huge", HAR_U8, 2, huge, &e));
    ck_assert_int_ne(e.code, 0);
    ck_assert_uint_eq(f->ntensors, 0);
    har_tfile_free(f);
}
END_TEST

/* adopt takes ownership even when it fails: LeakSanitizer fails this test
 * if the refused buffers are not freed. */
START_TEST(test_adopt_frees_refused_buffer)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t two[] = {2};
    ck_assert_ptr_nonnull(har_tfile_adopt(f, "a", HAR_I32, 1, two, calloc(2, 4), &e));
    ck_assert_ptr_null(har_tfile_adopt(f, "a", HAR_I32, 1, two, calloc(2, 4), &e));
    ck_assert_ptr_null(har_tfile_adopt(f, "__metadata__", HAR_I32, 1, two, calloc(2, 4), &e));
    int64_t neg[] = {-2};
    ck_assert_ptr_null(har_tfile_adopt(f, "b", HAR_I32, 1, neg, malloc(8), &e));
    ck_assert_uint_eq(f->ntensors, 1);
    har_tfile_free(f);
}
END_TEST

START_TEST(test_meta_set_overwrites_and_copy)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e), *src = har_tfile_new(&e);
    meta(f, "a", "1");
    meta(f, "b", "2");
    meta(f, "a", "3");
    ck_assert_uint_eq(f->nmeta, 2);
    ck_assert_str_eq(har_tfile_meta_get(f, "a"), "3");
    ck_assert_str_eq(f->meta[0].key, "a"); /* overwriting keeps the key's place */
    ck_assert_ptr_null(har_tfile_meta_get(f, "c"));

    ck_assert_int_eq(har_tfile_meta_setf(f, &e, "n", "%d-%s-%.2f", 42, "x", 0.5), 0);
    ck_assert_str_eq(har_tfile_meta_get(f, "n"), "42-x-0.50");

    meta(src, "a", "from src");
    meta(src, "z", "new");
    ck_assert_int_eq(har_tfile_meta_copy(f, src, &e), 0);
    ck_assert_uint_eq(f->nmeta, 4);
    ck_assert_str_eq(har_tfile_meta_get(f, "a"), "from src");
    ck_assert_str_eq(har_tfile_meta_get(f, "b"), "2");
    ck_assert_str_eq(har_tfile_meta_get(f, "z"), "new");
    ck_assert_uint_eq(src->nmeta, 2); /* the source is not modified */
    har_tfile_free(src);
    har_tfile_free(f);
}
END_TEST

/* After an overwrite the written header must hold the key once, with the
 * new value (a stale duplicate would make the file unreadable). */
START_TEST(test_meta_overwrite_survives_write)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "m.st.gz");
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    meta(f, "k", "old");
    meta(f, "k", "new");
    write_ok(f, path);
    har_tfile *g = read_ok(path);
    ck_assert_uint_eq(g->nmeta, 1);
    ck_assert_str_eq(har_tfile_meta_get(g, "k"), "new");
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- round trips ----------------------------------------------------- */

START_TEST(test_roundtrip_every_dtype_gz)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "sample.st.gz");
    har_tfile *f = sample();
    write_ok(f, path);
    har_tfile *g = read_ok(path);
    assert_same_tfile(f, g);
    ck_assert_str_eq(g->source, path);

    /* The file is gzip, and what it decompresses to is exactly the
     * serialised image, whose SHA-256 is the digest. */
    size_t rawlen, plainlen, imglen;
    unsigned char *raw = (unsigned char *)tu_read_file(path, &rawlen);
    ck_assert(rawlen > 18 && raw[0] == 0x1f && raw[1] == 0x8b);
    unsigned char *plain = gunzip_file(path, &plainlen), *img = NULL;
    har_err e = {0};
    ck_assert_int_eq(har_tfile_serialize(f, &img, &imglen, &e), 0);
    ck_assert_uint_eq(plainlen, imglen);
    ck_assert(memcmp(plain, img, imglen) == 0);
    char hex[HAR_SHA256_HEX];
    ck_assert_int_eq(har_sha256_hex(img, imglen, hex, &e), 0);
    assert_hex64(g->digest);
    ck_assert_str_eq(g->digest, hex);

    free(raw);
    free(plain);
    free(img);
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Plain safetensors is accepted on input, with the same digest as the gzip
 * file holding the same image (the digest is of the content, not the file). */
START_TEST(test_roundtrip_plain_file)
{
    char *dir = tu_tmpdir(), plain[PATH_BYTES], gz[PATH_BYTES];
    join(plain, dir, "sample.safetensors");
    join(gz, dir, "sample.st.gz");
    har_tfile *f = sample();
    unsigned char *img;
    size_t len;
    har_err e = {0};
    ck_assert_int_eq(har_tfile_serialize(f, &img, &len, &e), 0);
    tu_write_file(plain, (const char *)img, len);
    write_ok(f, gz);
    har_tfile *a = read_ok(plain), *b = read_ok(gz);
    assert_same_tfile(f, a);
    assert_same_tfile(f, b);
    ck_assert_str_eq(a->digest, b->digest);
    assert_hex64(a->digest);

    /* And the in-memory parser agrees with both. */
    har_tfile *c = har_tfile_parse(img, len, "img", &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    assert_same_tfile(f, c);
    ck_assert_str_eq(c->digest, a->digest);
    ck_assert_str_eq(c->source, "img");

    free(img);
    har_tfile_free(a);
    har_tfile_free(b);
    har_tfile_free(c);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Several MB of incompressible data: many gzip buffer flushes and refills. */
START_TEST(test_roundtrip_large_tensor)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "big.st.gz");
    har_tfile *f = sample_big(900 * 1000);
    write_ok(f, path);
    har_tfile *g = read_ok(path);
    assert_same_tfile(f, g);
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_roundtrip_empty_file)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "empty.st.gz");
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    write_ok(f, path);
    har_tfile *g = read_ok(path);
    ck_assert_uint_eq(g->ntensors, 0);
    ck_assert_uint_eq(g->nmeta, 0);
    assert_hex64(g->digest);
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Writes f, reads it back and asserts nothing changed. */
static void assert_write_read_same(const har_tfile *f)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "rt.st.gz");
    write_ok(f, path);
    har_tfile *g = read_ok(path);
    assert_same_tfile(f, g);
    har_tfile_free(g);
    tu_rmtree(dir);
    free(dir);
}

/* A zero dimension makes a tensor empty whatever its other sizes, so sizes
 * beyond INT_MAX reach the JSON writer and must come back exact. */
START_TEST(test_roundtrip_large_dims_of_empty_tensor)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    /* The zero comes early in b: the size check multiplies left to right and
     * refuses a partial product past 2^53 even if a later dimension is 0. */
    int64_t a[] = {0, 2147483648LL, 4294967297LL}, b[] = {3, 0, 1000000000001LL, 1234567890123457LL};
    add(f, "a", HAR_F32, 3, a);
    add(f, "b", HAR_I64, 4, b);
    assert_write_read_same(f);
    har_tfile_free(f);
}
END_TEST

/* The reader accepts sizes up to 2^53 (exact in a double), so the writer
 * must write them exactly: 9007199254740991 must not come back as ...990. */
START_TEST(test_roundtrip_dims_near_2_pow_53)
{
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t a[] = {0, (int64_t)1 << 53}, b[] = {0, ((int64_t)1 << 53) - 1}, c[] = {0, 4503599627370497LL};
    add(f, "a", HAR_U8, 2, a);
    add(f, "b", HAR_U8, 2, b);
    add(f, "c", HAR_U8, 2, c);
    assert_write_read_same(f);
    har_tfile_free(f);
}
END_TEST

/* Whatever har_tfile_add accepts, har_tfile_write must turn into a file that
 * har_tfile_read gives back unchanged: a tool must never produce an artifact
 * that the next tool refuses.  (Refusing the shape in add is fine too.) */
START_TEST(test_added_shape_is_readable_back)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "dims.st.gz");
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t shape[] = {0, ((int64_t)1 << 53) + 2};
    if (har_tfile_add(f, "t", HAR_F32, 2, shape, &e)) {
        int rc = har_tfile_write(f, path, &e);
        if (rc == 0) {
            har_tfile *g = har_tfile_read(path, &e);
            ck_assert_msg(g != NULL, "har_tfile_add accepted shape [0, 2^53+2] and har_tfile_write "
                                     "wrote it, but har_tfile_read refuses the file: %s", e.msg);
            assert_same_tfile(f, g);
            har_tfile_free(g);
        }
    }
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_write_is_deterministic)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], b[PATH_BYTES], c[PATH_BYTES];
    join(a, dir, "a.st.gz");
    join(b, dir, "b.st.gz");
    join(c, dir, "c.st.gz");
    har_tfile *f = sample_big(5000);
    write_ok(f, a);
    write_ok(f, b);
    ck_assert_msg(tu_same_file(a, b), "two writes of the same data differ");
    /* Reading and writing back is a fixed point too (no timestamps, same order). */
    har_tfile *g = read_ok(a);
    write_ok(g, c);
    ck_assert_msg(tu_same_file(a, c), "read + write changed the file");
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Checks the serialised image field by field against the safetensors layout. */
static void check_layout(const har_tfile *f, const unsigned char *buf, size_t len)
{
    ck_assert_uint_ge(len, 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    ck_assert_uint_eq((8 + n) % 8, 0); /* data starts 8-byte aligned */
    ck_assert_uint_le(8 + n, len);
    ck_assert_int_eq(buf[8], '{');
    const char *hdr = (const char *)buf + 8, *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, (size_t)n, &end, 0);
    ck_assert_msg(root != NULL, "header is not JSON");
    for (const char *p = end; p < hdr + n; p++)
        ck_assert_msg(*p == ' ', "header padding byte 0x%02x is not a space", (unsigned char)*p);
    uint64_t at = 0;
    for (size_t i = 0; i < f->ntensors; i++) {
        const har_tensor *t = &f->tensors[i];
        const cJSON *jt = cJSON_GetObjectItemCaseSensitive(root, t->name);
        ck_assert_msg(jt != NULL, "tensor '%s' missing from header", t->name);
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(jt, "dtype");
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(jt, "shape");
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(jt, "data_offsets");
        ck_assert(cJSON_IsString(dt) && cJSON_IsArray(sh) && cJSON_IsArray(off));
        ck_assert_str_eq(dt->valuestring, har_dtype_name(t->dtype));
        ck_assert_int_eq(cJSON_GetArraySize(sh), t->ndim);
        for (int d = 0; d < t->ndim; d++)
            ck_assert(cJSON_GetArrayItem(sh, d)->valuedouble == (double)t->shape[d]);
        /* Offsets are relative to the data section, contiguous from 0. */
        ck_assert_int_eq(cJSON_GetArraySize(off), 2);
        ck_assert(cJSON_GetArrayItem(off, 0)->valuedouble == (double)at);
        ck_assert(cJSON_GetArrayItem(off, 1)->valuedouble == (double)(at + t->nbytes));
        ck_assert_msg(t->nbytes == 0 || memcmp(buf + 8 + n + at, t->data, t->nbytes) == 0,
                      "data of '%s' misplaced", t->name);
        at += t->nbytes;
    }
    ck_assert_uint_eq(8 + n + at, len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    ck_assert(cJSON_IsObject(m));
    /* The metadata, and last the payload's CRC-32. */
    ck_assert_int_eq(cJSON_GetArraySize(m), (int)f->nmeta + 1);
    unsigned long crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < f->ntensors; i++)
        crc = crc32(crc, f->tensors[i].data, (uInt)f->tensors[i].nbytes);
    char crc_hex[16];
    snprintf(crc_hex, sizeof crc_hex, "%08lx", crc);
    const cJSON *last = cJSON_GetArrayItem(m, (int)f->nmeta);
    ck_assert_str_eq(last->string, HAR_PAYLOAD_CRC_KEY);
    ck_assert_str_eq(last->valuestring, crc_hex);
    for (size_t i = 0; i < f->nmeta; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, f->meta[i].key);
        ck_assert_msg(cJSON_IsString(v), "metadata '%s' missing", f->meta[i].key);
        ck_assert_str_eq(v->valuestring, f->meta[i].value);
    }
    ck_assert_int_eq(cJSON_GetArraySize(root), (int)f->ntensors + 1);
    cJSON_Delete(root);
}

/* A flipped bit anywhere in the payload of a plain (uncompressed) file is
 * named as corruption; a flipped bit anywhere in a gzip file's compressed
 * stream is refused too (gzip's own CRC, or the payload's).  Only the gzip
 * header's informational bytes (flags' text bit, mtime, xfl, os) may change
 * without an error, and they carry no data. */
START_TEST(test_flipped_bytes_are_refused)
{
    har_tfile *f = sample();
    unsigned char *img;
    size_t len;
    har_err e = {0};
    ck_assert_int_eq(har_tfile_serialize(f, &img, &len, &e), 0);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | img[i];
    for (size_t i = 8 + (size_t)hlen; i < len; i++) {
        img[i] ^= 0x10;
        har_err e2 = {0};
        har_tfile *g = har_tfile_parse(img, len, "mem.st", &e2);
        ck_assert_msg(g == NULL, "flipped payload byte %zu accepted", i);
        ck_assert_int_eq(e2.code, HAR_EDATA);
        tu_assert_contains(e2.msg, "mem.st");
        tu_assert_contains(e2.msg, "corrupt");
        img[i] ^= 0x10;
    }
    free(img);

    char *dir = tu_tmpdir(), path[PATH_BYTES], bad[PATH_BYTES];
    join(path, dir, "f.st.gz");
    join(bad, dir, "bad.st.gz");
    write_ok(f, path);
    size_t n;
    unsigned char *gz = (unsigned char *)tu_read_file(path, &n);
    for (size_t i = 0; i < n; i++) {
        if (i == 3 || (i >= 4 && i <= 9))
            continue; /* FLG (only its FTEXT bit flips here), MTIME, XFL, OS */
        gz[i] ^= 0x01;
        tu_write_file(bad, (const char *)gz, n);
        har_err e2 = {0};
        har_tfile *g = har_tfile_read(bad, &e2);
        ck_assert_msg(g == NULL, "flipped gzip byte %zu of %zu accepted", i, n);
        ck_assert_int_ne(e2.code, 0);
        tu_assert_contains(e2.msg, "bad.st.gz");
        gz[i] ^= 0x01;
    }
    free(gz);
    tu_rmtree(dir);
    free(dir);
    har_tfile_free(f);
}
END_TEST

/* A gzip file cannot inflate to more than 1032 times its size: a header
 * declaring more data than that (a gzip bomb, a truncated file) is refused
 * before the data is allocated.  Data that compresses as well as deflate
 * can (zeros) still reads. */
START_TEST(test_gzip_bomb_refused_before_allocation)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "bomb.st.gz");
    /* 4 GiB of U8 declared, a few hundred bytes of file. */
    const char *hdr = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,4294967296]}}";
    size_t hl = strlen(hdr), len = 8 + hl + 4096;
    unsigned char *img = calloc(1, len);
    put_le64(img, hl);
    memcpy(img + 8, hdr, hl);
    tu_write_gz(path, (const char *)img, len);
    free(img);
    /* Allocating the declared 4 GiB would fail under this address-space limit. */
    struct rlimit old, lim;
    getrlimit(RLIMIT_AS, &old);
    lim = old;
    if (!tu_sanitized()) {
        lim.rlim_cur = (rlim_t)1 << 31;
        setrlimit(RLIMIT_AS, &lim);
    }
    har_err e = {0};
    har_tfile *f = har_tfile_read(path, &e);
    setrlimit(RLIMIT_AS, &old);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(e.code, HAR_EDATA);
    tu_assert_contains(e.msg, "bomb.st.gz");
    tu_assert_contains(e.msg, "tensor 'a'");
    tu_assert_contains(e.msg, "gzip bomb");

    /* 8 MB of zeros: about 8 KB of gzip, well within deflate's ratio. */
    har_tfile *z = har_tfile_new(&e);
    int64_t shape[1] = {8 << 20};
    ck_assert_ptr_nonnull(har_tfile_add(z, "zeros", HAR_U8, 1, shape, &e));
    assert_write_read_same(z);
    har_tfile_free(z);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A checksum copied from an input file (metadata carried over) is replaced
 * by the new payload's; a malformed recorded checksum is named. */
START_TEST(test_checksum_is_recomputed_and_validated)
{
    har_tfile *f = sample();
    meta(f, HAR_PAYLOAD_CRC_KEY, "00000000");
    unsigned char *img;
    size_t len;
    har_err e = {0};
    ck_assert_int_eq(har_tfile_serialize(f, &img, &len, &e), 0);
    har_tfile *g = har_tfile_parse(img, len, "mem.st", &e);
    ck_assert_msg(g != NULL, "%s", e.msg);
    ck_assert_ptr_null(har_tfile_meta_get(g, HAR_PAYLOAD_CRC_KEY));
    har_tfile_free(g);
    free(img);
    har_tfile_free(f);
    reject_json("{'__metadata__':{'payload_crc32':'12345'},'a':{'dtype':'U8','shape':[2],'data_offsets':[0,2]}}", 2,
                "payload_crc32", "8 lowercase hex digits");
}
END_TEST

START_TEST(test_serialize_layout)
{
    har_tfile *f = sample();
    /* A header longer than 255 bytes, so a big-endian length would differ. */
    char longv[301];
    memset(longv, 'v', 300);
    longv[300] = '\0';
    meta(f, "long", longv);
    unsigned char *buf;
    size_t len;
    har_err e = {0};
    ck_assert_int_eq(har_tfile_serialize(f, &buf, &len, &e), 0);
    ck_assert_uint_gt(buf[1], 0);
    for (int i = 2; i < 8; i++)
        ck_assert_int_eq(buf[i], 0);
    check_layout(f, buf, len);
    free(buf);
    har_tfile_free(f);
}
END_TEST

/* ---- accepted edge cases of hand-built headers ----------------------- */

/* The header may list tensors in any order; the reader returns them in data
 * order, each with its own slice. */
START_TEST(test_header_order_differs_from_data_order)
{
    har_tfile *f = accept_json("{'b':{'dtype':'U8','shape':[2],'data_offsets':[2,4]},"
                               "'__metadata__':{'k':'v'},"
                               "'a':{'dtype':'U8','shape':[2],'data_offsets':[0,2]}}",
                               4);
    ck_assert_uint_eq(f->ntensors, 2);
    ck_assert_str_eq(f->tensors[0].name, "a");
    ck_assert_str_eq(f->tensors[1].name, "b");
    const unsigned char *a = har_tfile_get(f, "a")->data, *b = har_tfile_get(f, "b")->data;
    ck_assert_int_eq(a[0], data_byte(0));
    ck_assert_int_eq(a[1], data_byte(1));
    ck_assert_int_eq(b[0], data_byte(2));
    ck_assert_int_eq(b[1], data_byte(3));
    ck_assert_str_eq(har_tfile_meta_get(f, "k"), "v");
    har_tfile_free(f);
}
END_TEST

START_TEST(test_accepts_zero_size_and_eight_dims)
{
    har_tfile *f = accept_json("{'z':{'dtype':'F64','shape':[0,5],'data_offsets':[4,4]},"
                               "'a':{'dtype':'U8','shape':[1,1,1,1,1,1,2,2],'data_offsets':[0,4]},"
                               "'e':{'dtype':'I32','shape':[0],'data_offsets':[0,0]}}",
                               4);
    ck_assert_uint_eq(f->ntensors, 3);
    har_tensor *a = har_tfile_get(f, "a"), *z = har_tfile_get(f, "z");
    ck_assert_int_eq(a->ndim, 8);
    ck_assert_uint_eq(a->nbytes, 4);
    ck_assert_int_eq(((unsigned char *)a->data)[3], data_byte(3));
    ck_assert_uint_eq(z->nbytes, 0);
    ck_assert_int_eq(z->shape[1], 5);
    har_tfile_free(f);
}
END_TEST

/* "{}" is the smallest valid header; trailing spaces are the padding the
 * writer itself uses. */
START_TEST(test_accepts_minimal_and_padded_headers)
{
    har_tfile *f = accept_json("{}", 0);
    ck_assert_uint_eq(f->ntensors, 0);
    unsigned char img[10];
    put_le64(img, 2);
    memcpy(img + 8, "{}", 2);
    char hex[HAR_SHA256_HEX];
    har_err e = {0};
    har_sha256_hex(img, sizeof img, hex, &e);
    ck_assert_str_eq(f->digest, hex);
    har_tfile_free(f);
    f = accept_json("{'__metadata__':{'k':'v'}}      \n\t ", 0);
    ck_assert_str_eq(har_tfile_meta_get(f, "k"), "v");
    har_tfile_free(f);
}
END_TEST

/* ---- rejected headers (in memory) ------------------------------------ */

START_TEST(test_reject_duplicate_names)
{
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                "'a':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}",
                8, "duplicate", "'a'");
    reject_json("{'__metadata__':{},'__metadata__':{}}", 0, "duplicate", "__metadata__");
    reject_json("{'__metadata__':{'k':'1','k':'2'}}", 0, "duplicate metadata key", "'k'");
}
END_TEST

START_TEST(test_reject_overlapping_offsets)
{
    reject_json("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},"
                "'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}",
                12, "overlap", "'b'");
    /* Two tensors on the very same bytes. */
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                "'b':{'dtype':'I32','shape':[1],'data_offsets':[0,4]}}",
                4, "overlap", "'b'");
}
END_TEST

START_TEST(test_reject_gap_between_offsets)
{
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                "'b':{'dtype':'F32','shape':[1],'data_offsets':[8,12]}}",
                12, "contiguous", "'b'");
    /* Data must start at offset 0. */
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}", 8, "'a'", "begin at 4");
    /* A zero-size tensor placed beyond the data is still out of place. */
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                "'z':{'dtype':'F32','shape':[0],'data_offsets':[8,8]}}",
                4, "'z'", "contiguous");
}
END_TEST

START_TEST(test_reject_offsets_past_end)
{
    reject_json("{'a':{'dtype':'F32','shape':[4],'data_offsets':[0,16]}}", 8, "file ends", "'a'");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},"
                "'b':{'dtype':'U8','shape':[4],'data_offsets':[4,8]}}",
                6, "file ends", "'b'");
}
END_TEST

START_TEST(test_reject_shape_bytes_mismatch)
{
    reject_json("{'a':{'dtype':'F32','shape':[3],'data_offsets':[0,8]}}", 8, "'a'", "needs 12 bytes");
    reject_json("{'a':{'dtype':'F64','shape':[2,2],'data_offsets':[0,16]}}", 16, "'a'", "needs 32 bytes");
    /* A scalar is one element, not zero. */
    reject_json("{'s':{'dtype':'I64','shape':[],'data_offsets':[0,0]}}", 0, "'s'", "needs 8 bytes");
}
END_TEST

START_TEST(test_reject_unknown_dtype)
{
    reject_json("{'a':{'dtype':'F16','shape':[2],'data_offsets':[0,4]}}", 4, "'a'", "'F16'");
    reject_json("{'a':{'dtype':'BOOL','shape':[1],'data_offsets':[0,1]}}", 1, "'a'", "'BOOL'");
    reject_json("{'a':{'dtype':'f32','shape':[1],'data_offsets':[0,4]}}", 4, "'a'", "'f32'");
    reject_json("{'a':{'dtype':4,'shape':[1],'data_offsets':[0,4]}}", 4, "'a'", "dtype");
}
END_TEST

START_TEST(test_reject_header_length_out_of_range)
{
    reject_hlen(100000001, "{}", "header length 100000001", NULL);
    reject_hlen(UINT64_MAX, "{}", "header length 18446744073709551615", NULL);
    reject_hlen(1, "{", "header length 1", NULL);
    reject_hlen(0, "", "header length 0", NULL);
    /* Exactly 100 MB is allowed: the error is then about the missing bytes. */
    reject_hlen(100000000, "{}", "file ends", "JSON header");
    /* A declared header longer than the input. */
    reject_hlen(100, "{'a':1}", "file ends", "JSON header");
}
END_TEST

START_TEST(test_reject_short_length_field)
{
    static const unsigned char five[] = {2, 0, 0, 0, 0};
    reject_image(five, sizeof five, "file ends", "header length");
    reject_image(five, 0, "file ends", "header length");
}
END_TEST

START_TEST(test_reject_header_not_json)
{
    reject_json("{not json}", 0, "not valid JSON", NULL);
    reject_json("{'a':", 0, "not valid JSON", NULL);
    reject_json("[1,2]", 0, "not a JSON object", NULL);
    reject_json("'str'", 0, "not a JSON object", NULL);
    reject_json(" {}", 0, "not a JSON object", NULL);
    /* A NUL inside the header must not cut it short. */
    static const char nul[] = "{}\0xx";
    size_t len;
    unsigned char *buf = image_raw(sizeof nul - 1, nul, sizeof nul - 1, &len);
    reject_image(buf, len, "not a JSON object", NULL);
    free(buf);
}
END_TEST

START_TEST(test_reject_garbage_after_json)
{
    reject_json("{}x", 0, "data after the JSON object", NULL);
    reject_json("{}{}", 0, "data after the JSON object", NULL);
    reject_json("{'__metadata__':{'k':'v'}}   ,", 0, "data after the JSON object", NULL);
}
END_TEST

START_TEST(test_reject_bad_metadata)
{
    reject_json("{'__metadata__':{'k':5}}", 0, "not a string", "'k'");
    reject_json("{'__metadata__':{'ok':'1','n':null}}", 0, "not a string", "'n'");
    reject_json("{'__metadata__':{'o':{'x':'y'}}}", 0, "not a string", "'o'");
    reject_json("{'__metadata__':['x']}", 0, "__metadata__", "object");
    reject_json("{'__metadata__':'x'}", 0, "__metadata__", "object");
}
END_TEST

START_TEST(test_reject_trailing_bytes)
{
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 6, "trailing", "2 bytes");
    reject_json("{}", 3, "trailing", "3 bytes");
}
END_TEST

START_TEST(test_reject_bad_entry_fields)
{
    reject_json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4],'extra':1}}", 4, "'a'", "'extra'");
    reject_json("{'a':{'dtype':'F32','dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 4, "'a'",
                "duplicate header field 'dtype'");
    reject_json("{'a':{'dtype':'F32','data_offsets':[0,4]}}", 4, "'a'", "shape");
    reject_json("{'a':{'dtype':'F32','shape':[1]}}", 4, "'a'", "data_offsets");
    reject_json("{'a':5}", 0, "'a'", "not an object");
    reject_json("{'a':[]}", 0, "'a'", "not an object");
}
END_TEST

START_TEST(test_reject_too_many_dims)
{
    reject_json("{'a':{'dtype':'U8','shape':[1,1,1,1,1,1,1,1,1],'data_offsets':[0,1]}}", 1, "'a'",
                "at most 8");
    reject_json("{'a':{'dtype':'U8','shape':1,'data_offsets':[0,1]}}", 1, "'a'", "shape");
}
END_TEST

START_TEST(test_reject_bad_shape_entries)
{
    reject_json("{'a':{'dtype':'U8','shape':[-1],'data_offsets':[0,0]}}", 0, "'a'", "non-negative integers");
    reject_json("{'a':{'dtype':'U8','shape':[2,-3],'data_offsets':[0,6]}}", 6, "'a'", "non-negative");
    reject_json("{'a':{'dtype':'U8','shape':[1.5],'data_offsets':[0,1]}}", 1, "'a'", "integers");
    reject_json("{'a':{'dtype':'U8','shape':['2'],'data_offsets':[0,2]}}", 2, "'a'", "integers");
    reject_json("{'a':{'dtype':'U8','shape':[true],'data_offsets':[0,1]}}", 1, "'a'", "integers");
    reject_json("{'a':{'dtype':'U8','shape':[0,1e300],'data_offsets':[0,0]}}", 0, "'a'", "integers");
}
END_TEST

START_TEST(test_reject_bad_data_offsets)
{
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':[4,0]}}", 4, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':[4]}}", 4, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4,8]}}", 4, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':[-4,0]}}", 4, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':['0','4']}}", 4, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[1],'data_offsets':[0.5,1.5]}}", 1, "'a'", "data_offsets");
    reject_json("{'a':{'dtype':'U8','shape':[4],'data_offsets':{'b':0,'e':4}}}", 4, "'a'", "data_offsets");
}
END_TEST

/* A header may promise more data than any machine has; that must be an
 * error before allocating (under ASan a 4 PB malloc would abort the test). */
START_TEST(test_reject_data_larger_than_memory)
{
    reject_json("{'a':{'dtype':'U8','shape':[4503599627370496],'data_offsets':[0,4503599627370496]}}", 0,
                "memory", NULL);
}
END_TEST

/* An empty tensor name cannot be written by har, so the reader may refuse
 * it, but as a data error naming the file (exit status 1), not as a usage
 * error (exit status 2) about nothing in particular. */
START_TEST(test_reject_empty_tensor_name_as_data_error)
{
    size_t len;
    unsigned char *buf = image_json("{'':{'dtype':'U8','shape':[1],'data_offsets':[0,1]}}", 1, &len);
    har_err e = {0};
    har_tfile *f = har_tfile_parse(buf, len, "mem.st", &e);
    free(buf);
    if (f) {
        ck_assert_uint_eq(f->ntensors, 1); /* accepting it is fine as well */
        har_tfile_free(f);
        return;
    }
    ck_assert_msg(e.code == HAR_EDATA, "code %d, expected HAR_EDATA; message: %s", e.code, e.msg);
    tu_assert_contains(e.msg, "mem.st");
}
END_TEST

/* ---- rejected inputs through files ----------------------------------- */

/* Writes buf as a plain and as a gzip file and expects both rejected with
 * messages naming the path. */
static void reject_files(const char *dir, const unsigned char *buf, size_t len, const char *n1,
                         const char *n2)
{
    char plain[PATH_BYTES], gz[PATH_BYTES];
    join(plain, dir, "bad.safetensors");
    join(gz, dir, "bad.st.gz");
    tu_write_file(plain, (const char *)buf, len);
    tu_write_gz(gz, (const char *)buf, len);
    har_err e = {0};
    assert_rejected(har_tfile_read(plain, &e), &e, plain, n1, n2);
    e = (har_err){0};
    assert_rejected(har_tfile_read(gz, &e), &e, gz, n1, n2);
}

static void reject_json_files(const char *dir, const char *json, size_t dlen, const char *n1,
                              const char *n2)
{
    size_t len;
    unsigned char *buf = image_json(json, dlen, &len);
    reject_files(dir, buf, len, n1, n2);
    free(buf);
}

START_TEST(test_reject_via_files)
{
    char *dir = tu_tmpdir();
    reject_json_files(dir,
                      "{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},"
                      "'a':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}",
                      8, "duplicate", "'a'");
    reject_json_files(dir, "{'a':{'dtype':'F16','shape':[2],'data_offsets':[0,4]}}", 4, "'a'", "'F16'");
    reject_json_files(dir, "{'a':{'dtype':'F32','shape':[4],'data_offsets':[0,16]}}", 8, "ends",
                      "tensor 'a'");
    reject_json_files(dir, "{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 5, "trailing", NULL);
    reject_json_files(dir, "{'a':{'dtype':'U8','shape':[-1],'data_offsets':[0,0]}}", 0, "'a'",
                      "non-negative");
    reject_json_files(dir, "{}x", 0, "data after the JSON object", NULL);
    size_t len;
    unsigned char *buf = image_raw(200000000, "{}", 2, &len);
    reject_files(dir, buf, len, "header length 200000000", NULL);
    free(buf);
    /* An empty file, plain or gzip. */
    reject_files(dir, (const unsigned char *)"", 0, "ends", "header length");
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_read_missing_file_and_directory)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    join(path, dir, "nope.st.gz");
    har_err e = {0};
    ck_assert_ptr_null(har_tfile_read(path, &e));
    ck_assert_int_eq(e.code, HAR_EIO);
    tu_assert_contains(e.msg, path);
    e = (har_err){0};
    ck_assert_ptr_null(har_tfile_read(dir, &e));
    ck_assert_int_eq(e.code, HAR_EIO);
    tu_assert_contains(e.msg, "directory");
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- gzip integrity -------------------------------------------------- */

START_TEST(test_gz_truncated_is_an_error)
{
    char *dir = tu_tmpdir(), full[PATH_BYTES], cut[PATH_BYTES];
    join(full, dir, "full.st.gz");
    join(cut, dir, "cut.st.gz");
    har_tfile *f = sample_big(4096);
    write_ok(f, full);
    size_t n;
    char *raw = tu_read_file(full, &n);
    static const size_t cuts[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 64, 1000};
    for (size_t i = 0; i <= sizeof cuts / sizeof cuts[0]; i++) {
        size_t keep = i < sizeof cuts / sizeof cuts[0] ? n - cuts[i] : n / 2;
        tu_write_file(cut, raw, keep);
        har_err e = {0};
        har_tfile *g = har_tfile_read(cut, &e);
        int accepted = g != NULL;
        har_tfile_free(g);
        ck_assert_msg(!accepted, "file truncated to %zu of %zu bytes was accepted", keep, n);
        ck_assert_int_eq(e.code, HAR_EDATA);
        tu_assert_contains(e.msg, cut);
        assert_truncation_msg(e.msg);
    }
    free(raw);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A flipped byte in the deflate data or the trailer (CRC-32, length) must be
 * an error, never a successful read of different numbers.  The 10-byte gzip
 * header is skipped: its mtime and OS bytes are legitimately unchecked. */
START_TEST(test_gz_flipped_byte_is_an_error)
{
    char *dir = tu_tmpdir(), full[PATH_BYTES], bad[PATH_BYTES];
    join(full, dir, "full.st.gz");
    join(bad, dir, "bad.st.gz");
    har_tfile *f = sample_big(4096);
    write_ok(f, full);
    size_t n;
    char *raw = tu_read_file(full, &n);
    ck_assert_uint_gt(n, 100);
    for (int k = 0; k < 40; k++) {
        size_t pos = k < 32 ? 10 + (n - 18) * (size_t)k / 32 : n - 8 + (size_t)(k - 32);
        raw[pos] ^= (char)0xff;
        tu_write_file(bad, raw, n);
        raw[pos] ^= (char)0xff;
        har_err e = {0};
        har_tfile *g = har_tfile_read(bad, &e);
        int accepted = g != NULL;
        har_tfile_free(g);
        ck_assert_msg(!accepted, "byte %zu of %zu flipped, yet the file was accepted", pos, n);
        ck_assert_msg(e.code == HAR_EDATA, "byte %zu flipped: code %d: %s", pos, e.code, e.msg);
        tu_assert_contains(e.msg, bad);
    }
    free(raw);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A second gzip member is more decompressed content: trailing data. */
START_TEST(test_gz_extra_member_is_trailing_data)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], b[PATH_BYTES], c[PATH_BYTES];
    join(a, dir, "a.st.gz");
    join(b, dir, "b.gz");
    join(c, dir, "c.st.gz");
    har_tfile *f = sample();
    write_ok(f, a);
    tu_write_gz(b, "xyz", 3);
    size_t na, nb;
    char *ra = tu_read_file(a, &na), *rb = tu_read_file(b, &nb);
    char *both = malloc(na + nb);
    memcpy(both, ra, na);
    memcpy(both + na, rb, nb);
    tu_write_file(c, both, na + nb);
    har_err e = {0};
    assert_rejected(har_tfile_read(c, &e), &e, c, "trailing", NULL);
    free(both);
    free(ra);
    free(rb);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Bytes after the last gzip member are an error, not silently ignored;
 * a stream split into several members (gzip's concatenation) is one file. */
START_TEST(test_gz_trailing_garbage_and_members)
{
    char *dir = tu_tmpdir(), a[PATH_BYTES], c[PATH_BYTES];
    join(a, dir, "a.st.gz");
    join(c, dir, "c.st.gz");
    har_tfile *f = sample();
    write_ok(f, a);
    size_t na;
    char *ra = tu_read_file(a, &na);
    char *junk = malloc(na + 8);
    memcpy(junk, ra, na);
    memcpy(junk + na, "garbage\n", 8);
    tu_write_file(c, junk, na + 8);
    har_err e = {0};
    assert_rejected(har_tfile_read(c, &e), &e, c, "after the end of the gzip stream", NULL);
    /* The same content as two gzip members reads back identically. */
    unsigned char *raw;
    size_t nraw;
    ck_assert_int_eq(har_tfile_serialize(f, &raw, &nraw, NULL), 0);
    tu_write_gz(a, (const char *)raw, nraw / 2);
    char *first = tu_read_file(a, &na);
    tu_write_gz(a, (const char *)raw + nraw / 2, nraw - nraw / 2);
    size_t nb;
    char *second = tu_read_file(a, &nb);
    char *both = malloc(na + nb);
    memcpy(both, first, na);
    memcpy(both + na, second, nb);
    tu_write_file(c, both, na + nb);
    har_tfile *g = har_tfile_read(c, &e);
    ck_assert_msg(g != NULL, "two gzip members: %s", e.msg);
    ck_assert_uint_eq(g->ntensors, f->ntensors);
    for (size_t i = 0; i < f->ntensors; i++)
        ck_assert(memcmp(g->tensors[i].data, f->tensors[i].data, f->tensors[i].nbytes) == 0);
    har_tfile_free(g);
    free(both);
    free(first);
    free(second);
    free(raw);
    free(junk);
    free(ra);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* "-" reads standard input; messages then say "<stdin>". */
static har_tfile *read_from_stdin(const char *path, har_err *e)
{
    int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
    ck_assert(saved >= 0 && fd >= 0);
    ck_assert(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    close(fd);
    har_tfile *f = har_tfile_read("-", e);
    dup2(saved, STDIN_FILENO);
    close(saved);
    return f;
}

START_TEST(test_read_stdin)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES], bad[PATH_BYTES];
    join(path, dir, "s.st.gz");
    join(bad, dir, "bad.st.gz");
    har_tfile *f = sample();
    write_ok(f, path);
    har_err e = {0};
    har_tfile *g = read_from_stdin(path, &e);
    ck_assert_msg(g != NULL, "%s", e.msg);
    assert_same_tfile(f, g);
    ck_assert_str_eq(g->source, "<stdin>");
    tu_write_gz(bad, "garbage!garbage!", 16);
    e = (har_err){0};
    assert_rejected(read_from_stdin(bad, &e), &e, "<stdin>", "header length", NULL);
    har_tfile_free(g);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- har_tfile_expect ------------------------------------------------ */

/* A file on disk, so that messages carry a real path. */
static har_tfile *expect_fixture(const char *dir, char *path)
{
    join(path, dir, "model.st.gz");
    har_err e = {0};
    har_tfile *f = har_tfile_new(&e);
    int64_t x[] = {2, 3}, y[] = {4};
    add(f, "x", HAR_F32, 2, x);
    add(f, "y", HAR_I64, 1, y);
    write_ok(f, path);
    har_tfile_free(f);
    return read_ok(path);
}

static void expect_fails(const har_tfile *f, const char *path, const char *name, har_dtype dt, int ndim,
                         const int64_t *shape, const char *n1, const char *n2)
{
    har_err e = {0};
    ck_assert_ptr_null(har_tfile_expect(f, name, dt, ndim, shape, &e));
    ck_assert_int_eq(e.code, HAR_EDATA);
    tu_assert_contains(e.msg, path);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", name);
    tu_assert_contains(e.msg, quoted);
    tu_assert_contains(e.msg, har_dtype_name(dt));
    tu_assert_contains(e.msg, n1);
    if (n2)
        tu_assert_contains(e.msg, n2);
}

START_TEST(test_expect_wrong_dtype)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    har_tfile *f = expect_fixture(dir, path);
    int64_t s[] = {2, 3}, y[] = {4};
    expect_fails(f, path, "x", HAR_F64, 2, s, "expected F64 [2,3]", "F32 [2,3]");
    expect_fails(f, path, "y", HAR_I32, 1, y, "expected I32 [4]", "I64 [4]");
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_expect_wrong_shape)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    har_tfile *f = expect_fixture(dir, path);
    int64_t s32[] = {3, 2}, s6[] = {6}, s231[] = {2, 3, 1}, any4[] = {-1, 4};
    expect_fails(f, path, "x", HAR_F32, 2, s32, "expected F32 [3,2]", "F32 [2,3]");
    expect_fails(f, path, "x", HAR_F32, 1, s6, "expected F32 [6]", NULL);
    expect_fails(f, path, "x", HAR_F32, 3, s231, "expected F32 [2,3,1]", NULL);
    /* A wildcard dimension does not excuse a wrong fixed one. */
    expect_fails(f, path, "x", HAR_F32, 2, any4, "expected F32 [-1,4]", NULL);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_expect_match_and_wildcards)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    har_tfile *f = expect_fixture(dir, path);
    int64_t exact[] = {2, 3}, any0[] = {-1, 3}, both[] = {-1, -5};
    har_err e = {0};
    har_tensor *x = har_tfile_get(f, "x");
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_eq(har_tfile_expect(f, "x", HAR_F32, 2, exact, &e), x);
    ck_assert_ptr_eq(har_tfile_expect(f, "x", HAR_F32, 2, any0, &e), x);
    ck_assert_ptr_eq(har_tfile_expect(f, "x", HAR_F32, 2, both, &e), x);
    ck_assert_int_eq(e.code, 0);
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_expect_missing_tensor)
{
    char *dir = tu_tmpdir(), path[PATH_BYTES];
    har_tfile *f = expect_fixture(dir, path);
    int64_t s[] = {-1, 9};
    expect_fails(f, path, "labels", HAR_U8, 2, s, "missing tensor", "[-1,9]");
    har_tfile_free(f);
    /* A file built in memory has no path; the message still says what it is. */
    har_err e = {0};
    f = har_tfile_new(&e);
    ck_assert_ptr_null(har_tfile_expect(f, "w", HAR_F32, 1, s, &e));
    tu_assert_contains(e.msg, "<tensor file>");
    tu_assert_contains(e.msg, "'w'");
    har_tfile_free(f);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- suite ----------------------------------------------------------- */

static TCase *tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 60);
    return tc;
}

Suite *tensorfile_suite(void)
{
    Suite *s = suite_create("tensorfile");

    TCase *tc = tcase("build");
    tcase_add_test(tc, test_dtype_names_sizes_numel);
    tcase_add_test(tc, test_sha256_known_vectors);
    tcase_add_test(tc, test_add_zero_fills_and_sizes);
    tcase_add_test(tc, test_add_refuses_duplicate_and_reserved_names);
    tcase_add_test(tc, test_add_refuses_bad_shapes);
    tcase_add_test(tc, test_adopt_frees_refused_buffer);
    tcase_add_test(tc, test_meta_set_overwrites_and_copy);
    tcase_add_test(tc, test_meta_overwrite_survives_write);
    suite_add_tcase(s, tc);

    tc = tcase("roundtrip");
    tcase_add_test(tc, test_roundtrip_every_dtype_gz);
    tcase_add_test(tc, test_roundtrip_plain_file);
    tcase_add_test(tc, test_roundtrip_large_tensor);
    tcase_add_test(tc, test_roundtrip_empty_file);
    tcase_add_test(tc, test_roundtrip_large_dims_of_empty_tensor);
    tcase_add_test(tc, test_roundtrip_dims_near_2_pow_53);
    tcase_add_test(tc, test_added_shape_is_readable_back);
    tcase_add_test(tc, test_write_is_deterministic);
    tcase_add_test(tc, test_serialize_layout);
    tcase_add_test(tc, test_header_order_differs_from_data_order);
    tcase_add_test(tc, test_accepts_zero_size_and_eight_dims);
    tcase_add_test(tc, test_accepts_minimal_and_padded_headers);
    tcase_add_test(tc, test_read_stdin);
    suite_add_tcase(s, tc);

    tc = tcase("reject");
    tcase_add_test(tc, test_reject_duplicate_names);
    tcase_add_test(tc, test_reject_overlapping_offsets);
    tcase_add_test(tc, test_reject_gap_between_offsets);
    tcase_add_test(tc, test_reject_offsets_past_end);
    tcase_add_test(tc, test_reject_shape_bytes_mismatch);
    tcase_add_test(tc, test_reject_unknown_dtype);
    tcase_add_test(tc, test_reject_header_length_out_of_range);
    tcase_add_test(tc, test_reject_short_length_field);
    tcase_add_test(tc, test_reject_header_not_json);
    tcase_add_test(tc, test_reject_garbage_after_json);
    tcase_add_test(tc, test_reject_bad_metadata);
    tcase_add_test(tc, test_reject_trailing_bytes);
    tcase_add_test(tc, test_reject_bad_entry_fields);
    tcase_add_test(tc, test_reject_too_many_dims);
    tcase_add_test(tc, test_reject_bad_shape_entries);
    tcase_add_test(tc, test_reject_bad_data_offsets);
    tcase_add_test(tc, test_reject_data_larger_than_memory);
    tcase_add_test(tc, test_flipped_bytes_are_refused);
    tcase_add_test(tc, test_gzip_bomb_refused_before_allocation);
    tcase_add_test(tc, test_checksum_is_recomputed_and_validated);
    tcase_add_test(tc, test_reject_empty_tensor_name_as_data_error);
    tcase_add_test(tc, test_reject_via_files);
    tcase_add_test(tc, test_read_missing_file_and_directory);
    suite_add_tcase(s, tc);

    tc = tcase("gzip");
    tcase_add_test(tc, test_gz_truncated_is_an_error);
    tcase_add_test(tc, test_gz_flipped_byte_is_an_error);
    tcase_add_test(tc, test_gz_extra_member_is_trailing_data);
    tcase_add_test(tc, test_gz_trailing_garbage_and_members);
    suite_add_tcase(s, tc);

    tc = tcase("expect");
    tcase_add_test(tc, test_expect_wrong_dtype);
    tcase_add_test(tc, test_expect_wrong_shape);
    tcase_add_test(tc, test_expect_match_and_wildcards);
    tcase_add_test(tc, test_expect_missing_tensor);
    suite_add_tcase(s, tc);

    return s;
}
