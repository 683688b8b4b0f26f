// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend: what the CPU offers, VMX operation on/off, VPIDs,
 * and the vCPU objects.
 *
 * At load the capability MSRs are read once into vmx_caps, and the
 * controls every VMCS uses are settled against their allowed-0/allowed-1
 * settings; the load is refused (-ENODEV, one line naming what is
 * missing) unless the CPU has everything hv relies on: EPT with 4-level
 * walks and write-back paging structures, INVEPT, unrestricted guest for
 * real mode, and the exits listed in vmx_setup_controls().
 */
#define pr_fmt(fmt) "hv: VT-x: " fmt

#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include <asm/vmx.h>

#include "insn.h"
#include "vmx.h"

struct vmx_caps vmx_caps;

/* ---- capabilities and controls ---- */

static bool vmx_cpu_has_extension(void)
{
	return cpuid_ecx(1) & BIT(5);	/* CPUID.1:ECX.VMX, SDM 24.6 */
}

/* The proc/exit/entry MSRs are replaced by their TRUE_ forms when present. */
static u32 vmx_true_msr(u32 msr)
{
	if (!(vmx_caps.basic & VMX_BASIC_TRUE_CTLS))
		return msr;
	switch (msr) {
	case MSR_IA32_VMX_PINBASED_CTLS:
		return MSR_IA32_VMX_TRUE_PINBASED_CTLS;
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

/*
 * SDM Appendix A.3-A.5: bits 31:0 of a control MSR are the allowed-0
 * settings (a 1 there: the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there: it must be 0).  @ctl gets @required and what of
 * @optional is allowed, plus whatever must be 1; failing if a required
 * control cannot be 1.  Controls forced on that hv did not ask for have
 * handlers anyway (CR3 and INVLPG exits on CPUs without the TRUE_ MSRs).
 */
static int vmx_adjust_ctl(const char *what, u32 msr, u32 required,
			  u32 optional, u32 *ctl)
{
	u64 v;

	if (rdmsrl_safe(vmx_true_msr(msr), &v)) {
		pr_err("%s controls: capability MSR %#x unreadable\n", what,
		       vmx_true_msr(msr));
		return -ENODEV;
	}
	*ctl = ((required | optional) & (v >> 32)) | (u32)v;
	if (required & ~*ctl) {
		pr_err("%s controls %#x not supported (capability MSR %#x = %#llx)\n",
		       what, required & ~*ctl, vmx_true_msr(msr), v);
		return -ENODEV;
	}
	return 0;
}

/* The exits and features hv needs (what each is for: see vmx/vmcs.c). */
static int vmx_setup_controls(void)
{
	int r;

	/*
	 * Virtual NMIs: the CPU tracks the blocking of the NMIs hv
	 * injects until the guest's IRET, and can exit when it ends (the
	 * NMI window, SDM 25.3, 26.7.6).
	 */
	r = vmx_adjust_ctl("pin-based", MSR_IA32_VMX_PINBASED_CTLS,
			   PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			   PIN_BASED_VIRTUAL_NMIS,
			   PIN_BASED_VMX_PREEMPTION_TIMER, &vmx_caps.pin);
	if (r)
		return r;
	r = vmx_adjust_ctl("processor-based", MSR_IA32_VMX_PROCBASED_CTLS,
			   CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			   CPU_BASED_USE_MSR_BITMAPS |
			   CPU_BASED_CR8_LOAD_EXITING |
			   CPU_BASED_CR8_STORE_EXITING |
			   CPU_BASED_MOV_DR_EXITING | CPU_BASED_RDPMC_EXITING |
			   CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
			   CPU_BASED_USE_TSC_OFFSETTING |
			   CPU_BASED_ACTIVATE_SECONDARY_CONTROLS |
			   CPU_BASED_INTR_WINDOW_EXITING |
			   CPU_BASED_NMI_WINDOW_EXITING, 0,
			   &vmx_caps.proc);
	if (r)
		return r;
	/* The windows are there, and off until the core asks for one. */
	vmx_caps.proc &= ~(CPU_BASED_INTR_WINDOW_EXITING |
			   CPU_BASED_NMI_WINDOW_EXITING);
	/* Unconditional I/O exiting is the rule: never the bitmaps. */
	vmx_caps.proc &= ~CPU_BASED_USE_IO_BITMAPS;

	r = vmx_adjust_ctl("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
			   SECONDARY_EXEC_ENABLE_EPT |
			   SECONDARY_EXEC_UNRESTRICTED_GUEST,
			   SECONDARY_EXEC_ENABLE_VPID |
			   SECONDARY_EXEC_WBINVD_EXITING |
			   SECONDARY_EXEC_ENABLE_RDTSCP, &vmx_caps.proc2);
	if (r)
		return r;
	/*
	 * RDTSCP raises #UD unless "enable RDTSCP" is set (SDM 26.3), which
	 * hv sets per vCPU when the guest's CPUID has it; without the
	 * control hv cannot offer it.
	 */
	vmx_caps.rdtscp = vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	vmx_caps.proc2 &= ~SECONDARY_EXEC_ENABLE_RDTSCP;
	r = vmx_adjust_ctl("VM-exit", MSR_IA32_VMX_EXIT_CTLS,
			   VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER,
			   VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_PAT |
			   VM_EXIT_SAVE_IA32_PAT, &vmx_caps.exit);
	if (r)
		return r;
	/* Interrupts stay pending in the APIC until the host enables them. */
	if (vmx_caps.exit & VM_EXIT_ACK_INTR_ON_EXIT) {
		pr_err("VM-exit controls: acknowledge-interrupt-on-exit cannot be 0\n");
		return -ENODEV;
	}
	/*
	 * Load debug controls: the guest runs with its own DR7 and
	 * IA32_DEBUGCTL from the VMCS (SDM 27.3.2.1), never the host's
	 * breakpoints, LBR or branch single-step.
	 */
	r = vmx_adjust_ctl("VM-entry", MSR_IA32_VMX_ENTRY_CTLS,
			   VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_DEBUG_CONTROLS,
			   VM_ENTRY_LOAD_IA32_PAT, &vmx_caps.entry);
	if (r)
		return r;
	/* "IA-32e mode guest" follows the guest's EFER.LMA, per vCPU. */
	vmx_caps.entry &= ~VM_ENTRY_IA32E_MODE;
	/* PAT is switched only if both directions are. */
	if (!(vmx_caps.entry & VM_ENTRY_LOAD_IA32_PAT) ||
	    !(vmx_caps.exit & VM_EXIT_LOAD_IA32_PAT)) {
		vmx_caps.entry &= ~VM_ENTRY_LOAD_IA32_PAT;
		vmx_caps.exit &= ~(VM_EXIT_LOAD_IA32_PAT |
				   VM_EXIT_SAVE_IA32_PAT);
	}
	return 0;
}

/*
 * A heartbeat: the VMX-preemption timer (SDM 26.5.1) makes the guest exit
 * at least once per host tick, whatever else happens.  External
 * interrupts exit on their own; this is a backstop for emulated VT-x that
 * does not deliver them to a guest running with RFLAGS.IF=0 (Bochs 2.7
 * evaluates the interrupt mask before it counts the CPU as in VMX non-root
 * operation), which would otherwise freeze the host CPU.  The timer counts
 * down once every 2^X TSC cycles, X in IA32_VMX_MISC[4:0] (SDM A.6).
 */
static void vmx_setup_heartbeat(void)
{
	u64 misc, ticks;

	vmx_caps.heartbeat = 0;
	if (!(vmx_caps.pin & PIN_BASED_VMX_PREEMPTION_TIMER))
		return;
	if (rdmsrl_safe(MSR_IA32_VMX_MISC, &misc) || !tsc_khz) {
		vmx_caps.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		return;
	}
	ticks = ((u64)tsc_khz * 1000 / HZ) >> (misc & 0x1f);
	vmx_caps.heartbeat = clamp_val(ticks, 1, U32_MAX);
}

/*
 * The EPT depth: 4 levels map 48 bits of guest-physical address; a host
 * whose physical addresses are wider needs 5 (SDM 29.3.2) where the CPU
 * walks them (IA32_VMX_EPT_VPID_CAP[7]), so that every address the
 * guest may use has a table entry.  Otherwise memslots are bounded to
 * what 4 levels map (mmu/mmu.c).  KVM chooses alike.
 */
static int vmx_pt_levels(void)
{
	if (boot_cpu_data.x86_phys_bits > 48 &&
	    (vmx_caps.ept_vpid & VMX_EPT_PAGE_WALK_5_BIT))
		return 5;
	return 4;
}

/* SDM Appendix A.10: INVEPT/INVVPID types, VPIDs usable at all. */
static int vmx_setup_ept_vpid(void)
{
	u64 ept;

	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept) ||
	    !(ept & VMX_EPT_PAGE_WALK_4_BIT) || !(ept & VMX_EPTP_WB_BIT) ||
	    !(ept & VMX_EPT_INVEPT_BIT) ||
	    !(ept & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT))) {
		pr_err("EPT lacks 4-level walks, WB structures or INVEPT (IA32_VMX_EPT_VPID_CAP %#llx)\n",
		       ept);
		return -ENODEV;
	}
	vmx_caps.ept_vpid = ept;
	vmx_caps.invept_type = (ept & VMX_EPT_EXTENT_CONTEXT_BIT) ?
			       VMX_EPT_EXTENT_CONTEXT : VMX_EPT_EXTENT_GLOBAL;

	ept >>= 32;
	vmx_caps.has_vpid = (vmx_caps.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
			    (ept & VMX_VPID_INVVPID_BIT) &&
			    (ept & (VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
				    VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT));
	vmx_caps.invvpid_type = (ept & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT) ?
				VMX_VPID_EXTENT_SINGLE_CONTEXT :
				VMX_VPID_EXTENT_ALL_CONTEXT;
	/* Enabled per vCPU, only when it got a VPID. */
	vmx_caps.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	return 0;
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
	u64 feat;
	int r;

	/* SDM 24.7: firmware must allow VMXON outside SMX and lock the MSR. */
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
	    (vmx_caps.basic & VMX_BASIC_64) ||
	    ((vmx_caps.basic >> VMX_BASIC_MEM_TYPE_SHIFT) & 0xf) !=
		VMX_BASIC_MEM_TYPE_WB) {
		pr_err("unsupported VMCS layout (IA32_VMX_BASIC %#llx)\n",
		       vmx_caps.basic);
		return -ENODEV;
	}
	/* A.1: bit 54, INS/OUTS exits report address size and segment. */
	vmx_caps.ins_outs_info = vmx_caps.basic & VMX_BASIC_INOUT;

	r = vmx_setup_controls();
	if (r)
		return r;
	r = vmx_setup_ept_vpid();
	if (r)
		return r;
	vmx_setup_heartbeat();

	/* SDM A.7/A.8: bits fixed to 0 or 1 in CR0/CR4 during VMX operation. */
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_caps.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_caps.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_caps.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_caps.cr4_fixed1);
	return 0;
}

