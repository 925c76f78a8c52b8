/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writer of kdump-compressed files (header version 6), the format crash,
 * drgn/libkdumpfile and makedumpfile read.  See
 * /work/shared/reference/kdump-compressed-format.md for the layout.
 *
 * The layout is fixed before the first page is put: the bitmaps say which
 * pfns are dumped, so every page descriptor's place is known up front (the
 * rank of its pfn among the set bits of bitmap 2).  Page data then goes
 * wherever an atomic counter says, so any number of threads can put pages
 * in any order.  Two ways to get there:
 *
 *	kdump_writer_create()		with both bitmaps whole in memory:
 *					headers and bitmaps, marked INCOMPLETE
 *	kdump_writer_put_page() ...	from any thread, any order
 *
 * or, without ever holding a bitmap (vmcore-dump, for machines of many
 * TiB; see pfn_map.h):
 *
 *	kdump_writer_open()		nothing but the stream's headers yet
 *	kdump_writer_put_bitmaps() ...	both bitmaps, a piece at a time
 *	kdump_writer_start()		the range and its number of pages:
 *					headers, marked INCOMPLETE
 *	kdump_writer_put_descs_at() ...	from any thread, with each batch's
 *					descriptor index from the caller
 *
 * and then
 *
 *	kdump_writer_finish()		INCOMPLETE cleared, once all pages are in
 * or, on failure (ENOSPC, a read error that ends the dump):
 *	kdump_writer_mark_incomplete()	the file stays readable, flagged
 *	kdump_writer_destroy()
 *
 * Memory: a writer from create() copies bitmap 2 (max_pfn / 8 bytes) and a
 * rank table (an eighth of that); one from open() holds neither, only its
 * headers and the list of descriptor ranges put so far (a few per thread
 * putting pages), whatever the size of the dump.
 *
 * Descriptors of pages never put stay zero (offset 0 = missing), so an
 * incomplete file still opens and every page that was put reads back.
 *
 * Flattened mode (makedumpfile -F) turns every positioned write into a
 * record {be64 offset, be64 size, data} on a non-seekable fd (pipe, ssh);
 * `makedumpfile -R` rebuilds the file.  Records are written under a mutex
 * since the stream is serial; the end marker is written only by finish().
 * A writer that may hit a closed pipe should ignore SIGPIPE.
 */
#ifndef VMCF_KDUMP_WRITER_H
#define VMCF_KDUMP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "vmcf_error.h"

#define KDUMP_HEADER_VERSION		6
#define KDUMP_FLAG_INCOMPLETE		0x08u
#define KDUMP_DISK_DUMP_HEADER_SIZE	464
#define KDUMP_SUB_HEADER_SIZE		104
#define KDUMP_PAGE_DESC_SIZE		24
#define KDUMP_FLAT_HEADER_SIZE		4096
/* makedumpfile -d bit for zero pages; the one level the writer acts on. */
#define KDUMP_DL_EXCLUDE_ZERO		1

/* Bit n is byte n / 8, bit n % 8 (LSB first), in both kdump bitmaps. */
static inline bool kdump_bitmap_test(const uint8_t *bitmap, uint64_t pfn)
{
	return bitmap[pfn >> 3] & (1u << (pfn & 7));
}

static inline void kdump_bitmap_set(uint8_t *bitmap, uint64_t pfn)
{
	bitmap[pfn >> 3] |= (uint8_t)(1u << (pfn & 7));
}

static inline void kdump_bitmap_clear(uint8_t *bitmap, uint64_t pfn)
{
	bitmap[pfn >> 3] &= (uint8_t)~(1u << (pfn & 7));
}

/* Bytes the caller's bitmaps must have for max_pfn pfns. */
static inline size_t kdump_bitmap_bytes(uint64_t max_pfn)
{
	return (size_t)((max_pfn + 7) / 8);
}

