/*
 * What every benchmark workload includes. A workload is written once, as
 *
 *     BENCH_PROG(name)(void *data, u64 len) { ... }
 *
 * and compiled twice:
 *  - by clang -target bpfel/bpfeb (__bpf__ defined): an eBPF program in
 *    section "socket/name", maps defined in ".maps", helpers called by id;
 *  - by the target's gcc -O2 into bench/run-bench (BENCH_NATIVE defined): a
 *    C function bench_native_name(), whose maps are the very maps the eBPF
 *    object defines (the runner loads the object and binds them by name) and
 *    whose helpers are the very C functions the eBPF program calls.
 * So the native code does the same work through the same map code and
 * helpers, and differs only in who compiled the program.
 *
 * Loops must have constant bounds (the compilers may unroll them; the
 * validator needs nothing else).
 */
#ifndef BENCH_H
#define BENCH_H

#ifdef __bpf__
#include "bpf32_helpers.h"

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define BENCH_PROG(name) SEC("socket/" #name) u64 name

/* A map of the object, as libbpf's BTF-defined maps. */
#define BENCH_MAP(name, kind, ktype, vtype, entries)                  \
	struct {                                                      \
		__uint(type, kind);                                   \
		__uint(max_entries, entries);                         \
		__type(key, ktype);                                   \
		__type(value, vtype);                                 \
		__uint(map_flags, BENCH_MAP_FLAGS_##kind);            \
	} name SEC(".maps")
#define BENCH_HASH BPF_MAP_TYPE_HASH
#define BENCH_LPM BPF_MAP_TYPE_LPM_TRIE
#define BENCH_MAP_FLAGS_BENCH_HASH 0
#define BENCH_MAP_FLAGS_BENCH_LPM BPF_F_NO_PREALLOC

#define map_lookup(map, key) bpf_map_lookup_elem(&(map), (key))
#define map_insert(map, key, value) bpf_map_update_elem(&(map), (key), (value), BPF_ANY)

/* A helper of bench/helpers.c, called by id. */
#define BENCH_HELPER(id, ret, name, ...) \
	static ret (*const name)(__VA_ARGS__) = (void *)(id)

#else /* BENCH_NATIVE */
#include <stdint.h>
#include <bpf32.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define BENCH_PROG(name) u64 bench_native_##name

/*
 * The map is a handle that the runner sets to the object's map of the same
 * name before the first run: a constructor records where the handle is.
 */
void bench_map_slot_add(const char *name, struct bpf32_map **slot);
#define BENCH_MAP(name, kind, ktype, vtype, entries)                          \
	static struct bpf32_map *name;                                        \
	__attribute__((constructor)) static void bench_map_slot_##name(void) \
	{                                                                     \
		bench_map_slot_add(#name, &name);                             \
	}                                                                     \
	struct bench_map_unused_##name

#define map_lookup(map, key) bpf32_map_lookup((map), (key))
#define map_insert(map, key, value) bpf32_map_update((map), (key), (value), BPF32_ANY, 0)

#define BENCH_HELPER(id, ret, name, ...) ret name(__VA_ARGS__)
#endif

/* The helpers the runner registers (bench/helpers.c). */
BENCH_HELPER(100, u64, bench_mix64, u64 a, u64 b);
BENCH_HELPER(101, u32, bench_sum5, u32 a, u32 b, u32 c, u32 d, u32 e);
BENCH_HELPER(102, u32, bench_next_random, void);

/* Byte order of network headers, on either compiler. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define bench_ntohs(x) ((u16)__builtin_bswap16(x))
#define bench_ntohl(x) ((u32)__builtin_bswap32(x))
#else
#define bench_ntohs(x) ((u16)(x))
#define bench_ntohl(x) ((u32)(x))
#endif

#endif /* BENCH_H */
