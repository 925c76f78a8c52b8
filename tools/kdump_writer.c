// SPDX-License-Identifier: GPL-2.0
/* kdump-compressed file writer: see kdump_writer.h. */
#define _POSIX_C_SOURCE 200809L
#include "kdump_writer.h"
#include "mem_zero.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"

#define UTS_LEN			65
/* makedumpfile -R reads a record's size into an int: stay far below. */
#define FLAT_RECORD_MAX		(1u << 20)
#define FLAT_END		UINT64_MAX	/* -1 as be64 */
/* x86_64 physical addresses have at most 52 bits. */
#define MAX_PHYS_ADDR		(UINT64_C(1) << 52)
/* Bitmap 2 bits counted per entry of the rank table (8 words). */
#define RANK_BLOCK_BITS		512

/* Descriptors [start, end) that were put. */
struct extent {
	uint64_t start, end;
};

struct kdump_writer {
	int fd;
	bool own_fd;
	char *path;		/* create_path(): final name */
	char *tmp_path;		/* create_path(): name while writing */
	char name[80];		/* for messages */

	struct kdump_layout layout;
	bool flattened;
	bool zero_page;
	bool split;
	bool sparse;		/* a new file: all-zero bitmap pieces are holes */
	bool started;
	uint32_t compress_flag;
	uint64_t max_pfn;

	unsigned char *header;	/* block 0, rewritten with the final status */
	unsigned char *sub;	/* the sub header and notes: sub_hdr_blocks */

	/* kdump_writer_create() only: bitmap 2 and its rank table. */
	uint8_t *bitmap2;
	uint64_t *rank;		/* set bits of bitmap 2 before each block */
	uint64_t rank_start;	/* dumped pfns before layout.start_pfn */

	_Atomic uint64_t next_data;
	/*
	 * The descriptors put, as sorted disjoint extents.  A pipeline puts
	 * whole ranges handed out in ascending order, so every gap is a batch
	 * still in flight: at most one extent per thread, plus one, where a
	 * bit per descriptor would grow with RAM.
	 */
	pthread_mutex_t done_lock;
	struct extent *done;
	size_t nr_extents, extents_room;
	_Atomic uint64_t nr_done;
	atomic_bool failed;	/* a write failed: the dump cannot be finished */
	bool finished;

	pthread_mutex_t stream_lock;	/* flattened: records are serial */
	bool stream_broken;		/* a record was cut short */
};

static uint64_t round_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

static struct vmcf_error *pwrite_all(struct kdump_writer *w, const void *buf,
				     size_t size, uint64_t offset)
{
	const unsigned char *p = buf;

	while (size) {
		ssize_t r = pwrite(w->fd, p, size, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno, "pwrite %s at 0x%" PRIx64,
						w->name, offset);
		p += r;
		size -= (size_t)r;
		offset += (uint64_t)r;
	}
	return NULL;
}

static struct vmcf_error *write_all(struct kdump_writer *w, const void *buf,
				    size_t size)
{
	const unsigned char *p = buf;

	while (size) {
		ssize_t r = write(w->fd, p, size);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno,
						"write flattened stream %s",
						w->name);
		p += r;
		size -= (size_t)r;
	}
	return NULL;
}

/* One record per FLAT_RECORD_MAX bytes; caller holds stream_lock. */
static struct vmcf_error *write_records(struct kdump_writer *w,
					const unsigned char *buf, size_t size,
					uint64_t offset)
{
	struct vmcf_error *err;

	while (size) {
		size_t chunk = size < FLAT_RECORD_MAX ? size : FLAT_RECORD_MAX;
		unsigned char rec[16];

		put_be64(rec, offset);
		put_be64(rec + 8, chunk);
		err = write_all(w, rec, sizeof(rec));
		if (!err)
			err = write_all(w, buf, chunk);
		if (err)
			return vmcf_error_prefix(err, "record at 0x%" PRIx64,
						 offset);
		buf += chunk;
		size -= chunk;
		offset += chunk;
	}
	return NULL;
}

struct vmcf_error *kdump_writer_write_at(struct kdump_writer *w,
					 const void *buf, size_t size,
					 uint64_t offset)
{
	struct vmcf_error *err;

	if (!size)
		return NULL;
	if (!w->flattened) {
		err = pwrite_all(w, buf, size, offset);
	} else {
		pthread_mutex_lock(&w->stream_lock);
		if (w->stream_broken)
			err = vmcf_error_create(EPIPE,
						"flattened stream %s is broken by an earlier error",
						w->name);
		else
			err = write_records(w, buf, size, offset);
		/* A half-written record desynchronises every reader. */
		if (err)
			w->stream_broken = true;
		pthread_mutex_unlock(&w->stream_lock);
	}
	if (err)
		atomic_store(&w->failed, true);
	return err;
}

static void put_uts(unsigned char *p, const char *s)
{
	if (s)
		memcpy(p, s, strlen(s));	/* checked: < UTS_LEN */
}

/* Encodes disk_dump_header into w->header (block 0). */
static void encode_header(struct kdump_writer *w,
			  const struct kdump_writer_params *p)
{
	const struct kdump_layout *l = &w->layout;
	unsigned char *h = w->header;

	memset(h, 0, l->page_size);
	memcpy(h, "KDUMP   ", 8);
	put_le32(h + 8, KDUMP_HEADER_VERSION);
	/*
	 * Readers take the utsname only if sysname is "Linux" and release,
	 * version and machine are not empty (libkdumpfile's uts_looks_sane();
	 * older versions want a nodename too), and need machine for the
	 * architecture.  "(none)" is the kernel's own unset nodename.
	 */
	put_uts(h + 12, p->sysname && *p->sysname ? p->sysname : "Linux");
	put_uts(h + 12 + UTS_LEN,
		p->nodename && *p->nodename ? p->nodename : "(none)");
	put_uts(h + 12 + 2 * UTS_LEN, p->release);
	put_uts(h + 12 + 3 * UTS_LEN,
		p->version && *p->version ? p->version : "(unknown)");
	put_uts(h + 12 + 4 * UTS_LEN,
		p->machine && *p->machine ? p->machine : "x86_64");
	put_uts(h + 12 + 5 * UTS_LEN, p->domainname);
	put_le64(h + 408, (uint64_t)p->crashtime);
	put_le64(h + 416, 0);
	put_le32(h + 424, l->status);
	put_le32(h + 428, l->page_size);
	put_le32(h + 432, l->sub_hdr_blocks);
	put_le32(h + 436, (uint32_t)(2 * l->bitmap_size / l->page_size));
	put_le32(h + 440, w->max_pfn > UINT32_MAX ? UINT32_MAX :
						     (uint32_t)w->max_pfn);
	/* total_ram_blocks, device_blocks, written_blocks, current_cpu: 0 */
	put_le32(h + 460, (uint32_t)p->nr_cpus);
}

