// SPDX-License-Identifier: GPL-2.0
/* ELF64 core writer and kdump-to-ELF conversion: see elf_writer.h. */
#define _POSIX_C_SOURCE 200809L
#include "elf_writer.h"
#include "mem_zero.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "byteorder.h"
#include "kvaddr.h"

#define EHDR_SIZE	64
#define PHDR_SIZE	56
#define SHDR_SIZE	64
/* Headers compacted per read in finish(). */
#define COMPACT_BATCH	4096

struct elf_writer {
	int fd;
	char *path;
	char *tmp_path;
	bool renamed;
	uint32_t page_size;
	uint64_t max_pfn;
	bool zero_holes;
	struct elf_vrange *vranges;
	size_t nr_vranges;
	struct elf_vrange *aliases;
	size_t nr_aliases;
	/* Slots before each chunk of the map: nr_map_chunks + 1 entries. */
	uint64_t *map_slots;
	uint64_t nr_map_chunks;
	uint64_t nr_chunks;	/* of PFN_MAP_BLOCK_PFNS, for put_chunk() */
	uint64_t nr_slots;	/* for chunks, then alias_slots more */
	uint64_t alias_slots;
	uint64_t notes_offset;
	uint64_t notes_size;
	uint64_t data_offset;
	_Atomic uint64_t next_data;
};

static uint64_t round_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

static struct vmcf_error *pwrite_all(const struct elf_writer *w,
				     const void *buf, size_t size,
				     uint64_t offset)
{
	const unsigned char *p = buf;

	while (size) {
		ssize_t r = pwrite(w->fd, p, size, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno, "pwrite %s at 0x%" PRIx64,
						w->tmp_path, offset);
		p += r;
		size -= (size_t)r;
		offset += (uint64_t)r;
	}
	return NULL;
}

