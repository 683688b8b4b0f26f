// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exits: every #VMEXIT code hv intercepts is handled here, one
 * function each, through the table at the end.  Handlers return > 0 to
 * re-enter the guest, 0 to return to userspace, -errno to fail HV_RUN.
 *
 * No decode assists or next-RIP are assumed (QEMU's emulated SVM has
 * neither): instruction lengths are the architectural ones, and the few
 * instructions that need decoding are decoded in svm/movcr.c or by the
 * core's emulator.
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <asm/svm.h>
#include <asm/trap_pf.h>
#include <asm/traps.h>

#include "svm.h"

/* KVM's answer to an unknown hypercall number (KVM_ENOSYS). */

static int svm_skip(struct svm_vcpu *svm, u8 len)
{
	svm->vcpu.regs.rip += len;
	return 1;
}

static int svm_exit_nothing(struct svm_vcpu *svm)
{
	/*
	 * A host interrupt or NMI: it was taken when interrupts were
	 * enabled after the exit.  Just go back in.
	 */
	return 1;
}

static int svm_exit_cpuid(struct svm_vcpu *svm)
{
	return hv_emulate_cpuid(&svm->vcpu, 2);		/* 0F A2 */
}

static int svm_exit_hlt(struct svm_vcpu *svm)
{
	svm_skip(svm, 1);				/* F4 */
	return hv_exit_hlt(&svm->vcpu);
}

/*
 * APM Vol. 2, 15.10.2: EXITINFO1 describes the access, EXITINFO2 is the
 * RIP of the next instruction (even without next-RIP saving).  For string
 * forms hv reads the prefixes itself: the segment of OUTS is reported only
 * with decode assists, and QEMU's emulated SVM leaves the address size 0.
 */
static int svm_exit_io(struct svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	struct hv_pio_exit io = {
		.port = info >> 16,
		.in = info & SVM_IOIO_TYPE_MASK,
		.string = info & SVM_IOIO_STR_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
		.size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
		.addr_size = ((info & SVM_IOIO_ASIZE_MASK) >>
			      SVM_IOIO_ASIZE_SHIFT) << 1,
		.seg = HV_DS,
		.insn_len = svm->vmcb->control.exit_info_2 - svm->vcpu.regs.rip,
	};

	if (io.string)
		hv_pio_string_prefixes(&svm->vcpu, &io);
	return hv_exit_pio(&svm->vcpu, &io);
}

/*
 * APM Vol. 2, 15.25.6: EXITINFO1 is a #PF-style error code, EXITINFO2 the
 * guest-physical address.
 */
static int svm_exit_npf(struct svm_vcpu *svm)
{
	u64 error = svm->vmcb->control.exit_info_1;
	u64 gpa = svm->vmcb->control.exit_info_2;
	int r;

	if (error & X86_PF_RSVD)	/* hv never writes reserved bits */
		return hv_exit_unexpected(&svm->vcpu, SVM_EXIT_NPF);

	r = hv_page_fault(&svm->vcpu, gpa, error & X86_PF_WRITE);
	if (r == HV_FAULT_MMIO)
		return hv_handle_mmio(&svm->vcpu);
	return r;
}

/*
 * Triple fault.  The VMCB is undefined after a shutdown intercept (APM
 * Vol. 2, 15.11), so, as KVM does, it is cleared and the vCPU put
 * through INIT, which keeps CR0.CD/NW (SDM 10.1.1, Table 10-1) and PAT
 * (KVM keeps its copy of PAT outside the VMCB).
 */
static int svm_exit_shutdown(struct svm_vcpu *svm)
{
	struct hv_vcpu *vcpu = &svm->vcpu;
	u64 cr0 = svm->vmcb->save.cr0 & (X86_CR0_CD | X86_CR0_NW);
	u64 pat = svm->vmcb->save.g_pat;

	svm_vmcb_reset(svm);
	svm->vmcb->save.cr0 = cr0;
	svm->vmcb->save.g_pat = pat;
	hv_vcpu_init(vcpu);
	return hv_exit_shutdown(vcpu);
}

/* VMRUN refused the guest state (APM Vol. 2, 15.5.1 consistency checks). */
static int svm_exit_err(struct svm_vcpu *svm)
{
	pr_warn_ratelimited("vCPU %u: VMRUN rejected the guest state (cr0 %#llx cr4 %#llx efer %#llx cs.attrib %#x)\n",
			    svm->vcpu.id, svm->vmcb->save.cr0,
			    svm->vmcb->save.cr4, svm->vmcb->save.efer,
			    svm->vmcb->save.cs.attrib);
	return hv_exit_fail_entry(&svm->vcpu, svm->vmcb->control.exit_code);
}

static int svm_exit_ud(struct svm_vcpu *svm)
{
	hv_queue_ud(&svm->vcpu);
	return 1;
}

