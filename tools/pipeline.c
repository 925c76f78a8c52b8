// SPDX-License-Identifier: GPL-2.0
/* Parallel dump pipeline: see pipeline.h. */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define C			PIPELINE_CHUNK_PFNS

/* A chunk is one block of the pfn map: its rank is at hand in a cursor. */
_Static_assert(PIPELINE_CHUNK_PFNS == PFN_MAP_BLOCK_PFNS,
	       "pipeline chunks and pfn map blocks differ");
#define PROC_SUPER_MAGIC	0x9fa0
#define MAX_THREADS		256

enum input_mode {
	INPUT_WHOLE,	/* one mapping of the whole file */
	INPUT_WINDOW,	/* an mmap() per run of pages */
	INPUT_PREAD,
};

/* The pfns of one output file, handed out a chunk at a time. */
struct job {
	struct kdump_writer *writer;	/* NULL: ELF or dry run */
	uint64_t start, end;
	uint64_t nr_chunks;
	_Atomic uint64_t next;
};

struct pipeline {
	const struct pipeline_params *p;
	uint32_t ps;
	long sys_page;
	enum input_mode mode;
	const unsigned char *whole;
	size_t whole_size;
	const unsigned char *zero;	/* one zero page */
	struct job *jobs;
	size_t nr_jobs;
	_Atomic uint64_t pages_done;

	pthread_mutex_t lock;		/* the fields below */
	pthread_cond_t cond;		/* a worker finished */
	unsigned int running;
	struct vmcf_error *err;
	atomic_bool failed;
	double tokens;			/* rate limiter: bytes it may write */
	double last_refill;
};

