// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: each vCPU's table (HV_SET_CPUID2, HV_GET_CPUID2), the guest's
 * CPUID instruction answered from that table, and the CR4 and EFER bits
 * the table allows.  What hv can offer (HV_GET_SUPPORTED_CPUID) is
 * core/cpuid_supported.c.
 *
 * A vCPU starts with no table: every leaf reads zeros, CR4 may hold any
 * bit hv supports and XCR0 only x87, as with KVM before KVM_SET_CPUID2.
 * The rules for a leaf the table lacks, and the bits that follow the
 * vCPU's state (OSXSAVE, APIC, the XSAVE area size), are KVM 6.1's; see
 * Documentation/abi.md.
 */
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/fpu/types.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "hv.h"

/* CR4 bits a guest may set before any HV_SET_CPUID2 (see hv_cr4_valid). */
static u64 hv_cr4_allowed;

/* ---- a vCPU's table ---- */

/*
 * The entry the guest's CPUID(@function, @index) matches: the first
 * with that function whose index is not significant or is @index.
 */
static const struct hv_cpuid_entry2 *
hv_cpuid_find(const struct hv_cpuid_entry2 *t, u32 n, u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (t[i].function == function &&
		    (!(t[i].flags & HV_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     t[i].index == index))
			return &t[i];
	return NULL;
}

/* For leaves without sub-leaves: the first entry of @function. */
static const struct hv_cpuid_entry2 *
hv_cpuid_find_any(const struct hv_cpuid_entry2 *t, u32 n, u32 function)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (t[i].function == function)
			return &t[i];
	return NULL;
}

enum hv_cpuid_reg { HV_EAX, HV_EBX, HV_ECX, HV_EDX };

/* Does the vCPU's table give the guest @feature of (@function, 0)? */
static bool hv_guest_has(struct hv_vcpu *vcpu, u32 function,
			 enum hv_cpuid_reg reg, int feature)
{
	const struct hv_cpuid_entry2 *e;
	u32 val;

	e = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, function, 0);
	if (!e)
		return false;
	val = reg == HV_EAX ? e->eax : reg == HV_EBX ? e->ebx :
	      reg == HV_ECX ? e->ecx : e->edx;
	return val & HV_BIT(feature);
}

/* For core/msr.c: does the table give the guest @feature (X86_FEATURE_*)? */
bool hv_guest_cpuid_has(struct hv_vcpu *vcpu, u32 function, int reg,
			int feature)
{
	return hv_guest_has(vcpu, function, reg, feature);
}

/*
 * The bits KVM keeps in step with the vCPU's state (its runtime CPUID
 * update), applied to a copy of one entry of table @t: OSXSAVE follows
 * CR4.OSXSAVE and APIC follows IA32_APIC_BASE.EN in the first leaf-1
 * entry, OSPKE follows CR4.PKE (never set here), and the XSAVE area
 * sizes in 0xd.0 (and 0xd.1 with XSAVEC/XSAVES) follow XCR0.
 */
struct hv_cpuid_dynamic {
	const struct hv_cpuid_entry2 *leaf1, *leaf7, *xsave0, *xsave1;
	u64 cr4, apic_base, xcr0;
};

static void hv_cpuid_dynamic_init(struct hv_vcpu *vcpu,
				  const struct hv_cpuid_entry2 *t, u32 n,
				  struct hv_cpuid_dynamic *d)
{
	struct hv_sregs sregs;

	hv_ops->get_sregs(vcpu, &sregs);
	d->cr4 = sregs.cr4;
	d->apic_base = vcpu->apic_base;
	d->xcr0 = vcpu->xcr0;
	d->leaf1 = hv_cpuid_find_any(t, n, 1);
	d->leaf7 = hv_cpuid_find(t, n, 7, 0);
	d->xsave0 = hv_cpuid_find(t, n, 0xd, 0);
	d->xsave1 = hv_cpuid_find(t, n, 0xd, 1);
}

static void hv_assign_bit32(u32 *reg, int feature, bool on)
{
	if (on)
		*reg |= HV_BIT(feature);
	else
		*reg &= ~HV_BIT(feature);
}

