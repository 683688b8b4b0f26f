// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of each vCPU, as KVM 6.1 presents it (KVM's behaviour is
 * the ABI): an xAPIC of version 0x14 with six LVT entries (no CMCI: the
 * vCPUs' MCG_CAP has no CMCI_P), no directed EOI, a 1 GHz APIC bus for
 * the timer, and x2APIC through IA32_APIC_BASE.EXTD.
 *
 * The registers live in a 4 KiB page with the xAPIC layout (SDM 11.4.1,
 * Table 11-1), one 32-bit register every 16 bytes, so that HV_GET/SET_LAPIC
 * copy its first 1 KiB as KVM does.  In x2APIC mode (SDM 11.12) the same
 * page serves the MSRs 0x800 + offset / 16; the ID register then holds the
 * 32-bit x2APIC ID, and ICR's high half stays in ICR2's slot.
 *
 * Who writes what:
 *   - IRR and TMR are set by any CPU that delivers an interrupt (IOAPIC,
 *     MSI, another vCPU's ICR, this APIC's timer in hardirq context) with
 *     atomic bit operations, then the target is kicked (HV_REQ_EVENT).
 *     The vCPU's thread clears IRR bits atomically when it accepts one.
 *   - Everything else (ISR, TPR, PPR, the LVT, the timer's programming)
 *     belongs to the vCPU's thread: MMIO and MSR exits, the entry path,
 *     and the state ioctls under vcpu->mutex.  Senders read the few
 *     registers they need to match a destination (ID, LDR, DFR, SVR,
 *     the base) with READ_ONCE(); the owner writes them with WRITE_ONCE().
 *   - INIT, SIPI and NMI are not interrupts the APIC queues: they are
 *     bits in lapic->events for the core (hv_lapic_take_events).
 *
 * TPR lives in two places: the core keeps TPR[7:4] in vcpu->cr8 (the
 * backends load it into the VMCB/VMCS and store it back after exits), and
 * lapic->tpr keeps the whole register as last written through the APIC.
 * When they disagree, the guest wrote CR8 since, which zeroes TPR[3:0]
 * (SDM 11.8.6.1), and vcpu->cr8 wins.  A MOV to CR8 of the class TPR
 * already had goes unseen and leaves TPR[3:0]; only reads of TPR can
 * tell, since priorities compare classes (PPR[3:0] is never used).
 *
 * Not modelled: SMI (dropped, as hv has no SMM), focus processor checking,
 * the arbitration priority (APR reads 0, as KVM), remote read, LINT0/LINT1
 * as inputs other than the PIC's ExtINT, the thermal and performance
 * counter LVT sources (nothing raises them), TSC scaling (a deadline is
 * converted with vcpu->tsc_khz against the host TSC plus the offset).
 * The page's TPR and PPR words are not kept: reads compute them.
 *
 * Where a guest can tell this model from KVM's (each deliberate):
 *   - the xAPIC page of an APIC that is hardware-disabled or in x2APIC
 *     mode is not answered here at all (KVM's default quirk reads it as
 *     all ones and drops writes): the access goes to the VM's devices;
 *   - vectors 0-15 are refused with the ESR errors of SDM 11.5.3, and
 *     ESR reports them after the write that publishes them (KVM reads
 *     ESR as 0 and delivers such vectors);
 *   - an x2APIC EOI with a non-zero value raises #GP (SDM 11.12.1.2);
 *   - the LVT delivery-status bit always reads 0 (KVM keeps what the
 *     guest wrote there);
 *   - lowest-priority messages go to the first accepting APIC.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <asm/apicdef.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <asm/unaligned.h>

#include "core/hv.h"
#include "io/irqchip.h"

/* Version register: KVM's 0x14, max LVT entry 5 (six entries, no CMCI). */
#define HV_APIC_VERSION		0x14
#define HV_APIC_NR_LVT		6
#define HV_APIC_LVR_VALUE	(HV_APIC_VERSION | ((HV_APIC_NR_LVT - 1) << 16))

/* SDM 11.5.4: KVM's APIC bus runs at 1 GHz, one cycle per nanosecond. */
#define HV_APIC_BUS_CYCLE_NS	1
/* KVM's min_timer_period_us: periodic timers no faster than this. */
#define HV_APIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

/* SDM 11.5.1, Figure 11-8: the writable bits of each LVT entry. */
#define HV_LVT_COMMON		(APIC_LVT_MASKED | APIC_VECTOR_MASK)
#define HV_LVT_WITH_MODE	(HV_LVT_COMMON | APIC_MODE_MASK)
#define HV_LVT_LINT		(HV_LVT_WITH_MODE | APIC_INPUT_POLARITY | \
				 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)
#define HV_LVT_TIMER_MODE	(3 << 17)	/* bits 18:17 */

/* SDM 11.4.7.1 (cf. KVM): the writable bits of SVR, no directed EOI. */
#define HV_SVR_MASK		0x3ff
/* SDM 11.6.2.2: the logical and the destination-format fields. */
#define HV_LDR_MASK		APIC_LDR_MASK
#define HV_DFR_RESERVED		0x0fffffffU
/* SDM 11.5.4, Figure 11-10: divide configuration bits 0, 1 and 3. */
#define HV_TDCR_MASK		0xb
/* SDM 11.6.1: ICR2 holds only the xAPIC destination field. */
#define HV_ICR2_XAPIC_MASK	0xff000000U
/* SDM 11.12.9: ICR bits x2APIC reserves (#GP when set: KVM's rule). */
#define HV_X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))

/* SDM 11.5.3: vectors 0 to 15 are illegal in any interrupt message. */
#define HV_APIC_FIRST_LEGAL	16

/* SDM 11.6.2.1 and 11.12.9: physical broadcast destinations. */
#define HV_XAPIC_BROADCAST	0xffU
#define HV_X2APIC_BROADCAST	0xffffffffU

/*
 * Lock legend (see the header comment):
 *   [c]  constant after hv_lapic_create
 *   [v]  the vCPU's thread only (exits, entry path, ioctls under
 *        vcpu->mutex)
 *   [w]  written by the vCPU's thread with WRITE_ONCE(); read from any
 *        context with READ_ONCE() (senders, the timer callback)
 *   [a]  atomic bit operations / xchg, from any context but NMI
 *   [t]  as [w], and also written by the timer callback, which the
 *        vCPU's thread stops (hrtimer_cancel) before writing it itself
 */
struct hv_lapic {
	/*
	 * The register page: IRR and TMR [a], ID, LDR, DFR, SVR and the
	 * LVT [w], the rest [v].  First in the structure, so that its
	 * registers are aligned for the bit operations on unsigned long.
	 */
	u32 regs[PAGE_SIZE / sizeof(u32)];

	struct hv_vcpu *vcpu;		/* [c] */
	struct hv_io_device mmio;	/* [c] vcpu->apic_mmio */
	u64 base;			/* [v] IA32_APIC_BASE last applied */
	u32 tpr;			/* [v] TPR as last written here */

	unsigned long events;		/* [a] HV_LAPIC_EV_* bit numbers */
	u8 sipi_vector;			/* [w] written before EV_SIPI */
	unsigned long esr_pending;	/* [a] errors since the ESR write */

	struct hrtimer timer;		/* [c] SDM 11.5.4 */
	u32 timer_mode;			/* [w] LVT timer bits 18:17 */
	u32 divide;			/* [v] 1 to 128 */
	u64 period_ns;			/* [w] initial count in ns */
	u64 tsc_deadline;		/* [t] IA32_TSC_DEADLINE, 0: disarmed */
};

/* ---- registers ---- */

static u32 hv_lapic_reg(struct hv_lapic *lapic, u32 off)
{
	return READ_ONCE(lapic->regs[off / sizeof(u32)]);
}

static void hv_lapic_set_reg(struct hv_lapic *lapic, u32 off, u32 val)
{
	WRITE_ONCE(lapic->regs[off / sizeof(u32)], val);
}

/*
 * The word of a 256-bit register (ISR, TMR, IRR: SDM 11.8.4) that holds
 * @vec, as an unsigned long for the bit operations: on little-endian
 * x86 its bits 0-31 are the register, the rest the page's padding.
 */
static unsigned long *hv_lapic_vec_word(struct hv_lapic *lapic, u32 reg,
					int vec)
{
	return (unsigned long *)&lapic->regs[(reg + (vec >> 5) * 0x10) /
					     sizeof(u32)];
}

/* The highest vector set in a 256-bit register, or -1. */
static int hv_lapic_highest_vec(struct hv_lapic *lapic, u32 reg)
{
	int i;
	u32 w;

	for (i = APIC_ISR_NR - 1; i >= 0; i--) {
		w = hv_lapic_reg(lapic, reg + i * 0x10);
		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

/* vcpu->apic_base decides the mode; senders read it too. */
static u64 hv_lapic_base(struct hv_lapic *lapic)
{
	return READ_ONCE(lapic->vcpu->apic_base);
}

static bool hv_lapic_hw_enabled(struct hv_lapic *lapic)
{
	return hv_lapic_base(lapic) & MSR_IA32_APICBASE_ENABLE;
}

static bool hv_lapic_x2apic(struct hv_lapic *lapic)
{
	return hv_lapic_base(lapic) & X2APIC_ENABLE;
}

static bool hv_lapic_sw_enabled(struct hv_lapic *lapic)
{
	return hv_lapic_reg(lapic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

/* SDM 11.12.10.2: the x2APIC logical ID, derived from the x2APIC ID. */
static u32 hv_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

/* ---- TPR and PPR (SDM 11.8.3) ---- */

static u32 hv_lapic_tpr(struct hv_lapic *lapic)
{
	u32 cr8 = lapic->vcpu->cr8 & 0xf;

	/* A MOV to CR8 since our last write cleared TPR[3:0] (11.8.6.1). */
	if (cr8 != lapic->tpr >> 4)
		lapic->tpr = cr8 << 4;
	return lapic->tpr;
}

static void hv_lapic_write_tpr(struct hv_lapic *lapic, u32 tpr)
{
	lapic->tpr = tpr & 0xff;
	lapic->vcpu->cr8 = lapic->tpr >> 4;
}

/* SDM 11.8.3.1: PPR is TPR, or ISRV's class when that is higher. */
static u32 hv_lapic_ppr(struct hv_lapic *lapic)
{
	u32 tpr = hv_lapic_tpr(lapic);
	int isrv = hv_lapic_highest_vec(lapic, APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* After PPR may have dropped (EOI, TPR): is an interrupt now due? */
static void hv_lapic_check_pending(struct hv_lapic *lapic)
{
	if (hv_lapic_pending_vector(lapic->vcpu) >= 0)
		hv_vcpu_request(lapic->vcpu, HV_REQ_EVENT);
}

/* ---- accepting interrupts (any context but NMI) ---- */

/*
 * Log @esr_bit for the next ESR write (SDM 11.5.3) and signal it through
 * the error LVT entry when that is unmasked with a legal vector (an
 * illegal one would only log another error).
 */
static void hv_lapic_error(struct hv_lapic *lapic, u32 esr_bit)
{
	u32 lvt = hv_lapic_reg(lapic, APIC_LVTERR);
	int vec = lvt & APIC_VECTOR_MASK;

	set_bit(__ffs(esr_bit), &lapic->esr_pending);
	if ((lvt & APIC_LVT_MASKED) || vec < HV_APIC_FIRST_LEGAL)
		return;
	clear_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_TMR, vec));
	set_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_IRR, vec));
	hv_vcpu_kick(lapic->vcpu, HV_REQ_EVENT);
}

/*
 * A fixed interrupt reaches IRR (SDM 11.8.4): TMR records its trigger
 * mode for the EOI, then the vCPU is told.  Returns whether it was
 * accepted: an illegal vector is refused and logged (SDM 11.5.3).
 */
static bool hv_lapic_set_irr(struct hv_lapic *lapic, int vec, bool level)
{
	if (vec < HV_APIC_FIRST_LEGAL) {
		hv_lapic_error(lapic, APIC_ESR_RECVILL);
		return false;
	}
	if (level)
		set_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_TMR, vec));
	else
		clear_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_TMR, vec));
	/* set_bit is a locked operation on x86: TMR is visible first. */
	set_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_IRR, vec));
	hv_vcpu_kick(lapic->vcpu, HV_REQ_EVENT);
	return true;
}

