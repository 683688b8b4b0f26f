// SPDX-License-Identifier: GPL-2.0
/*
 * Running a program: one worker process, the program's threads racing
 * each other over a shared table of resources (device, VM and vCPU fds,
 * mapped run structures, guest memory regions at fixed addresses, memory
 * slots).  An operation that names a resource someone closed gets EBADF,
 * as it should; one that touches memory someone unmapped gets SIGSEGV or
 * SIGBUS, caught and counted.  The worker is disposable: the supervisor
 * kills it if it overruns, and its exit closes whatever is left open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fuzz.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

/*
 * Guest memory regions live at fixed addresses: region i in the 1 GiB
 * window at MEM_WINDOW(i), at its start or half-way (after a move).
 */
#define MEM_BASE		0x100000000000ULL
#define MEM_WINDOW(i)		(MEM_BASE + (u64)(i) * 0x40000000ULL)
#define MEM_ALT			0x20000000ULL
#define NR_SLOTREC		8

enum mem_type { MT_ANON, MT_SHARED, MT_MEMFD, MT_MEMFD_PRIVATE, MT_RO,
		MT_NONE, NR_MT };

struct mem_region {
	u8 *addr;		/* NULL: not mapped */
	u64 size;
	int memfd;
	int type;
};

struct slotrec {
	bool valid;
	u32 slot;
	u64 gpa, size;
	int mem;		/* region it was made from */
	u64 offset;		/* into the region */
};

static struct {
	const struct exec_opts *o;
	const struct prog *p;
	int fds[NR_RES][NR_VCPU];
	int vcpu_vm[NR_VCPU];
	struct hv_run *run[NR_VCPU];
	size_t run_size;
	struct mem_region mem[NR_MEM];
	struct slotrec slots[NR_VM][NR_SLOTREC];
	pthread_mutex_t lock;	/* mem[] and slots[] bookkeeping */
	pthread_t threads[MAX_THREADS];
	pid_t tids[MAX_THREADS];
	pid_t children[64];
	int nchildren;
	int selfmem;		/* /proc/self/mem */
	double t0;
	int ncpus;
} W;

static const int nres[NR_RES] = { NR_DEV, NR_VM, NR_VCPU };

struct tctx {
	int id;
	struct scratch s;
	sigjmp_buf jb;
	volatile int guarded;
	timer_t timer;
	bool have_timer;
	int fail_fd;
	int pending_fail;
	const struct op *op;
};

static __thread struct tctx *T;

#define STAT_ADD(field, n) \
	__atomic_fetch_add(&W.o->stats->field, (n), __ATOMIC_RELAXED)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool out_of_time(void)
{
	return now() - W.t0 > W.o->op_budget;
}

static void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vlog(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!W.o->verbose)
		return;
	n = snprintf(buf, sizeof(buf), "fuzz:   t%d #%ld %s: ", T ? T->id : -1,
		     T && T->op ? (long)(T->op - W.p->ops) : -1L,
		     T && T->op ? op_name(T->op->kind) : "-");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	puts(buf);
	fflush(stdout);
}

/* ---- resources ---- */

static int res_get(int kind, int idx)
{
	return __atomic_load_n(&W.fds[kind][idx % nres[kind]], __ATOMIC_ACQUIRE);
}

/* Install @fd in a slot; the fd it replaces is closed. */
static void res_put(int kind, int idx, int fd)
{
	int old = __atomic_exchange_n(&W.fds[kind][idx % nres[kind]], fd,
				      __ATOMIC_ACQ_REL);

	if (old >= 0)
		close(old);
}

static struct hv_run *run_get(int idx)
{
	return __atomic_load_n(&W.run[idx % NR_VCPU], __ATOMIC_ACQUIRE);
}

/* ---- system calls on the device ---- */

