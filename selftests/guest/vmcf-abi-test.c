// SPDX-License-Identifier: GPL-2.0
/*
 * vmcf-abi-test: checks and timings of /dev/vmcore_filter
 * (include/uapi/linux/vmcore_filter.h), run inside the kdump capture kernel
 * with vmcore_filter.ko loaded (static binary, busybox userspace, root).
 *
 *   vmcf-abi-test abi [--device PATH]
 *   vmcf-abi-test bitmap EXCLUDE_MASK FILE [--device PATH]
 *   vmcf-abi-test counts [--device PATH]
 *   vmcf-abi-test bench EXCLUDE_MASK [--device PATH]
 *
 * PATH defaults to /dev/vmcore_filter.  EXCLUDE_MASK is a mask of
 * VMCF_CLASS_BIT()s, hex with 0x or decimal (makedumpfile -d 31 is 0x1f).
 *
 * abi prints one line per check, "ok - WHAT" or "not ok - WHAT", and
 * diagnostics on lines starting with "# ".  Machine-readable diagnostics:
 *   # max_pfn N features 0xX
 *   # ram START-END                one per RAM range, pfns, END exclusive
 *   # counts CLASS PAGES           one per class, over [0, max_pfn)
 *   # CHECKS checks, FAILED failed
 * It exits 0 if every check passed, 1 otherwise (also when the device
 * cannot be opened or does not answer VERSION), 2 on usage errors.
 *
 * bitmap sets the mask and writes the keep bitmap, DIV_ROUND_UP(max_pfn, 8)
 * bytes, to FILE.  counts prints "CLASS PAGES" per class over [0, max_pfn).
 * bench prints
 *   bench pfns N                   max_pfn
 *   bench threads N                online CPUs, the threads of "parallel"
 *   bench one_pread SECONDS        the whole bitmap in one pread()
 *   bench chunks_1mib SECONDS      one thread, 1 MiB preads
 *   bench parallel SECONDS         N threads, each with its own file, a
 *                                  disjoint contiguous part in 1 MiB preads
 * and fails if the three bitmaps differ.  These modes report errors on
 * stderr and exit 1 (2 on usage errors).
 *
 * Class names, in enum vmcf_class_id order: free cache cache_private user
 * hugetlb offline hwpoison unaccepted slab pgtable reserved kernel corrupt.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmcore_filter.h>

#define DEFAULT_DEVICE	"/dev/vmcore_filter"
#define MODULE_NAME	"vmcore_filter"
#define SYS_MODULE	"/sys/module/" MODULE_NAME
#define MISC_DEV	"/sys/class/misc/" MODULE_NAME "/dev"

#define MIB		(1024ULL * 1024)
#define BIT(c)		VMCF_CLASS_BIT(c)
/* makedumpfile -d 31 without zero pages (bit 1, not a class) */
#define MASK_D31	(BIT(VMCF_CLASS_FREE) | BIT(VMCF_CLASS_CACHE) |	\
			 BIT(VMCF_CLASS_CACHE_PRIVATE) |			\
			 BIT(VMCF_CLASS_USER) | BIT(VMCF_CLASS_HUGETLB))
#define NR_THREADS	4	/* concurrency check */
#define DIAG_MAX	5	/* mismatch diagnostics per check */
#define BAD_KERNEL_PTR	0xfffffffffffff000ULL	/* never a user address */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

typedef unsigned long long ull;

static const char *const class_names[VMCF_NR_CLASSES] = {
	[VMCF_CLASS_FREE]		= "free",
	[VMCF_CLASS_CACHE]		= "cache",
	[VMCF_CLASS_CACHE_PRIVATE]	= "cache_private",
	[VMCF_CLASS_USER]		= "user",
	[VMCF_CLASS_HUGETLB]		= "hugetlb",
	[VMCF_CLASS_OFFLINE]		= "offline",
	[VMCF_CLASS_HWPOISON]		= "hwpoison",
	[VMCF_CLASS_UNACCEPTED]		= "unaccepted",
	[VMCF_CLASS_SLAB]		= "slab",
	[VMCF_CLASS_PGTABLE]		= "pgtable",
	[VMCF_CLASS_RESERVED]		= "reserved",
	[VMCF_CLASS_KERNEL]		= "kernel",
	[VMCF_CLASS_CORRUPT]		= "corrupt",
};

/* Masks of test_masks(); the first NR_THREADS are the threads' masks. */
static const uint64_t mask_set[] = {
	0,
	BIT(VMCF_CLASS_FREE),
	MASK_D31,
	VMCF_EXCLUDABLE,
	VMCF_ALWAYS_EXCLUDED,
};

/* What the abi checks learn about the device, in the order they run. */
struct dev {
	const char *path;
	int fd;				/* mask 0 from open() on */
	uint64_t max_pfn;
	uint64_t eof;			/* DIV_ROUND_UP(max_pfn, 8) */
	struct vmcf_range *ram;
	uint32_t nr_ram;
	uint64_t ram_pages;
	uint64_t counts[VMCF_MAX_CLASSES];	/* over [0, max_pfn) */
	uint8_t *keep0;			/* bitmap of a fresh file (mask 0) */
	uint8_t *keep[ARRAY_SIZE(mask_set)];	/* bitmap of mask_set[i] */
};

/* ------------------------------------------------------------ utilities */

static unsigned int nr_checks, nr_failed;
static void *page_none;		/* PROT_NONE: a bad user pointer */
static void *page_ro;		/* PROT_READ: bad for the kernel to write */

static void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static bool check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmcf-abi-test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Prints "ok - WHAT" or "not ok - WHAT"; returns @ok. */
static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	nr_checks++;
	if (!ok)
		nr_failed++;
	return ok;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Symbolic name of the errnos these checks expect or meet. */
static const char *errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0:		return "success";
	case EINVAL:	return "EINVAL";
	case ENOTTY:	return "ENOTTY";
	case EFAULT:	return "EFAULT";
	case EBUSY:	return "EBUSY";
	case EAGAIN:	return "EAGAIN";
	case ENOENT:	return "ENOENT";
	case EPERM:	return "EPERM";
	case EACCES:	return "EACCES";
	case ENODEV:	return "ENODEV";
	case ENXIO:	return "ENXIO";
	case ENOMEM:	return "ENOMEM";
	case EINTR:	return "EINTR";
	case EBADF:	return "EBADF";
	case E2BIG:	return "E2BIG";
	case EISDIR:	return "EISDIR";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* "free|cache" for a mask, "none" for 0. */
static const char *mask_name(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < 64 && len < size; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		if (c < VMCF_NR_CLASSES)
			len += snprintf(buf + len, size - len, "%s%s",
					len ? "|" : "", class_names[c]);
		else
			len += snprintf(buf + len, size - len, "%sbit%d",
					len ? "|" : "", c);
	}
	if (!mask)
		snprintf(buf, size, "none");
	return buf;
}

