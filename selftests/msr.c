// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR ABI: KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST and
 * KVM_GET_MSRS on the device, KVM_GET/SET_MSRS on a vCPU, and what the
 * guest's RDMSR/WRMSR see.
 *
 *  - the index lists: nmsrs written back, E2BIG when short, EFAULT; the
 *    MSRs QEMU saves and restores are in the list;
 *  - GET/SET_MSRS: 0 entries is 0 (QEMU asserts it), 255 entries work,
 *    256 are E2BIG, an unreadable array EFAULT, and a refused entry ends
 *    the batch: the result is the number handled, not an errno;
 *  - a round trip of every MSR in the index list;
 *  - the VMM's values reach the guest and the guest's reach the VMM
 *    (SYSCALL/SYSENTER state, PAT, MTRRs, machine-check banks);
 *  - the values refused: reserved bits, bad memory types, non-canonical
 *    addresses, read-only MSRs; #GP for MSRs neither hv nor KVM has;
 *  - host-initiated writes that the guest may not make (MISC_ENABLE's
 *    read-only bits, SMI_COUNT, MCi_STATUS, EFER bits its CPUID lacks),
 *    and guest writes that are ignored (UCODE_REV);
 *  - time: the VMM's and the guest's TSC writes move the guest's TSC,
 *    the guest's moves IA32_TSC_ADJUST too; TSC_AUX through RDTSCP and
 *    RDMSR when the CPUID offers RDTSCP, #GP (and #UD for RDTSCP)
 *    without it.
 *
 * Recorded on kvm_amd (6.1, QEMU TCG): see Documentation/selftests.md.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/guest_msr.h"

#define MSR_TSC			0x10
#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_SMI_COUNT		0x34
#define MSR_TSC_ADJUST		0x3b
#define MSR_UCODE_REV		0x8b
#define MSR_MTRRCAP		0xfe
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MISC_ENABLE		0x1a0
#define MSR_MTRR_BASE(n)	(0x200 + 2 * (n))
#define MSR_MTRR_MASK(n)	(0x201 + 2 * (n))
#define MSR_MTRR_FIX64K		0x250
#define MSR_MTRR_FIX16K		0x258
#define MSR_MTRR_FIX4K_F8000	0x26f
#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_MC_CTL(i)		(0x400 + 4 * (i))
#define MSR_MC_STATUS(i)	(0x401 + 4 * (i))
#define MSR_MC_ADDR(i)		(0x402 + 4 * (i))
#define MSR_MC_MISC(i)		(0x403 + 4 * (i))
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_HWCR		0xc0010015

#define MCG_CTL_P		(1ULL << 8)
#define HWCR_MCSTATUSWREN	(1ULL << 18)
#define MISC_ENABLE_EMON	(1ULL << 7)
#define MISC_ENABLE_PEBS_UNAVAIL (1ULL << 12)

/* Neither hv nor KVM knows these. */
#define MSR_NONE_1		0xdead
#define MSR_NONE_2		0xc0003000

#define GP_VECTOR		13
#define UD_VECTOR		6
#define EXT1_EDX_RDTSCP		(1u << 27)
#define EXT1_EDX_NX		(1u << 20)
#define L7_ECX_RDPID		(1u << 22)
#define L7_EBX_TSC_ADJUST	(1u << 1)

/* A TSC value read back soon after it was set is within this much. */
#define TSC_SLACK		(1ULL << 38)

static int devfd;

/* ---- the ioctls ---- */

struct msrs {
	struct hv_msrs hdr;
	struct hv_msr_entry e[256];
};

static long msr_list(unsigned long ioctl_nr, struct hv_msr_list *l)
{
	return ioctl_ret(devfd, ioctl_nr, (unsigned long)l);
}

static long get_msr(struct vcpu *vcpu, u32 index, u64 *val)
{
	struct msrs m = { .hdr.nmsrs = 1, .e[0].index = index };
	long r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)&m);

	*val = m.e[0].data;
	return r;
}

static long set_msr(struct vcpu *vcpu, u32 index, u64 val)
{
	struct msrs m = { .hdr.nmsrs = 1, .e[0] = { .index = index, .data = val } };

	return ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)&m);
}

static u64 msr_of(struct vcpu *vcpu, u32 index)
{
	u64 v = 0;

	TEST_REQUIRE(get_msr(vcpu, index, &v) == 1, "GET_MSRS %#x", index);
	return v;
}

/* The index list (malloc'ed), its length in *n. */
static u32 *index_list(u32 *n)
{
	struct hv_msr_list hdr = { 0 };
	struct hv_msr_list *l;

	TEST_REQUIRE(msr_list(HV_GET_MSR_INDEX_LIST, &hdr) == -E2BIG,
		     "GET_MSR_INDEX_LIST with nmsrs 0");
	l = calloc(1, sizeof(*l) + hdr.nmsrs * sizeof(u32));
	TEST_REQUIRE(l, "out of memory");
	l->nmsrs = hdr.nmsrs;
	TEST_REQUIRE(!msr_list(HV_GET_MSR_INDEX_LIST, l), "GET_MSR_INDEX_LIST");
	*n = l->nmsrs;
	memmove(l, l->indices, *n * sizeof(u32));
	return (u32 *)l;
}

static bool in_list(const u32 *list, u32 n, u32 msr)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (list[i] == msr)
			return true;
	return false;
}

/* ---- guest side: RDTSCP that survives #UD (lib/guest_msr.h: #GP) ---- */

volatile u64 __attribute__((used)) ud_count;
extern const char guest_ud_handler[];
asm("	.pushsection .text\n"
"guest_ud_handler:\n"
"	addq $3, (%rsp)\n"		/* past RDTSCP (0f 01 f9) */
"	incq ud_count(%rip)\n"
"	iretq\n"
"	.popsection\n");

/* Point IDT vector @vec at @handler (a 64-bit interrupt gate). */
static void set_idt(struct vm *vm, int vec, const void *handler)
{
	u64 *idt = vm_gpa2hva(vm, GPA_IDT);
	u64 off = (u64)(uintptr_t)handler;

	idt[2 * vec] = (off & 0xffff) | ((u64)SEL_CODE64 << 16) |
		       (0xeULL << 40) | (1ULL << 47) |
		       (((off >> 16) & 0xffff) << 48);
	idt[2 * vec + 1] = off >> 32;
}

