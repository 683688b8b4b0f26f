// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU follows its thread across host CPUs: the per-CPU hardware state
 * a backend keeps for it (on VT-x, the VMCS, active on one CPU at a time
 * and cleared there before it is loaded elsewhere; its host TR/GDT bases;
 * EPT and VPID translations) must move with it.
 *
 *  - hops: two vCPU threads pin themselves to another CPU (sched_setaffinity)
 *    before every KVM_RUN, in opposite orders, so their VMCSs keep
 *    trading places; each run the guest takes exits the kernel handles
 *    itself (RDMSR) with every GPR but RSP holding a pattern, and counts
 *    the registers that came back wrong.  Counts and registers must stay
 *    right.
 *  - moved while running: another thread changes the vCPU thread's
 *    affinity while it is inside one long KVM_RUN (the scheduler moves it
 *    between in-kernel exits: preempt notifiers, not the ioctl, see it).
 *
 * Works on any backend; with one CPU the hops stay on it (still two VMCSs
 * taking turns) and the second part is skipped.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define HOPS		60	/* KVM_RUNs per vCPU thread, each on another CPU */
#define INNER		10	/* in-kernel exits per KVM_RUN */
#define STORM_EXITS	1500	/* in-kernel exits in the KVM_RUN being moved */
#define MSR_EFER_NR	0xc0000080

/*
 * Fill RBX, RSI, RDI, RBP, R8-R15 with seed + 0..11 and RCX with the MSR
 * number, take an exit the kernel handles (RDMSR of EFER writes only RAX
 * and RDX), and return how many of those 13 registers changed.
 */
static u64 guest_exit_keeps_regs(u64 seed)
{
	u64 bad;

	asm volatile(
		"push %%rbp\n\t"
		"push %[s]\n\t"
		"mov (%%rsp), %%rbx\n\t"
		"lea 1(%%rbx), %%rsi\n\t"
		"lea 2(%%rbx), %%rdi\n\t"
		"lea 3(%%rbx), %%rbp\n\t"
		"lea 4(%%rbx), %%r8\n\t"
		"lea 5(%%rbx), %%r9\n\t"
		"lea 6(%%rbx), %%r10\n\t"
		"lea 7(%%rbx), %%r11\n\t"
		"lea 8(%%rbx), %%r12\n\t"
		"lea 9(%%rbx), %%r13\n\t"
		"lea 10(%%rbx), %%r14\n\t"
		"lea 11(%%rbx), %%r15\n\t"
		"mov $" __stringify(MSR_EFER_NR) ", %%ecx\n\t"
		"rdmsr\n\t"
		"xor %%eax, %%eax\n\t"
#define CHECK(reg, off)							\
		"lea " #off "(%%rbx), %%rdx\n\t"			\
		"cmp %%rdx, %%" #reg "\n\t"				\
		"je 1f\n\t"						\
		"inc %%rax\n"						\
		"1:\n\t"
		CHECK(rsi, 1) CHECK(rdi, 2) CHECK(rbp, 3) CHECK(r8, 4)
		CHECK(r9, 5) CHECK(r10, 6) CHECK(r11, 7) CHECK(r12, 8)
		CHECK(r13, 9) CHECK(r14, 10) CHECK(r15, 11)
#undef CHECK
		"cmp (%%rsp), %%rbx\n\t"
		"je 1f\n\t"
		"add $100, %%rax\n"		/* RBX itself: all others look off */
		"1:\n\t"
		"mov $" __stringify(MSR_EFER_NR) ", %%edx\n\t"
		"cmp %%rdx, %%rcx\n\t"
		"je 1f\n\t"
		"inc %%rax\n"
		"1:\n\t"
		"add $8, %%rsp\n\t"
		"pop %%rbp\n\t"
		: "=a" (bad)
		: [s] "r" (seed)
		: "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "r12", "r13", "r14", "r15", "cc", "memory");
	return bad;
}

static void guest_hop(u64 id, u64 hops)
{
	u64 i, j, bad;

	for (i = 0; i < hops; i++) {
		bad = 0;
		for (j = 0; j < INNER; j++)
			bad += guest_exit_keeps_regs(id << 56 | i << 16 | j << 4);
		GUEST_SYNC(i, bad);
	}
}

static void guest_storm(u64 n)
{
	u64 i, bad = 0;

	for (i = 0; i < n; i++)
		bad += guest_exit_keeps_regs(0x5a00000000000000ULL | i << 8);
	GUEST_SYNC(n, bad);
}

/* ---- host side ---- */

static int cpus[CPU_SETSIZE], ncpus;

static int pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set);
}

static void unpin(pid_t tid)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < ncpus; i++)
		CPU_SET(cpus[i], &set);
	sched_setaffinity(tid, sizeof(set), &set);
}

struct hopper {
	struct vcpu *vcpu;
	int id;
	/* results, read by the main thread after join */
	int runs;		/* SYNCs with the right count */
	u64 bad_regs;
	int wrong_cpu, bad_rsp;
	bool done;
	char why[256];
};

