// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for module/vmcf_classify.c on synthetic struct page arrays,
 * for the 6.1 and the 6.12 layout.  Offsets, flag bits and page-type values
 * below come from each release's sources (symbol addresses and the sizes of
 * unrelated structures are made up):
 *   6.1.192: kernel/crash_core.c, arch/x86/kernel/crash_core_64.c,
 *            include/linux/mm_types.h, include/linux/page-flags.h
 *            (PG_uncached exists: Debian sets ARCH_USES_PG_UNCACHED),
 *            include/linux/mm.h (enum compound_dtor_id)
 *   6.12.117: kernel/vmcore_info.c, arch/x86/kernel/vmcore_info_64.c,
 *            include/linux/mm_types.h, include/linux/page-flags.h
 *            (enum pageflags, enum pagetype), include/linux/mm.h
 * Prints "ok - ..." or "not ok - ..." per check; exits 1 if any failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcf_classify.h"

#define SPS		64			/* SIZE(page) on x86_64 */
#define VMEMMAP		0xffffea0000000000ULL	/* x86_64 default base */
#define START		0x100000ULL		/* 4 GiB, 1024-aligned */
#define LRU_PTR		0xffff888003a1b2c0ULL	/* some list_head */
#define FILE_MAPPING	0xffff888012345600ULL	/* an address_space */
#define ANON_MAPPING	0xffff888023456701ULL	/* an anon_vma | 1 */
#define ZONE_BITS	(3ULL << 62)		/* node/zone in flags */

static int failures;

static void report(bool good, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", good ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!good)
		failures++;
}

/* ------------------------------------------------------------------ */
/* The two releases                                                     */

struct rel {
	const char *name;
	const char *vmcoreinfo;
	unsigned int off_flags, off_chead, off_mapping, off_private;
	unsigned int off_mapcount, off_refcount;
	int off_order1;		/* byte of page[1] holding the order */
	int off_dtor1;		/* 6.1 compound_dtor byte, -1 in 6.12 */
	unsigned int hugetlb_dtor;
	unsigned int pg_lru, pg_private, pg_swapcache, pg_swapbacked;
	int pg_slab;		/* -1: slab is a page type */
	unsigned int pg_hwpoison, pg_reserved, pg_head, pg_active;
	unsigned int pt_buddy, pt_offline, pt_table, pt_guard;
	unsigned int pt_slab, pt_hugetlb, pt_unaccepted, pt_zsmalloc;
	unsigned int pt_bogus;	/* a page_type no kernel of that release sets */
	bool vmemmap_exported;
};

static const char vi61[] =
	"OSRELEASE=6.1.0-56-amd64\n"
	"BUILD-ID=4b1e5a8c0d2f6e3a9b7c1d0e5f4a3b2c1d0e9f8a\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff83013ec0\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(node_online_map)=ffffffff8311ee30\n"
	"SYMBOL(swapper_pg_dir)=ffffffff82e10000\n"
	"SYMBOL(_stext)=ffffffff81000000\n"
	"SYMBOL(vmap_area_list)=ffffffff830e9ad0\n"
	"SYMBOL(mem_section)=ffff88823fff6000\n"
	"LENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\n"
	"OFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\n"
	"NUMBER(MAX_PHYSMEM_BITS)=46\n"
	"SIZE(page)=64\n"
	"SIZE(pglist_data)=174592\n"
	"SIZE(zone)=1664\n"
	"SIZE(free_area)=104\n"
	"SIZE(list_head)=16\n"
	"SIZE(nodemask_t)=128\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\n"
	"OFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\n"
	"OFFSET(page.compound_dtor)=16\n"
	"OFFSET(page.compound_order)=17\n"
	"OFFSET(page.compound_head)=8\n"
	"OFFSET(pglist_data.node_zones)=0\n"
	"OFFSET(pglist_data.nr_zones)=173632\n"
	"OFFSET(pglist_data.node_start_pfn)=173648\n"
	"OFFSET(pglist_data.node_spanned_pages)=173664\n"
	"OFFSET(pglist_data.node_id)=173672\n"
	"OFFSET(zone.free_area)=192\n"
	"OFFSET(zone.vm_stat)=1472\n"
	"OFFSET(zone.spanned_pages)=96\n"
	"OFFSET(free_area.free_list)=0\n"
	"OFFSET(list_head.next)=0\n"
	"OFFSET(list_head.prev)=8\n"
	"OFFSET(vmap_area.va_start)=0\n"
	"OFFSET(vmap_area.list)=40\n"
	"LENGTH(zone.free_area)=11\n"
	"SYMBOL(prb)=ffffffff82a5c9e8\n"
	"LENGTH(free_area.free_list)=6\n"
	"NUMBER(NR_FREE_PAGES)=0\n"
	"NUMBER(PG_lru)=4\n"
	"NUMBER(PG_private)=13\n"
	"NUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=19\n"
	"NUMBER(PG_slab)=9\n"
	"NUMBER(PG_hwpoison)=23\n"
	"NUMBER(PG_head_mask)=65536\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
	"SYMBOL(kallsyms_names)=ffffffff8226c3d8\n"
	"NUMBER(phys_base)=1073741824\n"
	"SYMBOL(init_top_pgt)=ffffffff82e10000\n"
	"NUMBER(pgtable_l5_enabled)=0\n"
	"SYMBOL(node_data)=ffffffff8311c8e0\n"
	"LENGTH(node_data)=1024\n"
	"KERNELOFFSET=1e000000\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"NUMBER(sme_mask)=0\n"
	"CRASHTIME=1700000000\n";

