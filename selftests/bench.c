// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the cost of what a VMM asks of its hypervisor, the same workloads
 * on /dev/hv and on /dev/kvm (Documentation/performance.md).
 *
 * Each row is a fixed amount of work repeated --reps times; the row's
 * value is the median of the repetitions, with their min and max.  Every
 * row prints a KTAP result (ok: it ran; skip: it could not, and why) and
 * a machine-readable line
 *
 *	# bench<TAB>row<TAB>unit<TAB>median<TAB>min<TAB>max<TAB>reps
 *
 * Units in ns/us/ms are costs (lower is better), units per second and
 * percentages are rates (higher is better).  When the device offers
 * binary statistics (KVM_GET_STATS_FD), the vCPU statistics that changed
 * during a row follow it:
 *
 *	# breakdown<TAB>row<TAB>name<TAB>delta
 *
 * hv's are a count and the handler time per exit reason (core/stats.c);
 * KVM's are its own (exits, io_exits, pf_taken...).  VM statistics are
 * prefixed "vm." (touch and churn rows); the scaling rows give the sums
 * over their VMs' vCPUs.  No timing is ever
 * asserted: a row fails only if the guest did something unexpected.
 *
 * Usage: bench [--dev PATH] [--tiny] [--reps R] [--iters N]
 *              [--touch-mib M] [--lifecycles L] [--vcpus V]
 *              [--scale-max N] [--scale-rounds K] [--churn C]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/guest.h"
#include "lib/vm.h"

#define SZ_1M		(1ULL << 20)
#define PAGE		4096ULL
#define BENCH_PORT	0x80		/* the VMM's port: an OUT to it exits */
#define MMIO_GPA	0xd0000000ULL	/* no slot: MMIO (identity-mapped) */
#define TOUCH_GPA	0x40000000ULL	/* first-touch slot, 1 GiB */
#define CHURN_GPA	0x80000000ULL	/* the slot added and deleted, 2 GiB */
#define CHURN_SIZE	(2 * SZ_1M)
#define MSR_PAT		0x277		/* intercepted by hv and by KVM */
#define MAX_REPS	64
#define MAX_SCALE	256
#define UCALL_INTR	100		/* run_to_ucall: KVM_RUN said EINTR */

static struct {
	int reps;
	long iters;		/* exits per repetition of an exit row */
	long touch_mib;
	int lifecycles;		/* VM lifecycles per repetition */
	int vcpus;		/* vCPUs of the "many vCPUs" row */
	int scale_max;
	long scale_rounds;	/* compute-and-exit rounds per VM */
	int churn;		/* slot add+delete pairs per repetition */
} opt = {
	.reps = 5, .iters = 10000, .touch_mib = 256, .lifecycles = 20,
	.vcpus = 64, .scale_max = 64, .scale_rounds = 200, .churn = 200,
};

static int ncpus;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Print a row from its repetitions' values (sorted in place). */
static void row_report(const char *row, const char *unit, double *v, int n)
{
	double med;

	qsort(v, n, sizeof(*v), cmp_double);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("# bench\t%s\t%s\t%.6g\t%.6g\t%.6g\t%d\n", row, unit, med, v[0],
	       v[n - 1], n);
	ktap_result(true, "%s: %.6g %s (min %.6g, max %.6g, %d reps)", row, med,
		    unit, v[0], v[n - 1], n);
}

/* ---- binary statistics: the device's own breakdown of a row ---- */

struct stats {
	int fd;
	const char *prefix;	/* "" for a vCPU's, "vm." for a VM's */
	struct hv_stats_header h;
	char *descs;
	size_t desc_size;
	u64 *base;		/* values when the row started */
	size_t nvals;
};

static struct hv_stats_desc *stats_desc(struct stats *s, u32 i)
{
	return (struct hv_stats_desc *)(s->descs + i * s->desc_size);
}

static bool stats_read(struct stats *s, u64 *vals)
{
	return pread(s->fd, vals, s->nvals * 8, s->h.data_offset) ==
	       (ssize_t)(s->nvals * 8);
}

/*
 * Open the statistics of a vCPU or VM (@objfd), or return false (no
 * statistics on this device).
 */