static void hv_lapic_post_event(struct hv_lapic *lapic, unsigned int ev)
{
	set_bit(__ffs(ev), &lapic->events);
	hv_vcpu_kick(lapic->vcpu, HV_REQ_EVENT);
}

/* One target's acceptance of @irq (SDM 11.6.1); 1 if accepted. */
static int hv_lapic_accept_irq(struct hv_lapic *lapic,
			       const struct hv_apic_irq *irq)
{
	switch (irq->delivery_mode) {
	case HV_APIC_DM_FIXED:
	case HV_APIC_DM_LOWEST:
		/* SDM 11.4.7.2: a software-disabled APIC masks these. */
		if (!hv_lapic_sw_enabled(lapic))
			return 0;
		return hv_lapic_set_irr(lapic, irq->vector, irq->level);
	case HV_APIC_DM_NMI:
		hv_lapic_post_event(lapic, HV_LAPIC_EV_NMI);
		return 1;
	case HV_APIC_DM_INIT:
		hv_lapic_post_event(lapic, HV_LAPIC_EV_INIT);
		return 1;
	case HV_APIC_DM_SIPI:
		WRITE_ONCE(lapic->sipi_vector, irq->vector);
		/* The vector before the bit: pairs with the xchg in take. */
		smp_mb__before_atomic();
		hv_lapic_post_event(lapic, HV_LAPIC_EV_SIPI);
		return 1;
	case HV_APIC_DM_EXTINT:
		/* The core asks the PIC (hv_lapic_accepts_extint). */
		hv_vcpu_kick(lapic->vcpu, HV_REQ_EVENT);
		return 1;
	default:
		/* SMI: hv has no SMM; 3 is reserved. */
		return 0;
	}
}

