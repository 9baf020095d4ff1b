/*
 * The helpers the workloads call (bench.h): the eBPF programs call them by
 * id through bpf32, the native workloads call them directly. Also the
 * registry of native map handles.
 */
#include <string.h>
#include "bench.h"
#include "runner.h"

u64 bench_mix64(u64 a, u64 b)
{
	a ^= b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2);
	return a;
}

u32 bench_sum5(u32 a, u32 b, u32 c, u32 d, u32 e)
{
	return a + b + c + d + e;
}

/* xorshift32 from a fixed seed. */
static u32 random_state = 2463534242u;

u32 bench_next_random(void)
{
	u32 x = random_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return random_state = x;
}

void bench_helpers_reset(void)
{
	random_state = 2463534242u;
}

int bench_helpers_register(struct bpf32_env *env, struct bpf32_error *err)
{
	static const struct bpf32_helper_proto mix64 = { .nargs = 2, .arg64 = 3, .ret = BPF32_RET_U64 };
	static const struct bpf32_helper_proto sum5 = { .nargs = 5, .ret = BPF32_RET_U32 };
	static const struct bpf32_helper_proto next = { .nargs = 0, .ret = BPF32_RET_U32 };

	if (bpf32_std_helpers_register(env, NULL, err) ||
	    bpf32_helper_register(env, 100, "bench_mix64", (void *)bench_mix64, &mix64, err) ||
	    bpf32_helper_register(env, 101, "bench_sum5", (void *)bench_sum5, &sum5, err) ||
	    bpf32_helper_register(env, 102, "bench_next_random", (void *)bench_next_random, &next, err))
		return -1;
	return 0;
}

/* Native map handles, recorded by BENCH_MAP's constructors before main(). */
#define MAX_SLOTS 32
struct map_slot {
	const char *name;
	struct bpf32_map **slot;
};
static struct map_slot slots[MAX_SLOTS];
static unsigned nslots;

void bench_map_slot_add(const char *name, struct bpf32_map **slot)
{
	if (nslots < MAX_SLOTS)
		slots[nslots++] = (struct map_slot){ name, slot };
}

/*
 * Handles of other workloads (whose maps obj lacks) become NULL; the
 * workload being run finds all of its own in its object.
 */
void bench_maps_bind(const struct bpf32_object *obj)
{
	for (unsigned i = 0; i < nslots; i++)
		*slots[i].slot = bpf32_object_find_map(obj, slots[i].name);
}
