// SPDX-License-Identifier: GPL-2.0
/*
 * Entering a VT-x guest once: where the VMCS is active, the host state a
 * VM exit does not restore, the order of FPU/XCR0 and interrupt switching
 * around VMLAUNCH/VMRESUME, and what is copied between the VMCS and the
 * core's register file.
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/irqflags.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "../core/guest_context.h"
#include "insn.h"
#include "vmx.h"

/*
 * Per CPU: the VMCSs active on it, and the current one.  Both change
 * only on the CPU itself with interrupts disabled (the emergency path
 * reads the list from NMI context, as KVM's does).
 */
static DEFINE_PER_CPU(struct list_head, vmx_loaded_vmcss);
static DEFINE_PER_CPU(struct vmx_vmcs *, vmx_current_vmcs);

int vmx_cpus_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(vmx_loaded_vmcss, cpu));
	return 0;
}

void vmx_vmread_error(u32 field)
{
	if (!READ_ONCE(hv_rebooting))
		pr_warn_ratelimited("VMREAD of field %#x failed\n", field);
}

void vmx_vmwrite_error(u32 field, u64 value)
{
	if (!READ_ONCE(hv_rebooting))
		pr_warn_ratelimited("VMWRITE of %#llx to field %#x failed (error %llu)\n",
				    value, field, vmcs_read(VM_INSTRUCTION_ERROR));
}

/* ---- where the VMCS is active ---- */

/* On @v's CPU, interrupts off (IPI, or the CPU's own teardown). */
static void __vmx_vmcs_clear(void *arg)
{
	struct vmx_vmcs *v = arg;
	int cpu = raw_smp_processor_id();

	if (v->cpu != cpu)
		return;		/* raced with this CPU going offline */
	if (per_cpu(vmx_current_vmcs, cpu) == v)
		per_cpu(vmx_current_vmcs, cpu) = NULL;
	vmx_vmclear(v->pa);
	list_del(&v->link);
	/*
	 * The list must be updated before another CPU can see cpu == -1
	 * and add @v to its own list; pairs with smp_rmb in vmx_vcpu_load.
	 */
	smp_wmb();
	v->cpu = -1;
	v->launched = false;		/* VMCLEAR made the launch state clear */
}

/* Make @v inactive wherever it is.  Interrupts enabled (IPI with wait). */
void vmx_vmcs_clear(struct vmx_vmcs *v)
{
	int cpu = READ_ONCE(v->cpu);

	if (cpu != -1)
		smp_call_function_single(cpu, __vmx_vmcs_clear, v, 1);
}

/* The CPU leaves VMX operation (offline, suspend, reboot): interrupts off. */
void vmx_clear_loaded_vmcss(void)
{
	struct vmx_vmcs *v, *n;

	list_for_each_entry_safe(v, n, this_cpu_ptr(&vmx_loaded_vmcss), link)
		__vmx_vmcs_clear(v);
}

/* Crash or emergency restart, maybe in NMI context: just write them back. */
void vmx_emergency_clear_vmcss(void)
{
	struct vmx_vmcs *v;

	list_for_each_entry(v, this_cpu_ptr(&vmx_loaded_vmcss), link)
		vmx_vmclear(v->pa);
}

/* Host state that differs between CPUs (SDM 25.5.2). */
static void vmx_set_host_cpu_state(int cpu)
{
	struct desc_ptr idt;
	u64 v;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, v);			/* this CPU's per-CPU area */
	vmcs_write(HOST_GS_BASE, v);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
}

/*
 * The vCPU's thread is on @cpu (preemption disabled): make its VMCS
 * current here, clearing it first on the CPU where it was active.
 */
