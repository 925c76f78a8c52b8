// SPDX-License-Identifier: GPL-2.0
/* ELF64 x86_64 core file reader: see elfcore.h. */
#define _POSIX_C_SOURCE 200809L
#include "elfcore.h"
#include "mem_zero.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"

/* x86_64 physical addresses have at most 52 bits (MAXPHYADDR). */
#define MAX_PHYS_ADDR		(UINT64_C(1) << 52)
/* Far more than any kexec'd core has; keeps a fuzzed e_phnum from
 * allocating gigabytes. */
#define MAX_PHNUM		(1U << 20)
/* 8192 CPUs' notes are ~3 MiB; vmcoredd device dumps may add more. */
#define MAX_NOTES_SIZE		(UINT64_C(64) << 20)
/* __START_KERNEL_map and the end of the kernel image area. */
#define START_KERNEL_MAP	UINT64_C(0xffffffff80000000)
#define KERNEL_IMAGE_END	UINT64_C(0xffffffffc0000000)

#define EHDR_SIZE	64
#define PHDR_SIZE	56
#define SHDR_SIZE	64
#define NHDR_SIZE	12

struct vmcf_error *elfcore_pread(const struct elfcore *core, void *buf,
				 size_t size, uint64_t offset)
{
	unsigned char *p = buf;

	if (core->mem) {
		if (offset > core->size || size > core->size - offset)
			return vmcf_error_create(EIO,
						 "read %s at 0x%" PRIx64 ": %zu bytes past the end of the file",
						 core->name, offset, size);
		memcpy(buf, core->mem + offset, size);
		return NULL;
	}
	while (size) {
		ssize_t r = pread(core->fd, p, size, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno, "pread %s at 0x%" PRIx64,
						core->name, offset);
		if (r == 0)
			return vmcf_error_create(EIO,
						 "pread %s at 0x%" PRIx64 ": file is truncated (%zu bytes missing)",
						 core->name, offset, size);
		p += r;
		size -= (size_t)r;
		offset += (uint64_t)r;
	}
	return NULL;
}

/* True if [offset, offset + len) lies within the file. */
static bool in_file(const struct elfcore *core, uint64_t offset, uint64_t len)
{
	return offset <= core->size && len <= core->size - offset;
}

static struct vmcf_error *read_phnum(struct elfcore *core,
				     const unsigned char *ehdr,
				     uint32_t *phnum_ret)
{
	uint32_t phnum = get_le16(ehdr + 56);
	unsigned char shdr[SHDR_SIZE];
	struct vmcf_error *err;
	uint64_t shoff;

	/* More than 65534 segments: the count is in section header 0. */
	if (phnum == PN_XNUM) {
		shoff = get_le64(ehdr + 40);
		if (!shoff || get_le16(ehdr + 58) < SHDR_SIZE ||
		    !in_file(core, shoff, SHDR_SIZE))
			return vmcf_error_create(EINVAL,
						 "%s: e_phnum is PN_XNUM but section header 0 at 0x%" PRIx64 " is missing",
						 core->name, shoff);
		err = elfcore_pread(core, shdr, sizeof(shdr), shoff);
		if (err)
			return err;
		phnum = get_le32(shdr + 44);
	}
	if (phnum == 0)
		return vmcf_error_create(EINVAL, "%s: no program headers",
					 core->name);
	if (phnum > MAX_PHNUM)
		return vmcf_error_create(EINVAL,
					 "%s: %" PRIu32 " program headers, at most %u supported",
					 core->name, phnum, MAX_PHNUM);
	*phnum_ret = phnum;
	return NULL;
}

static struct vmcf_error *check_ehdr(const struct elfcore *core,
				     const unsigned char *ehdr)
{
	if (memcmp(ehdr, ELFMAG, SELFMAG) != 0)
		return vmcf_error_create(EINVAL, "%s: not an ELF file",
					 core->name);
	if (ehdr[EI_CLASS] != ELFCLASS64 || ehdr[EI_DATA] != ELFDATA2LSB)
		return vmcf_error_create(EINVAL,
					 "%s: not a little-endian ELF64 file (class %u, data %u)",
					 core->name, ehdr[EI_CLASS], ehdr[EI_DATA]);
	if (get_le16(ehdr + 16) != ET_CORE)
		return vmcf_error_create(EINVAL,
					 "%s: ELF type %u is not ET_CORE",
					 core->name, get_le16(ehdr + 16));
	if (get_le16(ehdr + 18) != EM_X86_64)
		return vmcf_error_create(EINVAL,
					 "%s: ELF machine %u is not x86_64",
					 core->name, get_le16(ehdr + 18));
	if (get_le16(ehdr + 54) != PHDR_SIZE)
		return vmcf_error_create(EINVAL,
					 "%s: e_phentsize %u, expected %u",
					 core->name, get_le16(ehdr + 54),
					 PHDR_SIZE);
	return NULL;
}

