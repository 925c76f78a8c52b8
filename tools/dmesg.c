// SPDX-License-Identifier: GPL-2.0
/* The printk ring buffer of a crashed kernel: see dmesg.h. */
#define _POSIX_C_SOURCE 200809L
#include "dmesg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"

/*
 * printk_ringbuffer.h: the top two bits of a descriptor's state_var are
 * its state, the rest the id of the record it holds.
 */
#define DESC_FLAGS_SHIFT	62
#define DESC_ID_MASK		((UINT64_C(1) << DESC_FLAGS_SHIFT) - 1)
#define DESC_COMMITTED		1
#define DESC_FINALIZED		2
/* Sanity limits: log_buf_len= tops out far below these. */
#define MAX_COUNT_BITS		26
#define MAX_SIZE_BITS		31
#define MAX_STRUCT_SIZE		4096

/* Where the fields are, from VMCOREINFO. */
struct prb_layout {
	uint64_t rb_desc_ring, rb_text_data_ring;
	uint64_t dr_count_bits, dr_descs, dr_infos, dr_head_id, dr_tail_id;
	uint64_t desc_size, desc_state_var, desc_text_blk_lpos;
	uint64_t lpos_begin, lpos_next;
	uint64_t info_size, info_seq, info_ts_nsec, info_text_len;
	uint64_t data_size_bits, data_data;
	uint64_t atomic_counter;
};

#define L(key, field) { key, offsetof(struct prb_layout, field) }
static const struct {
	const char *key;
	size_t field;
} prb_keys[] = {
	L("OFFSET(printk_ringbuffer.desc_ring)", rb_desc_ring),
	L("OFFSET(printk_ringbuffer.text_data_ring)", rb_text_data_ring),
	L("OFFSET(prb_desc_ring.count_bits)", dr_count_bits),
	L("OFFSET(prb_desc_ring.descs)", dr_descs),
	L("OFFSET(prb_desc_ring.infos)", dr_infos),
	L("OFFSET(prb_desc_ring.head_id)", dr_head_id),
	L("OFFSET(prb_desc_ring.tail_id)", dr_tail_id),
	L("SIZE(prb_desc)", desc_size),
	L("OFFSET(prb_desc.state_var)", desc_state_var),
	L("OFFSET(prb_desc.text_blk_lpos)", desc_text_blk_lpos),
	L("OFFSET(prb_data_blk_lpos.begin)", lpos_begin),
	L("OFFSET(prb_data_blk_lpos.next)", lpos_next),
	L("SIZE(printk_info)", info_size),
	L("OFFSET(printk_info.seq)", info_seq),
	L("OFFSET(printk_info.ts_nsec)", info_ts_nsec),
	L("OFFSET(printk_info.text_len)", info_text_len),
	L("OFFSET(prb_data_ring.size_bits)", data_size_bits),
	L("OFFSET(prb_data_ring.data)", data_data),
	L("OFFSET(atomic_long_t.counter)", atomic_counter),
};
#undef L

/* The ring buffer, copied out of the dump. */
struct prb_copy {
	struct prb_layout l;
	uint64_t count;			/* descriptors */
	uint64_t head_id, tail_id;
	unsigned char *descs, *infos;
	uint64_t data_size;
	unsigned int size_bits;
	unsigned char *data;
};

