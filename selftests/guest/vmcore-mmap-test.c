// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore-mmap-test: checks and timings for mmap() of /proc/vmcore, run inside
 * the kdump capture kernel (static binary, busybox userspace, root).
 *
 *   vmcore-mmap-test check [--hide START_PFN COUNT] [--vmcore PATH] [--out DIR]
 *   vmcore-mmap-test bench [--vmcore PATH]
 *
 * DIR (also accepted as a trailing positional argument, else $OUT, else /tmp)
 * receives the scratch files of the write(2)/O_DIRECT checks and the core
 * dump.  PATH defaults to /proc/vmcore.
 *
 * check prints one line per check, "ok - WHAT" or "not ok - WHAT", with
 * diagnostics on lines starting with "# ", and exits 0 when every check
 * passed (1 otherwise, 2 on usage errors).  When the run-time switch
 * /sys/module/vmcore/parameters/huge_mappings exists, every per-mapping check
 * runs once with huge_mappings=Y and once with N (lines are prefixed "[huge=Y]"
 * or "[huge=N]"), and the switch is restored at the end; without it the
 * current behaviour is checked once ("[huge=absent]").
 *
 * Machine-readable lines:
 *   # file_size BYTES
 *   # padding_total BYTES GAPS
 *   # pagetables STATE KB          PageTables increase for one whole-file
 *                                  mapping with every PT_LOAD page touched
 *   # pagetables_ratio X           increase(Y) / increase(N), both states only
 *   # smaps STATE FIELD: VALUE     Rss/KernelPageSize/... of that mapping
 *   # coredump STATE BYTES
 *   bench NAME SECONDS MBPS        (bench mode; MBPS = 10^6 bytes per second)
 *   bench ratio c/a X, bench ratio c_nohuge/a X, bench ratio b/a X
 *                                          (time ratios; c_nohuge: windows
 *                                          with the switch off, as stock)
 *
 * VMCORE_MMAP_TEST_SWITCH=FILE in the environment replaces the switch path
 * (to exercise the two-state logic against a plain file).
 *
 * Checks whose expected result holds only for /proc/vmcore (not for a saved
 * vmcore in a regular file) print "ok - ... # SKIP ..." on regular files.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define GIB (1024ULL * MIB)
#define SZ_2M (2 * MIB)
#define SZ_1G GIB

#define PROC_VMCORE "/proc/vmcore"
#define SWITCH_PATH "/sys/module/vmcore/parameters/huge_mappings"
#define CORE_PATTERN "/proc/sys/kernel/core_pattern"

#define CHUNK (1 * MIB)		/* pread buffer */
#define SPREAD_PAGES 64		/* evenly spread sample pages per PT_LOAD */
#define FULL_CMP_MAX (16 * MIB)	/* windows up to this size are compared fully */
#define FULL_ZERO_MAX (64 * MIB)	/* zero ranges up to this size checked fully */
#define DIAG_BUDGET 5		/* mismatch diagnostics per check */
#define MAX_PHNUM (1U << 20)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef unsigned long long ull;

static uint64_t page_sz;

/* ---------------------------------------------------------------- layout */

struct seg {			/* one PT_LOAD with file data */
	uint64_t off;		/* p_offset */
	uint64_t len;		/* p_filesz */
	uint64_t paddr;		/* p_paddr */
	unsigned int phdr;	/* index in the program header table */
};

struct layout {
	uint64_t file_size;
	uint64_t hdr_end;	/* end of the ELF header, phdrs and notes */
	struct seg *segs;	/* sorted by file offset */
	size_t nsegs;
	const struct seg **by_size;	/* largest first */
};

struct ctx {
	const char *path;
	const char *outdir;
	int fd;
	bool is_proc_vmcore;
	bool have_switch;
	bool huge;		/* current state is huge_mappings=Y */
	const char *state;	/* "Y", "N", "absent"; NULL outside states */
	struct layout lay;
	unsigned char *whole;	/* whole-file mapping of the current state */
	bool hide;
	uint64_t hide_pfn, hide_count;
	long pt_incr[2];	/* [0] = N/absent, [1] = Y */
	long pte_incr[2];	/* the same from VmPTE (this process only) */
	bool pt_have[2];
	int checks, failed;
	int diag_budget;
};

/* -------------------------------------------------------------- output */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void report(struct ctx *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(struct ctx *c, bool ok, const char *fmt, ...)
{
	va_list ap;

	c->checks++;
	if (!ok)
		c->failed++;
	fputs(ok ? "ok - " : "not ok - ", stdout);
	if (c->state)
		printf("[huge=%s] ", c->state);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->diag_budget = DIAG_BUDGET;
}

/* A check whose expectation differs on a regular file. */
static void report_vmcore_only(struct ctx *c, bool ok, const char *what,
			       const char *got)
{
	if (c->is_proc_vmcore)
		report(c, ok, "%s (%s)", what, got);
	else
		report(c, true, "%s (%s) # SKIP file-specific: regular file",
		       what, got);
}

static bool want_diag(struct ctx *c)
{
	return c->diag_budget-- > 0;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case EIO: return "EIO";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	default: return strerror(e);
	}
}

/* ------------------------------------------------------------- helpers */

static uint64_t page_down(uint64_t x)
{
	return x & ~(page_sz - 1);
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t seg_end(const struct seg *s)
{
	return s->off + s->len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENODATA;
			return false;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return true;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read a small text file into buf (NUL terminated, trailing newline cut). */
static bool read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = 0;
	return true;
}

static bool write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write_full(fd, text, strlen(text));
	if (close(fd))
		ok = false;
	return ok;
}

/* "KEY: N kB" from /proc/meminfo or /proc/self/status. */
static long proc_kb(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t klen = strlen(key);
	char line[256];
	long val = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* Offsets of pages (page-aligned file offsets). */
struct offs {
	uint64_t *v;
	size_t n, cap;
};

static void offs_add(struct offs *o, uint64_t x)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 256;
		uint64_t *v = realloc(o->v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "vmcore-mmap-test: out of memory\n");
			exit(2);
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = x;
}

static void offs_free(struct offs *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* ------------------------------------------------------- fault catching */

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_armed;
static volatile sig_atomic_t fault_sig;
static void *volatile fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!fault_armed) {
		/* Unexpected: let the default action happen on return. */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	fault_sig = sig;
	fault_addr = si->si_addr;
	siglongjmp(fault_env, 1);
}

static void install_fault_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Run fn(arg); returns 0, or SIGSEGV/SIGBUS if it faulted. */
static int guarded(void (*fn)(void *), void *arg)
{
	if (sigsetjmp(fault_env, 1))
		return fault_sig;
	fault_armed = 1;
	fn(arg);
	fault_armed = 0;
	return 0;
}

struct mem_op {
	const unsigned char *p;
	const unsigned char *ref;	/* compare: expected bytes */
	size_t len;
	size_t stride;
	uint64_t sum;
	size_t diff;			/* compare: first mismatch or SIZE_MAX */
};

static void op_compare(void *arg)
{
	struct mem_op *o = arg;
	size_t i;

	o->diff = SIZE_MAX;
	if (!memcmp(o->p, o->ref, o->len))
		return;
	for (i = 0; i < o->len; i++)
		if (o->p[i] != o->ref[i]) {
			o->diff = i;
			return;
		}
}

/* Read one byte every stride bytes. */
static void op_touch(void *arg)
{
	struct mem_op *o = arg;
	const volatile unsigned char *p = o->p;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < o->len; i += o->stride)
		sum += p[i];
	o->sum += sum;
}

/* Read one 8-byte word every stride bytes. */
static void op_touch_word(void *arg)
{
	struct mem_op *o = arg;
	uint64_t sum = 0, w;
	size_t i;

	for (i = 0; i + sizeof(w) <= o->len; i += o->stride) {
		memcpy(&w, o->p + i, sizeof(w));
		sum += w;
	}
	o->sum += sum;
}

