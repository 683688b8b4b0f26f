// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits: guest accesses to guest-physical addresses no slot backs exit
 * with KVM_EXIT_MMIO (phys_addr, len, is_write, data checked):
 *  - writes and reads of 1, 2, 4 and 8 bytes; read data supplied by
 *    userspace lands in the guest's register (byte and word loads keep the
 *    rest of RAX, 32-bit loads zero-extend);
 *  - movzx/movsx loads extend userspace's data;
 *  - read-modify-write (orl, xchg): a read exit, then a write exit with
 *    the modified value;
 *  - an 8-byte access straddling two MMIO pages;
 *  - rep movs/stos to MMIO and rep movs from MMIO: one exit per element;
 *  - a KVM_MEM_READONLY slot: reads see its contents without exits, writes
 *    exit as MMIO writes and change nothing.
 */
#include "lib/vm.h"
#include "lib/guest.h"

#define MMIO_GPA	0xc0000000ULL	/* no slot: MMIO */
#define ROM_GPA		0x10000000ULL	/* a read-only slot */
#define ROM_SIZE	0x2000ULL
#define ROM_SLOT	1

static u64 ram_buf[8];

static void guest_mmio(void)
{
	u64 rax, v;

	/* writes */
	writeb(MMIO_GPA + 0x10, 0x12);
	writew(MMIO_GPA + 0x20, 0x3456);
	writel(MMIO_GPA + 0x30, 0x789abcde);
	writeq(MMIO_GPA + 0x40, 0x0123456789abcdefULL);

	/* reads into a full RAX */
	rax = 0x1122334455667788ULL;
	asm volatile("movb (%1), %%al" : "+a"(rax) : "r"(MMIO_GPA + 0x11) : "memory");
	GUEST_SYNC(rax);
	rax = 0x1122334455667788ULL;
	asm volatile("movw (%1), %%ax" : "+a"(rax) : "r"(MMIO_GPA + 0x22) : "memory");
	GUEST_SYNC(rax);
	rax = 0x1122334455667788ULL;
	asm volatile("movl (%1), %%eax" : "+a"(rax) : "r"(MMIO_GPA + 0x34) : "memory");
	GUEST_SYNC(rax);
	GUEST_SYNC(readq(MMIO_GPA + 0x48));

	/* extending loads */
	asm volatile("movzbq (%1), %0" : "=r"(v) : "r"(MMIO_GPA + 0x50) : "memory");
	GUEST_SYNC(v);
	asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(MMIO_GPA + 0x51) : "memory");
	GUEST_SYNC(v);
	asm volatile("movzwq (%1), %0" : "=r"(v) : "r"(MMIO_GPA + 0x52) : "memory");
	GUEST_SYNC(v);
	asm volatile("movswq (%1), %0" : "=r"(v) : "r"(MMIO_GPA + 0x54) : "memory");
	GUEST_SYNC(v);
	asm volatile("movslq (%1), %0" : "=r"(v) : "r"(MMIO_GPA + 0x58) : "memory");
	GUEST_SYNC(v);

	/* read-modify-write */
	asm volatile("orl $1, (%0)" : : "r"(MMIO_GPA + 0x60) : "memory", "cc");
	v = 0xaaaa5555;
	asm volatile("xchgl %k0, (%1)" : "+r"(v) : "r"(MMIO_GPA + 0x64) : "memory");
	GUEST_SYNC(v);

	/* straddling a page boundary */
	writeq(MMIO_GPA + 0xffc, 0x1111222233334444ULL);
	GUEST_SYNC(readq(MMIO_GPA + 0x1ffc));
}

enum { REP_MOVS_TO, REP_STOS_TO, REP_MOVS_FROM };

