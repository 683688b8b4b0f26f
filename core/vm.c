// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual machines: creation, the VM fd and its ioctls, teardown.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <uapi/linux/hv.h>

#include "hv.h"

void hv_vm_get(struct hv_vm *vm)
{
	kref_get(&vm->ref);
}

static void hv_vm_free(struct kref *ref)
{
	struct hv_vm *vm = container_of(ref, struct hv_vm, ref);

	mmdrop(vm->mm);
	kfree(vm);
}

void hv_vm_put(struct hv_vm *vm)
{
	kref_put(&vm->ref, hv_vm_free);
}

static long hv_vm_ioctl(struct file *filp, unsigned int ioctl,
			unsigned long arg)
{
	struct hv_vm *vm = filp->private_data;

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
	int fd;

	/* Only the default x86 machine type exists. */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mmgrab(current->mm);
	vm->mm = current->mm;

	/* The fd's file holds a reference on this module (fops.owner). */
	fd = anon_inode_getfd("hv-vm", &hv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		hv_vm_put(vm);
	return fd;
}
