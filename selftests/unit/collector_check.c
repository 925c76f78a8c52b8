// SPDX-License-Identifier: GPL-2.0
/*
 * Reads a dump written by vmcore-dump back and compares every page with
 * the ELF vmcore it came from.
 *
 *   collector_check [options] VMCORE READER FILE...
 *   collector_check --compare VMCORE READER FILE READER FILE
 *
 * READER is how FILE is read:
 *   libkdumpfile  libkdumpfile (KDUMP_MACHPHYSADDR reads); several FILEs
 *                 are one --split set
 *   own           tools/kdump_reader.c (kdump-compressed or flattened);
 *                 several FILEs are one --split set; the headers are
 *                 checked too (release, CPUs, max_mapnr, notes)
 *   elf           tools/elfcore.c (ELF cores)
 * options:
 *   --all            every RAM page of VMCORE must be in the dump
 *   --zero-absent    a page missing from the dump is fine if it is zero in
 *                    VMCORE (libkdumpfile does not read ELF p_memsz tails)
 *   --incomplete     the dump is flagged INCOMPLETE; missing pages are fine
 *   --level N        the header's dump level must be N (own)
 *   --hidden-zero    a page may read as zeros where VMCORE has data (what
 *                    vmcore_filter.ko's zero_level= does); they are counted.
 *                    With --compare: the first dump may hold zeros where
 *                    the second has no page.
 *   --ignore A-B     skip pfns A to B (hex, inclusive): the capture kernel's
 *                    own RAM, which /proc/vmcore shows as it is now (x86
 *                    hands the low 640 KiB to the capture kernel)
 * --compare checks that two dumps hold the same pages with the same data.
 *
 * Prints one line ("N pages checked: ..."), exits 0 if all is well.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compress.h"
#include "elfcore.h"
#include "kdump_reader.h"
#include "kdump_writer.h"
#include "vmcf_error.h"

#define MAX_FILES 16

enum reader { R_LIBKDUMPFILE, R_OWN, R_ELF };

struct dumpset {
	enum reader kind;
	const char *name;
	int fds[MAX_FILES];
	unsigned int nr;
	kdump_ctx_t *ctx;
	struct kdump_reader *readers[MAX_FILES];
	struct elfcore *core;
};

struct opts {
	bool all, zero_absent, incomplete, compare, hidden_zero;
	int level;
	unsigned int nr_ignore;
	uint64_t ignore[8][2];
};

static bool ignored(const struct opts *o, uint64_t pfn)
{
	for (unsigned int i = 0; i < o->nr_ignore; i++)
		if (pfn >= o->ignore[i][0] && pfn <= o->ignore[i][1])
			return true;
	return false;
}

static int fatal(const char *what, const char *why)
{
	printf("%s: %s\n", what, why);
	return 2;
}

static bool parse_reader(const char *s, enum reader *r)
{
	if (!strcmp(s, "libkdumpfile"))
		*r = R_LIBKDUMPFILE;
	else if (!strcmp(s, "own"))
		*r = R_OWN;
	else if (!strcmp(s, "elf"))
		*r = R_ELF;
	else
		return false;
	return true;
}

static struct vmcf_error *open_set(struct dumpset *s, char **files,
				   unsigned int nr)
{
	struct vmcf_error *err = NULL;

	s->name = files[0];
	for (s->nr = 0; s->nr < nr; s->nr++) {
		s->fds[s->nr] = open(files[s->nr], O_RDONLY);
		if (s->fds[s->nr] < 0)
			return vmcf_error_errno(errno, "open %s", files[s->nr]);
	}
	switch (s->kind) {
	case R_LIBKDUMPFILE:
		s->ctx = kdump_new();
		if (!s->ctx)
			return &vmcf_enomem;
		if (kdump_open_fdset(s->ctx, nr, s->fds) != KDUMP_OK)
			return vmcf_error_create(EINVAL, "libkdumpfile: %s",
						 kdump_get_err(s->ctx));
		break;
	case R_OWN:
		for (unsigned int i = 0; i < nr && !err; i++)
			err = kdump_reader_create(s->fds[i], files[i],
						  &s->readers[i]);
		break;
	case R_ELF:
		if (nr != 1)
			return vmcf_error_create(EINVAL, "one ELF file only");
		err = elfcore_create(s->fds[0], files[0], &s->core);
		break;
	}
	return err;
}

static void close_set(struct dumpset *s)
{
	if (s->ctx)
		kdump_free(s->ctx);
	for (unsigned int i = 0; i < MAX_FILES; i++)
		kdump_reader_destroy(s->readers[i]);
	elfcore_destroy(s->core);
	for (unsigned int i = 0; i < s->nr; i++)
		close(s->fds[i]);
}

/* 0: read, 1: not in the dump, -1: error (message printed). */
static int read_page(struct dumpset *s, uint64_t pfn, void *buf, size_t ps)
{
	struct vmcf_error *err = NULL;
	size_t len = ps;

	switch (s->kind) {
	case R_LIBKDUMPFILE:
		return kdump_read(s->ctx, KDUMP_MACHPHYSADDR, pfn * ps, buf,
				  &len) == KDUMP_OK && len == ps ? 0 : 1;
	case R_OWN:
		for (unsigned int i = 0; i < s->nr; i++) {
			if (kdump_reader_has_page(s->readers[i], pfn)) {
				err = kdump_reader_read_page(s->readers[i], pfn,
							     buf);
				break;
			}
			if (i == s->nr - 1)
				return 1;
		}
		break;
	case R_ELF:
		if (!elfcore_is_ram(s->core, pfn))
			return 1;
		err = elfcore_read_page(s->core, pfn, buf);
		break;
	}
	if (err && err->errnum == ENOENT) {
		vmcf_error_destroy(err);
		return 1;
	}
	if (err) {
		printf("pfn 0x%" PRIx64 ": %s\n", pfn, err->message);
		vmcf_error_destroy(err);
		return -1;
	}
	return 0;
}

