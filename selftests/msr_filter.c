// SPDX-License-Identifier: GPL-2.0
/*
 * MSR exits to userspace (KVM_CAP_X86_USER_SPACE_MSR) and the MSR filter
 * (KVM_X86_SET_MSR_FILTER):
 *
 *  - the ioctls' errnos: unknown flags, a used range naming no access
 *    or with too large a bitmap, an empty filter that denies by default
 *    (EINVAL), unreadable memory (EFAULT), unknown exit reasons (EINVAL);
 *  - in a guest, phase by phase, the filter changed between phases:
 *    1. reads of FS_BASE denied (an MSR both backends pass through):
 *       writes run, reads exit with reason FILTER, the guest gets the
 *       value userspace gives, or #GP when userspace fails the access;
 *       an unknown MSR still raises #GP when that reason is not asked;
 *    2. a default-deny filter with no exit asked: #GP for a denied write
 *       of PAT (the first range that covers an access decides), for
 *       STAR (passed through) and for MSRs no range covers; reads the
 *       filter allows work;
 *    3. the same filter with every reason asked: each denied access
 *       exits with reason FILTER and its value; the x2APIC MSRs are
 *       never filtered;
 *    4. no filter: reasons UNKNOWN (an MSR neither hv nor KVM has) and
 *       INVAL (a reserved PAT type) exit, FS_BASE is passed through again
 *       and holds what the guest wrote in phase 1.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/guest_msr.h"

#define GP_VECTOR		13

#define MSR_PAT			0x277
#define MSR_X2APIC_APICID	0x802
#define MSR_STAR		0xc0000081
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_HWCR		0xc0010015
#define MSR_NOT_THERE		0x474f4f00	/* KVM's test's "GOO" MSR */

#define PAT_DEFAULT		0x0007040600070406ULL
#define PAT_RESERVED_TYPE	0x0007040600070402ULL

/* ---- the guest ---- */

static void guest_main(void)
{
	bool gp;
	u64 v;

	/* 1: FS_BASE reads denied, the FILTER reason asked. */
	GUEST_WRMSR_OK(MSR_FS_BASE, 0x1000);
	GUEST_MSR_EQ(MSR_FS_BASE, 0x1234567800ULL);	/* userspace's */
	GUEST_RDMSR_GP(MSR_FS_BASE);			/* userspace failed it */
	rdmsr_gp(MSR_GS_BASE, &gp);
	GUEST_ASSERT_EQ(gp, 0);
	GUEST_RDMSR_GP(MSR_NOT_THERE);
	GUEST_SYNC(1);

	/* 2: default deny, no exits asked. */
	GUEST_WRMSR_GP(MSR_PAT, PAT_DEFAULT);
	GUEST_MSR_EQ(MSR_PAT, PAT_DEFAULT);
	GUEST_RDMSR_GP(MSR_STAR);
	GUEST_WRMSR_GP(MSR_STAR, 0);
	GUEST_RDMSR_GP(MSR_HWCR);
	GUEST_SYNC(2);

	/* 3: the same filter, every reason asked. */
	GUEST_MSR_EQ(MSR_STAR, 0x81);
	GUEST_WRMSR_OK(MSR_PAT, PAT_DEFAULT);
	GUEST_MSR_EQ(MSR_HWCR, 0x15);
	v = rdmsr_gp(MSR_X2APIC_APICID, &gp);
	GUEST_ASSERT_EQ(gp, 0);
	GUEST_ASSERT_EQ(v, 0x802);
	GUEST_SYNC(3);

	/* 4: no filter; UNKNOWN and INVAL asked. */
	rdmsr_gp(MSR_STAR, &gp);
	GUEST_ASSERT_EQ(gp, 0);
	GUEST_WRMSR_OK(MSR_NOT_THERE, 0xabcd);
	GUEST_MSR_EQ(MSR_NOT_THERE, 0xabcd);
	GUEST_WRMSR_GP(MSR_PAT, PAT_RESERVED_TYPE);
	GUEST_MSR_EQ(MSR_FS_BASE, 0x1000);
}

/* ---- the host ---- */

#define ANY_BUT_FILTER	0	/* expect.reason: whatever is not FILTER */

/* One MSR exit a phase expects, and userspace's answer. */
struct expect {
	u32 exit_reason;	/* HV_EXIT_X86_RDMSR or _WRMSR */
	u32 reason;		/* HV_MSR_EXIT_REASON_*, or ANY_BUT_FILTER */
	u32 index;
	u64 data;		/* WRMSR: what the guest wrote */
	u64 answer;		/* RDMSR: the value returned */
	u8 error;		/* 1: fail the access (#GP) */
};

static const struct expect phase1[] = {
	{ HV_EXIT_X86_RDMSR, HV_MSR_EXIT_REASON_FILTER, MSR_FS_BASE, 0,
	  0x1234567800ULL, 0 },
	{ HV_EXIT_X86_RDMSR, HV_MSR_EXIT_REASON_FILTER, MSR_FS_BASE, 0, 0, 1 },
};

