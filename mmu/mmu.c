// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-physical page tables: one walker and mapper for every table
 * format, the nested-page-fault path that fills them from the memslots,
 * and the MMU notifier that empties them when the host changes its own
 * mappings (munmap, MADV_DONTNEED, copy-on-write, THP split or collapse,
 * migration, swap).
 *
 * Nothing is pinned: the fault path takes a reference on the host page
 * only while installing the mapping.  Coherence comes from the notifier,
 * which zaps the guest mapping before the host page can go away.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <asm/io.h>

#include "../core/hv.h"

#define PT_ENTRIES	512
#define PT_SHIFT(level)	(PAGE_SHIFT + 9 * ((level) - 1))
#define PT_INDEX(gfn, level) \
	(((gfn) << PAGE_SHIFT >> PT_SHIFT(level)) & (PT_ENTRIES - 1))

/*
 * Table pages allocated before taking mmu->lock (which is a spinlock) so
 * that a walk that needs new tables never allocates under it.
 */
struct hv_mmu_cache {
	int nr;
	u64 *tables[HV_PT_LEVELS - 1];
};

static int hv_mmu_cache_fill(struct hv_mmu_cache *c)
{
	while (c->nr < ARRAY_SIZE(c->tables)) {
		u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!t)
			return -ENOMEM;
		c->tables[c->nr++] = t;
	}
	return 0;
}

static void hv_mmu_cache_free(struct hv_mmu_cache *c)
{
	while (c->nr)
		free_page((unsigned long)c->tables[--c->nr]);
}

/* ---- walker and mapper ---- */

/* The level-1 entry for @gfn, creating tables from @cache on the way. */
static u64 *hv_mmu_walk_alloc(struct hv_mmu *mmu, u64 gfn,
			      struct hv_mmu_cache *cache)
{
	const struct hv_pt_format *fmt = mmu->fmt;
	u64 *table = mmu->root;
	int level;

	lockdep_assert_held(&mmu->lock);
	for (level = HV_PT_LEVELS; level > 1; level--) {
		u64 *pte = &table[PT_INDEX(gfn, level)];

		if (!fmt->is_present(*pte)) {
			u64 *next;

			if (WARN_ON_ONCE(!cache->nr))
				return NULL;
			next = cache->tables[--cache->nr];
			WRITE_ONCE(*pte, fmt->make_table(__pa(next)));
			mmu->nr_tables++;
		}
		table = __va(fmt->addr(*pte));
	}
	return &table[PT_INDEX(gfn, 1)];
}

/*
 * Clear the leaves of [start, end) below @table (which maps @base).
 * Returns true if a present leaf was cleared: the TLBs need a flush.
 */
static bool hv_mmu_zap_table(struct hv_mmu *mmu, u64 *table, int level,
			     u64 base, u64 start, u64 end)
{
	const struct hv_pt_format *fmt = mmu->fmt;
	u64 span = 1ULL << (PT_SHIFT(level) - PAGE_SHIFT);	/* gfns */
	bool flush = false;
	int i;

	for (i = 0; i < PT_ENTRIES; i++) {
		u64 first = base + i * span, last = first + span;
		u64 pte = table[i];

		if (last <= start || first >= end || !fmt->is_present(pte))
			continue;
		if (fmt->is_leaf(pte, level)) {
			WRITE_ONCE(table[i], 0);
			flush = true;
		} else {
			flush |= hv_mmu_zap_table(mmu, __va(fmt->addr(pte)),
						  level - 1, first, start, end);
		}
	}
	return flush;
}

static void hv_mmu_free_table(struct hv_mmu *mmu, u64 *table, int level)
{
	int i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++) {
		u64 pte = table[i];

		if (mmu->fmt->is_present(pte) && !mmu->fmt->is_leaf(pte, level))
			hv_mmu_free_table(mmu, __va(mmu->fmt->addr(pte)),
					  level - 1);
	}
	free_page((unsigned long)table);
}

/* ---- invalidation ---- */

/* Called with mmu->lock held; the caller kicks the vCPUs if it returns true. */
static bool hv_mmu_zap_gfns(struct hv_mmu *mmu, u64 start, u64 end)
{
	lockdep_assert_held(&mmu->lock);
	return hv_mmu_zap_table(mmu, mmu->root, HV_PT_LEVELS, 0, start, end);
}

