// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs under VT-x: the MSR bitmap every vCPU shares, and RDMSR/WRMSR of
 * the MSRs that exit.
 *
 * Passed through are only MSRs whose guest values never stay in the host:
 * FS/GS base and SYSENTER_* are switched by the VMCS itself (SDM 27.3.2,
 * 28.5), and KERNEL_GS_BASE, STAR, LSTAR, CSTAR and SFMASK, which VT-x
 * leaves alone, are swapped by vmx/run.c around every entry.  Every other
 * MSR exits; the few a guest needs are emulated and the rest raise #GP,
 * as KVM does by default and as svm/msr.c does.
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

/* SDM 11.12.2: each PAT entry is one of UC, WC, WT, WP, WB, UC-. */
static bool vmx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = (pat >> (i * 8)) & 0xff;

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static int vmx_rdmsr(struct vmx_vcpu *vmx, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vmx->efer;
		return 0;
	case MSR_IA32_CR_PAT:
		*val = vmx->pat;
		return 0;
	case MSR_IA32_APICBASE:
		*val = vmx->apic_base;
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + vmcs_read(TSC_OFFSET);
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmx_wrmsr(struct vmx_vcpu *vmx, u32 msr, u64 val)
{
	u64 efer = vmx->efer;

	switch (msr) {
	case MSR_EFER:
		/* The bits the guest's CPUID allows; LMA is the hardware's. */
		if (!hv_efer_write_valid(&vmx->vcpu, efer, val,
					 vmx_guest_cr0(vmx) & X86_CR0_PG))
			return -EINVAL;
		efer = (efer & EFER_LMA) |
		       (val & (EFER_SCE | EFER_LME | EFER_NX));
		vmx->efer = efer;
		vmcs_write(GUEST_IA32_EFER, efer);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!vmx_pat_valid(val))
			return -EINVAL;
		vmx->pat = val;
		if (vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT)
			vmcs_write(GUEST_IA32_PAT, val);
		return 0;
	case MSR_IA32_APICBASE:
		if (!vmx_apic_base_valid(val))
			return -EINVAL;
		vmx->apic_base = val;
		return 0;
	case MSR_IA32_TSC:
		vmcs_write(TSC_OFFSET, val - rdtsc());
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmx_msr_done(struct vmx_vcpu *vmx)
{
	vmx->vcpu.regs.rip += vmcs_read(VM_EXIT_INSTRUCTION_LEN); /* 0F 32/30 */
	return 1;
}

int vmx_handle_rdmsr(struct vmx_vcpu *vmx)
{
	u64 *gpr = vmx->vcpu.regs.gpr;
	u64 val;

	if (vmx_rdmsr(vmx, gpr[HV_RCX], &val)) {
		vmx_inject_gp(vmx);
		return 1;
	}
	gpr[HV_RAX] = (u32)val;
	gpr[HV_RDX] = val >> 32;
	return vmx_msr_done(vmx);
}

int vmx_handle_wrmsr(struct vmx_vcpu *vmx)
{
	u64 *gpr = vmx->vcpu.regs.gpr;
	u64 val = (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX];

	if (vmx_wrmsr(vmx, gpr[HV_RCX], val)) {
		vmx_inject_gp(vmx);
		return 1;
	}
	return vmx_msr_done(vmx);
}