static const struct expect phase3[] = {
	{ HV_EXIT_X86_RDMSR, HV_MSR_EXIT_REASON_FILTER, MSR_STAR, 0, 0x81, 0 },
	{ HV_EXIT_X86_WRMSR, HV_MSR_EXIT_REASON_FILTER, MSR_PAT, PAT_DEFAULT,
	  0, 0 },
	{ HV_EXIT_X86_RDMSR, HV_MSR_EXIT_REASON_FILTER, MSR_HWCR, 0, 0x15, 0 },
	{ HV_EXIT_X86_RDMSR, ANY_BUT_FILTER, MSR_X2APIC_APICID, 0, 0x802, 0 },
};

static const struct expect phase4[] = {
	{ HV_EXIT_X86_WRMSR, HV_MSR_EXIT_REASON_UNKNOWN, MSR_NOT_THERE, 0xabcd,
	  0, 0 },
	{ HV_EXIT_X86_RDMSR, HV_MSR_EXIT_REASON_UNKNOWN, MSR_NOT_THERE, 0,
	  0xabcd, 0 },
	{ HV_EXIT_X86_WRMSR, HV_MSR_EXIT_REASON_INVAL, MSR_PAT,
	  PAT_RESERVED_TYPE, 0, 1 },
};

static bool expect_exit(struct vcpu *vcpu, const struct expect *e)
{
	struct hv_run *run = vcpu->run;

	if (!vcpu_run_expect(vcpu, e->exit_reason,
			     e->exit_reason == HV_EXIT_X86_RDMSR ? "RDMSR exit" :
			     "WRMSR exit"))
		return false;
	if (run->msr.index != e->index ||
	    (e->reason != ANY_BUT_FILTER && run->msr.reason != e->reason) ||
	    (e->reason == ANY_BUT_FILTER &&
	     run->msr.reason == HV_MSR_EXIT_REASON_FILTER) ||
	    (e->exit_reason == HV_EXIT_X86_WRMSR && run->msr.data != e->data) ||
	    run->msr.error) {
		ktap_info("MSR exit: index %#x reason %u data %#llx error %u; expected index %#x reason %u data %#llx",
			  run->msr.index, run->msr.reason,
			  (unsigned long long)run->msr.data, run->msr.error,
			  e->index, e->reason, (unsigned long long)e->data);
		return false;
	}
	if (e->exit_reason == HV_EXIT_X86_RDMSR)
		run->msr.data = e->answer;
	run->msr.error = e->error;
	return true;
}

/* Run through @n expected MSR exits, then to GUEST_SYNC(@phase). */
static bool run_phase(struct vcpu *vcpu, int phase, const struct expect *e,
		      int n)
{
	struct ucall uc;
	int i;

	for (i = 0; i < n; i++)
		if (!expect_exit(vcpu, &e[i]))
			return false;
	if (phase < 0)
		return vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "the end");
	if (!vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "phase end"))
		return false;
	if (uc.args[0] != (u64)phase) {
		ktap_info("GUEST_SYNC(%llu), expected %d",
			  (unsigned long long)uc.args[0], phase);
		return false;
	}
	return true;
}

static int enable_exits(int vmfd, u64 reasons)
{
	struct hv_enable_cap cap = { .cap = HV_CAP_X86_USER_SPACE_MSR,
				     .args[0] = reasons };

	return ioctl_ret(vmfd, HV_ENABLE_CAP, (unsigned long)&cap);
}

static int set_filter(int vmfd, const struct hv_msr_filter *f)
{
	return ioctl_ret(vmfd, HV_X86_SET_MSR_FILTER, (unsigned long)f);
}

static u8 deny_one;				/* one MSR, denied */
static u8 allow_low[0x2000 / 8];		/* 0 - 1FFFH */
static u8 allow_high_but_star[0x2000 / 8];	/* C0000000H - C0001FFFH */

static void deny_filter(struct hv_msr_filter *f)
{
	memset(f, 0, sizeof(*f));
	memset(allow_low, 0xff, sizeof(allow_low));
	memset(allow_high_but_star, 0xff, sizeof(allow_high_but_star));
	allow_high_but_star[(MSR_STAR & 0x1fff) / 8] &=
		~(1 << (MSR_STAR & 7));
	f->flags = HV_MSR_FILTER_DEFAULT_DENY;
	/* PAT's writes: the first range that covers them denies them. */
	f->ranges[0] = (struct hv_msr_filter_range){
		.flags = HV_MSR_FILTER_WRITE, .nmsrs = 1, .base = MSR_PAT,
		.bitmap = &deny_one };
	f->ranges[1] = (struct hv_msr_filter_range){
		.flags = HV_MSR_FILTER_READ | HV_MSR_FILTER_WRITE,
		.nmsrs = 0x2000, .base = 0, .bitmap = allow_low };
	f->ranges[2] = (struct hv_msr_filter_range){
		.flags = HV_MSR_FILTER_READ | HV_MSR_FILTER_WRITE,
		.nmsrs = 0x2000, .base = 0xc0000000,
		.bitmap = allow_high_but_star };
}

