/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv's statistics: per vCPU, a count and the handling time of each exit
 * reason and KVM's halt-polling counters, readable through
 * HV_GET_STATS_FD (core/stats.c).
 */
#ifndef HV_CORE_STATS_H
#define HV_CORE_STATS_H

#include <linux/types.h>

/*
 * Exit reasons for statistics, the same for both vendors.  A backend
 * names the reason of each exit it handles (vcpu->exit_stat, from its
 * hardware exit code); the core refines the nested page faults that
 * turn out to be MMIO.
 */
enum hv_exit_stat {
	HV_EXIT_STAT_OTHER,		/* anything not listed below */
	HV_EXIT_STAT_INTR,		/* host interrupt, NMI, timer */
	HV_EXIT_STAT_WINDOW,		/* interrupt/NMI window, IRET */
	HV_EXIT_STAT_EXCEPTION,		/* an intercepted exception */
	HV_EXIT_STAT_CPUID,
	HV_EXIT_STAT_HLT,
	HV_EXIT_STAT_IO,
	HV_EXIT_STAT_RDMSR,
	HV_EXIT_STAT_WRMSR,
	HV_EXIT_STAT_NPF,		/* nested page fault on RAM */
	HV_EXIT_STAT_MMIO,		/* nested page fault on no RAM */
	HV_EXIT_STAT_CR,		/* MOV to/from a control register */
	HV_EXIT_STAT_DR,		/* MOV to/from a debug register */
	HV_EXIT_STAT_XSETBV,
	HV_EXIT_STAT_HYPERCALL,
	HV_EXIT_STAT_INSN,		/* other intercepted instructions */
	HV_EXIT_STAT_SHUTDOWN,		/* triple fault */
	HV_EXIT_STAT_FAIL,		/* the entry failed */
	HV_NR_EXIT_STATS
};

/*
 * A vCPU's statistics, in the order of HV_GET_STATS_FD's data: written
 * only by the vCPU's thread, read at any time (a reader may see a value
 * one exit old).
 */
struct hv_vcpu_stats {
	u64 exits;			/* handled exits, all reasons */
	u64 exit_ns;			/* time in all handlers */
	u64 userspace_exits;		/* handled exits that left HV_RUN */
	u64 npf_retries;		/* faults raced by an invalidation */
	u64 npf_host_ns;		/* faults' time getting the host page */
	u64 count[HV_NR_EXIT_STATS];	/* exits per reason */
	u64 ns[HV_NR_EXIT_STATS];	/* handler time per reason */
	/* Halting, in KVM's names and meanings (core/halt_poll.c) */
	u64 halt_successful_poll;	/* polls that ended without a sleep */
	u64 halt_attempted_poll;	/* halts that polled */
	u64 halt_poll_invalid;		/* always 0, as on x86 KVM */
	u64 halt_wakeup;		/* sleeps ended by an event */
	u64 halt_poll_success_ns;	/* time polled in successful polls */
	u64 halt_poll_fail_ns;		/* time polled before a sleep */
	u64 halt_wait_ns;		/* time asleep */
};

struct hv_vm;
struct hv_vcpu;

int hv_vm_stats_fd(struct hv_vm *vm);
int hv_vcpu_stats_fd(struct hv_vcpu *vcpu);

#endif /* HV_CORE_STATS_H */
