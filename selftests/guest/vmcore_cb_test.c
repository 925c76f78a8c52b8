// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore_cb_test: hide a range of page frames from /proc/vmcore.
 *
 * Registers a struct vmcore_cb whose pfn_is_ram() returns false for the
 * pfns [start_pfn, start_pfn + count) and true for all others, so that those
 * pages read as zeros through read() and mmap() of /proc/vmcore.  Load it in
 * the capture kernel before /proc/vmcore is opened:
 *
 *   insmod vmcore_cb_test.ko start_pfn=0x12345 count=512
 *
 * The callback is unregistered when the module is removed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crash_dump.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned long start_pfn;
module_param(start_pfn, ulong, 0444);
MODULE_PARM_DESC(start_pfn, "First page frame number to hide");

static unsigned long count;
module_param(count, ulong, 0444);
MODULE_PARM_DESC(count, "Number of page frames to hide");

static bool vmcore_cb_test_pfn_is_ram(struct vmcore_cb *cb, unsigned long pfn)
{
	/* Unsigned wrap-around makes pfns below start_pfn compare large. */
	return pfn - start_pfn >= count;
}

static struct vmcore_cb vmcore_cb_test_cb = {
	.pfn_is_ram = vmcore_cb_test_pfn_is_ram,
};

static int __init vmcore_cb_test_init(void)
{
	if (start_pfn + count < start_pfn) {
		pr_err("start_pfn %#lx + count %#lx overflows\n", start_pfn, count);
		return -EINVAL;
	}
	register_vmcore_cb(&vmcore_cb_test_cb);
	pr_info("hiding pfns [%#lx, %#lx)%s\n", start_pfn, start_pfn + count,
		is_kdump_kernel() ? "" : " (not a kdump kernel)");
	return 0;
}

static void __exit vmcore_cb_test_exit(void)
{
	unregister_vmcore_cb(&vmcore_cb_test_cb);
	pr_info("unregistered\n");
}

module_init(vmcore_cb_test_init);
module_exit(vmcore_cb_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hide a pfn range from /proc/vmcore via a vmcore_cb (test)");
