// SPDX-License-Identifier: GPL-2.0
/* kdump-compressed file reader: see kdump_reader.h. */
#define _POSIX_C_SOURCE 200809L
#include "kdump_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "compress.h"

#define FLAT_HEADER_SIZE	4096
#define DESC_SIZE		24
#define SUB_HEADER_SIZE		104
#define DISK_HEADER_SIZE	464
#define UTS_OFFSET		12
/* Enough for 2^52 bytes of physical memory in 4 KiB pages. */
#define MAX_PFN_LIMIT		(UINT64_C(1) << 40)
#define MAX_NOTES_SIZE		(UINT64_C(64) << 20)
#define RANK_BITS		512

/* One record of a flattened stream: size bytes for offset, at pos. */
struct flat_record {
	uint64_t offset;
	uint64_t size;
	uint64_t pos;		/* of the data in the stream file */
	uint64_t seq;		/* stream order: later records win */
};

struct kdump_reader {
	int fd;
	char name[64];
	struct kdump_reader_info info;
	struct vmcoreinfo *vmcoreinfo;
	unsigned char *notes;
	uint8_t *bitmaps;		/* bitmap 1 then bitmap 2 */
	uint64_t bitmap_bytes;		/* of each, as stored */
	uint64_t *rank;			/* set bits of bitmap 2 before block */
	uint64_t rank_start;
	uint64_t desc_offset;
	uint64_t nr_descs;
	unsigned char *cbuf;		/* compressed page */

	/* Flattened: records sorted by offset, with the running max end. */
	struct flat_record *recs;
	uint64_t *max_end;
	size_t nr_recs;
};

