// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO protocol of emulate.h step by step (exits, log, re-execution,
 * reset), RAM/ROM/MMIO operands, page-crossing operands, protection
 * faults on data, env failures, and MMIO through every paging mode.
 */
#include "emutest.h"

#define M	(MMIO_BASE + 0x100)

static enum hv_emu_status step(void)
{
	return hv_emu_mmio(&emu, &cpu, &env);
}

static void complete(u64 val)
{
	u8 data[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		data[i] = val >> (8 * i);
	hv_emu_mmio_complete(&emu, data);
}

static void steps(void)
{
	struct hv_emu_cpu before;

	begin("protocol: load exits once, cpu untouched until done");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	CODE_BYTES("\x8b\x03");
	before = cpu;
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK(!memcmp(&cpu, &before, sizeof(cpu)));
	CHECK(emu.pending);
	CHECK_EQ(emu.nr_log, 0);
	CHECK_EQ(emu.req.gpa, M);
	CHECK_EQ(emu.req.len, 4);
	CHECK_EQ(emu.req.is_write, 0);
	/* Calling again before completing repeats the request. */
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.gpa, M);
	CHECK(!memcmp(&cpu, &before, sizeof(cpu)));
	complete(0xfeedf00d);
	CHECK(!emu.pending);
	CHECK_EQ(emu.nr_log, 1);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0xfeedf00d);
	CHECK_EQ(cpu.rip, CODE + 2);
	CHECK_EQ(emu.nr_log, 0);
	CHECK(!emu.pending);

	begin("protocol: read-modify-write: read exit, write exit, done");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	cpu.gpr[HV_RCX] = 0x10;
	CODE_BYTES("\x01\x0b");
	before = cpu;
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.is_write, 0);
	complete(0x20);
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK(!memcmp(&cpu, &before, sizeof(cpu)));
	CHECK_EQ(emu.req.is_write, 1);
	CHECK_EQ(emu.req.gpa, M);
	CHECK_EQ(emu.req.len, 4);
	CHECK_EQ(emu.req.data[0], 0x30);
	CHECK_EQ(emu.req.data[1], 0);
	complete(0);
	CHECK_EQ(emu.nr_log, 2);
	CHECK_EQ(step(), HV_EMU_DONE);	/* the write is not issued again */
	CHECK_EQ(cpu.rip, CODE + 2);
	CHECK_EQ(cpu.rflags & FL_ARITH, FL_PF);	/* 0x30: even parity */
	/* Completing with nothing pending changes nothing. */
	complete(0x1234);
	CHECK_EQ(emu.nr_log, 0);
	CHECK(!emu.pending);

	begin("protocol: re-execution uses the bytes fetched first");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(step(), HV_EMU_MMIO);
	CODE_BYTES("\x8a\x0b");		/* another vCPU rewrites the code */
	complete(0x11223344);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x11223344);
	CHECK_EQ(cpu.gpr[HV_RCX], cpu_before.gpr[HV_RCX]);
	CHECK_EQ(emu.insn_len >= 2, 1);
	CHECK_EQ(emu.insn_bytes[0], 0x8b);
	/* The next instruction is fetched again. */
	cpu.rip = CODE;
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.len, 1);

	begin("protocol: a store finishes from its one pass, not fetched again");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	cpu.gpr[HV_RCX] = 0x55;
	CODE_BYTES("\x89\x0b");		/* mov [rbx],ecx */
	before = cpu;
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK(!memcmp(&cpu, &before, sizeof(cpu)));
	CHECK_EQ(emu.req.is_write, 1);
	CHECK_EQ(emu.req.data[0], 0x55);
	CHECK(emu.done);
	CODE_BYTES("\x88\x0b");		/* another vCPU rewrites the code */
	complete(0);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.rip, CODE + 2);
	CHECK(!memcmp(cpu.gpr, before.gpr, sizeof(cpu.gpr)));
	CHECK(!emu.done);
	CHECK_EQ(emu.nr_log, 0);

	begin("protocol: registers set before the completion: executed again");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(step(), HV_EMU_MMIO);
	cpu.gpr[HV_RAX] = 0x77;			/* userspace's HV_SET_REGS */
	complete(0);
	CHECK_EQ(step(), HV_EMU_DONE);		/* the log answers the write */
	CHECK_EQ(cpu.gpr[HV_RAX], 0x77);
	CHECK_EQ(cpu.rip, CODE + 2);
	cpu.rip = CODE;
	CHECK_EQ(step(), HV_EMU_MMIO);
	cpu.gpr[HV_RBX] = M + 8;		/* the second pass sees it */
	complete(0);
	CHECK_EQ(step(), HV_EMU_ERROR);
	CHECK_EQ(emu.err, -EIO);

	begin("protocol: STOS to MMIO: one pass per element");
	setup_long();
	cpu.gpr[HV_RDI] = M;
	cpu.gpr[HV_RCX] = 2;
	cpu.gpr[HV_RAX] = 0xab;
	CODE_BYTES("\xf3\xaa");		/* rep stosb */
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.gpa, M);
	complete(0);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.rip, CODE);
	CHECK_EQ(cpu.gpr[HV_RCX], 1);
	CHECK_EQ(cpu.gpr[HV_RDI], M + 1);
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.gpa, M + 1);
	complete(0);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.rip, CODE + 2);
	CHECK_EQ(cpu.gpr[HV_RCX], 0);

	begin("protocol: a log that no longer matches is HV_EMU_ERROR -EIO");
	setup_long();
	map_4k(0x40000000, MMIO_BASE, P_ALL);
	cpu.gpr[HV_RBX] = 0x40000000;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(step(), HV_EMU_MMIO);
	map_4k(0x40000000, MMIO_BASE + 0x1000, P_ALL);
	complete(1);
	before = cpu;
	CHECK_EQ(step(), HV_EMU_ERROR);
	CHECK_EQ(emu.err, -EIO);
	CHECK(!memcmp(&cpu, &before, sizeof(cpu)));
	CHECK_EQ(emu.nr_log, 0);

	begin("protocol: hv_emu_reset abandons; a new rip starts afresh");
	setup_long();
	cpu.gpr[HV_RBX] = M;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(step(), HV_EMU_MMIO);
	complete(5);
	hv_emu_reset(&emu);
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.is_write, 1);
	complete(0);
	CHECK_EQ(step(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], cpu_before.gpr[HV_RAX]);
	cpu.rip = CODE;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(step(), HV_EMU_MMIO);
	complete(7);
	cpu.rip = CODE + 0x10;		/* the caller moved on */
	put_code("\x88\x0b", 2);
	CHECK_EQ(step(), HV_EMU_MMIO);
	CHECK_EQ(emu.req.is_write, 1);
	CHECK_EQ(emu.req.len, 1);
	CHECK_EQ(emu.nr_log, 0);
}

