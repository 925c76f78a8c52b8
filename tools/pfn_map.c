// SPDX-License-Identifier: GPL-2.0
/* The pfns to dump, a chunk at a time: see pfn_map.h. */
#define _GNU_SOURCE		/* O_TMPFILE */
#include "pfn_map.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pfn_map {
	uint64_t max_pfn;
	uint64_t nr_chunks;
	/*
	 * nr_chunks + 1 entries: kept pfns before chunk k.  Until seal(),
	 * entry k + 1 holds chunk k's own count.
	 */
	uint64_t *rank;
	bool sealed;
	const uint8_t *bitmap;		/* bitmap maps: the whole bitmap */
	uint8_t *own_bitmap;		/* ... if copied */
	pfn_map_read_fn read;
	void *read_ctx;
	int spill_fd;
};

/* Set bits among bits [from, to) of an LSB-first bitmap. */
static uint64_t count_bits(const uint8_t *bits, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (; from < to && (from & 63); from++)
		n += (bits[from >> 3] >> (from & 7)) & 1;
	for (; from + 64 <= to; from += 64) {
		uint64_t w;

		memcpy(&w, bits + (from >> 3), sizeof(w));
		if (w)
			n += (uint64_t)__builtin_popcountll(w);
	}
	for (; from < to; from++)
		n += (bits[from >> 3] >> (from & 7)) & 1;
	return n;
}

static struct vmcf_error *map_alloc(uint64_t max_pfn, struct pfn_map **map_ret)
{
	struct pfn_map *map;

	if (!max_pfn)
		return vmcf_error_create(EINVAL, "pfn map of no pfns");
	map = calloc(1, sizeof(*map));
	if (!map)
		return &vmcf_enomem;
	map->max_pfn = max_pfn;
	map->nr_chunks = (max_pfn + PFN_MAP_CHUNK_PFNS - 1) >> PFN_MAP_CHUNK_SHIFT;
	map->rank = calloc(map->nr_chunks + 1, sizeof(map->rank[0]));
	map->spill_fd = -1;
	if (!map->rank) {
		free(map);
		return &vmcf_enomem;
	}
	*map_ret = map;
	return NULL;
}

struct vmcf_error *pfn_map_create(uint64_t max_pfn, struct pfn_map **map_ret)
{
	return map_alloc(max_pfn, map_ret);
}

struct vmcf_error *pfn_map_create_bitmap(const uint8_t *bitmap,
					 uint64_t max_pfn, bool copy,
					 struct pfn_map **map_ret)
{
	size_t bytes = (size_t)((max_pfn + 7) / 8);
	struct pfn_map *map;
	struct vmcf_error *err;

	err = map_alloc(max_pfn, &map);
	if (err)
		return err;
	if (copy) {
		map->own_bitmap = malloc(bytes);
		if (!map->own_bitmap) {
			pfn_map_destroy(map);
			return &vmcf_enomem;
		}
		memcpy(map->own_bitmap, bitmap, bytes);
		if (max_pfn % 8)
			map->own_bitmap[bytes - 1] &=
				(uint8_t)((1u << (max_pfn % 8)) - 1);
		bitmap = map->own_bitmap;
	}
	map->bitmap = bitmap;
	for (uint64_t k = 0; k < map->nr_chunks; k++)
		pfn_map_set_count(map, k,
				  count_bits(bitmap + k * PFN_MAP_CHUNK_BYTES, 0,
					     pfn_map_chunk_pfns(map, k)));
	pfn_map_seal(map);
	*map_ret = map;
	return NULL;
}

void pfn_map_destroy(struct pfn_map *map)
{
	if (!map)
		return;
	if (map->spill_fd >= 0)
		close(map->spill_fd);
	free(map->own_bitmap);
	free(map->rank);
	free(map);
}

uint64_t pfn_map_max_pfn(const struct pfn_map *map)
{
	return map->max_pfn;
}

uint64_t pfn_map_nr_chunks(const struct pfn_map *map)
{
	return map->nr_chunks;
}

uint64_t pfn_map_chunk_pfns(const struct pfn_map *map, uint64_t chunk)
{
	uint64_t start = chunk << PFN_MAP_CHUNK_SHIFT;

	if (start >= map->max_pfn)
		return 0;
	return map->max_pfn - start < PFN_MAP_CHUNK_PFNS ?
		       map->max_pfn - start : PFN_MAP_CHUNK_PFNS;
}

