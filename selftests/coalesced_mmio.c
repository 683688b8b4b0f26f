// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_REGISTER/UNREGISTER_COALESCED_MMIO (HV_...), as KVM 6.1 has them
 * (virt/kvm/coalesced_mmio.c):
 *
 *  - the ring: KVM_CAP_COALESCED_MMIO is its page in the vCPU mmap (2),
 *    inside KVM_GET_VCPU_MMAP_SIZE, the same page through every vCPU;
 *  - ioctl rules: pio other than 0 or 1 is EINVAL (register and
 *    unregister), a bad pointer EFAULT, removing what is not there 0, an
 *    empty zone is accepted, many zones end in ENOSPC;
 *  - a long-mode guest: writes of 1, 2, 4 and 8 bytes inside an MMIO
 *    zone do not exit and appear in the ring in order, with address,
 *    length and data; a read inside it exits as usual (and gets the
 *    data userspace gives), so does a write outside it; a port zone
 *    (KVM_CAP_COALESCED_PIO) the same for OUTs, with pio = 1;
 *  - a full ring: the write that finds no room exits as a normal MMIO
 *    write, none is lost or reordered (the capacity is reported: KVM
 *    6.1's room check says "full" early when first <= last);
 *  - unregister removes the zones that hold the range given (a part of
 *    a zone removes it, a range larger than a zone does not) and only
 *    of the same kind (pio).
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define ZONE		0xc0000000ULL	/* no slot: MMIO */
#define ZONE_SIZE	0x1000
#define ZONE_FULL	(ZONE + 0x100)	/* the ring-full writes */
#define ZONE2		0xc0010000ULL
#define ZONE2_SIZE	0x100
#define PORT		0x710		/* port zone [0x710, 0x714) */
#define PORT_SIZE	4
#define FULL_WRITES	400		/* more than the ring holds, twice */
#define READ_DATA	0xabcd1234u

#define RING_MAX	((4096 - sizeof(struct hv_coalesced_mmio_ring)) / \
			 sizeof(struct hv_coalesced_mmio))

/* ---- guest ---- */

static void guest_main(void)
{
	u32 v, i;

	writel(ZONE, 0x11111111);
	writeb(ZONE + 4, 0x22);
	writew(ZONE + 8, 0x3333);
	writeq(ZONE + 0x10, 0x4444444455555555ULL);
	v = readl(ZONE + 0x20);			/* exit: a read */
	writel(ZONE + ZONE_SIZE, 0x77);		/* exit: outside */
	outb(PORT, 0x5a);
	outw(PORT + 2, 0x1234);
	outb(PORT + PORT_SIZE, 0x99);		/* exit: outside */
	GUEST_SYNC(1, v);

	for (i = 0; i < FULL_WRITES; i++)
		writel(ZONE_FULL, i);
	GUEST_SYNC(2);

	/* A part of ZONE, a superset of ZONE2, PORT as MMIO: unregistered. */
	writel(ZONE2, 0xa);			/* still a zone */
	outb(PORT, 0xc);			/* still a zone */
	writel(ZONE, 0xb);			/* exit: gone */
	GUEST_SYNC(3);

	/* ZONE2 and PORT unregistered exactly. */
	writel(ZONE2, 0xd);			/* exit */
	outb(PORT, 0xe);			/* exit */
	GUEST_SYNC(4);
}

/* ---- host side ---- */

static long zone_ioctl(int vmfd, unsigned long req, u64 addr, u32 size,
		       u32 pio)
{
	struct hv_coalesced_mmio_zone z = { .addr = addr, .size = size };

	z.pio = pio;
	return ioctl_ret(vmfd, req, (unsigned long)&z);
}

static long zone_add(int vmfd, u64 addr, u32 size, u32 pio)
{
	return zone_ioctl(vmfd, HV_REGISTER_COALESCED_MMIO, addr, size, pio);
}

static long zone_del(int vmfd, u64 addr, u32 size, u32 pio)
{
	return zone_ioctl(vmfd, HV_UNREGISTER_COALESCED_MMIO, addr, size, pio);
}

