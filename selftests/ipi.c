// SPDX-License-Identifier: GPL-2.0
/*
 * Interprocessor interrupts through the in-kernel local APICs (xAPIC
 * mode), as KVM 6.1 delivers them (arch/x86/kvm/lapic.c, x86.c):
 *
 *  - IPIs between 3 vCPUs, one thread each: the APs, which start
 *    UNINITIALIZED with an irqchip, are made RUNNABLE with
 *    HV_SET_MP_STATE; vCPU 0 sends each IPI, and it arrives at exactly
 *    the vCPUs named, once: physical destinations, logical destinations
 *    in the flat model (LDR set by each guest, DFR left flat), a logical
 *    multicast, the all-but-self shorthand and a physical IPI to itself,
 *    the all-including-self shorthand, the physical broadcast 0xff; a
 *    lowest-priority IPI to logical 0x06 reaches exactly one of vCPUs 1
 *    and 2; an NMI IPI to physical 2 reaches vCPU 2 alone.
 *    The APs wait in HLT, which the kernel keeps: an IPI wakes them;
 *  - the other destination models, between 4 vCPUs: the xAPIC cluster
 *    model (DFR 0x0fffffff, LDR cluster/member set by each guest: single
 *    members, a multicast that names the sender too, the logical
 *    broadcast 0xff, lowest priority within a cluster), then, each vCPU
 *    switched to x2APIC mode by its own WRMSR of IA32_APIC_BASE, x2APIC
 *    IPIs through the ICR MSR (SDM 10.12.9): a physical destination, the
 *    broadcast 0xffffffff, logical destinations (cluster 0, the LDR the
 *    APIC derives from its ID: SDM 10.12.10.2) with one and two members,
 *    the all-but-self and self shorthands;
 *  - INIT-SIPI-SIPI: an AP left UNINITIALIZED does not run (KVM_RUN
 *    waits for a signal); vCPU 0 sends INIT (assert, deassert) and two
 *    SIPIs with vector 0x20, and the AP starts once, in real mode, at
 *    0x20000 (CS 0x2000, IP 0): its code there counts its starts and
 *    writes them to a port.  KVM_RUN of an AP still waiting for its SIPI
 *    may answer EAGAIN (KVM does, after the INIT); the test runs it again.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"

#define NR_VCPUS	3
#define NR_VCPUS4	4	/* the destination models' test */
#define MAX_APIC_ID	8	/* rows of hits[]: the handler masks the ID to 3 bits */
#define SPIN_LIMIT	20000000ULL
#define THREAD_TIMEOUT	60	/* seconds for all vCPU threads to finish */

/* One vector per case, so that a stray delivery shows in its own row. */
#define VEC_PHYS1	0x50
#define VEC_PHYS2	0x51
#define VEC_LOG2	0x52	/* logical 0x04: vCPU 2 */
#define VEC_LOG1	0x53	/* logical 0x02: vCPU 1 */
#define VEC_MULTI	0x54	/* logical 0x06: vCPUs 1 and 2 */
#define VEC_ALLBUT	0x55	/* shorthand all excluding self */
#define VEC_SELF0	0x56	/* physical 0 from vCPU 0 */
#define VEC_ALLINC	0x57	/* shorthand all including self */
#define VEC_BCAST	0x58	/* physical 0xff: broadcast */
#define VEC_LOWPRI	0x59	/* lowest priority, logical 0x06 */
#define VEC_STOP	0x5a	/* wakes the APs at the end */
#define VEC_NMI		2	/* NMI delivery: the vector field is ignored */

struct ipi_case {
	const char *what;
	u8 vector;
	u32 dest;		/* xAPIC: 8 bits; x2APIC: 32 */
	u32 icr;		/* shorthand, destination and delivery mode */
	u8 want[NR_VCPUS4];	/* deliveries expected per vCPU */
};

/* Not sent (ICR bit 31 is reserved): want[] names candidates, one gets it. */
#define ONE_OF		(1u << 31)