static struct vmcf_error *pread_all(const struct elf_writer *w, void *buf,
				    size_t size, uint64_t offset)
{
	unsigned char *p = buf;

	while (size) {
		ssize_t r = pread(w->fd, p, size, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return vmcf_error_errno(r < 0 ? errno : EIO,
						"pread %s at 0x%" PRIx64,
						w->tmp_path, offset);
		p += r;
		size -= (size_t)r;
		offset += (uint64_t)r;
	}
	return NULL;
}

static bool bit(const uint8_t *bm, uint64_t pfn)
{
	return bm[pfn >> 3] & (1u << (pfn & 7));
}

/* Header slots a chunk may need: see elf_writer.h. */
uint64_t elf_writer_block_slots(const void *ctx, const uint8_t *bm,
				uint64_t nr_pfns)
{
	const struct elf_writer *w = ctx;
	uint64_t runs = 0, pages = 0, pfn = 0;
	bool prev = false;

	/* Whole bytes: a run starts at each set bit whose lower one is clear. */
	for (; pfn + 8 <= nr_pfns; pfn += 8) {
		unsigned int b = bm[pfn >> 3];

		runs += (uint64_t)__builtin_popcount(b & ~((b << 1) | prev) & 0xff);
		pages += (uint64_t)__builtin_popcount(b);
		prev = b >> 7;
	}
	for (; pfn < nr_pfns; pfn++) {
		bool b = bit(bm, pfn);

		runs += b && !prev;
		pages += b;
		prev = b;
	}
	return runs + (w->zero_holes ? pages / (ELF_ZERO_RUN_MIN + 1) : 0);
}

static void encode_phdr(unsigned char *ph, uint32_t type, uint64_t offset,
			uint64_t vaddr, uint64_t paddr, uint64_t filesz,
			uint64_t memsz, uint64_t align)
{
	put_le32(ph, type);
	put_le32(ph + 4, type == PT_LOAD ? PF_R | PF_W | PF_X : 0);
	put_le64(ph + 8, offset);
	put_le64(ph + 16, vaddr);
	put_le64(ph + 24, paddr);
	put_le64(ph + 32, filesz);
	put_le64(ph + 40, memsz);
	put_le64(ph + 48, align);
}

static void encode_ehdr(unsigned char *h, uint64_t phnum, uint64_t shoff)
{
	memset(h, 0, EHDR_SIZE);
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = ELFCLASS64;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	h[EI_OSABI] = ELFOSABI_NONE;
	put_le16(h + 16, ET_CORE);
	put_le16(h + 18, EM_X86_64);
	put_le32(h + 20, EV_CURRENT);
	put_le64(h + 32, EHDR_SIZE);			/* e_phoff */
	put_le64(h + 40, shoff);			/* e_shoff */
	put_le16(h + 52, EHDR_SIZE);
	put_le16(h + 54, PHDR_SIZE);
	put_le16(h + 56, phnum >= PN_XNUM ? PN_XNUM : (uint16_t)phnum);
	put_le16(h + 58, shoff ? SHDR_SIZE : 0);
	put_le16(h + 60, shoff ? 1 : 0);
}

/* Zero-fills [offset, offset + size): the slots must take space now, so
 * that finish() can rewrite them on a full disk. */
static struct vmcf_error *fill_zero(struct elf_writer *w, uint64_t offset,
				    uint64_t size)
{
	size_t piece = 1 << 20;
	void *zero = calloc(1, piece);
	struct vmcf_error *err = NULL;

	if (!zero)
		return &vmcf_enomem;
	while (size && !err) {
		size_t n = size < piece ? (size_t)size : piece;

		err = pwrite_all(w, zero, n, offset);
		offset += n;
		size -= n;
	}
	free(zero);
	return err;
}

/*
 * Alias slots in map chunk k (loaded in cur): an alias repeats at most
 * every PT_LOAD of the chunks (blocks) it covers.
 */
static uint64_t alias_slots(const struct elf_writer *w,
			    const struct pfn_cursor *cur, uint64_t k)
{
	uint64_t base = k * PFN_MAP_BLOCKS, n = 0;

	for (size_t i = 0; i < w->nr_aliases; i++) {
		const struct elf_vrange *a = &w->aliases[i];
		uint64_t first = a->paddr / w->page_size / PFN_MAP_BLOCK_PFNS;
		uint64_t end = (a->paddr + a->size) / w->page_size /
			       PFN_MAP_BLOCK_PFNS + 1;

		if (first < base)
			first = base;
		if (end > base + PFN_MAP_BLOCKS)
			end = base + PFN_MAP_BLOCKS;
		if (first < end)
			n += cur->aux[end - base] - cur->aux[first - base];
	}
	return n;
}

/* Counts the slots, a chunk of the map at a time, skipping empty ones. */
static struct vmcf_error *plan(struct elf_writer *w,
			       const struct elf_writer_params *p)
{
	struct pfn_cursor cur;
	struct vmcf_error *err;
	uint64_t slots = 0;

	w->nr_chunks = (p->max_pfn + PFN_MAP_BLOCK_PFNS - 1) /
		       PFN_MAP_BLOCK_PFNS;
	w->nr_map_chunks = pfn_map_nr_chunks(p->map);
	w->map_slots = malloc((w->nr_map_chunks + 1) * sizeof(w->map_slots[0]));
	if (!w->map_slots)
		return &vmcf_enomem;
	err = pfn_cursor_init(&cur, p->map, elf_writer_block_slots, w);
	for (uint64_t k = 0; !err && k < w->nr_map_chunks; k++) {
		w->map_slots[k] = slots;
		if (!pfn_map_chunk_count(p->map, k))
			continue;
		err = pfn_cursor_load(&cur, k);
		if (err)
			break;
		slots += cur.aux[PFN_MAP_BLOCKS];
		w->alias_slots += alias_slots(w, &cur, k);
	}
	pfn_cursor_deinit(&cur);
	if (err)
		return err;
	w->map_slots[w->nr_map_chunks] = slots;
	w->nr_slots = slots;
	/* Slot 0 is the PT_NOTE. */
	w->notes_offset = EHDR_SIZE + (1 + slots + w->alias_slots) * PHDR_SIZE;
	w->notes_size = p->notes_size;
	w->data_offset = round_up(w->notes_offset + p->notes_size, p->page_size);
	atomic_init(&w->next_data, w->data_offset);
	return NULL;
}

static struct vmcf_error *check_params(const struct elf_writer_params *p)
{
	if (p->page_size < 4096 || (p->page_size & (p->page_size - 1)) ||
	    !p->max_pfn || !p->map || pfn_map_max_pfn(p->map) != p->max_pfn ||
	    (p->notes_size && !p->notes))
		return vmcf_error_create(EINVAL,
					 "ELF writer: page size %" PRIu32 ", max_pfn 0x%" PRIx64 ", pfn map, notes: invalid",
					 p->page_size, p->max_pfn);
	return NULL;
}

static struct vmcf_error *write_start(struct elf_writer *w,
				      const struct elf_writer_params *p)
{
	unsigned char ehdr[EHDR_SIZE];
	struct vmcf_error *err;

	/* A valid, empty core until finish() knows the headers. */
	encode_ehdr(ehdr, 0, 0);
	err = pwrite_all(w, ehdr, sizeof(ehdr), 0);
	if (!err)
		err = fill_zero(w, EHDR_SIZE, w->notes_offset - EHDR_SIZE);
	if (!err && p->notes_size)
		err = pwrite_all(w, p->notes, p->notes_size, w->notes_offset);
	return err;
}

struct vmcf_error *elf_writer_create_path(const char *path,
					  const struct elf_writer_params *p,
					  struct elf_writer **writer_ret)
{
	struct elf_writer *w;
	struct vmcf_error *err;

	err = check_params(p);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return &vmcf_enomem;
	w->fd = -1;
	w->page_size = p->page_size;
	w->max_pfn = p->max_pfn;
	w->zero_holes = p->zero_holes;
	w->path = strdup(path);
	w->tmp_path = malloc(strlen(path) + sizeof(".incomplete"));
	w->vranges = calloc(p->nr_vranges + 1, sizeof(w->vranges[0]));
	w->aliases = calloc(p->nr_aliases + 1, sizeof(w->aliases[0]));
	if (!w->path || !w->tmp_path || !w->vranges || !w->aliases) {
		err = &vmcf_enomem;
		goto fail;
	}
	if (p->nr_vranges)
		memcpy(w->vranges, p->vranges,
		       p->nr_vranges * sizeof(w->vranges[0]));
	w->nr_vranges = p->nr_vranges;
	if (p->nr_aliases)
		memcpy(w->aliases, p->aliases,
		       p->nr_aliases * sizeof(w->aliases[0]));
	w->nr_aliases = p->nr_aliases;
	sprintf(w->tmp_path, "%s.incomplete", path);
	err = plan(w, p);
	if (err)
		goto fail;
	w->fd = open(w->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		err = vmcf_error_errno(errno, "open %s", w->tmp_path);
		goto fail;
	}
	err = write_start(w, p);
	if (err) {
		unlink(w->tmp_path);
		goto fail;
	}
	*writer_ret = w;
	return NULL;
fail:
	elf_writer_destroy(w);
	return err;
}

void elf_writer_destroy(struct elf_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w->tmp_path);
	free(w->vranges);
	free(w->aliases);
	free(w->map_slots);
	free(w);
}

