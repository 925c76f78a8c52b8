/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few types and helpers the pure decoder needs: from the kernel when
 * built into vmcore_filter.ko, from libc when built into the userspace tests
 * and the fuzzer.
 */
#ifndef VMCF_TYPES_H
#define VMCF_TYPES_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/errno.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>

/* The same definitions as the kernel's asm-generic/int-ll64.h */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef signed short s16;
typedef signed int s32;
typedef signed long long s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* VMCF_TYPES_H */
