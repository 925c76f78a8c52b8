// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for module/vmcf_classify.c: arbitrary bytes as
 * VMCOREINFO and as struct pages.  Build with
 *   clang -fsanitize=fuzzer,address,undefined -Imodule
 *
 * Input layout (all of it optional; short inputs are padded with zeros):
 *   byte 0     mode: bits 0-1 pick the VMCOREINFO
 *                      0: 6.1 template, 1: 6.12 template,
 *                      2: the input's text, 3: 6.12 template + the text
 *                    bit 2: turn odd compound_head words into pointers to
 *                      nearby struct pages, so tails and heads meet
 *                    bit 3: no reader
 *                    bits 4-5: the reader's vmemmap base is off by 0,
 *                      1, 8 or 4 bytes (garbage bases must stay garbage
 *                      on every path)
 *   bytes 1-2  length of the text (little endian)
 *   ...        the text
 *   8 bytes    start pfn
 *   rest       struct pages, SIZE(page) bytes each
 *
 * Besides not crashing, every setting of vmcf_layout.fast must give the
 * same classes and counts.
 */
#include <stdlib.h>
#include <string.h>

#include "vmcf_classify.h"
#include "vmcoreinfo_min.h"

#define VMEMMAP	0xffffea0000000000ULL

static const char vi61[] = VMCF_TEST_VI61;
static const char vi612[] = VMCF_TEST_VI612;

struct src {
	const u8 *pages;
	u64 nr;
	u32 sps;
};

/* Serves any pfn from the input's pages; fails for every third pfn. */
static int read_page(void *ctx, u64 pfn, void *buf)
{
	const struct src *s = ctx;

	if (!s->nr || pfn % 3 == 2)
		return -1;
	memcpy(buf, s->pages + (pfn % s->nr) * s->sps, s->sps);
	return 0;
}

static size_t take(const u8 **data, size_t *size, void *out, size_t n)
{
	size_t k = n < *size ? n : *size;

	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
	return k;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u64 skew[4] = { 0, 1, 8, 4 };
	struct vmcf_head_reader rd;
	struct vmcf_counts counts, counts2;
	struct vmcf_layout l, l2;
	u8 mode = 0, *pages, *out, *out2;
	u16 tlen = 0;
	u64 start = 0, nr, i, sum = 0, off, back;
	char *text, err[128];
	size_t vlen;
	struct src s;
	int c;

	take(&data, &size, &mode, 1);
	take(&data, &size, &tlen, 2);
	if (tlen > size)
		tlen = (u16)size;

	/* Exact-size heap copy: ASan flags any read past the text. */
	vlen = (mode & 3) == 3 ? sizeof(vi612) - 1 + tlen :
	       (mode & 3) == 2 ? tlen : (mode & 1) ? sizeof(vi612) - 1 :
	       sizeof(vi61) - 1;
	text = malloc(vlen ? vlen : 1);
	if (!text)
		return 0;
	switch (mode & 3) {
	case 0:
		memcpy(text, vi61, vlen);
		break;
	case 1:
		memcpy(text, vi612, vlen);
		break;
	case 2:
		memcpy(text, data, tlen);
		break;
	default:
		memcpy(text, vi612, sizeof(vi612) - 1);
		memcpy(text + sizeof(vi612) - 1, data, tlen);
	}
	data += tlen;
	size -= tlen;

	c = vmcf_layout_parse(&l, text, vlen, err, sizeof(err));
	free(text);
	if (!err[0] && c)
		abort();		/* a failure must say why */
	vmcf_class_name(mode - 4);
	vmcf_dump_level_to_mask(mode - 4);
	if (c)
		return 0;

	take(&data, &size, &start, 8);
	start &= (1ULL << 40) - 1;
	nr = size / l.struct_page_size;
	pages = malloc(nr ? nr * l.struct_page_size : 1);
	out = malloc(nr ? nr : 1);
	if (!pages || !out)
		abort();
	memcpy(pages, data, nr * l.struct_page_size);

	if (mode & 4) {
		for (i = 0; i < nr; i++) {
			memcpy(&off, pages + i * l.struct_page_size +
			       l.offs.chead, 8);
			if (!(off & 1))
				continue;
			back = (off >> 1) % 600;
			off = VMEMMAP + (start + i - back) * l.struct_page_size;
			off |= 1;
			memcpy(pages + i * l.struct_page_size +
			       l.offs.chead, &off, 8);
		}
	}

	s.pages = pages;
	s.nr = nr;
	s.sps = l.struct_page_size;
	rd.read_page = read_page;
	rd.ctx = &s;
	rd.vmemmap_base = VMEMMAP + skew[(mode >> 4) & 3];
	memset(&counts, 0, sizeof(counts));
	if (vmcf_classify_range(&l, pages, start, nr, out, &counts,
				(mode & 8) ? NULL : &rd))
		abort();
	for (i = 0; i < nr; i++)
		if (out[i] >= VMCF_NR_CLASSES)
			abort();
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		sum += counts.pages[c];
	if (sum != nr)
		abort();

	/* The hot loops must agree with the general decisions. */
	out2 = malloc(nr ? nr : 1);
	if (!out2)
		abort();
	for (c = VMCF_FAST_NONE; c <= VMCF_FAST_LAYOUT; c++) {
		if (c == l.fast)
			continue;
		l2 = l;
		l2.fast = (u8)c;
		memset(&counts2, 0, sizeof(counts2));
		if (vmcf_classify_range(&l2, pages, start, nr, out2, &counts2,
					(mode & 8) ? NULL : &rd) ||
		    memcmp(out, out2, nr) ||
		    memcmp(&counts, &counts2, sizeof(counts)))
			abort();
	}
	free(out2);
	free(pages);
	free(out);
	return 0;
}
