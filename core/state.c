// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU state ioctls that are not registers the run loop uses all the
 * time: the x87/SSE/AVX state (kept by core/fpu.c), the debug registers,
 * the multiprocessing state, the TSC frequency and KVM_ENABLE_CAP; and
 * INIT, which resets a vCPU the same way whatever asks for it.
 *
 * The semantics and errnos are KVM 6.1's (arch/x86/kvm/x86.c) for a VM
 * without an in-kernel irqchip, which hv does not have yet.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "hv.h"

/* ---- INIT ---- */

/*
 * INIT (SDM Vol. 3, 10.1.1, Table 10-1), as KVM's kvm_vcpu_reset() with
 * init_event: the backend's part first (segments, control registers but
 * CR0.CD/NW, EFER, DR7...), then the core's registers (GPRs, RIP, RFLAGS,
 * CR2, DR0-3 and DR6/7) and events.  The x87/SSE/AVX state, XCR0, the
 * APIC base, the multiprocessing state and the MSRs but EFER keep their
 * values, as with KVM.  Today only the AMD-V shutdown exit (a triple
 * fault: the VMCB is undefined after it) comes here; the in-kernel
 * irqchip's INIT IPIs will.
 */
void hv_vcpu_init(struct hv_vcpu *vcpu)
{
	hv_ops->vcpu_init(vcpu);
	hv_vcpu_init_regs(vcpu);
}

/* A new vCPU's state (KVM's kvm_arch_vcpu_create). */
void hv_vcpu_state_init(struct hv_vcpu *vcpu)
{
	/* Without an in-kernel irqchip every vCPU is runnable, as on KVM. */
	vcpu->mp_state = HV_MP_STATE_RUNNABLE;
	/* The guest's TSC is the host's, offset: it runs at its rate. */
	vcpu->tsc_khz = tsc_khz;
}

/* ---- debug registers ---- */

static long hv_vcpu_get_debugregs(struct hv_vcpu *vcpu,
				  struct hv_debugregs __user *arg)
{
	struct hv_debugregs d;

	memset(&d, 0, sizeof(d));
	memcpy(d.db, vcpu->db, sizeof(d.db));
	d.dr6 = vcpu->dr6;
	d.dr7 = vcpu->dr7;
	return copy_to_user(arg, &d, sizeof(d)) ? -EFAULT : 0;
}

/*
 * As KVM: flags must be 0 and DR6/DR7 have no bit above 31 (SDM Vol. 3,
 * 18.2.4, 18.2.6); the values are taken as they are, fixed bits
 * included, and read back so by the guest and by HV_GET_DEBUGREGS.
 * The reserved words are not checked.
 */
static long hv_vcpu_set_debugregs(struct hv_vcpu *vcpu,
				  struct hv_debugregs __user *arg)
{
	struct hv_debugregs d;

	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (d.flags || d.dr6 >> 32 || d.dr7 >> 32)
		return -EINVAL;
	memcpy(vcpu->db, d.db, sizeof(vcpu->db));
	vcpu->dr6 = d.dr6;
	vcpu->dr7 = d.dr7;
	return 0;
}

/* ---- multiprocessing state ---- */

static long hv_vcpu_get_mp_state(struct hv_vcpu *vcpu,
				 struct hv_mp_state __user *arg)
{
	struct hv_mp_state mp = { .mp_state = vcpu->mp_state };

