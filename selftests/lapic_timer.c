// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer's three modes (SDM vol. 3A 11.5.4, 11.5.4.1)
 * against the host's clock, in a long-mode guest of a VM with the
 * in-kernel irqchip:
 *
 *  - one-shot: an initial count of 100 ms (KVM's APIC bus is 1 GHz,
 *    divide by 1) wakes a HLT once, and TMCCT then reads 0;
 *  - periodic: 20 ticks of 25 ms each, counted by the guest's handler;
 *  - TSC deadline, with CPUID.1:ECX[24] set by the VMM as QEMU does when
 *    KVM_CAP_TSC_DEADLINE_TIMER is there: LVTT keeps the mode, the MSR
 *    reads back the deadline 100 ms ahead, the interrupt comes with the
 *    guest's TSC at or past the deadline and the MSR reads 0 after it; a
 *    deadline already past fires at once.
 *
 * Each timed wait is measured on the host from a ucall before the guest
 * arms the timer to the ucall after its interrupt: never shorter than
 * programmed (for the periodic timer, 20 ticks cannot come before 20
 * periods: no tick early, no error accumulating forward) and, as the
 * lanes are emulators that may run ten times slower and stall, at most
 * ten times it plus 2 s.  Nothing here asserts a speed.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <time.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"
#include "lib/irq.h"

#define VEC_TIMER	0x41
#define VEC_SPURIOUS	0xff

#define MSR_IA32_TSC_DEADLINE	0x6e0
#define APIC_LVT_TIMER_TSCDEADLINE	(2u << 17)
#define APIC_LVT_TIMER_MODE	(3u << 17)
#define CPUID1_ECX_TSC_DEADLINE	(1u << 24)

#define ONESHOT_NS	100000000ULL	/* 100 ms: the APIC bus is 1 GHz */
#define PERIOD_NS	25000000ULL	/* 25 ms */
#define PERIODIC_TICKS	20
#define DEADLINE_MS	100ULL
#define RUN_TIMEOUT	30		/* s, one KVM_RUN */

IRQ_HANDLER_EOI(timer_handler, VEC_TIMER);
IRQ_HANDLER_NOEOI(spurious_handler, VEC_SPURIOUS);

enum {
	ST_ONESHOT_GO = 1, ST_ONESHOT, ST_PERIODIC_GO, ST_PERIODIC,
	ST_DEADLINE_GO, ST_DEADLINE, ST_DEADLINE_PAST,
};

