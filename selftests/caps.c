// SPDX-License-Identifier: GPL-2.0
/*
 * HV_CHECK_EXTENSION tells the truth.
 *
 * Every capability number is asked, on /dev/hv and on a VM fd.  Each one
 * hv reports must be in the table below, whose entry checks the behaviour
 * the capability promises (and names the selftest that covers it fully).
 * A capability reported but not in the table fails: hv must not claim
 * work it has not done.  Against the KVM reference only the table's
 * checks apply; KVM reports much more.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/test.h"

#define CAP_MAX		512	/* KVM 6.1 defines numbers up to ~225 */

struct cap_check {
	int cap;
	const char *name;
	/* Checks the promised behaviour; returns true if it holds. */
	bool (*check)(int devfd, int vmfd, long value);
};

static int set_slot(int vmfd, u_int32_t slot, u_int32_t flags, u_int64_t gpa,
		    u_int64_t size, void *hva)
{
	struct hv_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return ioctl_ret(vmfd, HV_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Slots can be created, and bad ones are refused. */
static bool check_user_memory(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	void *mem = map_pages(4);
	bool ok = mem && !set_slot(vm, 0, 0, 0x100000, 4 * 4096, mem) &&
		  set_slot(vm, 1, 0, 0x100000, 4096, mem) == -EEXIST &&
		  set_slot(vm, 1, 0, 0x200001, 4096, mem) == -EINVAL;

	close(vm);
	munmap(mem, 4 * 4096);
	return ok && value == 1;
}

/* A slot can be deleted, and its range used again. */
static bool check_destroy_region(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	void *mem = map_pages(1);
	bool ok = mem && !set_slot(vm, 0, 0, 0, 4096, mem) &&
		  !set_slot(vm, 0, 0, 0, 0, mem) &&
		  !set_slot(vm, 1, 0, 0, 4096, mem);

	close(vm);
	munmap(mem, 4096);
	return ok && value == 1;
}

/* Adjacent slots may sit side by side. */
static bool check_join_regions(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	void *mem = map_pages(2);
	bool ok = mem && !set_slot(vm, 0, 0, 0, 4096, mem) &&
		  !set_slot(vm, 1, 0, 4096, 4096, (char *)mem + 4096);

	close(vm);
	munmap(mem, 2 * 4096);
	return ok && value == 1;
}

static bool check_readonly_mem(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	void *mem = map_pages(1);
	bool ok = mem && !set_slot(vm, 0, HV_MEM_READONLY, 0, 4096, mem);

	close(vm);
	munmap(mem, 4096);
	return ok && value == 1;
}

/* Exactly the reported number of slots fit (ids 0..n-1). */
static bool check_nr_memslots(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd), i;
	char *mem = map_pages(value + 1);
	bool ok = mem != NULL;

	for (i = 0; ok && i < value; i++)
		ok = !set_slot(vm, i, 0, (u_int64_t)i << 12, 4096, mem + i * 4096);
	if (ok)
		ok = set_slot(vm, value, 0, (u_int64_t)value << 12, 4096,
			      mem + value * 4096) == -EINVAL;
	close(vm);
	munmap(mem, (value + 1) * 4096);
	return ok;
}

/* vCPU ids below the limit are accepted, the limit itself is not. */
static bool check_max_vcpu_id(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	long fd = ioctl_ret(vm, HV_CREATE_VCPU, value - 1);
	bool ok = fd >= 0 && ioctl_ret(vm, HV_CREATE_VCPU, value) == -EINVAL;

	if (fd >= 0)
		close(fd);
	close(vm);
	return ok;
}

/* Exactly MAX_VCPUS vCPUs fit in one VM. */
static bool check_max_vcpus(int devfd, int vmfd, long value)
{
	long max_id = ioctl_ret(devfd, HV_CHECK_EXTENSION, HV_CAP_MAX_VCPU_ID);
	int vm = vm_create(devfd), i, n = 0;
	int *fds = calloc(value + 1, sizeof(int));
	struct rlimit lim = { value + 64, value + 64 };
	bool ok;

	/* One fd per vCPU: make room (KVM allows 1024 vCPUs). */
	setrlimit(RLIMIT_NOFILE, &lim);

	if (max_id <= value)
		max_id = value + 1;
	for (i = 0; fds && i < value; i++) {
		fds[i] = ioctl(vm, HV_CREATE_VCPU, i);
		n += fds[i] >= 0;
	}
	ok = fds && n == value &&
	     ioctl_ret(vm, HV_CREATE_VCPU, max_id - 1) == -EINVAL;
	for (i = 0; fds && i < value; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	close(vm);
	return ok;
}

/* The recommended number is a sane one. */
static bool check_nr_vcpus(int devfd, int vmfd, long value)
{
	long max = ioctl_ret(devfd, HV_CHECK_EXTENSION, HV_CAP_MAX_VCPUS);

	return value >= 1 && value <= max &&
	       value <= sysconf(_SC_NPROCESSORS_CONF);
}

/* run->immediate_exit makes HV_RUN return -EINTR without entering. */
static bool check_immediate_exit(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	long size = ioctl_ret(devfd, HV_GET_VCPU_MMAP_SIZE, 0);
	int vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	struct hv_run *run;
	bool ok = false;

	run = vcpu < 0 ? MAP_FAILED :
	      mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run != MAP_FAILED) {
		run->immediate_exit = 1;
		ok = ioctl_ret(vcpu, HV_RUN, 0) == -EINTR;
		munmap(run, size);
	}
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == 1;
}

/* The VM fd answers CHECK_EXTENSION like /dev/hv does. */
static bool check_extension_vm(int devfd, int vmfd, long value)
{
	int cap;

	for (cap = 0; cap < CAP_MAX; cap++) {
		long sys = ioctl_ret(devfd, HV_CHECK_EXTENSION, cap);
		long vm = ioctl_ret(vmfd, HV_CHECK_EXTENSION, cap);

		/* KVM answers a few per-VM differently; hv never does. */
		if (sys < 0 || vm < 0 || (!dev_is_kvm() && sys != vm))
			return false;
	}
	return value == 1;
}

/*
 * KVM_GET_SUPPORTED_CPUID answers, and a vCPU takes its table with
 * KVM_SET_CPUID2 and gives it back with KVM_GET_CPUID2 (selftests/cpuid).
 */
static bool check_ext_cpuid(int devfd, int vmfd, long value)
{
	size_t size = sizeof(struct hv_cpuid2) + 256 * sizeof(struct hv_cpuid_entry2);
	struct hv_cpuid2 *c = calloc(1, size), *back = calloc(1, size);
	int vm = vm_create(devfd), vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	bool ok = c && back && vcpu >= 0;

	if (ok) {
		c->nent = 256;
		back->nent = 256;
		ok = !ioctl(devfd, HV_GET_SUPPORTED_CPUID, c) && c->nent >= 1 &&
		     c->entries[0].function == 0 &&
		     !ioctl(vcpu, HV_SET_CPUID2, c) &&
		     !ioctl(vcpu, HV_GET_CPUID2, back) &&
		     back->entries[0].function == 0 &&
		     back->entries[0].ebx == c->entries[0].ebx;
	}
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	free(c);
	free(back);
	return ok && value == 1;
}

/* XCR0 reads 1 at reset; x87 alone may be set, nothing without it. */
static bool check_xcrs(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd), vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	struct hv_xcrs x = { 0 };
	bool ok = vcpu >= 0 && !ioctl(vcpu, HV_GET_XCRS, &x) &&
		  x.nr_xcrs == 1 && x.xcrs[0].xcr == 0 && x.xcrs[0].value == 1;

	if (ok) {
		ok = !ioctl(vcpu, HV_SET_XCRS, &x);
		x.xcrs[0].value = 0;
		ok = ok && ioctl_ret(vcpu, HV_SET_XCRS, (unsigned long)&x) == -EINVAL;
	}
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == 1;
}

