/*
 * The JIT driver: target-independent passes around the backends (see jit.h
 * for the steps), the public JIT entry points, and running JITed code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"

_Static_assert(offsetof(struct jit_run, err) == JIT_RUN_ERR &&
	       offsetof(struct jit_run, pkt_data) == JIT_RUN_PKT_DATA &&
	       offsetof(struct jit_run, pkt_head) == JIT_RUN_PKT_HEAD,
	       "JITed code reads struct jit_run at the JIT_RUN_* offsets");

/* ---------------------------------------------------------------- backends */

static const struct {
	enum bpf32_arch arch;
	const struct jit_backend *be;
} backends[] = {
	{ BPF32_ARCH_ARM32, &jit_arm32 },
	{ BPF32_ARCH_MIPS32EL, &jit_mips32el },
	{ BPF32_ARCH_MIPS32BE, &jit_mips32be },
};

/* The architecture this build runs on (BPF32_ARCH_HOST when it has no JIT). */
static enum bpf32_arch native_arch(void)
{
#if defined(BPF32_TARGET_ARM32)
	return BPF32_ARCH_ARM32;
#elif defined(BPF32_TARGET_MIPS32EL) || defined(BPF32_TARGET_MIPS32R6EL)
	return BPF32_ARCH_MIPS32EL;
#elif defined(BPF32_TARGET_MIPS32BE)
	return BPF32_ARCH_MIPS32BE;
#else
	return BPF32_ARCH_HOST;
#endif
}

const struct jit_backend *jit_backend_for(enum bpf32_arch arch)
{
	if (arch == BPF32_ARCH_HOST)
		arch = native_arch();
	for (size_t k = 0; k < sizeof backends / sizeof backends[0]; k++)
		if (backends[k].arch == arch)
			return backends[k].be;
	return NULL;
}

/* ---------------------------------------------------------------- helpers for backends */

