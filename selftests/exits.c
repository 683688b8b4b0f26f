// SPDX-License-Identifier: GPL-2.0
/*
 * Exit reasons other than I/O and MMIO, with no in-kernel irqchip:
 *  - HLT is KVM_EXIT_HLT, RIP past the hlt;
 *  - a triple fault (no usable IDT) is KVM_EXIT_SHUTDOWN;
 *  - guest state KVM_SET_SREGS accepts but VMRUN/VMLAUNCH rejects (long
 *    mode with CS.L=1 and CS.D=1) is KVM_EXIT_FAIL_ENTRY with the
 *    hardware's reason (SVM: VMEXIT_INVALID, 0xffffffff; VMX: 0x80000021);
 *  - an MMIO access by an instruction the emulator cannot decode (SSE
 *    addps) is KVM_EXIT_INTERNAL_ERROR, suberror EMULATION, with KVM 6.1's
 *    data (flags, instruction bytes, exit info); running again delivers
 *    the #UD KVM queued; the same for a VEX-encoded vmovdqu (when the
 *    guest can have AVX: KVM_SET_CPUID2 and KVM_SET_XCRS);
 *  - CPUID with no KVM_SET_CPUID2 returns what KVM returns for an empty
 *    CPUID table (recorded on kvm_amd 6.1: all zero).
 */
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define MMIO_GPA		0xc0000000ULL
#define SVM_EXIT_ERR		0xffffffffULL
#define VMX_INVALID_STATE	0x80000021ULL

extern const char hlt_insn[], addps_insn[], vex_insn[];

static void guest_hlt_twice(void)
{
	asm volatile("hlt_insn: hlt" : : : "memory");
	GUEST_SYNC(1);
}

static void guest_ud2(void)
{
	asm volatile("ud2");
}

static void guest_spin(void)
{
	for (;;)
		asm volatile("pause");
}

static void guest_addps_mmio(void)
{
	asm volatile("addps_insn: addps (%0), %%xmm0" : : "r"(MMIO_GPA) : "memory");
	GUEST_SYNC(1);
}

static void guest_vex_mmio(void)
{
	asm volatile("vex_insn: vmovdqu (%0), %%ymm0" : : "r"(MMIO_GPA) : "memory");
	GUEST_SYNC(1);
}

static void guest_cpuid_leaves(void)
{
	static const u32 leaves[] = { 0, 1, 0x80000000, 0x80000001, 7, 0xd };
	u32 a, b, c, d;
	unsigned int i;

	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		guest_cpuid(leaves[i], 0, &a, &b, &c, &d);
		GUEST_SYNC(leaves[i], a, b, c, d);
	}
}

static void test_hlt(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	bool ok;
	u64 rip;

	vcpu_enter(vcpu, guest_hlt_twice, 0);
	ok = vcpu_run_expect(vcpu, HV_EXIT_HLT, "hlt");
	ktap_result(ok, "hlt: KVM_EXIT_HLT");
	rip = vcpu_rip(vcpu);
	ktap_result(rip == (u64)(uintptr_t)hlt_insn + 1,
		    "hlt: RIP is past the hlt (%#llx, hlt at %p)",
		    (unsigned long long)rip, hlt_insn);
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_SYNC, NULL, "after hlt"),
		    "hlt: KVM_RUN again continues after it");
	vm_free(vm);
}

static void test_triple_fault(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs sr;
	bool ok;

	vcpu_enter(vcpu, guest_ud2, 0);
	vcpu_get_sregs(vcpu, &sr);
	sr.idt.limit = 0;	/* #UD -> #GP -> #DF -> shutdown */
	vcpu_set_sregs(vcpu, &sr);
	ok = vcpu_run_expect(vcpu, HV_EXIT_SHUTDOWN, "triple fault");
	ktap_result(ok, "triple fault: KVM_EXIT_SHUTDOWN");

	/* With the IDT in place the same #UD is an ordinary exception. */
	vm_free(vm);
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	vcpu_enter(vcpu, guest_ud2, 0);
	{
		struct ucall uc;

		ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "ud2 with an IDT");
		ktap_result(ok && uc.args[0] == 6, "ud2 with an IDT: the guest's #UD handler runs (vector %llu)",
			    (unsigned long long)uc.args[0]);
	}
	vm_free(vm);
}

