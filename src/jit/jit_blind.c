/*
 * Constant blinding (BPF32_JIT_HARDEN): no immediate the program chose
 * appears in the image as it was written. Before lowering, each such
 * immediate is replaced by a computation in the blinding register AX (eBPF
 * register 11, which each backend maps like the others) with a fresh random
 * key per instruction:
 *
 *   dst op= imm            ->  ax = imm ^ k; ax ^= k; dst op= ax
 *   if dst cmp imm goto L  ->  ax = imm ^ k; ax ^= k; if dst cmp ax goto L
 *   *(size *)(dst + off) = imm
 *                          ->  ax = imm ^ k; ax ^= k; *(size *)(dst + off) = ax
 *   dst = imm64 (lddw)     ->  dst = imm64 ^ k64; ax = k64; dst ^= ax
 *   R0 = packet[imm]       ->  ax = imm ^ k; ax ^= k; R0 = packet[ax + 0]
 *   R0 = packet[src + imm] ->  ax = imm ^ k; ax ^= k; ax += src; R0 = packet[ax + 0]
 *
 * ALU64, JMP and ST sequences work on 64 bits (mov64 sign-extends imm ^ k
 * and xor64 sign-extends k, so ax ends as the sign-extended imm); ALU and
 * JMP32 ones on 32. A zero immediate is left alone, as are immediates that
 * are not data (shift widths of END, jump offsets, call ids, atomic ops).
 * Jump targets are carried over as absolute indexes, so the rewritten
 * program may exceed the 16-bit jump range.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jit.h"

#define AX JIT_REG_AX

/* A small PRNG (xorshift64*) seeded from the OS for every JIT. */
static uint64_t seed(void)
{
	uint64_t s = 0;
	if (getentropy(&s, sizeof s) != 0 || s == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&ts;
		s |= 1;
	}
	return s;
}

static uint32_t next_key(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dull) >> 32);
}

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { code, dst, src, off, imm };
	return i;
}

/* How many instructions replace slot i (1: unchanged). */
static unsigned blind_len(const struct bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code);
	if (bpf_is_lddw(i))
		return 5;
	if (i->imm == 0)
		return 1;
	if (bpf_is_alu(i->code))
		return BPF_SRC(i->code) == BPF_K && BPF_OP(i->code) != BPF_NEG &&
		       BPF_OP(i->code) != BPF_END ? 3 : 1;
	if (bpf_is_jmp(i->code))
		return BPF_SRC(i->code) == BPF_K && BPF_OP(i->code) != BPF_JA &&
		       BPF_OP(i->code) != BPF_CALL && BPF_OP(i->code) != BPF_EXIT ? 3 : 1;
	if (cls == BPF_ST)
		return 3;
	if (cls == BPF_LD)
		return BPF_MODE(i->code) == BPF_ABS ? 3 : 4;
	return 1;
}

/* ax = imm, blinded with key k, in 64 or 32 bits. */
static struct bpf_insn *load_ax(struct bpf_insn *out, int32_t imm, uint32_t k, int is64)
{
	uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
	*out++ = insn(cls | BPF_MOV | BPF_K, AX, 0, 0, (int32_t)((uint32_t)imm ^ k));
	*out++ = insn(cls | BPF_XOR | BPF_K, AX, 0, 0, (int32_t)k);
	return out;
}

/* Write the replacement of slot i (blind_len(i) instructions); returns the end. */
static struct bpf_insn *blind_one(const struct bpf_insn *i, struct bpf_insn *out, uint64_t *rng)
{
	uint32_t k = next_key(rng);
	uint8_t cls = BPF_CLASS(i->code);

	if (bpf_is_lddw(i)) {
		uint32_t k2 = next_key(rng);
		*out++ = insn(i->code, i->dst, 0, 0, (int32_t)((uint32_t)i[0].imm ^ k));
		*out++ = insn(0, 0, 0, 0, (int32_t)((uint32_t)i[1].imm ^ k2));
		*out++ = insn(i->code, AX, 0, 0, (int32_t)k);
		*out++ = insn(0, 0, 0, 0, (int32_t)k2);
		*out++ = insn(BPF_ALU64 | BPF_XOR | BPF_X, i->dst, AX, 0, 0);
		return out;
	}
	if (blind_len(i) == 1) {
		*out++ = *i;
		return out;
	}
	if (bpf_is_alu(i->code) || bpf_is_jmp(i->code)) {   /* op with ax as the source */
		out = load_ax(out, i->imm, k, cls == BPF_ALU64 || cls == BPF_JMP);
		*out++ = insn((uint8_t)(i->code | BPF_X), i->dst, AX, i->off, 0);
		return out;
	}
	if (cls == BPF_ST) {
		out = load_ax(out, i->imm, k, 1);
		*out++ = insn((uint8_t)(BPF_STX | BPF_MEM | BPF_SIZE(i->code)), i->dst, AX, i->off, 0);
		return out;
	}
	/* LD_ABS / LD_IND: an indirect load from ax. */
	out = load_ax(out, i->imm, k, 0);
	if (BPF_MODE(i->code) == BPF_IND)
		*out++ = insn(BPF_ALU | BPF_ADD | BPF_X, AX, i->src, 0, 0);
	*out++ = insn((uint8_t)(BPF_LD | BPF_IND | BPF_SIZE(i->code)), 0, AX, 0, 0);
	return out;
}

int jit_blind(struct jit_ctx *c)
{
	uint32_t n = 0;
	uint32_t *first = malloc((c->len + 1) * sizeof *first);   /* new index of each slot */
	if (!first)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	for (uint32_t i = 0; i < c->len; i++) {
		first[i] = n;
		if (c->iflags[i] & JIT_F_LDDW_HI)
			continue;
		n += blind_len(&c->insns[i]);
	}
	first[c->len] = n;

	struct bpf_insn *insns = calloc(n, sizeof *insns);
	uint32_t *target = calloc(n, sizeof *target);
	uint32_t *orig = calloc(n, sizeof *orig);
	uint8_t *iflags = calloc(n + 1, 1);
	if (!insns || !target || !orig || !iflags) {
		free(first);
		free(insns);
		free(target);
		free(orig);
		free(iflags);
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	}

	uint64_t rng = seed();
	for (uint32_t i = 0; i < c->len; i++) {
		if (c->iflags[i] & JIT_F_LDDW_HI)
			continue;
		struct bpf_insn *start = insns + first[i];
		struct bpf_insn *end = blind_one(&c->insns[i], start, &rng);
		for (struct bpf_insn *p = start; p < end; p++) {
			uint32_t k = (uint32_t)(p - insns);
			orig[k] = i;
			if (bpf_is_lddw(p))
				iflags[k + 1] = JIT_F_LDDW_HI;
		}
		/* The jump or call is the last instruction of the replacement. */
		if (bpf_is_jmp(c->insns[i].code))
			target[first[i + 1] - 1] = first[c->target[i]];
	}
	free(first);
	free(c->insns);
	free(c->target);
	free(c->iflags);
	c->insns = insns;
	c->target = target;
	c->orig = orig;
	c->iflags = iflags;
	c->len = n;
	return 0;
}
