/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the few kernel headers hv's emulator includes
 * (<linux/types.h>, <linux/string.h>, <linux/errno.h>, <linux/bits.h>,
 * <linux/kernel.h>), so that core/emulate/ builds into the unit tests
 * unchanged.  Only what the emulator uses is here.
 */
#ifndef EMUTEST_SHIM_H
#define EMUTEST_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define GENMASK(h, l)		(((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Like the kernel's: both arguments must have the same type. */
#define min(x, y) ({					\
	__typeof__(x) _min1 = (x);			\
	__typeof__(y) _min2 = (y);			\
	(void)(&_min1 == &_min2);			\
	_min1 < _min2 ? _min1 : _min2; })
#define max(x, y) ({					\
	__typeof__(x) _max1 = (x);			\
	__typeof__(y) _max2 = (y);			\
	(void)(&_max1 == &_max2);			\
	_max1 > _max2 ? _max1 : _max2; })
#define min_t(type, x, y)	min((type)(x), (type)(y))
#define max_t(type, x, y)	max((type)(x), (type)(y))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define fallthrough		__attribute__((__fallthrough__))
#define __printf(a, b)		__attribute__((format(printf, a, b)))

#endif /* EMUTEST_SHIM_H */
