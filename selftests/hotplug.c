// SPDX-License-Identifier: GPL-2.0
/*
 * Host CPU hotplug and suspend/resume with live VMs.
 *
 * The hypervisor turns virtualization on per host CPU and keeps per-CPU
 * state for vCPUs (on VT-x a VMCS is active on one CPU at a time and must
 * be VMCLEARed there before that CPU leaves VMX operation; on AMD-V the
 * ASIDs are per CPU).  A CPU going offline or the system suspending must
 * take that state down, and the CPU coming back must have it again:
 *
 *  - stopped: a vCPU runs on CPU B (so its state is loaded there), exits
 *    to userspace; B goes offline; the vCPU runs on CPU A with its
 *    registers and guest memory right; B comes back; it runs on B again.
 *    Repeated, some rounds with the vCPU thread still pinned to B when
 *    B goes down (the kernel moves it).
 *  - in the guest: a vCPU thread pinned to B is inside KVM_RUN, its guest
 *    counting, when B goes offline: the kernel moves the thread, the
 *    guest's count goes on, its registers stay consistent; once B is back
 *    the thread is pinned to it again and the guest still counts there.
 *  - new VMs: a VM and vCPU created while B is offline run on A, and on B
 *    once it is back; a VM created on B after it came back runs there.
 *  - suspend: with pm_test "core" the kernel runs the whole suspend path
 *    (freezer, devices, nonboot CPUs offline, syscore suspend/resume on
 *    the boot CPU, Documentation/power/basic-pm-debugging.rst) without
 *    sleeping; vCPUs that ran on both CPUs before, and one inside KVM_RUN
 *    during it (the freezer makes KVM_RUN return EINTR), run afterwards.
 *
 * Needs root and a second CPU whose /sys/devices/system/cpu/cpuN/online
 * exists (else the hotplug parts skip); the suspend part needs
 * /sys/power/pm_test with "core" and a suspend state that is not
 * suspend-to-idle (pm_test refuses "core" with s2idle).  Every CPU this
 * test took offline is put back online, and pm_test back to "none", on
 * every way out but SIGKILL.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define STEP_PORT	0xe0
#define STEP_BAD_PORT	0xe1
#define SPIN_PROGRESS	2000	/* guest loop iterations that prove it runs */
#define WAIT_SECS	60	/* for the guest to make that progress */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define SYS_CPU		"/sys/devices/system/cpu"
#define PM_TEST		"/sys/power/pm_test"
#define PM_STATE	"/sys/power/state"
#define PM_MEM_SLEEP	"/sys/power/mem_sleep"
#define PM_TEST_DELAY	"/sys/module/suspend/parameters/pm_test_delay"

/* ---- guest code ---- */

static volatile u64 step_mem[2];	/* per stepping vCPU: its last step */
static volatile u64 spin_count, spin_stop;

/*
 * One exit per step: r12 = n, r13 = ~n, r14 = 3n and *mem = n, then OUT n
 * to STEP_PORT.  After the exit the guest checks that r13, r14 and *mem
 * still match r12, and reports on STEP_BAD_PORT and halts if not.
 */
static void guest_step(volatile u64 *mem)
{
	asm volatile(
		"	xor %%r12, %%r12\n"
		"1:	inc %%r12\n"
		"	mov %%r12, %%r13\n"
		"	not %%r13\n"
		"	lea (%%r12, %%r12, 2), %%r14\n"
		"	mov %%r12, (%[mem])\n"
		"	mov %%r12, %%rax\n"
		"	outl %%eax, %[port]\n"
		"	mov %%r12, %%r15\n"
		"	not %%r15\n"
		"	cmp %%r15, %%r13\n"
		"	jne 2f\n"
		"	lea (%%r12, %%r12, 2), %%r15\n"
		"	cmp %%r15, %%r14\n"
		"	jne 2f\n"
		"	cmp (%[mem]), %%r12\n"
		"	jne 2f\n"
		"	jmp 1b\n"
		"2:	outl %%eax, %[bad]\n"
		"	hlt\n"
		: : [mem] "r"(mem), [port] "i"(STEP_PORT),
		  [bad] "i"(STEP_BAD_PORT)
		: "rax", "r12", "r13", "r14", "r15", "memory", "cc");
}

