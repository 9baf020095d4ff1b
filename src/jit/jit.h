/*
 * The JIT driver and its interface to the target backends.
 *
 * A program goes through these steps (jit.c drives them):
 *
 *   1. copy      the validated instructions, with every jump and local call
 *                target turned into an absolute index (jit_target());
 *   2. blind     with BPF32_JIT_HARDEN, rewrite every immediate an attacker
 *                chose into `mov ax, imm ^ key; xor ax, key; op dst, ax`
 *                (jit_blind.c); AX is eBPF register 11, which each backend
 *                maps like the others;
 *   3. scan      target-independent facts (jit_scan.c): use counts of each
 *                register half, registers whose upper half is zero at every
 *                point, registers live at entry, local-call targets;
 *   4. prepare   the backend picks its register map and frame from the scan;
 *   5. size      the backend's emit functions run over the whole program
 *                with no buffer, only counting words, all branches short;
 *   6. emit      each further pass writes into a buffer of the size the pass
 *                before measured, measuring branch distances against that
 *                pass's offsets; a branch that does not reach becomes long
 *                (and stays long), which moves code, and then the buffer is
 *                dropped and the pass repeated; when nothing moved the buffer
 *                is the image. After JIT_MAX_PASSES every branch is made
 *                long, which always converges;
 *   7. install   code memory is mapped writable, filled, then made
 *                read+execute and the instruction cache is flushed
 *                (codemem.c); it is never writable and executable at once.
 *
 * Backends emit through jit_emit() only, so sizing and writing run the very
 * same code. Everything a backend needs about the program comes from struct
 * jit_ctx; it owns no global state.
 */
#ifndef BPF32_JIT_H
#define BPF32_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"

/* eBPF registers as the backends see them: R0..R10 and the blinding register. */
#define JIT_REG_AX 11
#define JIT_NREGS 12
#define JIT_LO 0
#define JIT_HI 1

/* Passes that may still turn branches long one by one before all become long. */
#define JIT_MAX_PASSES 12

/* Internal JIT flag for tests: every branch in its long form from the start. */
#define JIT_FLAG_ALL_LONG (1u << 31)

/* ---------------------------------------------------------------- run state */

/*
 * What JITed code and the runtime routines share during one run. JITed code
 * reads and writes the first fields at the fixed JIT_RUN_* offsets (all 32-bit
 * words, so a cross-JIT image is the same as a native one); the rest is for
 * the C routines only.
 */
struct jit_run {
	uint32_t saved_sp;      /* sp of the main program's frame, for unwinding */
	uint32_t stack_limit;   /* lowest frame sp a local call may create */
	int32_t err;            /* 0, or the error that ended the run */
	uint32_t pkt_data;      /* the packet's linear part, for LD_ABS/LD_IND (below) */
	uint32_t pkt_head;      /* its length, at most INT32_MAX */
	uint32_t tail_calls;    /* successful tail calls so far */
	/* C only. */
	struct bpf32_packet ctx_pkt;   /* the ctx buffer seen as a packet */
	const struct bpf32_packet *pkt;
	struct bpf32_jit_opts opts;    /* for JITing tail-call targets on first use */
};

enum {
	JIT_RUN_SAVED_SP = 0,
	JIT_RUN_STACK_LIMIT = 4,
	JIT_RUN_ERR = 8,
	JIT_RUN_PKT_DATA = 12,
	JIT_RUN_PKT_HEAD = 16,
};

/*
 * LD_ABS/LD_IND inline, before the runtime call: when the offset, taken as
 * unsigned, and the size fit in the linear part (off <= pkt_head and
 * pkt_head - off >= size), JITed code loads the big-endian value from
 * pkt_data + off itself. Negative offsets (SKF_NET_OFF, SKF_LL_OFF) are
 * at least 2^31 unsigned, so they always take jit_rt_ld_pkt, as do loads
 * reaching into fragments or out of bounds. A run of a program without
 * such loads leaves pkt_head 0, which sends the loads of programs it
 * tail-calls to jit_rt_ld_pkt as well.
 */

/*
 * What a slow-path runtime routine asks the JITed code to do next (the
 * return value of jit_rt_tail_call and jit_rt_callx). Any other value is the
 * address of a tail-call entry to jump to.
 */
enum {
	JIT_RT_CONTINUE = 0,   /* go on after the call; registers are in the slots */
	JIT_RT_UNWIND = 1,     /* end the run: R0 = 0, run->err says why (0: no error) */
};

/* ---------------------------------------------------------------- runtime routines */

/*
 * Called from JITed code (rt.c). `regs` points to the canonical register
 * slots of the current frame: R0..R9 as 64-bit values in the target's byte
 * order (the backend stores every register there before the call).
 */
