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

#include "../core/backend.h"
#include "svm.h"

struct svm_caps svm_caps;

/* APM Vol. 3, E.4.12: CPUID Fn8000_0001_ECX[SVM] (bit 2). */
static bool svm_cpu_has_extension(void)
{
	if (cpuid_eax(0x80000000) < 0x80000001)
		return false;
	return cpuid_ecx(0x80000001) & BIT(2);
}

static int svm_hardware_setup(void)
{
	u64 vm_cr, efer;

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
	return 0;
}

static void svm_hardware_unsetup(void)
{
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

const struct hv_backend_ops svm_backend_ops = {
	.name = "svm",
	.cpu_has_extension = svm_cpu_has_extension,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
};
