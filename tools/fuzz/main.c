// SPDX-License-Identifier: GPL-2.0
/*
 * hv-fuzz, the supervisor: runs iterations in worker processes (each a
 * fresh program, see prog.c and exec.c), watches the kernel (oracle.c)
 * and reports.  See Documentation/fuzzing.md, or --help.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "fuzz.h"

static const char usage[] =
"usage: fuzz [options]\n"
"  --dev PATH         device to fuzz [/dev/hv]; /dev/kvm works too\n"
"  --seed S           the run's seed [from the clock; printed]\n"
"  --time SECS        time budget [60]\n"
"  --procs N          iterations running at once [2]\n"
"  --max-ops N        operations per program at most [120]\n"
"  --iter-time SECS   seconds an iteration may run operations [4]\n"
"  --iters I[,J...]   replay: run these iterations (at once), --repeat times\n"
"  --repeat N         replay rounds [1]\n"
"  --ops N            run only the first N operations of each program\n"
"  --skip K[,K...]    make these operations no-ops\n"
"  --print            print the programs (--iters, or the first --procs) and exit\n"
"  --verbose          print every operation as it runs\n"
"  --no-leak-check    no memory-counter check at the end\n"
"  --leak-slab-kb N   unreclaimable slab growth that is a leak [2048]\n"
"  --leak-page-kb N   loss of free pages that is a leak [16384]\n"
"  --kmemleak         scan with kmemleak at the end [if available]\n"
"  --no-kmemleak      do not\n"
"  --no-fail-nth      no fault injection [used if available]\n"
"  --hung-secs N      hung-task timeout to set [30]; a worker that does not die\n"
"                     within N+30 s of SIGKILL is a finding\n"
"  --no-minimize      on a finding, do not try to reproduce and minimize it\n"
"  --minimize-time S  time for that [300]\n"
"  --stats-every S    progress line every S seconds [10]\n"
"  --tcg-safe         keep guest state QEMU's TCG cannot take (the lab's AMD-V\n"
"                     lane; Documentation/fuzzing.md)\n"
"exit status: 0 no finding, 1 a finding, 2 usage, 4 no device (skip)\n";

static struct {
	const char *dev;
	u64 seed;
	double time;
	int procs;
	int max_ops;
	double iter_time;
	u64 *iters;
	int niters;
	int repeat;
	int ops;
	bool *skip;
	bool print;
	bool verbose;
	bool leak_check;
	long leak_slab_kb, leak_page_kb;
	int kmemleak;		/* -1: if available */
	int fail_nth;		/* -1: if available */
	int hung_secs;
	bool minimize;
	double minimize_time;
	double stats_every;
	bool tcg_safe;
	const char *argv0;
} O = {
	.dev = "/dev/hv", .time = 60, .procs = 2, .max_ops = 120,
	.iter_time = 4, .repeat = 1, .ops = -1, .leak_check = true,
	.leak_slab_kb = 2048, .leak_page_kb = 16384, .kmemleak = -1,
	.fail_nth = -1, .hung_secs = 30, .minimize = true,
	.minimize_time = 300, .stats_every = 10,
};

#define MAX_PROCS	8
#define MAX_SKIP	1024

struct worker {
	pid_t pid;
	u64 iter;
	double start, killed;
};

static struct worker workers[MAX_PROCS];
static int nactive;
static struct stats *stats;
static struct exec_opts eopts;
static int kmsg_fd = -1, kmsg_wfd = -1;
static double t0;

/* Iterations that ended since the last look at the kernel log. */
static u64 recent[64];
static int nrecent;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mark(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (kmsg_wfd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "<4>hv-fuzz: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (write(kmsg_wfd, buf, n) < 0)
		kmsg_wfd = -1;
}

/* ---- workers ---- */

static void worker_main(u64 iter, int ops, const bool *skip)
{
	struct prog p;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prog_generate(&p, O.seed, iter, O.max_ops);
	prog_trim(&p, ops, skip);
	if (O.verbose)
		prog_print(&p, NULL);
	prog_exec(&p, &eopts);
	_exit(0);
}

static void start_worker(u64 iter, int ops, const bool *skip)
{
	struct worker *w = NULL;
	pid_t pid;
	int i;

	for (i = 0; i < MAX_PROCS && !w; i++)
		if (!workers[i].pid)
			w = &workers[i];
	if (!w)
		return;
	mark("iteration %llu start (seed %#llx)", (unsigned long long)iter,
	     (unsigned long long)O.seed);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fuzz: fork");
		sleep(1);
		return;
	}
	if (!pid)
		worker_main(iter, ops, skip);
	*w = (struct worker) { .pid = pid, .iter = iter, .start = now() };
	nactive++;
}

