// SPDX-License-Identifier: GPL-2.0
/*
 * Bad arguments to the system and VM ioctls get KVM's errno and harm
 * nothing: after all of them, the VM still answers.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/test.h"

static void expect(int fd, unsigned long req, unsigned long arg, long want,
		   const char *what)
{
	long r = ioctl_ret(fd, req, arg);

	ktap_result(r == want, "%s: want %ld, got %ld", what, want, r);
}

int main(int argc, char **argv)
{
	int devfd, vmfd, status;
	long dev_unknown;
	pid_t pid;

	ktap_begin(argc, argv);
	devfd = dev_open();
	vmfd = vm_create(devfd);

	/*
	 * Unknown numbers, in and out of KVM's ioctl space.  On the device,
	 * hv answers -ENOTTY where KVM/x86 answers -EINVAL (a documented
	 * difference: Documentation/abi.md).
	 */
	dev_unknown = dev_is_kvm() ? -EINVAL : -ENOTTY;
	expect(devfd, _IO(HVIO, 0xff), 0, dev_unknown, "unknown ioctl on the device");
	expect(devfd, _IO(0x42, 0x01), 0, dev_unknown, "foreign ioctl on the device");
	expect(vmfd, _IO(HVIO, 0xff), 0, -ENOTTY, "unknown ioctl on a VM");

	/* Ioctls of one fd kind sent to another. */
	expect(vmfd, HV_CREATE_VM, 0, -ENOTTY, "CREATE_VM on a VM fd");
	expect(vmfd, HV_GET_API_VERSION, 0, -ENOTTY, "GET_API_VERSION on a VM fd");
	expect(vmfd, HV_GET_VCPU_MMAP_SIZE, 0, -ENOTTY, "GET_VCPU_MMAP_SIZE on a VM fd");
	expect(devfd, HV_RUN, 0, dev_unknown, "RUN on the device");
	expect(devfd, HV_CREATE_VCPU, 0, dev_unknown, "CREATE_VCPU on the device");

	/* Machine types other than 0. */
	expect(devfd, HV_CREATE_VM, 1, -EINVAL, "CREATE_VM type 1");
	expect(devfd, HV_CREATE_VM, -1UL, -EINVAL, "CREATE_VM type -1");
	expect(devfd, HV_CREATE_VM, 0x80000000UL, -EINVAL, "CREATE_VM type 0x80000000");

	/* A VM belongs to its creator's address space. */
	pid = fork();
	if (pid == 0)
		_exit(ioctl_ret(vmfd, HV_CHECK_EXTENSION, 0) == -EIO ? 0 : 1);
	waitpid(pid, &status, 0);
	ktap_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "a VM ioctl from a forked child is -EIO");

	/* Nothing above disturbed the VM. */
	expect(vmfd, HV_CHECK_EXTENSION, HV_CAP_CHECK_EXTENSION_VM, 1,
	       "the VM still answers");

	close(vmfd);
	close(devfd);
	ktap_end();
}
