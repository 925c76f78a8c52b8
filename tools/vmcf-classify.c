// SPDX-License-Identifier: GPL-2.0
/*
 * vmcf-classify: run the userspace build of the page classifier over a
 * saved vmcore and print how many pages each class has.
 *
 *   vmcf-classify [options] VMCORE
 *     --bitmap FILE    write the keep-bitmap of pfns [0, max_pfn) (the bytes
 *                      /dev/vmcore_filter would return) to FILE
 *     --exclude MASK   classes to exclude in the bitmap (VMCF_CLASS_BIT()s)
 *     -d LEVEL         the same as a makedumpfile dump level (0-31)
 *     --classes FILE   write one class id per pfn (0xff: not RAM) to FILE
 *     --threads N      worker threads (default: online CPUs)
 *     --time           print the classification wall time
 *
 * Output lines are "KEY VALUE": release, features, max_pfn, ram, one line
 * per class name, and with --time classify_s (the counts pass) and
 * bitmap_s.  Exit status 0, or 1 with a message on stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "elfcore.h"
#include "userspace_filter.h"
#include "vmcf_error.h"

/* Work unit of a thread: one memory section, 32768 pfns (128 MiB). */
#define CHUNK	32768ULL

struct class_info {
	const char *name;
	unsigned int level_bits;
	int excludable;
};

/* Names and -d bits from the single source of truth. */
static const struct class_info classes[VMCF_NR_CLASSES] = {
#define VMCF_CLASS(id, nm, bits, excl, desc)				\
	[VMCF_CLASS_##id] = { .name = nm, .level_bits = (bits),		\
			      .excludable = (excl) },
#include "../module/vmcf_classes.def"
#undef VMCF_CLASS
};

static uint64_t level_to_mask(unsigned int level)
{
	uint64_t mask = 0;
	int c;

	for (c = 0; c < VMCF_NR_CLASSES; c++)
		if (classes[c].excludable &&
		    (!classes[c].level_bits || (level & classes[c].level_bits)))
			mask |= VMCF_CLASS_BIT(c);
	return mask;
}

enum pass { PASS_COUNTS, PASS_BITMAP, PASS_CLASSES };

struct job {
	struct userspace_filter *uf;
	enum pass pass;
	uint64_t max_pfn;
	uint64_t exclude;
	uint8_t *out;
	atomic_uint_fast64_t next;
	pthread_mutex_t lock;
	uint64_t counts[VMCF_NR_CLASSES];
	struct vmcf_error *err;
};

