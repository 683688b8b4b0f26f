// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding: MOV in all its encodings and widths, MOVZX/MOVSX/MOVSXD,
 * XCHG, prefixes (66, 67, REX, segment overrides, LOCK), ModRM/SIB/
 * displacement forms in 64-, 32- and 16-bit code, RIP-relative
 * addressing, instruction fetch, and what must stay unhandled.
 */
#include "emutest.h"

#define M	(MMIO_BASE + 0x100)

static void mmio_set(u64 gpa, u64 val, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		mmio_mem[(gpa + i) & 0xffff] = val >> (8 * i);
}

static void done_at(const char *file, int line, int st, u64 len)
{
	u64 want = cpu_before.rip + len;

	/* IP/EIP wrap with the code size outside 64-bit mode. */
	if (!cpu_before.seg[HV_CS].l)
		want &= (cpu_before.cr0 & CR0_PE) && cpu_before.seg[HV_CS].db ?
			0xffffffff : 0xffff;
	if (st != HV_EMU_DONE)
		fail(file, line, "status %d, expected HV_EMU_DONE", st);
	else if (cpu.rip != want)
		fail(file, line, "rip %#llx, expected %#llx",
		     (unsigned long long)cpu.rip, (unsigned long long)want);
}

#define EXPECT_DONE(len)	done_at(__FILE__, __LINE__, run(), len)

static void exc_at(const char *file, int line, int st, u8 vector, u32 ec)
{
	if (st != HV_EMU_EXCEPTION || emu.exc.vector != vector ||
	    emu.exc.error_code != ec)
		fail(file, line, "status %d vector %u ec %#x, expected exception %u ec %#x",
		     st, emu.exc.vector, emu.exc.error_code, vector, ec);
	if (cpu.rip != cpu_before.rip)
		fail(file, line, "rip moved on an exception");
}

#define EXPECT_EXC(vec, ec)	exc_at(__FILE__, __LINE__, run(), vec, ec)

/*
 * One-access MOV cases in 64-bit mode, RBX = M: a store writes @data
 * from @reg; a load reads @data and leaves @out in @reg.
 */
struct mov_case {
	const char *name;
	const char *code;
	unsigned int len;
	u32 size;
	bool store;
	int reg;
	u64 in;			/* initial value of reg */
	u64 data;		/* the access's data */
	u64 out;		/* reg afterwards */
};

#define C(s)	s, sizeof(s) - 1