int jit_fail(struct jit_ctx *c, int code, const char *fmt, ...)
{
	if (c->err)
		return c->err;
	c->err = code;
	if (c->errp) {
		va_list ap;
		c->errp->code = code;
		c->errp->insn = c->cur < c->len ? (int32_t)(c->orig ? c->orig[c->cur] : c->cur) : -1;
		va_start(ap, fmt);
		vsnprintf(c->errp->msg, sizeof c->errp->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int jit_long(struct jit_ctx *c, int fits)
{
	uint8_t *f = &c->iflags[c->cur];
	if (c->all_long || (*f & JIT_F_LONG))
		return 1;
	if (c->pass == 0 || fits)
		return 0;
	*f |= JIT_F_LONG;
	c->changed = 1;
	return 1;
}

uint32_t jit_func_off(const struct jit_ctx *c, uint32_t i)
{
	uint32_t lo = 0, hi = c->nfuncs;
	while (lo < hi) {   /* funcs are sorted by instruction */
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->funcs[mid].insn < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c->funcs[lo].prev_off;
}

unsigned jit_arg_words(const struct jit_ctx *c, const struct bpf32_helper_proto *p,
		       struct jit_arg_word words[JIT_MAX_ARG_WORDS])
{
	unsigned n = 0;
	memset(words, 0, JIT_MAX_ARG_WORDS * sizeof *words);
	for (unsigned a = 0; a < p->nargs && a < 5; a++) {
		uint8_t r = (uint8_t)(a + 1);
		if (p->arg64 & (1u << a)) {
			n = (n + 1) & ~1u;
			words[n++] = (struct jit_arg_word){ r, c->be->big_endian ? JIT_HI : JIT_LO };
			words[n++] = (struct jit_arg_word){ r, c->be->big_endian ? JIT_LO : JIT_HI };
		} else {
			words[n++] = (struct jit_arg_word){ r, JIT_LO };
		}
	}
	return n;
}

/* ---------------------------------------------------------------- setup */

static void ctx_free(struct jit_ctx *c)
{
	if (c->priv && c->be->release)
		c->be->release(c);
	free(c->insns);
	free(c->target);
	free(c->orig);
	free(c->iflags);
	free(c->live);
	free(c->funcs);
	free(c->off);
	free(c->prev_off);
}

/* Copy the program, with absolute jump and local-call targets. */
static int setup(struct jit_ctx *c)
{
	const struct bpf32_prog *p = c->prog;
	c->len = p->len;
	c->insns = malloc(p->len * sizeof *c->insns);
	c->target = calloc(p->len, sizeof *c->target);
	c->iflags = calloc(p->len + 1, 1);
	if (!c->insns || !c->target || !c->iflags)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	memcpy(c->insns, p->insns, p->len * sizeof *c->insns);
	for (uint32_t i = 0; i < p->len; i++) {
		const struct bpf_insn *in = &p->insns[i];
		if (bpf_is_lddw(in)) {
			c->iflags[++i] = JIT_F_LDDW_HI;
			continue;
		}
		if (!bpf_is_jmp(in->code))
			continue;
		if (in->code == (BPF_JMP32 | BPF_JA) ||
		    (in->code == (BPF_JMP | BPF_CALL) && in->src == BPF_PSEUDO_CALL))
			c->target[i] = i + 1 + (uint32_t)in->imm;
		else if (BPF_OP(in->code) != BPF_CALL && BPF_OP(in->code) != BPF_EXIT)
			c->target[i] = i + 1 + (uint32_t)(int32_t)in->off;
	}
	return 0;
}

/* ---------------------------------------------------------------- passes */

/* A call instruction: to a helper, a runtime routine or a local function. */
static void emit_call(struct jit_ctx *c, const struct jit_ops *ops, const struct bpf_insn *i,
		      uint32_t idx)
{
	if (BPF_SRC(i->code) == BPF_X) {
		ops->slow_call(c, JIT_ADDR(jit_rt_callx), i);
		return;
	}
	if (i->src == BPF_PSEUDO_CALL) {
		ops->local_call(c, jit_target(c, idx));
		return;
	}
	const struct bpf32_helper *h = jit_helper(c, (uint32_t)i->imm);
	if (h && h->kind == HELPER_TAIL_CALL)
		ops->slow_call(c, JIT_ADDR(jit_rt_tail_call), NULL);
	else if (h && h->kind == HELPER_FN)
		ops->helper_call(c, h);
	else   /* as the interpreter: an error when reached */
		ops->error(c, BPF32_ENOHELPER);
}

/* Instruction `idx` (LDDW: both slots), through the backend's emitter for its family. */
static void emit_insn(struct jit_ctx *c, uint32_t idx)
{
	const struct jit_ops *ops = c->be->ops;
	const struct bpf_insn *i = &c->insns[idx];
	switch (BPF_CLASS(i->code)) {
	case BPF_ALU: case BPF_ALU64:
		ops->alu(c, i);
		break;
	case BPF_JMP: case BPF_JMP32:
		if (i->code == (BPF_JMP | BPF_EXIT))
			ops->exit(c);
		else if (BPF_OP(i->code) == BPF_CALL)
			emit_call(c, ops, i, idx);
		else if (jit_target(c, idx) != idx + 1)   /* to the next one: nothing to do */
			ops->jmp(c, i, jit_insn_off(c, jit_target(c, idx)));
		break;
	case BPF_LD:
		if (bpf_is_lddw(i))
			ops->lddw(c, i);
		else
			ops->ld_pkt(c, i);
		break;
	case BPF_LDX:
		ops->ldx(c, i);
		break;
	default:   /* ST, STX */
		if (BPF_MODE(i->code) != BPF_ATOMIC)
			ops->store(c, i);
		else if (BPF_SIZE(i->code) == BPF_DW)
			ops->atomic64(c, i);
		else
			ops->atomic32(c, i);
		break;
	}
}

static void run_pass(struct jit_ctx *c)
{
	uint32_t f = 0, last = 0;
	c->pos = 0;
	c->changed = 0;
	c->cur = c->len;
	c->be->prologue(c);
	for (uint32_t i = 0; i < c->len && !c->err; i++) {
		c->cur = i;
		if (c->iflags[i] & JIT_F_LDDW_HI) {
			c->off[i] = c->pos;
			continue;
		}
		if (c->iflags[i] & JIT_F_FUNC) {
			c->funcs[f++].off = c->pos;
			c->be->func_entry(c, i);
		}
		c->off[i] = c->pos;
		emit_insn(c, i);
		last = i;
	}
	c->cur = c->len;
	c->off[c->len] = c->pos;
	if (c->iflags[last] & JIT_F_FALLS_OUT)
		c->be->ops->error(c, BPF32_EFAULT);
	c->be->epilogue(c);
}

/* Whether this pass laid the code out exactly as the previous one. */
static int same_layout(const struct jit_ctx *c, uint32_t prev_size)
{
	if (c->changed || c->pos != prev_size ||
	    memcmp(c->off, c->prev_off, (c->len + 1) * sizeof *c->off) ||
	    memcmp(c->label, c->prev_label, sizeof c->label))
		return 0;
	for (uint32_t f = 0; f < c->nfuncs; f++)
		if (c->funcs[f].off != c->funcs[f].prev_off)
			return 0;
	return 1;
}

/* This pass's layout becomes the one branches are measured against. */
static void keep_layout(struct jit_ctx *c)
{
	uint32_t *t = c->off;
	c->off = c->prev_off;
	c->prev_off = t;
	memcpy(c->prev_label, c->label, sizeof c->label);
	for (uint32_t f = 0; f < c->nfuncs; f++)
		c->funcs[f].prev_off = c->funcs[f].off;
}

/*
 * A first pass sizes everything with short branches. Each later pass writes
 * into a buffer of the size the previous pass measured, measuring branches
 * against its layout; when nothing moved, that pass is the image. When a
 * branch had to grow, the buffer is dropped and the next pass tries again
 * with the new layout (long branches stay long, so this ends; after
 * JIT_MAX_PASSES every branch is long, which fixes the layout outright).
 */
static int layout_and_emit(struct jit_ctx *c, int exec)
{
	c->off = calloc(c->len + 1, sizeof *c->off);
	c->prev_off = calloc(c->len + 1, sizeof *c->prev_off);
	if (!c->off || !c->prev_off)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");

	run_pass(c);
	for (int pass = 1; !c->err; pass++) {
		uint32_t prev_size = c->pos;
		keep_layout(c);
		if (pass == JIT_MAX_PASSES)
			c->all_long = 1;
		if (pass > JIT_MAX_PASSES + 2)
			return jit_fail(c, BPF32_EINVAL, "code layout does not converge");

		size_t bytes = 4 * (size_t)prev_size;
		c->buf = exec ? jit_code_alloc(bytes) : malloc(bytes ? bytes : 4);
		if (!c->buf)
			return jit_fail(c, BPF32_ENOMEM, "out of memory for %zu bytes of code", bytes);
		c->cap = prev_size;
		c->pass = pass;
		run_pass(c);
		if (!c->err && same_layout(c, prev_size))
			return 0;
		if (exec)
			jit_code_free(c->buf, bytes);
		else
			free(c->buf);
		c->buf = NULL;
	}
	return c->err;
}

/*
 * Compile `prog` with backend `be` into c->buf (c->pos words): executable
 * memory when `exec`, else malloc'd. On failure everything is released.
 */
static int compile(struct jit_ctx *c, const struct bpf32_prog *prog, const struct jit_backend *be,
		   const struct bpf32_jit_opts *opts, int exec, struct bpf32_error *err)
{
	memset(c, 0, sizeof *c);
	c->be = be;
	c->prog = prog;
	c->errp = err;
	c->flags = opts ? opts->flags : 0;
	if (c->flags & ~(uint32_t)(BPF32_JIT_HARDEN | JIT_FLAG_ALL_LONG))
		return bpf32_fail(err, BPF32_EINVAL, -1, "unknown JIT flags 0x%x", c->flags);
	c->all_long = (c->flags & JIT_FLAG_ALL_LONG) != 0;
	if (be->resolve_cpu(opts ? opts->cpu : BPF32_CPU_DEFAULT, &c->cpu))
		return bpf32_fail(err, BPF32_EINVAL, -1, "cpu %u is not a %s cpu",
				  opts ? opts->cpu : 0, be->name);

	if (setup(c) || ((c->flags & BPF32_JIT_HARDEN) && jit_blind(c)) || jit_scan(c) ||
	    be->prepare(c) || layout_and_emit(c, exec)) {
		ctx_free(c);
		return c->err ? c->err : BPF32_EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- native images */

/* Whether the program has LD_ABS or LD_IND instructions. */
static int has_ld_pkt(const struct jit_ctx *c)
{
	for (uint32_t i = 0; i < c->len; i++) {
		uint8_t code = c->insns[i].code;
		if (BPF_CLASS(code) == BPF_LD && (BPF_MODE(code) == BPF_ABS || BPF_MODE(code) == BPF_IND))
			return 1;
	}
	return 0;
}

int jit_compile_native(const struct bpf32_prog *prog, const struct bpf32_jit_opts *opts,
		       struct bpf32_jit_image **out, struct bpf32_error *err)
{
	const struct jit_backend *be = jit_backend_for(BPF32_ARCH_HOST);
	if (!be)
		return bpf32_fail(err, BPF32_ENOTSUP, -1, "this build has no JIT backend");
	struct jit_ctx c;
	int rc = compile(&c, prog, be, opts, 1, err);
	if (rc)
		return rc;

	struct bpf32_jit_image *img = calloc(1, sizeof *img);
	size_t size = 4 * (size_t)c.pos;
	if (!img || jit_code_seal(c.buf, size)) {
		free(img);
		jit_code_free(c.buf, size);
		ctx_free(&c);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "cannot make JIT code executable");
	}
	img->mem = c.buf;
	img->size = size;
	img->entry = 4 * c.entry;
	img->tail_entry = 4 * c.tail_entry;
	img->ld_pkt = has_ld_pkt(&c);
	if (opts)
		img->opts = *opts;
	ctx_free(&c);
	*out = img;
	return 0;
}

const struct bpf32_jit_image *jit_image_get(struct bpf32_prog *prog,
					    const struct bpf32_jit_opts *opts, int *code)
{
	struct bpf32_jit_image *img = __atomic_load_n(&prog->jit, __ATOMIC_ACQUIRE);
	if (img)
		return img;
	struct bpf32_jit_image *fresh = NULL;
	*code = jit_compile_native(prog, opts, &fresh, NULL);
	if (*code)
		return NULL;
	/* Another thread may have won the race; keep its image then. */
	if (__atomic_compare_exchange_n(&prog->jit, &img, fresh, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fresh;
	bpf32_jit_free(fresh);
	return img;
}

void bpf32_jit_free(struct bpf32_jit_image *img)
{
	if (!img)
		return;
	jit_code_free(img->mem, img->size);
	free(img);
}

int bpf32_jit(struct bpf32_prog *prog, const struct bpf32_jit_opts *opts,
	      struct bpf32_error *err)
{
	if (!prog)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no program");
	struct bpf32_jit_image *img = NULL;
	int rc = jit_compile_native(prog, opts, &img, err);
	if (rc)
		return rc;
	bpf32_jit_free(prog->jit);
	prog->jit = img;
	return 0;
}

int bpf32_is_jited(const struct bpf32_prog *prog)
{
	return prog && prog->jit != NULL;
}

/* What a run that JITed code ended early means. */
static const char *run_error(int code)
{
	switch (code) {
	case BPF32_ELIMIT: return "local calls nest deeper than the frame limit";
	case BPF32_EFAULT: return "ran off the end of the program";
	case BPF32_ENOHELPER: return "call of an unregistered helper";
	default: return bpf32_strerror(code);
	}
}

int bpf32_jit_exec(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		   uint64_t *r0, struct bpf32_error *err)
{
	typedef uint64_t (*entry_fn)(void *ctx, uint32_t ctx_len, struct jit_run *run);
	const struct bpf32_jit_image *img = prog->jit;
	struct jit_run run;

	memset(&run, 0, sizeof run);
	run.opts = img->opts;
	run.ctx_pkt.data = args->ctx;
	run.ctx_pkt.len = run.ctx_pkt.headlen =
		args->ctx_len < UINT32_MAX ? (uint32_t)args->ctx_len : UINT32_MAX;
	run.pkt = args->pkt ? args->pkt : &run.ctx_pkt;
	if (img->ld_pkt) {
		run.pkt_data = (uint32_t)(uintptr_t)run.pkt->data;
		run.pkt_head = run.pkt->headlen < run.pkt->len ? run.pkt->headlen : run.pkt->len;
		if (run.pkt_head > INT32_MAX)
			run.pkt_head = INT32_MAX;
	}

	entry_fn entry = (entry_fn)(uintptr_t)((uint8_t *)img->mem + img->entry);
	uint64_t result = entry(args->ctx, (uint32_t)args->ctx_len, &run);
	if (run.err)
		return bpf32_fail(err, run.err, -1, "%s", run_error(run.err));
	*r0 = result;
	return 0;
}

/* ---------------------------------------------------------------- cross-JIT */

/* Byte offset where the code of new instruction i starts (its function entry first). */
static uint32_t insn_start(const struct jit_ctx *c, uint32_t i)
{
	if (i < c->len && (c->iflags[i] & JIT_F_FUNC))
		return 4 * jit_func_off(c, i);
	return 4 * c->off[i];
}

int jit_compile_cross(struct jit_ctx *c, const struct bpf32_prog *prog, enum bpf32_arch arch,
		      const struct bpf32_jit_opts *opts, struct bpf32_error *err)
{
	if (!prog)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no program");
	const struct jit_backend *be = jit_backend_for(arch);
	if (!be)
		return bpf32_fail(err, BPF32_ENOTSUP, -1, "no JIT backend for architecture %d", arch);
	return compile(c, prog, be, opts, 0, err);
}

void jit_cross_free(struct jit_ctx *c)
{
	free(c->buf);
	ctx_free(c);
}

/*
 * Each original slot starts where the first instruction made from it does
 * (going backwards, the first one is written last); slots that produced
 * nothing start where the next one does.
 */
void jit_slot_offsets(const struct jit_ctx *c, uint32_t *slot_off)
{
	uint32_t n = c->prog->len;
	slot_off[n] = 4 * c->off[c->len];
	for (uint32_t s = n; s-- > 0;)
		slot_off[s] = slot_off[s + 1];
	for (uint32_t i = c->len; i-- > 0;)
		slot_off[c->orig ? c->orig[i] : i] = insn_start(c, i);
	for (uint32_t s = n; s-- > 0;)   /* keep them ordered across empty slots */
		if (slot_off[s] > slot_off[s + 1])
			slot_off[s] = slot_off[s + 1];
}

int bpf32_jit_image(const struct bpf32_prog *prog, enum bpf32_arch arch,
		    const struct bpf32_jit_opts *opts, struct bpf32_jit_info *info,
		    struct bpf32_error *err)
{
	struct jit_ctx c;
	int rc = jit_compile_cross(&c, prog, arch, opts, err);
	if (rc)
		return rc;
	memset(info, 0, sizeof *info);
	info->nslots = prog->len;
	info->slot_off = malloc((prog->len + 1) * sizeof *info->slot_off);
	if (!info->slot_off) {
		jit_cross_free(&c);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	jit_slot_offsets(&c, info->slot_off);
	info->code = c.buf;
	info->size = 4 * (size_t)c.pos;
	info->entry = 4 * c.entry;
	c.buf = NULL;
	jit_cross_free(&c);
	return 0;
}

void bpf32_jit_info_free(struct bpf32_jit_info *info)
{
	if (!info)
		return;
	free(info->code);
	free(info->slot_off);
	memset(info, 0, sizeof *info);
}
