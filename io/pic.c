// SPDX-License-Identifier: GPL-2.0
/*
 * The two 8259A interrupt controllers of a PC (Intel 8259A datasheet,
 * 231468-003), cascaded through the master's IR2, and the PIIX edge/level
 * control registers (ELCR, ports 0x4d0-0x4d1) that make a line level-
 * triggered.  KVM's model is the ABI: its state layout (struct
 * hv_pic_state is each chip's state as it is kept here), its port
 * decoding, its elcr_mask (IRQs 0, 1, 2, 8 and 13 are always edge).
 *
 * A line is the OR of the levels its sources drive (a bit per irq source
 * id).  An edge-triggered line sets its IRR bit when it rises (last_irr
 * holds the level seen last); a level-triggered one's IRR bit follows it.
 * A chip requests an interrupt when an unmasked IRR bit has a higher
 * priority than every ISR bit ("Fully Nested Mode"); priority_add is the
 * IRQ of the highest priority, which rotation moves.  The slave's request
 * is an edge on the master's IR2, latched at every re-evaluation, as KVM
 * does.  The master's request is INTR: hv_pic_has_interrupt().  The INTA
 * cycle (hv_pic_ack) moves the winner from IRR to ISR and yields its
 * vector, IR7 of the chip whose request went away meanwhile ("Interrupt
 * Sequence": the spurious interrupt).
 *
 * Where KVM departs from the datasheet, and a guest written for the
 * hardware would notice, this follows the datasheet:
 *   - Special Mask Mode (OCW3): masked levels in service do not hold off
 *     lower ones, nor does a non-specific EOI clear them.  KVM keeps the
 *     bit but ignores it.
 *   - Poll Command (OCW3): the read is an INTA (sets ISR, auto-EOI as
 *     configured) and bit 7 says whether there was a request.  KVM
 *     answers the bare IRQ number and clears ISR at once.
 *
 * Ack notifiers (hv_irqchip_ack) run when an ISR bit is cleared, as on
 * KVM: at EOI for normal EOI, at INTA for auto-EOI.  They, and the
 * core's hv_irqchip_pic_raised() when INTR rises, are called after the
 * lock is dropped: pic->acks and pic->raised carry them to hv_pic_unlock.
 *
 * Locking legend:
 *   [c]  constant after hv_pic_create
 *   [p]  pic->lock: a spinlock taken with interrupts off (lines change
 *        from any context but NMI; hv_pic_ack runs with interrupts off).
 *        Nothing under it sleeps or calls out of this file but
 *        spin_unlock.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "core/hv.h"
#include "io/irqchip.h"

#define PIC_MASTER		0
#define PIC_SLAVE		1
#define PIC_IRQS_PER_CHIP	8
#define PIC_CASCADE_IRQ		2	/* the slave's INT on the master */
#define PIC_SPURIOUS_IRQ	7
#define PIC_NO_IRQ		8	/* hv_pic_priority(): nothing */

#define PIC_MASTER_PORT		0x20
#define PIC_SLAVE_PORT		0xa0
#define PIC_ELCR_PORT		0x4d0	/* 0x4d0 master, 0x4d1 slave */

/* Command port writes (datasheet, "Programming the 8259A"). */
#define PIC_ICW1		0x10	/* D4: initialization */
#define PIC_ICW1_IC4		0x01	/* ICW4 follows */
#define PIC_OCW3		0x08	/* D3, D4 = 0: OCW3, else OCW2 */
#define PIC_OCW3_RIS		0x01	/* read ISR rather than IRR */
#define PIC_OCW3_RR		0x02	/* RIS is valid */
#define PIC_OCW3_P		0x04	/* poll */
#define PIC_OCW3_SMM		0x20	/* special mask mode on */
#define PIC_OCW3_ESMM		0x40	/* SMM is valid */
#define PIC_ICW2_BASE		0xf8	/* T7-T3: the vector base */
#define PIC_ICW4_AEOI		0x02
#define PIC_ICW4_SFNM		0x10
#define PIC_POLL_INT		0x80	/* poll word: there is a request */

