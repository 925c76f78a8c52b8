// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for module/vmcf_memmap.c on synthetic x86_64 machines, and an
 * end-to-end test of tools/userspace_filter.c on a synthetic ELF vmcore.
 *
 * A "machine" is 96 MiB of fake physical memory, of which [0x1000,
 * 0x9f000) and [0x100000, 0x5000000) are RAM: the reader refuses anything
 * else, as the module's does.  The test builds in it real x86_64 page
 * tables (init_top_pgt at phys_base + 0x1000; a 1 GiB direct-map leaf, 2 MiB
 * kernel-image leaves, 2 MiB and 4 KiB vmemmap leaves), a mem_section array
 * (SPARSEMEM_EXTREME or static) and VMCOREINFO text, then breaks them in
 * the ways a crashed kernel might: absent, offline and disagreeing
 * sections, page tables pointing outside RAM, past MAX_PHYSMEM_BITS, into
 * themselves, random garbage.  Facts (flag bits, layouts) are those of
 * 6.1 and 6.12; see the comment at the top of vmcf_memmap.c.
 *
 * Prints "ok - ..." or "not ok - ..." per check; exits 1 if any failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Both headers define VMCF_NR_CLASSES and struct vmcf_counts. */
#define VMCF_NR_CLASSES vmcf_classify_nr_classes
#define vmcf_counts vmcf_classify_counts
#include "vmcf_classify.h"
#include "vmcf_memmap.h"
#undef VMCF_NR_CLASSES
#undef vmcf_counts
#include "elfcore.h"
#include "userspace_filter.h"

#define MEM_SIZE	(96ULL << 20)
#define PHYS_BASE	0x1000000ULL		/* kernel image at 16 MiB */
#define KMAP		0xffffffff80000000ULL	/* __START_KERNEL_map */
#define TOP_PGT_OFF	0x1000ULL		/* init_top_pgt - _text */
#define PT_POOL		(PHYS_BASE + 0x2000)	/* page-table pages from here */
#define PT_POOL_END	(PHYS_BASE + 0x800000)
#define ROOTS_PA	0x400000ULL		/* mem_section root array */
#define SECARR_PA	0x600000ULL		/* section arrays, 4 KiB each */
#define STATIC_MS_OFF	0x1000000ULL		/* static mem_section: _text + 16M */
#define NOT_RAM_PA	0x5800000ULL		/* in the memory, not RAM */
#define SPP		32768ULL		/* pfns per section */

#define P		0x1ULL
#define RW		0x2ULL
#define PSE		0x80ULL

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
/* Fake physical memory                                                 */

static uint8_t *mem;
static unsigned long nr_reads;

static const struct { uint64_t start, end; } ram[] = {
	{ 0x1000, 0x9f000 },
	{ 0x100000, 0x5000000 },
};

static bool is_ram(uint64_t pa, uint64_t len)
{
	size_t i;

	for (i = 0; i < sizeof(ram) / sizeof(ram[0]); i++)
		if (pa >= ram[i].start && pa <= ram[i].end &&
		    len <= ram[i].end - pa)
			return true;
	return false;
}

static int phys_read(void *rctx, u64 paddr, void *buf, size_t len)
{
	(void)rctx;
	__atomic_add_fetch(&nr_reads, 1, __ATOMIC_RELAXED);
	if (!is_ram(paddr, len))
		return -EFAULT;
	memcpy(buf, mem + paddr, len);
	return 0;
}

static uint8_t pattern(uint64_t va)
{
	return (uint8_t)(va ^ (va >> 8) ^ (va >> 16) ^ (va >> 29) ^ 0x5a);
}

static void fill(uint64_t pa, uint64_t va, uint64_t len)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		mem[pa + i] = pattern(va + i);
}

static void put64(uint64_t pa, uint64_t v)
{
	memcpy(mem + pa, &v, 8);
}

static uint64_t get64(uint64_t pa)
{
	uint64_t v;

	memcpy(&v, mem + pa, 8);
	return v;
}

/* ------------------------------------------------------------------ */
/* Machines                                                             */

struct machine {
	int levels;
	bool extreme;
	unsigned int sps;
	uint64_t sme;		/* encryption bit set in every entry */
	bool export_sme;	/* NUMBER(sme_mask) in VMCOREINFO */
	uint64_t vmemmap;
	uint64_t page_offset;
	unsigned int phys_bits;
	uint64_t nr_roots;
	uint64_t ms_addr;
	uint64_t pt_next;
	struct vmcf_layout layout;
	char vi[4096];
};

static uint64_t pt_alloc(struct machine *mc)
{
	uint64_t pa = mc->pt_next;

	if (pa + 4096 > PT_POOL_END) {
		fprintf(stderr, "page-table pool exhausted\n");
		exit(2);
	}
	mc->pt_next += 4096;
	memset(mem + pa, 0, 4096);
	return pa;
}

