// SPDX-License-Identifier: GPL-2.0
/*
 * HV_GET_STATS_FD: a VM's or a vCPU's statistics as a read-only file in
 * KVM's binary format (Documentation/abi.md, "Statistics"): a header, an
 * id string, the descriptors, then the values, read with pread.
 *
 * A vCPU counts every exit it handles and the time its handler took, by
 * reason (core/run.c: hv_vcpu_handle_exit): two local_clock() reads and
 * three additions per exit, cheap enough to stay on; and KVM's halt_*
 * counters (core/halt_poll.c).  A VM's statistics
 * are its vCPU count, the sums over its vCPUs, and the MMU-notifier
 * invalidations that dropped guest mappings (core/mmu_notifier.c).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "hv.h"

#define HV_STATS_NAME_SIZE	48	/* KVM_STATS_NAME_SIZE */

/* struct hv_stats_desc with its name, as the file holds it. */
struct hv_stats_desc_named {
	u32 flags;
	s16 exponent;
	u16 size;
	u32 offset;
	u32 bucket_size;
	char name[HV_STATS_NAME_SIZE];
};

#define HV_COUNTER	(HV_STATS_TYPE_CUMULATIVE | HV_STATS_UNIT_NONE | \
			 HV_STATS_BASE_POW10)
#define HV_TIME_NS	(HV_STATS_TYPE_CUMULATIVE | HV_STATS_UNIT_SECONDS | \
			 HV_STATS_BASE_POW10)

/* The names of enum hv_exit_stat's reasons in the statistics. */
static const char * const hv_exit_stat_names[HV_NR_EXIT_STATS] = {
	[HV_EXIT_STAT_OTHER]		= "other",
	[HV_EXIT_STAT_INTR]		= "intr",
	[HV_EXIT_STAT_WINDOW]		= "window",
	[HV_EXIT_STAT_EXCEPTION]	= "exception",
	[HV_EXIT_STAT_CPUID]		= "cpuid",
	[HV_EXIT_STAT_HLT]		= "hlt",
	[HV_EXIT_STAT_IO]		= "io",
	[HV_EXIT_STAT_RDMSR]		= "rdmsr",
	[HV_EXIT_STAT_WRMSR]		= "wrmsr",
	[HV_EXIT_STAT_NPF]		= "npf",
	[HV_EXIT_STAT_MMIO]		= "mmio",
	[HV_EXIT_STAT_CR]		= "cr",
	[HV_EXIT_STAT_DR]		= "dr",
	[HV_EXIT_STAT_XSETBV]		= "xsetbv",
	[HV_EXIT_STAT_HYPERCALL]	= "hypercall",
	[HV_EXIT_STAT_INSN]		= "insn",
	[HV_EXIT_STAT_SHUTDOWN]		= "shutdown",
	[HV_EXIT_STAT_FAIL]		= "fail",
};

/* The VM's values, in this order: its vCPUs, and sums over them. */
enum {
	HV_VM_VCPUS,
	HV_VM_EXITS,
	HV_VM_EXIT_NS,
	HV_VM_USERSPACE_EXITS,
	HV_VM_MMU_INVALIDATIONS,
	HV_NR_VM_STATS
};

/* A vCPU's values: struct hv_vcpu_stats, all u64. */
#define HV_VCPU_NR_VALUES	(sizeof(struct hv_vcpu_stats) / sizeof(u64))
#define HV_VCPU_NR_DESCS	(5 + 2 * HV_NR_EXIT_STATS + 7)

static void hv_desc(struct hv_stats_desc_named *d, u32 flags, s16 exponent,
		    size_t offset, const char *fmt, const char *name)
{
	d->flags = flags;
	d->exponent = exponent;
	d->size = 1;
	d->offset = offset;
	snprintf(d->name, sizeof(d->name), fmt, name);
}

