// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip (KVM_CREATE_IRQCHIP: the 8259 pair, the IOAPIC
 * and a local APIC per vCPU) as KVM 6.1 has it: arch/x86/kvm/x86.c,
 * lapic.c, ioapic.c, i8259.c, irq_comm.c and virt/kvm/irqchip.c.
 *
 *  - ioctl rules: CREATE_IRQCHIP once and before any vCPU; the irqchip
 *    ioctls of a VM without one (ENXIO, or EINVAL where KVM says so);
 *    GET_IRQCHIP's chip ids; SET_GSI_ROUTING's checks; HV_INTERRUPT is
 *    for a userspace irqchip only; SET_BOOT_CPU_ID before vCPUs only;
 *    CREATE_PIT2 once;
 *  - default state: the BSP RUNNABLE, an AP UNINITIALIZED; the local
 *    APICs' ID, version, SVR, LVT0 (KVM_X86_QUIRK_LINT0_REENABLED), APIC
 *    base; the IOAPIC's base and masked pins; SET_BOOT_CPU_ID picks the
 *    BSP;
 *  - a long-mode guest with its xAPIC software-enabled: a self-IPI; the
 *    APIC timer one-shot waking a HLT that the kernel keeps (no
 *    HV_EXIT_HLT); IOAPIC edge and level pins raised with HV_IRQ_LINE
 *    (remote IRR until the EOI, a still-asserted level line delivered
 *    again); HV_SIGNAL_MSI; an MSI route set with HV_SET_GSI_ROUTING;
 *    the statuses HV_IRQ_LINE_STATUS answers;
 *  - HV_GET/SET_LAPIC: a changed TPR round-trips, PPR follows it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"

#define VEC_IPI		0x40	/* self-IPI */
#define VEC_TIMER	0x41	/* APIC timer */
#define VEC_EDGE	0x42	/* IOAPIC pin 10, edge */
#define VEC_LEVEL	0x43	/* IOAPIC pin 11, level: the handler sends no EOI */
#define VEC_MSI		0x44	/* HV_SIGNAL_MSI */
#define VEC_ROUTE	0x45	/* GSI 24, an MSI route */
#define VEC_SPURIOUS	0xff

#define PIN_EDGE	10
#define PIN_LEVEL	11
#define PIN_MASKED	12	/* left as reset: masked */
#define GSI_MSI_ROUTE	24

#define TIMER_COUNT	1000000	/* 1 ms at KVM's 1 GHz APIC bus, divide by 1 */
#define SPIN_LIMIT	5000000	/* pause loops to wait for an interrupt */
#define RUN_TIMEOUT	20	/* seconds one KVM_RUN may take */

/* Written by the guest's handlers (its copies of these globals). */
volatile u64 hits[256];
volatile u64 last_vector;

extern const char irq_stub_ipi[], irq_stub_timer[], irq_stub_edge[],
	irq_stub_level[], irq_stub_msi[], irq_stub_route[], irq_stub_spurious[];

#define IRQ_STUB(name, vec, tail)					\
	#name ":\n"							\
	"	pushq %rax\n"						\
	"	movl $" __stringify(vec) ", %eax\n"			\
	"	jmp " tail "\n"

/*
 * Each stub counts its vector in hits[] and records it; the EOI variant
 * then writes the xAPIC's EOI register (0xfee000b0).  The level pin's
 * handler leaves the EOI to the guest code, which checks remote IRR
 * first; the spurious vector takes no EOI (SDM vol. 3A 10.9).
 */
asm("	.pushsection .text\n"
"irq_common_eoi:\n"
"	incq hits(,%rax,8)\n"
"	movq %rax, last_vector(%rip)\n"
"	movl $0xfee000b0, %eax\n"
"	movl $0, (%rax)\n"
"	popq %rax\n"
"	iretq\n"
"irq_common_noeoi:\n"
"	incq hits(,%rax,8)\n"
"	movq %rax, last_vector(%rip)\n"
"	popq %rax\n"
"	iretq\n"
IRQ_STUB(irq_stub_ipi, VEC_IPI, "irq_common_eoi")
IRQ_STUB(irq_stub_timer, VEC_TIMER, "irq_common_eoi")
IRQ_STUB(irq_stub_edge, VEC_EDGE, "irq_common_eoi")
IRQ_STUB(irq_stub_level, VEC_LEVEL, "irq_common_noeoi")
IRQ_STUB(irq_stub_msi, VEC_MSI, "irq_common_eoi")
IRQ_STUB(irq_stub_route, VEC_ROUTE, "irq_common_eoi")
IRQ_STUB(irq_stub_spurious, VEC_SPURIOUS, "irq_common_noeoi")
"	.popsection\n");

static u32 get_mp_state(struct vcpu *vcpu)
{
	struct hv_mp_state mp = { .mp_state = 0xdead };

	if (ioctl(vcpu->fd, HV_GET_MP_STATE, &mp))
		return 0xdead;
	return mp.mp_state;
}

static long irq_line(struct vm *vm, unsigned long req, u32 gsi, u32 level,
		     int *status)
{
	struct hv_irq_level l = { .irq = gsi, .level = level };
	long r = ioctl_ret(vm->fd, req, (unsigned long)&l);

	if (status)
		*status = l.status;
	return r;
}

static long get_irqchip(struct vm *vm, u32 chip_id, struct hv_irqchip *chip)
{
	memset(chip, 0, sizeof(*chip));
	chip->chip_id = chip_id;
	return ioctl_ret(vm->fd, HV_GET_IRQCHIP, (unsigned long)chip);
}

