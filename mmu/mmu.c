// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-physical page tables: one walker and mapper for every table
 * format and depth, the zap that empties a range, and the invalidation
 * protocol between the two (see mmu/mmu.h).
 *
 * Nothing here knows where host pages come from or who must be told
 * that a mapping went away: the core's fault path finds the page, and
 * the core kicks the vCPUs when a zap returns true.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <asm/io.h>

#include "mmu.h"

#define PT_ENTRIES	512
#define PT_BITS		9
#define PT_SHIFT(level)	(PT_BITS * ((level) - 1))	/* in frames */
#define PT_INDEX(gfn, level) \
	(((gfn) >> PT_SHIFT(level)) & (PT_ENTRIES - 1))

/* ---- the per-vCPU cache of table pages ---- */

/*
 * Top @c up to what one mapping can consume: a table for every level
 * above the leaves.  GFP_KERNEL may sleep and reclaim, so this runs
 * before mmu->lock is taken; the pages wait in @c until a walk finds a
 * table missing, which is rare once the guest's memory is mapped.
 */
int hv_mmu_cache_topup(struct hv_mmu *mmu, struct hv_mmu_cache *c)
{
	while (c->nr < mmu->levels - 1) {
		u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!t)
			return -ENOMEM;
		c->tables[c->nr++] = t;
	}
	return 0;
}

