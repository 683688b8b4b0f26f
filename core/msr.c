// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's model-specific registers: which ones a vCPU has, who may
 * read and write each (the guest's RDMSR/WRMSR, or the VMM through
 * HV_GET/SET_MSRS: "host-initiated"), the values they accept and start
 * with, and the MSR ioctls.  The rules are KVM 6.1's, the same on both
 * vendors; only where a value lives (VMCB, VMCS) is the backend's
 * business, reached through hv_ops->get_msr / set_msr.
 *
 * hv_msr_table below is the one list of the MSRs hv emulates.  Any other
 * MSR raises #GP in the guest and stops HV_GET/SET_MSRS, as on KVM
 * without ignore_msrs.  Documentation/abi.md has the table in prose.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/cpufeature.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/tsc.h>

#include "hv.h"
#include "io/irqchip.h"

/* SDM 11.11.2, Table 2-2: the MTRRs' numbers. */
#define HV_MSR_MTRR_CAP		0xfe
#define HV_MSR_MTRR_BASE0	0x200	/* PHYSBASE0, PHYSMASK0, ... */
#define HV_MSR_MTRR_FIX64K	0x250
#define HV_MSR_MTRR_FIX16K	0x258	/* and 0x259 */
#define HV_MSR_MTRR_FIX4K	0x268	/* ... 0x26f */
#define HV_MSR_MTRR_DEF_TYPE	0x2ff
/* SDM 15.3.2: bank i's CTL, STATUS, ADDR, MISC; its CTL2 (CMCI). */
#define HV_MSR_MC_CTL(i)	(MSR_IA32_MC0_CTL + 4 * (i))
#define HV_MSR_MC_CTL2(i)	(MSR_IA32_MC0_CTL2 + (i))

/* Guest linear addresses are 48 bits wide: hv refuses CR4.LA57. */
#define HV_VADDR_BITS		48

/* SDM 11.11.1: IA32_MTRRCAP with WC and fixed ranges, no SMRR. */
#define HV_MTRR_CAP		(0x500 | HV_NR_VAR_MTRR)
#define HV_MCG_CAP		(MCG_CTL_P | MCG_SER_P | HV_MCE_BANKS)
/* AMD HWCR[18] McStatusWrEn: the guest may write MCi_STATUS. */
#define HV_HWCR_MCSTATUSWREN	BIT_ULL(18)

/* ---- the rules of each MSR ---- */

/*
 * Handlers return 0, or non-zero when the access is refused: #GP(0) for
 * the guest, the end of the batch for HV_GET/SET_MSRS.  @host is true
 * for the VMM's accesses, which KVM lets bypass some guest-only checks.
 */
typedef int (*hv_msr_get_t)(struct hv_vcpu *vcpu, u32 msr, u64 *val,
			    bool host);
typedef int (*hv_msr_set_t)(struct hv_vcpu *vcpu, u32 msr, u64 val,
			    bool host);

/* SDM 11.12.2 / 11.11.2.1: the memory types an entry may hold. */
static bool hv_mem_type_valid(u8 type)
{
	return type < 8 && (BIT(type) & 0x73);	/* UC WC WT WP WB (UC-) */
}

/* SDM 11.12.2: each PAT entry is one of UC, WC, WT, WP, WB, UC-. */
static bool hv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = (pat >> (i * 8)) & 0xff;

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/*
 * IA32_APIC_BASE (SDM 11.4.4, 11.12.1): reserved bits, and x2APIC mode
 * only with an in-kernel LAPIC, a guest CPUID that has it, and the APIC
 * enabled (EXTD without EN is invalid, SDM Table 11-5).
 */
bool hv_apic_base_valid(struct hv_vcpu *vcpu, u64 apic_base)
{
	if (apic_base & 0x2ffULL)
		return false;
	if ((apic_base & X2APIC_ENABLE) &&
	    (!vcpu->lapic || !(apic_base & MSR_IA32_APICBASE_ENABLE) ||
	     !hv_guest_cpuid_has(vcpu, 1, 2, X86_FEATURE_X2APIC)))
		return false;
	return hv_gpa_valid(apic_base & PAGE_MASK);
}

/* The new APIC base, to the LAPIC if there is one. */
void hv_apic_base_set(struct hv_vcpu *vcpu, u64 apic_base)
{
	vcpu->apic_base = apic_base;
	if (vcpu->lapic)
		hv_lapic_set_base(vcpu, apic_base);
}

/* Bits above the physical-address width (SDM 11.11.2.3). */
static u64 hv_gpa_reserved_bits(void)
{
	return ~0ULL << boot_cpu_data.x86_phys_bits;
}

static int hv_get_zero(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	*val = 0;
	return 0;
}

static int hv_set_ignore(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	return 0;
}

/* Read as a constant and refuse writes, or ignore them: KVM's values. */
static int hv_get_const(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	switch (msr) {
	case HV_MSR_MTRR_CAP:
		*val = HV_MTRR_CAP;
		break;
	case MSR_IA32_MCG_CAP:
		*val = vcpu->msr.mcg_cap;
		break;
	case 0xcd:				/* FSB frequency */
		*val = 3;
		break;
	case MSR_EBC_FREQUENCY_ID:		/* core:bus clock ratio 1 */
		*val = 1 << 24;
		break;
	case MSR_IA32_PERF_STATUS:
		*val = 1000ULL | (4ULL << 40);
		break;
	case MSR_K7_CLK_CTL:
		*val = 0x20000000;
		break;
	case MSR_IA32_BBL_CR_CTL3:
		*val = 0xbe702111;
		break;
	default:
		*val = 0;
	}
	return 0;
}

