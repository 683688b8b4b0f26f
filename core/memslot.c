// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: which guest-physical ranges are backed by which ranges of
 * the VMM's address space (HV_SET_USER_MEMORY_REGION), with KVM's rules.
 *
 * The slots of a VM form one array sorted by guest frame, published with
 * SRCU: vCPUs look slots up without locks (and may sleep in the fault
 * path while holding the SRCU read side), and an update builds a new
 * array, swaps it in, waits for readers of the old one, then unmaps what
 * the old slot mapped.  So a slot can be moved or deleted while vCPUs run.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv.h"

/*
 * HV_MEM_LOG_DIRTY_PAGES is refused (-EINVAL, as KVM answers a flag it
 * does not support) until hv keeps a dirty log: accepting it would make
 * a VMM believe it can migrate or track a framebuffer.
 */
#define HV_MEM_VALID_FLAGS	HV_MEM_READONLY
#define HV_MEMSLOT_MAX_PAGES	((1UL << 31) - 1)	/* as KVM */

/* The slot holding @gfn, or NULL.  Caller holds vm->srcu or slots_lock. */
const struct hv_memslot *hv_memslot_find(struct hv_memslots *slots, u64 gfn)
{
	int lo = 0, hi = slots ? slots->nr : 0;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		const struct hv_memslot *s = &slots->slots[mid];

		if (gfn < s->base_gfn)
			hi = mid;
		else if (gfn >= s->base_gfn + s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static struct hv_memslot *hv_memslot_by_id(struct hv_memslots *slots, u16 id)
{
	int i;

	for (i = 0; slots && i < slots->nr; i++)
		if (slots->slots[i].id == id)
			return &slots->slots[i];
	return NULL;
}

static bool hv_memslot_overlaps(struct hv_memslots *slots, u16 id, u64 start,
				u64 end)
{
	int i;

	for (i = 0; slots && i < slots->nr; i++) {
		const struct hv_memslot *s = &slots->slots[i];

		if (s->id != id && start < s->base_gfn + s->npages &&
		    s->base_gfn < end)
			return true;
	}
	return false;
}

/* A copy of @old without slot @drop (if any) and with @add (if any). */
static struct hv_memslots *hv_memslots_rebuild(struct hv_memslots *old,
					       const struct hv_memslot *drop,
					       const struct hv_memslot *add)
{
	int nr = old ? old->nr : 0, i, n = 0;
	struct hv_memslots *new;

	new = kvzalloc(struct_size(new, slots, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	for (i = 0; i < nr; i++) {
		const struct hv_memslot *s = &old->slots[i];

		if (drop && s->id == drop->id)
			continue;
		if (add && add->base_gfn < s->base_gfn) {
			new->slots[n++] = *add;
			add = NULL;
		}
		new->slots[n++] = *s;
	}
	if (add)
		new->slots[n++] = *add;
	new->nr = n;
	return new;
}

/*
 * Checks on the arguments alone, in KVM's order (kvm_main.c), then the
 * one KVM makes for x86 (kvm_arch_prepare_memory_region): no frame of
 * the slot beyond what the VM's tables map, or it would alias a lower
 * frame in them.
 */
static int hv_memslot_check_args(struct hv_vm *vm,
				 const struct hv_userspace_memory_region *mem)
{
	if (mem->flags & ~HV_MEM_VALID_FLAGS)
		return -EINVAL;
	if (mem->memory_size & (PAGE_SIZE - 1))
		return -EINVAL;
	if (mem->guest_phys_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((mem->userspace_addr & (PAGE_SIZE - 1)) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	/* One address space (no SMM) and HV_USER_MEMSLOTS slots. */
	if ((mem->slot >> 16) || (u16)mem->slot >= HV_USER_MEMSLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > HV_MEMSLOT_MAX_PAGES)
		return -EINVAL;
	if (mem->memory_size &&
	    (mem->guest_phys_addr + mem->memory_size) >> PAGE_SHIFT >
	    hv_mmu_max_gfn(&vm->mmu))
		return -EINVAL;
	return 0;
}

int hv_set_memory_region(struct hv_vm *vm,
			 const struct hv_userspace_memory_region *mem)
{
	struct hv_memslots *old, *new;
	struct hv_memslot *cur, slot, gone;
	bool unmap = false;
	int r;

	r = hv_memslot_check_args(vm, mem);
	if (r)
		return r;

	slot = (struct hv_memslot) {
		.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT,
		.npages = mem->memory_size >> PAGE_SHIFT,
		.userspace_addr = mem->userspace_addr,
		.flags = mem->flags,
		.id = (u16)mem->slot,
	};

	mutex_lock(&vm->slots_lock);
	old = rcu_dereference_protected(vm->memslots,
					lockdep_is_held(&vm->slots_lock));
	cur = hv_memslot_by_id(old, slot.id);

	if (!slot.npages) {			/* delete */
		r = -EINVAL;
		if (!cur)
			goto out;
		gone = *cur;
		new = hv_memslots_rebuild(old, cur, NULL);
		unmap = true;
	} else if (!cur) {			/* create */
		r = -EEXIST;
		if (hv_memslot_overlaps(old, slot.id, slot.base_gfn,
					slot.base_gfn + slot.npages))
			goto out;
		new = hv_memslots_rebuild(old, NULL, &slot);
	} else {				/* modify */
		r = -EINVAL;
		if (slot.userspace_addr != cur->userspace_addr ||
		    slot.npages != cur->npages ||
		    ((slot.flags ^ cur->flags) & HV_MEM_READONLY))
			goto out;
		r = 0;
		if (slot.base_gfn == cur->base_gfn && slot.flags == cur->flags)
			goto out;
		r = -EEXIST;
		if (slot.base_gfn != cur->base_gfn &&
		    hv_memslot_overlaps(old, slot.id, slot.base_gfn,
					slot.base_gfn + slot.npages))
			goto out;
		gone = *cur;
		unmap = slot.base_gfn != cur->base_gfn;
		new = hv_memslots_rebuild(old, cur, &slot);
	}
	r = -ENOMEM;
	if (!new)
		goto out;

	rcu_assign_pointer(vm->memslots, new);
	/*
	 * Expedited, as KVM's memslot updates: SRCU sends no IPIs, it only
	 * polls the readers without the delays a normal grace period
	 * batches callbacks with, which a VMM would wait out per update.
	 */
	synchronize_srcu_expedited(&vm->srcu);
	/* No fault can now see the old slot: drop what it mapped. */
	if (unmap)
		hv_vm_zap_gfn_range(vm, gone.base_gfn,
				    gone.base_gfn + gone.npages);
	kvfree(old);
	r = 0;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

void hv_memslots_free(struct hv_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->memslots, true));
	RCU_INIT_POINTER(vm->memslots, NULL);
}

/* ---- guest memory access for the core (vCPU thread, VM's own mm) ---- */

static unsigned long hv_gpa_to_hva(struct hv_vm *vm, u64 gpa, bool write)
{
	const struct hv_memslot *s;

	s = hv_memslot_find(srcu_dereference(vm->memslots, &vm->srcu),
			    gpa >> PAGE_SHIFT);
	if (!s || (write && (s->flags & HV_MEM_READONLY)))
		return 0;
	return s->userspace_addr + gpa - (s->base_gfn << PAGE_SHIFT);
}

/* Copy from guest RAM (within one page).  -ENOENT: not RAM. */
int hv_read_guest(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	unsigned long hva;
	int idx, r = 0;

	idx = srcu_read_lock(&vm->srcu);
	hva = hv_gpa_to_hva(vm, gpa, false);
	if (!hva)
		r = -ENOENT;
	else if (copy_from_user(buf, (void __user *)hva, len))
		r = -EFAULT;
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

/* Copy to guest RAM (within one page).  -ENOENT: not RAM, or read-only. */
int hv_write_guest(struct hv_vm *vm, u64 gpa, const void *buf,
		   unsigned int len)
{
	unsigned long hva;
	int idx, r = 0;

	idx = srcu_read_lock(&vm->srcu);
	hva = hv_gpa_to_hva(vm, gpa, true);
	if (!hva)
		r = -ENOENT;
	else if (copy_to_user((void __user *)hva, buf, len))
		r = -EFAULT;
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

static int hv_env_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return hv_read_guest(ctx, gpa, buf, len);
}

static int hv_env_write(void *ctx, u64 gpa, const void *buf, unsigned int len)
{
	return hv_write_guest(ctx, gpa, buf, len);
}

/* Guest-physical memory as the emulator sees it. */
void hv_emu_env_init(struct hv_emu_env *env, struct hv_vcpu *vcpu)
{
	env->ctx = vcpu->vm;
	env->read_phys = hv_env_read;
	env->write_phys = hv_env_write;
}
