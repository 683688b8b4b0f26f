// SPDX-License-Identifier: GPL-2.0
/*
 * HV_CHECK_EXTENSION: which KVM capabilities hv implements.
 *
 * A capability is listed here only once the code behind it is complete and
 * a selftest exercises it (selftests/caps.c refuses to pass otherwise).
 * Every other number answers 0, as KVM does for ones it does not know.
 */
#include <linux/cpumask.h>
#include <linux/minmax.h>

#include "hv.h"

/* @vm is NULL when asked on /dev/hv, the VM otherwise. */
long hv_check_extension(struct hv_vm *vm, unsigned long cap)
{
	switch (cap) {
	case HV_CAP_NR_VCPUS:
	case HV_CAP_MAX_VCPUS:
	case HV_CAP_MAX_VCPU_ID:
	case HV_CAP_IMMEDIATE_EXIT:
	case HV_CAP_EXT_CPUID:
	case HV_CAP_XCRS:
	case HV_CAP_SYNC_MMU:
	case HV_CAP_XSAVE:
	case HV_CAP_XSAVE2:
	case HV_CAP_DEBUGREGS:
	case HV_CAP_MP_STATE:
	case HV_CAP_GET_TSC_KHZ:
	case HV_CAP_USER_NMI:
	case HV_CAP_VCPU_EVENTS:
	case HV_CAP_INTR_SHADOW:
	case HV_CAP_IRQCHIP:
	case HV_CAP_HLT:
	case HV_CAP_IRQFD:
	case HV_CAP_IRQFD_RESAMPLE:
	case HV_CAP_TSC_DEADLINE_TIMER:
		if (!hv_backend_runs_guests())
			return 0;
		break;
	}

	switch (cap) {
	case HV_CAP_USER_MEMORY:
	case HV_CAP_DESTROY_MEMORY_REGION_WORKS:
	case HV_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case HV_CAP_READONLY_MEM:
	case HV_CAP_CHECK_EXTENSION_VM:
	case HV_CAP_IMMEDIATE_EXIT:
	case HV_CAP_EXT_CPUID:		/* GET_SUPPORTED_CPUID, SET/GET_CPUID2 */
	case HV_CAP_XCRS:		/* GET/SET_XCRS */
	/* GET_MSR_FEATURE_INDEX_LIST and GET_MSRS on /dev/hv (core/msr.c) */
	case HV_CAP_GET_MSR_FEATURES:
		return 1;
	/* HV_GET_STATS_FD on VMs and vCPUs: exits by reason (core/stats.c) */
	case HV_CAP_BINARY_STATS_FD:
		return 1;
	/*
	 * Slot memory is not pinned: the MMU notifier (mmu/mmu.c) drops a
	 * guest mapping before the host changes the page behind it, and the
	 * next guest access maps the new one (selftests/coherence: THP
	 * split and collapse, migration, swap, under a running vCPU too).
	 */
	case HV_CAP_SYNC_MMU:
		return 1;
	/*
	 * Events with a userspace irqchip (core/event.c, selftests/events):
	 * HV_NMI, HV_GET/SET_VCPU_EVENTS, the interrupt shadow in them.
	 */
	case HV_CAP_USER_NMI:
	case HV_CAP_VCPU_EVENTS:
	case HV_CAP_INTR_SHADOW:
		return 1;
	case HV_CAP_NR_VCPUS:		/* recommended: one per host CPU */
		return min_t(long, num_online_cpus(), HV_MAX_VCPUS);
	case HV_CAP_MAX_VCPUS:
		return HV_MAX_VCPUS;
	case HV_CAP_MAX_VCPU_ID:
		return HV_MAX_VCPU_ID;
	case HV_CAP_NR_MEMSLOTS:
		return HV_USER_MEMSLOTS;
	/* vCPU and VM state (core/fpu.c, core/state.c, core/vm_state.c) */
	case HV_CAP_XSAVE:		/* GET/SET_XSAVE (and GET/SET_FPU) */
	case HV_CAP_DEBUGREGS:
	case HV_CAP_MP_STATE:		/* all of x86's with an irqchip */
	case HV_CAP_GET_TSC_KHZ:	/* TSC_CONTROL stays 0: no scaling */
	case HV_CAP_SET_TSS_ADDR:
	case HV_CAP_MMU_SHADOW_CACHE_CONTROL:	/* accepted, bounds nothing */
	case HV_CAP_SET_IDENTITY_MAP_ADDR:
	case HV_CAP_ENABLE_CAP_VM:	/* HV_CAP_MAX_VCPU_ID can be enabled */
		return 1;
	/*
	 * The in-kernel irqchip and PIT (Documentation/irqchip.md):
	 * HV_CREATE_IRQCHIP, HLT in the kernel, HV_IRQ_LINE(_STATUS), GSI
	 * routing, MSIs, the PIT and its state and reinjection policy.
	 */
	case HV_CAP_IRQCHIP:
	case HV_CAP_HLT:
	case HV_CAP_IRQ_INJECT_STATUS:
	case HV_CAP_SET_BOOT_CPU_ID:
	case HV_CAP_SIGNAL_MSI:
	case HV_CAP_PIT2:
	case HV_CAP_PIT_STATE2:
	case HV_CAP_REINJECT_CONTROL:
		return 1;
	/* Eventfds that raise GSIs, and resampled levels (core/irqfd.c). */
	case HV_CAP_IRQFD:
	case HV_CAP_IRQFD_RESAMPLE:
		return 1;
	/*
	 * The LAPIC timer's TSC-deadline mode (io/lapic.c), for a guest
	 * whose CPUID.1:ECX[24] the VMM sets: as KVM, not in
	 * HV_GET_SUPPORTED_CPUID (selftests/lapic_timer).
	 */
	case HV_CAP_TSC_DEADLINE_TIMER:
		return 1;
	case HV_CAP_IRQ_ROUTING:
		return HV_MAX_IRQ_ROUTES;
	case HV_CAP_IOEVENTFD:		/* core/ioeventfd.c, port and MMIO */
	case HV_CAP_IOEVENTFD_NO_LENGTH:
	case HV_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	/* core/coalesced_mmio.c: the ring's page in the vCPU mmap */
	case HV_CAP_COALESCED_MMIO:
		return HV_COALESCED_MMIO_PAGE_OFFSET;
	case HV_CAP_COALESCED_PIO:
		return 1;
	case HV_CAP_XSAVE2:		/* bytes HV_GET_XSAVE2 writes */
		return hv_fpu_uabi_size();
	case HV_CAP_MCE:		/* core/mce.c: banks HV_X86_SETUP_MCE takes */
		return HV_MAX_MCE_BANKS;
	/* core/msr_filter.c */
	case HV_CAP_X86_USER_SPACE_MSR:
	case HV_CAP_X86_MSR_FILTER:
		return 1;
	case HV_CAP_ADJUST_CLOCK:	/* the flags HV_GET_CLOCK returns */
		return HV_CLOCK_REALTIME | HV_CLOCK_HOST_TSC;
	default:
		return 0;
	}
}
