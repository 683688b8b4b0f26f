// SPDX-License-Identifier: GPL-2.0
/*
 * Random numbers: xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64.  Every stream is a function of its seed alone, so a run is
 * reproducible from its seed; no state is shared between streams.
 */
#include <string.h>

#include "fuzz.h"

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A seed derived from two values, e.g. (run seed, iteration). */
u64 mix64(u64 a, u64 b)
{
	u64 x = a ^ (b * 0xd1342543de82ef95ULL);

	return splitmix64(&x);
}

void rng_seed(struct rng *r, u64 seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

u64 rng_next(struct rng *r)
{
	u64 *s = r->s;
	u64 result = rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

u64 rng_below(struct rng *r, u64 n)
{
	return n ? rng_next(r) % n : 0;
}

bool rng_one_in(struct rng *r, u64 n)
{
	return rng_below(r, n) == 0;
}

bool rng_pct(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

void rng_bytes(struct rng *r, void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		u64 v = rng_next(r);
		size_t n = MIN(len, sizeof(v));

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
