/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private declarations shared by the files of hv's instruction emulator
 * (decode.c, walk.c, alu.c, mmio.c).  Nothing here is for the rest of hv:
 * the interface is emulate.h.
 */
#ifndef HV_CORE_EMULATE_PRIV_H
#define HV_CORE_EMULATE_PRIV_H

#include <linux/bits.h>
#include <linux/types.h>

#include "emulate.h"

/* Architectural bits the emulator looks at (SDM Vol 3A 2.5, 2.2.1). */
#define EMU_CR0_PE		BIT_ULL(0)
#define EMU_CR0_WP		BIT_ULL(16)
#define EMU_CR0_PG		BIT_ULL(31)
#define EMU_CR4_PSE		BIT_ULL(4)
#define EMU_CR4_PAE		BIT_ULL(5)
#define EMU_CR4_LA57		BIT_ULL(12)
#define EMU_CR4_SMEP		BIT_ULL(20)
#define EMU_EFER_LMA		BIT_ULL(10)
#define EMU_EFER_NXE		BIT_ULL(11)

/* RFLAGS (SDM Vol 1 3.4.3). */
#define EMU_FL_CF		BIT_ULL(0)
#define EMU_FL_PF		BIT_ULL(2)
#define EMU_FL_AF		BIT_ULL(4)
#define EMU_FL_ZF		BIT_ULL(6)
#define EMU_FL_SF		BIT_ULL(7)
#define EMU_FL_DF		BIT_ULL(10)
#define EMU_FL_OF		BIT_ULL(11)
#define EMU_FL_VM		BIT_ULL(17)
#define EMU_FL_ARITH		(EMU_FL_CF | EMU_FL_PF | EMU_FL_AF | \
				 EMU_FL_ZF | EMU_FL_SF | EMU_FL_OF)

/* Exception vectors (SDM Vol 3A 6.3.1). */
#define EMU_VEC_UD		6
#define EMU_VEC_SS		12
#define EMU_VEC_GP		13
#define EMU_VEC_PF		14

/* #PF error code bits (SDM Vol 3A 4.7). */
#define EMU_PFEC_P		BIT(0)
#define EMU_PFEC_W		BIT(1)
#define EMU_PFEC_U		BIT(2)
#define EMU_PFEC_RSVD		BIT(3)
#define EMU_PFEC_I		BIT(4)

/*
 * The guest's MAXPHYADDR is not part of struct hv_emu_cpu, so the page
 * walk assumes the architectural maximum: physical-address bits above it
 * are the only ones that can never be checked as reserved.
 */
#define EMU_MAXPHYADDR		52

#define EMU_PAGE_SIZE		4096u
#define EMU_PAGE_OFFSET(x)	((unsigned int)((x) & (EMU_PAGE_SIZE - 1)))

/* What an instruction does; the decoder maps opcodes to one of these. */
enum emu_kind {
	EMU_K_NONE,		/* not supported: HV_EMU_UNHANDLED */
	EMU_K_MOV_ST,		/* 88, 89, A2, A3: mem <- reg */
	EMU_K_MOV_LD,		/* 8A, 8B, A0, A1: reg <- mem */
	EMU_K_MOV_IMM,		/* C6 /0, C7 /0: mem <- imm */
	EMU_K_MOVZX,		/* 0F B6, 0F B7 */
	EMU_K_MOVSX,		/* 0F BE, 0F BF, 63 */
	EMU_K_ALU_MR,		/* op mem, reg (CMP only reads) */
	EMU_K_ALU_RM,		/* op reg, mem */
	EMU_K_ALU_MI,		/* op mem, imm (80, 81, 83, F6/F7 /0) */
	EMU_K_UNARY,		/* NOT, NEG, INC, DEC on mem */
	EMU_K_XCHG,		/* 86, 87 */
	EMU_K_MOVS,		/* A4, A5 */
	EMU_K_STOS,		/* AA, AB */
	EMU_K_LODS,		/* AC, AD */
};

/* ALU operations; 0..7 are the encoding order of the 00-3F block. */
enum emu_alu {
	EMU_ALU_ADD, EMU_ALU_OR, EMU_ALU_ADC, EMU_ALU_SBB,
	EMU_ALU_AND, EMU_ALU_SUB, EMU_ALU_XOR, EMU_ALU_CMP,
	EMU_ALU_TEST, EMU_ALU_NOT, EMU_ALU_NEG, EMU_ALU_INC, EMU_ALU_DEC,
};

/* One decoded instruction. */
struct emu_insn {
	u8 len;			/* bytes, prefixes to immediate */
	u8 op_size;		/* operand size in bytes: 1, 2, 4, 8 */
	u8 ad_size;		/* address size in bytes: 2, 4, 8 */
	u8 src_size;		/* MOVZX/MOVSX: size of the memory operand */
	u8 rex;			/* the REX prefix in effect, or 0 */
	u8 rep;			/* 0, 0xF2 or 0xF3 */
	bool lock;
	u8 kind;		/* enum emu_kind */
	u8 alu;			/* enum emu_alu */
	bool writes_mem;	/* destination is the memory operand */
	bool reads_mem;		/* the memory operand is read */
	u8 reg;			/* ModRM reg with REX.R (or implied rAX) */
	u8 seg;			/* segment of the memory operand */
	u64 ea;			/* effective address (offset in seg) */
	u64 imm;		/* immediate, sign-extended to 64 bits */
};

/* State of one execution pass of hv_emu_mmio(). */
struct emu_ctxt {
	struct hv_emu *emu;
	const struct hv_emu_cpu *cpu;
	const struct hv_emu_env *env;
	u8 mode;		/* code size in bytes: 2, 4 or 8 (64-bit mode) */
	u8 nr_access;		/* MMIO accesses met in this pass */
	bool write_left;	/* an MMIO write is left to the caller */
	/* working copy of what an instruction may change */
	u64 gpr[HV_NR_GPRS];
	u64 rflags;
	u64 rip;
	struct emu_insn insn;
};

/* A memory operand after segmentation and paging, ready to access. */
struct emu_mem {
	u64 la;			/* linear address of the first byte */
	u64 gpa[2];		/* guest-physical address of each piece */
	u8 len[2];		/* bytes in each piece; len[1] == 0 if one */
	u8 size;
	u32 access;		/* HV_ACC_* the operand was translated for */
};

static inline u64 emu_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(size * 8) - 1;
}

static inline u64 emu_sext(u64 val, unsigned int size)
{
	unsigned int shift = 64 - size * 8;

	return (u64)((s64)(val << shift) >> shift);
}

static inline bool emu_canonical(u64 la)
{
	return emu_sext(la, 6) == la;	/* 48 bits: 4-level paging */
}

/* decode.c */
int hv_emu_decode(struct emu_ctxt *c);
void hv_emu_set_exc(struct hv_emu_exception *exc, u8 vector,
		    bool has_error_code, u32 error_code);

/* alu.c */
u64 hv_emu_alu(unsigned int op, unsigned int size, u64 dst, u64 src,
	       u64 *rflags);

#endif /* HV_CORE_EMULATE_PRIV_H */