/*
 * Guest mappings follow the host's page tables.  That needs guests to
 * show: selftests/coherence checks it across THP split and collapse,
 * page migration and swap, with the vCPU stopped and running.  Here only
 * the value KVM gives it.
 */
static bool check_sync_mmu(int devfd, int vmfd, long value)
{
	return value == 1;
}

/* A VM with one vCPU, for the vCPU state checks. */
static int vcpu_of(int devfd, int *vm)
{
	*vm = vm_create(devfd);
	return ioctl(*vm, HV_CREATE_VCPU, 0);
}

static void vcpu_close(int vm, int vcpu)
{
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
}

/* KVM_GET_XSAVE's area goes back with KVM_SET_XSAVE; KVM_GET_FPU works. */
static bool check_xsave(int devfd, int vmfd, long value)
{
	static struct hv_xsave x;
	struct hv_fpu f;
	int vm, vcpu = vcpu_of(devfd, &vm);
	bool ok = vcpu >= 0 && !ioctl(vcpu, HV_GET_XSAVE, &x) &&
		  !ioctl(vcpu, HV_SET_XSAVE, &x) && !ioctl(vcpu, HV_GET_FPU, &f) &&
		  !ioctl(vcpu, HV_SET_FPU, &f);

	vcpu_close(vm, vcpu);
	return ok && value == 1;
}

/* KVM_GET_XSAVE2 writes that many bytes (at least 4096); selftests/fpu. */
static bool check_xsave2(int devfd, int vmfd, long value)
{
	int vm, vcpu = vcpu_of(devfd, &vm);
	unsigned char *buf = value >= 4096 ? calloc(1, value) : NULL;
	bool ok = buf && vcpu >= 0 && !ioctl(vcpu, HV_GET_XSAVE2, buf) &&
		  !ioctl(vcpu, HV_SET_XSAVE, buf);

	free(buf);
	vcpu_close(vm, vcpu);
	return ok;
}

