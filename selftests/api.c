// SPDX-License-Identifier: GPL-2.0
/*
 * The system ioctls' basic answers: API version and vCPU mmap size.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/test.h"

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd;
	long r;

	ktap_begin(argc, argv);
	fd = dev_open();

	r = ioctl_ret(fd, HV_GET_API_VERSION, 0);
	ktap_result(r == HV_API_VERSION, "GET_API_VERSION is 12 (got %ld)", r);

	r = ioctl_ret(fd, HV_GET_API_VERSION, 1);
	ktap_result(r == -EINVAL, "GET_API_VERSION with arg 1 is -EINVAL (got %ld)", r);

	r = ioctl_ret(fd, HV_GET_VCPU_MMAP_SIZE, 0);
	ktap_result(r >= page && r % page == 0,
		    "GET_VCPU_MMAP_SIZE is a whole number of pages (got %ld)", r);

	r = ioctl_ret(fd, HV_GET_VCPU_MMAP_SIZE, 1);
	ktap_result(r == -EINVAL, "GET_VCPU_MMAP_SIZE with arg 1 is -EINVAL (got %ld)", r);

	close(fd);
	ktap_end();
}
