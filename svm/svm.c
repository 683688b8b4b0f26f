// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: what the CPU offers, and SVM on/off.
 *
 * hv requires nested paging (NPT).  The kernel's own crash and emergency
 * restart paths already turn SVM off on every CPU (asm/virtext.h), so no
 * emergency hook is registered here.
 */
#define pr_fmt(fmt) "hv: AMD-V: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "svm.h"

struct svm_caps svm_caps;

/* APM Vol. 3, E.4.12: CPUID Fn8000_0001_ECX[SVM] (bit 2). */
static bool svm_cpu_has_extension(void)
{
	if (cpuid_eax(0x80000000) < 0x80000001)
		return false;
	return cpuid_ecx(0x80000001) & BIT(2);
}

static int svm_pt_levels(void);

static int svm_hardware_setup(void)
{
	u64 vm_cr, efer;
	int r;

	/* APM Vol. 2, 15.30.1: firmware may lock SVM off (VM_CR.SVMDIS). */
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr) || (vm_cr & BIT(4))) {
		pr_err("disabled by firmware (VM_CR.SVMDIS)\n");
		return -ENODEV;
	}

	/* APM Vol. 3, E.4.16: CPUID Fn8000_000A is the SVM feature leaf. */
	if (cpuid_eax(0x80000000) < 0x8000000a ||
	    !(cpuid_edx(0x8000000a) & BIT(0))) {
		pr_err("nested paging (NPT) not supported\n");
		return -ENODEV;
	}
	svm_caps.features = cpuid_edx(0x8000000a);
	svm_caps.nr_asids = cpuid_ebx(0x8000000a);

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("SVM already in use (EFER.SVME set): another hypervisor such as kvm_amd or VirtualBox owns it\n");
		return -EBUSY;
	}

	r = svm_msrpm_init();
	if (r)
		return r;
	r = svm_cpus_init();
	if (r) {
		svm_msrpm_exit();
		return r;
	}
	pr_info("nested page tables with %d levels\n", svm_pt_levels());
	return 0;
}

static void svm_hardware_unsetup(void)
{
	svm_cpus_exit();
	svm_msrpm_exit();
}

/* APM Vol. 2, 15.4 "Enabling SVM" and 15.30.4 VM_HSAVE_PA. */
static int svm_cpu_enable(struct hv_cpu *c)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("cpu %d: SVM already in use (EFER.SVME set) by another hypervisor\n",
		       smp_processor_id());
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(c->hw_region));
	return 0;
}

static void svm_cpu_disable(struct hv_cpu *c)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/*
 * AMD walks nested tables with the host's paging depth (APM Vol. 2,
 * 15.25.3: the nested page table has the format of the host's, by
 * EFER.LMA and CR4.LA57 at VMRUN): a 4-level table under a 5-level host
 * would be walked one level too deep, with a guest-controlled leaf taken
 * for a table.  So a VM's tables have exactly the host's depth.
 */
static int svm_pt_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

/* ---- vCPUs ---- */

static int svm_vcpu_create(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct page *page;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	svm->asid_cpu = -1;
	svm_vmcb_reset(svm);
	return 0;
}

static void svm_vcpu_free(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->vmcb)
		free_page((unsigned long)svm->vmcb);
	svm->vmcb = NULL;
}

const struct hv_backend_ops svm_backend_ops = {
	.name = "svm",
	.cpu_has_extension = svm_cpu_has_extension,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,

	.pt_format = &hv_npt_format,
	.pt_levels = svm_pt_levels,
	.vcpu_size = sizeof(struct svm_vcpu),
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_init = svm_vcpu_init,
	.vcpu_load = svm_vcpu_load,
	.vcpu_put = svm_vcpu_put,
	.vcpu_enter = svm_vcpu_enter,
	.handle_exit = svm_handle_exit,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.get_emu_state = svm_get_emu_state,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.ucode_rev = 0x01000065,
	.mcg_cap_bits = 0x1ff,		/* APM Vol. 2, 9.3.1.1: 63:9 reserved */
	.write_tsc_offset = svm_write_tsc_offset,
	.cpuid_changed = svm_cpuid_changed,
	.msr_filter_changed = svm_msr_filter_changed,
	.inject_event = svm_inject_event,
	.get_interrupt_shadow = svm_get_interrupt_shadow,
	.set_interrupt_shadow = svm_set_interrupt_shadow,
	.get_nmi_mask = svm_get_nmi_mask,
	.set_nmi_mask = svm_set_nmi_mask,
	.enable_irq_window = svm_enable_irq_window,
	.enable_nmi_window = svm_enable_nmi_window,
	.flush_guest_tlb = svm_flush_guest_tlb,
};