static const struct mov_case mov64[] = {
	{ "89 mov [rbx],ecx", C("\x89\x0b"), 4, true, HV_RCX,
	  0x1122334455667788, 0x55667788, 0x1122334455667788 },
	{ "REX.W 89 mov [rbx],rcx", C("\x48\x89\x0b"), 8, true, HV_RCX,
	  0x1122334455667788, 0x1122334455667788, 0x1122334455667788 },
	{ "66 89 mov [rbx],cx", C("\x66\x89\x0b"), 2, true, HV_RCX,
	  0x1122334455667788, 0x7788, 0x1122334455667788 },
	{ "4C 89 mov [rbx],r9", C("\x4c\x89\x0b"), 8, true, HV_R9,
	  0x0123456789abcdef, 0x0123456789abcdef, 0x0123456789abcdef },
	{ "88 mov [rbx],ch (no REX)", C("\x88\x2b"), 1, true, HV_RCX,
	  0x1122334455667788, 0x77, 0x1122334455667788 },
	{ "40 88 mov [rbx],bpl", C("\x40\x88\x2b"), 1, true, HV_RBP,
	  0x1122334455667788, 0x88, 0x1122334455667788 },
	{ "44 88 mov [rbx],r8b", C("\x44\x88\x03"), 1, true, HV_R8,
	  0x11223344556677a5, 0xa5, 0x11223344556677a5 },
	{ "88 mov [rbx],bh", C("\x88\x3b"), 1, true, HV_RBX,
	  M, 0x01, M },
	{ "8A mov dh,[rbx]", C("\x8a\x33"), 1, false, HV_RDX,
	  0x1122334455667788, 0xab, 0x112233445566ab88 },
	{ "40 8A mov sil,[rbx]", C("\x40\x8a\x33"), 1, false, HV_RSI,
	  0x1122334455667788, 0xab, 0x11223344556677ab },
	{ "44 8A mov r15b,[rbx]", C("\x44\x8a\x3b"), 1, false, HV_R15,
	  0x1122334455667788, 0xab, 0x11223344556677ab },
	{ "8A mov al,[rbx]", C("\x8a\x03"), 1, false, HV_RAX,
	  0x1122334455667788, 0xfe, 0x11223344556677fe },
	{ "66 8B mov cx,[rbx] keeps 63:16", C("\x66\x8b\x0b"), 2, false,
	  HV_RCX, 0x1122334455667788, 0xbeef, 0x112233445566beef },
	{ "8B mov ecx,[rbx] zero-extends", C("\x8b\x0b"), 4, false, HV_RCX,
	  0x1122334455667788, 0xdeadbeef, 0xdeadbeef },
	{ "48 8B mov rcx,[rbx]", C("\x48\x8b\x0b"), 8, false, HV_RCX,
	  0x1122334455667788, 0xfedcba9876543210, 0xfedcba9876543210 },
	{ "4C 8B mov r9,[rbx]", C("\x4c\x8b\x0b"), 8, false, HV_R9,
	  0, 0x8000000000000001, 0x8000000000000001 },
	{ "44 8B mov r13d,[rbx]", C("\x44\x8b\x2b"), 4, false, HV_R13,
	  ~0ULL, 0x80000000, 0x80000000 },
	{ "C6 /0 mov byte [rbx],imm8", C("\xc6\x03\xab"), 1, true, HV_RAX,
	  0, 0xab, 0 },
	{ "66 C7 /0 mov word [rbx],imm16", C("\x66\xc7\x03\x34\x12"), 2, true,
	  HV_RAX, 0, 0x1234, 0 },
	{ "C7 /0 mov dword [rbx],imm32", C("\xc7\x03\x78\x56\x34\x12"), 4,
	  true, HV_RAX, 0, 0x12345678, 0 },
	{ "48 C7 /0 imm32 sign-extended", C("\x48\xc7\x03\x80\xff\xff\xff"), 8,
	  true, HV_RAX, 0, 0xffffffffffffff80, 0 },
	{ "48 C7 /0 imm32 0x80000000", C("\x48\xc7\x03\x00\x00\x00\x80"), 8,
	  true, HV_RAX, 0, 0xffffffff80000000, 0 },
	{ "48 C7 /0 imm32 positive", C("\x48\xc7\x03\xff\xff\xff\x7f"), 8,
	  true, HV_RAX, 0, 0x7fffffff, 0 },
	{ "A1 mov eax,moffs64", C("\xa1\x00\x01\x00\xd0\x00\x00\x00\x00"), 4,
	  false, HV_RAX, ~0ULL, 0x87654321, 0x87654321 },
	{ "48 A1 mov rax,moffs64",
	  C("\x48\xa1\x00\x01\x00\xd0\x00\x00\x00\x00"), 8, false, HV_RAX,
	  0, 0x1122334455667788, 0x1122334455667788 },
	{ "66 A1 mov ax,moffs64", C("\x66\xa1\x00\x01\x00\xd0\x00\x00\x00\x00"),
	  2, false, HV_RAX, ~0ULL, 0x4321, 0xffffffffffff4321 },
	{ "A0 mov al,moffs64", C("\xa0\x00\x01\x00\xd0\x00\x00\x00\x00"), 1,
	  false, HV_RAX, 0x1234, 0x99, 0x1299 },
	{ "67 A1 mov eax,moffs32", C("\x67\xa1\x00\x01\x00\xd0"), 4, false,
	  HV_RAX, 0, 0xcafef00d, 0xcafef00d },
	{ "A2 mov moffs64,al", C("\xa2\x00\x01\x00\xd0\x00\x00\x00\x00"), 1,
	  true, HV_RAX, 0x1234, 0x34, 0x1234 },
	{ "48 A3 mov moffs64,rax", C("\x48\xa3\x00\x01\x00\xd0\x00\x00\x00\x00"),
	  8, true, HV_RAX, 0x0102030405060708, 0x0102030405060708,
	  0x0102030405060708 },
	{ "67 66 A3 mov moffs32,ax", C("\x67\x66\xa3\x00\x01\x00\xd0"), 2,
	  true, HV_RAX, 0x0102030405060708, 0x0708, 0x0102030405060708 },
	{ "0F B6 movzx ecx,byte", C("\x0f\xb6\x0b"), 1, false, HV_RCX,
	  ~0ULL, 0x80, 0x80 },
	{ "66 0F B6 movzx cx,byte", C("\x66\x0f\xb6\x0b"), 1, false, HV_RCX,
	  ~0ULL, 0x80, 0xffffffffffff0080 },
	{ "48 0F B6 movzx rcx,byte", C("\x48\x0f\xb6\x0b"), 1, false, HV_RCX,
	  ~0ULL, 0xff, 0xff },
	{ "0F B7 movzx ecx,word", C("\x0f\xb7\x0b"), 2, false, HV_RCX,
	  ~0ULL, 0x8001, 0x8001 },
	{ "4C 0F B7 movzx r9,word", C("\x4c\x0f\xb7\x0b"), 2, false, HV_R9,
	  ~0ULL, 0xffff, 0xffff },
	{ "0F BE movsx ecx,byte", C("\x0f\xbe\x0b"), 1, false, HV_RCX,
	  ~0ULL, 0x80, 0xffffff80 },
	{ "0F BE movsx ecx,byte positive", C("\x0f\xbe\x0b"), 1, false, HV_RCX,
	  ~0ULL, 0x7f, 0x7f },
	{ "66 0F BE movsx cx,byte", C("\x66\x0f\xbe\x0b"), 1, false, HV_RCX,
	  0x1122334455667788, 0x81, 0x112233445566ff81 },
	{ "48 0F BE movsx rcx,byte", C("\x48\x0f\xbe\x0b"), 1, false, HV_RCX,
	  0, 0x80, 0xffffffffffffff80 },
	{ "0F BF movsx ecx,word", C("\x0f\xbf\x0b"), 2, false, HV_RCX,
	  ~0ULL, 0x8000, 0xffff8000 },
	{ "48 0F BF movsx rcx,word", C("\x48\x0f\xbf\x0b"), 2, false, HV_RCX,
	  0, 0x8000, 0xffffffffffff8000 },
	{ "40 0F BE movsx esi,byte (REX)", C("\x40\x0f\xbe\x33"), 1, false,
	  HV_RSI, 0, 0xfe, 0xfffffffe },
	{ "48 63 movsxd rcx,dword", C("\x48\x63\x0b"), 4, false, HV_RCX,
	  0, 0x80000000, 0xffffffff80000000 },
	{ "48 63 movsxd rcx,dword positive", C("\x48\x63\x0b"), 4, false,
	  HV_RCX, ~0ULL, 0x7fffffff, 0x7fffffff },
	{ "63 movsxd ecx,dword (no REX.W)", C("\x63\x0b"), 4, false, HV_RCX,
	  ~0ULL, 0x80000000, 0x80000000 },
	{ "4C 63 movsxd r9,dword", C("\x4c\x63\x0b"), 4, false, HV_R9,
	  0, 0xfffffffe, 0xfffffffffffffffe },
	{ "66 63 movsxd cx,word", C("\x66\x63\x0b"), 2, false, HV_RCX,
	  0x1111111111111111, 0x8000, 0x1111111111118000 },
	{ "48 66 89: REX before 66 is ignored", C("\x48\x66\x89\x0b"), 2, true,
	  HV_RCX, 0x1122334455667788, 0x7788, 0x1122334455667788 },
	{ "66 48 89: REX.W beats 66", C("\x66\x48\x89\x0b"), 8, true, HV_RCX,
	  0x1122334455667788, 0x1122334455667788, 0x1122334455667788 },
	{ "41 48 89: only the last REX counts", C("\x41\x48\x89\x0b"), 8, true,
	  HV_RCX, 0x1122334455667788, 0x1122334455667788, 0x1122334455667788 },
	{ "F3 89: REP ignored on MOV", C("\xf3\x89\x0b"), 4, true, HV_RCX,
	  0x1122334455667788, 0x55667788, 0x1122334455667788 },
	{ "2E 89: CS override is null in 64-bit mode", C("\x2e\x89\x0b"), 4,
	  true, HV_RCX, 7, 7, 7 },
	{ "87 xchg [rbx],ecx", C("\x87\x0b"), 4, false, HV_RCX,
	  0x1122334455667788, 0xa1b2c3d4, 0xa1b2c3d4 },
};