static void ram_rom(void)
{
	begin("protocol: operands in RAM complete in one call");
	setup_long();
	wr32(DATA, 0x100);
	cpu.gpr[HV_RBX] = DATA;
	cpu.gpr[HV_RCX] = 0x23;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x100);
	cpu.rip = CODE;
	CODE_BYTES("\xf0\x01\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(rd32(DATA), 0x123);
	cpu.rip = CODE;
	CODE_BYTES("\x87\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(rd32(DATA), 0x23);
	CHECK_EQ(cpu.gpr[HV_RCX], 0x123);
	cpu.rip = CODE;
	CODE_BYTES("\x83\x3b\x23");	/* cmp dword [rbx],0x23 */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK(cpu.rflags & FL_ZF);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(ncalls, 1);

	begin("protocol: ROM: reads are RAM, writes are MMIO writes");
	setup_long();
	cpu.gpr[HV_RBX] = ROM_BASE + 0x10;
	cpu.gpr[HV_RCX] = 1;
	CODE_BYTES("\x00\x0b");		/* add [rbx],cl */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 1);
	CHECK_REC(0, ROM_BASE + 0x10, 1, true, (u8)(0x10 * 7 + 3 + 1));
	CHECK_EQ(ncalls, 2);

	begin("protocol: env failure is HV_EMU_ERROR with emu->err");
	setup_long();
	cpu.gpr[HV_RBX] = BAD_BASE;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_ERROR);
	CHECK_EQ(emu.err, -EIO);
	CODE_BYTES("\x89\x03");
	CHECK_EQ(run(), HV_EMU_ERROR);
	CHECK_EQ(emu.err, -EIO);
	cpu.rip = BAD_BASE;
	CHECK_EQ(run(), HV_EMU_ERROR);
	CHECK_EQ(emu.err, -EIO);
	CHECK_EQ(cpu.rip, BAD_BASE);
}

/* la 0x40000000 -> RAM 0x30000, 0x40001000 -> RAM 0x50000, 0x40002000 ->
 * MMIO M & ~0xfff, 0x40003000 -> MMIO + 0x1000.
 */