static void fail_nth_arm(void)
{
	char buf[16];
	int n;

	if (!T->pending_fail || T->fail_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d", T->pending_fail);
	if (pwrite(T->fail_fd, buf, n, 0) == n)
		STAT_ADD(injected, 1);
	T->pending_fail = 0;
}

static void fail_nth_disarm(void)
{
	if (T->fail_fd >= 0 && pwrite(T->fail_fd, "0", 1, 0) < 0)
		T->fail_fd = -1;
}

/* An ioctl on a device fd: counted, errno recorded; never on 0-2. */
static long xioctl(int fd, unsigned long req, u64 arg)
{
	long r;
	int e;

	if (fd < 3) {
		errno = EBADF;
		return -1;
	}
	fail_nth_arm();
	r = ioctl(fd, req, (unsigned long)arg);
	e = errno;
	fail_nth_disarm();
	STAT_ADD(ioctls, 1);
	STAT_ADD(syscalls, 1);
	if (r >= 0)
		STAT_ADD(ioctl_ok, 1);
	else if (e > 0 && e < 136)
		STAT_ADD(errnos[e], 1);
	errno = e;
	return r;
}

/* ---- guarded memory access ---- */

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (T && T->guarded) {
		T->guarded = 0;
		siglongjmp(T->jb, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run @stmt; a SIGSEGV/SIGBUS inside it is caught and counted. */
#define GUARDED(stmt) do {						\
	if (!sigsetjmp(T->jb, 1)) {					\
		T->guarded = 1;						\
		stmt;							\
		T->guarded = 0;						\
	} else {							\
		STAT_ADD(faults, 1);					\
	}								\
} while (0)

static void nop_handler(int sig)
{
	(void)sig;
}

/*
 * QEMU's TCG (the AMD-V lane's emulator) aborts the whole emulated machine
 * when a guest takes an interrupt through a TR that is not present, or,
 * outside long mode with a stack switch, whose type is not an available
 * TSS (cpu_abort "invalid tss" / "invalid tss type" in
 * target/i386/tcg/seg_helper.c, QEMU 7.2).  A busy TSS (type 11, the reset
 * state's) is what hardware holds there, and what VMRUN hands QEMU from the
 * VMCB.  With --tcg-safe every SET_SREGS the fuzzer makes gets a present
 * TR of type 1 or 9 instead: hardware would not care, the lane would die.
 */
static void tcg_safe_sregs(struct hv_sregs *sr)
{
	if (!W.o->tcg_safe)
		return;
	sr->tr.present = 1;
	sr->tr.type = (sr->tr.type & 8) | 1;
	/* No EFER.LME with paging off unless PAE is on (guest.c). */
	if ((sr->efer & (1ULL << 8)) && !(sr->cr0 & (1ULL << 31)))
		sr->cr4 |= 1ULL << 5;
}

/*
 * QEMU's VMRUN also refuses to inject exception vector 31, which
 * hardware takes (APM Vol. 2, 15.20 forbids only NMI's vector 2), and a
 * VMRUN that fails that late can leave the emulated host with the guest's
 * CR0 (Documentation/fuzzing.md).  hv checks what hardware checks before
 * VMRUN (svm/run.c); QEMU's extra rule is kept away here.
 */
static void tcg_safe_events(struct hv_vcpu_events *ev)
{
	if (W.o->tcg_safe && ev->exception.nr == 31)
		ev->exception.nr = 30;
}

static void tcg_safe_vcpu(int fd);

/* ---- operations ---- */

static const u64 caps[] = { 0, 1, 3, 7, 9, 10, 16, 21, 30, 40, 56, 66, 81,
			    105, 118, 128, 136, 2, 4, 15, 22, 25, 38, 64, 123,
			    174, 200, 231, 0xffffffff };

static u64 gen_cap(struct rng *r)
{
	return rng_pct(r, 80) ? caps[rng_below(r, ARRAY_SIZE(caps))] : gen_u64(r);
}

/* A random blob argument for an ioctl that takes a pointer. */
static u64 gen_blob_arg(struct rng *r, unsigned long nr)
{
	size_t len = _IOC_SIZE(nr);

	if (_IOC_DIR(nr) == _IOC_NONE && !rng_one_in(r, 4))
		return gen_u64(r);
	if (!len || len > PAGE_SIZE)
		len = PAGE_SIZE;
	rng_bytes(r, T->s.rw, len);
	/* Small counts in the first words: many KVM structures start with one. */
	if (rng_one_in(r, 2))
		*(u32 *)T->s.rw = (u32)gen_count(r, 16);
	if (_IOC_NR(nr) == _IOC_NR(HV_SET_SREGS) && _IOC_TYPE(nr) == HVIO)
		tcg_safe_sregs((void *)T->s.rw);
	if (_IOC_NR(nr) == _IOC_NR(HV_SET_VCPU_EVENTS) && _IOC_TYPE(nr) == HVIO)
		tcg_safe_events((void *)T->s.rw);
	return gen_ptr(r, &T->s, T->s.rw, len,
		       W.o->tcg_safe ? NULL : run_get(rng_below(r, NR_VCPU)));
}

static void op_open_dev(const struct op *op, struct rng *r)
{
	int fd = open(W.o->dev, O_RDWR | (rng_one_in(r, 8) ? 0 : O_CLOEXEC));

	STAT_ADD(syscalls, 1);
	vlog("open -> %d", fd);
	if (fd >= 0)
		res_put(RES_DEV, op->a, fd);
}

static void op_close(const struct op *op, struct rng *r)
{
	int kind = op->a % NR_RES;
	int fd = __atomic_exchange_n(&W.fds[kind][op->b % nres[kind]], -1,
				     __ATOMIC_ACQ_REL);

	(void)r;
	vlog("close kind %d slot %d fd %d", kind, op->b % nres[kind], fd);
	if (fd >= 0)
		close(fd);
	STAT_ADD(syscalls, 1);
}

static void op_dup(const struct op *op, struct rng *r)
{
	int kind = op->a % NR_RES;
	int from = res_get(kind, op->b), to = res_get(kind, op->b + 1), fd;

	if (from < 0)
		return;
	if (to >= 3 && rng_one_in(r, 2)) {
		/* dup2 over the other slot's fd: it now names another object. */
		fd = dup2(from, to);
		vlog("dup2 %d -> %d = %d", from, to, fd);
	} else {
		fd = dup(from);
		vlog("dup %d = %d", from, fd);
		if (fd >= 0)
			res_put(kind, op->b + 1, fd);
	}
	STAT_ADD(syscalls, 1);
}

static void op_sys_ioctl(const struct op *op, struct rng *r)
{
	int fd = res_get(RES_DEV, op->a);
	struct hv_cpuid2 *c = (void *)T->s.rw;
	unsigned long nr;
	u64 arg;
	long ret;

	switch (rng_below(r, 6)) {
	case 0:
		nr = HV_GET_API_VERSION;
		arg = rng_pct(r, 80) ? 0 : gen_u64(r);
		break;
	case 1:
		nr = HV_CHECK_EXTENSION;
		arg = gen_cap(r);
		break;
	case 2:
		nr = HV_GET_VCPU_MMAP_SIZE;
		arg = rng_pct(r, 80) ? 0 : gen_u64(r);
		break;
	case 3: {
		struct hv_cpuid2 *sup = supported_cpuid(fd);
		u32 n = sup ? sup->nent : 64;

		nr = HV_GET_SUPPORTED_CPUID;
		memset(c, 0, 2 * PAGE_SIZE);
		c->nent = (u32)gen_count(r, n);
		arg = gen_ptr(r, &T->s, c, sizeof(*c) + MIN(c->nent, 100U) *
			      sizeof(c->entries[0]), NULL);
		break;
	}
	case 4:
		nr = HV_CREATE_VM;
		arg = rng_pct(r, 90) ? 0 : gen_u64(r);
		ret = xioctl(fd, nr, arg);
		vlog("CREATE_VM(%#llx) -> %ld", (unsigned long long)arg, ret);
		if (ret >= 0) {
			STAT_ADD(vms, 1);
			res_put(RES_VM, op->b, ret);
		}
		return;
	default:
		nr = gen_ioctl_nr(r, RES_DEV);
		arg = gen_blob_arg(r, nr);
		break;
	}
	ret = xioctl(fd, nr, arg);
	vlog("ioctl(%d, %#lx, %#llx) -> %ld (%s)", fd, nr,
	     (unsigned long long)arg, ret, ret < 0 ? strerror(errno) : "ok");
}

static void op_create_vm(const struct op *op, struct rng *r)
{
	u64 type = rng_pct(r, 95) ? 0 : gen_u64(r);
	long ret = xioctl(res_get(RES_DEV, op->a), HV_CREATE_VM, type);

	vlog("CREATE_VM(%#llx) -> %ld", (unsigned long long)type, ret);
	if (ret >= 0) {
		STAT_ADD(vms, 1);
		res_put(RES_VM, op->b, ret);
	}
}

static void op_vm_ioctl(const struct op *op, struct rng *r)
{
	int fd = res_get(RES_VM, op->a);
	unsigned long nr;
	u64 arg;
	long ret;

	if (rng_one_in(r, 3)) {
		nr = HV_CHECK_EXTENSION;
		arg = gen_cap(r);
	} else {
		nr = gen_ioctl_nr(r, RES_VM);
		if (nr == HV_CREATE_VCPU)
			arg = gen_count(r, 1024);
		else
			arg = gen_blob_arg(r, nr);
	}
	ret = xioctl(fd, nr, arg);
	vlog("ioctl(%d, %#lx, %#llx) -> %ld (%s)", fd, nr,
	     (unsigned long long)arg, ret, ret < 0 ? strerror(errno) : "ok");
	if (nr == HV_CREATE_VCPU && ret >= 0)
		close(ret);
}

static u64 gen_vcpu_id(struct rng *r, int slot)
{
	static const u64 ids[] = { 255, 256, 1023, 1024, 1025, 0x7fffffff,
				   0xffffffff, 0x100000000ULL };

	if (rng_pct(r, 70))
		return slot;
	if (rng_pct(r, 50))
		return rng_below(r, 8);
	return rng_one_in(r, 2) ? ids[rng_below(r, ARRAY_SIZE(ids))] : gen_u64(r);
}

static void op_create_vcpu(const struct op *op, struct rng *r)
{
	int vm = op->a % NR_VM, slot = op->b % NR_VCPU;
	u64 id = gen_vcpu_id(r, slot);
	long ret = xioctl(res_get(RES_VM, vm), HV_CREATE_VCPU, id);

	vlog("CREATE_VCPU(vm %d, id %#llx) -> %ld (%s)", vm,
	     (unsigned long long)id, ret, ret < 0 ? strerror(errno) : "ok");
	if (ret >= 0) {
		STAT_ADD(vcpus, 1);
		tcg_safe_vcpu(ret);
		W.vcpu_vm[slot] = vm;
		res_put(RES_VCPU, slot, ret);
	}
}

static u64 gen_gpa(struct rng *r, u64 size)
{
	static const u64 high[] = {
		0xa0000, 0xc0000, 0xf0000, 0xfec00000, 0xfee00000, 0xfff00000,
		0xffff0000, 0x100000000ULL, 1ULL << 36, 1ULL << 39,
		1ULL << 40, 1ULL << 46, 1ULL << 47, 1ULL << 48, 1ULL << 52,
		1ULL << 57, 1ULL << 63,
	};
	u64 g;

	switch (rng_below(r, 20)) {
	case 0: case 1:
		g = high[rng_below(r, ARRAY_SIZE(high))];
		return rng_one_in(r, 2) ? g - (size & ~0xfffULL) : g;
	case 2:
		/* The top of guest-physical space, as the tables index it. */
		g = 1ULL << (36 + rng_below(r, 22));
		return g - PAGE_SIZE * (1 + rng_below(r, 4));
	case 3:
		return gen_u64(r) & (rng_one_in(r, 4) ? ~0ULL : ~0xfffULL);
	case 4:
		return rng_below(r, 64) * 0x1000;
	default:
		return rng_below(r, 32) * 0x100000;
	}
}

/* A slot not recorded as backing @gpa, for MMIO. */
static bool gpa_backed(int vm, u64 gpa)
{
	int i;

	for (i = 0; i < NR_SLOTREC; i++) {
		struct slotrec *s = &W.slots[vm][i];

		if (s->valid && gpa >= s->gpa && gpa < s->gpa + s->size)
			return true;
	}
	return false;
}

static void op_set_memregion(const struct op *op, struct rng *r)
{
	int vm = op->a % NR_VM, m = op->b % NR_MEM;
	struct hv_userspace_memory_region *reg = (void *)T->s.rw;
	struct mem_region mr;
	u64 pages, off, arg;
	long ret;

	pthread_mutex_lock(&W.lock);
	mr = W.mem[m];
	pthread_mutex_unlock(&W.lock);
	pages = mr.addr ? mr.size / PAGE_SIZE : 16;

	memset(reg, 0, sizeof(*reg));
	reg->slot = rng_pct(r, 75) ? rng_below(r, NR_SLOTREC) :
		    rng_one_in(r, 2) ? (u32)gen_count(r, 512) :
		    (u32)(rng_below(r, 3) << 16 | rng_below(r, 4));
	switch (rng_below(r, 20)) {
	case 0: case 1: case 2:
		reg->flags = HV_MEM_READONLY;
		break;
	case 3:
		reg->flags = HV_MEM_LOG_DIRTY_PAGES;
		break;
	case 4:
		reg->flags = gen_bits(r, 3);
		break;
	default:
		break;
	}
	off = rng_pct(r, 70) ? 0 : rng_below(r, pages);
	switch (rng_below(r, 20)) {
	case 0: case 1:
		reg->memory_size = 0;	/* delete */
		break;
	case 2:
		reg->memory_size = gen_count(r, pages * PAGE_SIZE);
		break;
	case 3:
		reg->memory_size = (u64)gen_count(r, 1ULL << 31) << 12;
		break;
	default:
		reg->memory_size = (pages - off) * PAGE_SIZE;
		if (rng_one_in(r, 4) && pages - off > 1)
			reg->memory_size = (1 + rng_below(r, pages - off)) * PAGE_SIZE;
		break;
	}
	reg->guest_phys_addr = gen_gpa(r, reg->memory_size);
	switch (rng_below(r, 20)) {
	case 0:
		reg->userspace_addr = gen_u64(r);
		break;
	case 1:
		reg->userspace_addr = (u64)(uintptr_t)run_get(rng_below(r, NR_VCPU));
		break;
	case 2:
		reg->userspace_addr = (u64)(uintptr_t)T->s.rw;
		break;
	case 3:
		reg->userspace_addr = MEM_WINDOW(m) + off * PAGE_SIZE + rng_below(r, 4096);
		break;
	case 4:
		reg->userspace_addr = MEM_WINDOW(m) + MEM_ALT + off * PAGE_SIZE;
		break;
	default:
		reg->userspace_addr = (u64)(uintptr_t)(mr.addr ? mr.addr :
				      (u8 *)MEM_WINDOW(m)) + off * PAGE_SIZE;
		break;
	}
	arg = gen_ptr(r, &T->s, reg, sizeof(*reg), mr.addr);
	ret = xioctl(res_get(RES_VM, vm), HV_SET_USER_MEMORY_REGION, arg);
	vlog("%s(vm %d, slot %#x flags %#x gpa %#llx size %#llx uaddr %#llx) -> %ld (%s)",
	     "SET_USER_MEMORY_REGION", vm, reg->slot, reg->flags,
	     (unsigned long long)reg->guest_phys_addr,
	     (unsigned long long)reg->memory_size,
	     (unsigned long long)reg->userspace_addr, ret,
	     ret < 0 ? strerror(errno) : "ok");
	if (ret < 0 || arg != (u64)(uintptr_t)reg)
		return;
	STAT_ADD(slots, 1);
	if (reg->slot < NR_SLOTREC) {
		struct slotrec *s = &W.slots[vm][reg->slot];

		pthread_mutex_lock(&W.lock);
		s->valid = reg->memory_size != 0;
		s->slot = reg->slot;
		s->gpa = reg->guest_phys_addr;
		s->size = reg->memory_size;
		s->mem = m;
		s->offset = reg->userspace_addr - (u64)(uintptr_t)mr.addr;
		if (!mr.addr || s->offset >= mr.size)
			s->valid = false;
		pthread_mutex_unlock(&W.lock);
	}
}

static void op_vcpu_ioctl(const struct op *op, struct rng *r)
{
	int fd = res_get(RES_VCPU, op->a);
	u8 *buf = T->s.rw;
	unsigned long nr;
	size_t len;
	u64 arg;
	long ret;

	memset(buf, 0, 2 * PAGE_SIZE);
	switch (rng_below(r, 12)) {
	case 0:
		nr = HV_GET_REGS;
		len = sizeof(struct hv_regs);
		break;
	case 1:
		xioctl(fd, HV_GET_REGS, (u64)(uintptr_t)buf);
		if (rng_one_in(r, 4))
			rng_bytes(r, buf, sizeof(struct hv_regs));
		mutate_regs(r, (void *)buf);
		nr = HV_SET_REGS;
		len = sizeof(struct hv_regs);
		break;
	case 2:
		nr = HV_GET_SREGS;
		len = sizeof(struct hv_sregs);
		break;
	case 3:
	case 4:
		xioctl(fd, HV_GET_SREGS, (u64)(uintptr_t)buf);
		if (rng_one_in(r, 8))
			rng_bytes(r, buf, sizeof(struct hv_sregs));
		mutate_sregs(r, (void *)buf);
		tcg_safe_sregs((void *)buf);
		nr = HV_SET_SREGS;
		len = sizeof(struct hv_sregs);
		break;
	case 5: {
		struct hv_signal_mask *m = (void *)buf;
		u64 set = gen_u64(r);

		/*
		 * Blocking the run timer's signal leaves a spinning guest
		 * to the supervisor's SIGKILL: rarely.
		 */
		if (rng_pct(r, 97))
			set &= ~(1ULL << (SIGUSR1 - 1) | 1ULL << (SIGUSR2 - 1));
		m->len = rng_pct(r, 85) ? 8 : (u32)gen_count(r, 8);
		memcpy(m->sigset, &set, 8);
		nr = HV_SET_SIGNAL_MASK;
		len = sizeof(*m) + 8;
		if (rng_one_in(r, 4)) {
			ret = xioctl(fd, nr, 0);
			vlog("SET_SIGNAL_MASK(NULL) -> %ld", ret);
			return;
		}
		break;
	}
	case 6:
		len = gen_cpuid2(r, supported_cpuid(res_get(RES_DEV, 0)), buf,
				 2 * PAGE_SIZE);
		nr = HV_SET_CPUID2;
		break;
	case 7: {
		struct hv_cpuid2 *c = (void *)buf;
		struct hv_cpuid2 *sup = supported_cpuid(res_get(RES_DEV, 0));

		c->nent = (u32)gen_count(r, sup ? sup->nent : 40);
		len = sizeof(*c) + MIN(c->nent, 100U) * sizeof(c->entries[0]);
		nr = HV_GET_CPUID2;
		break;
	}
	case 8:
		nr = HV_GET_XCRS;
		len = sizeof(struct hv_xcrs);
		break;
	case 9:
		gen_xcrs(r, (void *)buf);
		nr = HV_SET_XCRS;
		len = sizeof(struct hv_xcrs);
		break;
	default:
		nr = gen_ioctl_nr(r, RES_VCPU);
		if (nr == HV_RUN && rng_pct(r, 70)) {
			arg = gen_u64(r);
			ret = xioctl(fd, nr, arg);
			vlog("RUN(arg %#llx) -> %ld", (unsigned long long)arg, ret);
			return;
		}
		arg = gen_blob_arg(r, nr);
		ret = xioctl(fd, nr, arg);
		vlog("ioctl(%d, %#lx, %#llx) -> %ld (%s)", fd, nr,
		     (unsigned long long)arg, ret, ret < 0 ? strerror(errno) : "ok");
		return;
	}
	arg = gen_ptr(r, &T->s, buf, len, W.o->tcg_safe && nr == HV_SET_SREGS ?
		      NULL : run_get(op->a));
	ret = xioctl(fd, nr, arg);
	vlog("ioctl(%d, %#lx, %#llx) -> %ld (%s)", fd, nr,
	     (unsigned long long)arg, ret, ret < 0 ? strerror(errno) : "ok");
}

static struct hv_run *map_run(int vcpu, struct rng *r)
{
	int fd = res_get(RES_VCPU, vcpu);
	struct hv_run *run, *old;

	if (fd < 0)
		return NULL;
	run = mmap(NULL, W.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	STAT_ADD(syscalls, 1);
	if (run == MAP_FAILED)
		return NULL;
	old = __atomic_exchange_n(&W.run[vcpu % NR_VCPU], run, __ATOMIC_ACQ_REL);
	/* Another thread may still use the old mapping: leave it sometimes. */
	if (old && rng_one_in(r, 2))
		munmap(old, W.run_size);
	return run;
}

static void op_mmap_run(const struct op *op, struct rng *r)
{
	int fd = res_get(RES_VCPU, op->a);
	size_t len = rng_pct(r, 70) ? W.run_size : (1 + rng_below(r, 4)) * PAGE_SIZE;
	off_t off = rng_pct(r, 80) ? 0 : (off_t)rng_below(r, 4) * PAGE_SIZE;
	int prot = rng_pct(r, 90) ? PROT_READ | PROT_WRITE : PROT_READ;
	void *p;

	if (!off && len == W.run_size && prot != PROT_READ) {
		p = map_run(op->a, r);
		vlog("mmap run -> %p", p);
		return;
	}
	p = mmap(NULL, len, prot, rng_one_in(r, 4) ? MAP_PRIVATE : MAP_SHARED,
		 fd, off);
	STAT_ADD(syscalls, 1);
	vlog("mmap(len %#zx, off %#lx) -> %p", len, (long)off, p);
	if (p == MAP_FAILED)
		return;
	/* Touch every page: pages past the run structure must SIGBUS. */
	for (size_t i = 0; i < len; i += PAGE_SIZE)
		GUARDED((void)*(volatile u8 *)((u8 *)p + i));
	munmap(p, len);
}

static void op_munmap_run(const struct op *op, struct rng *r)
{
	struct hv_run *run = __atomic_exchange_n(&W.run[op->a % NR_VCPU], NULL,
						 __ATOMIC_ACQ_REL);

	(void)r;
	if (run)
		munmap(run, W.run_size);
	STAT_ADD(syscalls, 1);
}

/* Write into the run structure what userspace may write, and worse. */
static void scribble(struct hv_run *run, struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0:
		run->immediate_exit = rng_one_in(r, 2) ? 1 : (u8)rng_next(r);
		break;
	case 1:
		run->io.direction = (u8)rng_below(r, 3);
		run->io.size = (u8)(1 << rng_below(r, 4));
		break;
	case 2:
		run->io.count = (u32)gen_count(r, 1024);
		run->io.data_offset = rng_one_in(r, 2) ? gen_u64(r) : 4096;
		break;
	case 3:
		run->mmio.len = (u32)gen_count(r, 8);
		run->mmio.is_write = (u8)rng_next(r);
		run->mmio.phys_addr = gen_u64(r);
		break;
	case 4:
		run->exit_reason = (u32)rng_below(r, 40);
		break;
	case 5:
		run->request_interrupt_window = (u8)rng_next(r);
		run->cr8 = gen_u64(r);
		run->apic_base = gen_u64(r);
		break;
	case 6:
		run->valid_regs = gen_u64(r);
		run->dirty_regs = gen_u64(r);
		break;
	default:
		rng_bytes(r, (u8 *)run + rng_below(r, W.run_size - 64),
			  1 + rng_below(r, 64));
		break;
	}
}

static void op_scribble_run(const struct op *op, struct rng *r)
{
	struct hv_run *run = run_get(op->a);

	if (run)
		GUARDED(scribble(run, r));
}

/* A recorded slot of @vm whose region is still mapped. */
static bool pick_slot(int vm, int want, struct slotrec *out)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&W.lock);
	for (i = 0; i < NR_SLOTREC && !found; i++) {
		struct slotrec *s = &W.slots[vm][(want + i) % NR_SLOTREC];
		struct mem_region *m = &W.mem[s->mem];

		if (s->valid && m->addr && s->offset + s->size <= m->size) {
			*out = *s;
			found = true;
		}
	}
	pthread_mutex_unlock(&W.lock);
	return found;
}

