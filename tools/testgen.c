// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic vmcore generator: see testgen.h.  Built as build/unit/vmcore-gen
 * ("vmcore-gen DESCRIPTION OUTPUT"); tests link it with -DTESTGEN_NO_MAIN to
 * compute the expected page contents.
 */
#define _POSIX_C_SOURCE 200809L
#include "testgen.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "byteorder.h"

/* Where kexec maps RAM and where it says the kernel text is. */
#define DIRECT_MAP_BASE		UINT64_C(0xffff888000000000)
#define CHUNK			(1u << 20)

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: cheap, and every input bit matters. */
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* A 64-byte chunk, repeated through the page: compresses well. Never 0. */
static uint64_t pattern_word(uint64_t seed, uint64_t a)
{
	uint64_t pfn = a / TESTGEN_PAGE_SIZE;

	return mix((pfn << 3 | ((a >> 3) & 7)) ^ mix(seed)) | 1;
}

/* The 8-byte word at a (a multiple of 8) of memory of the given kind. */
static uint64_t kind_word(enum testgen_kind kind, uint64_t seed, uint64_t a)
{
	uint64_t pfn = a / TESTGEN_PAGE_SIZE;

	switch (kind) {
	case TESTGEN_PATTERN:
		return pattern_word(seed, a);
	case TESTGEN_RANDOM:
		return mix(a ^ mix(seed + 1));
	case TESTGEN_MIXED:
		switch (mix(pfn ^ mix(seed + 2)) % 8) {
		case 0: case 1: case 2:
			return 0;
		case 3: case 4: case 5:
			return pattern_word(seed, a);
		case 6:
			return mix(a ^ mix(seed + 1));
		default:
			return a % TESTGEN_PAGE_SIZE < TESTGEN_PAGE_SIZE / 2 ?
				       pattern_word(seed, a) : 0;
		}
	default:
		return 0;
	}
}

static void fill_kind(const struct testgen_load *l, uint64_t a,
		      unsigned char *dst, size_t n)
{
	uint64_t word = 0, word_addr = UINT64_MAX;

	for (size_t i = 0; i < n; i++, a++) {
		if ((a & ~UINT64_C(7)) != word_addr) {
			word_addr = a & ~UINT64_C(7);
			word = kind_word(l->kind, l->seed, word_addr);
		}
		dst[i] = (unsigned char)(word >> (8 * (a & 7)));
	}
}

void testgen_fill(const struct testgen *gen, uint64_t paddr, void *buf,
		  size_t len)
{
	unsigned char *p = buf;

	memset(buf, 0, len);
	/* Loads do not overlap (testgen_parse() checks). */
	for (size_t i = 0; i < gen->nr_loads; i++) {
		const struct testgen_load *l = &gen->loads[i];
		uint64_t from = l->paddr > paddr ? l->paddr : paddr;
		uint64_t to = l->paddr + l->filesz;

		if (to > paddr + len)
			to = paddr + len;
		if (from < to)
			fill_kind(l, from, p + (from - paddr), to - from);
	}
}

bool testgen_is_ram(const struct testgen *gen, uint64_t pfn)
{
	uint64_t start = pfn * TESTGEN_PAGE_SIZE;

	for (size_t i = 0; i < gen->nr_loads; i++) {
		const struct testgen_load *l = &gen->loads[i];

		if (l->paddr < start + TESTGEN_PAGE_SIZE &&
		    start < l->paddr + l->size)
			return true;
	}
	return false;
}

uint64_t testgen_max_pfn(const struct testgen *gen)
{
	uint64_t end = 0;

	for (size_t i = 0; i < gen->nr_loads; i++) {
		const struct testgen_load *l = &gen->loads[i];

		if (l->paddr + l->size > end)
			end = l->paddr + l->size;
	}
	return (end + TESTGEN_PAGE_SIZE - 1) / TESTGEN_PAGE_SIZE;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 0);
	return !errno && !*end;
}

static bool parse_kind(const char *s, enum testgen_kind *ret)
{
	static const char *const names[] = {
		[TESTGEN_ZERO] = "zero", [TESTGEN_PATTERN] = "pattern",
		[TESTGEN_RANDOM] = "random", [TESTGEN_MIXED] = "mixed",
	};

	for (unsigned i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum testgen_kind)i;
			return true;
		}
	}
	return false;
}

static struct vmcf_error *parse_load(struct testgen *g, char **arg, int n)
{
	struct testgen_load l = { 0 };
	int i;