/* The MSRs whose values the backend keeps in the VMCB/VMCS. */
static int hv_get_backend(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	return hv_ops->get_msr(vcpu, msr, val);
}

/*
 * SYSCALL/SYSENTER state, FS/GS base and KERNEL_GS_BASE: the guest's own
 * accesses do not exit (svm/msr.c, vmx/msr.c) unless the VM's MSR filter
 * denies one of them; these are the VMM's.  VT-x writes
 * some of them into the CPU with WRMSR around every entry, so only
 * values the CPU takes get there: canonical addresses (as KVM checks),
 * SFMASK without its reserved upper half; SYSENTER_ESP/EIP are made
 * canonical, as KVM does, so that both vendors run them alike.
 */
static int hv_set_syscall(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!__is_canonical_address(val, HV_VADDR_BITS))
			return 1;
		break;
	case MSR_SYSCALL_MASK:
		if (val >> 32)
			return 1;
		break;
	case MSR_IA32_SYSENTER_CS:
		val = (u32)val;
		break;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		val = __canonical_address(val, HV_VADDR_BITS);
		break;
	}
	return hv_ops->set_msr(vcpu, msr, val);
}

static int hv_set_efer(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct hv_emu_cpu cpu;

	hv_ops->get_emu_state(vcpu, &cpu);
	if (host) {
		/* KVM's set_efer: only reserved bits matter, LMA stays. */
		if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
			return 1;
	} else if (!hv_efer_write_valid(vcpu, cpu.efer, val,
					cpu.cr0 & X86_CR0_PG)) {
		/* The bits the guest's CPUID allows; LMA is the hardware's. */
		return 1;
	}
	return hv_ops->set_msr(vcpu, MSR_EFER, (cpu.efer & EFER_LMA) |
			       (val & (EFER_SCE | EFER_LME | EFER_NX)));
}

static int hv_set_pat(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	if (!hv_pat_valid(val))
		return 1;
	return hv_ops->set_msr(vcpu, msr, val);
}

static int hv_get_apic_base(struct hv_vcpu *vcpu, u32 msr, u64 *val,
			    bool host)
{
	*val = vcpu->apic_base;
	return 0;
}

/*
 * The guest may not leave x2APIC mode for xAPIC mode, nor enter it from
 * the disabled state (SDM 11.12.5, Figure 11-27); the VMM may.
 */
static int hv_set_apic_base(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	const u64 modes = MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE;
	u64 old = vcpu->apic_base & modes, new = val & modes;

	if (!hv_apic_base_valid(vcpu, val))
		return 1;
	if (!host && ((old == modes && new == MSR_IA32_APICBASE_ENABLE) ||
		      (!old && new == modes)))
		return 1;
	hv_apic_base_set(vcpu, val);
	return 0;
}

/* x2APIC registers: the LAPIC's, in x2APIC mode only (it says). */
static int hv_get_x2apic(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	return vcpu->lapic ? hv_lapic_get_msr(vcpu, msr, val) : 1;
}

static int hv_set_x2apic(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	return vcpu->lapic ? hv_lapic_set_msr(vcpu, msr, val) : 1;
}

/* IA32_TSC_DEADLINE: as KVM, reads 0 and ignores writes without a LAPIC. */
static int hv_get_tsc_deadline(struct hv_vcpu *vcpu, u32 msr, u64 *val,
			       bool host)
{
	*val = 0;
	return vcpu->lapic ? hv_lapic_get_msr(vcpu, msr, val) : 0;
}

static int hv_set_tsc_deadline(struct hv_vcpu *vcpu, u32 msr, u64 val,
			       bool host)
{
	return vcpu->lapic ? hv_lapic_set_msr(vcpu, msr, val) : 0;
}

/* ---- time: the TSC offset, TSC_ADJUST, TSC_AUX ---- */

static void hv_tsc_set_offset(struct hv_vcpu *vcpu, u64 offset)
{
	vcpu->msr.tsc_offset = offset;
	hv_ops->write_tsc_offset(vcpu, offset);
}

/*
 * The VMM writes the TSC (KVM's kvm_synchronize_tsc): the guest's TSC
 * reads @data from now on, unless the write looks like an attempt to
 * line this vCPU up with the others (0, as a VMM writes at reset, or a
 * value within a second of where the last written TSC has got to).
 * Then the vCPU takes that write's offset, so that every vCPU of the VM
 * counts the same TSC, as on a real machine.
 */
