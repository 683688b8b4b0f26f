// SPDX-License-Identifier: GPL-2.0
/*
 * HV_GET_SUPPORTED_CPUID: the CPUID hv can give a guest on this host,
 * built once at load from the host's CPUID, keeping only what the host
 * has and hv really virtualizes (each feature list says why the rest is
 * left out).  A VMM starts its HV_SET_CPUID2 table from it.
 */
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/fpu/types.h>
#include <asm/processor.h>

#include "hv.h"

/*
 * The highest leaves hv describes: XSAVE (0xd) and the address sizes
 * (0x80000008).  Leaves in between that are left out read as zeros.
 */
#define HV_MAX_BASIC_LEAF	0xd
#define HV_MAX_EXT_LEAF		0x80000008
#define HV_MAX_LEAF4_INDEX	32
/* 0, 1, 2, up to 32 of leaf 4, 7, 3 of 0xd, 9 extended: 48 at most. */
#define HV_SUPPORTED_MAX	64

static struct hv_cpuid_entry2 hv_supported[HV_SUPPORTED_MAX];
static u32 hv_supported_nent;

/* In a feature list: a VEX.256 instruction set, which needs XCR0.YMM. */
#define HV_NEEDS_YMM	0x8000
#define HV_LIST_END	0xffff

/*
 * The bits of a feature list's features that the host has (and has not
 * been told to hide).  Every feature of @list must come from the CPUID
 * register that is word @word of the kernel's feature words (enum
 * cpuid_leafs).
 */
static u32 hv_host_bits(int word, const u16 *list)
{
	bool ymm = hv_fpu_guest_xfeatures() & XFEATURE_MASK_YMM;
	u32 bits = 0;

	for (; *list != HV_LIST_END; list++) {
		u16 feature = *list & ~HV_NEEDS_YMM;

		if (WARN_ON_ONCE(feature / 32 != word))
			continue;
		if ((*list & HV_NEEDS_YMM) && !ymm)
			continue;
		if (boot_cpu_has(feature))
			bits |= HV_BIT(feature);
	}
	return bits;
}

/*
 * What hv offers is what runs in the guest without help from hv, or
 * with the help hv gives: instruction-set extensions, and the paging,
 * CR4 and EFER features the backends and the emulator handle, and the
 * MSRs core/msr.c emulates (MTRR, MCA, TSC_ADJUST, RDTSCP's TSC_AUX).
 * Left out: everything that needs an MSR hv does not handle (RDPID,
 * which SVM cannot intercept, speculation controls, PMU, OSVW, XSS for
 * XSAVES), TSC deadline and ARAT (KVM reports them with capabilities or
 * not at all), nested
 * virtualization (VMX, SVM), PKU and LA57 (see hv_cpuid_init), INVPCID
 * (VT-x runs it only when enabled), MONITOR (a no-op here, as with KVM),
 * AVX-512 and AMX (hv does not offer their XSAVE state yet), TSX, and
 * host topology.
 */
static const u16 hv_1_ecx[] = {
	X86_FEATURE_XMM3, X86_FEATURE_PCLMULQDQ, X86_FEATURE_SSSE3,
	X86_FEATURE_FMA | HV_NEEDS_YMM, X86_FEATURE_CX16, X86_FEATURE_PCID,
	X86_FEATURE_XMM4_1, X86_FEATURE_XMM4_2, X86_FEATURE_MOVBE,
	X86_FEATURE_POPCNT, X86_FEATURE_AES, X86_FEATURE_XSAVE,
	X86_FEATURE_AVX | HV_NEEDS_YMM, X86_FEATURE_F16C | HV_NEEDS_YMM,
	X86_FEATURE_RDRAND, HV_LIST_END
};

/*
 * APIC: IA32_APIC_BASE is emulated and the APIC page reaches the VMM as
 * MMIO, as with KVM without an in-kernel irqchip; the bit follows
 * IA32_APIC_BASE.EN once a table is set (hv_cpuid_dynamic).  MTRR and
 * MCA: the registers hold what the guest writes (core/msr.c).
 */
