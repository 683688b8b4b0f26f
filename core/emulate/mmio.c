// SPDX-License-Identifier: GPL-2.0
/*
 * Execution of the supported instructions under the MMIO protocol of
 * emulate.h: every pass runs the whole instruction on a copy of the
 * registers; the MMIO accesses it meets are answered from emu->log in
 * order, and the first one not in the log stops the pass with
 * HV_EMU_MMIO.  Only a pass that reaches the end copies the registers
 * back, so a pass can be abandoned and repeated at any point.
 *
 * Memory operands are translated (segmentation, then paging) before any
 * of them is accessed, so that a fault never follows a device access of
 * the same instruction.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "emulate_priv.h"

void hv_emu_reset(struct hv_emu *emu)
{
	memset(emu, 0, sizeof(*emu));
}

void hv_emu_mmio_complete(struct hv_emu *emu, const void *data)
{
	struct hv_emu_mmio_req *e;

	if (!emu->pending)
		return;
	e = &emu->log[emu->nr_log];
	if (!e->is_write && data) {
		memcpy(e->data, data, e->len);
		memcpy(emu->req.data, data, e->len);
	}
	emu->nr_log++;
	emu->pending = false;
}

/*
 * Registers.  8-bit operands name AH, CH, DH, BH as 4-7 without REX and
 * SPL, BPL, SIL, DIL with it; 8- and 16-bit writes keep the other bits,
 * 32-bit writes clear bits 63:32 (SDM Vol 1 3.4.1.1).
 */
static u64 reg_read(const struct emu_ctxt *c, unsigned int reg,
		    unsigned int size)
{
	if (size == 1 && !c->insn.rex && reg >= 4 && reg < 8)
		return (c->gpr[reg - 4] >> 8) & 0xff;
	return c->gpr[reg] & emu_size_mask(size);
}

static void reg_write(struct emu_ctxt *c, unsigned int reg,
		      unsigned int size, u64 val)
{
	u64 *r = &c->gpr[reg];

	switch (size) {
	case 1:
		if (!c->insn.rex && reg >= 4 && reg < 8) {
			r = &c->gpr[reg - 4];
			*r = (*r & ~0xff00ULL) | (val & 0xff) << 8;
		} else {
			*r = (*r & ~0xffULL) | (val & 0xff);
		}
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = val & 0xffffffffULL;
		break;
	default:
		*r = val;
		break;
	}
}

static void bytes_from_u64(u8 *buf, u64 val, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = val >> (i * 8);
}

static u64 bytes_to_u64(const u8 *buf, unsigned int len)
{
	u64 val = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		val |= (u64)buf[i] << (i * 8);
	return val;
}

/* Route HV_EMU_ERROR of the page walk to emu->err. */
static int walk_status(struct emu_ctxt *c, int rc)
{
	if (rc == HV_EMU_ERROR)
		c->emu->err = c->emu->exc.err;
	return rc;
}

static int env_error(struct emu_ctxt *c, int err)
{
	c->emu->err = err;
	return HV_EMU_ERROR;
}

/*
 * Segmentation (SDM Vol 3A 3.4, 3.4.4): in 64-bit mode only FS and GS
 * have a base and the address must be canonical; elsewhere the linear
 * address wraps at 4 GiB and segment limits are not checked.
 */
static int linear(struct emu_ctxt *c, unsigned int seg, u64 ea,
		  unsigned int size, u64 *la)
{
	const struct hv_emu_cpu *cpu = c->cpu;

	if (c->mode != 8) {
		*la = (cpu->seg[seg].base + ea) & 0xffffffffULL;
		return 0;
	}
	*la = ea;
	if (seg == HV_FS || seg == HV_GS)
		*la += cpu->seg[seg].base;
	if (!emu_canonical(*la) || !emu_canonical(*la + size - 1)) {
		hv_emu_set_exc(&c->emu->exc,
			       seg == HV_SS ? EMU_VEC_SS : EMU_VEC_GP, true, 0);
		return HV_EMU_EXCEPTION;
	}
	return 0;
}

