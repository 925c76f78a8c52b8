// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore-dump: a parallel, pipelined drop-in for makedumpfile in the kdump
 * capture kernel.  See Documentation/vmcore-dump.rst.
 *
 * This file is the command line and the order of the steps; the work is
 * in bitmap_source.c (which pages), pfn_map.c (where they are counted),
 * pipeline.c (the threads), kdump_writer.c and elf_writer.c (the
 * formats), dmesg.c and kvaddr.c (the log and the kernel's own data).
 *
 * A dump is two passes over chunks of 4 GiB of RAM (pfn_map.h): the first
 * writes both bitmaps into the output, chunk by chunk, and keeps only each
 * chunk's number of pages to dump; the second (the pipeline) reads each
 * chunk's bits back and dumps its pages.
 *
 * MEMORY: peak RSS about 4 MiB + 8.5 MiB per worker thread + 8 bytes per
 * 4 GiB of RAM (16 with -E), whatever the size of the crashed machine: no
 * bitmap of all of RAM is ever held (see pipeline.h for the parts).  --to-elf and
 * --dump-dmesg of a kdump file, which do not run in a capture kernel, read
 * that file's bitmaps whole.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitmap_source.h"
#include "compress.h"
#include "dmesg.h"
#include "elf_writer.h"
#include "elfcore.h"
#include "kdump_reader.h"
#include "kdump_writer.h"
#include "kvaddr.h"
#include "pfn_map.h"
#include "pipeline.h"
#include "vmcf_error.h"

#define VMCORE_DUMP_VERSION	"0.1"
#define EXIT_USAGE		2

/* makedumpfile --message-level bits, which we map onto our output. */
#define ML_PROGRESS	1	/* progress line (on a TTY, or --progress) */
#define ML_COMMON	2	/* which source, what was written */
#define ML_ERROR	4	/* errors: always printed, whatever the level */
#define ML_DEBUG	8	/* details: input mode, fallbacks */
#define ML_REPORT	16	/* the per-class summary */
#define ML_DEFAULT	(ML_PROGRESS | ML_COMMON | ML_ERROR | ML_REPORT)

enum mode {
	MODE_DUMP,
	MODE_DMESG,
	MODE_TO_ELF,
	MODE_REPORT,
};

struct options {
	enum mode mode;
	int dump_level;
	enum compress_alg compression;
	bool elf;
	bool flattened;
	bool split;
	bool dry_run;
	bool report;
	bool force;
	bool progress;
	unsigned int nr_threads;
	int message_level;
	uint64_t max_rate;		/* bytes per second */
	enum bitmap_source_kind filter;
	const char *device;
	char **args;			/* positional arguments */
	int nr_args;
};

static volatile sig_atomic_t stop_signal;
static int message_level = ML_DEFAULT;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level != ML_ERROR && !(message_level & level))
		return;
	fputs("vmcore-dump: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An error whose message was printed already. */
static struct vmcf_error reported = { .errnum = EIO, .is_static = 1 };

/* Prints err (consuming it) and returns the exit status 1. */
static int fail(struct vmcf_error *err)
{
	if (err->message)
		msg(ML_ERROR, "%s", err->message);
	vmcf_error_destroy(err);
	return EXIT_FAILURE;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmcore-dump [-c|-l|-p|-z] [-d LEVEL] [-E] [options] VMCORE DUMPFILE\n"
"       vmcore-dump -F [-c|-l|-p|-z] [-d LEVEL] [options] VMCORE > STREAM\n"
"       vmcore-dump --split [options] VMCORE DUMPFILE1 DUMPFILE2 [...]\n"
"       vmcore-dump --dump-dmesg VMCORE LOGFILE\n"
"       vmcore-dump --report [options] VMCORE [DUMPFILE]\n"
"       vmcore-dump --to-elf KDUMPFILE [KDUMPFILE2 ...] ELFFILE\n"
"\n"
"  -d LEVEL            exclude pages (makedumpfile dump level 0..31):\n"
"                      1 zero, 2 cache, 4 cache with private, 8 user, 16 free\n"
"  -c, -l, -p, -z      compress pages with zlib, lzo, snappy or zstd\n"
"  -E                  write an ELF core instead of kdump-compressed\n"
"  -F                  write the flattened format to standard output\n"
"  -f                  overwrite DUMPFILE if it exists\n"
"  --split             write one file per DUMPFILE, in parallel\n"
"  --num-threads N     worker threads (default: online CPUs)\n"
"  --filter=SOURCE     auto, device, userspace or none (default auto)\n"
"  --max-rate MB/s     limit the output rate (1 MB = 10^6 bytes)\n"
"  --message-level N   makedumpfile's bits: 1 progress, 2 common, 4 error,\n"
"                      8 debug, 16 report (default %d)\n"
"  --progress          show progress even when stderr is not a terminal\n"
"  --dry-run           read, filter and compress, but write nothing\n"
"  --report            print the crashed kernel's memory by page class\n"
"  --dump-dmesg        write the crashed kernel's log to LOGFILE\n"
"  --to-elf            convert a kdump-compressed dump to an ELF core\n"
"  -h, --help          this text;  -v, --version  the version\n",
		ML_DEFAULT);
}

