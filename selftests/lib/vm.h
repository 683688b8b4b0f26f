/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv selftest library: virtual machines with guest code.
 *
 * A test builds a VM in a few lines:
 *
 *	struct vm *vm = vm_new(GUEST_LONG64);
 *	struct vcpu *vcpu = vcpu_new(vm, 0);
 *
 *	vcpu_enter(vcpu, guest_main, 2, arg0, arg1);
 *	vcpu_run_ucall(vcpu, &uc);		(a UCALL_SYNC, UCALL_DONE, ...)
 *	vm_free(vm);
 *
 * Guest memory: slot 0 ("the main slot") backs guest-physical 0 up to past
 * the end of the test binary.  In GUEST_PROT32 and GUEST_LONG64 the
 * binary's loadable segments are copied into it at their own addresses
 * (the binary is linked non-PIE, below 4 GiB), so guest functions written
 * in C run at their own addresses and the guest's copy of a global is at
 * the same address as the host's: guest_var() finds the guest's copy.
 *
 * The long-mode guest identity-maps the low 4 GiB with 2 MiB pages: any
 * guest-physical address below 4 GiB that no slot backs is MMIO.
 *
 * Fixed guest-physical layout (all modes):
 *	0x001000..0x006fff	page tables (PML4, PDPT, 4 page directories)
 *	0x007000		GDT		0x008000	IDT
 *	0x009000		TSS		0x00a000..	(free)
 *	0x010000..0x07ffff	16-bit code blobs (vm_load_blob)
 *	0x100000..0x1fffff	vCPU stacks, 16 KiB each
 *	0x200000..0x3fffff	free for tests (GUEST_SCRATCH)
 *	0x400000..		the test binary's image
 */
#ifndef HV_SELFTEST_VM_H
#define HV_SELFTEST_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "test.h"
#include "ucall.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

enum guest_mode {
	GUEST_NONE,	/* no main slot, no state: the test does it all */
	GUEST_REAL,	/* 16-bit real mode, code from vm_load_blob() */
	GUEST_PROT32,	/* 32-bit flat protected mode, paging off */
	GUEST_LONG64,	/* 64-bit long mode, 4-level identity map */
};

#define GPA_PML4		0x1000ULL
#define GPA_PDPT		0x2000ULL
#define GPA_PD			0x3000ULL	/* 4 pages */
#define GPA_GDT			0x7000ULL
#define GPA_IDT			0x8000ULL
#define GPA_TSS			0x9000ULL
#define GPA_BLOB		0x10000ULL
#define GPA_STACKS		0x100000ULL
#define GUEST_STACK_SIZE	0x4000ULL
#define GUEST_MAX_VCPUS		64
#define GPA_SCRATCH		0x200000ULL
#define GPA_SCRATCH_SIZE	0x200000ULL

/* GDT selectors */
#define SEL_CODE64		0x08
#define SEL_DATA		0x10
#define SEL_CODE32		0x18
#define SEL_TSS			0x20

#define VM_MAX_SLOTS		64

#define __stringify_1(x)	#x
#define __stringify(x)		__stringify_1(x)

struct vm_slot {
	bool used;
	u32 slot;
	u32 flags;
	u64 gpa;
	u64 size;
	void *hva;
	bool owned;		/* mapped by the library: unmapped by vm_free */
};

struct vm {
	int devfd;
	int fd;
	enum guest_mode mode;
	size_t run_size;	/* HV_GET_VCPU_MMAP_SIZE */
	struct vm_slot slots[VM_MAX_SLOTS];
	struct vcpu *vcpus[GUEST_MAX_VCPUS];
};

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct hv_run *run;
};

/* ---- VMs and memory ---- */
struct vm *vm_new(enum guest_mode mode);
void vm_free(struct vm *vm);

/* Set a memory slot (raw: returns 0 or -errno, records it on success). */
int vm_set_slot(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size,
		void *hva);
/* Delete a slot: 0 or -errno. */
int vm_delete_slot(struct vm *vm, u32 slot);
/* Map fresh anonymous memory and make it a slot; the test fails if not. */
void *vm_add_anon_slot(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size);

/* The host address backing @gpa, or NULL if no slot backs it. */
void *vm_gpa2hva(struct vm *vm, u64 gpa);
/* The guest's copy of a variable of the test binary (PROT32/LONG64). */
#define guest_var(vm, var)	((__typeof__(&(var)))vm_gpa2hva(vm, (u64)(uintptr_t)&(var)))

