// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCS: controls and host state every vCPU starts with, a vCPU's
 * reset state, control registers as the guest sees them, conversion
 * between the VMCS and hv's register ABI, and event injection.
 *
 * Every function here runs with the vCPU's VMCS current on this CPU:
 * either inside HV_RUN (the core's preempt notifiers reload it wherever
 * the thread goes) or between vmx_vmcs_get() and vmx_vmcs_put().
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/bits.h>
#include <asm/desc.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "insn.h"
#include "vmx.h"

/* Power-on PAT (SDM 11.12.4). */
#define VMX_DEFAULT_PAT		0x0007040600070406ULL

/*
 * CR0 bits the hardware runs with whatever the guest wrote: CD and NW are
 * off (guest RAM is write-back, mmu/ept.c), and unrestricted guest lets
 * PE and PG be 0 (SDM 27.3.1.1) while NE stays forced on by the fixed bits.
 */
#define VMX_CR0_ALWAYS_OFF	(X86_CR0_CD | X86_CR0_NW)

/* Exceptions that exit (SDM 25.6.3). */
#define VMX_EXCEPTION_BITMAP	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | \
				 BIT(X86_TRAP_MC))

/* Segment registers: hv_sreg order, then TR and LDTR. */
#define VMX_SEG_TR	HV_NR_SREGS
#define VMX_SEG_LDTR	(HV_NR_SREGS + 1)

static const struct vmx_seg_field {
	u32 sel, base, limit, ar;
} vmx_seg_fields[] = {
#define SEG(s) { GUEST_##s##_SELECTOR, GUEST_##s##_BASE, GUEST_##s##_LIMIT, \
		 GUEST_##s##_AR_BYTES }
	[HV_ES] = SEG(ES), [HV_CS] = SEG(CS), [HV_SS] = SEG(SS),
	[HV_DS] = SEG(DS), [HV_FS] = SEG(FS), [HV_GS] = SEG(GS),
	[VMX_SEG_TR] = SEG(TR), [VMX_SEG_LDTR] = SEG(LDTR),
#undef SEG
};

static u64 vmx_eptp(struct vmx_vcpu *vmx)
{
	const struct hv_mmu *mmu = &vmx->vcpu.vm->mmu;

	/* SDM 25.6.11: WB paging structures, the walk length the tables have. */
	return mmu->root_pa | VMX_EPTP_MT_WB |
	       (mmu->levels == 5 ? VMX_EPTP_PWL_5 : VMX_EPTP_PWL_4);
}

/* ---- the fixed part: controls and host state (SDM 25.5-25.8) ---- */

/*
 * Written once per VMCS; the per-CPU host fields (TR, GDTR, IDTR, GS
 * base, SYSENTER) follow in vmx_vcpu_load, the ones that change per task
 * (CR3, CR4, FS) before each entry, and HOST_RSP in vmx/vmenter.S.
 */
