/* What the parts of bench/run-bench share. */
#ifndef BENCH_RUNNER_H
#define BENCH_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <bpf32.h>

/* Frame batches (workloads parse and tcp_port80): slots of a 16-bit length and a frame. */
#define BENCH_SLOT 128
#define BENCH_SLOTS 8
/* Every workload reads at most this many input bytes. */
#define BENCH_INPUT_SIZE (BENCH_SLOT * BENCH_SLOTS)

enum bench_input {
	BENCH_INPUT_BYTES,    /* pseudo-random bytes */
	BENCH_INPUT_FRAMES,   /* BENCH_SLOTS frames of every kind the parser knows */
};

/* inputs.c: fill buf (BENCH_INPUT_SIZE bytes, 8-aligned) with a fixed input. */
void bench_input_make(enum bench_input kind, uint8_t *buf);

/* bench_helpers.c: the helpers of bench.h, registered in env under their ids. */
int bench_helpers_register(struct bpf32_env *env, struct bpf32_error *err);
/* Restart bench_next_random()'s sequence (each measured mode starts afresh). */
void bench_helpers_reset(void);
/* Point every native map handle at the map of the same name in obj. */
void bench_maps_bind(const struct bpf32_object *obj);

/* memcount.c: bytes of heap and mmap'd memory bpf32 holds now, and at most since the reset. */
struct bench_mem {
	size_t now, peak;
};
void bench_mem_reset(void);
struct bench_mem bench_mem_read(void);
/* The address range of the latest mmap (0, 0 if none, or not counting). */
void bench_mem_last_mapping(uintptr_t *lo, uintptr_t *hi);

/* tcp_port80.c: `tcp port 80` as tcpdump compiles it, and the same test in C. */
extern const struct bpf32_sock_filter bench_tcp_port80_filter[];
extern const uint32_t bench_tcp_port80_len;
int bench_tcp_port80_c(const uint8_t *frame, uint32_t len);

#endif /* BENCH_RUNNER_H */