void hv_mmu_cache_free(struct hv_mmu_cache *c)
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
	for (level = mmu->levels; level > 1; level--) {
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

unsigned long hv_mmu_fault_begin(struct hv_mmu *mmu)
{
	unsigned long seq = READ_ONCE(mmu->invalidate_seq);

	/*
	 * The sequence before the host page tables: pairs with the
	 * increment under mmu->lock in hv_mmu_invalidate_end, which
	 * follows the host's change of its page tables.
	 */
	smp_rmb();
	return seq;
}

/*
 * Whether a fault that read @seq and found its page at host address
 * @hva may have a stale page: an invalidation covering @hva is in
 * progress (its zap may already be done, and the host's tables still be
 * changing), or some invalidation ended since @seq was read (and may
 * have covered @hva: its range is forgotten).  An invalidation of other
 * addresses that is still going does not stop the fault (KVM's
 * mmu_invalidate_retry_hva): with the guest's whole memory behind one
 * slot, retrying on every invalidation made pages fault again and again
 * while the host worked on unrelated ranges.
 */
static bool hv_mmu_fault_stale(const struct hv_mmu *mmu, unsigned long hva,
			       unsigned long seq)
{
	lockdep_assert_held(&mmu->lock);
	if (mmu->invalidate_in_progress &&
	    hva >= mmu->invalidate_start && hva < mmu->invalidate_end)
		return true;
	return mmu->invalidate_seq != seq;
}

int hv_mmu_map(struct hv_mmu *mmu, struct hv_mmu_cache *cache, u64 gfn,
	       unsigned long hva, u64 page_pa, unsigned int prot,
	       unsigned long seq)
{
	u64 *pte;
	int r;

	/* The core bounds guest frames by the memslots; never trust it. */
	if (WARN_ON_ONCE(gfn >= mmu->max_gfn))
		return -EFAULT;
	r = hv_mmu_cache_topup(mmu, cache);
	if (r)
		return r;

	spin_lock(&mmu->lock);
	if (hv_mmu_fault_stale(mmu, hva, seq)) {
		r = -EAGAIN;
		goto out_unlock;
	}
	pte = hv_mmu_walk_alloc(mmu, gfn, cache);
	if (pte)
		WRITE_ONCE(*pte, mmu->fmt->make_leaf(page_pa, prot));
out_unlock:
	spin_unlock(&mmu->lock);
	return r;
}

/* ---- zapping ---- */

/*
 * Clear the leaves of [start, end) below @table, which maps the frames
 * from @base.  Returns true if a present leaf was cleared.
 */
static bool hv_mmu_zap_table(struct hv_mmu *mmu, u64 *table, int level,
			     u64 base, u64 start, u64 end, bool may_sleep)
{
	const struct hv_pt_format *fmt = mmu->fmt;
	u64 span = 1ULL << PT_SHIFT(level);		/* frames per entry */
	u64 first = start > base ? (start - base) >> PT_SHIFT(level) : 0;
	u64 last = min_t(u64, (end - base - 1) >> PT_SHIFT(level),
			 PT_ENTRIES - 1);
	bool flush = false;
	u64 i;

	for (i = first; i <= last; i++) {
		u64 pte = READ_ONCE(table[i]);

		if (!fmt->is_present(pte))
			continue;
		if (fmt->is_leaf(pte, level)) {
			WRITE_ONCE(table[i], 0);
			flush = true;
			continue;
		}
		flush |= hv_mmu_zap_table(mmu, __va(fmt->addr(pte)), level - 1,
					  base + i * span, start, end,
					  may_sleep);
		/*
		 * A huge guest has millions of entries: let others run
		 * between tables.  Tables are never freed before
		 * hv_mmu_destroy, so this walk's pointers stay valid, and
		 * faults cannot re-map the range meanwhile (the caller holds
		 * an invalidation covering it, or no fault can reach it any
		 * more: see hv_mmu_zap_range in mmu.h).
		 */
		if (may_sleep && level == 2)
			cond_resched_lock(&mmu->lock);
	}
	return flush;
}

bool hv_mmu_zap_range(struct hv_mmu *mmu, u64 start, u64 end, bool may_sleep)
{
	bool flush;

	end = min(end, mmu->max_gfn);
	if (!mmu->root || start >= end)
		return false;
	spin_lock(&mmu->lock);
	flush = hv_mmu_zap_table(mmu, mmu->root, mmu->levels, 0, start, end,
				 may_sleep);
	spin_unlock(&mmu->lock);
	return flush;
}

/*
 * The ranges of the invalidations in progress are merged into one, as
 * KVM does: concurrent invalidations are rare, and a range too wide only
 * makes a fault retry.  The sequence moves at the end, not here: a fault
 * that overlaps an invalidation of another range maps its page.
 */
void hv_mmu_invalidate_begin(struct hv_mmu *mmu, unsigned long start,
			     unsigned long end)
{
	spin_lock(&mmu->lock);
	if (!mmu->invalidate_in_progress) {
		mmu->invalidate_start = start;
		mmu->invalidate_end = end;
	} else {
		mmu->invalidate_start = min(mmu->invalidate_start, start);
		mmu->invalidate_end = max(mmu->invalidate_end, end);
	}
	mmu->invalidate_in_progress++;
	spin_unlock(&mmu->lock);
}

void hv_mmu_invalidate_end(struct hv_mmu *mmu)
{
	spin_lock(&mmu->lock);
	/*
	 * A fault that looked up its page before this, while the host's
	 * tables were changing, must not map it: pairs with the read in
	 * hv_mmu_fault_begin.
	 */
	mmu->invalidate_seq++;
	if (!WARN_ON_ONCE(mmu->invalidate_in_progress <= 0))
		mmu->invalidate_in_progress--;
	spin_unlock(&mmu->lock);
}

/* ---- lifetime ---- */

int hv_mmu_init(struct hv_mmu *mmu, const struct hv_pt_format *fmt,
		int levels, int phys_bits)
{
	spin_lock_init(&mmu->lock);
	mmu->fmt = fmt;
	mmu->levels = levels;
	mmu->max_gfn = 1ULL << (phys_bits - PAGE_SHIFT);
	/* A backend that cannot run guests yet has no table format. */
	if (!fmt)
		return 0;
	if (WARN_ON(levels < HV_PT_MIN_LEVELS || levels > HV_PT_MAX_LEVELS))
		return -EINVAL;
	mmu->max_gfn = 1ULL << min(PT_BITS * levels, phys_bits - PAGE_SHIFT);
	mmu->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->root)
		return -ENOMEM;
	mmu->root_pa = __pa(mmu->root);
	return 0;
}

static void hv_mmu_free_table(struct hv_mmu *mmu, u64 *table, int level)
{
	const struct hv_pt_format *fmt = mmu->fmt;
	int i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++) {
		u64 pte = table[i];

		if (fmt->is_present(pte) && !fmt->is_leaf(pte, level))
			hv_mmu_free_table(mmu, __va(fmt->addr(pte)), level - 1);
	}
	free_page((unsigned long)table);
	cond_resched();
}

/* Nothing uses the tables any more: no vCPU, no notifier. */
void hv_mmu_destroy(struct hv_mmu *mmu)
{
	if (!mmu->root)
		return;
	hv_mmu_free_table(mmu, mmu->root, mmu->levels);
	mmu->root = NULL;
}
