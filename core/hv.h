/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv core: the VM and vCPU objects and the services the core offers to
 * the backends (exits to userspace, memory, emulation).
 */
#ifndef HV_CORE_HV_H
#define HV_CORE_HV_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <linux/signal_types.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <asm/fpu/types.h>

#include <uapi/linux/hv.h>

#include "backend.h"
#include "emulate/emulate.h"
#include "io_bus.h"
#include "msr.h"
#include "stats.h"
#include "../mmu/mmu.h"

struct hv_vm_irqchip;
struct hv_lapic;
struct hv_coalesced;

/* Limits reported through HV_CHECK_EXTENSION. */
#define HV_MAX_VCPUS		256
#define HV_MAX_VCPU_ID		1024
#define HV_USER_MEMSLOTS	512
#define HV_MAX_CPUID_ENTRIES	256	/* per vCPU (KVM_MAX_CPUID_ENTRIES) */

/* Size of the area a vCPU fd lets userspace mmap (HV_GET_VCPU_MMAP_SIZE). */
/* The run structure, the port I/O data, the coalesced MMIO ring (KVM's). */
#define HV_VCPU_MMAP_PAGES	3
#define HV_PIO_PAGE_OFFSET	1
/* page HV_COALESCED_MMIO_PAGE_OFFSET (2): core/coalesced_mmio.c */

/* Architectural reset values (SDM 10.1.1, 17.2; APM Vol. 2, 4.7). */
#define HV_DR6_INIT		0xffff0ff0ULL
#define HV_DR7_INIT		0x400ULL
#define HV_SEG_TYPE_LDT		2
#define HV_SEG_TYPE_BUSY_TSS16	3

/* ---- memory slots ---- */

struct hv_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;		/* HV_MEM_* */
	u16 id;
};

/*
 * The slots of a VM, sorted by base_gfn.  Immutable once published:
 * an update builds a new array and swaps the pointer (SRCU).
 */
struct hv_memslots {
	int nr;
	struct hv_memslot slots[];
};

/*
 * A virtual machine.  One per HV_CREATE_VM; it lives as long as its VM fd
 * and any vCPU fd (each holds a reference).  core/vm.c owns the lifetimes
 * of what hangs off it: the memslots, the MMU notifier, the vCPUs and the
 * tables are set up in hv_vm_create and torn down in hv_vm_free, the
 * notifier first.
 *
 * Locking legend:
 *   [c]  constant after creation
 *   [l]  written under lock
 *   [s]  written under slots_lock, read under srcu
 *   [p]  published once complete, under lock; read without a lock
 *        (xa_for_each); removed only by hv_vm_free
 *   [m]  the MMU's own lock (see mmu/mmu.h)
 */
struct hv_vm {
	struct kref ref;
	struct mm_struct *mm;		/* [c] creator's mm, mmgrab()ed */
	struct mutex lock;		/* vCPU creation */

	struct xarray vcpus;		/* [p] id -> struct hv_vcpu */
	int nr_vcpus;			/* [l] */

	struct mutex slots_lock;	/* serializes memslot updates */
	struct srcu_struct srcu;
	struct hv_memslots __rcu *memslots;	/* [s] */

	struct hv_mmu mmu;		/* [m] guest-physical -> host pages */
	struct mmu_notifier mmu_notifier;	/* [c] core/mmu_notifier.c */

	void *backend;			/* [c] ops->vm_init's per-VM data */
	u64 id;				/* [c] unique for the module's life */

	struct hv_vm_msrs msr;		/* core/msr.c ([t]: msr.tsc_lock) */

	/* VM state ioctls (core/vm_state.c) */
	s64 clock_offset;		/* [a] VM clock = boot-time ns + this */
	u64 tss_addr;			/* [l] HV_SET_TSS_ADDR */
	u64 identity_map_addr;		/* [l] HV_SET_IDENTITY_MAP_ADDR */
	unsigned long nr_mmu_pages;	/* [l] HV_SET_NR_MMU_PAGES; 0: unset */
	u32 max_vcpu_ids;		/* [l] vCPU ids below; 0: not fixed yet */

	/* The in-kernel I/O bus (core/io_bus.c) */
	struct mutex bus_lock;		/* serializes bus updates */
	struct hv_io_bus __rcu *buses[HV_NR_BUSES];	/* [s] by bus_lock */
	/* HV_IOEVENTFD (core/ioeventfd.c); [i]: ioeventfd_lock */
	struct mutex ioeventfd_lock;	/* taken before bus_lock */
	struct list_head ioeventfds;	/* [i] */
	/* Coalesced MMIO's ring and zones: made on first use (cmpxchg) */
	struct hv_coalesced *coalesced;	/* [p] core/coalesced_mmio.c */