/* The entry for @va at @level (1 = PTE), creating tables above it. */
static uint64_t pt_slot(struct machine *mc, uint64_t va, int level)
{
	uint64_t table = PHYS_BASE + TOP_PGT_OFF, e, slot;
	int l;

	for (l = mc->levels; ; l--) {
		slot = table + ((va >> (12 + 9 * (l - 1))) & 511) * 8;
		if (l == level)
			return slot;
		e = get64(slot);
		if (!(e & P)) {
			e = pt_alloc(mc) | P | RW | mc->sme;
			put64(slot, e);
		}
		table = e & 0x000ffffffffff000ULL & ~mc->sme;
	}
}

static void map(struct machine *mc, uint64_t va, uint64_t pa, int level)
{
	put64(pt_slot(mc, va, level),
	      pa | P | RW | (level > 1 ? PSE : 0) | mc->sme);
}

/* Section @nr's section_mem_map slot. */
static uint64_t section_slot(struct machine *mc, uint64_t nr)
{
	uint64_t root, rp;

	if (!mc->extreme)
		return PHYS_BASE + STATIC_MS_OFF + nr * 16;
	root = nr / 256;
	rp = get64(ROOTS_PA + root * 8);
	if (!rp) {
		rp = mc->page_offset + SECARR_PA + root * 4096;
		put64(ROOTS_PA + root * 8, rp);
		memset(mem + SECARR_PA + root * 4096, 0, 4096);
	}
	return rp - mc->page_offset + (nr % 256) * 16;
}

static void set_section(struct machine *mc, uint64_t nr, uint64_t raw)
{
	put64(section_slot(mc, nr), raw);
}

/* vmemmap of section @nr as one 2 MiB leaf at @pa, filled with pattern. */
static void vmemmap_2m(struct machine *mc, uint64_t nr, uint64_t pa)
{
	uint64_t va = mc->vmemmap + nr * SPP * 64;

	map(mc, va, pa, 2);
	fill(pa, va, 2 << 20);
}

static void vmemmap_4k(struct machine *mc, uint64_t va, uint64_t pa)
{
	map(mc, va, pa, 1);
	fill(pa, va, 4096);
}

static void make_vi(struct machine *mc, const char *extra)
{
	snprintf(mc->vi, sizeof(mc->vi),
		 "OSRELEASE=6.1.0-test\n"
		 "PAGESIZE=4096\n"
		 "SYMBOL(swapper_pg_dir)=ffffffff82e10000\n"
		 "SYMBOL(mem_section)=%" PRIx64 "\n"
		 "LENGTH(mem_section)=%" PRIu64 "\n"
		 "SIZE(mem_section)=16\n"
		 "OFFSET(mem_section.section_mem_map)=0\n"
		 "NUMBER(SECTION_SIZE_BITS)=27\n"
		 "NUMBER(MAX_PHYSMEM_BITS)=%u\n"
		 "SIZE(page)=%u\n"
		 "SIZE(list_head)=16\n"
		 "OFFSET(page.flags)=0\n"
		 "OFFSET(page._refcount)=52\n"
		 "OFFSET(page.mapping)=24\n"
		 "OFFSET(page._mapcount)=48\n"
		 "OFFSET(page.private)=40\n"
		 "OFFSET(page.compound_dtor)=16\n"
		 "OFFSET(page.compound_order)=17\n"
		 "OFFSET(page.compound_head)=8\n"
		 "LENGTH(zone.free_area)=11\n"
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
		 "NUMBER(phys_base)=%" PRIu64 "\n"
		 "SYMBOL(init_top_pgt)=%" PRIx64 "\n"
		 "NUMBER(pgtable_l5_enabled)=%d\n"
		 "KERNELOFFSET=0\n"
		 "%s%s",
		 mc->ms_addr, mc->nr_roots, mc->phys_bits, mc->sps,
		 (uint64_t)PHYS_BASE, (uint64_t)(KMAP + TOP_PGT_OFF), mc->levels == 5,
		 mc->export_sme ? "NUMBER(sme_mask)=140737488355328\n" :
				  "NUMBER(sme_mask)=0\n",
		 extra ? extra : "");
}

/* Copies the VMCOREINFO text without lines starting with @drop. */
static void drop_line(char *vi, const char *drop)
{
	char *p = strstr(vi, drop), *nl;

	if (!p)
		return;
	nl = strchr(p, '\n');
	memmove(p, nl + 1, strlen(nl + 1) + 1);
}

static int parse(struct machine *mc)
{
	char err[256];
	int ret;

	ret = vmcf_layout_parse(&mc->layout, mc->vi, strlen(mc->vi), err,
				sizeof(err));
	if (ret)
		fprintf(stderr, "layout: %s\n", err);
	return ret;
}

