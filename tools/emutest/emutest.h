/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side unit tests of hv's instruction emulator: the shared test
 * framework (KTAP output, checks), the fake environment (flat guest RAM,
 * a ROM range, an MMIO device that records every access, a range whose
 * accesses fail) and helpers to set up a vCPU in each mode.
 *
 * The architectural constants are spelled out again here, from the SDM,
 * rather than taken from the emulator's private header: a test should
 * not share a mistake with the code it checks.
 */
#ifndef EMUTEST_H
#define EMUTEST_H

#include <linux/types.h>
#include <stdio.h>

#include "emulate.h"

/* Guest-physical layout of the fake environment. */
#define RAM_SIZE	(8u << 20)
#define MMIO_BASE	0xd0000000ULL	/* the recording device (and any hole) */
#define ROM_BASE	0xe0000000ULL	/* readable; writes are -ENOENT */
#define ROM_SIZE	0x10000u
#define BAD_BASE	0xf0000000ULL	/* every access fails with -EIO */
#define BAD_SIZE	0x10000u
#define VGA_BASE	0xa0000ULL	/* a hole in RAM: MMIO too */
#define VGA_SIZE	0x20000u

#define CODE		0x1000ULL	/* default rip / code address */
#define PT_BASE		0x100000ULL	/* page tables of setup_long() */
#define PT_POOL		0x180000ULL	/* tables allocated by map_4k() */
#define DATA		0x200000ULL	/* free RAM for test data */

/* CR0, CR4, EFER, RFLAGS bits (SDM Vol 3A 2.5, 2.2.1; Vol 1 3.4.3). */
#define CR0_PE		BIT_ULL(0)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define CR4_SMEP	BIT_ULL(20)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NXE	BIT_ULL(11)
#define FL_CF		BIT_ULL(0)
#define FL_PF		BIT_ULL(2)
#define FL_AF		BIT_ULL(4)
#define FL_ZF		BIT_ULL(6)
#define FL_SF		BIT_ULL(7)
#define FL_IF		BIT_ULL(9)
#define FL_DF		BIT_ULL(10)
#define FL_OF		BIT_ULL(11)
#define FL_ARITH	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Paging-structure entry bits (SDM Vol 3A 4.3-4.5). */
#define P_P		BIT_ULL(0)
#define P_RW		BIT_ULL(1)
#define P_US		BIT_ULL(2)
#define P_PS		BIT_ULL(7)
#define P_XD		BIT_ULL(63)
#define P_ALL		(P_P | P_RW | P_US)

/* #PF error code (SDM Vol 3A 4.7). */
#define PF_P		0x01u
#define PF_W		0x02u
#define PF_U		0x04u
#define PF_RSVD		0x08u
#define PF_I		0x10u

/* One access seen by the MMIO device. */
struct rec {
	u64 gpa;
	u32 len;
	bool write;
	u64 data;
};

extern struct hv_emu emu;
extern struct hv_emu_cpu cpu;
extern const struct hv_emu_env env;
extern u8 *ram;
extern u8 mmio_mem[0x10000];
extern struct rec recs[64];
extern int nrec;		/* accesses the device saw */
extern int ncalls;		/* hv_emu_mmio() calls of the last run() */
extern int nram_writes;		/* write_phys calls that hit RAM */

/* Data the device returns for its next reads (else it reads mmio_mem). */
void mmio_queue(u64 data);

/* Framework. */
void begin(const char *fmt, ...) __printf(1, 2);
void end(void);
void fail(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);
void diag(const char *fmt, ...) __printf(1, 2);

#define CHECK(cond) do {						\
	if (!(cond))							\
		fail(__FILE__, __LINE__, "%s", #cond);			\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long _a = (a), _b = (b);				\
	if (_a != _b)							\
		fail(__FILE__, __LINE__, "%s == %#llx, expected %#llx",	\
		     #a, _a, _b);					\
} while (0)

/* vCPU setups; each also resets the environment and the emulator. */
void setup_real(void);
void setup_pm(bool db);
void setup_long(void);

/* Place instruction bytes at the current rip (identity-mapped setups). */
void put_code(const void *bytes, unsigned int len);
#define CODE_BYTES(s)	put_code(s, sizeof(s) - 1)

/* Long-mode mapping of one 4-KiB page in setup_long()'s tables. */
u64 *map_4k(u64 la, u64 gpa, u64 flags);

/* Run hv_emu_mmio() to completion, serving MMIO from the device. */
enum hv_emu_status run(void);
/* The same, for a REP string instruction: until rip moves or it fails. */
enum hv_emu_status run_rep(int max_elems, int *elems);

/* Check the n-th access the device saw, and how many it saw. */
void check_rec(const char *file, int line, int i, u64 gpa, u32 len,
	       bool write, u64 data);
#define CHECK_REC(i, gpa, len, w, data) \
	check_rec(__FILE__, __LINE__, i, gpa, len, w, data)

/* The snapshot run() takes of cpu before it starts. */
extern struct hv_emu_cpu cpu_before;
/* Check the GPRs other than those in @mask are those of the snapshot. */
void check_other_gprs(const char *file, int line, unsigned int mask);
#define CHECK_OTHER_GPRS(mask) check_other_gprs(__FILE__, __LINE__, mask)

u64 rd64(u64 gpa);
void wr64(u64 gpa, u64 val);
u32 rd32(u64 gpa);
void wr32(u64 gpa, u32 val);

/* Test groups. */
void test_walk(void);
void test_decode(void);
void test_alu(void);
void test_string(void);
void test_protocol(void);

#endif /* EMUTEST_H */