static const struct ipi_case cases[] = {
	{ "physical destination 1", VEC_PHYS1, 1, 0, { 0, 1, 0 } },
	{ "physical destination 2", VEC_PHYS2, 2, 0, { 0, 0, 1 } },
	{ "logical (flat) destination 0x04", VEC_LOG2, 0x04, APIC_DEST_LOGICAL, { 0, 0, 1 } },
	{ "logical (flat) destination 0x02", VEC_LOG1, 0x02, APIC_DEST_LOGICAL, { 0, 1, 0 } },
	{ "logical (flat) multicast 0x06", VEC_MULTI, 0x06, APIC_DEST_LOGICAL, { 0, 1, 1 } },
	{ "shorthand all excluding self", VEC_ALLBUT, 0, APIC_DEST_ALLBUT, { 0, 1, 1 } },
	{ "physical destination 0, the sender itself", VEC_SELF0, 0, 0, { 1, 0, 0 } },
	{ "shorthand all including self", VEC_ALLINC, 0, APIC_DEST_ALLINC, { 1, 1, 1 } },
	{ "physical broadcast 0xff", VEC_BCAST, 0xff, 0, { 1, 1, 1 } },
	/* SDM 10.6.2.4: one of the destinations, whichever the APIC picks */
	{ "lowest priority, logical 0x06", VEC_LOWPRI, 0x06,
	  APIC_DEST_LOGICAL | APIC_DM_LOWEST | ONE_OF, { 0, 1, 1 } },
	{ "NMI, physical destination 2", VEC_NMI, 2, APIC_DM_NMI, { 0, 0, 1 } },
};
#define NR_CASES	(sizeof(cases) / sizeof(cases[0]))

/* The guest's copies: counted by the handler per (APIC ID, vector). */
volatile u64 hits[MAX_APIC_ID][256];
volatile u64 ready[NR_VCPUS];
volatile u64 stop;
volatile u64 cases_done;

extern const char ipi_stubs[], ipi_nmi_stub[];

/*
 * One 16-byte stub per vector 0x50..0x5a and the spurious vector 0xff
 * (last): push %rax, load the vector,
 * jump to the common part, which counts the vector in the row of the
 * APIC ID read from the xAPIC's ID register, then writes EOI.
 */
asm("	.pushsection .text\n"
"ipi_common:\n"
"	pushq %rcx\n"
"	movl $0xfee00020, %ecx\n"
"	movl (%rcx), %ecx\n"
"	shrl $24, %ecx\n"
"	andl $7, %ecx\n"
"	shlq $8, %rcx\n"
"	addq %rax, %rcx\n"
"	lock incq hits(,%rcx,8)\n"
"	movl $0xfee000b0, %ecx\n"
"	movl $0, (%rcx)\n"
"	popq %rcx\n"
"	popq %rax\n"
"	iretq\n"
"	.balign 16\n"
"ipi_stubs:\n"
"	.irp v, 0x50,0x51,0x52,0x53,0x54,0x55,0x56,0x57,0x58,0x59,0x5a,0xff\n"
"	.balign 16\n"
"	pushq %rax\n"
"	movl $\\v, %eax\n"
"	jmp ipi_common\n"
"	.endr\n"
/* NMIs: counted as vector 2, no EOI (an NMI sets no ISR bit: SDM 10.8.4) */
"ipi_nmi_stub:\n"
"	pushq %rax\n"
"	pushq %rcx\n"
"	movl $0xfee00020, %ecx\n"
"	movl (%rcx), %ecx\n"
"	shrl $24, %ecx\n"
"	andl $7, %ecx\n"
"	shlq $8, %rcx\n"
"	lock incq hits+16(,%rcx,8)\n"
"	popq %rcx\n"
"	popq %rax\n"
"	iretq\n"
"	.popsection\n");

#define STUB(vector)	(ipi_stubs + 16 * ((vector) - VEC_PHYS1))
#define STUB_SPURIOUS	(ipi_stubs + 16 * (VEC_STOP - VEC_PHYS1 + 1))

static void guest_apic_on(u64 id)
{
	xapic_enable(0xff);
	xapic_write(APIC_LDR, (1u << id) << 24);
}

static void guest_ap(u64 id)
{
	guest_apic_on(id);
	ready[id] = 1;
	asm volatile("cli" ::: "memory");
	while (!stop)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti" ::: "memory");
}

static bool guest_hits_reached(const struct ipi_case *c, int nr_vcpus)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < nr_vcpus; i++) {
		sum += hits[i][c->vector];
		if (!(c->icr & ONE_OF) && hits[i][c->vector] < c->want[i])
			return false;
	}
	return !(c->icr & ONE_OF) || sum;
}

/* Until the case's IPI arrived where it should, then a while for strays. */
static void guest_wait_case(const struct ipi_case *c, int nr_vcpus)
{
	u64 i;

	for (i = 0; i < SPIN_LIMIT && !guest_hits_reached(c, nr_vcpus); i++)
		asm volatile("pause" ::: "memory");
	/* time for a delivery to a vCPU not named */
	for (i = 0; i < SPIN_LIMIT / 1000; i++)
		asm volatile("pause" ::: "memory");
}

static void guest_wait_ready(volatile u64 *flags, int nr_vcpus)
{
	u64 i;
	int id;

	for (id = 1; id < nr_vcpus; id++)
		for (i = 0; i < SPIN_LIMIT && !flags[id]; i++)
			asm volatile("pause" ::: "memory");
}

