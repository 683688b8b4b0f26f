// SPDX-License-Identifier: GPL-2.0
/*
 * HV_REGISTER_COALESCED_MMIO / HV_UNREGISTER_COALESCED_MMIO: guest
 * writes to a zone of MMIO (or, with pio = 1, of ports) that need no
 * answer at once (a framebuffer, a NIC's or an RTC's index registers)
 * are appended to a ring instead of exiting; userspace drains the ring
 * at its next exit.  KVM's ABI and rules (virt/kvm/coalesced_mmio.c):
 *
 *   - the ring is one page per VM, which every vCPU fd maps at page
 *     HV_COALESCED_MMIO_PAGE_OFFSET (what HV_CAP_COALESCED_MMIO
 *     answers); the kernel fills entries at ring->last, userspace
 *     consumes them from ring->first, one entry always stays free;
 *   - a zone is a device on the VM's I/O bus taking the writes fully
 *     inside it; reads are not coalesced, they exit as usual, and so
 *     does a write that finds the ring full;
 *   - a zone's pio field is 0 or 1 (else -EINVAL); KVM checks nothing
 *     else, so neither overlaps nor an empty or wrapping zone are
 *     refused (such a zone matches no access: it is kept off the bus);
 *     the count of zones is bounded (-ENOSPC, the bus's limit);
 *   - unregistering removes every zone of the same kind that holds the
 *     whole range given (so the range a zone was registered with, or
 *     any part of it), and succeeds when there is none.
 *
 * Unlike KVM 6.1, the ring holds HV_COALESCED_MMIO_MAX - 1 entries
 * whatever ring->first is: 6.1's room check reports the ring full early
 * when first <= last (fixed upstream since).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv.h"

/* Entries in the ring page (KVM_COALESCED_MMIO_MAX). */
#define HV_COALESCED_MMIO_MAX						\
	((PAGE_SIZE - sizeof(struct hv_coalesced_mmio_ring)) /		\
	 sizeof(struct hv_coalesced_mmio))

/*
 * The zones on a bus are bounded by it (-ENOSPC at 1000 ranges, as
 * KVM's NR_IOBUS_DEVS); those that can match nothing, kept off the
 * buses, are bounded here the same way.
 */
#define HV_COALESCED_MAX_OFF_BUS	1000

/*
 * A VM's ring and zones, made on first use (a zone registered, or the
 * ring page touched through a vCPU mmap) and freed with the VM.
 *
 * Locking legend:
 *   [c]  constant after creation
 *   [z]  lock (mutex): zone changes; taken before vm->bus_lock
 *   [r]  ring_lock (spinlock): appends, from the vCPUs' threads.  The
 *        ring's indices live in a page userspace writes at any time:
 *        they are read once and checked, never trusted.
 */
struct hv_coalesced {
	struct hv_coalesced_mmio_ring *ring;	/* [c] [r] one page */
	spinlock_t ring_lock;
	struct mutex lock;			/* the zones */
	struct list_head zones;			/* [z] */
	unsigned int nr_off_bus;		/* [z] zones that match nothing */
};

struct hv_coalesced_zone {
	struct hv_io_device dev;
	struct hv_coalesced *c;			/* [c] */
	struct hv_coalesced_mmio_zone zone;	/* [c] */
	bool on_bus;				/* [c] */
	struct list_head link;			/* [z] */
};

static struct hv_coalesced_zone *to_zone(struct hv_io_device *dev)
{
	return container_of(dev, struct hv_coalesced_zone, dev);
}

/*
 * The vCPU's thread, under vm->srcu (the bus): append the write, or
 * -EOPNOTSUPP so that it exits to userspace as any MMIO or port write
 * (the ring is full, or userspace broke its indices).
 */
static int hv_coalesced_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			      u64 addr, u32 len, const void *val)
{
	struct hv_coalesced_zone *z = to_zone(dev);
	struct hv_coalesced_mmio_ring *ring = z->c->ring;
	struct hv_coalesced_mmio *e;
	u32 first, last;

	if (len > sizeof(e->data))
		return -EOPNOTSUPP;
	spin_lock(&z->c->ring_lock);
	first = READ_ONCE(ring->first);
	last = READ_ONCE(ring->last);
	if (first >= HV_COALESCED_MMIO_MAX || last >= HV_COALESCED_MMIO_MAX ||
	    (last + 1) % HV_COALESCED_MMIO_MAX == first) {
		spin_unlock(&z->c->ring_lock);
		return -EOPNOTSUPP;
	}
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = z->zone.pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, val, len);
	/* Userspace reads last, then the entries before it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % HV_COALESCED_MMIO_MAX);
	spin_unlock(&z->c->ring_lock);
	return 0;
}

/* Reads are never coalesced: the next device, or userspace, has them. */
static int hv_coalesced_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			     u64 addr, u32 len, void *val)
{
	return -EOPNOTSUPP;
}

static const struct hv_io_device_ops hv_coalesced_ops = {
	.read = hv_coalesced_read,
	.write = hv_coalesced_write,
};

