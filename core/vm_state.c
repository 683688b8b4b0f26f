// SPDX-License-Identifier: GPL-2.0
/*
 * The VM state ioctls: the TSS and identity-map addresses VMMs give every
 * x86 VM, the VM's clock, and KVM_ENABLE_CAP.  Semantics and errnos are
 * KVM 6.1's (arch/x86/kvm/x86.c, virt/kvm/kvm_main.c).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/irqflags.h>
#include <linux/mutex.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "hv.h"

void hv_vm_state_init(struct hv_vm *vm)
{
	/* The VM's clock starts at 0 (KVM's kvmclock_offset). */
	vm->clock_offset = -(s64)ktime_get_boottime_ns();
}

/* ---- the TSS and the identity map (real mode under old VT-x) ---- */

/*
 * KVM_SET_TSS_ADDR.  kvm_intel without unrestricted guest runs real mode
 * in vm86 mode and puts a TSS in the three pages at @addr; kvm_amd, and
 * kvm_intel with unrestricted guest, only check the address (below 4 GiB
 * minus 3 pages) and use nothing.  hv requires unrestricted guest on
 * VT-x, so it does as they do: checks, keeps the address, uses nothing.
 * QEMU issues this ioctl for every VM and requires HV_CAP_SET_TSS_ADDR.
 */
