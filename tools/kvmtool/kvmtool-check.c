// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtool-check: does a device with KVM's ABI offer what kvmtool's `lkvm
 * run` (x86) requires before it creates anything?
 *
 * kvmtool opens the device, wants KVM_GET_API_VERSION 12, then goes through
 * its table of required capabilities (kvm_req_ext[] in its x86/kvm.c) with
 * KVM_CHECK_EXTENSION on the device's fd, and dies at the first one that
 * reads 0 ("Unsupported KVM extension detected: ..."). This program reads
 * the same table in the same order and names every capability missing, so
 * that the lab reports a skip with the whole list rather than a failure.
 * Documentation/qemu.md, "kvmtool", says how the lab uses it.
 *
 * Usage: kvmtool-check [--dev PATH]      (default /dev/hv)
 *
 * Output is KTAP. Exit status: 0 everything is there; 4 a capability is
 * missing (each named on a "# missing:" line and in the last line); 1 the
 * device cannot be opened or speaks another API version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#define CAP(name) { name, #name }

/* kvmtool's x86 kvm_req_ext[], in its order (commit b48735e5). */
static const struct {
	int cap;
	const char *name;
} required[] = {
	CAP(KVM_CAP_COALESCED_MMIO),
	CAP(KVM_CAP_SET_TSS_ADDR),
	CAP(KVM_CAP_PIT2),
	CAP(KVM_CAP_USER_MEMORY),
	CAP(KVM_CAP_IRQ_ROUTING),
	CAP(KVM_CAP_IRQCHIP),
	CAP(KVM_CAP_HLT),
	CAP(KVM_CAP_IRQ_INJECT_STATUS),
	CAP(KVM_CAP_EXT_CPUID),
};

#define NREQUIRED (sizeof(required) / sizeof(required[0]))

int main(int argc, char **argv)
{
	const char *dev = "/dev/hv";
	char lacks[512] = "";
	unsigned int i;
	int fd, ret, nmissing = 0;

	if (argc == 3 && !strcmp(argv[1], "--dev")) {
		dev = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--dev PATH]\n", argv[0]);
		return 2;
	}

	printf("TAP version 13\n1..%zu\n", NREQUIRED + 1);
	printf("# what kvmtool (lkvm run, x86) requires of %s\n", dev);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("not ok 1 open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ret = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		printf("not ok 1 KVM_GET_API_VERSION: %d, kvmtool wants %d\n",
		       ret, KVM_API_VERSION);
		return 1;
	}
	printf("ok 1 KVM_GET_API_VERSION: %d\n", ret);

	for (i = 0; i < NREQUIRED; i++) {
		/* kvmtool counts an error as "not supported", as KVM's users do */
		ret = ioctl(fd, KVM_CHECK_EXTENSION, required[i].cap);
		if (ret > 0) {
			printf("ok %u %s: %d\n", i + 2, required[i].name, ret);
			continue;
		}
		printf("ok %u %s # SKIP missing\n# missing: %s\n", i + 2,
		       required[i].name, required[i].name);
		snprintf(lacks + strlen(lacks), sizeof(lacks) - strlen(lacks),
			 "%s%s", nmissing++ ? " " : "", required[i].name);
	}
	close(fd);
	if (nmissing) {
		printf("# kvmtool needs, and the device lacks: %s\n", lacks);
		return 4;
	}
	printf("# the device offers every capability kvmtool requires\n");
	return 0;
}