static uint32_t header_status(const struct kdump_writer *w)
{
	return get_le32(w->header + 424);
}

static void set_header_status(struct kdump_writer *w, uint32_t status)
{
	put_le32(w->header + 424, status);
	w->layout.status = status;
}

/* Encodes kdump_sub_header followed by the notes into w->sub. */
static void encode_sub_header(struct kdump_writer *w,
			      const struct kdump_writer_params *p)
{
	const struct kdump_layout *l = &w->layout;
	uint64_t notes_at = (uint64_t)l->page_size + KDUMP_SUB_HEADER_SIZE;
	unsigned char *sub = w->sub;

	put_le64(sub + 0, p->phys_base);
	put_le32(sub + 8, (uint32_t)p->dump_level);
	put_le32(sub + 12, p->split ? 1 : 0);
	if (p->vmcoreinfo_size) {
		put_le64(sub + 32, notes_at + p->vmcoreinfo_offset);
		put_le64(sub + 40, p->vmcoreinfo_size);
	}
	if (p->notes_size) {
		put_le64(sub + 48, notes_at);
		put_le64(sub + 56, p->notes_size);
	}
	/* offset_eraseinfo, size_eraseinfo: 0, nothing is erased. */
	put_le64(sub + 96, w->max_pfn);
	if (p->notes_size)
		memcpy(sub + KDUMP_SUB_HEADER_SIZE, p->notes, p->notes_size);
}

/* The split range, once it is known (start()). */
static void encode_sub_range(struct kdump_writer *w)
{
	const struct kdump_layout *l = &w->layout;
	unsigned char *sub = w->sub;

	if (!w->split)
		return;
	put_le64(sub + 16, l->start_pfn > UINT32_MAX ? UINT32_MAX :
						       l->start_pfn);
	put_le64(sub + 24, l->end_pfn > UINT32_MAX ? UINT32_MAX : l->end_pfn);
	put_le64(sub + 80, l->start_pfn);
	put_le64(sub + 88, l->end_pfn);
}

static struct vmcf_error *check_uts(const char *what, const char *s)
{
	if (s && strlen(s) >= UTS_LEN)
		return vmcf_error_create(EINVAL,
					 "utsname.%s \"%s\" is longer than %d characters",
					 what, s, UTS_LEN - 1);
	return NULL;
}

/* What open() needs: everything but the bitmaps and the split range. */
static struct vmcf_error *check_params(const struct kdump_writer_params *p)
{
	struct vmcf_error *err;

	if (p->page_size < 4096 || p->page_size > (1u << 20) ||
	    (p->page_size & (p->page_size - 1)))
		return vmcf_error_create(EINVAL, "page size %" PRIu32
					 " is not a power of two >= 4096",
					 p->page_size);
	if (!p->max_pfn || p->max_pfn > MAX_PHYS_ADDR / p->page_size)
		return vmcf_error_create(EINVAL, "max_pfn 0x%" PRIx64
					 " is outside the physical address space",
					 p->max_pfn);
	if (p->notes_size && !p->notes)
		return vmcf_error_create(EINVAL, "notes_size without notes");
	if (p->vmcoreinfo_size &&
	    (p->vmcoreinfo_offset > p->notes_size ||
	     p->vmcoreinfo_size > p->notes_size - p->vmcoreinfo_offset))
		return vmcf_error_create(EINVAL,
					 "VMCOREINFO [%zu, +%zu) is outside the %zu bytes of notes",
					 p->vmcoreinfo_offset,
					 p->vmcoreinfo_size, p->notes_size);
	if (!p->release || !*p->release)
		return vmcf_error_create(EINVAL, "utsname.release is required");
	if ((err = check_uts("sysname", p->sysname)) ||
	    (err = check_uts("nodename", p->nodename)) ||
	    (err = check_uts("release", p->release)) ||
	    (err = check_uts("version", p->version)) ||
	    (err = check_uts("machine", p->machine)) ||
	    (err = check_uts("domainname", p->domainname)))
		return err;
	if (p->dump_level < 0 || p->dump_level > 31)
		return vmcf_error_create(EINVAL, "dump level %" PRId32
					 " is not in [0, 31]", p->dump_level);
	if (p->nr_cpus < 0)
		return vmcf_error_create(EINVAL, "nr_cpus %" PRId32,
					 p->nr_cpus);
	if ((unsigned)p->compression >= COMPRESS_NR_ALGS)
		return vmcf_error_create(EINVAL, "unknown compression %d",
					 p->compression);
	return NULL;
}

static struct vmcf_error *check_range(const struct kdump_writer *w,
				      uint64_t start_pfn, uint64_t end_pfn)
{
	if (start_pfn > end_pfn || end_pfn > w->max_pfn ||
	    (!w->split && (start_pfn || end_pfn != w->max_pfn)))
		return vmcf_error_create(EINVAL, "%srange [0x%" PRIx64
					 ", 0x%" PRIx64 ") is not within [0, 0x%" PRIx64 ")",
					 w->split ? "split " : "whole-file ",
					 start_pfn, end_pfn, w->max_pfn);
	return NULL;
}