/* --- options ----------------------------------------------------------- */

enum {
	OPT_SPLIT = 256,
	OPT_NUM_THREADS,
	OPT_MESSAGE_LEVEL,
	OPT_DRY_RUN,
	OPT_DUMP_DMESG,
	OPT_REPORT,
	OPT_MAX_RATE,
	OPT_FILTER,
	OPT_DEVICE,
	OPT_TO_ELF,
	OPT_PROGRESS,
};

static const struct option long_options[] = {
	{ "split", no_argument, NULL, OPT_SPLIT },
	{ "num-threads", required_argument, NULL, OPT_NUM_THREADS },
	{ "message-level", required_argument, NULL, OPT_MESSAGE_LEVEL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "dump-dmesg", no_argument, NULL, OPT_DUMP_DMESG },
	{ "report", no_argument, NULL, OPT_REPORT },
	{ "max-rate", required_argument, NULL, OPT_MAX_RATE },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "to-elf", no_argument, NULL, OPT_TO_ELF },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_long(const char *s, long min, long max, long *value_ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*value_ret = v;
	return true;
}

static bool parse_rate(const char *s, uint64_t *rate_ret)
{
	char *end;
	double mb;

	errno = 0;
	mb = strtod(s, &end);
	if (errno || end == s || *end || !(mb > 0) || mb > 1e9)
		return false;
	*rate_ret = (uint64_t)(mb * 1e6);
	return true;
}

/* Handles one option; false (after a message) if it is wrong. */
static bool parse_option(struct options *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'd':
		if (!parse_long(arg, 0, 31, &v))
			goto bad;
		o->dump_level = (int)v;
		return true;
	case 'c': o->compression = COMPRESS_ZLIB; return true;
	case 'l': o->compression = COMPRESS_LZO; return true;
	case 'p': o->compression = COMPRESS_SNAPPY; return true;
	case 'z': o->compression = COMPRESS_ZSTD; return true;
	case 'E': o->elf = true; return true;
	case 'F': o->flattened = true; return true;
	case 'f': o->force = true; return true;
	case 'D': message_level |= ML_DEBUG; return true;
	case OPT_SPLIT: o->split = true; return true;
	case OPT_DRY_RUN: o->dry_run = true; return true;
	case OPT_DUMP_DMESG: o->mode = MODE_DMESG; return true;
	case OPT_REPORT: o->report = true; return true;
	case OPT_TO_ELF: o->mode = MODE_TO_ELF; return true;
	case OPT_PROGRESS: o->progress = true; return true;
	case OPT_DEVICE: o->device = arg; return true;
	case OPT_NUM_THREADS:
		if (!parse_long(arg, 1, 4096, &v))
			goto bad;
		o->nr_threads = (unsigned int)v;
		return true;
	case OPT_MESSAGE_LEVEL:
		if (!parse_long(arg, 0, 31, &v))
			goto bad;
		message_level = (int)v;
		return true;
	case OPT_MAX_RATE:
		if (!parse_rate(arg, &o->max_rate))
			goto bad;
		return true;
	case OPT_FILTER:
		if (!bitmap_source_kind_from_name(arg, &o->filter))
			goto bad;
		return true;
	}
	return false;
bad:
	msg(ML_ERROR, "invalid argument \"%s\" for an option", arg);
	return false;
}

/* Checks that the options and arguments fit together. */
static bool check_options(struct options *o)
{
	int n = o->nr_args;

	/* --report alone prints the table; with a dump to make, it goes on. */
	if (o->mode == MODE_DUMP && o->report && n == 1 && !o->flattened)
		o->mode = MODE_REPORT;
	switch (o->mode) {
	case MODE_DMESG:
		if (n == 2)
			return true;
		msg(ML_ERROR, "--dump-dmesg takes VMCORE LOGFILE");
		return false;
	case MODE_TO_ELF:
		if (n >= 2)
			return true;
		msg(ML_ERROR, "--to-elf takes KDUMPFILE [KDUMPFILE...] ELFFILE");
		return false;
	case MODE_REPORT:
		return true;
	case MODE_DUMP:
		break;
	}
	if (o->elf && (o->flattened || o->split)) {
		msg(ML_ERROR, "-E cannot be combined with -F or --split");
		return false;
	}
	if (o->elf && o->compression != COMPRESS_NONE) {
		msg(ML_ERROR, "-E writes raw pages: -c, -l, -p and -z do not apply");
		return false;
	}
	if (o->flattened && o->split) {
		msg(ML_ERROR, "-F and --split cannot be combined");
		return false;
	}
	if (o->flattened ? n != 1 : o->split ? n < 3 : n != 2) {
		msg(ML_ERROR, "%s", o->flattened ? "-F takes VMCORE only (the stream goes to standard output)" :
			       o->split ? "--split takes VMCORE and at least two DUMPFILEs" :
					  "VMCORE and DUMPFILE are required");
		return false;
	}
	return true;
}