/* Sum every byte (as 8-byte words). */
static void op_sum_all(void *arg)
{
	struct mem_op *o = arg;
	uint64_t sum = 0, w;
	size_t i;

	for (i = 0; i + sizeof(w) <= o->len; i += sizeof(w)) {
		memcpy(&w, o->p + i, sizeof(w));
		sum += w;
	}
	for (; i < o->len; i++)
		sum += o->p[i];
	o->sum += sum;
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void op_fnv(void *arg)
{
	struct mem_op *o = arg;

	o->sum = fnv(o->sum, o->p, o->len);
}

static void op_read_byte(void *arg)
{
	struct mem_op *o = arg;

	o->sum += *(const volatile unsigned char *)o->p;
}

static void op_write_byte(void *arg)
{
	struct mem_op *o = arg;

	*(volatile unsigned char *)o->p = 0x5a;
}

/* 0 if the byte at p can be read (or written), else the signal. */
static int probe(const void *p, bool write)
{
	struct mem_op o = { .p = p };

	return guarded(write ? op_write_byte : op_read_byte, &o);
}

/* ----------------------------------------------------------- ELF parse */

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_seg_size(const void *a, const void *b)
{
	const struct seg *x = *(const struct seg * const *)a;
	const struct seg *y = *(const struct seg * const *)b;

	return x->len > y->len ? -1 : x->len < y->len;
}

static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Parse the ELF64 core header; on failure, err says why. */
static bool parse_layout(int fd, uint64_t size, struct layout *lay,
			 char *err, size_t errlen)
{
	unsigned char *tab = NULL;
	Elf64_Ehdr eh;
	uint64_t phnum, tablen;
	size_t i;

	memset(lay, 0, sizeof(*lay));
	lay->file_size = size;
	if (size < sizeof(eh) || !pread_full(fd, &eh, sizeof(eh), 0)) {
		snprintf(err, errlen, "cannot read the ELF header");
		return false;
	}
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		snprintf(err, errlen, "no ELF magic");
		return false;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not ELF64 little-endian (class %u data %u)",
			 eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA]);
		return false;
	}
	if (eh.e_type != ET_CORE) {
		snprintf(err, errlen, "e_type %u is not ET_CORE", eh.e_type);
		return false;
	}
	if (eh.e_phentsize < sizeof(Elf64_Phdr)) {
		snprintf(err, errlen, "e_phentsize %u too small", eh.e_phentsize);
		return false;
	}
	phnum = eh.e_phnum;
	if (phnum == PN_XNUM) {
		Elf64_Shdr sh;

		if (eh.e_shentsize < sizeof(sh) ||
		    !range_ok(eh.e_shoff, sizeof(sh), size) ||
		    !pread_full(fd, &sh, sizeof(sh), eh.e_shoff)) {
			snprintf(err, errlen, "PN_XNUM without section 0");
			return false;
		}
		phnum = sh.sh_info;
	}
	if (phnum == 0 || phnum > MAX_PHNUM) {
		snprintf(err, errlen, "bad program header count %llu", (ull)phnum);
		return false;
	}
	tablen = phnum * eh.e_phentsize;
	if (!range_ok(eh.e_phoff, tablen, size)) {
		snprintf(err, errlen, "program headers [%#llx, +%#llx) beyond the file",
			 (ull)eh.e_phoff, (ull)tablen);
		return false;
	}
	tab = malloc(tablen);
	lay->segs = calloc(phnum, sizeof(*lay->segs));
	lay->by_size = calloc(phnum, sizeof(*lay->by_size));
	if (!tab || !lay->segs || !lay->by_size ||
	    !pread_full(fd, tab, tablen, eh.e_phoff)) {
		snprintf(err, errlen, "cannot read the program headers");
		goto fail;
	}
	lay->hdr_end = eh.e_phoff + tablen;
	for (i = 0; i < phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, tab + i * eh.e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (!range_ok(ph.p_offset, ph.p_filesz, size)) {
			snprintf(err, errlen,
				 "phdr %zu [%#llx, +%#llx) beyond the file size %#llx",
				 i, (ull)ph.p_offset, (ull)ph.p_filesz, (ull)size);
			goto fail;
		}
		if (ph.p_type == PT_NOTE) {
			if (ph.p_offset + ph.p_filesz > lay->hdr_end)
				lay->hdr_end = ph.p_offset + ph.p_filesz;
			continue;
		}
		if (!ph.p_filesz)
			continue;
		lay->segs[lay->nsegs++] = (struct seg){
			.off = ph.p_offset, .len = ph.p_filesz,
			.paddr = ph.p_paddr, .phdr = (unsigned int)i,
		};
	}
	free(tab);
	tab = NULL;
	if (!lay->nsegs) {
		snprintf(err, errlen, "no PT_LOAD with file data");
		goto fail;
	}
	qsort(lay->segs, lay->nsegs, sizeof(*lay->segs), cmp_seg);
	for (i = 0; i < lay->nsegs; i++) {
		if (i && lay->segs[i].off < seg_end(&lay->segs[i - 1])) {
			snprintf(err, errlen, "PT_LOADs %u and %u overlap in the file",
				 lay->segs[i - 1].phdr, lay->segs[i].phdr);
			goto fail;
		}
		if (lay->segs[i].off % page_sz != lay->segs[i].paddr % page_sz) {
			snprintf(err, errlen,
				 "PT_LOAD %u: p_offset and p_paddr differ modulo the page size",
				 lay->segs[i].phdr);
			goto fail;
		}
		lay->by_size[i] = &lay->segs[i];
	}
	qsort(lay->by_size, lay->nsegs, sizeof(*lay->by_size), cmp_seg_size);
	return true;
fail:
	free(tab);
	free(lay->segs);
	free(lay->by_size);
	memset(lay, 0, sizeof(*lay));
	return false;
}

static const struct seg *seg_of_off(const struct layout *lay, uint64_t off)
{
	size_t i;

	for (i = 0; i < lay->nsegs; i++)
		if (off >= lay->segs[i].off && off < seg_end(&lay->segs[i]))
			return &lay->segs[i];
	return NULL;
}

static const char *describe_off(const struct layout *lay, uint64_t off)
{
	static char buf[96];
	const struct seg *s = seg_of_off(lay, off);

	if (s)
		snprintf(buf, sizeof(buf), "PT_LOAD %u paddr %#llx", s->phdr,
			 (ull)(s->paddr + (off - s->off)));
	else if (off < lay->hdr_end)
		snprintf(buf, sizeof(buf), "headers/notes");
	else
		snprintf(buf, sizeof(buf), "padding");
	return buf;
}

static uint64_t padding_total(const struct layout *lay, size_t *gaps)
{
	uint64_t total = 0;
	size_t i;

	*gaps = 0;
	for (i = 0; i + 1 < lay->nsegs; i++) {
		uint64_t gap = lay->segs[i + 1].off - seg_end(&lay->segs[i]);

		if (gap) {
			total += gap;
			(*gaps)++;
		}
	}
	return total;
}

/*
 * Find a window of len bytes inside one PT_LOAD that starts delta bytes from
 * a physical address aligned to align; larger PT_LOADs are tried first.
 * Returns its file offset.
 */
static bool pick_window(const struct layout *lay, uint64_t align, int64_t delta,
			uint64_t len, uint64_t *off)
{
	size_t i;

	for (i = 0; i < lay->nsegs; i++) {
		const struct seg *s = lay->by_size[i];
		uint64_t end = s->paddr + s->len, b;

		if (s->len < len)
			break;
		for (b = round_up(s->paddr, align); b < end; b += align) {
			uint64_t start = b + (uint64_t)delta;

			if ((delta < 0 && b < (uint64_t)-delta) || start < s->paddr)
				continue;
			if (start + len > end)
				break;
			*off = s->off + (start - s->paddr);
			return true;
		}
	}
	return false;
}

/*
 * A window of up to want bytes starting at a 2 MiB-aligned physical address;
 * smaller (down to 2 MiB) if needed, else the start of the largest PT_LOAD.
 */
static void pick_aligned(const struct layout *lay, uint64_t want,
			 uint64_t *off, uint64_t *len)
{
	const struct seg *s = lay->by_size[0];

	for (*len = want; *len >= SZ_2M; *len /= 2)
		if (pick_window(lay, SZ_2M, 0, *len, off))
			return;
	*off = round_up(s->off, page_sz);
	*len = min_u64(want, page_down(seg_end(s)) - *off);
}

/* ------------------------------------------------------------- mapping */

struct map {
	unsigned char *addr;
	uint64_t off;		/* file offset of addr (page aligned) */
	uint64_t len;
};

static bool map_file(struct ctx *c, struct map *m, uint64_t off, uint64_t len,
		     int prot, int flags)
{
	uint64_t aligned = page_down(off);

	m->off = aligned;
	m->len = len + (off - aligned);
	m->addr = mmap(NULL, m->len, prot, flags, c->fd, (off_t)aligned);
	if (m->addr == MAP_FAILED) {
		int e = errno;

		diag("mmap(len %#llx, off %#llx): %s", (ull)m->len,
		     (ull)aligned, errname(e));
		m->addr = NULL;
		errno = e;
		return false;
	}
	return true;
}

