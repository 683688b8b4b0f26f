// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: KVM_EXIT_IO for IN and OUT of 1, 2 and 4 bytes (port,
 * direction, size, count, data_offset and data checked), IN delivering
 * userspace's data into the guest's register, and the string forms
 * (INS/OUTS with and without REP): how many elements each exit carries,
 * and the guest's memory and RSI/RDI/RCX afterwards.
 *
 * Observed on kvm_amd (Linux 6.1): data is at run + 4096 (the page after
 * the run structure); RIP during the exit is the I/O instruction's own
 * address; OUTS moves one element per exit; INS fills a read-ahead of
 * min(bytes left in RDI's page, 1024 / size, RCX) elements per exit.
 */
#include "lib/vm.h"
#include "lib/guest.h"

#define PIO_DATA_OFFSET		4096	/* KVM_PIO_PAGE_OFFSET * PAGE_SIZE */
#define STR_PORT		0x1234

/* ---- single IN/OUT ---- */

/* Addresses of the instructions, for the RIP check. */
extern const char io_outb_insn[], io_outw_insn[];

static void guest_simple_io(void)
{
	u64 rax;

	asm volatile("io_outb_insn: outb %%al, $0x10" : : "a"(0xab) : "memory");
	asm volatile("io_outw_insn: outw %%ax, $0x11" : : "a"(0xabcd) : "memory");
	outl(0x12, 0xdeadbeef);
	asm volatile("outb %%al, %%dx" : : "a"(0x5a), "d"(0xffff) : "memory");

	/* IN of 1 and 2 bytes keeps the rest of RAX, IN of 4 zero-extends. */
	rax = 0x1122334455667788ULL;
	asm volatile("inb $0x20, %%al" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
	rax = 0x1122334455667788ULL;
	asm volatile("inw $0x21, %%ax" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
	rax = 0x1122334455667788ULL;
	asm volatile("inl $0x22, %%eax" : "+a"(rax) : : "memory");
	GUEST_SYNC(rax);
	rax = 0x1122334455667788ULL;
	asm volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(0xfffc) : "memory");
	GUEST_SYNC(rax);
}

static bool check_io_exit(struct vcpu *vcpu, u8 dir, u8 size, u16 port,
			  const char *what)
{
	struct hv_run *run = vcpu->run;

	if (!vcpu_run_expect(vcpu, HV_EXIT_IO, what))
		return false;
	if (run->io.direction == dir && run->io.size == size &&
	    run->io.port == port && run->io.count == 1 &&
	    run->io.data_offset == PIO_DATA_OFFSET)
		return true;
	ktap_info("%s: want %s port %#x size %u count 1 data_offset %u, got %s",
		  what, dir == HV_EXIT_IO_OUT ? "out" : "in", port, size,
		  PIO_DATA_OFFSET, vcpu_exit_str(vcpu));
	return false;
}

static void test_out(struct vcpu *vcpu, u8 size, u16 port, u32 val,
		     const char *what)
{
	u32 got = 0;
	bool ok = check_io_exit(vcpu, HV_EXIT_IO_OUT, size, port, what);

	if (ok)
		memcpy(&got, vcpu_io_data(vcpu), size);
	ktap_result(ok && got == val, "%s: exit fields and data %#x", what, got);
}

static void test_in(struct vcpu *vcpu, u8 size, u16 port, u32 val, u64 want,
		    const char *what)
{
	struct ucall uc;
	bool ok = check_io_exit(vcpu, HV_EXIT_IO_IN, size, port, what);

	ktap_result(ok, "%s: exit fields", what);
	if (ok)
		memcpy(vcpu_io_data(vcpu), &val, size);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, what);
	ktap_result(ok && uc.args[0] == want, "%s: RAX is %#llx (want %#llx)", what,
		    (unsigned long long)uc.args[0], (unsigned long long)want);
}

static void test_simple(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	u64 rip;

	vcpu_enter(vcpu, guest_simple_io, 0);
	test_out(vcpu, 1, 0x10, 0xab, "outb $0x10");
	rip = vcpu_rip(vcpu);
	ktap_result(rip == (u64)(uintptr_t)io_outb_insn,
		    "during an OUT exit RIP is the OUT instruction (%#llx, want %p)",
		    (unsigned long long)rip, io_outb_insn);
	test_out(vcpu, 2, 0x11, 0xabcd, "outw $0x11");
	rip = vcpu_rip(vcpu);
	ktap_result(rip == (u64)(uintptr_t)io_outw_insn,
		    "the next exit's RIP is the next OUT: the first completed (%#llx, want %p)",
		    (unsigned long long)rip, io_outw_insn);
	test_out(vcpu, 4, 0x12, 0xdeadbeef, "outl $0x12");
	test_out(vcpu, 1, 0xffff, 0x5a, "outb to port 0xffff (dx)");

	test_in(vcpu, 1, 0x20, 0xc3, 0x11223344556677c3ULL, "inb $0x20");
	test_in(vcpu, 2, 0x21, 0xa55a, 0x112233445566a55aULL, "inw $0x21");
	test_in(vcpu, 4, 0x22, 0x87654321, 0x87654321ULL, "inl $0x22");
	test_in(vcpu, 4, 0xfffc, 0xfeedf00d, 0xfeedf00dULL, "inl from port 0xfffc (dx)");
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "simple io"),
		    "single I/O guest finished");
	vm_free(vm);
}

