// SPDX-License-Identifier: GPL-2.0
/*
 * HV_IRQFD: an eventfd that raises a GSI when signalled, so that a
 * device model in another thread (vhost, a VFIO interrupt, a VMM's I/O
 * thread) interrupts the guest without an ioctl.  KVM's semantics and
 * errnos (virt/kvm/eventfd.c, Documentation/virt/kvm/api.rst 4.75):
 *
 *   - a signal is an edge on the GSI: level 1 then 0 for pins of the
 *     PIC and IOAPIC (with the userspace source id, as KVM), the
 *     message for an MSI route;
 *   - with HV_IRQFD_FLAG_RESAMPLE (level-triggered INTx) a signal
 *     asserts the GSI from the resample source and leaves it asserted;
 *     when the guest acknowledges the interrupt the line is lowered and
 *     the resamplefd is signalled, so that userspace asserts it again if
 *     its device still wants service;
 *   - the same eventfd twice in a VM is -EBUSY; unknown flags and a VM
 *     without an in-kernel irqchip are -EINVAL; deassigning what is not
 *     there succeeds;
 *   - closing the eventfd (EPOLLHUP) removes the irqfd, and so does the
 *     VM's teardown.
 *
 * Lifetimes.  The eventfd's wake-up callback runs under the eventfd's
 * wait-queue lock, possibly in hard-IRQ context: it only queues work.
 * An irqfd dies exactly once, when HV_IRQFD_DEAD is first set (by a
 * deassign, an EPOLLHUP or the VM's teardown), whoever sets it queues
 * the shutdown work on the VM's irqfd workqueue.  The shutdown takes the
 * irqfd off the eventfd's wait queue (after which no callback runs or
 * queues anything for it), waits for its injection, and only then frees
 * it.  Teardown waits until every irqfd is gone, then destroys the
 * workqueue, all before the irqchip's devices are freed.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "hv.h"
#include "io/irqchip.h"

/*
 * The VM's irqfds, allocated on the first assignment and kept until the
 * irqchip goes (hv_irqfd_destroy).
 *
 * Locking legend:
 *   [c]  constant after allocation
 *   [m]  lock (mutex): assign, deassign, shutdown, teardown
 *   [a]  atomic
 */
struct hv_irqfds {
	struct mutex lock;			/* the lists, kills */
	struct list_head list;			/* [m] struct hv_irqfd_entry */
	struct list_head resamplers;		/* [m] one per resampled GSI */
	struct workqueue_struct *wq;		/* [c] shutdowns */
	atomic_t nr;				/* [a] irqfds not yet freed */
	wait_queue_head_t gone;			/* nr dropped to 0 */
};

/*
 * The resampled irqfds of one GSI share its acknowledgment notifier and
 * the line's level from HV_IRQ_SOURCE_RESAMPLE (KVM's model: the line is
 * the OR of the devices behind it, userspace re-asserts for those still
 * pending when the resamplefds are signalled).
 *
 *   [c]  constant after creation
 *   [m]  hv_irqfds.lock
 *   [r]  lock (spinlock, irqsave): the ack notifier walks irqfds under
 *        the irqchip's ack lock, in any context
 */
struct hv_irqfd_resampler {
	struct hv_vm *vm;			/* [c] */
	struct hv_irq_ack_notifier ack;		/* [c] gsi */
	struct list_head link;			/* [m] hv_irqfds.resamplers */
	spinlock_t lock;
	struct list_head irqfds;		/* [r] */
};

/* hv_irqfd_entry.flags */
#define HV_IRQFD_DEAD		0	/* shutdown queued or done */

/*
 *   [c]  constant after assignment
 *   [m]  hv_irqfds.lock
 *   [r]  resampler->lock
 *   [a]  atomic bit operations
 */
struct hv_irqfd_entry {
	struct hv_vm *vm;			/* [c] */
	struct hv_irqfds *irqfds;		/* [c] */
	struct eventfd_ctx *eventfd;		/* [c] */
	u32 gsi;				/* [c] */
	unsigned long flags;			/* [a] HV_IRQFD_* */
	struct list_head link;			/* [m] hv_irqfds.list */

	wait_queue_entry_t wait;		/* on the eventfd's wait queue */
	wait_queue_head_t *wqh;			/* [c] which, from vfs_poll */
	poll_table pt;
	struct work_struct inject;		/* system_wq */
	struct work_struct shutdown;		/* hv_irqfds.wq */

