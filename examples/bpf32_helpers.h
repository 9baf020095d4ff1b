/*
 * What eBPF programs written for bpf32 include, in the style of libbpf's
 * bpf_helpers.h (which bpf32 does not need installed): section and map
 * definition macros, the legacy map definition, byte-order macros and the
 * standard helpers bpf32 provides, declared with Linux's ids.
 *
 * Build with: clang -target bpfel (or bpfeb) -O2 -g -mcpu=v3
 *             -I/usr/include/$(gcc -print-multiarch) -c prog.c
 *
 * bpf32 passes every program R1 = its input buffer and R2 = the buffer's
 * length, so programs are written as `int prog(void *data, __u64 len)`.
 */
#ifndef BPF32_HELPERS_H
#define BPF32_HELPERS_H

#include <linux/bpf.h>
#include <linux/types.h>

#define SEC(name) __attribute__((section(name), used))
#undef __always_inline   /* linux/stddef.h has a weaker one */
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

/* BTF-defined map attributes: __uint(max_entries, 16), __type(key, __u32). */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name
#define __array(name, val) __typeof__(val) *name[]

/* Maps in the legacy `maps` section. */
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define bpf_htons(x) __builtin_bswap16(x)
#define bpf_htonl(x) __builtin_bswap32(x)
#else
#define bpf_htons(x) (x)
#define bpf_htonl(x) (x)
#endif
#define bpf_ntohs(x) bpf_htons(x)
#define bpf_ntohl(x) bpf_htonl(x)

/* The standard helpers. */
static void *(* const bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (* const bpf_map_update_elem)(void *map, const void *key, const void *value,
					  __u64 flags) = (void *)2;
static long (* const bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static __u64 (* const bpf_ktime_get_ns)(void) = (void *)5;
static long (* const bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static __u32 (* const bpf_get_prandom_u32)(void) = (void *)7;
static long (* const bpf_tail_call)(void *ctx, void *prog_array_map, __u32 index) = (void *)12;

/* printf-like tracing to the embedder's trace hook (at most three arguments). */
#define bpf_printk(fmt, ...)                                                     \
	({                                                                       \
		static const char ____fmt[] = fmt;                               \
		bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);       \
	})

#endif /* BPF32_HELPERS_H */
