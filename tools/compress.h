/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-page compression as kdump-compressed files store it: each page is
 * compressed on its own, and stored compressed only if that is smaller than
 * the page (readers take size == page size as a raw page).
 *
 * A struct compressor holds one thread's state (zlib stream, lzo work
 * memory, zstd context, output buffer): create one per worker thread.
 */
#ifndef VMCF_COMPRESS_H
#define VMCF_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"

/* The page descriptor and header status flags (makedumpfile's diskdump_mod.h
 * values, which crash and libkdumpfile test). */
#define KDUMP_FLAG_ZLIB		0x01u
#define KDUMP_FLAG_LZO		0x02u
#define KDUMP_FLAG_SNAPPY	0x04u
#define KDUMP_FLAG_ZSTD		0x20u
#define KDUMP_FLAG_COMPRESSED	(KDUMP_FLAG_ZLIB | KDUMP_FLAG_LZO | \
				 KDUMP_FLAG_SNAPPY | KDUMP_FLAG_ZSTD)

enum compress_alg {
	COMPRESS_NONE,
	COMPRESS_ZLIB,		/* zlib-wrapped deflate, level 1 (-c) */
	COMPRESS_LZO,		/* raw lzo1x_1 block (-l) */
	COMPRESS_SNAPPY,	/* raw snappy (-p) */
	COMPRESS_ZSTD,		/* one zstd frame, level 1 (-z) */
	COMPRESS_NR_ALGS,
};

/* "none", "zlib", "lzo", "snappy", "zstd". */
const char *compress_alg_name(enum compress_alg alg);
/* Parses one of those names; false if unknown. */
bool compress_alg_from_name(const char *name, enum compress_alg *alg_ret);
/* The KDUMP_FLAG_* bit of alg; 0 for COMPRESS_NONE. */
uint32_t compress_alg_flag(enum compress_alg alg);

struct compressor;

struct vmcf_error *compressor_create(enum compress_alg alg, size_t page_size,
				     struct compressor **compressor_ret);
void compressor_destroy(struct compressor *c);

/*
 * Compresses one page of page_size bytes.  On return *data_ret points at what
 * to store: the compressor's buffer (valid until its next use) or page
 * itself when compression did not make it smaller; *size_ret and *flags_ret
 * are the page descriptor's size and flags (flags 0 = raw).
 */
struct vmcf_error *compressor_page(struct compressor *c, const void *page,
				   const void **data_ret, size_t *size_ret,
				   uint32_t *flags_ret);

/*
 * Reverses compressor_page(): decodes size bytes stored with descriptor flags
 * into page_size bytes at page.  Any result other than exactly page_size
 * bytes is an error (EINVAL).
 */
struct vmcf_error *decompress_page(uint32_t flags, const void *data,
				   size_t size, void *page, size_t page_size);

#endif /* VMCF_COMPRESS_H */