static u64 gen_mmio(struct rng *r, int vm, const struct slotrec *s)
{
	u64 g = s->gpa + s->size;
	int i;

	for (i = 0; i < 8 && gpa_backed(vm, g); i++)
		g = 0xd0000000ULL + rng_below(r, 0x1000) * PAGE_SIZE;
	if (rng_one_in(r, 8))
		g = gen_u64(r) & ~0xfffULL & ((1ULL << 52) - 1);
	return g;
}

static void op_guest_setup(const struct op *op, struct rng *r)
{
	int c = op->a % NR_VCPU, fd = res_get(RES_VCPU, c), vm = W.vcpu_vm[c];
	struct hv_sregs sregs;
	struct hv_regs regs;
	struct slotrec s;
	unsigned int mode;
	size_t len;
	u8 *buf;
	u64 hva;
	long ret;

	if (fd < 0 || !pick_slot(vm, op->b, &s))
		return;
	len = MIN(s.size, 0x12000);
	buf = calloc(1, len);
	if (!buf)
		return;
	memset(&sregs, 0, sizeof(sregs));
	xioctl(fd, HV_GET_SREGS, (u64)(uintptr_t)&sregs);
	mode = rng_below(r, NR_GUEST_MODES);
	guest_build(r, mode, buf, s.gpa, s.size, gen_mmio(r, vm, &s), &sregs,
		    &regs);
	pthread_mutex_lock(&W.lock);
	hva = (u64)(uintptr_t)W.mem[s.mem].addr + s.offset;
	pthread_mutex_unlock(&W.lock);
	/* Through /proc/self/mem: works on read-only and racing mappings. */
	if (pwrite(W.selfmem, buf, len, (off_t)hva) < 0)
		vlog("guest write at %#llx: %s", (unsigned long long)hva, strerror(errno));
	free(buf);
	STAT_ADD(syscalls, 1);
	if (rng_pct(r, 60)) {
		u8 *c2 = T->s.rw;
		size_t n = gen_cpuid2(r, supported_cpuid(res_get(RES_DEV, 0)), c2,
				      2 * PAGE_SIZE);

		(void)n;
		xioctl(fd, HV_SET_CPUID2, (u64)(uintptr_t)c2);
	}
	if (rng_one_in(r, 4)) {
		gen_xcrs(r, (void *)T->s.rw);
		xioctl(fd, HV_SET_XCRS, (u64)(uintptr_t)T->s.rw);
	}
	tcg_safe_sregs(&sregs);
	ret = xioctl(fd, HV_SET_SREGS, (u64)(uintptr_t)&sregs);
	vlog("guest %s in slot %u (gpa %#llx size %#llx): SET_SREGS -> %ld (%s)",
	     guest_mode_name(mode), s.slot, (unsigned long long)s.gpa,
	     (unsigned long long)s.size, ret, ret < 0 ? strerror(errno) : "ok");
	xioctl(fd, HV_SET_REGS, (u64)(uintptr_t)&regs);
	STAT_ADD(guests, 1);
	STAT_ADD(guest_modes[mode], 1);
}

