// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's MSR accesses that userspace asked to see, KVM's ABI:
 *
 * - HV_X86_SET_MSR_FILTER installs a per-VM filter: up to 16 ranges of
 *   MSRs, each with a bitmap that allows (1) or denies (0) reads, writes
 *   or both, and a default for MSRs no range covers.  A denied guest
 *   RDMSR/WRMSR raises #GP, or exits to userspace (below).  The x2APIC
 *   MSRs (800H-8FFH) are never filtered.  Host accesses (HV_GET/SET_MSRS)
 *   never are either.
 * - HV_ENABLE_CAP(HV_CAP_X86_USER_SPACE_MSR) names the reasons for which
 *   an access that would raise #GP exits with HV_EXIT_X86_RDMSR or
 *   HV_EXIT_X86_WRMSR instead: the MSR is unknown to hv, its value is
 *   refused, or the filter denies it.  The next HV_RUN completes the
 *   instruction with run->msr (the value read, or #GP if userspace set
 *   run->msr.error).
 *
 * The filter is replaced whole and read under RCU, so a vCPU sees the old
 * filter or the new one, never a mix.  MSRs a backend passes through to
 * the guest never exit, so a change reaches each vCPU as a request
 * (HV_REQ_MSR_FILTER) and the backend intercepts the ones the new filter
 * denies (ops->msr_filter_changed, hv_msrs_allowed) before the vCPU
 * enters the guest again.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv.h"
#include "msr.h"

/* The x2APIC's MSRs, which the filter never covers (KVM's API). */
#define HV_X2APIC_MSR_FIRST	0x800
#define HV_X2APIC_MSR_LAST	0x8ff

struct hv_msr_range {
	u32 flags;		/* HV_MSR_FILTER_READ / _WRITE */
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;	/* into hv_msr_filter_set.bits */
};

/* The kernel's copy of a filter: immutable once published. */
struct hv_msr_filter_set {
	struct rcu_head rcu;
	bool default_allow;
	u32 nr;
	struct hv_msr_range ranges[HV_MSR_FILTER_MAX_RANGES];
	unsigned long bits[];	/* every range's bitmap, one after another */
};

/* Bytes of a range's bitmap as KVM copies it: whole longs. */
static size_t hv_msr_range_bytes(const struct hv_msr_filter_range *r)
{
	return BITS_TO_LONGS(r->nmsrs) * sizeof(long);
}

/*
 * KVM's rules: unknown flags, a used range with no access named or a
 * bitmap over HV_MSR_FILTER_MAX_BITMAP_SIZE bytes, and a default of deny
 * with no range at all (which would deny every MSR) are EINVAL.
 * Returns the longs the bitmaps need, or -EINVAL.
 */
static long hv_msr_filter_check(const struct hv_msr_filter *uf)
{
	size_t longs = 0;
	bool empty = true;
	int i;

	if (uf->flags & ~HV_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < HV_MSR_FILTER_MAX_RANGES; i++) {
		const struct hv_msr_filter_range *r = &uf->ranges[i];

		if (!r->nmsrs)
			continue;
		empty = false;
		if (!r->flags ||
		    r->flags & ~(HV_MSR_FILTER_READ | HV_MSR_FILTER_WRITE))
			return -EINVAL;
		if (hv_msr_range_bytes(r) > HV_MSR_FILTER_MAX_BITMAP_SIZE)
			return -EINVAL;
		longs += BITS_TO_LONGS(r->nmsrs);
	}
	if (empty && (uf->flags & HV_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;
	return longs;
}

static struct hv_msr_filter_set *hv_msr_filter_copy(const struct hv_msr_filter *uf)
{
	struct hv_msr_filter_set *f;
	unsigned long *bits;
	long longs;
	int i;

	longs = hv_msr_filter_check(uf);
	if (longs < 0)
		return ERR_PTR(longs);
	/* At most 16 ranges of 0x600 bytes: bounded by the check above. */
	f = kvzalloc(struct_size(f, bits, longs), GFP_KERNEL_ACCOUNT);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->default_allow = !(uf->flags & HV_MSR_FILTER_DEFAULT_DENY);
	bits = f->bits;
	for (i = 0; i < HV_MSR_FILTER_MAX_RANGES; i++) {
		const struct hv_msr_filter_range *r = &uf->ranges[i];
		struct hv_msr_range *k = &f->ranges[f->nr];

		if (!r->nmsrs)
			continue;
		if (copy_from_user(bits, (const void __user *)r->bitmap,
				   hv_msr_range_bytes(r))) {
			kvfree(f);
			return ERR_PTR(-EFAULT);
		}
		k->flags = r->flags;
		k->base = r->base;
		k->nmsrs = r->nmsrs;
		k->bitmap = bits;
		bits += BITS_TO_LONGS(r->nmsrs);
		f->nr++;
	}
	return f;
}

long hv_vm_set_msr_filter(struct hv_vm *vm, struct hv_msr_filter __user *argp)
{
	struct hv_msr_filter_set *f, *old;
	struct hv_msr_filter uf;

	if (copy_from_user(&uf, argp, sizeof(uf)))
		return -EFAULT;
	f = hv_msr_filter_copy(&uf);
	if (IS_ERR(f))
		return PTR_ERR(f);

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->msr_filter, f, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	if (old)
		kvfree_rcu(old, rcu);
	/* Passed-through MSRs the new filter denies must exit from now on. */
	hv_vm_kick_all(vm, HV_REQ_MSR_FILTER);
	return 0;
}

/* hv_vm_free: nothing can read the filter any more. */
void hv_msr_filter_destroy(struct hv_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->msr_filter, true));
}

