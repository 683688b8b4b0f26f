/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x backend internals.
 */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include <linux/types.h>

/* What the CPU offers, read from the capability MSRs once at load. */
struct vmx_caps {
	u64 basic;			/* IA32_VMX_BASIC */
	u32 revision_id;		/* VMCS revision identifier */
	u64 ept_vpid;			/* IA32_VMX_EPT_VPID_CAP */
	bool has_vpid;
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
};

extern struct vmx_caps vmx_caps;

#endif /* HV_VMX_VMX_H */
