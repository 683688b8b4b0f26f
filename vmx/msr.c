// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs under VT-x: the MSR bitmap every vCPU shares, and where the MSRs
 * core/msr.c emulates live in the VMCS.
 *
 * Passed through are only MSRs whose guest values never stay in the host:
 * FS/GS base and SYSENTER_* are switched by the VMCS itself (SDM 27.3.2,
 * 28.5), and KERNEL_GS_BASE, STAR, LSTAR, CSTAR and SFMASK, which VT-x
 * leaves alone, are swapped by vmx/run.c around every entry.  Every other
 * MSR exits to core/msr.c, which emulates the ones in its table and
 * raises #GP for the rest, as KVM does by default.  The bitmap is the
 * same for every vCPU: what passes through does not depend on the
 * guest's CPUID (TSC_AUX, which does, always exits: hv switches it).
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

/* The guest's values of vmx_swap_msrs, swapped in by vmx/run.c. */
static u64 *vmx_swap_msr(struct vmx_vcpu *vmx, u32 msr)
{
	int i;

	for (i = 0; i < VMX_NR_SWAP_MSRS; i++)
		if (vmx_swap_msrs[i] == msr)
			return &vmx->msrs[i];
	return NULL;
}

/*
 * SYSENTER_* and the FS/GS bases live in the VMCS (SDM 25.4.2, 25.4.1),
 * switched by entry and exit.
 */
static u32 vmx_vmcs_msr_field(u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	default:
		return 0;
	}
}

/* The MSRs core/msr.c keeps in the VMCS (it has checked the values). */
int vmx_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *swap = vmx_swap_msr(vmx, msr);
	u32 field = vmx_vmcs_msr_field(msr);
	int r = 0;

	if (swap) {
		*val = *swap;
		return 0;
	}
	if (field) {
		vmx_vmcs_get(vmx);
		*val = vmcs_read(field);
		vmx_vmcs_put(vmx);
		return 0;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vmx->efer;
		break;
	case MSR_IA32_CR_PAT:
		*val = vmx->pat;
		break;
	default:
		r = -EINVAL;
	}
	return r;
}

int vmx_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *swap = vmx_swap_msr(vmx, msr);
	u32 field = vmx_vmcs_msr_field(msr);
	int r = 0;

	if (swap) {
		*swap = val;
		return 0;
	}
	vmx_vmcs_get(vmx);
	if (field) {
		vmcs_write(field, val);
		vmx_vmcs_put(vmx);
		return 0;
	}
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
	default:
		r = -EINVAL;
	}
	vmx_vmcs_put(vmx);
	return r;
}

/* SDM 26.3: RDTSC, RDTSCP and RDMSR of the TSC read it plus this. */
void vmx_write_tsc_offset(struct hv_vcpu *vcpu, u64 offset)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_get(vmx);
	vmcs_write(TSC_OFFSET, offset);
	vmx_vmcs_put(vmx);
}

/*
 * The VM's MSR filter changed: if it denies the guest an MSR the bitmap
 * passes through, this vCPU runs without the bitmap, so that every
 * RDMSR/WRMSR exits (SDM 26.1.3) and core/msr.c applies the filter; the
 * bitmap is shared, so one bit more is not an option.
 */
void vmx_msr_filter_changed(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool bitmap;

	bitmap = hv_msrs_allowed(vcpu, vmx_swap_msrs, ARRAY_SIZE(vmx_swap_msrs)) &&
		 hv_msrs_allowed(vcpu, vmx_msr_passthrough,
				 ARRAY_SIZE(vmx_msr_passthrough));
	vmx_vmcs_get(vmx);
	if (bitmap)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS);
	vmx_vmcs_put(vmx);
}

/*
 * "Enable RDTSCP" when the guest's CPUID offers RDTSCP or RDPID (which
 * the control governs too), as KVM; #UD otherwise.
 */
void vmx_cpuid_changed(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 proc2;

	if (!vmx_caps.rdtscp)
		return;
	vmx_vmcs_get(vmx);
	proc2 = vmcs_read(SECONDARY_VM_EXEC_CONTROL);
	if (vcpu->msr.tsc_aux)
		proc2 |= SECONDARY_EXEC_ENABLE_RDTSCP;
	else
		proc2 &= ~SECONDARY_EXEC_ENABLE_RDTSCP;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmx_vmcs_put(vmx);
}