struct kdump_writer_params {
	/* Block size = page size, a power of two >= 4096. */
	uint32_t page_size;
	/* One past the highest pfn (max_mapnr_64). */
	uint64_t max_pfn;
	/*
	 * kdump_writer_create() only (open() takes them piece by piece): bitmap
	 * 1 (pfn is RAM) and bitmap 2 (pfn is in the dump), each at least
	 * kdump_bitmap_bytes(max_pfn) bytes.  Read during create(); bitmap 2
	 * must be a subset of bitmap 1.
	 */
	const uint8_t *ram_bitmap;
	const uint8_t *dump_bitmap;
	/* The whole PT_NOTE content of the core, embedded as it is. */
	const void *notes;
	size_t notes_size;
	/* The VMCOREINFO note's descriptor within notes (size 0: none). */
	size_t vmcoreinfo_offset;
	size_t vmcoreinfo_size;
	/*
	 * new_utsname fields (init_uts_ns), at most 64 characters each.
	 * Readers ignore a utsname with an empty version or nodename, so
	 * NULL or "" gets a placeholder.
	 */
	const char *sysname;		/* default "Linux" */
	const char *nodename;		/* default "(none)" */
	const char *release;		/* required (VMCOREINFO OSRELEASE) */
	const char *version;		/* default "(unknown)" */
	const char *machine;		/* default "x86_64" (crash checks it) */
	const char *domainname;		/* may be empty */
	/* CRASHTIME: the header's timestamp.tv_sec. */
	int64_t crashtime;
	uint64_t phys_base;
	/*
	 * The makedumpfile -d level that bitmap 2 was made with, recorded as
	 * is.
	 */
	int32_t dump_level;
	/* Number of NT_PRSTATUS notes. */
	int32_t nr_cpus;
	/* Compression whose flag goes into the header status. */
	enum compress_alg compression;
	/*
	 * Store one all-zero page at the start of the page data; zero pfns put
	 * with kdump_writer_put_zero() share it.  They stay in the bitmaps, so
	 * this is right at any level (makedumpfile does it at -d 1 only).
	 */
	bool zero_page;
	/*
	 * One file of a --split set: descriptors and data only for the dumped
	 * pfns in [start_pfn, end_pfn); headers and bitmaps are whole.  The
	 * range is for create(); open() gets it at start().
	 */
	bool split;
	uint64_t start_pfn;
	uint64_t end_pfn;
	/* Write the flattened stream instead of a seekable file. */
	bool flattened;
};

/* Where things are in the (rebuilt, if flattened) file.  Read-only. */
struct kdump_layout {
	uint32_t page_size;
	uint32_t sub_hdr_blocks;
	/* Bitmap 1; bitmap 2 follows at bitmap_offset + bitmap_size. */
	uint64_t bitmap_offset;
	uint64_t bitmap_size;
	uint64_t desc_offset;
	/* Descriptors in this file: dumped pfns in [start_pfn, end_pfn). */
	uint64_t nr_descs;
	uint64_t start_pfn;
	uint64_t end_pfn;
	/* The shared zero page, or 0 without one. */
	uint64_t zero_page_offset;
	/* Where the first page's data goes. */
	uint64_t data_offset;
	/* Header status while writing (compression | INCOMPLETE). */
	uint32_t status;
};

struct kdump_writer;

/*
 * Computes the layout and writes the headers (status INCOMPLETE), the notes,
 * both bitmaps and the zero page.  fd stays the caller's; it must be
 * seekable unless params->flattened.
 */
struct vmcf_error *kdump_writer_create(int fd,
				       const struct kdump_writer_params *params,
				       struct kdump_writer **writer_ret);

/*
 * The same, writing to "<path>.incomplete" (created, truncated, mode 0600);
 * kdump_writer_finish() fsyncs it and renames it to path.  A dump that is
 * marked incomplete keeps the ".incomplete" name.
 */
struct vmcf_error *kdump_writer_create_path(const char *path,
					    const struct kdump_writer_params *params,
					    struct kdump_writer **writer_ret);

/*
 * The first step without bitmaps in memory: checks params (the bitmaps
 * and the split range are not looked at), and writes the flattened
 * stream's headers; a file gets its headers at start().  open_path() is
 * to open() what create_path() is to create(); its file is also readable
 * (kdump_writer_read_keep()), and pieces of bitmap that are all zeros are
 * left as holes in it.
 */