static void split_setup(void)
{
	setup_long();
	map_4k(0x40000000, 0x30000, P_ALL);
	map_4k(0x40001000, 0x50000, P_ALL);
	map_4k(0x40002000, MMIO_BASE, P_ALL);
	map_4k(0x40003000, MMIO_BASE + 0x1000, P_ALL);
}

static void split(void)
{
	begin("protocol: operand across two RAM pages");
	split_setup();
	memcpy(ram + 0x30ffe, "\x11\x22", 2);
	memcpy(ram + 0x50000, "\x33\x44", 2);
	cpu.gpr[HV_RBX] = 0x40000ffe;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x44332211);
	cpu.rip = CODE;
	cpu.gpr[HV_RCX] = 0x0102030405060708ULL;
	cpu.gpr[HV_RBX] = 0x40000ffb;
	CODE_BYTES("\x48\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK(!memcmp(ram + 0x30ffb, "\x08\x07\x06\x05\x04", 5));
	CHECK(!memcmp(ram + 0x50000, "\x03\x02\x01", 3));
	cpu.rip = CODE;
	CODE_BYTES("\x48\x83\x03\x01");	/* add qword [rbx],1 */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(ram[0x30ffb], 0x09);
	CHECK_EQ(nrec, 0);

	begin("protocol: operand across RAM and MMIO is split, as KVM");
	split_setup();
	memcpy(ram + 0x50ffe, "\x11\x22", 2);
	cpu.gpr[HV_RBX] = 0x40001ffe;		/* RAM then MMIO */
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(recs[0].gpa, MMIO_BASE);
	CHECK_EQ(recs[0].len, 2);
	CHECK_EQ(recs[0].write, 0);
	CHECK_EQ(cpu.gpr[HV_RAX] & 0xffff, 0x2211);
	CHECK_EQ(cpu.gpr[HV_RAX] >> 16, recs[0].data & 0xffff);
	cpu.rip = CODE;
	cpu.gpr[HV_RCX] = 0xaabbccdd;
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(ram[0x50ffe], 0xdd);
	CHECK_EQ(ram[0x50fff], 0xcc);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(recs[1].gpa, MMIO_BASE);
	CHECK_EQ(recs[1].len, 2);
	CHECK_EQ(recs[1].write, 1);
	CHECK_EQ(recs[1].data, 0xaabb);

	begin("protocol: an 8-byte write across two MMIO pages is two exits");
	split_setup();
	cpu.gpr[HV_RBX] = 0x40002ffd;		/* MMIO then MMIO: 3 + 5 */
	cpu.gpr[HV_RCX] = 0x0807060504030201ULL;
	CODE_BYTES("\x48\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 2);
	CHECK_EQ(recs[0].gpa, MMIO_BASE + 0xffd);
	CHECK_EQ(recs[0].len, 3);
	CHECK_EQ(recs[0].data, 0x030201);
	CHECK_EQ(recs[1].gpa, MMIO_BASE + 0x1000);
	CHECK_EQ(recs[1].len, 5);
	CHECK_EQ(recs[1].data, 0x0807060504ULL);
	CHECK_EQ(nram_writes, 0);

	begin("protocol: split operand: a #PF on the second page comes first");
	split_setup();
	cpu.gpr[HV_RBX] = 0x40003ffe;
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.cr2, 0x40004000);
	CHECK_EQ(nrec, 0);
	CHECK_EQ(nram_writes, 0);

	begin("protocol: split write RAM then ROM: the ROM piece is MMIO");
	split_setup();
	map_4k(0x40004000, 0x60000, P_ALL);
	map_4k(0x40005000, ROM_BASE, P_ALL);
	ram[0x60fff] = 0x77;
	cpu.gpr[HV_RBX] = 0x40004ffe;
	cpu.gpr[HV_RCX] = 0x44332211;
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(ram[0x60ffe], 0x11);
	CHECK_EQ(ram[0x60fff], 0x22);
	CHECK_EQ(nrec, 1);
	CHECK_EQ(recs[0].gpa, ROM_BASE);
	CHECK_EQ(recs[0].len, 2);
	CHECK_EQ(recs[0].write, 1);
	CHECK_EQ(recs[0].data, 0x4433);
	cpu.rip = CODE;
	CODE_BYTES("\x8b\x03");		/* reading it is all RAM/ROM */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x0a032211);
	CHECK_EQ(nrec, 1);
}