static long hv_vm_set_tss_addr(struct hv_vm *vm, unsigned long addr)
{
	if (addr > (u32)(-3 * PAGE_SIZE))
		return -EINVAL;
	mutex_lock(&vm->lock);
	vm->tss_addr = addr;
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * KVM_SET_IDENTITY_MAP_ADDR: where kvm_intel without unrestricted guest
 * puts the page table it runs unpaged guests with; any address is taken,
 * and, as KVM, only before the first vCPU (EINVAL after, checked before
 * the argument is read).  Kept, unused, for the same reason as the TSS.
 */
static long hv_vm_set_identity_map_addr(struct hv_vm *vm, u64 __user *arg)
{
	long r = -EINVAL;
	u64 addr;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		goto out;
	r = -EFAULT;
	if (copy_from_user(&addr, arg, sizeof(addr)))
		goto out;
	vm->identity_map_addr = addr;
	r = 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* ---- the VM's clock ---- */

/*
 * The VM's clock, in ns: the host's boot-time clock (CLOCK_BOOTTIME,
 * which goes on across suspend) plus the VM's offset, as KVM's kvmclock
 * without a master clock.  It is what kvmclock will show the guest.
 */
u64 hv_vm_clock_ns(struct hv_vm *vm)
{
	return ktime_get_boottime_ns() + READ_ONCE(vm->clock_offset);
}

/*
 * KVM_GET_CLOCK.  The clock, with the host's CLOCK_REALTIME and TSC read
 * together with it, interrupts off (HV_CLOCK_REALTIME, HV_CLOCK_HOST_TSC;
 * KVM reports those only with its master clock).  HV_CLOCK_TSC_STABLE,
 * "every vCPU sees exactly this value", is never reported: hv keeps no
 * master clock.
 */
static long hv_vm_get_clock(struct hv_vm *vm, struct hv_clock_data __user *arg)
{
	struct hv_clock_data data;
	unsigned long flags;

	memset(&data, 0, sizeof(data));
	local_irq_save(flags);
	data.clock = hv_vm_clock_ns(vm);
	data.realtime = ktime_get_real_ns();
	data.host_tsc = rdtsc_ordered();
	local_irq_restore(flags);
	data.flags = HV_CLOCK_REALTIME | HV_CLOCK_HOST_TSC;
	return copy_to_user(arg, &data, sizeof(data)) ? -EFAULT : 0;
}

#define HV_CLOCK_VALID_FLAGS	(HV_CLOCK_TSC_STABLE | HV_CLOCK_REALTIME | \
				 HV_CLOCK_HOST_TSC)

/*
 * KVM_SET_CLOCK: the VM's clock reads @clock now.  With
 * HV_CLOCK_REALTIME, the host's CLOCK_REALTIME that went by since
 * @realtime is added (never subtracted), so a clock saved on one host
 * continues on the next.  As KVM, any flag KVM_GET_CLOCK may return is
 * accepted (the others are ignored), any other is EINVAL.
 */
static long hv_vm_set_clock(struct hv_vm *vm, struct hv_clock_data __user *arg)
{
	struct hv_clock_data data;
	unsigned long flags;
	u64 now, real;

	if (copy_from_user(&data, arg, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~HV_CLOCK_VALID_FLAGS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	local_irq_save(flags);
	now = ktime_get_boottime_ns();
	real = ktime_get_real_ns();
	local_irq_restore(flags);
	if ((data.flags & HV_CLOCK_REALTIME) && real > data.realtime)
		data.clock += real - data.realtime;
	WRITE_ONCE(vm->clock_offset, data.clock - now);
	mutex_unlock(&vm->lock);
	return 0;
}

/* ---- KVM_ENABLE_CAP on the VM ---- */

/*
 * Called under vm->lock when a vCPU is created: the first one fixes the
 * highest vCPU id, HV_MAX_VCPU_ID unless HV_CAP_MAX_VCPU_ID was enabled
 * with a lower one (KVM's kvm_arch_vcpu_precreate).
 */
int hv_vm_check_vcpu_id(struct hv_vm *vm, u32 id)
{
	lockdep_assert_held(&vm->lock);
	if (!vm->max_vcpu_ids)
		vm->max_vcpu_ids = HV_MAX_VCPU_ID;
	return id < vm->max_vcpu_ids ? 0 : -EINVAL;
}

/*
 * HV_CAP_MAX_VCPU_ID, args[0] = the number of vCPU ids: at most
 * HV_MAX_VCPU_ID; taken once, before the first vCPU fixes it; asking
 * again for the value in force succeeds.
 */
static long hv_vm_enable_max_vcpu_id(struct hv_vm *vm, u64 n)
{
	long r = -EINVAL;

	if (n > HV_MAX_VCPU_ID)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->max_vcpu_ids == n) {
		r = 0;
	} else if (!vm->max_vcpu_ids) {
		vm->max_vcpu_ids = n;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_ENABLE_CAP: flags must be 0 and the capability one that can be
 * enabled (HV_CAP_MAX_VCPU_ID, HV_CAP_X86_USER_SPACE_MSR), else EINVAL,
 * as KVM answers.
 */
static long hv_vm_enable_cap(struct hv_vm *vm, struct hv_enable_cap __user *arg)
{
	struct hv_enable_cap cap;

	if (copy_from_user(&cap, arg, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case HV_CAP_MAX_VCPU_ID:
		return hv_vm_enable_max_vcpu_id(vm, cap.args[0]);
	case HV_CAP_X86_USER_SPACE_MSR:		/* core/msr_filter.c */
		return hv_vm_enable_user_space_msr(vm, cap.args[0]);
	default:
		return -EINVAL;
	}
}

/* ---- the shadow-page budget ---- */

/*
 * KVM_SET/GET_NR_MMU_PAGES bound the pages of KVM's shadow MMU.  With
 * two-dimensional paging KVM builds its EPT/NPT tables outside that
 * budget (the TDP MMU), and hv has nothing else: the value is checked
 * and kept as KVM keeps it, and bounds nothing.  Unset, KVM derives it
 * from the memslots' size (KVM_MEMSLOT_PAGES_TO_MMU_PAGES_RATIO, 50)
 * with a floor of 64 pages, and reads 0 before any memslot exists.
 */
#define HV_MIN_MMU_PAGES		64UL
#define HV_MEMSLOT_PAGES_PER_MMU_PAGE	50

static long hv_vm_set_nr_mmu_pages(struct hv_vm *vm, unsigned long pages)
{
	if (pages < HV_MIN_MMU_PAGES)
		return -EINVAL;
	mutex_lock(&vm->lock);
	vm->nr_mmu_pages = pages;
	mutex_unlock(&vm->lock);
	return 0;
}

static long hv_vm_get_nr_mmu_pages(struct hv_vm *vm)
{
	struct hv_memslots *slots;
	unsigned long pages = 0;
	int i, idx;

	mutex_lock(&vm->lock);
	pages = vm->nr_mmu_pages;
	mutex_unlock(&vm->lock);
	if (pages)
		return pages;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; slots && i < slots->nr; i++)
		pages += slots->slots[i].npages;
	srcu_read_unlock(&vm->srcu, idx);
	if (!pages)
		return 0;
	return max(pages / HV_MEMSLOT_PAGES_PER_MMU_PAGE, HV_MIN_MMU_PAGES);
}

/* ---- dispatch (called from hv_vm_ioctl) ---- */

long hv_vm_state_ioctl(struct hv_vm *vm, unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case HV_SET_TSS_ADDR:
		return hv_vm_set_tss_addr(vm, arg);
	case HV_SET_IDENTITY_MAP_ADDR:
		return hv_vm_set_identity_map_addr(vm, argp);
	case HV_SET_NR_MMU_PAGES:
		return hv_vm_set_nr_mmu_pages(vm, arg);
	case HV_GET_NR_MMU_PAGES:
		return hv_vm_get_nr_mmu_pages(vm);
	case HV_GET_CLOCK:
		return hv_vm_get_clock(vm, argp);
	case HV_SET_CLOCK:
		return hv_vm_set_clock(vm, argp);
	case HV_ENABLE_CAP:
		return hv_vm_enable_cap(vm, argp);
	default:
		return -ENOTTY;
	}
}