/* A new vCPU's DR6/DR7; they round-trip; flags are refused. */
static bool check_debugregs(int devfd, int vmfd, long value)
{
	int vm, vcpu = vcpu_of(devfd, &vm);
	struct hv_debugregs d = { 0 };
	bool ok = vcpu >= 0 && !ioctl(vcpu, HV_GET_DEBUGREGS, &d) &&
		  d.dr6 == 0xffff0ff0 && d.dr7 == 0x400 &&
		  !ioctl(vcpu, HV_SET_DEBUGREGS, &d);

	d.flags = 1;
	ok = ok && ioctl_ret(vcpu, HV_SET_DEBUGREGS, (unsigned long)&d) == -EINVAL;
	vcpu_close(vm, vcpu);
	return ok && value == 1;
}

/* RUNNABLE, and RUNNABLE may be set (selftests/mp_state). */
static bool check_mp_state(int devfd, int vmfd, long value)
{
	int vm, vcpu = vcpu_of(devfd, &vm);
	struct hv_mp_state mp = { 0xff };
	bool ok = vcpu >= 0 && !ioctl(vcpu, HV_GET_MP_STATE, &mp) &&
		  mp.mp_state == HV_MP_STATE_RUNNABLE &&
		  !ioctl(vcpu, HV_SET_MP_STATE, &mp);

	vcpu_close(vm, vcpu);
	return ok && value == 1;
}

/* A vCPU's TSC rate, which it may be given again (selftests/vm_state). */
static bool check_get_tsc_khz(int devfd, int vmfd, long value)
{
	int vm, vcpu = vcpu_of(devfd, &vm);
	long khz = vcpu >= 0 ? ioctl_ret(vcpu, HV_GET_TSC_KHZ, 0) : -1;
	bool ok = khz > 0 && !ioctl(vcpu, HV_SET_TSC_KHZ, khz);

	vcpu_close(vm, vcpu);
	return ok && value == 1;
}

/* QEMU's TSS address is taken, one beyond 4 GiB - 3 pages is not. */
static bool check_set_tss_addr(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_SET_TSS_ADDR, 0xfeffd000UL) &&
		  ioctl_ret(vm, HV_SET_TSS_ADDR, 0xffffd001UL) == -EINVAL;

	close(vm);
	return ok && value == 1;
}

/*
 * The shadow-page budget: below KVM's floor of 64 pages is EINVAL, what
 * was set reads back.
 */
static bool check_mmu_shadow_cache_control(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	bool ok = ioctl_ret(vm, HV_SET_NR_MMU_PAGES, 63UL) == -EINVAL &&
		  !ioctl(vm, HV_SET_NR_MMU_PAGES, 1000UL) &&
		  ioctl(vm, HV_GET_NR_MMU_PAGES, 0) == 1000;

	close(vm);
	return ok && value == 1;
}

/*
 * The in-kernel irqchip (selftests/irqchip, ipi, pit cover it): created
 * once, before any vCPU, with KVM's IOAPIC at its address.
 */
static bool check_irqchip(int devfd, int vmfd, long value)
{
	struct hv_irqchip chip = { .chip_id = HV_IRQCHIP_IOAPIC };
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_CREATE_IRQCHIP, 0) &&
		  ioctl_ret(vm, HV_CREATE_IRQCHIP, 0) == -EEXIST &&
		  !ioctl(vm, HV_GET_IRQCHIP, &chip) &&
		  chip.chip.ioapic.base_address == 0xfec00000ULL;

	close(vm);
	return ok && value == 1;
}

/* The line's status comes back (selftests/irqchip asserts its values). */
static bool check_irq_inject_status(int devfd, int vmfd, long value)
{
	struct hv_irq_level irq = { .irq = 4, .level = 1 };
	int vm = vm_create(devfd);
	bool ok = ioctl_ret(vm, HV_IRQ_LINE_STATUS, (unsigned long)&irq) ==
		  -ENXIO;

	ok = ok && !ioctl(vm, HV_CREATE_IRQCHIP, 0) &&
	     !ioctl(vm, HV_IRQ_LINE_STATUS, &irq) && irq.status != 0;
	close(vm);
	return ok && value == 1;
}

/* Before the first vCPU only. */
static bool check_set_boot_cpu_id(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd), vcpu;
	bool ok = !ioctl(vm, HV_SET_BOOT_CPU_ID, 1UL);

	vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	ok = ok && vcpu >= 0 &&
	     ioctl_ret(vm, HV_SET_BOOT_CPU_ID, 0UL) == -EBUSY;
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == 1;
}

/* Refused without an irqchip and with unknown flags. */
static bool check_signal_msi(int devfd, int vmfd, long value)
{
	struct hv_msi msi = { .address_lo = 0xfee00000, .data = 0x40 };
	int vm = vm_create(devfd);
	bool ok = ioctl_ret(vm, HV_SIGNAL_MSI, (unsigned long)&msi) == -EINVAL;

	ok = ok && !ioctl(vm, HV_CREATE_IRQCHIP, 0);
	msi.flags = 2;
	ok = ok && ioctl_ret(vm, HV_SIGNAL_MSI, (unsigned long)&msi) == -EINVAL;
	close(vm);
	return ok && value == 1;
}

