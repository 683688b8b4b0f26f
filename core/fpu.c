// SPDX-License-Identifier: GPL-2.0
/*
 * Guest FPU/SSE/AVX state and XCR0.
 *
 * The guest's extended state lives in a kernel fpstate (struct
 * fpu_guest), the facility the kernel exports for hypervisor modules:
 * HV_RUN swaps it in as the thread's FPU state on entry and back out on
 * return (fpu_swap_kvm_fpstate), as KVM's kvm_load_guest_fpu and
 * kvm_put_guest_fpu do.  In between, the guest's registers stay loaded
 * across every exit handled in the kernel; whatever needs the FPU
 * meanwhile saves them where the kernel saves any task's state, in that
 * fpstate: a context switch, or kernel_fpu_begin (a softirq's crypto,
 * say), which then set TIF_NEED_FPU_LOAD, and the next entry restores
 * them first (switch_fpu_return).  The task's own state waits, saved, in
 * its fpstate, and comes back before HV_RUN returns, so neither side ever
 * sees the other's registers.  (Before, hv saved and restored the
 * guest's state around every entry inside kernel_fpu_begin/end: two
 * XSAVE-sized transfers per exit, even for a CPUID.)
 *
 * XCR0 is switched to the guest's value only around the entry itself,
 * with interrupts off, so the kernel always saves and restores with the
 * host's.  Some hardware, and QEMU's emulated SVM, cannot intercept
 * XSETBV, so the guest's XCR0 is read back after every exit and the
 * host's written again.
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
static u64 hv_xsave_mask;	/* components a guest's XCR0 may hold */
static u32 hv_mxcsr_mask;	/* MXCSR bits the CPU implements */

/* Each saved component's size, offset and 64-byte alignment (SDM 13.2). */
static struct {
	u32 size, offset;
	bool align64;
} hv_xstate[64];

/*
 * The MXCSR bits this CPU implements: FXSAVE's MXCSR_MASK field, or
 * 0xffbf where it is 0 (SDM Vol. 1, 11.6.6).  Setting any other bit
 * makes FXRSTOR/XRSTOR fault.
 */
