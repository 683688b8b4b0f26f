// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle is the kernel: its log (the splats the lab detects), its
 * memory counters after everything was closed, kmemleak on a debug
 * kernel, and tasks that do not die.  Also the knobs the fuzzer turns:
 * fault injection, the hung-task timeout.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "fuzz.h"

/*
 * The same patterns as LAB_SPLAT_RE in tools/lab/lanes.sh: WARN, BUG
 * (KASAN, soft lockups, sleeping in atomic, list corruption...), Oops,
 * GPF, lockdep, RCU stalls, hung tasks, panics, any call trace.
 */
#define SPLAT_RE "cut here|WARNING: CPU:|WARNING: (possible|suspicious|inconsistent|bad unlock)|BUG:|Oops|general protection fault|Kernel panic|kernel BUG at|lockdep|locking dependency|INFO: task .* blocked|detected stall|kthread starved|hard LOCKUP|UBSAN:|Call Trace:"

static regex_t splat;
static bool splat_ready;

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (!splat_ready) {
		if (regcomp(&splat, SPLAT_RE, REG_EXTENDED | REG_NOSUB))
			abort();
		splat_ready = true;
	}
	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Lines that say more than "a splat follows". */
static bool informative(const char *msg)
{
	return !strstr(msg, "cut here") && !strstr(msg, "Call Trace:");
}

int kmsg_scan(int fd, char *title, size_t title_len, bool echo)
{
	static int echo_left;
	char rec[2048], *msg, *nl;
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(msg, "hv-fuzz: ") || strstr(msg, "hvlab-tick"))
			continue;
		if (!regexec(&splat, msg, 0, NULL, 0)) {
			if (title && (!found || (!informative(title) && informative(msg))))
				snprintf(title, title_len, "%s", msg);
			found++;
			echo_left = 120;
		}
		if (echo && echo_left > 0) {
			echo_left--;
			printf("fuzz: kernel: %s\n", msg);
		}
	}
	fflush(stdout);
	return found;
}

/* ---- memory counters ---- */

void memcount_read(struct memcount *m)
{
	char line[256];
	long v, mfree = 0, cached = 0, buffers = 0, srec = 0, sunrec = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemFree: %ld", &v) == 1)
			mfree = v;
		else if (sscanf(line, "Cached: %ld", &v) == 1)
			cached = v;
		else if (sscanf(line, "Buffers: %ld", &v) == 1)
			buffers = v;
		else if (sscanf(line, "SReclaimable: %ld", &v) == 1)
			srec = v;
		else if (sscanf(line, "SUnreclaim: %ld", &v) == 1)
			sunrec = v;
	}
	if (f)
		fclose(f);
	m->sunreclaim_kb = sunrec;
	m->free_kb = mfree + cached + buffers + srec;
}

bool knob_write(const char *path, const char *val, char *old, size_t oldlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	ssize_t n;
	bool ok;

	if (fd < 0)
		return false;
	if (old && oldlen) {
		n = read(fd, old, oldlen - 1);
		old[n > 0 ? n : 0] = '\0';
		if (n > 0 && old[n - 1] == '\n')
			old[n - 1] = '\0';
	}
	ok = pwrite(fd, val, strlen(val), 0) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

/*
 * Let RCU callbacks, deferred frees and per-CPU caches settle, drop the
 * page cache, compact (which drains the per-CPU page lists).
 */
void memory_settle(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		sync();
		knob_write("/proc/sys/vm/drop_caches", "3", NULL, 0);
		knob_write("/proc/sys/vm/compact_memory", "1", NULL, 0);
		sleep(2);
	}
}

/* ---- kmemleak ---- */

#define KMEMLEAK "/sys/kernel/debug/kmemleak"