/* The headers of our own reader's view against the input. */
static bool check_headers(const struct dumpset *s, const struct elfcore *in,
			  const struct opts *o)
{
	for (unsigned int i = 0; i < s->nr; i++) {
		const struct kdump_reader_info *h = kdump_reader_info(s->readers[i]);
		const char *bad = NULL;

		if (strcmp(h->release, in->basics.osrelease))
			bad = "utsname.release is not OSRELEASE";
		else if (strcmp(h->machine, "x86_64"))
			bad = "utsname.machine is not x86_64";
		else if (h->nr_cpus != (int32_t)in->nr_prstatus)
			bad = "nr_cpus is not the number of NT_PRSTATUS notes";
		else if (h->max_pfn != in->max_pfn)
			bad = "max_mapnr_64 differs from the input";
		else if (h->notes_size != in->notes_size ||
			 memcmp(h->notes, in->notes, in->notes_size))
			bad = "the notes differ from the input";
		else if (!h->vmcoreinfo)
			bad = "no VMCOREINFO";
		else if (o->level >= 0 && h->dump_level != o->level)
			bad = "dump_level differs";
		else if (!!(h->status & KDUMP_FLAG_INCOMPLETE) != o->incomplete)
			bad = o->incomplete ? "INCOMPLETE flag missing" :
					      "flagged INCOMPLETE";
		else if (s->nr > 1 && !h->split)
			bad = "a --split file without the split flag";
		if (bad) {
			printf("%s (file %u): %s\n", s->name, i, bad);
			return false;
		}
	}
	return true;
}

static bool is_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

struct tally {
	uint64_t present, absent, hidden, bad;
};

static void bad_page(struct tally *t, uint64_t pfn, const char *why)
{
	/* A few, so that a pattern (a range, a stride) shows. */
	if (t->bad++ < 8)
		printf("bad pfn 0x%" PRIx64 ": %s\n", pfn, why);
}

static int check_against_input(struct elfcore *in, struct dumpset *s,
			       const struct opts *o)
{
	size_t ps = in->page_size;
	unsigned char *want = malloc(ps), *got = malloc(ps);
	struct tally t = { 0 };

	for (uint64_t pfn = 0; pfn < in->max_pfn + 2; pfn++) {
		if (ignored(o, pfn))
			continue;
		bool ram = elfcore_is_ram(in, pfn);
		int r = read_page(s, pfn, got, ps);

		if (r < 0) {
			bad_page(&t, pfn, "read error");
			continue;
		}
		if (ram) {
			struct vmcf_error *err = elfcore_read_page(in, pfn, want);

			vmcf_error_destroy(err);
		}
		if (r == 1) {
			t.absent += ram;
			if (ram && o->all && !o->incomplete &&
			    !(o->zero_absent && is_zero(want, ps)))
				bad_page(&t, pfn, "RAM page missing from the dump");
			continue;
		}
		if (!ram) {
			/* libkdumpfile reads holes of ELF files as zeros. */
			if (!is_zero(got, ps))
				bad_page(&t, pfn, "non-RAM pfn has data");
			continue;
		}
		t.present++;
		if (!memcmp(got, want, ps))
			continue;
		if (o->hidden_zero && is_zero(got, ps))
			t.hidden++;
		else
			bad_page(&t, pfn, "data differs from the input");
	}
	printf("%" PRIu64 " pages checked: %" PRIu64 " present (%" PRIu64 " of them read as zeros where the input has data), %" PRIu64 " absent, %" PRIu64 " bad\n",
	       in->max_pfn, t.present, t.hidden, t.absent, t.bad);
	free(want);
	free(got);
	return t.bad ? 1 : 0;
}

