// SPDX-License-Identifier: GPL-2.0
/*
 * Parse a crashed kernel's VMCOREINFO into a struct vmcf_layout, then
 * classify ranges of its struct page array.
 *
 * Nothing here trusts its input.  Every offset is checked against SIZE(page)
 * once, at parse time; every read stays inside the caller's buffers; every
 * loop is bounded; and a struct page that cannot be decoded is CORRUPT,
 * which is always kept in the dump.
 */

#include "vmcf_types.h"
#include "vmcf_classify.h"

/* ------------------------------------------------------------------ */
/* Classes                                                              */

struct vmcf_class_info {
	const char *name;
	const char *desc;
	u8 dl_bits;
	bool excludable;
};

static const struct vmcf_class_info vmcf_classes[VMCF_NR_CLASSES] = {
#define VMCF_CLASS(id, nm, bits, excl, dsc)				\
	[VMCF_##id] = { .name = nm, .desc = dsc, .dl_bits = (bits),	\
			.excludable = (excl) },
#include "vmcf_classes.def"
#undef VMCF_CLASS
};

/**
 * vmcf_class_name() - short name of a class
 * @cls: an enum vmcf_class
 *
 * Return: the name from vmcf_classes.def, or "invalid".
 */
const char *vmcf_class_name(int cls)
{
	if (cls < 0 || cls >= VMCF_NR_CLASSES)
		return "invalid";
	return vmcf_classes[cls].name;
}

/**
 * vmcf_class_desc() - one-line description of a class
 * @cls: an enum vmcf_class
 *
 * Return: the description from vmcf_classes.def, or "invalid".
 */
const char *vmcf_class_desc(int cls)
{
	if (cls < 0 || cls >= VMCF_NR_CLASSES)
		return "invalid";
	return vmcf_classes[cls].desc;
}

/**
 * vmcf_dump_level_to_mask() - classes to exclude at a makedumpfile level
 * @level: makedumpfile -d level, 0 to 31
 *
 * Classes that are always excluded (offline, hwpoison, unaccepted) are in
 * every mask; classes that are never excludable are in none.  A level
 * outside 0..31 is treated as 0.
 *
 * Return: a mask with bit (1 << class) set for each class to exclude.
 */
u32 vmcf_dump_level_to_mask(int level)
{
	u32 mask = 0;
	int c;

	if (level < 0 || level > 31)
		level = 0;
	for (c = 0; c < VMCF_NR_CLASSES; c++) {
		const struct vmcf_class_info *ci = &vmcf_classes[c];

		if (ci->excludable && (!ci->dl_bits || (level & ci->dl_bits)))
			mask |= 1U << c;
	}
	return mask;
}

/* ------------------------------------------------------------------ */
/* Per-release facts that VMCOREINFO does not export                    */

enum vmcf_ptype_enc {
	VMCF_PT_INFER,		/* unknown release: guess from the buddy value */
	VMCF_PT_INVERTED,	/* 6.1: type = one cleared bit, ~PG_buddy etc. */
	VMCF_PT_BYTE,		/* 6.12: type = PGTY_* in the top byte */
};

#define VMCF_REL_TYPES	4

/**
 * struct vmcf_release - what one release needs beyond its VMCOREINFO
 * @prefix: OSRELEASE prefix
 * @ptype_enc: how page_type encodes page types
 * @pg_reserved: PG_reserved bit number, -1 if unknown
 * @order_in_flags1: the compound order is the low byte of page[1].flags
 *	(folio->_flags_1) rather than OFFSET(page.compound_order)
 * @max_order: largest buddy order, used if LENGTH(zone.free_area) is absent
 * @compound_max_order: largest compound order (1 GiB hugetlb on x86_64)
 * @mapping_anon: PAGE_MAPPING_ANON, 0 if unknown
 * @mapping_flags: PAGE_MAPPING_FLAGS
 * @types: page types VMCOREINFO does not export, as page_type values
 */
struct vmcf_release {
	const char *prefix;
	u8 ptype_enc;
	s8 pg_reserved;
	bool order_in_flags1;
	u8 max_order;
	u8 compound_max_order;
	u64 mapping_anon;
	u64 mapping_flags;
	struct vmcf_ptype types[VMCF_REL_TYPES];
};

static const struct vmcf_release vmcf_releases[] = {
	{
		/*
		 * 6.1: include/linux/page-flags.h (enum pageflags, PG_table,
		 * PG_guard, PAGE_MAPPING_*), include/linux/mmzone.h
		 * (MAX_ORDER 11: orders 0..10).  Order and hugetlb dtor are
		 * exported as OFFSET(page.compound_order/compound_dtor).
		 */
		.prefix = "6.1.",
		.ptype_enc = VMCF_PT_INVERTED,
		.pg_reserved = 12,
		.order_in_flags1 = false,
		.max_order = 10,
		.compound_max_order = 18,
		.mapping_anon = 0x1,
		.mapping_flags = 0x3,
		.types = {
			{ ~0x00000200U, VMCF_PGTABLE },	/* PG_table */
			{ ~0x00000400U, VMCF_KERNEL },	/* PG_guard */
		},
	},
	{
		/*
		 * 6.12: include/linux/page-flags.h (enum pageflags, enum
		 * pagetype), include/linux/mm.h folio_order() (_flags_1 & 0xff),
		 * include/linux/mmzone.h (MAX_PAGE_ORDER 10).
		 */
		.prefix = "6.12.",
		.ptype_enc = VMCF_PT_BYTE,
		.pg_reserved = 13,
		.order_in_flags1 = true,
		.max_order = 10,
		.compound_max_order = 18,
		.mapping_anon = 0x1,
		.mapping_flags = 0x3,
		.types = {
			{ 0xf2000000U, VMCF_PGTABLE },	/* PGTY_table */
			{ 0xf3000000U, VMCF_KERNEL },	/* PGTY_guard */
			{ 0xf6000000U, VMCF_KERNEL },	/* PGTY_zsmalloc */
			{ 0xf7000000U, VMCF_UNACCEPTED },	/* PGTY_unaccepted */
		},
	},
};

/* Unknown release: only what VMCOREINFO itself says. */
static const struct vmcf_release vmcf_generic = {
	.prefix = "",
	.ptype_enc = VMCF_PT_INFER,
	.pg_reserved = -1,
	.compound_max_order = 18,
};

