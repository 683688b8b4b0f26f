// SPDX-License-Identifier: GPL-2.0
/*
 * vmm: a small example virtual machine monitor for /dev/hv.
 *
 *   vmm [--dev /dev/hv] [--mem MB] GUEST.bin
 *
 * It runs a flat 64-bit guest binary on one vCPU and plays a write-only
 * 16550 UART for it: what the guest writes to COM1 appears on stdout.  It
 * exits 0 when the guest executes HLT and 1 on anything it does not expect.
 *
 * The program is meant to be read from top to bottom: each step of main()
 * is one function below, in the order a VMM has to do them.  hv speaks
 * KVM's ABI, so every HV_* name has a KVM_* twin with the same number; the
 * comments give both, and this program runs unchanged on /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/hv.h>

/*
 * Guest-physical memory layout.  The guest sees one RAM slot starting at 0;
 * the VMM puts its boot data in the first pages and the binary at 1 MiB.
 *
 *   0x001000  GDT: null, 64-bit code, data descriptors
 *   0x002000  page map level 4 (PML4), what CR3 points at
 *   0x003000  page directory pointer table (PDPT)
 *   0x004000  page directory (PD): 512 2-MiB pages = the first 1 GiB
 *   ...       guest stack, growing down from GUEST_LOAD_ADDR
 *   0x100000  the guest binary (guest/hello.ld links it there); entry point
 */
#define GUEST_GDT_ADDR		0x1000
#define GUEST_PML4_ADDR		0x2000
#define GUEST_PDPT_ADDR		0x3000
#define GUEST_PD_ADDR		0x4000
#define GUEST_LOAD_ADDR		0x100000
#define GUEST_STACK_TOP		GUEST_LOAD_ADDR

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define DEFAULT_MEM_MB		2
#define MAX_MEM_MB		1024	/* what one page directory maps */

/* GDT selectors: index * 8 (table indicator 0, RPL 0). */
#define GDT_SEL_CODE		0x08
#define GDT_SEL_DATA		0x10
#define GDT_ENTRIES		3

/* x86 control-register and EFER bits used to enter long mode. */
#define X86_CR0_PE		(1ULL << 0)	/* protected mode */
#define X86_CR0_PG		(1ULL << 31)	/* paging */
#define X86_CR4_PAE		(1ULL << 5)	/* 64-bit page table entries */
#define X86_EFER_LME		(1ULL << 8)	/* long mode enable */
#define X86_EFER_LMA		(1ULL << 10)	/* long mode active */
#define X86_RFLAGS_FIXED	(1ULL << 1)	/* reserved, always 1 */

/* Page table entry bits. */
#define PTE_PRESENT		(1ULL << 0)
#define PTE_WRITE		(1ULL << 1)
#define PTE_LARGE		(1ULL << 7)	/* in a PD entry: a 2 MiB page */
#define PAGE_2M			(2ULL << 20)

/* The one device the guest sees: COM1, a 16550 UART. */
#define COM1_THR		0x3f8	/* transmit holding register */
#define COM1_LSR		0x3fd	/* line status register */
#define UART_LSR_TX_EMPTY	0x60	/* THRE | TEMT: ready for a byte */

