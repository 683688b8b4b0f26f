// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD (HV_IRQFD): an eventfd that interrupts the guest when
 * written, as KVM 6.1 has it (virt/kvm/eventfd.c).
 *
 *  - ioctl rules: no in-kernel irqchip (EINVAL, resample too), unknown
 *    flags (EINVAL), an fd that is no file (EBADF) or no eventfd
 *    (EINVAL), a bad resamplefd (EBADF), the same eventfd twice in a VM
 *    on any GSI (EBUSY), a bad pointer (EFAULT); deassigning what is not
 *    assigned succeeds; after a deassign the eventfd can be assigned
 *    again;
 *  - a long-mode guest, its xAPIC enabled: an irqfd on an IOAPIC edge
 *    pin and one on an MSI route each deliver one interrupt per write;
 *    once deassigned, a write delivers nothing and its count stays in
 *    the eventfd;
 *  - resample on an IOAPIC level pin: a write asserts the line (remote
 *    IRR until the EOI); the EOI lowers it (no second delivery) and
 *    signals the resamplefd; the next write delivers again; deassigning
 *    it with the line asserted lowers the line;
 *  - after the VM is gone, its irqfds are: a write stays in the eventfd;
 *  - races: writes from another thread while irqfds are deassigned,
 *    their eventfds closed, or their VM closed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"
#include "lib/apic.h"

#define VEC_EDGE	0x42	/* IOAPIC pin 10, edge */
#define VEC_LEVEL	0x43	/* IOAPIC pin 11, level: the guest EOIs */
#define VEC_MSI		0x44	/* GSI 24, an MSI route */
#define VEC_SPURIOUS	0xff

#define PIN_EDGE	10
#define PIN_LEVEL	11
#define GSI_MSI		24

#define SPIN_LIMIT	5000000	/* pause loops */
#define RUN_TIMEOUT	20	/* seconds one KVM_RUN may take */

volatile u64 hits[256];

extern const char irq_stub_edge[], irq_stub_level[], irq_stub_msi[],
	irq_stub_spurious[];

#define IRQ_STUB(name, vec, tail)					\
	#name ":\n"							\
	"	pushq %rax\n"						\
	"	movl $" __stringify(vec) ", %eax\n"			\
	"	jmp " tail "\n"

/* Count the vector; EOI to the xAPIC (0xfee000b0) unless "noeoi". */
asm("	.pushsection .text\n"
"irqfd_common_eoi:\n"
"	incq hits(,%rax,8)\n"
"	movl $0xfee000b0, %eax\n"
"	movl $0, (%rax)\n"
"	popq %rax\n"
"	iretq\n"
"irqfd_common_noeoi:\n"
"	incq hits(,%rax,8)\n"
"	popq %rax\n"
"	iretq\n"
IRQ_STUB(irq_stub_edge, VEC_EDGE, "irqfd_common_eoi")
IRQ_STUB(irq_stub_level, VEC_LEVEL, "irqfd_common_noeoi")
IRQ_STUB(irq_stub_msi, VEC_MSI, "irqfd_common_eoi")
IRQ_STUB(irq_stub_spurious, VEC_SPURIOUS, "irqfd_common_noeoi")
"	.popsection\n");

/* ---- guest ---- */

enum {
	ST_READY = 1, ST_EDGE, ST_MSI, ST_DEASSIGNED, ST_LEVEL_1, ST_LEVEL_2,
	ST_LEVEL_3, ST_LEVEL_4, ST_LEVEL_5,
};

/* Sleep in HLT until @vector has come @n times (the test's alarm bounds it). */
static void guest_wait(u8 vector, u64 n)
{
	asm volatile("cli" ::: "memory");
	while (hits[vector] < n)
		asm volatile("sti; hlt; cli" ::: "memory");
	asm volatile("sti" ::: "memory");
}

/* A while longer: time for an interrupt that should not come. */
static void guest_linger(void)
{
	u64 i;

	for (i = 0; i < SPIN_LIMIT / 50; i++)
		asm volatile("pause" ::: "memory");
}

