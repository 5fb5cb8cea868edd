/* tensor file, whole read path: har_tfile_read on a file (gzip inflation in
 * infile.c, then header and payload).  The first input byte picks how the
 * rest reaches the reader: 0 as is (the fuzzer mutates gzip framing or a
 * plain safetensors file directly), 1 gzip-compressed here (so mutations of
 * the header and payload get through the CRC), 2 as two gzip members.  The
 * file is a memfd opened by path (/proc/self/fd/N): no disk I/O. */
#include <sys/mman.h>
#include <zlib.h>

#include "fuzz.h"

#include "io/tensorfile.h"

static int memfd = -1;
static char memfd_path[64];

/* Appends one gzip member of src to dst (dst has room: deflateBound). */
static size_t gzip_member(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    z_stream z = {0};
    if (deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t out = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static void put(const uint8_t *p, size_t n)
{
    if (ftruncate(memfd, 0) || lseek(memfd, 0, SEEK_SET) != 0)
        abort();
    fuzz_write_all(memfd, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        if ((memfd = memfd_create("har-fuzz", 0)) < 0)
            abort();
        snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
    }
    int mode = size ? data[0] % 3 : 0;
    const uint8_t *p = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    if (mode == 0) {
        put(p, n);
    } else {
        size_t cap = 2 * (compressBound((uLong)n) + 64);
        uint8_t *z = malloc(cap);
        if (!z)
            abort();
        size_t half = mode == 2 ? n / 2 : n, len = gzip_member(p, half, z, cap);
        if (mode == 2)
            len += gzip_member(p + half, n - half, z + len, cap - len);
        put(z, len);
        free(z);
    }
    har_err e = {0};
    har_tfile *f = har_tfile_read(memfd_path, &e);
    if (!f && (!e.code || !e.msg[0]))
        abort();
    har_tfile_free(f);
    return 0;
}
