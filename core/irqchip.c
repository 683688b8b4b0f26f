// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip's VM side: HV_CREATE_IRQCHIP, the GSI routing
 * table, interrupt lines and MSIs from userspace and from in-kernel
 * sources, acknowledgment notifiers, the PIT's ioctls, and the state of
 * the PIC and the IOAPIC.  The devices themselves are in io/ (see
 * io/irqchip.h); the vCPU side (LAPIC events, HLT, INIT/SIPI) is
 * core/halt.c.  Semantics and errnos are KVM 6.1's (arch/x86/kvm/x86.c,
 * irq_comm.c, virt/kvm/irqchip.c); Documentation/irqchip.md.
 *
 * A GSI reaches the devices only through the routing table, an array
 * sorted by GSI and replaced whole under RCU: hv_irqchip_set_irq() may
 * run in any context (hrtimers, eventfd wakeups, ioctls) and never
 * sleeps.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/bsearch.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "hv.h"
#include "io/irqchip.h"

/* One route of a GSI: a pin of an interrupt controller, or an MSI. */
struct hv_irq_route {
	u32 gsi;
	u32 type;			/* HV_IRQ_ROUTING_* */
	union {
		struct {
			u32 chip;	/* HV_IRQCHIP_* */
			u32 pin;
		} irqchip;
		struct {
			u64 address;
			u32 data;
		} msi;
	};
};

struct hv_irq_routes {
	struct rcu_head rcu;
	u32 nr;
	struct hv_irq_route e[];	/* sorted by gsi */
};

/* PIC pins 0-7 are the master's, 8-15 the slave's (KVM's numbering). */
#define HV_PIC_PINS_PER_CHIP	8

static struct hv_vm_irqchip *hv_irqchip(struct hv_vm *vm)
{
	return hv_irqchip_in_kernel(vm) ? vm->irqchip : NULL;
}

/* ---- the routing table ---- */