static struct vmcf_error *get_layout(const struct vmcoreinfo *vi,
				     struct prb_layout *l)
{
	for (size_t i = 0; i < sizeof(prb_keys) / sizeof(prb_keys[0]); i++) {
		uint64_t *field = (uint64_t *)((char *)l + prb_keys[i].field);
		struct vmcf_error *err;

		err = vmcoreinfo_get_u64(vi, prb_keys[i].key, 10, field);
		if (err)
			return vmcf_error_prefix(err,
						 "printk ring buffer: VMCOREINFO %s",
						 prb_keys[i].key);
	}
	if (l->desc_size > MAX_STRUCT_SIZE || l->info_size > MAX_STRUCT_SIZE ||
	    l->desc_state_var + 8 > l->desc_size ||
	    l->desc_text_blk_lpos + l->lpos_begin + 8 > l->desc_size ||
	    l->desc_text_blk_lpos + l->lpos_next + 8 > l->desc_size ||
	    l->info_ts_nsec + 8 > l->info_size ||
	    l->info_text_len + 2 > l->info_size)
		return vmcf_error_create(EINVAL,
					 "printk ring buffer: VMCOREINFO offsets lie outside SIZE(prb_desc)=%" PRIu64 " or SIZE(printk_info)=%" PRIu64,
					 l->desc_size, l->info_size);
	return NULL;
}

static struct vmcf_error *read_u32(struct kvaddr *kv, uint64_t vaddr,
				   uint32_t *value_ret)
{
	unsigned char raw[4];
	struct vmcf_error *err = kvaddr_read(kv, vaddr, raw, sizeof(raw));

	if (!err)
		*value_ret = get_le32(raw);
	return err;
}

/* Reads the ring buffer's descriptors, infos and text into memory. */
static struct vmcf_error *copy_prb(const struct vmcoreinfo *vi,
				   struct kvaddr *kv, struct prb_copy *c)
{
	const struct prb_layout *l = &c->l;
	uint64_t prb_sym, rb, dr, tr, descs, infos, data;
	uint32_t count_bits, size_bits;
	struct vmcf_error *err;

	err = vmcoreinfo_symbol(vi, "prb", &prb_sym);
	if (err)
		return vmcf_error_prefix(err,
					 "printk ring buffer (Linux 5.10 or later)");
	err = get_layout(vi, &c->l);
	if (err)
		return err;
	/* prb is a pointer to printk_rb_static or printk_rb_dynamic. */
	err = kvaddr_read_u64(kv, prb_sym, &rb);
	if (err)
		return vmcf_error_prefix(err, "read prb at 0x%" PRIx64, prb_sym);
	dr = rb + l->rb_desc_ring;
	tr = rb + l->rb_text_data_ring;
	if ((err = read_u32(kv, dr + l->dr_count_bits, &count_bits)) ||
	    (err = kvaddr_read_u64(kv, dr + l->dr_descs, &descs)) ||
	    (err = kvaddr_read_u64(kv, dr + l->dr_infos, &infos)) ||
	    (err = kvaddr_read_u64(kv, dr + l->dr_head_id + l->atomic_counter,
				   &c->head_id)) ||
	    (err = kvaddr_read_u64(kv, dr + l->dr_tail_id + l->atomic_counter,
				   &c->tail_id)) ||
	    (err = read_u32(kv, tr + l->data_size_bits, &size_bits)) ||
	    (err = kvaddr_read_u64(kv, tr + l->data_data, &data)))
		return vmcf_error_prefix(err, "printk ring buffer at 0x%" PRIx64,
					 rb);
	if (count_bits > MAX_COUNT_BITS || size_bits > MAX_SIZE_BITS ||
	    size_bits < 3)
		return vmcf_error_create(EINVAL,
					 "printk ring buffer at 0x%" PRIx64 ": count_bits %" PRIu32 ", size_bits %" PRIu32 " are absurd",
					 rb, count_bits, size_bits);
	c->count = UINT64_C(1) << count_bits;
	c->size_bits = size_bits;
	c->data_size = UINT64_C(1) << size_bits;
	c->descs = malloc(c->count * l->desc_size);
	c->infos = malloc(c->count * l->info_size);
	c->data = malloc(c->data_size);
	if (!c->descs || !c->infos || !c->data)
		return &vmcf_enomem;
	if ((err = kvaddr_read(kv, descs, c->descs, c->count * l->desc_size)) ||
	    (err = kvaddr_read(kv, infos, c->infos, c->count * l->info_size)) ||
	    (err = kvaddr_read(kv, data, c->data, c->data_size)))
		return vmcf_error_prefix(err, "printk ring buffer arrays");
	return NULL;
}

