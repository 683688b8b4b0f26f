/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hv userspace ABI.
 *
 * hv speaks KVM's ABI: every ioctl number, constant and structure layout
 * below is the one KVM defines (API version 12), so that a VMM written for
 * /dev/kvm runs on /dev/hv unchanged.  The numbers and layouts are public
 * interface facts; the names and text here are hv's own.  A VMM may use
 * either this header or <linux/kvm.h>.
 *
 * Documentation/abi.md says which of these hv implements today and which
 * errno each bad input gets.
 */
#ifndef _UAPI_LINUX_HV_H
#define _UAPI_LINUX_HV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HV_API_VERSION			12

/* All ioctls live in KVM's ioctl space. */
#define HVIO				0xAE

/* ---- ioctls on /dev/hv ---- */
#define HV_GET_API_VERSION		_IO(HVIO, 0x00)
#define HV_CREATE_VM			_IO(HVIO, 0x01)	/* arg: machine type */
#define HV_CHECK_EXTENSION		_IO(HVIO, 0x03)	/* arg: HV_CAP_* */
#define HV_GET_VCPU_MMAP_SIZE		_IO(HVIO, 0x04)
#define HV_GET_SUPPORTED_CPUID		_IOWR(HVIO, 0x05, struct hv_cpuid2)
#define HV_GET_MSR_INDEX_LIST		_IOWR(HVIO, 0x02, struct hv_msr_list)
#define HV_GET_MSR_FEATURE_INDEX_LIST	_IOWR(HVIO, 0x0a, struct hv_msr_list)

/* ---- ioctls on a VM fd ---- */
#define HV_CREATE_VCPU			_IO(HVIO, 0x41)	/* arg: vcpu id */
#define HV_SET_USER_MEMORY_REGION	_IOW(HVIO, 0x46, \
					     struct hv_userspace_memory_region)
/* VM state (Documentation/abi.md, "VM fd") */
#define HV_SET_TSS_ADDR			_IO(HVIO, 0x47)	/* arg: address */
#define HV_SET_IDENTITY_MAP_ADDR	_IOW(HVIO, 0x48, __u64)
#define HV_SET_NR_MMU_PAGES		_IO(HVIO, 0x44)	/* arg: pages */
#define HV_GET_NR_MMU_PAGES		_IO(HVIO, 0x45)
#define HV_SET_CLOCK			_IOW(HVIO, 0x7b, struct hv_clock_data)
#define HV_GET_CLOCK			_IOR(HVIO, 0x7c, struct hv_clock_data)
/* the in-kernel irqchip (HV_CAP_IRQCHIP), Documentation/irqchip.md */
#define HV_CREATE_IRQCHIP		_IO(HVIO, 0x60)
#define HV_IRQ_LINE			_IOW(HVIO, 0x61, struct hv_irq_level)
#define HV_GET_IRQCHIP			_IOWR(HVIO, 0x62, struct hv_irqchip)
#define HV_SET_IRQCHIP			_IOR(HVIO, 0x63, struct hv_irqchip)
#define HV_IRQ_LINE_STATUS		_IOWR(HVIO, 0x67, struct hv_irq_level)
#define HV_SIGNAL_MSI			_IOW(HVIO, 0xa5, struct hv_msi)
#define HV_IRQFD			_IOW(HVIO, 0x76, struct hv_irqfd)
#define HV_SET_BOOT_CPU_ID		_IO(HVIO, 0x78)	/* arg: vcpu id */
/* the in-kernel PIT (HV_CAP_PIT2) */
#define HV_CREATE_PIT2			_IOW(HVIO, 0x77, struct hv_pit_config)
#define HV_GET_PIT			_IOWR(HVIO, 0x65, struct hv_pit_state)
#define HV_SET_PIT			_IOR(HVIO, 0x66, struct hv_pit_state)
#define HV_GET_PIT2			_IOR(HVIO, 0x9f, struct hv_pit_state2)
#define HV_SET_PIT2			_IOW(HVIO, 0xa0, struct hv_pit_state2)
#define HV_REINJECT_CONTROL		_IO(HVIO, 0x71)
/* interrupt routing (HV_CAP_IRQ_ROUTING) */
#define HV_SET_GSI_ROUTING		_IOW(HVIO, 0x6a, struct hv_irq_routing)
/* eventfds signalled by guest writes (HV_CAP_IOEVENTFD) */
#define HV_IOEVENTFD			_IOW(HVIO, 0x79, struct hv_ioeventfd)
/* writes batched in a ring (HV_CAP_COALESCED_MMIO, HV_CAP_COALESCED_PIO) */
#define HV_REGISTER_COALESCED_MMIO	_IOW(HVIO, 0x67, \
					     struct hv_coalesced_mmio_zone)