/* OCW2's R, SL and EOI bits (D7-D5). */
enum {
	PIC_OCW2_ROTATE_AEOI_CLEAR = 0,
	PIC_OCW2_EOI = 1,
	PIC_OCW2_NOP = 2,
	PIC_OCW2_SPECIFIC_EOI = 3,
	PIC_OCW2_ROTATE_AEOI_SET = 4,
	PIC_OCW2_ROTATE_EOI = 5,
	PIC_OCW2_SET_PRIORITY = 6,
	PIC_OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* The ICW the data port expects next (init_state). */
enum {
	PIC_INIT_DONE = 0,	/* OCW1: the IMR */
	PIC_INIT_ICW2,
	PIC_INIT_ICW3,
	PIC_INIT_ICW4,
};

struct hv_pic {
	struct hv_vm *vm;				/* [c] */
	struct hv_io_device io;				/* [c] */
	spinlock_t lock;
	struct hv_pic_state chips[2];			/* [p] */
	unsigned long levels[HV_PIC_NR_PINS];		/* [p] per source */
	bool output;					/* [p] INTR */
	bool raised;					/* [p] tell the core */
	u16 acks;					/* [p] pins to notify */
};

static struct hv_pic *to_pic(struct hv_io_device *dev)
{
	return container_of(dev, struct hv_pic, io);
}

static void hv_pic_lock(struct hv_pic *pic, unsigned long *flags)
	__acquires(&pic->lock)
{
	spin_lock_irqsave(&pic->lock, *flags);
}

/* Drop the lock, then tell the core what happened under it. */
static void hv_pic_unlock(struct hv_pic *pic, unsigned long flags)
	__releases(&pic->lock)
{
	unsigned long acks = pic->acks;
	bool raised = pic->raised;
	unsigned int pin;

	pic->acks = 0;
	pic->raised = false;
	spin_unlock_irqrestore(&pic->lock, flags);

	for_each_set_bit(pin, &acks, HV_PIC_NR_PINS)
		hv_irqchip_ack(pic->vm, pin < PIC_IRQS_PER_CHIP ?
			       HV_IRQCHIP_PIC_MASTER : HV_IRQCHIP_PIC_SLAVE,
			       pin % PIC_IRQS_PER_CHIP);
	if (raised)
		hv_irqchip_pic_raised(pic->vm);
}

/*
 * @irq's line on @c is now @level.  Returns as KVM_IRQ_LINE_STATUS
 * reports: -1 if masked, 0 if the request was already pending
 * (coalesced), else 1.
 */
static int hv_pic_set_line(struct hv_pic_state *c, unsigned int irq,
			   bool level)
{
	u8 bit = BIT(irq);
	int r = 1;

	if (c->elcr & bit) {
		if (level) {
			r = !(c->irr & bit);
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
	} else {
		if (level && !(c->last_irr & bit)) {
			r = !(c->irr & bit);
			c->irr |= bit;
		}
		if (level)
			c->last_irr |= bit;
		else
			c->last_irr &= ~bit;
	}
	return (c->imr & bit) ? -1 : r;
}

/* The priority (0 highest) of the first IRQ of @mask, or PIC_NO_IRQ. */
static unsigned int hv_pic_priority(const struct hv_pic_state *c, u8 mask)
{
	unsigned int p;

	for (p = 0; p < PIC_IRQS_PER_CHIP; p++)
		if (mask & BIT((p + c->priority_add) % PIC_IRQS_PER_CHIP))
			return p;
	return PIC_NO_IRQ;
}

/* The IRQ @c requests the CPU (its master) for, or -1. */
static int hv_pic_request(const struct hv_pic_state *c, bool master)
{
	unsigned int p = hv_pic_priority(c, c->irr & ~c->imr);
	u8 in_service = c->isr;

	if (p == PIC_NO_IRQ)
		return -1;
	/* "Special Mask Mode": a masked level no longer holds others off. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/*
	 * "Special Fully Nested Mode": the master lets the slave interrupt
	 * while one of its interrupts is in service; the slave sorts out
	 * their priorities itself.
	 */
	if (master && c->special_fully_nested_mode)
		in_service &= ~BIT(PIC_CASCADE_IRQ);
	if (p >= hv_pic_priority(c, in_service))
		return -1;
	return (p + c->priority_add) % PIC_IRQS_PER_CHIP;
}

/* Recompute INTR; call after anything that may change a request. */
static void hv_pic_update(struct hv_pic *pic)
{
	struct hv_pic_state *master = &pic->chips[PIC_MASTER];
	bool out;

	lockdep_assert_held(&pic->lock);
	if (hv_pic_request(&pic->chips[PIC_SLAVE], false) >= 0) {
		hv_pic_set_line(master, PIC_CASCADE_IRQ, true);
		hv_pic_set_line(master, PIC_CASCADE_IRQ, false);
	}
	out = hv_pic_request(master, true) >= 0;
	if (out && !pic->output)
		pic->raised = true;
	WRITE_ONCE(pic->output, out);
}

static void hv_pic_clear_isr(struct hv_pic *pic, unsigned int chip,
			     unsigned int irq)
{
	pic->chips[chip].isr &= ~BIT(irq);
	pic->acks |= BIT(chip * PIC_IRQS_PER_CHIP + irq);
}

/* The INTA cycle on one chip for @irq ("Interrupt Sequence"). */
static void hv_pic_intack(struct hv_pic *pic, unsigned int chip,
			  unsigned int irq)
{
	struct hv_pic_state *c = &pic->chips[chip];

	c->isr |= BIT(irq);
	/* A level-triggered request lasts as long as its line. */
	if (!(c->elcr & BIT(irq)))
		c->irr &= ~BIT(irq);
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) % PIC_IRQS_PER_CHIP;
		hv_pic_clear_isr(pic, chip, irq);
	}
}

