// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend: what the CPU offers, and VMX operation on/off.
 *
 * At load the capability MSRs are read once into vmx_caps; the load is
 * refused (-ENODEV, one line naming the missing feature) unless the CPU
 * has everything hv relies on: EPT with 4-level walks and write-back
 * paging structures, INVEPT, and unrestricted guest for real mode.
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "../core/backend.h"
#include "insn.h"
#include "vmx.h"

struct vmx_caps vmx_caps;

/* A control that must be settable: (allowed-1 settings of @msr) & @bit. */
struct vmx_required_ctl {
	u32 msr;
	u32 bit;
	const char *name;
};

/* The proc/exit/entry MSRs are replaced by their TRUE_ forms when present. */
static const struct vmx_required_ctl vmx_required[] = {
	{ MSR_IA32_VMX_PROCBASED_CTLS, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
	  "secondary processor-based controls" },
	{ MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_ENABLE_EPT, "EPT" },
	{ MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_UNRESTRICTED_GUEST,
	  "unrestricted guest" },
	{ MSR_IA32_VMX_EXIT_CTLS, VM_EXIT_HOST_ADDR_SPACE_SIZE,
	  "64-bit host (exit control)" },
	{ MSR_IA32_VMX_EXIT_CTLS, VM_EXIT_LOAD_IA32_EFER,
	  "load IA32_EFER on exit" },
	{ MSR_IA32_VMX_ENTRY_CTLS, VM_ENTRY_LOAD_IA32_EFER,
	  "load IA32_EFER on entry" },
};

static bool vmx_cpu_has_extension(void)
{
	return cpuid_ecx(1) & BIT(5);	/* CPUID.1:ECX.VMX, SDM 23.6 */
}

static u32 vmx_true_msr(u32 msr)
{
	if (!(vmx_caps.basic & VMX_BASIC_TRUE_CTLS))
		return msr;
	switch (msr) {
	case MSR_IA32_VMX_PROCBASED_CTLS:
		return MSR_IA32_VMX_TRUE_PROCBASED_CTLS;
	case MSR_IA32_VMX_EXIT_CTLS:
		return MSR_IA32_VMX_TRUE_EXIT_CTLS;
	case MSR_IA32_VMX_ENTRY_CTLS:
		return MSR_IA32_VMX_TRUE_ENTRY_CTLS;
	default:
		return msr;
	}
}

/* SDM Appendix A.3-A.5: bits 63:32 of a control MSR are the allowed-1 set. */
static bool vmx_ctl_allowed(u32 msr, u32 bit)
{
	u64 v;

	if (rdmsrl_safe(vmx_true_msr(msr), &v))
		return false;
	return (v >> 32) & bit;
}

/*
 * Who else might have put this CPU in VMX operation, or holds the kernel's
 * single emergency-disable hook that VMX needs (asm/reboot.h)?
 */
static int vmx_check_owner(void)
{
	void *kvm_sym;

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("VMX already in use (CR4.VMXE set): another hypervisor such as kvm_intel or VirtualBox owns it\n");
		return -EBUSY;
	}
	kvm_sym = __symbol_get("kvm_rebooting");
	if (kvm_sym) {
		__symbol_put("kvm_rebooting");
		pr_err("kvm is loaded and holds the VMX emergency hook: unload kvm_intel and kvm first\n");
		return -EBUSY;
	}
	return 0;
}

static int vmx_read_caps(void)
{
	u64 feat, ept;
	int i;

	/* SDM 23.7: firmware must allow VMXON outside SMX and lock the MSR. */
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("disabled by firmware (IA32_FEATURE_CONTROL)\n");
		return -ENODEV;
	}

	/* SDM Appendix A.1: VMCS revision, region size, memory type. */
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &vmx_caps.basic)) {
		pr_err("IA32_VMX_BASIC unreadable\n");
		return -ENODEV;
	}
	vmx_caps.revision_id = vmx_caps.basic & 0x7fffffff;
	if (((vmx_caps.basic >> 32) & 0x1fff) > PAGE_SIZE ||
	    (vmx_caps.basic & BIT_ULL(48)) ||
	    ((vmx_caps.basic >> VMX_BASIC_MEM_TYPE_SHIFT) & 0xf) !=
		VMX_BASIC_MEM_TYPE_WB) {
		pr_err("unsupported VMCS layout (IA32_VMX_BASIC %#llx)\n",
		       vmx_caps.basic);
		return -ENODEV;
	}

	for (i = 0; i < ARRAY_SIZE(vmx_required); i++) {
		if (!vmx_ctl_allowed(vmx_required[i].msr, vmx_required[i].bit)) {
			pr_err("%s not supported\n", vmx_required[i].name);
			return -ENODEV;
		}
	}

	/* SDM Appendix A.10: the EPT features hv's EPT format relies on. */
	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept) ||
	    !(ept & VMX_EPT_PAGE_WALK_4_BIT) || !(ept & VMX_EPTP_WB_BIT) ||
	    !(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT))) {
		pr_err("EPT lacks 4-level walks, WB structures or INVEPT (IA32_VMX_EPT_VPID_CAP %#llx)\n",
		       ept);
		return -ENODEV;
	}
	vmx_caps.ept_vpid = ept;
	vmx_caps.has_vpid = vmx_ctl_allowed(MSR_IA32_VMX_PROCBASED_CTLS2,
					    SECONDARY_EXEC_ENABLE_VPID);

	/* SDM A.7/A.8: bits fixed to 0 or 1 in CR0/CR4 during VMX operation. */
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);
	return 0;
}

/*
 * Called by the kernel's crash and emergency-restart paths, on every CPU,
 * possibly in NMI context: leave VMX operation so that INIT works again.
 */
static void vmx_emergency_disable(void)
{
	if (!(cr4_read_shadow() & X86_CR4_VMXE))
		return;
	vmx_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
}

static int vmx_hardware_setup(void)
{
	int r;

	r = vmx_read_caps();
	if (r)
		return r;
	r = vmx_check_owner();
	if (r)
		return r;
	cpu_emergency_register_virt_callback(vmx_emergency_disable);
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
}

/* SDM 24.7 "Enabling and entering VMX operation". */
static int vmx_cpu_enable(struct hv_cpu *c)
{
	u64 cr0 = read_cr0(), cr4 = cr4_read_shadow() | X86_CR4_VMXE;
	u32 *region = page_address(c->hw_region);
	int r;

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("cpu %d: VMX already in use (CR4.VMXE set) by another hypervisor\n",
		       smp_processor_id());
		return -EBUSY;
	}
	if ((cr0 & vmx_caps.cr0_fixed0) != vmx_caps.cr0_fixed0 ||
	    (cr0 & ~vmx_caps.cr0_fixed1) ||
	    (cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	    (cr4 & ~vmx_caps.cr4_fixed1)) {
		pr_err("cpu %d: host CR0/CR4 violate the VMX fixed bits\n",
		       smp_processor_id());
		return -EIO;
	}

	region[0] = vmx_caps.revision_id;	/* SDM 25.11.5 */
	cr4_set_bits(X86_CR4_VMXE);
	r = vmx_vmxon(page_to_phys(c->hw_region));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("cpu %d: VMXON failed (%d)\n", smp_processor_id(), r);
		return -EIO;
	}
	return 0;
}

static void vmx_cpu_disable(struct hv_cpu *c)
{
	/* A fault means an emergency path already left VMX operation. */
	vmx_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
}

const struct hv_backend_ops vmx_backend_ops = {
	.name = "vmx",
	.cpu_has_extension = vmx_cpu_has_extension,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
};
