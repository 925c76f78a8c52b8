// SPDX-License-Identifier: GPL-2.0
/* Per-page compression: see compress.h. */
#include "compress.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

/* Level 1 everywhere: makedumpfile's choice, and the collector is I/O bound
 * only if compression keeps up with the disk. */
#define ZLIB_LEVEL	Z_BEST_SPEED
#define ZSTD_LEVEL	1

static const struct {
	const char *name;
	uint32_t flag;
} algs[COMPRESS_NR_ALGS] = {
	[COMPRESS_NONE] = { "none", 0 },
	[COMPRESS_ZLIB] = { "zlib", KDUMP_FLAG_ZLIB },
	[COMPRESS_LZO] = { "lzo", KDUMP_FLAG_LZO },
	[COMPRESS_SNAPPY] = { "snappy", KDUMP_FLAG_SNAPPY },
	[COMPRESS_ZSTD] = { "zstd", KDUMP_FLAG_ZSTD },
};

const char *compress_alg_name(enum compress_alg alg)
{
	return (unsigned)alg < COMPRESS_NR_ALGS ? algs[alg].name : "unknown";
}

bool compress_alg_from_name(const char *name, enum compress_alg *alg_ret)
{
	for (unsigned i = 0; i < COMPRESS_NR_ALGS; i++) {
		if (strcmp(name, algs[i].name) == 0) {
			*alg_ret = (enum compress_alg)i;
			return true;
		}
	}
	return false;
}

uint32_t compress_alg_flag(enum compress_alg alg)
{
	return (unsigned)alg < COMPRESS_NR_ALGS ? algs[alg].flag : 0;
}

struct compressor {
	enum compress_alg alg;
	size_t page_size;
	unsigned char *out;
	size_t out_size;
	z_stream zs;
	bool zs_ready;
	void *lzo_wrkmem;
	ZSTD_CCtx *zstd;
};

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static int lzo_status;

static void lzo_init_once(void)
{
	lzo_status = lzo_init();
}

struct vmcf_error *compressor_create(enum compress_alg alg, size_t page_size,
				     struct compressor **compressor_ret)
{
	struct compressor *c;

	if ((unsigned)alg >= COMPRESS_NR_ALGS)
		return vmcf_error_create(EINVAL, "unknown compression %d", alg);
	/* zlib counts in uInt, lzo in lzo_uint: keep pages well inside. */
	if (!page_size || page_size > (1u << 20))
		return vmcf_error_create(EINVAL,
					 "compression of %zu-byte pages is not supported",
					 page_size);
	c = calloc(1, sizeof(*c));
	if (!c)
		return &vmcf_enomem;
	c->alg = alg;
	c->page_size = page_size;

	switch (alg) {
	case COMPRESS_NONE:
		break;
	case COMPRESS_ZLIB:
		c->out_size = compressBound((uLong)page_size);
		/*
		 * A reset stream produces the same zlib-wrapped bytes as
		 * compress2(level 1) without its 256 KiB allocation per page.
		 */
		if (deflateInit(&c->zs, ZLIB_LEVEL) != Z_OK)
			goto enomem;
		c->zs_ready = true;
		break;
	case COMPRESS_LZO:
		pthread_once(&lzo_once, lzo_init_once);
		if (lzo_status != LZO_E_OK) {
			compressor_destroy(c);
			return vmcf_error_create(EIO, "lzo_init() failed: %d",
						 lzo_status);
		}
		/* lzo1x_1 does not check the output size: use its bound. */
		c->out_size = page_size + page_size / 16 + 64 + 3;
		c->lzo_wrkmem = malloc(LZO1X_1_MEM_COMPRESS);
		if (!c->lzo_wrkmem)
			goto enomem;
		break;
	case COMPRESS_SNAPPY:
		c->out_size = snappy_max_compressed_length(page_size);
		break;
	case COMPRESS_ZSTD:
		c->out_size = ZSTD_compressBound(page_size);
		c->zstd = ZSTD_createCCtx();
		if (!c->zstd)
			goto enomem;
		break;
	default:
		break;
	}
	if (c->out_size) {
		c->out = malloc(c->out_size);
		if (!c->out)
			goto enomem;
	}
	*compressor_ret = c;
	return NULL;

enomem:
	compressor_destroy(c);
	return &vmcf_enomem;
}

void compressor_destroy(struct compressor *c)
{
	if (!c)
		return;
	if (c->zs_ready)
		deflateEnd(&c->zs);
	ZSTD_freeCCtx(c->zstd);
	free(c->lzo_wrkmem);
	free(c->out);
	free(c);
}

