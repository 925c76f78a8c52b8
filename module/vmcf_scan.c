// SPDX-License-Identifier: GPL-2.0
/*
 * Classify ranges of the crashed kernel's pfns, spread over the CPUs.
 *
 * A range is cut into pieces of one memory section (32768 pfns on x86_64,
 * whose struct pages are one 2 MiB vmemmap leaf).  One work item per online
 * CPU takes pieces from a shared counter until none is left, so CPUs that
 * meet holes simply take more pieces.  A piece's struct pages are mapped
 * with one memremap() and classified 1024 pfns (a MAX_ORDER block) at a
 * time; each 1024-pfn slice owns 128 bytes of the output bitmap, so the
 * workers never write the same byte.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vmcf_classify.h"
#include "vmcf_memmap.h"
#include "vmcf_module.h"

/* Classification unit: free buddy blocks never cross its boundaries. */
#define VMCF_SLICE		1024

static_assert(VMCF_NR_CLASSES <= VMCF_SCAN_MAX_CLASSES);
static_assert(VMCF_NR_CLASSES < VMCF_NOT_RAM);
/* vmcf_emit() looks classes up in a 64-bit mask: NOT_RAM must miss it. */
static_assert(VMCF_NR_CLASSES <= (VMCF_NOT_RAM & 63));

static struct workqueue_struct *vmcf_wq;

/**
 * struct vmcf_job - one range to classify
 * @c: the crashed kernel
 * @drop: classes whose pages are not kept
 * @start: first pfn, a multiple of VMCF_SLICE
 * @end: first pfn after the range
 * @count_from: first pfn counted (counting jobs)
 * @keep: bit (1 << class) set for each class whose pages are kept; clear
 *	for VMCF_NOT_RAM (bit 63)
 * @bits: receives the keep bits of [@start, @end), or NULL to count
 * @piece_pfns: pfns per piece (a memory section)
 * @nr_pieces: pieces in the range
 * @next: next piece to take
 * @pending: workers still running
 * @done: completed by the last worker
 */
struct vmcf_job {
	const struct vmcf_crash *c;
	u64 drop;
	u64 start;
	u64 end;
	u64 count_from;
	u64 keep;
	u8 *bits;
	u64 piece_pfns;
	u64 nr_pieces;
	atomic64_t next;
	atomic_t pending;
	struct completion done;
};

/**
 * struct vmcf_worker - one CPU's share of a job
 * @work: queued on that CPU
 * @job: the job
 * @om: its reader of old memory
 * @win_pfn: first pfn of the mapped struct pages
 * @win_nr: number of mapped struct pages
 * @win_va: their mapping, or NULL
 * @bounce: VMCF_SLICE struct pages copied from a fragmented vmemmap
 * @counts: pages per class it counted
 * @classes: classes of the current slice
 * @ram: which pfns of the current slice are RAM
 */
struct vmcf_worker {
	struct work_struct work;
	struct vmcf_job *job;
	struct vmcf_oldmem om;
	u64 win_pfn;
	u64 win_nr;
	void *win_va;
	u8 *bounce;
	u64 counts[VMCF_NR_CLASSES];
	u8 classes[VMCF_SLICE] __aligned(8);
	DECLARE_BITMAP(ram, VMCF_SLICE);
};

/*
 * Marks the RAM pfns of [pfn, pfn + n).  Returns 0 if there are none, 2 if
 * all are RAM (the common case: @ram is then not filled and nobody needs
 * to look at it pfn by pfn), 1 otherwise.
 */
static int vmcf_ram_bits(const struct vmcf_crash *c, u64 pfn, u64 n,
			 unsigned long *ram)
{
	unsigned int lo = 0, hi = c->nr_ram_pfns, mid;
	const struct vmcf_span *r;
	int any = 0;
	u64 a, b;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->ram_pfns[mid].end <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_ram_pfns && c->ram_pfns[lo].start <= pfn &&
	    c->ram_pfns[lo].end >= pfn + n)
		return 2;
	bitmap_zero(ram, VMCF_SLICE);
	for (; lo < c->nr_ram_pfns && c->ram_pfns[lo].start < pfn + n; lo++) {
		r = &c->ram_pfns[lo];
		a = max(r->start, pfn);
		b = min(r->end, pfn + n);
		bitmap_set(ram, a - pfn, b - a);
		any = 1;
	}
	return any;
}

static void vmcf_unmap_window(struct vmcf_worker *w)
{
	vmcf_oldmem_unmap(w->win_va);
	w->win_va = NULL;
	w->win_nr = 0;
}