static const char vi612[] =
	"OSRELEASE=6.12.117+deb13-amd64\n"
	"BUILD-ID=9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b\n"
	"PAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffff9d8d4c60\n"
	"OFFSET(uts_namespace.name)=0\n"
	"SYMBOL(node_online_map)=ffffffff9d9f6d90\n"
	"SYMBOL(swapper_pg_dir)=ffffffff9d610000\n"
	"SYMBOL(_stext)=ffffffff9b000000\n"
	"NUMBER(VMALLOC_START)=0xffffc90000000000\n"
	"SYMBOL(vmemmap)=ffffea0000000000\n"
	"SYMBOL(mem_section)=ffff8882bfffb000\n"
	"LENGTH(mem_section)=2048\n"
	"SIZE(mem_section)=16\n"
	"OFFSET(mem_section.section_mem_map)=0\n"
	"NUMBER(SECTION_SIZE_BITS)=27\n"
	"NUMBER(MAX_PHYSMEM_BITS)=46\n"
	"SIZE(page)=64\n"
	"SIZE(pglist_data)=176384\n"
	"SIZE(zone)=1728\n"
	"SIZE(free_area)=104\n"
	"SIZE(list_head)=16\n"
	"SIZE(nodemask_t)=128\n"
	"OFFSET(page.flags)=0\n"
	"OFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\n"
	"OFFSET(page.lru)=8\n"
	"OFFSET(page._mapcount)=48\n"
	"OFFSET(page.private)=40\n"
	"OFFSET(page.compound_head)=8\n"
	"OFFSET(pglist_data.node_zones)=0\n"
	"OFFSET(pglist_data.nr_zones)=175360\n"
	"OFFSET(pglist_data.node_start_pfn)=175376\n"
	"OFFSET(pglist_data.node_spanned_pages)=175392\n"
	"OFFSET(pglist_data.node_id)=175400\n"
	"OFFSET(zone.free_area)=192\n"
	"OFFSET(zone.vm_stat)=1536\n"
	"OFFSET(zone.spanned_pages)=96\n"
	"OFFSET(free_area.free_list)=0\n"
	"OFFSET(list_head.next)=0\n"
	"OFFSET(list_head.prev)=8\n"
	"LENGTH(zone.free_area)=11\n"
	"SYMBOL(prb)=ffffffff9d2b8a28\n"
	"LENGTH(free_area.free_list)=6\n"
	"NUMBER(NR_FREE_PAGES)=0\n"
	"NUMBER(PG_lru)=5\n"
	"NUMBER(PG_private)=14\n"
	"NUMBER(PG_swapcache)=10\n"
	"NUMBER(PG_swapbacked)=17\n"
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
	"NUMBER(PG_hwpoison)=20\n"
	"NUMBER(PG_head_mask)=64\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"
	"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n"
	"SYMBOL(kallsyms_names)=ffffffff9c4a1e18\n"
	"NUMBER(phys_base)=-1509949440\n"
	"SYMBOL(init_top_pgt)=ffffffff9d610000\n"
	"NUMBER(pgtable_l5_enabled)=1\n"
	"SYMBOL(node_data)=ffffffff9d9f3c40\n"
	"LENGTH(node_data)=1024\n"
	"KERNELOFFSET=1a000000\n"
	"NUMBER(KERNEL_IMAGE_SIZE)=1073741824\n"
	"NUMBER(sme_mask)=0\n"
	"CRASHTIME=1700000000\n";

static const struct rel r61 = {
	.name = "6.1",
	.vmcoreinfo = vi61,
	.off_flags = 0, .off_chead = 8, .off_mapping = 24, .off_private = 40,
	.off_mapcount = 48, .off_refcount = 52,
	.off_order1 = 17, .off_dtor1 = 16, .hugetlb_dtor = 2,
	.pg_lru = 4, .pg_private = 13, .pg_swapcache = 10, .pg_swapbacked = 19,
	.pg_slab = 9, .pg_hwpoison = 23, .pg_reserved = 12, .pg_head = 16,
	.pg_active = 5,
	.pt_buddy = ~0x80U, .pt_offline = ~0x100U, .pt_table = ~0x200U,
	.pt_guard = ~0x400U,
	.pt_bogus = ~0x800U,
};

static const struct rel r612 = {
	.name = "6.12",
	.vmcoreinfo = vi612,
	.off_flags = 0, .off_chead = 8, .off_mapping = 24, .off_private = 40,
	.off_mapcount = 48, .off_refcount = 52,
	.off_order1 = 0, .off_dtor1 = -1,
	.pg_lru = 5, .pg_private = 14, .pg_swapcache = 10, .pg_swapbacked = 17,
	.pg_slab = -1, .pg_hwpoison = 20, .pg_reserved = 13, .pg_head = 6,
	.pg_active = 8,
	.pt_buddy = 0xf0000000U, .pt_offline = 0xf1000000U,
	.pt_table = 0xf2000000U, .pt_guard = 0xf3000000U,
	.pt_hugetlb = 0xf4000000U, .pt_slab = 0xf5000000U,
	.pt_zsmalloc = 0xf6000000U, .pt_unaccepted = 0xf7000000U,
	.pt_bogus = 0xf8000000U,
	.vmemmap_exported = true,
};

/* ------------------------------------------------------------------ */
/* Synthetic struct page arrays                                         */

struct env {
	const struct rel *r;
	struct vmcf_layout l;
	u64 start;
	u64 nr;
	u8 *pg;		/* nr * SPS bytes, malloc'ed to the byte for ASan */
	u8 *exp;
	u8 *got;
};

static void put(struct env *e, u64 i, unsigned int off, u64 v, size_t w)
{
	memcpy(e->pg + i * SPS + off, &v, w);
}

static u64 get(const struct env *e, u64 i, unsigned int off, size_t w)
{
	u64 v = 0;

	memcpy(&v, e->pg + i * SPS + off, w);
	return v;
}

static void set_flag(struct env *e, u64 i, unsigned int bit)
{
	put(e, i, e->r->off_flags,
	    get(e, i, e->r->off_flags, 8) | (1ULL << bit), 8);
}

static void set_type(struct env *e, u64 i, u32 v)
{
	put(e, i, e->r->off_mapcount, v, 4);
}

static void set_ref(struct env *e, u64 i, u32 v)
{
	put(e, i, e->r->off_refcount, v, 4);
}

static u64 addr_of(u64 pfn)
{
	return VMEMMAP + pfn * SPS;
}

/* Every page starts as an allocated kernel page: refcount 1, no type. */
static bool env_init(struct env *e, const struct rel *r, u64 start, u64 nr)
{
	char err[128];
	u64 i;

	memset(e, 0, sizeof(*e));
	e->r = r;
	e->start = start;
	e->nr = nr;
	if (vmcf_layout_parse(&e->l, r->vmcoreinfo, strlen(r->vmcoreinfo),
			      err, sizeof(err))) {
		report(false, "%s: layout parses (%s)", r->name, err);
		return false;
	}
	e->pg = malloc(nr * SPS);
	e->exp = malloc(nr);
	e->got = malloc(nr);
	if (!e->pg || !e->exp || !e->got)
		abort();
	memset(e->pg, 0, nr * SPS);
	for (i = 0; i < nr; i++) {
		put(e, i, r->off_flags, ZONE_BITS, 8);
		put(e, i, 8, LRU_PTR, 8);
		put(e, i, 16, LRU_PTR + 0x40, 8);
		set_type(e, i, 0xffffffffU);	/* _mapcount -1 */
		set_ref(e, i, 1);
		e->exp[i] = VMCF_KERNEL;
	}
	return true;
}

static void env_free(struct env *e)
{
	free(e->pg);
	free(e->exp);
	free(e->got);
}

/* A free buddy block of 1 << order pages at index i. */
static void mk_free(struct env *e, u64 i, unsigned int order)
{
	u64 j;

	set_type(e, i, e->r->pt_buddy);
	put(e, i, e->r->off_private, order, 8);
	for (j = 0; j < (1ULL << order) && i + j < e->nr; j++) {
		set_ref(e, i + j, 0);
		e->exp[i + j] = VMCF_FREE;
	}
}