/* 6.1 page_has_type(): below PAGE_MAPCOUNT_RESERVE (-128) */
#define VMCF_INVERTED_BELOW	(-128)
/* 6.12 page_type_has_type(): below PGTY_mapcount_underflow << 24 */
#define VMCF_BYTE_BELOW		(-0x01000000)
#define VMCF_BYTE_MASK		0xff000000U

/* ------------------------------------------------------------------ */
/* VMCOREINFO text                                                      */

static const char *const vmcf_vi_keys[VMCF_VI_NR] = {
	[VMCF_VI_PAGESIZE] = "PAGESIZE",
	[VMCF_VI_SIZE_PAGE] = "SIZE(page)",
	[VMCF_VI_SIZE_LIST_HEAD] = "SIZE(list_head)",
	[VMCF_VI_OFF_FLAGS] = "OFFSET(page.flags)",
	[VMCF_VI_OFF_REFCOUNT] = "OFFSET(page._refcount)",
	[VMCF_VI_OFF_MAPPING] = "OFFSET(page.mapping)",
	[VMCF_VI_OFF_MAPCOUNT] = "OFFSET(page._mapcount)",
	[VMCF_VI_OFF_PRIVATE] = "OFFSET(page.private)",
	[VMCF_VI_OFF_COMPOUND_HEAD] = "OFFSET(page.compound_head)",
	[VMCF_VI_OFF_COMPOUND_DTOR] = "OFFSET(page.compound_dtor)",
	[VMCF_VI_OFF_COMPOUND_ORDER] = "OFFSET(page.compound_order)",
	[VMCF_VI_LEN_FREE_AREA] = "LENGTH(zone.free_area)",
	[VMCF_VI_PG_LRU] = "NUMBER(PG_lru)",
	[VMCF_VI_PG_PRIVATE] = "NUMBER(PG_private)",
	[VMCF_VI_PG_SWAPCACHE] = "NUMBER(PG_swapcache)",
	[VMCF_VI_PG_SWAPBACKED] = "NUMBER(PG_swapbacked)",
	[VMCF_VI_PG_HEAD_MASK] = "NUMBER(PG_head_mask)",
	[VMCF_VI_PG_SLAB] = "NUMBER(PG_slab)",
	[VMCF_VI_PG_HWPOISON] = "NUMBER(PG_hwpoison)",
	[VMCF_VI_BUDDY_VALUE] = "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)",
	[VMCF_VI_OFFLINE_VALUE] = "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)",
	[VMCF_VI_SLAB_VALUE] = "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)",
	[VMCF_VI_HUGETLB_VALUE] = "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)",
	[VMCF_VI_UNACCEPTED_VALUE] = "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)",
	[VMCF_VI_HUGETLB_DTOR] = "NUMBER(HUGETLB_PAGE_DTOR)",
	[VMCF_VI_SYM_MEM_SECTION] = "SYMBOL(mem_section)",
	[VMCF_VI_LEN_MEM_SECTION] = "LENGTH(mem_section)",
	[VMCF_VI_SIZE_MEM_SECTION] = "SIZE(mem_section)",
	[VMCF_VI_OFF_SECTION_MEM_MAP] = "OFFSET(mem_section.section_mem_map)",
	[VMCF_VI_SECTION_SIZE_BITS] = "NUMBER(SECTION_SIZE_BITS)",
	[VMCF_VI_MAX_PHYSMEM_BITS] = "NUMBER(MAX_PHYSMEM_BITS)",
	[VMCF_VI_SYM_INIT_TOP_PGT] = "SYMBOL(init_top_pgt)",
	[VMCF_VI_SYM_SWAPPER_PG_DIR] = "SYMBOL(swapper_pg_dir)",
	[VMCF_VI_SYM_STEXT] = "SYMBOL(_stext)",
	[VMCF_VI_KERNELOFFSET] = "KERNELOFFSET",
	[VMCF_VI_PHYS_BASE] = "NUMBER(phys_base)",
	[VMCF_VI_SYM_PHYS_BASE] = "SYMBOL(phys_base)",
	[VMCF_VI_PGTABLE_L5] = "NUMBER(pgtable_l5_enabled)",
	[VMCF_VI_SYM_VMEMMAP] = "SYMBOL(vmemmap)",
	[VMCF_VI_VMALLOC_START] = "NUMBER(VMALLOC_START)",
	[VMCF_VI_SME_MASK] = "NUMBER(sme_mask)",
};

/* Without these nothing can be excluded safely; listed in report order. */
static const u8 vmcf_vi_required[] = {
	VMCF_VI_PAGESIZE, VMCF_VI_SIZE_PAGE, VMCF_VI_OFF_FLAGS,
	VMCF_VI_OFF_REFCOUNT, VMCF_VI_OFF_MAPPING, VMCF_VI_OFF_MAPCOUNT,
	VMCF_VI_OFF_PRIVATE, VMCF_VI_OFF_COMPOUND_HEAD, VMCF_VI_PG_LRU,
	VMCF_VI_PG_PRIVATE, VMCF_VI_PG_SWAPCACHE, VMCF_VI_PG_SWAPBACKED,
	VMCF_VI_PG_HEAD_MASK, VMCF_VI_BUDDY_VALUE,
};

static bool vmcf_have(const struct vmcf_layout *l, int key)
{
	return l->vi_have & (1ULL << key);
}

/**
 * vmcf_vi_get() - one raw VMCOREINFO value
 * @l: a layout filled by vmcf_layout_parse()
 * @key: which entry
 * @val: where to store it; NUMBER()s are sign-extended
 *
 * Return: true if the crashed kernel's VMCOREINFO had the entry.
 */
bool vmcf_vi_get(const struct vmcf_layout *l, enum vmcf_vi key, u64 *val)
{
	if (!l || (int)key < 0 || key >= VMCF_VI_NR || !vmcf_have(l, key))
		return false;
	if (val)
		*val = l->vi[key];
	return true;
}

/**
 * vmcf_cat - append a string to a message buffer, truncating
 * @buf: NUL-terminated buffer (may be NULL)
 * @len: its size in bytes
 * @s: what to append
 *
 * Messages are built without printf: the same code runs in the kernel and
 * in userspace.
 */
void vmcf_cat(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (!buf || !len)
		return;
	while (n < len - 1 && buf[n])
		n++;
	while (n < len - 1 && *s)
		buf[n++] = *s++;
	buf[n] = '\0';
}

