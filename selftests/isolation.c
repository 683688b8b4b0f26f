// SPDX-License-Identifier: GPL-2.0
/*
 * Register state belongs to whoever set it:
 *  - a guest's general registers and xmm0-15 (SSE) or ymm0-15 (AVX)
 *    survive its exits to userspace, many times over;
 *  - ... and preemption by a busy thread that uses its own vector
 *    registers on the same host CPU, and migration of the vCPU thread
 *    between host CPUs while the guest runs;
 *  - the host thread's own vector registers survive its KVM_RUN calls
 *    (loaded right before the syscall, compared right after it);
 *  - two VMs run alternately from one thread never see each other's
 *    values.
 * AVX needs XSAVE and AVX in the vCPU's CPUID (KVM_SET_CPUID2 from
 * KVM_GET_SUPPORTED_CPUID), CR4.OSXSAVE, and XCR0 = x87|SSE|YMM, which
 * the test sets with KVM_SET_XCRS rather than a guest XSETBV: QEMU's TCG
 * SVM does not intercept XSETBV, so KVM would not know the guest's XCR0
 * in the lab (see lab-notes).  Without those capabilities AVX is skipped.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define ISO_PORT	0x60
#define ISO_DONE_PORT	0x61
#define ISO_BAD_PORT	0x62
#define NR_GPR_PAT	7

/* 16 registers, 32 bytes each (SSE uses the low 16 of each). */
static u8 vec_pattern[512] __attribute__((aligned(64)));
static u8 vec_seen[512] __attribute__((aligned(64)));
static u64 gpr_pattern[NR_GPR_PAT];

/*
 * guest_vec_check(iterations, spin, avx): load the patterns into the
 * vector registers and rbx, rbp, r11-r15; then, each iteration, exit with
 * OUT (eax = iterations left), spin, and compare everything.  Mismatch:
 * OUT to ISO_BAD_PORT with 1 (vectors), 2 (GPRs) or 3 (XCR0).
 */
extern const char guest_vec_check[];

asm(
"	.pushsection .text\n"
"	.type guest_vec_check, @function\n"
"guest_vec_check:\n"
"	mov %rdi, %r8\n"
"	mov %rsi, %r9\n"
"	mov %rdx, %r10\n"
"	test %r10, %r10\n"
"	jnz 1f\n"
"	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
"	movdqu vec_pattern + \\n * 32, %xmm\\n\n"
"	.endr\n"
"	jmp 2f\n"
"1:\n"
"	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
"	vmovdqu vec_pattern + \\n * 32, %ymm\\n\n"
"	.endr\n"
"2:	mov gpr_pattern + 0, %rbx\n"
"	mov gpr_pattern + 8, %rbp\n"
"	mov gpr_pattern + 16, %r11\n"
"	mov gpr_pattern + 24, %r12\n"
"	mov gpr_pattern + 32, %r13\n"
"	mov gpr_pattern + 40, %r14\n"
"	mov gpr_pattern + 48, %r15\n"
"3:	mov %r8, %rax\n"
"	outl %eax, $" __stringify(ISO_PORT) "\n"
"	mov %r9, %rcx\n"
"	test %rcx, %rcx\n"
"	jz 5f\n"
"4:	dec %rcx\n"
"	jnz 4b\n"
"5:	test %r10, %r10\n"
"	jnz 6f\n"
"	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
"	movdqu %xmm\\n, vec_seen + \\n * 32\n"
"	.endr\n"
"	jmp 7f\n"
"6:\n"
"	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
"	vmovdqu %ymm\\n, vec_seen + \\n * 32\n"
"	.endr\n"
"	xor %ecx, %ecx\n"
"	xgetbv\n"
"	cmp $7, %eax\n"
"	jne 12f\n"
"7:	cld\n"
"	lea vec_seen, %rsi\n"
"	lea vec_pattern, %rdi\n"
"	mov $512, %ecx\n"
"	repe cmpsb\n"
"	jne 10f\n"
"	cmp gpr_pattern + 0, %rbx\n"
"	jne 11f\n"
"	cmp gpr_pattern + 8, %rbp\n"
"	jne 11f\n"
"	cmp gpr_pattern + 16, %r11\n"
"	jne 11f\n"
"	cmp gpr_pattern + 24, %r12\n"
"	jne 11f\n"
"	cmp gpr_pattern + 32, %r13\n"
"	jne 11f\n"
"	cmp gpr_pattern + 40, %r14\n"
"	jne 11f\n"
"	cmp gpr_pattern + 48, %r15\n"
"	jne 11f\n"
"	dec %r8\n"
"	jnz 3b\n"
"	xor %eax, %eax\n"
"	outl %eax, $" __stringify(ISO_DONE_PORT) "\n"
"8:	hlt\n"
"	jmp 8b\n"
"10:	mov $1, %eax\n"
"	jmp 13f\n"
"11:	mov $2, %eax\n"
"	jmp 13f\n"
"12:	mov $3, %eax\n"
"13:	outl %eax, $" __stringify(ISO_BAD_PORT) "\n"
"	jmp 8b\n"
"	.size guest_vec_check, . - guest_vec_check\n"
"	.popsection\n");

