// SPDX-License-Identifier: GPL-2.0
/*
 * Guests: register and control state for one mode, the tables that mode
 * needs (GDT, IDT with handlers that skip the faulting bytes and exit,
 * TSS, page tables mapping the slot, an MMIO page and random extras), and
 * code made of instruction snippets that exit or are intercepted (port
 * and string I/O, MMIO by plain, read-modify-write, locked and string
 * instructions, CPUID, MSRs, XSETBV, control and debug registers, SVM and
 * VMX instructions, descriptor-table loads, mode switches, far transfers,
 * HLT, exceptions) mixed with random bytes and random prefixes.  Nothing
 * here calls the kernel: the caller copies the state in.
 *
 * Layout in the slot (offsets; the slot is at least 16 pages, else the
 * code takes the whole slot and the tables are random):
 *	0x0000	code (the entry point is in this page)
 *	0x1000	GDT (0x000), TSS (0x800)
 *	0x2000	IDT (real mode: the IVT)
 *	0x3000	interrupt handlers, 16 bytes each
 *	0x4000	stack (grows down from 0x6000)
 *	0x6000	page tables, allocated as needed (up to 0xf000)
 *	0xf000	data; more code
 */
#include <string.h>

#include "fuzz.h"

#define OFF_CODE	0x0000
#define OFF_GDT		0x1000
#define OFF_TSS		0x1800
#define OFF_IDT		0x2000
#define OFF_HANDLERS	0x3000
#define OFF_STACK_TOP	0x6000
#define OFF_PT		0x6000
#define OFF_PT_END	0xf000
#define OFF_DATA	0xf000
#define LAYOUT_PAGES	16

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_CODE16	0x20
#define SEL_DATA16	0x28
#define SEL_TSS		0x30	/* 16 bytes in long mode */
#define SEL_UCODE64	0x43
#define SEL_UDATA	0x4b
#define SEL_UCODE32	0x53
#define GDT_ENTRIES	16

static const char *const mode_names[NR_GUEST_MODES] = {
	"real", "vm86", "prot16", "prot32", "paging32", "pae", "long64",
	"compat", "random",
};

const char *guest_mode_name(unsigned int mode)
{
	return mode < NR_GUEST_MODES ? mode_names[mode] : "?";
}

/* ---- code ---- */

/*
 * --tcg-safe: QEMU 7.2's emulated SVM wedges the host at any #VMEXIT from
 * a guest with EFER.LME set and CR0.PG and CR4.PAE clear (its #VMEXIT
 * drops the host's CR0: Documentation/fuzzing.md).  Guests made for the
 * lane never set LME themselves nor clear PAE; SET_SREGS states are fixed
 * up likewise (exec.c).
 */
bool guest_tcg_safe;

#define EFER_LME	(1U << 8)
#define CR4_PAE		(1U << 5)

struct emit {
	struct rng *r;
	u8 *p, *end;
	int bits;
	u64 slot_lin;		/* linear address of the slot's first byte */
	u64 size;
	u64 seg_base;		/* DS base: 16-bit code addresses relative to it */
	u64 mmio_lin[3];	/* linear addresses that reach MMIO */
};

static bool room(struct emit *e, size_t n)
{
	return e->p + n <= e->end;
}

static void emit_bytes(struct emit *e, const u8 *b, size_t n)
{
	if (!room(e, n))
		return;
	memcpy(e->p, b, n);
	e->p += n;
}

#define EMIT(e, ...) do {						\
	const u8 __b[] = { __VA_ARGS__ };				\
	emit_bytes(e, __b, sizeof(__b));				\
} while (0)

static void emit_imm(struct emit *e, u64 v, int bytes)
{
	if (!room(e, bytes))
		return;
	memcpy(e->p, &v, bytes);
	e->p += bytes;
}

/* mov reg, imm with the widest immediate the mode allows. */
static void mov_imm(struct emit *e, int reg, u64 v)
{
	if (e->bits == 64) {
		if (v >> 32) {
			EMIT(e, 0x48, 0xb8 + reg);
			emit_imm(e, v, 8);
		} else {
			EMIT(e, 0xb8 + reg);
			emit_imm(e, v, 4);
		}
	} else if (e->bits == 32) {
		EMIT(e, 0xb8 + reg);
		emit_imm(e, v, 4);
	} else if (v > 0xffff) {
		EMIT(e, 0x66, 0xb8 + reg);
		emit_imm(e, v, 4);
	} else {
		EMIT(e, 0xb8 + reg);
		emit_imm(e, v, 2);
	}
}

static const u16 ports[] = { 0x80, 0xe9, 0x3f8, 0x3f9, 0x3fd, 0x2f8, 0x60,
			     0x64, 0x70, 0x71, 0x20, 0x21, 0xa0, 0x40, 0x43,
			     0xcf8, 0xcfc, 0xcfe, 0x1f0, 0x510, 0xffff, 0xfffc };

static u16 gen_port(struct rng *r)
{
	return rng_pct(r, 80) ? ports[rng_below(r, ARRAY_SIZE(ports))] :
				(u16)rng_next(r);
}

static const u32 msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xe7, 0xe8, 0x174, 0x175, 0x176,
	0x179, 0x17a, 0x1a0, 0x1d9, 0x277, 0x2ff, 0x3a, 0x6e0, 0x800, 0x802,
	0x808, 0x80b, 0x830, 0x838, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103, 0xc0010010, 0xc0010015, 0xc0010114, 0xc0010117,
	0xc0010131, 0xc001011f, 0x40000000, 0x40000001, 0x4b564d00,
	0x4b564d01, 0xffffffff,
};

