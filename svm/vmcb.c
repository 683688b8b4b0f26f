// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCB: a vCPU's reset state and intercepts, conversion between the
 * VMCB and hv's register ABI, and event injection.
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <linux/bits.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/tlbflush.h>

#include "svm.h"

/* APM Vol. 2, 15.11: a default PAT for the guest, as at reset. */
#define SVM_DEFAULT_GPAT	0x0007040600070406ULL

void svm_intercept(struct vmcb *vmcb, int bit)
{
	vmcb->control.intercepts[bit / 32] |= BIT(bit % 32);
}

void svm_clr_intercept(struct vmcb *vmcb, int bit)
{
	vmcb->control.intercepts[bit / 32] &= ~BIT(bit % 32);
}

/* The exits hv needs; anything else the guest may do directly. */
static const int svm_intercepts[] = {
	INTERCEPT_CR4_READ, INTERCEPT_CR4_WRITE,
	/* QEMU's emulated SVM can abort on an un-intercepted CR8 write. */
	INTERCEPT_CR8_WRITE,
	/* Guest DR0-3 must not reach the host's breakpoint registers. */
	INTERCEPT_DR0_READ, INTERCEPT_DR1_READ, INTERCEPT_DR2_READ,
	INTERCEPT_DR3_READ, INTERCEPT_DR4_READ, INTERCEPT_DR5_READ,
	INTERCEPT_DR6_READ, INTERCEPT_DR7_READ,
	INTERCEPT_DR0_WRITE, INTERCEPT_DR1_WRITE, INTERCEPT_DR2_WRITE,
	INTERCEPT_DR3_WRITE, INTERCEPT_DR4_WRITE, INTERCEPT_DR5_WRITE,
	INTERCEPT_DR6_WRITE, INTERCEPT_DR7_WRITE,
	/*
	 * #DB and #AC are reflected back: intercepting them keeps a guest
	 * from wedging the CPU in an endless exception delivery loop
	 * (CVE-2015-5307, CVE-2015-8104).
	 */
	INTERCEPT_EXCEPTION_OFFSET + DB_VECTOR,
	INTERCEPT_EXCEPTION_OFFSET + AC_VECTOR,
	/*
	 * A machine check is the host's: without the intercept it would
	 * go to the guest's IDT and the host would never see it (APM Vol.
	 * 2, 15.12: exceptions are delivered to the guest unless
	 * intercepted).  svm/exit.c hands it to the host's handler.
	 */
	INTERCEPT_EXCEPTION_OFFSET + MC_VECTOR,
	/* Host interrupts and NMIs make the guest exit at once. */
	INTERCEPT_INTR, INTERCEPT_NMI,
	INTERCEPT_CPUID, INTERCEPT_HLT, INTERCEPT_IOIO_PROT,
	INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN, INTERCEPT_TASK_SWITCH,
	INTERCEPT_INVD, INTERCEPT_WBINVD, INTERCEPT_RDPMC, INTERCEPT_RSM,
	INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_XSETBV,
	INTERCEPT_RDPRU,
	/*
	 * RDTSCP raises #UD unless the guest's CPUID has it (as VT-x does
	 * without "enable RDTSCP"): svm_cpuid_changed lifts the intercept.
	 */
	INTERCEPT_RDTSCP,
	/* SVM itself is not offered to guests: these raise #UD. */
	INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
	INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI, INTERCEPT_SKINIT,
	INTERCEPT_INVLPGA,
};

/* Real-address mode at the reset vector, as KVM presents a new vCPU. */
static void svm_init_seg(struct vmcb_seg *seg, u16 attrib)
{
	seg->selector = 0;
	seg->attrib = attrib;
	seg->limit = 0xffff;
	seg->base = 0;
}

/* RDTSCP runs in the guest iff its CPUID has it (core/msr.c says). */
static void svm_update_rdtscp(struct svm_vcpu *svm)
{
	u32 *word = &svm->vmcb->control.intercepts[INTERCEPT_RDTSCP / 32];

	if (svm->vcpu.msr.rdtscp)
		*word &= ~BIT(INTERCEPT_RDTSCP % 32);
	else
		*word |= BIT(INTERCEPT_RDTSCP % 32);
}

void svm_cpuid_changed(struct hv_vcpu *vcpu)
{
	svm_update_rdtscp(to_svm(vcpu));
}

void svm_set_cr4(struct svm_vcpu *svm, u64 cr4)
{
	svm->cr4 = cr4;
	/* CR4.MCE=0 would turn a host machine check into a shutdown. */
	svm->vmcb->save.cr4 = cr4 | (cr4_read_shadow() & X86_CR4_MCE);
}

/*
 * INIT state of what the VMCB holds (SDM 10.1.1; APM Vol. 2, 14.1.3):
 * segments, descriptor tables, CR0 (keeping CD and NW), CR3, CR4, CR8,
 * EFER, DR6/DR7, no interrupt shadow or pending injection.  The MSRs it
 * holds (PAT, the SYSCALL/SYSENTER MSRs, the TSC offset) keep their
 * values, as with KVM's INIT.
 */
