// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 programmable interval timer (PIT) and port 0x61.
 *
 * References: Intel 8254 Programmable Interval Timer datasheet (order
 * 231164), "Control Word Format", "Mode Definitions", "Read Operations",
 * "Read-Back Command"; Intel 82C54 datasheet (order 231244), "Mode 3",
 * for the odd-count square wave; the IBM PC/AT Technical Reference for
 * the 14.31818 MHz / 12 input clock and System Control Port B (0x61).
 * The ABI (HV_CREATE_PIT2, HV_GET/SET_PIT2, HV_REINJECT_CONTROL) is KVM's.
 *
 * The model.  No counter is stepped: each remembers its initial count
 * and the host time it was loaded (load_time, CLOCK_MONOTONIC), and a
 * read computes the current count and OUT from the input clocks elapsed
 * since then.  Counters 1 and 2 need nothing more (the guest polls
 * them, counter 2's OUT through bit 5 of port 0x61).  Counter 0 drives
 * GSI 0, so its terminal counts are also timed on an hrtimer: modes 2
 * and 3 periodically, modes 0, 1 and 4 once per count load, as KVM
 * times them.  Mode 5 is started by a GATE edge that counter 0, whose
 * GATE is tied high on the PC, never sees: it is not timed.  BCD
 * counting is not modelled (the bit is kept and reported), as in KVM.
 *
 * A tick is not injected from the hrtimer callback but from a kthread
 * worker (hv-pit/<tgid>):
 *  - the guest's acknowledgment of a tick arrives through an ack
 *    notifier that runs under the core's ack spinlock; injecting from
 *    there would re-enter the PIC/IOAPIC paths that take that lock.  A
 *    single place that injects, serialized by the worker, keeps the
 *    reinjection bookkeeping a few fields under one small spinlock;
 *  - the callback stays a counter update and a queue_work, in hard
 *    interrupt context on the host;
 *  - as KVM's kvm-pit thread, the worker is a thread the host's
 *    administrator can give a priority and CPU affinity to.
 *
 * Reinjection (HV_REINJECT_CONTROL, on by default as in KVM): ticks
 * that fire while the previous one has not been acknowledged yet are
 * counted (pending) and injected one per acknowledgment, so a guest
 * that counts ticks to keep time does not lose any.  Without it, a
 * tick that fires before the previous one was injected is dropped.
 * KVM also drops the backlog when the guest unmasks IRQ0 (a mask
 * notifier); there is none here.  Instead the backlog is bounded to
 * about a second of ticks, and when it is full while a tick is still
 * unacknowledged that tick is taken as lost (a masked edge) and the
 * backlog dropped: a guest that masks IRQ0 cannot stall the PIT for
 * good, nor have the host count without bound.
 *
 * Differences from KVM that a guest or the VMM may see: counter 0's
 * count and OUT are computed from its load time, as the other
 * counters' (KVM derives them from the hrtimer), so HV_GET_PIT2 reports
 * counter 0's real load time where KVM reports a stale value; OUT and
 * the status byte's NULL COUNT follow the datasheet in modes 1, 2, 4
 * and 5 (KVM inverts OUT there and never sets NULL COUNT); when the
 * minimum period is enforced, counter 0 still counts at the 8254's rate
 * and only its interrupts are slowed down; unknown flags are dropped by
 * HV_SET_PIT2.  As in KVM, port 0x61 is served only with
 * HV_PIT_SPEAKER_DUMMY (without it the VMM emulates 0x61 itself).
 *
 * Locking legend:
 *   [c]  constant after hv_pit_create
 *   [m]  pit->lock (mutex): port handlers (vCPU threads) and ioctls
 *   [t]  pit->tick_lock (spinlock, irqsave): the hrtimer callback, the
 *        ack notifier and the worker
 *   [mt] written under both, read under either
 *   [x]  written under [m] only while the hrtimer is cancelled; read by
 *        the hrtimer callback
 * Order: vm->irqchip->lock -> pit->lock -> ack_lock -> tick_lock (the
 * ports are registered and removed without pit->lock).  Neither the
 * hrtimer callback nor the worker takes pit->lock, so pit->lock holders
 * may cancel the one and flush the other.
 */
#define pr_fmt(fmt) "hv: pit: " fmt

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "core/hv.h"
#include "io/irqchip.h"

/* ---- constants ---- */

#define PIT_BASE_PORT		0x40	/* counters 0-2, then control */
#define PIT_NR_PORTS		4
#define PIT_CONTROL		3	/* port 0x43, relative to the base */
#define PIT_SPEAKER_PORT	0x61
/* KVM registers 4 ports at 0x61 and takes only 0x61 itself. */
#define PIT_SPEAKER_LEN		4

/*
 * The input clock: the PC's 14.31818 MHz crystal divided by 12, i.e.
 * 3579545 / 3 Hz (1193181.67 Hz), kept as a fraction to stay exact.
 */
#define PIT_CLK_MUL		3579545U
#define PIT_CLK_DIV		3000000000U

/* A count of 0 is the largest: 2^16 in binary (8254, "Write Operations"). */
#define PIT_MAX_COUNT		0x10000U

/*
 * The shortest period counter 0 may make the host's hrtimer fire at, as
 * KVM's min_timer_period_us default: hrtimers are not throttled by the
 * scheduler, so a guest must not get one that storms the host.
 */
#define PIT_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

/* Counter modes, control word bits 3-1; 6 and 7 alias 2 and 3. */
#define PIT_MODE_NONE		0xff	/* never programmed (KVM's reset) */

/*
 * Read/write states: the control word's RW field (bits 5-4) and where
 * a 16-bit transfer stands.  0 is a counter never programmed; it acts
 * as LSB, as in KVM, so that KVM's reset state round-trips.
 */
#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD0		3	/* LSB then MSB: next is the LSB */
#define PIT_RW_WORD1		4	/* next is the MSB */

/* Control word (port 0x43). */
#define PIT_CW_SC(v)		((v) >> 6)		/* counter; 3: read-back */
#define PIT_CW_RW(v)		(((v) >> 4) & 3)	/* 0: counter latch */
#define PIT_CW_MODE(v)		(((v) >> 1) & 7)
#define PIT_CW_BCD		0x01
#define PIT_SC_READBACK		3
/* Read-back command: bits set to 0 select the latch. */
#define PIT_RB_NO_COUNT		0x20
#define PIT_RB_NO_STATUS	0x10
#define PIT_RB_COUNTER(i)	(2U << (i))

/* Status byte (read-back). */
#define PIT_ST_OUT		0x80
#define PIT_ST_NULL_COUNT	0x40

/* Port 0x61, System Control Port B (PC/AT). */
#define PIT_SPK_GATE2		0x01
#define PIT_SPK_DATA		0x02
#define PIT_SPK_REFRESH		0x10
#define PIT_SPK_OUT2		0x20

#define PIT_KNOWN_FLAGS	(HV_PIT_FLAGS_HPET_LEGACY | HV_PIT_FLAGS_SPEAKER_DATA_ON)

/* ---- the device ---- */

/* One counter, in KVM's terms (struct hv_pit_channel_state). */
struct hv_pit_channel {
	u32 count;		/* initial count, 1..PIT_MAX_COUNT */
	u16 latched_count;
	u8 count_latched;	/* PIT_RW_* of the latched count; 0: none */
	bool status_latched;
	u8 status;
	u8 read_state;		/* PIT_RW_* */
	u8 write_state;		/* PIT_RW_* */
	u8 write_latch;		/* the LSB of a 16-bit count being written */
	u8 rw_mode;		/* PIT_RW_LSB..PIT_RW_WORD0, 0: never set */
	u8 mode;		/* 0-5, or PIT_MODE_NONE */
	u8 bcd;
	bool gate;
	bool null_count;	/* control word or LSB written, not loaded */
	ktime_t load_time;	/* host CLOCK_MONOTONIC of the last load */
};

struct hv_pit {
	struct hv_vm *vm;			/* [c] */
	struct hv_io_device dev;		/* [c] ports 0x40-0x43 */
	struct hv_io_device speaker;		/* [c] port 0x61 */
	bool has_speaker;			/* [c] HV_PIT_SPEAKER_DUMMY */
	int source_id;				/* [c] */

	struct mutex lock;			/* [m]: registers and state */
	struct hv_pit_channel ch[3];		/* [m] */
	u32 flags;				/* [m] HV_PIT_FLAGS_* */

	/* Counter 0's terminal counts. */
	struct hrtimer timer;			/* armed, cancelled under [m] */
	u64 period;				/* [x] ns */
	bool periodic;				/* [x] */
	u32 max_pending;			/* [x] about a second of ticks */

	/* Injection and reinjection. */
	struct kthread_worker *worker;		/* [c] */
	struct kthread_work tick_work;		/* [c] */
	struct hv_irq_ack_notifier ack;		/* registered iff reinject */
	spinlock_t tick_lock;			/* [t]: the fields below */
	bool reinject;				/* [mt] */
	u32 pending;				/* [t] ticks not injected yet */
	bool in_flight;				/* [t] injected, not acked */
};

static struct hv_pit *hv_pit_get(struct hv_vm *vm)
{
	/* Pairs with the release in hv_pit_create. */
	return smp_load_acquire(&vm->irqchip->pit);
}

/* ---- counters: count and OUT from the elapsed time ---- */

/* Input clocks since @c was loaded. */
static u64 pit_clocks(const struct hv_pit_channel *c, ktime_t now)
{
	s64 ns = ktime_to_ns(ktime_sub(now, c->load_time));

	if (ns <= 0)
		return 0;
	return mul_u64_u32_div(ns, PIT_CLK_MUL, PIT_CLK_DIV);
}

/* The phase of a periodic mode: clocks since the last reload. */
static u32 pit_phase(u64 clocks, u32 count)
{
	u32 rem;

	div_u64_rem(clocks, count, &rem);
	return rem;
}

/*
 * Mode 3 decrements by two.  An even count N reads N, N-2, ..., 2 in
 * each half.  An odd count (82C54, "Mode 3") loses 1 on the first clock
 * of the high half and 3 on the first clock of the low half, so that
 * OUT is high for (N+1)/2 clocks and low for (N-1)/2.
 */
static u32 pit_square_count(u32 n, u64 clocks)
{
	u32 p = pit_phase(clocks, n);
	u32 high = (n + 1) / 2;

	if (!(n & 1))
		return n - 2 * (p % (n / 2));
	if (p < high)
		return p ? n + 1 - 2 * p : n;
	p -= high;
	return p ? n - 1 - 2 * p : n;
}

/* The counting element as a read shows it (8254, "Mode Definitions"). */
static u16 pit_count(const struct hv_pit_channel *c, ktime_t now)
{
	u64 clocks = pit_clocks(c, now);

	switch (c->mode) {
	case 2:
		/* N, N-1, ..., 1, then reloaded: never reads 0 (but 2^16). */
		return c->count - pit_phase(clocks, c->count);
	case 3:
		return pit_square_count(c->count, clocks);
	default:
		/* Modes 0, 1, 4, 5 wrap to 0xffff and go on counting. */
		return (c->count - clocks) & 0xffff;
	}
}

static bool pit_out(const struct hv_pit_channel *c, ktime_t now)
{
	u64 clocks = pit_clocks(c, now);
	u32 n = c->count;

	switch (c->mode) {
	case 2:
		/* Low for the one clock in which the count is 1. */
		return pit_phase(clocks, n) != n - 1;
	case 3:
		return pit_phase(clocks, n) < (n + 1) / 2;
	case 4:
	case 5:
		/* A strobe: low for one clock at the terminal count. */
		return clocks != n;
	default:
		/* Modes 0 and 1: low until the terminal count, then high. */
		return clocks >= n;
	}
}

static void pit_latch_count(struct hv_pit_channel *c)
{
	/* Only the first latch holds until it is read (8254, "Read Operations"). */
	if (c->count_latched)
		return;
	c->latched_count = pit_count(c, ktime_get());
	c->count_latched = c->rw_mode ? c->rw_mode : PIT_RW_LSB;
}

static void pit_latch_status(struct hv_pit_channel *c)
{
	if (c->status_latched)
		return;
	c->status = (pit_out(c, ktime_get()) ? PIT_ST_OUT : 0) |
		    (c->null_count ? PIT_ST_NULL_COUNT : 0) |
		    (c->rw_mode << 4) |
		    ((c->mode <= 5 ? c->mode : 0) << 1) | c->bcd;
	c->status_latched = true;
}

/* A rising GATE restarts modes 1, 2, 3 and 5 (8254, "Gate"). */
static void pit_set_gate(struct hv_pit_channel *c, bool gate)
{
	switch (c->mode) {
	case 1:
	case 2:
	case 3:
	case 5:
		if (gate && !c->gate)
			c->load_time = ktime_get();
		break;
	default:
		/* Modes 0 and 4 would pause counting: not modelled, as KVM. */
		break;
	}
	c->gate = gate;
}

/* ---- counter 0: the timer, the worker and reinjection ---- */

static void pit_reset_ticks(struct hv_pit *pit)
{
	unsigned long flags;

	spin_lock_irqsave(&pit->tick_lock, flags);
	pit->pending = 0;
	pit->in_flight = false;
	spin_unlock_irqrestore(&pit->tick_lock, flags);
}

/* Count @ticks terminal counts; the hrtimer callback. */
static void pit_count_ticks(struct hv_pit *pit, u64 ticks)
{
	unsigned long flags;

	spin_lock_irqsave(&pit->tick_lock, flags);
	if (pit->reinject) {
		/*
		 * A full backlog behind a tick never acknowledged: that
		 * tick met a masked pin.  Start over rather than wait for
		 * an acknowledgment that will not come.
		 */
		if (pit->in_flight && pit->pending >= pit->max_pending) {
			pit->in_flight = false;
			pit->pending = 0;
		}
		pit->pending = min_t(u64, (u64)pit->pending + ticks,
				     pit->max_pending);
	}
	spin_unlock_irqrestore(&pit->tick_lock, flags);
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *timer)
{
	struct hv_pit *pit = container_of(timer, struct hv_pit, timer);
	u64 ticks = 1;

	/*
	 * Forward from the previous expiry, not from now, so that the
	 * period does not drift; the periods the host was too late for
	 * are counted at once instead of firing back to back.
	 */
	if (pit->periodic)
		ticks = hrtimer_forward_now(timer, ns_to_ktime(pit->period));
	pit_count_ticks(pit, ticks);
	kthread_queue_work(pit->worker, &pit->tick_work);
	return pit->periodic ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static void pit_tick_work(struct kthread_work *work)
{
	struct hv_pit *pit = container_of(work, struct hv_pit, tick_work);

	spin_lock_irq(&pit->tick_lock);
	if (pit->reinject) {
		if (pit->in_flight || !pit->pending) {
			spin_unlock_irq(&pit->tick_lock);
			return;
		}
		pit->pending--;
		pit->in_flight = true;
	}
	spin_unlock_irq(&pit->tick_lock);

	/* An edge on GSI 0: the 8254's OUT0 as the PIC and IOAPIC see it. */
	hv_irqchip_set_irq(pit->vm, pit->source_id, 0, 1, false);
	hv_irqchip_set_irq(pit->vm, pit->source_id, 0, 0, false);
}

/* The guest acknowledged GSI 0; under the core's ack lock. */
static void pit_acked(struct hv_irq_ack_notifier *ian)
{
	struct hv_pit *pit = container_of(ian, struct hv_pit, ack);
	unsigned long flags;
	bool next;

	spin_lock_irqsave(&pit->tick_lock, flags);
	pit->in_flight = false;
	next = pit->reinject && pit->pending;
	spin_unlock_irqrestore(&pit->tick_lock, flags);
	if (next)
		kthread_queue_work(pit->worker, &pit->tick_work);
}

/*
 * Stop counter 0's ticks, as KVM on a reload: a tick whose work is
 * already queued still goes in, the backlog of the old count does not.
 */
static void pit_stop_timer(struct hv_pit *pit)
{
	lockdep_assert_held(&pit->lock);
	hrtimer_cancel(&pit->timer);
	kthread_flush_work(&pit->tick_work);
	pit_reset_ticks(pit);
}

/* Time counter 0 from its load; KVM's choice of modes (file comment). */
static void pit_start_timer(struct hv_pit *pit)
{
	struct hv_pit_channel *c = &pit->ch[0];
	u64 period;

	lockdep_assert_held(&pit->lock);
	pit_stop_timer(pit);
	if (pit->flags & HV_PIT_FLAGS_HPET_LEGACY)
		return;		/* the HPET drives IRQ0 instead */

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
		pit->periodic = false;
		break;
	case 2:
	case 3:
		pit->periodic = true;
		break;
	default:
		return;
	}

	period = mul_u64_u32_div(c->count, PIT_CLK_DIV, PIT_CLK_MUL);
	if (pit->periodic && period < PIT_MIN_PERIOD_NS) {
		pr_debug("period %llu ns raised to %lu ns\n", period,
			 PIT_MIN_PERIOD_NS);
		period = PIT_MIN_PERIOD_NS;
	}
	pit->period = period;
	pit->max_pending = max_t(u64, div64_u64(NSEC_PER_SEC, period), 1);
	hrtimer_start(&pit->timer, ktime_add_ns(c->load_time, period),
		      HRTIMER_MODE_ABS);
}

/* Load a new initial count into counter @i (0 means 2^16). */
static void pit_load_count(struct hv_pit *pit, int i, u32 val)
{
	struct hv_pit_channel *c = &pit->ch[i];

	lockdep_assert_held(&pit->lock);
	c->count = val ? val : PIT_MAX_COUNT;
	c->load_time = ktime_get();
	c->null_count = false;
	if (i == 0)
		pit_start_timer(pit);
}

/* ---- ports 0x40-0x43 ---- */

static void pit_write_control(struct hv_pit *pit, u8 val)
{
	struct hv_pit_channel *c;
	int i;

	if (PIT_CW_SC(val) == PIT_SC_READBACK) {
		for (i = 0; i < 3; i++) {
			if (!(val & PIT_RB_COUNTER(i)))
				continue;
			if (!(val & PIT_RB_NO_COUNT))
				pit_latch_count(&pit->ch[i]);
			if (!(val & PIT_RB_NO_STATUS))
				pit_latch_status(&pit->ch[i]);
		}
		return;
	}

	c = &pit->ch[PIT_CW_SC(val)];
	if (!PIT_CW_RW(val)) {
		pit_latch_count(c);
		return;
	}
	c->rw_mode = PIT_CW_RW(val);
	c->read_state = c->rw_mode;
	c->write_state = c->rw_mode;
	c->mode = PIT_CW_MODE(val);
	if (c->mode > 5)
		c->mode -= 4;	/* X10 and X11 are modes 2 and 3 */
	c->bcd = val & PIT_CW_BCD;
	c->null_count = true;
}

static void pit_write_count(struct hv_pit *pit, int i, u8 val)
{
	struct hv_pit_channel *c = &pit->ch[i];

	switch (c->write_state) {
	case PIT_RW_MSB:
		pit_load_count(pit, i, val << 8);
		break;
	case PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = PIT_RW_WORD1;
		c->null_count = true;
		break;
	case PIT_RW_WORD1:
		pit_load_count(pit, i, c->write_latch | (val << 8));
		c->write_state = PIT_RW_WORD0;
		break;
	default:
		pit_load_count(pit, i, val);
		break;
	}
}

/* A status latch is read first, then a latched count (Read-Back). */
static u8 pit_read_count(struct hv_pit_channel *c)
{
	u16 count;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}

	if (c->count_latched) {
		count = c->latched_count;
		switch (c->count_latched) {
		case PIT_RW_MSB:
			c->count_latched = 0;
			return count >> 8;
		case PIT_RW_WORD0:
			c->count_latched = PIT_RW_MSB;
			return count & 0xff;
		default:
			c->count_latched = 0;
			return count & 0xff;
		}
	}

	count = pit_count(c, ktime_get());
	switch (c->read_state) {
	case PIT_RW_MSB:
		return count >> 8;
	case PIT_RW_WORD0:
		c->read_state = PIT_RW_WORD1;
		return count & 0xff;
	case PIT_RW_WORD1:
		c->read_state = PIT_RW_WORD0;
		return count >> 8;
	default:
		return count & 0xff;
	}
}

