/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instructions.  Each one can fault (#UD when VMX is off, e.g. after an
 * emergency VMXOFF during reboot) or fail (RFLAGS.CF/ZF, SDM Vol. 3C 31.2
 * "Conventions"); the wrappers turn both into an error code.
 */
#ifndef HV_VMX_INSN_H
#define HV_VMX_INSN_H

#include <linux/errno.h>
#include <linux/types.h>
#include <asm/asm.h>

/* SDM 31.3 VMXON: CF=1 (VMfailInvalid) or ZF=1 (VMfailValid) on failure. */
static inline int vmx_vmxon(u64 region_pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (region_pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/* #UD if the CPU is not in VMX operation: nothing to undo then. */
static inline int vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

#endif /* HV_VMX_INSN_H */
