/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the keep-bitmap (kdump bitmap 2) comes from:
 *
 *   device     /dev/vmcore_filter (include/uapi/linux/vmcore_filter.h): the
 *              capture-kernel module classifies the crashed kernel's pages.
 *   userspace  tools/userspace_filter.c walks the crashed kernel's mem_map
 *              in the vmcore itself (no module needed; slower).
 * Both are read in chunks of 1 Mi pfns (pfn_map.h), by several threads at
 * once, and never held whole.
 *   none       every RAM page (every pfn in a PT_LOAD).
 *   auto       the device if it opens, else the userspace classifier when
 *              the level excludes classes (-d above 1), else none.  A device
 *              that opens but speaks another ABI is an error, not a
 *              fallback: it would mean a mismatched module.
 *
 * The exclusion mask is the module's vmcf_dump_level_to_mask() of the -d
 * level, the one table shared with the module.  Bit 1 of the level (zero
 * pages) is not the source's business: the pipeline checks page contents.
 */
#ifndef VMCF_BITMAP_SOURCE_H
#define VMCF_BITMAP_SOURCE_H

#include <linux/vmcore_filter.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "elfcore.h"
#include "pfn_map.h"
#include "vmcf_error.h"

/*
 * From module/vmcf_classify.h, which cannot simply be included next to the
 * uapi header (both define VMCF_NR_CLASSES and struct vmcf_counts);
 * bitmap_source.c checks these against it.
 */
unsigned int vmcf_dump_level_to_mask(int level);
const char *vmcf_class_name(int cls);

#define BITMAP_SOURCE_DEVICE_PATH	"/dev/vmcore_filter"

enum bitmap_source_kind {
	BITMAP_SOURCE_AUTO,
	BITMAP_SOURCE_DEVICE,
	BITMAP_SOURCE_USERSPACE,
	BITMAP_SOURCE_NONE,
};

/* "auto", "device", "userspace", "none". */
bool bitmap_source_kind_from_name(const char *name,
				  enum bitmap_source_kind *kind_ret);
const char *bitmap_source_kind_name(enum bitmap_source_kind kind);

struct bitmap_source_params {
	enum bitmap_source_kind kind;
	const char *device_path;	/* NULL: BITMAP_SOURCE_DEVICE_PATH */
	struct elfcore *core;		/* must outlive the source */
	int dump_level;
	/* Prefer a source that knows page classes (for --report). */
	bool want_classes;
};

struct bitmap_source;

struct vmcf_error *bitmap_source_create(const struct bitmap_source_params *p,
					struct bitmap_source **source_ret);
void bitmap_source_destroy(struct bitmap_source *s);

/* What was chosen (never AUTO), and a sentence for stderr saying why. */
enum bitmap_source_kind bitmap_source_kind(const struct bitmap_source *s);
const char *bitmap_source_describe(const struct bitmap_source *s);

/* The classes excluded (VMCF_CLASS_BIT()s); 0 for none. */
uint64_t bitmap_source_exclude(const struct bitmap_source *s);

/* True if bitmap_source_counts() works (device and userspace). */
bool bitmap_source_has_classes(const struct bitmap_source *s);

/*
 * Keep bits of pfns [start_pfn, start_pfn + nr), LSB first; start_pfn a
 * multiple of 1024 and nr of 8.  Pfns that are not RAM are 0.
 */
struct vmcf_error *bitmap_source_read(struct bitmap_source *s,
				      uint64_t start_pfn, uint64_t nr,
				      uint8_t *bits);

/*
 * RAM bits (from the PT_LOADs) and keep bits (from the source, ANDed with
 * RAM so they are a subset of bitmap 1 whatever the source says) of pfns
 * [start_pfn, start_pfn + nr); start_pfn a multiple of 1024.  Each gets
 * (nr + 7) / 8 bytes, bits past nr are 0.  Thread-safe.
 */
struct vmcf_error *bitmap_source_chunk(struct bitmap_source *s,
				       uint64_t start_pfn, uint64_t nr,
				       uint8_t *ram, uint8_t *keep);

/* Where the first pass puts each chunk's bits (the output files). */
typedef struct vmcf_error *(*bitmap_sink_fn)(void *ctx, uint64_t start_pfn,
					     uint64_t nr, const uint8_t *ram,
					     const uint8_t *keep);

/*
 * The first pass: for every chunk of map (PFN_MAP_CHUNK_PFNS pfns), by
 * nr_threads threads at once, gets its bits with bitmap_source_chunk(),
 * hands them to sink (may be NULL; called from any of the threads, for
 * each chunk once, in no order), and sets the chunk's count in map; then
 * seals map.  *ram_pages_ret gets the number of RAM pfns.  Stops early
 * with EINTR if *stop becomes true, or at the first error.  Memory: two
 * chunks of bits (256 KiB) per thread.
 */
struct vmcf_error *bitmap_source_scan(struct bitmap_source *s,
				      struct pfn_map *map,
				      unsigned int nr_threads,
				      const volatile sig_atomic_t *stop,
				      bitmap_sink_fn sink, void *sink_ctx,
				      uint64_t *ram_pages_ret);

/* Pages per class over [start_pfn, end_pfn), by enum vmcf_class_id. */
struct vmcf_error *bitmap_source_counts(struct bitmap_source *s,
					uint64_t start_pfn, uint64_t end_pfn,
					uint64_t counts[VMCF_NR_CLASSES]);

#endif /* VMCF_BITMAP_SOURCE_H */
