/* test_textparse.c - lines and numbers (textparse), id lists (idlist) and the
 * random number generator (rng): the small parsers and the one source of
 * randomness that every tool builds on. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/idlist.h"
#include "core/rng.h"
#include "io/textparse.h"
#include "testutil.h"

/* ---- har_lines ------------------------------------------------------------ */

/* Collects every line of text into a "|"-separated string with line numbers,
 * e.g. "1:a|2:b|", so one assertion checks content, terminators and numbering. */
static char *lines_of(const char *text, size_t len)
{
    har_lines it;
    har_lines_init(&it, text, len);
    size_t cap = 64 + 4 * len, at = 0;
    char *out = calloc(1, cap);
    const char *s;
    size_t n;
    while (har_lines_next(&it, &s, &n))
        at += (size_t)snprintf(out + at, cap - at, "%ld:%.*s|", it.line, (int)n, s);
    return out;
}

static void check_lines(const char *text, const char *want)
{
    char *got = lines_of(text, strlen(text));
    ck_assert_msg(strcmp(got, want) == 0, "lines of \"%s\": got \"%s\", want \"%s\"", text, got, want);
    free(got);
}

START_TEST(lines_lf_and_crlf)
{
    check_lines("a\nb\n", "1:a|2:b|");
    check_lines("a\r\nb\r\n", "1:a|2:b|");
    /* Mixed endings in one file (e.g. a file edited on two systems). */
    check_lines("a\r\nb\nc\r\n", "1:a|2:b|3:c|");
}
END_TEST

START_TEST(lines_last_without_newline)
{
    check_lines("a\nlast", "1:a|2:last|");
    check_lines("a\r\nlast\r", "1:a|2:last|");
    check_lines("only", "1:only|");
}
END_TEST

START_TEST(lines_empty)
{
    check_lines("", "");
    check_lines("\n", "1:|");
    check_lines("\r\n", "1:|");
    /* Empty lines keep their numbers, so messages point at the right line. */
    check_lines("a\n\n\r\nb\n", "1:a|2:|3:|4:b|");
    /* A CR that is not before LF is content, not a line end. */
    check_lines("a\rb\n", "1:a\rb|");
}
END_TEST

START_TEST(lines_respect_length)
{
    /* Only len bytes belong to the buffer: "ab\ncd" with len 4 is "ab", "c". */
    char *got = lines_of("ab\ncd", 4);
    ck_assert_str_eq(got, "1:ab|2:c|");
    free(got);
}
END_TEST

/* ---- har_parse_fields ----------------------------------------------------- */

