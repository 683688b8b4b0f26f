// SPDX-License-Identifier: GPL-2.0
/*
 * Signals and KVM_RUN:
 *  - a signal pending (and not blocked by the vCPU's signal mask) when
 *    KVM_RUN starts: -EINTR, exit_reason KVM_EXIT_INTR, the guest did not
 *    run;
 *  - run->immediate_exit = 1: -EINTR without running the guest, but a
 *    pending IN is completed first (RAX and RIP updated);
 *  - a signal sent by another thread (pthread_kill, no-op handler)
 *    interrupts a guest that spins forever: -EINTR, KVM_EXIT_INTR, the
 *    handler ran, and the guest continues where it was on the next KVM_RUN;
 *  - KVM_SET_SIGNAL_MASK: a signal in the mask waits while KVM_RUN runs
 *    and is delivered when KVM_RUN returns; NULL removes the mask; a len
 *    other than 8 (the kernel's sigset size) is EINVAL; an unmapped
 *    pointer is EFAULT.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define KERNEL_SIGSET_SIZE	8

static volatile u64 spin_count;

static void guest_spin_count(void)
{
	for (;;)
		spin_count++;
}

static void guest_in_then_spin(void)
{
	u64 v = inl(0x42);

	GUEST_SYNC(v);
	guest_spin_count();
}

static volatile sig_atomic_t usr1_count, usr2_count;

static void on_usr1(int sig)
{
	usr1_count++;
}

static void on_usr2(int sig)
{
	usr2_count++;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
}

/* KVM_SET_SIGNAL_MASK with a kernel sigset holding @sigs (0: empty). */
static long set_vcpu_sigmask(struct vcpu *vcpu, u64 sigs, u32 len)
{
	struct {
		struct hv_signal_mask m;
		u8 set[16];
	} arg;

	memset(&arg, 0, sizeof(arg));
	arg.m.len = len;
	memcpy(arg.set, &sigs, sizeof(sigs));
	return ioctl_ret(vcpu->fd, HV_SET_SIGNAL_MASK, (unsigned long)&arg);
}

static u64 sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

static void block_in_thread(int sig, bool block)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

static void test_pending_signal(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct timespec zero = { 0, 0 };
	sigset_t s;
	long r;
	int sig;

	vcpu_enter(vcpu, guest_spin_count, 0);
	*guest_var(vm, spin_count) = 0;
	/* Pending but blocked in the thread; the vCPU's mask lets it through. */
	block_in_thread(SIGUSR1, true);
	pthread_kill(pthread_self(), SIGUSR1);
	r = set_vcpu_sigmask(vcpu, 0, KERNEL_SIGSET_SIZE);
	ktap_result(r == 0, "KVM_SET_SIGNAL_MASK with an empty set (%ld)", r);

	vcpu->run->exit_reason = 0xdead;
	r = vcpu_run(vcpu);
	ktap_result(r == -EINTR, "a pending signal: KVM_RUN is -EINTR (%ld)", r);
	ktap_result(vcpu->run->exit_reason == HV_EXIT_INTR,
		    "a pending signal: exit_reason KVM_EXIT_INTR (%u)", vcpu->run->exit_reason);
	ktap_result(*guest_var(vm, spin_count) == 0,
		    "a pending signal: the guest did not run");

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sig = sigtimedwait(&s, NULL, &zero);
	ktap_result(sig == SIGUSR1 && usr1_count == 0,
		    "a pending signal: still pending (not consumed) after KVM_RUN");
	block_in_thread(SIGUSR1, false);
	vm_free(vm);
}