static void debugfs_mount(void)
{
	if (access("/sys/kernel/debug/kmemleak", F_OK) &&
	    access("/sys/kernel/debug/failslab", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

bool kmemleak_available(void)
{
	debugfs_mount();
	return !access(KMEMLEAK, R_OK);
}

void kmemleak_clear(void)
{
	knob_write(KMEMLEAK, "clear", NULL, 0);
}

/*
 * Two scans (kmemleak reports an object it found unreferenced and older
 * than 5 s), then the report: every object whose allocation backtrace
 * has a frame of @module is a finding; others are counted.
 */
int kmemleak_report(const char *module)
{
	char line[512], tag[64], *rec = NULL;
	size_t reclen = 0, cap = 0;
	int ours = 0, others = 0;
	bool mine = false;
	FILE *f;

	knob_write(KMEMLEAK, "scan", NULL, 0);
	sleep(6);
	knob_write(KMEMLEAK, "scan", NULL, 0);
	f = fopen(KMEMLEAK, "r");
	if (!f)
		return 0;
	snprintf(tag, sizeof(tag), "[%s]", module);
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);

		if (eof || !strncmp(line, "unreferenced object", 19)) {
			if (rec) {
				if (mine) {
					ours++;
					if (ours <= 5)
						printf("%s", rec);
				} else {
					others++;
				}
			}
			reclen = 0;
			mine = false;
			if (eof)
				break;
		}
		if (reclen + strlen(line) + 16 >= cap) {
			cap = cap * 2 + 4096;
			rec = realloc(rec, cap);
			if (!rec)
				abort();
		}
		reclen += sprintf(rec + reclen, "fuzz: kmemleak: %s", line);
		if (strstr(line, tag))
			mine = true;
	}
	fclose(f);
	free(rec);
	printf("fuzz: kmemleak: %d unreferenced objects allocated by %s, %d others\n",
	       ours, module, others);
	return ours;
}

/* ---- knobs ---- */

/*
 * /proc/thread-self/fail-nth fails the Nth fault-injection point the
 * thread reaches (slab, page allocation, user copy).  Usable only if the
 * failures are silent (verbose 0: a backtrace would look like a splat)
 * and include the allocations that may sleep.
 */
bool fail_nth_setup(void)
{
	bool ok = true;

	if (access("/proc/thread-self/fail-nth", W_OK))
		return false;
	debugfs_mount();
	ok &= knob_write("/sys/kernel/debug/failslab/verbose", "0", NULL, 0);
	ok &= knob_write("/sys/kernel/debug/failslab/ignore-gfp-wait", "N", NULL, 0);
	ok &= knob_write("/sys/kernel/debug/fail_page_alloc/verbose", "0", NULL, 0);
	ok &= knob_write("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N", NULL, 0);
	ok &= knob_write("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N", NULL, 0);
	ok &= knob_write("/sys/kernel/debug/fail_page_alloc/min-order", "0", NULL, 0);
	if (!access("/sys/kernel/debug/fail_usercopy", F_OK))
		ok &= knob_write("/sys/kernel/debug/fail_usercopy/verbose", "0", NULL, 0);
	return ok;
}

void hung_task_setup(int secs)
{
	char v[16];

	if (secs <= 0)
		return;
	snprintf(v, sizeof(v), "%d", secs);
	knob_write("/proc/sys/kernel/hung_task_timeout_secs", v, NULL, 0);
}

static void print_file(const char *prefix, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("%s%s", prefix, line);
	if (f)
		fclose(f);
}

/* Where the tasks of @pid are stuck: state, wchan, kernel stack. */
void dump_task_stacks(int pid)
{
	char path[512], prefix[320];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(prefix, sizeof(prefix), "fuzz: hang: task %s: ", d->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		print_file(prefix, path);
		printf("\n");
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid, d->d_name);
		print_file(prefix, path);
	}
	if (dir)
		closedir(dir);
	/* Every blocked task, into the kernel log. */
	knob_write("/proc/sysrq-trigger", "w", NULL, 0);
	fflush(stdout);
}