void vmx_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_vmcs *v = &vmx->vmcs;
	bool moved = v->cpu != cpu;
	unsigned long flags;

	if (moved) {
		vmx_vmcs_clear(v);
		local_irq_save(flags);
		/* v->cpu == -1 seen: the old CPU's list no longer holds v. */
		smp_rmb();
		list_add(&v->link, &per_cpu(vmx_loaded_vmcss, cpu));
		local_irq_restore(flags);
	}
	if (per_cpu(vmx_current_vmcs, cpu) != v) {
		per_cpu(vmx_current_vmcs, cpu) = v;
		if (vmx_vmptrld(v->pa) && !READ_ONCE(hv_rebooting))
			pr_warn_ratelimited("VMPTRLD failed on cpu %d\n", cpu);
	}
	if (moved) {
		vmx_set_host_cpu_state(cpu);
		/*
		 * This CPU may hold translations of the vCPU's EPT or VPID
		 * from an earlier stay, made stale since (INVEPT and INVVPID
		 * act on the executing CPU only, SDM 29.4.3).
		 */
		vmx->need_flush = true;
		v->cpu = cpu;
	}
}

/*
 * The thread leaves the CPU.  The VMCS stays active here (cheap to come
 * back to); host state is restored after every exit, so nothing else.
 */
void vmx_vcpu_put(struct hv_vcpu *vcpu)
{
}

/*
 * For VMCS accesses outside HV_RUN (ioctls, creation): the core loads
 * the vCPU only around HV_RUN, so load it here with preemption off.
 * Inside HV_RUN this finds it loaded already.
 */
void vmx_vmcs_get(struct vmx_vcpu *vmx)
{
	vmx_vcpu_load(&vmx->vcpu, get_cpu());
}

void vmx_vmcs_put(struct vmx_vcpu *vmx)
{
	put_cpu();
}

/* ---- TLB ---- */

/* The flush itself happens on the CPU that enters next. */
void vmx_flush_guest_tlb(struct hv_vcpu *vcpu)
{
	to_vmx(vcpu)->need_flush = true;
}

/* Interrupts off, just before entry. */
static void vmx_flush_irqoff(struct vmx_vcpu *vmx)
{
	if (!vmx->need_flush)
		return;
	/*
	 * SDM 29.4.3.1: single-context INVEPT drops guest-physical and
	 * combined mappings of this EPTP, for every VPID; INVVPID drops the
	 * vCPU's linear mappings.  Without VPID, every entry and exit drops
	 * those of VPID 0 anyway.
	 */
	vmx_invept(vmx_caps.invept_type, vmcs_read(EPT_POINTER));
	if (vmx->vpid)
		vmx_invvpid(vmx_caps.invvpid_type, vmx->vpid, 0);
	vmx->need_flush = false;
}

/* ---- host state around the guest ---- */

/* What a VM exit does not restore, or restores differently (SDM 28.5). */
struct vmx_host_save {
	u64 msrs[VMX_NR_SWAP_MSRS];
	u64 fs_base, debugctl;
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
};

static void vmx_write_host_field(u32 field, u64 val, u64 *cached)
{
	if (*cached != val) {
		vmcs_write(field, val);
		*cached = val;
	}
}