static void hv_cpuid_dynamic(const struct hv_cpuid_dynamic *d,
			     const struct hv_cpuid_entry2 *e,
			     struct hv_cpuid_entry2 *out)
{
	*out = *e;
	if (e == d->leaf1) {
		hv_assign_bit32(&out->ecx, X86_FEATURE_OSXSAVE,
				d->cr4 & X86_CR4_OSXSAVE);
		hv_assign_bit32(&out->edx, X86_FEATURE_APIC,
				d->apic_base & MSR_IA32_APICBASE_ENABLE);
	}
	if (e == d->leaf7 && boot_cpu_has(X86_FEATURE_PKU))
		hv_assign_bit32(&out->ecx, X86_FEATURE_OSPKE,
				d->cr4 & X86_CR4_PKE);
	if (e == d->xsave0)
		out->ebx = hv_fpu_xstate_size(d->xcr0, false);
	if (e == d->xsave1 &&
	    (e->eax & (HV_BIT(X86_FEATURE_XSAVEC) | HV_BIT(X86_FEATURE_XSAVES))))
		out->ebx = hv_fpu_xstate_size(d->xcr0, true);
}

/* After HV_SET_CPUID2: the XCR0 and CR4 bits the new table allows. */
static void hv_cpuid_update(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry2 *e;
	u64 cr4 = hv_cr4_allowed;

	e = hv_cpuid_find(vcpu->cpuid, vcpu->cpuid_nent, 0xd, 0);
	vcpu->xcr0_allowed = e ? (e->eax | (u64)e->edx << 32) &
				 hv_fpu_guest_xfeatures() : 0;

	/* CR4 bits whose feature the guest's CPUID lacks are reserved. */
	if (!hv_guest_has(vcpu, 1, HV_ECX, X86_FEATURE_XSAVE))
		cr4 &= ~X86_CR4_OSXSAVE;
	if (!hv_guest_has(vcpu, 1, HV_ECX, X86_FEATURE_PCID))
		cr4 &= ~X86_CR4_PCIDE;
	if (!hv_guest_has(vcpu, 7, HV_EBX, X86_FEATURE_FSGSBASE))
		cr4 &= ~X86_CR4_FSGSBASE;
	if (!hv_guest_has(vcpu, 7, HV_EBX, X86_FEATURE_SMEP))
		cr4 &= ~X86_CR4_SMEP;
	if (!hv_guest_has(vcpu, 7, HV_EBX, X86_FEATURE_SMAP))
		cr4 &= ~X86_CR4_SMAP;
	if (!hv_guest_has(vcpu, 7, HV_ECX, X86_FEATURE_UMIP))
		cr4 &= ~X86_CR4_UMIP;
	vcpu->cr4_allowed = cr4;
	hv_msrs_cpuid_update(vcpu);
}

/* KVM_SET_CPUID2's checks of a new table (KVM 6.1, kvm_check_cpuid). */
static int hv_cpuid_check(const struct hv_cpuid_entry2 *t, u32 n)
{
	const struct hv_cpuid_entry2 *e = hv_cpuid_find_any(t, n, 0x80000008);
	u32 vaddr_bits = e ? (e->eax >> 8) & 0xff : 0;

	/* Linear-address width: 48, 57, or 0 for "not said". */
	if (vaddr_bits != 48 && vaddr_bits != 57 && vaddr_bits != 0)
		return -EINVAL;
	return 0;
}

/* Is @t what the vCPU has, once both have the state-dependent bits? */
static bool hv_cpuid_same(struct hv_vcpu *vcpu,
			  const struct hv_cpuid_entry2 *t, u32 n)
{
	struct hv_cpuid_dynamic dt, dv;
	struct hv_cpuid_entry2 a, b;
	u32 i;

	if (n != vcpu->cpuid_nent)
		return false;
	hv_cpuid_dynamic_init(vcpu, t, n, &dt);
	hv_cpuid_dynamic_init(vcpu, vcpu->cpuid, n, &dv);
	for (i = 0; i < n; i++) {
		hv_cpuid_dynamic(&dt, &t[i], &a);
		hv_cpuid_dynamic(&dv, &vcpu->cpuid[i], &b);
		if (a.function != b.function || a.index != b.index ||
		    a.flags != b.flags || a.eax != b.eax || a.ebx != b.ebx ||
		    a.ecx != b.ecx || a.edx != b.edx)
			return false;
	}
	return true;
}