static void guest_bsp(void)
{
	u64 n;

	guest_apic_on(0);
	asm volatile("sti" ::: "memory");
	guest_wait_ready(ready, NR_VCPUS);
	for (n = 0; n < NR_CASES; n++) {
		const struct ipi_case *c = &cases[n];

		xapic_send_ipi(c->dest, (c->icr & ~ONE_OF) | APIC_INT_ASSERT |
				   APIC_DM_FIXED | c->vector);
		guest_wait_case(c, NR_VCPUS);
		cases_done = n + 1;
	}
	stop = 1;
	xapic_send_ipi(0, APIC_DEST_ALLBUT | APIC_INT_ASSERT | APIC_DM_FIXED | VEC_STOP);
}

/* ---- vCPU threads ---- */

static u32 get_mp_state(struct vcpu *vcpu)
{
	struct hv_mp_state mp = { .mp_state = 0xdead };

	if (ioctl(vcpu->fd, HV_GET_MP_STATE, &mp))
		return 0xdead;
	return mp.mp_state;
}


struct vcpu_thread {
	struct vcpu *vcpu;
	pthread_t thread;
	volatile bool stopping;	/* set by the main thread before it kicks */
	bool done;		/* the guest function returned */
	int eagain;		/* KVM_RUNs that answered EAGAIN */
	/* INIT/SIPI: the AP's OUT to AP_PORT */
	volatile bool out_seen;
	u32 outs, out_data, out_mp_state;
	struct hv_regs regs;
	struct hv_sregs sregs;
	char why[300];
};

#define AP_PORT		0x7f4

static void on_kick(int sig)
{
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct hv_run *run = t->vcpu->run;
	struct ucall uc;
	sigset_t set;
	int r;

	/* SIGALRM is the main thread's; SIGUSR1 kicks this one. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		if (t->stopping) {
			snprintf(t->why, sizeof(t->why), "stopped by the test");
			return NULL;
		}
		r = vcpu_run(t->vcpu);
		if (r == -EAGAIN) {
			t->eagain++;
			continue;
		}
		if (r == -EINTR)
			continue;
		if (r) {
			snprintf(t->why, sizeof(t->why), "KVM_RUN: %s", strerror(-r));
			return NULL;
		}
		if (run->exit_reason == HV_EXIT_IO && run->io.port == AP_PORT &&
		    run->io.direction == HV_EXIT_IO_OUT && run->io.size == 2) {
			u16 v;

			memcpy(&v, vcpu_io_data(t->vcpu), 2);
			if (!t->outs++) {
				t->out_data = v;
				vcpu_get_regs(t->vcpu, &t->regs);
				vcpu_get_sregs(t->vcpu, &t->sregs);
				t->out_mp_state = get_mp_state(t->vcpu);
			}
			t->out_seen = true;
			continue;
		}
		if (run->exit_reason == HV_EXIT_HLT) {
			snprintf(t->why, sizeof(t->why),
				 "HV_EXIT_HLT: with an in-kernel irqchip the kernel keeps HLT (rip %#llx)",
				 (unsigned long long)vcpu_rip(t->vcpu));
			return NULL;
		}
		switch (vcpu_get_ucall(t->vcpu, &uc)) {
		case UCALL_SYNC:
			continue;
		case UCALL_DONE:
			t->done = true;
			return NULL;
		case UCALL_ASSERT:
		case UCALL_EXCEPTION:
			ucall_print(t->vcpu->vm, &uc, "guest");
			/* fall through */
		default:
			snprintf(t->why, sizeof(t->why), "%s", vcpu_exit_str(t->vcpu));
			return NULL;
		}
	}
}

static void threads_start(struct vcpu_thread *t, int n)
{
	struct sigaction sa = { .sa_handler = on_kick };	/* no SA_RESTART */
	int i;

	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < n; i++)
		TEST_REQUIRE(!pthread_create(&t[i].thread, NULL, vcpu_thread_fn, &t[i]),
			     "pthread_create");
}

/*
 * Stop a vCPU thread: immediate_exit makes its next KVM_RUN return EINTR
 * at once, SIGUSR1 ends the one under way (a vCPU halted in the kernel,
 * or one that never got its INIT).  Repeated until it is gone.
 */
static void thread_stop(struct vcpu_thread *t)
{
	struct timespec ts;
	int tries;

	t->stopping = true;
	t->vcpu->run->immediate_exit = 1;
	for (tries = 0; tries < 100; tries++) {
		pthread_kill(t->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!pthread_timedjoin_np(t->thread, NULL, &ts))
			break;
	}
	TEST_REQUIRE(tries < 100, "vCPU %d's thread does not stop", t->vcpu->id);
	t->vcpu->run->immediate_exit = 0;
}

