// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU life cycles:
 *  - 1000 times: create a VM, a vCPU and a memory slot, run a guest from
 *    the reset vector to HLT, destroy it all; MemAvailable and Slab do not
 *    move by more than a leak of a few hundred bytes per round would;
 *  - KVM_CREATE_VCPU: ids from 0 to KVM_CAP_MAX_VCPU_ID - 1 work, the cap
 *    itself and -1 are EINVAL, a duplicate id is EEXIST;
 *  - vCPU ioctls from another process are EIO;
 *  - KVM_RUN with a non-zero argument is EINVAL;
 *  - mmap of the vCPU fd: page 0 is the run structure, page 1 the port-I/O
 *    data page (data_offset 4096), every page up to KVM_GET_VCPU_MMAP_SIZE
 *    maps; a page past it maps but touching it raises SIGBUS (kvm 6.1);
 *  - a vCPU outlives the close of its VM fd, and its run mapping the close
 *    of the vCPU fd.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#ifndef ROUNDS
#define ROUNDS			test_iterations(1000)
#endif
#define WARMUP			50
#define RESET_PAGE_GPA		0xfffff000ULL
/* A leaked vCPU or VM costs several KiB each: 1000 of them are megabytes. */
#define SLAB_SLACK_KB		1024
#define AVAIL_SLACK_KB		4096

/* One VM from the reset vector to HLT, with nothing but raw ioctls. */
static bool one_round(int devfd, long run_size)
{
	int vmfd, vcpufd;
	struct hv_run *run;
	u8 *page;
	bool ok = false;
	struct hv_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = RESET_PAGE_GPA, .memory_size = 4096,
	};

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return false;
	page[0xff0] = 0xf4;			/* hlt at 0xfffffff0 */
	r.userspace_addr = (u64)(uintptr_t)page;
	vmfd = ioctl(devfd, HV_CREATE_VM, 0);
	if (vmfd < 0)
		goto out_page;
	if (ioctl(vmfd, HV_SET_USER_MEMORY_REGION, &r))
		goto out_vm;
	vcpufd = ioctl(vmfd, HV_CREATE_VCPU, 0);
	if (vcpufd < 0)
		goto out_vm;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run != MAP_FAILED) {
		ok = !ioctl(vcpufd, HV_RUN, 0) && run->exit_reason == HV_EXIT_HLT;
		munmap(run, run_size);
	}
	close(vcpufd);
out_vm:
	close(vmfd);
out_page:
	munmap(page, 4096);
	return ok;
}

static void test_many_rounds(void)
{
	int devfd = dev_open();
	long run_size = ioctl(devfd, HV_GET_VCPU_MMAP_SIZE, 0);
	long slab0, avail0, slab1, avail1;
	struct timespec t0, t1;
	int i, good = 0;

	for (i = 0; i < WARMUP; i++)
		good += one_round(devfd, run_size);
	ktap_result(good == WARMUP, "a guest runs from the reset vector to HLT (%d/%d)",
		    good, WARMUP);
	settle_memory();
	slab0 = slab_kb();
	avail0 = meminfo_kb("MemAvailable");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0, good = 0; i < ROUNDS; i++) {
		good += one_round(devfd, run_size);
		if ((i + 1) % 100 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ktap_info("%d rounds, %.1f s", i + 1, (t1.tv_sec - t0.tv_sec) +
				  (t1.tv_nsec - t0.tv_nsec) / 1e9);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	settle_memory();
	slab1 = slab_kb();
	avail1 = meminfo_kb("MemAvailable");
	ktap_info("%d rounds in %.1f s; Slab %ld -> %ld kB, MemAvailable %ld -> %ld kB",
		  ROUNDS, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		  slab0, slab1, avail0, avail1);
	ktap_result(good == ROUNDS, "%d rounds of create VM + vCPU + slot, run to HLT, destroy (%d good)",
		    ROUNDS, good);
	ktap_result(slab1 - slab0 < SLAB_SLACK_KB, "no slab leak: grew %ld kB (limit %d)",
		    slab1 - slab0, SLAB_SLACK_KB);
	ktap_result(avail0 - avail1 < AVAIL_SLACK_KB,
		    "no memory leak: MemAvailable fell %ld kB (limit %d)", avail0 - avail1,
		    AVAIL_SLACK_KB);
	close(devfd);
}

/* ---- vCPU ids ---- */

static void test_vcpu_ids(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	long max_id = dev_check_extension(vm->fd, HV_CAP_MAX_VCPU_ID);
	long r, fd, fd0;

	ktap_info("KVM_CAP_MAX_VCPU_ID %ld, KVM_CAP_MAX_VCPUS %ld, KVM_CAP_NR_VCPUS %ld", max_id,
		  dev_check_extension(vm->fd, HV_CAP_MAX_VCPUS),
		  dev_check_extension(vm->fd, HV_CAP_NR_VCPUS));
	TEST_REQUIRE(max_id > 1, "KVM_CAP_MAX_VCPU_ID %ld", max_id);
	r = ioctl_ret(vm->fd, HV_CREATE_VCPU, max_id);
	ktap_result(r == -EINVAL, "KVM_CREATE_VCPU id KVM_CAP_MAX_VCPU_ID (%ld): %ld", max_id, r);
	r = ioctl_ret(vm->fd, HV_CREATE_VCPU, 0xffffffffUL);
	ktap_result(r == -EINVAL, "KVM_CREATE_VCPU id 0xffffffff: %ld", r);
	fd = ioctl_ret(vm->fd, HV_CREATE_VCPU, max_id - 1);
	ktap_result(fd >= 0, "KVM_CREATE_VCPU id KVM_CAP_MAX_VCPU_ID - 1: %ld", fd);
	r = ioctl_ret(vm->fd, HV_CREATE_VCPU, max_id - 1);
	ktap_result(r == -EEXIST, "the same id again: %ld (want -EEXIST)", r);
	fd0 = ioctl_ret(vm->fd, HV_CREATE_VCPU, 0);
	ktap_result(fd0 >= 0, "id 0 after it: %ld", fd0);
	r = ioctl_ret(vm->fd, HV_CREATE_VCPU, 0);
	ktap_result(r == -EEXIST, "id 0 again: %ld (want -EEXIST)", r);
	if (fd >= 0)
		close(fd);
	if (fd0 >= 0)
		close(fd0);
	vm_free(vm);
}

/* ---- the vCPU fd ---- */

static void test_other_process(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_regs regs;
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int bad = 0;

		if (ioctl_ret(vcpu->fd, HV_RUN, 0) != -EIO)
			bad |= 1;
		if (ioctl_ret(vcpu->fd, HV_GET_REGS, (unsigned long)&regs) != -EIO)
			bad |= 2;
		if (ioctl_ret(vcpu->fd, HV_SET_REGS, (unsigned long)&regs) != -EIO)
			bad |= 4;
		if (ioctl_ret(vcpu->fd, HV_GET_SREGS, (unsigned long)&(struct hv_sregs){ 0 }) != -EIO)
			bad |= 8;
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	ktap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "KVM_RUN, GET/SET_REGS, GET_SREGS from a forked child: -EIO (status %#x)",
		    status);
	vcpu_get_regs(vcpu, &regs);
	ktap_result(true, "the parent's vCPU still answers");
	vm_free(vm);
}

