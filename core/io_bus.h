/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel I/O bus: port and MMIO ranges the kernel serves itself
 * (device models in io/, ioeventfds, coalesced MMIO) before an access
 * exits to userspace.  See core/io_bus.c.
 */
#ifndef HV_CORE_IO_BUS_H
#define HV_CORE_IO_BUS_H

#include <linux/rcupdate.h>
#include <linux/types.h>

struct hv_vm;
struct hv_vcpu;

enum hv_bus_id {
	HV_PIO_BUS,		/* port I/O: addr is the port */
	HV_MMIO_BUS,		/* guest-physical addresses */
	HV_NR_BUSES,
};

struct hv_io_device;

/*
 * A device's handlers.  They run in the thread of the vCPU that made the
 * access (@vcpu), under srcu_read_lock(&vm->srcu), so they may sleep.
 * Return 0 when the device handled the access, -EOPNOTSUPP to let the
 * next device on the range, or userspace, have it (an ioeventfd whose
 * datamatch differs, say).  A read fills @len bytes of @val.
 */
struct hv_io_device_ops {
	int (*read)(struct hv_io_device *dev, struct hv_vcpu *vcpu, u64 addr,
		    u32 len, void *val);
	int (*write)(struct hv_io_device *dev, struct hv_vcpu *vcpu, u64 addr,
		     u32 len, const void *val);
};

/* Embedded in a device model's structure; container_of() gets it back. */
struct hv_io_device {
	const struct hv_io_device_ops *ops;
};

struct hv_io_range {
	u64 addr;
	u32 len;
	struct hv_io_device *dev;
};

/* One bus: ranges sorted by addr, immutable once published (SRCU). */
struct hv_io_bus {
	int nr;
	struct hv_io_range ranges[];
};

int hv_io_bus_register(struct hv_vm *vm, enum hv_bus_id bus, u64 addr,
		       u32 len, struct hv_io_device *dev);
void hv_io_bus_unregister(struct hv_vm *vm, enum hv_bus_id bus,
			  struct hv_io_device *dev);
int hv_io_bus_read(struct hv_vcpu *vcpu, enum hv_bus_id bus, u64 addr,
		   u32 len, void *val);
int hv_io_bus_write(struct hv_vcpu *vcpu, enum hv_bus_id bus, u64 addr,
		    u32 len, const void *val);
void hv_io_bus_destroy(struct hv_vm *vm);

#endif
