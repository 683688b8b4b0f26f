// SPDX-License-Identifier: GPL-2.0
/*
 * Events with a userspace irqchip, as QEMU's kernel-irqchip=off uses
 * them: HV_INTERRUPT (KVM_INTERRUPT), HV_NMI, the interrupt window
 * (request_interrupt_window, HV_EXIT_IRQ_WINDOW_OPEN), the run
 * structure's if_flag / ready_for_interrupt_injection / cr8 / apic_base,
 * and HV_GET/SET_VCPU_EVENTS.
 *
 *  - an interrupt given with HV_INTERRUPT goes through the guest's IDT,
 *    with its vector, when the guest allows it;
 *  - with RFLAGS.IF clear the window waits for STI and its shadow; an
 *    exit inside the shadow of STI or MOV SS says the guest is not ready,
 *    and an interrupt given then comes after the shadowed instruction;
 *  - NMIs: two queued are both delivered, never one inside the other
 *    (blocked until the handler's IRET), even with IF clear;
 *  - an exception whose delivery an exit interrupted (its stack page not
 *    yet mapped in the nested tables) is delivered again;
 *  - HV_GET/SET_VCPU_EVENTS: NMI pending, shadow, an injected interrupt
 *    or exception set from userspace is delivered; bad input is refused.
 */
#include <sys/ioctl.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define VEC_A		0x40
#define VEC_B		0x41
#define RAW_PORT	0x7f4	/* a bare OUT, not a ucall */
#define APIC_BASE_BSP	0xfee00900ULL	/* 0xfee00000, enabled, BSP */

/* Written by the guest's handlers (its copies of these globals). */
volatile u64 irq_count, irq_vector, irq_rip;
volatile u64 nmi_count, nmi_depth, nmi_max;

extern const char irq_handler_a[], irq_handler_b[], nmi_handler[];
asm("	.pushsection .text\n"
"irq_handler_a:\n"
"	movq $0x40, irq_vector(%rip)\n"
"	jmp 1f\n"
"irq_handler_b:\n"
"	movq $0x41, irq_vector(%rip)\n"
"1:	pushq %rax\n"
"	movq 8(%rsp), %rax\n"		/* the interrupted RIP */
"	movq %rax, irq_rip(%rip)\n"
"	incq irq_count(%rip)\n"
"	popq %rax\n"
"	iretq\n"
"nmi_handler:\n"
"	pushq %rax\n"
"	incq nmi_depth(%rip)\n"
"	movq nmi_depth(%rip), %rax\n"
"	cmpq nmi_max(%rip), %rax\n"
"	jbe 2f\n"
"	movq %rax, nmi_max(%rip)\n"
"2:	incq nmi_count(%rip)\n"
"	movq $2000, %rax\n"		/* time for a nested NMI, if any */
"3:	pause\n"
"	decq %rax\n"
"	jnz 3b\n"
"	decq nmi_depth(%rip)\n"
"	popq %rax\n"
"	iretq\n"
"	.popsection\n");

static inline __attribute__((always_inline)) void raw_out(u32 v)
{
	asm volatile("outl %0, %w1" : : "a"(v), "Nd"((u16)RAW_PORT) : "memory");
}

/* ---- an interrupt, the run structure's fields ---- */

static void guest_wait_irq(void)
{
	asm volatile("sti" ::: "memory");
	asm volatile("mov %0, %%cr8" : : "r"(5ULL));
	GUEST_SYNC(0);			/* IF set: the test injects */
	while (!irq_count)
		asm volatile("pause");
	GUEST_SYNC(irq_count, irq_vector);
}

