// SPDX-License-Identifier: GPL-2.0
/*
 * MOV to/from CR4, CR8 and DR0-7, intercepted so that the guest's view
 * stays its own (CR4 with the host's CR4.MCE forced on underneath; debug
 * registers that never reach the host's).
 *
 * Without decode assists (QEMU's SVM has none) the exit does not say which
 * GPR is involved, so the instruction is fetched and decoded here: it is
 * always 0F 20-23 /r, after optional prefixes and REX (SDM Vol. 2B, MOV).
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <linux/minmax.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>

#include "svm.h"

struct svm_mov {
	bool to_reg;		/* MOV r, CRn/DRn (a read) */
	bool dr;
	u8 n;			/* CR or DR number */
	u8 gpr;
	u8 len;
};

/*
 * Fetch up to 15 bytes at RIP: those of its page first, then those of the
 * next page if it can be read (an instruction may end right before an
 * unmapped page).  Returns how many bytes were fetched.
 */
static unsigned int svm_fetch(struct svm_vcpu *svm, struct hv_emu_cpu *cpu,
			      u8 *insn)
{
	struct hv_emu_exception exc;
	struct hv_emu_env env;
	u64 la = (cpu->seg[HV_CS].l ? 0 : cpu->seg[HV_CS].base) + cpu->rip;
	unsigned int n = min_t(unsigned int, HV_EMU_MAX_INSN,
			       PAGE_SIZE - offset_in_page(la));

	hv_emu_env_init(&env, &svm->vcpu);
	if (hv_emu_read_linear(cpu, &env, la, insn, n, &exc))
		return 0;
	if (n < HV_EMU_MAX_INSN &&
	    !hv_emu_read_linear(cpu, &env, la + n, insn + n,
				HV_EMU_MAX_INSN - n, &exc))
		n = HV_EMU_MAX_INSN;
	return n;
}

/*
 * Fetch and decode; false if it is not the expected MOV.  Only fetched
 * bytes are decoded: the prefixes, REX, 0F, the opcode and ModRM must
 * all be among them.
 */
static bool svm_decode_mov(struct svm_vcpu *svm, struct hv_emu_cpu *cpu,
			   struct svm_mov *m)
{
	bool lock = false, long_mode = cpu->seg[HV_CS].l;
	u8 insn[HV_EMU_MAX_INSN], rex = 0, op, modrm;
	unsigned int i, n;

	n = svm_fetch(svm, cpu, insn);
	for (i = 0; i < n && i < 11; i++) {
		u8 b = insn[i];

		if (b == 0xf0)
			lock = true;
		else if (b != 0x66 && b != 0x67 && b != 0xf2 && b != 0xf3 &&
			 b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e &&
			 b != 0x64 && b != 0x65)
			break;
	}
	if (i < n && long_mode && (insn[i] & 0xf0) == 0x40)
		rex = insn[i++];
	if (i + 3 > n || insn[i++] != 0x0f)
		return false;
	op = insn[i++];
	if (op < 0x20 || op > 0x23)
		return false;
	modrm = insn[i++];

	m->to_reg = !(op & 2);
	m->dr = op & 1;
	m->n = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	/* AMD's LOCK MOV CR0 is MOV CR8 (APM Vol. 3, MOV CRn). */
	if (lock && !m->dr && m->n == 0)
		m->n = 8;
	m->gpr = (modrm & 7) | ((rex & 1) << 3);
	m->len = i;
	return true;
}

static int svm_mov_cr(struct svm_vcpu *svm, struct svm_mov *m, u64 *reg)
{
	if (m->n == 4) {
		if (m->to_reg) {
			*reg = svm->cr4;
			return 0;
		}
		/* SDM 4.1.3 / MOV CR4: reserved bits, or PAE off in long mode. */
		if (!hv_cr4_valid(&svm->vcpu, *reg) ||
		    ((svm->vmcb->save.efer & EFER_LMA) &&
		     !(*reg & X86_CR4_PAE)))
			return -EINVAL;
		svm_set_cr4(svm, *reg);
		/* Paging-mode bits may have changed: drop the guest's TLB. */
		svm_flush_guest_tlb(&svm->vcpu);
		return 0;
	}
	if (m->n == 8 && !m->to_reg) {
		if (*reg & ~0xfULL)
			return -EINVAL;
		svm->vcpu.cr8 = *reg;		/* into V_TPR at the next entry */
		return 0;
	}
	return -EOPNOTSUPP;
}

int svm_handle_mov_cr_dr(struct svm_vcpu *svm)
{
	struct hv_vcpu *vcpu = &svm->vcpu;
	struct hv_emu_cpu cpu = vcpu->regs;
	struct svm_mov m;
	u64 val;
	int r;

	svm_get_emu_state(vcpu, &cpu);
	if (!svm_decode_mov(svm, &cpu, &m))
		return hv_exit_unexpected(vcpu, svm->vmcb->control.exit_code);

	/* Outside 64-bit mode the operand is 32 bits wide. */
	val = vcpu->regs.gpr[m.gpr];
	if (!cpu.seg[HV_CS].l)
		val = (u32)val;

	r = m.dr ? hv_mov_dr(vcpu, m.n, m.to_reg, &val, svm->cr4 & X86_CR4_DE) :
		   svm_mov_cr(svm, &m, &val);
	if (r == -EINVAL) {
		hv_queue_gp(vcpu, 0);
		return 1;
	}
	if (r) {
		hv_queue_ud(vcpu);
		return 1;
	}
	if (m.to_reg)
		vcpu->regs.gpr[m.gpr] = cpu.seg[HV_CS].l ? val : (u32)val;
	vcpu->regs.rip += m.len;
	return 1;
}