const char *elf_writer_path(const struct elf_writer *w)
{
	return w->renamed ? w->path : w->tmp_path;
}

static uint64_t vaddr_of(const struct elf_writer *w, uint64_t paddr)
{
	for (size_t i = 0; i < w->nr_vranges; i++) {
		const struct elf_vrange *r = &w->vranges[i];

		if (paddr >= r->paddr && paddr - r->paddr < r->size)
			return r->vaddr + (paddr - r->paddr);
	}
	return 0;
}

/* One PT_LOAD being built for a chunk. */
struct seg {
	uint64_t pfn;		/* first pfn */
	uint64_t data_pages;	/* written, from pfn on */
	uint64_t pages;		/* in memory: data_pages + zero tail */
	uint64_t data_index;	/* of its first data page in the scratch */
};

struct chunk_plan {
	struct seg *segs;
	size_t nr, room;
	unsigned char *scratch;
	uint64_t data_pages;	/* in the scratch so far */
	uint32_t page_size;
};

static struct vmcf_error *emit(struct chunk_plan *cp, const struct elf_page *pages,
			       size_t first, size_t data_end, size_t end)
{
	struct seg *s;

	if (cp->nr == cp->room)
		return vmcf_error_create(EINVAL,
					 "ELF writer: chunk of pfn 0x%" PRIx64 " needs more than its %zu header slots",
					 pages[first].pfn, cp->room);
	s = &cp->segs[cp->nr++];
	s->pfn = pages[first].pfn;
	s->data_pages = data_end - first;
	s->pages = end - first;
	s->data_index = cp->data_pages;
	for (size_t i = first; i < data_end; i++)
		memcpy(cp->scratch + cp->data_pages++ * cp->page_size,
		       pages[i].data, cp->page_size);
	return NULL;
}

