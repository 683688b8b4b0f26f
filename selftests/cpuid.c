// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CPUID and XCR0 (KVM_CAP_EXT_CPUID, KVM_CAP_XCRS), with
 * KVM 6.1's semantics, checked against kvm_amd in the same lane:
 *  - KVM_GET_SUPPORTED_CPUID: the host's vendor, leaves within their
 *    ranges, indexed leaves flagged, leaf 0xd consistent with the XCR0
 *    values it allows, nothing the host lacks (hv); too small a buffer
 *    (nent 0 included) is E2BIG with nothing written back;
 *  - KVM_SET_CPUID2 / KVM_GET_CPUID2: round trip with the state-dependent
 *    bits (OSXSAVE follows CR4.OSXSAVE, APIC follows IA32_APIC_BASE.EN,
 *    0xd.0 EBX follows XCR0); more than 256 entries is E2BIG, unreadable
 *    entries EFAULT, a bad linear-address width EINVAL; after the first
 *    KVM_RUN only the same table is accepted; KVM_GET_CPUID2 with too
 *    small a buffer is E2BIG and, as KVM 6.1, never writes nent back;
 *  - the guest's CPUID reads the table, with KVM's answer for leaves it
 *    lacks (zeros for an AMD vendor, the highest basic leaf for others);
 *  - CR4 bits follow the table: CR4.OSXSAVE without XSAVE is EINVAL in
 *    KVM_SET_SREGS and #GP for the guest's MOV to CR4;
 *  - EFER: the guest's WRMSR may set NX/keep LME only with NX/LM in its
 *    CPUID (#GP otherwise), and may not change LME while paging;
 *  - RDX after INIT (triple fault on AMD, where KVM resets the vCPU) is
 *    the table's CPUID.1.EAX; on Intel KVM leaves the state as it was;
 *  - KVM_GET/SET_XCRS: round trip, and EINVAL for XCR0 without x87, AVX
 *    without SSE, bits the table's leaf 0xd lacks, flags, nr_xcrs > 16;
 *  - the guest's XSETBV: #GP for what the hardware refuses itself (XCR0
 *    = 0, ECX = 1); for what the table forbids only where XSETBV exits
 *    (not in the AMD-V lane: QEMU's SVM does not intercept it, and the
 *    lab says so with hvlab.no_xsetbv_exit on the kernel command line).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define F_SIG		HV_CPUID_FLAG_SIGNIFCANT_INDEX
#define MAX_ENTRIES	256
#define GP_VECTOR	13

#define LEAF1_ECX_VMX		(1u << 5)
#define LEAF1_ECX_MONITOR	(1u << 3)
#define LEAF1_ECX_X2APIC	(1u << 21)
#define LEAF1_ECX_TSC_DEADLINE	(1u << 24)
#define LEAF1_ECX_XSAVE		(1u << 26)
#define LEAF1_ECX_OSXSAVE	(1u << 27)
#define LEAF1_ECX_AVX		(1u << 28)
#define LEAF1_EDX_APIC		(1u << 9)
#define LEAF7_EBX_TSC_ADJUST	(1u << 1)
#define LEAF7_ECX_PKU		(1u << 3)
#define LEAF7_ECX_LA57		(1u << 16)
#define EXT1_ECX_SVM		(1u << 2)
#define EXT1_EDX_NX		(1u << 20)
#define LEAF7_ECX_RDPID		(1u << 22)
#define EXT1_EDX_LM		(1u << 29)
#define XSAVEC_BIT		(1u << 1)
#define XSAVES_BIT		(1u << 3)
#define APIC_BASE_EN		(1ULL << 11)

/* ---- helpers ---- */

static struct hv_cpuid2 *cpuid_alloc(u32 nent)
{
	struct hv_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	TEST_REQUIRE(c, "out of memory");
	c->nent = nent;
	return c;
}

static struct hv_cpuid2 *cpuid_dup(const struct hv_cpuid2 *c)
{
	struct hv_cpuid2 *d = cpuid_alloc(c->nent);

	memcpy(d->entries, c->entries, c->nent * sizeof(c->entries[0]));
	return d;
}

static struct hv_cpuid2 *supported(void)
{
	int devfd = dev_open();
	struct hv_cpuid2 *c = dev_supported_cpuid(devfd);

	TEST_REQUIRE(c, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	close(devfd);
	return c;
}

/* The leaves whose index is significant (KVM's list). */
static bool leaf_is_indexed(u32 fn)
{
	static const u32 indexed[] = {
		4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d, 0x1e,
		0x1f, 0x8000001d,
	};
	unsigned int i;

	for (i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i] == fn)
			return true;
	return false;
}

static struct hv_cpuid_entry2 *find(struct hv_cpuid2 *c, u32 fn, u32 idx)
{
	struct hv_cpuid_entry2 *e = cpuid_find(c, fn, idx);

	TEST_REQUIRE(e, "no CPUID entry %#x.%u", fn, idx);
	return e;
}

/* Remove every entry of @fn (all its indexes). */
static void cpuid_drop(struct hv_cpuid2 *c, u32 fn)
{
	u32 i, j = 0;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[j++] = c->entries[i];
	c->nent = j;
}

static long set_cpuid(struct vcpu *vcpu, struct hv_cpuid2 *c)
{
	return ioctl_ret(vcpu->fd, HV_SET_CPUID2, (unsigned long)c);
}

/* KVM_GET_CPUID2 into a 256-entry buffer; nent is as stored (@n). */
static struct hv_cpuid2 *get_cpuid(struct vcpu *vcpu, u32 n)
{
	struct hv_cpuid2 *c = cpuid_alloc(MAX_ENTRIES);
	long r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)c);

	TEST_REQUIRE(!r, "KVM_GET_CPUID2: %ld", r);
	c->nent = n;
	return c;
}

