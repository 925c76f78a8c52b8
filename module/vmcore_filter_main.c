// SPDX-License-Identifier: GPL-2.0
/*
 * vmcore_filter.ko: /dev/vmcore_filter, a bitmap of the crashed kernel's
 * pages a dump needs, computed in the kdump kernel from the crashed
 * kernel's struct pages (include/uapi/linux/vmcore_filter.h).
 *
 * Device semantics chosen here, beyond the uapi header:
 *  - open() needs CAP_SYS_ADMIN (and the node is 0400, root's).
 *  - read()/pread() at offset X return the bits of pfns [8X, 8X + 8 len);
 *    any offset and length work.  The bits are computed on 1024-pfn aligned
 *    chunks of at most VMCF_CHUNK_PFNS pfns (more with many CPUs), each
 *    spread over the online CPUs, and copied out chunk by chunk; a fatal
 *    signal stops the read between chunks (returning what was copied, or
 *    -EINTR).  llseek() takes SEEK_SET, SEEK_CUR and SEEK_END, the end
 *    being DIV_ROUND_UP(max_pfn, 8); positions past it are allowed and
 *    read as end of file.
 *  - ioctls: the direction, type and number of the command select it; its
 *    size field must equal _IOC_SIZE(cmd) and be at least the size of the
 *    structure this module knows (v1).  A larger structure from a newer
 *    caller is accepted if the bytes this module does not know are zero,
 *    as copy_struct_from_user() checks; only the known part is written
 *    back.  Every violation, nonzero flags or reserved fields, and masks
 *    outside VMCF_EXCLUDABLE are -EINVAL; unknown commands -ENOTTY.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/crash_dump.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../include/uapi/linux/vmcore_filter.h"
#include "vmcf_module.h"

/* The uapi class ids are those of vmcf_classes.def, in the same order. */
enum {
#define VMCF_CLASS(id, ...) VMCF_DEF_##id,
#include "vmcf_classes.def"
#undef VMCF_CLASS
	VMCF_DEF_NR
};

/* Does not compile unless each uapi id is its vmcf_classes.def index. */
static const int vmcf_same_ids[] __maybe_unused = {
#define VMCF_CLASS(id, ...)						\
	BUILD_BUG_ON_ZERO(VMCF_DEF_##id != (int)VMCF_CLASS_##id),
#include "vmcf_classes.def"
#undef VMCF_CLASS
};

static_assert(VMCF_DEF_NR == (int)VMCF_NR_CLASSES);
static_assert(VMCF_SCAN_MAX_CLASSES == VMCF_MAX_CLASSES);

/* Largest chunk, whatever the number of CPUs: a 2 MiB bitmap buffer. */
#define VMCF_CHUNK_MAX		BIT_ULL(24)

static struct vmcf_crash vmcf_crash;

static int zero_level = -1;
module_param(zero_level, int, 0444);
MODULE_PARM_DESC(zero_level,
		 "makedumpfile -d level whose excluded pages read as zeros in /proc/vmcore (0-31; -1: off)");

/**
 * struct vmcf_file - one open /dev/vmcore_filter
 * @exclude: classes not kept by its reads (VMCF_IOC_SET_MASK)
 */
struct vmcf_file {
	u64 exclude;
};

static u64 vmcf_eof(void)
{
	return DIV_ROUND_UP(vmcf_crash.max_pfn, 8);
}

/* Chunk: two sections per online CPU, at least VMCF_CHUNK_PFNS. */
static u64 vmcf_chunk_pfns(void)
{
	u64 n = (u64)num_online_cpus() << 16;

	return clamp_t(u64, n, VMCF_CHUNK_PFNS, VMCF_CHUNK_MAX);
}

static int vmcf_open(struct inode *inode, struct file *file)
{
	struct vmcf_file *vf;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	file->private_data = vf;
	return 0;
}

static int vmcf_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t vmcf_read(struct file *file, char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	struct vmcf_file *vf = file->private_data;
	u64 drop = READ_ONCE(vf->exclude) | VMCF_ALWAYS_EXCLUDED;
	u64 pos = *ppos, end, chunk = vmcf_chunk_pfns(), cs, ce, n;
	size_t copied = 0;
	u8 *kbuf = NULL;
	ssize_t ret = 0;

	if (*ppos < 0)
		return -EINVAL;
	if (pos >= vmcf_eof() || !len)
		return 0;
	end = min_t(u64, pos + len, vmcf_eof());
	kbuf = kvmalloc(chunk / 8, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;

	while (pos < end) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* Bytes [pos, ...) come from the 1024-pfn aligned chunk. */
		cs = round_down(pos * 8, 1024);
		ce = min_t(u64, cs + chunk, round_up(end * 8, 1024));
		ret = vmcf_scan_bits(&vmcf_crash, drop, cs, ce - cs, kbuf);
		if (ret)
			break;
		n = min_t(u64, end, ce / 8) - pos;
		if (copy_to_user(ubuf + copied, kbuf + (pos - cs / 8), n)) {
			ret = -EFAULT;
			break;
		}
		copied += n;
		pos += n;
	}
	kvfree(kbuf);
	if (copied) {
		*ppos = pos;
		return copied;
	}
	return ret;
}

static loff_t vmcf_llseek(struct file *file, loff_t offset, int whence)
{
	switch (whence) {
	case SEEK_SET:
	case SEEK_CUR:
	case SEEK_END:
		return generic_file_llseek_size(file, offset, whence,
						MAX_LFS_FILESIZE, vmcf_eof());
	default:
		return -EINVAL;
	}
}

/*
 * Copy an ioctl structure in: @usize, its size field, must equal the size
 * in @cmd and cover @ksize; bytes past @ksize must be zero.
 */
static int vmcf_arg_in(void *k, size_t ksize, unsigned int cmd,
		       void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize != _IOC_SIZE(cmd) || usize < ksize)
		return -EINVAL;
	ret = copy_struct_from_user(k, ksize, uarg, usize);
	return ret == -E2BIG ? -EINVAL : ret;
}

