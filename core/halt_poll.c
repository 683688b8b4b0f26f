// SPDX-License-Identifier: GPL-2.0
/*
 * Halt polling: a halted vCPU's thread spins for a short window before
 * it sleeps, so that an interrupt due soon (a timer a few microseconds
 * away, an IPI answering an IPI) finds it awake and skips the cost of a
 * sleep and a wake-up on both sides.  The policy is KVM 6.1's
 * (virt/kvm/kvm_main.c, kvm_vcpu_halt): each vCPU has its own window,
 * starting at 0; a halt that ended within the maximum grows it
 * (x halt_poll_ns_grow, from halt_poll_ns_grow_start), a halt longer
 * than the maximum shrinks it (/ halt_poll_ns_shrink; 0, the default,
 * resets it).  Polling stops at once when the vCPU has an event, a
 * signal is pending, the CPU is wanted by another task (need_resched,
 * or anything else runnable on it) or the window is over, so it never
 * delays the host; halt_poll_ns=0 turns it off.
 *
 * The statistics are KVM's, in its names (core/stats.c): a poll
 * succeeds when the vCPU never slept, even if the event came just after
 * the window, before the sleep (KVM's rule).
 */
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>

#include "hv.h"

/* KVM_HALT_POLL_NS_DEFAULT on x86 (arch/x86/include/asm/kvm_host.h). */
static unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "maximum halt-polling window per vCPU, ns (0: off)");

static unsigned int halt_poll_ns_grow = 2;
module_param(halt_poll_ns_grow, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_grow, "factor a short halt grows the window by");

static unsigned int halt_poll_ns_grow_start = 10000;
module_param(halt_poll_ns_grow_start, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_grow_start, "the first window grown from 0, ns");

static unsigned int halt_poll_ns_shrink;
module_param(halt_poll_ns_shrink, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns_shrink, "divisor a long halt shrinks the window by (0: reset)");

static void hv_halt_poll_grow(struct hv_vcpu *vcpu)
{
	unsigned int grow = READ_ONCE(halt_poll_ns_grow);
	unsigned int start = READ_ONCE(halt_poll_ns_grow_start);
	u64 val;

	if (!grow)
		return;
	val = max_t(u64, (u64)vcpu->halt_poll_ns * grow, start);
	vcpu->halt_poll_ns = min_t(u64, val, U32_MAX);
}

static void hv_halt_poll_shrink(struct hv_vcpu *vcpu)
{
	unsigned int shrink = READ_ONCE(halt_poll_ns_shrink);
	unsigned int val = shrink ? vcpu->halt_poll_ns / shrink : 0;

	if (val < READ_ONCE(halt_poll_ns_grow_start))
		val = 0;
	vcpu->halt_poll_ns = val;
}

/* A halt that lasted @halt_ns adapts the window (kvm_vcpu_halt's rules). */
static void hv_halt_poll_adapt(struct hv_vcpu *vcpu, u64 halt_ns)
{
	unsigned int max = READ_ONCE(halt_poll_ns);

	if (!max) {
		vcpu->halt_poll_ns = 0;
		return;
	}
	if (halt_ns <= vcpu->halt_poll_ns)
		return;				/* the window was right */
	if (vcpu->halt_poll_ns && halt_ns > max)
		hv_halt_poll_shrink(vcpu);	/* a long sleep: polling wasted */
	else if (vcpu->halt_poll_ns < max && halt_ns < max)
		hv_halt_poll_grow(vcpu);	/* short, but the window missed it */
}

/* Whether polling may go on: nothing else wants this CPU. */
static bool hv_halt_poll_continues(ktime_t now, ktime_t stop)
{
	return single_task_running() && !need_resched() &&
	       ktime_before(now, stop);
}

/*
 * One halt: poll for the vCPU's window, then sleep until an event or a
 * signal (hv_vcpu_block); the caller (hv_vcpu_wait) then decides whether
 * the halt is over.  The vCPU's thread, preemptible.
 */
void hv_vcpu_halt_poll(struct hv_vcpu *vcpu)
{
	unsigned int max = READ_ONCE(halt_poll_ns);
	struct hv_vcpu_stats *st = &vcpu->stats;
	ktime_t start, now, poll_end;
	bool polled, woke, waited = false;

	might_sleep();
	if (vcpu->halt_poll_ns > max)
		vcpu->halt_poll_ns = max;
	polled = vcpu->halt_poll_ns != 0;

	start = ktime_get();
	now = start;
	poll_end = start;
	if (polled) {
		ktime_t stop = ktime_add_ns(start, vcpu->halt_poll_ns);

		do {
			if (hv_vcpu_wake_pending(vcpu))
				goto out;
			cpu_relax();
			now = ktime_get();
			poll_end = now;
		} while (hv_halt_poll_continues(now, stop));
	}

	waited = hv_vcpu_block(vcpu);
	now = ktime_get();
	if (waited) {
		WRITE_ONCE(st->halt_wait_ns,
			   st->halt_wait_ns + ktime_to_ns(ktime_sub(now, poll_end)));
		/* KVM counts the wake-ups by an event, not by a signal. */
		woke = test_bit(HV_REQ_EVENT, &vcpu->requests);
		WRITE_ONCE(st->halt_wakeup, st->halt_wakeup + woke);
	}
out:
	if (polled) {
		u64 poll_ns = ktime_to_ns(ktime_sub(poll_end, start));

		WRITE_ONCE(st->halt_attempted_poll, st->halt_attempted_poll + 1);
		if (!waited) {
			WRITE_ONCE(st->halt_successful_poll,
				   st->halt_successful_poll + 1);
			WRITE_ONCE(st->halt_poll_success_ns,
				   st->halt_poll_success_ns + poll_ns);
		} else {
			WRITE_ONCE(st->halt_poll_fail_ns,
				   st->halt_poll_fail_ns + poll_ns);
		}
	}
	hv_halt_poll_adapt(vcpu, ktime_to_ns(ktime_sub(now, start)));
}