/* ---- the ports ---- */

/*
 * ICW1 ("Initialization Command Words"): edge detection reset, IMR and
 * special mask cleared, IR7 lowest, IRR to be read, ICW4's modes off
 * unless IC4.  As KVM: ISR stays, and the edges still pending are
 * dropped, their ISR bit cleared and their notifiers run (so that the
 * PIT's reinjection does not wait forever for an ack) when some vCPU
 * takes the PIC's interrupts (@extint); single mode and the LTIM bit
 * are ignored (the ELCR decides).  INTR is recomputed only by the next
 * OCW, as KVM: a guest initializes with interrupts off.
 */
static void hv_pic_icw1(struct hv_pic *pic, unsigned int chip, u8 val,
			bool extint)
{
	struct hv_pic_state *c = &pic->chips[chip];
	unsigned long edges = c->irr & ~c->elcr;
	unsigned int irq;

	c->init4 = val & PIC_ICW1_IC4;
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	if (!c->init4) {
		c->special_fully_nested_mode = 0;
		c->auto_eoi = 0;
	}
	c->init_state = PIC_INIT_ICW2;
	if (!extint)
		return;
	for_each_set_bit(irq, &edges, PIC_IRQS_PER_CHIP)
		hv_pic_clear_isr(pic, chip, irq);
}

static void hv_pic_ocw2(struct hv_pic *pic, unsigned int chip, u8 val)
{
	struct hv_pic_state *c = &pic->chips[chip];
	unsigned int cmd = val >> 5, irq = val % PIC_IRQS_PER_CHIP, p;
	u8 eoi;

	switch (cmd) {
	case PIC_OCW2_ROTATE_AEOI_CLEAR:
	case PIC_OCW2_ROTATE_AEOI_SET:
		c->rotate_on_auto_eoi = cmd == PIC_OCW2_ROTATE_AEOI_SET;
		return;
	case PIC_OCW2_EOI:
	case PIC_OCW2_ROTATE_EOI:
		/*
		 * Non-specific: the highest priority in service ("End of
		 * Interrupt"), save that in Special Mask Mode it leaves the
		 * IS bits of masked levels alone.
		 */
		eoi = c->special_mask ? c->isr & ~c->imr : c->isr;
		p = hv_pic_priority(c, eoi);
		if (p == PIC_NO_IRQ)
			return;
		irq = (p + c->priority_add) % PIC_IRQS_PER_CHIP;
		if (cmd == PIC_OCW2_ROTATE_EOI)
			c->priority_add = (irq + 1) % PIC_IRQS_PER_CHIP;
		hv_pic_clear_isr(pic, chip, irq);
		break;
	case PIC_OCW2_SPECIFIC_EOI:
		hv_pic_clear_isr(pic, chip, irq);
		break;
	case PIC_OCW2_SET_PRIORITY:
		/* L2-L0 becomes the lowest priority. */
		c->priority_add = (irq + 1) % PIC_IRQS_PER_CHIP;
		break;
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		c->priority_add = (irq + 1) % PIC_IRQS_PER_CHIP;
		hv_pic_clear_isr(pic, chip, irq);
		break;
	default:
		return;
	}
	hv_pic_update(pic);
}