/* Interrupts off: nothing may change these until the exit is handled. */
static void vmx_switch_to_guest(struct vmx_vcpu *vmx, struct vmx_host_save *h)
{
	u64 v;
	int i;

	/* CR3 (PCID), CR4 (TSD, PCE ...) change with the task. */
	vmx_write_host_field(HOST_CR0, read_cr0(), &vmx->host.cr0);
	vmx_write_host_field(HOST_CR3, __read_cr3(), &vmx->host.cr3);
	vmx_write_host_field(HOST_CR4, cr4_read_shadow(), &vmx->host.cr4);

	/*
	 * The exit loads FS, GS, DS, ES and LDTR from the host fields, with
	 * null selectors where the host's have RPL or TI set (which the
	 * fields may not hold, SDM 27.2.3): those are reloaded after exit.
	 */
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	asm volatile("sldt %0" : "=r" (h->ldt_sel));
	rdmsrl(MSR_FS_BASE, h->fs_base);
	vmx_write_host_field(HOST_FS_BASE, h->fs_base, &vmx->host.fs_base);
	if ((h->fs_sel & 7 ? 0 : h->fs_sel) != vmx->host.fs_sel) {
		vmx->host.fs_sel = h->fs_sel & 7 ? 0 : h->fs_sel;
		vmcs_write(HOST_FS_SELECTOR, vmx->host.fs_sel);
	}
	if ((h->gs_sel & 7 ? 0 : h->gs_sel) != vmx->host.gs_sel) {
		vmx->host.gs_sel = h->gs_sel & 7 ? 0 : h->gs_sel;
		vmcs_write(HOST_GS_SELECTOR, vmx->host.gs_sel);
	}

	/*
	 * The exit clears IA32_DEBUGCTL and sets DR7 to 400H (SDM 28.5.1):
	 * the host's come back afterwards.
	 */
	rdmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);

	/*
	 * MSRs VT-x leaves alone: the guest's go into the CPU for the run.
	 * (KVM defers the host's to the return to userspace; hv simply
	 * swaps them back after every exit.)
	 */
	for (i = 0; i < VMX_NR_SWAP_MSRS; i++) {
		rdmsrl(vmx_swap_msrs[i], v);
		h->msrs[i] = v;
		if (v != vmx->msrs[i])
			wrmsrl(vmx_swap_msrs[i], vmx->msrs[i]);
	}

	/* CR2 is not in the VMCS: the guest's is loaded by hand. */
	if (read_cr2() != vmx->vcpu.regs.cr2)
		write_cr2(vmx->vcpu.regs.cr2);
}

static void vmx_switch_to_host(struct vmx_vcpu *vmx, struct vmx_host_save *h)
{
	int i;

	vmx->vcpu.regs.cr2 = read_cr2();

	for (i = 0; i < VMX_NR_SWAP_MSRS; i++)
		rdmsrl(vmx_swap_msrs[i], vmx->msrs[i]);

	if (h->debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	/* LDTR is null after the exit (SDM 28.5.2). */
	if (h->ldt_sel)
		asm volatile("lldt %0" : : "r" (h->ldt_sel));
	/* Reloading GS writes the user GS base: KERNEL_GS_BASE, below. */
	if (h->gs_sel & 7)
		load_gs_index(h->gs_sel);
	if (h->fs_sel & 7) {
		loadsegment(fs, h->fs_sel);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}

	for (i = 0; i < VMX_NR_SWAP_MSRS; i++)
		if (vmx->msrs[i] != h->msrs[i] ||
		    i == VMX_MSR_KERNEL_GS_BASE)
			wrmsrl(vmx_swap_msrs[i], h->msrs[i]);

	/*
	 * The exit leaves GDTR.limit at FFFFH and TR.limit at 67H (SDM
	 * 28.5.2): restore the GDT limit, and the TSS limit that covers the
	 * I/O bitmap the next time a task needs it.
	 */
	load_fixmap_gdt(raw_smp_processor_id());
	invalidate_tss_limit();
}

/* ---- one entry ---- */

/*
 * STI and MOV SS blocking cover one instruction: once RIP moved (an
 * emulated instruction was skipped), they are over; and VM entry refuses
 * STI blocking with RFLAGS.IF clear (SDM 27.3.1.5).
 */
static void vmx_update_intr_state(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u32 state = vmx->intr_state;

	if (vcpu->regs.rip != vmx->exit_rip)
		state &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	if (!(vcpu->regs.rflags & X86_EFLAGS_IF))
		state &= ~GUEST_INTR_STATE_STI;
	if (state != vmx->intr_state) {
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, state);
		vmx->intr_state = state;
	}
}

/*
 * Right after the exit, interrupts still off, on the CPU that saw it: a
 * host NMI that made the guest exit is handed to the host's own handler
 * through its IDT gate, on its IST stack, as if it had hit the host
 * (KVM's old way; its newer direct call needs kernel internals); a
 * machine check to the machine-check handler (core/event.c).
 */