static bool note_name_is(const unsigned char *name, uint32_t namesz,
			 const char *want)
{
	size_t len = strlen(want);

	/* namesz counts the NUL; tolerate writers that leave it out. */
	if (namesz == len + 1)
		return name[len] == '\0' && memcmp(name, want, len) == 0;
	return namesz == len && memcmp(name, want, len) == 0;
}


/*
 * Walks the notes of one PT_NOTE, whose content is notes[start, end), and
 * records what the collector needs.  Offsets are relative to core->notes.
 */
static struct vmcf_error *parse_notes(struct elfcore *core, size_t start,
				      size_t end, uint64_t file_offset)
{
	const unsigned char *notes = core->notes;
	size_t pos = start;

	while (pos < end) {
		uint64_t namesz, descsz, type, name_off, desc_off, next;

		/* Zero padding after the last note ends the list. */
		if (mem_is_zero(notes + pos, end - pos))
			break;
		if (end - pos < NHDR_SIZE)
			return vmcf_error_create(EINVAL,
						 "%s: note header at 0x%" PRIx64 " runs past the end of its PT_NOTE",
						 core->name,
						 file_offset + (pos - start));
		namesz = get_le32(notes + pos);
		descsz = get_le32(notes + pos + 4);
		type = get_le32(notes + pos + 8);
		name_off = pos + NHDR_SIZE;
		desc_off = name_off + ((namesz + 3) & ~UINT64_C(3));
		next = desc_off + ((descsz + 3) & ~UINT64_C(3));
		/* The descriptor itself must fit; its padding may be cut. */
		if (desc_off + descsz > end)
			return vmcf_error_create(EINVAL,
						 "%s: note at 0x%" PRIx64 " (namesz %" PRIu64 ", descsz %" PRIu64 ") runs past the end of its PT_NOTE",
						 core->name,
						 file_offset + (pos - start), namesz,
						 descsz);
		if (note_name_is(notes + name_off, (uint32_t)namesz,
				 "VMCOREINFO") && !core->vmcoreinfo_size &&
		    descsz) {
			core->vmcoreinfo_offset = (size_t)desc_off;
			core->vmcoreinfo_size = (size_t)descsz;
		} else if (type == NT_PRSTATUS &&
			   note_name_is(notes + name_off, (uint32_t)namesz,
					"CORE")) {
			core->nr_prstatus++;
		}
		pos = next < end ? (size_t)next : end;
	}
	return NULL;
}

/* Checks one PT_LOAD before it is used for anything. */
static struct vmcf_error *check_load(const struct elfcore *core, uint32_t i,
				     const struct elfcore_load *l)
{
	if (l->filesz > l->memsz)
		return vmcf_error_create(EINVAL,
					 "%s: PT_LOAD %" PRIu32 " has p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64,
					 core->name, i, l->filesz, l->memsz);
	if (l->paddr >= MAX_PHYS_ADDR || l->memsz > MAX_PHYS_ADDR - l->paddr)
		return vmcf_error_create(EINVAL,
					 "%s: PT_LOAD %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64 ") is beyond the 52-bit physical address space",
					 core->name, i, l->paddr, l->memsz);
	if (!in_file(core, l->offset, l->filesz))
		return vmcf_error_create(EINVAL,
					 "%s: PT_LOAD %" PRIu32 " needs file bytes [0x%" PRIx64 ", +0x%" PRIx64 ") but the file has 0x%" PRIx64 ": truncated?",
					 core->name, i, l->offset, l->filesz,
					 core->size);
	return NULL;
}

static int load_cmp(const void *a, const void *b)
{
	const struct elfcore_load *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* The bigger one first, so the smaller is dropped as contained. */
	if (x->memsz != y->memsz)
		return x->memsz > y->memsz ? -1 : 1;
	return 0;
}

