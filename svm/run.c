// SPDX-License-Identifier: GPL-2.0
/*
 * Entering an SVM guest once: ASIDs, the order of FPU/XCR0, GIF and
 * interrupt switching around VMRUN, and what is copied between the VMCB
 * and the core's register file.
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/spec-ctrl.h>
#include <asm/svm.h>
#include <asm/trapnr.h>

#include "../core/guest_context.h"
#include "svm.h"

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

/* ---- ASIDs ---- */

/* Preemption off: the ASID is only good on this CPU. */
static void svm_assign_asid(struct svm_vcpu *svm)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpus);
	int cpu = smp_processor_id();

	if (svm->asid_cpu == cpu && svm->asid_generation == sd->asid_generation)
		return;

	/* ASID 0 is the host's (APM Vol. 2, 15.16). */
	if (sd->next_asid >= svm_caps.nr_asids) {
		sd->asid_generation++;
		sd->next_asid = 1;
		/* Flushing every ASID needs no FlushByASID support. */
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid = sd->next_asid++;
	svm->asid_generation = sd->asid_generation;
	svm->asid_cpu = cpu;
	svm->vmcb->control.asid = svm->asid;
}

/* A fresh ASID has no translations: that is the flush. */
void svm_flush_guest_tlb(struct hv_vcpu *vcpu)
{
	to_svm(vcpu)->asid_generation = 0;
}

/*
 * Nothing of a vCPU stays in a CPU's hardware between entries (ASIDs are
 * checked at every entry), so load and put have no work on SVM.
 */
void svm_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
}

void svm_vcpu_put(struct hv_vcpu *vcpu)
{
}

/* ---- one entry ---- */

/*
 * VMRUN's consistency checks on what hv lets userspace put in the VMCB
 * (APM Vol. 2, 15.5.1, "Canonicalization and Consistency Checks"):
 * EFER's reserved bits, CR0's CD/NW pair and high half, CR3 beyond the
 * physical address width in long mode, DR6/DR7's high halves, the
 * long-mode combinations of EFER.LME, CR0.PG/PE, CR4.PAE and CS.L/D,
 * and an event type or exception vector VMRUN refuses.  KVM_SET_SREGS
 * does not check all of these (KVM lets VMRUN fail), so neither does
 * HV_SET_SREGS; but such a VMRUN is never issued: the vCPU gets the
 * same result as the failed VMRUN (SVM_EXIT_ERR, a failed entry).
 * Beyond defence in depth, QEMU 7.2's emulated SVM can leave the host
 * with the guest's CR0 when VMRUN fails after loading it (its #VMEXIT
 * drops the host's CR0 while the guest's CR4.PAE is clear and EFER.LME
 * set), which wedges the emulated host: Documentation/fuzzing.md.
 */
static bool svm_vmrun_would_fail(const struct vmcb *vmcb)
{
	const struct vmcb_save_area *save = &vmcb->save;
	u64 efer = save->efer, cr0 = save->cr0, cr4 = save->cr4;
	u32 inj = vmcb->control.event_inj;
	bool lme_pg = (efer & EFER_LME) && (cr0 & X86_CR0_PG);

	if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_SVME))
		return true;
	if ((cr0 >> 32) || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return true;
	if ((efer & EFER_LMA) && (save->cr3 >> boot_cpu_data.x86_phys_bits))
		return true;
	if ((cr4 >> 32) || (save->dr6 >> 32) || (save->dr7 >> 32))
		return true;
	if (lme_pg && (!(cr4 & X86_CR4_PAE) || !(cr0 & X86_CR0_PE)))
		return true;
	if (lme_pg && (save->cs.attrib & SVM_SELECTOR_L_MASK) &&
	    (save->cs.attrib & SVM_SELECTOR_DB_MASK))
		return true;
	if (!(inj & SVM_EVTINJ_VALID))
		return false;
	switch (inj & SVM_EVTINJ_TYPE_MASK) {
	case SVM_EVTINJ_TYPE_EXEPT:	/* 15.20: not NMI's vector, below 32 */
		return (inj & SVM_EVTINJ_VEC_MASK) == X86_TRAP_NMI ||
		       (inj & SVM_EVTINJ_VEC_MASK) > 31;
	case SVM_EVTINJ_TYPE_INTR:
	case SVM_EVTINJ_TYPE_NMI:
	case SVM_EVTINJ_TYPE_SOFT:
		return false;
	default:
		return true;
	}
}