/* A compound page of 1 << order pages at index i, all expected as cls. */
static void mk_compound(struct env *e, u64 i, unsigned int order, u8 cls)
{
	u64 j, head = addr_of(e->start + i);

	set_flag(e, i, e->r->pg_head);
	e->exp[i] = cls;
	for (j = 1; j < (1ULL << order) && i + j < e->nr; j++) {
		put(e, i + j, e->r->off_chead, head | 1, 8);
		set_ref(e, i + j, 0);
		e->exp[i + j] = cls;
	}
	if (i + 1 < e->nr)
		put(e, i + 1, e->r->off_order1, order, 1);
}

static void mk_hugetlb(struct env *e, u64 i, unsigned int order)
{
	mk_compound(e, i, order, VMCF_HUGETLB);
	if (e->r->off_dtor1 >= 0)
		put(e, i + 1, e->r->off_dtor1, e->r->hugetlb_dtor, 1);
	else
		set_type(e, i, e->r->pt_hugetlb);
	put(e, i, e->r->off_mapping, FILE_MAPPING, 8);
}

static void mk_slab(struct env *e, u64 i, unsigned int order)
{
	if (order)
		mk_compound(e, i, order, VMCF_SLAB);
	e->exp[i] = VMCF_SLAB;
	if (e->r->pg_slab >= 0)
		set_flag(e, i, e->r->pg_slab);
	else
		set_type(e, i, e->r->pt_slab);
	put(e, i, e->r->off_mapping, FILE_MAPPING, 8);	/* slab_cache */
}

static void mk_anon(struct env *e, u64 i)
{
	put(e, i, e->r->off_mapping, ANON_MAPPING, 8);
	set_flag(e, i, e->r->pg_lru);
	set_flag(e, i, e->r->pg_swapbacked);
	set_type(e, i, 0);	/* mapped once */
}

static void mk_file(struct env *e, u64 i)
{
	put(e, i, e->r->off_mapping, FILE_MAPPING, 8);
	set_flag(e, i, e->r->pg_lru);
}

struct reader {
	const struct env *src;
	unsigned int calls;
	bool fail;
};

static int read_page(void *ctx, u64 pfn, void *buf)
{
	struct reader *rd = ctx;

	rd->calls++;
	if (rd->fail || pfn < rd->src->start ||
	    pfn - rd->src->start >= rd->src->nr)
		return -1;
	memcpy(buf, rd->src->pg + (pfn - rd->src->start) * SPS, SPS);
	return 0;
}

/*
 * The hot loops (vmcf_layout.fast) must give what the general decisions
 * give: classify again with each other setting and compare with @got and
 * @counts.  Returns true if all agree.
 */
static bool same_on_every_path(const struct env *e,
			       const struct vmcf_head_reader *rd,
			       const u8 *got, const struct vmcf_counts *counts)
{
	struct vmcf_counts c2;
	struct vmcf_layout l;
	bool same = true;
	u8 *got2;
	int fast;
	u64 i;

	got2 = malloc(e->nr);
	if (!got2)
		abort();
	for (fast = VMCF_FAST_NONE; fast <= VMCF_FAST_X86_64; fast++) {
		/* Constant offsets only where the layout has them. */
		if (fast == VMCF_FAST_X86_64 && e->l.fast != fast)
			continue;
		l = e->l;
		l.fast = (u8)fast;
		memset(&c2, 0, sizeof(c2));
		memset(got2, 0xee, e->nr);
		if (vmcf_classify_range(&l, e->pg, e->start, e->nr, got2, &c2,
					rd)) {
			printf("# fast %d: vmcf_classify_range failed\n", fast);
			same = false;
			continue;
		}
		for (i = 0; i < e->nr && got2[i] == got[i]; i++)
			;
		if (i < e->nr)
			printf("# fast %d: pfn index %llu is %s, fast %u says %s\n",
			       fast, (unsigned long long)i,
			       vmcf_class_name(got2[i]), e->l.fast,
			       vmcf_class_name(got[i]));
		if (i < e->nr || memcmp(&c2, counts, sizeof(c2)))
			same = false;
	}
	free(got2);
	return same;
}

/* Classify e and compare with e->exp; the counts must agree with it too. */
static bool run(struct env *e, const struct vmcf_head_reader *rd,
		const char *what)
{
	struct vmcf_counts counts, hist;
	u64 i, bad = e->nr;
	int ret, c;
	bool good;

	memset(&counts, 0, sizeof(counts));
	memset(&hist, 0, sizeof(hist));
	memset(e->got, 0xee, e->nr);
	ret = vmcf_classify_range(&e->l, e->pg, e->start, e->nr, e->got,
				  &counts, rd);
	for (i = 0; i < e->nr; i++) {
		if (e->got[i] < VMCF_NR_CLASSES)
			hist.pages[e->got[i]]++;
		if (bad == e->nr && e->got[i] != e->exp[i])
			bad = i;
	}
	good = !ret && bad == e->nr &&
	       !memcmp(&hist, &counts, sizeof(hist)) &&
	       same_on_every_path(e, rd, e->got, &counts);
	report(good, "%s: %s", e->r->name, what);
	if (ret)
		printf("# vmcf_classify_range returned %d\n", ret);
	if (bad < e->nr)
		printf("# pfn index %llu: got %s, want %s\n",
		       (unsigned long long)bad, vmcf_class_name(e->got[bad]),
		       vmcf_class_name(e->exp[bad]));
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		if (hist.pages[c] != counts.pages[c])
			printf("# count %s: %llu, classes say %llu\n",
			       vmcf_class_name(c),
			       (unsigned long long)counts.pages[c],
			       (unsigned long long)hist.pages[c]);
	return good;
}

/* ------------------------------------------------------------------ */
/* Classification tests, run for each release                           */