static long set_xcr0(struct vcpu *vcpu, u64 value)
{
	struct hv_xcrs x;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = value;
	return ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
}

static u64 get_xcr0(struct vcpu *vcpu)
{
	struct hv_xcrs x;

	TEST_REQUIRE(!ioctl(vcpu->fd, HV_GET_XCRS, &x), "KVM_GET_XCRS: %s",
		     strerror(errno));
	return x.xcrs[0].value;
}

static long set_cr4(struct vcpu *vcpu, u64 cr4)
{
	struct hv_sregs sr;

	vcpu_get_sregs(vcpu, &sr);
	sr.cr4 = cr4;
	return ioctl_ret(vcpu->fd, HV_SET_SREGS, (unsigned long)&sr);
}

static u64 get_cr4(struct vcpu *vcpu)
{
	struct hv_sregs sr;

	vcpu_get_sregs(vcpu, &sr);
	return sr.cr4;
}

/* Size of the standard-format XSAVE area for @xcr0, from the host. */
static u32 xsave_size(u64 xcr0)
{
	u32 size = 576, a, b, c, d;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		if (b + a > size)
			size = b + a;
	}
	return size;
}

static bool lane_lacks_xsetbv_exit(void)
{
	return kernel_cmdline_has("hvlab.no_xsetbv_exit");
}

/* ---- guest code ---- */

static void guest_cpuid_list(u64 list, u64 n)
{
	const u32 *l = (const u32 *)list;
	u32 a, b, c, d;
	u64 i;

	for (i = 0; i < n; i++) {
		guest_cpuid(l[2 * i], l[2 * i + 1], &a, &b, &c, &d);
		GUEST_SYNC(a, b, c, d);
	}
}

/* CPUID.1:ECX, then CR4.OSXSAVE on, then CPUID.1:ECX and XCR0 again. */
static void guest_osxsave(void)
{
	u32 a, b, c, d;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_SYNC(c);
	write_cr4(read_cr4() | CR4_OSXSAVE);
	guest_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_SYNC(c, xgetbv(0));
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	GUEST_SYNC(b);
	/* The test sets XCR0 to x87|SSE|AVX with KVM_SET_XCRS here. */
	guest_cpuid(0xd, 0, &a, &b, &c, &d);
	GUEST_SYNC(b, xgetbv(0));
}

static void guest_set_osxsave(void)
{
	write_cr4(read_cr4() | CR4_OSXSAVE);
	GUEST_SYNC(read_cr4());
}

static inline __attribute__((always_inline)) void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* WRMSR EFER with @set bits added and @clear bits removed. */
static void guest_efer(u64 set, u64 clear)
{
	wrmsr(MSR_EFER, (rdmsr(MSR_EFER) | set) & ~clear);
	GUEST_SYNC(rdmsr(MSR_EFER));
}

static void guest_xsetbv(u64 index, u64 value)
{
	xsetbv(index, value);
	GUEST_SYNC(xgetbv(0));
}

static void guest_ud2(void)
{
	asm volatile("ud2");
}

/* ---- KVM_GET_SUPPORTED_CPUID ---- */