static int vmcf_fail(char *err, size_t errlen, const char *a, const char *b)
{
	if (err && errlen) {
		err[0] = '\0';
		vmcf_cat(err, errlen, a);
		vmcf_cat(err, errlen, b);
	}
	return -EINVAL;
}

static void vmcf_warn(struct vmcf_layout *l, const char *a, const char *b)
{
	if (l->warnings[0])
		vmcf_cat(l->warnings, sizeof(l->warnings), "; ");
	vmcf_cat(l->warnings, sizeof(l->warnings), a);
	vmcf_cat(l->warnings, sizeof(l->warnings), b);
}

static int vmcf_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Parse "[-][0x]digits" exactly filling @n bytes.  SYMBOL() and KERNELOFFSET
 * are bare hex, NUMBER() is %ld (or 0x%lx for VMALLOC_START), the rest %lu.
 */
static bool vmcf_parse_num(const char *s, size_t n, bool hex, u64 *out)
{
	unsigned int base = hex ? 16 : 10;
	bool neg = false;
	size_t i = 0;
	u64 v = 0;
	int d;

	if (i < n && s[i] == '-') {
		neg = true;
		i++;
	}
	if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		d = vmcf_digit(s[i]);
		if (d < 0 || (unsigned int)d >= base)
			return false;
		if (v > (~0ULL - d) / base)
			return false;
		v = v * base + d;
	}
	if (neg) {
		if (v > 1ULL << 63)
			return false;
		v = 0 - v;
	}
	*out = v;
	return true;
}

static bool vmcf_key_is(const char *key, size_t klen, const char *name)
{
	size_t n = strlen(name);

	return n == klen && !memcmp(key, name, n);
}

/* OSRELEASE, printable characters only (it ends up in messages). */
static int vmcf_take_release(struct vmcf_layout *l, const char *val,
			     size_t vlen, char *err, size_t errlen)
{
	char rel[VMCF_RELEASE_LEN];
	size_t i, n = 0;

	for (i = 0; i < vlen && n < sizeof(rel) - 1; i++)
		if (val[i] > ' ' && val[i] < 0x7f)
			rel[n++] = val[i];
	rel[n] = '\0';
	if (l->release[0] && strcmp(l->release, rel))
		return vmcf_fail(err, errlen, "VMCOREINFO has conflicting ",
				 "OSRELEASE");
	memcpy(l->release, rel, sizeof(rel));
	return 0;
}

/* One "KEY=VALUE" line; unknown keys are ignored. */
static int vmcf_take(struct vmcf_layout *l, const char *key, size_t klen,
		     const char *val, size_t vlen, char *err, size_t errlen)
{
	const char *name;
	bool hex;
	u64 v;
	int k;

	if (vmcf_key_is(key, klen, "OSRELEASE"))
		return vmcf_take_release(l, val, vlen, err, errlen);
	for (k = 0; k < VMCF_VI_NR; k++) {
		name = vmcf_vi_keys[k];
		if (!vmcf_key_is(key, klen, name))
			continue;
		hex = !strncmp(name, "SYMBOL(", 7) || k == VMCF_VI_KERNELOFFSET;
		if (!vmcf_parse_num(val, vlen, hex, &v))
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has a malformed ", name);
		if (vmcf_have(l, k) && l->vi[k] != v)
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has conflicting ", name);
		l->vi[k] = v;
		l->vi_have |= 1ULL << k;
		return 0;
	}
	return 0;
}

/* Split into lines at '\n' or NUL; never looks at vi[len] or beyond. */
static int vmcf_scan(struct vmcf_layout *l, const char *vi, size_t len,
		     char *err, size_t errlen)
{
	size_t pos = 0, end, eq;
	int ret;

	while (pos < len) {
		eq = len;
		for (end = pos; end < len && vi[end] != '\n' && vi[end]; end++)
			if (eq == len && vi[end] == '=')
				eq = end;
		if (eq < end) {
			ret = vmcf_take(l, vi + pos, eq - pos, vi + eq + 1,
					end - eq - 1, err, errlen);
			if (ret)
				return ret;
		}
		pos = end + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Layout                                                               */

static const struct vmcf_release *vmcf_find_release(const char *rel)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(vmcf_releases); i++) {
		n = strlen(vmcf_releases[i].prefix);
		if (!strncmp(rel, vmcf_releases[i].prefix, n))
			return &vmcf_releases[i];
	}
	return &vmcf_generic;
}

/* An offset into struct page, checked so that @width bytes fit. */
static int vmcf_offset(struct vmcf_layout *l, int key, unsigned int width,
		       u32 *out, char *err, size_t errlen)
{
	if (l->vi[key] > l->struct_page_size - width)
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 vmcf_vi_keys[key]);
	*out = (u32)l->vi[key];
	return 0;
}

/* A page flag bit number as a mask of page->flags; 0 if not exported. */
static int vmcf_flag(struct vmcf_layout *l, int key, u64 *mask, char *err,
		     size_t errlen)
{
	*mask = 0;
	if (!vmcf_have(l, key))
		return 0;
	if (l->vi[key] > 63)
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 vmcf_vi_keys[key]);
	*mask = 1ULL << l->vi[key];
	return 0;
}