/* An address the guest may touch: in the slot, MMIO, or anything. */
static u64 gen_addr(struct emit *e)
{
	struct rng *r = e->r;
	u64 a;

	switch (rng_below(r, 6)) {
	case 0:
	case 1:
	case 2:
		a = e->mmio_lin[rng_below(r, 3)] + rng_below(r, 64) * 8 +
		    (rng_one_in(r, 4) ? rng_below(r, 8) : 0);
		break;
	case 3:
		a = e->slot_lin + rng_below(r, e->size);
		break;
	case 4:
		a = e->mmio_lin[0] + PAGE_SIZE - rng_below(r, 8);
		break;
	default:
		a = gen_u64(r);
		break;
	}
	if (e->bits == 16)
		a -= e->seg_base;
	if (e->bits != 64)
		a &= 0xffffffff;
	return a;
}

/* Operand-size prefixes for a memory access of 1, 2, 4 or 8 bytes. */
static int mem_size_prefix(struct emit *e, int *opc_byte)
{
	int size = 1 << rng_below(e->r, e->bits == 64 ? 4 : 3);

	*opc_byte = size == 1;
	if (size == 2 && e->bits != 16)
		EMIT(e, 0x66);
	if (size == 4 && e->bits == 16)
		EMIT(e, 0x66);
	if (size == 8)
		EMIT(e, 0x48);
	return size;
}

/* ModRM for [rax] (or [eax] through 0x67 in 16-bit code). */
static void addr_prefix(struct emit *e)
{
	if (e->bits == 16)
		EMIT(e, 0x67);
}

static void snippet_mmio(struct emit *e)
{
	struct rng *r = e->r;
	int byte;

	mov_imm(e, 0, gen_addr(e));		/* rax = address */
	mov_imm(e, 3, gen_u64(r));		/* rbx = value */
	switch (rng_below(r, 14)) {
	case 0:		/* mov [rax], rbx */
		addr_prefix(e);
		mem_size_prefix(e, &byte);
		EMIT(e, byte ? 0x88 : 0x89, 0x18);
		break;
	case 1:		/* mov rbx, [rax] */
		addr_prefix(e);
		mem_size_prefix(e, &byte);
		EMIT(e, byte ? 0x8a : 0x8b, 0x18);
		break;
	case 2:		/* add [rax], rbx: read, then write */
		addr_prefix(e);
		mem_size_prefix(e, &byte);
		EMIT(e, byte ? 0x00 : 0x01, 0x18);
		break;
	case 3:		/* lock cmpxchg [rax], rbx */
		addr_prefix(e);
		EMIT(e, 0xf0);
		mem_size_prefix(e, &byte);
		EMIT(e, 0x0f, byte ? 0xb0 : 0xb1, 0x18);
		break;
	case 4:		/* xchg [rax], rbx */
		addr_prefix(e);
		mem_size_prefix(e, &byte);
		EMIT(e, byte ? 0x86 : 0x87, 0x18);
		break;
	case 5:		/* rep movs from/to MMIO */
		mov_imm(e, 6, gen_addr(e));
		mov_imm(e, 7, gen_addr(e));
		mov_imm(e, 1, rng_one_in(r, 4) ? gen_u64(r) : rng_below(r, 20));
		addr_prefix(e);
		if (rng_pct(r, 70))
			EMIT(e, 0xf3);
		EMIT(e, 0xa4 + rng_below(r, 2));
		break;
	case 6:		/* rep stos */
		mov_imm(e, 7, gen_addr(e));
		mov_imm(e, 1, rng_below(r, 20));
		addr_prefix(e);
		EMIT(e, 0xf3, 0xaa + rng_below(r, 2));
		break;
	case 7:		/* movzx ebx, word [rax] */
		addr_prefix(e);
		EMIT(e, 0x0f, 0xb6 + rng_below(r, 2), 0x18);
		break;
	case 8:		/* push [rax]; pop [rax] */
		addr_prefix(e);
		EMIT(e, 0xff, 0x30);
		addr_prefix(e);
		EMIT(e, 0x8f, 0x00);
		break;
	case 9:		/* movaps/movdqu, vmovdqu */
		addr_prefix(e);
		if (rng_one_in(r, 2))
			EMIT(e, 0xf3, 0x0f, 0x6f + 0x10 * rng_below(r, 2), 0x00);
		else
			EMIT(e, 0xc5, 0xfe, 0x6f, 0x00);
		break;
	case 10:	/* bt/bts [rax], rbx */
		addr_prefix(e);
		EMIT(e, 0x0f, 0xa3 + 8 * rng_below(r, 2), 0x18);
		break;
	case 11:	/* cmps / lods / scas */
		mov_imm(e, 6, gen_addr(e));
		mov_imm(e, 7, gen_addr(e));
		mov_imm(e, 1, rng_below(r, 8));
		addr_prefix(e);
		EMIT(e, 0xf3, 0xa6 + rng_below(r, 2) + 6 * rng_below(r, 2));
		break;
	case 12:	/* mov to a segment register from memory, and back */
		addr_prefix(e);
		EMIT(e, 0x8c + 2 * rng_below(r, 2), 0x18 + 8 * rng_below(r, 2));
		break;
	default:	/* xadd, inc, not, neg, shl on [rax] */
		addr_prefix(e);
		switch (rng_below(r, 4)) {
		case 0:
			EMIT(e, 0x0f, 0xc1, 0x18);
			break;
		case 1:
			EMIT(e, 0xff, 0x00);
			break;
		case 2:
			EMIT(e, 0xf7, 0x10 + 8 * rng_below(r, 2));
			break;
		default:
			EMIT(e, 0xd1, 0x20);
			break;
		}
		break;
	}
}