static void guest_out_then_hlt(void)
{
	outl(0x80, 0xfeedc0de);
	guest_hlt();
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Read the first byte of @p: true if it raised SIGBUS. */
static bool touch_sigbus(volatile u8 *p)
{
	struct sigaction sa, old;
	bool bus = false;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static void test_vcpu_fd(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	long size = vm->run_size, r;
	long pages = size / 4096, i;
	struct hv_run *run2;
	u8 *pio, *p;
	bool ok;

	ktap_info("KVM_GET_VCPU_MMAP_SIZE: %ld (%ld pages)", size, pages);
	vcpu_enter(vcpu, guest_out_then_hlt, 0);
	r = ioctl_ret(vcpu->fd, HV_RUN, 1);
	ktap_result(r == -EINVAL, "KVM_RUN with argument 1: %ld (want -EINVAL)", r);
	ktap_result(vcpu_rip(vcpu) == (u64)(uintptr_t)guest_trampoline,
		    "and the guest did not run");

	run2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	pio = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 4096);
	ktap_result(run2 != MAP_FAILED && pio != MAP_FAILED, "mmap of pages 0 and 1 alone");
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "out");
	ok = ok && run2 != MAP_FAILED && run2->exit_reason == HV_EXIT_IO &&
	     run2->io.port == 0x80 && run2->io.data_offset == 4096;
	ktap_result(ok, "page 0 is the run structure (a second mapping sees the exit)");
	ktap_result(ok && pio != MAP_FAILED && *(u32 *)pio == 0xfeedc0de,
		    "page 1 holds the port-I/O data (%#x)", pio != MAP_FAILED ? *(u32 *)pio : 0);
	run2->immediate_exit = 1;
	r = vcpu_run(vcpu);
	ktap_result(r == -EINTR && vcpu->run->immediate_exit == 1,
		    "immediate_exit written through the second mapping is seen (%ld)", r);
	run2->immediate_exit = 0;

	for (i = 2, ok = true; i < pages; i++) {
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu->fd, i * 4096);
		ok &= p != MAP_FAILED && !touch_sigbus(p);
		if (p != MAP_FAILED)
			munmap(p, 4096);
	}
	ktap_result(ok, "pages 2..%ld of the mmap size map and read", pages - 1);

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu->fd, size);
	ktap_result(p != MAP_FAILED, "mmap of the page past the mmap size succeeds (kvm 6.1): %s",
		    p == MAP_FAILED ? strerror(errno) : "mapped");
	ktap_result(p != MAP_FAILED && touch_sigbus(p), "touching it raises SIGBUS");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mmap(NULL, size + 4096, PROT_READ, MAP_SHARED, vcpu->fd, 0);
	ok = p != MAP_FAILED && !touch_sigbus(p) && touch_sigbus(p + size);
	ktap_result(ok, "a mapping one page longer than the size: SIGBUS only in the extra page");
	if (p != MAP_FAILED)
		munmap(p, size + 4096);

	/* The vCPU keeps its VM alive; the run mapping keeps the vCPU's page. */
	close(vm->fd);
	vm->fd = -1;
	ok = vcpu_run_expect(vcpu, HV_EXIT_HLT, "after closing the VM fd");
	ktap_result(ok, "with the VM fd closed, the vCPU still runs (to its HLT)");
	close(vcpu->fd);
	ktap_result(run2->exit_reason == HV_EXIT_HLT,
		    "with the vCPU fd closed, its run mapping is still readable");
	vcpu->fd = -1;
	munmap(run2, 4096);
	munmap(pio, 4096);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	/* As the library's vcpu_new: no vCPUs on this CPU, nothing to test. */
	devfd = dev_open();
	if (ioctl(devfd, HV_CHECK_EXTENSION, HV_CAP_MAX_VCPUS) == 0)
		ktap_skip_all("no vCPUs on this CPU (CHECK_EXTENSION(MAX_VCPUS) is 0)");
	close(devfd);
	test_vcpu_ids();
	test_other_process();
	test_vcpu_fd();
	test_many_rounds();
	ktap_end();
}