/* The PIT, its state and its reinjection policy (selftests/pit). */
static bool check_pit2(int devfd, int vmfd, long value)
{
	struct hv_pit_config config = { .flags = HV_PIT_SPEAKER_DUMMY };
	struct hv_reinject_control control = { .pit_reinject = 0 };
	struct hv_pit_state2 state;
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_CREATE_IRQCHIP, 0) &&
		  !ioctl(vm, HV_CREATE_PIT2, &config) &&
		  ioctl_ret(vm, HV_CREATE_PIT2, (unsigned long)&config) ==
		  -EEXIST &&
		  !ioctl(vm, HV_GET_PIT2, &state) &&
		  !ioctl(vm, HV_SET_PIT2, &state) &&
		  !ioctl(vm, HV_REINJECT_CONTROL, &control);

	close(vm);
	return ok && value == 1;
}

/* Taken before the first vCPU (selftests/vm_state). */
static bool check_set_identity_map_addr(int devfd, int vmfd, long value)
{
	unsigned long long addr = 0xfeffc000ULL;
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_SET_IDENTITY_MAP_ADDR, &addr);

	close(vm);
	return ok && value == 1;
}

/* KVM_CAP_MAX_VCPU_ID can be enabled, unknown capabilities cannot. */
static bool check_enable_cap_vm(int devfd, int vmfd, long value)
{
	struct hv_enable_cap cap = { .cap = HV_CAP_MAX_VCPU_ID, .args = { 8 } };
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_ENABLE_CAP, &cap) &&
		  ioctl_ret(vm, HV_CREATE_VCPU, 8) == -EINVAL;

	cap.cap = 0xffff;
	ok = ok && ioctl_ret(vm, HV_ENABLE_CAP, (unsigned long)&cap) == -EINVAL;
	close(vm);
	return ok && value == 1;
}

/* KVM_GET_CLOCK's flags are among those announced (selftests/vm_state). */
static bool check_adjust_clock(int devfd, int vmfd, long value)
{
	struct hv_clock_data c = { 0 };
	int vm = vm_create(devfd);
	bool ok = !ioctl(vm, HV_GET_CLOCK, &c) && !(c.flags & ~value) &&
		  !(value & ~(HV_CLOCK_TSC_STABLE | HV_CLOCK_REALTIME |
			      HV_CLOCK_HOST_TSC));

	c.flags = 0;
	ok = ok && !ioctl(vm, HV_SET_CLOCK, &c);
	close(vm);
	return ok;
}

/*
 * GSI routing on a VM without an in-kernel irqchip: the table's size is
 * KVM's, HV_SET_GSI_ROUTING reads its argument (-EFAULT) and refuses
 * any table, even an empty one, with -EINVAL, as KVM does (nothing to
 * route to).
 */
static bool check_irq_routing(int devfd, int vmfd, long value)
{
	struct hv_irq_routing r = { .nr = 0 };
	int vm = vm_create(devfd);
	bool ok = ioctl_ret(vm, HV_SET_GSI_ROUTING, (unsigned long)&r) == -EINVAL &&
		  ioctl_ret(vm, HV_SET_GSI_ROUTING, 8) == -EFAULT;

	r.nr = HV_MAX_IRQ_ROUTES + 1;
	ok = ok && ioctl_ret(vm, HV_SET_GSI_ROUTING, (unsigned long)&r) == -EINVAL;
	close(vm);
	return ok && value == HV_MAX_IRQ_ROUTES;
}

/*
 * Events with a userspace irqchip: HV_NMI and HV_GET/SET_VCPU_EVENTS
 * answer, and the shadow is part of the events (selftests/events
 * delivers them in guests).
 */
static bool check_events(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd), vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	struct hv_vcpu_events e;
	bool ok;

	memset(&e, 0, sizeof(e));
	ok = vcpu >= 0 && !ioctl(vcpu, HV_GET_VCPU_EVENTS, &e) &&
	     (e.flags & HV_VCPUEVENT_VALID_SHADOW) &&
	     !ioctl(vcpu, HV_SET_VCPU_EVENTS, &e) && !ioctl(vcpu, HV_NMI, 0) &&
	     !ioctl(vcpu, HV_GET_VCPU_EVENTS, &e) && e.nmi.pending == 1;
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == 1;
}

/*
 * The feature MSRs: a list, and KVM_GET_MSRS on the device reads them
 * (selftests/msr checks the errnos and the partial counts).
 */
static bool check_get_msr_features(int devfd, int vmfd, long value)
{
	struct {
		struct hv_msr_list l;
		__u32 idx[64];
	} list = { .l.nmsrs = 64 };
	struct {
		struct hv_msrs h;
		struct hv_msr_entry e[64];
	} m = { 0 };
	__u32 i;

	if (ioctl(devfd, HV_GET_MSR_FEATURE_INDEX_LIST, &list) ||
	    !list.l.nmsrs || list.l.nmsrs > 64)
		return false;
	m.h.nmsrs = list.l.nmsrs;
	for (i = 0; i < list.l.nmsrs; i++)
		m.e[i].index = list.idx[i];
	return ioctl(devfd, HV_GET_MSRS, &m) == (int)list.l.nmsrs && value == 1;
}

/*
 * HV_IOEVENTFD: one assigned and removed, with a length and (NO_LENGTH,
 * ANY_LENGTH) without; selftests/ioeventfd runs them in a guest.
 */