	/* HV_IRQFD_FLAG_RESAMPLE */
	struct eventfd_ctx *resamplefd;		/* [c] or NULL */
	struct hv_irqfd_resampler *resampler;	/* [c] */
	struct list_head resample_link;		/* [r] resampler->irqfds */
};

/* ---- injection and acknowledgment ---- */

/* Process context; the irqfd lives until its shutdown has flushed us. */
static void hv_irqfd_inject(struct work_struct *work)
{
	struct hv_irqfd_entry *irqfd =
		container_of(work, struct hv_irqfd_entry, inject);

	if (irqfd->resamplefd) {
		hv_irqchip_set_irq(irqfd->vm, HV_IRQ_SOURCE_RESAMPLE,
				   irqfd->gsi, 1, false);
		return;
	}
	hv_irqchip_set_irq(irqfd->vm, HV_IRQ_SOURCE_USERSPACE, irqfd->gsi, 1,
			   false);
	hv_irqchip_set_irq(irqfd->vm, HV_IRQ_SOURCE_USERSPACE, irqfd->gsi, 0,
			   false);
}

/*
 * The guest acknowledged the GSI: lower it first, so that the IOAPIC's
 * EOI (which runs the notifiers before it clears Remote IRR) does not
 * deliver it again, then tell userspace to re-assert it if it must.
 * Under the irqchip's ack lock, interrupts off; never sleeps.
 */
static void hv_irqfd_resample_acked(struct hv_irq_ack_notifier *ian)
{
	struct hv_irqfd_resampler *rs =
		container_of(ian, struct hv_irqfd_resampler, ack);
	struct hv_irqfd_entry *irqfd;

	hv_irqchip_set_irq(rs->vm, HV_IRQ_SOURCE_RESAMPLE, ian->gsi, 0, false);
	spin_lock(&rs->lock);
	list_for_each_entry(irqfd, &rs->irqfds, resample_link)
		eventfd_signal(irqfd->resamplefd, 1);
	spin_unlock(&rs->lock);
}

/* The resampler of @irqfd's GSI, made if needed, with @irqfd in it. */
static int hv_irqfd_resampler_attach(struct hv_irqfds *irqfds,
				     struct hv_irqfd_entry *irqfd)
{
	struct hv_irqfd_resampler *rs;
	unsigned long flags;
	bool found = false;

	lockdep_assert_held(&irqfds->lock);
	list_for_each_entry(rs, &irqfds->resamplers, link) {
		if (rs->ack.gsi == irqfd->gsi) {
			found = true;
			break;
		}
	}
	if (!found) {
		rs = kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT);
		if (!rs)
			return -ENOMEM;
		rs->vm = irqfd->vm;
		rs->ack.gsi = irqfd->gsi;
		rs->ack.acked = hv_irqfd_resample_acked;
		spin_lock_init(&rs->lock);
		INIT_LIST_HEAD(&rs->irqfds);
		list_add_tail(&rs->link, &irqfds->resamplers);
		hv_irqchip_register_ack_notifier(irqfd->vm, &rs->ack);
	}
	spin_lock_irqsave(&rs->lock, flags);
	list_add_tail(&irqfd->resample_link, &rs->irqfds);
	spin_unlock_irqrestore(&rs->lock, flags);
	irqfd->resampler = rs;
	return 0;
}

/*
 * @irqfd leaves its resampler; the last one out lowers the line (nothing
 * asserts it any more) and frees the resampler, once no ack callback
 * can be running (unregistering takes the ack lock they run under).
 */
static void hv_irqfd_resampler_detach(struct hv_irqfds *irqfds,
				      struct hv_irqfd_entry *irqfd)
{
	struct hv_irqfd_resampler *rs = irqfd->resampler;
	unsigned long flags;
	bool empty;

	lockdep_assert_held(&irqfds->lock);
	spin_lock_irqsave(&rs->lock, flags);
	list_del(&irqfd->resample_link);
	empty = list_empty(&rs->irqfds);
	spin_unlock_irqrestore(&rs->lock, flags);
	if (!empty)
		return;
	hv_irqchip_unregister_ack_notifier(rs->vm, &rs->ack);
	hv_irqchip_set_irq(rs->vm, HV_IRQ_SOURCE_RESAMPLE, rs->ack.gsi, 0,
			   false);
	list_del(&rs->link);
	kfree(rs);
}

/* ---- life and death of an irqfd ---- */

/* The one caller that sets HV_IRQFD_DEAD queues the shutdown. */
static void hv_irqfd_kill(struct hv_irqfd_entry *irqfd)
{
	if (!test_and_set_bit(HV_IRQFD_DEAD, &irqfd->flags))
		queue_work(irqfd->irqfds->wq, &irqfd->shutdown);
}

