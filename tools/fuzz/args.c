// SPDX-License-Identifier: GPL-2.0
/*
 * Argument generators: integers near the limits the kernel checks,
 * pointers that fault in each way a copy can fault, and the structures of
 * the ioctls (CPUID tables, XCRs, register state), valid or mutated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "fuzz.h"

static const u64 interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x100,
	0x1ff, 0x200, 0x3ff, 0x400, 0x3f8, 0x3fd, 0x80, 0xcf8, 0xcfc, 0x7ff,
	0x800, 0xfff, 0x1000, 0x1001, 0x7fff, 0x8000, 0xffff, 0x10000, 0x10001,
	0xfffff, 0x100000, 0x1fffff, 0x200000, 0x3fffffff, 0x40000000,
	0x7fffffff, 0x80000000, 0x80000001, 0xfee00000, 0xfee00900,
	0xfec00000, 0xffff0000, 0xfffff000, 0xfffffff0, 0xffffffff,
	0x100000000ULL, 0x100001000ULL, 0xfffffffffULL, 0x1000000000ULL,
	0x7fffffffffULL, 0x8000000000ULL, 0xffffffffffULL,
	0xfffffffffffULL, 0x7ffffffff000ULL, 0x7fffffffffffULL,
	0x800000000000ULL, 0xfffffffff000ULL, 0xffffffffffffULL,
	0x1000000000000ULL, 0xfffffffffffffULL, 0x10000000000000ULL,
	0x100000000000000ULL, 0x1ffffffffffffffULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xffff800000000000ULL, 0xffff888000000000ULL,
	0xffffffff80000000ULL, 0xfffffffffffff000ULL, 0xfffffffffffffffeULL,
	0xffffffffffffffffULL,
};

u64 gen_u64(struct rng *r)
{
	u64 v;

	switch (rng_below(r, 8)) {
	case 0:
		return rng_below(r, 17);
	case 1:
	case 2:
		v = interesting[rng_below(r, ARRAY_SIZE(interesting))];
		if (rng_one_in(r, 4))
			v += rng_below(r, 5) - 2;
		if (rng_one_in(r, 8))
			v = -v;
		return v;
	case 3:
		return 1ULL << rng_below(r, 64);
	case 4:
		return rng_next(r) & ((1ULL << rng_below(r, 64)) - 1);
	case 5:
		return rng_next(r) & ~0xfffULL & ((1ULL << (12 + rng_below(r, 41))) - 1);
	default:
		return rng_next(r);
	}
}

u32 gen_u32(struct rng *r)
{
	return (u32)gen_u64(r);
}

u64 gen_count(struct rng *r, u64 limit)
{
	switch (rng_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return limit ? limit - 1 : 0;
	case 3:
		return limit;
	case 4:
		return limit + 1;
	case 5:
		return limit * 2;
	case 6:
		return gen_u64(r);
	default:
		return rng_below(r, limit + 2);
	}
}

u64 gen_bits(struct rng *r, u64 mask)
{
	u64 v = 0;
	int i, n;

	if (rng_one_in(r, 8))
		return rng_next(r);
	n = rng_below(r, 4);
	for (i = 0; i < n; i++)
		v |= 1ULL << rng_below(r, 64);
	return v & (rng_one_in(r, 4) ? ~0ULL : mask);
}

/* ---- pointers ---- */

void scratch_init(struct scratch *s)
{
	u8 *p = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	s->rw = p;
	s->guard = p + 2 * PAGE_SIZE;
	s->ro = p + 3 * PAGE_SIZE;
	mprotect(s->guard, PAGE_SIZE, PROT_NONE);
	mprotect(s->ro, PAGE_SIZE, PROT_READ);
}