/* After an exit: give IN and MMIO reads their data; decide whether to stop. */
static bool handle_exit(struct hv_run *run, struct rng *r)
{
	u32 reason = run->exit_reason;
	u64 off, len;

	STAT_ADD(exits[MIN(reason, 31U)], 1);
	switch (reason) {
	case HV_EXIT_IO:
		if (run->io.direction == HV_EXIT_IO_IN) {
			off = run->io.data_offset;
			len = (u64)run->io.size * run->io.count;
			if (off < W.run_size && len <= W.run_size - off)
				rng_bytes(r, (u8 *)run + off, len);
		}
		return rng_one_in(r, 32);
	case HV_EXIT_MMIO:
		if (!run->mmio.is_write)
			rng_bytes(r, run->mmio.data, sizeof(run->mmio.data));
		return rng_one_in(r, 32);
	case HV_EXIT_HLT:
		return rng_one_in(r, 3);
	case HV_EXIT_INTR:
		return false;
	default:
		/* Shutdown, failed entry, internal error: run it again now and then. */
		return !rng_one_in(r, 4);
	}
}

static void arm_timer(struct rng *r)
{
	struct itimerspec its = { 0 };

	if (!T->have_timer)
		return;
	its.it_value.tv_nsec = (1 + rng_below(r, 60)) * 1000000L;
	timer_settime(T->timer, 0, &its, NULL);
}

