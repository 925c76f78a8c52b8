/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vmcore_filter: which pages of the crashed kernel a dump needs.
 *
 * Loaded in a kdump capture kernel, vmcore_filter.ko classifies every page
 * frame of the crashed kernel from its struct pages and VMCOREINFO.  A
 * collector reads a bitmap of the pages to keep:
 *
 *   pread(fd, buf, len, X) returns the bits of pfns [8X, 8X + 8 * len),
 *   least significant bit first (the bit order of the kdump-compressed
 *   bitmaps): 1 = keep.  A pfn is kept if it is RAM (present in
 *   /proc/vmcore) and its class is not in the file's exclusion mask.  Pfns
 *   that are not RAM read as 0.  Reads at or past max_pfn / 8 return 0
 *   bytes; a read that crosses it is shortened.
 *
 * The exclusion mask belongs to the open file (VMCF_IOC_SET_MASK) and is 0
 * after open(), which keeps every RAM page except those of the classes in
 * VMCF_ALWAYS_EXCLUDED: reading them can fault or return nothing.
 *
 * makedumpfile -d bits map onto classes as follows (bit 1, zero pages, is
 * decided by the collector from page contents, not here):
 *   2   VMCF_CLASS_CACHE
 *   4   VMCF_CLASS_CACHE | VMCF_CLASS_CACHE_PRIVATE
 *   8   VMCF_CLASS_USER | VMCF_CLASS_HUGETLB
 *   16  VMCF_CLASS_FREE
 *
 * ioctls take versioned structures: the first field is the structure size
 * the caller was built with, reserved fields must be zero (else -EINVAL),
 * and new fields are only ever appended.
 */
#ifndef _UAPI_LINUX_VMCORE_FILTER_H
#define _UAPI_LINUX_VMCORE_FILTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VMCF_ABI_VERSION	1

/*
 * struct vmcf_version.features: the crashed kernel's release has a table
 * of the facts VMCOREINFO lacks, so every class is decoded.  Without it
 * only what VMCOREINFO proves is excluded (see the module's log).
 */
#define VMCF_FEATURE_RELEASE_TABLE	(1ULL << 0)

/* Page class ids; a mask has bit (1 << id) set for each class it names. */
enum vmcf_class_id {
	VMCF_CLASS_FREE		= 0,	/* buddy allocator free pages */
	VMCF_CLASS_CACHE	= 1,	/* page cache without private data */
	VMCF_CLASS_CACHE_PRIVATE = 2,	/* page cache with private data */
	VMCF_CLASS_USER		= 3,	/* anonymous and swap cache */
	VMCF_CLASS_HUGETLB	= 4,	/* hugetlbfs, in use or pooled */
	VMCF_CLASS_OFFLINE	= 5,	/* logically offline (balloon) */
	VMCF_CLASS_HWPOISON	= 6,	/* hardware poisoned */
	VMCF_CLASS_UNACCEPTED	= 7,	/* never accepted by the guest */
	VMCF_CLASS_SLAB		= 8,	/* never excluded: slab */
	VMCF_CLASS_PGTABLE	= 9,	/* never excluded: page tables */
	VMCF_CLASS_RESERVED	= 10,	/* never excluded: PG_reserved */
	VMCF_CLASS_KERNEL	= 11,	/* never excluded: other kernel */
	VMCF_CLASS_CORRUPT	= 12,	/* never excluded: undecodable */
	VMCF_NR_CLASSES		= 13,
};

#define VMCF_CLASS_BIT(id)	(1ULL << (id))
#define VMCF_ALWAYS_EXCLUDED	(VMCF_CLASS_BIT(VMCF_CLASS_OFFLINE) | \
				 VMCF_CLASS_BIT(VMCF_CLASS_HWPOISON) | \
				 VMCF_CLASS_BIT(VMCF_CLASS_UNACCEPTED))
#define VMCF_EXCLUDABLE		(VMCF_CLASS_BIT(VMCF_CLASS_SLAB) - 1)

/* Room for classes added later without changing structure sizes. */
#define VMCF_MAX_CLASSES	32

struct vmcf_version {
	__u32 size;		/* in: sizeof(struct vmcf_version) */
	__u32 abi_version;	/* out: VMCF_ABI_VERSION */
	__u64 features;		/* out: VMCF_FEATURE_* */
	__u64 max_pfn;		/* out: highest RAM pfn + 1 */
	__u32 nr_classes;	/* out: VMCF_NR_CLASSES of the module */
	__u32 reserved0;
	__u64 reserved[4];
};

struct vmcf_mask {
	__u32 size;		/* in: sizeof(struct vmcf_mask) */
	__u32 flags;		/* in: 0 */
	__u64 exclude;		/* in: VMCF_CLASS_BIT()s; must be within VMCF_EXCLUDABLE */
	__u64 reserved[2];
};

struct vmcf_range {
	__u64 start_pfn;
	__u64 end_pfn;		/* exclusive */
};

struct vmcf_ram_ranges {
	__u32 size;		/* in: sizeof(struct vmcf_ram_ranges) */
	__u32 nr_ranges;	/* in: room at ranges; out: how many exist */
	__u64 ranges;		/* in: user pointer to struct vmcf_range[] */
	__u64 reserved[2];
};

/*
 * Per-class page counts over [start_pfn, end_pfn).  Costs a classification
 * of the range: about as long as reading its bitmap.
 */
struct vmcf_counts {
	__u32 size;		/* in: sizeof(struct vmcf_counts) */
	__u32 flags;		/* in: 0 */
	__u64 start_pfn;	/* in */
	__u64 end_pfn;		/* in: exclusive, clamped to max_pfn */
	__u64 pages[VMCF_MAX_CLASSES];	/* out, by enum vmcf_class_id */
	__u64 reserved[4];
};

#define VMCF_IOC_MAGIC		0xF7
#define VMCF_IOC_VERSION	_IOWR(VMCF_IOC_MAGIC, 0, struct vmcf_version)
#define VMCF_IOC_SET_MASK	_IOW(VMCF_IOC_MAGIC, 1, struct vmcf_mask)
#define VMCF_IOC_RAM_RANGES	_IOWR(VMCF_IOC_MAGIC, 2, struct vmcf_ram_ranges)
#define VMCF_IOC_COUNTS		_IOWR(VMCF_IOC_MAGIC, 3, struct vmcf_counts)

#endif /* _UAPI_LINUX_VMCORE_FILTER_H */