/* Join all, within THREAD_TIMEOUT seconds; stop the ones still running. */
static bool threads_join(struct vcpu_thread *t, int n)
{
	struct timespec deadline;
	bool all = true;
	int i;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += THREAD_TIMEOUT;
	for (i = 0; i < n; i++) {
		if (!pthread_timedjoin_np(t[i].thread, NULL, &deadline))
			continue;
		ktap_info("vCPU %d: still in KVM_RUN after %d s (rip %#llx)", t[i].vcpu->id,
			  THREAD_TIMEOUT, (unsigned long long)vcpu_rip(t[i].vcpu));
		thread_stop(&t[i]);
		all = false;
	}
	return all;
}

/* ---- the host's check of a table of cases ---- */

/*
 * Each case's vector arrived exactly where it should: once at each vCPU
 * named, nowhere else (ONE_OF: once at exactly one of those named).
 * @done: how many of them vCPU 0 sent; @first: the index of cases[0]
 * among them.
 */
static void check_cases(struct vm *vm, const struct ipi_case *cases_, size_t nr,
			u64 done, size_t first, int nr_vcpus)
{
	volatile u64 (*h)[256] = *guest_var(vm, hits);
	char got[64];
	size_t n, len;
	int i;

	for (n = 0; n < nr; n++) {
		const struct ipi_case *c = &cases_[n];
		bool exact = true;
		u64 sum = 0;

		for (i = 0; i < MAX_APIC_ID; i++) {
			sum += h[i][c->vector];
			if (c->icr & ONE_OF)
				exact &= i < nr_vcpus && c->want[i] ? h[i][c->vector] <= 1 :
					 !h[i][c->vector];
			else
				exact &= h[i][c->vector] == (i < nr_vcpus ? c->want[i] : 0);
		}
		if (c->icr & ONE_OF)
			exact &= sum == 1;
		for (i = 0, len = 0; i < nr_vcpus; i++)
			len += snprintf(got + len, sizeof(got) - len, "%s%llu", i ? "/" : "",
					(unsigned long long)h[i][c->vector]);
		ktap_result(exact && done > first + n,
			    "IPI, %s, vector %#x: %s (vCPUs 0-%d got it %s times)",
			    c->what, c->vector,
			    (c->icr & ONE_OF) ? "exactly one of the vCPUs named, once" :
			    "exactly the vCPUs named, once", nr_vcpus - 1, got);
	}
}

/* ---- fixed IPIs ---- */

static void test_fixed_ipis(void)
{
	struct vcpu_thread t[NR_VCPUS];
	struct hv_mp_state mp = { .mp_state = HV_MP_STATE_RUNNABLE };
	volatile u64 (*h)[256];
	bool ok, set_ok = true, all_done = true;
	u32 before[NR_VCPUS];
	int i, v;

	struct vm *vm = vm_new(GUEST_LONG64);

	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_VCPUS; i++) {
		t[i].vcpu = vcpu_new(vm, i);
		for (v = VEC_PHYS1; v <= VEC_STOP; v++)
			vcpu_set_idt_gate(t[i].vcpu, v, STUB(v));
		vcpu_set_idt_gate(t[i].vcpu, 0xff, STUB_SPURIOUS);	/* counted, in vain */
		vcpu_set_idt_gate(t[i].vcpu, VEC_NMI, ipi_nmi_stub);
		before[i] = get_mp_state(t[i].vcpu);
		if (i) {
			set_ok &= !ioctl(t[i].vcpu->fd, HV_SET_MP_STATE, &mp) &&
				  get_mp_state(t[i].vcpu) == HV_MP_STATE_RUNNABLE;
			vcpu_enter(t[i].vcpu, guest_ap, 1, (u64)i);
		}
	}
	vcpu_enter(t[0].vcpu, guest_bsp, 0);
	ktap_result(before[0] == HV_MP_STATE_RUNNABLE && before[1] == HV_MP_STATE_UNINITIALIZED &&
		    before[2] == HV_MP_STATE_UNINITIALIZED && set_ok,
		    "the APs start UNINITIALIZED (%u, %u); SET_MP_STATE RUNNABLE takes them",
		    before[1], before[2]);

	threads_start(t, NR_VCPUS);
	ok = threads_join(t, NR_VCPUS);
	for (i = 0; i < NR_VCPUS; i++) {
		if (!t[i].done) {
			ktap_info("vCPU %d: %s", i, t[i].why);
			all_done = false;
		}
	}
	h = *guest_var(vm, hits);
	ktap_info("vCPU 0 sent %llu of %zu IPIs",
		  (unsigned long long)*guest_var(vm, cases_done), NR_CASES);
	check_cases(vm, cases, NR_CASES, *guest_var(vm, cases_done), 0, NR_VCPUS);
	ktap_result(ok && all_done && h[1][VEC_STOP] == 1 && h[2][VEC_STOP] == 1 && !h[0][VEC_STOP],
		    "the APs halted in the kernel, woken by IPIs, ran to their end (stop IPI: %llu/%llu/%llu)",
		    (unsigned long long)h[0][VEC_STOP], (unsigned long long)h[1][VEC_STOP],
		    (unsigned long long)h[2][VEC_STOP]);
	vm_free(vm);
}