static void hv_irqfd_shutdown(struct work_struct *work)
{
	struct hv_irqfd_entry *irqfd =
		container_of(work, struct hv_irqfd_entry, shutdown);
	struct hv_irqfds *irqfds = irqfd->irqfds;
	u64 cnt;

	/* From here on no wake-up callback runs for it, none is running. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	/* And so nothing queues its injection again: wait for the last. */
	flush_work(&irqfd->inject);

	mutex_lock(&irqfds->lock);
	if (irqfd->resamplefd)
		hv_irqfd_resampler_detach(irqfds, irqfd);
	list_del(&irqfd->link);
	mutex_unlock(&irqfds->lock);

	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
	/* The teardown waits for this; it then drains the workqueue. */
	if (atomic_dec_and_test(&irqfds->nr))
		wake_up(&irqfds->gone);
}

/*
 * The eventfd's wake-up: under its wait-queue lock, any context (an
 * eventfd_signal() from hard IRQ, say).  EPOLLIN: consume the count and
 * inject from process context.  EPOLLHUP: the eventfd is being released.
 * Returning 1 for EPOLLIN stops the wake-up at this (priority,
 * exclusive) waiter: the count it consumed is nobody else's.
 */
static int hv_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct hv_irqfd_entry *irqfd =
		container_of(wait, struct hv_irqfd_entry, wait);
	__poll_t events = key_to_poll(key);
	int ret = 0;
	u64 cnt;

	lockdep_assert_held(&irqfd->wqh->lock);
	if (events & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		if (!test_bit(HV_IRQFD_DEAD, &irqfd->flags))
			schedule_work(&irqfd->inject);
		ret = 1;
	}
	if (events & EPOLLHUP)
		hv_irqfd_kill(irqfd);
	return ret;
}

/* vfs_poll()'s callback: join the eventfd's wait queue, first in it. */
static void hv_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct hv_irqfd_entry *irqfd =
		container_of(pt, struct hv_irqfd_entry, pt);

	irqfd->wqh = wqh;
	add_wait_queue_priority(wqh, &irqfd->wait);
}

/*
 * The VM's irqfd state, made on first use.  Two racing first assigns
 * both allocate; one publishes, the other frees its own.
 */
static struct hv_irqfds *hv_irqfds_get(struct hv_vm_irqchip *chip)
{
	struct hv_irqfds *irqfds, *old;

	/* Pairs with the cmpxchg_release below: a published one is ready. */
	irqfds = smp_load_acquire(&chip->irqfds);
	if (irqfds)
		return irqfds;
	irqfds = kzalloc(sizeof(*irqfds), GFP_KERNEL_ACCOUNT);
	if (!irqfds)
		return NULL;
	irqfds->wq = alloc_workqueue("hv-irqfd", 0, 0);
	if (!irqfds->wq) {
		kfree(irqfds);
		return NULL;
	}
	mutex_init(&irqfds->lock);
	INIT_LIST_HEAD(&irqfds->list);
	INIT_LIST_HEAD(&irqfds->resamplers);
	atomic_set(&irqfds->nr, 0);
	init_waitqueue_head(&irqfds->gone);
	/* Pairs with the acquires: readers see it initialized. */
	old = cmpxchg_release(&chip->irqfds, NULL, irqfds);
	if (old) {
		destroy_workqueue(irqfds->wq);
		kfree(irqfds);
		return old;
	}
	return irqfds;
}

static bool hv_irqfd_eventfd_used(struct hv_irqfds *irqfds,
				  struct eventfd_ctx *eventfd)
{
	struct hv_irqfd_entry *p;

	lockdep_assert_held(&irqfds->lock);
	list_for_each_entry(p, &irqfds->list, link)
		if (p->eventfd == eventfd &&
		    !test_bit(HV_IRQFD_DEAD, &p->flags))
			return true;
	return false;
}

