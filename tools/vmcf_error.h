/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Errors that carry their context.
 *
 * A function that can fail returns a struct vmcf_error * (NULL on success).
 * The message says what was being done and where ("pread /proc/vmcore at
 * 0x1000: Input/output error"); errnum lets a caller react to the cause
 * (ENOSPC means "mark the dump incomplete", EINVAL means a corrupt input).
 * Callers add their own context with vmcf_error_prefix() and finally print
 * and free the error with vmcf_error_destroy().
 */
#ifndef VMCF_ERROR_H
#define VMCF_ERROR_H

struct vmcf_error {
	/* errno value of the cause; EINVAL for malformed input. */
	int errnum;
	/* Static errors (vmcf_enomem) are never freed. */
	int is_static;
	const char *message;
};

/* Returned when allocating an error fails, so reporting never fails. */
extern struct vmcf_error vmcf_enomem;

/* A new error with a printf-style message. */
struct vmcf_error *vmcf_error_create(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like vmcf_error_create() but appends ": strerror(errnum)". */
struct vmcf_error *vmcf_error_errno(int errnum, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prefix err's message with "context: ", keeping errnum.  Consumes err and
 * returns the new error (or err itself if memory is short).  NULL stays NULL.
 */
struct vmcf_error *vmcf_error_prefix(struct vmcf_error *err,
				     const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Frees err; NULL and static errors are fine. */
void vmcf_error_destroy(struct vmcf_error *err);

#endif /* VMCF_ERROR_H */
