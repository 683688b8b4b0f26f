/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel irqchip and timers: what the device models in io/ offer
 * the core and each other.  One file per device:
 *
 *   io/lapic.c     local APIC per vCPU (xAPIC page, x2APIC MSRs, timer)
 *   io/ioapic.c    the IOAPIC (24 pins)
 *   io/pic.c       the two 8259s
 *   io/pit.c       the 8254 and port 0x61
 *
 * and in core/: irqchip.c (HV_CREATE_IRQCHIP, IRQ lines, GSI routing,
 * MSIs, GET/SET_IRQCHIP), irqfd.c, ioeventfd.c, coalesced_mmio.c, halt.c
 * (HLT in the kernel, INIT/SIPI).  Devices are reached by the vCPU only
 * through the I/O bus (core/io_bus.h).
 */
#ifndef HV_IO_IRQCHIP_H
#define HV_IO_IRQCHIP_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <uapi/linux/hv.h>

struct hv_vm;
struct hv_vcpu;
struct hv_pic;
struct hv_ioapic;
struct hv_pit;
struct hv_vm_irqchip;

/* Delivery modes of an interrupt message (SDM 11.6.1, ICR[10:8]). */
#define HV_APIC_DM_FIXED	0
#define HV_APIC_DM_LOWEST	1
#define HV_APIC_DM_SMI		2
#define HV_APIC_DM_NMI		4
#define HV_APIC_DM_INIT		5
#define HV_APIC_DM_SIPI		6
#define HV_APIC_DM_EXTINT	7

/* Destination shorthands (SDM 11.6.1, ICR[19:18]). */
#define HV_APIC_SH_NONE		0
#define HV_APIC_SH_SELF		1
#define HV_APIC_SH_ALL		2
#define HV_APIC_SH_OTHERS	3

/*
 * An interrupt message to local APICs: an IOAPIC redirection entry, an
 * MSI, an IPI (ICR) or a LINT pin.
 */
struct hv_apic_irq {
	u8 vector;
	u8 delivery_mode;	/* HV_APIC_DM_* */
	bool logical;		/* destination mode */
	bool level;		/* level-triggered (TMR set on accept) */
	u8 shorthand;		/* HV_APIC_SH_* */
	u32 dest_id;		/* xAPIC: 8 bits; x2APIC: 32 */
};

/*
 * Called when the guest acknowledges a GSI's interrupt (EOI of a
 * level-triggered IOAPIC vector, or the PIC's INTA / EOI): PIT
 * reinjection, irqfd resampling.  Under the irqchip's ack lock; must
 * not sleep.
 */
struct hv_irq_ack_notifier {
	struct hlist_node link;
	unsigned int gsi;
	void (*acked)(struct hv_irq_ack_notifier *ian);
};

/*
 * The VM's irqchip, created by HV_CREATE_IRQCHIP (core/irqchip.c) before
 * any vCPU exists and freed by hv_vm_free: the PIC and the IOAPIC exist
 * as long as it does, the PIT from HV_CREATE_PIT2 on (published with a
 * release store, read with an acquire load).
 *
 * Locking legend:
 *   [c]  constant once the irqchip is published
 *   [r]  RCU: replaced under routing_lock, read under rcu_read_lock()
 *   [a]  ack_lock (spinlock, irqsave)
 *   [l]  lock (mutex, process context: ioctls)
 *   [p]  published once, under lock, with smp_store_release()
 */
struct hv_irq_routes;
struct hv_irqfds;

struct hv_vm_irqchip {
	struct hv_vm *vm;			/* [c] */
	struct hv_pic *pic;			/* [c] */
	struct hv_ioapic *ioapic;		/* [c] */
	struct hv_pit *pit;			/* [p] HV_CREATE_PIT2 */
	struct mutex lock;			/* ioctls: PIT creation, state */
	struct mutex routing_lock;		/* HV_SET_GSI_ROUTING */
	struct hv_irq_routes __rcu *routes;	/* [r] */
	unsigned long source_ids;		/* [a] allocated source ids */
	spinlock_t ack_lock;
	struct hlist_head ack_notifiers;	/* [a] */
	/* HV_IRQFD (core/irqfd.c): on the first assign, cmpxchg'ed in */
	struct hv_irqfds *irqfds;		/* [p] */
};

