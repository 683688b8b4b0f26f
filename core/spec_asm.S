/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculation defences shared by the vendors' entry assembly
 * (svm/vmenter.S, vmx/vmenter.S), which include this file: it is not
 * assembled alone.  Documentation/security.md lists them.
 */
#ifndef HV_CORE_SPEC_ASM_H
#define HV_CORE_SPEC_ASM_H

#ifdef __ASSEMBLY__

#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>

/*
 * The guest's IA32_SPEC_CTRL (the 32-bit value at \slot), written when it
 * differs from the host's current one and the host uses the MSR at all,
 * unless the CPU switches it itself (AMD's V_SPEC_CTRL).  No return or
 * indirect branch may come between this and the entry: the host's
 * protections are off from here on.  Clobbers RAX, RCX, RDX and flags.
 */
.macro HV_LOAD_GUEST_SPEC_CTRL slot:req
	ALTERNATIVE_2 "jmp .Lhv_guest_spec_ctrl_done\@", \
		"", X86_FEATURE_MSR_SPEC_CTRL, \
		"jmp .Lhv_guest_spec_ctrl_done\@", X86_FEATURE_V_SPEC_CTRL
	mov	\slot, %eax
	cmp	PER_CPU_VAR(x86_spec_ctrl_current), %eax
	je	.Lhv_guest_spec_ctrl_done\@
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	xor	%edx, %edx
	wrmsr
.Lhv_guest_spec_ctrl_done\@:
.endm

#endif /* __ASSEMBLY__ */
#endif /* HV_CORE_SPEC_ASM_H */
