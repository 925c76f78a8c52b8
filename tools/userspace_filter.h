/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page classifier of vmcore_filter.ko, run in userspace on a saved
 * vmcore (or on /proc/vmcore when the module cannot be loaded).
 *
 * It decodes the crashed kernel's VMCOREINFO, finds its struct pages through
 * mem_section and its page tables (module/vmcf_memmap.c) and classifies them
 * (module/vmcf_classify.c), exactly as the module does, so both give the
 * same bitmap for the same dump.  Pages whose struct page cannot be found
 * or decoded are CORRUPT, which is always kept.
 *
 * Thread safety: after userspace_filter_create(), any number of threads may
 * call userspace_filter_bitmap() and userspace_filter_counts() at once (on
 * the same or different ranges); each call uses only its own buffers and
 * pread().
 */
#ifndef VMCF_USERSPACE_FILTER_H
#define VMCF_USERSPACE_FILTER_H

#include <stdint.h>

#include "../include/uapi/linux/vmcore_filter.h"
#include "elfcore.h"
#include "vmcf_error.h"

struct userspace_filter;

/*
 * Sets up the filter for core, which must outlive it.  Fails (EINVAL) with
 * a message naming the VMCOREINFO entry that is missing or unusable, or the
 * mem_section or page table that cannot be decoded.  An unknown kernel
 * release is not an error: only what VMCOREINFO proves is then excluded
 * (userspace_filter_features() lacks VMCF_FEATURE_RELEASE_TABLE).
 */
struct vmcf_error *userspace_filter_create(struct elfcore *core,
					   struct userspace_filter **uf_ret);

/* Frees uf; NULL is fine. */
void userspace_filter_destroy(struct userspace_filter *uf);

/*
 * Keep-bitmap bits for pfns [start_pfn, start_pfn + nr), least significant
 * bit first, 1 = keep, as /dev/vmcore_filter returns them: a pfn is kept if
 * it is RAM (in a PT_LOAD) and its class is not in exclude |
 * VMCF_ALWAYS_EXCLUDED.  start_pfn must be a multiple of 1024 and nr of 8
 * (else EINVAL), exclude within VMCF_EXCLUDABLE (else EINVAL).  bits
 * receives nr / 8 bytes.
 */
struct vmcf_error *userspace_filter_bitmap(struct userspace_filter *uf,
					   uint64_t exclude,
					   uint64_t start_pfn, uint64_t nr,
					   uint8_t *bits);

/*
 * Per-class counts of the RAM pfns in [start_pfn, end_pfn) (any
 * alignment), indexed by enum vmcf_class_id; counts is overwritten.
 */
struct vmcf_error *userspace_filter_counts(struct userspace_filter *uf,
					   uint64_t start_pfn,
					   uint64_t end_pfn,
					   uint64_t counts[VMCF_NR_CLASSES]);

/* VMCF_FEATURE_* bits, as VMCF_IOC_VERSION would report them. */
uint64_t userspace_filter_features(const struct userspace_filter *uf);

/*
 * One class id (enum vmcf_class_id) per pfn of [start_pfn, start_pfn +
 * nr), 0xff for pfns that are not RAM; start_pfn a multiple of 1024.  For
 * tests and tools that compare classes with other readers.
 */
struct vmcf_error *userspace_filter_classes(struct userspace_filter *uf,
					    uint64_t start_pfn, uint64_t nr,
					    uint8_t *classes);

/* The warnings of the layout ("unknown release ..."), "" if none. */
const char *userspace_filter_warnings(const struct userspace_filter *uf);

#endif /* VMCF_USERSPACE_FILTER_H */
