/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The smallest VMCOREINFO texts the classifier accepts for the 6.1 and the
 * 6.12 layout (x86_64, values as those kernels export them), shared by the
 * fuzzer and the instruction-count benchmark.  classify_test.c keeps whole
 * notes, as the kernels write them.
 */
#ifndef VMCF_TEST_VMCOREINFO_MIN_H
#define VMCF_TEST_VMCOREINFO_MIN_H

#define VMCF_TEST_VI61							\
	"OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nSIZE(page)=64\n"	\
	"SIZE(list_head)=16\nOFFSET(page.flags)=0\n"			\
	"OFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"		\
	"OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"		\
	"OFFSET(page.private)=40\nOFFSET(page.compound_dtor)=16\n"	\
	"OFFSET(page.compound_order)=17\nOFFSET(page.compound_head)=8\n" \
	"LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=4\nNUMBER(PG_private)=13\n" \
	"NUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\n"		\
	"NUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n"			\
	"NUMBER(PG_head_mask)=65536\n"					\
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"			\
	"NUMBER(HUGETLB_PAGE_DTOR)=2\n"					\
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"

#define VMCF_TEST_VI612							\
	"OSRELEASE=6.12.117+deb13-amd64\nPAGESIZE=4096\n"		\
	"SYMBOL(vmemmap)=ffffea0000000000\nSIZE(page)=64\n"		\
	"SIZE(list_head)=16\nOFFSET(page.flags)=0\n"			\
	"OFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"		\
	"OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"		\
	"OFFSET(page.private)=40\nOFFSET(page.compound_head)=8\n"	\
	"LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=5\nNUMBER(PG_private)=14\n" \
	"NUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=17\n"		\
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"			\
	"NUMBER(PG_hwpoison)=20\nNUMBER(PG_head_mask)=64\n"		\
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\n"		\
	"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"		\
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n"

#endif /* VMCF_TEST_VMCOREINFO_MIN_H */
