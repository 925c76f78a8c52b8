// SPDX-License-Identifier: GPL-2.0
/* The keep-bitmap's source: see bitmap_source.h. */
#define _POSIX_C_SOURCE 200809L
#include "bitmap_source.h"
#include "mem_zero.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pfn_map.h"
#include "userspace_filter.h"

/*
 * The classifier's own header, with the two names it shares with the uapi
 * header renamed: the compiler then checks the declarations in
 * bitmap_source.h against it, and the class counts are compared below.
 */
#define VMCF_NR_CLASSES vmcf_classify_nr_classes
#define vmcf_counts vmcf_classify_counts
#include "vmcf_classify.h"
#undef VMCF_NR_CLASSES
#undef vmcf_counts

_Static_assert((int)vmcf_classify_nr_classes == (int)VMCF_NR_CLASSES,
	       "module/vmcf_classes.def and the uapi class ids differ");
_Static_assert((int)VMCF_CORRUPT == (int)VMCF_CLASS_CORRUPT &&
	       (int)VMCF_SLAB == (int)VMCF_CLASS_SLAB,
	       "module/vmcf_classes.def and the uapi class ids differ");

/* Threads of the first pass at most (each holds two chunks of bits). */
#define SCAN_MAX_THREADS	64

struct bitmap_source {
	enum bitmap_source_kind kind;
	struct elfcore *core;
	uint64_t exclude;
	char describe[512];
	/* device */
	int fd;
	uint64_t dev_max_pfn;
	/* userspace */
	struct userspace_filter *uf;
};

static const char *const kind_names[] = {
	[BITMAP_SOURCE_AUTO] = "auto",
	[BITMAP_SOURCE_DEVICE] = "device",
	[BITMAP_SOURCE_USERSPACE] = "userspace",
	[BITMAP_SOURCE_NONE] = "none",
};

bool bitmap_source_kind_from_name(const char *name,
				  enum bitmap_source_kind *kind_ret)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*kind_ret = (enum bitmap_source_kind)i;
			return true;
		}
	}
	return false;
}

const char *bitmap_source_kind_name(enum bitmap_source_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
		       kind_names[kind] : "invalid";
}

/* --- the userspace classifier -------------------------------------- */

static struct vmcf_error *us_create(struct bitmap_source *s)
{
	return userspace_filter_create(s->core, &s->uf);
}

static void us_destroy(struct bitmap_source *s)
{
	userspace_filter_destroy(s->uf);
}

static struct vmcf_error *us_bitmap(struct bitmap_source *s, uint64_t start,
				    uint64_t nr, uint8_t *bits)
{
	return userspace_filter_bitmap(s->uf, s->exclude, start, nr, bits);
}

static struct vmcf_error *us_counts(struct bitmap_source *s, uint64_t start,
				    uint64_t end, uint64_t *counts)
{
	return userspace_filter_counts(s->uf, start, end, counts);
}

/* --- the device -------------------------------------------------------- */

/*
 * Opens the device and checks its ABI.  ENOENT/ENXIO/ENODEV: there is no
 * device (the caller may fall back); anything else is an error.
 */
static struct vmcf_error *dev_open(struct bitmap_source *s, const char *path)
{
	struct vmcf_version v = { .size = sizeof(v) };
	struct vmcf_mask m = { .size = sizeof(m) };

	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return vmcf_error_errno(errno, "open %s", path);
	if (ioctl(s->fd, VMCF_IOC_VERSION, &v) < 0)
		return vmcf_error_errno(errno == ENOTTY ? EPROTO : errno,
					"%s: VMCF_IOC_VERSION (not a vmcore_filter device?)",
					path);
	if (v.abi_version != VMCF_ABI_VERSION)
		return vmcf_error_create(EPROTO,
					 "%s speaks ABI version %" PRIu32 ", this vmcore-dump needs %d: module and tool do not match",
					 path, v.abi_version, VMCF_ABI_VERSION);
	s->dev_max_pfn = v.max_pfn;
	m.exclude = s->exclude & VMCF_EXCLUDABLE;
	if (ioctl(s->fd, VMCF_IOC_SET_MASK, &m) < 0)
		return vmcf_error_errno(errno,
					"%s: VMCF_IOC_SET_MASK 0x%" PRIx64,
					path, (uint64_t)m.exclude);
	snprintf(s->describe, sizeof(s->describe),
		 "device %s (ABI %" PRIu32 ", features 0x%" PRIx64 ", max_pfn 0x%" PRIx64 ")",
		 path, v.abi_version, (uint64_t)v.features, (uint64_t)v.max_pfn);
	return NULL;
}