static void hv_pic_ocw3(struct hv_pic *pic, unsigned int chip, u8 val)
{
	struct hv_pic_state *c = &pic->chips[chip];

	if (val & PIC_OCW3_P)
		c->poll = 1;
	if (val & PIC_OCW3_RR)
		c->read_reg_select = val & PIC_OCW3_RIS;
	if (val & PIC_OCW3_ESMM) {
		c->special_mask = !!(val & PIC_OCW3_SMM);
		hv_pic_update(pic);
	}
}

static void hv_pic_write_data(struct hv_pic *pic, unsigned int chip, u8 val)
{
	struct hv_pic_state *c = &pic->chips[chip];

	switch (c->init_state) {
	case PIC_INIT_DONE:
		c->imr = val;
		hv_pic_update(pic);
		break;
	case PIC_INIT_ICW2:
		c->irq_base = val & PIC_ICW2_BASE;
		c->init_state = PIC_INIT_ICW3;
		break;
	case PIC_INIT_ICW3:
		/* The cascade is fixed: IR2 on the master, ID 2 on the slave. */
		c->init_state = c->init4 ? PIC_INIT_ICW4 : PIC_INIT_DONE;
		break;
	case PIC_INIT_ICW4:
		c->special_fully_nested_mode = !!(val & PIC_ICW4_SFNM);
		c->auto_eoi = !!(val & PIC_ICW4_AEOI);
		c->init_state = PIC_INIT_DONE;
		break;
	default:
		break;	/* a restored init_state no ICW has: wait for ICW1 */
	}
}

/*
 * "Poll Command": the read acknowledges the chip's request as an INTA
 * would and answers it, bit 7 set; without a request, 0x07 as KVM (bit 7
 * clear).  Polling the slave consumes the request it made on IR2.
 */
static u8 hv_pic_poll(struct hv_pic *pic, unsigned int chip)
{
	int irq = hv_pic_request(&pic->chips[chip], chip == PIC_MASTER);

	if (irq < 0) {
		hv_pic_update(pic);
		return PIC_SPURIOUS_IRQ;
	}
	hv_pic_intack(pic, chip, irq);
	if (chip == PIC_SLAVE)
		pic->chips[PIC_MASTER].irr &= ~BIT(PIC_CASCADE_IRQ);
	hv_pic_update(pic);
	return PIC_POLL_INT | irq;
}

static bool hv_pic_extint_taken(struct hv_vm *vm)
{
	struct hv_vcpu *vcpu;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, vcpu)
		if (vcpu->lapic && hv_lapic_accepts_extint(vcpu))
			return true;
	return false;
}

/*
 * Byte accesses only, as KVM: a wider write is dropped and a wider read
 * answers 0.
 */
