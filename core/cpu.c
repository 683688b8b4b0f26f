// SPDX-License-Identifier: GPL-2.0
/*
 * Turning the hardware virtualization extension on and off on each CPU.
 *
 * While hv is loaded VMX/SVM is on, on every online CPU, so that a vCPU
 * thread may run on any of them.  The state follows the CPU's life:
 *
 *  - CPU hotplug: a CPU coming online is enabled before the scheduler may
 *    place ordinary tasks (vCPU threads) on it (CPUHP_AP_ONLINE_DYN runs
 *    before CPUHP_AP_ACTIVE).  Going offline it is disabled after the CPU
 *    stopped taking ordinary tasks (CPUHP_AP_ACTIVE) but before the
 *    scheduler waits for the last of them to leave it
 *    (CPUHP_AP_SCHED_WAIT_EMPTY, below the dynamic states): a vCPU thread
 *    still queued there may be switched in once more before it is pushed
 *    away, so the core loads nothing on a disabled CPU (hv_vcpu_sched_in).
 *  - suspend/resume: syscore callbacks run on the last CPU standing, after
 *    the others went through hotplug.
 *  - reboot and kexec: a CPU in VMX operation blocks INIT, and one with
 *    GIF=0 blocks it under SVM, so the reboot notifier turns virtualization
 *    off everywhere before the firmware or the next kernel takes over.
 *  - crash/emergency restart: the kernel's own emergency path calls the
 *    backend's emergency hook (see vmx/ and svm/).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/msr.h>

#include "hv.h"

static DEFINE_PER_CPU(struct hv_cpu, hv_cpus);
static int hv_cpuhp_state;

bool hv_rebooting;

/* Runs on @c's own CPU with interrupts disabled. */
static int hv_cpu_enable_irqoff(struct hv_cpu *c)
{
	int r;

	lockdep_assert_irqs_disabled();
	if (c->enabled || READ_ONCE(hv_rebooting))
		return 0;
	/* Set by the kernel when the CPU came up; the guest gets its own. */
	c->host_tsc_aux = 0;
	if (hv_host_has_tsc_aux())
		rdmsrl_safe(MSR_TSC_AUX, &c->host_tsc_aux);
	r = hv_ops->cpu_enable(c);
	if (!r)
		WRITE_ONCE(c->enabled, true);
	return r;
}

static void hv_cpu_disable_irqoff(struct hv_cpu *c)
{
	lockdep_assert_irqs_disabled();
	if (!c->enabled)
		return;
	hv_ops->cpu_disable(c);
	WRITE_ONCE(c->enabled, false);
}

/*
 * Is virtualization enabled on @cpu?  Called on @cpu itself with preemption
 * disabled: only that CPU changes its flag (or the reboot IPI, after
 * which faults are expected anyway).
 */
bool hv_cpu_enabled(int cpu)
{
	return READ_ONCE(per_cpu_ptr(&hv_cpus, cpu)->enabled);
}

/* This CPU's state; preemption disabled. */
struct hv_cpu *hv_this_cpu(void)
{
	return this_cpu_ptr(&hv_cpus);
}

/* cpuhp callbacks of the AP_ONLINE section run on @cpu itself. */
static int hv_cpu_online(unsigned int cpu)
{
	struct hv_cpu *c = per_cpu_ptr(&hv_cpus, cpu);
	unsigned long flags;
	int r;

	/*
	 * The region is kept across offline/online and freed at unload, so
	 * that resume and re-onlining never need to allocate.
	 */
	if (!c->hw_region) {
		c->hw_region = alloc_pages_node(cpu_to_node(cpu),
						GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->hw_region)
			return -ENOMEM;
	}

	local_irq_save(flags);
	r = hv_cpu_enable_irqoff(c);
	local_irq_restore(flags);
	return r;
}

static int hv_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	hv_cpu_disable_irqoff(per_cpu_ptr(&hv_cpus, cpu));
	local_irq_restore(flags);
	return 0;
}

static int hv_syscore_suspend(void)
{
	hv_cpu_disable_irqoff(this_cpu_ptr(&hv_cpus));
	return 0;
}

static void hv_syscore_resume(void)
{
	int r = hv_cpu_enable_irqoff(this_cpu_ptr(&hv_cpus));

	if (r)
		pr_err("cpu %d: re-enabling %s after resume failed (%d)\n",
		       smp_processor_id(), hv_ops->name, r);
}

static struct syscore_ops hv_syscore_ops = {
	.suspend = hv_syscore_suspend,
	.resume = hv_syscore_resume,
};

static void hv_cpu_disable_ipi(void *unused)
{
	hv_cpu_disable_irqoff(this_cpu_ptr(&hv_cpus));
}

static int hv_reboot_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	/*
	 * From here on a vCPU may find the hardware turned off under it;
	 * hv_rebooting tells the backends that such faults are expected.
	 */
	WRITE_ONCE(hv_rebooting, true);
	on_each_cpu(hv_cpu_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hv_reboot_nb = {
	.notifier_call = hv_reboot_notify,
};

static void hv_cpus_free_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct hv_cpu *c = per_cpu_ptr(&hv_cpus, cpu);

		if (c->hw_region)
			__free_page(c->hw_region);
		c->hw_region = NULL;
	}
}

int hv_cpus_init(void)
{
	int r;

	register_reboot_notifier(&hv_reboot_nb);
	register_syscore_ops(&hv_syscore_ops);

	/*
	 * Enables every online CPU now; if one fails, the ones already
	 * enabled are rolled back through hv_cpu_offline.
	 */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hv/cpu:online",
			      hv_cpu_online, hv_cpu_offline);
	if (r < 0) {
		unregister_syscore_ops(&hv_syscore_ops);
		unregister_reboot_notifier(&hv_reboot_nb);
		hv_cpus_free_regions();
		return r;
	}
	hv_cpuhp_state = r;
	return 0;
}

void hv_cpus_exit(void)
{
	cpuhp_remove_state(hv_cpuhp_state);
	unregister_syscore_ops(&hv_syscore_ops);
	unregister_reboot_notifier(&hv_reboot_nb);
	hv_cpus_free_regions();
}
