// SPDX-License-Identifier: GPL-2.0
/*
 * Machine checks the VMM raises (KVM_CAP_MCE): KVM_X86_GET_MCE_CAP_SUPPORTED,
 * KVM_X86_SETUP_MCE, KVM_X86_SET_MCE.
 *
 *  - the supported MCG_CAP bits include MCG_CTL_P and MCG_SER_P (exactly
 *    those on hv); SETUP_MCE refuses 0 banks, more than the capability's
 *    value and an unsupported bit (EINVAL), and sets MCG_CAP, MCG_CTL and
 *    every MCi_CTL to all ones; the banks past the count are not there;
 *  - SET_MCE refuses a bank past the count and a status without VAL;
 *  - in a guest with CR4.MCE: an uncorrected error is delivered as #MC
 *    with its bank and MCG_STATUS filled; a corrected one only fills its
 *    bank (OVER when it overwrites a valid one); a UCNA (uncorrected, no
 *    action) is only recorded; an uncorrected one in a bank whose MCi_CTL
 *    the guest cleared is dropped; one while MCG_STATUS.MCIP is set shuts
 *    the guest down (SDM 15.10.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define MC_VECTOR		18
#define X86_CR4_MCE		(1ULL << 6)

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC_CTL(i)		(0x400 + 4 * (i))
#define MSR_MC_STATUS(i)	(0x401 + 4 * (i))
#define MSR_MC_ADDR(i)		(0x402 + 4 * (i))

#define MCG_CTL_P		(1ULL << 8)
#define MCG_EXT_P		(1ULL << 9)
#define MCG_SER_P		(1ULL << 24)
#define MCG_STATUS_RIPV		(1ULL << 0)
#define MCG_STATUS_EIPV		(1ULL << 1)
#define MCG_STATUS_MCIP		(1ULL << 2)

#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_OVER		(1ULL << 62)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_EN		(1ULL << 60)
#define MCI_STATUS_S		(1ULL << 56)
#define MCI_STATUS_AR		(1ULL << 55)

#define BANKS			12
#define MCG_CAP_SET		(MCG_CTL_P | MCG_SER_P | BANKS)

/* ---- the guest: CR4.MCE on, a #MC handler that counts ---- */

volatile u64 __attribute__((used)) mc_count;
volatile u64 __attribute__((used)) mc_mcg_status;
extern const char guest_mc_handler[];
asm("	.pushsection .text\n"
"guest_mc_handler:\n"
"	pushq %rax\n"
"	pushq %rcx\n"
"	pushq %rdx\n"
"	movl $0x17a, %ecx\n"		/* MCG_STATUS, as delivered */
"	rdmsr\n"
"	movl %eax, mc_mcg_status(%rip)\n"
"	movl %edx, mc_mcg_status+4(%rip)\n"
"	xorl %eax, %eax\n"		/* MCIP off: done with it */
"	xorl %edx, %edx\n"
"	wrmsr\n"
"	incq mc_count(%rip)\n"
"	popq %rdx\n"
"	popq %rcx\n"
"	popq %rax\n"
"	iretq\n"
"	.popsection\n");

static void guest_main(void)
{
	write_cr4(read_cr4() | X86_CR4_MCE);
	guest_write_msr(MSR_MC_CTL(4), 0);		/* bank 4 reports nothing */
	GUEST_SYNC(1);
	/* The uncorrected error came in as #MC. */
	GUEST_SYNC(2, mc_count, mc_mcg_status, rdmsr(MSR_MC_STATUS(1)),
		   rdmsr(MSR_MC_ADDR(1)));
	/* Corrected, UCNA, a bank turned off: no #MC. */
	GUEST_SYNC(3, mc_count);
	guest_write_msr(MSR_MCG_STATUS, MCG_STATUS_MCIP);
	GUEST_SYNC(4);
	GUEST_SYNC(5);		/* not reached: the next one shuts down */
}

/* ---- the host ---- */