static struct vmcf_error *file_pread(const struct kdump_reader *r, void *buf,
				     size_t size, uint64_t offset)
{
	unsigned char *p = buf;

	while (size) {
		ssize_t n = pread(r->fd, p, size, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmcf_error_errno(errno, "pread %s at 0x%" PRIx64,
						r->name, offset);
		if (n == 0)
			return vmcf_error_create(EIO,
						 "pread %s at 0x%" PRIx64 ": file is truncated (%zu bytes missing)",
						 r->name, offset, size);
		p += n;
		size -= (size_t)n;
		offset += (uint64_t)n;
	}
	return NULL;
}

/* --- flattened streams ------------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
	const struct flat_record *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct vmcf_error *add_record(struct kdump_reader *r, size_t *cap,
				     const struct flat_record *rec)
{
	if (r->nr_recs == *cap) {
		size_t n = *cap ? *cap * 2 : 1024;
		struct flat_record *recs = realloc(r->recs, n * sizeof(*recs));

		if (!recs)
			return &vmcf_enomem;
		r->recs = recs;
		*cap = n;
	}
	r->recs[r->nr_recs++] = *rec;
	return NULL;
}

/* Reads every record header of the stream; the data is read on demand. */
static struct vmcf_error *index_stream(struct kdump_reader *r)
{
	uint64_t pos = FLAT_HEADER_SIZE, end = UINT64_MAX;
	struct vmcf_error *err;
	struct stat st;
	size_t cap = 0;

	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
		end = (uint64_t)st.st_size;
	for (;;) {
		unsigned char hdr[16];
		struct flat_record rec;

		if (pos + sizeof(hdr) > end)
			return vmcf_error_create(EINVAL,
						 "%s: flattened stream ends at 0x%" PRIx64 " without its end marker (cut short?)",
						 r->name, pos);
		err = file_pread(r, hdr, sizeof(hdr), pos);
		if (err)
			return err;
		rec.offset = get_be64(hdr);
		rec.size = get_be64(hdr + 8);
		if (rec.offset == UINT64_MAX && rec.size == UINT64_MAX)
			break;
		rec.pos = pos + sizeof(hdr);
		rec.seq = r->nr_recs;
		if (rec.offset >> 62 || rec.size > (UINT64_C(1) << 32) ||
		    rec.pos + rec.size > end)
			return vmcf_error_create(EINVAL,
						 "%s: flattened record at 0x%" PRIx64 " (offset 0x%" PRIx64 ", size 0x%" PRIx64 ") is invalid or past the end",
						 r->name, pos, rec.offset, rec.size);
		err = add_record(r, &cap, &rec);
		if (err)
			return err;
		pos = rec.pos + rec.size;
	}
	qsort(r->recs, r->nr_recs, sizeof(r->recs[0]), rec_cmp);
	r->max_end = malloc((r->nr_recs + 1) * sizeof(r->max_end[0]));
	if (!r->max_end)
		return &vmcf_enomem;
	for (size_t i = 0; i < r->nr_recs; i++) {
		uint64_t e = r->recs[i].offset + r->recs[i].size;

		r->max_end[i] = i && r->max_end[i - 1] > e ? r->max_end[i - 1] : e;
	}
	return NULL;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct flat_record *const *x = a, *const *y = b;

	return (*x)->seq < (*y)->seq ? -1 : (*x)->seq > (*y)->seq;
}

/* Number of records whose offset is below end. */
static size_t recs_starting_before(const struct kdump_reader *r, uint64_t end)
{
	size_t lo = 0, hi = r->nr_recs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->recs[mid].offset < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct vmcf_error *flat_pread(const struct kdump_reader *r, void *buf,
				     size_t size, uint64_t offset)
{
	const struct flat_record **hits = NULL;
	uint64_t end = offset + size;
	struct vmcf_error *err = NULL;
	size_t n = 0, cap = 0, i;

	memset(buf, 0, size);
	/* Records before i start below end; walk back while any reaches offset. */
	for (i = recs_starting_before(r, end); i > 0 &&
	     r->max_end[i - 1] > offset; i--) {
		const struct flat_record *rec = &r->recs[i - 1];

		if (rec->offset + rec->size <= offset)
			continue;
		if (n == cap) {
			const struct flat_record **h;

			cap = cap ? 2 * cap : 16;
			h = realloc(hits, cap * sizeof(*h));
			if (!h) {
				free(hits);
				return &vmcf_enomem;
			}
			hits = h;
		}
		hits[n++] = rec;
	}
	qsort(hits, n, sizeof(*hits), seq_cmp);
	for (i = 0; i < n && !err; i++) {
		const struct flat_record *rec = hits[i];
		uint64_t from = rec->offset > offset ? rec->offset : offset;
		uint64_t to = rec->offset + rec->size < end ?
				      rec->offset + rec->size : end;

		err = file_pread(r, (unsigned char *)buf + (from - offset),
				 to - from, rec->pos + (from - rec->offset));
	}
	free(hits);
	return err;
}

static struct vmcf_error *rd_pread(const struct kdump_reader *r, void *buf,
				   size_t size, uint64_t offset)
{
	if (r->info.flattened)
		return flat_pread(r, buf, size, offset);
	return file_pread(r, buf, size, offset);
}

/* --- headers ----------------------------------------------------------- */

static void get_uts(char *dst, const unsigned char *src)
{
	memcpy(dst, src, KDUMP_READER_UTS_LEN - 1);
	dst[KDUMP_READER_UTS_LEN - 1] = '\0';
}

static struct vmcf_error *parse_disk_header(struct kdump_reader *r,
					    const unsigned char *h,
					    uint32_t *sub_blocks_ret,
					    uint32_t *bitmap_blocks_ret)
{
	struct kdump_reader_info *in = &r->info;
	uint32_t bs = get_le32(h + 428);

	if (memcmp(h, "KDUMP   ", 8) != 0)
		return vmcf_error_create(EINVAL,
					 "%s: not a kdump-compressed file (no \"KDUMP\" signature)",
					 r->name);
	in->header_version = (int32_t)get_le32(h + 8);
	get_uts(in->sysname, h + UTS_OFFSET);
	get_uts(in->nodename, h + UTS_OFFSET + KDUMP_READER_UTS_LEN);
	get_uts(in->release, h + UTS_OFFSET + 2 * KDUMP_READER_UTS_LEN);
	get_uts(in->version, h + UTS_OFFSET + 3 * KDUMP_READER_UTS_LEN);
	get_uts(in->machine, h + UTS_OFFSET + 4 * KDUMP_READER_UTS_LEN);
	in->crashtime = (int64_t)get_le64(h + 408);
	in->status = get_le32(h + 424);
	in->max_pfn = get_le32(h + 440);
	in->nr_cpus = (int32_t)get_le32(h + 460);
	if (bs < 4096 || bs > 65536 || (bs & (bs - 1)))
		return vmcf_error_create(EINVAL,
					 "%s: block_size %" PRIu32 " is not a power of two in [4096, 65536]",
					 r->name, bs);
	in->page_size = bs;
	*sub_blocks_ret = get_le32(h + 432);
	*bitmap_blocks_ret = get_le32(h + 436);
	return NULL;
}

static struct vmcf_error *read_notes(struct kdump_reader *r,
				     const unsigned char *sub)
{
	struct kdump_reader_info *in = &r->info;
	uint64_t note_off = get_le64(sub + 48), note_size = get_le64(sub + 56);
	uint64_t vi_off = get_le64(sub + 32), vi_size = get_le64(sub + 40);
	struct vmcf_error *err;

	if (!note_size)
		return NULL;
	if (note_size > MAX_NOTES_SIZE)
		return vmcf_error_create(EINVAL,
					 "%s: size_note 0x%" PRIx64 " is absurd",
					 r->name, note_size);
	r->notes = malloc(note_size);
	if (!r->notes)
		return &vmcf_enomem;
	err = rd_pread(r, r->notes, note_size, note_off);
	if (err)
		return vmcf_error_prefix(err, "notes");
	in->notes = r->notes;
	in->notes_size = note_size;
	if (!vi_size)
		return NULL;
	if (vi_off < note_off || vi_off - note_off > note_size ||
	    vi_size > note_size - (vi_off - note_off))
		return vmcf_error_create(EINVAL,
					 "%s: VMCOREINFO [0x%" PRIx64 ", +0x%" PRIx64 ") is outside the notes",
					 r->name, vi_off, vi_size);
	in->vmcoreinfo_offset = vi_off - note_off;
	in->vmcoreinfo_size = vi_size;
	err = vmcoreinfo_create((const char *)r->notes + in->vmcoreinfo_offset,
				vi_size, &r->vmcoreinfo);
	if (err)
		return vmcf_error_prefix(err, "%s: VMCOREINFO", r->name);
	in->vmcoreinfo = r->vmcoreinfo;
	return NULL;
}

static struct vmcf_error *parse_sub_header(struct kdump_reader *r,
					   const unsigned char *sub)
{
	struct kdump_reader_info *in = &r->info;

	in->phys_base = get_le64(sub);
	in->dump_level = (int32_t)get_le32(sub + 8);
	in->split = get_le32(sub + 12) != 0;
	if (in->header_version >= 6 && get_le64(sub + 96))
		in->max_pfn = get_le64(sub + 96);
	in->start_pfn = 0;
	in->end_pfn = in->max_pfn;
	if (in->split) {
		in->start_pfn = in->header_version >= 6 ? get_le64(sub + 80) :
							  get_le64(sub + 16);
		in->end_pfn = in->header_version >= 6 ? get_le64(sub + 88) :
							get_le64(sub + 24);
	}
	if (!in->max_pfn || in->max_pfn > MAX_PFN_LIMIT)
		return vmcf_error_create(EINVAL, "%s: max_mapnr 0x%" PRIx64
					 " is absurd", r->name, in->max_pfn);
	if (in->start_pfn > in->end_pfn || in->end_pfn > in->max_pfn)
		return vmcf_error_create(EINVAL,
					 "%s: split range [0x%" PRIx64 ", 0x%" PRIx64 ") is not within max_mapnr 0x%" PRIx64,
					 r->name, in->start_pfn, in->end_pfn,
					 in->max_pfn);
	return read_notes(r, sub);
}

/* Set bits of bitmap 2 in [0, pfn). */
static uint64_t count_before(const struct kdump_reader *r, uint64_t pfn)
{
	const uint8_t *bm = r->info.dump_bitmap;
	uint64_t n = r->rank[pfn / RANK_BITS];

	uint64_t p = pfn / RANK_BITS * RANK_BITS;

	for (; p + 8 <= pfn; p += 8)
		n += (uint64_t)__builtin_popcount(bm[p >> 3]);
	if (p < pfn)
		n += (uint64_t)__builtin_popcount(bm[p >> 3] &
						  ((1u << (pfn - p)) - 1));
	return n;
}

static struct vmcf_error *read_bitmaps(struct kdump_reader *r,
				       uint32_t sub_blocks,
				       uint32_t bitmap_blocks)
{
	struct kdump_reader_info *in = &r->info;
	uint64_t bs = in->page_size, need = (in->max_pfn + 7) / 8;
	uint64_t nr_blocks, n = 0, off = (1 + (uint64_t)sub_blocks) * bs;
	struct vmcf_error *err;

	r->bitmap_bytes = (uint64_t)bitmap_blocks / 2 * bs;
	if (!bitmap_blocks || bitmap_blocks % 2 || r->bitmap_bytes < need)
		return vmcf_error_create(EINVAL,
					 "%s: bitmap_blocks %" PRIu32 " cannot hold two bitmaps of 0x%" PRIx64 " pfns",
					 r->name, bitmap_blocks, in->max_pfn);
	r->bitmaps = malloc(2 * r->bitmap_bytes);
	nr_blocks = in->max_pfn / RANK_BITS + 1;
	r->rank = malloc(nr_blocks * sizeof(r->rank[0]));
	if (!r->bitmaps || !r->rank)
		return &vmcf_enomem;
	err = rd_pread(r, r->bitmaps, 2 * r->bitmap_bytes, off);
	if (err)
		return vmcf_error_prefix(err, "bitmaps");
	in->ram_bitmap = r->bitmaps;
	in->dump_bitmap = r->bitmaps + r->bitmap_bytes;
	/* Bits past max_pfn are no pages: drop them from both. */
	memset(r->bitmaps + need, 0, r->bitmap_bytes - need);
	memset(r->bitmaps + r->bitmap_bytes + need, 0, r->bitmap_bytes - need);
	if (in->max_pfn % 8) {
		r->bitmaps[need - 1] &= (uint8_t)((1u << (in->max_pfn % 8)) - 1);
		r->bitmaps[r->bitmap_bytes + need - 1] &=
			(uint8_t)((1u << (in->max_pfn % 8)) - 1);
	}
	for (uint64_t b = 0; b < nr_blocks; b++) {
		r->rank[b] = n;
		for (uint64_t i = b * (RANK_BITS / 8);
		     i < (b + 1) * (RANK_BITS / 8) && i < need; i++)
			n += (uint64_t)__builtin_popcount(in->dump_bitmap[i]);
	}
	r->desc_offset = off + 2 * r->bitmap_bytes;
	r->rank_start = count_before(r, in->start_pfn);
	r->nr_descs = count_before(r, in->end_pfn) - r->rank_start;
	return NULL;
}

static struct vmcf_error *parse(struct kdump_reader *r)
{
	unsigned char *block = NULL, magic[16] = { 0 };
	uint32_t sub_blocks = 0, bitmap_blocks = 0;
	struct vmcf_error *err;
	uint64_t sub_size;

	err = file_pread(r, magic, sizeof(magic), 0);
	if (err)
		return err;
	if (memcmp(magic, "makedumpfile", 12) == 0) {
		r->info.flattened = true;
		err = index_stream(r);
		if (err)
			return err;
	}
	block = malloc(65536);
	if (!block)
		return &vmcf_enomem;
	err = rd_pread(r, block, DISK_HEADER_SIZE, 0);
	if (!err)
		err = parse_disk_header(r, block, &sub_blocks, &bitmap_blocks);
	if (err)
		goto out;
	sub_size = (uint64_t)sub_blocks * r->info.page_size;
	if (sub_size < SUB_HEADER_SIZE || sub_size > MAX_NOTES_SIZE) {
		err = vmcf_error_create(EINVAL, "%s: sub_hdr_size %" PRIu32
					" blocks is invalid", r->name,
					sub_blocks);
		goto out;
	}
	err = rd_pread(r, block, SUB_HEADER_SIZE, r->info.page_size);
	if (!err)
		err = parse_sub_header(r, block);
	if (!err)
		err = read_bitmaps(r, sub_blocks, bitmap_blocks);
	if (!err)
		r->cbuf = malloc(r->info.page_size);
	if (!err && !r->cbuf)
		err = &vmcf_enomem;
out:
	free(block);
	return err;
}

struct vmcf_error *kdump_reader_create(int fd, const char *name,
				       struct kdump_reader **reader_ret)
{
	struct kdump_reader *r = calloc(1, sizeof(*r));
	struct vmcf_error *err;

	if (!r)
		return &vmcf_enomem;
	r->fd = fd;
	snprintf(r->name, sizeof(r->name), "%s", name);
	err = parse(r);
	if (err) {
		kdump_reader_destroy(r);
		return err;
	}
	*reader_ret = r;
	return NULL;
}

void kdump_reader_destroy(struct kdump_reader *r)
{
	if (!r)
		return;
	vmcoreinfo_destroy(r->vmcoreinfo);
	free(r->notes);
	free(r->bitmaps);
	free(r->rank);
	free(r->cbuf);
	free(r->recs);
	free(r->max_end);
	free(r);
}

const struct kdump_reader_info *kdump_reader_info(const struct kdump_reader *r)
{
	return &r->info;
}

bool kdump_reader_has_page(const struct kdump_reader *r, uint64_t pfn)
{
	const struct kdump_reader_info *in = &r->info;

	return pfn >= in->start_pfn && pfn < in->end_pfn &&
	       (in->dump_bitmap[pfn >> 3] >> (pfn & 7)) & 1;
}

struct vmcf_error *kdump_reader_read_page(struct kdump_reader *r, uint64_t pfn,
					  void *buf)
{
	uint32_t ps = r->info.page_size, size, flags;
	unsigned char desc[DESC_SIZE];
	struct vmcf_error *err;
	uint64_t index, offset;

	if (!kdump_reader_has_page(r, pfn))
		return vmcf_error_create(ENOENT, "%s: pfn 0x%" PRIx64
					 " is not in the dump", r->name, pfn);
	index = count_before(r, pfn) - r->rank_start;
	err = rd_pread(r, desc, sizeof(desc), r->desc_offset + index * DESC_SIZE);
	if (err)
		return vmcf_error_prefix(err, "descriptor of pfn 0x%" PRIx64, pfn);
	offset = get_le64(desc);
	size = get_le32(desc + 8);
	flags = get_le32(desc + 12);
	if (!offset)
		return vmcf_error_create(ENOENT,
					 "%s: pfn 0x%" PRIx64 " is missing (incomplete dump)",
					 r->name, pfn);
	if (!size || size > ps || (!flags && size != ps))
		return vmcf_error_create(EINVAL,
					 "%s: pfn 0x%" PRIx64 ": stored size %" PRIu32 ", flags 0x%" PRIx32,
					 r->name, pfn, size, flags);
	if (!(flags & KDUMP_FLAG_COMPRESSED))
		return rd_pread(r, buf, ps, offset);
	err = rd_pread(r, r->cbuf, size, offset);
	if (!err)
		err = decompress_page(flags, r->cbuf, size, buf, ps);
	return vmcf_error_prefix(err, "%s: pfn 0x%" PRIx64, r->name, pfn);
}

bool kdump_reader_probe(int fd)
{
	char magic[12];

	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic))
		return false;
	return memcmp(magic, "KDUMP   ", 8) == 0 ||
	       memcmp(magic, "makedumpfile", 12) == 0;
}
