// SPDX-License-Identifier: GPL-2.0
/*
 * VMCALL (Intel) / VMMCALL (AMD): KVM's hypercall ABI, the number in RAX
 * and the result back in RAX (KVM's Documentation/virt/kvm/x86/
 * hypercalls.rst).  hv offers no hypercall yet, so every call returns
 * -KVM_ENOSYS, or -KVM_EPERM when made outside CPL 0, as KVM answers
 * those; outside 64-bit mode the result is 32 bits wide.
 */
#include "hv.h"

#define HV_HC_ENOSYS	1000	/* KVM_ENOSYS */
#define HV_HC_EPERM	1	/* KVM_EPERM */

int hv_emulate_hypercall(struct hv_vcpu *vcpu, u8 insn_len)
{
	struct hv_emu_cpu cpu = vcpu->regs;
	u64 ret;

	hv_ops->get_emu_state(vcpu, &cpu);
	ret = cpu.cpl ? -HV_HC_EPERM : -HV_HC_ENOSYS;
	if (!(cpu.efer & EFER_LMA) || !cpu.seg[HV_CS].l)
		ret = (u32)ret;
	vcpu->regs.gpr[HV_RAX] = ret;
	vcpu->regs.rip += insn_len;
	return 1;
}
