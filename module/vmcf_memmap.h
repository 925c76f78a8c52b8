/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Find the struct pages of a crashed x86_64 kernel in its physical memory:
 * decode its SPARSEMEM_VMEMMAP mem_section array and walk its kernel page
 * tables (init_top_pgt, 4 or 5 levels, 1 GiB / 2 MiB / 4 KiB leaves).
 *
 * Pure C: the same file builds into vmcore_filter.ko (reading old memory
 * with memremap()) and into the userspace filter (reading a saved vmcore).
 * Nothing read from the crashed kernel is trusted: every walk has a fixed
 * number of steps, every physical address is bounded by MAX_PHYSMEM_BITS
 * and read only through the caller's callback, which refuses addresses that
 * are not RAM of the crashed kernel.  A corrupt pointer is an error for the
 * pfns that depend on it, never a loop or a wild access.
 */
#ifndef VMCF_MEMMAP_H
#define VMCF_MEMMAP_H

#include "vmcf_types.h"

struct vmcf_layout;

/**
 * struct vmcf_memmap - how to find a crashed kernel's struct pages
 * @read: copy @len bytes of the crashed kernel's physical memory at @paddr
 *	to @buf.  Returns 0, or a negative errno if any byte is outside the
 *	crashed kernel's RAM or cannot be read.  @rctx is the read context
 *	the caller passed to the vmcf_memmap_*() function; it lets each
 *	thread keep its own mappings or caches, so @read is called
 *	concurrently only with different @rctx values unless the caller
 *	shares one.
 * @struct_page_size: SIZE(page)
 * @page_shift: log2(PAGESIZE); x86_64 has 4 KiB pages
 * @levels: page-table levels, 4 or 5 (NUMBER(pgtable_l5_enabled))
 * @top_pgt: physical address of init_top_pgt
 * @entry_mask: bits of a page-table entry that hold a physical address
 *	(bits 12-51 without the memory-encryption bit NUMBER(sme_mask))
 * @phys_limit: 1 << NUMBER(MAX_PHYSMEM_BITS); no physical address reaches it
 * @pfn_limit: @phys_limit in pfns
 * @ms_addr: SYMBOL(mem_section): the root pointer array with
 *	SPARSEMEM_EXTREME, the static section array without
 * @ms_extreme: @ms_addr is an array of pointers to section arrays
 * @ms_roots: LENGTH(mem_section), entries at @ms_addr
 * @ms_per_root: sections per root (PAGESIZE / SIZE(mem_section)), or 1
 * @ms_size: SIZE(mem_section)
 * @ms_off_map: OFFSET(mem_section.section_mem_map)
 * @section_shift: log2(pfns per section): SECTION_SIZE_BITS - page shift
 * @map_mask: bits of section_mem_map that encode the mem_map address
 * @vmemmap_base: virtual address of pfn 0's struct page: SYMBOL(vmemmap)
 *	where exported (6.12), else decoded from mem_section (6.1); every
 *	section must agree with it
 */
struct vmcf_memmap {
	int (*read)(void *rctx, u64 paddr, void *buf, size_t len);
	u32 struct_page_size;
	u32 page_shift;
	u32 levels;
	u64 top_pgt;
	u64 entry_mask;
	u64 phys_limit;
	u64 pfn_limit;
	u64 ms_addr;
	bool ms_extreme;
	u64 ms_roots;
	u64 ms_per_root;
	u32 ms_size;
	u32 ms_off_map;
	u32 section_shift;
	u64 map_mask;
	u64 vmemmap_base;
};

/* At most this many sections are probed for vmemmap_base. */
#define VMCF_MEMMAP_PROBES	65536

int vmcf_memmap_init(struct vmcf_memmap *m, const struct vmcf_layout *l,
		     int (*read)(void *rctx, u64 paddr, void *buf,
				 size_t len),
		     void *rctx, u64 first_pfn, char *err, size_t errlen);
int vmcf_memmap_vtop(const struct vmcf_memmap *m, void *rctx, u64 vaddr,
		     u64 *paddr_ret, u64 *len_ret);
int vmcf_memmap_vread(const struct vmcf_memmap *m, void *rctx, u64 vaddr,
		      void *buf, size_t len);
int vmcf_memmap_section(const struct vmcf_memmap *m, void *rctx, u64 pfn,
			u64 *map_ret);
int vmcf_memmap_locate(const struct vmcf_memmap *m, void *rctx, u64 pfn,
		       u64 max_nr, u64 *paddr_ret, u64 *nr_ret);
int vmcf_memmap_read(const struct vmcf_memmap *m, void *rctx, u64 pfn,
		     u64 nr, void *buf);
u64 vmcf_memmap_section_pfns(const struct vmcf_memmap *m);

#endif /* VMCF_MEMMAP_H */
