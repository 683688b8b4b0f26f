// SPDX-License-Identifier: GPL-2.0
/*
 * HV_IOEVENTFD: a guest write to a port or an MMIO address signals an
 * eventfd in the kernel, instead of exiting to userspace (a virtio
 * queue's doorbell, say, that a VMM thread or vhost waits on).
 *
 * Each ioeventfd is a device on the VM's I/O bus (core/io_bus.h) that
 * takes only the writes it matches: the address exactly; the length,
 * unless registered with length 0 (any length); the value, with
 * HV_IOEVENTFD_FLAG_DATAMATCH.  Any other access goes on to the next
 * device or to userspace.  KVM's rules for registering and removing
 * them, and its errnos (virt/kvm/eventfd.c).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/eventfd.h>
#include <linux/list.h>
#include <linux/slab.h>

#include "hv.h"

struct hv_ioeventfd_dev {
	struct list_head link;		/* [i] vm->ioeventfds */
	struct hv_io_device dev;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u64 datamatch;
	u32 len;			/* 0: any length */
	int bus;			/* enum hv_bus_id, or -1: none */
	bool wildcard;			/* no datamatch */
};

/* The widest access an instruction makes: what "any length" covers. */
#define HV_IOEVENTFD_ANY_LEN	8

/*
 * Those on no bus are bounded as a bus's ranges are (-ENOSPC), so that
 * a VMM cannot make the kernel allocate without end.
 */
#define HV_IOEVENTFD_MAX_NO_BUS	1000

static struct hv_ioeventfd_dev *to_ioeventfd(struct hv_io_device *dev)
{
	return container_of(dev, struct hv_ioeventfd_dev, dev);
}

/* The vCPU's thread, under vm->srcu: signal if the write is ours. */
static int hv_ioeventfd_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			      u64 addr, u32 len, const void *val)
{
	struct hv_ioeventfd_dev *p = to_ioeventfd(dev);
	u64 v = 0;

	if (addr != p->addr)
		return -EOPNOTSUPP;
	if (p->len) {
		if (len != p->len)
			return -EOPNOTSUPP;
		if (!p->wildcard) {
			/* x86 is little-endian: the low @len bytes. */
			memcpy(&v, val, len);
			if (v != p->datamatch)
				return -EOPNOTSUPP;
		}
	}
	eventfd_signal(p->eventfd, 1);
	return 0;
}

static const struct hv_io_device_ops hv_ioeventfd_ops = {
	.write = hv_ioeventfd_write,
};

/*
 * Which bus: port I/O, MMIO, or none for the s390 virtio-ccw flag (KVM
 * accepts it on x86 and puts the ioeventfd on a bus no access reaches).
 */