static void test_interrupt(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_interrupt irq = { .irq = VEC_B };
	struct hv_run *run = vcpu->run;
	struct ucall uc;
	bool ok;

	vcpu_set_idt_gate(vcpu, VEC_A, irq_handler_a);
	vcpu_set_idt_gate(vcpu, VEC_B, irq_handler_b);
	vcpu_enter(vcpu, guest_wait_irq, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "ready");
	ktap_result(ok && run->if_flag == 1 && run->ready_for_interrupt_injection == 1,
		    "IF set: if_flag %u, ready_for_interrupt_injection %u",
		    run->if_flag, run->ready_for_interrupt_injection);
	ktap_result(ok && run->cr8 == 5 && run->apic_base == APIC_BASE_BSP,
		    "run->cr8 is the guest's TPR (%llu), run->apic_base %#llx",
		    (unsigned long long)run->cr8,
		    (unsigned long long)run->apic_base);
	ok = ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "delivered");
	ktap_result(ok && uc.args[0] == 1 && uc.args[1] == VEC_B,
		    "HV_INTERRUPT: delivered once through the IDT with its vector (%llu times, vector %#llx)",
		    (unsigned long long)uc.args[0],
		    (unsigned long long)uc.args[1]);
	irq.irq = 256;
	ktap_result(ioctl_ret(vcpu->fd, HV_INTERRUPT, (unsigned long)&irq) == -EINVAL,
		    "HV_INTERRUPT with vector 256: EINVAL");
	vm_free(vm);
}

/* ---- an interrupt queued while an MMIO read waits for userspace ---- */

#define MMIO_GPA	0xc0000000ULL	/* no slot: MMIO */

static void guest_mmio_then_irq(void)
{
	u32 v;

	asm volatile("sti" ::: "memory");
	v = *(volatile u32 *)MMIO_GPA;
	GUEST_SYNC(v, irq_count, irq_vector);
}

/*
 * A userspace irqchip answers an MMIO exit and, before the next HV_RUN,
 * injects the interrupt that became ready meanwhile (QEMU does this for
 * every exit).  The access completes first, then the interrupt is
 * delivered; neither is taken for an event interrupted in its delivery.
 */
static void test_interrupt_after_mmio(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_interrupt irq = { .irq = VEC_A };
	struct hv_run *run = vcpu->run;
	struct ucall uc;
	bool ok;

	vcpu_set_idt_gate(vcpu, VEC_A, irq_handler_a);
	vcpu_enter(vcpu, guest_mmio_then_irq, 0);
	ok = vcpu_run_expect(vcpu, HV_EXIT_MMIO, "mmio read");
	ok = ok && run->mmio.phys_addr == MMIO_GPA && !run->mmio.is_write &&
	     run->ready_for_interrupt_injection == 1;
	ktap_result(ok, "an MMIO read exits, ready for an interrupt (%s)",
		    vcpu_exit_str(vcpu));
	memcpy(run->mmio.data, "\x78\x56\x34\x12", 4);
	ok = ok && ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "after mmio");
	ktap_result(ok && uc.args[0] == 0x12345678 && uc.args[1] == 1 &&
		    uc.args[2] == VEC_A,
		    "HV_INTERRUPT before completing it: the read gets its data (%#llx), then the interrupt is delivered (%llu times, vector %#llx)",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1],
		    (unsigned long long)uc.args[2]);
	vm_free(vm);
}

/* ---- the window, and the shadows ---- */

extern const char after_sti_nop[], after_sti_out[], after_movss_out[];

static void guest_window(void)
{
	u16 ss;

	asm volatile("cli" ::: "memory");
	GUEST_SYNC(1);			/* IF clear: the test asks for a window */
	asm volatile("sti; nop\n"
		     "after_sti_nop:\n"
		     "1: cmpq $0, irq_count(%%rip)\n"
		     "   je 1b" ::: "memory");
	GUEST_SYNC(irq_rip);

	/* An exit inside the STI shadow. */
	irq_count = 0;
	asm volatile("cli" ::: "memory");
	asm volatile("sti; outl %%eax, %w0\n"
		     "after_sti_out:\n"
		     "1: cmpq $0, irq_count(%%rip)\n"
		     "   je 1b" : : "Nd"((u16)RAW_PORT), "a"(0) : "memory");
	GUEST_SYNC(irq_rip);

	/* An exit inside the MOV SS shadow. */
	irq_count = 0;
	asm volatile("mov %%ss, %0" : "=r"(ss));
	asm volatile("mov %0, %%ss; outl %%eax, %w1\n"
		     "after_movss_out:\n"
		     "1: cmpq $0, irq_count(%%rip)\n"
		     "   je 1b" : : "r"(ss), "Nd"((u16)RAW_PORT), "a"(0) : "memory");
	GUEST_SYNC(irq_rip);
}