/*
 * The VM's ring and zone list, made on first use.  Two racing first
 * users both allocate; one publishes, the other frees its own.
 */
static struct hv_coalesced *hv_coalesced_get(struct hv_vm *vm)
{
	struct hv_coalesced *c, *old;

	/* Pairs with the cmpxchg_release below: a published one is ready. */
	c = smp_load_acquire(&vm->coalesced);
	if (c)
		return c;
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	c->ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!c->ring) {
		kfree(c);
		return NULL;
	}
	spin_lock_init(&c->ring_lock);
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->zones);
	old = cmpxchg_release(&vm->coalesced, NULL, c);
	if (old) {
		free_page((unsigned long)c->ring);
		kfree(c);
		return old;
	}
	return c;
}

/* The ring's page for a vCPU mmap fault (page HV_COALESCED_MMIO_PAGE_OFFSET). */
struct page *hv_coalesced_mmio_page(struct hv_vm *vm)
{
	struct hv_coalesced *c = hv_coalesced_get(vm);

	return c ? virt_to_page(c->ring) : NULL;
}

/*
 * KVM's test (coalesced_mmio_in_range) of whether [addr, addr + len) is
 * inside @zone, with its int length: a size of 2 GiB or more holds
 * nothing.
 */
static bool hv_zone_holds(const struct hv_coalesced_mmio_zone *zone,
			  u64 addr, u32 len)
{
	if ((s32)len < 0 || addr + len < addr)
		return false;
	return addr >= zone->addr && addr + len <= zone->addr + zone->size;
}

static int hv_coalesced_register(struct hv_vm *vm,
				 const struct hv_coalesced_mmio_zone *zone)
{
	struct hv_coalesced_zone *z;
	struct hv_coalesced *c;
	int r = 0;

	if (zone->pio > 1)
		return -EINVAL;
	c = hv_coalesced_get(vm);
	if (!c)
		return -ENOMEM;
	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->dev.ops = &hv_coalesced_ops;
	z->c = c;
	z->zone = *zone;

	mutex_lock(&c->lock);
	if (zone->size && zone->addr + zone->size > zone->addr) {
		r = hv_io_bus_register(vm, zone->pio ? HV_PIO_BUS : HV_MMIO_BUS,
				       zone->addr, zone->size, &z->dev);
		z->on_bus = !r;
	} else if (c->nr_off_bus >= HV_COALESCED_MAX_OFF_BUS) {
		r = -ENOSPC;
	} else {
		c->nr_off_bus++;
	}
	if (!r)
		list_add_tail(&z->link, &c->zones);
	mutex_unlock(&c->lock);
	if (r)
		kfree(z);
	return r;
}

static void hv_coalesced_zone_free(struct hv_vm *vm, struct hv_coalesced *c,
				   struct hv_coalesced_zone *z)
{
	lockdep_assert_held(&c->lock);
	/* Once it returns no vCPU is in our handler (SRCU). */
	if (z->on_bus)
		hv_io_bus_unregister(vm, z->zone.pio ? HV_PIO_BUS : HV_MMIO_BUS,
				     &z->dev);
	else
		c->nr_off_bus--;
	list_del(&z->link);
	kfree(z);
}

static int hv_coalesced_unregister(struct hv_vm *vm,
				   const struct hv_coalesced_mmio_zone *zone)
{
	struct hv_coalesced_zone *z, *tmp;
	struct hv_coalesced *c;

	if (zone->pio > 1)
		return -EINVAL;
	/* Pairs with the publication in hv_coalesced_get(). */
	c = smp_load_acquire(&vm->coalesced);
	if (!c)
		return 0;
	mutex_lock(&c->lock);
	list_for_each_entry_safe(z, tmp, &c->zones, link)
		if (z->zone.pio == zone->pio &&
		    hv_zone_holds(&z->zone, zone->addr, zone->size))
			hv_coalesced_zone_free(vm, c, z);
	mutex_unlock(&c->lock);
	return 0;
}

long hv_vm_coalesced_mmio(struct hv_vm *vm, unsigned int ioctl,
			  void __user *argp)
{
	struct hv_coalesced_mmio_zone zone;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (ioctl == HV_REGISTER_COALESCED_MMIO)
		return hv_coalesced_register(vm, &zone);
	return hv_coalesced_unregister(vm, &zone);
}

/*
 * VM teardown: no vCPU runs, no ioctl; the buses go after us
 * (hv_io_bus_destroy).  A userspace mapping of the ring keeps its own
 * reference to the page.
 */
void hv_coalesced_mmio_destroy(struct hv_vm *vm)
{
	struct hv_coalesced *c = vm->coalesced;
	struct hv_coalesced_zone *z, *tmp;

	if (!c)
		return;
	list_for_each_entry_safe(z, tmp, &c->zones, link)
		kfree(z);
	free_page((unsigned long)c->ring);
	kfree(c);
	vm->coalesced = NULL;
}