static void mov_cases(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mov64); i++) {
		const struct mov_case *t = &mov64[i];

		begin("decode: %s", t->name);
		setup_long();
		/* Distinct segment bases that 64-bit mode must ignore. */
		cpu.seg[HV_DS].base = 0x1000;
		cpu.seg[HV_CS].base = 0x2000;
		cpu.seg[HV_ES].base = 0x3000;
		cpu.gpr[HV_RBX] = M;
		cpu.gpr[t->reg] = t->in;
		if (t->reg == HV_RBX)
			cpu.gpr[HV_RBX] = M;
		put_code(t->code, t->len);
		if (!t->store)
			mmio_set(M, t->data, t->size);
		EXPECT_DONE(t->len);
		CHECK_EQ(cpu.gpr[t->reg], t->out);
		CHECK_OTHER_GPRS(1u << t->reg);
		CHECK_EQ(cpu.rflags, cpu_before.rflags);
		CHECK_REC(0, M, t->size, t->store, t->data);
		if (t->code[0] == (char)0x87) {
			CHECK_REC(1, M, t->size, true, t->in & 0xffffffff);
			CHECK_EQ(nrec, 2);
		} else {
			CHECK_EQ(nrec, 1);
		}
	}
}

static void xchg_tests(void)
{
	begin("decode: 86 xchg [rbx],ch; F0 87 lock xchg; 48 87");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	cpu.gpr[HV_RCX] = 0x1234;
	mmio_set(M, 0x56, 1);
	CODE_BYTES("\x86\x2b");
	EXPECT_DONE(2);
	CHECK_EQ(cpu.gpr[HV_RCX], 0x5634);
	CHECK_REC(0, M, 1, false, 0x56);
	CHECK_REC(1, M, 1, true, 0x12);
	CHECK_EQ(nrec, 2);
	nrec = 0;
	cpu.rip = CODE;
	CODE_BYTES("\xf0\x48\x87\x0b");
	mmio_set(M, 0x1122334455667788, 8);
	cpu.gpr[HV_RCX] = 0x99;
	EXPECT_DONE(4);
	CHECK_EQ(cpu.gpr[HV_RCX], 0x1122334455667788);
	CHECK_REC(0, M, 8, false, 0x1122334455667788);
	CHECK_REC(1, M, 8, true, 0x99);
}

/* A load "mov eax,[...]" in 64-bit mode; returns the gpa it read. */
static u64 load64(const char *code, unsigned int len)
{
	cpu.rip = CODE;
	put_code(code, len);
	nrec = 0;
	EXPECT_DONE(len);
	CHECK_EQ(nrec, 1);
	return nrec ? recs[0].gpa : 0;
}

#define LOAD64(s)	load64(C(s))