#define HV_UNREGISTER_COALESCED_MMIO	_IOW(HVIO, 0x68, \
					     struct hv_coalesced_mmio_zone)
/* on a VM fd and on a vCPU fd */
#define HV_ENABLE_CAP			_IOW(HVIO, 0xa3, struct hv_enable_cap)
#define HV_GET_STATS_FD			_IO(HVIO, 0xce)	/* HV_CAP_BINARY_STATS_FD */
/* the guest's MSR accesses userspace sees (HV_CAP_X86_MSR_FILTER) */
#define HV_X86_SET_MSR_FILTER		_IOW(HVIO, 0xc6, struct hv_msr_filter)

/* ---- ioctls on a vCPU fd ---- */
#define HV_RUN				_IO(HVIO, 0x80)
#define HV_GET_REGS			_IOR(HVIO, 0x81, struct hv_regs)
#define HV_SET_REGS			_IOW(HVIO, 0x82, struct hv_regs)
#define HV_GET_SREGS			_IOR(HVIO, 0x83, struct hv_sregs)
#define HV_SET_SREGS			_IOW(HVIO, 0x84, struct hv_sregs)
#define HV_SET_SIGNAL_MASK		_IOW(HVIO, 0x8b, struct hv_signal_mask)
#define HV_GET_MSRS			_IOWR(HVIO, 0x88, struct hv_msrs)
#define HV_SET_MSRS			_IOW(HVIO, 0x89, struct hv_msrs)
#define HV_SET_CPUID2			_IOW(HVIO, 0x90, struct hv_cpuid2)
#define HV_GET_CPUID2			_IOWR(HVIO, 0x91, struct hv_cpuid2)
#define HV_GET_XCRS			_IOR(HVIO, 0xa6, struct hv_xcrs)
#define HV_SET_XCRS			_IOW(HVIO, 0xa7, struct hv_xcrs)
/* vCPU state (Documentation/abi.md, "vCPU fd") */
#define HV_GET_FPU			_IOR(HVIO, 0x8c, struct hv_fpu)
#define HV_SET_FPU			_IOW(HVIO, 0x8d, struct hv_fpu)
#define HV_GET_MP_STATE			_IOR(HVIO, 0x98, struct hv_mp_state)
#define HV_SET_MP_STATE			_IOW(HVIO, 0x99, struct hv_mp_state)
#define HV_GET_DEBUGREGS		_IOR(HVIO, 0xa1, struct hv_debugregs)
#define HV_SET_DEBUGREGS		_IOW(HVIO, 0xa2, struct hv_debugregs)
#define HV_SET_TSC_KHZ			_IO(HVIO, 0xa2)	/* arg: kHz */
#define HV_GET_TSC_KHZ			_IO(HVIO, 0xa3)
#define HV_GET_XSAVE			_IOR(HVIO, 0xa4, struct hv_xsave)
#define HV_SET_XSAVE			_IOW(HVIO, 0xa5, struct hv_xsave)
#define HV_GET_XSAVE2			_IOR(HVIO, 0xcf, struct hv_xsave)
#define HV_INTERRUPT			_IOW(HVIO, 0x86, struct hv_interrupt)
#define HV_NMI				_IO(HVIO, 0x9a)
/* the in-kernel local APIC (HV_CAP_IRQCHIP) */
#define HV_GET_LAPIC			_IOR(HVIO, 0x8e, struct hv_lapic_state)
#define HV_SET_LAPIC			_IOW(HVIO, 0x8f, struct hv_lapic_state)
#define HV_SET_VAPIC_ADDR		_IOW(HVIO, 0x93, struct hv_vapic_addr)
/* machine checks (HV_CAP_MCE; HV_X86_GET_MCE_CAP_SUPPORTED is on /dev/hv) */
#define HV_X86_SETUP_MCE		_IOW(HVIO, 0x9c, __u64)
#define HV_X86_GET_MCE_CAP_SUPPORTED	_IOR(HVIO, 0x9d, __u64)
#define HV_X86_SET_MCE			_IOW(HVIO, 0x9e, struct hv_x86_mce)
#define HV_GET_VCPU_EVENTS		_IOR(HVIO, 0x9f, struct hv_vcpu_events)
#define HV_SET_VCPU_EVENTS		_IOW(HVIO, 0xa0, struct hv_vcpu_events)