/* 0 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	memset(o, 0, sizeof(*o));
	o->nr_threads = cpus > 0 ? (unsigned int)cpus : 1;
	o->filter = BITMAP_SOURCE_AUTO;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "cd:lpzEFfDhv", long_options,
				NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(EXIT_SUCCESS);
		}
		if (c == 'v') {
			printf("vmcore-dump %s\n", VMCORE_DUMP_VERSION);
			exit(EXIT_SUCCESS);
		}
		if (c == '?' || c == ':') {
			if (optopt)
				msg(ML_ERROR, "unknown option or missing argument: -%c", optopt);
			else
				msg(ML_ERROR, "unknown option or missing argument: %s",
				    argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (!parse_option(o, c, optarg)) {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	o->args = argv + optind;
	o->nr_args = argc - optind;
	if (!check_options(o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* --- the crashed kernel's own data ------------------------------------- */

struct uts {
	char sysname[65], nodename[65], release[65], version[65];
	char machine[65], domainname[65];
};

/* utsname from init_uts_ns through the page tables, if they are there. */
static struct vmcf_error *read_uts(struct kvaddr *kv,
				   const struct vmcoreinfo *vi, struct uts *u)
{
	char raw[6 * 65];
	uint64_t sym, off;
	struct vmcf_error *err;
	char *fields[] = { u->sysname, u->nodename, u->release, u->version,
			   u->machine, u->domainname };

	err = vmcoreinfo_symbol(vi, "init_uts_ns", &sym);
	if (!err)
		err = vmcoreinfo_get_u64(vi, "OFFSET(uts_namespace.name)", 10,
					 &off);
	if (!err)
		err = kvaddr_read(kv, sym + off, raw, sizeof(raw));
	if (err)
		return vmcf_error_prefix(err, "init_uts_ns");
	for (int i = 0; i < 6; i++) {
		memcpy(fields[i], raw + 65 * i, 64);
		fields[i][64] = '\0';
	}
	return NULL;
}

static void get_uts(const struct elfcore *core, struct uts *u)
{
	struct phys_reader rd;
	struct kvaddr *kv = NULL;
	struct vmcf_error *err;
	uint64_t phys_base = 0;
	struct uts k = { 0 };

	memset(u, 0, sizeof(*u));
	snprintf(u->release, sizeof(u->release), "%s", core->basics.osrelease);
	kvaddr_elfcore_reader(core, &rd);
	vmcf_error_destroy(elfcore_phys_base(core, &phys_base));
	err = kvaddr_create(core->vmcoreinfo, phys_base, &rd, &kv);
	if (!err)
		err = read_uts(kv, core->vmcoreinfo, &k);
	/* Trust it only if it is the kernel VMCOREINFO speaks of. */
	if (!err && (strcmp(k.sysname, "Linux") != 0 ||
		     strcmp(k.release, u->release) != 0))
		err = vmcf_error_create(EINVAL,
					"init_uts_ns says \"%s\" \"%s\", VMCOREINFO says \"%s\"",
					k.sysname, k.release, u->release);
	if (err) {
		msg(ML_DEBUG, "utsname: placeholders (%s)", err->message);
		vmcf_error_destroy(err);
	} else {
		*u = k;
		msg(ML_DEBUG, "utsname from init_uts_ns: %s %s %s", u->nodename,
		    u->version, u->machine);
	}
	kvaddr_destroy(kv);
}

/* --- the dump ---------------------------------------------------------- */

struct dump {
	const struct options *o;
	int fd;
	struct elfcore *core;
	struct bitmap_source *source;
	/* The pfns to dump: a count per 4 GiB of RAM, never a bitmap. */
	struct pfn_map *map;
	bool spill;			/* -E: keep bits in a spill file */
	uint64_t ram_pages;
	uint64_t keep_pages;
	int level;			/* recorded in the header */
	struct uts uts;
	struct kdump_writer **writers;
	size_t nr_writers;
	struct elf_writer *elf;
	uint64_t counts[VMCF_NR_CLASSES];
	bool have_counts;
};

static struct vmcf_error *open_core(const char *path, int *fd_ret,
				    struct elfcore **core_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct vmcf_error *err;

	if (fd < 0)
		return vmcf_error_errno(errno, "open %s", path);
	err = elfcore_create(fd, path, core_ret);
	if (err) {
		close(fd);
		return err;
	}
	*fd_ret = fd;
	return NULL;
}

static struct vmcf_error *open_source(struct dump *d, bool want_classes)
{
	struct bitmap_source_params p = {
		.kind = d->o->filter,
		.device_path = d->o->device,
		.core = d->core,
		.dump_level = d->o->dump_level,
		.want_classes = want_classes,
	};
	struct vmcf_error *err = bitmap_source_create(&p, &d->source);

