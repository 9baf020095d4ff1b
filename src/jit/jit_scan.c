/*
 * The scan: target-independent facts the backends build on.
 *
 *  - control flow: local-call targets (functions), instructions that the
 *    previous one runs into, whether the last one can run past the end;
 *  - weighted use counts of each register half, for the register map (uses
 *    inside loops count more);
 *  - live_in: registers that may be read before being written on some path
 *    from instruction 0 (a backward data-flow over the whole program);
 *  - zero_hi: registers whose upper half is zero at every point, so that
 *    backends give that half no storage and skip work on it.
 *
 * zero_hi is a property of a register over the whole program: every write
 * to it must leave the upper half zero, and its value at entry too. Normal
 * entry gives R1 = ctx and R2 = ctx_len (both below 2^32 on 32-bit hosts) and
 * 0 elsewhere; a tail call brings the caller's registers, anything at all,
 * so registers live at entry are never zero_hi. Calls change little: a
 * helper keeps R1-R5 and writes R0 per its prototype, a local callee's
 * writes are the program's own, except the R0 it returns after a tail call
 * to another program.
 */
#include <stdlib.h>

#include "jit.h"

#define ALL_REGS 0x03ffu   /* R0..R9 */

/* Registers an instruction reads and writes. */
struct effect {
	uint16_t use, def;
};

static struct effect effect_of(const struct jit_ctx *c, const struct bpf_insn *i)
{
	struct effect e = { 0, 0 };
	uint16_t dst = (uint16_t)(1u << i->dst), src = (uint16_t)(1u << i->src);
	switch (BPF_CLASS(i->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		e.def = dst;
		if (BPF_OP(i->code) != BPF_MOV)
			e.use |= dst;
		if (BPF_SRC(i->code) == BPF_X && BPF_OP(i->code) != BPF_NEG &&
		    BPF_OP(i->code) != BPF_END)
			e.use |= src;
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (i->code == (BPF_JMP | BPF_EXIT)) {
			e.use = 1;
		} else if (i->code == (BPF_JMP | BPF_CALL) && i->src == BPF_PSEUDO_CALL) {
			e.def = 1;   /* what the callee reads is live at its entry (scan_live_in) */
		} else if (i->code == (BPF_JMP | BPF_CALL)) {
			const struct bpf32_helper *h = jit_helper(c, (uint32_t)i->imm);
			if (h && h->kind == HELPER_FN) {
				e.use = (uint16_t)(((1u << h->proto.nargs) - 1) << 1);
				e.def = 1;
			} else {
				e.use = ALL_REGS;   /* the tail-call target may read anything */
			}
		} else if (i->code == (BPF_JMP | BPF_CALL | BPF_X)) {
			e.use = ALL_REGS;
			e.def = 1;
		} else if (BPF_OP(i->code) != BPF_JA) {
			e.use = dst;
			if (BPF_SRC(i->code) == BPF_X)
				e.use |= src;
		}
		break;
	case BPF_LD:
		if (bpf_is_lddw(i)) {
			e.def = dst;
		} else {
			e.def = 1;
			if (BPF_MODE(i->code) == BPF_IND)
				e.use = src;
		}
		break;
	case BPF_LDX:
		e.use = src;
		e.def = dst;
		break;
	case BPF_ST:
		e.use = dst;
		break;
	default:   /* STX */
		e.use = dst | src;
		if (BPF_MODE(i->code) == BPF_ATOMIC) {
			if (i->imm == BPF_CMPXCHG) {
				e.use |= 1;
				e.def = 1;
			} else if (i->imm & BPF_FETCH) {
				e.def = src;
			}
		}
		break;
	}
	return e;
}

static int is_local_call(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_CALL) && i->src == BPF_PSEUDO_CALL;
}

/*
 * Whether the value an instruction writes has a zero upper half, given the
 * registers already known to (`zh`).
 */
