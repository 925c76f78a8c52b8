// SPDX-License-Identifier: GPL-2.0
/* The page classifier on a saved vmcore: see userspace_filter.h. */
/* madvise(), MADV_POPULATE_READ */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14; older ones say EINVAL */
#endif

/*
 * The classifier's header and the uapi header both define VMCF_NR_CLASSES
 * and struct vmcf_counts: the classifier's are renamed while it is
 * included.  The class numbering is the same, which the asserts below
 * check against vmcf_classes.def.
 */
#define VMCF_NR_CLASSES vmcf_classify_nr_classes
#define vmcf_counts vmcf_classify_counts
#include "../module/vmcf_classify.h"
#include "../module/vmcf_memmap.h"
#undef VMCF_NR_CLASSES
#undef vmcf_counts

#include "userspace_filter.h"

#define VMCF_CLASS(id, name, bits, excl, desc)				\
	_Static_assert(VMCF_##id == (int)VMCF_CLASS_##id,		\
		       "class " name " differs from the uapi header");
#include "../module/vmcf_classes.def"
#undef VMCF_CLASS
_Static_assert(vmcf_classify_nr_classes == (int)VMCF_NR_CLASSES,
	       "the uapi header and vmcf_classes.def disagree");

/* Classification unit: the classifier wants MAX_ORDER-aligned ranges. */
#define SLICE		1024
#define NOT_RAM		0xff

struct userspace_filter {
	struct elfcore *core;
	struct vmcf_layout layout;
	struct vmcf_memmap memmap;
	/*
	 * A saved core file mapped whole: struct pages are classified where
	 * they lie in the page cache, not copied out by pread() (which took
	 * most of the time on the host).  NULL for pipes, /proc/vmcore and
	 * buffers, which are read as before.
	 */
	const unsigned char *map;
	size_t map_len;
};

/*
 * vmcf_memmap's reader: the crashed kernel's physical memory as the core
 * file has it.  Bytes past a PT_LOAD's filesz read as zeros; a byte in no
 * PT_LOAD is an error (-EFAULT), so a corrupt pointer is never followed
 * outside RAM.  rctx is the (const) struct elfcore; pread() is thread-safe.
 */
