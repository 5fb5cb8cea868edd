/* textparse.h - splitting text files into lines and whitespace-separated numbers.
 *
 * Used by every text reader (HAPT recordings, UCI HAR v1 files, har-infer's
 * input lines), so they all agree on what a line and a number are: LF or
 * CRLF line ends, spaces/tabs between fields, numbers as strtod reads them in
 * the C locale.  Values that do not parse, or are NaN/Inf, are reported per
 * field so each reader can apply its own policy. */
#ifndef HAR_TEXTPARSE_H
#define HAR_TEXTPARSE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *p, *end;
    long line; /* 1-based number of the line last returned */
} har_lines;

void har_lines_init(har_lines *it, const char *buf, size_t len);
/* Next line without its terminator ("\n" or "\r\n"); 0 at end of input.
 * A final line without newline is still returned. */
int har_lines_next(har_lines *it, const char **s, size_t *n);

enum { HAR_FIELD_OK = 0, HAR_FIELD_NONFINITE = 1, HAR_FIELD_UNPARSABLE = 2 };

/* Parses the fields of one line.  Returns the number of fields present (may
 * exceed max; only the first max are stored).  status[i] (if not NULL) gets
 * HAR_FIELD_*, and out[i] is NaN for unparsable fields. */
int har_parse_fields(const char *s, size_t n, double *out, unsigned char *status, int max);

/* True if the line holds only whitespace. */
int har_line_blank(const char *s, size_t n);

/* Copies field i (0-based) of a line into buf for a message, shortened. */
void har_field_text(const char *s, size_t n, int i, char *buf, size_t bufsize);

/* ---- har-infer's input lines (--windows text and --stream) ---- */

/* Reads one line of at most cap - 1 bytes (cap >= 2) into buf, without its
 * "\n" or "\r\n".  Returns 0 at end of input, 1 for a line (*len bytes),
 * -1 for a line too long (consumed and dropped: an endless line must not
 * grow memory). */
int har_read_line(FILE *fp, char *buf, size_t cap, size_t *len);

/* Parses exactly want numbers (all finite) from a line; on failure writes
 * the reason into why and returns -1. */
int har_parse_numbers(const char *s, size_t n, double *out, unsigned char *status, int want, char *why,
                      size_t whylen);

#endif
