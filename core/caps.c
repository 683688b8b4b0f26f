// SPDX-License-Identifier: GPL-2.0
/*
 * HV_CHECK_EXTENSION: which KVM capabilities hv implements.
 *
 * A capability is listed here only once the code behind it is complete and
 * a selftest exercises it (selftests/caps.c refuses to pass otherwise).
 * Every other number answers 0, as KVM does for ones it does not know.
 */
#include <uapi/linux/hv.h>

#include "hv.h"

/* @vm is NULL when asked on /dev/hv, the VM otherwise. */
long hv_check_extension(struct hv_vm *vm, unsigned long cap)
{
	switch (cap) {
	case HV_CAP_CHECK_EXTENSION_VM:
		return 1;
	default:
		return 0;
	}
}