/*
 * The standard machine: sections 0..10 and roots 0..3 as described in
 * the file comment and in check_sections() below.
 */
static void build(struct machine *mc, int levels, bool extreme,
		  unsigned int sps, uint64_t sme)
{
	uint64_t i, base;

	memset(mem, 0, MEM_SIZE);
	memset(mc, 0, sizeof(*mc));
	mc->levels = levels;
	mc->extreme = extreme;
	mc->sps = sps;
	mc->sme = sme;
	mc->export_sme = sme != 0;
	mc->phys_bits = levels == 5 ? 52 : 46;
	mc->vmemmap = levels == 5 ? 0xffd4000000000000ULL :
				    0xffffea0000000000ULL;
	mc->page_offset = levels == 5 ? 0xff11000000000000ULL :
					0xffff888000000000ULL;
	mc->pt_next = PT_POOL;
	memset(mem + PHYS_BASE + TOP_PGT_OFF, 0, 4096);

	/* Kernel image (32 MiB of 2 MiB leaves) and a 1 GiB direct map. */
	for (i = 0; i < 16; i++)
		map(mc, KMAP + i * (2 << 20), PHYS_BASE + i * (2 << 20), 2);
	map(mc, mc->page_offset, 0, 3);

	if (extreme) {
		mc->nr_roots = (1ULL << (mc->phys_bits - 27)) / 256;
		mc->ms_addr = mc->page_offset + ROOTS_PA;
	} else {
		mc->nr_roots = 1ULL << (mc->phys_bits - 27);
		mc->ms_addr = KMAP + STATIC_MS_OFF;
	}
	base = mc->vmemmap;
	if (sps != 64) {
		/* Sections 0 and 1 on 4 KiB leaves, pages in scrambled order */
		for (i = 0; i < 1024; i++)
			vmemmap_4k(mc, base + i * 4096,
				   0x3000000 + ((i * 389) % 1024) * 4096);
		set_section(mc, 0, base | 0x7);
		set_section(mc, 1, base | 0x7);
		make_vi(mc, NULL);
		return;
	}

	vmemmap_2m(mc, 0, 0x3000000);
	set_section(mc, 0, base | 0x7);
	/* 1: 256 contiguous 4 KiB pages, then 256 in reverse order */
	for (i = 0; i < 512; i++)
		vmemmap_4k(mc, base + SPP * 64 + i * 4096,
			   i < 256 ? 0x3200000 + i * 4096 :
				     0x3300000 + (511 - i) * 4096);
	set_section(mc, 1, base | 0x7);
	set_section(mc, 2, base | 0x1);			/* no mem_map */
	vmemmap_2m(mc, 3, 0x3400000);
	set_section(mc, 3, base | 0x3);			/* offline */
	set_section(mc, 4, (base + 0x200000) | 0x7);	/* disagrees */
	set_section(mc, 5, base | 0x7);			/* unmapped vmemmap */
	put64(pt_slot(mc, base + 6 * SPP * 64, 2),	/* PTE table */
	      NOT_RAM_PA | P | RW | sme);
	set_section(mc, 6, base | 0x7);
	put64(pt_slot(mc, base + 7 * SPP * 64, 2),
	      (1ULL << 47) | P | RW | PSE | sme);	/* past the limit */
	set_section(mc, 7, base | 0x7);
	/* 8: the PMD entry points back at init_top_pgt */
	put64(pt_slot(mc, base + 8 * SPP * 64, 2),
	      (PHYS_BASE + TOP_PGT_OFF) | P | RW | sme);
	set_section(mc, 8, base | 0x7);
	vmemmap_2m(mc, 9, 0x3600000);
	set_section(mc, 9, base | 0x1f);		/* more flag bits */
	vmemmap_2m(mc, 10, 0x3800000);
	set_section(mc, 10, base | 0x7);

	if (extreme) {
		/* Root 1 outside RAM, root 2 non-canonical, root 3 garbage */
		put64(ROOTS_PA + 8, mc->page_offset + NOT_RAM_PA);
		put64(ROOTS_PA + 16, 0x0000800000000000ULL);
		set_section(mc, 3 * 256, ~0ULL);
	}
	make_vi(mc, NULL);
}

static int init(struct machine *mc, struct vmcf_memmap *m, uint64_t first,
		char *err, size_t errlen)
{
	if (parse(mc))
		return -1;
	return vmcf_memmap_init(m, &mc->layout, phys_read, NULL, first, err,
				errlen);
}

/* ------------------------------------------------------------------ */
/* Checks                                                               */

