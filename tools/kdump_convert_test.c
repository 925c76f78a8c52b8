// SPDX-License-Identifier: GPL-2.0
/*
 * Format tests without a VM: synthetic vmcores (testgen) are read with
 * elfcore, written with kdump_writer in every compression and dump policy,
 * as a --split set and as a flattened stream, then read back with
 * libkdumpfile and compared byte for byte with what testgen says each page
 * holds.
 *
 * usage: kdump_convert_test OUTDIR DESC VMCORE [DESC VMCORE]...
 * environment:
 *	VMCF_ENOSPC_DIR	  a small filesystem for the ENOSPC test
 *	VMCF_ENOSPC_SKIP  why there is none (printed as the skip reason)
 *	VMCF_MAKEDUMPFILE makedumpfile for -R (default /usr/bin/makedumpfile)
 *
 * Prints "ok - ...", "not ok - ..." and "skip - ...: reason" lines.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "byteorder.h"
#include "compress.h"
#include "elfcore.h"
#include "kdump_writer.h"
#include "testgen.h"
#include "vmcf_error.h"

#define PAGE		TESTGEN_PAGE_SIZE
#define NR_THREADS	3
/* Pages per unit of work: threads interleave, so data lands out of order. */
#define CHUNK_PAGES	7

static int failures;
static const char *outdir;

