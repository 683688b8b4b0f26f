// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page walk (hv_emu_translate) in every paging mode, the #PF
 * error codes of SDM Vol 3A 4.7, and hv_emu_{read,write}_linear.
 */
#include "emutest.h"

static struct hv_emu_exception exc;
static u64 gpa;

static int xlate(u64 la, u32 access)
{
	memset(&exc, 0x5a, sizeof(exc));
	gpa = 0xdeadbeef;
	return hv_emu_translate(&cpu, &env, la, access, &gpa, &exc);
}

static void ok_at(const char *file, int line, u64 la, u32 access, u64 want)
{
	int rc = xlate(la, access);

	if (rc || gpa != want)
		fail(file, line, "la %#llx access %#x: rc %d gpa %#llx, expected gpa %#llx",
		     (unsigned long long)la, access, rc,
		     (unsigned long long)gpa, (unsigned long long)want);
}

static void pf_at(const char *file, int line, u64 la, u32 access, u32 ec)
{
	int rc = xlate(la, access);

	if (rc != HV_EMU_EXCEPTION || exc.vector != 14 ||
	    !exc.has_error_code || exc.error_code != ec || exc.cr2 != la)
		fail(file, line,
		     "la %#llx access %#x: rc %d vector %u ec %#x cr2 %#llx, expected #PF ec %#x",
		     (unsigned long long)la, access, rc, exc.vector,
		     exc.error_code, (unsigned long long)exc.cr2, ec);
}

#define OK(la, acc, want)	ok_at(__FILE__, __LINE__, la, acc, want)
#define PF(la, acc, ec)		pf_at(__FILE__, __LINE__, la, acc, ec)

#define W	HV_ACC_WRITE
#define U	HV_ACC_USER
#define F	HV_ACC_FETCH

static void walk_none(void)
{
	begin("walk: paging off, linear = physical");
	setup_pm(true);
	OK(0x12345678, 0, 0x12345678);
	OK(0x12345678, W | U | F, 0x12345678);
	/* Outside long mode a linear address has 32 bits. */
	OK(0x123456789ULL, 0, 0x23456789);
	setup_real();
	cpu.cr0 = 0;
	OK(0xfffff, W, 0xfffff);
	OK(0x10ffef, 0, 0x10ffef);
}

/* 32-bit paging: PD at 0x10000, a PT at 0x11000. */
static void setup_32(void)
{
	setup_pm(true);
	cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
	cpu.cr3 = 0x10000 | 0x18;		/* PWT, PCD: not address bits */
	wr32(0x10000 + 1 * 4, 0x11000 | P_ALL);
	wr32(0x11000 + 3 * 4, 0x55000 | P_ALL);
}

