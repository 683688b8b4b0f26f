// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_MP_STATE (KVM_CAP_MP_STATE) and INIT, without an in-kernel
 * irqchip (KVM 6.1, arch/x86/kvm/x86.c; api.rst: "On x86, this ioctl is
 * only useful after KVM_CREATE_IRQCHIP"):
 *  - every vCPU starts RUNNABLE, the BSP and the others alike;
 *  - KVM_SET_MP_STATE takes RUNNABLE; UNINITIALIZED, INIT_RECEIVED,
 *    HALTED, SIPI_RECEIVED, AP_RESET_HOLD and unknown states are EINVAL
 *    and change nothing; bad pointers are EFAULT;
 *  - a guest HLT is an exit to userspace and the vCPU stays RUNNABLE;
 *  - INIT: on AMD a triple fault puts the vCPU through INIT (KVM_EXIT_
 *    SHUTDOWN; the VMCB is undefined after it): real mode at f000:fff0,
 *    GPRs 0 but RDX, CR0 ET with CD/NW kept, CR2/CR3/CR4/EFER 0, DR0-3 0,
 *    DR6/DR7 reset; the x87/SSE state, XCR0 and the APIC base kept, still
 *    RUNNABLE.  On Intel the vCPU keeps its state (kvm_intel does no
 *    INIT there);
 *  - with KVM_CREATE_IRQCHIP: an AP is UNINITIALIZED, one set to
 *    INIT_RECEIVED does not run (KVM_RUN waits until a signal), and
 *    SIPI_RECEIVED with a SIPI vector starts it at vector << 12 in real
 *    mode (selftests/ipi does it with IPIs).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <linux/kvm.h>

#include "lib/vm.h"
#include "lib/guest.h"

static int get_mp(struct vcpu *vcpu, u32 *state)
{
	struct hv_mp_state mp = { .mp_state = 0xdead };
	int r = ioctl_ret(vcpu->fd, HV_GET_MP_STATE, (unsigned long)&mp);

	*state = r ? 0xdead : mp.mp_state;
	return r;
}

static int set_mp(struct vcpu *vcpu, u32 state)
{
	struct hv_mp_state mp = { .mp_state = state };

	return ioctl_ret(vcpu->fd, HV_SET_MP_STATE, (unsigned long)&mp);
}

static void guest_hlt_twice(void)
{
	guest_hlt();
	guest_hlt();
}

static void test_no_irqchip(void)
{
	static const struct { u32 state; const char *name; } refused[] = {
		{ HV_MP_STATE_UNINITIALIZED, "UNINITIALIZED" },
		{ HV_MP_STATE_INIT_RECEIVED, "INIT_RECEIVED" },
		{ HV_MP_STATE_HALTED, "HALTED" },
		{ HV_MP_STATE_SIPI_RECEIVED, "SIPI_RECEIVED" },
		{ HV_MP_STATE_AP_RESET_HOLD, "AP_RESET_HOLD" },
		{ 5, "5 (STOPPED, not x86)" },
		{ 11, "11" },
		{ 0xffffffff, "0xffffffff" },
	};
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *bsp = vcpu_new(vm, 0), *ap = vcpu_new(vm, 1);
	u32 s0 = 0xdead, s1 = 0xdead;
	char *page;
	size_t i;
	bool ok;
	int r;

	r = get_mp(bsp, &s0) | get_mp(ap, &s1);
	ktap_result(!r && s0 == HV_MP_STATE_RUNNABLE && s1 == HV_MP_STATE_RUNNABLE,
		    "new vCPUs 0 and 1: RUNNABLE (%u, %u)", s0, s1);
	r = set_mp(ap, HV_MP_STATE_RUNNABLE) | get_mp(ap, &s1);
	ktap_result(!r && s1 == HV_MP_STATE_RUNNABLE,
		    "KVM_SET_MP_STATE RUNNABLE: 0 (got %d)", r);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		r = set_mp(ap, refused[i].state);
		get_mp(ap, &s1);
		ktap_result(r == -EINVAL && s1 == HV_MP_STATE_RUNNABLE,
			    "KVM_SET_MP_STATE %s without an in-kernel irqchip: EINVAL (got %d), still RUNNABLE",
			    refused[i].name, r);
	}

	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_REQUIRE(page != MAP_FAILED, "mmap");
	ktap_result(ioctl_ret(ap->fd, HV_GET_MP_STATE, 0) == -EFAULT &&
		    ioctl_ret(ap->fd, HV_SET_MP_STATE, 0) == -EFAULT &&
		    ioctl_ret(ap->fd, HV_GET_MP_STATE, (unsigned long)page) == -EFAULT,
		    "NULL and read-only pointers: EFAULT");
	munmap(page, 4096);

	/* HLT: userspace's business without an in-kernel irqchip. */
	vcpu_enter(bsp, guest_hlt_twice, 0);
	ok = vcpu_run_expect(bsp, HV_EXIT_HLT, "HLT");
	r = get_mp(bsp, &s0);
	ktap_result(ok && !r && s0 == HV_MP_STATE_RUNNABLE,
		    "after a HLT exit: RUNNABLE (%u)", s0);
	r = set_mp(bsp, HV_MP_STATE_RUNNABLE);
	ktap_result(!r && vcpu_run_expect(bsp, HV_EXIT_HLT, "second HLT"),
		    "KVM_SET_MP_STATE RUNNABLE and KVM_RUN: the guest goes on to its next HLT");
	vm_free(vm);
}