/* Translate the operand @seg:@ea of @size bytes for @access. */
static int mem_resolve(struct emu_ctxt *c, unsigned int seg, u64 ea,
		       unsigned int size, u32 access, struct emu_mem *m)
{
	u64 wrap = c->mode == 8 ? ~0ULL : 0xffffffffULL;
	int rc;

	rc = linear(c, seg, ea, size, &m->la);
	if (rc)
		return rc;
	if (c->cpu->cpl == 3)
		access |= HV_ACC_USER;
	m->size = size;
	m->access = access;
	m->len[0] = min(size, EMU_PAGE_SIZE - EMU_PAGE_OFFSET(m->la));
	m->len[1] = size - m->len[0];
	rc = hv_emu_translate(c->cpu, c->env, m->la, access, &m->gpa[0],
			      &c->emu->exc);
	if (!rc && m->len[1])
		rc = hv_emu_translate(c->cpu, c->env,
				      (m->la + m->len[0]) & wrap, access,
				      &m->gpa[1], &c->emu->exc);
	return walk_status(c, rc);
}

/*
 * One MMIO access: answered from the log if an earlier pass already did
 * it, else logged and handed to the caller.
 */
static int mmio_access(struct emu_ctxt *c, u64 gpa, unsigned int len,
		       bool is_write, u8 *buf)
{
	struct hv_emu *emu = c->emu;
	unsigned int idx = c->nr_access++;
	struct hv_emu_mmio_req *e;

	if (idx < emu->nr_log) {
		e = &emu->log[idx];
		/* The guest changed its page tables or code under us. */
		if (e->gpa != gpa || e->len != len || e->is_write != is_write)
			return env_error(c, -EIO);
		if (!is_write)
			memcpy(buf, e->data, len);
		return 0;
	}
	if (idx >= HV_EMU_MAX_LOG)
		return env_error(c, -E2BIG);

	e = &emu->log[idx];
	memset(e, 0, sizeof(*e));
	e->gpa = gpa;
	e->len = len;
	e->is_write = is_write;
	if (is_write)
		memcpy(e->data, buf, len);
	emu->req = *e;
	emu->pending = true;
	/* A write needs no answer: the pass may go on (emulate.h). */
	if (is_write) {
		c->write_left = true;
		return 0;
	}
	return HV_EMU_MMIO;
}

/*
 * Reads and writes of a resolved operand.  An operand split across two
 * pages is done piece by piece, each piece RAM or its own MMIO access,
 * as KVM splits it (a write to a read-only slot is an MMIO write).  On a
 * re-run a RAM piece before an MMIO piece is simply done again, with the
 * same bytes.
 */
static int mem_read(struct emu_ctxt *c, const struct emu_mem *m, u64 *val)
{
	const struct hv_emu_env *env = c->env;
	unsigned int i, off;
	u8 buf[8];
	int rc;

	for (i = 0, off = 0; i < 2 && m->len[i]; off += m->len[i++]) {
		/* Nothing after a write left to the caller (emulate.h). */
		if (c->write_left)
			return HV_EMU_MMIO;
		rc = env->read_phys(env->ctx, m->gpa[i], buf + off, m->len[i]);
		if (rc == -ENOENT)
			rc = mmio_access(c, m->gpa[i], m->len[i], false,
					 buf + off);
		else if (rc)
			rc = env_error(c, rc);
		if (rc)
			return rc;	/* HV_EMU_MMIO or HV_EMU_ERROR */
	}
	*val = bytes_to_u64(buf, m->size);
	return 0;
}

static int mem_write(struct emu_ctxt *c, const struct emu_mem *m, u64 val)
{
	const struct hv_emu_env *env = c->env;
	unsigned int i, off;
	u8 buf[8];
	int rc;

	bytes_from_u64(buf, val, m->size);
	for (i = 0, off = 0; i < 2 && m->len[i]; off += m->len[i++]) {
		if (c->write_left)
			return HV_EMU_MMIO;
		rc = env->write_phys(env->ctx, m->gpa[i], buf + off, m->len[i]);
		if (rc == -ENOENT)
			rc = mmio_access(c, m->gpa[i], m->len[i], true,
					 buf + off);
		else if (rc)
			rc = env_error(c, rc);
		if (rc)
			return rc;
	}
	return 0;
}