static void test_supported(void)
{
	struct hv_cpuid2 *c = supported(), *small;
	struct hv_cpuid_entry2 *e0, *e1, *ex, *ed, *e;
	u32 a, b, cc, d, i, n = c->nent;
	u64 host_xcr0, xf;
	bool ok;
	int devfd = dev_open();
	long r;

	ktap_info("KVM_GET_SUPPORTED_CPUID: %u entries", n);
	ktap_result(n >= 1 && n <= MAX_ENTRIES, "supported: %u entries (1..256)", n);

	__cpuid(0, a, b, cc, d);
	e0 = find(c, 0, 0);
	ktap_result(e0->ebx == b && e0->ecx == cc && e0->edx == d,
		    "supported: leaf 0's vendor is the host's (%.4s%.4s%.4s)",
		    (char *)&e0->ebx, (char *)&e0->edx, (char *)&e0->ecx);
	ex = find(c, 0x80000000, 0);
	ok = e0->eax >= 0xd && ex->eax >= 0x80000001;
	for (i = 0; i < n; i++) {
		e = &c->entries[i];
		if (e->function < 0x40000000 && e->function > e0->eax)
			ok = false;
		if (e->function >= 0x80000000 && e->function < 0xc0000000 &&
		    e->function > ex->eax)
			ok = false;
	}
	ktap_result(ok, "supported: every leaf is within its range (max %#x, %#x)",
		    e0->eax, ex->eax);

	ok = true;
	for (i = 0; i < n; i++) {
		e = &c->entries[i];
		if (e->function > 0x1f && e->function < 0x80000000)
			continue;	/* hypervisor leaves */
		if (leaf_is_indexed(e->function) != !!(e->flags & F_SIG)) {
			ktap_info("leaf %#x.%u flags %#x", e->function, e->index, e->flags);
			ok = false;
		}
	}
	ktap_result(ok, "supported: the indexed leaves (4, 7, 0xd...), and only they, are flagged SIGNIFCANT_INDEX");

	e = cpuid_find(c, 0x40000000, 0);
	ktap_result(e && e->eax == 0x40000001 && e->ebx == 0x4b4d564b &&
		    e->ecx == 0x564b4d56 && e->edx == 0x4d &&
		    cpuid_find(c, 0x40000001, 0),
		    "supported: KVM's hypervisor leaves, \"KVMKVMKVM\" up to 0x40000001");

	e1 = find(c, 1, 0);
	ktap_result(!(e1->ecx & LEAF1_ECX_OSXSAVE),
		    "supported: CPUID.1:ECX.OSXSAVE is clear (it follows CR4)");

	ed = find(c, 0xd, 0);
	xf = ed->eax | (u64)ed->edx << 32;
	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	host_xcr0 = a | (u64)d << 32;
	ok = (xf & 3) == 3 && !(xf & ~host_xcr0) &&
	     (!(e1->ecx & LEAF1_ECX_AVX) || (xf & XFEATURE_YMM)) &&
	     ed->ecx >= xsave_size(xf) && ed->ebx <= ed->ecx;
	for (i = 2; i < 64; i++) {
		if (!(xf & (1ULL << i)))
			continue;
		e = cpuid_find(c, 0xd, i);
		if (!e || !e->eax)
			ok = false;
	}
	ktap_result(ok, "supported: leaf 0xd offers x87|SSE (%#llx) within the host's XCR0 (%#llx), AVX with YMM, a sub-leaf per component, sizes %u/%u",
		    (unsigned long long)xf, (unsigned long long)host_xcr0, ed->ebx, ed->ecx);

	if (!dev_is_kvm()) {
		u32 ha, hb, hc, hd;
		struct hv_cpuid_entry2 *e7 = cpuid_find(c, 7, 0);
		struct hv_cpuid_entry2 *ee = find(c, 0x80000001, 0);

		/* hv emulates these two whatever the host has, as KVM. */
		__cpuid(1, ha, hb, hc, hd);
		ok = !(e1->ecx & ~(hc | LEAF1_ECX_X2APIC)) && !(e1->edx & ~hd);
		__cpuid_count(7, 0, ha, hb, hc, hd);
		ok = ok && (!e7 || (!(e7->ebx & ~(hb | LEAF7_EBX_TSC_ADJUST)) &&
				    !(e7->ecx & ~hc) && !(e7->edx & ~hd)));
		__cpuid(0x80000001, ha, hb, hc, hd);
		ok = ok && !(ee->ecx & ~hc) && !(ee->edx & ~hd);
		ktap_result(ok, "supported (hv): no feature of leaves 1, 7, 0x80000001 the host lacks but the emulated x2APIC and TSC_ADJUST");
		ok = !(e1->ecx & (LEAF1_ECX_VMX | LEAF1_ECX_MONITOR |
				  LEAF1_ECX_TSC_DEADLINE)) &&
		     (!e7 || !(e7->ecx & (LEAF7_ECX_PKU | LEAF7_ECX_LA57 |
					  LEAF7_ECX_RDPID))) &&
		     !(ee->ecx & EXT1_ECX_SVM);
		ktap_result(ok, "supported (hv): no VMX, SVM, MONITOR, TSC deadline, PKU, LA57, RDPID");
		ok = (e1->ecx & LEAF1_ECX_X2APIC) && e7 &&
		     (e7->ebx & LEAF7_EBX_TSC_ADJUST);
		ktap_result(ok, "supported (hv): x2APIC (the in-kernel LAPIC's) and TSC_ADJUST (core/msr.c's)");
	} else {
		ktap_skip("supported (hv): no feature the host lacks", "the reference emulates some");
		ktap_skip("supported (hv): what hv does not virtualize", "hv only");
		ktap_skip("supported (hv): x2APIC and TSC_ADJUST", "hv only");
	}

	/* Too small: E2BIG, nothing written back. */
	small = cpuid_alloc(n);
	small->nent = n - 1;
	memset(small->entries, 0xa5, n * sizeof(small->entries[0]));
	r = ioctl_ret(devfd, HV_GET_SUPPORTED_CPUID, (unsigned long)small);
	ok = r == -E2BIG && small->nent == n - 1 &&
	     small->entries[0].function == 0xa5a5a5a5;
	ktap_result(ok, "supported: nent %u (one short): E2BIG, nent and entries untouched (%ld, nent %u)",
		    n - 1, r, small->nent);
	small->nent = 0;
	r = ioctl_ret(devfd, HV_GET_SUPPORTED_CPUID, (unsigned long)small);
	ktap_result(r == -E2BIG && small->nent == 0, "supported: nent 0: E2BIG (%ld)", r);
	free(small);

	small = cpuid_alloc(1000);
	r = ioctl_ret(devfd, HV_GET_SUPPORTED_CPUID, (unsigned long)small);
	ktap_result(!r && small->nent == n &&
		    !memcmp(small->entries, c->entries, n * sizeof(c->entries[0])),
		    "supported: nent 1000: the same %u entries, nent set (%ld, nent %u)",
		    n, r, small->nent);
	free(small);

	r = ioctl_ret(devfd, HV_GET_SUPPORTED_CPUID, 0);
	ktap_result(r == -EFAULT, "supported: NULL argument: EFAULT (%ld)", r);
	close(devfd);
	free(c);
}

/* ---- KVM_SET_CPUID2 / KVM_GET_CPUID2 ---- */

/* @c as the vCPU should report it: the state-dependent bits applied. */
static void expect_dynamic(struct hv_cpuid2 *c, u64 cr4, u64 apic_base, u64 xcr0)
{
	struct hv_cpuid_entry2 *e;

	e = cpuid_find(c, 1, 0);
	if (e) {
		e->ecx = (e->ecx & ~LEAF1_ECX_OSXSAVE) |
			 ((cr4 & CR4_OSXSAVE) ? LEAF1_ECX_OSXSAVE : 0);
		e->edx = (e->edx & ~LEAF1_EDX_APIC) |
			 ((apic_base & APIC_BASE_EN) ? LEAF1_EDX_APIC : 0);
	}
	e = cpuid_find(c, 0xd, 0);
	if (e)
		e->ebx = xsave_size(xcr0);
	e = cpuid_find(c, 0xd, 1);
	if (e && (e->eax & (XSAVEC_BIT | XSAVES_BIT)))
		e->ebx = xsave_size(xcr0);	/* x87/SSE/AVX: same compacted */
}

