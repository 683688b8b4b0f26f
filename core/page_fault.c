// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page faults (NPF / EPT violation): find the memslot behind the
 * guest frame, get the host page the VMM's address space has there, and
 * have mmu/ map it.
 *
 * Nothing is pinned: the fault takes a reference on the host page only
 * while installing the mapping.  Coherence comes from the MMU notifier
 * (core/mmu_notifier.c), which zaps the guest mapping before the host
 * page can go away, and from the invalidation sequence that hv_mmu_map
 * checks, which makes a fault that raced with such a zap retry.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/clock.h>
#include <asm/io.h>

#include "hv.h"

/*
 * Get the host page behind @hva.  A read fault still asks for a writable
 * page when one is at hand without faulting, so that the guest's first
 * write does not fault again; otherwise the page is mapped read-only and
 * a later write comes back here with @write set (breaking copy-on-write).
 */
static int hv_get_host_page(unsigned long hva, bool write, bool *writable,
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
static bool hv_mark_page_dirty(struct page *page)
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
 *
 * Memslots never reach beyond hv_mmu_max_gfn (core/memslot.c), so a
 * frame the tables cannot index finds no slot and is MMIO: it can never
 * alias a lower frame.
 */
int hv_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hv_vm *vm = vcpu->vm;
	const struct hv_memslot *slot;
	u64 gfn = gpa >> PAGE_SHIFT;
	unsigned long hva, seq;
	unsigned int prot;
	u64 t0;
	struct page *page;
	bool writable;
	int r, idx;

	/* The host's page tables and a page are read: flush (core/spec.c). */
	vcpu->l1d_flush = true;
	idx = srcu_read_lock(&vm->srcu);
	slot = hv_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
	if (!slot || (write && (slot->flags & HV_MEM_READONLY))) {
		r = HV_FAULT_MMIO;
		goto out_srcu;
	}
	hva = slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
	writable = !(slot->flags & HV_MEM_READONLY);

	seq = hv_mmu_fault_begin(&vm->mmu);
	t0 = local_clock();
	r = hv_get_host_page(hva, write, &writable, &page);
	vcpu->stats.npf_host_ns += local_clock() - t0;
	if (r)
		goto out_srcu;
	/* The page is busy (its lock is taken): let the guest fault again. */
	r = HV_FAULT_RETRY;
	if (writable && !hv_mark_page_dirty(page))
		goto out_put;

	prot = HV_PROT_READ | HV_PROT_EXEC | (writable ? HV_PROT_WRITE : 0);
	r = hv_mmu_map(&vm->mmu, &vcpu->mmu_cache, gfn, hva, page_to_phys(page),
		       prot, seq);
	if (r == -EAGAIN)
		vcpu->stats.npf_retries++;
	if (!r || r == -EAGAIN)
		r = HV_FAULT_RETRY;
out_put:
	put_page(page);
out_srcu:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}