uint64_t jit_rt_udiv64(uint64_t a, uint64_t b);
uint64_t jit_rt_sdiv64(uint64_t a, uint64_t b);
uint64_t jit_rt_umod64(uint64_t a, uint64_t b);
uint64_t jit_rt_smod64(uint64_t a, uint64_t b);
uint32_t jit_rt_udiv32(uint32_t a, uint32_t b);
uint32_t jit_rt_sdiv32(uint32_t a, uint32_t b);
uint32_t jit_rt_umod32(uint32_t a, uint32_t b);
uint32_t jit_rt_smod32(uint32_t a, uint32_t b);
/* LD_ABS/LD_IND: the value in the low word, 1 in the high word when in bounds. */
uint64_t jit_rt_ld_pkt(struct jit_run *run, int32_t off, uint32_t size);
/* bpf_tail_call with R2 (array) and R3 (index) from `regs`. */
uintptr_t jit_rt_tail_call(struct jit_run *run, uint64_t *regs);
/* callx: the helper whose id is in register `dst` of `env`; R0 goes back into regs[0]. */
uintptr_t jit_rt_callx(struct jit_run *run, uint64_t *regs, const struct bpf32_env *env,
		       uint32_t dst);

/* The address of a runtime routine as JITed code calls it. */
#define JIT_ADDR(fn) ((uint32_t)(uintptr_t)(fn))

/* ---------------------------------------------------------------- scan results */

struct jit_scan {
	uint32_t uses[JIT_NREGS][2];   /* weighted reads and writes of each half */
	uint16_t zero_hi;   /* bit r: the upper half of r is 0 wherever it is read */
	uint16_t live_in;   /* bit r: r may be read before written, from insn 0 */
	uint16_t used;      /* bit r: some instruction names r */
	uint8_t has_slow_calls;   /* tail calls or callx: registers pass between programs */
};

/* Per-instruction flags (jit_ctx.iflags). */
enum {
	JIT_F_FUNC = 1u << 0,       /* target of a local call (or insn 0) */
	JIT_F_LDDW_HI = 1u << 1,    /* second slot of an LDDW: emits nothing */
	JIT_F_FALLS_IN = 1u << 2,   /* the previous instruction can run into this one */
	JIT_F_LONG = 1u << 3,       /* this instruction's branches use the long form */
	JIT_F_FALLS_OUT = 1u << 4,  /* execution can continue past this (last) insn */
};

/* ---------------------------------------------------------------- the context */

struct jit_ctx;

/*
 * The emitters of one backend, one per family of instructions; the driver
 * decodes each instruction once and calls the one that lowers it (see
 * emit_insn() in jit.c).
 */
struct jit_ops {
	/* ALU and ALU64, every operation. */
	void (*alu)(struct jit_ctx *c, const struct bpf_insn *i);
	/* JA and the conditional jumps of JMP and JMP32, to word offset `to`
	 * (never to the next instruction: those emit nothing). */
	void (*jmp)(struct jit_ctx *c, const struct bpf_insn *i, uint32_t to);
	/* EXIT: return R0 from the current function. */
	void (*exit)(struct jit_ctx *c);
	/* A call of helper `h` (kind HELPER_FN), passing what its prototype declares. */
	void (*helper_call)(struct jit_ctx *c, const struct bpf32_helper *h);
	/* A call of runtime routine `fn` (jit_rt_tail_call, or jit_rt_callx with
	 * `callx` the instruction) that sees every register in the slots. */
	void (*slow_call)(struct jit_ctx *c, uint32_t fn, const struct bpf_insn *callx);
	/* A bpf-to-bpf call of the function starting at instruction `target`. */
	void (*local_call)(struct jit_ctx *c, uint32_t target);
	/* End the run with error `code` (a call of an unregistered helper,
	 * running past the last instruction). */
	void (*error)(struct jit_ctx *c, int code);
	/* LDDW (both slots: i[0] and i[1]). */
	void (*lddw)(struct jit_ctx *c, const struct bpf_insn *i);
	/* LD_ABS and LD_IND. */
	void (*ld_pkt)(struct jit_ctx *c, const struct bpf_insn *i);
	/* LDX MEM and MEMSX. */
	void (*ldx)(struct jit_ctx *c, const struct bpf_insn *i);
	/* ST MEM and STX MEM. */
	void (*store)(struct jit_ctx *c, const struct bpf_insn *i);
	/* STX ATOMIC of a word and of a double word. */
	void (*atomic32)(struct jit_ctx *c, const struct bpf_insn *i);
	void (*atomic64)(struct jit_ctx *c, const struct bpf_insn *i);
};