static void addressing64(void)
{
	begin("decode: 64-bit ModRM/SIB forms");
	setup_long();
	cpu.gpr[HV_RBX] = MMIO_BASE;
	cpu.gpr[HV_RSI] = 3;
	CHECK_EQ(LOAD64("\x8b\x44\xb3\x10"), MMIO_BASE + 12 + 0x10);
	cpu.gpr[HV_RBX] = MMIO_BASE + 0x20;
	CHECK_EQ(LOAD64("\x8b\x43\xf0"), MMIO_BASE + 0x10);	/* disp8 < 0 */
	CHECK_EQ(LOAD64("\x8b\x83\x00\x01\x00\x00"), MMIO_BASE + 0x120);
	CHECK_EQ(LOAD64("\x8b\x83\xf0\xff\xff\xff"), MMIO_BASE + 0x10);
	cpu.gpr[HV_R12] = MMIO_BASE + 0x40;
	CHECK_EQ(LOAD64("\x41\x8b\x04\x24"), MMIO_BASE + 0x40);	/* [r12] */
	cpu.gpr[HV_R13] = MMIO_BASE + 0x50;
	CHECK_EQ(LOAD64("\x41\x8b\x45\x00"), MMIO_BASE + 0x50);	/* [r13+0] */
	cpu.gpr[HV_R12] = 2;
	CHECK_EQ(LOAD64("\x42\x8b\x04\xa3"), MMIO_BASE + 0x28);	/* +r12*4 */
	CHECK_EQ(LOAD64("\x8b\x04\xa3"), MMIO_BASE + 0x20);	/* no index */
	CHECK_EQ(LOAD64("\x8b\x04\x63"), MMIO_BASE + 0x20);
	cpu.gpr[HV_RCX] = 0x34000000;
	CHECK_EQ(LOAD64("\x8b\x04\x8d\x00\x01\x00\x00"), 0xd0000100);
	cpu.gpr[HV_RCX] = 0x1a000000;
	CHECK_EQ(LOAD64("\x8b\x04\xcd\x04\x01\x00\x00"), 0xd0000104);
	/* SIB base 101 with mod 00: disp32, no base, even with REX.B. */
	CHECK_EQ(LOAD64("\x67\x8b\x04\x25\x00\x02\x00\xd0"), 0xd0000200);
	CHECK_EQ(LOAD64("\x67\x41\x8b\x04\x25\x08\x02\x00\xd0"), 0xd0000208);
	/* 67: 32-bit address size, the effective address wraps. */
	cpu.gpr[HV_RBX] = 0xffffffffd0000300ULL;
	CHECK_EQ(LOAD64("\x67\x8b\x03"), 0xd0000300);
	cpu.gpr[HV_RBX] = 0xfffffff0;
	cpu.gpr[HV_RSI] = 0xd0000410;
	CHECK_EQ(LOAD64("\x67\x8b\x04\x33"), 0xd0000400);
	/* [rsp+disp8]: SS, whose base 64-bit mode ignores. */
	cpu.seg[HV_SS].base = 0x10000;
	cpu.gpr[HV_RSP] = MMIO_BASE + 0x500;
	CHECK_EQ(LOAD64("\x8b\x44\x24\x08"), MMIO_BASE + 0x508);
	cpu.gpr[HV_RBP] = MMIO_BASE + 0x600;
	CHECK_EQ(LOAD64("\x8b\x45\xfc"), MMIO_BASE + 0x5fc);

	begin("decode: 64-bit FS/GS bases apply, DS/ES/SS/CS do not");
	setup_long();
	cpu.gpr[HV_RBX] = 0x100;
	cpu.seg[HV_FS].base = MMIO_BASE + 0x1000;
	cpu.seg[HV_GS].base = MMIO_BASE + 0x2000;
	cpu.seg[HV_DS].base = 0x100000;
	cpu.seg[HV_ES].base = 0x200000;
	cpu.seg[HV_SS].base = 0x300000;
	CHECK_EQ(LOAD64("\x64\x8b\x03"), MMIO_BASE + 0x1100);
	CHECK_EQ(LOAD64("\x65\x8b\x03"), MMIO_BASE + 0x2100);
	CHECK_EQ(LOAD64("\x65\x67\x8b\x03"), MMIO_BASE + 0x2100);
	CHECK_EQ(LOAD64("\x64\x65\x8b\x03"), MMIO_BASE + 0x2100);  /* last */
	cpu.gpr[HV_RBX] = MMIO_BASE + 0x100;
	CHECK_EQ(LOAD64("\x3e\x8b\x03"), MMIO_BASE + 0x100);
	CHECK_EQ(LOAD64("\x26\x8b\x03"), MMIO_BASE + 0x100);
	CHECK_EQ(LOAD64("\x36\x8b\x03"), MMIO_BASE + 0x100);
}

