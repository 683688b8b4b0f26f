// SPDX-License-Identifier: GPL-2.0
/*
 * Guests in each processor mode compute something and report it back:
 * 16-bit real mode, 32-bit protected mode (flat, paging off) and 64-bit
 * long mode (4-level identity paging).  Each result shows the mode: 16-bit
 * arithmetic wraps at 64 KiB, real-mode segments are selector * 16, the
 * control registers and EFER read inside the guest are the mode's.
 */
#include "lib/vm.h"
#include "lib/guest.h"

/* ---- real mode: a blob copied to GPA_BLOB, CS = GPA_BLOB >> 4 ---- */
extern const char rm_start[], rm_end[];
asm(
"	.pushsection .rodata.guest16, \"a\"\n"
"	.code16\n"
"rm_start:\n"
"	xor %bx, %bx\n"			/* sum of 1..100 */
"	mov $100, %cx\n"
"1:	add %cx, %bx\n"
"	loop 1b\n"
"	mov %bx, (rm_args - rm_start)\n"
"	mov $0xffff, %ax\n"		/* 16-bit wrap: 0xffff + 2 = 1 */
"	add $2, %ax\n"
"	mov %ax, (rm_args + 8 - rm_start)\n"
"	mov %cr0, %eax\n"
"	mov %eax, (rm_args + 16 - rm_start)\n"
"	mov $0x2000, %ax\n"		/* ES base 0x20000 */
"	mov %ax, %es\n"
"	movw $0xbeef, %es:0x10\n"
"	mov %cs, %ax\n"			/* physical address of rm_uc */
"	movzwl %ax, %eax\n"
"	shl $4, %eax\n"
"	add $(rm_uc - rm_start), %eax\n"
"	mov $" __stringify(UCALL_PORT) ", %dx\n"
"	outl %eax, %dx\n"
"	hlt\n"
"	.balign 8\n"
"rm_uc:	.long 1, 0\n"			/* UCALL_SYNC, line */
"	.quad 0, 0\n"			/* file, fmt */
"	.long 3, 0\n"			/* nargs */
"rm_args: .quad 0, 0, 0, 0, 0, 0\n"
"rm_end:\n"
"	.code64\n"
"	.popsection\n");

/* ---- 32-bit protected mode: runs at its own address (flat) ---- */
extern const char pm_start[];
asm(
"	.pushsection .text.guest32, \"ax\"\n"
"	.code32\n"
"pm_start:\n"
"	mov $0x12345, %eax\n"		/* 32-bit product */
"	mov $0x6789, %ecx\n"
"	mul %ecx\n"
"	mov %eax, pm_args\n"
"	mov %cr0, %eax\n"
"	mov %eax, pm_args + 8\n"
"	mov $0xc0000080, %ecx\n"	/* EFER */
"	rdmsr\n"
"	mov %eax, pm_args + 16\n"
"	mov %esp, pm_args + 24\n"	/* the stack works: push/pop */
"	push $0x5a5a5a5a\n"
"	pop %eax\n"
"	mov %eax, pm_args + 32\n"
"	mov $pm_uc, %eax\n"
"	mov $" __stringify(UCALL_PORT) ", %dx\n"
"	outl %eax, %dx\n"
"	hlt\n"
"	.code64\n"
"	.popsection\n"
"	.pushsection .data.guest32, \"aw\"\n"
"	.balign 8\n"
"pm_uc:	.long 1, 0\n"
"	.quad 0, 0\n"
"	.long 5, 0\n"
"pm_args: .quad 0, 0, 0, 0, 0, 0\n"
"	.popsection\n");

/* ---- 64-bit long mode: C ---- */
static volatile u64 lm_seen_by_host;