/*
 * Capability numbers for HV_CHECK_EXTENSION (KVM's KVM_CAP_* values).  Only
 * the ones hv may answer are named here; any other number answers 0.
 */
#define HV_CAP_USER_MEMORY		3
#define HV_CAP_MMU_SHADOW_CACHE_CONTROL	2
#define HV_CAP_SET_TSS_ADDR		4
#define HV_CAP_EXT_CPUID		7
#define HV_CAP_NR_VCPUS			9
#define HV_CAP_NR_MEMSLOTS		10
#define HV_CAP_MP_STATE			14
#define HV_CAP_SYNC_MMU			16
#define HV_CAP_DESTROY_MEMORY_REGION_WORKS 21
#define HV_CAP_USER_NMI			22
#define HV_CAP_IRQ_ROUTING		25
#define HV_CAP_JOIN_MEMORY_REGIONS_WORKS 30
#define HV_CAP_IOEVENTFD		36
#define HV_CAP_SET_IDENTITY_MAP_ADDR	37
#define HV_CAP_ADJUST_CLOCK		39
#define HV_CAP_INTERNAL_ERROR_DATA	40
#define HV_CAP_VCPU_EVENTS		41
#define HV_CAP_INTR_SHADOW		49
#define HV_CAP_DEBUGREGS		50
#define HV_CAP_ENABLE_CAP		54
#define HV_CAP_XSAVE			55
#define HV_CAP_XCRS			56
#define HV_CAP_TSC_CONTROL		60
#define HV_CAP_GET_TSC_KHZ		61
#define HV_CAP_MAX_VCPUS		66
#define HV_CAP_READONLY_MEM		81
#define HV_CAP_ENABLE_CAP_VM		98
#define HV_CAP_IOEVENTFD_NO_LENGTH	100
#define HV_CAP_CHECK_EXTENSION_VM	105
#define HV_CAP_MULTI_ADDRESS_SPACE	118
#define HV_CAP_IOEVENTFD_ANY_LENGTH	122
#define HV_CAP_MAX_VCPU_ID		128
/* its value is the most machine-check banks HV_X86_SETUP_MCE takes */
#define HV_CAP_MCE			31
/* MSR exits to userspace and the MSR filter (Documentation/abi.md) */
#define HV_CAP_X86_USER_SPACE_MSR	188
#define HV_CAP_X86_MSR_FILTER		189
/* its value is the ring's page offset in the vCPU mmap */
#define HV_CAP_COALESCED_MMIO		15
#define HV_CAP_COALESCED_PIO		162
/* the in-kernel irqchip and timers (Documentation/irqchip.md) */
#define HV_CAP_IRQCHIP			0
#define HV_CAP_HLT			1
#define HV_CAP_PIT			11
#define HV_CAP_REINJECT_CONTROL		24
#define HV_CAP_IRQ_INJECT_STATUS	26
#define HV_CAP_IRQFD			32
#define HV_CAP_PIT2			33
#define HV_CAP_SET_BOOT_CPU_ID		34
#define HV_CAP_PIT_STATE2		35
#define HV_CAP_TSC_DEADLINE_TIMER	72
#define HV_CAP_SIGNAL_MSI		77
#define HV_CAP_IRQFD_RESAMPLE		82
#define HV_CAP_X2APIC_API		129
#define HV_CAP_IMMEDIATE_EXIT		136
#define HV_CAP_GET_MSR_FEATURES		153
#define HV_CAP_BINARY_STATS_FD		203
#define HV_CAP_XSAVE2			208
#define HV_CAP_VM_TSC_CONTROL		214

/*
 * ---- MSR exits and the MSR filter ----
 *
 * HV_ENABLE_CAP(HV_CAP_X86_USER_SPACE_MSR) on a VM, args[0] a mask of
 * HV_MSR_EXIT_REASON_*: a guest RDMSR/WRMSR that would raise #GP for one
 * of these reasons exits with HV_EXIT_X86_RDMSR/WRMSR instead (run->msr).
 */
#define HV_MSR_EXIT_REASON_INVAL	(1 << 0)	/* refused value */
#define HV_MSR_EXIT_REASON_UNKNOWN	(1 << 1)	/* no such MSR */
#define HV_MSR_EXIT_REASON_FILTER	(1 << 2)	/* HV_X86_SET_MSR_FILTER */