static bool no_device(const struct vmcf_error *err)
{
	return err->errnum == ENOENT || err->errnum == ENXIO ||
	       err->errnum == ENODEV;
}

static struct vmcf_error *dev_bitmap(struct bitmap_source *s, uint64_t start,
				     uint64_t nr, uint8_t *bits)
{
	uint64_t offset = start / 8, size = nr / 8, done = 0;

	while (done < size) {
		ssize_t r = pread(s->fd, bits + done, size - done,
				  (off_t)(offset + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno,
						"pread " BITMAP_SOURCE_DEVICE_PATH " at 0x%" PRIx64,
						offset + done);
		if (r == 0)	/* past the device's max_pfn: no RAM */
			break;
		done += (uint64_t)r;
	}
	memset(bits + done, 0, size - done);
	return NULL;
}

static struct vmcf_error *dev_counts(struct bitmap_source *s, uint64_t start,
				     uint64_t end, uint64_t *counts)
{
	struct vmcf_counts c = { .size = sizeof(c) };

	c.start_pfn = start;
	c.end_pfn = end;
	if (ioctl(s->fd, VMCF_IOC_COUNTS, &c) < 0)
		return vmcf_error_errno(errno,
					"VMCF_IOC_COUNTS [0x%" PRIx64 ", 0x%" PRIx64 ")",
					start, end);
	for (int i = 0; i < VMCF_NR_CLASSES; i++)
		counts[i] = c.pages[i];
	return NULL;
}

/* --- choosing ---------------------------------------------------------- */

static struct vmcf_error *use_device(struct bitmap_source *s,
				     const struct bitmap_source_params *p,
				     bool *absent_ret)
{
	const char *path = p->device_path ? p->device_path :
					    BITMAP_SOURCE_DEVICE_PATH;
	struct vmcf_error *err = dev_open(s, path);

	*absent_ret = err && no_device(err);
	if (!err)
		s->kind = BITMAP_SOURCE_DEVICE;
	return err;
}

static struct vmcf_error *use_userspace(struct bitmap_source *s)
{
	struct vmcf_error *err = us_create(s);

	if (err)
		return vmcf_error_prefix(err, "userspace classifier");
	s->kind = BITMAP_SOURCE_USERSPACE;
	snprintf(s->describe, sizeof(s->describe),
		 "userspace classifier (mem_map read from %s)", s->core->name);
	return NULL;
}

static void use_none(struct bitmap_source *s, const char *why)
{
	s->kind = BITMAP_SOURCE_NONE;
	s->exclude = 0;
	snprintf(s->describe, sizeof(s->describe), "all RAM pages%s%s",
		 why ? ": " : "", why ? why : "");
}

/* auto: see bitmap_source.h for the order. */
static struct vmcf_error *choose_auto(struct bitmap_source *s,
				      const struct bitmap_source_params *p)
{
	bool absent, want_us = p->want_classes || (p->dump_level & ~1);
	struct vmcf_error *err = use_device(s, p, &absent);
	char why[256];

	if (!err || !absent)
		return err;
	snprintf(why, sizeof(why), "%s", err->message);
	vmcf_error_destroy(err);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (!want_us) {
		use_none(s, why);
		return NULL;
	}
	err = use_userspace(s);
	if (!err)
		return NULL;
	/* More pages than asked for is safe; say so. */
	snprintf(why + strlen(why), sizeof(why) - strlen(why), "; %s",
		 err->message);
	vmcf_error_destroy(err);
	use_none(s, why);
	return NULL;
}

struct vmcf_error *bitmap_source_create(const struct bitmap_source_params *p,
					struct bitmap_source **source_ret)
{
	struct bitmap_source *s = calloc(1, sizeof(*s));
	struct vmcf_error *err = NULL;
	bool absent;

	if (!s)
		return &vmcf_enomem;
	s->fd = -1;
	s->core = p->core;
	s->exclude = vmcf_dump_level_to_mask(p->dump_level);
	switch (p->kind) {
	case BITMAP_SOURCE_AUTO:
		err = choose_auto(s, p);
		break;
	case BITMAP_SOURCE_DEVICE:
		err = use_device(s, p, &absent);
		break;
	case BITMAP_SOURCE_USERSPACE:
		err = use_userspace(s);
		break;
	case BITMAP_SOURCE_NONE:
		use_none(s, "--filter=none");
		break;
	}
	if (err) {
		bitmap_source_destroy(s);
		return err;
	}
	*source_ret = s;
	return NULL;
}

void bitmap_source_destroy(struct bitmap_source *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->kind == BITMAP_SOURCE_USERSPACE)
		us_destroy(s);
	free(s);
}