/* Take up to @max entries from the ring, as a VMM does: copy, advance first. */
static u32 ring_take(struct hv_coalesced_mmio_ring *ring,
		     struct hv_coalesced_mmio *out, u32 max)
{
	u32 n = 0;

	while (ring->first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE) &&
	       n < max) {
		out[n++] = ring->coalesced_mmio[ring->first];
		__atomic_store_n(&ring->first, (ring->first + 1) % RING_MAX,
				 __ATOMIC_RELEASE);
	}
	return n;
}

static bool entry_is(const struct hv_coalesced_mmio *e, u64 addr, u32 len,
		     u64 val, u32 pio)
{
	u64 got = 0;

	memcpy(&got, e->data, len <= 8 ? len : 8);
	if (e->phys_addr == addr && e->len == len && got == val && e->pio == pio)
		return true;
	ktap_info("entry: want %s %#llx len %u data %#llx, got %s %#llx len %u data %#llx",
		  pio ? "port" : "mmio", (unsigned long long)addr, len,
		  (unsigned long long)val, e->pio ? "port" : "mmio",
		  (unsigned long long)e->phys_addr, e->len, (unsigned long long)got);
	return false;
}

static bool is_mmio(struct vcpu *vcpu, bool write, u64 addr, u32 len, u64 val)
{
	struct hv_run *run = vcpu->run;
	u64 got = 0;

	if (run->exit_reason != HV_EXIT_MMIO || run->mmio.is_write != write ||
	    run->mmio.phys_addr != addr || run->mmio.len != len)
		return false;
	memcpy(&got, run->mmio.data, len);
	return !write || got == val;
}

static bool expect_mmio(struct vcpu *vcpu, bool write, u64 addr, u32 len,
			u64 val, const char *what)
{
	if (!vcpu_run_expect(vcpu, HV_EXIT_MMIO, what))
		return false;
	if (is_mmio(vcpu, write, addr, len, val))
		return true;
	ktap_info("%s: want MMIO %s %#llx len %u, got %s", what,
		  write ? "write" : "read", (unsigned long long)addr, len,
		  vcpu_exit_str(vcpu));
	return false;
}

