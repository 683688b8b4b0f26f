// SPDX-License-Identifier: GPL-2.0
/*
 * Saving and restoring the in-kernel irqchip while interrupts are in
 * flight (KVM_GET/SET_LAPIC, KVM_GET/SET_IRQCHIP), as a VMM migrating a
 * running guest does; selftests/irqchip checks a quiet round trip.
 *
 * A long-mode guest of VM A takes a self-IPI (0x30) and leaves it in
 * service (no EOI), then clears IF and stops.  The host puts more in
 * flight: an MSI (0x44, KVM_SIGNAL_MSI) and a level-triggered IOAPIC pin
 * raised and lowered (0x43: LAPIC IRR and TMR set, remote IRR set), both
 * pending in the LAPIC's IRR behind IF=0, and an edge on the master
 * 8259's IRQ 3, masked by the guest (IRR latched).  Then:
 *
 *  - same VM: GET, SET back, GET: IRR, ISR, TMR, remote IRR and the
 *    8259's IRR are unchanged;
 *  - a fresh VM B gets A's memory, registers and the saved LAPIC, PIC
 *    and IOAPIC state; its guest, still with IF=0, sees 0x43 and 0x44
 *    pending in IRR (0x43 in TMR), 0x30 in service and remote IRR set on
 *    the pin, and nothing delivered; once it sets IF both are delivered
 *    exactly once (0x43 and 0x44 outrank 0x30); the EOI of 0x43 clears
 *    remote IRR and the next EOI clears 0x30's ISR bit.  GET_IRQCHIP on
 *    B shows IRQ 3 still latched in the 8259's IRR.
 *
 * The host never runs A again after the save: B carries on the guest.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"
#include "lib/irq.h"

#define VEC_ISR		0x30	/* a self-IPI left in service */
#define VEC_LEVEL	0x43	/* IOAPIC pin 11, level */
#define VEC_MSI		0x44
#define VEC_SPURIOUS	0xff
#define PIN_LEVEL	11
#define PIC_IRQ		3
#define SPINS		5000000
#define RUN_TIMEOUT	30

IRQ_HANDLER_NOEOI(isr_handler, VEC_ISR);
IRQ_HANDLER_NOEOI(level_handler, VEC_LEVEL);
IRQ_HANDLER_EOI(msi_handler, VEC_MSI);
IRQ_HANDLER_NOEOI(spurious_handler, VEC_SPURIOUS);

enum { ST_SAVE = 1, ST_PENDING, ST_DELIVERED, ST_EOI };

static bool remote_irr(void)
{
	return ioapic_read(IOAPIC_REDIR(PIN_LEVEL)) & IOAPIC_REMOTE_IRR;
}

static void guest_main(void)
{
	u64 i;

	pic_mask_all();
	xapic_write(APIC_LVT0, APIC_LVT_MASKED);
	xapic_enable(VEC_SPURIOUS);
	ioapic_set_redir(PIN_LEVEL, VEC_LEVEL | IOAPIC_LEVEL, 0);
	asm volatile("sti" ::: "memory");
	xapic_write(APIC_ICR, APIC_DEST_SELF | APIC_INT_ASSERT | VEC_ISR);
	for (i = 0; i < SPINS && !irq_hits[VEC_ISR]; i++)
		asm volatile("pause" ::: "memory");
	asm volatile("cli" ::: "memory");
	GUEST_SYNC(ST_SAVE, irq_hits[VEC_ISR]);

	/* From here on in VM B, IF still clear. */
	for (i = 0; i < SPINS / 50; i++)
		asm volatile("pause" ::: "memory");
	GUEST_SYNC(ST_PENDING,
		   xapic_vector_bit(APIC_IRR, VEC_LEVEL) |
		   xapic_vector_bit(APIC_IRR, VEC_MSI) << 1 |
		   xapic_vector_bit(APIC_TMR, VEC_LEVEL) << 2 |
		   xapic_vector_bit(APIC_ISR, VEC_ISR) << 3 |
		   remote_irr() << 4,
		   irq_hits[VEC_LEVEL] + irq_hits[VEC_MSI]);

	asm volatile("sti" ::: "memory");
	for (i = 0; i < SPINS && !(irq_hits[VEC_LEVEL] && irq_hits[VEC_MSI]); i++)
		asm volatile("pause" ::: "memory");
	for (i = 0; i < SPINS / 50; i++)	/* time for a duplicate */
		asm volatile("pause" ::: "memory");
	asm volatile("cli" ::: "memory");
	GUEST_SYNC(ST_DELIVERED, irq_hits[VEC_LEVEL], irq_hits[VEC_MSI],
		   remote_irr(), xapic_vector_bit(APIC_ISR, VEC_LEVEL));

	xapic_eoi();				/* 0x43: the level line's */
	i = remote_irr();
	xapic_eoi();				/* 0x30 */
	GUEST_SYNC(ST_EOI, i, xapic_vector_bit(APIC_ISR, VEC_ISR),
		   xapic_vector_bit(APIC_ISR, VEC_LEVEL));
}