static void t_order0(const struct rel *r)
{
	struct env e;
	u64 i = 0;

	if (!env_init(&e, r, START, 64))
		return;
	i++;					/* 0: plain kernel page */
	set_ref(&e, i++, 0);			/* 1: pcp page, kept */
	mk_file(&e, i);				/* 2: page cache */
	e.exp[i++] = VMCF_CACHE;
	mk_file(&e, i);				/* 3: with buffer heads */
	set_flag(&e, i, r->pg_private);
	e.exp[i++] = VMCF_CACHE_PRIVATE;
	set_flag(&e, i++, r->pg_lru);		/* 4: LRU, no mapping */
	put(&e, i, r->off_mapping, FILE_MAPPING | 2, 8);
	set_flag(&e, i++, r->pg_lru);		/* 5: movable, not cache */
	put(&e, i++, r->off_mapping, FILE_MAPPING | 2, 8); /* 6: movable */
	mk_anon(&e, i);				/* 7: anon */
	e.exp[i++] = VMCF_USER;
	put(&e, i, r->off_mapping, FILE_MAPPING | 3, 8);	/* 8: KSM */
	set_flag(&e, i, r->pg_lru);
	e.exp[i++] = VMCF_USER;
	set_flag(&e, i, r->pg_swapbacked);	/* 9: swap cache */
	set_flag(&e, i, r->pg_swapcache);
	e.exp[i++] = VMCF_USER;
	mk_file(&e, i);				/* 10: PG_checked, not swap */
	set_flag(&e, i, r->pg_swapcache);
	e.exp[i++] = VMCF_CACHE;
	mk_slab(&e, i++, 0);			/* 11 */
	set_type(&e, i, r->pt_table);		/* 12 */
	e.exp[i++] = VMCF_PGTABLE;
	set_type(&e, i, r->pt_offline);		/* 13 */
	e.exp[i++] = VMCF_OFFLINE;
	mk_file(&e, i);				/* 14: poisoned cache */
	set_flag(&e, i, r->pg_hwpoison);
	e.exp[i++] = VMCF_HWPOISON;
	set_flag(&e, i, r->pg_reserved);	/* 15 */
	e.exp[i++] = VMCF_RESERVED;
	set_type(&e, i, r->pt_guard);		/* 16: guard, kept */
	set_ref(&e, i++, 0);
	set_type(&e, i, r->pt_bogus);		/* 17: no such type */
	e.exp[i++] = VMCF_CORRUPT;
	mk_free(&e, i++, 0);			/* 18 */
	mk_anon(&e, i);				/* 19: mapped 3 times */
	set_type(&e, i, 2);
	e.exp[i++] = VMCF_USER;
	mk_anon(&e, i);				/* 20: slab wins over anon */
	mk_slab(&e, i++, 0);
	set_flag(&e, i, r->pg_reserved);	/* 21: reserved, never user */
	put(&e, i, r->off_mapping, FILE_MAPPING, 8);
	set_flag(&e, i, r->pg_lru);
	e.exp[i++] = VMCF_RESERVED;
	put(&e, i++, r->off_mapping, FILE_MAPPING, 8); /* 22: off LRU */
	if (r->pt_zsmalloc) {			/* 23: data in low bits */
		set_type(&e, i, r->pt_zsmalloc | 0x1234);
		i++;
	}
	run(&e, NULL, "order-0 pages: every class");
	env_free(&e);
}

static void t_buddy(const struct rel *r)
{
	struct env e;
	unsigned int k;

	if (!env_init(&e, r, START, 2048))
		return;
	mk_free(&e, 0, 0);
	mk_free(&e, 1, 0);
	for (k = 1; k <= 10; k++)
		mk_free(&e, 1ULL << k, k);	/* orders 1..10 */
	run(&e, NULL, "buddy blocks of orders 0 to 10");
	env_free(&e);

	if (!env_init(&e, r, START, 2048))
		return;
	mk_free(&e, 0, 11);
	memset(e.exp, VMCF_KERNEL, 2048);
	e.exp[0] = VMCF_CORRUPT;
	run(&e, NULL, "buddy order 11 (past MAX_ORDER - 1) is corrupt");
	env_free(&e);

	if (!env_init(&e, r, START, 6))
		return;
	mk_free(&e, 0, 3);
	run(&e, NULL, "buddy block longer than the range is clipped");
	env_free(&e);
}

static void t_buddy_corrupt(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct env e;

	if (!env_init(&e, r, START, 64))
		return;
	mk_free(&e, 0, 4);			/* MAX_ORDER - 1 is 10 */
	put(&e, 0, r->off_private, 11, 8);
	memset(e.exp, VMCF_KERNEL, 16);
	e.exp[0] = VMCF_CORRUPT;
	mk_free(&e, 16, 0);
	put(&e, 16, r->off_private, 0xffffffff00000000ULL, 8);
	e.exp[16] = VMCF_CORRUPT;
	mk_free(&e, 20, 3);			/* misaligned order 3 */
	memset(e.exp + 20, VMCF_KERNEL, 8);
	e.exp[20] = VMCF_CORRUPT;
	mk_free(&e, 32, 3);			/* referenced page inside */
	memset(e.exp + 32, VMCF_KERNEL, 8);
	set_ref(&e, 35, 1);
	e.exp[32] = VMCF_CORRUPT;
	mk_free(&e, 56, 3);			/* referenced head */
	memset(e.exp + 56, VMCF_KERNEL, 8);
	set_ref(&e, 56, 1);
	e.exp[56] = VMCF_CORRUPT;
	mk_free(&e, 40, 3);			/* typed page inside */
	memset(e.exp + 40, VMCF_KERNEL, 8);
	set_type(&e, 43, r->pt_offline);
	e.exp[40] = VMCF_CORRUPT;
	e.exp[43] = VMCF_OFFLINE;
	mk_free(&e, 48, 2);			/* buddy with PG_head */
	memset(e.exp + 48, VMCF_KERNEL, 4);
	set_flag(&e, 48, r->pg_head);
	put(&e, 49, r->off_chead, addr_of(START + 48) | 1, 8);
	put(&e, 49, r->off_order1, 2, 1);
	e.exp[48] = VMCF_CORRUPT;
	e.exp[49] = VMCF_CORRUPT;
	run(&e, &hr, "impossible buddy order, misaligned or busy block is corrupt");
	env_free(&e);
}

static void t_compound(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct env e;
	u64 i;

	if (!env_init(&e, r, START, 1024))
		return;
	mk_compound(&e, 512, 9, VMCF_USER);	/* anon THP */
	mk_anon(&e, 512);
	mk_compound(&e, 4, 2, VMCF_CACHE_PRIVATE);	/* file folio */
	mk_file(&e, 4);
	set_flag(&e, 4, r->pg_private);
	mk_slab(&e, 8, 3);
	mk_hugetlb(&e, 0, 1);	/* order 1: the smallest compound */
	e.exp[0] = VMCF_HUGETLB;
	mk_compound(&e, 16, 4, VMCF_KERNEL);	/* __GFP_COMP kernel */
	mk_compound(&e, 32, 5, VMCF_USER);	/* anon THP, one poisoned */
	mk_anon(&e, 32);
	set_flag(&e, 40, r->pg_hwpoison);
	e.exp[40] = VMCF_HWPOISON;
	/* 6.12 puts folio flags in page[1]: they must not confuse it */
	set_flag(&e, 33, r->pg_active);
	run(&e, &hr, "compound pages take their head's class");

	if (e.l.vmemmap_base) {
		run(&e, NULL, "compound pages use SYMBOL(vmemmap) without a reader");
	} else {
		for (i = 0; i < 1024; i++)
			if (get(&e, i, r->off_chead, 8) & 1 ||
			    get(&e, i, r->off_flags, 8) & (1ULL << r->pg_head))
				e.exp[i] = VMCF_CORRUPT;
		e.exp[40] = VMCF_HWPOISON;	/* decided before the head */
		run(&e, NULL, "compound pages without a vmemmap base are corrupt");
	}
	env_free(&e);
}