static void *hopper_main(void *arg)
{
	struct hopper *h = arg;
	struct hv_regs regs;
	struct ucall uc;
	u64 stack_lo = GPA_STACKS + h->id * GUEST_STACK_SIZE;
	int i;

	for (i = 0; i < HOPS; i++) {
		/* vCPU 0 walks the CPUs upwards, vCPU 1 downwards. */
		int k = h->id ? ncpus - 1 - i % ncpus : i % ncpus;

		if (pin(0, cpus[k])) {
			snprintf(h->why, sizeof(h->why), "sched_setaffinity: %s",
				 strerror(errno));
			break;
		}
		if (vcpu_run_ucall(h->vcpu, &uc) != UCALL_SYNC) {
			snprintf(h->why, sizeof(h->why),
				 "run %d: expected SYNC, got %s (cmd %u)", i,
				 vcpu_exit_str(h->vcpu), uc.cmd);
			if (uc.cmd == UCALL_ASSERT || uc.cmd == UCALL_EXCEPTION)
				ucall_print(h->vcpu->vm, &uc, "hop");
			break;
		}
		if (uc.args[0] != (u64)i) {
			snprintf(h->why, sizeof(h->why),
				 "run %d: guest count %llu", i,
				 (unsigned long long)uc.args[0]);
			break;
		}
		h->bad_regs += uc.args[1];
		if (sched_getcpu() != cpus[k])
			h->wrong_cpu++;
		/* The guest's stack pointer is its own, inside its stack. */
		vcpu_get_regs(h->vcpu, &regs);
		if (regs.rsp <= stack_lo || regs.rsp > stack_lo + GUEST_STACK_SIZE)
			h->bad_rsp++;
		h->runs++;
	}
	if (h->runs == HOPS) {
		if (vcpu_run_ucall(h->vcpu, &uc) == UCALL_DONE)
			h->done = true;
		else
			snprintf(h->why, sizeof(h->why),
				 "after the hops: expected DONE, got %s",
				 vcpu_exit_str(h->vcpu));
	}
	unpin(0);
	return NULL;
}

static void test_hops(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct hopper h[2] = { { .id = 0 }, { .id = 1 } };
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++) {
		h[i].vcpu = vcpu_new(vm, i);
		vcpu_enter(h[i].vcpu, guest_hop, 2, (u64)i, (u64)HOPS);
	}
	for (i = 0; i < 2; i++)
		TEST_REQUIRE(!pthread_create(&t[i], NULL, hopper_main, &h[i]),
			     "pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	for (i = 0; i < 2; i++) {
		if (h[i].why[0])
			ktap_info("vCPU %d: %s", i, h[i].why);
		ktap_result(h[i].runs == HOPS && h[i].done,
			    "vCPU %d: %d of %d runs, each on the next of %d CPUs, counted right",
			    i, h[i].runs, HOPS, ncpus);
		ktap_result(h[i].runs && !h[i].bad_regs,
			    "vCPU %d: GPRs kept across %d in-kernel exits (%llu wrong)",
			    i, h[i].runs * INNER,
			    (unsigned long long)h[i].bad_regs);
		ktap_result(h[i].runs && !h[i].bad_rsp,
			    "vCPU %d: guest RSP stayed in its stack (%d runs off)",
			    i, h[i].bad_rsp);
		ktap_result(h[i].runs && !h[i].wrong_cpu,
			    "vCPU %d: each run returned on the CPU it was pinned to (%d did not)",
			    i, h[i].wrong_cpu);
	}
	vm_free(vm);
}

/* ---- moved while inside KVM_RUN ---- */

struct mover {
	pid_t tid;		/* the vCPU thread */
	volatile bool stop;
	int moves, seen_cpus;
};

/* The "processor" field (39th) of /proc/self/task/TID/stat. */
static int thread_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	FILE *f;
	int field = 1;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');		/* the name may hold spaces */
	if (!p)
		return -1;
	field = 2;
	for (; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return atoi(p);
}

static void *mover_main(void *arg)
{
	struct mover *m = arg;
	struct timespec ts = { 0, 300 * 1000 };	/* 0.3 ms */
	unsigned long seen = 0;
	int k = 0, c;

	while (!m->stop) {
		if (!pin(m->tid, cpus[k++ % ncpus]))
			m->moves++;
		nanosleep(&ts, NULL);
		c = thread_cpu(m->tid);
		if (c >= 0 && c < 64)
			seen |= 1UL << c;
	}
	m->seen_cpus = __builtin_popcountl(seen);
	return NULL;
}

static void test_moved_while_running(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct mover m = { .tid = syscall(SYS_gettid) };
	struct ucall uc;
	pthread_t t;
	bool ok;

	if (ncpus < 2) {
		ktap_skip("moved while running", "only one CPU");
		return;
	}
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	vcpu_enter(vcpu, guest_storm, 1, (u64)STORM_EXITS);

	TEST_REQUIRE(!pthread_create(&t, NULL, mover_main, &m), "pthread_create");
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "storm");
	m.stop = true;
	pthread_join(t, NULL);
	unpin(0);

	ktap_info("the vCPU thread was moved %d times, seen on %d CPUs",
		  m.moves, m.seen_cpus);
	ktap_result(ok && uc.args[0] == STORM_EXITS,
		    "moved while running: the guest finished its %d exits",
		    STORM_EXITS);
	ktap_result(ok && !uc.args[1],
		    "moved while running: GPRs kept (%llu wrong)",
		    (unsigned long long)uc.args[1]);
	ok = vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "storm done");
	ktap_result(ok, "moved while running: the guest returned");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	ncpus = test_allowed_cpus(cpus);
	ktap_info("%d CPUs", ncpus);
	test_hops();
	test_moved_while_running();
	ktap_end();
}