/* The exit is a bare OUT to RAW_PORT. */
static bool raw_exit(struct vcpu *vcpu)
{
	return vcpu->run->exit_reason == HV_EXIT_IO &&
	       vcpu->run->io.port == RAW_PORT;
}

static void test_window_and_shadows(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_interrupt irq = { .irq = VEC_A };
	struct hv_run *run = vcpu->run;
	struct hv_vcpu_events ev;
	struct ucall uc;
	bool ok;

	vcpu_set_idt_gate(vcpu, VEC_A, irq_handler_a);
	vcpu_enter(vcpu, guest_window, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "cli");
	ktap_result(ok && run->if_flag == 0 && run->ready_for_interrupt_injection == 0,
		    "IF clear: if_flag %u, ready_for_interrupt_injection %u",
		    run->if_flag, run->ready_for_interrupt_injection);

	run->request_interrupt_window = 1;
	ok = vcpu_run_expect(vcpu, HV_EXIT_IRQ_WINDOW_OPEN, "window");
	ktap_result(ok && run->ready_for_interrupt_injection == 1 &&
		    vcpu_rip(vcpu) == (u64)(uintptr_t)after_sti_nop,
		    "the window opens after STI and the instruction it shadows (rip %#llx, want %#llx)",
		    (unsigned long long)vcpu_rip(vcpu),
		    (unsigned long long)(uintptr_t)after_sti_nop);
	run->request_interrupt_window = 0;
	ok = ok && ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "irq after window");
	ktap_result(ok && uc.args[0] == (u64)(uintptr_t)after_sti_nop,
		    "the interrupt given at the window comes there (rip %#llx)",
		    (unsigned long long)uc.args[0]);

	/* STI shadow */
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "sti; out") && raw_exit(vcpu);
	memset(&ev, 0, sizeof(ev));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ktap_result(ok && run->if_flag == 1 && run->ready_for_interrupt_injection == 0 &&
		    (ev.flags & HV_VCPUEVENT_VALID_SHADOW) && ev.interrupt.shadow,
		    "an exit in the STI shadow: if_flag %u, not ready (%u), shadow %#x",
		    run->if_flag, run->ready_for_interrupt_injection,
		    ev.interrupt.shadow);
	ok = ok && ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "irq after sti; out");
	ktap_result(ok && uc.args[0] == (u64)(uintptr_t)after_sti_out,
		    "an interrupt given in the STI shadow comes after the shadowed instruction (rip %#llx, want %#llx)",
		    (unsigned long long)uc.args[0],
		    (unsigned long long)(uintptr_t)after_sti_out);

	/* MOV SS shadow */
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "mov ss; out") && raw_exit(vcpu);
	memset(&ev, 0, sizeof(ev));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ktap_result(ok && run->if_flag == 1 && run->ready_for_interrupt_injection == 0 &&
		    ev.interrupt.shadow,
		    "an exit in the MOV SS shadow: not ready (%u), shadow %#x",
		    run->ready_for_interrupt_injection, ev.interrupt.shadow);
	ok = ok && ioctl(vcpu->fd, HV_INTERRUPT, &irq) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "irq after mov ss; out");
	ktap_result(ok && uc.args[0] == (u64)(uintptr_t)after_movss_out,
		    "an interrupt given in the MOV SS shadow comes after the shadowed instruction (rip %#llx)",
		    (unsigned long long)uc.args[0]);

	/* IF set, a window asked for: it is open at once. */
	run->request_interrupt_window = 1;
	ok = vcpu_run_expect(vcpu, HV_EXIT_IRQ_WINDOW_OPEN, "open window");
	ktap_result(ok && run->ready_for_interrupt_injection == 1,
		    "with IF set a window asked for is open at once");
	vm_free(vm);
}

