/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX instructions.  Each one can fault (#UD when VMX is off, e.g. after an
 * emergency VMXOFF during reboot) or fail (RFLAGS.CF/ZF, SDM Vol. 3C 31.2
 * "Conventions"); the wrappers turn both into an error code, or for
 * VMREAD/VMWRITE into a rate-limited message (a failure there is a bug:
 * the VMCS is not current on this CPU, or the field does not exist).
 */
#ifndef HV_VMX_INSN_H
#define HV_VMX_INSN_H

#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/asm.h>

void vmx_vmread_error(u32 field);
void vmx_vmwrite_error(u32 field, u64 value);

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

/*
 * SDM 31.3 VMCLEAR: writes the VMCS's cached data back to memory, makes it
 * inactive and not current, and its launch state "clear".  NMI-safe (the
 * emergency path uses it).
 */
static inline int vmx_vmclear(u64 vmcs_pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/* SDM 31.3 VMPTRLD: make the VMCS current (and active) on this CPU. */
static inline int vmx_vmptrld(u64 vmcs_pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

/*
 * SDM 31.3 VMREAD: on failure (or a fault) the destination is left as it
 * was, here 0.
 */
static __always_inline u64 vmcs_read(u32 field)
{
	u64 value = 0;
	bool fail;

	asm volatile("1: vmread %[f], %[v]\n\t"
		     "setna %[fail]\n\t"
		     "jmp 3f\n\t"
		     "2: movb $1, %[fail]\n\t"
		     "3:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+r" (value), [fail] "=q" (fail)
		     : [f] "r" ((u64)field)
		     : "cc");
	if (unlikely(fail))
		vmx_vmread_error(field);
	return value;
}

static __always_inline void vmcs_write(u32 field, u64 value)
{
	asm goto("1: vmwrite %[v], %[f]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [f] "r" ((u64)field), [v] "rm" (value)
		 : "cc" : fail);
	return;
fail:
	vmx_vmwrite_error(field, value);
}

static __always_inline void vmcs_set_bits(u32 field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

static __always_inline void vmcs_clear_bits(u32 field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

/* SDM 31.3 INVEPT/INVVPID: the descriptor is 128 bits in memory. */
static inline int vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type)
		 : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int vmx_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct { u64 vpid : 16, reserved : 48; u64 gva; } desc = {
		.vpid = vpid, .gva = gva,
	};

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type)
		 : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

#endif /* HV_VMX_INSN_H */
