// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC: 24 interrupt pins turned into messages to the local APICs,
 * modelled on the Intel 82093AA (datasheet 290566-001) as KVM presents
 * it, since KVM's behaviour is the ABI: version 0x11, no EOI register
 * (remote IRR is cleared by the local APICs' EOI broadcast), its
 * register window at HV_IOAPIC_BASE.
 *
 * Each pin's line is the OR of the levels its sources drive (a bit per
 * irq source id, HV_IRQ_SOURCE_*).  irr holds the lines as seen by the
 * redirection logic:
 *   - edge-triggered: a message goes out when the line rises; while it
 *     stays high, further assertions are coalesced (set_irq returns 0).
 *     A masked pin loses the edge (82093AA 3.2.4, Interrupt Mask), but
 *     irr_delivered remembers which edges went out, so that the state
 *     userspace saves shows the undelivered ones, as KVM's does.
 *   - level-triggered: a message goes out while the line is high and
 *     remote IRR is clear, which sets remote IRR until a local APIC EOIs
 *     the vector (hv_ioapic_eoi), and then again if the line is still
 *     high.  A pin that is unmasked, or made level, with its line high
 *     is examined again at the write.
 *
 * A guest that EOIs a level interrupt without quieting its source would
 * have it redelivered at once, forever.  Real hardware lets the CPU run
 * some instructions between the EOI broadcast and the next message; as
 * KVM, after HV_IOAPIC_STORM_EOIS successive EOIs of a still-asserted
 * pin the redelivery is deferred by 10 ms (storm_work), so that the
 * guest makes progress.  It bounds no host resource: every EOI is the
 * guest's own vCPU time.
 *
 * Not modelled, as on KVM: polarity (lines are "asserted", not high or
 * low), delivery status (never set: messages are never pending on a
 * bus).  Not modelled, unlike KVM: the RTC pin's coalescing report
 * (KVM tracks the EOIs of GSI 8 per vCPU to return 0 for a tick the
 * guest has not yet EOId), and mask notifiers (nothing here uses them).
 *
 * Locking legend:
 *   [c]  constant after hv_ioapic_create
 *   [i]  ioapic->lock: a spinlock taken with interrupts off, since lines
 *        change from any context but NMI (hrtimers, eventfd wake-ups).
 *        Nothing under it sleeps; hv_lapic_deliver() is called under it
 *        (it never sleeps nor calls back here), hv_irqchip_ack() never
 *        (an ack notifier may set a line again, re-entering here).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "core/hv.h"
#include "io/irqchip.h"

/* 82093AA 3.1: the direct registers, at offsets of the window. */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10

/* 82093AA 3.2: the indirect registers IOREGSEL selects. */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* two per pin: low, high dword */

/* IOAPICVER (3.2.2): KVM's version, and the highest entry's index. */
#define IOAPIC_VERSION		0x11
#define IOAPIC_VER_VALUE	(IOAPIC_VERSION | \
				 ((HV_IOAPIC_NR_PINS - 1) << 16))
/* IOAPICID (3.2.1) and IOAPICARB (3.2.3): a 4-bit ID in bits 27:24. */
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0xf

/* A redirection table entry (82093AA 3.2.4). */
#define RTE_VECTOR		GENMASK_ULL(7, 0)
#define RTE_DELIVERY_MODE	GENMASK_ULL(10, 8)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)	/* read-only */
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)	/* read-only */
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST		GENMASK_ULL(63, 56)
#define RTE_READ_ONLY		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

/* KVM's bound (IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT) and its delay. */
#define HV_IOAPIC_STORM_EOIS	10000
#define HV_IOAPIC_STORM_DELAY	(HZ / 100)

#define HV_IOAPIC_ALL_PINS	GENMASK(HV_IOAPIC_NR_PINS - 1, 0)
#define HV_IOAPIC_NR_VECTORS	256

