// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits (HV_EXIT_IO), with KVM's layout and pacing.
 *
 * The data sits in the second page of the vCPU mmap (data_offset =
 * PAGE_SIZE).  RIP moves past the instruction only when the next HV_RUN
 * completes the exit, and only if userspace did not move it meanwhile.
 * String forms: OUTS hands one element per exit; INS asks for as many as
 * fit in a 1 KiB buffer and in the rest of the page at rDI (KVM's
 * read-ahead) and stores them all on completion.  A REP form leaves RIP
 * on the instruction until rCX reaches zero, so the guest re-executes it
 * (and may take interrupts between exits, as on hardware).
 *
 * IN and OUT go to the in-kernel I/O bus first (core/io_bus.c): a port a
 * device model or an ioeventfd serves completes here, without an exit.
 * String forms always exit: the in-kernel devices do not need them.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/minmax.h>
#include <linux/mm.h>

#include "hv.h"

#define HV_PIO_READAHEAD	1024	/* bytes, as KVM */

static u64 hv_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/* rSI/rDI/rCX as the instruction's address size sees them. */
static u64 hv_str_reg(struct hv_vcpu *vcpu, int reg)
{
	return vcpu->regs.gpr[reg] & hv_addr_mask(vcpu->pio.addr_size);
}

/* Add @delta to rSI/rDI/rCX, wrapping within the address size. */
static void hv_str_reg_add(struct hv_vcpu *vcpu, int reg, s64 delta)
{
	u64 mask = hv_addr_mask(vcpu->pio.addr_size);
	u64 *r = &vcpu->regs.gpr[reg];

	*r = (*r & ~mask) | ((*r + delta) & mask);
}

static s64 hv_str_step(struct hv_vcpu *vcpu, u32 n)
{
	s64 bytes = (s64)n * vcpu->pio.size;

	return (vcpu->regs.rflags & X86_EFLAGS_DF) ? -bytes : bytes;
}

/*
 * The rest of the string instruction, once its elements have moved.  A
 * VMM may have lowered rCX during the exit (KVM's selftests do): rCX
 * never wraps, the instruction ends when it reaches 0.
 */
static int hv_pio_string_done(struct hv_vcpu *vcpu, u32 n, u8 insn_len)
{
	if (vcpu->pio.rep) {
		hv_str_reg_add(vcpu, HV_RCX,
			       -(s64)min_t(u64, n, hv_str_reg(vcpu, HV_RCX)));
		if (hv_str_reg(vcpu, HV_RCX))
			return 1;	/* re-execute for the next elements */
	}
	vcpu->regs.rip += insn_len;
	return 1;
}

static int hv_pio_inject(struct hv_vcpu *vcpu, int r,
			 const struct hv_emu_exception *exc)
{
	if (r == HV_EMU_EXCEPTION) {
		hv_queue_emu_exception(vcpu, exc);
		return 1;
	}
	/* A string operand in MMIO, or a host failure: not supported. */
	return hv_exit_internal_error(vcpu, HV_INTERNAL_ERROR_EMULATION, 0,
				      NULL);
}

static u64 hv_str_linear(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu,
			 int seg, int reg)
{
	u64 base = cpu->seg[seg].base;

	/* 64-bit mode ignores the ES/DS bases (SDM 3.4.4). */
	if (cpu->seg[HV_CS].l && seg != HV_FS && seg != HV_GS)
		base = 0;
	return base + hv_str_reg(vcpu, reg);
}

static int hv_pio_outs(struct hv_vcpu *vcpu, struct hv_emu_cpu *cpu)
{
	struct hv_emu_exception exc;
	struct hv_emu_env env;
	int r;

	hv_emu_env_init(&env, vcpu);
	r = hv_emu_read_linear(cpu, &env,
			       hv_str_linear(vcpu, cpu, vcpu->pio.seg, HV_RSI),
			       vcpu->pio_data, vcpu->pio.size, &exc);
	if (r)
		return hv_pio_inject(vcpu, r, &exc);
	vcpu->pio.count = 1;
	return 0;
}

