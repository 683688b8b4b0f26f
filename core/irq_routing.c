// SPDX-License-Identifier: GPL-2.0
/*
 * HV_SET_GSI_ROUTING: the table that maps a GSI to an interrupt
 * controller's pin or to an MSI.
 *
 * Routing feeds the in-kernel irqchip (KVM_IRQ_LINE, irqfd, MSIs): on
 * x86 KVM refuses the table with -EINVAL while a VM has no in-kernel
 * irqchip (kvm_arch_can_set_irq_routing), and that is the only state
 * an hv VM can be in until the irqchip exists.  So this is KVM's
 * answer for such a VM, checks in KVM's order, and HV_CAP_IRQ_ROUTING
 * (its value: the table's size) promises no more than that.  The
 * irqchip will add the table itself here.  Documentation/abi.md.
 */
#include <linux/uaccess.h>

#include "hv.h"

long hv_vm_set_gsi_routing(struct hv_vm *vm, struct hv_irq_routing __user *arg)
{
	struct hv_irq_routing routing;

	if (copy_from_user(&routing, arg, sizeof(routing)))
		return -EFAULT;
	/* No in-kernel irqchip: nothing to route to. */
	return -EINVAL;
}