void vmx_vmcs_setup(struct vmx_vcpu *vmx)
{
	u32 proc2 = vmx_caps.proc2;
	u64 efer, pat;

	/* SDM 27.3.1.5: no shadow VMCS, so the link pointer is all ones. */
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);

	/* External interrupts and NMIs exit, and are taken by the host. */
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
	/*
	 * HLT, all I/O, CR8 (the guest's TPR is the core's: vcpu->cr8),
	 * DR accesses (guest DR0-3 never reach the host's), RDPMC,
	 * MONITOR/MWAIT exit; MSRs exit as the bitmap says (vmx/msr.c).
	 */
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_caps.proc);
	if (vmx->vpid) {
		proc2 |= SECONDARY_EXEC_ENABLE_VPID;
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	}
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write(EPT_POINTER, vmx_eptp(vmx));
	vmcs_write(MSR_BITMAP, vmx_msr_bitmap_pa);
	/*
	 * #DB and #AC are reflected back: intercepting them keeps a guest
	 * from wedging the CPU in an endless exception delivery loop
	 * (CVE-2015-5307, CVE-2015-8104).  A machine check is the host's:
	 * it exits and the host's handler runs (vmx/run.c), as with KVM.
	 */
	vmcs_write(EXCEPTION_BITMAP, VMX_EXCEPTION_BITMAP);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_CONTROLS, vmx_caps.exit);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_caps.entry);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);

	/*
	 * SDM 25.6.6: CR0 and CR4 bits set in the guest/host masks read
	 * from the shadows and exit when written to differ from them.  The
	 * guest owns only CR0.TS; everything else is emulated, so that the
	 * guest sees its own values while the hardware runs with the fixed
	 * bits VMX requires (CR0.NE, CR4.VMXE) and hv tracks paging-mode
	 * changes (EFER.LMA, PDPTEs, TLB flushes).
	 */
	vmcs_write(CR0_GUEST_HOST_MASK, ~(u64)X86_CR0_TS);
	vmcs_write(CR4_GUEST_HOST_MASK, ~0ULL);

	/* SDM 25.5, 27.2.3: the host is the 64-bit kernel, flat. */
	vmcs_write(HOST_CR0, read_cr0());
	vmx->host.cr0 = read_cr0();
	vmcs_write(HOST_CR3, __read_cr3());
	vmx->host.cr3 = __read_cr3();
	vmcs_write(HOST_CR4, cr4_read_shadow());
	vmx->host.cr4 = cr4_read_shadow();
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmx->host.fs_sel = 0;
	vmx->host.gs_sel = 0;
	vmx->host.fs_base = 0;
	vmcs_write(HOST_FS_BASE, 0);
	rdmsrl(MSR_EFER, efer);
	vmcs_write(HOST_IA32_EFER, efer);
	if (vmx_caps.exit & VM_EXIT_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, pat);
		vmcs_write(HOST_IA32_PAT, pat);
	}
	vmcs_write(HOST_RIP, (unsigned long)vmx_vmexit);
}

/* ---- control registers as the guest sees them ---- */

u64 vmx_guest_cr0(struct vmx_vcpu *vmx)
{
	return (vmx->cr0 & ~X86_CR0_TS) | (vmcs_read(GUEST_CR0) & X86_CR0_TS);
}

/* No checks: reset, SET_SREGS (the hardware checks at entry), emulation. */
static void vmx_write_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	u64 hw = (cr0 & ~VMX_CR0_ALWAYS_OFF) |
		 (vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG));

	vmx->cr0 = cr0;
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, hw);
}

static void vmx_write_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	/* CR4.MCE=0 would turn a host machine check into a shutdown. */
	u64 hw = cr4 | vmx_caps.cr4_fixed0 | (cr4_read_shadow() & X86_CR4_MCE);

	vmx->cr4 = cr4;
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, hw);
}