static void snippet_pio(struct emit *e)
{
	struct rng *r = e->r;
	u16 port = gen_port(r);

	switch (rng_below(r, 5)) {
	case 0:		/* out imm8 / in imm8 */
		EMIT(e, (u8)(0xe4 + rng_below(r, 4)), (u8)port);
		break;
	case 1:
	case 2:		/* out dx / in dx, with an operand-size prefix */
		mov_imm(e, 2, port);
		mov_imm(e, 0, gen_u64(r));
		if (rng_one_in(r, 3))
			EMIT(e, 0x66);
		EMIT(e, 0xec + rng_below(r, 4));
		break;
	default:	/* rep ins / outs */
		mov_imm(e, 2, port);
		mov_imm(e, 1, rng_one_in(r, 5) ? gen_u64(r) : rng_below(r, 40));
		mov_imm(e, 6, gen_addr(e));
		mov_imm(e, 7, gen_addr(e));
		if (rng_one_in(r, 3))
			EMIT(e, 0x66);
		if (rng_one_in(r, 3))
			EMIT(e, 0x67);
		if (rng_one_in(r, 4))
			EMIT(e, 0x26 + 8 * rng_below(r, 4));	/* segment */
		if (rng_pct(r, 70))
			EMIT(e, 0xf3);
		EMIT(e, 0x6c + rng_below(r, 4));
		break;
	}
}

/* xor eax, imm32 (the immediate follows). */
static void xor_eax(struct emit *e)
{
	if (e->bits == 16)
		EMIT(e, 0x66);
	EMIT(e, 0x35);
}

static void snippet_system(struct emit *e)
{
	struct rng *r = e->r;
	static const u8 cr_nums[] = { 0, 0, 2, 3, 3, 4, 4, 8 };
	/* lgdt, lidt, sgdt, sidt, invlpg: [rax] */
	static const u8 dt_modrm[] = { 0x10, 0x18, 0x00, 0x08, 0x38 };
	unsigned int bit;
	int cr;
	u64 v;

	switch (rng_below(r, 9)) {
	case 0:		/* cpuid */
		mov_imm(e, 0, rng_pct(r, 70) ? (u32)rng_below(r, 0x20) |
			(rng_one_in(r, 2) ? 0x80000000 : 0) : gen_u32(r));
		mov_imm(e, 1, rng_below(r, 4));
		EMIT(e, 0x0f, 0xa2);
		break;
	case 1: {	/* rdmsr / wrmsr */
		u32 msr = rng_pct(r, 85) ? msrs[rng_below(r, ARRAY_SIZE(msrs))] :
			  gen_u32(r);
		u32 lo = gen_u32(r);

		if (guest_tcg_safe && msr == 0xc0000080)
			lo &= ~EFER_LME;
		mov_imm(e, 1, msr);
		mov_imm(e, 0, lo);
		mov_imm(e, 2, rng_one_in(r, 2) ? 0 : gen_u32(r));
		EMIT(e, 0x0f, 0x30 + 2 * rng_below(r, 2));
		break;
	}
	case 2:		/* xsetbv / xgetbv */
		mov_imm(e, 1, rng_pct(r, 80) ? 0 : rng_below(r, 4));
		mov_imm(e, 0, rng_pct(r, 70) ? 1 + 2 * rng_below(r, 2) + 4 * rng_below(r, 2) :
			gen_u32(r));
		mov_imm(e, 2, 0);
		EMIT(e, 0x0f, 0x01, 0xd0 + rng_below(r, 2));
		break;
	case 3:		/* mov crN, rax / mov rax, crN */
		cr = cr_nums[rng_below(r, ARRAY_SIZE(cr_nums))];
		v = gen_u64(r);
		if (guest_tcg_safe && cr == 4)
			v |= CR4_PAE;
		mov_imm(e, 0, v);
		if (cr == 8)
			EMIT(e, e->bits == 64 ? 0x44 : 0xf0);
		EMIT(e, 0x0f, 0x20 + 2 * rng_below(r, 2), 0xc0 | (cr & 7) << 3);
		break;
	case 4:		/* mov drN */
		mov_imm(e, 0, gen_u64(r));
		EMIT(e, 0x0f, 0x21 + 2 * rng_below(r, 2),
		     0xc0 | rng_below(r, 8) << 3);
		break;
	case 5:		/* flip CR0/CR4/EFER bits: mode switches */
		switch (rng_below(r, 3)) {
		case 0:
			EMIT(e, 0x0f, 0x20, 0xc0);			/* mov rax, cr0 */
			xor_eax(e);
			emit_imm(e, rng_one_in(r, 2) ? 0x80000001 : 1U << rng_below(r, 32), 4);
			EMIT(e, 0x0f, 0x22, 0xc0);
			break;
		case 1:
			EMIT(e, 0x0f, 0x20, 0xe0);			/* mov rax, cr4 */
			xor_eax(e);
			bit = rng_below(r, 24);
			if (guest_tcg_safe && 1U << bit == CR4_PAE)
				bit = 4;				/* PSE */
			emit_imm(e, 1U << bit, 4);
			EMIT(e, 0x0f, 0x22, 0xe0);
			break;
		default:
			mov_imm(e, 1, 0xc0000080);
			EMIT(e, 0x0f, 0x32);				/* rdmsr */
			xor_eax(e);
			bit = rng_below(r, 16);
			if (guest_tcg_safe && 1U << bit == EFER_LME)
				bit = 0;				/* SCE */
			emit_imm(e, 1U << bit, 4);
			EMIT(e, 0x0f, 0x30);				/* wrmsr */
			break;
		}
		break;
	case 6:		/* descriptor tables and segments */
		switch (rng_below(r, 6)) {
		case 0:
		case 1:
		case 2:
		case 5:
			mov_imm(e, 0, gen_addr(e));
			addr_prefix(e);
			EMIT(e, 0x0f, 0x01, dt_modrm[rng_below(r, ARRAY_SIZE(dt_modrm))]);
			break;
		case 3:
			mov_imm(e, 0, rng_below(r, 0x60));
			EMIT(e, 0x0f, 0x00, 0xd0 + 8 * rng_below(r, 2));	/* lldt/ltr ax */
			break;
		default:
			mov_imm(e, 0, rng_pct(r, 80) ? rng_below(r, 0x60) : gen_u32(r));
			EMIT(e, 0x8e, 0xd0 + 8 * rng_below(r, 6));	/* mov sreg, ax */
			break;
		}
		break;
	case 7:		/* far transfers */
		switch (rng_below(r, 3)) {
		case 0:
			if (e->bits == 64) {
				EMIT(e, 0x6a, (u8)rng_below(r, 0x60));	/* push sel */
				EMIT(e, 0x68);				/* push off */
				emit_imm(e, (u32)(e->slot_lin + rng_below(r, 0x1000)), 4);
				EMIT(e, 0x48, 0xcb);			/* retfq */
			} else {
				EMIT(e, 0xea);				/* jmp far */
				emit_imm(e, e->slot_lin - (e->bits == 16 ? e->seg_base : 0) +
					 rng_below(r, 0x1000), e->bits == 16 ? 2 : 4);
				emit_imm(e, rng_below(r, 0x60), 2);
			}
			break;
		case 1:		/* iret with what is on the stack */
			EMIT(e, 0x48, 0xcf);
			break;
		default:	/* syscall, sysenter, sysret, sysexit */
			EMIT(e, 0x0f, 0x05 + 2 * rng_below(r, 2) + 0x2f * rng_below(r, 2));
			break;
		}
		break;
	default:	/* pushf/popf with random flags */
		EMIT(e, 0x68);
		emit_imm(e, gen_bits(r, 0x247fd7), e->bits == 16 ? 2 : 4);
		EMIT(e, 0x9d);
		break;
	}
}