static int hv_pic_io_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			   u64 port, u32 len, const void *val)
{
	struct hv_pic *pic = to_pic(dev);
	unsigned int chip = port >= PIC_SLAVE_PORT ? PIC_SLAVE : PIC_MASTER;
	unsigned long flags;
	bool extint = false;
	u8 v;

	if (len != 1)
		return 0;
	v = *(const u8 *)val;
	if (port == PIC_ELCR_PORT || port == PIC_ELCR_PORT + 1) {
		chip = port - PIC_ELCR_PORT;
		hv_pic_lock(pic, &flags);
		pic->chips[chip].elcr = v & pic->chips[chip].elcr_mask;
		hv_pic_unlock(pic, flags);
		return 0;
	}
	/* Outside the lock: the vCPUs' LAPICs are not ours to lock under. */
	if (!(port & 1) && (v & PIC_ICW1))
		extint = hv_pic_extint_taken(pic->vm);

	hv_pic_lock(pic, &flags);
	if (port & 1)
		hv_pic_write_data(pic, chip, v);
	else if (v & PIC_ICW1)
		hv_pic_icw1(pic, chip, v, extint);
	else if (v & PIC_OCW3)
		hv_pic_ocw3(pic, chip, v);
	else
		hv_pic_ocw2(pic, chip, v);
	hv_pic_unlock(pic, flags);
	return 0;
}

static int hv_pic_io_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			  u64 port, u32 len, void *val)
{
	struct hv_pic *pic = to_pic(dev);
	unsigned int chip = port >= PIC_SLAVE_PORT ? PIC_SLAVE : PIC_MASTER;
	struct hv_pic_state *c;
	unsigned long flags;
	u8 v;

	if (len != 1) {
		memset(val, 0, len);
		return 0;
	}
	hv_pic_lock(pic, &flags);
	if (port == PIC_ELCR_PORT || port == PIC_ELCR_PORT + 1) {
		v = pic->chips[port - PIC_ELCR_PORT].elcr;
	} else {
		c = &pic->chips[chip];
		if (c->poll) {
			c->poll = 0;
			v = hv_pic_poll(pic, chip);
		} else if (port & 1) {
			v = c->imr;
		} else {
			v = c->read_reg_select ? c->isr : c->irr;
		}
	}
	hv_pic_unlock(pic, flags);
	*(u8 *)val = v;
	return 0;
}

static const struct hv_io_device_ops hv_pic_ops = {
	.read = hv_pic_io_read,
	.write = hv_pic_io_write,
};

/* ---- lines, INTR and INTA ---- */

int hv_pic_set_irq(struct hv_vm *vm, int irq, int irq_source_id, int level)
{
	struct hv_pic *pic = vm->irqchip->pic;
	unsigned long flags;
	int r;

	if (WARN_ON_ONCE(irq < 0 || irq >= HV_PIC_NR_PINS ||
			 irq_source_id < 0 ||
			 irq_source_id >= HV_IRQ_SOURCE_MAX))
		return -1;
	hv_pic_lock(pic, &flags);
	if (level)
		__set_bit(irq_source_id, &pic->levels[irq]);
	else
		__clear_bit(irq_source_id, &pic->levels[irq]);
	r = hv_pic_set_line(&pic->chips[irq / PIC_IRQS_PER_CHIP],
			    irq % PIC_IRQS_PER_CHIP, pic->levels[irq] != 0);
	hv_pic_update(pic);
	hv_pic_unlock(pic, flags);
	return r;
}

void hv_pic_clear_source(struct hv_vm *vm, int irq_source_id)
{
	struct hv_pic *pic = vm->irqchip->pic;
	unsigned long flags;
	unsigned int irq;

	if (WARN_ON_ONCE(irq_source_id < 0 ||
			 irq_source_id >= HV_IRQ_SOURCE_MAX))
		return;
	/* As KVM: the lines are not re-evaluated until they next change. */
	hv_pic_lock(pic, &flags);
	for (irq = 0; irq < HV_PIC_NR_PINS; irq++)
		__clear_bit(irq_source_id, &pic->levels[irq]);
	hv_pic_unlock(pic, flags);
}

bool hv_pic_has_interrupt(struct hv_vm *vm)
{
	return READ_ONCE(vm->irqchip->pic->output);
}

/*
 * The CPU's INTA cycle: the vector of the master's request, through the
 * slave for IR2.  A request gone since INTR rose is IR7 of its chip, as
 * the datasheet's spurious interrupt; the master's ISR keeps IR2 then.
 */