static void kill_worker(struct worker *w)
{
	kill(-w->pid, SIGKILL);
	kill(w->pid, SIGKILL);
	if (!w->killed)
		w->killed = now();
}

/*
 * Reap finished workers; kill overdue ones.  Returns the worker that
 * SIGKILL did not end within the hang limit, or NULL.
 */
static struct worker *poll_workers(void)
{
	double t = now();
	int st, i;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < MAX_PROCS; i++) {
			struct worker *w = &workers[i];

			if (w->pid != pid)
				continue;
			if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
				printf("fuzz: iteration %llu: worker died of signal %d\n",
				       (unsigned long long)w->iter, WTERMSIG(st));
			if (nrecent < (int)ARRAY_SIZE(recent))
				recent[nrecent++] = w->iter;
			w->pid = 0;
			nactive--;
		}
	}
	for (i = 0; i < MAX_PROCS; i++) {
		struct worker *w = &workers[i];

		if (!w->pid)
			continue;
		if (!w->killed && t - w->start > O.iter_time + 10)
			kill_worker(w);
		else if (w->killed && t - w->killed > O.hung_secs + 30)
			return w;
	}
	return NULL;
}

/* ---- reports ---- */

static void print_reproducer(const u64 *iters, int n, int ops, const bool *skip)
{
	int i, first = 1;

	printf("fuzz: reproduce: fuzz --dev %s --seed %#llx --max-ops %d --iter-time %g%s --iters ",
	       O.dev, (unsigned long long)O.seed, O.max_ops, O.iter_time,
	       O.tcg_safe ? " --tcg-safe" : "");
	for (i = 0; i < n; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)iters[i]);
	if (ops >= 0)
		printf(" --ops %d", ops);
	for (i = 0; skip && i < MAX_SKIP; i++) {
		if (!skip[i])
			continue;
		printf("%s%d", first ? " --skip " : ",", i);
		first = 0;
	}
	printf(" --repeat 3\n");
}

static void print_programs(const u64 *iters, int n, int ops, const bool *skip)
{
	struct prog p;
	int i;

	for (i = 0; i < n && i < 4; i++) {
		prog_generate(&p, O.seed, iters[i], O.max_ops);
		prog_trim(&p, ops, skip);
		prog_print(&p, NULL);
		prog_free(&p);
	}
	fflush(stdout);
}

