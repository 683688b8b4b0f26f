// SPDX-License-Identifier: GPL-2.0
/*
 * emutest: framework, fake environment and vCPU setups (see emutest.h).
 * Prints KTAP on stdout; exits 0 if every test passed, 1 otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "emutest.h"

struct hv_emu emu;
struct hv_emu_cpu cpu;
struct hv_emu_cpu cpu_before;
u8 *ram;
u8 rom[ROM_SIZE];
u8 mmio_mem[0x10000];
struct rec recs[64];
int nrec;
int ncalls;
int nram_writes;

static u64 rdq[16];
static int rdq_n, rdq_pos;

/* KTAP: results are buffered so that the plan can come first. */
static FILE *out;
static char *out_buf;
static size_t out_len;
static int nr_tests, nr_failed;
static bool cur_ok, in_test;
static char cur_name[160];

void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

void fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	cur_ok = false;
}

void mmio_queue(u64 data)
{
	if (rdq_n < (int)ARRAY_SIZE(rdq))
		rdq[rdq_n++] = data;
}

/* Environment. */

static bool in_range(u64 gpa, unsigned int len, u64 base, u64 size)
{
	return gpa >= base && gpa + len <= base + size;
}

/* A hole in RAM for real-mode MMIO, where the VGA window would be. */
static bool is_vga(u64 gpa)
{
	return gpa >= VGA_BASE && gpa < VGA_BASE + VGA_SIZE;
}

static void check_env_access(u64 gpa, unsigned int len)
{
	if (!len || (gpa & 4095) + len > 4096)
		fail(__FILE__, __LINE__,
		     "env access crosses a page: gpa %#llx len %u",
		     (unsigned long long)gpa, len);
}

static int env_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	check_env_access(gpa, len);
	if (in_range(gpa, len, 0, RAM_SIZE) && !is_vga(gpa)) {
		memcpy(buf, ram + gpa, len);
		return 0;
	}
	if (in_range(gpa, len, ROM_BASE, ROM_SIZE)) {
		memcpy(buf, rom + (gpa - ROM_BASE), len);
		return 0;
	}
	if (in_range(gpa, len, BAD_BASE, BAD_SIZE))
		return -EIO;
	return -ENOENT;
}

static int env_write(void *ctx, u64 gpa, const void *buf, unsigned int len)
{
	check_env_access(gpa, len);
	if (in_range(gpa, len, 0, RAM_SIZE) && !is_vga(gpa)) {
		memcpy(ram + gpa, buf, len);
		nram_writes++;
		return 0;
	}
	if (in_range(gpa, len, BAD_BASE, BAD_SIZE))
		return -EIO;
	return -ENOENT;		/* MMIO, or the read-only ROM */
}

const struct hv_emu_env env = {
	.ctx = NULL,
	.read_phys = env_read,
	.write_phys = env_write,
};

/* The device: a 64-KiB register file, mirrored over every hole. */
static void device(struct hv_emu_mmio_req *req, u8 *data)
{
	struct rec *r = &recs[nrec < 63 ? nrec++ : 63];
	unsigned int i, off = req->gpa & 0xffff;
	u64 val = 0;

	/* Pieces of a page-crossing access may be 1 to 7 bytes long. */
	if (req->len < 1 || req->len > 8)
		fail(__FILE__, __LINE__, "MMIO length %u", req->len);
	if ((req->gpa & 4095) + req->len > 4096)
		fail(__FILE__, __LINE__, "MMIO access crosses a page");
	if (req->len > 8)
		req->len = 8;
	if (req->is_write) {
		for (i = 0; i < req->len; i++) {
			mmio_mem[(off + i) & 0xffff] = req->data[i];
			val |= (u64)req->data[i] << (8 * i);
		}
	} else {
		if (rdq_pos < rdq_n)
			val = rdq[rdq_pos++];
		else
			for (i = 0; i < req->len; i++)
				val |= (u64)mmio_mem[(off + i) & 0xffff] << (8 * i);
		for (i = 0; i < req->len; i++)
			data[i] = val >> (8 * i);
	}
	r->gpa = req->gpa;
	r->len = req->len;
	r->write = req->is_write;
	r->data = val;
}

enum hv_emu_status run(void)
{
	enum hv_emu_status st;
	struct hv_emu_cpu snap;
	u8 data[8];

	cpu_before = cpu;
	for (ncalls = 1; ncalls <= 16; ncalls++) {
		snap = cpu;
		st = hv_emu_mmio(&emu, &cpu, &env);
		if (st != HV_EMU_DONE && memcmp(&snap, &cpu, sizeof(cpu)))
			fail(__FILE__, __LINE__, "cpu changed with status %d",
			     st);
		if (st != HV_EMU_MMIO)
			return st;
		if (!emu.pending)
			fail(__FILE__, __LINE__, "HV_EMU_MMIO, not pending");
		memset(data, 0xcc, sizeof(data));
		device(&emu.req, data);
		hv_emu_mmio_complete(&emu, data);
	}
	fail(__FILE__, __LINE__, "no end after 16 calls");
	return HV_EMU_ERROR;
}

enum hv_emu_status run_rep(int max_elems, int *elems)
{
	struct hv_emu_cpu first = cpu;
	enum hv_emu_status st = HV_EMU_DONE;
	u64 rip = cpu.rip;

	for (*elems = 0; *elems < max_elems; ) {
		st = run();
		if (st != HV_EMU_DONE)
			break;
		++*elems;
		if (cpu.rip != rip)
			break;
	}
	cpu_before = first;
	return st;
}

