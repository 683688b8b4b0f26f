// SPDX-License-Identifier: GPL-2.0
/*
 * The VM state ioctls, with KVM 6.1's errnos:
 *  - KVM_SET_TSS_ADDR (KVM_CAP_SET_TSS_ADDR): an address up to 4 GiB
 *    minus 3 pages is taken, before or after vCPUs, and the guest runs as
 *    before (kvm_amd, and kvm_intel with unrestricted guest, use nothing
 *    there); above it EINVAL;
 *  - KVM_SET_IDENTITY_MAP_ADDR (KVM_CAP_SET_IDENTITY_MAP_ADDR): taken
 *    before the first vCPU, EINVAL after (even with a bad pointer),
 *    EFAULT for a bad pointer;
 *  - KVM_ENABLE_CAP on the VM (KVM_CAP_ENABLE_CAP_VM): KVM_CAP_MAX_VCPU_ID
 *    limits the vCPU ids, once, before the first vCPU; unknown
 *    capabilities and flags are EINVAL, bad pointers EFAULT; on a vCPU
 *    every capability KVM does not offer is EINVAL;
 *  - KVM_GET/SET_CLOCK (KVM_CAP_ADJUST_CLOCK): a new VM's clock starts
 *    near 0 and runs at the rate of CLOCK_BOOTTIME; KVM_SET_CLOCK sets it
 *    (KVM_CLOCK_REALTIME adds the real time gone by since `realtime`,
 *    never subtracts); the flags returned are among the capability's,
 *    and REALTIME / HOST_TSC carry the host's clocks; unknown flags
 *    EINVAL; each VM has its own clock;
 *  - KVM_GET/SET_TSC_KHZ (KVM_CAP_GET_TSC_KHZ): the host's rate, which
 *    the guest's RDTSC follows; without TSC scaling (KVM_CAP_TSC_CONTROL
 *    0 in both lanes) a rate within 250 ppm of it is taken, a lower one is
 *    EINVAL; a higher one KVM takes ("catch-up": it moves the guest's TSC
 *    forward at exits) and hv refuses.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <time.h>
#include <x86intrin.h>

#include "lib/vm.h"
#include "lib/guest.h"

static int devfd;

static u64 now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- TSS and identity map ---- */

/* Real mode: add 1 to AX 100 times, then OUT it to port 0x90 (as modes.c). */
asm("	.pushsection .rodata.guest16, \"a\"\n"
"	.code16\n"
"rm_blob:\n"
"	xor %ax, %ax\n"
"	mov $100, %cx\n"
"1:	inc %ax\n"
"	loop 1b\n"
"	out %ax, $0x90\n"
"	hlt\n"
"rm_blob_end:\n"
"	.code64\n"
"	.popsection\n");
extern const char rm_blob[], rm_blob_end[];

static void test_tss_identity(void)
{
	struct vm *vm = vm_new(GUEST_REAL);
	u64 addr = 0xfeffc000ULL;
	struct vcpu *vcpu;
	long r1, r2, r3, r4;

	r1 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, 0xfeffd000UL);
	r2 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, 0xffffd000UL);
	ktap_result(!r1 && !r2,
		    "KVM_SET_TSS_ADDR 0xfeffd000 (QEMU's) and 0xffffd000 (4 GiB - 3 pages): 0 (%ld, %ld)",
		    r1, r2);
	r1 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, 0xffffd001UL);
	r2 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, 0x100000000UL);
	r3 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, ~0UL);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL,
		    "KVM_SET_TSS_ADDR 0xffffd001, 4 GiB, ~0: EINVAL (%ld, %ld, %ld)",
		    r1, r2, r3);

	r1 = ioctl_ret(vm->fd, HV_SET_IDENTITY_MAP_ADDR, (unsigned long)&addr);
	r2 = ioctl_ret(vm->fd, HV_SET_IDENTITY_MAP_ADDR, 0);
	ktap_result(!r1 && r2 == -EFAULT,
		    "KVM_SET_IDENTITY_MAP_ADDR before vCPUs: 0 (%ld); NULL: EFAULT (%ld)",
		    r1, r2);

	vcpu = vcpu_new(vm, 0);
	r1 = ioctl_ret(vm->fd, HV_SET_IDENTITY_MAP_ADDR, (unsigned long)&addr);
	r2 = ioctl_ret(vm->fd, HV_SET_IDENTITY_MAP_ADDR, 0);
	r3 = ioctl_ret(vm->fd, HV_SET_TSS_ADDR, 0xfffbd000UL);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && !r3,
		    "after a vCPU: KVM_SET_IDENTITY_MAP_ADDR EINVAL, also with NULL (%ld, %ld); KVM_SET_TSS_ADDR 0 (%ld)",
		    r1, r2, r3);

	/* The guest runs in real mode as before, TSS or no TSS. */
	vm_load_blob(vm, GPA_BLOB, rm_blob, rm_blob_end);
	vcpu_enter(vcpu, (void *)GPA_BLOB, 0);
	r4 = vcpu_run_expect(vcpu, HV_EXIT_IO, "real-mode guest");
	ktap_result(r4 && vcpu->run->io.port == 0x90 &&
		    *(u16 *)vcpu_io_data(vcpu) == 100,
		    "a real-mode guest runs after KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR (counted to %u)",
		    *(u16 *)vcpu_io_data(vcpu));
	vm_free(vm);
}