static inline __attribute__((always_inline)) u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

/* RDTSCP: ECX (TSC_AUX), or ~0 with *ud set if it raised #UD. */
static inline __attribute__((always_inline)) u32 rdtscp_aux(bool *ud)
{
	u64 before = ud_count;
	u32 lo, hi, aux = ~0u;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "+c"(aux) : : "memory");
	*ud = ud_count != before;
	return aux;
}

/* ---- a VM whose guest survives #GP and #UD ---- */

static struct vm *msr_vm(struct vcpu **vcpu)
{
	struct vm *vm = vm_new(GUEST_LONG64);

	*vcpu = vcpu_new(vm, 0);
	set_idt(vm, GP_VECTOR, guest_gp_handler);
	set_idt(vm, UD_VECTOR, guest_ud_handler);
	return vm;
}

static bool set_cpuid(struct vcpu *vcpu, struct hv_cpuid2 *c)
{
	return !ioctl(vcpu->fd, HV_SET_CPUID2, c);
}

static bool run_sync(struct vcpu *vcpu, struct ucall *uc, const char *what)
{
	return vcpu_expect_ucall(vcpu, UCALL_SYNC, uc, what);
}

/* ---- the device's lists ---- */

static void test_index_list(void)
{
	static const struct { u32 msr; const char *name; } qemu[] = {
		{ MSR_SYSENTER_CS, "SYSENTER_CS" },
		{ MSR_SYSENTER_ESP, "SYSENTER_ESP" },
		{ MSR_SYSENTER_EIP, "SYSENTER_EIP" },
		{ MSR_PAT, "PAT" }, { MSR_STAR, "STAR" },
		{ MSR_CSTAR, "CSTAR" }, { MSR_LSTAR, "LSTAR" },
		{ MSR_SFMASK, "SFMASK" },
		{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
		{ MSR_TSC, "TSC" }, { MSR_MISC_ENABLE, "MISC_ENABLE" },
		{ MSR_KVM_SYSTEM_TIME, "KVM_SYSTEM_TIME" },
		{ MSR_KVM_WALL_CLOCK, "KVM_WALL_CLOCK" },
		{ MSR_MCG_STATUS, "MCG_STATUS" }, { MSR_MCG_CTL, "MCG_CTL" },
	};
	struct hv_msr_list hdr = { .nmsrs = 0 }, *l;
	char buf[4096];
	u32 n, i, j, missing = 0, dups = 0;
	size_t len = 0;
	long r;

	r = msr_list(HV_GET_MSR_INDEX_LIST, &hdr);
	ktap_result(r == -E2BIG && hdr.nmsrs > 0,
		    "GET_MSR_INDEX_LIST nmsrs 0: E2BIG, nmsrs set to %u (%ld)",
		    hdr.nmsrs, r);
	n = hdr.nmsrs;
	l = calloc(1, sizeof(*l) + (n + 8) * sizeof(u32));
	TEST_REQUIRE(l, "out of memory");
	l->nmsrs = n - 1;
	r = msr_list(HV_GET_MSR_INDEX_LIST, l);
	ktap_result(r == -E2BIG && l->nmsrs == n,
		    "GET_MSR_INDEX_LIST one short: E2BIG, nmsrs %u (%ld)", l->nmsrs, r);
	l->nmsrs = n + 8;
	r = msr_list(HV_GET_MSR_INDEX_LIST, l);
	ktap_result(!r && l->nmsrs == n, "GET_MSR_INDEX_LIST: %u MSRs (%ld)", l->nmsrs, r);
	r = msr_list(HV_GET_MSR_INDEX_LIST, (void *)8);
	ktap_result(r == -EFAULT, "GET_MSR_INDEX_LIST bad pointer: EFAULT (%ld)", r);

	for (i = 0; i < n; i++) {
		len += snprintf(buf + len, sizeof(buf) - len > 0 ? sizeof(buf) - len : 0,
				" %#x", l->indices[i]);
		for (j = 0; j < i; j++)
			dups += l->indices[j] == l->indices[i];
	}
	ktap_info("index list:%s", buf);
	ktap_result(!dups, "the index list names each MSR once (%u twice)", dups);
	for (i = 0; i < sizeof(qemu) / sizeof(qemu[0]); i++) {
		if (!in_list(l->indices, n, qemu[i].msr)) {
			ktap_info("%s (%#x) is not in the list", qemu[i].name, qemu[i].msr);
			missing++;
		}
	}
	ktap_result(!missing, "the MSRs QEMU saves are in the list (%u missing)", missing);
	free(l);
}

static void test_feature_msrs(void)
{
	struct hv_msr_list hdr = { .nmsrs = 0 }, *l;
	struct msrs m = { 0 };
	long r, cap = ioctl_ret(devfd, HV_CHECK_EXTENSION, HV_CAP_GET_MSR_FEATURES);
	u32 n;

	if (cap <= 0) {
		ktap_skip("feature MSRs", "KVM_CAP_GET_MSR_FEATURES not reported");
		return;
	}
	r = msr_list(HV_GET_MSR_FEATURE_INDEX_LIST, &hdr);
	ktap_result(r == -E2BIG && hdr.nmsrs > 0,
		    "GET_MSR_FEATURE_INDEX_LIST nmsrs 0: E2BIG, nmsrs %u (%ld)", hdr.nmsrs, r);
	n = hdr.nmsrs;
	l = calloc(1, sizeof(*l) + n * sizeof(u32));
	TEST_REQUIRE(l, "out of memory");
	l->nmsrs = n;
	r = msr_list(HV_GET_MSR_FEATURE_INDEX_LIST, l);
	ktap_result(!r && in_list(l->indices, n, MSR_UCODE_REV),
		    "GET_MSR_FEATURE_INDEX_LIST: %u MSRs, IA32_UCODE_REV among them (%ld)", n, r);
	r = msr_list(HV_GET_MSR_FEATURE_INDEX_LIST, (void *)8);
	ktap_result(r == -EFAULT, "GET_MSR_FEATURE_INDEX_LIST bad pointer: EFAULT (%ld)", r);

	m.hdr.nmsrs = 2;
	m.e[0].index = MSR_UCODE_REV;
	m.e[1].index = MSR_NONE_1;
	r = ioctl_ret(devfd, HV_GET_MSRS, (unsigned long)&m);
	ktap_result(r == 1,
		    "device GET_MSRS [UCODE_REV, unknown]: 1 handled (%ld), UCODE_REV %#llx",
		    r, (unsigned long long)m.e[0].data);
	m.hdr.nmsrs = 0;
	r = ioctl_ret(devfd, HV_GET_MSRS, (unsigned long)&m);
	ktap_result(r == 0, "device GET_MSRS of 0 entries: 0 (%ld)", r);
	m.hdr.nmsrs = 256;
	r = ioctl_ret(devfd, HV_GET_MSRS, (unsigned long)&m);
	ktap_result(r == -E2BIG, "device GET_MSRS of 256 entries: E2BIG (%ld)", r);
	free(l);
}

/* ---- GET/SET_MSRS: sizes, errors, partial success ---- */

static void test_msrs_errors(void)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct msrs *m = calloc(1, sizeof(*m));
	u64 v;
	long r;
	int i;

	TEST_REQUIRE(m, "out of memory");
	r = ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)m);
	ktap_result(r == 0, "SET_MSRS of 0 entries: 0 (%ld)", r);
	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)m);
	ktap_result(r == 0, "GET_MSRS of 0 entries: 0 (%ld)", r);

	for (i = 0; i < 256; i++) {
		m->e[i].index = MSR_STAR;
		m->e[i].data = 0x0023001000000000ULL + i;
	}
	m->hdr.nmsrs = 255;
	r = ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)m);
	ktap_result(r == 255 && msr_of(vcpu, MSR_STAR) == 0x0023001000000000ULL + 254,
		    "SET_MSRS of 255 entries: 255, the last one wins (%ld)", r);
	m->hdr.nmsrs = 256;
	r = ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)m);
	ktap_result(r == -E2BIG, "SET_MSRS of 256 entries: E2BIG (%ld)", r);
	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)m);
	ktap_result(r == -E2BIG, "GET_MSRS of 256 entries: E2BIG (%ld)", r);
	m->hdr.nmsrs = 0xffffffff;
	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)m);
	ktap_result(r == -E2BIG, "GET_MSRS of 2^32-1 entries: E2BIG (%ld)", r);

	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, 8);
	ktap_result(r == -EFAULT, "GET_MSRS bad pointer: EFAULT (%ld)", r);
	{
		/* The header readable, the entries not. */
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct hv_msrs *h = (struct hv_msrs *)(p + 4096 - sizeof(*h));

		TEST_REQUIRE(p != MAP_FAILED, "mmap");
		munmap(p + 4096, 4096);
		h->nmsrs = 1;
		r = ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)h);
		ktap_result(r == -EFAULT, "SET_MSRS entries unreadable: EFAULT (%ld)", r);
		r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)h);
		ktap_result(r == -EFAULT, "GET_MSRS entries unreadable: EFAULT (%ld)", r);
		munmap(p, 4096);
	}

	/* A refused entry ends the batch: the count handled is returned. */
	m->hdr.nmsrs = 3;
	m->e[0] = (struct hv_msr_entry){ .index = MSR_STAR, .data = 0x11 };
	m->e[1] = (struct hv_msr_entry){ .index = MSR_NONE_1, .data = 0 };
	m->e[2] = (struct hv_msr_entry){ .index = MSR_LSTAR, .data = 0x1000 };
	TEST_REQUIRE(set_msr(vcpu, MSR_LSTAR, 0x2000) == 1, "SET LSTAR");
	r = ioctl_ret(vcpu->fd, HV_SET_MSRS, (unsigned long)m);
	ktap_result(r == 1 && msr_of(vcpu, MSR_STAR) == 0x11 &&
		    msr_of(vcpu, MSR_LSTAR) == 0x2000,
		    "SET_MSRS [STAR, unknown, LSTAR]: 1, LSTAR untouched (%ld)", r);
	m->e[0].data = 0;
	m->e[2].data = 0;
	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)m);
	ktap_result(r == 1 && m->e[0].data == 0x11 && m->e[2].data == 0,
		    "GET_MSRS [STAR, unknown, LSTAR]: 1, STAR read (%ld)", r);
	r = get_msr(vcpu, MSR_NONE_2, &v);
	ktap_result(r == 0, "GET_MSRS of an unknown MSR: 0 handled (%ld)", r);
	free(m);
	vm_free(vm);
}