void check_rec(const char *file, int line, int i, u64 gpa, u32 len,
	       bool write, u64 data)
{
	if (i >= nrec) {
		fail(file, line, "access %d missing (%d seen)", i, nrec);
		return;
	}
	if (recs[i].gpa != gpa || recs[i].len != len ||
	    recs[i].write != write || recs[i].data != data)
		fail(file, line,
		     "access %d: %s %#llx/%u data %#llx, expected %s %#llx/%u data %#llx",
		     i, recs[i].write ? "write" : "read",
		     (unsigned long long)recs[i].gpa, recs[i].len,
		     (unsigned long long)recs[i].data, write ? "write" : "read",
		     (unsigned long long)gpa, len, (unsigned long long)data);
}

void check_other_gprs(const char *file, int line, unsigned int mask)
{
	int i;

	for (i = 0; i < HV_NR_GPRS; i++)
		if (!(mask & (1u << i)) && cpu.gpr[i] != cpu_before.gpr[i])
			fail(file, line, "gpr %d changed: %#llx -> %#llx", i,
			     (unsigned long long)cpu_before.gpr[i],
			     (unsigned long long)cpu.gpr[i]);
}

u64 rd64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

void wr64(u64 gpa, u64 val)
{
	memcpy(ram + gpa, &val, 8);
}

u32 rd32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

void wr32(u64 gpa, u32 val)
{
	memcpy(ram + gpa, &val, 4);
}

/* Tests. */

static void reset_all(void)
{
	int i;

	memset(ram, 0, RAM_SIZE);
	for (i = 0; i < (int)ROM_SIZE; i++)
		rom[i] = i * 7 + 3;
	memset(mmio_mem, 0, sizeof(mmio_mem));
	nrec = 0;
	rdq_n = 0;
	rdq_pos = 0;
	nram_writes = 0;
	ncalls = 0;
	hv_emu_reset(&emu);
	memset(&cpu, 0, sizeof(cpu));
	/* Recognizable register values: 0x1010..10 for RAX, 0x1111.. ... */
	for (i = 0; i < HV_NR_GPRS; i++)
		cpu.gpr[i] = 0x0101010101010101ULL * (0x10 + i);
	cpu.rflags = 0x2 | FL_IF;
	cpu.rip = CODE;
	cpu_before = cpu;
}

void begin(const char *fmt, ...)
{
	va_list ap;

	if (in_test)
		end();
	va_start(ap, fmt);
	vsnprintf(cur_name, sizeof(cur_name), fmt, ap);
	va_end(ap);
	cur_ok = true;
	in_test = true;
	reset_all();
}

void end(void)
{
	if (!in_test)
		return;
	in_test = false;
	nr_tests++;
	if (!cur_ok)
		nr_failed++;
	fprintf(out, "%sok %d %s\n", cur_ok ? "" : "not ", nr_tests, cur_name);
}

void setup_real(void)
{
	int s;

	for (s = 0; s < HV_NR_SREGS; s++)
		cpu.seg[s].limit = 0xffff;
}

void setup_pm(bool db)
{
	int s;

	cpu.cr0 = CR0_PE;
	for (s = 0; s < HV_NR_SREGS; s++) {
		cpu.seg[s].limit = 0xffffffff;
		cpu.seg[s].db = db;
	}
}

/*
 * 4-level paging, identity: RAM (0-8 MiB) and 3-4 GiB (MMIO, ROM, BAD)
 * with 2-MiB pages; 1-2 GiB is left for map_4k().
 */
static u64 pt_next;

void setup_long(void)
{
	u64 pml4 = PT_BASE, pdpt = PT_BASE + 0x1000;
	u64 pd0 = PT_BASE + 0x2000, pd3 = PT_BASE + 0x3000;
	u64 i;

	setup_pm(false);
	cpu.seg[HV_CS].l = 1;
	cpu.cr0 = CR0_PE | CR0_WP | CR0_PG;
	cpu.cr4 = CR4_PAE;
	cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
	cpu.cr3 = pml4;
	wr64(pml4, pdpt | P_ALL);
	wr64(pdpt, pd0 | P_ALL);
	wr64(pdpt + 3 * 8, pd3 | P_ALL);
	for (i = 0; i < RAM_SIZE >> 21; i++)
		wr64(pd0 + i * 8, (i << 21) | P_ALL | P_PS);
	for (i = 0; i < 512; i++)
		wr64(pd3 + i * 8, (0xc0000000ULL + (i << 21)) | P_ALL | P_PS);
	pt_next = PT_POOL;
}

static u64 table_of(u64 *entry)
{
	if (!(*entry & P_P)) {
		*entry = pt_next | P_ALL;
		pt_next += 0x1000;
	}
	return *entry & 0x000ffffffffff000ULL;
}

u64 *map_4k(u64 la, u64 gpa, u64 flags)
{
	u64 t = cpu.cr3 & 0x000ffffffffff000ULL;
	int shift;

	for (shift = 39; shift > 12; shift -= 9)
		t = table_of((u64 *)(ram + t + ((la >> shift) & 511) * 8));
	t += ((la >> 12) & 511) * 8;
	wr64(t, gpa | flags);
	return (u64 *)(ram + t);
}

void put_code(const void *bytes, unsigned int len)
{
	u64 la = cpu.rip;

	if (!cpu.seg[HV_CS].l)
		la = (la + cpu.seg[HV_CS].base) & 0xffffffff;
	memcpy(ram + la, bytes, len);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	out = open_memstream(&out_buf, &out_len);
	if (!ram || !out)
		return 2;

	test_walk();
	test_decode();
	test_alu();
	test_string();
	test_protocol();
	end();

	fclose(out);
	printf("TAP version 13\n1..%d\n", nr_tests);
	fwrite(out_buf, 1, out_len, stdout);
	printf("# %d tests, %d failed\n", nr_tests, nr_failed);
	return nr_failed ? 1 : 0;
}
