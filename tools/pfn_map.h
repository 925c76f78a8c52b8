/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pfns to dump, without the bitmap of them in memory.
 *
 * A keep bitmap has one bit per page frame: 32 MiB per TiB of RAM, too much
 * for a capture kernel of a few hundred MiB on a machine of several TiB.
 * So the pfn space is cut into chunks of PFN_MAP_CHUNK_PFNS (4 GiB of RAM,
 * a 128 KiB piece of bitmap) and the map holds only the number of kept
 * pfns before each chunk: 8 bytes per chunk, the one thing that grows with
 * RAM.  The bits themselves are read again, a chunk at a time, from where
 * the first pass put them:
 *
 *   - a kdump-compressed output file's bitmap 2 (pread of its page cache);
 *   - a spill file: an unlinked file beside an ELF output (pfn_map_spill());
 *   - the filter source itself, asked again (flattened stream, dry run);
 *   - memory, for callers that have the whole bitmap (--to-elf, tests).
 *
 * Every chunk read is checked against its count, so a source that answers
 * differently the second time is an error, never a wrong descriptor.
 *
 * A cursor (one per thread) holds one chunk's bits and, for each block of
 * PFN_MAP_BLOCK_PFNS pfns (the pipeline's unit of work), the kept pfns
 * before it: the rank of any pfn is then an addition and one popcount.
 * It can keep a second prefix sum per block of a caller's weight (the ELF
 * writer's header slots).
 */
#ifndef VMCF_PFN_MAP_H
#define VMCF_PFN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"

#define PFN_MAP_CHUNK_SHIFT	20
#define PFN_MAP_CHUNK_PFNS	(UINT64_C(1) << PFN_MAP_CHUNK_SHIFT)
#define PFN_MAP_CHUNK_BYTES	(PFN_MAP_CHUNK_PFNS / 8)
#define PFN_MAP_BLOCK_PFNS	1024
#define PFN_MAP_BLOCKS		(PFN_MAP_CHUNK_PFNS / PFN_MAP_BLOCK_PFNS)

struct pfn_map;

/*
 * Reads the keep bits of chunk (nr_pfns of them, LSB first; bits past
 * nr_pfns up to the next byte must be 0) into bits.  Called from any
 * thread.
 */
typedef struct vmcf_error *(*pfn_map_read_fn)(void *ctx, uint64_t chunk,
					      uint64_t nr_pfns, uint8_t *bits);

/* A map of [0, max_pfn) whose chunk counts the caller sets (first pass). */
struct vmcf_error *pfn_map_create(uint64_t max_pfn, struct pfn_map **map_ret);

/*
 * A map of a whole bitmap in memory (max_pfn bits; bits past it ignored).
 * With copy the map keeps its own copy, else bitmap must outlive it.
 */
struct vmcf_error *pfn_map_create_bitmap(const uint8_t *bitmap,
					 uint64_t max_pfn, bool copy,
					 struct pfn_map **map_ret);

void pfn_map_destroy(struct pfn_map *map);

uint64_t pfn_map_max_pfn(const struct pfn_map *map);
uint64_t pfn_map_nr_chunks(const struct pfn_map *map);

/* Pfns [chunk * PFN_MAP_CHUNK_PFNS, + this) are in chunk. */
uint64_t pfn_map_chunk_pfns(const struct pfn_map *map, uint64_t chunk);

/*
 * First pass: the kept pfns of each chunk (any thread, each chunk once),
 * then seal() once, before any of the functions below.
 */
void pfn_map_set_count(struct pfn_map *map, uint64_t chunk, uint64_t count);
void pfn_map_seal(struct pfn_map *map);

/* Where pfn_map_read_chunk() gets the bits (not for bitmap maps). */
void pfn_map_set_reader(struct pfn_map *map, pfn_map_read_fn read, void *ctx);

/*
 * Keeps the bits in an unlinked file in the directory of path (on the
 * dump's disk, not in RAM), written with pfn_map_spill_put() during the
 * first pass and read back afterwards.  Fails if no such file can be made.
 */
struct vmcf_error *pfn_map_spill(struct pfn_map *map, const char *path);
struct vmcf_error *pfn_map_spill_put(struct pfn_map *map, uint64_t chunk,
				     const uint8_t *bits);

/* Kept pfns in all chunks, before chunk, and in chunk. */
uint64_t pfn_map_total(const struct pfn_map *map);
uint64_t pfn_map_chunk_rank(const struct pfn_map *map, uint64_t chunk);
uint64_t pfn_map_chunk_count(const struct pfn_map *map, uint64_t chunk);

/*
 * The keep bits of chunk: *bits_ret points into the map (bitmap maps) or
 * at buf (PFN_MAP_CHUNK_BYTES bytes), filled by the reader and checked
 * against the chunk's count.
 */
struct vmcf_error *pfn_map_read_chunk(const struct pfn_map *map,
				      uint64_t chunk, uint8_t *buf,
				      const uint8_t **bits_ret);

/* --- cursors ----------------------------------------------------------- */

/* A weight of the block at bits (nr_pfns <= PFN_MAP_BLOCK_PFNS of them). */
typedef uint64_t (*pfn_block_weight_fn)(const void *ctx, const uint8_t *bits,
					uint64_t nr_pfns);

#define PFN_CURSOR_NONE	UINT64_MAX

struct pfn_cursor {
	const struct pfn_map *map;
	uint64_t chunk;			/* loaded, or PFN_CURSOR_NONE */
	const uint8_t *bits;		/* its keep bits */
	uint8_t *buf;			/* PFN_MAP_CHUNK_BYTES */
	uint32_t *rank;			/* PFN_MAP_BLOCKS + 1: kept before */
	pfn_block_weight_fn weight;	/* NULL: no aux */
	const void *weight_ctx;
	uint64_t *aux;			/* PFN_MAP_BLOCKS + 1: weight before */
};

/* About 140 KiB per cursor (128 KiB of bits, the prefix sums). */
struct vmcf_error *pfn_cursor_init(struct pfn_cursor *cur,
				   const struct pfn_map *map,
				   pfn_block_weight_fn weight,
				   const void *weight_ctx);
void pfn_cursor_deinit(struct pfn_cursor *cur);

/* Makes chunk the loaded one (a no-op if it is). */
struct vmcf_error *pfn_cursor_load(struct pfn_cursor *cur, uint64_t chunk);

/* For a pfn of the loaded chunk: kept?  Its rank in the whole map. */
static inline bool pfn_cursor_test(const struct pfn_cursor *cur, uint64_t pfn)
{
	uint64_t i = pfn & (PFN_MAP_CHUNK_PFNS - 1);

	return cur->bits[i >> 3] & (1u << (i & 7));
}

uint64_t pfn_cursor_rank(const struct pfn_cursor *cur, uint64_t pfn);

#endif /* VMCF_PFN_MAP_H */
