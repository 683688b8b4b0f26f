/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between hv's vendor-neutral core and a hardware backend
 * (vmx/ for Intel VT-x, svm/ for AMD-V).
 *
 * The core never asks which vendor it runs on: at load it walks the list of
 * backends, keeps the first whose CPU support is present, and from then on
 * calls only through hv_ops.  Dependencies point from the backends to the
 * core, never back.
 */
#ifndef HV_CORE_BACKEND_H
#define HV_CORE_BACKEND_H

#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;
struct hv_sregs;
struct hv_emu_cpu;
struct hv_event;
struct hv_pt_format;

/*
 * Per-CPU state the core keeps for every possible CPU.  hw_region is one
 * zeroed, page-aligned page that the backend hands to the hardware when it
 * turns virtualization on (the VMXON region, or the SVM host save area).
 *
 * Locking: only touched on the owning CPU with interrupts disabled (cpuhp
 * callbacks, syscore, the reboot IPI), so no lock is needed.
 */
struct hv_cpu {
	struct page *hw_region;
	bool enabled;		/* virtualization is enabled here */
	u64 host_tsc_aux;	/* the kernel's IA32_TSC_AUX here (getcpu) */
};

struct hv_backend_ops {
	const char *name;		/* "vmx" or "svm", for messages */

	/* Does the CPU implement this vendor's extension at all (CPUID)? */
	bool (*cpu_has_extension)(void);

