// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction fetch and decode (SDM Vol 2 chapter 2): legacy prefixes,
 * REX, the opcode, ModRM, SIB, displacement and immediate, for the
 * instructions the emulator supports.  Anything else is EMU_K_NONE and
 * the caller gets HV_EMU_UNHANDLED.
 *
 * Only instructions with a memory operand are decoded: the register-only
 * forms (ModRM.mod == 3) never reach the emulator through an MMIO exit
 * and are left unhandled.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "emulate_priv.h"

/* Opcode descriptor flags. */
#define D_MODRM		BIT(0)	/* a ModRM byte follows */
#define D_BYTE		BIT(1)	/* operand size is 8 bits */
#define D_IMM		BIT(2)	/* immediate of the operand size (ib/iz) */
#define D_IMM8		BIT(3)	/* ib, sign-extended to the operand size */
#define D_MOFFS		BIT(4)	/* address-size offset, no ModRM */
#define D_LOCK		BIT(5)	/* LOCK allowed (memory destination) */
#define D_64ONLY	BIT(6)	/* valid in 64-bit mode only */

/* Groups: the ModRM reg field selects the operation (SDM Vol 2 A.4). */
enum { G_NONE, G_1, G_11, G_3, G_45 };

struct emu_opdesc {
	u8 kind;
	u8 alu;
	u8 group;
	u8 flags;
};

#define OP(k, a, g, f)	{ EMU_K_##k, EMU_ALU_##a, g, f }

/* The one-byte map outside the 00-3F ALU block. */
static const struct emu_opdesc onebyte[256] = {
	[0x63] = OP(MOVSX, ADD, G_NONE, D_MODRM | D_64ONLY),
	[0x80] = OP(ALU_MI, ADD, G_1, D_MODRM | D_BYTE | D_IMM),
	[0x81] = OP(ALU_MI, ADD, G_1, D_MODRM | D_IMM),
	[0x83] = OP(ALU_MI, ADD, G_1, D_MODRM | D_IMM8),
	[0x84] = OP(ALU_MR, TEST, G_NONE, D_MODRM | D_BYTE),
	[0x85] = OP(ALU_MR, TEST, G_NONE, D_MODRM),
	[0x86] = OP(XCHG, ADD, G_NONE, D_MODRM | D_BYTE | D_LOCK),
	[0x87] = OP(XCHG, ADD, G_NONE, D_MODRM | D_LOCK),
	[0x88] = OP(MOV_ST, ADD, G_NONE, D_MODRM | D_BYTE),
	[0x89] = OP(MOV_ST, ADD, G_NONE, D_MODRM),
	[0x8a] = OP(MOV_LD, ADD, G_NONE, D_MODRM | D_BYTE),
	[0x8b] = OP(MOV_LD, ADD, G_NONE, D_MODRM),
	[0xa0] = OP(MOV_LD, ADD, G_NONE, D_MOFFS | D_BYTE),
	[0xa1] = OP(MOV_LD, ADD, G_NONE, D_MOFFS),
	[0xa2] = OP(MOV_ST, ADD, G_NONE, D_MOFFS | D_BYTE),
	[0xa3] = OP(MOV_ST, ADD, G_NONE, D_MOFFS),
	[0xa4] = OP(MOVS, ADD, G_NONE, D_BYTE),
	[0xa5] = OP(MOVS, ADD, G_NONE, 0),
	[0xaa] = OP(STOS, ADD, G_NONE, D_BYTE),
	[0xab] = OP(STOS, ADD, G_NONE, 0),
	[0xac] = OP(LODS, ADD, G_NONE, D_BYTE),
	[0xad] = OP(LODS, ADD, G_NONE, 0),
	[0xc6] = OP(NONE, ADD, G_11, D_MODRM | D_BYTE | D_IMM),
	[0xc7] = OP(NONE, ADD, G_11, D_MODRM | D_IMM),
	[0xf6] = OP(NONE, ADD, G_3, D_MODRM | D_BYTE),
	[0xf7] = OP(NONE, ADD, G_3, D_MODRM),
	[0xfe] = OP(NONE, ADD, G_45, D_MODRM | D_BYTE),
	[0xff] = OP(NONE, ADD, G_45, D_MODRM),
};

/* Members of the groups, by ModRM reg; unlisted ones are unsupported. */
static const struct emu_opdesc group11[8] = {
	[0] = OP(MOV_IMM, ADD, G_NONE, 0),			/* MOV */
};

