/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dump pipeline: worker threads that read, filter, compress and write
 * pages, with no lock per page.
 *
 * The pfn range of each output file (a --split set has several) is cut into
 * chunks of PIPELINE_CHUNK_PFNS.  Each worker takes the next chunk of "its"
 * file from an atomic counter, and when that file has none left helps the
 * others, so every file is written by its own group of threads at once.
 * For a chunk a worker
 *
 *   1. maps the chunk's pages of the input: one mapping of the whole file
 *      when the input is a regular file, else an mmap() window per run of
 *      pages (/proc/vmcore: mapping all of it would build page tables for
 *      all of RAM in the capture kernel), else pread() if mmap fails;
 *   2. at dump levels with bit 1, finds zero pages: they are described by
 *      the shared zero page (kdump) or as p_memsz tails (ELF), never stored;
 *   3. compresses each page with its own compressor into its own buffer;
 *   4. reserves room for the whole chunk with one atomic add, writes it
 *      with one pwrite(), and writes the chunk's descriptors with one more
 *      (they are consecutive in the file).
 *
 * Which pfns to dump comes from a pfn map (pfn_map.h), never from a
 * bitmap of all of RAM: a worker reads the keep bits of the map chunk (4
 * GiB of RAM) its chunk is in into its cursor, once per map chunk, and
 * gets from it both the pfns and the rank of the first one, which is where
 * the chunk's descriptors go (kdump) or which header slots it owns (ELF).
 *
 * MEMORY.  Nothing grows with the size of the crashed machine but the pfn
 * map's one count per 4 GiB of RAM (8 bytes; 16 with -E, whose writer
 * keeps its first header slot per 4 GiB too).  The rest is fixed:
 *
 *   per worker thread   about 8.5 MiB: input and output buffers of one
 *                       chunk (2 x 4 MiB), arrays for 1024 pages (76 KiB),
 *                       the cursor (140 KiB), its compressor's state
 *                       (lzo 64 KiB, zlib 256 KiB, zstd up to 1 MiB)
 *   first pass thread   256 KiB (bitmap_source_scan(): both bitmaps of one
 *                       map chunk), freed before the pipeline starts
 *   per output file     a header and the notes, plus the descriptor ranges
 *                       put (kdump_writer.h): a few hundred bytes a thread
 *   the process         the program and its libraries, the ELF core's
 *                       headers and notes, VMCOREINFO, the page-table
 *                       cache: about 4 MiB resident
 *
 * so vmcore-dump's peak RSS is about 4 MiB + 8.5 MiB per thread + 8 bytes
 * per 4 GiB of RAM: 20 MiB with 2 threads (measured with -E, every buffer
 * touched) whether the machine has 2 GiB or 16 TiB; the 8-byte term is
 * 16 KiB for 8 TiB.  Pages of a mapped input file are page cache and come
 * on top (not with /proc/vmcore, whose mappings are not counted).
 *
 * The main thread meanwhile prints progress (when asked) and watches the
 * stop flag; a write error or the flag stops every worker at its next
 * chunk.
 */
#ifndef VMCF_PIPELINE_H
#define VMCF_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "elf_writer.h"
#include "elfcore.h"
#include "kdump_writer.h"
#include "pfn_map.h"
#include "vmcf_error.h"

/*
 * 4 MiB of 4 KiB pages: big enough to amortise syscalls, small to hold.
 * One block of the pfn map (PFN_MAP_BLOCK_PFNS).
 */
#define PIPELINE_CHUNK_PFNS	1024

struct pipeline_params {
	const struct elfcore *core;
	/* The pfns to dump; its reader is called from every worker. */
	const struct pfn_map *map;
	uint64_t max_pfn;
	uint64_t total_pages;		/* pfns to dump (progress) */
	unsigned int nr_threads;
	bool exclude_zero;		/* dump level bit 1 (ELF: leave them out) */
	enum compress_alg compression;
	/* The output: kdump files (one per --split file), an ELF file, or
	 * neither (dry run: everything but the writes). */
	struct kdump_writer **writers;
	size_t nr_writers;
	struct elf_writer *elf;
	uint64_t max_rate;		/* bytes of output per second, 0: no limit */
	bool progress;			/* a progress line on stderr */
	bool progress_tty;		/* rewrite it in place ('\r') */
	const volatile sig_atomic_t *stop;	/* non-zero: stop (SIGINT, SIGTERM) */
};

struct pipeline_stats {
	uint64_t pages;			/* dumped */
	uint64_t zero_pages;		/* not stored: shared zero page, holes */
	uint64_t compressed_pages;	/* stored compressed */
	uint64_t bytes_in;		/* page data read */
	uint64_t bytes_out;		/* page data written */
	double seconds;
	/* How pages were read: "one mapping", "mmap windows" or "pread" */
	const char *input;
};

/*
 * Dumps every pfn of map into the output.  Returns the first
 * error, or EINTR if *stop was raised; the output is then unfinished (the
 * caller marks it incomplete).  Stats are filled either way.
 */
struct vmcf_error *pipeline_run(const struct pipeline_params *params,
				struct pipeline_stats *stats_ret);

#endif /* VMCF_PIPELINE_H */
