/*
 * SipHash-2-4 of the first 256 input bytes (32 words, read in the CPU's byte
 * order) under a fixed key: 64-bit adds, xors and rotates.
 */
#include "bench.h"

static inline u64 rotl64(u64 x, int n)
{
	return (x << n) | (x >> (64 - n));
}

struct sip {
	u64 v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = rotl64(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3; s->v3 = rotl64(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rotl64(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rotl64(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl64(s->v2, 32);
}

BENCH_PROG(siphash)(void *data, u64 len)
{
	const u64 k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
	const u64 *m = data;
	struct sip s = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			 k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	u32 words = len < 256 ? (u32)len / 8 : 32;

	for (u32 i = 0; i < 32 && i < words; i++) {
		s.v3 ^= m[i];
		sip_round(&s);
		sip_round(&s);
		s.v0 ^= m[i];
	}
	u64 last = (u64)(words * 8) << 56;
	s.v3 ^= last;
	sip_round(&s);
	sip_round(&s);
	s.v0 ^= last;
	s.v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
