// SPDX-License-Identifier: GPL-2.0
/* x86_64 kernel page-table walk through a dump: see kvaddr.h. */
#define _POSIX_C_SOURCE 200809L
#include "kvaddr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"

/* Page-table entry bits (arch/x86/include/asm/pgtable_types.h). */
#define PTE_PRESENT		UINT64_C(0x1)
#define PTE_PSE			UINT64_C(0x80)	/* 1 GiB / 2 MiB page */
#define PTE_PFN_MASK		UINT64_C(0x000ffffffffff000)
#define PTRS_PER_TABLE		512
/* Where KASLR may start the direct map (__PAGE_OFFSET_BASE_L4/_L5). */
#define DIRECT_MAP_START_L4	UINT64_C(0xffff888000000000)
#define DIRECT_MAP_START_L5	UINT64_C(0xff11000000000000)
#define GIB			(UINT64_C(1) << 30)
/* Pages of physical memory kept: page tables and nearby data repeat. */
#define CACHE_SLOTS		32

struct page_slot {
	uint64_t pfn;
	bool valid;
	unsigned char *data;
};

struct kvaddr {
	const struct phys_reader *reader;
	uint32_t page_size;
	uint64_t phys_base;
	uint64_t top_table;	/* physical address of init_top_pgt */
	int levels;		/* 4 or 5 */
	uint64_t sme_mask;	/* memory-encryption bit, not address */
	struct page_slot cache[CACHE_SLOTS];
	unsigned char *pages;
};

static struct vmcf_error *elfcore_read_page_cb(void *ctx, uint64_t pfn,
					       void *buf)
{
	return elfcore_read_page(ctx, pfn, buf);
}

void kvaddr_elfcore_reader(const struct elfcore *core,
			   struct phys_reader *reader_ret)
{
	reader_ret->read_page = elfcore_read_page_cb;
	reader_ret->ctx = (void *)core;
	reader_ret->page_size = core->page_size;
}

/* The cached copy of page pfn, read on a miss. */
static struct vmcf_error *get_page(struct kvaddr *kv, uint64_t pfn,
				   const unsigned char **page_ret)
{
	struct page_slot *slot = &kv->cache[pfn % CACHE_SLOTS];
	struct vmcf_error *err;

	if (!slot->valid || slot->pfn != pfn) {
		slot->valid = false;
		err = kv->reader->read_page(kv->reader->ctx, pfn, slot->data);
		if (err)
			return err;
		slot->pfn = pfn;
		slot->valid = true;
	}
	*page_ret = slot->data;
	return NULL;
}

struct vmcf_error *kvaddr_read_phys(struct kvaddr *kv, uint64_t paddr,
				    void *buf, size_t size)
{
	unsigned char *p = buf;

	while (size) {
		uint64_t in_page = paddr % kv->page_size;
		size_t n = kv->page_size - in_page;
		const unsigned char *page;
		struct vmcf_error *err;

		if (n > size)
			n = size;
		err = get_page(kv, paddr / kv->page_size, &page);
		if (err)
			return vmcf_error_prefix(err, "physical address 0x%" PRIx64,
						 paddr);
		memcpy(p, page + in_page, n);
		p += n;
		paddr += n;
		size -= n;
	}
	return NULL;
}

static struct vmcf_error *read_entry(struct kvaddr *kv, uint64_t table,
				     unsigned int index, uint64_t *entry_ret)
{
	unsigned char raw[8];
	struct vmcf_error *err;

	err = kvaddr_read_phys(kv, table + 8 * (uint64_t)index, raw, 8);
	if (err)
		return err;
	*entry_ret = get_le64(raw);
	return NULL;
}

struct vmcf_error *kvaddr_translate(struct kvaddr *kv, uint64_t vaddr,
				    uint64_t *paddr_ret)
{
	uint64_t table = kv->top_table;
	int shift = kv->levels == 5 ? 48 : 39;

	for (; shift >= 12; shift -= 9) {
		unsigned int index = (vaddr >> shift) & (PTRS_PER_TABLE - 1);
		uint64_t entry, addr;
		struct vmcf_error *err;

		err = read_entry(kv, table, index, &entry);
		if (err)
			return vmcf_error_prefix(err, "translate 0x%" PRIx64,
						 vaddr);
		if (!(entry & PTE_PRESENT))
			return vmcf_error_create(EFAULT,
						 "kernel address 0x%" PRIx64 " is not mapped (level-%d entry 0x%" PRIx64 ")",
						 vaddr, (shift - 12) / 9 + 1,
						 entry);
		addr = entry & PTE_PFN_MASK & ~kv->sme_mask;
		/* A huge page at the PUD (1 GiB) or PMD (2 MiB) level. */
		if ((shift == 30 || shift == 21) && (entry & PTE_PSE)) {
			uint64_t mask = (UINT64_C(1) << shift) - 1;

			*paddr_ret = (addr & ~mask) | (vaddr & mask);
			return NULL;
		}
		table = addr;
	}
	*paddr_ret = table | (vaddr & 0xfff);
	return NULL;
}

struct vmcf_error *kvaddr_read(struct kvaddr *kv, uint64_t vaddr, void *buf,
			       size_t size)
{
	unsigned char *p = buf;

	while (size) {
		size_t n = 4096 - (vaddr & 0xfff);
		struct vmcf_error *err;
		uint64_t paddr;

		if (n > size)
			n = size;
		err = kvaddr_translate(kv, vaddr, &paddr);
		if (!err)
			err = kvaddr_read_phys(kv, paddr, p, n);
		if (err)
			return err;
		p += n;
		vaddr += n;
		size -= n;
	}
	return NULL;
}