static void unmap(struct map *m)
{
	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = NULL;
}

static const unsigned char *map_at(const struct map *m, uint64_t off)
{
	return m->addr + (off - m->off);
}

static struct map whole_map(struct ctx *c)
{
	return (struct map){ .addr = c->whole, .off = 0,
			     .len = c->lay.file_size };
}

/* Print the alignment of a mapping; returns addr == off modulo 2 MiB. */
static bool map_aligned(const struct map *m, const char *what)
{
	uintptr_t a = (uintptr_t)m->addr;

	diag("%s: addr %#llx off %#llx: addr-off mod 2M %#llx, mod 1G %#llx",
	     what, (ull)a, (ull)m->off, (ull)((a - m->off) % SZ_2M),
	     (ull)((a - m->off) % SZ_1G));
	return (a - m->off) % SZ_2M == 0;
}

/* ---------------------------------------------------------- comparing */

static unsigned char ref_buf[CHUNK];
static unsigned char zero_buf[CHUNK];

/* Compare [off, off + len) through m with pread() (or with zeros). */
static bool cmp_range(struct ctx *c, const struct map *m, uint64_t off,
		      uint64_t len, bool zeros)
{
	while (len) {
		size_t n = (size_t)min_u64(len, CHUNK);
		struct mem_op o = { .p = map_at(m, off), .len = n };
		int sig;

		if (!pread_full(c->fd, ref_buf, n, off)) {
			if (want_diag(c))
				diag("pread(%#llx, %zu): %s", (ull)off, n,
				     errname(errno));
			return false;
		}
		if (zeros && memcmp(ref_buf, zero_buf, n)) {
			if (want_diag(c))
				diag("pread: non-zero data in [%#llx, +%#zx) (%s)",
				     (ull)off, n, describe_off(&c->lay, off));
			return false;
		}
		o.ref = ref_buf;
		sig = guarded(op_compare, &o);
		if (sig) {
			if (want_diag(c))
				diag("%s reading the mapping at %p (file offset %#llx, %s)",
				     strsignal(sig), fault_addr, (ull)off,
				     describe_off(&c->lay, off));
			return false;
		}
		if (o.diff != SIZE_MAX) {
			if (want_diag(c))
				diag("mismatch at file offset %#llx (%s): mmap %02x pread %02x",
				     (ull)(off + o.diff),
				     describe_off(&c->lay, off + o.diff),
				     o.p[o.diff], ref_buf[o.diff]);
			return false;
		}
		off += n;
		len -= n;
	}
	return true;
}

/* Compare the listed pages, clipped to [lo, hi); returns pages that differ. */
static size_t cmp_pages(struct ctx *c, const struct map *m,
			const struct offs *pages, uint64_t lo, uint64_t hi)
{
	size_t i, bad = 0;

	for (i = 0; i < pages->n; i++) {
		uint64_t a = pages->v[i], b = a + page_sz;

		if (a < lo)
			a = lo;
		if (b > hi)
			b = hi;
		if (a < b && !cmp_range(c, m, a, b - a, false))
			bad++;
	}
	return bad;
}

static void sample_first_last(uint64_t off, uint64_t len, struct offs *o)
{
	offs_add(o, page_down(off));
	if (page_down(off + len - 1) != page_down(off))
		offs_add(o, page_down(off + len - 1));
}

static void sample_spread(uint64_t off, uint64_t len, unsigned int n,
			  struct offs *o)
{
	uint64_t first = page_down(off);
	uint64_t np = (page_down(off + len - 1) - first) / page_sz + 1, k;

	if (np <= n) {
		for (k = 0; k < np; k++)
			offs_add(o, first + k * page_sz);
		return;
	}
	for (k = 0; k < n; k++)
		offs_add(o, first + k * (np - 1) / (n - 1) * page_sz);
}

/* The two pages around every physical multiple of align inside s. */
static void sample_boundaries(const struct seg *s, uint64_t align,
			      struct offs *o)
{
	uint64_t b;

	for (b = round_up(s->paddr + 1, align); b < s->paddr + s->len; b += align) {
		uint64_t f = s->off + (b - s->paddr);

		offs_add(o, page_down(f - 1));
		offs_add(o, page_down(f));
	}
}

/* Compare a window: fully if small, else sampled. */
static bool cmp_window(struct ctx *c, const struct map *m, uint64_t off,
		       uint64_t len)
{
	struct offs o = { 0 };
	size_t bad;

	if (len <= FULL_CMP_MAX)
		return cmp_range(c, m, off, len, false);
	sample_spread(off, min_u64(len, 8 * page_sz), 8, &o);
	sample_spread(off + len - min_u64(len, 8 * page_sz),
		      min_u64(len, 8 * page_sz), 8, &o);
	sample_spread(off, len, SPREAD_PAGES, &o);
	bad = cmp_pages(c, m, &o, off, off + len);
	offs_free(&o);
	return !bad;
}

/* Check [off, off + len) reads as zeros via pread and m; sampled if big. */
static bool zero_window(struct ctx *c, const struct map *m, uint64_t off,
			uint64_t len)
{
	uint64_t edge = min_u64(len, 4 * MIB), p;
	bool ok;

	if (len <= FULL_ZERO_MAX)
		return cmp_range(c, m, off, len, true);
	ok = cmp_range(c, m, off, edge, true);
	ok &= cmp_range(c, m, off + len - edge, edge, true);
	for (p = 0; p < SPREAD_PAGES; p++) {
		uint64_t a = page_down(off + (len - page_sz) / (SPREAD_PAGES - 1) * p);

		if (a < off)
			a = off;
		ok &= cmp_range(c, m, a, min_u64(page_sz, off + len - a), true);
	}
	return ok;
}

static bool touch_range(const unsigned char *p, uint64_t len)
{
	struct mem_op o = { .p = p, .len = len, .stride = page_sz };

	return !guarded(op_touch, &o);
}

/* ------------------------------------------------------- the switch */

/* 1 = Y, 0 = N, -1 = absent/unreadable. */
static const char *switch_path = SWITCH_PATH;

static int switch_get(void)
{
	char buf[16];

	if (!read_text(switch_path, buf, sizeof(buf)))
		return -1;
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static bool switch_set(bool on)
{
	return write_text(switch_path, on ? "Y\n" : "N\n") && switch_get() == on;
}

static int switch_orig = -1;

static void switch_restore(void)
{
	if (switch_orig >= 0 && switch_get() != switch_orig)
		switch_set(switch_orig);
}

/* ------------------------------------------------------------- steps */

/* c + i: page-table cost of a touched whole-file mapping, and smaps. */
static void print_smaps(struct ctx *c, const struct map *m)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, cap = 0;
	bool found = false, in_vma = false, read_ok = true;
	int fd = open("/proc/self/smaps", O_RDONLY);

	if (fd < 0) {
		report(c, false, "open /proc/self/smaps: %s", errname(errno));
		return;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 65536) {
			char *nb = realloc(buf, cap + 262144);

			if (!nb) {
				read_ok = false;
				break;
			}
			buf = nb;
			cap += 262144;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag("read /proc/self/smaps: %s", errname(errno));
			read_ok = false;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start;
		char field[64], rest[128];

		if (strchr("0123456789abcdef", line[0]) && strchr(line, '-') &&
		    sscanf(line, "%llx-", &start) == 1) {
			in_vma = start == (uintptr_t)m->addr;
			found |= in_vma;
			continue;
		}
		if (!in_vma || sscanf(line, "%63s %127[^\n]", field, rest) != 2)
			continue;
		if (!strcmp(field, "Rss:") || !strcmp(field, "KernelPageSize:") ||
		    !strcmp(field, "MMUPageSize:") ||
		    !strcmp(field, "FilePmdMapped:") || !strcmp(field, "VmFlags:"))
			diag("smaps %s %s %s", c->state, field, rest);
	}
	free(buf);
	report(c, read_ok && found,
	       "/proc/self/smaps read completely (%zu bytes), mapping's vma %s",
	       len, found ? "found" : "missing");
}