static bool read_matches(const struct vmcf_memmap *m, uint64_t vmemmap,
			 uint64_t pfn, uint64_t nr)
{
	size_t len = nr * m->struct_page_size, i;
	uint8_t *buf = malloc(len);
	uint64_t va = vmemmap + pfn * m->struct_page_size;
	bool good;

	good = buf && !vmcf_memmap_read(m, NULL, pfn, nr, buf);
	for (i = 0; good && i < len; i++)
		good = buf[i] == pattern(va + i);
	free(buf);
	return good;
}

static void check_vtop(const char *name, struct machine *mc,
		       const struct vmcf_memmap *m)
{
	u64 pa = 0, len = 0;
	unsigned long before;
	int ret;

	ret = vmcf_memmap_vtop(m, NULL, mc->page_offset + 0x123456, &pa, &len);
	report(!ret && pa == 0x123456 && len == (1ULL << 30) - 0x123456,
	       "%s: vtop through a 1 GiB direct-map leaf", name);
	ret = vmcf_memmap_vtop(m, NULL, KMAP + 0x201234, &pa, &len);
	report(!ret && pa == PHYS_BASE + 0x201234 && len == 0x200000 - 0x1234,
	       "%s: vtop through a 2 MiB kernel-image leaf", name);
	ret = vmcf_memmap_vtop(m, NULL, mc->vmemmap + 0x10, &pa, &len);
	report(!ret && pa == 0x3000010 && len == 0x200000 - 0x10,
	       "%s: vtop through a 2 MiB vmemmap leaf", name);
	ret = vmcf_memmap_vtop(m, NULL, 0x0000800000000000ULL, &pa, &len);
	report(ret == -EFAULT, "%s: vtop refuses a non-canonical address",
	       name);
	ret = vmcf_memmap_vtop(m, NULL, 0x1000, &pa, &len);
	report(ret == -EFAULT, "%s: vtop refuses a user address", name);
	before = nr_reads;
	ret = vmcf_memmap_vtop(m, NULL, mc->vmemmap + 0x4000000000ULL, &pa,
			       &len);
	report(ret == -EFAULT && nr_reads - before <= (unsigned long)mc->levels,
	       "%s: vtop of an unmapped address fails after <= %d reads",
	       name, mc->levels);
}

static void check_sections(const char *name, struct machine *mc,
			   const struct vmcf_memmap *m)
{
	u64 map = 0, pa = 0, nr = 0, base = mc->vmemmap;
	unsigned long before;
	uint8_t buf[256];
	int ret;

	ret = vmcf_memmap_section(m, NULL, 5, &map);
	report(!ret && map == base, "%s: section 0 decodes to the vmemmap base",
	       name);
	report(vmcf_memmap_section(m, NULL, 2 * SPP, &map) == -ENOENT,
	       "%s: a section without SECTION_HAS_MEM_MAP is absent", name);
	report(vmcf_memmap_section(m, NULL, 3 * SPP, &map) == -ENOENT,
	       "%s: an offline section is absent", name);
	report(vmcf_memmap_section(m, NULL, 4 * SPP, &map) == -EINVAL,
	       "%s: a section disagreeing with vmemmap_base is corrupt", name);
	ret = vmcf_memmap_section(m, NULL, 9 * SPP, &map);
	report(!ret && map == base,
	       "%s: flag bits above SECTION_IS_ONLINE are masked", name);
	report(vmcf_memmap_section(m, NULL, 20 * SPP, &map) == -ENOENT,
	       "%s: an unset section is absent", name);
	report(vmcf_memmap_section(m, NULL, m->pfn_limit, &map) == -ERANGE,
	       "%s: a pfn past MAX_PHYSMEM_BITS is out of range", name);
	if (mc->extreme) {
		report(vmcf_memmap_section(m, NULL, 256 * SPP, &map) ==
		       -EFAULT,
		       "%s: a root pointing outside RAM is an error", name);
		report(vmcf_memmap_section(m, NULL, 512 * SPP, &map) ==
		       -EFAULT,
		       "%s: a non-canonical root is an error", name);
		report(vmcf_memmap_section(m, NULL, 768 * SPP, &map) ==
		       -EINVAL,
		       "%s: an all-ones section is corrupt", name);
		report(vmcf_memmap_section(m, NULL, 1000 * SPP, &map) ==
		       -ENOENT,
		       "%s: an absent root means absent sections", name);
	}

	ret = vmcf_memmap_locate(m, NULL, 0, SPP, &pa, &nr);
	report(!ret && pa == 0x3000000 && nr == SPP,
	       "%s: locate: a 2 MiB leaf holds 32768 struct pages", name);
	ret = vmcf_memmap_locate(m, NULL, 100, 1000, &pa, &nr);
	report(!ret && pa == 0x3000000 + 100 * 64 && nr == 1000,
	       "%s: locate stops at max_nr", name);
	ret = vmcf_memmap_locate(m, NULL, 32000, SPP, &pa, &nr);
	report(!ret && nr == 768, "%s: locate stops at the section end", name);
	ret = vmcf_memmap_locate(m, NULL, SPP, SPP, &pa, &nr);
	report(!ret && pa == 0x3200000 && nr == 16384,
	       "%s: locate merges physically contiguous 4 KiB leaves (%llu)",
	       name, nr);
	ret = vmcf_memmap_locate(m, NULL, SPP + 16384, SPP, &pa, &nr);
	report(!ret && pa == 0x3300000 + 255 * 4096 && nr == 64,
	       "%s: locate stops at a discontiguous 4 KiB leaf", name);

	report(read_matches(m, base, 0, 1024),
	       "%s: read from a 2 MiB leaf", name);
	report(read_matches(m, base, SPP + 16000, 1024),
	       "%s: read across contiguous and scrambled 4 KiB leaves", name);
	report(read_matches(m, base, 10 * SPP - 500, 1000),
	       "%s: read across a section boundary", name);
	report(vmcf_memmap_read(m, NULL, 5 * SPP, 4, buf) == -EFAULT,
	       "%s: read of an unmapped vmemmap fails", name);
	report(vmcf_memmap_read(m, NULL, 6 * SPP, 4, buf) == -EFAULT,
	       "%s: a page table outside RAM is never read", name);
	report(vmcf_memmap_read(m, NULL, 7 * SPP, 4, buf) == -EFAULT,
	       "%s: a leaf past MAX_PHYSMEM_BITS is refused", name);
	before = nr_reads;
	ret = vmcf_memmap_read(m, NULL, 8 * SPP, 4, buf);
	report(nr_reads - before < 64,
	       "%s: a page table pointing to itself ends (%d after %lu reads)",
	       name, ret, nr_reads - before);
	before = nr_reads;
	ret = vmcf_memmap_locate(m, NULL, 8 * SPP, SPP, &pa, &nr);
	report(nr_reads - before < 64,
	       "%s: locate on a self-referencing table ends (%d after %lu reads)",
	       name, ret, nr_reads - before);
	report(vmcf_memmap_read(m, NULL, 4 * SPP, 4, buf) == -EINVAL,
	       "%s: read of a corrupt section fails", name);
}