static bool stats_open_fd(struct stats *s, int devfd, int objfd,
			  const char *prefix)
{
	u32 i;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->prefix = prefix;
	if (dev_check_extension(devfd, HV_CAP_BINARY_STATS_FD) <= 0)
		return false;
	s->fd = ioctl(objfd, HV_GET_STATS_FD, 0);
	if (s->fd < 0)
		return false;
	if (pread(s->fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		goto fail;
	s->desc_size = sizeof(struct hv_stats_desc) + s->h.name_size;
	s->descs = calloc(s->h.num_desc, s->desc_size);
	if (!s->descs || pread(s->fd, s->descs, s->h.num_desc * s->desc_size,
			       s->h.desc_offset) !=
	    (ssize_t)(s->h.num_desc * s->desc_size))
		goto fail;
	for (i = 0; i < s->h.num_desc; i++) {
		struct hv_stats_desc *d = stats_desc(s, i);

		if (d->offset / 8 + d->size > s->nvals)
			s->nvals = d->offset / 8 + d->size;
	}
	s->base = calloc(s->nvals ? s->nvals : 1, 8);
	if (!s->base || !stats_read(s, s->base))
		goto fail;
	return true;
fail:
	ktap_info("stats: cannot read the statistics file: %s", strerror(errno));
	close(s->fd);
	free(s->descs);
	free(s->base);
	s->fd = -1;
	return false;
}

static bool stats_open(struct stats *s, struct vcpu *vcpu)
{
	return stats_open_fd(s, vcpu->vm->devfd, vcpu->fd, "");
}

/*
 * Sums of statistics over objects that do not live through a row (the
 * scaling rows' VMs): name and value, cumulative scalars only.
 */
#define MAX_SUMS	256
static struct {
	char name[64];
	u64 value;
} sums[MAX_SUMS];
static int nsums;

static void sums_add(const char *prefix, const char *name, u64 v)
{
	char full[64];
	int i;

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	for (i = 0; i < nsums && strcmp(sums[i].name, full); i++)
		;
	if (i == nsums) {
		if (nsums == MAX_SUMS)
			return;
		snprintf(sums[nsums].name, sizeof(sums[0].name), "%s", full);
		sums[nsums++].value = 0;
	}
	sums[i].value += v;
}

static void sums_print(const char *row)
{
	int i;

	for (i = 0; i < nsums; i++)
		if (sums[i].value)
			printf("# breakdown\t%s\t%s\t%llu\n", row, sums[i].name,
			       (unsigned long long)sums[i].value);
	nsums = 0;
}

/* Print what changed since stats_open (or add it to sums), then close. */
static void stats_close_to(struct stats *s, const char *row, bool to_sums)
{
	u64 *now;
	u32 i;

	if (s->fd < 0)
		return;
	now = calloc(s->nvals ? s->nvals : 1, 8);
	if (now && stats_read(s, now)) {
		for (i = 0; i < s->h.num_desc; i++) {
			struct hv_stats_desc *d = stats_desc(s, i);
			u32 k = d->offset / 8;
			u32 type = d->flags & HV_STATS_TYPE_MASK;

			/* Scalars only: a histogram's buckets are not deltas. */
			if (d->size != 1 || now[k] == s->base[k])
				continue;
			if (type != HV_STATS_TYPE_CUMULATIVE)
				continue;
			if (to_sums)
				sums_add(s->prefix, d->name, now[k] - s->base[k]);
			else
				printf("# breakdown\t%s\t%s%s\t%llu\n", row,
				       s->prefix, d->name,
				       (unsigned long long)(now[k] - s->base[k]));
		}
	}
	free(now);
	close(s->fd);
	free(s->descs);
	free(s->base);
	s->fd = -1;
}

static void stats_close(struct stats *s, const char *row)
{
	stats_close_to(s, row, false);
}

/* ---- guest code ---- */

static void guest_cpuid_loop(long n)
{
	u32 a, b, c, d;
	long i;

	for (;;) {
		for (i = 0; i < n; i++)
			guest_cpuid(0, 0, &a, &b, &c, &d);
		GUEST_SYNC(0);
	}
}

static void guest_rdmsr_loop(long n)
{
	long i;

	for (;;) {
		for (i = 0; i < n; i++)
			rdmsr(MSR_PAT);
		GUEST_SYNC(0);
	}
}

static void guest_out_loop(long n)
{
	long i;

	for (;;) {
		for (i = 0; i < n; i++)
			outb(BENCH_PORT, i);
		GUEST_SYNC(0);
	}
}

static void guest_mmio_write_loop(long n)
{
	long i;

	for (;;) {
		for (i = 0; i < n; i++)
			writel(MMIO_GPA, i);
		GUEST_SYNC(0);
	}
}

static void guest_mmio_read_loop(long n)
{
	u32 sum = 0;
	long i;

	for (;;) {
		for (i = 0; i < n; i++)
			sum += readl(MMIO_GPA);
		GUEST_SYNC(sum);
	}
}

/* One byte per 4K page, twice: first touch, then already mapped. */
static void guest_touch(u64 gpa, u64 size)
{
	u64 p;

	for (;;) {
		for (p = 0; p < size; p += PAGE)
			*(volatile u8 *)(gpa + p) = 1;
		GUEST_SYNC(1);
		for (p = 0; p < size; p += PAGE)
			*(volatile u8 *)(gpa + p) = 2;
		GUEST_SYNC(2);
	}
}

/* The scaling workload: rounds of a fixed computation and one exit. */
static void guest_compute_exit(long rounds)
{
	volatile u64 x = 1;
	long r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 2000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		outb(BENCH_PORT, r);
	}
}

/* Write one byte per page of the churned slot, forever. */
static void guest_churn(u64 gpa, u64 size)
{
	u64 p, pass = 0;

	for (;;) {
		for (p = 0; p < size; p += PAGE)
			*(volatile u8 *)(gpa + p) = pass;
		GUEST_SYNC(++pass);
	}
}

/* ---- running ---- */

static bool is_bench_out(struct vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;

	return run->exit_reason == HV_EXIT_IO && run->io.port == BENCH_PORT;
}

/*
 * Run until the next ucall, answering OUTs to BENCH_PORT and MMIO (reads
 * get 0).  Returns the ucall, UCALL_INTR if KVM_RUN was interrupted,
 * UCALL_NONE after something unexpected (printed).
 */
static u32 run_to_ucall(struct vcpu *vcpu, struct ucall *uc, const char *what)
{
	int e;

	for (;;) {
		e = vcpu_run(vcpu);
		if (e == -EINTR)
			return UCALL_INTR;
		if (e) {
			ktap_info("%s: KVM_RUN failed: %s", what, strerror(-e));
			return UCALL_NONE;
		}
		if (is_bench_out(vcpu))
			continue;
		if (vcpu->run->exit_reason == HV_EXIT_MMIO) {
			if (!vcpu->run->mmio.is_write)
				memset(vcpu->run->mmio.data, 0, 8);
			continue;
		}
		if (vcpu_get_ucall(vcpu, uc) == UCALL_SYNC ||
		    uc->cmd == UCALL_DONE)
			return uc->cmd;
		ktap_info("%s: unexpected exit: %s", what, vcpu_exit_str(vcpu));
		if (uc->cmd != UCALL_NONE)
			ucall_print(vcpu->vm, uc, what);
		return UCALL_NONE;
	}
}

/* A guest loop of @n exits per repetition, timed per exit. */
static void row_exit_loop(const char *row, const void *fn, long n)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	double v[MAX_REPS];
	struct stats st;
	struct ucall uc;
	bool stats;
	int r;

	vcpu_enter(vcpu, fn, 1, n);
	/* A warm-up round: mappings and caches, outside the measurement. */
	if (run_to_ucall(vcpu, &uc, row) != UCALL_SYNC)
		goto fail;
	stats = stats_open(&st, vcpu);
	for (r = 0; r < opt.reps; r++) {
		double t0 = now_ns();

		if (run_to_ucall(vcpu, &uc, row) != UCALL_SYNC)
			goto fail;
		v[r] = (now_ns() - t0) / n;
	}
	row_report(row, "ns/op", v, opt.reps);
	if (stats)
		stats_close(&st, row);
	vm_free(vm);
	return;
fail:
	ktap_result(false, "%s", row);
	vm_free(vm);
}

