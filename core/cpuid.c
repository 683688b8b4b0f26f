// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID, executed by the guest and handled in the kernel.
 *
 * Until HV_SET_CPUID2 exists, a vCPU has an empty CPUID table, and every
 * leaf answers zeros in EAX..EDX, which is what KVM gives a vCPU whose
 * VMM set no CPUID.
 */
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>

#include "hv.h"

/* CR4 bits a guest may set (see hv_cr4_valid). */
static u64 hv_cr4_allowed;

/*
 * Like KVM before KVM_SET_CPUID2, a vCPU may set any CR4 bit the host
 * supports, except what hv does not virtualize yet: VMXE (no nested
 * virtualization), LA57 (the emulator walks 4 levels) and PKE (PKRU is
 * not switched), and SMXE and CET, which KVM refuses too.
 */
void hv_cpuid_init(void)
{
	hv_cr4_allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		hv_cr4_allowed |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		hv_cr4_allowed |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		hv_cr4_allowed |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		hv_cr4_allowed |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		hv_cr4_allowed |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		hv_cr4_allowed |= X86_CR4_SMAP;
}

bool hv_cr4_valid(u64 cr4)
{
	return !(cr4 & ~hv_cr4_allowed);
}

/* The CR0 values KVM refuses in KVM_SET_SREGS (SDM 2.5). */
bool hv_cr0_valid(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	return !((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE));
}

int hv_emulate_cpuid(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;

	/* 32-bit results zero-extend into the 64-bit registers. */
	gpr[HV_RAX] = 0;
	gpr[HV_RBX] = 0;
	gpr[HV_RCX] = 0;
	gpr[HV_RDX] = 0;
	vcpu->regs.rip += insn_len;
	return 1;
}
