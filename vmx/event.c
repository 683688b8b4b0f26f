// SPDX-License-Identifier: GPL-2.0
/*
 * Events under VT-x: loading the event the core chose into the VM-entry
 * interruption information, reporting the one an exit interrupted
 * (IDT-vectoring information), the interrupt shadow and NMI blocking
 * (the guest's interruptibility state), and the interrupt and NMI windows
 * (SDM 25.4.2, 26.7 "Event Injection", 27.2.4, 26.7.5-6).
 *
 * With virtual NMIs (required, vmx/vmx.c) the CPU tracks the blocking of
 * an NMI hv injects until the guest's IRET, and the NMI-window exit comes
 * when it ends.
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <asm/trapnr.h>

#include "insn.h"
#include "vmx.h"

#define VMX_INTR_STATE_SHADOW	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)
#define VMX_EPT_NMI_UNBLOCKED	BIT(12)	/* qualification, SDM Table 28-7 */

/* Interrupts off, just before the entry: core/event.c chose @ev. */
void vmx_inject_event(struct hv_vcpu *vcpu, const struct hv_event *ev)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	static const u32 type[] = {
		[HV_EVENT_EXCEPTION] = INTR_TYPE_HARD_EXCEPTION,
		[HV_EVENT_NMI] = INTR_TYPE_NMI_INTR,
		[HV_EVENT_INTR] = INTR_TYPE_EXT_INTR,
	};
	u32 info;

	/* Software events are executed again, never injected. */
	if (WARN_ON_ONCE(ev->type >= ARRAY_SIZE(type)))
		return;
	info = ev->vector | type[ev->type] | INTR_INFO_VALID_MASK;
	/*
	 * Real mode pushes no error code, and VM entry refuses one there
	 * (SDM 27.2.1.3).
	 */
	if (ev->has_error_code && (vmx->cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error_code);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/* The interruptibility state, once changed by hv. */
static void vmx_write_intr_state(struct vmx_vcpu *vmx, u32 state)
{
	if (state != vmx->intr_state) {
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, state);
		vmx->intr_state = state;
	}
}

/*
 * Right after the exit: the event whose delivery the exit interrupted
 * (IDT-vectoring information, SDM 28.2.4), for the core to deliver
 * again.  VM exits clear the valid bit of the entry's interruption
 * information (SDM 28.2.x); a failed entry left it as it was.
 */
void vmx_collect_exit_event(struct vmx_vcpu *vmx, bool entered, u32 info,
			    u32 error)
{
	struct hv_exit_event *x = &vmx->vcpu.exit_event;

	x->entered = entered;
	x->valid = entered && (info & VECTORING_INFO_VALID_MASK);
	if (!entered)
		return;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (!x->valid)
		return;
	x->ev.vector = info & VECTORING_INFO_VECTOR_MASK;
	x->ev.has_error_code = info & VECTORING_INFO_DELIVER_CODE_MASK;
	x->ev.error_code = error;
	switch (info & VECTORING_INFO_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		x->ev.type = HV_EVENT_INTR;
		break;
	case INTR_TYPE_NMI_INTR:
		x->ev.type = HV_EVENT_NMI;
		/*
		 * Delivery began, so the CPU blocked NMIs; it did not finish,
		 * and entry refuses to inject an NMI while they are blocked
		 * (SDM 27.3.1.5): unblock for the second try.
		 */
		vmx_write_intr_state(vmx, vmx->intr_state &
					  ~GUEST_INTR_STATE_NMI);
		break;
	case INTR_TYPE_HARD_EXCEPTION:
		x->ev.type = HV_EVENT_EXCEPTION;
		break;
	default:
		x->ev.type = HV_EVENT_SOFT;
		break;
	}
}

/*
 * Right after the exit: an IRET that unblocked NMIs and then faulted (a
 * guest exception, or an EPT violation) did not complete, so NMIs are
 * blocked again (SDM 28.2.3, "NMI unblocking due to IRET").
 */
void vmx_recover_nmi_blocking(struct vmx_vcpu *vmx, u32 exit_intr_info)
{
	u16 basic = vmx->exit_reason;
	bool unblocked;

	if (vmx->vcpu.exit_event.valid)
		return;		/* not an IRET: an event was being delivered */
	if (basic == EXIT_REASON_EXCEPTION_NMI)
		unblocked = (exit_intr_info & INTR_INFO_UNBLOCK_NMI) &&
			    (exit_intr_info & INTR_INFO_VECTOR_MASK) != X86_TRAP_DF;
	else if (basic == EXIT_REASON_EPT_VIOLATION)
		unblocked = vmx->exit_qual & VMX_EPT_NMI_UNBLOCKED;
	else
		return;
	if (unblocked)
		vmx_write_intr_state(vmx, vmx->intr_state | GUEST_INTR_STATE_NMI);
}

/*
 * The shadow holds for the instruction after STI or MOV SS only: once
 * RIP moved (an emulated instruction was skipped) it is over, and STI's
 * needs RFLAGS.IF (vmx/run.c applies the same rule before entry).
 */
u32 vmx_get_interrupt_shadow(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 state = vmx->intr_state, shadow = 0;

	if (vcpu->regs.rip != vmx->exit_rip)
		return 0;
	if (state & GUEST_INTR_STATE_MOV_SS)
		shadow |= HV_SHADOW_MOV_SS;
	if ((state & GUEST_INTR_STATE_STI) &&
	    (vcpu->regs.rflags & X86_EFLAGS_IF))
		shadow |= HV_SHADOW_STI;
	return shadow;
}

void vmx_set_interrupt_shadow(struct hv_vcpu *vcpu, u32 shadow)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 state = vmx->intr_state & ~VMX_INTR_STATE_SHADOW;

	if (shadow & HV_SHADOW_MOV_SS)
		state |= GUEST_INTR_STATE_MOV_SS;
	else if (shadow & HV_SHADOW_STI)
		state |= GUEST_INTR_STATE_STI;
	vmx_vmcs_get(vmx);
	vmx_write_intr_state(vmx, state);
	vmx_vmcs_put(vmx);
	vmx->exit_rip = vcpu->regs.rip;		/* for the current instruction */
}

bool vmx_get_nmi_mask(struct hv_vcpu *vcpu)
{
	return to_vmx(vcpu)->intr_state & GUEST_INTR_STATE_NMI;
}

void vmx_set_nmi_mask(struct hv_vcpu *vcpu, bool masked)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 state = vmx->intr_state & ~GUEST_INTR_STATE_NMI;

	vmx_vmcs_get(vmx);
	vmx_write_intr_state(vmx, state | (masked ? GUEST_INTR_STATE_NMI : 0));
	vmx_vmcs_put(vmx);
}

/* Interrupts off, before the entry, the VMCS current. */
void vmx_enable_irq_window(struct hv_vcpu *vcpu)
{
	vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
}

void vmx_enable_nmi_window(struct hv_vcpu *vcpu)
{
	vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING);
}
