/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering an SVM guest.
 *
 * void svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *
 * Called with interrupts disabled and GIF=0.  VMRUN itself saves and
 * restores only part of the host state (APM Vol. 2, 15.5.1): the rest
 * (FS/GS/TR/LDTR hidden state, KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK,
 * SYSENTER_*) is kept with VMSAVE/VMLOAD in a per-CPU page, and the
 * guest's copy of the same set lives in its VMCB.  RAX and RSP are in the
 * VMCB; the other guest GPRs come from and go back to @gprs, indexed in
 * encoding order (RAX=0 ... R15=15).
 */
#include <linux/linkage.h>
#include <asm/asm.h>

#define G(reg)	(reg * 8)

.section .text, "ax"

SYM_FUNC_START(svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx			/* host save area */
	push	%rsi			/* gprs */

	/* Host state VMRUN does not save. */
	mov	%rdx, %rax
1:	vmsave	%rax

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
3:	vmrun	%rax
4:	vmsave	%rax			/* RAX is the VMCB again after #VMEXIT */

	/* Guest GPRs back to @gprs; keep guest RSI on the stack meanwhile. */
8:	push	%rsi
	mov	8(%rsp), %rsi
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

5:	/* Leave no guest value in a register the host may speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rsi			/* gprs */
	pop	%rax			/* host save area */
6:	vmload	%rax

7:	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET

	/*
	 * An SVM instruction faults only if SVM was turned off under us
	 * (an emergency or reboot path): skip ahead, keeping the stack
	 * balanced, and let the caller notice hv_rebooting.
	 */
10:	jmp	8b
11:	add	$16, %rsp
	jmp	7b

	_ASM_EXTABLE(1b, 11b)
	_ASM_EXTABLE(2b, 10b)
	_ASM_EXTABLE(3b, 10b)
	_ASM_EXTABLE(4b, 10b)
	_ASM_EXTABLE(6b, 7b)
SYM_FUNC_END(svm_vmrun)