static int hv_irqfd_assign(struct hv_vm *vm, const struct hv_irqfd *args)
{
	struct hv_irqfd_entry *irqfd;
	struct hv_irqfds *irqfds;
	__poll_t events;
	struct fd f;
	int r;

	/* kvm_arch_irqfd_allowed: x86 wants the irqchip in the kernel. */
	if (!hv_irqchip_in_kernel(vm))
		return -EINVAL;
	irqfds = hv_irqfds_get(vm->irqchip);
	if (!irqfds)
		return -ENOMEM;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->irqfds = irqfds;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_WORK(&irqfd->inject, hv_irqfd_inject);
	INIT_WORK(&irqfd->shutdown, hv_irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, hv_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, hv_irqfd_queue_proc);

	/*
	 * The file stays referenced until we are on its wait queue, so its
	 * release (EPOLLHUP) cannot run before the irqfd is complete.
	 */
	f = fdget(args->fd);
	if (!f.file) {
		r = -EBADF;
		goto err_free;
	}
	irqfd->eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		goto err_fdput;
	}
	if (args->flags & HV_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto err_put;
		}
	}

	/*
	 * Held across vfs_poll(): a deassign can find the irqfd only once
	 * it is on the eventfd's wait queue, so its shutdown never runs
	 * before the registration it undoes.  The wake-up callback never
	 * takes this lock (it runs under the wait-queue lock vfs_poll takes
	 * inside), so there is no inversion.
	 */
	mutex_lock(&irqfds->lock);
	r = -EBUSY;
	if (hv_irqfd_eventfd_used(irqfds, irqfd->eventfd))
		goto err_unlock;
	if (irqfd->resamplefd) {
		r = hv_irqfd_resampler_attach(irqfds, irqfd);
		if (r)
			goto err_unlock;
	}
	list_add_tail(&irqfd->link, &irqfds->list);
	atomic_inc(&irqfds->nr);
	events = vfs_poll(f.file, &irqfd->pt);
	/* Signalled before it was assigned: KVM injects once at once. */
	if (events & EPOLLIN)
		schedule_work(&irqfd->inject);
	mutex_unlock(&irqfds->lock);
	fdput(f);
	return 0;

err_unlock:
	mutex_unlock(&irqfds->lock);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
err_put:
	eventfd_ctx_put(irqfd->eventfd);
err_fdput:
	fdput(f);
err_free:
	kfree(irqfd);
	return r;
}

/*
 * Kill the irqfd of this eventfd and GSI and wait for its shutdown: once
 * this returns, the eventfd raises nothing.  Nothing matching is not an
 * error (KVM).
 */
static int hv_irqfd_deassign(struct hv_vm *vm, const struct hv_irqfd *args)
{
	struct hv_vm_irqchip *chip = vm->irqchip;
	struct hv_irqfds *irqfds = NULL;
	struct eventfd_ctx *eventfd;
	struct hv_irqfd_entry *p;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	if (hv_irqchip_in_kernel(vm)) {
		/* Pairs with the publication in hv_irqfds_get(). */
		irqfds = smp_load_acquire(&chip->irqfds);
	}
	if (irqfds) {
		mutex_lock(&irqfds->lock);
		list_for_each_entry(p, &irqfds->list, link)
			if (p->eventfd == eventfd && p->gsi == args->gsi)
				hv_irqfd_kill(p);
		mutex_unlock(&irqfds->lock);
		flush_workqueue(irqfds->wq);
	}
	eventfd_ctx_put(eventfd);
	return 0;
}

long hv_vm_irqfd(struct hv_vm *vm, struct hv_irqfd __user *argp)
{
	struct hv_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(HV_IRQFD_FLAG_DEASSIGN | HV_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & HV_IRQFD_FLAG_DEASSIGN)
		return hv_irqfd_deassign(vm, &args);
	return hv_irqfd_assign(vm, &args);
}

/*
 * VM teardown, from hv_irqchip_destroy() while the devices still exist
 * (shutdowns lower resampled lines and unregister notifiers).  No ioctl
 * runs any more, but an eventfd may be closed meanwhile: its EPOLLHUP
 * may have set HV_IRQFD_DEAD and not yet queued the shutdown, so wait
 * for the count of irqfds, not for the workqueue alone; then nothing
 * can queue on it, and destroying it waits for the last shutdowns to
 * return.
 */
void hv_irqfd_destroy(struct hv_vm *vm)
{
	struct hv_irqfds *irqfds = vm->irqchip->irqfds;
	struct hv_irqfd_entry *p;

	if (!irqfds)
		return;
	mutex_lock(&irqfds->lock);
	list_for_each_entry(p, &irqfds->list, link)
		hv_irqfd_kill(p);
	mutex_unlock(&irqfds->lock);
	wait_event(irqfds->gone, !atomic_read(&irqfds->nr));
	destroy_workqueue(irqfds->wq);
	WARN_ON_ONCE(!list_empty(&irqfds->resamplers));
	kfree(irqfds);
	vm->irqchip->irqfds = NULL;
}
