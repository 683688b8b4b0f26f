// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative-execution defences around guest entry and exit that do not
 * depend on the vendor: the host's IA32_SPEC_CTRL back after an exit, the
 * L1D flush before an entry (L1TF), an IBPB when a CPU goes from one VM's
 * guest to another's, and the IBPB before the VMM's thread returns to
 * userspace (VMSCAPE).  The vendor entry code (svm/vmenter.S,
 * vmx/vmenter.S) does the rest.  Every defence follows the choice the
 * host kernel made at boot (the X86_FEATURE_* flags, l1tf_mitigation),
 * as kvm.ko does on the same kernel: hv is never weaker than KVM on the
 * host it runs on.  Documentation/security.md lists them all.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/spec-ctrl.h>

#include "hv.h"

/* 64 KiB: more than any L1D that L1TF affects (KVM flushes as much). */
#define HV_L1D_FLUSH_ORDER	4
#define HV_L1D_FLUSH_SIZE	(PAGE_SIZE << HV_L1D_FLUSH_ORDER)

static bool hv_l1d_flush_needed;
static u8 *hv_l1d_flush_pages;	/* NULL if the CPU flushes by MSR */

/* Which VM's guest ran last on each CPU (an id: VMs are freed). */
static DEFINE_PER_CPU(u64, hv_last_vm_id);
static atomic64_t hv_vm_ids = ATOMIC64_INIT(0);

/*
 * Called from vmx/vmenter.S (and fit for any backend) after the exit,
 * after the return stack buffer was refilled and before the first
 * unbalanced RET: the host's IA32_SPEC_CTRL, if the guest ran with
 * another value.  With the legacy IBRS mitigation the write is needed
 * after every exit whatever the values, to re-arm IBRS after the less
 * privileged predictor mode (as KVM does).
 */
void hv_spec_ctrl_restore_host(u64 guest_spec_ctrl)
{
	u64 host = this_cpu_read(x86_spec_ctrl_current);

	if (!cpu_feature_enabled(X86_FEATURE_MSR_SPEC_CTRL))
		return;
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS) ||
	    guest_spec_ctrl != host)
		native_wrmsrl(MSR_IA32_SPEC_CTRL, host);
	barrier_nospec();
}

/*
 * L1TF: a guest must not read, through a not-present guest PTE, what the
 * host left in the L1D.  Flushed before an entry when the host ran code
 * since the last one that may have loaded secrets (the vCPU's thread
 * came from userspace or another task, an exit was emulated or faulted
 * in memory, an interrupt ran: the same events as KVM's "cond" mode).
 */
static void hv_l1d_flush(void)
{
	unsigned int i;

	if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/*
	 * No flush command: read a buffer twice the size of the L1D, after
	 * loading its translations (so that page walks do not bring other
	 * lines in), which evicts everything else from it.
	 */
	for (i = 0; i < HV_L1D_FLUSH_SIZE; i += PAGE_SIZE)
		(void)READ_ONCE(hv_l1d_flush_pages[i]);
	cpuid_eax(0);			/* serializing: the walks are done */
	for (i = 0; i < HV_L1D_FLUSH_SIZE; i += L1_CACHE_BYTES)
		(void)READ_ONCE(hv_l1d_flush_pages[i]);
	/* The loads complete before anything after them (the entry) runs. */
	rmb();
}

/*
 * Did an interrupt run on this CPU since the last check?  The kernel's
 * interrupt entry records it for KVM's L1D flush; without that record,
 * assume one did.
 */
static bool hv_irq_ran_since_last_entry(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	bool ran = kvm_get_cpu_l1tf_flush_l1d();

	kvm_clear_cpu_l1tf_flush_l1d();
	return ran;
#else
	return true;
#endif
}

/* Interrupts off, just before the backend enters the guest. */
void hv_spec_enter_guest(struct hv_vcpu *vcpu)
{
	/*
	 * A different VM's guest ran here last: its branch predictions
	 * must not steer this one (Spectre v2 between guests).  Not needed
	 * where the host already issues an IBPB after every exit.
	 */
	if (this_cpu_read(hv_last_vm_id) != vcpu->vm->id) {
		this_cpu_write(hv_last_vm_id, vcpu->vm->id);
		if (!cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
			indirect_branch_prediction_barrier();
	}

	if (hv_l1d_flush_needed) {
		bool flush = hv_irq_ran_since_last_entry() || vcpu->l1d_flush;

		vcpu->l1d_flush = false;
		if (flush)
			hv_l1d_flush();
	}
}

/* Interrupts off, right after the exit. */
void hv_spec_exit_guest(struct hv_vcpu *vcpu)
{
	/*
	 * VMSCAPE: the guest may have trained the branch predictors
	 * against the VMM, which runs in host userspace: the kernel issues
	 * an IBPB on the way back to it when asked to.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
}

u64 hv_spec_new_vm_id(void)
{
	return atomic64_inc_return(&hv_vm_ids);
}

/* At load: which defences this host needs, as its kernel decided. */
int hv_spec_init(void)
{
	u64 arch_cap = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &arch_cap);
	hv_l1d_flush_needed = boot_cpu_has_bug(X86_BUG_L1TF) &&
			      !(arch_cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH) &&
			      l1tf_mitigation != L1TF_MITIGATION_OFF;
	if (hv_l1d_flush_needed && !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		struct page *page = alloc_pages(GFP_KERNEL, HV_L1D_FLUSH_ORDER);

		if (!page)
			return -ENOMEM;
		hv_l1d_flush_pages = page_address(page);
		/* Not zero pages: the reads must really fill the cache. */
		memset(hv_l1d_flush_pages, 0x90, HV_L1D_FLUSH_SIZE);
	}
	pr_info("L1D flush before entry: %s\n",
		!hv_l1d_flush_needed ? "not needed" :
		hv_l1d_flush_pages ? "by software" : "by MSR");
	return 0;
}

void hv_spec_exit(void)
{
	if (hv_l1d_flush_pages)
		free_pages((unsigned long)hv_l1d_flush_pages,
			   HV_L1D_FLUSH_ORDER);
	hv_l1d_flush_pages = NULL;
}