/* Set bits of bitmap 2 below pfn (pfn <= bitmap bits). */
static uint64_t count_before(const struct kdump_writer *w, uint64_t pfn)
{
	uint64_t block = pfn / RANK_BLOCK_BITS;
	uint64_t n = w->rank[block];
	uint64_t word;

	for (word = block * (RANK_BLOCK_BITS / 64); word < pfn / 64; word++)
		n += (uint64_t)__builtin_popcountll(get_le64(w->bitmap2 +
							     8 * word));
	if (pfn % 64)
		n += (uint64_t)__builtin_popcountll(
			get_le64(w->bitmap2 + 8 * word) &
			((UINT64_C(1) << (pfn % 64)) - 1));
	return n;
}

/* create(): keeps bitmap 2 (cut at max_pfn) and builds its rank table. */
static struct vmcf_error *load_bitmap2(struct kdump_writer *w,
				       const uint8_t *dump_bitmap)
{
	size_t in_bytes = kdump_bitmap_bytes(w->max_pfn);
	uint64_t size = w->layout.bitmap_size;
	uint64_t nr_blocks = size * 8 / RANK_BLOCK_BITS;
	uint64_t n = 0;

	w->bitmap2 = calloc(1, size);
	w->rank = calloc(nr_blocks + 1, sizeof(w->rank[0]));
	if (!w->bitmap2 || !w->rank)
		return &vmcf_enomem;
	memcpy(w->bitmap2, dump_bitmap, in_bytes);
	/* Bits past max_pfn would be pages readers cannot ask for. */
	if (w->max_pfn % 8)
		w->bitmap2[in_bytes - 1] &=
			(uint8_t)((1u << (w->max_pfn % 8)) - 1);
	for (uint64_t b = 0; b < nr_blocks; b++) {
		w->rank[b] = n;
		for (uint64_t i = 0; i < RANK_BLOCK_BITS / 64; i++)
			n += (uint64_t)__builtin_popcountll(get_le64(
				w->bitmap2 + b * (RANK_BLOCK_BITS / 8) + 8 * i));
	}
	w->rank[nr_blocks] = n;
	return NULL;
}

static struct vmcf_error *write_flat_header(struct kdump_writer *w)
{
	unsigned char h[KDUMP_FLAT_HEADER_SIZE] = { 0 };
	struct vmcf_error *err;

	memcpy(h, "makedumpfile", 12);
	put_be64(h + 16, 1);	/* type: flat header */
	put_be64(h + 24, 1);	/* version */
	err = write_all(w, h, sizeof(h));
	if (err)
		atomic_store(&w->failed, true);
	return err;
}

/*
 * Makes the file reach the end of the descriptor table before any page is
 * written.  If the dump stops early (ENOSPC), descriptors of pages never
 * put must read as zeros ("missing"), not lie past the end of the file:
 * libkdumpfile 0.5.1 mmap()s the file and dies of SIGBUS there.  A sparse
 * extension costs no space, and also covers bitmap pieces left as holes;
 * the flattened stream gets a one-byte record.
 */
static struct vmcf_error *cover_descriptors(struct kdump_writer *w)
{
	uint64_t end = w->layout.desc_offset +
		       w->layout.nr_descs * KDUMP_PAGE_DESC_SIZE;
	static const unsigned char zero;
	struct stat st;

	if (w->flattened)
		return w->layout.nr_descs ?
			       kdump_writer_write_at(w, &zero, 1, end - 1) :
			       NULL;
	if (fstat(w->fd, &st) < 0)
		return vmcf_error_errno(errno, "fstat %s", w->name);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < end &&
	    ftruncate(w->fd, (off_t)end) < 0)
		return vmcf_error_errno(errno, "ftruncate %s to 0x%" PRIx64,
					w->name, end);
	return NULL;
}

static struct vmcf_error *write_headers(struct kdump_writer *w)
{
	const struct kdump_layout *l = &w->layout;
	struct vmcf_error *err;

	err = kdump_writer_write_at(w, w->header, l->page_size, 0);
	if (!err)
		err = kdump_writer_write_at(w, w->sub,
					    (size_t)l->sub_hdr_blocks *
						    l->page_size,
					    l->page_size);
	return err;
}

static void layout_init(struct kdump_writer *w,
			const struct kdump_writer_params *p)
{
	struct kdump_layout *l = &w->layout;
	uint64_t sub_bytes = KDUMP_SUB_HEADER_SIZE + (uint64_t)p->notes_size;

	l->page_size = p->page_size;
	l->sub_hdr_blocks = (uint32_t)((sub_bytes + p->page_size - 1) /
				       p->page_size);
	l->bitmap_offset = (1 + (uint64_t)l->sub_hdr_blocks) * p->page_size;
	l->bitmap_size = round_up(kdump_bitmap_bytes(p->max_pfn),
				  p->page_size);
	l->desc_offset = l->bitmap_offset + 2 * l->bitmap_size;
	l->start_pfn = 0;
	l->end_pfn = p->max_pfn;
	l->status = w->compress_flag | KDUMP_FLAG_INCOMPLETE;
}

/* Checks that fd takes what the format needs. */
static struct vmcf_error *check_fd(struct kdump_writer *w)
{
	if (w->flattened)
		return write_flat_header(w);
	if (lseek(w->fd, 0, SEEK_CUR) < 0)
		return vmcf_error_errno(errno,
					"%s cannot be written with pwrite(); use the flattened format",
					w->name);
	/* Linux pwrite() ignores the offset on O_APPEND files. */
	if (fcntl(w->fd, F_GETFL) & O_APPEND)
		return vmcf_error_create(EINVAL, "%s is open with O_APPEND",
					 w->name);
	return NULL;
}

static struct vmcf_error *writer_open(int fd,
				      const struct kdump_writer_params *p,
				      bool sparse,
				      struct kdump_writer **writer_ret)
{
	struct kdump_writer *w;
	struct vmcf_error *err;