/* Sorts the loads and makes them disjoint (see struct elfcore). */
static void normalize_loads(struct elfcore *core)
{
	size_t n = 0;

	qsort(core->loads, core->nr_loads, sizeof(core->loads[0]), load_cmp);
	for (size_t i = 0; i < core->nr_loads; i++) {
		struct elfcore_load l = core->loads[i];

		if (n) {
			const struct elfcore_load *prev = &core->loads[n - 1];
			uint64_t prev_end = prev->paddr + prev->memsz;

			if (l.paddr < prev_end) {
				uint64_t cut = prev_end - l.paddr;

				core->nr_overlaps++;
				if (cut >= l.memsz)
					continue;
				l.paddr += cut;
				l.memsz -= cut;
				if (cut >= l.filesz) {
					l.filesz = 0;
				} else {
					l.offset += cut;
					l.filesz -= cut;
				}
			}
		}
		core->loads[n++] = l;
	}
	core->nr_loads = n;
}

static struct vmcf_error *parse(struct elfcore *core)
{
	unsigned char ehdr[EHDR_SIZE] = { 0 };
	unsigned char *phdrs = NULL;
	struct vmcf_error *err;
	uint64_t phoff, notes_total = 0, last_end;
	uint32_t phnum = 0, i;
	size_t pos;

	if (!in_file(core, 0, EHDR_SIZE))
		return vmcf_error_create(EINVAL,
					 "%s: %" PRIu64 " bytes is too short for an ELF header",
					 core->name, core->size);
	err = elfcore_pread(core, ehdr, sizeof(ehdr), 0);
	if (err)
		return err;
	err = check_ehdr(core, ehdr);
	if (err)
		return err;
	err = read_phnum(core, ehdr, &phnum);
	if (err)
		return err;
	phoff = get_le64(ehdr + 32);
	if (!in_file(core, phoff, (uint64_t)phnum * PHDR_SIZE))
		return vmcf_error_create(EINVAL,
					 "%s: %" PRIu32 " program headers at e_phoff 0x%" PRIx64 " are outside the file",
					 core->name, phnum, phoff);
	phdrs = malloc((size_t)phnum * PHDR_SIZE);
	core->loads = calloc(phnum, sizeof(core->loads[0]));
	if (!phdrs || !core->loads) {
		err = &vmcf_enomem;
		goto out;
	}
	err = elfcore_pread(core, phdrs, (size_t)phnum * PHDR_SIZE, phoff);
	if (err)
		goto out;

	/* First pass: check every header, size the notes. */
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = phdrs + (size_t)i * PHDR_SIZE;
		uint32_t type = get_le32(ph);
		struct elfcore_load l = {
			.offset = get_le64(ph + 8),
			.paddr = get_le64(ph + 24),
			.filesz = get_le64(ph + 32),
			.memsz = get_le64(ph + 40),
		};
		uint64_t vaddr = get_le64(ph + 16);

		if (type == PT_NOTE) {
			if (!in_file(core, l.offset, l.filesz))
				err = vmcf_error_create(EINVAL,
							"%s: PT_NOTE %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64 ") is outside the file",
							core->name, i, l.offset,
							l.filesz);
			else if (l.filesz > MAX_NOTES_SIZE - notes_total)
				err = vmcf_error_create(EINVAL,
							"%s: more than %" PRIu64 " MiB of notes",
							core->name,
							MAX_NOTES_SIZE >> 20);
			if (err)
				goto out;
			notes_total += l.filesz;
		} else if (type == PT_LOAD && l.memsz) {
			err = check_load(core, i, &l);
			if (err)
				goto out;
			if (!core->has_ktext && vaddr >= START_KERNEL_MAP &&
			    vaddr < KERNEL_IMAGE_END) {
				core->has_ktext = true;
				core->ktext_vaddr = vaddr;
				core->ktext_paddr = l.paddr;
			}
			core->loads[core->nr_loads++] = l;
		}
	}
	if (!notes_total) {
		err = vmcf_error_create(EINVAL, "%s: no PT_NOTE segment",
					core->name);
		goto out;
	}
	if (!core->nr_loads) {
		err = vmcf_error_create(EINVAL, "%s: no PT_LOAD segment",
					core->name);
		goto out;
	}

	/* Second pass: read and walk the notes. */
	core->notes = malloc(notes_total);
	if (!core->notes) {
		err = &vmcf_enomem;
		goto out;
	}
	pos = 0;
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = phdrs + (size_t)i * PHDR_SIZE;
		uint64_t offset = get_le64(ph + 8), filesz = get_le64(ph + 32);

		if (get_le32(ph) != PT_NOTE || !filesz)
			continue;
		err = elfcore_pread(core, core->notes + pos, filesz, offset);
		if (!err)
			err = parse_notes(core, pos, pos + filesz, offset);
		if (err)
			goto out;
		pos += filesz;
	}
	core->notes_size = pos;
	if (!core->vmcoreinfo_size) {
		err = vmcf_error_create(ENOENT,
					"%s: no VMCOREINFO note (the crashed kernel must have CONFIG_CRASH_CORE)",
					core->name);
		goto out;
	}
	err = vmcoreinfo_create((const char *)core->notes +
				       core->vmcoreinfo_offset,
			       core->vmcoreinfo_size, &core->vmcoreinfo);
	if (!err)
		err = vmcoreinfo_get_basics(core->vmcoreinfo, &core->basics);
	if (err) {
		err = vmcf_error_prefix(err, "%s", core->name);
		goto out;
	}
	core->page_size = core->basics.page_size;

	normalize_loads(core);
	last_end = core->loads[core->nr_loads - 1].paddr +
		   core->loads[core->nr_loads - 1].memsz;
	core->max_pfn = (last_end + core->page_size - 1) / core->page_size;