static void test_guest(int devfd)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_msr_filter f;
	bool ok;

	vcpu_set_idt_gate(vcpu, GP_VECTOR, guest_gp_handler);
	vcpu_enter(vcpu, guest_main, 0);

	memset(&f, 0, sizeof(f));
	f.flags = HV_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0] = (struct hv_msr_filter_range){
		.flags = HV_MSR_FILTER_READ, .nmsrs = 1, .base = MSR_FS_BASE,
		.bitmap = &deny_one };
	ok = !enable_exits(vm->fd, HV_MSR_EXIT_REASON_FILTER) &&
	     !set_filter(vm->fd, &f);
	ok = ok && run_phase(vcpu, 1, phase1, 2);
	ktap_result(ok, "reads of a passed-through MSR denied: they exit (FILTER), userspace's value or #GP reaches the guest; writes do not exit");

	deny_filter(&f);
	ok = ok && !enable_exits(vm->fd, 0) && !set_filter(vm->fd, &f);
	ok = ok && run_phase(vcpu, 2, NULL, 0);
	ktap_result(ok, "default deny, no exit asked: #GP for denied accesses (first covering range decides, uncovered MSRs denied)");

	ok = ok && !enable_exits(vm->fd, HV_MSR_EXIT_REASON_FILTER |
				 HV_MSR_EXIT_REASON_UNKNOWN |
				 HV_MSR_EXIT_REASON_INVAL);
	ok = ok && run_phase(vcpu, 3, phase3, 4);
	ktap_result(ok, "every reason asked: denied accesses exit with FILTER and the written value; x2APIC MSRs are never filtered");

	memset(&f, 0, sizeof(f));
	ok = ok && !set_filter(vm->fd, &f) &&
	     !enable_exits(vm->fd, HV_MSR_EXIT_REASON_UNKNOWN |
			   HV_MSR_EXIT_REASON_INVAL);
	ok = ok && run_phase(vcpu, -1, phase4, 3);
	ktap_result(ok, "no filter: unknown MSRs and refused values exit (UNKNOWN, INVAL); FS_BASE passes through again");
	vm_free(vm);
}

static void test_errnos(int devfd)
{
	int vmfd = vm_create(devfd);
	struct hv_msr_filter f;
	static u8 bits[HV_MSR_FILTER_MAX_BITMAP_SIZE];
	long r1, r2, r3, r4, r5;

	memset(&f, 0, sizeof(f));
	f.flags = 2;
	r1 = set_filter(vmfd, &f);
	f.flags = HV_MSR_FILTER_DEFAULT_DENY;
	r2 = set_filter(vmfd, &f);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL,
		    "unknown filter flags, an empty filter that denies by default: EINVAL (%ld, %ld)",
		    r1, r2);

	f.flags = HV_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[3] = (struct hv_msr_filter_range){ .flags = 0, .nmsrs = 1,
						    .bitmap = bits };
	r1 = set_filter(vmfd, &f);
	f.ranges[3].flags = 4;
	r2 = set_filter(vmfd, &f);
	f.ranges[3].flags = HV_MSR_FILTER_READ;
	f.ranges[3].nmsrs = HV_MSR_FILTER_MAX_BITMAP_SIZE * 8 + 1;
	r3 = set_filter(vmfd, &f);
	f.ranges[3].nmsrs = HV_MSR_FILTER_MAX_BITMAP_SIZE * 8;
	r4 = set_filter(vmfd, &f);
	f.ranges[3].bitmap = (u8 *)8;
	r5 = set_filter(vmfd, &f);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && !r4 &&
		    r5 == -EFAULT,
		    "ranges: no access named, an unknown one, a bitmap too large: EINVAL; the largest bitmap: 0; an unreadable bitmap: EFAULT (%ld %ld %ld %ld %ld)",
		    r1, r2, r3, r4, r5);

	r1 = ioctl_ret(vmfd, HV_X86_SET_MSR_FILTER, 0);
	r2 = enable_exits(vmfd, 1 << 3);
	r3 = enable_exits(vmfd, HV_MSR_EXIT_REASON_INVAL |
			  HV_MSR_EXIT_REASON_UNKNOWN |
			  HV_MSR_EXIT_REASON_FILTER);
	ktap_result(r1 == -EFAULT && r2 == -EINVAL && !r3,
		    "an unreadable filter: EFAULT; an unknown exit reason: EINVAL; the three known: 0 (%ld %ld %ld)",
		    r1, r2, r3);
	close(vmfd);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    dev_check_extension(devfd, HV_CAP_X86_MSR_FILTER) <= 0)
		ktap_skip_all("X86_USER_SPACE_MSR or X86_MSR_FILTER not reported");
	test_errnos(devfd);
	test_guest(devfd);
	ktap_end();
}