/* Copy [start, end) of the binary to @gpa (16-bit blobs). */
void vm_load_blob(struct vm *vm, u64 gpa, const void *start, const void *end);

/* ---- vCPUs ---- */
struct vcpu *vcpu_new(struct vm *vm, int id);
void vcpu_free(struct vcpu *vcpu);

/*
 * Point a vCPU at guest code and give it a fresh stack:
 * GUEST_LONG64:  fn(a0..a5) is called (System V ABI); returning from it
 *                is a UCALL_DONE.
 * GUEST_PROT32:  execution starts at fn with ESP at the stack top.
 * GUEST_REAL:    fn is a guest-physical address (blob); CS = fn >> 4, IP = 0.
 */
void vcpu_enter(struct vcpu *vcpu, const void *fn, int nargs, ...);
/* Where vcpu_enter() starts a long-mode vCPU (RIP before the first run). */
extern const char guest_trampoline[];

void vcpu_get_regs(struct vcpu *vcpu, struct hv_regs *regs);
void vcpu_set_regs(struct vcpu *vcpu, const struct hv_regs *regs);
void vcpu_get_sregs(struct vcpu *vcpu, struct hv_sregs *sregs);
void vcpu_set_sregs(struct vcpu *vcpu, const struct hv_sregs *sregs);
u64 vcpu_rip(struct vcpu *vcpu);

/*
 * GUEST_LONG64: an interrupt gate for @vector to @handler (guest code
 * ending in IRETQ), the vCPU's IDT limit raised to cover it.
 */
void vcpu_set_idt_gate(struct vcpu *vcpu, int vector, const void *handler);

/* Mode setup, used by vcpu_new(); exposed for tests that break it. */
void vcpu_setup_mode(struct vcpu *vcpu, enum guest_mode mode);

/* ---- running ---- */
/* KVM_RUN once: 0 or -errno. */
int vcpu_run(struct vcpu *vcpu);
const char *exit_reason_str(u32 reason);
/* A one-line description of the last exit (static buffer). */
const char *vcpu_exit_str(struct vcpu *vcpu);
/*
 * Run once and check the exit reason: true if it matches, else prints why
 * (the errno, the exit and its details, the guest RIP, a guest assertion
 * or exception) prefixed by @what and returns false.
 */
bool vcpu_run_expect(struct vcpu *vcpu, u32 exit_reason, const char *what);
/* Run until the next ucall (nothing else may exit): its cmd or UCALL_NONE. */
u32 vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc);
/*
 * Run until the next ucall and require @cmd: true if it came, else prints
 * what came instead (guest assertions with file:line and message).
 */
bool vcpu_expect_ucall(struct vcpu *vcpu, u32 cmd, struct ucall *uc,
		       const char *what);
/* If the last exit is a ucall, decode it into @uc: its cmd, else UCALL_NONE. */
u32 vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc);
/* Print a guest assertion or exception ucall as KTAP diagnostics. */
void ucall_print(struct vm *vm, const struct ucall *uc, const char *what);

/* Port I/O data of the last KVM_EXIT_IO. */
static inline void *vcpu_io_data(struct vcpu *vcpu)
{
	return (char *)vcpu->run + vcpu->run->io.data_offset;
}

/* ---- device facts ---- */
long dev_check_extension(int fd, long cap);
/* KVM_GET_SUPPORTED_CPUID of @devfd (malloc'ed), or NULL. */
struct hv_cpuid2 *dev_supported_cpuid(int devfd);
struct hv_cpuid_entry2 *cpuid_find(struct hv_cpuid2 *c, u32 fn, u32 idx);
/* Why a guest cannot use AVX on this host and device, or NULL if it can. */
const char *dev_avx_unavailable(void);
/*
 * Let the guest use AVX: KVM_SET_CPUID2 with what the device supports,
 * CR4.OSXSAVE, and XCR0 = x87|SSE|YMM by KVM_SET_XCRS (not a guest
 * XSETBV: QEMU's TCG SVM does not intercept it, see lab-notes).  NULL on
 * success, else why not.
 */
const char *vcpu_enable_avx(struct vcpu *vcpu);
bool host_has_avx(void);
/* The host CPU's vendor: true on AMD (SVM), false on Intel (VMX). */
bool host_is_amd(void);

#endif /* HV_SELFTEST_VM_H */
