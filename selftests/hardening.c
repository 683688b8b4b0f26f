// SPDX-License-Identifier: GPL-2.0
/*
 * Host safety: what a VMM or a guest could use against the host, each
 * check a hole closed (issue 8), run on hv and on the KVM reference.
 *
 *  - memslots: no frame beyond the host's physical address width (KVM's
 *    -EINVAL), so none can alias a lower one in the page tables;
 *    KVM_MEM_LOG_DIRTY_PAGES accepted only where a dirty log is kept.
 *  - vCPU creation that fails late (no free fd, RLIMIT_NOFILE) leaves no
 *    half-made vCPU behind, while another thread makes the MMU notifier
 *    walk the vCPUs; the id can be used again.
 *  - VM teardown while another thread unmaps guest memory (the notifier
 *    against the vCPUs being freed).
 *  - port I/O completes with the direction the exit had, whatever
 *    userspace writes into the run structure.
 *  - MOV to/from CR4 in the last bytes of a page, before a page the guest
 *    cannot fetch from, completes (SVM without decode assists fetches
 *    and decodes it in hv).
 *  - RDTSCP and RDPID never give the guest the host's IA32_TSC_AUX (the
 *    host CPU and node numbers).
 *  - a host hardware breakpoint neither fires in the guest nor stops
 *    working after it ran (DR7 and DEBUGCTL are switched).
 */
#define _GNU_SOURCE
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define PAGE		4096ULL
#define GPA_EXTRA	0x40000000ULL	/* 1 GiB: beyond the main slot */

/* KVM_GET_DIRTY_LOG: not in hv's ABI (no dirty logging yet). */
struct test_dirty_log {
	u32 slot;
	u32 padding;
	union {
		void *dirty_bitmap;
		u64 padding2;
	};
};

#define TEST_GET_DIRTY_LOG	_IOW(HVIO, 0x42, struct test_dirty_log)

static int page_race_iterations(void)
{
	return test_iterations(40);
}

/* ---- memslots ---- */

static unsigned int host_phys_bits(void)
{
	unsigned int a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(0x80000008), "c"(0));
	return a & 0xff;
}

static void test_memslot_bounds(void)
{
	unsigned int bits = host_phys_bits();
	u64 top = 1ULL << bits;
	struct vm *vm = vm_new(GUEST_NONE);
	void *mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	TEST_REQUIRE(mem != MAP_FAILED, "%s", strerror(errno));
	r = vm_set_slot(vm, 1, 0, top - PAGE, PAGE, mem);
	ktap_result(r == 0, "a slot ending at the %u-bit physical address limit is accepted (%d)",
		    bits, r);
	if (!r)
		vm_delete_slot(vm, 1);
	r = vm_set_slot(vm, 2, 0, top - PAGE, 2 * PAGE, mem);
	ktap_result(r == -EINVAL, "a slot crossing the limit: want -EINVAL, got %d", r);
	r = vm_set_slot(vm, 3, 0, top, PAGE, mem);
	ktap_result(r == -EINVAL, "a slot beyond the limit: want -EINVAL, got %d", r);
	r = vm_set_slot(vm, 4, 0, 1ULL << 52, PAGE, mem);
	ktap_result(r == -EINVAL, "a slot at 2^52: want -EINVAL, got %d", r);

	/* Dirty logging: accepted only where the log can be read. */
	r = vm_set_slot(vm, 5, HV_MEM_LOG_DIRTY_PAGES, 0x100000, PAGE, mem);
	if (r == 0) {
		u64 bitmap[1] = { 0 };
		struct test_dirty_log log = { .slot = 5, .dirty_bitmap = bitmap };

		r = ioctl(vm->fd, TEST_GET_DIRTY_LOG, &log) ? -errno : 0;
		ktap_result(r == 0,
			    "KVM_MEM_LOG_DIRTY_PAGES accepted, and the dirty log reads (%d)",
			    r);
	} else {
		u64 bitmap[1] = { 0 };
		struct test_dirty_log log = { .slot = 5, .dirty_bitmap = bitmap };
		int g = ioctl(vm->fd, TEST_GET_DIRTY_LOG, &log) ? -errno : 0;

		ktap_result(r == -EINVAL && g != 0,
			    "KVM_MEM_LOG_DIRTY_PAGES refused (%d) where no dirty log is kept (GET_DIRTY_LOG %d)",
			    r, g);
	}
	vm_free(vm);
	munmap(mem, 2 * PAGE);
}

