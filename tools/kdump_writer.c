// SPDX-License-Identifier: GPL-2.0
/* kdump-compressed file writer: see kdump_writer.h. */
#define _POSIX_C_SOURCE 200809L
#include "kdump_writer.h"

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

struct kdump_writer {
	int fd;
	bool own_fd;
	char *path;		/* create_path(): final name */
	char *tmp_path;		/* create_path(): name while writing */
	char name[80];		/* for messages */

	struct kdump_layout layout;
	bool flattened;
	bool zero_page;
	uint32_t compress_flag;
	uint64_t max_pfn;

	uint8_t *bitmap1;	/* layout.bitmap_size bytes each */
	uint8_t *bitmap2;
	uint64_t *rank;		/* set bits of bitmap 2 before each block */
	uint64_t rank_start;	/* set bits before layout.start_pfn */
	unsigned char *header;	/* block 0, rewritten with the final status */

	_Atomic uint64_t next_data;
	_Atomic uint64_t *done;	/* one bit per descriptor: put already */
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

/* Encodes kdump_sub_header followed by the notes into sub. */
static void encode_sub_header(const struct kdump_writer *w,
			      const struct kdump_writer_params *p,
			      unsigned char *sub)
{
	const struct kdump_layout *l = &w->layout;
	uint64_t notes_at = (uint64_t)l->page_size + KDUMP_SUB_HEADER_SIZE;

	put_le64(sub + 0, p->phys_base);
	put_le32(sub + 8, (uint32_t)p->dump_level);
	put_le32(sub + 12, p->split ? 1 : 0);
	if (p->split) {
		put_le64(sub + 16, l->start_pfn > UINT32_MAX ? UINT32_MAX :
							       l->start_pfn);
		put_le64(sub + 24, l->end_pfn > UINT32_MAX ? UINT32_MAX :
							     l->end_pfn);
	}
	if (p->vmcoreinfo_size) {
		put_le64(sub + 32, notes_at + p->vmcoreinfo_offset);
		put_le64(sub + 40, p->vmcoreinfo_size);
	}
	if (p->notes_size) {
		put_le64(sub + 48, notes_at);
		put_le64(sub + 56, p->notes_size);
	}
	/* offset_eraseinfo, size_eraseinfo: 0, nothing is erased. */
	if (p->split) {
		put_le64(sub + 80, l->start_pfn);
		put_le64(sub + 88, l->end_pfn);
	}
	put_le64(sub + 96, w->max_pfn);
	if (p->notes_size)
		memcpy(sub + KDUMP_SUB_HEADER_SIZE, p->notes, p->notes_size);
}

static struct vmcf_error *check_uts(const char *what, const char *s)
{
	if (s && strlen(s) >= UTS_LEN)
		return vmcf_error_create(EINVAL,
					 "utsname.%s \"%s\" is longer than %d characters",
					 what, s, UTS_LEN - 1);
	return NULL;
}

static struct vmcf_error *check_params(const struct kdump_writer_params *p)
{
	struct vmcf_error *err;
	uint64_t end_pfn = p->split ? p->end_pfn : p->max_pfn;