	/*
	 * The in-kernel irqchip (io/irqchip.h): allocated by
	 * HV_CREATE_IRQCHIP under lock and kept until hv_vm_free; in use
	 * only once irqchip_ready is set (release), after which it and its
	 * PIC and IOAPIC are constant.  boot_vcpu_id: HV_SET_BOOT_CPU_ID.
	 */
	struct hv_vm_irqchip *irqchip;	/* [l] */
	bool irqchip_ready;		/* [l], read with acquire */
	u32 boot_vcpu_id;		/* [l] before the first vCPU */

	/* MMU-notifier invalidations that dropped guest mappings (stats) */
	atomic64_t mmu_invalidations;

	/*
	 * HV_X86_SET_MSR_FILTER's filter (core/msr_filter.c; NULL: none),
	 * read under RCU; HV_CAP_X86_USER_SPACE_MSR's exit reasons.
	 */
	struct hv_msr_filter_set __rcu *msr_filter;	/* [l] */
	u32 user_space_msr_mask;	/* WRITE_ONCE / READ_ONCE */
};

/* Whether the VM's interrupt controllers are in the kernel. */
static inline bool hv_irqchip_in_kernel(struct hv_vm *vm)
{
	/* Pairs with the release that publishes it (core/irqchip.c). */
	return smp_load_acquire(&vm->irqchip_ready);
}

/* ---- vCPUs ---- */

/* vcpu->mode: lets a requester know whether to kick (IPI) the vCPU. */
enum hv_vcpu_mode {
	HV_OUTSIDE_GUEST,
	HV_IN_GUEST,		/* between the last request check and exit */
};

/* The interrupt shadow (ops->get_interrupt_shadow), KVM's encoding. */
#define HV_SHADOW_MOV_SS	HV_X86_SHADOW_INT_MOV_SS
#define HV_SHADOW_STI		HV_X86_SHADOW_INT_STI

/* vcpu->requests bits: work the vCPU does before its next entry. */
#define HV_REQ_TLB_FLUSH	0	/* guest-physical mappings changed */
#define HV_REQ_TRIPLE_FAULT	1	/* an exception during #DF: shut down */
#define HV_REQ_EVENT		2	/* an interrupt or INIT/SIPI may be due */
#define HV_REQ_MSR_FILTER	3	/* the VM's MSR filter changed */

/* An event delivered through the guest's IDT (ops->inject_event). */
enum hv_event_type {
	HV_EVENT_EXCEPTION,	/* a hardware exception */
	HV_EVENT_NMI,
	HV_EVENT_INTR,		/* an external interrupt */
	HV_EVENT_SOFT,		/* INTn, INT3, INTO, INT1 */
};

struct hv_event {
	u8 type;		/* enum hv_event_type */
	u8 vector;
	bool has_error_code;
	u32 error_code;
};

/* What the backend reports of events after each entry (core/event.c). */
struct hv_exit_event {
	bool entered;		/* false: the entry failed, nothing ran */
	bool valid;		/* the exit interrupted the delivery of ev */
	struct hv_event ev;
};

/* What the next HV_RUN must finish before entering the guest again. */
enum hv_vcpu_pending {
	HV_PENDING_NONE,
	HV_PENDING_PIO,		/* finish the I/O instruction */
	HV_PENDING_MMIO,	/* feed run->mmio to the emulator */
	HV_PENDING_MSR,		/* finish RDMSR/WRMSR with run->msr */
};

/*
 * A virtual CPU.  The backend allocates ops->vcpu_size bytes with this
 * structure first and its own state after it.
 *
 * Locking legend:
 *   [c]  constant after creation
 *   [v]  only touched by the thread holding vcpu->mutex (ioctls, run)
 *   [a]  atomic / any thread
 */
struct hv_vcpu {
	struct hv_vm *vm;		/* [c] holds a reference */
	u32 id;				/* [c] */
	struct mutex mutex;		/* serializes the vCPU's ioctls */
	struct hv_run *run;		/* [c] page 0 of the mmap */
	void *pio_data;			/* [c] page 1 of the mmap */

	int cpu;			/* [v] host CPU while loaded, else -1 */
	struct preempt_notifier preempt_notifier;	/* [v] */
	int mode;			/* [a] enum hv_vcpu_mode */
	unsigned long requests;		/* [a] HV_REQ_* bits */