/* ---- a round trip of every MSR in the index list ---- */

/*
 * What the reference lists but refuses, with the reason: without an
 * in-kernel irqchip (this test creates none) the async-page-fault
 * interrupt MSR, and kvm_intel's VMX capability MSRs (0x480-0x491) for
 * a vCPU whose CPUID has no VMX (this one has no CPUID).  hv lists none
 * of them.
 */
static const struct { u32 first, last; const char *why; } kvm_refuses[] = {
	{ 0x4b564d06, 0x4b564d06, "MSR_KVM_ASYNC_PF_INT needs an in-kernel local APIC" },
	{ 0x480, 0x491, "nested VMX's MSRs need VMX in the vCPU's CPUID" },
};

/* Counters that move on their own: TSC; Hyper-V's VP_RUNTIME, TIME_REF_COUNT. */
static bool is_counter(u32 msr)
{
	return msr == MSR_TSC || msr == 0x40000010 || msr == 0x40000020;
}

static const char *kvm_refusal(u32 msr)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_refuses) / sizeof(kvm_refuses[0]); i++)
		if (msr >= kvm_refuses[i].first && msr <= kvm_refuses[i].last)
			return kvm_refuses[i].why;
	return NULL;
}

static void test_round_trip(void)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct msrs *a = calloc(1, sizeof(*a));
	u32 n, i, refused = 0, unexplained = 0, differ = 0, *list = index_list(&n);
	u64 v;
	long r;

	TEST_REQUIRE(a && n < 256, "%u MSRs", n);
	a->hdr.nmsrs = n;
	for (i = 0; i < n; i++)
		a->e[i].index = list[i];
	r = ioctl_ret(vcpu->fd, HV_GET_MSRS, (unsigned long)a);
	ktap_result(r == n || (dev_is_kvm() && r >= 0 && kvm_refusal(list[r])),
		    "GET_MSRS of the whole index list: %ld of %u%s%s", r, n,
		    r >= 0 && r < n ? ", stopped by " : "",
		    r >= 0 && r < n && kvm_refusal(list[r]) ? kvm_refusal(list[r]) : "");

	/* Each one alone, so that one refusal hides no other. */
	for (i = 0; r >= 0 && i < n; i++) {
		const char *why = kvm_refusal(list[i]);
		bool read = get_msr(vcpu, list[i], &v) == 1;

		a->e[i].data = v;
		if (!read || set_msr(vcpu, list[i], v) != 1) {
			refused++;
			if (!dev_is_kvm() || !why)
				unexplained++;
			ktap_info("GET/SET_MSRS refused %#x (%#llx)%s%s", list[i],
				  (unsigned long long)a->e[i].data,
				  why && dev_is_kvm() ? ": " : "",
				  why && dev_is_kvm() ? why : "");
			continue;
		}
		if (get_msr(vcpu, list[i], &v) != 1 ||
		    (is_counter(list[i]) ? v - a->e[i].data >= TSC_SLACK :
					   v != a->e[i].data)) {
			ktap_info("%#x: %#llx written, %#llx read back", list[i],
				  (unsigned long long)a->e[i].data,
				  (unsigned long long)v);
			differ++;
		}
	}
	ktap_result(r >= 0 && !unexplained,
		    "GET_MSRS reads and SET_MSRS takes back every MSR of the list (%u refused, %u of them unexplained)",
		    refused, unexplained);
	ktap_result(r >= 0 && !differ,
		    "every MSR reads back what was written, counters only forward (%u differ)",
		    differ);
	free(list);
	free(a);
	vm_free(vm);
}