static bool same_entries(struct hv_cpuid2 *a, struct hv_cpuid2 *b)
{
	u32 i;

	if (a->nent != b->nent)
		return false;
	for (i = 0; i < a->nent; i++) {
		struct hv_cpuid_entry2 *x = &a->entries[i], *y = &b->entries[i];

		if (x->function != y->function || x->index != y->index ||
		    x->flags != y->flags || x->eax != y->eax || x->ebx != y->ebx ||
		    x->ecx != y->ecx || x->edx != y->edx) {
			ktap_info("entry %u: %#x.%u %#x %#x %#x %#x %#x vs %#x.%u %#x %#x %#x %#x %#x",
				  i, x->function, x->index, x->flags, x->eax, x->ebx,
				  x->ecx, x->edx, y->function, y->index, y->flags,
				  y->eax, y->ebx, y->ecx, y->edx);
			return false;
		}
	}
	return true;
}

static void test_set_get(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_cpuid2 *c = supported(), *want, *got, *big;
	struct hv_sregs sr;
	long r;
	u32 n = c->nent;
	u8 *pages;

	got = cpuid_alloc(4);
	r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)got);
	ktap_result(!r && got->nent == 4,
		    "GET_CPUID2 before SET_CPUID2: 0 entries, success (%ld, nent %u as passed)",
		    r, got->nent);
	free(got);

	r = set_cpuid(vcpu, c);
	ktap_result(!r, "SET_CPUID2 with the supported table (%u entries): %ld", n, r);
	vcpu_get_sregs(vcpu, &sr);
	want = cpuid_dup(c);
	expect_dynamic(want, sr.cr4, sr.apic_base, 1);
	got = get_cpuid(vcpu, n);
	ktap_result(same_entries(got, want),
		    "GET_CPUID2 returns the table, OSXSAVE/APIC/0xd sizes following the vCPU's state");
	free(got);

	/* APIC follows IA32_APIC_BASE.EN. */
	sr.apic_base &= ~APIC_BASE_EN;
	vcpu_set_sregs(vcpu, &sr);
	got = get_cpuid(vcpu, n);
	ktap_result(!(find(got, 1, 0)->edx & LEAF1_EDX_APIC),
		    "GET_CPUID2: CPUID.1:EDX.APIC clears with IA32_APIC_BASE.EN");
	free(got);
	sr.apic_base |= APIC_BASE_EN;
	vcpu_set_sregs(vcpu, &sr);

	/* Too small: E2BIG; as KVM 6.1, nent is not written back. */
	got = cpuid_alloc(n);
	got->nent = n - 1;
	r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)got);
	ktap_result(r == -E2BIG && got->nent == n - 1,
		    "GET_CPUID2 with nent %u (one short): E2BIG, nent not written back (%ld, nent %u)",
		    n - 1, r, got->nent);
	got->nent = MAX_ENTRIES + 100;
	free(got);
	got = cpuid_alloc(MAX_ENTRIES + 100);
	r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)got);
	ktap_result(!r && got->nent == MAX_ENTRIES + 100,
		    "GET_CPUID2 with nent 356: success, nent as passed (%ld, nent %u)",
		    r, got->nent);
	free(got);

	/* Bad input. */
	big = cpuid_alloc(MAX_ENTRIES + 1);
	r = set_cpuid(vcpu, big);
	ktap_result(r == -E2BIG, "SET_CPUID2 with 257 entries: E2BIG (%ld)", r);
	big->nent = MAX_ENTRIES;
	memcpy(big->entries, c->entries, n * sizeof(c->entries[0]));
	r = set_cpuid(vcpu, big);
	ktap_result(!r, "SET_CPUID2 with 256 entries: accepted (%ld)", r);
	free(big);

	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_REQUIRE(pages != MAP_FAILED, "mmap");
	mprotect(pages + 4096, 4096, PROT_NONE);
	{
		struct hv_cpuid2 *edge = (void *)(pages + 4096 - sizeof(struct hv_cpuid2));

		edge->nent = 2;
		r = set_cpuid(vcpu, edge);
		ktap_result(r == -EFAULT, "SET_CPUID2 with unreadable entries: EFAULT (%ld)", r);
		edge->nent = 300;
		r = set_cpuid(vcpu, edge);
		ktap_result(r == -E2BIG, "SET_CPUID2 with 300 unreadable entries: E2BIG first (%ld)", r);
		edge->nent = 300;
		r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)edge);
		ktap_result(r == -EFAULT,
			    "GET_CPUID2 into unwritable entries: EFAULT (%ld)", r);
	}
	r = set_cpuid(vcpu, NULL);
	ktap_result(r == -EFAULT, "SET_CPUID2 with a NULL argument: EFAULT (%ld)", r);
	munmap(pages, 8192);

	want = cpuid_dup(c);
	find(want, 0x80000008, 0)->eax = (find(want, 0x80000008, 0)->eax & ~0xff00u) | 40 << 8;
	r = set_cpuid(vcpu, want);
	ktap_result(r == -EINVAL, "SET_CPUID2 with 40-bit linear addresses in 0x80000008: EINVAL (%ld)", r);
	free(want);

	/* The table is still the last one accepted (256 entries). */
	got = cpuid_alloc(MAX_ENTRIES);
	got->nent = MAX_ENTRIES - 1;
	r = ioctl_ret(vcpu->fd, HV_GET_CPUID2, (unsigned long)got);
	ktap_result(r == -E2BIG,
		    "rejected SET_CPUID2 calls leave the table: still 256 entries (%ld)", r);
	free(got);

	/* After KVM_RUN: only the same table. */
	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	vcpu_enter(vcpu, guest_ud2, 0);
	vcpu_run(vcpu);
	r = set_cpuid(vcpu, c);
	ktap_result(!r, "after KVM_RUN: SET_CPUID2 with the same table: 0 (%ld)", r);
	got = get_cpuid(vcpu, n);
	r = set_cpuid(vcpu, got);
	ktap_result(!r, "after KVM_RUN: SET_CPUID2 with GET_CPUID2's output: 0 (%ld)", r);
	free(got);
	want = cpuid_dup(c);
	find(want, 7, 0)->ebx ^= 1u << 3;	/* BMI1 */
	r = set_cpuid(vcpu, want);
	ktap_result(r == -EINVAL, "after KVM_RUN: SET_CPUID2 changing a feature: EINVAL (%ld)", r);
	want->nent--;
	find(want, 7, 0)->ebx ^= 1u << 3;
	r = set_cpuid(vcpu, want);
	ktap_result(r == -EINVAL, "after KVM_RUN: SET_CPUID2 with one entry less: EINVAL (%ld)", r);
	want->nent = 0;
	r = set_cpuid(vcpu, want);
	ktap_result(r == -EINVAL, "after KVM_RUN: SET_CPUID2 with no entries: EINVAL (%ld)", r);
	free(want);
	want = cpuid_dup(c);
	vcpu_get_sregs(vcpu, &sr);
	expect_dynamic(want, sr.cr4, sr.apic_base, 1);
	got = get_cpuid(vcpu, n);
	ktap_result(same_entries(got, want), "after KVM_RUN: the table is unchanged");
	free(got);
	free(want);
	free(c);
	vm_free(vm);
}