static const char *avx_missing;	/* why guest AVX is not tested, or NULL */

/* ---- VMs with vector patterns ---- */

struct vec_vm {
	struct vm *vm;
	struct vcpu *vcpu;
	bool avx;
	u64 left;		/* iterations the guest has still to report */
	u32 bad;		/* what the guest found changed (ISO_BAD_PORT) */
};

static void fill_patterns(struct vm *vm, u8 seed)
{
	u8 *pat = *guest_var(vm, vec_pattern);
	u64 *gpr = *guest_var(vm, gpr_pattern);
	int i;

	for (i = 0; i < 512; i++)
		pat[i] = (u8)(seed * 31 + i * 7 + (i >> 5));
	memcpy(*guest_var(vm, vec_seen), pat, 512);
	for (i = 0; i < NR_GPR_PAT; i++)
		gpr[i] = 0x0102030405060708ULL * (seed + 1) + i * 0x1111;
}

static void vec_vm_new(struct vec_vm *v, bool avx, u8 seed, u64 iters, u64 spin)
{
	v->vm = vm_new(GUEST_LONG64);
	v->vcpu = vcpu_new(v->vm, 0);
	v->avx = avx;
	v->left = iters;
	if (avx)
		TEST_REQUIRE(!vcpu_enable_avx(v->vcpu), "enabling AVX");
	fill_patterns(v->vm, seed);
	vcpu_enter(v->vcpu, guest_vec_check, 3, iters, spin, (u64)avx);
}

/*
 * KVM_RUN by a raw syscall, with the host's own vector registers loaded
 * with @in right before and stored to @out right after.
 */
