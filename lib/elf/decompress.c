// SPDX-License-Identifier: GPL-2.0-only
/*
 * xz, zstd and gzip streams decompressed into memory, each with the same
 * output growth and the same bound.
 */
#include <lzma.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <zlib.h>
#include <zstd.h>

#include "base/util.h"
#include "elf/decompress.h"

/* A decompressed module larger than this is a bomb, not a module. */
#define MAX_IMAGE (1UL << 30)

static const struct {
	const char *name, *suffix, *magic;
	size_t len;
} kinds[] = {
	[COMPRESSION_XZ] = { "xz", ".xz", "\xfd" "7zXZ", 6 },	/* the magic ends in a NUL */
	[COMPRESSION_ZSTD] = { "zstd", ".zst", "\x28\xb5\x2f\xfd", 4 },
	[COMPRESSION_GZIP] = { "gzip", ".gz", "\x1f\x8b", 2 },
};

enum compression compression_by_magic(const void *data, size_t size)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(kinds); i++)
		if (size >= kinds[i].len && !memcmp(data, kinds[i].magic, kinds[i].len))
			return i;
	return COMPRESSION_NONE;
}

enum compression compression_by_name(const char *path)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(kinds); i++)
		if (str_ends_with(path, kinds[i].suffix))
			return i;
	return COMPRESSION_NONE;
}

const char *compression_name(enum compression c)
{
	return c > COMPRESSION_NONE && c < ARRAY_SIZE(kinds) ? kinds[c].name : "no";
}

const char *compression_suffix(enum compression c)
{
	return c > COMPRESSION_NONE && c < ARRAY_SIZE(kinds) ? kinds[c].suffix : "";
}

struct output {
	const char *path;
	char *data;
	size_t size, alloc;
	char **err;
};

static int fail(struct output *o, const char *what)
{
	*o->err = xasprintf("%s: %s", o->path, what);
	return -1;
}

/*
 * What the stream says its output size is, so that one allocation fits it:
 * doubling from 1 MiB copied a 10 MB module four times over. Only a hint:
 * a hostile file may lie, and the output still grows, to the same bound.
 */
static size_t size_hint(enum compression c, const char *in, size_t size)
{
	lzma_stream_flags flags;
	lzma_index *index = NULL;
	uint64_t memlimit = 1 << 20, n = 0;
	size_t pos = 0;
	uint32_t isize;

	switch (c) {
	case COMPRESSION_XZ:
		/* One stream, its index just before the 12-byte footer. */
		if (size < 2 * LZMA_STREAM_HEADER_SIZE ||
		    lzma_stream_footer_decode(&flags, (const uint8_t *)in + size - 12) != LZMA_OK ||
		    flags.backward_size > size - 2 * LZMA_STREAM_HEADER_SIZE)
			return 0;
		if (lzma_index_buffer_decode(&index, &memlimit, NULL,
					     (const uint8_t *)in + size - 12 - flags.backward_size,
					     &pos, flags.backward_size) == LZMA_OK) {
			n = lzma_index_uncompressed_size(index);
			lzma_index_end(index, NULL);
		}
		break;
	case COMPRESSION_ZSTD:
		n = ZSTD_getFrameContentSize(in, size);
		if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR)
			n = 0;
		break;
	case COMPRESSION_GZIP:
		/* ISIZE: the size modulo 2^32, which is the size below 4 GiB. */
		if (size >= 18) {
			memcpy(&isize, in + size - 4, 4);
			n = le32toh(isize);
		}
		break;
	default:
		break;
	}
	return n && n < MAX_IMAGE ? n : 0;
}

/*
 * One spare output buffer per thread, up to SPARE_MAX: a reader going
 * through thousands of modules reuses the last one's pages instead of having
 * the allocator trim them and the kernel fault in and zero fresh ones.
 * Larger images are rare (amdgpu, i915) and not worth holding on to.
 */
#define SPARE_MAX (2UL << 20)

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_key_err;

static void spare_key_init(void)
{
	spare_key_err = pthread_key_create(&spare_key, free);
}

static char *take_spare(size_t *alloc)
{
	char *buf = NULL;

	pthread_once(&spare_once, spare_key_init);
	if (!spare_key_err) {
		buf = pthread_getspecific(spare_key);
		pthread_setspecific(spare_key, NULL);
	}
	*alloc = buf ? malloc_usable_size(buf) : 0;
	return buf;
}

void decompress_release(char *image)
{
	char *old;
	size_t size;

	if (!image)
		return;
	pthread_once(&spare_once, spare_key_init);
	size = malloc_usable_size(image);
	old = spare_key_err ? NULL : pthread_getspecific(spare_key);
	if (spare_key_err || size > SPARE_MAX || (old && malloc_usable_size(old) >= size)) {
		free(image);
		return;
	}
	free(old);
	pthread_setspecific(spare_key, image);
}

static int grow_output(struct output *o)
{
	if (o->size < o->alloc)
		return 0;
	if (o->alloc >= MAX_IMAGE)
		return fail(o, "decompressed size over 1 GiB, refusing");
	o->alloc = o->alloc ? o->alloc * 2 : 1 << 20;
	o->data = xrealloc(o->data, o->alloc);
	return 0;
}