struct vmm {
	int dev_fd;		/* /dev/hv: system ioctls */
	int vm_fd;		/* one VM: memory, vCPU creation */
	int vcpu_fd;		/* one vCPU: registers, RUN */
	uint8_t *mem;		/* guest RAM, mapped in this process */
	size_t mem_size;
	struct hv_run *run;	/* vCPU's shared run structure */
	size_t run_size;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);		/* guest output first, then our message */
	fputs("vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Host pointer to guest-physical address @gpa (all RAM is one slot at 0). */
static void *guest_ptr(struct vmm *vmm, uint64_t gpa)
{
	return vmm->mem + gpa;
}

/*
 * Step 1: open the device and check we speak the same ABI.
 *
 * HV_GET_API_VERSION (KVM_GET_API_VERSION) has answered 12 since Linux
 * 2.6.22; anything else is not this ABI.  Memory slots backed by user
 * memory (HV_CAP_USER_MEMORY, KVM_CAP_USER_MEMORY) are the only way this
 * program gives a guest RAM, so check for them too.
 */
static void vmm_open_device(struct vmm *vmm, const char *path)
{
	int version;

	vmm->dev_fd = open(path, O_RDWR | O_CLOEXEC);
	if (vmm->dev_fd < 0)
		die("open %s: %s", path, strerror(errno));

	version = ioctl(vmm->dev_fd, HV_GET_API_VERSION, 0);
	if (version < 0)
		die("HV_GET_API_VERSION: %s", strerror(errno));
	if (version != HV_API_VERSION)
		die("%s: API version %d, want %d", path, version,
		    HV_API_VERSION);

	if (ioctl(vmm->dev_fd, HV_CHECK_EXTENSION, HV_CAP_USER_MEMORY) <= 0)
		die("%s: no HV_CAP_USER_MEMORY", path);
}

/*
 * Step 2: create a VM (HV_CREATE_VM, KVM_CREATE_VM).  The argument is the
 * machine type; 0 is the default and the only one x86 has.  The new file
 * descriptor is the VM: closing it (and its vCPUs) destroys it.
 */
static void vmm_create_vm(struct vmm *vmm)
{
	vmm->vm_fd = ioctl(vmm->dev_fd, HV_CREATE_VM, 0);
	if (vmm->vm_fd < 0)
		die("HV_CREATE_VM: %s", strerror(errno));
}

/*
 * Step 3: give the VM RAM.  Guest memory is ordinary memory of this
 * process: we map it anonymously (so it starts zeroed) and tell the VM, with
 * HV_SET_USER_MEMORY_REGION (KVM_SET_USER_MEMORY_REGION), that slot 0 covers
 * guest-physical [0, mem_size) and lives at vmm->mem.  From then on the
 * guest and the VMM share these pages: the VMM loads the guest by simply
 * writing to vmm->mem.  Guest accesses outside every slot are MMIO exits.
 */
static void vmm_setup_memory(struct vmm *vmm, size_t mem_size)
{
	struct hv_userspace_memory_region region;

	vmm->mem_size = mem_size;
	vmm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->mem == MAP_FAILED)
		die("mmap guest memory (%zu bytes): %s", mem_size,
		    strerror(errno));

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.flags = 0;	/* writable, no dirty logging */
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vmm->mem;
	if (ioctl(vmm->vm_fd, HV_SET_USER_MEMORY_REGION, &region) < 0)
		die("HV_SET_USER_MEMORY_REGION: %s", strerror(errno));
}

/*
 * Step 4: copy the flat guest binary to GUEST_LOAD_ADDR.  A flat binary has
 * no headers: its first byte is its entry point.
 */