static u32 level_redir(void)
{
	return ioapic_read(IOAPIC_REDIR(PIN_LEVEL));
}

static void guest_main(void)
{
	pic_mask_all();
	xapic_write(APIC_LVT0, APIC_LVT_MASKED);
	xapic_enable(VEC_SPURIOUS);
	ioapic_set_redir(PIN_EDGE, VEC_EDGE, 0);
	ioapic_set_redir(PIN_LEVEL, IOAPIC_LEVEL | VEC_LEVEL, 0);
	asm volatile("sti" ::: "memory");
	GUEST_SYNC(ST_READY);

	guest_wait(VEC_EDGE, 1);
	guest_linger();
	GUEST_SYNC(ST_EDGE, hits[VEC_EDGE]);

	guest_wait(VEC_MSI, 1);
	guest_linger();
	GUEST_SYNC(ST_MSI, hits[VEC_MSI]);

	guest_linger();
	GUEST_SYNC(ST_DEASSIGNED, hits[VEC_EDGE]);

	/* resample: the handler leaves the EOI to us */
	guest_wait(VEC_LEVEL, 1);
	GUEST_SYNC(ST_LEVEL_1, hits[VEC_LEVEL], level_redir());
	xapic_eoi();
	guest_linger();
	GUEST_SYNC(ST_LEVEL_2, hits[VEC_LEVEL], level_redir());
	guest_wait(VEC_LEVEL, 2);
	xapic_eoi();
	guest_linger();
	GUEST_SYNC(ST_LEVEL_3, hits[VEC_LEVEL], level_redir());
	guest_wait(VEC_LEVEL, 3);
	GUEST_SYNC(ST_LEVEL_4, hits[VEC_LEVEL], level_redir());
	xapic_eoi();			/* the irqfd is gone by now */
	guest_linger();
	GUEST_SYNC(ST_LEVEL_5, hits[VEC_LEVEL], level_redir());
}

/* ---- host side ---- */

static long irqfd(int vmfd, int fd, u32 gsi, u32 flags, int resamplefd)
{
	struct hv_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = resamplefd,
	};

	return ioctl_ret(vmfd, HV_IRQFD, (unsigned long)&a);
}

static void efd_write(int efd)
{
	u64 one = 1;

	TEST_REQUIRE(write(efd, &one, sizeof(one)) == sizeof(one),
		     "eventfd write: %s", strerror(errno));
}