/* ---- the VMM's values and the guest's ---- */

/* What the VMM set; the guest checks it, then writes its own. */
u64 expect[9];

static const u32 state_msrs[9] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_PAT,
};

static void guest_state(void)
{
	u64 i;

	for (i = 0; i < 9; i++)
		GUEST_MSR_EQ(state_msrs[i], expect[i]);
	GUEST_WRMSR_OK(MSR_STAR, 0x0013000800000000ULL);
	GUEST_WRMSR_OK(MSR_LSTAR, 0xffffffff81000000ULL);
	GUEST_WRMSR_OK(MSR_CSTAR, 0xffffffff82000000ULL);
	GUEST_WRMSR_OK(MSR_SFMASK, 0x47700);
	GUEST_WRMSR_OK(MSR_KERNEL_GS_BASE, 0xffff888000001000ULL);
	GUEST_WRMSR_OK(MSR_SYSENTER_CS, 0x10);
	/* 32 bits: AMD CPUs keep no more (no 64-bit SYSENTER). */
	GUEST_WRMSR_OK(MSR_SYSENTER_ESP, 0x90002000);
	GUEST_WRMSR_OK(MSR_SYSENTER_EIP, 0x81800000);
	GUEST_WRMSR_OK(MSR_PAT, 0x0007010600070106ULL);
	/* PAT types 2 and 3 are reserved (SDM 11.12.2). */
	GUEST_WRMSR_GP(MSR_PAT, 0x0007040600070402ULL);
	GUEST_SYNC(0);
}

static void test_state(void)
{
	static const u64 host[9] = {
		0x0023001000000000ULL, 0xffffffff81234560ULL,
		0x00007f0000001000ULL, 0x700, 0xffff888012345000ULL,
		0x08, 0xffffc90000004000ULL, 0xffffffff81000010ULL,
		0x0007040600070406ULL,
	};
	static const u64 guest[9] = {
		0x0013000800000000ULL, 0xffffffff81000000ULL,
		0xffffffff82000000ULL, 0x47700, 0xffff888000001000ULL,
		0x10, 0x90002000, 0x81800000, 0x0007010600070106ULL,
	};
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct ucall uc;
	int i, bad = 0;
	u64 v;
	bool ok;

	for (i = 0; i < 9; i++) {
		TEST_REQUIRE(set_msr(vcpu, state_msrs[i], host[i]) == 1,
			     "SET_MSRS %#x", state_msrs[i]);
		/*
		 * SYSENTER_ESP/EIP: AMD keeps bits 31:0 (kvm_amd does for a
		 * guest whose CPUID is not Intel's, hv's SVM backend always).
		 */
		(*guest_var(vm, expect))[i] =
			host_is_amd() && (state_msrs[i] == MSR_SYSENTER_ESP ||
					  state_msrs[i] == MSR_SYSENTER_EIP) ?
			(u32)host[i] : host[i];
	}
	vcpu_enter(vcpu, guest_state, 0);
	ok = run_sync(vcpu, &uc, "state");
	ktap_result(ok,
		    "the guest reads the SYSCALL/SYSENTER MSRs, KERNEL_GS_BASE and PAT the VMM set");
	for (i = 0; ok && i < 9; i++) {
		v = msr_of(vcpu, state_msrs[i]);
		if (v != guest[i]) {
			ktap_info("%#x: %#llx, the guest wrote %#llx", state_msrs[i],
				  (unsigned long long)v, (unsigned long long)guest[i]);
			bad++;
		}
	}
	ktap_result(ok && !bad, "the VMM reads what the guest wrote (%d differ)", bad);

	/* Values refused whoever writes them. */
	ktap_result(set_msr(vcpu, MSR_LSTAR, 0x0000800000000000ULL) == 0 &&
		    set_msr(vcpu, MSR_KERNEL_GS_BASE, 0x0001000000000000ULL) == 0 &&
		    set_msr(vcpu, MSR_CSTAR, 0x8000000000000000ULL) == 0,
		    "SET_MSRS of a non-canonical LSTAR, KERNEL_GS_BASE, CSTAR: refused");
	ktap_result(set_msr(vcpu, MSR_PAT, 0x0007040600070403ULL) == 0,
		    "SET_MSRS of a PAT with a reserved type: refused");
	/* Intel: made canonical, as the CPU would refuse it; AMD: 32 bits. */
	TEST_REQUIRE(set_msr(vcpu, MSR_SYSENTER_EIP, 0x0000800000000000ULL) == 1, "EIP");
	v = msr_of(vcpu, MSR_SYSENTER_EIP);
	ktap_result(v == (host_is_amd() ? 0 : 0xffff800000000000ULL),
		    "SYSENTER_EIP 0x0000800000000000 reads %#llx (%s)", (unsigned long long)v,
		    host_is_amd() ? "AMD: bits 31:0" : "Intel: made canonical");
	vm_free(vm);
}