void hv_mmu_unmap_gfn_range(struct hv_vm *vm, u64 gfn_start, u64 gfn_end)
{
	struct hv_mmu *mmu = &vm->mmu;
	bool flush;

	if (!mmu->root)
		return;
	spin_lock(&mmu->lock);
	flush = hv_mmu_zap_gfns(mmu, gfn_start, gfn_end);
	/* A fault that looked up a slot before the change must not map. */
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
	if (flush)
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
}

/* Zap what the host range [start, end) of @vm->mm backs, in every slot. */
static bool hv_mmu_zap_hva_range(struct hv_vm *vm, unsigned long start,
				 unsigned long end)
{
	struct hv_memslots *slots;
	bool flush = false;
	int i, idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; slots && i < slots->nr; i++) {
		const struct hv_memslot *s = &slots->slots[i];
		unsigned long s_end = s->userspace_addr +
				      (s->npages << PAGE_SHIFT);
		unsigned long lo = max(start, s->userspace_addr);
		unsigned long hi = min(end, s_end);

		if (lo >= hi)
			continue;
		flush |= hv_mmu_zap_gfns(&vm->mmu,
			s->base_gfn + ((lo - s->userspace_addr) >> PAGE_SHIFT),
			s->base_gfn + ((hi - s->userspace_addr + PAGE_SIZE - 1) >>
				       PAGE_SHIFT));
	}
	srcu_read_unlock(&vm->srcu, idx);
	return flush;
}

static int hv_mmu_invalidate_range_start(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = container_of(mn, struct hv_vm, mmu_notifier);
	bool flush;

	spin_lock(&vm->mmu.lock);
	vm->mmu.invalidate_in_progress++;
	flush = hv_mmu_zap_hva_range(vm, range->start, range->end);
	spin_unlock(&vm->mmu.lock);

	/*
	 * The host may free the pages as soon as this returns: every vCPU
	 * must have left the guest (and so stopped using stale TLB
	 * entries) by then.  The kick waits for that.
	 */
	if (flush)
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
	return 0;
}

static void hv_mmu_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = container_of(mn, struct hv_vm, mmu_notifier);

	spin_lock(&vm->mmu.lock);
	vm->mmu.invalidate_seq++;
	vm->mmu.invalidate_in_progress--;
	spin_unlock(&vm->mmu.lock);
}

/* The process is exiting: its memory goes, so must every mapping. */
static void hv_mmu_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hv_vm *vm = container_of(mn, struct hv_vm, mmu_notifier);
	bool flush;

	spin_lock(&vm->mmu.lock);
	flush = hv_mmu_zap_gfns(&vm->mmu, 0, ~0ULL);
	vm->mmu.invalidate_seq++;
	spin_unlock(&vm->mmu.lock);
	if (flush)
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
}

static const struct mmu_notifier_ops hv_mmu_notifier_ops = {
	.invalidate_range_start = hv_mmu_invalidate_range_start,
	.invalidate_range_end = hv_mmu_invalidate_range_end,
	.release = hv_mmu_release,
};

/* ---- the nested page fault ---- */

/*
 * Get the host page behind @hva.  A read fault still asks for a writable
 * page when one is at hand without faulting, so that the guest's first
 * write does not fault again; otherwise the page is mapped read-only and
 * a later write comes back here with @write set (breaking copy-on-write).
 */
static int hv_mmu_get_host_page(unsigned long hva, bool write, bool *writable,
				struct page **page)
{
	long n;

	if (!write && *writable &&
	    get_user_pages_fast_only(hva, 1, FOLL_WRITE, page) == 1)
		return 0;
	if (!write)
		*writable = false;

	n = get_user_pages_unlocked(hva, 1, page, write ? FOLL_WRITE : 0);
	if (n == 1)
		return 0;
	return n < 0 ? n : -EFAULT;
}