static void vmx_handle_exit_irqoff(struct vmx_vcpu *vmx)
{
	u16 basic = vmx->exit_reason;
	u32 info;

	if (basic == EXIT_REASON_MCE_DURING_VMENTRY) {
		hv_machine_check();
		return;
	}
	if (basic != EXIT_REASON_EXCEPTION_NMI)
		return;
	info = vmcs_read(VM_EXIT_INTR_INFO);
	if ((info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		asm volatile("int $" __stringify(X86_TRAP_NMI));
	else if ((info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			  INTR_INFO_VECTOR_MASK)) ==
		 (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC))
		hv_machine_check();
}

/*
 * Called by core/run.c with interrupts off and the guest's FPU loaded.
 * A VM-entry failure is an exit too (vmx->entry_failed, handled by
 * vmx_handle_exit); only a faulting VMX instruction, which can happen
 * only while the machine reboots, is an error.
 */
int vmx_vcpu_enter(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_host_save host;
	u32 idt_info = 0, idt_error = 0;
	int r;

	vmx_flush_irqoff(vmx);
	if (vmx_caps.heartbeat)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_caps.heartbeat);
	vmcs_write(GUEST_RSP, vcpu->regs.gpr[HV_RSP]);
	vmcs_write(GUEST_RIP, vcpu->regs.rip);
	vmcs_write(GUEST_RFLAGS, vcpu->regs.rflags);
	vmx_update_intr_state(vmx);
	vmx_switch_to_guest(vmx, &host);
	hv_guest_state_enter_irqoff();
	r = __vmx_vcpu_run(vcpu->regs.gpr, vmx->vmcs.launched, vcpu->spec_ctrl);
	hv_guest_state_exit_irqoff();
	vmx_switch_to_host(vmx, &host);
	if (!r) {
		vmx->exit_reason = vmcs_read(VM_EXIT_REASON);
		vmx_handle_exit_irqoff(vmx);
		/* A failed entry leaves the launch state as it was. */
		if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			vmx->vmcs.launched = true;
	}
	vmx->entry_failed = r == 1;
	if (r == 1) {
		memset(vcpu->hw_exit, 0, sizeof(vcpu->hw_exit));
		vmx_collect_exit_event(vmx, false, 0, 0);
		return 0;
	}
	if (r) {
		WARN_ONCE(!READ_ONCE(hv_rebooting),
			  "hv: VT-x: VMX instruction faulted outside reboot\n");
		return -EIO;
	}

	vcpu->regs.gpr[HV_RSP] = vmcs_read(GUEST_RSP);
	vcpu->regs.rip = vmcs_read(GUEST_RIP);
	vcpu->regs.rflags = vmcs_read(GUEST_RFLAGS);
	vmx->exit_rip = vcpu->regs.rip;
	vmx->exit_qual = vmcs_read(EXIT_QUALIFICATION);
	vmx->intr_state = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		idt_info = vmcs_read(IDT_VECTORING_INFO_FIELD);
		if (idt_info & VECTORING_INFO_DELIVER_CODE_MASK)
			idt_error = vmcs_read(IDT_VECTORING_ERROR_CODE);
	}

	/*
	 * For internal-error exits, in the order KVM reports a VMX exit
	 * (vmx_get_exit_info): reason, qualification, IDT-vectoring
	 * information, exit interruption information, its error code.
	 */
	vcpu->hw_exit[0] = vmx->exit_reason;
	vcpu->hw_exit[1] = vmx->exit_qual;
	vcpu->hw_exit[2] = idt_info;
	vcpu->hw_exit[3] = 0;
	vcpu->hw_exit[4] = 0;
	if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		u32 intr = vmcs_read(VM_EXIT_INTR_INFO);

		vcpu->hw_exit[3] = intr;
		if ((intr & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			     INTR_INFO_DELIVER_CODE_MASK)) ==
		    (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION |
		     INTR_INFO_DELIVER_CODE_MASK))
			vcpu->hw_exit[4] = vmcs_read(VM_EXIT_INTR_ERROR_CODE);
	}
	vmx_collect_exit_event(vmx, !(vmx->exit_reason &
				      VMX_EXIT_REASONS_FAILED_VMENTRY),
			       idt_info, idt_error);
	vmx_recover_nmi_blocking(vmx, vcpu->hw_exit[3]);
	return 0;
}