/* RIP-relative: code at la 0x40000000, an MMIO page at 0x40010000. */
static void riprel(void)
{
	static const u8 add_ri[] = { 0x81, 0x05, 0x06, 0x00, 0x01, 0x00,
				     0x01, 0x00, 0x00, 0x00 };
	static const u8 mov_ri[] = { 0xc7, 0x05, 0x06, 0x00, 0x01, 0x00,
				     0x78, 0x56, 0x34, 0x12 };
	static const u8 mov_rm[] = { 0x8b, 0x05, 0x0a, 0x00, 0x01, 0x00 };
	static const u8 add_ib[] = { 0x83, 0x05, 0x09, 0x00, 0x01, 0x00, 0x05 };
	static const u8 neg[] = { 0x8b, 0x05, 0xf2, 0xff, 0xff, 0xff };

	begin("decode: RIP-relative counts the immediate in the length");
	setup_long();
	map_4k(0x40000000, 0x3000, P_ALL);
	map_4k(0x40010000, MMIO_BASE + 0x2000, P_ALL);
	cpu.rip = 0x40000000;
	memcpy(ram + 0x3000, mov_rm, sizeof(mov_rm));
	EXPECT_DONE(6);
	CHECK_REC(0, MMIO_BASE + 0x2010, 4, false, 0);
	cpu.rip = 0x40000000;
	memcpy(ram + 0x3000, mov_ri, sizeof(mov_ri));
	EXPECT_DONE(10);
	CHECK_REC(1, MMIO_BASE + 0x2010, 4, true, 0x12345678);
	cpu.rip = 0x40000000;
	memcpy(ram + 0x3000, add_ri, sizeof(add_ri));
	EXPECT_DONE(10);
	CHECK_REC(2, MMIO_BASE + 0x2010, 4, false, 0x12345678);
	CHECK_REC(3, MMIO_BASE + 0x2010, 4, true, 0x12345679);
	cpu.rip = 0x40000000;
	memcpy(ram + 0x3000, add_ib, sizeof(add_ib));
	EXPECT_DONE(7);
	CHECK_REC(5, MMIO_BASE + 0x2010, 4, true, 0x1234567e);
	/* Negative displacement: 0x40000008 + 6 - 14, in RAM. */
	cpu.rip = 0x40000008;
	memcpy(ram + 0x3008, neg, sizeof(neg));
	wr32(0x3000, 0xfeedface);
	EXPECT_DONE(6);
	CHECK_EQ(cpu.gpr[HV_RAX], 0xfeedface);

	begin("decode: RIP-relative with 67 wraps at 4 GiB");
	setup_long();
	map_4k(0x100000000ULL, 0x3000, P_ALL);
	cpu.rip = 0x100000000ULL;
	memcpy(ram + 0x3000, "\x67\x8b\x05\xf9\x00\x00\x00", 7);
	wr32(0x100, 0x600df00d);
	EXPECT_DONE(7);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x600df00d);
	CHECK_EQ(nrec, 0);
}

static void canonical_tests(void)
{
	begin("decode: non-canonical operand: #GP(0), #SS(0) via rSP/rBP");
	setup_long();
	cpu.gpr[HV_RBX] = 0x0000800000000000ULL;
	CODE_BYTES("\x8b\x03");
	EXPECT_EXC(13, 0);
	cpu.gpr[HV_RSP] = 0x0000800000000000ULL;
	CODE_BYTES("\x8b\x44\x24\x08");
	EXPECT_EXC(12, 0);
	cpu.gpr[HV_RBP] = 0xfff0000000000000ULL;
	CODE_BYTES("\x89\x45\x00");
	EXPECT_EXC(12, 0);
	/* 3E is a null prefix in 64-bit mode: still SS, still #SS. */
	CODE_BYTES("\x3e\x89\x45\x00");
	EXPECT_EXC(12, 0);
	cpu.gpr[HV_RBX] = 0x7ffffffffffeULL;	/* last byte non-canonical */
	CODE_BYTES("\x8b\x03");
	EXPECT_EXC(13, 0);
	cpu.gpr[HV_RBX] = 0x100;
	cpu.seg[HV_GS].base = 0x00007fffffffff80ULL;
	CODE_BYTES("\x65\x8b\x83\x00\x00\x00\x00");
	EXPECT_EXC(13, 0);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(emu.exc.has_error_code, 1);
}

/* 32-bit protected mode, paging off, CS.D=1. */
static u64 load32(const char *code, unsigned int len)
{
	cpu.rip = CODE;
	put_code(code, len);
	nrec = 0;
	EXPECT_DONE(len);
	CHECK_EQ(nrec, 1);
	return nrec ? recs[0].gpa : 0;
}

#define LOAD32(s)	load32(C(s))