static void test_fail_entry(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_run *run = vcpu->run;
	u64 want = host_is_amd() ? SVM_EXIT_ERR : VMX_INVALID_STATE;
	struct hv_sregs sr;
	long r;
	bool ok;

	vcpu_enter(vcpu, guest_spin, 0);
	vcpu_get_sregs(vcpu, &sr);
	sr.cs.db = 1;		/* with CS.L=1 in long mode: reserved */
	r = ioctl_ret(vcpu->fd, HV_SET_SREGS, (unsigned long)&sr);
	ktap_result(r == 0, "KVM_SET_SREGS accepts CS.L=1 CS.D=1 in long mode (%ld)", r);
	if (r) {
		vm_free(vm);
		return;
	}
	ok = vcpu_run_expect(vcpu, HV_EXIT_FAIL_ENTRY, "CS.L=1 CS.D=1");
	ktap_result(ok, "CS.L=1 CS.D=1: KVM_EXIT_FAIL_ENTRY");
	ktap_result(ok && run->fail_entry.hardware_entry_failure_reason == want,
		    "CS.L=1 CS.D=1: hardware_entry_failure_reason %#llx (want %#llx)",
		    (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		    (unsigned long long)want);
	ktap_result(ok && run->fail_entry.cpu < (u32)sysconf(_SC_NPROCESSORS_CONF),
		    "CS.L=1 CS.D=1: fail_entry.cpu %u is a host CPU", run->fail_entry.cpu);
	vm_free(vm);
}

static void test_emulation_failure(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_run *run = vcpu->run;
	const u8 *insn = (const u8 *)addps_insn;
	struct ucall uc;
	u8 bytes[16];
	u32 i, len;
	bool ok;

	vcpu_enter(vcpu, guest_addps_mmio, 0);
	ok = vcpu_run_expect(vcpu, HV_EXIT_INTERNAL_ERROR, "addps from mmio");
	ktap_result(ok, "addps from mmio: KVM_EXIT_INTERNAL_ERROR");
	if (!ok) {
		vm_free(vm);
		return;
	}
	ktap_info("addps from mmio: %s", vcpu_exit_str(vcpu));
	ktap_result(run->internal.suberror == HV_INTERNAL_ERROR_EMULATION,
		    "addps from mmio: suberror KVM_INTERNAL_ERROR_EMULATION (%u)",
		    run->internal.suberror);
	/*
	 * KVM 6.1: data[0] flags (bit 0: instruction bytes valid), data[1..2]
	 * insn_size and 15 bytes, data[3..7] the exit info of the exit that
	 * led to emulation (reason, info1, info2, interrupt info, error code).
	 */
	ktap_result(run->internal.ndata == 8,
		    "addps from mmio: ndata 8 (flags, 2 of instruction bytes, 5 of exit info): %u",
		    run->internal.ndata);
	ktap_result(run->internal.data[0] == 1,
		    "addps from mmio: flags = INSTRUCTION_BYTES (%#llx)",
		    (unsigned long long)run->internal.data[0]);
	memcpy(bytes, &run->internal.data[1], 16);
	len = bytes[0];
	ok = len >= 3 && len <= 15;
	for (i = 0; ok && i < 3; i++)
		ok = bytes[1 + i] == insn[i];
	ktap_result(ok, "addps from mmio: insn_size %u, bytes start with the instruction (%02x %02x %02x)",
		    len, bytes[1], bytes[2], bytes[3]);
	if (host_is_amd())
		ktap_result(run->internal.data[3] == 0x400 && run->internal.data[5] == MMIO_GPA,
			    "addps from mmio: exit info is the nested page fault (reason %#llx, gpa %#llx)",
			    (unsigned long long)run->internal.data[3],
			    (unsigned long long)run->internal.data[5]);
	else	/* VMX: reason, exit qualification, IDT vectoring, ... */
		ktap_result(run->internal.data[3] == 48 && (run->internal.data[4] & 1),
			    "addps from mmio: exit info is the EPT violation, a read (reason %#llx, qualification %#llx)",
			    (unsigned long long)run->internal.data[3],
			    (unsigned long long)run->internal.data[4]);

	ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, "run after the emulation failure");
	ktap_result(ok && uc.args[0] == 6 && uc.args[2] == (u64)(uintptr_t)addps_insn,
		    "addps from mmio: running again delivers #UD at the instruction (vector %llu rip %#llx)",
		    (unsigned long long)uc.args[0], (unsigned long long)uc.args[2]);
	vm_free(vm);
}