static void vmx_write_efer(struct vmx_vcpu *vmx, u64 efer)
{
	vmx->efer = efer;
	vmcs_write(GUEST_IA32_EFER, efer);
	/* SDM 27.3.1.1: "IA-32e mode guest" must equal EFER.LMA. */
	if (efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

static bool vmx_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/*
 * PAE paging with EPT takes the four PDPTEs from the VMCS at entry (SDM
 * 27.3.2.4), and the hardware only loads them itself when the guest's MOV
 * to CR3 does not exit: whoever emulates a paging-mode or CR3 change must
 * load them.  Reads guest memory: may sleep.  False if one is reserved.
 */
static bool vmx_read_pdptrs(struct vmx_vcpu *vmx, u64 cr3, u64 *pdpte)
{
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
		   GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	int i;

	/* SDM 4.4.1: the table is at bits 31:5 of CR3. */
	if (hv_read_guest(vmx->vcpu.vm, cr3 & 0xffffffe0ULL, pdpte,
			  4 * sizeof(*pdpte))) {
		memset(pdpte, 0, 4 * sizeof(*pdpte));
		return false;
	}
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return false;
	return true;
}

static void vmx_write_pdptrs(const u64 *pdpte)
{
	vmcs_write(GUEST_PDPTR0, pdpte[0]);
	vmcs_write(GUEST_PDPTR1, pdpte[1]);
	vmcs_write(GUEST_PDPTR2, pdpte[2]);
	vmcs_write(GUEST_PDPTR3, pdpte[3]);
}

static int vmx_load_pdptrs(struct vmx_vcpu *vmx, u64 cr3)
{
	u64 pdpte[4];

	if (!vmx_read_pdptrs(vmx, cr3, pdpte))
		return -EINVAL;
	vmx_write_pdptrs(pdpte);
	return 0;
}

bool vmx_long_mode_cs(struct vmx_vcpu *vmx)
{
	return (vmx->efer & EFER_LMA) &&
	       (vmcs_read(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}

/* With unrestricted guest the CPL is SS.DPL (SDM 27.3.1.2). */
int vmx_cpl(struct vmx_vcpu *vmx)
{
	return VMX_AR_DPL(vmcs_read(GUEST_SS_AR_BYTES));
}

/*
 * MOV to CR0, CLTS, LMSW by the guest.  -EINVAL: #GP (SDM Vol. 2B MOV
 * CRn, and 10.8.5 for entering and leaving IA-32e mode).
 */
int vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	u64 old = vmx_guest_cr0(vmx), efer = vmx->efer;

	cr0 |= X86_CR0_ET;		/* hardwired to 1 since the i486 */
	if (!hv_cr0_valid(cr0))
		return -EINVAL;

	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		/* Activating IA-32e mode needs PAE and a non-64-bit CS. */
		if (!(vmx->cr4 & X86_CR4_PAE) ||
		    (vmcs_read(GUEST_CS_AR_BYTES) & VMX_AR_L_MASK))
			return -EINVAL;
		efer |= EFER_LMA;
	} else if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
		   (efer & EFER_LMA)) {
		if (vmx_long_mode_cs(vmx))
			return -EINVAL;
		efer &= ~EFER_LMA;
	}
	if (vmx_pae_paging(cr0, vmx->cr4, efer) &&
	    ((old ^ cr0) & X86_CR0_PG) &&
	    vmx_load_pdptrs(vmx, vmcs_read(GUEST_CR3)))
		return -EINVAL;

	vmx_write_cr0(vmx, cr0);
	if (efer != vmx->efer)
		vmx_write_efer(vmx, efer);
	if ((old ^ cr0) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP))
		vmx->need_flush = true;
	return 0;
}

/* Only when the CPU forces CR3-load exiting (no TRUE_ control MSRs). */
int vmx_set_cr3(struct vmx_vcpu *vmx, u64 cr3)
{
	u64 cr0 = vmx_guest_cr0(vmx);

	if ((vmx->efer & EFER_LMA) && !hv_gpa_valid(cr3 & ~(u64)X86_CR3_PCID_NOFLUSH))
		return -EINVAL;
	if (vmx_pae_paging(cr0, vmx->cr4, vmx->efer) &&
	    vmx_load_pdptrs(vmx, cr3))
		return -EINVAL;
	vmcs_write(GUEST_CR3, cr3);
	vmx->need_flush = true;
	return 0;
}

/* The core's rule (core/cpuid.c), and what VMX operation allows. */
static bool vmx_cr4_valid(struct vmx_vcpu *vmx, u64 cr4)
{
	return hv_cr4_valid(&vmx->vcpu, cr4) && !(cr4 & ~vmx_caps.cr4_fixed1);
}

/* MOV to CR4 (SDM 4.1.3 / MOV CR4): reserved bits, or PAE off in long mode. */
int vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	u64 old = vmx->cr4, cr0 = vmx_guest_cr0(vmx);

	if (!vmx_cr4_valid(vmx, cr4))
		return -EINVAL;
	if ((vmx->efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	/* PCIDE may be turned on only in long mode with CR3[11:0] = 0. */
	if ((cr4 & ~old & X86_CR4_PCIDE) &&
	    (!(vmx->efer & EFER_LMA) || (vmcs_read(GUEST_CR3) & 0xfff)))
		return -EINVAL;
	if (vmx_pae_paging(cr0, cr4, vmx->efer) &&
	    ((old ^ cr4) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE)) &&
	    vmx_load_pdptrs(vmx, vmcs_read(GUEST_CR3)))
		return -EINVAL;
	vmx_write_cr4(vmx, cr4);
	/* Paging-mode bits may have changed: drop the guest's TLB. */
	vmx->need_flush = true;
	return 0;
}

/* ---- reset ---- */

static void vmx_init_seg(int seg, u16 sel, u64 base, u32 ar)
{
	const struct vmx_seg_field *f = &vmx_seg_fields[seg];

	vmcs_write(f->sel, sel);
	vmcs_write(f->base, base);
	vmcs_write(f->limit, 0xffff);
	vmcs_write(f->ar, ar);
}