/* Compresses into c->out; *size_ret = 0 if the result does not fit. */
static struct vmcf_error *compress_into(struct compressor *c, const void *page,
					size_t *size_ret)
{
	switch (c->alg) {
	case COMPRESS_ZLIB: {
		int ret = deflateReset(&c->zs);

		c->zs.next_in = (Bytef *)page;
		c->zs.avail_in = (uInt)c->page_size;
		c->zs.next_out = c->out;
		c->zs.avail_out = (uInt)c->out_size;
		if (ret == Z_OK)
			ret = deflate(&c->zs, Z_FINISH);
		if (ret != Z_STREAM_END)
			return vmcf_error_create(EIO, "zlib deflate failed: %d",
						 ret);
		*size_ret = c->zs.total_out;
		return NULL;
	}
	case COMPRESS_LZO: {
		lzo_uint len = c->out_size;
		int ret = lzo1x_1_compress(page, c->page_size, c->out, &len,
					   c->lzo_wrkmem);

		if (ret != LZO_E_OK)
			return vmcf_error_create(EIO, "lzo1x_1_compress failed: %d",
						 ret);
		*size_ret = len;
		return NULL;
	}
	case COMPRESS_SNAPPY: {
		size_t len = c->out_size;
		snappy_status ret = snappy_compress(page, c->page_size,
						    (char *)c->out, &len);

		if (ret != SNAPPY_OK)
			return vmcf_error_create(EIO, "snappy_compress failed: %d",
						 (int)ret);
		*size_ret = len;
		return NULL;
	}
	case COMPRESS_ZSTD: {
		size_t ret = ZSTD_compressCCtx(c->zstd, c->out, c->out_size,
					       page, c->page_size, ZSTD_LEVEL);

		if (ZSTD_isError(ret))
			return vmcf_error_create(EIO, "zstd compression failed: %s",
						 ZSTD_getErrorName(ret));
		*size_ret = ret;
		return NULL;
	}
	default:
		*size_ret = 0;
		return NULL;
	}
}

struct vmcf_error *compressor_page(struct compressor *c, const void *page,
				   const void **data_ret, size_t *size_ret,
				   uint32_t *flags_ret)
{
	struct vmcf_error *err;
	size_t size = 0;

	err = compress_into(c, page, &size);
	if (err)
		return err;
	if (size && size < c->page_size) {
		*data_ret = c->out;
		*size_ret = size;
		*flags_ret = algs[c->alg].flag;
	} else {
		*data_ret = page;
		*size_ret = c->page_size;
		*flags_ret = 0;
	}
	return NULL;
}

struct vmcf_error *decompress_page(uint32_t flags, const void *data,
				   size_t size, void *page, size_t page_size)
{
	size_t got;

	if (page_size > UINT_MAX)
		return vmcf_error_create(EINVAL, "page size %zu", page_size);
	switch (flags) {
	case 0:
		if (size != page_size)
			return vmcf_error_create(EINVAL,
						 "raw page of %zu bytes, expected %zu",
						 size, page_size);
		memcpy(page, data, size);
		return NULL;
	case KDUMP_FLAG_ZLIB: {
		uLongf len = (uLongf)page_size;
		int ret = uncompress(page, &len, data, (uLong)size);

		if (ret != Z_OK)
			return vmcf_error_create(EINVAL, "zlib uncompress failed: %d",
						 ret);
		got = len;
		break;
	}
	case KDUMP_FLAG_LZO: {
		lzo_uint len = page_size;
		int ret = lzo1x_decompress_safe(data, size, page, &len, NULL);

		if (ret != LZO_E_OK)
			return vmcf_error_create(EINVAL,
						 "lzo1x_decompress_safe failed: %d",
						 ret);
		got = len;
		break;
	}
	case KDUMP_FLAG_SNAPPY: {
		size_t len = page_size;
		snappy_status ret = snappy_uncompress(data, size, page, &len);

		if (ret != SNAPPY_OK)
			return vmcf_error_create(EINVAL,
						 "snappy_uncompress failed: %d",
						 (int)ret);
		got = len;
		break;
	}
	case KDUMP_FLAG_ZSTD: {
		size_t ret = ZSTD_decompress(page, page_size, data, size);

		if (ZSTD_isError(ret))
			return vmcf_error_create(EINVAL,
						 "zstd decompression failed: %s",
						 ZSTD_getErrorName(ret));
		got = ret;
		break;
	}
	default:
		return vmcf_error_create(EINVAL,
					 "page flags 0x%x: not one compression method",
					 flags);
	}
	if (got != page_size)
		return vmcf_error_create(EINVAL,
					 "page decompressed to %zu bytes, expected %zu",
					 got, page_size);
	return NULL;
}
