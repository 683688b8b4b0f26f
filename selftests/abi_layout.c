// SPDX-License-Identifier: GPL-2.0
/*
 * uapi/linux/hv.h describes KVM's ABI: every number and structure layout
 * in it equals the one in the system's <linux/kvm.h>.  The values compared
 * are compile-time facts, so this runs the same on any device.
 */
#include <stddef.h>

#include <linux/kvm.h>

#include "lib/test.h"

static int mismatches;

static void same(long hv, long kvm, const char *what)
{
	if (hv != kvm) {
		ktap_info("%s: hv %ld, kvm %ld", what, hv, kvm);
		mismatches++;
	}
}

#define SAME(h, k)		same((long)(h), (long)(k), #h)
#define SAME_FIELD(hs, ks, f)						\
	do {								\
		same(offsetof(struct hs, f), offsetof(struct ks, f),	\
		     #hs "." #f " offset");				\
		same(sizeof(((struct hs *)0)->f),			\
		     sizeof(((struct ks *)0)->f), #hs "." #f " size");	\
	} while (0)

static void group(const char *name)
{
	ktap_result(!mismatches, "%s match <linux/kvm.h>", name);
	mismatches = 0;
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);

	SAME(HV_API_VERSION, KVM_API_VERSION);
	SAME(HV_GET_API_VERSION, KVM_GET_API_VERSION);
	SAME(HV_CREATE_VM, KVM_CREATE_VM);
	SAME(HV_CHECK_EXTENSION, KVM_CHECK_EXTENSION);
	SAME(HV_GET_VCPU_MMAP_SIZE, KVM_GET_VCPU_MMAP_SIZE);
	SAME(HV_CREATE_VCPU, KVM_CREATE_VCPU);
	SAME(HV_SET_USER_MEMORY_REGION, KVM_SET_USER_MEMORY_REGION);
	SAME(HV_RUN, KVM_RUN);
	SAME(HV_GET_REGS, KVM_GET_REGS);
	SAME(HV_SET_REGS, KVM_SET_REGS);
	SAME(HV_GET_SREGS, KVM_GET_SREGS);
	SAME(HV_SET_SREGS, KVM_SET_SREGS);
	SAME(HV_SET_SIGNAL_MASK, KVM_SET_SIGNAL_MASK);
	SAME(HV_GET_SUPPORTED_CPUID, KVM_GET_SUPPORTED_CPUID);
	SAME(HV_SET_CPUID2, KVM_SET_CPUID2);
	SAME(HV_GET_CPUID2, KVM_GET_CPUID2);
	SAME(HV_GET_XCRS, KVM_GET_XCRS);
	SAME(HV_SET_XCRS, KVM_SET_XCRS);
	SAME(HV_GET_MSR_INDEX_LIST, KVM_GET_MSR_INDEX_LIST);
	SAME(HV_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST);
	SAME(HV_GET_MSRS, KVM_GET_MSRS);
	SAME(HV_SET_MSRS, KVM_SET_MSRS);
	SAME(HV_GET_FPU, KVM_GET_FPU);
	SAME(HV_SET_FPU, KVM_SET_FPU);
	SAME(HV_GET_XSAVE, KVM_GET_XSAVE);
	SAME(HV_SET_XSAVE, KVM_SET_XSAVE);
	SAME(HV_GET_XSAVE2, KVM_GET_XSAVE2);
	SAME(HV_GET_STATS_FD, KVM_GET_STATS_FD);
	SAME(HV_GET_DEBUGREGS, KVM_GET_DEBUGREGS);
	SAME(HV_SET_DEBUGREGS, KVM_SET_DEBUGREGS);
	SAME(HV_GET_MP_STATE, KVM_GET_MP_STATE);
	SAME(HV_SET_MP_STATE, KVM_SET_MP_STATE);
	SAME(HV_GET_TSC_KHZ, KVM_GET_TSC_KHZ);
	SAME(HV_SET_TSC_KHZ, KVM_SET_TSC_KHZ);
	SAME(HV_ENABLE_CAP, KVM_ENABLE_CAP);
	SAME(HV_SET_TSS_ADDR, KVM_SET_TSS_ADDR);
	SAME(HV_SET_IDENTITY_MAP_ADDR, KVM_SET_IDENTITY_MAP_ADDR);
	SAME(HV_SET_NR_MMU_PAGES, KVM_SET_NR_MMU_PAGES);
	SAME(HV_GET_NR_MMU_PAGES, KVM_GET_NR_MMU_PAGES);
	SAME(HV_CREATE_IRQCHIP, KVM_CREATE_IRQCHIP);
	SAME(HV_IRQ_LINE, KVM_IRQ_LINE);
	SAME(HV_GET_IRQCHIP, KVM_GET_IRQCHIP);
	SAME(HV_SET_IRQCHIP, KVM_SET_IRQCHIP);
	SAME(HV_IRQ_LINE_STATUS, KVM_IRQ_LINE_STATUS);
	SAME(HV_SIGNAL_MSI, KVM_SIGNAL_MSI);
	SAME(HV_IRQFD, KVM_IRQFD);
	SAME(HV_SET_BOOT_CPU_ID, KVM_SET_BOOT_CPU_ID);
	SAME(HV_CREATE_PIT2, KVM_CREATE_PIT2);
	SAME(HV_GET_PIT, KVM_GET_PIT);
	SAME(HV_SET_PIT, KVM_SET_PIT);
	SAME(HV_GET_PIT2, KVM_GET_PIT2);
	SAME(HV_SET_PIT2, KVM_SET_PIT2);
	SAME(HV_REINJECT_CONTROL, KVM_REINJECT_CONTROL);
	SAME(HV_GET_LAPIC, KVM_GET_LAPIC);
	SAME(HV_SET_LAPIC, KVM_SET_LAPIC);
	SAME(HV_SET_VAPIC_ADDR, KVM_SET_VAPIC_ADDR);
	SAME(sizeof(struct hv_vapic_addr), sizeof(struct kvm_vapic_addr));
	SAME(HV_GET_CLOCK, KVM_GET_CLOCK);
	SAME(HV_SET_CLOCK, KVM_SET_CLOCK);
	SAME(HV_SET_GSI_ROUTING, KVM_SET_GSI_ROUTING);
	SAME(HV_IOEVENTFD, KVM_IOEVENTFD);
	SAME(HV_REGISTER_COALESCED_MMIO, KVM_REGISTER_COALESCED_MMIO);
	SAME(HV_UNREGISTER_COALESCED_MMIO, KVM_UNREGISTER_COALESCED_MMIO);
	SAME(HV_X86_SET_MSR_FILTER, KVM_X86_SET_MSR_FILTER);
	SAME(HV_X86_SETUP_MCE, KVM_X86_SETUP_MCE);
	SAME(HV_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_GET_MCE_CAP_SUPPORTED);
	SAME(HV_X86_SET_MCE, KVM_X86_SET_MCE);
	group("ioctl numbers");

	SAME(HV_CAP_USER_MEMORY, KVM_CAP_USER_MEMORY);
	SAME(HV_CAP_EXT_CPUID, KVM_CAP_EXT_CPUID);
	SAME(HV_CAP_XCRS, KVM_CAP_XCRS);
	SAME(HV_MAX_XCRS, KVM_MAX_XCRS);
	SAME(HV_CAP_MULTI_ADDRESS_SPACE, KVM_CAP_MULTI_ADDRESS_SPACE);
	SAME(HV_CPUID_FLAG_SIGNIFCANT_INDEX, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	SAME(HV_CAP_NR_VCPUS, KVM_CAP_NR_VCPUS);
	SAME(HV_CAP_NR_MEMSLOTS, KVM_CAP_NR_MEMSLOTS);
	SAME(HV_CAP_SYNC_MMU, KVM_CAP_SYNC_MMU);
	SAME(HV_CAP_DESTROY_MEMORY_REGION_WORKS, KVM_CAP_DESTROY_MEMORY_REGION_WORKS);
	SAME(HV_CAP_JOIN_MEMORY_REGIONS_WORKS, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS);
	SAME(HV_CAP_INTERNAL_ERROR_DATA, KVM_CAP_INTERNAL_ERROR_DATA);
	SAME(HV_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPUS);
	SAME(HV_CAP_READONLY_MEM, KVM_CAP_READONLY_MEM);
	SAME(HV_CAP_CHECK_EXTENSION_VM, KVM_CAP_CHECK_EXTENSION_VM);
	SAME(HV_CAP_MAX_VCPU_ID, KVM_CAP_MAX_VCPU_ID);
	SAME(HV_CAP_IMMEDIATE_EXIT, KVM_CAP_IMMEDIATE_EXIT);
	SAME(HV_CAP_GET_MSR_FEATURES, KVM_CAP_GET_MSR_FEATURES);
	SAME(HV_CAP_IRQ_ROUTING, KVM_CAP_IRQ_ROUTING);
	SAME(HV_CAP_IOEVENTFD, KVM_CAP_IOEVENTFD);
	SAME(HV_CAP_IOEVENTFD_NO_LENGTH, KVM_CAP_IOEVENTFD_NO_LENGTH);
	SAME(HV_CAP_IOEVENTFD_ANY_LENGTH, KVM_CAP_IOEVENTFD_ANY_LENGTH);
	SAME(HV_IOEVENTFD_FLAG_DATAMATCH, KVM_IOEVENTFD_FLAG_DATAMATCH);
	SAME(HV_IOEVENTFD_FLAG_PIO, KVM_IOEVENTFD_FLAG_PIO);
	SAME(HV_IOEVENTFD_FLAG_DEASSIGN, KVM_IOEVENTFD_FLAG_DEASSIGN);
	SAME(HV_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY);
	SAME(HV_IOEVENTFD_VALID_FLAGS, KVM_IOEVENTFD_VALID_FLAG_MASK);
	SAME(HV_MAX_IRQ_ROUTES, 4096);	/* KVM_MAX_IRQ_ROUTES, kernel-internal */
	SAME(HV_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_IRQCHIP);
	SAME(HV_IRQ_ROUTING_MSI, KVM_IRQ_ROUTING_MSI);
	SAME(HV_CAP_SET_TSS_ADDR, KVM_CAP_SET_TSS_ADDR);
	SAME(HV_CAP_MMU_SHADOW_CACHE_CONTROL, KVM_CAP_MMU_SHADOW_CACHE_CONTROL);
	SAME(HV_CAP_IRQCHIP, KVM_CAP_IRQCHIP);
	SAME(HV_CAP_HLT, KVM_CAP_HLT);
	SAME(HV_CAP_MCE, KVM_CAP_MCE);
	SAME(sizeof(struct hv_x86_mce), sizeof(struct kvm_x86_mce));
	SAME_FIELD(hv_x86_mce, kvm_x86_mce, mcg_status);
	SAME_FIELD(hv_x86_mce, kvm_x86_mce, bank);
	SAME(HV_CAP_X86_USER_SPACE_MSR, KVM_CAP_X86_USER_SPACE_MSR);
	SAME(HV_CAP_X86_MSR_FILTER, KVM_CAP_X86_MSR_FILTER);
	SAME(HV_EXIT_X86_RDMSR, KVM_EXIT_X86_RDMSR);
	SAME(HV_EXIT_X86_WRMSR, KVM_EXIT_X86_WRMSR);
	SAME(HV_MSR_EXIT_REASON_INVAL, KVM_MSR_EXIT_REASON_INVAL);
	SAME(HV_MSR_EXIT_REASON_UNKNOWN, KVM_MSR_EXIT_REASON_UNKNOWN);
	SAME(HV_MSR_EXIT_REASON_FILTER, KVM_MSR_EXIT_REASON_FILTER);
	SAME(HV_MSR_FILTER_READ, KVM_MSR_FILTER_READ);
	SAME(HV_MSR_FILTER_WRITE, KVM_MSR_FILTER_WRITE);
	SAME(HV_MSR_FILTER_DEFAULT_ALLOW, KVM_MSR_FILTER_DEFAULT_ALLOW);
	SAME(HV_MSR_FILTER_DEFAULT_DENY, KVM_MSR_FILTER_DEFAULT_DENY);
	SAME(HV_MSR_FILTER_MAX_RANGES, KVM_MSR_FILTER_MAX_RANGES);
	SAME(HV_MSR_FILTER_MAX_BITMAP_SIZE, KVM_MSR_FILTER_MAX_BITMAP_SIZE);
	SAME(sizeof(struct hv_msr_filter), sizeof(struct kvm_msr_filter));
	SAME_FIELD(hv_msr_filter, kvm_msr_filter, ranges);
	SAME(sizeof(struct hv_msr_filter_range), sizeof(struct kvm_msr_filter_range));
	SAME_FIELD(hv_msr_filter_range, kvm_msr_filter_range, nmsrs);
	SAME_FIELD(hv_msr_filter_range, kvm_msr_filter_range, base);
	SAME_FIELD(hv_msr_filter_range, kvm_msr_filter_range, bitmap);
	SAME_FIELD(hv_run, kvm_run, msr.error);
	SAME_FIELD(hv_run, kvm_run, msr.reason);
	SAME_FIELD(hv_run, kvm_run, msr.index);
	SAME_FIELD(hv_run, kvm_run, msr.data);
	SAME(HV_CAP_PIT, KVM_CAP_PIT);
	SAME(HV_CAP_REINJECT_CONTROL, KVM_CAP_REINJECT_CONTROL);
	SAME(HV_CAP_IRQ_INJECT_STATUS, KVM_CAP_IRQ_INJECT_STATUS);
	SAME(HV_CAP_IRQFD, KVM_CAP_IRQFD);
	SAME(HV_CAP_PIT2, KVM_CAP_PIT2);
	SAME(HV_CAP_SET_BOOT_CPU_ID, KVM_CAP_SET_BOOT_CPU_ID);
	SAME(HV_CAP_PIT_STATE2, KVM_CAP_PIT_STATE2);
	SAME(HV_CAP_TSC_DEADLINE_TIMER, KVM_CAP_TSC_DEADLINE_TIMER);
	SAME(HV_CAP_SIGNAL_MSI, KVM_CAP_SIGNAL_MSI);
	SAME(HV_CAP_IRQFD_RESAMPLE, KVM_CAP_IRQFD_RESAMPLE);
	SAME(HV_CAP_COALESCED_MMIO, KVM_CAP_COALESCED_MMIO);
	SAME(HV_CAP_COALESCED_PIO, KVM_CAP_COALESCED_PIO);
	SAME(HV_COALESCED_MMIO_PAGE_OFFSET, KVM_COALESCED_MMIO_PAGE_OFFSET);
	SAME(HV_CAP_X2APIC_API, KVM_CAP_X2APIC_API);
	SAME(HV_CAP_MP_STATE, KVM_CAP_MP_STATE);
	SAME(HV_CAP_SET_IDENTITY_MAP_ADDR, KVM_CAP_SET_IDENTITY_MAP_ADDR);
	SAME(HV_CAP_ADJUST_CLOCK, KVM_CAP_ADJUST_CLOCK);
	SAME(HV_CAP_DEBUGREGS, KVM_CAP_DEBUGREGS);
	SAME(HV_CAP_ENABLE_CAP, KVM_CAP_ENABLE_CAP);
	SAME(HV_CAP_XSAVE, KVM_CAP_XSAVE);
	SAME(HV_CAP_TSC_CONTROL, KVM_CAP_TSC_CONTROL);
	SAME(HV_CAP_GET_TSC_KHZ, KVM_CAP_GET_TSC_KHZ);
	SAME(HV_CAP_ENABLE_CAP_VM, KVM_CAP_ENABLE_CAP_VM);
	SAME(HV_CAP_XSAVE2, KVM_CAP_XSAVE2);
	SAME(HV_CAP_BINARY_STATS_FD, KVM_CAP_BINARY_STATS_FD);
	SAME(HV_CAP_VM_TSC_CONTROL, KVM_CAP_VM_TSC_CONTROL);
	SAME(HV_MP_STATE_RUNNABLE, KVM_MP_STATE_RUNNABLE);
	SAME(HV_MP_STATE_UNINITIALIZED, KVM_MP_STATE_UNINITIALIZED);
	SAME(HV_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_INIT_RECEIVED);
	SAME(HV_MP_STATE_HALTED, KVM_MP_STATE_HALTED);
	SAME(HV_MP_STATE_SIPI_RECEIVED, KVM_MP_STATE_SIPI_RECEIVED);
	SAME(HV_MP_STATE_AP_RESET_HOLD, KVM_MP_STATE_AP_RESET_HOLD);
	SAME(HV_CLOCK_TSC_STABLE, KVM_CLOCK_TSC_STABLE);
	SAME(HV_CLOCK_REALTIME, KVM_CLOCK_REALTIME);
	SAME(HV_CLOCK_HOST_TSC, KVM_CLOCK_HOST_TSC);
	SAME(HV_MEM_LOG_DIRTY_PAGES, KVM_MEM_LOG_DIRTY_PAGES);
	SAME(HV_MEM_READONLY, KVM_MEM_READONLY);
	group("capability and flag numbers");

	SAME(HV_EXIT_UNKNOWN, KVM_EXIT_UNKNOWN);
	SAME(HV_EXIT_EXCEPTION, KVM_EXIT_EXCEPTION);
	SAME(HV_EXIT_IO, KVM_EXIT_IO);
	SAME(HV_EXIT_HYPERCALL, KVM_EXIT_HYPERCALL);
	SAME(HV_EXIT_DEBUG, KVM_EXIT_DEBUG);
	SAME(HV_EXIT_HLT, KVM_EXIT_HLT);
	SAME(HV_EXIT_MMIO, KVM_EXIT_MMIO);
	SAME(HV_EXIT_IRQ_WINDOW_OPEN, KVM_EXIT_IRQ_WINDOW_OPEN);
	SAME(HV_EXIT_SHUTDOWN, KVM_EXIT_SHUTDOWN);
	SAME(HV_EXIT_FAIL_ENTRY, KVM_EXIT_FAIL_ENTRY);
	SAME(HV_EXIT_INTR, KVM_EXIT_INTR);
	SAME(HV_EXIT_INTERNAL_ERROR, KVM_EXIT_INTERNAL_ERROR);
	SAME(HV_EXIT_SYSTEM_EVENT, KVM_EXIT_SYSTEM_EVENT);
	SAME(HV_EXIT_IO_IN, KVM_EXIT_IO_IN);
	SAME(HV_EXIT_IO_OUT, KVM_EXIT_IO_OUT);
	SAME(HV_INTERNAL_ERROR_EMULATION, KVM_INTERNAL_ERROR_EMULATION);
	SAME(HV_INTERNAL_ERROR_SIMUL_EX, KVM_INTERNAL_ERROR_SIMUL_EX);
	SAME(HV_INTERNAL_ERROR_DELIVERY_EV, KVM_INTERNAL_ERROR_DELIVERY_EV);
	SAME(HV_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
	     KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
	group("exit reasons");

	SAME(sizeof(struct hv_userspace_memory_region),
	     sizeof(struct kvm_userspace_memory_region));
	SAME_FIELD(hv_userspace_memory_region, kvm_userspace_memory_region, slot);
	SAME_FIELD(hv_userspace_memory_region, kvm_userspace_memory_region, flags);
	SAME_FIELD(hv_userspace_memory_region, kvm_userspace_memory_region, guest_phys_addr);
	SAME_FIELD(hv_userspace_memory_region, kvm_userspace_memory_region, memory_size);
	SAME_FIELD(hv_userspace_memory_region, kvm_userspace_memory_region, userspace_addr);
	group("struct hv_userspace_memory_region");

	SAME(sizeof(struct hv_regs), sizeof(struct kvm_regs));
	SAME_FIELD(hv_regs, kvm_regs, rax);
	SAME_FIELD(hv_regs, kvm_regs, r15);
	SAME_FIELD(hv_regs, kvm_regs, rip);
	SAME_FIELD(hv_regs, kvm_regs, rflags);
	SAME(sizeof(struct hv_segment), sizeof(struct kvm_segment));
	SAME_FIELD(hv_segment, kvm_segment, limit);
	SAME_FIELD(hv_segment, kvm_segment, selector);
	SAME_FIELD(hv_segment, kvm_segment, type);
	SAME_FIELD(hv_segment, kvm_segment, avl);
	SAME_FIELD(hv_segment, kvm_segment, unusable);
	SAME(sizeof(struct hv_dtable), sizeof(struct kvm_dtable));
	SAME(sizeof(struct hv_sregs), sizeof(struct kvm_sregs));
	SAME_FIELD(hv_sregs, kvm_sregs, tr);
	SAME_FIELD(hv_sregs, kvm_sregs, gdt);
	SAME_FIELD(hv_sregs, kvm_sregs, idt);
	SAME_FIELD(hv_sregs, kvm_sregs, cr0);
	SAME_FIELD(hv_sregs, kvm_sregs, efer);
	SAME_FIELD(hv_sregs, kvm_sregs, apic_base);
	SAME_FIELD(hv_sregs, kvm_sregs, interrupt_bitmap);
	SAME(sizeof(struct hv_signal_mask), sizeof(struct kvm_signal_mask));
	SAME(sizeof(struct hv_cpuid_entry2), sizeof(struct kvm_cpuid_entry2));
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, function);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, index);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, flags);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, eax);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, ebx);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, ecx);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, edx);
	SAME_FIELD(hv_cpuid_entry2, kvm_cpuid_entry2, padding);
	SAME(sizeof(struct hv_cpuid2), sizeof(struct kvm_cpuid2));
	SAME_FIELD(hv_cpuid2, kvm_cpuid2, nent);
	same(offsetof(struct hv_cpuid2, entries), offsetof(struct kvm_cpuid2, entries),
	     "hv_cpuid2.entries offset");
	SAME(sizeof(struct hv_xcr), sizeof(struct kvm_xcr));
	SAME_FIELD(hv_xcr, kvm_xcr, xcr);
	SAME_FIELD(hv_xcr, kvm_xcr, value);
	SAME(sizeof(struct hv_xcrs), sizeof(struct kvm_xcrs));
	SAME_FIELD(hv_xcrs, kvm_xcrs, nr_xcrs);
	SAME_FIELD(hv_xcrs, kvm_xcrs, flags);
	SAME_FIELD(hv_xcrs, kvm_xcrs, xcrs);
	SAME_FIELD(hv_xcrs, kvm_xcrs, padding);
	SAME(sizeof(struct hv_msr_entry), sizeof(struct kvm_msr_entry));
	SAME_FIELD(hv_msr_entry, kvm_msr_entry, index);
	SAME_FIELD(hv_msr_entry, kvm_msr_entry, reserved);
	SAME_FIELD(hv_msr_entry, kvm_msr_entry, data);
	SAME(sizeof(struct hv_msrs), sizeof(struct kvm_msrs));
	SAME_FIELD(hv_msrs, kvm_msrs, nmsrs);
	SAME_FIELD(hv_msrs, kvm_msrs, pad);
	SAME(offsetof(struct hv_msrs, entries), offsetof(struct kvm_msrs, entries));
	SAME(sizeof(struct hv_msr_list), sizeof(struct kvm_msr_list));
	SAME_FIELD(hv_msr_list, kvm_msr_list, nmsrs);
	SAME(offsetof(struct hv_msr_list, indices),
	     offsetof(struct kvm_msr_list, indices));
	SAME(sizeof(struct hv_fpu), sizeof(struct kvm_fpu));
	SAME_FIELD(hv_fpu, kvm_fpu, fpr);
	SAME_FIELD(hv_fpu, kvm_fpu, fcw);
	SAME_FIELD(hv_fpu, kvm_fpu, fsw);
	SAME_FIELD(hv_fpu, kvm_fpu, ftwx);
	SAME_FIELD(hv_fpu, kvm_fpu, last_opcode);
	SAME_FIELD(hv_fpu, kvm_fpu, last_ip);
	SAME_FIELD(hv_fpu, kvm_fpu, last_dp);
	SAME_FIELD(hv_fpu, kvm_fpu, xmm);
	SAME_FIELD(hv_fpu, kvm_fpu, mxcsr);
	SAME(sizeof(struct hv_xsave), sizeof(struct kvm_xsave));
	SAME_FIELD(hv_xsave, kvm_xsave, region);
	SAME(sizeof(struct hv_debugregs), sizeof(struct kvm_debugregs));
	SAME_FIELD(hv_debugregs, kvm_debugregs, db);
	SAME_FIELD(hv_debugregs, kvm_debugregs, dr6);
	SAME_FIELD(hv_debugregs, kvm_debugregs, dr7);
	SAME_FIELD(hv_debugregs, kvm_debugregs, flags);
	SAME_FIELD(hv_debugregs, kvm_debugregs, reserved);
	SAME(sizeof(struct hv_mp_state), sizeof(struct kvm_mp_state));
	SAME(sizeof(struct hv_clock_data), sizeof(struct kvm_clock_data));
	SAME_FIELD(hv_clock_data, kvm_clock_data, clock);
	SAME_FIELD(hv_clock_data, kvm_clock_data, flags);
	SAME_FIELD(hv_clock_data, kvm_clock_data, realtime);
	SAME_FIELD(hv_clock_data, kvm_clock_data, host_tsc);
	SAME_FIELD(hv_clock_data, kvm_clock_data, pad);
	SAME(sizeof(struct hv_stats_header), sizeof(struct kvm_stats_header));
	SAME_FIELD(hv_stats_header, kvm_stats_header, flags);
	SAME_FIELD(hv_stats_header, kvm_stats_header, name_size);
	SAME_FIELD(hv_stats_header, kvm_stats_header, num_desc);
	SAME_FIELD(hv_stats_header, kvm_stats_header, id_offset);
	SAME_FIELD(hv_stats_header, kvm_stats_header, desc_offset);
	SAME_FIELD(hv_stats_header, kvm_stats_header, data_offset);
	SAME(sizeof(struct hv_stats_desc), sizeof(struct kvm_stats_desc));
	SAME_FIELD(hv_stats_desc, kvm_stats_desc, flags);
	SAME_FIELD(hv_stats_desc, kvm_stats_desc, exponent);
	SAME_FIELD(hv_stats_desc, kvm_stats_desc, size);
	SAME_FIELD(hv_stats_desc, kvm_stats_desc, offset);
	SAME_FIELD(hv_stats_desc, kvm_stats_desc, bucket_size);
	SAME(offsetof(struct hv_stats_desc, name), offsetof(struct kvm_stats_desc, name));
	SAME(HV_STATS_TYPE_LOG_HIST, KVM_STATS_TYPE_LOG_HIST);
	SAME(HV_STATS_UNIT_BOOLEAN, KVM_STATS_UNIT_BOOLEAN);
	SAME(HV_STATS_UNIT_SECONDS, KVM_STATS_UNIT_SECONDS);
	SAME(HV_STATS_BASE_POW2, KVM_STATS_BASE_POW2);
	SAME(sizeof(struct hv_irq_routing), sizeof(struct kvm_irq_routing));
	SAME(sizeof(struct hv_ioeventfd), sizeof(struct kvm_ioeventfd));
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, datamatch);
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, addr);
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, len);
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, fd);
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, flags);
	SAME_FIELD(hv_ioeventfd, kvm_ioeventfd, pad);
	SAME_FIELD(hv_irq_routing, kvm_irq_routing, nr);
	SAME_FIELD(hv_irq_routing, kvm_irq_routing, flags);
	SAME(sizeof(struct hv_irq_routing_entry),
	     sizeof(struct kvm_irq_routing_entry));
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, gsi);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, type);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, flags);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, u);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, u.irqchip.pin);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, u.msi.data);
	SAME_FIELD(hv_irq_routing_entry, kvm_irq_routing_entry, u.msi.devid);
	SAME(sizeof(struct hv_irq_level), sizeof(struct kvm_irq_level));
	SAME_FIELD(hv_irq_level, kvm_irq_level, irq);
	SAME_FIELD(hv_irq_level, kvm_irq_level, status);
	SAME_FIELD(hv_irq_level, kvm_irq_level, level);
	SAME(sizeof(struct hv_pic_state), sizeof(struct kvm_pic_state));
	SAME_FIELD(hv_pic_state, kvm_pic_state, priority_add);
	SAME_FIELD(hv_pic_state, kvm_pic_state, init4);
	SAME_FIELD(hv_pic_state, kvm_pic_state, elcr_mask);
	SAME(sizeof(struct hv_ioapic_state), sizeof(struct kvm_ioapic_state));
	SAME_FIELD(hv_ioapic_state, kvm_ioapic_state, base_address);
	SAME_FIELD(hv_ioapic_state, kvm_ioapic_state, irr);
	SAME_FIELD(hv_ioapic_state, kvm_ioapic_state, redirtbl);
	SAME_FIELD(hv_ioapic_state, kvm_ioapic_state, redirtbl[23].bits);
	SAME_FIELD(hv_ioapic_state, kvm_ioapic_state, redirtbl[0].fields.dest_id);
	SAME(HV_IOAPIC_NUM_PINS, KVM_IOAPIC_NUM_PINS);
	SAME(HV_IRQCHIP_IOAPIC, KVM_IRQCHIP_IOAPIC);
	SAME(sizeof(struct hv_irqchip), sizeof(struct kvm_irqchip));
	SAME_FIELD(hv_irqchip, kvm_irqchip, chip_id);
	SAME_FIELD(hv_irqchip, kvm_irqchip, chip);
	SAME(sizeof(struct hv_lapic_state), sizeof(struct kvm_lapic_state));
	SAME(sizeof(struct hv_msi), sizeof(struct kvm_msi));
	SAME_FIELD(hv_msi, kvm_msi, data);
	SAME_FIELD(hv_msi, kvm_msi, flags);
	SAME_FIELD(hv_msi, kvm_msi, devid);
	SAME(HV_MSI_VALID_DEVID, KVM_MSI_VALID_DEVID);
	SAME(sizeof(struct hv_irqfd), sizeof(struct kvm_irqfd));
	SAME(sizeof(struct hv_coalesced_mmio_zone),
	     sizeof(struct kvm_coalesced_mmio_zone));
	SAME_FIELD(hv_coalesced_mmio_zone, kvm_coalesced_mmio_zone, addr);
	SAME_FIELD(hv_coalesced_mmio_zone, kvm_coalesced_mmio_zone, size);
	SAME_FIELD(hv_coalesced_mmio_zone, kvm_coalesced_mmio_zone, pad);
	SAME_FIELD(hv_coalesced_mmio_zone, kvm_coalesced_mmio_zone, pio);
	SAME(sizeof(struct hv_coalesced_mmio), sizeof(struct kvm_coalesced_mmio));
	SAME_FIELD(hv_coalesced_mmio, kvm_coalesced_mmio, phys_addr);
	SAME_FIELD(hv_coalesced_mmio, kvm_coalesced_mmio, len);
	SAME_FIELD(hv_coalesced_mmio, kvm_coalesced_mmio, pio);
	SAME_FIELD(hv_coalesced_mmio, kvm_coalesced_mmio, data);
	SAME(sizeof(struct hv_coalesced_mmio_ring),
	     sizeof(struct kvm_coalesced_mmio_ring));
	SAME_FIELD(hv_coalesced_mmio_ring, kvm_coalesced_mmio_ring, first);
	SAME_FIELD(hv_coalesced_mmio_ring, kvm_coalesced_mmio_ring, last);
	SAME(offsetof(struct hv_coalesced_mmio_ring, coalesced_mmio),
	     offsetof(struct kvm_coalesced_mmio_ring, coalesced_mmio));
	SAME_FIELD(hv_irqfd, kvm_irqfd, resamplefd);
	SAME(HV_IRQFD_FLAG_RESAMPLE, KVM_IRQFD_FLAG_RESAMPLE);
	SAME(sizeof(struct hv_pit_config), sizeof(struct kvm_pit_config));
	SAME(HV_PIT_SPEAKER_DUMMY, KVM_PIT_SPEAKER_DUMMY);
	SAME(sizeof(struct hv_pit_channel_state),
	     sizeof(struct kvm_pit_channel_state));
	SAME_FIELD(hv_pit_channel_state, kvm_pit_channel_state, gate);
	SAME_FIELD(hv_pit_channel_state, kvm_pit_channel_state,
		   count_load_time);
	SAME(sizeof(struct hv_pit_state), sizeof(struct kvm_pit_state));
	SAME(sizeof(struct hv_pit_state2), sizeof(struct kvm_pit_state2));
	SAME_FIELD(hv_pit_state2, kvm_pit_state2, flags);
	SAME(HV_PIT_FLAGS_SPEAKER_DATA_ON, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	SAME(sizeof(struct hv_reinject_control),
	     sizeof(struct kvm_reinject_control));
	SAME(sizeof(struct hv_enable_cap), sizeof(struct kvm_enable_cap));
	SAME_FIELD(hv_enable_cap, kvm_enable_cap, cap);
	SAME_FIELD(hv_enable_cap, kvm_enable_cap, flags);
	SAME_FIELD(hv_enable_cap, kvm_enable_cap, args);
	SAME_FIELD(hv_enable_cap, kvm_enable_cap, pad);
	group("register structures");

	SAME(sizeof(struct hv_run), sizeof(struct kvm_run));
	SAME_FIELD(hv_run, kvm_run, immediate_exit);
	SAME_FIELD(hv_run, kvm_run, exit_reason);
	SAME_FIELD(hv_run, kvm_run, if_flag);
	SAME_FIELD(hv_run, kvm_run, flags);
	SAME_FIELD(hv_run, kvm_run, cr8);
	SAME_FIELD(hv_run, kvm_run, apic_base);
	SAME_FIELD(hv_run, kvm_run, hw);
	SAME_FIELD(hv_run, kvm_run, fail_entry);
	SAME_FIELD(hv_run, kvm_run, ex);
	SAME_FIELD(hv_run, kvm_run, io);
	SAME_FIELD(hv_run, kvm_run, io.data_offset);
	SAME_FIELD(hv_run, kvm_run, debug);
	SAME_FIELD(hv_run, kvm_run, mmio);
	SAME_FIELD(hv_run, kvm_run, mmio.len);
	SAME_FIELD(hv_run, kvm_run, mmio.is_write);
	SAME_FIELD(hv_run, kvm_run, internal);
	SAME_FIELD(hv_run, kvm_run, internal.data);
	SAME_FIELD(hv_run, kvm_run, system_event.type);
	SAME_FIELD(hv_run, kvm_run, system_event.ndata);
	same(offsetof(struct hv_run, valid_regs),
	     offsetof(struct kvm_run, kvm_valid_regs), "hv_run.valid_regs offset");
	same(offsetof(struct hv_run, s), offsetof(struct kvm_run, s), "hv_run.s offset");
	group("struct hv_run");

	/* Events (core/event.c). */
	SAME(HV_INTERRUPT, KVM_INTERRUPT);
	SAME(HV_NMI, KVM_NMI);
	SAME(HV_GET_VCPU_EVENTS, KVM_GET_VCPU_EVENTS);
	SAME(HV_SET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS);
	SAME(HV_CAP_USER_NMI, KVM_CAP_USER_NMI);
	SAME(HV_CAP_VCPU_EVENTS, KVM_CAP_VCPU_EVENTS);
	SAME(HV_CAP_INTR_SHADOW, KVM_CAP_INTR_SHADOW);
	SAME(HV_VCPUEVENT_VALID_NMI_PENDING, KVM_VCPUEVENT_VALID_NMI_PENDING);
	SAME(HV_VCPUEVENT_VALID_SIPI_VECTOR, KVM_VCPUEVENT_VALID_SIPI_VECTOR);
	SAME(HV_VCPUEVENT_VALID_SHADOW, KVM_VCPUEVENT_VALID_SHADOW);
	SAME(HV_VCPUEVENT_VALID_SMM, KVM_VCPUEVENT_VALID_SMM);
	SAME(HV_VCPUEVENT_VALID_PAYLOAD, KVM_VCPUEVENT_VALID_PAYLOAD);
	SAME(HV_VCPUEVENT_VALID_TRIPLE_FAULT, KVM_VCPUEVENT_VALID_TRIPLE_FAULT);
	SAME(HV_X86_SHADOW_INT_MOV_SS, KVM_X86_SHADOW_INT_MOV_SS);
	SAME(HV_X86_SHADOW_INT_STI, KVM_X86_SHADOW_INT_STI);
	SAME(sizeof(struct hv_interrupt), sizeof(struct kvm_interrupt));
	SAME(sizeof(struct hv_vcpu_events), sizeof(struct kvm_vcpu_events));
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, exception);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, exception.error_code);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, interrupt);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, nmi);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, sipi_vector);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, flags);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, smi);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, triple_fault);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, exception_has_payload);
	SAME_FIELD(hv_vcpu_events, kvm_vcpu_events, exception_payload);
	group("events");

	ktap_end();
}