/* Cuts the run pages[first, end) of consecutive pfns into PT_LOADs. */
static struct vmcf_error *plan_run(struct chunk_plan *cp, bool zero_holes,
				   const struct elf_page *pages, size_t first,
				   size_t end)
{
	size_t seg = first, p = first, q;
	struct vmcf_error *err;

	while (p < end) {
		if (!zero_holes || !pages[p].zero) {
			p++;
			continue;
		}
		for (q = p; q < end && pages[q].zero; q++)
			;
		if (q == end)	/* a zero tail costs nothing */
			return emit(cp, pages, seg, p, end);
		if (q - p >= ELF_ZERO_RUN_MIN) {
			err = emit(cp, pages, seg, p, q);
			if (err)
				return err;
			seg = q;
		}
		p = q;
	}
	return seg < end ? emit(cp, pages, seg, end, end) : NULL;
}

struct vmcf_error *elf_writer_put_chunk(struct elf_writer *w,
					const struct pfn_cursor *cur,
					uint64_t chunk,
					const struct elf_page *pages, size_t nr,
					void *scratch, uint64_t *bytes_ret)
{
	uint64_t room, base, first_slot, b = chunk % PFN_MAP_BLOCKS;
	struct chunk_plan cp = { .scratch = scratch,
				 .page_size = w->page_size };
	struct vmcf_error *err = NULL;
	unsigned char *ph;
	size_t i = 0;

	if (bytes_ret)
		*bytes_ret = 0;
	if (chunk >= w->nr_chunks || !nr)
		return NULL;
	if (cur->chunk != chunk / PFN_MAP_BLOCKS ||
	    cur->weight != elf_writer_block_slots || cur->weight_ctx != w)
		return vmcf_error_create(EINVAL,
					 "ELF writer: chunk %" PRIu64 " put without its map chunk's slots",
					 chunk);
	first_slot = w->map_slots[chunk / PFN_MAP_BLOCKS] + cur->aux[b];
	room = cur->aux[b + 1] - cur->aux[b];
	cp.room = room;
	cp.segs = malloc((room ? room : 1) * sizeof(cp.segs[0]));
	if (!cp.segs)
		return &vmcf_enomem;
	while (i < nr && !err) {
		size_t j = i + 1;

		while (j < nr && pages[j].pfn == pages[j - 1].pfn + 1)
			j++;
		err = plan_run(&cp, w->zero_holes, pages, i, j);
		i = j;
	}
	ph = err ? NULL : calloc(cp.nr ? cp.nr : 1, PHDR_SIZE);
	if (!err && !ph)
		err = &vmcf_enomem;
	if (err)
		goto out;
	base = atomic_fetch_add(&w->next_data, cp.data_pages * w->page_size);
	err = pwrite_all(w, scratch, cp.data_pages * w->page_size, base);
	for (i = 0; i < cp.nr && !err; i++) {
		const struct seg *s = &cp.segs[i];
		uint64_t paddr = s->pfn * w->page_size;

		encode_phdr(ph + i * PHDR_SIZE, PT_LOAD,
			    base + s->data_index * w->page_size,
			    vaddr_of(w, paddr), paddr,
			    s->data_pages * w->page_size,
			    s->pages * w->page_size, 0);
	}
	if (!err)
		err = pwrite_all(w, ph, cp.nr * PHDR_SIZE,
				 EHDR_SIZE + (1 + first_slot) * PHDR_SIZE);
	if (!err && bytes_ret)
		*bytes_ret = cp.data_pages * w->page_size;
	free(ph);
out:
	free(cp.segs);
	return err;
}

/* Appends ph to the compacted headers, merging it into the last one if
 * both are contiguous in memory and in the file. */