/* Hex with 0x or decimal, the whole string. */
static bool parse_u64(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;
	ull v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------ device wrappers */

static int vmcf_open(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int vmcf_get_version(int fd, struct vmcf_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ioctl(fd, VMCF_IOC_VERSION, v) ? -errno : 0;
}

static int vmcf_set_mask(int fd, uint64_t exclude)
{
	struct vmcf_mask m = { .size = sizeof(m), .exclude = exclude };

	return ioctl(fd, VMCF_IOC_SET_MASK, &m) ? -errno : 0;
}

/* RAM_RANGES into @out, room for @room; how many exist in *@nr. */
static int vmcf_get_ranges(int fd, struct vmcf_range *out, uint32_t room,
			   uint32_t *nr)
{
	struct vmcf_ram_ranges rr = {
		.size = sizeof(rr),
		.nr_ranges = room,
		.ranges = (uintptr_t)out,
	};

	if (ioctl(fd, VMCF_IOC_RAM_RANGES, &rr))
		return -errno;
	*nr = rr.nr_ranges;
	return 0;
}

/*
 * COUNTS over [start, end) into @pages (VMCF_MAX_CLASSES entries).  They
 * are passed in as a pattern, so counts the module leaves alone show.
 */
static int vmcf_get_counts(int fd, uint64_t start, uint64_t end,
			   uint64_t *pages)
{
	struct vmcf_counts vc = {
		.size = sizeof(vc),
		.start_pfn = start,
		.end_pfn = end,
	};

	memset(vc.pages, 0xa5, sizeof(vc.pages));
	if (ioctl(fd, VMCF_IOC_COUNTS, &vc))
		return -errno;
	memcpy(pages, vc.pages, sizeof(vc.pages));
	return 0;
}

/* pread() @chunk bytes at a time until @len bytes or end of file. */
static int64_t pread_loop(int fd, uint8_t *buf, uint64_t len, uint64_t off,
			  uint64_t chunk)
{
	uint64_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, MIN(chunk, len - done),
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

/* The whole bitmap of @fd in @chunk-byte preads, or NULL after a diag. */
static uint8_t *read_bitmap(int fd, uint64_t eof, uint64_t chunk,
			    const char *what)
{
	uint8_t *bm = xmalloc(eof);
	int64_t n = pread_loop(fd, bm, eof, 0, chunk);

	if (n == (int64_t)eof)
		return bm;
	if (n < 0)
		diag("%s: pread: %s", what, errname((int)-n));
	else
		diag("%s: read %lld of %llu bytes", what, (long long)n,
		     (ull)eof);
	free(bm);
	return NULL;
}

/* Where a missing or refused device might be. */
static void open_hints(FILE *f, const char *prefix, const char *path, int err)
{
	char dev[32] = "";
	FILE *m;

	if (err == EPERM || err == EACCES)
		fprintf(f, "%sopening %s needs root (CAP_SYS_ADMIN)\n", prefix,
			path);
	if (err != ENOENT && err != ENXIO && err != ENODEV)
		return;
	m = fopen(MISC_DEV, "r");
	if (m && fgets(dev, sizeof(dev), m)) {
		dev[strcspn(dev, "\n")] = '\0';
		fprintf(f, "%s" MISC_DEV " is %s: mount devtmpfs on /dev, or mknod %s c %s\n",
			prefix, dev, path, dev);
	} else {
		fprintf(f, "%sno " MISC_DEV ": is vmcore_filter.ko loaded? It loads only in a kdump kernel (with /proc/vmcore)\n",
			prefix);
	}
	if (m)
		fclose(m);
}

/* ------------------------------------------------------------- bitmaps */

static bool keep_bit(const uint8_t *bm, uint64_t pfn)
{
	return bm[pfn / 8] >> (pfn % 8) & 1;
}

/* Set bits of pfns [from, to). */
static uint64_t popcount_range(const uint8_t *bm, uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	if (from >= to)
		return 0;
	while (from < to && from % 8)
		n += keep_bit(bm, from++);
	while (to - from >= 8) {
		n += (uint64_t)__builtin_popcount(bm[from / 8]);
		from += 8;
	}
	while (from < to)
		n += keep_bit(bm, from++);
	return n;
}

/* RAM pages in pfns [from, to). */
static uint64_t ram_pages_in(const struct dev *d, uint64_t from, uint64_t to)
{
	uint64_t n = 0, a, b;
	uint32_t i;

	for (i = 0; i < d->nr_ram; i++) {
		a = d->ram[i].start_pfn > from ? d->ram[i].start_pfn : from;
		b = MIN(d->ram[i].end_pfn, to);
		if (a < b)
			n += b - a;
	}
	return n;
}

/* Bits set for pfns outside the RAM ranges, up to the end of the bitmap. */
static uint64_t non_ram_bits(const struct dev *d, const uint8_t *bm)
{
	uint64_t n = 0, pfn = 0;
	uint32_t i;

	for (i = 0; i < d->nr_ram; i++) {
		n += popcount_range(bm, pfn, d->ram[i].start_pfn);
		pfn = d->ram[i].end_pfn;
	}
	return n + popcount_range(bm, pfn, d->eof * 8);
}

/* Pages the classes of @mask (and the always-excluded ones) account for. */
static uint64_t excluded_pages(const uint64_t *counts, uint64_t mask)
{
	uint64_t n = 0;
	int c;

	mask |= VMCF_ALWAYS_EXCLUDED;
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		if (mask & BIT(c))
			n += counts[c];
	return n;
}

/* @got equals @want, @n bytes from bitmap byte @base; diag at the first difference. */
static bool same_bytes(const uint8_t *got, const uint8_t *want, uint64_t n,
		       uint64_t base, const char *what)
{
	uint64_t i;

	if (!memcmp(got, want, n))
		return true;
	for (i = 0; got[i] == want[i]; i++)
		;
	diag("%s: byte %llu (pfns %llu-%llu) is %#04x, expected %#04x", what,
	     (ull)(base + i), (ull)(base + i) * 8, (ull)(base + i) * 8 + 7,
	     got[i], want[i]);
	return false;
}

/* No bit of @bm is set where @ref has it clear. */
static bool is_subset(const uint8_t *bm, const uint8_t *ref, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (bm[i] & ~ref[i]) {
			diag("byte %llu: %#04x has bits %#04x does not", (ull)i,
			     bm[i], ref[i]);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------ reader threads */

/* One thread reading [off, off + len) of the bitmap with its own file. */
struct reader {
	pthread_t thread;
	const char *path;
	uint64_t mask;
	uint64_t off, len, chunk;
	uint8_t *out;			/* receives len bytes */
	pthread_barrier_t *go;		/* everyone opened: start reading */
	const char *failed;		/* step that failed, or NULL */
	int err;			/* its errno */
	uint64_t got;			/* bytes read */
	double start, end;		/* when it started and stopped reading */
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	int fd = vmcf_open(r->path), e;
	int64_t n;

	if (fd < 0) {
		r->failed = "open";
		r->err = errno;
	} else if ((e = vmcf_set_mask(fd, r->mask))) {
		r->failed = "SET_MASK";
		r->err = -e;
	}
	pthread_barrier_wait(r->go);
	r->start = now();
	if (!r->failed) {
		n = pread_loop(fd, r->out, r->len, r->off, r->chunk);
		if (n < 0) {
			r->failed = "pread";
			r->err = (int)-n;
		} else {
			r->got = (uint64_t)n;
		}
	}
	r->end = now();
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * Run the readers together: seconds from the first start to the last end
 * (the threads time themselves: with a thread per CPU this one may not run
 * again before they are done).
 */
static double run_readers(struct reader *r, unsigned int n)
{
	double start = 0, end = 0;
	pthread_barrier_t go;
	unsigned int i;
	int e;

	if (pthread_barrier_init(&go, NULL, n + 1))
		fatal("pthread_barrier_init failed");
	for (i = 0; i < n; i++) {
		r[i].go = &go;
		e = pthread_create(&r[i].thread, NULL, reader_main, &r[i]);
		if (e)
			fatal("pthread_create: %s", strerror(e));
	}
	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++) {
		pthread_join(r[i].thread, NULL);
		if (!i || r[i].start < start)
			start = r[i].start;
		if (!i || r[i].end > end)
			end = r[i].end;
	}
	pthread_barrier_destroy(&go);
	return end - start;
}

/* ------------------------------------------------------------ abi: info */

static bool test_version(struct dev *d)
{
	struct vmcf_version v;
	int r = vmcf_get_version(d->fd, &v);

	if (!check(!r, "VERSION succeeds%s%s", r ? ": " : "",
		   r ? errname(-r) : "")) {
		if (r == -ENOTTY)
			diag("%s does not implement the vmcore_filter ioctls",
			     d->path);
		return false;
	}
	check(v.abi_version == VMCF_ABI_VERSION,
	      "VERSION abi_version is %u (got %u)", VMCF_ABI_VERSION,
	      v.abi_version);
	check(v.nr_classes == VMCF_NR_CLASSES,
	      "VERSION nr_classes is %u (got %u)", VMCF_NR_CLASSES,
	      v.nr_classes);
	check(v.max_pfn > 0, "VERSION max_pfn > 0");
	check(v.size == sizeof(v) && !v.reserved0 && !v.reserved[0] &&
	      !v.reserved[1] && !v.reserved[2] && !v.reserved[3],
	      "VERSION leaves size and the reserved fields as passed");
	diag("max_pfn %llu features %#llx", (ull)v.max_pfn, (ull)v.features);
	diag("%s", v.features & VMCF_FEATURE_RELEASE_TABLE ?
	     "release table: every class is decoded" :
	     "no release table: only classes VMCOREINFO proves are excluded");
	d->max_pfn = v.max_pfn;
	d->eof = DIV_ROUND_UP(v.max_pfn, 8);
	return v.max_pfn > 0;
}

/* Sorted, non-empty, disjoint and below max_pfn; diag at the first that is not. */
static bool ranges_valid(const struct dev *d)
{
	const struct vmcf_range *r;
	uint32_t i;

	for (i = 0; i < d->nr_ram; i++) {
		r = &d->ram[i];
		if (r->start_pfn >= r->end_pfn || r->end_pfn > d->max_pfn ||
		    (i && r->start_pfn < d->ram[i - 1].end_pfn)) {
			diag("RAM range %u: %llu-%llu after %llu", i,
			     (ull)r->start_pfn, (ull)r->end_pfn,
			     i ? (ull)d->ram[i - 1].end_pfn : 0ULL);
			return false;
		}
	}
	return true;
}

static bool test_ram_ranges(struct dev *d)
{
	struct vmcf_range *buf, one[2];
	uint32_t n = 0, n2 = 0, i;
	int r;

	r = vmcf_get_ranges(d->fd, NULL, 0, &n);
	if (!check(!r && n > 0 && n < (1U << 24),
		   "RAM_RANGES with nr_ranges 0 reports how many there are (%u%s%s)",
		   n, r ? ", " : "", r ? errname(-r) : ""))
		return false;

	buf = xmalloc((n + 1) * sizeof(*buf));
	memset(buf, 0xa5, (n + 1) * sizeof(*buf));
	r = vmcf_get_ranges(d->fd, buf, n + 1, &n2);
	check(!r && n2 == n, "RAM_RANGES with room for %u fetches %u ranges",
	      n + 1, n);
	check(buf[n].start_pfn == 0xa5a5a5a5a5a5a5a5ULL &&
	      buf[n].end_pfn == 0xa5a5a5a5a5a5a5a5ULL,
	      "RAM_RANGES writes no more ranges than there are");
	if (n > 1) {
		memset(one, 0xa5, sizeof(one));
		r = vmcf_get_ranges(d->fd, one, 1, &n2);
		check(!r && n2 == n && !memcmp(&one[0], &buf[0], sizeof(one[0])) &&
		      one[1].start_pfn == 0xa5a5a5a5a5a5a5a5ULL,
		      "RAM_RANGES with room for 1 writes 1 and reports %u", n);
	}
	d->ram = buf;
	d->nr_ram = n;
	for (i = 0; i < n; i++) {
		diag("ram %llu-%llu", (ull)buf[i].start_pfn,
		     (ull)buf[i].end_pfn);
		d->ram_pages += buf[i].end_pfn - buf[i].start_pfn;
	}
	diag("%llu RAM pages in %u ranges", (ull)d->ram_pages, n);
	if (!check(ranges_valid(d),
		   "RAM ranges are sorted, non-empty, disjoint and within max_pfn"))
		return false;
	check(buf[n - 1].end_pfn == d->max_pfn,
	      "the last RAM range ends at max_pfn");
	return true;
}

static bool all_zero(const uint64_t *v, unsigned int n)
{
	while (n--)
		if (v[n])
			return false;
	return true;
}

static void test_counts(struct dev *d)
{
	uint64_t c2[VMCF_MAX_CLASSES], lo[VMCF_MAX_CLASSES];
	uint64_t hi[VMCF_MAX_CLASSES], sum = 0, split;
	bool additive = true;
	int r, c;

	r = vmcf_get_counts(d->fd, 0, d->max_pfn, d->counts);
	if (!check(!r, "COUNTS over [0, max_pfn) succeeds%s%s", r ? ": " : "",
		   r ? errname(-r) : "")) {
		memset(d->counts, 0, sizeof(d->counts));
		return;
	}
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		sum += d->counts[c];
	check(sum == d->ram_pages,
	      "COUNTS of all classes add up to the RAM pages (%llu == %llu)",
	      (ull)sum, (ull)d->ram_pages);
	check(all_zero(d->counts + VMCF_NR_CLASSES,
		       VMCF_MAX_CLASSES - VMCF_NR_CLASSES),
	      "COUNTS sets the classes past nr_classes to 0");

	r = vmcf_get_counts(d->fd, 0, UINT64_MAX, c2);
	check(!r && !memcmp(c2, d->counts, sizeof(c2)),
	      "COUNTS over [0, 2^64-1) equals [0, max_pfn): end_pfn is clamped");
	r = vmcf_get_counts(d->fd, 12345, 12345, c2);
	check(!r && all_zero(c2, VMCF_MAX_CLASSES),
	      "COUNTS of the empty range [12345, 12345) is all 0");
	r = vmcf_get_counts(d->fd, d->max_pfn, d->max_pfn + 4096, c2);
	check(!r && all_zero(c2, VMCF_MAX_CLASSES),
	      "COUNTS of [max_pfn, max_pfn + 4096) is all 0");

	split = d->max_pfn / 2 + 123;
	if (split >= d->max_pfn)
		split = d->max_pfn / 2;
	r = vmcf_get_counts(d->fd, 0, split, lo);
	if (!r)
		r = vmcf_get_counts(d->fd, split, d->max_pfn, hi);
	for (c = 0; c < VMCF_MAX_CLASSES; c++)
		if (lo[c] + hi[c] != d->counts[c])
			additive = false;
	check(!r && additive,
	      "COUNTS [0, %llu) + [%llu, max_pfn) equals [0, max_pfn)",
	      (ull)split, (ull)split);
}

static void print_counts(const struct dev *d)
{
	int c;

	for (c = 0; c < VMCF_NR_CLASSES; c++)
		diag("counts %s %llu", class_names[c], (ull)d->counts[c]);
}

/* ----------------------------------------------------------- abi: reads */

/* The whole bitmap in one pread asking for 1 MiB more: d->keep0. */
static bool test_whole_read(struct dev *d)
{
	uint64_t size = d->eof + MIB, i;
	uint8_t *big = xmalloc(size);
	bool tail_ok = true;
	ssize_t n;

	memset(big, 0xa5, size);
	n = pread(d->fd, big, size, 0);
	if (!check(n == (ssize_t)d->eof,
		   "pread of %llu bytes (the bitmap + 1 MiB) at 0 returns DIV_ROUND_UP(max_pfn, 8) = %llu",
		   (ull)size, (ull)d->eof)) {
		diag("it returned %zd%s%s", n, n < 0 ? " " : "",
		     n < 0 ? errname(errno) : "");
		free(big);
		return false;
	}
	for (i = d->eof; i < size && tail_ok; i++)
		tail_ok = big[i] == 0xa5;
	check(tail_ok, "that pread writes nothing past the bitmap");
	d->keep0 = big;
	return true;
}

/* Reads at, around and past the end, and into bad buffers. */
static void test_read_edges(struct dev *d)
{
	uint64_t off = d->eof / 2 + 1, size = d->eof + MIB;
	uint8_t *big = xmalloc(size), small[16];
	ssize_t n;
	int e;

	if (off < d->eof) {
		n = pread(d->fd, big, size, (off_t)off);
		check(n == (ssize_t)(d->eof - off) &&
		      same_bytes(big, d->keep0 + off, d->eof - off, off,
				 "pread at eof/2+1"),
		      "pread of %llu bytes at byte %llu returns the other %llu, the same as the whole read",
		      (ull)size, (ull)off, (ull)(d->eof - off));
	}
	free(big);

	n = pread(d->fd, small, 1, (off_t)(d->eof - 1));
	check(n == 1 && small[0] == d->keep0[d->eof - 1],
	      "pread of the last byte returns it");
	n = pread(d->fd, small, sizeof(small), (off_t)d->eof);
	check(n == 0, "pread at DIV_ROUND_UP(max_pfn, 8) = %llu returns 0 (got %zd)",
	      (ull)d->eof, n);
	n = pread(d->fd, small, sizeof(small), (off_t)(d->eof + 4097));
	check(n == 0, "pread at the end + 4097 returns 0 (got %zd)", n);

	errno = 0;
	n = pread(d->fd, small, sizeof(small), (off_t)1 << 62);
	e = errno;
	if (n == 0)
		diag("pread at 1<<62: returns 0");
	else if (n < 0 && e == EINVAL)
		diag("pread at 1<<62: EINVAL");
	check(n == 0 || (n < 0 && e == EINVAL),
	      "pread at 1<<62 returns 0 or fails with EINVAL (got %zd%s%s)", n,
	      n < 0 ? " " : "", n < 0 ? errname(e) : "");

	errno = 0;
	n = pread(d->fd, small, sizeof(small), -1);
	check(n < 0 && errno == EINVAL, "pread at offset -1 fails with EINVAL");
	n = pread(d->fd, small, 0, 0);
	check(n == 0, "pread of 0 bytes returns 0");
	errno = 0;
	n = pread(d->fd, page_none, 16, 0);
	check(n < 0 && errno == EFAULT,
	      "pread into an inaccessible buffer fails with EFAULT");
	errno = 0;
	n = pread(d->fd, page_ro, 16, 0);
	check(n < 0 && errno == EFAULT,
	      "pread into a read-only buffer fails with EFAULT");
}

/* Many preads at odd offsets and lengths against the whole read. */
static void test_read_pieces(struct dev *d)
{
	static const uint64_t lens[] = { 1, 3, 7, 511, 4095, 4097, 65537,
					 1000003 };
	static const uint64_t spot_lens[] = { 1, 3, 511, 1000003 };
	uint64_t spot_offs[] = { 1, 7, 4095, 4097, d->eof / 2 + 1,
				 d->eof - 3, d->eof - 1 };
	uint64_t off = 0, want;
	unsigned int calls = 0, shorts = 0, spots = 0, bad = 0, i, j;
	uint8_t *cat = xmalloc(d->eof), *buf = xmalloc(1000003);
	ssize_t n;

	while (off < d->eof) {
		want = MIN(lens[calls % ARRAY_SIZE(lens)], d->eof - off);
		n = pread(d->fd, cat + off, lens[calls % ARRAY_SIZE(lens)],
			  (off_t)off);
		calls++;
		if (n <= 0) {
			diag("pread %u at %llu: %zd %s", calls, (ull)off, n,
			     n < 0 ? errname(errno) : "");
			break;
		}
		if ((uint64_t)n != want)
			shorts++;
		off += (uint64_t)n;
	}
	check(off == d->eof && !shorts &&
	      same_bytes(cat, d->keep0, d->eof, 0, "concatenated preads"),
	      "%u preads of lengths 1, 3, 7, 511, 4095, 4097, 65537, 1000003 (cycling) return what they ask and concatenate to the whole bitmap",
	      calls);

	for (i = 0; i < ARRAY_SIZE(spot_offs); i++) {
		if (spot_offs[i] >= d->eof)
			continue;
		for (j = 0; j < ARRAY_SIZE(spot_lens); j++) {
			off = spot_offs[i];
			want = MIN(spot_lens[j], d->eof - off);
			n = pread(d->fd, buf, spot_lens[j], (off_t)off);
			spots++;
			if (n == (ssize_t)want && !memcmp(buf, d->keep0 + off, want))
				continue;
			if (bad++ >= DIAG_MAX)
				continue;
			if (n != (ssize_t)want)
				diag("pread of %llu at %llu returned %zd, expected %llu",
				     (ull)spot_lens[j], (ull)off, n, (ull)want);
			else
				same_bytes(buf, d->keep0 + off, want, off, "spot pread");
		}
	}
	check(!bad, "%u preads at offsets 1, 7, 4095, 4097, eof/2+1, eof-3, eof-1 with lengths 1, 3, 511, 1000003 return min(length, rest) bytes equal to the whole read",
	      spots);
	free(cat);
	free(buf);
}

/* What the bits say: non-RAM 0, RAM 1 but for the always-excluded. */
static void test_bitmap_content(struct dev *d)
{
	uint64_t stray = non_ram_bits(d, d->keep0);
	uint64_t kept = popcount_range(d->keep0, 0, d->eof * 8);
	uint64_t gone = excluded_pages(d->counts, 0);

	check(!stray,
	      "bits of non-RAM pfns (outside RAM_RANGES, and up to the end of the last byte) are 0 (%llu set)",
	      (ull)stray);
	check(kept == d->ram_pages - gone,
	      "mask 0 keeps every RAM page but offline, hwpoison and unaccepted: %llu == %llu - %llu",
	      (ull)kept, (ull)d->ram_pages, (ull)gone);
}

/* ------------------------------------------------------ abi: bad inputs */

/* ioctl(fd, cmd, arg) fails with @want and leaves the @len bytes at @arg alone. */
static void expect_ioctl_error(int fd, unsigned long cmd, void *arg,
			       size_t len, int want, const char *what)
{
	uint8_t before[512];
	bool same = true;
	int r, err = 0;

	if (len > sizeof(before))
		fatal("expect_ioctl_error: %zu bytes", len);
	if (len)
		memcpy(before, arg, len);
	r = ioctl(fd, cmd, arg);
	if (r)
		err = errno;
	if (len)
		same = !memcmp(before, arg, len);
	if (!check(r == -1 && err == want && same, "%s: %s%s", what,
		   errname(want), len ? ", argument unchanged" : ""))
		diag("%s: returned %d%s%s%s", what, r, r ? " " : "",
		     r ? errname(err) : "",
		     same ? "" : ", and changed its argument");
}

/* A VERSION argument whose output fields hold a pattern. */
static void init_version(struct vmcf_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->abi_version = 0xa5a5a5a5;
	v->features = 0xa5a5a5a5a5a5a5a5ULL;
	v->max_pfn = 0xa5a5a5a5a5a5a5a5ULL;
	v->nr_classes = 0xa5a5a5a5;
}

static void bad_commands(int fd)
{
	struct vmcf_version v;

	init_version(&v);
	expect_ioctl_error(fd, _IOWR(VMCF_IOC_MAGIC, 4, struct vmcf_version),
			   &v, sizeof(v), ENOTTY, "unknown ioctl number 4");
	expect_ioctl_error(fd, _IOWR(VMCF_IOC_MAGIC, 0xff, struct vmcf_version),
			   &v, sizeof(v), ENOTTY, "unknown ioctl number 0xff");
	expect_ioctl_error(fd, _IO(VMCF_IOC_MAGIC, 0x10), &v, sizeof(v),
			   ENOTTY, "unknown ioctl _IO(magic, 0x10)");
	expect_ioctl_error(fd, _IOWR(VMCF_IOC_MAGIC ^ 1, 0, struct vmcf_version),
			   &v, sizeof(v), ENOTTY, "VERSION's number with another type");
	expect_ioctl_error(fd, _IOR(VMCF_IOC_MAGIC, 0, struct vmcf_version),
			   &v, sizeof(v), ENOTTY, "VERSION with direction _IOR");
	expect_ioctl_error(fd, VMCF_IOC_VERSION, NULL, 0, EFAULT,
			   "VERSION with a NULL argument");
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, NULL, 0, EFAULT,
			   "SET_MASK with a NULL argument");
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, NULL, 0, EFAULT,
			   "RAM_RANGES with a NULL argument");
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, NULL, 0, EFAULT,
			   "COUNTS with a NULL argument");
	expect_ioctl_error(fd, VMCF_IOC_VERSION, page_none, 0, EFAULT,
			   "VERSION with an inaccessible argument");
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, page_none, 0, EFAULT,
			   "COUNTS with an inaccessible argument");
}

static void bad_version(int fd)
{
	struct vmcf_version v;
	struct {
		struct vmcf_version v;
		uint64_t tail;
	} big;
	const unsigned long big_cmd = _IOC(_IOC_READ | _IOC_WRITE,
					   VMCF_IOC_MAGIC, 0, sizeof(big));
	const uint32_t n = sizeof(v);
	int r;

	init_version(&v);
	v.size = n - 8;
	expect_ioctl_error(fd, VMCF_IOC_VERSION, &v, n, EINVAL,
			   "VERSION with size sizeof - 8");
	v.size = n + 8;
	expect_ioctl_error(fd, VMCF_IOC_VERSION, &v, n, EINVAL,
			   "VERSION with size sizeof + 8");
	v.size = 0;
	expect_ioctl_error(fd, VMCF_IOC_VERSION, &v, n, EINVAL,
			   "VERSION with size 0");
	init_version(&v);
	v.reserved0 = 1;
	expect_ioctl_error(fd, VMCF_IOC_VERSION, &v, n, EINVAL,
			   "VERSION with reserved0 1");
	init_version(&v);
	v.reserved[3] = 1;
	expect_ioctl_error(fd, VMCF_IOC_VERSION, &v, n, EINVAL,
			   "VERSION with reserved[3] 1");
	init_version(&v);
	v.size = n - 8;
	expect_ioctl_error(fd, _IOC(_IOC_READ | _IOC_WRITE, VMCF_IOC_MAGIC, 0,
				    n - 8), &v, n, EINVAL,
			   "VERSION from a structure 8 bytes smaller (size and command agree)");

	/* A newer caller's structure: fine while the unknown tail is zero. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.tail = 1;
	expect_ioctl_error(fd, big_cmd, &big, sizeof(big), EINVAL,
			   "VERSION from a larger structure with a non-zero tail");
	big.tail = 0;
	r = ioctl(fd, big_cmd, &big);
	check(!r && big.v.abi_version == VMCF_ABI_VERSION &&
	      big.v.size == sizeof(big) && !big.tail,
	      "VERSION from a larger structure with a zero tail succeeds and leaves the tail alone");
}

/* Failed SET_MASKs: a valid mask (-d 31) with one thing wrong. */
static void bad_set_mask(int fd)
{
	static const uint64_t outside[] = {
		BIT(VMCF_CLASS_SLAB), BIT(VMCF_CLASS_CORRUPT),
		BIT(VMCF_NR_CLASSES), 1ULL << 63,
		MASK_D31 | BIT(VMCF_CLASS_KERNEL),
	};
	struct vmcf_mask m, base = { .size = sizeof(m), .exclude = MASK_D31 };
	const uint32_t n = sizeof(m);
	char what[128], name[160];
	unsigned int i;

	m = base;
	m.size = n - 8;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with size sizeof - 8");
	m.size = n + 8;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with size sizeof + 8");
	m.size = 0;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with size 0");
	m = base;
	m.flags = 1;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with flags 1");
	m.flags = 0x80000000;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with flags 0x80000000");
	m = base;
	m.reserved[0] = 1;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with reserved[0] 1");
	m = base;
	m.reserved[1] = 1;
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL,
			   "SET_MASK with reserved[1] 1");
	for (i = 0; i < ARRAY_SIZE(outside); i++) {
		m = base;
		m.exclude = outside[i];
		snprintf(what, sizeof(what), "SET_MASK %#llx (%s), outside VMCF_EXCLUDABLE",
			 (ull)outside[i], mask_name(outside[i], name, sizeof(name)));
		expect_ioctl_error(fd, VMCF_IOC_SET_MASK, &m, n, EINVAL, what);
	}
	m = base;
	expect_ioctl_error(fd, _IOWR(VMCF_IOC_MAGIC, 1, struct vmcf_mask), &m,
			   n, ENOTTY, "SET_MASK with direction _IOWR");
	expect_ioctl_error(fd, VMCF_IOC_SET_MASK, page_none, 0, EFAULT,
			   "SET_MASK with an inaccessible argument");
}

static void bad_ram_ranges(int fd, const struct dev *d)
{
	struct vmcf_range *buf = xmalloc(d->nr_ram * sizeof(*buf));
	struct vmcf_ram_ranges rr, base = {
		.size = sizeof(rr),
		.nr_ranges = d->nr_ram,
		.ranges = (uintptr_t)buf,
	};
	const uint32_t n = sizeof(rr);

	rr = base;
	rr.size = n - 8;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EINVAL,
			   "RAM_RANGES with size sizeof - 8");
	rr.size = n + 8;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EINVAL,
			   "RAM_RANGES with size sizeof + 8");
	rr.size = 0;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EINVAL,
			   "RAM_RANGES with size 0");
	rr = base;
	rr.reserved[0] = 1;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EINVAL,
			   "RAM_RANGES with reserved[0] 1");
	rr = base;
	rr.reserved[1] = 1;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EINVAL,
			   "RAM_RANGES with reserved[1] 1");
	rr = base;
	rr.ranges = 0;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EFAULT,
			   "RAM_RANGES with ranges NULL and nr_ranges > 0");
	rr.ranges = (uintptr_t)page_none;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EFAULT,
			   "RAM_RANGES with ranges inaccessible");
	rr.ranges = (uintptr_t)page_ro;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EFAULT,
			   "RAM_RANGES with ranges read-only");
	rr.ranges = BAD_KERNEL_PTR;
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, &rr, n, EFAULT,
			   "RAM_RANGES with ranges a kernel address");
	rr = base;
	expect_ioctl_error(fd, _IOR(VMCF_IOC_MAGIC, 2, struct vmcf_ram_ranges),
			   &rr, n, ENOTTY, "RAM_RANGES with direction _IOR");
	expect_ioctl_error(fd, VMCF_IOC_RAM_RANGES, page_none, 0, EFAULT,
			   "RAM_RANGES with an inaccessible argument");
	free(buf);
}