/* ---- MTRRs ---- */

static void guest_mtrr(u64 mask0)
{
	GUEST_MSR_EQ(MSR_MTRRCAP, 0x508);
	GUEST_WRMSR_GP(MSR_MTRRCAP, 0x508);
	GUEST_WRMSR_OK(MSR_MTRR_DEF_TYPE, 0xc06);
	GUEST_WRMSR_OK(MSR_MTRR_FIX64K, 0x0606060606060606ULL);
	GUEST_WRMSR_OK(MSR_MTRR_FIX16K, 0x0505050501010000ULL);
	GUEST_WRMSR_OK(MSR_MTRR_FIX4K_F8000, 0x0404040404040404ULL);
	GUEST_WRMSR_OK(MSR_MTRR_BASE(0), 0x80000006);
	GUEST_WRMSR_OK(MSR_MTRR_MASK(0), mask0);
	GUEST_WRMSR_OK(MSR_MTRR_BASE(7), 0x1000);
	GUEST_MSR_EQ(MSR_MTRR_DEF_TYPE, 0xc06);
	GUEST_MSR_EQ(MSR_MTRR_FIX64K, 0x0606060606060606ULL);
	GUEST_MSR_EQ(MSR_MTRR_FIX16K, 0x0505050501010000ULL);
	GUEST_MSR_EQ(MSR_MTRR_FIX4K_F8000, 0x0404040404040404ULL);
	GUEST_MSR_EQ(MSR_MTRR_BASE(0), 0x80000006);
	GUEST_MSR_EQ(MSR_MTRR_MASK(0), mask0);
	GUEST_MSR_EQ(MSR_MTRR_BASE(7), 0x1000);

	/* SDM 11.11: reserved bits and types 2, 3, 7 raise #GP. */
	GUEST_WRMSR_GP(MSR_MTRR_DEF_TYPE, 0x1006);
	GUEST_WRMSR_GP(MSR_MTRR_DEF_TYPE, 0xc02);
	GUEST_WRMSR_GP(MSR_MTRR_FIX64K, 0x0606060606060603ULL);
	GUEST_WRMSR_GP(MSR_MTRR_BASE(0), 0x80000007);
	GUEST_WRMSR_GP(MSR_MTRR_BASE(0), 0x80000106);
	GUEST_WRMSR_GP(MSR_MTRR_MASK(0), mask0 | 1);
	GUEST_WRMSR_GP(MSR_MTRR_MASK(0), mask0 << 1);
	GUEST_RDMSR_GP(MSR_MTRR_BASE(8));
	GUEST_MSR_EQ(MSR_MTRR_DEF_TYPE, 0xc06);
	GUEST_MSR_EQ(MSR_MTRR_MASK(0), mask0);
	GUEST_SYNC(0);
	/* What the VMM wrote in between. */
	GUEST_MSR_EQ(MSR_MTRR_BASE(3), 0x40000001);
}

/* The physical-address width of a CPUID table (SDM: 36 without 0x80000008). */
static int phys_bits(struct hv_cpuid2 *c)
{
	struct hv_cpuid_entry2 *e = cpuid_find(c, 0x80000008, 0);

	return e ? (e->eax & 0xff) : 36;
}

static void test_mtrr(struct hv_cpuid2 *supported)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	int bits = phys_bits(supported);
	/* 2 GiB at 2 GiB, valid, within the physical-address width. */
	u64 mask0 = (((1ULL << bits) - 1) & ~0x7fffffffULL) | 0x800;
	struct ucall uc;
	bool ok;

	/* Both hv and KVM take the width from the vCPU's CPUID then. */
	TEST_REQUIRE(set_cpuid(vcpu, supported), "SET_CPUID2");
	vcpu_enter(vcpu, guest_mtrr, 1, mask0);
	ok = run_sync(vcpu, &uc, "mtrr");
	ktap_result(ok,
		    "MTRRs: MTRRCAP 0x508, the guest reads back what it wrote, #GP for reserved bits and types (%d-bit addresses)",
		    bits);
	ok = ok && msr_of(vcpu, MSR_MTRR_DEF_TYPE) == 0xc06 &&
	     msr_of(vcpu, MSR_MTRR_FIX16K) == 0x0505050501010000ULL &&
	     msr_of(vcpu, MSR_MTRR_MASK(0)) == mask0 &&
	     set_msr(vcpu, MSR_MTRR_BASE(3), 0x40000001) == 1 &&
	     set_msr(vcpu, MSR_MTRR_BASE(3), 0x40000002) == 0 &&
	     set_msr(vcpu, MSR_MTRRCAP, 0x508) == 0;
	ktap_result(ok,
		    "MTRRs: the VMM reads the guest's values; its bad type and MTRRCAP write are refused");
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "mtrr end");
	ktap_result(ok, "MTRRs: the guest reads what the VMM wrote");
	vm_free(vm);
}

/* ---- machine-check banks ---- */