static void test_immediate_exit(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_run *run = vcpu->run;
	struct hv_regs regs;
	struct ucall uc;
	u64 rip_in;
	long r;
	bool ok;

	vcpu_enter(vcpu, guest_in_then_spin, 0);
	run->immediate_exit = 1;
	run->exit_reason = 0xdead;
	r = vcpu_run(vcpu);
	ktap_result(r == -EINTR, "immediate_exit=1 before the first run: -EINTR (%ld)", r);
	ktap_info("immediate_exit: exit_reason afterwards %u (KVM 6.1 leaves it unchanged)",
		  run->exit_reason);
	ktap_result(run->exit_reason == 0xdead || run->exit_reason == HV_EXIT_INTR,
		    "immediate_exit=1: exit_reason unchanged or KVM_EXIT_INTR (%u)",
		    run->exit_reason);
	ktap_result(vcpu_rip(vcpu) == (u64)(uintptr_t)guest_trampoline,
		    "immediate_exit=1: the guest did not run");

	run->immediate_exit = 0;
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "in");
	ok = ok && run->io.direction == HV_EXIT_IO_IN && run->io.port == 0x42;
	ktap_result(ok, "then without it: the guest runs to its IN");
	rip_in = vcpu_rip(vcpu);
	*(u32 *)vcpu_io_data(vcpu) = 0x13572468;
	run->immediate_exit = 1;
	r = vcpu_run(vcpu);
	vcpu_get_regs(vcpu, &regs);
	ktap_result(r == -EINTR && (u32)regs.rax == 0x13572468 && regs.rip == rip_in + 2,
		    "immediate_exit=1 after an IN exit: -EINTR (%ld), the IN completed (rax %#llx, rip +%lld)",
		    r, (unsigned long long)regs.rax, (long long)(regs.rip - rip_in));
	run->immediate_exit = 0;
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "after immediate exit");
	ktap_result(ok && uc.args[0] == 0x13572468,
		    "the guest continues with the IN's value (%#llx)", (unsigned long long)uc.args[0]);
	vm_free(vm);
}

/* ---- a vCPU thread interrupted by other threads ---- */

struct runner {
	struct vcpu *vcpu;
	pthread_t thread;
	volatile int done;
	int ret;
	u32 exit_reason;
};