static long signal_msi(struct vm *vm, u32 addr, u32 data, u32 flags)
{
	struct hv_msi msi = { .address_lo = addr, .data = data, .flags = flags };

	return ioctl_ret(vm->fd, HV_SIGNAL_MSI, (unsigned long)&msi);
}

/* ---- GSI routing tables ---- */

static struct hv_irq_routing *routing_new(u32 nr)
{
	struct hv_irq_routing *r = calloc(1, sizeof(*r) + nr * sizeof(r->entries[0]));

	TEST_REQUIRE(r, "out of memory");
	r->nr = nr;
	return r;
}

static void route_irqchip(struct hv_irq_routing_entry *e, u32 gsi, u32 chip,
			  u32 pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = HV_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

static void route_msi(struct hv_irq_routing_entry *e, u32 gsi, u32 addr, u32 data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = HV_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = addr;
	e->u.msi.data = data;
}

/*
 * KVM's default table (irq_comm.c, default_routing): GSI n to IOAPIC pin
 * n, and GSIs 0-15 to the PIC pin n too; then @extra entries after it.
 */
static struct hv_irq_routing *routing_default(u32 extra)
{
	struct hv_irq_routing *r = routing_new(24 + 16 + extra);
	u32 n = 0, gsi;

	for (gsi = 0; gsi < 24; gsi++) {
		route_irqchip(&r->entries[n++], gsi, HV_IRQCHIP_IOAPIC, gsi);
		if (gsi < 16)
			route_irqchip(&r->entries[n++], gsi,
				      gsi < 8 ? HV_IRQCHIP_PIC_MASTER : HV_IRQCHIP_PIC_SLAVE,
				      gsi % 8);
	}
	return r;
}

static long set_routing(struct vm *vm, struct hv_irq_routing *r)
{
	return ioctl_ret(vm->fd, HV_SET_GSI_ROUTING, (unsigned long)r);
}

/* ---- ioctl rules ---- */

static void test_routing_rules(struct vm *vm)
{
	struct hv_irq_routing *r = routing_new(3);
	long ret;

	r->nr = 1;
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_PIC_MASTER, 8);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: PIC master pin 8: EINVAL (got %ld)", ret);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_PIC_SLAVE, 8);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: PIC slave pin 8: EINVAL (got %ld)", ret);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 24);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: IOAPIC pin 24: EINVAL (got %ld)", ret);
	route_irqchip(&r->entries[0], 0, 3, 0);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: irqchip 3: EINVAL (got %ld)", ret);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 0);
	r->entries[0].type = 99;
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: unknown route type 99: EINVAL (got %ld)", ret);
	route_irqchip(&r->entries[0], HV_MAX_IRQ_ROUTES, HV_IRQCHIP_IOAPIC, 0);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: GSI %d: EINVAL (got %ld)",
		    HV_MAX_IRQ_ROUTES, ret);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 0);
	r->entries[0].flags = 1;
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: an irqchip route with flags: EINVAL (got %ld)",
		    ret);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 0);
	r->flags = 1;
	ret = set_routing(vm, r);
	r->flags = 0;
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: table flags 1: EINVAL (got %ld)", ret);

	r->nr = 2;
	route_msi(&r->entries[0], 30, MSI_ADDR_BASE, 0x50);
	route_msi(&r->entries[1], 30, MSI_ADDR_BASE, 0x51);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: two MSI routes for one GSI: EINVAL (got %ld)",
		    ret);
	route_irqchip(&r->entries[0], 5, HV_IRQCHIP_IOAPIC, 5);
	route_irqchip(&r->entries[1], 5, HV_IRQCHIP_IOAPIC, 6);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: one GSI to the IOAPIC twice: EINVAL (got %ld)",
		    ret);
	route_irqchip(&r->entries[0], 5, HV_IRQCHIP_IOAPIC, 5);
	route_msi(&r->entries[1], 5, MSI_ADDR_BASE, 0x50);
	ret = set_routing(vm, r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING: one GSI to an irqchip and an MSI: EINVAL (got %ld)",
		    ret);

	/* QEMU's table for GSI 0: IOAPIC pin 2 and PIC pin 0; an MSI GSI. */
	r->nr = 3;
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 2);
	route_irqchip(&r->entries[1], 0, HV_IRQCHIP_PIC_MASTER, 0);
	route_msi(&r->entries[2], 40, MSI_ADDR_BASE, 0x50);
	ret = set_routing(vm, r);
	ktap_result(ret == 0, "SET_GSI_ROUTING: GSI 0 to IOAPIC pin 2 and PIC pin 0, GSI 40 to an MSI: 0 (got %ld)",
		    ret);
	r->nr = 0;
	ret = set_routing(vm, r);
	ktap_result(ret == 0, "SET_GSI_ROUTING: an empty table: 0 (got %ld)", ret);
	free(r);

	r = routing_default(0);
	ret = set_routing(vm, r);
	ktap_result(ret == 0, "SET_GSI_ROUTING: KVM's default table back: 0 (got %ld)", ret);
	free(r);
}