/* The struct pages of [pfn, pfn + n), n <= VMCF_SLICE, or an ERR_PTR. */
static const u8 *vmcf_pages(struct vmcf_worker *w, u64 pfn, u64 n)
{
	const struct vmcf_crash *c = w->job->c;
	const struct vmcf_memmap *m = c->memmap;
	u64 sps = m->struct_page_size, pa, nr;
	int ret;

	if (w->win_va && pfn >= w->win_pfn && pfn + n <= w->win_pfn + w->win_nr)
		return (u8 *)w->win_va + (pfn - w->win_pfn) * sps;

	/* Map the rest of the section: normally one 2 MiB vmemmap leaf. */
	vmcf_unmap_window(w);
	ret = vmcf_memmap_locate(m, &w->om, pfn, vmcf_memmap_section_pfns(m),
				 &pa, &nr);
	if (ret)
		return ERR_PTR(ret);
	if (nr >= n) {
		w->win_va = vmcf_oldmem_map(c, pa, nr * sps);
		if (w->win_va) {
			w->win_pfn = pfn;
			w->win_nr = nr;
			return w->win_va;
		}
	}

	/* Fragmented (hugetlb vmemmap optimisation) or unmappable: copy. */
	if (!w->bounce) {
		w->bounce = kvmalloc(VMCF_SLICE * sps, GFP_KERNEL);
		if (!w->bounce)
			return ERR_PTR(-ENOMEM);
	}
	ret = vmcf_memmap_read(m, &w->om, pfn, n, w->bounce);
	return ret ? ERR_PTR(ret) : w->bounce;
}

/* Compound heads outside the slice: from the window when possible. */
static int vmcf_read_head(void *ctx, u64 pfn, void *buf)
{
	struct vmcf_worker *w = ctx;
	const struct vmcf_memmap *m = w->job->c->memmap;

	if (w->win_va && pfn >= w->win_pfn && pfn < w->win_pfn + w->win_nr) {
		memcpy(buf, (u8 *)w->win_va +
		       (pfn - w->win_pfn) * m->struct_page_size,
		       m->struct_page_size);
		return 0;
	}
	return vmcf_memmap_read(m, &w->om, pfn, 1, buf);
}

/* Classes of [pfn, pfn + n) into w->classes; never fails: CORRUPT is kept */
static void vmcf_slice(struct vmcf_worker *w, u64 pfn, u64 n)
{
	const struct vmcf_crash *c = w->job->c;
	struct vmcf_head_reader rd = {
		.read_page = vmcf_read_head,
		.ctx = w,
		.vmemmap_base = c->memmap->vmemmap_base,
	};
	const u8 *pages;
	int ram;
	u64 i;

	ram = vmcf_ram_bits(c, pfn, n, w->ram);
	if (!ram) {
		memset(w->classes, VMCF_NOT_RAM, n);
		return;
	}
	pages = vmcf_pages(w, pfn, n);
	if (IS_ERR(pages)) {
		pr_warn_ratelimited("pfns %#llx-%#llx: their struct pages cannot be read (%ld): kept\n",
				    pfn, pfn + n - 1, PTR_ERR(pages));
		memset(w->classes, VMCF_CORRUPT, n);
	} else if (vmcf_classify_range(c->layout, pages, pfn, n, w->classes,
				       NULL, &rd)) {
		memset(w->classes, VMCF_CORRUPT, n);
	}
	if (ram == 1)
		for (i = 0; i < n; i++)
			if (!test_bit(i, w->ram))
				w->classes[i] = VMCF_NOT_RAM;
}

/* Keep bit @k of a byte, for the class in byte @k of @v. */
static inline u8 vmcf_keep(u64 keep, u64 v, unsigned int k)
{
	return ((keep >> ((v >> (8 * k)) & 63)) & 1) << k;
}