static const char *errno_name(int e)
{
	static const char *const names[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [EINTR] = "EINTR",
		[EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG",
		[EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
		[EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY",
		[EEXIST] = "EEXIST", [ENODEV] = "ENODEV", [EINVAL] = "EINVAL",
		[ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
		[ENOSPC] = "ENOSPC", [ERANGE] = "ERANGE", [ENOSYS] = "ENOSYS",
		[EOPNOTSUPP] = "EOPNOTSUPP",
	};
	static char buf[16];

	if (e > 0 && e < (int)ARRAY_SIZE(names) && names[e])
		return names[e];
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void print_progress(void)
{
	printf("fuzz: [%4.0fs] iterations %llu, operations %llu, ioctls %llu (%llu ok), ",
	       now() - t0, (unsigned long long)stats->iters,
	       (unsigned long long)stats->ops, (unsigned long long)stats->ioctls,
	       (unsigned long long)stats->ioctl_ok);
	printf("HV_RUN %llu (%llu exits), guests %llu\n",
	       (unsigned long long)stats->runs, (unsigned long long)stats->runs_ok,
	       (unsigned long long)stats->guests);
	fflush(stdout);
}

static void print_summary(void)
{
	static const char *const exit_names[32] = {
		[HV_EXIT_UNKNOWN] = "unknown", [HV_EXIT_EXCEPTION] = "exception",
		[HV_EXIT_IO] = "io", [HV_EXIT_HYPERCALL] = "hypercall",
		[HV_EXIT_DEBUG] = "debug", [HV_EXIT_HLT] = "hlt",
		[HV_EXIT_MMIO] = "mmio", [HV_EXIT_SHUTDOWN] = "shutdown",
		[HV_EXIT_FAIL_ENTRY] = "fail_entry", [HV_EXIT_INTR] = "intr",
		[HV_EXIT_INTERNAL_ERROR] = "internal_error",
		[HV_EXIT_SYSTEM_EVENT] = "system_event",
	};
	int i, n;

	printf("fuzz: done in %.1fs: %llu iterations, %llu operations, %llu system calls\n",
	       now() - t0, (unsigned long long)stats->iters,
	       (unsigned long long)stats->ops, (unsigned long long)stats->syscalls);
	printf("fuzz: ioctls: %llu (%llu succeeded); HV_RUN: %llu calls, %llu exits to userspace (",
	       (unsigned long long)stats->ioctls, (unsigned long long)stats->ioctl_ok,
	       (unsigned long long)stats->runs, (unsigned long long)stats->runs_ok);
	for (i = n = 0; i < 32; i++) {
		if (!stats->exits[i])
			continue;
		if (exit_names[i])
			printf("%s%s %llu", n++ ? ", " : "", exit_names[i],
			       (unsigned long long)stats->exits[i]);
		else
			printf("%sreason %d %llu", n++ ? ", " : "", i,
			       (unsigned long long)stats->exits[i]);
	}
	printf(")\n");
	printf("fuzz: created: %llu VMs, %llu vCPUs, %llu memory slots; %llu guests (",
	       (unsigned long long)stats->vms, (unsigned long long)stats->vcpus,
	       (unsigned long long)stats->slots, (unsigned long long)stats->guests);
	for (i = 0; i < NR_GUEST_MODES; i++)
		printf("%s%s %llu", i ? ", " : "", guest_mode_name(i),
		       (unsigned long long)stats->guest_modes[i]);
	printf(")\nfuzz: failed ioctls:");
	for (i = n = 0; i < (int)ARRAY_SIZE(stats->errnos); i++)
		if (stats->errnos[i])
			printf("%s %s %llu", n++ ? "," : "", errno_name(i),
			       (unsigned long long)stats->errnos[i]);
	printf("\n"
	       "fuzz: also: %llu forks, %llu signals, %llu memory faults caught, %llu injected allocation/copy failures\n",
	       (unsigned long long)stats->forks, (unsigned long long)stats->signals,
	       (unsigned long long)stats->faults, (unsigned long long)stats->injected);
	fflush(stdout);
}

/* ---- reproducing and minimizing ---- */

enum outcome { QUIET, SPLAT, HANG };

/* Run @iters at once, @reps times; SPLAT at the first new kernel splat. */
static enum outcome try_repro(const u64 *iters, int n, int ops,
			      const bool *skip, int reps)
{
	struct worker *stuck;
	int rep, i;

	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i < n; i++)
			start_worker(iters[i], ops, skip);
		while (nactive) {
			stuck = poll_workers();
			if (stuck)
				return HANG;
			usleep(20000);
		}
		usleep(200000);
		if (kmsg_scan(kmsg_fd, NULL, 0, false))
			return SPLAT;
	}
	return QUIET;
}

static void minimize(const u64 *iters, int n)
{
	double end = now() + O.minimize_time;
	static bool skip[MAX_SKIP];
	u64 one[1];
	const u64 *cul = NULL;
	int ncul = 0, i, lo, hi, nops;
	struct prog p;
	enum outcome o;

	printf("fuzz: minimizing (at most %.0fs): each try runs 3 times\n",
	       O.minimize_time);
	for (i = 0; i < n && !cul && now() < end; i++) {
		one[0] = iters[i];
		o = try_repro(one, 1, -1, NULL, 3);
		printf("fuzz: %s: iteration %llu alone: %s\n",
		       __func__, (unsigned long long)iters[i],
		       o == SPLAT ? "reproduced" : o == HANG ? "hang" : "no splat");
		if (o == HANG)
			return;
		if (o == SPLAT) {
			cul = one;
			ncul = 1;
		}
	}
	if (!cul && n > 1 && now() < end) {
		o = try_repro(iters, n, -1, NULL, 3);
		printf("fuzz: %s: all %d together: %s\n", __func__, n,
		       o == SPLAT ? "reproduced" : "no splat");
		if (o == SPLAT) {
			cul = iters;
			ncul = n;
		}
	}
	if (!cul) {
		printf("fuzz: %s: %s\n", __func__,
		       "not reproduced in this boot (a race, or a report the kernel prints once); replay it on a fresh boot");
		return;
	}
	prog_generate(&p, O.seed, cul[0], O.max_ops);
	nops = p.nops;
	prog_free(&p);
	lo = 1;
	hi = nops;
	while (lo < hi && now() < end) {
		int mid = (lo + hi) / 2;

		o = try_repro(cul, ncul, mid, NULL, 3);
		printf("fuzz: %s: --ops %d: %s\n", __func__, mid,
		       o == SPLAT ? "reproduced" : "no splat");
		if (o == HANG)
			break;
		if (o == SPLAT)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (i = hi - 2; i >= 0 && i < MAX_SKIP && now() < end; i--) {
		skip[i] = true;
		o = try_repro(cul, ncul, hi, skip, 3);
		if (o != SPLAT)
			skip[i] = false;
		if (o == HANG)
			break;
	}
	printf("fuzz: minimized:\n");
	print_reproducer(cul, ncul, hi, skip);
	print_programs(cul, ncul, hi, skip);
}

static void finding(const char *kind, const char *title, const u64 *iters, int n)
{
	int i;

	printf("fuzz: FINDING: %s: %s\n", kind, title);
	printf("fuzz: seed %#llx; iterations in flight:", (unsigned long long)O.seed);
	for (i = 0; i < n; i++)
		printf(" %llu", (unsigned long long)iters[i]);
	printf("\n");
	print_reproducer(iters, n, O.ops, O.skip);
	print_programs(iters, n, O.ops, O.skip);
	mark("FINDING %s: %s", kind, title);
}

/*
 * In flight: the workers running now and those that ended since the last
 * look at the kernel log.
 */
static int in_flight(u64 *out, int max)
{
	int i, n = 0;

	for (i = 0; i < MAX_PROCS && n < max; i++)
		if (workers[i].pid)
			out[n++] = workers[i].iter;
	for (i = nrecent - 1; i >= 0 && n < max; i--)
		out[n++] = recent[i];
	return n;
}

/* ---- the run ---- */

static int parse_list(const char *s, u64 **out)
{
	int n = 1, i = 0;
	char *end;

	for (const char *c = s; *c; c++)
		n += *c == ',';
	*out = calloc(n, sizeof(**out));
	while (*s && i < n) {
		(*out)[i++] = strtoull(s, &end, 0);
		s = *end == ',' ? end + 1 : end;
		if (end == s && *s)
			break;
	}
	return i;
}

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", 1, NULL, 'd' }, { "seed", 1, NULL, 's' },
		{ "time", 1, NULL, 't' }, { "procs", 1, NULL, 'p' },
		{ "max-ops", 1, NULL, 'm' }, { "iter-time", 1, NULL, 'T' },
		{ "iters", 1, NULL, 'i' }, { "repeat", 1, NULL, 'r' },
		{ "ops", 1, NULL, 'o' }, { "skip", 1, NULL, 'k' },
		{ "print", 0, NULL, 'P' }, { "verbose", 0, NULL, 'v' },
		{ "no-leak-check", 0, NULL, 'L' }, { "leak-slab-kb", 1, NULL, 'S' },
		{ "leak-page-kb", 1, NULL, 'G' }, { "kmemleak", 0, NULL, 'K' },
		{ "no-kmemleak", 0, NULL, 'N' }, { "no-fail-nth", 0, NULL, 'F' },
		{ "hung-secs", 1, NULL, 'H' }, { "no-minimize", 0, NULL, 'M' },
		{ "minimize-time", 1, NULL, 'I' }, { "stats-every", 1, NULL, 'E' },
		{ "tcg-safe", 0, NULL, 'Q' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	u64 *list;
	int c, n, i;

	O.argv0 = argv[0];
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			O.dev = optarg;
			break;
		case 's':
			O.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 't':
			O.time = atof(optarg);
			break;
		case 'p':
			O.procs = MAX(1, MIN(MAX_PROCS, atoi(optarg)));
			break;
		case 'm':
			O.max_ops = MAX(24, MIN(MAX_SKIP - 16, atoi(optarg)));
			break;
		case 'T':
			O.iter_time = atof(optarg);
			break;
		case 'i':
			O.niters = parse_list(optarg, &O.iters);
			break;
		case 'r':
			O.repeat = MAX(1, atoi(optarg));
			break;
		case 'o':
			O.ops = atoi(optarg);
			break;
		case 'k':
			O.skip = calloc(MAX_SKIP, sizeof(bool));
			n = parse_list(optarg, &list);
			for (i = 0; i < n; i++)
				if (list[i] < MAX_SKIP)
					O.skip[list[i]] = true;
			free(list);
			break;
		case 'P':
			O.print = true;
			break;
		case 'v':
			O.verbose = true;
			break;
		case 'L':
			O.leak_check = false;
			break;
		case 'S':
			O.leak_slab_kb = atol(optarg);
			break;
		case 'G':
			O.leak_page_kb = atol(optarg);
			break;
		case 'K':
			O.kmemleak = 1;
			break;
		case 'N':
			O.kmemleak = 0;
			break;
		case 'F':
			O.fail_nth = 0;
			break;
		case 'H':
			O.hung_secs = atoi(optarg);
			break;
		case 'M':
			O.minimize = false;
			break;
		case 'I':
			O.minimize_time = atof(optarg);
			break;
		case 'E':
			O.stats_every = atof(optarg);
			break;
		case 'Q':
			O.tcg_safe = true;
			guest_tcg_safe = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fputs(usage, stderr);
		exit(2);
	}
	if (!seeded)
		O.seed = mix64(time(NULL), getpid());
}

/* Replay: the given iterations at once, --repeat rounds. */
static int replay(void)
{
	char title[512];
	enum outcome o;
	int round;

	for (round = 0; round < O.repeat; round++) {
		o = try_repro(O.iters, O.niters, O.ops, O.skip, 1);
		if (o == QUIET)
			continue;
		if (o == HANG) {
			finding("hang", "a worker did not die after SIGKILL", O.iters, O.niters);
			for (int i = 0; i < MAX_PROCS; i++)
				if (workers[i].pid)
					dump_task_stacks(workers[i].pid);
		} else {
			snprintf(title, sizeof(title), "a kernel splat (above)");
			printf("fuzz: FINDING: splat in %s round %d\n", __func__, round + 1);
		}
		return 1;
	}
	printf("fuzz: %s: %d rounds, no finding\n", __func__, O.repeat);
	return 0;
}

static int fuzz_loop(void)
{
	double warmup = O.leak_check ? MIN(30, MAX(3, O.time / 10)) : 0;
	double last_progress = now(), end = t0 + O.time;
	bool stopping = false, pausing = warmup > 0, have_base = false;
	bool leaked = false;
	struct memcount base, after;
	u64 next = 0, fl[16];
	char title[512];
	struct worker *stuck;
	int n;

	for (;;) {
		double t = now();

		if (t >= end)
			stopping = true;
		if (pausing && t - t0 >= warmup && !have_base) {
			/* Warm-up done: settle, take the leak baseline. */
			if (nactive)
				goto poll;
			memory_settle();
			memcount_read(&base);
			if (O.kmemleak)
				kmemleak_clear();
			have_base = true;
			pausing = false;
			printf("fuzz: [%4.0fs] memory baseline after warm-up: ", now() - t0);
			printf("unreclaimable slab %ld kB, free %ld kB\n",
			       base.sunreclaim_kb, base.free_kb);
		}
		while (!stopping && !(pausing && t - t0 >= warmup) && nactive < O.procs)
			start_worker(next++, O.ops, O.skip);
poll:
		stuck = poll_workers();
		if (stuck) {
			char msg[128];

			snprintf(msg, sizeof(msg),
				 "iteration %llu did not die within %ds of SIGKILL",
				 (unsigned long long)stuck->iter, O.hung_secs + 30);
			fl[0] = stuck->iter;
			finding("hang", msg, fl, 1);
			dump_task_stacks(stuck->pid);
			kmsg_scan(kmsg_fd, NULL, 0, true);
			return 1;
		}
		title[0] = '\0';
		if (kmsg_scan(kmsg_fd, title, sizeof(title), true)) {
			n = in_flight(fl, ARRAY_SIZE(fl));
			finding("kernel splat", title, fl, n);
			/* Let the rest of the report reach the log, then stop. */
			sleep(2);
			kmsg_scan(kmsg_fd, NULL, 0, true);
			while (nactive) {
				for (int i = 0; i < MAX_PROCS; i++)
					if (workers[i].pid)
						kill_worker(&workers[i]);
				if (poll_workers())
					return 1;
				usleep(50000);
			}
			kmsg_scan(kmsg_fd, NULL, 0, true);
			if (O.minimize)
				minimize(fl, n);
			return 1;
		}
		nrecent = 0;
		if (t - last_progress >= O.stats_every) {
			print_progress();
			last_progress = t;
		}
		if (stopping && !nactive)
			break;
		usleep(50000);
	}

	if (have_base) {
		long dslab, dfree;

		memory_settle();
		memcount_read(&after);
		dslab = after.sunreclaim_kb - base.sunreclaim_kb;
		dfree = base.free_kb - after.free_kb;
		printf("fuzz: memory after every fd closed: unreclaimable slab %+ld kB, ", dslab);
		printf("free memory %+ld kB (leak limits: slab +%ld kB, free -%ld kB)\n",
		       -dfree, O.leak_slab_kb, O.leak_page_kb);
		if (dslab > O.leak_slab_kb || dfree > O.leak_page_kb) {
			snprintf(title, sizeof(title),
				 "memory not returned: unreclaimable slab %+ld kB, free memory %+ld kB",
				 dslab, -dfree);
			printf("fuzz: FINDING: leak: %s (seed %#llx, iterations 0-%llu)\n",
			       title, (unsigned long long)O.seed, (unsigned long long)next - 1);
			mark("FINDING leak: %s", title);
			leaked = true;
		}
	}
	/*
	 * kmemleak names the objects, where the counters only see totals
	 * (on the debug kernel KASAN's quarantine moves them too): it runs
	 * whatever the counters said, so that a counter finding comes with
	 * the objects behind it, or with none.
	 */
	if (O.kmemleak && have_base) {
		const char *mod = strstr(O.dev, "kvm") ? "kvm" : "hv";

		if (kmemleak_report(mod)) {
			printf("fuzz: FINDING: leak: kmemleak found unreferenced objects ");
			printf("allocated by %s (seed %#llx)\n", mod, (unsigned long long)O.seed);
			mark("FINDING kmemleak");
			leaked = true;
		}
	}
	return leaked;
}

int main(int argc, char **argv)
{
	int fd, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_options(argc, argv);
	if (O.print) {
		u64 first[MAX_PROCS];
		int i;

		if (!O.niters) {
			for (i = 0; i < O.procs; i++)
				first[i] = i;
			print_programs(first, O.procs, O.ops, O.skip);
		} else {
			print_programs(O.iters, O.niters, O.ops, O.skip);
		}
		return 0;
	}

	fd = open(O.dev, O.print ? O_RDONLY : O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("fuzz: %s: %s: skipped\n", O.dev, strerror(errno));
		return 4;
	}
	close(fd);

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED)
		return 2;
	if (O.fail_nth)
		O.fail_nth = fail_nth_setup();
	if (O.kmemleak)
		O.kmemleak = kmemleak_available();
	if (O.niters)
		O.leak_check = false;
	hung_task_setup(O.hung_secs);
	eopts = (struct exec_opts) {
		.dev = O.dev, .verbose = O.verbose, .fail_nth = O.fail_nth,
		.is_kvm = strstr(O.dev, "kvm"), .op_budget = O.iter_time,
		.tcg_safe = O.tcg_safe,
		.stats = stats,
	};
	kmsg_fd = kmsg_open();
	kmsg_wfd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	printf("fuzz: seed %#llx, device %s, %s, %d processes, ",
	       (unsigned long long)O.seed, O.dev,
	       O.niters ? "replay" : "fuzzing", O.niters ? O.niters : O.procs);
	printf("up to %d operations per program, %gs per iteration%s%s%s\n",
	       O.max_ops, O.iter_time, O.fail_nth ? ", fault injection" : "",
	       O.kmemleak ? ", kmemleak" : "", O.leak_check ? ", leak check" : "");
	if (kmsg_fd < 0)
		printf("fuzz: warning: cannot read /dev/kmsg: no splat detection here\n");
	mark("start: seed %#llx", (unsigned long long)O.seed);
	t0 = now();
	rc = O.niters ? replay() : fuzz_loop();
	print_summary();
	printf("fuzz: result: %s\n", rc ? "FINDING (above)" : "no finding");
	mark("end: %s", rc ? "finding" : "no finding");
	return rc;
}