/* A wider access is one access to its first port, as in KVM. */
static void pit_fill(void *val, u32 len, u8 byte)
{
	memset(val, 0, len);
	*(u8 *)val = byte;
}

static int pit_port_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			 u64 addr, u32 len, void *val)
{
	struct hv_pit *pit = container_of(dev, struct hv_pit, dev);
	int i = addr - PIT_BASE_PORT;
	u8 byte = 0;

	/* The control word register is write-only; read as 0, as QEMU. */
	if (i != PIT_CONTROL) {
		mutex_lock(&pit->lock);
		byte = pit_read_count(&pit->ch[i]);
		mutex_unlock(&pit->lock);
	}
	pit_fill(val, len, byte);
	return 0;
}

static int pit_port_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			  u64 addr, u32 len, const void *val)
{
	struct hv_pit *pit = container_of(dev, struct hv_pit, dev);
	int i = addr - PIT_BASE_PORT;
	u8 byte = *(const u8 *)val;

	mutex_lock(&pit->lock);
	if (i == PIT_CONTROL)
		pit_write_control(pit, byte);
	else
		pit_write_count(pit, i, byte);
	mutex_unlock(&pit->lock);
	return 0;
}

static const struct hv_io_device_ops pit_ops = {
	.read = pit_port_read,
	.write = pit_port_write,
};