/* Instructions that exit, fault or are emulated, as raw bytes. */
static const u8 fixed_insns[][5] = {
	{ 1, 0xf4 },			/* hlt */
	{ 1, 0xcc },			/* int3 */
	{ 1, 0xf1 },			/* int1 */
	{ 1, 0xce },			/* into */
	{ 2, 0x0f, 0x0b },		/* ud2 */
	{ 1, 0xfb },			/* sti */
	{ 1, 0xfa },			/* cli */
	{ 2, 0x0f, 0x06 },		/* clts */
	{ 2, 0x0f, 0x09 },		/* wbinvd */
	{ 2, 0x0f, 0x08 },		/* invd */
	{ 2, 0x0f, 0x31 },		/* rdtsc */
	{ 3, 0x0f, 0x01, 0xf9 },	/* rdtscp */
	{ 2, 0x0f, 0x33 },		/* rdpmc */
	{ 4, 0xf3, 0x0f, 0xc7, 0xf8 },	/* rdpid */
	{ 2, 0xf3, 0x90 },		/* pause */
	{ 3, 0x0f, 0x01, 0xf8 },	/* swapgs */
	{ 3, 0x0f, 0x01, 0xd9 },	/* vmmcall */
	{ 3, 0x0f, 0x01, 0xc1 },	/* vmcall */
	{ 3, 0x0f, 0x01, 0xd8 },	/* vmrun */
	{ 3, 0x0f, 0x01, 0xda },	/* vmload */
	{ 3, 0x0f, 0x01, 0xdb },	/* vmsave */
	{ 3, 0x0f, 0x01, 0xdc },	/* stgi */
	{ 3, 0x0f, 0x01, 0xdd },	/* clgi */
	{ 3, 0x0f, 0x01, 0xde },	/* skinit */
	{ 3, 0x0f, 0x01, 0xdf },	/* invlpga */
	{ 4, 0xf3, 0x0f, 0xc7, 0x30 },	/* vmxon [rax] */
	{ 3, 0x0f, 0x01, 0xc2 },	/* vmlaunch */
	{ 3, 0x0f, 0x01, 0xc3 },	/* vmresume */
	{ 3, 0x0f, 0x01, 0xc4 },	/* vmxoff */
	{ 3, 0x0f, 0x01, 0xc8 },	/* monitor */
	{ 3, 0x0f, 0x01, 0xc9 },	/* mwait */
	{ 3, 0x0f, 0x01, 0xca },	/* clac */
	{ 3, 0x0f, 0x01, 0xcb },	/* stac */
	{ 3, 0x0f, 0xc7, 0xf0 },	/* rdrand eax */
	{ 3, 0x0f, 0x01, 0xe0 },	/* smsw eax */
	{ 3, 0x0f, 0x01, 0xf0 },	/* lmsw ax */
	{ 3, 0x0f, 0xae, 0x20 },	/* xsave [rax] */
	{ 3, 0x0f, 0xae, 0x28 },	/* xrstor [rax] */
	{ 3, 0x0f, 0xae, 0x00 },	/* fxsave [rax] */
	{ 3, 0x0f, 0xae, 0x08 },	/* fxrstor [rax] */
	{ 3, 0xc5, 0xf8, 0x77 },	/* vzeroupper */
	{ 4, 0xc5, 0xfd, 0x6f, 0xc1 },	/* vmovdqa ymm0, ymm1 */
	{ 2, 0xdb, 0xe3 },		/* fninit */
	{ 2, 0xd9, 0xe8 },		/* fld1 */
	{ 3, 0x0f, 0xae, 0x38 },	/* clflush [rax] */
	{ 3, 0x0f, 0xae, 0xf0 },	/* mfence */
	{ 2, 0xcd, 0x80 },		/* int 0x80 */
	{ 2, 0xcd, 0x0e },		/* int 14 */
	{ 2, 0xcd, 0x12 },		/* int 18 (#MC vector) */
	{ 2, 0xcd, 0x08 },		/* int 8 */
	{ 1, 0x0e },			/* push cs */
	{ 2, 0x0f, 0xa1 },		/* pop fs */
	{ 1, 0x17 },			/* pop ss */
	{ 2, 0xeb, 0xfe },		/* jmp $ (spin until a signal) */
	{ 4, 0x66, 0x0f, 0x38, 0x80 },	/* invept (with what follows) */
	{ 4, 0x66, 0x0f, 0x38, 0x82 },	/* invpcid */
	{ 4, 0xf3, 0x0f, 0x1e, 0xfa },	/* endbr64 */
	{ 3, 0x0f, 0x01, 0xd6 },	/* xtest */
	{ 3, 0x0f, 0x01, 0xee },	/* rdpkru */
};