static void svm_vmcb_init_state(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *save = &vmcb->save;
	struct vmcb_control_area *ctl = &vmcb->control;
	const u16 data = SVM_SELECTOR_P_MASK | SVM_SELECTOR_S_MASK |
			 SVM_SELECTOR_WRITE_MASK;

	ctl->int_ctl = V_INTR_MASKING_MASK;	/* host IF rules host IRQs; TPR 0 */
	ctl->int_state = 0;
	ctl->event_inj = 0;
	svm->asid_generation = 0;		/* new ASID, clean TLB */
	svm->nmi_masked = false;		/* INIT unblocks NMIs */
	svm->awaiting_iret = false;
	svm->nmi_singlestep = false;

	svm_init_seg(&save->es, data);
	svm_init_seg(&save->ss, data);
	svm_init_seg(&save->ds, data);
	svm_init_seg(&save->fs, data);
	svm_init_seg(&save->gs, data);
	svm_init_seg(&save->cs, SVM_SELECTOR_READ_MASK | SVM_SELECTOR_P_MASK |
				SVM_SELECTOR_S_MASK | SVM_SELECTOR_CODE_MASK);
	save->cs.selector = 0xf000;
	save->cs.base = 0xffff0000;
	svm_init_seg(&save->gdtr, 0);
	svm_init_seg(&save->idtr, 0);
	svm_init_seg(&save->ldtr, SVM_SELECTOR_P_MASK | HV_SEG_TYPE_LDT);
	svm_init_seg(&save->tr, SVM_SELECTOR_P_MASK | HV_SEG_TYPE_BUSY_TSS16);

	save->efer = EFER_SVME;			/* VMRUN requires it */
	save->cr0 = X86_CR0_ET | (save->cr0 & (X86_CR0_NW | X86_CR0_CD));
	save->cr3 = 0;
	svm_set_cr4(svm, 0);
	save->cpl = 0;
	save->dr6 = HV_DR6_INIT;
	save->dr7 = HV_DR7_INIT;
	save->rflags = X86_EFLAGS_FIXED;
	save->rip = 0xfff0;
}

/* Power-on state: a VMCB with hv's intercepts, in the reset state. */
void svm_vmcb_reset(struct svm_vcpu *svm)
{
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_control_area *ctl = &vmcb->control;
	int i;

	memset(vmcb, 0, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(svm_intercepts); i++)
		svm_intercept(vmcb, svm_intercepts[i]);
	ctl->iopm_base_pa = svm_iopm_pa;
	ctl->msrpm_base_pa = svm_msrpm_pa;
	ctl->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	ctl->nested_cr3 = svm->vcpu.vm->mmu.root_pa;
	/* The TSC offset is the core's (core/msr.c); RDTSCP follows CPUID. */
	ctl->tsc_offset = svm->vcpu.msr.tsc_offset;
	svm_update_rdtscp(svm);
	vmcb->save.g_pat = SVM_DEFAULT_GPAT;
	vmcb->save.cr0 = X86_CR0_NW | X86_CR0_CD;	/* set at power-on */
	svm_vmcb_init_state(svm);
}

/* ops->vcpu_init: INIT (core/state.c, hv_vcpu_init). */
void svm_vcpu_init(struct hv_vcpu *vcpu)
{
	svm_vmcb_init_state(to_svm(vcpu));
}

/* ---- segments: VMCB attributes (APM Vol. 2, 15.5.1) <-> hv_segment ---- */

static struct vmcb_seg *svm_seg(struct vmcb *vmcb, int seg)
{
	struct vmcb_save_area *s = &vmcb->save;
	struct vmcb_seg *const segs[] = {
		[HV_ES] = &s->es, [HV_CS] = &s->cs, [HV_SS] = &s->ss,
		[HV_DS] = &s->ds, [HV_FS] = &s->fs, [HV_GS] = &s->gs,
	};

	return segs[seg];
}

static void svm_seg_to_hv(const struct vmcb_seg *s, struct hv_segment *var)
{
	u16 a = s->attrib;

	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = a & SVM_SELECTOR_TYPE_MASK;
	var->s = (a >> SVM_SELECTOR_S_SHIFT) & 1;
	var->dpl = (a >> SVM_SELECTOR_DPL_SHIFT) & 3;
	var->present = (a >> SVM_SELECTOR_P_SHIFT) & 1;
	var->avl = (a >> SVM_SELECTOR_AVL_SHIFT) & 1;
	var->l = (a >> SVM_SELECTOR_L_SHIFT) & 1;
	var->db = (a >> SVM_SELECTOR_DB_SHIFT) & 1;
	/* SVM does not use G; report the one the limit implies, as KVM. */
	var->g = s->limit > 0xfffff;
	var->unusable = !var->present;
	var->padding = 0;
}

