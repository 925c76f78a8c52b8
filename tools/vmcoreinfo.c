// SPDX-License-Identifier: GPL-2.0
/* VMCOREINFO text parser: see vmcoreinfo.h. */
#include "vmcoreinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmcoreinfo_line {
	const char *key;	/* NUL-terminated inside vmcoreinfo.lines */
	const char *value;
};

struct vmcoreinfo {
	char *text;		/* the text as given, NUL-terminated */
	size_t size;
	char *lines;		/* a copy split into keys and values */
	struct vmcoreinfo_line *line;
	size_t nr_lines;
};

struct vmcf_error *vmcoreinfo_create(const char *text, size_t size,
				    struct vmcoreinfo **vmcoreinfo_ret)
{
	struct vmcoreinfo *vi;
	size_t i, n;
	char *p, *end;

	/* Note descriptors are padded to 4 bytes; the text ends at a NUL. */
	const char *nul = memchr(text, '\0', size);
	if (nul)
		size = (size_t)(nul - text);

	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return &vmcf_enomem;
	vi->size = size;
	vi->text = malloc(size + 1);
	vi->lines = malloc(size + 1);
	if (!vi->text || !vi->lines)
		goto enomem;
	memcpy(vi->text, text, size);
	vi->text[size] = '\0';
	memcpy(vi->lines, text, size);
	vi->lines[size] = '\0';

	n = 1;
	for (i = 0; i < size; i++)
		n += text[i] == '\n';
	vi->line = calloc(n, sizeof(vi->line[0]));
	if (!vi->line)
		goto enomem;

	p = vi->lines;
	end = vi->lines + size;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eq;

		if (!nl)
			nl = end;
		*nl = '\0';
		/* Lines without '=' carry nothing we could look up. */
		eq = strchr(p, '=');
		if (eq && eq != p) {
			*eq = '\0';
			vi->line[vi->nr_lines].key = p;
			vi->line[vi->nr_lines].value = eq + 1;
			vi->nr_lines++;
		}
		p = nl + 1;
	}
	*vmcoreinfo_ret = vi;
	return NULL;

enomem:
	vmcoreinfo_destroy(vi);
	return &vmcf_enomem;
}

void vmcoreinfo_destroy(struct vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->line);
	free(vi->lines);
	free(vi->text);
	free(vi);
}

const char *vmcoreinfo_text(const struct vmcoreinfo *vi, size_t *size_ret)
{
	if (size_ret)
		*size_ret = vi->size;
	return vi->text;
}

const char *vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key)
{
	for (size_t i = 0; i < vi->nr_lines; i++) {
		if (strcmp(vi->line[i].key, key) == 0)
			return vi->line[i].value;
	}
	return NULL;
}

/* Parses all of value (trailing blanks allowed: some tools add "\r"). */
static struct vmcf_error *parse_number(const char *key, const char *value,
				       int base, bool is_signed,
				       uint64_t *value_ret)
{
	char *end;
	uint64_t v;

	errno = 0;
	if (is_signed)
		v = (uint64_t)strtoll(value, &end, base);
	else
		v = strtoull(value, &end, base);
	if (errno == ERANGE)
		return vmcf_error_create(ERANGE,
					 "VMCOREINFO %s=%s: number out of range",
					 key, value);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	/* strtoull() accepts "-1"; a negative unsigned value is corrupt. */
	if (end == value || *end || (!is_signed && strchr(value, '-')))
		return vmcf_error_create(EINVAL,
					 "VMCOREINFO %s=%s: not a number",
					 key, value);
	*value_ret = v;
	return NULL;
}

static struct vmcf_error *get_number(const struct vmcoreinfo *vi,
				     const char *key, int base, bool is_signed,
				     uint64_t *value_ret)
{
	const char *value = vmcoreinfo_get(vi, key);

	if (!value)
		return vmcf_error_create(ENOENT, "VMCOREINFO has no %s", key);
	return parse_number(key, value, base, is_signed, value_ret);
}

struct vmcf_error *vmcoreinfo_get_u64(const struct vmcoreinfo *vi,
				      const char *key, int base,
				      uint64_t *value_ret)
{
	return get_number(vi, key, base, false, value_ret);
}

struct vmcf_error *vmcoreinfo_get_s64(const struct vmcoreinfo *vi,
				      const char *key, int base,
				      int64_t *value_ret)
{
	struct vmcf_error *err;
	uint64_t v = 0;

	err = get_number(vi, key, base, true, &v);
	if (!err)
		*value_ret = (int64_t)v;
	return err;
}

struct vmcf_error *vmcoreinfo_number(const struct vmcoreinfo *vi,
				     const char *name, uint64_t *value_ret)
{
	char key[128];

	snprintf(key, sizeof(key), "NUMBER(%s)", name);
	return get_number(vi, key, 10, true, value_ret);
}

struct vmcf_error *vmcoreinfo_symbol(const struct vmcoreinfo *vi,
				     const char *name, uint64_t *value_ret)
{
	char key[128];

	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	return get_number(vi, key, 16, false, value_ret);
}

/* An optional key: absent is fine, malformed is not. */
static struct vmcf_error *get_optional(struct vmcf_error *err, bool *has_ret)
{
	*has_ret = !err;
	if (err && err->errnum == ENOENT) {
		vmcf_error_destroy(err);
		return NULL;
	}
	return err;
}

struct vmcf_error *vmcoreinfo_get_basics(const struct vmcoreinfo *vi,
					 struct vmcoreinfo_basics *basics_ret)
{
	struct vmcoreinfo_basics b;
	struct vmcf_error *err;
	const char *release;
	uint64_t v = 0;

	memset(&b, 0, sizeof(b));
	release = vmcoreinfo_get(vi, "OSRELEASE");
	if (!release)
		return vmcf_error_create(ENOENT, "VMCOREINFO has no OSRELEASE");
	if (!*release || strlen(release) >= sizeof(b.osrelease))
		return vmcf_error_create(EINVAL,
					 "VMCOREINFO OSRELEASE has %zu characters, expected 1 to %zu",
					 strlen(release), sizeof(b.osrelease) - 1);
	strcpy(b.osrelease, release);

	err = vmcoreinfo_get_u64(vi, "PAGESIZE", 10, &v);
	if (err)
		return err;
	if (v < 4096 || v > 65536 || (v & (v - 1)))
		return vmcf_error_create(EINVAL,
					 "VMCOREINFO PAGESIZE=%" PRIu64 ": not a page size",
					 v);
	b.page_size = (uint32_t)v;

	err = get_optional(vmcoreinfo_get_s64(vi, "CRASHTIME", 10,
					      &b.crashtime),
			   &b.has_crashtime);
	if (err)
		return err;
	err = get_optional(vmcoreinfo_number(vi, "phys_base", &b.phys_base),
			   &b.has_phys_base);
	if (err)
		return err;
	err = get_optional(vmcoreinfo_get_u64(vi, "KERNELOFFSET", 16,
					      &b.kerneloffset),
			   &b.has_kerneloffset);
	if (err)
		return err;
	*basics_ret = b;
	return NULL;
}
