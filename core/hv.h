/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv core: declarations shared by the files of the vendor-neutral core.
 */
#ifndef HV_CORE_HV_H
#define HV_CORE_HV_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "backend.h"

/*
 * A virtual machine.  One per HV_CREATE_VM; it lives as long as its VM fd
 * (and, later, any vCPU fd, which holds a reference).
 *
 * Locking legend:
 *   [c] constant after creation
 *   [l] protected by lock
 */
struct hv_vm {
	struct kref ref;
	struct mm_struct *mm;		/* [c] creator's mm, mmgrab()ed */
	struct mutex lock;		/* serializes VM-wide changes */
};

/* core/vm.c */
int hv_vm_create(unsigned long type);
void hv_vm_get(struct hv_vm *vm);
void hv_vm_put(struct hv_vm *vm);

/* core/caps.c */
long hv_check_extension(struct hv_vm *vm, unsigned long cap);

/* core/cpu.c: per-CPU enable/disable of the hardware */
int hv_cpus_init(void);
void hv_cpus_exit(void);

/* core/dev.c: /dev/hv */
int hv_dev_init(void);
void hv_dev_exit(void);

/* Size of the area a vCPU fd lets userspace mmap (HV_GET_VCPU_MMAP_SIZE). */
#define HV_VCPU_MMAP_PAGES	2	/* the run structure, then I/O data */

#endif /* HV_CORE_HV_H */