static void bad_counts(int fd, const struct dev *d)
{
	static struct vmcf_counts vc, base;
	uint64_t pages[VMCF_MAX_CLASSES];
	const uint32_t n = sizeof(vc);
	bool empty;
	int r, e;

	memset(&base, 0, sizeof(base));
	base.size = n;
	base.end_pfn = d->max_pfn;
	memset(base.pages, 0xa5, sizeof(base.pages));

	vc = base;
	vc.size = n - 8;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with size sizeof - 8");
	vc.size = n + 8;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with size sizeof + 8");
	vc.size = 0;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with size 0");
	vc = base;
	vc.flags = 1;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with flags 1");
	vc = base;
	vc.reserved[0] = 1;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with reserved[0] 1");
	vc = base;
	vc.reserved[3] = 1;
	expect_ioctl_error(fd, VMCF_IOC_COUNTS, &vc, n, EINVAL,
			   "COUNTS with reserved[3] 1");
	vc = base;
	expect_ioctl_error(fd, _IOW(VMCF_IOC_MAGIC, 3, struct vmcf_counts),
			   &vc, n, ENOTTY, "COUNTS with direction _IOW");

	vc = base;
	vc.start_pfn = d->max_pfn / 2 + 1;
	vc.end_pfn = d->max_pfn / 2;
	r = ioctl(fd, VMCF_IOC_COUNTS, &vc);
	e = r ? errno : 0;
	memcpy(pages, vc.pages, sizeof(pages));
	empty = !r && all_zero(pages, VMCF_MAX_CLASSES);
	if (r && e == EINVAL)
		diag("COUNTS with start_pfn > end_pfn: EINVAL");
	else if (empty)
		diag("COUNTS with start_pfn > end_pfn: empty counts");
	check((r && e == EINVAL) || empty,
	      "COUNTS with start_pfn > end_pfn fails with EINVAL or counts nothing (got %s)",
	      errname(e));
}