static void test_ioctl_rules(void)
{
	struct hv_pit_config pit = { .flags = 0 };
	struct hv_interrupt intr = { .irq = 0x40 };
	struct hv_irq_routing *r;
	struct hv_lapic_state lapic;
	struct hv_irqchip chip;
	struct vcpu *vcpu;
	struct vm *vm;
	long ret;

	/* A VM without an irqchip. */
	vm = vm_new(GUEST_NONE);
	ret = irq_line(vm, HV_IRQ_LINE, 4, 1, NULL);
	ktap_result(ret == -ENXIO, "IRQ_LINE without an irqchip: ENXIO (got %ld)", ret);
	ret = irq_line(vm, HV_IRQ_LINE_STATUS, 4, 1, NULL);
	ktap_result(ret == -ENXIO, "IRQ_LINE_STATUS without an irqchip: ENXIO (got %ld)", ret);
	ret = get_irqchip(vm, HV_IRQCHIP_IOAPIC, &chip);
	ktap_result(ret == -ENXIO, "GET_IRQCHIP without an irqchip: ENXIO (got %ld)", ret);
	ret = ioctl_ret(vm->fd, HV_SET_IRQCHIP, (unsigned long)&chip);
	ktap_result(ret == -ENXIO, "SET_IRQCHIP without an irqchip: ENXIO (got %ld)", ret);
	ret = signal_msi(vm, MSI_ADDR_BASE, 0x40, 0);
	ktap_result(ret == -EINVAL, "SIGNAL_MSI without an irqchip: EINVAL (got %ld)", ret);
	r = routing_new(1);
	route_irqchip(&r->entries[0], 0, HV_IRQCHIP_IOAPIC, 0);
	ret = set_routing(vm, r);
	free(r);
	ktap_result(ret == -EINVAL, "SET_GSI_ROUTING without an irqchip: EINVAL (got %ld)", ret);
	vcpu = vcpu_new(vm, 0);
	ret = ioctl_ret(vcpu->fd, HV_GET_LAPIC, (unsigned long)&lapic);
	ktap_result(ret == -EINVAL, "GET_LAPIC of a vCPU without an in-kernel APIC: EINVAL (got %ld)",
		    ret);
	memset(&lapic, 0, sizeof(lapic));
	ret = ioctl_ret(vcpu->fd, HV_SET_LAPIC, (unsigned long)&lapic);
	ktap_result(ret == -EINVAL, "SET_LAPIC of a vCPU without an in-kernel APIC: EINVAL (got %ld)",
		    ret);
	ret = ioctl_ret(vm->fd, HV_CREATE_IRQCHIP, 0);
	ktap_result(ret == -EINVAL, "CREATE_IRQCHIP after a vCPU exists: EINVAL (got %ld)", ret);
	ret = ioctl_ret(vm->fd, HV_SET_BOOT_CPU_ID, 0);
	ktap_result(ret == -EBUSY, "SET_BOOT_CPU_ID after a vCPU exists: EBUSY (got %ld)", ret);
	vm_free(vm);

	/* A VM with one. */
	vm = vm_new(GUEST_NONE);
	ret = ioctl_ret(vm->fd, HV_CREATE_IRQCHIP, 0);
	ktap_result(ret == 0, "CREATE_IRQCHIP on a new VM: 0 (got %ld)", ret);
	TEST_REQUIRE(ret == 0, "the rest needs an irqchip");
	ret = ioctl_ret(vm->fd, HV_CREATE_IRQCHIP, 0);
	ktap_result(ret == -EEXIST, "CREATE_IRQCHIP twice: EEXIST (got %ld)", ret);
	ret = get_irqchip(vm, 3, &chip);
	ktap_result(ret == -EINVAL, "GET_IRQCHIP chip_id 3: EINVAL (got %ld)", ret);
	chip.chip_id = 3;
	ret = ioctl_ret(vm->fd, HV_SET_IRQCHIP, (unsigned long)&chip);
	ktap_result(ret == -EINVAL, "SET_IRQCHIP chip_id 3: EINVAL (got %ld)", ret);
	ret = get_irqchip(vm, HV_IRQCHIP_PIC_SLAVE, &chip);
	ktap_result(ret == 0, "GET_IRQCHIP chip_id 1 (PIC slave): 0 (got %ld)", ret);
	ret = signal_msi(vm, MSI_ADDR_BASE, 0x40, 2);
	ktap_result(ret == -EINVAL, "SIGNAL_MSI with an unknown flag: EINVAL (got %ld)", ret);
	test_routing_rules(vm);
	ret = ioctl_ret(vm->fd, HV_CREATE_PIT2, (unsigned long)&pit);
	ktap_result(ret == 0, "CREATE_PIT2: 0 (got %ld)", ret);
	ret = ioctl_ret(vm->fd, HV_CREATE_PIT2, (unsigned long)&pit);
	ktap_result(ret == -EEXIST, "CREATE_PIT2 twice: EEXIST (got %ld)", ret);
	vcpu = vcpu_new(vm, 0);
	ret = ioctl_ret(vcpu->fd, HV_INTERRUPT, (unsigned long)&intr);
	ktap_result(ret == -ENXIO, "HV_INTERRUPT with an in-kernel irqchip: ENXIO (got %ld)", ret);
	vm_free(vm);
}

/* ---- default state ---- */