START_TEST(fields_whitespace)
{
    const char *s = " \t1  2.5\t\t-3 \t";
    double v[8];
    unsigned char st[8];
    ck_assert_int_eq(har_parse_fields(s, strlen(s), v, st, 8), 3);
    ck_assert(v[0] == 1.0 && v[1] == 2.5 && v[2] == -3.0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(st[i], HAR_FIELD_OK);
    ck_assert_int_eq(har_parse_fields("", 0, v, st, 8), 0);
    ck_assert_int_eq(har_parse_fields(" \t \r", 4, v, st, 8), 0);
}
END_TEST

START_TEST(fields_beyond_max)
{
    const char *s = "1 2 3 4 5";
    double v[4] = {-7, -7, -7, -7};
    unsigned char st[4] = {9, 9, 9, 9};
    /* The count reports every field so a reader can say "expected 2, found 5",
     * but nothing is written past max. */
    ck_assert_int_eq(har_parse_fields(s, strlen(s), v, st, 2), 5);
    ck_assert(v[0] == 1.0 && v[1] == 2.0);
    ck_assert(v[2] == -7 && v[3] == -7 && st[2] == 9 && st[3] == 9);
    /* max 0 with no buffers just counts (used to find the column count). */
    ck_assert_int_eq(har_parse_fields(s, strlen(s), NULL, NULL, 0), 5);
}
END_TEST

static void check_field(const char *text, int want_status)
{
    double v = 0;
    unsigned char st = 99;
    ck_assert_int_eq(har_parse_fields(text, strlen(text), &v, &st, 1), 1);
    ck_assert_msg(st == want_status, "\"%s\": status %d, want %d", text, st, want_status);
    if (want_status == HAR_FIELD_UNPARSABLE)
        ck_assert_msg(isnan(v), "\"%s\": unparsable field must read as NaN", text);
}

START_TEST(fields_status)
{
    const char *ok[] = {"0", "-0", "+1", "1e3", "1E-3", "-2.5e+2", ".5", "5.", "1e308"};
    const char *nonfinite[] = {"nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999"};
    const char *bad[] = {"abc", "1.5x", "--1", "1e", "1,5", "-", ".", "e5", "1..2"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        check_field(ok[i], HAR_FIELD_OK);
    for (size_t i = 0; i < sizeof nonfinite / sizeof *nonfinite; i++)
        check_field(nonfinite[i], HAR_FIELD_NONFINITE);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        check_field(bad[i], HAR_FIELD_UNPARSABLE);
}
END_TEST

START_TEST(fields_nonfinite_values)
{
    const char *s = "nan -Infinity inf 7";
    double v[4];
    unsigned char st[4];
    ck_assert_int_eq(har_parse_fields(s, strlen(s), v, st, 4), 4);
    ck_assert(isnan(v[0]));
    ck_assert(isinf(v[1]) && v[1] < 0);
    ck_assert(isinf(v[2]) && v[2] > 0);
    ck_assert(v[3] == 7.0 && st[3] == HAR_FIELD_OK);
    /* A bad field does not disturb its neighbours; status may be NULL. */
    const char *t = "1 zz 3";
    ck_assert_int_eq(har_parse_fields(t, strlen(t), v, NULL, 4), 3);
    ck_assert(v[0] == 1.0 && isnan(v[1]) && v[2] == 3.0);
}
END_TEST

/* Parses one field and requires the very bits strtod gives (so -0 stays -0). */
static void check_same_as_strtod(const char *text)
{
    double v = 0, want = strtod(text, NULL);
    unsigned char st = 99;
    ck_assert_int_eq(har_parse_fields(text, strlen(text), &v, &st, 1), 1);
    ck_assert_msg(memcmp(&v, &want, sizeof v) == 0, "\"%s\": parsed %.17g, strtod gives %.17g", text, v, want);
    ck_assert_msg(st == (isfinite(want) ? HAR_FIELD_OK : HAR_FIELD_NONFINITE), "\"%s\": status %d", text, st);
}

START_TEST(fields_exact_hard_cases)
{
    /* Around the limits of exact decimal conversion: 2^53 (+1), powers of
     * ten beyond 10^22, many digits, leading/trailing zeros, signed zero,
     * subnormals, and values halfway between two doubles. */
    const char *cases[] = {"0.1", "-0", "-0.0e5", "0e999", "9007199254740992", "9007199254740993",
                           "9007199254740993e-5", "1e22", "1e23", "1e-22", "1e-23", "123456789012345678e-5",
                           "00000000000000000000001.5", "1.00000000000000000000", "0.000000000000000000000001",
                           "4.9e-324", "2.2250738585072011e-308", "1.7976931348623157e308", "8.98846567431158e307",
                           "9007199254740991.5", "0.30000000000000004", "2.5e-3", "+7.25", "1E+2", "5e-0",
                           "1234567890123456789", "12345678901234567890", "0.1e1", "100000000000000000000e-20"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_same_as_strtod(cases[i]);
}
END_TEST

START_TEST(fields_exact_vs_strtod)
{
    /* Readers must get the very double strtod gives (bit for bit), so that
     * ingesting text is reproducible whatever route the parser takes.  Random
     * values are written with 1..20 significant digits (short decimals are
     * the common case in sensor files, %.17g round-trips every double) and
     * exponents from 1e-30 to 1e30. */
    har_rng r;
    har_rng_seed(&r, 42);
    for (int i = 0; i < 20000; i++) {
        double x = (har_rng_uniform(&r) - 0.5) * pow(10.0, (double)har_rng_below(&r, 61) - 30.0);
        char text[80];
        int digits = 1 + (int)har_rng_below(&r, 20);
        if (har_rng_below(&r, 2))
            snprintf(text, sizeof text, "%.*g", digits, x);
        else
            snprintf(text, sizeof text, "%.*f", digits % 12, x);
        check_same_as_strtod(text);
    }
    /* Several fields on one line, tab separated. */
    const char *line = "0.1\t-2.5e-3\t1e23";
    double v[3];
    ck_assert_int_eq(har_parse_fields(line, strlen(line), v, NULL, 3), 3);
    ck_assert(v[0] == 0.1 && v[1] == -2.5e-3 && v[2] == 1e23);
}
END_TEST

/* Field `last` of the slice text[0..n) must read as `want` with status st. */
static void check_slice(const char *text, size_t n, double want, int want_status)
{
    double v[4];
    unsigned char st[4];
    int got = har_parse_fields(text, n, v, st, 4);
    ck_assert_int_ge(got, 1);
    ck_assert_msg(st[got - 1] == want_status && v[got - 1] == want,
                  "last field of \"%.*s\" (cut from \"%s\"): status %d value %.17g, want %d %.17g", (int)n, text,
                  text, st[got - 1], v[got - 1], want_status, want);
}

START_TEST(fields_respect_length)
{
    /* The line is s[0..n): the header documents (s, n), not a C string, and a
     * caller may hand over a slice of a larger buffer.  A number must not be
     * read past n, whichever way the parser converts it. */
    check_slice("12 34", 4, 3.0, HAR_FIELD_OK);
    check_slice("1 infinity", 5, INFINITY, HAR_FIELD_NONFINITE);
    check_slice("7 1234567890123456789012345", 23, 123456789012345678901.0, HAR_FIELD_OK);
    check_slice("7 1.5e300", 7, 1.5e3, HAR_FIELD_OK);
}
END_TEST

START_TEST(line_blank_and_field_text)
{
    ck_assert(har_line_blank("", 0));
    ck_assert(har_line_blank(" \t\r", 3));
    ck_assert(!har_line_blank(" x", 2));
    char buf[8];
    const char *s = "1 abcdefghij 3";
    har_field_text(s, strlen(s), 2, buf, sizeof buf);
    ck_assert_str_eq(buf, "3");
    /* Long fields are shortened with "..." to fit a message buffer. */
    har_field_text(s, strlen(s), 1, buf, sizeof buf);
    ck_assert_str_eq(buf, "abcd...");
    har_field_text(s, strlen(s), 5, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- har_idlist ----------------------------------------------------------- */

static char *format_list(const har_idlist *l)
{
    har_err e = {0};
    char *s = har_idlist_format(l, &e);
    ck_assert_msg(s != NULL, "format: %s", e.msg);
    return s;
}

/* Parses text and compares the formatted result with want. */
static void check_parse(const char *text, const char *want)
{
    har_idlist l;
    har_err e = {0};
    ck_assert_msg(har_idlist_parse(&l, text, 0, 100, "--x", &e) == 0, "\"%s\": %s", text, e.msg);
    char *got = format_list(&l);
    ck_assert_msg(strcmp(got, want) == 0, "\"%s\" parsed as \"%s\", want \"%s\"", text, got, want);
    free(got);
    har_idlist_free(&l);
}

START_TEST(idlist_parse_ok)
{
    check_parse("1,3,5-9", "1,3,5,6,7,8,9");
    check_parse("9,5-7,1,6,1,3", "1,3,5,6,7,9");
    check_parse("5-5", "5");
    check_parse("0,100", "0,100");
    check_parse("none", "");
    check_parse("", "");
    har_idlist l;
    har_err e = {0};
    ck_assert_int_eq(har_idlist_parse(&l, "1,3,5-9", 0, 100, "--x", &e), 0);
    ck_assert_uint_eq(l.n, 7);
    ck_assert(l.ids[0] == 1 && l.ids[1] == 3 && l.ids[2] == 5 && l.ids[6] == 9);
    har_idlist_free(&l);
}
END_TEST

START_TEST(idlist_parse_errors)
{
    /* A huge range is refused instead of expanding into gigabytes. */
    {
        har_idlist big;
        har_err be = {0};
        ck_assert_int_eq(har_idlist_parse(&big, "0-2147483647", 0, INT32_MAX, "--test-subjects", &be), HAR_EUSAGE);
        tu_assert_contains(be.msg, "--test-subjects");
        tu_assert_contains(be.msg, "more than");
        ck_assert_int_eq(har_idlist_parse(&big, "1-99999", 0, INT32_MAX, "x", &be), 0);
        ck_assert_uint_eq(big.n, 99999);
        har_idlist_free(&big);
    }
    const char *bad[] = {"0",  "101", "3-200", "5-3", "1,,2", "a",  "1,",
                         ",1", "-1",  "1-",    " 1",  "1 ",   "1;2", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        har_idlist l = {(int32_t *)1, 42}; /* must be reset even on error */
        har_err e = {0};
        ck_assert_msg(har_idlist_parse(&l, bad[i], 1, 100, "--test-subjects", &e) == HAR_EUSAGE,
                      "\"%s\" was accepted", bad[i]);
        ck_assert_int_eq(e.code, HAR_EUSAGE);
        tu_assert_contains(e.msg, "--test-subjects");
        ck_assert(l.ids == NULL && l.n == 0);
    }
}
END_TEST

/* The list's storage doubles (fuzzing found "1-99999" reallocating once per
 * id: 2 GB of allocator churn under ASan).  Inserts at the front, back and
 * middle across every capacity boundary keep the set sorted and complete. */
START_TEST(idlist_growth_keeps_order)
{
    har_idlist l = {0};
    har_err e = {0};
    for (int32_t i = 0; i < 5000; i++) {
        int32_t id = i % 3 == 0 ? 100000 + i : i % 3 == 1 ? 100000 - i : 50000 + (i % 2 ? i : -i);
        ck_assert_int_eq(har_idlist_add(&l, id, &e), 0);
        ck_assert_int_eq(har_idlist_add(&l, id, &e), 0); /* duplicates change nothing */
    }
    ck_assert_uint_eq(l.n, 5000);
    for (size_t i = 1; i < l.n; i++)
        ck_assert_int_lt(l.ids[i - 1], l.ids[i]);
    ck_assert(har_idlist_contains(&l, 100000 + 4998));
    har_idlist_free(&l);
    ck_assert_int_eq(har_idlist_parse(&l, "0-99998,99999", 0, INT32_MAX, "x", &e), 0);
    ck_assert_uint_eq(l.n, HAR_IDLIST_MAX);
    for (size_t i = 0; i < l.n; i++)
        ck_assert_int_eq(l.ids[i], (int32_t)i);
    har_idlist_free(&l);
    /* Out of order and repeated: fuzzing found inserting each id into place
     * quadratic here (3 s under ASan); it is now one sort.  Adds after a
     * parse still grow the list correctly. */
    ck_assert_int_eq(har_idlist_parse(&l, "50000-99997,7,0-49999,99998", 0, INT32_MAX, "x", &e), 0);
    ck_assert_uint_eq(l.n, 99999);
    for (size_t i = 0; i < l.n; i++)
        ck_assert_int_eq(l.ids[i], (int32_t)i);
    for (int32_t id = 200000; id > 99998; id -= 7)
        ck_assert_int_eq(har_idlist_add(&l, id, &e), 0);
    for (size_t i = 1; i < l.n; i++)
        ck_assert_int_lt(l.ids[i - 1], l.ids[i]);
    har_idlist_free(&l);
    /* The limit counts ids as written, repeats included. */
    ck_assert_int_eq(har_idlist_parse(&l, "1-60000,1-60000", 0, INT32_MAX, "x", &e), HAR_EUSAGE);
    tu_assert_contains(e.msg, "more than");
}
END_TEST

static har_idlist make_list(const int32_t *ids, size_t n)
{
    har_idlist l = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(har_idlist_add(&l, ids[i], NULL), 0);
    return l;
}

START_TEST(idlist_intersect_and_index)
{
    const int32_t a_ids[] = {9, 1, 4, 7, 12}, b_ids[] = {4, 12, 3, 9, 30};
    har_idlist a = make_list(a_ids, 5), b = make_list(b_ids, 5), out, none = {0};
    har_err e = {0};
    ck_assert_int_eq(har_idlist_intersect(&a, &b, &out, &e), 0);
    char *s = format_list(&out);
    ck_assert_str_eq(s, "4,9,12");
    free(s);
    har_idlist_free(&out);
    ck_assert_int_eq(har_idlist_intersect(&a, &none, &out, &e), 0);
    ck_assert_uint_eq(out.n, 0);
    har_idlist_free(&out);
    ck_assert_int_eq(har_idlist_intersect(&none, &a, &out, &e), 0);
    ck_assert_uint_eq(out.n, 0);
    har_idlist_free(&out);
    /* The merge against a membership test, on sets that interleave. */
    {
        har_idlist x = {0}, y = {0}, both;
        for (int32_t id = 0; id < 3000; id++) {
            if (id % 2 == 0 || id % 7 == 0)
                ck_assert_int_eq(har_idlist_add(&x, id, &e), 0);
            if (id % 3 == 0)
                ck_assert_int_eq(har_idlist_add(&y, id, &e), 0);
        }
        ck_assert_int_eq(har_idlist_intersect(&x, &y, &both, &e), 0);
        size_t expect = 0;
        for (size_t i = 0; i < x.n; i++)
            if (har_idlist_contains(&y, x.ids[i]))
                ck_assert_int_eq(both.ids[expect++], x.ids[i]);
        ck_assert_uint_eq(both.n, expect);
        har_idlist_free(&x);
        har_idlist_free(&y);
        har_idlist_free(&both);
    }
    /* a is {1,4,7,9,12}: index is the position in sorted order, -1 if absent. */
    ck_assert_int_eq(har_idlist_index(&a, 1), 0);
    ck_assert_int_eq(har_idlist_index(&a, 9), 3);
    ck_assert_int_eq(har_idlist_index(&a, 12), 4);
    ck_assert_int_eq(har_idlist_index(&a, 5), -1);
    ck_assert_int_eq(har_idlist_index(&a, 0), -1);
    ck_assert_int_eq(har_idlist_index(&a, 13), -1);
    ck_assert_int_eq(har_idlist_index(&none, 1), -1);
    ck_assert(har_idlist_contains(&a, 7) && !har_idlist_contains(&a, 8));
    har_idlist_free(&a);
    har_idlist_free(&b);
}
END_TEST

START_TEST(idlist_format_extremes)
{
    /* The format buffer must hold the widest ids. */
    const int32_t ids[] = {INT32_MAX, 0, INT32_MAX - 1, 2000000000};
    har_idlist l = make_list(ids, 4);
    char *s = format_list(&l);
    ck_assert_str_eq(s, "0,2000000000,2147483646,2147483647");
    free(s);
    har_idlist_free(&l);
}
END_TEST

/* ---- har_rng -------------------------------------------------------------- */

START_TEST(rng_below_range_and_uniform)
{
    har_rng r;
    har_rng_seed(&r, 7);
    const int draws = 100000;
    long count[10] = {0};
    for (int i = 0; i < draws; i++) {
        uint64_t v = har_rng_below(&r, 10);
        ck_assert_msg(v < 10, "har_rng_below(10) gave %llu", (unsigned long long)v);
        count[v]++;
    }
    /* Chi-square with 9 degrees of freedom: its 99.99th percentile is ~33.7,
     * so 40 fails a correct generator far less than once in 10^4 runs (and
     * the seed is fixed anyway), while a biased one (e.g. plain modulo of a
     * small range) would exceed it easily at this sample size. */
    double chi = 0, expect = draws / 10.0;
    for (int k = 0; k < 10; k++)
        chi += (count[k] - expect) * (count[k] - expect) / expect;
    ck_assert_msg(chi < 40.0, "chi-square %g over 10 buckets", chi);
    for (uint64_t n = 1; n < 70; n++)
        ck_assert(har_rng_below(&r, n) < n);
    ck_assert(har_rng_below(&r, UINT64_MAX) < UINT64_MAX);
}
END_TEST

START_TEST(rng_deterministic)
{
    har_rng a, b, c;
    har_rng_seed(&a, 123456789);
    har_rng_seed(&b, 123456789);
    har_rng_seed(&c, 123456790);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = har_rng_u64(&a);
        ck_assert(x == har_rng_u64(&b));
        differ += x != har_rng_u64(&c);
    }
    ck_assert_int_gt(differ, 990);
    for (int i = 0; i < 1000; i++) {
        double u = har_rng_uniform(&a);
        ck_assert(u >= 0.0 && u < 1.0);
    }
}
END_TEST

START_TEST(rng_shuffle_permutation)
{
    har_rng r;
    har_rng_seed(&r, 3);
    enum { N = 50 };
    int32_t v[N];
    int moved = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++)
            v[i] = 100 + i;
        har_rng_shuffle_i32(&r, v, N);
        int seen[N] = {0};
        for (int i = 0; i < N; i++) {
            ck_assert(v[i] >= 100 && v[i] < 100 + N);
            seen[v[i] - 100]++;
            moved += v[i] != 100 + i;
        }
        for (int i = 0; i < N; i++)
            ck_assert_int_eq(seen[i], 1);
    }
    /* The identity 20 times in a row would mean the shuffle does nothing. */
    ck_assert_int_gt(moved, 20 * N / 2);
    har_rng_shuffle_i32(&r, v, 0); /* must not touch anything */
    har_rng_shuffle_i32(&r, v, 1);
}
END_TEST

START_TEST(rng_shuffle_reaches_every_arrangement)
{
    /* A permutation is not enough: an off-by-one in Fisher-Yates (e.g. never
     * swapping the first two) still permutes but never moves some values to
     * some places.  Over 4000 shuffles of 5 values each value should sit at
     * each position ~800 times; 600 is > 7 standard deviations below. */
    har_rng r;
    har_rng_seed(&r, 11);
    int count[5][5] = {{0}};
    for (int round = 0; round < 4000; round++) {
        int32_t v[5] = {0, 1, 2, 3, 4};
        har_rng_shuffle_i32(&r, v, 5);
        for (int pos = 0; pos < 5; pos++)
            count[pos][v[pos]]++;
    }
    for (int pos = 0; pos < 5; pos++)
        for (int val = 0; val < 5; val++)
            ck_assert_msg(count[pos][val] > 600, "value %d at position %d only %d times", val, pos,
                          count[pos][val]);
}
END_TEST

Suite *textparse_suite(void)
{
    Suite *s = suite_create("textparse");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lines_lf_and_crlf);
    tcase_add_test(tc, lines_last_without_newline);
    tcase_add_test(tc, lines_empty);
    tcase_add_test(tc, lines_respect_length);
    tcase_add_test(tc, fields_whitespace);
    tcase_add_test(tc, fields_beyond_max);
    tcase_add_test(tc, fields_status);
    tcase_add_test(tc, fields_nonfinite_values);
    tcase_add_test(tc, fields_exact_hard_cases);
    tcase_add_test(tc, fields_exact_vs_strtod);
    tcase_add_test(tc, fields_respect_length);
    tcase_add_test(tc, line_blank_and_field_text);
    tcase_add_test(tc, idlist_parse_ok);
    tcase_add_test(tc, idlist_parse_errors);
    tcase_add_test(tc, idlist_intersect_and_index);
    tcase_add_test(tc, idlist_growth_keeps_order);
    tcase_add_test(tc, idlist_format_extremes);
    tcase_add_test(tc, rng_below_range_and_uniform);
    tcase_add_test(tc, rng_deterministic);
    tcase_add_test(tc, rng_shuffle_permutation);
    tcase_add_test(tc, rng_shuffle_reaches_every_arrangement);
    suite_add_tcase(s, tc);
    return s;
}