static void addressing32(void)
{
	begin("decode: 32-bit protected mode, segment bases, SIB, disp32");
	setup_pm(true);
	cpu.seg[HV_DS].base = 0x10000000;
	cpu.seg[HV_SS].base = 0x20000000;
	cpu.seg[HV_ES].base = 0x30000000;
	cpu.gpr[HV_RBX] = 0xc0000100;
	CHECK_EQ(LOAD32("\x8b\x03"), 0xd0000100);
	cpu.gpr[HV_RSP] = 0xb0000000;
	CHECK_EQ(LOAD32("\x8b\x44\x24\x08"), 0xd0000008);	/* SS */
	cpu.gpr[HV_RBP] = 0xb0000010;
	CHECK_EQ(LOAD32("\x8b\x45\xfc"), 0xd000000c);		/* SS */
	CHECK_EQ(LOAD32("\x3e\x8b\x44\x24\x08"), 0xc0000008);	/* DS: hole */
	cpu.seg[HV_ES].base = 0x10000010;
	CHECK_EQ(LOAD32("\x26\x8b\x03"), 0xd0000110);
	/* disp32 alone is absolute in 32-bit mode, not RIP-relative. */
	CHECK_EQ(LOAD32("\x8b\x05\x00\x02\x00\xc0"), 0xd0000200);
	cpu.gpr[HV_RSI] = 0x10;
	CHECK_EQ(LOAD32("\x8b\x84\xf3\x00\x01\x00\x00"), 0xd0000280);
	/* Effective address and linear address wrap at 4 GiB. */
	cpu.gpr[HV_RBX] = 0xfffffff0;
	cpu.gpr[HV_RSI] = 0xc0000110;
	CHECK_EQ(LOAD32("\x8b\x04\x33"), 0xd0000100);
	cpu.seg[HV_DS].base = 0xf0000000;
	cpu.gpr[HV_RBX] = 0xe0000300;
	CHECK_EQ(LOAD32("\x8b\x03"), 0xd0000300);
	/* Upper halves of 64-bit registers do not take part. */
	cpu.gpr[HV_RBX] = 0x12345678e0000300ULL;
	CHECK_EQ(LOAD32("\x8b\x03"), 0xd0000300);
	/* moffs32 with DS and with an FS override; 67: moffs16. */
	cpu.seg[HV_FS].base = 0xd0000000;
	CHECK_EQ(LOAD32("\xa1\x00\x04\x00\xe0"), 0xd0000400);
	CHECK_EQ(LOAD32("\x64\xa1\x00\x05\x00\x00"), 0xd0000500);
	CHECK_EQ(LOAD32("\x64\x67\xa0\x00\x06"), 0xd0000600);
	CHECK_EQ(recs[0].len, 1);

	begin("decode: 32-bit mode, 66 and 67 prefixes, CS.D=0");
	setup_pm(true);
	cpu.seg[HV_DS].base = 0xd0000000;
	cpu.gpr[HV_RBX] = 0x12340100;
	cpu.gpr[HV_RSI] = 0x56780020;
	cpu.gpr[HV_RAX] = 0x1111111111111111ULL;
	mmio_set(MMIO_BASE + 0x120, 0xaabbccdd, 4);
	CHECK_EQ(LOAD32("\x67\x8b\x00"), MMIO_BASE + 0x120);	/* [bx+si] */
	CHECK_EQ(cpu.gpr[HV_RAX], 0xaabbccdd);
	mmio_set(MMIO_BASE + 0x120, 0x1234, 2);
	CHECK_EQ(LOAD32("\x66\x67\x8b\x00"), MMIO_BASE + 0x120);
	CHECK_EQ(recs[0].len, 2);
	CHECK_EQ(cpu.gpr[HV_RAX], 0xaabb1234);
	setup_pm(false);
	cpu.seg[HV_DS].base = 0xd0000000;
	cpu.gpr[HV_RBX] = 0x12340100;
	CHECK_EQ(LOAD32("\x8b\x07"), MMIO_BASE + 0x100);	/* [bx] */
	CHECK_EQ(recs[0].len, 2);
	CHECK_EQ(LOAD32("\x66\x8b\x07"), MMIO_BASE + 0x100);
	CHECK_EQ(recs[0].len, 4);
	CHECK_EQ(LOAD32("\x67\x8b\x03"), 0xd0000000 + 0x12340100);

	begin("decode: 32-bit mode, 40-4F and 63 are not REX/MOVSXD");
	setup_pm(true);
	cpu.gpr[HV_RBX] = MMIO_BASE;
	CODE_BYTES("\x48\x89\x03");
	CHECK_EQ(run(), HV_EMU_UNHANDLED);
	CODE_BYTES("\x63\x03");
	CHECK_EQ(run(), HV_EMU_UNHANDLED);
	CHECK_EQ(nrec, 0);
}

/* Real mode: DS base 0xa0000 (VGA hole), SS 0xb0000, ES 0xa8000. */
struct ea16_case {
	const char *code;
	unsigned int len;
	u64 gpa;
};

