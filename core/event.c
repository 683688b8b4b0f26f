// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's events: exceptions the core or a backend raises in the
 * guest, and the events whose delivery an exit interrupted.
 *
 * The core owns this state; a backend only loads the one event the core
 * picks into the VMCB/VMCS before an entry (ops->inject_event) and
 * reports after the exit which event, if any, the exit interrupted
 * (vcpu->exit_event).  So the rules live here once: a second exception
 * raised while one is pending or being delivered merges into #DF, a third
 * into a triple fault (SDM Vol. 3, 6.15, Table 6-5; APM Vol. 2, 8.2.9);
 * an interrupted event is delivered again before anything new; nothing
 * is dropped.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <asm/mce.h>
#include <asm/ptrace.h>
#include <asm/trapnr.h>

#include "hv.h"

/* SDM Vol. 3, Table 6-4: the classes that decide how exceptions combine. */
enum hv_exception_class {
	HV_EXC_BENIGN,
	HV_EXC_CONTRIBUTORY,
	HV_EXC_PAGE_FAULT,
};

static enum hv_exception_class hv_exception_class(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return HV_EXC_CONTRIBUTORY;
	case X86_TRAP_PF:
		return HV_EXC_PAGE_FAULT;
	default:
		return HV_EXC_BENIGN;
	}
}

static void hv_set_exception(struct hv_vcpu *vcpu, u8 vector,
			     bool has_error_code, u32 error_code)
{
	vcpu->exception.pending = true;
	vcpu->exception.injected = false;
	vcpu->exception.vector = vector;
	vcpu->exception.has_error_code = has_error_code;
	vcpu->exception.error_code = error_code;
}

/*
 * Raise exception @vector in the guest, delivered at the next entry.
 * Combined with an exception already pending or being delivered as the
 * SDM's Table 6-5 says: contributory after contributory, or anything but
 * benign after #PF, is a #DF (error code 0); anything after #DF shuts the
 * vCPU down (userspace gets HV_EXIT_SHUTDOWN); otherwise the new
 * exception replaces the old one, which the guest raises again when it
 * re-executes the instruction (KVM does the same).
 */
void hv_queue_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error_code,
			u32 error_code)
{
	enum hv_exception_class first, second;
	u8 prev;

	if (!vcpu->exception.pending && !vcpu->exception.injected) {
		hv_set_exception(vcpu, vector, has_error_code, error_code);
		return;
	}
	prev = vcpu->exception.vector;
	if (prev == X86_TRAP_DF) {
		hv_vcpu_request(vcpu, HV_REQ_TRIPLE_FAULT);
		return;
	}
	first = hv_exception_class(prev);
	second = hv_exception_class(vector);
	if ((first == HV_EXC_CONTRIBUTORY && second == HV_EXC_CONTRIBUTORY) ||
	    (first == HV_EXC_PAGE_FAULT && second != HV_EXC_BENIGN))
		hv_set_exception(vcpu, X86_TRAP_DF, true, 0);
	else
		hv_set_exception(vcpu, vector, has_error_code, error_code);
}

void hv_queue_ud(struct hv_vcpu *vcpu)
{
	hv_queue_exception(vcpu, X86_TRAP_UD, false, 0);
}

void hv_queue_gp(struct hv_vcpu *vcpu, u32 error_code)
{
	hv_queue_exception(vcpu, X86_TRAP_GP, true, error_code);
}

/*
 * An exception the emulator or a page walk raised.  A #PF's payload, the
 * faulting address, goes to CR2 now, as KVM delivers payloads when it
 * does not defer them (KVM_CAP_EXCEPTION_PAYLOAD is not offered).
 */
void hv_queue_emu_exception(struct hv_vcpu *vcpu,
			    const struct hv_emu_exception *exc)
{
	if (exc->vector == X86_TRAP_PF)
		vcpu->regs.cr2 = exc->cr2;
	hv_queue_exception(vcpu, exc->vector, exc->has_error_code,
			   exc->error_code);
}

/*
 * Interrupts off, just before the entry: hand the backend the event to
 * deliver, if any.  One whose delivery an exit interrupted goes first,
 * in the order the hardware would have delivered them; then a pending
 * exception, which from now on is being delivered.
 */
void hv_inject_events(struct hv_vcpu *vcpu)
{
	struct hv_event ev = { 0 };

	lockdep_assert_irqs_disabled();
	if (vcpu->exception.pending) {
		vcpu->exception.pending = false;
		vcpu->exception.injected = true;
	}
	if (vcpu->exception.injected) {
		ev.type = HV_EVENT_EXCEPTION;
		ev.vector = vcpu->exception.vector;
		ev.has_error_code = vcpu->exception.has_error_code;
		ev.error_code = vcpu->exception.error_code;
	} else if (vcpu->nmi_injected) {
		ev.type = HV_EVENT_NMI;
		ev.vector = X86_TRAP_NMI;
	} else if (vcpu->interrupt.injected) {
		ev.type = HV_EVENT_INTR;
		ev.vector = vcpu->interrupt.vector;
	} else {
		return;
	}
	hv_ops->inject_event(vcpu, &ev);
}

/*
 * Interrupts off, right after the exit: the event injected was delivered,
 * unless the exit interrupted its delivery (or that of an event of the
 * guest's own, such as a #PF its instruction raised): then it is
 * delivered again at the next entry.  Software interrupts and exceptions
 * (INTn, INT3, INTO, INT1) are not re-queued: RIP still points at the
 * instruction, which the guest executes again.  An entry that failed
 * delivered nothing: the state stays as it was.
 */
void hv_complete_events(struct hv_vcpu *vcpu)
{
	const struct hv_exit_event *x = &vcpu->exit_event;

	lockdep_assert_irqs_disabled();
	if (!x->entered)
		return;
	vcpu->exception.injected = false;
	vcpu->nmi_injected = false;
	vcpu->interrupt.injected = false;
	if (!x->valid)
		return;
	switch (x->ev.type) {
	case HV_EVENT_EXCEPTION:
		vcpu->exception.injected = true;
		vcpu->exception.vector = x->ev.vector;
		vcpu->exception.has_error_code = x->ev.has_error_code;
		vcpu->exception.error_code = x->ev.error_code;
		break;
	case HV_EVENT_NMI:
		vcpu->nmi_injected = true;
		break;
	case HV_EVENT_INTR:
		vcpu->interrupt.injected = true;
		vcpu->interrupt.vector = x->ev.vector;
		break;
	default:		/* software events: executed again */
		break;
	}
}

/* Whether the guest was delivering an event when it exited. */
bool hv_event_in_delivery(struct hv_vcpu *vcpu)
{
	return vcpu->exception.injected || vcpu->nmi_injected ||
	       vcpu->interrupt.injected;
}

/*
 * A machine check hit while the guest ran, and the exit took it away
 * from the host (an intercepted #MC, or one during VM entry): hand it to
 * the host's handler now, before the vCPU can move to another CPU, as
 * if it had hit user mode (the guest is not the kernel).
 */
void hv_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

/* INIT, reset, triple fault: no event survives. */
void hv_clear_events(struct hv_vcpu *vcpu)
{
	vcpu->exception.pending = false;
	vcpu->exception.injected = false;
	vcpu->nmi_injected = false;
	vcpu->interrupt.injected = false;
	clear_bit(HV_REQ_TRIPLE_FAULT, &vcpu->requests);
}