/* Every bad input on a file of its own, whose mask must stay 0. */
static void test_bad_inputs(struct dev *d)
{
	uint8_t *bm;
	int fd = vmcf_open(d->path);

	if (!check(fd >= 0, "open a second file for the bad inputs"))
		return;
	bad_commands(fd);
	bad_version(fd);
	bad_set_mask(fd);
	bad_ram_ranges(fd, d);
	bad_counts(fd, d);
	bm = read_bitmap(fd, d->eof, MIB, "after the bad inputs");
	check(bm && same_bytes(bm, d->keep0, d->eof, 0, "after the bad inputs"),
	      "after the failed SET_MASKs the file still reads as mask 0");
	free(bm);
	close(fd);
}

/* -------------------------------------------------------- abi: masks */

static void test_masks(struct dev *d)
{
	uint64_t a = d->max_pfn / 3 + 5, b = d->max_pfn / 3 * 2 + 3;
	uint64_t sub[VMCF_MAX_CLASSES], mask, kept, want;
	char name[160];
	unsigned int i;
	uint8_t *bm;
	int fd, r;

	fd = vmcf_open(d->path);
	if (!check(fd >= 0, "open a file for the masks"))
		return;
	b = MIN(b, d->max_pfn);
	a = MIN(a, b);
	r = vmcf_get_counts(fd, a, b, sub);
	if (!check(!r, "COUNTS over [%llu, %llu) succeeds", (ull)a, (ull)b))
		memset(sub, 0, sizeof(sub));

	for (i = 0; i < ARRAY_SIZE(mask_set); i++) {
		mask = mask_set[i];
		mask_name(mask, name, sizeof(name));
		r = vmcf_set_mask(fd, mask);
		if (!check(!r, "SET_MASK %#llx (%s) succeeds%s%s", (ull)mask,
			   name, r ? ": " : "", r ? errname(-r) : ""))
			continue;
		bm = read_bitmap(fd, d->eof, MIB, name);
		if (!check(bm != NULL, "mask %#llx: read the bitmap", (ull)mask))
			continue;
		kept = popcount_range(bm, 0, d->eof * 8);
		want = d->ram_pages - excluded_pages(d->counts, mask);
		check(kept == want,
		      "mask %#llx (%s) keeps RAM - COUNTS of its and the always-excluded classes: %llu == %llu",
		      (ull)mask, name, (ull)kept, (ull)want);
		kept = popcount_range(bm, a, b);
		want = ram_pages_in(d, a, b) - excluded_pages(sub, mask);
		check(kept == want,
		      "mask %#llx: the same over pfns [%llu, %llu): %llu == %llu",
		      (ull)mask, (ull)a, (ull)b, (ull)kept, (ull)want);
		if (mask)
			check(is_subset(bm, d->keep0, d->eof),
			      "mask %#llx keeps a subset of mask 0's pages",
			      (ull)mask);
		d->keep[i] = bm;
	}
	close(fd);
	check(d->keep[0] && same_bytes(d->keep[0], d->keep0, d->eof, 0, "mask 0"),
	      "SET_MASK 0 reads the same as a fresh file");
	check(d->keep[4] && same_bytes(d->keep[4], d->keep0, d->eof, 0,
				       "mask ALWAYS_EXCLUDED"),
	      "mask VMCF_ALWAYS_EXCLUDED reads the same as mask 0");
}