/* ---- the guest's CPUID ---- */

struct query {
	u32 fn, idx;
};

/* Run guest_cpuid_list over @q; check each answer against @want. */
static void check_guest_cpuid(struct hv_cpuid2 *table, const struct query *q,
			      const struct hv_cpuid_entry2 *want, int n,
			      const char *what)
{
	static u32 list[64];
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	int i;
	bool ok;

	TEST_REQUIRE(!set_cpuid(vcpu, table), "SET_CPUID2");
	for (i = 0; i < n; i++) {
		(*guest_var(vm, list))[2 * i] = q[i].fn;
		(*guest_var(vm, list))[2 * i + 1] = q[i].idx;
	}
	vcpu_enter(vcpu, guest_cpuid_list, 2, (u64)(uintptr_t)list, (u64)n);
	for (i = 0; i < n; i++) {
		ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "cpuid");
		ktap_result(ok && uc.args[0] == want[i].eax && uc.args[1] == want[i].ebx &&
			    uc.args[2] == want[i].ecx && uc.args[3] == want[i].edx,
			    "%s: CPUID(%#x, %u) = %#llx %#llx %#llx %#llx (want %#x %#x %#x %#x)",
			    what, q[i].fn, q[i].idx, (unsigned long long)uc.args[0],
			    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
			    (unsigned long long)uc.args[3], want[i].eax, want[i].ebx,
			    want[i].ecx, want[i].edx);
	}
	vm_free(vm);
}

static void test_guest_cpuid(void)
{
	struct hv_cpuid2 *c = supported(), *t;
	struct hv_cpuid_entry2 want[8], e1, e7, ed, ee, zero = { 0 };
	struct query q[8];
	struct hv_sregs sr;
	u32 max;

	/* The supported table, as the guest sees it (CR4.OSXSAVE is 0). */
	{
		struct vm *vm = vm_new(GUEST_LONG64);
		struct vcpu *vcpu = vcpu_new(vm, 0);

		vcpu_get_sregs(vcpu, &sr);
		vm_free(vm);
	}
	t = cpuid_dup(c);
	expect_dynamic(t, sr.cr4, sr.apic_base, 1);
	e1 = *find(t, 1, 0);
	e7 = *find(t, 7, 0);
	ed = *find(t, 0xd, 0);
	ee = *find(t, 0x80000001, 0);
	max = find(t, 0, 0)->eax;
	q[0] = (struct query){ 1, 0 };		want[0] = e1;
	q[1] = (struct query){ 7, 0 };		want[1] = e7;
	q[2] = (struct query){ 0xd, 0 };	want[2] = ed;
	q[3] = (struct query){ 0x80000001, 0 };	want[3] = ee;
	/* Index ignored for leaves that have none; 7.5 is a missing sub-leaf. */
	q[4] = (struct query){ 1, 7 };		want[4] = e1;
	q[5] = (struct query){ 0xd, 63 };	want[5] = zero;
	q[6] = (struct query){ 7, 5 };		want[6] = zero;
	free(t);

	/*
	 * A missing leaf, and one above the maximum: zeros for an AMD
	 * vendor; for another vendor the highest basic leaf (0xd), with
	 * the sub-leaf asked (0xd.1 for CPUID(0x20, 1)).
	 */
	t = cpuid_dup(c);
	cpuid_drop(t, 2);
	cpuid_drop(t, 4);
	q[7] = (struct query){ max + 0x10, 1 };
	if (host_is_amd()) {
		want[7] = zero;
		/* Missing sub-leaf 0xd.63 and 7.5: zeros too. */
		check_guest_cpuid(t, q, want, 8, "host vendor (AMD)");
	} else {
		struct hv_cpuid2 *d = cpuid_dup(t);

		expect_dynamic(d, sr.cr4, sr.apic_base, 1);
		want[7] = *find(d, 0xd, 1);
		free(d);
		check_guest_cpuid(t, q, want, 8, "host vendor (Intel)");
	}
	free(t);

	/* The other vendor's rule, with a table saying so. */
	t = cpuid_dup(c);
	{
		struct hv_cpuid_entry2 *e0 = find(t, 0, 0);
		const char *v = host_is_amd() ? "GenuineIntel" : "AuthenticAMD";

		memcpy(&e0->ebx, v, 4);
		memcpy(&e0->edx, v + 4, 4);
		memcpy(&e0->ecx, v + 8, 4);
		e0->eax = 0xd;
	}
	q[0] = (struct query){ 0x20, 1 };
	q[1] = (struct query){ 0x80000000 + 0x100, 0 };
	q[2] = (struct query){ 3, 0 };		/* missing, within range */
	if (host_is_amd()) {
		struct hv_cpuid2 *d = cpuid_dup(t);

		expect_dynamic(d, sr.cr4, sr.apic_base, 1);
		want[0] = *find(d, 0xd, 1);
		want[1] = *find(d, 0xd, 0);
		want[2] = zero;
		free(d);
		check_guest_cpuid(t, q, want, 3, "GenuineIntel table");
	} else {
		want[0] = zero;
		want[1] = zero;
		want[2] = zero;
		check_guest_cpuid(t, q, want, 3, "AuthenticAMD table");
	}
	free(t);
	free(c);
}