/* SDM 11.6.2.1 (and 11.12.9 for x2APIC): physical destination. */
static bool hv_lapic_match_physical(struct hv_lapic *lapic, u32 mda)
{
	bool x2apic = hv_lapic_x2apic(lapic);

	if (mda == (x2apic ? HV_X2APIC_BROADCAST : HV_XAPIC_BROADCAST))
		return true;
	/*
	 * As KVM: an ID an xAPIC cannot hold names the vCPU by its x2APIC
	 * ID even in xAPIC mode, so hotplugged vCPUs stay addressable.
	 */
	if (x2apic || mda > 0xff)
		return mda == lapic->vcpu->id;
	return mda == hv_lapic_reg(lapic, APIC_ID) >> 24;
}

/* SDM 11.6.2.2 (flat, cluster) and 11.12.10.2 (x2APIC cluster). */
static bool hv_lapic_match_logical(struct hv_lapic *lapic, u32 mda)
{
	u32 ldr = hv_lapic_reg(lapic, APIC_LDR);
	u32 id;

	if (hv_lapic_x2apic(lapic)) {
		if (mda == HV_X2APIC_BROADCAST)
			return true;
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	}
	if (mda == HV_XAPIC_BROADCAST)
		return true;
	id = ldr >> 24;
	switch (hv_lapic_reg(lapic, APIC_DFR) >> 28) {
	case 0xf:	/* flat: a bit per APIC */
		return id & mda;
	case 0x0:	/* cluster: 4-bit cluster, 4-bit mask */
		return (id >> 4) == (mda >> 4) && (id & mda & 0xf);
	default:	/* reserved models match nothing */
		return false;
	}
}

static bool hv_lapic_match(struct hv_lapic *lapic, struct hv_vcpu *src,
			   const struct hv_apic_irq *irq)
{
	u32 mda = irq->dest_id;

	switch (irq->shorthand) {
	case HV_APIC_SH_SELF:
		return lapic->vcpu == src;
	case HV_APIC_SH_ALL:
		return true;
	case HV_APIC_SH_OTHERS:
		return lapic->vcpu != src;
	}
	/*
	 * KVM's broadcast quirk (the ABI without KVM_CAP_X2APIC_API): a
	 * message from an IOAPIC or an MSI to 0xff is a broadcast for an
	 * APIC in x2APIC mode too, since no interrupt remapping can give
	 * those sources 32-bit destinations.
	 */
	if (!src && mda == HV_XAPIC_BROADCAST && hv_lapic_x2apic(lapic))
		mda = HV_X2APIC_BROADCAST;
	if (irq->logical)
		return hv_lapic_match_logical(lapic, mda);
	return hv_lapic_match_physical(lapic, mda);
}

/*
 * Walks the vCPUs without a lock (vm->vcpus is [p]).  A hardware-disabled
 * APIC is not on the bus at all (SDM 11.4.3), as in KVM's APIC map.
 *
 * Lowest priority goes to the first addressed APIC, in vCPU id order,
 * that accepts it (software-enabled, legal vector).  This is not the
 * arbitration of SDM 11.6.2.4: the priorities it compares belong to the
 * other vCPUs' threads (KVM, by default, hashes the vector over the
 * destinations instead).
 */
int hv_lapic_deliver(struct hv_vm *vm, struct hv_vcpu *src,
		     const struct hv_apic_irq *irq)
{
	bool lowest = irq->delivery_mode == HV_APIC_DM_LOWEST;
	int addressed = 0, accepted = 0;
	struct hv_vcpu *vcpu;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, vcpu) {
		struct hv_lapic *lapic = vcpu->lapic;

		if (!lapic || !hv_lapic_hw_enabled(lapic) ||
		    !hv_lapic_match(lapic, src, irq))
			continue;
		addressed++;
		if (lowest && accepted)
			continue;
		accepted += hv_lapic_accept_irq(lapic, irq);
	}
	return addressed ? accepted : -1;
}

/* An LVT entry's fixed interrupt (timer), unless masked (SDM 11.5.1). */
static void hv_lapic_raise_lvt(struct hv_lapic *lapic, u32 reg)
{
	u32 lvt = hv_lapic_reg(lapic, reg);

	if ((lvt & APIC_LVT_MASKED) || !hv_lapic_hw_enabled(lapic))
		return;
	hv_lapic_set_irr(lapic, lvt & APIC_VECTOR_MASK, false);
}

/* ---- the vCPU's side: entry path ---- */

int hv_lapic_pending_vector(struct hv_vcpu *vcpu)
{
	struct hv_lapic *lapic = vcpu->lapic;
	int vec;

	if (!hv_lapic_hw_enabled(lapic))
		return -1;
	vec = hv_lapic_highest_vec(lapic, APIC_IRR);
	/* SDM 11.8.3.1: only a class above PPR's is delivered. */
	if (vec < 0 || (u32)(vec & 0xf0) <= (hv_lapic_ppr(lapic) & 0xf0))
		return -1;
	return vec;
}

void hv_lapic_accept(struct hv_vcpu *vcpu, int vector)
{
	struct hv_lapic *lapic = vcpu->lapic;

	if (WARN_ON_ONCE(vector < 0 || vector > 255))
		return;
	/* SDM 11.8.4: INTA moves the vector from IRR to ISR. */
	clear_bit(vector & 31, hv_lapic_vec_word(lapic, APIC_IRR, vector));
	__set_bit(vector & 31, hv_lapic_vec_word(lapic, APIC_ISR, vector));
}

/* Any context: KVM's kvm_apic_accept_pic_intr(). */
bool hv_lapic_accepts_extint(struct hv_vcpu *vcpu)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u32 lvt0 = hv_lapic_reg(lapic, APIC_LVT0);

	/* Hardware-disabled: the PIC's INTR is the CPU's pin (11.4.3). */
	if (!hv_lapic_hw_enabled(lapic))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) &&
	       GET_APIC_DELIVERY_MODE(lvt0) == APIC_MODE_EXTINT;
}

unsigned int hv_lapic_take_events(struct hv_vcpu *vcpu, u8 *sipi_vector)
{
	struct hv_lapic *lapic = vcpu->lapic;
	unsigned long ev = xchg(&lapic->events, 0);

	*sipi_vector = READ_ONCE(lapic->sipi_vector);
	return ev;
}

/* SDM 11.8.5: EOI retires the highest in-service vector. */
static void hv_lapic_eoi(struct hv_lapic *lapic)
{
	int vec = hv_lapic_highest_vec(lapic, APIC_ISR);

	if (vec < 0)
		return;
	__clear_bit(vec & 31, hv_lapic_vec_word(lapic, APIC_ISR, vec));
	/*
	 * SDM 11.8.5: a level-triggered vector (TMR set) is broadcast to
	 * the IOAPIC, which clears its remote IRR.  As KVM, the IOAPIC
	 * hears edge vectors too: its ack notifiers (the PIT's reinjection
	 * on an edge pin) wait for them, and it turns away the vectors no
	 * pin uses without a lock.  Directed EOI (SVR bit 12) is not
	 * offered, so there is no suppression to honour.
	 */
	hv_ioapic_eoi(lapic->vcpu->vm, vec);
	hv_lapic_check_pending(lapic);
}

/* ---- IPIs (SDM 11.6.1) ---- */