/* ---- NMIs ---- */

static void guest_nmis(void)
{
	asm volatile("cli" ::: "memory");
	GUEST_SYNC(0);			/* the test queues two NMIs */
	while (nmi_count < 2)
		asm volatile("pause");
	GUEST_SYNC(nmi_count, nmi_max);
}

static void test_nmi(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_vcpu_events ev;
	struct ucall uc;
	bool ok;

	vcpu_set_idt_gate(vcpu, 2, nmi_handler);
	vcpu_enter(vcpu, guest_nmis, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "nmi ready");
	ok = ok && ioctl(vcpu->fd, HV_NMI, 0) == 0 && ioctl(vcpu->fd, HV_NMI, 0) == 0 &&
	     ioctl(vcpu->fd, HV_NMI, 0) == 0;
	memset(&ev, 0, sizeof(ev));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ktap_result(ok && ev.nmi.pending == 1 && !ev.nmi.injected && !ev.nmi.masked,
		    "queued NMIs show as pending (pending %u injected %u masked %u)",
		    ev.nmi.pending, ev.nmi.injected, ev.nmi.masked);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "nmis");
	ktap_result(ok && uc.args[0] == 2 && uc.args[1] == 1,
		    "three HV_NMIs: two delivered with IF clear, never nested (%llu, depth %llu)",
		    (unsigned long long)uc.args[0],
		    (unsigned long long)uc.args[1]);
	vm_free(vm);
}

/* ---- an exception whose delivery an exit interrupted ---- */

#define GPA_FRESH	0x40000000ULL	/* a new slot no access touched yet */
extern const char ud2_insn[];

static void guest_ud_on_fresh_stack(void)
{
	asm volatile("mov %0, %%rsp\n"
		     "ud2_insn: ud2" : : "r"(GPA_FRESH + 0x1000) : "memory");
}

static void test_redelivery(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	/* Host pages exist; the nested tables map them on first access. */
	vm_add_anon_slot(vm, 1, 0, GPA_FRESH, 0x1000);
	vcpu_enter(vcpu, guest_ud_on_fresh_stack, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "ud2");
	ktap_result(ok && uc.args[0] == 6 && uc.args[2] == (u64)(uintptr_t)ud2_insn,
		    "#UD whose delivery faulted on the nested tables is delivered again (vector %llu, rip %#llx)",
		    (unsigned long long)uc.args[0],
		    (unsigned long long)uc.args[2]);
	vm_free(vm);
}

/* ---- HV_GET/SET_VCPU_EVENTS ---- */

/*
 * IF set: VT-x refuses to enter with an external interrupt to inject
 * while RFLAGS.IF is clear (SDM 27.3.1.4), on KVM as on hv.
 */
static void guest_idle(void)
{
	asm volatile("sti" ::: "memory");
	GUEST_SYNC(0);
	while (!irq_count)
		asm volatile("pause");
	GUEST_SYNC(irq_count, irq_vector);
}

