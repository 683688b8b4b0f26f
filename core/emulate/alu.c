// SPDX-License-Identifier: GPL-2.0
/*
 * Integer ALU of the emulator: results and status flags of ADD, OR, ADC,
 * SBB, AND, SUB, XOR, CMP, TEST, NOT, NEG, INC and DEC (SDM Vol 1 3.4.3.1
 * and the instruction pages of Vol 2).
 *
 * Carries and borrows are recovered from the operands and the result:
 * at bit i, the carry in is a ^ b ^ r, so the carry out of every bit is
 * (a & b) | ((a ^ b) & ~r) for an addition and the borrow out is
 * (~a & b) | (~(a ^ b) & r) for a subtraction, whatever the carry into
 * bit 0 (ADC, SBB).  CF is the carry out of the top bit, AF the carry out
 * of bit 3, OF is set when both inputs of an addition (or the minuend and
 * the negated subtrahend) have the same sign and the result does not.
 *
 * Flags the SDM leaves undefined (AF after AND, OR, XOR and TEST) are
 * cleared.
 */
#include <linux/bits.h>
#include <linux/types.h>

#include "emulate_priv.h"

static bool parity_even(u64 val)
{
	u8 b = val;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/*
 * Compute @dst op @src on @size bytes, update the status flags in
 * *@rflags that the instruction defines, and return the result (only
 * meaningful for the operations that write one).
 */
u64 hv_emu_alu(unsigned int op, unsigned int size, u64 dst, u64 src,
	       u64 *rflags)
{
	u64 mask = emu_size_mask(size);
	u64 msb = BIT_ULL(size * 8 - 1);
	u64 cin = *rflags & EMU_FL_CF ? 1 : 0;
	u64 changed = EMU_FL_ARITH;
	u64 a = dst & mask, b = src & mask;
	u64 flags = 0, r, carries = 0;
	bool arith = true, sub = false;

	switch (op) {
	case EMU_ALU_ADC:
		r = a + b + cin;
		break;
	case EMU_ALU_ADD:
		r = a + b;
		break;
	case EMU_ALU_INC:
		b = 1;
		r = a + 1;
		changed &= ~EMU_FL_CF;		/* INC keeps CF */
		break;
	case EMU_ALU_SBB:
		r = a - b - cin;
		sub = true;
		break;
	case EMU_ALU_SUB:
	case EMU_ALU_CMP:
		r = a - b;
		sub = true;
		break;
	case EMU_ALU_DEC:
		b = 1;
		r = a - 1;
		sub = true;
		changed &= ~EMU_FL_CF;		/* DEC keeps CF */
		break;
	case EMU_ALU_NEG:
		b = a;
		a = 0;
		r = 0 - b;
		sub = true;
		break;
	case EMU_ALU_AND:
	case EMU_ALU_TEST:
		r = a & b;
		arith = false;
		break;
	case EMU_ALU_OR:
		r = a | b;
		arith = false;
		break;
	case EMU_ALU_XOR:
		r = a ^ b;
		arith = false;
		break;
	case EMU_ALU_NOT:
	default:
		return ~a & mask;		/* NOT affects no flag */
	}
	r &= mask;

	if (arith) {
		if (sub) {
			carries = (~a & b) | (~(a ^ b) & r);
			if ((a ^ b) & (a ^ r) & msb)
				flags |= EMU_FL_OF;
		} else {
			carries = (a & b) | ((a ^ b) & ~r);
			if ((a ^ r) & (b ^ r) & msb)
				flags |= EMU_FL_OF;
		}
		if (carries & msb)
			flags |= EMU_FL_CF;
		if ((a ^ b ^ r) & BIT_ULL(4))
			flags |= EMU_FL_AF;
	}
	if (!r)
		flags |= EMU_FL_ZF;
	if (r & msb)
		flags |= EMU_FL_SF;
	if (parity_even(r))
		flags |= EMU_FL_PF;

	*rflags = (*rflags & ~changed) | (flags & changed);
	return r;
}