static bool check_ioeventfd(int devfd, int vmfd, long value)
{
	struct hv_ioeventfd a = { .addr = 0x700, .len = 2,
				  .flags = HV_IOEVENTFD_FLAG_PIO };
	int vm = vm_create(devfd);
	bool ok;

	a.fd = eventfd(0, 0);
	ok = a.fd >= 0 && !ioctl(vm, HV_IOEVENTFD, &a);
	a.flags |= HV_IOEVENTFD_FLAG_DEASSIGN;
	ok = ok && !ioctl(vm, HV_IOEVENTFD, &a);
	a.len = 0;
	a.flags = 0;
	ok = ok && !ioctl(vm, HV_IOEVENTFD, &a);
	a.flags = HV_IOEVENTFD_FLAG_DEASSIGN;
	ok = ok && !ioctl(vm, HV_IOEVENTFD, &a);
	close(a.fd);
	close(vm);
	return ok && value == 1;
}

/*
 * HV_CAP_MCE: at least QEMU's 10 banks; GET_MCE_CAP_SUPPORTED answers and
 * SETUP_MCE takes as many banks as the value says; selftests/mce raises
 * machine checks in a guest.
 */
static bool check_mce(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	int vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	__u64 sup = 0, cap;
	bool ok;

	ok = !ioctl(devfd, HV_X86_GET_MCE_CAP_SUPPORTED, &sup);
	cap = (sup & (1 << 8)) | value;		/* MCG_CTL_P, all banks */
	ok = ok && vcpu >= 0 && !ioctl(vcpu, HV_X86_SETUP_MCE, &cap);
	cap = (sup & (1 << 8)) | (value + 1);
	ok = ok && ioctl_ret(vcpu, HV_X86_SETUP_MCE, (unsigned long)&cap) == -EINVAL;
	close(vcpu);
	close(vm);
	return ok && value >= 10;
}

/*
 * HV_CAP_X86_USER_SPACE_MSR is enabled with a mask of known reasons, and
 * HV_X86_SET_MSR_FILTER takes a filter and its removal; selftests/
 * msr_filter runs both in a guest.
 */
static bool check_user_space_msr(int devfd, int vmfd, long value)
{
	struct hv_enable_cap cap = { .cap = HV_CAP_X86_USER_SPACE_MSR,
				     .args[0] = HV_MSR_EXIT_REASON_FILTER };
	int vm = vm_create(devfd);
	bool ok;

	ok = !ioctl(vm, HV_ENABLE_CAP, &cap);
	cap.args[0] = 1 << 3;
	ok = ok && ioctl_ret(vm, HV_ENABLE_CAP, (unsigned long)&cap) == -EINVAL;
	close(vm);
	return ok && value == 1;
}

static bool check_msr_filter(int devfd, int vmfd, long value)
{
	__u8 deny = 0;
	struct hv_msr_filter f = {
		.flags = HV_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = HV_MSR_FILTER_READ, .nmsrs = 1,
			       .base = 0xc0000100, .bitmap = &deny },
	};
	int vm = vm_create(devfd);
	bool ok;

	ok = !ioctl(vm, HV_X86_SET_MSR_FILTER, &f);
	memset(&f, 0, sizeof(f));
	ok = ok && !ioctl(vm, HV_X86_SET_MSR_FILTER, &f);
	close(vm);
	return ok && value == 1;
}

/*
 * HV_IRQFD: an eventfd assigned to a GSI of a VM with an irqchip and
 * deassigned (RESAMPLE: with a resamplefd); without the irqchip it is
 * refused.  selftests/irqfd delivers through them in a guest.
 */
static bool check_irqfd_flags(int devfd, __u32 flags, long value)
{
	int vm = vm_create(devfd);
	struct hv_irqfd a = { .gsi = 11, .flags = flags };
	bool ok;

	a.fd = eventfd(0, 0);
	a.resamplefd = eventfd(0, 0);
	ok = (int)a.fd >= 0 && (int)a.resamplefd >= 0 &&
	     ioctl_ret(vm, HV_IRQFD, (unsigned long)&a) == -EINVAL &&
	     !ioctl(vm, HV_CREATE_IRQCHIP, 0) && !ioctl(vm, HV_IRQFD, &a);
	a.flags = HV_IRQFD_FLAG_DEASSIGN;
	ok = ok && !ioctl(vm, HV_IRQFD, &a);
	close(a.fd);
	close(a.resamplefd);
	close(vm);
	return ok && value == 1;
}

static bool check_irqfd(int devfd, int vmfd, long value)
{
	return check_irqfd_flags(devfd, 0, value);
}

static bool check_irqfd_resample(int devfd, int vmfd, long value)
{
	return check_irqfd_flags(devfd, HV_IRQFD_FLAG_RESAMPLE, value);
}

/*
 * HV_REGISTER/UNREGISTER_COALESCED_MMIO: a zone registered and removed,
 * MMIO or (COALESCED_PIO) ports; COALESCED_MMIO's value is the ring's
 * page in the vCPU mmap, inside HV_GET_VCPU_MMAP_SIZE.
 * selftests/coalesced_mmio runs a guest's writes into them.
 */
