// SPDX-License-Identifier: GPL-2.0
/*
 * A long-mode guest writes the registers the host's user and kernel code
 * depend on, and that hardware does not all switch by itself: FS and GS
 * base, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_*.  Round
 * after round it uses them (SWAPGS, SYSCALL into its own LSTAR) and exits
 * to userspace, where the host process checks that it and its kernel still
 * behave: system calls, a signal, a new thread, fork, its TLS (FS base) and
 * the GS base it set itself.  Back in the guest, its own values must still
 * be there.  Between rounds the thread moves to another CPU when it can,
 * so per-CPU host state (TSS, GDT, GS base) is exercised too.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define ROUNDS			40

#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176

/* The guest's values in round i: canonical, distinct, never the host's. */
#define G_FS(i)		(0x00007f0000100000ULL + (i) * 0x1000)
#define G_GS(i)		(0x00007f0000200000ULL + (i) * 0x1000)
#define G_KGS(i)	(0xffff888000300000ULL + (i) * 0x1000)
/* SYSCALL loads CS from STAR[47:32]: the guest's own 64-bit code segment. */
#define G_STAR(i)	(0x0023ULL << 48 | (u64)SEL_CODE64 << 32 | (0x1000 + (i)))
#define G_CSTAR(i)	(0xffffffff81000000ULL + (i) * 16)
#define G_SFMASK(i)	(0x200ULL | ((i) & 0xd5))	/* IF and some flags */
#define G_SE_CS(i)	(0x10ULL + (i) * 8)
#define G_SE_ESP(i)	(0xffffc90000004000ULL + (i) * 0x100)
#define G_SE_EIP(i)	(0xffffffff81800000ULL + (i) * 0x10)

static inline __attribute__((always_inline)) void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* The guest's SYSCALL target: count, restore RFLAGS (R11), return (RCX). */
volatile u64 guest_syscalls __attribute__((used));
extern const char guest_syscall_entry[];
asm(
"	.pushsection .text\n"
"guest_syscall_entry:\n"
"	incq guest_syscalls(%rip)\n"
"	push %r11\n"
"	popfq\n"
"	jmp *%rcx\n"
"	.popsection\n");

static void guest_main(u64 rounds)
{
	u64 i, gs, kgs, before;

	for (i = 0; i < rounds; i++) {
		wrmsr(MSR_FS_BASE, G_FS(i));
		wrmsr(MSR_GS_BASE, G_GS(i));
		wrmsr(MSR_KERNEL_GS_BASE, G_KGS(i));
		wrmsr(MSR_STAR, G_STAR(i));
		wrmsr(MSR_LSTAR, (u64)(uintptr_t)guest_syscall_entry);
		wrmsr(MSR_CSTAR, G_CSTAR(i));
		wrmsr(MSR_SYSCALL_MASK, G_SFMASK(i));
		wrmsr(MSR_SYSENTER_CS, G_SE_CS(i));
		wrmsr(MSR_SYSENTER_ESP, G_SE_ESP(i));
		wrmsr(MSR_SYSENTER_EIP, G_SE_EIP(i));

		/* SWAPGS trades the two GS bases in the CPU itself. */
		asm volatile("swapgs" : : : "memory");
		gs = rdmsr(MSR_GS_BASE);
		kgs = rdmsr(MSR_KERNEL_GS_BASE);
		asm volatile("swapgs" : : : "memory");
		GUEST_ASSERT_EQ(gs, G_KGS(i));
		GUEST_ASSERT_EQ(kgs, G_GS(i));

		/* SYSCALL goes where the guest's LSTAR says. */
		before = guest_syscalls;
		asm volatile("syscall" : : : "rcx", "r11", "memory");
		GUEST_ASSERT_EQ(guest_syscalls, before + 1);

		GUEST_SYNC(i);

		/* The host ran meanwhile: the guest's values are still its own. */
		GUEST_ASSERT_EQ(rdmsr(MSR_FS_BASE), G_FS(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_GS_BASE), G_GS(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_KERNEL_GS_BASE), G_KGS(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_STAR), G_STAR(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_LSTAR),
				(u64)(uintptr_t)guest_syscall_entry);
		GUEST_ASSERT_EQ(rdmsr(MSR_CSTAR), G_CSTAR(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_SYSCALL_MASK), G_SFMASK(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_SYSENTER_CS), G_SE_CS(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_SYSENTER_ESP), G_SE_ESP(i));
		GUEST_ASSERT_EQ(rdmsr(MSR_SYSENTER_EIP), G_SE_EIP(i));
		before = guest_syscalls;
		asm volatile("syscall" : : : "rcx", "r11", "memory");
		GUEST_ASSERT_EQ(guest_syscalls, before + 1);
	}
}

/* ---- host side ---- */

#define HOST_GS_BASE	0x00007f00dead0000ULL	/* set by us, unused by libc */

static __thread u64 tls_canary = 0x1122334455667788ULL;
static volatile sig_atomic_t sig_seen;
static volatile u64 sig_tls;

