// SPDX-License-Identifier: GPL-2.0
/*
 * AMD nested page table entries: the ordinary x86-64 long-mode format
 * (APM Vol. 2, 15.25.5 and 5.3).
 */
#include <linux/bits.h>

#include "mmu.h"

#define NPT_PRESENT	BIT_ULL(0)
#define NPT_WRITE	BIT_ULL(1)
#define NPT_USER	BIT_ULL(2)	/* nested walks are user accesses */
#define NPT_ACCESSED	BIT_ULL(5)
#define NPT_LARGE	BIT_ULL(7)
#define NPT_NX		BIT_ULL(63)
#define NPT_ADDR_MASK	GENMASK_ULL(51, 12)

/* Tables grant everything; the leaf decides. */
static u64 npt_make_table(u64 table_pa)
{
	return (table_pa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_WRITE |
	       NPT_USER | NPT_ACCESSED;
}

/*
 * Memory type: PAT/PCD/PWT left 0 (write-back), combined with the guest's
 * own PAT as APM 15.25.8 describes.  Ordinary RAM only for now.
 */
static u64 npt_make_leaf(u64 page_pa, unsigned int prot)
{
	u64 pte = (page_pa & NPT_ADDR_MASK) | NPT_PRESENT | NPT_USER |
		  NPT_ACCESSED;

	if (prot & HV_PROT_WRITE)
		pte |= NPT_WRITE;
	if (!(prot & HV_PROT_EXEC))
		pte |= NPT_NX;
	return pte;
}

static bool npt_is_present(u64 pte)
{
	return pte & NPT_PRESENT;
}

static bool npt_is_leaf(u64 pte, int level)
{
	return level == 1 || (pte & NPT_LARGE);
}

static u64 npt_addr(u64 pte)
{
	return pte & NPT_ADDR_MASK;
}

const struct hv_pt_format hv_npt_format = {
	.name = "npt",
	.make_table = npt_make_table,
	.make_leaf = npt_make_leaf,
	.is_present = npt_is_present,
	.is_leaf = npt_is_leaf,
	.addr = npt_addr,
};