static bool expect_out(struct vcpu *vcpu, u16 port, u32 size, u32 val,
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

static bool expect_sync(struct vcpu *vcpu, u64 stage, struct ucall *uc)
{
	char what[32];

	snprintf(what, sizeof(what), "stage %llu", (unsigned long long)stage);
	if (!vcpu_expect_ucall(vcpu, UCALL_SYNC, uc, what))
		return false;
	if (uc->args[0] == stage)
		return true;
	ktap_info("%s: got the sync of stage %llu", what,
		  (unsigned long long)uc->args[0]);
	return false;
}

static void test_ioctl_rules(void)
{
	int devfd = dev_open(), vmfd = vm_create(devfd), i;
	long r, r2;

	r = zone_add(vmfd, ZONE, ZONE_SIZE, 2);
	r2 = zone_del(vmfd, ZONE, ZONE_SIZE, 2);
	ktap_result(r == -EINVAL && r2 == -EINVAL,
		    "pio 2: -EINVAL to register (%ld) and unregister (%ld)", r, r2);
	r = ioctl_ret(vmfd, HV_REGISTER_COALESCED_MMIO, 16);
	r2 = ioctl_ret(vmfd, HV_UNREGISTER_COALESCED_MMIO, 16);
	ktap_result(r == -EFAULT && r2 == -EFAULT, "a bad pointer: -EFAULT (%ld, %ld)",
		    r, r2);
	r = zone_del(vmfd, ZONE, ZONE_SIZE, 0);
	ktap_result(r == 0, "unregistering a zone that is not there: 0 (%ld)", r);
	r = zone_add(vmfd, ZONE, 0, 0);
	r2 = zone_del(vmfd, ZONE, 0, 0);
	ktap_result(r == 0 && r2 == 0, "an empty zone is accepted (%ld) and removed (%ld)",
		    r, r2);
	r = zone_add(vmfd, ZONE, ZONE_SIZE, 0);
	r2 = zone_add(vmfd, ZONE + 0x800, ZONE_SIZE, 0);
	ktap_result(r == 0 && r2 == 0, "overlapping zones are accepted (%ld, %ld)", r, r2);
	close(vmfd);

	vmfd = vm_create(devfd);
	for (i = 0, r = 0; i < 5000 && !r; i++)
		r = zone_add(vmfd, ZONE + 0x10ULL * i, 8, 0);
	ktap_result(r == -ENOSPC && i > 100,
		    "zones are bounded: -ENOSPC after %d of them (%ld)", i - 1, r);
	close(vmfd);
	close(devfd);
}

static void test_ring_mapping(struct vm *vm, struct vcpu *vcpu,
			      struct vcpu *vcpu1,
			      struct hv_coalesced_mmio_ring **ringp)
{
	long off = dev_check_extension(vm->devfd, HV_CAP_COALESCED_MMIO);
	struct hv_coalesced_mmio_ring *ring, *ring1;

	ktap_result(off == 2 && vm->run_size >= 3 * 4096,
		    "CAP_COALESCED_MMIO is page %ld, inside the vCPU mmap size (%zu bytes)",
		    off, vm->run_size);
	ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
		    off * 4096);
	ring1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu1->fd,
		     off * 4096);
	TEST_REQUIRE(ring != MAP_FAILED && ring1 != MAP_FAILED, "mmap of the ring: %s",
		     strerror(errno));
	ktap_result(ring->first == 0 && ring->last == 0,
		    "a new VM's ring is empty (first %u, last %u)", ring->first, ring->last);
	ring->first = 7;
	ktap_result(ring1->first == 7 &&
		    ((struct hv_coalesced_mmio_ring *)((char *)vcpu->run + off * 4096))->first == 7,
		    "it is the same page through another vCPU and through the run mapping");
	ring->first = 0;
	munmap(ring1, 4096);
	*ringp = ring;
}

