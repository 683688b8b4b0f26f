/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv-fuzz: a fuzzer of /dev/hv (and /dev/kvm: the same ABI).
 *
 * A run is a sequence of iterations.  Iteration I is a program generated
 * from (seed, I) alone: a list of operations (ioctls on the system, VM and
 * vCPU fds with structured arguments, guest setup and runs, memory, fd,
 * signal, fork, affinity and rlimit operations), each bound to one of the
 * program's threads.  A fresh worker process runs it, its threads racing
 * each other, then exits.  Everything an operation does is derived from
 * its own seed and the state it finds, so the same (seed, I, ops) runs the
 * same operations again.  Documentation/fuzzing.md describes the design.
 */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE	4096UL
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* ---- random numbers (rand.c): xoshiro256**, seeded by splitmix64 ---- */
struct rng {
	u64 s[4];
};

void rng_seed(struct rng *r, u64 seed);
u64 rng_next(struct rng *r);
/* Uniform in [0, n); n == 0 gives 0. */
u64 rng_below(struct rng *r, u64 n);
/* True with probability 1/n. */
bool rng_one_in(struct rng *r, u64 n);
/* True with probability pct percent. */
bool rng_pct(struct rng *r, unsigned int pct);
void rng_bytes(struct rng *r, void *buf, size_t len);
u64 mix64(u64 a, u64 b);

/* Integers the kernel is likely to get wrong (args.c). */
u64 gen_u64(struct rng *r);
u32 gen_u32(struct rng *r);
/* A count near @limit: 0, 1, limit-1, limit, limit+1, 2*limit, huge... */
u64 gen_count(struct rng *r, u64 limit);
/* A value with a few of the bits of @mask set, sometimes any bits. */
u64 gen_bits(struct rng *r, u64 mask);

/* ---- the program (prog.c) ---- */
#define MAX_THREADS	4
#define NR_DEV		2
#define NR_VM		3
#define NR_VCPU		6
#define NR_MEM		6

enum op_kind {
	OP_OPEN_DEV,
	OP_CLOSE,
	OP_DUP,
	OP_SYS_IOCTL,
	OP_CREATE_VM,
	OP_VM_IOCTL,
	OP_CREATE_VCPU,
	OP_SET_MEMREGION,
	OP_VCPU_IOCTL,
	OP_MMAP_RUN,
	OP_MUNMAP_RUN,
	OP_SCRIBBLE_RUN,
	OP_GUEST_SETUP,
	OP_RUN,
	OP_MEM_MAP,
	OP_MEM_UNMAP,
	OP_MEM_REMAP,
	OP_MEM_ADVISE,
	OP_MEM_PROTECT,
	OP_MEM_WRITE,
	OP_MEM_MIGRATE,
	OP_MEM_TRUNCATE,
	OP_FORK,
	OP_SIGNAL,
	OP_AFFINITY,
	OP_RLIMIT,
	OP_SLEEP,
	OP_RANDOM_IOCTL,
	NR_OPS,
	OP_SKIPPED = 0xff	/* dropped by --skip: a no-op */
};

/* Resource classes an operation may name. */
enum res_kind { RES_DEV, RES_VM, RES_VCPU, NR_RES };

struct op {
	u8 kind;		/* enum op_kind */
	u8 thread;		/* which of the program's threads runs it */
	u8 a, b;		/* resource indices (meaning per kind) */
	u8 fail_nth;		/* fault injection: fail the Nth call (0: none) */
	u64 seed;		/* everything else */
};

struct prog {
	u64 seed;		/* the run's seed */
	u64 iter;		/* the iteration */
	int nthreads;
	int nops;
	struct op *ops;
};

const char *op_name(unsigned int kind);
/* Generate iteration @iter of @seed; at most @max_ops operations. */
void prog_generate(struct prog *p, u64 seed, u64 iter, int max_ops);
/*
 * Keep only the first @n operations (n < 0: all); make those @skip
 * marks no-ops (their numbers stay).
 */
void prog_trim(struct prog *p, int n, const bool *skip);
void prog_free(struct prog *p);
/* One line per operation: "  #k t1 op_name a b seed". */
void prog_print(const struct prog *p, const bool *skip);

/* ---- running a program (exec.c) ---- */
struct stats {
	u64 iters;
	u64 ops;
	u64 syscalls;		/* every system call an operation made */
	u64 ioctls;		/* ioctls on hv/kvm fds */
	u64 ioctl_ok;
	u64 runs;		/* HV_RUN calls */
	u64 runs_ok;		/* ... that returned 0 (an exit to userspace) */
	u64 exits[32];		/* by exit reason */
	u64 errnos[136];	/* failed ioctls by errno */
	u64 guests;		/* guests set up */
	u64 guest_modes[16];
	u64 vms, vcpus, slots;	/* created successfully */
	u64 forks, signals, faults, injected;
};