/* ---- port 0x61 ---- */

static int pit_speaker_read(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			    u64 addr, u32 len, void *val)
{
	struct hv_pit *pit = container_of(dev, struct hv_pit, speaker);
	ktime_t now = ktime_get();
	u8 byte;

	if (addr != PIT_SPEAKER_PORT)
		return -EOPNOTSUPP;

	/*
	 * Bit 4 toggles with each DRAM refresh request, about every 15 us
	 * on the AT; firmware times short delays with it.  2^14 ns, as KVM.
	 */
	byte = (ktime_to_ns(now) >> 14) & 1 ? PIT_SPK_REFRESH : 0;
	mutex_lock(&pit->lock);
	if (pit->flags & HV_PIT_FLAGS_SPEAKER_DATA_ON)
		byte |= PIT_SPK_DATA;
	if (pit->ch[2].gate)
		byte |= PIT_SPK_GATE2;
	if (pit_out(&pit->ch[2], now))
		byte |= PIT_SPK_OUT2;
	mutex_unlock(&pit->lock);
	pit_fill(val, len, byte);
	return 0;
}

static int pit_speaker_write(struct hv_io_device *dev, struct hv_vcpu *vcpu,
			     u64 addr, u32 len, const void *val)
{
	struct hv_pit *pit = container_of(dev, struct hv_pit, speaker);
	u8 byte = *(const u8 *)val;

	if (addr != PIT_SPEAKER_PORT)
		return -EOPNOTSUPP;

	mutex_lock(&pit->lock);
	if (byte & PIT_SPK_DATA)
		pit->flags |= HV_PIT_FLAGS_SPEAKER_DATA_ON;
	else
		pit->flags &= ~HV_PIT_FLAGS_SPEAKER_DATA_ON;
	pit_set_gate(&pit->ch[2], byte & PIT_SPK_GATE2);
	mutex_unlock(&pit->lock);
	return 0;
}

