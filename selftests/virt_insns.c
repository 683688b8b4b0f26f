// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that executes a virtualization instruction gets #UD, on either
 * vendor, and the vCPU goes on running.
 *
 * hv offers no nested virtualization: the vCPU's CPUID has neither SVM nor
 * VMX and EFER.SVME / CR4.VMXE cannot be set.  On the vendor whose
 * instructions they are, the hardware leaves the decision to the
 * hypervisor (VMRUN is always intercepted, APM vol. 2 15.5; every VMX
 * instruction in VMX non-root operation exits, SDM vol. 3 26.1.2), so hv
 * must inject the #UD itself.  On the other vendor the opcodes are
 * undefined and the processor raises #UD on its own.  KVM gives the same
 * result: with EFER.SVME clear or outside VMX operation its nested code
 * injects #UD.
 *
 * VMCALL (Intel) and VMMCALL (AMD) are KVM's hypercall instructions
 * instead: with no hypercall offered yet, the vendor's own one returns
 * -KVM_ENOSYS (-1000) in RAX and the guest goes on after it, as on KVM.
 * The other vendor's one is left out: KVM rewrites it in guest memory.
 */
#include "lib/vm.h"
#include "lib/guest.h"

/*
 * One guest function per instruction: the label marks the instruction,
 * the #UD handler of the library reports the vector and the RIP.
 */
#define VIRT_INSN(name, text, ...)					\
	extern const char name##_insn[];				\
	static void guest_##name(void)					\
	{								\
		asm volatile(#name "_insn: " text : : __VA_ARGS__);	\
		GUEST_SYNC(0);						\
	}

static u64 region[2] __attribute__((aligned(16)));

/* AMD-V, APM vol. 3 "SVM instructions" */
VIRT_INSN(vmrun, "vmrun %%rax", "a"(0) : "memory")
VIRT_INSN(vmload, "vmload %%rax", "a"(0) : "memory")
VIRT_INSN(vmsave, "vmsave %%rax", "a"(0) : "memory")
VIRT_INSN(stgi, "stgi", "i"(0))
VIRT_INSN(clgi, "clgi", "i"(0))
VIRT_INSN(skinit, "skinit %%eax", "a"(0) : "memory")
VIRT_INSN(invlpga, "invlpga %%rax, %%ecx", "a"(0), "c"(0) : "memory")

/* VT-x, SDM vol. 3 chapter 31 */
VIRT_INSN(vmxon, "vmxon %0", "m"(region[0]) : "memory")
VIRT_INSN(vmclear, "vmclear %0", "m"(region[0]) : "memory")
VIRT_INSN(vmptrld, "vmptrld %0", "m"(region[0]) : "memory")
VIRT_INSN(vmptrst, "vmptrst %0", "m"(region[0]) : "memory")
VIRT_INSN(vmread, "vmread %%rax, %%rbx", "a"(0x6c00) : "rbx")
VIRT_INSN(vmwrite, "vmwrite %%rbx, %%rax", "a"(0x6c00), "b"(0))
VIRT_INSN(vmlaunch, "vmlaunch", "i"(0) : "memory")
VIRT_INSN(vmresume, "vmresume", "i"(0) : "memory")
VIRT_INSN(vmxoff, "vmxoff", "i"(0) : "memory")
VIRT_INSN(invept, "invept %0, %%rax", "m"(region), "a"(1) : "memory")
VIRT_INSN(invvpid, "invvpid %0, %%rax", "m"(region), "a"(1) : "memory")
VIRT_INSN(vmfunc, "vmfunc", "a"(0) : "memory")

struct virt_insn {
	const char *name;
	void (*guest)(void);
	const char *insn;
};

#define INSN(name) { #name, guest_##name, name##_insn }

static const struct virt_insn insns[] = {
	INSN(vmrun), INSN(vmload), INSN(vmsave), INSN(stgi), INSN(clgi),
	INSN(skinit), INSN(invlpga),
	INSN(vmxon), INSN(vmclear), INSN(vmptrld), INSN(vmptrst),
	INSN(vmread), INSN(vmwrite), INSN(vmlaunch), INSN(vmresume),
	INSN(vmxoff), INSN(invept), INSN(invvpid), INSN(vmfunc),
};

#define KVM_ENOSYS	1000

static void guest_vmcall(void)
{
	u64 rax = 12345;	/* no such hypercall */

	asm volatile("vmcall" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
}

static void guest_vmmcall(void)
{
	u64 rax = 12345;

	asm volatile("vmmcall" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
}

static void guest_counts(u64 n)
{
	u64 i, sum = 0;

	for (i = 0; i < n; i++)
		sum += i;
	GUEST_SYNC(sum);
}

int main(int argc, char **argv)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	unsigned int i;
	bool ok;

	ktap_begin(argc, argv);
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		const struct virt_insn *t = &insns[i];

		vcpu_enter(vcpu, t->guest, 0);
		ok = vcpu_expect_ucall(vcpu, UCALL_EXCEPTION, &uc, t->name);
		ktap_result(ok && uc.args[0] == 6 && uc.args[2] == (u64)(uintptr_t)t->insn,
			    "%s in the guest: #UD at the instruction (vector %llu, rip %#llx)",
			    t->name, (unsigned long long)uc.args[0],
			    (unsigned long long)uc.args[2]);
	}

	vcpu_enter(vcpu, host_is_amd() ? guest_vmmcall : guest_vmcall, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "hypercall");
	ktap_result(ok && uc.args[0] == (u64)-KVM_ENOSYS,
		    "%s with an unknown number: RAX = -KVM_ENOSYS (%lld)",
		    host_is_amd() ? "vmmcall" : "vmcall", (long long)uc.args[0]);

	/* The vCPU is none the worse for it. */
	vcpu_enter(vcpu, guest_counts, 1, 100);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "after");
	ktap_result(ok && uc.args[0] == 4950, "the vCPU runs on afterwards");
	vm_free(vm);
	ktap_end();
}