struct irq_state {
	struct hv_lapic_state lapic;
	struct hv_irqchip pic[2], ioapic;
};

static bool save(struct vcpu *vcpu, struct irq_state *s)
{
	int fd = vcpu->vm->fd;

	memset(s, 0, sizeof(*s));
	s->pic[0].chip_id = HV_IRQCHIP_PIC_MASTER;
	s->pic[1].chip_id = HV_IRQCHIP_PIC_SLAVE;
	s->ioapic.chip_id = HV_IRQCHIP_IOAPIC;
	return !ioctl(vcpu->fd, HV_GET_LAPIC, &s->lapic) &&
	       !ioctl(fd, HV_GET_IRQCHIP, &s->pic[0]) &&
	       !ioctl(fd, HV_GET_IRQCHIP, &s->pic[1]) &&
	       !ioctl(fd, HV_GET_IRQCHIP, &s->ioapic);
}

static bool restore(struct vcpu *vcpu, struct irq_state *s)
{
	int fd = vcpu->vm->fd;

	return !ioctl(fd, HV_SET_IRQCHIP, &s->pic[0]) &&
	       !ioctl(fd, HV_SET_IRQCHIP, &s->pic[1]) &&
	       !ioctl(fd, HV_SET_IRQCHIP, &s->ioapic) &&
	       !ioctl(vcpu->fd, HV_SET_LAPIC, &s->lapic);
}

static bool vec_bit(const struct hv_lapic_state *s, u32 base, u8 vec)
{
	return (lapic_reg(s, base + 0x10 * (vec / 32)) >> (vec % 32)) & 1;
}

/* What is in flight, as bits: the guest's ST_PENDING layout, + PIC IRR. */
static u32 in_flight(const struct irq_state *s)
{
	return vec_bit(&s->lapic, APIC_IRR, VEC_LEVEL) |
	       vec_bit(&s->lapic, APIC_IRR, VEC_MSI) << 1 |
	       vec_bit(&s->lapic, APIC_TMR, VEC_LEVEL) << 2 |
	       vec_bit(&s->lapic, APIC_ISR, VEC_ISR) << 3 |
	       s->ioapic.chip.ioapic.redirtbl[PIN_LEVEL].fields.remote_irr << 4 |
	       ((s->pic[0].chip.pic.irr >> PIC_IRQ) & 1) << 5;
}

static struct vm *new_vm(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);

	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	return vm;
}

static struct vcpu *new_vcpu(struct vm *vm)
{
	struct vcpu *vcpu = vcpu_new(vm, 0);

	vcpu_set_idt_gate(vcpu, VEC_ISR, isr_handler);
	vcpu_set_idt_gate(vcpu, VEC_LEVEL, level_handler);
	vcpu_set_idt_gate(vcpu, VEC_MSI, msi_handler);
	vcpu_set_idt_gate(vcpu, VEC_SPURIOUS, spurious_handler);
	return vcpu;
}

static bool irq_line(struct vm *vm, u32 gsi, u32 level)
{
	struct hv_irq_level l = { .irq = gsi, .level = level };

	return !ioctl(vm->fd, HV_IRQ_LINE, &l);
}

/* Guest memory, registers, x87/SSE: B continues where A stopped. */
static bool move_cpu(struct vcpu *from, struct vcpu *to)
{
	struct vm_slot *a = &from->vm->slots[0], *b = &to->vm->slots[0];
	struct hv_regs regs;
	struct hv_sregs sregs;
	struct hv_fpu fpu;

	if (!a->used || !b->used || a->size != b->size ||
	    ioctl(from->fd, HV_GET_FPU, &fpu) || ioctl(to->fd, HV_SET_FPU, &fpu))
		return false;
	memcpy(b->hva, a->hva, a->size);
	vcpu_get_regs(from, &regs);
	vcpu_get_sregs(from, &sregs);
	vcpu_set_sregs(to, &sregs);
	vcpu_set_regs(to, &regs);
	return true;
}