static void *worker(void *arg)
{
	struct job *job = arg;
	uint64_t counts[VMCF_NR_CLASSES] = { 0 }, tmp[VMCF_NR_CLASSES];
	struct vmcf_error *err = NULL;
	uint64_t start, nr, bits_end = (job->max_pfn + 7) & ~7ULL;
	int c;

	for (;;) {
		start = atomic_fetch_add(&job->next, 1) * CHUNK;
		if (start >= job->max_pfn)
			break;
		switch (job->pass) {
		case PASS_COUNTS:
			err = userspace_filter_counts(job->uf, start,
						      start + CHUNK, tmp);
			for (c = 0; !err && c < VMCF_NR_CLASSES; c++)
				counts[c] += tmp[c];
			break;
		case PASS_BITMAP:
			nr = bits_end - start < CHUNK ? bits_end - start : CHUNK;
			err = userspace_filter_bitmap(job->uf, job->exclude,
						      start, nr,
						      job->out + start / 8);
			break;
		case PASS_CLASSES:
			nr = job->max_pfn - start < CHUNK ?
			     job->max_pfn - start : CHUNK;
			err = userspace_filter_classes(job->uf, start, nr,
						       job->out + start);
			break;
		}
		if (err)
			break;
	}
	pthread_mutex_lock(&job->lock);
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		job->counts[c] += counts[c];
	if (err && !job->err)
		job->err = err;
	else
		vmcf_error_destroy(err);
	pthread_mutex_unlock(&job->lock);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs one pass over [0, max_pfn) on nthreads threads; returns seconds. */
static struct vmcf_error *run_pass(struct job *job, unsigned int nthreads,
				   double *secs)
{
	pthread_t *tids = calloc(nthreads, sizeof(*tids));
	unsigned int i, started = 0;
	double t0 = now();
	int ret;

	if (!tids)
		return &vmcf_enomem;
	atomic_store(&job->next, 0);
	memset(job->counts, 0, sizeof(job->counts));
	job->err = NULL;
	for (i = 0; i < nthreads; i++) {
		ret = pthread_create(&tids[i], NULL, worker, job);
		if (ret) {
			job->err = vmcf_error_errno(ret, "pthread_create");
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	*secs = now() - t0;
	return job->err;
}

static struct vmcf_error *write_file(const char *path, const uint8_t *buf,
				     size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return vmcf_error_errno(errno, "open %s", path);
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return vmcf_error_errno(errno ? errno : EIO, "write %s", path);
	}
	if (fclose(f))
		return vmcf_error_errno(errno, "close %s", path);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vmcf-classify [--bitmap FILE] [--exclude MASK | -d LEVEL]\n"
		"                     [--classes FILE] [--threads N] [--time] VMCORE\n");
	exit(1);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || !*s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *bitmap_path = NULL, *classes_path = NULL, *path = NULL;
	struct userspace_filter *uf = NULL;
	struct elfcore *core = NULL;
	struct vmcf_error *err;
	uint64_t exclude = 0, v, ram = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nthreads = ncpu > 0 ? (unsigned int)ncpu : 1;
	bool timing = false;
	double secs, bitmap_secs = 0, classes_secs = 0;
	struct job job;
	int fd = -1, i, c, status = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bitmap") && i + 1 < argc) {
			bitmap_path = argv[++i];
		} else if (!strcmp(argv[i], "--classes") && i + 1 < argc) {
			classes_path = argv[++i];
		} else if (!strcmp(argv[i], "--exclude") && i + 1 < argc) {
			if (parse_u64(argv[++i], &exclude))
				usage();
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			if (parse_u64(argv[++i], &v) || v > 31)
				usage();
			exclude = level_to_mask((unsigned int)v);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			if (parse_u64(argv[++i], &v) || !v || v > 4096)
				usage();
			nthreads = (unsigned int)v;
		} else if (!strcmp(argv[i], "--time")) {
			timing = true;
		} else if (argv[i][0] == '-' || path) {
			usage();
		} else {
			path = argv[i];
		}
	}
	if (!path)
		usage();

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		err = vmcf_error_errno(errno, "open %s", path);
		goto out;
	}
	err = elfcore_create(fd, path, &core);
	if (!err)
		err = userspace_filter_create(core, &uf);
	if (err)
		goto out;
	if (userspace_filter_warnings(uf)[0])
		fprintf(stderr, "vmcf-classify: %s\n",
			userspace_filter_warnings(uf));

	memset(&job, 0, sizeof(job));
	pthread_mutex_init(&job.lock, NULL);
	job.uf = uf;
	job.max_pfn = core->max_pfn;
	job.exclude = exclude;
	job.pass = PASS_COUNTS;
	err = run_pass(&job, nthreads, &secs);
	if (err)
		goto out;

	printf("release %s\n", core->basics.osrelease);
	printf("features 0x%" PRIx64 "\n", userspace_filter_features(uf));
	printf("max_pfn %" PRIu64 "\n", core->max_pfn);
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		ram += job.counts[c];
	printf("ram %" PRIu64 "\n", ram);
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		printf("%s %" PRIu64 "\n", classes[c].name, job.counts[c]);

	if (bitmap_path) {
		size_t len = (size_t)((core->max_pfn + 7) / 8);

		job.out = calloc(len ? len : 1, 1);
		if (!job.out) {
			err = &vmcf_enomem;
			goto out;
		}
		job.pass = PASS_BITMAP;
		err = run_pass(&job, nthreads, &bitmap_secs);
		if (!err)
			err = write_file(bitmap_path, job.out, len);
		free(job.out);
		if (err)
			goto out;
	}
	if (classes_path) {
		size_t len = (size_t)core->max_pfn;

		job.out = malloc(len ? len : 1);
		if (!job.out) {
			err = &vmcf_enomem;
			goto out;
		}
		job.pass = PASS_CLASSES;
		err = run_pass(&job, nthreads, &classes_secs);
		if (!err)
			err = write_file(classes_path, job.out, len);
		free(job.out);
		if (err)
			goto out;
	}
	if (timing) {
		printf("threads %u\n", nthreads);
		printf("classify_s %.6f\n", secs);
		if (bitmap_path)
			printf("bitmap_s %.6f\n", bitmap_secs);
	}
	status = 0;
out:
	if (err) {
		fprintf(stderr, "vmcf-classify: %s\n", err->message);
		vmcf_error_destroy(err);
	}
	userspace_filter_destroy(uf);
	elfcore_destroy(core);
	if (fd >= 0)
		close(fd);
	return status;
}