static void walk_32(void)
{
	begin("walk: 32-bit paging, 4-KiB page, every access kind");
	setup_32();
	OK(0x00403abc, 0, 0x55abc);
	OK(0x00403abc, W, 0x55abc);
	OK(0x00403abc, U | W, 0x55abc);
	OK(0x00403fff, F | U, 0x55fff);

	begin("walk: 32-bit paging, 4-MiB page with CR4.PSE");
	setup_32();
	cpu.cr4 = CR4_PSE;
	wr32(0x10000 + 2 * 4, 0x00c00000 | P_ALL | P_PS);
	OK(0x00812345, W | U, 0x00c12345);
	OK(0x00bfffff, 0, 0x00ffffff);

	begin("walk: 32-bit paging, PSE-36 address bits 39:32");
	setup_32();
	cpu.cr4 = CR4_PSE;
	wr32(0x10000 + 3 * 4, 0x01400000 | (0x85 << 13) | P_P | P_PS);
	OK(0x00c01234, 0, 0x8501401234ULL);

	begin("walk: 32-bit paging, PS ignored without CR4.PSE");
	setup_32();
	wr32(0x10000 + 2 * 4, 0x11000 | P_ALL | P_PS);
	OK(0x00803010, 0, 0x55010);

	begin("walk: 32-bit paging, 4-MiB PDE bit 21 reserved");
	setup_32();
	cpu.cr4 = CR4_PSE;
	wr32(0x10000 + 2 * 4, 0x00400000 | (1u << 21) | P_ALL | P_PS);
	PF(0x00812345, 0, PF_P | PF_RSVD);
	PF(0x00812345, W, PF_P | PF_RSVD | PF_W);
	PF(0x00812345, U, PF_P | PF_RSVD | PF_U);
	/* Without PSE the same entry is a table pointer: bit 21 is address. */
	cpu.cr4 = 0;
	wr32(0x00600000 + 0x12 * 4, 0x77000 | P_ALL);
	OK(0x00812345, 0, 0x77345);

	begin("walk: 32-bit paging, not-present PDE and PTE error codes");
	setup_32();
	PF(0x01000000, 0, 0);
	PF(0x01000000, W, PF_W);
	PF(0x01000000, U, PF_U);
	PF(0x01000000, U | W, PF_U | PF_W);
	PF(0x00404000, 0, 0);
	PF(0x00404000, U | W, PF_U | PF_W);
	/* I/D is 0 without SMEP (no NX in 32-bit paging), 1 with it. */
	PF(0x00404000, F, 0);
	PF(0x00404000, F | U, PF_U);
	cpu.cr4 = CR4_SMEP;
	PF(0x00404000, F, PF_I);
	PF(0x00404000, F | U, PF_I | PF_U);

	begin("walk: 32-bit paging, EFER.NXE alone neither sets I/D nor XD");
	setup_32();
	cpu.efer = EFER_NXE;
	PF(0x00404000, F, 0);
	wr32(0x11000 + 3 * 4, 0x55000 | P_ALL);
	OK(0x00403000, F, 0x55000);

	begin("walk: 32-bit paging, U/S and R/W combine over both levels");
	setup_32();
	wr32(0x11000 + 3 * 4, 0x55000 | P_P | P_RW);	/* supervisor PTE */
	PF(0x00403000, U, PF_P | PF_U);
	PF(0x00403000, U | F, PF_P | PF_U);
	OK(0x00403000, W, 0x55000);
	wr32(0x11000 + 3 * 4, 0x55000 | P_ALL);
	wr32(0x10000 + 1 * 4, 0x11000 | P_P | P_US);	/* read-only PDE */
	PF(0x00403000, U | W, PF_P | PF_U | PF_W);
	OK(0x00403000, U, 0x55000);
	PF(0x00403000, W, PF_P | PF_W);			/* CR0.WP=1 */
	cpu.cr0 &= ~CR0_WP;
	OK(0x00403000, W, 0x55000);			/* CR0.WP=0 */
	PF(0x00403000, U | W, PF_P | PF_U | PF_W);	/* WP is no excuse */

	begin("walk: 32-bit paging, SMEP on supervisor fetch from user page");
	setup_32();
	OK(0x00403000, F, 0x55000);
	cpu.cr4 = CR4_SMEP;
	PF(0x00403000, F, PF_P | PF_I);
	OK(0x00403000, F | U, 0x55000);
	OK(0x00403000, 0, 0x55000);			/* SMAP not modelled */
	wr32(0x11000 + 3 * 4, 0x55000 | P_P | P_RW);
	OK(0x00403000, F, 0x55000);
}

/* PAE paging: PDPT at 0x10020 (32-byte aligned), PD 0x12000, PT 0x13000. */
static void setup_pae(bool nxe)
{
	setup_pm(true);
	cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
	cpu.cr4 = CR4_PAE;
	cpu.efer = nxe ? EFER_NXE : 0;
	cpu.cr3 = 0x10020;
	wr64(0x10020, 0x12000 | P_P);
	wr64(0x12000 + 1 * 8, 0x13000 | P_ALL);
	wr64(0x13000 + 2 * 8, 0x123456000ULL | P_ALL);
}

