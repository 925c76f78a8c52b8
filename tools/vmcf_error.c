// SPDX-License-Identifier: GPL-2.0
/* Errors that carry their context: see vmcf_error.h. */
/* The XSI strerror_r (returns int), not the GNU one. */
#define _POSIX_C_SOURCE 200809L
#include "vmcf_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmcf_error vmcf_enomem = {
	.errnum = ENOMEM,
	.is_static = 1,
	.message = "Cannot allocate memory",
};

/* One allocation: the struct, then the message "fmt...[: suffix]". */
static struct vmcf_error *error_vcreate(int errnum, const char *suffix,
					const char *fmt, va_list ap)
{
	size_t suffix_len = suffix ? strlen(suffix) + 2 : 0;
	struct vmcf_error *err;
	char *msg;
	va_list aq;
	int len;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	err = malloc(sizeof(*err) + (size_t)len + suffix_len + 1);
	if (!err)
		return &vmcf_enomem;
	msg = (char *)(err + 1);
	vsnprintf(msg, (size_t)len + 1, fmt, ap);
	if (suffix) {
		memcpy(msg + len, ": ", 2);
		memcpy(msg + len + 2, suffix, suffix_len - 2 + 1);
	}
	err->errnum = errnum;
	err->is_static = 0;
	err->message = msg;
	return err;
}

struct vmcf_error *vmcf_error_create(int errnum, const char *fmt, ...)
{
	struct vmcf_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = error_vcreate(errnum, NULL, fmt, ap);
	va_end(ap);
	return err;
}

struct vmcf_error *vmcf_error_errno(int errnum, const char *fmt, ...)
{
	struct vmcf_error *err;
	char buf[128];
	va_list ap;

	/* strerror() is not thread-safe; writer threads report errors too. */
	if (strerror_r(errnum, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "error %d", errnum);
	va_start(ap, fmt);
	err = error_vcreate(errnum, buf, fmt, ap);
	va_end(ap);
	return err;
}

struct vmcf_error *vmcf_error_prefix(struct vmcf_error *err,
				     const char *fmt, ...)
{
	struct vmcf_error *new_err;
	va_list ap;

	if (!err)
		return NULL;
	va_start(ap, fmt);
	new_err = error_vcreate(err->errnum, err->message, fmt, ap);
	va_end(ap);
	if (new_err == &vmcf_enomem)
		return err;
	vmcf_error_destroy(err);
	return new_err;
}

void vmcf_error_destroy(struct vmcf_error *err)
{
	if (err && !err->is_static)
		free(err);
}