static void compact_one(unsigned char *last, bool *have_last,
			const unsigned char *ph, uint64_t *nr_out,
			unsigned char *out)
{
	if (*have_last && get_le64(last + 32) == get_le64(last + 40) &&
	    get_le64(last + 24) + get_le64(last + 40) == get_le64(ph + 24) &&
	    get_le64(last + 8) + get_le64(last + 32) == get_le64(ph + 8) &&
	    (get_le64(last + 16) ? get_le64(last + 16) + get_le64(last + 40) :
				   0) == get_le64(ph + 16)) {
		put_le64(last + 32, get_le64(last + 32) + get_le64(ph + 32));
		put_le64(last + 40, get_le64(last + 40) + get_le64(ph + 40));
		return;
	}
	if (*have_last) {
		memcpy(out + *nr_out * PHDR_SIZE, last, PHDR_SIZE);
		(*nr_out)++;
	}
	memcpy(last, ph, PHDR_SIZE);
	*have_last = true;
}

/*
 * Moves the used slots down to the front of the slot area (writes never
 * overtake reads), merging neighbours; *phnum_ret counts the PT_LOADs.
 */
static struct vmcf_error *compact(struct elf_writer *w, uint64_t *phnum_ret)
{
	unsigned char *in = malloc(COMPACT_BATCH * PHDR_SIZE);
	unsigned char *out = malloc((COMPACT_BATCH + 1) * PHDR_SIZE);
	uint64_t read_slot = 0, write_slot = 0;
	unsigned char last[PHDR_SIZE];
	struct vmcf_error *err = NULL;
	bool have_last = false;

	if (!in || !out) {
		err = &vmcf_enomem;
		goto out;
	}
	while (read_slot < w->nr_slots && !err) {
		uint64_t n = w->nr_slots - read_slot, nr_out = 0;

		if (n > COMPACT_BATCH)
			n = COMPACT_BATCH;
		err = pread_all(w, in, n * PHDR_SIZE,
				EHDR_SIZE + (1 + read_slot) * PHDR_SIZE);
		for (uint64_t i = 0; i < n && !err; i++) {
			if (get_le32(in + i * PHDR_SIZE) == PT_LOAD)
				compact_one(last, &have_last, in + i * PHDR_SIZE,
					    &nr_out, out);
		}
		if (!err && nr_out)
			err = pwrite_all(w, out, nr_out * PHDR_SIZE,
					 EHDR_SIZE + (1 + write_slot) * PHDR_SIZE);
		write_slot += nr_out;
		read_slot += n;
	}
	if (!err && have_last) {
		err = pwrite_all(w, last, PHDR_SIZE,
				 EHDR_SIZE + (1 + write_slot) * PHDR_SIZE);
		write_slot++;
	}
	*phnum_ret = write_slot;
out:
	free(in);
	free(out);
	return err;
}

/*
 * The part of PT_LOAD ph that alias a covers, as a PT_LOAD at the alias's
 * virtual address, into out; false if they do not overlap.
 */
static bool alias_one(const struct elf_vrange *a, const unsigned char *ph,
		      unsigned char *out)
{
	uint64_t off = get_le64(ph + 8), paddr = get_le64(ph + 24);
	uint64_t filesz = get_le64(ph + 32), memsz = get_le64(ph + 40);
	uint64_t from = paddr > a->paddr ? paddr : a->paddr;
	uint64_t to = paddr + memsz < a->paddr + a->size ? paddr + memsz :
							   a->paddr + a->size;
	uint64_t data_end = paddr + filesz;

	if (from >= to)
		return false;
	encode_phdr(out, PT_LOAD, off + (from - paddr),
		    a->vaddr + (from - a->paddr), from,
		    data_end > from ? (data_end < to ? data_end : to) - from : 0,
		    to - from, 0);
	return true;
}