/* ---- the other destination models: xAPIC cluster, x2APIC; 4 vCPUs ---- */

#define MSR_APIC_BASE	0x1b
#define  APIC_BASE_EXTD	(1ULL << 10)	/* x2APIC mode (SDM 10.12.1) */
#define MSR_X2APIC_ICR	0x830
#define APIC_DEST_SELF_SH	0x40000	/* shorthand: self */
#define DFR_CLUSTER	0x0fffffffu	/* SDM 10.6.2.2 */

#define VEC_CL_21	0x60	/* cluster 1, member 1: vCPU 2 */
#define VEC_CL_0M	0x61	/* cluster 0, members 1 and 2: vCPUs 0, 1 */
#define VEC_CL_32	0x62	/* cluster 1, member 2: vCPU 3 */
#define VEC_CL_BC	0x63	/* logical 0xff: all */
#define VEC_CL_LP	0x64	/* lowest priority, cluster 1: vCPU 2 or 3 */
#define VEC_SWITCH	0x65	/* wakes the APs to enter x2APIC mode */
#define VEC_X2_P3	0x66	/* x2APIC physical 3 */
#define VEC_X2_BC	0x67	/* x2APIC physical broadcast 0xffffffff */
#define VEC_X2_LM	0x68	/* x2APIC logical 0x0a: vCPUs 1, 3 */
#define VEC_X2_L2	0x69	/* x2APIC logical 0x04: vCPU 2 */
#define VEC_X2_AB	0x6a	/* x2APIC shorthand all excluding self */
#define VEC_X2_SELF	0x6b	/* x2APIC shorthand self */
#define VEC_STOP4	0x6c	/* wakes the APs at the end */

static const struct ipi_case cluster_cases[] = {
	{ "xAPIC logical cluster 1 member 1 (0x11)", VEC_CL_21, 0x11, APIC_DEST_LOGICAL, { 0, 0, 1, 0 } },
	{ "xAPIC logical cluster 0 members 1, 2 (0x03), the sender among them", VEC_CL_0M, 0x03,
	  APIC_DEST_LOGICAL, { 1, 1, 0, 0 } },
	{ "xAPIC logical cluster 1 member 2 (0x12)", VEC_CL_32, 0x12, APIC_DEST_LOGICAL, { 0, 0, 0, 1 } },
	{ "xAPIC logical cluster broadcast 0xff", VEC_CL_BC, 0xff, APIC_DEST_LOGICAL, { 1, 1, 1, 1 } },
	{ "xAPIC lowest priority, logical cluster 1 members 1, 2 (0x13)", VEC_CL_LP, 0x13,
	  APIC_DEST_LOGICAL | APIC_DM_LOWEST | ONE_OF, { 0, 0, 1, 1 } },
};

static const struct ipi_case x2apic_cases[] = {
	{ "x2APIC physical destination 3", VEC_X2_P3, 3, 0, { 0, 0, 0, 1 } },
	{ "x2APIC physical broadcast 0xffffffff", VEC_X2_BC, 0xffffffff, 0, { 1, 1, 1, 1 } },
	{ "x2APIC logical cluster 0 members 1, 3 (0x0000000a)", VEC_X2_LM, 0x0a, APIC_DEST_LOGICAL,
	  { 0, 1, 0, 1 } },
	{ "x2APIC logical cluster 0 member 2 (0x00000004)", VEC_X2_L2, 0x04, APIC_DEST_LOGICAL,
	  { 0, 0, 1, 0 } },
	{ "x2APIC shorthand all excluding self", VEC_X2_AB, 0, APIC_DEST_ALLBUT, { 0, 1, 1, 1 } },
	{ "x2APIC shorthand self", VEC_X2_SELF, 0, APIC_DEST_SELF_SH, { 1, 0, 0, 0 } },
};
#define NR_CL_CASES	(sizeof(cluster_cases) / sizeof(cluster_cases[0]))
#define NR_X2_CASES	(sizeof(x2apic_cases) / sizeof(x2apic_cases[0]))

