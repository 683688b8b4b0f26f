// SPDX-License-Identifier: GPL-2.0
/*
 * Several vCPUs at once, and vCPUs moving between host CPUs:
 *  - 4 vCPUs, one thread each, on however many host CPUs there are (2 in
 *    the lab): each adds to a shared counter with LOCK-prefixed adds and
 *    makes port-I/O exits whose data the guest checks; the totals are
 *    exact, and each vCPU's private counter is its own;
 *  - a vCPU thread hopping between host CPUs (sched_setaffinity before
 *    every KVM_RUN) while its guest counts in registers: every exit
 *    carries the next count, and KVM_GET_REGS shows the registers the
 *    guest computed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "lib/vm.h"
#include "lib/guest.h"

#define NR_VCPUS	4
#define ROUNDS		150	/* I/O exits per vCPU */
#define ADDS		400	/* locked adds per round */
#define SMP_PORT	0x70
#define HOP_PORT	0x71
#define HOP_BAD_PORT	0x72
#define HOPS		300

static volatile u64 shared_counter;
static volatile u64 racy_counter;	/* unlocked adds: shows real concurrency */
static volatile u64 private_counter[NR_VCPUS];

static void guest_smp(u64 id)
{
	u64 round, i, v;

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < ADDS; i++)
			asm volatile("lock addq $1, %0\n\taddq $1, %1"
				     : "+m"(shared_counter), "+m"(racy_counter) : : "memory");
		private_counter[id]++;
		outl(SMP_PORT, (u32)(id << 16 | round));
		v = inl(SMP_PORT);
		GUEST_ASSERT_EQ(v, round * 3 + id);
	}
	GUEST_SYNC(private_counter[id]);
}

struct smp_vcpu {
	struct vcpu *vcpu;
	pthread_t thread;
	u64 outs, ins, bad;
	u64 final_private;
	bool done;
	char why[300];
};

static void *smp_thread(void *arg)
{
	struct smp_vcpu *sv = arg;
	struct hv_run *run = sv->vcpu->run;
	u64 id = sv->vcpu->id;
	struct ucall uc;

	for (;;) {
		if (vcpu_run(sv->vcpu)) {
			snprintf(sv->why, sizeof(sv->why), "KVM_RUN: %s", strerror(errno));
			return NULL;
		}
		if (run->exit_reason == HV_EXIT_IO && run->io.port == SMP_PORT &&
		    run->io.size == 4 && run->io.count == 1) {
			u32 *data = vcpu_io_data(sv->vcpu);

			if (run->io.direction == HV_EXIT_IO_OUT) {
				if (*data != (u32)(id << 16 | sv->outs))
					sv->bad++;
				sv->outs++;
			} else {
				*data = (u32)(sv->ins * 3 + id);
				sv->ins++;
			}
			continue;
		}
		switch (vcpu_get_ucall(sv->vcpu, &uc)) {
		case UCALL_SYNC:
			sv->final_private = uc.args[0];
			continue;
		case UCALL_DONE:
			sv->done = true;
			return NULL;
		case UCALL_ASSERT:
		case UCALL_EXCEPTION:
			ucall_print(sv->vcpu->vm, &uc, "smp guest");
			/* fall through */
		default:
			snprintf(sv->why, sizeof(sv->why), "%s", vcpu_exit_str(sv->vcpu));
			return NULL;
		}
	}
}