	/*
	 * Guest state the core owns: GPRs, RIP, RFLAGS and CR2 are valid
	 * here whenever the guest is not running (the backend copies them
	 * in before entry and out after exit; get_emu_state leaves them).
	 */
	struct hv_emu_cpu regs;		/* [v] gpr/rip/rflags/cr2 part */
	u64 xcr0;			/* [v] guest XCR0 */
	u64 apic_base;			/* [v] IA32_APIC_BASE */
	u64 tsc_aux;			/* [v] IA32_TSC_AUX */
	u64 spec_ctrl;			/* [v] IA32_SPEC_CTRL (0: not offered) */
	bool l1d_flush;			/* [v] flush before entry (core/spec.c) */
	u64 db[4], dr6, dr7;		/* [v] debug registers (core/dr.c) */
	struct fpu_guest guest_fpu;	/* [v] FPU/SSE/AVX (core/fpu.c) */
	struct hv_mmu_cache mmu_cache;	/* [v] tables for faults (mmu/) */

	/*
	 * HV_SET_CPUID2's table (kvmalloc'ed, NULL until set) and what the
	 * core derives from it: the XCR0 bits and CR4 bits the guest may
	 * set (see core/cpuid.c).
	 */
	struct hv_cpuid_entry2 *cpuid;	/* [v] */
	u32 cpuid_nent;			/* [v] */
	u64 xcr0_allowed;		/* [v] besides x87, always allowed */
	u64 cr4_allowed;		/* [v] */
	bool ran;			/* [v] has entered the guest once */

	/*
	 * The last exit as the hardware reported it (reason, two info
	 * words, interrupted event, its error code), for internal-error
	 * exits; filled by the backend.
	 */
	u64 hw_exit[5];			/* [v] */

	/*
	 * Events (core/event.c), KVM's model: an exception raised and not
	 * yet delivered (pending), or whose delivery has begun (injected:
	 * chosen for an entry, or interrupted by an exit); an external
	 * interrupt userspace gave (HV_INTERRUPT) or whose delivery an exit
	 * interrupted (injected); NMIs queued (HV_NMI) and not yet
	 * delivered (pending, at most 2), or being delivered (injected).
	 * injected_now says which of them the last entry carried.  The
	 * backend reports the event an exit interrupted in exit_event.
	 */
	struct {
		bool pending;
		bool injected;
		u8 vector;
		bool has_error_code;
		u32 error_code;
	} exception;			/* [v] */
	struct {
		bool injected;
		u8 vector;
	} interrupt;			/* [v] */
	bool nmi_injected;		/* [v] */
	u8 nmi_pending;			/* [v] */
	u8 injected_now;		/* [v] HV_EVENT_* + 1, 0: none */
	struct hv_exit_event exit_event;	/* [v] */
	u64 cr8;			/* [v] TPR, loaded by the backend */

	enum hv_vcpu_pending pending;	/* [v] */
	struct {			/* [v] I/O exit in flight */
		u16 port;
		bool in;
		u8 size;
		u32 count;
		bool string;
		bool rep;
		u8 addr_size;		/* string: 2, 4 or 8 */
		u8 seg;			/* string: source segment (outs) */
		u8 insn_len;
		u64 rip;		/* of the instruction */
	} pio;

	struct hv_emu emu;		/* [v] MMIO instruction in flight */
	struct {			/* [v] MSR exit in flight */
		bool read;
		u8 insn_len;
	} msr_exit;

	bool sigset_active;		/* [v] HV_SET_SIGNAL_MASK */
	sigset_t sigset;		/* [v] */

	struct hv_vcpu_msrs msr;	/* [v] core/msr.c */

	/* vCPU state ioctls (core/state.c) */
	u32 mp_state;			/* [v] HV_MP_STATE_* */
	u8 sipi_vector;			/* [v] the last SIPI's (core/halt.c) */
	u32 tsc_khz;			/* [v] HV_GET/SET_TSC_KHZ */

	/*
	 * The in-kernel local APIC (io/lapic.c), NULL without an in-kernel
	 * irqchip; apic_mmio is its xAPIC page on the MMIO bus, asked
	 * before the VM's devices (core/io_bus.c).
	 */
	struct hv_lapic *lapic;		/* [c] */
	struct hv_io_device *apic_mmio;	/* [c] */
	struct rcuwait wait;		/* a halted vCPU sleeps here */
	u32 halt_poll_ns;		/* [v] its polling window (halt_poll.c) */