static void step_pagetables(struct ctx *c)
{
	struct map m;
	long before, after, incr, pte_before, pte_after;
	size_t i;
	bool touched = true;

	if (c->is_proc_vmcore)	/* fold per-cpu vmstat deltas */
		write_text("/proc/sys/vm/stat_refresh", "1\n");
	before = proc_kb("/proc/meminfo", "PageTables");
	pte_before = proc_kb("/proc/self/status", "VmPTE");
	if (!map_file(c, &m, 0, c->lay.file_size, PROT_READ, MAP_SHARED)) {
		report(c, false, "page tables: mmap of the whole file");
		return;
	}
	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		uint64_t a = page_down(s->off);

		if (!touch_range(map_at(&m, a), seg_end(s) - a)) {
			diag("%s touching PT_LOAD %u at %p", strsignal(fault_sig),
			     s->phdr, fault_addr);
			touched = false;
		}
	}
	if (c->is_proc_vmcore)
		write_text("/proc/sys/vm/stat_refresh", "1\n");
	after = proc_kb("/proc/meminfo", "PageTables");
	pte_after = proc_kb("/proc/self/status", "VmPTE");
	incr = after - before;
	report(c, touched && before >= 0 && after >= 0,
	       "page tables: whole-file mapping, every PT_LOAD page read");
	diag("pagetables_detail %s before=%ld after=%ld increase=%ld",
	     c->state, before, after, incr);
	diag("pagetables %s %ld", c->state, incr);
	diag("vmpte %s %ld", c->state, pte_after - pte_before);
	c->pt_incr[c->huge] = incr;
	c->pte_incr[c->huge] = pte_after - pte_before;
	c->pt_have[c->huge] = true;
	if (!c->huge)
		report(c, incr > 0, "page tables grow with huge mappings off (+%ld kB)",
		       incr);
	print_smaps(c, &m);
	unmap(&m);
}

/* a: one mapping of the whole file compared with pread(). */
static void step_whole(struct ctx *c)
{
	struct map m;
	bool aligned;
	size_t i;

	if (!map_file(c, &m, 0, c->lay.file_size, PROT_READ, MAP_SHARED)) {
		report(c, false, "mmap(PROT_READ, MAP_SHARED) of the whole file");
		return;
	}
	c->whole = m.addr;
	report(c, true, "mmap(PROT_READ, MAP_SHARED) of the whole file (%llu bytes)",
	       (ull)c->lay.file_size);
	aligned = map_aligned(&m, "whole-file mapping");
	if (c->have_switch && c->huge)
		report(c, aligned, "whole-file mapping address congruent to its offset mod 2 MiB");
	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		static const struct {
			const char *what;
			uint64_t align;
		} kinds[] = {
			{ "first and last page", 0 },
			{ "64 evenly spread pages", 1 },
			{ "pages around 2 MiB physical boundaries", SZ_2M },
			{ "pages around 1 GiB physical boundaries", SZ_1G },
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct offs o = { 0 };
			size_t bad;

			if (kinds[k].align == 0)
				sample_first_last(s->off, s->len, &o);
			else if (kinds[k].align == 1)
				sample_spread(s->off, s->len, SPREAD_PAGES, &o);
			else
				sample_boundaries(s, kinds[k].align, &o);
			bad = cmp_pages(c, &m, &o, 0, c->lay.file_size);
			report(c, !bad,
			       "PT_LOAD %u (paddr %#llx, %llu KiB): %s match pread (%zu pages, %zu differ)",
			       s->phdr, (ull)s->paddr, (ull)(s->len / KIB),
			       kinds[k].what, o.n, bad);
			offs_free(&o);
		}
	}
}

/* a: padding between PT_LOADs reads as zeros. */
static void step_padding(struct ctx *c)
{
	struct map m = whole_map(c);
	const struct layout *lay = &c->lay;
	uint64_t first = lay->segs[0].off, end, total;
	size_t i, gaps;

	total = padding_total(lay, &gaps);
	diag("padding_total %llu %zu", (ull)total, gaps);
	diag("file_size %llu", (ull)lay->file_size);
	if (!c->whole) {
		report(c, false, "padding: no whole-file mapping");
		return;
	}
	if (lay->hdr_end < first)
		report(c, zero_window(c, &m, lay->hdr_end, first - lay->hdr_end),
		       "gap after headers/notes [%#llx, %#llx) reads as zeros via pread and mmap",
		       (ull)lay->hdr_end, (ull)first);
	for (i = 0; i + 1 < lay->nsegs; i++) {
		const struct seg *s = &lay->segs[i];

		end = seg_end(s);
		if (end == lay->segs[i + 1].off)
			continue;
		report(c, zero_window(c, &m, end, lay->segs[i + 1].off - end),
		       "padding after PT_LOAD %u [%#llx, +%llu KiB) reads as zeros via pread and mmap",
		       s->phdr, (ull)end,
		       (ull)((lay->segs[i + 1].off - end) / KIB));
	}
	if (!gaps)
		report(c, true, "padding: none, PT_LOADs are packed");
	end = seg_end(&lay->segs[lay->nsegs - 1]);
	if (end < lay->file_size)
		diag("%llu bytes after the last PT_LOAD",
		     (ull)(lay->file_size - end));
}

/* a: separate mappings at odd offsets. */
struct window {
	char name[96];
	uint64_t off, len;
	bool want_aligned;	/* address must be congruent to offset (Y) */
};

static void add_window(struct window *w, size_t *n, uint64_t off, uint64_t len,
		       bool aligned, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void add_window(struct window *w, size_t *n, uint64_t off, uint64_t len,
		       bool aligned, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w[*n].name, sizeof(w[*n].name), fmt, ap);
	va_end(ap);
	w[*n].off = off;
	w[*n].len = len;
	w[*n].want_aligned = aligned;
	(*n)++;
}

static size_t build_windows(struct ctx *c, struct window *w, size_t max)
{
	const struct layout *lay = &c->lay;
	const int64_t p = (int64_t)page_sz;
	uint64_t off, size = lay->file_size;
	size_t n = 0, i, pair = 0;
	static const struct {
		const char *name;
		uint64_t align;
		int64_t delta_pages;
		uint64_t len_mib, len_pages, len_bytes;
		bool aligned;
	} odd[] = {
		{ "start 3 pages past a 2 MiB boundary, 5 pages + 123 bytes",
		  SZ_2M, 3, 0, 5, 123, false },
		{ "start 3 pages before a 2 MiB boundary, 2 MiB + 7 pages",
		  SZ_2M, -3, 2, 7, 0, false },
		{ "exactly one 2 MiB-aligned 2 MiB block", SZ_2M, 0, 2, 0, 0, true },
		{ "start 5 pages before a 1 GiB boundary, 4 MiB + 3 pages",
		  SZ_1G, -5, 4, 3, 0, true },
		{ "exactly one 1 GiB-aligned 1 GiB block", SZ_1G, 0, 1024, 0, 0, true },
	};

	for (i = 0; i < ARRAY_SIZE(odd) && n < max; i++) {
		uint64_t len = odd[i].len_mib * MIB + odd[i].len_pages * page_sz +
			       odd[i].len_bytes;

		if (pick_window(lay, odd[i].align, odd[i].delta_pages * p, len, &off))
			add_window(w, &n, off, len, odd[i].aligned, "%s", odd[i].name);
		else
			diag("no PT_LOAD has room for a window \"%s\"", odd[i].name);
	}
	/* Across the first gap between PT_LOADs (or the first seam). */
	for (i = 0; i + 1 < lay->nsegs; i++)
		if (lay->segs[i + 1].off > seg_end(&lay->segs[i])) {
			pair = i;
			break;
		}
	if (lay->nsegs > 1 && n < max) {
		const struct seg *a = &lay->segs[pair], *b = &lay->segs[pair + 1];
		uint64_t start = page_down(seg_end(a) - min_u64(a->len, 2 * page_sz));
		uint64_t end = min_u64(round_up(b->off, page_sz) + 2 * page_sz,
				       seg_end(b));

		if (start < page_down(a->off))
			start = page_down(a->off);
		add_window(w, &n, start, end - start, false,
			   "across the gap between PT_LOAD %u and %u", a->phdr,
			   b->phdr);
	}
	if (n < max)
		add_window(w, &n, page_down(size - 1), size - page_down(size - 1),
			   false, "last page of the file");
	for (i = 0; i < lay->nsegs && n + 2 <= max; i++) {
		const struct seg *s = &lay->segs[i];
		uint64_t len = min_u64(s->len, 4 * MIB);

		if (len == s->len) {
			add_window(w, &n, s->off, len, false, "all of PT_LOAD %u",
				   s->phdr);
			continue;
		}
		add_window(w, &n, s->off, len, false, "first %llu KiB of PT_LOAD %u",
			   (ull)(len / KIB), s->phdr);
		add_window(w, &n, seg_end(s) - len, len, false,
			   "last %llu KiB of PT_LOAD %u", (ull)(len / KIB), s->phdr);
	}
	return n;
}

