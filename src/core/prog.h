/*
 * Internal definitions shared by the loader, validator, interpreter and JITs.
 */
#ifndef BPF32_PROG_H
#define BPF32_PROG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf32.h"
#include "insn.h"

enum helper_kind {
	HELPER_NONE = 0,
	HELPER_FN,         /* an ordinary C function */
	HELPER_TAIL_CALL,  /* bpf_tail_call(ctx, prog_array, index) */
};

struct bpf32_helper {
	uint8_t kind;                     /* enum helper_kind */
	struct bpf32_helper_proto proto;
	void *fn;
	char name[32];
};

struct bpf32_region {
	uint8_t *base;
	size_t len;
	int writable;
};

struct bpf32_env {
	struct bpf32_helper helpers[BPF32_MAX_HELPER_ID + 1];
	struct bpf32_region *regions;
	size_t nregions, cap_regions;
};

struct bpf32_jit_image;   /* owned by src/jit */

struct bpf32_prog {
	struct bpf32_env *env;
	struct bpf_insn *insns;   /* decoded; LDDW map references already resolved */
	uint32_t len;             /* slots */
	uint32_t flags;           /* enum bpf32_load_flags */
	struct bpf32_jit_image *jit;
};

struct bpf32_prog_array {
	uint32_t max_entries;
	struct bpf32_prog **progs;
	struct bpf32_prog_array *next_live;   /* chain of the live-array registry */
};

/*
 * The registry of live prog arrays (prog_array.c). R2 of a tail call is
 * whatever number the program put there; it names an array only when that
 * array is registered. bpf32_prog_array_new() registers its arrays and
 * bpf32_prog_array_free() withdraws them; prog array maps do the same.
 */
void bpf32_prog_array_track(struct bpf32_prog_array *arr);
void bpf32_prog_array_untrack(struct bpf32_prog_array *arr);

/*
 * The program in slot `index` of the live array at `addr`: NULL when no
 * live array is there, the index is out of range or the slot is empty.
 */
struct bpf32_prog *bpf32_prog_array_target(uintptr_t addr, uint32_t index);

/* Fill *err (if non-NULL) and return `code`. */
int bpf32_fail(struct bpf32_error *err, int code, int32_t insn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Structural validation (see README "Validator"). `flags` are load flags
 * (BPF32_LOAD_RELAXED). Returns 0 or a negative code with err naming the
 * instruction.
 */
int bpf32_validate(const struct bpf_insn *insns, uint32_t len, uint32_t flags,
		   struct bpf32_error *err);

/* Look up a helper; NULL when `id` is not registered. */
const struct bpf32_helper *bpf32_helper_get(const struct bpf32_env *env, uint64_t id);

/*
 * Call a helper of kind HELPER_FN with R1..R5 per its prototype on this
 * host's C ABI; returns the value for R0 (already zero-extended per the
 * prototype's result kind).
 */
uint64_t bpf32_call_helper(const struct bpf32_helper *h, const uint64_t args[5]);

/*
 * 64-bit atomic operations for hosts without native ones, serialized by one
 * lock, so they are atomic with respect to each other (not with respect to
 * 32-bit atomics on the same address). `op` is the ATOMIC imm. Returns the
 * old value; for CMPXCHG, `expected` is R0.
 */
uint64_t bpf32_atomic64(uint64_t *addr, int32_t op, uint64_t val, uint64_t expected);

/*
 * Provided by src/jit: run JITed code (prog->jit != NULL), and free an image.
 */
int bpf32_jit_exec(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		   uint64_t *r0, struct bpf32_error *err);
void bpf32_jit_free(struct bpf32_jit_image *img);

#endif /* BPF32_PROG_H */