static void report(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Prints a diagnostic line (not a result). */
static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("  # ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Reports err as a failure of what, frees it; true if there was none. */
static bool check_err(struct vmcf_error *err, const char *what)
{
	if (!err)
		return true;
	report(false, "%s: %s", what, err->message);
	vmcf_error_destroy(err);
	return false;
}

static bool is_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

struct tcase {
	const char *name;
	const char *vmcore_path;
	struct testgen gen;
	int fd;
	struct elfcore *core;
	uint64_t max_pfn;
	uint8_t *ram;		/* bitmap 1 */
	uint8_t *zero;		/* pfns whose page is all zeros */
};

/* --- elfcore against testgen -------------------------------------------- */

static void test_elfcore(struct tcase *c)
{
	struct elfcore *core = c->core;
	const struct testgen *g = &c->gen;
	unsigned char *got = malloc(PAGE), *want = malloc(PAGE);
	uint64_t pfn, phys_base = 0, want_phys_base, bad = 0;
	struct vmcf_error *err;
	char vmcoreinfo[4096];

	report(core->nr_prstatus == g->cpus, "%s: %u NT_PRSTATUS notes (%u)",
	       c->name, core->nr_prstatus, g->cpus);
	testgen_vmcoreinfo(g, vmcoreinfo, sizeof(vmcoreinfo));
	report(core->vmcoreinfo_size == strlen(vmcoreinfo) &&
		       memcmp(core->notes + core->vmcoreinfo_offset,
			      vmcoreinfo, core->vmcoreinfo_size) == 0,
	       "%s: VMCOREINFO found in the notes", c->name);
	report(strcmp(core->basics.osrelease, g->osrelease) == 0 &&
		       core->basics.page_size == PAGE &&
		       core->basics.has_crashtime &&
		       core->basics.crashtime == g->crashtime &&
		       core->basics.has_kerneloffset &&
		       core->basics.kerneloffset == g->kerneloffset,
	       "%s: VMCOREINFO OSRELEASE=%s PAGESIZE=%u CRASHTIME=%" PRId64
	       " KERNELOFFSET=%" PRIx64,
	       c->name, core->basics.osrelease, core->basics.page_size,
	       core->basics.crashtime, core->basics.kerneloffset);
	want_phys_base = g->has_phys_base ? g->phys_base :
			 g->ktext_paddr - (g->ktext_vaddr -
					   UINT64_C(0xffffffff80000000));
	err = elfcore_phys_base(core, &phys_base);
	if (check_err(err, "phys_base"))
		report(phys_base == want_phys_base,
		       "%s: phys_base 0x%" PRIx64 " (%s)", c->name, phys_base,
		       g->has_phys_base ? "NUMBER(phys_base)" :
					  "kernel text PT_LOAD");
	report(core->max_pfn == testgen_max_pfn(g),
	       "%s: max_pfn 0x%" PRIx64 ", %zu PT_LOADs after %zu overlaps",
	       c->name, core->max_pfn, core->nr_loads, core->nr_overlaps);

	for (pfn = 0; pfn < core->max_pfn + 2; pfn++) {
		bool ram = testgen_is_ram(g, pfn);

		if (elfcore_is_ram(core, pfn) != ram) {
			if (!bad++)
				diag("pfn 0x%" PRIx64 ": is_ram %d, want %d",
				     pfn, !ram, ram);
			continue;
		}
		if (!ram)
			continue;
		err = elfcore_read_page(core, pfn, got);
		testgen_fill(g, pfn * PAGE, want, PAGE);
		if (err || memcmp(got, want, PAGE) != 0) {
			if (!bad++)
				diag("pfn 0x%" PRIx64 ": %s", pfn,
				     err ? err->message : "content differs");
			vmcf_error_destroy(err);
		}
	}
	report(!bad, "%s: elfcore reads every page as generated (%" PRIu64
	       " bad)", c->name, bad);
	free(got);
	free(want);
}

/* The generator checked against an independent reader. */
static void test_libkdumpfile_elf(struct tcase *c)
{
	kdump_ctx_t *ctx = kdump_new();
	unsigned char *got = malloc(PAGE), *want = malloc(PAGE);
	uint64_t pfn, checked = 0, bad = 0, offset;
	kdump_status st;

	st = kdump_open_fd(ctx, c->fd);
	if (st != KDUMP_OK) {
		report(false, "%s: libkdumpfile opens the ELF core: %s",
		       c->name, kdump_get_err(ctx));
		goto out;
	}
	for (pfn = 0; pfn < c->max_pfn; pfn++) {
		size_t len = PAGE;

		/* libkdumpfile has no zeros past p_filesz: whole pages only. */
		if (elfcore_page_lookup(c->core, pfn, &offset) !=
		    ELFCORE_PAGE_FILE)
			continue;
		checked++;
		st = kdump_read(ctx, KDUMP_MACHPHYSADDR, pfn * PAGE, got, &len);
		testgen_fill(&c->gen, pfn * PAGE, want, PAGE);
		if (st != KDUMP_OK || memcmp(got, want, PAGE) != 0) {
			if (!bad++)
				diag("pfn 0x%" PRIx64 ": %s", pfn,
				     st ? kdump_get_err(ctx) : "differs");
		}
	}
	report(!bad && checked,
	       "%s: libkdumpfile reads the ELF core as generated (%" PRIu64
	       " pages)", c->name, checked);
out:
	kdump_free(ctx);
	free(got);
	free(want);
}

/* --- conversion -------------------------------------------------------- */

enum policy {
	POLICY_ALL,		/* -d 0 */
	POLICY_ZERO_SHARED,	/* -d 1: zero pages share one stored page */
	POLICY_ZERO_DROPPED,	/* -d 1: zero pages left out of bitmap 2 */
	POLICY_EXCLUDE_SET,	/* -d 16: a chosen set of pfns left out */
	NR_POLICIES,
};

static const char *const policy_names[NR_POLICIES] = {
	"all", "zero-shared", "zero-dropped", "exclude-set",
};

/* The "chosen set": every fifth pfn and a run of 40. */
static bool excluded_by_set(uint64_t pfn)
{
	return pfn % 5 == 2 || (pfn >= 0x120 && pfn < 0x148);
}

static uint8_t *make_dump_bitmap(const struct tcase *c, enum policy policy)
{
	size_t bytes = kdump_bitmap_bytes(c->max_pfn);
	uint8_t *bm = malloc(bytes);

	if (!bm)
		abort();
	memcpy(bm, c->ram, bytes);
	for (uint64_t pfn = 0; pfn < c->max_pfn; pfn++) {
		if ((policy == POLICY_ZERO_DROPPED &&
		     kdump_bitmap_test(c->zero, pfn)) ||
		    (policy == POLICY_EXCLUDE_SET && excluded_by_set(pfn)))
			kdump_bitmap_clear(bm, pfn);
	}
	return bm;
}

static void fill_params(const struct tcase *c, enum policy policy,
			enum compress_alg alg, const uint8_t *dump_bitmap,
			struct kdump_writer_params *p)
{
	uint64_t phys_base = 0;

	vmcf_error_destroy(elfcore_phys_base(c->core, &phys_base));
	memset(p, 0, sizeof(*p));
	p->page_size = c->core->page_size;
	p->max_pfn = c->core->max_pfn;
	p->ram_bitmap = c->ram;
	p->dump_bitmap = dump_bitmap;
	p->notes = c->core->notes;
	p->notes_size = c->core->notes_size;
	p->vmcoreinfo_offset = c->core->vmcoreinfo_offset;
	p->vmcoreinfo_size = c->core->vmcoreinfo_size;
	p->release = c->core->basics.osrelease;
	/* What the collector reads from init_uts_ns. */
	p->nodename = "vmcf-test";
	p->version = "#1 SMP PREEMPT_DYNAMIC vmcf";
	p->crashtime = c->core->basics.crashtime;
	p->phys_base = phys_base;
	p->dump_level = policy == POLICY_ALL ? 0 :
			policy == POLICY_EXCLUDE_SET ? 16 :
						       KDUMP_DL_EXCLUDE_ZERO;
	p->zero_page = policy == POLICY_ZERO_SHARED;
	p->nr_cpus = (int32_t)c->core->nr_prstatus;
	p->compression = alg;
}

struct convert_stats {
	uint64_t pages, compressed, raw, zero;
};

struct convert_job {
	const struct tcase *c;
	struct kdump_writer *w;
	enum compress_alg alg;
	unsigned int tid, nr_threads;
	struct vmcf_error *err;
	struct convert_stats stats;
};

struct batch_entry {
	uint64_t pfn;
	size_t offset, size;
	uint32_t flags;
};

/*
 * Stores a chunk's pages with one reserve and one write, then a descriptor
 * per page: the batching path a pipeline may take instead of put_page.
 */
static struct vmcf_error *put_batch(struct kdump_writer *w,
				    const unsigned char *buf, size_t len,
				    const struct batch_entry *e, size_t n)
{
	uint64_t base = kdump_writer_reserve(w, len);
	struct vmcf_error *err = kdump_writer_write_at(w, buf, len, base);

	for (size_t i = 0; !err && i < n; i++)
		err = kdump_writer_put_desc(w, e[i].pfn, base + e[i].offset,
					    e[i].size, e[i].flags);
	return err;
}

/*
 * What the collector's workers will do: read, classify, compress, put.
 * Even threads put page by page, odd ones batch a chunk at a time.
 */
static void *convert_thread(void *arg)
{
	struct convert_job *job = arg;
	const struct kdump_layout *l = kdump_writer_layout(job->w);
	bool batch = job->tid % 2;
	struct compressor *comp = NULL;
	unsigned char *page = malloc(PAGE);
	unsigned char *batch_buf = malloc(CHUNK_PAGES * PAGE);
	struct batch_entry entry[CHUNK_PAGES];
	uint64_t first;

	job->err = page && batch_buf ?
			   compressor_create(job->alg, PAGE, &comp) :
			   &vmcf_enomem;
	for (first = l->start_pfn + (uint64_t)job->tid * CHUNK_PAGES;
	     !job->err && first < l->end_pfn;
	     first += (uint64_t)job->nr_threads * CHUNK_PAGES) {
		size_t batch_len = 0, nr_entries = 0;

		for (uint64_t pfn = first;
		     !job->err && pfn < first + CHUNK_PAGES && pfn < l->end_pfn;
		     pfn++) {
			const void *data;
			size_t size;
			uint32_t flags = 0;

			if (kdump_writer_desc_index(job->w, pfn) ==
			    KDUMP_NO_DESC)
				continue;
			job->err = elfcore_read_page(job->c->core, pfn, page);
			if (job->err)
				break;
			job->stats.pages++;
			if (l->zero_page_offset && is_zero(page, PAGE)) {
				job->stats.zero++;
				job->err = kdump_writer_put_zero(job->w, pfn);
				continue;
			}
			job->err = compressor_page(comp, page, &data, &size,
						   &flags);
			if (job->err)
				break;
			if (flags)
				job->stats.compressed++;
			else
				job->stats.raw++;
			if (!batch) {
				job->err = kdump_writer_put_page(job->w, pfn,
								 data, size,
								 flags);
				continue;
			}
			memcpy(batch_buf + batch_len, data, size);
			entry[nr_entries++] = (struct batch_entry){
				.pfn = pfn, .offset = batch_len, .size = size,
				.flags = flags,
			};
			batch_len += size;
		}
		if (!job->err && batch_len)
			job->err = put_batch(job->w, batch_buf, batch_len,
					     entry, nr_entries);
	}
	compressor_destroy(comp);
	free(batch_buf);
	free(page);
	return NULL;
}

/* Puts every page of w's range with nr_threads threads; the first error. */
static struct vmcf_error *convert(const struct tcase *c, struct kdump_writer *w,
				  enum compress_alg alg, unsigned nr_threads,
				  struct convert_stats *stats_ret)
{
	struct convert_job job[NR_THREADS];
	pthread_t thread[NR_THREADS];
	struct vmcf_error *err = NULL;
	unsigned i;

	memset(stats_ret, 0, sizeof(*stats_ret));
	for (i = 0; i < nr_threads; i++) {
		job[i] = (struct convert_job){
			.c = c, .w = w, .alg = alg, .tid = i,
			.nr_threads = nr_threads,
		};
		if (pthread_create(&thread[i], NULL, convert_thread, &job[i]))
			abort();
	}
	for (i = 0; i < nr_threads; i++) {
		pthread_join(thread[i], NULL);
		if (job[i].err && !err)
			err = job[i].err;
		else
			vmcf_error_destroy(job[i].err);
		stats_ret->pages += job[i].stats.pages;
		stats_ret->compressed += job[i].stats.compressed;
		stats_ret->raw += job[i].stats.raw;
		stats_ret->zero += job[i].stats.zero;
	}
	return err;
}

/* --- reading back ------------------------------------------------------ */

/* The raw header fields the tests check. */
struct header_view {
	char signature[9];
	uint32_t version, status, block_size, sub_hdr_size, bitmap_blocks;
	uint32_t max_mapnr;
	int32_t nr_cpus, dump_level, split;
	char release[65], machine[65];
	int64_t tv_sec;
	uint64_t phys_base, start_pfn_64, end_pfn_64, max_mapnr_64;
	uint64_t offset_vmcoreinfo, size_vmcoreinfo, offset_note, size_note;
	char vmcoreinfo[4096];
};

static bool read_header(const char *path, struct header_view *h)
{
	unsigned char buf[2 * PAGE];
	int fd = open(path, O_RDONLY);
	bool ok;

	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return false;
	ok = pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
	if (ok) {
		const unsigned char *s = buf + PAGE;

		memcpy(h->signature, buf, 8);
		h->version = get_le32(buf + 8);
		memcpy(h->release, buf + 12 + 2 * 65, 64);
		memcpy(h->machine, buf + 12 + 4 * 65, 64);
		h->tv_sec = (int64_t)get_le64(buf + 408);
		h->status = get_le32(buf + 424);
		h->block_size = get_le32(buf + 428);
		h->sub_hdr_size = get_le32(buf + 432);
		h->bitmap_blocks = get_le32(buf + 436);
		h->max_mapnr = get_le32(buf + 440);
		h->nr_cpus = (int32_t)get_le32(buf + 460);
		h->phys_base = get_le64(s);
		h->dump_level = (int32_t)get_le32(s + 8);
		h->split = (int32_t)get_le32(s + 12);
		h->offset_vmcoreinfo = get_le64(s + 32);
		h->size_vmcoreinfo = get_le64(s + 40);
		h->offset_note = get_le64(s + 48);
		h->size_note = get_le64(s + 56);
		h->start_pfn_64 = get_le64(s + 80);
		h->end_pfn_64 = get_le64(s + 88);
		h->max_mapnr_64 = get_le64(s + 96);
		if (h->size_vmcoreinfo < sizeof(h->vmcoreinfo))
			ok = pread(fd, h->vmcoreinfo, h->size_vmcoreinfo,
				   (off_t)h->offset_vmcoreinfo) ==
			     (ssize_t)h->size_vmcoreinfo;
	}
	close(fd);
	return ok;
}

/* Checks the headers of a finished (or incomplete) file against params. */
static bool check_header(const char *path, const struct tcase *c,
			 const struct kdump_writer_params *p, bool incomplete)
{
	uint32_t want_status = compress_alg_flag(p->compression) |
			       (incomplete ? KDUMP_FLAG_INCOMPLETE : 0);
	struct header_view h;
	char vmcoreinfo[4096];

	if (!read_header(path, &h)) {
		diag("%s: cannot read the headers", path);
		return false;
	}
	testgen_vmcoreinfo(&c->gen, vmcoreinfo, sizeof(vmcoreinfo));
#define EXPECT(cond)                                                       \
	do {                                                               \
		if (!(cond)) {                                             \
			diag("%s: header check failed: %s", path, #cond); \
			return false;                                      \
		}                                                          \
	} while (0)
	EXPECT(strcmp(h.signature, "KDUMP   ") == 0);
	EXPECT(h.version == 6);
	EXPECT(h.status == want_status);
	EXPECT(h.block_size == PAGE);
	EXPECT(strcmp(h.release, c->gen.osrelease) == 0);
	EXPECT(strcmp(h.machine, "x86_64") == 0);
	EXPECT(h.tv_sec == c->gen.crashtime);
	EXPECT(h.max_mapnr == c->max_pfn && h.max_mapnr_64 == c->max_pfn);
	EXPECT((uint64_t)h.bitmap_blocks * PAGE * 8 / 2 >= c->max_pfn);
	EXPECT(h.nr_cpus == (int32_t)c->gen.cpus);
	EXPECT(h.dump_level == p->dump_level);
	EXPECT(h.phys_base == p->phys_base);
	EXPECT(h.split == (p->split ? 1 : 0));
	EXPECT(!p->split || (h.start_pfn_64 == p->start_pfn &&
			     h.end_pfn_64 == p->end_pfn));
	EXPECT(h.offset_note == PAGE + KDUMP_SUB_HEADER_SIZE &&
	       h.size_note == c->core->notes_size);
	EXPECT(h.size_vmcoreinfo == strlen(vmcoreinfo) &&
	       memcmp(h.vmcoreinfo, vmcoreinfo, h.size_vmcoreinfo) == 0);
#undef EXPECT
	return true;
}

struct readback {
	uint64_t ok, absent, bad;
};

/*
 * Reads the dump back with libkdumpfile: pfns set in dumped (NULL: use
 * "attempt") must read as generated, the others must fail, or read as
 * zeros if zero_excluded.  Non-RAM pfns are sampled (every 251st and the
 * edges of RAM) to keep large sparse maps fast.
 */
static bool read_back(const struct tcase *c, const int *fds, unsigned nfds,
		      const uint8_t *dumped, bool zero_excluded,
		      bool tolerate_missing, const char *what,
		      struct readback *rb)
{
	kdump_ctx_t *ctx = kdump_new();
	unsigned char *got = malloc(PAGE), *want = malloc(PAGE);
	kdump_attr_t attr;
	kdump_status st;
	bool result = false;

	memset(rb, 0, sizeof(*rb));
	st = kdump_open_fdset(ctx, nfds, fds);
	if (st != KDUMP_OK) {
		diag("%s: kdump_open_fdset: %s", what, kdump_get_err(ctx));
		goto out;
	}
	if (zero_excluded &&
	    kdump_set_number_attr(ctx, KDUMP_ATTR_ZERO_EXCLUDED, 1) !=
		    KDUMP_OK) {
		diag("%s: set %s: %s", what, KDUMP_ATTR_ZERO_EXCLUDED,
		     kdump_get_err(ctx));
		goto out;
	}
	if (kdump_get_attr(ctx, "linux.uts.release", &attr) != KDUMP_OK ||
	    attr.type != KDUMP_STRING ||
	    strcmp(attr.val.string, c->gen.osrelease) != 0) {
		diag("%s: linux.uts.release is not %s", what,
		     c->gen.osrelease);
		goto out;
	}
	if (kdump_get_attr(ctx, KDUMP_ATTR_ARCH_NAME, &attr) != KDUMP_OK ||
	    attr.type != KDUMP_STRING ||
	    strcmp(attr.val.string, KDUMP_ARCH_X86_64) != 0) {
		diag("%s: %s is not %s", what, KDUMP_ATTR_ARCH_NAME,
		     KDUMP_ARCH_X86_64);
		goto out;
	}
	if (kdump_get_attr(ctx, KDUMP_ATTR_NUM_CPUS, &attr) != KDUMP_OK ||
	    attr.val.number != c->gen.cpus) {
		diag("%s: %s is not %u", what, KDUMP_ATTR_NUM_CPUS,
		     c->gen.cpus);
		goto out;
	}
	for (uint64_t pfn = 0; pfn < c->max_pfn + 3; pfn++) {
		bool ram = pfn < c->max_pfn && kdump_bitmap_test(c->ram, pfn);
		bool in = ram && kdump_bitmap_test(dumped, pfn);
		bool edge = (pfn && testgen_is_ram(&c->gen, pfn - 1)) ||
			    testgen_is_ram(&c->gen, pfn + 1);
		size_t len = PAGE;

		if (!ram && !edge && pfn % 251)
			continue;
		st = kdump_read(ctx, KDUMP_MACHPHYSADDR, pfn * PAGE, got, &len);
		if (in) {
			testgen_fill(&c->gen, pfn * PAGE, want, PAGE);
			if (st == KDUMP_OK && memcmp(got, want, PAGE) == 0) {
				rb->ok++;
				continue;
			}
			if (st != KDUMP_OK && tolerate_missing) {
				rb->absent++;
				continue;
			}
		} else if (zero_excluded && pfn < c->max_pfn) {
			/* libkdumpfile fills every pfn it lacks. */
			if (st == KDUMP_OK && is_zero(got, PAGE)) {
				rb->absent++;
				continue;
			}
		} else if (st != KDUMP_OK) {
			rb->absent++;
			continue;
		}
		if (!rb->bad++)
			diag("%s: pfn 0x%" PRIx64 " (%s): %s", what, pfn,
			     in ? "dumped" : "not dumped",
			     st != KDUMP_OK ? kdump_get_err(ctx) :
					      "read succeeded with wrong data");
	}
	result = !rb->bad;
out:
	kdump_free(ctx);
	free(got);
	free(want);
	return result;
}

static uint64_t count_bits(const uint8_t *bm, uint64_t n)
{
	uint64_t count = 0;

	for (uint64_t i = 0; i < n; i++)
		count += kdump_bitmap_test(bm, i);
	return count;
}

static void test_convert(const struct tcase *c, enum compress_alg alg,
			 enum policy policy)
{
	uint8_t *dumped = make_dump_bitmap(c, policy);
	struct kdump_writer_params p;
	struct kdump_writer *w = NULL;
	struct convert_stats stats;
	struct vmcf_error *err;
	struct readback rb;
	char path[4096], what[256];
	bool ok = false;
	int fd;

	snprintf(what, sizeof(what), "%s %s %s", c->name,
		 compress_alg_name(alg), policy_names[policy]);
	snprintf(path, sizeof(path), "%s/%s-%s-%s.kdump", outdir, c->name,
		 compress_alg_name(alg), policy_names[policy]);
	fill_params(c, policy, alg, dumped, &p);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		report(false, "%s: open %s: %s", what, path, strerror(errno));
		goto out;
	}
	err = kdump_writer_create(fd, &p, &w);
	if (!err)
		err = convert(c, w, alg, NR_THREADS, &stats);
	if (!err)
		err = kdump_writer_finish(w);
	if (!check_err(err, what))
		goto out;
	if (!check_header(path, c, &p, false)) {
		report(false, "%s: headers", what);
		goto out;
	}
	ok = read_back(c, &fd, 1, dumped, policy == POLICY_ZERO_DROPPED,
		       false, what, &rb);
	/* Every dumped page was read, and compression did something. */
	ok = ok && rb.ok == count_bits(dumped, c->max_pfn) &&
	     stats.pages == rb.ok &&
	     (alg == COMPRESS_NONE ? stats.compressed == 0 :
				     stats.compressed > 0) &&
	     (policy != POLICY_ZERO_SHARED || stats.zero > 0);
	report(ok, "%s: %" PRIu64 " pages read back (%" PRIu64
	       " compressed, %" PRIu64 " raw, %" PRIu64 " shared zero), %"
	       PRIu64 " absent as expected",
	       what, rb.ok, stats.compressed, stats.raw, stats.zero,
	       rb.absent);
out:
	kdump_writer_destroy(w);
	if (fd >= 0)
		close(fd);
	free(dumped);
}

/* --- split ------------------------------------------------------------- */

#define NR_SPLIT 3

static void test_split(const struct tcase *c, enum compress_alg alg)
{
	uint8_t *dumped = make_dump_bitmap(c, POLICY_ZERO_SHARED);
	uint64_t bounds[NR_SPLIT + 1], total = 0;
	struct kdump_writer_params p;
	int fds[NR_SPLIT];
	struct readback rb;
	char what[256];
	bool ok = true;
	unsigned i;

	snprintf(what, sizeof(what), "%s %s split x%d", c->name,
		 compress_alg_name(alg), NR_SPLIT);
	kdump_split_ranges(dumped, c->max_pfn, NR_SPLIT, bounds);
	/* crash needs split files to start on whole bitmap words. */
	for (i = 1; i < NR_SPLIT; i++)
		if (bounds[i] % KDUMP_SPLIT_ALIGN && bounds[i] != c->max_pfn)
			ok = false;
	report(ok, "%s: inner bounds are multiples of %d pfns", what,
	       KDUMP_SPLIT_ALIGN);
	ok = true;
	for (i = 0; i < NR_SPLIT; i++) {
		struct kdump_writer *w = NULL;
		struct convert_stats stats;
		struct vmcf_error *err;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s-%s-split.%u", outdir,
			 c->name, compress_alg_name(alg), i);
		fill_params(c, POLICY_ZERO_SHARED, alg, dumped, &p);
		p.split = true;
		p.start_pfn = bounds[i];
		p.end_pfn = bounds[i + 1];
		fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		err = fds[i] < 0 ? vmcf_error_errno(errno, "open %s", path) :
				   kdump_writer_create(fds[i], &p, &w);
		if (!err)
			err = convert(c, w, alg, NR_THREADS, &stats);
		if (!err)
			err = kdump_writer_finish(w);
		if (!err)
			total += kdump_writer_layout(w)->nr_descs;
		kdump_writer_destroy(w);
		ok = check_err(err, what) && ok;
		if (ok && !check_header(path, c, &p, false)) {
			report(false, "%s: headers of file %u", what, i);
			ok = false;
		}
		diag("%s: file %u has pfns [0x%" PRIx64 ", 0x%" PRIx64 ")",
		     what, i, bounds[i], bounds[i + 1]);
	}
	if (ok) {
		ok = read_back(c, fds, NR_SPLIT, dumped, false, false, what,
			       &rb) &&
		     rb.ok == count_bits(dumped, c->max_pfn) &&
		     total == rb.ok;
		report(ok, "%s: %" PRIu64 " pages read back from the set",
		       what, rb.ok);
	}
	for (i = 0; i < NR_SPLIT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(dumped);
}

/* --- flattened --------------------------------------------------------- */

struct drain {
	int in, out;
	uint64_t bytes;
};

/* Copies the pipe to a file, as ssh would carry it. */
static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(d->in, buf, sizeof(buf))) > 0) {
		if (write(d->out, buf, (size_t)n) != n)
			break;
		d->bytes += (uint64_t)n;
	}
	return NULL;
}