/*
 * Power-on (@init false) or INIT state (SDM 10.1.1, Table 10-1), with
 * KVM's VMX conventions for the access rights: accessed data and code
 * segments, a busy 32-bit TSS, an LDT.  GPRs, RIP and RFLAGS are the
 * core's.  INIT keeps CR0.CD/NW and, as KVM's, the MSRs but EFER: PAT,
 * SYSENTER, the SYSCALL MSRs and the TSC offset.
 */
void vmx_vcpu_reset(struct vmx_vcpu *vmx, bool init)
{
	/* INIT keeps CD/NW (SDM 10.1.1, Table 10-1). */
	u64 cr0 = init ? vmx_guest_cr0(vmx) & (X86_CR0_CD | X86_CR0_NW) :
			 X86_CR0_NW | X86_CR0_CD;
	static const u64 no_pdptes[4];
	int seg;

	for (seg = 0; seg < HV_NR_SREGS; seg++)
		vmx_init_seg(seg, 0, 0, seg == HV_CS ? 0x9b : 0x93);
	vmx_init_seg(HV_CS, 0xf000, 0xffff0000, 0x9b);
	vmx_init_seg(VMX_SEG_TR, 0, 0, 0x8b);
	vmx_init_seg(VMX_SEG_LDTR, 0, 0, 0x82);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	vmx_write_cr0(vmx, X86_CR0_ET | cr0);
	vmcs_write(GUEST_CR3, 0);
	vmx_write_cr4(vmx, 0);
	vmx_write_efer(vmx, 0);
	vmcs_write(GUEST_DR7, HV_DR7_INIT);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	if (!init) {
		vmcs_write(GUEST_SYSENTER_CS, 0);
		vmcs_write(GUEST_SYSENTER_ESP, 0);
		vmcs_write(GUEST_SYSENTER_EIP, 0);
		vmx->pat = VMX_DEFAULT_PAT;
		if (vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT)
			vmcs_write(GUEST_IA32_PAT, vmx->pat);
		memset(vmx->msrs, 0, sizeof(vmx->msrs));
	}
	/* INIT keeps the TSC (SDM 10.1.1); the core owns its offset. */
	vmcs_write(TSC_OFFSET, vmx->vcpu.msr.tsc_offset);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmx->intr_state = 0;
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx_write_pdptrs(no_pdptes);
	vmx->need_flush = true;			/* clean TLB */
}

/* ops->vcpu_init: INIT (core/state.c, hv_vcpu_init). */
void vmx_vcpu_init(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_vmcs_get(vmx);
	vmx_vcpu_reset(vmx, true);
	vmx_vmcs_put(vmx);
}

/* ---- segments: access rights (SDM 25.4.1, Table 25-2) <-> hv_segment ---- */

static void vmx_get_segment(int seg, struct hv_segment *var)
{
	const struct vmx_seg_field *f = &vmx_seg_fields[seg];
	u32 ar = vmcs_read(f->ar);

	var->base = vmcs_read(f->base);
	var->limit = vmcs_read(f->limit);
	var->selector = vmcs_read(f->sel);
	var->type = ar & VMX_AR_TYPE_MASK;
	var->s = !!(ar & VMX_AR_S_MASK);
	var->dpl = VMX_AR_DPL(ar);
	/*
	 * As KVM reports it: an unusable segment is not present, and a
	 * usable one is (the hardware requires P=1 of usable segments).
	 */
	var->unusable = !!(ar & VMX_AR_UNUSABLE_MASK);
	var->present = !var->unusable;
	var->avl = (ar >> 12) & 1;
	var->l = !!(ar & VMX_AR_L_MASK);
	var->db = !!(ar & VMX_AR_DB_MASK);
	var->g = !!(ar & VMX_AR_G_MASK);
	var->padding = 0;
}