/* The eventfd's count, and zero it (EFD_NONBLOCK: 0 when not signalled). */
static u64 efd_count(int efd)
{
	u64 n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

static long get_ioapic(struct vm *vm, struct hv_irqchip *chip)
{
	memset(chip, 0, sizeof(*chip));
	chip->chip_id = HV_IRQCHIP_IOAPIC;
	return ioctl_ret(vm->fd, HV_GET_IRQCHIP, (unsigned long)chip);
}

static void test_ioctl_rules(void)
{
	int devfd = dev_open(), vmfd = vm_create(devfd);
	int efd = eventfd(0, EFD_NONBLOCK), efd2 = eventfd(0, EFD_NONBLOCK);
	int pipefd[2];
	long r, r2;

	TEST_REQUIRE(efd >= 0 && efd2 >= 0 && !pipe(pipefd), "eventfd/pipe: %s",
		     strerror(errno));
	r = irqfd(vmfd, efd, 5, 0, -1);
	r2 = irqfd(vmfd, efd, 11, HV_IRQFD_FLAG_RESAMPLE, efd2);
	ktap_result(r == -EINVAL && r2 == -EINVAL,
		    "without an in-kernel irqchip: assign is -EINVAL (%ld), with resample too (%ld)",
		    r, r2);
	r = irqfd(vmfd, efd, 5, HV_IRQFD_FLAG_DEASSIGN, -1);
	ktap_result(r == 0, "without an irqchip, deassigning nothing succeeds (%ld)", r);

	TEST_REQUIRE(!ioctl(vmfd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	r = irqfd(vmfd, efd, 5, 1u << 2, -1);
	r2 = irqfd(vmfd, efd, 5, HV_IRQFD_FLAG_DEASSIGN | (1u << 31), -1);
	ktap_result(r == -EINVAL && r2 == -EINVAL,
		    "unknown flags: -EINVAL, on assign (%ld) and deassign (%ld)", r, r2);
	r = irqfd(vmfd, -1, 5, 0, -1);
	r2 = irqfd(vmfd, pipefd[0], 5, 0, -1);
	ktap_result(r == -EBADF && r2 == -EINVAL,
		    "fd -1: -EBADF (%ld); a pipe, no eventfd: -EINVAL (%ld)", r, r2);
	r = irqfd(vmfd, efd, 11, HV_IRQFD_FLAG_RESAMPLE, -1);
	r2 = irqfd(vmfd, efd, 11, HV_IRQFD_FLAG_RESAMPLE, pipefd[0]);
	ktap_result(r == -EBADF && r2 == -EINVAL,
		    "resample: resamplefd -1 is -EBADF (%ld), a pipe -EINVAL (%ld)", r, r2);
	r = ioctl_ret(vmfd, HV_IRQFD, 16);
	ktap_result(r == -EFAULT, "a bad pointer: -EFAULT (%ld)", r);

	r = irqfd(vmfd, efd, 5, 0, -1);
	ktap_result(r == 0, "assign an eventfd to GSI 5 (%ld)", r);
	r = irqfd(vmfd, efd, 5, 0, -1);
	r2 = irqfd(vmfd, efd, 6, HV_IRQFD_FLAG_RESAMPLE, efd2);
	ktap_result(r == -EBUSY && r2 == -EBUSY,
		    "the same eventfd again: -EBUSY on the same GSI (%ld), on another with resample (%ld)",
		    r, r2);
	r = irqfd(vmfd, efd, 6, HV_IRQFD_FLAG_DEASSIGN, -1);
	r2 = irqfd(vmfd, efd, 5, 0, -1);
	ktap_result(r == 0 && r2 == -EBUSY,
		    "deassign on another GSI: 0 (%ld), and it is still assigned (%ld)", r, r2);
	r = irqfd(vmfd, efd, 5, HV_IRQFD_FLAG_DEASSIGN, -1);
	r2 = irqfd(vmfd, efd, 5, 0, -1);
	ktap_result(r == 0 && r2 == 0, "deassign (%ld), then assign again (%ld)", r, r2);
	r = irqfd(vmfd, efd2, 7, HV_IRQFD_FLAG_DEASSIGN, -1);
	ktap_result(r == 0, "deassigning an eventfd that is not assigned: 0 (%ld)", r);
	r = irqfd(vmfd, efd2, 11, HV_IRQFD_FLAG_RESAMPLE, efd);
	r2 = irqfd(vmfd, efd2, 11, HV_IRQFD_FLAG_DEASSIGN, -1);
	ktap_result(r == 0 && r2 == 0,
		    "a resample irqfd, assigned (%ld) and deassigned (%ld)", r, r2);

	/* The VM goes with an irqfd assigned; the eventfd outlives it. */
	close(vmfd);
	efd_write(efd);
	ktap_result(efd_count(efd) == 1,
		    "after the VM is closed, a write to its irqfd's eventfd stays in the eventfd");
	close(efd);
	close(efd2);
	close(pipefd[0]);
	close(pipefd[1]);
	close(devfd);
}

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	alarm_fired = 1;
}

/* Run to the UCALL_SYNC of @stage, RUN_TIMEOUT seconds at most. */
static bool run_to_stage(struct vcpu *vcpu, u64 stage, struct ucall *uc)
{
	struct itimerval t = { .it_value = { .tv_sec = RUN_TIMEOUT } };
	struct itimerval off = { 0 };
	u32 got;
	int r;

	alarm_fired = 0;
	setitimer(ITIMER_REAL, &t, NULL);
	r = vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	memset(uc, 0, sizeof(*uc));
	if (r == -EINTR && alarm_fired) {
		ktap_info("stage %llu: KVM_RUN still running after %d s (an interrupt did not come?)",
			  (unsigned long long)stage, RUN_TIMEOUT);
		return false;
	}
	if (r) {
		ktap_info("stage %llu: KVM_RUN: %s", (unsigned long long)stage,
			  strerror(-r));
		return false;
	}
	got = vcpu_get_ucall(vcpu, uc);
	if (got == UCALL_SYNC && uc->args[0] == stage)
		return true;
	if (got == UCALL_NONE)
		ktap_info("stage %llu: %s", (unsigned long long)stage,
			  vcpu_exit_str(vcpu));
	else
		ucall_print(vcpu->vm, uc, "guest");
	return false;
}

static void test_guest(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int efd_edge = eventfd(0, EFD_NONBLOCK), efd_msi = eventfd(0, EFD_NONBLOCK);
	int efd_level = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	int efd_hup = eventfd(0, EFD_NONBLOCK);
	struct hv_irq_routing *routes;
	struct hv_irqchip chip;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	u32 n = 0, gsi;
	bool ok;
	u64 c;

	TEST_REQUIRE(efd_edge >= 0 && efd_msi >= 0 && efd_level >= 0 && rfd >= 0 &&
		     efd_hup >= 0, "eventfd: %s", strerror(errno));
	sigaction(SIGALRM, &sa, NULL);
	vm = vm_new(GUEST_LONG64);
	TEST_REQUIRE(!ioctl(vm->fd, HV_CREATE_IRQCHIP, 0), "CREATE_IRQCHIP: %s",
		     strerror(errno));
	vcpu = vcpu_new(vm, 0);
	vcpu_set_idt_gate(vcpu, VEC_EDGE, irq_stub_edge);
	vcpu_set_idt_gate(vcpu, VEC_LEVEL, irq_stub_level);
	vcpu_set_idt_gate(vcpu, VEC_MSI, irq_stub_msi);
	vcpu_set_idt_gate(vcpu, VEC_SPURIOUS, irq_stub_spurious);

	/* KVM's default table (GSI n to IOAPIC pin n, 0-15 to the PIC too), and GSI 24: an MSI. */
	routes = calloc(1, sizeof(*routes) + 41 * sizeof(routes->entries[0]));
	TEST_REQUIRE(routes, "out of memory");
	for (gsi = 0; gsi < 24; gsi++) {
		routes->entries[n].gsi = gsi;
		routes->entries[n].type = HV_IRQ_ROUTING_IRQCHIP;
		routes->entries[n].u.irqchip.irqchip = HV_IRQCHIP_IOAPIC;
		routes->entries[n++].u.irqchip.pin = gsi;
		if (gsi >= 16)
			continue;
		routes->entries[n].gsi = gsi;
		routes->entries[n].type = HV_IRQ_ROUTING_IRQCHIP;
		routes->entries[n].u.irqchip.irqchip = gsi < 8 ? HV_IRQCHIP_PIC_MASTER :
							       HV_IRQCHIP_PIC_SLAVE;
		routes->entries[n++].u.irqchip.pin = gsi % 8;
	}
	routes->entries[n].gsi = GSI_MSI;
	routes->entries[n].type = HV_IRQ_ROUTING_MSI;
	routes->entries[n].u.msi.address_lo = MSI_ADDR_BASE | MSI_ADDR_DEST(0);
	routes->entries[n++].u.msi.data = VEC_MSI;
	routes->nr = n;
	ok = !ioctl(vm->fd, HV_SET_GSI_ROUTING, routes);
	free(routes);
	ok = ok && !irqfd(vm->fd, efd_edge, PIN_EDGE, 0, -1) &&
	     !irqfd(vm->fd, efd_msi, GSI_MSI, 0, -1) &&
	     !irqfd(vm->fd, efd_level, PIN_LEVEL, HV_IRQFD_FLAG_RESAMPLE, rfd);
	ktap_result(ok, "irqfds on IOAPIC pin %d (edge), GSI %d (an MSI route) and pin %d (level, resample)",
		    PIN_EDGE, GSI_MSI, PIN_LEVEL);

	vcpu_enter(vcpu, guest_main, 0);
	ok = ok && run_to_stage(vcpu, ST_READY, &uc);

	efd_write(efd_edge);
	ok = ok && run_to_stage(vcpu, ST_EDGE, &uc);
	ktap_result(ok && uc.args[1] == 1,
		    "a write to the edge pin's eventfd: one interrupt, vector %#x (%llu)",
		    VEC_EDGE, (unsigned long long)uc.args[1]);
	c = efd_count(efd_edge);
	ktap_result(ok && c == 0, "the irqfd consumed the eventfd's count (left %llu)",
		    (unsigned long long)c);

	efd_write(efd_msi);
	ok = ok && run_to_stage(vcpu, ST_MSI, &uc);
	ktap_result(ok && uc.args[1] == 1,
		    "a write to the MSI route's eventfd: one interrupt, vector %#x (%llu)",
		    VEC_MSI, (unsigned long long)uc.args[1]);

	ok = ok && !irqfd(vm->fd, efd_edge, PIN_EDGE, HV_IRQFD_FLAG_DEASSIGN, -1);
	efd_write(efd_edge);
	ok = ok && run_to_stage(vcpu, ST_DEASSIGNED, &uc);
	ktap_result(ok && uc.args[1] == 1,
		    "deassigned: a write delivers nothing (%llu interrupt(s) in all)",
		    (unsigned long long)uc.args[1]);
	c = efd_count(efd_edge);
	ktap_result(ok && c == 1, "and its count stays in the eventfd (%llu)",
		    (unsigned long long)c);

	/* An irqfd whose eventfd is closed goes too (EPOLLHUP). */
	ok = ok && !irqfd(vm->fd, efd_hup, PIN_EDGE, 0, -1);
	close(efd_hup);

	efd_write(efd_level);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_1, &uc);
	ktap_result(ok && uc.args[1] == 1 && (uc.args[2] & IOAPIC_REMOTE_IRR),
		    "resample: a write asserts level pin %d, delivered once, remote IRR set (%llu, %#llx)",
		    PIN_LEVEL, (unsigned long long)uc.args[1],
		    (unsigned long long)uc.args[2]);
	c = efd_count(rfd);
	ok = ok && !get_ioapic(vm, &chip);
	ktap_result(ok && c == 0 && (chip.chip.ioapic.irr & (1u << PIN_LEVEL)),
		    "before the EOI: the line is held (irr %#x), the resamplefd not signalled (%llu)",
		    chip.chip.ioapic.irr, (unsigned long long)c);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_2, &uc);
	ktap_result(ok && uc.args[1] == 1 && !(uc.args[2] & IOAPIC_REMOTE_IRR),
		    "the EOI lowers the line: not delivered again, remote IRR clear (%llu, %#llx)",
		    (unsigned long long)uc.args[1], (unsigned long long)uc.args[2]);
	c = efd_count(rfd);
	ok = ok && !get_ioapic(vm, &chip);
	ktap_result(ok && c == 1 && !(chip.chip.ioapic.irr & (1u << PIN_LEVEL)),
		    "the EOI signalled the resamplefd (%llu), the line is low (irr %#x)",
		    (unsigned long long)c, chip.chip.ioapic.irr);

	efd_write(efd_level);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_3, &uc);
	c = efd_count(rfd);
	ktap_result(ok && uc.args[1] == 2 && c == 1,
		    "re-asserted by a write: delivered again (%llu), its EOI signals the resamplefd (%llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)c);

	efd_write(efd_level);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_4, &uc);
	ok = ok && !irqfd(vm->fd, efd_level, PIN_LEVEL, HV_IRQFD_FLAG_DEASSIGN, -1);
	ok = ok && !get_ioapic(vm, &chip);
	ktap_result(ok && uc.args[1] == 3 && !(chip.chip.ioapic.irr & (1u << PIN_LEVEL)),
		    "deassigning the resample irqfd with its line asserted lowers it (irr %#x)",
		    chip.chip.ioapic.irr);
	ok = ok && run_to_stage(vcpu, ST_LEVEL_5, &uc);
	c = efd_count(rfd);
	ktap_result(ok && uc.args[1] == 3 && c == 0,
		    "the EOI after it: not delivered again (%llu), no resample signal (%llu)",
		    (unsigned long long)uc.args[1], (unsigned long long)c);

	vm_free(vm);
	efd_write(efd_msi);
	c = efd_count(efd_msi);
	ktap_result(c == 1, "after the VM is freed, its irqfd is gone: a write stays in the eventfd (%llu)",
		    (unsigned long long)c);
	close(efd_edge);
	close(efd_msi);
	close(efd_level);
	close(rfd);
}

