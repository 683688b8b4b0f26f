// SPDX-License-Identifier: GPL-2.0
/*
 * MOVS, STOS, LODS with and without REP: one element per call, rip kept
 * until rCX reaches 0, DF, address-size wrap of rSI/rDI/rCX, segments
 * (DS:rSI overridable, ES:rDI not), and either side in RAM or MMIO.
 */
#include "emutest.h"

#define M	(MMIO_BASE + 0x100)

static void done_at(const char *file, int line, int st, u64 rip)
{
	if (st != HV_EMU_DONE || cpu.rip != rip)
		fail(file, line, "status %d rip %#llx, expected done at %#llx",
		     st, (unsigned long long)cpu.rip, (unsigned long long)rip);
}

#define DONE_AT(rip)	done_at(__FILE__, __LINE__, run(), rip)

static void movs_tests(void)
{
	begin("string: movsb RAM -> MMIO, DF=0");
	setup_long();
	ram[DATA] = 0x5a;
	cpu.gpr[HV_RSI] = DATA;
	cpu.gpr[HV_RDI] = M;
	CODE_BYTES("\xa4");
	DONE_AT(CODE + 1);
	CHECK_REC(0, M, 1, true, 0x5a);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(cpu.gpr[HV_RSI], DATA + 1);
	CHECK_EQ(cpu.gpr[HV_RDI], M + 1);
	CHECK_OTHER_GPRS(1u << HV_RSI | 1u << HV_RDI);

	begin("string: movsd MMIO -> RAM, DF=1");
	setup_long();
	cpu.rflags |= FL_DF;
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RDI] = DATA + 0x10;
	mmio_queue(0xdeadbeef);
	CODE_BYTES("\xa5");
	DONE_AT(CODE + 1);
	CHECK_REC(0, M, 4, false, 0xdeadbeef);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(rd32(DATA + 0x10), 0xdeadbeef);
	CHECK_EQ(cpu.gpr[HV_RSI], M - 4);
	CHECK_EQ(cpu.gpr[HV_RDI], DATA + 0xc);
	CHECK_EQ(ncalls, 2);

	begin("string: movsq MMIO -> MMIO: read then write");
	setup_long();
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RDI] = M + 0x100;
	mmio_queue(0x0102030405060708ULL);
	CODE_BYTES("\x48\xa5");
	DONE_AT(CODE + 2);
	CHECK_REC(0, M, 8, false, 0x0102030405060708ULL);
	CHECK_REC(1, M + 0x100, 8, true, 0x0102030405060708ULL);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(ncalls, 3);
	CHECK_EQ(cpu.gpr[HV_RSI], M + 8);
	CHECK_EQ(cpu.gpr[HV_RDI], M + 0x108);

	begin("string: movsw RAM -> RAM completes in one call");
	setup_long();
	wr32(DATA, 0x4321);
	cpu.gpr[HV_RSI] = DATA;
	cpu.gpr[HV_RDI] = DATA + 0x1000;
	CODE_BYTES("\x66\xa5");
	DONE_AT(CODE + 2);
	CHECK_EQ(ncalls, 1);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(rd32(DATA + 0x1000), 0x4321);

	begin("string: 32-bit mode, segment override on the source only");
	setup_pm(true);
	cpu.seg[HV_DS].base = 0x1000;
	cpu.seg[HV_FS].base = 0xd0000000;
	cpu.seg[HV_ES].base = DATA;
	cpu.gpr[HV_RSI] = 0x100;
	cpu.gpr[HV_RDI] = 0x200;
	mmio_queue(0x77);
	CODE_BYTES("\x64\xa4");
	DONE_AT(CODE + 2);
	CHECK_REC(0, 0xd0000100, 1, false, 0x77);
	CHECK_EQ(ram[DATA + 0x200], 0x77);
	/* An override naming ES applies to the source, not rDI's ES. */
	cpu.rip = CODE;
	cpu.seg[HV_ES].base = 0xd0000000;
	ram[0x1101] = 0x99;
	cpu.gpr[HV_RSI] = 0x101;
	CODE_BYTES("\x3e\xa4");
	DONE_AT(CODE + 2);
	CHECK_REC(1, 0xd0000201, 1, true, 0x99);
	cpu.rip = CODE;
	CODE_BYTES("\x26\xa4");
	mmio_queue(0x44);
	DONE_AT(CODE + 2);
	CHECK_REC(2, 0xd0000102, 1, false, 0x44);
	CHECK_REC(3, 0xd0000202, 1, true, 0x44);

	begin("string: movs faults before any MMIO access; source first");
	setup_long();
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RDI] = 0x40000000;		/* not mapped */
	CODE_BYTES("\xf3\xa4");
	cpu.gpr[HV_RCX] = 5;
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.vector, 14);
	CHECK_EQ(emu.exc.error_code, PF_W);
	CHECK_EQ(emu.exc.cr2, 0x40000000);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(cpu.gpr[HV_RCX], 5);
	cpu.gpr[HV_RSI] = 0x40001000;
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.error_code, 0);
	CHECK_EQ(emu.exc.cr2, 0x40001000);
}