/* OSXSAVE follows CR4, 0xd.0 EBX follows XCR0 (set by KVM_SET_XCRS). */
static void test_guest_dynamic(void)
{
	struct hv_cpuid2 *c = supported();
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	bool avx = (find(c, 1, 0)->ecx & LEAF1_ECX_AVX) &&
		   (find(c, 0xd, 0)->eax & XFEATURE_YMM);
	u64 xcr0 = avx ? 7 : 3;
	struct ucall uc;
	bool ok;

	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	vcpu_enter(vcpu, guest_osxsave, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "osxsave");
	ktap_result(ok && !(uc.args[0] & LEAF1_ECX_OSXSAVE),
		    "guest: CPUID.1:ECX.OSXSAVE is 0 with CR4.OSXSAVE 0 (ecx %#llx)",
		    (unsigned long long)uc.args[0]);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "osxsave");
	ktap_result(ok && (uc.args[0] & LEAF1_ECX_OSXSAVE) && uc.args[1] == 1,
		    "guest: after its MOV to CR4.OSXSAVE, CPUID.1:ECX.OSXSAVE is 1 (ecx %#llx, xcr0 %#llx)",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "xsave size");
	ktap_result(ok && uc.args[0] == 576,
		    "guest: CPUID.0xd.0:EBX is 576 with XCR0 = x87 (%llu)",
		    (unsigned long long)uc.args[0]);
	ktap_result(set_xcr0(vcpu, xcr0) == 0, "KVM_SET_XCRS %#llx", (unsigned long long)xcr0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "xsave size");
	ktap_result(ok && uc.args[0] == xsave_size(xcr0) && uc.args[1] == xcr0,
		    "guest: CPUID.0xd.0:EBX is %u with XCR0 = %#llx (%llu, xgetbv %#llx)",
		    xsave_size(xcr0), (unsigned long long)xcr0,
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);
	free(c);
	vm_free(vm);
}

/* ---- CR4 and EFER follow the table; RDX after INIT ---- */

static void test_cr4(void)
{
	struct hv_cpuid2 *c = supported(), *noxsave;
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	u64 cr4;
	long r;
	bool ok;

	noxsave = cpuid_dup(c);
	find(noxsave, 1, 0)->ecx &= ~(LEAF1_ECX_XSAVE | LEAF1_ECX_AVX);
	cpuid_drop(noxsave, 0xd);

	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	cr4 = get_cr4(vcpu);
	r = set_cr4(vcpu, cr4 | CR4_OSXSAVE);
	ktap_result(!r, "SET_SREGS CR4.OSXSAVE before SET_CPUID2: accepted (%ld)", r);
	TEST_REQUIRE(!set_cr4(vcpu, cr4), "SET_SREGS");
	TEST_REQUIRE(!set_cpuid(vcpu, noxsave), "SET_CPUID2");
	r = set_cr4(vcpu, cr4 | CR4_OSXSAVE);
	ktap_result(r == -EINVAL, "SET_SREGS CR4.OSXSAVE without XSAVE in CPUID: EINVAL (%ld)", r);
	vcpu_enter(vcpu, guest_set_osxsave, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "mov cr4");
	ktap_result(ok && uc.args[0] == GP_VECTOR,
		    "guest MOV to CR4.OSXSAVE without XSAVE in CPUID: #GP (vector %llu)",
		    (unsigned long long)uc.args[0]);
	vm_free(vm);

	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	r = set_cr4(vcpu, cr4 | CR4_OSXSAVE);
	ktap_result(!r, "SET_SREGS CR4.OSXSAVE with XSAVE in CPUID: accepted (%ld)", r);
	TEST_REQUIRE(!set_cr4(vcpu, cr4), "SET_SREGS");
	vcpu_enter(vcpu, guest_set_osxsave, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "mov cr4");
	ktap_result(ok && (uc.args[0] & CR4_OSXSAVE),
		    "guest MOV to CR4.OSXSAVE with XSAVE in CPUID: done (cr4 %#llx)",
		    (unsigned long long)uc.args[0]);
	vm_free(vm);

	/* An empty table is a table: XSAVE is absent from it. */
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	noxsave->nent = 0;
	TEST_REQUIRE(!set_cpuid(vcpu, noxsave), "SET_CPUID2");
	r = set_cr4(vcpu, cr4 | CR4_OSXSAVE);
	ktap_result(r == -EINVAL, "SET_SREGS CR4.OSXSAVE after an empty SET_CPUID2: EINVAL (%ld)", r);
	vm_free(vm);
	free(noxsave);
	free(c);
}

