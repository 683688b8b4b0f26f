// SPDX-License-Identifier: GPL-2.0
/*
 * HV_IOEVENTFD (KVM_IOEVENTFD): a guest write that matches an ioeventfd
 * signals its eventfd and the guest runs on, without an exit; one that
 * does not match exits to userspace as before.
 *
 * Port and MMIO ioeventfds: a given length, any length (len 0), with and
 * without a value to match; reads never match; removing one makes its
 * writes exit again.  And KVM's errnos for bad arguments: a length other
 * than 0, 1, 2, 4, 8, an address range that wraps, unknown flags, len 0
 * with a datamatch (EINVAL), an fd that is not an eventfd (EINVAL, or
 * EBADF), the same match twice (EEXIST), removing what is not there
 * (ENOENT), a bad pointer (EFAULT).
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define PORT_ANY_DATA	0x700	/* len 1, no datamatch */
#define PORT_MATCH	0x702	/* len 2, datamatch 0x1234 */
#define PORT_ANY_LEN	0x704	/* len 0 */
#define MMIO_BASE	0xc0000000ULL	/* no slot */
#define MMIO_LEN4	(MMIO_BASE + 0x10)	/* len 4, no datamatch */
#define MMIO_ANY_LEN	(MMIO_BASE + 0x20)	/* len 0 */
#define MMIO_MATCH8	(MMIO_BASE + 0x30)	/* len 8, datamatch */
#define MATCH8		0x1122334455667788ULL

/* ---- guest ---- */

static void guest_writes(void)
{
	/* Each group ends with a write no ioeventfd takes: an exit. */
	outb(PORT_ANY_DATA, 0x55);
	outb(PORT_ANY_DATA, 0xaa);
	outw(PORT_MATCH, 0x1234);
	outw(PORT_MATCH, 0x4321);		/* exit: other value */

	outb(PORT_ANY_LEN, 1);
	outw(PORT_ANY_LEN, 2);
	outl(PORT_ANY_LEN, 3);
	outb(PORT_ANY_LEN + 1, 4);		/* exit: other port */

	writel(MMIO_LEN4, 0xdeadbeef);
	writeq(MMIO_LEN4, 1);			/* exit: other length */

	writeb(MMIO_ANY_LEN, 1);
	writew(MMIO_ANY_LEN, 2);
	writeq(MMIO_ANY_LEN, 3);
	writeb(MMIO_ANY_LEN + 2, 4);		/* exit: other address */

	writeq(MMIO_MATCH8, MATCH8);
	writeq(MMIO_MATCH8, MATCH8 + 1);	/* exit: other value */

	GUEST_SYNC(inb(PORT_ANY_DATA), readl(MMIO_LEN4)); /* two read exits */

	outb(PORT_ANY_DATA, 0x77);		/* exit: removed by then */
	writel(MMIO_LEN4, 5);			/* exit: removed by then */
}

/* ---- host side ---- */

static int assign(int vmfd, u64 addr, u32 len, int fd, u32 flags, u64 match)
{
	struct hv_ioeventfd a = {
		.datamatch = match, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vmfd, HV_IOEVENTFD, &a) ? -errno : 0;
}