static void step_windows(struct ctx *c)
{
	size_t max = 16 + 2 * c->lay.nsegs, n, i;
	struct window *w = calloc(max, sizeof(*w));

	if (!w)
		return;
	n = build_windows(c, w, max);
	for (i = 0; i < n; i++) {
		struct map m;
		bool ok;

		if (!map_file(c, &m, w[i].off, w[i].len, PROT_READ, MAP_SHARED)) {
			report(c, false, "window %s: mmap", w[i].name);
			continue;
		}
		ok = cmp_window(c, &m, w[i].off, w[i].len);
		if (!map_aligned(&m, w[i].name) && w[i].want_aligned &&
		    c->have_switch && c->huge) {
			diag("window address not congruent to its offset mod 2 MiB");
			ok = false;
		}
		report(c, ok, "window %s [%#llx, +%#llx): separate mmap matches pread",
		       w[i].name, (ull)w[i].off, (ull)w[i].len);
		unmap(&m);
	}
	free(w);
}

/* b: hidden pfns read as zeros, their neighbours read the same both ways. */
static void check_neighbour(struct ctx *c, uint64_t phys, const char *what)
{
	struct map whole = whole_map(c);
	size_t i;
	bool seen = false;

	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		struct map m;
		uint64_t off;
		bool ok;

		if (phys < s->paddr || phys >= s->paddr + s->len)
			continue;
		seen = true;
		off = s->off + (phys - s->paddr);
		ok = cmp_range(c, &whole, off, min_u64(page_sz, seg_end(s) - off),
			       false);
		if (map_file(c, &m, off, page_sz, PROT_READ, MAP_SHARED)) {
			ok &= cmp_range(c, &m, off, page_sz, false);
			unmap(&m);
		} else {
			ok = false;
		}
		report(c, ok, "hide: %s pfn %#llx (PT_LOAD %u) reads the same via pread and mmap",
		       what, (ull)(phys / page_sz), s->phdr);
	}
	if (!seen)
		diag("hide: %s pfn %#llx is in no PT_LOAD", what,
		     (ull)(phys / page_sz));
}

static void step_hide(struct ctx *c)
{
	uint64_t lo = c->hide_pfn * page_sz, hi = lo + c->hide_count * page_sz;
	struct map whole = whole_map(c);
	bool seen = false;
	size_t i;

	if (!c->hide)
		return;
	if (!c->whole) {
		report(c, false, "hide: no whole-file mapping");
		return;
	}
	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		uint64_t a = lo > s->paddr ? lo : s->paddr;
		uint64_t b = min_u64(hi, s->paddr + s->len);
		uint64_t off, len;
		struct map m;
		bool ok;

		if (a >= b)
			continue;
		seen = true;
		off = s->off + (a - s->paddr);
		len = b - a;
		ok = zero_window(c, &whole, off, len);
		report(c, ok,
		       "hide: pfns [%#llx, %#llx) in PT_LOAD %u read as zeros via pread and whole-file map",
		       (ull)(a / page_sz), (ull)(b / page_sz), s->phdr);
		if (map_file(c, &m, off, len, PROT_READ, MAP_SHARED)) {
			ok = zero_window(c, &m, off, len);
			unmap(&m);
		} else {
			ok = false;
		}
		report(c, ok, "hide: the same pfns read as zeros via a separate mapping");
	}
	if (!seen)
		report(c, false, "hide: pfns [%#llx, %#llx) are in no PT_LOAD",
		       (ull)c->hide_pfn, (ull)(c->hide_pfn + c->hide_count));
	if (lo >= page_sz)
		check_neighbour(c, lo - page_sz, "page before the range,");
	check_neighbour(c, hi, "page after the range,");
}

/* d: a forked child reads the parent's mapping. */
static void fork_sample(const struct layout *lay, struct offs *o)
{
	size_t i;

	for (i = 0; i < lay->nsegs; i++) {
		sample_first_last(lay->segs[i].off, lay->segs[i].len, o);
		sample_spread(lay->segs[i].off, lay->segs[i].len, SPREAD_PAGES, o);
		sample_boundaries(&lay->segs[i], SZ_2M, o);
	}
}

static void step_fork(struct ctx *c)
{
	struct offs o = { 0 };
	uint64_t mine = 0xcbf29ce484222325ULL, theirs = 0;
	int pfd[2], status;
	bool ok = true;
	pid_t pid;
	size_t i;

	if (!c->whole || pipe(pfd)) {
		report(c, false, "fork: no mapping or no pipe");
		return;
	}
	fork_sample(&c->lay, &o);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct mem_op op = { .sum = 0xcbf29ce484222325ULL };

		close(pfd[0]);
		for (i = 0; i < o.n; i++) {
			op.p = c->whole + o.v[i];
			op.len = (size_t)min_u64(page_sz, c->lay.file_size - o.v[i]);
			if (guarded(op_fnv, &op))
				_exit(3);
		}
		_exit(write_full(pfd[1], &op.sum, sizeof(op.sum)) ? 0 : 4);
	}
	close(pfd[1]);
	for (i = 0; i < o.n && ok; i++) {
		size_t n = (size_t)min_u64(page_sz, c->lay.file_size - o.v[i]);

		ok = pread_full(c->fd, ref_buf, n, o.v[i]);
		mine = fnv(mine, ref_buf, n);
	}
	if (pid < 0 || read(pfd[0], &theirs, sizeof(theirs)) != sizeof(theirs))
		ok = false;
	close(pfd[0]);
	if (pid > 0 && waitpid(pid, &status, 0) == pid &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		diag("child status %#x", status);
		ok = false;
	}
	diag("fork: %zu pages, parent (pread) %#llx child (mmap) %#llx", o.n,
	     (ull)mine, (ull)theirs);
	report(c, ok && mine == theirs,
	       "fork: child's checksum through the inherited mapping equals pread's");
	offs_free(&o);
}

/* e: unmap one page in the middle of a 2 MiB-aligned region. */
static void step_munmap(struct ctx *c)
{
	uint64_t off, len, hole;
	struct map m;
	int sig;
	bool ok;

	pick_aligned(&c->lay, SZ_2M, &off, &len);
	if (len < 4 * page_sz ||
	    !map_file(c, &m, off, len, PROT_READ, MAP_SHARED)) {
		report(c, false, "partial munmap: no mapping");
		return;
	}
	touch_range(m.addr, m.len);
	hole = off + page_down(len / 2);
	if (munmap((void *)map_at(&m, hole), page_sz)) {
		report(c, false, "partial munmap of page %#llx: %s", (ull)hole,
		       errname(errno));
		unmap(&m);
		return;
	}
	sig = probe(map_at(&m, hole), false);
	ok = cmp_range(c, &m, hole - page_sz, page_sz, false) &&
	     cmp_range(c, &m, hole + page_sz, page_sz, false) &&
	     cmp_range(c, &m, off, page_sz, false) &&
	     cmp_range(c, &m, off + len - page_sz, page_sz, false);
	report(c, ok, "partial munmap at file offset %#llx: neighbour pages still match pread",
	       (ull)hole);
	report(c, sig == SIGSEGV, "partial munmap: the unmapped page faults (%s)",
	       sig ? strsignal(sig) : "no fault");
	unmap(&m);
}