	if (p->page_size < 4096 || p->page_size > (1u << 20) ||
	    (p->page_size & (p->page_size - 1)))
		return vmcf_error_create(EINVAL, "page size %" PRIu32
					 " is not a power of two >= 4096",
					 p->page_size);
	if (!p->max_pfn || p->max_pfn > MAX_PHYS_ADDR / p->page_size)
		return vmcf_error_create(EINVAL, "max_pfn 0x%" PRIx64
					 " is outside the physical address space",
					 p->max_pfn);
	if (!p->ram_bitmap || !p->dump_bitmap)
		return vmcf_error_create(EINVAL, "both bitmaps are required");
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
	/* A recorded level must say what the file does. */
	if (p->zero_page && !(p->dump_level & KDUMP_DL_EXCLUDE_ZERO))
		return vmcf_error_create(EINVAL,
					 "a shared zero page needs dump level bit %d (exclude zero pages), level is %" PRId32,
					 KDUMP_DL_EXCLUDE_ZERO, p->dump_level);
	if (p->nr_cpus < 0)
		return vmcf_error_create(EINVAL, "nr_cpus %" PRId32,
					 p->nr_cpus);
	if ((unsigned)p->compression >= COMPRESS_NR_ALGS)
		return vmcf_error_create(EINVAL, "unknown compression %d",
					 p->compression);
	if (p->split && (p->start_pfn > end_pfn || end_pfn > p->max_pfn))
		return vmcf_error_create(EINVAL, "split range [0x%" PRIx64
					 ", 0x%" PRIx64 ") is not within [0, 0x%" PRIx64 ")",
					 p->start_pfn, end_pfn, p->max_pfn);
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

/* Copies and checks the bitmaps, builds the rank table. */
static struct vmcf_error *load_bitmaps(struct kdump_writer *w,
				       const struct kdump_writer_params *p)
{
	size_t in_bytes = kdump_bitmap_bytes(p->max_pfn);
	uint64_t size = w->layout.bitmap_size;
	uint64_t nr_blocks = size * 8 / RANK_BLOCK_BITS;
	uint64_t n = 0;

	w->bitmap1 = calloc(2, size);
	w->rank = calloc(nr_blocks + 1, sizeof(w->rank[0]));
	if (!w->bitmap1 || !w->rank)
		return &vmcf_enomem;
	w->bitmap2 = w->bitmap1 + size;
	memcpy(w->bitmap1, p->ram_bitmap, in_bytes);
	memcpy(w->bitmap2, p->dump_bitmap, in_bytes);
	/* Bits past max_pfn would be pages readers cannot ask for. */
	if (p->max_pfn % 8) {
		uint8_t mask = (uint8_t)((1u << (p->max_pfn % 8)) - 1);

		w->bitmap1[in_bytes - 1] &= mask;
		w->bitmap2[in_bytes - 1] &= mask;
	}
	for (size_t i = 0; i < in_bytes; i++) {
		uint8_t stray = w->bitmap2[i] & (uint8_t)~w->bitmap1[i];

		if (stray)
			return vmcf_error_create(EINVAL,
						 "pfn 0x%zx is to be dumped but is not RAM (bitmap 2 is not a subset of bitmap 1)",
						 i * 8 + (size_t)__builtin_ctz(stray));
	}
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
 * extension costs no space; the flattened stream gets a one-byte record.
 */
static struct vmcf_error *cover_descriptors(struct kdump_writer *w)
{
	uint64_t end = w->layout.desc_offset +
		       w->layout.nr_descs * KDUMP_PAGE_DESC_SIZE;
	static const unsigned char zero;
	struct stat st;

	if (w->flattened)
		return kdump_writer_write_at(w, &zero, 1, end - 1);
	if (fstat(w->fd, &st) < 0)
		return vmcf_error_errno(errno, "fstat %s", w->name);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < end &&
	    ftruncate(w->fd, (off_t)end) < 0)
		return vmcf_error_errno(errno, "ftruncate %s to 0x%" PRIx64,
					w->name, end);
	return NULL;
}

/* Writes everything but the pages. */
static struct vmcf_error *write_metadata(struct kdump_writer *w,
					 const struct kdump_writer_params *p)
{
	const struct kdump_layout *l = &w->layout;
	size_t sub_size = (size_t)l->sub_hdr_blocks * l->page_size;
	unsigned char *sub = calloc(1, sub_size);
	struct vmcf_error *err;

	if (!sub)
		return &vmcf_enomem;
	encode_sub_header(w, p, sub);
	err = kdump_writer_write_at(w, w->header, l->page_size, 0);
	if (!err)
		err = kdump_writer_write_at(w, sub, sub_size, l->page_size);
	free(sub);
	if (!err)
		err = kdump_writer_write_at(w, w->bitmap1, 2 * l->bitmap_size,
					    l->bitmap_offset);
	if (!err && l->nr_descs)
		err = cover_descriptors(w);
	if (!err && l->zero_page_offset) {
		void *zero = calloc(1, l->page_size);

		if (!zero)
			return &vmcf_enomem;
		err = kdump_writer_write_at(w, zero, l->page_size,
					    l->zero_page_offset);
		free(zero);
	}
	return err;
}

static struct vmcf_error *writer_create(int fd,
					const struct kdump_writer_params *p,
					struct kdump_writer **writer_ret)
{
	struct kdump_writer *w;
	struct kdump_layout *l;
	struct vmcf_error *err;
	uint64_t sub_bytes;