struct hv_ioapic {
	struct hv_vm *vm;				/* [c] */
	struct hv_io_device io;				/* [c] */
	spinlock_t lock;
	u32 ioregsel;					/* [i] */
	u32 id;						/* [i] */
	u32 irr;					/* [i] lines */
	u32 irr_delivered;				/* [i] edges sent */
	u64 redtbl[HV_IOAPIC_NR_PINS];			/* [i] */
	unsigned long levels[HV_IOAPIC_NR_PINS];	/* [i] per source */
	u32 successive_eois[HV_IOAPIC_NR_PINS];		/* [i] */
	/* [i] written, read without it: the vectors some pin uses */
	DECLARE_BITMAP(vectors, HV_IOAPIC_NR_VECTORS);
	struct delayed_work storm_work;			/* [c] */
};

static struct hv_ioapic *to_ioapic(struct hv_io_device *dev)
{
	return container_of(dev, struct hv_ioapic, io);
}

/*
 * Send @pin's message if its entry lets it.  Returns what KVM's
 * ioapic_service() returns: -1 if masked, or if a level pin awaits its
 * EOI; otherwise hv_lapic_deliver()'s count (-1: no APIC addressed).
 */
static int hv_ioapic_service(struct hv_ioapic *ioapic, unsigned int pin)
{
	u64 e = ioapic->redtbl[pin];
	struct hv_apic_irq irq;
	bool level = e & RTE_LEVEL;
	int r;

	lockdep_assert_held(&ioapic->lock);
	if ((e & RTE_MASKED) || (level && (e & RTE_REMOTE_IRR)))
		return -1;
	irq = (struct hv_apic_irq){
		.vector = FIELD_GET(RTE_VECTOR, e),
		.delivery_mode = FIELD_GET(RTE_DELIVERY_MODE, e),
		.logical = e & RTE_DEST_LOGICAL,
		.level = level,
		.shorthand = HV_APIC_SH_NONE,
		.dest_id = FIELD_GET(RTE_DEST, e),
	};
	if (!level)
		ioapic->irr_delivered |= BIT(pin);
	r = hv_lapic_deliver(ioapic->vm, NULL, &irq);
	/*
	 * As KVM, remote IRR is set even when no APIC was addressed (-1):
	 * the guest then clears it by EOI or by making the pin edge.
	 */
	if (r && level)
		ioapic->redtbl[pin] |= RTE_REMOTE_IRR;
	return r;
}

/*
 * @pin's line is now @asserted.  Returns as KVM_IRQ_LINE_STATUS reports:
 * 1 for a line lowered, 0 for an edge coalesced with one not yet gone
 * down, else hv_ioapic_service()'s value.
 */
static int hv_ioapic_set_line(struct hv_ioapic *ioapic, unsigned int pin,
			      bool asserted)
{
	u32 bit = BIT(pin);
	u32 old = ioapic->irr;

	lockdep_assert_held(&ioapic->lock);
	if (!asserted) {
		ioapic->irr &= ~bit;
		return 1;
	}
	ioapic->irr |= bit;
	if (!(ioapic->redtbl[pin] & RTE_LEVEL)) {
		ioapic->irr_delivered &= ~bit;
		if (old & bit)
			return 0;
	}
	return hv_ioapic_service(ioapic, pin);
}

/* Level pins left high and not awaiting an EOI: send them again. */
static void hv_ioapic_service_levels(struct hv_ioapic *ioapic)
{
	unsigned int pin;

	lockdep_assert_held(&ioapic->lock);
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		if ((ioapic->irr & BIT(pin)) &&
		    (ioapic->redtbl[pin] & RTE_LEVEL))
			hv_ioapic_service(ioapic, pin);
}

