// SPDX-License-Identifier: GPL-2.0
/*
 * The crashed kernel's ELF headers and VMCOREINFO, read through
 * /proc/vmcore: the same interface every dump collector uses, so the module
 * sees the same RAM (its PT_LOADs) and the same notes (one merged PT_NOTE,
 * fs/proc/vmcore.c) as they do.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/sort.h>

#include "vmcf_classify.h"
#include "vmcf_module.h"

#define VMCF_VMCORE		"/proc/vmcore"
/* fs/proc/vmcore.c keeps e_phnum, which cannot say more than 65535. */
#define VMCF_MAX_PHDRS		65535
/* The kernel writes one page (VMCOREINFO_BYTES); allow a lot more. */
#define VMCF_MAX_VMCOREINFO	SZ_1M
#define VMCF_VMCOREINFO_NAME	"VMCOREINFO"
/* x86_64 MAX_PHYSMEM_BITS with 5-level paging */
#define VMCF_PHYS_LIMIT		BIT_ULL(52)

static int vmcf_pread(struct file *f, void *buf, size_t len, loff_t pos)
{
	ssize_t n = kernel_read(f, buf, len, &pos);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

static int vmcf_span_cmp(const void *a, const void *b)
{
	const struct vmcf_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or touching spans; returns how many remain. */
static unsigned int vmcf_merge(struct vmcf_span *s, unsigned int n)
{
	unsigned int i, out = 0;

	sort(s, n, sizeof(*s), vmcf_span_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (out && s[i].start <= s[out - 1].end) {
			s[out - 1].end = max(s[out - 1].end, s[i].end);
			continue;
		}
		s[out++] = s[i];
	}
	return out;
}

/*
 * RAM from the PT_LOADs.  The kernel text PT_LOAD repeats part of a RAM
 * PT_LOAD; merging removes the overlap.
 */
static int vmcf_take_loads(struct vmcf_crash *c, const struct elf64_phdr *ph,
			   unsigned int phnum)
{
	unsigned int i, n = 0;

	for (i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_memsz)
			n++;
	if (!n) {
		pr_err("%s has no PT_LOAD: no RAM to filter\n", VMCF_VMCORE);
		return -EINVAL;
	}
	c->ram = kcalloc(n, sizeof(*c->ram), GFP_KERNEL);
	c->ram_pfns = kcalloc(n, sizeof(*c->ram_pfns), GFP_KERNEL);
	if (!c->ram || !c->ram_pfns)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (ph[i].p_paddr >= VMCF_PHYS_LIMIT ||
		    ph[i].p_memsz > VMCF_PHYS_LIMIT - ph[i].p_paddr) {
			pr_err("%s: PT_LOAD %u at %#llx+%#llx is beyond physical memory\n",
			       VMCF_VMCORE, i, ph[i].p_paddr, ph[i].p_memsz);
			return -EINVAL;
		}
		c->ram[n].start = ph[i].p_paddr;
		c->ram[n].end = ph[i].p_paddr + ph[i].p_memsz;
		c->ram_pfns[n].start = c->ram[n].start >> PAGE_SHIFT;
		c->ram_pfns[n].end = DIV_ROUND_UP(c->ram[n].end, PAGE_SIZE);
		n++;
	}
	c->nr_ram = vmcf_merge(c->ram, n);
	c->nr_ram_pfns = vmcf_merge(c->ram_pfns, n);
	c->max_pfn = c->ram_pfns[c->nr_ram_pfns - 1].end;
	return 0;
}

/*
 * Find the VMCOREINFO note in the PT_NOTE at @off, @size bytes, reading
 * one note header at a time.  Returns the text, kmalloc()ed, in @text.
 */
static int vmcf_find_vmcoreinfo(struct file *f, loff_t off, u64 size,
				char **text, size_t *len)
{
	const size_t namesz = sizeof(VMCF_VMCOREINFO_NAME);
	char name[sizeof(VMCF_VMCOREINFO_NAME)];
	u64 pos = 0, step;
	struct elf64_note nh;
	int ret;

	/* Every note moves @pos forward by at least its header. */
	while (size - pos >= sizeof(nh)) {
		ret = vmcf_pread(f, &nh, sizeof(nh), off + pos);
		if (ret)
			return ret;
		step = sizeof(nh) + ALIGN((u64)nh.n_namesz, 4) +
		       ALIGN((u64)nh.n_descsz, 4);
		if (step > size - pos)
			break;
		if (nh.n_namesz == namesz) {
			ret = vmcf_pread(f, name, namesz, off + pos + sizeof(nh));
			if (ret)
				return ret;
			if (!memcmp(name, VMCF_VMCOREINFO_NAME, namesz)) {
				if (!nh.n_descsz ||
				    nh.n_descsz > VMCF_MAX_VMCOREINFO)
					return -EINVAL;
				*text = kmalloc(nh.n_descsz, GFP_KERNEL);
				if (!*text)
					return -ENOMEM;
				*len = nh.n_descsz;
				return vmcf_pread(f, *text, *len,
						  off + pos + sizeof(nh) +
						  ALIGN(namesz, 4));
			}
		}
		pos += step;
	}
	return -ENOENT;
}

static int vmcf_read_headers(struct vmcf_crash *c, struct file *f,
			     char **vi, size_t *vi_len)
{
	struct elf64_phdr *ph = NULL;
	struct elf64_hdr eh;
	unsigned int i;
	int ret;

	ret = vmcf_pread(f, &eh, sizeof(eh), 0);
	if (ret)
		goto fail;
	ret = -EINVAL;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_CORE ||
	    eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(struct elf64_phdr) || !eh.e_phnum ||
	    eh.e_phnum > VMCF_MAX_PHDRS) {
		pr_err("%s is not an x86_64 ELF64 core file\n", VMCF_VMCORE);
		goto fail;
	}
	ph = kvmalloc_array(eh.e_phnum, sizeof(*ph), GFP_KERNEL);
	if (!ph) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = vmcf_pread(f, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff);
	if (ret) {
		pr_err("cannot read the program headers of %s: %d\n",
		       VMCF_VMCORE, ret);
		goto fail;
	}
	ret = vmcf_take_loads(c, ph, eh.e_phnum);
	if (ret)
		goto fail;
	ret = -ENOENT;
	for (i = 0; i < eh.e_phnum && ret == -ENOENT; i++)
		if (ph[i].p_type == PT_NOTE)
			ret = vmcf_find_vmcoreinfo(f, ph[i].p_offset,
						   ph[i].p_filesz, vi, vi_len);
	if (ret)
		pr_err("%s has no usable VMCOREINFO note: %d\n", VMCF_VMCORE,
		       ret);
fail:
	kvfree(ph);
	return ret;
}