static void guest_mce(u64 amd)
{
	u64 cap, n, i;
	bool gp;

	cap = rdmsr_gp(MSR_MCG_CAP, &gp);
	GUEST_ASSERT(!gp);
	n = cap & 0xff;
	GUEST_WRMSR_GP(MSR_MCG_CAP, cap);
	GUEST_WRMSR_OK(MSR_MCG_STATUS, 5);
	GUEST_MSR_EQ(MSR_MCG_STATUS, 5);
	if (cap & MCG_CTL_P) {
		GUEST_WRMSR_OK(MSR_MCG_CTL, 0);
		GUEST_MSR_EQ(MSR_MCG_CTL, 0);
		GUEST_WRMSR_OK(MSR_MCG_CTL, ~0ULL);
		GUEST_WRMSR_GP(MSR_MCG_CTL, 1);
	} else {
		GUEST_RDMSR_GP(MSR_MCG_CTL);
		GUEST_WRMSR_GP(MSR_MCG_CTL, 0);
	}
	for (i = 0; i < n && i < 10; i++) {
		GUEST_WRMSR_OK(MSR_MC_CTL(i), 0);
		GUEST_MSR_EQ(MSR_MC_CTL(i), 0);
		GUEST_WRMSR_OK(MSR_MC_CTL(i), ~0ULL);
		GUEST_MSR_EQ(MSR_MC_CTL(i), ~0ULL);
		GUEST_WRMSR_GP(MSR_MC_CTL(i), 2);
		GUEST_WRMSR_OK(MSR_MC_ADDR(i), 0x1000 + i);
		GUEST_MSR_EQ(MSR_MC_ADDR(i), 0x1000 + i);
		GUEST_WRMSR_OK(MSR_MC_MISC(i), 0x2000 + i);
		GUEST_MSR_EQ(MSR_MC_MISC(i), 0x2000 + i);
		GUEST_WRMSR_OK(MSR_MC_STATUS(i), 0);
		/* Only clearing, unless an AMD CPU's HWCR allows more. */
		GUEST_WRMSR_GP(MSR_MC_STATUS(i), 0x8000000000000001ULL);
	}
	/* Past the last bank (from 0x480 on, Intel's VMX MSRs follow). */
	if (MSR_MC_CTL(n) < 0x480)
		GUEST_RDMSR_GP(MSR_MC_CTL(n));
	GUEST_SYNC(cap);
	/* The VMM's write, which the guest could not make. */
	GUEST_MSR_EQ(MSR_MC_STATUS(1), 0xbeef);
	GUEST_WRMSR_OK(MSR_HWCR, HWCR_MCSTATUSWREN);
	GUEST_MSR_EQ(MSR_HWCR, HWCR_MCSTATUSWREN);
	GUEST_WRMSR_GP(MSR_HWCR, 1);
	GUEST_ASSERT_EQ(wrmsr_gp(MSR_MC_STATUS(0), 0x42), !amd);
	GUEST_WRMSR_OK(MSR_HWCR, 0);
}

static void test_mce(struct hv_cpuid2 *supported)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct ucall uc;
	u64 cap = 0;
	bool ok;

	TEST_REQUIRE(set_cpuid(vcpu, supported), "SET_CPUID2");
	vcpu_enter(vcpu, guest_mce, 1, (u64)host_is_amd());
	ok = run_sync(vcpu, &uc, "mce");
	if (ok)
		cap = uc.args[0];
	ktap_result(ok && (cap & 0xff),
		    "MCE: MCG_CAP %#llx read-only; MCG_STATUS, MCi_CTL/ADDR/MISC read back; MCi_STATUS only cleared; #GP past the last bank",
		    (unsigned long long)cap);
	ok = ok && msr_of(vcpu, MSR_MC_ADDR(0)) == 0x1000 &&
	     msr_of(vcpu, MSR_MC_MISC(1)) == 0x2001 &&
	     msr_of(vcpu, MSR_MCG_STATUS) == 5 &&
	     msr_of(vcpu, MSR_MCG_CAP) == cap &&
	     set_msr(vcpu, MSR_MCG_CAP, cap) == 0 &&
	     set_msr(vcpu, MSR_MC_STATUS(1), 0xbeef) == 1 &&
	     set_msr(vcpu, MSR_MC_CTL(0), 0x3) == 0;
	ktap_result(ok,
		    "MCE: the VMM reads the guest's banks, may set MCi_STATUS, may not write MCG_CAP");
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "mce end");
	ktap_result(ok,
		    "MCE: the guest reads the VMM's MCi_STATUS; HWCR.McStatusWrEn lets %s guest write it",
		    host_is_amd() ? "an AMD" : "no Intel");
	vm_free(vm);
}

/* ---- MSRs nobody has, and host-initiated writes the guest may not make ---- */

static void guest_unknown(void)
{
	GUEST_RDMSR_GP(MSR_NONE_1);
	GUEST_WRMSR_GP(MSR_NONE_1, 0);
	GUEST_RDMSR_GP(MSR_NONE_2);
	GUEST_WRMSR_GP(MSR_NONE_2, 1);
	GUEST_SYNC(gp_count);
}

static void guest_host_only(u64 efer)
{
	u64 misc;
	bool gp;

	misc = rdmsr_gp(MSR_MISC_ENABLE, &gp);
	GUEST_ASSERT(!gp);
	/* SDM Table 2-2: the PMU's read-only bits; EMON is ignored. */
	GUEST_WRMSR_GP(MSR_MISC_ENABLE, misc ^ MISC_ENABLE_PEBS_UNAVAIL);
	GUEST_WRMSR_OK(MSR_MISC_ENABLE, misc | MISC_ENABLE_EMON);
	GUEST_MSR_EQ(MSR_MISC_ENABLE, misc);
	GUEST_WRMSR_GP(MSR_SMI_COUNT, 0);
	/* A microcode update request is ignored. */
	GUEST_WRMSR_OK(MSR_UCODE_REV, 5);
	GUEST_MSR_EQ(MSR_UCODE_REV, 0x4200000000ULL);
	/* EFER.NX, which the VMM set, is not the guest's to keep. */
	GUEST_MSR_EQ(MSR_EFER, efer);
	GUEST_WRMSR_GP(MSR_EFER, efer);
	GUEST_SYNC(0);
}

