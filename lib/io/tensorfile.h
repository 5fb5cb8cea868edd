/* tensorfile.h - the one file format every har tool reads and writes.
 *
 * A tensor file is a gzip stream whose decompressed content is exactly a
 * safetensors file:
 *
 *   u64 little-endian N | N bytes of JSON header | raw little-endian C-order data
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets"} and the
 * optional "__metadata__" key to a string->string object.  The rules we enforce
 * on read are the safetensors ones: names unique, offsets contiguous from 0 and
 * covering the data exactly, byte counts matching dtype x shape, header below
 * 100 MB.  Plain (uncompressed) safetensors files are accepted on input too.
 *
 * Integrity: every file we write records the CRC-32 of its payload (all
 * tensor bytes in file order) in the metadata key "payload_crc32" (8 lowercase
 * hex digits), checked on every read and then dropped from the metadata in
 * memory (writing recomputes it); the gzip stream's own CRC-32 covers
 * the header as well.  A file without the key (another safetensors writer)
 * is read unchecked.
 *
 * Resource limits, all checked before the allocation they guard: the header
 * length (HAR_MAX_HEADER_BYTES), the total tensor bytes the header declares
 * (at most this machine's physical memory), and the data read (exactly what
 * the header declares: a stream with more is refused without reading on).
 *
 * In memory a file is a list of named tensors plus string metadata, kept in
 * insertion order so that writing is deterministic. */
#ifndef HAR_TENSORFILE_H
#define HAR_TENSORFILE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "core/err.h"
#include "outfile.h"

typedef enum { HAR_F32, HAR_F64, HAR_I32, HAR_I64, HAR_U8 } har_dtype;

#define HAR_MAX_DIMS 8
#define HAR_MAX_HEADER_BYTES (100u * 1000u * 1000u)
#define HAR_PAYLOAD_CRC_KEY "payload_crc32"

typedef struct {
    char *name;
    har_dtype dtype;
    int ndim;
    int64_t shape[HAR_MAX_DIMS];
    void *data;    /* nbytes bytes, owned */
    size_t nbytes;
} har_tensor;

typedef struct {
    char *key, *value;
} har_meta;

typedef struct {
    har_tensor *tensors;
    size_t ntensors, cap_tensors;
    har_meta *meta;
    size_t nmeta, cap_meta;
    char *source;                     /* path it was read from, for messages */
    char digest[HAR_SHA256_HEX];      /* SHA-256 of the decompressed content read ("" if built) */
} har_tfile;

const char *har_dtype_name(har_dtype t);
size_t har_dtype_size(har_dtype t);
int64_t har_tensor_numel(const har_tensor *t);

har_tfile *har_tfile_new(har_err *e);
void har_tfile_free(har_tfile *f);

/* Adds a tensor with a zero-filled buffer the caller fills in; NULL on error
 * (duplicate name, bad shape, out of memory). */
har_tensor *har_tfile_add(har_tfile *f, const char *name, har_dtype dtype, int ndim,
                          const int64_t *shape, har_err *e);
/* Adds a tensor that takes ownership of a malloc'ed buffer (freed on error). */
har_tensor *har_tfile_adopt(har_tfile *f, const char *name, har_dtype dtype, int ndim,
                            const int64_t *shape, void *data, har_err *e);
har_tensor *har_tfile_get(const har_tfile *f, const char *name);

/* Looks up a tensor and checks its dtype and shape; shape entries < 0 match
 * any size.  The error names the file, the tensor and what was expected. */
har_tensor *har_tfile_expect(const har_tfile *f, const char *name, har_dtype dtype, int ndim,
                             const int64_t *shape, har_err *e);

const char *har_tfile_meta_get(const har_tfile *f, const char *key);
int har_tfile_meta_set(har_tfile *f, const char *key, const char *value, har_err *e);
int har_tfile_meta_setf(har_tfile *f, har_err *e, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies every metadata entry of src into dst (overwriting equal keys). */
int har_tfile_meta_copy(har_tfile *dst, const har_tfile *src, har_err *e);

/* Reads and validates a file ("-" = stdin).  Fills f->digest. */
har_tfile *har_tfile_read(const char *path, har_err *e);

/* Parses and validates a decompressed safetensors image held in memory
 * (header + data); used by the reader and by tests. */
har_tfile *har_tfile_parse(const unsigned char *buf, size_t len, const char *name, har_err *e);

/* Writes atomically (temporary file + rename; "-" = stdout). */
int har_tfile_write(const har_tfile *f, const char *path, har_err *e);
/* Writes into an output opened with har_out_open(..., binary=1) without
 * committing it, so a tool with several outputs can commit all or none. */
int har_tfile_write_to(const har_tfile *f, har_out *out, har_err *e);

/* Serialises header + data into a malloc'ed buffer (no compression). */
int har_tfile_serialize(const har_tfile *f, unsigned char **buf, size_t *len, har_err *e);

#endif
