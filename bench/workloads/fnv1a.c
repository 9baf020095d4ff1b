/* 64-bit FNV-1a of the input: a 64-bit multiply per byte. */
#include "bench.h"

BENCH_PROG(fnv1a)(void *data, u64 len)
{
	const u8 *p = data;
	u64 h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 512 && i < (int)len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