static void hv_tsc_synchronize(struct hv_vcpu *vcpu, u64 data)
{
	struct hv_vm_msrs *m = &vcpu->vm->msr;
	u64 hz = (u64)tsc_khz * 1000, offset, ns, expected;
	unsigned long flags;
	bool match = false;

	raw_spin_lock_irqsave(&m->tsc_lock, flags);
	ns = ktime_get_boottime_ns();
	offset = data - rdtsc();
	if (m->tsc_written) {
		expected = m->tsc_last_write +
			   mul_u64_u32_div(ns - m->tsc_last_ns, tsc_khz,
					   USEC_PER_SEC);
		match = !data || (data < expected + hz && data + hz > expected);
	}
	if (match)
		offset = m->tsc_offset;
	else
		m->tsc_offset = offset;
	m->tsc_written = true;
	m->tsc_last_write = data;
	m->tsc_last_ns = ns;
	raw_spin_unlock_irqrestore(&m->tsc_lock, flags);
	hv_tsc_set_offset(vcpu, offset);
}

/* SDM 17.17: the guest reads the host's TSC plus its offset. */
static int hv_get_tsc(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	*val = rdtsc() + vcpu->msr.tsc_offset;
	return 0;
}

/*
 * The guest's WRMSR moves its TSC and, as the SDM says (17.17.3),
 * IA32_TSC_ADJUST by the same amount; the VMM's write synchronizes.
 */
static int hv_set_tsc(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	u64 adj;

	if (host) {
		hv_tsc_synchronize(vcpu, val);
		return 0;
	}
	adj = val - rdtsc() - vcpu->msr.tsc_offset;
	vcpu->msr.tsc_adjust += adj;
	hv_tsc_set_offset(vcpu, vcpu->msr.tsc_offset + adj);
	return 0;
}

static int hv_get_tsc_adjust(struct hv_vcpu *vcpu, u32 msr, u64 *val,
			     bool host)
{
	*val = vcpu->msr.tsc_adjust;
	return 0;
}

/*
 * The guest's write moves its TSC by the change (SDM 17.17.3).  Without
 * TSC_ADJUST in the guest's CPUID, KVM ignores writes (of both kinds).
 */
static int hv_set_tsc_adjust(struct hv_vcpu *vcpu, u32 msr, u64 val,
			     bool host)
{
	if (!vcpu->msr.tsc_adjust_ok)
		return 0;
	if (!host)
		hv_tsc_set_offset(vcpu, vcpu->msr.tsc_offset +
				  (val - vcpu->msr.tsc_adjust));
	vcpu->msr.tsc_adjust = val;
	return 0;
}

/*
 * IA32_TSC_AUX exists where the host has RDTSCP or RDPID (hv switches
 * it around entries, hv_msrs_enter_guest); the guest may use it only
 * with one of them in its CPUID.  Bits 63:32 are reserved on Intel and
 * ignored on AMD: as KVM, an Intel guest gets #GP, others lose them.
 */
static bool hv_tsc_aux_present(void)
{
	return hv_host_has_tsc_aux();
}

static int hv_get_tsc_aux(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	if (!host && !vcpu->msr.tsc_aux)
		return 1;
	*val = vcpu->tsc_aux;
	return 0;
}

static int hv_set_tsc_aux(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	if (!host && !vcpu->msr.tsc_aux)
		return 1;
	if ((val >> 32) && hv_guest_vendor_is_intel(vcpu))
		return 1;
	vcpu->tsc_aux = (u32)val;
	return 0;
}

/* ---- MTRRs: kept and read back, never applied (see abi.md) ---- */

/* 0x250, 0x258, 0x259, 0x268..0x26f: the 11 fixed-range MTRRs. */
static int hv_fixed_mtrr_index(u32 msr)
{
	switch (msr) {
	case HV_MSR_MTRR_FIX64K:
		return 0;
	case HV_MSR_MTRR_FIX16K ... HV_MSR_MTRR_FIX16K + 1:
		return 1 + msr - HV_MSR_MTRR_FIX16K;
	case HV_MSR_MTRR_FIX4K ... HV_MSR_MTRR_FIX4K + 7:
		return 3 + msr - HV_MSR_MTRR_FIX4K;
	default:
		return -1;
	}
}

static u64 *hv_mtrr_slot(struct hv_vcpu *vcpu, u32 msr)
{
	int i = hv_fixed_mtrr_index(msr);

	if (i >= 0)
		return &vcpu->msr.mtrr_fixed[i];
	if (msr == HV_MSR_MTRR_DEF_TYPE)
		return &vcpu->msr.mtrr_deftype;
	if (msr >= HV_MSR_MTRR_BASE0 &&
	    msr < HV_MSR_MTRR_BASE0 + 2 * HV_NR_VAR_MTRR)
		return &vcpu->msr.mtrr_var[msr - HV_MSR_MTRR_BASE0];
	return NULL;
}

static int hv_get_mtrr(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	u64 *slot = hv_mtrr_slot(vcpu, msr);

	if (!slot)
		return 1;
	*val = *slot;
	return 0;
}