/* ---- races ---- */

#define RACE_FDS	4

struct race {
	int fds[RACE_FDS];
	volatile bool stop;
};

static void *race_writer(void *arg)
{
	struct race *race = arg;
	u64 one = 1;
	int i;

	while (!race->stop)
		for (i = 0; i < RACE_FDS; i++)
			if (write(race->fds[i], &one, sizeof(one)) < 0)
				continue;
	return NULL;
}

/*
 * Each round: a VM with an irqchip (no vCPU: the lines still move),
 * four irqfds (one resampled), a thread writing them all, and one of:
 * deassign them all, close their eventfds, close the VM.  The kernel
 * must survive all three with the signals in flight.
 */
static void test_races(void)
{
	int rounds = test_iterations(300), devfd = dev_open(), i, j;
	bool ok = true;

	for (i = 0; i < rounds && ok; i++) {
		struct race race = { .stop = false };
		int vmfd = vm_create(devfd), rfd = eventfd(0, EFD_NONBLOCK);
		pthread_t t;

		ok = !ioctl(vmfd, HV_CREATE_IRQCHIP, 0) && rfd >= 0;
		for (j = 0; j < RACE_FDS && ok; j++) {
			race.fds[j] = eventfd(0, EFD_NONBLOCK);
			ok = race.fds[j] >= 0 &&
			     !irqfd(vmfd, race.fds[j], 4 + j,
				    j ? 0 : HV_IRQFD_FLAG_RESAMPLE, rfd);
		}
		if (!ok) {
			ktap_info("round %d: setup failed: %s", i, strerror(errno));
			break;
		}
		ok = !pthread_create(&t, NULL, race_writer, &race);
		if (!ok)
			break;
		switch (i % 3) {
		case 0:
			for (j = 0; j < RACE_FDS; j++)
				ok &= !irqfd(vmfd, race.fds[j], 4 + j,
					     HV_IRQFD_FLAG_DEASSIGN, -1);
			close(vmfd);
			break;
		case 1:
			for (j = 0; j < RACE_FDS; j++)
				close(race.fds[j]);
			close(vmfd);
			break;
		case 2:
			close(vmfd);
			break;
		}
		race.stop = true;
		pthread_join(t, NULL);
		if (i % 3 != 1)
			for (j = 0; j < RACE_FDS; j++)
				close(race.fds[j]);
		close(rfd);
	}
	ktap_result(ok, "%d rounds of writes racing deassign, eventfd close and VM close", i);
	close(devfd);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (!dev_check_extension(devfd, HV_CAP_IRQCHIP))
		ktap_skip_all("no in-kernel irqchip (CHECK_EXTENSION(IRQCHIP) is 0)");
	close(devfd);
	test_ioctl_rules();
	test_guest();
	test_races();
	ktap_end();
}