static void addressing16(void)
{
	static const struct ea16_case t[] = {
		{ C("\x8b\x00"), 0xa0000 + 0x100 + 0x20 },		/* bx+si */
		{ C("\x8b\x01"), 0xa0000 + 0x100 + 0x30 },		/* bx+di */
		{ C("\x8b\x02"), 0xb0000 + 0x200 + 0x20 },		/* bp+si */
		{ C("\x8b\x03"), 0xb0000 + 0x200 + 0x30 },		/* bp+di */
		{ C("\x8b\x04"), 0xa0000 + 0x20 },			/* si */
		{ C("\x8b\x05"), 0xa0000 + 0x30 },			/* di */
		{ C("\x8b\x06\x34\x12"), 0xa0000 + 0x1234 },		/* disp16 */
		{ C("\x8b\x07"), 0xa0000 + 0x100 },			/* bx */
		{ C("\x8b\x40\x10"), 0xa0000 + 0x130 },		/* bx+si+d8 */
		{ C("\x8b\x47\xfe"), 0xa0000 + 0xfe },			/* bx-2 */
		{ C("\x8b\x46\x08"), 0xb0000 + 0x208 },		/* bp+d8 */
		{ C("\x8b\x86\x00\x10"), 0xb0000 + 0x1200 },		/* bp+d16 */
		{ C("\x8b\x81\x00\x01"), 0xa0000 + 0x230 },		/* bx+di+d16 */
		{ C("\x8b\x43\x04"), 0xb0000 + 0x234 },		/* bp+di+d8 */
		{ C("\x26\x8b\x46\x08"), 0xa8000 + 0x208 },		/* es: */
		{ C("\x3e\x8b\x02"), 0xa0000 + 0x220 },		/* ds: */
		{ C("\x2e\x8b\x87\x00\x10"), 0x9f000 + 0x1100 },	/* cs: */
		{ C("\x64\x8b\x07"), 0xbc000 + 0x100 },		/* fs: */
		{ C("\xa1\x34\x12"), 0xa0000 + 0x1234 },		/* moffs16 */
		{ C("\x36\xa1\x00\x01"), 0xb0000 + 0x100 },		/* ss:moffs */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		begin("decode: real mode 16-bit addressing #%u (%02x %02x)", i,
		      (u8)t[i].code[0], (u8)t[i].code[1]);
		setup_real();
		cpu.seg[HV_CS].base = 0x9f000;
		cpu.rip = 0x10;
		cpu.seg[HV_DS].base = 0xa0000;
		cpu.seg[HV_SS].base = 0xb0000;
		cpu.seg[HV_ES].base = 0xa8000;
		cpu.seg[HV_FS].base = 0xbc000;
		cpu.gpr[HV_RBX] = 0xffff0100;
		cpu.gpr[HV_RBP] = 0x200;
		cpu.gpr[HV_RSI] = 0x20;
		cpu.gpr[HV_RDI] = 0x30;
		cpu.gpr[HV_RAX] = 0x1111111111111111ULL;
		mmio_set(t[i].gpa, 0xbeef, 2);
		put_code(t[i].code, t[i].len);
		EXPECT_DONE(t[i].len);
		CHECK_REC(0, t[i].gpa, 2, false, 0xbeef);
		CHECK_EQ(nrec, 1);
		CHECK_EQ(cpu.gpr[HV_RAX], 0x111111111111beefULL);
	}

	begin("decode: real mode, EA wraps at 64 KiB, 66 and 67 prefixes");
	setup_real();
	cpu.seg[HV_DS].base = 0xa0000;
	cpu.gpr[HV_RBX] = 0xffff;
	cpu.gpr[HV_RSI] = 0x0002;
	CODE_BYTES("\x8b\x00");
	EXPECT_DONE(2);
	CHECK_REC(0, 0xa0001, 2, false, 0);
	cpu.rip = CODE;
	cpu.gpr[HV_RCX] = 0x1122334455667788ULL;
	cpu.gpr[HV_RBX] = 0xfff0;
	CODE_BYTES("\x66\x89\x0f");			/* mov [bx],ecx */
	EXPECT_DONE(3);
	CHECK_REC(1, 0xafff0, 4, true, 0x55667788);
	cpu.rip = CODE;
	cpu.gpr[HV_RBX] = 0x10000;
	CODE_BYTES("\x67\x88\x0b");			/* mov [ebx],cl */
	EXPECT_DONE(3);
	CHECK_REC(2, 0xb0000, 1, true, 0x88);
	cpu.rip = CODE;
	CODE_BYTES("\x67\x66\xc7\x44\x24\x04\x01\x02\x03\x04");
	cpu.gpr[HV_RSP] = 0x10;
	cpu.seg[HV_SS].base = 0xa0000;
	EXPECT_DONE(10);
	CHECK_REC(3, 0xa0014, 4, true, 0x04030201);

	begin("decode: real mode, IP wraps at 64 KiB");
	setup_real();
	cpu.seg[HV_CS].base = 0x10000;
	cpu.seg[HV_DS].base = 0xa0000;
	cpu.rip = 0xfffe;
	cpu.gpr[HV_RBX] = 0x10;
	memcpy(ram + 0x1fffe, "\x89\x07", 2);
	EXPECT_DONE(2);
	CHECK_EQ(cpu.rip, 0);
	CHECK_REC(0, 0xa0010, 2, true, cpu.gpr[HV_RAX] & 0xffff);
}