int hv_pic_ack(struct hv_vm *vm)
{
	struct hv_pic *pic = vm->irqchip->pic;
	struct hv_pic_state *master = &pic->chips[PIC_MASTER];
	struct hv_pic_state *slave = &pic->chips[PIC_SLAVE];
	unsigned long flags;
	int irq, vector;

	hv_pic_lock(pic, &flags);
	/* INTR falls with INTA: a request still there raises it again. */
	WRITE_ONCE(pic->output, false);
	irq = hv_pic_request(master, true);
	if (irq < 0) {
		vector = master->irq_base + PIC_SPURIOUS_IRQ;
	} else {
		hv_pic_intack(pic, PIC_MASTER, irq);
		if (irq == PIC_CASCADE_IRQ) {
			irq = hv_pic_request(slave, false);
			if (irq >= 0)
				hv_pic_intack(pic, PIC_SLAVE, irq);
			else
				irq = PIC_SPURIOUS_IRQ;
			vector = slave->irq_base + irq;
		} else {
			vector = master->irq_base + irq;
		}
	}
	hv_pic_update(pic);
	hv_pic_unlock(pic, flags);
	/* irq_base comes from ICW2 (T7-T3) or a restored state (any u8). */
	return vector & 0xff;
}

/* ---- state (HV_GET/SET_IRQCHIP) ---- */

void hv_pic_get_state(struct hv_vm *vm, int chip, struct hv_pic_state *s)
{
	struct hv_pic *pic = vm->irqchip->pic;
	unsigned long flags;

	if (WARN_ON_ONCE(chip != HV_IRQCHIP_PIC_MASTER &&
			 chip != HV_IRQCHIP_PIC_SLAVE)) {
		memset(s, 0, sizeof(*s));
		return;
	}
	hv_pic_lock(pic, &flags);
	*s = pic->chips[chip == HV_IRQCHIP_PIC_SLAVE];
	hv_pic_unlock(pic, flags);
}

/*
 * As KVM, every field is taken as given, elcr_mask included: each value
 * is only ever used through a mask or a switch, so none can take the
 * model out of bounds.
 */
void hv_pic_set_state(struct hv_vm *vm, int chip,
		      const struct hv_pic_state *s)
{
	struct hv_pic *pic = vm->irqchip->pic;
	unsigned long flags;

	if (WARN_ON_ONCE(chip != HV_IRQCHIP_PIC_MASTER &&
			 chip != HV_IRQCHIP_PIC_SLAVE))
		return;
	hv_pic_lock(pic, &flags);
	pic->chips[chip == HV_IRQCHIP_PIC_SLAVE] = *s;
	hv_pic_update(pic);
	hv_pic_unlock(pic, flags);
}

/* ---- creation ---- */

int hv_pic_create(struct hv_vm *vm)
{
	static const u16 ports[] = {
		PIC_MASTER_PORT, PIC_SLAVE_PORT, PIC_ELCR_PORT,
	};
	struct hv_pic *pic;
	unsigned int i;
	int r;

	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	pic->vm = vm;
	pic->io.ops = &hv_pic_ops;
	spin_lock_init(&pic->lock);
	/*
	 * PIIX ELCR: IRQ 0 (timer), 1 (keyboard), 2 (cascade), 8 (RTC) and
	 * 13 (FPU) are wired edge-triggered; the rest are the OS's choice.
	 */
	pic->chips[PIC_MASTER].elcr_mask = 0xf8;
	pic->chips[PIC_SLAVE].elcr_mask = 0xde;

	/* Each range is two ports: command and data, or the two ELCRs. */
	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		r = hv_io_bus_register(vm, HV_PIO_BUS, ports[i], 2, &pic->io);
		if (r) {
			/* Removes the ranges registered so far. */
			hv_io_bus_unregister(vm, HV_PIO_BUS, &pic->io);
			kfree(pic);
			return r;
		}
	}
	vm->irqchip->pic = pic;
	return 0;
}

void hv_pic_free(struct hv_vm *vm)
{
	struct hv_pic *pic = vm->irqchip->pic;

	if (!pic)
		return;
	hv_io_bus_unregister(vm, HV_PIO_BUS, &pic->io);
	vm->irqchip->pic = NULL;
	kfree(pic);
}
