// SPDX-License-Identifier: GPL-2.0
/*
 * Locate a crashed x86_64 kernel's struct pages: mem_section decoding and
 * kernel page-table walks, for the module and the userspace filter.
 *
 * The facts used, all the same in 6.1 and 6.12:
 *  - include/linux/mmzone.h: section_mem_map holds the address of the
 *    section's mem_map minus its first pfn (sparse_encode_mem_map()), with
 *    flag bits below SECTION_MAP_LAST_BIT (4, or 5 with ZONE_DEVICE):
 *    SECTION_MARKED_PRESENT (bit 0), SECTION_HAS_MEM_MAP (bit 1) and
 *    SECTION_IS_ONLINE (bit 2).  The mem_map is page aligned, so masking
 *    the page offset bits removes every flag whatever the configuration.
 *    With SPARSEMEM_VMEMMAP the decoded value of every section is the
 *    vmemmap base itself.
 *  - SPARSEMEM_EXTREME: mem_section is a pointer to NR_SECTION_ROOTS root
 *    pointers, each to PAGE_SIZE / sizeof(struct mem_section) sections, and
 *    VMCOREINFO_SYMBOL_ARRAY() prints the pointer's value.  Without it,
 *    mem_section is a static array of NR_MEM_SECTIONS sections.
 *    LENGTH(mem_section) (NR_SECTION_ROOTS) tells the two apart.
 *  - arch/x86/include/asm/page_64.h: __pa_symbol(x) is
 *    x - __START_KERNEL_map + phys_base, which locates init_top_pgt.
 *  - arch/x86/include/asm/pgtable_types.h: _PAGE_PRESENT is bit 0, _PAGE_PSE
 *    (a 1 GiB leaf in a PUD, 2 MiB in a PMD) bit 7, the physical address
 *    bits 12-51, with sme_me_mask set in every entry under SME.
 */

#include "vmcf_types.h"
#include "vmcf_classify.h"
#include "vmcf_memmap.h"

#define VMCF_START_KERNEL_MAP	0xffffffff80000000ULL
#define VMCF_PTE_PRESENT	0x1ULL
#define VMCF_PTE_PSE		0x80ULL
#define VMCF_PTE_ADDR		0x000ffffffffff000ULL
#define VMCF_PT_ENTRIES		512
#define VMCF_X86_PAGE_SHIFT	12

/* include/linux/mmzone.h, unchanged from 4.13 to 6.12 */
#define VMCF_SECTION_PRESENT	0x1ULL
#define VMCF_SECTION_HAS_MAP	0x2ULL
#define VMCF_SECTION_ONLINE	0x4ULL
#define VMCF_SECTION_USABLE	(VMCF_SECTION_PRESENT | VMCF_SECTION_HAS_MAP | \
				 VMCF_SECTION_ONLINE)

/* ------------------------------------------------------------------ */
/* Messages without printf: the same code runs in the kernel and libc   */

static void vmcf_mm_hex(char *buf, size_t len, u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[19];
	int i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = digits[v & 0xf];
		v >>= 4;
	} while (v && i > 2);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	vmcf_cat(buf, len, tmp + i);
}