static u64 msr_of(struct vcpu *vcpu, u32 index, bool *ok)
{
	struct {
		struct hv_msrs hdr;
		struct hv_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };

	*ok = ioctl(vcpu->fd, HV_GET_MSRS, &m) == 1;
	return m.e.data;
}

static int set_mce(struct vcpu *vcpu, u8 bank, u64 status, u64 mcg_status,
		   u64 addr)
{
	struct hv_x86_mce mce = { .status = status, .mcg_status = mcg_status,
				  .addr = addr, .misc = 0x86, .bank = bank };

	return ioctl_ret(vcpu->fd, HV_X86_SET_MCE, (unsigned long)&mce);
}

static int setup_mce(struct vcpu *vcpu, u64 cap)
{
	return ioctl_ret(vcpu->fd, HV_X86_SETUP_MCE, (unsigned long)&cap);
}

static void test_setup(int devfd, long max_banks)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	u64 sup = 0, cap, ctl, ctl11, want;
	bool ok1, ok2, ok3, ok4;
	long r1, r2, r3, r4;

	r1 = ioctl_ret(devfd, HV_X86_GET_MCE_CAP_SUPPORTED, (unsigned long)&sup);
	ktap_result(!r1 && (sup & (MCG_CTL_P | MCG_SER_P)) ==
		    (MCG_CTL_P | MCG_SER_P) &&
		    (dev_is_kvm() || sup == (MCG_CTL_P | MCG_SER_P)),
		    "GET_MCE_CAP_SUPPORTED: %#llx (MCG_CTL_P, MCG_SER_P)",
		    (unsigned long long)sup);

	r1 = setup_mce(vcpu, MCG_CTL_P);
	r2 = setup_mce(vcpu, MCG_CTL_P | (max_banks + 1));
	r3 = setup_mce(vcpu, MCG_CTL_P | MCG_EXT_P | BANKS);
	r4 = ioctl_ret(vcpu->fd, HV_X86_SETUP_MCE, 8);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL &&
		    r4 == -EFAULT,
		    "SETUP_MCE: 0 banks, %ld banks, an unsupported bit: EINVAL; a bad pointer: EFAULT (%ld %ld %ld %ld)",
		    max_banks + 1, r1, r2, r3, r4);

	r1 = setup_mce(vcpu, MCG_CAP_SET);
	cap = msr_of(vcpu, MSR_MCG_CAP, &ok1);
	ctl = msr_of(vcpu, MSR_MCG_CTL, &ok2);
	ctl11 = msr_of(vcpu, MSR_MC_CTL(BANKS - 1), &ok3);
	msr_of(vcpu, MSR_MC_CTL(BANKS), &ok4);
	/* AMD defines no MCG_CAP bit above 8: KVM drops MCG_SER_P there. */
	want = host_is_amd() ? MCG_CAP_SET & 0x1ff : MCG_CAP_SET;
	ktap_result(!r1 && ok1 && cap == want && ok2 && ctl == ~0ULL &&
		    ok3 && ctl11 == ~0ULL && !ok4,
		    "SETUP_MCE of %d banks: MCG_CAP %#llx, MCG_CTL and MC%d_CTL all ones, no bank %d",
		    BANKS, (unsigned long long)cap, BANKS - 1, BANKS);

	r1 = set_mce(vcpu, BANKS, MCI_STATUS_VAL | MCI_STATUS_UC, 0, 0);
	r2 = set_mce(vcpu, 1, MCI_STATUS_UC | MCI_STATUS_EN, 0, 0);
	r3 = ioctl_ret(vcpu->fd, HV_X86_SET_MCE, 8);
	ktap_result(r1 == -EINVAL && r2 == -EINVAL && r3 == -EFAULT,
		    "SET_MCE: a bank past the count, a status without VAL: EINVAL; a bad pointer: EFAULT (%ld %ld %ld)",
		    r1, r2, r3);
	vm_free(vm);
}