static int def_zero_hi(const struct jit_ctx *c, const struct bpf_insn *i, uint16_t zh)
{
	int zd = (zh >> i->dst) & 1;
	int zs = BPF_SRC(i->code) == BPF_K ? i->imm >= 0 : (zh >> i->src) & 1;
	switch (BPF_CLASS(i->code)) {
	case BPF_ALU:   /* 32-bit results are zero-extended, except END to 64 bits */
		return !(BPF_OP(i->code) == BPF_END && i->imm == 64);
	case BPF_ALU64:
		switch (BPF_OP(i->code)) {
		case BPF_MOV:
			return BPF_SRC(i->code) == BPF_K || i->off == 0 ? zs : 0;
		case BPF_AND:
			return zd || zs;
		case BPF_OR: case BPF_XOR:
			return zd && zs;
		case BPF_RSH:
			return zd || (BPF_SRC(i->code) == BPF_K && (i->imm & 63) >= 32);
		case BPF_ARSH:
			return zd;
		case BPF_DIV: case BPF_MOD:
			return zd && i->off == 0;
		default:
			return 0;
		}
	case BPF_LD:
		return bpf_is_lddw(i) ? i[1].imm == 0 : 1;
	case BPF_LDX:
		return BPF_MODE(i->code) == BPF_MEM && BPF_SIZE(i->code) != BPF_DW;
	case BPF_STX:   /* atomics returning the old value */
		return BPF_SIZE(i->code) == BPF_W;
	default: {      /* calls: R0 of a helper, or a local callee's: the program's own
			 * unless the callee may tail-call and return another's */
		if (is_local_call(i))
			return zd && !c->scan.has_slow_calls;
		const struct bpf32_helper *h = i->code == (BPF_JMP | BPF_CALL) ?
			jit_helper(c, (uint32_t)i->imm) : NULL;
		return h && h->proto.ret != BPF32_RET_U64;
	}
	}
}

/* Instructions after which execution does not go on to the next one. */
static int ends_flow(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_EXIT) || i->code == (BPF_JMP | BPF_JA) ||
	       i->code == (BPF_JMP32 | BPF_JA);
}

static int is_branch(const struct bpf_insn *i)
{
	return bpf_is_jmp(i->code) && BPF_OP(i->code) != BPF_CALL && BPF_OP(i->code) != BPF_EXIT;
}

/* Functions, fall-through flags, calls that pass registers to other programs. */
static int scan_flow(struct jit_ctx *c)
{
	uint32_t prev = UINT32_MAX;   /* previous real instruction */
	c->iflags[0] |= JIT_F_FUNC;
	for (uint32_t i = 0; i < c->len; i++) {
		const struct bpf_insn *in = &c->insns[i];
		if (c->iflags[i] & JIT_F_LDDW_HI)
			continue;
		if (prev != UINT32_MAX && !ends_flow(&c->insns[prev]))
			c->iflags[i] |= JIT_F_FALLS_IN;
		prev = i;
		if (is_local_call(in)) {
			c->iflags[c->target[i]] |= JIT_F_FUNC;
		} else if (in->code == (BPF_JMP | BPF_CALL)) {
			const struct bpf32_helper *h = jit_helper(c, (uint32_t)in->imm);
			if (h && h->kind == HELPER_TAIL_CALL)
				c->scan.has_slow_calls = 1;
		} else if (in->code == (BPF_JMP | BPF_CALL | BPF_X)) {
			c->scan.has_slow_calls = 1;
		}
	}
	if (prev != UINT32_MAX && !ends_flow(&c->insns[prev]))
		c->iflags[prev] |= JIT_F_FALLS_OUT;

	for (uint32_t i = 0; i < c->len; i++)
		c->nfuncs += c->iflags[i] & JIT_F_FUNC ? 1 : 0;
	c->funcs = calloc(c->nfuncs, sizeof *c->funcs);
	if (!c->funcs)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	for (uint32_t i = 0, f = 0; i < c->len; i++)
		if (c->iflags[i] & JIT_F_FUNC)
			c->funcs[f++].insn = i;
	return 0;
}

/*
 * Use counts: the reads and writes of each half (what spilling it would cost
 * in loads and stores), weighted by loop depth: instructions between a
 * backward jump and its target count 4x per level (up to 3 levels).
 */