	err = check_params(p);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return &vmcf_enomem;
	w->fd = fd;
	snprintf(w->name, sizeof(w->name), "fd %d", fd);
	pthread_mutex_init(&w->stream_lock, NULL);
	pthread_mutex_init(&w->done_lock, NULL);
	w->flattened = p->flattened;
	w->sparse = sparse && !p->flattened;
	w->zero_page = p->zero_page;
	w->split = p->split;
	w->compress_flag = compress_alg_flag(p->compression);
	w->max_pfn = p->max_pfn;
	layout_init(w, p);
	w->header = malloc(p->page_size);
	w->sub = calloc(w->layout.sub_hdr_blocks, p->page_size);
	if (!w->header || !w->sub) {
		err = &vmcf_enomem;
		goto fail;
	}
	encode_header(w, p);
	encode_sub_header(w, p);
	err = check_fd(w);
	/* A stream starts with its headers; a file gets them at start(). */
	if (!err && w->flattened)
		err = write_headers(w);
	if (err)
		goto fail;
	*writer_ret = w;
	return NULL;

fail:
	kdump_writer_destroy(w);
	return err;
}


/* The first byte of keep with a bit that ram lacks, or bytes. */
static size_t first_stray(const uint8_t *ram, const uint8_t *keep,
			  size_t bytes)
{
	size_t i = 0;

	for (; i + 8 <= bytes; i += 8) {
		uint64_t r, k;

		memcpy(&r, ram + i, sizeof(r));
		memcpy(&k, keep + i, sizeof(k));
		if (k & ~r)
			break;
	}
	for (; i < bytes; i++) {
		if (keep[i] & (uint8_t)~ram[i])
			return i;
	}
	return bytes;
}

/* Writes bits for pfns from start (a multiple of 8) at offset. */
static struct vmcf_error *put_bits(struct kdump_writer *w, const uint8_t *bits,
				   uint64_t start, size_t bytes,
				   uint64_t offset)
{
	uint64_t end = start + 8 * (uint64_t)bytes;
	struct vmcf_error *err;
	uint8_t last;

	if (w->sparse && mem_is_zero(bits, bytes))
		return NULL;
	if (end <= w->max_pfn)
		return kdump_writer_write_at(w, bits, bytes, offset);
	/* Bits past max_pfn would be pages readers cannot ask for. */
	last = bits[bytes - 1] & (uint8_t)((1u << (w->max_pfn % 8)) - 1);
	err = kdump_writer_write_at(w, bits, bytes - 1, offset);
	if (!err)
		err = kdump_writer_write_at(w, &last, 1, offset + bytes - 1);
	return err;
}

struct vmcf_error *kdump_writer_put_bitmaps(struct kdump_writer *w,
					    uint64_t start_pfn, uint64_t nr,
					    const uint8_t *ram,
					    const uint8_t *keep)
{
	const struct kdump_layout *l = &w->layout;
	size_t bytes = (size_t)((nr + 7) / 8);
	struct vmcf_error *err;

	if (w->started || start_pfn % 8 || start_pfn > w->max_pfn ||
	    nr > w->max_pfn - start_pfn)
		return vmcf_error_create(EINVAL,
					 "%s: bitmaps of pfns [0x%" PRIx64 ", +0x%" PRIx64 ") %s",
					 w->name, start_pfn, nr,
					 w->started ? "after start()" :
						      "are not within the file's bitmaps");
	for (size_t i = first_stray(ram, keep, bytes); i < bytes;
	     i = i + 1 + first_stray(ram + i + 1, keep + i + 1, bytes - i - 1)) {
		uint8_t stray = keep[i] & (uint8_t)~ram[i];
		uint64_t pfn = start_pfn + 8 * i + (uint64_t)__builtin_ctz(stray);

		/* Past max_pfn nothing is written: no matter. */
		if (pfn < w->max_pfn)
			return vmcf_error_create(EINVAL,
						 "pfn 0x%" PRIx64 " is to be dumped but is not RAM (bitmap 2 is not a subset of bitmap 1)",
						 pfn);
	}
	if (!bytes)
		return NULL;
	err = put_bits(w, ram, start_pfn, bytes,
		       l->bitmap_offset + start_pfn / 8);
	if (!err)
		err = put_bits(w, keep, start_pfn, bytes,
			       l->bitmap_offset + l->bitmap_size + start_pfn / 8);
	return err;
}

