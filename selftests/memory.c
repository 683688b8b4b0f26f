// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory and KVM_SET_USER_MEMORY_REGION:
 *  - guest writes are seen by userspace and userspace's by the guest;
 *  - slots created, deleted, re-created with another size, moved and
 *    re-flagged while another thread's vCPU reads them: the guest sees the
 *    new backing, and an address no slot backs any more exits as MMIO;
 *  - bad arguments get KVM 6.1's errnos (__kvm_set_memory_region):
 *    EINVAL for unaligned gpa/size/hva, bad flags, slot ids past the
 *    limit, wrap-around, host ranges outside user space, changing the size,
 *    address or READONLY flag of a slot, deleting a slot that does not
 *    exist; EEXIST for an overlap;
 *  - KVM_CAP_NR_MEMSLOTS slots can exist at once; the next id fails;
 *  - munmap of a slot's memory: the guest's next access makes KVM_RUN
 *    fail with EFAULT (kvm_amd 6.1), and mapping memory there again lets
 *    the guest go on;
 *  - fork: a MAP_SHARED slot sees the child's writes; a MAP_PRIVATE slot
 *    is copy-on-write both ways;
 *  - a memfd-backed slot is the file's contents both ways; a slot over a
 *    PROT_READ mapping reads fine and a guest write makes KVM_RUN fail
 *    with EFAULT (kvm_amd 6.1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define SLOT_GPA	0x40000000ULL	/* 1 GiB */
#define SLOT2_GPA	0x80000000ULL	/* 2 GiB */
#define SLOT_SIZE	0x10000ULL
#define SLOT		1
#define MMIO_MAGIC	0x4d4d494f4d4d494fULL
#define PAGE		4096ULL

/* ---- a guest that does what the test asks, one command per ucall ---- */

enum { CMD_READ = 1, CMD_WRITE, CMD_STOP };

struct gcmd {
	u64 op, addr, val;
};

static volatile struct gcmd gcmd;

static void guest_cmd_loop(void)
{
	u64 result = 0;

	for (;;) {
		GUEST_SYNC(result);
		switch (gcmd.op) {
		case CMD_READ:
			result = *(volatile u64 *)gcmd.addr;
			break;
		case CMD_WRITE:
			*(volatile u64 *)gcmd.addr = gcmd.val;
			result = 0;
			break;
		default:
			return;
		}
	}
}

static struct vm *cmd_vm(struct vcpu **vcpu)
{
	struct vm *vm = vm_new(GUEST_LONG64);

	*vcpu = vcpu_new(vm, 0);
	vcpu_enter(*vcpu, guest_cmd_loop, 0);
	TEST_REQUIRE(vcpu_expect_ucall(*vcpu, UCALL_SYNC, NULL, "command guest"),
		     "the command guest starts");
	return vm;
}

/*
 * Have the guest do one command.  0 and *out on its SYNC; otherwise the
 * KVM_RUN errno (negative) or the exit reason (positive) is returned and
 * the vCPU is left at that exit.
 */
static int guest_do(struct vcpu *vcpu, u64 op, u64 addr, u64 val, u64 *out)
{
	volatile struct gcmd *c = guest_var(vcpu->vm, gcmd);
	struct ucall uc;
	int r;

	c->op = op;
	c->addr = addr;
	c->val = val;
	r = vcpu_run(vcpu);
	if (r)
		return r;
	if (vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC) {
		if (out)
			*out = uc.args[0];
		return 0;
	}
	return vcpu->run->exit_reason ? (int)vcpu->run->exit_reason : 1000;
}

static bool guest_read(struct vcpu *vcpu, u64 gpa, u64 *v)
{
	return guest_do(vcpu, CMD_READ, gpa, 0, v) == 0;
}

static bool guest_write(struct vcpu *vcpu, u64 gpa, u64 v)
{
	return guest_do(vcpu, CMD_WRITE, gpa, v, NULL) == 0;
}

static void *map_anon(u64 size, int flags)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	TEST_REQUIRE(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* ---- both directions ---- */

static void test_shared_view(void)
{
	struct vcpu *vcpu;
	struct vm *vm = cmd_vm(&vcpu);
	u64 *mem = vm_add_anon_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE);
	u64 v = 0;
	bool ok = true;
	int i;

	for (i = 0; i < 8; i++) {
		mem[i * 512 + 3] = 0x1000 + i;
		ok &= guest_read(vcpu, SLOT_GPA + i * PAGE + 24, &v) && v == 0x1000 + (u64)i;
	}
	ktap_result(ok, "the guest reads what userspace wrote, page by page");
	for (i = 0; i < 8; i++)
		ok &= guest_write(vcpu, SLOT_GPA + i * PAGE + 40, 0x2000 + i);
	for (i = 0; i < 8; i++)
		ok &= mem[i * 512 + 5] == 0x2000 + (u64)i;
	ktap_result(ok, "userspace reads what the guest wrote");
	mem[7] = 1;
	ok = guest_read(vcpu, SLOT_GPA + 56, &v) && v == 1;
	mem[7] = 2;
	ok = ok && guest_read(vcpu, SLOT_GPA + 56, &v) && v == 2;
	ktap_result(ok, "a value changed between two guest reads is seen changed");
	vm_free(vm);
}

/* ---- slots changing under a running vCPU ---- */

static volatile u64 spin_target;	/* the gpa the guest reads */
static volatile u64 spin_seen;		/* the value it read last */
static volatile u64 spin_iters;
static volatile u64 spin_stop;

static void guest_spin_reader(void)
{
	while (!spin_stop) {
		spin_seen = *(volatile u64 *)spin_target;
		spin_iters++;
	}
}

struct spinner {
	struct vm *vm;
	struct vcpu *vcpu;
	pthread_t thread;
	volatile u64 mmio_exits;
	volatile int finished;		/* 1: UCALL_DONE, -1: failure */
	char why[256];
};

static void *spinner_fn(void *arg)
{
	struct spinner *sp = arg;
	struct hv_run *run = sp->vcpu->run;
	struct ucall uc;
	int r;

	for (;;) {
		r = vcpu_run(sp->vcpu);
		if (r) {
			snprintf(sp->why, sizeof(sp->why), "KVM_RUN: %s", strerror(-r));
			break;
		}
		if (run->exit_reason == HV_EXIT_MMIO && !run->mmio.is_write &&
		    run->mmio.len == 8) {
			memcpy(run->mmio.data, &(u64){ MMIO_MAGIC }, 8);
			sp->mmio_exits++;
			continue;
		}
		if (vcpu_get_ucall(sp->vcpu, &uc) == UCALL_DONE) {
			sp->finished = 1;
			return NULL;
		}
		snprintf(sp->why, sizeof(sp->why), "%s", vcpu_exit_str(sp->vcpu));
		break;
	}
	sp->finished = -1;
	return NULL;
}

/* Wait until the spinning guest has read @want from its target twice. */
static bool spin_sees(struct spinner *sp, u64 want)
{
	volatile u64 *seen = guest_var(sp->vm, spin_seen);
	volatile u64 *iters = guest_var(sp->vm, spin_iters);
	u64 it = 0;
	int ms;

	for (ms = 0; ms < 10000 && !sp->finished; ms++) {
		if (*seen == want) {
			if (!it)
				it = *iters;
			else if (*iters > it + 1)
				return true;
		}
		usleep(1000);
	}
	ktap_info("the guest sees %#llx, not %#llx (%s)", (unsigned long long)*seen,
		  (unsigned long long)want, sp->finished ? sp->why : "still running");
	return false;
}

/* pthread_join with a deadline: false if the thread is still running. */
static bool join_within(pthread_t t, int seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

static void test_slots_under_running_vcpu(void)
{
	struct spinner sp = { 0 };
	u64 *a, *b, *c, exits;
	bool ok;
	int r;

	sp.vm = vm_new(GUEST_LONG64);
	sp.vcpu = vcpu_new(sp.vm, 0);
	a = map_anon(SLOT_SIZE, MAP_PRIVATE);
	a[0] = 0xaaaa;
	TEST_REQUIRE(!vm_set_slot(sp.vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, a), "slot");
	*guest_var(sp.vm, spin_target) = SLOT_GPA;
	vcpu_enter(sp.vcpu, guest_spin_reader, 0);
	TEST_REQUIRE(!pthread_create(&sp.thread, NULL, spinner_fn, &sp), "thread");

	ktap_result(spin_sees(&sp, 0xaaaa), "running vCPU: the guest reads the slot");

	r = vm_delete_slot(sp.vm, SLOT);
	ok = r == 0 && spin_sees(&sp, MMIO_MAGIC);
	ktap_result(ok && sp.mmio_exits > 0,
		    "slot deleted while the guest reads it: MMIO exits (%llu) (%d)",
		    (unsigned long long)sp.mmio_exits, r);

	b = map_anon(2 * SLOT_SIZE, MAP_PRIVATE);
	b[0] = 0xbbbb;
	r = vm_set_slot(sp.vm, SLOT, 0, SLOT_GPA, 2 * SLOT_SIZE, b);
	ktap_result(r == 0 && spin_sees(&sp, 0xbbbb),
		    "re-created with twice the size and new memory: the guest reads it (%d)", r);
	/*
	 * Counted only once the guest has read the new slot: an MMIO exit
	 * the vCPU took just before the slot came back may still be in the
	 * spinner's hands when vm_set_slot returns.
	 */
	exits = sp.mmio_exits;
	ok = spin_sees(&sp, 0xbbbb);
	ktap_result(ok && sp.mmio_exits == exits, "and no more MMIO exits (%llu more)",
		    (unsigned long long)(sp.mmio_exits - exits));

	/*
	 * Dirty logging is the only flag that can change on a live slot;
	 * a device that keeps no dirty log (hv, for now) refuses it
	 * (selftests/hardening checks that it is refused consistently).
	 */
	r = vm_set_slot(sp.vm, SLOT, HV_MEM_LOG_DIRTY_PAGES, SLOT_GPA, 2 * SLOT_SIZE, b);
	if (r == -EINVAL) {
		ktap_skip("flags changed while running",
			  "KVM_MEM_LOG_DIRTY_PAGES refused: no dirty log");
		ktap_skip("dirty logging off again", "never on");
	} else {
		b[0] = 0xb0b0;
		ktap_result(r == 0 && spin_sees(&sp, 0xb0b0),
			    "flags changed (dirty logging on) while running: still read (%d)", r);
		r = vm_set_slot(sp.vm, SLOT, 0, SLOT_GPA, 2 * SLOT_SIZE, b);
		ktap_result(r == 0, "dirty logging off again (%d)", r);
	}

	r = vm_set_slot(sp.vm, SLOT, 0, SLOT2_GPA, 2 * SLOT_SIZE, b);
	ktap_result(r == 0 && spin_sees(&sp, MMIO_MAGIC),
		    "slot moved away: its old address exits as MMIO (%d)", r);
	*guest_var(sp.vm, spin_target) = SLOT2_GPA;
	b[0] = 0xb2b2;
	ktap_result(spin_sees(&sp, 0xb2b2), "the moved slot is read at its new address");

	c = map_anon(SLOT_SIZE, MAP_PRIVATE);
	c[0] = 0xcccc;
	r = vm_set_slot(sp.vm, SLOT + 1, 0, SLOT_GPA, SLOT_SIZE, c);
	*guest_var(sp.vm, spin_target) = SLOT_GPA;
	ktap_result(r == 0 && spin_sees(&sp, 0xcccc),
		    "another slot created at the old address: read (%d)", r);

	r = vm_delete_slot(sp.vm, SLOT + 1);
	ktap_result(r == 0 && spin_sees(&sp, MMIO_MAGIC), "and deleted: MMIO again (%d)", r);

	*guest_var(sp.vm, spin_stop) = 1;
	if (!join_within(sp.thread, 10)) {
		ktap_result(false, "the reader guest stops when asked (vCPU stuck in KVM_RUN)");
		ktap_end();
	}
	ktap_result(sp.finished == 1, "the reader guest finished cleanly (%s)",
		    sp.finished == 1 ? "done" : sp.why);
	vm_free(sp.vm);
	munmap(a, SLOT_SIZE);
	munmap(b, 2 * SLOT_SIZE);
	munmap(c, SLOT_SIZE);
}

/* ---- bad arguments ---- */

static long set_region(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size,
		       u64 hva)
{
	struct hv_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return ioctl_ret(vm->fd, HV_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

static void expect_region(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size,
			  u64 hva, long want, const char *what)
{
	long r = set_region(vm, slot, flags, gpa, size, hva);

	ktap_result(r == want, "%s: %ld (want %ld)", what, r, want);
}

static void test_bad_regions(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	u64 mem = (u64)(uintptr_t)map_anon(4 * SLOT_SIZE, MAP_PRIVATE);
	long nslots = dev_check_extension(vm->devfd, HV_CAP_NR_MEMSLOTS);
	long as = dev_check_extension(vm->devfd, HV_CAP_MULTI_ADDRESS_SPACE);
	long r;

	expect_region(vm, 1, 0, SLOT_GPA, SLOT_SIZE, mem, 0, "a valid slot");
	expect_region(vm, 1, 0, SLOT_GPA, SLOT_SIZE, mem, 0, "the same slot again (no change)");

	expect_region(vm, 2, 0, SLOT2_GPA + 0x800, SLOT_SIZE, mem, -EINVAL, "unaligned gpa");
	expect_region(vm, 2, 0, SLOT2_GPA, SLOT_SIZE + 0x800, mem, -EINVAL, "unaligned size");
	expect_region(vm, 2, 0, SLOT2_GPA, SLOT_SIZE, mem + 0x800, -EINVAL, "unaligned hva");
	expect_region(vm, 2, 1U << 2, SLOT2_GPA, SLOT_SIZE, mem, -EINVAL, "flag bit 2");
	expect_region(vm, 2, 1U << 31, SLOT2_GPA, SLOT_SIZE, mem, -EINVAL, "flag bit 31");
	expect_region(vm, 2, 0, -PAGE, 2 * PAGE, mem, -EINVAL, "gpa + size wraps around");
	expect_region(vm, 2, 0, SLOT2_GPA, SLOT_SIZE, 0xffff800000000000ULL, -EINVAL,
		      "hva in kernel space");
	expect_region(vm, 2, 0, SLOT2_GPA, 1ULL << 47, mem, -EINVAL,
		      "hva + size past the end of user space");
	expect_region(vm, (u32)nslots, 0, SLOT2_GPA, SLOT_SIZE, mem, -EINVAL,
		      "slot id KVM_CAP_NR_MEMSLOTS");
	expect_region(vm, 0xffff, 0, SLOT2_GPA, SLOT_SIZE, mem, -EINVAL, "slot id 0xffff");
	expect_region(vm, 2U << 16 | 2, 0, SLOT2_GPA, SLOT_SIZE, mem, -EINVAL,
		      "address space 2");
	r = set_region(vm, 1U << 16 | 2, 0, SLOT2_GPA, SLOT_SIZE, mem);
	ktap_result(as >= 2 ? r == 0 : r == -EINVAL,
		    "address space 1: %ld with KVM_CAP_MULTI_ADDRESS_SPACE %ld", r, as);

	expect_region(vm, 2, 0, SLOT_GPA, SLOT_SIZE, mem, -EEXIST,
		      "another slot over the same range");
	expect_region(vm, 2, 0, SLOT_GPA + SLOT_SIZE - PAGE, SLOT_SIZE, mem, -EEXIST,
		      "another slot overlapping the last page");
	expect_region(vm, 2, 0, SLOT_GPA - PAGE, 2 * PAGE, mem, -EEXIST,
		      "another slot overlapping the first page");
	expect_region(vm, 2, 0, SLOT_GPA - SLOT_SIZE, 3 * SLOT_SIZE, mem, -EEXIST,
		      "another slot covering it");
	expect_region(vm, 2, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE, mem, 0,
		      "an adjacent slot (no overlap)");
	expect_region(vm, 2, 0, SLOT_GPA + PAGE, SLOT_SIZE, mem, -EEXIST,
		      "moving a slot onto another");

	expect_region(vm, 1, 0, SLOT_GPA, 2 * SLOT_SIZE, mem, -EINVAL, "growing a slot in place");
	expect_region(vm, 1, 0, SLOT_GPA, PAGE, mem, -EINVAL, "shrinking a slot in place");
	expect_region(vm, 1, 0, SLOT_GPA, SLOT_SIZE, mem + PAGE, -EINVAL,
		      "changing a slot's hva");
	expect_region(vm, 1, HV_MEM_READONLY, SLOT_GPA, SLOT_SIZE, mem, -EINVAL,
		      "adding KVM_MEM_READONLY to a slot");

	expect_region(vm, 3, 0, SLOT2_GPA, 0, mem, -EINVAL, "deleting a slot that does not exist");
	expect_region(vm, 2, 0, 0, 0, 0, 0, "deleting a slot (any gpa/hva)");
	expect_region(vm, 2, 0, SLOT_GPA + SLOT_SIZE, 0, mem, -EINVAL, "deleting it twice");
	expect_region(vm, 3, 0, SLOT2_GPA, SLOT_SIZE, mem, 0,
		      "a slot whose memory another slot also maps");
	munmap((void *)(uintptr_t)mem, 4 * SLOT_SIZE);
	expect_region(vm, 4, 0, SLOT2_GPA + SLOT_SIZE, SLOT_SIZE, mem, 0,
		      "a slot over unmapped host memory (checked only on use)");
	vm_free(vm);
}

static void test_max_slots(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	long n = dev_check_extension(vm->devfd, HV_CAP_NR_MEMSLOTS);
	void *page = map_anon(PAGE, MAP_PRIVATE);
	struct timespec t0, t1;
	long i, r = 0;

	ktap_info("KVM_CAP_NR_MEMSLOTS: %ld", n);
	TEST_REQUIRE(n > 0 && n <= 65536, "NR_MEMSLOTS %ld", n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n && !r; i++)
		r = set_region(vm, i, 0, SLOT_GPA + i * PAGE, PAGE, (u64)(uintptr_t)page);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ktap_result(!r, "%ld one-page slots (ids 0..%ld) created (%ld at id %ld), %.1f s",
		    n, n - 1, r, i - 1, (double)(t1.tv_sec - t0.tv_sec) +
		    (t1.tv_nsec - t0.tv_nsec) / 1e9);
	r = set_region(vm, n, 0, SLOT_GPA + n * PAGE, PAGE, (u64)(uintptr_t)page);
	ktap_result(r == -EINVAL, "one more slot: %ld (want -EINVAL)", r);
	for (i = n - 1, r = 0; i >= 0 && !r; i--)
		r = set_region(vm, i, 0, 0, 0, 0);
	ktap_result(!r, "all deleted again (%ld)", r);
	r = set_region(vm, n - 1, 0, SLOT_GPA, PAGE, (u64)(uintptr_t)page);
	ktap_result(!r, "the highest id is usable again (%ld)", r);
	vm_free(vm);
	munmap(page, PAGE);
}

/* ---- the backing memory goes away ---- */

static void test_munmap(void)
{
	struct vcpu *vcpu;
	struct vm *vm = cmd_vm(&vcpu);
	u64 *mem = map_anon(SLOT_SIZE, MAP_SHARED);
	u64 v = 0;
	bool ok;
	int r;

	mem[0] = 0x600d;
	TEST_REQUIRE(!vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem), "slot");
	ktap_result(guest_read(vcpu, SLOT_GPA, &v) && v == 0x600d, "slot readable before munmap");
	munmap(mem, SLOT_SIZE);
	r = guest_do(vcpu, CMD_READ, SLOT_GPA, 0, &v);
	ktap_info("guest read after munmap: %d (%s)", r,
		  r < 0 ? strerror(-r) : r > 0 ? vcpu_exit_str(vcpu) : "read");
	ktap_result(r == -EFAULT, "after munmap the guest's read makes KVM_RUN fail with EFAULT (%d)", r);
	r = guest_do(vcpu, CMD_READ, SLOT_GPA, 0, &v);
	ktap_result(r == -EFAULT, "and again on the next KVM_RUN (%d)", r);

	/* New memory at the same host address: the guest goes on. */
	mem = mmap(mem, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	TEST_REQUIRE(mem != MAP_FAILED, "remap: %s", strerror(errno));
	mem[0] = 0xbacc;
	r = vcpu_run(vcpu);
	ktap_result(r == 0 && vcpu_get_ucall(vcpu, &(struct ucall){ 0 }) == UCALL_SYNC,
		    "memory mapped there again: the pending read completes (%d)", r);
	ok = guest_read(vcpu, SLOT_GPA, &v);
	ktap_result(ok && v == 0xbacc,
		    "and reads the new memory (%#llx)", (unsigned long long)v);
	ktap_result(guest_write(vcpu, SLOT_GPA + 8, 0x77) && mem[1] == 0x77,
		    "writes land in it too");
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

/* ---- fork ---- */

static void test_fork_shared(void)
{
	struct vcpu *vcpu;
	struct vm *vm = cmd_vm(&vcpu);
	u64 *mem = map_anon(SLOT_SIZE, MAP_SHARED);
	int status;
	pid_t pid;
	u64 v = 0;
	bool ok;

	mem[0] = 1;
	TEST_REQUIRE(!vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem), "slot");
	ktap_result(guest_read(vcpu, SLOT_GPA, &v) && v == 1, "MAP_SHARED slot read before fork");
	pid = fork();
	if (pid == 0) {
		mem[0] = 0xc41d;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok = guest_read(vcpu, SLOT_GPA, &v);
	ktap_result(ok && v == 0xc41d,
		    "MAP_SHARED: the guest sees the child's write (%#llx)", (unsigned long long)v);
	ktap_result(guest_write(vcpu, SLOT_GPA + 8, 0x9a) && mem[1] == 0x9a,
		    "MAP_SHARED: guest writes after fork still reach the parent's mapping");
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

static void test_fork_private(void)
{
	struct vcpu *vcpu;
	struct vm *vm = cmd_vm(&vcpu);
	u64 *mem = map_anon(SLOT_SIZE, MAP_PRIVATE);
	int to_child[2], to_parent[2], status;
	char c = 0;
	pid_t pid;
	u64 v = 0;
	bool ok;

	TEST_REQUIRE(!pipe(to_child) && !pipe(to_parent), "pipe");
	TEST_REQUIRE(!vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem), "slot");
	/* The guest writes before the fork: the pages are populated. */
	ktap_result(guest_write(vcpu, SLOT_GPA, 1) && guest_write(vcpu, SLOT_GPA + 8, 1) &&
		    mem[0] == 1 && mem[1] == 1, "MAP_PRIVATE slot written by the guest before fork");
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		mem[0] = 2;				/* the child's own copy */
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		if (mem[1] != 1)			/* not the guest's later write */
			bad |= 1;
		if (mem[0] != 2)
			bad |= 2;
		_exit(bad);
	}
	TEST_REQUIRE(read(to_parent[0], &c, 1) == 1, "child");
	ok = guest_read(vcpu, SLOT_GPA, &v);
	ktap_result(ok && v == 1 && mem[0] == 1,
		    "MAP_PRIVATE: the child's write is not seen by the guest (%#llx)",
		    (unsigned long long)v);
	ktap_result(guest_write(vcpu, SLOT_GPA + 8, 3) && mem[1] == 3,
		    "MAP_PRIVATE: the guest's write after fork reaches the parent's copy");
	TEST_REQUIRE(write(to_child[1], "r", 1) == 1, "child");
	waitpid(pid, &status, 0);
	ktap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "MAP_PRIVATE: the child sees neither the guest's later write nor loses its own (status %#x)",
		    status);
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

/* ---- file-backed and read-only memory ---- */

static void test_memfd(void)
{
	struct vcpu *vcpu;
	struct vm *vm = cmd_vm(&vcpu);
	int fd = memfd_create("hv-selftest", 0);
	u64 v = 0, w = 0x5eed;
	u64 *mem;
	int r;

	TEST_REQUIRE(fd >= 0 && !ftruncate(fd, SLOT_SIZE), "memfd: %s", strerror(errno));
	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_REQUIRE(mem != MAP_FAILED, "mmap memfd");
	TEST_REQUIRE(pwrite(fd, &w, 8, 0x1000) == 8, "pwrite");
	TEST_REQUIRE(!vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem), "slot");
	ktap_result(guest_read(vcpu, SLOT_GPA + 0x1000, &v) && v == 0x5eed,
		    "memfd slot: the guest reads what pwrite() put in the file");
	ktap_result(guest_write(vcpu, SLOT_GPA + 0x2008, 0xf11e) &&
		    pread(fd, &v, 8, 0x2008) == 8 && v == 0xf11e,
		    "memfd slot: pread() sees the guest's write");
	vm_free(vm);
	munmap(mem, SLOT_SIZE);

	/* The same file, mapped read-only. */
	vm = cmd_vm(&vcpu);
	mem = mmap(NULL, SLOT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	TEST_REQUIRE(mem != MAP_FAILED, "mmap memfd read-only");
	r = vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	ktap_result(r == 0, "a slot over a PROT_READ mapping is accepted (%d)", r);
	ktap_result(guest_read(vcpu, SLOT_GPA + 0x1000, &v) && v == 0x5eed,
		    "PROT_READ slot: guest reads work");
	r = guest_do(vcpu, CMD_WRITE, SLOT_GPA + 0x1000, 0xbad, NULL);
	ktap_info("guest write to a PROT_READ slot: %d (%s)", r,
		  r < 0 ? strerror(-r) : r > 0 ? vcpu_exit_str(vcpu) : "written");
	ktap_result(r == -EFAULT, "PROT_READ slot: a guest write makes KVM_RUN fail with EFAULT (%d)", r);
	ktap_result(pread(fd, &v, 8, 0x1000) == 8 && v == 0x5eed, "and the file is unchanged");
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
	close(fd);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_shared_view();
	test_slots_under_running_vcpu();
	test_bad_regions();
	test_munmap();
	test_fork_shared();
	test_fork_private();
	test_memfd();
	test_max_slots();
	ktap_end();
}
