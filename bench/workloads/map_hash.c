/*
 * A hash-map-heavy loop: 64 keys from the input (taken modulo 200, so keys
 * repeat) are looked up in a hash map; a hit increments the count in place,
 * a miss inserts 1. Returns the sum of the counts seen. The map persists
 * across runs, as a program's maps do.
 */
#include "bench.h"

BENCH_MAP(counts, BENCH_HASH, u32, u64, 256);

BENCH_PROG(map_hash)(void *data, u64 len)
{
	const u32 *w = data;
	u64 total = 0;

	for (int i = 0; i < 64 && i < (int)(len / 4); i++) {
		u32 key = w[i] % 200;
		u64 *count = map_lookup(counts, &key);
		if (count) {
			*count += 1;
			total += *count;
		} else {
			u64 one = 1;
			map_insert(counts, &key, &one);
		}
	}
	return total;
}
