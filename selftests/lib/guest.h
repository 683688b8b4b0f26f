/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: what guest code written in C may use.
 *
 * Guest code is ordinary functions of the test binary, run by a vCPU in
 * GUEST_LONG64 mode at their own addresses.  It must not call libc (libc
 * is not in guest memory): only these helpers, the ucall macros and code
 * of the binary itself.  memcpy/memset/memmove/memcmp are provided by the
 * binary (lib/guest.c) so that compiler-generated calls work in the guest.
 */
#ifndef HV_SELFTEST_GUEST_H
#define HV_SELFTEST_GUEST_H

#include <stdint.h>
#include <stddef.h>

#include "ucall.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* ---- ucalls ---- */
void guest_ucall(u32 cmd, const char *file, u32 line, const char *fmt,
		 u32 nargs, const u64 *args);
void guest_assert_fail(const char *file, u32 line, const char *fmt,
		       u32 nargs, const u64 *args) __attribute__((noreturn));

#define __UC_NARGS(...)	__UC_NARGS_(0, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define __UC_NARGS_(_0, _1, _2, _3, _4, _5, _6, n, ...) n

/* Report values to the test and wait for it to resume the guest. */
#define GUEST_SYNC(...) do {						\
	const u64 __uc_a[UCALL_MAX_ARGS + 1] = { __VA_ARGS__ };		\
	guest_ucall(UCALL_SYNC, __FILE__, __LINE__, NULL,		\
		    __UC_NARGS(__VA_ARGS__), __uc_a);			\
} while (0)

#define GUEST_DONE() guest_ucall(UCALL_DONE, __FILE__, __LINE__, NULL, 0, NULL)

/* A failure with a printf message (%lx etc. for the u64 args); stops. */
#define GUEST_FAIL(fmt, ...) do {					\
	const u64 __uc_a[UCALL_MAX_ARGS + 1] = { __VA_ARGS__ };		\
	guest_assert_fail(__FILE__, __LINE__, fmt,			\
			  __UC_NARGS(__VA_ARGS__), __uc_a);		\
} while (0)

#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		GUEST_FAIL("assertion failed: %s", (u64)(uintptr_t)#cond); \
} while (0)

#define GUEST_ASSERT_EQ(a, b) do {					\
	u64 __ga = (u64)(a), __gb = (u64)(b);				\
	if (__ga != __gb)						\
		GUEST_FAIL("%s == %s failed: 0x%lx != 0x%lx",		\
			   (u64)(uintptr_t)#a, (u64)(uintptr_t)#b,	\
			   __ga, __gb);					\
} while (0)

/* ---- instructions ---- */
static inline __attribute__((always_inline)) void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline __attribute__((always_inline)) void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline __attribute__((always_inline)) void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline __attribute__((always_inline)) u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline __attribute__((always_inline)) u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline __attribute__((always_inline)) u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline __attribute__((always_inline))
void guest_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(sub) : "memory");
}

static inline __attribute__((always_inline)) u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

static inline __attribute__((always_inline)) void guest_write_msr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static inline __attribute__((always_inline)) u64 guest_read_tsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return lo | ((u64)hi << 32);
}

static inline __attribute__((always_inline)) u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline __attribute__((always_inline)) u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline __attribute__((always_inline)) void write_cr4(u64 v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline __attribute__((always_inline)) u64 xgetbv(u32 index)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | ((u64)hi << 32);
}

static inline __attribute__((always_inline)) void xsetbv(u32 index, u64 v)
{
	asm volatile("xsetbv" : : "a"((u32)v), "d"((u32)(v >> 32)), "c"(index)
		     : "memory");
}

static inline __attribute__((always_inline)) void guest_hlt(void)
{
	asm volatile("hlt" : : : "memory");
}

/* ---- MMIO-style accesses (one instruction each) ---- */
#define GUEST_MMIO_RW(sz, type, insn_r, insn_w, reg)			\
static inline __attribute__((always_inline)) type read##sz(u64 addr)	\
{									\
	type v;								\
	asm volatile(insn_r " (%1), %0" : "=" reg(v) : "r"(addr) : "memory"); \
	return v;							\
}									\
static inline __attribute__((always_inline)) void write##sz(u64 addr, type v) \
{									\
	asm volatile(insn_w " %0, (%1)" : : reg(v), "r"(addr) : "memory"); \
}
GUEST_MMIO_RW(b, u8, "movb", "movb", "q")
GUEST_MMIO_RW(w, u16, "movw", "movw", "r")
GUEST_MMIO_RW(l, u32, "movl", "movl", "r")
GUEST_MMIO_RW(q, u64, "movq", "movq", "r")
#undef GUEST_MMIO_RW

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_EM		(1ULL << 2)
#define CR0_TS		(1ULL << 3)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define CR4_OSXSAVE	(1ULL << 18)
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NX		(1ULL << 11)
#define MSR_EFER	0xc0000080
#define XFEATURE_X87	(1ULL << 0)
#define XFEATURE_SSE	(1ULL << 1)
#define XFEATURE_YMM	(1ULL << 2)

#endif /* HV_SELFTEST_GUEST_H */