	/*
	 * Exit statistics (core/stats.c): the reason of the exit being
	 * handled (enum hv_exit_stat, named by the backend), and the
	 * counters, read by HV_GET_STATS_FD's files at any time.
	 */
	u8 exit_stat;			/* [v] */
	struct hv_vcpu_stats stats;	/* [v] written, read [a] */
};

static inline void hv_vcpu_request(struct hv_vcpu *vcpu, int req)
{
	set_bit(req, &vcpu->requests);
}

/* ---- core services ---- */

/* core/vm.c */
int hv_vm_create(unsigned long type);
void hv_vm_get(struct hv_vm *vm);
void hv_vm_put(struct hv_vm *vm);
void hv_vm_kick_all(struct hv_vm *vm, int req);
void hv_vcpu_kick(struct hv_vcpu *vcpu, int req);
void hv_vm_zap_gfn_range(struct hv_vm *vm, u64 start, u64 end);

/* core/mmu_notifier.c */
int hv_mmu_notifier_register(struct hv_vm *vm);
void hv_mmu_notifier_unregister(struct hv_vm *vm);

/* core/page_fault.c: result besides -errno */
#define HV_FAULT_RETRY	1	/* mapped (or raced): re-enter the guest */
#define HV_FAULT_MMIO	0	/* no RAM there: emulate the access */
int hv_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write);

/* core/memslot.c */
int hv_set_memory_region(struct hv_vm *vm,
			 const struct hv_userspace_memory_region *mem);
const struct hv_memslot *hv_memslot_find(struct hv_memslots *slots, u64 gfn);
void hv_memslots_free(struct hv_vm *vm);
int hv_read_guest(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len);
int hv_write_guest(struct hv_vm *vm, u64 gpa, const void *buf,
		   unsigned int len);
void hv_emu_env_init(struct hv_emu_env *env, struct hv_vcpu *vcpu);

/* core/vcpu.c */
int hv_vcpu_create(struct hv_vm *vm, unsigned long id);
void hv_vcpu_init_regs(struct hv_vcpu *vcpu);
void hv_vcpu_free(struct hv_vcpu *vcpu);

/* core/run.c: the run loop and what exits need from the core */
int hv_vcpu_run(struct hv_vcpu *vcpu);
int hv_exit_hlt(struct hv_vcpu *vcpu);
int hv_exit_shutdown(struct hv_vcpu *vcpu);
int hv_exit_fail_entry(struct hv_vcpu *vcpu, u64 reason);
int hv_exit_internal_error(struct hv_vcpu *vcpu, u32 suberror, u32 ndata,
			   const u64 *data);
int hv_exit_unexpected(struct hv_vcpu *vcpu, u64 hw_exit_reason);

/* core/event.c */
void hv_queue_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error_code,
			u32 error_code);
void hv_queue_ud(struct hv_vcpu *vcpu);
void hv_queue_gp(struct hv_vcpu *vcpu, u32 error_code);
void hv_queue_emu_exception(struct hv_vcpu *vcpu,
			    const struct hv_emu_exception *exc);
void hv_inject_events(struct hv_vcpu *vcpu);
void hv_complete_events(struct hv_vcpu *vcpu);
void hv_event_post_run(struct hv_vcpu *vcpu);
bool hv_irq_window_open(struct hv_vcpu *vcpu);
int hv_vcpu_interrupt(struct hv_vcpu *vcpu, const struct hv_interrupt *irq);
int hv_vcpu_nmi(struct hv_vcpu *vcpu);
void hv_vcpu_get_events(struct hv_vcpu *vcpu, struct hv_vcpu_events *e);
int hv_vcpu_set_events(struct hv_vcpu *vcpu, const struct hv_vcpu_events *e);
bool hv_event_in_delivery(struct hv_vcpu *vcpu);
void hv_clear_events(struct hv_vcpu *vcpu);
void hv_machine_check(void);

/* core/spec.c */
int hv_spec_init(void);
void hv_spec_exit(void);
u64 hv_spec_new_vm_id(void);
void hv_spec_enter_guest(struct hv_vcpu *vcpu);
void hv_spec_exit_guest(struct hv_vcpu *vcpu);
void hv_spec_ctrl_restore_host(u64 guest_spec_ctrl);

/* core/hypercall.c */
int hv_emulate_hypercall(struct hv_vcpu *vcpu, u8 insn_len);