static const struct emu_opdesc group3[8] = {
	[0] = OP(ALU_MI, TEST, G_NONE, D_IMM),			/* TEST */
	[2] = OP(UNARY, NOT, G_NONE, D_LOCK),			/* NOT */
	[3] = OP(UNARY, NEG, G_NONE, D_LOCK),			/* NEG */
};

static const struct emu_opdesc group45[8] = {
	[0] = OP(UNARY, INC, G_NONE, D_LOCK),			/* INC */
	[1] = OP(UNARY, DEC, G_NONE, D_LOCK),			/* DEC */
};

/* The two-byte map (0F xx). */
static const struct emu_opdesc twobyte_b6[] = {
	OP(MOVZX, ADD, G_NONE, D_MODRM),			/* 0F B6 */
	OP(MOVZX, ADD, G_NONE, D_MODRM),			/* 0F B7 */
};

static const struct emu_opdesc twobyte_be[] = {
	OP(MOVSX, ADD, G_NONE, D_MODRM),			/* 0F BE */
	OP(MOVSX, ADD, G_NONE, D_MODRM),			/* 0F BF */
};

void hv_emu_set_exc(struct hv_emu_exception *exc, u8 vector,
		    bool has_error_code, u32 error_code)
{
	memset(exc, 0, sizeof(*exc));
	exc->vector = vector;
	exc->has_error_code = has_error_code;
	exc->error_code = error_code;
}

/*
 * Fetch the next bytes of the instruction into emu->insn_bytes: up to the
 * end of the page, so that a following page that is not present only
 * faults when a byte there is really part of the instruction.
 */
static int fetch_more(struct emu_ctxt *c)
{
	struct hv_emu *emu = c->emu;
	const struct hv_emu_cpu *cpu = c->cpu;
	u32 access = HV_ACC_FETCH | (cpu->cpl == 3 ? HV_ACC_USER : 0);
	u64 ip = cpu->rip + emu->insn_len;
	unsigned int n;
	u64 la, gpa;
	int rc;

	/* An instruction longer than 15 bytes raises #GP(0) (SDM 2.3.11). */
	if (emu->insn_len >= HV_EMU_MAX_INSN) {
		hv_emu_set_exc(&emu->exc, EMU_VEC_GP, true, 0);
		return HV_EMU_EXCEPTION;
	}
	n = HV_EMU_MAX_INSN - emu->insn_len;

	if (c->mode == 8) {
		la = ip;
		if (!emu_canonical(la)) {
			hv_emu_set_exc(&emu->exc, EMU_VEC_GP, true, 0);
			return HV_EMU_EXCEPTION;
		}
	} else {
		/* Code-segment limits are not checked; IP wraps like EIP. */
		ip &= emu_size_mask(c->mode);
		if (c->mode == 2)
			n = min_t(u64, n, 0x10000 - ip);
		la = (cpu->seg[HV_CS].base + ip) & 0xffffffffULL;
	}
	n = min(n, EMU_PAGE_SIZE - EMU_PAGE_OFFSET(la));

	rc = hv_emu_translate(cpu, c->env, la, access, &gpa, &emu->exc);
	if (rc) {
		emu->err = emu->exc.err;
		return rc;
	}
	rc = c->env->read_phys(c->env->ctx, gpa,
			       emu->insn_bytes + emu->insn_len, n);
	if (rc == -ENOENT)
		return HV_EMU_UNHANDLED;	/* executing from MMIO */
	if (rc) {
		emu->err = rc;
		return HV_EMU_ERROR;
	}
	emu->insn_len += n;
	return 0;
}

static int fetch(struct emu_ctxt *c, unsigned int *pos, unsigned int size,
		 u64 *val)
{
	unsigned int i;
	int rc;

	*val = 0;
	for (i = 0; i < size; i++) {
		if (*pos >= c->emu->insn_len) {
			rc = fetch_more(c);
			if (rc)
				return rc;
		}
		*val |= (u64)c->emu->insn_bytes[(*pos)++] << (i * 8);
	}
	return 0;
}

