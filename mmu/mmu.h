/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging, shared by both backends: guest-physical to
 * host-physical tables built lazily from the memslots on nested page
 * faults, and kept coherent with the host's page tables by an MMU
 * notifier.
 *
 * The table format is a small ops layer (struct hv_pt_format): NPT (AMD)
 * and EPT (Intel) entries differ in bit positions, not in structure, so
 * one walker and mapper serve both.
 */
#ifndef HV_MMU_MMU_H
#define HV_MMU_MMU_H

#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct hv_vcpu;
struct hv_vm;

/* Access rights of a guest-physical mapping. */
#define HV_PROT_READ	BIT(0)
#define HV_PROT_WRITE	BIT(1)
#define HV_PROT_EXEC	BIT(2)

#define HV_PT_LEVELS	4	/* 4-level tables, 512 entries each */

/*
 * How a backend's table entries are encoded.  Level 1 holds 4K leaves;
 * levels 2 and 3 will hold 2M and 1G leaves (is_leaf) when large pages
 * come, without changing the walker.
 */
struct hv_pt_format {
	const char *name;
	u64 (*make_table)(u64 table_pa);
	u64 (*make_leaf)(u64 page_pa, unsigned int prot);
	bool (*is_present)(u64 pte);
	bool (*is_leaf)(u64 pte, int level);
	u64 (*addr)(u64 pte);
};

extern const struct hv_pt_format hv_npt_format;
extern const struct hv_pt_format hv_ept_format;

/*
 * A VM's guest-physical address space.
 *
 * Locking: lock protects the tables' contents and the invalidation
 * state; the fault path reads invalidate_seq before looking up the host
 * page and installs the mapping only if no invalidation ran since.
 */
struct hv_mmu {
	spinlock_t lock;		/* see above */
	const struct hv_pt_format *fmt;	/* [c] */
	u64 *root;			/* [c] level-4 table */
	u64 root_pa;			/* [c] what the hardware is given */
	unsigned long invalidate_seq;	/* [lock] */
	long invalidate_in_progress;	/* [lock] */
	unsigned long nr_tables;	/* [lock] table pages, for accounting */
};

int hv_mmu_init(struct hv_vm *vm, const struct hv_pt_format *fmt);
void hv_mmu_destroy(struct hv_vm *vm);

/* Result of hv_mmu_page_fault() besides -errno. */
#define HV_FAULT_RETRY	1	/* mapped (or raced): re-enter the guest */
#define HV_FAULT_MMIO	0	/* no RAM there: emulate the access */

int hv_mmu_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write);

/* Remove the mappings of [gfn_start, gfn_end); kicks vCPUs to flush. */
void hv_mmu_unmap_gfn_range(struct hv_vm *vm, u64 gfn_start, u64 gfn_end);

#endif /* HV_MMU_MMU_H */