/*
 * The text block of [begin, next) as get_data() in printk_ringbuffer.c
 * finds it: in place, or, for a block that wraps, at the start of the
 * ring.  Either way an unsigned long id comes first.  False if the block
 * has no data or does not make sense.
 */
static bool text_block(const struct prb_copy *c, uint64_t begin, uint64_t next,
		       const unsigned char **text_ret, uint64_t *size_ret)
{
	uint64_t mask = c->data_size - 1, start, size;

	/* Data-less blocks (FAILED_LPOS, NO_LPOS) have bit 0 set. */
	if ((begin & 1) || (next & 1))
		return false;
	if (begin >> c->size_bits == next >> c->size_bits && begin < next) {
		start = begin & mask;
		size = next - begin;
	} else if ((begin + c->data_size) >> c->size_bits ==
		   next >> c->size_bits) {
		start = 0;
		size = next & mask;
	} else {
		return false;
	}
	if (size < 8 || start + size > c->data_size || (start & 7))
		return false;
	*text_ret = c->data + start + 8;
	*size_ret = size - 8;
	return true;
}

static void put_text(FILE *out, const unsigned char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = text[i];

		if ((ch >= 0x20 && ch != 0x7f) || ch == '\n' || ch == '\t')
			putc(ch, out);
		else
			fprintf(out, "\\x%02x", ch);
	}
}

/* Prints the record with id, if its descriptor holds it, committed. */
static bool print_record(const struct prb_copy *c, uint64_t id, FILE *out)
{
	const struct prb_layout *l = &c->l;
	uint64_t idx = id & (c->count - 1);
	const unsigned char *desc = c->descs + idx * l->desc_size;
	const unsigned char *info = c->infos + idx * l->info_size;
	const unsigned char *lpos = desc + l->desc_text_blk_lpos;
	uint64_t sv = get_le64(desc + l->desc_state_var + l->atomic_counter);
	uint64_t state = sv >> DESC_FLAGS_SHIFT, ts, size;
	const unsigned char *text;
	size_t len;

	if ((sv & DESC_ID_MASK) != id ||
	    (state != DESC_COMMITTED && state != DESC_FINALIZED))
		return false;
	if (!text_block(c, get_le64(lpos + l->lpos_begin),
			get_le64(lpos + l->lpos_next), &text, &size))
		return false;
	len = get_le16(info + l->info_text_len);
	if (len > size)
		len = (size_t)size;
	ts = get_le64(info + l->info_ts_nsec);
	fprintf(out, "[%5" PRIu64 ".%06" PRIu64 "] ", ts / 1000000000,
		ts % 1000000000 / 1000);
	put_text(out, text, len);
	putc('\n', out);
	return true;
}

struct vmcf_error *dmesg_write(const struct vmcoreinfo *vi, struct kvaddr *kv,
			       FILE *out, uint64_t *nr_records_ret)
{
	struct prb_copy c = { 0 };
	struct vmcf_error *err;
	uint64_t id, n = 0, steps = 0;

	err = copy_prb(vi, kv, &c);
	if (err)
		goto out;
	/* From the oldest id to the newest, at most one lap of the ring. */
	id = c.tail_id & DESC_ID_MASK;
	for (;;) {
		n += print_record(&c, id, out);
		if (id == (c.head_id & DESC_ID_MASK) || ++steps > c.count)
			break;
		id = (id + 1) & DESC_ID_MASK;
	}
	if (ferror(out))
		err = vmcf_error_errno(errno ? errno : EIO, "write the log");
	if (nr_records_ret)
		*nr_records_ret = n;
out:
	free(c.descs);
	free(c.infos);
	free(c.data);
	return err;
}
