// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs under SVM: the permission maps every vCPU shares, and RDMSR/WRMSR
 * of the intercepted MSRs.
 *
 * Passed through are only MSRs whose guest values VMLOAD/VMSAVE keep in
 * the guest's VMCB, so they never leak into the host.  Every other MSR
 * exits; the few a guest needs are emulated and the rest raise #GP, as
 * KVM does by default.  (The full MSR ABI comes later.)
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/svm.h>

#include "svm.h"

#define SVM_IOPM_ORDER		2	/* 12 KiB used (APM Vol. 2, 15.10.1) */
#define SVM_MSRPM_ORDER		1	/* 8 KiB (APM Vol. 2, 15.11) */

u64 svm_iopm_pa, svm_msrpm_pa;
static u8 *svm_iopm, *svm_msrpm;

static const u32 svm_msr_passthrough[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
};

/* APM Vol. 2, 15.11: two bits (read, write) per MSR in three ranges. */
static void svm_msrpm_allow(u32 msr)
{
	static const u32 base[] = { 0, 0xc0000000, 0xc0010000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(base); i++) {
		if (msr - base[i] < 0x2000) {
			u32 bit = i * 0x4000 + (msr - base[i]) * 2;

			svm_msrpm[bit / 8] &= ~(3 << (bit % 8));
			return;
		}
	}
}

int svm_msrpm_init(void)
{
	int i;

	svm_iopm = (u8 *)__get_free_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm_msrpm = (u8 *)__get_free_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm) {
		svm_msrpm_exit();
		return -ENOMEM;
	}
	/* Every port and MSR exits unless cleared below. */
	memset(svm_iopm, 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_msr_passthrough); i++)
		svm_msrpm_allow(svm_msr_passthrough[i]);
	svm_iopm_pa = __pa(svm_iopm);
	svm_msrpm_pa = __pa(svm_msrpm);
	return 0;
}

void svm_msrpm_exit(void)
{
	if (svm_iopm)
		free_pages((unsigned long)svm_iopm, SVM_IOPM_ORDER);
	if (svm_msrpm)
		free_pages((unsigned long)svm_msrpm, SVM_MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

/* SDM 11.12.2: each PAT entry is one of UC, WC, WT, WP, WB, UC-. */
static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = (pat >> (i * 8)) & 0xff;

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static int svm_rdmsr(struct svm_vcpu *svm, u32 msr, u64 *val)
{
	struct vmcb *vmcb = svm->vmcb;

	switch (msr) {
	case MSR_EFER:
		*val = vmcb->save.efer & ~EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		*val = vmcb->save.g_pat;
		return 0;
	case MSR_IA32_APICBASE:
		*val = svm->apic_base;
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + vmcb->control.tsc_offset;
		return 0;
	default:
		return -EINVAL;
	}
}

static int svm_wrmsr(struct svm_vcpu *svm, u32 msr, u64 val)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 efer = vmcb->save.efer;

	switch (msr) {
	case MSR_EFER:
		/* The bits the guest's CPUID allows; LMA is the hardware's. */
		if (!hv_efer_write_valid(&svm->vcpu, efer & ~EFER_SVME, val,
					 vmcb->save.cr0 & X86_CR0_PG))
			return -EINVAL;
		vmcb->save.efer = (efer & EFER_LMA) |
				  (val & (EFER_SCE | EFER_LME | EFER_NX)) |
				  EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(val))
			return -EINVAL;
		vmcb->save.g_pat = val;
		return 0;
	case MSR_IA32_APICBASE:
		if (!svm_apic_base_valid(val))
			return -EINVAL;
		svm->apic_base = val;
		return 0;
	case MSR_IA32_TSC:
		vmcb->control.tsc_offset = val - rdtsc();
		return 0;
	default:
		return -EINVAL;
	}
}

/* EXITINFO1: 0 for RDMSR, 1 for WRMSR (APM Vol. 2, 15.11). */
int svm_handle_msr(struct svm_vcpu *svm)
{
	u64 *gpr = svm->vcpu.regs.gpr;
	u32 msr = gpr[HV_RCX];
	u64 val;

	if (svm->vmcb->control.exit_info_1) {
		val = (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX];
		if (svm_wrmsr(svm, msr, val)) {
			svm_inject_gp(svm);
			return 1;
		}
	} else {
		if (svm_rdmsr(svm, msr, &val)) {
			svm_inject_gp(svm);
			return 1;
		}
		gpr[HV_RAX] = (u32)val;
		gpr[HV_RDX] = val >> 32;
	}
	svm->vcpu.regs.rip += 2;			/* 0F 32 / 0F 30 */
	return 1;
}
