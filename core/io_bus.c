// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel I/O bus.
 *
 * Each VM has a port bus and an MMIO bus: sorted ranges, each naming a
 * device (core/io_bus.h).  An exit for port I/O or for an MMIO access
 * asks the bus first; only an access no device takes goes to userspace.
 * The local APIC is the exception: each vCPU sees its own at its own
 * base (vcpu->apic_mmio, checked before the VM's MMIO bus, as the
 * hardware answers APIC accesses before they reach the system bus).
 *
 * A bus is an immutable array published with rcu_assign_pointer(); a
 * change builds a new one under vm->bus_lock and waits for readers
 * (vm->srcu) before freeing the old, so a device is not in use once
 * hv_io_bus_unregister() returns.  Ranges may overlap: every device whose
 * range holds the access is asked, in order, until one takes it.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/slab.h>
#include <linux/sort.h>

#include "hv.h"

/* As KVM's NR_IOBUS_DEVS: bounds what userspace can make us allocate. */
#define HV_IO_BUS_MAX_RANGES	1000

static struct hv_io_bus *hv_io_bus_get(struct hv_vm *vm, enum hv_bus_id bus)
{
	return srcu_dereference_check(vm->buses[bus], &vm->srcu,
				      lockdep_is_held(&vm->bus_lock));
}

static int hv_io_range_cmp(const void *a, const void *b)
{
	const struct hv_io_range *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static void hv_io_bus_publish(struct hv_vm *vm, enum hv_bus_id bus,
			      struct hv_io_bus *new, struct hv_io_bus *old)
{
	rcu_assign_pointer(vm->buses[bus], new);
	synchronize_srcu_expedited(&vm->srcu);
	kfree(old);
}

int hv_io_bus_register(struct hv_vm *vm, enum hv_bus_id bus, u64 addr,
		       u32 len, struct hv_io_device *dev)
{
	struct hv_io_bus *old, *new;
	int nr;

	if (!len || addr + len < addr)
		return -EINVAL;
	mutex_lock(&vm->bus_lock);
	old = hv_io_bus_get(vm, bus);
	nr = old ? old->nr : 0;
	if (nr >= HV_IO_BUS_MAX_RANGES) {
		mutex_unlock(&vm->bus_lock);
		return -ENOSPC;
	}
	new = kmalloc(struct_size(new, ranges, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new) {
		mutex_unlock(&vm->bus_lock);
		return -ENOMEM;
	}
	if (nr)
		memcpy(new->ranges, old->ranges, nr * sizeof(new->ranges[0]));
	new->ranges[nr] = (struct hv_io_range){ addr, len, dev };
	new->nr = nr + 1;
	sort(new->ranges, new->nr, sizeof(new->ranges[0]), hv_io_range_cmp,
	     NULL);
	hv_io_bus_publish(vm, bus, new, old);
	mutex_unlock(&vm->bus_lock);
	return 0;
}

/* Remove every range of @dev; it is no longer called once this returns. */
void hv_io_bus_unregister(struct hv_vm *vm, enum hv_bus_id bus,
			  struct hv_io_device *dev)
{
	struct hv_io_bus *old, *new;
	int i, n = 0;

	mutex_lock(&vm->bus_lock);
	old = hv_io_bus_get(vm, bus);
	if (!old)
		goto out;
	/* On allocation failure the ranges stay: never leave one dangling. */
	new = kmalloc(struct_size(new, ranges, old->nr),
		      GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	for (i = 0; i < old->nr; i++)
		if (old->ranges[i].dev != dev)
			new->ranges[n++] = old->ranges[i];
	new->nr = n;
	hv_io_bus_publish(vm, bus, new, old);
out:
	mutex_unlock(&vm->bus_lock);
}

static bool hv_io_range_holds(const struct hv_io_range *r, u64 addr, u32 len)
{
	return addr >= r->addr && addr + len <= r->addr + r->len;
}

static int hv_io_bus_access(struct hv_vcpu *vcpu, enum hv_bus_id bus,
			    u64 addr, u32 len, void *val, bool write)
{
	struct hv_vm *vm = vcpu->vm;
	struct hv_io_device *dev;
	struct hv_io_bus *b;
	int i, idx, r = -EOPNOTSUPP;

	if (addr + len < addr)
		return -EOPNOTSUPP;
	idx = srcu_read_lock(&vm->srcu);
	dev = READ_ONCE(vcpu->apic_mmio);
	if (bus == HV_MMIO_BUS && dev) {
		r = write ? dev->ops->write(dev, vcpu, addr, len, val) :
			    dev->ops->read(dev, vcpu, addr, len, val);
		if (r != -EOPNOTSUPP)
			goto out;
	}
	b = hv_io_bus_get(vm, bus);
	for (i = 0; b && i < b->nr && b->ranges[i].addr <= addr; i++) {
		if (!hv_io_range_holds(&b->ranges[i], addr, len))
			continue;
		dev = b->ranges[i].dev;
		if (write)
			r = dev->ops->write ?
			    dev->ops->write(dev, vcpu, addr, len, val) :
			    -EOPNOTSUPP;
		else
			r = dev->ops->read ?
			    dev->ops->read(dev, vcpu, addr, len, val) :
			    -EOPNOTSUPP;
		if (r != -EOPNOTSUPP)
			break;
	}
out:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

/* 0: a device in the kernel took the access; -EOPNOTSUPP: none did. */
int hv_io_bus_read(struct hv_vcpu *vcpu, enum hv_bus_id bus, u64 addr,
		   u32 len, void *val)
{
	return hv_io_bus_access(vcpu, bus, addr, len, val, false);
}

int hv_io_bus_write(struct hv_vcpu *vcpu, enum hv_bus_id bus, u64 addr,
		    u32 len, const void *val)
{
	return hv_io_bus_access(vcpu, bus, addr, len, (void *)val, true);
}

/* VM teardown, after every device has unregistered or been freed. */
void hv_io_bus_destroy(struct hv_vm *vm)
{
	int bus;

	for (bus = 0; bus < HV_NR_BUSES; bus++)
		kfree(rcu_dereference_protected(vm->buses[bus], 1));
}
