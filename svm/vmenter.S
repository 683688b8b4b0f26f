/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering an SVM guest.
 *
 * void svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa, u64 spec_ctrl)
 *
 * Called with interrupts disabled and GIF=0.  VMRUN itself saves and
 * restores only part of the host state (APM Vol. 2, 15.5.1): the rest
 * (FS/GS/TR/LDTR hidden state, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK,
 * SYSENTER_*) is kept with VMSAVE/VMLOAD in a per-CPU page, and the
 * guest's copy of the same set lives in its VMCB.  RAX and RSP are in the
 * VMCB; the other guest GPRs come from and go back to @gprs, indexed in
 * encoding order (RAX=0 ... R15=15).  @spec_ctrl is the guest's
 * IA32_SPEC_CTRL (hv intercepts the guest's writes, so it never needs to
 * be read back).
 *
 * Speculative-execution defences, the ones kvm_amd applies on the same
 * kernel, each switched by the flag the host kernel set for it
 * (Documentation/security.md):
 *  - IA32_SPEC_CTRL: the guest's value before VMRUN, the host's back
 *    before the first RET after it (unless the CPU switches it itself,
 *    V_SPEC_CTRL);
 *  - CPU buffers cleared with VERW just before VMRUN (MDS and relatives);
 *  - the return stack buffer overwritten after #VMEXIT, so no return
 *    goes to a target the guest planted;
 *  - return-address predictions untrained (RETBleed, SRSO) and, where
 *    the host asks for it, an IBPB after every exit;
 *  - no guest value left in a GPR once the host runs again.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>

#include "../core/spec_asm.S"

#define G(reg)	(reg * 8)

/* Stack slots once the arguments are pushed (see the prologue). */
#define ARG_GPRS	0
#define ARG_HOST_SAVE	8
#define ARG_SPEC_CTRL	16

.section .text, "ax"

SYM_FUNC_START(svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rcx			/* guest SPEC_CTRL */
	push	%rdx			/* host save area */
	push	%rsi			/* gprs */

	/* Host state VMRUN does not save. */
	mov	%rdx, %rax
1:	vmsave	%rax

	/* From here to VMRUN: no return, no indirect branch. */
	HV_LOAD_GUEST_SPEC_CTRL ARG_SPEC_CTRL(%rsp)
.Lguest_spec_ctrl_done:

	mov	%rdi, %rax		/* VMCB; VMRUN takes it in RAX */

	mov	G(1)(%rsi), %rcx
	mov	G(2)(%rsi), %rdx
	mov	G(3)(%rsi), %rbx
	mov	G(5)(%rsi), %rbp
	mov	G(7)(%rsi), %rdi
	mov	G(8)(%rsi), %r8
	mov	G(9)(%rsi), %r9
	mov	G(10)(%rsi), %r10
	mov	G(11)(%rsi), %r11
	mov	G(12)(%rsi), %r12
	mov	G(13)(%rsi), %r13
	mov	G(14)(%rsi), %r14
	mov	G(15)(%rsi), %r15
	mov	G(6)(%rsi), %rsi

2:	vmload	%rax
	/* Clobbers EFLAGS.ZF. */
	VM_CLEAR_CPU_BUFFERS
3:	vmrun	%rax
4:	vmsave	%rax			/* RAX is the VMCB again after #VMEXIT */

	/* Guest GPRs back to @gprs; keep guest RSI on the stack meanwhile. */
8:	push	%rsi
	mov	8+ARG_GPRS(%rsp), %rsi
	mov	%rcx, G(1)(%rsi)
	mov	%rdx, G(2)(%rsi)
	mov	%rbx, G(3)(%rsi)
	mov	%rbp, G(5)(%rsi)
	mov	%rdi, G(7)(%rsi)
	mov	%r8, G(8)(%rsi)
	mov	%r9, G(9)(%rsi)
	mov	%r10, G(10)(%rsi)
	mov	%r11, G(11)(%rsi)
	mov	%r12, G(12)(%rsi)
	mov	%r13, G(13)(%rsi)
	mov	%r14, G(14)(%rsi)
	mov	%r15, G(15)(%rsi)
	pop	%rcx
	mov	%rcx, G(6)(%rsi)

	/* The host's GS base and the rest: per-CPU data is reachable again. */
	mov	ARG_HOST_SAVE(%rsp), %rax
6:	vmload	%rax

	/* Before any RET: no return may use an entry the guest planted. */
7:	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE

	/* The host's SPEC_CTRL, if the guest's differed. */
	ALTERNATIVE_2 "jmp .Lhost_spec_ctrl_done", \
		"", X86_FEATURE_MSR_SPEC_CTRL, \
		"jmp .Lhost_spec_ctrl_done", X86_FEATURE_V_SPEC_CTRL
	mov	PER_CPU_VAR(x86_spec_ctrl_current), %eax
	cmp	ARG_SPEC_CTRL(%rsp), %eax
	je	.Lhost_spec_ctrl_done
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	xor	%edx, %edx
	wrmsr
.Lhost_spec_ctrl_done:

	/*
	 * RETBleed/SRSO: untrain return predictions before interrupts come
	 * back (their handlers do not, returning to the kernel), and an
	 * IBPB on every exit where the host chose that for SRSO.
	 */
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT

	/* Leave no guest value in a register the host may speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%ebx, %ebx
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

	add	$24, %rsp		/* gprs, host save area, SPEC_CTRL */
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

	/*
	 * An SVM instruction faults only if SVM was turned off under us
	 * (an emergency or reboot path): carry on, keeping the stack
	 * balanced, and let the caller notice hv_rebooting.  A fault of
	 * the host's VMSAVE comes before anything was changed.
	 */
10:	jmp	8b
11:	jmp	.Lguest_spec_ctrl_done
12:	jmp	7b

	_ASM_EXTABLE(1b, 11b)
	_ASM_EXTABLE(2b, 10b)
	_ASM_EXTABLE(3b, 10b)
	_ASM_EXTABLE(4b, 10b)
	_ASM_EXTABLE(6b, 12b)
SYM_FUNC_END(svm_vmrun)
