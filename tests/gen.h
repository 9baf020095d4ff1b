/*
 * Random eBPF test cases for differential testing: a seeded, reproducible
 * generator of valid, terminating programs, the checker that says whether an
 * arbitrary program follows the same rules (the shrinker relies on it), the
 * test helpers those programs call, and a text format for saved cases.
 *
 * A case is up to GEN_MAX_PROGS programs: progs[0] runs first, and every
 * program is also slot i of one prog array (max_entries nprogs + 1, so slot
 * nprogs is empty) that tail calls go through. Each program has up to
 * GEN_MAX_FUNCS functions (the main one and local-call targets).
 *
 * The rules every generated program keeps, so that the interpreter and a JIT
 * must agree on it byte for byte:
 *   - registers are read only after they are set; values derived from R10
 *     (stack addresses, which differ between the interpreter and JITed code)
 *     are used only as addresses, never stored, compared or passed on;
 *   - memory accesses are in bounds: the current frame (stack bytes are read
 *     only after being written) or the ctx buffer (R1 at entry,
 *     GEN_CTX_SIZE bytes); atomics are aligned;
 *   - every function starts by saving R1 (the ctx pointer) at R10 - 8 and
 *     initialising three windows of its frame, and ends by copying those
 *     windows and every register holding a scalar into its dump area of the
 *     ctx buffer (GEN_DUMP_BYTES at GEN_CTX_DATA + GEN_DUMP_BYTES * function:
 *     the windows, then R0..R9 as 8 bytes each), so the final ctx bytes show
 *     the stacks and registers; random accesses to the ctx use its first
 *     GEN_CTX_DATA bytes;
 *   - loops count a callee-saved register (R6-R9) that their body never
 *     writes, calls only go to later functions (or, once and outside
 *     loops, to the function itself, which the frame limit bounds), and an
 *     estimate of the executed instructions stays under a budget, so every
 *     run terminates;
 *   - at a helper call its arguments are set (scalars or the ctx pointer);
 *     R1-R5 keep their values across it, as bpf32's interpreter and JITs
 *     promise (Linux leaves them undefined: GEN_LINUX_REGS follows Linux);
 *     after a local call, a tail call that fails or a packet load, R1-R5 are
 *     undefined, and after a tail call R0 too.
 */
#ifndef BPF32_TEST_GEN_H
#define BPF32_TEST_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf32.h"
#include "insn.h"

#define GEN_MAX_PROGS 4
#define GEN_MAX_FUNCS 4
#define GEN_CTX_SIZE 1024
#define GEN_CTX_DATA 256                /* ctx bytes random accesses use */
#define GEN_DUMP_STACK 56               /* the stack windows of one frame */
#define GEN_DUMP_BYTES (GEN_DUMP_STACK + 8 * 10)   /* and R0..R9 */
#define GEN_TAIL_CALL_ID 12             /* bpf_tail_call, as in Linux */
#define GEN_MAX_STEPS 5000000           /* interpreter budget: far above any case */

/* One program: decoded slots. */
struct gen_prog {
	struct bpf_insn *insns;
	uint32_t len, cap;
};

struct gen_case {
	uint64_t seed;      /* also seeds the initial ctx bytes */
	uint32_t nprogs;
	struct gen_prog progs[GEN_MAX_PROGS];
};

/* What the generator may use (gen_opts.features; 0: everything). */
enum gen_feature {
	GEN_ALU = 1u << 0,       /* ALU32/ALU64, MOVSX, NEG, END, LDDW */
	GEN_JMP = 1u << 1,       /* forward conditional branches, if/else */
	GEN_LOOP = 1u << 2,      /* bounded loops */
	GEN_MEM = 1u << 3,       /* loads, stores, LDSX: stack and ctx */
	GEN_ATOMIC = 1u << 4,
	GEN_CALL = 1u << 5,      /* local calls */
	GEN_HELPER = 1u << 6,    /* helper calls, callx */
	GEN_TAIL = 1u << 7,      /* tail calls */
	GEN_PKT = 1u << 8,       /* LD_ABS / LD_IND */
	GEN_BIG = 1u << 9,       /* now and then a block of thousands of instructions */
	GEN_ALL = (1u << 10) - 1,
};

enum gen_flags {
	/* R1-R5 are undefined after helper calls too, as Linux says. */
	GEN_LINUX_REGS = 1u << 0,
};

struct gen_opts {
	uint32_t size;       /* statements of a main function, at most; 0: 16 */
	uint32_t features;   /* enum gen_feature; 0: GEN_ALL */
	uint32_t flags;      /* enum gen_flags */
};

void gen_case_free(struct gen_case *c);
/* Deep copy; 0 or -1 (out of memory). */
int gen_case_copy(struct gen_case *dst, const struct gen_case *src);
/* Total slots of all programs. */
uint32_t gen_case_len(const struct gen_case *c);

/* Generate the case of `seed`. 0, or -1 with a reason in why (a generator bug). */
int gen_case_make(uint64_t seed, const struct gen_opts *o, struct gen_case *c,
		  char *why, size_t whylen);

/*
 * Whether every program of the case keeps the rules above (all but
 * termination, which only a run shows): 0, or -1 with the first broken rule
 * in why, naming the program and instruction.
 */
int gen_check(const struct gen_case *c, uint32_t flags, char *why, size_t whylen);

/* The initial ctx bytes of a case: data from the seed, the dump area zero. */
void gen_ctx_fill(uint64_t seed, uint8_t ctx[GEN_CTX_SIZE]);

/* Encode program p as little-endian slots into a malloc'd buffer (*len bytes). */
uint8_t *gen_prog_bytes(const struct gen_prog *p, size_t *len);

/* ---------------------------------------------------------------- helpers */

/*
 * Register the test helpers in env, and the tail-call helper (id
 * GEN_TAIL_CALL_ID) when `tail_calls`.
 */
int gen_env_setup(struct bpf32_env *env, int tail_calls, struct bpf32_error *err);

/* The prototype of test helper `id`, NULL if there is none. */
const struct bpf32_helper_proto *gen_helper_proto(uint32_t id);

/* One helper call as the helper saw it: arguments cut to their C types. */
struct gen_call {
	uint32_t id;
	uint32_t nargs;
	uint64_t args[5];
	uint64_t ret;
};

#define GEN_LOG_MAX 64

/* The calls of one run: the first GEN_LOG_MAX in full, all in the hash. */
struct gen_log {
	uint32_t n;          /* calls made */
	uint64_t hash;
	struct gen_call calls[GEN_LOG_MAX];
};

/* Record the calls of the helpers into *log from now on (reset); NULL: stop. */
void gen_log_start(struct gen_log *log);
/* Index of the first call where two logs differ, or -1 when they agree. */
long gen_log_diff(const struct gen_log *a, const struct gen_log *b);
void gen_log_print(FILE *f, const struct gen_log *log, long from, long count);

/* ---------------------------------------------------------------- saved cases */

/*
 * Text format: '#' comments, `seed <hex>`, then per program a line `prog`
 * followed by one slot per line as 16 hex digits (the bpf_conformance raw
 * format: the 8 little-endian bytes in memory order).
 */
int gen_case_save(const struct gen_case *c, FILE *f, const char *note);
int gen_case_load(const char *path, struct gen_case *c, char *why, size_t whylen);
/* Each program disassembled, every line prefixed with `prefix`. */
void gen_case_print(FILE *f, const struct gen_case *c, const char *prefix);

#endif /* BPF32_TEST_GEN_H */
