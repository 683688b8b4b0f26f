// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS:
 *  - a new vCPU's state is the x86 reset state as KVM reports it (values
 *    recorded on kvm_amd 6.1, no in-kernel irqchip, no KVM_SET_CPUID2);
 *  - general registers set by userspace are what the guest sees, and what
 *    the guest leaves in them is what KVM_GET_REGS returns; RFLAGS bit 1
 *    reads as 1 whatever is written;
 *  - special registers round-trip, and the guest uses them (FS/GS bases);
 *  - NULL or unmapped pointers are EFAULT;
 *  - KVM_SET_SREGS rejects with EINVAL the CR0/CR3/CR4/EFER/CS.L/APIC-base
 *    combinations KVM 6.1 rejects, and leaves the state as it was; it
 *    accepts CR4.OSXSAVE before KVM_SET_CPUID2 (KVM computes the
 *    CPUID-dependent reserved bits only then).
 */
#include <stddef.h>
#include <sys/mman.h>

#include "lib/vm.h"
#include "lib/guest.h"

/* ---- reset state ---- */

struct seg_want {
	const char *name;
	size_t off;
	u64 base;
	u32 limit;
	u16 selector;
	u8 type, present, dpl, db, s, l, g, avl, unusable;
};

#define SEG(n, b, lim, sel, t, p, s_)					\
	{ #n, offsetof(struct hv_sregs, n), b, lim, sel, t, p, 0, 0, s_, 0, 0, 0, 0 }

/*
 * kvm_amd 6.1 (observed): the VMCB's reset segments as svm_get_segment()
 * reports them: CS type 0xa and SS type 0x2 (not accessed), DS/ES/FS/GS
 * type 0x3 (the accessed bit is forced on), TR type 0x3 (busy 16-bit TSS).
 */
static const struct seg_want reset_segs_svm[] = {
	SEG(cs, 0xffff0000, 0xffff, 0xf000, 0xa, 1, 1),
	SEG(ds, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(es, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(fs, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(gs, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(ss, 0, 0xffff, 0, 0x2, 1, 1),
	SEG(tr, 0, 0xffff, 0, 0x3, 1, 0),
	SEG(ldt, 0, 0xffff, 0, 0x2, 1, 0),
};

/* kvm_intel 6.1 (from its source, vmx_vcpu_reset; not observed here). */
static const struct seg_want reset_segs_vmx[] = {
	SEG(cs, 0xffff0000, 0xffff, 0xf000, 0xb, 1, 1),
	SEG(ds, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(es, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(fs, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(gs, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(ss, 0, 0xffff, 0, 0x3, 1, 1),
	SEG(tr, 0, 0xffff, 0, 0xb, 1, 0),
	SEG(ldt, 0, 0xffff, 0, 0x2, 1, 0),
};

static bool check_seg(const struct hv_sregs *sr, const struct seg_want *w)
{
	const struct hv_segment *s = (const void *)((const char *)sr + w->off);
	bool ok = s->base == w->base && s->limit == w->limit &&
		  s->selector == w->selector && s->type == w->type &&
		  s->present == w->present && s->dpl == w->dpl && s->db == w->db &&
		  s->s == w->s && s->l == w->l && s->g == w->g && s->avl == w->avl &&
		  s->unusable == w->unusable;

	ktap_result(ok, "reset %s: base %#llx limit %#x sel %#x type %#x p %u dpl %u db %u s %u l %u g %u avl %u unusable %u",
		    w->name, (unsigned long long)s->base, s->limit, s->selector,
		    s->type, s->present, s->dpl, s->db, s->s, s->l, s->g, s->avl,
		    s->unusable);
	return ok;
}

static void test_reset_state(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct vcpu *ap = vcpu_new(vm, 1);
	struct hv_regs r;
	struct hv_sregs sr, sr_ap;
	unsigned int i;
	bool gprs_zero;

	vcpu_get_regs(vcpu, &r);
	ktap_result(r.rip == 0xfff0, "reset RIP %#llx", (unsigned long long)r.rip);
	ktap_result(r.rflags == 0x2, "reset RFLAGS %#llx", (unsigned long long)r.rflags);
	/* RDX: CPUID.1.EAX of the vCPU's CPUID, 0x600 when it has none. */
	ktap_result(r.rdx == 0x600, "reset RDX %#llx (0x600 without KVM_SET_CPUID2)",
		    (unsigned long long)r.rdx);
	gprs_zero = !r.rax && !r.rbx && !r.rcx && !r.rsi && !r.rdi && !r.rsp &&
		    !r.rbp && !r.r8 && !r.r9 && !r.r10 && !r.r11 && !r.r12 &&
		    !r.r13 && !r.r14 && !r.r15;
	ktap_result(gprs_zero, "reset: the other general registers are 0");

	vcpu_get_sregs(vcpu, &sr);
	for (i = 0; i < 8; i++)
		check_seg(&sr, host_is_amd() ? &reset_segs_svm[i] : &reset_segs_vmx[i]);
	ktap_result(sr.gdt.base == 0 && sr.gdt.limit == 0xffff &&
		    sr.idt.base == 0 && sr.idt.limit == 0xffff,
		    "reset GDT %#llx/%#x IDT %#llx/%#x",
		    (unsigned long long)sr.gdt.base, sr.gdt.limit,
		    (unsigned long long)sr.idt.base, sr.idt.limit);
	ktap_result(sr.cr0 == 0x60000010, "reset CR0 %#llx (CD NW ET)",
		    (unsigned long long)sr.cr0);
	ktap_result(!sr.cr2 && !sr.cr3 && !sr.cr4 && !sr.cr8 && !sr.efer,
		    "reset CR2 %#llx CR3 %#llx CR4 %#llx CR8 %#llx EFER %#llx are 0",
		    (unsigned long long)sr.cr2, (unsigned long long)sr.cr3,
		    (unsigned long long)sr.cr4, (unsigned long long)sr.cr8,
		    (unsigned long long)sr.efer);
	ktap_result(sr.apic_base == 0xfee00900,
		    "reset apic_base %#llx (0xfee00000, enabled, BSP)",
		    (unsigned long long)sr.apic_base);
	vcpu_get_sregs(ap, &sr_ap);
	ktap_result(sr_ap.apic_base == 0xfee00800,
		    "reset apic_base of vCPU 1 %#llx (not BSP)",
		    (unsigned long long)sr_ap.apic_base);
	for (i = 0; i < 4 && !sr.interrupt_bitmap[i]; i++)
		;
	ktap_result(i == 4, "reset: no pending interrupt in interrupt_bitmap");
	vm_free(vm);
}

/* ---- general registers through the guest ---- */

extern const char regs_entry[];
static u64 regs_seen[16];

/*
 * Store every GPR as the guest got it, complement them all (RSP too: no
 * stack is used) and exit with an OUT.
 */
asm(
"	.pushsection .text\n"
"regs_entry:\n"
"	mov %rax, regs_seen + 0\n"
"	mov %rbx, regs_seen + 8\n"
"	mov %rcx, regs_seen + 16\n"
"	mov %rdx, regs_seen + 24\n"
"	mov %rsi, regs_seen + 32\n"
"	mov %rdi, regs_seen + 40\n"
"	mov %rsp, regs_seen + 48\n"
"	mov %rbp, regs_seen + 56\n"
"	mov %r8, regs_seen + 64\n"
"	mov %r9, regs_seen + 72\n"
"	mov %r10, regs_seen + 80\n"
"	mov %r11, regs_seen + 88\n"
"	mov %r12, regs_seen + 96\n"
"	mov %r13, regs_seen + 104\n"
"	mov %r14, regs_seen + 112\n"
"	mov %r15, regs_seen + 120\n"
"	not %rax\n	not %rbx\n	not %rcx\n	not %rdx\n"
"	not %rsi\n	not %rdi\n	not %rsp\n	not %rbp\n"
"	not %r8\n	not %r9\n	not %r10\n	not %r11\n"
"	not %r12\n	not %r13\n	not %r14\n	not %r15\n"
"	outb %al, $0x99\n"
"1:	hlt\n"
"	jmp 1b\n"
"	.popsection\n");

static void regs_to_array(const struct hv_regs *r, u64 a[16])
{
	const u64 v[16] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi,
			    r->rsp, r->rbp, r->r8, r->r9, r->r10, r->r11,
			    r->r12, r->r13, r->r14, r->r15 };

	memcpy(a, v, sizeof(v));
}

static void test_gprs(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_regs set, got;
	u64 want[16], have[16];
	bool ok;
	int i;

	memset(&set, 0, sizeof(set));
	regs_to_array(&set, want);
	for (i = 0; i < 16; i++)
		want[i] = 0x0123456789abcdefULL * (i + 1) ^ (0xa5ULL << (i * 3));
	set.rax = want[0]; set.rbx = want[1]; set.rcx = want[2]; set.rdx = want[3];
	set.rsi = want[4]; set.rdi = want[5]; set.rsp = want[6]; set.rbp = want[7];
	set.r8 = want[8]; set.r9 = want[9]; set.r10 = want[10]; set.r11 = want[11];
	set.r12 = want[12]; set.r13 = want[13]; set.r14 = want[14]; set.r15 = want[15];
	set.rip = (u64)(uintptr_t)regs_entry;
	set.rflags = 0x2 | 0x1 | 0x4 | 0x40 | 0x80 | 0x800;	/* CF PF ZF SF OF */

	vcpu_set_regs(vcpu, &set);
	vcpu_get_regs(vcpu, &got);
	ktap_result(!memcmp(&set, &got, sizeof(set)), "KVM_SET_REGS then KVM_GET_REGS: the same");

	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "gprs");
	ok = ok && vcpu->run->io.port == 0x99;
	ktap_result(ok, "the register guest ran to its OUT");
	ktap_result(ok && !memcmp(*guest_var(vm, regs_seen), want, sizeof(want)),
		    "the guest saw all 16 general registers userspace set");
	vcpu_get_regs(vcpu, &got);
	regs_to_array(&got, have);
	for (i = 0; i < 16 && have[i] == ~want[i]; i++)
		;
	ktap_result(ok && i == 16, "KVM_GET_REGS returns what the guest left (first mismatch %d)", i);
	ktap_result(ok && got.rflags == set.rflags, "RFLAGS kept across the run (%#llx)",
		    (unsigned long long)got.rflags);

	set.rflags = 0;
	vcpu_set_regs(vcpu, &set);
	vcpu_get_regs(vcpu, &got);
	ktap_result(got.rflags == 0x2, "RFLAGS written as 0 reads %#llx (bit 1 is fixed)",
		    (unsigned long long)got.rflags);
	vm_free(vm);
}

/* ---- special registers ---- */

static void guest_read_fs_gs(void)
{
	u64 fs, gs;

	asm volatile("mov %%fs:0, %0" : "=r"(fs));
	asm volatile("mov %%gs:8, %0" : "=r"(gs));
	GUEST_SYNC(fs, gs);
}

static u64 fs_target[2] = { 0x1111aaaa2222bbbbULL, 0 };
static u64 gs_target[2] = { 0, 0x3333cccc4444ddddULL };

static void test_sregs(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs sr, sr2;
	struct ucall uc;
	bool ok;

	vcpu_get_sregs(vcpu, &sr);
	vcpu_set_sregs(vcpu, &sr);
	vcpu_get_sregs(vcpu, &sr2);
	ktap_result(!memcmp(&sr, &sr2, sizeof(sr)), "KVM_SET_SREGS of KVM_GET_SREGS changes nothing");

	sr.fs.base = (u64)(uintptr_t)fs_target;
	sr.gs.base = (u64)(uintptr_t)gs_target;
	sr.cr2 = 0xdeadbeef000ULL;
	vcpu_set_sregs(vcpu, &sr);
	vcpu_get_sregs(vcpu, &sr2);
	ktap_result(!memcmp(&sr, &sr2, sizeof(sr)),
		    "FS/GS bases and CR2 set are read back (fs %#llx cr2 %#llx)",
		    (unsigned long long)sr2.fs.base, (unsigned long long)sr2.cr2);

	vcpu_enter(vcpu, guest_read_fs_gs, 0);
	ok = vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "fs/gs");
	ktap_result(ok && uc.args[0] == fs_target[0] && uc.args[1] == gs_target[1],
		    "the guest's FS and GS use the bases userspace set");
	vcpu_get_sregs(vcpu, &sr2);
	ktap_result(sr2.fs.base == sr.fs.base && sr2.gs.base == sr.gs.base,
		    "FS/GS bases unchanged after running");
	vm_free(vm);
}

/* ---- bad arguments ---- */

static void expect_efault(int fd, unsigned long req, void *p, const char *what)
{
	long r = ioctl_ret(fd, req, (unsigned long)p);

	ktap_result(r == -EFAULT, "%s: -EFAULT (%ld)", what, r);
}

static void test_bad_pointers(void)
{
	struct vm *vm = vm_new(GUEST_NONE);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	void *gone = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(gone, 8192);
	expect_efault(vcpu->fd, HV_GET_REGS, NULL, "KVM_GET_REGS NULL");
	expect_efault(vcpu->fd, HV_SET_REGS, NULL, "KVM_SET_REGS NULL");
	expect_efault(vcpu->fd, HV_GET_SREGS, NULL, "KVM_GET_SREGS NULL");
	expect_efault(vcpu->fd, HV_SET_SREGS, NULL, "KVM_SET_SREGS NULL");
	expect_efault(vcpu->fd, HV_GET_REGS, gone, "KVM_GET_REGS unmapped");
	expect_efault(vcpu->fd, HV_SET_REGS, gone, "KVM_SET_REGS unmapped");
	expect_efault(vcpu->fd, HV_GET_SREGS, gone, "KVM_GET_SREGS unmapped");
	expect_efault(vcpu->fd, HV_SET_SREGS, gone, "KVM_SET_SREGS unmapped");
	expect_efault(vcpu->fd, HV_GET_REGS, ro, "KVM_GET_REGS into read-only memory");
	expect_efault(vcpu->fd, HV_GET_SREGS, ro, "KVM_GET_SREGS into read-only memory");
	/* A structure running off the end of the mapping. */
	expect_efault(vcpu->fd, HV_SET_SREGS, (char *)ro + 8192 - 64,
		      "KVM_SET_SREGS straddling the end of a mapping");
	munmap(ro, 8192);
	vm_free(vm);
}

struct bad_sregs {
	const char *name;
	u64 cr0, cr3, cr4, efer, apic_base;
	bool cs_l;
	long want;
};

#define PE	CR0_PE
#define PG	CR0_PG
#define PAE	CR4_PAE
#define LME	EFER_LME
#define LMA	EFER_LMA
#define LM_CR0	(PE | PG | CR0_ET)
#define APIC	0xfee00900ULL

static const struct bad_sregs sregs_cases[] = {
	/* positive controls */
	{ "long mode (LME LMA PG PAE)", LM_CR0, 0x1000, PAE, LME | LMA, APIC, true, 0 },
	{ "EFER.LME without CR0.PG", PE | CR0_ET, 0, 0, LME, APIC, false, 0 },
	{ "CR0.CD without NW", PE | CR0_CD | CR0_ET, 0, 0, 0, APIC, false, 0 },
	{ "apic_base 0 (disabled)", PE | CR0_ET, 0, 0, 0, 0, false, 0 },
	/* rejected */
	{ "LME+PG without CR4.PAE", LM_CR0, 0x1000, 0, LME | LMA, APIC, true, -EINVAL },
	{ "LME+PG+PAE without EFER.LMA", LM_CR0, 0x1000, PAE, LME, APIC, true, -EINVAL },
	{ "EFER.LMA without CR0.PG", PE | CR0_ET, 0, PAE, LME | LMA, APIC, false, -EINVAL },
	{ "CS.L=1 outside long mode", PE | CR0_ET, 0, 0, 0, APIC, true, -EINVAL },
	{ "CR3 bit 52 in long mode", LM_CR0, 0x1000 | (1ULL << 52), PAE, LME | LMA, APIC, true, -EINVAL },
	{ "CR4 bit 31 (reserved)", PE | CR0_ET, 0, 1ULL << 31, 0, APIC, false, -EINVAL },
	{ "CR4 bit 63 (reserved)", PE | CR0_ET, 0, 1ULL << 63, 0, APIC, false, -EINVAL },
	/*
	 * KVM 6.1 computes the CPUID-dependent reserved CR4 bits only at
	 * KVM_SET_CPUID2: before it, CR4.OSXSAVE is accepted.
	 */
	{ "CR4.OSXSAVE before any KVM_SET_CPUID2", PE | CR0_ET, 0, CR4_OSXSAVE, 0, APIC, false, 0 },
	{ "CR0 bit 32", PE | CR0_ET | (1ULL << 32), 0, 0, 0, APIC, false, -EINVAL },
	{ "CR0.NW without CD", PE | CR0_ET | CR0_NW, 0, 0, 0, APIC, false, -EINVAL },
	{ "CR0.PG without PE", PG | CR0_ET, 0, 0, 0, APIC, false, -EINVAL },
	{ "apic_base with reserved bit 0", PE | CR0_ET, 0, 0, 0, APIC | 1, false, -EINVAL },
	{ "apic_base x2APIC mode with no x2APIC in CPUID", PE | CR0_ET, 0, 0, 0, APIC | 0x400, false, -EINVAL },
	{ "apic_base EXTD without EN (invalid mode)", PE | CR0_ET, 0, 0, 0, 0xfee00400ULL, false, -EINVAL },
};

static void test_bad_sregs(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_sregs base, sr, after;
	unsigned int i;
	long r;

	vcpu_get_sregs(vcpu, &base);
	for (i = 0; i < sizeof(sregs_cases) / sizeof(sregs_cases[0]); i++) {
		const struct bad_sregs *c = &sregs_cases[i];

		sr = base;
		sr.cr0 = c->cr0;
		sr.cr3 = c->cr3;
		sr.cr4 = c->cr4;
		sr.efer = c->efer;
		sr.apic_base = c->apic_base;
		sr.cs.l = c->cs_l;
		sr.cs.db = 0;
		r = ioctl_ret(vcpu->fd, HV_SET_SREGS, (unsigned long)&sr);
		ktap_result(r == c->want, "KVM_SET_SREGS %s: %ld (want %ld)", c->name, r, c->want);
		if (!r) {
			/* restore the long-mode state for the next case */
			vcpu_set_sregs(vcpu, &base);
		}
	}
	vcpu_get_sregs(vcpu, &after);
	ktap_result(!memcmp(&base, &after, sizeof(base)),
		    "rejected KVM_SET_SREGS calls changed nothing");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_reset_state();
	test_gprs();
	test_sregs();
	test_bad_pointers();
	test_bad_sregs();
	ktap_end();
}