static void disarm_timer(void)
{
	struct itimerspec its = { 0 };

	if (T->have_timer)
		timer_settime(T->timer, 0, &its, NULL);
}

/* handle_exit() on a mapping another thread may unmap: true to stop. */
static bool guarded_exit(struct hv_run *run, struct rng *r, u32 *why)
{
	volatile bool stop = true;
	volatile u32 reason = ~0U;

	if (!sigsetjmp(T->jb, 1)) {
		T->guarded = 1;
		stop = handle_exit(run, r);
		reason = run->exit_reason;
		T->guarded = 0;
	} else {
		STAT_ADD(faults, 1);
	}
	vlog("RUN -> exit %u", reason);
	*why = reason;
	return stop;
}

/* After a shutdown (INIT on AMD-V), TR is the reset state's busy TSS. */
static void tcg_safe_vcpu(int fd)
{
	struct hv_sregs sr;

	if (W.o->tcg_safe && !xioctl(fd, HV_GET_SREGS, (u64)(uintptr_t)&sr)) {
		tcg_safe_sregs(&sr);
		xioctl(fd, HV_SET_SREGS, (u64)(uintptr_t)&sr);
	}
}

static void op_run(const struct op *op, struct rng *r)
{
	int c = op->a % NR_VCPU, fd = res_get(RES_VCPU, c), n, i;
	u32 reason = ~0U;
	struct hv_run *run;
	long ret;

	if (fd < 0)
		return;
	run = run_get(c);
	if (!run && rng_pct(r, 90))
		run = map_run(c, r);
	n = 1 + rng_below(r, 48);
	for (i = 0; i < n && !out_of_time(); i++) {
		if (run && rng_one_in(r, 32))
			op_scribble_run(op, r);
		if (rng_one_in(r, 24)) {
			struct hv_regs regs;

			if (!xioctl(fd, HV_GET_REGS, (u64)(uintptr_t)&regs)) {
				mutate_regs(r, &regs);
				xioctl(fd, HV_SET_REGS, (u64)(uintptr_t)&regs);
			}
		}
		arm_timer(r);
		ret = xioctl(fd, HV_RUN, 0);
		disarm_timer();
		STAT_ADD(runs, 1);
		if (ret < 0) {
			vlog("RUN -> %s", strerror(errno));
			if (errno == EINTR || rng_one_in(r, 4))
				continue;
			break;
		}
		STAT_ADD(runs_ok, 1);
		if (run && guarded_exit(run, r, &reason))
			break;
		if (reason == HV_EXIT_SHUTDOWN)
			tcg_safe_vcpu(fd);
	}
}