static u64 fib(int n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static void guest_long_mode(u64 n)
{
	lm_seen_by_host = 0x1122334455667788ULL;
	GUEST_SYNC(fib(n), rdmsr(MSR_EFER), read_cr0(), read_cr4());
}

static void test_real_mode(void)
{
	struct vm *vm = vm_new(GUEST_REAL);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	u16 *es_word;
	bool ok;

	vm_load_blob(vm, GPA_BLOB, rm_start, rm_end);
	vcpu_enter(vcpu, (void *)GPA_BLOB, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "real mode");
	ktap_result(ok && uc.nargs == 3, "real mode: the guest made a ucall");
	ktap_result(ok && uc.args[0] == 5050, "real mode: sum 1..100 = %llu",
		    (unsigned long long)uc.args[0]);
	ktap_result(ok && uc.args[1] == 1, "real mode: 16-bit add wraps (0xffff + 2 = %llu)",
		    (unsigned long long)uc.args[1]);
	ktap_result(ok && !(uc.args[2] & CR0_PE), "real mode: CR0.PE clear (cr0 %#llx)",
		    (unsigned long long)uc.args[2]);
	es_word = vm_gpa2hva(vm, 0x20010);
	ktap_result(*es_word == 0xbeef, "real mode: ES 0x2000:0x10 is physical 0x20010 (%#x)",
		    *es_word);
	ok = vcpu_run_expect(vcpu, HV_EXIT_HLT, "real mode hlt");
	ktap_result(ok, "real mode: hlt exits");
	vm_free(vm);
}

static void test_prot32(void)
{
	struct vm *vm = vm_new(GUEST_PROT32);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	vcpu_enter(vcpu, pm_start, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "protected mode");
	ktap_result(ok && uc.nargs == 5, "protected mode: the guest made a ucall");
	ktap_result(ok && uc.args[0] == (u32)(0x12345ULL * 0x6789),
		    "protected mode: 32-bit product %#llx",
		    (unsigned long long)uc.args[0]);
	ktap_result(ok && (uc.args[1] & CR0_PE) && !(uc.args[1] & CR0_PG),
		    "protected mode: CR0.PE set, CR0.PG clear (cr0 %#llx)",
		    (unsigned long long)uc.args[1]);
	ktap_result(ok && !(uc.args[2] & (EFER_LME | EFER_LMA)),
		    "protected mode: EFER.LME/LMA clear (efer %#llx)",
		    (unsigned long long)uc.args[2]);
	ktap_result(ok && uc.args[3] == GPA_STACKS + GUEST_STACK_SIZE &&
		    uc.args[4] == 0x5a5a5a5a,
		    "protected mode: stack at %#llx works (%#llx)",
		    (unsigned long long)uc.args[3], (unsigned long long)uc.args[4]);
	ok = vcpu_run_expect(vcpu, HV_EXIT_HLT, "protected mode hlt");
	ktap_result(ok, "protected mode: hlt exits");
	vm_free(vm);
}

static void test_long_mode(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;

	vcpu_enter(vcpu, guest_long_mode, 1, 90);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "long mode");
	ktap_result(ok && uc.nargs == 4, "long mode: the guest made a ucall");
	ktap_result(ok && uc.args[0] == 2880067194370816120ULL,
		    "long mode: fib(90) = %llu", (unsigned long long)uc.args[0]);
	ktap_result(ok && (uc.args[1] & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
		    "long mode: EFER.LME and LMA set (efer %#llx)",
		    (unsigned long long)uc.args[1]);
	ktap_result(ok && (uc.args[2] & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG) &&
		    (uc.args[3] & CR4_PAE),
		    "long mode: CR0.PE, CR0.PG, CR4.PAE set (cr0 %#llx cr4 %#llx)",
		    (unsigned long long)uc.args[2], (unsigned long long)uc.args[3]);
	ktap_result(*guest_var(vm, lm_seen_by_host) == 0x1122334455667788ULL &&
		    lm_seen_by_host == 0,
		    "long mode: the guest's global is in guest memory, not the host's");
	ok = vcpu_expect_ucall(vcpu, UCALL_DONE, &uc, "long mode return");
	ktap_result(ok, "long mode: returning from the guest function is UCALL_DONE");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_real_mode();
	test_prot32();
	test_long_mode();
	ktap_end();
}