static void t_hugetlb_hvo(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct env e;
	u64 k;

	if (!env_init(&e, r, START, 1024))
		return;
	mk_hugetlb(&e, 512, 9);
	/* HVO: vmemmap pages 1..7 of the huge page map onto page 0 */
	for (k = 1; k < 8; k++)
		memcpy(e.pg + (512 + 64 * k) * SPS, e.pg + 512 * SPS, 64 * SPS);
	run(&e, &hr, "hugetlb with vmemmap optimisation (fake heads)");
	env_free(&e);
}

/* Tails at the start of a range whose head is in the previous range. */
static void t_remote_head(const struct rel *r)
{
	struct vmcf_head_reader hr;
	struct reader rd;
	struct env whole, e;

	if (!env_init(&whole, r, START, 1024) ||
	    !env_init(&e, r, START + 256, 256))
		return;
	mk_compound(&whole, 0, 9, VMCF_USER);
	mk_anon(&whole, 0);
	memcpy(e.pg, whole.pg + 256 * SPS, 256 * SPS);
	memset(e.exp, VMCF_USER, 256);

	rd.src = &whole;
	rd.calls = 0;
	rd.fail = false;
	hr.read_page = read_page;
	hr.ctx = &rd;
	hr.vmemmap_base = VMEMMAP;
	run(&e, &hr, "tails of a head outside the range, through the reader");
	/* run() classifies once per path: count one classification alone. */
	rd.calls = 0;
	vmcf_classify_range(&e.l, e.pg, e.start, e.nr, e.got, NULL, &hr);
	report(rd.calls == 2, "%s: the remote head is read once (%u reads)",
	       r->name, rd.calls);

	rd.fail = true;
	memset(e.exp, VMCF_CORRUPT, 256);
	run(&e, &hr, "tails are corrupt when the reader fails");
	run(&e, NULL, "tails are corrupt without a reader");

	rd.fail = false;
	hr.vmemmap_base = VMEMMAP + 8;
	run(&e, &hr, "tails are corrupt when the vmemmap base is off by 8");
	hr.vmemmap_base = VMEMMAP + 1;
	run(&e, &hr, "tails are corrupt when the vmemmap base is odd");
	memset(whole.exp, VMCF_CORRUPT, 512);
	run(&whole, &hr, "a whole THP is corrupt when the vmemmap base is odd");
	env_free(&whole);
	env_free(&e);
}

static void t_tail_corrupt(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct reader rd = { 0 };
	struct env e;

	if (!env_init(&e, r, START, 64))
		return;
	mk_compound(&e, 16, 3, VMCF_KERNEL);
	/* misaligned pointer */
	put(&e, 20, r->off_chead, (addr_of(START + 16) + 8) | 1, 8);
	e.exp[20] = VMCF_CORRUPT;
	/* below the vmemmap base */
	put(&e, 21, r->off_chead, (VMEMMAP - SPS) | 1, 8);
	e.exp[21] = VMCF_CORRUPT;
	/* head after the tail */
	put(&e, 22, r->off_chead, addr_of(START + 64) | 1, 8);
	e.exp[22] = VMCF_CORRUPT;
	/* head too far back for any compound page */
	put(&e, 23, r->off_chead, addr_of(START - (1ULL << 18)) | 1, 8);
	e.exp[23] = VMCF_CORRUPT;
	/* tail beyond its head's order (head 16 is order 3) */
	put(&e, 24, r->off_chead, addr_of(START + 16) | 1, 8);
	e.exp[24] = VMCF_CORRUPT;
	/* tail with PG_head */
	put(&e, 25, r->off_chead, addr_of(START + 16) | 1, 8);
	set_flag(&e, 25, r->pg_head);
	e.exp[25] = VMCF_CORRUPT;
	/* tail whose "head" has no PG_head */
	put(&e, 27, r->off_chead, addr_of(START + 26) | 1, 8);
	e.exp[27] = VMCF_CORRUPT;
	/* garbage pointer */
	put(&e, 28, r->off_chead, 0xdeadbeefdeadbeefULL, 8);
	e.exp[28] = VMCF_CORRUPT;
	rd.src = &e;
	hr.read_page = read_page;
	hr.ctx = &rd;
	run(&e, &hr, "bogus compound_head pointers are corrupt");
	report(!rd.calls, "%s: bogus pointers are not followed (%u reads)",
	       r->name, rd.calls);
	env_free(&e);
}

static void t_head_corrupt(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct env e;

	if (!env_init(&e, r, START, 128))
		return;
	mk_compound(&e, 0, 2, VMCF_CORRUPT);	/* order 0 in page[1] */
	put(&e, 1, r->off_order1, 0, 1);
	mk_compound(&e, 8, 3, VMCF_CORRUPT);	/* order 19 > 18 */
	put(&e, 9, r->off_order1, 19, 1);
	mk_compound(&e, 18, 2, VMCF_CORRUPT);	/* misaligned order 2 */
	set_flag(&e, 24, r->pg_head);		/* page[1] not a tail */
	e.exp[24] = VMCF_CORRUPT;
	set_flag(&e, 127, r->pg_head);		/* page[1] out of range */
	e.exp[127] = VMCF_CORRUPT;
	mk_compound(&e, 32, 4, VMCF_USER);
	mk_anon(&e, 32);
	put(&e, 40, r->off_chead, LRU_PTR, 8);	/* not page-aligned: */
	set_flag(&e, 40, r->pg_head);		/* no fake head */
	e.exp[40] = VMCF_CORRUPT;
	mk_compound(&e, 72, 3, VMCF_CORRUPT);	/* page[1] names another */
	put(&e, 73, r->off_chead, addr_of(START + 32) | 1, 8);
	run(&e, &hr, "impossible compound heads are corrupt, with their tails");
	env_free(&e);
}

static void t_garbage(const struct rel *r)
{
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct vmcf_counts counts;
	u64 x = 0x9e3779b97f4a7c15ULL, i, sum = 0;
	struct env e;
	bool valid = true;
	int c, ret;

	if (!env_init(&e, r, START, 4096))
		return;
	for (i = 0; i < 4096 * SPS / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(e.pg + i * 8, &x, 8);
	}
	memset(&counts, 0, sizeof(counts));
	ret = vmcf_classify_range(&e.l, e.pg, e.start, e.nr, e.got, &counts,
				  &hr);
	for (i = 0; i < e.nr; i++)
		valid &= e.got[i] < VMCF_NR_CLASSES;
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		sum += counts.pages[c];
	report(!ret && valid && sum == e.nr &&
	       same_on_every_path(&e, &hr, e.got, &counts),
	       "%s: random struct pages give valid classes and counts",
	       r->name);

	memset(e.pg, 0xff, e.nr * SPS);		/* poisoned memmap */
	memset(e.exp, VMCF_CORRUPT, e.nr);
	run(&e, &hr, "all-ones struct pages are corrupt");
	env_free(&e);
}