struct vmcf_error *kdump_writer_read_keep(struct kdump_writer *w,
					  uint64_t start_pfn, uint64_t nr,
					  uint8_t *bits)
{
	uint64_t offset = w->layout.bitmap_offset + w->layout.bitmap_size +
			  start_pfn / 8;
	size_t size = (size_t)((nr + 7) / 8), done = 0;

	if (w->flattened || start_pfn % 8 || start_pfn > w->max_pfn ||
	    nr > w->max_pfn - start_pfn)
		return vmcf_error_create(EINVAL,
					 "%s: bitmap 2 of pfns [0x%" PRIx64 ", +0x%" PRIx64 ") cannot be read back",
					 w->name, start_pfn, nr);
	while (done < size) {
		ssize_t r = pread(w->fd, bits + done, size - done,
				  (off_t)(offset + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno, "pread %s at 0x%" PRIx64,
						w->name, offset + done);
		if (r == 0)	/* a hole not yet covered: zeros */
			break;
		done += (size_t)r;
	}
	memset(bits + done, 0, size - done);
	/* As written: nothing past max_pfn. */
	if (start_pfn + nr == w->max_pfn && nr % 8)
		bits[size - 1] &= (uint8_t)((1u << (nr % 8)) - 1);
	return NULL;
}

struct vmcf_error *kdump_writer_start(struct kdump_writer *w,
				      uint64_t start_pfn, uint64_t end_pfn,
				      uint64_t rank_start, uint64_t nr_descs)
{
	struct kdump_layout *l = &w->layout;
	struct vmcf_error *err;

	if (w->started)
		return vmcf_error_create(EINVAL, "%s is started already",
					 w->name);
	err = check_range(w, start_pfn, end_pfn);
	if (err)
		return err;
	if (nr_descs > end_pfn - start_pfn)
		return vmcf_error_create(EINVAL,
					 "%s: %" PRIu64 " pages to dump in 0x%" PRIx64 " pfns",
					 w->name, nr_descs, end_pfn - start_pfn);
	l->start_pfn = start_pfn;
	l->end_pfn = end_pfn;
	l->nr_descs = nr_descs;
	w->rank_start = rank_start;
	l->data_offset = l->desc_offset + KDUMP_PAGE_DESC_SIZE * nr_descs;
	if (w->zero_page) {
		l->zero_page_offset = l->data_offset;
		l->data_offset += l->page_size;
	}
	atomic_init(&w->next_data, l->data_offset);
	encode_sub_range(w);
	if (!w->flattened)
		err = write_headers(w);
	else if (w->split)	/* the range, which the stream's first lacks */
		err = kdump_writer_write_at(w, w->sub, KDUMP_SUB_HEADER_SIZE,
					    l->page_size);
	if (!err)
		err = cover_descriptors(w);
	if (!err && l->zero_page_offset) {
		void *zero = calloc(1, l->page_size);

		if (!zero)
			return &vmcf_enomem;
		err = kdump_writer_write_at(w, zero, l->page_size,
					    l->zero_page_offset);
		free(zero);
	}
	if (!err)
		w->started = true;
	return err;
}

/* create(): everything open(), put_bitmaps() and start() do, at once. */
static struct vmcf_error *writer_create(int fd,
					const struct kdump_writer_params *p,
					bool sparse,
					struct kdump_writer **writer_ret)
{
	uint64_t start = p->split ? p->start_pfn : 0;
	uint64_t end = p->split ? p->end_pfn : p->max_pfn;
	struct kdump_writer *w = NULL;
	struct vmcf_error *err;
	uint64_t before;

	if (!p->ram_bitmap || !p->dump_bitmap)
		return vmcf_error_create(EINVAL, "both bitmaps are required");
	if (p->split && (start > end || end > p->max_pfn))
		return vmcf_error_create(EINVAL, "split range [0x%" PRIx64
					 ", 0x%" PRIx64 ") is not within [0, 0x%" PRIx64 ")",
					 start, end, p->max_pfn);
	err = writer_open(fd, p, sparse, &w);
	if (err)
		return err;
	err = kdump_writer_put_bitmaps(w, 0, p->max_pfn, p->ram_bitmap,
				       p->dump_bitmap);
	if (!err)
		err = load_bitmap2(w, p->dump_bitmap);
	if (!err) {
		before = count_before(w, start);
		err = kdump_writer_start(w, start, end, before,
					 count_before(w, end) - before);
	}
	if (err) {
		kdump_writer_destroy(w);
		return err;
	}
	*writer_ret = w;
	return NULL;
}

struct vmcf_error *kdump_writer_create(int fd,
				       const struct kdump_writer_params *params,
				       struct kdump_writer **writer_ret)
{
	return writer_create(fd, params, false, writer_ret);
}

struct vmcf_error *kdump_writer_open(int fd,
				     const struct kdump_writer_params *params,
				     struct kdump_writer **writer_ret)
{
	return writer_open(fd, params, false, writer_ret);
}

/* "<path>.incomplete", created empty; *fd_ret readable too (read_keep). */
static struct vmcf_error *open_tmp(const char *path, char **final_ret,
				   char **tmp_ret, int *fd_ret)
{
	char *tmp_path, *final_path;
	struct vmcf_error *err;

	final_path = strdup(path);
	tmp_path = malloc(strlen(path) + sizeof(".incomplete"));
	if (!final_path || !tmp_path) {
		free(final_path);
		free(tmp_path);
		return &vmcf_enomem;
	}
	strcpy(tmp_path, path);
	strcat(tmp_path, ".incomplete");
	*fd_ret = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*fd_ret < 0) {
		err = vmcf_error_errno(errno, "open %s", tmp_path);
		free(final_path);
		free(tmp_path);
		return err;
	}
	*final_ret = final_path;
	*tmp_ret = tmp_path;
	return NULL;
}

static struct vmcf_error *writer_path(const char *path,
				      const struct kdump_writer_params *params,
				      bool create,
				      struct kdump_writer **writer_ret)
{
	char *tmp_path = NULL, *final_path = NULL;
	struct kdump_writer *w;
	struct vmcf_error *err;
	int fd;

	err = open_tmp(path, &final_path, &tmp_path, &fd);
	if (err)
		return err;
	/* The file is new and empty: what is not written reads as zeros. */
	err = create ? writer_create(fd, params, true, &w) :
		       writer_open(fd, params, true, &w);
	if (err) {
		/* Nothing worth keeping: not even the headers made it. */
		close(fd);
		unlink(tmp_path);
		free(final_path);
		free(tmp_path);
		return vmcf_error_prefix(err, "%s", path);
	}
	w->own_fd = true;
	w->path = final_path;
	w->tmp_path = tmp_path;
	snprintf(w->name, sizeof(w->name), "%s", tmp_path);
	*writer_ret = w;
	return NULL;
}

struct vmcf_error *kdump_writer_create_path(const char *path,
					    const struct kdump_writer_params *params,
					    struct kdump_writer **writer_ret)
{
	return writer_path(path, params, true, writer_ret);
}

struct vmcf_error *kdump_writer_open_path(const char *path,
					  const struct kdump_writer_params *params,
					  struct kdump_writer **writer_ret)
{
	return writer_path(path, params, false, writer_ret);
}

void kdump_writer_destroy(struct kdump_writer *w)
{
	if (!w)
		return;
	if (w->own_fd)
		close(w->fd);
	pthread_mutex_destroy(&w->stream_lock);
	pthread_mutex_destroy(&w->done_lock);
	free(w->path);
	free(w->tmp_path);
	free(w->header);
	free(w->sub);
	free(w->done);
	free(w->rank);
	free(w->bitmap2);
	free(w);
}

void kdump_writer_discard(struct kdump_writer *w)
{
	if (w && w->own_fd && w->tmp_path)
		unlink(w->tmp_path);
	kdump_writer_destroy(w);
}

bool kdump_writer_started(const struct kdump_writer *w)
{
	return w->started;
}

const struct kdump_layout *kdump_writer_layout(const struct kdump_writer *w)
{
	return &w->layout;
}