out:
	free(phdrs);
	return err;
}

static struct vmcf_error *open_common(struct elfcore *core,
				      struct elfcore **core_ret)
{
	struct vmcf_error *err = parse(core);

	if (err) {
		elfcore_destroy(core);
		return err;
	}
	*core_ret = core;
	return NULL;
}

struct vmcf_error *elfcore_create(int fd, const char *name,
				struct elfcore **core_ret)
{
	struct elfcore *core;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return vmcf_error_errno(errno, "fstat %s", name);
	core = calloc(1, sizeof(*core));
	if (!core)
		return &vmcf_enomem;
	core->fd = fd;
	snprintf(core->name, sizeof(core->name), "%s", name);
	/* /proc/vmcore has a size; a character device would not. */
	core->size = S_ISREG(st.st_mode) && st.st_size > 0 ?
			     (uint64_t)st.st_size : UINT64_MAX;
	return open_common(core, core_ret);
}

struct vmcf_error *elfcore_create_memory(const void *buf, size_t size,
				       struct elfcore **core_ret)
{
	struct elfcore *core = calloc(1, sizeof(*core));

	if (!core)
		return &vmcf_enomem;
	core->fd = -1;
	/* A non-NULL pointer selects memory reads even for size 0. */
	core->mem = buf ? buf : (const unsigned char *)"";
	core->size = size;
	snprintf(core->name, sizeof(core->name), "core in memory");
	return open_common(core, core_ret);
}

void elfcore_destroy(struct elfcore *core)
{
	if (!core)
		return;
	vmcoreinfo_destroy(core->vmcoreinfo);
	free(core->notes);
	free(core->loads);
	free(core);
}