/* ---- string I/O ---- */

enum str_op {
	OUTSB, REP_OUTSB, REP_OUTSW, REP_OUTSL, INSB, REP_INSB, REP_INSW,
	REP_INSL, STD_REP_INSB, STD_REP_OUTSW, INSW,
};

static u8 str_buf[3 * 4096] __attribute__((aligned(4096)));

#define STR_ASM(insn)							\
	asm volatile(insn : "+S"(rsi), "+D"(rdi), "+c"(rcx)		\
		     : "d"(STR_PORT) : "memory", "cc")

static void guest_string_io(u64 op, u64 off, u64 count)
{
	u64 rsi = (u64)(uintptr_t)str_buf + off;
	u64 rdi = rsi, rcx = count;

	switch (op) {
	case OUTSB:	STR_ASM("outsb"); break;
	case REP_OUTSB:	STR_ASM("rep outsb"); break;
	case REP_OUTSW:	STR_ASM("rep outsw"); break;
	case REP_OUTSL:	STR_ASM("rep outsl"); break;
	case INSB:	STR_ASM("insb"); break;
	case INSW:	STR_ASM("insw"); break;
	case REP_INSB:	STR_ASM("rep insb"); break;
	case REP_INSW:	STR_ASM("rep insw"); break;
	case REP_INSL:	STR_ASM("rep insl"); break;
	case STD_REP_INSB: STR_ASM("std; rep insb; cld"); break;
	case STD_REP_OUTSW: STR_ASM("std; rep outsw; cld"); break;
	}
	GUEST_SYNC(rsi - (u64)(uintptr_t)str_buf, rdi - (u64)(uintptr_t)str_buf, rcx);
}

struct str_case {
	const char *name;
	enum str_op op;
	bool in;
	int size;
	u64 off;		/* of RSI/RDI in str_buf */
	u64 count;		/* RCX */
	bool rep, down;
	int nexits;
	/* Elements per exit, as KVM reports them; later exits repeat the last. */
	u32 counts[4];
};

static u32 want_count(const struct str_case *c, int exit)
{
	int i = exit;

	while (i > 0 && (i >= 4 || !c->counts[i]))
		i--;
	return c->counts[i];
}

static const struct str_case str_cases[] = {
	{ "outsb", OUTSB, false, 1, 100, 5, false, false, 1, { 1 } },
	{ "rep outsb x8", REP_OUTSB, false, 1, 100, 8, true, false, 8, { 1 } },
	{ "rep outsw x5", REP_OUTSW, false, 2, 100, 5, true, false, 5, { 1 } },
	{ "rep outsl x3", REP_OUTSL, false, 4, 100, 3, true, false, 3, { 1 } },
	{ "rep outsb x0", REP_OUTSB, false, 1, 100, 0, true, false, 0, { 0 } },
	{ "std; rep outsw x3", STD_REP_OUTSW, false, 2, 200, 3, true, true, 3, { 1 } },
	{ "insb", INSB, true, 1, 100, 5, false, false, 1, { 1 } },
	{ "insw", INSW, true, 2, 100, 5, false, false, 1, { 1 } },
	{ "rep insb x16", REP_INSB, true, 1, 100, 16, true, false, 1, { 16 } },
	{ "rep insw x1000 (2000 bytes)", REP_INSW, true, 2, 0, 1000, true, false, 2,
	  { 512, 488 } },
	{ "rep insl x10 from 8 bytes before a page end", REP_INSL, true, 4,
	  4096 - 8, 10, true, false, 2, { 8, 2 } },
	{ "rep insl x300 (1200 bytes)", REP_INSL, true, 4, 0, 300, true, false, 2,
	  { 256, 44 } },
	{ "std; rep insb x4", STD_REP_INSB, true, 1, 200, 4, true, true, 1, { 4 } },
	{ "rep insb x0", REP_INSB, true, 1, 100, 0, true, false, 0, { 0 } },
};