static int vmcf_setup_page(struct vmcf_layout *l, char *err, size_t errlen)
{
	u64 ps = l->vi[VMCF_VI_PAGESIZE];
	u64 sps = l->vi[VMCF_VI_SIZE_PAGE];
	u64 head = l->vi[VMCF_VI_PG_HEAD_MASK];

	if (ps < 4096 || ps > (1ULL << 21) || (ps & (ps - 1)))
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 "PAGESIZE");
	if (sps < 48 || sps > VMCF_MAX_PAGE_STRUCT || (sps & 7))
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 "SIZE(page)");
	/* Pointers and longs are read as 8 bytes: a 64-bit kernel only. */
	if (vmcf_have(l, VMCF_VI_SIZE_LIST_HEAD) &&
	    l->vi[VMCF_VI_SIZE_LIST_HEAD] != 16)
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 "SIZE(list_head): not a 64-bit kernel");
	l->pagesize = (u32)ps;
	l->struct_page_size = (u32)sps;
	l->offs.sps = (u32)sps;

	if (vmcf_offset(l, VMCF_VI_OFF_FLAGS, 8, &l->offs.flags, err, errlen) ||
	    vmcf_offset(l, VMCF_VI_OFF_REFCOUNT, 4, &l->offs.refcount, err,
			errlen) ||
	    vmcf_offset(l, VMCF_VI_OFF_MAPPING, 8, &l->offs.mapping, err,
			errlen) ||
	    vmcf_offset(l, VMCF_VI_OFF_MAPCOUNT, 4, &l->offs.mapcount, err,
			errlen) ||
	    vmcf_offset(l, VMCF_VI_OFF_PRIVATE, 8, &l->off_private, err,
			errlen) ||
	    vmcf_offset(l, VMCF_VI_OFF_COMPOUND_HEAD, 8, &l->offs.chead,
			err, errlen))
		return -EINVAL;

	if (vmcf_flag(l, VMCF_VI_PG_LRU, &l->lru_mask, err, errlen) ||
	    vmcf_flag(l, VMCF_VI_PG_PRIVATE, &l->private_mask, err, errlen) ||
	    vmcf_flag(l, VMCF_VI_PG_SWAPCACHE, &l->swapcache_mask, err,
		      errlen) ||
	    vmcf_flag(l, VMCF_VI_PG_SWAPBACKED, &l->swapbacked_mask, err,
		      errlen) ||
	    vmcf_flag(l, VMCF_VI_PG_SLAB, &l->slab_mask, err, errlen) ||
	    vmcf_flag(l, VMCF_VI_PG_HWPOISON, &l->hwpoison_mask, err, errlen))
		return -EINVAL;

	if (!head || (head & (head - 1)))
		return vmcf_fail(err, errlen, "VMCOREINFO has an unusable ",
				 vmcf_vi_keys[VMCF_VI_PG_HEAD_MASK]);
	l->head_mask = head;
	return 0;
}

static bool vmcf_ptype_ok(int enc, u32 v)
{
	u32 bit = ~v;

	if (enc == VMCF_PT_BYTE)
		return !(v & ~VMCF_BYTE_MASK) && (s32)v < VMCF_BYTE_BELOW;
	return bit && !(bit & (bit - 1)) && (s32)v < VMCF_INVERTED_BELOW;
}

static void vmcf_add_type(struct vmcf_layout *l, u32 value, u8 cls)
{
	unsigned int i;

	value &= l->type_mask;
	for (i = 0; i < l->nr_types; i++)
		if (l->types[i].value == value)
			return;		/* VMCOREINFO's entry came first */
	if (l->nr_types < VMCF_MAX_PTYPES) {
		l->types[l->nr_types].value = value;
		l->types[l->nr_types].cls = cls;
		l->nr_types++;
	}
}

static int vmcf_setup_types(struct vmcf_layout *l,
			    const struct vmcf_release *rel, char *err,
			    size_t errlen)
{
	static const struct {
		u8 key;
		u8 cls;
	} exported[] = {
		{ VMCF_VI_BUDDY_VALUE, VMCF_FREE },
		{ VMCF_VI_OFFLINE_VALUE, VMCF_OFFLINE },
		{ VMCF_VI_SLAB_VALUE, VMCF_SLAB },
		{ VMCF_VI_HUGETLB_VALUE, VMCF_HUGETLB },
		{ VMCF_VI_UNACCEPTED_VALUE, VMCF_UNACCEPTED },
	};
	u32 buddy = (u32)l->vi[VMCF_VI_BUDDY_VALUE];
	int enc = rel->ptype_enc;
	size_t i;
	u32 v;

	/* 6.1 clears one bit per type; 6.12 stores a PGTY_* in the top byte. */
	if (enc == VMCF_PT_INFER)
		enc = vmcf_ptype_ok(VMCF_PT_BYTE, buddy) ? VMCF_PT_BYTE :
						      VMCF_PT_INVERTED;
	l->type_mask = enc == VMCF_PT_BYTE ? VMCF_BYTE_MASK : ~0U;
	l->type_below = enc == VMCF_PT_BYTE ? VMCF_BYTE_BELOW :
					      VMCF_INVERTED_BELOW;

	for (i = 0; i < ARRAY_SIZE(exported); i++) {
		if (!vmcf_have(l, exported[i].key))
			continue;
		v = (u32)l->vi[exported[i].key];
		if (!vmcf_ptype_ok(enc, v))
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has an unusable ",
					 vmcf_vi_keys[exported[i].key]);
		vmcf_add_type(l, v, exported[i].cls);
	}
	for (i = 0; i < VMCF_REL_TYPES; i++)
		if (rel->types[i].value)
			vmcf_add_type(l, rel->types[i].value, rel->types[i].cls);
	l->types_complete = rel != &vmcf_generic;
	return 0;
}

static int vmcf_setup_release(struct vmcf_layout *l,
			      const struct vmcf_release *rel, char *err,
			      size_t errlen)
{
	u64 n;

	l->table = rel->prefix;
	l->mapping_anon = rel->mapping_anon;
	l->mapping_flags = rel->mapping_flags;
	l->compound_max_order = rel->compound_max_order;
	if (rel == &vmcf_generic) {
		l->flags |= VMCF_LAYOUT_UNKNOWN_RELEASE;
		vmcf_warn(l, "unknown release ", l->release);
		vmcf_warn(l, "VMCOREINFO alone cannot tell page cache, user, ",
			  "reserved or page-table pages: kept as kernel");
	}

	/* Both 6.1 and 6.12 declare PG_reserved just before PG_private. */
	if (rel->pg_reserved >= 0 &&
	    l->vi[VMCF_VI_PG_PRIVATE] == (u64)rel->pg_reserved + 1) {
		l->reserved_mask = 1ULL << rel->pg_reserved;
	} else {
		l->flags |= VMCF_LAYOUT_NO_RESERVED;
		if (rel != &vmcf_generic)
			vmcf_warn(l, "PG_reserved does not match this release",
				  ": reserved pages reported as kernel");
	}

	if (vmcf_have(l, VMCF_VI_LEN_FREE_AREA)) {
		n = l->vi[VMCF_VI_LEN_FREE_AREA];
		if (n < 2 || n > 21)
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has an unusable ",
					 vmcf_vi_keys[VMCF_VI_LEN_FREE_AREA]);
		l->buddy_max_order = (u8)(n - 1);
	} else if (rel->max_order) {
		l->buddy_max_order = rel->max_order;
	} else {
		return vmcf_fail(err, errlen, "VMCOREINFO lacks ",
				 vmcf_vi_keys[VMCF_VI_LEN_FREE_AREA]);
	}

	/* 6.12 keeps the folio order in page[1].flags (folio->_flags_1). */
	l->off_order1 = -1;
	if (rel->order_in_flags1) {
		l->off_order1 = (s16)l->offs.flags;
	} else if (vmcf_have(l, VMCF_VI_OFF_COMPOUND_ORDER)) {
		if (l->vi[VMCF_VI_OFF_COMPOUND_ORDER] >= l->struct_page_size)
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has an unusable ",
					 vmcf_vi_keys[VMCF_VI_OFF_COMPOUND_ORDER]);
		l->off_order1 = (s16)l->vi[VMCF_VI_OFF_COMPOUND_ORDER];
	}

	/* 6.1 marks hugetlb by page[1].compound_dtor == HUGETLB_PAGE_DTOR. */
	l->off_dtor1 = -1;
	if (vmcf_have(l, VMCF_VI_OFF_COMPOUND_DTOR) &&
	    vmcf_have(l, VMCF_VI_HUGETLB_DTOR)) {
		if (l->vi[VMCF_VI_OFF_COMPOUND_DTOR] >= l->struct_page_size)
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has an unusable ",
					 vmcf_vi_keys[VMCF_VI_OFF_COMPOUND_DTOR]);
		if (l->vi[VMCF_VI_HUGETLB_DTOR] > 0xff)
			return vmcf_fail(err, errlen,
					 "VMCOREINFO has an unusable ",
					 vmcf_vi_keys[VMCF_VI_HUGETLB_DTOR]);
		l->off_dtor1 = (s16)l->vi[VMCF_VI_OFF_COMPOUND_DTOR];
		l->hugetlb_dtor = (u8)l->vi[VMCF_VI_HUGETLB_DTOR];
	}

	if (vmcf_have(l, VMCF_VI_SYM_VMEMMAP))
		l->vmemmap_base = l->vi[VMCF_VI_SYM_VMEMMAP];
	return 0;
}