/* The emulator has no VEX decoding: a VEX load from MMIO fails the same way. */
static void test_vex_emulation_failure(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_run *run = vcpu->run;
	const char *why = vcpu_enable_avx(vcpu);
	u8 bytes[16];
	bool ok;

	if (why) {
		ktap_skip("vmovdqu ymm from mmio", "%s", why);
		vm_free(vm);
		return;
	}
	vcpu_enter(vcpu, guest_vex_mmio, 0);
	ok = vcpu_run_expect(vcpu, HV_EXIT_INTERNAL_ERROR, "vmovdqu from mmio");
	if (ok)
		ktap_info("vmovdqu from mmio: %s", vcpu_exit_str(vcpu));
	memcpy(bytes, &run->internal.data[1], 16);
	ktap_result(ok && run->internal.suberror == HV_INTERNAL_ERROR_EMULATION &&
		    run->internal.ndata == 8 && run->internal.data[0] == 1 &&
		    bytes[0] >= 4 && !memcmp(bytes + 1, vex_insn, 4),
		    "vmovdqu ymm from mmio (VEX): KVM_EXIT_INTERNAL_ERROR, EMULATION, ndata 8, its bytes");
	vm_free(vm);
}

struct cpuid_want {
	u32 leaf, a, b, c, d;
};

/* kvm_amd 6.1, no KVM_SET_CPUID2: every leaf reads as zero. */
static const struct cpuid_want cpuid_wants[] = {
	{ 0, 0, 0, 0, 0 },
	{ 1, 0, 0, 0, 0 },
	{ 0x80000000, 0, 0, 0, 0 },
	{ 0x80000001, 0, 0, 0, 0 },
	{ 7, 0, 0, 0, 0 },
	{ 0xd, 0, 0, 0, 0 },
};

static void test_cpuid(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	const struct cpuid_want *w;
	struct ucall uc;
	unsigned int i;
	bool ok;

	vcpu_enter(vcpu, guest_cpuid_leaves, 0);
	for (i = 0; i < sizeof(cpuid_wants) / sizeof(cpuid_wants[0]); i++) {
		w = &cpuid_wants[i];
		ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "cpuid");
		ktap_result(ok && uc.args[0] == w->leaf && uc.args[1] == w->a &&
			    uc.args[2] == w->b && uc.args[3] == w->c && uc.args[4] == w->d,
			    "cpuid %#x without SET_CPUID2: %#llx %#llx %#llx %#llx",
			    w->leaf, (unsigned long long)uc.args[1],
			    (unsigned long long)uc.args[2], (unsigned long long)uc.args[3],
			    (unsigned long long)uc.args[4]);
	}
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_hlt();
	test_triple_fault();
	test_fail_entry();
	test_emulation_failure();
	test_vex_emulation_failure();
	test_cpuid();
	ktap_end();
}