/**
 * vmcf_vmcore_load() - learn the crashed kernel from /proc/vmcore
 * @c: zeroed; filled with the RAM ranges and the layout
 *
 * Refuses, with a message naming what is missing, a /proc/vmcore that is
 * not an x86_64 ELF64 core, has no RAM or no VMCOREINFO, or a VMCOREINFO
 * that lacks an entry the classifier needs.  An unknown release is only
 * warned about: the layout then excludes only what VMCOREINFO proves.
 *
 * Return: 0, or a negative errno; vmcf_vmcore_free() cleans up either way.
 */
int vmcf_vmcore_load(struct vmcf_crash *c)
{
	char err[VMCF_WARN_LEN];
	size_t vi_len = 0;
	char *vi = NULL;
	struct file *f;
	int ret;

	f = filp_open(VMCF_VMCORE, O_RDONLY, 0);
	if (IS_ERR(f)) {
		pr_err("cannot open %s (is /proc mounted?): %ld\n",
		       VMCF_VMCORE, PTR_ERR(f));
		return PTR_ERR(f);
	}
	ret = vmcf_read_headers(c, f, &vi, &vi_len);
	filp_close(f, NULL);
	if (ret)
		goto fail;

	c->layout = kzalloc(sizeof(*c->layout), GFP_KERNEL);
	if (!c->layout) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = vmcf_layout_parse(c->layout, vi, vi_len, err, sizeof(err));
	if (ret) {
		pr_err("cannot decode the crashed kernel: %s\n", err);
		goto fail;
	}
	c->release_table = !(c->layout->flags & VMCF_LAYOUT_UNKNOWN_RELEASE);
	if (c->layout->warnings[0])
		pr_warn("crashed kernel %s: %s\n", c->layout->release,
			c->layout->warnings);
fail:
	kfree(vi);
	return ret;
}

/**
 * vmcf_vmcore_free() - undo vmcf_vmcore_load()
 * @c: as vmcf_vmcore_load() left it, even after a failure
 */
void vmcf_vmcore_free(struct vmcf_crash *c)
{
	kfree(c->layout);
	kfree(c->ram_pfns);
	kfree(c->ram);
	c->layout = NULL;
	c->ram_pfns = NULL;
	c->ram = NULL;
	c->nr_ram = 0;
	c->nr_ram_pfns = 0;
	c->max_pfn = 0;
}
