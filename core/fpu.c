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

/* ---- the userspace ABI: HV_GET/SET_FPU, HV_GET/SET_XSAVE, HV_GET_XSAVE2 ---- */

/*
 * The uABI's XSAVE area (struct hv_xsave) is in the standard format, each
 * component at its CPUID.(0xd, i).EBX offset, and so is the guest's
 * buffer here: XSAVE64 writes it (KVM converts from the kernel's own,
 * possibly compacted, XSAVES format instead).  The buffer keeps an
 * invariant that lets the ioctls read and write it directly: every
 * component hv offers holds its values, its initial values when the
 * guest does not use it, whatever XSTATE_BV says.  XSAVE writes every
 * requested component (it has no init optimization, unlike XSAVEOPT,
 * XSAVEC and XSAVES: SDM Vol. 1, 13.7), the buffer starts in the init
 * configuration, and the ioctls below write initial values for the
 * components they mark unused.  MXCSR is loaded by XRSTOR from the
 * buffer whatever XSTATE_BV says (standard form, SDM Vol. 1, 13.8.1), so
 * the buffer's MXCSR is always the guest's.
 */

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
	const struct fxregs_state *fx = vcpu->xsave;
	struct hv_fpu *fpu;
	long r = 0;

	fpu = kzalloc(sizeof(*fpu), GFP_KERNEL_ACCOUNT);
	if (!fpu)
		return -ENOMEM;
	memcpy(fpu->fpr, fx->st_space, sizeof(fpu->fpr));
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
	if (copy_to_user(arg, fpu, sizeof(*fpu)))
		r = -EFAULT;
	kfree(fpu);
	return r;
}

/*
 * KVM_SET_FPU.  The x87 and SSE components are marked in use, so that
 * XRSTOR loads the new values rather than initializing the registers.
 */
long hv_vcpu_set_fpu(struct hv_vcpu *vcpu, struct hv_fpu __user *arg)
{
	struct xregs_state *xs = vcpu->xsave;
	struct fxregs_state *fx = &xs->i387;
	struct hv_fpu *fpu;

	fpu = memdup_user(arg, sizeof(*fpu));
	if (IS_ERR(fpu))
		return PTR_ERR(fpu);
	memcpy(fx->st_space, fpu->fpr, sizeof(fpu->fpr));
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fx->xmm_space));
	xs->header.xfeatures |= XFEATURE_MASK_FPSSE;
	kfree(fpu);
	return 0;
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
	const struct xregs_state *xs = vcpu->xsave;
	u32 size = hv_fpu_uabi_size();
	struct xregs_state *u;
	u64 xfeatures;
	long r = 0;
	int i;

	xfeatures = xs->header.xfeatures &
		    (vcpu->xcr0_allowed | XFEATURE_MASK_FPSSE);
	if (xs->i387.mxcsr != MXCSR_DEFAULT)
		xfeatures |= XFEATURE_MASK_SSE;

	u = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
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
	if (copy_to_user(arg, u, size))
		r = -EFAULT;
	kvfree(u);
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
	struct xregs_state *xs = vcpu->xsave;
	struct xregs_state *u;
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
	r = 0;
out:
	kvfree(u);
	return r;
}