/* f: mprotect and write protection. */
static void step_mprotect(struct ctx *c)
{
	uint64_t off, len, sub, sublen;
	struct map m, m2;
	char got[64];
	int sig, r;

	pick_aligned(&c->lay, 4 * MIB, &off, &len);
	if (len < 8 * page_sz ||
	    !map_file(c, &m, off, len, PROT_READ, MAP_SHARED)) {
		report(c, false, "mprotect: no mapping");
		return;
	}
	touch_range(m.addr, m.len);
	sub = off + page_down(len / 4);
	sublen = min_u64(16 * page_sz, len / 4);
	r = mprotect((void *)map_at(&m, sub), sublen, PROT_NONE);
	snprintf(got, sizeof(got), "%s", r ? errname(errno) : "0");
	sig = probe(map_at(&m, sub + sublen / 2), false);
	report(c, r == 0 && sig == SIGSEGV,
	       "mprotect(PROT_NONE) on a sub-range (%s): reads there fault (%s)",
	       got, sig ? strsignal(sig) : "no fault");
	r = mprotect((void *)map_at(&m, sub), sublen, PROT_READ);
	report(c, r == 0 && cmp_range(c, &m, off, len, false),
	       "mprotect back to PROT_READ: the whole window matches pread");
	r = mprotect(m.addr, m.len, PROT_READ | PROT_WRITE);
	report(c, r && errno == EACCES, "mprotect(PROT_READ|PROT_WRITE) fails with EACCES (%s)",
	       r ? errname(errno) : "succeeded");
	if (!r)
		mprotect(m.addr, m.len, PROT_READ);
	sig = probe(map_at(&m, off + len / 2), true);
	report(c, sig == SIGSEGV, "a write into the mapping raises SIGSEGV (%s)",
	       sig ? strsignal(sig) : "no fault");
	report(c, cmp_range(c, &m, off, len, false),
	       "the window still matches pread after the refused writes");
	unmap(&m);

	r = map_file(c, &m2, off, page_sz, PROT_READ | PROT_WRITE, MAP_SHARED);
	report(c, !r && (errno == EPERM || errno == EACCES),
	       "mmap(PROT_READ|PROT_WRITE, MAP_SHARED) fails with EPERM/EACCES (%s)",
	       r ? "succeeded" : errname(errno));
	unmap(&m2);
	r = map_file(c, &m2, off, page_sz, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	snprintf(got, sizeof(got), "%s", r ? "succeeded" : errname(errno));
	report_vmcore_only(c, !r && (errno == EPERM || errno == EACCES),
			   "mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE) fails", got);
	unmap(&m2);
	r = map_file(c, &m2, off, page_sz, PROT_READ | PROT_EXEC, MAP_SHARED);
	snprintf(got, sizeof(got), "%s", r ? "succeeded" : errname(errno));
	report_vmcore_only(c, !r && (errno == EPERM || errno == EACCES),
			   "mmap(PROT_READ|PROT_EXEC) fails", got);
	unmap(&m2);
}

/* g: mremap moves, no growing. */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static bool move_part(struct ctx *c, unsigned char **part, uint64_t part_off,
		      uint64_t part_len, void *resv, uint64_t skew,
		      const char *what)
{
	uintptr_t dst = (uintptr_t)round_up((uintptr_t)resv, SZ_2M) +
			((uintptr_t)*part + skew) % SZ_2M;
	struct map moved = { .off = part_off, .len = part_len };
	void *r = mremap(*part, part_len, part_len, MREMAP_MAYMOVE | MREMAP_FIXED,
			 (void *)dst);
	unsigned char *old = *part;
	int sig;

	if (r == MAP_FAILED) {
		report(c, false, "mremap %s: %s", what, errname(errno));
		return false;
	}
	*part = r;
	moved.addr = r;
	sig = probe(old, false);
	report(c, cmp_range(c, &moved, part_off, part_len, false) && sig == SIGSEGV,
	       "mremap(MREMAP_MAYMOVE) of %llu KiB %s: reads match pread, old place faults (%s)",
	       (ull)(part_len / KIB), what, sig ? strsignal(sig) : "no fault");
	return true;
}

static void step_mremap(struct ctx *c)
{
	uint64_t off, len, part_off, part_len;
	size_t rlen;
	unsigned char *part;
	void *resv1, *resv2, *g;
	struct map m;
	char got[64];
	bool ok;

	pick_aligned(&c->lay, 8 * MIB, &off, &len);
	part_len = min_u64(4 * MIB, page_down(len / 2));
	if (part_len < page_sz ||
	    !map_file(c, &m, off, len, PROT_READ, MAP_SHARED)) {
		report(c, false, "mremap: no mapping");
		return;
	}
	rlen = (size_t)(part_len + 2 * SZ_2M);
	resv1 = reserve(rlen);
	resv2 = reserve(rlen);
	if (!resv1 || !resv2) {
		report(c, false, "mremap: cannot reserve address space");
		goto out;
	}
	touch_range(m.addr, m.len);
	part_off = off + round_up((len - part_len) / 2, page_sz);
	part = (unsigned char *)map_at(&m, part_off);
	if (!move_part(c, &part, part_off, part_len, resv1, 0,
		       "to an address congruent modulo 2 MiB"))
		goto out;
	ok = cmp_range(c, &m, off, part_off - off, false) &&
	     cmp_range(c, &m, part_off + part_len,
		       off + len - part_off - part_len, false);
	report(c, ok, "mremap: the rest of the original mapping still matches pread");
	if (!move_part(c, &part, part_off, part_len, resv2, page_sz,
		       "again, to an address one page off modulo 2 MiB"))
		goto out;
	g = mremap(part, part_len, 2 * part_len, MREMAP_MAYMOVE);
	snprintf(got, sizeof(got), "%s", g == MAP_FAILED ? errname(errno) : "succeeded");
	report_vmcore_only(c, g == MAP_FAILED, "mremap growing the moved part fails",
			   got);
	if (g != MAP_FAILED)
		munmap(g, 2 * part_len);
out:
	if (resv1)
		munmap(resv1, rlen);
	if (resv2)
		munmap(resv2, rlen);
	unmap(&m);
}

/* h: madvise, every advice either works or fails cleanly. */
static void step_madvise(struct ctx *c)
{
	static const struct {
		const char *name;
		int advice;
	} adv[] = {
		{ "MADV_DONTNEED", MADV_DONTNEED },
		{ "MADV_HUGEPAGE", MADV_HUGEPAGE },
		{ "MADV_NOHUGEPAGE", MADV_NOHUGEPAGE },
		{ "MADV_WILLNEED", MADV_WILLNEED },
		{ "MADV_COLD", MADV_COLD },
		{ "MADV_PAGEOUT", MADV_PAGEOUT },
		{ "MADV_POPULATE_READ", MADV_POPULATE_READ },
	};
	uint64_t off, len;
	struct map m;
	size_t i;

	pick_aligned(&c->lay, 8 * MIB, &off, &len);
	if (!map_file(c, &m, off, len, PROT_READ, MAP_SHARED)) {
		report(c, false, "madvise: no mapping");
		return;
	}
	touch_range(m.addr, m.len);
	for (i = 0; i < ARRAY_SIZE(adv); i++) {
		int r = madvise(m.addr, m.len, adv[i].advice);
		int e = r ? errno : 0;

		diag("madvise %s %s", adv[i].name, errname(e));
		report(c, cmp_range(c, &m, off, len, false),
		       "madvise(%s) -> %s; %llu KiB still match pread", adv[i].name,
		       r ? errname(e) : "0", (ull)(len / KIB));
	}
	unmap(&m);
}

/* j: write(2), O_DIRECT write(2) and vmsplice(2) from the mapping. */
static bool file_matches(struct ctx *c, const char *path, uint64_t off,
			 uint64_t len)
{
	static unsigned char got[CHUNK];
	int fd = open(path, O_RDONLY);
	uint64_t done = 0;
	bool ok = fd >= 0;

	while (ok && done < len) {
		size_t n = (size_t)min_u64(len - done, CHUNK);

		ok = pread_full(fd, got, n, done) &&
		     pread_full(c->fd, ref_buf, n, off + done) &&
		     !memcmp(got, ref_buf, n);
		if (!ok && want_diag(c))
			diag("%s differs from the vmcore in [%#llx, +%#zx)", path,
			     (ull)done, n);
		done += n;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void write_span(struct ctx *c, uint64_t *off, uint64_t *len)
{
	const int64_t back = (int64_t)(MIB + 3 * page_sz);
	const struct seg *s = c->lay.by_size[0];

	*len = 8 * MIB;
	if (pick_window(&c->lay, SZ_2M, -back, *len, off))
		return;
	*off = round_up(s->off, page_sz);
	*len = min_u64(*len, page_down(seg_end(s)) - *off);
}

static void check_plain_write(struct ctx *c, uint64_t off, uint64_t len)
{
	char path[PATH_MAX];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "%s/vmcore-mmap-test.write", c->outdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok = fd >= 0 && write_full(fd, c->whole + off, len);
	if (!ok)
		diag("write %s: %s", path, errname(errno));
	if (fd >= 0 && close(fd))
		ok = false;
	report(c, ok && file_matches(c, path, off, len),
	       "write(2) of %llu KiB from the mapping (file offset %#llx) to a file equals pread",
	       (ull)(len / KIB), (ull)off);
	unlink(path);
}

static void check_direct_write(struct ctx *c, uint64_t off, uint64_t len)
{
	char path[PATH_MAX];
	uint64_t done = 0;
	int fd, e = 0;
	bool ok;

	snprintf(path, sizeof(path), "%s/vmcore-mmap-test.direct", c->outdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
	if (fd < 0) {
		report(c, errno == EINVAL,
		       "O_DIRECT write: output directory refuses O_DIRECT (%s)",
		       errname(errno));
		return;
	}
	while (done < len) {
		ssize_t n = write(fd, c->whole + off + done, (size_t)(len - done));

		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			break;
		}
		done += (uint64_t)n;
	}
	close(fd);
	diag("O_DIRECT write: %llu of %llu bytes, %s", (ull)done, (ull)len,
	     errname(e));
	ok = (!e || e == EFAULT || e == EINVAL) && file_matches(c, path, off, done);
	report(c, ok, "O_DIRECT write(2) from the mapping: %s, %llu bytes written match pread",
	       e ? errname(e) : "succeeded", (ull)done);
	unlink(path);
}

/* Read len bytes from a pipe and compare them with the vmcore at off. */
static bool pipe_matches(struct ctx *c, int fd, uint64_t off, uint64_t len)
{
	static unsigned char pbuf[CHUNK];
	uint64_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, pbuf, (size_t)min_u64(len - got, CHUNK));

		if (r <= 0 || !pread_full(c->fd, ref_buf, (size_t)r, off + got))
			return false;
		if (memcmp(pbuf, ref_buf, (size_t)r)) {
			if (want_diag(c))
				diag("vmsplice: pipe data differs in [%#llx, +%#zx)",
				     (ull)(off + got), (size_t)r);
			return false;
		}
		got += (uint64_t)r;
	}
	return true;
}

static void check_vmsplice(struct ctx *c, uint64_t off, uint64_t len)
{
	uint64_t done = 0;
	int pfd[2], cap, e = 0;
	bool ok = true;

	if (pipe2(pfd, O_NONBLOCK)) {
		report(c, false, "vmsplice: pipe: %s", errname(errno));
		return;
	}
	fcntl(pfd[1], F_SETPIPE_SZ, (int)MIB);
	cap = fcntl(pfd[1], F_GETPIPE_SZ);
	if (cap <= 0)
		cap = 65536;
	while (ok && done < len) {
		struct iovec iov = {
			.iov_base = c->whole + off + done,
			.iov_len = (size_t)min_u64(len - done, (uint64_t)cap),
		};
		ssize_t n = vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK);

		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			break;
		}
		ok = pipe_matches(c, pfd[0], off + done, (uint64_t)n);
		done += (uint64_t)n;
	}
	close(pfd[0]);
	close(pfd[1]);
	diag("vmsplice: %llu of %llu bytes through the pipe, %s", (ull)done,
	     (ull)len, errname(e));
	report(c, ok, "vmsplice(2) from the mapping: %s, data read from the pipe matches pread",
	       e ? errname(e) : "succeeded");
}