/* ModRM with 16-bit addressing (SDM Vol 2 Table 2-1). */
static int decode_ea16(struct emu_ctxt *c, unsigned int *pos, u8 mod,
		       u8 rm)
{
	static const u8 base[8] = {
		HV_RBX, HV_RBX, HV_RBP, HV_RBP, HV_RSI, HV_RDI, HV_RBP, HV_RBX
	};
	static const u8 index[8] = {
		HV_RSI, HV_RDI, HV_RSI, HV_RDI, 0xff, 0xff, 0xff, 0xff
	};
	struct emu_insn *in = &c->insn;
	u64 disp = 0;
	int rc = 0;

	if (mod == 0 && rm == 6) {
		rc = fetch(c, pos, 2, &disp);
		in->ea = disp;
		return rc;
	}
	if (mod == 1) {
		rc = fetch(c, pos, 1, &disp);
		disp = emu_sext(disp, 1);
	} else if (mod == 2) {
		rc = fetch(c, pos, 2, &disp);
	}
	in->ea = c->gpr[base[rm]] + disp;
	if (index[rm] != 0xff)
		in->ea += c->gpr[index[rm]];
	if (base[rm] == HV_RBP)
		in->seg = HV_SS;
	return rc;
}

/* ModRM with 32/64-bit addressing (SDM Vol 2 Tables 2-2, 2-3, 2.2.1). */
static int decode_ea32(struct emu_ctxt *c, unsigned int *pos, u8 mod,
		       u8 rm, bool *rip_rel)
{
	struct emu_insn *in = &c->insn;
	unsigned int base = rm | (in->rex & 1) << 3;
	bool has_base = true;
	u64 sib, disp = 0;
	int rc = 0;

	in->ea = 0;
	if (rm == 4) {
		unsigned int index;

		rc = fetch(c, pos, 1, &sib);
		if (rc)
			return rc;
		index = ((sib >> 3) & 7) | (in->rex & 2) << 2;
		base = (sib & 7) | (in->rex & 1) << 3;
		/* Index 100b without REX.X means none; R12 is a valid index. */
		if (index != HV_RSP)
			in->ea = c->gpr[index] << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0) {
			has_base = false;
			mod = 2;		/* disp32 follows */
		}
	} else if (rm == 5 && mod == 0) {
		has_base = false;
		*rip_rel = c->mode == 8;
		mod = 2;
	}

	if (mod == 1) {
		rc = fetch(c, pos, 1, &disp);
		disp = emu_sext(disp, 1);
	} else if (mod == 2) {
		rc = fetch(c, pos, 4, &disp);
		disp = emu_sext(disp, 4);
	}
	in->ea += disp;
	if (has_base) {
		in->ea += c->gpr[base];
		if (base == HV_RSP || base == HV_RBP)
			in->seg = HV_SS;
	}
	return rc;
}

/* Look the opcode up; returns the descriptor, kind EMU_K_NONE if none. */
static struct emu_opdesc lookup(u8 b, bool twobyte)
{
	struct emu_opdesc d = { .kind = EMU_K_NONE };

	if (twobyte) {
		if (b == 0xb6 || b == 0xb7)
			d = twobyte_b6[b - 0xb6];
		else if (b == 0xbe || b == 0xbf)
			d = twobyte_be[b - 0xbe];
		return d;
	}
	/* 00-3F: ALU op (bits 5:3), then Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev. */
	if (b < 0x40 && (b & 7) < 4) {
		d.kind = (b & 2) ? EMU_K_ALU_RM : EMU_K_ALU_MR;
		d.alu = b >> 3;
		d.flags = D_MODRM | ((b & 1) ? 0 : D_BYTE);
		if (!(b & 2) && d.alu != EMU_ALU_CMP)
			d.flags |= D_LOCK;
		return d;
	}
	return onebyte[b];
}

/* Resolve a group member from ModRM.reg. */
static struct emu_opdesc resolve_group(struct emu_opdesc d, u8 reg)
{
	struct emu_opdesc m;

	switch (d.group) {
	case G_1:
		d.alu = reg;
		if (reg != EMU_ALU_CMP)
			d.flags |= D_LOCK;
		return d;
	case G_11:
		m = group11[reg];
		break;
	case G_3:
		m = group3[reg];
		break;
	case G_45:
		m = group45[reg];
		break;
	default:
		return d;
	}
	m.flags |= d.flags;
	return m;
}

static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

/*
 * Decode the instruction at c->cpu->rip into c->insn, computing the
 * effective address from the registers in c->gpr.
 */