static void hv_ioapic_storm_work(struct work_struct *work)
{
	struct hv_ioapic *ioapic = container_of(to_delayed_work(work),
						struct hv_ioapic, storm_work);
	unsigned long flags;

	spin_lock_irqsave(&ioapic->lock, flags);
	hv_ioapic_service_levels(ioapic);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/*
 * Recompute the vectors the pins use, for hv_ioapic_eoi() to skip, without
 * the lock, the EOIs that are none of ours.  Built aside and stored a
 * word at a time, so that a vector in use before and after the change is
 * never seen missing: an EOI is never lost, at worst one is looked at
 * for nothing.
 */
static void hv_ioapic_update_vectors(struct hv_ioapic *ioapic)
{
	DECLARE_BITMAP(v, HV_IOAPIC_NR_VECTORS);
	unsigned int pin, i;

	lockdep_assert_held(&ioapic->lock);
	bitmap_zero(v, HV_IOAPIC_NR_VECTORS);
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		__set_bit(FIELD_GET(RTE_VECTOR, ioapic->redtbl[pin]), v);
	for (i = 0; i < BITS_TO_LONGS(HV_IOAPIC_NR_VECTORS); i++)
		WRITE_ONCE(ioapic->vectors[i], v[i]);
}

/* ---- the register window ---- */

static u32 hv_ioapic_read_indirect(struct hv_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel;
	u32 pin;
	u64 e;

	switch (sel) {
	case IOAPIC_REG_VER:
		return IOAPIC_VER_VALUE;
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		/* KVM answers the ID for the arbitration ID too. */
		return (ioapic->id & IOAPIC_ID_MASK) << IOAPIC_ID_SHIFT;
	}
	/* Unsigned: registers 3-0xf wrap around and read as no entry. */
	pin = (sel - IOAPIC_REG_REDTBL) >> 1;
	if (pin >= HV_IOAPIC_NR_PINS)
		return ~0U;
	e = ioapic->redtbl[array_index_nospec(pin, HV_IOAPIC_NR_PINS)];
	return (sel & 1) ? upper_32_bits(e) : lower_32_bits(e);
}

static void hv_ioapic_write_redtbl(struct hv_ioapic *ioapic, u32 sel,
				   u32 val)
{
	u32 pin = (sel - IOAPIC_REG_REDTBL) >> 1;
	u64 *e, old, new;

	if (pin >= HV_IOAPIC_NR_PINS)
		return;
	pin = array_index_nospec(pin, HV_IOAPIC_NR_PINS);
	e = &ioapic->redtbl[pin];
	old = *e;
	if (sel & 1)
		new = ((u64)val << 32) | lower_32_bits(old);
	else
		new = (old & GENMASK_ULL(63, 32)) | val;
	new = (new & ~RTE_READ_ONLY) | (old & RTE_READ_ONLY);
	/*
	 * The 82093AA has no EOI register; Linux and Xen clear a stuck
	 * remote IRR by making the pin edge-triggered for a moment, which
	 * KVM honours by clearing it on any write that leaves the pin edge.
	 */
	if (!(new & RTE_LEVEL))
		new &= ~RTE_REMOTE_IRR;
	*e = new;
	if ((old ^ new) & RTE_VECTOR)
		hv_ioapic_update_vectors(ioapic);
	/* A level line held high while masked (or edge) is sent now. */
	if ((new & RTE_LEVEL) && (ioapic->irr & BIT(pin)))
		hv_ioapic_service(ioapic, pin);
}

static void hv_ioapic_write_indirect(struct hv_ioapic *ioapic, u32 val)
{
	switch (ioapic->ioregsel) {
	case IOAPIC_REG_ID:
		ioapic->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
		break;
	case IOAPIC_REG_VER:
	case IOAPIC_REG_ARB:
		break;		/* read-only */
	default:
		hv_ioapic_write_redtbl(ioapic, ioapic->ioregsel, val);
		break;
	}
}

/*
 * The bus hands us only accesses within the window.  As KVM: only the
 * exact offsets of IOREGSEL and IOWIN mean anything (the rest of the
 * window reads as 0 and ignores writes, the EOI register at 0x40 of
 * later versions included), any width up to 8 bytes reaches them, an
 * 8-byte read returns the register zero-extended.
 */
static int hv_ioapic_mmio_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			       u64 addr, u32 len, void *val)
{
	struct hv_ioapic *ioapic = to_ioapic(dev);
	unsigned long flags;
	u64 v = 0;

	spin_lock_irqsave(&ioapic->lock, flags);
	switch (addr - HV_IOAPIC_BASE) {
	case IOAPIC_IOREGSEL:
		v = ioapic->ioregsel;
		break;
	case IOAPIC_IOWIN:
		v = hv_ioapic_read_indirect(ioapic);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	if (len > sizeof(v)) {
		memset(val, 0, len);
		return 0;
	}
	memcpy(val, &v, len);
	return 0;
}

static int hv_ioapic_mmio_write(struct hv_io_device *dev,
				struct hv_vcpu *vcpu, u64 addr, u32 len,
				const void *val)
{
	struct hv_ioapic *ioapic = to_ioapic(dev);
	unsigned long flags;
	u32 v = 0;

	switch (len) {
	case 1:
	case 2:
	case 4:
	case 8:
		/* x86 is little-endian: the low dword of a qword write. */
		memcpy(&v, val, min_t(u32, len, sizeof(v)));
		break;
	default:
		return 0;	/* dropped, as KVM */
	}
	spin_lock_irqsave(&ioapic->lock, flags);
	switch (addr - HV_IOAPIC_BASE) {
	case IOAPIC_IOREGSEL:
		ioapic->ioregsel = v & 0xff;	/* an 8-bit register */
		break;
	case IOAPIC_IOWIN:
		hv_ioapic_write_indirect(ioapic, v);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

static const struct hv_io_device_ops hv_ioapic_ops = {
	.read = hv_ioapic_mmio_read,
	.write = hv_ioapic_mmio_write,
};

/* ---- lines and EOIs ---- */

int hv_ioapic_set_irq(struct hv_vm *vm, int pin, int irq_source_id,
		      int level)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;
	unsigned long flags;
	int r;

	if (WARN_ON_ONCE(pin < 0 || pin >= HV_IOAPIC_NR_PINS ||
			 irq_source_id < 0 ||
			 irq_source_id >= HV_IRQ_SOURCE_MAX))
		return -1;
	spin_lock_irqsave(&ioapic->lock, flags);
	if (level)
		__set_bit(irq_source_id, &ioapic->levels[pin]);
	else
		__clear_bit(irq_source_id, &ioapic->levels[pin]);
	r = hv_ioapic_set_line(ioapic, pin, ioapic->levels[pin] != 0);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return r;
}

void hv_ioapic_clear_source(struct hv_vm *vm, int irq_source_id)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;
	unsigned long flags;
	unsigned int pin;

	if (WARN_ON_ONCE(irq_source_id < 0 ||
			 irq_source_id >= HV_IRQ_SOURCE_MAX))
		return;
	/* As KVM: the lines are not re-evaluated until they next change. */
	spin_lock_irqsave(&ioapic->lock, flags);
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		__clear_bit(irq_source_id, &ioapic->levels[pin]);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/*
 * A local APIC's EOI of @vector.  First the ack notifiers of every pin
 * that uses the vector, without the lock (they may set lines); then
 * remote IRR of the level pins among them is cleared, and a line still
 * high is sent again.  Clearing remote IRR only after the notifiers
 * means a line they raise again is sent once, here, not twice.
 *
 * Edge pins are acked too, as KVM does for the pins that have ack
 * notifiers: the PIT's pin is edge-triggered, and its reinjection waits
 * for these acks.  So the LAPIC should call this for the EOI of any
 * vector, not only of those whose TMR bit is set; the vectors bitmap
 * turns away the others without the lock.
 *
 * There is no trigger mode argument (KVM passes the LAPIC's TMR bit): a
 * pin's own trigger mode decides.  They differ only if the guest gives
 * a level pin's vector to an edge source too, which no OS does.
 */
void hv_ioapic_eoi(struct hv_vm *vm, int vector)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;
	unsigned long flags, pins = 0;
	unsigned int pin;

	/* Most EOIs are of LAPIC timer, IPI and MSI vectors: not ours. */
	if (vector < 0 || vector >= HV_IOAPIC_NR_VECTORS ||
	    !test_bit(vector, ioapic->vectors))
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		if (FIELD_GET(RTE_VECTOR, ioapic->redtbl[pin]) == vector)
			__set_bit(pin, &pins);
	spin_unlock_irqrestore(&ioapic->lock, flags);
	if (!pins)
		return;

	for_each_set_bit(pin, &pins, HV_IOAPIC_NR_PINS)
		hv_irqchip_ack(vm, HV_IRQCHIP_IOAPIC, pin);

	spin_lock_irqsave(&ioapic->lock, flags);
	for_each_set_bit(pin, &pins, HV_IOAPIC_NR_PINS) {
		u64 *e = &ioapic->redtbl[pin];

		/* The guest may have reprogrammed it meanwhile. */
		if (FIELD_GET(RTE_VECTOR, *e) != vector || !(*e & RTE_LEVEL))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		if ((*e & RTE_MASKED) || !(ioapic->irr & BIT(pin))) {
			ioapic->successive_eois[pin] = 0;
			continue;
		}
		if (++ioapic->successive_eois[pin] < HV_IOAPIC_STORM_EOIS) {
			hv_ioapic_service(ioapic, pin);
			continue;
		}
		ioapic->successive_eois[pin] = 0;
		schedule_delayed_work(&ioapic->storm_work,
				      HV_IOAPIC_STORM_DELAY);
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* ---- state (HV_GET/SET_IRQCHIP) ---- */

void hv_ioapic_get_state(struct hv_vm *vm, struct hv_ioapic_state *s)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;
	unsigned long flags;
	unsigned int pin;

	memset(s, 0, sizeof(*s));
	s->base_address = HV_IOAPIC_BASE;
	spin_lock_irqsave(&ioapic->lock, flags);
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	/* Lines that are high, less the edges that were sent. */
	s->irr = ioapic->irr & ~ioapic->irr_delivered;
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		s->redirtbl[pin].bits = ioapic->redtbl[pin];
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/*
 * As KVM: everything is taken as given but the base (which cannot
 * move), then each pin @s says is high is raised again, which sends
 * edges and the level pins not awaiting an EOI.  The per-source levels
 * are left alone: their sources set them again as they change.
 */
void hv_ioapic_set_state(struct hv_vm *vm, const struct hv_ioapic_state *s)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;
	unsigned long flags, irr = s->irr & HV_IOAPIC_ALL_PINS;
	unsigned int pin;

	spin_lock_irqsave(&ioapic->lock, flags);
	ioapic->ioregsel = s->ioregsel;
	ioapic->id = s->id;
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++) {
		ioapic->redtbl[pin] = s->redirtbl[pin].bits;
		ioapic->successive_eois[pin] = 0;
	}
	hv_ioapic_update_vectors(ioapic);
	ioapic->irr = 0;
	ioapic->irr_delivered = 0;
	for_each_set_bit(pin, &irr, HV_IOAPIC_NR_PINS)
		hv_ioapic_set_line(ioapic, pin, true);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* ---- creation ---- */

int hv_ioapic_create(struct hv_vm *vm)
{
	struct hv_ioapic *ioapic;
	unsigned int pin;
	int r;

	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return -ENOMEM;
	ioapic->vm = vm;
	ioapic->io.ops = &hv_ioapic_ops;
	spin_lock_init(&ioapic->lock);
	INIT_DELAYED_WORK(&ioapic->storm_work, hv_ioapic_storm_work);
	/* 82093AA 3.2.4: entries come out of reset masked. */
	for (pin = 0; pin < HV_IOAPIC_NR_PINS; pin++)
		ioapic->redtbl[pin] = RTE_MASKED;
	__set_bit(0, ioapic->vectors);		/* theirs: vector 0 */

	r = hv_io_bus_register(vm, HV_MMIO_BUS, HV_IOAPIC_BASE,
			       HV_IOAPIC_MEM_LEN, &ioapic->io);
	if (r) {
		kfree(ioapic);
		return r;
	}
	vm->irqchip->ioapic = ioapic;
	return 0;
}

/*
 * Once off the bus no vCPU reaches it; the core has stopped the other
 * sources (PIT, irqfds) first, so nothing can queue storm_work again.
 */
void hv_ioapic_free(struct hv_vm *vm)
{
	struct hv_ioapic *ioapic = vm->irqchip->ioapic;

	if (!ioapic)
		return;
	hv_io_bus_unregister(vm, HV_MMIO_BUS, &ioapic->io);
	cancel_delayed_work_sync(&ioapic->storm_work);
	vm->irqchip->ioapic = NULL;
	kfree(ioapic);
}