static void snippet_fixed(struct emit *e)
{
	const u8 *ins = fixed_insns[rng_below(e->r, ARRAY_SIZE(fixed_insns))];

	if (ins[1] == 0x0f && ins[2] == 0xae && ins[3] < 0x40)
		mov_imm(e, 0, gen_addr(e));
	emit_bytes(e, ins + 1, ins[0]);
}

static void snippet_random(struct emit *e)
{
	struct rng *r = e->r;
	static const u8 prefixes[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e,
				       0x3e, 0x26, 0x64, 0x65, 0x36 };
	u8 b[16];
	size_t n = 1 + rng_below(r, 8);

	rng_bytes(r, b, sizeof(b));
	if (rng_one_in(r, 2))
		b[0] = prefixes[rng_below(r, ARRAY_SIZE(prefixes))];
	if (e->bits == 64 && rng_one_in(r, 3))
		b[0] = 0x40 + rng_below(r, 16);
	if (rng_one_in(r, 3))
		b[n > 1 ? 1 : 0] = 0x0f;
	emit_bytes(e, b, n);
}

static void snippet_jump(struct emit *e)
{
	struct rng *r = e->r;

	switch (rng_below(r, 3)) {
	case 0:
		EMIT(e, 0xeb, (u8)(rng_below(r, 32) - 8));	/* jmp short */
		break;
	case 1:
		mov_imm(e, 1, rng_below(r, 50));
		EMIT(e, 0xe2, 0xfe);				/* loop $ */
		break;
	default:
		EMIT(e, 0x70 + rng_below(r, 16), (u8)rng_below(r, 24));
		break;
	}
}

void guest_code(struct rng *r, u8 *buf, size_t len, int bits, u64 slot_lin,
		u64 size, u64 mmio)
{
	struct emit e = {
		.r = r, .p = buf, .end = buf + len, .bits = bits,
		.slot_lin = slot_lin, .size = size, .seg_base = slot_lin,
		.mmio_lin = { mmio, slot_lin + size, 0xfee00000 },
	};

	while (room(&e, 24)) {
		switch (rng_below(r, 20)) {
		case 0: case 1: case 2: case 3:
			snippet_pio(&e);
			break;
		case 4: case 5: case 6: case 7: case 8:
			snippet_mmio(&e);
			break;
		case 9: case 10: case 11: case 12:
			snippet_system(&e);
			break;
		case 13: case 14: case 15:
			snippet_fixed(&e);
			break;
		case 16:
			snippet_jump(&e);
			break;
		default:
			snippet_random(&e);
			break;
		}
	}
	/* Whatever is left: HLT, so a guest that gets here exits. */
	while (e.p < e.end)
		*e.p++ = 0xf4;
}

/* ---- page tables ---- */

struct pt {
	u8 *mem;
	u64 gpa, size;
	u64 next, end;		/* table pool: slot offsets */
	int levels;		/* 2 (32-bit), 3 (PAE), 4 (long) */
	int esz;		/* entry size: 4 or 8 */
	u64 root;		/* guest-physical address of the top table */
};

static int pt_shift(const struct pt *t, int level)
{
	return t->esz == 4 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
}

static u64 pt_alloc(struct pt *t)
{
	u64 off = t->next;

	if (off + PAGE_SIZE > t->end)
		return 0;
	t->next += PAGE_SIZE;
	memset(t->mem + off, 0, PAGE_SIZE);
	return t->gpa + off;
}

static u64 pt_read(const struct pt *t, u64 table, unsigned int idx)
{
	u64 off = table - t->gpa + idx * t->esz;
	u64 v = 0;

	memcpy(&v, t->mem + off, t->esz);
	return v;
}

static void pt_write(struct pt *t, u64 table, unsigned int idx, u64 v)
{
	memcpy(t->mem + (table - t->gpa) + idx * t->esz, &v, t->esz);
}

/* Map @lin to @phys with a leaf at @leaf_level (1: 4K). */
static void pt_map(struct pt *t, u64 lin, u64 phys, int leaf_level, u64 flags)
{
	u64 table = t->root, e;
	int level, nbits;

	for (level = t->levels; level > leaf_level; level--) {
		nbits = t->esz == 4 ? 10 : 9;
		e = pt_read(t, table, (lin >> pt_shift(t, level)) & ((1U << nbits) - 1));
		if (!(e & 1)) {
			u64 next = pt_alloc(t);

			if (!next)
				return;
			/* PAE's PDPTEs take no RW/US bits. */
			e = next | (t->levels == 3 && level == 3 ? 1 : 7);
			pt_write(t, table, (lin >> pt_shift(t, level)) &
				 ((1U << nbits) - 1), e);
		} else if (e & 0x80) {
			return;		/* a large page is already there */
		}
		table = e & 0x000ffffffffff000ULL & (t->esz == 4 ? 0xfffff000 : ~0ULL);
		if (table < t->gpa || table >= t->gpa + t->size)
			return;		/* not one of ours */
	}
	nbits = t->esz == 4 ? 10 : 9;
	pt_write(t, table, (lin >> pt_shift(t, leaf_level)) & ((1U << nbits) - 1),
		 phys | flags | (leaf_level > 1 ? 0x80 : 0));
}