static void svm_seg_from_hv(struct vmcb_seg *s, const struct hv_segment *var)
{
	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	s->attrib = 0;
	if (var->unusable)
		return;
	s->attrib = (var->type & SVM_SELECTOR_TYPE_MASK) |
		    (var->s & 1) << SVM_SELECTOR_S_SHIFT |
		    (var->dpl & 3) << SVM_SELECTOR_DPL_SHIFT |
		    (var->present & 1) << SVM_SELECTOR_P_SHIFT |
		    (var->avl & 1) << SVM_SELECTOR_AVL_SHIFT |
		    (var->l & 1) << SVM_SELECTOR_L_SHIFT |
		    (var->db & 1) << SVM_SELECTOR_DB_SHIFT |
		    (var->g & 1) << SVM_SELECTOR_G_SHIFT;
}

/*
 * Userspace sees segments as KVM reports them on AMD: data segments with
 * the accessed bit set, TR busy, SS.DPL equal to the CPL.
 */
static void svm_get_segment(struct svm_vcpu *svm, int seg,
			    struct hv_segment *var)
{
	svm_seg_to_hv(svm_seg(svm->vmcb, seg), var);
	if (seg == HV_SS) {
		if (var->unusable)
			var->db = 0;
		var->dpl = svm->vmcb->save.cpl;
	} else if (seg != HV_CS && !var->unusable) {
		var->type |= 1;
	}
}

static void svm_dtable_to_hv(const struct vmcb_seg *s, struct hv_dtable *dt)
{
	dt->base = s->base;
	dt->limit = s->limit;
	memset(dt->padding, 0, sizeof(dt->padding));
}

void svm_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;
	int seg;
	struct hv_segment *segs[] = {
		[HV_ES] = &sregs->es, [HV_CS] = &sregs->cs,
		[HV_SS] = &sregs->ss, [HV_DS] = &sregs->ds,
		[HV_FS] = &sregs->fs, [HV_GS] = &sregs->gs,
	};

	for (seg = 0; seg < HV_NR_SREGS; seg++)
		svm_get_segment(svm, seg, segs[seg]);
	svm_seg_to_hv(&save->tr, &sregs->tr);
	sregs->tr.type |= 2;			/* busy */
	svm_seg_to_hv(&save->ldtr, &sregs->ldt);
	svm_dtable_to_hv(&save->gdtr, &sregs->gdt);
	svm_dtable_to_hv(&save->idtr, &sregs->idt);

	sregs->cr0 = save->cr0;
	sregs->cr3 = save->cr3;
	sregs->cr4 = svm->cr4;
	sregs->efer = save->efer & ~EFER_SVME;
}

int svm_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_save_area *save = &vmcb->save;
	const struct hv_segment *segs[] = {
		[HV_ES] = &sregs->es, [HV_CS] = &sregs->cs,
		[HV_SS] = &sregs->ss, [HV_DS] = &sregs->ds,
		[HV_FS] = &sregs->fs, [HV_GS] = &sregs->gs,
	};
	int seg;

	for (seg = 0; seg < HV_NR_SREGS; seg++)
		svm_seg_from_hv(svm_seg(vmcb, seg), segs[seg]);
	save->cpl = sregs->ss.dpl & 3;
	svm_seg_from_hv(&save->tr, &sregs->tr);
	svm_seg_from_hv(&save->ldtr, &sregs->ldt);
	save->gdtr.base = sregs->gdt.base;
	save->gdtr.limit = sregs->gdt.limit;
	save->idtr.base = sregs->idt.base;
	save->idtr.limit = sregs->idt.limit;

	save->cr0 = sregs->cr0;
	save->cr3 = sregs->cr3;
	svm_set_cr4(svm, sregs->cr4);
	save->efer = sregs->efer | EFER_SVME;

	/* New paging state: no old translation may survive. */
	hv_vcpu_request(vcpu, HV_REQ_TLB_FLUSH);
	return 0;
}

void svm_get_emu_state(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *save = &svm->vmcb->save;
	int seg;

	for (seg = 0; seg < HV_NR_SREGS; seg++) {
		const struct vmcb_seg *s = svm_seg(svm->vmcb, seg);

		cpu->seg[seg].base = s->base;
		cpu->seg[seg].limit = s->limit;
		cpu->seg[seg].db = (s->attrib >> SVM_SELECTOR_DB_SHIFT) & 1;
		cpu->seg[seg].l = (s->attrib >> SVM_SELECTOR_L_SHIFT) & 1;
	}
	cpu->cr0 = save->cr0;
	cpu->cr3 = save->cr3;
	cpu->cr4 = svm->cr4;
	cpu->efer = save->efer & ~EFER_SVME;
	cpu->cpl = save->cpl;
	/* CS.L counts only in long mode. */
	if (!(cpu->efer & EFER_LMA))
		cpu->seg[HV_CS].l = 0;
}
