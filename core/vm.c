// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual machines: creation, the VM fd and its ioctls, teardown.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/anon_inodes.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "hv.h"

void hv_vm_get(struct hv_vm *vm)
{
	kref_get(&vm->ref);
}

/*
 * The last reference is gone: no fd reaches the VM, so no ioctl runs and
 * no vCPU is in HV_RUN.  Only the MMU notifier can still call in, from
 * any thread of the VMM's process (munmap, exit): it goes first, and
 * waits for its callbacks in flight, because they kick the vCPUs and read
 * the memslots freed after it.  Then the rest, in the reverse order of
 * hv_vm_create.
 */
static void hv_vm_free(struct kref *ref)
{
	struct hv_vm *vm = container_of(ref, struct hv_vm, ref);
	struct hv_vcpu *vcpu;
	unsigned long i;

	hv_mmu_notifier_unregister(vm);
	/* The devices (timers, workers) deliver to vCPUs: they go first. */
	hv_irqchip_destroy(vm);
	xa_for_each(&vm->vcpus, i, vcpu) {
		xa_erase(&vm->vcpus, i);
		hv_vcpu_free(vcpu);
	}
	xa_destroy(&vm->vcpus);
	hv_mmu_destroy(&vm->mmu);
	hv_memslots_free(vm);
	hv_ioeventfd_destroy(vm);
	hv_coalesced_mmio_destroy(vm);
	hv_msr_filter_destroy(vm);
	hv_io_bus_destroy(vm);
	if (hv_ops->vm_destroy)
		hv_ops->vm_destroy(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
}

void hv_vm_put(struct hv_vm *vm)
{
	kref_put(&vm->ref, hv_vm_free);
}

static void hv_kick_ipi(void *unused)
{
	/* Nothing to do: the interrupt itself made the vCPU exit. */
}

/* Scratch CPU masks for hv_vm_kick_all, used with preemption off. */
static DEFINE_PER_CPU(struct cpumask, hv_kick_mask);

/*
 * Ask every vCPU to do @req before it next enters the guest, and wait
 * until none is still in the guest without having seen it: one IPI to
 * each CPU running a vCPU of the VM, all sent at once.  The order (set
 * the bit, full barrier, read the mode) pairs with the vCPU's (write the
 * mode, full barrier, read the bits) in hv_vcpu_enter_guest_mode().
 *
 * vm->vcpus is walked without a lock: a vCPU is published there only
 * once nothing can fail any more, and stays until hv_vm_free, which runs
 * after every caller of this function is gone (core/vcpu.c).  Never
 * sleeps: the MMU notifier calls it where it may not block.
 */
void hv_vm_kick_all(struct hv_vm *vm, int req)
{
	struct hv_vcpu *vcpu;
	struct cpumask *cpus;
	unsigned long i;
	int me;

	me = get_cpu();
	cpus = this_cpu_ptr(&hv_kick_mask);
	cpumask_clear(cpus);
	xa_for_each(&vm->vcpus, i, vcpu) {
		hv_vcpu_request(vcpu, req);
		smp_mb__after_atomic();	/* request before mode */
		if (READ_ONCE(vcpu->mode) == HV_IN_GUEST) {
			int cpu = READ_ONCE(vcpu->cpu);

			/* Not this CPU: it is running us, not the guest. */
			if (cpu >= 0 && cpu != me)
				__cpumask_set_cpu(cpu, cpus);
		}
	}
	if (!cpumask_empty(cpus))
		smp_call_function_many(cpus, hv_kick_ipi, NULL, true);
	put_cpu();
}

/*
 * Ask one vCPU to do @req (HV_REQ_EVENT: look at its interrupts again)
 * before it next enters the guest: wake it if it sleeps in HLT, make it
 * exit if it runs the guest on another CPU.  Any context, never sleeps;
 * the same pairing with hv_vcpu_enter_guest_mode() as hv_vm_kick_all.
 */
void hv_vcpu_kick(struct hv_vcpu *vcpu, int req)
{
	int cpu, me;

	hv_vcpu_request(vcpu, req);
	smp_mb__after_atomic();	/* request before mode and the waiter */
	rcuwait_wake_up(&vcpu->wait);
	me = get_cpu();
	if (READ_ONCE(vcpu->mode) == HV_IN_GUEST) {
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu >= 0 && cpu != me && cpu_online(cpu))
			smp_send_reschedule(cpu);
	}
	put_cpu();
}

