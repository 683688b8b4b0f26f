// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 PIT (KVM_CREATE_PIT2) beside the in-kernel irqchip,
 * as KVM 6.1 has it (arch/x86/kvm/i8254.c, x86.c, irq_comm.c):
 *
 *  - without a PIT, GET_PIT2, SET_PIT2 and REINJECT_CONTROL are ENXIO;
 *    CREATE_PIT2 twice is EEXIST;
 *  - a new PIT: the three counters disabled (mode 0xff, KVM's "no
 *    timer"), count 65536, gates 1, 1, 0 (channel 2's is port 0x61's);
 *  - a guest, with GSI 0 routed as QEMU routes it (HV_SET_GSI_ROUTING:
 *    IOAPIC pin 2 and PIC pin 0, KVM's default being IOAPIC pin 0),
 *    programs counter 0 in mode 2 for ~1 kHz and IOAPIC pin 2 to a
 *    vector, and counts the interrupts while HLT waits in the kernel:
 *    their rate, against the host's clock, is the programmed one within
 *    50%.  Each tick costs the guest a few exits; where the emulator makes
 *    them too slow for the bound (measured first), the rate check is
 *    skipped with the figures, and so it is on the reference if it misses;
 *  - GET_PIT2 then shows counter 0 in mode 2 with the guest's count and
 *    access mode; SET_PIT2 of a changed state reads back the same (but
 *    for the load time), and the guest keeps ticking;
 *  - REINJECT_CONTROL 0 and 1: 0, and the ticks go on in both modes.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"

#define PIT_HZ		1193182
#define PIT_COUNT	1193		/* 1000.15 Hz */
#define PIT_COUNT2	2386		/* set by SET_PIT2: 500 Hz */
#define PIT_PIN		2		/* IOAPIC pin of GSI 0, as QEMU routes it */
#define VEC_PIT		0x30
#define RATE_TICKS	500		/* counted against the host clock */
#define MORE_TICKS	20		/* after SET_PIT2, after REINJECT_CONTROL */
#define CAL_EXITS	300		/* in-kernel exits, to know their cost */
#define EXITS_PER_TICK	3		/* wake and inject, EOI, HLT */
#define RUN_TIMEOUT	20		/* seconds one KVM_RUN may take */

volatile u64 ticks;
volatile u64 spurious;

extern const char pit_handler[], spurious_handler[];
asm("	.pushsection .text\n"
"pit_handler:\n"
"	pushq %rax\n"
"	incq ticks(%rip)\n"
"	movl $0xfee000b0, %eax\n"
"	movl $0, (%rax)\n"
"	popq %rax\n"
"	iretq\n"
"spurious_handler:\n"
"	incq spurious(%rip)\n"
"	iretq\n"
"	.popsection\n");

enum { ST_CAL_START = 1, ST_CAL_END, ST_TICKING, ST_COUNTED, ST_MORE };

/* HLT until @n more ticks came; IF is set. */
static u64 guest_wait_ticks(u64 n)
{
	u64 t0 = ticks;

	while (ticks - t0 < n)
		guest_hlt();
	return ticks - t0;
}

static void guest_main(void)
{
	u64 i, t0;

	pic_mask_all();
	xapic_write(APIC_LVT0, APIC_LVT_MASKED);
	xapic_enable(0xff);

	/* The cost of an exit the kernel handles: reads of the timer's count. */
	GUEST_SYNC(ST_CAL_START);
	for (i = 0; i < CAL_EXITS; i++)
		(void)xapic_read(APIC_TMCCT);
	GUEST_SYNC(ST_CAL_END);

	/* The pin first, then the counter: no tick is lost to a masked pin. */
	ioapic_set_redir(PIT_PIN, VEC_PIT, 0);
	outb(0x43, 0x34);		/* counter 0, LSB then MSB, mode 2, binary */
	outb(0x40, PIT_COUNT & 0xff);
	outb(0x40, PIT_COUNT >> 8);
	asm volatile("sti" ::: "memory");
	guest_wait_ticks(1);
	t0 = ticks;
	GUEST_SYNC(ST_TICKING, t0);
	while (ticks - t0 < RATE_TICKS)
		guest_hlt();
	GUEST_SYNC(ST_COUNTED, ticks - t0);
	for (;;)
		GUEST_SYNC(ST_MORE, guest_wait_ticks(MORE_TICKS));
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	alarm_fired = 1;
}

/*
 * Run to the next ucall, which must be a UCALL_SYNC of @stage, within
 * RUN_TIMEOUT seconds (a guest whose ticks stopped sits in HLT in the
 * kernel); a HLT exit is a failure: the kernel keeps HLT.
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
		ktap_info("stage %llu: KVM_RUN still running after %d s, %llu ticks so far (guest rip %#llx)",
			  (unsigned long long)stage, RUN_TIMEOUT,
			  (unsigned long long)*guest_var(vcpu->vm, ticks),
			  (unsigned long long)vcpu_rip(vcpu));
		return false;
	}
	if (r) {
		ktap_info("stage %llu: KVM_RUN: %s", (unsigned long long)stage, strerror(-r));
		return false;
	}
	if (vcpu->run->exit_reason == HV_EXIT_HLT) {
		ktap_info("stage %llu: HV_EXIT_HLT: with an in-kernel irqchip the kernel handles HLT",
			  (unsigned long long)stage);
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long reinject(struct vm *vm, u8 on)
{
	struct hv_reinject_control rc = { .pit_reinject = on };

	return ioctl_ret(vm->fd, HV_REINJECT_CONTROL, (unsigned long)&rc);
}

/* QEMU's table (kvm_pc_setup_irq_routing): GSI 0 is IOAPIC pin 2. */
static long set_qemu_routing(struct vm *vm)
{
	struct hv_irq_routing *r = calloc(1, sizeof(*r) + 48 * sizeof(r->entries[0]));
	struct hv_irq_routing_entry *e;
	u32 i;
	long ret;

	TEST_REQUIRE(r, "out of memory");
	e = r->entries;
	for (i = 0; i < 16; i++) {
		if (i == 2)
			continue;	/* the cascade */
		e->gsi = i;
		e->type = HV_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = i < 8 ? HV_IRQCHIP_PIC_MASTER : HV_IRQCHIP_PIC_SLAVE;
		e->u.irqchip.pin = i % 8;
		e++;
	}
	for (i = 0; i < 24; i++) {
		if (i == 2)
			continue;
		e->gsi = i;
		e->type = HV_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = HV_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = i ? i : PIT_PIN;
		e++;
	}
	r->nr = e - r->entries;
	ret = ioctl_ret(vm->fd, HV_SET_GSI_ROUTING, (unsigned long)r);
	free(r);
	return ret;
}

static void test_no_pit(void)
{
	struct hv_pit_config cfg = { .flags = 0 };
	struct hv_pit_state2 ps;
	struct vm *vm = vm_new(GUEST_NONE);
	long r1, r2, r3;

	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	memset(&ps, 0, sizeof(ps));
	r1 = ioctl_ret(vm->fd, HV_GET_PIT2, (unsigned long)&ps);
	r2 = ioctl_ret(vm->fd, HV_SET_PIT2, (unsigned long)&ps);
	r3 = reinject(vm, 1);
	ktap_result(r1 == -ENXIO && r2 == -ENXIO && r3 == -ENXIO,
		    "without a PIT: GET_PIT2 %ld, SET_PIT2 %ld, REINJECT_CONTROL %ld (ENXIO)",
		    r1, r2, r3);
	r1 = ioctl_ret(vm->fd, HV_CREATE_PIT2, (unsigned long)&cfg);
	r2 = ioctl_ret(vm->fd, HV_CREATE_PIT2, (unsigned long)&cfg);
	ktap_result(r1 == 0 && r2 == -EEXIST, "CREATE_PIT2: 0 (%ld), again: EEXIST (%ld)", r1, r2);
	vm_free(vm);
}

static bool same_channel(const struct hv_pit_channel_state *a,
			 const struct hv_pit_channel_state *b)
{
	return a->count == b->count && a->latched_count == b->latched_count &&
	       a->count_latched == b->count_latched &&
	       a->status_latched == b->status_latched && a->status == b->status &&
	       a->read_state == b->read_state && a->write_state == b->write_state &&
	       a->write_latch == b->write_latch && a->rw_mode == b->rw_mode &&
	       a->mode == b->mode && a->bcd == b->bcd && a->gate == b->gate;
}

static void test_pit_guest(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct hv_pit_config cfg = { .flags = 0 };
	struct hv_pit_state2 ps, set, back;
	struct hv_pit_channel_state *c0;
	double t0, t1, cal, rate, per_tick_us, exit_us;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	bool ok, same;
	long r;
	int i;

	sigaction(SIGALRM, &sa, NULL);
	vm = vm_new(GUEST_LONG64);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	r = ioctl_ret(vm->fd, HV_CREATE_PIT2, (unsigned long)&cfg);
	TEST_REQUIRE(r == 0, "CREATE_PIT2: %s", strerror(-r));

	memset(&ps, 0xaa, sizeof(ps));
	r = ioctl_ret(vm->fd, HV_GET_PIT2, (unsigned long)&ps);
	ok = !r;
	for (i = 0; i < 3; i++)
		ok = ok && ps.channels[i].mode == 0xff && ps.channels[i].count == 0x10000;
	ktap_result(ok && ps.channels[0].gate == 1 && ps.channels[1].gate == 1 &&
		    ps.channels[2].gate == 0 && ps.flags == 0,
		    "a new PIT: counters disabled (mode %#x), count %u, gates %u %u %u, flags %#x",
		    ps.channels[0].mode, ps.channels[0].count, ps.channels[0].gate,
		    ps.channels[1].gate, ps.channels[2].gate, ps.flags);

	r = set_qemu_routing(vm);
	ktap_result(r == 0, "SET_GSI_ROUTING: GSI 0 to IOAPIC pin %d and PIC pin 0: 0 (got %ld)",
		    PIT_PIN, r);
	vcpu = vcpu_new(vm, 0);
	vcpu_set_idt_gate(vcpu, VEC_PIT, pit_handler);
	vcpu_set_idt_gate(vcpu, 0xff, spurious_handler);
	vcpu_enter(vcpu, guest_main, 0);

	ok = run_to_stage(vcpu, ST_CAL_START, &uc);
	t0 = now_s();
	ok = ok && run_to_stage(vcpu, ST_CAL_END, &uc);
	cal = now_s() - t0;
	exit_us = cal * 1e6 / CAL_EXITS;
	ktap_info("an exit the kernel handles costs about %.1f us here", exit_us);

	ok = ok && run_to_stage(vcpu, ST_TICKING, &uc);
	t0 = now_s();
	ktap_result(ok, "counter 0 in mode 2, IOAPIC pin %d: the guest's first tick came (%llu)",
		    PIT_PIN, (unsigned long long)uc.args[1]);
	memset(&ps, 0, sizeof(ps));
	r = ok ? ioctl_ret(vm->fd, HV_GET_PIT2, (unsigned long)&ps) : -1;
	c0 = &ps.channels[0];
	ktap_result(!r && c0->mode == 2 && c0->count == PIT_COUNT && c0->rw_mode == 3 &&
		    !c0->bcd && c0->gate == 1,
		    "GET_PIT2: counter 0 in mode %u, count %u, access %u (LSB then MSB), binary, gate %u",
		    c0->mode, c0->count, c0->rw_mode, c0->gate);

	ok = ok && run_to_stage(vcpu, ST_COUNTED, &uc);
	t1 = now_s();
	rate = ok ? uc.args[1] / (t1 - t0) : 0;
	per_tick_us = EXITS_PER_TICK * exit_us;
	ktap_info("%llu ticks in %.3f s: %.1f Hz (programmed %.1f Hz)",
		  (unsigned long long)uc.args[1], t1 - t0, rate, (double)PIT_HZ / PIT_COUNT);
	if (!ok)
		ktap_result(false, "the PIT's rate (the guest stopped)");
	else if (rate >= 0.5 * PIT_HZ / PIT_COUNT && rate <= 1.5 * PIT_HZ / PIT_COUNT)
		ktap_result(true, "the PIT ticks at the programmed rate within 50%% (%.1f Hz)", rate);
	else if (rate < 0.5 * PIT_HZ / PIT_COUNT && per_tick_us * 0.5 * PIT_HZ / PIT_COUNT > 1e6)
		ktap_skip("the PIT ticks at the programmed rate within 50%",
			  "%.1f Hz, but a tick costs ~%d exits of %.0f us here: the guest cannot take %.0f per second",
			  rate, EXITS_PER_TICK, exit_us, 0.5 * PIT_HZ / PIT_COUNT);
	else if (dev_is_kvm())
		ktap_skip("the PIT ticks at the programmed rate within 50%",
			  "the reference itself misses it here (%.1f Hz)", rate);
	else
		ktap_result(false, "the PIT ticks at the programmed rate within 50%% (%.1f Hz)", rate);

	/* SET_PIT2: a changed state reads back. */
	memset(&ps, 0, sizeof(ps));
	r = ok ? ioctl_ret(vm->fd, HV_GET_PIT2, (unsigned long)&ps) : -1;
	set = ps;
	set.channels[0].count = PIT_COUNT2;
	set.channels[1].count = 0x1234;
	set.channels[2].gate = 1;
	r = r ?: ioctl_ret(vm->fd, HV_SET_PIT2, (unsigned long)&set);
	memset(&back, 0, sizeof(back));
	r = r ?: ioctl_ret(vm->fd, HV_GET_PIT2, (unsigned long)&back);
	same = back.flags == set.flags;
	for (i = 0; i < 3; i++)
		if (!same_channel(&back.channels[i], &set.channels[i])) {
			ktap_info("channel %d: set count %u mode %u gate %u, read count %u mode %u gate %u",
				  i, set.channels[i].count, set.channels[i].mode,
				  set.channels[i].gate, back.channels[i].count,
				  back.channels[i].mode, back.channels[i].gate);
			same = false;
		}
	ktap_result(!r && same,
		    "SET_PIT2 with counts %u and %#x and channel 2's gate up, GET_PIT2: the same state (%ld)",
		    PIT_COUNT2, 0x1234, r);
	ok = ok && !r && run_to_stage(vcpu, ST_MORE, &uc);
	ktap_result(ok && uc.args[1] >= MORE_TICKS,
		    "after SET_PIT2 counter 0 keeps interrupting (%llu more ticks)",
		    (unsigned long long)uc.args[1]);

	r = reinject(vm, 0);
	ok = ok && !r && run_to_stage(vcpu, ST_MORE, &uc);
	ktap_result(!r && ok && uc.args[1] >= MORE_TICKS,
		    "REINJECT_CONTROL 0: 0 (%ld), and the ticks go on (%llu)", r,
		    (unsigned long long)uc.args[1]);
	r = reinject(vm, 1);
	ok = ok && !r && run_to_stage(vcpu, ST_MORE, &uc);
	ktap_result(!r && ok && uc.args[1] >= MORE_TICKS,
		    "REINJECT_CONTROL 1: 0 (%ld), and the ticks go on (%llu)", r,
		    (unsigned long long)uc.args[1]);
	ktap_result(!*guest_var(vm, spurious), "no spurious interrupt (%llu)",
		    (unsigned long long)*guest_var(vm, spurious));
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_IRQCHIP) <= 0)
		ktap_skip_all("no in-kernel irqchip (CHECK_EXTENSION(KVM_CAP_IRQCHIP) is 0)");
	if (dev_check_extension(devfd, HV_CAP_PIT2) <= 0)
		ktap_skip_all("no in-kernel PIT (CHECK_EXTENSION(KVM_CAP_PIT2) is 0)");
	close(devfd);
	test_no_pit();
	test_pit_guest();
	ktap_end();
}
