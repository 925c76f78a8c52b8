// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-change mode: vmcore_filter.zero_level=N makes the pages that
 * makedumpfile -d N would drop by their class read as zeros through
 * /proc/vmcore (read() and mmap()), through a vmcore_cb.  An unmodified
 * makedumpfile at any level that excludes zero pages, Debian's default
 * -d 31 included, or cp --sparse then writes a filtered dump, with this
 * module's classification rather than the collector's own.
 *
 * /proc/vmcore asks about one pfn at a time, so keep bits are computed a
 * chunk at a time by the same scan as the device's (on every CPU) and the
 * last two chunks are kept: a fixed 256 KiB, whatever the RAM size.
 *
 * The callback is registered before this module first opens /proc/vmcore
 * (fs/proc/vmcore.c warns about callbacks that come later) and answers
 * "keep" until the crashed kernel has been read.  Once pages may have been
 * hidden from a reader, unloading would change what the next reader sees,
 * so the module then stays loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crash_dump.h>
#include <linux/math.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/vmalloc.h>

#include "vmcf_classify.h"
#include "vmcf_module.h"

/* pfns per chunk: 4 GiB of RAM, a 128 KiB bitmap, a multiple of 1024 */
#define VMCF_ZERO_CHUNK		BIT_ULL(20)
#define VMCF_ZERO_SLOTS		2

struct vmcf_zero_slot {
	u64 start;
	bool valid;
	u8 *bits;
};

static struct {
	struct vmcore_cb cb;
	const struct vmcf_crash *c;
	u64 exclude;
	bool ready;
	bool registered;
	bool scan_failed;
	struct mutex lock;		/* the slots */
	struct vmcf_zero_slot slot[VMCF_ZERO_SLOTS];
	unsigned int next;
} vmcf_zero;

/* The chunk's slot, filled if need be; NULL if the scan failed. */
static struct vmcf_zero_slot *vmcf_zero_chunk(u64 start)
{
	const struct vmcf_crash *c = vmcf_zero.c;
	struct vmcf_zero_slot *s;
	unsigned int i;
	u64 nr;
	int ret;

	for (i = 0; i < VMCF_ZERO_SLOTS; i++) {
		s = &vmcf_zero.slot[i];
		if (s->valid && s->start == start)
			return s;
	}
	s = &vmcf_zero.slot[vmcf_zero.next];
	vmcf_zero.next = (vmcf_zero.next + 1) % VMCF_ZERO_SLOTS;
	s->valid = false;
	nr = min_t(u64, VMCF_ZERO_CHUNK, round_up(c->max_pfn - start, 1024));
	ret = vmcf_scan_bits(c, vmcf_zero.exclude, start, nr, s->bits);
	if (ret) {
		if (!vmcf_zero.scan_failed)
			pr_err("zero_level: pfns %#llx+%#llx could not be classified (%d): they read as they are\n",
			       start, nr, ret);
		vmcf_zero.scan_failed = true;
		return NULL;
	}
	s->start = start;
	s->valid = true;
	return s;
}

/* vmcore_cb: false hides the page (it reads as zeros). */
static bool vmcf_zero_pfn_is_ram(struct vmcore_cb *cb, unsigned long pfn)
{
	struct vmcf_zero_slot *s;
	u64 off;
	bool keep = true;

	/* Pairs with smp_store_release() in vmcf_zero_start(). */
	if (!smp_load_acquire(&vmcf_zero.ready) || pfn >= vmcf_zero.c->max_pfn)
		return true;
	mutex_lock(&vmcf_zero.lock);
	s = vmcf_zero_chunk(round_down((u64)pfn, VMCF_ZERO_CHUNK));
	if (s) {
		off = pfn - s->start;
		keep = s->bits[off / 8] & BIT(off % 8);
	}
	mutex_unlock(&vmcf_zero.lock);
	return keep;
}

/**
 * vmcf_zero_register() - hook /proc/vmcore, answering "keep" for now
 * @level: makedumpfile -d level, 0..31; negative: zero-change mode is off
 *
 * Called before the module reads /proc/vmcore.
 *
 * Return: 0, -EINVAL for a level above 31, -ENOMEM.
 */
int vmcf_zero_register(int level)
{
	unsigned int i;

	if (level < 0)
		return 0;
	if (level > 31) {
		pr_err("zero_level=%d: a makedumpfile dump level is 0 to 31\n",
		       level);
		return -EINVAL;
	}
	mutex_init(&vmcf_zero.lock);
	for (i = 0; i < VMCF_ZERO_SLOTS; i++) {
		vmcf_zero.slot[i].bits = vmalloc(VMCF_ZERO_CHUNK / 8);
		if (!vmcf_zero.slot[i].bits) {
			vmcf_zero_unregister();
			return -ENOMEM;
		}
	}
	vmcf_zero.exclude = vmcf_dump_level_to_mask(level);
	vmcf_zero.cb.pfn_is_ram = vmcf_zero_pfn_is_ram;
	register_vmcore_cb(&vmcf_zero.cb);
	vmcf_zero.registered = true;
	return 0;
}

/**
 * vmcf_zero_start() - start hiding pages
 * @c: the crashed kernel, read and set up
 * @level: as given to vmcf_zero_register()
 */
void vmcf_zero_start(const struct vmcf_crash *c, int level)
{
	if (!vmcf_zero.registered)
		return;
	vmcf_zero.c = c;
	/* Pairs with smp_load_acquire() in vmcf_zero_pfn_is_ram(): c first */
	smp_store_release(&vmcf_zero.ready, true);
	/* Readers may now see zeros: unloading would change the dump. */
	__module_get(THIS_MODULE);
	pr_info("zero_level=%d: pages of classes %#llx read as zeros in /proc/vmcore\n",
		level, vmcf_zero.exclude);
}

/**
 * vmcf_zero_unregister() - undo vmcf_zero_register() after a failed load
 */
void vmcf_zero_unregister(void)
{
	unsigned int i;

	if (vmcf_zero.registered)
		unregister_vmcore_cb(&vmcf_zero.cb);
	vmcf_zero.registered = false;
	for (i = 0; i < VMCF_ZERO_SLOTS; i++) {
		vfree(vmcf_zero.slot[i].bits);
		vmcf_zero.slot[i].bits = NULL;
	}
}
