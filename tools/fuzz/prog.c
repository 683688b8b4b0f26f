// SPDX-License-Identifier: GPL-2.0
/*
 * Programs: the operations of one iteration, generated from (seed,
 * iteration) before anything runs, so a program can be printed, cut
 * short (--ops) and have operations dropped (--skip) without changing the
 * others: each operation carries its own seed.
 *
 * Most programs start with a prologue on thread 0 that builds a working
 * guest (open the device, map memory, create a VM, a slot and a vCPU, set
 * a guest up, run it); then operations are drawn by weight, naming
 * resources by small indices so that threads keep meeting on the same
 * objects.  A vCPU's runs go mostly to "its" thread, so vCPUs run in
 * parallel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const struct {
	const char *name;
	unsigned int weight;
} op_table[NR_OPS] = {
	[OP_OPEN_DEV] = { "open_dev", 2 },
	[OP_CLOSE] = { "close", 5 },
	[OP_DUP] = { "dup", 1 },
	[OP_SYS_IOCTL] = { "sys_ioctl", 4 },
	[OP_CREATE_VM] = { "create_vm", 3 },
	[OP_VM_IOCTL] = { "vm_ioctl", 3 },
	[OP_CREATE_VCPU] = { "create_vcpu", 5 },
	[OP_SET_MEMREGION] = { "set_memregion", 9 },
	[OP_VCPU_IOCTL] = { "vcpu_ioctl", 12 },
	[OP_MMAP_RUN] = { "mmap_run", 2 },
	[OP_MUNMAP_RUN] = { "munmap_run", 1 },
	[OP_SCRIBBLE_RUN] = { "scribble_run", 3 },
	[OP_GUEST_SETUP] = { "guest_setup", 8 },
	[OP_RUN] = { "run", 16 },
	[OP_MEM_MAP] = { "mem_map", 3 },
	[OP_MEM_UNMAP] = { "mem_unmap", 2 },
	[OP_MEM_REMAP] = { "mem_remap", 2 },
	[OP_MEM_ADVISE] = { "mem_advise", 4 },
	[OP_MEM_PROTECT] = { "mem_protect", 1 },
	[OP_MEM_WRITE] = { "mem_write", 2 },
	[OP_MEM_MIGRATE] = { "mem_migrate", 1 },
	[OP_MEM_TRUNCATE] = { "mem_truncate", 1 },
	[OP_FORK] = { "fork", 1 },
	[OP_SIGNAL] = { "signal", 3 },
	[OP_AFFINITY] = { "affinity", 1 },
	[OP_RLIMIT] = { "rlimit", 1 },
	[OP_SLEEP] = { "sleep", 2 },
	[OP_RANDOM_IOCTL] = { "random_ioctl", 3 },
};

const char *op_name(unsigned int kind)
{
	return kind < NR_OPS ? op_table[kind].name : "?";
}

static unsigned int pick_kind(struct rng *r)
{
	static unsigned int total;
	unsigned int i, x;

	if (!total)
		for (i = 0; i < NR_OPS; i++)
			total += op_table[i].weight;
	x = rng_below(r, total);
	for (i = 0; i < NR_OPS; i++) {
		if (x < op_table[i].weight)
			return i;
		x -= op_table[i].weight;
	}
	return OP_SLEEP;
}

/* A small index, mostly 0 or 1: threads keep meeting on the same objects. */
static u8 pick_idx(struct rng *r, int n)
{
	return rng_pct(r, 70) ? rng_below(r, MIN(n, 2)) : rng_below(r, n);
}

static struct op *add(struct prog *p, struct rng *r, int kind, int thread,
		      int a, int b)
{
	struct op *op = &p->ops[p->nops++];

	op->kind = kind;
	op->thread = thread;
	op->a = a;
	op->b = b;
	op->fail_nth = rng_one_in(r, 30) ? 1 + rng_below(r, 24) : 0;
	op->seed = rng_next(r);
	return op;
}

void prog_generate(struct prog *p, u64 seed, u64 iter, int max_ops)
{
	struct rng r;
	int n, i, kind, t, a, b;

	rng_seed(&r, mix64(seed, iter));
	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->iter = iter;
	p->nthreads = 1 + rng_below(&r, MAX_THREADS);
	if (p->nthreads == 1 && rng_pct(&r, 60))
		p->nthreads = 2;
	if (max_ops < 24)
		max_ops = 24;
	n = 16 + rng_below(&r, max_ops - 16);
	p->ops = calloc(n + 16, sizeof(*p->ops));
	if (!p->ops)
		abort();

	/* The prologue: a guest that runs (no fault injection there). */
	if (rng_pct(&r, 85)) {
		int vcpus = 1 + rng_below(&r, MIN(p->nthreads, 3));

		add(p, &r, OP_OPEN_DEV, 0, 0, 0);
		add(p, &r, OP_MEM_MAP, 0, 0, 0);
		if (rng_one_in(&r, 2))
			add(p, &r, OP_MEM_MAP, 0, 1, 0);
		add(p, &r, OP_CREATE_VM, 0, 0, 0);
		add(p, &r, OP_SET_MEMREGION, 0, 0, 0);
		for (i = 0; i < vcpus; i++) {
			add(p, &r, OP_CREATE_VCPU, 0, 0, i);
			add(p, &r, OP_GUEST_SETUP, 0, i, 0);
		}
		for (i = 0; i < vcpus; i++)
			add(p, &r, OP_RUN, i % p->nthreads, i, 0);
		for (i = 0; i < p->nops; i++)
			p->ops[i].fail_nth = 0;
	}

	while (p->nops < n) {
		kind = pick_kind(&r);
		t = rng_below(&r, p->nthreads);
		a = pick_idx(&r, NR_VCPU);
		b = pick_idx(&r, NR_VCPU);
		switch (kind) {
		case OP_RUN:
			/* Mostly on the vCPU's own thread. */
			if (rng_pct(&r, 75))
				t = a % p->nthreads;
			break;
		case OP_CLOSE:
		case OP_DUP:
		case OP_RANDOM_IOCTL:
			a = rng_below(&r, NR_RES);
			break;
		case OP_SET_MEMREGION:
			b = pick_idx(&r, NR_MEM);
			break;
		default:
			break;
		}
		add(p, &r, kind, t, a, b);
	}
}

void prog_trim(struct prog *p, int n, const bool *skip)
{
	int i;

	if (n >= 0 && n < p->nops)
		p->nops = n;
	/* Dropped operations stay in place as no-ops: numbers do not move. */
	for (i = 0; skip && i < p->nops; i++)
		if (skip[i])
			p->ops[i].kind = OP_SKIPPED;
}

void prog_free(struct prog *p)
{
	free(p->ops);
	p->ops = NULL;
}

void prog_print(const struct prog *p, const bool *skip)
{
	int i;

	printf("fuzz: program: seed %#llx iteration %llu, %d threads, %d operations\n",
	       (unsigned long long)p->seed, (unsigned long long)p->iter,
	       p->nthreads, p->nops);
	for (i = 0; i < p->nops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_SKIPPED || (skip && skip[i]))
			continue;
		printf("fuzz:   #%-3d t%d %-14s a=%u b=%u%s seed=%016llx",
		       i, op->thread, op_name(op->kind), op->a, op->b,
		       op->fail_nth ? " fail-nth" : "", (unsigned long long)op->seed);
		if (op->fail_nth)
			printf(" (fail call %u)", op->fail_nth);
		putchar('\n');
	}
	fflush(stdout);
}