static void efer_case(struct hv_cpuid2 *table, u64 set, u64 clear, bool want_gp,
		      const char *what)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	if (table)
		TEST_REQUIRE(!set_cpuid(vcpu, table), "SET_CPUID2");
	vcpu_enter(vcpu, guest_efer, 2, set, clear);
	if (want_gp) {
		ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, what);
		ktap_result(ok && uc.args[0] == GP_VECTOR, "guest WRMSR EFER %s: #GP", what);
	} else {
		ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, what);
		ktap_result(ok && (uc.args[0] & set) == set && !(uc.args[0] & clear),
			    "guest WRMSR EFER %s: done (efer %#llx)", what,
			    (unsigned long long)uc.args[0]);
	}
	vm_free(vm);
}

static void test_efer(void)
{
	struct hv_cpuid2 *c = supported(), *nolm;
	bool nx = find(c, 0x80000001, 0)->edx & EXT1_EDX_NX;

	nolm = cpuid_dup(c);
	find(nolm, 0x80000001, 0)->edx &= ~(EXT1_EDX_LM | EXT1_EDX_NX);
	ktap_result(find(c, 0x80000001, 0)->edx & EXT1_EDX_LM,
		    "supported: CPUID.0x80000001:EDX.LM");
	efer_case(NULL, 0, 0, true, "keeping LME|LMA, no CPUID");
	efer_case(nolm, 0, 0, true, "keeping LME|LMA, CPUID without LM");
	efer_case(c, EFER_SCE, 0, false, "adding SCE, CPUID with LM");
	efer_case(c, 0, EFER_LME, true, "clearing LME while paging");
	if (nx) {
		efer_case(c, EFER_NX, 0, false, "adding NX, CPUID with NX");
		find(nolm, 0x80000001, 0)->edx |= EXT1_EDX_LM;
		efer_case(nolm, EFER_NX, 0, true, "adding NX, CPUID without NX");
	} else {
		ktap_skip("EFER.NX", "no NX in the supported CPUID");
		ktap_skip("EFER.NX without NX", "no NX in the supported CPUID");
	}
	free(nolm);
	free(c);
}

static void test_init_rdx(void)
{
	struct hv_cpuid2 *c = supported();
	struct vm *vm = vm_new(GUEST_NONE);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs sr;
	struct hv_regs regs;
	u32 sig = find(c, 1, 0)->eax;
	u64 rdx;
	bool ok;

	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	vcpu_get_regs(vcpu, &regs);
	ktap_result(regs.rdx == 0x600,
		    "SET_CPUID2 leaves the reset RDX (%#llx, 0x600)", (unsigned long long)regs.rdx);
	vm_free(vm);

	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	vcpu_enter(vcpu, guest_ud2, 0);
	vcpu_get_sregs(vcpu, &sr);
	sr.idt.limit = 0;	/* #UD -> #GP -> #DF -> shutdown */
	vcpu_set_sregs(vcpu, &sr);
	vcpu_get_regs(vcpu, &regs);
	rdx = regs.rdx;
	ok = vcpu_run_expect(vcpu, HV_EXIT_SHUTDOWN, "triple fault");
	vcpu_get_regs(vcpu, &regs);
	if (host_is_amd())	/* kvm_amd: the VMCB is undefined, INIT */
		ktap_result(ok && regs.rdx == sig && regs.rip == 0xfff0,
			    "after INIT (triple fault) RDX is CPUID.1:EAX (%#llx, want %#x)",
			    (unsigned long long)regs.rdx, sig);
	else			/* kvm_intel: no INIT, the state stays */
		ktap_result(ok && regs.rdx == rdx && regs.rip != 0xfff0,
			    "triple fault on Intel: no INIT, RDX %#llx stays (%#llx), RIP %#llx",
			    (unsigned long long)rdx, (unsigned long long)regs.rdx,
			    (unsigned long long)regs.rip);
	free(c);
	vm_free(vm);
}

/* ---- XCR0 ---- */

