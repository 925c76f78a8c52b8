/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCOREINFO: the "KEY=VALUE\n" text the crashed kernel leaves in its ELF
 * notes (kernel/crash_core.c and arch_crash_save_vmcoreinfo()).
 *
 * The parser copies the text, so the caller's buffer may go away.  Keys are
 * matched exactly ("NUMBER(phys_base)", "SYMBOL(init_uts_ns)"); the first of
 * duplicate keys wins.  Nothing in here trusts the text: a missing '=',
 * embedded NULs, overlong or non-numeric values give an error, not a crash.
 */
#ifndef VMCF_VMCOREINFO_H
#define VMCF_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcf_error.h"

struct vmcoreinfo;

/* Parses size bytes of text; it ends early at a NUL (notes are padded). */
struct vmcf_error *vmcoreinfo_create(const char *text, size_t size,
				    struct vmcoreinfo **vmcoreinfo_ret);
void vmcoreinfo_destroy(struct vmcoreinfo *vi);

/* The text as parsed (NUL-terminated) and its length. */
const char *vmcoreinfo_text(const struct vmcoreinfo *vi, size_t *size_ret);

/* The value of key (the text after the first '='), or NULL if absent. */
const char *vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key);

/*
 * key's value as an unsigned number in base (0 = C prefixes).  ENOENT if the
 * key is absent, EINVAL if the value is not a number, ERANGE if it overflows.
 */
struct vmcf_error *vmcoreinfo_get_u64(const struct vmcoreinfo *vi,
				      const char *key, int base,
				      uint64_t *value_ret);
/* The same for a signed value ("%ld"/"%lld" in the kernel). */
struct vmcf_error *vmcoreinfo_get_s64(const struct vmcoreinfo *vi,
				      const char *key, int base,
				      int64_t *value_ret);

/* NUMBER(name)=%ld: a signed decimal, stored as its two's complement. */
struct vmcf_error *vmcoreinfo_number(const struct vmcoreinfo *vi,
				     const char *name, uint64_t *value_ret);
/* SYMBOL(name)=%lx: a kernel virtual address in hex. */
struct vmcf_error *vmcoreinfo_symbol(const struct vmcoreinfo *vi,
				     const char *name, uint64_t *value_ret);

/* What the collector needs from VMCOREINFO for the dump headers. */
struct vmcoreinfo_basics {
	/* OSRELEASE; required, at most 64 characters (new_utsname). */
	char osrelease[65];
	/* PAGESIZE; required, a power of two in [4096, 65536]. */
	uint32_t page_size;
	/* CRASHTIME (seconds); 0 and false if the kernel did not record it. */
	int64_t crashtime;
	bool has_crashtime;
	/* NUMBER(phys_base), exported on x86_64 since 2.6.27. */
	uint64_t phys_base;
	bool has_phys_base;
	/* KERNELOFFSET (KASLR offset), hex; x86_64 since 4.6 (0 if no KASLR). */
	uint64_t kerneloffset;
	bool has_kerneloffset;
};

/* Fills *basics_ret; fails if a required key is missing or malformed. */
struct vmcf_error *vmcoreinfo_get_basics(const struct vmcoreinfo *vi,
					 struct vmcoreinfo_basics *basics_ret);

#endif /* VMCF_VMCOREINFO_H */
