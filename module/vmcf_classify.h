/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Put every page frame of a crashed kernel into a class (vmcf_classes.def)
 * by decoding its struct page array, using only the crashed kernel's
 * VMCOREINFO and a small table per release.
 *
 * Pure C: the same file builds into vmcore_filter.ko, the userspace unit
 * tests and the fuzzer.  It assumes the crashed kernel is 64-bit and has the
 * byte order of the code running it (x86_64 to x86_64).
 */
#ifndef VMCF_CLASSIFY_H
#define VMCF_CLASSIFY_H

#include "vmcf_types.h"

/* Page classes (enum vmcf_class), one per line of vmcf_classes.def. */
enum vmcf_class {
#define VMCF_CLASS(id, name, bits, excl, desc) VMCF_##id,
#include "vmcf_classes.def"
#undef VMCF_CLASS
	VMCF_NR_CLASSES
};

/*
 * The VMCOREINFO entries the filter reads (enum vmcf_vi).  The comment after
 * each id is the key as the kernel writes it.  From VMCF_VI_SYM_MEM_SECTION
 * on they are not used by the classifier, only parsed for the memmap walker.
 */
enum vmcf_vi {
	VMCF_VI_PAGESIZE,		/* PAGESIZE */
	VMCF_VI_SIZE_PAGE,		/* SIZE(page) */
	VMCF_VI_SIZE_LIST_HEAD,		/* SIZE(list_head) */
	VMCF_VI_OFF_FLAGS,		/* OFFSET(page.flags) */
	VMCF_VI_OFF_REFCOUNT,		/* OFFSET(page._refcount) */
	VMCF_VI_OFF_MAPPING,		/* OFFSET(page.mapping) */
	VMCF_VI_OFF_MAPCOUNT,		/* OFFSET(page._mapcount) */
	VMCF_VI_OFF_PRIVATE,		/* OFFSET(page.private) */
	VMCF_VI_OFF_COMPOUND_HEAD,	/* OFFSET(page.compound_head) */
	VMCF_VI_OFF_COMPOUND_DTOR,	/* OFFSET(page.compound_dtor) */
	VMCF_VI_OFF_COMPOUND_ORDER,	/* OFFSET(page.compound_order) */
	VMCF_VI_LEN_FREE_AREA,		/* LENGTH(zone.free_area) */
	VMCF_VI_PG_LRU,			/* NUMBER(PG_lru) */
	VMCF_VI_PG_PRIVATE,		/* NUMBER(PG_private) */
	VMCF_VI_PG_SWAPCACHE,		/* NUMBER(PG_swapcache) */
	VMCF_VI_PG_SWAPBACKED,		/* NUMBER(PG_swapbacked) */
	VMCF_VI_PG_HEAD_MASK,		/* NUMBER(PG_head_mask) */
	VMCF_VI_PG_SLAB,		/* NUMBER(PG_slab) */
	VMCF_VI_PG_HWPOISON,		/* NUMBER(PG_hwpoison) */
	VMCF_VI_BUDDY_VALUE,		/* NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) */
	VMCF_VI_OFFLINE_VALUE,		/* NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE) */
	VMCF_VI_SLAB_VALUE,		/* NUMBER(PAGE_SLAB_MAPCOUNT_VALUE) */
	VMCF_VI_HUGETLB_VALUE,		/* NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE) */
	VMCF_VI_UNACCEPTED_VALUE,	/* NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE) */
	VMCF_VI_HUGETLB_DTOR,		/* NUMBER(HUGETLB_PAGE_DTOR) */
	VMCF_VI_SYM_MEM_SECTION,	/* SYMBOL(mem_section) */
	VMCF_VI_LEN_MEM_SECTION,	/* LENGTH(mem_section) */
	VMCF_VI_SIZE_MEM_SECTION,	/* SIZE(mem_section) */
	VMCF_VI_OFF_SECTION_MEM_MAP,	/* OFFSET(mem_section.section_mem_map) */
	VMCF_VI_SECTION_SIZE_BITS,	/* NUMBER(SECTION_SIZE_BITS) */
	VMCF_VI_MAX_PHYSMEM_BITS,	/* NUMBER(MAX_PHYSMEM_BITS) */
	VMCF_VI_SYM_INIT_TOP_PGT,	/* SYMBOL(init_top_pgt) */
	VMCF_VI_SYM_SWAPPER_PG_DIR,	/* SYMBOL(swapper_pg_dir) */
	VMCF_VI_SYM_STEXT,		/* SYMBOL(_stext) */
	VMCF_VI_KERNELOFFSET,		/* KERNELOFFSET */
	VMCF_VI_PHYS_BASE,		/* NUMBER(phys_base) */
	VMCF_VI_SYM_PHYS_BASE,		/* SYMBOL(phys_base) */
	VMCF_VI_PGTABLE_L5,		/* NUMBER(pgtable_l5_enabled) */
	VMCF_VI_SYM_VMEMMAP,		/* SYMBOL(vmemmap): 6.12, not 6.1 */
	VMCF_VI_VMALLOC_START,		/* NUMBER(VMALLOC_START) */
	VMCF_VI_SME_MASK,		/* NUMBER(sme_mask) */
	VMCF_VI_NR
};