/* Called by core/run.c with interrupts off and the guest's FPU loaded. */
int svm_vcpu_enter(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *save = &vmcb->save;
	u64 host_debugctl;

	svm_assign_asid(svm);
	save->rax = vcpu->regs.gpr[HV_RAX];
	save->rsp = vcpu->regs.gpr[HV_RSP];
	save->rip = vcpu->regs.rip;
	save->rflags = vcpu->regs.rflags;
	if (svm->nmi_singlestep)	/* an NMI window (svm/event.c) */
		save->rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
	save->cr2 = vcpu->regs.cr2;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
				(vcpu->cr8 & V_TPR_MASK);
	/* A shadow is the last exit's instruction's: over once RIP moved. */
	if (vcpu->regs.rip != svm->exit_rip)
		vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;

	if (unlikely(svm_vmrun_would_fail(vmcb))) {
		vmcb->control.exit_code = SVM_EXIT_ERR;
		vmcb->control.exit_info_1 = 0;
		vmcb->control.exit_info_2 = 0;
		vmcb->control.exit_int_info = 0;
		goto exited;
	}

	/*
	 * Without LBR virtualization the guest runs with the CPU's
	 * IA32_DEBUGCTL: the host's LBR or branch single-step must not
	 * follow it into the guest.
	 */
	rdmsrl(MSR_IA32_DEBUGCTLMSR, host_debugctl);
	if (host_debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, 0);

	/*
	 * Speculative store bypass where the CPU controls it outside
	 * IA32_SPEC_CTRL (VIRT_SPEC_CTRL, LS_CFG): the guest's setting in,
	 * the host's back after (x86_virt_spec_ctrl follows the host's
	 * mitigation choice), as kvm_amd does.  With V_SPEC_CTRL the CPU
	 * switches IA32_SPEC_CTRL itself, from the VMCB.
	 */
	if (boot_cpu_has(X86_FEATURE_V_SPEC_CTRL))
		save->spec_ctrl = vcpu->spec_ctrl;
	else
		x86_virt_spec_ctrl(0, true);

	/*
	 * GIF=0 holds off interrupts and NMIs until the host is back.  With
	 * V_INTR_MASKING the host's RFLAGS.IF at VMRUN decides whether
	 * physical interrupts make the guest exit (APM Vol. 2, 15.21.1), so
	 * IF is set for the VMRUN itself; GIF=0 keeps the host unaffected.
	 */
	asm volatile("clgi" ::: "memory");
	hv_guest_state_enter_irqoff();	/* lockdep: interrupts on from here */
	raw_local_irq_enable();
	svm_vmrun(svm->vmcb_pa, vcpu->regs.gpr,
		  this_cpu_ptr(&svm_cpus)->host_save_pa, vcpu->spec_ctrl);
	raw_local_irq_disable();
	hv_guest_state_exit_irqoff();
	/*
	 * VMRUN loaded the guest's DR7 and DR6 from the VMCB and #VMEXIT
	 * does not give the host's back (APM Vol. 2, 15.5.1): the host's
	 * breakpoints, if any are armed, are restored before anything on
	 * the host can need them.
	 */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (host_debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, host_debugctl);
	if (!boot_cpu_has(X86_FEATURE_V_SPEC_CTRL))
		x86_virt_spec_ctrl(0, false);
	/* A machine check in the guest: the host's handler, on this CPU. */
	if (vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + MC_VECTOR)
		hv_machine_check();
	asm volatile("stgi" ::: "memory");
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;

exited:

	vcpu->regs.gpr[HV_RAX] = save->rax;
	vcpu->regs.gpr[HV_RSP] = save->rsp;
	vcpu->regs.rip = save->rip;
	vcpu->regs.rflags = save->rflags;
	if (svm->nmi_singlestep)	/* hide hv's TF/RF from everyone */
		vcpu->regs.rflags &= ~((X86_EFLAGS_TF | X86_EFLAGS_RF) &
				       ~svm->singlestep_rflags);
	vcpu->regs.cr2 = save->cr2;
	vcpu->cr8 = vmcb->control.int_ctl & V_TPR_MASK;
	svm->exit_rip = save->rip;
	svm_nmi_iret_done(svm);

	vcpu->hw_exit[0] = vmcb->control.exit_code;
	vcpu->hw_exit[1] = vmcb->control.exit_info_1;
	vcpu->hw_exit[2] = vmcb->control.exit_info_2;
	vcpu->hw_exit[3] = vmcb->control.exit_int_info;
	vcpu->hw_exit[4] = (vmcb->control.exit_int_info &
			    SVM_EXITINTINFO_VALID_ERR) ?
			   vmcb->control.exit_int_info_err : 0;
	svm_collect_exit_event(svm);
	return 0;
}

/* ---- per-CPU state ---- */

int svm_cpus_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpus, cpu);

		sd->host_save = alloc_pages_node(cpu_to_node(cpu),
						 GFP_KERNEL | __GFP_ZERO, 0);
		if (!sd->host_save) {
			svm_cpus_exit();
			return -ENOMEM;
		}
		sd->host_save_pa = page_to_phys(sd->host_save);
		sd->asid_generation = 1;
		sd->next_asid = svm_caps.nr_asids;	/* first use flushes */
	}
	return 0;
}

void svm_cpus_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpus, cpu);

		if (sd->host_save)
			__free_page(sd->host_save);
		sd->host_save = NULL;
	}
}