static void t_unaccepted(const struct rel *r)
{
	struct env e;

	if (!r->pt_unaccepted || !env_init(&e, r, START, 2048))
		return;
	mk_free(&e, 0, 10);			/* then turn it unaccepted */
	put(&e, 0, r->off_private, 0, 8);
	set_type(&e, 0, r->pt_unaccepted);
	memset(e.exp, VMCF_UNACCEPTED, 1024);
	mk_free(&e, 1536, 9);
	put(&e, 1536, r->off_private, 0, 8);	/* misaligned for order 10 */
	set_type(&e, 1536, r->pt_unaccepted);
	memset(e.exp + 1536, VMCF_KERNEL, 512);
	e.exp[1536] = VMCF_CORRUPT;
	run(&e, NULL, "unaccepted MAX_PAGE_ORDER blocks");
	env_free(&e);
}

static void t_bad_args(const struct rel *r)
{
	struct vmcf_layout zero;
	struct env e;
	u8 out[4];

	if (!env_init(&e, r, START, 4))
		return;
	memset(&zero, 0, sizeof(zero));
	report(vmcf_classify_range(NULL, e.pg, 0, 4, out, NULL, NULL) ==
	       -EINVAL &&
	       vmcf_classify_range(&zero, e.pg, 0, 4, out, NULL, NULL) ==
	       -EINVAL &&
	       vmcf_classify_range(&e.l, NULL, 0, 4, out, NULL, NULL) ==
	       -EINVAL &&
	       vmcf_classify_range(&e.l, e.pg, 0, 4, NULL, NULL, NULL) ==
	       -EINVAL &&
	       vmcf_classify_range(&e.l, e.pg, ~0ULL - 1, 4, out, NULL,
				   NULL) == -EINVAL &&
	       vmcf_classify_range(&e.l, e.pg, 0, ~0ULL / 8, out, NULL,
				   NULL) == -EINVAL &&
	       vmcf_classify_range(&e.l, NULL, 0, 0, NULL, NULL, NULL) == 0,
	       "%s: bad arguments are refused", r->name);
	env_free(&e);
}

/* ------------------------------------------------------------------ */
/* VMCOREINFO parsing                                                   */

/* text of r without lines starting with @drop, plus @extra at the end */
static char *vi_edit(const char *vi, const char *drop, const char *extra)
{
	size_t n = strlen(vi) + (extra ? strlen(extra) : 0) + 1;
	char *out = malloc(n), *o = out;
	const char *p = vi, *nl;

	if (!out)
		abort();
	while (*p) {
		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		if (!drop || strncmp(p, drop, strlen(drop))) {
			memcpy(o, p, nl - p);
			o += nl - p;
		}
		p = nl;
	}
	if (extra) {
		strcpy(o, extra);
		o += strlen(extra);
	}
	*o = '\0';
	return out;
}

/* Parse from an exact-size heap copy so ASan sees any overread. */
static int parse(struct vmcf_layout *l, const char *vi, size_t len,
		 char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, vi, len);
	ret = vmcf_layout_parse(l, copy, len, err, errlen);
	free(copy);
	return ret;
}

static void expect_error(const struct rel *r, const char *drop,
			 const char *extra, const char *want, const char *what)
{
	char *vi = vi_edit(r->vmcoreinfo, drop, extra);
	struct vmcf_layout l;
	char err[160];
	int ret;

	ret = parse(&l, vi, strlen(vi), err, sizeof(err));
	report(ret == -EINVAL && !strcmp(err, want) && !l.struct_page_size,
	       "%s: %s", r->name, what);
	if (ret != -EINVAL || strcmp(err, want))
		printf("# got %d \"%s\", want \"%s\"\n", ret, err, want);
	free(vi);
}

static void t_parse_ok(const struct rel *r)
{
	struct vmcf_layout l;
	char err[160];
	u64 v = 0;
	int ret;

	ret = parse(&l, r->vmcoreinfo, strlen(r->vmcoreinfo), err,
		    sizeof(err));
	report(!ret && !l.flags && !l.warnings[0] && l.struct_page_size == SPS &&
	       l.pagesize == 4096 && l.buddy_max_order == 10 &&
	       !strncmp(l.release, r->name, strlen(r->name)) &&
	       !strncmp(l.table, r->name, strlen(r->name)),
	       "%s: real VMCOREINFO parses with the %s table, no warning",
	       r->name, r->name);
	if (ret || l.warnings[0])
		printf("# %s%s\n", err, l.warnings);
	report(l.offs.flags == r->off_flags && l.offs.mapping == r->off_mapping &&
	       l.offs.chead == r->off_chead &&
	       l.off_private == r->off_private &&
	       l.offs.mapcount == r->off_mapcount &&
	       l.offs.refcount == r->off_refcount &&
	       l.off_order1 == r->off_order1 && l.off_dtor1 == r->off_dtor1 &&
	       l.head_mask == 1ULL << r->pg_head &&
	       l.reserved_mask == 1ULL << r->pg_reserved &&
	       l.hwpoison_mask == 1ULL << r->pg_hwpoison,
	       "%s: offsets and flag bits as in the sources", r->name);
	report(vmcf_vi_get(&l, VMCF_VI_KERNELOFFSET, &v) &&
	       v == (r == &r612 ? 0x1a000000 : 0x1e000000) &&
	       vmcf_vi_get(&l, VMCF_VI_SECTION_SIZE_BITS, &v) && v == 27 &&
	       vmcf_vi_get(&l, VMCF_VI_PGTABLE_L5, &v) && v == (r == &r612) &&
	       vmcf_vi_get(&l, VMCF_VI_PHYS_BASE, &v) &&
	       v == (r == &r612 ? (u64)-1509949440LL : 1073741824ULL) &&
	       vmcf_vi_get(&l, VMCF_VI_SYM_INIT_TOP_PGT, &v) &&
	       vmcf_vi_get(&l, VMCF_VI_SYM_MEM_SECTION, &v) &&
	       vmcf_vi_get(&l, VMCF_VI_LEN_MEM_SECTION, &v) && v == 2048 &&
	       !vmcf_vi_get(&l, VMCF_VI_SYM_PHYS_BASE, &v) &&
	       !vmcf_vi_get(&l, (enum vmcf_vi)VMCF_VI_NR, &v),
	       "%s: memmap walker entries are parsed", r->name);
	report(r->vmemmap_exported ?
	       l.vmemmap_base == VMEMMAP &&
	       vmcf_vi_get(&l, VMCF_VI_VMALLOC_START, &v) &&
	       v == 0xffffc90000000000ULL :
	       !l.vmemmap_base && !vmcf_vi_get(&l, VMCF_VI_SYM_VMEMMAP, &v),
	       "%s: vmemmap base %s", r->name,
	       r->vmemmap_exported ? "from SYMBOL(vmemmap)" : "not exported");
}