/* SDM 11.11.2: the types each MTRR holds, and its reserved bits. */
static int hv_set_mtrr(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	u64 *slot = hv_mtrr_slot(vcpu, msr);
	int i;

	if (!slot)
		return 1;
	if (msr == HV_MSR_MTRR_DEF_TYPE) {
		if ((val & ~0xcffULL) || !hv_mem_type_valid(val & 0xff))
			return 1;
	} else if (hv_fixed_mtrr_index(msr) >= 0) {
		for (i = 0; i < 8; i++)
			if (!hv_mem_type_valid(val >> (i * 8)))
				return 1;
	} else if (!(msr & 1)) {		/* IA32_MTRR_PHYSBASEn */
		if ((val & (hv_gpa_reserved_bits() | 0xf00)) ||
		    !hv_mem_type_valid(val & 0xff))
			return 1;
	} else {				/* IA32_MTRR_PHYSMASKn */
		if (val & (hv_gpa_reserved_bits() | 0x7ff))
			return 1;
	}
	*slot = val;
	return 0;
}

/* ---- machine-check banks: kept and read back (SDM 15.3) ---- */

static u64 *hv_mce_slot(struct hv_vcpu *vcpu, u32 msr)
{
	u32 banks = vcpu->msr.mcg_cap & 0xff;

	switch (msr) {
	case MSR_IA32_MCG_STATUS:
		return &vcpu->msr.mcg_status;
	case MSR_IA32_MCG_CTL:
		return &vcpu->msr.mcg_ctl;
	case MSR_IA32_MC0_CTL2 ... MSR_IA32_MC0_CTL2 + HV_MAX_MCE_BANKS - 1:
		if (msr >= HV_MSR_MC_CTL2(banks))
			return NULL;
		return &vcpu->msr.mci_ctl2[msr - MSR_IA32_MC0_CTL2];
	case MSR_IA32_MC0_CTL ... MSR_IA32_MC0_CTL + 4 * HV_MAX_MCE_BANKS - 1:
		if (msr >= HV_MSR_MC_CTL(banks))
			return NULL;
		return &vcpu->msr.mce_banks[msr - MSR_IA32_MC0_CTL];
	}
	return NULL;
}

/* KVM's rules: the guest reaches MCG_CTL and MCi_CTL2 only if MCG_CAP says. */
static bool hv_mce_guest_may(struct hv_vcpu *vcpu, u32 msr)
{
	u64 cap = vcpu->msr.mcg_cap;

	if (msr == MSR_IA32_MCG_CTL)
		return cap & MCG_CTL_P;
	if (msr >= MSR_IA32_MC0_CTL2 && msr < HV_MSR_MC_CTL2(HV_MAX_MCE_BANKS))
		return cap & MCG_CMCI_P;
	return true;
}

static int hv_get_mce(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	u64 *slot = hv_mce_slot(vcpu, msr);

	if (!slot || (!host && !hv_mce_guest_may(vcpu, msr)))
		return 1;
	*val = *slot;
	return 0;
}

static int hv_set_mce(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	u64 *slot = hv_mce_slot(vcpu, msr);

	if (!slot)
		return 1;
	/* Without the capability, only the VMM's write of 0 passes. */
	if (!hv_mce_guest_may(vcpu, msr) && (val || !host))
		return 1;
	if (msr == MSR_IA32_MCG_CTL && val && val != ~0ULL)
		return 1;
	if (msr >= MSR_IA32_MC0_CTL2 && msr < HV_MSR_MC_CTL2(HV_MAX_MCE_BANKS) &&
	    (val & ~(MCI_CTL2_CMCI_EN | MCI_CTL2_CMCI_THRESHOLD_MASK)))
		return 1;
	if (msr >= MSR_IA32_MC0_CTL) {
		/*
		 * MCi_CTL: 0 or all ones (bit 10 and bit 0 may be clear: old
		 * Linux and UnixWare clear them).  MCi_STATUS: the guest may
		 * only clear it, unless it is AMD's with McStatusWrEn.
		 */
		if ((msr & 3) == 0 && val && (val | BIT(10) | 1) != ~0ULL)
			return 1;
		if ((msr & 3) == 1 && !host && val &&
		    !(hv_guest_vendor_is_amd(vcpu) &&
		      (vcpu->msr.hwcr & HV_HWCR_MCSTATUSWREN)))
			return 1;
	}
	*slot = val;
	return 0;
}

/* ---- the rest of what the core keeps ---- */

static u64 *hv_core_slot(struct hv_vcpu *vcpu, u32 msr)
{
	switch (msr) {
	case MSR_IA32_MISC_ENABLE:
		return &vcpu->msr.misc_enable;
	case MSR_IA32_UCODE_REV:
		return &vcpu->msr.ucode_rev;
	case MSR_K7_HWCR:
		return &vcpu->msr.hwcr;
	case MSR_IA32_POWER_CTL:
		return &vcpu->msr.power_ctl;
	case MSR_SMI_COUNT:
		return &vcpu->msr.smi_count;
	case HV_MSR_KVM_SYSTEM_TIME:
	case HV_MSR_KVM_SYSTEM_TIME_NEW:
		return &vcpu->msr.kvm_system_time;
	}
	return NULL;
}

static int hv_get_core(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	u64 *slot = hv_core_slot(vcpu, msr);

	if (msr == HV_MSR_KVM_WALL_CLOCK || msr == HV_MSR_KVM_WALL_CLOCK_NEW) {
		*val = READ_ONCE(vcpu->vm->msr.kvm_wall_clock);
		return 0;
	}
	if (!slot)
		return 1;
	*val = *slot;
	return 0;
}