static int svm_exit_gp(struct svm_vcpu *svm)
{
	hv_queue_gp(&svm->vcpu, 0);
	return 1;
}

/* MONITOR/MWAIT: no-ops, as KVM treats them by default. */
static int svm_exit_nop3(struct svm_vcpu *svm)
{
	return svm_skip(svm, 3);
}

/* INVD/WBINVD: guest caches are the host's; nothing to do. */
static int svm_exit_nop2(struct svm_vcpu *svm)
{
	return svm_skip(svm, 2);
}

static int svm_exit_vmmcall(struct svm_vcpu *svm)
{
	return hv_emulate_hypercall(&svm->vcpu, 3);	/* 0F 01 D9 */
}

/* XSETBV (SDM Vol. 2C): the core checks the value against the CPUID. */
static int svm_exit_xsetbv(struct svm_vcpu *svm)
{
	struct hv_vcpu *vcpu = &svm->vcpu;
	u64 *gpr = vcpu->regs.gpr;
	u64 xcr0 = (gpr[HV_RDX] << 32) | (u32)gpr[HV_RAX];

	if (svm->vmcb->save.cpl || hv_set_xcr(vcpu, gpr[HV_RCX], xcr0))
		return svm_exit_gp(svm);
	return svm_skip(svm, 3);			/* 0F 01 D1 */
}

/*
 * #DB and #AC are intercepted only to be delivered safely: reflect them.
 * A #DB of hv's own single step (an NMI window, svm/event.c) is not the
 * guest's.
 */
static int svm_exit_reflect(struct svm_vcpu *svm)
{
	u8 vector = svm->vmcb->control.exit_code - SVM_EXIT_EXCP_BASE;

	if (vector == DB_VECTOR && svm_nmi_singlestep_done(svm))
		return 1;

	/* #AC has an error code, always 0. */
	hv_queue_exception(&svm->vcpu, vector, vector == AC_VECTOR, 0);
	return 1;
}

/*
 * A machine check in guest mode is the host's (svm/vmcb.c intercepts
 * it): svm/run.c handed it to the host's handler right after the exit,
 * on the CPU that saw it.  The guest is not told, as with KVM.
 */
static int svm_exit_mc(struct svm_vcpu *svm)
{
	return 1;
}

/* The guest could take an interrupt: the window is open (svm/event.c). */
static int svm_exit_vintr(struct svm_vcpu *svm)
{
	svm_disable_irq_window(svm);
	return 1;
}

/*
 * The IRET that ends an NMI handler, before it executes: NMIs stay
 * blocked until it has (svm_nmi_iret_done, after the next exit).
 */
static int svm_exit_iret(struct svm_vcpu *svm)
{
	svm_clr_intercept(svm->vmcb, INTERCEPT_IRET);
	svm->awaiting_iret = true;
	svm->iret_rip = svm->vcpu.regs.rip;
	return 1;
}

static int svm_exit_mov_cr_dr(struct svm_vcpu *svm)
{
	return svm_handle_mov_cr_dr(svm);
}

static int svm_exit_msr(struct svm_vcpu *svm)
{
	/* EXITINFO1: 0 for RDMSR, 1 for WRMSR (APM Vol. 2, 15.11). */
	if (svm->vmcb->control.exit_info_1) {
		svm->vcpu.exit_stat = HV_EXIT_STAT_WRMSR;
		return hv_emulate_wrmsr(&svm->vcpu, 2);	/* 0F 30 */
	}
	return hv_emulate_rdmsr(&svm->vcpu, 2);		/* 0F 32 */
}

typedef int (*svm_exit_handler)(struct svm_vcpu *svm);