static void *runner_fn(void *arg)
{
	struct runner *rn = arg;

	rn->ret = vcpu_run(rn->vcpu);
	rn->exit_reason = rn->vcpu->run->exit_reason;
	__atomic_store_n(&rn->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void runner_start(struct runner *rn, struct vcpu *vcpu)
{
	memset(rn, 0, sizeof(*rn));
	rn->vcpu = vcpu;
	TEST_REQUIRE(!pthread_create(&rn->thread, NULL, runner_fn, rn), "pthread_create");
}

/* Wait up to @ms for the runner to return from KVM_RUN. */
static bool runner_wait(struct runner *rn, int ms)
{
	while (ms-- > 0 && !__atomic_load_n(&rn->done, __ATOMIC_ACQUIRE))
		usleep(1000);
	return rn->done;
}

/* Wait until the guest's counter moves: it is running. */
static bool guest_is_spinning(struct vm *vm)
{
	volatile u64 *c = guest_var(vm, spin_count);
	u64 start = *c;
	int ms;

	for (ms = 0; ms < 5000; ms++) {
		if (*c != start)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_signal_from_thread(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct runner rn;
	u64 count;
	bool ok;

	vcpu_enter(vcpu, guest_spin_count, 0);
	usr1_count = 0;
	runner_start(&rn, vcpu);
	ok = guest_is_spinning(vm);
	ktap_result(ok, "a guest spinning forever runs");
	pthread_kill(rn.thread, SIGUSR1);
	ok = runner_wait(&rn, 5000);
	ktap_result(ok && rn.ret == -EINTR && rn.exit_reason == HV_EXIT_INTR,
		    "pthread_kill from another thread: KVM_RUN -EINTR (%d), KVM_EXIT_INTR (%u)",
		    rn.ret, rn.exit_reason);
	if (!ok) {
		/* Leave the process: the vCPU thread is stuck in KVM_RUN. */
		ktap_end();
	}
	pthread_join(rn.thread, NULL);
	ktap_result(usr1_count == 1, "pthread_kill from another thread: the handler ran once (%d)",
		    (int)usr1_count);

	count = *guest_var(vm, spin_count);
	runner_start(&rn, vcpu);
	ok = guest_is_spinning(vm) && *guest_var(vm, spin_count) > count;
	ktap_result(ok, "KVM_RUN again: the guest continues counting (from %llu)",
		    (unsigned long long)count);
	pthread_kill(rn.thread, SIGUSR1);
	ok = runner_wait(&rn, 5000);
	ktap_result(ok && rn.ret == -EINTR, "and is interrupted again (%d)", rn.ret);
	if (!ok)
		ktap_end();
	pthread_join(rn.thread, NULL);
	vm_free(vm);
}

static void test_signal_mask(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct runner rn;
	void *unmapped;
	long r;
	bool ok;

	r = set_vcpu_sigmask(vcpu, sigbit(SIGUSR1), 4);
	ktap_result(r == -EINVAL, "KVM_SET_SIGNAL_MASK len 4: -EINVAL (%ld)", r);
	r = set_vcpu_sigmask(vcpu, sigbit(SIGUSR1), 16);
	ktap_result(r == -EINVAL, "KVM_SET_SIGNAL_MASK len 16: -EINVAL (%ld)", r);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, 4096);
	r = ioctl_ret(vcpu->fd, HV_SET_SIGNAL_MASK, (unsigned long)unmapped);
	ktap_result(r == -EFAULT, "KVM_SET_SIGNAL_MASK from an unmapped address: -EFAULT (%ld)", r);

	r = set_vcpu_sigmask(vcpu, sigbit(SIGUSR1), KERNEL_SIGSET_SIZE);
	ktap_result(r == 0, "KVM_SET_SIGNAL_MASK {SIGUSR1}, len 8 (%ld)", r);

	vcpu_enter(vcpu, guest_spin_count, 0);
	usr1_count = usr2_count = 0;
	runner_start(&rn, vcpu);
	ok = guest_is_spinning(vm);
	pthread_kill(rn.thread, SIGUSR1);
	ok = ok && !runner_wait(&rn, 300) && guest_is_spinning(vm);
	ktap_result(ok && usr1_count == 0,
		    "a signal in the vCPU's mask does not interrupt KVM_RUN (handler ran %d times)",
		    (int)usr1_count);
	pthread_kill(rn.thread, SIGUSR2);
	ok = runner_wait(&rn, 5000);
	ktap_result(ok && rn.ret == -EINTR && rn.exit_reason == HV_EXIT_INTR,
		    "a signal outside it does (%d, exit %u)", rn.ret, rn.exit_reason);
	if (!ok)
		ktap_end();
	pthread_join(rn.thread, NULL);
	/* Both handlers run on the way out of the ioctl. */
	ktap_result(usr1_count == 1 && usr2_count == 1,
		    "the masked signal is delivered when KVM_RUN returns (usr1 %d, usr2 %d)",
		    (int)usr1_count, (int)usr2_count);

	r = ioctl_ret(vcpu->fd, HV_SET_SIGNAL_MASK, 0);
	ktap_result(r == 0, "KVM_SET_SIGNAL_MASK NULL (%ld)", r);
	runner_start(&rn, vcpu);
	ok = guest_is_spinning(vm);
	pthread_kill(rn.thread, SIGUSR1);
	ok = runner_wait(&rn, 5000) && ok;
	ktap_result(ok && rn.ret == -EINTR && usr1_count == 2,
		    "after NULL, SIGUSR1 interrupts KVM_RUN again (%d)", rn.ret);
	if (!rn.done)
		ktap_end();
	pthread_join(rn.thread, NULL);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	install_handlers();
	test_pending_signal();
	test_immediate_exit();
	test_signal_from_thread();
	test_signal_mask();
	ktap_end();
}