	if (err)
		return err;
	msg(ML_COMMON, "pages to keep from: %s",
	    bitmap_source_describe(d->source));
	return NULL;
}

/* The level the header records: what the source can exclude. */
static void set_level(struct dump *d)
{
	d->level = bitmap_source_exclude(d->source) ? d->o->dump_level :
						       d->o->dump_level & 1;
	if (d->level != d->o->dump_level)
		msg(ML_COMMON, "no page classes from %s: every RAM page is kept, the header records -d %d",
		    bitmap_source_describe(d->source), d->level);
}

/* First pass: each chunk's bits go straight to the outputs. */
static struct vmcf_error *put_chunk_bits(void *ctx, uint64_t start_pfn,
					 uint64_t nr, const uint8_t *ram,
					 const uint8_t *keep)
{
	struct dump *d = ctx;
	struct vmcf_error *err = NULL;

	for (size_t i = 0; i < d->nr_writers && !err; i++)
		err = kdump_writer_put_bitmaps(d->writers[i], start_pfn, nr,
					       ram, keep);
	if (!err && d->spill)
		err = pfn_map_spill_put(d->map,
					start_pfn >> PFN_MAP_CHUNK_SHIFT, keep);
	return err;
}

/* Second pass, kdump files: bitmap 2 of the first file, read back. */
static struct vmcf_error *read_from_file(void *ctx, uint64_t chunk,
					 uint64_t nr, uint8_t *bits)
{
	return kdump_writer_read_keep(ctx, chunk << PFN_MAP_CHUNK_SHIFT, nr,
				      bits);
}

/*
 * Second pass with nothing to read back (a stream, a dry run): the source
 * is asked again.  The device and the classifier answer the same for the
 * same memory; pfn_map_read_chunk() checks the count.
 */
static struct vmcf_error *read_from_source(void *ctx, uint64_t chunk,
					   uint64_t nr, uint8_t *bits)
{
	uint8_t *ram = malloc(PFN_MAP_CHUNK_BYTES);
	struct vmcf_error *err;

	if (!ram)
		return &vmcf_enomem;
	err = bitmap_source_chunk(ctx, chunk << PFN_MAP_CHUNK_SHIFT, nr, ram,
				  bits);
	free(ram);
	return err;
}

/* Builds the pfn map, writing bitmap 1 (RAM) and 2 (keep) as it goes. */
static struct vmcf_error *scan_bitmaps(struct dump *d)
{
	struct vmcf_error *err;

	err = bitmap_source_scan(d->source, d->map, d->o->nr_threads,
				 &stop_signal, put_chunk_bits, d,
				 &d->ram_pages);
	if (err)
		return err;
	d->keep_pages = pfn_map_total(d->map);
	if (d->nr_writers && !d->o->flattened)
		pfn_map_set_reader(d->map, read_from_file, d->writers[0]);
	else if (!d->spill)
		pfn_map_set_reader(d->map, read_from_source, d->source);
	return NULL;
}

static void fill_params(const struct dump *d, struct kdump_writer_params *p)
{
	const struct elfcore *core = d->core;

	memset(p, 0, sizeof(*p));
	p->page_size = core->page_size;
	p->max_pfn = core->max_pfn;
	p->notes = core->notes;
	p->notes_size = core->notes_size;
	p->vmcoreinfo_offset = core->vmcoreinfo_offset;
	p->vmcoreinfo_size = core->vmcoreinfo_size;
	p->sysname = d->uts.sysname;
	p->nodename = d->uts.nodename;
	p->release = d->uts.release;
	p->version = d->uts.version;
	p->machine = d->uts.machine;
	p->domainname = d->uts.domainname;
	p->crashtime = core->basics.crashtime;
	vmcf_error_destroy(elfcore_phys_base(core, &p->phys_base));
	p->dump_level = d->level;
	p->nr_cpus = (int32_t)core->nr_prstatus;
	p->compression = d->o->compression;
	p->zero_page = true;
	p->split = d->o->split;
}

static struct vmcf_error *refuse_existing(const struct options *o,
					  const char *path)
{
	struct stat st;

	if (o->force || o->dry_run || stat(path, &st) < 0)
		return NULL;
	return vmcf_error_create(EEXIST,
				 "%s exists; remove it or use -f to overwrite it",
				 path);
}

/* Before the first pass: the files get the bitmaps as they are made. */
static struct vmcf_error *open_kdump_writers(struct dump *d)
{
	const struct options *o = d->o;
	size_t n = o->split ? (size_t)o->nr_args - 1 : 1;
	struct kdump_writer_params p;
	struct vmcf_error *err = NULL;

