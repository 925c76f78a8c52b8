/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel virtual addresses of the crashed x86_64 kernel, translated through
 * its own page tables in the dump.
 *
 * Why a page-table walk: the printk ring buffer may be memblock-allocated
 * (log_buf_len=) and so live in the direct map, whose base
 * (page_offset_base) KASLR randomises and 6.1's VMCOREINFO does not export.
 * The kernel image itself is at __START_KERNEL_map + phys_base, and
 * VMCOREINFO gives SYMBOL(init_top_pgt), the top-level page table; from
 * there a 4- or 5-level walk (NUMBER(pgtable_l5_enabled)) reaches any
 * mapped kernel address, 1 GiB and 2 MiB pages included.
 *
 * Memory is read a page at a time through struct phys_reader, so the same
 * code serves an ELF vmcore and a kdump-compressed file.
 */
#ifndef VMCF_KVADDR_H
#define VMCF_KVADDR_H

#include <stddef.h>
#include <stdint.h>

#include "elfcore.h"
#include "vmcf_error.h"
#include "vmcoreinfo.h"

/* __START_KERNEL_map: where x86_64 maps the kernel image. */
#define KVADDR_START_KERNEL_MAP	UINT64_C(0xffffffff80000000)

/* Reads whole pages of the crashed kernel's physical memory. */
struct phys_reader {
	/* Reads page pfn (page_size bytes); ENOENT if it is not in the dump. */
	struct vmcf_error *(*read_page)(void *ctx, uint64_t pfn, void *buf);
	void *ctx;
	uint32_t page_size;
};

/* A phys_reader over an ELF core (elfcore_read_page()). */
void kvaddr_elfcore_reader(const struct elfcore *core,
			   struct phys_reader *reader_ret);

struct kvaddr;

/*
 * Needs SYMBOL(init_top_pgt) in vi (ENOENT otherwise); phys_base as in the
 * dump header.  vi and reader must outlive the kvaddr.
 */
struct vmcf_error *kvaddr_create(const struct vmcoreinfo *vi,
				 uint64_t phys_base,
				 const struct phys_reader *reader,
				 struct kvaddr **kv_ret);
void kvaddr_destroy(struct kvaddr *kv);

/* Physical address of vaddr; EFAULT if it is not mapped. */
struct vmcf_error *kvaddr_translate(struct kvaddr *kv, uint64_t vaddr,
				    uint64_t *paddr_ret);

/* Reads physical memory (any alignment and size). */
struct vmcf_error *kvaddr_read_phys(struct kvaddr *kv, uint64_t paddr,
				    void *buf, size_t size);

/* Reads kernel virtual memory (any alignment and size). */
struct vmcf_error *kvaddr_read(struct kvaddr *kv, uint64_t vaddr, void *buf,
			       size_t size);
struct vmcf_error *kvaddr_read_u64(struct kvaddr *kv, uint64_t vaddr,
				   uint64_t *value_ret);

/*
 * The direct map's base (page_offset_base): the lowest kernel address at
 * or above the KASLR direct-map region's start that maps physical address
 * 0.  ENOENT if none is found.
 */
struct vmcf_error *kvaddr_direct_map_base(struct kvaddr *kv,
					  uint64_t *base_ret);

/*
 * The kernel image mapping: [*vaddr_ret, + *size_ret) at __START_KERNEL_map
 * and above maps physical *paddr_ret on, from the 2 MiB page holding
 * SYMBOL(_stext) to the first address that is unmapped or not contiguous
 * (cleanup_highmap() unmaps the rest of KERNEL_IMAGE_SIZE).
 */
struct vmcf_error *kvaddr_kernel_image(struct kvaddr *kv,
				       const struct vmcoreinfo *vi,
				       uint64_t *vaddr_ret, uint64_t *paddr_ret,
				       uint64_t *size_ret);

#endif /* VMCF_KVADDR_H */