/*
 * A backend names its emitters after the families (emit_alu, emit_jmp, ...)
 * and fills its table with this.
 */
#define JIT_OPS_OF_EMITTERS {                                                   \
	.alu = emit_alu, .jmp = emit_jmp, .exit = emit_exit,                    \
	.helper_call = emit_helper_call, .slow_call = emit_slow_call,           \
	.local_call = emit_local_call, .error = emit_error,                     \
	.lddw = emit_lddw, .ld_pkt = emit_ld_pkt, .ldx = emit_ldx,              \
	.store = emit_store, .atomic32 = emit_atomic32, .atomic64 = emit_atomic64, \
}

struct jit_backend {
	enum bpf32_arch arch;
	const char *name;
	int big_endian;
	/* Resolve opts->cpu (BPF32_CPU_DEFAULT: the running CPU or the baseline);
	 * 0 or BPF32_EINVAL for a CPU of another architecture. */
	int (*resolve_cpu)(uint32_t cpu, uint32_t *out);
	/* After the scan: register map and frame (may fail with jit_fail()). */
	int (*prepare)(struct jit_ctx *c);
	/* Code before the first instruction: the C-callable entry. */
	void (*prologue)(struct jit_ctx *c);
	/* The start of a function (JIT_F_FUNC), before jit_ctx.off[i] is taken. */
	void (*func_entry)(struct jit_ctx *c, uint32_t i);
	/* The instructions. */
	const struct jit_ops *ops;
	/* After the last instruction (and the error for running past it): shared
	 * exits, stubs, tail-call entry. */
	void (*epilogue)(struct jit_ctx *c);
	/* Release c->priv. */
	void (*release)(struct jit_ctx *c);
	/* One line naming where each eBPF register lives, for listings. */
	void (*describe)(struct jit_ctx *c, char *buf, size_t size);
};

/* Labels a backend may bind once per pass and branch to (jit_label()). */
#define JIT_MAX_LABELS 16

/* Local-call targets: code offset of each function's entry. */
struct jit_func {
	uint32_t insn;
	uint32_t off, prev_off;
};

struct jit_ctx {
	const struct jit_backend *be;
	const struct bpf32_prog *prog;
	uint32_t cpu;            /* resolved enum bpf32_cpu */
	uint32_t flags;          /* enum bpf32_jit_flags */

	/* The program being compiled (blinded, when hardening). */
	struct bpf_insn *insns;
	uint32_t len;
	uint32_t *target;        /* absolute target of each jump and local call */
	uint32_t *orig;          /* slot of prog->insns each insn came from */
	uint8_t *iflags;         /* JIT_F_* */
	struct jit_scan scan;
	uint16_t *live;          /* registers live before each insn; NULL: not known */
	struct jit_func *funcs;
	uint32_t nfuncs;

	/* Emission. */
	uint8_t *buf;            /* NULL while sizing */
	uint32_t cap;            /* words buf holds (a pass may outgrow it, and is redone) */
	uint32_t pos;            /* words emitted so far in this pass */
	uint32_t *off;           /* this pass: word offset of each insn; [len] = end */
	uint32_t *prev_off;      /* the previous pass's offsets (branch targets) */
	uint32_t label[JIT_MAX_LABELS], prev_label[JIT_MAX_LABELS];
	uint32_t entry, tail_entry;   /* word offsets set by the backend */
	uint32_t cur;            /* instruction being emitted */
	int pass;                /* 0 = first sizing pass */
	int all_long;            /* fallback: every branch long */
	int changed;             /* a branch became long in this pass */

	int err;                 /* first error (sticky), 0 if none */
	struct bpf32_error *errp;
	void *priv;              /* backend state */
};