/* ---- host memory ---- */

static void mem_drop_locked(struct mem_region *m)
{
	if (m->addr)
		munmap(m->addr, m->size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->addr = NULL;
	m->memfd = -1;
}

static void op_mem_map(const struct op *op, struct rng *r)
{
	static const u64 sizes[] = { 1, 2, 4, 16, 16, 17, 32, 32, 64, 128, 256, 512 };
	int i = op->a % NR_MEM, type, prot = PROT_READ | PROT_WRITE;
	int flags = MAP_FIXED, fd = -1;
	struct mem_region *m = &W.mem[i];
	u64 size = sizes[rng_below(r, ARRAY_SIZE(sizes))] * PAGE_SIZE;
	u8 *p;

	switch (rng_below(r, 20)) {
	case 0:
	case 1:
		type = MT_SHARED;
		break;
	case 2:
	case 3:
	case 4:
		type = MT_MEMFD;
		break;
	case 5:
		type = MT_MEMFD_PRIVATE;
		break;
	case 6:
		type = MT_RO;
		break;
	case 7:
		type = rng_one_in(r, 3) ? MT_NONE : MT_ANON;
		break;
	default:
		type = MT_ANON;
		break;
	}
	if (type == MT_MEMFD || type == MT_MEMFD_PRIVATE) {
		fd = memfd_create("hv-fuzz", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, size) < 0) {
			if (fd >= 0)
				close(fd);
			return;
		}
		flags |= type == MT_MEMFD ? MAP_SHARED : MAP_PRIVATE;
	} else {
		flags |= MAP_ANONYMOUS | (type == MT_SHARED ? MAP_SHARED : MAP_PRIVATE);
	}
	if (type == MT_RO)
		prot = PROT_READ;
	if (type == MT_NONE)
		prot = PROT_NONE;
	if (rng_one_in(r, 4))
		flags |= MAP_POPULATE;

	pthread_mutex_lock(&W.lock);
	mem_drop_locked(m);
	p = mmap((void *)(uintptr_t)MEM_WINDOW(i), size, prot, flags, fd, 0);
	STAT_ADD(syscalls, 1);
	if (p == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
	} else {
		m->addr = p;
		m->size = size;
		m->memfd = fd;
		m->type = type;
		if (size >= 512 * PAGE_SIZE && rng_one_in(r, 2))
			madvise(p, size, MADV_HUGEPAGE);
	}
	pthread_mutex_unlock(&W.lock);
	vlog("map region %d: %#llx bytes type %d -> %p", i,
	     (unsigned long long)size, type, p);
}

/* A page range inside region @m: [*start, *start + *len). */
static bool mem_range(struct rng *r, int i, u8 **start, u64 *len, int *memfd,
		      u64 *off)
{
	struct mem_region m;
	u64 pages, first, n;

	pthread_mutex_lock(&W.lock);
	m = W.mem[i % NR_MEM];
	pthread_mutex_unlock(&W.lock);
	if (!m.addr)
		return false;
	pages = m.size / PAGE_SIZE;
	first = rng_pct(r, 40) ? 0 : rng_below(r, pages);
	n = rng_pct(r, 40) ? pages - first : 1 + rng_below(r, pages - first);
	*start = m.addr + first * PAGE_SIZE;
	*len = n * PAGE_SIZE;
	if (memfd)
		*memfd = m.memfd;
	if (off)
		*off = first * PAGE_SIZE;
	return true;
}

static void op_mem_unmap(const struct op *op, struct rng *r)
{
	struct mem_region *m = &W.mem[op->a % NR_MEM];
	u8 *start;
	u64 len;

	if (rng_pct(r, 50)) {
		pthread_mutex_lock(&W.lock);
		mem_drop_locked(m);
		pthread_mutex_unlock(&W.lock);
		vlog("unmap region %d", op->a % NR_MEM);
	} else if (mem_range(r, op->a, &start, &len, NULL, NULL)) {
		vlog("munmap %p + %#llx", start, (unsigned long long)len);
		munmap(start, len);
	}
	STAT_ADD(syscalls, 1);
}