static int compare(struct elfcore *in, struct dumpset *a, struct dumpset *b,
		   const struct opts *o)
{
	size_t ps = in->page_size;
	unsigned char *pa = malloc(ps), *pb = malloc(ps);
	struct tally t = { 0 };

	for (uint64_t pfn = 0; pfn < in->max_pfn; pfn++) {
		if (ignored(o, pfn))
			continue;
		int ra = read_page(a, pfn, pa, ps), rb = read_page(b, pfn, pb, ps);

		if (o->hidden_zero && rb == 1 && !ra && is_zero(pa, ps))
			t.hidden++;
		else if (ra != rb)
			bad_page(&t, pfn, "in one dump only");
		else if (!ra && memcmp(pa, pb, ps))
			bad_page(&t, pfn, "data differs between the dumps");
		else
			t.present += !ra;
	}
	printf("%" PRIu64 " pages compared: %" PRIu64 " in both and equal, %" PRIu64 " zero in the first only, %" PRIu64 " bad\n",
	       in->max_pfn, t.present, t.hidden, t.bad);
	free(pa);
	free(pb);
	return t.bad ? 1 : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i = 1;

	o->level = -1;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--all"))
			o->all = true;
		else if (!strcmp(argv[i], "--zero-absent"))
			o->zero_absent = true;
		else if (!strcmp(argv[i], "--incomplete"))
			o->incomplete = true;
		else if (!strcmp(argv[i], "--compare"))
			o->compare = true;
		else if (!strcmp(argv[i], "--hidden-zero"))
			o->hidden_zero = true;
		else if (!strcmp(argv[i], "--ignore") && i + 1 < argc &&
			 o->nr_ignore < 8 &&
			 sscanf(argv[i + 1], "%" SCNx64 "-%" SCNx64,
				&o->ignore[o->nr_ignore][0],
				&o->ignore[o->nr_ignore][1]) == 2)
			o->nr_ignore++, i++;
		else if (!strcmp(argv[i], "--level") && i + 1 < argc)
			o->level = atoi(argv[++i]);
		else
			return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct dumpset a = { 0 }, b = { 0 };
	struct elfcore *in = NULL;
	struct vmcf_error *err;
	struct opts o = { 0 };
	int i = parse_opts(argc, argv, &o), rc, fd;

	if (i < 0 || argc - i < 3 || (o.compare && argc - i != 5) ||
	    argc - i - 2 > MAX_FILES || !parse_reader(argv[i + 1], &a.kind) ||
	    (o.compare && !parse_reader(argv[i + 3], &b.kind)))
		return fatal("usage", "collector_check [--all] [--zero-absent] [--incomplete] [--hidden-zero] [--ignore A-B] [--level N] VMCORE READER FILE... | --compare [--hidden-zero] VMCORE READER FILE READER FILE");
	fd = open(argv[i], O_RDONLY);
	err = fd < 0 ? vmcf_error_errno(errno, "open %s", argv[i]) :
		       elfcore_create(fd, argv[i], &in);
	if (!err)
		err = open_set(&a, argv + i + 2, o.compare ? 1 : (unsigned)(argc - i - 2));
	if (!err && o.compare)
		err = open_set(&b, argv + i + 4, 1);
	if (err) {
		rc = fatal(argv[i + 2], err->message);
		vmcf_error_destroy(err);
	} else if (o.compare) {
		rc = compare(in, &a, &b, &o);
	} else {
		rc = a.kind == R_OWN && !check_headers(&a, in, &o) ? 1 : 0;
		rc |= check_against_input(in, &a, &o);
	}
	close_set(&a);
	close_set(&b);
	elfcore_destroy(in);
	if (fd >= 0)
		close(fd);
	return rc;
}