struct vmcf_error *kdump_writer_open(int fd,
				     const struct kdump_writer_params *params,
				     struct kdump_writer **writer_ret);
struct vmcf_error *kdump_writer_open_path(const char *path,
					  const struct kdump_writer_params *params,
					  struct kdump_writer **writer_ret);

/*
 * Writes bits for pfns [start_pfn, start_pfn + nr) of both bitmaps
 * (start_pfn a multiple of 8; ram and keep hold (nr + 7) / 8 bytes each,
 * bit 0 of byte 0 is start_pfn).  Before start() only; thread-safe, any
 * order.  EINVAL if keep has a bit that ram lacks.
 */
struct vmcf_error *kdump_writer_put_bitmaps(struct kdump_writer *w,
					    uint64_t start_pfn, uint64_t nr,
					    const uint8_t *ram,
					    const uint8_t *keep);

/*
 * Reads back bitmap 2 for pfns [start_pfn, start_pfn + nr) (as for
 * put_bitmaps()) from the file, not from memory: the page cache has it.
 * Not for flattened streams, nor for an fd that is not readable.
 * Thread-safe.
 */
struct vmcf_error *kdump_writer_read_keep(struct kdump_writer *w,
					  uint64_t start_pfn, uint64_t nr,
					  uint8_t *bits);

/*
 * Fixes the layout once every piece of bitmap is written: this file
 * describes the dumped pfns of [start_pfn, end_pfn) (all of [0, max_pfn)
 * unless params->split), nr_descs of them, of which rank_start are
 * dumped pfns before start_pfn.  Writes the headers (status INCOMPLETE),
 * extends the file over the descriptors, writes the zero page.
 */
struct vmcf_error *kdump_writer_start(struct kdump_writer *w,
				      uint64_t start_pfn, uint64_t end_pfn,
				      uint64_t rank_start, uint64_t nr_descs);

/* Whether start() was done (create() does it). */
bool kdump_writer_started(const struct kdump_writer *w);

/*
 * destroy(), and if the writer made its file (create_path(), open_path()),
 * removes it: for a dump that failed before start(), whose file has
 * bitmaps but no headers.
 */
void kdump_writer_discard(struct kdump_writer *w);

/* Frees the writer; does not finish it.  Closes only an fd it opened. */
void kdump_writer_destroy(struct kdump_writer *w);

const struct kdump_layout *kdump_writer_layout(const struct kdump_writer *w);

#define KDUMP_NO_DESC UINT64_MAX

/*
 * Index of pfn's descriptor in this file: the number of set bits of bitmap
 * 2 in [start_pfn, pfn).  KDUMP_NO_DESC if pfn is not dumped in this file.
 * O(1): a prefix count per 512 pfns plus at most 8 popcounts.  Needs the
 * bitmap in memory: a writer from open() answers KDUMP_NO_DESC, and its
 * pages go in with kdump_writer_put_descs_at() alone.
 */
uint64_t kdump_writer_desc_index(const struct kdump_writer *w, uint64_t pfn);

/*
 * Stores one page: size bytes of data with descriptor flags (0 = raw, then
 * size must be the page size; else the writer's compression flag and size
 * less than a page).  Reserves space, pwrite()s the data, then the
 * descriptor.  Thread-safe.  Putting a pfn twice is an error (EEXIST).
 */
struct vmcf_error *kdump_writer_put_page(struct kdump_writer *w, uint64_t pfn,
					 const void *data, size_t size,
					 uint32_t flags);

/* Stores a zero pfn as a descriptor to the shared zero page (zero_page). */
struct vmcf_error *kdump_writer_put_zero(struct kdump_writer *w, uint64_t pfn);

/*
 * Lower level, for pipelines that batch several pages into one write:
 * reserve size bytes of page data (returns their offset; thread-safe, never
 * fails), write bytes at an offset (pwrite or a flattened record), then
 * describe each page.
 */
