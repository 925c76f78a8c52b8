// SPDX-License-Identifier: GPL-2.0
/*
 * kdump_writer_put_descs(), the batched descriptor write the collector's
 * pipeline uses: a batch must be the consecutive dumped pfns; a refused
 * batch leaves nothing put (so the pages can be put again); a batch that
 * repeats a pfn is refused whole.
 *
 *   collector_batch DIR
 *
 * Prints "ok - ..." / "not ok - ..." lines; exits 1 on a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdump_writer.h"

#define PAGE	4096
#define NR_PFNS	64

static int failures;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - kdump_writer_put_descs: ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !ok;
}

/* Expects err to have errnum (0: no error); frees it. */
static bool is(struct vmcf_error *err, int errnum)
{
	bool ok = errnum ? err && err->errnum == errnum : !err;

	if (err && !ok)
		printf("  # unexpected: %s\n", err->message);
	vmcf_error_destroy(err);
	return ok;
}

static struct kdump_page_ref ref(uint64_t pfn, uint64_t data)
{
	return (struct kdump_page_ref){ pfn, data, PAGE, 0 };
}

int main(int argc, char **argv)
{
	uint8_t ram[NR_PFNS / 8], dump[NR_PFNS / 8];
	struct kdump_writer_params p = { 0 };
	struct kdump_page_ref batch[8];
	struct kdump_writer *w = NULL;
	static unsigned char page[PAGE];
	char path[4096];
	uint64_t data;

	if (argc != 2)
		return 2;
	snprintf(path, sizeof(path), "%s/batch.kdump", argv[1]);
	memset(ram, 0xff, sizeof(ram));
	memset(dump, 0, sizeof(dump));
	/* Dumped: 1, 2, 3, 10, 11 (and nothing else). */
	dump[0] = 0x0e;
	dump[1] = 0x0c;
	p.page_size = PAGE;
	p.max_pfn = NR_PFNS;
	p.ram_bitmap = ram;
	p.dump_bitmap = dump;
	p.release = "6.1.0-batch";
	p.compression = COMPRESS_NONE;
	if (!is(kdump_writer_create_path(path, &p, &w), 0)) {
		check(false, "create %s", path);
		return 1;
	}
	data = kdump_writer_reserve(w, 5 * PAGE);
	for (int i = 0; i < 5; i++)
		is(kdump_writer_write_at(w, page, PAGE, data + (uint64_t)i * PAGE), 0);

	batch[0] = ref(1, data);
	batch[1] = ref(3, data + PAGE);
	check(is(kdump_writer_put_descs(w, batch, 2), EINVAL) &&
		      kdump_writer_pages_done(w) == 0,
	      "a batch that skips a dumped pfn (2) is refused, nothing put");

	batch[1] = ref(2, data + PAGE);
	batch[2] = ref(2, data + 2 * PAGE);
	check(is(kdump_writer_put_descs(w, batch, 3), EINVAL) &&
		      kdump_writer_pages_done(w) == 0,
	      "a batch that repeats a pfn is refused, nothing put");

	batch[2] = ref(3, data + 2 * PAGE);
	batch[3] = ref(10, data + 3 * PAGE);
	batch[4] = ref(11, data + 4 * PAGE);
	check(is(kdump_writer_put_descs(w, batch, 3), 0) &&
		      kdump_writer_pages_done(w) == 3,
	      "pfns 1-3 in one batch");
	check(is(kdump_writer_put_descs(w, batch + 2, 2), EEXIST) &&
		      kdump_writer_pages_done(w) == 3,
	      "a batch with a pfn put before is refused whole");
	batch[5] = ref(11, data + 8 * PAGE);
	check(is(kdump_writer_put_descs(w, batch + 4, 2), EINVAL) &&
		      kdump_writer_pages_done(w) == 3,
	      "data that was not reserved is refused");
	check(is(kdump_writer_finish(w), EINVAL),
	      "finish refuses while pfns 10 and 11 are missing");
	check(is(kdump_writer_put_descs(w, batch + 3, 2), 0) &&
		      kdump_writer_pages_done(w) == 5,
	      "pfns 10 and 11 in one batch (their descriptors follow pfn 3's)");
	check(is(kdump_writer_finish(w), 0) && access(path, F_OK) == 0,
	      "finish, renamed to %s", path);
	kdump_writer_destroy(w);
	return failures ? 1 : 0;
}
