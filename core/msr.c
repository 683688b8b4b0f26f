// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's model-specific registers: which ones a vCPU has and which
 * values they accept.  The rules are the architecture's and KVM's, the
 * same on both vendors; only where a value lives (VMCB, VMCS, a field of
 * the backend's vCPU) is the backend's business, reached through
 * hv_ops->get_msr / set_msr.
 *
 * What is here is what a guest needs before the full MSR ABI: EFER (the
 * bits its CPUID allows), PAT, the APIC base and the TSC.  Any other MSR
 * raises #GP, as on KVM for an MSR it does not emulate.
 */
#include <asm/apicdef.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>

#include "hv.h"

/* SDM 11.12.2: each PAT entry is one of UC, WC, WT, WP, WB, UC-. */
static bool hv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = (pat >> (i * 8)) & 0xff;

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/* IA32_APIC_BASE: reserved bits, and x2APIC (not offered) (SDM 10.4.4). */
bool hv_apic_base_valid(u64 apic_base)
{
	if (apic_base & (0x2ffULL | X2APIC_ENABLE))
		return false;
	return hv_gpa_valid(apic_base & PAGE_MASK);
}

int hv_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = vcpu->apic_base;
		return 0;
	case MSR_EFER:
	case MSR_IA32_CR_PAT:
	case MSR_IA32_TSC:
		return hv_ops->get_msr(vcpu, msr, val);
	default:
		return -EINVAL;
	}
}

int hv_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	struct hv_emu_cpu cpu;

	switch (msr) {
	case MSR_EFER:
		/* The bits the guest's CPUID allows; LMA is the hardware's. */
		hv_ops->get_emu_state(vcpu, &cpu);
		if (!hv_efer_write_valid(vcpu, cpu.efer, val,
					 cpu.cr0 & X86_CR0_PG))
			return -EINVAL;
		return hv_ops->set_msr(vcpu, MSR_EFER,
				       (cpu.efer & EFER_LMA) |
				       (val & (EFER_SCE | EFER_LME | EFER_NX)));
	case MSR_IA32_CR_PAT:
		if (!hv_pat_valid(val))
			return -EINVAL;
		return hv_ops->set_msr(vcpu, msr, val);
	case MSR_IA32_APICBASE:
		if (!hv_apic_base_valid(val))
			return -EINVAL;
		vcpu->apic_base = val;
		return 0;
	case MSR_IA32_TSC:
		return hv_ops->set_msr(vcpu, msr, val);
	default:
		return -EINVAL;
	}
}

/*
 * Interrupts off, around the entry: the MSRs the guest can read whose
 * values neither VMX nor SVM switches.  TSC_AUX: SVM cannot intercept
 * RDPID, so without this a guest would read the host's CPU and node
 * numbers; the guest's value (0 until it may set one) goes in, the
 * host's comes back before anything on the host can read it.
 */
void hv_msrs_enter_guest(struct hv_vcpu *vcpu)
{
	if (hv_host_has_tsc_aux() &&
	    vcpu->tsc_aux != hv_this_cpu()->host_tsc_aux)
		wrmsrl(MSR_TSC_AUX, vcpu->tsc_aux);
}

void hv_msrs_exit_guest(struct hv_vcpu *vcpu)
{
	u64 host = hv_this_cpu()->host_tsc_aux;

	if (hv_host_has_tsc_aux() && vcpu->tsc_aux != host)
		wrmsrl(MSR_TSC_AUX, host);
}

static int hv_msr_gp(struct hv_vcpu *vcpu)
{
	hv_queue_gp(vcpu, 0);
	return 1;
}

/*
 * RDMSR/WRMSR exits (ECX names the MSR, EDX:EAX the value): #GP(0) for
 * an MSR the vCPU lacks or a value it refuses, else RIP moves past the
 * @insn_len-byte instruction.
 */
int hv_emulate_rdmsr(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;
	u64 val;

	if (hv_get_msr(vcpu, gpr[HV_RCX], &val))
		return hv_msr_gp(vcpu);
	gpr[HV_RAX] = (u32)val;
	gpr[HV_RDX] = val >> 32;
	vcpu->regs.rip += insn_len;
	return 1;
}

int hv_emulate_wrmsr(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;

	if (hv_set_msr(vcpu, gpr[HV_RCX], (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX]))
		return hv_msr_gp(vcpu);
	vcpu->regs.rip += insn_len;
	return 1;
}