void pfn_map_set_count(struct pfn_map *map, uint64_t chunk, uint64_t count)
{
	map->rank[chunk + 1] = count;
}

void pfn_map_seal(struct pfn_map *map)
{
	for (uint64_t k = 0; k < map->nr_chunks; k++)
		map->rank[k + 1] += map->rank[k];
	map->sealed = true;
}

void pfn_map_set_reader(struct pfn_map *map, pfn_map_read_fn read, void *ctx)
{
	map->read = read;
	map->read_ctx = ctx;
}

uint64_t pfn_map_total(const struct pfn_map *map)
{
	return map->rank[map->nr_chunks];
}

uint64_t pfn_map_chunk_rank(const struct pfn_map *map, uint64_t chunk)
{
	return map->rank[chunk < map->nr_chunks ? chunk : map->nr_chunks];
}

uint64_t pfn_map_chunk_count(const struct pfn_map *map, uint64_t chunk)
{
	if (chunk >= map->nr_chunks)
		return 0;
	return map->rank[chunk + 1] - map->rank[chunk];
}

/* --- the spill file ---------------------------------------------------- */

static struct vmcf_error *spill_read(void *ctx, uint64_t chunk,
				     uint64_t nr_pfns, uint8_t *bits)
{
	const struct pfn_map *map = ctx;
	size_t size = (size_t)((nr_pfns + 7) / 8), done = 0;
	uint64_t offset = chunk * PFN_MAP_CHUNK_BYTES;

	while (done < size) {
		ssize_t r = pread(map->spill_fd, bits + done, size - done,
				  (off_t)(offset + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno,
						"pread bitmap spill file at 0x%" PRIx64,
						offset + done);
		if (r == 0)	/* a chunk never written: no pfn kept */
			break;
		done += (size_t)r;
	}
	memset(bits + done, 0, size - done);
	return NULL;
}

/* An unlinked file in the directory of path. */
static int open_spill(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	static const char name[] = ".vmcore-dump-bitmap.XXXXXX";
	char *tmp = malloc(dir_len + sizeof(name) + 2);
	int fd;

	if (!tmp)
		return -1;
	if (dir_len)
		memcpy(tmp, path, dir_len);
	else
		tmp[dir_len++] = '.';
	tmp[dir_len] = '\0';
	fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* O_TMPFILE needs Linux 3.11 and a filesystem that has it. */
		if (tmp[dir_len - 1] != '/')
			tmp[dir_len++] = '/';
		memcpy(tmp + dir_len, name, sizeof(name));
		fd = mkstemp(tmp);
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return fd;
}

struct vmcf_error *pfn_map_spill(struct pfn_map *map, const char *path)
{
	map->spill_fd = open_spill(path);
	if (map->spill_fd < 0)
		return vmcf_error_errno(errno,
					"a bitmap spill file beside %s", path);
	pfn_map_set_reader(map, spill_read, map);
	return NULL;
}

struct vmcf_error *pfn_map_spill_put(struct pfn_map *map, uint64_t chunk,
				     const uint8_t *bits)
{
	size_t size = (size_t)((pfn_map_chunk_pfns(map, chunk) + 7) / 8);
	uint64_t offset = chunk * PFN_MAP_CHUNK_BYTES;
	size_t done = 0;

	/* A chunk with nothing kept stays a hole: it reads back as zeros. */
	if (!count_bits(bits, 0, (uint64_t)size * 8))
		return NULL;
	while (done < size) {
		ssize_t r = pwrite(map->spill_fd, bits + done, size - done,
				   (off_t)(offset + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno,
						"pwrite bitmap spill file at 0x%" PRIx64,
						offset + done);
		done += (size_t)r;
	}
	return NULL;
}

/* --- reading chunks ---------------------------------------------------- */

struct vmcf_error *pfn_map_read_chunk(const struct pfn_map *map,
				      uint64_t chunk, uint8_t *buf,
				      const uint8_t **bits_ret)
{
	uint64_t nr = pfn_map_chunk_pfns(map, chunk), got;
	struct vmcf_error *err;

	if (map->bitmap) {
		*bits_ret = map->bitmap + chunk * PFN_MAP_CHUNK_BYTES;
		return NULL;
	}
	if (!map->read)
		return vmcf_error_create(EINVAL,
					 "pfn map: nowhere to read chunk %" PRIu64 " from",
					 chunk);
	err = map->read(map->read_ctx, chunk, nr, buf);
	if (err)
		return err;
	/* Ranks were given out from the count: the bits must agree. */
	got = count_bits(buf, 0, nr);
	if (got != pfn_map_chunk_count(map, chunk))
		return vmcf_error_create(EIO,
					 "keep bits of pfns [0x%" PRIx64 ", 0x%" PRIx64 ") read back with %" PRIu64 " pfns kept, %" PRIu64 " when they were counted",
					 chunk << PFN_MAP_CHUNK_SHIFT,
					 (chunk << PFN_MAP_CHUNK_SHIFT) + nr, got,
					 pfn_map_chunk_count(map, chunk));
	*bits_ret = buf;
	return NULL;
}

/* --- cursors ----------------------------------------------------------- */

struct vmcf_error *pfn_cursor_init(struct pfn_cursor *cur,
				   const struct pfn_map *map,
				   pfn_block_weight_fn weight,
				   const void *weight_ctx)
{
	memset(cur, 0, sizeof(*cur));
	cur->map = map;
	cur->chunk = PFN_CURSOR_NONE;
	cur->weight = weight;
	cur->weight_ctx = weight_ctx;
	cur->buf = map->bitmap ? NULL : malloc(PFN_MAP_CHUNK_BYTES);
	cur->rank = malloc((PFN_MAP_BLOCKS + 1) * sizeof(cur->rank[0]));
	cur->aux = weight ? malloc((PFN_MAP_BLOCKS + 1) * sizeof(cur->aux[0])) :
			    NULL;
	if ((!map->bitmap && !cur->buf) || !cur->rank || (weight && !cur->aux)) {
		pfn_cursor_deinit(cur);
		return &vmcf_enomem;
	}
	return NULL;
}

void pfn_cursor_deinit(struct pfn_cursor *cur)
{
	free(cur->buf);
	free(cur->rank);
	free(cur->aux);
	cur->buf = NULL;
	cur->rank = NULL;
	cur->aux = NULL;
	cur->chunk = PFN_CURSOR_NONE;
}

/* The prefix sums of the loaded chunk's blocks. */
static void index_blocks(struct pfn_cursor *cur, uint64_t nr_pfns)
{
	uint64_t rank = 0, aux = 0;

	for (uint64_t b = 0; b < PFN_MAP_BLOCKS; b++) {
		uint64_t from = b * PFN_MAP_BLOCK_PFNS;
		uint64_t to = from + PFN_MAP_BLOCK_PFNS < nr_pfns ?
				      from + PFN_MAP_BLOCK_PFNS : nr_pfns;
		uint64_t n = from < to ? count_bits(cur->bits, from, to) : 0;

		cur->rank[b] = (uint32_t)rank;
		rank += n;
		if (!cur->aux)
			continue;
		cur->aux[b] = aux;
		if (n)
			aux += cur->weight(cur->weight_ctx,
					   cur->bits + from / 8, to - from);
	}
	cur->rank[PFN_MAP_BLOCKS] = (uint32_t)rank;
	if (cur->aux)
		cur->aux[PFN_MAP_BLOCKS] = aux;
}

struct vmcf_error *pfn_cursor_load(struct pfn_cursor *cur, uint64_t chunk)
{
	struct vmcf_error *err;

	if (cur->chunk == chunk)
		return NULL;
	cur->chunk = PFN_CURSOR_NONE;
	err = pfn_map_read_chunk(cur->map, chunk, cur->buf, &cur->bits);
	if (err)
		return err;
	index_blocks(cur, pfn_map_chunk_pfns(cur->map, chunk));
	cur->chunk = chunk;
	return NULL;
}

uint64_t pfn_cursor_rank(const struct pfn_cursor *cur, uint64_t pfn)
{
	uint64_t i = pfn & (PFN_MAP_CHUNK_PFNS - 1);
	uint64_t b = i / PFN_MAP_BLOCK_PFNS;

	return pfn_map_chunk_rank(cur->map, cur->chunk) + cur->rank[b] +
	       count_bits(cur->bits, b * PFN_MAP_BLOCK_PFNS, i);
}