/*
 * Count without exits until the test sets spin_stop: r12 counts up and
 * r13 down from ~0, so r12 + r13 == ~0 after every step; spin_count is
 * r12 in memory.  A step that finds the sum wrong (registers lost while
 * the thread changed host CPU) stops the count and is reported.
 *
 * RFLAGS.IF is set while spinning: no interrupt is ever injected (no
 * in-kernel irqchip), and an emulated VT-x that looks at the guest's IF
 * before it treats a host interrupt as a VM exit (Bochs, see vmx/vmx.c)
 * then still lets host interrupts make the guest exit.
 */
static void guest_spin(void)
{
	u64 n, bad;

	asm volatile(
		"	sti\n"
		"	xor %%r12, %%r12\n"
		"	mov $-1, %%r13\n"
		"	xor %[bad], %[bad]\n"
		"1:	inc %%r12\n"
		"	dec %%r13\n"
		"	mov %%r12, %[count]\n"
		"	mov %%r12, %%rax\n"
		"	add %%r13, %%rax\n"
		"	cmp $-1, %%rax\n"
		"	je 2f\n"
		"	mov $1, %[bad]\n"
		"	jmp 3f\n"
		"2:	cmpq $0, %[stop]\n"
		"	je 1b\n"
		"3:	cli\n"
		"	mov %%r12, %[n]\n"
		: [count] "=m"(spin_count), [n] "=r"(n), [bad] "=&r"(bad)
		: [stop] "m"(spin_stop)
		: "rax", "r12", "r13", "memory", "cc");
	GUEST_SYNC(n, bad);
}

/* ---- host CPUs ---- */

static int cpu_a, cpu_b;	/* A stays online; B goes off and on */
static bool b_offlined;		/* this test took B offline */

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	return n < 0 ? -e : 0;
}

static int sysfs_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Is @word one of the space-separated words of @list ("[word]" counts)? */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += len) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '[';
		bool end = !p[len] || p[len] == ' ' || p[len] == ']';

		if (start && end)
			return true;
	}
	return false;
}

static void online_path(int cpu, char *path, size_t size)
{
	snprintf(path, size, SYS_CPU "/cpu%d/online", cpu);
}

static int cpu_online(int cpu)
{
	char path[96], v[16];

	online_path(cpu, path, sizeof(path));
	if (sysfs_read(path, v, sizeof(v)))
		return -1;
	return v[0] == '1';
}

/* Take @cpu off (0) or bring it back (1): 0 or -errno. */
static int cpu_set_online(int cpu, bool on)
{
	char path[96];
	int r;

	online_path(cpu, path, sizeof(path));
	r = sysfs_write(path, on ? "1" : "0");
	if (!r && cpu == cpu_b)
		b_offlined = !on;
	return r;
}

/* pm_test, mem_sleep and pm_test_delay as they were, to put back. */
static bool pm_changed;
static char saved_mem_sleep[32], saved_delay[32];

/* Async-signal-safe: open/write/close only. */
static void restore_host(void)
{
	char path[96];
	int fd;

	if (b_offlined) {
		online_path(cpu_b, path, sizeof(path));
		fd = open(path, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1", 1) == 1)
				b_offlined = false;
			close(fd);
		}
	}
	if (pm_changed) {
		sysfs_write(PM_TEST, "none");
		if (saved_mem_sleep[0])
			sysfs_write(PM_MEM_SLEEP, saved_mem_sleep);
		if (saved_delay[0])
			sysfs_write(PM_TEST_DELAY, saved_delay);
		pm_changed = false;
	}
}

