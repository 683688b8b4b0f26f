// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU side of the in-kernel irqchip: the multiprocessing state
 * (HLT, INIT, SIPI) and the interrupts the local APIC and the PIC hold
 * for the vCPU.  Without an in-kernel irqchip none of this runs: HLT is
 * an exit to userspace and every vCPU is RUNNABLE (core/run.c).
 *
 * A vCPU that is not RUNNABLE does not enter the guest: its thread
 * sleeps on vcpu->wait, using no CPU, until an event that concerns it
 * arrives.  Every source of such events (the LAPIC's delivery path,
 * its timer, the PIC's output) sets HV_REQ_EVENT and wakes it
 * (hv_vcpu_kick); the vCPU then takes the events here, in its own
 * thread, and decides.  The states and transitions are KVM's
 * (Documentation/virt/kvm/api.rst, KVM_GET_MP_STATE; SDM Vol. 3, 9.4
 * for the INIT-SIPI-SIPI protocol).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv.h"
#include "io/irqchip.h"

/* ---- vCPU creation and teardown ---- */

/*
 * A vCPU created after HV_CREATE_IRQCHIP gets a local APIC; the BSP
 * (HV_SET_BOOT_CPU_ID, 0 by default) starts RUNNABLE, the others wait
 * for INIT and SIPI, as with KVM.  Called under vm->lock, so that the
 * irqchip cannot appear between this decision and the vCPU's
 * publication.
 */
int hv_vcpu_irqchip_init(struct hv_vcpu *vcpu)
{
	int r;

	lockdep_assert_held(&vcpu->vm->lock);
	if (!hv_irqchip_in_kernel(vcpu->vm))
		return 0;
	r = hv_lapic_create(vcpu);
	if (r)
		return r;
	hv_lapic_reset(vcpu, false);
	if (vcpu->id != vcpu->vm->boot_vcpu_id)
		vcpu->mp_state = HV_MP_STATE_UNINITIALIZED;
	return 0;
}

void hv_vcpu_irqchip_free(struct hv_vcpu *vcpu)
{
	if (vcpu->lapic)
		hv_lapic_free(vcpu);
}

/* ---- interrupts held for the vCPU ---- */

/*
 * The PIC's INTR reaches a vCPU only through a LAPIC that takes ExtINT
 * (LVT0 in ExtINT mode, or the APIC disabled: SDM 11.4.7.2).
 */
static bool hv_vcpu_has_extint(struct hv_vcpu *vcpu)
{
	return hv_lapic_accepts_extint(vcpu) && hv_pic_has_interrupt(vcpu->vm);
}

/* An interrupt the guest would take once IF and its shadow allow. */
bool hv_vcpu_has_interrupt(struct hv_vcpu *vcpu)
{
	return hv_vcpu_has_extint(vcpu) || hv_lapic_pending_vector(vcpu) >= 0;
}

/*
 * The interrupt to deliver now, acknowledged at its source: the PIC's
 * first (its line is wired ahead of the APIC's own vectors, and KVM
 * asks it first), else the LAPIC's highest deliverable vector.  -1 if
 * none.  The vCPU's thread, interrupts off, at entry (core/event.c).
 */
int hv_vcpu_take_interrupt(struct hv_vcpu *vcpu)
{
	int vector;

	if (hv_vcpu_has_extint(vcpu))
		return hv_pic_ack(vcpu->vm);
	vector = hv_lapic_pending_vector(vcpu);
	if (vector >= 0)
		hv_lapic_accept(vcpu, vector);
	return vector;
}

/* ---- INIT, SIPI, NMI from the LAPIC ---- */

/* SDM 9.4.4: the SIPI's vector VV starts the AP at VV00:0000. */
void hv_vcpu_start_at_sipi(struct hv_vcpu *vcpu, u8 vector)
{
	struct hv_sregs sregs;

	hv_ops->get_sregs(vcpu, &sregs);
	sregs.cs.selector = vector << 8;
	sregs.cs.base = (u64)vector << 12;
	hv_ops->set_sregs(vcpu, &sregs);
	vcpu->regs.rip = 0;
}

/*
 * INIT resets the vCPU (core/state.c) and, for the BSP, restarts it at
 * the reset vector; an AP waits for a SIPI.  A SIPI starts a vCPU that
 * waits for one and is ignored otherwise (SDM 9.4.4).  NMIs join the
 * core's queue.
 */
static void hv_vcpu_take_lapic_events(struct hv_vcpu *vcpu)
{
	unsigned int ev;
	u8 sipi_vector = 0;

	ev = hv_lapic_take_events(vcpu, &sipi_vector);
	if (ev & HV_LAPIC_EV_INIT) {
		hv_vcpu_init(vcpu);
		hv_lapic_reset(vcpu, true);
		vcpu->mp_state = vcpu->id == vcpu->vm->boot_vcpu_id ?
				 HV_MP_STATE_RUNNABLE :
				 HV_MP_STATE_INIT_RECEIVED;
	}
	if (ev & HV_LAPIC_EV_SIPI) {
		vcpu->sipi_vector = sipi_vector;
		if (vcpu->mp_state == HV_MP_STATE_INIT_RECEIVED) {
			hv_vcpu_start_at_sipi(vcpu, sipi_vector);
			vcpu->mp_state = HV_MP_STATE_RUNNABLE;
		}
	}
	if (ev & HV_LAPIC_EV_NMI)
		hv_vcpu_nmi(vcpu);
}

/* HV_REQ_EVENT: the LAPIC may hold something for the core. */
void hv_vcpu_irqchip_events(struct hv_vcpu *vcpu)
{
	if (vcpu->lapic)
		hv_vcpu_take_lapic_events(vcpu);
}

/* ---- HLT and waiting ---- */

/*
 * HLT with an in-kernel irqchip: the vCPU stops until an interrupt it
 * can take, an NMI, or INIT; the run loop sleeps (hv_vcpu_wait).
 */
int hv_vcpu_halt(struct hv_vcpu *vcpu)
{
	vcpu->mp_state = HV_MP_STATE_HALTED;
	return 1;
}

/*
 * Whether a halted vCPU resumes: an NMI, or an interrupt with IF set
 * (KVM's kvm_vcpu_has_events; the shadow of STI;HLT is over once HLT
 * has executed).
 */
static bool hv_vcpu_halt_ends(struct hv_vcpu *vcpu)
{
	if (vcpu->nmi_pending)
		return true;
	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       hv_vcpu_has_interrupt(vcpu);
}

/*
 * Whether the vCPU has something to look at: an event from a device
 * (every waker sets HV_REQ_EVENT before it wakes, hv_vcpu_kick) or a
 * signal.  Cheap enough for the halt-polling loop (core/halt_poll.c).
 */
bool hv_vcpu_wake_pending(struct hv_vcpu *vcpu)
{
	return test_bit(HV_REQ_EVENT, &vcpu->requests) ||
	       signal_pending(current);
}

/*
 * Sleep on vcpu->wait until hv_vcpu_wake_pending(); returns whether the
 * thread really slept.  The condition is read after the task state is
 * set, and every waker sets its request before waking it, so no wake-up
 * is lost (KVM's kvm_vcpu_block).
 */
bool hv_vcpu_block(struct hv_vcpu *vcpu)
{
	bool waited = false;

	prepare_to_rcuwait(&vcpu->wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (hv_vcpu_wake_pending(vcpu))
			break;
		waited = true;
		schedule();
	}
	finish_rcuwait(&vcpu->wait);
	return waited;
}

/*
 * Take the events and decide: 1 once the vCPU is RUNNABLE, -EINTR
 * (exit_reason set) to return to userspace on a signal with the state
 * kept (KVM: HV_EXIT_INTR, the vCPU still halted), 0 to wait on.
 */
static int hv_vcpu_check_wait(struct hv_vcpu *vcpu)
{
	if (test_and_clear_bit(HV_REQ_EVENT, &vcpu->requests))
		hv_vcpu_irqchip_events(vcpu);
	if (vcpu->mp_state == HV_MP_STATE_HALTED && hv_vcpu_halt_ends(vcpu))
		vcpu->mp_state = HV_MP_STATE_RUNNABLE;
	if (vcpu->mp_state == HV_MP_STATE_RUNNABLE)
		return 1;
	if (signal_pending(current)) {
		vcpu->run->exit_reason = HV_EXIT_INTR;
		return -EINTR;
	}
	return 0;
}

/*
 * Before an entry: return 1 once the vCPU is RUNNABLE, sleeping as long
 * as it is not; 0 or -EINTR to return to userspace.  A halted vCPU
 * polls a little before it sleeps (core/halt_poll.c), as with KVM; one
 * waiting for INIT or SIPI just sleeps (KVM polls only in HLT).
 */
int hv_vcpu_wait(struct hv_vcpu *vcpu)
{
	int r;

	for (;;) {
		r = hv_vcpu_check_wait(vcpu);
		if (r)
			return r;
		if (vcpu->mp_state == HV_MP_STATE_HALTED)
			hv_vcpu_halt_poll(vcpu);
		else
			hv_vcpu_block(vcpu);
	}
}

/* ---- HV_GET/SET_LAPIC, HV_SET_VAPIC_ADDR ---- */

/*
 * KVM_SET_VAPIC_ADDR names a guest page where KVM mirrors the TPR and
 * the highest ISR/IRR vectors at every entry, for QEMU's kvmvapic ROM,
 * which patches old Windows' TPR accesses once KVM reports them
 * (KVM_TPR_ACCESS_REPORTING).  hv reports no TPR access, so that ROM
 * never turns on; QEMU still sets the address to 0 (off) at every APIC
 * reset and stops if that fails.  0 is what hv has; any other address
 * is refused (-EOPNOTSUPP) rather than silently not kept in sync.
 */
static long hv_vcpu_set_vapic_addr(struct hv_vcpu *vcpu,
				   struct hv_vapic_addr __user *argp)
{
	struct hv_vapic_addr va;

	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	return va.vapic_addr ? -EOPNOTSUPP : 0;
}

long hv_vcpu_lapic_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp)
{
	struct hv_lapic_state *s;
	long r;

	/* KVM answers -EINVAL (kvm_arch_vcpu_ioctl) without a LAPIC. */
	if (!vcpu->lapic)
		return -EINVAL;
	if (ioctl == HV_SET_VAPIC_ADDR)
		return hv_vcpu_set_vapic_addr(vcpu, argp);
	if (ioctl == HV_SET_LAPIC) {
		s = memdup_user(argp, sizeof(*s));
		if (IS_ERR(s))
			return PTR_ERR(s);
		r = hv_lapic_set_state(vcpu, s);
		kfree(s);
		return r;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	r = hv_lapic_get_state(vcpu, s);
	if (!r && copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}
