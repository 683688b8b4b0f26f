// SPDX-License-Identifier: GPL-2.0
/*
 * Intel EPT entries (SDM Vol. 3C, 29.3.2 "EPT Translation Mechanism",
 * Tables 29-1 to 29-6).  Unlike ordinary page tables there is no present
 * bit: an entry is present when any of read, write, execute is set, and
 * write-only or write+execute entries are misconfigurations (29.3.3.1),
 * which hv never builds.
 */
#include <linux/bits.h>

#include "mmu.h"

#define EPT_READ	BIT_ULL(0)
#define EPT_WRITE	BIT_ULL(1)
#define EPT_EXEC	BIT_ULL(2)	/* supervisor-mode execute */
#define EPT_RWX		(EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT	3		/* leaves: memory type, bits 5:3 */
#define EPT_MT_WB	6ULL
#define EPT_IPAT	BIT_ULL(6)	/* leaves: ignore the guest's PAT */
#define EPT_LARGE	BIT_ULL(7)	/* levels 2-3: maps a 2M/1G page */
#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)

/* Tables grant everything; the leaf decides. */
static u64 ept_make_table(u64 table_pa)
{
	return (table_pa & EPT_ADDR_MASK) | EPT_RWX;
}

/*
 * Guest RAM is ordinary host memory, always write-back.  The type is
 * forced (IPAT) as KVM does when no device DMA is assigned: the guest's
 * PAT and CR0.CD can then neither make its RAM uncached nor create
 * aliases of different types with the host's mapping (SDM 29.3.7.2).
 */
static u64 ept_make_leaf(u64 page_pa, unsigned int prot)
{
	u64 pte = (page_pa & EPT_ADDR_MASK) | EPT_MT_WB << EPT_MT_SHIFT |
		  EPT_IPAT;

	if (prot & HV_PROT_READ)
		pte |= EPT_READ;
	if (prot & HV_PROT_WRITE)
		pte |= EPT_WRITE;
	if (prot & HV_PROT_EXEC)
		pte |= EPT_EXEC;
	return pte;
}

static bool ept_is_present(u64 pte)
{
	return pte & EPT_RWX;
}

static bool ept_is_leaf(u64 pte, int level)
{
	return level == 1 || (pte & EPT_LARGE);
}

static u64 ept_addr(u64 pte)
{
	return pte & EPT_ADDR_MASK;
}

const struct hv_pt_format hv_ept_format = {
	.name = "ept",
	.make_table = ept_make_table,
	.make_leaf = ept_make_leaf,
	.is_present = ept_is_present,
	.is_leaf = ept_is_leaf,
	.addr = ept_addr,
};