static bool sync_args(struct vcpu *vcpu, u64 phase, struct ucall *uc)
{
	if (!vcpu_expect_ucall(vcpu, UCALL_SYNC, uc, "sync"))
		return false;
	if (uc->args[0] != phase) {
		ktap_info("GUEST_SYNC(%llu), expected %llu",
			  (unsigned long long)uc->args[0],
			  (unsigned long long)phase);
		return false;
	}
	return true;
}

static void test_guest(int devfd)
{
	const u64 uc_status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
			      MCI_STATUS_S | MCI_STATUS_AR | 0x134;
	const u64 uc_mcg = MCG_STATUS_MCIP | MCG_STATUS_EIPV;
	const u64 ce = MCI_STATUS_VAL | MCI_STATUS_EN | 0x17a;
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_cpuid2 *cpuid = dev_supported_cpuid(devfd);
	u64 st2, st3, st4;
	struct ucall uc;
	bool ok, ok2, ok3, ok4;

	TEST_REQUIRE(cpuid && !ioctl(vcpu->fd, HV_SET_CPUID2, cpuid),
		     "SET_CPUID2");
	free(cpuid);
	TEST_REQUIRE(!setup_mce(vcpu, MCG_CAP_SET), "SETUP_MCE");
	vcpu_set_idt_gate(vcpu, MC_VECTOR, guest_mc_handler);
	vcpu_enter(vcpu, guest_main, 0);

	ok = sync_args(vcpu, 1, &uc);
	ok = ok && !set_mce(vcpu, 1, uc_status, uc_mcg, 0x1234000);
	ok = ok && sync_args(vcpu, 2, &uc);
	ktap_result(ok && uc.args[1] == 1 && uc.args[2] == uc_mcg &&
		    uc.args[3] == uc_status && uc.args[4] == 0x1234000,
		    "an uncorrected error: #MC, with MCG_STATUS %#llx and MC1_STATUS/ADDR filled",
		    (unsigned long long)uc.args[2]);

	ok = ok && !set_mce(vcpu, 2, ce, 0, 0x2000) &&
	     !set_mce(vcpu, 2, ce, 0, 0x3000);
	ok = ok && !set_mce(vcpu, 3, MCI_STATUS_VAL | MCI_STATUS_UC | 0x10c,
			    0, 0x4000);
	ok = ok && !set_mce(vcpu, 4, uc_status, uc_mcg, 0x5000);
	ok = ok && sync_args(vcpu, 3, &uc);
	st2 = msr_of(vcpu, MSR_MC_STATUS(2), &ok2);
	st3 = msr_of(vcpu, MSR_MC_STATUS(3), &ok3);
	st4 = msr_of(vcpu, MSR_MC_STATUS(4), &ok4);
	ktap_result(ok && uc.args[1] == 1 && ok2 &&
		    st2 == (ce | MCI_STATUS_OVER) && ok3 &&
		    st3 == (MCI_STATUS_VAL | MCI_STATUS_UC | 0x10c) && ok4 &&
		    st4 == 0,
		    "corrected (OVER when overwriting), UCNA: recorded, no #MC; a bank the guest turned off: dropped (%#llx %#llx %#llx)",
		    (unsigned long long)st2, (unsigned long long)st3,
		    (unsigned long long)st4);

	ok = ok && sync_args(vcpu, 4, &uc);
	ok = ok && !set_mce(vcpu, 5, uc_status, uc_mcg, 0x6000);
	ok = ok && vcpu_run_expect(vcpu, HV_EXIT_SHUTDOWN, "MCIP set");
	ktap_result(ok, "an uncorrected error while MCG_STATUS.MCIP is set: shutdown");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	long banks;
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	banks = dev_check_extension(devfd, HV_CAP_MCE);
	if (banks <= 0)
		ktap_skip_all("MCE not reported");
	ktap_result(banks >= BANKS, "MCE: %ld banks", banks);
	test_setup(devfd, banks);
	test_guest(devfd);
	close(devfd);
	ktap_end();
}