static void vmx_set_segment(int seg, const struct hv_segment *var)
{
	const struct vmx_seg_field *f = &vmx_seg_fields[seg];
	u32 type = var->type & VMX_AR_TYPE_MASK, ar;

	/*
	 * Unrestricted guest requires the accessed bit of usable code and
	 * data segments (SDM 27.3.1.2); KVM sets it for userspace that
	 * leaves it clear, and so does hv (a busy TSS type has it too).
	 */
	if (seg != VMX_SEG_LDTR)
		type |= VMX_AR_TYPE_ACCESSES_MASK;
	ar = type | (var->s & 1) << 4 | (var->dpl & 3) << VMX_AR_DPL_SHIFT |
	     (var->present & 1) << 7 | (var->avl & 1) << 12 |
	     (var->l & 1) << 13 | (var->db & 1) << 14 | (var->g & 1) << 15;
	if (var->unusable || !var->present)
		ar |= VMX_AR_UNUSABLE_MASK;

	vmcs_write(f->base, var->base);
	vmcs_write(f->limit, var->limit);
	vmcs_write(f->sel, var->selector);
	vmcs_write(f->ar, ar);
}

void vmx_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hv_segment *segs[] = {
		[HV_ES] = &sregs->es, [HV_CS] = &sregs->cs,
		[HV_SS] = &sregs->ss, [HV_DS] = &sregs->ds,
		[HV_FS] = &sregs->fs, [HV_GS] = &sregs->gs,
		[VMX_SEG_TR] = &sregs->tr, [VMX_SEG_LDTR] = &sregs->ldt,
	};
	int seg;

	vmx_vmcs_get(vmx);
	for (seg = 0; seg < ARRAY_SIZE(segs); seg++)
		vmx_get_segment(seg, segs[seg]);
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	memset(sregs->gdt.padding, 0, sizeof(sregs->gdt.padding));
	memset(sregs->idt.padding, 0, sizeof(sregs->idt.padding));

	sregs->cr0 = vmx_guest_cr0(vmx);
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = vmx->cr4;
	sregs->efer = vmx->efer;
	vmx_vmcs_put(vmx);
}

int vmx_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct hv_segment *segs[] = {
		[HV_ES] = &sregs->es, [HV_CS] = &sregs->cs,
		[HV_SS] = &sregs->ss, [HV_DS] = &sregs->ds,
		[HV_FS] = &sregs->fs, [HV_GS] = &sregs->gs,
		[VMX_SEG_TR] = &sregs->tr, [VMX_SEG_LDTR] = &sregs->ldt,
	};
	bool pae = vmx_pae_paging(sregs->cr0, sregs->cr4, sregs->efer);
	u64 pdpte[4];
	int seg;

	if (!vmx_cr4_valid(vmx, sregs->cr4))		/* what VMX operation allows */
		return -EINVAL;
	/* Guest memory may fault in: read before the VMCS is held. */
	if (pae)
		vmx_read_pdptrs(vmx, sregs->cr3, pdpte);	/* as KVM: unchecked */

	vmx_vmcs_get(vmx);
	for (seg = 0; seg < ARRAY_SIZE(segs); seg++)
		vmx_set_segment(seg, segs[seg]);
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);

	vmx_write_cr0(vmx, sregs->cr0);
	vmcs_write(GUEST_CR3, sregs->cr3);
	vmx_write_cr4(vmx, sregs->cr4);
	vmx_write_efer(vmx, sregs->efer);
	if (pae)
		vmx_write_pdptrs(pdpte);
	/* New paging state: no old translation may survive. */
	vmx->need_flush = true;
	vmx_vmcs_put(vmx);
	return 0;
}

void vmx_get_emu_state(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int seg;

	vmx_vmcs_get(vmx);
	for (seg = 0; seg < HV_NR_SREGS; seg++) {
		const struct vmx_seg_field *f = &vmx_seg_fields[seg];
		u32 ar = vmcs_read(f->ar);

		cpu->seg[seg].base = vmcs_read(f->base);
		cpu->seg[seg].limit = vmcs_read(f->limit);
		cpu->seg[seg].db = !!(ar & VMX_AR_DB_MASK);
		cpu->seg[seg].l = !!(ar & VMX_AR_L_MASK);
	}
	cpu->cr0 = vmx_guest_cr0(vmx);
	cpu->cr3 = vmcs_read(GUEST_CR3);
	cpu->cr4 = vmx->cr4;
	cpu->efer = vmx->efer;
	cpu->cpl = vmx_cpl(vmx);
	vmx_vmcs_put(vmx);
	/* CS.L counts only in long mode. */
	if (!(cpu->efer & EFER_LMA))
		cpu->seg[HV_CS].l = 0;
}