static void build_tables(struct rng *r, struct pt *t, u64 lin, u64 mmio,
			 bool bits64)
{
	u64 off, flags, mask = t->esz == 4 ? 0xffffffffULL : 0x000fffffffffffffULL;
	int i;

	t->next = OFF_PT;
	t->end = OFF_PT_END;
	t->root = pt_alloc(t);
	for (off = 0; off < t->size; off += PAGE_SIZE) {
		flags = 7;
		if (rng_one_in(r, 64))
			flags = gen_bits(r, 0x8000000000000fffULL) | 1;
		pt_map(t, lin + off, t->gpa + off, 1, flags & mask);
	}
	/* The MMIO page, identity-mapped when the address allows it. */
	if (!bits64 || mmio < (1ULL << 47))
		pt_map(t, mmio & mask & ~0xfffULL, mmio & ~0xfffULL, 1, 7);
	pt_map(t, 0xfee00000, 0xfee00000, 1, 0x1f);
	/* Random extras: large pages, aliases of the tables, bad entries. */
	for (i = rng_below(r, 6); i > 0; i--) {
		u64 l = gen_u64(r) & ~0xfffULL & (bits64 ? 0x7fffffffffffULL : 0xffffffffULL);
		u64 p = rng_one_in(r, 2) ? t->gpa + (rng_below(r, t->size) & ~0xfffULL) :
					   gen_u64(r) & ~0xfffULL;
		int level = 1 + rng_below(r, t->levels == 4 ? 3 : 2);

		if (level > 1)
			p &= ~((1ULL << pt_shift(t, level)) - 1);
		pt_map(t, l, p & mask, level, (rng_one_in(r, 4) ? gen_bits(r, 0xfff) : 0) | 7);
	}
}

/* ---- descriptors ---- */

static void seg_set(struct hv_segment *s, u16 sel, u64 base, u32 limit,
		    u8 type, u8 sflag, u8 dpl, u8 db, u8 l, u8 g)
{
	*s = (struct hv_segment) {
		.base = base, .limit = limit, .selector = sel, .type = type,
		.present = 1, .dpl = dpl, .db = db, .s = sflag, .l = l, .g = g,
	};
}

static u64 gdt_desc(const struct hv_segment *s)
{
	u32 limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffffULL) | (s->base & 0xffffffULL) << 16 |
	       (u64)(s->type & 0xf) << 40 | (u64)s->s << 44 |
	       (u64)(s->dpl & 3) << 45 | (u64)s->present << 47 |
	       (u64)((limit >> 16) & 0xf) << 48 | (u64)s->l << 53 |
	       (u64)s->db << 54 | (u64)s->g << 55 |
	       ((s->base >> 24) & 0xffULL) << 56;
}

static void write_gdt(struct rng *r, u8 *gdt, u64 tss_base, bool tss64)
{
	u64 d[GDT_ENTRIES] = { 0 };
	struct hv_segment s;
	int i;

	seg_set(&s, 0, 0, 0xffffffff, 0xb, 1, 0, 0, 1, 1);
	d[SEL_CODE64 >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffffffff, 0x3, 1, 0, 1, 0, 1);
	d[SEL_DATA >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffffffff, 0xb, 1, 0, 1, 0, 1);
	d[SEL_CODE32 >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffff, 0xb, 1, 0, 0, 0, 0);
	d[SEL_CODE16 >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffff, 0x3, 1, 0, 0, 0, 0);
	d[SEL_DATA16 >> 3] = gdt_desc(&s);
	seg_set(&s, 0, tss_base, 0x67, tss64 ? 0x9 : 0x9, 0, 0, 0, 0, 0);
	d[SEL_TSS >> 3] = gdt_desc(&s);
	d[(SEL_TSS >> 3) + 1] = tss_base >> 32;
	seg_set(&s, 0, 0, 0xffffffff, 0xb, 1, 3, 0, 1, 1);
	d[SEL_UCODE64 >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffffffff, 0x3, 1, 3, 1, 0, 1);
	d[SEL_UDATA >> 3] = gdt_desc(&s);
	seg_set(&s, 0, 0, 0xffffffff, 0xb, 1, 3, 1, 0, 1);
	d[SEL_UCODE32 >> 3] = gdt_desc(&s);
	for (i = rng_below(r, 3); i > 0; i--)
		d[rng_below(r, GDT_ENTRIES)] = rng_next(r);
	memcpy(gdt, d, sizeof(d));
}

/*
 * IDT and handlers.  Handler v skips a few bytes of whatever faulted
 * (adding to the return address), writes to port 0xe9 (an exit) and
 * returns; some vectors get a random or HLT handler instead.
 */