static bool check_coalesced_zone(int devfd, __u32 pio)
{
	struct hv_coalesced_mmio_zone z = { .addr = 0xc0000000, .size = 0x1000 };
	int vm = vm_create(devfd);
	bool ok;

	z.pio = pio;
	ok = !ioctl(vm, HV_REGISTER_COALESCED_MMIO, &z) &&
	     !ioctl(vm, HV_UNREGISTER_COALESCED_MMIO, &z);
	close(vm);
	return ok;
}

static bool check_coalesced_mmio(int devfd, int vmfd, long value)
{
	long size = ioctl_ret(devfd, HV_GET_VCPU_MMAP_SIZE, 0);
	int vm = vm_create(devfd);
	int vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	bool ok = false;
	void *p;

	if (vcpu >= 0 && value >= 1 && (value + 1) * 4096 <= size) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
			 value * 4096);
		if (p != MAP_FAILED) {
			ok = !((struct hv_coalesced_mmio_ring *)p)->last;
			munmap(p, 4096);
		}
	}
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == HV_COALESCED_MMIO_PAGE_OFFSET &&
	       check_coalesced_zone(devfd, 0);
}

static bool check_coalesced_pio(int devfd, int vmfd, long value)
{
	return value == 1 && check_coalesced_zone(devfd, 1);
}

/*
 * One statistics file (HV_GET_STATS_FD) has KVM's layout: the header, the
 * id, the descriptors and the data where the header says, each
 * descriptor named, typed and inside the data; read-only; read() and
 * pread() agree.
 */
static bool stats_file_ok(int fd, const char *what)
{
	struct hv_stats_header h, h2;
	struct hv_stats_desc *d;
	size_t dsize, data_size = 0;
	char *descs = NULL, *id = NULL;
	__u64 *data = NULL;
	bool ok = false;
	__u32 i, type, unit;

	if (fd < 0) {
		ktap_info("%s: HV_GET_STATS_FD: %s", what, strerror(errno));
		return false;
	}
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    read(fd, &h2, sizeof(h2)) != sizeof(h2) || memcmp(&h, &h2, sizeof(h)) ||
	    write(fd, &h, sizeof(h)) >= 0) {
		ktap_info("%s: header not readable, or the file is writable", what);
		goto out;
	}
	dsize = sizeof(*d) + h.name_size;
	if (!h.name_size || !h.num_desc || h.id_offset < sizeof(h) ||
	    h.desc_offset < h.id_offset + h.name_size ||
	    h.data_offset < h.desc_offset + h.num_desc * dsize) {
		ktap_info("%s: header: name_size %u num_desc %u offsets %u %u %u",
			  what, h.name_size, h.num_desc, h.id_offset,
			  h.desc_offset, h.data_offset);
		goto out;
	}
	id = calloc(1, h.name_size);
	descs = calloc(h.num_desc, dsize);
	if (!id || !descs ||
	    pread(fd, id, h.name_size, h.id_offset) != (ssize_t)h.name_size ||
	    !memchr(id, 0, h.name_size) || !id[0] ||
	    pread(fd, descs, h.num_desc * dsize, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsize)) {
		ktap_info("%s: id or descriptors not readable", what);
		goto out;
	}
	for (i = 0; i < h.num_desc; i++) {
		d = (struct hv_stats_desc *)(descs + i * dsize);
		type = d->flags & HV_STATS_TYPE_MASK;
		unit = d->flags & HV_STATS_UNIT_MASK;
		if (!d->size || d->offset % 8 || !d->name[0] ||
		    !memchr(d->name, 0, h.name_size) ||
		    type > HV_STATS_TYPE_LOG_HIST || unit > HV_STATS_UNIT_BOOLEAN) {
			ktap_info("%s: descriptor %u (%.*s) invalid", what, i,
				  (int)h.name_size, d->name);
			goto out;
		}
		if (d->offset + d->size * 8 > data_size)
			data_size = d->offset + d->size * 8;
	}
	data = malloc(data_size);
	if (!data || pread(fd, data, data_size, h.data_offset) != (ssize_t)data_size) {
		ktap_info("%s: %zu bytes of data not readable", what, data_size);
		goto out;
	}
	ok = true;
out:
	free(id);
	free(descs);
	free(data);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* KVM_GET_STATS_FD on a VM and on a vCPU: files in KVM's binary layout. */
static bool check_binary_stats(int devfd, int vmfd, long value)
{
	int vm = vm_create(devfd);
	int vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	bool ok = vcpu >= 0 &&
		  stats_file_ok(ioctl(vm, HV_GET_STATS_FD, 0), "VM") &&
		  stats_file_ok(ioctl(vcpu, HV_GET_STATS_FD, 0), "vCPU");

	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	return ok && value == 1;
}

/*
 * KVM_CAP_TSC_DEADLINE_TIMER: a VMM may give the guest CPUID.1:ECX[24]
 * (QEMU does, with the in-kernel irqchip); the LAPIC then takes the
 * TSC-deadline timer mode and IA32_TSC_DEADLINE holds a deadline, here
 * set from the host (SET_LAPIC, SET/GET_MSRS).  selftests/lapic_timer
 * runs the mode in a guest against the host clock.
 */
