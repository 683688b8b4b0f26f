// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's bracket around guest mode, as kvm.ko uses it: context
 * tracking (with nohz_full, guest mode is an RCU extended quiescent
 * state; otherwise each entry reports a quiescent state), lockdep's and
 * the irq tracer's view that interrupts are on while the guest runs, and
 * guest-time accounting (PF_VCPU, so a tick taken in guest mode counts
 * as guest time in /proc/stat).  The kernel keeps these as inlines in
 * <linux/kvm_host.h>, which only this file includes: the rest of hv has
 * its own names and does not need kvm.ko's.
 *
 * Between hv_guest_state_enter_irqoff() and hv_guest_state_exit_irqoff()
 * only the entry itself may run: no RCU, tracing or lockdep.
 */
#include <linux/kvm_host.h>

#include "guest_context.h"

/* Interrupts off; before the backend's entry.  Pairs with ..._exit. */
void hv_guest_timing_enter_irqoff(void)
{
	guest_timing_enter_irqoff();
}

/*
 * Interrupts off, after a host interrupt that made the guest exit has
 * been taken (so that its tick counted as guest time).
 */
void hv_guest_timing_exit_irqoff(void)
{
	guest_timing_exit_irqoff();
}

/* Right before VMRUN / VMLAUNCH / VMRESUME, interrupts off. */
noinstr void hv_guest_state_enter_irqoff(void)
{
	guest_state_enter_irqoff();
}

/* Right after the exit, interrupts off again. */
noinstr void hv_guest_state_exit_irqoff(void)
{
	guest_state_exit_irqoff();
}
