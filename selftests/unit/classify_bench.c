// SPDX-License-Identifier: GPL-2.0
/*
 * A synthetic mem_map shaped like the filter benchmark's workload, for
 * counting the classifier's instructions per struct page under callgrind
 * (scripts/bench-classify-instructions.sh).  Under TCG the capture kernel
 * pays for every emulated instruction, so this count predicts the module's
 * speed there better than host timings do.
 *
 *   classify_bench 6.1|6.12 none|layout|x86_64
 *
 * Per 1024-pfn block, from a fixed seed: half anonymous memory (half of
 * it order-0 pages, half order-9 THPs, as with THP "always"), a quarter
 * page cache, a fifth free order-10 buddy blocks, the rest slab.  Prints
 * the pages per class so a changed classification shows up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcf_classify.h"
#include "vmcoreinfo_min.h"

#define NR_PAGES	(1024 * 256)
#define SPS		64
#define ANON_MAPPING	0xffff888012345601ULL
#define FILE_MAPPING	0xffff888012345600ULL
/* The vmemmap base the module finds in the page tables (6.1 has no symbol) */
#define VMEMMAP		0xffffea0000000000ULL

struct rel {
	const char *name;
	const char *vmcoreinfo;
	unsigned int pg_lru, pg_swapbacked, pg_uptodate, pg_slab;
	u32 buddy, slab_type;
};

static const struct rel rels[] = {
	{
		.name = "6.1",
		.vmcoreinfo = VMCF_TEST_VI61,
		.pg_lru = 4, .pg_swapbacked = 19, .pg_uptodate = 3,
		.pg_slab = 9, .buddy = 0xffffff7f,
	},
	{
		.name = "6.12",
		.vmcoreinfo = VMCF_TEST_VI612,
		.pg_lru = 5, .pg_swapbacked = 17, .pg_uptodate = 3,
		.buddy = 0xf0000000, .slab_type = 0xf5000000,
	},
};

static void put(u8 *pg, u64 i, unsigned int off, u64 v, size_t w)
{
	memcpy(pg + i * SPS + off, &v, w);
}

/*
 * Makes the 512 anonymous pages at index i one THP, as 6.1 and 6.12 lay it
 * out: PG_head on the first, the order (and 6.1's compound_dtor) in page[1],
 * every tail pointing at the head.
 */
static void thp(const struct vmcf_layout *l, u8 *pg, u64 i)
{
	u64 j, head = VMEMMAP + i * SPS, flags;

	memcpy(&flags, pg + i * SPS, 8);
	put(pg, i, 0, flags | l->head_mask, 8);
	put(pg, i + 1, (unsigned int)l->off_order1, 9, 1);
	if (l->off_dtor1 >= 0)		/* TRANSHUGE_PAGE_DTOR */
		put(pg, i + 1, (unsigned int)l->off_dtor1, 3, 1);
	for (j = i + 1; j < i + 512; j++) {
		put(pg, j, 8, head | 1, 8);
		put(pg, j, 48, 0xffffffff, 4);
		put(pg, j, 52, 0, 4);
	}
}

static void fill(const struct rel *r, const struct vmcf_layout *l, u8 *pg)
{
	u64 seed = 1, i, j, uptodate = 1ULL << r->pg_uptodate;
	unsigned int kind;

	for (i = 0; i < NR_PAGES; i += 1024) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		kind = (unsigned int)(seed >> 33) % 20;
		for (j = i; j < i + 1024; j++) {
			put(pg, j, 48, 0xffffffff, 4);	/* _mapcount -1 */
			if (kind < 10) {
				put(pg, j, 0, uptodate | 1ULL << r->pg_lru |
				    1ULL << r->pg_swapbacked, 8);
				put(pg, j, 24, ANON_MAPPING, 8);
				put(pg, j, 48, 0, 4);
				put(pg, j, 52, 1, 4);
			} else if (kind < 15) {
				put(pg, j, 0, uptodate | 1ULL << r->pg_lru, 8);
				put(pg, j, 24, FILE_MAPPING, 8);
				put(pg, j, 52, 1, 4);
			} else if (kind < 19) {
				if (j == i) {
					put(pg, j, 48, r->buddy, 4);
					put(pg, j, 40, 10, 8);
				}
			} else {
				if (r->pg_slab)
					put(pg, j, 0, 1ULL << r->pg_slab, 8);
				else
					put(pg, j, 48, r->slab_type, 4);
				put(pg, j, 52, 1, 4);
			}
		}
		if (kind < 5) {
			thp(l, pg, i);
			thp(l, pg, i + 512);
		}
	}
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "none", "layout", "x86_64" };
	struct vmcf_head_reader rd = { .vmemmap_base = VMEMMAP };
	struct vmcf_counts counts;
	const struct rel *r = NULL;
	struct vmcf_layout l;
	u8 *pg, *cls;
	char err[128];
	int mode = -1;
	size_t k;

	for (k = 0; argc == 3 && k < ARRAY_SIZE(rels); k++)
		if (!strcmp(argv[1], rels[k].name))
			r = &rels[k];
	for (k = 0; argc == 3 && k < ARRAY_SIZE(modes); k++)
		if (!strcmp(argv[2], modes[k]))
			mode = (int)k;
	if (!r || mode < 0) {
		fprintf(stderr, "usage: classify_bench 6.1|6.12 none|layout|x86_64\n");
		return 2;
	}
	if (vmcf_layout_parse(&l, r->vmcoreinfo, strlen(r->vmcoreinfo), err,
			      sizeof(err))) {
		fprintf(stderr, "classify_bench: %s\n", err);
		return 1;
	}
	if (mode == VMCF_FAST_X86_64 && l.fast != VMCF_FAST_X86_64) {
		fprintf(stderr, "classify_bench: %s layout is not x86_64's\n",
			r->name);
		return 1;
	}
	l.fast = (u8)mode;
	pg = calloc(NR_PAGES, SPS);
	cls = malloc(NR_PAGES);
	if (!pg || !cls)
		return 1;
	fill(r, &l, pg);
	memset(&counts, 0, sizeof(counts));
	/* Slices of 1024 pfns, as the module and the userspace filter use. */
	for (k = 0; k < NR_PAGES; k += 1024)
		if (vmcf_classify_range(&l, pg + k * SPS, k, 1024, cls + k,
					&counts, &rd))
			return 1;
	printf("pages %d\n", NR_PAGES);
	for (k = 0; k < VMCF_NR_CLASSES; k++)
		if (counts.pages[k])
			printf("%s %llu\n", vmcf_class_name((int)k),
			       counts.pages[k]);
	free(pg);
	free(cls);
	return 0;
}