	d->writers = calloc(n, sizeof(d->writers[0]));
	if (!d->writers)
		return &vmcf_enomem;
	fill_params(d, &p);
	if (o->flattened) {
		p.flattened = true;
		err = kdump_writer_open(STDOUT_FILENO, &p, &d->writers[0]);
		d->nr_writers = err ? 0 : 1;
		return err;
	}
	for (size_t i = 0; i < n && !err; i++) {
		const char *path = o->args[1 + i];

		err = refuse_existing(o, path);
		if (!err)
			err = kdump_writer_open_path(path, &p, &d->writers[i]);
		if (!err)
			d->nr_writers++;
	}
	return err;
}

struct ranker {
	const struct pfn_map *map;
	struct pfn_cursor cur;
};

/* Dumped pfns below pfn, from the map and one chunk's bits at most. */
static struct vmcf_error *rank_of(void *ctx, uint64_t pfn, uint64_t *rank_ret)
{
	struct ranker *r = ctx;
	uint64_t chunk = pfn >> PFN_MAP_CHUNK_SHIFT;
	struct vmcf_error *err;

	if (pfn >= pfn_map_max_pfn(r->map)) {
		*rank_ret = pfn_map_total(r->map);
		return NULL;
	}
	if (!(pfn & (PFN_MAP_CHUNK_PFNS - 1))) {
		*rank_ret = pfn_map_chunk_rank(r->map, chunk);
		return NULL;
	}
	err = pfn_cursor_load(&r->cur, chunk);
	if (!err)
		*rank_ret = pfn_cursor_rank(&r->cur, pfn);
	return err;
}

/* After the first pass: each file's range and where its pages go. */
static struct vmcf_error *start_kdump_writers(struct dump *d)
{
	uint64_t max_pfn = d->core->max_pfn, *bounds;
	size_t n = d->nr_writers;
	struct ranker r = { .map = d->map };
	struct vmcf_error *err;

	bounds = calloc(n + 1, sizeof(bounds[0]));
	if (!bounds)
		return &vmcf_enomem;
	bounds[n] = max_pfn;
	err = pfn_cursor_init(&r.cur, d->map, NULL, NULL);
	if (!err && d->o->split)
		err = kdump_split_ranges_rank(rank_of, &r, max_pfn,
					      (unsigned int)n, bounds);
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t first = 0, end = 0;

		err = rank_of(&r, bounds[i], &first);
		if (!err)
			err = rank_of(&r, bounds[i + 1], &end);
		if (!err)
			err = kdump_writer_start(d->writers[i], bounds[i],
						 bounds[i + 1], first,
						 end - first);
	}
	pfn_cursor_deinit(&r.cur);
	free(bounds);
	return err;
}

static struct vmcf_error *open_elf_writer(struct dump *d)
{
	struct elf_writer_params p = { 0 };
	struct elf_vrange *ram = NULL, *text = NULL;
	size_t nr_ram = 0, nr_text = 0;
	struct vmcf_error *err;

	err = elf_core_vranges(d->core, &ram, &nr_ram, &text, &nr_text);
	if (err)
		return err;
	p.page_size = d->core->page_size;
	p.max_pfn = d->core->max_pfn;
	p.map = d->map;
	p.notes = d->core->notes;
	p.notes_size = d->core->notes_size;
	p.vranges = ram;
	p.nr_vranges = nr_ram;
	p.aliases = text;
	p.nr_aliases = nr_text;
	p.zero_holes = d->level & KDUMP_DL_EXCLUDE_ZERO;
	err = elf_writer_create_path(d->o->args[1], &p, &d->elf);
	free(ram);
	free(text);
	return err;
}

/*
 * -E: the ELF writer sizes its headers from the bits, so it comes after
 * the first pass, which keeps them meanwhile in a spill file beside the
 * dump (on its disk, not in RAM); without one the source is asked again.
 */
static struct vmcf_error *prepare_elf(struct dump *d)
{
	struct vmcf_error *err = refuse_existing(d->o, d->o->args[1]);

	if (err)
		return err;
	err = pfn_map_spill(d->map, d->o->args[1]);
	d->spill = !err;
	if (err) {
		msg(ML_DEBUG, "%s; asking %s again instead", err->message,
		    bitmap_source_describe(d->source));
		vmcf_error_destroy(err);
	}
	return NULL;
}

/* Before the first pass. */
static struct vmcf_error *open_output(struct dump *d)
{
	if (d->o->dry_run)
		return NULL;
	if (d->o->elf)
		return prepare_elf(d);
	return open_kdump_writers(d);
}

/* After it. */
static struct vmcf_error *start_output(struct dump *d)
{
	if (d->o->dry_run)
		return NULL;
	if (d->o->elf)
		return open_elf_writer(d);
	return start_kdump_writers(d);
}

/*
 * Names the file(s) left behind, flagged, after a failure.  A file that
 * failed before its headers were written (in the first pass) is removed,
 * as if it had never been made.
 */