struct exec_opts {
	const char *dev;
	bool verbose;		/* print every operation with its result */
	bool fail_nth;		/* /proc/thread-self/fail-nth usable */
	bool is_kvm;
	bool tcg_safe;		/* avoid guest state that aborts QEMU's TCG */
	double op_budget;	/* seconds an iteration may run its ops */
	struct stats *stats;	/* shared with the supervisor */
};

/* Run @p in this (fresh, forked) process; returns when its threads end. */
void prog_exec(const struct prog *p, const struct exec_opts *o);

/* ---- guests (guest.c) ---- */
enum guest_mode {
	GM_REAL,
	GM_VM86,
	GM_PROT16,
	GM_PROT32,
	GM_PAGING32,
	GM_PAE,
	GM_LONG64,
	GM_COMPAT,
	GM_RANDOM,
	NR_GUEST_MODES
};

const char *guest_mode_name(unsigned int mode);
/* --tcg-safe for the guests built (guest.c says what it avoids) */
extern bool guest_tcg_safe;

/*
 * Build a guest in @mem (the host view of guest-physical [gpa, gpa+size)):
 * descriptor tables, page tables, a stack and code made of instruction
 * snippets and random bytes, for mode @mode; fill @sregs (starting from
 * the vCPU's current ones) and @regs.  @mmio is a guest-physical address
 * no slot backs, for MMIO accesses.
 */
void guest_build(struct rng *r, unsigned int mode, u8 *mem, u64 gpa,
		 u64 size, u64 mmio, struct hv_sregs *sregs,
		 struct hv_regs *regs);
/* Fill @buf with @len bytes of guest code for @bits (16, 32 or 64). */
void guest_code(struct rng *r, u8 *buf, size_t len, int bits, u64 gpa,
		u64 size, u64 mmio);

/* ---- arguments (args.c) ---- */
/* Per-thread scratch memory with a guard page and a read-only page. */
struct scratch {
	u8 *rw;			/* 2 pages, read-write */
	u8 *guard;		/* 1 page, PROT_NONE, right after rw */
	u8 *ro;			/* 1 page, read-only */
};

void scratch_init(struct scratch *s);
/*
 * A pointer for an ioctl argument of @len bytes whose valid contents are
 * at @buf (in s->rw): mostly @buf itself, sometimes NULL, a kernel or
 * non-canonical address, the guard page, a copy of it ending inside the
 * guard page, the read-only page (for output arguments), or @other
 * (another mapping of the process, which may go away meanwhile).
 */
u64 gen_ptr(struct rng *r, struct scratch *s, void *buf, size_t len,
	    void *other);

/* The cached GET_SUPPORTED_CPUID of the device (may be NULL). */
struct hv_cpuid2 *supported_cpuid(int devfd);
/* A HV_SET_CPUID2 table in @buf (at most @max bytes): returns its size. */
size_t gen_cpuid2(struct rng *r, struct hv_cpuid2 *sup, void *buf, size_t max);
void gen_xcrs(struct rng *r, struct hv_xcrs *x);
void mutate_sregs(struct rng *r, struct hv_sregs *sr);
void mutate_regs(struct rng *r, struct hv_regs *regs);
/* A KVM ioctl number (of any class) hv may or may not implement. */
unsigned long gen_ioctl_nr(struct rng *r, enum res_kind kind);

/* ---- the supervisor's oracle (oracle.c) ---- */
int kmsg_open(void);
/*
 * Read the kernel log records that came since the last call; print the
 * splats (LAB_SPLAT_RE's patterns) as "fuzz: kernel: ...".  Returns how
 * many splat lines there were; *title gets the first one's line.
 */
int kmsg_scan(int fd, char *title, size_t title_len, bool echo);
/* Memory counters for the leak check. */
struct memcount {
	long sunreclaim_kb;
	long free_kb;		/* MemFree + Cached + Buffers + SReclaimable */
};

void memcount_read(struct memcount *m);
void memory_settle(void);
bool kmemleak_available(void);
void kmemleak_clear(void);
/* Scan; print unreferenced objects; return how many mention hv or kvm. */
int kmemleak_report(const char *module);
/* Set a /proc or /sys knob, keeping the old value in @old (optional). */
bool knob_write(const char *path, const char *val, char *old, size_t oldlen);
bool fail_nth_setup(void);
void hung_task_setup(int secs);
void dump_task_stacks(int pid);

#endif /* HV_FUZZ_H */