static bool alu_writes(unsigned int alu)
{
	return alu != EMU_ALU_CMP && alu != EMU_ALU_TEST;
}

/* MOV, MOVZX, MOVSX(D), the ALU forms and XCHG: one memory operand. */
static int exec_mem(struct emu_ctxt *c)
{
	const struct emu_insn *in = &c->insn;
	unsigned int size = in->op_size;
	bool rmw = false;
	u32 access = 0;
	struct emu_mem m;
	u64 val, src = 0;
	int rc;

	switch (in->kind) {
	case EMU_K_MOV_ST:
	case EMU_K_MOV_IMM:
		access = HV_ACC_WRITE;
		break;
	case EMU_K_MOVZX:
	case EMU_K_MOVSX:
		size = in->src_size;
		break;
	case EMU_K_ALU_MR:
	case EMU_K_ALU_MI:
	case EMU_K_UNARY:
		rmw = alu_writes(in->alu);
		break;
	case EMU_K_XCHG:
		rmw = true;
		break;
	}
	/*
	 * A read-modify-write is checked for writing before it reads, as
	 * the processor does (the #PF error code has W set).
	 */
	if (rmw)
		access = HV_ACC_WRITE;
	rc = mem_resolve(c, in->seg, in->ea, size, access, &m);
	if (rc)
		return rc;

	switch (in->kind) {
	case EMU_K_MOV_ST:
		return mem_write(c, &m, reg_read(c, in->reg, size));
	case EMU_K_MOV_IMM:
		return mem_write(c, &m, in->imm);
	}

	rc = mem_read(c, &m, &val);
	if (rc)
		return rc;

	switch (in->kind) {
	case EMU_K_MOV_LD:
	case EMU_K_MOVZX:
		reg_write(c, in->reg, in->op_size, val);
		return 0;
	case EMU_K_MOVSX:
		reg_write(c, in->reg, in->op_size, emu_sext(val, size));
		return 0;
	case EMU_K_ALU_RM:
		val = hv_emu_alu(in->alu, size, reg_read(c, in->reg, size), val,
				 &c->rflags);
		if (alu_writes(in->alu))
			reg_write(c, in->reg, size, val);
		return 0;
	case EMU_K_XCHG:
		src = reg_read(c, in->reg, size);
		reg_write(c, in->reg, size, val);
		return mem_write(c, &m, src);
	case EMU_K_ALU_MR:
		src = reg_read(c, in->reg, size);
		break;
	case EMU_K_ALU_MI:
		src = in->imm;
		break;
	}
	val = hv_emu_alu(in->alu, size, val, src, &c->rflags);
	return rmw ? mem_write(c, &m, val) : 0;
}

/* rSI/rDI/rCX += @delta with the address size (wrapping at it). */
static void addr_reg_add(struct emu_ctxt *c, unsigned int reg, s64 delta)
{
	reg_write(c, reg, c->insn.ad_size, c->gpr[reg] + delta);
}

/*
 * MOVS, STOS, LODS: one element (SDM Vol 2 "REP/REPE/REPZ/REPNE/REPNZ").
 * With a REP prefix the count is rCX of the address size; rip stays on
 * the instruction until the element that brings it to zero.  F2 acts as
 * F3 here, as only CMPS and SCAS look at ZF.
 */
