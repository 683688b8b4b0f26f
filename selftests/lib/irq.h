/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: what a guest test of the in-kernel irqchip needs
 * around its interrupts (guest handlers that count, a halt that waits
 * for them) and the host side of running such a guest (a KVM_RUN that a
 * timer ends when the awaited interrupt never comes).
 *
 * Include it from the one source file of a test program: it defines the
 * counters and the handlers' common code.
 *
 *	IRQ_HANDLER_EOI(timer_handler, 0x41);	// counts, then EOIs
 *	...
 *	vcpu_set_idt_gate(vcpu, 0x41, timer_handler);
 *
 * The handlers count vector v in irq_hits[v] and record it in
 * irq_last_vector; the EOI variant writes the xAPIC's EOI register
 * (0xfee000b0, SDM vol. 3A 10.8.5), the other leaves it to the guest
 * (a level-triggered line checked first, or the spurious vector, which
 * takes none: SDM vol. 3A 10.9).
 */
#ifndef HV_SELFTEST_IRQ_H
#define HV_SELFTEST_IRQ_H

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "vm.h"
#include "guest.h"

/* The guest's copies are the ones that count. */
volatile u64 irq_hits[256];
volatile u64 irq_last_vector;

asm("	.pushsection .text\n"
"irq_common_eoi:\n"
"	incq irq_hits(,%rax,8)\n"
"	movq %rax, irq_last_vector(%rip)\n"
"	movl $0xfee000b0, %eax\n"
"	movl $0, (%rax)\n"
"	popq %rax\n"
"	iretq\n"
"irq_common_noeoi:\n"
"	incq irq_hits(,%rax,8)\n"
"	movq %rax, irq_last_vector(%rip)\n"
"	popq %rax\n"
"	iretq\n"
"	.popsection\n");

#define IRQ_HANDLER_(name, vec, tail)					\
	extern const char name[];					\
	asm("	.pushsection .text\n"					\
	    #name ":\n"							\
	    "	pushq %rax\n"						\
	    "	movl $" __stringify(vec) ", %eax\n"			\
	    "	jmp " tail "\n"						\
	    "	.popsection\n")
#define IRQ_HANDLER_EOI(name, vec)	IRQ_HANDLER_(name, vec, "irq_common_eoi")
#define IRQ_HANDLER_NOEOI(name, vec)	IRQ_HANDLER_(name, vec, "irq_common_noeoi")

/*
 * Guest: halt with interrupts enabled until irq_hits[@vector] reaches
 * @n.  STI's shadow covers the HLT, so an interrupt that arrives after
 * the check still ends the HLT rather than being taken before it.
 * Returns how many HLTs it took.  Runs with IF clear and leaves it so.
 */
static inline __attribute__((always_inline)) u64 guest_halt_until(u8 vector,
								  u64 n)
{
	u64 halts = 0;

	asm volatile("cli" ::: "memory");
	while (irq_hits[vector] < n) {
		asm volatile("sti; hlt; cli" ::: "memory");
		halts++;
	}
	return halts;
}

/* ---- host side ---- */

static volatile sig_atomic_t irq_alarm_fired;

static inline void irq_on_alarm(int sig)
{
	irq_alarm_fired = 1;
}

/* SIGALRM without SA_RESTART: it ends a KVM_RUN with EINTR. */
static inline void irq_setup_alarm(void)
{
	struct sigaction sa = { .sa_handler = irq_on_alarm };

	sigaction(SIGALRM, &sa, NULL);
}

/*
 * Run to the next ucall, which must be UCALL_SYNC with args[0] ==
 * @stage, within @timeout_s seconds: a vCPU halted in the kernel waits
 * for an interrupt that may never come, and SIGALRM ends that KVM_RUN.
 * A HLT exit is a failure: with an in-kernel irqchip the kernel keeps
 * HLT.  Prints why on failure.
 */
static inline bool irq_run_to_stage(struct vcpu *vcpu, u64 stage,
				    struct ucall *uc, int timeout_s)
{
	struct itimerval t = { .it_value = { .tv_sec = timeout_s } };
	struct itimerval off = { 0 };
	u32 got;
	int r;

	irq_alarm_fired = 0;
	setitimer(ITIMER_REAL, &t, NULL);
	r = vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	memset(uc, 0, sizeof(*uc));
	if (r == -EINTR && irq_alarm_fired) {
		ktap_info("stage %llu: KVM_RUN still running after %d s (guest rip %#llx)",
			  (unsigned long long)stage, timeout_s,
			  (unsigned long long)vcpu_rip(vcpu));
		return false;
	}
	if (r) {
		ktap_info("stage %llu: KVM_RUN: %s", (unsigned long long)stage,
			  strerror(-r));
		return false;
	}
	if (vcpu->run->exit_reason == HV_EXIT_HLT) {
		ktap_info("stage %llu: HV_EXIT_HLT with an in-kernel irqchip (rip %#llx)",
			  (unsigned long long)stage,
			  (unsigned long long)vcpu_rip(vcpu));
		return false;
	}
	got = vcpu_get_ucall(vcpu, uc);
	if (got == UCALL_SYNC && uc->args[0] == stage)
		return true;
	if (got == UCALL_NONE)
		ktap_info("stage %llu: %s", (unsigned long long)stage,
			  vcpu_exit_str(vcpu));
	else
		ucall_print(vcpu->vm, uc, "guest");
	return false;
}

#endif /* HV_SELFTEST_IRQ_H */
