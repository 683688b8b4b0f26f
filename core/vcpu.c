// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation, the vCPU fd (ioctls and the mmap'd run structure),
 * register state, and load/put as the vCPU thread moves between CPUs.
 */
#define pr_fmt(fmt) "hv: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/io.h>
#include <asm/msr-index.h>
#include <linux/uaccess.h>

#include "hv.h"

/* ---- load / put: the vCPU follows its thread across host CPUs ---- */

static inline struct hv_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct hv_vcpu, preempt_notifier);
}

static void hv_vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct hv_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	WRITE_ONCE(vcpu->cpu, cpu);
	/* Another task ran here: flush the L1D before entry (core/spec.c). */
	vcpu->l1d_flush = true;
	/*
	 * A dying CPU turns VMX/SVM off before the scheduler has moved every
	 * user task away (core/cpu.c).  A vCPU thread switched in there is
	 * pushed to another CPU before it runs on (balance_push() in
	 * kernel/sched/core.c), where this is called again.  Loading it here
	 * would run VMPTRLD outside VMX operation and record the VMCS as
	 * active on a CPU about to die, where no IPI can clear it any more.
	 */
	if (!hv_cpu_enabled(cpu))
		return;
	hv_ops->vcpu_load(vcpu, cpu);
}

static void hv_vcpu_sched_out(struct preempt_notifier *pn,
			      struct task_struct *next)
{
	struct hv_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	hv_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
}

static struct preempt_ops hv_preempt_ops = {
	.sched_in = hv_vcpu_sched_in,
	.sched_out = hv_vcpu_sched_out,
};

/*
 * From here until hv_vcpu_put, whenever the thread is scheduled out and in
 * again the backend is told, so per-CPU hardware state (a loaded VMCS, an
 * ASID) always matches the CPU the thread is on.
 */
static void hv_vcpu_load(struct hv_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	WRITE_ONCE(vcpu->cpu, cpu);
	hv_ops->vcpu_load(vcpu, cpu);
	put_cpu();
}

static void hv_vcpu_put(struct hv_vcpu *vcpu)
{
	preempt_disable();
	hv_ops->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

/* ---- register state ---- */

/* KVM's struct kvm_regs order differs from the encoding order. */
static void hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	const u64 *g = vcpu->regs.gpr;

	*r = (struct hv_regs) {
		.rax = g[HV_RAX], .rbx = g[HV_RBX], .rcx = g[HV_RCX],
		.rdx = g[HV_RDX], .rsi = g[HV_RSI], .rdi = g[HV_RDI],
		.rsp = g[HV_RSP], .rbp = g[HV_RBP],
		.r8 = g[HV_R8], .r9 = g[HV_R9], .r10 = g[HV_R10],
		.r11 = g[HV_R11], .r12 = g[HV_R12], .r13 = g[HV_R13],
		.r14 = g[HV_R14], .r15 = g[HV_R15],
		.rip = vcpu->regs.rip, .rflags = vcpu->regs.rflags,
	};
}

static void hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	u64 *g = vcpu->regs.gpr;

	g[HV_RAX] = r->rax; g[HV_RBX] = r->rbx; g[HV_RCX] = r->rcx;
	g[HV_RDX] = r->rdx; g[HV_RSI] = r->rsi; g[HV_RDI] = r->rdi;
	g[HV_RSP] = r->rsp; g[HV_RBP] = r->rbp;
	g[HV_R8] = r->r8; g[HV_R9] = r->r9; g[HV_R10] = r->r10;
	g[HV_R11] = r->r11; g[HV_R12] = r->r12; g[HV_R13] = r->r13;
	g[HV_R14] = r->r14; g[HV_R15] = r->r15;
	vcpu->regs.rip = r->rip;
	vcpu->regs.rflags = r->rflags | X86_EFLAGS_FIXED;
}

