/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: the xAPIC, IOAPIC and 8259 PIC registers, for
 * guest code of the in-kernel irqchip's tests, and the host's view of a
 * local APIC (HV_GET/SET_LAPIC).
 *
 * The long-mode guest identity-maps the low 4 GiB (lib/vm.h) and no slot
 * backs 0xfec00000 or 0xfee00000: a guest reaches its IOAPIC and local
 * APIC there with plain 32-bit loads and stores (SDM vol. 3A 10.4.1: the
 * xAPIC registers are 32 bits wide on 16-byte boundaries; the 82093AA's
 * IOREGSEL/IOWIN likewise).
 */
#ifndef HV_SELFTEST_APIC_H
#define HV_SELFTEST_APIC_H

#include <stdbool.h>
#include <string.h>

#include <linux/hv.h>

#include "guest.h"

/* ---- the local APIC, xAPIC mode (SDM vol. 3A 10.4.1, table 10-1) ---- */
#define APIC_DEFAULT_GPA	0xfee00000ULL
#define APIC_ID			0x20
#define APIC_LVR		0x30
#define APIC_TASKPRI		0x80
#define APIC_PROCPRI		0xa0
#define APIC_EOI		0xb0
#define APIC_LDR		0xd0
#define APIC_DFR		0xe0
#define APIC_SPIV		0xf0
#define  APIC_SPIV_APIC_ENABLED	(1u << 8)
#define APIC_ISR		0x100
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ICR		0x300
#define  APIC_DM_FIXED		0x000
#define  APIC_DM_LOWEST		0x100
#define  APIC_DM_NMI		0x400
#define  APIC_DM_INIT		0x500
#define  APIC_DM_STARTUP	0x600
#define  APIC_DM_EXTINT		0x700
#define  APIC_DEST_LOGICAL	(1u << 11)
#define  APIC_ICR_BUSY		(1u << 12)
#define  APIC_INT_ASSERT	(1u << 14)
#define  APIC_INT_LEVELTRIG	(1u << 15)
#define  APIC_DEST_SELF		(1u << 18)
#define  APIC_DEST_ALLINC	(2u << 18)
#define  APIC_DEST_ALLBUT	(3u << 18)
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define  APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_LVTERR		0x370
#define  APIC_LVT_MASKED	(1u << 16)
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define  APIC_TDR_DIV_1		0xb

/* MSI address/data (SDM vol. 3A 10.11.1, 10.11.2) */
#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST(id)	((u32)(id) << 12)
#define MSI_ADDR_LOGICAL	(1u << 2)

/* ---- the IOAPIC (82093AA datasheet, 3.0 and 3.2.4) ---- */
#define IOAPIC_DEFAULT_GPA	0xfec00000ULL
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REDIR(pin)	(0x10 + 2 * (pin))
#define  IOAPIC_DEST_LOGICAL	(1u << 11)
#define  IOAPIC_DELIVERY_STATUS	(1u << 12)
#define  IOAPIC_ACTIVE_LOW	(1u << 13)
#define  IOAPIC_REMOTE_IRR	(1u << 14)
#define  IOAPIC_LEVEL		(1u << 15)
#define  IOAPIC_MASKED		(1u << 16)

/* ---- the 8259 pair ---- */
#define PIC_MASTER_IMR		0x21
#define PIC_SLAVE_IMR		0xa1

/* ---- guest side ---- */
static inline u32 xapic_read(u32 reg)
{
	return readl(APIC_DEFAULT_GPA + reg);
}

static inline void xapic_write(u32 reg, u32 v)
{
	writel(APIC_DEFAULT_GPA + reg, v);
}

static inline void xapic_eoi(void)
{
	xapic_write(APIC_EOI, 0);
}

/* Software-enable the local APIC with @spurious as its spurious vector. */
static inline void xapic_enable(u8 spurious)
{
	xapic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | spurious);
}

/* @vector's bit in the 256-bit ISR, TMR or IRR at @base. */
static inline bool xapic_vector_bit(u32 base, u8 vector)
{
	return (xapic_read(base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

/* An IPI: the destination field first, the write of ICR low sends it. */
static inline void xapic_send_ipi(u8 dest, u32 icr)
{
	xapic_write(APIC_ICR2, (u32)dest << 24);
	xapic_write(APIC_ICR, icr);
}

static inline u32 ioapic_read(u32 reg)
{
	writel(IOAPIC_DEFAULT_GPA + IOAPIC_IOREGSEL, reg);
	return readl(IOAPIC_DEFAULT_GPA + IOAPIC_IOWIN);
}

static inline void ioapic_write(u32 reg, u32 v)
{
	writel(IOAPIC_DEFAULT_GPA + IOAPIC_IOREGSEL, reg);
	writel(IOAPIC_DEFAULT_GPA + IOAPIC_IOWIN, v);
}

/* A redirection entry: destination (high half) first, then the low half. */
static inline void ioapic_set_redir(int pin, u32 low, u8 dest)
{
	ioapic_write(IOAPIC_REDIR(pin) + 1, (u32)dest << 24);
	ioapic_write(IOAPIC_REDIR(pin), low);
}

/* OCW1 on both 8259s: every legacy IRQ masked, as an IOAPIC-mode OS does. */
static inline void pic_mask_all(void)
{
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);
}

/* ---- host side: HV_GET/SET_LAPIC's register page ---- */
static inline u32 lapic_reg(const struct hv_lapic_state *s, u32 reg)
{
	u32 v;

	memcpy(&v, s->regs + reg, sizeof(v));
	return v;
}

static inline void lapic_set_reg(struct hv_lapic_state *s, u32 reg, u32 v)
{
	memcpy(s->regs + reg, &v, sizeof(v));
}

#endif /* HV_SELFTEST_APIC_H */