	err = check_params(p);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return &vmcf_enomem;
	w->fd = fd;
	snprintf(w->name, sizeof(w->name), "fd %d", fd);
	pthread_mutex_init(&w->stream_lock, NULL);
	w->flattened = p->flattened;
	w->zero_page = p->zero_page;
	w->compress_flag = compress_alg_flag(p->compression);
	w->max_pfn = p->max_pfn;

	l = &w->layout;
	l->page_size = p->page_size;
	sub_bytes = KDUMP_SUB_HEADER_SIZE + (uint64_t)p->notes_size;
	l->sub_hdr_blocks = (uint32_t)((sub_bytes + p->page_size - 1) /
				       p->page_size);
	l->bitmap_offset = (1 + (uint64_t)l->sub_hdr_blocks) * p->page_size;
	l->bitmap_size = round_up(kdump_bitmap_bytes(p->max_pfn),
				  p->page_size);
	l->desc_offset = l->bitmap_offset + 2 * l->bitmap_size;
	l->start_pfn = p->split ? p->start_pfn : 0;
	l->end_pfn = p->split ? p->end_pfn : p->max_pfn;
	l->status = w->compress_flag | KDUMP_FLAG_INCOMPLETE;

	err = load_bitmaps(w, p);
	if (err)
		goto fail;
	w->rank_start = count_before(w, l->start_pfn);
	l->nr_descs = count_before(w, l->end_pfn) - w->rank_start;
	l->data_offset = l->desc_offset + KDUMP_PAGE_DESC_SIZE * l->nr_descs;
	if (p->zero_page) {
		l->zero_page_offset = l->data_offset;
		l->data_offset += p->page_size;
	}
	atomic_init(&w->next_data, l->data_offset);
	w->done = calloc((size_t)(l->nr_descs / 64 + 1), sizeof(w->done[0]));
	w->header = malloc(p->page_size);
	if (!w->done || !w->header) {
		err = &vmcf_enomem;
		goto fail;
	}
	encode_header(w, p);

	if (p->flattened) {
		err = write_flat_header(w);
	} else if (lseek(fd, 0, SEEK_CUR) < 0) {
		err = vmcf_error_errno(errno,
				       "%s cannot be written with pwrite(); use the flattened format",
				       w->name);
	} else if (fcntl(fd, F_GETFL) & O_APPEND) {
		/* Linux pwrite() ignores the offset on O_APPEND files. */
		err = vmcf_error_create(EINVAL, "%s is open with O_APPEND",
					w->name);
	}
	if (!err)
		err = write_metadata(w, p);
	if (err)
		goto fail;
	*writer_ret = w;
	return NULL;

fail:
	kdump_writer_destroy(w);
	return err;
}

struct vmcf_error *kdump_writer_create(int fd,
				       const struct kdump_writer_params *params,
				       struct kdump_writer **writer_ret)
{
	return writer_create(fd, params, writer_ret);
}

struct vmcf_error *kdump_writer_create_path(const char *path,
					    const struct kdump_writer_params *params,
					    struct kdump_writer **writer_ret)
{
	struct kdump_writer *w;
	struct vmcf_error *err;
	char *tmp_path, *final_path;
	int fd;

