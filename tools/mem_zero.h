/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a buffer holds only zero bytes: one helper for every tool file. */
#ifndef MEM_ZERO_H
#define MEM_ZERO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Word by word: bitmaps of sparse machines are mostly zeros. */
static inline bool mem_is_zero(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		if (w)
			return false;
	}
	for (; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

#endif /* MEM_ZERO_H */
