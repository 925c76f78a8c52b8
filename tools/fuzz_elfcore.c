// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the ELF core and VMCOREINFO parsers: whatever
 * /proc/vmcore (or a saved copy) contains, the collector must fail with a
 * message, never crash.  Every input is tried as a core file and as
 * VMCOREINFO text; a core that parses has its lookups exercised too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "elfcore.h"
#include "kdump_writer.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_vmcoreinfo(const struct vmcoreinfo *vi)
{
	struct vmcoreinfo_basics b;
	uint64_t v;

	vmcf_error_destroy(vmcoreinfo_get_basics(vi, &b));
	vmcf_error_destroy(vmcoreinfo_symbol(vi, "init_uts_ns", &v));
	vmcf_error_destroy(vmcoreinfo_number(vi, "phys_base", &v));
}

static void exercise_core(const struct elfcore *core)
{
	unsigned char *page = malloc(core->page_size);
	uint64_t offset, phys_base;

	if (!page)
		return;
	/* The edges of every segment, where off-by-ones live. */
	for (size_t i = 0; i < core->nr_loads && i < 64; i++) {
		const struct elfcore_load *l = &core->loads[i];
		uint64_t pfns[] = {
			l->paddr / core->page_size,
			(l->paddr + l->filesz) / core->page_size,
			(l->paddr + l->memsz - 1) / core->page_size,
			(l->paddr + l->memsz) / core->page_size,
		};

		for (size_t j = 0; j < sizeof(pfns) / sizeof(pfns[0]); j++) {
			elfcore_is_ram(core, pfns[j]);
			elfcore_page_lookup(core, pfns[j], &offset);
			vmcf_error_destroy(elfcore_read_page(core, pfns[j],
							     page));
		}
		elfcore_find_load(core, l->paddr);
	}
	/* 16 Mi pfns = 2 MiB of bitmap: enough, and cheap. */
	if (core->max_pfn <= (UINT64_C(1) << 24)) {
		uint8_t *bm = calloc(1, kdump_bitmap_bytes(core->max_pfn) + 1);

		if (bm)
			elfcore_ram_bitmap(core, bm, core->max_pfn);
		free(bm);
	}
	vmcf_error_destroy(elfcore_phys_base(core, &phys_base));
	exercise_vmcoreinfo(core->vmcoreinfo);
	free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmcoreinfo *vi = NULL;
	struct elfcore *core = NULL;
	struct vmcf_error *err;

	err = elfcore_create_memory(data, size, &core);
	if (!err)
		exercise_core(core);
	vmcf_error_destroy(err);
	elfcore_destroy(core);

	err = vmcoreinfo_create((const char *)data, size, &vi);
	if (!err)
		exercise_vmcoreinfo(vi);
	vmcf_error_destroy(err);
	vmcoreinfo_destroy(vi);
	return 0;
}
