// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page walk (SDM Vol 3A chapter 4) and copies to/from guest linear
 * memory.
 *
 * The walk reads the paging-structure entries through env->read_phys and
 * never writes them: accessed and dirty bits are not set.  A guest that
 * relies on them for pages only the emulator touched (MMIO pages, string
 * I/O buffers) sees them clear; the hardware sets them on every other
 * access.
 *
 * Not modelled: 5-level paging (CR4.LA57 gives HV_EMU_ERROR/-EOPNOTSUPP),
 * SMAP (CR4.SMAP is ignored), protection keys (CR4.PKE/PKS), and the
 * guest's MAXPHYADDR (EMU_MAXPHYADDR is assumed).  In PAE mode the four
 * PDPTEs are read from memory at each walk instead of being the copies
 * the processor loaded with CR3, and a reserved bit in one raises #PF
 * with RSVD set (the processor would have raised #GP at MOV to CR3).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "emulate_priv.h"

/* Paging-structure entry bits (SDM Vol 3A 4.3, 4.4.2, 4.5.4). */
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_XD		BIT_ULL(63)

/* Physical-address bits of a 64-bit entry (M-1:12). */
#define PTE_ADDR	GENMASK_ULL(EMU_MAXPHYADDR - 1, 12)
/* Bits 62:M, reserved in PAE-paging entries (Tables 4-8 to 4-11). */
#define PAE_RSVD_HIGH	(GENMASK_ULL(62, 0) & ~GENMASK_ULL(EMU_MAXPHYADDR - 1, 0))

/* One level of a paging mode, top level first. */
struct emu_level {
	u8 shift;		/* lowest linear-address bit it translates */
	u8 bits;		/* linear-address bits it translates */
	bool large;		/* PS=1 maps a page here */
	bool ps_rsvd;		/* PS is a reserved bit here */
	u64 large_rsvd;		/* bits reserved when PS=1 */
};

/* 32-bit paging, Table 4-4: a 4-MByte PDE has bit 21 reserved. */
static const struct emu_level levels_32[] = {
	{ 22, 10, true, false, BIT_ULL(21) },
	{ 12, 10, false, false, 0 },
};

/* PAE paging below the PDPTE, Tables 4-9 and 4-10. */
static const struct emu_level levels_pae[] = {
	{ 21, 9, true, false, GENMASK_ULL(20, 13) },
	{ 12, 9, false, false, 0 },
};

/* 4-level paging, Tables 4-14 to 4-19 (1-GByte pages are assumed). */
static const struct emu_level levels_4[] = {
	{ 39, 9, false, true, 0 },
	{ 30, 9, true, false, GENMASK_ULL(29, 13) },
	{ 21, 9, true, false, GENMASK_ULL(20, 13) },
	{ 12, 9, false, false, 0 },
};

struct emu_walk {
	const struct hv_emu_cpu *cpu;
	const struct hv_emu_env *env;
	struct hv_emu_exception *exc;
	u64 la;
	u32 access;
};

static bool walk_nxe(const struct hv_emu_cpu *cpu)
{
	/* XD exists with PAE and 4-level paging only (SDM 4.1.1). */
	return (cpu->efer & EMU_EFER_NXE) && (cpu->cr4 & EMU_CR4_PAE);
}

/* #PF with the error code of SDM 4.7 for @w's access. */
static int walk_fault(struct emu_walk *w, u32 bits)
{
	const struct hv_emu_cpu *cpu = w->cpu;
	u32 ec = bits;

	if (w->access & HV_ACC_WRITE)
		ec |= EMU_PFEC_W;
	if (w->access & HV_ACC_USER)
		ec |= EMU_PFEC_U;
	/* I/D is reported only where fetches can fault on their own. */
	if ((w->access & HV_ACC_FETCH) &&
	    ((cpu->cr4 & EMU_CR4_SMEP) || walk_nxe(cpu)))
		ec |= EMU_PFEC_I;
	hv_emu_set_exc(w->exc, EMU_VEC_PF, true, ec);
	w->exc->cr2 = w->la;
	return HV_EMU_EXCEPTION;
}

static int walk_read(struct emu_walk *w, u64 gpa, unsigned int size,
		     u64 *pte)
{
	u32 pte32;
	int rc;

	if (size == 4) {
		rc = w->env->read_phys(w->env->ctx, gpa, &pte32, 4);
		*pte = pte32;
	} else {
		rc = w->env->read_phys(w->env->ctx, gpa, pte, 8);
	}
	if (!rc)
		return 0;
	/*
	 * Paging structures in MMIO are not supported (emulator.md): the
	 * env's -ENOENT (not RAM) tells the caller so, as it is.
	 */
	w->exc->err = rc;
	return HV_EMU_ERROR;
}

/*
 * Access rights once the translation exists (SDM 4.6): @user and @rw
 * are the AND of U/S and R/W over all levels, @xd the OR of XD.
 */
static int walk_check(struct emu_walk *w, bool user, bool rw, bool xd)
{
	const struct hv_emu_cpu *cpu = w->cpu;
	u32 acc = w->access;

	if (acc & HV_ACC_USER) {
		if (!user)
			return walk_fault(w, EMU_PFEC_P);
		if ((acc & HV_ACC_WRITE) && !rw)
			return walk_fault(w, EMU_PFEC_P);
	} else {
		/* CR0.WP=0 lets supervisor writes ignore R/W (4.6.1). */
		if ((acc & HV_ACC_WRITE) && !rw && (cpu->cr0 & EMU_CR0_WP))
			return walk_fault(w, EMU_PFEC_P);
		if ((acc & HV_ACC_FETCH) && user &&
		    (cpu->cr4 & EMU_CR4_SMEP))
			return walk_fault(w, EMU_PFEC_P);
	}
	if ((acc & HV_ACC_FETCH) && xd)
		return walk_fault(w, EMU_PFEC_P);
	return 0;
}

/*
 * Walk @nr levels from the table at @table.  @size is the entry size,
 * @rsvd the bits reserved in every present entry of this mode.
 */
static int walk_levels(struct emu_walk *w, const struct emu_level *lv,
		       unsigned int nr, u64 table, unsigned int size,
		       u64 rsvd, u64 *gpa)
{
	bool user = true, rw = true, xd = false;
	bool pse = size == 8 || (w->cpu->cr4 & EMU_CR4_PSE);
	u64 pte, frame, page_mask;
	unsigned int i, idx;
	int rc;

	for (i = 0; i < nr; i++) {
		bool large;

		idx = (w->la >> lv[i].shift) & (BIT(lv[i].bits) - 1);
		rc = walk_read(w, table + idx * size, size, &pte);
		if (rc)
			return rc;
		if (!(pte & PTE_P))
			return walk_fault(w, 0);
		/* With CR4.PSE=0, PS of a 32-bit PDE is ignored (4.3). */
		large = lv[i].large && pse && (pte & PTE_PS);
		if ((pte & rsvd) || (large && (pte & lv[i].large_rsvd)) ||
		    (lv[i].ps_rsvd && (pte & PTE_PS)))
			return walk_fault(w, EMU_PFEC_P | EMU_PFEC_RSVD);
		user &= !!(pte & PTE_US);
		rw &= !!(pte & PTE_RW);
		xd |= size == 8 && (pte & PTE_XD);
		if (large || i == nr - 1)
			break;
		table = size == 8 ? pte & PTE_ADDR : pte & GENMASK_ULL(31, 12);
	}

	rc = walk_check(w, user, rw, xd);
	if (rc)
		return rc;

	page_mask = BIT_ULL(lv[i].shift) - 1;
	if (size == 8) {
		frame = pte & PTE_ADDR & ~page_mask;
	} else if (i == 0) {
		/* PSE-36: PDE bits 20:13 are physical bits 39:32. */
		frame = (pte & GENMASK_ULL(31, 22)) |
			((pte >> 13) & 0xff) << 32;
	} else {
		frame = pte & GENMASK_ULL(31, 12);
	}
	*gpa = frame | (w->la & page_mask);
	return 0;
}

int hv_emu_translate(const struct hv_emu_cpu *cpu,
		     const struct hv_emu_env *env, u64 la, u32 access,
		     u64 *gpa, struct hv_emu_exception *exc)
{
	struct emu_walk w = {
		.cpu = cpu, .env = env, .exc = exc, .la = la, .access = access,
	};
	u64 rsvd, pdpte;
	int rc;

	/* Outside long mode linear addresses have 32 bits. */
	if (!(cpu->efer & EMU_EFER_LMA))
		w.la = la & 0xffffffffULL;
	if (!(cpu->cr0 & EMU_CR0_PG)) {
		*gpa = w.la;
		return 0;
	}

	rsvd = walk_nxe(cpu) ? 0 : PTE_XD;
	if (cpu->efer & EMU_EFER_LMA) {
		if (cpu->cr4 & EMU_CR4_LA57) {
			exc->err = -EOPNOTSUPP;
			return HV_EMU_ERROR;
		}
		return walk_levels(&w, levels_4, ARRAY_SIZE(levels_4),
				   cpu->cr3 & PTE_ADDR, 8, rsvd, gpa);
	}

	if (!(cpu->cr4 & EMU_CR4_PAE))
		return walk_levels(&w, levels_32, ARRAY_SIZE(levels_32),
				   cpu->cr3 & GENMASK_ULL(31, 12), 4, 0, gpa);

	/* PAE: the PDPTE comes from the 32-byte table at CR3[31:5] (4.4.1). */
	rc = walk_read(&w, (cpu->cr3 & GENMASK_ULL(31, 5)) +
		       ((w.la >> 30) & 3) * 8, 8, &pdpte);
	if (rc)
		return rc;
	if (!(pdpte & PTE_P))
		return walk_fault(&w, 0);
	/* Table 4-8: bits 2:1, 8:5 and 63:M are reserved in a PDPTE. */
	if (pdpte & (GENMASK_ULL(2, 1) | GENMASK_ULL(8, 5) | PTE_XD |
		     PAE_RSVD_HIGH))
		return walk_fault(&w, EMU_PFEC_P | EMU_PFEC_RSVD);
	return walk_levels(&w, levels_pae, ARRAY_SIZE(levels_pae),
			   pdpte & PTE_ADDR, 8, rsvd | PAE_RSVD_HIGH, gpa);
}

/*
 * Copy @len bytes between @buf and guest linear memory at @la, page by
 * page; a non-canonical address in long mode raises #GP(0).  A write
 * translates every page before writing any, so that a #PF leaves memory
 * untouched; a page that turns out not to be writable RAM (-ENOENT from
 * write_phys) may still leave the earlier pages written.
 */
static int linear_copy(const struct hv_emu_cpu *cpu,
		       const struct hv_emu_env *env, u64 la, void *buf,
		       unsigned int len, bool write,
		       struct hv_emu_exception *exc)
{
	u64 wrap = (cpu->efer & EMU_EFER_LMA) ? ~0ULL : 0xffffffffULL;
	u32 access = (write ? HV_ACC_WRITE : 0) |
		     (cpu->cpl == 3 ? HV_ACC_USER : 0);
	unsigned int done, n;
	int pass, rc;
	u64 cur, gpa;

	/* In long mode every byte must be canonical (SDM Vol 3A 3.3.7.1). */
	if ((cpu->efer & EMU_EFER_LMA) && len &&
	    (!emu_canonical(la) || !emu_canonical(la + len - 1))) {
		hv_emu_set_exc(exc, EMU_VEC_GP, true, 0);
		return HV_EMU_EXCEPTION;
	}

	for (pass = write ? 0 : 1; pass < 2; pass++) {
		cur = la & wrap;
		for (done = 0; done < len; done += n) {
			n = min(len - done, EMU_PAGE_SIZE - EMU_PAGE_OFFSET(cur));
			rc = hv_emu_translate(cpu, env, cur, access, &gpa, exc);
			if (rc)
				return rc;
			if (pass) {
				if (write)
					rc = env->write_phys(env->ctx, gpa,
							     (u8 *)buf + done, n);
				else
					rc = env->read_phys(env->ctx, gpa,
							    (u8 *)buf + done, n);
				if (rc) {
					exc->err = rc;
					return HV_EMU_ERROR;
				}
			}
			cur = (cur + n) & wrap;
		}
	}
	return 0;
}

int hv_emu_read_linear(const struct hv_emu_cpu *cpu,
		       const struct hv_emu_env *env, u64 la, void *buf,
		       unsigned int len, struct hv_emu_exception *exc)
{
	return linear_copy(cpu, env, la, buf, len, false, exc);
}

int hv_emu_write_linear(const struct hv_emu_cpu *cpu,
			const struct hv_emu_env *env, u64 la, const void *buf,
			unsigned int len, struct hv_emu_exception *exc)
{
	return linear_copy(cpu, env, la, (void *)buf, len, true, exc);
}