static int hv_set_core(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	u64 *slot = hv_core_slot(vcpu, msr);
	u64 old;

	switch (msr) {
	case HV_MSR_KVM_WALL_CLOCK:
	case HV_MSR_KVM_WALL_CLOCK_NEW:
		/* One per VM, as KVM's. */
		WRITE_ONCE(vcpu->vm->msr.kvm_wall_clock, val);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		/*
		 * SDM 2.1, Table 2-2: the guest may not change the PMU's
		 * read-only bits, and writes to EMON are ignored.
		 */
		old = vcpu->msr.misc_enable;
		if (!host) {
			if ((old ^ val) & (MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
					   MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL))
				return 1;
			val = (val & ~MSR_IA32_MISC_ENABLE_EMON) |
			      (old & MSR_IA32_MISC_ENABLE_EMON);
		}
		break;
	case MSR_IA32_UCODE_REV:
		/* A guest's write (a request to load microcode) is ignored. */
		if (!host)
			return 0;
		break;
	case MSR_K7_HWCR:
		/*
		 * Of HWCR only McStatusWrEn is kept; the flush-filter,
		 * IGNNE-emulation and TLB-cache-disable bits are ignored, as
		 * KVM ignores them, and any other bit is refused.
		 */
		val &= ~(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8));
		if (val & ~HV_HWCR_MCSTATUSWREN)
			return 1;
		break;
	case MSR_SMI_COUNT:
		if (!host)
			return 1;
		break;
	}
	if (!slot)
		return 1;
	*slot = val;
	return 0;
}

/* Writable by the guest as 0 only (KVM refuses the rest). */
static int hv_set_zero_only(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	return val ? 1 : 0;
}

/* ---- the table ---- */

/* Flags of an entry. */
#define HV_MSR_SAVE	BIT(0)	/* in HV_GET_MSR_INDEX_LIST: VMMs save it */

struct hv_msr_desc {
	u32 first, count;	/* a range of MSR numbers */
	u8 flags;
	hv_msr_get_t get;	/* NULL: reads refused */
	hv_msr_set_t set;	/* NULL: writes refused (read-only) */
	bool (*present)(void);	/* NULL: always there */
};

#define HV_MSR(m, f, g, s)		{ m, 1, f, g, s, NULL }
#define HV_MSRS(m, n, f, g, s)		{ m, n, f, g, s, NULL }

/*
 * Every MSR a vCPU has.  Reset values are set in hv_msrs_vcpu_init (or,
 * for what the backend keeps, at its reset: PAT 0x0007040600070406,
 * EFER and the SYSCALL/SYSENTER state 0).  The guest's access to the
 * SYSCALL/SYSENTER MSRs and FS/GS base does not exit at all, unless the
 * VM's MSR filter denies it (core/msr_filter.c).
 */