static int vmcf_mm_fail(char *err, size_t errlen, const char *a,
			const char *b)
{
	if (err && errlen) {
		err[0] = '\0';
		vmcf_cat(err, errlen, a);
		vmcf_cat(err, errlen, b);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Page-table walk                                                      */

/* Only the kernel half, canonical for the paging mode, is translated. */
static bool vmcf_mm_kernel_addr(const struct vmcf_memmap *m, u64 vaddr)
{
	unsigned int bits = m->levels == 5 ? 57 : 48;

	return (vaddr >> (bits - 1)) == (~0ULL >> (bits - 1));
}

/**
 * vmcf_memmap_vtop() - translate a kernel virtual address
 * @m: set up by vmcf_memmap_init() (@m->top_pgt and @m->levels at least)
 * @rctx: read context passed to @m->read
 * @vaddr: a kernel virtual address of the crashed kernel
 * @paddr_ret: its physical address
 * @len_ret: bytes from @vaddr to the end of the page-table leaf mapping it
 *	(4 KiB, 2 MiB or 1 GiB leaf), all physically contiguous
 *
 * Walks init_top_pgt: at most one read per level, so it always ends, even
 * on page tables that point back to themselves.
 *
 * Return: 0; -EFAULT if @vaddr is not a canonical kernel address, is not
 * mapped, or an entry is malformed or points past MAX_PHYSMEM_BITS; or the
 * error of @m->read.
 */
int vmcf_memmap_vtop(const struct vmcf_memmap *m, void *rctx, u64 vaddr,
		     u64 *paddr_ret, u64 *len_ret)
{
	u64 table = m->top_pgt, entry, next, size;
	unsigned int level, shift;
	int ret;

	if (m->levels != 4 && m->levels != 5)
		return -EINVAL;
	if (!vmcf_mm_kernel_addr(m, vaddr))
		return -EFAULT;
	for (level = m->levels; level >= 1; level--) {
		shift = VMCF_X86_PAGE_SHIFT + 9 * (level - 1);
		ret = m->read(rctx, table + ((vaddr >> shift) &
					     (VMCF_PT_ENTRIES - 1)) * 8,
			      &entry, sizeof(entry));
		if (ret)
			return ret;
		if (!(entry & VMCF_PTE_PRESENT))
			return -EFAULT;
		next = entry & m->entry_mask;
		if (level == 1 || (entry & VMCF_PTE_PSE)) {
			/* PSE is a leaf in a PUD or PMD, reserved above. */
			if (level > 3)
				return -EFAULT;
			size = 1ULL << shift;
			next &= ~(size - 1);
			if (next >= m->phys_limit ||
			    m->phys_limit - next < size)
				return -EFAULT;
			*paddr_ret = next + (vaddr & (size - 1));
			*len_ret = size - (vaddr & (size - 1));
			return 0;
		}
		if (next >= m->phys_limit)
			return -EFAULT;
		table = next;
	}
	return -EFAULT;
}

/**
 * vmcf_memmap_vread() - read the crashed kernel's virtual memory
 * @m: set up by vmcf_memmap_init()
 * @rctx: read context passed to @m->read
 * @vaddr: kernel virtual address
 * @buf: receives @len bytes
 * @len: bytes to read
 *
 * Return: 0, or the error of vmcf_memmap_vtop() or @m->read.
 */
int vmcf_memmap_vread(const struct vmcf_memmap *m, void *rctx, u64 vaddr,
		      void *buf, size_t len)
{
	u8 *out = buf;
	u64 pa, left;
	size_t n;
	int ret;

	/* Each pass moves at least one byte: bounded by @len. */
	while (len) {
		if (vaddr + len < vaddr)
			return -EFAULT;
		ret = vmcf_memmap_vtop(m, rctx, vaddr, &pa, &left);
		if (ret)
			return ret;
		n = left < len ? (size_t)left : len;
		ret = m->read(rctx, pa, out, n);
		if (ret)
			return ret;
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* mem_section                                                          */

/**
 * vmcf_memmap_section_pfns() - pfns per memory section
 * @m: set up by vmcf_memmap_init()
 *
 * Return: 1 << (SECTION_SIZE_BITS - PAGE_SHIFT), 32768 on x86_64.
 */
u64 vmcf_memmap_section_pfns(const struct vmcf_memmap *m)
{
	return 1ULL << m->section_shift;
}

/*
 * The raw section_mem_map of section @nr.  -ENOENT means exactly "its root
 * is absent" (the reader's own -ENOENT becomes -EIO).
 */
static int vmcf_mm_raw_section(const struct vmcf_memmap *m, void *rctx,
			       u64 nr, u64 *raw)
{
	u64 root, addr;
	int ret;

	if (!m->ms_extreme) {
		if (nr >= m->ms_roots)
			return -ERANGE;
		addr = m->ms_addr + nr * m->ms_size;
	} else {
		root = nr / m->ms_per_root;
		if (root >= m->ms_roots)
			return -ERANGE;
		ret = vmcf_memmap_vread(m, rctx, m->ms_addr + root * 8, &addr,
					sizeof(addr));
		if (ret)
			return ret == -ENOENT ? -EIO : ret;
		if (!addr)
			return -ENOENT;
		addr += (nr % m->ms_per_root) * m->ms_size;
	}
	ret = vmcf_memmap_vread(m, rctx, addr + m->ms_off_map, raw,
				sizeof(*raw));
	return ret == -ENOENT ? -EIO : ret;
}

/* Decode a section_mem_map value: the vmemmap base it encodes, or 0. */
static u64 vmcf_mm_decode(const struct vmcf_memmap *m, u64 raw)
{
	if ((raw & VMCF_SECTION_USABLE) != VMCF_SECTION_USABLE)
		return 0;
	return raw & m->map_mask;
}

/**
 * vmcf_memmap_section() - the mem_map of the section holding a pfn
 * @m: set up by vmcf_memmap_init()
 * @rctx: read context passed to @m->read
 * @pfn: page frame number
 * @map_ret: what the section encodes: the virtual address pfn 0's struct
 *	page would have (the section's mem_map minus its first pfn); with
 *	SPARSEMEM_VMEMMAP that is the vmemmap base
 *
 * Return: 0; -ERANGE if @pfn is past MAX_PHYSMEM_BITS; -ENOENT if the
 * section is not present, has no mem_map or is offline (its struct pages
 * are then not maintained); -EINVAL if it disagrees with @m->vmemmap_base
 * (a corrupt section); or a read error.
 */
int vmcf_memmap_section(const struct vmcf_memmap *m, void *rctx, u64 pfn,
			u64 *map_ret)
{
	u64 raw, map;
	int ret;

	if (pfn >= m->pfn_limit)
		return -ERANGE;
	ret = vmcf_mm_raw_section(m, rctx, pfn >> m->section_shift, &raw);
	if (ret)
		return ret;
	map = vmcf_mm_decode(m, raw);
	if (!map)
		return -ENOENT;
	if (m->vmemmap_base && map != m->vmemmap_base)
		return -EINVAL;
	*map_ret = map;
	return 0;
}

/* Virtual address of byte @off of @pfn's struct page, by @map. */
static int vmcf_mm_page_va(const struct vmcf_memmap *m, u64 map, u64 pfn,
			   u64 off, u64 *va)
{
	u64 v = map + pfn * m->struct_page_size + off;

	/* pfn < 2^40 and SIZE(page) <= 128: only the addition can wrap. */
	if (v < map)
		return -EFAULT;
	*va = v;
	return 0;
}

/**
 * vmcf_memmap_locate() - physical address of a run of struct pages
 * @m: set up by vmcf_memmap_init()
 * @rctx: read context passed to @m->read
 * @pfn: first pfn
 * @max_nr: most struct pages wanted
 * @paddr_ret: physical address of @pfn's struct page
 * @nr_ret: how many struct pages from @pfn on (at most @max_nr, never past
 *	the end of @pfn's section) lie in physically contiguous memory from
 *	@paddr_ret.  A 2 MiB vmemmap leaf holds 32768 of them, a 4 KiB one
 *	(hugetlb vmemmap optimisation, hotplug) 64.  It is 0 only if the
 *	first struct page itself straddles two leaves that are not
 *	contiguous; use vmcf_memmap_read() for such pages.
 *
 * Return: 0, or the error of vmcf_memmap_section() or vmcf_memmap_vtop().
 */
int vmcf_memmap_locate(const struct vmcf_memmap *m, void *rctx, u64 pfn,
		       u64 max_nr, u64 *paddr_ret, u64 *nr_ret)
{
	u64 map, va, pa, len, pa2, len2, want, have, sec_left;
	int ret;

	ret = vmcf_memmap_section(m, rctx, pfn, &map);
	if (ret)
		return ret;
	ret = vmcf_mm_page_va(m, map, pfn, 0, &va);
	if (ret)
		return ret;
	ret = vmcf_memmap_vtop(m, rctx, va, &pa, &len);
	if (ret)
		return ret;

	sec_left = vmcf_memmap_section_pfns(m) -
		   (pfn & (vmcf_memmap_section_pfns(m) - 1));
	if (max_nr > sec_left)
		max_nr = sec_left;
	want = max_nr * m->struct_page_size;
	have = len;
	/* Each leaf is at least 4 KiB: at most want / 4096 + 1 passes. */
	while (have < want) {
		if (va + have < va)
			break;
		if (vmcf_memmap_vtop(m, rctx, va + have, &pa2, &len2))
			break;
		if (pa2 != pa + have)
			break;
		have += len2;
	}
	if (have > want)
		have = want;
	*paddr_ret = pa;
	*nr_ret = have / m->struct_page_size;
	return 0;
}

/**
 * vmcf_memmap_read() - copy struct pages out of the crashed kernel
 * @m: set up by vmcf_memmap_init()
 * @rctx: read context passed to @m->read
 * @pfn: first pfn
 * @nr: number of struct pages
 * @buf: receives @nr * SIZE(page) bytes
 *
 * Works for any run of pfns, across sections and page-table leaves.
 *
 * Return: 0, or the first error of vmcf_memmap_section(),
 * vmcf_memmap_vtop() or @m->read; @buf is then partly filled.
 */
int vmcf_memmap_read(const struct vmcf_memmap *m, void *rctx, u64 pfn,
		     u64 nr, void *buf)
{
	u64 sps = m->struct_page_size, spp = vmcf_memmap_section_pfns(m);
	u64 total, done = 0, map = 0, sec = ~0ULL, p, off, va, pa, len, n;
	u8 *out = buf;
	int ret;

	if (!nr)
		return 0;
	if (pfn >= m->pfn_limit || nr > m->pfn_limit - pfn)
		return -ERANGE;
	total = nr * sps;
	/* Each pass copies at least one byte: bounded by @total. */
	while (done < total) {
		p = pfn + done / sps;
		off = done % sps;
		if (p / spp != sec) {
			ret = vmcf_memmap_section(m, rctx, p, &map);
			if (ret)
				return ret;
			sec = p / spp;
		}
		ret = vmcf_mm_page_va(m, map, p, off, &va);
		if (ret)
			return ret;
		ret = vmcf_memmap_vtop(m, rctx, va, &pa, &len);
		if (ret)
			return ret;
		/* Stop at the section end: the next one is checked anew. */
		n = (spp - p % spp) * sps - off;
		if (n > len)
			n = len;
		if (n > total - done)
			n = total - done;
		ret = m->read(rctx, pa, out + done, (size_t)n);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Setup                                                                */

static int vmcf_mm_need(const struct vmcf_layout *l, enum vmcf_vi key,
			const char *name, u64 *val, char *err, size_t errlen)
{
	if (!vmcf_vi_get(l, key, val))
		return vmcf_mm_fail(err, errlen, "VMCOREINFO lacks ", name);
	return 0;
}

static int vmcf_mm_setup_sections(struct vmcf_memmap *m,
				  const struct vmcf_layout *l, char *err,
				  size_t errlen)
{
	u64 bits, phys_bits, len, size, off, nr_sections, per_root;

	if (vmcf_mm_need(l, VMCF_VI_MAX_PHYSMEM_BITS,
			 "NUMBER(MAX_PHYSMEM_BITS)", &phys_bits, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_SECTION_SIZE_BITS,
			 "NUMBER(SECTION_SIZE_BITS)", &bits, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_SYM_MEM_SECTION, "SYMBOL(mem_section)",
			 &m->ms_addr, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_LEN_MEM_SECTION, "LENGTH(mem_section)",
			 &len, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_SIZE_MEM_SECTION, "SIZE(mem_section)",
			 &size, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_OFF_SECTION_MEM_MAP,
			 "OFFSET(mem_section.section_mem_map)", &off, err,
			 errlen))
		return -EINVAL;

	/* x86_64: 46 bits with 4-level paging, 52 with 5-level. */
	if (phys_bits < 32 || phys_bits > 52)
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "NUMBER(MAX_PHYSMEM_BITS)");
	if (bits <= m->page_shift || bits >= phys_bits ||
	    bits - m->page_shift > 30)
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "NUMBER(SECTION_SIZE_BITS)");
	if (size < 8 || size > (1ULL << m->page_shift) / 2 || (size & 7))
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "SIZE(mem_section)");
	if ((off & 7) || off > size - 8)
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "OFFSET(mem_section.section_mem_map)");

	m->phys_limit = 1ULL << phys_bits;
	m->pfn_limit = m->phys_limit >> m->page_shift;
	m->section_shift = (u32)(bits - m->page_shift);
	m->ms_size = (u32)size;
	m->ms_off_map = (u32)off;
	nr_sections = 1ULL << (phys_bits - bits);
	per_root = (1ULL << m->page_shift) / size;
	if (len == (nr_sections + per_root - 1) / per_root) {
		m->ms_extreme = true;
		m->ms_per_root = per_root;
	} else if (len == nr_sections) {
		m->ms_extreme = false;
		m->ms_per_root = 1;
	} else {
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "LENGTH(mem_section): neither SPARSEMEM_EXTREME nor static");
	}
	m->ms_roots = len;
	m->map_mask = ~((1ULL << m->page_shift) - 1);
	return 0;
}

static int vmcf_mm_setup_paging(struct vmcf_memmap *m,
				const struct vmcf_layout *l, char *err,
				size_t errlen)
{
	u64 sym, phys_base, l5 = 0, sme = 0;

	if (vmcf_mm_need(l, VMCF_VI_SYM_INIT_TOP_PGT, "SYMBOL(init_top_pgt)",
			 &sym, err, errlen) ||
	    vmcf_mm_need(l, VMCF_VI_PHYS_BASE, "NUMBER(phys_base)",
			 &phys_base, err, errlen))
		return -EINVAL;
	/* Both exported since 4.14 (5-level paging) and 4.14 (SME). */
	vmcf_vi_get(l, VMCF_VI_PGTABLE_L5, &l5);
	vmcf_vi_get(l, VMCF_VI_SME_MASK, &sme);
	m->levels = l5 ? 5 : 4;
	m->entry_mask = VMCF_PTE_ADDR & ~sme;

	/* __pa_symbol(): the kernel image is mapped at phys_base. */
	if (sym < VMCF_START_KERNEL_MAP)
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "SYMBOL(init_top_pgt)");
	m->top_pgt = sym - VMCF_START_KERNEL_MAP + phys_base;
	if (m->top_pgt >= m->phys_limit ||
	    (m->top_pgt & ((1ULL << m->page_shift) - 1)))
		return vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				    "SYMBOL(init_top_pgt) or NUMBER(phys_base)");
	return 0;
}

