// SPDX-License-Identifier: GPL-2.0
/*
 * Checked access to the crashed kernel's memory ("old memory").
 *
 * Every physical address comes from the crashed kernel (page tables,
 * mem_section, vmemmap) and is checked against its PT_LOADs before it is
 * mapped: a corrupt pointer never makes the capture kernel touch memory
 * that was not the crashed kernel's RAM (device memory, the capture
 * kernel's own memory).  Mappings are memremap(MEMREMAP_WB): old memory is
 * not in the capture kernel's direct map, so this is ioremap_cache(), as
 * fs/proc/vmcore.c's copy_oldmem_page() does, but for whole vmemmap chunks
 * rather than a page at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "vmcf_module.h"

/**
 * vmcf_oldmem_is_ram() - is a physical range the crashed kernel's RAM?
 * @c: the crashed kernel
 * @paddr: first byte
 * @len: bytes
 *
 * Return: true if all of [@paddr, @paddr + @len) lies in one RAM range
 * (ranges are merged, so that is the same as lying in RAM).
 */
bool vmcf_oldmem_is_ram(const struct vmcf_crash *c, u64 paddr, u64 len)
{
	unsigned int lo = 0, hi = c->nr_ram, mid;

	if (paddr + len < paddr)
		return false;
	/* The first range ending after @paddr */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->ram[mid].end <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nr_ram && c->ram[lo].start <= paddr &&
	       paddr + len <= c->ram[lo].end;
}

/**
 * vmcf_oldmem_map() - map the crashed kernel's RAM
 * @c: the crashed kernel
 * @paddr: first byte
 * @len: bytes
 *
 * Refuses anything outside the crashed kernel's RAM, and a range that is
 * partly the capture kernel's own RAM (memremap() would warn and fail).
 *
 * Return: a kernel address for vmcf_oldmem_unmap(), or NULL.
 */
void *vmcf_oldmem_map(const struct vmcf_crash *c, u64 paddr, size_t len)
{
	if (!len || !vmcf_oldmem_is_ram(c, paddr, len))
		return NULL;
	if (region_intersects(paddr, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) == REGION_MIXED)
		return NULL;
	return memremap(paddr, len, MEMREMAP_WB);
}

/**
 * vmcf_oldmem_unmap() - undo vmcf_oldmem_map()
 * @va: its result; NULL is fine
 */
void vmcf_oldmem_unmap(void *va)
{
	if (va)
		memunmap(va);
}

/**
 * vmcf_oldmem_init() - start a thread's reader
 * @om: the reader
 * @c: the crashed kernel
 */
void vmcf_oldmem_init(struct vmcf_oldmem *om, const struct vmcf_crash *c)
{
	unsigned int i;

	om->c = c;
	om->next = 0;
	for (i = 0; i < VMCF_OLDMEM_CACHE; i++) {
		om->pa[i] = ~0ULL;
		om->va[i] = NULL;
	}
}

/**
 * vmcf_oldmem_deinit() - drop a reader's mappings
 * @om: the reader
 */
void vmcf_oldmem_deinit(struct vmcf_oldmem *om)
{
	unsigned int i;

	for (i = 0; i < VMCF_OLDMEM_CACHE; i++) {
		vmcf_oldmem_unmap(om->va[i]);
		om->va[i] = NULL;
		om->pa[i] = ~0ULL;
	}
}

/* The mapping of the whole page at @page, cached; NULL if it cannot be. */
static void *vmcf_oldmem_page(struct vmcf_oldmem *om, u64 page)
{
	unsigned int i;
	void *va;

	for (i = 0; i < VMCF_OLDMEM_CACHE; i++)
		if (om->va[i] && om->pa[i] == page)
			return om->va[i];
	va = vmcf_oldmem_map(om->c, page, PAGE_SIZE);
	if (!va)
		return NULL;
	i = om->next;
	om->next = (i + 1) % VMCF_OLDMEM_CACHE;
	vmcf_oldmem_unmap(om->va[i]);
	om->va[i] = va;
	om->pa[i] = page;
	return va;
}

/**
 * vmcf_oldmem_read() - copy the crashed kernel's memory (vmcf_memmap reader)
 * @rctx: the thread's struct vmcf_oldmem
 * @paddr: first byte
 * @buf: receives @len bytes
 * @len: bytes
 *
 * Page tables and mem_section are read a few bytes at a time from a few
 * pages: whole RAM pages stay mapped in a small per-thread cache.  Bytes of
 * a page that is only partly RAM are mapped just for the copy.
 *
 * Return: 0; -EFAULT if a byte is not the crashed kernel's RAM; -ENOMEM if
 * it cannot be mapped.
 */
int vmcf_oldmem_read(void *rctx, u64 paddr, void *buf, size_t len)
{
	struct vmcf_oldmem *om = rctx;
	u64 page, off, n;
	u8 *out = buf;
	void *va;

	while (len) {
		page = paddr & PAGE_MASK;
		off = paddr - page;
		n = min_t(u64, len, PAGE_SIZE - off);
		if (!vmcf_oldmem_is_ram(om->c, paddr, n))
			return -EFAULT;
		if (vmcf_oldmem_is_ram(om->c, page, PAGE_SIZE)) {
			va = vmcf_oldmem_page(om, page);
			if (!va)
				return -ENOMEM;
			memcpy(out, va + off, n);
		} else {
			va = vmcf_oldmem_map(om->c, paddr, n);
			if (!va)
				return -ENOMEM;
			memcpy(out, va, n);
			vmcf_oldmem_unmap(va);
		}
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
