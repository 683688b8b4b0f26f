/* SPDX-License-Identifier: GPL-2.0 */
/* core/guest_context.c: the kernel's bracket around guest mode. */
#ifndef HV_CORE_GUEST_CONTEXT_H
#define HV_CORE_GUEST_CONTEXT_H

void hv_guest_timing_enter_irqoff(void);
void hv_guest_timing_exit_irqoff(void);
void hv_guest_state_enter_irqoff(void);
void hv_guest_state_exit_irqoff(void);

#endif
