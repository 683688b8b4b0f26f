// SPDX-License-Identifier: GPL-2.0
/*
 * hv selftest library: virtual machines with guest code (see vm.h).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <link.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm.h"

extern const u64 guest_exception_vectors[32];

#define PAGE_SIZE	4096ULL
#define SZ_2M		(2ULL << 20)
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))

/* ---- the test binary's image ---- */

struct image_range {
	u64 start, end;
};

static int image_phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct image_range *r = data;
	int i;

	/* The first object is the executable itself (non-PIE: addr 0). */
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		u64 s = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (!r->end || s < r->start)
			r->start = s;
		if (s + ph->p_memsz > r->end)
			r->end = s + ph->p_memsz;
	}
	return 1;
}

static struct image_range image_range(void)
{
	struct image_range r = { 0, 0 };

	dl_iterate_phdr(image_phdr_cb, &r);
	TEST_REQUIRE(r.end && r.end < (1ULL << 32) && r.start >= GPA_SCRATCH + GPA_SCRATCH_SIZE,
		     "the binary must be non-PIE and linked at 4 MiB..4 GiB (%#llx..%#llx)",
		     (unsigned long long)r.start, (unsigned long long)r.end);
	return r;
}

static int image_copy_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct vm *vm = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		u64 s = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		/* Everything is mapped from the page start to the end of memsz. */
		memcpy(vm_gpa2hva(vm, s & ~(PAGE_SIZE - 1)),
		       (void *)(uintptr_t)(s & ~(PAGE_SIZE - 1)),
		       ALIGN_UP(s + ph->p_memsz, PAGE_SIZE) - (s & ~(PAGE_SIZE - 1)));
	}
	return 1;
}

/* ---- descriptor tables and page tables ---- */

static u64 gdt_entry(u32 base, u32 limit, u8 type, bool s, bool l, bool db)
{
	u64 d = (limit & 0xffffULL) | ((u64)(base & 0xffffff) << 16);

	d |= (u64)type << 40;
	d |= (u64)s << 44;		/* S: code/data */
	d |= 1ULL << 47;		/* P */
	d |= (u64)((limit >> 16) & 0xf) << 48;
	d |= (u64)l << 53;
	d |= (u64)db << 54;
	d |= 1ULL << 55;		/* G */
	d |= (u64)(base >> 24) << 56;
	return d;
}