u64 gen_ptr(struct rng *r, struct scratch *s, void *buf, size_t len,
	    void *other)
{
	size_t k;

	if (rng_pct(r, 75))
		return (u64)(uintptr_t)buf;
	switch (rng_below(r, 9)) {
	case 0:
		return 0;
	case 1:
		return rng_one_in(r, 2) ? 0xffff888000000000ULL : 0xffffffff81000000ULL;
	case 2:
		return rng_one_in(r, 2) ? 0x8000000000000000ULL : 0x0000800000000000ULL;
	case 3:
		return (u64)(uintptr_t)s->guard;
	case 4:
		/* Starts readable, ends in the guard page. */
		if (len < 2 || len > 2 * PAGE_SIZE)
			return (u64)(uintptr_t)s->guard;
		k = 1 + rng_below(r, len - 1);
		memmove(s->guard - (len - k), buf, len - k);
		return (u64)(uintptr_t)(s->guard - (len - k));
	case 5:
		return (u64)(uintptr_t)s->ro;
	case 6:
		if (other)
			return (u64)(uintptr_t)other;
		return (u64)(uintptr_t)buf;
	case 7:
		if (len + 1 <= 2 * PAGE_SIZE - ((u8 *)buf - s->rw)) {
			memmove((u8 *)buf + 1, buf, len);
			return (u64)(uintptr_t)buf + 1;
		}
		return (u64)(uintptr_t)buf;
	default:
		return gen_u64(r);
	}
}

/* ---- CPUID ---- */

struct hv_cpuid2 *supported_cpuid(int devfd)
{
	static struct hv_cpuid2 *sup;
	static bool tried;
	struct hv_cpuid2 *c;