uint64_t kdump_writer_reserve(struct kdump_writer *w, uint64_t size);
struct vmcf_error *kdump_writer_write_at(struct kdump_writer *w,
					 const void *buf, size_t size,
					 uint64_t offset);
struct vmcf_error *kdump_writer_put_desc(struct kdump_writer *w, uint64_t pfn,
					 uint64_t offset, size_t size,
					 uint32_t flags);

/* One page for kdump_writer_put_descs(). */
struct kdump_page_ref {
	uint64_t pfn;
	uint64_t offset;	/* its reserved data, or the shared zero page */
	uint32_t size;
	uint32_t flags;
};

/*
 * Describes nr pages with a single write, which a pipeline needs: one
 * pwrite() (or flattened record) per page descriptor costs more than the
 * page itself at multi-GB/s.  The pfns must ascend and their descriptors
 * must be consecutive, i.e. every pfn dumped in this file between the first
 * and the last is in the batch (all dumped pfns of a pfn range are).  Each
 * page is checked as by kdump_writer_put_desc(); on error none of the batch
 * counts as put.  Thread-safe.
 */
struct vmcf_error *kdump_writer_put_descs(struct kdump_writer *w,
					  const struct kdump_page_ref *pages,
					  size_t nr);

/*
 * The same without bitmap 2 in memory: the caller says that pages[0] has
 * first_rank dumped pfns before it in the whole of bitmap 2, and vouches
 * that pages[] are the dumped pfns that follow (pfn_cursor_rank() of the
 * same bitmap).  The writer checks what it can: the range, the order, the
 * sizes, the reserved data, and that no descriptor is put twice (EEXIST).
 */
struct vmcf_error *kdump_writer_put_descs_at(struct kdump_writer *w,
					     uint64_t first_rank,
					     const struct kdump_page_ref *pages,
					     size_t nr);

/* Pages (descriptors) put so far, and the file's end offset so far. */
uint64_t kdump_writer_pages_done(const struct kdump_writer *w);
uint64_t kdump_writer_data_end(const struct kdump_writer *w);

/*
 * finish() and mark_incomplete() must not run concurrently with each other
 * or with puts.
 *
 * Completes the dump: refuses (EINVAL) unless every dumped pfn of this file
 * was put and no write failed; then syncs the data, rewrites the header
 * without INCOMPLETE, and syncs again (file) or writes the end marker
 * (flattened).
 */
struct vmcf_error *kdump_writer_finish(struct kdump_writer *w);

/*
 * Ends a dump that cannot be completed: rewrites the header with INCOMPLETE
 * (in place, so it works on a full disk) and syncs.  The flattened stream
 * gets no end marker.
 */
struct vmcf_error *kdump_writer_mark_incomplete(struct kdump_writer *w);

/* Split files start at a multiple of this many pfns (crash's bitmap unit) */
#define KDUMP_SPLIT_ALIGN	4096

/*
 * Splits [0, max_pfn) into nr_files ranges with about the same number of
 * dumped pages each: range i is [bounds_ret[i], bounds_ret[i + 1]), and
 * bounds_ret has nr_files + 1 entries.  Inner bounds are multiples of
 * KDUMP_SPLIT_ALIGN (or max_pfn).
 */
void kdump_split_ranges(const uint8_t *dump_bitmap, uint64_t max_pfn,
			unsigned int nr_files, uint64_t *bounds_ret);

/* Dumped pfns below pfn (pfn <= max_pfn). */
typedef struct vmcf_error *(*kdump_rank_fn)(void *ctx, uint64_t pfn,
					    uint64_t *rank_ret);

/*
 * The same from a rank function instead of the bitmap: a few dozen calls
 * per bound, at multiples of KDUMP_SPLIT_ALIGN and at max_pfn.
 */
struct vmcf_error *kdump_split_ranges_rank(kdump_rank_fn rank, void *ctx,
					   uint64_t max_pfn,
					   unsigned int nr_files,
					   uint64_t *bounds_ret);

#endif /* VMCF_KDUMP_WRITER_H */