static void test_host_vs_guest(void)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct ucall uc;
	u64 misc, efer, ucode;
	bool ok;

	vcpu_enter(vcpu, guest_unknown, 0);
	ok = run_sync(vcpu, &uc, "unknown");
	ktap_result(ok && uc.args[0] == 4, "RDMSR/WRMSR of MSRs nobody has (%#x, %#x): #GP",
		    MSR_NONE_1, MSR_NONE_2);

	misc = msr_of(vcpu, MSR_MISC_ENABLE);
	ucode = msr_of(vcpu, MSR_UCODE_REV);
	/* KVM's constants: kvm_amd's and kvm_intel's differ. */
	ktap_result(misc == 0x1800 &&
		    ucode == (host_is_amd() ? 0x01000065ULL : 0x100000000ULL),
		    "reset: MISC_ENABLE %#llx, UCODE_REV %#llx",
		    (unsigned long long)misc, (unsigned long long)ucode);
	ok = set_msr(vcpu, MSR_MISC_ENABLE, misc ^ MISC_ENABLE_PEBS_UNAVAIL) == 1 &&
	     msr_of(vcpu, MSR_MISC_ENABLE) == (misc ^ MISC_ENABLE_PEBS_UNAVAIL) &&
	     set_msr(vcpu, MSR_SMI_COUNT, 3) == 1 && msr_of(vcpu, MSR_SMI_COUNT) == 3 &&
	     set_msr(vcpu, MSR_UCODE_REV, 0x4200000000ULL) == 1;
	ktap_result(ok, "the VMM writes MISC_ENABLE's read-only bits, SMI_COUNT and UCODE_REV");
	efer = msr_of(vcpu, MSR_EFER) | EFER_NX;
	ok = set_msr(vcpu, MSR_EFER, efer) == 1 && msr_of(vcpu, MSR_EFER) == efer;
	ktap_result(ok, "the VMM sets EFER.NX without NX in the CPUID (efer %#llx)",
		    (unsigned long long)efer);
	vcpu_enter(vcpu, guest_host_only, 1, efer);
	ok = run_sync(vcpu, &uc, "host only");
	ktap_result(ok,
		    "the guest may not: MISC_ENABLE read-only bits, SMI_COUNT, EFER.NX; its UCODE_REV write is ignored");
	vm_free(vm);
}

/* ---- time ---- */

static void guest_tsc(u64 x, u64 adjust_ok)
{
	u64 t1, t2, adj, y;
	bool gp;

	t1 = rdtsc();
	GUEST_WRMSR_OK(MSR_TSC, x);
	t2 = rdtsc();
	adj = rdmsr_gp(MSR_TSC_ADJUST, &gp);
	GUEST_ASSERT(!gp);
	GUEST_SYNC(t1, t2, adj);
	/* The VMM wrote the TSC: TSC_ADJUST does not move. */
	y = rdtsc();
	GUEST_MSR_EQ(MSR_TSC_ADJUST, adj);
	GUEST_SYNC(y);
	if (!adjust_ok)
		return;
	/* SDM 17.17.3: writing TSC_ADJUST moves the TSC by the change. */
	t1 = rdtsc();
	GUEST_WRMSR_OK(MSR_TSC_ADJUST, adj + (1ULL << 44));
	t2 = rdtsc();
	GUEST_SYNC(t1, t2);
}

