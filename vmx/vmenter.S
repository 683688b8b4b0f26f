/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering a VT-x guest.
 *
 * int __vmx_vcpu_run(u64 *gprs, bool resume, u64 spec_ctrl)
 *
 * Called with interrupts disabled and the vCPU's VMCS current.  The guest
 * GPRs come from and go back to @gprs, indexed in encoding order (RAX=0
 * ... R15=15); RSP, RIP and RFLAGS are in the VMCS.  @resume selects
 * VMRESUME (the VMCS was launched) over VMLAUNCH.  @spec_ctrl is the
 * guest's IA32_SPEC_CTRL (hv intercepts the guest's writes, so it never
 * needs to be read back).
 *
 * A VM exit, or a VM entry that fails after its checks of the controls
 * and host state (SDM 27.8), lands at vmx_vmexit (HOST_RIP) with the
 * stack pointer written to HOST_RSP just before entry and RFLAGS = 2:
 * returns 0.  A VM entry that fails its first checks (VMfailInvalid: CF,
 * VMfailValid: ZF, SDM 31.2) falls through: returns 1.  A fault (#UD: VMX
 * was turned off under us, which only a reboot or crash path does)
 * returns 2.
 *
 * Speculative-execution defences, the ones kvm_intel applies on the same
 * kernel, each switched by the flag the host kernel set for it
 * (Documentation/security.md): the guest's IA32_SPEC_CTRL before entry
 * and the host's back before the first unbalanced RET after the exit;
 * CPU buffers cleared with VERW just before entry; the return stack
 * buffer overwritten after the exit; the branch history cleared where the
 * host does it on VM exit (BHI); no guest value left in a GPR.  The L1D
 * flush before entry is done in C (vmx/run.c).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>

#include "../core/spec_asm.S"

#define G(reg)		(reg * 8)
#define HOST_RSP	0x6c14		/* VMCS field encoding (asm/vmx.h) */

/* Stack slots at HOST_RSP (see the prologue). */
#define ARG_GPRS	0
#define ARG_SPEC_CTRL	8

.section .text, "ax"

SYM_FUNC_START(__vmx_vcpu_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx			/* guest SPEC_CTRL */
	push	%rdi			/* gprs: found at 0(%rsp) after exit */

	/* The host's RSP at the exit is this one. */
	mov	$HOST_RSP, %eax
1:	vmwrite	%rsp, %rax
	jbe	.Lvmfail

	/* From here to the entry: no return, no indirect branch. */
	HV_LOAD_GUEST_SPEC_CTRL ARG_SPEC_CTRL(%rsp)

	/* @resume into CF; the MOVs and VERW below leave it alone. */
	bt	$0, %esi

	mov	G(1)(%rdi), %rcx
	mov	G(2)(%rdi), %rdx
	mov	G(3)(%rdi), %rbx
	mov	G(5)(%rdi), %rbp
	mov	G(6)(%rdi), %rsi
	mov	G(8)(%rdi), %r8
	mov	G(9)(%rdi), %r9
	mov	G(10)(%rdi), %r10
	mov	G(11)(%rdi), %r11
	mov	G(12)(%rdi), %r12
	mov	G(13)(%rdi), %r13
	mov	G(14)(%rdi), %r14
	mov	G(15)(%rdi), %r15
	mov	G(0)(%rdi), %rax
	mov	G(7)(%rdi), %rdi

	/* Clobbers EFLAGS.ZF. */
	CLEAR_CPU_BUFFERS

	jc	.Lvmresume
	/*
	 * The unwinder must not follow this "function" into the guest: the
	 * exit below resumes with the stack as it is here.
	 */
	UNWIND_HINT_SAVE
2:	vmlaunch
	jmp	.Lvmfail
.Lvmresume:
3:	vmresume
	jmp	.Lvmfail

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Guest GPRs back to @gprs; keep guest RAX on the stack meanwhile. */
	push	%rax
	mov	8+ARG_GPRS(%rsp), %rax
	pop	G(0)(%rax)
	mov	%rcx, G(1)(%rax)
	mov	%rdx, G(2)(%rax)
	mov	%rbx, G(3)(%rax)
	mov	%rbp, G(5)(%rax)
	mov	%rsi, G(6)(%rax)
	mov	%rdi, G(7)(%rax)
	mov	%r8, G(8)(%rax)
	mov	%r9, G(9)(%rax)
	mov	%r10, G(10)(%rax)
	mov	%r11, G(11)(%rax)
	mov	%r12, G(12)(%rax)
	mov	%r13, G(13)(%rax)
	mov	%r14, G(14)(%rax)
	mov	%r15, G(15)(%rax)
	xor	%ebx, %ebx		/* return 0 */

.Lclear_regs:
	/* Leave no guest value in a register the host may speculate on. */
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%ebp, %ebp
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d

	/*
	 * Before the first unbalanced RET: the guest may have filled the
	 * return stack buffer with targets of its choosing, and the host's
	 * SPEC_CTRL (IBRS) must be back on.  The call below is balanced.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT,\
			   X86_FEATURE_RSB_VMEXIT_LITE

	mov	ARG_SPEC_CTRL(%rsp), %rdi
	call	hv_spec_ctrl_restore_host

	/* BHI: the guest's branch history must not steer the host's. */
	CLEAR_BRANCH_HISTORY_VMEXIT

	mov	%ebx, %eax
	add	$16, %rsp		/* gprs, SPEC_CTRL */
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

	/*
	 * VMWRITE, VMLAUNCH or VMRESUME refused (SDM 31.3); guest GPRs may
	 * be loaded, and are dropped.
	 */
.Lvmfail:
	mov	$1, %ebx
	jmp	.Lclear_regs

	/*
	 * A VMX instruction faulted: VMX was turned off under us (reboot or
	 * crash).  The caller sees hv_rebooting.
	 */
.Lfault:
	mov	$2, %ebx
	jmp	.Lclear_regs

	_ASM_EXTABLE(1b, .Lfault)
	_ASM_EXTABLE(2b, .Lfault)
	_ASM_EXTABLE(3b, .Lfault)
SYM_FUNC_END(__vmx_vcpu_run)
