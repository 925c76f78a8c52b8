// SPDX-License-Identifier: GPL-2.0
/*
 * vmcf_abi_mismatch: a /dev/vmcf_abi_mismatch that answers
 * VMCF_IOC_VERSION like vmcore_filter.ko of the next ABI version, and
 * nothing else.  The selftests point vmcore-dump --device at it to check
 * that a collector refuses a module it does not match, and says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "../include/uapi/linux/vmcore_filter.h"

static long vmcf_abi_mismatch_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	struct vmcf_version v = {
		.size = sizeof(v),
		.abi_version = VMCF_ABI_VERSION + 1,
		.max_pfn = 1,
		.nr_classes = VMCF_NR_CLASSES,
	};

	if (cmd != VMCF_IOC_VERSION)
		return -ENOTTY;
	return copy_to_user((void __user *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static const struct file_operations vmcf_abi_mismatch_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmcf_abi_mismatch_ioctl,
};

static struct miscdevice vmcf_abi_mismatch_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmcf_abi_mismatch",
	.fops = &vmcf_abi_mismatch_fops,
	.mode = 0400,
};

module_misc_device(vmcf_abi_mismatch_dev);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test device: vmcore_filter's VERSION ioctl of another ABI");