/* Source ids: which in-kernel source drives a GSI's level. */
#define HV_IRQ_SOURCE_USERSPACE		0	/* HV_IRQ_LINE */
#define HV_IRQ_SOURCE_RESAMPLE		1	/* irqfds with resample */
#define HV_IRQ_SOURCE_MAX		BITS_PER_LONG

/* Pins of the PIC (two chips, 16 lines) and of the IOAPIC. */
#define HV_PIC_NR_PINS			16
#define HV_IOAPIC_NR_PINS		24
/* The IOAPIC's default MMIO window (its base may not move on KVM). */
#define HV_IOAPIC_BASE			0xfec00000ULL
#define HV_IOAPIC_MEM_LEN		0x100

/* ---- io/lapic.c ---- */

/* At vCPU creation when the VM has an in-kernel irqchip; and freeing. */
int hv_lapic_create(struct hv_vcpu *vcpu);
void hv_lapic_free(struct hv_vcpu *vcpu);
/* Power-on (init = false) or INIT (init = true) state, SDM 11.4.7.3. */
void hv_lapic_reset(struct hv_vcpu *vcpu, bool init);

/*
 * Deliver @irq to the local APICs its destination names; @src is the
 * sender for shorthands (NULL outside a vCPU).  Any context but NMI,
 * never sleeps: sets IRR bits atomically and kicks (hv_vcpu_kick).
 * Returns how many APICs accepted it, or -1 if none was addressed.
 * INIT, SIPI and NMI are recorded for the core (hv_lapic_take_events).
 */
int hv_lapic_deliver(struct hv_vm *vm, struct hv_vcpu *src,
		     const struct hv_apic_irq *irq);

/* The vCPU's own thread, interrupts off, at entry (core/event.c). */
int hv_lapic_pending_vector(struct hv_vcpu *vcpu);	/* -1: none */
void hv_lapic_accept(struct hv_vcpu *vcpu, int vector);	/* IRR -> ISR */
bool hv_lapic_accepts_extint(struct hv_vcpu *vcpu);	/* LVT0 ExtINT */

/*
 * Events the LAPIC received for the core, taken (cleared) by the vCPU's
 * thread: HV_LAPIC_EV_* bits; *sipi_vector is the last SIPI's vector.
 */
#define HV_LAPIC_EV_INIT	(1U << 0)
#define HV_LAPIC_EV_SIPI	(1U << 1)
#define HV_LAPIC_EV_NMI		(1U << 2)
unsigned int hv_lapic_take_events(struct hv_vcpu *vcpu, u8 *sipi_vector);

/* IA32_APIC_BASE writes (moves the xAPIC page, x2APIC mode). */
void hv_lapic_set_base(struct hv_vcpu *vcpu, u64 apic_base);
/* x2APIC MSRs (0x800-0x8ff) and IA32_TSC_DEADLINE: 0, or 1 for #GP. */
int hv_lapic_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val);
int hv_lapic_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val);

/* HV_GET/SET_LAPIC (KVM's format, KVM's x2APIC ID rules). */
int hv_lapic_get_state(struct hv_vcpu *vcpu, struct hv_lapic_state *s);
int hv_lapic_set_state(struct hv_vcpu *vcpu, const struct hv_lapic_state *s);

/* ---- io/ioapic.c ---- */

int hv_ioapic_create(struct hv_vm *vm);		/* vm->irqchip->ioapic */
void hv_ioapic_free(struct hv_vm *vm);
/* Level of pin @pin; returns as KVM_IRQ_LINE_STATUS counts (-1, 0, >0). */
int hv_ioapic_set_irq(struct hv_vm *vm, int pin, int irq_source_id,
		      int level);
