/*
 * Helpers of the JIT tests: building programs instruction by instruction,
 * and running one program on the interpreter and JITed, comparing R0, the
 * run's result code and the memory the program wrote.
 */
#ifndef BPF32_TEST_JIT_COMMON_H
#define BPF32_TEST_JIT_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf32.h"
#include "insn.h"
#include "jit.h"
#include "testutil.h"

struct pbuf {
	struct bpf_insn *insns;
	uint32_t n, cap;
};

static inline struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { code, dst, src, off, imm };
	return i;
}

static inline void emit_insn(struct pbuf *p, struct bpf_insn i)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->insns = realloc(p->insns, p->cap * sizeof *p->insns);
		if (!p->insns) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	p->insns[p->n++] = i;
}

static inline void emit_lddw(struct pbuf *p, uint8_t dst, uint64_t v)
{
	emit_insn(p, mk(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, (int32_t)(uint32_t)v));
	emit_insn(p, mk(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
}

static inline void emit_exit_imm(struct pbuf *p, int32_t r0)
{
	emit_insn(p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r0));
	emit_insn(p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static inline struct bpf32_prog *pbuf_load(struct bpf32_env *env, const struct pbuf *p,
					   const struct bpf32_load_opts *opts,
					   struct bpf32_error *err)
{
	uint8_t *bytes = malloc(8 * (size_t)p->n + 8);
	for (uint32_t k = 0; k < p->n; k++)
		bpf_encode(&p->insns[k], bytes + 8 * (size_t)k, 0);
	struct bpf32_prog *prog = bpf32_load(env, bytes, 8 * (size_t)p->n, BPF32_ORDER_LITTLE,
					     opts, err);
	free(bytes);
	return prog;
}

/*
 * The JIT configuration under test, from argv: a configuration name ("jit",
 * "jit-armv7-harden", ...) and optionally "all-long" (every branch in its
 * long form, an internal JIT flag).
 */
static struct tu_config jt_config;
static int jt_native;   /* programs did run JITed (this build has a JIT of its own) */

static inline void jt_parse_args(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "jit";
	if (tu_config_parse(name, &jt_config) || !jt_config.jit ||
	    (argc > 2 && strcmp(argv[2], "all-long"))) {
		fprintf(stderr, "usage: %s [jit configuration [all-long]]\n", argv[0]);
		exit(2);
	}
	if (argc > 2) {
		jt_config.jopts.flags |= JIT_FLAG_ALL_LONG;
		strncat(jt_config.name, " all-long", sizeof jt_config.name - strlen(jt_config.name) - 1);
	}
}

/* Outcome of one run. */
struct jt_run {
	int rc;
	uint64_t r0;
	uint8_t *mem;
};

static inline void jt_run_one(struct bpf32_prog *prog, int jit, size_t mem_size,
			      const struct bpf32_packet *pkt, struct jt_run *out)
{
	struct bpf32_error err;
	out->mem = calloc(1, mem_size ? mem_size : 1);
	struct bpf32_run_args args = { .ctx = out->mem, .ctx_len = mem_size, .pkt = pkt };
	out->r0 = 0;
	out->rc = jit ? bpf32_run_ex(prog, &args, &out->r0, &err)
		      : bpf32_interp(prog, &args, &out->r0, &err);
}

/*
 * Run `p` on the interpreter and JITed (configuration jt_config) with a
 * zeroed ctx buffer of `mem_size` bytes; check that both agree. `unit` is the
 * size of one block of results, to name the first block that differs.
 * Returns 0 when they agree.
 */
static inline int jt_compare(struct bpf32_env *env, const struct pbuf *p, size_t mem_size,
			     size_t unit, const struct bpf32_packet *pkt, const char *what)
{
	struct bpf32_error err;
	struct bpf32_load_opts lo = { .flags = BPF32_LOAD_RELAXED };
	struct bpf32_prog *prog = pbuf_load(env, p, &lo, &err);
	if (!prog) {
		TU_CHECK(0, "%s: load: %s (insn %d)", what, err.msg, err.insn);
		return 1;
	}
	struct jt_run a, b;
#ifdef JT_TRACE
	fprintf(stderr, "%s\n", what);
#endif
	jt_run_one(prog, 0, mem_size, pkt, &a);
	int rc = tu_config_apply(&jt_config, prog, &err);
	if (rc == BPF32_ENOTSUP) {
		/* A build without a JIT of its own: compile for every backend instead. */
		static const enum bpf32_arch archs[] = { BPF32_ARCH_ARM32, BPF32_ARCH_MIPS32EL,
							 BPF32_ARCH_MIPS32BE };
		int bad = 0;
		for (size_t k = 0; k < sizeof archs / sizeof archs[0]; k++) {
			struct bpf32_jit_info info;
			rc = bpf32_jit_image(prog, archs[k], &jt_config.jopts, &info, &err);
			if (rc == 0)
				bpf32_jit_info_free(&info);
			else if (rc != BPF32_ENOTSUP && !(rc == BPF32_EINVAL && jt_config.jopts.cpu))
				bad = 1;
			TU_CHECK(rc == 0 || rc == BPF32_ENOTSUP || (rc == BPF32_EINVAL && jt_config.jopts.cpu),
				 "%s: cross-JIT for arch %d: %s", what, archs[k], err.msg);
		}
		free(a.mem);
		bpf32_prog_free(prog);
		return bad;
	}
	TU_CHECK(rc == 0, "%s: jit: %s", what, err.msg);
	int bad = rc != 0;
	if (!rc) {
		jt_native = 1;
		jt_run_one(prog, 1, mem_size, pkt, &b);
		if (a.rc != b.rc || a.r0 != b.r0) {
			TU_CHECK(0, "%s: interpreter rc %d r0 0x%llx, JIT rc %d r0 0x%llx", what, a.rc,
				 (unsigned long long)a.r0, b.rc, (unsigned long long)b.r0);
			bad = 1;
		}
		for (size_t k = 0; k + 8 <= mem_size; k += 8) {
			uint64_t x, y;
			memcpy(&x, a.mem + k, 8);
			memcpy(&y, b.mem + k, 8);
			if (x != y) {
				TU_CHECK(0, "%s: block %zu word %zu: interpreter 0x%016llx, JIT 0x%016llx",
					 what, unit ? k / unit : 0, unit ? k % unit / 8 : k / 8,
					 (unsigned long long)x, (unsigned long long)y);
				bad = 1;
				break;
			}
		}
		free(b.mem);
	}
	free(a.mem);
	bpf32_prog_free(prog);
	return bad;
}

/* ---------------------------------------------------------------- register-dump blocks */

/*
 * Programs made of blocks: each sets every register R0-R9 but `base` (which
 * holds the ctx pointer) to a known value, runs the code under test, and
 * stores every register but base into its `unit` bytes of the ctx buffer
 * (register r at 8 * r, then stack words at 80 and up). Comparing the buffers
 * checks results and that nothing else was clobbered.
 */
/* A program of blocks whose results go to the ctx buffer, `unit` bytes each. */
struct sweep {
	struct pbuf p;
	uint32_t blocks;
	uint8_t base;
	uint32_t unit;
	uint8_t regs[10];   /* operand registers: R0-R9 without base */
	unsigned nregs;
};

static inline void sweep_start(struct sweep *s, uint8_t base, uint32_t unit)
{
	memset(&s->p, 0, sizeof s->p);
	s->blocks = 0;
	s->base = base;
	s->unit = unit;
	s->nregs = 0;
	for (uint8_t r = 0; r < 10; r++)
		if (r != base)
			s->regs[s->nregs++] = r;
	if (base != 1)
		emit_insn(&s->p, mk(BPF_ALU64 | BPF_MOV | BPF_X, base, 1, 0, 0));
}

/* Every register but base gets a value: a filler, or `v` for the listed ones. */
static inline void block_init(struct sweep *s, uint8_t r1, uint64_t v1, uint8_t r2, uint64_t v2)
{
	for (unsigned k = 0; k < s->nregs; k++) {
		uint8_t r = s->regs[k];
		uint64_t v = 0x0101010101010101ull * (r + 1) ^ (uint64_t)s->blocks << 40;
		if (r == r2)
			v = v2;
		if (r == r1)
			v = v1;
		emit_lddw(&s->p, r, v);
	}
}

/* Store every register but base, then `nstack` stack words below R10. */
static inline void block_dump(struct sweep *s, unsigned nstack)
{
	int32_t at = (int32_t)(s->blocks * s->unit);
	for (unsigned k = 0; k < s->nregs; k++)
		emit_insn(&s->p, mk(BPF_STX | BPF_MEM | BPF_DW, s->base, s->regs[k],
				    (int16_t)(at + 8 * s->regs[k]), 0));
	for (unsigned w = 0; w < nstack; w++) {
		emit_insn(&s->p, mk(BPF_LDX | BPF_MEM | BPF_DW, 0, BPF_REG_FP, (int16_t)(-8 - 8 * (int)w), 0));
		emit_insn(&s->p, mk(BPF_STX | BPF_MEM | BPF_DW, s->base, 0, (int16_t)(at + 80 + 8 * (int)w), 0));
	}
	s->blocks++;
}

static unsigned jt_programs, jt_blocks;

/* Finish, run on both sides and compare; `pkt` for packet loads (or NULL). */
static inline void sweep_end_pkt(struct bpf32_env *env, struct sweep *s, const struct bpf32_packet *pkt,
			  const char *what)
{
	emit_exit_imm(&s->p, 7);
	jt_compare(env, &s->p, (size_t)s->blocks * s->unit, s->unit, pkt, what);
	free(s->p.insns);
	jt_programs++;
	jt_blocks += s->blocks;
}

/* Operand registers of block k: dst and src rotate over every pair, equal ones too. */
static inline uint8_t dst_of(const struct sweep *s, unsigned k) { return s->regs[k % s->nregs]; }
static inline uint8_t src_of(const struct sweep *s, unsigned k) { return s->regs[(k * 7 + k / s->nregs) % s->nregs]; }

#endif /* BPF32_TEST_JIT_COMMON_H */