static void test_machine(const char *name, int levels, bool extreme)
{
	struct vmcf_memmap m;
	struct machine mc;
	char err[256];
	int ret;

	build(&mc, levels, extreme, 64, 0);
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(!ret && m.vmemmap_base == mc.vmemmap && m.levels == (u32)levels &&
	       m.ms_extreme == extreme,
	       "%s: init decodes vmemmap_base %#" PRIx64 " (%s)", name,
	       (uint64_t)m.vmemmap_base, ret ? err : "");
	if (ret)
		return;
	check_vtop(name, &mc, &m);
	check_sections(name, &mc, &m);
}

/* VMCOREINFO that lacks or garbles an entry is refused with its name. */
static void test_vmcoreinfo(void)
{
	static const char *const needed[] = {
		"SYMBOL(mem_section)", "LENGTH(mem_section)",
		"SIZE(mem_section)", "OFFSET(mem_section.section_mem_map)",
		"NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)",
		"SYMBOL(init_top_pgt)", "NUMBER(phys_base)",
	};
	static const struct { const char *key, *line; } bad[] = {
		{ "NUMBER(MAX_PHYSMEM_BITS)", "NUMBER(MAX_PHYSMEM_BITS)=60\n" },
		{ "LENGTH(mem_section)", "LENGTH(mem_section)=1234\n" },
		{ "SIZE(mem_section)", "SIZE(mem_section)=12\n" },
		{ "NUMBER(SECTION_SIZE_BITS)", "NUMBER(SECTION_SIZE_BITS)=50\n" },
		{ "SYMBOL(init_top_pgt)", "SYMBOL(init_top_pgt)=ffff888000001000\n" },
		{ "OFFSET(mem_section.section_mem_map)",
		  "OFFSET(mem_section.section_mem_map)=12\n" },
	};
	struct vmcf_memmap m;
	struct machine mc;
	char err[256], line[128];
	size_t i;
	int ret;

	build(&mc, 4, true, 64, 0);
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		make_vi(&mc, NULL);
		snprintf(line, sizeof(line), "%s=", needed[i]);
		drop_line(mc.vi, line);
		ret = init(&mc, &m, 1, err, sizeof(err));
		report(ret && strstr(err, needed[i]) && !m.vmemmap_base,
		       "vmcoreinfo: missing %s is named (\"%s\")", needed[i],
		       err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_vi(&mc, NULL);
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(bad[i].line, "="),
			 bad[i].line);
		strcat(line, "=");
		drop_line(mc.vi, line);
		strcat(mc.vi, bad[i].line);
		ret = init(&mc, &m, 1, err, sizeof(err));
		report(ret && strstr(err, bad[i].key),
		       "vmcoreinfo: unusable %s is named (\"%s\")", bad[i].key,
		       err);
	}

	make_vi(&mc, "SYMBOL(vmemmap)=ffffea0000000000\n");
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(!ret, "vmcoreinfo: a matching SYMBOL(vmemmap) (6.12) is accepted");
	make_vi(&mc, "SYMBOL(vmemmap)=ffffea0040000000\n");
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(ret && strstr(err, "SYMBOL(vmemmap)"),
	       "vmcoreinfo: a SYMBOL(vmemmap) mem_section contradicts is refused (\"%s\")",
	       err);

	/* phys_base that puts init_top_pgt outside RAM */
	make_vi(&mc, NULL);
	drop_line(mc.vi, "NUMBER(phys_base)=");
	strcat(mc.vi, "NUMBER(phys_base)=1610612736\n");
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(ret && strstr(err, "mem_section"),
	       "vmcoreinfo: page tables outside RAM make init fail (\"%s\")",
	       err);

	/* No usable section from the first pfn on: bounded, then an error */
	make_vi(&mc, NULL);
	nr_reads = 0;
	ret = init(&mc, &m, 1000 * SPP, err, sizeof(err));
	report(ret == -ENOENT && nr_reads < 200000,
	       "vmcoreinfo: no usable section ends the probe (%lu reads: \"%s\")",
	       nr_reads, err);
}