static void *touch_map(u64 size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_REQUIRE(p != MAP_FAILED, "mmap %llu MiB: %s",
		     (unsigned long long)(size >> 20), strerror(errno));
	/* 4K-backed on both sides: no THP behind the slot. */
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

/*
 * First touch of 4K-backed guest memory: each repetition gets fresh host
 * memory in a new slot, the guest writes a byte per page (host page
 * allocation and the nested fault), then again (mapped).
 */
static void row_touch(void)
{
	u64 size = opt.touch_mib * SZ_1M;
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	double first[MAX_REPS], again[MAX_REPS];
	struct stats st, vst;
	struct ucall uc;
	bool stats, vstats;
	int r;

	vcpu_enter(vcpu, guest_touch, 2, TOUCH_GPA, size);
	stats = stats_open(&st, vcpu);
	vstats = stats_open_fd(&vst, vm->devfd, vm->fd, "vm.");
	for (r = 0; r < opt.reps; r++) {
		void *mem = touch_map(size);
		double t0, t1, t2;
		int e = vm_set_slot(vm, 1, 0, TOUCH_GPA, size, mem);

		TEST_REQUIRE(!e, "touch slot: %s", strerror(-e));
		t0 = now_ns();
		if (run_to_ucall(vcpu, &uc, "touch") != UCALL_SYNC || uc.args[0] != 1)
			goto fail;
		t1 = now_ns();
		if (run_to_ucall(vcpu, &uc, "touch") != UCALL_SYNC || uc.args[0] != 2)
			goto fail;
		t2 = now_ns();
		first[r] = opt.touch_mib / ((t1 - t0) / 1e9);
		again[r] = opt.touch_mib / ((t2 - t1) / 1e9);
		e = vm_delete_slot(vm, 1);
		TEST_REQUIRE(!e, "delete touch slot: %s", strerror(-e));
		munmap(mem, size);
	}
	row_report("touch_first", "MiB/s", first, opt.reps);
	row_report("touch_again", "MiB/s", again, opt.reps);
	if (stats)
		stats_close(&st, "touch");
	if (vstats)
		stats_close(&vst, "touch");
	vm_free(vm);
	return;
fail:
	ktap_result(false, "touch_first");
	ktap_result(false, "touch_again");
	vm_free(vm);
}

/*
 * Real-mode code at 0x1000 for the lifecycle rows: OUT to BENCH_PORT,
 * then HLT.  Only the first exit is taken.
 */
static const u8 lifecycle_code[] = { 0xe6, BENCH_PORT, 0xf4 };

static int raw_vcpu_start(int vmfd, int id, size_t run_size, struct hv_run **run)
{
	struct hv_sregs sregs;
	struct hv_regs regs = { .rip = 0x1000, .rflags = 2 };
	int fd = ioctl(vmfd, HV_CREATE_VCPU, id);

	if (fd < 0)
		return -errno;
	*run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*run == MAP_FAILED || ioctl(fd, HV_GET_SREGS, &sregs))
		goto fail;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(fd, HV_SET_SREGS, &sregs) || ioctl(fd, HV_SET_REGS, &regs))
		goto fail;
	if (ioctl(fd, HV_RUN, 0) || (*run)->exit_reason != HV_EXIT_IO ||
	    (*run)->io.port != BENCH_PORT) {
		ktap_info("lifecycle: vCPU %d: first exit %u, not the OUT (%s)",
			  id, (*run)->exit_reason, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	if (*run != MAP_FAILED)
		munmap(*run, run_size);
	close(fd);
	return -EIO;
}

/* A VM with a 64 MiB slot at 0 (@mem) holding lifecycle_code. */
static int raw_vm(int devfd, void *mem)
{
	struct hv_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = 64 * SZ_1M,
		.userspace_addr = (u64)(uintptr_t)mem,
	};
	int vmfd = ioctl(devfd, HV_CREATE_VM, 0);

	if (vmfd < 0)
		return -errno;
	if (ioctl(vmfd, HV_SET_USER_MEMORY_REGION, &r)) {
		close(vmfd);
		return -errno;
	}
	return vmfd;
}