static u32 hv_pio_ins_count(struct hv_vcpu *vcpu)
{
	u64 rdi = hv_str_reg(vcpu, HV_RDI);
	u32 in_page, count = 1;

	if (vcpu->pio.rep)
		count = min_t(u64, hv_str_reg(vcpu, HV_RCX), U32_MAX);
	in_page = (vcpu->regs.rflags & X86_EFLAGS_DF) ?
		  offset_in_page(rdi) : PAGE_SIZE - offset_in_page(rdi);
	/* KVM compares bytes with elements here; so do we, for parity. */
	return max(1u, min3(in_page, HV_PIO_READAHEAD / (u32)vcpu->pio.size,
			    count));
}

/*
 * The backend decoded an IN/OUT/INS/OUTS exit.  Prepare HV_EXIT_IO and
 * return 0, or return 1 if nothing needs userspace.
 */
/*
 * For string I/O on hardware that does not report it all: read the
 * instruction's prefixes.  A segment override names the segment OUTS reads
 * from (INS always writes through ES), and 67h changes the address size,
 * which hv derives from the code segment when @io->addr_size is 0.
 * (Older VMX CPUs leave both out, IA32_VMX_BASIC[54] = 0; QEMU's emulated
 * SVM reports no address size.)  An unreadable instruction leaves the
 * defaults; running it again faults properly in the guest.
 */
void hv_pio_string_prefixes(struct hv_vcpu *vcpu, struct hv_pio_exit *io)
{
	static const u8 seg_prefix[HV_NR_SREGS] = {
		[HV_ES] = 0x26, [HV_CS] = 0x2e, [HV_SS] = 0x36,
		[HV_DS] = 0x3e, [HV_FS] = 0x64, [HV_GS] = 0x65,
	};
	struct hv_emu_exception exc;
	struct hv_emu_cpu cpu = vcpu->regs;
	struct hv_emu_env env;
	bool addr_override = false;
	u8 insn[15];
	int i, seg, len = min_t(int, io->insn_len, sizeof(insn));

	hv_ops->get_emu_state(vcpu, &cpu);
	hv_emu_env_init(&env, vcpu);
	if (hv_emu_read_linear(&cpu, &env,
			       (cpu.seg[HV_CS].l ? 0 : cpu.seg[HV_CS].base) +
			       cpu.rip, insn, len, &exc))
		len = 0;
	for (i = 0; i < len; i++) {
		for (seg = 0; seg < HV_NR_SREGS; seg++)
			if (insn[i] == seg_prefix[seg])
				io->seg = seg;
		if (insn[i] == 0x67)
			addr_override = true;
	}
	if (io->addr_size)
		return;
	if (cpu.seg[HV_CS].l)
		io->addr_size = addr_override ? 4 : 8;
	else if (cpu.seg[HV_CS].db)
		io->addr_size = addr_override ? 2 : 4;
	else
		io->addr_size = addr_override ? 4 : 2;
}

int hv_exit_pio(struct hv_vcpu *vcpu, const struct hv_pio_exit *io)
{
	struct hv_run *run = vcpu->run;
	struct hv_emu_cpu cpu;
	int r;

	vcpu->pio.port = io->port;
	vcpu->pio.in = io->in;
	vcpu->pio.size = io->size;
	vcpu->pio.string = io->string;
	vcpu->pio.rep = io->rep;
	vcpu->pio.addr_size = io->addr_size;
	vcpu->pio.seg = io->seg;
	vcpu->pio.count = 1;
	vcpu->pio.insn_len = io->insn_len;
	vcpu->pio.rip = vcpu->regs.rip;
	/* String I/O reads guest memory: flush the L1D (core/spec.c). */
	vcpu->l1d_flush |= io->string;

	if (io->string && io->rep && !hv_str_reg(vcpu, HV_RCX)) {
		vcpu->regs.rip += io->insn_len;	/* REP with rCX = 0: no-op */
		return 1;
	}

	if (io->string) {
		cpu = vcpu->regs;
		hv_ops->get_emu_state(vcpu, &cpu);
		if (io->in) {
			vcpu->pio.count = hv_pio_ins_count(vcpu);
		} else {
			r = hv_pio_outs(vcpu, &cpu);
			if (r)
				return r;
		}
	} else if (!io->in) {
		memcpy(vcpu->pio_data, &vcpu->regs.gpr[HV_RAX], io->size);
		if (!hv_io_bus_write(vcpu, HV_PIO_BUS, io->port, io->size,
				     vcpu->pio_data)) {
			vcpu->regs.rip += io->insn_len;
			return 1;
		}
	} else if (!hv_io_bus_read(vcpu, HV_PIO_BUS, io->port, io->size,
				   vcpu->pio_data)) {
		vcpu->pending = HV_PENDING_NONE;
		return hv_complete_pio(vcpu);
	}

	run->exit_reason = HV_EXIT_IO;
	run->io.direction = io->in ? HV_EXIT_IO_IN : HV_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = vcpu->pio.count;
	run->io.data_offset = HV_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->pending = HV_PENDING_PIO;
	return 0;
}