static void hv_lapic_send_ipi(struct hv_lapic *lapic, u32 low, u32 high)
{
	struct hv_apic_irq irq = {
		.vector = low & APIC_VECTOR_MASK,
		.delivery_mode = GET_APIC_DELIVERY_MODE(low),
		.logical = low & APIC_DEST_LOGICAL,
		.level = low & APIC_INT_LEVELTRIG,
		.shorthand = (low >> 18) & 3,
		.dest_id = hv_lapic_x2apic(lapic) ? high : high >> 24,
	};

	/* As KVM: an INIT level de-assert does nothing (SDM 11.6.1). */
	if (irq.delivery_mode == HV_APIC_DM_INIT && irq.level &&
	    !(low & APIC_INT_ASSERT))
		return;
	if ((irq.delivery_mode == HV_APIC_DM_FIXED ||
	     irq.delivery_mode == HV_APIC_DM_LOWEST) &&
	    irq.vector < HV_APIC_FIRST_LEGAL) {
		hv_lapic_error(lapic, APIC_ESR_SENDILL);
		return;
	}
	hv_lapic_deliver(lapic->vcpu->vm, lapic->vcpu, &irq);
}

/* SDM 11.12.11: the x2APIC SELF IPI register, a fixed edge to self. */
static void hv_lapic_self_ipi(struct hv_lapic *lapic, u8 vec)
{
	if (hv_lapic_sw_enabled(lapic))
		hv_lapic_set_irr(lapic, vec, false);
}

/* ---- the timer (SDM 11.5.4, 11.5.4.1) ---- */

/* SDM 11.5.4, Figure 11-10: TDCR bits 3,1:0 select 2^(n+1), 7 is 1. */
static u32 hv_lapic_divisor(u32 tdcr)
{
	u32 n = (tdcr & 3) | ((tdcr >> 1) & 4);

	return 1U << ((n + 1) & 7);
}

static u64 hv_lapic_count_to_ns(struct hv_lapic *lapic, u32 count)
{
	return (u64)count * HV_APIC_BUS_CYCLE_NS * lapic->divide;
}

static bool hv_lapic_timer_counts(struct hv_lapic *lapic)
{
	return lapic->timer_mode == APIC_LVT_TIMER_ONESHOT ||
	       lapic->timer_mode == APIC_LVT_TIMER_PERIODIC;
}

/*
 * The current count (SDM 11.5.4), from the hrtimer's expiry: 0 once a
 * one-shot count has run out or when nothing counts.  A periodic timer
 * whose callback has not yet moved the expiry is already in its next
 * period.
 */
static u32 hv_lapic_current_count(struct hv_lapic *lapic)
{
	u64 period = READ_ONCE(lapic->period_ns);
	u32 tmict = hv_lapic_reg(lapic, APIC_TMICT);
	u64 count, late;
	s64 rem;

	if (!hv_lapic_timer_counts(lapic) || !tmict || !period ||
	    !hrtimer_active(&lapic->timer))
		return 0;
	rem = ktime_to_ns(ktime_sub(hrtimer_get_expires(&lapic->timer),
				    ktime_get()));
	if (rem < 0) {
		if (lapic->timer_mode != APIC_LVT_TIMER_PERIODIC)
			return 0;
		div64_u64_rem((u64)-rem, period, &late);
		rem = period - late;
	}
	count = div_u64(rem, HV_APIC_BUS_CYCLE_NS * lapic->divide);
	return min_t(u64, count, tmict);
}

/*
 * Start counting from @count (the initial count, or what a restored
 * state says is left): the first expiry after @count cycles, then every
 * initial count (SDM 11.5.4).  The caller has stopped the hrtimer.
 */
static void hv_lapic_timer_start(struct hv_lapic *lapic, u32 count)
{
	u32 tmict = hv_lapic_reg(lapic, APIC_TMICT);
	u64 period = hv_lapic_count_to_ns(lapic, tmict);
	bool periodic = lapic->timer_mode == APIC_LVT_TIMER_PERIODIC;
	u64 first;

	/* A timer faster than this would storm the host's CPU. */
	if (periodic && period && period < HV_APIC_MIN_PERIOD_NS)
		period = HV_APIC_MIN_PERIOD_NS;
	WRITE_ONCE(lapic->period_ns, period);
	if (!tmict || !hv_lapic_timer_counts(lapic))
		return;
	first = hv_lapic_count_to_ns(lapic, min(count, tmict));
	if (!first && periodic)
		first = period;
	hrtimer_start(&lapic->timer, ktime_add_ns(ktime_get(), first),
		      HRTIMER_MODE_ABS_HARD);
}