/* core/dr.c */
int hv_mov_dr(struct hv_vcpu *vcpu, int n, bool to_reg, u64 *val, bool cr4_de);

/* core/msr.c */
int hv_get_msr(struct hv_vcpu *vcpu, u32 msr, u64 *val);
int hv_set_msr(struct hv_vcpu *vcpu, u32 msr, u64 val);
int hv_emulate_rdmsr(struct hv_vcpu *vcpu, u8 insn_len);
int hv_emulate_wrmsr(struct hv_vcpu *vcpu, u8 insn_len);
int hv_msr_gp(struct hv_vcpu *vcpu);
bool hv_apic_base_valid(struct hv_vcpu *vcpu, u64 apic_base);
void hv_apic_base_set(struct hv_vcpu *vcpu, u64 apic_base);
void hv_msrs_enter_guest(struct hv_vcpu *vcpu);
void hv_msrs_exit_guest(struct hv_vcpu *vcpu);

/* RDTSCP and RDPID read IA32_TSC_AUX, which neither VMX nor SVM switches. */
static inline bool hv_host_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

/* A guest-physical address the host's physical address width can hold. */
static inline bool hv_gpa_valid(u64 gpa)
{
	return !(gpa >> boot_cpu_data.x86_phys_bits);
}

/* core/pio.c */
struct hv_pio_exit {
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	u8 addr_size;		/* string: 2, 4 or 8 */
	u8 seg;			/* string outs: segment of rSI (HV_DS...) */
	u8 insn_len;		/* to skip the instruction when done */
};

void hv_pio_string_prefixes(struct hv_vcpu *vcpu, struct hv_pio_exit *io);
int hv_exit_pio(struct hv_vcpu *vcpu, const struct hv_pio_exit *io);
int hv_complete_pio(struct hv_vcpu *vcpu);

/* core/mmio.c */
int hv_handle_mmio(struct hv_vcpu *vcpu);
int hv_complete_mmio(struct hv_vcpu *vcpu);

/* The bit of a feature (X86_FEATURE_*) in its CPUID register. */
#define HV_BIT(feature)		BIT((feature) & 31)

/* core/cpuid_supported.c */
void hv_cpuid_supported_init(void);
long hv_get_supported_cpuid(struct hv_cpuid2 __user *arg);
void hv_cpuid_supported_clear(u32 function, int reg, int feature);

/* core/cpuid.c */
void hv_cpuid_init(void);
void hv_cpuid_vcpu_init(struct hv_vcpu *vcpu);
void hv_cpuid_vcpu_free(struct hv_vcpu *vcpu);
long hv_vcpu_set_cpuid2(struct hv_vcpu *vcpu, struct hv_cpuid2 __user *arg);
long hv_vcpu_get_cpuid2(struct hv_vcpu *vcpu, struct hv_cpuid2 __user *arg);
int hv_emulate_cpuid(struct hv_vcpu *vcpu, u8 insn_len);
u32 hv_cpuid_signature(struct hv_vcpu *vcpu);
bool hv_cr4_valid(struct hv_vcpu *vcpu, u64 cr4);
bool hv_cr0_valid(u64 cr0);
bool hv_efer_write_valid(struct hv_vcpu *vcpu, u64 old_efer, u64 efer,
			 bool paging);
bool hv_guest_cpuid_has(struct hv_vcpu *vcpu, u32 function, int reg,
			int feature);
bool hv_guest_vendor_is_amd(struct hv_vcpu *vcpu);
bool hv_guest_vendor_is_intel(struct hv_vcpu *vcpu);

/* core/fpu.c */
int hv_fpu_init(void);
u64 hv_fpu_guest_xfeatures(void);
u32 hv_fpu_xstate_size(u64 xfeatures, bool compacted);
int hv_set_xcr(struct hv_vcpu *vcpu, u32 index, u64 value);
long hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs __user *arg);
long hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs __user *arg);
int hv_fpu_vcpu_init(struct hv_vcpu *vcpu);
void hv_fpu_vcpu_free(struct hv_vcpu *vcpu);
void hv_fpu_load_guest(struct hv_vcpu *vcpu);	/* HV_RUN's start */
void hv_fpu_put_guest(struct hv_vcpu *vcpu);	/* HV_RUN's end */
void hv_fpu_enter_guest(struct hv_vcpu *vcpu);	/* irqs off */
void hv_fpu_exit_guest(struct hv_vcpu *vcpu);	/* irqs off */
u32 hv_fpu_uabi_size(void);
long hv_vcpu_get_fpu(struct hv_vcpu *vcpu, struct hv_fpu __user *arg);
long hv_vcpu_set_fpu(struct hv_vcpu *vcpu, struct hv_fpu __user *arg);
long hv_vcpu_get_xsave(struct hv_vcpu *vcpu, void __user *arg);
long hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const void __user *arg);