/* A triple fault: no IDT, then #UD (then #GP, #DF, shutdown). */
static void guest_triple_fault(void)
{
	asm volatile("ud2");
}

static void test_init(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	struct hv_debugregs d, e;
	struct hv_sregs sr, before;
	struct hv_regs regs;
	static u8 xs[4096] __attribute__((aligned(64)));
	struct hv_fpu f, g;
	u32 s;
	int i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < 4; i++)
		d.db[i] = 0x1000 * (i + 1);
	d.dr6 = 0xffff0ff1;
	d.dr7 = 0x401;
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_SET_DEBUGREGS, &d), "SET_DEBUGREGS");
	/* x87/SSE state, through KVM_SET_XSAVE: XSTATE_BV says it is in use. */
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_GET_XSAVE, xs), "GET_XSAVE");
	*(u16 *)&xs[0] = 0x027f;		/* FCW */
	xs[4] = 0x80;				/* abridged FTW: ST7 valid */
	memset(&xs[32 + 7 * 16], 0, 16);	/* ST7 = 1.0 */
	xs[32 + 7 * 16 + 7] = 0x80;
	xs[32 + 7 * 16 + 8] = 0xff;
	xs[32 + 7 * 16 + 9] = 0x3f;
	for (i = 0; i < 16; i++)
		memset(&xs[160 + 16 * i], 0x11 * i + 1, 16);
	*(u64 *)&xs[512] = 3;			/* XSTATE_BV: x87, SSE */
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_SET_XSAVE, xs), "SET_XSAVE");
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_GET_FPU, &f), "GET_FPU");

	vcpu_enter(vcpu, guest_triple_fault, 0);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = 0x1234;
	regs.r15 = 0x5678;
	vcpu_set_regs(vcpu, &regs);
	vcpu_get_sregs(vcpu, &sr);
	sr.idt.limit = 0;
	sr.cr0 |= CR0_CD;
	sr.cr2 = 0xabcd000;
	vcpu_set_sregs(vcpu, &sr);
	vcpu_get_sregs(vcpu, &before);

	TEST_REQUIRE(vcpu_run_expect(vcpu, HV_EXIT_SHUTDOWN, "triple fault"),
		     "the triple fault");
	vcpu_get_regs(vcpu, &regs);
	vcpu_get_sregs(vcpu, &sr);
	memset(&e, 0xaa, sizeof(e));
	ioctl(vcpu->fd, HV_GET_DEBUGREGS, &e);
	memset(&g, 0xaa, sizeof(g));
	ioctl(vcpu->fd, HV_GET_FPU, &g);
	if (!host_is_amd()) {
		ktap_skip("INIT after a triple fault",
			  "on Intel KVM_EXIT_SHUTDOWN leaves the vCPU as it was (kvm_intel)");
		ktap_result(regs.rbx == 0x1234 && sr.cr0 == before.cr0 &&
			    e.dr7 == d.dr7 && e.db[0] == d.db[0],
			    "Intel: registers, CR0 and debug registers kept");
		vm_free(vm);
		return;
	}
	ktap_result(regs.rip == 0xfff0 && regs.rflags == 0x2 && regs.rdx == 0x600 &&
		    !regs.rax && !regs.rbx && !regs.rsp && !regs.r15,
		    "INIT: RIP %#llx RFLAGS %#llx RDX %#llx, other GPRs 0",
		    (unsigned long long)regs.rip, (unsigned long long)regs.rflags,
		    (unsigned long long)regs.rdx);
	ktap_result(sr.cs.selector == 0xf000 && sr.cs.base == 0xffff0000 &&
		    sr.cs.limit == 0xffff && !sr.ds.base && sr.ds.limit == 0xffff &&
		    sr.idt.limit == 0xffff && !sr.idt.base && sr.gdt.limit == 0xffff,
		    "INIT: CS f000 base %#llx, data segments and tables at 0, limits 0xffff",
		    (unsigned long long)sr.cs.base);
	ktap_result(sr.cr0 == (CR0_ET | CR0_CD) && !sr.cr2 && !sr.cr3 && !sr.cr4 &&
		    !sr.efer && sr.apic_base == before.apic_base,
		    "INIT: CR0 %#llx (CD kept), CR2/CR3/CR4/EFER 0, APIC base %#llx kept",
		    (unsigned long long)sr.cr0, (unsigned long long)sr.apic_base);
	ktap_result(!e.db[0] && !e.db[1] && !e.db[2] && !e.db[3] &&
		    e.dr6 == 0xffff0ff0 && e.dr7 == 0x400,
		    "INIT: DR0-3 0, DR6 %#llx, DR7 %#llx",
		    (unsigned long long)e.dr6, (unsigned long long)e.dr7);
	ktap_result(f.fcw == 0x027f && g.fcw == f.fcw && g.ftwx == f.ftwx &&
		    !memcmp(g.xmm, f.xmm, sizeof(f.xmm)) &&
		    !memcmp(g.fpr[7], f.fpr[7], 10),
		    "INIT keeps the x87 and SSE registers (FCW %#x)", g.fcw);
	i = get_mp(vcpu, &s);
	ktap_result(!i && s == HV_MP_STATE_RUNNABLE,
		    "INIT: still RUNNABLE (%u)", s);
	vm_free(vm);
}

