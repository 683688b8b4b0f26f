/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's model-specific registers: the state the core keeps for
 * them, per vCPU and per VM (core/msr.c owns it; the values that live in
 * the VMCB/VMCS are the backend's, reached through ops->get_msr/set_msr).
 */
#ifndef HV_CORE_MSR_H
#define HV_CORE_MSR_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;

/*
 * Machine-check banks: at most KVM's 32 (HV_X86_SETUP_MCE, core/mce.c);
 * a new vCPU has QEMU's default of 10.
 */
#define HV_MAX_MCE_BANKS	32
#define HV_MCE_BANKS		10
/* Variable-range MTRR pairs (IA32_MTRRCAP.VCNT), as KVM. */
#define HV_NR_VAR_MTRR		8
#define HV_NR_FIXED_MTRR	11

/* KVM's paravirtual clock MSRs (stored, never acted on; see msr.c). */
#define HV_MSR_KVM_WALL_CLOCK		0x11
#define HV_MSR_KVM_SYSTEM_TIME		0x12
#define HV_MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define HV_MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/*
 * Why a guest's access failed, besides a handler's refusal (1): no such
 * MSR, or HV_X86_SET_MSR_FILTER denies it (core/msr_filter.c).
 */
#define HV_MSR_UNKNOWN		2
#define HV_MSR_FILTERED		3

/* KVM_GET/SET_MSRS take fewer than this many entries (KVM's MAX_IO_MSRS). */
#define HV_MAX_IO_MSRS		256

/*
 * Per vCPU, all [v] (only the thread holding vcpu->mutex): the MSRs
 * whose values the core keeps.  IA32_TSC_AUX and IA32_SPEC_CTRL stay in
 * struct hv_vcpu (the entry path reads them there).
 */
struct hv_vcpu_msrs {
	u64 tsc_offset;		/* guest TSC = host TSC + this */
	u64 tsc_adjust;		/* IA32_TSC_ADJUST */
	u64 misc_enable;	/* IA32_MISC_ENABLE */
	u64 ucode_rev;		/* IA32_UCODE_REV (BIOS_SIGN_ID) */
	u64 hwcr;		/* AMD HWCR: only McStatusWrEn is kept */
	u64 power_ctl;		/* IA32_POWER_CTL */
	u64 smi_count;		/* MSR_SMI_COUNT (no SMIs: what the VMM set) */
	u64 kvm_system_time;	/* MSR_KVM_SYSTEM_TIME(_NEW), stored only */
	bool rdtscp;		/* the guest's CPUID has RDTSCP */
	bool tsc_aux;		/* ... RDTSCP or RDPID: it may use TSC_AUX */
	bool tsc_adjust_ok;	/* ... TSC_ADJUST */

	u64 mcg_cap;		/* banks, MCG_CTL_P, MCG_SER_P (core/mce.c) */
	u64 mcg_status;
	u64 mcg_ctl;
	u64 mce_banks[HV_MAX_MCE_BANKS * 4];	/* CTL, STATUS, ADDR, MISC */
	u64 mci_ctl2[HV_MAX_MCE_BANKS];

	u64 mtrr_deftype;
	u64 mtrr_fixed[HV_NR_FIXED_MTRR];
	u64 mtrr_var[HV_NR_VAR_MTRR * 2];	/* base, mask, ... */
};

/*
 * Per VM: the last host-initiated TSC write, which a write by another
 * vCPU within a second of it joins (KVM's TSC synchronization), and
 * the paravirtual wall clock's address.
 */
struct hv_vm_msrs {
	raw_spinlock_t tsc_lock;
	bool tsc_written;	/* [t] a vCPU has been synchronized */
	u64 tsc_last_write;	/* [t] the value written */
	u64 tsc_last_ns;	/* [t] when (ktime_get_boottime_ns) */
	u64 tsc_offset;		/* [t] the offset of that generation */
	u64 kvm_wall_clock;	/* WRITE_ONCE/READ_ONCE */
};

void hv_msrs_vm_init(struct hv_vm *vm);
void hv_msrs_vcpu_init(struct hv_vcpu *vcpu);
void hv_msrs_cpuid_update(struct hv_vcpu *vcpu);
long hv_dev_msr_ioctl(unsigned int ioctl, void __user *argp);
long hv_vcpu_get_msrs(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_set_msrs(struct hv_vcpu *vcpu, void __user *argp);

#endif /* HV_CORE_MSR_H */