/*
 * Rebuilds a file from a flattened stream, as makedumpfile -R does; false
 * if the stream is malformed.  *complete_ret says if the end marker came.
 */
static bool unflatten(const char *stream_path, const char *out_path,
		      bool *complete_ret)
{
	FILE *in = fopen(stream_path, "r");
	int out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	unsigned char hdr[KDUMP_FLAT_HEADER_SIZE], rec[16];
	char *buf = malloc(1 << 20);
	bool ok = false;

	*complete_ret = false;
	if (!in || out < 0 || !buf ||
	    fread(hdr, 1, sizeof(hdr), in) != sizeof(hdr) ||
	    memcmp(hdr, "makedumpfile\0\0\0\0", 16) != 0 ||
	    get_be64(hdr + 16) != 1 || get_be64(hdr + 24) != 1 ||
	    !is_zero(hdr + 32, sizeof(hdr) - 32))
		goto out;
	while (fread(rec, 1, sizeof(rec), in) == sizeof(rec)) {
		uint64_t offset = get_be64(rec), size = get_be64(rec + 8);

		if (offset == UINT64_MAX && size == UINT64_MAX) {
			/* Nothing may follow the end marker. */
			*complete_ret = fgetc(in) == EOF;
			ok = *complete_ret;
			goto out;
		}
		if (!size || size > (1 << 20) || offset > (UINT64_C(1) << 50) ||
		    fread(buf, 1, size, in) != size ||
		    pwrite(out, buf, size, (off_t)offset) != (ssize_t)size)
			goto out;
	}
	ok = feof(in);	/* no end marker: an incomplete stream */
out:
	if (in)
		fclose(in);
	if (out >= 0)
		close(out);
	free(buf);
	return ok;
}