static void abandon_output(struct dump *d)
{
	for (size_t i = 0; i < d->nr_writers; i++) {
		struct vmcf_error *err;

		if (!kdump_writer_started(d->writers[i]) && !d->o->flattened) {
			kdump_writer_discard(d->writers[i]);
			d->writers[i] = NULL;
			continue;
		}
		err = kdump_writer_mark_incomplete(d->writers[i]);
		if (err)
			msg(ML_ERROR, "%s", err->message);
		vmcf_error_destroy(err);
	}
	if (d->o->flattened && d->nr_writers)
		msg(ML_ERROR, "the flattened stream is incomplete (no end marker)");
	else
		for (size_t i = 0; i < d->nr_writers; i++)
			if (d->writers[i])
				msg(ML_ERROR, "incomplete dump left in %s.incomplete (header flagged INCOMPLETE)",
				    d->o->args[1 + i]);
	if (d->elf) {
		vmcf_error_destroy(elf_writer_finish(d->elf, false));
		msg(ML_ERROR, "incomplete dump left in %s", elf_writer_path(d->elf));
	}
}

static struct vmcf_error *finish_output(struct dump *d)
{
	struct vmcf_error *err = NULL;

	for (size_t i = 0; i < d->nr_writers && !err; i++)
		err = kdump_writer_finish(d->writers[i]);
	if (!err && d->elf)
		err = elf_writer_finish(d->elf, true);
	return err;
}

static void close_output(struct dump *d)
{
	for (size_t i = 0; i < d->nr_writers; i++)
		kdump_writer_destroy(d->writers[i]);
	free(d->writers);
	elf_writer_destroy(d->elf);
}

/* The order of the table: user memory first, then the kernel's. */
static const int report_order[] = {
	VMCF_CLASS_USER, VMCF_CLASS_CACHE, VMCF_CLASS_CACHE_PRIVATE,
	VMCF_CLASS_SLAB, VMCF_CLASS_PGTABLE, VMCF_CLASS_KERNEL,
	VMCF_CLASS_RESERVED, VMCF_CLASS_FREE, VMCF_CLASS_HUGETLB,
	VMCF_CLASS_OFFLINE, VMCF_CLASS_HWPOISON, VMCF_CLASS_UNACCEPTED,
	VMCF_CLASS_CORRUPT,
};

static void summary_classes(const struct dump *d)
{
	uint64_t excl = bitmap_source_exclude(d->source);

	msg(ML_REPORT, "pages by class, kept / present:");
	for (size_t i = 0; i < sizeof(report_order) / sizeof(report_order[0]); i++) {
		int c = report_order[i];
		bool out = excl & VMCF_CLASS_BIT(c);

		if (d->counts[c])
			fprintf(stderr, "  %-14s %12" PRIu64 " / %" PRIu64 "%s\n",
				vmcf_class_name(c), out ? 0 : d->counts[c],
				d->counts[c], out ? " (excluded)" : "");
	}
}

static void summary(const struct dump *d, const struct pipeline_stats *st)
{
	double secs = st->seconds > 0 ? st->seconds : 1e-9;
	const char *to = d->o->dry_run ? "nowhere (dry run)" :
			 d->o->flattened ? "standard output" : d->o->args[1];

	msg(ML_COMMON | ML_REPORT,
	    "%" PRIu64 " of %" PRIu64 " RAM pages dumped to %s%s in %.2f s: %.1f MiB read at %.1f MB/s, %.1f MiB of page data written",
	    st->pages, d->ram_pages, to, d->o->split ? " ..." : "", secs,
	    (double)st->bytes_in / 1048576, (double)st->bytes_in / 1e6 / secs,
	    (double)st->bytes_out / 1048576);
	if (st->zero_pages)
		msg(ML_REPORT, "%" PRIu64 " zero pages not stored (%s)",
		    st->zero_pages, d->elf ? "-d bit 1" : "one shared zero page");
	msg(ML_DEBUG, "%" PRIu64 " pages compressed; input read with %s",
	    st->compressed_pages, st->input ? st->input : "nothing");
	if (d->have_counts)
		summary_classes(d);
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);	/* -F into a closed pipe: EPIPE */
}

static struct vmcf_error *run_pipeline(struct dump *d,
				       struct pipeline_stats *st)
{
	const struct options *o = d->o;
	struct pipeline_params p = {
		.core = d->core,
		.map = d->map,
		.max_pfn = d->core->max_pfn,
		.total_pages = d->keep_pages,
		.nr_threads = o->nr_threads,
		.exclude_zero = d->level & KDUMP_DL_EXCLUDE_ZERO,
		.compression = o->compression,
		.writers = d->writers,
		.nr_writers = d->nr_writers,
		.elf = d->elf,
		.max_rate = o->max_rate,
		.progress_tty = isatty(STDERR_FILENO),
		.stop = &stop_signal,
	};

	p.progress = o->progress ||
		     (p.progress_tty && (message_level & ML_PROGRESS));
	return pipeline_run(&p, st);
}

