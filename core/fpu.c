// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU/SSE/AVX state and XCR0.
 *
 * The guest's extended state lives in a per-vCPU XSAVE buffer and is in
 * the registers only between hv_fpu_enter_guest and hv_fpu_exit_guest,
 * inside a kernel_fpu_begin/end section: the host task's own state was
 * saved by kernel_fpu_begin and comes back on its return to userspace, so
 * neither side ever sees the other's registers.  (KVM's cheaper scheme
 * uses FPU helpers that newer kernels export only to KVM.)
 *
 * XCR0 is switched to the guest's value only around the entry itself.
 * Some hardware, and QEMU's emulated SVM, cannot intercept XSETBV, so
 * the guest's XCR0 is read back after every exit and the host's written
 * again.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "hv.h"

/* Components a guest may use: x87, SSE, AVX, AVX-512 (SDM 13.1). */
#define HV_XFEATURES_GUEST	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM | XFEATURE_MASK_OPMASK | \
				 XFEATURE_MASK_ZMM_Hi256 | \
				 XFEATURE_MASK_Hi16_ZMM)

/*
 * Components hv offers in a guest's CPUID (HV_GET_SUPPORTED_CPUID) and
 * lets it enable in XCR0: x87, SSE and AVX, those the selftests cover.
 */
#define HV_XFEATURES_OFFERED	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM)

/* Size of the legacy area and the XSAVE header (SDM 13.4). */
#define HV_XSAVE_LEGACY_AND_HEADER	(512 + 64)

static u64 hv_host_xcr0;
static u64 hv_xsave_mask;	/* components saved for a guest */
static unsigned int hv_xsave_order;

/* Each saved component's size, offset and 64-byte alignment (SDM 13.2). */
static struct {
	u32 size, offset;
	bool align64;
} hv_xstate[64];

int hv_fpu_init(void)
{
	unsigned int eax, ebx, ecx, edx;
	int i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE) ||
	    !boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		pr_err("XSAVE not available: hv needs it for guest FPU state\n");
		return -ENODEV;
	}
	hv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	hv_xsave_mask = hv_host_xcr0 & HV_XFEATURES_GUEST;
	/* SDM 13.2: EBX is the size the components enabled in XCR0 need. */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	hv_xsave_order = get_order(ebx);
	for (i = 2; i < 64; i++) {
		if (!(hv_xsave_mask & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		hv_xstate[i].size = eax;
		hv_xstate[i].offset = ebx;
		hv_xstate[i].align64 = ecx & BIT(1);
	}
	return 0;
}

/* The XCR0 components a guest may be given (a subset of x87|SSE|AVX). */
u64 hv_fpu_guest_xfeatures(void)
{
	return hv_xsave_mask & HV_XFEATURES_OFFERED;
}

/*
 * Bytes of an XSAVE area holding @xfeatures, in the standard format or
 * the compacted one of XSAVEC (SDM 13.4.3): what CPUID.0xd reports.
 */
u32 hv_fpu_xstate_size(u64 xfeatures, bool compacted)
{
	u32 size = HV_XSAVE_LEGACY_AND_HEADER, offset;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xfeatures & hv_xsave_mask & BIT_ULL(i)))
			continue;
		if (!compacted)
			offset = hv_xstate[i].offset;
		else if (hv_xstate[i].align64)
			offset = ALIGN(size, 64);
		else
			offset = size;
		size = max(size, offset + hv_xstate[i].size);
	}
	return size;
}

/* ---- XCR0: XSETBV and HV_GET/SET_XCRS ---- */

/*
 * KVM 6.1's rules for a new XCR0 (SDM 13.3): only XCR0 exists, x87 is
 * always on, AVX needs SSE, and nothing the vCPU's CPUID leaf 0xd does
 * not offer (only x87 before HV_SET_CPUID2).  KVM's other rules concern
 * components hv never offers (MPX, AVX-512, AMX).
 */
