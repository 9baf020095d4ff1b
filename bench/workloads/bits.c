/*
 * Bit tricks on 64 input words, written out (not compiler builtins): SWAR
 * population count, count of leading zeros by halving, trailing zeros
 * through the lowest set bit, and a 64-bit bit reversal.
 */
#include "bench.h"

static inline u64 popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

static inline u64 clz64(u64 x)
{
	u64 n = 0;

	if (!x)
		return 64;
	if (!(x >> 32)) { n += 32; x <<= 32; }
	if (!(x >> 48)) { n += 16; x <<= 16; }
	if (!(x >> 56)) { n += 8; x <<= 8; }
	if (!(x >> 60)) { n += 4; x <<= 4; }
	if (!(x >> 62)) { n += 2; x <<= 2; }
	if (!(x >> 63)) n += 1;
	return n;
}

static inline u64 ctz64(u64 x)
{
	return x ? popcount64((x & -x) - 1) : 64;
}

static inline u64 reverse64(u64 x)
{
	x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
	x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
	x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
	x = ((x >> 8) & 0x00ff00ff00ff00ffull) | ((x & 0x00ff00ff00ff00ffull) << 8);
	x = ((x >> 16) & 0x0000ffff0000ffffull) | ((x & 0x0000ffff0000ffffull) << 16);
	return (x >> 32) | (x << 32);
}

BENCH_PROG(bits)(void *data, u64 len)
{
	const u64 *w = data;
	u64 acc = 0;

	for (int i = 0; i < 64 && i < (int)(len / 8); i++) {
		u64 x = w[i] >> (i & 63);
		acc += popcount64(x) + (clz64(x) << 8) + (ctz64(x) << 16);
		acc ^= reverse64(x);
	}
	return acc;
}
