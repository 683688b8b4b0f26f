// SPDX-License-Identifier: GPL-2.0
/*
 * qemu-check: does a device with KVM's ABI offer what Debian 12's QEMU 7.2
 * needs to run a guest with
 *
 *     qemu-system-x86_64 -accel kvm -machine kernel-irqchip=off
 *
 * with its default CPU model (qemu64) and one vCPU?  Documentation/qemu.md
 * lists those requirements, read from QEMU's source; this program goes
 * through them in the order QEMU does, on a VM of its own, and issues each
 * ioctl the way QEMU issues it (the same arguments, the same MSR list).
 *
 * Usage: qemu-check [--dev PATH]      (default /dev/hv)
 *        qemu-check --ioctl-names     the ioctl numbers QEMU uses, "0xNN NAME"
 *
 * Output is KTAP. Exit status:
 *   0  everything QEMU requires is there and behaves;
 *   4  something QEMU requires is missing: a capability it checks reads 0,
 *      an ioctl answers ENOTTY (or ENOSYS/EOPNOTSUPP), an MSR it saves is
 *      refused, or the userspace-irqchip protocol (the interrupt window,
 *      the run structure's fields) does not happen while KVM_INTERRUPT
 *      does not exist either; every missing item is named on a
 *      "# missing:" line and in the summary;
 *   1  the device answered wrongly for something it offers (broken, not
 *      missing: e.g. KVM_INTERRUPT exists but the interrupt is not
 *      delivered), or could not be opened at all.
 *
 * It uses <linux/kvm.h>, the header QEMU itself is built against, and not
 * uapi/linux/hv.h: what matters here is the ABI QEMU sees.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <asm/kvm_para.h>
#include <linux/kvm.h>

/* ------------------------------------------------------------------ */
/* KTAP and the verdict */

static int ntests;
static int nbroken;
static char missing_list[4096];

static void vsay(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	printf("%s %d ", prefix, ++ntests);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
	fflush(stdout);
}

static void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("ok", "", fmt, ap);
	va_end(ap);
}

/*
 * Something QEMU needs that the device does not offer: @item names it in
 * the summary.
 */