static void test_sme(void)
{
	struct vmcf_memmap m;
	struct machine mc;
	char err[256];
	uint8_t buf[64];
	int ret;

	build(&mc, 4, true, 64, 1ULL << 47);
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(!ret && read_matches(&m, mc.vmemmap, 0, 2048),
	       "sme: entries with the encryption bit decode with NUMBER(sme_mask) (%s)",
	       ret ? err : "");
	mc.export_sme = false;
	make_vi(&mc, NULL);
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(ret || vmcf_memmap_read(&m, NULL, 0, 1, buf),
	       "sme: without NUMBER(sme_mask) they point past MAX_PHYSMEM_BITS");
}

/* sps 56: struct pages straddle scrambled 4 KiB leaves */
static void test_straddle(void)
{
	struct vmcf_memmap m;
	struct machine mc;
	u64 pa = 0, nr = 0, pfn;
	char err[256];
	bool good = true;
	int ret;

	build(&mc, 4, true, 56, 0);
	ret = init(&mc, &m, 1, err, sizeof(err));
	report(!ret, "straddle: init with SIZE(page) 56 (%s)", ret ? err : "");
	if (ret)
		return;
	for (pfn = 0; pfn < 300 && good; pfn += 7)
		good = read_matches(&m, mc.vmemmap, pfn, 1 + pfn % 150);
	report(good, "straddle: reads of struct pages split across leaves");
	report(read_matches(&m, mc.vmemmap, SPP - 100, 200),
	       "straddle: read across the section boundary");
	/* pfn 73 is bytes 4088..4143: it straddles leaves 0 and 1 */
	ret = vmcf_memmap_locate(&m, NULL, 73, 100, &pa, &nr);
	report(!ret && nr == 0,
	       "straddle: locate says 0 for a struct page split across leaves");
	ret = vmcf_memmap_locate(&m, NULL, 0, 100, &pa, &nr);
	report(!ret && nr == 73 && pa == 0x3000000,
	       "straddle: locate counts whole struct pages in the leaf (%llu)",
	       nr);
}

/* Random page tables and sections: nothing crashes, every call is bounded */
static void test_garbage(void)
{
	struct vmcf_memmap m;
	struct machine mc;
	u64 pa, nr;
	uint64_t i, pfn, before, worst = 0, seed = 12345;
	uint8_t *buf = malloc(1024 * 64);
	char err[256];
	int ret, round;

	for (round = 0; round < 4; round++) {
		build(&mc, round & 1 ? 5 : 4, true, 64, 0);
		if (init(&mc, &m, 1, err, sizeof(err)))
			break;
		/* Scribble over page tables and section arrays */
		for (i = PT_POOL; i < mc.pt_next; i += 8) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((seed >> 60) < (uint64_t)(3 + round))
				put64(i, seed ^ (seed >> 17));
		}
		for (i = SECARR_PA; i < SECARR_PA + 4 * 4096; i += 8) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((seed >> 61) == 0)
				put64(i, seed);
		}
		for (i = 0; i < 3000; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			pfn = (seed >> 20) % (12 * SPP);
			if (i % 7 == 0)
				pfn = seed % m.pfn_limit;
			before = nr_reads;
			ret = vmcf_memmap_locate(&m, NULL, pfn, SPP, &pa, &nr);
			if (!ret)
				ret = vmcf_memmap_read(&m, NULL, pfn,
						       1 + seed % 1024, buf);
			if (nr_reads - before > worst)
				worst = nr_reads - before;
		}
		(void)ret;
	}
	free(buf);
	report(round == 4 && worst < 20000,
	       "garbage: 12000 lookups on scribbled tables, at most %" PRIu64 " reads each",
	       worst);
}