static const u16 hv_1_edx[] = {
	X86_FEATURE_FPU, X86_FEATURE_VME, X86_FEATURE_DE, X86_FEATURE_PSE,
	X86_FEATURE_TSC, X86_FEATURE_MSR, X86_FEATURE_PAE, X86_FEATURE_MCE,
	X86_FEATURE_CX8, X86_FEATURE_APIC, X86_FEATURE_SEP, X86_FEATURE_MTRR,
	X86_FEATURE_PGE, X86_FEATURE_MCA, X86_FEATURE_CMOV, X86_FEATURE_PAT,
	X86_FEATURE_PSE36,
	X86_FEATURE_CLFLUSH, X86_FEATURE_MMX, X86_FEATURE_FXSR,
	X86_FEATURE_XMM, X86_FEATURE_XMM2, X86_FEATURE_SELFSNOOP, HV_LIST_END
};

/* TSC_ADJUST: core/msr.c keeps it in step with the TSC offset. */
static const u16 hv_7_ebx[] = {
	X86_FEATURE_FSGSBASE, X86_FEATURE_TSC_ADJUST, X86_FEATURE_BMI1,
	X86_FEATURE_AVX2 | HV_NEEDS_YMM,
	X86_FEATURE_FDP_EXCPTN_ONLY, X86_FEATURE_SMEP, X86_FEATURE_BMI2,
	X86_FEATURE_ERMS, X86_FEATURE_ZERO_FCS_FDS, X86_FEATURE_RDSEED,
	X86_FEATURE_ADX, X86_FEATURE_SMAP, X86_FEATURE_CLFLUSHOPT,
	X86_FEATURE_CLWB, X86_FEATURE_SHA_NI, HV_LIST_END
};

static const u16 hv_7_ecx[] = {
	X86_FEATURE_UMIP, X86_FEATURE_GFNI, X86_FEATURE_VAES | HV_NEEDS_YMM,
	X86_FEATURE_VPCLMULQDQ | HV_NEEDS_YMM, X86_FEATURE_MOVDIRI,
	X86_FEATURE_MOVDIR64B, HV_LIST_END
};

static const u16 hv_7_edx[] = {
	X86_FEATURE_FSRM, X86_FEATURE_MD_CLEAR, X86_FEATURE_SERIALIZE,
	HV_LIST_END
};

/* XSAVEC and XGETBV(1) need nothing beyond XCR0; XSAVES needs IA32_XSS. */
static const u16 hv_d1_eax[] = {
	X86_FEATURE_XSAVEOPT, X86_FEATURE_XSAVEC, X86_FEATURE_XGETBV1,
	HV_LIST_END
};

/* CR8_LEGACY: svm/movcr.c decodes LOCK MOV CR0 as MOV CR8. */
static const u16 hv_ext1_ecx[] = {
	X86_FEATURE_LAHF_LM, X86_FEATURE_CR8_LEGACY, X86_FEATURE_ABM,
	X86_FEATURE_SSE4A, X86_FEATURE_MISALIGNSSE, X86_FEATURE_3DNOWPREFETCH,
	X86_FEATURE_XOP | HV_NEEDS_YMM, X86_FEATURE_FMA4 | HV_NEEDS_YMM,
	X86_FEATURE_TBM, HV_LIST_END
};

/*
 * EFER.LME/NX follow LM/NX (hv_efer_write_valid); 1G pages: NPT/EPT.
 * RDTSCP: both backends let the guest run it when its CPUID has it
 * (#UD otherwise), with the guest's TSC_AUX loaded around every entry;
 * a backend that cannot clears it (hv_cpuid_supported_clear).
 */
static const u16 hv_ext1_edx[] = {
	X86_FEATURE_SYSCALL, X86_FEATURE_NX, X86_FEATURE_MMXEXT,
	X86_FEATURE_GBPAGES, X86_FEATURE_RDTSCP, X86_FEATURE_LM,
	X86_FEATURE_3DNOWEXT, X86_FEATURE_3DNOW, HV_LIST_END
};