/* ---- VMX operation on/off ---- */

/*
 * Called by the kernel's crash and emergency-restart paths, on every CPU,
 * possibly in NMI context: clear the VMCSs active here, so that their
 * cached state reaches memory (a kdump kernel may want it), then leave
 * VMX operation so that INIT works again.
 */
static void vmx_emergency_disable(void)
{
	if (!(cr4_read_shadow() & X86_CR4_VMXE))
		return;
	vmx_emergency_clear_vmcss();
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
	if (!vmx_caps.rdtscp)
		hv_cpuid_supported_clear(0x80000001, 3, X86_FEATURE_RDTSCP);
	r = vmx_msr_bitmap_init();
	if (r)
		return r;
	r = vmx_cpus_init();
	if (r) {
		vmx_msr_bitmap_exit();
		return r;
	}
	cpu_emergency_register_virt_callback(vmx_emergency_disable);
	pr_info("EPT with %d levels, VPID %s, INS/OUTS exit information %s, preemption-timer heartbeat %s\n",
		vmx_pt_levels(), vmx_caps.has_vpid ? "used" : "not available",
		vmx_caps.ins_outs_info ? "reported" : "decoded by hv",
		vmx_caps.heartbeat ? "on" : "not available");
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	cpu_emergency_unregister_virt_callback(vmx_emergency_disable);
	vmx_msr_bitmap_exit();
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
	/*
	 * Guest translations another hypervisor may have left behind are
	 * flushed by each vCPU's first entry on this CPU (vmx_vcpu_load);
	 * drop them all now anyway when the CPU can.
	 */
	if (vmx_caps.ept_vpid & VMX_EPT_EXTENT_GLOBAL_BIT)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	return 0;
}