static void restore_on_signal(int sig)
{
	restore_host();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

static void unpin(pid_t tid)
{
	cpu_set_t set;
	int c;

	CPU_ZERO(&set);
	for (c = 0; c < CPU_SETSIZE; c++)
		if (c == 0 || cpu_online(c) == 1)
			CPU_SET(c, &set);
	sched_setaffinity(tid, sizeof(set), &set);
}

/* The CPU a thread last ran on: field 39 of /proc/self/task/TID/stat. */
static int thread_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (sysfs_read(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');		/* the name may hold spaces */
	if (!p)
		return -1;
	for (field = 2; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return atoi(p);
}

/*
 * Pick B: the first CPU but 0 with an online file that is online now;
 * A: another online CPU.  NULL, or why not.
 */
static const char *find_cpus(void)
{
	char path[96];
	int c, online = 0;

	cpu_a = -1;
	cpu_b = -1;
	for (c = 0; c < CPU_SETSIZE; c++) {
		online_path(c, path, sizeof(path));
		if (c == 0 && access(path, F_OK)) {
			online++;	/* the boot CPU, without an online file */
			cpu_a = 0;
			continue;
		}
		if (cpu_online(c) != 1)
			continue;
		online++;
		if (cpu_b < 0 && c && !access(path, W_OK))
			cpu_b = c;
		else if (cpu_a < 0)
			cpu_a = c;
	}
	if (online < 2)
		return "fewer than 2 CPUs online";
	if (cpu_b < 0 || cpu_a < 0)
		return "no CPU but the boot CPU has a writable " SYS_CPU "/cpuN/online";
	return NULL;
}

/* ---- a stepping vCPU ---- */

struct stepper {
	struct vcpu *vcpu;
	u64 n;			/* steps taken */
};

static void stepper_init(struct stepper *s, struct vm *vm, int id)
{
	s->vcpu = vcpu_new(vm, id);
	s->n = 0;
	vcpu_enter(s->vcpu, guest_step, 1, (u64)(uintptr_t)&step_mem[id]);
}

/*
 * Run the next step from @cpu: the exit carries the count, KVM_GET_REGS
 * the registers the guest computed, guest memory the count too, and the
 * run came back on @cpu.  False (with why) otherwise.
 */
static bool step_on(struct stepper *s, int cpu, const char *what)
{
	struct hv_run *run = s->vcpu->run;
	struct hv_regs regs;
	u64 n = s->n + 1;
	u64 mem;
	int r;

	r = pin(0, cpu);
	if (r) {
		ktap_info("%s: pinning to CPU %d: %s", what, cpu, strerror(-r));
		return false;
	}
	if (!vcpu_run_expect(s->vcpu, HV_EXIT_IO, what))
		return false;
	if (run->io.port != STEP_PORT || run->io.direction != HV_EXIT_IO_OUT ||
	    *(u32 *)vcpu_io_data(s->vcpu) != (u32)n) {
		ktap_info("%s: step %llu: %s, data %#x", what,
			  (unsigned long long)n, vcpu_exit_str(s->vcpu),
			  *(u32 *)vcpu_io_data(s->vcpu));
		return false;
	}
	s->n = n;
	vcpu_get_regs(s->vcpu, &regs);
	if (regs.r12 != n || regs.r13 != ~n || regs.r14 != 3 * n) {
		ktap_info("%s: step %llu: r12 %#llx r13 %#llx r14 %#llx", what,
			  (unsigned long long)n, (unsigned long long)regs.r12,
			  (unsigned long long)regs.r13,
			  (unsigned long long)regs.r14);
		return false;
	}
	mem = *guest_var(s->vcpu->vm, step_mem[s->vcpu->id]);
	if (mem != n) {
		ktap_info("%s: step %llu: guest memory says %llu", what,
			  (unsigned long long)n, (unsigned long long)mem);
		return false;
	}
	if (sched_getcpu() != cpu) {
		ktap_info("%s: step %llu returned on CPU %d, not %d", what,
			  (unsigned long long)n, sched_getcpu(), cpu);
		return false;
	}
	return true;
}

/* ---- a spinning vCPU, in its own thread ---- */

struct spinner {
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t thread;
	pid_t tid;		/* set by the thread (atomic) */
	int cpu;		/* pinned there at start */
	int eintr;		/* KVM_RUNs that returned EINTR */
	bool synced, done;
	struct ucall uc;	/* the SYNC: final count, bad */
	char why[256];
};

static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	int r;

	r = pin(0, s->cpu);
	__atomic_store_n(&s->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (r) {
		snprintf(s->why, sizeof(s->why), "pinning to CPU %d: %s",
			 s->cpu, strerror(-r));
		return NULL;
	}
	for (;;) {
		r = vcpu_run(s->vcpu);
		/* The freezer (suspend) ends a KVM_RUN like a signal. */
		if (r == -EINTR) {
			s->eintr++;
			continue;
		}
		if (r) {
			snprintf(s->why, sizeof(s->why), "KVM_RUN: %s",
				 strerror(-r));
			return NULL;
		}
		if (vcpu_get_ucall(s->vcpu, &s->uc) != UCALL_SYNC) {
			snprintf(s->why, sizeof(s->why),
				 "expected the guest's SYNC, got %s (ucall %u)",
				 vcpu_exit_str(s->vcpu), s->uc.cmd);
			if (s->uc.cmd == UCALL_ASSERT || s->uc.cmd == UCALL_EXCEPTION)
				ucall_print(s->vm, &s->uc, "spinner");
			return NULL;
		}
		s->synced = true;
		break;
	}
	if (vcpu_expect_ucall(s->vcpu, UCALL_DONE, NULL, "spinner end"))
		s->done = true;
	return NULL;
}

static void spinner_start(struct spinner *s, int cpu)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm_new(GUEST_LONG64);
	s->vcpu = vcpu_new(s->vm, 0);
	s->cpu = cpu;
	vcpu_enter(s->vcpu, guest_spin, 0);
	TEST_REQUIRE(!pthread_create(&s->thread, NULL, spinner_main, s),
		     "pthread_create");
	while (!__atomic_load_n(&s->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static u64 spin_now(struct spinner *s)
{
	return *guest_var(s->vm, spin_count);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait until the guest's count has grown by SPIN_PROGRESS from what it
 * is now, with the thread last seen on @want_cpu (or off @not_cpu, when
 * @want_cpu < 0).  False after WAIT_SECS.
 */
static bool spin_progress(struct spinner *s, int want_cpu, int not_cpu,
			  const char *what)
{
	u64 from = spin_now(s), c = from;
	double end = now() + WAIT_SECS;
	int cpu = -1;

	while (now() < end && !s->why[0]) {
		c = spin_now(s);
		cpu = thread_cpu(s->tid);
		if (c - from >= SPIN_PROGRESS &&
		    (want_cpu >= 0 ? cpu == want_cpu : cpu != not_cpu))
			return true;
		usleep(2000);
	}
	ktap_info("%s: the guest count went from %llu to %llu in %d s, its thread on CPU %d%s%s",
		  what, (unsigned long long)from, (unsigned long long)c,
		  WAIT_SECS, cpu, s->why[0] ? ": " : "", s->why);
	return false;
}

/* Stop the guest and check its final report; frees the VM. */
static void spinner_stop(struct spinner *s, const char *what)
{
	u64 seen;

	seen = spin_now(s);
	*guest_var(s->vm, spin_stop) = 1;
	pthread_join(s->thread, NULL);
	if (s->why[0])
		ktap_info("%s: %s", what, s->why);
	ktap_result(s->synced && s->done && s->uc.args[0] >= seen &&
		    s->uc.args[0] == spin_now(s),
		    "%s: the guest stopped at count %llu (>= %llu seen), its memory agrees",
		    what, (unsigned long long)s->uc.args[0],
		    (unsigned long long)seen);
	ktap_result(s->synced && !s->uc.args[1],
		    "%s: r12 + r13 stayed ~0 at every step of the count", what);
	vm_free(s->vm);
}

/* ---- the tests ---- */

static bool offline_b(const char *what)
{
	int r = cpu_set_online(cpu_b, false);

	if (r)
		ktap_info("%s: offlining CPU %d: %s", what, cpu_b, strerror(-r));
	else if (cpu_online(cpu_b) != 0)
		ktap_info("%s: CPU %d still online", what, cpu_b);
	return !r && cpu_online(cpu_b) == 0;
}

static bool online_b(const char *what)
{
	int r = cpu_set_online(cpu_b, true);

	if (r)
		ktap_info("%s: onlining CPU %d: %s", what, cpu_b, strerror(-r));
	return !r && cpu_online(cpu_b) == 1;
}

/*
 * Run on B, stop, B offline, run on A, B online, run on B.  Every tenth
 * round, the first included, leaves the thread pinned to B when B goes
 * down: the kernel moves it (and logs "no longer affine to cpuN").
 */
static void test_stopped(void)
{
	int rounds = test_iterations(200);
	struct vm *vm = vm_new(GUEST_LONG64);
	struct stepper s;
	double t0 = now();
	bool ok = true;
	int i;

	stepper_init(&s, vm, 0);
	for (i = 0; i < rounds && ok; i++) {
		ok = step_on(&s, cpu_b, "on B before");
		if (ok && i % 10)
			ok = !pin(0, cpu_a);
		ok = ok && offline_b("stopped") &&
		     step_on(&s, cpu_a, "on A, B offline") &&
		     online_b("stopped") &&
		     step_on(&s, cpu_b, "on B again");
	}
	ktap_info("%d rounds in %.1f s", i, now() - t0);
	ktap_result(ok, "stopped: %d x (run on CPU %d, offline it, run on CPU %d, online it, run on it): %llu steps right",
		    rounds, cpu_b, cpu_a, (unsigned long long)s.n);
	unpin(0);
	vm_free(vm);
}

/* B goes offline while a vCPU thread is in the guest on B. */
static void test_in_guest(void)
{
	int rounds = test_iterations(20);
	struct spinner sp;
	bool ok = true, moved = true, back = true;
	int i;

	TEST_REQUIRE(!pin(0, cpu_a), "pin to CPU %d", cpu_a);
	spinner_start(&sp, cpu_b);
	ok = spin_progress(&sp, cpu_b, -1, "start");
	for (i = 0; i < rounds && ok && moved && back; i++) {
		ok = offline_b("in guest");
		moved = ok && spin_progress(&sp, -1, cpu_b, "after offline");
		ok = ok && online_b("in guest");
		back = ok && !pin(sp.tid, cpu_b) &&
		       spin_progress(&sp, cpu_b, -1, "back on B");
	}
	ktap_result(ok, "in guest: CPU %d offline and online %d times under a vCPU in KVM_RUN",
		    cpu_b, i);
	ktap_result(ok && moved, "in guest: the thread left CPU %d, the guest kept counting",
		    cpu_b);
	ktap_result(ok && moved && back, "in guest: pinned to CPU %d again, it counts there",
		    cpu_b);
	spinner_stop(&sp, "in guest");
}

/* VMs created while B is offline and after it came back. */
static void test_new_vms(void)
{
	struct vm *vm_off, *vm_on;
	struct stepper off, on;
	bool ok;

	TEST_REQUIRE(!pin(0, cpu_a), "pin to CPU %d", cpu_a);
	if (!offline_b("new VMs")) {
		ktap_result(false, "new VMs: CPU %d offline", cpu_b);
		return;
	}
	vm_off = vm_new(GUEST_LONG64);
	stepper_init(&off, vm_off, 0);
	ok = step_on(&off, cpu_a, "created with B offline, on A");
	ktap_result(ok, "a VM created while CPU %d is offline runs on CPU %d",
		    cpu_b, cpu_a);
	ok = online_b("new VMs");
	ktap_result(ok, "CPU %d back online", cpu_b);
	ok = ok && step_on(&off, cpu_b, "created with B offline, on B");
	ktap_result(ok, "that VM runs on CPU %d once it is back", cpu_b);

	ok = !pin(0, cpu_b);
	vm_on = vm_new(GUEST_LONG64);
	stepper_init(&on, vm_on, 0);
	ok = ok && step_on(&on, cpu_b, "created on B after online, on B") &&
	     step_on(&on, cpu_a, "created on B after online, on A") &&
	     step_on(&on, cpu_b, "created on B after online, on B again");
	ktap_result(ok, "a VM created on CPU %d after it came back runs there and on CPU %d",
		    cpu_b, cpu_a);
	unpin(0);
	vm_free(vm_on);
	vm_free(vm_off);
}

/* Records of /dev/kmsg containing @needle, all of the buffer. */
static int kmsg_count(const char *needle)
{
	char rec[1024];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int count = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, needle))
			count++;
	}
	close(fd);
	return count;
}

/* The state to write to /sys/power/state for pm_test "core", or why not. */
static const char *suspend_state(const char **why)
{
	char tests[128], states[128], mem_sleep[128];

	if (sysfs_read(PM_TEST, tests, sizeof(tests))) {
		*why = "no " PM_TEST " (kernel without CONFIG_PM_SLEEP_DEBUG)";
		return NULL;
	}
	if (!has_word(tests, "core")) {
		*why = PM_TEST " does not offer \"core\"";
		return NULL;
	}
	if (sysfs_read(PM_STATE, states, sizeof(states)))
		states[0] = '\0';
	ktap_info(PM_STATE ": %s; " PM_TEST ": %s", states, tests);
	if (has_word(states, "mem") &&
	    !sysfs_read(PM_MEM_SLEEP, mem_sleep, sizeof(mem_sleep))) {
		ktap_info(PM_MEM_SLEEP ": %s", mem_sleep);
		if (has_word(mem_sleep, "deep")) {
			if (!strstr(mem_sleep, "[deep]")) {
				char *p = strchr(mem_sleep, '[');

				if (p) {
					p[strcspn(p, "]")] = '\0';
					snprintf(saved_mem_sleep, sizeof(saved_mem_sleep),
						 "%s", p + 1);
				}
				pm_changed = true;
				if (sysfs_write(PM_MEM_SLEEP, "deep")) {
					*why = "cannot select \"deep\" in " PM_MEM_SLEEP;
					return NULL;
				}
			}
			return "mem";
		}
	}
	if (has_word(states, "standby"))
		return "standby";
	*why = "only suspend-to-idle, where pm_test refuses \"core\" (kernel/power/suspend.c)";
	return NULL;
}

static void test_suspend(bool have_b)
{
	int rounds = test_iterations(2);
	const char *why = NULL, *state;
	struct vm *vm;
	struct stepper s0, s1;
	struct spinner sp;
	int before, after, r = 0, i;
	bool ok, ran = true;
	char b_str[16] = "";

	if (geteuid()) {
		ktap_skip("suspend", "needs root");
		return;
	}
	state = suspend_state(&why);
	if (!state) {
		restore_host();
		ktap_skip("suspend", "%s", why);
		return;
	}

	/* Two vCPUs whose state was loaded on A and on B, one spinning. */
	vm = vm_new(GUEST_LONG64);
	stepper_init(&s0, vm, 0);
	stepper_init(&s1, vm, 1);
	if (have_b)
		snprintf(b_str, sizeof(b_str), " and CPU %d", cpu_b);
	ok = step_on(&s0, cpu_a, "suspend: vCPU 0 before") &&
	     step_on(&s1, have_b ? cpu_b : cpu_a, "suspend: vCPU 1 before");
	TEST_REQUIRE(ok, "vCPUs run before the suspend");
	TEST_REQUIRE(!pin(0, cpu_a), "pin to CPU %d", cpu_a);
	spinner_start(&sp, have_b ? cpu_b : cpu_a);
	TEST_REQUIRE(spin_progress(&sp, -1, -1, "spinner before suspend"),
		     "the spinning guest runs");

	pm_changed = true;
	if (!sysfs_read(PM_TEST_DELAY, saved_delay, sizeof(saved_delay)))
		sysfs_write(PM_TEST_DELAY, "1");	/* 5 s by default */
	before = kmsg_count("suspend debug: Waiting");
	r = sysfs_write(PM_TEST, "core");
	for (i = 0; i < rounds && !r; i++)
		r = sysfs_write(PM_STATE, state);
	after = kmsg_count("suspend debug: Waiting");
	restore_host();

	if (r)
		ktap_info("write of \"%s\" to " PM_STATE ": %s (kernel: %s)",
			  state, strerror(-r), kmsg_last_matching("PM: "));
	ktap_result(!r, "pm_test core: %d suspend/resume cycle(s) to \"%s\" completed",
		    i, state);
	ktap_result(after - before == rounds,
		    "the kernel ran the core test %d time(s): syscore suspend/resume ran (%d \"suspend debug\" lines)",
		    rounds, after - before);
	if (have_b)
		ktap_result(cpu_online(cpu_b) == 1, "CPU %d is online after resume", cpu_b);

	ran = spin_progress(&sp, -1, -1, "spinner after resume");
	ktap_info("the spinning vCPU's KVM_RUN returned EINTR %d time(s) (the freezer)",
		  sp.eintr);
	ktap_result(ran, "a vCPU inside KVM_RUN during the suspend keeps counting after it");
	spinner_stop(&sp, "suspend");

	ok = step_on(&s0, cpu_a, "suspend: vCPU 0 on A after") &&
	     step_on(&s1, cpu_a, "suspend: vCPU 1 on A after");
	if (have_b)
		ok = ok && step_on(&s0, cpu_b, "suspend: vCPU 0 on B after") &&
		     step_on(&s1, cpu_b, "suspend: vCPU 1 on B after");
	ktap_result(ok, "vCPUs that ran on CPU %d%s before run on every CPU after, state right",
		    cpu_a, b_str);
	unpin(0);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	const char *why;
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGABRT,
		       SIGFPE, SIGILL };
	unsigned int i;

	ktap_begin(argc, argv);
	atexit(restore_host);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], restore_on_signal);

	why = geteuid() ? "needs root" : find_cpus();
	if (why) {
		if (cpu_a < 0)
			cpu_a = sched_getcpu();
		ktap_skip("CPU offline/online with live VMs", "%s", why);
	} else {
		ktap_info("CPU %d goes offline and online, CPU %d stays", cpu_b,
			  cpu_a);
		test_stopped();
		test_in_guest();
		test_new_vms();
	}
	test_suspend(!why);
	ktap_end();
}
