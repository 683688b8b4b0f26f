// SPDX-License-Identifier: GPL-2.0
/*
 * Machine checks the VMM raises in a guest, KVM's ABI (HV_CAP_MCE):
 * HV_X86_GET_MCE_CAP_SUPPORTED on /dev/hv, HV_X86_SETUP_MCE and
 * HV_X86_SET_MCE on a vCPU.  A VMM uses them to pass on a memory error
 * in guest memory (QEMU does on a host SIGBUS): the error is written
 * into a bank of the vCPU's machine-check registers and, when it is
 * uncorrected, delivered as #MC (SDM 15.3, 15.10).
 *
 * The banks themselves are MSRs of core/msr.c.  hv offers no CMCI and no
 * local machine checks, so what it supports is MCG_CTL_P and MCG_SER_P,
 * as kvm_amd: an uncorrected error with no action required (UCNA), which
 * would be signalled by CMCI, is only recorded in its bank.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "hv.h"
#include "msr.h"

#define HV_MCG_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
/* MCG_CAP fields a VMM may set besides the supported bits (KVM's mask). */
#define HV_MCG_CAP_COUNT	0xff		/* Count: banks */
#define HV_MCG_CAP_EXT_CNT	0xff0000	/* MCG_EXT_CNT */

long hv_dev_get_mce_cap_supported(u64 __user *argp)
{
	u64 cap = HV_MCG_CAP_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}

/*
 * HV_X86_SETUP_MCE: the vCPU's IA32_MCG_CAP.  1 to HV_MAX_MCE_BANKS
 * banks and only supported bits, else EINVAL; MCG_CTL and every MCi_CTL
 * become all ones (reporting enabled), as on KVM.
 */
static long hv_vcpu_setup_mce(struct hv_vcpu *vcpu, u64 __user *argp)
{
	struct hv_vcpu_msrs *m = &vcpu->msr;
	u64 cap;
	u32 banks, i;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	banks = cap & HV_MCG_CAP_COUNT;
	if (!banks || banks > HV_MAX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(HV_MCG_CAP_SUPPORTED | HV_MCG_CAP_COUNT |
		    HV_MCG_CAP_EXT_CNT))
		return -EINVAL;
	/* Accepted, then cut to what the vendor defines (AMD: no MCG_SER_P). */
	cap &= hv_ops->mcg_cap_bits;
	m->mcg_cap = cap;
	if (cap & MCG_CTL_P)
		m->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		m->mce_banks[4 * i] = ~0ULL;
	return 0;
}

/* UCNA: uncorrected, but no machine check (SDM 15.6.3). */
static bool hv_mce_is_ucna(const struct hv_x86_mce *mce)
{
	return !mce->mcg_status &&
	       !(mce->status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR)) &&
	       (mce->status & MCI_STATUS_VAL) && (mce->status & MCI_STATUS_UC);
}

static void hv_mce_record(u64 *bank, const struct hv_x86_mce *mce, u64 status)
{
	bank[1] = status;
	bank[2] = mce->addr;
	bank[3] = mce->misc;
}

/*
 * HV_X86_SET_MCE: record the error in its bank.  An uncorrected one is
 * dropped if the guest turned its reporting off (MCG_CTL, MCi_CTL), is
 * delivered as #MC, or shuts the guest down when it cannot take one (a
 * machine check already in progress, or CR4.MCE clear: SDM 15.10.1).  A
 * corrected one does not replace an uncorrected one still in the bank;
 * either way a valid error overwritten sets OVER.
 */
static long hv_vcpu_set_mce(struct hv_vcpu *vcpu,
			    struct hv_x86_mce __user *argp)
{
	struct hv_vcpu_msrs *m = &vcpu->msr;
	u32 nbanks = m->mcg_cap & HV_MCG_CAP_COUNT;
	struct hv_x86_mce mce;
	struct hv_emu_cpu cpu;
	u64 *bank, status;

	if (copy_from_user(&mce, argp, sizeof(mce)))
		return -EFAULT;
	if (mce.bank >= nbanks || !(mce.status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = &m->mce_banks[array_index_nospec(4 * mce.bank, 4 * nbanks)];
	status = mce.status;

	if (hv_mce_is_ucna(&mce)) {
		hv_mce_record(bank, &mce, status);
		m->mcg_status = mce.mcg_status;
		return 0;
	}
	if (!(status & MCI_STATUS_UC)) {
		if (!(bank[1] & MCI_STATUS_VAL) || !(bank[1] & MCI_STATUS_UC)) {
			if (bank[1] & MCI_STATUS_VAL)
				status |= MCI_STATUS_OVER;
			hv_mce_record(bank, &mce, status);
		} else {
			bank[1] |= MCI_STATUS_OVER;
		}
		return 0;
	}
	if (((m->mcg_cap & MCG_CTL_P) && m->mcg_ctl != ~0ULL) ||
	    bank[0] != ~0ULL)
		return 0;
	hv_ops->get_emu_state(vcpu, &cpu);
	if ((m->mcg_status & MCG_STATUS_MCIP) || !(cpu.cr4 & X86_CR4_MCE)) {
		hv_vcpu_request(vcpu, HV_REQ_TRIPLE_FAULT);
		return 0;
	}
	if (bank[1] & MCI_STATUS_VAL)
		status |= MCI_STATUS_OVER;
	hv_mce_record(bank, &mce, status);
	m->mcg_status = mce.mcg_status;
	hv_queue_exception(vcpu, X86_TRAP_MC, false, 0);
	return 0;
}

long hv_vcpu_mce_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
		       void __user *argp)
{
	switch (ioctl) {
	case HV_X86_SETUP_MCE:
		return hv_vcpu_setup_mce(vcpu, argp);
	case HV_X86_SET_MCE:
		return hv_vcpu_set_mce(vcpu, argp);
	default:
		return -ENOTTY;
	}
}