	/*
	 * Check every feature hv requires and read the capabilities the
	 * backend will use.  On failure print one line naming what is
	 * missing (-ENODEV) or who seems to own the hardware (-EBUSY).
	 */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);

	/*
	 * Turn virtualization on/off on the calling CPU.  Called with
	 * interrupts disabled.  cpu_enable returns -EBUSY if another
	 * hypervisor turned it on first.
	 */
	int (*cpu_enable)(struct hv_cpu *c);
	void (*cpu_disable)(struct hv_cpu *c);

	/*
	 * The guest-physical table format this hardware walks, and the
	 * depth of a VM's tables (4 or 5 levels; read at VM creation,
	 * after hardware_setup).
	 */
	const struct hv_pt_format *pt_format;
	int (*pt_levels)(void);

	/* Optional per-VM state (vm->backend). */
	int (*vm_init)(struct hv_vm *vm);
	void (*vm_destroy)(struct hv_vm *vm);

	/*
	 * vCPUs: the core allocates vcpu_size bytes, struct hv_vcpu first.
	 * vcpu_create puts the vCPU in its reset state.
	 */
	size_t vcpu_size;
	int (*vcpu_create)(struct hv_vcpu *vcpu);
	void (*vcpu_free)(struct hv_vcpu *vcpu);

	/*
	 * INIT (core/state.c, hv_vcpu_init): put the state the backend
	 * keeps in its INIT configuration (SDM Vol. 3, 10.1.1, Table 10-1):
	 * segments, descriptor tables, CR0 (keeping CD and NW), CR3, CR4,
	 * EFER, CR8, DR7, interruptibility; the other MSRs (PAT, SYSENTER,
	 * the TSC offset...) keep their values, as with KVM.  The core
	 * resets its own registers after.
	 */
	void (*vcpu_init)(struct hv_vcpu *vcpu);

	/*
	 * The vCPU's thread got onto / is leaving host CPU @cpu.  On a CPU
	 * going offline whose virtualization is already off, vcpu_put may
	 * come without vcpu_load (core/vcpu.c, hv_vcpu_sched_in).
	 */
	void (*vcpu_load)(struct hv_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct hv_vcpu *vcpu);

	/*
	 * One guest entry, in two halves around the core's entry sequence
	 * (core/run.c: hv_vcpu_enter_guest).
	 *
	 * vcpu_enter: interrupts and preemption off, the guest's FPU state
	 * loaded.  Copy vcpu->regs into the hardware's state, enter the
	 * guest, copy them back and record the exit (hw_exit[]).  Returns 0,
	 * or -errno if the hardware refused to run at all (only expected
	 * while the machine reboots).
	 *
	 * handle_exit: interrupts and preemption on again, the vCPU loaded.
	 * Handle the exit recorded.  Returns > 0 to go on running, 0 to
	 * return to userspace (vcpu->run filled), or -errno.
	 */
	int (*vcpu_enter)(struct hv_vcpu *vcpu);
	int (*handle_exit)(struct hv_vcpu *vcpu);

	/*
	 * State not kept in struct hv_vcpu (segments, control registers).
	 * set_sregs gets values core/vcpu.c has checked as KVM checks them
	 * (hv_sregs_valid) and may refuse more that its hardware cannot
	 * run; apic_base is the core's.
	 */
	void (*get_sregs)(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
	void (*get_emu_state)(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu);

	/*
	 * The MSRs whose values live in the backend's state (EFER, PAT,
	 * the SYSCALL/SYSENTER MSRs, KERNEL_GS_BASE).  core/msr.c has
	 * checked the value: set_msr only stores it.  -EINVAL for an MSR
	 * the backend does not keep.
	 */
	int (*get_msr)(struct hv_vcpu *vcpu, u32 msr, u64 *val);
	int (*set_msr)(struct hv_vcpu *vcpu, u32 msr, u64 val);
	/* IA32_UCODE_REV of a new vCPU: KVM's value on this vendor. */
	u64 ucode_rev;
	/*
	 * The IA32_MCG_CAP bits this vendor's CPUs define: a VMM's value
	 * (HV_X86_SETUP_MCE) and the default keep only these, as KVM.
	 */
	u64 mcg_cap_bits;
	/* The guest's TSC is the host's plus @offset (core/msr.c's). */
	void (*write_tsc_offset)(struct hv_vcpu *vcpu, u64 offset);
	/* Optional: HV_SET_CPUID2 changed what the guest may run (RDTSCP). */
	void (*cpuid_changed)(struct hv_vcpu *vcpu);
	/*
	 * The VM's MSR filter changed (core/msr_filter.c): an MSR the
	 * backend lets the guest reach without an exit must exit from now
	 * on if hv_msrs_allowed() no longer allows it.  Called by the
	 * vCPU's thread before an entry.
	 */
	void (*msr_filter_changed)(struct hv_vcpu *vcpu);

	/*
	 * Deliver @ev at the next entry (interrupts off, just before
	 * vcpu_enter; core/event.c picks it).  vcpu_enter then reports in
	 * vcpu->exit_event whether the guest ran and which event, if any,
	 * the exit interrupted; the core re-queues it.
	 */
	void (*inject_event)(struct hv_vcpu *vcpu, const struct hv_event *ev);

	/*
	 * What holds events back (core/event.c decides with it).  The
	 * interrupt shadow after STI or MOV SS (HV_SHADOW_* bits, KVM's
	 * KVM_X86_SHADOW_INT_*), and NMIs blocked until the guest's IRET
	 * after an NMI.  Read and written with the vCPU loaded.
	 */
	u32 (*get_interrupt_shadow)(struct hv_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct hv_vcpu *vcpu, u32 shadow);
	bool (*get_nmi_mask)(struct hv_vcpu *vcpu);
	void (*set_nmi_mask)(struct hv_vcpu *vcpu, bool masked);

	/*
	 * Interrupts off, before an entry: make the guest exit as soon as
	 * it can take an external interrupt (RFLAGS.IF set, no shadow), or
	 * an NMI.  The backend turns the window off again when it exits
	 * for it; the core asks anew before every entry that needs it.
	 */
	void (*enable_irq_window)(struct hv_vcpu *vcpu);
	void (*enable_nmi_window)(struct hv_vcpu *vcpu);

	/* Guest-physical mappings changed: no stale TLB entry may be used. */
	void (*flush_guest_tlb)(struct hv_vcpu *vcpu);
};

/* The backend chosen at load.  Read-only after module init. */
extern const struct hv_backend_ops *hv_ops;

/*
 * A backend brought up in stages may enable virtualization before it can
 * run guests: then vCPUs are refused and their capabilities read 0.
 */
static inline bool hv_backend_runs_guests(void)
{
	return hv_ops->vcpu_enter && hv_ops->pt_format;
}

extern const struct hv_backend_ops vmx_backend_ops;
extern const struct hv_backend_ops svm_backend_ops;

/* Set once the machine is going down: VMX/SVM faults are then expected. */
extern bool hv_rebooting;

#endif /* HV_CORE_BACKEND_H */
