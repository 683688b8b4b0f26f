/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: guest entry and exception stubs (64-bit).
 *
 * guest_trampoline: vcpu_enter() starts a long-mode vCPU here with the
 * function in %rax and its arguments in %rdi..%r9; a return from it is a
 * UCALL_DONE.
 *
 * guest_exception_vectors: the 32 exception entry points the library puts
 * in the guest's IDT; each pushes (error code, vector) and calls
 * guest_exception(), which reports UCALL_EXCEPTION and stops.
 */
	.text
	.code64
	.globl guest_trampoline
	.type guest_trampoline, @function
guest_trampoline:
	call *%rax
	call guest_returned
1:	hlt
	jmp 1b
	.size guest_trampoline, . - guest_trampoline

.macro EXC_STUB n
exc_stub_\n:
	/* vectors 8, 10-14, 17, 21, 29, 30 push an error code themselves */
	.if (\n != 8) && ((\n < 10) || (\n > 14)) && (\n != 17) && (\n != 21) && (\n != 29) && (\n != 30)
	pushq $0
	.endif
	pushq $\n
	jmp exc_common
.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_STUB \n
	.endr

exc_common:
	movq %rsp, %rdi
	andq $-16, %rsp
	call guest_exception
1:	hlt
	jmp 1b

	.section .rodata
	.balign 8
	.globl guest_exception_vectors
guest_exception_vectors:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_stub_\n
	.endr

	.section .note.GNU-stack, "", @progbits
