/* 64-bit Fibonacci with a running accumulator: 64-bit adds, shifts, xors. */
#include "bench.h"

BENCH_PROG(fib)(void *data, u64 len)
{
	u64 a = len, b = 1, sum = 0;

	(void)data;
	for (int i = 0; i < 256; i++) {
		u64 next = a + b;
		a = b;
		b = next;
		sum += next ^ (sum >> 7);
	}
	return sum;
}
