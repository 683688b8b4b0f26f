/* SPDX-License-Identifier: GPL-2.0 */
/* glibc includes <linux/errno.h> too: chain to the UAPI one first. */
#include_next <linux/errno.h>
#include "../shim.h"