static void test_smp_counter(void)
{
	struct vm *vm = vm_new(GUEST_LONG64);
	struct smp_vcpu sv[NR_VCPUS];
	bool all_done = true, io_ok = true, priv_ok = true;
	struct timespec deadline;
	u64 total;
	int i;

	memset(sv, 0, sizeof(sv));
	for (i = 0; i < NR_VCPUS; i++) {
		sv[i].vcpu = vcpu_new(vm, i);
		vcpu_enter(sv[i].vcpu, guest_smp, 1, (u64)i);
	}
	for (i = 0; i < NR_VCPUS; i++)
		TEST_REQUIRE(!pthread_create(&sv[i].thread, NULL, smp_thread, &sv[i]), "thread");
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 90;
	for (i = 0; i < NR_VCPUS; i++) {
		if (pthread_timedjoin_np(sv[i].thread, NULL, &deadline)) {
			ktap_result(false, "vCPU %d's thread finished within 90 s (stuck in KVM_RUN?)", i);
			ktap_end();
		}
		if (!sv[i].done) {
			ktap_info("vCPU %d: %s", i, sv[i].why);
			all_done = false;
		}
		io_ok &= sv[i].outs == ROUNDS && sv[i].ins == ROUNDS && !sv[i].bad;
		priv_ok &= sv[i].final_private == ROUNDS &&
			   guest_var(vm, private_counter)[0][i] == ROUNDS;
	}
	ktap_info("%ld host CPUs online", sysconf(_SC_NPROCESSORS_ONLN));
	ktap_result(all_done, "%d vCPU threads ran their guests to the end", NR_VCPUS);
	total = *guest_var(vm, shared_counter);
	ktap_result(total == (u64)NR_VCPUS * ROUNDS * ADDS,
		    "shared counter after LOCK adds from %d vCPUs: %llu (want %llu)", NR_VCPUS,
		    (unsigned long long)total, (unsigned long long)NR_VCPUS * ROUNDS * ADDS);
	ktap_info("the same adds without LOCK: %llu (less shows the vCPUs ran in parallel)",
		  (unsigned long long)*guest_var(vm, racy_counter));
	ktap_result(io_ok, "every vCPU made exactly %d OUT and %d IN exits with its own data",
		    ROUNDS, ROUNDS);
	ktap_result(priv_ok, "each vCPU's private counter is %d", ROUNDS);
	vm_free(vm);
}

/* ---- hopping between host CPUs ---- */

static void guest_hop(void)
{
	asm volatile(
		"	xor %%r12, %%r12\n"
		"1:	inc %%r12\n"
		"	mov %%r12, %%r13\n"
		"	not %%r13\n"
		"	lea (%%r12, %%r12, 2), %%r14\n"
		"	mov %%r12, %%rax\n"
		"	outl %%eax, %0\n"
		"	mov %%r12, %%r15\n"
		"	not %%r15\n"
		"	cmp %%r15, %%r13\n"
		"	jne 2f\n"
		"	lea (%%r12, %%r12, 2), %%r15\n"
		"	cmp %%r15, %%r14\n"
		"	jne 2f\n"
		"	jmp 1b\n"
		"2:	outl %%eax, %1\n"
		"	hlt\n"
		: : "i"(HOP_PORT), "i"(HOP_BAD_PORT)
		: "rax", "r12", "r13", "r14", "r15", "memory", "cc");
}

static void test_hopping(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct vm *vm;
	struct vcpu *vcpu;
	struct hv_regs regs;
	cpu_set_t set, saved;
	bool exits_ok = true, regs_ok = true, moved_ok = true;
	int i, cpu, cpus_seen = 0;
	u64 seen_mask = 0;

	if (ncpu < 2) {
		ktap_skip("hopping between host CPUs", "only %ld host CPU online", ncpu);
		return;
	}
	vm = vm_new(GUEST_LONG64);
	vcpu = vcpu_new(vm, 0);
	vcpu_enter(vcpu, guest_hop, 0);
	sched_getaffinity(0, sizeof(saved), &saved);
	for (i = 0; i < HOPS; i++) {
		cpu = i % (ncpu < 64 ? ncpu : 64);
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) == 0) {
			if (sched_getcpu() != cpu)
				moved_ok = false;
			seen_mask |= 1ULL << cpu;
		}
		if (!vcpu_run_expect(vcpu, HV_EXIT_IO, "hop")) {
			exits_ok = false;
			break;
		}
		if (vcpu->run->io.port != HOP_PORT ||
		    *(u32 *)vcpu_io_data(vcpu) != (u32)(i + 1)) {
			ktap_info("hop %d: %s data %#x", i, vcpu_exit_str(vcpu),
				  *(u32 *)vcpu_io_data(vcpu));
			exits_ok = false;
			break;
		}
		vcpu_get_regs(vcpu, &regs);
		if (regs.r12 != (u64)i + 1 || regs.r13 != ~((u64)i + 1) ||
		    regs.r14 != 3 * ((u64)i + 1))
			regs_ok = false;
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	for (i = 0; i < 64; i++)
		cpus_seen += !!(seen_mask & (1ULL << i));
	ktap_result(moved_ok && cpus_seen >= 2, "the vCPU thread ran on %d host CPUs", cpus_seen);
	ktap_result(exits_ok, "%d KVM_RUNs, each on another CPU: every exit carries the next count",
		    HOPS);
	ktap_result(exits_ok && regs_ok, "KVM_GET_REGS after each: r12/r13/r14 as the guest computed");
	vm_free(vm);
}

int main(int argc, char **argv)
{
	ktap_begin(argc, argv);
	test_smp_counter();
	test_hopping();
	ktap_end();
}