static void test_default_state(void)
{
	struct hv_lapic_state l0, l1;
	struct hv_sregs s0, s1;
	struct hv_irqchip chip;
	struct vcpu *bsp, *ap;
	struct vm *vm;
	bool ok;
	u32 m0, m1;
	int i;

	vm = vm_new(GUEST_NONE);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	bsp = vcpu_new(vm, 0);
	ap = vcpu_new(vm, 1);
	m0 = get_mp_state(bsp);
	m1 = get_mp_state(ap);
	ktap_result(m0 == HV_MP_STATE_RUNNABLE && m1 == HV_MP_STATE_UNINITIALIZED,
		    "with an irqchip: vCPU 0 RUNNABLE (%u), vCPU 1 UNINITIALIZED (%u)", m0, m1);

	memset(&l0, 0, sizeof(l0));
	memset(&l1, 0, sizeof(l1));
	ok = !ioctl(bsp->fd, HV_GET_LAPIC, &l0) && !ioctl(ap->fd, HV_GET_LAPIC, &l1);
	ktap_result(ok, "GET_LAPIC of both vCPUs: 0");
	ktap_result(ok && lapic_reg(&l1, APIC_ID) == 1u << 24 && lapic_reg(&l0, APIC_ID) == 0,
		    "APIC ID register: vCPU 1 %#x, vCPU 0 %#x",
		    lapic_reg(&l1, APIC_ID), lapic_reg(&l0, APIC_ID));
	ktap_result(ok && (lapic_reg(&l1, APIC_LVR) & 0xff) == 0x14,
		    "APIC version register's low byte 0x14 (LVR %#x)", lapic_reg(&l1, APIC_LVR));
	ktap_result(ok && lapic_reg(&l1, APIC_SPIV) == 0xff && lapic_reg(&l0, APIC_SPIV) == 0xff,
		    "SVR 0xff: software-disabled, spurious vector 0xff (%#x, %#x)",
		    lapic_reg(&l0, APIC_SPIV), lapic_reg(&l1, APIC_SPIV));
	ktap_result(ok && lapic_reg(&l1, APIC_DFR) == 0xffffffff && !lapic_reg(&l1, APIC_LDR) &&
		    !lapic_reg(&l1, APIC_TASKPRI),
		    "DFR flat (%#x), LDR 0, TPR 0", lapic_reg(&l1, APIC_DFR));
	ktap_result(ok && lapic_reg(&l1, APIC_LVTT) == APIC_LVT_MASKED &&
		    lapic_reg(&l1, APIC_LVT1) == APIC_LVT_MASKED &&
		    lapic_reg(&l1, APIC_LVTERR) == APIC_LVT_MASKED &&
		    lapic_reg(&l0, APIC_LVTT) == APIC_LVT_MASKED,
		    "LVT timer, LINT1 and error masked (%#x %#x %#x)",
		    lapic_reg(&l1, APIC_LVTT), lapic_reg(&l1, APIC_LVT1),
		    lapic_reg(&l1, APIC_LVTERR));
	ktap_result(ok && lapic_reg(&l0, APIC_LVT0) == APIC_DM_EXTINT &&
		    lapic_reg(&l1, APIC_LVT0) == APIC_LVT_MASKED,
		    "LVT0: the BSP's ExtINT unmasked (KVM_X86_QUIRK_LINT0_REENABLED: %#x), the AP's masked (%#x)",
		    lapic_reg(&l0, APIC_LVT0), lapic_reg(&l1, APIC_LVT0));
	vcpu_get_sregs(bsp, &s0);
	vcpu_get_sregs(ap, &s1);
	ktap_result(s0.apic_base == 0xfee00900 && s1.apic_base == 0xfee00800,
		    "APIC base: BSP %#llx (enabled, BSP), AP %#llx (enabled)",
		    (unsigned long long)s0.apic_base, (unsigned long long)s1.apic_base);

	ok = get_irqchip(vm, HV_IRQCHIP_IOAPIC, &chip) == 0;
	for (i = 0; ok && i < HV_IOAPIC_NUM_PINS; i++)
		ok = chip.chip.ioapic.redirtbl[i].bits == IOAPIC_MASKED;
	ktap_result(ok && chip.chip.ioapic.base_address == IOAPIC_DEFAULT_GPA &&
		    !chip.chip.ioapic.id && !chip.chip.ioapic.irr,
		    "GET_IRQCHIP IOAPIC: base %#llx, id 0, irr 0, the 24 pins masked",
		    (unsigned long long)chip.chip.ioapic.base_address);
	ok = get_irqchip(vm, HV_IRQCHIP_PIC_MASTER, &chip) == 0;
	m0 = chip.chip.pic.elcr_mask;
	ok = ok && get_irqchip(vm, HV_IRQCHIP_PIC_SLAVE, &chip) == 0;
	m1 = chip.chip.pic.elcr_mask;
	ktap_result(ok && m0 == 0xf8 && m1 == 0xde,
		    "GET_IRQCHIP PIC: the ELCR masks of the PIIX (master %#x, slave %#x)", m0, m1);
	vm_free(vm);

	/* SET_BOOT_CPU_ID before any vCPU: the BSP is the one named. */
	vm = vm_new(GUEST_NONE);
	i = ioctl_ret(vm->fd, HV_SET_BOOT_CPU_ID, 1);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	bsp = vcpu_new(vm, 0);
	ap = vcpu_new(vm, 1);
	m0 = get_mp_state(bsp);
	m1 = get_mp_state(ap);
	vcpu_get_sregs(bsp, &s0);
	vcpu_get_sregs(ap, &s1);
	ktap_result(i == 0 && m1 == HV_MP_STATE_RUNNABLE && m0 == HV_MP_STATE_UNINITIALIZED &&
		    s1.apic_base == 0xfee00900 && s0.apic_base == 0xfee00800,
		    "SET_BOOT_CPU_ID 1 (%d): vCPU 1 is the BSP (%u, base %#llx), vCPU 0 an AP (%u, base %#llx)",
		    i, m1, (unsigned long long)s1.apic_base, m0,
		    (unsigned long long)s0.apic_base);
	vm_free(vm);
}