static int hv_ioeventfd_bus(u32 flags)
{
	if (flags & HV_IOEVENTFD_FLAG_PIO)
		return HV_PIO_BUS;
	if (flags & HV_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return -1;
	return HV_MMIO_BUS;
}

/* Two ioeventfds no write could tell apart (KVM's collision rule). */
static bool hv_ioeventfd_collides(struct hv_vm *vm,
				  const struct hv_ioeventfd_dev *p)
{
	struct hv_ioeventfd_dev *q;

	lockdep_assert_held(&vm->ioeventfd_lock);
	list_for_each_entry(q, &vm->ioeventfds, link)
		if (q->bus == p->bus && q->addr == p->addr &&
		    (!q->len || !p->len ||
		     (q->len == p->len &&
		      (q->wildcard || p->wildcard ||
		       q->datamatch == p->datamatch))))
			return true;
	return false;
}

static int hv_ioeventfd_count_no_bus(struct hv_vm *vm)
{
	struct hv_ioeventfd_dev *q;
	int n = 0;

	lockdep_assert_held(&vm->ioeventfd_lock);
	list_for_each_entry(q, &vm->ioeventfds, link)
		n += q->bus < 0;
	return n;
}

static void hv_ioeventfd_release(struct hv_ioeventfd_dev *p)
{
	eventfd_ctx_put(p->eventfd);
	kfree(p);
}

static int hv_ioeventfd_assign(struct hv_vm *vm, const struct hv_ioeventfd *args)
{
	struct hv_ioeventfd_dev *p;
	int r;

	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~HV_IOEVENTFD_VALID_FLAGS)
		return -EINVAL;
	/* Any length and one value to match make no sense together. */
	if (!args->len && (args->flags & HV_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		r = PTR_ERR(p->eventfd);
		kfree(p);
		return r;
	}
	p->dev.ops = &hv_ioeventfd_ops;
	p->addr = args->addr;
	p->len = args->len;
	p->bus = hv_ioeventfd_bus(args->flags);
	p->wildcard = !(args->flags & HV_IOEVENTFD_FLAG_DATAMATCH);
	if (!p->wildcard)
		p->datamatch = args->datamatch;

	mutex_lock(&vm->ioeventfd_lock);
	r = -EEXIST;
	if (hv_ioeventfd_collides(vm, p))
		goto err;
	if (p->bus >= 0) {
		/* The address must still fit: any length reaches 8 bytes. */
		u32 span = p->len ? p->len : HV_IOEVENTFD_ANY_LEN;

		r = -EINVAL;
		if (p->addr + span < p->addr)
			goto err;
		r = hv_io_bus_register(vm, p->bus, p->addr, span, &p->dev);
		if (r)
			goto err;
	} else if (hv_ioeventfd_count_no_bus(vm) >= HV_IOEVENTFD_MAX_NO_BUS) {
		r = -ENOSPC;
		goto err;
	}
	list_add_tail(&p->link, &vm->ioeventfds);
	mutex_unlock(&vm->ioeventfd_lock);
	return 0;

err:
	mutex_unlock(&vm->ioeventfd_lock);
	hv_ioeventfd_release(p);
	return r;
}

/* The one registered with the same eventfd, bus, address, length, match. */
static int hv_ioeventfd_deassign(struct hv_vm *vm,
				 const struct hv_ioeventfd *args)
{
	bool wildcard = !(args->flags & HV_IOEVENTFD_FLAG_DATAMATCH);
	int bus = hv_ioeventfd_bus(args->flags);
	struct hv_ioeventfd_dev *p, *found = NULL;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	mutex_lock(&vm->ioeventfd_lock);
	list_for_each_entry(p, &vm->ioeventfds, link) {
		if (p->bus != bus || p->eventfd != eventfd ||
		    p->addr != args->addr || p->len != args->len ||
		    p->wildcard != wildcard)
			continue;
		if (!wildcard && p->datamatch != args->datamatch)
			continue;
		found = p;
		break;
	}
	if (found) {
		list_del(&found->link);
		/* No vCPU calls it once this returns (SRCU grace period). */
		if (found->bus >= 0)
			hv_io_bus_unregister(vm, found->bus, &found->dev);
	}
	mutex_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(eventfd);

	if (!found)
		return -ENOENT;
	hv_ioeventfd_release(found);
	return 0;
}

long hv_vm_ioeventfd(struct hv_vm *vm, struct hv_ioeventfd __user *argp)
{
	struct hv_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & HV_IOEVENTFD_FLAG_DEASSIGN)
		return hv_ioeventfd_deassign(vm, &args);
	return hv_ioeventfd_assign(vm, &args);
}

void hv_ioeventfd_init(struct hv_vm *vm)
{
	mutex_init(&vm->ioeventfd_lock);
	INIT_LIST_HEAD(&vm->ioeventfds);
}

/* VM teardown: no vCPU runs, the buses go with the VM (hv_io_bus_destroy). */
void hv_ioeventfd_destroy(struct hv_vm *vm)
{
	struct hv_ioeventfd_dev *p, *tmp;

	list_for_each_entry_safe(p, tmp, &vm->ioeventfds, link) {
		list_del(&p->link);
		hv_ioeventfd_release(p);
	}
}
