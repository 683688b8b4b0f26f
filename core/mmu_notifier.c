// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier of a VM: the host tells us before it changes the VMM's
 * page tables (munmap, MADV_DONTNEED, copy-on-write, THP split or
 * collapse, migration, swap), and the guest mappings of the affected
 * memslot frames go before the host may reuse the pages.
 *
 * Registered when the VM is created and unregistered first thing when it
 * is freed (core/vm.c), while the vCPUs it kicks and the memslots it
 * reads still exist.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/mmu_notifier.h>

#include "hv.h"

static struct hv_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct hv_vm, mmu_notifier);
}

/* Zap what the host range [start, end) of @vm->mm backs, in every slot. */
static bool hv_zap_hva_range(struct hv_vm *vm, unsigned long start,
			     unsigned long end, bool may_sleep)
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
		flush |= hv_mmu_zap_range(&vm->mmu,
			s->base_gfn + ((lo - s->userspace_addr) >> PAGE_SHIFT),
			s->base_gfn + ((hi - s->userspace_addr + PAGE_SIZE - 1) >>
				       PAGE_SHIFT), may_sleep);
		if (may_sleep)
			cond_resched();
	}
	srcu_read_unlock(&vm->srcu, idx);
	return flush;
}

static int hv_mn_invalidate_range_start(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = mn_to_vm(mn);

	hv_mmu_invalidate_begin(&vm->mmu, range->start, range->end);
	/*
	 * The host may free the pages as soon as this returns: every vCPU
	 * must have left the guest (and so stopped using stale TLB
	 * entries) by then.  The kick waits for that.
	 */
	if (hv_zap_hva_range(vm, range->start, range->end,
			     mmu_notifier_range_blockable(range))) {
		atomic64_inc(&vm->mmu_invalidations);
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
	}
	return 0;
}

static void hv_mn_invalidate_range_end(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range)
{
	hv_mmu_invalidate_end(&mn_to_vm(mn)->mmu);
}

/* The process is exiting: its memory goes, so must every mapping. */
static void hv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hv_vm *vm = mn_to_vm(mn);

	hv_mmu_invalidate_begin(&vm->mmu, 0, ULONG_MAX);
	if (hv_mmu_zap_range(&vm->mmu, 0, hv_mmu_max_gfn(&vm->mmu), true))
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
	hv_mmu_invalidate_end(&vm->mmu);
}

static const struct mmu_notifier_ops hv_mmu_notifier_ops = {
	.invalidate_range_start = hv_mn_invalidate_range_start,
	.invalidate_range_end = hv_mn_invalidate_range_end,
	.release = hv_mn_release,
};

int hv_mmu_notifier_register(struct hv_vm *vm)
{
	vm->mmu_notifier.ops = &hv_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

/*
 * After this no callback runs or will run (mmu_notifier_unregister waits
 * for those in flight), so nothing the notifier reaches is in use.
 */
void hv_mmu_notifier_unregister(struct hv_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