/* --------------------------------------------------------- abi: lseek */

static bool lseek_read_matches(struct dev *d, uint64_t x)
{
	uint8_t a[777], b[777];
	uint64_t want = MIN(sizeof(a), d->eof - x);
	ssize_t n, m;
	off_t pos;

	pos = lseek(d->fd, (off_t)x, SEEK_SET);
	n = read(d->fd, a, sizeof(a));
	m = pread(d->fd, b, sizeof(b), (off_t)x);
	if (pos != (off_t)x || n != (ssize_t)want || m != (ssize_t)want) {
		diag("at %llu: lseek %lld, read %zd, pread %zd, expected %llu",
		     (ull)x, (long long)pos, n, m, (ull)want);
		return false;
	}
	if (!same_bytes(a, b, want, x, "read() vs pread()") ||
	    !same_bytes(a, d->keep0 + x, want, x, "read() vs whole"))
		return false;
	pos = lseek(d->fd, 0, SEEK_CUR);
	if (pos != (off_t)(x + want)) {
		diag("after reading %llu at %llu the position is %lld",
		     (ull)want, (ull)x, (long long)pos);
		return false;
	}
	return true;
}

static void test_lseek(struct dev *d)
{
	uint64_t xs[] = { 0, 1, 4097, d->eof / 2 + 3, d->eof - 1 }, got = 0;
	uint8_t *buf = xmalloc(d->eof), c;
	bool ok = true;
	unsigned int i;
	off_t pos;
	ssize_t n;

	pos = lseek(d->fd, 0, SEEK_END);
	check(pos == (off_t)d->eof,
	      "lseek(0, SEEK_END) returns DIV_ROUND_UP(max_pfn, 8) = %llu (got %lld)",
	      (ull)d->eof, (long long)pos);
	pos = lseek(d->fd, -1, SEEK_CUR);
	n = read(d->fd, &c, 1);
	check(pos == (off_t)(d->eof - 1) && n == 1 && c == d->keep0[d->eof - 1],
	      "lseek(-1, SEEK_CUR) from the end, then read() returns the last byte");
	pos = lseek(d->fd, -1, SEEK_END);
	check(pos == (off_t)(d->eof - 1), "lseek(-1, SEEK_END) returns the end - 1");

	for (i = 0; i < ARRAY_SIZE(xs); i++)
		if (xs[i] < d->eof && !lseek_read_matches(d, xs[i]))
			ok = false;
	check(ok, "read() after lseek(X, SEEK_SET) equals pread(X) and advances the position, X in 0, 1, 4097, eof/2+3, eof-1");

	pos = lseek(d->fd, (off_t)(d->eof + 4096), SEEK_SET);
	n = read(d->fd, &c, 1);
	check(pos == (off_t)(d->eof + 4096) && n == 0,
	      "lseek past the end succeeds and read() there returns 0");
	errno = 0;
	pos = lseek(d->fd, -1, SEEK_SET);
	check(pos == -1 && errno == EINVAL, "lseek(-1, SEEK_SET) fails with EINVAL");
	errno = 0;
	pos = lseek(d->fd, 0, SEEK_DATA);
	check(pos == -1 && errno == EINVAL, "lseek(0, SEEK_DATA) fails with EINVAL");

	lseek(d->fd, 0, SEEK_SET);
	while (got < d->eof) {
		n = read(d->fd, buf + got, MIN(65521, d->eof - got));
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	n = read(d->fd, &c, 1);
	check(got == d->eof && n == 0 &&
	      same_bytes(buf, d->keep0, d->eof, 0, "sequential read()"),
	      "read() in 65521-byte steps from 0 returns the whole bitmap, then 0");
	lseek(d->fd, 0, SEEK_SET);
	free(buf);
}

/* --------------------------------------------------- abi: concurrency */

static void test_concurrency(struct dev *d)
{
	static const uint64_t chunks[NR_THREADS] = { MIB, 4097, 65537, 0 };
	struct reader rd[NR_THREADS];
	unsigned int round, i;
	bool ok;

	for (round = 0; round < 2; round++) {
		memset(rd, 0, sizeof(rd));
		for (i = 0; i < NR_THREADS; i++) {
			rd[i].path = d->path;
			rd[i].mask = mask_set[i];
			rd[i].len = d->eof;
			rd[i].chunk = chunks[(i + round) % NR_THREADS];
			if (!rd[i].chunk)
				rd[i].chunk = d->eof;
			rd[i].out = xmalloc(d->eof);
		}
		run_readers(rd, NR_THREADS);
		for (i = 0; i < NR_THREADS; i++) {
			if (rd[i].failed)
				diag("thread %u: %s: %s", i, rd[i].failed,
				     errname(rd[i].err));
			else if (rd[i].got != d->eof)
				diag("thread %u: read %llu bytes", i,
				     (ull)rd[i].got);
			else if (!d->keep[i])
				diag("thread %u: no single-threaded bitmap to compare", i);
			ok = !rd[i].failed && rd[i].got == d->eof && d->keep[i] &&
			     same_bytes(rd[i].out, d->keep[i], d->eof, 0,
					"concurrent read");
			check(ok, "concurrent round %u, thread %u (mask %#llx, %llu-byte preads) reads its single-threaded bitmap",
			      round + 1, i, (ull)rd[i].mask, (ull)rd[i].chunk);
			free(rd[i].out);
		}
	}
}

/* ---------------------------------------------------------- abi: unload */

/* Run rmmod MODULE_NAME: its output in @out, exit status or -1; 127: none ran. */
static int run_rmmod(char *out, size_t size)
{
	char *bb[] = { "busybox", "rmmod", MODULE_NAME, NULL };
	char *rm[] = { "rmmod", MODULE_NAME, NULL };
	size_t len = 0;
	int pfd[2], status;
	char scratch[256];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (access("/bin/busybox", X_OK) == 0)
			execv("/bin/busybox", bb);
		execvp("rmmod", rm);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (len + 1 < size)
			n = read(pfd[0], out + len, size - 1 - len);
		else
			n = read(pfd[0], scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)n;
	}
	out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void diag_lines(const char *prefix, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		diag("%s%s", prefix, line);
}

static void test_unload(struct dev *d)
{
	char out[1024], refcnt[32] = "?";
	struct vmcf_version v;
	uint8_t buf[4096];
	uint64_t n = MIN(sizeof(buf), d->eof);
	FILE *f;
	int st, r;

	f = fopen(SYS_MODULE "/refcnt", "r");
	if (!f) {
		diag("skip: rmmod while open: no " SYS_MODULE "/refcnt (%s): not a loaded module, or no sysfs",
		     strerror(errno));
		return;
	}
	if (fgets(refcnt, sizeof(refcnt), f))
		refcnt[strcspn(refcnt, "\n")] = '\0';
	fclose(f);
	diag("refcnt %s with a file open", refcnt);

	st = run_rmmod(out, sizeof(out));
	if (st == 127 || st < 0) {
		diag("skip: rmmod while open: no rmmod could run (/bin/busybox rmmod, rmmod in PATH)");
		return;
	}
	diag_lines("rmmod: ", out);
	check(st != 0, "rmmod " MODULE_NAME " fails while a file is open (exit %d)",
	      st);
	check(access(SYS_MODULE, F_OK) == 0,
	      MODULE_NAME " is still loaded after that rmmod");
	r = vmcf_get_version(d->fd, &v);
	check(!r && v.max_pfn == d->max_pfn &&
	      pread(d->fd, buf, n, 0) == (ssize_t)n &&
	      same_bytes(buf, d->keep0, n, 0, "after rmmod"),
	      "the open file still answers VERSION and reads after rmmod");
}

/* --------------------------------------------------------------- modes */

/* Close and free what the checks of @d collected; the exit status. */
static int finish(struct dev *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->keep); i++)
		free(d->keep[i]);
	free(d->keep0);
	free(d->ram);
	if (d->fd >= 0)
		close(d->fd);
	diag("%u checks, %u failed", nr_checks, nr_failed);
	return nr_failed ? 1 : 0;
}