/*
 * vmemmap_base from the first usable section at or after @first_pfn.
 * Absent roots are skipped whole; at most VMCF_MEMMAP_PROBES sections are
 * read, so a garbage root array cannot make this slow.
 */
static int vmcf_mm_find_base(struct vmcf_memmap *m, void *rctx,
			     u64 first_pfn, char *err, size_t errlen)
{
	u64 nr = first_pfn >> m->section_shift, raw, base;
	u64 nr_sections = m->ms_roots * m->ms_per_root;
	unsigned int probes;
	int ret;

	for (probes = 0; probes < VMCF_MEMMAP_PROBES && nr < nr_sections;
	     probes++) {
		ret = vmcf_mm_raw_section(m, rctx, nr, &raw);
		if (ret == -ENOENT) {
			nr = (nr / m->ms_per_root + 1) * m->ms_per_root;
			continue;
		}
		if (ret) {
			vmcf_mm_fail(err, errlen, "cannot read mem_section",
				     ": section ");
			vmcf_mm_hex(err, errlen, nr);
			return ret;
		}
		base = vmcf_mm_decode(m, raw);
		if (base) {
			if (!vmcf_mm_kernel_addr(m, base)) {
				vmcf_mm_fail(err, errlen, "mem_section ",
					     "encodes a non-kernel mem_map ");
				vmcf_mm_hex(err, errlen, base);
				return -EINVAL;
			}
			m->vmemmap_base = base;
			return 0;
		}
		nr++;
	}
	vmcf_mm_fail(err, errlen, "mem_section has no section with a ",
		     "mem_map from pfn ");
	vmcf_mm_hex(err, errlen, first_pfn);
	return -ENOENT;
}