int hv_set_xcr(struct hv_vcpu *vcpu, u32 index, u64 value)
{
	if (index != XCR_XFEATURE_ENABLED_MASK)
		return -EINVAL;
	if (!(value & XFEATURE_MASK_FP))
		return -EINVAL;
	if ((value & XFEATURE_MASK_YMM) && !(value & XFEATURE_MASK_SSE))
		return -EINVAL;
	if (value & ~(vcpu->xcr0_allowed | XFEATURE_MASK_FP))
		return -EINVAL;
	vcpu->xcr0 = value;
	return 0;
}

long hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs __user *arg)
{
	struct hv_xcrs *xcrs;
	long r = 0;

	xcrs = kzalloc(sizeof(*xcrs), GFP_KERNEL_ACCOUNT);
	if (!xcrs)
		return -ENOMEM;
	xcrs->nr_xcrs = 1;
	xcrs->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	xcrs->xcrs[0].value = vcpu->xcr0;
	if (copy_to_user(arg, xcrs, sizeof(*xcrs)))
		r = -EFAULT;
	kfree(xcrs);
	return r;
}

/*
 * As KVM 6.1: flags must be 0 and nr_xcrs at most HV_MAX_XCRS; the
 * first XCR0 entry is applied, entries for other XCRs are ignored.
 */
long hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs __user *arg)
{
	struct hv_xcrs *xcrs;
	long r = 0;
	u32 i;

	xcrs = memdup_user(arg, sizeof(*xcrs));
	if (IS_ERR(xcrs))
		return PTR_ERR(xcrs);
	if (xcrs->nr_xcrs > HV_MAX_XCRS || xcrs->flags) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < xcrs->nr_xcrs; i++) {
		if (xcrs->xcrs[i].xcr == XCR_XFEATURE_ENABLED_MASK) {
			r = hv_set_xcr(vcpu, XCR_XFEATURE_ENABLED_MASK,
				       xcrs->xcrs[i].value);
			break;
		}
	}
out:
	kfree(xcrs);
	return r;
}

/* A guest's initial state: x87 and SSE in their reset configuration. */
void *hv_fpu_alloc_guest(void)
{
	struct fxregs_state *fx;

	fx = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
				      hv_xsave_order);
	if (!fx)
		return NULL;
	fx->cwd = 0x37f;	/* SDM 9.1.1 */
	fx->mxcsr = 0x1f80;	/* SDM 10.2.3.1 */
	/* XSTATE_BV = 0: XRSTOR puts every component in its init state. */
	return fx;
}

void hv_fpu_free_guest(void *xsave)
{
	if (xsave)
		free_pages((unsigned long)xsave, hv_xsave_order);
}

static inline void hv_xrstor(void *buf, u64 mask)
{
	asm volatile("xrstor64 %0"
		     : : "m" (*(u8 *)buf), "a" ((u32)mask),
		       "d" ((u32)(mask >> 32))
		     : "memory");
}

static inline void hv_xsave(void *buf, u64 mask)
{
	asm volatile("xsave64 %0"
		     : "+m" (*(u8 *)buf)
		     : "a" ((u32)mask), "d" ((u32)(mask >> 32))
		     : "memory");
}

/* Around each entry; disables preemption like kernel_fpu_begin. */
void hv_fpu_begin(void)
{
	kernel_fpu_begin_mask(0);
}

void hv_fpu_end(void)
{
	kernel_fpu_end();
}

/* Interrupts off, inside hv_fpu_begin: load the guest's registers. */
void hv_fpu_enter_guest(struct hv_vcpu *vcpu)
{
	hv_xrstor(vcpu->xsave, hv_xsave_mask);
	if (vcpu->xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
}

void hv_fpu_exit_guest(struct hv_vcpu *vcpu)
{
	u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	/* Only a subset of what the host saves for guests is kept. */
	if ((xcr0 & ~hv_xsave_mask) == 0 && (xcr0 & XFEATURE_MASK_FP))
		vcpu->xcr0 = xcr0;
	if (xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, hv_host_xcr0);
	hv_xsave(vcpu->xsave, hv_xsave_mask);
}