static bool check_tsc_deadline_timer(int devfd, int vmfd, long value)
{
	size_t size = sizeof(struct hv_cpuid2) + 256 * sizeof(struct hv_cpuid_entry2);
	struct {
		struct hv_msrs h;
		struct hv_msr_entry e;
	} m = { .h.nmsrs = 1, .e = { .index = 0x10 } };	/* IA32_TSC */
	struct hv_cpuid2 *c = calloc(1, size);
	struct hv_lapic_state *lapic = calloc(1, sizeof(*lapic));
	int vm = vm_create(devfd), vcpu = -1;
	bool ok = c && lapic && !ioctl(vm, HV_CREATE_IRQCHIP, 0);
	__u32 i, lvtt = 0x10000 | (2u << 17);	/* masked, TSC deadline */
	__u64 deadline;

	if (ok)
		vcpu = ioctl(vm, HV_CREATE_VCPU, 0);
	if (ok && vcpu >= 0) {
		c->nent = 256;
		ok = !ioctl(devfd, HV_GET_SUPPORTED_CPUID, c);
		for (i = 0; ok && i < c->nent; i++)
			if (c->entries[i].function == 1)
				c->entries[i].ecx |= 1u << 24;
		ok = ok && !ioctl(vcpu, HV_SET_CPUID2, c) &&
		     !ioctl(vcpu, HV_GET_LAPIC, lapic);
		memcpy(&lapic->regs[0x320], &lvtt, 4);
		/* 100 s of the guest's TSC ahead: it stays armed. */
		ok = ok && !ioctl(vcpu, HV_SET_LAPIC, lapic) &&
		     ioctl(vcpu, HV_GET_MSRS, &m) == 1;
		deadline = m.e.data + 100000ULL * ioctl(vcpu, HV_GET_TSC_KHZ, 0);
		m.e.index = 0x6e0;	/* IA32_TSC_DEADLINE */
		m.e.data = deadline;
		ok = ok && ioctl(vcpu, HV_SET_MSRS, &m) == 1;
		m.e.data = 0;
		ok = ok && ioctl(vcpu, HV_GET_MSRS, &m) == 1 &&
		     m.e.data == deadline;
	} else {
		ok = false;
	}
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	free(c);
	free(lapic);
	return ok && value == 1;
}