static void step_write(struct ctx *c)
{
	uint64_t off, len;

	if (!c->whole) {
		report(c, false, "write: no whole-file mapping");
		return;
	}
	write_span(c, &off, &len);
	check_plain_write(c, off, len);
	check_direct_write(c, off, len);
	check_vmsplice(c, off, min_u64(len, 4 * MIB));
}

/* k: core dump of a process with the vmcore mapped. */
static void coredump_child(struct ctx *c)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned char *p;
	size_t i;

	if (setrlimit(RLIMIT_CORE, &rl) && !getrlimit(RLIMIT_CORE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_CORE, &rl);
	}
	p = mmap(NULL, c->lay.file_size, PROT_READ, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED)
		_exit(5);
	for (i = 0; i < c->lay.nsegs; i++)
		(void)*(volatile unsigned char *)(p + c->lay.segs[i].off);
	abort();
}

static void step_coredump(struct ctx *c)
{
	char old[256], pattern[PATH_MAX], core[PATH_MAX];
	struct stat st;
	int status = 0;
	pid_t pid;
	bool ok;

	if (!c->is_proc_vmcore) {
		report(c, true, "core dump with the vmcore mapped %s",
		       "# SKIP file-specific: only on /proc/vmcore");
		return;
	}
	if (!read_text(CORE_PATTERN, old, sizeof(old))) {
		report(c, false, "core dump: cannot read %s", CORE_PATTERN);
		return;
	}
	if ((size_t)snprintf(pattern, sizeof(pattern), "%s/core.%%p", c->outdir) >= 128 ||
	    !write_text(CORE_PATTERN, pattern)) {
		report(c, false, "core dump: cannot set core_pattern to %s", pattern);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		coredump_child(c);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (!write_text(CORE_PATTERN, old[0] ? old : "core"))
		report(c, false, "core dump: cannot restore core_pattern \"%s\"", old);
	snprintf(core, sizeof(core), "%s/core.%d", c->outdir, (int)pid);
	ok = pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
	     WCOREDUMP(status);
	diag("coredump child status %#x (%s%s)", status,
	     WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited",
	     WIFSIGNALED(status) && WCOREDUMP(status) ? ", core dumped" : "");
	if (stat(core, &st) == 0) {
		diag("coredump %s %llu", c->state, (ull)st.st_size);
		unlink(core);
	} else {
		diag("no %s: %s", core, errname(errno));
		ok = false;
	}
	report(c, ok, "core dump: child with the whole vmcore mapped %s",
	       "killed by SIGABRT, core file written");
}

/* ------------------------------------------------------------ driver */

static const struct step {
	const char *id;		/* letter of the test plan */
	void (*fn)(struct ctx *c);
} steps[] = {
	{ "c,i", step_pagetables },	/* before any other mapping exists */
	{ "a", step_whole },		/* creates c->whole */
	{ "a", step_padding },
	{ "a", step_windows },
	{ "b", step_hide },
	{ "d", step_fork },
	{ "j", step_write },
	{ "e", step_munmap },
	{ "f", step_mprotect },
	{ "g", step_mremap },
	{ "h", step_madvise },
	{ "k", step_coredump },
};

static void run_state(struct ctx *c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		steps[i].fn(c);
	if (c->whole)
		munmap(c->whole, c->lay.file_size);
	c->whole = NULL;
}

static void print_layout(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];

		diag("PT_LOAD %u off %#llx paddr %#llx size %#llx: %s %#llx mod 1G %#llx",
		     s->phdr, (ull)s->off, (ull)s->paddr, (ull)s->len,
		     "off-paddr mod 2M", (ull)((s->off - s->paddr) % SZ_2M),
		     (ull)((s->off - s->paddr) % SZ_1G));
	}
}

/* PT_LOADs that hold an aligned page of size align are congruent mod align. */
static void check_congruence(struct ctx *c, uint64_t align, const char *name)
{
	size_t i, bad = 0, n = 0;

	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];

		if (round_up(s->paddr, align) + align > s->paddr + s->len)
			continue;
		n++;
		if ((s->off - s->paddr) % align) {
			diag("PT_LOAD %u: p_offset %#llx not congruent to p_paddr %#llx mod %s",
			     s->phdr, (ull)s->off, (ull)s->paddr, name);
			bad++;
		}
	}
	report(c, !bad, "p_offset congruent to p_paddr mod %s %s (%zu PT_LOADs)",
	       name, "where a PT_LOAD holds an aligned page of that size", n);
}

/* 1 GiB (PUD) mappings of /proc/vmcore exist from Linux 6.12 on. */
static bool kernel_has_pud_vmcore(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	diag("running kernel %s", u.release);
	return major > 6 || (major == 6 && minor >= 12);
}

static int cmd_check(struct ctx *c)
{
	static const bool states[] = { true, false };
	size_t i, nstates;

	if (c->have_switch) {
		diag("%s present, original %c", switch_path, switch_orig ? 'Y' : 'N');
		check_congruence(c, SZ_2M, "2 MiB");
		if (kernel_has_pud_vmcore())
			check_congruence(c, SZ_1G, "1 GiB");
	} else {
		diag("%s absent: checking the current behaviour only", switch_path);
	}
	if (!c->is_proc_vmcore)
		diag("%s is not %s: file-specific checks are skipped: %s, %s",
		     c->path, PROC_VMCORE, "core dump, mremap growing refused",
		     "mmap PROT_EXEC and MAP_PRIVATE+PROT_WRITE refused");
	nstates = c->have_switch ? 2 : 1;
	for (i = 0; i < nstates; i++) {
		if (c->have_switch) {
			bool ok = switch_set(states[i]);

			report(c, ok, "set huge_mappings=%c", states[i] ? 'Y' : 'N');
			if (!ok)
				continue;
			c->huge = states[i];
			c->state = states[i] ? "Y" : "N";
		} else {
			c->huge = false;
			c->state = "absent";
		}
		run_state(c);
		c->state = NULL;
	}
	if (c->pt_have[0] && c->pt_have[1] && c->have_switch) {
		diag("pagetables_ratio %.4f",
		     (double)c->pt_incr[1] / (double)c->pt_incr[0]);
		diag("vmpte_ratio %.4f",
		     (double)c->pte_incr[1] / (double)c->pte_incr[0]);
	} else {
		diag("pagetables: single state, no ratio");
	}
	if (c->have_switch) {
		switch_restore();
		report(c, switch_get() == switch_orig, "huge_mappings restored to %c",
		       switch_orig ? 'Y' : 'N');
	}
	diag("%d checks, %d failed", c->checks, c->failed);
	return c->failed ? 1 : 0;
}

