// SPDX-License-Identifier: GPL-2.0
/*
 * Many VMs created and closed leak nothing; many open at once all work.
 */
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/test.h"

#define CYCLES		test_iterations(5000)
#define OPEN_AT_ONCE	200
/* A leaked VM costs at least a file and the VM object (~400 bytes). */
#define SLAB_SLACK_KB	512

static void create_close(int devfd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		int vmfd = ioctl(devfd, HV_CREATE_VM, 0);

		TEST_REQUIRE(vmfd >= 0, "cycle %d: %s", i, strerror(errno));
		close(vmfd);
	}
}

int main(int argc, char **argv)
{
	int devfd, fds[OPEN_AT_ONCE], i, ok = 1;
	long before, after;

	ktap_begin(argc, argv);
	devfd = dev_open();

	create_close(devfd, 100);	/* warm the caches */
	settle_memory();
	before = slab_kb();
	create_close(devfd, CYCLES);
	settle_memory();
	after = slab_kb();
	ktap_info("slab %ld kB before, %ld kB after %d VMs", before, after, CYCLES);
	ktap_result(after - before < SLAB_SLACK_KB,
		    "%d VMs created and closed without leaking (slab grew %ld kB)",
		    CYCLES, after - before);

	for (i = 0; i < OPEN_AT_ONCE; i++) {
		fds[i] = ioctl(devfd, HV_CREATE_VM, 0);
		if (fds[i] < 0)
			ok = 0;
	}
	for (i = 0; i < OPEN_AT_ONCE; i++)
		if (fds[i] >= 0 &&
		    ioctl(fds[i], HV_CHECK_EXTENSION, HV_CAP_CHECK_EXTENSION_VM) != 1)
			ok = 0;
	ktap_result(ok, "%d VMs open at once all answer", OPEN_AT_ONCE);
	for (i = 0; i < OPEN_AT_ONCE; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	close(devfd);
	ktap_end();
}