static const struct hv_msr_desc hv_msr_table[] = {
	/* Architectural, switched by the hardware or the backend. */
	HV_MSR(MSR_EFER, 0, hv_get_backend, hv_set_efer),
	HV_MSR(MSR_IA32_CR_PAT, HV_MSR_SAVE, hv_get_backend, hv_set_pat),
	HV_MSRS(MSR_IA32_SYSENTER_CS, 3, HV_MSR_SAVE,		/* CS ESP EIP */
		hv_get_backend, hv_set_syscall),
	HV_MSRS(MSR_STAR, 4, HV_MSR_SAVE,		/* STAR LSTAR CSTAR SFMASK */
		hv_get_backend, hv_set_syscall),
	HV_MSR(MSR_KERNEL_GS_BASE, HV_MSR_SAVE, hv_get_backend, hv_set_syscall),
	/* The segments' bases, as KVM offers them (not in the index list). */
	HV_MSRS(MSR_FS_BASE, 2, 0, hv_get_backend, hv_set_syscall), /* GS */
	HV_MSR(MSR_IA32_APICBASE, 0, hv_get_apic_base, hv_set_apic_base),
	/* The in-kernel LAPIC's (io/lapic.c): x2APIC registers, its timer. */
	HV_MSRS(APIC_BASE_MSR, 0x100, 0, hv_get_x2apic, hv_set_x2apic),
	HV_MSR(MSR_IA32_TSC_DEADLINE, HV_MSR_SAVE, hv_get_tsc_deadline,
	       hv_set_tsc_deadline),

	/* Time. */
	HV_MSR(MSR_IA32_TSC, HV_MSR_SAVE, hv_get_tsc, hv_set_tsc),
	HV_MSR(MSR_IA32_TSC_ADJUST, HV_MSR_SAVE, hv_get_tsc_adjust,
	       hv_set_tsc_adjust),
	{ MSR_TSC_AUX, 1, HV_MSR_SAVE, hv_get_tsc_aux, hv_set_tsc_aux,
	  hv_tsc_aux_present },
	/* KVM's paravirtual clock: stored, never acted on (no kvmclock). */
	HV_MSRS(HV_MSR_KVM_WALL_CLOCK, 2, HV_MSR_SAVE, hv_get_core, hv_set_core),
	HV_MSRS(HV_MSR_KVM_WALL_CLOCK_NEW, 2, HV_MSR_SAVE, hv_get_core,
		hv_set_core),

	/* Kept by the core. */
	HV_MSR(MSR_IA32_MISC_ENABLE, HV_MSR_SAVE, hv_get_core, hv_set_core),
	HV_MSR(MSR_IA32_UCODE_REV, HV_MSR_SAVE, hv_get_core, hv_set_core),
	HV_MSR(MSR_K7_HWCR, HV_MSR_SAVE, hv_get_core, hv_set_core),
	HV_MSR(MSR_IA32_POWER_CTL, HV_MSR_SAVE, hv_get_core, hv_set_core),
	HV_MSR(MSR_SMI_COUNT, HV_MSR_SAVE, hv_get_core, hv_set_core),

	/* MTRRs (SDM 11.11). */
	HV_MSR(HV_MSR_MTRR_CAP, 0, hv_get_const, NULL),
	HV_MSRS(HV_MSR_MTRR_BASE0, 2 * HV_NR_VAR_MTRR, 0,
		hv_get_mtrr, hv_set_mtrr),
	HV_MSR(HV_MSR_MTRR_FIX64K, 0, hv_get_mtrr, hv_set_mtrr),
	HV_MSRS(HV_MSR_MTRR_FIX16K, 2, 0, hv_get_mtrr, hv_set_mtrr),
	HV_MSRS(HV_MSR_MTRR_FIX4K, 8, 0, hv_get_mtrr, hv_set_mtrr),
	HV_MSR(HV_MSR_MTRR_DEF_TYPE, 0, hv_get_mtrr, hv_set_mtrr),

	/* Machine-check architecture (SDM 15.3). */
	HV_MSRS(MSR_IA32_P5_MC_ADDR, 2, 0, hv_get_zero, NULL),	/* and TYPE */
	HV_MSR(MSR_IA32_MCG_CAP, 0, hv_get_const, NULL),
	HV_MSRS(MSR_IA32_MCG_STATUS, 2, HV_MSR_SAVE,		/* and MCG_CTL */
		hv_get_mce, hv_set_mce),
	HV_MSRS(MSR_IA32_MC0_CTL2, HV_MAX_MCE_BANKS, 0, hv_get_mce, hv_set_mce),
	HV_MSRS(MSR_IA32_MC0_CTL, 4 * HV_MAX_MCE_BANKS, 0, hv_get_mce,
		hv_set_mce),

	/*
	 * What guests probe, as KVM answers it: no last-branch records,
	 * no power or frequency control, nothing of the host's platform.
	 * Writes ignored or refused as KVM does.
	 */
	HV_MSR(MSR_IA32_DEBUGCTLMSR, 0, hv_get_zero, hv_set_ignore),
	HV_MSR(MSR_IA32_PLATFORM_ID, 0, hv_get_zero, NULL),
	HV_MSR(MSR_IA32_EBL_CR_POWERON, 0, hv_get_zero, NULL),
	HV_MSR(MSR_EBC_FREQUENCY_ID, 0, hv_get_const, NULL),
	HV_MSR(0xcd, 0, hv_get_const, NULL),		/* FSB frequency */
	HV_MSR(MSR_IA32_BBL_CR_CTL3, 0, hv_get_const, hv_set_ignore),
	HV_MSR(MSR_IA32_PERF_STATUS, 0, hv_get_const, NULL),
	HV_MSR(MSR_IA32_PERF_CTL, 0, hv_get_zero, NULL),
	HV_MSRS(MSR_IA32_LASTBRANCHFROMIP, 4, 0, hv_get_zero, NULL),
	HV_MSR(MSR_IA32_UCODE_WRITE, 0, NULL, hv_set_ignore),
	HV_MSR(MSR_RAPL_POWER_UNIT, 0, hv_get_zero, NULL),
	HV_MSR(MSR_PKG_ENERGY_STATUS, 0, hv_get_zero, NULL),
	HV_MSR(MSR_DRAM_ENERGY_STATUS, 0, hv_get_zero, NULL),
	HV_MSR(MSR_PP0_ENERGY_STATUS, 0, hv_get_zero, NULL),
	HV_MSR(MSR_PP1_ENERGY_STATUS, 0, hv_get_zero, NULL),
	HV_MSR(MSR_AMD64_SYSCFG, 0, hv_get_zero, NULL),
	HV_MSR(MSR_K7_CLK_CTL, 0, hv_get_const, hv_set_ignore),
	HV_MSR(MSR_AMD64_NB_CFG, 0, hv_get_zero, hv_set_ignore),
	HV_MSR(MSR_AMD64_PATCH_LOADER, 0, NULL, hv_set_ignore),
	HV_MSR(MSR_K8_INT_PENDING_MSG, 0, hv_get_zero, NULL),
	HV_MSR(MSR_FAM10H_MMIO_CONF_BASE, 0, hv_get_zero, hv_set_zero_only),
	HV_MSRS(MSR_K8_TSEG_ADDR, 2, 0, hv_get_zero, NULL),	/* and MASK */
	HV_MSRS(MSR_AMD64_DC_CFG, 2, 0, hv_get_zero, hv_set_ignore), /* TW_CFG */
	HV_MSR(MSR_AMD64_BU_CFG2, 0, hv_get_zero, hv_set_ignore),
	HV_MSR(MSR_F15H_EX_CFG, 0, hv_get_zero, hv_set_ignore),
};