long hv_vm_enable_user_space_msr(struct hv_vm *vm, u64 mask)
{
	if (mask & ~(u64)(HV_MSR_EXIT_REASON_INVAL | HV_MSR_EXIT_REASON_UNKNOWN |
			  HV_MSR_EXIT_REASON_FILTER))
		return -EINVAL;
	WRITE_ONCE(vm->user_space_msr_mask, mask);
	return 0;
}

static bool hv_msr_filter_allows(const struct hv_msr_filter_set *f, u32 msr,
				 u32 access)
{
	u32 i;

	for (i = 0; i < f->nr; i++) {
		const struct hv_msr_range *r = &f->ranges[i];

		/* The first range that covers the access decides (KVM). */
		if (msr >= r->base && msr < r->base + r->nmsrs &&
		    (r->flags & access))
			return test_bit(msr - r->base, r->bitmap);
	}
	return f->default_allow;
}

/* May the guest make this access (HV_MSR_FILTER_READ or _WRITE)? */
bool hv_msr_allowed(struct hv_vcpu *vcpu, u32 msr, u32 access)
{
	const struct hv_msr_filter_set *f;
	bool allowed = true;

	if (msr >= HV_X2APIC_MSR_FIRST && msr <= HV_X2APIC_MSR_LAST)
		return true;
	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->msr_filter);
	if (f)
		allowed = hv_msr_filter_allows(f, msr, access);
	rcu_read_unlock();
	return allowed;
}

/* For a backend: may the guest both read and write each of @msrs? */
bool hv_msrs_allowed(struct hv_vcpu *vcpu, const u32 *msrs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!hv_msr_allowed(vcpu, msrs[i], HV_MSR_FILTER_READ) ||
		    !hv_msr_allowed(vcpu, msrs[i], HV_MSR_FILTER_WRITE))
			return false;
	return true;
}

/* HV_REQ_MSR_FILTER, before the vCPU enters the guest (core/run.c). */
void hv_msr_filter_request(struct hv_vcpu *vcpu)
{
	if (hv_ops->msr_filter_changed)
		hv_ops->msr_filter_changed(vcpu);
}

static u32 hv_msr_exit_reason(int why)
{
	switch (why) {
	case HV_MSR_UNKNOWN:
		return HV_MSR_EXIT_REASON_UNKNOWN;
	case HV_MSR_FILTERED:
		return HV_MSR_EXIT_REASON_FILTER;
	default:
		return HV_MSR_EXIT_REASON_INVAL;
	}
}

/*
 * A guest RDMSR/WRMSR of @msr failed (@why: HV_MSR_UNKNOWN,
 * HV_MSR_FILTERED or another non-zero result of the MSR's handler).
 * Returns true if userspace asked to see such failures: run->msr is
 * filled for it, and hv_complete_msr finishes the instruction.
 */
bool hv_msr_exit_to_user(struct hv_vcpu *vcpu, bool read, u32 msr, u64 data,
			 int why, u8 insn_len)
{
	struct hv_run *run = vcpu->run;
	u32 reason = hv_msr_exit_reason(why);

	if (!(READ_ONCE(vcpu->vm->user_space_msr_mask) & reason))
		return false;
	run->exit_reason = read ? HV_EXIT_X86_RDMSR : HV_EXIT_X86_WRMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = msr;
	run->msr.data = data;
	vcpu->msr_exit.read = read;
	vcpu->msr_exit.insn_len = insn_len;
	vcpu->pending = HV_PENDING_MSR;
	return true;
}

/*
 * The next HV_RUN after an MSR exit: #GP if userspace failed the access,
 * else RDMSR's EDX:EAX from run->msr.data, and RIP past the instruction.
 * run->msr is userspace's page: each field is read once.
 */
int hv_complete_msr(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	u64 *gpr = vcpu->regs.gpr;
	u64 data;

	if (READ_ONCE(run->msr.error))
		return hv_msr_gp(vcpu);
	if (vcpu->msr_exit.read) {
		data = READ_ONCE(run->msr.data);
		gpr[HV_RAX] = (u32)data;
		gpr[HV_RDX] = data >> 32;
	}
	vcpu->regs.rip += vcpu->msr_exit.insn_len;
	return 1;
}