#define HV_MSR_FILTER_MAX_BITMAP_SIZE	0x600	/* bytes per range */
#define HV_MSR_FILTER_MAX_RANGES	16

struct hv_msr_filter_range {
#define HV_MSR_FILTER_READ		(1 << 0)
#define HV_MSR_FILTER_WRITE		(1 << 1)
	__u32 flags;
	__u32 nmsrs;		/* bits in bitmap; 0: the range is unused */
	__u32 base;		/* the MSR of bit 0 */
	__u8 *bitmap;		/* 1 allows the accesses in flags, 0 denies */
};

struct hv_msr_filter {
#define HV_MSR_FILTER_DEFAULT_ALLOW	(0 << 0)
#define HV_MSR_FILTER_DEFAULT_DENY	(1 << 0)
	__u32 flags;
	struct hv_msr_filter_range ranges[HV_MSR_FILTER_MAX_RANGES];
};

/* ---- HV_X86_SET_MCE: a machine-check error in bank @bank ---- */
struct hv_x86_mce {
	__u64 status;		/* MCi_STATUS; VAL must be set */
	__u64 addr;		/* MCi_ADDR */
	__u64 misc;		/* MCi_MISC */
	__u64 mcg_status;	/* IA32_MCG_STATUS with it */
	__u8 bank;
	__u8 pad1[7];
	__u64 pad2[3];
};

/* ---- HV_IOEVENTFD ---- */
#define HV_IOEVENTFD_FLAG_DATAMATCH	(1 << 0)
#define HV_IOEVENTFD_FLAG_PIO		(1 << 1)
#define HV_IOEVENTFD_FLAG_DEASSIGN	(1 << 2)
#define HV_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY (1 << 3)	/* s390: no bus here */
#define HV_IOEVENTFD_VALID_FLAGS	((1 << 5) - 1)	/* KVM's mask */

struct hv_ioeventfd {
	__u64 datamatch;
	__u64 addr;		/* port, or guest-physical address */
	__u32 len;		/* 1, 2, 4 or 8; 0: any length */
	__s32 fd;		/* an eventfd */
	__u32 flags;		/* HV_IOEVENTFD_FLAG_* */
	__u8 pad[36];
};

/*
 * ---- binary statistics (HV_GET_STATS_FD, HV_CAP_BINARY_STATS_FD) ----
 *
 * HV_GET_STATS_FD on a VM or vCPU fd returns a read-only file: a header,
 * an id string (name_size bytes), num_desc descriptors (each followed by
 * its name, name_size bytes in all) and the data, one __u64 per value, at
 * the offsets the header and descriptors give.  Read it with pread.
 */
struct hv_stats_header {
	__u32 flags;
	__u32 name_size;
	__u32 num_desc;
	__u32 id_offset;
	__u32 desc_offset;
	__u32 data_offset;
};

#define HV_STATS_TYPE_SHIFT		0
#define HV_STATS_TYPE_MASK		(0xF << HV_STATS_TYPE_SHIFT)
#define HV_STATS_TYPE_CUMULATIVE	(0x0 << HV_STATS_TYPE_SHIFT)
#define HV_STATS_TYPE_INSTANT		(0x1 << HV_STATS_TYPE_SHIFT)
#define HV_STATS_TYPE_PEAK		(0x2 << HV_STATS_TYPE_SHIFT)
#define HV_STATS_TYPE_LINEAR_HIST	(0x3 << HV_STATS_TYPE_SHIFT)
#define HV_STATS_TYPE_LOG_HIST		(0x4 << HV_STATS_TYPE_SHIFT)
#define HV_STATS_UNIT_SHIFT		4
#define HV_STATS_UNIT_MASK		(0xF << HV_STATS_UNIT_SHIFT)
#define HV_STATS_UNIT_NONE		(0x0 << HV_STATS_UNIT_SHIFT)
#define HV_STATS_UNIT_BYTES		(0x1 << HV_STATS_UNIT_SHIFT)
#define HV_STATS_UNIT_SECONDS		(0x2 << HV_STATS_UNIT_SHIFT)
#define HV_STATS_UNIT_CYCLES		(0x3 << HV_STATS_UNIT_SHIFT)
#define HV_STATS_UNIT_BOOLEAN		(0x4 << HV_STATS_UNIT_SHIFT)
#define HV_STATS_BASE_SHIFT		8
#define HV_STATS_BASE_MASK		(0xF << HV_STATS_BASE_SHIFT)
#define HV_STATS_BASE_POW10		(0x0 << HV_STATS_BASE_SHIFT)
#define HV_STATS_BASE_POW2		(0x1 << HV_STATS_BASE_SHIFT)