static const struct hv_io_device_ops pit_speaker_ops = {
	.read = pit_speaker_read,
	.write = pit_speaker_write,
};

/* ---- state (HV_GET/SET_PIT2; HV_GET/SET_PIT through them) ---- */

void hv_pit_get_state(struct hv_vm *vm, struct hv_pit_state2 *s)
{
	struct hv_pit *pit = hv_pit_get(vm);
	int i;

	memset(s, 0, sizeof(*s));
	if (!pit)
		return;

	mutex_lock(&pit->lock);
	for (i = 0; i < 3; i++) {
		const struct hv_pit_channel *c = &pit->ch[i];
		struct hv_pit_channel_state *u = &s->channels[i];

		u->count = c->count;
		u->latched_count = c->latched_count;
		u->count_latched = c->count_latched;
		u->status_latched = c->status_latched;
		u->status = c->status;
		u->read_state = c->read_state;
		u->write_state = c->write_state;
		u->write_latch = c->write_latch;
		u->rw_mode = c->rw_mode;
		u->mode = c->mode;
		u->bcd = c->bcd;
		u->gate = c->gate;
		u->count_load_time = ktime_to_ns(c->load_time);
	}
	s->flags = pit->flags;
	mutex_unlock(&pit->lock);
}

/* A read/write state the machine can be in, else its restart point. */
static u8 pit_valid_rw_state(u8 state, u8 rw_mode)
{
	return state <= PIT_RW_WORD1 ? state : rw_mode;
}

