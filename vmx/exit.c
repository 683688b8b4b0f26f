// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x exits: every basic exit reason hv can see is handled here, one
 * function each, through the table at the end (SDM Vol. 3C, Appendix C).
 * Handlers return > 0 to re-enter the guest, 0 to return to userspace,
 * -errno to fail HV_RUN.
 *
 * Unlike SVM without decode assists, VT-x describes the instruction that
 * exited: its length (VM_EXIT_INSTRUCTION_LEN, SDM 28.2.5) and, for CR,
 * DR and I/O accesses, the registers and operands (the exit
 * qualification, SDM 28.2.1), so nothing here fetches or decodes guest
 * code except string I/O on CPUs that do not report its address size.
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "insn.h"
#include "vmx.h"

/* KVM's answer to an unknown hypercall number (KVM_ENOSYS). */

static int vmx_skip(struct vmx_vcpu *vmx)
{
	vmx->vcpu.regs.rip += vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	return 1;
}

static int vmx_exit_ud(struct vmx_vcpu *vmx)
{
	hv_queue_ud(&vmx->vcpu);
	return 1;
}

static int vmx_exit_gp(struct vmx_vcpu *vmx)
{
	hv_queue_gp(&vmx->vcpu, 0);
	return 1;
}

static int vmx_exit_unexpected(struct vmx_vcpu *vmx)
{
	return hv_exit_unexpected(&vmx->vcpu, vmx->exit_reason);
}

/*
 * A host interrupt: it stayed pending in the local APIC (no
 * acknowledge-on-exit) and was taken when interrupts were enabled after
 * the exit.  Or the heartbeat (vmx/vmx.c).  Just go back in.
 */
static int vmx_exit_nothing(struct vmx_vcpu *vmx)
{
	return 1;
}

/*
 * Exceptions in the exception bitmap, and NMIs (SDM 28.2.2: the exit
 * interruption information).  Host NMIs and machine checks were handed
 * to the host right after the exit (vmx/run.c); #DB and #AC are only
 * intercepted to be delivered safely: reflect them.
 */
static int vmx_exit_exception_nmi(struct vmx_vcpu *vmx)
{
	u32 info = vmcs_read(VM_EXIT_INTR_INFO);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI_INTR || vector == X86_TRAP_MC)
		return 1;

	switch (vector) {
	case X86_TRAP_DB:
		/*
		 * SDM 28.2.1 (Table 28-1): the exit qualification holds the
		 * B0-B3, BD and BS bits the #DB would have put in DR6, which
		 * the hardware left alone.
		 */
		vmx->vcpu.dr6 = (vmx->vcpu.dr6 & ~(u64)(DR_TRAP_BITS | DR_STEP)) |
			   (vmx->exit_qual & (DR_TRAP_BITS | 0x2000 | DR_STEP)) |
			   HV_DR6_INIT;
		/* INT1 (ICEBP) exits before it completes: finish it. */
		if (type == INTR_TYPE_PRIV_SW_EXCEPTION)
			vmx_skip(vmx);
		break;
	case X86_TRAP_AC:
		break;
	default:
		return vmx_exit_unexpected(vmx);
	}
	/* #AC has an error code, always 0. */
	hv_queue_exception(&vmx->vcpu, vector, vector == X86_TRAP_AC, 0);
	return 1;
}

/*
 * Triple fault: userspace gets HV_EXIT_SHUTDOWN and the vCPU keeps the
 * state the exit saved (SDM 28.3), as kvm_intel leaves it.  Unlike SVM,
 * whose VMCB is undefined after a shutdown (svm/exit.c resets the vCPU,
 * as kvm_amd does), nothing here needs an INIT.
 */
static int vmx_exit_triple_fault(struct vmx_vcpu *vmx)
{
	return hv_exit_shutdown(&vmx->vcpu);
}