static void op_mem_remap(const struct op *op, struct rng *r)
{
	int i = op->a % NR_MEM;
	struct mem_region *m = &W.mem[i];
	u64 base = MEM_WINDOW(i), size, nsize;
	int how = rng_below(r, 3);
	u8 *to, *p;

	pthread_mutex_lock(&W.lock);
	if (!m->addr) {
		pthread_mutex_unlock(&W.lock);
		return;
	}
	size = m->size;
	nsize = rng_pct(r, 60) ? size : (1 + rng_below(r, 2 * size / PAGE_SIZE)) * PAGE_SIZE;
	to = (u8 *)(uintptr_t)((u64)(uintptr_t)m->addr == base ? base + MEM_ALT : base);
	if (how == 0)
		p = mremap(m->addr, size, nsize, 0);
	else if (how == 1 || m->type != MT_ANON)
		p = mremap(m->addr, size, nsize, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	else
		p = mremap(m->addr, size, size, MREMAP_MAYMOVE | MREMAP_FIXED |
			   MREMAP_DONTUNMAP, to);
	STAT_ADD(syscalls, 1);
	vlog("mremap region %d (%d) %p %#llx -> %#llx: %p", i, how, m->addr,
	     (unsigned long long)size, (unsigned long long)nsize, p);
	if (p != MAP_FAILED) {
		if (how == 2)
			munmap(m->addr, size);	/* DONTUNMAP left it mapped */
		m->addr = p;
		m->size = how == 2 ? size : nsize;
	}
	pthread_mutex_unlock(&W.lock);
}

static void op_mem_advise(const struct op *op, struct rng *r)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_PAGEOUT, MADV_PAGEOUT,
		MADV_COLD, MADV_WILLNEED, MADV_MERGEABLE, MADV_UNMERGEABLE,
		MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_COLLAPSE,
		MADV_SEQUENTIAL,
	};
	int a = advice[rng_below(r, ARRAY_SIZE(advice))];
	u8 *start;
	u64 len;
	int ret;

	if (!mem_range(r, op->a, &start, &len, NULL, NULL))
		return;
	ret = madvise(start, len, a);
	STAT_ADD(syscalls, 1);
	vlog("madvise(%p, %#llx, %d) -> %d", start, (unsigned long long)len, a, ret);
}

static void op_mem_protect(const struct op *op, struct rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE };
	u8 *start;
	u64 len;

	if (!mem_range(r, op->a, &start, &len, NULL, NULL))
		return;
	mprotect(start, len, prots[rng_below(r, ARRAY_SIZE(prots))]);
	STAT_ADD(syscalls, 1);
}

static void op_mem_write(const struct op *op, struct rng *r)
{
	u8 *start, *buf;
	u64 len;

	if (!mem_range(r, op->a, &start, &len, NULL, NULL))
		return;
	len = MIN(len, 4 * PAGE_SIZE);
	buf = malloc(len);
	if (!buf)
		return;
	if (rng_one_in(r, 2))
		rng_bytes(r, buf, len);
	else
		guest_code(r, buf, len, 16 << rng_below(r, 3),
			   (u64)(uintptr_t)start, len, 0xfee00000);
	if (rng_one_in(r, 2)) {
		if (pwrite(W.selfmem, buf, len, (off_t)(uintptr_t)start) < 0)
			vlog("write %p: %s", start, strerror(errno));
	} else {
		GUARDED(memcpy(start, buf, len));
	}
	free(buf);
	STAT_ADD(syscalls, 1);
}

static void op_mem_migrate(const struct op *op, struct rng *r)
{
	void *pages[16];
	int nodes[16], status[16], i, n;
	u8 *start;
	u64 len;
	long ret;

	if (!mem_range(r, op->a, &start, &len, NULL, NULL))
		return;
	n = MIN(len / PAGE_SIZE, 16);
	for (i = 0; i < n; i++) {
		pages[i] = start + i * PAGE_SIZE;
		nodes[i] = rng_below(r, 2);
	}
	ret = syscall(SYS_move_pages, 0, n, pages, nodes, status, 2 /* MPOL_MF_MOVE */);
	STAT_ADD(syscalls, 1);
	vlog("move_pages(%p, %d) -> %ld", start, n, ret);
}

static void op_mem_truncate(const struct op *op, struct rng *r)
{
	u8 *start;
	u64 len, off;
	int fd;

	if (!mem_range(r, op->a, &start, &len, &fd, &off) || fd < 0)
		return;
	if (rng_one_in(r, 2))
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
	else if (ftruncate(fd, off) < 0)
		vlog("ftruncate: %s", strerror(errno));
	STAT_ADD(syscalls, 1);
}

/* ---- processes, signals, scheduling ---- */

static void op_fork(const struct op *op, struct rng *r)
{
	pid_t pid;
	int i, n;

	(void)op;
	pid = fork();
	STAT_ADD(syscalls, 1);
	if (pid < 0)
		return;
	if (pid > 0) {
		STAT_ADD(forks, 1);
		pthread_mutex_lock(&W.lock);
		if (W.nchildren < (int)ARRAY_SIZE(W.children))
			W.children[W.nchildren++] = pid;
		pthread_mutex_unlock(&W.lock);
		vlog("fork -> %d", pid);
		return;
	}
	/* The child: the VM is not its own (EIO); its memory is a copy. */
	n = 1 + rng_below(r, 6);
	for (i = 0; i < n; i++) {
		u8 *start;
		u64 len;

		switch (rng_below(r, 5)) {
		case 0:
			ioctl(res_get(RES_VCPU, rng_below(r, NR_VCPU)), HV_RUN, 0);
			break;
		case 1:
			ioctl(res_get(RES_VM, rng_below(r, NR_VM)), HV_CREATE_VCPU,
			      rng_below(r, 8));
			break;
		case 2:
			if (mem_range(r, rng_below(r, NR_MEM), &start, &len, NULL, NULL))
				GUARDED(memset(start, 0x90, MIN(len, 2 * PAGE_SIZE)));
			break;
		case 3:
			if (mem_range(r, rng_below(r, NR_MEM), &start, &len, NULL, NULL))
				munmap(start, len);
			break;
		default:
			close(res_get(rng_below(r, NR_RES), rng_below(r, NR_VCPU)));
			break;
		}
	}
	_exit(0);
}

static void op_signal(const struct op *op, struct rng *r)
{
	int t = op->b % W.p->nthreads;

	pthread_kill(W.threads[t], rng_one_in(r, 2) ? SIGUSR1 : SIGUSR2);
	STAT_ADD(signals, 1);
	STAT_ADD(syscalls, 1);
}