/**
 * struct vmcf_ptype - one page type stored in page->page_type
 * @value: page_type & vmcf_layout.type_mask for pages of this type
 * @cls: the class of such pages (an enum vmcf_class)
 */
struct vmcf_ptype {
	u32 value;
	u8 cls;
};

#define VMCF_MAX_PTYPES		10
#define VMCF_MAX_PAGE_STRUCT	128	/* largest SIZE(page) accepted */
#define VMCF_RELEASE_LEN	65	/* __NEW_UTS_LEN + 1 */
#define VMCF_WARN_LEN		256

/* vmcf_layout.flags */
#define VMCF_LAYOUT_UNKNOWN_RELEASE	0x1	/* no table: VMCOREINFO only */
#define VMCF_LAYOUT_NO_RESERVED		0x2	/* PG_reserved not trusted */

/* vmcf_layout.fast */
#define VMCF_FAST_NONE		0
#define VMCF_FAST_LAYOUT	1
#define VMCF_FAST_X86_64	2

/**
 * struct vmcf_offs - where the hot loops find the fields of a struct page
 * @sps: SIZE(page)
 * @flags: OFFSET(page.flags)
 * @chead: OFFSET(page.compound_head)
 * @mapping: OFFSET(page.mapping)
 * @mapcount: OFFSET(page._mapcount), where page_type lives
 * @refcount: OFFSET(page._refcount)
 */
struct vmcf_offs {
	u32 sps;
	u32 flags;
	u32 chead;
	u32 mapping;
	u32 mapcount;
	u32 refcount;
};

/**
 * struct vmcf_fast - layout values of the hot loops
 * @odd: flags the plain loop looks at twice: head, hwpoison, slab,
 *	reserved
 * @slab: PG_slab mask (6.1; 0 where slab is a page type)
 * @anon: PAGE_MAPPING_ANON, 0 if unknown (no plain runs then)
 * @mflags: PAGE_MAPPING_FLAGS
 * @lru: PG_lru mask
 * @priv: PG_private mask
 * @sbacked: PG_swapbacked mask
 * @scache: PG_swapcache mask
 * @head_poison: PG_head and PG_hwpoison masks: such pages take the
 *	general path
 * @below: vmcf_layout.type_below
 *
 * The hot loops copy it to the stack: they store classes through a u8
 * pointer, which may alias the layout as far as the compiler knows, so it
 * would reload every value from the layout for every page.
 */
struct vmcf_fast {
	u64 odd;
	u64 slab;
	u64 anon;
	u64 mflags;
	u64 lru;
	u64 priv;
	u64 sbacked;
	u64 scache;
	u64 head_poison;
	s32 below;
};