static long vmcf_ioc_version(unsigned int cmd, void __user *uarg)
{
	struct vmcf_version v;
	int ret;

	ret = vmcf_arg_in(&v, sizeof(v), cmd, uarg);
	if (ret)
		return ret;
	/* Output fields may hold anything; reserved ones must be zero. */
	if (v.reserved0 || memchr_inv(v.reserved, 0, sizeof(v.reserved)))
		return -EINVAL;
	v.abi_version = VMCF_ABI_VERSION;
	v.features = vmcf_crash.release_table ? VMCF_FEATURE_RELEASE_TABLE : 0;
	v.max_pfn = vmcf_crash.max_pfn;
	v.nr_classes = VMCF_NR_CLASSES;
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long vmcf_ioc_set_mask(struct file *file, unsigned int cmd,
			      void __user *uarg)
{
	struct vmcf_file *vf = file->private_data;
	struct vmcf_mask mk;
	int ret;

	ret = vmcf_arg_in(&mk, sizeof(mk), cmd, uarg);
	if (ret)
		return ret;
	if (mk.flags || memchr_inv(mk.reserved, 0, sizeof(mk.reserved)) ||
	    (mk.exclude & ~VMCF_EXCLUDABLE))
		return -EINVAL;
	WRITE_ONCE(vf->exclude, mk.exclude);
	return 0;
}

static long vmcf_ioc_ram_ranges(unsigned int cmd, void __user *uarg)
{
	struct vmcf_range __user *out;
	struct vmcf_ram_ranges rr;
	struct vmcf_range r;
	unsigned int i;
	int ret;

	ret = vmcf_arg_in(&rr, sizeof(rr), cmd, uarg);
	if (ret)
		return ret;
	if (memchr_inv(rr.reserved, 0, sizeof(rr.reserved)))
		return -EINVAL;
	out = u64_to_user_ptr(rr.ranges);
	for (i = 0; i < rr.nr_ranges && i < vmcf_crash.nr_ram_pfns; i++) {
		r.start_pfn = vmcf_crash.ram_pfns[i].start;
		r.end_pfn = vmcf_crash.ram_pfns[i].end;
		if (copy_to_user(&out[i], &r, sizeof(r)))
			return -EFAULT;
	}
	rr.nr_ranges = vmcf_crash.nr_ram_pfns;
	return copy_to_user(uarg, &rr, sizeof(rr)) ? -EFAULT : 0;
}

static long vmcf_ioc_counts(unsigned int cmd, void __user *uarg)
{
	u64 pfn, end, ce, chunk = vmcf_chunk_pfns();
	struct vmcf_counts *vc;
	long ret;

	vc = kzalloc(sizeof(*vc), GFP_KERNEL);
	if (!vc)
		return -ENOMEM;
	ret = vmcf_arg_in(vc, sizeof(*vc), cmd, uarg);
	if (ret)
		goto fail;
	ret = -EINVAL;
	if (vc->flags || vc->end_pfn < vc->start_pfn ||
	    memchr_inv(vc->reserved, 0, sizeof(vc->reserved)))
		goto fail;
	memset(vc->pages, 0, sizeof(vc->pages));
	end = min(vc->end_pfn, vmcf_crash.max_pfn);
	ret = 0;
	for (pfn = vc->start_pfn; pfn < end && !ret; ) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* Chunk ends 1024-aligned, as the classifier prefers. */
		ce = min(round_down(pfn, 1024) + chunk, end);

		ret = vmcf_scan_counts(&vmcf_crash, pfn, ce, vc->pages);
		pfn = ce;
	}
	if (!ret && copy_to_user(uarg, vc, sizeof(*vc)))
		ret = -EFAULT;
fail:
	kfree(vc);
	return ret;
}