/* ---- a thread that makes the MMU notifier run ---- */

struct churn {
	void *mem;
	size_t size;
	bool stop;
	unsigned long rounds;
};

/* MADV_DONTNEED and re-touch: an invalidation of the slot's range each time. */
static void *churn_main(void *arg)
{
	struct churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		madvise(c->mem, c->size, MADV_DONTNEED);
		memset(c->mem, 1, c->size);
		c->rounds++;
	}
	return NULL;
}

static void guest_touch(u64 gpa, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		*(volatile u8 *)(gpa + i * PAGE) += 1;
	GUEST_SYNC(n);
}

/* ---- vCPU creation that fails late ---- */

static void test_vcpu_create_emfile(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct churn c = { .size = 16 * PAGE };
	struct rlimit saved, tight;
	int i, fails = 0, wrong = 0, fd, n = page_race_iterations();
	struct ucall uc;
	pthread_t t;

	c.mem = vm_add_anon_slot(vm, 1, 0, GPA_EXTRA, c.size);
	/* A running vCPU with mappings, so that invalidations kick. */
	vcpu_enter(vcpu, guest_touch, 2, GPA_EXTRA, 16);
	TEST_REQUIRE(vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "touch"), "guest");
	TEST_REQUIRE(!pthread_create(&t, NULL, churn_main, &c), "thread");

	getrlimit(RLIMIT_NOFILE, &saved);
	for (i = 0; i < n; i++) {
		fd = dup(0);
		TEST_REQUIRE(fd >= 0, "dup: %s", strerror(errno));
		close(fd);
		/* The next fd would be fd: no fd left for the vCPU. */
		tight = saved;
		tight.rlim_cur = fd;
		TEST_REQUIRE(!setrlimit(RLIMIT_NOFILE, &tight), "%s", strerror(errno));
		fd = ioctl(vm->fd, HV_CREATE_VCPU, 1);
		if (fd >= 0) {
			wrong++;
			close(fd);
		} else if (errno == EMFILE) {
			fails++;
		} else {
			wrong++;
		}
		setrlimit(RLIMIT_NOFILE, &saved);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ktap_result(fails == n && !wrong,
		    "CREATE_VCPU without a free fd fails with EMFILE, %d times (%d otherwise) while %lu invalidations ran",
		    fails, wrong, c.rounds);

	fd = ioctl(vm->fd, HV_CREATE_VCPU, 1);
	ktap_result(fd >= 0, "then the same vCPU id can be created (%s)",
		    fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
	vcpu_enter(vcpu, guest_touch, 2, GPA_EXTRA, 16);
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "after"),
		    "the VM's vCPU still runs");
	vm_free(vm);
}

/* ---- teardown against the notifier ---- */

static void test_teardown_race(void)
{
	int i, n = page_race_iterations(), ran = 0;
	unsigned long rounds = 0;

	for (i = 0; i < n; i++) {
		struct vm *vm = vm_new(GUEST_LONG64);
		struct vcpu *vcpu = vcpu_new(vm, 0);
		struct churn c = { .size = 16 * PAGE };
		struct ucall uc;
		pthread_t t;

		c.mem = vm_add_anon_slot(vm, 1, 0, GPA_EXTRA, c.size);
		vcpu_enter(vcpu, guest_touch, 2, GPA_EXTRA, 16);
		if (vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "touch"))
			ran++;
		TEST_REQUIRE(!pthread_create(&t, NULL, churn_main, &c), "thread");
		/* The slot's memory stays mapped until the VM is gone. */
		for (int j = 0; j < VM_MAX_SLOTS; j++)
			if (vm->slots[j].used && vm->slots[j].slot == 1)
				vm->slots[j].owned = false;
		vm_free(vm);
		__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
		pthread_join(t, NULL);
		rounds += c.rounds;
		munmap(c.mem, c.size);
	}
	ktap_result(ran == n,
		    "%d VMs freed while another thread invalidated their memory (%lu invalidations)",
		    n, rounds);
}

/* ---- port I/O direction ---- */

#define PIO_PORT	0x80

static void guest_out_keeps_rax(void)
{
	u64 rax = 0x1234;

	asm volatile("outb %%al, %1" : "+a"(rax) : "Nd"(PIO_PORT) : "memory");
	GUEST_SYNC(rax);
}