static void on_usr1(int sig)
{
	sig_seen = 1;
	sig_tls = tls_canary;
}

static void *thread_main(void *arg)
{
	/* A new thread gets its own TLS, initialized from the image. */
	return (void *)(uintptr_t)(tls_canary == 0x1122334455667788ULL);
}

/* Hammers the kernel from another thread while the guest runs. */
static volatile bool noise_stop;
static void *noise_main(void *arg)
{
	long *bad = arg;
	pid_t pid = getpid();

	tls_canary = 0xabcdef;
	while (!noise_stop) {
		if (syscall(SYS_getpid) != pid || tls_canary != 0xabcdef)
			(*bad)++;
		sched_yield();
	}
	return NULL;
}

static int cpus[CPU_SETSIZE], ncpus;

static void pin_all(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < ncpus; i++)
		CPU_SET(cpus[i], &set);
	sched_setaffinity(0, sizeof(set), &set);
}

struct host_checks {
	int tls, fsbase, gsbase, pid, signal, thread, rounds;
};

static void check_host(struct host_checks *c, pid_t pid, u64 fsbase,
		       u64 *tls_addr)
{
	unsigned long v = 0;
	pthread_t t;
	void *ret = NULL;

	if (&tls_canary != tls_addr || tls_canary != 0x1122334455667788ULL)
		c->tls++;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &v) || v != fsbase)
		c->fsbase++;
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &v) || v != HOST_GS_BASE)
		c->gsbase++;
	if (getpid() != pid || syscall(SYS_getppid) != getppid())
		c->pid++;
	sig_seen = 0;
	sig_tls = 0;
	raise(SIGUSR1);
	if (!sig_seen || sig_tls != 0x1122334455667788ULL)
		c->signal++;
	if (pthread_create(&t, NULL, thread_main, NULL) ||
	    pthread_join(t, &ret) || !ret)
		c->thread++;
	sched_yield();
}

int main(int argc, char **argv)
{
	struct host_checks c = { 0 };
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_sregs sr;
	struct ucall uc;
	pthread_t noise;
	long noise_bad = 0;
	unsigned long fsbase = 0;
	u64 *tls_addr = &tls_canary;
	pid_t pid = getpid(), child;
	int i, status = -1;
	bool ok = true;

	ktap_begin(argc, argv);
	ncpus = test_allowed_cpus(cpus);
	sigaction(SIGUSR1, &sa, NULL);
	TEST_REQUIRE(!syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase), "%s",
		     strerror(errno));
	TEST_REQUIRE(!syscall(SYS_arch_prctl, ARCH_SET_GS, HOST_GS_BASE),
		     "ARCH_SET_GS: %s", strerror(errno));

	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	/* SYSCALL needs EFER.SCE; a guest without CPUID may not write LME. */
	vcpu_get_sregs(vcpu, &sr);
	sr.efer |= EFER_SCE;
	vcpu_set_sregs(vcpu, &sr);
	vcpu_enter(vcpu, guest_main, 1, (u64)ROUNDS);

	TEST_REQUIRE(!pthread_create(&noise, NULL, noise_main, &noise_bad),
		     "pthread_create");
	for (i = 0; i < ROUNDS && ok; i++) {
		if (ncpus > 1) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpus[i % ncpus], &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "round") &&
		     uc.args[0] == (u64)i;
		if (!ok)
			ktap_info("round %d: got round %llu", i,
				  (unsigned long long)uc.args[0]);
		check_host(&c, pid, fsbase, tls_addr);
		c.rounds++;
	}
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "last round");
	noise_stop = true;
	pthread_join(noise, NULL);
	pin_all();

	ktap_result(ok && c.rounds == ROUNDS,
		    "%d guest rounds: MSRs written, SWAPGS and SYSCALL use them, values still the guest's after each exit",
		    c.rounds);
	ktap_result(!c.tls, "host TLS (FS base) intact after each round (%d bad)",
		    c.tls);
	ktap_result(!c.fsbase, "ARCH_GET_FS unchanged (%d bad)", c.fsbase);
	ktap_result(!c.gsbase,
		    "the host's own GS base (KERNEL_GS_BASE in the kernel) intact (%d bad)",
		    c.gsbase);
	ktap_result(!c.pid, "system calls answer right (%d bad)", c.pid);
	ktap_result(!c.signal, "signals delivered, with TLS (%d bad)", c.signal);
	ktap_result(!c.thread, "new threads start with their own TLS (%d bad)",
		    c.thread);
	ktap_result(!noise_bad,
		    "another thread's system calls and TLS meanwhile (%ld bad)",
		    noise_bad);

	child = fork();
	if (child == 0)
		_exit(tls_canary == 0x1122334455667788ULL ? 42 : 1);
	if (child > 0)
		waitpid(child, &status, 0);
	ktap_result(child > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 42,
		    "fork: the child runs and exits with its TLS intact");

	vm_free(vm);
	ktap_end();
}