/* Appends the aliases of the loads compacted PT_LOADs; *nr_ret of them. */
static struct vmcf_error *add_aliases(struct elf_writer *w, uint64_t loads,
				      uint64_t *nr_ret)
{
	unsigned char *in = malloc(COMPACT_BATCH * PHDR_SIZE), out[PHDR_SIZE];
	struct vmcf_error *err = NULL;
	uint64_t n = 0;

	if (!in)
		return &vmcf_enomem;
	for (uint64_t i = 0; i < loads && !err; i += COMPACT_BATCH) {
		uint64_t batch = loads - i < COMPACT_BATCH ? loads - i :
							     COMPACT_BATCH;

		err = pread_all(w, in, batch * PHDR_SIZE,
				EHDR_SIZE + (1 + i) * PHDR_SIZE);
		for (uint64_t j = 0; j < batch && !err; j++) {
			for (size_t k = 0; k < w->nr_aliases && !err; k++) {
				if (!alias_one(&w->aliases[k],
					       in + j * PHDR_SIZE, out))
					continue;
				if (n == w->alias_slots)
					err = vmcf_error_create(EINVAL,
								"ELF writer: kernel image aliases need more than %" PRIu64 " headers",
								w->alias_slots);
				else
					err = pwrite_all(w, out, PHDR_SIZE,
							 EHDR_SIZE + (1 + loads + n++) * PHDR_SIZE);
			}
		}
	}
	free(in);
	*nr_ret = n;
	return err;
}

static struct vmcf_error *write_headers(struct elf_writer *w, uint64_t loads)
{
	unsigned char ehdr[EHDR_SIZE], ph[PHDR_SIZE], sh[SHDR_SIZE] = { 0 };
	uint64_t phnum = 1 + loads, shoff = 0;
	struct vmcf_error *err;

	encode_phdr(ph, PT_NOTE, w->notes_offset, 0, 0, w->notes_size,
		    w->notes_size, 0);
	err = pwrite_all(w, ph, sizeof(ph), EHDR_SIZE);
	/* More than 65534 headers: the count goes to section header 0. */
	if (!err && phnum >= PN_XNUM) {
		shoff = round_up(atomic_load(&w->next_data), 8);
		put_le32(sh + 44, (uint32_t)phnum);	/* sh_info */
		err = pwrite_all(w, sh, sizeof(sh), shoff);
	}
	encode_ehdr(ehdr, phnum, shoff);
	if (!err)
		err = pwrite_all(w, ehdr, sizeof(ehdr), 0);
	return err;
}

struct vmcf_error *elf_writer_finish(struct elf_writer *w, bool complete)
{
	struct vmcf_error *err;
	uint64_t loads, aliases = 0;

	err = compact(w, &loads);
	if (!err)
		err = add_aliases(w, loads, &aliases);
	if (!err)
		err = write_headers(w, loads + aliases);
	if (!err && fsync(w->fd) < 0 && errno != EINVAL)
		err = vmcf_error_errno(errno, "fsync %s", w->tmp_path);
	if (err || !complete)
		return err;
	if (rename(w->tmp_path, w->path) < 0)
		return vmcf_error_errno(errno, "rename %s to %s", w->tmp_path,
					w->path);
	w->renamed = true;
	return NULL;
}

/* --- virtual addresses of the input ------------------------------------ */

static struct vmcf_error *core_phnum(const struct elfcore *core,
				     const unsigned char *ehdr,
				     uint64_t *phnum_ret)
{
	unsigned char sh[SHDR_SIZE];
	struct vmcf_error *err;

	*phnum_ret = get_le16(ehdr + 56);
	if (*phnum_ret != PN_XNUM)
		return NULL;
	err = elfcore_pread(core, sh, sizeof(sh), get_le64(ehdr + 40));
	if (!err)
		*phnum_ret = get_le32(sh + 44);
	return err;
}

