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

#include <linux/minmax.h>
#include <linux/smp.h>
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

/* ---- what may be delivered now ---- */

/* STI or MOV SS blocking: the backend's view of the current instruction. */
static u32 hv_interrupt_shadow(struct hv_vcpu *vcpu)
{
	return hv_ops->get_interrupt_shadow(vcpu);
}

/* SDM 6.8.1, 6.7.1: IF, and the shadow of STI and MOV SS. */
static bool hv_interrupt_allowed(struct hv_vcpu *vcpu)
{
	return (vcpu->regs.rflags & X86_EFLAGS_IF) && !hv_interrupt_shadow(vcpu);
}

/* An NMI waits for the IRET of the last one, and for a shadow (as KVM). */
static bool hv_nmi_allowed(struct hv_vcpu *vcpu)
{
	return !hv_ops->get_nmi_mask(vcpu) && !hv_interrupt_shadow(vcpu);
}

/*
 * run->ready_for_interrupt_injection, KVM's rule for a userspace irqchip:
 * the guest would take an external interrupt now, and no event is
 * pending or half-delivered (userspace may want to inject by hand, with
 * SET_REGS, at an instruction boundary).
 */
static bool hv_ready_for_interrupt(struct hv_vcpu *vcpu)
{
	return hv_interrupt_allowed(vcpu) && !hv_event_in_delivery(vcpu) &&
	       !vcpu->exception.pending;
}

/*
 * Interrupts off, just before the entry (after the handshake, so that an
 * abandoned entry leaves everything queued): hand the backend the one
 * event to deliver, and ask for the exits userspace or a queued NMI need.
 *
 * Order, as the hardware would deliver them and as KVM does: an event
 * already being delivered (an exit interrupted it, or userspace gave an
 * interrupt with HV_INTERRUPT), then a pending exception, then an NMI if
 * the guest can take one.  What cannot go now gets a window: the guest
 * exits as soon as it could take it.
 */
void hv_inject_events(struct hv_vcpu *vcpu)
{
	struct hv_event ev = { 0 };
	bool inject = true;
	int vector;

	lockdep_assert_irqs_disabled();
	if (vcpu->exception.injected) {
		ev.type = HV_EVENT_EXCEPTION;
	} else if (vcpu->nmi_injected) {
		ev.type = HV_EVENT_NMI;
	} else if (vcpu->interrupt.injected) {
		ev.type = HV_EVENT_INTR;
	} else if (vcpu->exception.pending) {
		vcpu->exception.pending = false;
		vcpu->exception.injected = true;
		ev.type = HV_EVENT_EXCEPTION;
	} else if (vcpu->nmi_pending && hv_nmi_allowed(vcpu)) {
		vcpu->nmi_pending--;
		vcpu->nmi_injected = true;
		ev.type = HV_EVENT_NMI;
	} else if (vcpu->lapic && hv_interrupt_allowed(vcpu) &&
		   (vector = hv_vcpu_take_interrupt(vcpu)) >= 0) {
		/* The in-kernel irqchip's, acknowledged at its source. */
		vcpu->interrupt.injected = true;
		vcpu->interrupt.vector = vector;
		ev.type = HV_EVENT_INTR;
	} else {
		inject = false;
	}

	vcpu->injected_now = 0;
	if (inject) {
		switch (ev.type) {
		case HV_EVENT_EXCEPTION:
			ev.vector = vcpu->exception.vector;
			ev.has_error_code = vcpu->exception.has_error_code;
			ev.error_code = vcpu->exception.error_code;
			break;
		case HV_EVENT_NMI:
			ev.vector = X86_TRAP_NMI;
			break;
		default:
			ev.vector = vcpu->interrupt.vector;
			break;
		}
		hv_ops->inject_event(vcpu, &ev);
		vcpu->injected_now = ev.type + 1;
	}

	if (vcpu->nmi_pending)
		hv_ops->enable_nmi_window(vcpu);
	/*
	 * An interrupt of the in-kernel irqchip that could not go now (IF,
	 * a shadow, another event first) goes at the first exit after the
	 * guest can take it; one the TPR holds back goes once the guest
	 * lowers it, which always exits (a CR8 write or an APIC access).
	 */
	if (vcpu->lapic ? hv_vcpu_has_interrupt(vcpu) :
			  READ_ONCE(vcpu->run->request_interrupt_window))
		hv_ops->enable_irq_window(vcpu);
	/*
	 * An exception raised while another event goes in must follow it
	 * at once, before the guest runs on: make the entry exit right
	 * away (a self-IPI, taken as an external-interrupt exit once the
	 * event is delivered), as KVM does.
	 */
	if (vcpu->exception.pending)
		smp_send_reschedule(smp_processor_id());
}

