/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging, shared by both backends: the guest-physical to
 * host-physical tables of one VM.
 *
 * mmu/ knows tables only: how to install a 4K mapping, how to remove the
 * mappings of a range of guest frames, and the invalidation protocol that
 * keeps a fault from installing a mapping the host has just taken away.
 * Which host page backs a guest frame (memslots, get_user_pages) and when
 * mappings must go (the MMU notifier, memslot changes) is the core's
 * business (core/page_fault.c, core/mmu_notifier.c); so is kicking the
 * vCPUs when a zap says their TLBs hold stale entries.
 *
 * The table format is a small ops layer (struct hv_pt_format): NPT (AMD)
 * and EPT (Intel) entries differ in bit positions, not in structure, so
 * one walker and mapper serve both.  The depth (4 or 5 levels) is the
 * backend's choice per VM: the hardware dictates it for NPT (the host's
 * paging depth, APM Vol. 2, 15.25.3) and the EPTP says it for EPT.
 */
#ifndef HV_MMU_MMU_H
#define HV_MMU_MMU_H

#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Access rights of a guest-physical mapping. */
#define HV_PROT_READ	BIT(0)
#define HV_PROT_WRITE	BIT(1)
#define HV_PROT_EXEC	BIT(2)

#define HV_PT_MIN_LEVELS	4
#define HV_PT_MAX_LEVELS	5	/* 512 entries each level */

/*
 * How a backend's table entries are encoded.  Level 1 holds 4K leaves;
 * levels 2 and 3 will hold 2M and 1G leaves (is_leaf) when large pages
 * come, without changing the walker.
 */
struct hv_pt_format {
	const char *name;
	u64 (*make_table)(u64 table_pa);
	u64 (*make_leaf)(u64 page_pa, unsigned int prot);
	bool (*is_present)(u64 pte);
	bool (*is_leaf)(u64 pte, int level);
	u64 (*addr)(u64 pte);
};

extern const struct hv_pt_format hv_npt_format;
extern const struct hv_pt_format hv_ept_format;

/*
 * A VM's guest-physical address space.
 *
 * Locking legend:
 *   [c]     constant after hv_mmu_init
 *   [lock]  written under @lock
 *
 * The tables' contents are written under @lock; a table page, once
 * linked, stays until hv_mmu_destroy, so a walker that drops the lock to
 * reschedule may keep its pointers.
 *
 * The invalidation protocol (KVM's mmu_invalidate_seq and range): the
 * host tells its changes by host (VMM) address, between
 * hv_mmu_invalidate_begin and _end; mmu/ only compares those addresses.
 * A fault reads @invalidate_seq (hv_mmu_fault_begin) before it looks up
 * the host page at some address, and hv_mmu_map installs the mapping
 * only if no invalidation in progress covers that address and none
 * ended since.  So a page the host is taking away is never mapped after
 * the invalidation of its address began: either the fault maps it before
 * the invalidation's zap (which removes it again), or it sees the range,
 * or it sees the sequence moved.
 */
struct hv_mmu {
	spinlock_t lock;		/* see above */
	const struct hv_pt_format *fmt;	/* [c] */
	int levels;			/* [c] 4 or 5 */
	u64 max_gfn;			/* [c] frames at or above are unmapped */
	u64 *root;			/* [c] top-level table */
	u64 root_pa;			/* [c] what the hardware is given */
	unsigned long invalidate_seq;	/* [lock] bumped by each _end */
	long invalidate_in_progress;	/* [lock] begun and not ended */
	/* [lock] while some are in progress, the union of their ranges */
	unsigned long invalidate_start;
	unsigned long invalidate_end;
	unsigned long nr_tables;	/* [lock] table pages, for accounting */
};

/*
 * Zeroed table pages a vCPU keeps for its faults (KVM's
 * kvm_mmu_memory_cache): filled where allocating may sleep, drawn from
 * under mmu->lock only when a table is missing, freed with the vCPU.
 * Used by one thread at a time (the vCPU's).
 */
struct hv_mmu_cache {
	int nr;
	u64 *tables[HV_PT_MAX_LEVELS - 1];
};

/*
 * @levels: the table depth, @phys_bits: the widest guest-physical address
 * the VM may use (the host's MAXPHYADDR).  Frames the tables cannot index
 * or the host could not address are never mapped (hv_mmu_max_gfn).
 */
int hv_mmu_init(struct hv_mmu *mmu, const struct hv_pt_format *fmt,
		int levels, int phys_bits);
void hv_mmu_destroy(struct hv_mmu *mmu);

/* One past the highest guest frame the VM's tables may map. */
static inline u64 hv_mmu_max_gfn(const struct hv_mmu *mmu)
{
	return mmu->max_gfn;
}

/*
 * The fault path: hv_mmu_fault_begin before looking up the host page at
 * @hva; hv_mmu_map then installs @page_pa at @gfn, taking missing tables
 * from @cache (topped up first), unless an invalidation may have made
 * the page stale.  Returns 0 (mapped), -EAGAIN (raced with an
 * invalidation: the guest faults again), or another -errno.
 */
unsigned long hv_mmu_fault_begin(struct hv_mmu *mmu);
int hv_mmu_map(struct hv_mmu *mmu, struct hv_mmu_cache *cache, u64 gfn,
	       unsigned long hva, u64 page_pa, unsigned int prot,
	       unsigned long seq);
int hv_mmu_cache_topup(struct hv_mmu *mmu, struct hv_mmu_cache *c);
void hv_mmu_cache_free(struct hv_mmu_cache *c);

/*
 * Remove the mappings of guest frames [start, end).  Returns true if a
 * mapping was removed: the caller must flush every vCPU's TLB before the
 * host may reuse those pages.  @may_sleep: the zap may reschedule (the
 * caller holds no spinlock and may block).  No fault may map the range
 * again with the page it had: the caller holds an invalidation covering
 * it (hv_mmu_invalidate_begin), or has made sure that no fault can look
 * the range up any more (a memslot gone, after its SRCU grace period).
 */
bool hv_mmu_zap_range(struct hv_mmu *mmu, u64 start, u64 end, bool may_sleep);

/* The host is changing its mappings of [start, end) (host addresses). */
void hv_mmu_invalidate_begin(struct hv_mmu *mmu, unsigned long start,
			     unsigned long end);
void hv_mmu_invalidate_end(struct hv_mmu *mmu);

#endif /* HV_MMU_MMU_H */