/* core/state.c: vCPU state ioctls, INIT */
void hv_vcpu_state_init(struct hv_vcpu *vcpu);
long hv_vcpu_state_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
			 unsigned long arg);
void hv_vcpu_init(struct hv_vcpu *vcpu);

/* core/irqchip.c: the VM's in-kernel irqchip ioctls */
long hv_vm_set_gsi_routing(struct hv_vm *vm, struct hv_irq_routing __user *arg);
long hv_vm_irqchip_ioctl(struct hv_vm *vm, unsigned int ioctl,
			 unsigned long arg);
void hv_irqchip_destroy(struct hv_vm *vm);

/* core/halt.c: the vCPU's side of it (MP state, HLT, LAPIC events) */
int hv_vcpu_irqchip_init(struct hv_vcpu *vcpu);
void hv_vcpu_irqchip_free(struct hv_vcpu *vcpu);
bool hv_vcpu_has_interrupt(struct hv_vcpu *vcpu);
int hv_vcpu_take_interrupt(struct hv_vcpu *vcpu);
void hv_vcpu_irqchip_events(struct hv_vcpu *vcpu);
int hv_vcpu_halt(struct hv_vcpu *vcpu);
int hv_vcpu_wait(struct hv_vcpu *vcpu);
bool hv_vcpu_wake_pending(struct hv_vcpu *vcpu);
bool hv_vcpu_block(struct hv_vcpu *vcpu);

/* core/halt_poll.c: the halt-polling window before a halted vCPU sleeps */
void hv_vcpu_halt_poll(struct hv_vcpu *vcpu);
void hv_vcpu_start_at_sipi(struct hv_vcpu *vcpu, u8 vector);
long hv_vcpu_lapic_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp);

/* core/ioeventfd.c */
long hv_vm_ioeventfd(struct hv_vm *vm, struct hv_ioeventfd __user *argp);
void hv_ioeventfd_init(struct hv_vm *vm);
void hv_ioeventfd_destroy(struct hv_vm *vm);

/* core/msr_filter.c */
long hv_vm_set_msr_filter(struct hv_vm *vm, struct hv_msr_filter __user *argp);
long hv_vm_enable_user_space_msr(struct hv_vm *vm, u64 mask);
void hv_msr_filter_destroy(struct hv_vm *vm);
bool hv_msr_allowed(struct hv_vcpu *vcpu, u32 msr, u32 access);
bool hv_msrs_allowed(struct hv_vcpu *vcpu, const u32 *msrs, int n);
void hv_msr_filter_request(struct hv_vcpu *vcpu);
bool hv_msr_exit_to_user(struct hv_vcpu *vcpu, bool read, u32 msr, u64 data,
			 int why, u8 insn_len);
int hv_complete_msr(struct hv_vcpu *vcpu);

/* core/mce.c */
long hv_dev_get_mce_cap_supported(u64 __user *argp);
long hv_vcpu_mce_ioctl(struct hv_vcpu *vcpu, unsigned int ioctl,
		       void __user *argp);

/* core/coalesced_mmio.c */
long hv_vm_coalesced_mmio(struct hv_vm *vm, unsigned int ioctl,
			  void __user *argp);
struct page *hv_coalesced_mmio_page(struct hv_vm *vm);
void hv_coalesced_mmio_destroy(struct hv_vm *vm);

/* core/vm_state.c: VM state ioctls */
void hv_vm_state_init(struct hv_vm *vm);
long hv_vm_state_ioctl(struct hv_vm *vm, unsigned int ioctl,
		       unsigned long arg);
int hv_vm_check_vcpu_id(struct hv_vm *vm, u32 id);
u64 hv_vm_clock_ns(struct hv_vm *vm);

/* core/caps.c */
long hv_check_extension(struct hv_vm *vm, unsigned long cap);

/* core/cpu.c: per-CPU enable/disable of the hardware */
int hv_cpus_init(void);
void hv_cpus_exit(void);
bool hv_cpu_enabled(int cpu);
struct hv_cpu *hv_this_cpu(void);

/* core/dev.c: /dev/hv */
int hv_dev_init(void);
void hv_dev_exit(void);

#endif /* HV_CORE_HV_H */