static void vmm_load_guest(struct vmm *vmm, const char *path)
{
	size_t room = vmm->mem_size - GUEST_LOAD_ADDR;
	uint8_t *dst = guest_ptr(vmm, GUEST_LOAD_ADDR);
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("stat %s: %s", path, strerror(errno));
	if (st.st_size == 0 || (size_t)st.st_size > room)
		die("%s: %lld bytes; it must be 1..%zu to fit at 0x%x",
		    path, (long long)st.st_size, room, GUEST_LOAD_ADDR);

	while (done < (size_t)st.st_size) {
		n = read(fd, dst + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read %s: %s", path, n ? strerror(errno) : "short");
		done += n;
	}
	close(fd);
}

/*
 * Step 5: create vCPU 0 (HV_CREATE_VCPU, KVM_CREATE_VCPU) and map its run
 * structure.  struct hv_run (struct kvm_run) is shared between the kernel
 * and us: after each RUN it says why the guest stopped and carries the data
 * of that exit (the I/O bytes, for instance).  Its size is not
 * sizeof(struct hv_run): the kernel may put more pages behind it, so ask
 * HV_GET_VCPU_MMAP_SIZE (KVM_GET_VCPU_MMAP_SIZE) on the device fd.
 */
static void vmm_create_vcpu(struct vmm *vmm)
{
	int size;

	vmm->vcpu_fd = ioctl(vmm->vm_fd, HV_CREATE_VCPU, 0);
	if (vmm->vcpu_fd < 0)
		die("HV_CREATE_VCPU: %s", strerror(errno));

	size = ioctl(vmm->dev_fd, HV_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		die("HV_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	if ((size_t)size < sizeof(struct hv_run))
		die("HV_GET_VCPU_MMAP_SIZE: %d, less than struct hv_run (%zu)",
		    size, sizeof(struct hv_run));

	vmm->run_size = size;
	vmm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			vmm->vcpu_fd, 0);
	if (vmm->run == MAP_FAILED)
		die("mmap vCPU run structure: %s", strerror(errno));
}

/* Encode the descriptor the CPU would load into @seg's hidden state. */
static uint64_t gdt_descriptor(const struct hv_segment *seg)
{
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;

	return (limit & 0xffff) |
	       (seg->base & 0xffffff) << 16 |
	       (uint64_t)seg->type << 40 |
	       (uint64_t)seg->s << 44 |
	       (uint64_t)seg->dpl << 45 |
	       (uint64_t)seg->present << 47 |
	       ((limit >> 16) & 0xf) << 48 |
	       (uint64_t)seg->avl << 52 |
	       (uint64_t)seg->l << 53 |
	       (uint64_t)seg->db << 54 |
	       (uint64_t)seg->g << 55 |
	       ((seg->base >> 24) & 0xff) << 56;
}

/*
 * Step 6: put the vCPU in 64-bit long mode.
 *
 * A new vCPU starts like a reset x86 CPU: 16-bit real mode at 0xfffffff0.
 * A boot loader would climb to long mode itself; a VMM can instead write
 * the end state straight into the special registers with
 * HV_SET_SREGS (KVM_SET_SREGS).  Long mode needs:
 *
 *  - paging with PAE page tables (CR4.PAE, CR0.PG, CR3 = PML4): we build
 *    an identity map of the first 1 GiB with 2 MiB pages, so guest-virtual
 *    equals guest-physical and the guest needs no paging code of its own;
 *  - EFER.LME (enable) and EFER.LMA (active; the CPU sets it when paging
 *    turns on with LME set, so we set both);
 *  - a 64-bit code segment (CS.L = 1, CS.DB = 0) and flat data segments.
 *
 * Segment registers have a visible selector and a hidden part (base,
 * limit, attributes) that the CPU normally loads from the GDT.  SET_SREGS
 * writes the hidden part directly, so the GDT is only needed if the guest
 * reloads a segment; we write a matching one anyway so that it could.
 * There is no IDT: any exception the guest takes becomes a triple fault,
 * i.e. an HV_EXIT_SHUTDOWN, which vmm_run_vcpu() reports.
 *
 * Start from HV_GET_SREGS so that everything we do not mention (TR, LDT,
 * APIC base...) keeps the valid reset values the kernel chose.
 */
static void vmm_setup_long_mode(struct vmm *vmm)
{
	uint64_t *pml4 = guest_ptr(vmm, GUEST_PML4_ADDR);
	uint64_t *pdpt = guest_ptr(vmm, GUEST_PDPT_ADDR);
	uint64_t *pd = guest_ptr(vmm, GUEST_PD_ADDR);
	uint64_t *gdt = guest_ptr(vmm, GUEST_GDT_ADDR);
	struct hv_segment code, data;
	struct hv_sregs sregs;
	int i;

	/* Identity page tables: PML4[0] -> PDPT[0] -> PD[0..511]. */
	pml4[0] = GUEST_PDPT_ADDR | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = GUEST_PD_ADDR | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < 512; i++)
		pd[i] = i * PAGE_2M | PTE_PRESENT | PTE_WRITE | PTE_LARGE;

	/* Flat segments: base 0, 4 GiB limit (ignored in 64-bit mode). */
	memset(&code, 0, sizeof(code));
	code.base = 0;
	code.limit = 0xffffffff;
	code.g = 1;		/* limit counts 4 KiB units in the GDT */
	code.present = 1;
	code.dpl = 0;		/* ring 0 */
	code.s = 1;		/* code/data, not a system segment */
	code.selector = GDT_SEL_CODE;
	code.type = 0xb;	/* execute/read, accessed */
	code.l = 1;		/* 64-bit code */
	code.db = 0;		/* must be 0 when L is 1 */

	data = code;
	data.selector = GDT_SEL_DATA;
	data.type = 0x3;	/* read/write, accessed */
	data.l = 0;
	data.db = 1;

	gdt[0] = 0;		/* the null descriptor */
	gdt[GDT_SEL_CODE / 8] = gdt_descriptor(&code);
	gdt[GDT_SEL_DATA / 8] = gdt_descriptor(&data);

	if (ioctl(vmm->vcpu_fd, HV_GET_SREGS, &sregs) < 0)
		die("HV_GET_SREGS: %s", strerror(errno));

	sregs.cs = code;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;

	sregs.gdt.base = GUEST_GDT_ADDR;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;

	sregs.cr3 = GUEST_PML4_ADDR;
	sregs.cr4 = X86_CR4_PAE;
	sregs.cr0 = X86_CR0_PE | X86_CR0_PG;
	sregs.efer = X86_EFER_LME | X86_EFER_LMA;

	if (ioctl(vmm->vcpu_fd, HV_SET_SREGS, &sregs) < 0)
		die("HV_SET_SREGS: %s", strerror(errno));
}

/*
 * Step 7: general registers (HV_SET_REGS, KVM_SET_REGS): where to start,
 * a stack, and one argument.  RFLAGS bit 1 is reserved and must be 1; IF
 * stays 0, as the guest has no interrupt handlers.  RDI hands the guest the
 * size of its RAM, the way a boot protocol passes information.
 */
static void vmm_setup_regs(struct vmm *vmm)
{
	struct hv_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_LOAD_ADDR;
	regs.rsp = GUEST_STACK_TOP;
	regs.rflags = X86_RFLAGS_FIXED;
	regs.rdi = vmm->mem_size;

	if (ioctl(vmm->vcpu_fd, HV_SET_REGS, &regs) < 0)
		die("HV_SET_REGS: %s", strerror(errno));
}

static const char *const exit_names[] = {
	[HV_EXIT_UNKNOWN]		= "UNKNOWN",
	[HV_EXIT_EXCEPTION]		= "EXCEPTION",
	[HV_EXIT_IO]			= "IO",
	[HV_EXIT_HYPERCALL]		= "HYPERCALL",
	[HV_EXIT_DEBUG]			= "DEBUG",
	[HV_EXIT_HLT]			= "HLT",
	[HV_EXIT_MMIO]			= "MMIO",
	[HV_EXIT_IRQ_WINDOW_OPEN]	= "IRQ_WINDOW_OPEN",
	[HV_EXIT_SHUTDOWN]		= "SHUTDOWN",
	[HV_EXIT_FAIL_ENTRY]		= "FAIL_ENTRY",
	[HV_EXIT_INTR]			= "INTR",
	[HV_EXIT_INTERNAL_ERROR]	= "INTERNAL_ERROR",
	[HV_EXIT_SYSTEM_EVENT]		= "SYSTEM_EVENT",
};

static const char *exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

/*
 * The device model: COM1 as far as a polling transmitter needs it.
 *
 * For an I/O exit the kernel has already decoded the IN or OUT: port,
 * direction, access size and repeat count (for REP INS/OUTS).  The data
 * lives inside the run structure at run->io.data_offset: for OUT the guest's
 * bytes are there to read; for IN we write the answer there and the kernel
 * puts it into the guest's register (or memory) on the next RUN.
 *
 * Returns 0 if the access was ours, -1 if not.
 */
static int vmm_handle_io(struct vmm *vmm)
{
	struct hv_run *run = vmm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (run->io.size != 1)
		return -1;

	if (run->io.port == COM1_THR && run->io.direction == HV_EXIT_IO_OUT) {
		fwrite(data, 1, run->io.count, stdout);
		return 0;
	}
	if (run->io.port == COM1_LSR && run->io.direction == HV_EXIT_IO_IN) {
		/* Always ready: bytes leave instantly through stdout. */
		memset(data, UART_LSR_TX_EMPTY, run->io.count);
		return 0;
	}
	return -1;
}

/* Registers, for the post-mortem of an unexpected exit. */
static void vmm_dump_vcpu(struct vmm *vmm)
{
	struct hv_sregs sregs;
	struct hv_regs regs;

	if (ioctl(vmm->vcpu_fd, HV_GET_REGS, &regs) < 0) {
		fprintf(stderr, "vmm:   HV_GET_REGS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"vmm:   rip %016llx rsp %016llx rflags %016llx\n"
		"vmm:   rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"vmm:   rsi %016llx rdi %016llx rbp %016llx\n",
		regs.rip, regs.rsp, regs.rflags,
		regs.rax, regs.rbx, regs.rcx, regs.rdx,
		regs.rsi, regs.rdi, regs.rbp);

	if (ioctl(vmm->vcpu_fd, HV_GET_SREGS, &sregs) < 0) {
		fprintf(stderr, "vmm:   HV_GET_SREGS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"vmm:   cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"vmm:   efer %016llx cs %04x (l=%u db=%u)\n",
		sregs.cr0, sregs.cr2, sregs.cr3, sregs.cr4, sregs.efer,
		sregs.cs.selector, sregs.cs.l, sregs.cs.db);
}

/* Say why the guest stopped, with the fields the kernel filled in. */
static void vmm_report_exit(struct vmm *vmm)
{
	struct hv_run *run = vmm->run;
	uint32_t i;

	fflush(stdout);
	fprintf(stderr, "vmm: unexpected exit %u (HV_EXIT_%s)\n",
		run->exit_reason, exit_name(run->exit_reason));

	switch (run->exit_reason) {
	case HV_EXIT_IO:
		fprintf(stderr, "vmm:   %s port 0x%x, size %u, count %u\n",
			run->io.direction == HV_EXIT_IO_OUT ? "OUT to" : "IN from",
			run->io.port, run->io.size, run->io.count);
		break;
	case HV_EXIT_MMIO:
		fprintf(stderr,
			"vmm:   %s guest-physical 0x%llx, length %u (outside RAM)\n",
			run->mmio.is_write ? "write to" : "read from",
			run->mmio.phys_addr, run->mmio.len);
		break;
	case HV_EXIT_SHUTDOWN:
		/* KVM resets the vCPU on shutdown: the registers may be gone. */
		fprintf(stderr,
			"vmm:   the guest shut down: usually a triple fault (an exception with no IDT)\n"
			"vmm:   (the registers below may already be the reset state)\n");
		break;
	case HV_EXIT_FAIL_ENTRY:
		fprintf(stderr,
			"vmm:   entry failed: hardware reason 0x%llx on host CPU %u\n",
			run->fail_entry.hardware_entry_failure_reason,
			run->fail_entry.cpu);
		break;
	case HV_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "vmm:   suberror %u, %u data words\n",
			run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, "vmm:   data[%u] 0x%llx\n", i,
				run->internal.data[i]);
		break;
	case HV_EXIT_UNKNOWN:
		fprintf(stderr, "vmm:   hardware exit reason 0x%llx\n",
			run->hw.hardware_exit_reason);
		break;
	case HV_EXIT_EXCEPTION:
		fprintf(stderr, "vmm:   exception %u, error code 0x%x\n",
			run->ex.exception, run->ex.error_code);
		break;
	}
	vmm_dump_vcpu(vmm);
}

/*
 * Step 8: run.  HV_RUN (KVM_RUN) enters the guest and returns when the
 * guest does something the kernel leaves to us; run->exit_reason says what.
 * We handle it and loop.
 *
 *  - HV_EXIT_IO: an IN or OUT; vmm_handle_io() plays the UART.
 *  - HV_EXIT_HLT: the guest is done.  HLT only reaches userspace because
 *    this VM has no in-kernel interrupt controller (we never create one),
 *    so nothing could ever wake the vCPU up: the kernel hands it to us.
 *  - everything else (SHUTDOWN, INTERNAL_ERROR, FAIL_ENTRY, MMIO, ...) is
 *    something this guest should never do: report it and fail.
 *
 * RUN fails with EINTR when a signal arrives for this thread; the guest
 * state is intact and we simply enter again.
 */
static int vmm_run_vcpu(struct vmm *vmm)
{
	for (;;) {
		if (ioctl(vmm->vcpu_fd, HV_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("HV_RUN: %s", strerror(errno));
		}

		switch (vmm->run->exit_reason) {
		case HV_EXIT_IO:
			if (vmm_handle_io(vmm) == 0)
				continue;
			break;
		case HV_EXIT_HLT:
			fflush(stdout);
			return 0;
		}
		vmm_report_exit(vmm);
		return 1;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm [--dev PATH] [--mem MB] GUEST.bin\n"
		"  Run a flat 64-bit guest binary, loaded at guest-physical 0x%x,\n"
		"  on one vCPU; its COM1 output goes to stdout.\n"
		"  --dev PATH   hypervisor device (default /dev/hv; /dev/kvm works too)\n"
		"  --mem MB     guest RAM in MiB, 2..%d (default %d)\n"
		"Exit status: 0 when the guest executes HLT, 1 on any other exit or error.\n",
		GUEST_LOAD_ADDR, MAX_MEM_MB, DEFAULT_MEM_MB);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = "/dev/hv";
	long mem_mb = DEFAULT_MEM_MB;
	struct vmm vmm;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "d:m:h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'm':
			mem_mb = strtol(optarg, &end, 10);
			/* The binary goes at 1 MiB, so 2 MiB is the least. */
			if (*end || mem_mb < 2 || mem_mb > MAX_MEM_MB)
				die("--mem %s: want 2..%d MiB", optarg,
				    MAX_MEM_MB);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}

	vmm_open_device(&vmm, dev);
	vmm_create_vm(&vmm);
	vmm_setup_memory(&vmm, (size_t)mem_mb << 20);
	vmm_load_guest(&vmm, argv[optind]);
	vmm_create_vcpu(&vmm);
	vmm_setup_long_mode(&vmm);
	vmm_setup_regs(&vmm);

	/*
	 * No teardown needed: exiting closes the vCPU, VM and device fds,
	 * which destroys the VM, and unmaps its memory.
	 */
	return vmm_run_vcpu(&vmm);
}
