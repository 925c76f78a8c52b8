/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of vmcore_filter.ko share.  It names neither the uapi
 * header nor vmcf_classify.h, which both define VMCF_NR_CLASSES and struct
 * vmcf_counts, so that each file can include the one it needs:
 *
 *   vmcore_filter_main.c  the misc device (uapi)
 *   vmcf_vmcore.c         the crashed kernel's ELF headers and VMCOREINFO,
 *                         read through /proc/vmcore
 *   vmcf_oldmem.c         checked access to the crashed kernel's memory
 *   vmcf_scan.c           classifying pfn ranges, spread over the CPUs
 *   vmcf_zero.c           zero_level=: hiding excluded pages in /proc/vmcore
 *
 * Memory: nothing here grows with the crashed kernel's RAM.  Module
 * lifetime: two range tables (16 bytes per PT_LOAD), the layout and the
 * memmap description (under 1 KiB).  Each read() or VMCF_IOC_COUNTS in
 * progress: a 128 KiB bitmap buffer, about 1.5 KiB per CPU working for it,
 * at most one 2 MiB vmemmap mapping and VMCF_OLDMEM_CACHE page mappings
 * per such CPU, and a 64 KiB bounce buffer (1024 struct pages) on a CPU
 * only when the vmemmap it reads is fragmented.  With zero_level= set:
 * two 128 KiB bitmaps for the module's lifetime.
 */
#ifndef VMCF_MODULE_H
#define VMCF_MODULE_H

#include <linux/bits.h>
#include <linux/types.h>

struct vmcf_layout;
struct vmcf_memmap;

/* Class ids fit in the uapi's VMCF_MAX_CLASSES-sized arrays. */
#define VMCF_SCAN_MAX_CLASSES	32
/* A pfn that is not RAM, in class arrays */
#define VMCF_NOT_RAM		0xff
/* Bitmap reads and counts are computed this many pfns at a time. */
#define VMCF_CHUNK_PFNS		BIT_ULL(20)
/* Page mappings a reader keeps for page tables and mem_section. */
#define VMCF_OLDMEM_CACHE	16

/**
 * struct vmcf_span - a half-open range [start, end)
 * @start: first unit
 * @end: first unit after the range
 */
struct vmcf_span {
	u64 start;
	u64 end;
};

/**
 * struct vmcf_crash - the crashed kernel, as vmcore_filter sees it
 * @ram: its RAM in bytes of physical address, from the PT_LOADs of
 *	/proc/vmcore: sorted, disjoint, overlaps merged
 * @nr_ram: entries in @ram
 * @ram_pfns: the pfns with at least one byte in @ram, sorted and merged
 * @nr_ram_pfns: entries in @ram_pfns
 * @max_pfn: highest RAM pfn + 1
 * @layout: its struct page layout, from VMCOREINFO
 * @memmap: where its struct pages are
 * @release_table: the layout has the facts of a known release
 *	(VMCF_FEATURE_RELEASE_TABLE)
 *
 * Filled once at module load and read-only afterwards, so every reader
 * may use it without locks.
 */
struct vmcf_crash {
	struct vmcf_span *ram;
	unsigned int nr_ram;
	struct vmcf_span *ram_pfns;
	unsigned int nr_ram_pfns;
	u64 max_pfn;
	struct vmcf_layout *layout;
	struct vmcf_memmap *memmap;
	bool release_table;
};

/**
 * struct vmcf_oldmem - one thread's reader of the crashed kernel's memory
 * @c: the crashed kernel
 * @pa: physical address of each cached page mapping, or ~0
 * @va: the cached mappings
 * @next: slot to reuse next
 *
 * Passed as the read context of vmcf_memmap; never shared between threads.
 */
struct vmcf_oldmem {
	const struct vmcf_crash *c;
	u64 pa[VMCF_OLDMEM_CACHE];
	void *va[VMCF_OLDMEM_CACHE];
	unsigned int next;
};

/* The release, as modinfo and dkms.conf's PACKAGE_VERSION say it. */
#define VMCF_MODULE_VERSION	"0.1"

/* vmcf_zero.c */
int vmcf_zero_register(int level);
void vmcf_zero_start(const struct vmcf_crash *c, int level);
void vmcf_zero_unregister(void);

/* vmcf_vmcore.c */
int vmcf_vmcore_load(struct vmcf_crash *c);
void vmcf_vmcore_free(struct vmcf_crash *c);

/* vmcf_oldmem.c */
bool vmcf_oldmem_is_ram(const struct vmcf_crash *c, u64 paddr, u64 len);
void *vmcf_oldmem_map(const struct vmcf_crash *c, u64 paddr, size_t len);
void vmcf_oldmem_unmap(void *va);
void vmcf_oldmem_init(struct vmcf_oldmem *om, const struct vmcf_crash *c);
void vmcf_oldmem_deinit(struct vmcf_oldmem *om);
int vmcf_oldmem_read(void *rctx, u64 paddr, void *buf, size_t len);

/* vmcf_scan.c */
int vmcf_scan_setup(struct vmcf_crash *c);
void vmcf_scan_free(struct vmcf_crash *c);
int vmcf_scan_bits(const struct vmcf_crash *c, u64 exclude, u64 start_pfn,
		   u64 nr, u8 *bits);
int vmcf_scan_counts(const struct vmcf_crash *c, u64 start_pfn, u64 end_pfn,
		     u64 *counts);
u64 vmcf_scan_vmemmap_base(const struct vmcf_crash *c);
const char *vmcf_scan_release(const struct vmcf_crash *c);

#endif /* VMCF_MODULE_H */