static void map_bad_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);

	page_none = mmap(NULL, (size_t)page, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page_ro = mmap(NULL, (size_t)page, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page_none == MAP_FAILED || page_ro == MAP_FAILED)
		fatal("mmap: %s", strerror(errno));
}

static int mode_abi(const char *path)
{
	struct dev d = { .path = path };
	int e;

	d.fd = vmcf_open(path);
	if (d.fd < 0) {
		e = errno;
		check(false, "open %s: %s", path, strerror(e));
		open_hints(stdout, "# ", path, e);
		return finish(&d);
	}
	check(true, "open %s", path);
	map_bad_pages();
	if (!test_version(&d) || !test_ram_ranges(&d)) {
		diag("cannot go on without VERSION and RAM_RANGES");
		return finish(&d);
	}
	test_counts(&d);
	if (!test_whole_read(&d)) {
		diag("cannot go on without the whole bitmap");
		return finish(&d);
	}
	test_read_edges(&d);
	test_read_pieces(&d);
	test_bitmap_content(&d);
	test_bad_inputs(&d);
	test_masks(&d);
	test_lseek(&d);
	test_concurrency(&d);
	print_counts(&d);
	test_unload(&d);
	return finish(&d);
}

/* Open the device and learn max_pfn, or exit 1 saying why. */
static int tool_open(const char *path, uint64_t *max_pfn)
{
	struct vmcf_version v;
	int fd = vmcf_open(path), r, e;

	if (fd < 0) {
		e = errno;
		fprintf(stderr, "vmcf-abi-test: open %s: %s\n", path,
			strerror(e));
		open_hints(stderr, "vmcf-abi-test: ", path, e);
		exit(1);
	}
	r = vmcf_get_version(fd, &v);
	if (r)
		fatal("%s: VERSION: %s%s", path, strerror(-r),
		      r == -ENOTTY ? " (not /dev/vmcore_filter?)" : "");
	if (v.abi_version != VMCF_ABI_VERSION || !v.max_pfn)
		fatal("%s: VERSION: abi_version %u (expected %u), max_pfn %llu",
		      path, v.abi_version, VMCF_ABI_VERSION, (ull)v.max_pfn);
	*max_pfn = v.max_pfn;
	return fd;
}