/*
 * AMD repeats leaf 1's EDX features in CPUID Fn8000_0001_EDX bits 0-9,
 * 12-17, 23 and 24 (APM Vol. 3, E.4.2): they follow leaf 1's choice.
 */
#define HV_EXT1_EDX_LEAF1_COPIES	(GENMASK(9, 0) | GENMASK(17, 12) | \
					 BIT(23) | BIT(24))

static const u16 hv_ext8_ebx[] = {
	X86_FEATURE_CLZERO, X86_FEATURE_XSAVEERPTR, HV_LIST_END
};

/* The host's values for a leaf, flagged if its index matters. */
static struct hv_cpuid_entry2 *hv_supported_add(u32 function, u32 index)
{
	static struct hv_cpuid_entry2 overflow;
	struct hv_cpuid_entry2 *e;

	if (WARN_ON_ONCE(hv_supported_nent >= HV_SUPPORTED_MAX))
		e = &overflow;
	else
		e = &hv_supported[hv_supported_nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	if (cpuid_function_is_indexed(function))
		e->flags = HV_CPUID_FLAG_SIGNIFCANT_INDEX;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

/* Leaf 0xd: x87, SSE and what else core/fpu.c switches for guests. */
static void hv_supported_xsave(void)
{
	u64 xfeatures = hv_fpu_guest_xfeatures();
	struct hv_cpuid_entry2 *e;
	int i;

	/* SDM 13.2: sizes of the standard-format area for these features. */
	e = hv_supported_add(0xd, 0);
	e->eax = lower_32_bits(xfeatures);
	e->edx = upper_32_bits(xfeatures);
	e->ebx = hv_fpu_xstate_size(xfeatures, false);
	e->ecx = e->ebx;

	e = hv_supported_add(0xd, 1);
	e->eax &= hv_host_bits(CPUID_D_1_EAX, hv_d1_eax);
	e->ebx = (e->eax & HV_BIT(X86_FEATURE_XSAVEC)) ?
		 hv_fpu_xstate_size(xfeatures, true) : 0;
	e->ecx = 0;		/* no IA32_XSS components */
	e->edx = 0;

	for (i = 2; i < 64; i++) {
		if (!(xfeatures & BIT_ULL(i)))
			continue;
		e = hv_supported_add(0xd, i);
		e->ecx &= ~BIT(2);	/* no XFD (eXtended Feature Disable) */
		e->edx = 0;
	}
}

void hv_cpuid_supported_init(void)
{
	u32 max, ext_max, leaf1_edx, i;
	struct hv_cpuid_entry2 *e;

	/* All on one CPU: leaf 4's and 0xd's values belong together. */
	get_cpu();

	e = hv_supported_add(0, 0);
	max = min_t(u32, e->eax, HV_MAX_BASIC_LEAF);
	e->eax = max;

	e = hv_supported_add(1, 0);
	/* Keep the brand index and CLFLUSH size; topology is the VMM's. */
	e->ebx &= GENMASK(15, 0);
	e->ecx &= hv_host_bits(CPUID_1_ECX, hv_1_ecx);
	/*
	 * The in-kernel LAPIC (io/lapic.c) has x2APIC mode whatever the
	 * host has, as KVM's; a VM without it refuses the mode (core/msr.c).
	 */
	e->ecx |= HV_BIT(X86_FEATURE_X2APIC);
	e->edx &= hv_host_bits(CPUID_1_EDX, hv_1_edx);
	leaf1_edx = e->edx;

	if (max >= 2)
		hv_supported_add(2, 0);		/* cache descriptors */

	/* Deterministic cache parameters, up to the null entry (SDM 3.2). */
	for (i = 0; max >= 4 && i < HV_MAX_LEAF4_INDEX; i++) {
		e = hv_supported_add(4, i);
		e->eax &= ~GENMASK(31, 14);	/* no host core/thread counts */
		if (!(e->eax & 0x1f))
			break;
	}

	if (max >= 7) {
		e = hv_supported_add(7, 0);
		e->eax = 0;			/* sub-leaf 0 only */
		e->ebx &= hv_host_bits(CPUID_7_0_EBX, hv_7_ebx);
		/* core/msr.c emulates IA32_TSC_ADJUST whatever the host has. */
		e->ebx |= HV_BIT(X86_FEATURE_TSC_ADJUST);
		e->ecx &= hv_host_bits(CPUID_7_ECX, hv_7_ecx);
		e->edx &= hv_host_bits(CPUID_7_EDX, hv_7_edx);
	}

	if (max >= 0xd)
		hv_supported_xsave();

	e = hv_supported_add(0x80000000, 0);
	ext_max = clamp_t(u32, e->eax, 0x80000000, HV_MAX_EXT_LEAF);
	e->eax = ext_max;

	for (i = 0x80000001; i <= ext_max; i++) {
		e = hv_supported_add(i, 0);
		switch (i) {
		case 0x80000001:
			e->ebx &= ~GENMASK(27, 16);	/* reserved (APM E.4.2) */
			e->ecx &= hv_host_bits(CPUID_8000_0001_ECX, hv_ext1_ecx);
			e->edx &= hv_host_bits(CPUID_8000_0001_EDX, hv_ext1_edx) |
				  (leaf1_edx & HV_EXT1_EDX_LEAF1_COPIES);
			break;
		case 0x80000006:
			e->edx &= ~GENMASK(17, 16);	/* reserved */
			break;
		case 0x80000007:
			/* Only the invariant TSC: no power management. */
			e->eax = 0;
			e->ebx = 0;
			e->ecx = 0;
			e->edx &= BIT(8);
			break;
		case 0x80000008:
			/*
			 * Guest-physical addresses are what the host's are
			 * and the 4-level NPT/EPT tables map (48 bits);
			 * linear addresses 48 bits (no LA57).
			 */
			e->eax = min_t(u32, boot_cpu_data.x86_phys_bits, 48) |
				 48 << 8;
			e->ebx &= hv_host_bits(CPUID_8000_0008_EBX, hv_ext8_ebx);
			e->ecx = 0;			/* no core count */
			e->edx = 0;
			break;
		}
	}

	/*
	 * KVM's hypervisor leaves, as KVM fills them in: its signature
	 * "KVMKVMKVM\0\0\0" and the highest leaf at 0x40000000 (hv's ABI
	 * is KVM's; VMMs and guests look for it there), and at 0x40000001
	 * the paravirtual features offered: none yet (no kvmclock, async
	 * page faults, PV EOI...), so a guest uses none.
	 */
	e = hv_supported_add(0x40000000, 0);
	e->eax = 0x40000001;
	e->ebx = 0x4b4d564b;	/* "KVMK" */
	e->ecx = 0x564b4d56;	/* "VMKV" */
	e->edx = 0x0000004d;	/* "M\0\0\0" */
	e = hv_supported_add(0x40000001, 0);
	e->eax = 0;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;

	put_cpu();
}

/*
 * For a backend's hardware_setup: it cannot give guests @feature
 * (X86_FEATURE_*, in register @reg, 0-3 for EAX-EDX, of @function).
 */
void hv_cpuid_supported_clear(u32 function, int reg, int feature)
{
	u32 i;

	for (i = 0; i < hv_supported_nent; i++) {
		struct hv_cpuid_entry2 *e = &hv_supported[i];
		u32 *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

		if (e->function == function)
			*regs[reg] &= ~HV_BIT(feature);
	}
}

long hv_get_supported_cpuid(struct hv_cpuid2 __user *arg)
{
	struct hv_cpuid2 hdr;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	/*
	 * As KVM: too few entries is E2BIG and writes nothing back; more
	 * than needed is fine, and nent says how many were written.
	 */
	if (hdr.nent < hv_supported_nent)
		return -E2BIG;
	if (copy_to_user(arg->entries, hv_supported,
			 hv_supported_nent * sizeof(hv_supported[0])))
		return -EFAULT;
	hdr.nent = hv_supported_nent;
	if (copy_to_user(arg, &hdr, sizeof(hdr)))
		return -EFAULT;
	return 0;
}
