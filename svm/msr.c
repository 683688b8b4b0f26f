// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs under SVM: the permission maps every vCPU shares, and where the
 * MSRs core/msr.c emulates live in the VMCB.
 *
 * Passed through are only MSRs whose guest values VMLOAD/VMSAVE keep in
 * the guest's VMCB, so they never leak into the host.  Every other MSR
 * exits to core/msr.c, which emulates the ones in its table and raises
 * #GP for the rest, as KVM does by default.  The map is the same for
 * every vCPU: what passes through does not depend on the guest's CPUID
 * (TSC_AUX, which does, always exits: hv switches it itself).
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
/* Every MSR exits: for VMs whose MSR filter denies a passed-through one. */
static u64 svm_msrpm_all_pa;
static u8 *svm_msrpm_all;

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
	svm_msrpm_all = (u8 *)__get_free_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm || !svm_msrpm_all) {
		svm_msrpm_exit();
		return -ENOMEM;
	}
	/* Every port and MSR exits unless cleared below. */
	memset(svm_iopm, 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	memset(svm_msrpm_all, 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(svm_msr_passthrough); i++)
		svm_msrpm_allow(svm_msr_passthrough[i]);
	svm_iopm_pa = __pa(svm_iopm);
	svm_msrpm_pa = __pa(svm_msrpm);
	svm_msrpm_all_pa = __pa(svm_msrpm_all);
	return 0;
}

/*
 * The VM's MSR filter changed: if it denies the guest a passed-through
 * MSR, this vCPU takes an exit for every MSR (core/msr.c applies the
 * filter); the map is shared, so one bit more is not an option.
 */
void svm_msr_filter_changed(struct hv_vcpu *vcpu)
{
	struct vmcb_control_area *ctl = &to_svm(vcpu)->vmcb->control;

	if (hv_msrs_allowed(vcpu, svm_msr_passthrough,
			    ARRAY_SIZE(svm_msr_passthrough)))
		ctl->msrpm_base_pa = svm_msrpm_pa;
	else
		ctl->msrpm_base_pa = svm_msrpm_all_pa;
}

void svm_msrpm_exit(void)
{
	if (svm_iopm)
		free_pages((unsigned long)svm_iopm, SVM_IOPM_ORDER);
	if (svm_msrpm)
		free_pages((unsigned long)svm_msrpm, SVM_MSRPM_ORDER);
	if (svm_msrpm_all)
		free_pages((unsigned long)svm_msrpm_all, SVM_MSRPM_ORDER);
	svm_msrpm_all = NULL;
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

/*
 * Where the MSRs core/msr.c keeps in the VMCB live: EFER and PAT, and
 * the state VMLOAD/VMSAVE switch (APM Vol. 2, 15.5.2), which the guest
 * reads and writes without exits.
 */
static u64 *svm_msr_field(struct vmcb_save_area *save, u32 msr)
{
	switch (msr) {
	case MSR_IA32_CR_PAT:
		return &save->g_pat;
	case MSR_STAR:
		return &save->star;
	case MSR_LSTAR:
		return &save->lstar;
	case MSR_CSTAR:
		return &save->cstar;
	case MSR_SYSCALL_MASK:
		return &save->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &save->kernel_gs_base;
	case MSR_FS_BASE:
		return &save->fs.base;
	case MSR_GS_BASE:
		return &save->gs.base;
	case MSR_IA32_SYSENTER_CS:
		return &save->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &save->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &save->sysenter_eip;
	default:
		return NULL;
	}
}

/* core/msr.c has checked the values. */
int svm_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 *field = svm_msr_field(&vmcb->save, msr);

	if (msr == MSR_EFER) {
		*val = vmcb->save.efer & ~EFER_SVME;
		return 0;
	}
	if (!field)
		return -EINVAL;
	*val = *field;
	return 0;
}

int svm_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u64 *field = svm_msr_field(&vmcb->save, msr);

	if (msr == MSR_EFER) {
		vmcb->save.efer = val | EFER_SVME;	/* VMRUN requires it */
		return 0;
	}
	if (!field)
		return -EINVAL;
	/*
	 * AMD CPUs have no 64-bit SYSENTER and keep 32 bits of its ESP and
	 * EIP (as kvm_amd does for a guest whose CPUID is not Intel's).
	 */
	if (msr == MSR_IA32_SYSENTER_ESP || msr == MSR_IA32_SYSENTER_EIP)
		val = (u32)val;
	*field = val;
	return 0;
}

/* APM Vol. 2, 15.30.3: the guest's TSC reads the host's plus this. */
void svm_write_tsc_offset(struct hv_vcpu *vcpu, u64 offset)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = offset;
}