/*
 * Interrupts off, right after the exit: the event the entry carried was
 * delivered, unless the exit interrupted its delivery (or that of an
 * event of the guest's own, such as a #PF its instruction raised): then
 * it is delivered again at the next entry.  Software interrupts and
 * exceptions (INTn, INT3, INTO, INT1) are not re-queued: RIP still points
 * at the instruction, which the guest executes again.  An entry that
 * failed delivered nothing: the state stays as it was.
 */
void hv_complete_events(struct hv_vcpu *vcpu)
{
	const struct hv_exit_event *x = &vcpu->exit_event;

	lockdep_assert_irqs_disabled();
	if (!x->entered)
		return;
	switch (vcpu->injected_now) {
	case HV_EVENT_EXCEPTION + 1:
		vcpu->exception.injected = false;
		break;
	case HV_EVENT_NMI + 1:
		vcpu->nmi_injected = false;
		break;
	case HV_EVENT_INTR + 1:
		vcpu->interrupt.injected = false;
		break;
	}
	vcpu->injected_now = 0;
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

/*
 * Back to userspace: what a userspace irqchip reads (KVM's
 * post_kvm_run_save).  The vCPU is loaded.
 */
void hv_event_post_run(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;

	run->if_flag = !!(vcpu->regs.rflags & X86_EFLAGS_IF);
	run->cr8 = vcpu->cr8;
	run->apic_base = vcpu->apic_base;
	/* KVM: always ready with the PIC in the kernel (no one injects). */
	run->ready_for_interrupt_injection = vcpu->lapic ||
					     hv_ready_for_interrupt(vcpu);
	run->flags = 0;
}

/*
 * After an exit the core handled in the kernel: does userspace want to
 * inject an interrupt now (run->request_interrupt_window), and can it?
 * Then HV_RUN returns with HV_EXIT_IRQ_WINDOW_OPEN.
 */
bool hv_irq_window_open(struct hv_vcpu *vcpu)
{
	if (vcpu->lapic || !READ_ONCE(vcpu->run->request_interrupt_window) ||
	    !hv_ready_for_interrupt(vcpu))
		return false;
	vcpu->run->exit_reason = HV_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/* ---- ioctls ---- */

/*
 * HV_INTERRUPT without an in-kernel irqchip: the vector goes in at the
 * next entry, as KVM does (the VMM waits for
 * ready_for_interrupt_injection, or asks for a window, before it calls).
 */
int hv_vcpu_interrupt(struct hv_vcpu *vcpu, const struct hv_interrupt *irq)
{
	if (irq->irq >= 256)
		return -EINVAL;
	vcpu->interrupt.injected = true;
	vcpu->interrupt.vector = irq->irq;
	return 0;
}

/*
 * HV_NMI: one NMI may be running and one wait behind it; more are merged
 * into those (SDM 6.7.1: NMIs are edge events, latched once).
 */
int hv_vcpu_nmi(struct hv_vcpu *vcpu)
{
	u8 limit = 2;

	if (vcpu->nmi_injected || hv_ops->get_nmi_mask(vcpu))
		limit = 1;
	vcpu->nmi_pending = min_t(u8, vcpu->nmi_pending + 1, limit);
	return 0;
}

#define HV_VCPUEVENT_VALID_FLAGS	(HV_VCPUEVENT_VALID_NMI_PENDING | \
					 HV_VCPUEVENT_VALID_SIPI_VECTOR | \
					 HV_VCPUEVENT_VALID_SHADOW | \
					 HV_VCPUEVENT_VALID_SMM | \
					 HV_VCPUEVENT_VALID_PAYLOAD | \
					 HV_VCPUEVENT_VALID_TRIPLE_FAULT)

/*
 * HV_GET_VCPU_EVENTS, with KVM's semantics where hv offers neither
 * exception payloads nor SMM nor the triple-fault event: a pending
 * exception is reported as injected (its payload, CR2, was delivered when
 * it was raised), software events are not reported (RIP still points at
 * them), the SIPI vector is never valid on the way out.
 */
void hv_vcpu_get_events(struct hv_vcpu *vcpu, struct hv_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	e->exception.injected = vcpu->exception.injected ||
				vcpu->exception.pending;
	e->exception.nr = vcpu->exception.vector;
	e->exception.has_error_code = vcpu->exception.has_error_code;
	e->exception.error_code = vcpu->exception.error_code;
	e->interrupt.injected = vcpu->interrupt.injected;
	e->interrupt.nr = vcpu->interrupt.vector;
	e->interrupt.shadow = hv_interrupt_shadow(vcpu);
	e->nmi.injected = vcpu->nmi_injected;
	e->nmi.pending = vcpu->nmi_pending != 0;
	e->nmi.masked = hv_ops->get_nmi_mask(vcpu);
	e->flags = HV_VCPUEVENT_VALID_NMI_PENDING | HV_VCPUEVENT_VALID_SHADOW |
		   HV_VCPUEVENT_VALID_SMM;
}

/*
 * HV_SET_VCPU_EVENTS: KVM's checks, and the state as given.  SMM (not
 * offered) may only be reported absent; exception payloads and the
 * triple-fault event need capabilities hv does not offer: -EINVAL, as
 * KVM answers without them.  A software interrupt cannot be re-injected
 * (the structure has no instruction length): refused.
 */
int hv_vcpu_set_events(struct hv_vcpu *vcpu, const struct hv_vcpu_events *e)
{
	if (e->flags & ~HV_VCPUEVENT_VALID_FLAGS)
		return -EINVAL;
	if (e->flags & (HV_VCPUEVENT_VALID_PAYLOAD |
			HV_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if (e->exception.injected &&
	    (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	if ((e->flags & HV_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending))
		return -EINVAL;
	if (e->interrupt.injected && e->interrupt.soft)
		return -EINVAL;

	vcpu->exception.pending = false;
	vcpu->exception.injected = e->exception.injected;
	vcpu->exception.vector = e->exception.nr;
	vcpu->exception.has_error_code = e->exception.has_error_code;
	vcpu->exception.error_code = e->exception.error_code;
	vcpu->interrupt.injected = e->interrupt.injected;
	vcpu->interrupt.vector = e->interrupt.nr;
	if (e->flags & HV_VCPUEVENT_VALID_SHADOW)
		hv_ops->set_interrupt_shadow(vcpu, e->interrupt.shadow &
					     (HV_X86_SHADOW_INT_MOV_SS |
					      HV_X86_SHADOW_INT_STI));
	vcpu->nmi_injected = e->nmi.injected;
	/* The SIPI vector a SIPI_RECEIVED state starts at (core/halt.c). */
	if ((e->flags & HV_VCPUEVENT_VALID_SIPI_VECTOR) && vcpu->lapic)
		vcpu->sipi_vector = e->sipi_vector;
	if (e->flags & HV_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_pending = e->nmi.pending ? 1 : 0;
	hv_ops->set_nmi_mask(vcpu, e->nmi.masked);
	return 0;
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
	vcpu->nmi_pending = 0;
	vcpu->interrupt.injected = false;
	vcpu->injected_now = 0;
	clear_bit(HV_REQ_TRIPLE_FAULT, &vcpu->requests);
}