static void guest_main(u64 tsc_khz)
{
	u64 deadline, armed, now, after, hits;

	pic_mask_all();
	xapic_write(APIC_LVT0, APIC_LVT_MASKED);
	xapic_enable(VEC_SPURIOUS);
	xapic_write(APIC_TDCR, APIC_TDR_DIV_1);

	/* one-shot */
	xapic_write(APIC_LVTT, VEC_TIMER);
	GUEST_SYNC(ST_ONESHOT_GO);
	xapic_write(APIC_TMICT, ONESHOT_NS);
	guest_halt_until(VEC_TIMER, 1);
	GUEST_SYNC(ST_ONESHOT, irq_hits[VEC_TIMER], xapic_read(APIC_TMCCT));

	/* periodic */
	xapic_write(APIC_LVTT, VEC_TIMER | APIC_LVT_TIMER_PERIODIC);
	GUEST_SYNC(ST_PERIODIC_GO);
	xapic_write(APIC_TMICT, PERIOD_NS);
	guest_halt_until(VEC_TIMER, 1 + PERIODIC_TICKS);
	hits = irq_hits[VEC_TIMER];
	xapic_write(APIC_TMICT, 0);		/* stops it (SDM 11.5.4) */
	GUEST_SYNC(ST_PERIODIC, hits - 1);

	/* TSC deadline: the mode, the MSR, the interrupt never early */
	xapic_write(APIC_LVTT, VEC_TIMER | APIC_LVT_TIMER_TSCDEADLINE);
	GUEST_SYNC(ST_DEADLINE_GO, xapic_read(APIC_LVTT));
	hits = irq_hits[VEC_TIMER];
	deadline = guest_read_tsc() + DEADLINE_MS * tsc_khz;
	guest_write_msr(MSR_IA32_TSC_DEADLINE, deadline);
	armed = rdmsr(MSR_IA32_TSC_DEADLINE);
	guest_halt_until(VEC_TIMER, hits + 1);
	now = guest_read_tsc();
	after = rdmsr(MSR_IA32_TSC_DEADLINE);
	GUEST_SYNC(ST_DEADLINE, armed == deadline, now >= deadline,
		   (now - deadline) / tsc_khz, after);

	/* a deadline already past fires at once */
	guest_write_msr(MSR_IA32_TSC_DEADLINE, guest_read_tsc() - 1);
	guest_halt_until(VEC_TIMER, hits + 2);
	GUEST_SYNC(ST_DEADLINE_PAST, irq_hits[VEC_TIMER] - hits,
		   rdmsr(MSR_IA32_TSC_DEADLINE));
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The wait between the two stages, in ns, or 0 if a stage failed. */
static u64 timed_wait(struct vcpu *vcpu, u64 stage, struct ucall *uc)
{
	u64 t0 = now_ns();

	if (!irq_run_to_stage(vcpu, stage, uc, RUN_TIMEOUT))
		return 0;
	return now_ns() - t0;
}

static bool within(u64 got, u64 want)
{
	return got >= want && got <= 10 * want + 2000000000ULL;
}

/* KVM_SET_CPUID2: what the device supports, plus the TSC-deadline bit. */
static bool set_cpuid_tsc_deadline(struct vcpu *vcpu)
{
	struct hv_cpuid2 *c = dev_supported_cpuid(vcpu->vm->devfd);
	struct hv_cpuid_entry2 *e = c ? cpuid_find(c, 1, 0) : NULL;
	bool ok;

	if (!e) {
		free(c);
		return false;
	}
	e->ecx |= CPUID1_ECX_TSC_DEADLINE;
	ok = !ioctl(vcpu->fd, HV_SET_CPUID2, c);
	free(c);
	return ok;
}

int main(int argc, char **argv)
{
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	long khz;
	u64 ns;
	bool ok;

	ktap_begin(argc, argv);
	irq_setup_alarm();
	vm = vm_new(GUEST_LONG64);
	TEST_REQUIRE(dev_check_extension(vm->devfd, HV_CAP_IRQCHIP) > 0,
		     "no in-kernel irqchip");
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	vcpu = vcpu_new(vm, 0);
	khz = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	TEST_REQUIRE(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	ok = dev_check_extension(vm->devfd, HV_CAP_TSC_DEADLINE_TIMER) == 1;
	ktap_result(ok, "KVM_CAP_TSC_DEADLINE_TIMER is 1");
	ok = set_cpuid_tsc_deadline(vcpu);
	ktap_result(ok, "KVM_SET_CPUID2 with CPUID.1:ECX[24] (TSC deadline): %s",
		    ok ? "taken" : strerror(errno));
	vcpu_set_idt_gate(vcpu, VEC_TIMER, timer_handler);
	vcpu_set_idt_gate(vcpu, VEC_SPURIOUS, spurious_handler);
	vcpu_enter(vcpu, guest_main, 1, (u64)khz);

	ok = irq_run_to_stage(vcpu, ST_ONESHOT_GO, &uc, RUN_TIMEOUT);
	ns = ok ? timed_wait(vcpu, ST_ONESHOT, &uc) : 0;
	ktap_result(ns && within(ns, ONESHOT_NS),
		    "one-shot, 100 ms: fired after %.1f ms (bounds 100 ms to 10x + 2 s)",
		    ns / 1e6);
	ktap_result(ns && uc.args[1] == 1 && uc.args[2] == 0,
		    "one-shot: one interrupt (%llu), TMCCT then 0 (%llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);

	ok = ns && irq_run_to_stage(vcpu, ST_PERIODIC_GO, &uc, RUN_TIMEOUT);
	ns = ok ? timed_wait(vcpu, ST_PERIODIC, &uc) : 0;
	ktap_result(ns && uc.args[1] == PERIODIC_TICKS &&
		    within(ns, PERIODIC_TICKS * PERIOD_NS),
		    "periodic, 25 ms: %llu ticks in %.1f ms (bounds 500 ms to 10x + 2 s)",
		    (unsigned long long)uc.args[1], ns / 1e6);

	ok = ns && irq_run_to_stage(vcpu, ST_DEADLINE_GO, &uc, RUN_TIMEOUT);
	ktap_result(ok && (uc.args[1] & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_TSCDEADLINE,
		    "TSC deadline: LVTT keeps the mode (%#llx)",
		    (unsigned long long)uc.args[1]);
	ns = ok ? timed_wait(vcpu, ST_DEADLINE, &uc) : 0;
	ktap_result(ns && uc.args[1],
		    "TSC deadline: IA32_TSC_DEADLINE reads back the deadline");
	ktap_result(ns && uc.args[2] && within(ns, DEADLINE_MS * 1000000),
		    "TSC deadline, 100 ms: fired after %.1f ms, the guest's TSC %llu ms past the deadline (never before it)",
		    ns / 1e6, (unsigned long long)uc.args[3]);
	ktap_result(ns && uc.args[4] == 0,
		    "TSC deadline: the MSR reads 0 once it fired (%#llx)",
		    (unsigned long long)uc.args[4]);
	ok = ns && irq_run_to_stage(vcpu, ST_DEADLINE_PAST, &uc, RUN_TIMEOUT);
	ktap_result(ok && uc.args[1] == 2 && uc.args[2] == 0,
		    "TSC deadline in the past: fires at once (%llu interrupts), MSR 0",
		    (unsigned long long)uc.args[1]);
	vm_free(vm);
	ktap_end();
}