static u8 pattern(u64 i)
{
	return (u8)(i * 7 + 3);
}

/* Guest-buffer offset of element @i's byte @b. */
static u64 elem_off(const struct str_case *c, u64 i, int b)
{
	return c->down ? c->off - i * c->size + b : c->off + i * c->size + b;
}

static void test_string_case(const struct str_case *c)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	u8 *buf = *guest_var(vm, str_buf);
	struct hv_run *run = vcpu->run;
	u32 counts[64];
	int nexits = 0, i, b;
	u64 done = 0, n, want_ptr, nelem = c->rep ? c->count : 1;
	bool fields_ok = true, data_ok = true, ok = true;
	struct ucall uc;

	memset(buf, 0xee, sizeof(str_buf));
	if (!c->in)
		for (i = 0; i < (int)nelem; i++)
			for (b = 0; b < c->size; b++)
				buf[elem_off(c, i, b)] = pattern(i * c->size + b);

	vcpu_enter(vcpu, guest_string_io, 3, c->op, c->off, c->count);
	for (;;) {
		if (vcpu_run(vcpu)) {
			ktap_info("%s: KVM_RUN: %s", c->name, strerror(errno));
			ok = false;
			break;
		}
		if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
			break;
		if (run->exit_reason != HV_EXIT_IO || run->io.port != STR_PORT ||
		    nexits == 64) {
			ktap_info("%s: unexpected %s", c->name, vcpu_exit_str(vcpu));
			ok = false;
			break;
		}
		counts[nexits++] = run->io.count;
		ktap_info("%s: exit %d: %s", c->name, nexits, vcpu_exit_str(vcpu));
		if (run->io.direction != (c->in ? HV_EXIT_IO_IN : HV_EXIT_IO_OUT) ||
		    run->io.size != c->size || run->io.data_offset != PIO_DATA_OFFSET ||
		    !run->io.count || done + run->io.count > nelem)
			fields_ok = false;
		n = run->io.count * c->size;
		for (i = 0; i < (int)n; i++) {
			u8 *d = (u8 *)vcpu_io_data(vcpu) + i;

			if (c->in)
				*d = pattern(done * c->size + i);
			else if (*d != pattern(done * c->size + i))
				data_ok = false;
		}
		done += run->io.count;
	}
	ok = ok && uc.cmd == UCALL_SYNC;
	if (!ok && uc.cmd != UCALL_NONE)
		ucall_print(vm, &uc, c->name);

	ktap_result(ok && fields_ok && done == nelem,
		    "%s: %llu elements in %d exits, direction/size/data_offset right",
		    c->name, (unsigned long long)done, nexits);
	for (i = 0; ok && i < c->nexits && i < nexits; i++)
		if (counts[i] != want_count(c, i))
			ok = false;
	ktap_result(ok && nexits == c->nexits,
		    "%s: elements per exit as KVM reports them (%d exits, first %u)",
		    c->name, nexits, nexits ? counts[0] : 0);

	if (c->in) {
		u64 lo = c->down ? c->off - (nelem - 1) * c->size : c->off;
		u64 hi = c->down ? c->off + c->size : c->off + nelem * c->size;

		for (i = 0; i < (int)nelem; i++)
			for (b = 0; b < c->size; b++)
				if (buf[elem_off(c, i, b)] != pattern(i * c->size + b))
					data_ok = false;
		/* nothing written outside the destination */
		for (i = 0; i < (int)sizeof(str_buf); i++)
			if ((i < (int)lo || i >= (int)hi || !nelem) && buf[i] != 0xee)
				data_ok = false;
	}
	ktap_result(ok && data_ok, "%s: %s", c->name,
		    c->in ? "guest memory holds userspace's data, nothing else touched"
			  : "the data of each exit is the guest's memory, in order");

	want_ptr = c->down ? c->off - nelem * c->size : c->off + nelem * c->size;
	ktap_result(ok && uc.args[c->in ? 1 : 0] == want_ptr &&
		    uc.args[c->in ? 0 : 1] == c->off &&
		    uc.args[2] == (c->rep ? 0 : c->count),
		    "%s: %s %#llx (want %#llx), RCX %llu after", c->name,
		    c->in ? "RDI" : "RSI", (unsigned long long)uc.args[c->in ? 1 : 0],
		    (unsigned long long)want_ptr, (unsigned long long)uc.args[2]);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	unsigned int i;

	ktap_begin(argc, argv);
	test_simple();
	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++)
		test_string_case(&str_cases[i]);
	ktap_end();
}
