/*
 * 64-bit multiply and divide: modular exponentiation (square and multiply
 * over all 64 exponent bits) for four bases and moduli below 2^32, so each
 * product fits in 64 bits, then full 64-bit quotients of input words.
 */
#include "bench.h"

static u64 pow_mod(u64 base, u64 exp, u64 mod)
{
	u64 r = 1;

	base %= mod;
	for (int i = 0; i < 64; i++) {
		if (exp & 1)
			r = r * base % mod;
		base = base * base % mod;
		exp >>= 1;
	}
	return r;
}

BENCH_PROG(modexp)(void *data, u64 len)
{
	const u64 *w = data;
	u64 acc = 0;

	if (len < 16 * 8)
		return 0;
	for (int i = 0; i < 4; i++) {
		u64 mod = (w[i] >> 33) | 0x80000001ull;
		acc += pow_mod(w[i + 4], w[i + 8], mod);
	}
	for (int i = 0; i < 16; i++)
		acc ^= w[i] / ((w[(i + 1) & 15] >> (i & 31)) | 1);
	return acc;
}
