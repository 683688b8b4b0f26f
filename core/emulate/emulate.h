/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv's x86 instruction emulator: just enough to complete the instructions
 * guests use on MMIO, and to reach guest memory through the guest's own
 * page tables (instruction fetch, string I/O operands).
 *
 * It is vendor-neutral and has no kernel dependencies beyond <linux/types.h>
 * and <linux/errno.h>-style codes, so the same files build into hv.ko and
 * into the host-side unit tests (tools/emutest/).  It never touches the
 * vCPU directly: the caller hands it a snapshot of the state it needs
 * (struct hv_emu_cpu) and callbacks to guest-physical memory
 * (struct hv_emu_env), and copies the snapshot back when it is done.
 *
 * MMIO protocol.  hv_emu_mmio() executes the instruction at cpu->rip once.
 * Each memory access goes to the guest page tables, then to env->read_phys
 * / write_phys; when those say the address is not RAM (-ENOENT), the
 * access is MMIO, and the emulator stops with HV_EMU_MMIO and the access
 * in emu->req.  The caller exits to userspace, and on the next run calls
 * hv_emu_mmio_complete() with the data for a read, then hv_emu_mmio()
 * again: the instruction is executed again from the start, and every
 * MMIO access already done is answered from emu's log instead of exiting
 * again (a write is never repeated).  cpu is only modified when the
 * instruction completes (HV_EMU_DONE), so re-execution is exact.
 *
 * An MMIO write needs no answer, and it is the last access of every
 * instruction supported (a store, the write of a read-modify-write, a
 * string element's): so the pass that meets it goes on to the end without
 * touching memory again, keeps the registers it ends with in emu, and
 * stops with HV_EMU_MMIO for the write.  The call after its completion
 * then finishes the instruction from emu without fetching, decoding or
 * translating it again, provided the registers are still those the pass
 * began with (userspace may have set others meanwhile: then the
 * instruction is executed again, as above).  A pass that would touch
 * memory after such a write stops there instead, and is executed again.
 */
#ifndef HV_CORE_EMULATE_H
#define HV_CORE_EMULATE_H

#include <linux/bits.h>
#include <linux/types.h>

/* General-purpose registers in encoding order (ModRM reg / REX.B). */
enum hv_gpr {
	HV_RAX, HV_RCX, HV_RDX, HV_RBX, HV_RSP, HV_RBP, HV_RSI, HV_RDI,
	HV_R8, HV_R9, HV_R10, HV_R11, HV_R12, HV_R13, HV_R14, HV_R15,
	HV_NR_GPRS
};

/* Segment registers in encoding order (Sreg field of MOV Sreg). */
enum hv_sreg {
	HV_ES, HV_CS, HV_SS, HV_DS, HV_FS, HV_GS, HV_NR_SREGS
};

struct hv_emu_seg {
	u64 base;
	u32 limit;
	u8 db;			/* default operand/address size 32 (CS), B (SS) */
	u8 l;			/* CS only: 64-bit code segment */
};

/* What the emulator reads and writes of a vCPU. */
struct hv_emu_cpu {
	u64 gpr[HV_NR_GPRS];
	u64 rip;
	u64 rflags;
	u64 cr0, cr2, cr3, cr4, efer;
	struct hv_emu_seg seg[HV_NR_SREGS];
	u8 cpl;
};

/* Guest-physical memory, as the core sees it through the memslots. */
struct hv_emu_env {
	void *ctx;
	/*
	 * Copy @len bytes (never crossing a page) from/to guest RAM at @gpa.
	 * Return 0, or -ENOENT if @gpa is not RAM (MMIO, or a write to a
	 * read-only slot for write_phys), or another -errno on host failure.
	 */
	int (*read_phys)(void *ctx, u64 gpa, void *buf, unsigned int len);
	int (*write_phys)(void *ctx, u64 gpa, const void *buf,
			  unsigned int len);
};

/* Access kinds for the page walk (they shape the #PF error code). */
#define HV_ACC_WRITE	BIT(1)
#define HV_ACC_USER	BIT(2)
#define HV_ACC_FETCH	BIT(4)

/* An exception for the caller to inject into the guest. */
struct hv_emu_exception {
	u8 vector;		/* 13 (#GP), 14 (#PF), 6 (#UD) ... */
	bool has_error_code;
	u32 error_code;
	u64 cr2;		/* #PF only: the faulting linear address */
	/*
	 * Not part of the exception: when hv_emu_translate() or
	 * hv_emu_{read,write}_linear() return HV_EMU_ERROR, the -errno
	 * (-ENOENT: the page is not RAM; -EFAULT: a paging-structure entry
	 * is not in RAM; or what an env callback returned).
	 */
	int err;
};

enum hv_emu_status {
	HV_EMU_DONE,		/* completed: cpu updated, rip advanced */
	HV_EMU_MMIO,		/* emu->req is an MMIO access for userspace */
	HV_EMU_EXCEPTION,	/* inject emu->exc; cpu unchanged */
	HV_EMU_UNHANDLED,	/* outside the supported set: emu->insn_* */
	HV_EMU_ERROR,		/* env callback failed (emu->err is -errno) */
};

struct hv_emu_mmio_req {
	u64 gpa;
	u32 len;		/* 1..8 (a piece of a split access); in one page */
	bool is_write;
	u8 data[8];		/* write: the bytes; read: filled on complete */
};

#define HV_EMU_MAX_INSN		15
#define HV_EMU_MAX_LOG		4	/* MMIO accesses per instruction */

/*
 * Per-vCPU emulator state.  Zero it (hv_emu_reset) when the vCPU is
 * created and whenever the instruction in flight is abandoned.
 */
struct hv_emu {
	/* the instruction in flight, as fetched */
	u64 insn_rip;
	u8 insn_bytes[HV_EMU_MAX_INSN];
	u8 insn_len;		/* bytes fetched (valid in insn_bytes) */

	/* MMIO accesses of this instruction, in order */
	struct hv_emu_mmio_req log[HV_EMU_MAX_LOG];
	u8 nr_log;		/* accesses completed */
	bool pending;		/* log[nr_log] is the access in emu->req */

	/*
	 * A pass that ended after leaving its last access, a write, pending:
	 * the registers it began with and those it ended with.
	 */
	bool done;
	u64 done_rip, done_rflags, start_rflags;
	u64 done_gpr[HV_NR_GPRS], start_gpr[HV_NR_GPRS];

	struct hv_emu_mmio_req req;	/* HV_EMU_MMIO */
	struct hv_emu_exception exc;	/* HV_EMU_EXCEPTION */
	int err;			/* HV_EMU_ERROR */
};

void hv_emu_reset(struct hv_emu *emu);

/*
 * Execute the instruction at cpu->rip, which touched MMIO (or will).
 * REP string instructions run one element per call and leave rip on the
 * instruction until RCX reaches 0, as hardware would on an interrupt: the
 * caller simply calls again.
 */
enum hv_emu_status hv_emu_mmio(struct hv_emu *emu, struct hv_emu_cpu *cpu,
			       const struct hv_emu_env *env);

/* Userspace finished emu->req; @data holds the bytes read (len of req). */
void hv_emu_mmio_complete(struct hv_emu *emu, const void *data);

/*
 * Translate a linear address through the guest's paging mode (none,
 * 32-bit, PAE, 4-level; 4K/2M/4M/1G pages; A/D bits are not set).
 * Returns 0, HV_EMU_EXCEPTION with *exc filled (#PF), or HV_EMU_ERROR.
 */
int hv_emu_translate(const struct hv_emu_cpu *cpu,
		     const struct hv_emu_env *env, u64 la, u32 access,
		     u64 *gpa, struct hv_emu_exception *exc);

/*
 * Copy to/from guest linear memory at @la (the caller has applied the
 * segment base; page crossings handled), for string I/O.  Same returns as
 * translate (plus #GP(0) for a non-canonical @la in long mode); an MMIO
 * page gives HV_EMU_ERROR with exc->err = -ENOENT.
 */
int hv_emu_read_linear(const struct hv_emu_cpu *cpu,
		       const struct hv_emu_env *env, u64 la, void *buf,
		       unsigned int len, struct hv_emu_exception *exc);
int hv_emu_write_linear(const struct hv_emu_cpu *cpu,
			const struct hv_emu_env *env, u64 la, const void *buf,
			unsigned int len, struct hv_emu_exception *exc);

#endif /* HV_CORE_EMULATE_H */
