// SPDX-License-Identifier: GPL-2.0
/*
 * HV_RUN: the run loop, and the exits to userspace that every backend
 * shares.
 *
 * The loop and the entry sequence belong to the core; a backend's
 * vcpu_enter enters the guest once, and its handle_exit handles the exit
 * through the core's services.  Before each
 * entry the core finishes what userspace was asked to do (I/O, MMIO),
 * honours signals and reschedule requests, and runs pending requests
 * (TLB flushes); event injection and the in-kernel irqchip will plug in
 * here, between exits, without touching the backends' entry code.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "guest_context.h"
#include "hv.h"

/* ---- the entry handshake with requesters (see hv_vm_kick_all) ---- */

/*
 * Called with interrupts disabled just before entering the guest.
 * Returns false if the entry must be abandoned: a request arrived, or
 * the thread should reschedule or handle a signal first.
 */
static bool hv_vcpu_enter_guest_mode(struct hv_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	WRITE_ONCE(vcpu->mode, HV_IN_GUEST);
	smp_mb();	/* mode before requests; pairs with hv_vm_kick_all */
	if (READ_ONCE(vcpu->requests) || need_resched() ||
	    signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, HV_OUTSIDE_GUEST);
		return false;
	}
	/* From now on the guest may have seen its CPUID (core/cpuid.c). */
	vcpu->ran = true;
	return true;
}

static void hv_vcpu_exit_guest_mode(struct hv_vcpu *vcpu)
{
	/* Pairs with the read in hv_vm_kick_all: no IPI needed any more. */
	smp_store_release(&vcpu->mode, HV_OUTSIDE_GUEST);
}

/* Returns 0 to return to userspace (run filled), > 0 to go on. */
static int hv_vcpu_do_requests(struct hv_vcpu *vcpu)
{
	if (test_and_clear_bit(HV_REQ_TLB_FLUSH, &vcpu->requests))
		hv_ops->flush_guest_tlb(vcpu);
	/* INIT, SIPI, NMI from the LAPIC; interrupts are looked at entry. */
	if (test_and_clear_bit(HV_REQ_EVENT, &vcpu->requests))
		hv_vcpu_irqchip_events(vcpu);
	if (test_and_clear_bit(HV_REQ_MSR_FILTER, &vcpu->requests))
		hv_msr_filter_request(vcpu);
	/*
	 * An exception while delivering #DF (core/event.c).  As KVM, the
	 * vCPU keeps its state and userspace gets the shutdown, which a
	 * VMM answers with a reset.
	 */
	if (test_and_clear_bit(HV_REQ_TRIPLE_FAULT, &vcpu->requests)) {
		hv_clear_events(vcpu);
		return hv_exit_shutdown(vcpu);
	}
	return 1;
}

/* ---- exits to userspace ---- */

int hv_exit_hlt(struct hv_vcpu *vcpu)
{
	/* With an in-kernel irqchip the vCPU waits here (core/halt.c). */
	if (vcpu->lapic)
		return hv_vcpu_halt(vcpu);
	/* Without, userspace decides when to wake it. */
	vcpu->run->exit_reason = HV_EXIT_HLT;
	return 0;
}

int hv_exit_shutdown(struct hv_vcpu *vcpu)
{
	vcpu->run->exit_reason = HV_EXIT_SHUTDOWN;
	return 0;
}

int hv_exit_fail_entry(struct hv_vcpu *vcpu, u64 reason)
{
	struct hv_run *run = vcpu->run;

	run->exit_reason = HV_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = reason;
	run->fail_entry.cpu = vcpu->cpu;
	return 0;
}

int hv_exit_internal_error(struct hv_vcpu *vcpu, u32 suberror, u32 ndata,
			   const u64 *data)
{
	struct hv_run *run = vcpu->run;

	ndata = min_t(u32, ndata, ARRAY_SIZE(run->internal.data));
	run->exit_reason = HV_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	memcpy(run->internal.data, data, ndata * sizeof(*data));
	return 0;
}

/* The hardware reported an exit the backend has no handler for. */
int hv_exit_unexpected(struct hv_vcpu *vcpu, u64 hw_exit_reason)
{
	u64 data[2] = { hw_exit_reason, vcpu->cpu };

	return hv_exit_internal_error(vcpu,
				      HV_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				      ARRAY_SIZE(data), data);
}

/* ---- the loop ---- */

/* Finish the exit userspace has just handled. */
static int hv_vcpu_complete_userspace(struct hv_vcpu *vcpu)
{
	enum hv_vcpu_pending pending = vcpu->pending;

	vcpu->pending = HV_PENDING_NONE;
	switch (pending) {
	case HV_PENDING_PIO:
		return hv_complete_pio(vcpu);
	case HV_PENDING_MMIO:
		return hv_complete_mmio(vcpu);
	case HV_PENDING_MSR:
		return hv_complete_msr(vcpu);
	default:
		return 1;
	}
}

