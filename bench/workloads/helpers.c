/*
 * Helper-call-heavy code: per input word, three helper calls of different
 * shapes (two 64-bit arguments and a 64-bit result; five 32-bit arguments;
 * none), with little work between them.
 */
#include "bench.h"

BENCH_PROG(helpers)(void *data, u64 len)
{
	const u64 *w = data;
	u64 acc = len;
	u32 sum = 0;

	for (int i = 0; i < 64 && i < (int)(len / 8); i++) {
		acc = bench_mix64(acc, w[i]);
		sum = bench_sum5(sum, (u32)acc, (u32)(acc >> 32), (u32)i, 7);
		sum ^= bench_next_random();
	}
	return acc ^ sum;
}