static void t_parse_missing(const struct rel *r)
{
	static const char *const required[] = {
		"PAGESIZE", "SIZE(page)", "OFFSET(page.flags)",
		"OFFSET(page._refcount)", "OFFSET(page.mapping)",
		"OFFSET(page._mapcount)", "OFFSET(page.private)",
		"OFFSET(page.compound_head)", "NUMBER(PG_lru)",
		"NUMBER(PG_private)", "NUMBER(PG_swapcache)",
		"NUMBER(PG_swapbacked)", "NUMBER(PG_head_mask)",
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "OSRELEASE",
	};
	char drop[64], want[96], what[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		snprintf(drop, sizeof(drop), "%s=", required[i]);
		snprintf(want, sizeof(want), "VMCOREINFO lacks %s",
			 required[i]);
		snprintf(what, sizeof(what), "missing %s is named",
			 required[i]);
		expect_error(r, drop, NULL, want, what);
	}
	expect_error(r, r->pg_slab >= 0 ? "NUMBER(PG_slab)=" :
		     "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=", NULL,
		     "VMCOREINFO lacks NUMBER(PG_slab) or NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)",
		     "missing slab entry is named");
}

static void t_parse_bad(const struct rel *r)
{
	expect_error(r, NULL, "OFFSET(page.flags)=abc\n",
		     "VMCOREINFO has a malformed OFFSET(page.flags)",
		     "malformed value is named");
	expect_error(r, NULL, "OSRELEASE=6.1.999\n",
		     "VMCOREINFO has conflicting OSRELEASE",
		     "a second, different OSRELEASE is refused");
	expect_error(r, NULL, "OFFSET(page.flags)=8\n",
		     "VMCOREINFO has conflicting OFFSET(page.flags)",
		     "conflicting duplicate is named");
	expect_error(r, "SIZE(page)=", "SIZE(page)=99999999999999999999999\n",
		     "VMCOREINFO has a malformed SIZE(page)",
		     "overflowing number is refused");
	expect_error(r, "SIZE(page)=", "SIZE(page)=4096\n",
		     "VMCOREINFO has an unusable SIZE(page)",
		     "huge SIZE(page) is refused");
	expect_error(r, "OFFSET(page._refcount)=", "OFFSET(page._refcount)=62\n",
		     "VMCOREINFO has an unusable OFFSET(page._refcount)",
		     "offset past SIZE(page) is refused");
	expect_error(r, "NUMBER(PG_lru)=", "NUMBER(PG_lru)=64\n",
		     "VMCOREINFO has an unusable NUMBER(PG_lru)",
		     "flag bit past 63 is refused");
	expect_error(r, "NUMBER(PG_head_mask)=", "NUMBER(PG_head_mask)=3\n",
		     "VMCOREINFO has an unusable NUMBER(PG_head_mask)",
		     "PG_head_mask of two bits is refused");
	expect_error(r, "PAGESIZE=", "PAGESIZE=12288\n",
		     "VMCOREINFO has an unusable PAGESIZE",
		     "PAGESIZE that is no power of two is refused");
	expect_error(r, "SIZE(list_head)=", "SIZE(list_head)=8\n",
		     "VMCOREINFO has an unusable SIZE(list_head): not a 64-bit kernel",
		     "32-bit kernel is refused");
	expect_error(r, "LENGTH(zone.free_area)=", "LENGTH(zone.free_area)=64\n",
		     "VMCOREINFO has an unusable LENGTH(zone.free_area)",
		     "absurd MAX_ORDER is refused");
	expect_error(r, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=",
		     r == &r612 ? "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n" :
		     "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n",
		     "VMCOREINFO has an unusable NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
		     "buddy value of the other page-type encoding is refused");
	expect_error(r, "NUMBER(PG_lru)=", "NUMBER(PG_lru)=-99999999999999999999\n",
		     "VMCOREINFO has a malformed NUMBER(PG_lru)",
		     "overflowing negative number is refused");
	if (r->off_dtor1 >= 0) {
		expect_error(r, "OFFSET(page.compound_order)=",
			     "OFFSET(page.compound_order)=64\n",
			     "VMCOREINFO has an unusable OFFSET(page.compound_order)",
			     "compound_order past SIZE(page) is refused");
		expect_error(r, "OFFSET(page.compound_dtor)=",
			     "OFFSET(page.compound_dtor)=64\n",
			     "VMCOREINFO has an unusable OFFSET(page.compound_dtor)",
			     "compound_dtor past SIZE(page) is refused");
		expect_error(r, "NUMBER(HUGETLB_PAGE_DTOR)=",
			     "NUMBER(HUGETLB_PAGE_DTOR)=256\n",
			     "VMCOREINFO has an unusable NUMBER(HUGETLB_PAGE_DTOR)",
			     "compound_dtor value past a byte is refused");
	}
	expect_error(r, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=",
		     "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=5\n",
		     "VMCOREINFO has an unusable NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)",
		     "offline value that is no page type is refused");
}

static void t_parse_robust(const struct rel *r)
{
	const char *vi = r->vmcoreinfo;
	size_t len = strlen(vi), n, bad = 0;
	struct vmcf_layout l;
	char err[160], *junk;
	int ret;

	/* Every truncation: parses, or names what it lacks; never overreads */
	for (n = 0; n <= len; n++) {
		ret = parse(&l, vi, n, err, sizeof(err));
		if (ret ? strncmp(err, "VMCOREINFO ", 11) != 0 :
			  l.struct_page_size != SPS)
			bad++;
	}
	report(!bad, "%s: every truncation of VMCOREINFO is handled", r->name);

	err[0] = 'Z';
	ret = parse(&l, vi, 10, err, 0);
	report(ret == -EINVAL && err[0] == 'Z',
	       "%s: a zero-length error buffer is not written", r->name);
	report(vmcf_layout_parse(&l, NULL, 100, err, sizeof(err)) == -EINVAL &&
	       !strcmp(err, "VMCOREINFO lacks OSRELEASE") &&
	       vmcf_layout_parse(NULL, vi, len, err, sizeof(err)) == -EINVAL,
	       "%s: NULL text or layout is refused", r->name);

	junk = vi_edit("garbage without equals\n\x01\x02\x7f=\n=\n==x\n"
		       "SYMBOL(=1\nOFFSET(page.flags\n\n\n", NULL, vi);
	ret = parse(&l, junk, strlen(junk), err, sizeof(err));
	report(!ret && l.struct_page_size == SPS,
	       "%s: junk lines and lines without '=' are ignored", r->name);
	free(junk);

	/* A NUL in the note ends a line; text after it still counts. */
	junk = vi_edit(vi, NULL, NULL);
	junk[strstr(junk, "PAGESIZE") - junk - 1] = '\0';
	ret = parse(&l, junk, len, err, sizeof(err));
	report(!ret, "%s: NUL bytes act as line ends", r->name);
	free(junk);

	junk = vi_edit(vi, NULL, "OFFSET(page.flags)=0\nSYMBOL(x)=zz\n");
	ret = parse(&l, junk, strlen(junk), err, sizeof(err));
	report(!ret, "%s: same-value duplicates and unknown keys are fine",
	       r->name);
	free(junk);
}