	if (g->nr_loads == TESTGEN_MAX_LOADS)
		return vmcf_error_create(EINVAL, "more than %d loads",
					 TESTGEN_MAX_LOADS);
	if (n < 3 || !parse_u64(arg[0], &l.paddr) ||
	    !parse_u64(arg[1], &l.size) || !l.size ||
	    !parse_kind(arg[2], &l.kind))
		return vmcf_error_create(EINVAL,
					 "expected: load PADDR SIZE zero|pattern|random|mixed [SEED] [filesz=N]");
	l.filesz = l.size;
	for (i = 3; i < n; i++) {
		if (strncmp(arg[i], "filesz=", 7) == 0) {
			if (!parse_u64(arg[i] + 7, &l.filesz) ||
			    l.filesz > l.size)
				return vmcf_error_create(EINVAL,
							 "bad %s", arg[i]);
		} else if (!parse_u64(arg[i], &l.seed)) {
			return vmcf_error_create(EINVAL, "bad seed %s",
						 arg[i]);
		}
	}
	if (l.paddr + l.size < l.paddr || l.paddr + l.size > (UINT64_C(1) << 46))
		return vmcf_error_create(EINVAL, "load beyond 64 TiB");
	for (size_t j = 0; j < g->nr_loads; j++) {
		const struct testgen_load *o = &g->loads[j];

		if (l.paddr < o->paddr + o->size && o->paddr < l.paddr + l.size)
			return vmcf_error_create(EINVAL,
						 "load at 0x%" PRIx64 " overlaps load at 0x%" PRIx64,
						 l.paddr, o->paddr);
	}
	g->loads[g->nr_loads++] = l;
	return NULL;
}

static struct vmcf_error *parse_line(struct testgen *g, char *line)
{
	char *arg[8], *save = NULL, *tok;
	int n = 0;
	uint64_t v;

	for (tok = strtok_r(line, " \t\r", &save); tok && n < 8;
	     tok = strtok_r(NULL, " \t\r", &save))
		arg[n++] = tok;
	if (n == 0)
		return NULL;
	if (strcmp(arg[0], "osrelease") == 0 && n == 2 &&
	    strlen(arg[1]) < sizeof(g->osrelease)) {
		strcpy(g->osrelease, arg[1]);
	} else if (strcmp(arg[0], "cpus") == 0 && n == 2 &&
		   parse_u64(arg[1], &v) && v <= 8192) {
		g->cpus = (unsigned)v;
	} else if (strcmp(arg[0], "crashtime") == 0 && n == 2 &&
		   parse_u64(arg[1], &v)) {
		g->crashtime = (int64_t)v;
	} else if (strcmp(arg[0], "phys_base") == 0 && n == 2 &&
		   parse_u64(arg[1], &g->phys_base)) {
		g->has_phys_base = true;
	} else if (strcmp(arg[0], "kerneloffset") == 0 && n == 2 &&
		   parse_u64(arg[1], &g->kerneloffset)) {
	} else if (strcmp(arg[0], "vmcoreinfo") == 0 && n == 2 &&
		   strlen(g->extra) + strlen(arg[1]) + 2 < sizeof(g->extra)) {
		strcat(g->extra, arg[1]);
		strcat(g->extra, "\n");
	} else if (strcmp(arg[0], "no-vmcoreinfo") == 0 && n == 1) {
		g->no_vmcoreinfo = true;
	} else if (strcmp(arg[0], "load") == 0) {
		return parse_load(g, arg + 1, n - 1);
	} else if (strcmp(arg[0], "ktext") == 0 && n == 4 &&
		   parse_u64(arg[1], &g->ktext_vaddr) &&
		   parse_u64(arg[2], &g->ktext_paddr) &&
		   parse_u64(arg[3], &g->ktext_size) && g->ktext_size) {
		g->has_ktext = true;
	} else {
		return vmcf_error_create(EINVAL, "cannot parse \"%s\"", arg[0]);
	}
	return NULL;
}

struct vmcf_error *testgen_parse(const char *text, struct testgen *gen_ret)
{
	struct testgen g = { .osrelease = "6.1.0-vmcf", .cpus = 1 };
	struct vmcf_error *err = NULL;
	char *copy = strdup(text), *line, *save = NULL;
	unsigned lineno = 0;