uint64_t kdump_writer_desc_index(const struct kdump_writer *w, uint64_t pfn)
{
	if (!w->bitmap2 || !w->started || pfn < w->layout.start_pfn ||
	    pfn >= w->layout.end_pfn || !kdump_bitmap_test(w->bitmap2, pfn))
		return KDUMP_NO_DESC;
	return count_before(w, pfn) - w->rank_start;
}

uint64_t kdump_writer_reserve(struct kdump_writer *w, uint64_t size)
{
	return atomic_fetch_add(&w->next_data, size);
}

/* --- which descriptors were put ---------------------------------------- */

/* The first extent that ends after index. */
static size_t extent_after(const struct kdump_writer *w, uint64_t index)
{
	size_t lo = 0, hi = w->nr_extents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->done[mid].end <= index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Makes room for one more extent at i; false without memory. */
static bool extent_insert(struct kdump_writer *w, size_t i, uint64_t start,
			  uint64_t end)
{
	if (w->nr_extents == w->extents_room) {
		size_t room = w->extents_room ? 2 * w->extents_room : 16;
		struct extent *e = realloc(w->done, room * sizeof(*e));

		if (!e)
			return false;
		w->done = e;
		w->extents_room = room;
	}
	memmove(&w->done[i + 1], &w->done[i],
		(w->nr_extents - i) * sizeof(w->done[0]));
	w->done[i] = (struct extent){ start, end };
	w->nr_extents++;
	return true;
}

static void extent_remove(struct kdump_writer *w, size_t i)
{
	memmove(&w->done[i], &w->done[i + 1],
		(w->nr_extents - i - 1) * sizeof(w->done[0]));
	w->nr_extents--;
}

/*
 * Marks descriptors [first, first + nr) put.  EEXIST, with the first one
 * put before in *dup_ret, if any of them was.
 */
static int claim(struct kdump_writer *w, uint64_t first, uint64_t nr,
		 uint64_t *dup_ret)
{
	uint64_t end = first + nr;
	bool left, right;
	int ret = 0;
	size_t i;

	pthread_mutex_lock(&w->done_lock);
	i = extent_after(w, first);
	if (i < w->nr_extents && w->done[i].start < end) {
		*dup_ret = w->done[i].start > first ? w->done[i].start : first;
		ret = EEXIST;
		goto out;
	}
	left = i > 0 && w->done[i - 1].end == first;
	right = i < w->nr_extents && w->done[i].start == end;
	if (left && right) {
		w->done[i - 1].end = w->done[i].end;
		extent_remove(w, i);
	} else if (left) {
		w->done[i - 1].end = end;
	} else if (right) {
		w->done[i].start = first;
	} else if (!extent_insert(w, i, first, end)) {
		ret = ENOMEM;
	}
out:
	pthread_mutex_unlock(&w->done_lock);
	return ret;
}

/* Undoes claim() of [first, first + nr) after a failed write. */
static void unclaim(struct kdump_writer *w, uint64_t first, uint64_t nr)
{
	uint64_t end = first + nr;
	struct extent *e;
	size_t i;

	pthread_mutex_lock(&w->done_lock);
	i = extent_after(w, first);
	e = &w->done[i];
	if (e->start == first && e->end == end) {
		extent_remove(w, i);
	} else if (e->start == first) {
		e->start = end;
	} else if (e->end == end) {
		e->end = first;
	} else {
		uint64_t old_end = e->end;

		/* Without memory for the split the range stays claimed:
		 * the dump is failing anyway, finish() refuses it. */
		if (extent_insert(w, i + 1, end, old_end))
			w->done[i].end = first;
	}
	pthread_mutex_unlock(&w->done_lock);
}

static struct vmcf_error *claim_error(int ret, uint64_t pfn)
{
	if (ret == ENOMEM)
		return &vmcf_enomem;
	return vmcf_error_create(EEXIST, "pfn 0x%" PRIx64 " was put twice",
				 pfn);
}

/* --- putting pages ----------------------------------------------------- */

static struct vmcf_error *check_size(const struct kdump_writer *w,
				     uint64_t pfn, size_t size,
				     uint32_t flags)
{
	uint32_t page_size = w->layout.page_size;

	if (flags == 0 ? size != page_size :
	    flags != w->compress_flag || !size || size >= page_size)
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 ": %zu bytes with flags 0x%" PRIx32 " (file compression flag 0x%" PRIx32 ", page size %" PRIu32 ")",
					 pfn, size, flags, w->compress_flag,
					 page_size);
	return NULL;
}

static struct vmcf_error *check_page(const struct kdump_writer *w,
				     uint64_t pfn, size_t size, uint32_t flags,
				     uint64_t *index_ret)
{
	uint64_t index = kdump_writer_desc_index(w, pfn);

	if (!w->bitmap2)
		return vmcf_error_create(EINVAL,
					 "%s was opened without bitmaps in memory: use kdump_writer_put_descs_at()",
					 w->name);
	if (index == KDUMP_NO_DESC)
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 " is not dumped in this file",
					 pfn);
	*index_ret = index;
	return check_size(w, pfn, size, flags);
}

/* The data of a page must be the zero page or reserved page data. */
static struct vmcf_error *check_reserved(struct kdump_writer *w, uint64_t pfn,
					 uint64_t offset, size_t size)
{
	const struct kdump_layout *l = &w->layout;
	uint64_t reserved = atomic_load(&w->next_data);

	if (!(offset && offset == l->zero_page_offset) &&
	    (offset < l->data_offset || size > reserved ||
	     offset > reserved - size))
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 ": data at 0x%" PRIx64 " was not reserved",
					 pfn, offset);
	return NULL;
}

static void encode_desc(unsigned char *desc, uint64_t offset, size_t size,
			uint32_t flags)
{
	put_le64(desc, offset);
	put_le32(desc + 8, (uint32_t)size);
	put_le32(desc + 12, flags);
	put_le64(desc + 16, 0);		/* page_flags */
}