/* x86_64 6.1 and 6.12 (and the releases between) without debug options. */
static const struct vmcf_offs vmcf_x86_64 = {
	.sps = 64, .flags = 0, .chead = 8, .mapping = 24, .mapcount = 48,
	.refcount = 52,
};

/*
 * Pick the hot loops' offsets: constants when the layout is the usual
 * x86_64 one.  VMCF_FAST_NONE (every page through the general decisions)
 * is left for tests that compare the paths.
 */
static void vmcf_setup_fast(struct vmcf_layout *l)
{
	l->f.odd = l->head_mask | l->hwpoison_mask | l->slab_mask |
		   l->reserved_mask;
	l->f.slab = l->slab_mask;
	l->f.anon = l->mapping_anon;
	l->f.mflags = l->mapping_flags;
	l->f.lru = l->lru_mask;
	l->f.priv = l->private_mask;
	l->f.sbacked = l->swapbacked_mask;
	l->f.scache = l->swapcache_mask;
	l->f.head_poison = l->head_mask | l->hwpoison_mask;
	l->f.below = l->type_below;
	l->fast = VMCF_FAST_LAYOUT;
	/* struct vmcf_offs is six u32s: no padding to compare */
	if (!memcmp(&l->offs, &vmcf_x86_64, sizeof(l->offs)))
		l->fast = VMCF_FAST_X86_64;
}

/**
 * vmcf_layout_parse() - decode VMCOREINFO into a page layout
 * @l: the layout to fill
 * @vmcoreinfo: the VMCOREINFO note text, not necessarily NUL-terminated
 * @len: bytes in @vmcoreinfo; nothing past it is read
 * @err: buffer for a message on failure, may be NULL
 * @errlen: size of @err
 *
 * The release table is chosen by OSRELEASE prefix.  An unknown release is
 * not an error: the layout then uses only what VMCOREINFO exports, sets
 * VMCF_LAYOUT_UNKNOWN_RELEASE and says so in @l->warnings.
 *
 * Return: 0, or -EINVAL with @err naming the missing or unusable entry
 * (e.g. "VMCOREINFO lacks OFFSET(page.flags)"); @l is then zeroed.
 */
int vmcf_layout_parse(struct vmcf_layout *l, const char *vmcoreinfo,
		      size_t len, char *err, size_t errlen)
{
	const struct vmcf_release *rel;
	size_t i;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!l)
		return vmcf_fail(err, errlen, "no layout", "");
	memset(l, 0, sizeof(*l));
	if (!vmcoreinfo)
		len = 0;

	ret = vmcf_scan(l, vmcoreinfo, len, err, errlen);
	if (ret)
		goto out;
	if (!l->release[0]) {
		ret = vmcf_fail(err, errlen, "VMCOREINFO lacks ", "OSRELEASE");
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(vmcf_vi_required); i++) {
		if (!vmcf_have(l, vmcf_vi_required[i])) {
			ret = vmcf_fail(err, errlen, "VMCOREINFO lacks ",
					vmcf_vi_keys[vmcf_vi_required[i]]);
			goto out;
		}
	}
	/* Slab is PG_slab in 6.1 and a page type in 6.12. */
	if (!vmcf_have(l, VMCF_VI_PG_SLAB) &&
	    !vmcf_have(l, VMCF_VI_SLAB_VALUE)) {
		ret = vmcf_fail(err, errlen, "VMCOREINFO lacks ",
				"NUMBER(PG_slab) or NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)");
		goto out;
	}

	rel = vmcf_find_release(l->release);
	ret = vmcf_setup_page(l, err, errlen);
	if (!ret)
		ret = vmcf_setup_types(l, rel, err, errlen);
	if (!ret)
		ret = vmcf_setup_release(l, rel, err, errlen);
	if (!ret)
		vmcf_setup_fast(l);
out:
	if (ret)
		memset(l, 0, sizeof(*l));
	return ret;
}

/* ------------------------------------------------------------------ */
/* Classification                                                       */

/* The fields of one struct page the decisions look at. */
struct vmcf_pg {
	u64 flags;
	u64 mapping;
	u64 private;
	u64 chead;
	u32 ptype;
	u32 refcount;
};

/**
 * struct vmcf_ctx - state of one vmcf_classify_range() call
 * @l: the layout
 * @pages: the caller's struct pages
 * @start: pfn of @pages[0]
 * @nr: number of struct pages in @pages
 * @rd: reader for struct pages outside @pages, may be NULL
 * @base: vmemmap base address, 0 if unknown
 * @hc_valid: @hc_* describe the last compound head looked at
 * @hc_pfn: its pfn
 * @hc_addr: the address of its struct page, as its tails point at it
 * @hc_end: first pfn after it
 * @hc_cls: its class, which its tails share
 * @buf: room for a head and its page[1] read through @rd
 */