struct vmcf_error *kvaddr_read_u64(struct kvaddr *kv, uint64_t vaddr,
				   uint64_t *value_ret)
{
	unsigned char raw[8];
	struct vmcf_error *err = kvaddr_read(kv, vaddr, raw, sizeof(raw));

	if (!err)
		*value_ret = get_le64(raw);
	return err;
}

static struct vmcf_error *optional_number(const struct vmcoreinfo *vi,
					  const char *name, uint64_t *value)
{
	struct vmcf_error *err = vmcoreinfo_number(vi, name, value);

	if (err && err->errnum == ENOENT) {
		vmcf_error_destroy(err);
		return NULL;
	}
	return err;
}

struct vmcf_error *kvaddr_create(const struct vmcoreinfo *vi,
				 uint64_t phys_base,
				 const struct phys_reader *reader,
				 struct kvaddr **kv_ret)
{
	uint64_t top, l5 = 0, sme = 0;
	struct vmcf_error *err;
	struct kvaddr *kv;

	err = vmcoreinfo_symbol(vi, "init_top_pgt", &top);
	if (!err)
		err = optional_number(vi, "pgtable_l5_enabled", &l5);
	if (!err)
		err = optional_number(vi, "sme_mask", &sme);
	if (err)
		return vmcf_error_prefix(err, "kernel page tables");
	if (top < KVADDR_START_KERNEL_MAP)
		return vmcf_error_create(EINVAL,
					 "SYMBOL(init_top_pgt)=0x%" PRIx64 " is not in the kernel image",
					 top);
	kv = calloc(1, sizeof(*kv));
	if (!kv)
		return &vmcf_enomem;
	kv->pages = malloc((size_t)CACHE_SLOTS * reader->page_size);
	if (!kv->pages) {
		free(kv);
		return &vmcf_enomem;
	}
	for (int i = 0; i < CACHE_SLOTS; i++)
		kv->cache[i].data = kv->pages + (size_t)i * reader->page_size;
	kv->reader = reader;
	kv->page_size = reader->page_size;
	kv->phys_base = phys_base;
	/* __pa_symbol(): the image is at __START_KERNEL_map + phys_base. */
	kv->top_table = top - KVADDR_START_KERNEL_MAP + phys_base;
	kv->levels = l5 ? 5 : 4;
	kv->sme_mask = sme;
	*kv_ret = kv;
	return NULL;
}

void kvaddr_destroy(struct kvaddr *kv)
{
	if (!kv)
		return;
	free(kv->pages);
	free(kv);
}

/*
 * The first address at or above vaddr whose entries down to the PUD level
 * (1 GiB) are present, skipping whole unmapped tables; 0 if there is none
 * below the end of the address space.
 */
static uint64_t next_mapped_gib(struct kvaddr *kv, uint64_t vaddr)
{
	int top = kv->levels == 5 ? 48 : 39;

	while (vaddr) {
		uint64_t table = kv->top_table, entry = 0;
		int shift;

		for (shift = top; shift >= 30; shift -= 9) {
			unsigned int index = (vaddr >> shift) & (PTRS_PER_TABLE - 1);
			struct vmcf_error *err = read_entry(kv, table, index, &entry);

			if (err) {
				vmcf_error_destroy(err);
				return 0;
			}
			if (!(entry & PTE_PRESENT) ||
			    (shift > 30 && (entry & PTE_PSE)))
				break;
			table = entry & PTE_PFN_MASK & ~kv->sme_mask;
		}
		if (shift < 30)
			return vaddr;
		/* Skip what this entry covers (wraps to 0 at the end). */
		vaddr = (vaddr | ((UINT64_C(1) << shift) - 1)) + 1;
		if (shift == top && vaddr >> 63 == 0)
			return 0;
	}
	return 0;
}

struct vmcf_error *kvaddr_direct_map_base(struct kvaddr *kv,
					  uint64_t *base_ret)
{
	uint64_t vaddr = kv->levels == 5 ? DIRECT_MAP_START_L5 :
					   DIRECT_MAP_START_L4;

	/*
	 * KASLR moves the direct map in 1 GiB steps and maps physical 0..1
	 * MiB whatever the e820 map says, so its base translates to 0; it is
	 * the lowest of the randomised regions.  Stop at the kernel image.
	 */
	while ((vaddr = next_mapped_gib(kv, vaddr)) &&
	       vaddr < KVADDR_START_KERNEL_MAP) {
		struct vmcf_error *err;
		uint64_t paddr;

		err = kvaddr_translate(kv, vaddr, &paddr);
		if (!err && paddr == 0) {
			*base_ret = vaddr;
			return NULL;
		}
		vmcf_error_destroy(err);
		vaddr += GIB;
	}
	return vmcf_error_create(ENOENT,
				 "no direct map found in the kernel page tables");
}

struct vmcf_error *kvaddr_kernel_image(struct kvaddr *kv,
				       const struct vmcoreinfo *vi,
				       uint64_t *vaddr_ret, uint64_t *paddr_ret,
				       uint64_t *size_ret)
{
	const uint64_t step = UINT64_C(2) << 20;
	uint64_t stext, start, paddr, v, p;
	struct vmcf_error *err;

	err = vmcoreinfo_symbol(vi, "_stext", &stext);
	if (err)
		return err;
	start = stext & ~(step - 1);
	err = kvaddr_translate(kv, start, &paddr);
	if (err)
		return vmcf_error_prefix(err, "kernel image");
	for (v = start + step; v > start; v += step) {
		err = kvaddr_translate(kv, v, &p);
		if (err || p != paddr + (v - start))
			break;
	}
	vmcf_error_destroy(err);
	*vaddr_ret = start;
	*paddr_ret = paddr;
	*size_ret = v - start;
	return NULL;
}