	final_path = strdup(path);
	tmp_path = malloc(strlen(path) + sizeof(".incomplete"));
	if (!final_path || !tmp_path) {
		free(final_path);
		free(tmp_path);
		return &vmcf_enomem;
	}
	strcpy(tmp_path, path);
	strcat(tmp_path, ".incomplete");
	fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = vmcf_error_errno(errno, "open %s", tmp_path);
		goto fail;
	}
	err = writer_create(fd, params, &w);
	if (err) {
		/* Nothing worth keeping: not even the headers made it. */
		close(fd);
		unlink(tmp_path);
		err = vmcf_error_prefix(err, "%s", tmp_path);
		goto fail;
	}
	w->own_fd = true;
	w->path = final_path;
	w->tmp_path = tmp_path;
	snprintf(w->name, sizeof(w->name), "%s", tmp_path);
	*writer_ret = w;
	return NULL;

fail:
	free(final_path);
	free(tmp_path);
	return err;
}

void kdump_writer_destroy(struct kdump_writer *w)
{
	if (!w)
		return;
	if (w->own_fd)
		close(w->fd);
	pthread_mutex_destroy(&w->stream_lock);
	free(w->path);
	free(w->tmp_path);
	free(w->header);
	free((void *)w->done);
	free(w->rank);
	free(w->bitmap1);
	free(w);
}

const struct kdump_layout *kdump_writer_layout(const struct kdump_writer *w)
{
	return &w->layout;
}

uint64_t kdump_writer_desc_index(const struct kdump_writer *w, uint64_t pfn)
{
	if (pfn < w->layout.start_pfn || pfn >= w->layout.end_pfn ||
	    !kdump_bitmap_test(w->bitmap2, pfn))
		return KDUMP_NO_DESC;
	return count_before(w, pfn) - w->rank_start;
}

uint64_t kdump_writer_reserve(struct kdump_writer *w, uint64_t size)
{
	return atomic_fetch_add(&w->next_data, size);
}

static struct vmcf_error *check_page(const struct kdump_writer *w,
				     uint64_t pfn, size_t size, uint32_t flags,
				     uint64_t *index_ret)
{
	uint32_t page_size = w->layout.page_size;
	uint64_t index = kdump_writer_desc_index(w, pfn);

	if (index == KDUMP_NO_DESC)
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 " is not dumped in this file",
					 pfn);
	if (flags == 0 ? size != page_size :
	    flags != w->compress_flag || !size || size >= page_size)
		return vmcf_error_create(EINVAL,
					 "pfn 0x%" PRIx64 ": %zu bytes with flags 0x%" PRIx32 " (file compression flag 0x%" PRIx32 ", page size %" PRIu32 ")",
					 pfn, size, flags, w->compress_flag,
					 page_size);
	*index_ret = index;
	return NULL;
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

struct vmcf_error *kdump_writer_put_desc(struct kdump_writer *w, uint64_t pfn,
					 uint64_t offset, size_t size,
					 uint32_t flags)
{
	const struct kdump_layout *l = &w->layout;
	unsigned char desc[KDUMP_PAGE_DESC_SIZE] = { 0 };
	struct vmcf_error *err;
	uint64_t index, bit, old;

	err = check_page(w, pfn, size, flags, &index);
	if (!err)
		err = check_reserved(w, pfn, offset, size);
	if (err)
		return err;
	bit = UINT64_C(1) << (index % 64);
	old = atomic_fetch_or(&w->done[index / 64], bit);
	if (old & bit)
		return vmcf_error_create(EEXIST,
					 "pfn 0x%" PRIx64 " was put twice", pfn);

	encode_desc(desc, offset, size, flags);
	err = kdump_writer_write_at(w, desc, sizeof(desc),
				    l->desc_offset +
					    index * KDUMP_PAGE_DESC_SIZE);
	if (err) {
		atomic_fetch_and(&w->done[index / 64], ~bit);
		return vmcf_error_prefix(err, "descriptor of pfn 0x%" PRIx64,
					 pfn);
	}
	atomic_fetch_add(&w->nr_done, 1);
	return NULL;
}

/* Clears the done bits of descriptors [first, first + nr). */
static void undo_done(struct kdump_writer *w, uint64_t first, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		uint64_t index = first + i;

		atomic_fetch_and(&w->done[index / 64],
				 ~(UINT64_C(1) << (index % 64)));
	}
}

