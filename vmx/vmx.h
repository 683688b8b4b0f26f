/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x backend internals.
 */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include <linux/list.h>
#include <linux/types.h>
#include <asm/vmx.h>

#include "../core/hv.h"

/* What the CPU offers, read from the capability MSRs once at load. */
struct vmx_caps {
	u64 basic;			/* IA32_VMX_BASIC */
	u32 revision_id;		/* VMCS revision identifier */
	u64 ept_vpid;			/* IA32_VMX_EPT_VPID_CAP */
	bool has_vpid;			/* VPID usable (with INVVPID) */
	bool ins_outs_info;		/* exit instruction info for INS/OUTS */
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;

	/*
	 * The controls every VMCS starts with: what hv wants, adjusted to
	 * the allowed-0/allowed-1 settings (SDM Appendix A.3-A.5).
	 */
	u32 pin, proc, proc2, exit, entry;
	unsigned long invept_type;	/* single-context, else global */
	unsigned long invvpid_type;
	bool rdtscp;			/* "enable RDTSCP" can be set */

	/* VMX-preemption timer value for one host tick, or 0: not used. */
	u32 heartbeat;
};

extern struct vmx_caps vmx_caps;

/*
 * A VMCS and where it is active.  A VMCS may be active (VMPTRLDed and not
 * VMCLEARed since) on at most one CPU, which caches its contents: before
 * it is loaded anywhere else, or freed, it must be VMCLEARed on that CPU
 * (SDM 25.11.1).  Each CPU lists the VMCSs active on it, so that they can
 * be cleared when the CPU leaves VMX operation (offline, suspend, reboot,
 * crash).
 *
 * Locking: cpu, launched and link change only on the CPU @cpu names, with
 * interrupts disabled (or, for cpu going from -1, on the loading CPU
 * after the clearing CPU's smp_wmb).
 */
struct vmx_vmcs {
	void *area;			/* [c] one page */
	u64 pa;				/* [c] */
	int cpu;			/* active there, or -1 */
	bool launched;			/* VMRESUME, not VMLAUNCH */
	struct list_head link;		/* on that CPU's list */
};

/* MSRs VT-x does not switch (SDM 28.5): swapped around each entry. */
enum {
	VMX_MSR_KERNEL_GS_BASE,
	VMX_MSR_STAR,
	VMX_MSR_LSTAR,
	VMX_MSR_CSTAR,
	VMX_MSR_SYSCALL_MASK,
	VMX_NR_SWAP_MSRS
};

extern const u32 vmx_swap_msrs[VMX_NR_SWAP_MSRS];

struct vmx_vcpu {
	struct hv_vcpu vcpu;		/* first: the core's part */
	struct vmx_vmcs vmcs;
	u16 vpid;			/* [c] 0: none */
	bool need_flush;		/* INVEPT/INVVPID before next entry */

	/*
	 * The guest's view where the VMCS holds something else (CR2, CR8
	 * and the debug registers are the core's).  CR0.TS is the guest's
	 * own (not in the CR0 guest/host mask): read it from GUEST_CR0.
	 */
	u64 cr0;			/* CR0_READ_SHADOW */
	u64 cr4;			/* CR4_READ_SHADOW */
	u64 efer;			/* GUEST_IA32_EFER */
	u64 pat;			/* GUEST_IA32_PAT if switched */
	u64 msrs[VMX_NR_SWAP_MSRS];	/* guest values of vmx_swap_msrs */

	/* The last exit, read once after it. */
	bool entry_failed;		/* VMLAUNCH/VMRESUME failed (VMfail) */
	u32 exit_reason;
	u64 exit_qual;
	u64 exit_rip;			/* RIP at the exit */
	u32 intr_state;			/* GUEST_INTERRUPTIBILITY_INFO */

	/* Host values last written to the VMCS, to skip unchanged ones. */
	struct {
		u64 cr0, cr3, cr4, fs_base;
		u16 fs_sel, gs_sel;
	} host;
};

static inline struct vmx_vcpu *to_vmx(struct hv_vcpu *vcpu)
{
	return container_of(vcpu, struct vmx_vcpu, vcpu);
}

/* vmx/vmx.c */
int vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);

/* vmx/vmenter.S: 0 after a VM exit, 1 on VM-fail, 2 if VMX is off. */
int __vmx_vcpu_run(u64 *gprs, bool resume, u64 spec_ctrl);
void vmx_vmexit(void);		/* the exit label: HOST_RIP */

/* vmx/vmcs.c */
void vmx_vmcs_setup(struct vmx_vcpu *vmx);
void vmx_vcpu_reset(struct vmx_vcpu *vmx, bool init);
void vmx_vcpu_init(struct hv_vcpu *vcpu);
void vmx_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
int vmx_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
void vmx_get_emu_state(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu);

/* vmx/event.c */
void vmx_inject_event(struct hv_vcpu *vcpu, const struct hv_event *ev);
void vmx_collect_exit_event(struct vmx_vcpu *vmx, bool entered, u32 info,
			    u32 error);
void vmx_recover_nmi_blocking(struct vmx_vcpu *vmx, u32 exit_intr_info);
u32 vmx_get_interrupt_shadow(struct hv_vcpu *vcpu);
void vmx_set_interrupt_shadow(struct hv_vcpu *vcpu, u32 shadow);
bool vmx_get_nmi_mask(struct hv_vcpu *vcpu);
void vmx_set_nmi_mask(struct hv_vcpu *vcpu, bool masked);
void vmx_enable_irq_window(struct hv_vcpu *vcpu);
void vmx_enable_nmi_window(struct hv_vcpu *vcpu);
u64 vmx_guest_cr0(struct vmx_vcpu *vmx);
int vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0);
int vmx_set_cr3(struct vmx_vcpu *vmx, u64 cr3);
int vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4);
bool vmx_long_mode_cs(struct vmx_vcpu *vmx);
int vmx_cpl(struct vmx_vcpu *vmx);

/* vmx/run.c */
int vmx_cpus_init(void);
void vmx_vcpu_load(struct hv_vcpu *vcpu, int cpu);
void vmx_vcpu_put(struct hv_vcpu *vcpu);
void vmx_vmcs_get(struct vmx_vcpu *vmx);
void vmx_vmcs_put(struct vmx_vcpu *vmx);
void vmx_vmcs_clear(struct vmx_vmcs *v);
void vmx_clear_loaded_vmcss(void);
void vmx_emergency_clear_vmcss(void);
int vmx_vcpu_enter(struct hv_vcpu *vcpu);
void vmx_flush_guest_tlb(struct hv_vcpu *vcpu);

/* vmx/exit.c */
int vmx_handle_exit(struct hv_vcpu *vcpu);

/* vmx/msr.c */
extern u64 vmx_msr_bitmap_pa;
int vmx_msr_bitmap_init(void);
void vmx_msr_bitmap_exit(void);
int vmx_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val);
int vmx_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val);
void vmx_write_tsc_offset(struct hv_vcpu *vcpu, u64 offset);
void vmx_cpuid_changed(struct hv_vcpu *vcpu);
void vmx_msr_filter_changed(struct hv_vcpu *vcpu);

#endif /* HV_VMX_VMX_H */