static void setup_tables(struct vm *vm)
{
	u64 *pml4 = vm_gpa2hva(vm, GPA_PML4);
	u64 *pdpt = vm_gpa2hva(vm, GPA_PDPT);
	u64 *gdt = vm_gpa2hva(vm, GPA_GDT);
	u64 *idt = vm_gpa2hva(vm, GPA_IDT);
	int i, j;

	/* Identity map of 0..4 GiB with 2 MiB pages: P, RW, PS. */
	pml4[0] = GPA_PDPT | 0x3;
	for (i = 0; i < 4; i++) {
		u64 *pd = vm_gpa2hva(vm, GPA_PD + i * PAGE_SIZE);

		pdpt[i] = (GPA_PD + i * PAGE_SIZE) | 0x3;
		for (j = 0; j < 512; j++)
			pd[j] = ((u64)i << 30) + j * SZ_2M + 0x83;
	}

	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = gdt_entry(0, 0xfffff, 0xb, true, true, false);
	gdt[SEL_DATA / 8] = gdt_entry(0, 0xfffff, 0x3, true, false, true);
	gdt[SEL_CODE32 / 8] = gdt_entry(0, 0xfffff, 0xb, true, false, true);
	/* 64-bit TSS, busy, 16 bytes, byte granular */
	gdt[SEL_TSS / 8] = gdt_entry((u32)GPA_TSS, 0x67, 0xb, false, false, false) &
			   ~(1ULL << 55);
	gdt[SEL_TSS / 8 + 1] = GPA_TSS >> 32;

	/* 64-bit interrupt gates to the exception stubs. */
	for (i = 0; i < 32; i++) {
		u64 off = guest_exception_vectors[i];

		idt[2 * i] = (off & 0xffff) | ((u64)SEL_CODE64 << 16) |
			     (0xeULL << 40) | (1ULL << 47) |
			     (((off >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = off >> 32;
	}
}

/*
 * GUEST_LONG64: an interrupt gate for @vector to @handler (guest code,
 * ending in IRETQ), and an IDT limit that covers it for @vcpu.
 */
void vcpu_set_idt_gate(struct vcpu *vcpu, int vector, const void *handler)
{
	u64 *idt = vm_gpa2hva(vcpu->vm, GPA_IDT);
	u64 off = (u64)(uintptr_t)handler;
	struct hv_sregs sr;

	idt[2 * vector] = (off & 0xffff) | ((u64)SEL_CODE64 << 16) |
			  (0xeULL << 40) | (1ULL << 47) |
			  (((off >> 16) & 0xffff) << 48);
	idt[2 * vector + 1] = off >> 32;
	vcpu_get_sregs(vcpu, &sr);
	if (sr.idt.limit < (vector + 1) * 16 - 1) {
		sr.idt.limit = (vector + 1) * 16 - 1;
		vcpu_set_sregs(vcpu, &sr);
	}
}

/* ---- VMs and slots ---- */

struct vm *vm_new(enum guest_mode mode)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	long sz;

	TEST_REQUIRE(vm, "out of memory");
	vm->mode = mode;
	vm->devfd = dev_open();
	vm->fd = vm_create(vm->devfd);
	sz = ioctl(vm->devfd, HV_GET_VCPU_MMAP_SIZE, 0);
	TEST_REQUIRE(sz >= (long)sizeof(struct hv_run), "GET_VCPU_MMAP_SIZE: %ld (%s)",
		     sz, strerror(errno));
	vm->run_size = sz;

	if (mode != GUEST_NONE) {
		struct image_range r = image_range();
		u64 size = ALIGN_UP(r.end, SZ_2M);

		vm_add_anon_slot(vm, 0, 0, 0, size);
		setup_tables(vm);
		dl_iterate_phdr(image_copy_cb, vm);
	}
	return vm;
}

void vm_free(struct vm *vm)
{
	int i;

	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_free(vm->vcpus[i]);
	close(vm->fd);
	close(vm->devfd);
	/* The VM is gone (unless a vCPU fd leaked): now unmap its memory. */
	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].owned)
			munmap(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

static struct vm_slot *slot_find(struct vm *vm, u32 slot)
{
	int i;

	for (i = 0; i < VM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].slot == slot)
			return &vm->slots[i];
	return NULL;
}

int vm_set_slot(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size,
		void *hva)
{
	struct hv_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (u64)(uintptr_t)hva,
	};
	struct vm_slot *s;
	int i;

	if (ioctl(vm->fd, HV_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	s = slot_find(vm, slot);
	if (!size) {
		if (s) {
			if (s->owned)
				munmap(s->hva, s->size);
			s->used = false;
		}
		return 0;
	}
	if (!s) {
		for (i = 0; i < VM_MAX_SLOTS && vm->slots[i].used; i++)
			;
		if (i == VM_MAX_SLOTS)	/* only tracked for gpa2hva */
			return 0;
		s = &vm->slots[i];
		s->owned = false;
	}
	s->used = true;
	s->slot = slot;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
	return 0;
}

int vm_delete_slot(struct vm *vm, u32 slot)
{
	struct vm_slot *s = slot_find(vm, slot);

	return vm_set_slot(vm, slot, s ? s->flags : 0, s ? s->gpa : 0, 0,
			   s ? s->hva : NULL);
}

void *vm_add_anon_slot(struct vm *vm, u32 slot, u32 flags, u64 gpa, u64 size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int r;

	TEST_REQUIRE(hva != MAP_FAILED, "mmap %llu bytes: %s",
		     (unsigned long long)size, strerror(errno));
	r = vm_set_slot(vm, slot, flags, gpa, size, hva);
	TEST_REQUIRE(r == 0, "slot %u at %#llx size %#llx: %s", slot,
		     (unsigned long long)gpa, (unsigned long long)size, strerror(-r));
	slot_find(vm, slot)->owned = true;
	return hva;
}

void *vm_gpa2hva(struct vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VM_MAX_SLOTS; i++) {
		struct vm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return (char *)s->hva + (gpa - s->gpa);
	}
	return NULL;
}

void vm_load_blob(struct vm *vm, u64 gpa, const void *start, const void *end)
{
	size_t len = (const char *)end - (const char *)start;
	char *dst = vm_gpa2hva(vm, gpa);

	TEST_REQUIRE(dst && vm_gpa2hva(vm, gpa + len - 1), "blob at %#llx",
		     (unsigned long long)gpa);
	memcpy(dst, start, len);
}

/* ---- vCPUs ---- */

struct vcpu *vcpu_new(struct vm *vm, int id)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));

	TEST_REQUIRE(vcpu && id >= 0 && id < GUEST_MAX_VCPUS && !vm->vcpus[id],
		     "vcpu %d", id);
	vcpu->vm = vm;
	vcpu->id = id;
	/* A hypervisor that cannot run guests on this CPU says so. */
	if (ioctl(vm->devfd, HV_CHECK_EXTENSION, HV_CAP_MAX_VCPUS) == 0)
		ktap_skip_all("no vCPUs on this CPU (CHECK_EXTENSION(MAX_VCPUS) is 0)");
	vcpu->fd = ioctl(vm->fd, HV_CREATE_VCPU, id);
	TEST_REQUIRE(vcpu->fd >= 0, "CREATE_VCPU %d: %s", id, strerror(errno));
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	TEST_REQUIRE(vcpu->run != MAP_FAILED, "mmap vcpu %d: %s", id, strerror(errno));
	vm->vcpus[id] = vcpu;
	if (vm->mode != GUEST_NONE)
		vcpu_setup_mode(vcpu, vm->mode);
	return vcpu;
}