/*
 * Handle the exit, counting it and its handler's time by reason
 * (core/stats.c).  The backend names the reason; the core may refine it
 * (an MMIO access, core/mmio.c).
 */
static int hv_vcpu_handle_exit(struct hv_vcpu *vcpu)
{
	struct hv_vcpu_stats *st = &vcpu->stats;
	u64 t0, dt;
	int r;

	vcpu->exit_stat = HV_EXIT_STAT_OTHER;
	t0 = local_clock();
	r = hv_ops->handle_exit(vcpu);
	dt = local_clock() - t0;
	st->exits++;
	st->exit_ns += dt;
	st->count[vcpu->exit_stat]++;
	st->ns[vcpu->exit_stat] += dt;
	if (!r)
		st->userspace_exits++;
	return r;
}

/*
 * One entry into the guest, the same sequence for every backend: the
 * guest's FPU registers, loaded since HV_RUN began (core/fpu.c), are
 * reloaded first if something saved them meanwhile; the handshake with
 * requesters (hv_vcpu_enter_guest_mode) happens with interrupts off, so
 * a kick either is seen here or finds the vCPU in the guest; the event
 * to deliver is chosen after the handshake (core/event.c), so that an
 * abandoned entry leaves it queued; and a host interrupt that made the
 * guest exit is taken as soon as interrupts are on again, before the
 * exit is handled, with preemption still off so that the thread cannot
 * be switched out while it counts as in the guest.
 */
static int hv_vcpu_enter_guest(struct hv_vcpu *vcpu)
{
	int r;

	preempt_disable();
	local_irq_disable();
	if (!hv_vcpu_enter_guest_mode(vcpu)) {
		local_irq_enable();
		preempt_enable();
		return 1;	/* the loop handles what stopped us */
	}
	hv_guest_timing_enter_irqoff();
	if (READ_ONCE(hv_rebooting)) {
		r = -EIO;
	} else {
		hv_inject_events(vcpu);
		hv_fpu_enter_guest(vcpu);
		hv_msrs_enter_guest(vcpu);
		hv_spec_enter_guest(vcpu);
		r = hv_ops->vcpu_enter(vcpu);
		hv_spec_exit_guest(vcpu);
		hv_msrs_exit_guest(vcpu);
		hv_fpu_exit_guest(vcpu);
		if (!r)
			hv_complete_events(vcpu);
	}
	hv_vcpu_exit_guest_mode(vcpu);
	/*
	 * The host interrupt that made the guest exit, if any, is taken
	 * here while the thread still counts as in the guest, so that a
	 * tick lands in guest time, as with kvm.ko.
	 */
	local_irq_enable();
	local_irq_disable();
	hv_guest_timing_exit_irqoff();
	local_irq_enable();
	preempt_enable();
	if (r)
		return r;
	return hv_vcpu_handle_exit(vcpu);
}

static int __hv_vcpu_run(struct hv_vcpu *vcpu)
{
	int r;

	/* Back from userspace: the L1D may hold anything (core/spec.c). */
	vcpu->l1d_flush = true;
	/*
	 * Without an in-kernel APIC the VMM owns the TPR: run->cr8 is
	 * loaded on every HV_RUN, as KVM does (reserved bits: -EINVAL).
	 */
	if (!vcpu->lapic) {
		if (vcpu->run->cr8 & ~0xfULL)
			return -EINVAL;
		vcpu->cr8 = vcpu->run->cr8;
	}
	r = hv_vcpu_complete_userspace(vcpu);
	if (r <= 0)
		return r;
	/* Checked after completion, so a VMM can finish I/O without running. */
	if (READ_ONCE(vcpu->run->immediate_exit))
		return -EINTR;

	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = HV_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();
		r = hv_vcpu_do_requests(vcpu);
		if (r <= 0)
			return r;
		/* Halted, or waiting for INIT/SIPI: sleep (core/halt.c). */
		if (vcpu->mp_state != HV_MP_STATE_RUNNABLE) {
			r = hv_vcpu_wait(vcpu);
			if (r <= 0)
				return r;
		}

		r = hv_vcpu_enter_guest(vcpu);
		if (r <= 0)
			return r;
		/* Userspace wants to inject an interrupt, and now it can. */
		if (hv_irq_window_open(vcpu))
			return 0;
	}
}

int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	sigset_t saved;
	int r;

	/* HV_SET_SIGNAL_MASK: the mask applies only while in HV_RUN. */
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &saved);

	/* The guest's FPU state stays loaded across in-kernel exits. */
	hv_fpu_load_guest(vcpu);
	r = __hv_vcpu_run(vcpu);
	hv_fpu_put_guest(vcpu);
	hv_event_post_run(vcpu);

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