static void test_pio_direction(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	vcpu_enter(vcpu, guest_out_keeps_rax, 0);
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "out");
	ok = ok && vcpu->run->io.port == PIO_PORT &&
	     vcpu->run->io.direction == HV_EXIT_IO_OUT;
	/* Userspace claims it was an IN and hands data back. */
	vcpu->run->io.direction = HV_EXIT_IO_IN;
	memset(vcpu_io_data(vcpu), 0xff, 8);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "after out");
	ktap_result(ok && uc.args[0] == 0x1234,
		    "an OUT completes as an OUT when userspace rewrites run->io.direction (RAX %#llx)",
		    (unsigned long long)uc.args[0]);
	vm_free(vm);
}

/* ---- MOV CR4 at the end of a page ---- */

/*
 * Guest code at the last bytes of a page whose successor the guest
 * cannot fetch from (not present in its page tables):
 *	page-16:  0f 20 e0	mov %cr4, %rax
 *		  90 x 10
 *	page-3:   0f 22 e0	mov %rax, %cr4
 * after which the fetch at the next page raises #PF there.
 */
#define GPA_PT_4K	0xa000ULL	/* a page table for GPA_SCRATCH */
#define CODE_PAGE	GPA_SCRATCH
#define CODE_START	(CODE_PAGE + PAGE - 16)

static void test_mov_cr4_page_end(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	u64 *pd = vm_gpa2hva(vm, GPA_PD), *pt = vm_gpa2hva(vm, GPA_PT_4K);
	u8 *code = vm_gpa2hva(vm, CODE_PAGE);	/* in the main slot */
	static const u8 insns[16] = {
		0x0f, 0x20, 0xe0, 0x90, 0x90, 0x90, 0x90, 0x90,
		0x90, 0x90, 0x90, 0x90, 0x90, 0x0f, 0x22, 0xe0,
	};
	struct ucall uc;
	bool ok;
	int i;

	TEST_REQUIRE(pd && pt && code, "page tables");
	/* 4K pages for GPA_SCRATCH, the one after CODE_PAGE not present. */
	for (i = 0; i < 512; i++)
		pt[i] = (GPA_SCRATCH + i * PAGE) | 3;
	pt[1] = 0;
	pd[GPA_SCRATCH >> 21] = GPA_PT_4K | 3;
	memcpy(code + (CODE_START - CODE_PAGE), insns, sizeof(insns));

	vcpu_enter(vcpu, (void *)(uintptr_t)CODE_START, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "mov cr4");
	ktap_result(ok && uc.args[0] == 14 && uc.args[2] == CODE_PAGE + PAGE,
		    "MOV from and to CR4 in a page's last bytes complete: #PF at the next page (vector %llu, rip %#llx)",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[2]);
	vm_free(vm);
}

/* ---- TSC_AUX ---- */

static void guest_rdpid(void)
{
	u64 v = ~0ULL;

	asm volatile("rdpid %0" : "=r"(v));
	GUEST_SYNC(v);
}

static void guest_rdtscp(void)
{
	u32 lo, hi, aux = ~0U;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	GUEST_SYNC(aux);
}

/* Run @fn on host CPU @cpu: #UD, or the guest's own TSC_AUX (0). */
static void check_tsc_aux(const char *what, void (*fn)(void), int cpu)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	u32 cmd;

	vcpu_enter(vcpu, fn, 0);
	cmd = vcpu_run_ucall(vcpu, &uc);
	if (cmd == UCALL_EXCEPTION)
		ktap_result(uc.args[0] == 6, "%s in the guest on host CPU %d: #UD (vector %llu)",
			    what, cpu, (unsigned long long)uc.args[0]);
	else
		ktap_result(cmd == UCALL_SYNC && uc.args[0] == 0,
			    "%s in the guest on host CPU %d: the guest's TSC_AUX, 0, not the host's (read %#llx)",
			    what, cpu, (unsigned long long)uc.args[0]);
	vm_free(vm);
}

static void test_tsc_aux(void)
{
	int cpus[CPU_SETSIZE], n = test_allowed_cpus(cpus), cpu = cpus[n - 1];
	cpu_set_t set, saved;

	sched_getaffinity(0, sizeof(saved), &saved);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* The last CPU: its TSC_AUX (CPU number) is not 0 if there are two. */
	sched_setaffinity(0, sizeof(set), &set);
	check_tsc_aux("RDTSCP", guest_rdtscp, cpu);
	check_tsc_aux("RDPID", guest_rdpid, cpu);
	sched_setaffinity(0, sizeof(saved), &saved);
}

/* ---- host hardware breakpoints ---- */

static volatile u64 watched;