/* ---- KVM_ENABLE_CAP ---- */

static long enable_cap(int fd, u32 cap, u32 flags, u64 arg0)
{
	struct hv_enable_cap c;

	memset(&c, 0, sizeof(c));
	c.cap = cap;
	c.flags = flags;
	c.args[0] = arg0;
	return ioctl_ret(fd, HV_ENABLE_CAP, (unsigned long)&c);
}

static void test_enable_cap(void)
{
	long max = dev_check_extension(devfd, HV_CAP_MAX_VCPU_ID);
	struct vm *vm;
	long r1, r2, r3, r4;
	int vcpu;

	if (dev_check_extension(devfd, HV_CAP_ENABLE_CAP_VM) <= 0) {
		vm = vm_new(GUEST_NONE);
		r1 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, 8);
		ktap_result(r1 == -EINVAL,
			    "KVM_CAP_ENABLE_CAP_VM not reported: KVM_ENABLE_CAP is EINVAL (%ld)",
			    r1);
		vm_free(vm);
		return;
	}

	vm = vm_new(GUEST_NONE);
	r1 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, max + 1);
	r2 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 1, 8);
	r3 = enable_cap(vm->fd, 0xffff, 0, 0);
	r4 = ioctl_ret(vm->fd, HV_ENABLE_CAP, 0);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && r4 == -EFAULT,
		    "KVM_ENABLE_CAP: MAX_VCPU_ID above KVM_CAP_MAX_VCPU_ID (%ld), flags 1 (%ld), unknown cap (%ld): EINVAL; NULL: EFAULT (%ld)",
		    r1, r2, r3, r4);
	r1 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, 8);
	r2 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, 8);
	r3 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, 16);
	ktap_result(!r1 && !r2 && r3 == -EINVAL,
		    "KVM_CAP_MAX_VCPU_ID 8: 0 (%ld), again 8: 0 (%ld), then 16: EINVAL (%ld)",
		    r1, r2, r3);
	vcpu = ioctl(vm->fd, HV_CREATE_VCPU, 7);
	r1 = ioctl_ret(vm->fd, HV_CREATE_VCPU, 8);
	r2 = ioctl_ret(vm->fd, HV_CREATE_VCPU, max - 1);
	ktap_result(vcpu >= 0 && r1 == -EINVAL && r2 == -EINVAL,
		    "then vCPU 7 is created, vCPU 8 and %ld are EINVAL (%ld, %ld)",
		    max - 1, r1, r2);

	/* vCPU capabilities: none hv offers; KVM's answer to unknown ones. */
	if (vcpu >= 0) {
		r1 = enable_cap(vcpu, 0xffff, 0, 0);
		r2 = enable_cap(vcpu, HV_CAP_MAX_VCPU_ID, 0, 1);
		r3 = ioctl_ret(vcpu, HV_ENABLE_CAP, 0);
		ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EFAULT,
			    "KVM_ENABLE_CAP on a vCPU: unknown and VM capabilities EINVAL (%ld, %ld), NULL EFAULT (%ld)",
			    r1, r2, r3);
		close(vcpu);
	}
	vm_free(vm);

	/* The first vCPU fixes the limit at KVM_CAP_MAX_VCPU_ID. */
	vm = vm_new(GUEST_NONE);
	vcpu = ioctl(vm->fd, HV_CREATE_VCPU, 0);
	r1 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, 8);
	r2 = enable_cap(vm->fd, HV_CAP_MAX_VCPU_ID, 0, max);
	r3 = ioctl_ret(vm->fd, HV_CREATE_VCPU, max - 1);
	ktap_result(vcpu >= 0 && r1 == -EINVAL && !r2 && r3 >= 0,
		    "after a vCPU: KVM_CAP_MAX_VCPU_ID 8 EINVAL (%ld), %ld (the default) 0 (%ld), vCPU %ld created",
		    r1, max, r2, max - 1);
	if (vcpu >= 0)
		close(vcpu);
	if (r3 >= 0)
		close(r3);
	vm_free(vm);
}

/* ---- the VM's clock ---- */

static int get_clock(int vmfd, struct hv_clock_data *c)
{
	memset(c, 0xaa, sizeof(*c));
	return ioctl_ret(vmfd, HV_GET_CLOCK, (unsigned long)c);
}