struct worker {
	struct pipeline *pl;
	unsigned int id;
	pthread_t thread;
	enum input_mode mode;
	struct compressor *comp;
	unsigned char *in;		/* C pages: pread, partial pages */
	unsigned char *out;		/* C pages: compressed data, ELF data */
	uint64_t *pfns;
	uint64_t *offs;
	unsigned char *kinds;
	bool *is_data;			/* refs[i] is stored data, not zero */
	const unsigned char **ptrs;
	struct kdump_page_ref *refs;
	struct elf_page *epages;
	struct pfn_cursor cur;		/* keep bits of the current map chunk */
	void *maps[C];
	size_t map_sizes[C];
	size_t nr_maps;
	struct pipeline_stats st;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool stopping(struct pipeline *pl)
{
	return atomic_load(&pl->failed) || *pl->p->stop;
}

static void set_error(struct pipeline *pl, struct vmcf_error *err)
{
	pthread_mutex_lock(&pl->lock);
	if (!pl->err)
		pl->err = err;
	else
		vmcf_error_destroy(err);
	atomic_store(&pl->failed, true);
	pthread_mutex_unlock(&pl->lock);
}

/* --- rate limit: a token bucket of output bytes ------------------------ */

static void throttle(struct pipeline *pl, uint64_t bytes)
{
	double rate = (double)pl->p->max_rate, wait, t;

	if (!pl->p->max_rate || !bytes)
		return;
	pthread_mutex_lock(&pl->lock);
	t = now();
	pl->tokens += (t - pl->last_refill) * rate;
	/* At most a quarter second of burst. */
	if (pl->tokens > rate / 4)
		pl->tokens = rate / 4;
	pl->last_refill = t;
	pl->tokens -= (double)bytes;
	wait = pl->tokens < 0 ? -pl->tokens / rate : 0;
	pthread_mutex_unlock(&pl->lock);
	/* Sleep in slices so a stop is seen soon. */
	while (wait > 0 && !stopping(pl)) {
		double slice = wait < 0.1 ? wait : 0.1;
		struct timespec ts = { 0, (long)(slice * 1e9) };

		nanosleep(&ts, NULL);
		wait -= slice;
	}
}

/* --- input ------------------------------------------------------------- */

static bool is_zero_page(const unsigned char *page, size_t size)
{
	const uint64_t *w = (const uint64_t *)(const void *)page;

	for (size_t i = 0; i < size / 8; i += 4) {
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
			return false;
	}
	return true;
}

/*
 * Whether /proc/vmcore maps old memory with 2 MiB/1 GiB leaves (the
 * vmcore-mmap patches: their vmcore.huge_mappings switch is on).  Then one
 * mapping of the whole file costs a few page-table entries and no 4 MiB
 * window has to be set up and torn down; without them it would cost a PTE
 * per page, so windows are better.
 */
static bool vmcore_has_huge_mappings(void)
{
	FILE *f = fopen("/sys/module/vmcore/parameters/huge_mappings", "r");
	int c = EOF;

	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == 'Y' || c == '1';
}

/*
 * How the workers will see the input; see pipeline.h.  The environment
 * variable VMCORE_DUMP_INPUT=window|pread forces a mode, so that tests
 * cover on a saved file the paths /proc/vmcore takes.
 */
static void choose_input(struct pipeline *pl)
{
	const struct elfcore *core = pl->p->core;
	const char *force = getenv("VMCORE_DUMP_INPUT");
	struct statfs sfs;
	struct stat st;
	void *m;

	pl->mode = INPUT_WINDOW;
	if (force && !strcmp(force, "pread"))
		pl->mode = INPUT_PREAD;
	if (force || core->fd < 0 || fstatfs(core->fd, &sfs) < 0 ||
	    (sfs.f_type == PROC_SUPER_MAGIC && !vmcore_has_huge_mappings()))
		return;
	if (core->fd < 0 || fstat(core->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX / 2)
		return;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, core->fd, 0);
	if (m == MAP_FAILED)
		return;
	posix_madvise(m, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
	pl->whole = m;
	pl->whole_size = (size_t)st.st_size;
	pl->mode = INPUT_WHOLE;
}

/* The least mapped of what the workers ended with (they fall back alone). */
static const char *input_name(const char *so_far, enum input_mode mode)
{
	static const char *const names[] = {
		[INPUT_WHOLE] = "one mapping",
		[INPUT_WINDOW] = "mmap windows",
		[INPUT_PREAD] = "pread",
	};

	if (!so_far || mode == INPUT_PREAD ||
	    (mode == INPUT_WINDOW && so_far == names[INPUT_WHOLE]))
		return names[mode];
	return so_far;
}

static void unmap_all(struct worker *wk)
{
	while (wk->nr_maps) {
		wk->nr_maps--;
		munmap(wk->maps[wk->nr_maps], wk->map_sizes[wk->nr_maps]);
	}
}

/* Reads pages [i, j) (consecutive pfns, contiguous in the file) into in. */
static struct vmcf_error *read_run(struct worker *wk, size_t i, size_t j)
{
	const struct elfcore *core = wk->pl->p->core;
	size_t ps = wk->pl->ps;
	struct vmcf_error *err;

	err = elfcore_pread(core, wk->in + i * ps, (j - i) * ps, wk->offs[i]);
	for (size_t k = i; k < j && !err; k++)
		wk->ptrs[k] = wk->in + k * ps;
	return err;
}

/* Maps the file range of pages [i, j); false if mmap() failed. */
static bool map_window(struct worker *wk, size_t i, size_t j)
{
	struct pipeline *pl = wk->pl;
	uint64_t first = wk->offs[i] & ~(uint64_t)(pl->sys_page - 1);
	size_t len = (size_t)(wk->offs[j - 1] + pl->ps - first);
	unsigned char *m;

	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, pl->p->core->fd,
		 (off_t)first);
	if (m == MAP_FAILED)
		return false;
	wk->maps[wk->nr_maps] = m;
	wk->map_sizes[wk->nr_maps++] = len;
	for (size_t k = i; k < j; k++)
		wk->ptrs[k] = m + (wk->offs[k] - first);
	return true;
}

/* Pages [i, j) are in one PT_LOAD's file part. */
static struct vmcf_error *load_extent(struct worker *wk, size_t i, size_t j)
{
	if (wk->mode == INPUT_WHOLE) {
		for (size_t k = i; k < j; k++)
			wk->ptrs[k] = wk->pl->whole + wk->offs[k];
		return NULL;
	}
	if (wk->mode == INPUT_WINDOW && map_window(wk, i, j))
		return NULL;
	/* mmap() refused (old kernel, odd file): read from now on. */
	wk->mode = INPUT_PREAD;
	while (i < j) {
		size_t k = i + 1;
		struct vmcf_error *err;

		while (k < j && wk->pfns[k] == wk->pfns[k - 1] + 1)
			k++;
		err = read_run(wk, i, k);
		if (err)
			return err;
		i = k;
	}
	return NULL;
}

/*
 * Lists the dumped pfns of [start, end) (within the cursor's chunk) and
 * where their pages are.
 */
static size_t list_pfns(struct worker *wk, uint64_t start, uint64_t end)
{
	const uint8_t *bm = wk->cur.bits;
	uint64_t base = wk->cur.chunk << PFN_MAP_CHUNK_SHIFT;
	size_t n = 0;

	for (uint64_t i = start - base; i < end - base; i++) {
		if (!(i & 7) && i + 8 <= end - base && !bm[i >> 3]) {
			i += 7;
			continue;
		}
		if (bm[i >> 3] & (1u << (i & 7)))
			wk->pfns[n++] = base + i;
	}
	for (size_t i = 0; i < n; i++)
		wk->kinds[i] = (unsigned char)elfcore_page_lookup(
			wk->pl->p->core, wk->pfns[i], &wk->offs[i]);
	return n;
}

/* Same PT_LOAD: file offset minus physical address is the same. */
static bool same_extent(const struct worker *wk, size_t a, size_t b)
{
	uint64_t ps = wk->pl->ps;

	return wk->kinds[b] == ELFCORE_PAGE_FILE &&
	       wk->offs[b] - wk->pfns[b] * ps == wk->offs[a] - wk->pfns[a] * ps;
}

static struct vmcf_error *load_chunk(struct worker *wk, uint64_t start,
				     uint64_t end, size_t *nr_ret)
{
	const struct elfcore *core = wk->pl->p->core;
	uint64_t map_chunk = start >> PFN_MAP_CHUNK_SHIFT;
	size_t n, i = 0, j;
	size_t ps = wk->pl->ps;
	struct vmcf_error *err = NULL;

	*nr_ret = 0;
	/* Most of a sparse physical address space is skipped here. */
	if (!pfn_map_chunk_count(wk->pl->p->map, map_chunk))
		return NULL;
	err = pfn_cursor_load(&wk->cur, map_chunk);
	if (err)
		return err;
	n = list_pfns(wk, start, end);

	while (i < n && !err) {
		switch (wk->kinds[i]) {
		case ELFCORE_PAGE_FILE:
			for (j = i + 1; j < n && same_extent(wk, i, j); j++)
				;
			err = load_extent(wk, i, j);
			i = j;
			continue;
		case ELFCORE_PAGE_ZERO:
			wk->ptrs[i] = wk->pl->zero;
			break;
		case ELFCORE_PAGE_PARTIAL:
			err = elfcore_read_page(core, wk->pfns[i], wk->in + i * ps);
			wk->ptrs[i] = wk->in + i * ps;
			break;
		default:
			err = vmcf_error_create(EINVAL,
						"%s: pfn 0x%" PRIx64 " is to be dumped but is in no PT_LOAD",
						core->name, wk->pfns[i]);
		}
		i++;
	}
	*nr_ret = n;
	return err;
}

/* --- output ------------------------------------------------------------ */

/* Compresses page i into the output buffer at *used; refs[i] relative. */
static struct vmcf_error *pack_page(struct worker *wk, size_t i, size_t *used)
{
	struct kdump_page_ref *ref = &wk->refs[i];
	const void *data;
	size_t size;
	uint32_t flags;
	struct vmcf_error *err;

