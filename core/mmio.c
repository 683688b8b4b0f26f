// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: an access to guest-physical memory that no slot backs (or a write
 * to a read-only slot) is completed by emulating the instruction, which
 * hands each MMIO access to userspace as HV_EXIT_MMIO.  See
 * core/emulate/emulate.h for the re-execution protocol.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <asm/trapnr.h>

#include "hv.h"

/* KVM's emulation-failure layout of run->internal (KVM API doc). */
#define HV_EMULATION_FLAG_INSN_BYTES	BIT_ULL(0)

static int hv_mmio_unhandled(struct hv_vcpu *vcpu)
{
	struct hv_emu *emu = &vcpu->emu;
	u64 data[1 + 2 + ARRAY_SIZE(vcpu->hw_exit)] = { 0 };
	u8 *insn = (u8 *)&data[1];

	data[0] = HV_EMULATION_FLAG_INSN_BYTES;
	insn[0] = emu->insn_len;
	memset(insn + 1, 0x90, 15);
	memcpy(insn + 1, emu->insn_bytes, emu->insn_len);
	memcpy(&data[3], vcpu->hw_exit, sizeof(vcpu->hw_exit));
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_EMULATION,
				      ARRAY_SIZE(data), data);
}

/*
 * An access a device in the kernel serves (core/io_bus.c): complete it
 * at once, as userspace would, and let the emulator go on.
 */
static int hv_mmio_in_kernel(struct hv_vcpu *vcpu,
			     const struct hv_emu_mmio_req *req)
{
	u8 data[sizeof(req->data)] = { 0 };
	int r;

	if (req->is_write)
		r = hv_io_bus_write(vcpu, HV_MMIO_BUS, req->gpa, req->len,
				    req->data);
	else
		r = hv_io_bus_read(vcpu, HV_MMIO_BUS, req->gpa, req->len, data);
	if (!r)
		hv_emu_mmio_complete(&vcpu->emu, data);
	return r;
}

/*
 * As KVM: the instruction raises #UD when the guest runs again, and a
 * kernel-mode (CPL 0) guest also makes the VMM see the failure, with the
 * instruction's bytes.
 */
static int hv_mmio_failed(struct hv_vcpu *vcpu, u8 cpl)
{
	int r;

	hv_queue_ud(vcpu);
	r = cpl ? 1 : hv_mmio_unhandled(vcpu);
	hv_emu_reset(&vcpu->emu);
	return r;
}

/* Run (or re-run) the instruction at RIP through the emulator. */
static int hv_mmio_emulate(struct hv_vcpu *vcpu)
{
	struct hv_emu *emu = &vcpu->emu;
	struct hv_run *run = vcpu->run;
	struct hv_emu_cpu cpu = vcpu->regs;
	struct hv_emu_env env;
	int r;

	/* Emulation reads guest memory: flush the L1D (core/spec.c). */
	vcpu->l1d_flush = true;
	hv_ops->get_emu_state(vcpu, &cpu);
	hv_emu_env_init(&env, vcpu);

again:
	switch (hv_emu_mmio(emu, &cpu, &env)) {
	case HV_EMU_DONE:
		memcpy(vcpu->regs.gpr, cpu.gpr, sizeof(cpu.gpr));
		vcpu->regs.rip = cpu.rip;
		vcpu->regs.rflags = cpu.rflags;
		hv_emu_reset(emu);
		return 1;
	case HV_EMU_MMIO:
		if (!hv_mmio_in_kernel(vcpu, &emu->req))
			goto again;
		run->exit_reason = HV_EXIT_MMIO;
		run->mmio.phys_addr = emu->req.gpa;
		run->mmio.len = emu->req.len;
		run->mmio.is_write = emu->req.is_write;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		if (emu->req.is_write)
			memcpy(run->mmio.data, emu->req.data, emu->req.len);
		vcpu->pending = HV_PENDING_MMIO;
		return 0;
	case HV_EMU_EXCEPTION:
		hv_queue_emu_exception(vcpu, &emu->exc);
		hv_emu_reset(emu);
		return 1;
	case HV_EMU_ERROR:
		/* Page tables outside RAM: not emulated, as KVM fails it. */
		if (emu->err == -ENOENT)
			return hv_mmio_failed(vcpu, cpu.cpl);
		r = emu->err ? emu->err : -EFAULT;
		hv_emu_reset(emu);
		return r;
	case HV_EMU_UNHANDLED:
	default:
		return hv_mmio_failed(vcpu, cpu.cpl);
	}
}

/* An exit for an access to guest-physical memory no slot backs. */
int hv_handle_mmio(struct hv_vcpu *vcpu)
{
	const struct hv_exit_event *x = &vcpu->exit_event;

	vcpu->exit_stat = HV_EXIT_STAT_MMIO;	/* not a fault on RAM */
	/*
	 * The exit came while the CPU delivered an event (its IDT entry or
	 * stack is not RAM): the instruction at RIP is not what accessed
	 * MMIO, and nothing can complete the delivery.  As newer KVM does,
	 * userspace gets an internal error, with the exit's information.
	 * Only this exit's own vectoring information says so: an interrupt
	 * userspace queued since (HV_INTERRUPT) is not being delivered.
	 */
	if (x->entered && x->valid) {
		u64 data[ARRAY_SIZE(vcpu->hw_exit) + 1];

		memcpy(data, vcpu->hw_exit, sizeof(vcpu->hw_exit));
		data[ARRAY_SIZE(vcpu->hw_exit)] = vcpu->cpu;
		return hv_exit_internal_error(vcpu,
					      HV_INTERNAL_ERROR_DELIVERY_EV,
					      ARRAY_SIZE(data), data);
	}
	return hv_mmio_emulate(vcpu);
}

/*
 * The next HV_RUN after an HV_EXIT_MMIO: userspace did the access, and
 * may have queued an interrupt (HV_INTERRUPT) since, which the
 * instruction's completion comes before.
 */
int hv_complete_mmio(struct hv_vcpu *vcpu)
{
	hv_emu_mmio_complete(&vcpu->emu, vcpu->run->mmio.data);
	return hv_mmio_emulate(vcpu);
}
