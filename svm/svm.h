/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V backend internals.
 */
#ifndef HV_SVM_SVM_H
#define HV_SVM_SVM_H

#include <linux/types.h>
#include <asm/svm.h>

#include "../core/hv.h"

/* What the CPU offers, read once at load (CPUID Fn8000_000A). */
struct svm_caps {
	u32 features;		/* EDX: NP, NRIPS, decode assists, ... */
	u32 nr_asids;		/* EBX */
};

extern struct svm_caps svm_caps;

/*
 * Per-CPU state.  ASIDs are handed out per CPU in generations: a vCPU
 * keeps its ASID while it stays on the CPU and the generation does not
 * change; running out starts a new generation with a full TLB flush, so
 * an ASID is never reused while a stale translation may carry it.
 */
struct svm_cpu {
	struct page *host_save;	/* VMSAVE area for the host's state */
	u64 host_save_pa;
	u64 asid_generation;
	u32 next_asid;
};

/* Physical addresses of the permission maps every vCPU shares. */
extern u64 svm_iopm_pa, svm_msrpm_pa;

struct svm_vcpu {
	struct hv_vcpu vcpu;		/* first: the core's part */
	struct vmcb *vmcb;
	u64 vmcb_pa;

	u32 asid;
	u64 asid_generation;		/* 0: get a new ASID on next entry */
	int asid_cpu;

	/* The guest's view where the VMCB holds something else. */
	u64 cr4;			/* VMCB: + host's CR4.MCE */
	u64 efer;			/* VMCB: + EFER.SVME */

	u64 exit_rip;			/* RIP at the last exit */
	/*
	 * NMI blocking, which SVM does not track for an injected NMI: set
	 * when one is injected, with IRET intercepted; the guest's IRET
	 * exits before it executes (awaiting_iret, at iret_rip), and the
	 * block ends once RIP moved past it.  An NMI window while the
	 * IRET or a shadow is pending single-steps the guest
	 * (nmi_singlestep; the guest's own TF/RF in singlestep_rflags).
	 */
	bool nmi_masked;
	bool awaiting_iret;
	u64 iret_rip;
	bool nmi_singlestep;
	u64 singlestep_rflags;
};

static inline struct svm_vcpu *to_svm(struct hv_vcpu *vcpu)
{
	return container_of(vcpu, struct svm_vcpu, vcpu);
}

/* svm/vmenter.S */
void svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa, u64 spec_ctrl);

/* svm/vmcb.c */
void svm_vmcb_reset(struct svm_vcpu *svm);
void svm_vcpu_init(struct hv_vcpu *vcpu);
void svm_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
int svm_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
void svm_get_emu_state(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu);
void svm_intercept(struct vmcb *vmcb, int bit);
void svm_clr_intercept(struct vmcb *vmcb, int bit);

/* svm/event.c */
void svm_inject_event(struct hv_vcpu *vcpu, const struct hv_event *ev);
void svm_collect_exit_event(struct svm_vcpu *svm);
u32 svm_get_interrupt_shadow(struct hv_vcpu *vcpu);
void svm_set_interrupt_shadow(struct hv_vcpu *vcpu, u32 shadow);
bool svm_get_nmi_mask(struct hv_vcpu *vcpu);
void svm_set_nmi_mask(struct hv_vcpu *vcpu, bool masked);
void svm_enable_irq_window(struct hv_vcpu *vcpu);
void svm_disable_irq_window(struct svm_vcpu *svm);
void svm_enable_nmi_window(struct hv_vcpu *vcpu);
void svm_nmi_iret_done(struct svm_vcpu *svm);
bool svm_nmi_singlestep_done(struct svm_vcpu *svm);
void svm_set_cr4(struct svm_vcpu *svm, u64 cr4);
void svm_cpuid_changed(struct hv_vcpu *vcpu);

/* svm/run.c */
int svm_vcpu_enter(struct hv_vcpu *vcpu);
void svm_vcpu_load(struct hv_vcpu *vcpu, int cpu);
void svm_vcpu_put(struct hv_vcpu *vcpu);
void svm_flush_guest_tlb(struct hv_vcpu *vcpu);
int svm_cpus_init(void);
void svm_cpus_exit(void);

/* svm/exit.c */
int svm_handle_exit(struct hv_vcpu *vcpu);

/* svm/msr.c */
int svm_msrpm_init(void);
void svm_msrpm_exit(void);
int svm_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val);
int svm_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val);
void svm_write_tsc_offset(struct hv_vcpu *vcpu, u64 offset);
void svm_msr_filter_changed(struct hv_vcpu *vcpu);

/* svm/movcr.c: MOV to/from CRn/DRn, decoded without decode assists */
int svm_handle_mov_cr_dr(struct svm_vcpu *svm);

#endif /* HV_SVM_SVM_H */
