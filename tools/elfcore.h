/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ELF64 core file the crashed x86_64 kernel leaves behind (/proc/vmcore,
 * or a copy of it): PT_NOTE segments with one NT_PRSTATUS per CPU and the
 * VMCOREINFO note, and PT_LOAD segments that are the crashed kernel's
 * physical memory.
 *
 * Nothing in the file is trusted: a truncated file, program headers outside
 * the file, absurd or overlapping segments, notes running past their
 * segment, or a missing VMCOREINFO note give an error saying which, never a
 * crash.  The parser is fuzzed (tools/fuzz_elfcore.c).
 */
#ifndef VMCF_ELFCORE_H
#define VMCF_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"
#include "vmcoreinfo.h"

/*
 * A range of physical memory.  [paddr, paddr + filesz) is in the file at
 * offset; [paddr + filesz, paddr + memsz) reads as zeros (ELF semantics).
 */
struct elfcore_load {
	uint64_t offset;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

/* All fields are read-only for users. */
struct elfcore {
	/*
	 * The PT_LOADs as physical ranges: sorted by paddr, not overlapping,
	 * none empty.  x86_64 cores carry the kernel text twice (its own
	 * PT_LOAD at a __START_KERNEL_map address and inside a RAM PT_LOAD);
	 * overlaps are resolved in favour of the lower segment, since both
	 * describe the same physical memory.
	 */
	struct elfcore_load *loads;
	size_t nr_loads;
	/* PT_LOADs dropped or trimmed because of such overlaps. */
	size_t nr_overlaps;

	/* All PT_NOTE contents, concatenated, as the kernel wrote them. */
	unsigned char *notes;
	size_t notes_size;
	/* VMCOREINFO's descriptor (the text) within notes. */
	size_t vmcoreinfo_offset;
	size_t vmcoreinfo_size;
	/* Number of NT_PRSTATUS notes: the CPUs with saved registers. */
	unsigned int nr_prstatus;

	struct vmcoreinfo *vmcoreinfo;
	struct vmcoreinfo_basics basics;
	uint32_t page_size;
	/* One past the highest pfn that is (partly) in a PT_LOAD. */
	uint64_t max_pfn;

	/* The kernel text PT_LOAD, if there is one (kexec puts it first). */
	bool has_ktext;
	uint64_t ktext_vaddr;
	uint64_t ktext_paddr;

	/* Where the bytes come from: a file descriptor or a memory buffer. */
	int fd;
	const unsigned char *mem;
	/* File size, or UINT64_MAX when fstat() does not know it. */
	uint64_t size;
	char name[64];
};

/*
 * Reads the headers and notes of the core file open on fd; name is used in
 * messages ("/proc/vmcore").  fd stays the caller's, and must stay open
 * until elfcore_destroy().
 */
struct vmcf_error *elfcore_create(int fd, const char *name,
				struct elfcore **core_ret);

/* The same for a core file in memory (size bytes at buf, kept by caller). */
struct vmcf_error *elfcore_create_memory(const void *buf, size_t size,
				       struct elfcore **core_ret);

void elfcore_destroy(struct elfcore *core);

/* Reads size bytes at file offset; a short file is an error (EIO). */
struct vmcf_error *elfcore_pread(const struct elfcore *core, void *buf,
				 size_t size, uint64_t offset);

/* The PT_LOAD containing physical address paddr, or NULL. */
const struct elfcore_load *elfcore_find_load(const struct elfcore *core,
					     uint64_t paddr);

/* True if any byte of the page is in a PT_LOAD. */
bool elfcore_is_ram(const struct elfcore *core, uint64_t pfn);

enum elfcore_page_kind {
	ELFCORE_PAGE_ABSENT,	/* no byte of the page is RAM */
	ELFCORE_PAGE_FILE,	/* the whole page is in the file at *offset_ret */
	ELFCORE_PAGE_ZERO,	/* the whole page is past a PT_LOAD's filesz */
	ELFCORE_PAGE_PARTIAL,	/* pieced together: use elfcore_read_page() */
};

/*
 * Where pfn's contents are.  Lets a collector read runs of whole pages with
 * one pread(); elfcore_read_page() handles every case.
 */
enum elfcore_page_kind elfcore_page_lookup(const struct elfcore *core,
					   uint64_t pfn,
					   uint64_t *offset_ret);

/*
 * Reads page pfn (page_size bytes) into buf.  Bytes outside any PT_LOAD and
 * past filesz read as zeros; a pfn with no RAM at all is ENOENT.
 */
struct vmcf_error *elfcore_read_page(const struct elfcore *core, uint64_t pfn,
				     void *buf);

/*
 * Sets bit n of bitmap (LSB first within a byte, as kdump bitmap 1) for every
 * pfn n < nr_pfns that elfcore_is_ram(); other bits are left alone.
 */
void elfcore_ram_bitmap(const struct elfcore *core, uint8_t *bitmap,
			uint64_t nr_pfns);

/*
 * The same for pfns [start_pfn, start_pfn + nr_pfns) only: bit i of bits is
 * pfn start_pfn + i; all (nr_pfns + 7) / 8 bytes are written.
 */
void elfcore_ram_bits(const struct elfcore *core, uint64_t start_pfn,
		      uint64_t nr_pfns, uint8_t *bits);

/*
 * phys_base for the dump header: NUMBER(phys_base) from VMCOREINFO, else
 * derived from the kernel text PT_LOAD (paddr - (vaddr - __START_KERNEL_map)),
 * else ENOENT.
 */
struct vmcf_error *elfcore_phys_base(const struct elfcore *core,
				     uint64_t *phys_base_ret);

#endif /* VMCF_ELFCORE_H */