static void test_xcrs(void)
{
	struct hv_cpuid2 *c = supported(), *sse;
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	bool avx = find(c, 0xd, 0)->eax & XFEATURE_YMM;
	struct hv_xcrs x, zero;
	long r;
	bool ok;

	memset(&x, 0x5a, sizeof(x));
	r = ioctl_ret(vcpu->fd, HV_GET_XCRS, (unsigned long)&x);
	memset(&zero, 0, sizeof(zero));
	zero.nr_xcrs = 1;
	zero.xcrs[0].value = 1;
	ktap_result(!r && !memcmp(&x, &zero, sizeof(x)),
		    "GET_XCRS at reset: one XCR, XCR0 = 1, everything else 0 (%ld, nr %u value %#llx)",
		    r, x.nr_xcrs, (unsigned long long)x.xcrs[0].value);
	ktap_result(ioctl_ret(vcpu->fd, HV_GET_XCRS, 0) == -EFAULT, "GET_XCRS NULL: EFAULT");
	ktap_result(ioctl_ret(vcpu->fd, HV_SET_XCRS, 0) == -EFAULT, "SET_XCRS NULL: EFAULT");

	r = set_xcr0(vcpu, 1);
	ktap_result(!r, "SET_XCRS 1 before SET_CPUID2: 0 (%ld)", r);
	r = set_xcr0(vcpu, 3);
	ktap_result(r == -EINVAL, "SET_XCRS 3 before SET_CPUID2: EINVAL, only x87 (%ld)", r);

	TEST_REQUIRE(!set_cpuid(vcpu, c), "SET_CPUID2");
	r = set_xcr0(vcpu, 3);
	ok = !r && get_xcr0(vcpu) == 3;
	ktap_result(ok, "SET_XCRS 3 (x87|SSE): round trip (%ld)", r);
	if (avx) {
		r = set_xcr0(vcpu, 7);
		ok = !r && get_xcr0(vcpu) == 7;
		ktap_result(ok, "SET_XCRS 7 (x87|SSE|AVX): round trip (%ld)", r);
	} else {
		ktap_skip("SET_XCRS 7", "no AVX in the supported CPUID");
	}
	r = set_xcr0(vcpu, 0);
	ktap_result(r == -EINVAL, "SET_XCRS 0 (no x87): EINVAL (%ld)", r);
	r = set_xcr0(vcpu, 2);
	ktap_result(r == -EINVAL, "SET_XCRS 2 (SSE without x87): EINVAL (%ld)", r);
	r = set_xcr0(vcpu, 5);
	ktap_result(r == -EINVAL, "SET_XCRS 5 (AVX without SSE): EINVAL (%ld)", r);
	r = set_xcr0(vcpu, 3 | (1ULL << 9));
	ktap_result(r == -EINVAL, "SET_XCRS with PKRU (bit 9): EINVAL (%ld)", r);
	r = set_xcr0(vcpu, 3 | (1ULL << 62));
	ktap_result(r == -EINVAL, "SET_XCRS with bit 62: EINVAL (%ld)", r);

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].value = 3;
	x.flags = 1;
	r = ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
	ktap_result(r == -EINVAL, "SET_XCRS with flags 1: EINVAL (%ld)", r);
	x.flags = 0;
	x.nr_xcrs = HV_MAX_XCRS + 1;
	r = ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
	ktap_result(r == -EINVAL, "SET_XCRS with nr_xcrs 17: EINVAL (%ld)", r);
	x.nr_xcrs = 2;
	x.xcrs[0].xcr = 1;
	x.xcrs[0].value = 12345;
	x.xcrs[1].xcr = 0;
	x.xcrs[1].value = 3;
	r = ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
	ktap_result(!r && get_xcr0(vcpu) == 3,
		    "SET_XCRS: an XCR other than 0 is ignored, XCR0 after it applies (%ld)", r);
	x.nr_xcrs = 1;
	r = ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
	ktap_result(!r, "SET_XCRS with only XCR1: 0, nothing set (%ld)", r);
	x.nr_xcrs = 0;
	r = ioctl_ret(vcpu->fd, HV_SET_XCRS, (unsigned long)&x);
	ktap_result(!r && get_xcr0(vcpu) == 3, "SET_XCRS with nr_xcrs 0: 0, nothing set (%ld)", r);
	ktap_result(get_xcr0(vcpu) == 3, "rejected SET_XCRS calls left XCR0 as it was");
	vm_free(vm);

	/* A table whose leaf 0xd offers x87|SSE only. */
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	sse = cpuid_dup(c);
	find(sse, 0xd, 0)->eax = 3;
	TEST_REQUIRE(!set_cpuid(vcpu, sse), "SET_CPUID2");
	r = set_xcr0(vcpu, 7);
	ktap_result(r == -EINVAL, "SET_XCRS 7 with leaf 0xd offering x87|SSE: EINVAL (%ld)", r);
	r = set_xcr0(vcpu, 3);
	ktap_result(!r, "SET_XCRS 3 with leaf 0xd offering x87|SSE: 0 (%ld)", r);
	vm_free(vm);
	free(sse);
	free(c);
}

static void xsetbv_case(struct hv_cpuid2 *table, u64 index, u64 value,
			bool want_gp, const char *what)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	TEST_REQUIRE(!set_cpuid(vcpu, table), "SET_CPUID2");
	TEST_REQUIRE(!set_cr4(vcpu, get_cr4(vcpu) | CR4_OSXSAVE), "CR4.OSXSAVE");
	vcpu_enter(vcpu, guest_xsetbv, 2, index, value);
	if (want_gp) {
		ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, what);
		ktap_result(ok && uc.args[0] == GP_VECTOR, "guest XSETBV %s: #GP", what);
	} else {
		ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, what);
		ktap_result(ok && uc.args[0] == value && get_xcr0(vcpu) == value,
			    "guest XSETBV %s: done, KVM_GET_XCRS agrees (xgetbv %#llx)",
			    what, (unsigned long long)uc.args[0]);
	}
	vm_free(vm);
}

static void test_xsetbv(void)
{
	struct hv_cpuid2 *c = supported(), *sse;
	const char *no_exit = "the lane's SVM does not intercept XSETBV (hvlab.no_xsetbv_exit)";

	xsetbv_case(c, 0, 0, true, "XCR0 = 0");
	xsetbv_case(c, 1, 1, true, "ECX = 1");
	sse = cpuid_dup(c);
	find(sse, 0xd, 0)->eax = 3;
	if (lane_lacks_xsetbv_exit()) {
		ktap_skip("guest XSETBV 3", "%s", no_exit);
		ktap_skip("guest XSETBV 7 with leaf 0xd offering x87|SSE", "%s", no_exit);
	} else {
		xsetbv_case(c, 0, 3, false, "XCR0 = 3");
		xsetbv_case(sse, 0, 7, true, "XCR0 = 7 with leaf 0xd offering x87|SSE");
	}
	free(sse);
	free(c);
}

int main(int argc, char **argv)
{
	cpu_set_t cpu0;
	int devfd;

	ktap_begin(argc, argv);
	/* KVM's supported leaf 1 carries the APIC ID of the CPU it ran on. */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_EXT_CPUID) <= 0 ||
	    dev_check_extension(devfd, HV_CAP_XCRS) <= 0)
		ktap_skip_all("no KVM_CAP_EXT_CPUID or KVM_CAP_XCRS");
	close(devfd);

	test_supported();
	test_set_get();
	test_guest_cpuid();
	test_guest_dynamic();
	test_cr4();
	test_efer();
	test_init_rdx();
	test_xcrs();
	test_xsetbv();
	ktap_end();
}