static void walk_pae(void)
{
	begin("walk: PAE, 4-KiB page above 4 GiB, PDPT at CR3[31:5]");
	setup_pae(false);
	OK(0x00202abc, 0, 0x123456abcULL);
	OK(0x00202abc, W | U, 0x123456abcULL);
	OK(0x00202abc, F | U, 0x123456abcULL);
	OK(0x100202abcULL, 0, 0x123456abcULL);	/* only 32 bits count */

	begin("walk: PAE, 2-MiB page (PAT bit 12 is not address)");
	setup_pae(false);
	wr64(0x12000 + 3 * 8, 0x00e00000 | P_ALL | P_PS | (1ULL << 12));
	OK(0x00712345, W | U, 0x00f12345);

	begin("walk: PAE, PDPTE selection, not-present PDPTE");
	setup_pae(false);
	wr64(0x10020 + 2 * 8, 0x12000 | P_P);
	OK(0x80202000, 0, 0x123456000ULL);
	PF(0xc0202000, 0, 0);
	PF(0xc0202000, W | U, PF_W | PF_U);

	begin("walk: PAE, reserved bits in the PDPTE");
	setup_pae(true);
	wr64(0x10020, 0x12000 | P_P | P_RW);
	PF(0x00202000, 0, PF_P | PF_RSVD);
	wr64(0x10020, 0x12000 | P_P | (1ULL << 5));
	PF(0x00202000, W, PF_P | PF_RSVD | PF_W);
	wr64(0x10020, 0x12000 | P_P | P_XD);
	PF(0x00202000, 0, PF_P | PF_RSVD);
	wr64(0x10020, 0x12000 | P_P | (1ULL << 52));
	PF(0x00202000, 0, PF_P | PF_RSVD);

	begin("walk: PAE, reserved bits in PDE/PTE (62:52, 2-MiB 20:13)");
	setup_pae(true);
	wr64(0x12000 + 1 * 8, 0x13000 | P_ALL | (1ULL << 62));
	PF(0x00202000, U, PF_P | PF_RSVD | PF_U);
	wr64(0x12000 + 1 * 8, 0x13000 | P_ALL);
	wr64(0x13000 + 2 * 8, 0x123456000ULL | P_ALL | (1ULL << 55));
	PF(0x00202000, 0, PF_P | PF_RSVD);
	wr64(0x12000 + 3 * 8, 0x00e00000 | P_ALL | P_PS | (1ULL << 13));
	PF(0x00600000, 0, PF_P | PF_RSVD);
	wr64(0x12000 + 3 * 8, 0x00e00000 | P_ALL | P_PS | (1ULL << 20));
	PF(0x00600000, 0, PF_P | PF_RSVD);

	begin("walk: PAE, XD: fetch fault with NXE, reserved without");
	setup_pae(true);
	wr64(0x13000 + 2 * 8, 0x123456000ULL | P_ALL | P_XD);
	OK(0x00202000, W | U, 0x123456000ULL);
	PF(0x00202000, F, PF_P | PF_I);
	PF(0x00202000, F | U, PF_P | PF_I | PF_U);
	cpu.efer = 0;
	PF(0x00202000, 0, PF_P | PF_RSVD);
	PF(0x00202000, F, PF_P | PF_RSVD);	/* I/D needs NXE or SMEP */

	begin("walk: PAE, I/D on a not-present fetch needs NXE or SMEP");
	setup_pae(true);
	PF(0x00203000, F, PF_I);
	cpu.efer = 0;
	PF(0x00203000, F, 0);
	cpu.cr4 |= CR4_SMEP;
	PF(0x00203000, F | U, PF_I | PF_U);
}

/*
 * 4-level: PML4 0x20000 -> PDPT 0x21000 (PML4[0]) -> PD 0x22000 (PDPT[1])
 * -> PT 0x23000 (PD[2]) -> page 0x66000 (PT[3]): la 0x40403000.
 */
static void setup_4l(void)
{
	setup_pm(false);
	cpu.seg[HV_CS].l = 1;
	cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
	cpu.cr4 = CR4_PAE;
	cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
	cpu.cr3 = 0x20000 | 0x18;
	wr64(0x20000, 0x21000 | P_ALL);
	wr64(0x21000 + 1 * 8, 0x22000 | P_ALL);
	wr64(0x22000 + 2 * 8, 0x23000 | P_ALL);
	wr64(0x23000 + 3 * 8, 0x66000 | P_ALL);
}