static void guest_mmio_string(u64 op, u64 count)
{
	u64 rsi = 0, rdi = 0, rcx = count;

	switch (op) {
	case REP_MOVS_TO:
		rsi = (u64)(uintptr_t)ram_buf;
		rdi = MMIO_GPA + 0x100;
		asm volatile("rep movsl" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
		break;
	case REP_STOS_TO:
		rsi = 0;
		rdi = MMIO_GPA + 0x200;
		asm volatile("rep stosq" : "+D"(rdi), "+c"(rcx)
			     : "a"(0x5566778899aabbccULL) : "memory");
		break;
	case REP_MOVS_FROM:
		rsi = MMIO_GPA + 0x300;
		rdi = (u64)(uintptr_t)ram_buf;
		asm volatile("rep movsw" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
		break;
	}
	GUEST_SYNC(rsi, rdi, rcx);
}

static u8 rom_content(u64 i)
{
	return (u8)(i * 13 + 1);
}

static void guest_rom(void)
{
	volatile u32 *rom = (volatile u32 *)ROM_GPA;

	GUEST_SYNC(rom[0], rom[0x1000 / 4 + 3]);
	rom[4] = 0xcafef00d;
	GUEST_SYNC(rom[4]);
	*(volatile u64 *)(ROM_GPA + 0x1000) = 0x0102030405060708ULL;
	GUEST_SYNC(*(volatile u64 *)(ROM_GPA + 0x1000));
}

/* ---- host side ---- */

static bool expect_mmio(struct vcpu *vcpu, u64 addr, u32 len, bool write,
			const char *what)
{
	struct hv_run *run = vcpu->run;

	if (!vcpu_run_expect(vcpu, HV_EXIT_MMIO, what))
		return false;
	if (run->mmio.phys_addr == addr && run->mmio.len == len &&
	    run->mmio.is_write == write)
		return true;
	ktap_info("%s: want %s %#llx len %u, got %s", what, write ? "write" : "read",
		  (unsigned long long)addr, len, vcpu_exit_str(vcpu));
	return false;
}

static u64 mmio_data(struct vcpu *vcpu)
{
	u64 d = 0;

	memcpy(&d, vcpu->run->mmio.data, vcpu->run->mmio.len);
	return d;
}

static void check_write(struct vcpu *vcpu, u64 addr, u32 len, u64 val,
			const char *what)
{
	bool ok = expect_mmio(vcpu, addr, len, true, what);
	u64 got = ok ? mmio_data(vcpu) : 0;

	ktap_result(ok && got == val, "%s: phys %#llx len %u is_write 1 data %#llx",
		    what, (unsigned long long)addr, len, (unsigned long long)got);
}

/* A read exit, answered with @val; then the guest's SYNC reports @want. */
static void check_read(struct vcpu *vcpu, u64 addr, u32 len, u64 val, u64 want,
		       const char *what)
{
	bool ok = expect_mmio(vcpu, addr, len, false, what);
	struct ucall uc;

	ktap_result(ok, "%s: phys %#llx len %u is_write 0", what,
		    (unsigned long long)addr, len);
	if (ok)
		memcpy(vcpu->run->mmio.data, &val, len);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, what);
	ktap_result(ok && uc.args[0] == want, "%s: the guest got %#llx (want %#llx)",
		    what, (unsigned long long)uc.args[0], (unsigned long long)want);
}

static void test_mmio_basic(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct ucall uc;
	bool ok;
	u64 got;

	vcpu_enter(vcpu, guest_mmio, 0);
	check_write(vcpu, MMIO_GPA + 0x10, 1, 0x12, "writeb");
	check_write(vcpu, MMIO_GPA + 0x20, 2, 0x3456, "writew");
	check_write(vcpu, MMIO_GPA + 0x30, 4, 0x789abcde, "writel");
	check_write(vcpu, MMIO_GPA + 0x40, 8, 0x0123456789abcdefULL, "writeq");

	check_read(vcpu, MMIO_GPA + 0x11, 1, 0xf1, 0x11223344556677f1ULL,
		   "readb keeps RAX[63:8]");
	check_read(vcpu, MMIO_GPA + 0x22, 2, 0xf2e2, 0x112233445566f2e2ULL,
		   "readw keeps RAX[63:16]");
	check_read(vcpu, MMIO_GPA + 0x34, 4, 0xf4e4d4c4, 0xf4e4d4c4ULL,
		   "readl zero-extends");
	check_read(vcpu, MMIO_GPA + 0x48, 8, 0xfedcba9876543210ULL,
		   0xfedcba9876543210ULL, "readq");

	check_read(vcpu, MMIO_GPA + 0x50, 1, 0x80, 0x80, "movzbq");
	check_read(vcpu, MMIO_GPA + 0x51, 1, 0x80, 0xffffffffffffff80ULL, "movsbq");
	check_read(vcpu, MMIO_GPA + 0x52, 2, 0x8001, 0x8001, "movzwq");
	check_read(vcpu, MMIO_GPA + 0x54, 2, 0x8001, 0xffffffffffff8001ULL, "movswq");
	check_read(vcpu, MMIO_GPA + 0x58, 4, 0x80000001, 0xffffffff80000001ULL, "movslq");

	/* orl $1: read, then write of the result */
	ok = expect_mmio(vcpu, MMIO_GPA + 0x60, 4, false, "orl $1 read");
	ktap_result(ok, "orl $1, (mmio): first a 4-byte read exit");
	if (ok)
		memcpy(vcpu->run->mmio.data, &(u32){ 0x100 }, 4);
	check_write(vcpu, MMIO_GPA + 0x60, 4, 0x101, "orl $1, (mmio): then a write of read|1");

	ok = expect_mmio(vcpu, MMIO_GPA + 0x64, 4, false, "xchg read");
	ktap_result(ok, "xchgl with mmio: a 4-byte read exit");
	if (ok)
		memcpy(vcpu->run->mmio.data, &(u32){ 0x600df00d }, 4);
	check_write(vcpu, MMIO_GPA + 0x64, 4, 0xaaaa5555, "xchgl with mmio: then the write");
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "xchg result");
	ktap_result(ok && uc.args[0] == 0x600df00d, "xchgl: the register got the old value (%#llx)",
		    (unsigned long long)uc.args[0]);

	/* 8 bytes at 0xffc: two 4-byte fragments */
	check_write(vcpu, MMIO_GPA + 0xffc, 4, 0x33334444, "writeq across a page: first half");
	check_write(vcpu, MMIO_GPA + 0x1000, 4, 0x11112222, "writeq across a page: second half");
	ok = expect_mmio(vcpu, MMIO_GPA + 0x1ffc, 4, false, "readq across a page");
	ktap_result(ok, "readq across a page: first a 4-byte read at the end of the page");
	if (ok)
		memcpy(vcpu->run->mmio.data, &(u32){ 0x89abcdef }, 4);
	ok = ok && expect_mmio(vcpu, MMIO_GPA + 0x2000, 4, false, "readq across a page");
	ktap_result(ok, "readq across a page: then a 4-byte read at the next page");
	if (ok)
		memcpy(vcpu->run->mmio.data, &(u32){ 0x01234567 }, 4);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "readq across a page");
	got = ok ? uc.args[0] : 0;
	ktap_result(got == 0x0123456789abcdefULL, "readq across a page: the guest got %#llx",
		    (unsigned long long)got);

	ktap_result(vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "mmio"), "mmio guest finished");
	vm_free(vm);
}