/* ------------------------------------------------------------------ */
/* End to end: userspace_filter on a synthetic ELF vmcore               */

/* 6.1 struct page fields and flags, as in the VMCOREINFO above */
#define PG_LRU		(1ULL << 4)
#define PG_SLAB		(1ULL << 9)
#define PG_SWAPBACKED	(1ULL << 19)

static void set_page(uint64_t pfn, uint64_t flags, uint64_t mapping,
		     uint32_t mapcount, uint64_t private)
{
	uint64_t pa = 0x3000000 + pfn * 64;

	memset(mem + pa, 0, 64);
	put64(pa, flags);
	put64(pa + 24, mapping);
	memcpy(mem + pa + 48, &mapcount, 4);
	put64(pa + 40, private);
}

static uint8_t *make_core(struct machine *mc, size_t *size)
{
	size_t vi_len = strlen(mc->vi), note = 12 + 12 + ((vi_len + 3) & ~3UL);
	size_t hdr = 64 + 3 * 56, off = (hdr + note + 4095) & ~4095UL;
	size_t total = off + (ram[0].end - ram[0].start) +
		       (ram[1].end - ram[1].start), i;
	uint8_t *core = calloc(1, total), *p;
	uint64_t data = off;

	if (!core)
		exit(2);
	memcpy(core, "\177ELF\2\1\1", 7);
	*(uint16_t *)(core + 16) = 4;		/* ET_CORE */
	*(uint16_t *)(core + 18) = 62;		/* EM_X86_64 */
	*(uint32_t *)(core + 20) = 1;
	*(uint64_t *)(core + 32) = 64;		/* e_phoff */
	*(uint16_t *)(core + 52) = 64;
	*(uint16_t *)(core + 54) = 56;
	*(uint16_t *)(core + 56) = 3;
	p = core + 64;				/* PT_NOTE */
	*(uint32_t *)p = 4;
	*(uint64_t *)(p + 8) = hdr;
	*(uint64_t *)(p + 32) = note;
	*(uint64_t *)(p + 40) = note;
	p = core + hdr;
	*(uint32_t *)p = 11;
	*(uint32_t *)(p + 4) = (uint32_t)vi_len;
	memcpy(p + 12, "VMCOREINFO", 11);
	memcpy(p + 24, mc->vi, vi_len);
	for (i = 0; i < 2; i++) {
		uint64_t len = ram[i].end - ram[i].start;

		p = core + 64 + (1 + i) * 56;
		*(uint32_t *)p = 1;		/* PT_LOAD */
		*(uint64_t *)(p + 8) = data;
		*(uint64_t *)(p + 16) = mc->page_offset + ram[i].start;
		*(uint64_t *)(p + 24) = ram[i].start;
		*(uint64_t *)(p + 32) = len;
		*(uint64_t *)(p + 40) = len;
		memcpy(core + data, mem + ram[i].start, len);
		data += len;
	}
	*size = total;
	return core;
}

struct thread_arg {
	struct userspace_filter *uf;
	uint64_t start, nr, exclude;
	uint8_t *bits;
	struct vmcf_error *err;
};

static void *bitmap_thread(void *p)
{
	struct thread_arg *a = p;

	a->err = userspace_filter_bitmap(a->uf, a->exclude, a->start, a->nr,
					 a->bits);
	return NULL;
}

static bool bit(const uint8_t *bits, uint64_t pfn)
{
	return bits[pfn / 8] >> (pfn % 8) & 1;
}