static u32 hv_fpu_read_mxcsr_mask(void)
{
	struct fxregs_state *fx;
	u32 mask;

	fx = kzalloc(sizeof(*fx), GFP_KERNEL);
	if (!fx)
		return 0xffbf;
	kernel_fpu_begin();
	asm volatile("fxsave64 %0" : "=m" (*fx));
	kernel_fpu_end();
	mask = fx->mxcsr_mask ?: 0xffbf;
	kfree(fx);
	return mask;
}

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
	for (i = 2; i < 64; i++) {
		if (!(hv_xsave_mask & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		hv_xstate[i].size = eax;
		hv_xstate[i].offset = ebx;
		hv_xstate[i].align64 = ecx & BIT(1);
	}
	hv_mxcsr_mask = hv_fpu_read_mxcsr_mask();
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
int hv_fpu_vcpu_init(struct hv_vcpu *vcpu)
{
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		return -ENOMEM;
	return 0;
}

void hv_fpu_vcpu_free(struct hv_vcpu *vcpu)
{
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
}

/*
 * HV_RUN's start and end (preemptible): the guest's state becomes the
 * thread's, the task's own is saved until hv_fpu_put_guest.  Every
 * return from HV_RUN goes through hv_fpu_put_guest, so the task never
 * reaches userspace, a signal frame or a core dump with the guest's
 * registers.
 */
void hv_fpu_load_guest(struct hv_vcpu *vcpu)
{
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
}

void hv_fpu_put_guest(struct hv_vcpu *vcpu)
{
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
}

/* Interrupts off, between hv_fpu_load_guest and hv_fpu_put_guest. */
void hv_fpu_enter_guest(struct hv_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	/* Saved since (preemption, kernel_fpu_begin): load them again. */
	fpregs_assert_state_consistent();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	if (vcpu->xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
}

void hv_fpu_exit_guest(struct hv_vcpu *vcpu)
{
	u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	lockdep_assert_irqs_disabled();
	/* Only a subset of what the host saves for guests is kept. */
	if ((xcr0 & ~hv_xsave_mask) == 0 && (xcr0 & XFEATURE_MASK_FP))
		vcpu->xcr0 = xcr0;
	if (xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, hv_host_xcr0);
}

/* ---- the userspace ABI: HV_GET/SET_FPU, HV_GET/SET_XSAVE, HV_GET_XSAVE2 ---- */

/*
 * The uABI's XSAVE area (struct hv_xsave) is in the standard format, each
 * component at its CPUID.(0xd, i).EBX offset; the kernel's fpstate may be
 * compacted (XSAVES), and its components not in use hold stale bytes.
 * So the ioctls work on an image in the standard format
 * (hv_fpu_get_image), in which every component hv offers holds its
 * values, its initial values when the guest does not use it, whatever
 * XSTATE_BV says: the kernel's conversion writes initial values for the
 * components not in use.  MXCSR is taken from the fpstate itself: every
 * form of XSAVE stores it when SSE or AVX is requested, in use or not
 * (SDM Vol. 1, 13.7, 13.10, 13.11), and the kernel's conversion reports
 * the initial MXCSR when neither is in use, which would lose a guest's
 * rounding mode.  An image goes back (hv_fpu_put_image) with SSE in
 * XSTATE_BV when its MXCSR is not the initial one, so that XRSTOR(S)
 * loads it in either form, and the fpstate's MXCSR written too.
 */

static void hv_fpu_get_image(struct hv_vcpu *vcpu, struct xregs_state *img)
{
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, img,
				       hv_fpu_uabi_size(),
				       hv_fpu_guest_xfeatures(), 0);
	img->i387.mxcsr = vcpu->guest_fpu.fpstate->regs.xsave.i387.mxcsr;
}

static int hv_fpu_put_image(struct hv_vcpu *vcpu, struct xregs_state *img)
{
	u32 pkru = 0;	/* PKRU is never offered (core/cpuid.c) */
	int r;

	img->header.xfeatures &= hv_fpu_guest_xfeatures();
	if (img->i387.mxcsr != MXCSR_DEFAULT)
		img->header.xfeatures |= XFEATURE_MASK_SSE;
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, img,
					   hv_fpu_guest_xfeatures(), &pkru);
	if (!r)
		vcpu->guest_fpu.fpstate->regs.xsave.i387.mxcsr =
			img->i387.mxcsr;
	return r;
}

static struct xregs_state *hv_fpu_image_alloc(void)
{
	return kvzalloc(hv_fpu_uabi_size(), GFP_KERNEL_ACCOUNT);
}

#define HV_FCW_INIT		0x37f	/* SDM Vol. 1, 8.1.5 */
#define HV_LEGACY_X87_HEAD	offsetof(struct fxregs_state, mxcsr)

/* Size of HV_GET_XSAVE2's buffer, HV_CHECK_EXTENSION(HV_CAP_XSAVE2). */
u32 hv_fpu_uabi_size(void)
{
	return max_t(u32, sizeof(struct hv_xsave),
		     hv_fpu_xstate_size(hv_fpu_guest_xfeatures(), false));
}

/* Component @i of an XSAVE area in the standard format. */
static void *hv_xstate_addr(const void *area, int i)
{
	return (u8 *)area + hv_xstate[i].offset;
}

/*
 * KVM_GET_FPU: the legacy region's x87 and SSE registers.  As with KVM,
 * MXCSR is not reported (it reads 0) and not set by HV_SET_FPU: it is
 * reached through HV_GET/SET_XSAVE.
 */
long hv_vcpu_get_fpu(struct hv_vcpu *vcpu, struct hv_fpu __user *arg)
{
	struct xregs_state *xs;
	struct fxregs_state *fx;
	struct hv_fpu *fpu;
	long r = -ENOMEM;

	xs = hv_fpu_image_alloc();
	fpu = kzalloc(sizeof(*fpu), GFP_KERNEL_ACCOUNT);
	if (!xs || !fpu)
		goto out;
	hv_fpu_get_image(vcpu, xs);
	fx = &xs->i387;
	memcpy(fpu->fpr, fx->st_space, sizeof(fpu->fpr));
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
	r = 0;
	if (copy_to_user(arg, fpu, sizeof(*fpu)))
		r = -EFAULT;
out:
	kfree(fpu);
	kvfree(xs);
	return r;
}

/*
 * KVM_SET_FPU.  The x87 and SSE components are marked in use, so that
 * XRSTOR loads the new values rather than initializing the registers.
 */
long hv_vcpu_set_fpu(struct hv_vcpu *vcpu, struct hv_fpu __user *arg)
{
	struct xregs_state *xs;
	struct fxregs_state *fx;
	struct hv_fpu *fpu;
	long r;

	fpu = memdup_user(arg, sizeof(*fpu));
	if (IS_ERR(fpu))
		return PTR_ERR(fpu);
	r = -ENOMEM;
	xs = hv_fpu_image_alloc();
	if (!xs)
		goto out;
	hv_fpu_get_image(vcpu, xs);
	fx = &xs->i387;
	memcpy(fx->st_space, fpu->fpr, sizeof(fpu->fpr));
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fx->xmm_space));
	xs->header.xfeatures |= XFEATURE_MASK_FPSSE;
	r = hv_fpu_put_image(vcpu, xs);
out:
	kvfree(xs);
	kfree(fpu);
	return r;
}

/*
 * KVM_GET_XSAVE and KVM_GET_XSAVE2 (hv_fpu_uabi_size() bytes).  As KVM
 * 6.1: XSTATE_BV holds the components in use among those the vCPU's
 * CPUID allows (x87 and SSE are always allowed); every other component
 * reads as its initial values; XCOMP_BV and the header's
 * reserved bytes are 0.  Unlike KVM, bytes 464-511 of the legacy region
 * (the kernel's signal-frame "sw_reserved" words) are 0, and an MXCSR
 * other than its initial value is always reported, with SSE in XSTATE_BV
 * if need be, so that HV_SET_XSAVE of the result restores it.
 */