/* The eventfd's count, and zero it (EFD_NONBLOCK: 0 when not signalled). */
static u64 count(int efd)
{
	u64 n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

static bool expect_pio_out(struct vcpu *vcpu, u16 port, u32 size, u32 val,
			   const char *what)
{
	struct hv_run *run = vcpu->run;
	u32 got = 0;

	if (!vcpu_run_expect(vcpu, HV_EXIT_IO, what))
		return false;
	memcpy(&got, vcpu_io_data(vcpu), size);
	if (run->io.direction == HV_EXIT_IO_OUT && run->io.port == port &&
	    run->io.size == size && got == val)
		return true;
	ktap_info("%s: want out %#x size %u data %#x, got %s", what, port, size,
		  val, vcpu_exit_str(vcpu));
	return false;
}

static bool expect_mmio_write(struct vcpu *vcpu, u64 addr, u32 len, u64 val,
			      const char *what)
{
	struct hv_run *run = vcpu->run;
	u64 got = 0;

	if (!vcpu_run_expect(vcpu, HV_EXIT_MMIO, what))
		return false;
	memcpy(&got, run->mmio.data, len);
	if (run->mmio.is_write && run->mmio.phys_addr == addr &&
	    run->mmio.len == len && got == val)
		return true;
	ktap_info("%s: want write %#llx len %u data %#llx, got %s", what,
		  (unsigned long long)addr, len, (unsigned long long)val,
		  vcpu_exit_str(vcpu));
	return false;
}

static void test_guest(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0);
	int any = eventfd(0, EFD_NONBLOCK), match = eventfd(0, EFD_NONBLOCK);
	int anylen = eventfd(0, EFD_NONBLOCK), m4 = eventfd(0, EFD_NONBLOCK);
	int manylen = eventfd(0, EFD_NONBLOCK), m8 = eventfd(0, EFD_NONBLOCK);
	struct ucall uc;
	u64 n;
	bool ok;

	ok = !assign(vm->fd, PORT_ANY_DATA, 1, any, HV_IOEVENTFD_FLAG_PIO, 0) &&
	     !assign(vm->fd, PORT_MATCH, 2, match, HV_IOEVENTFD_FLAG_PIO |
		     HV_IOEVENTFD_FLAG_DATAMATCH, 0x1234) &&
	     !assign(vm->fd, PORT_ANY_LEN, 0, anylen, HV_IOEVENTFD_FLAG_PIO, 0) &&
	     !assign(vm->fd, MMIO_LEN4, 4, m4, 0, 0) &&
	     !assign(vm->fd, MMIO_ANY_LEN, 0, manylen, 0, 0) &&
	     !assign(vm->fd, MMIO_MATCH8, 8, m8, HV_IOEVENTFD_FLAG_DATAMATCH,
		     MATCH8);
	ktap_result(ok, "six ioeventfds: port and MMIO, len 0/1/2/4/8, with and without datamatch");
	if (!ok)
		goto out;

	vcpu_enter(vcpu, guest_writes, 0);
	ok = expect_pio_out(vcpu, PORT_MATCH, 2, 0x4321, "port, other value");
	n = count(any);
	ktap_result(ok && n == 2, "port len 1: two OUTB signal the eventfd, no exit (count %llu)",
		    (unsigned long long)n);
	n = count(match);
	ktap_result(ok && n == 1, "port datamatch: the match signals, the other exits (count %llu)",
		    (unsigned long long)n);

	ok = expect_pio_out(vcpu, PORT_ANY_LEN + 1, 1, 4, "port next to a len-0 one");
	n = count(anylen);
	ktap_result(ok && n == 3, "port len 0: OUTB/W/L signal; the next port exits (count %llu)",
		    (unsigned long long)n);

	ok = expect_mmio_write(vcpu, MMIO_LEN4, 8, 1, "MMIO, other length");
	n = count(m4);
	ktap_result(ok && n == 1, "MMIO len 4: 4 bytes signal, 8 bytes exit (count %llu)",
		    (unsigned long long)n);

	ok = expect_mmio_write(vcpu, MMIO_ANY_LEN + 2, 1, 4, "MMIO, other address");
	n = count(manylen);
	ktap_result(ok && n == 3, "MMIO len 0: 1, 2, 8 bytes signal; addr + 2 exits (count %llu)",
		    (unsigned long long)n);

	ok = expect_mmio_write(vcpu, MMIO_MATCH8, 8, MATCH8 + 1, "MMIO, other value");
	n = count(m8);
	ktap_result(ok && n == 1, "MMIO 8-byte datamatch: match signals, other exits (%llu)",
		    (unsigned long long)n);

	/* Reads: an IN and an MMIO read exit, and signal nothing. */
	ok = vcpu_run_expect(vcpu, HV_EXIT_IO, "IN from an ioeventfd's port") &&
	     vcpu->run->io.direction == HV_EXIT_IO_IN &&
	     vcpu->run->io.port == PORT_ANY_DATA;
	if (ok)
		memset(vcpu_io_data(vcpu), 0x42, 1);
	ok = ok && vcpu_run_expect(vcpu, HV_EXIT_MMIO, "read of an ioeventfd's address") &&
	     !vcpu->run->mmio.is_write && vcpu->run->mmio.phys_addr == MMIO_LEN4;
	if (ok)
		memcpy(vcpu->run->mmio.data, "\x01\x02\x03\x04", 4);
	ok = ok && vcpu_expect_ucall(vcpu, UCALL_SYNC, &uc, "reads") &&
	     uc.args[0] == 0x42 && uc.args[1] == 0x04030201;
	ktap_result(ok && !count(any) && !count(m4),
		    "reads are not taken by an ioeventfd: IN and MMIO read exit");

	/* Removed: the same writes exit again. */
	ok = !assign(vm->fd, PORT_ANY_DATA, 1, any, HV_IOEVENTFD_FLAG_PIO |
		     HV_IOEVENTFD_FLAG_DEASSIGN, 0) &&
	     !assign(vm->fd, MMIO_LEN4, 4, m4, HV_IOEVENTFD_FLAG_DEASSIGN, 0);
	ok = ok && expect_pio_out(vcpu, PORT_ANY_DATA, 1, 0x77, "port after DEASSIGN") &&
	     expect_mmio_write(vcpu, MMIO_LEN4, 4, 5, "MMIO after DEASSIGN");
	ktap_result(ok && !count(any) && !count(m4),
		    "after DEASSIGN the writes exit to userspace again");
	ktap_result(vcpu_expect_ucall(vcpu, UCALL_DONE, NULL, "guest"),
		    "the guest ran to its end");
out:
	close(any);
	close(match);
	close(anylen);
	close(m4);
	close(manylen);
	close(m8);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_errnos(int devfd)
{
	int vmfd = ioctl(devfd, HV_CREATE_VM, 0);
	int efd = eventfd(0, EFD_NONBLOCK), other = eventfd(0, EFD_NONBLOCK);
	int null = open("/dev/null", O_RDONLY);
	int r;

	ktap_result(assign(vmfd, 0x10, 3, efd, HV_IOEVENTFD_FLAG_PIO, 0) == -EINVAL,
		    "len 3: EINVAL");
	ktap_result(assign(vmfd, ~0ULL - 2, 4, efd, 0, 0) == -EINVAL,
		    "an address range that wraps: EINVAL");
	ktap_result(assign(vmfd, 0x10, 1, efd, 1 << 5, 0) == -EINVAL,
		    "an unknown flag: EINVAL");
	ktap_result(assign(vmfd, 0x10, 0, efd, HV_IOEVENTFD_FLAG_PIO |
			   HV_IOEVENTFD_FLAG_DATAMATCH, 1) == -EINVAL,
		    "len 0 with DATAMATCH: EINVAL");
	ktap_result(assign(vmfd, 0x10, 1, null, HV_IOEVENTFD_FLAG_PIO, 0) == -EINVAL,
		    "an fd that is not an eventfd: EINVAL");
	ktap_result(assign(vmfd, 0x10, 1, -1, HV_IOEVENTFD_FLAG_PIO, 0) == -EBADF,
		    "fd -1: EBADF");
	r = ioctl(vmfd, HV_IOEVENTFD, (void *)8) ? -errno : 0;
	ktap_result(r == -EFAULT, "a bad pointer: EFAULT (got %d)", r);

	/* Collisions: what no write could tell apart. */
	r = assign(vmfd, 0x10, 2, efd, HV_IOEVENTFD_FLAG_PIO |
		   HV_IOEVENTFD_FLAG_DATAMATCH, 7);
	ktap_result(!r && assign(vmfd, 0x10, 2, other, HV_IOEVENTFD_FLAG_PIO |
				 HV_IOEVENTFD_FLAG_DATAMATCH, 7) == -EEXIST &&
		    assign(vmfd, 0x10, 2, other, HV_IOEVENTFD_FLAG_PIO, 0) == -EEXIST &&
		    assign(vmfd, 0x10, 0, other, HV_IOEVENTFD_FLAG_PIO, 0) == -EEXIST,
		    "the same match twice, a wildcard over a datamatch, len 0 over len 2: EEXIST");
	ktap_result(!assign(vmfd, 0x10, 2, other, HV_IOEVENTFD_FLAG_PIO |
			    HV_IOEVENTFD_FLAG_DATAMATCH, 8) &&
		    !assign(vmfd, 0x10, 4, other, HV_IOEVENTFD_FLAG_PIO, 0) &&
		    !assign(vmfd, 0x10, 2, other, HV_IOEVENTFD_FLAG_DATAMATCH, 7),
		    "another value, another length, the MMIO bus: accepted");

	/* Removal must name it exactly. */
	ktap_result(assign(vmfd, 0x10, 2, other, HV_IOEVENTFD_FLAG_PIO |
			   HV_IOEVENTFD_FLAG_DATAMATCH | HV_IOEVENTFD_FLAG_DEASSIGN,
			   7) == -ENOENT &&
		    assign(vmfd, 0x10, 2, efd, HV_IOEVENTFD_FLAG_PIO |
			   HV_IOEVENTFD_FLAG_DEASSIGN, 0) == -ENOENT &&
		    assign(vmfd, 0x20, 1, efd, HV_IOEVENTFD_FLAG_PIO |
			   HV_IOEVENTFD_FLAG_DEASSIGN, 0) == -ENOENT &&
		    !assign(vmfd, 0x10, 2, efd, HV_IOEVENTFD_FLAG_PIO |
			    HV_IOEVENTFD_FLAG_DATAMATCH | HV_IOEVENTFD_FLAG_DEASSIGN, 7),
		    "DEASSIGN: ENOENT unless eventfd, bus, address, length and match all agree");
	ktap_result(assign(vmfd, 0x10, 0, efd, HV_IOEVENTFD_FLAG_PIO, 0) == -EEXIST,
		    "len 0 over the other eventfd's len 2 and len 4 at that port: EEXIST");

	/* Closing the VM with ioeventfds registered frees them. */
	close(vmfd);
	close(efd);
	close(other);
	close(null);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (dev_check_extension(devfd, HV_CAP_IOEVENTFD) <= 0)
		ktap_skip_all("HV_CAP_IOEVENTFD not reported");
	ktap_result(dev_check_extension(devfd, HV_CAP_IOEVENTFD_NO_LENGTH) > 0 &&
		    dev_check_extension(devfd, HV_CAP_IOEVENTFD_ANY_LENGTH) > 0,
		    "IOEVENTFD_NO_LENGTH and IOEVENTFD_ANY_LENGTH reported");
	test_errnos(devfd);
	test_guest();
	close(devfd);
	ktap_end();
}