	err = compressor_page(wk->comp, wk->ptrs[i], &data, &size, &flags);
	if (err)
		return vmcf_error_prefix(err, "pfn 0x%" PRIx64, wk->pfns[i]);
	memcpy(wk->out + *used, data, size);
	ref->pfn = wk->pfns[i];
	ref->offset = *used;
	ref->size = (uint32_t)size;
	ref->flags = flags;
	*used += size;
	wk->st.compressed_pages += flags != 0;
	return NULL;
}

/* Writes a chunk's pages to a kdump file (or, with no writer, nowhere). */
static struct vmcf_error *put_kdump(struct worker *wk, struct job *job,
				    size_t n)
{
	struct pipeline *pl = wk->pl;
	struct kdump_writer *w = job->writer;
	uint64_t zero_at = w ? kdump_writer_layout(w)->zero_page_offset : 0;
	struct vmcf_error *err;
	size_t used = 0;
	uint64_t base;

	/*
	 * A zero page points at the file's one stored zero page at every
	 * dump level: it stays in the dump and reads back as zeros, and a
	 * -d 0 dump of mostly idle RAM is not written out page by page.
	 */
	for (size_t i = 0; i < n; i++) {
		wk->is_data[i] = !is_zero_page(wk->ptrs[i], pl->ps);
		if (!wk->is_data[i]) {
			wk->refs[i] = (struct kdump_page_ref){
				wk->pfns[i], zero_at, pl->ps, 0 };
			wk->st.zero_pages++;
			continue;
		}
		err = pack_page(wk, i, &used);
		if (err)
			return err;
	}
	wk->st.bytes_out += used;
	if (!w)
		return NULL;
	throttle(pl, used);
	base = used ? kdump_writer_reserve(w, used) : 0;
	err = kdump_writer_write_at(w, wk->out, used, base);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (wk->is_data[i])
			wk->refs[i].offset += base;
	}
	/* No dumped pfn between the chunk's start and its first one. */
	return kdump_writer_put_descs_at(w, pfn_cursor_rank(&wk->cur,
							    wk->pfns[0]),
					 wk->refs, n);
}