struct hv_stats_desc {
	__u32 flags;		/* HV_STATS_TYPE_* | _UNIT_* | _BASE_* */
	__s16 exponent;		/* value x base^exponent, in the unit */
	__u16 size;		/* number of __u64 values */
	__u32 offset;		/* from the header's data_offset */
	__u32 bucket_size;	/* linear histograms only */
	char name[];
};

/* ---- GSI routing (HV_SET_GSI_ROUTING) ---- */
#define HV_MAX_IRQ_ROUTES		4096

#define HV_IRQ_ROUTING_IRQCHIP		1
#define HV_IRQ_ROUTING_MSI		2

struct hv_irq_routing_irqchip {
	__u32 irqchip;
	__u32 pin;
};

struct hv_irq_routing_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 devid;
};

struct hv_irq_routing_entry {
	__u32 gsi;
	__u32 type;		/* HV_IRQ_ROUTING_* */
	__u32 flags;
	__u32 pad;
	union {
		struct hv_irq_routing_irqchip irqchip;
		struct hv_irq_routing_msi msi;
		__u32 pad[8];	/* other architectures' and Hyper-V's */
	} u;
};

struct hv_irq_routing {
	__u32 nr;
	__u32 flags;
	struct hv_irq_routing_entry entries[];
};

/* ---- the in-kernel irqchip and PIT (Documentation/irqchip.md) ---- */

/* HV_IRQ_LINE(_STATUS): a GSI's level; _STATUS writes status back. */
struct hv_irq_level {
	union {
		__u32 irq;	/* GSI */
		__s32 status;	/* < 0: coalesced/masked, 0: ignored... */
	};
	__u32 level;
};

/* One 8259 (KVM's struct kvm_pic_state). */
struct hv_pic_state {
	__u8 last_irr;		/* edge detection */
	__u8 irr;
	__u8 imr;
	__u8 isr;
	__u8 priority_add;	/* the lowest priority's IRQ + 1 (rotation) */
	__u8 irq_base;		/* ICW2 */
	__u8 read_reg_select;	/* OCW3: ISR (1) or IRR (0) on reads */
	__u8 poll;
	__u8 special_mask;
	__u8 init_state;	/* the ICW expected next (0: initialized) */
	__u8 auto_eoi;
	__u8 rotate_on_auto_eoi;
	__u8 special_fully_nested_mode;
	__u8 init4;		/* ICW4 expected */
	__u8 elcr;		/* level-triggered IRQs (edge/level control) */
	__u8 elcr_mask;
};

#define HV_IOAPIC_NUM_PINS		24

/* The IOAPIC (KVM's struct kvm_ioapic_state). */
struct hv_ioapic_state {
	__u64 base_address;
	__u32 ioregsel;
	__u32 id;
	__u32 irr;
	__u32 pad;
	union {
		__u64 bits;
		struct {
			__u8 vector;
			__u8 delivery_mode:3;
			__u8 dest_mode:1;
			__u8 delivery_status:1;
			__u8 polarity:1;
			__u8 remote_irr:1;
			__u8 trig_mode:1;
			__u8 mask:1;
			__u8 reserve:7;
			__u8 reserved[4];
			__u8 dest_id;
		} fields;
	} redirtbl[HV_IOAPIC_NUM_PINS];
};

#define HV_IRQCHIP_PIC_MASTER		0
#define HV_IRQCHIP_PIC_SLAVE		1
#define HV_IRQCHIP_IOAPIC		2
#define HV_NR_IRQCHIPS			3

/* HV_GET/SET_IRQCHIP */
struct hv_irqchip {
	__u32 chip_id;		/* HV_IRQCHIP_* */
	__u32 pad;
	union {
		char dummy[512];
		struct hv_pic_state pic;
		struct hv_ioapic_state ioapic;
	} chip;
};

/* HV_GET/SET_LAPIC: the xAPIC register page's first 1 KiB. */
#define HV_APIC_REG_SIZE		0x400

struct hv_lapic_state {
	char regs[HV_APIC_REG_SIZE];
};