/* A field of struct hv_vcpu_stats under its own name, KVM's. */
#define HV_HALT_DESC(flags, exp, field)					\
	hv_desc(&d[n++], flags, exp, offsetof(struct hv_vcpu_stats, field), \
		"%s", #field)

/* Fill @d with the descriptors of a vCPU's (or, if !vcpu, a VM's) file. */
static u32 hv_stats_descs(struct hv_stats_desc_named *d, bool vcpu)
{
	u32 n = 0, i;

	if (!vcpu) {
		hv_desc(&d[n++], HV_STATS_TYPE_INSTANT | HV_STATS_UNIT_NONE |
			HV_STATS_BASE_POW10, 0, HV_VM_VCPUS * 8, "%s", "vcpus");
		hv_desc(&d[n++], HV_COUNTER, 0, HV_VM_EXITS * 8, "%s", "exits");
		hv_desc(&d[n++], HV_TIME_NS, -9, HV_VM_EXIT_NS * 8, "%s",
			"exit_ns");
		hv_desc(&d[n++], HV_COUNTER, 0, HV_VM_USERSPACE_EXITS * 8, "%s",
			"userspace_exits");
		hv_desc(&d[n++], HV_COUNTER, 0, HV_VM_MMU_INVALIDATIONS * 8, "%s",
			"mmu_invalidations");
		return n;
	}
	hv_desc(&d[n++], HV_COUNTER, 0, offsetof(struct hv_vcpu_stats, exits),
		"%s", "exits");
	hv_desc(&d[n++], HV_TIME_NS, -9,
		offsetof(struct hv_vcpu_stats, exit_ns), "%s", "exit_ns");
	hv_desc(&d[n++], HV_COUNTER, 0,
		offsetof(struct hv_vcpu_stats, userspace_exits), "%s",
		"userspace_exits");
	hv_desc(&d[n++], HV_COUNTER, 0,
		offsetof(struct hv_vcpu_stats, npf_retries), "%s",
		"npf_retries");
	hv_desc(&d[n++], HV_TIME_NS, -9,
		offsetof(struct hv_vcpu_stats, npf_host_ns), "%s",
		"npf_host_ns");
	for (i = 0; i < HV_NR_EXIT_STATS; i++)
		hv_desc(&d[n++], HV_COUNTER, 0,
			offsetof(struct hv_vcpu_stats, count) + i * 8,
			"exit_%s", hv_exit_stat_names[i]);
	for (i = 0; i < HV_NR_EXIT_STATS; i++)
		hv_desc(&d[n++], HV_TIME_NS, -9,
			offsetof(struct hv_vcpu_stats, ns) + i * 8,
			"exit_%s_ns", hv_exit_stat_names[i]);
	HV_HALT_DESC(HV_COUNTER, 0, halt_successful_poll);
	HV_HALT_DESC(HV_COUNTER, 0, halt_attempted_poll);
	HV_HALT_DESC(HV_COUNTER, 0, halt_poll_invalid);
	HV_HALT_DESC(HV_COUNTER, 0, halt_wakeup);
	HV_HALT_DESC(HV_TIME_NS, -9, halt_poll_success_ns);
	HV_HALT_DESC(HV_TIME_NS, -9, halt_poll_fail_ns);
	HV_HALT_DESC(HV_TIME_NS, -9, halt_wait_ns);
	return n;
}

struct hv_stats_file {
	struct hv_vm *vm;		/* holds a reference */
	struct hv_vcpu *vcpu;		/* NULL: the VM's statistics */
	char id[HV_STATS_NAME_SIZE];
	u32 ndescs;
	struct hv_stats_desc_named descs[HV_VCPU_NR_DESCS];
};

/* Copy what of [start, start + len) the read still wants, advancing it. */
static int hv_stats_copy(char __user **buf, size_t *size, loff_t *pos,
			 loff_t start, const void *src, size_t len)
{
	size_t off, n;

	if (!*size || *pos < start || *pos >= start + (loff_t)len)
		return 0;
	off = *pos - start;
	n = min(len - off, *size);
	if (copy_to_user(*buf, (const char *)src + off, n))
		return -EFAULT;
	*buf += n;
	*size -= n;
	*pos += n;
	return 0;
}

static void hv_vm_stats_values(struct hv_vm *vm, u64 *v)
{
	struct hv_vcpu *vcpu;
	unsigned long i;

	v[HV_VM_VCPUS] = READ_ONCE(vm->nr_vcpus);
	v[HV_VM_MMU_INVALIDATIONS] = atomic64_read(&vm->mmu_invalidations);
	/* Published vCPUs stay until hv_vm_free (core/hv.h, [p]). */
	xa_for_each(&vm->vcpus, i, vcpu) {
		v[HV_VM_EXITS] += READ_ONCE(vcpu->stats.exits);
		v[HV_VM_EXIT_NS] += READ_ONCE(vcpu->stats.exit_ns);
		v[HV_VM_USERSPACE_EXITS] += READ_ONCE(vcpu->stats.userspace_exits);
	}
}

static ssize_t hv_stats_read(struct file *file, char __user *buf, size_t size,
			     loff_t *ppos)
{
	struct hv_stats_file *sf = file->private_data;
	u64 values[HV_VCPU_NR_VALUES] = { 0 };	/* a VM's fit too */
	struct hv_stats_header h = {
		.name_size = HV_STATS_NAME_SIZE,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + HV_STATS_NAME_SIZE,
	};
	size_t descs_size, values_size, want = size;
	loff_t pos = *ppos;
	int r;

	if (sf->vcpu) {
		const u64 *src = (const u64 *)&sf->vcpu->stats;
		size_t i;

		values_size = sizeof(struct hv_vcpu_stats);
		for (i = 0; i < HV_VCPU_NR_VALUES; i++)
			values[i] = READ_ONCE(src[i]);
	} else {
		values_size = HV_NR_VM_STATS * sizeof(u64);
		hv_vm_stats_values(sf->vm, values);
	}
	h.num_desc = sf->ndescs;
	descs_size = sf->ndescs * sizeof(sf->descs[0]);
	h.data_offset = h.desc_offset + descs_size;

	r = hv_stats_copy(&buf, &size, &pos, 0, &h, sizeof(h));
	if (!r)
		r = hv_stats_copy(&buf, &size, &pos, h.id_offset, sf->id,
				  sizeof(sf->id));
	if (!r)
		r = hv_stats_copy(&buf, &size, &pos, h.desc_offset, sf->descs,
				  descs_size);
	if (!r)
		r = hv_stats_copy(&buf, &size, &pos, h.data_offset, values,
				  values_size);
	if (r)
		return r;
	*ppos = pos;
	return want - size;
}

static int hv_stats_release(struct inode *inode, struct file *file)
{
	struct hv_stats_file *sf = file->private_data;

	hv_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations hv_stats_fops = {
	.owner = THIS_MODULE,
	.read = hv_stats_read,
	.release = hv_stats_release,
	.llseek = noop_llseek,
};

static int hv_stats_fd(struct hv_vm *vm, struct hv_vcpu *vcpu)
{
	struct hv_stats_file *sf;
	struct file *file;
	int fd;

	/* The file's layout is struct hv_stats_desc followed by its name. */
	BUILD_BUG_ON(offsetof(struct hv_stats_desc_named, name) !=
		     sizeof(struct hv_stats_desc));
	BUILD_BUG_ON(sizeof(struct hv_vcpu_stats) % sizeof(u64));
	BUILD_BUG_ON(HV_NR_VM_STATS > HV_VCPU_NR_VALUES);

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->vcpu = vcpu;
	sf->ndescs = hv_stats_descs(sf->descs, vcpu);
	/* KVM's ids: tools (and KVM's selftests) check the "kvm" prefix. */
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvm-%d/vcpu-%u",
			 task_pid_nr(current), vcpu->id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvm-%d", task_pid_nr(current));

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err_free;
	file = anon_inode_getfile("hv-stats", &hv_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err_free;
	}
	/* Read with pread, at the offsets the header gives. */
	file->f_mode |= FMODE_PREAD;
	hv_vm_get(vm);
	fd_install(fd, file);
	return fd;

err_free:
	kfree(sf);
	return fd;
}

int hv_vm_stats_fd(struct hv_vm *vm)
{
	return hv_stats_fd(vm, NULL);
}

int hv_vcpu_stats_fd(struct hv_vcpu *vcpu)
{
	return hv_stats_fd(vcpu->vm, vcpu);
}