/* ---- a guest ---- */

enum {
	ST_ENABLED = 1, ST_IPI, ST_TIMER, ST_EDGE_READY, ST_EDGE, ST_LEVEL_READY,
	ST_LEVEL_1, ST_LEVEL_2, ST_LEVEL_3, ST_MSI_READY, ST_MSI, ST_ROUTE_READY,
	ST_ROUTE,
};

static void guest_wait_hits(u8 vector, u64 n)
{
	u64 i;

	for (i = 0; i < SPIN_LIMIT && hits[vector] < n; i++)
		asm volatile("pause" ::: "memory");
}

/* A while longer: time for an interrupt that should not come. */
static void guest_linger(void)
{
	u64 i;

	for (i = 0; i < SPIN_LIMIT / 50; i++)
		asm volatile("pause" ::: "memory");
}

static void guest_main(void)
{
	u64 halts = 0;
	u32 redir;

	pic_mask_all();
	xapic_write(APIC_LVT0, APIC_LVT_MASKED);
	xapic_enable(VEC_SPURIOUS);
	GUEST_SYNC(ST_ENABLED, xapic_read(APIC_SPIV), xapic_read(APIC_ID),
		   xapic_read(APIC_LVR), ioapic_read(IOAPIC_REG_VERSION));

	/* a) a self-IPI */
	asm volatile("sti" ::: "memory");
	xapic_write(APIC_ICR, APIC_DEST_SELF | APIC_INT_ASSERT | APIC_DM_FIXED | VEC_IPI);
	guest_wait_hits(VEC_IPI, 1);
	guest_linger();
	GUEST_SYNC(ST_IPI, hits[VEC_IPI], last_vector,
		   xapic_vector_bit(APIC_ISR, VEC_IPI), xapic_vector_bit(APIC_IRR, VEC_IPI));

	/* b) the timer, one-shot, waking a HLT */
	asm volatile("cli" ::: "memory");
	xapic_write(APIC_TDCR, APIC_TDR_DIV_1);
	xapic_write(APIC_LVTT, VEC_TIMER);
	xapic_write(APIC_TMICT, TIMER_COUNT);
	while (!hits[VEC_TIMER]) {
		asm volatile("sti; hlt; cli" ::: "memory");
		halts++;
	}
	asm volatile("sti" ::: "memory");
	guest_linger();
	GUEST_SYNC(ST_TIMER, hits[VEC_TIMER], halts, xapic_read(APIC_TMCCT));

	/* c) IOAPIC pin 10, edge; the test raises the line */
	ioapic_set_redir(PIN_EDGE, VEC_EDGE, 0);
	GUEST_SYNC(ST_EDGE_READY, ioapic_read(IOAPIC_REDIR(PIN_EDGE)),
		   ioapic_read(IOAPIC_REDIR(PIN_EDGE) + 1));
	guest_wait_hits(VEC_EDGE, 1);
	guest_linger();
	GUEST_SYNC(ST_EDGE, hits[VEC_EDGE], last_vector);

	/* IOAPIC pin 11, level, active high */
	ioapic_set_redir(PIN_LEVEL, IOAPIC_LEVEL | VEC_LEVEL, 0);
	GUEST_SYNC(ST_LEVEL_READY);
	guest_wait_hits(VEC_LEVEL, 1);
	redir = ioapic_read(IOAPIC_REDIR(PIN_LEVEL));
	GUEST_SYNC(ST_LEVEL_1, hits[VEC_LEVEL], redir, xapic_vector_bit(APIC_ISR, VEC_LEVEL),
		   xapic_vector_bit(APIC_TMR, VEC_LEVEL));
	xapic_eoi();			/* the line is still asserted */
	guest_wait_hits(VEC_LEVEL, 2);
	redir = ioapic_read(IOAPIC_REDIR(PIN_LEVEL));
	GUEST_SYNC(ST_LEVEL_2, hits[VEC_LEVEL], redir);
	xapic_eoi();			/* the test lowered it */
	guest_linger();
	redir = ioapic_read(IOAPIC_REDIR(PIN_LEVEL));
	GUEST_SYNC(ST_LEVEL_3, hits[VEC_LEVEL], redir, xapic_vector_bit(APIC_ISR, VEC_LEVEL));

	/* d) HV_SIGNAL_MSI */
	GUEST_SYNC(ST_MSI_READY);
	guest_wait_hits(VEC_MSI, 1);
	guest_linger();
	GUEST_SYNC(ST_MSI, hits[VEC_MSI], last_vector);

	/* an MSI route, raised with IRQ_LINE */
	GUEST_SYNC(ST_ROUTE_READY);
	guest_wait_hits(VEC_ROUTE, 1);
	guest_linger();
	GUEST_SYNC(ST_ROUTE, hits[VEC_ROUTE], last_vector);
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	alarm_fired = 1;
}

/*
 * Run to the next ucall, which must be a UCALL_SYNC of @stage.  At most
 * RUN_TIMEOUT seconds: a vCPU halted in the kernel waits for an
 * interrupt that may never come, and SIGALRM ends that KVM_RUN.  A HLT
 * exit is a failure: with an in-kernel irqchip the kernel keeps HLT.
 */
