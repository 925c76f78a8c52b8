/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writer of ELF64 x86_64 core files (makedumpfile -E), filled by many
 * threads at once, and the --to-elf conversion of kdump-compressed files.
 *
 * Layout, chosen for the readers: crash wants the program headers right
 * after the ELF header, PT_NOTE first and only PT_LOADs after it; drgn and
 * libkdumpfile read any layout.
 *
 *	0			ELF header
 *	64			PT_NOTE, then PT_LOAD slots (see below)
 *	after the slots		the notes, as the crashed kernel wrote them
 *	page aligned		page data, in the order threads reserve it
 *
 * A PT_LOAD describes a run of dumped pfns.  With zero_holes (-d with bit
 * 1), a run of zero pages ends its PT_LOAD as p_memsz past p_filesz, so it
 * costs no space and still reads as zeros; runs of fewer than
 * ELF_ZERO_RUN_MIN zero pages inside a run are written out instead, which
 * bounds the number of headers.  The pfn space is cut into chunks of
 * PFN_MAP_BLOCK_PFNS; chunk i owns a fixed range of header slots, sized
 * from the dump bitmap alone (runs + pages / (ELF_ZERO_RUN_MIN + 1)), so
 * threads never coordinate on headers.  The writer keeps the first slot of
 * each chunk of the pfn map (PFN_MAP_CHUNK_PFNS, 8 bytes per 4 GiB), and a
 * thread finds its chunk's slots from that and the bits of the map chunk
 * it has at hand (a cursor).  finish() compacts the used slots (merging
 * neighbours that are contiguous in memory and file) and writes the final
 * e_phnum (PN_XNUM past 65534).  Kernel image aliases (see
 * elf_writer_params) go last, in slots reserved from the same count for the
 * chunks they cover.
 *
 * Files are written as NAME.incomplete and renamed by finish(); a dump
 * that fails keeps that name, with headers describing what was written.
 */
#ifndef VMCF_ELF_WRITER_H
#define VMCF_ELF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfcore.h"
#include "kdump_reader.h"
#include "pfn_map.h"
#include "vmcf_error.h"

#define ELF_ZERO_RUN_MIN	8

/* Physical [paddr, paddr + size) is at virtual vaddr (for p_vaddr). */
struct elf_vrange {
	uint64_t paddr;
	uint64_t size;
	uint64_t vaddr;
};

struct elf_writer_params {
	uint32_t page_size;
	uint64_t max_pfn;
	/* The pfns that will be put; read during create only. */
	const struct pfn_map *map;
	const void *notes;
	size_t notes_size;
	/* p_vaddr of each PT_LOAD; 0 where no range covers it.  Copied. */
	const struct elf_vrange *vranges;
	size_t nr_vranges;
	/*
	 * Kernel image mappings: more PT_LOADs that show the dumped pages of
	 * [paddr, + size) again at vaddr, as kexec's kernel text PT_LOAD
	 * does.  drgn needs them: it reads the page tables through the
	 * kernel image's virtual addresses.  Copied.
	 */
	const struct elf_vrange *aliases;
	size_t nr_aliases;
	bool zero_holes;
};

/* One dumped page given to elf_writer_put_chunk(). */
struct elf_page {
	uint64_t pfn;
	const void *data;
	bool zero;		/* all zeros (only looked at with zero_holes) */
};

struct elf_writer;

/* Writes headers and notes to "<path>.incomplete" (0600). */
struct vmcf_error *elf_writer_create_path(const char *path,
					  const struct elf_writer_params *params,
					  struct elf_writer **writer_ret);
void elf_writer_destroy(struct elf_writer *w);

/*
 * Header slots a block of the map takes (a pfn_block_weight_fn, ctx the
 * writer): cursors passed to put_chunk() must be made with it.
 */
uint64_t elf_writer_block_slots(const void *w, const uint8_t *bits,
				uint64_t nr_pfns);

/*
 * Writes every dumped page of chunk (pfns [chunk * PFN_MAP_BLOCK_PFNS,
 * + PFN_MAP_BLOCK_PFNS)), ascending; cur has the map chunk of those pfns
 * loaded, with elf_writer_block_slots() as its weight; scratch holds
 * PFN_MAP_BLOCK_PFNS pages.  *bytes_ret (may be NULL) gets the bytes of
 * page data written.  Thread-safe across chunks.
 */
struct vmcf_error *elf_writer_put_chunk(struct elf_writer *w,
					const struct pfn_cursor *cur,
					uint64_t chunk,
					const struct elf_page *pages, size_t nr,
					void *scratch, uint64_t *bytes_ret);

/*
 * Compacts the headers, writes the ELF header, fsyncs; with complete set,
 * renames the file to its final name.  Call once, after all puts.
 */
struct vmcf_error *elf_writer_finish(struct elf_writer *w, bool complete);

/* The name the file has now. */
const char *elf_writer_path(const struct elf_writer *w);

/*
 * The virtual addresses of the core's own PT_LOADs, for -E output that
 * keeps them: RAM (the direct map, as kexec-tools writes it) in *ram_ret,
 * the kernel image (vaddr at __START_KERNEL_map and above) in *text_ret.
 * Both are malloc()ed.
 */
struct vmcf_error *elf_core_vranges(const struct elfcore *core,
				    struct elf_vrange **ram_ret,
				    size_t *nr_ram_ret,
				    struct elf_vrange **text_ret,
				    size_t *nr_text_ret);

/*
 * Converts a kdump-compressed dump (one file or a --split set, nr readers)
 * to an ELF core at path, with the notes (every CPU's registers) and every
 * page the dump holds.  Pages missing from an incomplete dump are left
 * out, and counted in *missing_ret.
 */
struct vmcf_error *elf_convert_kdump(struct kdump_reader **readers, size_t nr,
				     const char *path, uint64_t *pages_ret,
				     uint64_t *missing_ret);

#endif /* VMCF_ELF_WRITER_H */