/*
 * Userspace's values are taken only where the hardware could hold them;
 * the others are replaced by what a control word would have set.
 */
static void pit_restore_channel(struct hv_pit_channel *c,
				const struct hv_pit_channel_state *u)
{
	c->rw_mode = u->rw_mode <= PIT_RW_WORD0 ? u->rw_mode : PIT_RW_WORD0;
	c->read_state = pit_valid_rw_state(u->read_state, c->rw_mode);
	c->write_state = pit_valid_rw_state(u->write_state, c->rw_mode);
	c->count_latched = u->count_latched <= PIT_RW_WORD0 ?
			   u->count_latched : 0;
	c->latched_count = u->latched_count;
	c->status_latched = u->status_latched;
	c->status = u->status;
	c->write_latch = u->write_latch;
	if (u->mode <= 5 || u->mode == PIT_MODE_NONE)
		c->mode = u->mode;
	else if (u->mode <= 7)
		c->mode = u->mode - 4;
	else
		c->mode = PIT_MODE_NONE;
	c->bcd = u->bcd & 1;
	c->gate = u->gate;
	c->null_count = false;
}

/*
 * As KVM: every counter restarts now from the restored count, so the
 * restored count_load_time is not used, and counter 0's timer is
 * re-armed for its mode unless HPET_LEGACY is set.
 */