static void missing(const char *item, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void missing(const char *item, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(missing_list);

	va_start(ap, fmt);
	vsay("ok", " # SKIP missing", fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", __func__, item);
	if (!strstr(missing_list, item) && len + strlen(item) + 3 < sizeof(missing_list))
		snprintf(missing_list + len, sizeof(missing_list) - len, "%s%s",
			 len ? ", " : "", item);
}

/* Something the device offers that does not behave as QEMU expects. */
static void broken(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void broken(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("not ok", "", fmt, ap);
	va_end(ap);
	nbroken++;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void __attribute__((noreturn)) finish(void)
{
	printf("1..%d\n", ntests);
	if (nbroken)
		printf("# %d broken (see \"not ok\" above)\n", nbroken);
	if (missing_list[0])
		printf("# QEMU 7.2 (kernel-irqchip=off) needs, and the device lacks: %s\n",
		       missing_list);
	else if (!nbroken)
		printf("# everything QEMU 7.2 (kernel-irqchip=off) checks for is there\n");
	fflush(stdout);
	exit(nbroken ? 1 : missing_list[0] ? 4 : 0);
}

/* ------------------------------------------------------------------ */
/* ioctls */

static long xioctl(int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

/* An ioctl that does not exist, as opposed to one that failed. */
static bool absent(long r)
{
	return r == -ENOTTY || r == -ENOSYS || r == -EOPNOTSUPP;
}

/*
 * Report the result of an ioctl QEMU needs: missing (ENOTTY...), broken
 * (another error) or passed. Returns true when it succeeded.
 */
static bool need(long r, const char *name, const char *what)
{
	if (r >= 0) {
		pass("%s: %s", name, what);
		return true;
	}
	if (absent(r))
		missing(name, "%s: %s (%s)", name, what, strerror(-r));
	else
		broken("%s: %s: %s", name, what, strerror(-r));
	return false;
}

static int devfd, vmfd, vcpufd;
static struct kvm_run *run;

/* ------------------------------------------------------------------ */
/* Capabilities: every one QEMU 7.2 queries in this configuration */

struct cap {
	const char *name;
	long nr;
	bool vm;	/* QEMU asks the VM fd (kvm_vm_check_extension) */
	long val;
};

#define CAP(x) { #x, KVM_CAP_##x, false, 0 }
#define VMCAP(x) { #x, KVM_CAP_##x, true, 0 }
static struct cap caps[] = {
	CAP(IMMEDIATE_EXIT), CAP(NR_MEMSLOTS), CAP(MULTI_ADDRESS_SPACE),
	VMCAP(NR_VCPUS), CAP(MAX_VCPUS), CAP(MAX_VCPU_ID),
	CAP(USER_MEMORY), CAP(DESTROY_MEMORY_REGION_WORKS),
	CAP(JOIN_MEMORY_REGIONS_WORKS), CAP(SET_TSS_ADDR), CAP(EXT_CPUID),
	CAP(MP_STATE), CAP(COALESCED_MMIO), CAP(COALESCED_PIO),
	CAP(MANUAL_DIRTY_LOG_PROTECT2), CAP(VCPU_EVENTS),
	CAP(X86_ROBUST_SINGLESTEP), CAP(DEBUGREGS), CAP(NESTED_STATE),
	CAP(SIGNAL_MSI), CAP(PCI_2_3), CAP(IRQ_INJECT_STATUS), CAP(READONLY_MEM),
	CAP(IOEVENTFD), CAP(IRQFD), CAP(IRQFD_RESAMPLE), CAP(VM_ATTRIBUTES),
	CAP(IOEVENTFD_ANY_LENGTH), CAP(SET_GUEST_DEBUG), CAP(IRQ_ROUTING),
	CAP(XSAVE), CAP(XCRS), CAP(PIT_STATE2), CAP(SREGS2), CAP(HYPERV_VP_INDEX),
	CAP(EXCEPTION_PAYLOAD), CAP(X86_TRIPLE_FAULT_EVENT), CAP(GET_MSR_FEATURES),
	CAP(SET_IDENTITY_MAP_ADDR), CAP(X86_SMM), CAP(X86_NOTIFY_VMEXIT),
	VMCAP(X86_USER_SPACE_MSR), VMCAP(SYNC_MMU), CAP(BINARY_STATS_FD),
	CAP(HYPERV), CAP(SYS_ATTRIBUTES), CAP(MCE), CAP(XSAVE2), CAP(GET_TSC_KHZ),
	CAP(TSC_CONTROL), CAP(ADJUST_CLOCK), CAP(KVMCLOCK_CTRL),
	CAP(TSC_DEADLINE_TIMER), CAP(INTERNAL_ERROR_DATA), CAP(IRQCHIP),
};

static long cap(long nr)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (caps[i].nr == nr)
			return caps[i].val;
	abort();
}

static void read_caps(void)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		long r = -1;

		/* kvm_vm_check_extension() falls back to the system fd. */
		if (caps[i].vm)
			r = xioctl(vmfd, KVM_CHECK_EXTENSION, (void *)caps[i].nr);
		if (r < 0)
			r = xioctl(devfd, KVM_CHECK_EXTENSION, (void *)caps[i].nr);
		caps[i].val = r < 0 ? 0 : r;
	}
	printf("# capabilities:");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (caps[i].val)
			printf(" %s=%ld", caps[i].name, caps[i].val);
	printf("\n");
}

/* ------------------------------------------------------------------ */
/* MSRs */

#define MSR_IA32_TSC			0x10
#define MSR_IA32_ARCH_CAPABILITIES	0x10a
#define MSR_IA32_CORE_CAPABILITY	0xcf
#define MSR_IA32_UCODE_REV		0x8b
#define MSR_IA32_SYSENTER_CS		0x174
#define MSR_IA32_SYSENTER_ESP		0x175
#define MSR_IA32_SYSENTER_EIP		0x176
#define MSR_MCG_STATUS			0x17a
#define MSR_MCG_CTL			0x17b
#define MSR_IA32_MISC_ENABLE		0x1a0
#define MSR_MTRR_PHYS_BASE0		0x200
#define MSR_MTRR_FIX64K_00000		0x250
#define MSR_MTRR_FIX16K_80000		0x258
#define MSR_MTRR_FIX16K_A0000		0x259
#define MSR_MTRR_FIX4K_C0000		0x268
#define MSR_PAT				0x277
#define MSR_MTRR_DEF_TYPE		0x2ff
#define MSR_MC0_CTL			0x400
#define MSR_IA32_TSC_ADJUST		0x3b
#define MSR_IA32_SPEC_CTRL		0x48
#define MSR_IA32_SMBASE			0x9e
#define MSR_SMI_COUNT			0x34
#define MSR_IA32_UMWAIT_CONTROL		0xe1
#define MSR_IA32_TSX_CTRL		0x122
#define MSR_IA32_PKRS			0x6e1
#define MSR_IA32_TSCDEADLINE		0x6e0
#define MSR_IA32_BNDCFGS		0xd90
#define MSR_IA32_XSS			0xda0
#define MSR_IA32_PERF_CAPABILITIES	0x345
#define MSR_EFER			0xc0000080
#define MSR_STAR			0xc0000081
#define MSR_LSTAR			0xc0000082
#define MSR_CSTAR			0xc0000083
#define MSR_FMASK			0xc0000084
#define MSR_KERNELGSBASE		0xc0000102
#define MSR_TSC_AUX			0xc0000103
#define MSR_AMD64_TSC_RATIO		0xc0000104
#define MSR_VM_HSAVE_PA			0xc0010117
#define MSR_VIRT_SSBD			0xc001011f

#define MCG_CTL_P	(1ULL << 8)
#define MCG_SER_P	(1ULL << 24)
#define MCE_BANKS_DEF	10	/* QEMU's MCE_BANKS_DEF */

static const struct { uint32_t index; const char *name; } msr_names[] = {
	{ MSR_IA32_TSC, "TSC" }, { MSR_IA32_SYSENTER_CS, "SYSENTER_CS" },
	{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP" },
	{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP" }, { MSR_PAT, "PAT" },
	{ MSR_STAR, "STAR" }, { MSR_LSTAR, "LSTAR" }, { MSR_CSTAR, "CSTAR" },
	{ MSR_FMASK, "FMASK" }, { MSR_KERNELGSBASE, "KERNEL_GS_BASE" },
	{ MSR_TSC_AUX, "TSC_AUX" }, { MSR_VM_HSAVE_PA, "VM_HSAVE_PA" },
	{ MSR_IA32_TSC_ADJUST, "TSC_ADJUST" }, { MSR_IA32_MISC_ENABLE, "MISC_ENABLE" },
	{ MSR_IA32_SMBASE, "SMBASE" }, { MSR_SMI_COUNT, "SMI_COUNT" },
	{ MSR_IA32_PKRS, "PKRS" }, { MSR_IA32_BNDCFGS, "BNDCFGS" },
	{ MSR_IA32_XSS, "XSS" }, { MSR_IA32_UMWAIT_CONTROL, "UMWAIT_CONTROL" },
	{ MSR_IA32_SPEC_CTRL, "SPEC_CTRL" }, { MSR_AMD64_TSC_RATIO, "TSC_RATIO" },
	{ MSR_IA32_TSX_CTRL, "TSX_CTRL" }, { MSR_VIRT_SSBD, "VIRT_SSBD" },
	{ MSR_IA32_TSCDEADLINE, "TSC_DEADLINE" },
	{ MSR_IA32_ARCH_CAPABILITIES, "ARCH_CAPABILITIES" },
	{ MSR_IA32_CORE_CAPABILITY, "CORE_CAPABILITY" },
	{ MSR_IA32_UCODE_REV, "UCODE_REV" },
	{ MSR_IA32_PERF_CAPABILITIES, "PERF_CAPABILITIES" },
	{ MSR_KVM_SYSTEM_TIME, "KVM_SYSTEM_TIME" },
	{ MSR_KVM_WALL_CLOCK, "KVM_WALL_CLOCK" },
	{ MSR_KVM_ASYNC_PF_EN, "KVM_ASYNC_PF_EN" },
	{ MSR_KVM_STEAL_TIME, "KVM_STEAL_TIME" },
	{ MSR_KVM_PV_EOI_EN, "KVM_PV_EOI_EN" },
	{ MSR_MTRR_DEF_TYPE, "MTRRdefType" }, { MSR_MTRR_FIX64K_00000, "MTRRfix64K_00000" },
	{ MSR_MTRR_FIX16K_80000, "MTRRfix16K_80000" },
	{ MSR_MTRR_FIX16K_A0000, "MTRRfix16K_A0000" },
	{ MSR_MCG_STATUS, "MCG_STATUS" }, { MSR_MCG_CTL, "MCG_CTL" },
};

static const char *msr_name(uint32_t index)
{
	static const char *const mc_regs[] = { "CTL", "STATUS", "ADDR", "MISC" };
	static char buf[32];

	for (size_t i = 0; i < sizeof(msr_names) / sizeof(msr_names[0]); i++)
		if (msr_names[i].index == index)
			return msr_names[i].name;
	if (index >= MSR_MTRR_FIX4K_C0000 && index < MSR_MTRR_FIX4K_C0000 + 8)
		snprintf(buf, sizeof(buf), "MTRRfix4K_%X",
			 0xc0000 + (index - MSR_MTRR_FIX4K_C0000) * 0x8000);
	else if (index >= MSR_MTRR_PHYS_BASE0 && index < MSR_MTRR_PHYS_BASE0 + 16)
		snprintf(buf, sizeof(buf), "MTRRphys%s%u", index & 1 ? "Mask" : "Base",
			 (index - MSR_MTRR_PHYS_BASE0) / 2);
	else if (index >= MSR_MC0_CTL && index < MSR_MC0_CTL + 4 * 32)
		snprintf(buf, sizeof(buf), "MC%u_%s", (index - MSR_MC0_CTL) / 4,
			 mc_regs[index & 3]);
	else
		snprintf(buf, sizeof(buf), "MSR");
	return buf;
}

#define MAX_MSRS 512
struct msrs {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[MAX_MSRS];
};

static struct kvm_msr_list *index_list;	/* KVM_GET_MSR_INDEX_LIST */

static bool listed(uint32_t index)
{
	for (uint32_t i = 0; index_list && i < index_list->nmsrs; i++)
		if (index_list->indices[i] == index)
			return true;
	return false;
}

static void add(struct msrs *m, uint32_t index, uint64_t data)
{
	if (m->hdr.nmsrs >= MAX_MSRS)
		abort();
	m->e[m->hdr.nmsrs].index = index;
	m->e[m->hdr.nmsrs].reserved = 0;
	m->e[m->hdr.nmsrs].data = data;
	m->hdr.nmsrs++;
}

static uint32_t feat_kvm;	/* the guest's CPUID 0x40000001.EAX (QEMU's FEAT_KVM) */
static uint64_t mcg_cap;	/* QEMU's env->mcg_cap */

/*
 * The MSRs kvm_put_msrs() writes at KVM_PUT_RESET_STATE (and FULL), with
 * the values a reset gives them (x86_cpu_reset_hold(), mce_init()), for
 * the qemu64 model: its CPUID has MTRR, MCE and MCA (QEMU forces them in
 * whatever GET_SUPPORTED_CPUID says) and no RDTSCP, PMU, VMX/SVM (svm=off
 * under KVM), Intel PT, SGX, XFD or arch LBR; no Hyper-V enlightenment.
 */
static void put_list(struct msrs *m)
{
	m->hdr.nmsrs = 0;
	add(m, MSR_IA32_SYSENTER_CS, 0);
	add(m, MSR_IA32_SYSENTER_ESP, 0);
	add(m, MSR_IA32_SYSENTER_EIP, 0);
	add(m, MSR_PAT, 0x0007040600070406ULL);
	if (listed(MSR_STAR))
		add(m, MSR_STAR, 0);
	if (listed(MSR_VM_HSAVE_PA))
		add(m, MSR_VM_HSAVE_PA, 0);
	/* TSC_AUX only with RDTSCP in the guest's CPUID: not qemu64's. */
	if (listed(MSR_IA32_TSC_ADJUST))
		add(m, MSR_IA32_TSC_ADJUST, 0);
	if (listed(MSR_IA32_MISC_ENABLE))
		add(m, MSR_IA32_MISC_ENABLE, 1);	/* MSR_IA32_MISC_ENABLE_DEFAULT */
	if (listed(MSR_IA32_SMBASE))
		add(m, MSR_IA32_SMBASE, 0x30000);
	if (listed(MSR_SMI_COUNT))
		add(m, MSR_SMI_COUNT, 0);
	if (listed(MSR_IA32_PKRS))
		add(m, MSR_IA32_PKRS, 0);
	if (listed(MSR_IA32_BNDCFGS))
		add(m, MSR_IA32_BNDCFGS, 0);
	if (listed(MSR_IA32_XSS))
		add(m, MSR_IA32_XSS, 0);
	if (listed(MSR_IA32_UMWAIT_CONTROL))
		add(m, MSR_IA32_UMWAIT_CONTROL, 0);
	if (listed(MSR_IA32_SPEC_CTRL))
		add(m, MSR_IA32_SPEC_CTRL, 0);
	if (listed(MSR_AMD64_TSC_RATIO))
		add(m, MSR_AMD64_TSC_RATIO, 1ULL << 32);	/* MSR_AMD64_TSC_RATIO_DEFAULT */
	if (listed(MSR_IA32_TSX_CTRL))
		add(m, MSR_IA32_TSX_CTRL, 0);
	if (listed(MSR_VIRT_SSBD))
		add(m, MSR_VIRT_SSBD, 0);
	/* lm_capable_kernel: an x86_64 host. */
	add(m, MSR_CSTAR, 0);
	add(m, MSR_KERNELGSBASE, 0);
	add(m, MSR_FMASK, 0);
	add(m, MSR_LSTAR, 0);
	/* level >= KVM_PUT_RESET_STATE */
	add(m, MSR_IA32_TSC, 0);
	add(m, MSR_KVM_SYSTEM_TIME, 0);		/* unconditionally */
	add(m, MSR_KVM_WALL_CLOCK, 0);		/* unconditionally */
	if (feat_kvm & (1u << KVM_FEATURE_ASYNC_PF))
		add(m, MSR_KVM_ASYNC_PF_EN, 0);
	if (feat_kvm & (1u << KVM_FEATURE_PV_EOI))
		add(m, MSR_KVM_PV_EOI_EN, 0);
	if (feat_kvm & (1u << KVM_FEATURE_STEAL_TIME))
		add(m, MSR_KVM_STEAL_TIME, 0);
	/* CPUID_MTRR: MTRRdefType, 11 fixed-range MTRRs, 8 variable pairs. */
	add(m, MSR_MTRR_DEF_TYPE, 0);
	add(m, MSR_MTRR_FIX64K_00000, 0);
	add(m, MSR_MTRR_FIX16K_80000, 0);
	add(m, MSR_MTRR_FIX16K_A0000, 0);
	for (int i = 0; i < 8; i++)
		add(m, MSR_MTRR_FIX4K_C0000 + i, 0);
	for (int i = 0; i < 8; i++) {
		add(m, MSR_MTRR_PHYS_BASE0 + 2 * i, 0);
		add(m, MSR_MTRR_PHYS_BASE0 + 2 * i + 1, 0);
	}
	/* env->mcg_cap: MCG_STATUS, MCG_CTL, 4 MSRs per bank. */
	add(m, MSR_MCG_STATUS, 0);
	add(m, MSR_MCG_CTL, ~0ULL);
	for (unsigned int i = 0; i < (mcg_cap & 0xff) * 4; i++)
		add(m, MSR_MC0_CTL + i, (i & 3) == 0 ? ~0ULL : 0);
}

/*
 * kvm_get_msrs(): the same, plus TSC_DEADLINE when listed (and
 * FEATURE_CONTROL with VMX, SMX, SGX or LMCE: not qemu64).
 */
static void get_list(struct msrs *m)
{
	put_list(m);
	if (listed(MSR_IA32_TSCDEADLINE))
		add(m, MSR_IA32_TSCDEADLINE, 0);
}

/*
 * Issue KVM_SET_MSRS or KVM_GET_MSRS with @m as QEMU does (one call, whose
 * return value QEMU asserts equals the count); when it stops short, go on
 * from the entry after the refused one, so that every refused MSR is
 * named. Returns how many were refused, or -errno if the ioctl itself
 * failed.
 */
static long apply_msrs(int fd, unsigned long req, struct msrs *m, const char *what)
{
	static struct msrs part;
	uint32_t n = m->hdr.nmsrs, done = 0;
	long r, refused = 0;
	char item[64];

	r = xioctl(fd, req, m);
	if (r < 0)
		return r;
	if (r == n)
		return 0;
	while (done < n) {
		part.hdr.nmsrs = n - done;
		memcpy(part.e, &m->e[done], (n - done) * sizeof(part.e[0]));
		r = xioctl(fd, req, &part);
		if (r < 0)
			return r;
		memcpy(&m->e[done], part.e, r * sizeof(part.e[0]));
		if (r == (long)(n - done))
			break;
		snprintf(item, sizeof(item), "MSR 0x%x (%s)", m->e[done + r].index,
			 msr_name(m->e[done + r].index));
		missing(item, "%s: MSR 0x%x (%s) refused", what, m->e[done + r].index,
			msr_name(m->e[done + r].index));
		refused++;
		done += r + 1;
	}
	return refused;
}

/* ------------------------------------------------------------------ */
/* System and VM setup: kvm_init(), kvm_arch_init(), CPU realize */

static struct kvm_cpuid2 *supported;

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; c && i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/*
 * get_supported_cpuid(): start at 1 entry and double while E2BIG (or
 * while the table fills the buffer).
 */
static struct kvm_cpuid2 *get_supported_cpuid(void)
{
	for (int max = 1; max <= 4096; max *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));
		long r;

		c->nent = max;
		r = xioctl(devfd, KVM_GET_SUPPORTED_CPUID, c);
		if (r == 0 && c->nent >= (uint32_t)max)
			r = -E2BIG;
		if (r == 0)
			return c;
		free(c);
		if (r != -E2BIG) {
			need(r, "KVM_GET_SUPPORTED_CPUID", "QEMU exits on any error but E2BIG");
			return NULL;
		}
	}
	broken("KVM_GET_SUPPORTED_CPUID: E2BIG up to 4096 entries");
	return NULL;
}

static bool check_vm(void)
{
	long r;

	r = xioctl(devfd, KVM_GET_API_VERSION, NULL);
	if (r != KVM_API_VERSION) {
		broken("KVM_GET_API_VERSION is %d (got %ld): QEMU stops", KVM_API_VERSION, r);
		return false;
	}
	pass("KVM_GET_API_VERSION is %d", KVM_API_VERSION);

	do
		r = xioctl(devfd, KVM_CREATE_VM, (void *)0);
	while (r == -EINTR);
	if (!need(r, "KVM_CREATE_VM", "type 0"))
		return false;
	vmfd = r;
	read_caps();

	/*
	 * kvm_required_capabilites[], then kvm_arch_required_capabilities[]:
	 * "kvm does not support %s", and QEMU stops.
	 */
	static const long required[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_DESTROY_MEMORY_REGION_WORKS,
		KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, KVM_CAP_SET_TSS_ADDR,
		KVM_CAP_EXT_CPUID, KVM_CAP_MP_STATE,
		/* kvm_arch_init(), even with kernel-irqchip=off */
		KVM_CAP_IRQ_ROUTING,
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *name = "?";
		char item[64];

		for (size_t j = 0; j < sizeof(caps) / sizeof(caps[0]); j++)
			if (caps[j].nr == required[i])
				name = caps[j].name;
		snprintf(item, sizeof(item), "KVM_CAP_%s", name);
		if (cap(required[i]))
			pass("%s reported (QEMU stops without it)", item);
		else
			missing(item, "%s reported (QEMU stops without it)", item);
	}
	if (!cap(KVM_CAP_IMMEDIATE_EXIT))
		note("no KVM_CAP_IMMEDIATE_EXIT: QEMU kicks vCPUs with KVM_SET_SIGNAL_MASK");
	return true;
}

static void check_arch_init(void)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_enable_cap en;
	uint64_t base = 0xfffbc000;
	long r;

	/*
	 * Capabilities QEMU enables when they are reported: it stops if
	 * enabling one fails.
	 */
	if (cap(KVM_CAP_EXCEPTION_PAYLOAD)) {
		en = (struct kvm_enable_cap){ .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args[0] = 1 };
		need(xioctl(vmfd, KVM_ENABLE_CAP, &en), "KVM_ENABLE_CAP(EXCEPTION_PAYLOAD)",
		     "reported, so QEMU enables it");
	}
	if (cap(KVM_CAP_X86_TRIPLE_FAULT_EVENT)) {
		en = (struct kvm_enable_cap){ .cap = KVM_CAP_X86_TRIPLE_FAULT_EVENT, .args[0] = 1 };
		need(xioctl(vmfd, KVM_ENABLE_CAP, &en), "KVM_ENABLE_CAP(X86_TRIPLE_FAULT_EVENT)",
		     "reported, so QEMU enables it");
	}

	/* kvm_get_supported_msrs(): a failure other than E2BIG stops QEMU. */
	r = xioctl(devfd, KVM_GET_MSR_INDEX_LIST, &probe);
	if (r < 0 && r != -E2BIG) {
		need(r, "KVM_GET_MSR_INDEX_LIST", "QEMU stops unless it answers 0 or E2BIG");
	} else {
		index_list = calloc(1, sizeof(*index_list) +
				       (probe.nmsrs + 1024) * sizeof(index_list->indices[0]));
		index_list->nmsrs = probe.nmsrs;
		r = xioctl(devfd, KVM_GET_MSR_INDEX_LIST, index_list);
		if (need(r, "KVM_GET_MSR_INDEX_LIST", "the MSRs to save and restore")) {
			printf("# MSR index list (%u):", index_list->nmsrs);
			for (uint32_t i = 0; i < index_list->nmsrs; i++)
				printf(" %#x", index_list->indices[i]);
			printf("\n");
		} else {
			index_list->nmsrs = 0;
		}
	}

	/* kvm_get_supported_feature_msrs() */
	if (cap(KVM_CAP_GET_MSR_FEATURES)) {
		probe.nmsrs = 0;
		r = xioctl(devfd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe);
		if (r < 0 && r != -E2BIG)
			need(r, "KVM_GET_MSR_FEATURE_INDEX_LIST", "GET_MSR_FEATURES is reported");
		else if (probe.nmsrs == 0)
			broken("KVM_GET_MSR_FEATURE_INDEX_LIST: empty (QEMU asserts nmsrs > 0)");
		else
			pass("KVM_GET_MSR_FEATURE_INDEX_LIST: %u feature MSRs", probe.nmsrs);
	}

	if (cap(KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
		base = 0xfeffc000;
		need(xioctl(vmfd, KVM_SET_IDENTITY_MAP_ADDR, &base), "KVM_SET_IDENTITY_MAP_ADDR",
		     "0xfeffc000 (QEMU stops if it fails)");
	}
	need(xioctl(vmfd, KVM_SET_TSS_ADDR, (void *)(base + 0x1000)), "KVM_SET_TSS_ADDR",
	     "one page after the identity map (QEMU stops if it fails)");

	if (cap(KVM_CAP_X86_NOTIFY_VMEXIT)) {
		/* notify-vmexit=run, notify-window=0 by default */
		en = (struct kvm_enable_cap){ .cap = KVM_CAP_X86_NOTIFY_VMEXIT,
			.args[0] = KVM_X86_NOTIFY_VMEXIT_ENABLED | KVM_X86_NOTIFY_VMEXIT_USER };
		need(xioctl(vmfd, KVM_ENABLE_CAP, &en), "KVM_ENABLE_CAP(X86_NOTIFY_VMEXIT)",
		     "reported, so QEMU enables it");
	}
	if (cap(KVM_CAP_X86_USER_SPACE_MSR)) {
		uint64_t zero = 0;
		struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

		en = (struct kvm_enable_cap){ .cap = KVM_CAP_X86_USER_SPACE_MSR,
					      .args[0] = KVM_MSR_EXIT_REASON_FILTER };
		if (need(xioctl(vmfd, KVM_ENABLE_CAP, &en), "KVM_ENABLE_CAP(X86_USER_SPACE_MSR)",
			 "reported, so QEMU enables it")) {
			/* MSR_CORE_THREAD_COUNT, read by QEMU */
			filter.ranges[0] = (struct kvm_msr_filter_range){
				.flags = KVM_MSR_FILTER_READ, .nmsrs = 1, .base = 0x35,
				.bitmap = (uint8_t *)&zero };
			need(xioctl(vmfd, KVM_X86_SET_MSR_FILTER, &filter),
			     "KVM_X86_SET_MSR_FILTER",
			     "MSR_CORE_THREAD_COUNT to userspace (QEMU stops if it fails)");
		}
	}
}

/* ------------------------------------------------------------------ */
/* The vCPU: kvm_init_vcpu(), kvm_arch_init_vcpu() */

static bool check_vcpu_init(void)
{
	static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid;
	struct kvm_cpuid_entry2 *e;
	long r, mmap_size;

	supported = get_supported_cpuid();
	if (supported) {
		pass("KVM_GET_SUPPORTED_CPUID: %u entries", supported->nent);
		e = cpuid_entry(supported, KVM_CPUID_FEATURES, 0);
		/*
		 * kvm_default_props: kvmclock, kvm-nopiodelay, kvm-asyncpf,
		 * kvm-steal-time, kvm-pv-eoi, kvmclock-stable-bit, filtered by
		 * what the device supports.
		 */
		if (e && cpuid_entry(supported, KVM_CPUID_SIGNATURE, 0))
			feat_kvm = e->eax & ((1u << KVM_FEATURE_CLOCKSOURCE) |
					     (1u << KVM_FEATURE_NOP_IO_DELAY) |
					     (1u << KVM_FEATURE_CLOCKSOURCE2) |
					     (1u << KVM_FEATURE_ASYNC_PF) |
					     (1u << KVM_FEATURE_STEAL_TIME) |
					     (1u << KVM_FEATURE_PV_EOI) |
					     (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
		note("the guest's KVM paravirtual features (CPUID 0x40000001.EAX): %#x%s",
		     feat_kvm,
		     feat_kvm & ((1u << KVM_FEATURE_CLOCKSOURCE) |
				 (1u << KVM_FEATURE_CLOCKSOURCE2)) ? " (kvmclock)" : "");
	}

	/* mce_init(), then kvm_arch_init_vcpu() */
	mcg_cap = MCG_CTL_P | MCG_SER_P | MCE_BANKS_DEF;
	if (cap(KVM_CAP_MCE)) {
		uint64_t sup = 0;

		r = xioctl(devfd, KVM_X86_GET_MCE_CAP_SUPPORTED, &sup);
		if (need(r, "KVM_X86_GET_MCE_CAP_SUPPORTED", "MCE is reported")) {
			if (cap(KVM_CAP_MCE) < MCE_BANKS_DEF)
				broken("KVM_CAP_MCE: %ld banks, QEMU wants %d", cap(KVM_CAP_MCE),
				       MCE_BANKS_DEF);
			mcg_cap &= sup | 0xff;
		}
	}

	r = xioctl(vmfd, KVM_CREATE_VCPU, (void *)0);
	if (!need(r, "KVM_CREATE_VCPU", "vCPU 0"))
		return false;
	vcpufd = r;
	mmap_size = xioctl(devfd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (!need(mmap_size, "KVM_GET_VCPU_MMAP_SIZE", "QEMU stops if it fails"))
		return false;
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
	if (run == MAP_FAILED) {
		broken("mmap of the vCPU: %s", strerror(errno));
		return false;
	}

	if (cap(KVM_CAP_GET_TSC_KHZ)) {
		r = xioctl(vcpufd, KVM_GET_TSC_KHZ, NULL);
		if (need(r, "KVM_GET_TSC_KHZ", "GET_TSC_KHZ is reported"))
			note("TSC: %ld kHz", r);
	}

	if (cap(KVM_CAP_MCE))
		need(xioctl(vcpufd, KVM_X86_SETUP_MCE, &mcg_cap), "KVM_X86_SETUP_MCE",
		     "10 banks, MCG_CTL_P|MCG_SER_P (QEMU stops if it fails)");

	/*
	 * A table as QEMU builds it: what the device supports, with QEMU's
	 * fix-ups (kvm_arch_get_supported_cpuid()): MTRR, PAT, MCE, MCA and
	 * the hypervisor bit always, x2APIC never without an in-kernel irqchip.
	 */
	if (supported) {
		cpuid.c.nent = supported->nent < 256 ? supported->nent : 256;
		memcpy(cpuid.e, supported->entries, cpuid.c.nent * sizeof(cpuid.e[0]));
		e = cpuid_entry(&cpuid.c, 1, 0);
		if (e) {
			e->edx |= (1u << 12) | (1u << 16) | (1u << 7) | (1u << 14);
			e->ecx |= 1u << 31;
			e->ecx &= ~(1u << 21);
		}
		need(xioctl(vcpufd, KVM_SET_CPUID2, &cpuid), "KVM_SET_CPUID2",
		     "QEMU's table (QEMU stops if it fails)");
	}

	/* kvm_init_msrs(): asserted (a failure aborts QEMU). */
	static struct msrs init;

	init.hdr.nmsrs = 0;
	if (listed(MSR_IA32_ARCH_CAPABILITIES))
		add(&init, MSR_IA32_ARCH_CAPABILITIES, 0);
	if (listed(MSR_IA32_CORE_CAPABILITY))
		add(&init, MSR_IA32_CORE_CAPABILITY, 0);
	if (listed(MSR_IA32_UCODE_REV))
		add(&init, MSR_IA32_UCODE_REV, 0);
	r = apply_msrs(vcpufd, KVM_SET_MSRS, &init, "kvm_init_msrs");
	if (r == 0)
		pass("KVM_SET_MSRS: kvm_init_msrs()'s %u MSRs (asserted: a failure aborts QEMU)",
		     init.hdr.nmsrs);
	else if (r < 0)
		need(r, "KVM_SET_MSRS", "kvm_init_msrs() (asserted: a failure aborts QEMU)");

	/* kvm_init_cpu_signals() */
	if (!cap(KVM_CAP_IMMEDIATE_EXIT)) {
		struct { struct kvm_signal_mask m; uint64_t set; } sm = { .m.len = 8 };

		need(xioctl(vcpufd, KVM_SET_SIGNAL_MASK, &sm), "KVM_SET_SIGNAL_MASK",
		     "no IMMEDIATE_EXIT (QEMU stops if it fails)");
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Register synchronization: kvm_arch_put_registers(), _get_registers() */

/*
 * A GET and its SET, as a sync does; the state must survive the trip.
 * When the GET is missing, the SET is still tried (with zeros) to tell
 * whether it is missing too; its other answers then mean nothing.
 */
static void round_trip(unsigned long get, unsigned long set, size_t size,
		       const char *gname, const char *sname, const char *why)
{
	void *a = calloc(1, size), *b = calloc(1, size);
	long r;

	r = xioctl(vcpufd, get, a);
	if (need(r, gname, why)) {
		r = xioctl(vcpufd, set, a);
		if (need(r, sname, why)) {
			r = xioctl(vcpufd, get, b);
			if (r >= 0 && memcmp(a, b, size))
				broken("%s after %s: the state changed", gname, sname);
		}
	} else if (absent(xioctl(vcpufd, set, a))) {
		missing(sname, "%s: %s (%s)", sname, why, strerror(ENOTTY));
	}
	free(a);
	free(b);
}

static void check_sync(void)
{
	static struct msrs put, got;
	long r;

	if (cap(KVM_CAP_SREGS2))
		round_trip(KVM_GET_SREGS2, KVM_SET_SREGS2, sizeof(struct kvm_sregs2),
			   "KVM_GET_SREGS2", "KVM_SET_SREGS2", "every sync (SREGS2 reported)");
	else
		round_trip(KVM_GET_SREGS, KVM_SET_SREGS, sizeof(struct kvm_sregs),
			   "KVM_GET_SREGS", "KVM_SET_SREGS", "every sync");
	round_trip(KVM_GET_REGS, KVM_SET_REGS, sizeof(struct kvm_regs),
		   "KVM_GET_REGS", "KVM_SET_REGS", "every sync");
	if (cap(KVM_CAP_XSAVE2)) {
		size_t size = cap(KVM_CAP_XSAVE2);

		if (size < sizeof(struct kvm_xsave))
			size = sizeof(struct kvm_xsave);
		round_trip(KVM_GET_XSAVE2, KVM_SET_XSAVE, size, "KVM_GET_XSAVE2",
			   "KVM_SET_XSAVE", "every sync (XSAVE2 reported)");
	} else if (cap(KVM_CAP_XSAVE)) {
		round_trip(KVM_GET_XSAVE, KVM_SET_XSAVE, sizeof(struct kvm_xsave),
			   "KVM_GET_XSAVE", "KVM_SET_XSAVE", "every sync (XSAVE reported)");
	} else {
		round_trip(KVM_GET_FPU, KVM_SET_FPU, sizeof(struct kvm_fpu),
			   "KVM_GET_FPU", "KVM_SET_FPU", "every sync (no KVM_CAP_XSAVE)");
	}
	if (cap(KVM_CAP_XCRS))
		round_trip(KVM_GET_XCRS, KVM_SET_XCRS, sizeof(struct kvm_xcrs),
			   "KVM_GET_XCRS", "KVM_SET_XCRS", "every sync (XCRS reported)");

	/* kvm_put_msrs(): one KVM_SET_MSRS whose count QEMU asserts. */
	put_list(&put);
	r = apply_msrs(vcpufd, KVM_SET_MSRS, &put, "kvm_put_msrs");
	if (r < 0)
		need(r, "KVM_SET_MSRS", "every sync; QEMU asserts that all its MSRs are taken");
	else if (r == 0)
		pass("KVM_SET_MSRS: kvm_put_msrs()'s %u MSRs (count asserted)", put.hdr.nmsrs);
	printf("# MSRs QEMU writes (%u):", put.hdr.nmsrs);
	for (uint32_t i = 0; i < put.hdr.nmsrs; i++)
		printf(" %#x", put.e[i].index);
	printf("\n");

	if (cap(KVM_CAP_VCPU_EVENTS)) {
		struct kvm_vcpu_events ev;

		r = xioctl(vcpufd, KVM_GET_VCPU_EVENTS, &ev);
		if (need(r, "KVM_GET_VCPU_EVENTS", "every sync (VCPU_EVENTS reported)")) {
			/* kvm_put_vcpu_events() at KVM_PUT_RESET_STATE */
			ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
			if (cap(KVM_CAP_EXCEPTION_PAYLOAD))
				ev.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
			if (listed(MSR_IA32_SMBASE))
				ev.flags |= KVM_VCPUEVENT_VALID_SMM;
			if (cap(KVM_CAP_X86_TRIPLE_FAULT_EVENT))
				ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
			need(xioctl(vcpufd, KVM_SET_VCPU_EVENTS, &ev), "KVM_SET_VCPU_EVENTS",
			     "every sync (VCPU_EVENTS reported)");
		}
	}

	{
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		bool set = need(xioctl(vcpufd, KVM_SET_MP_STATE, &mp), "KVM_SET_MP_STATE",
				"reset and full syncs (MP_STATE is required)");

		mp.mp_state = ~0u;
		r = xioctl(vcpufd, KVM_GET_MP_STATE, &mp);
		if (need(r, "KVM_GET_MP_STATE", "every sync (MP_STATE is required)") && set &&
		    mp.mp_state != KVM_MP_STATE_RUNNABLE)
			broken("KVM_GET_MP_STATE: %u after setting RUNNABLE", mp.mp_state);
	}

	if (listed(MSR_IA32_TSCDEADLINE)) {
		static struct msrs one;

		one.hdr.nmsrs = 0;
		add(&one, MSR_IA32_TSCDEADLINE, 0);
		r = apply_msrs(vcpufd, KVM_SET_MSRS, &one, "kvm_put_tscdeadline_msr");
		if (r < 0)
			need(r, "KVM_SET_MSRS", "TSC_DEADLINE (listed; asserted)");
	}
	if (cap(KVM_CAP_DEBUGREGS))
		round_trip(KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, sizeof(struct kvm_debugregs),
			   "KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS",
			   "every sync (DEBUGREGS reported)");

	/*
	 * kvm_get_msrs(): the same list (and TSC_DEADLINE), count asserted;
	 * what was written must read back (QEMU writes back what it read).
	 */
	get_list(&got);
	for (uint32_t i = 0; i < got.hdr.nmsrs; i++)
		got.e[i].data = 0xdeadbeefdeadbeefULL;
	r = apply_msrs(vcpufd, KVM_GET_MSRS, &got, "kvm_get_msrs");
	if (r < 0) {
		need(r, "KVM_GET_MSRS", "every sync; QEMU asserts that it gets all its MSRs");
	} else if (r == 0) {
		int bad = 0;

		for (uint32_t i = 0; i < put.hdr.nmsrs; i++) {
			if (put.e[i].index == MSR_IA32_TSC)
				continue;	/* it counts */
			if (got.e[i].data != put.e[i].data) {
				printf("# MSR %#x (%s): wrote %#llx, read %#llx\n", put.e[i].index,
				       msr_name(put.e[i].index), (unsigned long long)put.e[i].data,
				       (unsigned long long)got.e[i].data);
				bad++;
			}
		}
		if (bad)
			broken("KVM_GET_MSRS: %d of kvm_get_msrs()'s %u MSRs did not read back what KVM_SET_MSRS wrote",
			       bad, got.hdr.nmsrs);
		else
			pass("KVM_GET_MSRS: kvm_get_msrs()'s %u MSRs (count asserted), read back as written",
			     got.hdr.nmsrs);
	}

	if (cap(KVM_CAP_ADJUST_CLOCK)) {
		struct kvm_clock_data clock = { 0 };

		/* hw/i386/kvm/clock.c: abort() if either fails */
		if (need(xioctl(vmfd, KVM_GET_CLOCK, &clock), "KVM_GET_CLOCK",
			 "ADJUST_CLOCK reported: the kvmclock device (QEMU aborts if it fails)")) {
			clock.flags = 0;
			need(xioctl(vmfd, KVM_SET_CLOCK, &clock), "KVM_SET_CLOCK",
			     "ADJUST_CLOCK reported: the kvmclock device (QEMU aborts if it fails)");
		}
	}
}

/* ------------------------------------------------------------------ */
/* The userspace irqchip: kvm_arch_pre_run() / kvm_arch_post_run() */

static void on_alarm(int sig)
{
	(void)sig;
}

/* KVM_RUN, interrupted by SIGALRM after @ms milliseconds. */
static long run_vcpu(int ms)
{
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 } };
	struct itimerval off = { 0 };
	long r;

	setitimer(ITIMER_REAL, &it, NULL);
	r = xioctl(vcpufd, KVM_RUN, NULL);
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

/*
 * Whether the device has KVM_INTERRUPT. Without it, the userspace-irqchip
 * protocol as a whole is missing (the interrupt window, the run fields);
 * with it, a failure of that protocol is the device's bug: broken. The
 * probe queues vector 0x20, so it is made only when nothing is run after.
 */
static int have_interrupt = -1;

static void irq_protocol_fails(const char *item, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void irq_protocol_fails(const char *item, const char *fmt, ...)
{
	struct kvm_interrupt irq = { .irq = 0x20 };
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (have_interrupt < 0)
		have_interrupt = !absent(xioctl(vcpufd, KVM_INTERRUPT, &irq));
	if (have_interrupt)
		broken("%s (KVM_INTERRUPT exists)", buf);
	else
		missing(item, "%s (and no KVM_INTERRUPT)", buf);
}

/*
 * A real-mode guest that turns interrupts on and spins:
 *     0x1000: sti; nop; jmp $
 * with vector 0x20's handler at 0x2000:
 *     0x2000: out 0x10, al; hlt; jmp 0x2001
 * QEMU's loop: with an interrupt pending and the guest not ready, it sets
 * request_interrupt_window and waits for KVM_EXIT_IRQ_WINDOW_OPEN; then it
 * injects with KVM_INTERRUPT. After every exit it reads if_flag (its idea
 * of RFLAGS.IF, which decides whether a halted vCPU wakes up), cr8 (the
 * TPR) and apic_base (the userspace APIC's base: a 0 there disables QEMU's
 * APIC).
 */
static void check_irqchip(void)
{
	static const uint8_t code[] = { 0xfb, 0x90, 0xeb, 0xfe };
	static const uint8_t handler[] = { 0xe6, 0x10, 0xf4, 0xeb, 0xfd };
	struct kvm_userspace_memory_region slot = { .slot = 0, .memory_size = 1 << 20 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint8_t *mem;
	long r;

	sigaction(SIGALRM, &sa, NULL);
	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy(mem + 0x1000, code, sizeof(code));
	memcpy(mem + 0x2000, handler, sizeof(handler));
	mem[0x20 * 4 + 1] = 0x20;	/* IVT[0x20] = 0000:2000 */
	slot.userspace_addr = (uintptr_t)mem;
	if (!need(xioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &slot), "KVM_SET_USER_MEMORY_REGION",
		  "1 MiB of guest RAM for the interrupt checks"))
		return;

	if (xioctl(vcpufd, KVM_GET_SREGS, &sregs) < 0 || xioctl(vcpufd, KVM_GET_REGS, &regs) < 0) {
		broken("KVM_GET_SREGS/KVM_GET_REGS for the interrupt checks");
		return;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rsp = 0x8000;
	regs.rflags = 0x2;	/* IF=0 */
	if (xioctl(vcpufd, KVM_SET_SREGS, &sregs) < 0 || xioctl(vcpufd, KVM_SET_REGS, &regs) < 0) {
		broken("KVM_SET_SREGS/KVM_SET_REGS for the interrupt checks");
		return;
	}

	run->request_interrupt_window = 1;
	r = run_vcpu(3000);
	run->request_interrupt_window = 0;
	if (r == -EINTR) {
		irq_protocol_fails("interrupt-window exit",
				   "request_interrupt_window: no KVM_EXIT_IRQ_WINDOW_OPEN within 3 s after the guest's STI");
		return;
	}
	if (r < 0 || run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN) {
		irq_protocol_fails("interrupt-window exit",
				   "request_interrupt_window: KVM_RUN gave %ld, exit reason %u, not KVM_EXIT_IRQ_WINDOW_OPEN (%d)",
				   r, run->exit_reason, KVM_EXIT_IRQ_WINDOW_OPEN);
		return;
	}
	pass("request_interrupt_window: KVM_EXIT_IRQ_WINDOW_OPEN after the guest's STI");
	/* Read before anything else touches the run structure. */
	uint8_t if_flag = run->if_flag, ready = run->ready_for_interrupt_injection;
	uint64_t apic_base = run->apic_base, cr8 = run->cr8;

	r = xioctl(vcpufd, KVM_INTERRUPT, &irq);
	have_interrupt = !absent(r);
	if (if_flag == 1 && ready == 1)
		pass("run->if_flag and ready_for_interrupt_injection are 1 at the window");
	else
		irq_protocol_fails("run->if_flag/ready_for_interrupt_injection",
				   "at the window: if_flag %u, ready_for_interrupt_injection %u (want 1, 1)",
				   if_flag, ready);
	if (apic_base == sregs.apic_base)
		pass("run->apic_base is the APIC base (%#llx)", (unsigned long long)apic_base);
	else
		irq_protocol_fails("run->apic_base",
				   "run->apic_base is %#llx, the vCPU's APIC base %#llx (QEMU copies it into its APIC: 0 disables it)",
				   (unsigned long long)apic_base,
				   (unsigned long long)sregs.apic_base);
	if (cr8 == sregs.cr8)
		pass("run->cr8 is the TPR (%llu)", (unsigned long long)cr8);
	else
		irq_protocol_fails("run->cr8", "run->cr8 is %llu, CR8 %llu",
				   (unsigned long long)cr8, (unsigned long long)sregs.cr8);

	if (!need(r, "KVM_INTERRUPT", "vector 0x20, how QEMU delivers every PIC/APIC interrupt"))
		return;
	r = run_vcpu(3000);
	if (r == 0 && run->exit_reason == KVM_EXIT_IO && run->io.port == 0x10 &&
	    run->io.direction == KVM_EXIT_IO_OUT) {
		pass("KVM_INTERRUPT: the guest ran vector 0x20's handler");
		if (run->if_flag == 0)
			pass("run->if_flag is 0 in the interrupt handler");
		else
			broken("run->if_flag is %u in the interrupt handler (IF is 0 there)",
			       run->if_flag);
	} else {
		broken("KVM_INTERRUPT: KVM_RUN gave %ld, exit reason %u, not the handler's OUT to port 0x10",
		       r, run->exit_reason);
	}

	/* QEMU injects NMIs with KVM_NMI (none during a plain boot). */
	r = xioctl(vcpufd, KVM_NMI, NULL);
	if (r < 0)
		note("KVM_NMI: %s (QEMU uses it only to deliver an NMI: not needed to boot)",
		     strerror(-r));
}

/* ------------------------------------------------------------------ */

static void ioctl_names(void)
{
#define N(x) printf("%#lx %s\n", (unsigned long)(x), #x)
	N(KVM_GET_API_VERSION); N(KVM_CREATE_VM); N(KVM_GET_MSR_INDEX_LIST);
	N(KVM_CHECK_EXTENSION); N(KVM_GET_VCPU_MMAP_SIZE); N(KVM_GET_SUPPORTED_CPUID);
	N(KVM_GET_MSR_FEATURE_INDEX_LIST); N(KVM_X86_GET_MCE_CAP_SUPPORTED);
	N(KVM_CREATE_VCPU); N(KVM_SET_USER_MEMORY_REGION); N(KVM_SET_TSS_ADDR);
	N(KVM_SET_IDENTITY_MAP_ADDR); N(KVM_ENABLE_CAP); N(KVM_X86_SET_MSR_FILTER);
	N(KVM_GET_CLOCK); N(KVM_SET_CLOCK); N(KVM_CREATE_IRQCHIP); N(KVM_IRQ_LINE);
	N(KVM_IRQ_LINE_STATUS); N(KVM_SET_GSI_ROUTING); N(KVM_IRQFD); N(KVM_IOEVENTFD);
	N(KVM_SIGNAL_MSI); N(KVM_CREATE_PIT2); N(KVM_GET_DIRTY_LOG); N(KVM_CLEAR_DIRTY_LOG);
	N(KVM_REGISTER_COALESCED_MMIO); N(KVM_UNREGISTER_COALESCED_MMIO);
	N(KVM_RUN); N(KVM_GET_REGS); N(KVM_SET_REGS); N(KVM_GET_SREGS); N(KVM_SET_SREGS);
	N(KVM_GET_SREGS2); N(KVM_SET_SREGS2); N(KVM_INTERRUPT); N(KVM_NMI); N(KVM_SMI);
	N(KVM_GET_MSRS); N(KVM_SET_MSRS); N(KVM_SET_CPUID2); N(KVM_GET_CPUID2);
	N(KVM_SET_SIGNAL_MASK); N(KVM_GET_FPU); N(KVM_SET_FPU); N(KVM_GET_LAPIC);
	N(KVM_SET_LAPIC); N(KVM_GET_MP_STATE); N(KVM_SET_MP_STATE); N(KVM_X86_SETUP_MCE);
	N(KVM_X86_SET_MCE); N(KVM_GET_VCPU_EVENTS); N(KVM_SET_VCPU_EVENTS);
	N(KVM_GET_DEBUGREGS); N(KVM_SET_DEBUGREGS); N(KVM_GET_XSAVE); N(KVM_SET_XSAVE);
	N(KVM_GET_XSAVE2); N(KVM_GET_XCRS); N(KVM_SET_XCRS); N(KVM_GET_TSC_KHZ);
	N(KVM_SET_TSC_KHZ); N(KVM_KVMCLOCK_CTRL); N(KVM_GET_NESTED_STATE);
	N(KVM_SET_NESTED_STATE); N(KVM_SET_GUEST_DEBUG); N(KVM_GET_DEVICE_ATTR);
	N(KVM_TPR_ACCESS_REPORTING); N(KVM_SET_VAPIC_ADDR); N(KVM_GET_STATS_FD);
	N(KVM_SET_NR_MMU_PAGES);
#undef N
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/hv";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			dev = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--ioctl-names")) {
			ioctl_names();
			return 0;
		}
		fprintf(stderr, "usage: %s [--dev PATH] | --ioctl-names\n", argv[0]);
		return 2;
	}

	printf("TAP version 13\n");
	note("what Debian 12's QEMU 7.2 needs from %s for %s", dev,
	     "-accel kvm -machine kernel-irqchip=off (default CPU model qemu64, one vCPU)");
	devfd = open(dev, O_RDWR | O_CLOEXEC);
	if (devfd < 0) {
		broken("open %s: %s", dev, strerror(errno));
		finish();
	}
	if (!check_vm())
		finish();
	check_arch_init();
	if (!check_vcpu_init())
		finish();
	check_sync();
	check_irqchip();
	finish();
}