/* HV_SET_VAPIC_ADDR: only 0 (no virtual-APIC page), Documentation/irqchip.md */
struct hv_vapic_addr {
	__u64 vapic_addr;
};

/* HV_SIGNAL_MSI */
struct hv_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 flags;		/* HV_MSI_VALID_DEVID: accepted, unused */
	__u32 devid;
	__u8 pad[12];
};

#define HV_MSI_VALID_DEVID		(1U << 0)

/* HV_IRQFD */
#define HV_IRQFD_FLAG_DEASSIGN		(1U << 0)
#define HV_IRQFD_FLAG_RESAMPLE		(1U << 1)

struct hv_irqfd {
	__u32 fd;
	__u32 gsi;
	__u32 flags;		/* HV_IRQFD_FLAG_* */
	__u32 resamplefd;
	__u8 pad[16];
};

/*
 * HV_REGISTER/UNREGISTER_COALESCED_MMIO: guest writes inside a zone do
 * not exit; they are appended to the VM's ring, which every vCPU fd maps
 * at page HV_COALESCED_MMIO_PAGE_OFFSET.  The kernel writes entries at
 * last, userspace consumes them from first; one entry always stays free.
 */
#define HV_COALESCED_MMIO_PAGE_OFFSET	2

struct hv_coalesced_mmio_zone {
	__u64 addr;		/* guest-physical address, or port (pio) */
	__u32 size;
	union {
		__u32 pad;
		__u32 pio;	/* 0: MMIO, 1: port I/O (COALESCED_PIO) */
	};
};

struct hv_coalesced_mmio {
	__u64 phys_addr;
	__u32 len;
	union {
		__u32 pad;
		__u32 pio;
	};
	__u8 data[8];
};

struct hv_coalesced_mmio_ring {
	__u32 first, last;
	struct hv_coalesced_mmio coalesced_mmio[];
};

/* HV_CREATE_PIT2 */
#define HV_PIT_SPEAKER_DUMMY		1

struct hv_pit_config {
	__u32 flags;		/* HV_PIT_SPEAKER_DUMMY */
	__u32 pad[15];
};

/* One 8254 counter (KVM's struct kvm_pit_channel_state). */
struct hv_pit_channel_state {
	__u32 count;		/* 1-65536 */
	__u16 latched_count;
	__u8 count_latched;
	__u8 status_latched;
	__u8 status;
	__u8 read_state;
	__u8 write_state;
	__u8 write_latch;
	__u8 rw_mode;
	__u8 mode;
	__u8 bcd;
	__u8 gate;
	__s64 count_load_time;	/* host ktime (ns) of the last count load */
};

struct hv_pit_state {
	struct hv_pit_channel_state channels[3];
};

#define HV_PIT_FLAGS_HPET_LEGACY	0x00000001
#define HV_PIT_FLAGS_SPEAKER_DATA_ON	0x00000002

struct hv_pit_state2 {
	struct hv_pit_channel_state channels[3];
	__u32 flags;		/* HV_PIT_FLAGS_* */
	__u32 reserved[9];
};

/* HV_REINJECT_CONTROL */
struct hv_reinject_control {
	__u8 pit_reinject;
	__u8 reserved[31];
};

/* ---- memory slots ---- */
#define HV_MEM_LOG_DIRTY_PAGES		(1U << 0)
#define HV_MEM_READONLY			(1U << 1)

struct hv_userspace_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;	/* bytes; 0 deletes the slot */
	__u64 userspace_addr;	/* start of the backing user memory */
};

/* ---- vCPU register state (x86) ---- */
struct hv_regs {
	__u64 rax, rbx, rcx, rdx;
	__u64 rsi, rdi, rsp, rbp;
	__u64 r8,  r9,  r10, r11;
	__u64 r12, r13, r14, r15;
	__u64 rip, rflags;
};

struct hv_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8  type;
	__u8  present, dpl, db, s, l, g, avl;
	__u8  unusable;
	__u8  padding;
};

struct hv_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

#define HV_NR_INTERRUPTS		256

struct hv_sregs {
	struct hv_segment cs, ds, es, fs, gs, ss;
	struct hv_segment tr, ldt;
	struct hv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 interrupt_bitmap[(HV_NR_INTERRUPTS + 63) / 64];
};

/* ---- guest CPUID (HV_CAP_EXT_CPUID) ---- */
#define HV_CPUID_FLAG_SIGNIFCANT_INDEX	(1 << 0)