void vcpu_free(struct vcpu *vcpu)
{
	vcpu->vm->vcpus[vcpu->id] = NULL;
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void vcpu_get_regs(struct vcpu *vcpu, struct hv_regs *regs)
{
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_GET_REGS, regs), "GET_REGS: %s",
		     strerror(errno));
}

void vcpu_set_regs(struct vcpu *vcpu, const struct hv_regs *regs)
{
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_SET_REGS, regs), "SET_REGS: %s",
		     strerror(errno));
}

void vcpu_get_sregs(struct vcpu *vcpu, struct hv_sregs *sregs)
{
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_GET_SREGS, sregs), "GET_SREGS: %s",
		     strerror(errno));
}

void vcpu_set_sregs(struct vcpu *vcpu, const struct hv_sregs *sregs)
{
	TEST_REQUIRE(!ioctl(vcpu->fd, HV_SET_SREGS, sregs), "SET_SREGS: %s",
		     strerror(errno));
}

u64 vcpu_rip(struct vcpu *vcpu)
{
	struct hv_regs regs;

	vcpu_get_regs(vcpu, &regs);
	return regs.rip;
}

static void seg_flat(struct hv_segment *s, u16 sel, u8 type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

static void seg_real(struct hv_segment *s, u16 sel, u8 type)
{
	memset(s, 0, sizeof(*s));
	s->base = (u64)sel << 4;
	s->limit = 0xffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

void vcpu_setup_mode(struct vcpu *vcpu, enum guest_mode mode)
{
	struct hv_sregs sr;
	struct hv_regs regs;

	vcpu_get_sregs(vcpu, &sr);
	if (mode == GUEST_PROT32 || mode == GUEST_LONG64) {
		bool l = mode == GUEST_LONG64;

		seg_flat(&sr.cs, l ? SEL_CODE64 : SEL_CODE32, 0xb, l);
		seg_flat(&sr.ds, SEL_DATA, 0x3, false);
		sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
		memset(&sr.tr, 0, sizeof(sr.tr));
		sr.tr.base = GPA_TSS;
		sr.tr.limit = 0x67;
		sr.tr.selector = SEL_TSS;
		sr.tr.type = 0xb;
		sr.tr.present = 1;
		memset(&sr.ldt, 0, sizeof(sr.ldt));
		sr.ldt.type = 0x2;
		sr.ldt.unusable = 1;
		sr.gdt.base = GPA_GDT;
		sr.gdt.limit = 6 * 8 - 1;
		sr.idt.base = GPA_IDT;
		sr.idt.limit = l ? 32 * 16 - 1 : 0;
		sr.cr0 = 0x1 | 0x2 | 0x10 | 0x20;	/* PE MP ET NE */
		sr.cr4 = (1 << 9) | (1 << 10);		/* OSFXSR OSXMMEXCPT */
		sr.efer = 0;
		if (l) {
			sr.cr0 |= (1ULL << 31) | (1 << 16);	/* PG WP */
			sr.cr4 |= 1 << 5;			/* PAE */
			sr.cr3 = GPA_PML4;
			sr.efer = (1 << 8) | (1 << 10);		/* LME LMA */
		}
	} else if (mode == GUEST_REAL) {
		seg_real(&sr.cs, 0, 0xb);
		seg_real(&sr.ds, 0, 0x3);
		sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	}
	vcpu_set_sregs(vcpu, &sr);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	vcpu_set_regs(vcpu, &regs);
}

static u64 stack_top(struct vcpu *vcpu)
{
	return GPA_STACKS + (vcpu->id + 1) * GUEST_STACK_SIZE;
}

void vcpu_enter(struct vcpu *vcpu, const void *fn, int nargs, ...)
{
	struct hv_regs regs;
	struct hv_sregs sr;
	u64 args[6] = { 0 };
	va_list ap;
	int i;

	TEST_REQUIRE(nargs >= 0 && nargs <= 6, "nargs %d", nargs);
	va_start(ap, nargs);
	for (i = 0; i < nargs; i++)
		args[i] = va_arg(ap, u64);
	va_end(ap);

	vcpu_get_regs(vcpu, &regs);
	regs.rflags = 0x2;
	switch (vcpu->vm->mode) {
	case GUEST_LONG64:
		regs.rip = (u64)(uintptr_t)guest_trampoline;
		regs.rax = (u64)(uintptr_t)fn;
		regs.rdi = args[0];
		regs.rsi = args[1];
		regs.rdx = args[2];
		regs.rcx = args[3];
		regs.r8 = args[4];
		regs.r9 = args[5];
		regs.rsp = stack_top(vcpu);
		break;
	case GUEST_PROT32:
		regs.rip = (u64)(uintptr_t)fn;
		regs.rsp = stack_top(vcpu);
		regs.rax = args[0];
		regs.rbx = args[1];
		regs.rcx = args[2];
		regs.rdx = args[3];
		break;
	case GUEST_REAL:
		vcpu_get_sregs(vcpu, &sr);
		seg_real(&sr.cs, (u64)(uintptr_t)fn >> 4, 0xb);
		seg_real(&sr.ds, (u64)(uintptr_t)fn >> 4, 0x3);
		sr.es = sr.ss = sr.ds;
		vcpu_set_sregs(vcpu, &sr);
		regs.rip = (u64)(uintptr_t)fn & 0xf;
		regs.rsp = 0xfff0;
		regs.rax = args[0];
		regs.rbx = args[1];
		regs.rcx = args[2];
		regs.rdx = args[3];
		break;
	default:
		TEST_REQUIRE(0, "vcpu_enter on a GUEST_NONE VM");
	}
	vcpu_set_regs(vcpu, &regs);
}

/* ---- running ---- */

int vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, HV_RUN, 0) < 0 ? -errno : 0;
}

