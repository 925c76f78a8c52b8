// SPDX-License-Identifier: GPL-2.0
/* The keep-bitmap's source: see bitmap_source.h. */
#define _POSIX_C_SOURCE 200809L
#include "bitmap_source.h"

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

/* Pfns per read: 256 KiB of bitmap, a few ms of classification. */
#define PIECE_PFNS	(UINT64_C(1) << 21)

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

/* Sets bits of RAM pfns in [start, start + nr) (start a multiple of 8). */
static void ram_bits(const struct bitmap_source *s, uint64_t start,
		     uint64_t nr, uint8_t *bits)
{
	memset(bits, 0, nr / 8);
	for (uint64_t i = 0; i < nr; i++) {
		if (elfcore_is_ram(s->core, start + i))
			bits[i >> 3] |= (uint8_t)(1u << (i & 7));
	}
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
		ram_bits(s, start_pfn, nr, bits);
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

/* --- filling the whole bitmap ------------------------------------------ */

struct fill {
	struct bitmap_source *s;
	const uint8_t *ram;
	uint8_t *dump;
	uint64_t max_pfn;
	const volatile sig_atomic_t *stop;
	_Atomic uint64_t next_piece;
	pthread_mutex_t lock;
	struct vmcf_error *err;
};

static struct vmcf_error *fill_piece(struct fill *f, uint64_t start)
{
	uint64_t nr = f->max_pfn - start < PIECE_PFNS ? f->max_pfn - start :
							 PIECE_PFNS;
	uint64_t bytes = (nr + 7) / 8;
	uint8_t *dst = f->dump + start / 8;
	struct vmcf_error *err;

	/* The last piece is read in whole bytes; bits past max_pfn go. */
	err = bitmap_source_read(f->s, start, bytes * 8, dst);
	if (err)
		return err;
	for (uint64_t i = 0; i < bytes; i++)
		dst[i] &= f->ram[start / 8 + i];
	if (start + bytes * 8 > f->max_pfn)
		dst[bytes - 1] &= (uint8_t)((1u << (f->max_pfn % 8)) - 1);
	return NULL;
}

static void *fill_thread(void *arg)
{
	struct fill *f = arg;

	for (;;) {
		uint64_t start = atomic_fetch_add(&f->next_piece, 1) * PIECE_PFNS;
		struct vmcf_error *err;

		if (start >= f->max_pfn || *f->stop)
			break;
		err = fill_piece(f, start);
		if (err) {
			pthread_mutex_lock(&f->lock);
			if (!f->err)
				f->err = err;
			else
				vmcf_error_destroy(err);
			pthread_mutex_unlock(&f->lock);
			break;
		}
		pthread_mutex_lock(&f->lock);
		err = f->err;
		pthread_mutex_unlock(&f->lock);
		if (err)
			break;
	}
	return NULL;
}

struct vmcf_error *bitmap_source_fill(struct bitmap_source *s,
				      const uint8_t *ram_bitmap,
				      uint8_t *dump_bitmap, uint64_t max_pfn,
				      unsigned int nr_threads,
				      const volatile sig_atomic_t *stop)
{
	struct fill f = { .s = s, .ram = ram_bitmap, .dump = dump_bitmap,
			  .max_pfn = max_pfn, .stop = stop };
	pthread_t threads[64];
	unsigned int n = 0;

	if (s->kind == BITMAP_SOURCE_NONE) {
		memcpy(dump_bitmap, ram_bitmap, (max_pfn + 7) / 8);
		return NULL;
	}
	pthread_mutex_init(&f.lock, NULL);
	atomic_init(&f.next_piece, 0);
	/*
	 * The device and the userspace classifier (userspace_filter.h) both
	 * take concurrent reads of different ranges.
	 */
	if (nr_threads < 1)
		nr_threads = 1;
	if (nr_threads > 64)
		nr_threads = 64;
	for (; n + 1 < nr_threads; n++) {
		if (pthread_create(&threads[n], NULL, fill_thread, &f))
			break;
	}
	fill_thread(&f);
	while (n)
		pthread_join(threads[--n], NULL);
	pthread_mutex_destroy(&f.lock);
	if (!f.err && *stop)
		return vmcf_error_create(EINTR, "interrupted");
	return vmcf_error_prefix(f.err, "keep-bitmap from %s", s->describe);
}