/*
 * The state INIT gives the core's registers (SDM 10.1.1, Table 10-1):
 * the backend resets its own part.  No event survives.
 */
void hv_vcpu_init_regs(struct hv_vcpu *vcpu)
{
	memset(vcpu->regs.gpr, 0, sizeof(vcpu->regs.gpr));
	/* EDX holds the CPU signature: 0x600 while no CPUID is set. */
	vcpu->regs.gpr[HV_RDX] = hv_cpuid_signature(vcpu);
	vcpu->regs.rip = 0xfff0;
	vcpu->regs.rflags = X86_EFLAGS_FIXED;
	vcpu->regs.cr2 = 0;
	vcpu->cr8 = 0;
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->dr6 = HV_DR6_INIT;
	vcpu->dr7 = HV_DR7_INIT;
	hv_clear_events(vcpu);
}

/* The architectural power-on state, as KVM sets it (SDM 10.1.1). */
static void hv_vcpu_reset_regs(struct hv_vcpu *vcpu)
{
	hv_vcpu_init_regs(vcpu);
	vcpu->xcr0 = XFEATURE_MASK_FP;
	/* xAPIC enabled at its default address; HV_SET_BOOT_CPU_ID's BSP. */
	vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			  (vcpu->id == vcpu->vm->boot_vcpu_id ?
			   MSR_IA32_APICBASE_BSP : 0);
}

/*
 * KVM's checks for KVM_SET_SREGS, the same for both vendors: paging modes
 * that cannot exist (long mode without PAE, LMA without LME and paging),
 * a CR3 beyond the physical address width, CR0/CR4 bits the vCPU may not
 * set, a bad APIC base.  The backend may refuse more; anything else is
 * left for the hardware to judge at entry.
 */
static bool hv_sregs_valid(struct hv_vcpu *vcpu, const struct hv_sregs *sr)
{
	if ((sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG)) {
		if (!(sr->cr4 & X86_CR4_PAE) || !(sr->efer & EFER_LMA))
			return false;
		if (!hv_gpa_valid(sr->cr3))
			return false;
	} else if ((sr->efer & EFER_LMA) || sr->cs.l) {
		return false;
	}
	return hv_cr0_valid(sr->cr0) && hv_cr4_valid(vcpu, sr->cr4) &&
	       hv_apic_base_valid(vcpu, sr->apic_base);
}

static int hv_vcpu_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sr)
{
	int r;

	if (!hv_sregs_valid(vcpu, sr))
		return -EINVAL;
	r = hv_ops->set_sregs(vcpu, sr);
	if (!r) {
		vcpu->regs.cr2 = sr->cr2;
		/* As KVM: a CR8 with reserved bits leaves the TPR alone. */
		if (!(sr->cr8 & ~0xfULL))
			vcpu->cr8 = sr->cr8;
		hv_apic_base_set(vcpu, sr->apic_base);
	}
	return r;
}

