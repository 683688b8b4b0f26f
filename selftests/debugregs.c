// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_DEBUGREGS (KVM_CAP_DEBUGREGS):
 *  - a new vCPU's DR0-3 are 0, DR6 0xffff0ff0, DR7 0x400, flags and the
 *    reserved words 0;
 *  - every field round-trips, DR6/DR7 exactly as given (KVM 6.1 does not
 *    add their fixed bits); the reserved words are ignored and read 0;
 *  - flags other than 0, or a bit above 31 in DR6 or DR7: EINVAL, nothing
 *    changed; bad pointers: EFAULT;
 *  - the guest reads with MOV from DR0-7 (DR4/DR5 as DR6/DR7, CR4.DE
 *    clear) what KVM_SET_DEBUGREGS set, and KVM_GET_DEBUGREGS returns what
 *    the guest then wrote with MOV to DRn (DR6/DR7 with their fixed bits,
 *    as the CPU keeps them).  The breakpoints enabled in DR7 cover
 *    addresses the guest never touches (hv does not arm guest breakpoints
 *    in the hardware yet, KVM does).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define DR6_INIT	0xffff0ff0ULL
#define DR7_INIT	0x400ULL

/* Unused scratch addresses for the breakpoints (never accessed). */
#define BP_BASE		(GPA_SCRATCH + 0x100000)

/*
 * L0-L3 enabled: DR0 writes of 4 bytes, DR1 reads/writes of 2 bytes, DR2
 * execution, DR3 writes of 8 bytes (SDM Vol. 3, 18.2.4).
 */
#define DR7_BPS		0x907d0455ULL

static void guest_dr(u64 n0, u64 n1, u64 n2, u64 n3)
{
	u64 d[8];

	asm volatile("mov %%dr0, %0" : "=r"(d[0]));
	asm volatile("mov %%dr1, %0" : "=r"(d[1]));
	asm volatile("mov %%dr2, %0" : "=r"(d[2]));
	asm volatile("mov %%dr3, %0" : "=r"(d[3]));
	asm volatile("mov %%dr6, %0" : "=r"(d[6]));
	asm volatile("mov %%dr7, %0" : "=r"(d[7]));
	GUEST_SYNC(d[0], d[1], d[2], d[3], d[6], d[7]);
	asm volatile("mov %%dr4, %0" : "=r"(d[4]));
	asm volatile("mov %%dr5, %0" : "=r"(d[5]));
	GUEST_SYNC(d[4], d[5]);

	asm volatile("mov %0, %%dr0" : : "r"(n0));
	asm volatile("mov %0, %%dr1" : : "r"(n1));
	asm volatile("mov %0, %%dr2" : : "r"(n2));
	asm volatile("mov %0, %%dr3" : : "r"(n3));
	asm volatile("mov %0, %%dr6" : : "r"(0x4001ULL));	/* BS, B0 */
	asm volatile("mov %0, %%dr7" : : "r"(0x00030401ULL));	/* L0, RW0 r/w */
	GUEST_SYNC(0);
}

static int get_dr(struct vcpu *vcpu, struct hv_debugregs *d)
{
	return ioctl_ret(vcpu->fd, HV_GET_DEBUGREGS, (unsigned long)d);
}

static int set_dr(struct vcpu *vcpu, const struct hv_debugregs *d)
{
	return ioctl_ret(vcpu->fd, HV_SET_DEBUGREGS, (unsigned long)d);
}

static bool same_dr(const struct hv_debugregs *a, const struct hv_debugregs *b)
{
	return !memcmp(a->db, b->db, sizeof(a->db)) && a->dr6 == b->dr6 &&
	       a->dr7 == b->dr7;
}

static void test_ioctls(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_debugregs d, e, base;
	static const u64 zero[9];
	char *page;
	int r, i;

	memset(&d, 0xaa, sizeof(d));
	r = get_dr(vcpu, &d);
	ktap_result(!r && !d.db[0] && !d.db[1] && !d.db[2] && !d.db[3] &&
		    d.dr6 == DR6_INIT && d.dr7 == DR7_INIT && !d.flags &&
		    !memcmp(d.reserved, zero, sizeof(zero)),
		    "new vCPU: DR0-3 0, DR6 %#llx, DR7 %#llx, flags and reserved 0",
		    (unsigned long long)d.dr6, (unsigned long long)d.dr7);

	memset(&d, 0, sizeof(d));
	d.db[0] = 0x123456789abcdef0ULL;	/* any value, even non-canonical */
	d.db[1] = 0xffff800000001000ULL;
	d.db[2] = 1;
	d.db[3] = ~0ULL;
	d.dr6 = 0x12345678;			/* fixed bits not forced */
	d.dr7 = 0x9abcdef0;
	for (i = 0; i < 9; i++)
		d.reserved[i] = 0x1111111111111111ULL * (i + 1);
	r = set_dr(vcpu, &d);
	memset(&e, 0xaa, sizeof(e));
	get_dr(vcpu, &e);
	ktap_result(!r && same_dr(&d, &e) && !e.flags &&
		    !memcmp(e.reserved, zero, sizeof(zero)),
		    "KVM_SET_DEBUGREGS -> KVM_GET_DEBUGREGS: DR0-3, DR6 %#llx, DR7 %#llx as set, reserved ignored (r %d)",
		    (unsigned long long)e.dr6, (unsigned long long)e.dr7, r);
	base = e;

#define REFUSED(field, val) do {					\
	struct hv_debugregs b = base;					\
	unsigned long long v = (val);					\
	b.field = v;							\
	r = set_dr(vcpu, &b);						\
	get_dr(vcpu, &e);						\
	ktap_result(r == -EINVAL && same_dr(&e, &base),			\
		    "KVM_SET_DEBUGREGS " #field " = %#llx: EINVAL (got %d), nothing changed", \
		    v, r);						\
} while (0)
	REFUSED(flags, 1);
	REFUSED(flags, 1ULL << 63);
	REFUSED(dr6, DR6_INIT | 1ULL << 32);
	REFUSED(dr7, DR7_INIT | 1ULL << 63);