/*
 * One xz decoder per thread, reset for each stream rather than made anew:
 * liblzma then keeps its dictionary (a MiB or more) instead of allocating,
 * faulting in and freeing it per module, which over 6.12's 4,230 .ko.xz
 * was most of klp-symbols' system time. Ended when its thread exits.
 */
static pthread_key_t xz_key;
static pthread_once_t xz_once = PTHREAD_ONCE_INIT;
static int xz_key_err;

static void xz_free(void *p)
{
	lzma_end(p);
	free(p);
}

static void xz_key_init(void)
{
	xz_key_err = pthread_key_create(&xz_key, xz_free);
}

static lzma_stream *xz_decoder(void)
{
	static const lzma_stream init = LZMA_STREAM_INIT;
	lzma_stream *s;

	pthread_once(&xz_once, xz_key_init);
	s = xz_key_err ? NULL : pthread_getspecific(xz_key);
	if (!s) {
		s = xmalloc(sizeof(*s));
		*s = init;
		if (!xz_key_err && pthread_setspecific(xz_key, s))
			xz_key_err = 1;
	}
	return s;
}

static void xz_done(lzma_stream *s)
{
	if (xz_key_err) {
		lzma_end(s);
		free(s);
	}
}

static int unxz(struct output *o, const char *in, size_t in_size)
{
	lzma_stream *s = xz_decoder();
	lzma_ret r = LZMA_OK;

	if (lzma_stream_decoder(s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
		xz_done(s);
		return fail(o, "cannot start the xz decoder");
	}
	s->next_in = (const uint8_t *)in;
	s->avail_in = in_size;
	do {
		if (grow_output(o))
			break;
		s->next_out = (uint8_t *)o->data + o->size;
		s->avail_out = o->alloc - o->size;
		r = lzma_code(s, LZMA_FINISH);
		o->size = o->alloc - s->avail_out;
	} while (r == LZMA_OK || (r == LZMA_BUF_ERROR && !s->avail_out));
	xz_done(s);
	if (*o->err)
		return -1;
	return r == LZMA_STREAM_END ? 0 : fail(o, "corrupt or truncated xz data");
}

static int unzstd(struct output *o, const char *in, size_t in_size)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_size, 0 };
	size_t r = 1;

	if (!ds)
		return fail(o, "cannot start the zstd decoder");
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;

		if (grow_output(o))
			break;
		ob.dst = o->data;
		ob.size = o->alloc;
		ob.pos = o->size;
		r = ZSTD_decompressStream(ds, &ob, &ib);
		o->size = ob.pos;
		if (ZSTD_isError(r) || (ib.pos == ib.size && r && ob.pos < ob.size))
			break;
	}
	ZSTD_freeDStream(ds);
	if (*o->err)
		return -1;
	return !ZSTD_isError(r) && !r ? 0 : fail(o, "corrupt or truncated zstd data");
}

static int gunzip(struct output *o, const char *in, size_t in_size)
{
	z_stream z = { 0 };
	int r = Z_OK;

	if (in_size > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return fail(o, "cannot start the gzip decoder");
	z.next_in = (Bytef *)in;
	z.avail_in = in_size;
	while (r == Z_OK) {
		if (grow_output(o))
			break;
		z.next_out = (Bytef *)o->data + o->size;
		z.avail_out = o->alloc - o->size > UINT32_MAX ? UINT32_MAX : o->alloc - o->size;
		r = inflate(&z, Z_NO_FLUSH);
		o->size = (char *)z.next_out - o->data;
		if (r == Z_BUF_ERROR && z.avail_out)
			break;
		if (r == Z_BUF_ERROR)
			r = Z_OK;
	}
	inflateEnd(&z);
	if (*o->err)
		return -1;
	return r == Z_STREAM_END ? 0 : fail(o, "corrupt or truncated gzip data");
}

int decompress(const char *path, enum compression c, const char *in, size_t size,
	       char **out, size_t *out_size, char **err)
{
	struct output o = { .path = path, .err = err };
	size_t hint;
	int ret;

	*err = NULL;
	/* One byte more than the hint: reaching it tells the stream ended there. */
	hint = size_hint(c, in, size);
	o.data = take_spare(&o.alloc);
	if (hint && hint + 1 > o.alloc) {
		free(o.data);
		o.alloc = hint + 1;
		o.data = xmalloc(o.alloc);
	}
	switch (c) {
	case COMPRESSION_XZ:
		ret = unxz(&o, in, size);
		break;
	case COMPRESSION_ZSTD:
		ret = unzstd(&o, in, size);
		break;
	case COMPRESSION_GZIP:
		ret = gunzip(&o, in, size);
		break;
	default:
		ret = fail(&o, "not compressed data");
		break;
	}
	if (ret) {
		decompress_release(o.data);
		o.data = NULL;
		o.size = 0;
	}
	*out = o.data;
	*out_size = o.size;
	return ret;
}