const char *exit_reason_str(u32 reason)
{
	static const char *const names[] = {
		[HV_EXIT_UNKNOWN] = "UNKNOWN", [HV_EXIT_EXCEPTION] = "EXCEPTION",
		[HV_EXIT_IO] = "IO", [HV_EXIT_HYPERCALL] = "HYPERCALL",
		[HV_EXIT_DEBUG] = "DEBUG", [HV_EXIT_HLT] = "HLT",
		[HV_EXIT_MMIO] = "MMIO", [HV_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[HV_EXIT_SHUTDOWN] = "SHUTDOWN", [HV_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[HV_EXIT_INTR] = "INTR", [HV_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[HV_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

const char *vcpu_exit_str(struct vcpu *vcpu)
{
	static char buf[512];
	struct hv_run *run = vcpu->run;
	int n;
	u32 i;

	n = snprintf(buf, sizeof(buf), "exit %u (%s)", run->exit_reason,
		     exit_reason_str(run->exit_reason));
	switch (run->exit_reason) {
	case HV_EXIT_IO:
		snprintf(buf + n, sizeof(buf) - n,
			 ": %s port %#x size %u count %u data_offset %llu",
			 run->io.direction == HV_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count,
			 (unsigned long long)run->io.data_offset);
		break;
	case HV_EXIT_MMIO:
		snprintf(buf + n, sizeof(buf) - n,
			 ": %s phys %#llx len %u data %#llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 *(unsigned long long *)run->mmio.data);
		break;
	case HV_EXIT_FAIL_ENTRY:
		snprintf(buf + n, sizeof(buf) - n, ": reason %#llx cpu %u",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		break;
	case HV_EXIT_UNKNOWN:
		snprintf(buf + n, sizeof(buf) - n, ": hardware reason %#llx",
			 (unsigned long long)run->hw.hardware_exit_reason);
		break;
	case HV_EXIT_EXCEPTION:
		snprintf(buf + n, sizeof(buf) - n, ": exception %u error %#x",
			 run->ex.exception, run->ex.error_code);
		break;
	case HV_EXIT_INTERNAL_ERROR:
		n += snprintf(buf + n, sizeof(buf) - n, ": suberror %u ndata %u:",
			      run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16 && n < (int)sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - n, " %#llx",
				      (unsigned long long)run->internal.data[i]);
		break;
	}
	return buf;
}

static void explain_exit(struct vcpu *vcpu, const char *what)
{
	struct ucall uc;
	struct hv_regs regs;

	ktap_info("%s: %s", what, vcpu_exit_str(vcpu));
	if (vcpu_get_ucall(vcpu, &uc) != UCALL_NONE)
		ucall_print(vcpu->vm, &uc, what);
	if (!ioctl(vcpu->fd, HV_GET_REGS, &regs))
		ktap_info("%s: guest rip %#llx rsp %#llx rax %#llx", what,
			  (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			  (unsigned long long)regs.rax);
}

bool vcpu_run_expect(struct vcpu *vcpu, u32 exit_reason, const char *what)
{
	int r = vcpu_run(vcpu);

	if (r) {
		ktap_info("%s: KVM_RUN failed: %s (exit_reason %u)", what,
			  strerror(-r), vcpu->run->exit_reason);
		return false;
	}
	if (vcpu->run->exit_reason == exit_reason)
		return true;
	ktap_info("%s: expected exit %s, got:", what, exit_reason_str(exit_reason));
	explain_exit(vcpu, what);
	return false;
}

u32 vcpu_get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct hv_run *run = vcpu->run;
	struct ucall *g;
	u32 gpa;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != HV_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != HV_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return UCALL_NONE;
	memcpy(&gpa, vcpu_io_data(vcpu), 4);
	g = vm_gpa2hva(vcpu->vm, gpa);
	if (!g || !vm_gpa2hva(vcpu->vm, gpa + sizeof(*uc) - 1))
		return UCALL_NONE;
	memcpy(uc, g, sizeof(*uc));
	return uc->cmd;
}

u32 vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	int r = vcpu_run(vcpu);

	if (r) {
		memset(uc, 0, sizeof(*uc));
		ktap_info("KVM_RUN failed: %s", strerror(-r));
		return UCALL_NONE;
	}
	return vcpu_get_ucall(vcpu, uc);
}

static const char *ucall_name(u32 cmd)
{
	switch (cmd) {
	case UCALL_NONE: return "none";
	case UCALL_SYNC: return "SYNC";
	case UCALL_DONE: return "DONE";
	case UCALL_ASSERT: return "ASSERT";
	case UCALL_EXCEPTION: return "EXCEPTION";
	}
	return "?";
}

/* A string in guest memory (bounded), or "?" */
static const char *guest_str(struct vm *vm, u64 gva)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ % 4];
	size_t i;

	for (i = 0; i < sizeof(buf[0]) - 1; i++) {
		const char *c = gva ? vm_gpa2hva(vm, gva + i) : NULL;

		if (!c)
			break;
		b[i] = *c;
		if (!*c)
			return b;
	}
	b[i] = '\0';
	return i ? b : "?";
}

void ucall_print(struct vm *vm, const struct ucall *uc, const char *what)
{
	char msg[512];
	const char *fmt;
	u64 a[UCALL_MAX_ARGS];
	int i;

	switch (uc->cmd) {
	case UCALL_ASSERT:
		/*
		 * The guest's format and string arguments are in its copy of
		 * the binary: strings are passed as guest addresses, which
		 * are the host's addresses of the same strings (%s args).
		 */
		fmt = guest_str(vm, uc->fmt);
		for (i = 0; i < UCALL_MAX_ARGS; i++)
			a[i] = uc->args[i];
		snprintf(msg, sizeof(msg), fmt, a[0], a[1], a[2], a[3], a[4], a[5]);
		ktap_info("%s: guest assertion at %s:%u: %s", what,
			  guest_str(vm, uc->file), uc->line, msg);
		break;
	case UCALL_EXCEPTION:
		ktap_info("%s: guest exception vector %llu error %#llx at rip %#llx (cr2 %#llx)",
			  what, (unsigned long long)uc->args[0],
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2],
			  (unsigned long long)uc->args[3]);
		break;
	default:
		ktap_info("%s: ucall %s (%u) from line %u, args %#llx %#llx %#llx", what,
			  ucall_name(uc->cmd), uc->cmd, uc->line,
			  (unsigned long long)uc->args[0],
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2]);
	}
}

bool vcpu_expect_ucall(struct vcpu *vcpu, u32 cmd, struct ucall *uc,
		       const char *what)
{
	struct ucall tmp;
	u32 got;

	if (!uc)
		uc = &tmp;
	got = vcpu_run_ucall(vcpu, uc);
	if (got == cmd)
		return true;
	ktap_info("%s: expected ucall %s, got %s", what, ucall_name(cmd),
		  ucall_name(got));
	if (got == UCALL_NONE)
		explain_exit(vcpu, what);
	else
		ucall_print(vcpu->vm, uc, what);
	return false;
}

/* ---- device facts ---- */

long dev_check_extension(int fd, long cap)
{
	return ioctl(fd, HV_CHECK_EXTENSION, cap);
}

bool host_is_amd(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x68747541;	/* "Auth"enticAMD */
}

bool host_has_avx(void)
{
	unsigned int a, b, c, d;
	u32 lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 28)) || !(c & (1u << 27)))
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

struct hv_cpuid2 *dev_supported_cpuid(int devfd)
{
	int n = 64;

	for (;;) {
		struct hv_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		TEST_REQUIRE(c, "out of memory");
		c->nent = n;
		if (!ioctl(devfd, HV_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG || n > 4096)
			return NULL;
		n *= 2;
	}
}

struct hv_cpuid_entry2 *cpuid_find(struct hv_cpuid2 *c, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

const char *dev_avx_unavailable(void)
{
	const char *why = NULL;
	int devfd = dev_open();
	struct hv_cpuid_entry2 *e1, *ed;
	struct hv_cpuid2 *c;

	if (!host_has_avx())
		why = "the host CPU has no AVX enabled";
	else if (dev_check_extension(devfd, HV_CAP_EXT_CPUID) <= 0)
		why = "no KVM_CAP_EXT_CPUID (KVM_SET_CPUID2 is needed for guest XSAVE/AVX)";
	else if (dev_check_extension(devfd, HV_CAP_XCRS) <= 0)
		why = "no KVM_CAP_XCRS (needed to set the guest's XCR0)";
	else if (!(c = dev_supported_cpuid(devfd)))
		why = "KVM_GET_SUPPORTED_CPUID failed";
	else {
		e1 = cpuid_find(c, 1, 0);
		ed = cpuid_find(c, 0xd, 0);
		if (!e1 || !(e1->ecx & (1u << 26)) || !(e1->ecx & (1u << 28)) ||
		    !ed || (ed->eax & 7) != 7)
			why = "KVM_GET_SUPPORTED_CPUID offers no XSAVE+AVX";
		free(c);
	}
	close(devfd);
	return why;
}

const char *vcpu_enable_avx(struct vcpu *vcpu)
{
	const char *why = dev_avx_unavailable();
	struct hv_cpuid2 *c;
	struct hv_xcrs xcrs;
	struct hv_sregs sr;

	if (why)
		return why;
	c = dev_supported_cpuid(vcpu->vm->devfd);
	if (!c || ioctl(vcpu->fd, HV_SET_CPUID2, c)) {
		ktap_info("KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
		return "KVM_SET_CPUID2 failed";
	}
	free(c);
	vcpu_get_sregs(vcpu, &sr);
	sr.cr4 |= 1ULL << 18;		/* OSXSAVE */
	if (ioctl(vcpu->fd, HV_SET_SREGS, &sr))
		return "KVM_SET_SREGS with CR4.OSXSAVE failed";
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = 7;		/* x87 SSE YMM */
	if (ioctl(vcpu->fd, HV_SET_XCRS, &xcrs))
		return "KVM_SET_XCRS failed";
	return NULL;
}