static void op_affinity(const struct op *op, struct rng *r)
{
	int t = op->b % W.p->nthreads, i;
	cpu_set_t set;

	CPU_ZERO(&set);
	switch (rng_below(r, 3)) {
	case 0:
		CPU_SET(rng_below(r, W.ncpus), &set);
		break;
	case 1:
		for (i = 0; i < W.ncpus; i++)
			CPU_SET(i, &set);
		break;
	default:
		for (i = 0; i < W.ncpus; i++)
			if (rng_one_in(r, 2))
				CPU_SET(i, &set);
		CPU_SET(rng_below(r, W.ncpus), &set);
		break;
	}
	sched_setaffinity(W.tids[t], sizeof(set), &set);
	STAT_ADD(syscalls, 1);
}

static void op_rlimit(const struct op *op, struct rng *r)
{
	struct rlimit rl;
	int fd;

	(void)op;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rng_one_in(r, 3)) {
		rl.rlim_cur = rl.rlim_max;
	} else {
		/* The next few fd allocations fail with EMFILE. */
		fd = dup(0);
		if (fd < 0)
			return;
		close(fd);
		rl.rlim_cur = fd + rng_below(r, 3);
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	STAT_ADD(syscalls, 1);
	vlog("RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_cur);
}

static void op_sleep(const struct op *op, struct rng *r)
{
	(void)op;
	if (rng_one_in(r, 2))
		sched_yield();
	else
		usleep(rng_below(r, 3000));
}

static void op_random_ioctl(const struct op *op, struct rng *r)
{
	int kind = op->a % NR_RES, fd = res_get(kind, op->b);
	unsigned long nr = gen_ioctl_nr(r, kind);
	u64 arg = gen_blob_arg(r, nr);
	long ret = xioctl(fd, nr, arg);

	vlog("ioctl(%d, %#lx, %#llx) -> %ld (%s)", fd, nr,
	     (unsigned long long)arg, ret, ret < 0 ? strerror(errno) : "ok");
	/* An fd it created (a VM, a vCPU, a stats or device fd): drop it. */
	if (ret > 2 && _IOC_TYPE(nr) == HVIO &&
	    (nr == HV_CREATE_VM || nr == HV_CREATE_VCPU || _IOC_NR(nr) == 0xe0 ||
	     _IOC_NR(nr) == 0xce))
		close(ret);
}

typedef void (*op_fn)(const struct op *op, struct rng *r);

static const op_fn op_fns[NR_OPS] = {
	[OP_OPEN_DEV] = op_open_dev,
	[OP_CLOSE] = op_close,
	[OP_DUP] = op_dup,
	[OP_SYS_IOCTL] = op_sys_ioctl,
	[OP_CREATE_VM] = op_create_vm,
	[OP_VM_IOCTL] = op_vm_ioctl,
	[OP_CREATE_VCPU] = op_create_vcpu,
	[OP_SET_MEMREGION] = op_set_memregion,
	[OP_VCPU_IOCTL] = op_vcpu_ioctl,
	[OP_MMAP_RUN] = op_mmap_run,
	[OP_MUNMAP_RUN] = op_munmap_run,
	[OP_SCRIBBLE_RUN] = op_scribble_run,
	[OP_GUEST_SETUP] = op_guest_setup,
	[OP_RUN] = op_run,
	[OP_MEM_MAP] = op_mem_map,
	[OP_MEM_UNMAP] = op_mem_unmap,
	[OP_MEM_REMAP] = op_mem_remap,
	[OP_MEM_ADVISE] = op_mem_advise,
	[OP_MEM_PROTECT] = op_mem_protect,
	[OP_MEM_WRITE] = op_mem_write,
	[OP_MEM_MIGRATE] = op_mem_migrate,
	[OP_MEM_TRUNCATE] = op_mem_truncate,
	[OP_FORK] = op_fork,
	[OP_SIGNAL] = op_signal,
	[OP_AFFINITY] = op_affinity,
	[OP_RLIMIT] = op_rlimit,
	[OP_SLEEP] = op_sleep,
	[OP_RANDOM_IOCTL] = op_random_ioctl,
};

/* ---- threads ---- */

static pthread_barrier_t start_barrier;

static void *thread_main(void *arg)
{
	struct tctx *ctx = arg;
	struct sigevent sev = { 0 };
	int i;

	T = ctx;
	scratch_init(&ctx->s);
	ctx->fail_fd = W.o->fail_nth ? open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC) : -1;
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_notify_thread_id = gettid();
	ctx->have_timer = !timer_create(CLOCK_MONOTONIC, &sev, &ctx->timer);
	W.tids[ctx->id] = gettid();
	pthread_barrier_wait(&start_barrier);

	for (i = 0; i < W.p->nops; i++) {
		const struct op *op = &W.p->ops[i];
		struct rng r;

		if (op->thread != ctx->id || op->kind >= NR_OPS)
			continue;
		if (out_of_time())
			break;
		ctx->op = op;
		ctx->pending_fail = op->fail_nth;
		rng_seed(&r, op->seed);
		STAT_ADD(ops, 1);
		op_fns[op->kind](op, &r);
		ctx->pending_fail = 0;
		ctx->op = NULL;
	}
	if (ctx->have_timer)
		timer_delete(ctx->timer);
	return NULL;
}

void prog_exec(const struct prog *p, const struct exec_opts *o)
{
	static struct tctx ctx[MAX_THREADS];
	struct sigaction sa = { 0 };
	long size;
	int i, fd;

	W.o = o;
	W.p = p;
	W.t0 = now();
	memset(W.fds, -1, sizeof(W.fds));
	for (i = 0; i < NR_MEM; i++)
		W.mem[i].memfd = -1;
	pthread_mutex_init(&W.lock, NULL);
	W.ncpus = MAX(1, sysconf(_SC_NPROCESSORS_ONLN));
	W.run_size = 2 * PAGE_SIZE;
	fd = open(o->dev, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		size = ioctl(fd, HV_GET_VCPU_MMAP_SIZE, 0);
		if (size >= (long)PAGE_SIZE && size <= 64 * (long)PAGE_SIZE)
			W.run_size = size;
		supported_cpuid(fd);
		close(fd);
	}
	W.selfmem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = nop_handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_barrier_init(&start_barrier, NULL, p->nthreads);
	W.threads[0] = pthread_self();
	for (i = 0; i < p->nthreads; i++) {
		ctx[i].id = i;
		if (i && pthread_create(&W.threads[i], NULL, thread_main, &ctx[i]))
			abort();
	}
	thread_main(&ctx[0]);
	for (i = 1; i < p->nthreads; i++)
		pthread_join(W.threads[i], NULL);

	for (i = 0; i < W.nchildren; i++) {
		kill(W.children[i], SIGKILL);
		waitpid(W.children[i], NULL, 0);
	}
	STAT_ADD(iters, 1);
}