volatile u64 ready4[NR_VCPUS4];
volatile u64 x2_ready[NR_VCPUS4];
volatile u64 phase4;		/* 0: cluster, 1: x2APIC, 2: stop */
volatile u64 cases4_done;

extern const char ipi4_stubs[];

/*
 * Stubs for vectors 0x60..0x6c, 16 bytes each.  The common part finds
 * its own APIC's mode in IA32_APIC_BASE: in x2APIC mode the ID and EOI
 * are MSRs (SDM 10.12.1.2), else the xAPIC page; the vCPUs switch modes
 * one by one, so each handler asks.
 */
asm("	.pushsection .text\n"
"ipi4_common:\n"
"	pushq %rcx\n"
"	pushq %rdx\n"
"	pushq %rax\n"
"	movl $0x1b, %ecx\n"
"	rdmsr\n"
"	testl $0x400, %eax\n"
"	jnz 1f\n"
"	movl $0xfee00020, %ecx\n"
"	movl (%rcx), %ecx\n"
"	shrl $24, %ecx\n"
"	andl $7, %ecx\n"
"	popq %rax\n"
"	shlq $8, %rcx\n"
"	addq %rax, %rcx\n"
"	lock incq hits(,%rcx,8)\n"
"	movl $0xfee000b0, %ecx\n"
"	movl $0, (%rcx)\n"
"	jmp 2f\n"
"1:	movl $0x802, %ecx\n"
"	rdmsr\n"
"	movl %eax, %ecx\n"
"	andl $7, %ecx\n"
"	popq %rax\n"
"	shlq $8, %rcx\n"
"	addq %rax, %rcx\n"
"	lock incq hits(,%rcx,8)\n"
"	movl $0x80b, %ecx\n"
"	xorl %eax, %eax\n"
"	xorl %edx, %edx\n"
"	wrmsr\n"
"2:	popq %rdx\n"
"	popq %rcx\n"
"	popq %rax\n"
"	iretq\n"
"	.balign 16\n"
"ipi4_stubs:\n"
"	.irp v, 0x60,0x61,0x62,0x63,0x64,0x65,0x66,0x67,0x68,0x69,0x6a,0x6b,0x6c\n"
"	.balign 16\n"
"	pushq %rax\n"
"	movl $\\v, %eax\n"
"	jmp ipi4_common\n"
"	.endr\n"
"	.popsection\n");

#define STUB4(vector)	(ipi4_stubs + 16 * ((vector) - VEC_CL_21))

/* xAPIC cluster model: cluster id / 2, member bit 1 << (id % 2). */
static void guest_cluster_on(u64 id)
{
	xapic_enable(0xff);
	xapic_write(APIC_DFR, DFR_CLUSTER);
	xapic_write(APIC_LDR, (u32)(((id / 2) << 4) | (1u << (id % 2))) << 24);
}

static void guest_x2apic_on(void)
{
	guest_write_msr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
}

static void x2apic_send_ipi(u32 dest, u32 icr)
{
	guest_write_msr(MSR_X2APIC_ICR, ((u64)dest << 32) | icr);
}

static void guest_ap4(u64 id)
{
	guest_cluster_on(id);
	ready4[id] = 1;
	asm volatile("cli" ::: "memory");
	while (phase4 == 0)
		asm volatile("sti; hlt; cli" ::: "memory");
	guest_x2apic_on();
	x2_ready[id] = 1;
	while (phase4 == 1)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti" ::: "memory");
}

static void guest_bsp4(void)
{
	u64 n;

	guest_cluster_on(0);
	asm volatile("sti" ::: "memory");
	guest_wait_ready(ready4, NR_VCPUS4);
	for (n = 0; n < NR_CL_CASES; n++) {
		const struct ipi_case *c = &cluster_cases[n];

		xapic_send_ipi(c->dest, (c->icr & ~ONE_OF) | APIC_INT_ASSERT |
				   APIC_DM_FIXED | c->vector);
		guest_wait_case(c, NR_VCPUS4);
		cases4_done = n + 1;
	}
	phase4 = 1;
	xapic_send_ipi(0, APIC_DEST_ALLBUT | APIC_INT_ASSERT | APIC_DM_FIXED | VEC_SWITCH);
	guest_x2apic_on();
	guest_wait_ready(x2_ready, NR_VCPUS4);
	for (n = 0; n < NR_X2_CASES; n++) {
		const struct ipi_case *c = &x2apic_cases[n];

		x2apic_send_ipi(c->dest, c->icr | APIC_INT_ASSERT | APIC_DM_FIXED |
				c->vector);
		guest_wait_case(c, NR_VCPUS4);
		cases4_done = NR_CL_CASES + n + 1;
	}
	phase4 = 2;
	x2apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_INT_ASSERT | APIC_DM_FIXED | VEC_STOP4);
}