/* SDM 11.5.4.1: arm for IA32_TSC_DEADLINE; a past deadline fires now. */
static void hv_lapic_deadline_start(struct hv_lapic *lapic)
{
	struct hv_vcpu *vcpu = lapic->vcpu;
	u64 deadline = lapic->tsc_deadline;
	u64 now = rdtsc() + vcpu->msr.tsc_offset;
	u32 khz = vcpu->tsc_khz ? vcpu->tsc_khz : tsc_khz;
	u64 delta, ns;

	if (!deadline)
		return;
	if (deadline <= now || !khz) {
		WRITE_ONCE(lapic->tsc_deadline, 0);
		hv_lapic_raise_lvt(lapic, APIC_LVTT);
		return;
	}
	/*
	 * Centuries away: keep ktime from overflowing, and keep the
	 * 128-by-64-bit division from overflowing its 64-bit quotient
	 * (a #DE in the host) when the TSC runs below 1 GHz: the guest
	 * picks the deadline.
	 */
	delta = deadline - now;
	if (div_u64(delta, khz) >= (u64)(KTIME_MAX / 2) / NSEC_PER_MSEC)
		ns = KTIME_MAX / 2;
	else
		ns = mul_u64_u32_div(delta, NSEC_PER_MSEC, khz);
	hrtimer_start(&lapic->timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

/*
 * Hardirq context: only atomic work.  A periodic timer moves its expiry
 * by whole periods from the previous one, so no drift accumulates; if
 * the host was late by several periods, the ticks missed meanwhile
 * collapse into the one IRR bit, as they would on hardware.
 */
static enum hrtimer_restart hv_lapic_timer_fn(struct hrtimer *timer)
{
	struct hv_lapic *lapic = container_of(timer, struct hv_lapic, timer);
	u32 mode = READ_ONCE(lapic->timer_mode);
	u64 period = READ_ONCE(lapic->period_ns);

	hv_lapic_raise_lvt(lapic, APIC_LVTT);
	if (mode == APIC_LVT_TIMER_TSCDEADLINE) {
		/* SDM 11.5.4.1: the MSR reads 0 once the timer fired. */
		WRITE_ONCE(lapic->tsc_deadline, 0);
		return HRTIMER_NORESTART;
	}
	if (mode != APIC_LVT_TIMER_PERIODIC || !period)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(period));
	return HRTIMER_RESTART;
}

/* Whether the guest may select TSC-deadline mode (CPUID.1:ECX[24]). */
static u32 hv_lapic_timer_mode_mask(struct hv_lapic *lapic)
{
	if (hv_guest_cpuid_has(lapic->vcpu, 1, 2,
			       X86_FEATURE_TSC_DEADLINE_TIMER))
		return HV_LVT_TIMER_MODE;
	return APIC_LVT_TIMER_PERIODIC;
}

/* Whether @mode enters or leaves TSC-deadline mode. */
static bool hv_lapic_deadline_mode_changes(struct hv_lapic *lapic, u32 mode)
{
	bool was = lapic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE;

	return was != (mode == APIC_LVT_TIMER_TSCDEADLINE);
}

/*
 * The LVT timer's mode changed (KVM's rules): entering or leaving
 * TSC-deadline mode stops the timer and clears both the initial count
 * and the deadline (SDM 11.5.4.1); one-shot and periodic switch over
 * without a restart, the callback reading the new mode.
 */
static void hv_lapic_timer_mode_update(struct hv_lapic *lapic)
{
	u32 mode = hv_lapic_reg(lapic, APIC_LVTT) & HV_LVT_TIMER_MODE;
	u64 period = lapic->period_ns;

	if (mode == lapic->timer_mode)
		return;
	if (hv_lapic_deadline_mode_changes(lapic, mode)) {
		hrtimer_cancel(&lapic->timer);
		hv_lapic_set_reg(lapic, APIC_TMICT, 0);
		period = 0;
		WRITE_ONCE(lapic->tsc_deadline, 0);
	}
	/*
	 * The clamped period first: a one-shot expiry running meanwhile
	 * (the timer is not cancelled here) that already sees the new
	 * mode must not re-arm with a period below the floor.
	 */
	if (mode == APIC_LVT_TIMER_PERIODIC && period &&
	    period < HV_APIC_MIN_PERIOD_NS)
		period = HV_APIC_MIN_PERIOD_NS;
	WRITE_ONCE(lapic->period_ns, period);
	WRITE_ONCE(lapic->timer_mode, mode);
}

static void hv_lapic_write_tmict(struct hv_lapic *lapic, u32 val)
{
	/* SDM 11.5.4.1: the initial count is ignored in TSC-deadline mode. */
	if (lapic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	hrtimer_cancel(&lapic->timer);
	hv_lapic_set_reg(lapic, APIC_TMICT, val);
	hv_lapic_timer_start(lapic, val);
}

/* A new divisor while counting keeps the count left (as KVM). */
static void hv_lapic_write_tdcr(struct hv_lapic *lapic, u32 val)
{
	u32 divide = hv_lapic_divisor(val & HV_TDCR_MASK);
	bool counting = hrtimer_active(&lapic->timer) &&
			hv_lapic_timer_counts(lapic);
	u32 left = counting ? hv_lapic_current_count(lapic) : 0;

	hv_lapic_set_reg(lapic, APIC_TDCR, val & HV_TDCR_MASK);
	if (divide == lapic->divide)
		return;
	if (counting)
		hrtimer_cancel(&lapic->timer);
	lapic->divide = divide;
	if (counting)
		hv_lapic_timer_start(lapic, left);
	else
		WRITE_ONCE(lapic->period_ns,
			   hv_lapic_count_to_ns(lapic,
						hv_lapic_reg(lapic, APIC_TMICT)));
}

/* ---- register reads and writes (xAPIC MMIO and x2APIC MSRs) ---- */

#define HV_REG_BIT(off)		BIT_ULL((off) >> 4)
#define HV_REGS_BITS(off, n)	(HV_REG_BIT(off) * (BIT_ULL(n) - 1))

/* SDM Table 11-1 and 11-6: the registers a read may name. */
static bool hv_lapic_readable(struct hv_lapic *lapic, u32 off)
{
	u64 valid = HV_REG_BIT(APIC_ID) | HV_REG_BIT(APIC_LVR) |
		    HV_REG_BIT(APIC_TASKPRI) | HV_REG_BIT(APIC_PROCPRI) |
		    HV_REG_BIT(APIC_LDR) | HV_REG_BIT(APIC_SPIV) |
		    HV_REGS_BITS(APIC_ISR, APIC_ISR_NR) |
		    HV_REGS_BITS(APIC_TMR, APIC_ISR_NR) |
		    HV_REGS_BITS(APIC_IRR, APIC_ISR_NR) |
		    HV_REG_BIT(APIC_ESR) | HV_REG_BIT(APIC_ICR) |
		    HV_REG_BIT(APIC_LVTT) | HV_REG_BIT(APIC_LVTTHMR) |
		    HV_REG_BIT(APIC_LVTPC) | HV_REG_BIT(APIC_LVT0) |
		    HV_REG_BIT(APIC_LVT1) | HV_REG_BIT(APIC_LVTERR) |
		    HV_REG_BIT(APIC_TMICT) | HV_REG_BIT(APIC_TMCCT) |
		    HV_REG_BIT(APIC_TDCR);

	/* APR, DFR and ICR2 exist only in xAPIC mode (SDM 11.12.1.2). */
	if (!hv_lapic_x2apic(lapic))
		valid |= HV_REG_BIT(APIC_ARBPRI) | HV_REG_BIT(APIC_DFR) |
			 HV_REG_BIT(APIC_ICR2);
	return off < APIC_SELF_IPI + 0x10 && !(off & 0xf) &&
	       (valid & HV_REG_BIT(off));
}

/* A readable register's value (@off from hv_lapic_readable). */
static u32 hv_lapic_read(struct hv_lapic *lapic, u32 off)
{
	switch (off) {
	case APIC_TASKPRI:
		return hv_lapic_tpr(lapic);
	case APIC_PROCPRI:
		return hv_lapic_ppr(lapic);
	case APIC_ARBPRI:
		return 0;	/* as KVM: no arbitration is modelled */
	case APIC_TMCCT:
		return hv_lapic_current_count(lapic);
	default:
		return hv_lapic_reg(lapic, off);
	}
}

/* SDM 11.4.7.2: software disable masks every LVT entry. */
static void hv_lapic_write_svr(struct hv_lapic *lapic, u32 val)
{
	u32 off;

	hv_lapic_set_reg(lapic, APIC_SPIV, val & HV_SVR_MASK);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		hv_lapic_set_reg(lapic, off,
				 hv_lapic_reg(lapic, off) | APIC_LVT_MASKED);
}

static u32 hv_lapic_lvt_mask(struct hv_lapic *lapic, u32 off)
{
	switch (off) {
	case APIC_LVTT:
		return HV_LVT_COMMON | hv_lapic_timer_mode_mask(lapic);
	case APIC_LVTTHMR:
	case APIC_LVTPC:
		return HV_LVT_WITH_MODE;
	case APIC_LVT0:
	case APIC_LVT1:
		return HV_LVT_LINT;
	default:
		return HV_LVT_COMMON;	/* error */
	}
}

static void hv_lapic_write_lvt(struct hv_lapic *lapic, u32 off, u32 val)
{
	/* SDM 11.4.7.2: the mask bits stay set while software-disabled. */
	if (!hv_lapic_sw_enabled(lapic))
		val |= APIC_LVT_MASKED;
	hv_lapic_set_reg(lapic, off, val & hv_lapic_lvt_mask(lapic, off));
	if (off == APIC_LVTT)
		hv_lapic_timer_mode_update(lapic);
	/* LINT0 may now take the PIC's output: let the core look. */
	if (off == APIC_LVT0)
		hv_vcpu_request(lapic->vcpu, HV_REQ_EVENT);
}

/*
 * A 32-bit register write; ICR in x2APIC mode is the caller's (one
 * 64-bit MSR).  Returns 1 where x2APIC raises #GP (read-only and
 * reserved registers, SDM 11.12.1.2); xAPIC MMIO ignores the same
 * writes.
 */
static int hv_lapic_write(struct hv_lapic *lapic, u32 off, u32 val)
{
	bool x2apic = hv_lapic_x2apic(lapic);

	switch (off) {
	case APIC_ID:
		/* xAPIC IDs are writable (SDM 11.4.6); x2APIC's are not. */
		if (x2apic)
			return 1;
		hv_lapic_set_reg(lapic, APIC_ID, val & 0xff000000U);
		break;
	case APIC_TASKPRI:
		hv_lapic_write_tpr(lapic, val);
		hv_lapic_check_pending(lapic);
		break;
	case APIC_EOI:
		/* SDM 11.12.1.2: x2APIC takes only 0 here. */
		if (x2apic && val)
			return 1;
		hv_lapic_eoi(lapic);
		break;
	case APIC_LDR:
		if (x2apic)
			return 1;
		hv_lapic_set_reg(lapic, APIC_LDR, val & HV_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2apic)
			return 1;
		hv_lapic_set_reg(lapic, APIC_DFR, val | HV_DFR_RESERVED);
		break;
	case APIC_SPIV:
		hv_lapic_write_svr(lapic, val);
		hv_lapic_check_pending(lapic);
		break;
	case APIC_ESR:
		/* SDM 11.5.3: the write publishes the errors logged since. */
		if (x2apic && val)
			return 1;
		hv_lapic_set_reg(lapic, APIC_ESR,
				 xchg(&lapic->esr_pending, 0));
		break;
	case APIC_ICR:
		/* SDM 11.6.1: no bus to wait for, so never "send pending". */
		val &= ~APIC_ICR_BUSY;
		hv_lapic_set_reg(lapic, APIC_ICR, val);
		hv_lapic_send_ipi(lapic, val, hv_lapic_reg(lapic, APIC_ICR2));
		break;
	case APIC_ICR2:
		if (x2apic)
			return 1;
		hv_lapic_set_reg(lapic, APIC_ICR2, val & HV_ICR2_XAPIC_MASK);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		hv_lapic_write_lvt(lapic, off, val);
		break;
	case APIC_TMICT:
		hv_lapic_write_tmict(lapic, val);
		break;
	case APIC_TDCR:
		hv_lapic_write_tdcr(lapic, val);
		break;
	case APIC_SELF_IPI:
		if (!x2apic || (val & ~APIC_VECTOR_MASK))
			return 1;
		hv_lapic_self_ipi(lapic, val);
		break;
	default:
		/* Read-only (version, PPR, ISR, ...) or reserved. */
		return 1;
	}
	return 0;
}

/* ---- xAPIC MMIO ---- */

static struct hv_lapic *to_lapic(struct hv_io_device *dev)
{
	return container_of(dev, struct hv_lapic, mmio);
}

/*
 * The page's offset of @addr, or -1 when the access is not ours: the
 * APIC hardware-disabled or in x2APIC mode (SDM 11.12.1.2: the page is
 * then ordinary memory or nothing), or @addr outside the page.
 */
static s64 hv_lapic_mmio_offset(struct hv_lapic *lapic, u64 addr)
{
	u64 base = hv_lapic_base(lapic);
	u64 page = base & PAGE_MASK;

	if ((base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) !=
	    MSR_IA32_APICBASE_ENABLE)
		return -1;
	if (addr < page || addr - page >= PAGE_SIZE)
		return -1;
	return addr - page;
}

/*
 * SDM 11.4.1: registers are 32 bits wide, 16-byte aligned.  As KVM, a
 * narrower read returns its bytes of the aligned dword; a read that
 * crosses the dword, or of a reserved register, reads 0.
 */
static int hv_lapic_mmio_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			      u64 addr, u32 len, void *val)
{
	struct hv_lapic *lapic = to_lapic(dev);
	s64 off = hv_lapic_mmio_offset(lapic, addr);
	u32 align, reg, v;

	if (off < 0)
		return -EOPNOTSUPP;
	memset(val, 0, len);
	align = off & 0xf;
	reg = off & ~0xfULL;
	if (align + len > 4 || !hv_lapic_readable(lapic, reg))
		return 0;
	v = hv_lapic_read(lapic, reg);
	memcpy(val, (u8 *)&v + align, len);
	return 0;
}

/* SDM 11.4.1: only aligned 32-bit writes reach a register (as KVM). */
static int hv_lapic_mmio_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			       u64 addr, u32 len, const void *val)
{
	struct hv_lapic *lapic = to_lapic(dev);
	s64 off = hv_lapic_mmio_offset(lapic, addr);

	if (off < 0)
		return -EOPNOTSUPP;
	if (len != 4 || (off & 0xf))
		return 0;
	/* ICR's write in xAPIC mode sends with ICR2 as it is. */
	hv_lapic_write(lapic, off, get_unaligned((const u32 *)val));
	return 0;
}