static bool hv_msr_present(const struct hv_msr_desc *d)
{
	return !d->present || d->present();
}

static const struct hv_msr_desc *hv_msr_find(u32 msr)
{
	const struct hv_msr_desc *d;

	for (d = hv_msr_table; d < hv_msr_table + ARRAY_SIZE(hv_msr_table); d++)
		if (msr - d->first < d->count)
			return hv_msr_present(d) ? d : NULL;
	return NULL;
}

/* 0, HV_MSR_UNKNOWN, or the handler's refusal (non-zero). */
static int __hv_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	const struct hv_msr_desc *d = hv_msr_find(msr);

	if (!d || !d->get)
		return HV_MSR_UNKNOWN;
	return d->get(vcpu, msr, val, host) ? 1 : 0;
}

static int __hv_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	const struct hv_msr_desc *d = hv_msr_find(msr);

	if (!d || !d->set)
		return HV_MSR_UNKNOWN;
	return d->set(vcpu, msr, val, host) ? 1 : 0;
}

/*
 * The guest's own accesses (RDMSR/WRMSR, the emulator), through the VM's
 * MSR filter: 0, or why not (HV_MSR_UNKNOWN, HV_MSR_FILTERED, 1).
 */
int hv_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val)
{
	if (!hv_msr_allowed(vcpu, msr, HV_MSR_FILTER_READ))
		return HV_MSR_FILTERED;
	return __hv_get_msr(vcpu, msr, val, false);
}

int hv_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val)
{
	if (!hv_msr_allowed(vcpu, msr, HV_MSR_FILTER_WRITE))
		return HV_MSR_FILTERED;
	return __hv_set_msr(vcpu, msr, val, false);
}

/* ---- a vCPU's life ---- */

void hv_msrs_vm_init(struct hv_vm *vm)
{
	raw_spin_lock_init(&vm->msr.tsc_lock);
}

/*
 * A new vCPU (its backend state exists already): KVM's values, for
 * what QEMU sets up (machine checks with MCG_CTL_P and 10 banks, all
 * enabled), and its TSC lined up with the VM's other vCPUs (a write of
 * 0, as KVM makes one).
 */
void hv_msrs_vcpu_init(struct hv_vcpu *vcpu)
{
	struct hv_vcpu_msrs *m = &vcpu->msr;
	int i;

	m->misc_enable = MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
			 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
	m->ucode_rev = hv_ops->ucode_rev;
	m->mcg_cap = HV_MCG_CAP & hv_ops->mcg_cap_bits;
	m->mcg_ctl = ~0ULL;
	for (i = 0; i < HV_MCE_BANKS; i++)
		m->mce_banks[i * 4] = ~0ULL;
	hv_tsc_synchronize(vcpu, 0);
	/* A filter set before this vCPU was published applies to it too. */
	hv_vcpu_request(vcpu, HV_REQ_MSR_FILTER);
}

/* After HV_SET_CPUID2: what the guest's CPUID lets it use. */
void hv_msrs_cpuid_update(struct hv_vcpu *vcpu)
{
	struct hv_vcpu_msrs *m = &vcpu->msr;

	m->rdtscp = hv_guest_cpuid_has(vcpu, 0x80000001, 3, X86_FEATURE_RDTSCP);
	m->tsc_aux = m->rdtscp ||
		     hv_guest_cpuid_has(vcpu, 7, 2, X86_FEATURE_RDPID);
	m->tsc_adjust_ok = hv_guest_cpuid_has(vcpu, 7, 1,
					      X86_FEATURE_TSC_ADJUST);
	if (hv_ops->cpuid_changed)
		hv_ops->cpuid_changed(vcpu);
}

/*
 * Interrupts off, around the entry: the MSRs the guest can read whose
 * values neither VMX nor SVM switches.  TSC_AUX: SVM cannot intercept
 * RDPID, so without this a guest would read the host's CPU and node
 * numbers; the guest's value goes in, the host's comes back before
 * anything on the host can read it.
 */
void hv_msrs_enter_guest(struct hv_vcpu *vcpu)
{
	if (hv_host_has_tsc_aux() &&
	    vcpu->tsc_aux != hv_this_cpu()->host_tsc_aux)
		wrmsrl(MSR_TSC_AUX, vcpu->tsc_aux);
}

void hv_msrs_exit_guest(struct hv_vcpu *vcpu)
{
	u64 host = hv_this_cpu()->host_tsc_aux;

	if (hv_host_has_tsc_aux() && vcpu->tsc_aux != host)
		wrmsrl(MSR_TSC_AUX, host);
}

/* ---- RDMSR / WRMSR ---- */

int hv_msr_gp(struct hv_vcpu *vcpu)
{
	hv_queue_gp(vcpu, 0);
	return 1;
}

/*
 * RDMSR/WRMSR exits (ECX names the MSR, EDX:EAX the value): #GP(0) for
 * an MSR the vCPU lacks, a value it refuses or an access the VM's filter
 * denies, unless userspace asked to handle such failures
 * (core/msr_filter.c); else RIP moves past the @insn_len-byte
 * instruction.
 */