static struct vmcf_error *put_elf(struct worker *wk, uint64_t chunk, size_t n)
{
	struct pipeline *pl = wk->pl;
	struct vmcf_error *err;
	uint64_t written = 0;

	for (size_t i = 0; i < n; i++) {
		wk->epages[i].pfn = wk->pfns[i];
		wk->epages[i].data = wk->ptrs[i];
		wk->epages[i].zero = pl->p->exclude_zero &&
				     is_zero_page(wk->ptrs[i], pl->ps);
		wk->st.zero_pages += wk->epages[i].zero;
	}
	/* ELF pages are raw: the bucket is charged for all of them. */
	throttle(pl, (uint64_t)n * pl->ps);
	err = elf_writer_put_chunk(pl->p->elf, &wk->cur, chunk, wk->epages, n,
				   wk->out, &written);
	wk->st.bytes_out += written;
	return err;
}

static struct vmcf_error *do_chunk(struct worker *wk, struct job *job,
				   uint64_t start, uint64_t end)
{
	struct pipeline *pl = wk->pl;
	struct vmcf_error *err;
	size_t n = 0;

	err = load_chunk(wk, start, end, &n);
	if (!err && n)
		err = pl->p->elf ? put_elf(wk, start / C, n) :
				   put_kdump(wk, job, n);
	unmap_all(wk);
	if (err)
		return err;
	wk->st.pages += n;
	wk->st.bytes_in += (uint64_t)n * pl->ps;
	atomic_fetch_add(&pl->pages_done, n);
	return NULL;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pipeline *pl = wk->pl;

	for (size_t k = 0; k < pl->nr_jobs && !stopping(pl); k++) {
		struct job *job = &pl->jobs[(wk->id + k) % pl->nr_jobs];

		while (!stopping(pl)) {
			uint64_t c = atomic_fetch_add(&job->next, 1), start, end;
			struct vmcf_error *err;

			if (c >= job->nr_chunks)
				break;
			start = job->start + c * C;
			end = start + C < job->end ? start + C : job->end;
			err = do_chunk(wk, job, start, end);
			if (err) {
				set_error(pl, err);
				break;
			}
		}
	}
	pthread_mutex_lock(&pl->lock);
	pl->running--;
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

/* --- setup ------------------------------------------------------------- */

static struct vmcf_error *worker_init(struct worker *wk, struct pipeline *pl,
				      unsigned int id)
{
	struct vmcf_error *err;
	size_t ps = pl->ps;

	wk->pl = pl;
	wk->id = id;
	wk->mode = pl->mode;
	wk->in = malloc(C * ps);
	wk->out = malloc(C * ps);
	wk->pfns = malloc(C * sizeof(*wk->pfns));
	wk->offs = malloc(C * sizeof(*wk->offs));
	wk->kinds = malloc(C);
	wk->is_data = malloc(C * sizeof(*wk->is_data));
	wk->ptrs = malloc(C * sizeof(*wk->ptrs));
	wk->refs = malloc(C * sizeof(*wk->refs));
	wk->epages = malloc(C * sizeof(*wk->epages));
	if (!wk->in || !wk->out || !wk->pfns || !wk->offs || !wk->kinds ||
	    !wk->is_data || !wk->ptrs || !wk->refs || !wk->epages)
		return &vmcf_enomem;
	err = pfn_cursor_init(&wk->cur, pl->p->map,
			      pl->p->elf ? elf_writer_block_slots : NULL,
			      pl->p->elf);
	if (!err)
		err = compressor_create(pl->p->compression, ps, &wk->comp);
	return err;
}

static void worker_deinit(struct worker *wk)
{
	compressor_destroy(wk->comp);
	pfn_cursor_deinit(&wk->cur);
	free(wk->in);
	free(wk->out);
	free(wk->pfns);
	free(wk->offs);
	free(wk->kinds);
	free(wk->is_data);
	free((void *)wk->ptrs);
	free(wk->refs);
	free(wk->epages);
}

static struct vmcf_error *make_jobs(struct pipeline *pl)
{
	const struct pipeline_params *p = pl->p;
	size_t n = p->nr_writers ? p->nr_writers : 1;

	pl->jobs = calloc(n, sizeof(pl->jobs[0]));
	if (!pl->jobs)
		return &vmcf_enomem;
	pl->nr_jobs = n;
	for (size_t i = 0; i < n; i++) {
		struct job *job = &pl->jobs[i];

		job->start = 0;
		job->end = p->max_pfn;
		if (p->nr_writers) {
			const struct kdump_layout *l =
				kdump_writer_layout(p->writers[i]);

			job->writer = p->writers[i];
			job->start = l->start_pfn;
			job->end = l->end_pfn;
		}
		/* A chunk must not straddle two chunks of the map. */
		if (job->start % C && job->start != job->end)
			return vmcf_error_create(EINVAL,
						 "pipeline: range [0x%" PRIx64 ", 0x%" PRIx64 ") does not start on a multiple of %d pfns",
						 job->start, job->end, C);
		job->nr_chunks = (job->end - job->start + C - 1) / C;
		atomic_init(&job->next, 0);
	}
	return NULL;
}

static void format_eta(char *buf, size_t size, double secs)
{
	unsigned long s = secs > 0 && secs < 1e7 ? (unsigned long)secs : 0;

	snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

static void print_progress(struct pipeline *pl, double start, bool last)
{
	const struct pipeline_params *p = pl->p;
	uint64_t done = atomic_load(&pl->pages_done);
	double t = now() - start, pct, mbs, eta;
	char etabuf[32];

	pct = p->total_pages ? 100.0 * (double)done / (double)p->total_pages :
			       100.0;
	mbs = t > 0 ? (double)done * pl->ps / 1e6 / t : 0;
	eta = done && !last ? t * (double)(p->total_pages - done) / (double)done :
			      0;
	format_eta(etabuf, sizeof(etabuf), eta);
	fprintf(stderr, "%svmcore-dump: %5.1f%% %" PRIu64 "/%" PRIu64 " pages  %.1f MB/s  ETA %s%s",
		p->progress_tty ? "\r" : "", pct, done, p->total_pages, mbs,
		etabuf, p->progress_tty && !last ? "" : "\n");
	fflush(stderr);
}

/* Waits for the workers, printing progress every half second. */
static void watch(struct pipeline *pl, double start)
{
	double period = pl->p->progress_tty ? 0.5 : 2.0, next = start + period;

	pthread_mutex_lock(&pl->lock);
	while (pl->running) {
		double deadline = pl->p->progress ? next : now() + 0.5;
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		deadline -= now();
		ts.tv_sec += (time_t)deadline;
		ts.tv_nsec += (long)((deadline - (double)(time_t)deadline) * 1e9);
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&pl->cond, &pl->lock, &ts);
		if (pl->p->progress && now() >= next && pl->running) {
			pthread_mutex_unlock(&pl->lock);
			print_progress(pl, start, false);
			pthread_mutex_lock(&pl->lock);
			next = now() + period;
		}
	}
	pthread_mutex_unlock(&pl->lock);
	if (pl->p->progress)
		print_progress(pl, start, true);
}

static void add_stats(struct pipeline_stats *sum, const struct pipeline_stats *s)
{
	sum->pages += s->pages;
	sum->zero_pages += s->zero_pages;
	sum->compressed_pages += s->compressed_pages;
	sum->bytes_in += s->bytes_in;
	sum->bytes_out += s->bytes_out;
}

static void run_workers(struct pipeline *pl, struct worker *workers,
			unsigned int n, struct pipeline_stats *stats)
{
	double start = now();
	struct vmcf_error *err = NULL;
	unsigned int started = 0, i;

	for (i = 0; i < n && !err; i++)
		err = worker_init(&workers[i], pl, i);
	pl->running = 0;
	for (i = 0; i < n && !err; i++) {
		pthread_mutex_lock(&pl->lock);
		pl->running++;
		pthread_mutex_unlock(&pl->lock);
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i])) {
			pthread_mutex_lock(&pl->lock);
			pl->running--;
			pthread_mutex_unlock(&pl->lock);
			err = vmcf_error_errno(errno ? errno : EAGAIN,
					       "start worker thread %u", i);
			break;
		}
		started++;
	}
	if (err)
		set_error(pl, err);
	watch(pl, start);
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	for (i = 0; i < n; i++) {
		add_stats(stats, &workers[i].st);
		stats->input = input_name(stats->input, workers[i].mode);
		worker_deinit(&workers[i]);
	}
	stats->seconds = now() - start;
}