static int hv_vcpu_set_signal_mask(struct hv_vcpu *vcpu,
				   struct hv_signal_mask __user *argp)
{
	struct hv_signal_mask mask;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&mask, argp, sizeof(mask)))
		return -EFAULT;
	if (mask.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, argp->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/* ---- the vCPU fd ---- */

static long hv_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct hv_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	union {
		struct hv_regs regs;
		struct hv_sregs sregs;
		struct hv_interrupt irq;
		struct hv_vcpu_events events;
	} u;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case HV_RUN:
		r = -EINVAL;
		if (arg)
			break;
		hv_vcpu_load(vcpu);
		r = hv_vcpu_run(vcpu);
		hv_vcpu_put(vcpu);
		break;
	case HV_GET_REGS:
		hv_vcpu_get_regs(vcpu, &u.regs);
		r = copy_to_user(argp, &u.regs, sizeof(u.regs)) ? -EFAULT : 0;
		break;
	case HV_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			break;
		hv_vcpu_set_regs(vcpu, &u.regs);
		r = 0;
		break;
	case HV_GET_SREGS:
		memset(&u.sregs, 0, sizeof(u.sregs));
		hv_ops->get_sregs(vcpu, &u.sregs);
		u.sregs.cr2 = vcpu->regs.cr2;
		u.sregs.cr8 = vcpu->cr8;
		u.sregs.apic_base = vcpu->apic_base;
		r = copy_to_user(argp, &u.sregs, sizeof(u.sregs)) ? -EFAULT : 0;
		break;
	case HV_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			break;
		r = hv_vcpu_set_sregs(vcpu, &u.sregs);
		break;
	case HV_SET_SIGNAL_MASK:
		r = hv_vcpu_set_signal_mask(vcpu, argp);
		break;
	case HV_SET_CPUID2:
		r = hv_vcpu_set_cpuid2(vcpu, argp);
		break;
	case HV_GET_CPUID2:
		r = hv_vcpu_get_cpuid2(vcpu, argp);
		break;
	case HV_GET_XCRS:
		r = hv_vcpu_get_xcrs(vcpu, argp);
		break;
	case HV_SET_XCRS:
		r = hv_vcpu_set_xcrs(vcpu, argp);
		break;
	/* core/state.c */
	case HV_GET_FPU:
	case HV_SET_FPU:
	case HV_GET_XSAVE:
	case HV_SET_XSAVE:
	case HV_GET_XSAVE2:
	case HV_GET_DEBUGREGS:
	case HV_SET_DEBUGREGS:
	case HV_GET_MP_STATE:
	case HV_SET_MP_STATE:
	case HV_GET_TSC_KHZ:
	case HV_SET_TSC_KHZ:
	case HV_ENABLE_CAP:
		r = hv_vcpu_state_ioctl(vcpu, ioctl, arg);
		break;
	case HV_INTERRUPT:
		r = -EFAULT;
		if (copy_from_user(&u.irq, argp, sizeof(u.irq)))
			break;
		/* The in-kernel PIC owns external interrupts (KVM: -ENXIO). */
		r = -ENXIO;
		if (hv_irqchip_in_kernel(vcpu->vm))
			break;
		r = hv_vcpu_interrupt(vcpu, &u.irq);
		break;
	case HV_GET_LAPIC:
	case HV_SET_LAPIC:
	case HV_SET_VAPIC_ADDR:
		r = hv_vcpu_lapic_ioctl(vcpu, ioctl, argp);
		break;
	case HV_NMI:
		r = hv_vcpu_nmi(vcpu);
		break;
	case HV_GET_VCPU_EVENTS:
		hv_vcpu_get_events(vcpu, &u.events);
		r = copy_to_user(argp, &u.events, sizeof(u.events)) ? -EFAULT : 0;
		break;
	case HV_SET_VCPU_EVENTS:
		r = -EFAULT;
		if (copy_from_user(&u.events, argp, sizeof(u.events)))
			break;
		r = hv_vcpu_set_events(vcpu, &u.events);
		break;
	case HV_GET_MSRS:
		r = hv_vcpu_get_msrs(vcpu, argp);
		break;
	case HV_SET_MSRS:
		r = hv_vcpu_set_msrs(vcpu, argp);
		break;
	case HV_GET_STATS_FD:
		r = hv_vcpu_stats_fd(vcpu);
		break;
	case HV_X86_SETUP_MCE:		/* core/mce.c */
	case HV_X86_SET_MCE:
		r = hv_vcpu_mce_ioctl(vcpu, ioctl, argp);
		break;
	default:
		r = -ENOTTY;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

/*
 * Page 0 is the run structure, page 1 the I/O data, page 2 the VM's
 * coalesced MMIO ring (shared by its vCPUs); nothing else.
 */
static vm_fault_t hv_vcpu_fault(struct vm_fault *vmf)
{
	struct hv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == HV_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else if (vmf->pgoff == HV_COALESCED_MMIO_PAGE_OFFSET)
		page = hv_coalesced_mmio_page(vcpu->vm);
	else
		return VM_FAULT_SIGBUS;
	if (!page)
		return VM_FAULT_OOM;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct hv_vcpu_vm_ops = {
	.fault = hv_vcpu_fault,
};

static int hv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &hv_vcpu_vm_ops;
	return 0;
}

static int hv_vcpu_release(struct inode *inode, struct file *filp)
{
	struct hv_vcpu *vcpu = filp->private_data;

	/* The vCPU itself lives until its VM goes. */
	hv_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations hv_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = hv_vcpu_release,
	.unlocked_ioctl = hv_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = hv_vcpu_mmap,
	.llseek = noop_llseek,
};

/* ---- creation and teardown ---- */

void hv_vcpu_free(struct hv_vcpu *vcpu)
{
	hv_vcpu_irqchip_free(vcpu);
	hv_ops->vcpu_free(vcpu);
	hv_cpuid_vcpu_free(vcpu);
	hv_mmu_cache_free(&vcpu->mmu_cache);
	hv_fpu_vcpu_free(vcpu);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/*
 * HV_CREATE_VCPU: returns the new vCPU's fd.
 *
 * A vCPU is published in vm->vcpus only once nothing can fail any more:
 * other threads walk that array without a lock (hv_vm_kick_all, from the
 * MMU notifier) and must never see a vCPU that is then freed.  So its id
 * is reserved first (xa_insert of NULL, invisible to walkers), the file
 * is made, and only then is the vCPU stored in the reserved entry (which
 * cannot fail) and the fd installed.
 */
int hv_vcpu_create(struct hv_vm *vm, unsigned long id)
{
	struct hv_vcpu *vcpu;
	struct file *file;
	int r, fd;

	if (!hv_backend_runs_guests())
		return -EOPNOTSUPP;
	if (id >= HV_MAX_VCPU_ID)
		return -EINVAL;

	vcpu = kzalloc(hv_ops->vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	rcuwait_init(&vcpu->wait);
	preempt_notifier_init(&vcpu->preempt_notifier, &hv_preempt_ops);
	hv_emu_reset(&vcpu->emu);
	hv_cpuid_vcpu_init(vcpu);
	hv_vcpu_reset_regs(vcpu);
	hv_vcpu_state_init(vcpu);

	r = -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data || hv_fpu_vcpu_init(vcpu))
		goto err_free;
	r = hv_ops->vcpu_create(vcpu);
	if (r)
		goto err_free;
	hv_msrs_vcpu_init(vcpu);

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= HV_MAX_VCPUS)
		goto err_unlock;
	r = hv_vm_check_vcpu_id(vm, id);	/* HV_CAP_MAX_VCPU_ID */
	if (r)
		goto err_unlock;
	r = hv_vcpu_irqchip_init(vcpu);		/* its LAPIC, if any */
	if (r)
		goto err_unlock;
	r = xa_insert(&vm->vcpus, id, NULL, GFP_KERNEL_ACCOUNT);
	if (r == -EBUSY)
		r = -EEXIST;
	if (r)
		goto err_unlock;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_release;
	}
	/* The file holds a VM reference; the VM owns the vCPU. */
	hv_vm_get(vm);
	file = anon_inode_getfile("hv-vcpu", &hv_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		hv_vm_put(vm);		/* not the last: the caller's fd holds one */
		put_unused_fd(fd);
		goto err_release;
	}
	/* Nothing fails from here on: publish. */
	WARN_ON_ONCE(xa_store(&vm->vcpus, id, vcpu, 0));
	vm->nr_vcpus++;
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;

err_release:
	xa_release(&vm->vcpus, id);
err_unlock:
	mutex_unlock(&vm->lock);
	hv_vcpu_free(vcpu);
	return r;
err_free:
	hv_fpu_vcpu_free(vcpu);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return r;
}