static int set_clock(int vmfd, u64 clock, u32 flags, u64 realtime)
{
	struct hv_clock_data c;

	memset(&c, 0, sizeof(c));
	c.clock = clock;
	c.flags = flags;
	c.realtime = realtime;
	return ioctl_ret(vmfd, HV_SET_CLOCK, (unsigned long)&c);
}

#define NS(s)	((u64)(s) * 1000000000ULL)

static void test_clock(void)
{
	long cap = dev_check_extension(devfd, HV_CAP_ADJUST_CLOCK);
	struct vm *vm, *other;
	struct hv_clock_data c, d;
	u64 t0, t1, r0, r1, tsc0, tsc1, b0, b1;
	int r;

	if (cap <= 0) {
		ktap_skip("KVM_GET/SET_CLOCK", "KVM_CAP_ADJUST_CLOCK not reported");
		return;
	}
	vm = vm_new(GUEST_NONE);
	r0 = now_ns(CLOCK_REALTIME);
	tsc0 = __rdtsc();
	r = get_clock(vm->fd, &c);
	tsc1 = __rdtsc();
	r1 = now_ns(CLOCK_REALTIME);
	ktap_result(!r && c.clock < NS(5) && !(c.flags & ~cap) && !c.pad0 &&
		    !c.pad[0] && !c.pad[3],
		    "a new VM's clock: %llu ns, flags %#x among KVM_CAP_ADJUST_CLOCK's %#lx, pads 0",
		    (unsigned long long)c.clock, c.flags, cap);
	if (c.flags & HV_CLOCK_REALTIME)
		ktap_result(c.realtime >= r0 && c.realtime <= r1,
			    "KVM_CLOCK_REALTIME: realtime within the host's CLOCK_REALTIME around the call");
	else
		ktap_skip("KVM_CLOCK_REALTIME", "not returned (flags %#x)", c.flags);
	if (c.flags & HV_CLOCK_HOST_TSC)
		ktap_result(c.host_tsc >= tsc0 && c.host_tsc <= tsc1,
			    "KVM_CLOCK_HOST_TSC: host_tsc within the TSC read around the call");
	else
		ktap_skip("KVM_CLOCK_HOST_TSC", "not returned (flags %#x)", c.flags);

	/* Its rate: CLOCK_BOOTTIME's. */
	b0 = now_ns(CLOCK_BOOTTIME);
	get_clock(vm->fd, &c);
	sleep_ms(300);
	get_clock(vm->fd, &d);
	b1 = now_ns(CLOCK_BOOTTIME);
	t0 = d.clock - c.clock;
	ktap_result(d.clock > c.clock && t0 <= b1 - b0 + 1000000 &&
		    t0 * 100 >= (b1 - b0) * 95,
		    "the clock went %llu ns while CLOCK_BOOTTIME went %llu",
		    (unsigned long long)t0, (unsigned long long)(b1 - b0));

	/* KVM_SET_CLOCK */
	r = set_clock(vm->fd, NS(1000), 0, 0);
	get_clock(vm->fd, &c);
	ktap_result(!r && c.clock >= NS(1000) && c.clock < NS(1001),
		    "KVM_SET_CLOCK 1000 s: then %llu ns (r %d)", (unsigned long long)c.clock, r);
	r = set_clock(vm->fd, NS(2000), HV_CLOCK_REALTIME, now_ns(CLOCK_REALTIME) - NS(5));
	get_clock(vm->fd, &c);
	ktap_result(!r && c.clock >= NS(2005) && c.clock < NS(2006),
		    "KVM_SET_CLOCK 2000 s with KVM_CLOCK_REALTIME 5 s ago: %llu ns (r %d)",
		    (unsigned long long)c.clock, r);
	r = set_clock(vm->fd, NS(3000), HV_CLOCK_REALTIME, now_ns(CLOCK_REALTIME) + NS(100));
	get_clock(vm->fd, &c);
	ktap_result(!r && c.clock >= NS(3000) && c.clock < NS(3001),
		    "KVM_SET_CLOCK with KVM_CLOCK_REALTIME in the future: not subtracted, %llu ns (r %d)",
		    (unsigned long long)c.clock, r);
	r = set_clock(vm->fd, NS(4000), HV_CLOCK_TSC_STABLE | HV_CLOCK_HOST_TSC, 0);
	get_clock(vm->fd, &c);
	ktap_result(!r && c.clock >= NS(4000) && c.clock < NS(4001),
		    "KVM_SET_CLOCK with TSC_STABLE|HOST_TSC (what KVM_GET_CLOCK may return): 0, ignored (r %d)",
		    r);
	t0 = c.clock;
	t1 = 0;
	r = set_clock(vm->fd, NS(1), 1, 0) == -EINVAL &&
	    set_clock(vm->fd, NS(1), 16, 0) == -EINVAL &&
	    set_clock(vm->fd, NS(1), 0x80000000, 0) == -EINVAL;
	get_clock(vm->fd, &c);
	ktap_result(r && c.clock >= t0 && c.clock < t0 + NS(1),
		    "KVM_SET_CLOCK with flags 1, 16, 1<<31: EINVAL, clock unchanged");
	ktap_result(ioctl_ret(vm->fd, HV_GET_CLOCK, 0) == -EFAULT &&
		    ioctl_ret(vm->fd, HV_SET_CLOCK, 0) == -EFAULT,
		    "NULL: EFAULT");

	other = vm_new(GUEST_NONE);
	get_clock(other->fd, &d);
	get_clock(vm->fd, &c);
	t1 = d.clock;
	ktap_result(t1 < NS(5) && c.clock >= NS(4000),
		    "each VM has its own clock (%llu ns and %llu ns)",
		    (unsigned long long)t1, (unsigned long long)c.clock);
	vm_free(other);
	vm_free(vm);
}