/* Record the first error; later calls keep it. Returns the error code. */
int jit_fail(struct jit_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append one instruction word (in the target's byte order). */
static inline void jit_emit(struct jit_ctx *c, uint32_t w)
{
	if (c->buf && c->pos < c->cap) {
		uint8_t *p = c->buf + 4 * (size_t)c->pos;
		if (c->be->big_endian) {
			p[0] = (uint8_t)(w >> 24); p[1] = (uint8_t)(w >> 16);
			p[2] = (uint8_t)(w >> 8); p[3] = (uint8_t)w;
		} else {
			p[0] = (uint8_t)w; p[1] = (uint8_t)(w >> 8);
			p[2] = (uint8_t)(w >> 16); p[3] = (uint8_t)(w >> 24);
		}
	}
	c->pos++;
}

/* Overwrite the word at `at` (a placeholder of a forward branch). */
static inline void jit_patch(struct jit_ctx *c, uint32_t at, uint32_t w)
{
	uint32_t pos = c->pos;
	c->pos = at;
	jit_emit(c, w);
	c->pos = pos;
}

/* Word offset of instruction `i`'s code, as of the previous pass. */
static inline uint32_t jit_insn_off(const struct jit_ctx *c, uint32_t i)
{
	return c->prev_off[i];
}

/* Absolute index of the target of jump or local call `i`. */
static inline uint32_t jit_target(const struct jit_ctx *c, uint32_t i)
{
	return c->target[i];
}

/* Word offset of the entry of the function starting at instruction `i`. */
uint32_t jit_func_off(const struct jit_ctx *c, uint32_t i);

/* Bind label `id` here / its offset as of the previous pass. */
static inline void jit_bind(struct jit_ctx *c, unsigned id)
{
	c->label[id] = c->pos;
}

static inline uint32_t jit_label(const struct jit_ctx *c, unsigned id)
{
	return c->prev_label[id];
}

/*
 * Whether the current instruction's branches must use the long form. `fits`
 * says whether the short form reaches, as measured with the previous pass's
 * offsets. The answer only ever changes from short to long, so the passes
 * converge; the first pass always answers short.
 */
int jit_long(struct jit_ctx *c, int fits);

/* Helper `id` of the program's environment (NULL if not registered). */
static inline const struct bpf32_helper *jit_helper(const struct jit_ctx *c, uint32_t id)
{
	return bpf32_helper_get(c->prog->env, id);
}

/* One argument word of a helper call: a half of eBPF register `reg` (0: padding). */
struct jit_arg_word {
	uint8_t reg, half;
};
#define JIT_MAX_ARG_WORDS 10

/*
 * The argument words of a call of a helper with prototype `p`, laid out as
 * both 32-bit ABIs do (AAPCS, O32): R1..R5 in order, a 32-bit argument in
 * one word, a 64-bit one in an even/odd pair of words in the target's memory
 * order (padding before it when needed). Words 0-3 travel in the four
 * argument registers, the rest on the stack. Returns the number of words.
 */
unsigned jit_arg_words(const struct jit_ctx *c, const struct bpf32_helper_proto *p,
		       struct jit_arg_word words[JIT_MAX_ARG_WORDS]);

/* ---------------------------------------------------------------- driver parts */

/* jit_scan.c: fill c->scan, c->iflags (FUNC, FALLS_*) and c->funcs. */
int jit_scan(struct jit_ctx *c);

/* jit_blind.c: replace c->insns/target/orig by the blinded program. */
int jit_blind(struct jit_ctx *c);

/* codemem.c: executable memory. */
void *jit_code_alloc(size_t size);               /* writable, not executable */
int jit_code_seal(void *mem, size_t size);       /* -> read+execute, i-cache flushed */
void jit_code_free(void *mem, size_t size);

/* The backends, and the one for an architecture (HOST: this build's; NULL: none). */
extern const struct jit_backend jit_arm32;
extern const struct jit_backend jit_mips32el, jit_mips32be;
const struct jit_backend *jit_backend_for(enum bpf32_arch arch);

/* ---------------------------------------------------------------- images */

struct bpf32_jit_image {
	void *mem;                  /* executable mapping */
	size_t size;
	uint32_t entry, tail_entry; /* byte offsets */
	int ld_pkt;                 /* has LD_ABS/LD_IND: fill jit_run.pkt_* for their fast path */
	struct bpf32_jit_opts opts;
};

/* Compile `prog` for the running CPU into a new image (jit.c). */
int jit_compile_native(const struct bpf32_prog *prog, const struct bpf32_jit_opts *opts,
		       struct bpf32_jit_image **out, struct bpf32_error *err);

/*
 * The program's image, JITing it first with `opts` when it has none (a
 * tail-call target; safe against concurrent first calls). NULL with *code set
 * on failure.
 */
const struct bpf32_jit_image *jit_image_get(struct bpf32_prog *prog,
					    const struct bpf32_jit_opts *opts, int *code);

/*
 * Compile for any architecture into malloc'd c->buf (c->pos words), keeping
 * the context (offsets, flags) for inspection; release with jit_cross_free().
 */
int jit_compile_cross(struct jit_ctx *c, const struct bpf32_prog *prog, enum bpf32_arch arch,
		      const struct bpf32_jit_opts *opts, struct bpf32_error *err);
void jit_cross_free(struct jit_ctx *c);

/* Byte offset where the code of each slot of c->prog starts (see bpf32_jit_info). */
void jit_slot_offsets(const struct jit_ctx *c, uint32_t *slot_off);

/* Address of an image's tail-call entry. */
static inline uintptr_t jit_tail_entry(const struct bpf32_jit_image *img)
{
	return (uintptr_t)img->mem + img->tail_entry;
}

#endif /* BPF32_JIT_H */
