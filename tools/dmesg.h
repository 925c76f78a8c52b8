/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crashed kernel's log (makedumpfile --dump-dmesg) from the lockless
 * printk ring buffer (kernel/printk/printk_ringbuffer.c, Linux 5.10 and
 * later, so both 6.1 and 6.12), located and decoded with VMCOREINFO only:
 * SYMBOL(prb) and the OFFSET()/SIZE() entries of printk_ringbuffer,
 * prb_desc_ring, prb_data_ring, prb_desc, prb_data_blk_lpos, printk_info
 * and atomic_long_t that log_buf_vmcoreinfo_setup() exports.
 *
 * Each record is printed as "[%5llu.%06lu] text\n", the format of
 * makedumpfile and drgn's get_dmesg(); bytes that are neither printable
 * nor '\n' or '\t' (and not part of UTF-8, >= 0x80) are written as \xHH.
 */
#ifndef VMCF_DMESG_H
#define VMCF_DMESG_H

#include <stdint.h>
#include <stdio.h>

#include "kvaddr.h"
#include "vmcf_error.h"
#include "vmcoreinfo.h"

/*
 * Writes every committed record, oldest first, to out; *nr_records_ret (may
 * be NULL) gets their number.  An ENOENT error names the missing VMCOREINFO
 * entry (a kernel before 5.10, or !CONFIG_PRINTK).
 */
struct vmcf_error *dmesg_write(const struct vmcoreinfo *vi, struct kvaddr *kv,
			       FILE *out, uint64_t *nr_records_ret);

#endif /* VMCF_DMESG_H */