int hv_emu_decode(struct emu_ctxt *c)
{
	struct emu_insn *in = &c->insn;
	bool opsz = false, adsz = false, twobyte = false, rip_rel = false;
	int seg_override = -1;
	unsigned int pos = 0;
	struct emu_opdesc d;
	u64 b, imm;
	int rc;

	memset(in, 0, sizeof(*in));
	in->seg = HV_DS;

	/*
	 * Prefixes (SDM 2.1.1, 2.2.1): any order; REX counts only right
	 * before the opcode, a legacy prefix after it cancels it.
	 */
	for (;;) {
		rc = fetch(c, &pos, 1, &b);
		if (rc)
			return rc;
		if (c->mode == 8 && (b & 0xf0) == 0x40) {
			in->rex = b;
			continue;
		}
		if (!is_legacy_prefix(b))
			break;
		in->rex = 0;
		switch (b) {
		case 0x66:
			opsz = true;
			break;
		case 0x67:
			adsz = true;
			break;
		case 0xf0:
			in->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			in->rep = b;
			break;
		case 0x64:
			seg_override = HV_FS;
			break;
		case 0x65:
			seg_override = HV_GS;
			break;
		default:
			/* 26/2E/36/3E are null prefixes in 64-bit mode. */
			if (c->mode != 8)
				seg_override = (b >> 3) & 3;	/* ES CS SS DS */
			break;
		}
	}

	if (b == 0x0f) {
		twobyte = true;
		rc = fetch(c, &pos, 1, &b);
		if (rc)
			return rc;
	}
	d = lookup(b, twobyte);
	if (d.kind == EMU_K_NONE && d.group == G_NONE)
		return HV_EMU_UNHANDLED;
	if ((d.flags & D_64ONLY) && c->mode != 8)
		return HV_EMU_UNHANDLED;

	/* Operand and address size (SDM Vol 1 3.6, Vol 2 2.2.1.2). */
	if (d.flags & D_BYTE)
		in->op_size = 1;
	else if (c->mode == 8)
		in->op_size = (in->rex & 8) ? 8 : opsz ? 2 : 4;
	else
		in->op_size = ((c->mode == 4) ^ opsz) ? 4 : 2;
	if (c->mode == 8)
		in->ad_size = adsz ? 4 : 8;
	else
		in->ad_size = ((c->mode == 4) ^ adsz) ? 4 : 2;

	if (d.flags & D_MODRM) {
		u64 modrm;
		u8 mod, rm;

		rc = fetch(c, &pos, 1, &modrm);
		if (rc)
			return rc;
		mod = modrm >> 6;
		rm = modrm & 7;
		d = resolve_group(d, (modrm >> 3) & 7);
		if (d.kind == EMU_K_NONE || mod == 3)
			return HV_EMU_UNHANDLED;
		in->reg = ((modrm >> 3) & 7) | (in->rex & 4) << 1;
		if (in->ad_size == 2)
			rc = decode_ea16(c, &pos, mod, rm);
		else
			rc = decode_ea32(c, &pos, mod, rm, &rip_rel);
		if (rc)
			return rc;
	} else if (d.flags & D_MOFFS) {
		rc = fetch(c, &pos, in->ad_size, &in->ea);
		if (rc)
			return rc;
	}

	if (d.flags & (D_IMM | D_IMM8)) {
		unsigned int size = (d.flags & D_IMM8) ? 1 :
				    min_t(unsigned int, in->op_size, 4);

		rc = fetch(c, &pos, size, &imm);
		if (rc)
			return rc;
		in->imm = emu_sext(imm, size);
	}

	/* LOCK on anything but a read-modify-write of memory: #UD. */
	if (in->lock && !(d.flags & D_LOCK)) {
		hv_emu_set_exc(&c->emu->exc, EMU_VEC_UD, false, 0);
		return HV_EMU_EXCEPTION;
	}

	in->len = pos;
	in->kind = d.kind;
	in->alu = d.alu;
	if (twobyte)
		in->src_size = (b & 1) ? 2 : 1;
	else if (d.kind == EMU_K_MOVSX)		/* MOVSXD */
		in->src_size = min_t(unsigned int, in->op_size, 4);
	if (rip_rel)
		in->ea += c->cpu->rip + in->len;
	in->ea &= emu_size_mask(in->ad_size);
	if (seg_override >= 0)
		in->seg = seg_override;
	return 0;
}