static void test_guest(void)
{
	struct hv_coalesced_mmio e[RING_MAX];
	struct hv_coalesced_mmio_ring *ring;
	struct vm *vm = vm_new(GUEST_LONG64);
	struct vcpu *vcpu = vcpu_new(vm, 0), *vcpu1 = vcpu_new(vm, 1);
	u32 n, next, exits, first_k, i;
	struct ucall uc;
	bool ok, order;

	test_ring_mapping(vm, vcpu, vcpu1, &ring);
	ok = !zone_add(vm->fd, ZONE, ZONE_SIZE, 0) &&
	     !zone_add(vm->fd, ZONE2, ZONE2_SIZE, 0) &&
	     !zone_add(vm->fd, PORT, PORT_SIZE, 1);
	ktap_result(ok, "zones: MMIO %#llx+%#x, %#llx+%#x; ports %#x+%u",
		    ZONE, ZONE_SIZE, ZONE2, ZONE2_SIZE, PORT, PORT_SIZE);
	vcpu_enter(vcpu, guest_main, 0);

	ok = ok && expect_mmio(vcpu, false, ZONE + 0x20, 4, 0, "read in the zone");
	ktap_result(ok, "a read inside the zone exits as an MMIO read");
	n = ring_take(ring, e, RING_MAX);
	ktap_result(ok && n == 4 && entry_is(&e[0], ZONE, 4, 0x11111111, 0) &&
		    entry_is(&e[1], ZONE + 4, 1, 0x22, 0) &&
		    entry_is(&e[2], ZONE + 8, 2, 0x3333, 0) &&
		    entry_is(&e[3], ZONE + 0x10, 8, 0x4444444455555555ULL, 0),
		    "the four writes before it did not exit: in the ring in order, 1/2/4/8 bytes with their data (%u entries)",
		    n);
	memcpy(vcpu->run->mmio.data, &(u32){ READ_DATA }, 4);
	ok = ok && expect_mmio(vcpu, true, ZONE + ZONE_SIZE, 4, 0x77, "write past the zone");
	ktap_result(ok && ring->first == ring->last,
		    "a write just past the zone exits, nothing added to the ring");
	ok = ok && expect_out(vcpu, PORT + PORT_SIZE, 1, 0x99, "out past the port zone");
	n = ring_take(ring, e, RING_MAX);
	ktap_result(ok && n == 2 && entry_is(&e[0], PORT, 1, 0x5a, 1) &&
		    entry_is(&e[1], PORT + 2, 2, 0x1234, 1),
		    "OUTs into the port zone did not exit: in the ring with pio = 1 (%u entries); the one past it exits",
		    n);
	ok = ok && expect_sync(vcpu, 1, &uc);
	ktap_result(ok && uc.args[1] == READ_DATA,
		    "the read got the data userspace gave (%#llx)", (unsigned long long)uc.args[1]);

	/* The ring fills: the write that finds no room exits. */
	next = exits = first_k = 0;
	order = true;
	while (ok) {
		if (vcpu_run(vcpu)) {
			ok = false;
			break;
		}
		n = ring_take(ring, e, RING_MAX);
		for (i = 0; i < n; i++)
			order &= entry_is(&e[i], ZONE_FULL, 4, next++, 0);
		if (is_mmio(vcpu, true, ZONE_FULL, 4, next)) {
			if (!exits++)
				first_k = n;
			next++;
			continue;
		}
		if (vcpu_get_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2)
			break;
		ktap_info("ring full: unexpected exit %s", vcpu_exit_str(vcpu));
		ok = false;
	}
	ktap_result(ok && order && next == FULL_WRITES && exits >= 1,
		    "%u writes into a ring never drained while the guest runs: %u exit(s) when full, all in order, none lost",
		    FULL_WRITES, exits);
	ktap_result(ok && first_k >= 1 && first_k <= RING_MAX - 1,
		    "the first full ring held %u entries (of %zu slots, one always free)",
		    first_k, RING_MAX);

	/* Unregister: KVM removes the zones holding the range given. */
	ok = ok && !zone_del(vm->fd, ZONE + 0x100, 4, 0) &&
	     !zone_del(vm->fd, ZONE2 - 0x1000, 0x2000, 0) &&
	     !zone_del(vm->fd, PORT, PORT_SIZE, 0);
	ok = ok && expect_mmio(vcpu, true, ZONE, 4, 0xb, "write to the unregistered zone");
	n = ring_take(ring, e, RING_MAX);
	ktap_result(ok && n == 2 && entry_is(&e[0], ZONE2, 4, 0xa, 0) &&
		    entry_is(&e[1], PORT, 1, 0xc, 1),
		    "unregistering a part of a zone removes it (its writes exit); a range larger than a zone, or of the other kind, removes nothing (%u entries)",
		    n);
	ok = ok && expect_sync(vcpu, 3, &uc);
	ok = ok && !zone_del(vm->fd, ZONE2, ZONE2_SIZE, 0) &&
	     !zone_del(vm->fd, PORT, PORT_SIZE, 1);
	ok = ok && expect_mmio(vcpu, true, ZONE2, 4, 0xd, "write after unregister");
	ok = ok && expect_out(vcpu, PORT, 1, 0xe, "out after unregister");
	ok = ok && expect_sync(vcpu, 4, &uc);
	ktap_result(ok && ring->first == ring->last,
		    "unregistered exactly, MMIO and port zones: their writes exit, the ring stays empty");

	munmap(ring, 4096);
	vm_free(vm);
}

int main(int argc, char **argv)
{
	int devfd;

	ktap_begin(argc, argv);
	devfd = dev_open();
	if (!dev_check_extension(devfd, HV_CAP_COALESCED_MMIO) ||
	    !dev_check_extension(devfd, HV_CAP_COALESCED_PIO))
		ktap_skip_all("no coalesced MMIO and PIO (CHECK_EXTENSION)");
	close(devfd);
	test_ioctl_rules();
	test_guest();
	ktap_end();
}
