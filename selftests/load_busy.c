// SPDX-License-Identifier: GPL-2.0
/*
 * hv refuses to load (-EBUSY, one line naming the likely owner) while
 * another hypervisor, the stock KVM here, has the hardware, and loads
 * once it has let go.
 *
 * This checks hv's own refusal, with KVM as the other party, so it has
 * no meaning against the KVM reference and skips there.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/test.h"

int main(int argc, char **argv)
{
	const char *kvm_mod, *line;
	int kvmfd, vmfd, r;

	ktap_begin(argc, argv);
	if (dev_is_kvm())
		ktap_skip_all("checks hv's refusal to share the hardware, with KVM as the other party");

	hv_dev_path = "/dev/kvm";
	kvm_mod = dev_module_name();
	hv_dev_path = "/dev/hv";

	r = module_is_loaded("hv") ? module_unload("hv") : 0;
	TEST_REQUIRE(r == 0, "unload hv: %d", r);
	r = module_load(kvm_mod);
	if (r == -ENOENT)
		ktap_skip_all("%s is not installed here", kvm_mod);
	TEST_REQUIRE(r == 0, "load %s: %d", kvm_mod, r);

	/* KVM 6.1 turns VMX/SVM on when its first VM is created. */
	kvmfd = open("/dev/kvm", O_RDWR);
	TEST_REQUIRE(kvmfd >= 0, "open /dev/kvm: %s", strerror(errno));
	vmfd = ioctl(kvmfd, HV_CREATE_VM, 0);
	TEST_REQUIRE(vmfd >= 0, "KVM_CREATE_VM: %s", strerror(errno));

	r = module_load("hv");
	ktap_result(r == -EBUSY, "hv refuses to load while KVM has a VM (got %d)", r);
	line = kmsg_last_matching("hv: ");
	ktap_info("kernel log: %s", line);
	ktap_result(strstr(line, "kvm") != NULL,
		    "the refusal names the likely owner");
	ktap_result(access("/dev/hv", F_OK) != 0, "no /dev/hv appeared");

	close(vmfd);
	close(kvmfd);
	r = module_unload(kvm_mod);
	if (!r && module_is_loaded("kvm"))
		r = module_unload("kvm");
	TEST_REQUIRE(r == 0, "unload %s and kvm: %d", kvm_mod, r);

	r = module_load("hv");
	ktap_result(r == 0, "hv loads once KVM is gone (got %d)", r);
	kvmfd = open("/dev/hv", O_RDWR);
	ktap_result(kvmfd >= 0 && ioctl(kvmfd, HV_GET_API_VERSION, 0) == 12,
		    "and answers on /dev/hv");
	ktap_end();
}