static void fetch_tests(void)
{
	begin("fetch: instruction across two discontiguous pages");
	setup_long();
	map_4k(0x40000000, 0x3000, P_ALL);
	map_4k(0x40001000, 0x7000, P_ALL);
	cpu.rip = 0x40000ffd;
	cpu.gpr[HV_RBX] = M;
	memcpy(ram + 0x3ffd, "\x48\xc7\x03", 3);
	memcpy(ram + 0x7000, "\x44\x33\x22\x11", 4);
	EXPECT_DONE(7);
	CHECK_REC(0, M, 8, true, 0x11223344);

	begin("fetch: next page not present: fine unless needed");
	setup_long();
	map_4k(0x40000000, 0x3000, P_ALL);
	cpu.rip = 0x40000ffe;
	cpu.gpr[HV_RBX] = M;
	memcpy(ram + 0x3ffe, "\x89\x03", 2);
	EXPECT_DONE(2);
	cpu.rip = 0x40000ffd;
	memcpy(ram + 0x3ffd, "\x66\x89\x03", 3);
	EXPECT_DONE(3);
	cpu.rip = 0x40000ffe;
	memcpy(ram + 0x3ffe, "\xc7\x03", 2);
	EXPECT_EXC(14, PF_I);			/* NXE=1: I/D set */
	CHECK_EQ(emu.exc.cr2, 0x40001000);
	cpu.cpl = 3;
	EXPECT_EXC(14, PF_I | PF_U);
	CHECK_EQ(nrec, 2);

	begin("fetch: NX code page, user fetch of supervisor page, MMIO");
	setup_long();
	map_4k(0x40000000, 0x3000, P_ALL | P_XD);
	cpu.rip = 0x40000010;
	memcpy(ram + 0x3010, "\x89\x03", 2);
	EXPECT_EXC(14, PF_P | PF_I);
	CHECK_EQ(emu.exc.cr2, 0x40000010);
	map_4k(0x40000000, 0x3000, P_P);
	cpu.cpl = 3;
	EXPECT_EXC(14, PF_P | PF_I | PF_U);
	cpu.cpl = 0;
	cpu.rip = MMIO_BASE;
	CHECK_EQ(run(), HV_EMU_UNHANDLED);
	CHECK_EQ(nrec, 0);
	cpu.rip = 0x0000800000000000ULL;
	EXPECT_EXC(13, 0);

	begin("fetch: 15 bytes decode, 16 raise #GP(0)");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	CODE_BYTES("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		   "\x89\x03");
	EXPECT_DONE(15);
	CHECK_REC(0, M, 2, true, cpu.gpr[HV_RAX] & 0xffff);
	cpu.rip = CODE;
	CODE_BYTES("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		   "\x66\x89\x03");
	EXPECT_EXC(13, 0);
	CHECK_EQ(nrec, 1);
}

static void unhandled_tests(void)
{
	static const struct { const char *code; unsigned int len; } t[] = {
		{ C("\x89\xd8") },		/* mov eax,ebx: no memory */
		{ C("\x8b\xc3") },
		{ C("\x01\xd8") },
		{ C("\xf7\x23") },		/* mul dword [rbx] */
		{ C("\xf7\x33") },		/* div */
		{ C("\xf7\x0b\x00\x00\x00\x00") },	/* F7 /1 alias */
		{ C("\xff\x13") },		/* call [rbx] */
		{ C("\xff\x33") },		/* push [rbx] */
		{ C("\x8f\x03") },		/* pop [rbx] */
		{ C("\xc7\x0b\x00\x00\x00\x00") },	/* C7 /1 */
		{ C("\xc6\xf8\x00") },		/* xabort */
		{ C("\x82\x03\x01") },		/* invalid in 64-bit mode */
		{ C("\x0f\x05") },		/* syscall */
		{ C("\x0f\xb8\x03") },		/* jmpe / popcnt */
		{ C("\x0f\xb0\x0b") },		/* cmpxchg */
		{ C("\x0f\xc1\x0b") },		/* xadd */
		{ C("\xa6") },			/* cmpsb */
		{ C("\xae") },			/* scasb */
		{ C("\x6c") },			/* insb */
		{ C("\x8c\x03") },		/* mov [rbx],es */
		{ C("\xd1\x23") },		/* shl dword [rbx],1 */
		{ C("\x0f\xa3\x0b") },		/* bt */
		{ C("\x66\x0f\x7e\x03") },	/* movd */
		{ C("\x04\x01") },		/* add al,imm8: no memory */
		{ C("\x05\x01\x00\x00\x00") },
		{ C("\x3c\x01") },
		{ C("\x90") },
	};
	unsigned int i;

	begin("decode: unsupported instructions are HV_EMU_UNHANDLED");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		cpu.rip = CODE;
		put_code(t[i].code, t[i].len);
		if (run() != HV_EMU_UNHANDLED)
			fail(__FILE__, __LINE__, "case %u not unhandled", i);
		if (emu.insn_rip != CODE || emu.insn_len < t[i].len ||
		    memcmp(emu.insn_bytes, t[i].code, t[i].len))
			fail(__FILE__, __LINE__, "case %u: insn bytes", i);
	}
	CHECK_EQ(nrec, 0);
	CHECK_EQ(nram_writes, 0);
}

static void lock_tests(void)
{
	static const struct {
		const char *code;
		unsigned int len;
		bool ok;
	} t[] = {
		{ C("\xf0\x01\x0b"), true },		/* add [rbx],ecx */
		{ C("\xf0\x80\x03\x01"), true },	/* add byte [rbx],1 */
		{ C("\xf0\x83\x33\x01"), true },	/* xor */
		{ C("\xf0\x19\x0b"), true },		/* sbb */
		{ C("\xf0\xff\x03"), true },		/* inc */
		{ C("\xf0\xfe\x0b"), true },		/* dec byte */
		{ C("\xf0\xf7\x13"), true },		/* not */
		{ C("\xf0\xf7\x1b"), true },		/* neg */
		{ C("\xf0\x87\x0b"), true },		/* xchg */
		{ C("\x66\xf0\x09\x0b"), true },	/* or */
		{ C("\xf0\x89\x0b"), false },		/* mov */
		{ C("\xf0\x8b\x0b"), false },
		{ C("\xf0\xc7\x03\x01\x00\x00\x00"), false },
		{ C("\xf0\x03\x0b"), false },		/* add ecx,[rbx] */
		{ C("\xf0\x39\x0b"), false },		/* cmp */
		{ C("\xf0\x3b\x0b"), false },
		{ C("\xf0\x83\x3b\x01"), false },	/* cmp imm */
		{ C("\xf0\x85\x0b"), false },		/* test */
		{ C("\xf0\xf6\x03\x01"), false },	/* test imm */
		{ C("\xf0\x0f\xb6\x0b"), false },	/* movzx */
		{ C("\xf0\xa5"), false },		/* movsd */
		{ C("\xf0\xab"), false },		/* stosd */
	};
	unsigned int i;
	int st;

	begin("decode: LOCK on read-modify-write forms only, else #UD");
	setup_long();
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		cpu.rip = CODE;
		cpu.gpr[HV_RBX] = M;
		cpu.gpr[HV_RSI] = M;
		cpu.gpr[HV_RDI] = M;
		put_code(t[i].code, t[i].len);
		st = run();
		if (t[i].ok && (st != HV_EMU_DONE ||
				cpu.rip != CODE + t[i].len))
			fail(__FILE__, __LINE__, "case %u: status %d", i, st);
		if (!t[i].ok && (st != HV_EMU_EXCEPTION ||
				 emu.exc.vector != 6 ||
				 emu.exc.has_error_code))
			fail(__FILE__, __LINE__, "case %u: status %d", i, st);
	}
}

void test_decode(void)
{
	mov_cases();
	xchg_tests();
	addressing64();
	riprel();
	canonical_tests();
	addressing32();
	addressing16();
	fetch_tests();
	unhandled_tests();
	lock_tests();
}