/*
 * The CPU goes offline, suspends or reboots: VMCLEAR what is active here
 * first (a VMCS's cached state would otherwise be lost, SDM 25.11.1).
 * A fault means an emergency path already left VMX operation.
 */
static void vmx_cpu_disable(struct hv_cpu *c)
{
	vmx_clear_loaded_vmcss();
	vmx_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
}

/* ---- VPIDs: one per vCPU, 0 is the host's (SDM 29.1) ---- */

static DECLARE_BITMAP(vmx_vpid_bitmap, VMX_NR_VPIDS);
static DEFINE_SPINLOCK(vmx_vpid_lock);

/* Returns a VPID, or 0 when none is left (the vCPU then runs without). */
int vmx_vpid_alloc(void)
{
	int vpid;

	spin_lock(&vmx_vpid_lock);
	vpid = find_next_zero_bit(vmx_vpid_bitmap, VMX_NR_VPIDS, 1);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}

/* ---- vCPUs ---- */

static int vmx_vcpu_create(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct page *page;
	int r;

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	vmx->vmcs.area = page_address(page);
	vmx->vmcs.pa = page_to_phys(page);
	vmx->vmcs.cpu = -1;
	INIT_LIST_HEAD(&vmx->vmcs.link);
	*(u32 *)vmx->vmcs.area = vmx_caps.revision_id;	/* SDM 25.2 */

	/*
	 * VMCLEAR initializes a new VMCS (launch state "clear", SDM
	 * 25.11.3); any CPU in VMX operation may do it.
	 */
	r = vmx_vmclear(vmx->vmcs.pa);
	if (r) {
		__free_page(page);
		vmx->vmcs.area = NULL;
		return r;
	}
	if (vmx_caps.has_vpid)
		vmx->vpid = vmx_vpid_alloc();

	vmx_vmcs_get(vmx);
	vmx_vmcs_setup(vmx);
	vmx_vcpu_reset(vmx, false);
	vmx_vmcs_put(vmx);
	return 0;
}