static void test_destination_models(void)
{
	struct vcpu_thread t[NR_VCPUS4];
	struct hv_mp_state mp = { .mp_state = HV_MP_STATE_RUNNABLE };
	struct hv_cpuid2 *cpuid;
	volatile u64 (*h)[256];
	bool ok, all_done = true;
	int i, v;

	struct vm *vm = vm_new(GUEST_LONG64);

	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	cpuid = dev_supported_cpuid(vm->devfd);
	TEST_REQUIRE(cpuid, "GET_SUPPORTED_CPUID");
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_VCPUS4; i++) {
		t[i].vcpu = vcpu_new(vm, i);
		/* x2APIC mode needs x2APIC in the guest's CPUID (SDM 10.12.1). */
		TEST_REQUIRE(!ioctl(t[i].vcpu->fd, HV_SET_CPUID2, cpuid), "SET_CPUID2");
		for (v = VEC_CL_21; v <= VEC_STOP4; v++)
			vcpu_set_idt_gate(t[i].vcpu, v, STUB4(v));
		vcpu_set_idt_gate(t[i].vcpu, 0xff, STUB_SPURIOUS);
		if (i) {
			TEST_REQUIRE(!ioctl(t[i].vcpu->fd, HV_SET_MP_STATE, &mp),
				     "SET_MP_STATE");
			vcpu_enter(t[i].vcpu, guest_ap4, 1, (u64)i);
		}
	}
	free(cpuid);
	vcpu_enter(t[0].vcpu, guest_bsp4, 0);

	threads_start(t, NR_VCPUS4);
	ok = threads_join(t, NR_VCPUS4);
	for (i = 0; i < NR_VCPUS4; i++) {
		if (!t[i].done) {
			ktap_info("vCPU %d: %s", i, t[i].why);
			all_done = false;
		}
	}
	h = *guest_var(vm, hits);
	ktap_info("vCPU 0 sent %llu of %zu IPIs",
		  (unsigned long long)*guest_var(vm, cases4_done),
		  NR_CL_CASES + NR_X2_CASES);
	check_cases(vm, cluster_cases, NR_CL_CASES, *guest_var(vm, cases4_done), 0,
		    NR_VCPUS4);
	check_cases(vm, x2apic_cases, NR_X2_CASES, *guest_var(vm, cases4_done),
		    NR_CL_CASES, NR_VCPUS4);
	ktap_result(ok && all_done && h[0][VEC_SWITCH] == 0 &&
		    h[1][VEC_STOP4] == 1 && h[2][VEC_STOP4] == 1 && h[3][VEC_STOP4] == 1,
		    "4 vCPUs switched from the xAPIC cluster model to x2APIC mode and ran to their end (stop IPI: %llu/%llu/%llu)",
		    (unsigned long long)h[1][VEC_STOP4], (unsigned long long)h[2][VEC_STOP4],
		    (unsigned long long)h[3][VEC_STOP4]);
	vm_free(vm);
}

/* ---- INIT, SIPI, SIPI ---- */

#define SIPI_VECTOR	0x20	/* the AP starts at 0x20000 */
#define AP_COUNT_OFF	0x100	/* its starts, a word at 0x20100 */
#define AP_MARK_OFF	0x102
#define AP_MARK		0x5a5a

extern const char ap_blob[], ap_blob_out[], ap_blob_end[];

/*
 * Real-mode code for the AP, at SIPI_VECTOR << 12: count this start in
 * its own page, mark it, OUT the count, then halt with IF clear (after
 * INIT), for good.
 */
asm("	.pushsection .rodata\n"
"	.code16\n"
"ap_blob:\n"
"	incw %cs:" __stringify(AP_COUNT_OFF) "\n"
"	movw $" __stringify(AP_MARK) ", %cs:" __stringify(AP_MARK_OFF) "\n"
"	movw %cs:" __stringify(AP_COUNT_OFF) ", %ax\n"
"	movw $" __stringify(AP_PORT) ", %dx\n"
"ap_blob_out:\n"
"	outw %ax, %dx\n"
"1:	hlt\n"
"	jmp 1b\n"
"ap_blob_end:\n"
"	.code64\n"
"	.popsection\n");