void hv_pit_set_state(struct hv_vm *vm, const struct hv_pit_state2 *s)
{
	struct hv_pit *pit = hv_pit_get(vm);
	u32 count;
	int i;

	if (!pit)
		return;

	mutex_lock(&pit->lock);
	pit->flags = s->flags & PIT_KNOWN_FLAGS;
	for (i = 0; i < 3; i++) {
		pit_restore_channel(&pit->ch[i], &s->channels[i]);
		count = s->channels[i].count;
		pit_load_count(pit, i, min(count, PIT_MAX_COUNT));
	}
	mutex_unlock(&pit->lock);
}

/* Reinjection needs the guest's acknowledgments: listen only then. */
static void pit_set_reinject(struct hv_pit *pit, bool reinject)
{
	unsigned long flags;

	lockdep_assert_held(&pit->lock);
	if (pit->reinject == reinject)
		return;
	if (reinject) {
		/* Listen first: no ack may be missed once it is on. */
		hv_irqchip_register_ack_notifier(pit->vm, &pit->ack);
		spin_lock_irqsave(&pit->tick_lock, flags);
		pit->pending = 0;
		pit->in_flight = false;
		pit->reinject = true;
		spin_unlock_irqrestore(&pit->tick_lock, flags);
	} else {
		spin_lock_irqsave(&pit->tick_lock, flags);
		pit->reinject = false;
		spin_unlock_irqrestore(&pit->tick_lock, flags);
		/* Returns once pit_acked is not running (ack_lock). */
		hv_irqchip_unregister_ack_notifier(pit->vm, &pit->ack);
	}
}