static void write_idt(struct rng *r, u8 *mem, u64 slot_lin, unsigned int mode)
{
	u8 *idt = mem + OFF_IDT, *h;
	u64 hlin;
	int v;

	for (v = 0; v < 256; v++) {
		bool err = (v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
			    v == 29 || v == 30) && mode != GM_REAL;
		u8 skip = 1 + rng_below(r, 4);
		struct emit e = { .r = r, .p = mem + OFF_HANDLERS + 16 * v,
				  .end = mem + OFF_HANDLERS + 16 * v + 16 };

		h = e.p;
		hlin = slot_lin + OFF_HANDLERS + 16 * v;
		if (rng_one_in(r, 16)) {
			rng_bytes(r, h, 16);
		} else if (mode == GM_LONG64 || mode == GM_COMPAT) {
			if (err)
				EMIT(&e, 0x48, 0x83, 0xc4, 0x08);
			EMIT(&e, 0x48, 0x83, 0x04, 0x24, skip, 0xe6, 0xe9, 0x48, 0xcf);
		} else if (mode == GM_REAL || mode == GM_PROT16) {
			if (err)
				EMIT(&e, 0x83, 0xc4, 0x02);
			EMIT(&e, 0x55, 0x89, 0xe5, 0x83, 0x46, 0x02, skip, 0x5d,
			     0xe6, 0xe9, 0xcf);
		} else {
			if (err)
				EMIT(&e, 0x83, 0xc4, 0x04);
			EMIT(&e, 0x83, 0x04, 0x24, skip, 0xe6, 0xe9, 0xcf);
		}
		while (e.p < e.end)
			*e.p++ = 0xf4;

		if (rng_one_in(r, 32)) {
			int esz = mode == GM_REAL ? 4 : mode == GM_LONG64 ||
				  mode == GM_COMPAT ? 16 : 8;

			rng_bytes(r, idt + esz * v, esz);
			continue;
		}
		switch (mode) {
		case GM_REAL: {
			u16 ent[2] = { (u16)(hlin & 0xf), (u16)(hlin >> 4) };

			memcpy(idt + 4 * v, ent, 4);
			break;
		}
		case GM_LONG64:
		case GM_COMPAT: {
			u64 lo = (hlin & 0xffff) | (u64)SEL_CODE64 << 16 |
				 (u64)(rng_one_in(r, 8) ? rng_below(r, 8) : 0) << 32 |
				 (u64)(rng_one_in(r, 4) ? 0x8f : 0x8e) << 40 |
				 ((hlin >> 16) & 0xffff) << 48;
			u64 hi = hlin >> 32;

			memcpy(idt + 16 * v, &lo, 8);
			memcpy(idt + 16 * v + 8, &hi, 8);
			break;
		}
		default: {
			bool g16 = mode == GM_PROT16;
			u64 d = (hlin & 0xffff) |
				(u64)(g16 ? SEL_CODE16 : SEL_CODE32) << 16 |
				(u64)(g16 ? 0x86 : 0x8e) << 40 |
				((hlin >> 16) & 0xffff) << 48;

			memcpy(idt + 8 * v, &d, 8);
			break;
		}
		}
	}
}

/* ---- the whole guest ---- */

static const u64 cr4_extras[] = {
	1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 7, 1 << 8, 1 << 9, 1 << 10,
	1 << 11, 1 << 16, 1 << 18, 1 << 20, 1 << 21,
};

static u64 gen_gpr(struct rng *r, u64 slot_lin, u64 size, u64 mmio)
{
	switch (rng_below(r, 6)) {
	case 0:
		return slot_lin + rng_below(r, size);
	case 1:
		return mmio + rng_below(r, 64);
	case 2:
		return gen_port(r);
	case 3:
		return msrs[rng_below(r, ARRAY_SIZE(msrs))];
	case 4:
		return rng_below(r, 64);
	default:
		return gen_u64(r);
	}
}