static int hv_route_cmp(const void *a, const void *b)
{
	const struct hv_irq_route *x = a, *y = b;

	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

/*
 * One entry from userspace, KVM's checks (kvm_set_irq_routing,
 * kvm_set_routing_entry): flags only HV_MSI_VALID_DEVID on an MSI
 * (accepted and unused), pins within the chip, no unknown type.
 */
static int hv_route_from_user(struct hv_irq_route *r,
			      const struct hv_irq_routing_entry *ue)
{
	if (ue->gsi >= HV_MAX_IRQ_ROUTES)
		return -EINVAL;
	if (ue->type == HV_IRQ_ROUTING_MSI ? ue->flags & ~HV_MSI_VALID_DEVID :
					     ue->flags)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case HV_IRQ_ROUTING_IRQCHIP:
		r->irqchip.chip = ue->u.irqchip.irqchip;
		r->irqchip.pin = ue->u.irqchip.pin;
		switch (r->irqchip.chip) {
		case HV_IRQCHIP_PIC_MASTER:
		case HV_IRQCHIP_PIC_SLAVE:
			return r->irqchip.pin < HV_PIC_PINS_PER_CHIP ? 0 :
								       -EINVAL;
		case HV_IRQCHIP_IOAPIC:
			return r->irqchip.pin < HV_IOAPIC_NR_PINS ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	case HV_IRQ_ROUTING_MSI:
		/* Without KVM_CAP_X2APIC_API's format, address_hi is ignored. */
		r->msi.address = ue->u.msi.address_lo;
		r->msi.data = ue->u.msi.data;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * A GSI may go to several interrupt controllers, each once, or to one
 * MSI alone (setup_routing_entry's rule).  @e is sorted.
 */
static bool hv_routes_valid(const struct hv_irq_route *e, u32 nr)
{
	u32 i, j;

	for (i = 0; i < nr; i = j) {
		for (j = i + 1; j < nr && e[j].gsi == e[i].gsi; j++) {
			u32 k;

			if (e[j].type != HV_IRQ_ROUTING_IRQCHIP ||
			    e[i].type != HV_IRQ_ROUTING_IRQCHIP)
				return false;
			for (k = i; k < j; k++)
				if (e[k].irqchip.chip == e[j].irqchip.chip)
					return false;
		}
	}
	return true;
}

static void hv_routes_replace(struct hv_vm_irqchip *chip,
			      struct hv_irq_routes *routes)
{
	struct hv_irq_routes *old;

	mutex_lock(&chip->routing_lock);
	old = rcu_replace_pointer(chip->routes, routes,
				  lockdep_is_held(&chip->routing_lock));
	mutex_unlock(&chip->routing_lock);
	/* Readers (any context) use RCU; the ack notifiers too. */
	if (old)
		kvfree_rcu(old, rcu);
}

/*
 * KVM's default table (kvm_setup_default_irq_routing): GSIs 0-15 to the
 * PIC pin and the IOAPIC pin of the same number, 16-23 to the IOAPIC.
 */
static struct hv_irq_routes *hv_default_routes(void)
{
	struct hv_irq_routes *routes;
	u32 gsi, n = 0;

	routes = kvzalloc(struct_size(routes, e, HV_PIC_NR_PINS +
				      HV_IOAPIC_NR_PINS), GFP_KERNEL_ACCOUNT);
	if (!routes)
		return NULL;
	for (gsi = 0; gsi < HV_IOAPIC_NR_PINS; gsi++) {
		if (gsi < HV_PIC_NR_PINS) {
			routes->e[n].gsi = gsi;
			routes->e[n].type = HV_IRQ_ROUTING_IRQCHIP;
			routes->e[n].irqchip.chip = gsi < HV_PIC_PINS_PER_CHIP ?
				HV_IRQCHIP_PIC_MASTER : HV_IRQCHIP_PIC_SLAVE;
			routes->e[n].irqchip.pin = gsi % HV_PIC_PINS_PER_CHIP;
			n++;
		}
		routes->e[n].gsi = gsi;
		routes->e[n].type = HV_IRQ_ROUTING_IRQCHIP;
		routes->e[n].irqchip.chip = HV_IRQCHIP_IOAPIC;
		routes->e[n].irqchip.pin = gsi;
		n++;
	}
	routes->nr = n;
	return routes;
}

/*
 * HV_SET_GSI_ROUTING.  KVM refuses the table with -EINVAL while a VM has
 * no in-kernel irqchip (kvm_arch_can_set_irq_routing); with one, the
 * table replaces the old one whole.
 */
long hv_vm_set_gsi_routing(struct hv_vm *vm, struct hv_irq_routing __user *arg)
{
	struct hv_vm_irqchip *chip = hv_irqchip(vm);
	struct hv_irq_routing_entry *ue = NULL;
	struct hv_irq_routing routing;
	struct hv_irq_routes *routes;
	long r;
	u32 i;

	if (copy_from_user(&routing, arg, sizeof(routing)))
		return -EFAULT;
	if (!chip || routing.nr > HV_MAX_IRQ_ROUTES || routing.flags)
		return -EINVAL;
	if (routing.nr) {
		ue = vmemdup_user(arg->entries,
				  array_size(sizeof(*ue), routing.nr));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	r = -ENOMEM;
	routes = kvzalloc(struct_size(routes, e, routing.nr),
			  GFP_KERNEL_ACCOUNT);
	if (!routes)
		goto out;
	r = -EINVAL;
	for (i = 0; i < routing.nr; i++)
		if (hv_route_from_user(&routes->e[i], &ue[i]))
			goto bad;
	routes->nr = routing.nr;
	sort(routes->e, routes->nr, sizeof(routes->e[0]), hv_route_cmp, NULL);
	if (!hv_routes_valid(routes->e, routes->nr))
		goto bad;
	hv_routes_replace(chip, routes);
	r = 0;
	goto out;
bad:
	kvfree(routes);
out:
	kvfree(ue);
	return r;
}

/* The first route of @gsi in @routes, or NULL. */
static const struct hv_irq_route *hv_route_first(const struct hv_irq_routes *routes,
						 u32 gsi)
{
	u32 lo = 0, hi = routes->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (routes->e[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < routes->nr && routes->e[lo].gsi == gsi ? &routes->e[lo] :
							      NULL;
}

/* ---- MSIs ---- */

/*
 * An MSI as the LAPICs see it (SDM 11.11.1, 11.11.2): destination in
 * address bits 19:12, logical when bit 2, redirection hint bit 3 (a
 * logical message with it goes to the lowest-priority APIC); vector,
 * delivery mode and trigger mode in the data.
 */
int hv_irqchip_deliver_msi(struct hv_vm *vm, u64 address, u32 data)
{
	struct hv_apic_irq irq = {
		.vector = data & 0xff,
		.delivery_mode = (data >> 8) & 7,
		.level = !!(data & BIT(15)),
		.logical = !!(address & BIT(2)),
		.shorthand = HV_APIC_SH_NONE,
		.dest_id = (address >> 12) & 0xff,
	};

	if (irq.logical && (address & BIT(3)) &&
	    irq.delivery_mode == HV_APIC_DM_FIXED)
		irq.delivery_mode = HV_APIC_DM_LOWEST;
	return hv_lapic_deliver(vm, NULL, &irq);
}

/* HV_SIGNAL_MSI: what the delivery returned (KVM's count, or -1). */
static long hv_vm_signal_msi(struct hv_vm *vm, struct hv_msi __user *arg)
{
	struct hv_msi msi;

	if (copy_from_user(&msi, arg, sizeof(msi)))
		return -EFAULT;
	if (!hv_irqchip(vm) || (msi.flags & ~HV_MSI_VALID_DEVID))
		return -EINVAL;
	return hv_irqchip_deliver_msi(vm, msi.address_lo, msi.data);
}

/* ---- interrupt lines ---- */

static int hv_route_set(struct hv_vm *vm, const struct hv_irq_route *e,
			int source, int level)
{
	switch (e->type) {
	case HV_IRQ_ROUTING_IRQCHIP:
		if (e->irqchip.chip == HV_IRQCHIP_IOAPIC)
			return hv_ioapic_set_irq(vm, e->irqchip.pin, source,
						 level);
		return hv_pic_set_irq(vm, e->irqchip.chip *
				      HV_PIC_PINS_PER_CHIP + e->irqchip.pin,
				      source, level);
	case HV_IRQ_ROUTING_MSI:
		/* An MSI is an edge: the falling half is nothing (kvm_set_msi). */
		if (!level)
			return -1;
		return hv_irqchip_deliver_msi(vm, e->msi.address, e->msi.data);
	default:
		return -1;
	}
}

/*
 * A GSI's level, to every route of it.  Returns as KVM_IRQ_LINE_STATUS
 * reports: < 0 ignored (masked, no route), 0 coalesced (already pending),
 * > 0 delivered; several routes add their non-negative results.
 * @line_status (KVM's RTC-coalescing hint) is not used.
 */
int hv_irqchip_set_irq(struct hv_vm *vm, int irq_source_id, u32 gsi,
		       int level, bool line_status)
{
	struct hv_vm_irqchip *chip = hv_irqchip(vm);
	const struct hv_irq_routes *routes;
	const struct hv_irq_route *e;
	int ret = -1, r;

	if (!chip)
		return -1;
	rcu_read_lock();
	routes = rcu_dereference(chip->routes);
	e = routes ? hv_route_first(routes, gsi) : NULL;
	for (; e && e < routes->e + routes->nr && e->gsi == gsi; e++) {
		r = hv_route_set(vm, e, irq_source_id, level);
		if (r >= 0)
			ret = r + (ret < 0 ? 0 : ret);
	}
	rcu_read_unlock();
	return ret;
}

/* HV_IRQ_LINE and HV_IRQ_LINE_STATUS (which writes the status back). */
static long hv_vm_irq_line(struct hv_vm *vm, struct hv_irq_level __user *arg,
			   bool with_status)
{
	struct hv_irq_level irq;

	if (copy_from_user(&irq, arg, sizeof(irq)))
		return -EFAULT;
	if (!hv_irqchip(vm))
		return -ENXIO;
	irq.status = hv_irqchip_set_irq(vm, HV_IRQ_SOURCE_USERSPACE, irq.irq,
					irq.level, with_status);
	if (with_status && copy_to_user(arg, &irq, sizeof(irq)))
		return -EFAULT;
	return 0;
}

/* ---- source ids and acknowledgment ---- */

int hv_irqchip_alloc_source_id(struct hv_vm *vm)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	unsigned long flags;
	int id;

	spin_lock_irqsave(&chip->ack_lock, flags);
	id = find_first_zero_bit(&chip->source_ids, HV_IRQ_SOURCE_MAX);
	if (id < HV_IRQ_SOURCE_MAX)
		__set_bit(id, &chip->source_ids);
	else
		id = -ENOSPC;
	spin_unlock_irqrestore(&chip->ack_lock, flags);
	return id;
}

/* The source no longer drives any line: its levels are dropped. */
void hv_irqchip_free_source_id(struct hv_vm *vm, int irq_source_id)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	unsigned long flags;

	if (irq_source_id <= HV_IRQ_SOURCE_RESAMPLE ||
	    irq_source_id >= HV_IRQ_SOURCE_MAX)
		return;
	spin_lock_irqsave(&chip->ack_lock, flags);
	__clear_bit(irq_source_id, &chip->source_ids);
	spin_unlock_irqrestore(&chip->ack_lock, flags);
	hv_pic_clear_source(vm, irq_source_id);
	hv_ioapic_clear_source(vm, irq_source_id);
}

void hv_irqchip_register_ack_notifier(struct hv_vm *vm,
				      struct hv_irq_ack_notifier *ian)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	unsigned long flags;

	spin_lock_irqsave(&chip->ack_lock, flags);
	hlist_add_head(&ian->link, &chip->ack_notifiers);
	spin_unlock_irqrestore(&chip->ack_lock, flags);
}

void hv_irqchip_unregister_ack_notifier(struct hv_vm *vm,
					struct hv_irq_ack_notifier *ian)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	unsigned long flags;

	spin_lock_irqsave(&chip->ack_lock, flags);
	hlist_del_init(&ian->link);
	spin_unlock_irqrestore(&chip->ack_lock, flags);
}

/* Whether @gsi is routed to @irqchip's @pin (a GSI has at most 3 routes). */
static bool hv_gsi_routed_to(const struct hv_irq_routes *routes, u32 gsi,
			     unsigned int irqchip, unsigned int pin)
{
	const struct hv_irq_route *e = hv_route_first(routes, gsi);

	for (; e && e < routes->e + routes->nr && e->gsi == gsi; e++)
		if (e->type == HV_IRQ_ROUTING_IRQCHIP &&
		    e->irqchip.chip == irqchip && e->irqchip.pin == pin)
			return true;
	return false;
}

/*
 * The guest acknowledged the interrupt of @irqchip's @pin: run the
 * notifiers whose GSI is routed there (PIT reinjection, irqfd
 * resample).  One pass over the notifiers, each asking the table: this
 * may run with interrupts off (the PIC's INTA at entry), and the VMM
 * chooses both how many routes point at one pin and how many notifiers
 * there are, so the work must not be their product.
 */
void hv_irqchip_ack(struct hv_vm *vm, unsigned int irqchip, unsigned int pin)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	const struct hv_irq_routes *routes;
	struct hv_irq_ack_notifier *ian;
	unsigned long flags;

	rcu_read_lock();
	routes = rcu_dereference(chip->routes);
	if (routes) {
		spin_lock_irqsave(&chip->ack_lock, flags);
		hlist_for_each_entry(ian, &chip->ack_notifiers, link)
			if (hv_gsi_routed_to(routes, ian->gsi, irqchip, pin))
				ian->acked(ian);
		spin_unlock_irqrestore(&chip->ack_lock, flags);
	}
	rcu_read_unlock();
}

/*
 * The PIC's INTR output rose.  Only a LAPIC that takes ExtINT can see
 * it; the vCPU checks at its next entry or wake-up (core/halt.c).
 */
void hv_irqchip_pic_raised(struct hv_vm *vm)
{
	struct hv_vcpu *vcpu;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, vcpu)
		if (vcpu->lapic && hv_lapic_accepts_extint(vcpu))
			hv_vcpu_kick(vcpu, HV_REQ_EVENT);
}

/* ---- HV_CREATE_IRQCHIP and teardown ---- */

static void hv_irqchip_free_devices(struct hv_vm *vm)
{
	struct hv_vm_irqchip *chip = vm->irqchip;

	if (chip->pit)
		hv_pit_free(vm);
	if (chip->ioapic)
		hv_ioapic_free(vm);
	if (chip->pic)
		hv_pic_free(vm);
}

/*
 * KVM_CREATE_IRQCHIP: the PIC, the IOAPIC and the default routing, and
 * a LAPIC for every vCPU created from now on.  Only before the first
 * vCPU (-EINVAL), once (-EEXIST).  The devices find their irqchip
 * through vm->irqchip while they are built; readers that do not hold
 * vm->lock (hv_irqchip_in_kernel) see it only once it is complete.
 */
static long hv_vm_create_irqchip(struct hv_vm *vm)
{
	struct hv_vm_irqchip *chip;
	struct hv_irq_routes *routes;
	long r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (hv_irqchip_in_kernel(vm))
		goto out;
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto out;
	r = -ENOMEM;
	chip = vm->irqchip;	/* left by a failed attempt */
	if (!chip) {
		chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
		if (!chip)
			goto out;
		chip->vm = vm;
		mutex_init(&chip->lock);
		mutex_init(&chip->routing_lock);
		spin_lock_init(&chip->ack_lock);
		INIT_HLIST_HEAD(&chip->ack_notifiers);
		/* Ids of KVM's own sources are never handed out. */
		chip->source_ids = BIT(HV_IRQ_SOURCE_USERSPACE) |
				   BIT(HV_IRQ_SOURCE_RESAMPLE);
		/* The devices find it here; not in use until ready. */
		vm->irqchip = chip;
	}
	routes = hv_default_routes();
	if (!routes)
		goto fail;
	hv_routes_replace(chip, routes);
	r = hv_pic_create(vm);
	if (r)
		goto fail;
	r = hv_ioapic_create(vm);
	if (r)
		goto fail;
	/* Pairs with the acquire in hv_irqchip_in_kernel(). */
	smp_store_release(&vm->irqchip_ready, true);
	r = 0;
	goto out;
fail:
	hv_irqchip_free_devices(vm);
	chip->pic = NULL;
	chip->ioapic = NULL;
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* VM teardown, before the vCPUs go: no device may deliver any more. */
void hv_irqchip_destroy(struct hv_vm *vm)
{
	struct hv_vm_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	/* Irqfds raise lines and unregister notifiers as they go. */
	hv_irqfd_destroy(vm);
	hv_irqchip_free_devices(vm);
	/* No reader is left: the VM has no fd, no vCPU, no device. */
	kvfree(rcu_dereference_protected(chip->routes, true));
	kfree(chip);
	vm->irqchip = NULL;
	vm->irqchip_ready = false;
}

/* ---- device state ---- */

static long hv_vm_get_irqchip(struct hv_vm *vm, struct hv_irqchip __user *arg)
{
	struct hv_irqchip *s;
	long r;

	s = memdup_user(arg, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	r = -ENXIO;
	if (!hv_irqchip(vm))
		goto out;
	r = 0;
	mutex_lock(&vm->irqchip->lock);
	switch (s->chip_id) {
	case HV_IRQCHIP_PIC_MASTER:
	case HV_IRQCHIP_PIC_SLAVE:
		hv_pic_get_state(vm, s->chip_id, &s->chip.pic);
		break;
	case HV_IRQCHIP_IOAPIC:
		hv_ioapic_get_state(vm, &s->chip.ioapic);
		break;
	default:
		r = -EINVAL;
	}
	mutex_unlock(&vm->irqchip->lock);
	if (!r && copy_to_user(arg, s, sizeof(*s)))
		r = -EFAULT;
out:
	kfree(s);
	return r;
}

static long hv_vm_set_irqchip(struct hv_vm *vm, struct hv_irqchip __user *arg)
{
	struct hv_irqchip *s;
	long r;

	s = memdup_user(arg, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	r = -ENXIO;
	if (!hv_irqchip(vm))
		goto out;
	r = 0;
	mutex_lock(&vm->irqchip->lock);
	switch (s->chip_id) {
	case HV_IRQCHIP_PIC_MASTER:
	case HV_IRQCHIP_PIC_SLAVE:
		hv_pic_set_state(vm, s->chip_id, &s->chip.pic);
		break;
	case HV_IRQCHIP_IOAPIC:
		hv_ioapic_set_state(vm, &s->chip.ioapic);
		break;
	default:
		r = -EINVAL;
	}
	mutex_unlock(&vm->irqchip->lock);
out:
	kfree(s);
	return r;
}

/* ---- the PIT ---- */

/*
 * HV_CREATE_PIT2.  KVM creates a PIT even without an irqchip, where it
 * can raise nothing; hv keeps the PIT in the irqchip and answers -ENXIO
 * there (Documentation/irqchip.md).
 */
static long hv_vm_create_pit2(struct hv_vm *vm, struct hv_pit_config __user *arg)
{
	struct hv_vm_irqchip *chip = hv_irqchip(vm);
	struct hv_pit_config config;
	long r;

	if (copy_from_user(&config, arg, sizeof(config)))
		return -EFAULT;
	if (!chip)
		return -ENXIO;
	mutex_lock(&chip->lock);
	r = -EEXIST;
	if (!chip->pit)
		r = hv_pit_create(vm, config.flags);
	mutex_unlock(&chip->lock);
	return r;
}

static struct hv_pit *hv_vm_pit(struct hv_vm *vm)
{
	struct hv_vm_irqchip *chip = hv_irqchip(vm);

	/* Pairs with the release that publishes it (hv_pit_create). */
	return chip ? smp_load_acquire(&chip->pit) : NULL;
}

static long hv_vm_pit_state(struct hv_vm *vm, unsigned int ioctl,
			    void __user *argp)
{
	struct hv_pit_state2 s;
	size_t size = ioctl == HV_GET_PIT2 || ioctl == HV_SET_PIT2 ?
		      sizeof(s) : sizeof(struct hv_pit_state);
	bool set = ioctl == HV_SET_PIT2 || ioctl == HV_SET_PIT;

	memset(&s, 0, sizeof(s));
	/* KVM reads the argument first, even for GET_PIT. */
	if ((set || ioctl == HV_GET_PIT) && copy_from_user(&s, argp, size))
		return -EFAULT;
	if (!hv_vm_pit(vm))
		return -ENXIO;
	mutex_lock(&vm->irqchip->lock);
	if (set) {
		if (ioctl == HV_SET_PIT) {
			struct hv_pit_state2 cur;

			hv_pit_get_state(vm, &cur);
			s.flags = cur.flags;
		}
		hv_pit_set_state(vm, &s);
	} else {
		hv_pit_get_state(vm, &s);
	}
	mutex_unlock(&vm->irqchip->lock);
	if (!set && copy_to_user(argp, &s, size))
		return -EFAULT;
	return 0;
}

static long hv_vm_reinject_control(struct hv_vm *vm,
				   struct hv_reinject_control __user *arg)
{
	struct hv_reinject_control control;

	if (copy_from_user(&control, arg, sizeof(control)))
		return -EFAULT;
	if (!hv_vm_pit(vm))
		return -ENXIO;
	mutex_lock(&vm->irqchip->lock);
	hv_pit_set_reinject(vm, control.pit_reinject);
	mutex_unlock(&vm->irqchip->lock);
	return 0;
}

/*
 * HV_SET_BOOT_CPU_ID: which vCPU id is the BSP (APIC base BSP flag, and
 * with an irqchip the one vCPU that starts runnable).  Only before the
 * first vCPU (-EBUSY), as KVM.
 */
static long hv_vm_set_boot_cpu_id(struct hv_vm *vm, unsigned long id)
{
	long r = -EBUSY;

	mutex_lock(&vm->lock);
	if (!vm->nr_vcpus) {
		vm->boot_vcpu_id = id;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/* ---- dispatch (from hv_vm_ioctl) ---- */

long hv_vm_irqchip_ioctl(struct hv_vm *vm, unsigned int ioctl,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case HV_CREATE_IRQCHIP:
		return hv_vm_create_irqchip(vm);
	case HV_IRQ_LINE:
		return hv_vm_irq_line(vm, argp, false);
	case HV_IRQ_LINE_STATUS:
		return hv_vm_irq_line(vm, argp, true);
	case HV_SIGNAL_MSI:
		return hv_vm_signal_msi(vm, argp);
	case HV_GET_IRQCHIP:
		return hv_vm_get_irqchip(vm, argp);
	case HV_SET_IRQCHIP:
		return hv_vm_set_irqchip(vm, argp);
	case HV_SET_GSI_ROUTING:
		return hv_vm_set_gsi_routing(vm, argp);
	case HV_CREATE_PIT2:
		return hv_vm_create_pit2(vm, argp);
	case HV_GET_PIT:
	case HV_SET_PIT:
	case HV_GET_PIT2:
	case HV_SET_PIT2:
		return hv_vm_pit_state(vm, ioctl, argp);
	case HV_REINJECT_CONTROL:
		return hv_vm_reinject_control(vm, argp);
	case HV_SET_BOOT_CPU_ID:
		return hv_vm_set_boot_cpu_id(vm, arg);
	case HV_IRQFD:
		return hv_vm_irqfd(vm, argp);
	default:
		return -ENOTTY;
	}
}