static const svm_exit_handler svm_exit_handlers[] = {
	[SVM_EXIT_READ_CR4]		= svm_exit_mov_cr_dr,
	[SVM_EXIT_WRITE_CR4]		= svm_exit_mov_cr_dr,
	[SVM_EXIT_WRITE_CR8]		= svm_exit_mov_cr_dr,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7] = svm_exit_mov_cr_dr,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7] = svm_exit_mov_cr_dr,
	[SVM_EXIT_EXCP_BASE + DB_VECTOR] = svm_exit_reflect,
	[SVM_EXIT_EXCP_BASE + AC_VECTOR] = svm_exit_reflect,
	[SVM_EXIT_EXCP_BASE + MC_VECTOR] = svm_exit_mc,
	[SVM_EXIT_INTR]			= svm_exit_nothing,
	[SVM_EXIT_VINTR]		= svm_exit_vintr,
	[SVM_EXIT_IRET]			= svm_exit_iret,
	[SVM_EXIT_NMI]			= svm_exit_nothing,
	[SVM_EXIT_RDPMC]		= svm_exit_gp,
	[SVM_EXIT_CPUID]		= svm_exit_cpuid,
	[SVM_EXIT_RSM]			= svm_exit_ud,
	[SVM_EXIT_INVD]			= svm_exit_nop2,
	[SVM_EXIT_HLT]			= svm_exit_hlt,
	[SVM_EXIT_INVLPGA]		= svm_exit_ud,
	[SVM_EXIT_IOIO]			= svm_exit_io,
	[SVM_EXIT_MSR]			= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]		= svm_exit_shutdown,
	[SVM_EXIT_VMRUN]		= svm_exit_ud,
	[SVM_EXIT_VMMCALL]		= svm_exit_vmmcall,
	[SVM_EXIT_VMLOAD]		= svm_exit_ud,
	[SVM_EXIT_VMSAVE]		= svm_exit_ud,
	[SVM_EXIT_STGI]			= svm_exit_ud,
	[SVM_EXIT_CLGI]			= svm_exit_ud,
	[SVM_EXIT_SKINIT]		= svm_exit_ud,
	[SVM_EXIT_WBINVD]		= svm_exit_nop2,
	[SVM_EXIT_MONITOR]		= svm_exit_nop3,
	[SVM_EXIT_MWAIT]		= svm_exit_nop3,
	[SVM_EXIT_XSETBV]		= svm_exit_xsetbv,
	[SVM_EXIT_RDPRU]		= svm_exit_ud,
	[SVM_EXIT_RDTSCP]		= svm_exit_ud,
	[SVM_EXIT_NPF]			= svm_exit_npf,
};

/* The reason each exit code counts as in the statistics (core/stats.h). */
static const u8 svm_exit_stats[] = {
	[SVM_EXIT_READ_CR4]		= HV_EXIT_STAT_CR,
	[SVM_EXIT_WRITE_CR4]		= HV_EXIT_STAT_CR,
	[SVM_EXIT_WRITE_CR8]		= HV_EXIT_STAT_CR,
	[SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7] = HV_EXIT_STAT_DR,
	[SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7] = HV_EXIT_STAT_DR,
	[SVM_EXIT_EXCP_BASE ... SVM_EXIT_EXCP_BASE + 31] = HV_EXIT_STAT_EXCEPTION,
	[SVM_EXIT_INTR]			= HV_EXIT_STAT_INTR,
	[SVM_EXIT_NMI]			= HV_EXIT_STAT_INTR,
	[SVM_EXIT_VINTR]		= HV_EXIT_STAT_WINDOW,
	[SVM_EXIT_IRET]			= HV_EXIT_STAT_WINDOW,
	[SVM_EXIT_RDPMC]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_CPUID]		= HV_EXIT_STAT_CPUID,
	[SVM_EXIT_RSM]			= HV_EXIT_STAT_INSN,
	[SVM_EXIT_INVD]			= HV_EXIT_STAT_INSN,
	[SVM_EXIT_HLT]			= HV_EXIT_STAT_HLT,
	[SVM_EXIT_INVLPGA]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_IOIO]			= HV_EXIT_STAT_IO,
	[SVM_EXIT_MSR]			= HV_EXIT_STAT_RDMSR,	/* or WRMSR */
	[SVM_EXIT_SHUTDOWN]		= HV_EXIT_STAT_SHUTDOWN,
	[SVM_EXIT_VMRUN]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_VMMCALL]		= HV_EXIT_STAT_HYPERCALL,
	[SVM_EXIT_VMLOAD]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_VMSAVE]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_STGI]			= HV_EXIT_STAT_INSN,
	[SVM_EXIT_CLGI]			= HV_EXIT_STAT_INSN,
	[SVM_EXIT_SKINIT]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_WBINVD]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_MONITOR]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_MWAIT]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_XSETBV]		= HV_EXIT_STAT_XSETBV,
	[SVM_EXIT_RDPRU]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_RDTSCP]		= HV_EXIT_STAT_INSN,
	[SVM_EXIT_NPF]			= HV_EXIT_STAT_NPF,
};

/* Called by core/run.c after each entry, interrupts on again. */
int svm_handle_exit(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	u32 code = svm->vmcb->control.exit_code;

	if (code == (u32)SVM_EXIT_ERR) {
		vcpu->exit_stat = HV_EXIT_STAT_FAIL;
		return svm_exit_err(svm);
	}
	if (code < ARRAY_SIZE(svm_exit_stats))
		vcpu->exit_stat = svm_exit_stats[code];
	if (code < ARRAY_SIZE(svm_exit_handlers) && svm_exit_handlers[code])
		return svm_exit_handlers[code](svm);
	/* Task switches and anything unforeseen: tell userspace. */
	return hv_exit_unexpected(&svm->vcpu, code);
}
