/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader of kdump-compressed files (header version 6 and older, as
 * makedumpfile and tools/kdump_writer.c write them), seekable or in the
 * flattened format (makedumpfile -F), for --to-elf and for the tests.
 *
 * Like the ELF reader it trusts nothing: a header that does not add up
 * (bitmaps shorter than max_mapnr, descriptors past the end, a page stored
 * larger than a page) is an error with the field and value in the message.
 *
 * A flattened stream is indexed once (a list of its records); reads then
 * apply, in stream order, every record that overlaps, as `makedumpfile -R`
 * would have written them.  Bytes no record covers read as zeros.
 */
#ifndef VMCF_KDUMP_READER_H
#define VMCF_KDUMP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"
#include "vmcoreinfo.h"

#define KDUMP_READER_UTS_LEN	65

/* What the headers say.  Read-only for users. */
struct kdump_reader_info {
	uint32_t page_size;
	uint32_t status;		/* compression | INCOMPLETE | ... */
	int32_t header_version;
	int32_t dump_level;
	int32_t nr_cpus;
	int64_t crashtime;
	uint64_t max_pfn;		/* max_mapnr_64, else max_mapnr */
	uint64_t phys_base;
	bool split;
	uint64_t start_pfn;		/* this file's descriptors: [start, end) */
	uint64_t end_pfn;
	bool flattened;
	char sysname[KDUMP_READER_UTS_LEN];
	char nodename[KDUMP_READER_UTS_LEN];
	char release[KDUMP_READER_UTS_LEN];
	char version[KDUMP_READER_UTS_LEN];
	char machine[KDUMP_READER_UTS_LEN];
	/* The ELF notes as stored (size 0 if none) and VMCOREINFO within. */
	const unsigned char *notes;
	size_t notes_size;
	size_t vmcoreinfo_offset;
	size_t vmcoreinfo_size;
	/* Parsed VMCOREINFO, or NULL if the file has none. */
	const struct vmcoreinfo *vmcoreinfo;
	/* Bitmap 1 (RAM) and 2 (dumped), max_pfn bits each. */
	const uint8_t *ram_bitmap;
	const uint8_t *dump_bitmap;
};

struct kdump_reader;

/*
 * Reads the headers, notes and bitmaps of the file open on fd; name is for
 * messages.  fd stays the caller's and must stay open until destroy.
 */
struct vmcf_error *kdump_reader_create(int fd, const char *name,
				       struct kdump_reader **reader_ret);
void kdump_reader_destroy(struct kdump_reader *r);

const struct kdump_reader_info *kdump_reader_info(const struct kdump_reader *r);

/* True if pfn's data is in this file (dumped, inside [start, end)). */
bool kdump_reader_has_page(const struct kdump_reader *r, uint64_t pfn);

/*
 * Reads page pfn (page_size bytes), decompressing it.  ENOENT if the file
 * does not hold it: not dumped, outside a split file's range, or a missing
 * descriptor of an incomplete dump.  Not thread-safe (one reader per
 * thread).
 */
struct vmcf_error *kdump_reader_read_page(struct kdump_reader *r, uint64_t pfn,
					  void *buf);

/* True if the first bytes of the file look like a kdump or flattened file. */
bool kdump_reader_probe(int fd);

#endif /* VMCF_KDUMP_READER_H */