struct hv_cpuid_entry2 {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 padding[3];
};

struct hv_cpuid2 {
	__u32 nent;
	__u32 padding;
	struct hv_cpuid_entry2 entries[];
};

/* ---- extended control registers (HV_CAP_XCRS): XCR0 ---- */
#define HV_MAX_XCRS			16

struct hv_xcr {
	__u32 xcr;
	__u32 reserved;
	__u64 value;
};

struct hv_xcrs {
	__u32 nr_xcrs;
	__u32 flags;
	struct hv_xcr xcrs[HV_MAX_XCRS];
	__u64 padding[16];
};

/* ---- model-specific registers (HV_GET/SET_MSRS, the index lists) ---- */
struct hv_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

struct hv_msrs {
	__u32 nmsrs;		/* entries to read or write */
	__u32 pad;
	struct hv_msr_entry entries[];
};

struct hv_msr_list {
	__u32 nmsrs;		/* in: room; out: the list's length */
	__u32 indices[];
};

/* ---- x87/SSE state (HV_GET/SET_FPU), in FXSAVE's terms ---- */
struct hv_fpu {
	__u8  fpr[8][16];	/* ST0-7 (MM0-7), 10 bytes each, padded */
	__u16 fcw;
	__u16 fsw;
	__u8  ftwx;		/* abridged tag word, as FXSAVE stores it */
	__u8  pad1;
	__u16 last_opcode;
	__u64 last_ip;
	__u64 last_dp;
	__u8  xmm[16][16];
	__u32 mxcsr;
	__u32 pad2;
};

/*
 * ---- XSAVE state (HV_CAP_XSAVE, HV_CAP_XSAVE2) ----
 * An XSAVE area in the standard (non-compacted) format, component offsets
 * as the host's CPUID leaf 0xd gives them.  HV_GET_XSAVE2 writes as many
 * bytes as HV_CHECK_EXTENSION(HV_CAP_XSAVE2) says, at least 4096.
 */
struct hv_xsave {
	__u32 region[1024];
	__u32 extra[];
};

/* ---- debug registers (HV_CAP_DEBUGREGS) ---- */
struct hv_debugregs {
	__u64 db[4];
	__u64 dr6;
	__u64 dr7;
	__u64 flags;
	__u64 reserved[9];
};

/* ---- multiprocessing state (HV_CAP_MP_STATE) ---- */
#define HV_MP_STATE_RUNNABLE		0
#define HV_MP_STATE_UNINITIALIZED	1
#define HV_MP_STATE_INIT_RECEIVED	2
#define HV_MP_STATE_HALTED		3
#define HV_MP_STATE_SIPI_RECEIVED	4
#define HV_MP_STATE_AP_RESET_HOLD	9

struct hv_mp_state {
	__u32 mp_state;
};

/* ---- the VM's clock (HV_CAP_ADJUST_CLOCK) ---- */
#define HV_CLOCK_TSC_STABLE		2
#define HV_CLOCK_REALTIME		4
#define HV_CLOCK_HOST_TSC		8

struct hv_clock_data {
	__u64 clock;		/* ns */
	__u32 flags;		/* HV_CLOCK_* */
	__u32 pad0;
	__u64 realtime;		/* with HV_CLOCK_REALTIME: host CLOCK_REALTIME, ns */
	__u64 host_tsc;		/* with HV_CLOCK_HOST_TSC: the host's TSC */
	__u32 pad[4];
};

/* ---- HV_ENABLE_CAP (VM: HV_CAP_ENABLE_CAP_VM; vCPU: HV_CAP_ENABLE_CAP) ---- */
struct hv_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u8  pad[64];
};

struct hv_signal_mask {
	__u32 len;
	__u8  sigset[];
};

/* ---- events (HV_INTERRUPT, HV_NMI, HV_CAP_VCPU_EVENTS) ---- */
struct hv_interrupt {
	__u32 irq;		/* the vector */
};

#define HV_VCPUEVENT_VALID_NMI_PENDING	0x00000001
#define HV_VCPUEVENT_VALID_SIPI_VECTOR	0x00000002
#define HV_VCPUEVENT_VALID_SHADOW	0x00000004
#define HV_VCPUEVENT_VALID_SMM		0x00000008
#define HV_VCPUEVENT_VALID_PAYLOAD	0x00000010
#define HV_VCPUEVENT_VALID_TRIPLE_FAULT	0x00000020