struct mmio_str_case {
	const char *name;
	int op;
	u64 count;
	bool write;
	u32 size;
	u64 addr;		/* of the first element */
};

static const struct mmio_str_case mmio_str_cases[] = {
	{ "rep movsl to mmio x4", REP_MOVS_TO, 4, true, 4, MMIO_GPA + 0x100 },
	{ "rep stosq to mmio x3", REP_STOS_TO, 3, true, 8, MMIO_GPA + 0x200 },
	{ "rep movsw from mmio x5", REP_MOVS_FROM, 5, false, 2, MMIO_GPA + 0x300 },
};

static void test_mmio_string(const struct mmio_str_case *c)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	u64 *buf = *guest_var(vm, ram_buf);
	struct hv_run *run = vcpu->run;
	bool ok = true, data_ok = true;
	struct ucall uc;
	u64 n = 0, i, v;

	for (i = 0; i < 8; i++)
		buf[i] = 0x0101010101010101ULL * (i + 1) + 0xa0a0;
	vcpu_enter(vcpu, guest_mmio_string, 2, c->op, c->count);
	for (;;) {
		if (vcpu_run(vcpu)) {
			ok = false;
			break;
		}
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		if (run->exit_reason != HV_EXIT_MMIO || n == c->count) {
			ktap_info("%s: unexpected %s", c->name, vcpu_exit_str(vcpu));
			ok = false;
			break;
		}
		ktap_info("%s: exit %llu: %s", c->name, (unsigned long long)n + 1,
			  vcpu_exit_str(vcpu));
		if (run->mmio.phys_addr != c->addr + n * c->size ||
		    run->mmio.len != c->size || run->mmio.is_write != c->write)
			ok = false;
		if (c->op == REP_MOVS_TO)
			data_ok &= mmio_data(vcpu) == ((u32 *)buf)[n];
		else if (c->op == REP_STOS_TO)
			data_ok &= mmio_data(vcpu) == 0x5566778899aabbccULL;
		else
			memcpy(run->mmio.data, &(u16){ 0x1000 + n }, 2);
		n++;
	}
	ok = ok && uc.cmd == UCALL_SYNC;
	ktap_result(ok && n == c->count,
		    "%s: one exit per element (%llu), each at the next address with len %u",
		    c->name, (unsigned long long)n, c->size);
	if (c->op == REP_MOVS_FROM)
		for (i = 0; i < c->count; i++)
			data_ok &= ((u16 *)buf)[i] == 0x1000 + i;
	v = c->op == REP_MOVS_FROM ? uc.args[0] : uc.args[1];
	ktap_result(ok && data_ok && uc.args[2] == 0 && v == c->addr + c->count * c->size,
		    "%s: data right, RCX 0, %s advanced to %#llx", c->name,
		    c->op == REP_MOVS_FROM ? "RSI" : "RDI", (unsigned long long)v);
	vm_free(vm);
}