void hv_pit_set_reinject(struct hv_vm *vm, bool reinject)
{
	struct hv_pit *pit = hv_pit_get(vm);

	if (!pit)
		return;
	mutex_lock(&pit->lock);
	pit_set_reinject(pit, reinject);
	mutex_unlock(&pit->lock);
}

/* ---- creation and teardown ---- */

/* Power-on state, KVM's: counters unprogrammed, GATE2 low. */
static void pit_reset(struct hv_pit *pit)
{
	int i;

	lockdep_assert_held(&pit->lock);
	pit->flags = 0;
	for (i = 0; i < 3; i++) {
		memset(&pit->ch[i], 0, sizeof(pit->ch[i]));
		pit->ch[i].mode = PIT_MODE_NONE;
		pit->ch[i].gate = i != 2;
		pit_load_count(pit, i, 0);
	}
}

int hv_pit_create(struct hv_vm *vm, u32 flags)
{
	struct hv_pit *pit;
	int r;

	if (hv_pit_get(vm))
		return -EEXIST;

	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->vm = vm;
	mutex_init(&pit->lock);
	spin_lock_init(&pit->tick_lock);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	kthread_init_work(&pit->tick_work, pit_tick_work);
	pit->ack.gsi = 0;
	pit->ack.acked = pit_acked;
	pit->dev.ops = &pit_ops;
	pit->speaker.ops = &pit_speaker_ops;
	/* KVM serves port 0x61 only when asked for the dummy speaker. */
	pit->has_speaker = flags & HV_PIT_SPEAKER_DUMMY;

	pit->source_id = hv_irqchip_alloc_source_id(vm);
	if (pit->source_id < 0) {
		r = pit->source_id;
		goto err_free;
	}

	pit->worker = kthread_create_worker(0, "hv-pit/%d",
					    task_tgid_vnr(current));
	if (IS_ERR(pit->worker)) {
		r = PTR_ERR(pit->worker);
		goto err_source;
	}

	mutex_lock(&pit->lock);
	pit_reset(pit);
	pit_set_reinject(pit, true);	/* KVM's default */
	mutex_unlock(&pit->lock);

	r = hv_io_bus_register(vm, HV_PIO_BUS, PIT_BASE_PORT, PIT_NR_PORTS,
			       &pit->dev);
	if (r)
		goto err_reinject;
	if (pit->has_speaker) {
		r = hv_io_bus_register(vm, HV_PIO_BUS, PIT_SPEAKER_PORT,
				       PIT_SPEAKER_LEN, &pit->speaker);
		if (r)
			goto err_ports;
	}

	/* Pairs with hv_pit_get(): the device is complete before it is seen. */
	smp_store_release(&vm->irqchip->pit, pit);
	return 0;

err_ports:
	hv_io_bus_unregister(vm, HV_PIO_BUS, &pit->dev);
err_reinject:
	mutex_lock(&pit->lock);
	pit_set_reinject(pit, false);
	mutex_unlock(&pit->lock);
	hrtimer_cancel(&pit->timer);
	kthread_destroy_worker(pit->worker);
err_source:
	hv_irqchip_free_source_id(vm, pit->source_id);
err_free:
	kfree(pit);
	return r;
}

/*
 * VM destruction; mirrors hv_pit_create.  Each step stops one way in:
 * the ports (vCPUs), the ack notifier and the hrtimer (which queue the
 * worker), then the worker (which uses the source id), then the rest.
 */
void hv_pit_free(struct hv_vm *vm)
{
	struct hv_pit *pit = hv_pit_get(vm);

	if (!pit)
		return;
	WRITE_ONCE(vm->irqchip->pit, NULL);

	if (pit->has_speaker)
		hv_io_bus_unregister(vm, HV_PIO_BUS, &pit->speaker);
	hv_io_bus_unregister(vm, HV_PIO_BUS, &pit->dev);
	mutex_lock(&pit->lock);
	pit_set_reinject(pit, false);
	mutex_unlock(&pit->lock);
	/* Waits for a running callback, which may have re-armed itself. */
	hrtimer_cancel(&pit->timer);
	/* Runs the work still queued, then stops the thread. */
	kthread_destroy_worker(pit->worker);
	hv_irqchip_free_source_id(vm, pit->source_id);
	mutex_destroy(&pit->lock);
	kfree(pit);
}