/*
 * VM lifecycle: create a VM, a 64 MiB slot, a vCPU, run it to its first
 * exit, destroy it all; and one VM whose --vcpus vCPUs are created and run
 * once each.
 */
static void row_lifecycle(void)
{
	int devfd = dev_open();
	long run_size = ioctl(devfd, HV_GET_VCPU_MMAP_SIZE, 0);
	void *mem = mmap(NULL, 64 * SZ_1M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	double v[MAX_REPS], w[MAX_REPS];
	struct hv_run *run, **runs;
	int r, i, vmfd, fd, *fds;

	TEST_REQUIRE(mem != MAP_FAILED && run_size > 0, "lifecycle setup");
	memcpy((char *)mem + 0x1000, lifecycle_code, sizeof(lifecycle_code));
	for (r = 0; r < opt.reps; r++) {
		double t0 = now_ns();

		for (i = 0; i < opt.lifecycles; i++) {
			vmfd = raw_vm(devfd, mem);
			if (vmfd < 0)
				goto fail;
			fd = raw_vcpu_start(vmfd, 0, run_size, &run);
			if (fd < 0) {
				close(vmfd);
				goto fail;
			}
			munmap(run, run_size);
			close(fd);
			close(vmfd);
		}
		v[r] = opt.lifecycles / ((now_ns() - t0) / 1e9);
	}
	row_report("vm_lifecycle", "VMs/s", v, opt.reps);

	fds = calloc(opt.vcpus, sizeof(*fds));
	runs = calloc(opt.vcpus, sizeof(*runs));
	TEST_REQUIRE(fds && runs, "out of memory");
	for (r = 0; r < opt.reps; r++) {
		double t0 = now_ns();

		vmfd = raw_vm(devfd, mem);
		if (vmfd < 0)
			goto fail2;
		for (i = 0; i < opt.vcpus; i++) {
			fds[i] = raw_vcpu_start(vmfd, i, run_size, &runs[i]);
			if (fds[i] < 0) {
				ktap_info("lifecycle: vCPU %d of %d: %s", i,
					  opt.vcpus, strerror(-fds[i]));
				goto fail2;
			}
		}
		w[r] = (now_ns() - t0) / 1e6;
		for (i = 0; i < opt.vcpus; i++) {
			munmap(runs[i], run_size);
			close(fds[i]);
		}
		close(vmfd);
	}
	{
		char name[64];

		snprintf(name, sizeof(name), "vcpus_%d_create_run", opt.vcpus);
		row_report(name, "ms", w, opt.reps);
	}
	free(fds);
	free(runs);
	munmap(mem, 64 * SZ_1M);
	close(devfd);
	return;
fail:
	ktap_result(false, "vm_lifecycle");
	munmap(mem, 64 * SZ_1M);
	close(devfd);
	return;
fail2:
	ktap_result(false, "vcpus_create_run");
	munmap(mem, 64 * SZ_1M);
	close(devfd);
}

/* ---- scaling: N VMs at once, a thread each ---- */

struct scale_vm {
	struct vm *vm;
	struct vcpu *vcpu;
	struct stats st;	/* the vCPU's, from before the run */
	bool stats;
	pthread_t thread;
	pthread_barrier_t *start;
	bool ok;
};

static void *scale_thread(void *arg)
{
	struct scale_vm *s = arg;
	struct ucall uc;

	pthread_barrier_wait(s->start);
	s->ok = run_to_ucall(s->vcpu, &uc, "scaling") == UCALL_DONE;
	return NULL;
}

/* Rounds per second of @n VMs running at once, or a negative value. */
static double scale_once(int n)
{
	struct scale_vm *s = calloc(n, sizeof(*s));
	pthread_barrier_t start;
	double t0, t;
	bool ok = true;
	int i;

	TEST_REQUIRE(s, "out of memory");
	pthread_barrier_init(&start, NULL, n + 1);
	for (i = 0; i < n; i++) {
		s[i].vm = vm_new(GUEST_LONG64);
		s[i].vcpu = vcpu_new(s[i].vm, 0);
		s[i].start = &start;
		vcpu_enter(s[i].vcpu, guest_compute_exit, 1, opt.scale_rounds);
		s[i].stats = stats_open(&s[i].st, s[i].vcpu);
		TEST_REQUIRE(!pthread_create(&s[i].thread, NULL, scale_thread, &s[i]),
			     "pthread_create");
	}
	t0 = now_ns();
	pthread_barrier_wait(&start);
	for (i = 0; i < n; i++) {
		pthread_join(s[i].thread, NULL);
		ok = ok && s[i].ok;
	}
	t = now_ns() - t0;
	for (i = 0; i < n; i++) {
		if (s[i].stats)
			stats_close_to(&s[i].st, NULL, true);
		vm_free(s[i].vm);
	}
	pthread_barrier_destroy(&start);
	free(s);
	return ok ? n * opt.scale_rounds / (t / 1e9) : -1;
}

static void row_scaling(void)
{
	double v[MAX_REPS], eff[MAX_REPS], base = 0;
	char name[64];
	int n, r;

	for (n = 1; n <= opt.scale_max; n *= 2) {
		for (r = 0; r < opt.reps; r++) {
			v[r] = scale_once(n);
			if (v[r] < 0) {
				ktap_result(false, "scale_%d", n);
				return;
			}
		}
		snprintf(name, sizeof(name), "scale_%d", n);
		row_report(name, "rounds/s", v, opt.reps);
		sums_print(name);	/* the VMs' statistics, all repetitions */
		/* v is sorted now: the median of the repetitions. */
		if (n == 1)
			base = opt.reps % 2 ? v[opt.reps / 2] :
			       (v[opt.reps / 2 - 1] + v[opt.reps / 2]) / 2;
		for (r = 0; r < opt.reps; r++)
			eff[r] = 100 * v[r] / (base * (n < ncpus ? n : ncpus));
		snprintf(name, sizeof(name), "scale_%d_eff", n);
		row_report(name, "%", eff, opt.reps);
	}
}

/* ---- memslot churn: a slot added and deleted under running vCPUs ---- */

struct churn_vcpu {
	struct vcpu *vcpu;
	pthread_t thread;
	atomic_bool *stop;
	long passes;
	bool ok;
};

static void *churn_thread(void *arg)
{
	struct churn_vcpu *c = arg;
	struct ucall uc;

	c->ok = true;
	while (!atomic_load(c->stop)) {
		u32 r = run_to_ucall(c->vcpu, &uc, "churn");

		if (r == UCALL_INTR)	/* kicked out to stop */
			break;
		if (r != UCALL_SYNC) {
			c->ok = false;
			break;
		}
		c->passes++;
	}
	return NULL;
}

static void row_churn(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	void *mem = touch_map(CHURN_SIZE);
	struct churn_vcpu c[2];
	atomic_bool stop = false;
	double v[MAX_REPS];
	struct stats st, vst;
	bool ok = true, stats, vstats;
	int i, r, k, e = 0;

	memset(mem, 0, CHURN_SIZE);	/* host pages exist: guest faults only */
	for (i = 0; i < 2; i++) {
		c[i] = (struct churn_vcpu){ .vcpu = vcpu_new(vm, i), .stop = &stop };
		vcpu_enter(c[i].vcpu, guest_churn, 2, CHURN_GPA, CHURN_SIZE);
	}
	stats = stats_open(&st, c[0].vcpu);
	vstats = stats_open_fd(&vst, vm->devfd, vm->fd, "vm.");
	for (i = 0; i < 2; i++)
		TEST_REQUIRE(!pthread_create(&c[i].thread, NULL, churn_thread, &c[i]),
			     "pthread_create");
	for (r = 0; r < opt.reps && !e; r++) {
		double t0 = now_ns();

		for (k = 0; k < opt.churn && !e; k++) {
			e = vm_set_slot(vm, 2, 0, CHURN_GPA, CHURN_SIZE, mem);
			if (!e)
				e = vm_delete_slot(vm, 2);
		}
		v[r] = (now_ns() - t0) / 1e3 / opt.churn;
	}
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++) {
		/* A vCPU may be spinning in the guest: kick it out. */
		while (pthread_tryjoin_np(c[i].thread, NULL)) {
			c[i].vcpu->run->immediate_exit = 1;
			pthread_kill(c[i].thread, SIGUSR1);
			usleep(1000);
		}
		ok = ok && c[i].ok;
	}
	if (e)
		ktap_info("churn: slot update failed: %s", strerror(-e));
	if (e || !ok) {
		ktap_result(false, "memslot_churn");
	} else {
		row_report("memslot_churn", "us/op", v, opt.reps);
		ktap_info("churn: guest passes over the slot during churn: %ld, %ld",
			  c[0].passes, c[1].passes);
	}
	if (stats)
		stats_close(&st, "memslot_churn");
	if (vstats)
		stats_close(&vst, "memslot_churn");
	vm_free(vm);
	munmap(mem, CHURN_SIZE);
}