/**
 * vmcf_memmap_init() - set up struct page lookups for a crashed kernel
 * @m: filled in
 * @l: the crashed kernel's layout, from vmcf_layout_parse()
 * @read: reads the crashed kernel's physical memory (see struct vmcf_memmap)
 * @rctx: read context for the reads done here
 * @first_pfn: a RAM pfn; vmemmap_base is decoded from the first section
 *	with a mem_map at or after it
 * @err: buffer for a message on failure, may be NULL
 * @errlen: size of @err
 *
 * Needs SYMBOL(mem_section), LENGTH(mem_section), SIZE(mem_section),
 * OFFSET(mem_section.section_mem_map), NUMBER(SECTION_SIZE_BITS),
 * NUMBER(MAX_PHYSMEM_BITS), SYMBOL(init_top_pgt) and NUMBER(phys_base).
 * 6.1 does not export the vmemmap base: it is what every section of a
 * SPARSEMEM_VMEMMAP kernel encodes, since mem_map - first pfn of the
 * section is pfn_to_page(0).  6.12 exports SYMBOL(vmemmap), which must
 * agree with the sections.
 *
 * Return: 0, or a negative errno with @err naming the missing or unusable
 * entry or the mem_section that could not be decoded; @m is then zeroed.
 */
int vmcf_memmap_init(struct vmcf_memmap *m, const struct vmcf_layout *l,
		     int (*read)(void *rctx, u64 paddr, void *buf,
				 size_t len),
		     void *rctx, u64 first_pfn, char *err, size_t errlen)
{
	u64 exported;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	if (!l || !read) {
		ret = vmcf_mm_fail(err, errlen, "no layout or reader", "");
		goto out;
	}
	if (l->pagesize != 1U << VMCF_X86_PAGE_SHIFT) {
		ret = vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				   "PAGESIZE: not an x86_64 kernel");
		goto out;
	}
	m->read = read;
	m->struct_page_size = l->struct_page_size;
	m->page_shift = VMCF_X86_PAGE_SHIFT;

	ret = vmcf_mm_setup_sections(m, l, err, errlen);
	if (!ret)
		ret = vmcf_mm_setup_paging(m, l, err, errlen);
	if (!ret && !vmcf_mm_kernel_addr(m, m->ms_addr))
		ret = vmcf_mm_fail(err, errlen, "VMCOREINFO has an unusable ",
				   "SYMBOL(mem_section)");
	if (!ret)
		ret = vmcf_mm_find_base(m, rctx, first_pfn, err, errlen);
	if (ret)
		goto out;
	if (vmcf_vi_get(l, VMCF_VI_SYM_VMEMMAP, &exported) &&
	    exported != m->vmemmap_base) {
		vmcf_mm_fail(err, errlen, "SYMBOL(vmemmap) ",
			     "disagrees with mem_section: ");
		vmcf_mm_hex(err, errlen, exported);
		vmcf_cat(err, errlen, " vs ");
		vmcf_mm_hex(err, errlen, m->vmemmap_base);
		ret = -EINVAL;
	}
out:
	if (ret)
		memset(m, 0, sizeof(*m));
	return ret;
}
