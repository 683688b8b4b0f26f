// SPDX-License-Identifier: GPL-2.0
/*
 * ALU instructions with a memory operand, cross-checked against the host
 * CPU: every operation is also executed natively (inline asm, flags set
 * with popf and read back with pushf) on the same operands, and the
 * emulator must produce the same result and the same CF, PF, AF, ZF, SF
 * and OF (AF is undefined after AND, OR, XOR and TEST, so not compared).
 */
#include "emutest.h"

#define M	(MMIO_BASE + 0x100)

/* Native execution, one function per operation and width. */
#define NATIVE_BIN(op, T)						\
static u64 nat_##op##_##T(u64 a, u64 b, u64 *fl)			\
{									\
	T x = a, y = b;							\
	u64 f = (*fl & FL_ARITH) | 0x202;				\
									\
	asm volatile("push %[f]\n\tpopf\n\t" #op " %[y], %[x]\n\t"	\
		     "pushf\n\tpop %[f]"				\
		     : [x] "+r" (x), [f] "+r" (f) : [y] "r" (y) : "cc");\
	*fl = f;							\
	return x;							\
}

#define NATIVE_UN(op, T)						\
static u64 nat_##op##_##T(u64 a, u64 b, u64 *fl)			\
{									\
	T x = a;							\
	u64 f = (*fl & FL_ARITH) | 0x202;				\
									\
	asm volatile("push %[f]\n\tpopf\n\t" #op " %[x]\n\t"		\
		     "pushf\n\tpop %[f]"				\
		     : [x] "+r" (x), [f] "+r" (f) : : "cc");		\
	*fl = f;							\
	return x;							\
}

NATIVE_BIN(add, u8)
NATIVE_BIN(add, u16)
NATIVE_BIN(add, u32)
NATIVE_BIN(add, u64)
NATIVE_BIN(or, u8)
NATIVE_BIN(or, u16)
NATIVE_BIN(or, u32)
NATIVE_BIN(or, u64)
NATIVE_BIN(adc, u8)
NATIVE_BIN(adc, u16)
NATIVE_BIN(adc, u32)
NATIVE_BIN(adc, u64)
NATIVE_BIN(sbb, u8)
NATIVE_BIN(sbb, u16)
NATIVE_BIN(sbb, u32)
NATIVE_BIN(sbb, u64)
NATIVE_BIN(and, u8)
NATIVE_BIN(and, u16)
NATIVE_BIN(and, u32)
NATIVE_BIN(and, u64)
NATIVE_BIN(sub, u8)
NATIVE_BIN(sub, u16)
NATIVE_BIN(sub, u32)
NATIVE_BIN(sub, u64)
NATIVE_BIN(xor, u8)
NATIVE_BIN(xor, u16)
NATIVE_BIN(xor, u32)
NATIVE_BIN(xor, u64)
NATIVE_BIN(cmp, u8)
NATIVE_BIN(cmp, u16)
NATIVE_BIN(cmp, u32)
NATIVE_BIN(cmp, u64)
NATIVE_BIN(test, u8)
NATIVE_BIN(test, u16)
NATIVE_BIN(test, u32)
NATIVE_BIN(test, u64)
NATIVE_UN(not, u8)
NATIVE_UN(not, u16)
NATIVE_UN(not, u32)
NATIVE_UN(not, u64)
NATIVE_UN(neg, u8)
NATIVE_UN(neg, u16)
NATIVE_UN(neg, u32)
NATIVE_UN(neg, u64)
NATIVE_UN(inc, u8)
NATIVE_UN(inc, u16)
NATIVE_UN(inc, u32)
NATIVE_UN(inc, u64)
NATIVE_UN(dec, u8)
NATIVE_UN(dec, u16)
NATIVE_UN(dec, u32)
NATIVE_UN(dec, u64)

typedef u64 (*native_fn)(u64 a, u64 b, u64 *fl);

#define NATIVE_ROW(op) { nat_##op##_u8, nat_##op##_u16, nat_##op##_u32, \
			 nat_##op##_u64 }

struct op {
	const char *name;
	native_fn fn[4];	/* by log2(size) */
	bool writes;		/* has a result (not CMP, TEST) */
	bool logic;		/* AF undefined */
};