static void tool_set_mask(int fd, const char *path, uint64_t mask)
{
	int r = vmcf_set_mask(fd, mask);

	if (r)
		fatal("%s: SET_MASK %#llx: %s", path, (ull)mask, strerror(-r));
}

static int mode_bitmap(const char *path, uint64_t mask, const char *file)
{
	uint64_t max_pfn, eof, done = 0;
	int fd = tool_open(path, &max_pfn), out;
	uint8_t *bm;
	int64_t n;
	ssize_t w;

	tool_set_mask(fd, path, mask);
	eof = DIV_ROUND_UP(max_pfn, 8);
	bm = xmalloc(eof);
	n = pread_loop(fd, bm, eof, 0, 16 * MIB);
	if (n != (int64_t)eof)
		fatal("%s: read %lld of %llu bytes%s%s", path,
		      n < 0 ? 0LL : (long long)n, (ull)eof, n < 0 ? ": " : "",
		      n < 0 ? strerror((int)-n) : "");
	out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		fatal("%s: %s", file, strerror(errno));
	while (done < eof) {
		w = write(out, bm + done, eof - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fatal("%s: write: %s", file, w ? strerror(errno) : "no progress");
		done += (uint64_t)w;
	}
	if (close(out))
		fatal("%s: close: %s", file, strerror(errno));
	printf("# wrote %llu bytes to %s: max_pfn %llu, mask %#llx, %llu pfns kept\n",
	       (ull)eof, file, (ull)max_pfn, (ull)mask,
	       (ull)popcount_range(bm, 0, eof * 8));
	free(bm);
	close(fd);
	return 0;
}

static int mode_counts(const char *path)
{
	uint64_t max_pfn, pages[VMCF_MAX_CLASSES];
	int fd = tool_open(path, &max_pfn), r, c;

	r = vmcf_get_counts(fd, 0, max_pfn, pages);
	if (r)
		fatal("%s: COUNTS: %s", path, strerror(-r));
	for (c = 0; c < VMCF_NR_CLASSES; c++)
		printf("%s %llu\n", class_names[c], (ull)pages[c]);
	close(fd);
	return 0;
}

/* Readers of consecutive 1024-pfn aligned parts of the bitmap into @bm. */
static void split_readers(struct reader *rd, unsigned int n, const char *path,
			  uint64_t mask, uint8_t *bm, uint64_t eof)
{
	uint64_t units = DIV_ROUND_UP(eof, 128), a, b;
	unsigned int i;

	memset(rd, 0, n * sizeof(*rd));
	for (i = 0; i < n; i++) {
		a = MIN(units * i / n * 128, eof);
		b = MIN(units * (i + 1) / n * 128, eof);
		rd[i].path = path;
		rd[i].mask = mask;
		rd[i].off = a;
		rd[i].len = b - a;
		rd[i].chunk = MIB;
		rd[i].out = bm + a;
	}
}

/* The readers' failures on stderr; false if any. */
static bool readers_ok(const struct reader *rd, unsigned int n)
{
	bool ok = true;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rd[i].failed)
			fprintf(stderr, "vmcf-abi-test: thread %u: %s: %s\n", i,
				rd[i].failed, strerror(rd[i].err));
		else if (rd[i].got != rd[i].len)
			fprintf(stderr, "vmcf-abi-test: thread %u: read %llu of %llu bytes\n",
				i, (ull)rd[i].got, (ull)rd[i].len);
		else
			continue;
		ok = false;
	}
	return ok;
}