/* interrupt.shadow */
#define HV_X86_SHADOW_INT_MOV_SS	0x01
#define HV_X86_SHADOW_INT_STI		0x02

struct hv_vcpu_events {
	struct {
		__u8 injected;
		__u8 nr;
		__u8 has_error_code;
		__u8 pending;
		__u32 error_code;
	} exception;
	struct {
		__u8 injected;
		__u8 nr;
		__u8 soft;
		__u8 shadow;
	} interrupt;
	struct {
		__u8 injected;
		__u8 pending;
		__u8 masked;
		__u8 pad;
	} nmi;
	__u32 sipi_vector;
	__u32 flags;
	struct {
		__u8 smm;
		__u8 pending;
		__u8 smm_inside_nmi;
		__u8 latched_init;
	} smi;
	struct {
		__u8 pending;
	} triple_fault;
	__u8 reserved[26];
	__u8 exception_has_payload;
	__u64 exception_payload;
};

/* ---- the shared run structure, mmap()ed from a vCPU fd at offset 0 ---- */
#define HV_EXIT_UNKNOWN			0
#define HV_EXIT_EXCEPTION		1
#define HV_EXIT_IO			2
#define HV_EXIT_HYPERCALL		3
#define HV_EXIT_DEBUG			4
#define HV_EXIT_HLT			5
#define HV_EXIT_MMIO			6
#define HV_EXIT_IRQ_WINDOW_OPEN		7
#define HV_EXIT_SHUTDOWN		8
#define HV_EXIT_FAIL_ENTRY		9
#define HV_EXIT_INTR			10
#define HV_EXIT_INTERNAL_ERROR		17
#define HV_EXIT_SYSTEM_EVENT		24
#define HV_EXIT_X86_RDMSR		29
#define HV_EXIT_X86_WRMSR		30

#define HV_EXIT_IO_IN			0
#define HV_EXIT_IO_OUT			1

/* run->internal.suberror */
#define HV_INTERNAL_ERROR_EMULATION	1
#define HV_INTERNAL_ERROR_SIMUL_EX	2
#define HV_INTERNAL_ERROR_DELIVERY_EV	3
#define HV_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON 4

struct hv_run {
	/* in */
	__u8 request_interrupt_window;
	__u8 immediate_exit;
	__u8 padding1[6];

	/* out */
	__u32 exit_reason;
	__u8 ready_for_interrupt_injection;
	__u8 if_flag;
	__u16 flags;

	/* in (pre_hv_run), out (post_hv_run) */
	__u64 cr8;
	__u64 apic_base;

	union {
		/* HV_EXIT_UNKNOWN */
		struct {
			__u64 hardware_exit_reason;
		} hw;
		/* HV_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_entry_failure_reason;
			__u32 cpu;
		} fail_entry;
		/* HV_EXIT_EXCEPTION */
		struct {
			__u32 exception;
			__u32 error_code;
		} ex;
		/* HV_EXIT_IO: data at (char *)run + data_offset */
		struct {
			__u8 direction;
			__u8 size;	/* bytes per element */
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/* HV_EXIT_DEBUG */
		struct {
			__u32 exception;
			__u32 pad;
			__u64 pc;
			__u64 dr6;
			__u64 dr7;
		} debug;
		/* HV_EXIT_MMIO */
		struct {
			__u64 phys_addr;
			__u8  data[8];
			__u32 len;
			__u8  is_write;
		} mmio;
		/* HV_EXIT_INTERNAL_ERROR */
		struct {
			__u32 suberror;
			__u32 ndata;	/* entries of data[] that are valid */
			__u64 data[16];
		} internal;
		/* HV_EXIT_SYSTEM_EVENT */
		struct {
			__u32 type;
			__u32 ndata;
			__u64 data[16];
		} system_event;
		/* HV_EXIT_X86_RDMSR, HV_EXIT_X86_WRMSR */
		struct {
			__u8 error;	/* in: 1 raises #GP in the guest */
			__u8 pad[7];
			__u32 reason;	/* HV_MSR_EXIT_REASON_* */
			__u32 index;	/* the MSR */
			__u64 data;	/* RDMSR: in; WRMSR: out */
		} msr;
		char padding[256];
	};

	/* register sync area (HV_CAP_SYNC_REGS; not implemented) */
	__u64 valid_regs;
	__u64 dirty_regs;
	union {
		char padding[2048];
	} s;
};

#endif /* _UAPI_LINUX_HV_H */