static const struct hv_io_device_ops hv_lapic_mmio_ops = {
	.read = hv_lapic_mmio_read,
	.write = hv_lapic_mmio_write,
};

/* ---- MSRs: x2APIC (SDM 11.12.1.2) and IA32_TSC_DEADLINE ---- */

#define HV_X2APIC_MSR_LAST	(APIC_BASE_MSR + 0xff)

static int hv_lapic_get_deadline(struct hv_lapic *lapic, u64 *val)
{
	/* As KVM: the MSR reads 0 outside TSC-deadline mode. */
	*val = lapic->timer_mode == APIC_LVT_TIMER_TSCDEADLINE ?
	       READ_ONCE(lapic->tsc_deadline) : 0;
	return 0;
}

static int hv_lapic_set_deadline(struct hv_lapic *lapic, u64 val)
{
	/* SDM 11.5.4.1: ignored outside TSC-deadline mode; 0 disarms. */
	if (lapic->timer_mode != APIC_LVT_TIMER_TSCDEADLINE)
		return 0;
	hrtimer_cancel(&lapic->timer);
	WRITE_ONCE(lapic->tsc_deadline, val);
	hv_lapic_deadline_start(lapic);
	return 0;
}

int hv_lapic_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u32 off = (msr - APIC_BASE_MSR) << 4;

	if (!lapic)
		return 1;
	if (msr == MSR_IA32_TSC_DEADLINE)
		return hv_lapic_get_deadline(lapic, val);
	if (msr < APIC_BASE_MSR || msr > HV_X2APIC_MSR_LAST ||
	    !hv_lapic_x2apic(lapic))
		return 1;
	if (off == APIC_ICR) {
		*val = hv_lapic_reg(lapic, APIC_ICR) |
		       (u64)hv_lapic_reg(lapic, APIC_ICR2) << 32;
		return 0;
	}
	/* Write-only (EOI, SELF IPI) and reserved registers: #GP. */
	if (!hv_lapic_readable(lapic, off))
		return 1;
	*val = hv_lapic_read(lapic, off);
	return 0;
}