static void on_sigusr1(int sig)
{
}

/* ---- options ---- */

static long opt_num(int argc, char **argv, int *i)
{
	char *end;
	long v;

	if (*i + 1 >= argc)
		goto bad;
	v = strtol(argv[++*i], &end, 0);
	if (*end || v <= 0)
		goto bad;
	return v;
bad:
	fprintf(stderr, "bench: %s wants a positive number\n", argv[*i]);
	exit(KSFT_FAIL);
}

static void parse_options(int *argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--tiny")) {
			opt.reps = 3;
			opt.iters = 200;
			opt.touch_mib = 8;
			opt.lifecycles = 2;
			opt.vcpus = 8;
			opt.scale_max = 2;
			opt.scale_rounds = 10;
			opt.churn = 10;
		} else if (!strcmp(a, "--reps")) {
			opt.reps = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--iters")) {
			opt.iters = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--touch-mib")) {
			opt.touch_mib = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--lifecycles")) {
			opt.lifecycles = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--vcpus")) {
			opt.vcpus = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--scale-max")) {
			opt.scale_max = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--scale-rounds")) {
			opt.scale_rounds = opt_num(*argc, argv, &i);
		} else if (!strcmp(a, "--churn")) {
			opt.churn = opt_num(*argc, argv, &i);
		} else {
			argv[n++] = argv[i];	/* --dev and its value */
		}
	}
	*argc = n;
	if (opt.reps > MAX_REPS || opt.scale_max > MAX_SCALE ||
	    opt.vcpus > 1024) {
		fprintf(stderr, "bench: at most %d reps, --scale-max %d, --vcpus 1024\n",
			MAX_REPS, MAX_SCALE);
		exit(KSFT_FAIL);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	int cpus[CPU_SETSIZE];

	parse_options(&argc, argv);
	ktap_begin(argc, argv);
	sigaction(SIGUSR1, &sa, NULL);
	ncpus = test_allowed_cpus(cpus);
	printf("# bench-info\tdevice\t%s\n", hv_dev_path);
	printf("# bench-info\thost_cpus\t%d\n", ncpus);
	printf("# bench-info\toptions\treps=%d iters=%ld touch_mib=%ld lifecycles=%d",
	       opt.reps, opt.iters, opt.touch_mib, opt.lifecycles);
	printf(" vcpus=%d scale_max=%d scale_rounds=%ld churn=%d\n",
	       opt.vcpus, opt.scale_max, opt.scale_rounds, opt.churn);

	row_exit_loop("cpuid", guest_cpuid_loop, opt.iters);
	row_exit_loop("rdmsr_pat", guest_rdmsr_loop, opt.iters);
	row_exit_loop("pio_out", guest_out_loop, opt.iters);
	row_exit_loop("mmio_write", guest_mmio_write_loop, opt.iters);
	row_exit_loop("mmio_read", guest_mmio_read_loop, opt.iters);
	row_touch();
	row_lifecycle();
	row_scaling();
	row_churn();
	ktap_end();
}