static int mode_bench(const char *path, uint64_t mask)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nthreads = cpus > 0 ? (unsigned int)cpus : 1;
	uint64_t max_pfn, eof;
	int fd = tool_open(path, &max_pfn);
	uint8_t *one, *chunked, *par;
	struct reader *rd;
	double t;
	ssize_t n;

	tool_set_mask(fd, path, mask);
	eof = DIV_ROUND_UP(max_pfn, 8);
	one = xmalloc(eof);
	chunked = xmalloc(eof);
	par = xmalloc(eof);
	rd = xmalloc(nthreads * sizeof(*rd));
	/* Fault the buffers in now: the reads are timed, not this program */
	memset(one, 0, eof);
	memset(chunked, 0, eof);
	memset(par, 0, eof);
	printf("bench pfns %llu\n", (ull)max_pfn);
	printf("bench threads %u\n", nthreads);
	fflush(stdout);

	t = now();
	n = pread(fd, one, eof, 0);
	t = now() - t;
	if (n != (ssize_t)eof)
		fatal("%s: one pread of %llu bytes returned %zd%s%s", path,
		      (ull)eof, n, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
	printf("bench one_pread %.6f\n", t);
	fflush(stdout);

	split_readers(rd, 1, path, mask, chunked, eof);
	t = run_readers(rd, 1);
	if (!readers_ok(rd, 1))
		return 1;
	printf("bench chunks_1mib %.6f\n", t);
	fflush(stdout);

	split_readers(rd, nthreads, path, mask, par, eof);
	t = run_readers(rd, nthreads);
	if (!readers_ok(rd, nthreads))
		return 1;
	printf("bench parallel %.6f\n", t);
	printf("# %llu pfns kept with mask %#llx\n",
	       (ull)popcount_range(one, 0, eof * 8), (ull)mask);

	if (memcmp(one, chunked, eof) || memcmp(one, par, eof)) {
		fprintf(stderr, "vmcf-abi-test: the three reads gave different bitmaps\n");
		return 1;
	}
	free(rd);
	free(one);
	free(chunked);
	free(par);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr,
		"usage: vmcf-abi-test abi [--device PATH]\n"
		"       vmcf-abi-test bitmap EXCLUDE_MASK FILE [--device PATH]\n"
		"       vmcf-abi-test counts [--device PATH]\n"
		"       vmcf-abi-test bench EXCLUDE_MASK [--device PATH]\n"
		"PATH defaults to " DEFAULT_DEVICE "; EXCLUDE_MASK is hex (0x...) or decimal,\n"
		"within VMCF_EXCLUDABLE (%#llx).\n", (ull)VMCF_EXCLUDABLE);
	return 2;
}

/* EXCLUDE_MASK argument, or exit 2. */
static uint64_t mask_arg(const char *s)
{
	uint64_t mask;

	if (!parse_u64(s, &mask)) {
		fprintf(stderr, "vmcf-abi-test: bad EXCLUDE_MASK '%s'\n", s);
		exit(usage());
	}
	if (mask & ~VMCF_EXCLUDABLE) {
		fprintf(stderr, "vmcf-abi-test: EXCLUDE_MASK %#llx has bits outside %#llx\n",
			(ull)mask, (ull)VMCF_EXCLUDABLE);
		exit(usage());
	}
	return mask;
}

int main(int argc, char **argv)
{
	const char *device = DEFAULT_DEVICE, *pos[3], *mode;
	int npos = 0, i;

	if (argc < 2)
		return usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--device")) {
			if (++i == argc)
				return usage();
			device = argv[i];
		} else if (!strncmp(argv[i], "--device=", 9)) {
			device = argv[i] + 9;
		} else if (!strncmp(argv[i], "--", 2) || npos == 3) {
			return usage();
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (!*device)
		return usage();

	if (!strcmp(mode, "abi") && npos == 0)
		return mode_abi(device);
	if (!strcmp(mode, "bitmap") && npos == 2)
		return mode_bitmap(device, mask_arg(pos[0]), pos[1]);
	if (!strcmp(mode, "counts") && npos == 0)
		return mode_counts(device);
	if (!strcmp(mode, "bench") && npos == 1)
		return mode_bench(device, mask_arg(pos[0]));
	return usage();
}