/* SDM 11.12.9: ICR is one 64-bit register, the destination in 63:32. */
static int hv_lapic_write_x2apic_icr(struct hv_lapic *lapic, u64 val)
{
	if (val & HV_X2APIC_ICR_RESERVED)
		return 1;
	val &= ~(u64)APIC_ICR_BUSY;
	hv_lapic_set_reg(lapic, APIC_ICR, lower_32_bits(val));
	hv_lapic_set_reg(lapic, APIC_ICR2, upper_32_bits(val));
	hv_lapic_send_ipi(lapic, lower_32_bits(val), upper_32_bits(val));
	return 0;
}

int hv_lapic_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u32 off = (msr - APIC_BASE_MSR) << 4;

	if (!lapic)
		return 1;
	if (msr == MSR_IA32_TSC_DEADLINE)
		return hv_lapic_set_deadline(lapic, val);
	if (msr < APIC_BASE_MSR || msr > HV_X2APIC_MSR_LAST ||
	    !hv_lapic_x2apic(lapic))
		return 1;
	if (off == APIC_ICR)
		return hv_lapic_write_x2apic_icr(lapic, val);
	/* The other registers are 32 bits; 63:32 are reserved. */
	if (upper_32_bits(val))
		return 1;
	return hv_lapic_write(lapic, off, val);
}

/* ---- IA32_APIC_BASE (SDM 11.4.4, 11.12.5) ---- */

/*
 * Applies @apic_base, which the caller has validated, and stores it in
 * vcpu->apic_base.  The transitions KVM acts on: enabling gives the
 * xAPIC its ID from the vCPU's (SDM 11.4.6), entering x2APIC mode sets
 * the x2APIC ID and the logical ID derived from it (SDM 11.12.5.1).
 * Nothing else is reset, as in KVM.
 */
void hv_lapic_set_base(struct hv_vcpu *vcpu, u64 apic_base)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u64 old = lapic->base;
	u64 changed = old ^ apic_base;

	WRITE_ONCE(vcpu->apic_base, apic_base);
	lapic->base = apic_base;
	if ((changed & MSR_IA32_APICBASE_ENABLE) &&
	    (apic_base & MSR_IA32_APICBASE_ENABLE))
		hv_lapic_set_reg(lapic, APIC_ID, vcpu->id << 24);
	if ((changed & X2APIC_ENABLE) && (apic_base & X2APIC_ENABLE)) {
		hv_lapic_set_reg(lapic, APIC_ID, vcpu->id);
		hv_lapic_set_reg(lapic, APIC_LDR, hv_x2apic_ldr(vcpu->id));
	}
	/* Interrupts held in IRR may be deliverable again. */
	if (changed & MSR_IA32_APICBASE_ENABLE)
		hv_vcpu_request(vcpu, HV_REQ_EVENT);
}

/* ---- reset, state ---- */

/* KVM's kvm_vcpu_is_reset_bsp(): the vCPU HV_SET_BOOT_CPU_ID names. */
static bool hv_lapic_is_bsp(struct hv_vcpu *vcpu)
{
	return vcpu->id == READ_ONCE(vcpu->vm->boot_vcpu_id);
}

/*
 * SDM 11.4.7.3 (and 11.12.5.1 for x2APIC): RESET and INIT set the same
 * registers, except that INIT keeps IA32_APIC_BASE, the APIC ID and, in
 * x2APIC mode, the logical ID.  As KVM (its LINT0_REENABLED quirk, on
 * by default), the BSP's LINT0 comes out unmasked in ExtINT mode, so
 * that the PIC reaches it without the firmware programming the APIC.
 */
void hv_lapic_reset(struct hv_vcpu *vcpu, bool init)
{
	struct hv_lapic *lapic = vcpu->lapic;
	bool bsp = hv_lapic_is_bsp(vcpu);
	u32 off;
	int i;

	hrtimer_cancel(&lapic->timer);
	if (!init) {
		hv_lapic_set_base(vcpu, APIC_DEFAULT_PHYS_BASE |
				  MSR_IA32_APICBASE_ENABLE |
				  (bsp ? MSR_IA32_APICBASE_BSP : 0));
		/* SDM 11.4.6: RESET sets the ID even if already enabled. */
		hv_lapic_set_reg(lapic, APIC_ID, vcpu->id << 24);
		xchg(&lapic->events, 0);
	}
	hv_lapic_set_reg(lapic, APIC_LVR, HV_APIC_LVR_VALUE);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		hv_lapic_set_reg(lapic, off, APIC_LVT_MASKED);
	if (bsp)
		hv_lapic_set_reg(lapic, APIC_LVT0,
				 SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT));
	WRITE_ONCE(lapic->timer_mode, APIC_LVT_TIMER_ONESHOT);
	WRITE_ONCE(lapic->period_ns, 0);
	WRITE_ONCE(lapic->tsc_deadline, 0);

	hv_lapic_set_reg(lapic, APIC_DFR, APIC_DFR_FLAT);
	hv_lapic_set_reg(lapic, APIC_SPIV, 0xff);
	hv_lapic_write_tpr(lapic, 0);
	if (!hv_lapic_x2apic(lapic))
		hv_lapic_set_reg(lapic, APIC_LDR, 0);
	hv_lapic_set_reg(lapic, APIC_ESR, 0);
	xchg(&lapic->esr_pending, 0);
	hv_lapic_set_reg(lapic, APIC_ICR, 0);
	hv_lapic_set_reg(lapic, APIC_ICR2, 0);
	hv_lapic_set_reg(lapic, APIC_TDCR, 0);
	lapic->divide = hv_lapic_divisor(0);
	hv_lapic_set_reg(lapic, APIC_TMICT, 0);
	hv_lapic_set_reg(lapic, APIC_TMCCT, 0);
	for (i = 0; i < APIC_ISR_NR; i++) {
		hv_lapic_set_reg(lapic, APIC_IRR + i * 0x10, 0);
		hv_lapic_set_reg(lapic, APIC_ISR + i * 0x10, 0);
		hv_lapic_set_reg(lapic, APIC_TMR + i * 0x10, 0);
	}
}

static u32 hv_state_reg(const struct hv_lapic_state *s, u32 off)
{
	return get_unaligned((const u32 *)(s->regs + off));
}

static void hv_state_set_reg(struct hv_lapic_state *s, u32 off, u32 val)
{
	put_unaligned(val, (u32 *)(s->regs + off));
}

/*
 * KVM's format: the page's first 1 KiB with TPR, PPR and the current
 * count computed, and in x2APIC mode the ID as (x2APIC ID << 24) since
 * hv does not offer KVM_CAP_X2APIC_API; ICR's high half is in ICR2's
 * slot in both modes, as KVM shows it.
 */
