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

/*
 * Table pages allocated before taking mmu->lock (a spinlock), so that a
 * walk that needs new tables never allocates under it.
 */
struct hv_mmu_cache {
	int nr;
	u64 *tables[HV_PT_MAX_LEVELS - 1];
};

static int hv_mmu_cache_fill(struct hv_mmu_cache *c, int levels)
{
	while (c->nr < levels - 1) {
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
	 * increment under mmu->lock that precedes every zap.
	 */
	smp_rmb();
	return seq;
}

int hv_mmu_map(struct hv_mmu *mmu, u64 gfn, u64 page_pa, unsigned int prot,
	       unsigned long seq)
{
	struct hv_mmu_cache cache = { 0 };
	u64 *pte;
	int r;

	/* The core bounds guest frames by the memslots; never trust it. */
	if (WARN_ON_ONCE(gfn >= mmu->max_gfn))
		return -EFAULT;
	r = hv_mmu_cache_fill(&cache, mmu->levels);
	if (r)
		goto out;

	spin_lock(&mmu->lock);
	/* The host mapping changed under the fault: let the guest retry. */
	if (mmu->invalidate_in_progress || mmu->invalidate_seq != seq)
		goto out_unlock;
	pte = hv_mmu_walk_alloc(mmu, gfn, &cache);
	if (pte)
		WRITE_ONCE(*pte, mmu->fmt->make_leaf(page_pa, prot));
out_unlock:
	spin_unlock(&mmu->lock);
out:
	hv_mmu_cache_free(&cache);
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
		 * faults cannot re-map the range meanwhile (the sequence
		 * moved, and the notifier holds invalidate_in_progress).
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
	/* A fault that looked up its page before this must not map it. */
	mmu->invalidate_seq++;
	flush = hv_mmu_zap_table(mmu, mmu->root, mmu->levels, 0, start, end,
				 may_sleep);
	spin_unlock(&mmu->lock);
	return flush;
}

void hv_mmu_invalidate_begin(struct hv_mmu *mmu)
{
	spin_lock(&mmu->lock);
	mmu->invalidate_in_progress++;
	mmu->invalidate_seq++;
	spin_unlock(&mmu->lock);
}

void hv_mmu_invalidate_end(struct hv_mmu *mmu)
{
	spin_lock(&mmu->lock);
	mmu->invalidate_seq++;
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