static void test_vcpu_events(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_vcpu_events ev, bad;
	struct ucall uc;
	bool ok;

	vcpu_set_idt_gate(vcpu, VEC_A, irq_handler_a);
	vcpu_enter(vcpu, guest_idle, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "idle");

	memset(&ev, 0xff, sizeof(ev));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ktap_result(ok && !ev.exception.injected && !ev.interrupt.injected &&
		    !ev.nmi.injected && !ev.nmi.pending && !ev.nmi.masked &&
		    !ev.sipi_vector &&
		    (ev.flags & HV_VCPUEVENT_VALID_NMI_PENDING) &&
		    (ev.flags & HV_VCPUEVENT_VALID_SHADOW),
		    "GET_VCPU_EVENTS of a quiet vCPU: nothing pending, flags %#x",
		    ev.flags);

	bad = ev;
	bad.flags |= 0x80000000;
	ktap_result(ioctl_ret(vcpu->fd, HV_SET_VCPU_EVENTS, (unsigned long)&bad) == -EINVAL,
		    "SET_VCPU_EVENTS with an unknown flag: EINVAL");
	bad = ev;
	bad.exception.injected = 1;
	bad.exception.nr = 32;
	ktap_result(ioctl_ret(vcpu->fd, HV_SET_VCPU_EVENTS, (unsigned long)&bad) == -EINVAL,
		    "SET_VCPU_EVENTS with exception vector 32: EINVAL");
	bad.exception.nr = 2;
	ktap_result(ioctl_ret(vcpu->fd, HV_SET_VCPU_EVENTS, (unsigned long)&bad) == -EINVAL,
		    "SET_VCPU_EVENTS with an NMI as exception: EINVAL");
	ktap_result(ioctl_ret(vcpu->fd, HV_GET_VCPU_EVENTS, 0) == -EFAULT,
		    "GET_VCPU_EVENTS to a bad pointer: EFAULT");

	/* An interrupt set as injected is delivered. */
	ev.interrupt.injected = 1;
	ev.interrupt.nr = VEC_A;
	ev.interrupt.soft = 0;
	ok = ok && ioctl(vcpu->fd, HV_SET_VCPU_EVENTS, &ev) == 0;
	memset(&bad, 0, sizeof(bad));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &bad) == 0;
	ktap_result(ok && bad.interrupt.injected && bad.interrupt.nr == VEC_A,
		    "SET_VCPU_EVENTS: an injected interrupt reads back (%u, %#x)",
		    bad.interrupt.injected, bad.interrupt.nr);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "injected by events");
	ktap_result(ok && uc.args[0] == 1 && uc.args[1] == VEC_A,
		    "and it is delivered with its vector (%#llx)",
		    (unsigned long long)uc.args[1]);

	/* An exception set as injected is delivered. */
	vcpu_enter(vcpu, guest_idle, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "idle again");
	memset(&ev, 0, sizeof(ev));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ev.exception.injected = 1;
	ev.exception.nr = 6;
	ev.exception.has_error_code = 0;
	ok = ok && ioctl(vcpu->fd, HV_SET_VCPU_EVENTS, &ev) == 0;
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "exception by events");
	ktap_result(ok && uc.args[0] == 6,
		    "SET_VCPU_EVENTS: an injected #UD is delivered (vector %llu)",
		    (unsigned long long)uc.args[0]);

	/* NMI pending and masked round-trip. */
	memset(&ev, 0, sizeof(ev));
	ok = ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &ev) == 0;
	ev.flags = HV_VCPUEVENT_VALID_NMI_PENDING;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ev.exception.injected = 0;
	ok = ok && ioctl(vcpu->fd, HV_SET_VCPU_EVENTS, &ev) == 0;
	memset(&bad, 0, sizeof(bad));
	ok = ok && ioctl(vcpu->fd, HV_GET_VCPU_EVENTS, &bad) == 0;
	ktap_result(ok && bad.nmi.pending == 1 && bad.nmi.masked == 1,
		    "SET_VCPU_EVENTS: NMI pending and masked read back (%u, %u)",
		    bad.nmi.pending, bad.nmi.masked);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_interrupt();
	test_interrupt_after_mmio();
	test_window_and_shadows();
	test_nmi();
	test_redelivery();
	test_vcpu_events();
	ktap_end();
}