static void guest_write_watched(void)
{
	watched = 1;	/* the guest's copy, at the same linear address */
	GUEST_SYNC(0);
}

static u64 bp_count(int fd)
{
	u64 v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return ~0ULL;
	return v;
}

static void test_host_breakpoint(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (u64)(uintptr_t)&watched,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	u64 before, after;
	bool ok;
	int fd;

	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		ktap_skip("host hardware breakpoints", "perf_event_open: %s",
			  strerror(errno));
		return;
	}
	watched = 1;
	if (bp_count(fd) != 1) {
		ktap_skip("host hardware breakpoints",
			  "the emulated CPU does not fire data breakpoints");
		close(fd);
		return;
	}

	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	before = bp_count(fd);
	vcpu_enter(vcpu, guest_write_watched, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "guest write");
	ktap_result(ok, "%s",
		    "a host breakpoint on an address the guest writes does not fire in the guest");
	watched = 2;
	after = bp_count(fd);
	ktap_result(after == before + 1,
		    "the host breakpoint still fires after the guest ran (%llu hits, want %llu)",
		    (unsigned long long)after, (unsigned long long)before + 1);
	vm_free(vm);
	close(fd);
}

/* ---- guest state the CPU refuses at entry ---- */

#define EFER_LME	(1ULL << 8)
#define EFER_BIT9	(1ULL << 9)	/* reserved on both vendors */
#define CR4_PAE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)

static void guest_sync_once(void)
{
	GUEST_SYNC(0x5a);
}

/*
 * Run once with @bad (HV_SET_SREGS takes it: KVM's checks leave such
 * state to the CPU's entry checks), expect a failed entry, put the good
 * state back and expect the guest to run.
 */
static void entry_refused(const char *what, const struct hv_sregs *bad)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs good;
	struct ucall uc;
	bool ok;

	vcpu_enter(vcpu, guest_sync_once, 0);
	vcpu_get_sregs(vcpu, &good);
	vcpu_set_sregs(vcpu, bad);
	ok = vcpu_run_expect(vcpu, HV_EXIT_FAIL_ENTRY, what);
	ktap_result(ok, "%s: the entry fails (%s)", what, vcpu_exit_str(vcpu));
	vcpu_set_sregs(vcpu, &good);
	/*
	 * kvm_amd 6.1 under the lane's QEMU gets an MMIO exit in the guest
	 * here (a read of 0x600008, which the main slot backs): the
	 * reference does not recover, so only hv is held to it.
	 */
	if (dev_is_kvm() && host_is_amd()) {
		ktap_skip(what, "then the good state runs: kvm_amd does not (see the source)");
		vm_free(vm);
		return;
	}
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, what);
	ktap_result(ok && uc.args[0] == 0x5a, "%s: then the good state runs", what);
	vm_free(vm);
}

static void test_entry_refused(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs sr;

	vcpu_enter(vcpu, guest_sync_once, 0);
	vcpu_get_sregs(vcpu, &sr);
	vm_free(vm);

	sr.efer |= EFER_BIT9;
	entry_refused("long mode, a reserved EFER bit", &sr);

	/*
	 * Paging and PAE off with EFER.LME still set, and the reserved bit:
	 * QEMU 7.2's emulated VMRUN, failing after it loaded this CR0,
	 * leaves the host with it and wedges the emulated machine (seen
	 * by the fuzzer; Documentation/fuzzing.md).  hv does not issue a
	 * VMRUN the CPU would refuse; stock kvm_amd does, so the reference
	 * skips this case.
	 */
	if (dev_is_kvm()) {
		ktap_skip("paging off, EFER.LME and a reserved bit: the entry fails",
			  "not run on the reference: it would wedge QEMU's emulated host");
		ktap_skip("paging off, EFER.LME and a reserved bit: then the good state runs",
			  "not run on the reference");
		return;
	}
	sr.cr0 &= ~CR0_PG;
	sr.cr4 &= ~CR4_PAE;
	sr.efer = (sr.efer | EFER_LME | EFER_BIT9) & ~(1ULL << 10);
	sr.cs.l = 0;
	sr.cs.db = 1;
	entry_refused("paging off, EFER.LME and a reserved bit", &sr);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_memslot_bounds();
	test_vcpu_create_emfile();
	test_teardown_race();
	test_pio_direction();
	test_mov_cr4_page_end();
	test_tsc_aux();
	test_host_breakpoint();
	test_entry_refused();
	ktap_end();
}
