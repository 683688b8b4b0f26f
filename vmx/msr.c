// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs under VT-x: the MSR bitmap every vCPU shares, and where the MSRs
 * core/msr.c emulates live in the VMCS.
 *
 * Passed through are only MSRs whose guest values never stay in the host:
 * FS/GS base and SYSENTER_* are switched by the VMCS itself (SDM 27.3.2,
 * 28.5), and KERNEL_GS_BASE, STAR, LSTAR, CSTAR and SFMASK, which VT-x
 * leaves alone, are swapped by vmx/run.c around every entry.  Every other
 * MSR exits to core/msr.c, which emulates the few a guest needs without
 * CPUID and raises #GP for the rest, as KVM does by default.
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "insn.h"
#include "vmx.h"

u64 vmx_msr_bitmap_pa;
static u8 *vmx_msr_bitmap;

const u32 vmx_swap_msrs[VMX_NR_SWAP_MSRS] = {
	[VMX_MSR_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[VMX_MSR_STAR] = MSR_STAR,
	[VMX_MSR_LSTAR] = MSR_LSTAR,
	[VMX_MSR_CSTAR] = MSR_CSTAR,
	[VMX_MSR_SYSCALL_MASK] = MSR_SYSCALL_MASK,
};

static const u32 vmx_msr_passthrough[] = {
	MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/*
 * SDM 25.6.9: one bit per MSR, in four 1 KiB quarters: reads of
 * 0-1FFFH, reads of C0000000H-C0001FFFH, then the same for writes.
 */
static void vmx_msr_bitmap_allow(u32 msr)
{
	u32 base = msr >= 0xc0000000 ? 1024 : 0;
	u32 bit = msr & 0x1fff;

	if ((msr & ~0x1fffU) != 0 && (msr & ~0x1fffU) != 0xc0000000)
		return;
	__clear_bit(bit, (unsigned long *)(vmx_msr_bitmap + base));
	__clear_bit(bit, (unsigned long *)(vmx_msr_bitmap + 2048 + base));
}

int vmx_msr_bitmap_init(void)
{
	int i;

	vmx_msr_bitmap = (u8 *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		return -ENOMEM;
	/* Every MSR exits unless cleared below. */
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(vmx_swap_msrs); i++)
		vmx_msr_bitmap_allow(vmx_swap_msrs[i]);
	for (i = 0; i < ARRAY_SIZE(vmx_msr_passthrough); i++)
		vmx_msr_bitmap_allow(vmx_msr_passthrough[i]);
	vmx_msr_bitmap_pa = __pa(vmx_msr_bitmap);
	return 0;
}

void vmx_msr_bitmap_exit(void)
{
	if (vmx_msr_bitmap)
		free_page((unsigned long)vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
}

/* The MSRs core/msr.c keeps in the VMCS (it has checked the values). */
int vmx_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int r = 0;

	switch (msr) {
	case MSR_EFER:
		*val = vmx->efer;
		break;
	case MSR_IA32_CR_PAT:
		*val = vmx->pat;
		break;
	case MSR_IA32_TSC:
		vmx_vmcs_get(vmx);
		*val = rdtsc() + vmcs_read(TSC_OFFSET);
		vmx_vmcs_put(vmx);
		break;
	default:
		r = -EINVAL;
	}
	return r;
}

int vmx_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int r = 0;

	vmx_vmcs_get(vmx);
	switch (msr) {
	case MSR_EFER:
		vmx->efer = val;
		vmcs_write(GUEST_IA32_EFER, val);
		break;
	case MSR_IA32_CR_PAT:
		vmx->pat = val;
		if (vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT)
			vmcs_write(GUEST_IA32_PAT, val);
		break;
	case MSR_IA32_TSC:
		vmcs_write(TSC_OFFSET, val - rdtsc());
		break;
	default:
		r = -EINVAL;
	}
	vmx_vmcs_put(vmx);
	return r;
}