/* Keep bits or counts of the slice just classified. */
static void vmcf_emit(struct vmcf_worker *w, u64 pfn, u64 n)
{
	struct vmcf_job *job = w->job;
	const u8 *cls = w->classes;
	u64 keep = job->keep, i, v;
	u8 *out;

	if (!job->bits) {
		for (i = 0; i < n; i++)
			if (cls[i] != VMCF_NOT_RAM && pfn + i >= job->count_from)
				w->counts[cls[i]]++;
		return;
	}
	/*
	 * n is a multiple of 8 (vmcf_scan_bits() checks): whole bytes, from
	 * eight classes loaded at once.  Loads are what an emulated CPU
	 * spends its time on.  Classes come in runs, so most bytes are eight
	 * pfns of one class: one lookup for the byte.
	 */
	out = job->bits + (pfn - job->start) / 8;
	for (i = 0; i < n; i += 8) {
		v = le64_to_cpup((const __le64 *)(cls + i));
		if (v == (v & 0xff) * 0x0101010101010101ULL) {
			*out++ = vmcf_keep(keep, v, 0) ? 0xff : 0;
			continue;
		}
		*out++ = vmcf_keep(keep, v, 0) | vmcf_keep(keep, v, 1) |
			 vmcf_keep(keep, v, 2) | vmcf_keep(keep, v, 3) |
			 vmcf_keep(keep, v, 4) | vmcf_keep(keep, v, 5) |
			 vmcf_keep(keep, v, 6) | vmcf_keep(keep, v, 7);
	}
}

static void vmcf_worker_run(struct vmcf_worker *w)
{
	struct vmcf_job *job = w->job;
	u64 k, base, s, e, pfn, n;

	vmcf_oldmem_init(&w->om, job->c);
	for (;;) {
		k = atomic64_inc_return(&job->next) - 1;
		if (k >= job->nr_pieces)
			break;
		base = round_down(job->start, job->piece_pfns) +
		       k * job->piece_pfns;
		s = max(base, job->start);
		e = min(base + job->piece_pfns, job->end);
		for (pfn = s; pfn < e; pfn += n) {
			n = min_t(u64, e - pfn, VMCF_SLICE);
			vmcf_slice(w, pfn, n);
			vmcf_emit(w, pfn, n);
			cond_resched();
		}
	}
	vmcf_unmap_window(w);
	vmcf_oldmem_deinit(&w->om);
	kvfree(w->bounce);
	w->bounce = NULL;
}

static void vmcf_work(struct work_struct *work)
{
	struct vmcf_worker *w = container_of(work, struct vmcf_worker, work);
	struct vmcf_job *job = w->job;

	vmcf_worker_run(w);
	if (atomic_dec_and_test(&job->pending))
		complete(&job->done);
}

/*
 * Run @job on up to one worker per online CPU; a job of one piece runs in
 * the caller.  Adds the workers' counts to @counts if it is not NULL.
 */
