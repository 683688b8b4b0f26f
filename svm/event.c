// SPDX-License-Identifier: GPL-2.0
/*
 * Events under SVM: loading the event the core chose into EVENTINJ,
 * reporting the one an exit interrupted (EXITINTINFO), the interrupt
 * shadow, NMI blocking, and the interrupt and NMI windows (APM Vol. 2,
 * 15.20 "Event Injection", 15.21 "Interrupt and LINT Virtualization").
 *
 * SVM does not track the blocking of NMIs that it injects: hv does, as
 * KVM does.  Injecting an NMI blocks NMIs and intercepts IRET; the IRET
 * exits before it executes, and the block ends once the guest has moved
 * past it (svm/run.c, svm_nmi_iret_done).  An NMI window wanted while the
 * IRET or an interrupt shadow is pending single-steps the guest with
 * RFLAGS.TF, whose #DB (intercepted anyway) ends the step.
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <asm/svm.h>

#include "svm.h"

/* Interrupts off, just before the entry: core/event.c chose @ev. */
void svm_inject_event(struct hv_vcpu *vcpu, const struct hv_event *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	static const u32 type[] = {
		[HV_EVENT_EXCEPTION] = SVM_EVTINJ_TYPE_EXEPT,
		[HV_EVENT_NMI] = SVM_EVTINJ_TYPE_NMI,
		[HV_EVENT_INTR] = SVM_EVTINJ_TYPE_INTR,
		[HV_EVENT_SOFT] = SVM_EVTINJ_TYPE_SOFT,
	};
	u32 inj = ev->vector | type[ev->type] | SVM_EVTINJ_VALID;

	/* Real mode pushes no error code (KVM drops it there too). */
	if (ev->has_error_code && (svm->vmcb->save.cr0 & X86_CR0_PE)) {
		inj |= SVM_EVTINJ_VALID_ERR;
		svm->vmcb->control.event_inj_err = ev->error_code;
	}
	svm->vmcb->control.event_inj = inj;
	if (ev->type == HV_EVENT_NMI)
		svm_set_nmi_mask(vcpu, true);
}

/*
 * Right after #VMEXIT: the event whose delivery the exit interrupted
 * (EXITINTINFO, APM Vol. 2, 15.7.2), for the core to deliver again.
 */
void svm_collect_exit_event(struct svm_vcpu *svm)
{
	struct vmcb_control_area *ctl = &svm->vmcb->control;
	struct hv_exit_event *x = &svm->vcpu.exit_event;
	u32 info = ctl->exit_int_info;

	/* VMRUN's own checks failed: nothing was delivered. */
	x->entered = ctl->exit_code != (u32)SVM_EXIT_ERR;
	x->valid = info & SVM_EXITINTINFO_VALID;
	ctl->event_inj = 0;
	if (!x->valid)
		return;
	x->ev.vector = info & SVM_EXITINTINFO_VEC_MASK;
	x->ev.has_error_code = info & SVM_EXITINTINFO_VALID_ERR;
	x->ev.error_code = ctl->exit_int_info_err;
	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_INTR:
		x->ev.type = HV_EVENT_INTR;
		break;
	case SVM_EXITINTINFO_TYPE_NMI:
		x->ev.type = HV_EVENT_NMI;
		break;
	case SVM_EXITINTINFO_TYPE_EXEPT:
		x->ev.type = HV_EVENT_EXCEPTION;
		break;
	default:
		x->ev.type = HV_EVENT_SOFT;
		break;
	}
}

/*
 * The shadow holds for the instruction after STI or MOV SS only: once
 * RIP moved (an emulated instruction was skipped) it is over.  SVM does
 * not say which of the two it was: both bits, as KVM reports it.
 */
u32 svm_get_interrupt_shadow(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (!(svm->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) ||
	    vcpu->regs.rip != svm->exit_rip)
		return 0;
	return HV_SHADOW_MOV_SS | HV_SHADOW_STI;
}

void svm_set_interrupt_shadow(struct hv_vcpu *vcpu, u32 shadow)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (shadow)
		svm->vmcb->control.int_state |= SVM_INTERRUPT_SHADOW_MASK;
	else
		svm->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	svm->exit_rip = vcpu->regs.rip;		/* for the current instruction */
}

bool svm_get_nmi_mask(struct hv_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

void svm_set_nmi_mask(struct hv_vcpu *vcpu, bool masked)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->awaiting_iret = false;
	if (masked)
		svm_intercept(svm->vmcb, INTERCEPT_IRET);
	else
		svm_clr_intercept(svm->vmcb, INTERCEPT_IRET);
}

/*
 * A virtual interrupt the guest takes as soon as RFLAGS.IF and no shadow
 * allow, whatever its TPR, and whose taking exits (VINTR): the window
 * (APM Vol. 2, 15.21.4).
 */
void svm_enable_irq_window(struct hv_vcpu *vcpu)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	ctl->int_ctl = (ctl->int_ctl & ~V_INTR_PRIO_MASK) | V_IRQ_MASK |
		       V_IGN_TPR_MASK | (0xf << V_INTR_PRIO_SHIFT);
	svm_intercept(to_svm(vcpu)->vmcb, INTERCEPT_VINTR);
}

void svm_disable_irq_window(struct svm_vcpu *svm)
{
	svm->vmcb->control.int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK |
					V_INTR_PRIO_MASK);
	svm_clr_intercept(svm->vmcb, INTERCEPT_VINTR);
}

/*
 * An NMI waits.  Behind an NMI not yet returned from, the intercepted
 * IRET will tell; behind an IRET that exited but has not completed, or
 * behind an interrupt shadow, step the guest one instruction.
 */
void svm_enable_nmi_window(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->nmi_masked && !svm->awaiting_iret)
		return;
	if (!svm->nmi_singlestep) {
		svm->singlestep_rflags = vcpu->regs.rflags;
		svm->nmi_singlestep = true;
	}
}

/*
 * After each exit: the IRET that ends an NMI handler exited before it
 * ran (svm/exit.c); once RIP has moved past it, NMIs are unblocked.
 */
void svm_nmi_iret_done(struct svm_vcpu *svm)
{
	if (svm->awaiting_iret && svm->vcpu.regs.rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
}

/*
 * The #DB of an NMI-window single step ends it.  True if the #DB was
 * only ours (the guest was not single-stepping itself).
 */
bool svm_nmi_singlestep_done(struct svm_vcpu *svm)
{
	if (!svm->nmi_singlestep)
		return false;
	/* svm/run.c already hid hv's TF and RF from the guest's RFLAGS. */
	svm->nmi_singlestep = false;
	return !(svm->singlestep_rflags & X86_EFLAGS_TF);
}
