// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv: the system-level ioctls (KVM's numbers and semantics).
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <uapi/linux/hv.h>

#include "hv.h"

static long hv_dev_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	switch (ioctl) {
	case HV_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return HV_API_VERSION;
	case HV_CREATE_VM:
		return hv_vm_create(arg);
	case HV_CHECK_EXTENSION:
		return hv_check_extension(NULL, arg);
	case HV_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return HV_VCPU_MMAP_PAGES * PAGE_SIZE;
	case HV_GET_SUPPORTED_CPUID:
		return hv_get_supported_cpuid((void __user *)arg);
	case HV_GET_MSR_INDEX_LIST:
	case HV_GET_MSR_FEATURE_INDEX_LIST:
	case HV_GET_MSRS:
		return hv_dev_msr_ioctl(ioctl, (void __user *)arg);
	case HV_X86_GET_MCE_CAP_SUPPORTED:	/* core/mce.c */
		return hv_dev_get_mce_cap_supported((u64 __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hv_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = hv_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hv_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hv",
	.fops = &hv_dev_fops,
};

int hv_dev_init(void)
{
	return misc_register(&hv_dev);
}

void hv_dev_exit(void)
{
	misc_deregister(&hv_dev);
}