static bool files_equal(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	bool equal = fa && fb;
	int ca, cb;

	while (equal) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			equal = false;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return equal;
}

/* Runs "makedumpfile -R out < stream"; true on exit status 0. */
static bool run_makedumpfile_r(const char *mdf, const char *stream,
			       const char *out)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int in = open(stream, O_RDONLY);
		int null = open("/dev/null", O_WRONLY);

		if (in < 0 || dup2(in, 0) < 0 || null < 0 || dup2(null, 1) < 0)
			_exit(127);
		execl(mdf, mdf, "-R", out, (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_flattened(const struct tcase *c, enum compress_alg alg,
			   enum policy policy)
{
	uint8_t *dumped = make_dump_bitmap(c, policy);
	const char *mdf = getenv("VMCF_MAKEDUMPFILE");
	char stream[4096], flat[4096], mdf_out[4096], what[256];
	struct kdump_writer_params p;
	struct kdump_writer *w = NULL;
	struct drain d = { .in = -1, .out = -1 };
	struct convert_stats stats;
	struct vmcf_error *err;
	struct readback rb;
	pthread_t drainer;
	bool complete, ok;
	int pipefd[2], fd;

	if (!mdf)
		mdf = "/usr/bin/makedumpfile";
	snprintf(what, sizeof(what), "%s %s %s flattened", c->name,
		 compress_alg_name(alg), policy_names[policy]);
	snprintf(stream, sizeof(stream), "%s/%s-%s.flat", outdir, c->name,
		 compress_alg_name(alg));
	snprintf(flat, sizeof(flat), "%s/%s-%s.unflat", outdir, c->name,
		 compress_alg_name(alg));
	snprintf(mdf_out, sizeof(mdf_out), "%s/%s-%s.mdf-R", outdir, c->name,
		 compress_alg_name(alg));
	if (pipe(pipefd) < 0) {
		report(false, "%s: pipe: %s", what, strerror(errno));
		goto out;
	}
	d.in = pipefd[0];
	d.out = open(stream, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (d.out < 0 || pthread_create(&drainer, NULL, drain_thread, &d)) {
		report(false, "%s: cannot start the pipe reader", what);
		close(pipefd[1]);
		goto out;
	}
	fill_params(c, policy, alg, dumped, &p);
	p.flattened = true;
	err = kdump_writer_create(pipefd[1], &p, &w);
	if (!err)
		err = convert(c, w, alg, NR_THREADS, &stats);
	if (!err)
		err = kdump_writer_finish(w);
	close(pipefd[1]);
	pthread_join(drainer, NULL);
	if (!check_err(err, what))
		goto out;

	ok = unflatten(stream, flat, &complete) && complete &&
	     check_header(flat, c, &p, false);
	report(ok, "%s: %" PRIu64 "-byte stream through a pipe rebuilds, end marker last",
	       what, d.bytes);
	fd = open(flat, O_RDONLY);
	ok = fd >= 0 &&
	     read_back(c, &fd, 1, dumped, false, false, what, &rb) &&
	     rb.ok == count_bits(dumped, c->max_pfn);
	report(ok, "%s: %" PRIu64 " pages read back from the rebuilt file",
	       what, rb.ok);
	if (fd >= 0)
		close(fd);

	if (access(mdf, X_OK) != 0) {
		printf("skip - %s: makedumpfile -R: %s not installed\n", what,
		       mdf);
	} else {
		ok = run_makedumpfile_r(mdf, stream, mdf_out) &&
		     files_equal(flat, mdf_out);
		report(ok, "%s: makedumpfile -R rebuilds the same file", what);
	}
out:
	kdump_writer_destroy(w);
	if (d.in >= 0)
		close(d.in);
	if (d.out >= 0)
		close(d.out);
	free(dumped);
}

/* A flattened stream that fails midway must not end with the marker. */
static void test_flattened_incomplete(const struct tcase *c)
{
	uint8_t *dumped = make_dump_bitmap(c, POLICY_ALL);
	char stream[4096], flat[4096];
	struct kdump_writer_params p;
	struct kdump_writer *w = NULL;
	struct vmcf_error *err;
	bool complete = true, ok = false;
	int fd;

	snprintf(stream, sizeof(stream), "%s/%s-incomplete.flat", outdir,
		 c->name);
	snprintf(flat, sizeof(flat), "%s/%s-incomplete.unflat", outdir,
		 c->name);
	fd = open(stream, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fill_params(c, POLICY_ALL, COMPRESS_NONE, dumped, &p);
	p.flattened = true;
	err = fd < 0 ? vmcf_error_errno(errno, "open %s", stream) :
		       kdump_writer_create(fd, &p, &w);
	/* Only the first page, then give up. */
	for (uint64_t pfn = 0; !err && pfn < c->max_pfn; pfn++) {
		unsigned char page[PAGE];

		if (kdump_writer_desc_index(w, pfn) == KDUMP_NO_DESC)
			continue;
		err = elfcore_read_page(c->core, pfn, page);
		if (!err)
			err = kdump_writer_put_page(w, pfn, page, PAGE, 0);
		break;
	}
	if (!err) {
		struct vmcf_error *finish_err = kdump_writer_finish(w);

		ok = finish_err && finish_err->errnum == EINVAL;
		if (finish_err)
			diag("finish refused: %s", finish_err->message);
		vmcf_error_destroy(finish_err);
		err = kdump_writer_mark_incomplete(w);
	}
	if (check_err(err, "flattened incomplete")) {
		ok = ok && unflatten(stream, flat, &complete) && !complete &&
		     check_header(flat, c, &p, true);
		report(ok, "%s: an unfinished flattened stream has no end marker and says INCOMPLETE",
		       c->name);
	}
	kdump_writer_destroy(w);
	if (fd >= 0)
		close(fd);
	free(dumped);
}

/* --- ENOSPC ------------------------------------------------------------ */

static bool copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char buf[65536];
	bool ok = in >= 0 && out >= 0;
	ssize_t n;

	while (ok && (n = read(in, buf, sizeof(buf))) != 0)
		ok = n > 0 && write(out, buf, (size_t)n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		ok = false;
	return ok;
}

static void test_enospc(const struct tcase *c)
{
	const char *dir = getenv("VMCF_ENOSPC_DIR");
	uint8_t *dumped = make_dump_bitmap(c, POLICY_ALL);
	char path[4096], tmp_path[4200], copy_path[4096], what[256];
	struct kdump_writer_params p;
	struct kdump_writer *w = NULL;
	struct convert_stats stats;
	struct vmcf_error *err;
	struct readback rb;
	uint64_t done;
	bool ok;
	int fd;

	snprintf(what, sizeof(what), "%s enospc", c->name);
	if (!dir) {
		const char *why = getenv("VMCF_ENOSPC_SKIP");

		printf("skip - %s: %s\n", what,
		       why ? why : "no small filesystem (VMCF_ENOSPC_DIR)");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.kdump", dir, c->name);
	snprintf(tmp_path, sizeof(tmp_path), "%s.incomplete", path);
	fill_params(c, POLICY_ALL, COMPRESS_NONE, dumped, &p);
	err = kdump_writer_create_path(path, &p, &w);
	if (!check_err(err, what))
		goto out;
	err = convert(c, w, COMPRESS_NONE, NR_THREADS, &stats);
	done = kdump_writer_pages_done(w);
	if (!err || err->errnum != ENOSPC) {
		report(false, "%s: writing %" PRIu64 " pages to a full filesystem fails with ENOSPC, got %s",
		       what, kdump_writer_layout(w)->nr_descs,
		       err ? err->message : "success");
		vmcf_error_destroy(err);
		goto out;
	}
	report(true, "%s: fails with \"%s\" after %" PRIu64 " of %" PRIu64
	       " pages", what, err->message, done,
	       kdump_writer_layout(w)->nr_descs);
	vmcf_error_destroy(err);
	err = kdump_writer_finish(w);
	report(err != NULL, "%s: finish() refuses a failed dump", what);
	vmcf_error_destroy(err);
	err = kdump_writer_mark_incomplete(w);
	if (!check_err(err, "mark_incomplete"))
		goto out;
	kdump_writer_destroy(w);
	w = NULL;

	report(access(path, F_OK) != 0 && access(tmp_path, F_OK) == 0,
	       "%s: the incomplete dump keeps its .incomplete name", what);
	report(check_header(tmp_path, c, &p, true),
	       "%s: header status has INCOMPLETE (0x%x)", what,
	       KDUMP_FLAG_INCOMPLETE);
	/*
	 * Read a copy: the tmpfs is still full, and a full tmpfs answers a
	 * read fault on a hole (the unwritten descriptors) with SIGBUS, which
	 * libkdumpfile's mmap() reads would get.  A disk filesystem maps holes
	 * as zeros even when full.
	 */
	snprintf(copy_path, sizeof(copy_path), "%s/%s-enospc.kdump", outdir,
		 c->name);
	fd = copy_file(tmp_path, copy_path) ? open(copy_path, O_RDONLY) : -1;
	ok = fd >= 0 &&
	     read_back(c, &fd, 1, dumped, false, true, what, &rb) &&
	     rb.ok == done && rb.ok > 0;
	report(ok, "%s: libkdumpfile opens it; the %" PRIu64
	       " pages written read back, %" PRIu64 " missing fail",
	       what, rb.ok, rb.absent);
	if (fd >= 0)
		close(fd);
	unlink(tmp_path);
out:
	kdump_writer_destroy(w);
	free(dumped);
}

/* --- API contract ------------------------------------------------------ */

static bool errnum_is(struct vmcf_error *err, int errnum)
{
	bool ok = err && err->errnum == errnum;

	if (err)
		diag("refused: %s", err->message);
	vmcf_error_destroy(err);
	return ok;
}

static void test_misuse(const struct tcase *c)
{
	uint8_t *dumped = make_dump_bitmap(c, POLICY_EXCLUDE_SET);
	uint8_t *stray = make_dump_bitmap(c, POLICY_ALL);
	struct kdump_writer_params p;
	struct kdump_writer *w = NULL;
	unsigned char page[PAGE] = { 1 };
	uint64_t pfn, dumped_pfn = UINT64_MAX, excluded_pfn = UINT64_MAX;
	uint64_t n = 0, bad = 0;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s-misuse.kdump", outdir, c->name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	fill_params(c, POLICY_ALL, COMPRESS_NONE, dumped, &p);
	p.ram_bitmap = dumped;
	p.dump_bitmap = stray;
	report(errnum_is(kdump_writer_create(fd, &p, &w), EINVAL),
	       "writer: a dumped pfn that is not RAM is refused");
	{
		int pipefd[2];

		fill_params(c, POLICY_ALL, COMPRESS_NONE, c->ram, &p);
		if (pipe(pipefd) == 0) {
			report(errnum_is(kdump_writer_create(pipefd[1], &p,
							     &w),
					 ESPIPE),
			       "writer: a pipe without the flattened format is refused");
			close(pipefd[0]);
			close(pipefd[1]);
		}
	}
	fill_params(c, POLICY_EXCLUDE_SET, COMPRESS_ZSTD, dumped, &p);
	if (!check_err(kdump_writer_create(fd, &p, &w), "writer create"))
		goto out;

	/* desc_index is the rank among set bits of bitmap 2. */
	for (pfn = 0; pfn < c->max_pfn + 10; pfn++) {
		bool in = pfn < c->max_pfn && kdump_bitmap_test(dumped, pfn);
		uint64_t want = in ? n++ : KDUMP_NO_DESC;

		bad += kdump_writer_desc_index(w, pfn) != want;
		if (in && dumped_pfn == UINT64_MAX)
			dumped_pfn = pfn;
		if (!in && pfn < c->max_pfn &&
		    kdump_bitmap_test(c->ram, pfn) &&
		    excluded_pfn == UINT64_MAX)
			excluded_pfn = pfn;
	}
	report(!bad && n == kdump_writer_layout(w)->nr_descs,
	       "writer: desc_index is the rank in bitmap 2 for all %" PRIu64
	       " pfns", c->max_pfn + 10);
	report(errnum_is(kdump_writer_put_page(w, excluded_pfn, page, PAGE, 0),
			 EINVAL),
	       "writer: putting an excluded pfn is refused");
	report(errnum_is(kdump_writer_put_page(w, dumped_pfn, page, 100,
					       KDUMP_FLAG_LZO),
			 EINVAL),
	       "writer: a page flagged with another compression is refused");
	report(errnum_is(kdump_writer_put_page(w, dumped_pfn, page, 100, 0),
			 EINVAL),
	       "writer: a raw page that is not page-sized is refused");
	report(errnum_is(kdump_writer_put_zero(w, dumped_pfn), EINVAL),
	       "writer: put_zero without a shared zero page is refused");
	report(!kdump_writer_put_page(w, dumped_pfn, page, PAGE, 0) &&
		       errnum_is(kdump_writer_put_page(w, dumped_pfn, page,
						       PAGE, 0),
				 EEXIST),
	       "writer: putting a pfn twice is refused");
	report(errnum_is(kdump_writer_finish(w), EINVAL),
	       "writer: finish with pages missing is refused");
out:
	kdump_writer_destroy(w);
	if (fd >= 0)
		close(fd);
	free(dumped);
	free(stray);
}

/* --- compression ------------------------------------------------------- */

static void test_compress(const struct tcase *c)
{
	unsigned char *pattern = malloc(PAGE), *random = malloc(PAGE);
	unsigned char *back = malloc(PAGE);
	struct testgen g;
	struct vmcf_error *err;

	/* Pages straight from testgen's kinds. */
	err = testgen_parse("load 0 0x2000 pattern 1\n"
			    "load 0x2000 0x1000 random 1\n", &g);
	if (!check_err(err, "testgen_parse"))
		goto out;
	testgen_fill(&g, 0, pattern, PAGE);
	testgen_fill(&g, 0x2000, random, PAGE);
	(void)c;

	for (unsigned a = 0; a < COMPRESS_NR_ALGS; a++) {
		enum compress_alg alg = (enum compress_alg)a, parsed;
		struct compressor *comp;
		const void *data;
		size_t size = 0, rsize = 0;
		uint32_t flags = 0, rflags = 0;
		bool ok;

		err = compressor_create(alg, PAGE, &comp);
		if (!check_err(err, compress_alg_name(alg)))
			continue;
		err = compressor_page(comp, pattern, &data, &size, &flags);
		ok = !err && compress_alg_from_name(compress_alg_name(alg),
						    &parsed) &&
		     parsed == alg;
		if (ok && alg != COMPRESS_NONE)
			ok = flags == compress_alg_flag(alg) && size < PAGE &&
			     !decompress_page(flags, data, size, back, PAGE) &&
			     memcmp(back, pattern, PAGE) == 0;
		if (ok && alg == COMPRESS_ZLIB) {
			/* The reused stream writes what compress2() writes. */
			unsigned char ref[PAGE * 2];
			uLongf ref_len = sizeof(ref);

			ok = compress2(ref, &ref_len, pattern, PAGE,
				       Z_BEST_SPEED) == Z_OK &&
			     ref_len == size && memcmp(ref, data, size) == 0;
		}
		vmcf_error_destroy(err);
		err = compressor_page(comp, random, &data, &rsize, &rflags);
		ok = ok && !err && rflags == 0 && rsize == PAGE &&
		     data == random;
		vmcf_error_destroy(err);
		report(ok, "compress %s: pattern page %zu bytes, random page stored raw",
		       compress_alg_name(alg), size);
		compressor_destroy(comp);
	}
	report(errnum_is(decompress_page(KDUMP_FLAG_ZSTD, pattern, 100, back,
					 PAGE),
			 EINVAL),
	       "decompress: garbage is an error");
out:
	free(pattern);
	free(random);
	free(back);
}

/* --- elfcore on broken input ------------------------------------------- */

static struct vmcf_error *open_mem(const void *buf, size_t size)
{
	struct elfcore *core = NULL;
	struct vmcf_error *err = elfcore_create_memory(buf, size, &core);

	elfcore_destroy(core);
	return err;
}

/* Expects an error whose message contains needle. */
static void expect_bad(const char *what, struct vmcf_error *err,
		       const char *needle)
{
	report(err && strstr(err->message, needle), "elfcore rejects %s: %s",
	       what, err ? err->message : "(accepted)");
	vmcf_error_destroy(err);
}

static void test_elfcore_errors(const struct tcase *c)
{
	struct stat st;
	unsigned char *img, *mod;
	size_t size;
	struct testgen g;
	struct vmcf_error *err;
	char path[4096];
	int fd;

	if (fstat(c->fd, &st) < 0)
		return;
	size = (size_t)st.st_size;
	img = malloc(size);
	mod = malloc(size);
	if (!img || !mod || pread(c->fd, img, size, 0) != (ssize_t)size)
		goto out;

	report(!open_mem(img, size), "elfcore opens %s from memory", c->name);
	expect_bad("an empty file", open_mem(img, 0), "too short");
	expect_bad("a truncated file", open_mem(img, size - 1),
		   "truncated");
	expect_bad("a file cut inside the headers", open_mem(img, 300),
		   "outside the file");

	memcpy(mod, img, size);
	put_le64(mod + 32, UINT64_C(0xfffffffffffff000));	/* e_phoff */
	expect_bad("a bad e_phoff", open_mem(mod, size), "outside the file");

	memcpy(mod, img, size);
	put_le16(mod + 56, 0xffff);	/* PN_XNUM without section header */
	expect_bad("PN_XNUM without section 0", open_mem(mod, size),
		   "PN_XNUM");

	memcpy(mod, img, size);
	put_le16(mod + 56, 0);
	expect_bad("e_phnum 0", open_mem(mod, size), "no program headers");

	memcpy(mod, img, size);
	mod[4] = ELFCLASS32;
	expect_bad("ELF32", open_mem(mod, size), "ELF64");

	memcpy(mod, img, size);
	put_le16(mod + 18, 183);	/* EM_AARCH64 */
	expect_bad("another machine", open_mem(mod, size), "x86_64");

	/* Program header 0 is PT_NOTE; make its first note overrun. */
	memcpy(mod, img, size);
	put_le32(mod + get_le64(mod + 64 + 8) + 4, 0x10000000);
	expect_bad("a note running past its segment", open_mem(mod, size),
		   "runs past");

	/* Program header 1 is a PT_LOAD. */
	memcpy(mod, img, size);
	put_le64(mod + 64 + 56 + 32, get_le64(mod + 64 + 56 + 40) + 1);
	expect_bad("p_filesz > p_memsz", open_mem(mod, size), "p_memsz");

	memcpy(mod, img, size);
	put_le64(mod + 64 + 56 + 24, UINT64_C(0xfffffffffffff000));
	expect_bad("a segment beyond 52 bits", open_mem(mod, size),
		   "52-bit");

	memcpy(mod, img, size);
	put_le64(mod + 64 + 56 + 8, size);	/* p_offset at EOF */
	expect_bad("a segment past EOF", open_mem(mod, size), "truncated");

	/* VMCOREINFO: absent, and without PAGESIZE. */
	err = testgen_parse("no-vmcoreinfo\nload 0 0x1000 pattern 1\n", &g);
	snprintf(path, sizeof(path), "%s/no-vmcoreinfo.vmcore", outdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!err)
		err = fd < 0 ? vmcf_error_errno(errno, "open") :
			       testgen_write(&g, fd);
	if (check_err(err, "generate a core without VMCOREINFO")) {
		struct elfcore *core = NULL;

		expect_bad("a core without VMCOREINFO",
			   elfcore_create(fd, path, &core), "no VMCOREINFO");
		elfcore_destroy(core);
	}
	if (fd >= 0)
		close(fd);
	{
		struct vmcoreinfo *vi = NULL;
		struct vmcoreinfo_basics b;
		static const char text[] = "OSRELEASE=6.1\nPAGESIZE=4k\n";

		err = vmcoreinfo_create(text, sizeof(text), &vi);
		if (!err)
			err = vmcoreinfo_get_basics(vi, &b);
		expect_bad("VMCOREINFO PAGESIZE=4k", err, "not a number");
		vmcoreinfo_destroy(vi);
	}
	{
		struct vmcoreinfo *vi = NULL;
		uint64_t v = 0, s = 0;
		static const char text[] = "X\n=1\nNUMBER(phys_base)=-2097152\n"
					   "SYMBOL(phys_base)=ffffffff82a0f010\n"
					   "KERNELOFFSET=3a000000\n\0junk";

		err = vmcoreinfo_create(text, sizeof(text), &vi);
		report(!err && !vmcoreinfo_number(vi, "phys_base", &v) &&
			       v == (uint64_t)-2097152 &&
			       !vmcoreinfo_symbol(vi, "phys_base", &s) &&
			       s == UINT64_C(0xffffffff82a0f010) &&
			       !vmcoreinfo_get(vi, "junk") &&
			       !vmcoreinfo_get(vi, "X"),
		       "VMCOREINFO: NUMBER() is signed decimal, SYMBOL() hex, text ends at NUL");
		vmcf_error_destroy(err);
		vmcoreinfo_destroy(vi);
	}
out:
	free(img);
	free(mod);
}

/* --- main -------------------------------------------------------------- */

static bool setup_case(struct tcase *c, const char *desc, const char *vmcore)
{
	const char *base = strrchr(desc, '/');
	unsigned char *page = malloc(PAGE);
	struct vmcf_error *err;
	char *name;
	size_t bytes;

	name = strdup(base ? base + 1 : desc);
	if (!page || !name)
		abort();
	name[strcspn(name, ".")] = '\0';
	c->name = name;
	c->vmcore_path = vmcore;
	err = testgen_parse_file(desc, &c->gen);
	if (!check_err(err, desc))
		goto fail;
	c->fd = open(vmcore, O_RDONLY);
	if (c->fd < 0) {
		report(false, "%s: open %s: %s", c->name, vmcore,
		       strerror(errno));
		goto fail;
	}
	err = elfcore_create(c->fd, vmcore, &c->core);
	if (!check_err(err, c->name))
		goto fail;
	report(true, "%s: elfcore opens %s", c->name, vmcore);
	c->max_pfn = c->core->max_pfn;
	bytes = kdump_bitmap_bytes(c->max_pfn);
	c->ram = calloc(1, bytes);
	c->zero = calloc(1, bytes);
	if (!c->ram || !c->zero)
		abort();
	elfcore_ram_bitmap(c->core, c->ram, c->max_pfn);
	/* The zero-page pre-pass a non-cyclic collector would make. */
	for (uint64_t pfn = 0; pfn < c->max_pfn; pfn++) {
		if (!kdump_bitmap_test(c->ram, pfn))
			continue;
		err = elfcore_read_page(c->core, pfn, page);
		if (!check_err(err, c->name))
			goto fail;
		if (is_zero(page, PAGE))
			kdump_bitmap_set(c->zero, pfn);
	}
	free(page);
	return true;

fail:
	/* main() cleans up only the cases that were set up. */
	elfcore_destroy(c->core);
	if (c->fd >= 0)
		close(c->fd);
	free(c->ram);
	free(c->zero);
	free(name);
	free(page);
	return false;
}

/* The case with the most RAM: the one that overflows a small filesystem. */
static const struct tcase *biggest_case(const struct tcase *cases, int n)
{
	const struct tcase *big = &cases[0];
	uint64_t most = 0;

	for (int i = 0; i < n; i++) {
		uint64_t pages = count_bits(cases[i].ram, cases[i].max_pfn);

		if (pages > most) {
			most = pages;
			big = &cases[i];
		}
	}
	return big;
}

int main(int argc, char **argv)
{
	struct tcase cases[8];
	int nr_cases = 0;

	if (argc < 4 || argc % 2 != 0 || argc / 2 - 1 > 8) {
		fprintf(stderr, "usage: %s OUTDIR DESC VMCORE [DESC VMCORE]...\n",
			argv[0]);
		return 2;
	}
	/* A reader that goes away must not kill the writer silently. */
	signal(SIGPIPE, SIG_IGN);
	outdir = argv[1];
	for (int i = 2; i + 1 < argc; i += 2) {
		struct tcase *c = &cases[nr_cases];

		memset(c, 0, sizeof(*c));
		c->fd = -1;
		if (setup_case(c, argv[i], argv[i + 1]))
			nr_cases++;
	}
	if (nr_cases)
		test_compress(&cases[0]);
	for (int i = 0; i < nr_cases; i++) {
		struct tcase *c = &cases[i];

		test_elfcore(c);
		test_libkdumpfile_elf(c);
		for (unsigned a = 0; a < COMPRESS_NR_ALGS; a++)
			for (unsigned pol = 0; pol < NR_POLICIES; pol++)
				test_convert(c, (enum compress_alg)a,
					     (enum policy)pol);
		test_split(c, (enum compress_alg)(1 + i % (COMPRESS_NR_ALGS - 1)));
		test_flattened(c, (enum compress_alg)(COMPRESS_NR_ALGS - 1 - i %
						      (COMPRESS_NR_ALGS - 1)),
			       i % 2 ? POLICY_ZERO_SHARED : POLICY_EXCLUDE_SET);
	}
	if (nr_cases) {
		test_flattened_incomplete(&cases[0]);
		test_misuse(&cases[nr_cases - 1]);
		test_elfcore_errors(&cases[0]);
		test_enospc(biggest_case(cases, nr_cases));
	}
	for (int i = 0; i < nr_cases; i++) {
		elfcore_destroy(cases[i].core);
		if (cases[i].fd >= 0)
			close(cases[i].fd);
		free(cases[i].ram);
		free(cases[i].zero);
		free((char *)cases[i].name);
	}
	return failures || nr_cases * 2 != argc - 2 ? 1 : 0;
}