int hv_lapic_get_state(struct hv_vcpu *vcpu, struct hv_lapic_state *s)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u32 off;

	for (off = 0; off < HV_APIC_REG_SIZE; off += sizeof(u32))
		hv_state_set_reg(s, off, hv_lapic_reg(lapic, off));
	hv_state_set_reg(s, APIC_TASKPRI, hv_lapic_tpr(lapic));
	hv_state_set_reg(s, APIC_PROCPRI, hv_lapic_ppr(lapic));
	hv_state_set_reg(s, APIC_TMCCT, hv_lapic_current_count(lapic));
	if (hv_lapic_x2apic(lapic))
		hv_state_set_reg(s, APIC_ID, vcpu->id << 24);
	return 0;
}

/*
 * The 256-bit registers as given, the illegal vectors 0-15 (SDM 11.5.3)
 * included, as KVM keeps them (its selftests pass data through IRR): a
 * vector below 16 is in priority class 0, which PPR never lets through,
 * so it is never delivered.
 */
static void hv_lapic_restore_vectors(struct hv_lapic *lapic,
				     const struct hv_lapic_state *s, u32 reg)
{
	int i;

	for (i = 0; i < APIC_ISR_NR; i++)
		hv_lapic_set_reg(lapic, reg + i * 0x10,
				 hv_state_reg(s, reg + i * 0x10));
}

/*
 * Every register through the masks a guest write would apply, so that
 * no state userspace gives breaks what the rest of the model assumes.
 * Registers with no state (EOI, SELF IPI, reserved) read 0.
 */
static void hv_lapic_restore_regs(struct hv_lapic *lapic,
				  const struct hv_lapic_state *s)
{
	struct hv_vcpu *vcpu = lapic->vcpu;
	bool x2apic = hv_lapic_x2apic(lapic);
	u32 off;

	memset(lapic->regs, 0, HV_APIC_REG_SIZE);
	if (x2apic) {
		hv_lapic_set_reg(lapic, APIC_ID, vcpu->id);
		hv_lapic_set_reg(lapic, APIC_LDR, hv_x2apic_ldr(vcpu->id));
		hv_lapic_set_reg(lapic, APIC_ICR2, hv_state_reg(s, APIC_ICR2));
	} else {
		hv_lapic_set_reg(lapic, APIC_ID,
				 hv_state_reg(s, APIC_ID) & 0xff000000U);
		hv_lapic_set_reg(lapic, APIC_LDR,
				 hv_state_reg(s, APIC_LDR) & HV_LDR_MASK);
		hv_lapic_set_reg(lapic, APIC_ICR2,
				 hv_state_reg(s, APIC_ICR2) &
				 HV_ICR2_XAPIC_MASK);
	}
	hv_lapic_set_reg(lapic, APIC_LVR, HV_APIC_LVR_VALUE);
	hv_lapic_write_tpr(lapic, hv_state_reg(s, APIC_TASKPRI));
	hv_lapic_set_reg(lapic, APIC_DFR,
			 hv_state_reg(s, APIC_DFR) | HV_DFR_RESERVED);
	hv_lapic_set_reg(lapic, APIC_SPIV,
			 hv_state_reg(s, APIC_SPIV) & HV_SVR_MASK);
	hv_lapic_restore_vectors(lapic, s, APIC_ISR);
	hv_lapic_restore_vectors(lapic, s, APIC_TMR);
	hv_lapic_restore_vectors(lapic, s, APIC_IRR);
	hv_lapic_set_reg(lapic, APIC_ESR, hv_state_reg(s, APIC_ESR) & 0xff);
	xchg(&lapic->esr_pending, 0);
	hv_lapic_set_reg(lapic, APIC_ICR,
			 hv_state_reg(s, APIC_ICR) & ~APIC_ICR_BUSY);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		hv_lapic_set_reg(lapic, off, hv_state_reg(s, off) &
				 hv_lapic_lvt_mask(lapic, off));
	hv_lapic_set_reg(lapic, APIC_TMICT, hv_state_reg(s, APIC_TMICT));
	hv_lapic_set_reg(lapic, APIC_TDCR,
			 hv_state_reg(s, APIC_TDCR) & HV_TDCR_MASK);
	lapic->divide = hv_lapic_divisor(hv_lapic_reg(lapic, APIC_TDCR));
}

/*
 * As KVM's kvm_apic_set_state(): the timer restarts from the restored
 * current count (a periodic one with none left from a whole period, a
 * one-shot one fires at once, a count above the initial count is
 * clamped to it), or from the deadline the MSR still holds in
 * TSC-deadline mode (the deadline is not part of this state).
 */
int hv_lapic_set_state(struct hv_vcpu *vcpu, const struct hv_lapic_state *s)
{
	struct hv_lapic *lapic = vcpu->lapic;
	u32 mode, tmcct;

	/* Whatever the core stored in vcpu->apic_base is what applies. */
	if (vcpu->apic_base != lapic->base)
		hv_lapic_set_base(vcpu, vcpu->apic_base);
	/* x2APIC IDs are read-only: the state must name this vCPU. */
	if (hv_lapic_x2apic(lapic) &&
	    hv_state_reg(s, APIC_ID) >> 24 != (vcpu->id & 0xff))
		return -EINVAL;

	hrtimer_cancel(&lapic->timer);
	hv_lapic_restore_regs(lapic, s);

	/* As KVM: a mode the guest's CPUID lacks is not entered. */
	mode = hv_lapic_reg(lapic, APIC_LVTT) & hv_lapic_timer_mode_mask(lapic);
	if (hv_lapic_deadline_mode_changes(lapic, mode))
		WRITE_ONCE(lapic->tsc_deadline, 0);
	WRITE_ONCE(lapic->timer_mode, mode);
	if (mode == APIC_LVT_TIMER_TSCDEADLINE) {
		WRITE_ONCE(lapic->period_ns, 0);
		hv_lapic_deadline_start(lapic);
	} else {
		tmcct = hv_state_reg(s, APIC_TMCCT);
		if (!tmcct && mode == APIC_LVT_TIMER_PERIODIC)
			tmcct = hv_lapic_reg(lapic, APIC_TMICT);
		hv_lapic_timer_start(lapic, tmcct);
	}
	hv_vcpu_kick(vcpu, HV_REQ_EVENT);
	return 0;
}

/* ---- creation ---- */

int hv_lapic_create(struct hv_vcpu *vcpu)
{
	struct hv_lapic *lapic;

	lapic = kzalloc(sizeof(*lapic), GFP_KERNEL_ACCOUNT);
	if (!lapic)
		return -ENOMEM;
	lapic->vcpu = vcpu;
	lapic->mmio.ops = &hv_lapic_mmio_ops;
	lapic->base = vcpu->apic_base;
	hrtimer_init(&lapic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	lapic->timer.function = hv_lapic_timer_fn;
	vcpu->lapic = lapic;
	hv_lapic_reset(vcpu, false);
	/* Last: io_bus reads it without a lock (READ_ONCE). */
	WRITE_ONCE(vcpu->apic_mmio, &lapic->mmio);
	return 0;
}

void hv_lapic_free(struct hv_vcpu *vcpu)
{
	struct hv_lapic *lapic = vcpu->lapic;

	if (!lapic)
		return;
	hrtimer_cancel(&lapic->timer);
	WRITE_ONCE(vcpu->apic_mmio, NULL);
	vcpu->lapic = NULL;
	kfree(lapic);
}