long hv_vcpu_get_xsave(struct hv_vcpu *vcpu, void __user *arg)
{
	u32 size = hv_fpu_uabi_size();
	struct xregs_state *u, *xs;
	u64 xfeatures;
	long r = -ENOMEM;
	int i;

	xs = hv_fpu_image_alloc();
	u = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!xs || !u)
		goto out;
	hv_fpu_get_image(vcpu, xs);
	xfeatures = xs->header.xfeatures &
		    (vcpu->xcr0_allowed | XFEATURE_MASK_FPSSE);
	if (xs->i387.mxcsr != MXCSR_DEFAULT)
		xfeatures |= XFEATURE_MASK_SSE;

	if (xfeatures & XFEATURE_MASK_FP) {
		memcpy(&u->i387, &xs->i387, HV_LEGACY_X87_HEAD);
		memcpy(u->i387.st_space, xs->i387.st_space,
		       sizeof(u->i387.st_space));
	} else {
		u->i387.cwd = HV_FCW_INIT;
	}
	u->i387.mxcsr = xs->i387.mxcsr;
	u->i387.mxcsr_mask = hv_mxcsr_mask;
	if (xfeatures & XFEATURE_MASK_SSE)
		memcpy(u->i387.xmm_space, xs->i387.xmm_space,
		       sizeof(u->i387.xmm_space));
	u->header.xfeatures = xfeatures;
	for (i = 2; i < 64; i++)
		if (xfeatures & hv_fpu_guest_xfeatures() & BIT_ULL(i))
			memcpy(hv_xstate_addr(u, i), hv_xstate_addr(xs, i),
			       hv_xstate[i].size);
	r = 0;
	if (copy_to_user(arg, u, size))
		r = -EFAULT;
out:
	kvfree(u);
	kvfree(xs);
	return r;
}

/*
 * KVM_SET_XSAVE, with KVM 6.1's checks: EINVAL for a component hv does
 * not offer (KVM: its supported XCR0; like KVM, a component the vCPU's
 * CPUID lacks is taken, and just never reported by HV_GET_XSAVE), a
 * compacted area (XCOMP_BV not 0), reserved header bytes, or, when x87,
 * SSE or AVX state is given, reserved MXCSR bits.  The components not in
 * XSTATE_BV are put in their initial configuration.
 */
long hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const void __user *arg)
{
	struct xregs_state *u, *xs = NULL;
	u64 xfeatures;
	long r = -EINVAL;
	int i;

	u = vmemdup_user(arg, hv_fpu_uabi_size());
	if (IS_ERR(u))
		return PTR_ERR(u);
	xfeatures = u->header.xfeatures;
	if (xfeatures & ~hv_fpu_guest_xfeatures())
		goto out;
	if (u->header.xcomp_bv ||
	    memchr_inv(u->header.reserved, 0, sizeof(u->header.reserved)))
		goto out;
	if ((xfeatures & (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM)) &&
	    (u->i387.mxcsr & ~hv_mxcsr_mask))
		goto out;
	r = -ENOMEM;
	xs = hv_fpu_image_alloc();
	if (!xs)
		goto out;
	hv_fpu_get_image(vcpu, xs);

	if (xfeatures & XFEATURE_MASK_FP) {
		memcpy(&xs->i387, &u->i387, HV_LEGACY_X87_HEAD);
		memcpy(xs->i387.st_space, u->i387.st_space,
		       sizeof(xs->i387.st_space));
	} else {
		memset(&xs->i387, 0, HV_LEGACY_X87_HEAD);
		memset(xs->i387.st_space, 0, sizeof(xs->i387.st_space));
		xs->i387.cwd = HV_FCW_INIT;
	}
	if (xfeatures & (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM))
		xs->i387.mxcsr = u->i387.mxcsr;
	else
		xs->i387.mxcsr = MXCSR_DEFAULT;
	if (xfeatures & XFEATURE_MASK_SSE)
		memcpy(xs->i387.xmm_space, u->i387.xmm_space,
		       sizeof(xs->i387.xmm_space));
	else
		memset(xs->i387.xmm_space, 0, sizeof(xs->i387.xmm_space));
	for (i = 2; i < 64; i++) {
		if (!(hv_fpu_guest_xfeatures() & BIT_ULL(i)))
			continue;
		if (xfeatures & BIT_ULL(i))
			memcpy(hv_xstate_addr(xs, i), hv_xstate_addr(u, i),
			       hv_xstate[i].size);
		else		/* AVX's initial state is all zeros */
			memset(hv_xstate_addr(xs, i), 0, hv_xstate[i].size);
	}
	xs->header.xfeatures = xfeatures;
	r = hv_fpu_put_image(vcpu, xs);
out:
	kvfree(xs);
	kvfree(u);
	return r;
}