/* Claims descriptors [first, + nr) and writes them; nr >= 1. */
static struct vmcf_error *write_descs(struct kdump_writer *w, uint64_t first,
				      const struct kdump_page_ref *pages,
				      size_t nr)
{
	const struct kdump_layout *l = &w->layout;
	struct vmcf_error *err;
	unsigned char *buf;
	uint64_t dup = 0;
	int ret;

	buf = malloc(nr * KDUMP_PAGE_DESC_SIZE);
	if (!buf)
		return &vmcf_enomem;
	ret = claim(w, first, nr, &dup);
	if (ret) {
		free(buf);
		return claim_error(ret, pages[dup - first].pfn);
	}
	for (size_t i = 0; i < nr; i++)
		encode_desc(buf + i * KDUMP_PAGE_DESC_SIZE, pages[i].offset,
			    pages[i].size, pages[i].flags);
	err = kdump_writer_write_at(w, buf, nr * KDUMP_PAGE_DESC_SIZE,
				    l->desc_offset +
					    first * KDUMP_PAGE_DESC_SIZE);
	free(buf);
	if (err) {
		unclaim(w, first, nr);
		if (nr == 1)
			return vmcf_error_prefix(err, "descriptor of pfn 0x%" PRIx64,
						 pages[0].pfn);
		return vmcf_error_prefix(err, "descriptors of pfns 0x%" PRIx64
					 "-0x%" PRIx64, pages[0].pfn,
					 pages[nr - 1].pfn);
	}
	atomic_fetch_add(&w->nr_done, nr);
	return NULL;
}

struct vmcf_error *kdump_writer_put_desc(struct kdump_writer *w, uint64_t pfn,
					 uint64_t offset, size_t size,
					 uint32_t flags)
{
	struct kdump_page_ref ref = { pfn, offset, (uint32_t)size, flags };
	struct vmcf_error *err;
	uint64_t index;

	err = check_page(w, pfn, size, flags, &index);
	if (!err)
		err = check_reserved(w, pfn, offset, size);
	if (err)
		return err;
	return write_descs(w, index, &ref, 1);
}

/* Checks a batch; *first_ret is its first descriptor. */
static struct vmcf_error *check_descs(struct kdump_writer *w,
				      const struct kdump_page_ref *pages,
				      size_t nr, uint64_t *first_ret)
{
	uint64_t first = 0, index;
	struct vmcf_error *err;

	for (size_t i = 0; i < nr; i++) {
		const struct kdump_page_ref *p = &pages[i];

		err = check_page(w, p->pfn, p->size, p->flags, &index);
		if (!err)
			err = check_reserved(w, p->pfn, p->offset, p->size);
		if (!err && i && index != first + i)
			err = vmcf_error_create(EINVAL,
						"pfn 0x%" PRIx64 " does not follow pfn 0x%" PRIx64 " among the dumped pfns",
						p->pfn, pages[i - 1].pfn);
		if (err)
			return err;
		if (!i)
			first = index;
	}
	*first_ret = first;
	return NULL;
}

struct vmcf_error *kdump_writer_put_descs(struct kdump_writer *w,
					  const struct kdump_page_ref *pages,
					  size_t nr)
{
	struct vmcf_error *err;
	uint64_t first = 0;

	if (!nr)
		return NULL;
	err = check_descs(w, pages, nr, &first);
	return err ? err : write_descs(w, first, pages, nr);
}

struct vmcf_error *kdump_writer_put_descs_at(struct kdump_writer *w,
					     uint64_t first_rank,
					     const struct kdump_page_ref *pages,
					     size_t nr)
{
	const struct kdump_layout *l = &w->layout;
	uint64_t first = first_rank - w->rank_start;
	struct vmcf_error *err;

	if (!nr)
		return NULL;
	if (!w->started || first_rank < w->rank_start || first > l->nr_descs ||
	    nr > l->nr_descs - first)
		return vmcf_error_create(EINVAL,
					 "%s: descriptors [%" PRIu64 ", +%zu) of pfns 0x%" PRIx64 "-0x%" PRIx64 " are not among its %" PRIu64,
					 w->name, first_rank - w->rank_start, nr,
					 pages[0].pfn, pages[nr - 1].pfn,
					 l->nr_descs);
	for (size_t i = 0; i < nr; i++) {
		const struct kdump_page_ref *p = &pages[i];

		if (p->pfn < l->start_pfn || p->pfn >= l->end_pfn ||
		    (i && p->pfn <= pages[i - 1].pfn))
			return vmcf_error_create(EINVAL,
						 "pfn 0x%" PRIx64 " is out of order or not in this file",
						 p->pfn);
		err = check_size(w, p->pfn, p->size, p->flags);
		if (!err)
			err = check_reserved(w, p->pfn, p->offset, p->size);
		if (err)
			return err;
	}
	return write_descs(w, first, pages, nr);
}

struct vmcf_error *kdump_writer_put_page(struct kdump_writer *w, uint64_t pfn,
					 const void *data, size_t size,
					 uint32_t flags)
{
	struct vmcf_error *err;
	uint64_t index, offset;

	/* Refuse before reserving, so misuse leaves no hole in the file. */
	err = check_page(w, pfn, size, flags, &index);
	if (err)
		return err;
	offset = kdump_writer_reserve(w, size);
	err = kdump_writer_write_at(w, data, size, offset);
	if (err)
		return vmcf_error_prefix(err, "data of pfn 0x%" PRIx64, pfn);
	return kdump_writer_put_desc(w, pfn, offset, size, flags);
}

struct vmcf_error *kdump_writer_put_zero(struct kdump_writer *w, uint64_t pfn)
{
	if (!w->zero_page)
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 ": this file has no shared zero page",
					 pfn);
	return kdump_writer_put_desc(w, pfn, w->layout.zero_page_offset,
				     w->layout.page_size, 0);
}

uint64_t kdump_writer_pages_done(const struct kdump_writer *w)
{
	return atomic_load(&((struct kdump_writer *)w)->nr_done);
}

uint64_t kdump_writer_data_end(const struct kdump_writer *w)
{
	return atomic_load(&((struct kdump_writer *)w)->next_data);
}