#undef REFUSED

	/* A read-only page with nothing mapped after it. */
	page = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_REQUIRE(page != MAP_FAILED, "mmap");
	munmap(page + 4096, 4096);
	ktap_result(ioctl_ret(vcpu->fd, HV_GET_DEBUGREGS, 0) == -EFAULT &&
		    ioctl_ret(vcpu->fd, HV_SET_DEBUGREGS, 0) == -EFAULT &&
		    ioctl_ret(vcpu->fd, HV_GET_DEBUGREGS, (unsigned long)page) == -EFAULT &&
		    ioctl_ret(vcpu->fd, HV_SET_DEBUGREGS,
			      (unsigned long)(page + 4096 - 8)) == -EFAULT,
		    "NULL, read-only and straddling pointers: EFAULT");
	munmap(page, 4096);
	get_dr(vcpu, &e);
	ktap_result(same_dr(&e, &base), "nothing changed by the faulting calls");
	vm_free(vm);
}

static bool expect_sync(struct vcpu *vcpu, struct ucall *uc, const char *what)
{
	return vcpu_expect_ucall(vcpu, UCALL_SYNC, uc, what);
}

static void test_guest(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_debugregs d, e;
	struct ucall uc;
	u64 n[4];
	int i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < 4; i++) {
		d.db[i] = BP_BASE + i * 0x1000 + 8 * i;
		n[i] = BP_BASE + 0x10000 + i * 0x100;
	}
	d.dr6 = DR6_INIT | 0x4002;		/* BS, B1 */
	d.dr7 = DR7_BPS;
	TEST_REQUIRE(!set_dr(vcpu, &d), "KVM_SET_DEBUGREGS");
	vcpu_enter(vcpu, guest_dr, 4, n[0], n[1], n[2], n[3]);

	TEST_REQUIRE(expect_sync(vcpu, &uc, "guest reads"), "the guest ran");
	ktap_result(uc.args[0] == d.db[0] && uc.args[1] == d.db[1] &&
		    uc.args[2] == d.db[2] && uc.args[3] == d.db[3],
		    "the guest reads DR0-3 as KVM_SET_DEBUGREGS set them");
	ktap_result(uc.args[4] == d.dr6 && uc.args[5] == d.dr7,
		    "the guest reads DR6 %#llx (set %#llx) and DR7 %#llx (set %#llx)",
		    (unsigned long long)uc.args[4], (unsigned long long)d.dr6,
		    (unsigned long long)uc.args[5], (unsigned long long)d.dr7);
	TEST_REQUIRE(expect_sync(vcpu, &uc, "DR4/DR5"), "the guest ran");
	ktap_result(uc.args[0] == d.dr6 && uc.args[1] == d.dr7,
		    "with CR4.DE clear, DR4 reads as DR6 (%#llx) and DR5 as DR7 (%#llx)",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[1]);

	TEST_REQUIRE(expect_sync(vcpu, &uc, "guest writes"), "the guest ran");
	memset(&e, 0xaa, sizeof(e));
	ktap_result(!get_dr(vcpu, &e) && e.db[0] == n[0] && e.db[1] == n[1] &&
		    e.db[2] == n[2] && e.db[3] == n[3],
		    "KVM_GET_DEBUGREGS after the guest's MOV to DR0-3: its values");
	ktap_result(e.dr6 == (DR6_INIT | 0x4001) && e.dr7 == 0x00030401,
		    "KVM_GET_DEBUGREGS after the guest wrote DR6 0x4001 and DR7 0x30401: DR6 %#llx DR7 %#llx",
		    (unsigned long long)e.dr6, (unsigned long long)e.dr7);
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "end"),
		    "the guest finished");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_DEBUGREGS) <= 0)
		ktap_skip_all("KVM_CAP_DEBUGREGS not reported");
	close(devfd);
	test_ioctls();
	test_guest();
	ktap_end();
}