static int exec_string(struct emu_ctxt *c)
{
	const struct emu_insn *in = &c->insn;
	unsigned int size = in->op_size;
	u64 amask = emu_size_mask(in->ad_size);
	s64 delta = (c->rflags & EMU_FL_DF) ? -(s64)size : size;
	struct emu_mem src, dst;
	u64 val = 0;
	int rc;

	if (in->rep && !(c->gpr[HV_RCX] & amask))
		return 0;

	if (in->kind != EMU_K_STOS) {
		rc = mem_resolve(c, in->seg, c->gpr[HV_RSI] & amask, size, 0,
				 &src);
		if (rc)
			return rc;
	}
	if (in->kind != EMU_K_LODS) {
		/* ES:rDI cannot be overridden. */
		rc = mem_resolve(c, HV_ES, c->gpr[HV_RDI] & amask, size,
				 HV_ACC_WRITE, &dst);
		if (rc)
			return rc;
	}

	if (in->kind == EMU_K_STOS) {
		val = reg_read(c, HV_RAX, size);
	} else {
		rc = mem_read(c, &src, &val);
		if (rc)
			return rc;
		addr_reg_add(c, HV_RSI, delta);
	}
	if (in->kind == EMU_K_LODS) {
		reg_write(c, HV_RAX, size, val);
	} else {
		rc = mem_write(c, &dst, val);
		if (rc)
			return rc;
		addr_reg_add(c, HV_RDI, delta);
	}

	if (in->rep) {
		addr_reg_add(c, HV_RCX, -1);
		if (c->gpr[HV_RCX] & amask)
			c->rip = c->cpu->rip;	/* more to do */
	}
	return 0;
}

static unsigned int cpu_mode(const struct hv_emu_cpu *cpu)
{
	if ((cpu->efer & EMU_EFER_LMA) && cpu->seg[HV_CS].l)
		return 8;
	if (!(cpu->cr0 & EMU_CR0_PE) || (cpu->rflags & EMU_FL_VM))
		return 2;
	return cpu->seg[HV_CS].db ? 4 : 2;
}

enum hv_emu_status hv_emu_mmio(struct hv_emu *emu, struct hv_emu_cpu *cpu,
			       const struct hv_emu_env *env)
{
	struct emu_ctxt c;
	int rc;

	/* A new instruction unless this one is waiting for its MMIO. */
	if (!(emu->nr_log || emu->pending) || emu->insn_rip != cpu->rip) {
		emu->nr_log = 0;
		emu->pending = false;
		emu->done = false;
		emu->insn_len = 0;
		emu->insn_rip = cpu->rip;
	}
	/* Its last access, a write, is done: finish it (emulate.h). */
	if (emu->done && !emu->pending) {
		emu->done = false;
		if (cpu->rflags == emu->start_rflags &&
		    !memcmp(cpu->gpr, emu->start_gpr, sizeof(cpu->gpr))) {
			emu->nr_log = 0;
			memcpy(cpu->gpr, emu->done_gpr, sizeof(cpu->gpr));
			cpu->rflags = emu->done_rflags;
			cpu->rip = emu->done_rip;
			return HV_EMU_DONE;
		}
	}

	memset(&c, 0, sizeof(c));
	c.emu = emu;
	c.cpu = cpu;
	c.env = env;
	c.mode = cpu_mode(cpu);
	memcpy(c.gpr, cpu->gpr, sizeof(c.gpr));
	c.rflags = cpu->rflags;

	rc = hv_emu_decode(&c);
	if (!rc) {
		c.rip = cpu->rip + c.insn.len;
		if (c.mode != 8)
			c.rip &= emu_size_mask(c.mode);
		if (c.insn.kind >= EMU_K_MOVS)
			rc = exec_string(&c);
		else
			rc = exec_mem(&c);
	}
	if (rc == HV_EMU_MMIO)
		return HV_EMU_MMIO;
	/*
	 * The pass reached the end with its write still to do (nothing
	 * else can fail after an access): keep what it ends with.
	 */
	if (c.write_left) {
		if (rc != HV_EMU_DONE)
			return HV_EMU_MMIO;
		emu->done = true;
		emu->done_rip = c.rip;
		emu->done_rflags = c.rflags;
		memcpy(emu->done_gpr, c.gpr, sizeof(c.gpr));
		emu->start_rflags = cpu->rflags;
		memcpy(emu->start_gpr, cpu->gpr, sizeof(cpu->gpr));
		return HV_EMU_MMIO;
	}

	/* The instruction is over, one way or another. */
	emu->nr_log = 0;
	emu->pending = false;
	if (rc == HV_EMU_DONE) {
		memcpy(cpu->gpr, c.gpr, sizeof(c.gpr));
		cpu->rflags = c.rflags;
		cpu->rip = c.rip;
	}
	return rc;
}