static int vmx_exit_cpuid(struct vmx_vcpu *vmx)
{
	return hv_emulate_cpuid(&vmx->vcpu,
				vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static int vmx_exit_hlt(struct vmx_vcpu *vmx)
{
	vmx_skip(vmx);
	return hv_exit_hlt(&vmx->vcpu);
}

/*
 * INVD/WBINVD: guest caches are the host's; nothing to do.  MONITOR/MWAIT:
 * no-ops, as KVM treats them by default.
 */
static int vmx_exit_nop(struct vmx_vcpu *vmx)
{
	return vmx_skip(vmx);
}

/* Only when the CPU forces INVLPG exiting (no TRUE_ control MSRs). */
static int vmx_exit_invlpg(struct vmx_vcpu *vmx)
{
	vmx->need_flush = true;
	return vmx_skip(vmx);
}

static int vmx_exit_vmcall(struct vmx_vcpu *vmx)
{
	return hv_emulate_hypercall(&vmx->vcpu,
				    vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* XSETBV (SDM Vol. 2C): the core checks the value against the CPUID. */
static int vmx_exit_xsetbv(struct vmx_vcpu *vmx)
{
	struct hv_vcpu *vcpu = &vmx->vcpu;
	u64 *gpr = vcpu->regs.gpr;
	u64 xcr0 = (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX];

	if (vmx_cpl(vmx) || hv_set_xcr(vcpu, gpr[HV_RCX], xcr0))
		return vmx_exit_gp(vmx);
	return vmx_skip(vmx);
}

/* The guest could take an interrupt or an NMI now (vmx/event.c). */
static int vmx_exit_irq_window(struct vmx_vcpu *vmx)
{
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
			CPU_BASED_INTR_WINDOW_EXITING);
	return 1;
}

static int vmx_exit_nmi_window(struct vmx_vcpu *vmx)
{
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
			CPU_BASED_NMI_WINDOW_EXITING);
	return 1;
}

/* ---- port I/O ---- */

/*
 * SDM 28.2.1 (Table 28-5): size, direction, string, REP and port in the
 * qualification; for INS/OUTS, SDM 28.2.5 (Table 28-8): address size in
 * bits 9:7 and, for OUTS, the segment in bits 17:15 (hv_sreg order).
 */
static int vmx_exit_io(struct vmx_vcpu *vmx)
{
	u64 q = vmx->exit_qual;
	struct hv_pio_exit io = {
		.port = q >> 16,
		.size = (q & 7) + 1,
		.in = q & BIT(3),
		.string = q & BIT(4),
		.rep = q & BIT(5),
		.seg = HV_DS,
		.insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN),
	};

	if (io.string && vmx_caps.ins_outs_info) {
		u32 info = vmcs_read(VMX_INSTRUCTION_INFO);

		io.addr_size = 2 << ((info >> 7) & 7);
		if (!io.in)
			io.seg = (info >> 15) & 7;
	} else if (io.string) {
		hv_pio_string_prefixes(&vmx->vcpu, &io);
	}
	return hv_exit_pio(&vmx->vcpu, &io);
}

/* ---- EPT ---- */

/* SDM 29.3.3.2: the qualification says what access; the GPA is saved. */
static int vmx_exit_ept_violation(struct vmx_vcpu *vmx)
{
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int r;

	r = hv_page_fault(&vmx->vcpu, gpa,
			  vmx->exit_qual & EPT_VIOLATION_ACC_WRITE);
	if (r == HV_FAULT_MMIO)
		return hv_handle_mmio(&vmx->vcpu);
	return r;
}

/* ---- control and debug registers ---- */

/* A GPR as an operand: 32 bits wide outside 64-bit mode. */
static u64 vmx_gpr_read(struct vmx_vcpu *vmx, int reg)
{
	u64 val = vmx->vcpu.regs.gpr[reg];

	return vmx_long_mode_cs(vmx) ? val : (u32)val;
}

static void vmx_gpr_write(struct vmx_vcpu *vmx, int reg, u64 val)
{
	vmx->vcpu.regs.gpr[reg] = vmx_long_mode_cs(vmx) ? val : (u32)val;
}

/*
 * SDM 28.2.1 (Table 28-3): CR number in bits 3:0, access type in 5:4
 * (MOV to, MOV from, CLTS, LMSW), GPR in 11:8, LMSW source in 31:16.
 * CR0 and CR4 writes exit when they touch a bit of the guest/host mask
 * (vmx/vmcs.c); CR8 always (the TPR is the core's: vcpu->cr8); CR3 only on CPUs
 * that force CR3 exiting.
 */
static int vmx_exit_cr(struct vmx_vcpu *vmx)
{
	u64 q = vmx->exit_qual;
	int cr = q & 15, reg = (q >> 8) & 15, r;
	u64 val;

	switch ((q >> 4) & 3) {
	case 0:					/* MOV to CR */
		val = vmx_gpr_read(vmx, reg);
		switch (cr) {
		case 0:
			r = vmx_set_cr0(vmx, val);
			break;
		case 3:
			r = vmx_set_cr3(vmx, val);
			break;
		case 4:
			r = vmx_set_cr4(vmx, val);
			break;
		case 8:
			r = val & ~0xfULL ? -EINVAL : 0;
			if (!r)
				vmx->vcpu.cr8 = val;
			break;
		default:
			return vmx_exit_unexpected(vmx);
		}
		break;
	case 1:					/* MOV from CR */
		if (cr != 3 && cr != 8)
			return vmx_exit_unexpected(vmx);
		val = cr == 3 ? vmcs_read(GUEST_CR3) : vmx->vcpu.cr8;
		vmx_gpr_write(vmx, reg, val);
		r = 0;
		break;
	case 2:					/* CLTS */
		r = vmx_set_cr0(vmx, vmx_guest_cr0(vmx) & ~X86_CR0_TS);
		break;
	default:				/* LMSW: can set PE, not clear it */
		r = vmx_set_cr0(vmx, (vmx_guest_cr0(vmx) & ~0xeULL) |
				     ((q >> LMSW_SOURCE_DATA_SHIFT) & 0xf));
		break;
	}
	if (r)
		return vmx_exit_gp(vmx);
	return vmx_skip(vmx);
}

/* SDM 28.2.1 (Table 28-4): DR number in bits 2:0, direction in 4, GPR in 11:8. */
static int vmx_exit_dr(struct vmx_vcpu *vmx)
{
	u64 q = vmx->exit_qual;
	bool to_reg = (q & DEBUG_REG_ACCESS_TYPE) == TYPE_MOV_FROM_DR;
	int reg = DEBUG_REG_ACCESS_REG(q), r;
	u64 val = vmx_gpr_read(vmx, reg);

	r = hv_mov_dr(&vmx->vcpu, q & DEBUG_REG_ACCESS_NUM, to_reg, &val,
		      vmx->cr4 & X86_CR4_DE);
	if (r == -EINVAL)
		return vmx_exit_gp(vmx);
	if (r)
		return vmx_exit_ud(vmx);
	if (to_reg)
		vmx_gpr_write(vmx, reg, val);
	return vmx_skip(vmx);
}

static int vmx_exit_rdmsr(struct vmx_vcpu *vmx)
{
	return hv_emulate_rdmsr(&vmx->vcpu, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static int vmx_exit_wrmsr(struct vmx_vcpu *vmx)
{
	return hv_emulate_wrmsr(&vmx->vcpu, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/*
 * VM entry failed while or after loading the guest state (SDM 27.8): an
 * invalid guest state, an MSR it could not load, or a machine check.
 * Nothing was entered and the VMCS is as it was, so userspace can fix the
 * state (HV_SET_SREGS) and run again; it gets the exit reason, bit 31
 * included, as KVM reports it.
 */
static int vmx_exit_failed_entry(struct vmx_vcpu *vmx)
{
	pr_warn_ratelimited("vCPU %u: VM entry rejected the guest state (reason %#x qualification %#llx cr0 %#llx cr4 %#llx efer %#llx cs.ar %#llx)\n",
			    vmx->vcpu.id, vmx->exit_reason, vmx->exit_qual,
			    vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR4),
			    vmx->efer, vmcs_read(GUEST_CS_AR_BYTES));
	return hv_exit_fail_entry(&vmx->vcpu, vmx->exit_reason);
}

typedef int (*vmx_exit_handler)(struct vmx_vcpu *vmx);

static const vmx_exit_handler vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= vmx_exit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= vmx_exit_nothing,
	[EXIT_REASON_INTERRUPT_WINDOW]		= vmx_exit_irq_window,
	[EXIT_REASON_NMI_WINDOW]		= vmx_exit_nmi_window,
	[EXIT_REASON_TRIPLE_FAULT]		= vmx_exit_triple_fault,
	[EXIT_REASON_CPUID]			= vmx_exit_cpuid,
	[EXIT_REASON_HLT]			= vmx_exit_hlt,
	[EXIT_REASON_INVD]			= vmx_exit_nop,
	[EXIT_REASON_INVLPG]			= vmx_exit_invlpg,
	[EXIT_REASON_RDPMC]			= vmx_exit_gp,
	[EXIT_REASON_VMCALL]			= vmx_exit_vmcall,
	/* VMX itself is not offered to guests: these raise #UD. */
	[EXIT_REASON_VMCLEAR]			= vmx_exit_ud,
	[EXIT_REASON_VMLAUNCH]			= vmx_exit_ud,
	[EXIT_REASON_VMPTRLD]			= vmx_exit_ud,
	[EXIT_REASON_VMPTRST]			= vmx_exit_ud,
	[EXIT_REASON_VMREAD]			= vmx_exit_ud,
	[EXIT_REASON_VMRESUME]			= vmx_exit_ud,
	[EXIT_REASON_VMWRITE]			= vmx_exit_ud,
	[EXIT_REASON_VMOFF]			= vmx_exit_ud,
	[EXIT_REASON_VMON]			= vmx_exit_ud,
	[EXIT_REASON_INVEPT]			= vmx_exit_ud,
	[EXIT_REASON_INVVPID]			= vmx_exit_ud,
	[EXIT_REASON_VMFUNC]			= vmx_exit_ud,
	[EXIT_REASON_CR_ACCESS]			= vmx_exit_cr,
	[EXIT_REASON_DR_ACCESS]			= vmx_exit_dr,
	[EXIT_REASON_IO_INSTRUCTION]		= vmx_exit_io,
	[EXIT_REASON_MSR_READ]			= vmx_exit_rdmsr,
	[EXIT_REASON_MSR_WRITE]			= vmx_exit_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= vmx_exit_nop,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= vmx_exit_nop,
	[EXIT_REASON_EPT_VIOLATION]		= vmx_exit_ept_violation,
	/* hv never builds a misconfigured EPT entry: report it. */
	[EXIT_REASON_EPT_MISCONFIG]		= vmx_exit_unexpected,
	[EXIT_REASON_PREEMPTION_TIMER]		= vmx_exit_nothing,
	[EXIT_REASON_WBINVD]			= vmx_exit_nop,
	[EXIT_REASON_XSETBV]			= vmx_exit_xsetbv,
};

/* VMLAUNCH/VMRESUME refused the VMCS itself (SDM 31.4 error numbers). */
static int vmx_vmfail(struct vmx_vcpu *vmx)
{
	u64 error = vmcs_read(VM_INSTRUCTION_ERROR);

	pr_warn_ratelimited("vCPU %u: VM entry failed, VM-instruction error %llu\n",
			    vmx->vcpu.id, error);
	return hv_exit_fail_entry(&vmx->vcpu, error);
}

/* The reason each basic exit reason counts as in the statistics. */
static const u8 vmx_exit_stats[] = {
	[EXIT_REASON_EXCEPTION_NMI]		= HV_EXIT_STAT_EXCEPTION,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= HV_EXIT_STAT_INTR,
	[EXIT_REASON_PREEMPTION_TIMER]		= HV_EXIT_STAT_INTR,
	[EXIT_REASON_INTERRUPT_WINDOW]		= HV_EXIT_STAT_WINDOW,
	[EXIT_REASON_NMI_WINDOW]		= HV_EXIT_STAT_WINDOW,
	[EXIT_REASON_TRIPLE_FAULT]		= HV_EXIT_STAT_SHUTDOWN,
	[EXIT_REASON_CPUID]			= HV_EXIT_STAT_CPUID,
	[EXIT_REASON_HLT]			= HV_EXIT_STAT_HLT,
	[EXIT_REASON_INVD]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_INVLPG]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_RDPMC]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_VMCALL]			= HV_EXIT_STAT_HYPERCALL,
	[EXIT_REASON_VMCLEAR ... EXIT_REASON_VMON] = HV_EXIT_STAT_INSN,
	[EXIT_REASON_INVEPT]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_INVVPID]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_VMFUNC]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_CR_ACCESS]			= HV_EXIT_STAT_CR,
	[EXIT_REASON_DR_ACCESS]			= HV_EXIT_STAT_DR,
	[EXIT_REASON_IO_INSTRUCTION]		= HV_EXIT_STAT_IO,
	[EXIT_REASON_MSR_READ]			= HV_EXIT_STAT_RDMSR,
	[EXIT_REASON_MSR_WRITE]			= HV_EXIT_STAT_WRMSR,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= HV_EXIT_STAT_INSN,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= HV_EXIT_STAT_INSN,
	[EXIT_REASON_EPT_VIOLATION]		= HV_EXIT_STAT_NPF,
	[EXIT_REASON_WBINVD]			= HV_EXIT_STAT_INSN,
	[EXIT_REASON_XSETBV]			= HV_EXIT_STAT_XSETBV,
};

/* Called by core/run.c after each entry, interrupts on again. */
int vmx_handle_exit(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u16 basic = vmx->exit_reason;

	if (vmx->entry_failed ||
	    (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vcpu->exit_stat = HV_EXIT_STAT_FAIL;
	else if (basic < ARRAY_SIZE(vmx_exit_stats))
		vcpu->exit_stat = vmx_exit_stats[basic];
	if (vmx->entry_failed)
		return vmx_vmfail(vmx);
	if (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return vmx_exit_failed_entry(vmx);
	if (basic < ARRAY_SIZE(vmx_exit_handlers) && vmx_exit_handlers[basic])
		return vmx_exit_handlers[basic](vmx);
	/* Task switches and anything unforeseen: tell userspace. */
	return vmx_exit_unexpected(vmx);
}