static const struct cap_check cap_checks[] = {
	{ HV_CAP_USER_MEMORY, "USER_MEMORY", check_user_memory },
	{ HV_CAP_EXT_CPUID, "EXT_CPUID", check_ext_cpuid },
	{ HV_CAP_NR_VCPUS, "NR_VCPUS", check_nr_vcpus },
	{ HV_CAP_NR_MEMSLOTS, "NR_MEMSLOTS", check_nr_memslots },
	{ HV_CAP_SYNC_MMU, "SYNC_MMU", check_sync_mmu },
	{ HV_CAP_DESTROY_MEMORY_REGION_WORKS, "DESTROY_MEMORY_REGION_WORKS",
	  check_destroy_region },
	{ HV_CAP_JOIN_MEMORY_REGIONS_WORKS, "JOIN_MEMORY_REGIONS_WORKS",
	  check_join_regions },
	{ HV_CAP_XCRS, "XCRS", check_xcrs },
	{ HV_CAP_MAX_VCPUS, "MAX_VCPUS", check_max_vcpus },
	{ HV_CAP_READONLY_MEM, "READONLY_MEM", check_readonly_mem },
	{ HV_CAP_CHECK_EXTENSION_VM, "CHECK_EXTENSION_VM", check_extension_vm },
	{ HV_CAP_MAX_VCPU_ID, "MAX_VCPU_ID", check_max_vcpu_id },
	{ HV_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT", check_immediate_exit },
	{ HV_CAP_XSAVE, "XSAVE", check_xsave },
	{ HV_CAP_XSAVE2, "XSAVE2", check_xsave2 },
	{ HV_CAP_DEBUGREGS, "DEBUGREGS", check_debugregs },
	{ HV_CAP_MP_STATE, "MP_STATE", check_mp_state },
	{ HV_CAP_GET_TSC_KHZ, "GET_TSC_KHZ", check_get_tsc_khz },
	{ HV_CAP_SET_TSS_ADDR, "SET_TSS_ADDR", check_set_tss_addr },
	{ HV_CAP_IRQCHIP, "IRQCHIP", check_irqchip },
	{ HV_CAP_HLT, "HLT", check_irqchip },	/* HLT in the kernel with it */
	{ HV_CAP_IRQ_INJECT_STATUS, "IRQ_INJECT_STATUS",
	  check_irq_inject_status },
	{ HV_CAP_SET_BOOT_CPU_ID, "SET_BOOT_CPU_ID", check_set_boot_cpu_id },
	{ HV_CAP_SIGNAL_MSI, "SIGNAL_MSI", check_signal_msi },
	{ HV_CAP_PIT2, "PIT2", check_pit2 },
	{ HV_CAP_PIT_STATE2, "PIT_STATE2", check_pit2 },
	{ HV_CAP_REINJECT_CONTROL, "REINJECT_CONTROL", check_pit2 },
	{ HV_CAP_MMU_SHADOW_CACHE_CONTROL, "MMU_SHADOW_CACHE_CONTROL",
	  check_mmu_shadow_cache_control },
	{ HV_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR",
	  check_set_identity_map_addr },
	{ HV_CAP_ENABLE_CAP_VM, "ENABLE_CAP_VM", check_enable_cap_vm },
	{ HV_CAP_ADJUST_CLOCK, "ADJUST_CLOCK", check_adjust_clock },
	{ HV_CAP_IRQ_ROUTING, "IRQ_ROUTING", check_irq_routing },
	{ HV_CAP_IOEVENTFD, "IOEVENTFD", check_ioeventfd },
	{ HV_CAP_IOEVENTFD_NO_LENGTH, "IOEVENTFD_NO_LENGTH", check_ioeventfd },
	{ HV_CAP_IOEVENTFD_ANY_LENGTH, "IOEVENTFD_ANY_LENGTH", check_ioeventfd },
	{ HV_CAP_IRQFD, "IRQFD", check_irqfd },
	{ HV_CAP_IRQFD_RESAMPLE, "IRQFD_RESAMPLE", check_irqfd_resample },
	{ HV_CAP_COALESCED_MMIO, "COALESCED_MMIO", check_coalesced_mmio },
	{ HV_CAP_COALESCED_PIO, "COALESCED_PIO", check_coalesced_pio },
	{ HV_CAP_USER_NMI, "USER_NMI", check_events },
	{ HV_CAP_VCPU_EVENTS, "VCPU_EVENTS", check_events },
	{ HV_CAP_INTR_SHADOW, "INTR_SHADOW", check_events },
	{ HV_CAP_GET_MSR_FEATURES, "GET_MSR_FEATURES", check_get_msr_features },
	{ HV_CAP_BINARY_STATS_FD, "BINARY_STATS_FD", check_binary_stats },
	{ HV_CAP_MCE, "MCE", check_mce },
	{ HV_CAP_X86_USER_SPACE_MSR, "X86_USER_SPACE_MSR", check_user_space_msr },
	{ HV_CAP_X86_MSR_FILTER, "X86_MSR_FILTER", check_msr_filter },
	{ HV_CAP_TSC_DEADLINE_TIMER, "TSC_DEADLINE_TIMER",
	  check_tsc_deadline_timer },
};

static const struct cap_check *find_check(int cap)
{
	size_t i;

	for (i = 0; i < sizeof(cap_checks) / sizeof(cap_checks[0]); i++)
		if (cap_checks[i].cap == cap)
			return &cap_checks[i];
	return NULL;
}

int main(int argc, char **argv)
{
	int devfd, vmfd, cap, unknown = 0;
	size_t i;
	long r;

	ktap_begin(argc, argv);
	devfd = dev_open();
	vmfd = vm_create(devfd);

	for (cap = 0; cap < CAP_MAX; cap++) {
		r = ioctl_ret(devfd, HV_CHECK_EXTENSION, cap);
		if (r < 0) {
			ktap_result(false, "CHECK_EXTENSION(%d) failed: %ld", cap, r);
			continue;
		}
		if (r && !find_check(cap)) {
			if (dev_is_kvm())
				continue;
			ktap_info("capability %d reported (%ld) but not known to be implemented",
				  cap, r);
			unknown++;
		}
	}
	if (dev_is_kvm())
		ktap_skip("only implemented capabilities are reported", "the reference reports its own set");
	else
		ktap_result(!unknown, "only implemented capabilities are reported (%d unknown)",
			    unknown);

	for (i = 0; i < sizeof(cap_checks) / sizeof(cap_checks[0]); i++) {
		const struct cap_check *c = &cap_checks[i];

		r = ioctl_ret(devfd, HV_CHECK_EXTENSION, c->cap);
		if (r <= 0) {
			ktap_skip(c->name, "not reported");
			continue;
		}
		ktap_result(c->check(devfd, vmfd, r), "%s (%d) = %ld behaves as promised",
			    c->name, c->cap, r);
	}

	/* A backend that cannot run guests yet refuses vCPUs outright. */
	if (!ioctl_ret(devfd, HV_CHECK_EXTENSION, HV_CAP_MAX_VCPUS)) {
		r = ioctl_ret(vmfd, HV_CREATE_VCPU, 0);
		ktap_result(r == -EOPNOTSUPP,
			    "MAX_VCPUS is 0: CREATE_VCPU is -EOPNOTSUPP (got %ld)", r);
	}

	r = ioctl_ret(devfd, HV_CHECK_EXTENSION, -1UL);
	ktap_result(r == 0, "CHECK_EXTENSION(-1) is 0 (got %ld)", r);
	r = ioctl_ret(devfd, HV_CHECK_EXTENSION, 1UL << 40);
	ktap_result(r == 0, "CHECK_EXTENSION(1<<40) is 0 (got %ld)", r);

	close(vmfd);
	close(devfd);
	ktap_end();
}