static void protection(void)
{
	begin("protocol: data #PF: read-only page, RMW faults before reading");
	setup_long();
	map_4k(0x40000000, MMIO_BASE, P_P | P_US);
	cpu.gpr[HV_RBX] = 0x40000010;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	cpu.rip = CODE;
	nrec = 0;
	CODE_BYTES("\x89\x03");
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.vector, 14);
	CHECK_EQ(emu.exc.error_code, PF_P | PF_W);
	CHECK_EQ(emu.exc.cr2, 0x40000010);
	CODE_BYTES("\x01\x03");
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.error_code, PF_P | PF_W);
	CODE_BYTES("\x39\x03");			/* cmp only reads */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 1);
	cpu.rip = CODE;
	cpu.cr0 &= ~CR0_WP;
	CODE_BYTES("\x01\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(nrec, 3);
	cpu.rip = CODE;
	cpu.cpl = 3;
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.error_code, PF_P | PF_W | PF_U);

	begin("protocol: CPL 3 data access to a supervisor page");
	setup_long();
	map_4k(0x40000000, MMIO_BASE, P_P | P_RW);
	cpu.cpl = 3;
	cpu.gpr[HV_RBX] = 0x40000010;
	CODE_BYTES("\x8b\x03");
	CHECK_EQ(run(), HV_EMU_EXCEPTION);
	CHECK_EQ(emu.exc.error_code, PF_P | PF_U);
	CHECK_EQ(emu.nr_log, 0);
	CHECK_EQ(nrec, 0);
}

/* MMIO through 32-bit paging (4-MiB page) and PAE (2-MiB page). */
static void modes(void)
{
	begin("protocol: MMIO store through 32-bit paging, 4-MiB page");
	setup_pm(true);
	cpu.cr0 = CR0_PE | CR0_PG;
	cpu.cr4 = CR4_PSE;
	cpu.cr3 = 0x10000;
	wr32(0x10000, 0x00000000 | P_ALL | P_PS);		/* code */
	wr32(0x10000 + 0x10 * 4, 0xd0000000 | P_ALL | P_PS);	/* la 64M */
	cpu.gpr[HV_RBX] = 0x04000100;
	cpu.gpr[HV_RCX] = 0xabcd;
	CODE_BYTES("\x66\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_REC(0, 0xd0000100, 2, true, 0xabcd);

	begin("protocol: MMIO load through PAE paging, 2-MiB page");
	setup_pm(true);
	cpu.cr0 = CR0_PE | CR0_PG;
	cpu.cr4 = CR4_PAE;
	cpu.cr3 = 0x10000;
	wr64(0x10000, 0x11000 | P_P);
	wr64(0x11000, 0x0 | P_ALL | P_PS);
	wr64(0x11000 + 8, 0xd0000000ULL | P_ALL | P_PS);
	cpu.gpr[HV_RBX] = 0x00200100;
	mmio_queue(0x42);
	CODE_BYTES("\x0f\xb6\x03");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_EQ(cpu.gpr[HV_RAX], 0x42);
	CHECK_REC(0, 0xd0000100, 1, false, 0x42);

	begin("protocol: virtual-8086 mode is 16-bit code whatever CS.D");
	setup_pm(true);
	cpu.rflags |= 1ULL << 17;			/* VM */
	cpu.cpl = 3;
	cpu.seg[HV_DS].base = 0xa0000;
	cpu.gpr[HV_RBX] = 0xffff0010;
	CODE_BYTES("\x89\x07");			/* mov [bx],ax */
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_REC(0, 0xa0010, 2, true, cpu.gpr[HV_RAX] & 0xffff);

	begin("protocol: compatibility mode (LMA, CS.L=0) is 32-bit code");
	setup_long();
	cpu.seg[HV_CS].l = 0;
	cpu.seg[HV_CS].db = 1;
	cpu.gpr[HV_RBX] = 0xffffffff00000000ULL | M;
	CODE_BYTES("\x48\x89\x0b");		/* dec eax; ... */
	CHECK_EQ(run(), HV_EMU_UNHANDLED);
	CODE_BYTES("\x89\x0b");
	CHECK_EQ(run(), HV_EMU_DONE);
	CHECK_REC(0, M, 4, true, cpu.gpr[HV_RCX] & 0xffffffff);
}

void test_protocol(void)
{
	steps();
	ram_rom();
	split();
	protection();
	modes();
}