static bool run_to_stage(struct vcpu *vcpu, u64 stage, struct ucall *uc)
{
	struct itimerval t = { .it_value = { .tv_sec = RUN_TIMEOUT } };
	struct itimerval off = { 0 };
	u32 got;
	int r;

	alarm_fired = 0;
	setitimer(ITIMER_REAL, &t, NULL);
	r = vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	memset(uc, 0, sizeof(*uc));
	if (r == -EINTR && alarm_fired) {
		ktap_info("stage %llu: KVM_RUN still running after %d s (guest rip %#llx)",
			  (unsigned long long)stage, RUN_TIMEOUT,
			  (unsigned long long)vcpu_rip(vcpu));
		return false;
	}
	if (r) {
		ktap_info("stage %llu: KVM_RUN: %s", (unsigned long long)stage, strerror(-r));
		return false;
	}
	if (vcpu->run->exit_reason == HV_EXIT_HLT) {
		ktap_info("stage %llu: HV_EXIT_HLT: with an in-kernel irqchip the kernel handles HLT (rip %#llx)",
			  (unsigned long long)stage, (unsigned long long)vcpu_rip(vcpu));
		return false;
	}
	got = vcpu_get_ucall(vcpu, uc);
	if (got == UCALL_SYNC && uc->args[0] == stage)
		return true;
	if (got == UCALL_NONE)
		ktap_info("stage %llu: %s", (unsigned long long)stage, vcpu_exit_str(vcpu));
	else
		ucall_print(vcpu->vm, uc, "guest");
	return false;
}