/**
 * struct vmcf_layout - how to decode one crashed kernel's struct page
 * @release: OSRELEASE, printable characters only
 * @table: OSRELEASE prefix of the release table used, "" if none matched
 * @flags: VMCF_LAYOUT_* bits
 * @warnings: what the layout cannot decide, "" if nothing
 * @pagesize: PAGESIZE, bytes per page frame
 * @struct_page_size: SIZE(page), bytes per struct page
 * @offs: byte offsets of page->flags, compound_head, mapping, _mapcount
 *	(page_type overlays it) and _refcount, and SIZE(page) again: what
 *	the general decisions and the hot loops read
 * @off_private: byte offset of page->private (buddy order)
 * @off_order1: byte in page[1] holding the compound order, -1 if unknown
 * @off_dtor1: byte in page[1] holding compound_dtor, -1 if none
 * @hugetlb_dtor: compound_dtor value of hugetlb pages
 * @head_mask: PG_head as a mask of page->flags
 * @lru_mask: PG_lru mask
 * @private_mask: PG_private mask
 * @swapcache_mask: PG_swapcache mask
 * @swapbacked_mask: PG_swapbacked mask
 * @slab_mask: PG_slab mask, 0 when slab is a page type
 * @hwpoison_mask: PG_hwpoison mask, 0 without CONFIG_MEMORY_FAILURE
 * @reserved_mask: PG_reserved mask, 0 if unknown
 * @mapping_anon: PAGE_MAPPING_ANON, 0 if unknown (no cache/user decisions)
 * @mapping_flags: PAGE_MAPPING_FLAGS
 * @type_mask: bits of page_type that name the type
 * @type_below: page_type, read as s32, holds a type iff below this
 * @types_complete: every valid page type is in @types
 * @nr_types: entries used in @types
 * @types: known page types
 * @buddy_max_order: largest buddy order (MAX_ORDER - 1, MAX_PAGE_ORDER)
 * @compound_max_order: largest compound (folio) order
 * @fast: how vmcf_classify_range() runs its hot loops: VMCF_FAST_NONE
 *	(every page through the general decisions), VMCF_FAST_LAYOUT (the
 *	layout's offsets) or VMCF_FAST_X86_64 (the offsets every supported
 *	x86_64 release uses, compiled in as constants)
 * @f: the values the hot loops use
 * @vmemmap_base: virtual address of pfn 0's struct page if VMCOREINFO
 *	exports it (SYMBOL(vmemmap)), else 0
 * @vi_have: bit (1 << enum vmcf_vi) set for each entry present in @vi
 * @vi: raw VMCOREINFO values, indexed by enum vmcf_vi (NUMBERs sign-extended)
 */
struct vmcf_layout {
	char release[VMCF_RELEASE_LEN];
	const char *table;
	u32 flags;
	char warnings[VMCF_WARN_LEN];

	u32 pagesize;
	u32 struct_page_size;
	struct vmcf_offs offs;
	u32 off_private;
	s16 off_order1;
	s16 off_dtor1;
	u8 hugetlb_dtor;

	u64 head_mask;
	u64 lru_mask;
	u64 private_mask;
	u64 swapcache_mask;
	u64 swapbacked_mask;
	u64 slab_mask;
	u64 hwpoison_mask;
	u64 reserved_mask;
	u64 mapping_anon;
	u64 mapping_flags;

	u32 type_mask;
	s32 type_below;
	bool types_complete;
	u8 nr_types;
	struct vmcf_ptype types[VMCF_MAX_PTYPES];

	u8 buddy_max_order;
	u8 compound_max_order;
	u8 fast;
	struct vmcf_fast f;
	u64 vmemmap_base;

	u64 vi_have;
	u64 vi[VMCF_VI_NR];
};

/**
 * struct vmcf_counts - pages per class
 * @pages: number of pages, indexed by enum vmcf_class
 */
struct vmcf_counts {
	u64 pages[VMCF_NR_CLASSES];
};

/**
 * struct vmcf_head_reader - fetches struct pages outside the given range
 * @read_page: copy the struct page of @pfn (SIZE(page) bytes) to @buf;
 *	return 0 on success, anything else if it cannot be read
 * @ctx: passed to @read_page
 * @vmemmap_base: virtual address of pfn 0's struct page in the crashed
 *	kernel, used to turn compound_head pointers into pfns; 0 means use
 *	vmcf_layout.vmemmap_base.  A base that is not a multiple of 8 is
 *	garbage: compound pages are then CORRUPT, as without a base.
 */
struct vmcf_head_reader {
	int (*read_page)(void *ctx, u64 pfn, void *buf);
	void *ctx;
	u64 vmemmap_base;
};

int vmcf_layout_parse(struct vmcf_layout *l, const char *vmcoreinfo,
		      size_t len, char *err, size_t errlen);
bool vmcf_vi_get(const struct vmcf_layout *l, enum vmcf_vi key, u64 *val);
int vmcf_classify_range(const struct vmcf_layout *l, const void *pages,
			u64 start_pfn, u64 nr, u8 *class_out,
			struct vmcf_counts *counts,
			const struct vmcf_head_reader *rd);
u32 vmcf_dump_level_to_mask(int level);
const char *vmcf_class_name(int cls);
const char *vmcf_class_desc(int cls);

void vmcf_cat(char *buf, size_t len, const char *s);

#endif /* VMCF_CLASSIFY_H */