/*
 * Guest frames [start, end) lost their backing (a memslot went or moved):
 * drop their mappings, and make sure no vCPU still uses them.  No
 * invalidation is needed around the zap: the caller waited for the SRCU
 * grace period after unpublishing the slot, so no fault can still map
 * the range (core/memslot.c).
 */
void hv_vm_zap_gfn_range(struct hv_vm *vm, u64 start, u64 end)
{
	if (hv_mmu_zap_range(&vm->mmu, start, end, true))
		hv_vm_kick_all(vm, HV_REQ_TLB_FLUSH);
}

static long hv_vm_ioctl(struct file *filp, unsigned int ioctl,
			unsigned long arg)
{
	struct hv_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/*
	 * A VM belongs to the address space that created it: guest memory
	 * is that process's memory.  A child that inherited the fd gets
	 * -EIO, as with KVM.
	 */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case HV_CHECK_EXTENSION:
		return hv_check_extension(vm, arg);
	case HV_CREATE_VCPU:
		return hv_vcpu_create(vm, arg);
	case HV_SET_USER_MEMORY_REGION: {
		struct hv_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return hv_set_memory_region(vm, &mem);
	}
	/* core/vm_state.c */
	case HV_SET_TSS_ADDR:
	case HV_SET_IDENTITY_MAP_ADDR:
	case HV_SET_NR_MMU_PAGES:
	case HV_GET_NR_MMU_PAGES:
	case HV_GET_CLOCK:
	case HV_SET_CLOCK:
	case HV_ENABLE_CAP:
		return hv_vm_state_ioctl(vm, ioctl, arg);
	/* core/irqchip.c */
	case HV_CREATE_IRQCHIP:
	case HV_IRQ_LINE:
	case HV_IRQ_LINE_STATUS:
	case HV_SIGNAL_MSI:
	case HV_GET_IRQCHIP:
	case HV_SET_IRQCHIP:
	case HV_SET_GSI_ROUTING:
	case HV_CREATE_PIT2:
	case HV_GET_PIT:
	case HV_SET_PIT:
	case HV_GET_PIT2:
	case HV_SET_PIT2:
	case HV_REINJECT_CONTROL:
	case HV_SET_BOOT_CPU_ID:
	case HV_IRQFD:			/* core/irqfd.c */
		return hv_vm_irqchip_ioctl(vm, ioctl, arg);
	case HV_IOEVENTFD:
		return hv_vm_ioeventfd(vm, argp);
	case HV_REGISTER_COALESCED_MMIO:
	case HV_UNREGISTER_COALESCED_MMIO:
		return hv_vm_coalesced_mmio(vm, ioctl, argp);
	case HV_GET_STATS_FD:
		return hv_vm_stats_fd(vm);
	case HV_X86_SET_MSR_FILTER:	/* core/msr_filter.c */
		return hv_vm_set_msr_filter(vm, argp);
	default:
		return -ENOTTY;
	}
}

static int hv_vm_release(struct inode *inode, struct file *filp)
{
	hv_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations hv_vm_fops = {
	.owner = THIS_MODULE,
	.release = hv_vm_release,
	.unlocked_ioctl = hv_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* HV_CREATE_VM: returns the new VM's fd. */
int hv_vm_create(unsigned long type)
{
	struct hv_vm *vm;
	int r, fd;

	/* Only the default x86 machine type exists. */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	vm->id = hv_spec_new_vm_id();
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	mutex_init(&vm->bus_lock);
	hv_ioeventfd_init(vm);
	hv_msrs_vm_init(vm);
	xa_init(&vm->vcpus);
	mmgrab(current->mm);
	vm->mm = current->mm;
	hv_vm_state_init(vm);

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto err_mm;
	if (hv_ops->vm_init) {
		r = hv_ops->vm_init(vm);
		if (r)
			goto err_srcu;
	}
	r = hv_mmu_init(&vm->mmu, hv_ops->pt_format,
			hv_ops->pt_levels ? hv_ops->pt_levels() : 0,
			boot_cpu_data.x86_phys_bits);
	if (r)
		goto err_backend;
	r = hv_mmu_notifier_register(vm);
	if (r)
		goto err_mmu;

	/* The fd's file holds a reference on this module (fops.owner). */
	fd = anon_inode_getfd("hv-vm", &hv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		hv_vm_put(vm);
	return fd;

err_mmu:
	hv_mmu_destroy(&vm->mmu);
err_backend:
	if (hv_ops->vm_destroy)
		hv_ops->vm_destroy(vm);
err_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