static void guest_wait_icr_idle(void)
{
	u64 i;

	for (i = 0; i < SPIN_LIMIT && (xapic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
		asm volatile("pause" ::: "memory");
}

/* The universal start-up algorithm (SDM vol. 3A 8.4.4.1), without the waits. */
static void guest_start_ap(u64 apic_id)
{
	xapic_enable(0xff);
	xapic_send_ipi(apic_id, APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT);
	guest_wait_icr_idle();
	xapic_send_ipi(apic_id, APIC_INT_LEVELTRIG | APIC_DM_INIT);
	guest_wait_icr_idle();
	xapic_send_ipi(apic_id, APIC_DM_STARTUP | SIPI_VECTOR);
	guest_wait_icr_idle();
	xapic_send_ipi(apic_id, APIC_DM_STARTUP | SIPI_VECTOR);
	guest_wait_icr_idle();
}

static void on_alarm(int sig)
{
}

static void test_init_sipi(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval alarm_200ms = { .it_value = { .tv_usec = 200000 } };
	struct itimerval alarm_20s = { .it_value = { .tv_sec = 20 } };
	struct itimerval off = { 0 };
	struct vcpu_thread ap;
	struct vcpu *bsp;
	struct ucall uc;
	u64 ap_rip, page = (u64)SIPI_VECTOR << 12;
	u16 *count, *mark;
	u32 s;
	int r, ms;
	bool ok;

	struct vm *vm = vm_new(GUEST_LONG64);

	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	bsp = vcpu_new(vm, 0);
	memset(&ap, 0, sizeof(ap));
	ap.vcpu = vcpu_new(vm, 1);
	vm_load_blob(vm, page, ap_blob, ap_blob_end);
	count = vm_gpa2hva(vm, page + AP_COUNT_OFF);
	mark = vm_gpa2hva(vm, page + AP_MARK_OFF);
	*count = 0;
	*mark = 0;

	/* An AP before its INIT does not run. */
	sigaction(SIGALRM, &sa, NULL);
	ap_rip = vcpu_rip(ap.vcpu);
	setitimer(ITIMER_REAL, &alarm_200ms, NULL);
	r = vcpu_run(ap.vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	s = get_mp_state(ap.vcpu);
	ktap_result(r == -EINTR && vcpu_rip(ap.vcpu) == ap_rip && s == HV_MP_STATE_UNINITIALIZED,
		    "an UNINITIALIZED AP does not run: KVM_RUN waits until a signal (%d), RIP unchanged, still UNINITIALIZED (%u)",
		    r, s);

	threads_start(&ap, 1);
	vcpu_enter(bsp, guest_start_ap, 1, (u64)1);
	setitimer(ITIMER_REAL, &alarm_20s, NULL);
	ok = vcpu_expect_ucall(bsp, UCALL_DONE, &uc, "BSP: INIT, SIPI, SIPI");
	setitimer(ITIMER_REAL, &off, NULL);
	ktap_result(ok, "vCPU 0 sent INIT (assert, deassert) and two SIPIs to APIC ID 1");

	for (ms = 0; ms < 20000 && !ap.out_seen; ms += 10)
		usleep(10000);
	usleep(200000);		/* time for the second SIPI to do harm, if it would */
	thread_stop(&ap);
	if (!ap.out_seen)
		ktap_info("AP: %s; KVM_RUN answered EAGAIN %d times", ap.why, ap.eagain);
	ktap_info("AP: KVM_RUN answered EAGAIN %d time(s) while it waited", ap.eagain);
	ktap_result(ap.out_seen && ap.out_data == 1 && *mark == AP_MARK,
		    "the AP ran the code at the SIPI vector's page %#llx: its OUT came (count %u), marker %#x",
		    (unsigned long long)page, ap.out_data, *mark);
	ktap_result(ap.out_seen && ap.sregs.cs.selector == SIPI_VECTOR << 8 &&
		    ap.sregs.cs.base == page && !(ap.sregs.cr0 & CR0_PE) &&
		    ap.regs.rip == (u64)(ap_blob_out - ap_blob),
		    "in real mode: CS %#x base %#llx, CR0 %#llx, IP %#llx at the OUT (it completes at the next KVM_RUN)",
		    ap.sregs.cs.selector, (unsigned long long)ap.sregs.cs.base,
		    (unsigned long long)ap.sregs.cr0, (unsigned long long)ap.regs.rip);
	ktap_result(ap.out_seen && ap.outs == 1 && *count == 1,
		    "the second SIPI, to a running AP, is ignored: one start (count %u, %u OUTs)",
		    *count, ap.outs);
	s = get_mp_state(ap.vcpu);
	ktap_result(ap.out_seen && ap.out_mp_state == HV_MP_STATE_RUNNABLE,
		    "the AP is RUNNABLE once started (%u)", ap.out_mp_state);
	ktap_result(ap.out_seen && s == HV_MP_STATE_HALTED,
		    "then HALTED in the kernel by its HLT with IF clear (%u)", s);
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
	test_fixed_ipis();
	test_destination_models();
	test_init_sipi();
	ktap_end();
}
