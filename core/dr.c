// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers, as MOV to/from DRn sees them.
 *
 * They are the core's state and never reach the hardware yet (guest
 * hardware breakpoints do not fire; the VMCB/VMCS DR7 stays at its reset
 * value), so both backends only decode the instruction and call here.
 */
#include "hv.h"

/*
 * MOV to/from DR@n (@to_reg: read into *@val).  Returns 0, -EOPNOTSUPP
 * for #UD (DR4/DR5 with CR4.DE set, or no such register) or -EINVAL for
 * #GP (a DR6/DR7 value with bits 63:32 set).
 */
int hv_mov_dr(struct hv_vcpu *vcpu, int n, bool to_reg, u64 *val, bool cr4_de)
{
	/* DR4/DR5 alias DR6/DR7 unless CR4.DE (SDM Vol. 3, 18.2.2). */
	if (n == 4 || n == 5) {
		if (cr4_de)
			return -EOPNOTSUPP;
		n += 2;
	}
	if (n > 7)
		return -EOPNOTSUPP;
	if (to_reg) {
		*val = n < 4 ? vcpu->db[n] : n == 6 ? vcpu->dr6 : vcpu->dr7;
		return 0;
	}
	if (n < 4) {
		vcpu->db[n] = *val;
		return 0;
	}
	if (*val >> 32)		/* SDM Vol. 3, 18.2.4: upper bits must be 0 */
		return -EINVAL;
	if (n == 6)		/* writable: B0-3, BD, BS, BT */
		vcpu->dr6 = (*val & 0xe00f) | HV_DR6_INIT;
	else
		vcpu->dr7 = (*val & ~HV_DR7_INIT & 0xffff2bff) | HV_DR7_INIT;
	return 0;
}