static void vmx_vcpu_free(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx->vmcs.area)
		return;
	/* No CPU may keep (and later write back) a VMCS we free. */
	vmx_vmcs_clear(&vmx->vmcs);
	free_page((unsigned long)vmx->vmcs.area);
	vmx->vmcs.area = NULL;
	vmx_vpid_free(vmx->vpid);
	vmx->vpid = 0;
}

const struct hv_backend_ops vmx_backend_ops = {
	.name = "vmx",
	.cpu_has_extension = vmx_cpu_has_extension,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,

	.pt_format = &hv_ept_format,
	.pt_levels = vmx_pt_levels,
	.vcpu_size = sizeof(struct vmx_vcpu),
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_enter = vmx_vcpu_enter,
	.handle_exit = vmx_handle_exit,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.get_emu_state = vmx_get_emu_state,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.ucode_rev = 0x100000000ULL,
	.mcg_cap_bits = ~0ULL,
	.write_tsc_offset = vmx_write_tsc_offset,
	.cpuid_changed = vmx_cpuid_changed,
	.msr_filter_changed = vmx_msr_filter_changed,
	.inject_event = vmx_inject_event,
	.get_interrupt_shadow = vmx_get_interrupt_shadow,
	.set_interrupt_shadow = vmx_set_interrupt_shadow,
	.get_nmi_mask = vmx_get_nmi_mask,
	.set_nmi_mask = vmx_set_nmi_mask,
	.enable_irq_window = vmx_enable_irq_window,
	.enable_nmi_window = vmx_enable_nmi_window,
	.flush_guest_tlb = vmx_flush_guest_tlb,
};