static void test_readonly_slot(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu;
	struct ucall uc;
	u8 *rom;
	bool ok;
	u64 i;

	if (dev_check_extension(vm->devfd, HV_CAP_READONLY_MEM) <= 0) {
		ktap_skip("read-only slot", "KVM_CAP_READONLY_MEM is not offered");
		vm_free(vm);
		return;
	}
	vcpu = vcpu_new(vm, 0);
	rom = vm_add_anon_slot(vm, ROM_SLOT, HV_MEM_READONLY, ROM_GPA, ROM_SIZE);
	for (i = 0; i < ROM_SIZE; i++)
		rom[i] = rom_content(i);

	vcpu_enter(vcpu, guest_rom, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "rom read");
	ktap_result(ok && uc.args[0] == *(u32 *)rom && uc.args[1] == *(u32 *)(rom + 0x100c),
		    "read-only slot: reads return its contents without exits");
	check_write(vcpu, ROM_GPA + 16, 4, 0xcafef00d, "read-only slot: a 4-byte write");
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "rom read back");
	ktap_result(ok && uc.args[0] == *(u32 *)(rom + 16) && rom[16] == rom_content(16),
		    "read-only slot: the write changed nothing (%#llx)",
		    (unsigned long long)uc.args[0]);
	check_write(vcpu, ROM_GPA + 0x1000, 8, 0x0102030405060708ULL,
		    "read-only slot: an 8-byte write in the second page");
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "rom read back 2");
	ktap_result(ok && uc.args[0] == *(u64 *)(rom + 0x1000),
		    "read-only slot: still unchanged after the second write");
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "rom"), "read-only guest finished");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	unsigned int i;

	ktap_begin(argc, argv);
	test_mmio_basic();
	for (i = 0; i < sizeof(mmio_str_cases) / sizeof(mmio_str_cases[0]); i++)
		test_mmio_string(&mmio_str_cases[i]);
	test_readonly_slot();
	ktap_end();
}