long hv_vcpu_set_cpuid2(struct hv_vcpu *vcpu, struct hv_cpuid2 __user *arg)
{
	struct hv_cpuid_entry2 *t = NULL;
	struct hv_cpuid2 hdr;
	int r;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > HV_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent) {
		/* Kept for the vCPU's life: charged to the VMM's cgroup. */
		t = kvmalloc_array(hdr.nent, sizeof(*t), GFP_KERNEL_ACCOUNT);
		if (!t)
			return -ENOMEM;
		if (copy_from_user(t, arg->entries,
				   array_size(sizeof(*t), hdr.nent))) {
			kvfree(t);
			return -EFAULT;
		}
	}

	/*
	 * Once the guest has run, what it may have seen stays: KVM 6.1
	 * accepts only the table the vCPU already has (VMMs set it again
	 * when they reuse a vCPU fd).
	 */
	if (vcpu->ran) {
		r = hv_cpuid_same(vcpu, t, hdr.nent) ? 0 : -EINVAL;
		kvfree(t);
		return r;
	}

	r = hv_cpuid_check(t, hdr.nent);
	if (r) {
		kvfree(t);
		return r;
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = t;
	vcpu->cpuid_nent = hdr.nent;
	hv_cpuid_update(vcpu);
	return 0;
}

/*
 * As KVM 6.1: too few entries is E2BIG, otherwise the table is written
 * with its state-dependent bits; nent is written back in neither case.
 */
long hv_vcpu_get_cpuid2(struct hv_vcpu *vcpu, struct hv_cpuid2 __user *arg)
{
	struct hv_cpuid_dynamic d;
	struct hv_cpuid_entry2 e;
	struct hv_cpuid2 hdr;
	u32 i;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent)
		return -E2BIG;
	hv_cpuid_dynamic_init(vcpu, vcpu->cpuid, vcpu->cpuid_nent, &d);
	for (i = 0; i < vcpu->cpuid_nent; i++) {
		hv_cpuid_dynamic(&d, &vcpu->cpuid[i], &e);
		if (copy_to_user(&arg->entries[i], &e, sizeof(e)))
			return -EFAULT;
	}
	return 0;
}

void hv_cpuid_vcpu_init(struct hv_vcpu *vcpu)
{
	vcpu->cr4_allowed = hv_cr4_allowed;
	vcpu->xcr0_allowed = 0;
}

void hv_cpuid_vcpu_free(struct hv_vcpu *vcpu)
{
	kvfree(vcpu->cpuid);
	vcpu->cpuid = NULL;
	vcpu->cpuid_nent = 0;
}

/* ---- the guest's CPUID ---- */

static bool hv_vendor_is_amd(const struct hv_cpuid_entry2 *leaf0)
{
	char v[12];

	memcpy(v, &leaf0->ebx, 4);
	memcpy(v + 4, &leaf0->edx, 4);
	memcpy(v + 8, &leaf0->ecx, 4);
	return !memcmp(v, "AuthenticAMD", 12) ||
	       !memcmp(v, "AMDisbetter!", 12) ||
	       !memcmp(v, "HygonGenuine", 12);
}

/* The table's vendor (leaf 0), as KVM tells Intel and AMD guests apart. */
bool hv_guest_vendor_is_amd(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry2 *e;

	e = hv_cpuid_find_any(vcpu->cpuid, vcpu->cpuid_nent, 0);
	return e && hv_vendor_is_amd(e);
}

bool hv_guest_vendor_is_intel(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry2 *e;

	e = hv_cpuid_find_any(vcpu->cpuid, vcpu->cpuid_nent, 0);
	return e && e->ebx == 0x756e6547 && e->edx == 0x49656e69 &&
	       e->ecx == 0x6c65746e;		/* "GenuineIntel" */
}

/*
 * What CPUID(@function, @index) returns, by KVM 6.1's rules (kvm_cpuid):
 * the matching entry; else, unless the table's vendor is AMD or Hygon,
 * a function above its range's maximum (leaf 0, 0x80000000, 0xc0000000
 * or the hypervisor range's base) reads as the highest basic leaf, as
 * Intel CPUs do (SDM Vol. 2A, CPUID); else zeros.  Leaves 0xb and 0x1f
 * keep ECX[7:0] and the x2APIC ID in EDX for undefined sub-leaves.
 */