/* The 00-3F block order: ADD OR ADC SBB AND SUB XOR CMP. */
static const struct op binops[8] = {
	{ "add", NATIVE_ROW(add), true, false },
	{ "or", NATIVE_ROW(or), true, true },
	{ "adc", NATIVE_ROW(adc), true, false },
	{ "sbb", NATIVE_ROW(sbb), true, false },
	{ "and", NATIVE_ROW(and), true, true },
	{ "sub", NATIVE_ROW(sub), true, false },
	{ "xor", NATIVE_ROW(xor), true, true },
	{ "cmp", NATIVE_ROW(cmp), false, false },
};

static const struct op test_op = { "test", NATIVE_ROW(test), false, true };

/* F6/F7 /2, /3 and FE/FF /0, /1. */
static const struct {
	struct op op;
	u8 opc_byte, opc, modrm;
} unops[] = {
	{ { "not", NATIVE_ROW(not), true, false }, 0xf6, 0xf7, 0x13 },
	{ { "neg", NATIVE_ROW(neg), true, false }, 0xf6, 0xf7, 0x1b },
	{ { "inc", NATIVE_ROW(inc), true, false }, 0xfe, 0xff, 0x03 },
	{ { "dec", NATIVE_ROW(dec), true, false }, 0xfe, 0xff, 0x0b },
};

static const u64 values[] = {
	0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, ~0ULL, 0x0f0f0f0f0f0f0f0fULL,
	0x123456789abcdef0ULL, 0xfedcba9876543210ULL,
	/* varied low nibbles, for AF */
	0x3, 0x8, 0x9, 0x3c, 0xc5, 0x5a5a5a5a5a5a5a5aULL,
	0xa5a5a5a5a5a5a5a5ULL, 0x0123456789abcdefULL, 0x8877665544332211ULL,
	0x00000001fffffffeULL,
};

enum op_form {
	F_MR,		/* op r/m,reg: 00, 01, 08, ... 84, 85 */
	F_RM,		/* op reg, r/m: 02, 03, 0A, ... */
	F_MI,		/* op r/m, imm: 80, 81, F6 /0, F7 /0 */
	F_MI8,		/* op r/m, imm8: 83 */
	F_UN,		/* op r/m */
};

static const char *const form_name[] = {
	"r/m,reg", "reg,r/m", "r/m,imm", "r/m,imm8", "r/m"
};