struct vmcf_error *elf_core_vranges(const struct elfcore *core,
				    struct elf_vrange **ram_ret,
				    size_t *nr_ram_ret,
				    struct elf_vrange **text_ret,
				    size_t *nr_text_ret)
{
	unsigned char ehdr[EHDR_SIZE], ph[PHDR_SIZE];
	struct elf_vrange *ram = NULL, *text = NULL;
	size_t nr_ram = 0, nr_text = 0;
	uint64_t phnum = 0, phoff = 0;
	struct vmcf_error *err;

	err = elfcore_pread(core, ehdr, sizeof(ehdr), 0);
	if (!err)
		err = core_phnum(core, ehdr, &phnum);
	if (!err) {
		phoff = get_le64(ehdr + 32);
		ram = calloc(phnum + 1, sizeof(*ram));
		text = calloc(phnum + 1, sizeof(*text));
		if (!ram || !text)
			err = &vmcf_enomem;
	}
	for (uint64_t i = 0; !err && i < phnum; i++) {
		struct elf_vrange *r;

		err = elfcore_pread(core, ph, sizeof(ph), phoff + i * PHDR_SIZE);
		if (err || get_le32(ph) != PT_LOAD)
			continue;
		r = get_le64(ph + 16) >= KVADDR_START_KERNEL_MAP ?
			    &text[nr_text++] : &ram[nr_ram++];
		r->vaddr = get_le64(ph + 16);
		r->paddr = get_le64(ph + 24);
		r->size = get_le64(ph + 40);
	}
	if (err) {
		free(ram);
		free(text);
		return err;
	}
	*ram_ret = ram;
	*nr_ram_ret = nr_ram;
	*text_ret = text;
	*nr_text_ret = nr_text;
	return NULL;
}

/* --- kdump-compressed to ELF ------------------------------------------- */

struct kdump_set {
	struct kdump_reader **readers;
	size_t nr;
};

static struct kdump_reader *reader_of(const struct kdump_set *s, uint64_t pfn)
{
	for (size_t i = 0; i < s->nr; i++) {
		if (kdump_reader_has_page(s->readers[i], pfn))
			return s->readers[i];
	}
	return NULL;
}

static struct vmcf_error *set_read_page(void *ctx, uint64_t pfn, void *buf)
{
	struct kdump_reader *r = reader_of(ctx, pfn);

	if (!r)
		return vmcf_error_create(ENOENT, "pfn 0x%" PRIx64
					 " is not in the dump", pfn);
	return kdump_reader_read_page(r, pfn, buf);
}

/*
 * Virtual addresses as kexec would give them, found through the dump's
 * page tables: the direct map for all of RAM, and the kernel image.
 */
static void virtual_ranges(struct kdump_set *set, struct elf_writer_params *p,
			   struct elf_vrange *direct, struct elf_vrange *image)
{
	const struct kdump_reader_info *in = kdump_reader_info(set->readers[0]);
	struct phys_reader rd = { set_read_page, set, in->page_size };
	struct kvaddr *kv = NULL;
	struct vmcf_error *err;

	if (!in->vmcoreinfo)
		return;
	err = kvaddr_create(in->vmcoreinfo, in->phys_base, &rd, &kv);
	if (!err)
		err = kvaddr_direct_map_base(kv, &direct->vaddr);
	if (!err) {
		direct->paddr = 0;
		direct->size = in->max_pfn * in->page_size;
		p->vranges = direct;
		p->nr_vranges = 1;
		err = kvaddr_kernel_image(kv, in->vmcoreinfo, &image->vaddr,
					  &image->paddr, &image->size);
	}
	if (!err) {
		p->aliases = image;
		p->nr_aliases = 1;
	}
	vmcf_error_destroy(err);
	kvaddr_destroy(kv);
}

/* Union of the files' dump bitmaps, less pages an incomplete file lacks. */
static struct vmcf_error *present_bitmap(struct kdump_set *set, uint8_t *bm,
					 void *page, uint64_t *missing_ret)
{
	const struct kdump_reader_info *in0 = kdump_reader_info(set->readers[0]);

	*missing_ret = 0;
	for (uint64_t pfn = 0; pfn < in0->max_pfn; pfn++) {
		struct kdump_reader *r = reader_of(set, pfn);
		struct vmcf_error *err;

		if (!r)
			continue;
		if (kdump_reader_info(r)->status & 0x8u) {	/* INCOMPLETE */
			err = kdump_reader_read_page(r, pfn, page);
			if (err && err->errnum == ENOENT) {
				vmcf_error_destroy(err);
				(*missing_ret)++;
				continue;
			}
			if (err)
				return err;
		}
		bm[pfn >> 3] |= (uint8_t)(1u << (pfn & 7));
	}
	return NULL;
}

static struct vmcf_error *check_set(struct kdump_reader **readers, size_t nr)
{
	const struct kdump_reader_info *a = kdump_reader_info(readers[0]);