struct vmcf_error *pipeline_run(const struct pipeline_params *p,
				struct pipeline_stats *stats_ret)
{
	struct pipeline pl = { .p = p, .ps = p->core->page_size };
	unsigned int n = p->nr_threads;
	struct worker *workers = NULL;
	struct vmcf_error *err;

	memset(stats_ret, 0, sizeof(*stats_ret));
	if (n < 1)
		n = 1;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	/* Each file of a --split set gets at least one thread of its own. */
	if (n < p->nr_writers)
		n = (unsigned int)p->nr_writers;
	pl.sys_page = sysconf(_SC_PAGESIZE);
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	atomic_init(&pl.pages_done, 0);
	atomic_init(&pl.failed, false);
	pl.last_refill = now();
	pl.zero = calloc(1, pl.ps);
	workers = calloc(n, sizeof(*workers));
	err = pl.zero && workers ? make_jobs(&pl) : &vmcf_enomem;
	if (!err) {
		choose_input(&pl);
		run_workers(&pl, workers, n, stats_ret);
		err = pl.err;
		if (!err && *p->stop)
			err = vmcf_error_create(EINTR, "interrupted by a signal");
	}
	if (pl.whole)
		munmap((void *)pl.whole, pl.whole_size);
	free(workers);
	free(pl.jobs);
	free((void *)pl.zero);
	pthread_cond_destroy(&pl.cond);
	pthread_mutex_destroy(&pl.lock);
	return err;
}