void guest_build(struct rng *r, unsigned int mode, u8 *mem, u64 gpa,
		 u64 size, u64 mmio, struct hv_sregs *sr, struct hv_regs *regs)
{
	bool layout = size >= LAYOUT_PAGES * PAGE_SIZE;
	u64 lin = gpa, entry, code_len;
	__u64 *g;
	struct pt t = { .mem = mem, .gpa = gpa, .size = size };
	int bits = 32, i;

	/* Modes without paging, and 32-bit paging, see the slot below 4G. */
	if (gpa + size > (1ULL << 32) && mode < GM_PAE)
		mode = GM_LONG64;
	if (mode == GM_COMPAT && gpa + size > (1ULL << 32))
		lin = 0x400000;
	if (mode == GM_LONG64 && gpa + size > (1ULL << 47))
		lin = 0x400000;
	if (mode == GM_VM86 && gpa >= 0x100000)
		mode = GM_REAL;
	if (!layout && mode != GM_REAL && mode != GM_RANDOM)
		mode = rng_one_in(r, 2) ? GM_REAL : GM_PROT32;

	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	sr->efer = 0;
	sr->cr0 = 0x60000010;
	sr->cr4 = 0;
	sr->cr3 = 0;
	memset(sr->interrupt_bitmap, 0, sizeof(sr->interrupt_bitmap));

	switch (mode) {
	case GM_REAL:
	case GM_VM86:
	case GM_PROT16:
		bits = 16;
		break;
	case GM_LONG64:
		bits = 64;
		break;
	default:
		break;
	}

	if (layout) {
		u8 *tss = mem + OFF_TSS;
		u64 stack = lin + OFF_STACK_TOP;

		write_gdt(r, mem + OFF_GDT, lin + OFF_TSS, bits == 64);
		memset(tss, 0, 0x68);
		if (mode == GM_LONG64 || mode == GM_COMPAT) {
			memcpy(tss + 4, &stack, 8);
			for (i = 0; i < 7; i++)
				memcpy(tss + 0x24 + 8 * i, &stack, 8);
		} else {
			u32 esp0 = (u32)stack, ss0 = SEL_DATA;

			memcpy(tss + 4, &esp0, 4);
			memcpy(tss + 8, &ss0, 4);
		}
		tss[0x66] = 0x68;
		write_idt(r, mem, lin, mode);
		entry = OFF_CODE + (rng_one_in(r, 4) ? rng_below(r, 0x100) : 0);
		code_len = PAGE_SIZE - entry;
		if (size > OFF_DATA)
			guest_code(r, mem + OFF_DATA, MIN(size - OFF_DATA, 2 * PAGE_SIZE),
				   bits, lin, size, mmio);
	} else {
		entry = 0;
		code_len = size;
	}
	guest_code(r, mem + entry, code_len, bits, lin, size, mmio);

	/*
	 * Segments: flat for protected and long modes, based at the slot
	 * for 16-bit code, whose offsets are 16 bits.
	 */
	switch (mode) {
	case GM_REAL:
		seg_set(&sr->cs, gpa < 0x100000 ? gpa >> 4 : 0xf000, gpa, 0xffff,
			0xb, 1, 0, 0, 0, 0);
		seg_set(&sr->ds, sr->cs.selector, gpa, 0xffff, 0x3, 1, 0, 0, 0, 0);
		regs->rip = entry;
		regs->rsp = OFF_STACK_TOP - 2 * rng_below(r, 8);
		break;
	case GM_VM86:
		seg_set(&sr->cs, gpa >> 4, gpa & ~0xfULL, 0xffff, 0x3, 1, 3, 0, 0, 0);
		seg_set(&sr->ds, gpa >> 4, gpa & ~0xfULL, 0xffff, 0x3, 1, 3, 0, 0, 0);
		regs->rip = entry;
		regs->rsp = OFF_STACK_TOP;
		regs->rflags |= 0x20000 | (rng_one_in(r, 2) ? 0x3000 : 0);
		sr->cr0 |= 1;
		break;
	case GM_PROT16:
		seg_set(&sr->cs, SEL_CODE16, gpa, 0xffff, 0xb, 1, 0, 0, 0, 0);
		seg_set(&sr->ds, SEL_DATA16, gpa, 0xffff, 0x3, 1, 0, 0, 0, 0);
		regs->rip = entry;
		regs->rsp = OFF_STACK_TOP;
		sr->cr0 |= 1;
		break;
	default:
		seg_set(&sr->cs, bits == 64 ? SEL_CODE64 : SEL_CODE32, 0, 0xffffffff,
			0xb, 1, 0, bits == 64 ? 0 : 1, bits == 64, 1);
		seg_set(&sr->ds, SEL_DATA, 0, 0xffffffff, 0x3, 1, 0, 1, 0, 1);
		regs->rip = lin + entry;
		regs->rsp = lin + OFF_STACK_TOP - 8 * rng_below(r, 4);
		sr->cr0 |= 1;
		break;
	}
	sr->es = sr->ds;
	sr->fs = sr->ds;
	sr->gs = sr->ds;
	sr->ss = sr->ds;
	if (mode == GM_VM86)
		sr->cs.type = 0x3;
	seg_set(&sr->tr, SEL_TSS, lin + OFF_TSS, 0x67, 0xb, 0, 0, 0, 0, 0);
	sr->ldt = (struct hv_segment) { .type = 2, .unusable = 1 };
	sr->gdt.base = lin + OFF_GDT;
	sr->gdt.limit = GDT_ENTRIES * 8 - 1;
	sr->idt.base = lin + OFF_IDT;
	sr->idt.limit = mode == GM_REAL ? 0x3ff : mode == GM_LONG64 ||
			mode == GM_COMPAT ? 0xfff : 0x7ff;

	if (layout && mode >= GM_PAGING32 && mode <= GM_COMPAT) {
		if (mode == GM_PAGING32) {
			t.levels = 2;
			t.esz = 4;
		} else if (mode == GM_PAE) {
			t.levels = 3;
			t.esz = 8;
		} else {
			t.levels = 4;
			t.esz = 8;
		}
		build_tables(r, &t, lin, mmio, t.levels == 4);
		sr->cr3 = t.root;
		sr->cr0 |= 0x80000001;
		sr->cr0 &= ~0x60000000ULL;
		if (t.levels >= 3)
			sr->cr4 |= 0x20;		/* PAE */
		if (t.levels == 4)
			sr->efer |= 0x500;		/* LME, LMA */
		if (rng_one_in(r, 2))
			sr->efer |= 0x800;		/* NX */
		if (rng_one_in(r, 2))
			sr->cr0 |= 1 << 16;		/* WP */
	}
	if (rng_one_in(r, 2))
		sr->efer |= 1;				/* SCE */
	for (i = rng_below(r, 3); i > 0; i--)
		sr->cr4 |= cr4_extras[rng_below(r, ARRAY_SIZE(cr4_extras))];
	if (rng_one_in(r, 4))
		sr->cr0 |= 1 << (rng_one_in(r, 2) ? 5 : 18);	/* NE, AM */
	sr->cr8 = rng_one_in(r, 4) ? rng_below(r, 16) : 0;
	if (mode == GM_RANDOM || rng_one_in(r, 10))
		mutate_sregs(r, sr);

	g = &regs->rax;
	for (i = 0; i < 16; i++)
		if (g + i != &regs->rsp)
			g[i] = gen_gpr(r, lin, size, mmio);
	if (rng_pct(r, 60))
		regs->rflags |= 0x200;			/* IF */
	if (rng_one_in(r, 8))
		regs->rflags |= gen_bits(r, 0x254f00);	/* TF, DF, IOPL, NT, AC, ID */
	if (mode == GM_RANDOM || rng_one_in(r, 10))
		mutate_regs(r, regs);
}