static void rep_tests(void)
{
	int elems;

	begin("string: rep movsw RAM -> MMIO, rip kept until rCX is 0");
	setup_long();
	wr64(DATA, 0x0003000200010000ULL | 0xaaaa);
	cpu.gpr[HV_RSI] = DATA;
	cpu.gpr[HV_RDI] = M;
	cpu.gpr[HV_RCX] = 3;
	CODE_BYTES("\xf3\x66\xa5");
	DONE_AT(CODE);
	CHECK_EQ(cpu.gpr[HV_RCX], 2);
	CHECK_EQ(cpu.gpr[HV_RSI], DATA + 2);
	DONE_AT(CODE);
	CHECK_EQ(cpu.gpr[HV_RCX], 1);
	DONE_AT(CODE + 3);
	CHECK_EQ(cpu.gpr[HV_RCX], 0);
	CHECK_EQ(cpu.gpr[HV_RSI], DATA + 6);
	CHECK_EQ(cpu.gpr[HV_RDI], M + 6);
	CHECK_REC(0, M, 2, true, 0xaaaa);
	CHECK_REC(1, M + 2, 2, true, 0x0001);
	CHECK_REC(2, M + 4, 2, true, 0x0002);
	CHECK_EQ(nrec, 3);

	begin("string: rep stosq to MMIO, DF=1");
	setup_long();
	cpu.rflags |= FL_DF;
	cpu.gpr[HV_RAX] = 0x1122334455667788ULL;
	cpu.gpr[HV_RDI] = M + 0x10;
	cpu.gpr[HV_RCX] = 2;
	CODE_BYTES("\xf3\x48\xab");
	CHECK_EQ(run_rep(10, &elems), HV_EMU_DONE);
	CHECK_EQ(elems, 2);
	CHECK_EQ(cpu.rip, CODE + 3);
	CHECK_REC(0, M + 0x10, 8, true, 0x1122334455667788ULL);
	CHECK_REC(1, M + 0x08, 8, true, 0x1122334455667788ULL);
	CHECK_EQ(cpu.gpr[HV_RDI], M);
	CHECK_EQ(cpu.gpr[HV_RCX], 0);
	CHECK_OTHER_GPRS(1u << HV_RDI | 1u << HV_RCX);

	begin("string: rep lodsb from a FIFO register");
	setup_long();
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RCX] = 3;
	mmio_queue(0x11);
	mmio_queue(0x22);
	mmio_queue(0x33);
	CODE_BYTES("\xf3\xac");
	CHECK_EQ(run_rep(10, &elems), HV_EMU_DONE);
	CHECK_EQ(elems, 3);
	CHECK_EQ(cpu.gpr[HV_RAX], (cpu_before.gpr[HV_RAX] & ~0xffULL) | 0x33);
	CHECK_REC(2, M + 2, 1, false, 0x33);
	CHECK_EQ(cpu.gpr[HV_RSI], M + 3);

	begin("string: lods into AX, EAX, RAX");
	setup_long();
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RAX] = ~0ULL;
	mmio_queue(0x1234);
	CODE_BYTES("\x66\xad");
	DONE_AT(CODE + 2);
	CHECK_EQ(cpu.gpr[HV_RAX], 0xffffffffffff1234ULL);
	cpu.rip = CODE;
	mmio_queue(0x89abcdef);
	CODE_BYTES("\xad");
	DONE_AT(CODE + 1);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x89abcdef);
	cpu.rip = CODE;
	mmio_queue(0x8000000000000001ULL);
	CODE_BYTES("\x48\xad");
	DONE_AT(CODE + 2);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x8000000000000001ULL);
	CHECK_EQ(cpu.gpr[HV_RSI], M + 14);

	begin("string: rep with rCX = 0 does nothing but move rip");
	setup_long();
	cpu.gpr[HV_RSI] = M;
	cpu.gpr[HV_RDI] = M;
	cpu.gpr[HV_RCX] = 0;
	CODE_BYTES("\xf3\xa4");
	DONE_AT(CODE + 2);
	CHECK_EQ(nrec, 0);
	CHECK_OTHER_GPRS(0);
	/* 67: the count is ECX, whose upper half does not count. */
	cpu.rip = CODE;
	cpu.gpr[HV_RCX] = 0x100000000ULL;
	CODE_BYTES("\x67\xf3\xa4");
	DONE_AT(CODE + 3);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(cpu.gpr[HV_RCX], 0x100000000ULL);

	begin("string: F2 (REPNE) on MOVS/STOS repeats like REP");
	setup_long();
	cpu.gpr[HV_RDI] = M;
	cpu.gpr[HV_RCX] = 2;
	CODE_BYTES("\xf2\xaa");
	CHECK_EQ(run_rep(10, &elems), HV_EMU_DONE);
	CHECK_EQ(elems, 2);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(cpu.gpr[HV_RCX], 0);
	CHECK_EQ(cpu.rip, CODE + 2);
}