static long vmcf_ioctl(struct file *file, unsigned int cmd,
		       unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VMCF_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VMCF_IOC_VERSION):
		if (_IOC_DIR(cmd) != _IOC_DIR(VMCF_IOC_VERSION))
			return -ENOTTY;
		return vmcf_ioc_version(cmd, uarg);
	case _IOC_NR(VMCF_IOC_SET_MASK):
		if (_IOC_DIR(cmd) != _IOC_DIR(VMCF_IOC_SET_MASK))
			return -ENOTTY;
		return vmcf_ioc_set_mask(file, cmd, uarg);
	case _IOC_NR(VMCF_IOC_RAM_RANGES):
		if (_IOC_DIR(cmd) != _IOC_DIR(VMCF_IOC_RAM_RANGES))
			return -ENOTTY;
		return vmcf_ioc_ram_ranges(cmd, uarg);
	case _IOC_NR(VMCF_IOC_COUNTS):
		if (_IOC_DIR(cmd) != _IOC_DIR(VMCF_IOC_COUNTS))
			return -ENOTTY;
		return vmcf_ioc_counts(cmd, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmcf_fops = {
	.owner = THIS_MODULE,
	.open = vmcf_open,
	.release = vmcf_release,
	.read = vmcf_read,
	.llseek = vmcf_llseek,
	.unlocked_ioctl = vmcf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vmcf_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmcore_filter",
	.fops = &vmcf_fops,
	.mode = 0400,
};

static void vmcf_free(void)
{
	vmcf_scan_free(&vmcf_crash);
	vmcf_vmcore_free(&vmcf_crash);
}

static int __init vmcf_init(void)
{
	int ret;

	if (!is_kdump_kernel()) {
		pr_err("not a kdump kernel: there is no crashed kernel to filter\n");
		return -ENODEV;
	}
	/* Before /proc/vmcore is first opened, which is just below. */
	ret = vmcf_zero_register(zero_level);
	if (ret)
		return ret;
	ret = vmcf_vmcore_load(&vmcf_crash);
	if (!ret)
		ret = vmcf_scan_setup(&vmcf_crash);
	if (!ret)
		ret = misc_register(&vmcf_misc);
	if (ret)
		goto fail;
	pr_info("crashed kernel %s: %u RAM ranges, max_pfn %#llx, vmemmap %#llx%s\n",
		vmcf_scan_release(&vmcf_crash), vmcf_crash.nr_ram_pfns,
		vmcf_crash.max_pfn, vmcf_scan_vmemmap_base(&vmcf_crash),
		vmcf_crash.release_table ? "" :
		": unknown release, only VMCOREINFO-proven classes excluded");
	vmcf_zero_start(&vmcf_crash, zero_level);
	return 0;
fail:
	vmcf_zero_unregister();
	vmcf_free();
	return ret;
}

/* Never reached in zero-change mode: vmcf_zero_start() pins the module. */
static void __exit vmcf_exit(void)
{
	misc_deregister(&vmcf_misc);
	vmcf_free();
}

module_init(vmcf_init);
module_exit(vmcf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VMCF_MODULE_VERSION);
MODULE_DESCRIPTION("Which pages of a crashed kernel a dump needs, from its struct pages");
