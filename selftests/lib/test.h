/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: KTAP output, the device under test, modules.
 *
 * Every test takes `--dev PATH` (default /dev/hv): the same program runs
 * against /dev/kvm as the reference.  Results are KTAP on stdout; the exit
 * code is 0 (all passed), 4 (nothing ran: skipped) or 1 (a failure).
 */
#ifndef HV_SELFTEST_TEST_H
#define HV_SELFTEST_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/hv.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

/* ---- KTAP ---- */
void ktap_begin(int argc, char **argv);	/* parses --dev, prints header */
void ktap_result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ktap_skip(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ktap_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_end(void) __attribute__((noreturn));
/* Skip the whole program (e.g. a lane without the feature). */
void ktap_skip_all(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Stop the program with a failure: for setup that later checks rely on. */
#define TEST_REQUIRE(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		printf("# %s:%d: requirement failed: %s: " fmt "\n",	\
		       __FILE__, __LINE__, #cond, ##__VA_ARGS__);	\
		ktap_result(false, "%s", #cond);			\
		ktap_end();						\
	}								\
} while (0)

/* ---- the device under test ---- */
extern const char *hv_dev_path;		/* "/dev/hv" or "/dev/kvm" */
bool dev_is_kvm(void);
int dev_open(void);			/* loads the module if needed */
int vm_create(int devfd);		/* HV_CREATE_VM type 0, or fails */

/* An ioctl's result as -errno (or the value), for compact checks. */
long ioctl_ret(int fd, unsigned long req, unsigned long arg);

/* ---- modules (libkmod) ---- */
const char *dev_module_name(void);	/* "hv", "kvm_amd" or "kvm_intel" */
int module_load(const char *name);	/* 0 or -errno from init_module */
int module_unload(const char *name);	/* 0 or -errno from delete_module */
bool module_is_loaded(const char *name);

/* ---- host memory accounting, for leak checks ---- */
long meminfo_kb(const char *field);	/* a /proc/meminfo field */
long slab_kb(void);			/* Slab: reclaimable+unreclaimable */
void settle_memory(void);		/* let RCU and workqueues free */



/*
 * @n, divided by HV_TEST_DIVISOR (at least 1): a slow emulated lane runs
 * the long loops fewer times (tools/lab sets it to the lane's factor).
 */
int test_iterations(int n);

/*
 * The CPUs the calling thread may run on, in ascending order, into @cpus
 * (CPU_SETSIZE entries); returns how many.  Fails the test if the
 * affinity cannot be read.
 */
int test_allowed_cpus(int *cpus);

/* Does the kernel command line hold @word (the lab's hvlab.* facts)? */
bool kernel_cmdline_has(const char *word);

/* The newest kernel log line containing @needle, or "" (static buffer). */
const char *kmsg_last_matching(const char *needle);
#endif /* HV_SELFTEST_TEST_H */