/*
 * Per-class counts for the summary, on a thread of their own while the
 * pages are dumped: it costs a classification pass, as long as the bitmap
 * took.  Failure only loses the table.
 */
static void *get_counts(void *arg)
{
	struct dump *d = arg;
	struct vmcf_error *err;

	err = bitmap_source_counts(d->source, 0, d->core->max_pfn, d->counts);
	if (err) {
		msg(ML_DEBUG, "no per-class summary: %s", err->message);
		vmcf_error_destroy(err);
		return NULL;
	}
	d->have_counts = true;
	return NULL;
}

/* Pass 1, the bitmaps; pass 2, the pages. */
static struct vmcf_error *make_dump(struct dump *d)
{
	struct vmcf_error *err;

	set_level(d);
	get_uts(d->core, &d->uts);
	err = pfn_map_create(d->core->max_pfn, &d->map);
	if (!err)
		err = open_output(d);
	if (!err)
		err = scan_bitmaps(d);
	if (!err) {
		msg(ML_COMMON, "%" PRIu64 " of %" PRIu64 " RAM pages to dump at -d %d",
		    d->keep_pages, d->ram_pages, d->o->dump_level);
		err = start_output(d);
	}
	return err;
}

static struct vmcf_error *dump_pages(struct dump *d)
{
	struct pipeline_stats st;
	struct vmcf_error *err;
	pthread_t counter;
	bool counting;

	err = make_dump(d);
	if (err) {
		if (err->errnum == EINTR && stop_signal)
			err = vmcf_error_prefix(err, "signal %d (%s)",
						(int)stop_signal,
						strsignal(stop_signal));
		fail(err);
		abandon_output(d);
		return &reported;
	}
	counting = (message_level & ML_REPORT) &&
		   bitmap_source_has_classes(d->source) &&
		   !pthread_create(&counter, NULL, get_counts, d);
	err = run_pipeline(d, &st);
	if (counting)
		pthread_join(counter, NULL);
	if (!err)
		err = finish_output(d);
	if (err) {
		if (err->errnum == EINTR && stop_signal)
			err = vmcf_error_prefix(err, "signal %d (%s)",
						(int)stop_signal,
						strsignal(stop_signal));
		/* The cause first, then what is left of the dump. */
		fail(err);
		abandon_output(d);
		return &reported;
	}
	summary(d, &st);
	return NULL;
}

static void dump_deinit(struct dump *d)
{
	close_output(d);
	bitmap_source_destroy(d->source);
	pfn_map_destroy(d->map);
	elfcore_destroy(d->core);
	if (d->fd >= 0)
		close(d->fd);
}

static int cmd_dump(const struct options *o)
{
	struct dump d = { .o = o, .fd = -1 };
	struct vmcf_error *err;

	install_signals();
	err = open_core(o->args[0], &d.fd, &d.core);
	if (!err)
		err = open_source(&d, false);
	if (!err)
		err = dump_pages(&d);
	dump_deinit(&d);
	return err ? fail(err) : EXIT_SUCCESS;
}

/* --- --report ---------------------------------------------------------- */


/* To stdout, unless that is the -F stream. */
static void print_report(const struct dump *d)
{
	uint64_t excl = bitmap_source_exclude(d->source), total = 0;
	double mib = (double)d->core->page_size / 1048576;
	FILE *f = d->o->flattened ? stderr : stdout;

	fprintf(f, "%-14s %14s %12s  at -d %d\n", "class", "pages", "MiB",
		d->o->dump_level);
	for (size_t i = 0; i < sizeof(report_order) / sizeof(report_order[0]); i++) {
		int c = report_order[i];

		fprintf(f, "%-14s %14" PRIu64 " %12.1f  %s\n",
			vmcf_class_name(c), d->counts[c],
			(double)d->counts[c] * mib,
			excl & VMCF_CLASS_BIT(c) ? "excluded" : "kept");
		total += d->counts[c];
	}
	fprintf(f, "%-14s %14" PRIu64 " %12.1f\n", "total", total,
		(double)total * mib);
	fflush(f);
}

static int cmd_report(const struct options *o)
{
	struct dump d = { .o = o, .fd = -1 };
	struct vmcf_error *err;

	err = open_core(o->args[0], &d.fd, &d.core);
	if (!err)
		err = open_source(&d, true);
	if (!err && !bitmap_source_has_classes(d.source))
		err = vmcf_error_create(ENOTSUP,
					"--report needs page classes, and the source is %s",
					bitmap_source_describe(d.source));
	if (!err)
		err = bitmap_source_counts(d.source, 0, d.core->max_pfn,
					   d.counts);
	if (!err)
		print_report(&d);
	dump_deinit(&d);
	if (err)
		return fail(err);
	/* --report with a dump to make goes on to make it. */
	return o->nr_args > 1 || o->flattened ? cmd_dump(o) : EXIT_SUCCESS;
}

/* --- --dump-dmesg ------------------------------------------------------ */