	for (size_t i = 1; i < nr; i++) {
		const struct kdump_reader_info *b = kdump_reader_info(readers[i]);

		if (b->max_pfn != a->max_pfn || b->page_size != a->page_size)
			return vmcf_error_create(EINVAL,
						 "the files are not one --split set (max_mapnr or block size differ)");
	}
	return NULL;
}

#define CONVERT_CHUNK	PFN_MAP_BLOCK_PFNS


static struct vmcf_error *convert_pages(struct kdump_set *set,
					struct elf_writer *w,
					const struct pfn_map *map,
					const uint8_t *bm, uint64_t *pages_ret)
{
	const struct kdump_reader_info *in = kdump_reader_info(set->readers[0]);
	size_t ps = in->page_size;
	unsigned char *in_buf = malloc(CONVERT_CHUNK * ps);
	unsigned char *scratch = malloc(CONVERT_CHUNK * ps);
	struct elf_page *pages = malloc(CONVERT_CHUNK * sizeof(*pages));
	struct vmcf_error *err = NULL;
	struct pfn_cursor cur;

	*pages_ret = 0;
	err = pfn_cursor_init(&cur, map, elf_writer_block_slots, w);
	if (!err && (!in_buf || !scratch || !pages))
		err = &vmcf_enomem;
	for (uint64_t c = 0; !err && c * CONVERT_CHUNK < in->max_pfn; c++) {
		uint64_t start = c * CONVERT_CHUNK;
		size_t nr = 0;

		err = pfn_cursor_load(&cur, c / PFN_MAP_BLOCKS);

		for (uint64_t pfn = start; pfn < start + CONVERT_CHUNK &&
		     pfn < in->max_pfn && !err; pfn++) {
			if (!(bm[pfn >> 3] & (1u << (pfn & 7))))
				continue;
			pages[nr].pfn = pfn;
			pages[nr].data = in_buf + nr * ps;
			err = set_read_page(set, pfn, in_buf + nr * ps);
			pages[nr].zero = !err && mem_is_zero(in_buf + nr * ps, ps);
			nr++;
		}
		if (!err)
			err = elf_writer_put_chunk(w, &cur, c, pages, nr,
						   scratch, NULL);
		*pages_ret += nr;
	}
	pfn_cursor_deinit(&cur);
	free(in_buf);
	free(scratch);
	free(pages);
	return err;
}

struct vmcf_error *elf_convert_kdump(struct kdump_reader **readers, size_t nr,
				     const char *path, uint64_t *pages_ret,
				     uint64_t *missing_ret)
{
	const struct kdump_reader_info *in = kdump_reader_info(readers[0]);
	struct kdump_set set = { readers, nr };
	struct elf_writer_params p = { 0 };
	struct elf_writer *w = NULL;
	struct elf_vrange direct, image;
	struct pfn_map *map = NULL;
	struct vmcf_error *err;
	uint8_t *bm = NULL;
	void *page = NULL;

	err = check_set(readers, nr);
	if (err)
		return err;
	bm = calloc(1, (in->max_pfn + 7) / 8);
	page = malloc(in->page_size);
	if (!bm || !page) {
		err = &vmcf_enomem;
		goto out;
	}
	/* Not a capture kernel's job: the bitmap is held whole here. */
	err = present_bitmap(&set, bm, page, missing_ret);
	if (!err)
		err = pfn_map_create_bitmap(bm, in->max_pfn, false, &map);
	if (err)
		goto out;
	virtual_ranges(&set, &p, &direct, &image);
	p.page_size = in->page_size;
	p.max_pfn = in->max_pfn;
	p.map = map;
	p.notes = in->notes;
	p.notes_size = in->notes_size;
	/* A dump without zero pages (-d 1) stays without them. */
	p.zero_holes = in->dump_level & 1;
	err = elf_writer_create_path(path, &p, &w);
	if (err)
		goto out;
	err = convert_pages(&set, w, map, bm, pages_ret);
	if (!err)
		err = elf_writer_finish(w, true);
	else
		vmcf_error_destroy(elf_writer_finish(w, false));
out:
	elf_writer_destroy(w);
	pfn_map_destroy(map);
	free(bm);
	free(page);
	return err;
}