/*
 * Mark the host page dirty before the guest may write to it.  Guest
 * writes do not dirty the host's PTE, which can be writable but clean
 * (MADV_FREE leaves such PTEs, a read fault on MAP_SHARED shmem makes
 * them): the page's own flag is what keeps the data from being dropped.
 *
 * Never sleep on the page lock here: the caller holds a reference on the
 * page, and the lock's holder may be migrating or reclaiming the page,
 * which fails when it finds the page referenced; a vCPU faulting on the
 * page again and again would keep it from ever moving.  An anonymous
 * page (in the swap cache or not) has no file to be truncated from and
 * needs no lock; a file page whose lock is taken makes the fault retry.
 */
static bool hv_mmu_mark_dirty(struct page *page)
{
	if (PageAnon(page)) {
		set_page_dirty(page);
		return true;
	}
	if (!trylock_page(page))
		return false;
	set_page_dirty(page);
	unlock_page(page);
	return true;
}

/*
 * Handle a nested page fault at @gpa.  Returns HV_FAULT_RETRY when the
 * guest can simply run again, HV_FAULT_MMIO when no RAM backs the access
 * (no slot, or a write to a read-only slot), or -EFAULT when the slot's
 * host memory cannot be had (unmapped, or a write to a read-only
 * mapping), which HV_RUN returns to userspace as KVM does.
 */
int hv_mmu_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hv_vm *vm = vcpu->vm;
	struct hv_mmu *mmu = &vm->mmu;
	struct hv_mmu_cache cache = { 0 };
	const struct hv_memslot *slot;
	u64 gfn = gpa >> PAGE_SHIFT;
	unsigned long hva, seq;
	unsigned int prot;
	bool writable;
	struct page *page;
	u64 *pte;
	int r, idx;

	r = hv_mmu_cache_fill(&cache);
	if (r)
		goto out_cache;

	idx = srcu_read_lock(&vm->srcu);
	slot = hv_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
	if (!slot || (write && (slot->flags & HV_MEM_READONLY))) {
		r = HV_FAULT_MMIO;
		goto out_srcu;
	}
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
	writable = !(slot->flags & HV_MEM_READONLY);

	/*
	 * Read the sequence before looking at the host page tables; pairs
	 * with the increment (under mmu->lock) in invalidate_range_end.
	 */
	seq = READ_ONCE(mmu->invalidate_seq);
	smp_rmb();	/* sequence before the host page tables */

	r = hv_mmu_get_host_page(hva, write, &writable, &page);
	if (r)
		goto out_srcu;
	/* The page is busy (its lock is taken): let the guest fault again. */
	r = HV_FAULT_RETRY;
	if (writable && !hv_mmu_mark_dirty(page))
		goto out_put;

	prot = HV_PROT_READ | HV_PROT_EXEC | (writable ? HV_PROT_WRITE : 0);
	spin_lock(&mmu->lock);
	/* The host mapping changed under us: let the guest fault again. */
	if (mmu->invalidate_in_progress || mmu->invalidate_seq != seq)
		goto out_unlock;
	pte = hv_mmu_walk_alloc(mmu, gfn, &cache);
	if (pte)
		WRITE_ONCE(*pte, mmu->fmt->make_leaf(page_to_phys(page), prot));
out_unlock:
	spin_unlock(&mmu->lock);
out_put:
	put_page(page);
out_srcu:
	srcu_read_unlock(&vm->srcu, idx);
out_cache:
	hv_mmu_cache_free(&cache);
	return r;
}

/* ---- lifetime ---- */

int hv_mmu_init(struct hv_vm *vm, const struct hv_pt_format *fmt)
{
	struct hv_mmu *mmu = &vm->mmu;
	int r;

	spin_lock_init(&mmu->lock);
	mmu->fmt = fmt;
	/* A backend that cannot run guests yet has no table format. */
	if (!fmt)
		return 0;
	mmu->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->root)
		return -ENOMEM;
	mmu->root_pa = __pa(mmu->root);

	vm->mmu_notifier.ops = &hv_mmu_notifier_ops;
	r = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	if (r) {
		free_page((unsigned long)mmu->root);
		mmu->root = NULL;
	}
	return r;
}

/* No vCPU runs any more and the memslots are still there. */
void hv_mmu_destroy(struct hv_vm *vm)
{
	struct hv_mmu *mmu = &vm->mmu;

	if (!mmu->root)
		return;
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	hv_mmu_free_table(mmu, mmu->root, HV_PT_LEVELS);
	mmu->root = NULL;
}