	if (tried)
		return sup;
	tried = true;
	c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->nent = 256;
	if (ioctl(devfd, HV_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return NULL;
	}
	sup = c;
	return sup;
}

static const u32 cpuid_leaves[] = {
	0, 1, 2, 4, 6, 7, 0xa, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x15, 0x16,
	0x1f, 0x40000000, 0x40000001, 0x80000000, 0x80000001, 0x80000007,
	0x80000008, 0x8000000a, 0x8000001f, 0xc0000000, 0xffffffff,
};

size_t gen_cpuid2(struct rng *r, struct hv_cpuid2 *sup, void *buf, size_t max)
{
	struct hv_cpuid2 *c = buf;
	size_t cap = (max - sizeof(*c)) / sizeof(c->entries[0]);
	u32 n = 0, i;

	memset(c, 0, max);
	if (sup && rng_pct(r, 70)) {
		for (i = 0; i < sup->nent && n < cap; i++)
			if (!rng_one_in(r, 16))
				c->entries[n++] = sup->entries[i];
	}
	if (!n || rng_one_in(r, 3)) {
		u32 extra = rng_below(r, 8);

		for (i = 0; i < extra && n < cap; i++, n++) {
			struct hv_cpuid_entry2 *e = &c->entries[n];

			e->function = rng_one_in(r, 8) ? gen_u32(r) :
				cpuid_leaves[rng_below(r, ARRAY_SIZE(cpuid_leaves))];
			e->index = rng_one_in(r, 3) ? gen_u32(r) : 0;
			e->flags = rng_one_in(r, 2);
			e->eax = gen_u32(r);
			e->ebx = gen_u32(r);
			e->ecx = gen_u32(r);
			e->edx = gen_u32(r);
		}
	}
	/* Flip bits in a few entries: features the host lacks, widths. */
	for (i = rng_below(r, 4); i && n; i--) {
		struct hv_cpuid_entry2 *e = &c->entries[rng_below(r, n)];
		u32 *reg = &e->eax + rng_below(r, 4);

		if (e->function == 0x80000008 && rng_one_in(r, 2))
			e->eax = (e->eax & ~0xffffU) |
				 (u32)(rng_one_in(r, 2) ? rng_below(r, 64) : 57) << 8 |
				 (u32)rng_below(r, 64);
		else
			*reg ^= 1U << rng_below(r, 32);
	}
	c->nent = n;
	if (rng_one_in(r, 8))
		c->nent = (u32)gen_count(r, 256);
	else if (rng_one_in(r, 10))
		c->nent = n + 1 + rng_below(r, 4);
	return sizeof(*c) + (size_t)n * sizeof(c->entries[0]);
}

void gen_xcrs(struct rng *r, struct hv_xcrs *x)
{
	static const u64 values[] = { 0, 1, 2, 3, 5, 7, 0x7, 0xe7, 0x207,
				      0x2e7, 0x80000003, 0x4000000000000003ULL };
	u32 i;

	memset(x, 0, sizeof(*x));
	x->nr_xcrs = rng_pct(r, 80) ? 1 : (u32)gen_count(r, HV_MAX_XCRS);
	if (rng_one_in(r, 10))
		x->flags = gen_u32(r);
	for (i = 0; i < HV_MAX_XCRS; i++) {
		x->xcrs[i].xcr = rng_pct(r, 80) ? 0 : (u32)gen_count(r, 2);
		x->xcrs[i].value = rng_pct(r, 80) ?
			values[rng_below(r, ARRAY_SIZE(values))] : gen_u64(r);
		if (rng_one_in(r, 16))
			x->xcrs[i].reserved = gen_u32(r);
	}
}

/* ---- register state ---- */

static void mutate_segment(struct rng *r, struct hv_segment *s)
{
	switch (rng_below(r, 12)) {
	case 0:
		s->base = gen_u64(r);
		break;
	case 1:
		s->limit = gen_u32(r);
		break;
	case 2:
		s->selector = gen_u32(r);
		break;
	case 3:
		s->type = rng_below(r, 16);
		break;
	case 4:
		s->present ^= 1;
		break;
	case 5:
		s->dpl = rng_below(r, 4);
		break;
	case 6:
		s->db ^= 1;
		break;
	case 7:
		s->s ^= 1;
		break;
	case 8:
		s->l ^= 1;
		break;
	case 9:
		s->g ^= 1;
		break;
	case 10:
		s->unusable ^= 1;
		break;
	default:
		rng_bytes(r, s, sizeof(*s));
		break;
	}
}

void mutate_sregs(struct rng *r, struct hv_sregs *sr)
{
	struct hv_segment *segs[] = { &sr->cs, &sr->ds, &sr->es, &sr->fs,
				      &sr->gs, &sr->ss, &sr->tr, &sr->ldt };
	int n = 1 + rng_below(r, 3);

	while (n--) {
		switch (rng_below(r, 14)) {
		case 0:
		case 1:
			mutate_segment(r, segs[rng_below(r, ARRAY_SIZE(segs))]);
			break;
		case 2:
			sr->gdt.base = gen_u64(r);
			sr->gdt.limit = gen_u32(r);
			break;
		case 3:
			sr->idt.base = gen_u64(r);
			sr->idt.limit = gen_u32(r);
			break;
		case 4:
			sr->cr0 ^= rng_one_in(r, 4) ? gen_u64(r) :
				1ULL << (rng_one_in(r, 2) ? rng_below(r, 6) :
					 16 + rng_below(r, 16));
			break;
		case 5:
			sr->cr3 = gen_u64(r);
			break;
		case 6:
			sr->cr4 ^= rng_one_in(r, 4) ? gen_u64(r) :
				1ULL << rng_below(r, 26);
			break;
		case 7:
			sr->cr8 = rng_one_in(r, 2) ? rng_below(r, 16) : gen_u64(r);
			break;
		case 8:
			sr->efer ^= rng_one_in(r, 4) ? gen_u64(r) :
				1ULL << rng_below(r, 16);
			break;
		case 9:
			sr->apic_base = rng_one_in(r, 2) ?
				(0xfee00000ULL | (rng_below(r, 4) << 10) |
				 (rng_below(r, 2) << 8)) : gen_u64(r);
			break;
		case 10:
			sr->interrupt_bitmap[rng_below(r, 4)] ^=
				1ULL << rng_below(r, 64);
			break;
		case 11:
			sr->cr2 = gen_u64(r);
			break;
		case 12:
			/* Long mode on or off, without the rest. */
			sr->efer ^= 0x500;
			break;
		default:
			rng_bytes(r, (u8 *)sr + rng_below(r, sizeof(*sr) - 8), 8);
			break;
		}
	}
}

void mutate_regs(struct rng *r, struct hv_regs *regs)
{
	__u64 *g = &regs->rax;
	int n = 1 + rng_below(r, 4);

	while (n--) {
		switch (rng_below(r, 4)) {
		case 0:
			regs->rflags ^= 1ULL << rng_below(r, 22);
			break;
		case 1:
			regs->rip = rng_one_in(r, 2) ? regs->rip + rng_below(r, 16) :
				    gen_u64(r);
			break;
		default:
			g[rng_below(r, 16)] = gen_u64(r);
			break;
		}
	}
}

/* ---- ioctl numbers ---- */

/*
 * KVM's x86 ioctls by the fd they belong to.  hv implements some; the
 * others must fail cleanly (ENOTTY) and, on the reference, are fuzzed
 * with random contents.  Numbers from the system's <linux/kvm.h>.
 */
static const unsigned long sys_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_MSR_INDEX_LIST,
	KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
	KVM_GET_EMULATED_CPUID, KVM_GET_MSR_FEATURE_INDEX_LIST,
	KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR,
	KVM_GET_MSRS,
};