/* -------------------------------------------------------------- bench */

struct bench_res {
	double secs;
	uint64_t bytes;
};

static void bench_print(const char *name, struct bench_res r)
{
	printf("bench %s %.6f %.1f\n", name, r.secs,
	       r.secs > 0 ? (double)r.bytes / r.secs / 1e6 : 0.0);
	fflush(stdout);
}

static bool bench_fault(int sig)
{
	if (sig)
		diag("bench: %s at %p", strsignal(sig), fault_addr);
	return !sig;
}

/* mmap the whole file, read one word per page of every PT_LOAD, munmap. */
static bool bench_touch(struct ctx *c, struct bench_res *r)
{
	double t0 = now();
	struct map m;
	size_t i;

	r->bytes = 0;
	if (!map_file(c, &m, 0, c->lay.file_size, PROT_READ, MAP_SHARED))
		return false;
	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		uint64_t a = round_up(s->off, page_sz);
		struct mem_op o = { .p = map_at(&m, a), .len = seg_end(s) - a,
				    .stride = page_sz };

		if (!bench_fault(guarded(op_touch_word, &o)))
			return false;
		r->bytes += s->len;
	}
	unmap(&m);
	r->secs = now() - t0;
	return true;
}

/* mmap one region of up to 256 MiB, sum every byte, munmap. */
static bool bench_sum(struct ctx *c, struct bench_res *r)
{
	uint64_t off, len;
	double t0 = now();
	struct mem_op o = { 0 };
	struct map m;

	pick_aligned(&c->lay, 256 * MIB, &off, &len);
	if (!map_file(c, &m, off, len, PROT_READ, MAP_SHARED))
		return false;
	o.p = m.addr;
	o.len = len;
	if (!bench_fault(guarded(op_sum_all, &o)))
		return false;
	unmap(&m);
	r->secs = now() - t0;
	r->bytes = len;
	diag("bench sum of [%#llx, +%llu MiB) = %#llx", (ull)off,
	     (ull)(len / MIB), (ull)o.sum);
	return true;
}

/* makedumpfile style: 4 MiB windows, each mapped, touched, unmapped. */
static bool bench_windows(struct ctx *c, struct bench_res *r)
{
	double t0 = now();
	size_t i;

	r->bytes = 0;
	for (i = 0; i < c->lay.nsegs; i++) {
		const struct seg *s = &c->lay.segs[i];
		uint64_t a;

		for (a = page_down(s->off); a < seg_end(s); a += 4 * MIB) {
			struct map m;
			struct mem_op o = { .stride = page_sz };

			if (!map_file(c, &m, a, min_u64(4 * MIB, seg_end(s) - a),
				      PROT_READ, MAP_SHARED))
				return false;
			o.p = m.addr;
			o.len = m.len;
			if (!bench_fault(guarded(op_touch_word, &o)))
				return false;
			unmap(&m);
		}
		r->bytes += s->len;
	}
	r->secs = now() - t0;
	return true;
}

static bool bench_pair(struct ctx *c, const char *label, struct bench_res *touch)
{
	struct bench_res sum;
	char name[64];

	if (!bench_touch(c, touch))
		return false;
	snprintf(name, sizeof(name), "%s_touch", label);
	bench_print(name, *touch);
	if (!bench_sum(c, &sum))
		return false;
	snprintf(name, sizeof(name), "%s_sum256", label);
	bench_print(name, sum);
	return true;
}

static int cmd_bench(struct ctx *c)
{
	struct bench_res a, b, w, wn;
	bool ok;

	if (!c->is_proc_vmcore) {
		struct bench_res warm;

		diag("bench: regular file, one untimed warm-up pass");
		bench_touch(c, &warm);
	}
	if (!c->have_switch) {
		diag("bench: %s absent: running only (b) as the current behaviour and (c)",
		     switch_path);
		ok = bench_pair(c, "current", &b) && bench_windows(c, &w);
		if (ok) {
			bench_print("window4m_touch", w);
			printf("bench ratio c/b %.4f\n", w.secs / b.secs);
		}
		return ok ? 0 : 1;
	}
	/*
	 * Windows twice: with the switch on, and off as on a stock kernel,
	 * where makedumpfile's windows are 4 KiB PTEs mapped at mmap() time.
	 */
	ok = switch_set(true) && bench_pair(c, "huge", &a) &&
	     switch_set(false) && bench_pair(c, "nohuge", &b) &&
	     bench_windows(c, &wn) &&
	     switch_set(true) && bench_windows(c, &w);
	if (ok) {
		bench_print("window4m_nohuge_touch", wn);
		bench_print("window4m_touch", w);
		printf("bench ratio c/a %.4f\n", w.secs / a.secs);
		printf("bench ratio c_nohuge/a %.4f\n", wn.secs / a.secs);
		printf("bench ratio b/a %.4f\n", b.secs / a.secs);
	} else {
		diag("bench: failed");
	}
	switch_restore();
	return ok ? 0 : 1;
}

/* --------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr,
		"usage: vmcore-mmap-test check [--hide START_PFN COUNT] [--vmcore PATH] [--out DIR] [DIR]\n"
		"       vmcore-mmap-test bench [--vmcore PATH]\n");
	return 2;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end;
}

int main(int argc, char **argv)
{
	static struct ctx c = { .path = PROC_VMCORE, .fd = -1 };
	static char outdir[PATH_MAX];
	const char *out = getenv("OUT");
	char err[256], real[PATH_MAX];
	struct stat st;
	bool check;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || (strcmp(argv[1], "check") && strcmp(argv[1], "bench")))
		return usage();
	check = !strcmp(argv[1], "check");
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--vmcore") && i + 1 < argc) {
			c.path = argv[++i];
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (check && !strcmp(argv[i], "--hide") && i + 2 < argc) {
			c.hide = true;
			if (!parse_u64(argv[i + 1], &c.hide_pfn) ||
			    !parse_u64(argv[i + 2], &c.hide_count) || !c.hide_count)
				return usage();
			i += 2;
		} else if (argv[i][0] != '-') {
			out = argv[i];
		} else {
			return usage();
		}
	}
	page_sz = (uint64_t)sysconf(_SC_PAGESIZE);
	install_fault_handler();
	if (!out || !*out)
		out = "/tmp";
	mkdir(out, 0755);
	if (!realpath(out, outdir)) {
		fprintf(stderr, "vmcore-mmap-test: output directory %s: %s\n", out,
			strerror(errno));
		return 2;
	}
	c.outdir = outdir;
	c.is_proc_vmcore = realpath(c.path, real) && !strcmp(real, PROC_VMCORE);
	c.fd = open(c.path, O_RDONLY);
	if (c.fd < 0 || fstat(c.fd, &st)) {
		printf("not ok - open %s: %s\n", c.path, strerror(errno));
		return 1;
	}
	if (!parse_layout(c.fd, (uint64_t)st.st_size, &c.lay, err, sizeof(err))) {
		printf("not ok - parse the ELF header and program headers of %s: %s\n",
		       c.path, err);
		return 1;
	}
	if (getenv("VMCORE_MMAP_TEST_SWITCH"))	/* test hook */
		switch_path = getenv("VMCORE_MMAP_TEST_SWITCH");
	switch_orig = switch_get();
	c.have_switch = switch_orig >= 0;
	atexit(switch_restore);
	if (check) {
		report(&c, true, "%s: ELF64 core, %zu PT_LOADs with data, headers end at %#llx",
		       c.path, c.lay.nsegs, (ull)c.lay.hdr_end);
		print_layout(&c);
		return cmd_check(&c);
	}
	return cmd_bench(&c);
}
