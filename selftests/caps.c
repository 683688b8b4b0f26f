// SPDX-License-Identifier: GPL-2.0
/*
 * HV_CHECK_EXTENSION tells the truth.
 *
 * Every capability number is asked, on /dev/hv and on a VM fd.  Each one
 * hv reports must be in the table below, whose entry checks the behaviour
 * the capability promises (and names the selftest that covers it fully).
 * A capability reported but not in the table fails: hv must not claim
 * work it has not done.  Against the KVM reference only the table's
 * checks apply; KVM reports much more.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/test.h"

#define CAP_MAX		512	/* KVM 6.1 defines numbers up to ~225 */

struct cap_check {
	int cap;
	const char *name;
	/* Checks the promised behaviour; returns true if it holds. */
	bool (*check)(int devfd, int vmfd, long value);
};

/* The VM fd answers CHECK_EXTENSION like /dev/hv does. */
static bool check_extension_vm(int devfd, int vmfd, long value)
{
	int cap;

	for (cap = 0; cap < CAP_MAX; cap++) {
		long sys = ioctl_ret(devfd, HV_CHECK_EXTENSION, cap);
		long vm = ioctl_ret(vmfd, HV_CHECK_EXTENSION, cap);

		/* KVM answers a few per-VM differently; hv never does. */
		if (sys < 0 || vm < 0 || (!dev_is_kvm() && sys != vm))
			return false;
	}
	return value == 1;
}

static const struct cap_check cap_checks[] = {
	{ HV_CAP_CHECK_EXTENSION_VM, "CHECK_EXTENSION_VM", check_extension_vm },
};

static const struct cap_check *find_check(int cap)
{
	size_t i;

	for (i = 0; i < sizeof(cap_checks) / sizeof(cap_checks[0]); i++)
		if (cap_checks[i].cap == cap)
			return &cap_checks[i];
	return NULL;
}

int main(int argc, char **argv)
{
	int devfd, vmfd, cap, unknown = 0;
	size_t i;
	long r;

	ktap_begin(argc, argv);
	devfd = dev_open();
	vmfd = vm_create(devfd);

	for (cap = 0; cap < CAP_MAX; cap++) {
		r = ioctl_ret(devfd, HV_CHECK_EXTENSION, cap);
		if (r < 0) {
			ktap_result(false, "CHECK_EXTENSION(%d) failed: %ld", cap, r);
			continue;
		}
		if (r && !find_check(cap)) {
			if (dev_is_kvm())
				continue;
			ktap_info("capability %d reported (%ld) but not known to be implemented",
				  cap, r);
			unknown++;
		}
	}
	if (dev_is_kvm())
		ktap_skip("only implemented capabilities are reported", "the reference reports its own set");
	else
		ktap_result(!unknown, "only implemented capabilities are reported (%d unknown)",
			    unknown);

	for (i = 0; i < sizeof(cap_checks) / sizeof(cap_checks[0]); i++) {
		const struct cap_check *c = &cap_checks[i];

		r = ioctl_ret(devfd, HV_CHECK_EXTENSION, c->cap);
		if (r <= 0) {
			ktap_skip(c->name, "not reported");
			continue;
		}
		ktap_result(c->check(devfd, vmfd, r), "%s (%d) = %ld behaves as promised",
			    c->name, c->cap, r);
	}

	r = ioctl_ret(devfd, HV_CHECK_EXTENSION, -1UL);
	ktap_result(r == 0, "CHECK_EXTENSION(-1) is 0 (got %ld)", r);
	r = ioctl_ret(devfd, HV_CHECK_EXTENSION, 1UL << 40);
	ktap_result(r == 0, "CHECK_EXTENSION(1<<40) is 0 (got %ld)", r);

	close(vmfd);
	close(devfd);
	ktap_end();
}