/* ---- with an in-kernel irqchip ---- */

static void on_alarm(int sig)
{
}

/* mov $0x55, %al; out %al, $0x80; jmp . */
static const u8 sipi_blob[] = { 0xb0, 0x55, 0xe6, 0x80, 0xeb, 0xfe };
#define SIPI_VECTOR	0x20

static void test_irqchip(void)
{
	struct itimerval t = { .it_value = { .tv_usec = 200000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_vcpu_events ev;
	struct hv_sregs sr;
	struct vcpu *bsp, *ap;
	struct vm *vm;
	u32 s0 = 0xdead, s1 = 0xdead;
	int r;

	vm = vm_new(GUEST_REAL);
	if (dev_check_extension(vm->devfd, HV_CAP_IRQCHIP) <= 0) {
		ktap_skip("INIT/SIPI through KVM_SET_MP_STATE",
			  "no in-kernel irqchip (HV_CAP_IRQCHIP); without one these states are refused (above)");
		vm_free(vm);
		return;
	}
	TEST_REQUIRE(!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP: %s",
		     strerror(errno));
	bsp = vcpu_new(vm, 0);
	ap = vcpu_new(vm, 1);
	vm_load_blob(vm, SIPI_VECTOR << 12, sipi_blob, sipi_blob + sizeof(sipi_blob));
	r = get_mp(bsp, &s0) | get_mp(ap, &s1);
	ktap_result(!r && s0 == HV_MP_STATE_RUNNABLE && s1 == HV_MP_STATE_UNINITIALIZED,
		    "in-kernel irqchip: the BSP is RUNNABLE (%u), an AP UNINITIALIZED (%u)",
		    s0, s1);

	r = set_mp(ap, HV_MP_STATE_INIT_RECEIVED);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	s0 = vcpu_run(ap);
	ktap_result(!r && (int)s0 == -EINTR && vcpu_rip(ap) == 0,
		    "in-kernel irqchip: INIT_RECEIVED is taken (%d); KVM_RUN waits until a signal (%d), the guest did not run",
		    r, (int)s0);

	memset(&ev, 0, sizeof(ev));
	TEST_REQUIRE(!ioctl(ap->fd, KVM_GET_VCPU_EVENTS, &ev), "GET_VCPU_EVENTS");
	ev.flags = KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	ev.sipi_vector = SIPI_VECTOR;
	TEST_REQUIRE(!ioctl(ap->fd, KVM_SET_VCPU_EVENTS, &ev), "SET_VCPU_EVENTS");
	r = set_mp(ap, HV_MP_STATE_SIPI_RECEIVED);
	get_mp(ap, &s1);
	ktap_info("in-kernel irqchip: after KVM_SET_MP_STATE SIPI_RECEIVED (%d), KVM_GET_MP_STATE says %u",
		  r, s1);
	ktap_result(!r && vcpu_run_expect(ap, HV_EXIT_IO, "SIPI") &&
		    ap->run->io.port == 0x80 && *(u8 *)vcpu_io_data(ap) == 0x55,
		    "in-kernel irqchip: SIPI_RECEIVED with vector %#x: the AP runs the code at %#x",
		    SIPI_VECTOR, SIPI_VECTOR << 12);
	vcpu_get_sregs(ap, &sr);
	r = get_mp(ap, &s1);
	ktap_result(!r && sr.cs.selector == SIPI_VECTOR << 8 &&
		    sr.cs.base == SIPI_VECTOR << 12 && !(sr.cr0 & CR0_PE) &&
		    vcpu_rip(ap) == 2 && s1 == HV_MP_STATE_RUNNABLE,
		    "in-kernel irqchip: in real mode, CS %#x base %#llx, RIP %#llx, RUNNABLE (%u)",
		    sr.cs.selector, (unsigned long long)sr.cs.base,
		    (unsigned long long)vcpu_rip(ap), s1);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_MP_STATE) <= 0)
		ktap_skip_all("KVM_CAP_MP_STATE not reported");
	close(devfd);
	test_no_irqchip();
	test_init();
	test_irqchip();
	ktap_end();
}