static int lg(unsigned int size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static u64 mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 sext(u64 v, unsigned int size)
{
	unsigned int sh = 64 - 8 * size;

	return (u64)((s64)(v << sh) >> sh);
}

/* Encode: prefixes, @opc, ModRM [rbx] with @reg_field, then @immlen. */
static unsigned int encode(u8 *p, unsigned int size, u8 opc, u8 modrm,
			   u64 imm, unsigned int immlen)
{
	unsigned int n = 0, i;

	if (size == 2)
		p[n++] = 0x66;
	if (size == 8)
		p[n++] = 0x48;
	p[n++] = opc;
	p[n++] = modrm;
	for (i = 0; i < immlen; i++)
		p[n++] = imm >> (8 * i);
	return n;
}

static u64 merge(u64 old, u64 val, unsigned int size)
{
	if (size == 4)
		return val & 0xffffffff;
	return (old & ~mask(size)) | (val & mask(size));
}

/*
 * Run one operation on all operand pairs (and CF 0/1, two presets of
 * the other flags): the memory operand at M (MMIO), the register
 * operand in RDX/DL, the immediate in the encoding.
 */
static void check_op(const struct op *op, enum op_form form, unsigned int size,
		     u8 opc, u8 modrm)
{
	unsigned int ia, ib, pre, immlen = 0, n;
	u64 cmpmask = op->logic ? FL_ARITH & ~FL_AF : FL_ARITH;
	native_fn fn = op->fn[lg(size)];
	u8 code[16];

	begin("alu: %s %s, %u-bit", op->name, form_name[form], size * 8);
	setup_long();

	if (form == F_MI)
		immlen = size == 8 ? 4 : size;
	else if (form == F_MI8)
		immlen = 1;

	for (ia = 0; ia < ARRAY_SIZE(values); ia++) {
		for (ib = 0; ib < ARRAY_SIZE(values); ib++) {
			for (pre = 0; pre < 4; pre++) {
				u64 a = values[ia] & mask(size);
				u64 b = values[ib] & mask(size);
				u64 fl = (pre & 1 ? FL_CF : 0) |
					 (pre & 2 ? FL_ARITH & ~FL_CF : 0);
				u64 in_fl = fl, mem, reg, want, nfl;
				bool bad = false;

				if (form == F_MI || form == F_MI8)
					b = sext(b, immlen) & mask(size);
				/* RM: the register is the destination. */
				mem = form == F_RM ? b : a;
				reg = form == F_RM ? a : b;
				nfl = fl;
				want = fn(a, b, &nfl) & mask(size);

				n = encode(code, size, opc, modrm, b, immlen);
				cpu.rip = CODE;
				put_code(code, n);
				cpu.gpr[HV_RBX] = M;
				/* Bits above the operand are not 0. */
				cpu.gpr[HV_RDX] = (0x5555555555555555ULL &
						   ~mask(size)) | reg;
				cpu.rflags = 0x202 | FL_DF | in_fl;
				for (unsigned int i = 0; i < size; i++)
					mmio_mem[(M + i) & 0xffff] = mem >> (8 * i);
				nrec = 0;

				if (run() != HV_EMU_DONE || cpu.rip != CODE + n)
					bad = true;
				if ((cpu.rflags & cmpmask) != (nfl & cmpmask) ||
				    (cpu.rflags & ~FL_ARITH) !=
				    (0x202 | FL_DF))
					bad = true;
				if (nrec < 1 || recs[0].write ||
				    recs[0].gpa != M || recs[0].len != size ||
				    recs[0].data != mem)
					bad = true;
				if (form != F_RM && op->writes) {
					if (nrec != 2 || !recs[1].write ||
					    recs[1].gpa != M ||
					    recs[1].len != size ||
					    recs[1].data != want)
						bad = true;
				} else if (nrec != 1) {
					bad = true;
				}
				if (form == F_RM && op->writes &&
				    cpu.gpr[HV_RDX] !=
				    merge(cpu_before.gpr[HV_RDX], want, size))
					bad = true;
				if ((form != F_RM || !op->writes) &&
				    cpu.gpr[HV_RDX] != cpu_before.gpr[HV_RDX])
					bad = true;
				if (bad) {
					fail(__FILE__, __LINE__,
					     "a %#llx b %#llx flags in %#llx: native %#llx fl %#llx; emu rdx %#llx fl %#llx, %d accesses, last data %#llx",
					     (unsigned long long)a,
					     (unsigned long long)b,
					     (unsigned long long)in_fl,
					     (unsigned long long)want,
					     (unsigned long long)(nfl & FL_ARITH),
					     (unsigned long long)cpu.gpr[HV_RDX],
					     (unsigned long long)(cpu.rflags & FL_ARITH),
					     nrec, nrec ? (unsigned long long)
					     recs[nrec - 1].data : 0ULL);
					return;
				}
			}
		}
	}
}

static void alu_forms(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	unsigned int alu, s, u;

	for (alu = 0; alu < 8; alu++) {
		for (s = 0; s < 4; s++) {
			unsigned int size = sizes[s];
			u8 w = size != 1;

			check_op(&binops[alu], F_MR, size, alu * 8 + w, 0x13);
			check_op(&binops[alu], F_RM, size, alu * 8 + 2 + w,
				 0x13);
			check_op(&binops[alu], F_MI, size, 0x80 + w,
				 0x03 | alu << 3);
			if (size != 1)
				check_op(&binops[alu], F_MI8, size, 0x83,
					 0x03 | alu << 3);
		}
	}
	for (s = 0; s < 4; s++) {
		unsigned int size = sizes[s];
		u8 w = size != 1;

		check_op(&test_op, F_MR, size, 0x84 + w, 0x13);
		check_op(&test_op, F_MI, size, 0xf6 + w, 0x03);
	}
	for (u = 0; u < ARRAY_SIZE(unops); u++)
		for (s = 0; s < 4; s++)
			check_op(&unops[u].op, F_UN, sizes[s],
				 sizes[s] == 1 ? unops[u].opc_byte :
				 unops[u].opc, unops[u].modrm);
}

/* Known results from the SDM, independent of the host. */
static void alu_known(void)
{
	begin("alu: known flags (add 0x7f+1, sub 0-1, adc/sbb carry, neg 0)");
	setup_long();
	cpu.gpr[HV_RBX] = M;

	/* add byte [rbx],1 on 0x7f: 0x80, OF SF AF, no CF ZF, PF=0. */
	mmio_mem[M & 0xffff] = 0x7f;
	CODE_BYTES("\x80\x03\x01");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(recs[1].data, 0x80);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_OF | FL_SF | FL_AF);

	/* sub dword [rbx],1 on 0: 0xffffffff, CF SF AF PF. */
	cpu.rip = CODE;
	nrec = 0;
	memset(mmio_mem + (M & 0xffff), 0, 16);
	CODE_BYTES("\x83\x2b\x01");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(recs[1].data, 0xffffffff);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_SF | FL_AF | FL_PF);

	/* adc word [rbx],dx with CF=1: 0xffff + 0 + 1 = 0, CF ZF AF PF. */
	cpu.rip = CODE;
	nrec = 0;
	cpu.rflags |= FL_CF;
	cpu.gpr[HV_RDX] = 0;
	mmio_mem[M & 0xffff] = 0xff;
	mmio_mem[(M + 1) & 0xffff] = 0xff;
	CODE_BYTES("\x66\x11\x13");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(recs[1].data, 0);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_ZF | FL_AF | FL_PF);

	/* sbb rdx,[rbx] with CF=1: 0 - 0 - 1 = ~0, CF SF AF PF. */
	cpu.rip = CODE;
	nrec = 0;
	cpu.rflags = 0x202 | FL_CF;
	memset(mmio_mem + (M & 0xffff), 0, 16);
	CODE_BYTES("\x48\x1b\x13");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RDX], ~0ULL);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_SF | FL_AF | FL_PF);

	/* neg dword [rbx] on 0: CF=0 ZF PF; on 0x80000000: CF OF SF PF. */
	cpu.rip = CODE;
	nrec = 0;
	CODE_BYTES("\xf7\x1b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_ZF | FL_PF);
	cpu.rip = CODE;
	nrec = 0;
	mmio_mem[(M + 3) & 0xffff] = 0x80;
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(recs[1].data, 0x80000000);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_OF | FL_SF | FL_PF);

	/* inc keeps CF; not changes no flag. */
	cpu.rip = CODE;
	nrec = 0;
	cpu.rflags = 0x202 | FL_CF | FL_ZF;
	memset(mmio_mem + (M & 0xffff), 0, 16);
	CODE_BYTES("\xfe\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF);
	cpu.rip = CODE;
	nrec = 0;
	cpu.rflags = 0x202 | FL_ARITH;
	CODE_BYTES("\x48\xf7\x13");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.rflags, 0x202 | FL_ARITH);
	CHECK_EQ(recs[1].data, 0xfffffffffffffffeULL);

	begin("alu: high-byte register operand (add [rbx],ah; cmp bh,[rbx])");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	cpu.gpr[HV_RAX] = 0x1234;
	mmio_mem[M & 0xffff] = 0x01;
	CODE_BYTES("\x00\x23");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(recs[1].data, 0x13);
	cpu.rip = CODE;
	nrec = 0;
	CODE_BYTES("\x3a\x3b");		/* cmp bh,[rbx]: 0x01 - 0x13 */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_SF | FL_AF | FL_PF);
	CHECK_EQ(cpu.gpr[HV_RBX], M);

	begin("alu: real mode and 32-bit forms (add [bx],ax; and [ebx],imm)");
	setup_real();
	cpu.seg[HV_DS].base = 0xa0000;
	cpu.gpr[HV_RBX] = 0x10;
	cpu.gpr[HV_RAX] = 0xffff0001;
	mmio_mem[0x10] = 0xff;
	mmio_mem[0x11] = 0xff;
	CODE_BYTES("\x01\x07");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_REC(0, 0xa0010, 2, false, 0xffff);
	CHECK_REC(1, 0xa0010, 2, true, 0);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_CF | FL_ZF | FL_AF | FL_PF);
	CHECK_EQ(cpu.rip, CODE + 2);
	setup_pm(true);
	cpu.seg[HV_DS].base = 0;
	cpu.rip = CODE;
	cpu.gpr[HV_RBX] = MMIO_BASE + 0x20;
	mmio_mem[0x20] = 0xf0;
	CODE_BYTES("\x83\x23\x3f");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_REC(2, MMIO_BASE + 0x20, 4, false, 0xf0);
	CHECK_REC(3, MMIO_BASE + 0x20, 4, true, 0x30);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_PF);
}

void test_alu(void)
{
	alu_forms();
	alu_known();
}