enum bitmap_source_kind bitmap_source_kind(const struct bitmap_source *s)
{
	return s->kind;
}

const char *bitmap_source_describe(const struct bitmap_source *s)
{
	return s->describe;
}

uint64_t bitmap_source_exclude(const struct bitmap_source *s)
{
	return s->exclude;
}

bool bitmap_source_has_classes(const struct bitmap_source *s)
{
	return s->kind == BITMAP_SOURCE_DEVICE ||
	       s->kind == BITMAP_SOURCE_USERSPACE;
}

struct vmcf_error *bitmap_source_read(struct bitmap_source *s,
				      uint64_t start_pfn, uint64_t nr,
				      uint8_t *bits)
{
	if (start_pfn % 1024 || nr % 8)
		return vmcf_error_create(EINVAL,
					 "bitmap read of 0x%" PRIx64 " pfns at 0x%" PRIx64 " is not aligned",
					 nr, start_pfn);
	switch (s->kind) {
	case BITMAP_SOURCE_DEVICE:
		return dev_bitmap(s, start_pfn, nr, bits);
	case BITMAP_SOURCE_USERSPACE:
		return us_bitmap(s, start_pfn, nr, bits);
	default:
		elfcore_ram_bits(s->core, start_pfn, nr, bits);
		return NULL;
	}
}

struct vmcf_error *bitmap_source_counts(struct bitmap_source *s,
					uint64_t start_pfn, uint64_t end_pfn,
					uint64_t counts[VMCF_NR_CLASSES])
{
	memset(counts, 0, VMCF_NR_CLASSES * sizeof(counts[0]));
	switch (s->kind) {
	case BITMAP_SOURCE_DEVICE:
		return dev_counts(s, start_pfn, end_pfn, counts);
	case BITMAP_SOURCE_USERSPACE:
		return us_counts(s, start_pfn, end_pfn, counts);
	default:
		return vmcf_error_create(ENOTSUP,
					 "%s: page classes are unknown",
					 s->describe);
	}
}

/* --- the first pass ---------------------------------------------------- */


struct vmcf_error *bitmap_source_chunk(struct bitmap_source *s,
				       uint64_t start_pfn, uint64_t nr,
				       uint8_t *ram, uint8_t *keep)
{
	size_t bytes = (size_t)((nr + 7) / 8);
	struct vmcf_error *err;

	elfcore_ram_bits(s->core, start_pfn, nr, ram);
	/* No RAM (a hole in the physical address space): nothing to ask. */
	if (s->kind == BITMAP_SOURCE_NONE || mem_is_zero(ram, bytes)) {
		memcpy(keep, ram, bytes);
		return NULL;
	}
	err = bitmap_source_read(s, start_pfn, (uint64_t)bytes * 8, keep);
	if (err)
		return vmcf_error_prefix(err, "keep-bitmap from %s",
					 s->describe);
	/* A subset of RAM whatever the source says; nothing past nr. */
	for (size_t i = 0; i < bytes; i++)
		keep[i] &= ram[i];
	return NULL;
}