/* A release without a table: VMCOREINFO alone, and a warning. */
static void t_unknown(const struct rel *r, const char *osrelease)
{
	char line[80];
	char *vi;
	struct vmcf_head_reader hr = { .vmemmap_base = VMEMMAP };
	struct env e;
	struct rel fake = *r;

	snprintf(line, sizeof(line), "OSRELEASE=%s\n", osrelease);
	vi = vi_edit(r->vmcoreinfo, "OSRELEASE=", line);
	fake.vmcoreinfo = vi;
	fake.name = osrelease;
	if (!env_init(&e, &fake, START, 64)) {
		free(vi);
		return;
	}
	report((e.l.flags & VMCF_LAYOUT_UNKNOWN_RELEASE) &&
	       strstr(e.l.warnings, "unknown release") &&
	       strstr(e.l.warnings, osrelease) && !e.l.table[0],
	       "%s as %s: unknown release warns", r->name, osrelease);
	mk_free(&e, 0, 3);
	mk_file(&e, 8);				/* cache, kept */
	mk_anon(&e, 9);				/* user, kept */
	set_type(&e, 10, r->pt_table);		/* page table: kernel */
	set_flag(&e, 11, r->pg_reserved);	/* reserved: kernel */
	set_type(&e, 12, r->pt_offline);
	e.exp[12] = VMCF_OFFLINE;
	set_flag(&e, 13, r->pg_hwpoison);
	e.exp[13] = VMCF_HWPOISON;
	mk_hugetlb(&e, 16, 2);
	set_type(&e, 20, r->pt_bogus);		/* maybe a new type: kept */
	run(&e, &hr, "unknown release excludes only what VMCOREINFO proves");
	env_free(&e);
	free(vi);
}

/* Entries a release table can stand in for, or not. */
static void t_fallbacks(void)
{
	char *vi = vi_edit(vi61, "LENGTH(zone.free_area)=", NULL), *vi2;
	struct vmcf_layout l;
	char err[160];
	int ret;

	ret = parse(&l, vi, strlen(vi), err, sizeof(err));
	report(!ret && l.buddy_max_order == 10,
	       "6.1: MAX_ORDER comes from the table without LENGTH(zone.free_area)");
	free(vi);

	vi = vi_edit(vi612, "LENGTH(zone.free_area)=", NULL);
	vi2 = vi_edit(vi, "OSRELEASE=", "OSRELEASE=7.0.0\n");
	ret = parse(&l, vi2, strlen(vi2), err, sizeof(err));
	free(vi2);
	report(ret == -EINVAL &&
	       !strcmp(err, "VMCOREINFO lacks LENGTH(zone.free_area)"),
	       "unknown release without LENGTH(zone.free_area) is refused");
	free(vi);

	vi = vi_edit(vi612, NULL,
		     "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n"
		     "NUMBER(VMALLOC_START)=0XFFFFC90000000000\n");
	ret = parse(&l, vi, strlen(vi), err, sizeof(err));
	report(!ret && l.nr_types == 8,
	       "6.12: an exported unaccepted type is not listed twice");
	if (ret)
		printf("# %s\n", err);
	free(vi);
}

static void t_reserved_check(void)
{
	char *vi = vi_edit(vi61, "NUMBER(PG_private)=", "NUMBER(PG_private)=20\n");
	struct vmcf_layout l;
	char err[160];
	int ret;

	ret = parse(&l, vi, strlen(vi), err, sizeof(err));
	report(!ret && (l.flags & VMCF_LAYOUT_NO_RESERVED) && !l.reserved_mask &&
	       strstr(l.warnings, "PG_reserved"),
	       "6.1: PG_reserved is dropped when PG_private moved");
	free(vi);

	vi = vi_edit(vi612, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=",
		     "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=4026531840\n");
	ret = parse(&l, vi, strlen(vi), err, sizeof(err));
	report(!ret && l.types[0].value == 0xf0000000U,
	       "6.12: a page type printed unsigned parses the same");
	free(vi);
}

/* ------------------------------------------------------------------ */
/* Classes and dump levels                                              */

static void t_levels(void)
{
	static const char *const names[VMCF_NR_CLASSES] = {
		[VMCF_FREE] = "free", [VMCF_CACHE] = "cache",
		[VMCF_CACHE_PRIVATE] = "cache_private", [VMCF_USER] = "user",
		[VMCF_HUGETLB] = "hugetlb", [VMCF_OFFLINE] = "offline",
		[VMCF_HWPOISON] = "hwpoison", [VMCF_UNACCEPTED] = "unaccepted",
		[VMCF_SLAB] = "slab", [VMCF_PGTABLE] = "pgtable",
		[VMCF_RESERVED] = "reserved", [VMCF_KERNEL] = "kernel",
		[VMCF_CORRUPT] = "corrupt",
	};
	u32 always = 1U << VMCF_OFFLINE | 1U << VMCF_HWPOISON |
		     1U << VMCF_UNACCEPTED;
	int level, c, bad = -1;
	bool names_ok = true;
	u32 want;

	for (level = 0; level < 32; level++) {
		want = always;
		if (level & 2)
			want |= 1U << VMCF_CACHE;
		if (level & 4)
			want |= 1U << VMCF_CACHE | 1U << VMCF_CACHE_PRIVATE;
		if (level & 8)
			want |= 1U << VMCF_USER | 1U << VMCF_HUGETLB;
		if (level & 16)
			want |= 1U << VMCF_FREE;
		if (vmcf_dump_level_to_mask(level) != want && bad < 0)
			bad = level;
	}
	report(bad < 0, "dump levels 0..31 map to the makedumpfile classes");
	report(vmcf_dump_level_to_mask(-1) == always &&
	       vmcf_dump_level_to_mask(32) == always,
	       "out-of-range dump level excludes only the always-excluded");
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		names_ok &= !strcmp(vmcf_class_name(c), names[c]) &&
			    strlen(vmcf_class_desc(c)) > 5;
	report(names_ok && !strcmp(vmcf_class_name(-1), "invalid") &&
	       !strcmp(vmcf_class_name(VMCF_NR_CLASSES), "invalid") &&
	       !strcmp(vmcf_class_desc(VMCF_NR_CLASSES), "invalid"),
	       "class names and descriptions");
}

int main(void)
{
	const struct rel *rels[] = { &r61, &r612 };
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct rel *r = rels[i];

		t_parse_ok(r);
		t_parse_missing(r);
		t_parse_bad(r);
		t_parse_robust(r);
		t_order0(r);
		t_buddy(r);
		t_buddy_corrupt(r);
		t_compound(r);
		t_hugetlb_hvo(r);
		t_remote_head(r);
		t_tail_corrupt(r);
		t_head_corrupt(r);
		t_garbage(r);
		t_unaccepted(r);
		t_bad_args(r);
	}
	t_unknown(&r61, "6.6.30-amd64");
	t_unknown(&r612, "6.15.2");
	t_unknown(&r61, "6.10.5");
	t_fallbacks();
	t_reserved_check();
	t_levels();
	return failures ? 1 : 0;
}