	if (!copy)
		return &vmcf_enomem;
	for (line = strtok_r(copy, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		err = parse_line(&g, line);
		if (err)
			err = vmcf_error_prefix(err, "line %u", lineno);
	}
	free(copy);
	if (err)
		return err;
	if (!g.nr_loads)
		return vmcf_error_create(EINVAL, "no load lines");
	if (g.has_ktext) {
		bool inside = false;

		/* Real cores duplicate RAM there; so must we. */
		for (size_t i = 0; i < g.nr_loads; i++) {
			const struct testgen_load *l = &g.loads[i];

			inside |= g.ktext_paddr >= l->paddr &&
				  g.ktext_paddr + g.ktext_size <=
					  l->paddr + l->size;
		}
		if (!inside)
			return vmcf_error_create(EINVAL,
						 "ktext is not inside one load");
	}
	*gen_ret = g;
	return NULL;
}

struct vmcf_error *testgen_parse_file(const char *path,
				      struct testgen *gen_ret)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct vmcf_error *err;
	char *text;
	size_t n;

	if (!f)
		return vmcf_error_errno(errno, "open %s", path);
	text = calloc(1, 1 << 16);
	if (!text) {
		err = &vmcf_enomem;
		goto out;
	}
	n = fread(text, 1, (1 << 16) - 1, f);
	if (ferror(f))
		err = vmcf_error_errno(EIO, "read %s", path);
	else if (n == (1 << 16) - 1)
		err = vmcf_error_create(EINVAL, "%s: too long", path);
	else
		err = testgen_parse(text, gen_ret);
	err = vmcf_error_prefix(err, "%s", path);
	free(text);
out:
	if (f != stdin)
		fclose(f);
	return err;
}

void testgen_vmcoreinfo(const struct testgen *gen, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "OSRELEASE=%s\n"
			 "PAGESIZE=%d\n"
			 "SYMBOL(init_uts_ns)=ffffffff82a1b2c0\n",
			 gen->osrelease, TESTGEN_PAGE_SIZE);

	if (gen->has_phys_base && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n,
			      "NUMBER(phys_base)=%" PRId64 "\n",
			      (int64_t)gen->phys_base);
	if (n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n,
			      "KERNELOFFSET=%" PRIx64 "\n%sCRASHTIME=%" PRId64 "\n",
			      gen->kerneloffset, gen->extra, gen->crashtime);
}

/* Appends one note (name, type, desc) at notes + *pos. */
static void add_note(unsigned char *notes, size_t *pos, const char *name,
		     uint32_t type, const void *desc, size_t descsz)
{
	size_t namesz = strlen(name) + 1;

	put_le32(notes + *pos, (uint32_t)namesz);
	put_le32(notes + *pos + 4, (uint32_t)descsz);
	put_le32(notes + *pos + 8, type);
	*pos += 12;
	memcpy(notes + *pos, name, namesz);
	*pos += (namesz + 3) & ~(size_t)3;
	memcpy(notes + *pos, desc, descsz);
	*pos += (descsz + 3) & ~(size_t)3;
}

static struct vmcf_error *pwrite_all(int fd, const void *buf, size_t size,
				     uint64_t offset)
{
	const unsigned char *p = buf;

	while (size) {
		ssize_t r = pwrite(fd, p, size, (off_t)offset);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vmcf_error_errno(errno, "pwrite at 0x%" PRIx64,
						offset);
		p += r;
		size -= (size_t)r;
		offset += (uint64_t)r;
	}
	return NULL;
}

static void put_phdr(unsigned char *ph, uint32_t type, uint64_t offset,
		     uint64_t vaddr, uint64_t paddr, uint64_t filesz,
		     uint64_t memsz)
{
	put_le32(ph, type);
	put_le32(ph + 4, type == PT_LOAD ? PF_R | PF_W | PF_X : 0);
	put_le64(ph + 8, offset);
	put_le64(ph + 16, vaddr);
	put_le64(ph + 24, paddr);
	put_le64(ph + 32, filesz);
	put_le64(ph + 40, memsz);
	put_le64(ph + 48, type == PT_LOAD ? TESTGEN_PAGE_SIZE : 0);
}

/* Writes [paddr, paddr + size) of memory at file offset. */
static struct vmcf_error *write_memory(const struct testgen *g, int fd,
				       uint64_t offset, uint64_t paddr,
				       uint64_t size, unsigned char *buf)
{
	while (size) {
		size_t n = size < CHUNK ? (size_t)size : CHUNK;
		struct vmcf_error *err;

		testgen_fill(g, paddr, buf, n);
		err = pwrite_all(fd, buf, n, offset);
		if (err)
			return err;
		offset += n;
		paddr += n;
		size -= n;
	}
	return NULL;
}