static long run_with_host_vectors(int fd, bool avx, const u8 *in, u8 *out)
{
	long ret;

	if (avx)
		asm volatile(
			".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
			"vmovdqu \\n * 32(%[in]), %%ymm\\n\n"
			".endr\n"
			"syscall\n"
			".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
			"vmovdqu %%ymm\\n, \\n * 32(%[out])\n"
			".endr\n"
			"vzeroupper\n"
			: "=a"(ret)
			: "a"((long)SYS_ioctl), "D"((long)fd), "S"((long)HV_RUN), "d"(0L),
			  [in] "r"(in), [out] "r"(out)
			: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
			  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
			  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	else
		asm volatile(
			".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
			"movdqu \\n * 32(%[in]), %%xmm\\n\n"
			".endr\n"
			"syscall\n"
			".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
			"movdqu %%xmm\\n, \\n * 32(%[out])\n"
			".endr\n"
			: "=a"(ret)
			: "a"((long)SYS_ioctl), "D"((long)fd), "S"((long)HV_RUN), "d"(0L),
			  [in] "r"(in), [out] "r"(out)
			: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
			  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
			  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return ret;
}

enum step { STEP_NEXT, STEP_DONE, STEP_FAIL };

/*
 * Run the guest to its next report; checks the iteration count it
 * carries.  With @host_in, the host's vectors are checked around KVM_RUN
 * (*host_ok cleared on a mismatch).
 */
static enum step vec_step(struct vec_vm *v, const u8 *host_in, bool *host_ok,
			  const char *what)
{
	struct hv_run *run = v->vcpu->run;
	u8 host_out[512];
	long r;
	u32 data;

	if (host_in) {
		memcpy(host_out, host_in, 512);
		r = run_with_host_vectors(v->vcpu->fd, v->avx, host_in, host_out);
		if (r < 0)
			r = -errno;
		if (memcmp(host_in, host_out, 512))
			*host_ok = false;
	} else {
		r = vcpu_run(v->vcpu);
	}
	if (r) {
		ktap_info("%s: KVM_RUN: %s", what, strerror(-r));
		return STEP_FAIL;
	}
	if (run->exit_reason != HV_EXIT_IO || run->io.direction != HV_EXIT_IO_OUT) {
		ktap_info("%s: %s", what, vcpu_exit_str(v->vcpu));
		return STEP_FAIL;
	}
	data = *(u32 *)vcpu_io_data(v->vcpu);
	if (run->io.port == ISO_PORT && data == v->left && v->left) {
		v->left--;
		return STEP_NEXT;
	}
	if (run->io.port == ISO_DONE_PORT && !v->left)
		return STEP_DONE;
	if (run->io.port == ISO_BAD_PORT)
		v->bad = data;
	if (run->io.port == ISO_BAD_PORT)
		ktap_info("%s: the guest found its %s changed with %llu iterations left",
			  what, data == 1 ? "vector registers" : data == 2 ?
			  "general registers" : "XCR0", (unsigned long long)v->left);
	else
		ktap_info("%s: unexpected %s data %u (%llu left)", what,
			  vcpu_exit_str(v->vcpu), data, (unsigned long long)v->left);
	return STEP_FAIL;
}

static bool vec_run_all(struct vec_vm *v, const u8 *host_in, bool *host_ok, const char *what)
{
	enum step s;

	while ((s = vec_step(v, host_in, host_ok, what)) == STEP_NEXT)
		;
	return s == STEP_DONE;
}

static void host_pattern(u8 *p, u8 seed)
{
	int i;

	for (i = 0; i < 512; i++)
		p[i] = (u8)(0x5a ^ (seed + i * 13));
}

/* ---- the tests, for one register kind ---- */

static void test_exits(bool avx, const char *kind)
{
	struct vec_vm v;
	u8 host_in[512];
	bool host_ok = true, ok;

	host_pattern(host_in, 1);
	vec_vm_new(&v, avx, 1, 200, 0);
	ok = vec_run_all(&v, host_in, &host_ok, kind);
	ktap_result(ok, "%s: guest GPRs and vector registers survive 200 exits", kind);
	ktap_result(ok && host_ok,
		    "%s: the host thread's vector registers survive its KVM_RUN calls", kind);
	vm_free(v.vm);

	/* The check itself works: a register changed by userspace is noticed. */
	vec_vm_new(&v, avx, 5, 10, 0);
	if (vec_step(&v, NULL, NULL, kind) == STEP_NEXT) {
		struct hv_regs regs;

		vcpu_get_regs(v.vcpu, &regs);
		regs.r13 ^= 1;
		vcpu_set_regs(v.vcpu, &regs);
		ktap_info("%s: expect a report of changed general registers:", kind);
		ok = vec_step(&v, NULL, NULL, kind) == STEP_FAIL && v.bad == 2;
	} else {
		ok = false;
	}
	ktap_result(ok, "%s: (control) the guest notices r13 changed by KVM_SET_REGS", kind);
	vm_free(v.vm);
}

static void test_two_vms(bool avx, const char *kind)
{
	struct vec_vm a, b;
	u8 host_in[512];
	bool host_ok = true;
	enum step sa = STEP_NEXT, sb = STEP_NEXT;

	host_pattern(host_in, 2);
	vec_vm_new(&a, avx, 10, 100, 0);
	vec_vm_new(&b, avx, 20, 100, 0);
	while (sa == STEP_NEXT || sb == STEP_NEXT) {
		if (sa == STEP_NEXT)
			sa = vec_step(&a, host_in, &host_ok, "VM A");
		if (sb == STEP_NEXT)
			sb = vec_step(&b, host_in, &host_ok, "VM B");
	}
	ktap_result(sa == STEP_DONE && sb == STEP_DONE,
		    "%s: two VMs run alternately from one thread keep their own registers", kind);
	ktap_result(host_ok, "%s: and the thread keeps its own", kind);
	vm_free(a.vm);
	vm_free(b.vm);
}

/* A thread that keeps yielding with its own vector values loaded. */
struct noisy {
	pthread_t thread;
	int cpu;
	bool avx;
	volatile bool stop;
	u64 rounds;
};

static void *noisy_fn(void *arg)
{
	struct noisy *n = arg;
	u8 pat[512];
	cpu_set_t set;

	host_pattern(pat, 99);
	CPU_ZERO(&set);
	CPU_SET(n->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!n->stop) {
		if (n->avx)
			asm volatile(
				".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
				"vmovdqu \\n * 32(%0), %%ymm\\n\n"
				".endr\n"
				: : "r"(pat) : "memory", "xmm0", "xmm1", "xmm2", "xmm3",
				  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
				  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
		asm volatile(
			".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
			"movdqu \\n * 32(%0), %%xmm\\n\n"
			".endr\n"
			: : "r"(pat) : "memory", "xmm0", "xmm1", "xmm2", "xmm3",
			  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
			  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
		sched_yield();	/* preempted here with its own values loaded */
		if (n->avx)
			asm volatile("vzeroupper");
		n->rounds++;
	}
	return NULL;
}

static long involuntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void unpin_self(void)
{
	cpu_set_t set;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

#define SPIN_PER_EXIT	3000000

static void test_preemption(bool avx, const char *kind)
{
	struct noisy n = { .cpu = 0, .avx = avx };
	struct vec_vm v;
	long before, after;
	bool ok;

	pin_self(0);
	vec_vm_new(&v, avx, 3, 20, SPIN_PER_EXIT);
	TEST_REQUIRE(!pthread_create(&n.thread, NULL, noisy_fn, &n), "thread");
	before = involuntary_switches();
	ok = vec_run_all(&v, NULL, NULL, kind);
	after = involuntary_switches();
	n.stop = true;
	pthread_join(n.thread, NULL);
	unpin_self();
	ktap_info("%s: the vCPU thread was preempted %ld times, the noisy thread yielded %llu times",
		  kind, after - before, (unsigned long long)n.rounds);
	ktap_result(ok, "%s: guest registers survive preemption by a thread using its own vectors",
		    kind);
	vm_free(v.vm);
}

struct mover {
	pthread_t thread, target;
	volatile bool stop;
	u64 moves;
};

static void *mover_fn(void *arg)
{
	struct mover *m = arg;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	while (!m->stop) {
		CPU_ZERO(&set);
		CPU_SET(m->moves % ncpu, &set);
		pthread_setaffinity_np(m->target, sizeof(set), &set);
		m->moves++;
		usleep(3000);
	}
	return NULL;
}

static void test_migration(bool avx, const char *kind)
{
	struct mover m = { 0 };
	struct vec_vm v;
	u64 cpus_seen = 0;
	enum step s;
	int seen = 0, i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		ktap_skip("migration", "%s: one host CPU", kind);
		return;
	}
	vec_vm_new(&v, avx, 4, 40, SPIN_PER_EXIT / 2);
	m.target = pthread_self();
	TEST_REQUIRE(!pthread_create(&m.thread, NULL, mover_fn, &m), "thread");
	while ((s = vec_step(&v, NULL, NULL, kind)) == STEP_NEXT)
		cpus_seen |= 1ULL << (sched_getcpu() & 63);
	m.stop = true;
	pthread_join(m.thread, NULL);
	unpin_self();
	for (i = 0; i < 64; i++)
		seen += !!(cpus_seen & (1ULL << i));
	ktap_info("%s: %llu affinity changes, exits seen on %d CPUs", kind,
		  (unsigned long long)m.moves, seen);
	ktap_result(s == STEP_DONE,
		    "%s: guest registers survive migration between host CPUs while running", kind);
	vm_free(v.vm);
}

static void run_kind(bool avx)
{
	const char *kind = avx ? "AVX (ymm)" : "SSE (xmm)";

	if (avx && avx_missing) {
		ktap_skip("AVX: exits", "%s", avx_missing);
		ktap_skip("AVX: two VMs", "%s", avx_missing);
		ktap_skip("AVX: preemption", "%s", avx_missing);
		ktap_skip("AVX: migration", "%s", avx_missing);
		return;
	}
	test_exits(avx, kind);
	test_two_vms(avx, kind);
	test_preemption(avx, kind);
	test_migration(avx, kind);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	avx_missing = dev_avx_unavailable();
	run_kind(false);
	run_kind(true);
	ktap_end();
}