/* Index of the first load that ends after paddr (nr_loads if none). */
static size_t first_load_ending_after(const struct elfcore *core,
				      uint64_t paddr)
{
	size_t lo = 0, hi = core->nr_loads;

	/* Loads are disjoint and sorted, so their ends are sorted too. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct elfcore_load *l = &core->loads[mid];

		if (l->paddr + l->memsz <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct elfcore_load *elfcore_find_load(const struct elfcore *core,
					     uint64_t paddr)
{
	size_t i = first_load_ending_after(core, paddr);

	if (i < core->nr_loads && core->loads[i].paddr <= paddr)
		return &core->loads[i];
	return NULL;
}

bool elfcore_is_ram(const struct elfcore *core, uint64_t pfn)
{
	uint64_t start, i;

	if (pfn >= core->max_pfn)
		return false;
	start = pfn * core->page_size;
	i = first_load_ending_after(core, start);
	return i < core->nr_loads &&
	       core->loads[i].paddr < start + core->page_size;
}

enum elfcore_page_kind elfcore_page_lookup(const struct elfcore *core,
					   uint64_t pfn,
					   uint64_t *offset_ret)
{
	const struct elfcore_load *l;
	uint64_t start, end;
	size_t i;

	if (pfn >= core->max_pfn)
		return ELFCORE_PAGE_ABSENT;
	start = pfn * core->page_size;
	end = start + core->page_size;
	i = first_load_ending_after(core, start);
	if (i == core->nr_loads || core->loads[i].paddr >= end)
		return ELFCORE_PAGE_ABSENT;
	l = &core->loads[i];
	if (l->paddr > start || l->paddr + l->memsz < end)
		return ELFCORE_PAGE_PARTIAL;
	if (end <= l->paddr + l->filesz) {
		*offset_ret = l->offset + (start - l->paddr);
		return ELFCORE_PAGE_FILE;
	}
	if (start >= l->paddr + l->filesz)
		return ELFCORE_PAGE_ZERO;
	return ELFCORE_PAGE_PARTIAL;
}

struct vmcf_error *elfcore_read_page(const struct elfcore *core, uint64_t pfn,
				     void *buf)
{
	unsigned char *page = buf;
	uint64_t start, end;
	bool found = false;
	size_t i;

	if (pfn >= core->max_pfn)
		return vmcf_error_create(ENOENT,
					 "%s: pfn 0x%" PRIx64 " is beyond the last PT_LOAD",
					 core->name, pfn);
	start = pfn * core->page_size;
	end = start + core->page_size;
	memset(page, 0, core->page_size);
	for (i = first_load_ending_after(core, start);
	     i < core->nr_loads && core->loads[i].paddr < end; i++) {
		const struct elfcore_load *l = &core->loads[i];
		uint64_t from = l->paddr > start ? l->paddr : start;
		uint64_t file_end = l->paddr + l->filesz;
		uint64_t to = file_end < end ? file_end : end;
		struct vmcf_error *err;

		found = true;
		if (from >= to)
			continue;
		err = elfcore_pread(core, page + (from - start), to - from,
				    l->offset + (from - l->paddr));
		if (err)
			return err;
	}
	if (!found)
		return vmcf_error_create(ENOENT,
					 "%s: pfn 0x%" PRIx64 " is not in any PT_LOAD",
					 core->name, pfn);
	return NULL;
}

/* Sets bits [first, last] of an LSB-first bitmap. */
static void set_bits(uint8_t *bitmap, uint64_t first, uint64_t last)
{
	while (first <= last && (first & 7)) {
		bitmap[first >> 3] |= (uint8_t)(1u << (first & 7));
		first++;
	}
	if (first + 7 <= last) {
		uint64_t bytes = (last + 1 - first) >> 3;

		memset(bitmap + (first >> 3), 0xff, bytes);
		first += bytes << 3;
	}
	while (first <= last) {
		bitmap[first >> 3] |= (uint8_t)(1u << (first & 7));
		first++;
	}
}

void elfcore_ram_bitmap(const struct elfcore *core, uint8_t *bitmap,
			uint64_t nr_pfns)
{
	for (size_t i = 0; i < core->nr_loads; i++) {
		const struct elfcore_load *l = &core->loads[i];
		uint64_t first = l->paddr / core->page_size;
		uint64_t last = (l->paddr + l->memsz - 1) / core->page_size;

		if (first >= nr_pfns)
			break;
		if (last >= nr_pfns)
			last = nr_pfns - 1;
		set_bits(bitmap, first, last);
	}
}

void elfcore_ram_bits(const struct elfcore *core, uint64_t start_pfn,
		      uint64_t nr_pfns, uint8_t *bits)
{
	uint64_t end = start_pfn + nr_pfns;
	size_t i;

	memset(bits, 0, (size_t)((nr_pfns + 7) / 8));
	if (start_pfn >= core->max_pfn)
		return;
	for (i = first_load_ending_after(core, start_pfn * core->page_size);
	     i < core->nr_loads; i++) {
		const struct elfcore_load *l = &core->loads[i];
		uint64_t first = l->paddr / core->page_size;
		uint64_t last = (l->paddr + l->memsz - 1) / core->page_size;

		if (first >= end)
			break;
		if (first < start_pfn)
			first = start_pfn;
		if (last >= end)
			last = end - 1;
		set_bits(bits, first - start_pfn, last - start_pfn);
	}
}

struct vmcf_error *elfcore_phys_base(const struct elfcore *core,
				     uint64_t *phys_base_ret)
{
	if (core->basics.has_phys_base) {
		*phys_base_ret = core->basics.phys_base;
		return NULL;
	}
	/* The kernel text is mapped at __START_KERNEL_map + phys_base. */
	if (core->has_ktext) {
		*phys_base_ret = core->ktext_paddr -
				 (core->ktext_vaddr - START_KERNEL_MAP);
		return NULL;
	}
	return vmcf_error_create(ENOENT,
				 "%s: no NUMBER(phys_base) in VMCOREINFO and no kernel text PT_LOAD",
				 core->name);
}
