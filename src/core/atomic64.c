/*
 * 64-bit atomics for CPUs that have no 64-bit load-linked/store-conditional
 * (MIPS32): one global spinlock serializes every 64-bit bpf32 atomic, made of
 * a 32-bit word that these CPUs can swap atomically (ll/sc). The interpreter
 * uses this where the compiler cannot inline 64-bit __atomic operations, and
 * the JITs call it for the same reason; both therefore agree on the lock.
 */
#include "prog.h"

static uint32_t atomic64_lock;

static void lock_acquire(void)
{
	while (__atomic_exchange_n(&atomic64_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&atomic64_lock, __ATOMIC_RELAXED))
			;
}

static void lock_release(void)
{
	__atomic_store_n(&atomic64_lock, 0, __ATOMIC_RELEASE);
}

uint64_t bpf32_atomic64(uint64_t *addr, int32_t op, uint64_t val, uint64_t expected)
{
	lock_acquire();
	uint64_t old = *addr;
	switch (op & ~BPF_FETCH) {
	case BPF_ADD: *addr = old + val; break;
	case BPF_OR: *addr = old | val; break;
	case BPF_AND: *addr = old & val; break;
	case BPF_XOR: *addr = old ^ val; break;
	case BPF_XCHG & ~BPF_FETCH: *addr = val; break;
	case BPF_CMPXCHG & ~BPF_FETCH:
		if (old == expected)
			*addr = val;
		break;
	}
	lock_release();
	return old;
}