int hv_emulate_rdmsr(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;
	u32 msr = gpr[HV_RCX];
	u64 val;
	int r;

	r = hv_get_msr(vcpu, msr, &val);
	if (r) {
		if (hv_msr_exit_to_user(vcpu, true, msr, 0, r, insn_len))
			return 0;
		return hv_msr_gp(vcpu);
	}
	gpr[HV_RAX] = (u32)val;
	gpr[HV_RDX] = val >> 32;
	vcpu->regs.rip += insn_len;
	return 1;
}

int hv_emulate_wrmsr(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;
	u64 val = (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX];
	u32 msr = gpr[HV_RCX];
	int r;

	r = hv_set_msr(vcpu, msr, val);
	if (r) {
		if (hv_msr_exit_to_user(vcpu, false, msr, val, r, insn_len))
			return 0;
		return hv_msr_gp(vcpu);
	}
	vcpu->regs.rip += insn_len;
	return 1;
}

/* ---- the ioctls ---- */

/*
 * Feature MSRs (HV_GET_MSR_FEATURE_INDEX_LIST, HV_GET_MSRS on /dev/hv):
 * what the host offers, for the VMM to check a guest's model against.
 * IA32_PERF_CAPABILITIES is listed as KVM lists it with no PMU to offer:
 * present, and 0 (no capability a guest could be given).  KVM's others
 * describe nested VMX and the speculation controls, which hv does not
 * offer.
 */
static const u32 hv_feature_msrs[] = {
	MSR_IA32_UCODE_REV,
	MSR_IA32_PERF_CAPABILITIES,
};

static int hv_get_feature_msr(struct hv_vcpu *unused, u32 msr, u64 *val,
			      bool host)
{
	*val = 0;
	switch (msr) {
	case MSR_IA32_UCODE_REV:
		rdmsrl_safe(msr, val);
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		return 0;
	default:
		return 1;
	}
}

/* The MSRs a VMM saves and restores: the table's HV_MSR_SAVE entries. */
static u32 hv_msr_index_list(u32 *out, u32 max)
{
	const struct hv_msr_desc *d;
	u32 n = 0, msr;

	for (d = hv_msr_table; d < hv_msr_table + ARRAY_SIZE(hv_msr_table); d++) {
		if (!(d->flags & HV_MSR_SAVE) || !hv_msr_present(d))
			continue;
		for (msr = d->first; msr - d->first < d->count; msr++, n++)
			if (out && n < max)
				out[n] = msr;
	}
	return n;
}

/*
 * HV_GET_MSR_INDEX_LIST and its feature twin, as KVM: nmsrs is written
 * back with the list's size in any case; too small a buffer is E2BIG.
 */
static long hv_copy_msr_list(struct hv_msr_list __user *arg, const u32 *list,
			     u32 n)
{
	u32 room;

	if (get_user(room, &arg->nmsrs))
		return -EFAULT;
	if (put_user(n, &arg->nmsrs))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(arg->indices, list, n * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static long hv_get_msr_index_list(struct hv_msr_list __user *arg)
{
	u32 n = hv_msr_index_list(NULL, 0);
	u32 *list;
	long r;

	list = kmalloc_array(n, sizeof(*list), GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	hv_msr_index_list(list, n);
	r = hv_copy_msr_list(arg, list, n);
	kfree(list);
	return r;
}

/*
 * KVM_GET/SET_MSRS: nmsrs below HV_MAX_IO_MSRS, else E2BIG; the entries
 * are handled in order until one is refused, and the number handled is
 * the result (so a partial success is a count below nmsrs, not an
 * errno).  GET writes every entry back.
 */
static long hv_msr_io(struct hv_vcpu *vcpu, struct hv_msrs __user *arg,
		      bool get)
{
	struct hv_msr_entry *e;
	struct hv_msrs hdr;
	long r;
	u32 i;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= HV_MAX_IO_MSRS)
		return -E2BIG;
	e = memdup_user(arg->entries, hdr.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (!vcpu)
			r = hv_get_feature_msr(NULL, e[i].index, &e[i].data,
					       true);
		else if (get)
			r = __hv_get_msr(vcpu, e[i].index, &e[i].data, true);
		else
			r = __hv_set_msr(vcpu, e[i].index, e[i].data, true);
		if (r)
			break;
	}
	r = i;
	if (get && copy_to_user(arg->entries, e, hdr.nmsrs * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

long hv_vcpu_get_msrs(struct hv_vcpu *vcpu, void __user *argp)
{
	return hv_msr_io(vcpu, argp, true);
}

long hv_vcpu_set_msrs(struct hv_vcpu *vcpu, void __user *argp)
{
	return hv_msr_io(vcpu, argp, false);
}

/* The MSR ioctls of /dev/hv. */
long hv_dev_msr_ioctl(unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case HV_GET_MSR_INDEX_LIST:
		return hv_get_msr_index_list(argp);
	case HV_GET_MSR_FEATURE_INDEX_LIST:
		return hv_copy_msr_list(argp, hv_feature_msrs,
					ARRAY_SIZE(hv_feature_msrs));
	case HV_GET_MSRS:
		return hv_msr_io(NULL, argp, true);
	default:
		return -ENOTTY;
	}
}
