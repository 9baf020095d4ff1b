/*
 * Insertion sort of 64 32-bit words copied from the input onto the stack,
 * then a position-weighted checksum of the sorted array.
 */
#include "bench.h"

#define SORT_N 64

BENCH_PROG(sort)(void *data, u64 len)
{
	const u32 *in = data;
	u32 a[SORT_N];
	u64 sum = 0;

	if (len < sizeof a)
		return 0;
	for (int i = 0; i < SORT_N; i++)
		a[i] = in[i];
	for (int i = 1; i < SORT_N; i++) {
		u32 x = a[i];
		int j = i - 1;
		for (int k = 0; k < SORT_N && j >= 0 && a[j] > x; k++, j--)
			a[j + 1] = a[j];
		a[j + 1] = x;
	}
	for (int i = 0; i < SORT_N; i++)
		sum += (u64)a[i] * (u64)(i + 1);
	return sum;
}