int main(int argc, char **argv)
{
	struct irq_state s, back, *s2 = &back;
	struct hv_msi msi = { .address_lo = MSI_ADDR_BASE, .data = VEC_MSI };
	struct hv_irqchip pic = { .chip_id = HV_IRQCHIP_PIC_MASTER };
	struct vcpu *va, *vb;
	struct vm *a, *b;
	struct ucall uc;
	u32 want = 0x3f;
	bool ok;

	ktap_begin(argc, argv);
	irq_setup_alarm();
	a = new_vm();
	TEST_REQUIRE(dev_check_extension(a->devfd, HV_CAP_IRQCHIP) > 0,
		     "no in-kernel irqchip");
	va = new_vcpu(a);
	vcpu_enter(va, guest_main, 0);
	ok = irq_run_to_stage(va, ST_SAVE, &uc, RUN_TIMEOUT) && uc.args[1] == 1;
	ktap_result(ok, "VM A: the guest took its self-IPI 0x30 and left it in service, IF now clear");

	/*
	 * The ucall's OUT completes at the next KVM_RUN: finish it now
	 * without running the guest (immediate_exit, KVM's documented way
	 * before saving a vCPU), so that the registers B gets are past it.
	 */
	va->run->immediate_exit = 1;
	ok = ok && ioctl(va->fd, HV_RUN, 0) == -1 && errno == EINTR;
	va->run->immediate_exit = 0;
	ok = ok && ioctl(a->fd, HV_SIGNAL_MSI, &msi) == 1 &&
	     irq_line(a, PIN_LEVEL, 1) && irq_line(a, PIN_LEVEL, 0) &&
	     irq_line(a, PIC_IRQ, 1) && irq_line(a, PIC_IRQ, 0) && save(va, &s);
	ktap_result(ok && in_flight(&s) == want,
		    "VM A, saved: IRR 0x43 and 0x44, TMR 0x43, ISR 0x30, remote IRR, 8259 IRR bit 3 (%#x, want %#x)",
		    ok ? in_flight(&s) : 0, want);

	ok = ok && restore(va, &s) && save(va, s2);
	ktap_result(ok && in_flight(s2) == want &&
		    s2->pic[0].chip.pic.irr == s.pic[0].chip.pic.irr &&
		    !memcmp(&s2->ioapic.chip.ioapic, &s.ioapic.chip.ioapic,
			    sizeof(s.ioapic.chip.ioapic)),
		    "VM A, SET back and GET again: the same in flight (%#x), the same IOAPIC and 8259 IRR",
		    ok ? in_flight(s2) : 0);

	b = new_vm();
	vb = new_vcpu(b);
	ok = ok && move_cpu(va, vb) && restore(vb, &s);
	ktap_result(ok, "VM B: memory, registers, LAPIC, 8259s and IOAPIC of A restored");
	ok = ok && irq_run_to_stage(vb, ST_PENDING, &uc, RUN_TIMEOUT);
	ktap_result(ok && uc.args[1] == 0x1f && uc.args[2] == 0,
		    "VM B, IF clear: the guest sees the same in flight (%#llx, want 0x1f), nothing delivered (%llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	ok = ok && irq_run_to_stage(vb, ST_DELIVERED, &uc, RUN_TIMEOUT);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == 1,
		    "VM B, IF set: 0x43 and 0x44 delivered once each (%llu, %llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	ktap_result(ok && uc.args[3] == 1 && uc.args[4] == 1,
		    "VM B: 0x43 in service with remote IRR set until its EOI (%llu, %llu)",
		    (unsigned long long)uc.args[3], (unsigned long long)uc.args[4]);
	ok = ok && irq_run_to_stage(vb, ST_EOI, &uc, RUN_TIMEOUT);
	ktap_result(ok && uc.args[1] == 0 && uc.args[2] == 0 && uc.args[3] == 0,
		    "VM B: the EOI of 0x43 clears remote IRR (%llu), the next one 0x30's ISR bit (%llu, %llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
		    (unsigned long long)uc.args[3]);
	ok = !ioctl(b->fd, HV_GET_IRQCHIP, &pic);
	ktap_result(ok && (pic.chip.pic.irr >> PIC_IRQ & 1),
		    "VM B: IRQ 3 still latched in the master 8259's IRR (irr %#x)",
		    pic.chip.pic.irr);
	vm_free(b);
	vm_free(a);
	ktap_end();
}