	return copy_to_user(arg, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/*
 * KVM 6.1 accepts every state but RUNNABLE only with an in-kernel local
 * APIC (kvm_arch_vcpu_ioctl_set_mpstate): without one, userspace keeps
 * the multiprocessing state itself (api.rst, KVM_GET_MP_STATE), halts and
 * wakes vCPUs by not running them, and does INIT and SIPI with
 * HV_SET_REGS/SREGS.  A HLT is an exit to userspace and leaves the vCPU
 * RUNNABLE: only RUNNABLE is taken, anything else is EINVAL.
 */
static long hv_vcpu_set_mp_state(struct hv_vcpu *vcpu,
				 struct hv_mp_state __user *arg)
{
	struct hv_mp_state mp;

	if (copy_from_user(&mp, arg, sizeof(mp)))
		return -EFAULT;
	if (!vcpu->lapic)
		return mp.mp_state == HV_MP_STATE_RUNNABLE ? 0 : -EINVAL;
	/*
	 * With an in-kernel LAPIC (core/halt.c), KVM's x86 states.  KVM
	 * takes any number here and then never runs a vCPU it does not
	 * know; hv refuses those (AP_RESET_HOLD is SEV-ES's).
	 */
	switch (mp.mp_state) {
	case HV_MP_STATE_RUNNABLE:
	case HV_MP_STATE_UNINITIALIZED:
	case HV_MP_STATE_INIT_RECEIVED:
	case HV_MP_STATE_HALTED:
		vcpu->mp_state = mp.mp_state;
		break;
	case HV_MP_STATE_SIPI_RECEIVED:
		/* Started by the SIPI's vector at the next HV_RUN. */
		hv_vcpu_start_at_sipi(vcpu, vcpu->sipi_vector);
		vcpu->mp_state = HV_MP_STATE_RUNNABLE;
		break;
	default:
		return -EINVAL;
	}
	hv_vcpu_request(vcpu, HV_REQ_EVENT);
	return 0;
}

/* ---- TSC frequency ---- */

/* KVM's tolerance for a TSC rate that needs no scaling (tsc_tolerance_ppm). */
#define HV_TSC_TOLERANCE_PPM	250

static u32 hv_tsc_khz_adjust(u32 khz, s32 ppm)
{
	u64 v = (u64)khz * (1000000 + ppm);

	do_div(v, 1000000);
	return v;
}

/*
 * KVM_SET_TSC_KHZ (0: the host's rate).  The guest's TSC is the host's
 * plus an offset, so it runs at the host's rate: a rate within KVM's
 * tolerance of it (250 ppm) is taken and reported back by
 * HV_GET_TSC_KHZ, as KVM does without scaling.  No TSC scaling is used
 * (HV_CAP_TSC_CONTROL is 0), so any other rate is EINVAL and changes
 * nothing.  (KVM without scaling also refuses a lower rate, but takes a
 * higher one by moving the guest's TSC forward at exits, "catch-up",
 * and reports a refused rate anyway; hv does neither.)
 */
static long hv_vcpu_set_tsc_khz(struct hv_vcpu *vcpu, unsigned long arg)
{
	u32 khz = arg, host = tsc_khz;

	if (!khz)
		khz = host;
	if (!khz || khz < hv_tsc_khz_adjust(host, -HV_TSC_TOLERANCE_PPM) ||
	    khz > hv_tsc_khz_adjust(host, HV_TSC_TOLERANCE_PPM))
		return -EINVAL;
	vcpu->tsc_khz = khz;
	return 0;
}

/* ---- KVM_ENABLE_CAP on a vCPU ---- */

/*
 * KVM's vCPU capabilities (Hyper-V's) are not offered, so, as KVM
 * answers an unknown one: EINVAL (flags other than 0 too).
 * HV_CAP_ENABLE_CAP reads 0.
 */
static long hv_vcpu_enable_cap(struct hv_vcpu *vcpu,
			       struct hv_enable_cap __user *arg)
{
	struct hv_enable_cap cap;

	if (copy_from_user(&cap, arg, sizeof(cap)))
		return -EFAULT;
	return -EINVAL;
}

/* ---- dispatch (called from hv_vcpu_ioctl, vcpu->mutex held) ---- */

long hv_vcpu_state_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case HV_GET_FPU:
		return hv_vcpu_get_fpu(vcpu, argp);
	case HV_SET_FPU:
		return hv_vcpu_set_fpu(vcpu, argp);
	case HV_GET_XSAVE:
		/* KVM's EINVAL if the state outgrew 4 KiB: never here. */
		if (hv_fpu_uabi_size() > sizeof(struct hv_xsave))
			return -EINVAL;
		return hv_vcpu_get_xsave(vcpu, argp);
	case HV_GET_XSAVE2:
		return hv_vcpu_get_xsave(vcpu, argp);
	case HV_SET_XSAVE:
		return hv_vcpu_set_xsave(vcpu, argp);
	case HV_GET_DEBUGREGS:
		return hv_vcpu_get_debugregs(vcpu, argp);
	case HV_SET_DEBUGREGS:
		return hv_vcpu_set_debugregs(vcpu, argp);
	case HV_GET_MP_STATE:
		return hv_vcpu_get_mp_state(vcpu, argp);
	case HV_SET_MP_STATE:
		return hv_vcpu_set_mp_state(vcpu, argp);
	case HV_GET_TSC_KHZ:
		return vcpu->tsc_khz;
	case HV_SET_TSC_KHZ:
		return hv_vcpu_set_tsc_khz(vcpu, arg);
	case HV_ENABLE_CAP:
		return hv_vcpu_enable_cap(vcpu, argp);
	default:
		return -ENOTTY;
	}
}
