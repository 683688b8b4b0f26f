/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry point of the hello guest: the first byte of hello.bin.
 *
 * The VMM starts the vCPU here already in 64-bit long mode (paging on,
 * identity-mapped), with interrupts off, RSP pointing at a stack below the
 * image and RDI holding the size of guest RAM in bytes.  RDI is also the
 * first argument register of the SysV calling convention, so the value
 * reaches guest_main() untouched.
 */
	.section .text.start, "ax"
	.code64
	.globl	_start
_start:
	call	guest_main
	/*
	 * Done: HLT with interrupts off never wakes up on real hardware.  Under
	 * a VMM without an in-kernel interrupt controller it is a vCPU exit
	 * (HV_EXIT_HLT), which the example VMM takes as "guest finished".
	 */
1:	hlt
	jmp	1b

	/* No executable stack wanted; keeps the linker quiet. */
	.section .note.GNU-stack, "", @progbits