/* ---- the TSC rate ---- */

static void guest_rdtsc(void)
{
	u64 a = __rdtsc();

	GUEST_SYNC(a);
	a = __rdtsc();
	GUEST_SYNC(a);
}

static void test_tsc_khz(void)
{
	long control = dev_check_extension(devfd, HV_CAP_TSC_CONTROL);
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	long khz, r1, r2, r3;
	u64 g0, g1, t0, t1;
	double rate;

	if (dev_check_extension(devfd, HV_CAP_GET_TSC_KHZ) <= 0) {
		ktap_skip("KVM_GET/SET_TSC_KHZ", "KVM_CAP_GET_TSC_KHZ not reported");
		return;
	}
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	khz = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	ktap_result(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	if (khz <= 0) {
		vm_free(vm);
		return;
	}

	/* The guest's TSC runs at that rate. */
	vcpu_enter(vcpu, guest_rdtsc, 0);
	TEST_REQUIRE(vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "rdtsc 1"), "rdtsc");
	t0 = now_ns(CLOCK_MONOTONIC);
	g0 = uc.args[0];
	sleep_ms(300);
	t1 = now_ns(CLOCK_MONOTONIC);
	TEST_REQUIRE(vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "rdtsc 2"), "rdtsc");
	g1 = uc.args[0];
	rate = (double)(g1 - g0) / ((t1 - t0) / 1e6);	/* per ms: kHz */
	ktap_result(rate > khz * 0.9 && rate < khz * 1.25,
		    "the guest's TSC ran at %.0f kHz over %llu ms",
		    rate, (unsigned long long)((t1 - t0) / 1000000));

	r1 = ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz);
	r2 = ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, 0);
	r3 = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	ktap_result(!r1 && !r2 && r3 == khz,
		    "KVM_SET_TSC_KHZ of that rate, and of 0 (the host's): 0 (%ld, %ld), rate %ld",
		    r1, r2, r3);
	r1 = ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz + 1);
	r2 = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz);
	ktap_result(!r1 && r2 == khz + 1,
		    "KVM_SET_TSC_KHZ %ld (within 250 ppm): 0 (%ld), reported %ld", khz + 1, r1, r2);

	if (control > 0) {
		ktap_skip("rates KVM cannot give without scaling", "KVM_CAP_TSC_CONTROL reported");
		vm_free(vm);
		return;
	}
	r1 = ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz / 2);
	r2 = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	if (dev_is_kvm())
		ktap_info("KVM: KVM_GET_TSC_KHZ after the refused rate: %ld", r2);
	ktap_result(r1 == -EINVAL && (dev_is_kvm() || r2 == khz),
		    "no TSC scaling: KVM_SET_TSC_KHZ %ld (lower) EINVAL (%ld)%s", khz / 2,
		    r1, dev_is_kvm() ? "" : ", rate unchanged");
	ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz);
	r1 = ioctl_ret(vcpu->fd, HV_SET_TSC_KHZ, khz * 2);
	r2 = ioctl_ret(vcpu->fd, HV_GET_TSC_KHZ, 0);
	if (dev_is_kvm())
		ktap_result(r1 == 0 && r2 == khz * 2,
			    "KVM: KVM_SET_TSC_KHZ %ld (higher) taken in catch-up mode (%ld), reported %ld",
			    khz * 2, r1, r2);
	else
		ktap_result(r1 == -EINVAL && r2 == khz,
			    "hv: KVM_SET_TSC_KHZ %ld (higher) EINVAL, no catch-up (%ld), rate %ld",
			    khz * 2, r1, r2);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	devfd = dev_open();
	test_tss_identity();
	test_enable_cap();
	test_clock();
	test_tsc_khz();
	close(devfd);
	ktap_end();
}