static const unsigned long vm_ioctls[] = {
	KVM_CREATE_VCPU, KVM_GET_DIRTY_LOG, KVM_SET_NR_MMU_PAGES,
	KVM_GET_NR_MMU_PAGES, KVM_SET_USER_MEMORY_REGION, KVM_SET_TSS_ADDR,
	KVM_SET_IDENTITY_MAP_ADDR, KVM_CREATE_IRQCHIP, KVM_IRQ_LINE,
	KVM_IRQ_LINE_STATUS, KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, KVM_CREATE_PIT2,
	KVM_GET_PIT2, KVM_SET_PIT2, KVM_REGISTER_COALESCED_MMIO,
	KVM_UNREGISTER_COALESCED_MMIO, KVM_SET_GSI_ROUTING, KVM_IRQFD,
	KVM_IOEVENTFD, KVM_SET_CLOCK, KVM_GET_CLOCK, KVM_SET_BOOT_CPU_ID,
	KVM_ENABLE_CAP, KVM_SIGNAL_MSI, KVM_CREATE_DEVICE,
	KVM_SET_PMU_EVENT_FILTER, KVM_CLEAR_DIRTY_LOG, KVM_REINJECT_CONTROL,
	KVM_SET_TSC_KHZ, KVM_GET_TSC_KHZ, KVM_GET_STATS_FD,
	KVM_RESET_DIRTY_RINGS, KVM_CHECK_EXTENSION, KVM_GET_DEVICE_ATTR,
	KVM_X86_SET_MSR_FILTER,
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_TRANSLATE, KVM_INTERRUPT, KVM_GET_MSRS, KVM_SET_MSRS,
	KVM_SET_CPUID, KVM_SET_SIGNAL_MASK, KVM_GET_FPU, KVM_SET_FPU,
	KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_NMI,
	KVM_SMI, KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_SET_GUEST_DEBUG,
	KVM_X86_SETUP_MCE, KVM_X86_SET_MCE, KVM_GET_VCPU_EVENTS,
	KVM_SET_VCPU_EVENTS, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XSAVE2, KVM_GET_XCRS,
	KVM_SET_XCRS, KVM_KVMCLOCK_CTRL, KVM_GET_TSC_KHZ, KVM_SET_TSC_KHZ,
	KVM_ENABLE_CAP, KVM_GET_NESTED_STATE, KVM_SET_NESTED_STATE,
	KVM_TPR_ACCESS_REPORTING, KVM_SET_VAPIC_ADDR, KVM_GET_STATS_FD,
	KVM_GET_DEVICE_ATTR, KVM_SET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR,
	KVM_GET_ONE_REG, KVM_SET_ONE_REG,
};

unsigned long gen_ioctl_nr(struct rng *r, enum res_kind kind)
{
	unsigned long nr;

	switch (rng_below(r, 8)) {
	case 0:
		/* Any number of KVM's type, any direction and size. */
		return _IOC(rng_below(r, 4), KVMIO, rng_below(r, 256),
			    rng_below(r, 1 << 14));
	case 1:
		/* A known number with another direction or size. */
		nr = vcpu_ioctls[rng_below(r, ARRAY_SIZE(vcpu_ioctls))];
		return _IOC(rng_below(r, 4), _IOC_TYPE(nr), _IOC_NR(nr),
			    rng_one_in(r, 2) ? _IOC_SIZE(nr) + 1 : rng_below(r, 4096));
	case 2:
		return rng_one_in(r, 2) ? gen_u32(r) : _IO(rng_below(r, 256), rng_below(r, 256));
	default:
		break;
	}
	switch (rng_one_in(r, 4) ? rng_below(r, NR_RES) : kind) {
	case RES_DEV:
		return sys_ioctls[rng_below(r, ARRAY_SIZE(sys_ioctls))];
	case RES_VM:
		return vm_ioctls[rng_below(r, ARRAY_SIZE(vm_ioctls))];
	default:
		return vcpu_ioctls[rng_below(r, ARRAY_SIZE(vcpu_ioctls))];
	}
}