static int uf_phys_read(void *rctx, u64 paddr, void *buf, size_t len)
{
	const struct elfcore *core = rctx;
	unsigned char *out = buf;

	while (len) {
		const struct elfcore_load *ld = elfcore_find_load(core, paddr);
		uint64_t in_load, in_file, n;
		struct vmcf_error *err;

		if (!ld)
			return -EFAULT;
		in_load = ld->paddr + ld->memsz - paddr;
		n = len < in_load ? len : in_load;
		in_file = paddr - ld->paddr < ld->filesz ?
			  ld->filesz - (paddr - ld->paddr) : 0;
		if (in_file > n)
			in_file = n;
		if (in_file) {
			err = elfcore_pread(core, out, (size_t)in_file,
					    ld->offset + (paddr - ld->paddr));
			if (err) {
				vmcf_error_destroy(err);
				return -EIO;
			}
		}
		memset(out + in_file, 0, (size_t)(n - in_file));
		out += n;
		paddr += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Per-call state: one per thread, so calls never share anything mutable. */
struct uf_call {
	const struct userspace_filter *uf;
	unsigned char *pages;		/* SLICE struct pages */
	const unsigned char *view;	/* the current slice's struct pages */
	/* The file bytes last populated in the mapping. */
	uint64_t populated_end;
	/* The last located run of contiguous struct pages. */
	uint64_t win_pfn;
	uint64_t win_nr;
	uint64_t win_paddr;
};

static int uf_read_head(void *ctx, u64 pfn, void *buf)
{
	const struct uf_call *c = ctx;

	return vmcf_memmap_read(&c->uf->memmap, (void *)c->uf->core, pfn, 1,
				buf);
}

/*
 * Marks in ram[] the pfns of [pfn, pfn + n) with a byte in a PT_LOAD.
 * Returns 0 if there are none, 2 if all are (ram[] is then untouched: the
 * common case costs nothing per page), 1 otherwise.
 */
static int uf_ram(const struct elfcore *core, uint64_t pfn, uint64_t n,
		  bool *ram)
{
	uint64_t ps = core->page_size, start = pfn * ps, end = (pfn + n) * ps;
	size_t lo = 0, hi = core->nr_loads;
	int any = 0;

	if (pfn >= core->max_pfn)
		return 0;
	if (n > core->max_pfn - pfn)
		end = core->max_pfn * ps;
	/* The first load ending after start; loads are sorted, disjoint. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (core->loads[mid].paddr + core->loads[mid].memsz <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < core->nr_loads && core->loads[lo].paddr <= start &&
	    core->loads[lo].paddr + core->loads[lo].memsz >= (pfn + n) * ps)
		return 2;
	memset(ram, 0, n * sizeof(*ram));
	for (; lo < core->nr_loads && core->loads[lo].paddr < end; lo++) {
		const struct elfcore_load *ld = &core->loads[lo];
		uint64_t a = ld->paddr > start ? ld->paddr : start;
		uint64_t b = ld->paddr + ld->memsz < end ?
			     ld->paddr + ld->memsz : end;

		for (uint64_t p = a / ps; p < (b + ps - 1) / ps; p++)
			ram[p - pfn] = true;
		any = 1;
	}
	return any;
}

/*
 * Points c->view at the n * sps bytes of physical memory at paddr when they
 * lie whole in the mapped file; populates the page tables of the run ahead
 * in one call, rather than one fault per 64 KiB.
 */
static bool uf_view(struct uf_call *c, uint64_t paddr, uint64_t len,
		    uint64_t ahead)
{
	const struct userspace_filter *uf = c->uf;
	const struct elfcore_load *ld;
	uint64_t off, end, pg;

	if (!uf->map)
		return false;
	ld = elfcore_find_load(uf->core, paddr);
	if (!ld || paddr - ld->paddr > ld->filesz ||
	    len > ld->filesz - (paddr - ld->paddr))
		return false;
	off = ld->offset + (paddr - ld->paddr);
	if (off > uf->map_len || len > uf->map_len - off)
		return false;
	if (off + len > c->populated_end) {
		pg = uf->core->page_size;
		end = off + (ahead > len ? ahead : len);
		if (end > ld->offset + ld->filesz)
			end = ld->offset + ld->filesz;
		if (end > uf->map_len)
			end = uf->map_len;
		/* Best effort: faults do the same work when it is refused. */
		(void)madvise((void *)(uf->map + off / pg * pg),
			      (size_t)(end - off / pg * pg),
			      MADV_POPULATE_READ);
		c->populated_end = end;
	}
	c->view = uf->map + off;
	return true;
}

/* The struct pages of [pfn, pfn + n), n <= SLICE, at c->view. */
static int uf_read_pages(struct uf_call *c, uint64_t pfn, uint64_t n)
{
	const struct userspace_filter *uf = c->uf;
	const struct vmcf_memmap *m = &uf->memmap;
	u64 sps = m->struct_page_size, spp, paddr, nr;
	void *rctx = (void *)uf->core;
	int ret;

	if (pfn < c->win_pfn || pfn + n > c->win_pfn + c->win_nr) {
		/* Locate the rest of the section at once: one walk each. */
		spp = vmcf_memmap_section_pfns(m);
		c->win_nr = 0;
		ret = vmcf_memmap_locate(m, rctx, pfn, spp, &paddr, &nr);
		if (ret)
			return ret;
		c->win_pfn = pfn;
		c->win_nr = nr;
		c->win_paddr = paddr;
	}
	c->view = c->pages;
	if (pfn + n <= c->win_pfn + c->win_nr) {
		paddr = c->win_paddr + (pfn - c->win_pfn) * sps;
		if (uf_view(c, paddr, n * sps,
			    (c->win_pfn + c->win_nr - pfn) * sps))
			return 0;
		return uf_phys_read(rctx, paddr, c->pages, (size_t)(n * sps));
	}
	/* Fragmented vmemmap (hugetlb vmemmap optimisation): piece by piece */
	return vmcf_memmap_read(m, rctx, pfn, n, c->pages);
}

/*
 * Classes of [pfn, pfn + n): pfn a multiple of SLICE, n <= SLICE.  RAM
 * pfns whose struct pages cannot be read are CORRUPT (kept); pfns that are
 * not RAM are NOT_RAM.
 */
static void uf_classify(struct uf_call *c, uint64_t pfn, uint64_t n,
			uint8_t *classes)
{
	const struct userspace_filter *uf = c->uf;
	struct vmcf_head_reader rd = {
		.read_page = uf_read_head,
		.ctx = c,
		.vmemmap_base = uf->memmap.vmemmap_base,
	};
	bool ram[SLICE];
	uint64_t i;
	int any;

	any = uf_ram(uf->core, pfn, n, ram);
	if (!any) {
		memset(classes, NOT_RAM, (size_t)n);
		return;
	}
	if (uf_read_pages(c, pfn, n) ||
	    vmcf_classify_range(&uf->layout, c->view, pfn, n, classes, NULL,
				&rd))
		memset(classes, VMCF_CORRUPT, (size_t)n);
	if (any == 1)
		for (i = 0; i < n; i++)
			if (!ram[i])
				classes[i] = NOT_RAM;
}

static struct vmcf_error *uf_call_init(struct uf_call *c,
				       const struct userspace_filter *uf)
{
	memset(c, 0, sizeof(*c));
	c->uf = uf;
	c->pages = malloc((size_t)SLICE * uf->memmap.struct_page_size);
	if (!c->pages)
		return &vmcf_enomem;
	return NULL;
}

static void uf_call_deinit(struct uf_call *c)
{
	free(c->pages);
}

struct vmcf_error *userspace_filter_classes(struct userspace_filter *uf,
					    uint64_t start_pfn, uint64_t nr,
					    uint8_t *classes)
{
	struct vmcf_error *err;
	struct uf_call c;
	uint64_t done, n;

	if (!uf || (nr && !classes) || start_pfn % SLICE ||
	    start_pfn + nr < start_pfn)
		return vmcf_error_create(EINVAL,
					 "classes of pfns 0x%" PRIx64 "+0x%" PRIx64 ": bad arguments",
					 start_pfn, nr);
	err = uf_call_init(&c, uf);
	if (err)
		return err;
	for (done = 0; done < nr; done += n) {
		n = nr - done < SLICE ? nr - done : SLICE;
		uf_classify(&c, start_pfn + done, n, classes + done);
	}
	uf_call_deinit(&c);
	return NULL;
}

struct vmcf_error *userspace_filter_bitmap(struct userspace_filter *uf,
					   uint64_t exclude,
					   uint64_t start_pfn, uint64_t nr,
					   uint8_t *bits)
{
	uint64_t done, n, i, drop = exclude | VMCF_ALWAYS_EXCLUDED;
	uint8_t classes[SLICE];
	struct vmcf_error *err;
	struct uf_call c;

	if (!uf || (nr && !bits) || start_pfn % SLICE || nr % 8 ||
	    start_pfn + nr < start_pfn)
		return vmcf_error_create(EINVAL,
					 "bitmap of pfns 0x%" PRIx64 "+0x%" PRIx64 ": start must be a multiple of %d and the count of 8",
					 start_pfn, nr, SLICE);
	if (exclude & ~(uint64_t)VMCF_EXCLUDABLE)
		return vmcf_error_create(EINVAL,
					 "exclusion mask 0x%" PRIx64 " names classes that are never excluded (0x%" PRIx64 ")",
					 exclude,
					 exclude & ~(uint64_t)VMCF_EXCLUDABLE);
	err = uf_call_init(&c, uf);
	if (err)
		return err;
	memset(bits, 0, (size_t)(nr / 8));
	for (done = 0; done < nr; done += n) {
		n = nr - done < SLICE ? nr - done : SLICE;
		uf_classify(&c, start_pfn + done, n, classes);
		for (i = 0; i < n; i++)
			if (classes[i] != NOT_RAM &&
			    !(drop & VMCF_CLASS_BIT(classes[i])))
				bits[(done + i) / 8] |= 1U << ((done + i) % 8);
	}
	uf_call_deinit(&c);
	return NULL;
}

struct vmcf_error *userspace_filter_counts(struct userspace_filter *uf,
					   uint64_t start_pfn,
					   uint64_t end_pfn,
					   uint64_t counts[VMCF_NR_CLASSES])
{
	uint64_t pfn, n, i, j;
	uint8_t classes[SLICE];
	struct vmcf_error *err;
	struct uf_call c;

	if (!uf || !counts || end_pfn < start_pfn)
		return vmcf_error_create(EINVAL,
					 "counts of pfns [0x%" PRIx64 ", 0x%" PRIx64 "): bad arguments",
					 start_pfn, end_pfn);
	memset(counts, 0, sizeof(uint64_t) * VMCF_NR_CLASSES);
	if (end_pfn > uf->core->max_pfn)
		end_pfn = uf->core->max_pfn;
	if (start_pfn >= end_pfn)
		return NULL;
	err = uf_call_init(&c, uf);
	if (err)
		return err;
	for (pfn = start_pfn - start_pfn % SLICE; pfn < end_pfn; pfn += n) {
		n = end_pfn - pfn < SLICE ? end_pfn - pfn : SLICE;
		uf_classify(&c, pfn, n, classes);
		/* By runs: one add per run, not a chain of increments. */
		for (i = pfn < start_pfn ? start_pfn - pfn : 0; i < n; i = j) {
			for (j = i + 1; j < n && classes[j] == classes[i]; j++)
				;
			if (classes[i] < VMCF_NR_CLASSES)
				counts[classes[i]] += j - i;
		}
	}
	uf_call_deinit(&c);
	return NULL;
}

uint64_t userspace_filter_features(const struct userspace_filter *uf)
{
	if (!uf || (uf->layout.flags & VMCF_LAYOUT_UNKNOWN_RELEASE))
		return 0;
	return VMCF_FEATURE_RELEASE_TABLE;
}

const char *userspace_filter_warnings(const struct userspace_filter *uf)
{
	return uf ? uf->layout.warnings : "";
}

/*
 * Maps /proc/vmcore whole: its read() maps old memory a page at a time,
 * its mmap() once (in large leaves with patches/vmcore-mmap).  A saved core
 * is read with pread() into the slice buffer instead: mapping page-cache
 * pages costs the kernel per-page accounting, and copying 64 KiB slices
 * that stay in cache was 2 to 3 times faster (Documentation/benchmarks.rst).
 */
static void uf_map_file(struct userspace_filter *uf)
{
	struct statfs sfs;
	struct stat st;
	void *p;

	if (uf->core->fd < 0 || fstatfs(uf->core->fd, &sfs) ||
	    sfs.f_type != PROC_SUPER_MAGIC || fstat(uf->core->fd, &st) ||
	    !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED,
		 uf->core->fd, 0);
	if (p == MAP_FAILED)
		return;
	uf->map = p;
	uf->map_len = (size_t)st.st_size;
}

struct vmcf_error *userspace_filter_create(struct elfcore *core,
					   struct userspace_filter **uf_ret)
{
	struct userspace_filter *uf;
	struct vmcf_error *err;
	char msg[256];
	int ret;

	if (!core->nr_loads || !core->vmcoreinfo_size)
		return vmcf_error_create(EINVAL,
					 "%s: no RAM or no VMCOREINFO to classify",
					 core->name);
	if (core->page_size != 4096)
		return vmcf_error_create(EINVAL,
					 "%s: page size %" PRIu32 " is not x86_64's",
					 core->name, core->page_size);
	uf = calloc(1, sizeof(*uf));
	if (!uf)
		return &vmcf_enomem;
	uf->core = core;

	ret = vmcf_layout_parse(&uf->layout,
				(const char *)core->notes +
				core->vmcoreinfo_offset,
				core->vmcoreinfo_size, msg, sizeof(msg));
	if (ret) {
		err = vmcf_error_create(EINVAL, "%s: %s", core->name, msg);
		goto fail;
	}
	ret = vmcf_memmap_init(&uf->memmap, &uf->layout, uf_phys_read, core,
			       core->loads[0].paddr / core->page_size, msg,
			       sizeof(msg));
	if (ret) {
		err = vmcf_error_create(-ret, "%s: %s", core->name, msg);
		goto fail;
	}
	uf_map_file(uf);
	*uf_ret = uf;
	return NULL;
fail:
	free(uf);
	return err;
}

void userspace_filter_destroy(struct userspace_filter *uf)
{
	if (uf && uf->map)
		munmap((void *)uf->map, uf->map_len);
	free(uf);
}
