/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic x86_64 vmcores for tests, from a text description:
 *
 *	# comment
 *	osrelease 6.1.0-test		VMCOREINFO OSRELEASE (default 6.1.0-vmcf)
 *	cpus 4				NT_PRSTATUS notes (default 1)
 *	crashtime 1700000000		VMCOREINFO CRASHTIME
 *	phys_base 0x1000000		NUMBER(phys_base) (omitted if not given)
 *	kerneloffset 0x2a000000		KERNELOFFSET (default 0)
 *	vmcoreinfo KEY=VALUE		one more VMCOREINFO line
 *	no-vmcoreinfo			leave the VMCOREINFO note out
 *	load PADDR SIZE KIND [SEED] [filesz=N]
 *					a PT_LOAD of RAM; bytes past filesz
 *					(default SIZE) are not in the file
 *	ktext VADDR PADDR SIZE		a kernel text PT_LOAD duplicating RAM,
 *					as kexec writes it
 *
 * KIND is zero, pattern (compressible), random (incompressible) or mixed
 * (per page: zero, pattern, random or half pattern/half zero).  Contents are
 * a function of the physical address and the load's seed only, so any
 * reader's view of a page can be checked with testgen_fill().
 */
#ifndef VMCF_TESTGEN_H
#define VMCF_TESTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"

#define TESTGEN_PAGE_SIZE	4096
#define TESTGEN_MAX_LOADS	32
/* sizeof(struct elf_prstatus) on x86_64 */
#define TESTGEN_PRSTATUS_SIZE	336

enum testgen_kind {
	TESTGEN_ZERO,
	TESTGEN_PATTERN,
	TESTGEN_RANDOM,
	TESTGEN_MIXED,
};

struct testgen_load {
	uint64_t paddr;
	uint64_t size;		/* p_memsz */
	uint64_t filesz;	/* p_filesz */
	enum testgen_kind kind;
	uint64_t seed;
};

struct testgen {
	char osrelease[65];
	unsigned int cpus;
	int64_t crashtime;
	bool has_phys_base;
	uint64_t phys_base;
	uint64_t kerneloffset;
	bool no_vmcoreinfo;
	char extra[1024];	/* more VMCOREINFO lines, '\n'-terminated */
	bool has_ktext;
	uint64_t ktext_vaddr;
	uint64_t ktext_paddr;
	uint64_t ktext_size;
	struct testgen_load loads[TESTGEN_MAX_LOADS];
	size_t nr_loads;
};

struct vmcf_error *testgen_parse(const char *text, struct testgen *gen_ret);
struct vmcf_error *testgen_parse_file(const char *path,
				      struct testgen *gen_ret);

/*
 * The physical memory [paddr, paddr + len) as the core describes it: the
 * first load whose file part contains a byte gives its value, else 0.
 */
void testgen_fill(const struct testgen *gen, uint64_t paddr, void *buf,
		  size_t len);

/* True if any byte of the page is inside a load (file part or not). */
bool testgen_is_ram(const struct testgen *gen, uint64_t pfn);

/* One past the last pfn that is RAM. */
uint64_t testgen_max_pfn(const struct testgen *gen);

/* The VMCOREINFO text the core carries. */
void testgen_vmcoreinfo(const struct testgen *gen, char *buf, size_t size);

/* Writes the ELF core to fd (from offset 0). */
struct vmcf_error *testgen_write(const struct testgen *gen, int fd);

#endif /* VMCF_TESTGEN_H */