static void test_userspace_filter(void)
{
	uint64_t counts[VMCF_NR_CLASSES], max_pfn, pfn, ram_pfns = 0;
	uint64_t drop = VMCF_CLASS_BIT(VMCF_CLASS_FREE) |
			VMCF_CLASS_BIT(VMCF_CLASS_USER) |
			VMCF_CLASS_BIT(VMCF_CLASS_CACHE);
	struct userspace_filter *uf = NULL;
	struct thread_arg args[4];
	pthread_t tids[4];
	struct elfcore *core = NULL;
	struct vmcf_error *err;
	struct machine mc;
	uint8_t *image, *bits, *bits2;
	size_t size, i;
	bool good;

	build(&mc, 4, true, 64, 0);
	memset(mem + 0x3000000, 0, 2 << 20);	/* section 0: zeroed pages */
	set_page(0x200, PG_LRU | PG_SWAPBACKED, 0xffff888023456701ULL, ~0U, 0);
	set_page(0x201, PG_LRU, 0xffff888012345600ULL, ~0U, 0);
	set_page(0x202, PG_SLAB, 0xffff888012345600ULL, 0, 0);
	set_page(0x400, 0, 0, (uint32_t)-129, 10);	/* order-10 buddy */
	image = make_core(&mc, &size);

	err = elfcore_create_memory(image, size, &core);
	if (!err)
		err = userspace_filter_create(core, &uf);
	report(!err, "filter: created on a synthetic vmcore%s%s",
	       err ? ": " : "", err ? err->message : "");
	if (err) {
		vmcf_error_destroy(err);
		goto out;
	}
	max_pfn = core->max_pfn;
	report(max_pfn == 0x5000 &&
	       userspace_filter_features(uf) == VMCF_FEATURE_RELEASE_TABLE,
	       "filter: max_pfn %#" PRIx64 " and the 6.1 release table",
	       max_pfn);

	err = userspace_filter_counts(uf, 0, max_pfn, counts);
	for (i = 0; i < VMCF_NR_CLASSES; i++)
		ram_pfns += counts[i];
	report(!err && counts[VMCF_CLASS_FREE] == 1024 &&
	       counts[VMCF_CLASS_USER] == 1 && counts[VMCF_CLASS_CACHE] == 1 &&
	       counts[VMCF_CLASS_SLAB] == 1 &&
	       ram_pfns == (0x9f - 1) + (0x5000 - 0x100),
	       "filter: counts free %" PRIu64 " user %" PRIu64 " cache %" PRIu64 " slab %" PRIu64 " ram %" PRIu64,
	       counts[VMCF_CLASS_FREE], counts[VMCF_CLASS_USER],
	       counts[VMCF_CLASS_CACHE], counts[VMCF_CLASS_SLAB], ram_pfns);
	vmcf_error_destroy(err);
	err = userspace_filter_counts(uf, 0x401, 0x403, counts);
	report(!err && counts[VMCF_CLASS_FREE] == 2,
	       "filter: counts of an unaligned range");
	vmcf_error_destroy(err);

	bits = calloc(1, max_pfn / 8);
	bits2 = calloc(1, max_pfn / 8);
	err = userspace_filter_bitmap(uf, drop, 0, max_pfn, bits);
	good = !err;
	for (pfn = 0; good && pfn < max_pfn; pfn++) {
		bool want = is_ram(pfn * 4096, 1) && pfn != 0x200 &&
			    pfn != 0x201 && (pfn < 0x400 || pfn >= 0x800);

		good = bit(bits, pfn) == want;
		if (!good)
			printf("# pfn %#" PRIx64 ": bit %d\n", pfn,
			       bit(bits, pfn));
	}
	report(good, "filter: keep bits for -d 8|16|2, non-RAM 0");
	vmcf_error_destroy(err);

	/* The same from four threads on different ranges */
	for (i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ uf, i * (max_pfn / 4),
					       max_pfn / 4, drop,
					       bits2 + i * (max_pfn / 32), NULL };
		pthread_create(&tids[i], NULL, bitmap_thread, &args[i]);
	}
	good = true;
	for (i = 0; i < 4; i++) {
		pthread_join(tids[i], NULL);
		good = good && !args[i].err;
		vmcf_error_destroy(args[i].err);
	}
	report(good && !memcmp(bits, bits2, max_pfn / 8),
	       "filter: four threads give the same bitmap");

	err = userspace_filter_bitmap(uf, 0, 8, 8, bits);
	report(err && err->errnum == EINVAL,
	       "filter: a start that is not a multiple of 1024 is EINVAL");
	vmcf_error_destroy(err);
	err = userspace_filter_bitmap(uf, VMCF_CLASS_BIT(VMCF_CLASS_SLAB), 0,
				      8, bits);
	report(err && err->errnum == EINVAL,
	       "filter: excluding slab is EINVAL");
	vmcf_error_destroy(err);
	err = userspace_filter_bitmap(uf, 0, 0, 1024, bits);
	report(!err && bits[0] == 0xfe && !(bits[0x9f / 8] & 0x80),
	       "filter: mask 0 keeps all RAM (pfn 0 is not RAM)");
	vmcf_error_destroy(err);
	free(bits);
	free(bits2);
out:
	userspace_filter_destroy(uf);
	elfcore_destroy(core);
	free(image);
}

int main(void)
{
	mem = malloc(MEM_SIZE);
	if (!mem)
		return 2;
	test_machine("4-level extreme", 4, true);
	test_machine("5-level extreme", 5, true);
	test_machine("4-level static", 4, false);
	test_vmcoreinfo();
	test_sme();
	test_straddle();
	test_garbage();
	test_userspace_filter();
	free(mem);
	return failures ? 1 : 0;
}