struct vmcf_error *testgen_write(const struct testgen *g, int fd)
{
	size_t nr_phdrs = 1 + g->nr_loads + g->has_ktext;
	size_t notes_max = (size_t)g->cpus * (12 + 8 + TESTGEN_PRSTATUS_SIZE) +
			   12 + 12 + 4096;
	size_t hdr_size = 64 + nr_phdrs * 56 + notes_max;
	unsigned char *hdr = calloc(1, hdr_size), *buf = malloc(CHUNK), *ph;
	unsigned char prstatus[TESTGEN_PRSTATUS_SIZE];
	struct vmcf_error *err = NULL;
	size_t notes_at = 64 + nr_phdrs * 56, pos = notes_at;
	uint64_t data;

	if (!hdr || !buf) {
		err = &vmcf_enomem;
		goto out;
	}
	/* ELF header */
	memcpy(hdr, ELFMAG, SELFMAG);
	hdr[EI_CLASS] = ELFCLASS64;
	hdr[EI_DATA] = ELFDATA2LSB;
	hdr[EI_VERSION] = EV_CURRENT;
	put_le16(hdr + 16, ET_CORE);
	put_le16(hdr + 18, EM_X86_64);
	put_le32(hdr + 20, EV_CURRENT);
	put_le64(hdr + 32, 64);			/* e_phoff */
	put_le16(hdr + 52, 64);			/* e_ehsize */
	put_le16(hdr + 54, 56);			/* e_phentsize */
	put_le16(hdr + 56, (uint16_t)nr_phdrs);

	/* Notes: one NT_PRSTATUS per CPU (pr_pid at 32), then VMCOREINFO. */
	for (unsigned cpu = 0; cpu < g->cpus; cpu++) {
		memset(prstatus, 0, sizeof(prstatus));
		put_le32(prstatus + 32, cpu + 1);
		add_note(hdr, &pos, "CORE", NT_PRSTATUS, prstatus,
			 sizeof(prstatus));
	}
	if (!g->no_vmcoreinfo) {
		char text[4096];

		testgen_vmcoreinfo(g, text, sizeof(text));
		add_note(hdr, &pos, "VMCOREINFO", 0, text, strlen(text));
	}

	/* Program headers: PT_NOTE, the kernel text (kexec's order), RAM. */
	ph = hdr + 64;
	put_phdr(ph, PT_NOTE, notes_at, 0, 0, pos - notes_at, pos - notes_at);
	ph += 56;
	data = (pos + TESTGEN_PAGE_SIZE - 1) / TESTGEN_PAGE_SIZE *
	       TESTGEN_PAGE_SIZE;
	if (g->has_ktext) {
		put_phdr(ph, PT_LOAD, data, g->ktext_vaddr, g->ktext_paddr,
			 g->ktext_size, g->ktext_size);
		ph += 56;
		err = write_memory(g, fd, data, g->ktext_paddr, g->ktext_size,
				   buf);
		if (err)
			goto out;
		data += (g->ktext_size + TESTGEN_PAGE_SIZE - 1) /
			TESTGEN_PAGE_SIZE * TESTGEN_PAGE_SIZE;
	}
	for (size_t i = 0; i < g->nr_loads; i++) {
		const struct testgen_load *l = &g->loads[i];

		put_phdr(ph, PT_LOAD, data, DIRECT_MAP_BASE + l->paddr,
			 l->paddr, l->filesz, l->size);
		ph += 56;
		err = write_memory(g, fd, data, l->paddr, l->filesz, buf);
		if (err)
			goto out;
		data += (l->filesz + TESTGEN_PAGE_SIZE - 1) /
			TESTGEN_PAGE_SIZE * TESTGEN_PAGE_SIZE;
	}
	err = pwrite_all(fd, hdr, pos, 0);
	/* A last load with filesz 0 still needs its file offset to exist. */
	if (!err && ftruncate(fd, (off_t)data) < 0)
		err = vmcf_error_errno(errno, "ftruncate");
out:
	free(buf);
	free(hdr);
	return err;
}

#ifndef TESTGEN_NO_MAIN
int main(int argc, char **argv)
{
	struct vmcf_error *err;
	struct testgen gen;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DESCRIPTION|- OUTPUT\n", argv[0]);
		return 2;
	}
	err = testgen_parse_file(argv[1], &gen);
	if (err)
		goto fail;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		err = vmcf_error_errno(errno, "open %s", argv[2]);
		goto fail;
	}
	err = testgen_write(&gen, fd);
	if (close(fd) < 0 && !err)
		err = vmcf_error_errno(errno, "close %s", argv[2]);
	if (err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vmcore-gen: %s\n", err->message);
	vmcf_error_destroy(err);
	return 1;
}
#endif