static void walk_4level(void)
{
	begin("walk: 4-level, 4-KiB page");
	setup_4l();
	OK(0x40403abc, 0, 0x66abc);
	OK(0x40403abc, W | U, 0x66abc);
	OK(0x40403abc, F | U, 0x66abc);
	PF(0x40404000, 0, 0);

	begin("walk: 4-level, 2-MiB page");
	setup_4l();
	wr64(0x22000 + 5 * 8, 0x00a00000 | P_ALL | P_PS | (1ULL << 12));
	OK(0x40a12345, W, 0xa12345);
	OK(0x40bfffff, U, 0xbfffff);

	begin("walk: 4-level, 1-GiB page");
	setup_4l();
	wr64(0x21000 + 2 * 8, 0x140000000ULL | P_ALL | P_PS);
	OK(0x8abcdef0, W | U, 0x14abcdef0ULL);

	begin("walk: 4-level, upper-half canonical address");
	setup_4l();
	wr64(0x20000 + 256 * 8, 0x24000 | P_ALL);
	wr64(0x24000, 0xc0000000ULL | P_ALL | P_PS);
	OK(0xffff800012345678ULL, 0, 0xd2345678);

	begin("walk: 4-level, reserved: PS in PML4E, 1G 29:13, 2M 20:13, XD w/o NXE");
	setup_4l();
	wr64(0x20000, 0x21000 | P_ALL | P_PS);
	PF(0x40403000, 0, PF_P | PF_RSVD);
	setup_4l();
	wr64(0x21000 + 2 * 8, 0x140000000ULL | P_ALL | P_PS | (1ULL << 13));
	PF(0x80000000, W, PF_P | PF_RSVD | PF_W);
	wr64(0x21000 + 2 * 8, 0x140000000ULL | P_ALL | P_PS | (1ULL << 29));
	PF(0x80000000, 0, PF_P | PF_RSVD);
	wr64(0x21000 + 2 * 8, 0x140000000ULL | P_ALL | P_PS | (1ULL << 12));
	OK(0x80000000, 0, 0x140000000ULL);		/* PAT */
	wr64(0x22000 + 5 * 8, 0x00a00000 | P_ALL | P_PS | (1ULL << 20));
	PF(0x40a00000, U, PF_P | PF_RSVD | PF_U);
	wr64(0x20000, 0x21000 | P_ALL | P_XD);
	OK(0x40403000, 0, 0x66000);
	cpu.efer &= ~EFER_NXE;
	PF(0x40403000, 0, PF_P | PF_RSVD);
	/* Bits 62:52 are ignored in 4-level paging (unlike PAE). */
	setup_4l();
	wr64(0x23000 + 3 * 8, 0x66000 | P_ALL | (0x7fULL << 52));
	OK(0x40403000, 0, 0x66000);

	begin("walk: 4-level, not present at each level, all access kinds");
	setup_4l();
	PF(0x8000000000ULL, 0, 0);			/* PML4E */
	PF(0xc0000000, W, PF_W);			/* PDPTE */
	PF(0x40600000, U, PF_U);			/* PDE */
	PF(0x40404000, U | W, PF_U | PF_W);		/* PTE */
	PF(0x40404000, F, PF_I);			/* NXE: I/D */
	PF(0x40404000, F | U, PF_I | PF_U);

	begin("walk: 4-level, U/S=0 in the PML4E only");
	setup_4l();
	wr64(0x20000, 0x21000 | P_P | P_RW);
	PF(0x40403000, U, PF_P | PF_U);
	PF(0x40403000, U | W, PF_P | PF_U | PF_W);
	OK(0x40403000, W, 0x66000);
	OK(0x40403000, F, 0x66000);

	begin("walk: 4-level, R/W=0 in the PDPTE only, CR0.WP");
	setup_4l();
	wr64(0x21000 + 1 * 8, 0x22000 | P_P | P_US);
	OK(0x40403000, U, 0x66000);
	PF(0x40403000, U | W, PF_P | PF_U | PF_W);
	PF(0x40403000, W, PF_P | PF_W);
	cpu.cr0 &= ~CR0_WP;
	OK(0x40403000, W, 0x66000);

	begin("walk: 4-level, XD in the PDPTE, SMEP");
	setup_4l();
	wr64(0x21000 + 1 * 8, 0x22000 | P_ALL | P_XD);
	OK(0x40403000, U | W, 0x66000);
	PF(0x40403000, F, PF_P | PF_I);
	PF(0x40403000, F | U, PF_P | PF_I | PF_U);
	setup_4l();
	cpu.cr4 |= CR4_SMEP;
	PF(0x40403000, F, PF_P | PF_I);
	OK(0x40403000, F | U, 0x66000);
	wr64(0x23000 + 3 * 8, 0x66000 | P_P);
	OK(0x40403000, F, 0x66000);
	PF(0x40403000, F | U, PF_P | PF_I | PF_U);

	begin("walk: paging structure in MMIO: HV_EMU_ERROR -ENOENT");
	setup_4l();
	wr64(0x22000 + 2 * 8, 0xd0001000ULL | P_ALL);
	CHECK_EQ(xlate(0x40403000, 0), HV_EMU_ERROR);
	CHECK_EQ(exc.err, -ENOENT);
	wr64(0x22000 + 2 * 8, BAD_BASE | P_ALL);
	CHECK_EQ(xlate(0x40403000, 0), HV_EMU_ERROR);
	CHECK_EQ(exc.err, -EIO);
	cpu.cr3 = 0xd0000000;
	CHECK_EQ(xlate(0x40403000, 0), HV_EMU_ERROR);
	CHECK_EQ(exc.err, -ENOENT);

	begin("walk: CR4.LA57 is not supported");
	setup_4l();
	cpu.cr4 |= CR4_LA57;
	CHECK_EQ(xlate(0x40403000, 0), HV_EMU_ERROR);
	CHECK_EQ(exc.err, -EOPNOTSUPP);
}