struct vmcf_ctx {
	const struct vmcf_layout *l;
	const u8 *pages;
	u64 start;
	u64 nr;
	const struct vmcf_head_reader *rd;
	u64 base;
	bool hc_valid;
	u64 hc_pfn;
	u64 hc_addr;
	u64 hc_end;
	u8 hc_cls;
	u8 buf[2][VMCF_MAX_PAGE_STRUCT];
};

#define VMCF_LITTLE_ENDIAN	(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* Loads in host byte order: the crashed kernel is the same architecture. */
static u64 vmcf_ld64(const u8 *p, unsigned int off)
{
	u64 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static u32 vmcf_ld32(const u8 *p, unsigned int off)
{
	u32 v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void vmcf_load(const struct vmcf_layout *l, const u8 *p,
		      struct vmcf_pg *pg)
{
	pg->flags = vmcf_ld64(p, l->offs.flags);
	pg->mapping = vmcf_ld64(p, l->offs.mapping);
	pg->private = vmcf_ld64(p, l->off_private);
	pg->chead = vmcf_ld64(p, l->offs.chead);
	pg->ptype = vmcf_ld32(p, l->offs.mapcount);
	pg->refcount = vmcf_ld32(p, l->offs.refcount);
}

/* The struct page of @pfn: from the caller's range, else through the reader */
static const u8 *vmcf_fetch(struct vmcf_ctx *c, u64 pfn, int slot)
{
	if (pfn >= c->start && pfn - c->start < c->nr)
		return c->pages + (pfn - c->start) * c->l->struct_page_size;
	if (!c->rd || !c->rd->read_page)
		return NULL;
	if (c->rd->read_page(c->rd->ctx, pfn, c->buf[slot]))
		return NULL;
	return c->buf[slot];
}

static u64 vmcf_addr(const struct vmcf_ctx *c, u64 pfn)
{
	return c->base + pfn * c->l->struct_page_size;
}

static int vmcf_type_class(const struct vmcf_layout *l, u32 ptype)
{
	unsigned int i;

	for (i = 0; i < l->nr_types && i < VMCF_MAX_PTYPES; i++)
		if ((ptype & l->type_mask) == l->types[i].value)
			return l->types[i].cls;
	return -1;
}

/* What a page inside a free buddy block looks like. */
static bool vmcf_idle(const struct vmcf_layout *l, const struct vmcf_pg *pg)
{
	return !(pg->chead & 1) && !(pg->flags & l->head_mask) &&
	       !(pg->flags & l->hwpoison_mask) && !pg->refcount &&
	       (s32)pg->ptype >= l->type_below;
}

/*
 * Class of a page that is neither compound, typed, slab, reserved nor
 * poisoned, from its flags and mapping; needs PAGE_MAPPING_ANON.
 */
static __always_inline u8
vmcf_mapped_class(const struct vmcf_fast *f, u64 flags, u64 mapping)
{
	if (mapping & f->anon)
		return VMCF_USER;		/* anon, KSM */
	/* PG_swapcache aliases PG_owner_priv_1: only valid if swapbacked */
	if ((flags & f->sbacked) && (flags & f->scache))
		return VMCF_USER;
	/* Page cache is on an LRU with a real address_space (makedumpfile) */
	if ((flags & f->lru) && mapping && !(mapping & f->mflags))
		return (flags & f->priv) ? VMCF_CACHE_PRIVATE : VMCF_CACHE;
	/* Everything else, unreferenced non-buddy pages too (pcp lists): kept */
	return VMCF_KERNEL;
}

/*
 * Classifies pages from @p on, up to @n, while they need none of the rarer
 * decisions of vmcf_classify_one(): not compound, neither PG_head nor
 * PG_hwpoison, no page type (slab pages may have one: their flag comes
 * first).  Returns how many it classified; each gets the class
 * vmcf_decide() would give it.  Inlined once per struct vmcf_offs.
 */
static __always_inline u64 vmcf_plain_run(const struct vmcf_fast *fp,
					  const u8 *p, u64 n, u8 *out,
					  const struct vmcf_offs o)
{
	const struct vmcf_fast f = *fp;
	u64 i, flags;

	for (i = 0; i < n; i++, p += o.sps) {
		flags = vmcf_ld64(p, o.flags);
		if (unlikely(flags & f.odd)) {
			/* Order-0 slab and reserved pages: no more loads */
			if ((flags & f.head_poison) ||
			    (vmcf_ld64(p, o.chead) & 1))
				break;
			if (flags & f.slab) {
				out[i] = VMCF_SLAB;
				continue;
			}
			if ((s32)vmcf_ld32(p, o.mapcount) < f.below)
				break;
			out[i] = VMCF_RESERVED;
			continue;
		}
		if ((vmcf_ld64(p, o.chead) & 1) ||
		    (s32)vmcf_ld32(p, o.mapcount) < f.below)
			break;
		out[i] = vmcf_mapped_class(&f, flags, vmcf_ld64(p, o.mapping));
	}
	return i;
}

static u64 vmcf_plain(const struct vmcf_ctx *c, u64 i, u8 *out)
{
	const u8 *p = c->pages + i * c->l->struct_page_size;

	if (c->l->fast == VMCF_FAST_X86_64)
		return vmcf_plain_run(&c->l->f, p, c->nr - i, out, vmcf_x86_64);
	return vmcf_plain_run(&c->l->f, p, c->nr - i, out, c->l->offs);
}

/*
 * How many pages from @p on, up to @n, look like the inside of a free
 * buddy block (vmcf_idle()).  _mapcount and _refcount are next to each
 * other in every known layout: one load on a little-endian machine.
 */
static __always_inline u64 vmcf_idle_run(const struct vmcf_fast *fp,
					 const u8 *p, u64 n,
					 const struct vmcf_offs o)
{
	const u64 head_poison = fp->head_poison;
	const s32 below = fp->below;
	u32 ptype, ref;
	u64 i, w;

	for (i = 0; i < n; i++, p += o.sps) {
		if (VMCF_LITTLE_ENDIAN && o.refcount == o.mapcount + 4) {
			w = vmcf_ld64(p, o.mapcount);
			ptype = (u32)w;
			ref = (u32)(w >> 32);
		} else {
			ptype = vmcf_ld32(p, o.mapcount);
			ref = vmcf_ld32(p, o.refcount);
		}
		if ((vmcf_ld64(p, o.chead) & 1) ||
		    (vmcf_ld64(p, o.flags) & head_poison) || ref ||
		    (s32)ptype < below)
			break;
	}
	return i;
}

/*
 * The tails of the compound page vmcf_head() or vmcf_tail() looked at last,
 * from index @i on: how many follow, up to its end, that vmcf_classify_one()
 * would give its cached class without looking further (a tail pointing at
 * that head, neither PG_head nor PG_hwpoison).  Two loads a page where the
 * general path makes six: every tail of a THP comes here.
 */
static __always_inline u64 vmcf_tail_run(const struct vmcf_ctx *c, u64 i,
					 u8 *out, const struct vmcf_offs o)
{
	const u64 want = c->hc_addr + 1, head_poison = c->l->f.head_poison;
	const u8 *p = c->pages + i * o.sps;
	const u8 cls = c->hc_cls;
	u64 n = c->hc_end - (c->start + i), k;

	if (n > c->nr - i)
		n = c->nr - i;
	for (k = 0; k < n; k++, p += o.sps) {
		if (vmcf_ld64(p, o.chead) != want ||
		    (vmcf_ld64(p, o.flags) & head_poison))
			break;
		out[k] = cls;
	}
	return k;
}

static u64 vmcf_tails(const struct vmcf_ctx *c, u64 i, u8 *out)
{
	u64 pfn = c->start + i;

	/*
	 * vmcf_tail() answers CORRUPT for these, whatever the cache says.
	 * hc_addr is even (the base and SIZE(page) are multiples of 8), so
	 * chead == hc_addr + 1 is exactly vmcf_tail()'s chead - 1 == hc_addr.
	 */
	if (!c->hc_valid || !c->base || c->hc_addr < c->base ||
	    pfn <= c->hc_pfn || pfn >= c->hc_end)
		return 0;
	if (c->l->fast == VMCF_FAST_X86_64)
		return vmcf_tail_run(c, i, out, vmcf_x86_64);
	return vmcf_tail_run(c, i, out, c->l->offs);
}

/* Whether the @n pages from index @idx on all look idle. */
static bool vmcf_all_idle(const struct vmcf_ctx *c, u64 idx, u64 n)
{
	const struct vmcf_layout *l = c->l;
	const u8 *p = c->pages + idx * l->struct_page_size;
	struct vmcf_pg q;
	u64 i;

	if (l->fast == VMCF_FAST_X86_64)
		return vmcf_idle_run(&c->l->f, p, n, vmcf_x86_64) == n;
	if (l->fast == VMCF_FAST_LAYOUT)
		return vmcf_idle_run(&c->l->f, p, n, c->l->offs) == n;
	for (i = 0; i < n; i++) {
		vmcf_load(l, p + i * l->struct_page_size, &q);
		if (!vmcf_idle(l, &q))
			return false;
	}
	return true;
}

/*
 * A free buddy block (order in page->private) or an unaccepted block (6.12:
 * always MAX_PAGE_ORDER).  Blocks are naturally aligned, never compound and
 * unreferenced; the check of every page in it catches a stale or garbage
 * head.  The block is clipped to the range: callers align ranges to
 * 1 << buddy_max_order so that does not happen with real data.
 */
static u8 vmcf_block(struct vmcf_ctx *c, u64 pfn, const struct vmcf_pg *pg,
		     u8 cls, u64 *span)
{
	const struct vmcf_layout *l = c->l;
	unsigned int order = l->buddy_max_order;
	u64 n, idx;

	if (cls == VMCF_FREE) {
		if (pg->private > l->buddy_max_order)
			return VMCF_CORRUPT;
		order = (unsigned int)pg->private;
	}
	n = 1ULL << order;
	if (!span || pg->refcount || (pfn & (n - 1)))
		return VMCF_CORRUPT;
	idx = pfn - c->start;
	if (n > c->nr - idx)
		n = c->nr - idx;
	if (!vmcf_all_idle(c, idx + 1, n - 1))
		return VMCF_CORRUPT;
	*span = n;
	return cls;
}

/*
 * Class of a page that is not a tail.  @page1 is page[1] for a compound
 * head, NULL otherwise; @span is NULL for a compound head.
 */
static u8 vmcf_decide(struct vmcf_ctx *c, u64 pfn, const struct vmcf_pg *pg,
		      const u8 *page1, u64 *span)
{
	const struct vmcf_layout *l = c->l;
	int t;

	/* First: reading poisoned memory can take the capture kernel down. */
	if (pg->flags & l->hwpoison_mask)
		return VMCF_HWPOISON;
	/* 6.1 slab (PG_slab) keeps its own data where page_type lives. */
	if (pg->flags & l->slab_mask)
		return VMCF_SLAB;
	if ((s32)pg->ptype < l->type_below) {
		t = vmcf_type_class(l, pg->ptype);
		if (t < 0)
			return l->types_complete ? VMCF_CORRUPT : VMCF_KERNEL;
		if (t == VMCF_FREE || t == VMCF_UNACCEPTED)
			return vmcf_block(c, pfn, pg, (u8)t, span);
		return (u8)t;
	}
	if (page1 && l->off_dtor1 >= 0 && page1[l->off_dtor1] == l->hugetlb_dtor)
		return VMCF_HUGETLB;
	if (pg->flags & l->reserved_mask)
		return VMCF_RESERVED;
	if (!l->mapping_anon)
		return VMCF_KERNEL;
	return vmcf_mapped_class(&c->l->f, pg->flags, pg->mapping);
}

/*
 * Validate a compound head at @hpfn (@head, and @page1 its page[1]) and
 * classify it.  The result is cached for the tails that follow.
 */
static u8 vmcf_head(struct vmcf_ctx *c, u64 hpfn, const u8 *head,
		    const u8 *page1)
{
	const struct vmcf_layout *l = c->l;
	u64 end = hpfn + (1ULL << l->compound_max_order);
	u8 cls = VMCF_CORRUPT;
	unsigned int order;
	struct vmcf_pg pg;

	vmcf_load(l, head, &pg);
	if (!c->base || (pg.chead & 1) || !(pg.flags & l->head_mask) ||
	    vmcf_ld64(page1, l->offs.chead) != (vmcf_addr(c, hpfn) | 1))
		goto out;
	if (l->off_order1 >= 0) {
		order = page1[l->off_order1];
		if (!order || order > l->compound_max_order ||
		    (hpfn & ((1ULL << order) - 1)))
			goto out;
		end = hpfn + (1ULL << order);
	}
	cls = vmcf_decide(c, hpfn, &pg, page1, NULL);
out:
	c->hc_valid = true;
	c->hc_pfn = hpfn;
	c->hc_addr = vmcf_addr(c, hpfn);
	c->hc_end = end;
	c->hc_cls = cls;
	return cls;
}

/* A tail page (or fake head) at @pfn whose head's struct page is @addr. */
static u8 vmcf_tail(struct vmcf_ctx *c, u64 pfn, u64 addr)
{
	const struct vmcf_layout *l = c->l;
	const u8 *head, *page1 = NULL;
	u64 off, hpfn;

	if (!c->base || addr < c->base)
		return VMCF_CORRUPT;
	/*
	 * The next tail of the head just looked at: the common case (every
	 * tail of a THP), without the divisions below.
	 */
	if (c->hc_valid && addr == c->hc_addr && pfn > c->hc_pfn)
		return pfn < c->hc_end ? c->hc_cls : VMCF_CORRUPT;
	off = addr - c->base;
	if (off % l->struct_page_size)
		return VMCF_CORRUPT;
	hpfn = off / l->struct_page_size;
	if (hpfn >= pfn || pfn - hpfn >= (1ULL << l->compound_max_order))
		return VMCF_CORRUPT;

	if (!c->hc_valid || c->hc_pfn != hpfn) {
		head = vmcf_fetch(c, hpfn, 0);
		if (head)
			page1 = vmcf_fetch(c, hpfn + 1, 1);
		if (page1) {
			vmcf_head(c, hpfn, head, page1);
		} else {
			c->hc_valid = true;
			c->hc_pfn = hpfn;
			c->hc_addr = addr;
			c->hc_end = pfn + 1;
			c->hc_cls = VMCF_CORRUPT;
		}
	}
	return pfn < c->hc_end ? c->hc_cls : VMCF_CORRUPT;
}

/* Class of the page at index @i; @span may be raised for a free block. */
static u8 vmcf_classify_one(struct vmcf_ctx *c, u64 i, u64 *span)
{
	const struct vmcf_layout *l = c->l;
	const u8 *p = c->pages + i * l->struct_page_size;
	u64 pfn = c->start + i;
	const u8 *page1;
	struct vmcf_pg pg;
	u64 h1, self;

	vmcf_load(l, p, &pg);
	if (pg.chead & 1) {
		/* PG_head is never set on a tail; PG_hwpoison is per page. */
		if (pg.flags & l->head_mask)
			return VMCF_CORRUPT;
		if (pg.flags & l->hwpoison_mask)
			return VMCF_HWPOISON;
		return vmcf_tail(c, pfn, pg.chead - 1);
	}
	if (!(pg.flags & l->head_mask))
		return vmcf_decide(c, pfn, &pg, NULL, span);

	page1 = vmcf_fetch(c, pfn + 1, 1);
	if (!page1)
		return VMCF_CORRUPT;
	/*
	 * HugeTLB vmemmap optimisation (6.1 and 6.12) maps all vmemmap pages
	 * of a huge page onto its first one, so a struct page that starts a
	 * vmemmap page may read as a copy of the head.  Its page[1] then
	 * names the real head, as in page_fixed_fake_head().
	 */
	h1 = vmcf_ld64(page1, l->offs.chead);
	self = vmcf_addr(c, pfn);
	if ((h1 & 1) && h1 - 1 != self && !(self % l->pagesize))
		return vmcf_tail(c, pfn, h1 - 1);
	return vmcf_head(c, pfn, p, page1);
}

/**
 * vmcf_classify_range() - classify consecutive page frames
 * @l: a layout filled by vmcf_layout_parse()
 * @pages: the raw struct pages of pfns [@start_pfn, @start_pfn + @nr),
 *	@nr * @l->struct_page_size bytes
 * @start_pfn: pfn of the first struct page
 * @nr: number of pfns
 * @class_out: receives one enum vmcf_class per pfn
 * @counts: per-class page counts to add to, may be NULL
 * @rd: reads compound heads outside the range and supplies the vmemmap
 *	base; may be NULL
 *
 * Ranges should start at a multiple of 1 << @l->buddy_max_order so that no
 * free block crosses their start.  A compound page is classified as a
 * whole: its tails take their head's class.  Compound pages need the
 * vmemmap base (@rd->vmemmap_base or @l->vmemmap_base) and, when the head
 * is outside the range, @rd; without them they are CORRUPT.
 *
 * Return: 0, or -EINVAL for a bad argument (nothing is written then).
 */
int vmcf_classify_range(const struct vmcf_layout *l, const void *pages,
			u64 start_pfn, u64 nr, u8 *class_out,
			struct vmcf_counts *counts,
			const struct vmcf_head_reader *rd)
{
	struct vmcf_ctx c;
	u64 i, j, span;
	u8 cls;

	if (!l || !l->struct_page_size ||
	    l->struct_page_size > VMCF_MAX_PAGE_STRUCT)
		return -EINVAL;
	if (!nr)
		return 0;
	if (!pages || !class_out || start_pfn + nr < start_pfn ||
	    nr > (~(size_t)0) / l->struct_page_size)
		return -EINVAL;

	memset(&c, 0, sizeof(c));
	c.l = l;
	c.pages = pages;
	c.start = start_pfn;
	c.nr = nr;
	c.rd = rd;
	c.base = rd && rd->vmemmap_base ? rd->vmemmap_base : l->vmemmap_base;
	/* struct pages are 8-byte aligned: any other base is garbage */
	if (c.base & 7)
		c.base = 0;

	for (i = 0; i < nr; i += span) {
		if (l->fast) {
			span = vmcf_tails(&c, i, class_out + i);
			if (span) {
				if (counts)
					counts->pages[c.hc_cls] += span;
				continue;
			}
		}
		if (l->fast && l->f.anon) {
			span = vmcf_plain(&c, i, class_out + i);
			if (span) {
				if (counts)
					for (j = i; j < i + span; j++)
						counts->pages[class_out[j]]++;
				continue;
			}
		}
		span = 1;
		cls = vmcf_classify_one(&c, i, &span);
		/* One store, not a memset() call, for all but free blocks */
		class_out[i] = cls;
		for (j = 1; j < span; j++)
			class_out[i + j] = cls;
		if (counts)
			counts->pages[cls] += span;
	}
	return 0;
}