/* A dump of either format, seen as physical memory plus VMCOREINFO. */
struct memsrc {
	int fd;
	struct elfcore *core;
	struct kdump_reader *kdump;
	struct phys_reader rd;
	const struct vmcoreinfo *vi;
	uint64_t phys_base;
};

static struct vmcf_error *kdump_read_page_cb(void *ctx, uint64_t pfn,
					     void *buf)
{
	return kdump_reader_read_page(ctx, pfn, buf);
}

static struct vmcf_error *memsrc_open(const char *path, struct memsrc *m)
{
	const struct kdump_reader_info *in;
	struct vmcf_error *err;

	memset(m, 0, sizeof(*m));
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return vmcf_error_errno(errno, "open %s", path);
	if (!kdump_reader_probe(m->fd)) {
		err = elfcore_create(m->fd, path, &m->core);
		if (err)
			return err;
		kvaddr_elfcore_reader(m->core, &m->rd);
		m->vi = m->core->vmcoreinfo;
		vmcf_error_destroy(elfcore_phys_base(m->core, &m->phys_base));
		return NULL;
	}
	err = kdump_reader_create(m->fd, path, &m->kdump);
	if (err)
		return err;
	in = kdump_reader_info(m->kdump);
	if (!in->vmcoreinfo)
		return vmcf_error_create(ENOENT, "%s: no VMCOREINFO", path);
	m->rd = (struct phys_reader){ kdump_read_page_cb, m->kdump,
				      in->page_size };
	m->vi = in->vmcoreinfo;
	m->phys_base = in->phys_base;
	return NULL;
}

static void memsrc_close(struct memsrc *m)
{
	elfcore_destroy(m->core);
	kdump_reader_destroy(m->kdump);
	if (m->fd >= 0)
		close(m->fd);
}

static struct vmcf_error *write_dmesg(struct kvaddr *kv,
				      const struct vmcoreinfo *vi,
				      const char *path, uint64_t *nr_ret)
{
	FILE *f = fopen(path, "w");
	struct vmcf_error *err;

	if (!f)
		return vmcf_error_errno(errno, "open %s", path);
	err = dmesg_write(vi, kv, f, nr_ret);
	if (fclose(f) != 0 && !err)
		err = vmcf_error_errno(errno, "write %s", path);
	if (err)
		unlink(path);
	return err;
}

static int cmd_dmesg(const struct options *o)
{
	struct kvaddr *kv = NULL;
	struct vmcf_error *err;
	struct memsrc m;
	uint64_t nr = 0;

	err = memsrc_open(o->args[0], &m);
	if (!err)
		err = kvaddr_create(m.vi, m.phys_base, &m.rd, &kv);
	if (!err)
		err = write_dmesg(kv, m.vi, o->args[1], &nr);
	kvaddr_destroy(kv);
	memsrc_close(&m);
	if (err)
		return fail(err);
	msg(ML_COMMON, "the crashed kernel's log (%" PRIu64 " records) is in %s",
	    nr, o->args[1]);
	return EXIT_SUCCESS;
}

/* --- --to-elf ---------------------------------------------------------- */

static int cmd_to_elf(const struct options *o)
{
	size_t n = (size_t)o->nr_args - 1;
	struct kdump_reader **readers = calloc(n, sizeof(*readers));
	int *fds = calloc(n, sizeof(*fds));
	const char *out = o->args[n];
	struct vmcf_error *err = readers && fds ? NULL : &vmcf_enomem;
	uint64_t pages = 0, missing = 0;
	size_t opened = 0;

	for (; !err && opened < n; opened++) {
		fds[opened] = open(o->args[opened], O_RDONLY | O_CLOEXEC);
		if (fds[opened] < 0) {
			err = vmcf_error_errno(errno, "open %s", o->args[opened]);
			break;
		}
		err = kdump_reader_create(fds[opened], o->args[opened],
					  &readers[opened]);
		if (err) {
			close(fds[opened]);
			break;
		}
	}
	if (!err)
		err = refuse_existing(o, out);
	if (!err)
		err = elf_convert_kdump(readers, n, out, &pages, &missing);
	for (size_t i = 0; i < opened; i++) {
		kdump_reader_destroy(readers[i]);
		close(fds[i]);
	}
	free(readers);
	free(fds);
	if (err)
		return fail(err);
	if (missing)
		msg(ML_ERROR, "%" PRIu64 " pages missing from the incomplete input are not in %s",
		    missing, out);
	msg(ML_COMMON, "%" PRIu64 " pages written to %s", pages, out);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse_args(argc, argv, &o);

	if (rc)
		return rc;
	switch (o.mode) {
	case MODE_DMESG:
		return cmd_dmesg(&o);
	case MODE_TO_ELF:
		return cmd_to_elf(&o);
	case MODE_REPORT:
		return cmd_report(&o);
	case MODE_DUMP:
		break;
	}
	return o.report ? cmd_report(&o) : cmd_dump(&o);
}
