// SPDX-License-Identifier: GPL-2.0
/*
 * hv module entry: choose the hardware backend, turn virtualization on
 * everywhere, and publish /dev/hv.  Teardown mirrors init in reverse.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/preempt.h>

#include "hv.h"

const struct hv_backend_ops *hv_ops;

/* Tried in order; the first whose extension the CPU has is used. */
static const struct hv_backend_ops *const hv_backends[] = {
	&vmx_backend_ops,
	&svm_backend_ops,
};

static const struct hv_backend_ops *hv_pick_backend(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(hv_backends); i++)
		if (hv_backends[i]->cpu_has_extension())
			return hv_backends[i];
	return NULL;
}

static int __init hv_init(void)
{
	int r;

	hv_ops = hv_pick_backend();
	if (!hv_ops) {
		pr_err("CPU has neither VT-x nor AMD-V (no vmx/svm CPUID flag)\n");
		return -ENODEV;
	}

	r = hv_fpu_init();
	if (r)
		return r;
	hv_cpuid_init();
	r = hv_spec_init();
	if (r)
		return r;

	r = hv_ops->hardware_setup();
	if (r)
		goto err_spec;

	r = hv_cpus_init();
	if (r)
		goto err_unsetup;

	/* vCPUs follow their threads through preempt notifiers. */
	preempt_notifier_inc();

	r = hv_dev_init();
	if (r)
		goto err_cpus;

	pr_info("%s backend enabled on %u CPUs\n", hv_ops->name,
		num_online_cpus());
	return 0;

err_cpus:
	preempt_notifier_dec();
	hv_cpus_exit();
err_unsetup:
	hv_ops->hardware_unsetup();
err_spec:
	hv_spec_exit();
	return r;
}

static void __exit hv_exit(void)
{
	hv_dev_exit();
	preempt_notifier_dec();
	hv_cpus_exit();
	hv_ops->hardware_unsetup();
	hv_spec_exit();
}

module_init(hv_init);
module_exit(hv_exit);

MODULE_DESCRIPTION("hv: a hypervisor with KVM's ABI");
MODULE_LICENSE("GPL");
