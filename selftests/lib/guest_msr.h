/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RDMSR/WRMSR that survive #GP: point the guest's #GP gate at
 * guest_gp_handler (vcpu_set_idt_gate), and rdmsr_gp()/wrmsr_gp() report
 * whether the instruction faulted.  The handler skips the two-byte
 * instruction (0F 32, 0F 30) and counts in gp_count.
 */
#ifndef HV_SELFTEST_GUEST_MSR_H
#define HV_SELFTEST_GUEST_MSR_H

#include <stdbool.h>

#include "vm.h"
#include "guest.h"

volatile u64 __attribute__((used)) gp_count;
extern const char guest_gp_handler[];
asm("	.pushsection .text\n"
"guest_gp_handler:\n"
"	addq $8, %rsp\n"		/* the error code */
"	addq $2, (%rsp)\n"		/* past RDMSR/WRMSR */
"	incq gp_count(%rip)\n"
"	iretq\n"
"	.popsection\n");

/* RDMSR: the value, or ~0 with *gp set if it faulted. */
static inline __attribute__((always_inline)) u64 rdmsr_gp(u32 msr, bool *gp)
{
	u64 before = gp_count;
	u32 lo = ~0u, hi = ~0u;

	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*gp = gp_count != before;
	return lo | ((u64)hi << 32);
}

/* WRMSR: true if it raised #GP. */
static inline __attribute__((always_inline)) bool wrmsr_gp(u32 msr, u64 v)
{
	u64 before = gp_count;

	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
	return gp_count != before;
}

/* Reads @msr, which must not fault, and checks its value. */
#define GUEST_MSR_EQ(msr, want) do {					\
	bool __gp;							\
	u64 __v = rdmsr_gp(msr, &__gp);					\
	GUEST_ASSERT_EQ(__gp, 0);					\
	GUEST_ASSERT_EQ(__v, (want));					\
} while (0)

#define GUEST_WRMSR_OK(msr, v)	GUEST_ASSERT_EQ(wrmsr_gp(msr, v), 0)
#define GUEST_WRMSR_GP(msr, v)	GUEST_ASSERT_EQ(wrmsr_gp(msr, v), 1)
#define GUEST_RDMSR_GP(msr) do {					\
	bool __gp;							\
	rdmsr_gp(msr, &__gp);						\
	GUEST_ASSERT_EQ(__gp, 1);					\
} while (0)

#endif /* HV_SELFTEST_GUEST_MSR_H */