static void hv_cpuid_lookup(struct hv_vcpu *vcpu, u32 function, u32 index,
			    struct hv_cpuid_entry2 *out)
{
	const struct hv_cpuid_entry2 *t = vcpu->cpuid, *e, *basic, *range;
	u32 n = vcpu->cpuid_nent;
	struct hv_cpuid_dynamic d;

	e = hv_cpuid_find(t, n, function, index);
	basic = hv_cpuid_find_any(t, n, 0);
	if (!e && basic && !hv_vendor_is_amd(basic)) {
		if (function >= 0x40000000 && function <= 0x4fffffff)
			range = hv_cpuid_find_any(t, n, function & 0xffffff00);
		else if (function >= 0xc0000000)
			range = hv_cpuid_find_any(t, n, 0xc0000000);
		else
			range = hv_cpuid_find_any(t, n, function & 0x80000000);
		if (!range || function > range->eax) {
			function = basic->eax;
			e = hv_cpuid_find(t, n, function, index);
		}
	}

	if (e) {
		hv_cpuid_dynamic_init(vcpu, t, n, &d);
		hv_cpuid_dynamic(&d, e, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	if (function == 0xb || function == 0x1f) {
		e = hv_cpuid_find(t, n, function, 1);
		if (e) {
			out->ecx = index & 0xff;
			out->edx = e->edx;
		}
	}
}

int hv_emulate_cpuid(struct hv_vcpu *vcpu, u8 insn_len)
{
	u64 *gpr = vcpu->regs.gpr;
	struct hv_cpuid_entry2 e;

	hv_cpuid_lookup(vcpu, gpr[HV_RAX], gpr[HV_RCX], &e);
	/* 32-bit results zero-extend into the 64-bit registers. */
	gpr[HV_RAX] = e.eax;
	gpr[HV_RBX] = e.ebx;
	gpr[HV_RCX] = e.ecx;
	gpr[HV_RDX] = e.edx;
	vcpu->regs.rip += insn_len;
	return 1;
}

/*
 * EDX after INIT holds the processor signature (SDM 10.1.1): KVM takes
 * it from the vCPU's leaf 1, or 0x600 without one.
 */
u32 hv_cpuid_signature(struct hv_vcpu *vcpu)
{
	const struct hv_cpuid_entry2 *e;

	e = hv_cpuid_find_any(vcpu->cpuid, vcpu->cpuid_nent, 1);
	return e ? e->eax : 0x600;
}

/* ---- what the table allows ---- */

/*
 * CR4 bits hv supports: any bit the host supports, except VMXE (no
 * nested virtualization), LA57 (the emulator walks 4 levels) and PKE
 * (PKRU is not switched), and SMXE and CET, which KVM refuses too.
 */
void hv_cpuid_init(void)
{
	hv_cr4_allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		hv_cr4_allowed |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		hv_cr4_allowed |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		hv_cr4_allowed |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		hv_cr4_allowed |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		hv_cr4_allowed |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		hv_cr4_allowed |= X86_CR4_SMAP;

	hv_cpuid_supported_init();
}

/*
 * Before HV_SET_CPUID2 any bit hv supports; after it, as KVM, a bit
 * whose feature the guest's CPUID lacks is reserved (SDM 2.5).
 */
bool hv_cr4_valid(struct hv_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & ~vcpu->cr4_allowed);
}

/* The CR0 values KVM refuses in KVM_SET_SREGS (SDM 2.5). */
bool hv_cr0_valid(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	return !((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE));
}

/*
 * A guest's WRMSR to EFER (KVM 6.1's set_efer): SCE always; LME (and a
 * written LMA, which is ignored) need long mode and NX needs NX in the
 * guest's CPUID; LME may not change while paging is on (SDM 9.8.5).
 * hv offers neither FFXSR nor SVME.
 */
bool hv_efer_write_valid(struct hv_vcpu *vcpu, u64 old_efer, u64 efer,
			 bool paging)
{
	if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return false;
	if ((efer & (EFER_LME | EFER_LMA)) &&
	    !hv_guest_has(vcpu, 0x80000001, HV_EDX, X86_FEATURE_LM))
		return false;
	if ((efer & EFER_NX) &&
	    !hv_guest_has(vcpu, 0x80000001, HV_EDX, X86_FEATURE_NX))
		return false;
	return !(paging && ((old_efer ^ efer) & EFER_LME));
}