/* Checks the batch and claims its descriptors; *first_ret is the first. */
static struct vmcf_error *claim_descs(struct kdump_writer *w,
				      const struct kdump_page_ref *pages,
				      size_t nr, uint64_t *first_ret)
{
	uint64_t first = 0, index;
	struct vmcf_error *err;

	for (size_t i = 0; i < nr; i++) {
		const struct kdump_page_ref *p = &pages[i];
		uint64_t bit, old;

		err = check_page(w, p->pfn, p->size, p->flags, &index);
		if (!err)
			err = check_reserved(w, p->pfn, p->offset, p->size);
		if (!err && i && index != first + i)
			err = vmcf_error_create(EINVAL,
						"pfn 0x%" PRIx64 " does not follow pfn 0x%" PRIx64 " among the dumped pfns",
						p->pfn, pages[i - 1].pfn);
		if (err) {
			undo_done(w, first, i);
			return err;
		}
		if (!i)
			first = index;
		bit = UINT64_C(1) << (index % 64);
		old = atomic_fetch_or(&w->done[index / 64], bit);
		if (old & bit) {
			undo_done(w, first, i);
			return vmcf_error_create(EEXIST,
						 "pfn 0x%" PRIx64 " was put twice",
						 p->pfn);
		}
	}
	*first_ret = first;
	return NULL;
}

struct vmcf_error *kdump_writer_put_descs(struct kdump_writer *w,
					  const struct kdump_page_ref *pages,
					  size_t nr)
{
	const struct kdump_layout *l = &w->layout;
	struct vmcf_error *err;
	unsigned char *buf;
	uint64_t first = 0;

	if (!nr)
		return NULL;
	buf = malloc(nr * KDUMP_PAGE_DESC_SIZE);
	if (!buf)
		return &vmcf_enomem;
	err = claim_descs(w, pages, nr, &first);
	if (err)
		goto out;
	for (size_t i = 0; i < nr; i++)
		encode_desc(buf + i * KDUMP_PAGE_DESC_SIZE, pages[i].offset,
			    pages[i].size, pages[i].flags);
	err = kdump_writer_write_at(w, buf, nr * KDUMP_PAGE_DESC_SIZE,
				    l->desc_offset +
					    first * KDUMP_PAGE_DESC_SIZE);
	if (err) {
		undo_done(w, first, nr);
		err = vmcf_error_prefix(err, "descriptors of pfns 0x%" PRIx64
					"-0x%" PRIx64, pages[0].pfn,
					pages[nr - 1].pfn);
		goto out;
	}
	atomic_fetch_add(&w->nr_done, nr);
out:
	free(buf);
	return err;
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

void kdump_split_ranges(const uint8_t *dump_bitmap, uint64_t max_pfn,
			unsigned int nr_files, uint64_t *bounds_ret)
{
	uint64_t total = 0, seen = 0, pfn = 0;
	unsigned int i;

	for (uint64_t n = 0; n < max_pfn; n++)
		total += kdump_bitmap_test(dump_bitmap, n);
	bounds_ret[0] = 0;
	for (i = 1; i < nr_files; i++) {
		/*
		 * The first aligned pfn with at least total * i / n dumped
		 * before it.  crash counts a split file's pages in whole
		 * bitmap words from its start_pfn: a start inside a word
		 * counts the previous file's pages too.
		 */
		uint64_t target = total * i / nr_files;

		while (pfn < max_pfn &&
		       (seen < target || pfn % KDUMP_SPLIT_ALIGN))
			seen += kdump_bitmap_test(dump_bitmap, pfn++);
		bounds_ret[i] = pfn;
	}
	bounds_ret[nr_files] = max_pfn;
}
