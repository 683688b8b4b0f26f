// SPDX-License-Identifier: GPL-2.0
/*
 * hv selftest library: KTAP output, the device under test, modules.
 */
#define _GNU_SOURCE		/* sched_getaffinity */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libkmod.h>

#include "test.h"

const char *hv_dev_path = "/dev/hv";

static int ktap_n, ktap_pass, ktap_fail, ktap_skipped;

void ktap_begin(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			hv_dev_path = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--dev /dev/hv|/dev/kvm]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# %s on %s\n", argv[0], hv_dev_path);
}

void ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		ktap_pass++;
	else
		ktap_fail++;
}

void ktap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d %s # SKIP ", ++ktap_n, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ktap_skipped++;
}

void ktap_info(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void ktap_end(void)
{
	printf("1..%d\n", ktap_n);
	printf("# totals: pass:%d fail:%d skip:%d\n", ktap_pass, ktap_fail,
	       ktap_skipped);
	fflush(stdout);
	if (ktap_fail)
		exit(KSFT_FAIL);
	if (!ktap_pass && ktap_skipped)
		exit(KSFT_SKIP);
	exit(KSFT_PASS);
}

void ktap_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(KSFT_SKIP);
}

bool dev_is_kvm(void)
{
	return strstr(hv_dev_path, "kvm") != NULL;
}

long ioctl_ret(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int dev_open(void)
{
	int fd = open(hv_dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && !module_load(dev_module_name()))
		fd = open(hv_dev_path, O_RDWR | O_CLOEXEC);
	TEST_REQUIRE(fd >= 0, "open %s: %s", hv_dev_path, strerror(errno));
	return fd;
}

int vm_create(int devfd)
{
	int vmfd = ioctl(devfd, HV_CREATE_VM, 0);

	TEST_REQUIRE(vmfd >= 0, "CREATE_VM: %s", strerror(errno));
	return vmfd;
}

/* The reference hypervisor's module depends on the CPU vendor. */
const char *dev_module_name(void)
{
	char line[256];
	const char *name = NULL;
	FILE *f;

	if (!dev_is_kvm())
		return "hv";
	f = fopen("/proc/cpuinfo", "r");
	while (f && !name && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9))
			name = strstr(line, "AuthenticAMD") || strstr(line, "HygonGenuine") ?
			       "kvm_amd" : "kvm_intel";
	}
	if (f)
		fclose(f);
	return name ? name : "kvm_intel";
}

static struct kmod_ctx *kmod(void)
{
	static struct kmod_ctx *ctx;

	if (!ctx) {
		ctx = kmod_new(NULL, NULL);
		TEST_REQUIRE(ctx, "kmod_new failed");
		kmod_load_resources(ctx);
	}
	return ctx;
}

int module_load(const char *name)
{
	struct kmod_module *mod;
	int r;

	r = kmod_module_new_from_name(kmod(), name, &mod);
	if (r < 0)
		return r;
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED,
					    NULL, NULL, NULL, NULL);
	kmod_module_unref(mod);
	return r;
}

int module_unload(const char *name)
{
	struct kmod_module *mod;
	int r;

	r = kmod_module_new_from_name(kmod(), name, &mod);
	if (r < 0)
		return r;
	r = kmod_module_remove_module(mod, 0);
	kmod_module_unref(mod);
	return r;
}

bool module_is_loaded(const char *name)
{
	struct kmod_module *mod;
	int state;

	if (kmod_module_new_from_name(kmod(), name, &mod) < 0)
		return false;
	state = kmod_module_get_initstate(mod);
	kmod_module_unref(mod);
	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN;
}

long meminfo_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return kb;
}

long slab_kb(void)
{
	return meminfo_kb("Slab");
}

void settle_memory(void)
{
	int fd;

	/* RCU-deferred frees (files, inodes) need a grace period or two. */
	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) < 0)
			ktap_info("drop_caches: %s", strerror(errno));
		close(fd);
	}
	usleep(500 * 1000);
}

const char *kmsg_last_matching(const char *needle)
{
	static char found[1024];
	char rec[1024];
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	found[0] = '\0';
	if (fd < 0)
		return found;
	/* One record per read; EAGAIN at the end, EPIPE if overwritten. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (msg && strstr(msg, needle)) {
			strncpy(found, msg + 1, sizeof(found) - 1);
			found[strcspn(found, "\n")] = '\0';
		}
	}
	close(fd);
	return found;
}

int test_allowed_cpus(int *cpus)
{
	cpu_set_t set;
	int c, n = 0;

	TEST_REQUIRE(!sched_getaffinity(0, sizeof(set), &set), "sched_getaffinity: %s",
		     strerror(errno));
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

int test_iterations(int n)
{
	const char *d = getenv("HV_TEST_DIVISOR");
	int div = d ? atoi(d) : 1;

	return div > 1 ? (n / div > 0 ? n / div : 1) : n;
}

bool kernel_cmdline_has(const char *word)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, word) != NULL;
}
