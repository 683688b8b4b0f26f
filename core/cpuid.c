// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID, executed by the guest and handled in the kernel.
 *
 * Until HV_SET_CPUID2 exists, a vCPU has an empty CPUID table, and every
 * leaf answers zeros in EAX..EDX, which is what KVM gives a vCPU whose
 * VMM set no CPUID.
 */
#include "hv.h"

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