static uint64_t popcount(const uint8_t *bits, size_t bytes)
{
	uint64_t n = 0;
	size_t i = 0;

	for (; i + 8 <= bytes; i += 8) {
		uint64_t w;

		memcpy(&w, bits + i, sizeof(w));
		if (w)
			n += (uint64_t)__builtin_popcountll(w);
	}
	for (; i < bytes; i++)
		n += (uint64_t)__builtin_popcount(bits[i]);
	return n;
}

struct scan {
	struct bitmap_source *s;
	struct pfn_map *map;
	bitmap_sink_fn sink;
	void *sink_ctx;
	const volatile sig_atomic_t *stop;
	_Atomic uint64_t next_chunk;
	_Atomic uint64_t ram_pages;
	atomic_bool failed;
	pthread_mutex_t lock;
	struct vmcf_error *err;
};

static struct vmcf_error *scan_chunk(struct scan *sc, uint64_t chunk,
				     uint8_t *ram, uint8_t *keep)
{
	uint64_t start = chunk << PFN_MAP_CHUNK_SHIFT;
	uint64_t nr = pfn_map_chunk_pfns(sc->map, chunk);
	size_t bytes = (size_t)((nr + 7) / 8);
	struct vmcf_error *err;

	err = bitmap_source_chunk(sc->s, start, nr, ram, keep);
	if (!err && sc->sink)
		err = sc->sink(sc->sink_ctx, start, nr, ram, keep);
	if (err)
		return err;
	pfn_map_set_count(sc->map, chunk, popcount(keep, bytes));
	atomic_fetch_add(&sc->ram_pages, popcount(ram, bytes));
	return NULL;
}

static void *scan_thread(void *arg)
{
	struct scan *sc = arg;
	uint8_t *ram = malloc(PFN_MAP_CHUNK_BYTES);
	uint8_t *keep = malloc(PFN_MAP_CHUNK_BYTES);
	struct vmcf_error *err = ram && keep ? NULL : &vmcf_enomem;

	while (!err && !atomic_load(&sc->failed) && !*sc->stop) {
		uint64_t chunk = atomic_fetch_add(&sc->next_chunk, 1);

		if (chunk >= pfn_map_nr_chunks(sc->map))
			break;
		err = scan_chunk(sc, chunk, ram, keep);
	}
	if (err) {
		pthread_mutex_lock(&sc->lock);
		if (!sc->err)
			sc->err = err;
		else
			vmcf_error_destroy(err);
		pthread_mutex_unlock(&sc->lock);
		atomic_store(&sc->failed, true);
	}
	free(ram);
	free(keep);
	return NULL;
}

struct vmcf_error *bitmap_source_scan(struct bitmap_source *s,
				      struct pfn_map *map,
				      unsigned int nr_threads,
				      const volatile sig_atomic_t *stop,
				      bitmap_sink_fn sink, void *sink_ctx,
				      uint64_t *ram_pages_ret)
{
	struct scan sc = { .s = s, .map = map, .sink = sink,
			   .sink_ctx = sink_ctx, .stop = stop };
	pthread_t threads[SCAN_MAX_THREADS];
	unsigned int n = 0;

	pthread_mutex_init(&sc.lock, NULL);
	atomic_init(&sc.next_chunk, 0);
	atomic_init(&sc.ram_pages, 0);
	atomic_init(&sc.failed, false);
	/*
	 * The device and the userspace classifier (userspace_filter.h) both
	 * take concurrent reads of different ranges.
	 */
	if (nr_threads < 1)
		nr_threads = 1;
	if (nr_threads > SCAN_MAX_THREADS)
		nr_threads = SCAN_MAX_THREADS;
	for (; n + 1 < nr_threads; n++) {
		if (pthread_create(&threads[n], NULL, scan_thread, &sc))
			break;
	}
	scan_thread(&sc);
	while (n)
		pthread_join(threads[--n], NULL);
	pthread_mutex_destroy(&sc.lock);
	if (!sc.err && *stop)
		return vmcf_error_create(EINTR, "interrupted");
	if (sc.err)
		return sc.err;
	pfn_map_seal(map);
	*ram_pages_ret = atomic_load(&sc.ram_pages);
	return NULL;
}