static void test_tsc(struct hv_cpuid2 *supported)
{
	struct hv_cpuid_entry2 *e7 = cpuid_find(supported, 7, 0);
	u64 adjust_ok = e7 && (e7->ebx & L7_EBX_TSC_ADJUST);
	const u64 x = 1ULL << 42, y = 1ULL << 43, z = 1ULL << 41;
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	struct ucall uc;
	u64 v, t1, t2, adj;
	bool ok;

	ok = set_msr(vcpu, MSR_TSC, z) == 1;
	v = msr_of(vcpu, MSR_TSC);
	ktap_result(ok && v - z < TSC_SLACK,
		    "the VMM's TSC write: it reads %#llx after writing %#llx",
		    (unsigned long long)v, (unsigned long long)z);

	TEST_REQUIRE(set_cpuid(vcpu, supported), "SET_CPUID2");
	vcpu_enter(vcpu, guest_tsc, 2, x, adjust_ok);
	ok = run_sync(vcpu, &uc, "tsc");
	t1 = uc.args[0];
	t2 = uc.args[1];
	adj = uc.args[2];
	ktap_result(ok && t1 - z < TSC_SLACK && t2 - x < TSC_SLACK,
		    "the guest's TSC: %#llx, then %#llx after its WRMSR of %#llx",
		    (unsigned long long)t1, (unsigned long long)t2, (unsigned long long)x);
	ktap_result(ok && (long long)(x - t1 - adj) >= 0 &&
		    x - t1 - adj < TSC_SLACK,
		    "the guest's TSC write moved TSC_ADJUST by as much (%#llx)",
		    (unsigned long long)adj);
	v = msr_of(vcpu, MSR_TSC);
	ktap_result(v - t2 < TSC_SLACK, "the VMM reads the guest's TSC: %#llx",
		    (unsigned long long)v);
	ok = ok && set_msr(vcpu, MSR_TSC, y) == 1 && run_sync(vcpu, &uc, "tsc 2");
	ktap_result(ok && uc.args[0] - y < TSC_SLACK,
		    "the VMM's TSC write reaches the guest (%#llx), TSC_ADJUST stays",
		    (unsigned long long)uc.args[0]);
	if (!adjust_ok) {
		ktap_skip("guest TSC_ADJUST write", "TSC_ADJUST is not in the supported CPUID");
	} else {
		ok = ok && run_sync(vcpu, &uc, "tsc 3");
		ktap_result(ok && uc.args[1] - uc.args[0] - (1ULL << 44) < TSC_SLACK,
			    "the guest's TSC_ADJUST write moves its TSC (%#llx, then %#llx)",
			    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
	}
	vm_free(vm);
}

static void guest_tsc_aux(u64 amd)
{
	bool ud, gp;
	u32 aux;

	aux = rdtscp_aux(&ud);
	GUEST_ASSERT_EQ(ud, 0);
	GUEST_ASSERT_EQ(aux, 0x1234);
	GUEST_MSR_EQ(MSR_TSC_AUX, 0x1234);
	GUEST_WRMSR_OK(MSR_TSC_AUX, 0x5678);
	aux = rdtscp_aux(&ud);
	GUEST_ASSERT_EQ(aux, 0x5678);
	/* Bits 63:32: #GP on Intel, dropped on AMD (as KVM). */
	gp = wrmsr_gp(MSR_TSC_AUX, (1ULL << 32) | 7);
	GUEST_ASSERT_EQ(gp, !amd);
	GUEST_MSR_EQ(MSR_TSC_AUX, amd ? 7 : 0x5678);
	GUEST_SYNC(0);
}

/* Without RDTSCP (or RDPID) in the CPUID. */
static void guest_no_tsc_aux(u64 want_ud)
{
	bool ud;

	GUEST_RDMSR_GP(MSR_TSC_AUX);
	GUEST_WRMSR_GP(MSR_TSC_AUX, 1);
	rdtscp_aux(&ud);
	GUEST_ASSERT_EQ(ud, want_ud);
	GUEST_SYNC(0);
}

/* QEMU's SVM ignores the RDTSCP intercept: the lab says so. */
static bool lane_runs_rdtscp_anyway(void)
{
	return kernel_cmdline_has("hvlab.no_rdtscp_intercept");
}

static void test_tsc_aux(struct hv_cpuid2 *supported)
{
	struct hv_cpuid_entry2 *e = cpuid_find(supported, 0x80000001, 0);
	struct hv_cpuid_entry2 *e7 = cpuid_find(supported, 7, 0);
	bool no_intercept = lane_runs_rdtscp_anyway();
	struct vcpu *vcpu;
	struct vm *vm;
	struct ucall uc;
	u32 saved, saved7 = 0;
	bool ok;
	u64 v;

	if (!e || !(e->edx & EXT1_EDX_RDTSCP)) {
		ktap_skip("TSC_AUX through RDTSCP", "RDTSCP is not in the supported CPUID");
		return;
	}
	vm = msr_vm(&vcpu);
	TEST_REQUIRE(set_cpuid(vcpu, supported), "SET_CPUID2");
	ok = set_msr(vcpu, MSR_TSC_AUX, 0x1234) == 1;
	vcpu_enter(vcpu, guest_tsc_aux, 1, (u64)host_is_amd());
	ok = ok && run_sync(vcpu, &uc, "tsc_aux");
	v = ok ? msr_of(vcpu, MSR_TSC_AUX) : 0;
	ktap_result(ok && v == (host_is_amd() ? 7 : 0x5678),
		    "TSC_AUX: RDTSCP and RDMSR read the VMM's and the guest's values (%#llx)",
		    (unsigned long long)v);
	vm_free(vm);

	saved = e->edx;
	e->edx &= ~EXT1_EDX_RDTSCP;
	if (e7) {
		saved7 = e7->ecx;
		e7->ecx &= ~L7_ECX_RDPID;
	}
	vm = msr_vm(&vcpu);
	TEST_REQUIRE(set_cpuid(vcpu, supported), "SET_CPUID2");
	ok = set_msr(vcpu, MSR_TSC_AUX, 0x99) == 1 && msr_of(vcpu, MSR_TSC_AUX) == 0x99;
	ktap_result(ok, "TSC_AUX without RDTSCP in the CPUID: the VMM still reads and writes it");
	vcpu_enter(vcpu, guest_no_tsc_aux, 1, (u64)!no_intercept);
	ok = run_sync(vcpu, &uc, "no tsc_aux");
	ktap_result(ok, "TSC_AUX without RDTSCP in the CPUID: #GP for RDMSR/WRMSR, %s for RDTSCP",
		    no_intercept ? "RDTSCP runs (this lane's SVM ignores the intercept)" : "#UD");
	vm_free(vm);
	e->edx = saved;
	if (e7)
		e7->ecx = saved7;
}

/* KVM's clock MSRs: the VMM's values are kept (hv does nothing more). */
static void test_kvmclock(void)
{
	struct vcpu *vcpu;
	struct vm *vm = msr_vm(&vcpu);
	bool ok;

	/* Scratch memory: KVM writes its clock structures there. */
	ok = set_msr(vcpu, MSR_KVM_SYSTEM_TIME, GPA_SCRATCH | 1) == 1 &&
	     set_msr(vcpu, MSR_KVM_WALL_CLOCK, GPA_SCRATCH + 0x1000) == 1 &&
	     msr_of(vcpu, MSR_KVM_SYSTEM_TIME) == (GPA_SCRATCH | 1) &&
	     msr_of(vcpu, MSR_KVM_WALL_CLOCK) == GPA_SCRATCH + 0x1000 &&
	     set_msr(vcpu, MSR_KVM_SYSTEM_TIME, 0) == 1 &&
	     set_msr(vcpu, MSR_KVM_WALL_CLOCK, 0) == 1;
	ktap_result(ok, "KVM_SYSTEM_TIME and KVM_WALL_CLOCK keep what the VMM writes");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	struct hv_cpuid2 *supported;

	ktap_begin(argc, argv);
	devfd = dev_open();
	supported = dev_supported_cpuid(devfd);
	TEST_REQUIRE(supported, "GET_SUPPORTED_CPUID");
	if (!dev_is_kvm())
		ktap_result(!cpuid_find(supported, 0x40000001, 0) ||
			    !cpuid_find(supported, 0x40000001, 0)->eax,
			    "no KVM paravirtual features (no kvmclock) are offered");

	test_index_list();
	test_feature_msrs();
	test_msrs_errors();
	test_round_trip();
	test_state();
	test_mtrr(supported);
	test_mce(supported);
	test_host_vs_guest();
	test_tsc(supported);
	test_tsc_aux(supported);
	test_kvmclock();
	free(supported);
	ktap_end();
}