/* A local APIC's EOI of a level-triggered @vector (remote IRR). */
void hv_ioapic_eoi(struct hv_vm *vm, int vector);
/* Drop @irq_source_id's contribution to every pin (source freed). */
void hv_ioapic_clear_source(struct hv_vm *vm, int irq_source_id);
void hv_ioapic_get_state(struct hv_vm *vm, struct hv_ioapic_state *s);
void hv_ioapic_set_state(struct hv_vm *vm, const struct hv_ioapic_state *s);

/* ---- io/pic.c ---- */

int hv_pic_create(struct hv_vm *vm);		/* vm->irqchip->pic */
void hv_pic_free(struct hv_vm *vm);
int hv_pic_set_irq(struct hv_vm *vm, int irq, int irq_source_id,
		   int level);
bool hv_pic_has_interrupt(struct hv_vm *vm);	/* INTR output */
int hv_pic_ack(struct hv_vm *vm);		/* INTA: the vector */
void hv_pic_clear_source(struct hv_vm *vm, int irq_source_id);
/* @chip: HV_IRQCHIP_PIC_MASTER or _SLAVE */
void hv_pic_get_state(struct hv_vm *vm, int chip, struct hv_pic_state *s);
void hv_pic_set_state(struct hv_vm *vm, int chip,
		      const struct hv_pic_state *s);

/* ---- io/pit.c ---- */

/* HV_CREATE_PIT2 (-EEXIST if there is one); freed with the irqchip. */
int hv_pit_create(struct hv_vm *vm, u32 flags);	/* vm->irqchip->pit */
void hv_pit_free(struct hv_vm *vm);
void hv_pit_get_state(struct hv_vm *vm, struct hv_pit_state2 *s);
void hv_pit_set_state(struct hv_vm *vm, const struct hv_pit_state2 *s);
void hv_pit_set_reinject(struct hv_vm *vm, bool reinject);

/* ---- core/irqchip.c ---- */

/*
 * A GSI's level from an in-kernel source (PIT, irqfd) or HV_IRQ_LINE,
 * through the routing table.  Any context but NMI; never sleeps.
 */
int hv_irqchip_set_irq(struct hv_vm *vm, int irq_source_id, u32 gsi,
		       int level, bool line_status);
int hv_irqchip_alloc_source_id(struct hv_vm *vm);
void hv_irqchip_free_source_id(struct hv_vm *vm, int irq_source_id);
/*
 * PIC/IOAPIC: the guest acknowledged the interrupt of @irqchip's @pin
 * (HV_IRQCHIP_*): runs the ack notifiers of the GSIs routed there.
 */
void hv_irqchip_ack(struct hv_vm *vm, unsigned int irqchip, unsigned int pin);
void hv_irqchip_register_ack_notifier(struct hv_vm *vm,
				      struct hv_irq_ack_notifier *ian);
void hv_irqchip_unregister_ack_notifier(struct hv_vm *vm,
					struct hv_irq_ack_notifier *ian);
/* An MSI (address/data as PCI writes them) to the local APICs. */
int hv_irqchip_deliver_msi(struct hv_vm *vm, u64 address, u32 data);
/* The PIC's INTR output rose: wake the vCPUs whose LAPIC takes ExtINT. */
void hv_irqchip_pic_raised(struct hv_vm *vm);
/* VM teardown: every device, the routing, the eventfds. */
void hv_irqchip_destroy(struct hv_vm *vm);

/* ---- core/irqfd.c ---- */

long hv_vm_irqfd(struct hv_vm *vm, struct hv_irqfd __user *argp);
/* From hv_irqchip_destroy, before the devices go. */
void hv_irqfd_destroy(struct hv_vm *vm);

#endif