static int vmcf_run(struct vmcf_job *job, u64 *counts)
{
	const struct vmcf_memmap *m = job->c->memmap;
	struct vmcf_worker *w;
	unsigned int nw, i, cpu;
	u64 base;
	int c;

	job->piece_pfns = vmcf_memmap_section_pfns(m);
	base = round_down(job->start, job->piece_pfns);
	job->nr_pieces = DIV_ROUND_UP(job->end - base, job->piece_pfns);
	nw = min_t(u64, num_online_cpus(), job->nr_pieces);
	if (!nw)
		return 0;
	w = kvcalloc(nw, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	for (i = 0; i < nw; i++)
		w[i].job = job;
	atomic64_set(&job->next, 0);

	if (nw == 1) {
		vmcf_worker_run(&w[0]);
	} else {
		init_completion(&job->done);
		atomic_set(&job->pending, nw);
		i = 0;
		for_each_online_cpu(cpu) {
			if (i == nw)
				break;
			INIT_WORK(&w[i].work, vmcf_work);
			queue_work_on(cpu, vmcf_wq, &w[i].work);
			i++;
		}
		/* CPUs that went offline meanwhile: their share runs here. */
		for (; i < nw; i++) {
			INIT_WORK(&w[i].work, vmcf_work);
			vmcf_work(&w[i].work);
		}
		wait_for_completion(&job->done);
	}
	if (counts)
		for (i = 0; i < nw; i++)
			for (c = 0; c < VMCF_NR_CLASSES; c++)
				counts[c] += w[i].counts[c];
	kvfree(w);
	return 0;
}

/**
 * vmcf_scan_bits() - keep bits of a range of pfns
 * @c: the crashed kernel
 * @exclude: classes not to keep (VMCF_ALWAYS_EXCLUDED is added by caller)
 * @start_pfn: first pfn, a multiple of 1024
 * @nr: number of pfns, a multiple of 8
 * @bits: receives @nr / 8 bytes, least significant bit first, 1 = keep
 *
 * A RAM pfn is kept unless its class is in @exclude; pfns that are not RAM
 * are 0.  Pfns whose struct pages cannot be read are kept (and warned
 * about).  Uses every online CPU for a range of more than one section.
 *
 * Return: 0, -EINVAL for a misaligned range, -ENOMEM.
 */
int vmcf_scan_bits(const struct vmcf_crash *c, u64 exclude, u64 start_pfn,
		   u64 nr, u8 *bits)
{
	struct vmcf_job job = {
		.c = c,
		.drop = exclude,
		.start = start_pfn,
		.end = start_pfn + nr,
		.bits = bits,
	};
	unsigned int cls;

	if (start_pfn % VMCF_SLICE || nr % 8 || job.end < start_pfn)
		return -EINVAL;
	for (cls = 0; cls < VMCF_NR_CLASSES; cls++)
		if (!(exclude & BIT_ULL(cls)))
			job.keep |= BIT_ULL(cls);
	memset(bits, 0, nr / 8);
	return vmcf_run(&job, NULL);
}

/**
 * vmcf_scan_counts() - pages per class in a range of pfns
 * @c: the crashed kernel
 * @start_pfn: first pfn
 * @end_pfn: first pfn after the range
 * @counts: VMCF_SCAN_MAX_CLASSES counters, indexed by class id, added to
 *
 * Only RAM pfns are counted.
 *
 * Return: 0, -EINVAL if @end_pfn < @start_pfn, -ENOMEM.
 */
int vmcf_scan_counts(const struct vmcf_crash *c, u64 start_pfn, u64 end_pfn,
		     u64 *counts)
{
	struct vmcf_job job = {
		.c = c,
		.start = round_down(start_pfn, VMCF_SLICE),
		.end = end_pfn,
		.count_from = start_pfn,
	};

	if (end_pfn < start_pfn)
		return -EINVAL;
	if (end_pfn == start_pfn)
		return 0;
	return vmcf_run(&job, counts);
}

/**
 * vmcf_scan_vmemmap_base() - where the crashed kernel's struct pages start
 * @c: the crashed kernel, after vmcf_scan_setup()
 *
 * Return: the virtual address of pfn 0's struct page.
 */
u64 vmcf_scan_vmemmap_base(const struct vmcf_crash *c)
{
	return c->memmap->vmemmap_base;
}

/**
 * vmcf_scan_release() - the crashed kernel's release
 * @c: the crashed kernel, after vmcf_vmcore_load()
 *
 * Return: its OSRELEASE.
 */
const char *vmcf_scan_release(const struct vmcf_crash *c)
{
	return c->layout->release;
}

/**
 * vmcf_scan_setup() - find the struct pages and start the workqueue
 * @c: after vmcf_vmcore_load()
 *
 * Return: 0, or a negative errno after a message saying which VMCOREINFO
 * entry, mem_section or page table could not be used.
 */
int vmcf_scan_setup(struct vmcf_crash *c)
{
	char err[VMCF_WARN_LEN];
	struct vmcf_oldmem om;
	u64 sme = 0;
	int ret;

	/*
	 * Under SME the old memory is encrypted and memremap() here would
	 * return ciphertext; /proc/vmcore decrypts it, so use the userspace
	 * filter on it instead.
	 */
	if (vmcf_vi_get(c->layout, VMCF_VI_SME_MASK, &sme) && sme) {
		pr_err("the crashed kernel ran with SME (sme_mask %#llx): not supported, classify /proc/vmcore in userspace\n",
		       sme);
		return -EOPNOTSUPP;
	}
	c->memmap = kzalloc(sizeof(*c->memmap), GFP_KERNEL);
	if (!c->memmap)
		return -ENOMEM;
	vmcf_oldmem_init(&om, c);
	ret = vmcf_memmap_init(c->memmap, c->layout, vmcf_oldmem_read, &om,
			       c->ram_pfns[0].start, err, sizeof(err));
	vmcf_oldmem_deinit(&om);
	if (ret) {
		pr_err("cannot find the crashed kernel's struct pages: %s\n",
		       err);
		goto fail;
	}
	vmcf_wq = alloc_workqueue("vmcore_filter", WQ_CPU_INTENSIVE, 0);
	if (!vmcf_wq)
		ret = -ENOMEM;
fail:
	return ret;
}

/**
 * vmcf_scan_free() - undo vmcf_scan_setup()
 * @c: as vmcf_scan_setup() left it, even after a failure
 */
void vmcf_scan_free(struct vmcf_crash *c)
{
	if (vmcf_wq)
		destroy_workqueue(vmcf_wq);
	vmcf_wq = NULL;
	kfree(c->memmap);
	c->memmap = NULL;
}