static void linear_tests(void)
{
	struct hv_emu_exception e;
	u8 buf[16];
	int rc;

	begin("linear: read across two discontiguous pages");
	setup_long();
	map_4k(0x40000000, 0x30000, P_ALL);
	map_4k(0x40001000, 0x50000, P_ALL);
	memcpy(ram + 0x30ffa, "abcdef", 6);
	memcpy(ram + 0x50000, "ghijkl", 6);
	rc = hv_emu_read_linear(&cpu, &env, 0x40000ffa, buf, 12, &e);
	CHECK_EQ(rc, 0);
	CHECK(!memcmp(buf, "abcdefghijkl", 12));

	begin("linear: write faulting on the 2nd page writes nothing");
	setup_long();
	map_4k(0x40000000, 0x30000, P_ALL);
	rc = hv_emu_write_linear(&cpu, &env, 0x40000ffc, "12345678", 8, &e);
	CHECK_EQ(rc, HV_EMU_EXCEPTION);
	CHECK_EQ(e.vector, 14);
	CHECK_EQ(e.error_code, PF_W);
	CHECK_EQ(e.cr2, 0x40001000);
	CHECK_EQ(rd32(0x30ffc), 0);
	map_4k(0x40001000, 0x50000, P_ALL);
	rc = hv_emu_write_linear(&cpu, &env, 0x40000ffc, "12345678", 8, &e);
	CHECK_EQ(rc, 0);
	CHECK(!memcmp(ram + 0x30ffc, "1234", 4));
	CHECK(!memcmp(ram + 0x50000, "5678", 4));

	begin("linear: MMIO and ROM pages give HV_EMU_ERROR -ENOENT");
	setup_long();
	rc = hv_emu_read_linear(&cpu, &env, MMIO_BASE, buf, 4, &e);
	CHECK_EQ(rc, HV_EMU_ERROR);
	CHECK_EQ(e.err, -ENOENT);
	rc = hv_emu_read_linear(&cpu, &env, ROM_BASE, buf, 4, &e);
	CHECK_EQ(rc, 0);
	CHECK_EQ(buf[1], 10);
	rc = hv_emu_write_linear(&cpu, &env, ROM_BASE, buf, 4, &e);
	CHECK_EQ(rc, HV_EMU_ERROR);
	CHECK_EQ(e.err, -ENOENT);
	CHECK_EQ(nrec, 0);

	begin("linear: non-canonical in long mode is #GP(0)");
	setup_long();
	rc = hv_emu_read_linear(&cpu, &env, 0x0000800000000000ULL, buf, 1, &e);
	CHECK_EQ(rc, HV_EMU_EXCEPTION);
	CHECK_EQ(e.vector, 13);
	CHECK_EQ(e.has_error_code, 1);
	CHECK_EQ(e.error_code, 0);
	rc = hv_emu_write_linear(&cpu, &env, 0x00007ffffffffffcULL, buf, 8,
				 &e);
	CHECK_EQ(rc, HV_EMU_EXCEPTION);
	CHECK_EQ(e.vector, 13);
	rc = hv_emu_read_linear(&cpu, &env, 0xffff800000000000ULL, buf, 1, &e);
	CHECK_EQ(rc, HV_EMU_EXCEPTION);
	CHECK_EQ(e.vector, 14);			/* canonical, not mapped */

	begin("linear: CPL 3 is a user access");
	setup_long();
	map_4k(0x40000000, 0x30000, P_P | P_RW);
	rc = hv_emu_read_linear(&cpu, &env, 0x40000010, buf, 4, &e);
	CHECK_EQ(rc, 0);
	cpu.cpl = 3;
	rc = hv_emu_read_linear(&cpu, &env, 0x40000010, buf, 4, &e);
	CHECK_EQ(rc, HV_EMU_EXCEPTION);
	CHECK_EQ(e.error_code, PF_P | PF_U);

	begin("linear: 32-bit linear address wraps at 4 GiB");
	setup_32();
	wr32(0x10000 + 0x3ff * 4, 0x12000 | P_ALL);
	wr32(0x12000 + 0x3ff * 4, 0x30000 | P_ALL);
	wr32(0x10000, 0x13000 | P_ALL);
	wr32(0x13000, 0x31000 | P_ALL);
	memcpy(ram + 0x30ffe, "wx", 2);
	memcpy(ram + 0x31000, "yz", 2);
	rc = hv_emu_read_linear(&cpu, &env, 0xfffffffe, buf, 4, &e);
	CHECK_EQ(rc, 0);
	CHECK(!memcmp(buf, "wxyz", 4));
}

void test_walk(void)
{
	walk_none();
	walk_32();
	walk_pae();
	walk_4level();
	linear_tests();
}