static int scan_uses(struct jit_ctx *c, const struct effect *eff)
{
	int32_t *depth = calloc(c->len + 1, sizeof *depth);
	if (!depth)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c->len; i++)
		if (!(c->iflags[i] & JIT_F_LDDW_HI) && is_branch(&c->insns[i]) && c->target[i] <= i) {
			depth[c->target[i]]++;
			depth[i + 1]--;
		}
	int32_t d = 0;
	for (uint32_t i = 0; i < c->len; i++) {
		d += depth[i];
		if (c->iflags[i] & JIT_F_LDDW_HI)
			continue;
		const struct bpf_insn *in = &c->insns[i];
		uint32_t w = 1u << (2 * (d < 3 ? d : 3));
		struct effect e = eff[i];
		uint16_t touched = e.use | e.def;
		/* 32-bit operations use low halves only (their upper-half write is one store). */
		int mem = BPF_CLASS(in->code) == BPF_LDX || BPF_CLASS(in->code) == BPF_ST ||
			  BPF_CLASS(in->code) == BPF_STX;
		int wide = BPF_CLASS(in->code) == BPF_ALU64 || BPF_CLASS(in->code) == BPF_JMP ||
			   bpf_is_lddw(in) || (mem && BPF_SIZE(in->code) == BPF_DW);
		c->scan.used |= touched;
		for (uint16_t m = touched; m; m &= (uint16_t)(m - 1)) {
			unsigned r = (unsigned)__builtin_ctz(m);
			uint32_t reads = e.use >> r & 1, writes = e.def >> r & 1;
			c->scan.uses[r][JIT_LO] += w * (reads + writes);
			c->scan.uses[r][JIT_HI] += w * (wide ? reads + writes : writes);
		}
	}
	free(depth);
	return 0;
}

/*
 * Backward liveness to a fixed point; only the registers live at instruction
 * 0 are kept. A local call flows into its callee as well as on to the next
 * instruction: a register the callee may read before writing is live at the
 * call, and one read after the call is too (R6-R9 come back, R1-R5 may).
 * EXIT ends a path: what a caller reads after the call is live there.
 */
static int scan_live_in(struct jit_ctx *c, const struct effect *eff)
{
	uint16_t *live = calloc(c->len + 1, sizeof *live);
	if (!live)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	int changed = 1;
	for (unsigned round = 0; changed && round < 64; round++) {
		changed = 0;
		for (uint32_t i = c->len; i-- > 0;) {
			if (c->iflags[i] & JIT_F_LDDW_HI)
				continue;
			const struct bpf_insn *in = &c->insns[i];
			uint16_t out = 0;
			if (!ends_flow(in))
				out |= live[i + (bpf_is_lddw(in) ? 2 : 1)];   /* live[len] = 0 */
			if (is_branch(in) || is_local_call(in))
				out |= live[c->target[i]];
			uint16_t in_live = (uint16_t)(eff[i].use | (out & ~eff[i].def));
			if (in_live != live[i]) {
				live[i] = in_live;
				changed = 1;
			}
		}
	}
	c->scan.live_in = changed ? (uint16_t)0xfff : live[0];
	if (changed)   /* not a fixed point: no per-instruction answer */
		free(live);
	else
		c->live = live;
	return 0;
}

/* zero_hi: start from every register not live at entry and drop each one some write breaks. */
static void scan_zero_hi(struct jit_ctx *c, const struct effect *eff)
{
	uint16_t zh = (uint16_t)((0xfff & ~c->scan.live_in) | 1u << BPF_REG_FP);
	int changed = 1;
	while (changed) {
		changed = 0;
		for (uint32_t i = 0; i < c->len; i++) {
			if (c->iflags[i] & JIT_F_LDDW_HI)
				continue;
			uint16_t def = eff[i].def & zh;
			if (def && !def_zero_hi(c, &c->insns[i], zh)) {
				zh &= (uint16_t)~def;
				changed = 1;
			}
		}
	}
	c->scan.zero_hi = zh;
}

int jit_scan(struct jit_ctx *c)
{
	struct effect *eff = calloc(c->len, sizeof *eff);
	if (!eff)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c->len; i++)
		if (!(c->iflags[i] & JIT_F_LDDW_HI))
			eff[i] = effect_of(c, &c->insns[i]);
	if (!scan_flow(c) && !scan_uses(c, eff) && !scan_live_in(c, eff))
		scan_zero_hi(c, eff);
	free(eff);
	return c->err;
}