static int hv_complete_ins(struct hv_vcpu *vcpu)
{
	struct hv_emu_exception exc;
	struct hv_emu_env env;
	struct hv_emu_cpu cpu = vcpu->regs;
	u32 n = vcpu->pio.count, bytes;
	u64 la;
	int r;

	/*
	 * As KVM, only as many of the elements read ahead as rCX still asks
	 * for are stored, should the VMM have changed it during the exit;
	 * the others are dropped.
	 */
	if (vcpu->pio.rep) {
		n = min_t(u64, n, hv_str_reg(vcpu, HV_RCX));
		if (!n) {
			vcpu->regs.rip += vcpu->pio.insn_len;
			return 1;
		}
	}
	bytes = n * vcpu->pio.size;
	hv_ops->get_emu_state(vcpu, &cpu);
	hv_emu_env_init(&env, vcpu);
	la = hv_str_linear(vcpu, &cpu, HV_ES, HV_RDI);
	if (vcpu->regs.rflags & X86_EFLAGS_DF)
		la -= bytes - vcpu->pio.size;	/* elements go downwards */
	if (vcpu->regs.rflags & X86_EFLAGS_DF && n > 1) {
		/* Stored in order, highest address first: reverse the data. */
		u8 *d = vcpu->pio_data;
		u32 i, sz = vcpu->pio.size;

		for (i = 0; i < n / 2; i++) {
			u8 tmp[4];

			memcpy(tmp, d + i * sz, sz);
			memcpy(d + i * sz, d + (n - 1 - i) * sz, sz);
			memcpy(d + (n - 1 - i) * sz, tmp, sz);
		}
	}
	r = hv_emu_write_linear(&cpu, &env, la, vcpu->pio_data, bytes, &exc);
	if (r)
		return hv_pio_inject(vcpu, r, &exc);
	hv_str_reg_add(vcpu, HV_RDI, hv_str_step(vcpu, n));
	return hv_pio_string_done(vcpu, n, vcpu->pio.insn_len);
}

/* The next HV_RUN after an HV_EXIT_IO. */
int hv_complete_pio(struct hv_vcpu *vcpu)
{
	/* Userspace moved RIP (e.g. it emulated the instruction): done. */
	if (vcpu->regs.rip != vcpu->pio.rip)
		return 1;

	/*
	 * The direction is the kernel's copy: the run page is userspace's
	 * to scribble on, and an OUT completed as an IN would write guest
	 * registers or memory the instruction never touches.
	 */
	if (vcpu->pio.string) {
		if (vcpu->pio.in)
			return hv_complete_ins(vcpu);
		hv_str_reg_add(vcpu, HV_RSI, hv_str_step(vcpu, 1));
		return hv_pio_string_done(vcpu, 1, vcpu->pio.insn_len);
	}

	if (vcpu->pio.in) {
		u64 *rax = &vcpu->regs.gpr[HV_RAX];

		/* A 32-bit destination zeroes bits 63:32 (SDM 3.4.1.1). */
		if (vcpu->pio.size == 4)
			*rax = 0;
		memcpy(rax, vcpu->pio_data, vcpu->pio.size);
	}
	vcpu->regs.rip += vcpu->pio.insn_len;
	return 1;
}