static void test_guest(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct hv_lapic_state lapic;
	struct hv_irq_routing *routes;
	struct hv_irqchip chip;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	int st, st2, st3;
	long ret;
	bool ok;

	sigaction(SIGALRM, &sa, NULL);
	vm = vm_new(GUEST_LONG64);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	vcpu = vcpu_new(vm, 0);
	vcpu_set_idt_gate(vcpu, VEC_IPI, irq_stub_ipi);
	vcpu_set_idt_gate(vcpu, VEC_TIMER, irq_stub_timer);
	vcpu_set_idt_gate(vcpu, VEC_EDGE, irq_stub_edge);
	vcpu_set_idt_gate(vcpu, VEC_LEVEL, irq_stub_level);
	vcpu_set_idt_gate(vcpu, VEC_MSI, irq_stub_msi);
	vcpu_set_idt_gate(vcpu, VEC_ROUTE, irq_stub_route);
	vcpu_set_idt_gate(vcpu, VEC_SPURIOUS, irq_stub_spurious);
	vcpu_enter(vcpu, guest_main, 0);

	ok = run_to_stage(vcpu, ST_ENABLED, &uc);
	ktap_result(ok && uc.args[1] == (APIC_SPIV_APIC_ENABLED | VEC_SPURIOUS) &&
		    uc.args[2] == 0 && (uc.args[3] & 0xff) == 0x14,
		    "guest: its xAPIC at 0xfee00000 reads SVR %#llx after enabling, ID %#llx, version %#llx",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
		    (unsigned long long)uc.args[3]);
	ktap_result(ok && uc.args[4] == 0x170011,
		    "guest: the IOAPIC at 0xfec00000: version register %#llx (24 pins, version 0x11)",
		    (unsigned long long)uc.args[4]);
	memset(&lapic, 0, sizeof(lapic));
	ret = ioctl_ret(vcpu->fd, HV_GET_LAPIC, (unsigned long)&lapic);
	ktap_result(ok && !ret && lapic_reg(&lapic, APIC_SPIV) == (APIC_SPIV_APIC_ENABLED | VEC_SPURIOUS) &&
		    lapic_reg(&lapic, APIC_LVT0) == APIC_LVT_MASKED,
		    "GET_LAPIC shows the guest's writes: SVR %#x, LVT0 %#x",
		    lapic_reg(&lapic, APIC_SPIV), lapic_reg(&lapic, APIC_LVT0));
	ok = ok && get_irqchip(vm, HV_IRQCHIP_PIC_MASTER, &chip) == 0;
	st = chip.chip.pic.imr;
	ok = ok && get_irqchip(vm, HV_IRQCHIP_PIC_SLAVE, &chip) == 0;
	ktap_result(ok && st == 0xff && chip.chip.pic.imr == 0xff,
		    "guest OCW1 to ports 0x21/0xa1: GET_IRQCHIP shows both PICs masked (%#x, %#x)",
		    st, chip.chip.pic.imr);

	/* a) */
	ok = ok && run_to_stage(vcpu, ST_IPI, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == VEC_IPI && !uc.args[3] && !uc.args[4],
		    "self-IPI (ICR fixed, shorthand self): the handler ran %llu time(s) with vector %#llx, ISR and IRR clear after its EOI",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);

	/* b) */
	ok = ok && run_to_stage(vcpu, ST_TIMER, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] >= 1,
		    "APIC timer one-shot: its interrupt woke the guest's HLT in the kernel, no HV_EXIT_HLT (%llu interrupt(s), %llu HLT(s))",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	ktap_result(ok && uc.args[3] == 0,
		    "APIC timer one-shot: the current count is 0 once it expired (%#llx)",
		    (unsigned long long)uc.args[3]);

	/* c) edge */
	ok = ok && run_to_stage(vcpu, ST_EDGE_READY, &uc);
	ktap_result(ok && uc.args[1] == VEC_EDGE && uc.args[2] == 0,
		    "IOAPIC pin %d: the redirection entry reads back as written (%#llx %#llx)",
		    PIN_EDGE, (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	ok = ok && get_irqchip(vm, HV_IRQCHIP_IOAPIC, &chip) == 0;
	ktap_result(ok && chip.chip.ioapic.redirtbl[PIN_EDGE].fields.vector == VEC_EDGE &&
		    !chip.chip.ioapic.redirtbl[PIN_EDGE].fields.mask &&
		    !chip.chip.ioapic.redirtbl[PIN_EDGE].fields.trig_mode &&
		    chip.chip.ioapic.redirtbl[PIN_EDGE].fields.dest_id == 0,
		    "GET_IRQCHIP IOAPIC: pin %d unmasked, edge, vector %#x (bits %#llx)", PIN_EDGE,
		    chip.chip.ioapic.redirtbl[PIN_EDGE].fields.vector,
		    (unsigned long long)chip.chip.ioapic.redirtbl[PIN_EDGE].bits);
	st = st2 = st3 = 0x7777;
	ret = ok ? irq_line(vm, HV_IRQ_LINE_STATUS, PIN_EDGE, 1, &st) : -1;
	ret = ret ?: irq_line(vm, HV_IRQ_LINE_STATUS, PIN_EDGE, 1, &st2);
	ret = ret ?: irq_line(vm, HV_IRQ_LINE_STATUS, PIN_EDGE, 0, &st3);
	ok = ok && !ret;
	ktap_result(ok && st == 1,
		    "IRQ_LINE_STATUS GSI %d up: status 1, delivered to one CPU (got %d)", PIN_EDGE, st);
	ktap_result(ok && st2 == 0,
		    "IRQ_LINE_STATUS GSI %d up again with no falling edge: status 0, coalesced (got %d)",
		    PIN_EDGE, st2);
	ktap_result(ok && st3 == 1,
		    "IRQ_LINE_STATUS GSI %d down: status 1, as KVM's IOAPIC answers a deassert (got %d)",
		    PIN_EDGE, st3);
	ok = ok && run_to_stage(vcpu, ST_EDGE, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == VEC_EDGE,
		    "IOAPIC edge pin %d raised by IRQ_LINE_STATUS: delivered once, vector %#llx (%llu time(s))",
		    PIN_EDGE, (unsigned long long)uc.args[2], (unsigned long long)uc.args[1]);
	st = 0x7777;
	ret = irq_line(vm, HV_IRQ_LINE_STATUS, PIN_MASKED, 1, &st);
	ret = ret ?: irq_line(vm, HV_IRQ_LINE, PIN_MASKED, 0, NULL);
	ktap_result(ok && !ret && st < 0,
		    "IRQ_LINE_STATUS GSI %d, masked in the IOAPIC and the PIC: status < 0, ignored (got %d)",
		    PIN_MASKED, st);

	/* c) level */
	ok = ok && run_to_stage(vcpu, ST_LEVEL_READY, &uc);
	ok = ok && irq_line(vm, HV_IRQ_LINE, PIN_LEVEL, 1, NULL) == 0;
	ok = ok && run_to_stage(vcpu, ST_LEVEL_1, &uc);
	ktap_result(ok && uc.args[1] == 1 && (uc.args[2] & 0xff) == VEC_LEVEL,
		    "IOAPIC level pin %d asserted by IRQ_LINE: delivered with vector %#x (%llu time(s))",
		    PIN_LEVEL, VEC_LEVEL, (unsigned long long)uc.args[1]);
	ktap_result(ok && (uc.args[2] & IOAPIC_REMOTE_IRR) && uc.args[3] && uc.args[4],
		    "before the EOI: the guest reads remote IRR set (entry %#llx), the vector in its ISR (%llu) and TMR (%llu)",
		    (unsigned long long)uc.args[2], (unsigned long long)uc.args[3],
		    (unsigned long long)uc.args[4]);
	ok = ok && get_irqchip(vm, HV_IRQCHIP_IOAPIC, &chip) == 0;
	ktap_result(ok && chip.chip.ioapic.redirtbl[PIN_LEVEL].fields.remote_irr &&
		    (chip.chip.ioapic.irr & (1u << PIN_LEVEL)),
		    "before the EOI: GET_IRQCHIP shows remote IRR %u and the pin's IRR bit (irr %#x)",
		    chip.chip.ioapic.redirtbl[PIN_LEVEL].fields.remote_irr, chip.chip.ioapic.irr);
	st = 0x7777;
	ret = irq_line(vm, HV_IRQ_LINE_STATUS, PIN_LEVEL, 1, &st);
	ktap_result(ok && !ret && st <= 0,
		    "IRQ_LINE_STATUS on the level pin while remote IRR is set: not delivered (status %d)",
		    st);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_2, &uc);
	ktap_result(ok && uc.args[1] == 2 && (uc.args[2] & IOAPIC_REMOTE_IRR),
		    "EOI with the line still asserted: delivered again (%llu times), remote IRR set again (%#llx)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	ok = ok && irq_line(vm, HV_IRQ_LINE, PIN_LEVEL, 0, NULL) == 0;
	ok = ok && run_to_stage(vcpu, ST_LEVEL_3, &uc);
	ktap_result(ok && uc.args[1] == 2 && !(uc.args[2] & IOAPIC_REMOTE_IRR) && !uc.args[3],
		    "EOI after the line dropped: remote IRR clear (%#llx), ISR clear, not delivered again (%llu times)",
		    (unsigned long long)uc.args[2], (unsigned long long)uc.args[1]);
	ok = ok && get_irqchip(vm, HV_IRQCHIP_IOAPIC, &chip) == 0;
	ktap_result(ok && !chip.chip.ioapic.redirtbl[PIN_LEVEL].fields.remote_irr &&
		    !(chip.chip.ioapic.irr & (1u << PIN_LEVEL)),
		    "GET_IRQCHIP after it: remote IRR %u, irr %#x",
		    chip.chip.ioapic.redirtbl[PIN_LEVEL].fields.remote_irr, chip.chip.ioapic.irr);

	/* d) */
	ok = ok && run_to_stage(vcpu, ST_MSI_READY, &uc);
	ret = ok ? signal_msi(vm, MSI_ADDR_BASE | MSI_ADDR_DEST(0), VEC_MSI, 0) : -1;
	ktap_result(ret == 1, "SIGNAL_MSI to APIC ID 0, vector %#x: 1, delivered to one CPU (got %ld)",
		    VEC_MSI, ret);
	ok = ok && run_to_stage(vcpu, ST_MSI, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == VEC_MSI,
		    "SIGNAL_MSI: the handler ran once with vector %#llx (%llu time(s))",
		    (unsigned long long)uc.args[2], (unsigned long long)uc.args[1]);

	/* e) an MSI route on GSI 24, beside KVM's default table */
	ok = ok && run_to_stage(vcpu, ST_ROUTE_READY, &uc);
	routes = routing_default(1);
	route_msi(&routes->entries[routes->nr - 1], GSI_MSI_ROUTE,
		  MSI_ADDR_BASE | MSI_ADDR_DEST(0), VEC_ROUTE);
	ret = set_routing(vm, routes);
	free(routes);
	ktap_result(ok && ret == 0, "SET_GSI_ROUTING with the guest running: the default table and GSI %d as an MSI: 0 (got %ld)",
		    GSI_MSI_ROUTE, ret);
	st = 0x7777;
	ret = ok ? irq_line(vm, HV_IRQ_LINE_STATUS, GSI_MSI_ROUTE, 1, &st) : -1;
	ret = ret ?: irq_line(vm, HV_IRQ_LINE, GSI_MSI_ROUTE, 0, NULL);
	ktap_result(!ret && st == 1,
		    "IRQ_LINE_STATUS on the MSI route's GSI: status 1, delivered to one CPU (got %d)", st);
	ok = ok && run_to_stage(vcpu, ST_ROUTE, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == VEC_ROUTE,
		    "the MSI route: the handler ran once with vector %#llx (%llu time(s))",
		    (unsigned long long)uc.args[2], (unsigned long long)uc.args[1]);

	ok = ok && vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "guest end");
	ktap_result(ok && !guest_var(vm, hits)[0][VEC_SPURIOUS],
		    "the guest finished, with no spurious interrupt (%llu)",
		    (unsigned long long)guest_var(vm, hits)[0][VEC_SPURIOUS]);
	vm_free(vm);
}

/* ---- HV_GET/SET_LAPIC ---- */

static void test_lapic_state(void)
{
	struct hv_lapic_state a, b;
	struct vcpu *vcpu;
	struct vm *vm;
	bool same = true;
	long r1, r2, r3;
	u32 off;

	vm = vm_new(GUEST_NONE);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	vcpu = vcpu_new(vm, 0);
	memset(&a, 0, sizeof(a));
	r1 = ioctl_ret(vcpu->fd, HV_GET_LAPIC, (unsigned long)&a);
	lapic_set_reg(&a, APIC_TASKPRI, 0x20);
	lapic_set_reg(&a, APIC_LVTERR, 0xfe);	/* unmasked, vector 0xfe */
	r2 = ioctl_ret(vcpu->fd, HV_SET_LAPIC, (unsigned long)&a);
	memset(&b, 0, sizeof(b));
	r3 = ioctl_ret(vcpu->fd, HV_GET_LAPIC, (unsigned long)&b);
	for (off = 0; off < HV_APIC_REG_SIZE; off += 0x10) {
		/* PPR is computed from TPR and ISR; TMCCT from the timer. */
		if (off == APIC_PROCPRI || off == APIC_TMCCT)
			continue;
		if (lapic_reg(&a, off) != lapic_reg(&b, off)) {
			ktap_info("offset %#x: set %#x, read back %#x", off,
				  lapic_reg(&a, off), lapic_reg(&b, off));
			same = false;
		}
	}
	ktap_result(!r1 && !r2 && !r3 && lapic_reg(&b, APIC_TASKPRI) == 0x20 && same,
		    "SET_LAPIC with TPR 0x20 and LVTERR changed, GET_LAPIC: the same registers (TPR %#x)",
		    lapic_reg(&b, APIC_TASKPRI));
	ktap_result(!r3 && lapic_reg(&b, APIC_PROCPRI) == 0x20,
		    "after it, PPR follows TPR with no interrupt in service (%#x)",
		    lapic_reg(&b, APIC_PROCPRI));
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_IRQCHIP) <= 0)
		ktap_skip_all("no in-kernel irqchip (CHECK_EXTENSION(KVM_CAP_IRQCHIP) is 0)");
	close(devfd);
	test_ioctl_rules();
	test_default_state();
	test_guest();
	test_lapic_state();
	ktap_end();
}
