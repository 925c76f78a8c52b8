/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the keep-bitmap (kdump bitmap 2) comes from:
 *
 *   device     /dev/vmcore_filter (include/uapi/linux/vmcore_filter.h): the
 *              capture-kernel module classifies the crashed kernel's pages.
 *   userspace  tools/userspace_filter.c walks the crashed kernel's mem_map
 *              in the vmcore itself (no module needed; slower).
 * Both are read in pieces of 2 Mi pfns, by several threads at once.
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
 * Fills dump_bitmap (max_pfn bits) piece by piece, ANDed with ram_bitmap
 * so it is a subset of bitmap 1 whatever the source says, by nr_threads
 * threads at once.  Stops early with EINTR if *stop
 * becomes true.
 */
struct vmcf_error *bitmap_source_fill(struct bitmap_source *s,
				      const uint8_t *ram_bitmap,
				      uint8_t *dump_bitmap, uint64_t max_pfn,
				      unsigned int nr_threads,
				      const volatile sig_atomic_t *stop);

/* Pages per class over [start_pfn, end_pfn), by enum vmcf_class_id. */
struct vmcf_error *bitmap_source_counts(struct bitmap_source *s,
					uint64_t start_pfn, uint64_t end_pfn,
					uint64_t counts[VMCF_NR_CLASSES]);

#endif /* VMCF_BITMAP_SOURCE_H */
