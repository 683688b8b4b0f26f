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

static u64 hv_host_xcr0;
static u64 hv_xsave_mask;	/* components saved for a guest */
static unsigned int hv_xsave_order;

int hv_fpu_init(void)
{
	unsigned int eax, ebx, ecx, edx;

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
	return 0;
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