static struct vmcf_error *sync_file(struct kdump_writer *w)
{
	/* EINVAL: the fd cannot be synced (a pipe, /dev/null): nothing to do. */
	if (fsync(w->fd) < 0 && errno != EINVAL)
		return vmcf_error_errno(errno, "fsync %s", w->name);
	return NULL;
}

/* Rewrites block 0 with status and syncs. */
static struct vmcf_error *write_status(struct kdump_writer *w, uint32_t status)
{
	struct vmcf_error *err;

	set_header_status(w, status);
	if (!w->flattened) {
		/* The data must be on disk before the header vouches for it. */
		err = sync_file(w);
		if (err)
			return err;
	}
	err = kdump_writer_write_at(w, w->header, w->layout.page_size, 0);
	if (!err && !w->flattened)
		err = sync_file(w);
	return err;
}

static struct vmcf_error *sync_dir_of(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (!dir)
		return &vmcf_enomem;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	return NULL;
}

struct vmcf_error *kdump_writer_finish(struct kdump_writer *w)
{
	const struct kdump_layout *l = &w->layout;
	uint64_t done = kdump_writer_pages_done(w);
	struct vmcf_error *err;

	if (w->finished)
		return vmcf_error_create(EINVAL, "%s is already finished",
					 w->name);
	if (!w->started)
		return vmcf_error_create(EINVAL, "%s was never started",
					 w->name);
	if (atomic_load(&w->failed))
		return vmcf_error_create(EIO,
					 "%s: a write failed, the dump can only be marked incomplete",
					 w->name);
	if (done != l->nr_descs)
		return vmcf_error_create(EINVAL,
					 "%s: only %" PRIu64 " of %" PRIu64 " pages were put",
					 w->name, done, l->nr_descs);
	err = write_status(w, header_status(w) & ~KDUMP_FLAG_INCOMPLETE);
	if (!err && w->flattened) {
		unsigned char end[16];

		put_be64(end, FLAT_END);
		put_be64(end + 8, FLAT_END);
		pthread_mutex_lock(&w->stream_lock);
		err = write_all(w, end, sizeof(end));
		pthread_mutex_unlock(&w->stream_lock);
	}
	if (!err && w->path) {
		if (rename(w->tmp_path, w->path) < 0)
			err = vmcf_error_errno(errno, "rename %s to %s",
					       w->tmp_path, w->path);
		else
			err = sync_dir_of(w->path);
	}
	if (err) {
		atomic_store(&w->failed, true);
		return err;
	}
	w->finished = true;
	return NULL;
}

struct vmcf_error *kdump_writer_mark_incomplete(struct kdump_writer *w)
{
	if (w->finished)
		return vmcf_error_create(EINVAL, "%s is already finished",
					 w->name);
	atomic_store(&w->failed, true);
	return write_status(w, header_status(w) | KDUMP_FLAG_INCOMPLETE);
}

/*
 * The first pfn p >= from that is max_pfn or a multiple of
 * KDUMP_SPLIT_ALIGN with rank(p) >= target.  rank() only grows, so a
 * binary search over the aligned pfns finds it.
 */
static struct vmcf_error *split_bound(kdump_rank_fn rank, void *ctx,
				      uint64_t max_pfn, uint64_t from,
				      uint64_t target, uint64_t *bound_ret)
{
	uint64_t lo = (from + KDUMP_SPLIT_ALIGN - 1) / KDUMP_SPLIT_ALIGN;
	uint64_t hi = (max_pfn + KDUMP_SPLIT_ALIGN - 1) / KDUMP_SPLIT_ALIGN;
	struct vmcf_error *err;
	uint64_t n;

	/* rank(max_pfn) is the total, >= any target: hi always qualifies. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint64_t pfn = mid * KDUMP_SPLIT_ALIGN;

		err = rank(ctx, pfn < max_pfn ? pfn : max_pfn, &n);
		if (err)
			return err;
		if (n >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	*bound_ret = lo * KDUMP_SPLIT_ALIGN < max_pfn ? lo * KDUMP_SPLIT_ALIGN :
							max_pfn;
	if (*bound_ret < from)
		*bound_ret = from;
	return NULL;
}

struct vmcf_error *kdump_split_ranges_rank(kdump_rank_fn rank, void *ctx,
					   uint64_t max_pfn,
					   unsigned int nr_files,
					   uint64_t *bounds_ret)
{
	struct vmcf_error *err;
	uint64_t total;

	err = rank(ctx, max_pfn, &total);
	if (err)
		return err;
	bounds_ret[0] = 0;
	for (unsigned int i = 1; i < nr_files; i++) {
		/*
		 * The first aligned pfn with at least total * i / n dumped
		 * before it.  crash counts a split file's pages in whole
		 * bitmap words from its start_pfn: a start inside a word
		 * counts the previous file's pages too.
		 */
		err = split_bound(rank, ctx, max_pfn, bounds_ret[i - 1],
				  total * i / nr_files, &bounds_ret[i]);
		if (err)
			return err;
	}
	bounds_ret[nr_files] = max_pfn;
	return NULL;
}

struct bitmap_rank {
	const uint8_t *bitmap;
	uint64_t pfn, rank;	/* the last answer: searches narrow down */
};

/* Set bits below pfn, counted from the last answer's pfn. */
static struct vmcf_error *bitmap_rank(void *ctx, uint64_t pfn,
				      uint64_t *rank_ret)
{
	struct bitmap_rank *br = ctx;

	if (pfn < br->pfn) {
		br->pfn = 0;
		br->rank = 0;
	}
	for (; br->pfn < pfn; br->pfn++)
		br->rank += kdump_bitmap_test(br->bitmap, br->pfn);
	*rank_ret = br->rank;
	return NULL;
}

void kdump_split_ranges(const uint8_t *dump_bitmap, uint64_t max_pfn,
			unsigned int nr_files, uint64_t *bounds_ret)
{
	struct bitmap_rank br = { dump_bitmap, 0, 0 };

	/* bitmap_rank() cannot fail. */
	vmcf_error_destroy(kdump_split_ranges_rank(bitmap_rank, &br, max_pfn,
						   nr_files, bounds_ret));
}