static void wrap_tests(void)
{
	int elems;

	begin("string: real mode, SI/DI wrap at 64 KiB, bits 63:16 kept");
	setup_real();
	cpu.seg[HV_DS].base = 0xa0000;
	cpu.seg[HV_ES].base = 0xb0000;
	cpu.gpr[HV_RSI] = 0x123400000000ffffULL;
	cpu.gpr[HV_RDI] = 0x56780000ffffULL;
	mmio_queue(0xab);
	CODE_BYTES("\xa4");
	DONE_AT(CODE + 1);
	CHECK_REC(0, 0xaffff, 1, false, 0xab);
	CHECK_REC(1, 0xbffff, 1, true, 0xab);
	CHECK_EQ(cpu.gpr[HV_RSI], 0x1234000000000000ULL);
	CHECK_EQ(cpu.gpr[HV_RDI], 0x567800000000ULL);
	cpu.rip = CODE;
	cpu.rflags |= FL_DF;
	CODE_BYTES("\xa4");
	DONE_AT(CODE + 1);
	CHECK_REC(2, 0xa0000, 1, false, 0);
	CHECK_EQ(cpu.gpr[HV_RSI], 0x123400000000ffffULL);
	CHECK_EQ(cpu.gpr[HV_RDI], 0x56780000ffffULL);

	begin("string: real mode, rep count in CX, upper ECX kept");
	setup_real();
	cpu.seg[HV_ES].base = 0xa0000;
	cpu.gpr[HV_RDI] = 0x10;
	cpu.gpr[HV_RCX] = 0xabcd0002;
	cpu.gpr[HV_RAX] = 0x55;
	CODE_BYTES("\xf3\xaa");
	CHECK_EQ(run_rep(10, &elems), HV_EMU_DONE);
	CHECK_EQ(elems, 2);
	CHECK_EQ(cpu.gpr[HV_RCX], 0xabcd0000);
	CHECK_EQ(cpu.gpr[HV_RDI], 0x12);
	CHECK_EQ(cpu.rip, CODE + 2);

	begin("string: real mode 67: ESI/EDI/ECX");
	setup_real();
	cpu.seg[HV_ES].base = 0xa0000;
	cpu.gpr[HV_RDI] = 0x10000;
	cpu.gpr[HV_RCX] = 0x10001;
	cpu.gpr[HV_RAX] = 0x66;
	CODE_BYTES("\x67\xf3\xaa");
	DONE_AT(CODE);
	CHECK_REC(0, 0xb0000, 1, true, 0x66);
	CHECK_EQ(cpu.gpr[HV_RCX], 0x10000);
	CHECK_EQ(cpu.gpr[HV_RDI], 0x10001);

	begin("string: 64-bit mode 67: ESI/EDI zero-extended");
	setup_long();
	cpu.gpr[HV_RSI] = 0xffffffff00000000ULL | M;
	cpu.gpr[HV_RDI] = 0xffffffff00000000ULL | DATA;
	mmio_queue(0x3c);
	CODE_BYTES("\x67\xa4");
	DONE_AT(CODE + 2);
	CHECK_REC(0, M, 1, false, 0x3c);
	CHECK_EQ(ram[DATA], 0x3c);
	CHECK_EQ(cpu.gpr[HV_RSI], M + 1);
	CHECK_EQ(cpu.gpr[HV_RDI], DATA + 1);

	begin("string: 64-bit mode ignores DS/ES bases, honours FS");
	setup_long();
	cpu.seg[HV_DS].base = 0x1000;
	cpu.seg[HV_ES].base = 0x2000;
	cpu.seg[HV_FS].base = 0x100;
	cpu.gpr[HV_RSI] = MMIO_BASE;
	cpu.gpr[HV_RDI] = M;
	CODE_BYTES("\x64\xa4");
	DONE_AT(CODE + 2);
	CHECK_REC(0, MMIO_BASE + 0x100, 1, false, 0);
	CHECK_REC(1, M, 1, true, 0);
	cpu.rip = CODE;
	cpu.gpr[HV_RSI] = MMIO_BASE;
	CODE_BYTES("\xa4");
	DONE_AT(CODE + 1);
	CHECK_REC(2, MMIO_BASE, 1, false, 0);
}

void test_string(void)
{
	movs_tests();
	rep_tests();
	wrap_tests();
}
