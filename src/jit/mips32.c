/*
 * MIPS32 backend: eBPF to MIPS32 release 1, 2 or 6, little or big endian,
 * O32 ABI. One code base for every variant: the byte order only decides
 * which register of a pair holds the low half, the revision only which of a
 * few small helpers (the "ISA choices" section) emits what.
 *
 * Registers. Every eBPF register lives in machine registers for the whole
 * program (as in Linux's MIPS32 JIT), each pair in O32's memory order, so
 * that a pair is exactly how O32 passes and returns a 64-bit value:
 *
 *      R0  v0:v1   the 64-bit result registers
 *      R1  a0:a1   the first 64-bit argument pair
 *      R2  a2:a3   the second one
 *      R3  t0:t1   R1..R5 occupy $4..$13 in order, which makes helper
 *      R4  t2:t3   argument set-up a simple ascending shuffle
 *      R5  t4:t5   (emit_helper_call)
 *      R6  s0:s1   R6..R9 in the callee-saved registers, so they survive
 *      R7  s2:s3   helper calls for free
 *      R8  s4:s5
 *      R9  s6:s7
 *      R10 -       sp + FRAME_FP: no register; R10-relative accesses use sp
 *      AX  fp:t8   the blinding register (fp is saved by the C entry)
 *
 * The first register of a pair holds the word at the lower address: the low
 * half on little endian, the high half on big endian. An upper half the scan
 * proved zero wherever it is read is $zero: reads give 0 and writes vanish.
 * Scratch: T0-T3 (t6, t7, t9, at) inside one eBPF instruction, ra inside
 * long jumps; t9 also carries every call target, as PIC code expects.
 *
 * Helpers are ordinary C functions that clobber v0-v1, a0-a3 and t0-t9, so
 * around calls out (helpers and runtime routines) the caller-saved eBPF
 * registers still live after the instruction are kept in their slots (R1-R5
 * keep their values across helper calls, as in the interpreter). gp is
 * never touched: non-PIC static executables rely on it.
 *
 * Frames. The C entry saves ra and the callee-saved registers the program
 * changes (all of them when it may tail-call), then every function (the
 * main program and each local-call target) runs in a frame of FRAME_SIZE
 * bytes, the same for every program so that a tail call continues in the
 * frame it was made in:
 *
 *            +--------------------------+  <- R10 = sp + FRAME_FP
 *            | eBPF stack (512 bytes)   |
 *       +128 +--------------------------+
 *       +124 | return address           |  sw ra at function entry
 *       +120 | struct jit_run *         |
 *        +40 | R0..R9 slots (8 each)    |  each in the target's byte order
 *        +16 | helper argument words 4+ |  O32: sp + 16 and up
 *         +0 | O32 home of a0-a3        |  belongs to the callee
 *            +--------------------------+  <- sp (8-byte aligned)
 *
 * A local call saves the caller's R6-R9 in its slots, allocates the callee's
 * frame (checking the depth limit), `bal`s to the callee and reloads R6-R9
 * after; R0-R5 come back as the callee left them, as in the interpreter.
 *
 * Branches. Conditional branches reach +-128 KiB; one that does not becomes
 * the inverted branch around a far jump: `bc` on r6, and on r1/r2 a
 * position-independent `bal` / add-the-distance / `jr` sequence, since the
 * image may not sit in one 256 MiB region. Every branch and jump here fills
 * its delay slot with a nop unless the slot is shown in the code.
 *
 * Memory at any alignment: R10-relative accesses are aligned when their
 * offset is; the rest use lwl/lwr (and byte sequences for halfwords) on
 * r1/r2, plain forms on r6, which executes unaligned loads and stores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "mips32_enc.h"

/* ---------------------------------------------------------------- frame */

#define FRAME_ARGS 16    /* helper argument word w >= 4 at sp + 4 * w */
#define FRAME_REGS 40
#define FRAME_RUN 120
#define FRAME_RET 124
#define FRAME_STACK 128
#define FRAME_FP (FRAME_STACK + BPF32_STACK_SIZE)
#define FRAME_SIZE FRAME_FP

/* The C entry's save area below its caller's frame: room for s0-s7, fp, ra. */
#define ENTRY_SAVE 40

_Static_assert(FRAME_SIZE % 8 == 0 && FRAME_FP % 8 == 0, "frames keep sp and R10 8-byte aligned");
_Static_assert(FRAME_ARGS + 4 * (10 - 4) <= FRAME_REGS, "room for ten helper argument words");
_Static_assert(FRAME_REGS + 8 * BPF_REG_FP <= FRAME_RUN, "room for the R0..R9 slots");

/* Scratch registers of one instruction's code. */
#define T0 MIPS_T6
#define T1 MIPS_T7
#define T2 MIPS_T9
#define T3 MIPS_AT

/* Each eBPF register's pair in memory order (R10 has none, see above). */
static const uint8_t pairs[JIT_NREGS][2] = {
	{ MIPS_V0, MIPS_V1 }, { MIPS_A0, MIPS_A1 }, { MIPS_A2, MIPS_A3 },
	{ MIPS_T0, MIPS_T1 }, { MIPS_T2, MIPS_T3 }, { MIPS_T4, MIPS_T5 },
	{ MIPS_S0, MIPS_S1 }, { MIPS_S2, MIPS_S3 }, { MIPS_S4, MIPS_S5 },
	{ MIPS_S6, MIPS_S7 }, { MIPS_ZERO, MIPS_ZERO }, { MIPS_FP, MIPS_T8 },
};

/* Sets of eBPF registers. */
#define ARG_REGS 0x003eu            /* R1..R5, which helper calls keep */
#define CALLER_SAVED_REGS 0x003fu   /* R0..R5, in registers C calls clobber */
#define ALL_REGS 0x03ffu            /* R0..R9 */

/* Labels of the shared code (jit_bind / jit_label). */
enum {
	L_UNWIND_ZERO,   /* from any depth: R0 = 0, return to C */
	L_ERROR,         /* T0 = error code: store it in jit_run.err, then unwind */
	L_ERR_LIMIT,     /* local calls nested too deep */
	L_RETURN,        /* return from the current function */
};

struct mips {
	unsigned isa;                /* the one enum mips_isa bit of the target */
	int big;
	uint8_t lo[JIT_NREGS];       /* machine register of each half ... */
	uint8_t hi[JIT_NREGS];       /* ... $zero for a known-zero upper half */
	uint32_t main_end;           /* the main function is insns [0, main_end) */
	uint32_t last_return;        /* this pass: the last return sequence, or UINT32_MAX */
	uint8_t stubs;               /* this pass: the error and unwind labels branched to */
};

static inline struct mips *M(struct jit_ctx *c)
{
	return c->priv;
}

/* Append one instruction; an image holds only instructions of its revision. */
static void emit(struct jit_ctx *c, struct mips_insn in)
{
	if (!(in.isa & M(c)->isa))
		jit_fail(c, BPF32_EINVAL, "internal error: 0x%08x is not valid on this MIPS revision",
			 in.word);
	jit_emit(c, in.word);
}

static inline uint8_t rlo(struct jit_ctx *c, unsigned r)
{
	return M(c)->lo[r];
}

static inline uint8_t rhi(struct jit_ctx *c, unsigned r)
{
	return M(c)->hi[r];
}

/* The half at the lower address, and the one at +4. */
static inline uint8_t rfirst(struct jit_ctx *c, unsigned r)
{
	return M(c)->big ? rhi(c, r) : rlo(c, r);
}

static inline uint8_t rsecond(struct jit_ctx *c, unsigned r)
{
	return M(c)->big ? rlo(c, r) : rhi(c, r);
}

/* rd = rs, omitted when it changes nothing. */
static void emit_move(struct jit_ctx *c, uint8_t rd, uint8_t rs)
{
	if (rd != rs && rd != MIPS_ZERO)
		emit(c, mips_move(rd, rs));
}

/* The upper half of r becomes 0 (the one place that zero-extends). */
static void zext(struct jit_ctx *c, unsigned r)
{
	emit_move(c, rhi(c, r), MIPS_ZERO);
}

/* rd = v, in one instruction where one suffices. */
static void emit_li(struct jit_ctx *c, uint8_t rd, uint32_t v)
{
	if (mips_simm16_fits((int32_t)v)) {
		emit(c, mips_addiu(rd, MIPS_ZERO, (int32_t)v));
	} else if (mips_uimm16_fits(v)) {
		emit(c, mips_ori(rd, MIPS_ZERO, (int32_t)v));
	} else {
		emit(c, mips_lui(rd, v >> 16));
		if (v & 0xffff)
			emit(c, mips_ori(rd, rd, (int32_t)(v & 0xffff)));
	}
}

/* A register holding v: $zero for 0, else `tmp` loaded with it. */
static uint8_t imm_reg(struct jit_ctx *c, uint32_t v, uint8_t tmp)
{
	if (v == 0)
		return MIPS_ZERO;
	emit_li(c, tmp, v);
	return tmp;
}

/* ---------------------------------------------------------------- ISA choices */

static inline int r6(struct jit_ctx *c)
{
	return M(c)->isa == MIPS_R6;
}

static void emit_jr(struct jit_ctx *c, uint8_t rs)
{
	emit(c, r6(c) ? mips_jalr(MIPS_ZERO, rs) : mips_jr(rs));
}

/* rd = low word of rs * rt. */
static void emit_mul_lo(struct jit_ctx *c, uint8_t rd, uint8_t rs, uint8_t rt)
{
	emit(c, r6(c) ? mips_mul_r6(rd, rs, rt) : mips_mul(rd, rs, rt));
}

/* lo:hi = rs * rt, unsigned 32 x 32 -> 64 bits (lo may be rs or rt, hi may not). */
static void emit_mulu_wide(struct jit_ctx *c, uint8_t lo, uint8_t hi, uint8_t rs, uint8_t rt)
{
	if (r6(c)) {
		emit(c, mips_muhu(hi, rs, rt));
		emit(c, mips_mulu(lo, rs, rt));
	} else {
		emit(c, mips_multu(rs, rt));
		emit(c, mips_mflo(lo));
		emit(c, mips_mfhi(hi));
	}
}

/* rd = rs / rt or rs % rt, signed or not; rt == 0 gives an unspecified value, no trap. */
static void emit_divmod_hw(struct jit_ctx *c, uint8_t rd, uint8_t rs, uint8_t rt, int sign, int mod)
{
	if (r6(c)) {
		static struct mips_insn (*const f[2][2])(unsigned, unsigned, unsigned) = {
			{ mips_divu_r6, mips_modu }, { mips_div_r6, mips_mod },
		};
		emit(c, f[sign][mod](rd, rs, rt));
		return;
	}
	emit(c, sign ? mips_div(rs, rt) : mips_divu(rs, rt));
	emit(c, mod ? mips_mfhi(rd) : mips_mflo(rd));
}

/* if (rt == 0) rd = rs; r6 selects with T3. */
static void emit_movz(struct jit_ctx *c, uint8_t rd, uint8_t rs, uint8_t rt)
{
	if (!r6(c)) {
		emit(c, mips_movz(rd, rs, rt));
		return;
	}
	emit(c, mips_selnez(rd, rd, rt));        /* rd = rt ? rd : 0 */
	if (rs != MIPS_ZERO) {
		emit(c, mips_seleqz(T3, rs, rt));   /* T3 = rt ? 0 : rs */
		emit(c, mips_or(rd, rd, T3));
	}
}

/* rd = the low `bits` (8 or 16) of rs, sign-extended. */
static void emit_sext(struct jit_ctx *c, uint8_t rd, uint8_t rs, unsigned bits)
{
	if (M(c)->isa & MIPS_ISA_R2_UP) {
		emit(c, bits == 8 ? mips_seb(rd, rs) : mips_seh(rd, rs));
	} else {
		emit(c, mips_sll(rd, rs, 32 - bits));
		emit(c, mips_sra(rd, rd, 32 - bits));
	}
}

/* rd = the two low bytes of rs swapped, zero-extended (uses T0). */
static void emit_bswap16(struct jit_ctx *c, uint8_t rd, uint8_t rs)
{
	if (M(c)->isa & MIPS_ISA_R2_UP) {
		emit(c, mips_wsbh(rd, rs));
		emit(c, mips_andi(rd, rd, 0xffff));
		return;
	}
	emit(c, mips_srl(T0, rs, 8));        /* T0 = byte 1 */
	emit(c, mips_andi(T0, T0, 0xff));
	emit(c, mips_andi(rd, rs, 0xff));
	emit(c, mips_sll(rd, rd, 8));        /* rd = byte 0 << 8 */
	emit(c, mips_or(rd, rd, T0));
}

/* rd = the four bytes of rs reversed (uses T0, T1). */
static void emit_bswap32(struct jit_ctx *c, uint8_t rd, uint8_t rs)
{
	if (M(c)->isa & MIPS_ISA_R2_UP) {
		emit(c, mips_wsbh(rd, rs));         /* b2 b3 b0 b1 */
		emit(c, mips_rotr(rd, rd, 16));     /* b0 b1 b2 b3 */
		return;
	}
	/* rd = b0 << 24 | b1 << 16 | b2 << 8 | b3, rs = b3 b2 b1 b0 */
	emit(c, mips_sll(T0, rs, 24));
	emit(c, mips_srl(T1, rs, 24));
	emit(c, mips_or(T0, T0, T1));
	emit(c, mips_andi(T1, rs, 0xff00));
	emit(c, mips_sll(T1, T1, 8));
	emit(c, mips_or(T0, T0, T1));
	emit(c, mips_srl(T1, rs, 8));
	emit(c, mips_andi(T1, T1, 0xff00));
	emit(c, mips_or(rd, T0, T1));
}

static void emit_ll(struct jit_ctx *c, uint8_t rt, uint8_t base)
{
	emit(c, r6(c) ? mips_ll_r6(rt, 0, base) : mips_ll(rt, 0, base));
}

static void emit_sc(struct jit_ctx *c, uint8_t rt, uint8_t base)
{
	emit(c, r6(c) ? mips_sc_r6(rt, 0, base) : mips_sc(rt, 0, base));
}

/* ---------------------------------------------------------------- operands */

/*
 * A source operand: a register pair, an immediate (sign-extended to 64 bits)
 * or R10. Nothing is emitted until a half is asked for (opnd_lo/opnd_hi), so
 * that immediate forms can take the constant as it is (emit_op).
 */
enum { O_REG, O_IMM, O_FP };

struct opnd {
	uint8_t kind;
	uint8_t lo, hi;   /* O_REG */
	int32_t imm;      /* O_IMM */
};

static struct opnd reg_opnd(struct jit_ctx *c, unsigned r)
{
	struct opnd o = { O_REG, 0, 0, 0 };
	if (r == BPF_REG_FP) {
		o.kind = O_FP;
	} else {
		o.lo = rlo(c, r);
		o.hi = rhi(c, r);
	}
	return o;
}

static struct opnd imm_opnd(int32_t v)
{
	struct opnd o = { O_IMM, 0, 0, v };
	return o;
}

/* A machine register as a 32-bit operand. */
static struct opnd mreg_opnd(uint8_t m)
{
	struct opnd o = { O_REG, m, MIPS_ZERO, 0 };
	return o;
}

/* The source of an ALU or JMP instruction. */
static struct opnd src_opnd(struct jit_ctx *c, const struct bpf_insn *i)
{
	return BPF_SRC(i->code) == BPF_X ? reg_opnd(c, i->src) : imm_opnd(i->imm);
}

/* A register holding the low half (materialised in tmp when it must be). */
static uint8_t opnd_lo(struct jit_ctx *c, struct opnd o, uint8_t tmp)
{
	switch (o.kind) {
	case O_REG:
		return o.lo;
	case O_IMM:
		return imm_reg(c, (uint32_t)o.imm, tmp);
	default:
		emit(c, mips_addiu(tmp, MIPS_SP, FRAME_FP));
		return tmp;
	}
}

static uint8_t opnd_hi(struct jit_ctx *c, struct opnd o, uint8_t tmp)
{
	switch (o.kind) {
	case O_REG:
		return o.hi;
	case O_IMM:
		return imm_reg(c, o.imm < 0 ? 0xffffffffu : 0, tmp);
	default:
		return MIPS_ZERO;
	}
}

/* Exactly rd = one half of o. */
static void opnd_into(struct jit_ctx *c, struct opnd o, int hi, uint8_t rd)
{
	if (rd == MIPS_ZERO)
		return;
	if (o.kind == O_REG)
		emit_move(c, rd, hi ? o.hi : o.lo);
	else if (o.kind == O_IMM)
		emit_li(c, rd, hi ? (o.imm < 0 ? 0xffffffffu : 0) : (uint32_t)o.imm);
	else if (hi)
		emit_move(c, rd, MIPS_ZERO);
	else
		emit(c, mips_addiu(rd, MIPS_SP, FRAME_FP));
}

/* The registers holding o's words in memory order (constants in T0, T1). */
static void opnd_pair(struct jit_ctx *c, struct opnd o, uint8_t *first, uint8_t *second)
{
	int big = M(c)->big;
	if (o.kind == O_REG) {
		*first = big ? o.hi : o.lo;
		*second = big ? o.lo : o.hi;
		return;
	}
	*first = T0;
	*second = T1;
	opnd_into(c, o, big, T0);
	opnd_into(c, o, !big, T1);
}

/*
 * dst[k] = src[k] for k < n (at most 4) as if all at once: a move waits
 * while its destination is still the source of another one; a cycle is
 * broken by moving one source to T3 first.
 */
static void emit_moves(struct jit_ctx *c, const uint8_t *dst, const uint8_t *src_in, unsigned n)
{
	uint8_t src[4];
	unsigned pending = 0;
	for (unsigned k = 0; k < n; k++) {
		src[k] = src_in[k];
		if (dst[k] != src[k] && dst[k] != MIPS_ZERO)
			pending |= 1u << k;
	}
	while (pending) {
		unsigned done = 0;
		for (unsigned k = 0; k < n; k++) {
			int blocked = 0;
			for (unsigned j = 0; j < n; j++)
				blocked |= j != k && ((pending >> j) & 1) && src[j] == dst[k];
			if (!((pending >> k) & 1) || blocked)
				continue;
			emit(c, mips_move(dst[k], src[k]));
			pending &= ~(1u << k);
			done = 1;
		}
		if (done)
			continue;
		uint8_t r = src[__builtin_ctz(pending)];
		emit(c, mips_move(T3, r));
		for (unsigned j = 0; j < n; j++)
			if (src[j] == r)
				src[j] = T3;
	}
}

/* ---------------------------------------------------------------- branches */

/* Branch conditions: rs == rt, rs != rt, and rs (signed) against 0. */
enum cond { C_AL, C_EQ, C_NE, C_LTZ, C_GEZ, C_LEZ, C_GTZ };

static const uint8_t cond_inverse[] = {
	[C_EQ] = C_NE, [C_NE] = C_EQ, [C_LTZ] = C_GEZ, [C_GEZ] = C_LTZ,
	[C_LEZ] = C_GTZ, [C_GTZ] = C_LEZ,
};

static struct mips_insn branch_insn(enum cond k, uint8_t rs, uint8_t rt, int32_t off)
{
	switch (k) {
	case C_EQ: return mips_beq(rs, rt, off);
	case C_NE: return mips_bne(rs, rt, off);
	case C_LTZ: return mips_bltz(rs, off);
	case C_GEZ: return mips_bgez(rs, off);
	case C_LEZ: return mips_blez(rs, off);
	case C_GTZ: return mips_bgtz(rs, off);
	default: return mips_beq(MIPS_ZERO, MIPS_ZERO, off);
	}
}

/* Instruction count from the delay slot of a branch at `from` to `to`. */
static inline int32_t rel(uint32_t from, uint32_t to)
{
	return (int32_t)(to - (from + 1));
}

/* A forward branch inside one instruction's code: placeholder now, fwd_bind later. */
static uint32_t fwd(struct jit_ctx *c)
{
	jit_emit(c, 0);
	return c->pos - 1;
}

static void fwd_bind(struct jit_ctx *c, uint32_t at, enum cond k, uint8_t rs, uint8_t rt)
{
	struct mips_insn b = branch_insn(k, rs, rt, rel(at, c->pos));
	if (!(b.isa & M(c)->isa))
		jit_fail(c, BPF32_EINVAL, "internal error: branch not valid on this revision");
	jit_patch(c, at, b.word);
}

/*
 * Jump (call, with `link`) to word offset `to` from anywhere in the image,
 * if `rs k rt`. r6 has 26-bit compact branches; r1/r2 add the distance to
 * the address `bal` leaves in ra, without relying on the image's place in
 * memory:
 *
 *      b!k  rs, rt, 2f      (conditional only)
 *      lui  at, %hi(to - 1f) (in the delay slot, harmless when skipping)
 *      bal  1f
 *      ori  at, at, %lo(to - 1f)
 *  1:  addu at, at, ra
 *      jr   at              (jalr ra, at for a call)
 *      nop
 *  2:
 */
static void emit_far(struct jit_ctx *c, enum cond k, uint8_t rs, uint8_t rt, uint32_t to,
		     int link)
{
	uint32_t skip = k != C_AL ? fwd(c) : 0;
	if (r6(c)) {
		if (k != C_AL)
			emit(c, mips_nop());
		int32_t off = rel(c->pos, to);   /* compact branches count from the next one too */
		if (!mips_simm26_fits(off))
			jit_fail(c, BPF32_E2BIG, "code image over 128 MiB");
		emit(c, link ? mips_balc(off) : mips_bc(off));
	} else {
		uint32_t bal = c->pos + 1, base = bal + 2;
		uint32_t delta = 4 * (to - base);
		emit(c, mips_lui(T3, delta >> 16));
		emit(c, mips_bal(rel(bal, base)));
		emit(c, mips_ori(T3, T3, (int32_t)(delta & 0xffff)));
		emit(c, mips_addu(T3, T3, MIPS_RA));
		emit(c, link ? mips_jalr(MIPS_RA, T3) : mips_jr(T3));
		emit(c, mips_nop());
	}
	if (k != C_AL)
		fwd_bind(c, skip, cond_inverse[k], rs, rt);
}

/*
 * Branch to word offset `to` (an instruction or a label, as measured by the
 * previous pass) if `rs k rt`; the far form when the short one does not
 * reach.
 */
static void emit_branch(struct jit_ctx *c, enum cond k, uint8_t rs, uint8_t rt, uint32_t to)
{
	if (jit_long(c, mips_simm16_fits(rel(c->pos, to)))) {
		emit_far(c, k, rs, rt, to, 0);
		return;
	}
	emit(c, branch_insn(k, rs, rt, rel(c->pos, to)));
	emit(c, mips_nop());
}

/* Word offset of an error or unwind label, whose code the epilogue then emits. */
static uint32_t stub(struct jit_ctx *c, unsigned id)
{
	M(c)->stubs |= (uint8_t)(1u << id);
	return jit_label(c, id);
}

/* Call the function at word offset `to` in this image. */
static void emit_call_to(struct jit_ctx *c, uint32_t to)
{
	if (jit_long(c, mips_simm16_fits(rel(c->pos, to)))) {
		emit_far(c, C_AL, 0, 0, to, 1);
		return;
	}
	emit(c, mips_bal(rel(c->pos, to)));
	emit(c, mips_nop());
}

/* ---------------------------------------------------------------- calls out */

/*
 * Register halves and their slots: SAVE and RESTORE keep registers across a
 * call out; SPILL writes whole 64-bit values, known-zero halves as 0, for
 * code that reads the slots (runtime routines, tail-call entries).
 */
enum slot_op { SAVE, RESTORE, SPILL };

static void slots(struct jit_ctx *c, uint16_t mask, enum slot_op op)
{
	for (unsigned r = 0; r < BPF_REG_FP; r++) {
		if (!((mask >> r) & 1))
			continue;
		uint8_t half[2] = { rfirst(c, r), rsecond(c, r) };
		for (unsigned k = 0; k < 2; k++) {
			int32_t off = FRAME_REGS + 8 * (int32_t)r + 4 * (int32_t)k;
			if (half[k] == MIPS_ZERO && op != SPILL)
				continue;
			emit(c, op == RESTORE ? mips_lw(half[k], off, MIPS_SP)
					      : mips_sw(half[k], off, MIPS_SP));
		}
	}
}

/*
 * What a call out from the current instruction must keep of the
 * caller-saved registers in `mask`: those the program uses and, in the main
 * function, only those live after the instruction. (A local callee's
 * registers may be read by its caller after the return, which liveness
 * within one program does not see, so callees keep all they use.)
 */
static uint16_t keep_mask(struct jit_ctx *c, uint16_t mask)
{
	mask &= CALLER_SAVED_REGS & c->scan.used;
	if (c->live && c->cur < M(c)->main_end)
		mask &= c->live[c->cur + 1];
	return mask;
}

/* Call the C function at `addr` through t9. */
static void call_c(struct jit_ctx *c, uint32_t addr)
{
	emit_li(c, MIPS_T9, addr);
	emit(c, mips_jalr(MIPS_RA, MIPS_T9));
	emit(c, mips_nop());
}

/* ---------------------------------------------------------------- ALU */

/* Operations of one instruction, with the immediate twin where MIPS has one. */
static const struct {
	struct mips_insn (*rrr)(unsigned rd, unsigned rs, unsigned rt);
	struct mips_insn (*rri)(unsigned rt, unsigned rs, int32_t imm);
	uint8_t uimm;   /* rri zero-extends its immediate */
} alu_forms[16] = {
	[BPF_ADD >> 4] = { mips_addu, mips_addiu, 0 },
	[BPF_SUB >> 4] = { mips_subu, NULL, 0 },
	[BPF_OR >> 4] = { mips_or, mips_ori, 1 },
	[BPF_AND >> 4] = { mips_and, mips_andi, 1 },
	[BPF_XOR >> 4] = { mips_xor, mips_xori, 1 },
};

/*
 * rd = rs op (low half of o), op one of alu_forms: the one place that picks
 * the immediate form (sub #v is addiu #-v) or materialises the constant in T0.
 */
static void emit_op(struct jit_ctx *c, uint8_t op, uint8_t rd, uint8_t rs, struct opnd o)
{
	if (rd == MIPS_ZERO)   /* a known-zero upper half: nothing to compute */
		return;
	if (o.kind == O_IMM) {
		int64_t v = op == BPF_SUB ? -(int64_t)o.imm : o.imm;
		uint8_t form = op == BPF_SUB ? BPF_ADD : op;
		if (v == 0 && form != BPF_AND) {
			emit_move(c, rd, rs);
			return;
		}
		if (alu_forms[form >> 4].uimm ? mips_uimm16_fits(v) : mips_simm16_fits(v)) {
			emit(c, alu_forms[form >> 4].rri(rd, rs, (int32_t)v));
			return;
		}
	}
	emit(c, alu_forms[op >> 4].rrr(rd, rs, opnd_lo(c, o, T0)));
}

/* ADD, SUB, OR, AND, XOR on 32 bits. */
static void emit_simple32(struct jit_ctx *c, const struct bpf_insn *i)
{
	emit_op(c, BPF_OP(i->code), rlo(c, i->dst), rlo(c, i->dst), src_opnd(c, i));
}

/*
 * OR, AND, XOR on 64 bits: each half. An immediate's upper half is 0 or all
 * ones, so that half reduces to nothing, a clear, a set or a complement.
 */
static void emit_logic64(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code), dh = rhi(c, i->dst);
	struct opnd o = src_opnd(c, i);
	emit_op(c, op, rlo(c, i->dst), rlo(c, i->dst), o);
	if (o.kind != O_IMM) {
		uint8_t sh = opnd_hi(c, o, T1);
		if (sh != MIPS_ZERO || op == BPF_AND)
			emit_op(c, op, dh, dh, mreg_opnd(sh));
		return;
	}
	int ones = o.imm < 0;
	if (op == BPF_AND && !ones)
		emit_move(c, dh, MIPS_ZERO);
	else if (op == BPF_OR && ones)
		emit_li(c, dh, 0xffffffffu);
	else if (op == BPF_XOR && ones && dh != MIPS_ZERO)
		emit(c, mips_nor(dh, dh, MIPS_ZERO));
}

/*
 * ADD, SUB on 64 bits: the low halves, then the high ones with the carry
 * (the low sum is below an addend) or the borrow (the low minuend was below
 * the subtrahend). dst - imm is dst + -imm.
 */
static void emit_addsub64(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code), dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	struct opnd o = src_opnd(c, i);
	if (op == BPF_SUB && o.kind == O_IMM && o.imm != INT32_MIN) {
		op = BPF_ADD;
		o.imm = -o.imm;
	}
	if (dh == MIPS_ZERO) {   /* only the low half is ever read */
		emit_op(c, op, dl, dl, o);
		return;
	}
	if (o.kind == O_IMM && o.imm == 0)
		return;
	if (op == BPF_ADD && o.kind == O_IMM && mips_simm16_fits(o.imm)) {
		/* sltiu compares with the sign-extended immediate, the addend as a 32-bit number */
		emit(c, mips_addiu(dl, dl, o.imm));
		emit(c, mips_sltiu(T2, dl, o.imm));
		if (o.imm < 0)
			emit(c, mips_addiu(dh, dh, -1));
		emit(c, mips_addu(dh, dh, T2));
		return;
	}
	uint8_t sl = opnd_lo(c, o, T0), sh = opnd_hi(c, o, T1);
	if (op == BPF_ADD) {
		uint8_t sum = sl == dl ? T3 : dl;   /* dst + dst: keep the addend */
		emit(c, mips_addu(sum, dl, sl));
		emit(c, mips_sltu(T2, sum, sl));
		emit_move(c, dl, sum);
		if (sh != MIPS_ZERO)
			emit(c, mips_addu(dh, dh, sh));
		emit(c, mips_addu(dh, dh, T2));
	} else {
		emit(c, mips_sltu(T2, dl, sl));
		emit(c, mips_subu(dl, dl, sl));
		if (sh != MIPS_ZERO)
			emit(c, mips_subu(dh, dh, sh));
		emit(c, mips_subu(dh, dh, T2));
	}
}

static void emit_mul32(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dl = rlo(c, i->dst);
	emit_mul_lo(c, dl, dl, opnd_lo(c, src_opnd(c, i), T0));
}

/*
 * 64 x 64 -> 64 bits: lo = low(dl * sl),
 * hi = high(dl * sl) + low(dh * sl) + low(dl * sh).
 */
static void emit_mul64(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	struct opnd o = src_opnd(c, i);
	uint8_t sl = opnd_lo(c, o, T0);
	if (dh == MIPS_ZERO) {
		emit_mul_lo(c, dl, dl, sl);
		return;
	}
	uint8_t sh = opnd_hi(c, o, T1);
	emit_mul_lo(c, T2, dh, sl);
	if (sh != MIPS_ZERO) {
		emit_mul_lo(c, T3, dl, sh);
		emit(c, mips_addu(T2, T2, T3));
	}
	emit_mulu_wide(c, dl, T3, dl, sl);
	emit(c, mips_addu(dh, T2, T3));
}

/*
 * dl = dl / src or dl % src on 32 bits in hardware, which never traps: by
 * zero it leaves some value, replaced here by 0 (DIV) or dl (MOD).
 * INT32_MIN / -1 is INT32_MIN with remainder 0, as eBPF wants.
 */
static void emit_divmod_lo(struct jit_ctx *c, uint8_t dl, struct opnd o, int sign, int mod)
{
	if (o.kind == O_IMM) {
		if (o.imm == 0) {
			if (!mod)
				emit_move(c, dl, MIPS_ZERO);
			return;
		}
		emit_divmod_hw(c, dl, dl, opnd_lo(c, o, T0), sign, mod);
		return;
	}
	uint8_t sl = opnd_lo(c, o, T0);
	emit_divmod_hw(c, T2, dl, sl, sign, mod);
	emit_movz(c, T2, mod ? dl : MIPS_ZERO, sl);
	emit_move(c, dl, T2);
}

static void emit_divmod32(struct jit_ctx *c, const struct bpf_insn *i)
{
	emit_divmod_lo(c, rlo(c, i->dst), src_opnd(c, i), i->off == 1, BPF_OP(i->code) == BPF_MOD);
}

/*
 * 64-bit DIV/MOD: a runtime routine, uint64_t fn(uint64_t dst, uint64_t
 * src), in a0:a1 and a2:a3. When both upper halves are known zero, the
 * values are below 2^32 (so non-negative: signed is unsigned) and the
 * 32-bit hardware does it.
 */
static void emit_divmod64(struct jit_ctx *c, const struct bpf_insn *i)
{
	static uint64_t (*const routines[2][2])(uint64_t, uint64_t) = {
		{ jit_rt_udiv64, jit_rt_umod64 }, { jit_rt_sdiv64, jit_rt_smod64 },
	};
	int mod = BPF_OP(i->code) == BPF_MOD;
	struct opnd o = src_opnd(c, i);
	if (rhi(c, i->dst) == MIPS_ZERO &&
	    (o.kind == O_IMM ? o.imm >= 0 : o.kind == O_FP || o.hi == MIPS_ZERO)) {
		emit_divmod_lo(c, rlo(c, i->dst), o, 0, mod);
		return;
	}
	uint16_t keep = keep_mask(c, (uint16_t)~(1u << i->dst));
	slots(c, keep, SAVE);
	uint8_t args[4] = { MIPS_A0, MIPS_A1, MIPS_A2, MIPS_A3 }, from[4];
	from[0] = rfirst(c, i->dst);
	from[1] = rsecond(c, i->dst);
	opnd_pair(c, o, &from[2], &from[3]);
	emit_moves(c, args, from, 4);
	call_c(c, JIT_ADDR(routines[i->off == 1][mod]));
	emit_move(c, rfirst(c, i->dst), MIPS_V0);
	emit_move(c, rsecond(c, i->dst), MIPS_V1);
	slots(c, keep, RESTORE);
}

/* Shift instructions by LSH, RSH, ARSH: immediate and variable forms. */
struct shift_forms {
	struct mips_insn (*imm)(unsigned rd, unsigned rt, unsigned sa);
	struct mips_insn (*var)(unsigned rd, unsigned rt, unsigned rs);
};

static struct shift_forms shift_forms(uint8_t op)
{
	struct shift_forms f = { mips_sll, mips_sllv };
	if (op == BPF_RSH) {
		f.imm = mips_srl;
		f.var = mips_srlv;
	} else if (op == BPF_ARSH) {
		f.imm = mips_sra;
		f.var = mips_srav;
	}
	return f;
}

/* 32-bit shifts: the hardware masks variable counts to 5 bits already. */
static void emit_shift32(struct jit_ctx *c, const struct bpf_insn *i)
{
	struct shift_forms f = shift_forms(BPF_OP(i->code));
	uint8_t dl = rlo(c, i->dst);
	struct opnd o = src_opnd(c, i);
	if (o.kind == O_IMM) {
		if (o.imm & 31)
			emit(c, f.imm(dl, dl, (unsigned)o.imm & 31));
		return;
	}
	emit(c, f.var(dl, dl, opnd_lo(c, o, T0)));
}

/*
 * 64-bit shift by a constant n (1..63). Below 32 the bits crossing the
 * halves go through T0; from 32 on one half moves into the other.
 *
 *   lsh: hi = hi << n | lo >> (32 - n), lo <<= n       | hi = lo << (n - 32), lo = 0
 *   rsh: lo = lo >> n | hi << (32 - n), hi >>= n       | lo = hi >> (n - 32), hi = 0 (arsh: hi >> 31)
 */
static void emit_shift64_imm(struct jit_ctx *c, uint8_t op, uint8_t dl, uint8_t dh, unsigned n)
{
	struct shift_forms f = shift_forms(op);
	if (op == BPF_LSH) {
		if (n < 32) {
			emit(c, mips_srl(T0, dl, 32 - n));
			emit(c, mips_sll(dh, dh, n));
			emit(c, mips_or(dh, dh, T0));
			emit(c, mips_sll(dl, dl, n));
		} else {
			emit(c, mips_sll(dh, dl, n - 32));
			emit_move(c, dl, MIPS_ZERO);
		}
		return;
	}
	if (n < 32) {
		emit(c, mips_sll(T0, dh, 32 - n));
		emit(c, mips_srl(dl, dl, n));
		emit(c, mips_or(dl, dl, T0));
		emit(c, f.imm(dh, dh, n));
	} else {
		emit(c, f.imm(dl, dh, n - 32));
		if (op == BPF_ARSH)
			emit(c, mips_sra(dh, dh, 31));
		else
			emit_move(c, dh, MIPS_ZERO);
	}
}

/*
 * 64-bit shift by a register n (n & 63). Bit 5 picks the form; the bits
 * crossing the halves are shifted by 1 and then by 31 - n (= ~n & 31),
 * which gives 0 rather than an unshifted word when n & 31 is 0.
 *
 *   lsh:  if (n & 32) { hi = lo << n; lo = 0 }
 *         else { hi = hi << n | (lo >> 1) >> ~n; lo = lo << n }
 *   rsh:  if (n & 32) { lo = hi >> n; hi = 0 (arsh: hi >> 31) }
 *         else { lo = lo >> n | (hi << 1) << ~n; hi = hi >> n }
 */
static void emit_shift64_reg(struct jit_ctx *c, uint8_t op, uint8_t dl, uint8_t dh, uint8_t n)
{
	struct shift_forms f = shift_forms(op);
	int lsh = op == BPF_LSH;
	uint8_t from = lsh ? dl : dh, to = lsh ? dh : dl;   /* the half bits move out of / into */
	emit(c, mips_andi(T0, n, 32));
	uint32_t big = fwd(c);                     /* bne T0, $zero, big */
	emit(c, f.var(T1, from, n));               /* delay slot: from shifted by n & 31 */
	emit(c, lsh ? mips_srl(T2, dl, 1) : mips_sll(T2, dh, 1));
	emit(c, mips_nor(T0, n, MIPS_ZERO));
	emit(c, lsh ? mips_srlv(T2, T2, T0) : mips_sllv(T2, T2, T0));
	emit(c, lsh ? mips_sllv(dh, dh, n) : mips_srlv(dl, dl, n));
	emit(c, mips_or(to, to, T2));
	uint32_t done = fwd(c);                    /* b done */
	emit(c, mips_move(from, T1));              /* delay slot */
	fwd_bind(c, big, C_NE, T0, MIPS_ZERO);
	emit_move(c, to, T1);
	if (op == BPF_ARSH)
		emit(c, mips_sra(from, dh, 31));
	else
		emit_move(c, from, MIPS_ZERO);
	fwd_bind(c, done, C_AL, 0, 0);
}

static void emit_shift64(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code), dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	struct opnd o = src_opnd(c, i);
	if (o.kind == O_IMM) {
		if (o.imm & 63)
			emit_shift64_imm(c, op, dl, dh, (unsigned)o.imm & 63);
		return;
	}
	emit_shift64_reg(c, op, dl, dh, opnd_lo(c, o, T3));
}

/* -dst; 64 bits: hi = -hi - (the low half borrowed, i.e. was not 0). */
static void emit_neg(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	emit(c, mips_negu(dl, dl));
	if (BPF_CLASS(i->code) == BPF_ALU || dh == MIPS_ZERO)
		return;
	emit(c, mips_sltu(T0, MIPS_ZERO, dl));
	emit(c, mips_negu(dh, dh));
	emit(c, mips_subu(dh, dh, T0));
}

/* MOV, and MOVSX (off = 8, 16, or 32 on 64 bits) from a register. */
static void emit_mov(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	int wide = BPF_CLASS(i->code) == BPF_ALU64;
	struct opnd o = src_opnd(c, i);
	if (!i->off) {
		opnd_into(c, o, 0, dl);
		if (wide)
			opnd_into(c, o, 1, dh);
		return;
	}
	uint8_t sl = opnd_lo(c, o, T0);
	if (i->off == 32)
		emit_move(c, dl, sl);
	else
		emit_sext(c, dl, sl, (unsigned)i->off);
	if (wide && dh != MIPS_ZERO)
		emit(c, mips_sra(dh, dl, 31));
}

/*
 * END (to little or big endian: a swap when that differs from this CPU's
 * order, else a truncation) and BSWAP (ALU64: always a swap) of 16, 32 or
 * 64 bits; 16 and 32 zero-extend the result.
 */
static void emit_end(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	int swap = BPF_CLASS(i->code) == BPF_ALU64 ||
		   (BPF_SRC(i->code) == BPF_TO_BE) != M(c)->big;
	if (i->imm == 64) {
		if (swap) {
			emit_bswap32(c, T2, dl);
			emit_bswap32(c, dl, dh);
			emit_move(c, dh, T2);
		}
		return;
	}
	if (swap && i->imm == 16)
		emit_bswap16(c, dl, dl);
	else if (swap)
		emit_bswap32(c, dl, dl);
	else if (i->imm == 16)
		emit(c, mips_andi(dl, dl, 0xffff));
	zext(c, i->dst);
}

/* The ALU operations by class; 32-bit results (but END's) are zero-extended by emit_alu. */
static const struct {
	void (*alu32)(struct jit_ctx *, const struct bpf_insn *);
	void (*alu64)(struct jit_ctx *, const struct bpf_insn *);
} alu_ops[16] = {
	[BPF_ADD >> 4] = { emit_simple32, emit_addsub64 },
	[BPF_SUB >> 4] = { emit_simple32, emit_addsub64 },
	[BPF_MUL >> 4] = { emit_mul32, emit_mul64 },
	[BPF_DIV >> 4] = { emit_divmod32, emit_divmod64 },
	[BPF_OR >> 4] = { emit_simple32, emit_logic64 },
	[BPF_AND >> 4] = { emit_simple32, emit_logic64 },
	[BPF_LSH >> 4] = { emit_shift32, emit_shift64 },
	[BPF_RSH >> 4] = { emit_shift32, emit_shift64 },
	[BPF_NEG >> 4] = { emit_neg, emit_neg },
	[BPF_MOD >> 4] = { emit_divmod32, emit_divmod64 },
	[BPF_XOR >> 4] = { emit_simple32, emit_logic64 },
	[BPF_MOV >> 4] = { emit_mov, emit_mov },
	[BPF_ARSH >> 4] = { emit_shift32, emit_shift64 },
	[BPF_END >> 4] = { emit_end, emit_end },
};

static void emit_alu(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code);
	if (BPF_CLASS(i->code) == BPF_ALU64) {
		alu_ops[op >> 4].alu64(c, i);
		return;
	}
	alu_ops[op >> 4].alu32(c, i);
	if (op != BPF_END)
		zext(c, i->dst);
}

/* ---------------------------------------------------------------- LDDW */

static void emit_lddw(struct jit_ctx *c, const struct bpf_insn *i)
{
	emit_li(c, rlo(c, i->dst), (uint32_t)i[0].imm);
	if (rhi(c, i->dst) != MIPS_ZERO)
		emit_li(c, rhi(c, i->dst), (uint32_t)i[1].imm);
}

/* ---------------------------------------------------------------- memory */

/*
 * [r + off] as a base register and a displacement that stays 16 bits for
 * `span` more bytes (else the address goes to T3). *align gets the alignment
 * known of the address: R10's is sp's 8 bytes and the offset's; others 1.
 */
static uint8_t mem_addr(struct jit_ctx *c, unsigned r, int32_t *disp, int32_t span,
			unsigned *align)
{
	uint8_t base = MIPS_SP;
	int32_t d = *disp;
	*align = 1;
	if (r == BPF_REG_FP) {
		d += FRAME_FP;
		*align = d & 7 ? (unsigned)(d & -d) : 8;
	} else {
		base = rlo(c, r);
	}
	if (!mips_simm16_fits(d) || !mips_simm16_fits((int64_t)d + span)) {
		emit_li(c, T3, (uint32_t)d);
		emit(c, mips_addu(T3, T3, base));
		base = T3;
		d = 0;
	}
	*disp = d;
	return base;
}

/* Whether a `size`-byte access with that known alignment may use the plain forms. */
static int plain_ok(struct jit_ctx *c, unsigned size, unsigned align)
{
	return r6(c) || align >= (size < 4 ? size : 4);
}

/*
 * rt = the word at d(base) (rt may be base). Unaligned: lwl fills rt from
 * the word's most significant byte down to the aligned boundary, lwr the
 * rest from the least significant one; that byte is at d + 3 on little
 * endian and at d on big endian.
 */
static void load_word(struct jit_ctx *c, uint8_t rt, int32_t d, uint8_t base, int plain)
{
	if (plain) {
		emit(c, mips_lw(rt, d, base));
		return;
	}
	int big = M(c)->big;
	uint8_t t = rt == base ? T2 : rt;
	emit(c, mips_lwl(t, big ? d : d + 3, base));
	emit(c, mips_lwr(t, big ? d + 3 : d, base));
	emit_move(c, rt, t);
}

static void store_word(struct jit_ctx *c, uint8_t rt, int32_t d, uint8_t base, int plain)
{
	if (plain) {
		emit(c, mips_sw(rt, d, base));
		return;
	}
	int big = M(c)->big;
	emit(c, mips_swl(rt, big ? d : d + 3, base));
	emit(c, mips_swr(rt, big ? d + 3 : d, base));
}

/* Unaligned halfwords byte by byte: the high byte is at d + 1 on little endian, d on big. */
static void load_half(struct jit_ctx *c, uint8_t rt, int32_t d, uint8_t base, int plain, int sx)
{
	if (plain) {
		emit(c, sx ? mips_lh(rt, d, base) : mips_lhu(rt, d, base));
		return;
	}
	int big = M(c)->big;
	emit(c, sx ? mips_lb(T2, big ? d : d + 1, base) : mips_lbu(T2, big ? d : d + 1, base));
	emit(c, mips_lbu(T1, big ? d + 1 : d, base));
	emit(c, mips_sll(T2, T2, 8));
	emit(c, mips_or(rt, T2, T1));
}

static void store_half(struct jit_ctx *c, uint8_t rt, int32_t d, uint8_t base, int plain)
{
	if (plain) {
		emit(c, mips_sh(rt, d, base));
		return;
	}
	int big = M(c)->big;
	emit(c, mips_sb(rt, big ? d + 1 : d, base));
	emit(c, mips_srl(T2, rt, 8));
	emit(c, mips_sb(T2, big ? d : d + 1, base));
}

/* LDX (MEM and MEMSX): dst = *(size *)(src + off), zero- or sign-extended. */
static void emit_ldx(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned size = bpf_size_bytes(BPF_SIZE(i->code)), align;
	int sx = BPF_MODE(i->code) == BPF_MEMSX;
	int32_t d = i->off;
	uint8_t base = mem_addr(c, i->src, &d, (int32_t)size - 1, &align);
	uint8_t dl = rlo(c, i->dst), dh = rhi(c, i->dst);
	int plain = plain_ok(c, size, align);
	switch (size) {
	case 1:
		emit(c, sx ? mips_lb(dl, d, base) : mips_lbu(dl, d, base));
		break;
	case 2:
		load_half(c, dl, d, base, plain, sx);
		break;
	case 4:
		load_word(c, dl, d, base, plain);
		break;
	default: {
		/* the word whose register is the base last */
		uint8_t w[2] = { rfirst(c, i->dst), rsecond(c, i->dst) };
		unsigned k0 = w[0] == base;
		load_word(c, w[k0], d + 4 * (int32_t)k0, base, plain);
		load_word(c, w[!k0], d + 4 * (int32_t)!k0, base, plain);
		return;
	}
	}
	if (sx && dh != MIPS_ZERO)
		emit(c, mips_sra(dh, dl, 31));
	else if (!sx)
		zext(c, i->dst);
}

/* ST and STX: *(size *)(dst + off) = imm or src. */
static void emit_store(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned size = bpf_size_bytes(BPF_SIZE(i->code)), align;
	struct opnd o = BPF_CLASS(i->code) == BPF_ST ? imm_opnd(i->imm) : reg_opnd(c, i->src);
	uint8_t vl = opnd_lo(c, o, T0), vh = size == 8 ? opnd_hi(c, o, T1) : MIPS_ZERO;
	int32_t d = i->off;
	uint8_t base = mem_addr(c, i->dst, &d, (int32_t)size - 1, &align);
	int plain = plain_ok(c, size, align);
	switch (size) {
	case 1:
		emit(c, mips_sb(vl, d, base));
		break;
	case 2:
		store_half(c, vl, d, base, plain);
		break;
	case 4:
		store_word(c, vl, d, base, plain);
		break;
	default:
		store_word(c, M(c)->big ? vh : vl, d, base, plain);
		store_word(c, M(c)->big ? vl : vh, d + 4, base, plain);
		break;
	}
}

/* ---------------------------------------------------------------- atomics */

/*
 * 32-bit atomics: an ll/sc loop between full barriers.
 *
 *      sync
 *  1:  ll   T2, 0(addr)             old value
 *      op   T0, T2, src             (xchg: T0 = src)
 *      sc   T0, 0(addr)             T0 = 1 if stored
 *      beq  T0, $zero, 1b
 *      sync
 *
 * CMPXCHG leaves the loop without storing when old != R0. FETCH forms put
 * the old value in src, CMPXCHG in R0, zero-extended.
 */
static void emit_atomic32(struct jit_ctx *c, const struct bpf_insn *i)
{
	static struct mips_insn (*const ops[16])(unsigned, unsigned, unsigned) = {
		[BPF_ADD >> 4] = mips_addu, [BPF_OR >> 4] = mips_or,
		[BPF_AND >> 4] = mips_and, [BPF_XOR >> 4] = mips_xor,
	};
	unsigned align;
	int32_t d = i->off;
	uint8_t addr = mem_addr(c, i->dst, &d, 3, &align);
	if (d) {
		emit(c, mips_addiu(T3, addr, d));
		addr = T3;
	}
	uint8_t v = opnd_lo(c, reg_opnd(c, i->src), T1);
	unsigned res = i->imm == BPF_CMPXCHG ? 0 : (i->imm & BPF_FETCH) ? i->src : JIT_NREGS;
	emit(c, mips_sync(0));
	uint32_t top = c->pos;
	emit_ll(c, T2, addr);
	uint32_t out = 0;
	if (i->imm == BPF_CMPXCHG) {
		out = fwd(c);                       /* bne T2, R0, out */
		emit(c, mips_move(T0, v));          /* delay slot */
	} else if (ops[(i->imm & 0xf0) >> 4]) {
		emit(c, ops[(i->imm & 0xf0) >> 4](T0, T2, v));
	} else {                                    /* XCHG */
		emit(c, mips_move(T0, v));
	}
	emit_sc(c, T0, addr);
	emit(c, mips_beq(T0, MIPS_ZERO, rel(c->pos, top)));
	emit(c, mips_nop());
	if (i->imm == BPF_CMPXCHG)
		fwd_bind(c, out, C_NE, T2, rlo(c, 0));
	emit(c, mips_sync(0));
	if (res < JIT_NREGS) {
		emit_move(c, rlo(c, res), T2);
		zext(c, res);
	}
}

/*
 * 64-bit atomics: bpf32_atomic64(addr, op, src, R0), which serialises all
 * of them with one lock (so they are not atomic with respect to 32-bit
 * atomics on the same address). O32: addr in a0, op in a1, src in a2:a3,
 * R0 at sp + 16; the old value comes back in v0:v1.
 */
static void emit_atomic64(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned res = i->imm == BPF_CMPXCHG ? 0 : (i->imm & BPF_FETCH) ? i->src : JIT_NREGS;
	uint16_t keep = keep_mask(c, (uint16_t)~(1u << res));
	slots(c, keep, SAVE);
	emit(c, mips_sw(rfirst(c, 0), FRAME_ARGS, MIPS_SP));
	emit(c, mips_sw(rsecond(c, 0), FRAME_ARGS + 4, MIPS_SP));
	unsigned align;
	int32_t d = i->off;
	uint8_t addr = mem_addr(c, i->dst, &d, 7, &align);
	emit(c, mips_addiu(T2, addr, d));
	uint8_t args[3] = { MIPS_A0, MIPS_A2, MIPS_A3 }, from[3] = { T2 };
	opnd_pair(c, reg_opnd(c, i->src), &from[1], &from[2]);
	emit_moves(c, args, from, 3);
	emit_li(c, MIPS_A1, (uint32_t)i->imm);
	call_c(c, JIT_ADDR(bpf32_atomic64));
	if (res < JIT_NREGS) {
		emit_move(c, rfirst(c, res), MIPS_V0);
		emit_move(c, rsecond(c, res), MIPS_V1);
	}
	slots(c, keep, RESTORE);
}

/* ---------------------------------------------------------------- jumps */

/*
 * Order conditions as one "set on less than": a OP b is x < y, with
 * (x, y) = swap ? (b, a) : (a, b), negated when `neg`; signed or not.
 */
static const struct {
	uint8_t swap, neg, sign;
} lt_forms[16] = {
	[BPF_JGT >> 4] = { 1, 0, 0 },   /* a > b   =  b < a */
	[BPF_JGE >> 4] = { 0, 1, 0 },   /* a >= b  = !(a < b) */
	[BPF_JLT >> 4] = { 0, 0, 0 },
	[BPF_JLE >> 4] = { 1, 1, 0 },   /* a <= b  = !(b < a) */
	[BPF_JSGT >> 4] = { 1, 0, 1 },
	[BPF_JSGE >> 4] = { 0, 1, 1 },
	[BPF_JSLT >> 4] = { 0, 0, 1 },
	[BPF_JSLE >> 4] = { 1, 1, 1 },
};

/*
 * x OP imm for an order condition on 32-bit values, with slti/sltiu when the
 * immediate fits its sign-extended 16 bits: x < v and x >= v directly,
 * x > v and x <= v as x >= v + 1 and x < v + 1; signed comparisons with 0
 * branch on the sign. Returns 0 (emitting nothing) when no form applies.
 */
static int emit_lt_imm(struct jit_ctx *c, uint8_t op, uint8_t x, int32_t imm, int sign, uint32_t to)
{
	static const uint8_t sign_conds[16] = {
		[BPF_JSGT >> 4] = C_GTZ, [BPF_JSGE >> 4] = C_GEZ,
		[BPF_JSLT >> 4] = C_LTZ, [BPF_JSLE >> 4] = C_LEZ,
	};
	if (sign && imm == 0) {
		emit_branch(c, sign_conds[op >> 4], x, MIPS_ZERO, to);
		return 1;
	}
	int swap = lt_forms[op >> 4].swap;
	int64_t v = (sign ? (int64_t)imm : (int64_t)(uint32_t)imm) + swap;
	int fits = sign ? mips_simm16_fits(v) : v <= 0x7fff || (v >= 0xffff8000 && v <= 0xffffffff);
	if (!fits)
		return 0;
	int32_t field = (int32_t)(int16_t)(uint16_t)v;
	emit(c, sign ? mips_slti(T2, x, field) : mips_sltiu(T2, x, field));
	emit_branch(c, lt_forms[op >> 4].neg != swap ? C_EQ : C_NE, T2, MIPS_ZERO, to);
	return 1;
}

/*
 * Conditional jumps. JMP32 compares low halves. JMP: equality and JSET
 * fold both halves into one word; orders are decided by the high words,
 * signed or not, and by the low words, unsigned, when the high ones are
 * equal:
 *
 *      bne  xh, yh, 1f
 *      slt  T2, xh, yh      delay slot (sltu when unsigned)
 *      sltu T2, xl, yl      only when xh == yh
 *  1:  bne  T2, $zero, target (beq when negated)
 */
static void emit_cond_jmp(struct jit_ctx *c, const struct bpf_insn *i, uint32_t to)
{
	uint8_t op = BPF_OP(i->code);
	int wide = BPF_CLASS(i->code) == BPF_JMP;
	struct opnd d = reg_opnd(c, i->dst), s = src_opnd(c, i);
	uint8_t dh = wide ? opnd_hi(c, d, T0) : MIPS_ZERO;
	/* 64-bit values below 2^32 compare like 32-bit unsigned ones */
	int narrow = !wide || (dh == MIPS_ZERO &&
			       (s.kind == O_IMM ? s.imm >= 0 : s.kind == O_FP || s.hi == MIPS_ZERO));
	int order = op != BPF_JEQ && op != BPF_JNE && op != BPF_JSET;
	if (order && narrow && s.kind == O_IMM &&
	    emit_lt_imm(c, op, opnd_lo(c, d, T0), s.imm, !wide && lt_forms[op >> 4].sign, to))
		return;

	if (op == BPF_JEQ || op == BPF_JNE) {
		enum cond k = op == BPF_JEQ ? C_EQ : C_NE;
		uint8_t dl = opnd_lo(c, d, T1);
		if (narrow) {
			emit_branch(c, k, dl, opnd_lo(c, s, T0), to);
			return;
		}
		/* T2 = (dl ^ sl) | (dh ^ sh), zero when equal; sh of a constant is 0 or ~0 */
		emit_op(c, BPF_XOR, T2, dl, s);
		uint8_t hx = dh;
		if (s.kind == O_IMM && s.imm < 0) {
			hx = T3;
			emit(c, mips_nor(T3, dh, MIPS_ZERO));
		} else if (s.kind == O_REG && dh == MIPS_ZERO) {
			hx = s.hi;
		} else if (s.kind == O_REG && s.hi != MIPS_ZERO) {
			hx = T3;
			emit(c, mips_xor(T3, dh, s.hi));
		}
		emit(c, mips_or(T2, T2, hx));
		emit_branch(c, k, T2, MIPS_ZERO, to);
		return;
	}
	uint8_t dl = opnd_lo(c, d, T0), sl = opnd_lo(c, s, T1);
	uint8_t sh = wide ? opnd_hi(c, s, T3) : MIPS_ZERO;
	if (op == BPF_JSET) {
		emit(c, mips_and(T2, dl, sl));
		if (dh != MIPS_ZERO && sh != MIPS_ZERO) {
			emit(c, mips_and(T3, dh, sh));
			emit(c, mips_or(T2, T2, T3));
		}
		emit_branch(c, C_NE, T2, MIPS_ZERO, to);
		return;
	}
	uint8_t xl = dl, yl = sl, xh = dh, yh = sh;
	if (lt_forms[op >> 4].swap) {
		xl = sl, yl = dl, xh = sh, yh = dh;
	}
	struct mips_insn (*slt)(unsigned, unsigned, unsigned) =
		lt_forms[op >> 4].sign ? mips_slt : mips_sltu;
	if (!wide) {
		emit(c, slt(T2, xl, yl));
	} else if (xh == MIPS_ZERO && yh == MIPS_ZERO) {
		emit(c, mips_sltu(T2, xl, yl));   /* both below 2^32 */
	} else {
		uint32_t decided = fwd(c);
		emit(c, slt(T2, xh, yh));
		emit(c, mips_sltu(T2, xl, yl));
		fwd_bind(c, decided, C_NE, xh, yh);
	}
	emit_branch(c, lt_forms[op >> 4].neg ? C_EQ : C_NE, T2, MIPS_ZERO, to);
}

static void emit_jmp(struct jit_ctx *c, const struct bpf_insn *i, uint32_t to)
{
	if (BPF_OP(i->code) == BPF_JA)
		emit_branch(c, C_AL, 0, 0, to);
	else
		emit_cond_jmp(c, i, to);
}

/* ---------------------------------------------------------------- calls */

/*
 * Helper call per O32 with the prototype's arguments only: argument words
 * in a0-a3 (a 64-bit argument in an even/odd pair, in memory order), word 4
 * and up at sp + 16 and up. R1..R5 sit in $4..$13 in argument order, so the
 * source of word w is $zero or a register numbered at least $4 + w: setting
 * a0..a3 in ascending order never overwrites a source still to be read, and
 * the stacked words come from t0-t5, which a0-a3 are not. R1-R5 keep their
 * values, as in the interpreter.
 */
static void emit_helper_call(struct jit_ctx *c, const struct bpf32_helper *h)
{
	const struct bpf32_helper_proto *p = &h->proto;
	struct jit_arg_word args[JIT_MAX_ARG_WORDS];
	uint8_t words[JIT_MAX_ARG_WORDS];   /* the source register of each word, 0xff: padding */
	unsigned n = jit_arg_words(c, p, args);
	for (unsigned w = 0; w < n; w++)
		words[w] = !args[w].reg ? 0xff : args[w].half == JIT_LO ? rlo(c, args[w].reg)
									 : rhi(c, args[w].reg);
	uint16_t keep = keep_mask(c, ARG_REGS);
	slots(c, keep, SAVE);
	for (unsigned w = 4; w < n; w++)
		if (words[w] != 0xff)
			emit(c, mips_sw(words[w], 4 * (int32_t)w, MIPS_SP));
	for (unsigned w = 0; w < n && w < 4; w++) {
		if (words[w] == 0xff)
			continue;
		if (words[w] != MIPS_ZERO && words[w] < MIPS_A0 + w)
			jit_fail(c, BPF32_EINVAL, "internal error: helper argument order");
		emit_move(c, (uint8_t)(MIPS_A0 + w), words[w]);
	}
	call_c(c, JIT_ADDR(h->fn));

	/* R0 = the result: U64 arrives in v0:v1 (R0's pair), 32-bit ones in v0 */
	if (p->ret != BPF32_RET_U64) {
		emit_move(c, rlo(c, 0), p->ret == BPF32_RET_VOID ? MIPS_ZERO : MIPS_V0);
		zext(c, 0);
	}
	slots(c, keep, RESTORE);
	if (p->flags & BPF32_HELPER_UNWIND_ON_ZERO) {
		uint8_t r = rlo(c, 0);
		if (p->ret == BPF32_RET_U64) {
			emit(c, mips_or(T0, MIPS_V0, MIPS_V1));
			r = T0;
		}
		emit_branch(c, C_EQ, r, MIPS_ZERO, stub(c, L_UNWIND_ZERO));
	}
}

/*
 * Tail calls and callx go through a runtime routine that sees every
 * register in the slots. It answers JIT_RT_CONTINUE (reload the
 * caller-saved registers, R0 included), JIT_RT_UNWIND, or the address of a
 * tail-call entry, which continues in this frame.
 */
static void emit_slow_call(struct jit_ctx *c, uint32_t fn, const struct bpf_insn *callx)
{
	slots(c, ALL_REGS, SPILL);
	emit(c, mips_lw(MIPS_A0, FRAME_RUN, MIPS_SP));
	emit(c, mips_addiu(MIPS_A1, MIPS_SP, FRAME_REGS));
	if (callx) {
		emit_li(c, MIPS_A2, JIT_ADDR(c->prog->env));
		emit_li(c, MIPS_A3, callx->dst);
	}
	call_c(c, fn);
	emit(c, mips_sltiu(T0, MIPS_V0, 2));
	uint32_t no_tail = fwd(c);          /* bne T0, $zero, no_tail */
	emit(c, mips_nop());
	emit_jr(c, MIPS_V0);
	emit(c, mips_nop());
	fwd_bind(c, no_tail, C_NE, T0, MIPS_ZERO);
	emit_branch(c, C_NE, MIPS_V0, MIPS_ZERO, stub(c, L_UNWIND_ZERO));
	slots(c, CALLER_SAVED_REGS, RESTORE);
}

/*
 * Local call (see the file comment): R6-R9 to the caller's slots, a new
 * frame checked against the depth limit, `bal` to the callee.
 */
static void emit_local_call(struct jit_ctx *c, uint32_t target)
{
	uint16_t callee_saved = c->scan.used & (ALL_REGS & ~CALLER_SAVED_REGS);
	slots(c, callee_saved, SAVE);
	emit(c, mips_lw(T0, FRAME_RUN, MIPS_SP));
	emit(c, mips_lw(T1, JIT_RUN_STACK_LIMIT, T0));
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, -FRAME_SIZE));
	emit(c, mips_sw(T0, FRAME_RUN, MIPS_SP));
	emit(c, mips_sltu(T1, MIPS_SP, T1));
	emit_branch(c, C_NE, T1, MIPS_ZERO, stub(c, L_ERR_LIMIT));
	emit_call_to(c, jit_func_off(c, target));
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, FRAME_SIZE));
	slots(c, callee_saved, RESTORE);
}

/* End the run with error `code`: t0 = code, then the shared error path. */
static void emit_error(struct jit_ctx *c, int code)
{
	emit_li(c, T0, (uint32_t)code);
	emit_branch(c, C_AL, 0, 0, stub(c, L_ERROR));
}

/*
 * EXIT: return from this function; R0 is in v0:v1 already. A known-zero
 * upper half has no register, so a delay slot writes its 0 for the caller,
 * which may be the C entry of another program (a tail call's). The return
 * sequence (lw ra, jr ra) is shared: an EXIT branches to the last one
 * emitted before it or to L_RETURN after the code, whichever a branch
 * reaches, else has its own.
 */
static void emit_exit(struct jit_ctx *c)
{
	struct mips_insn delay = rhi(c, 0) == MIPS_ZERO
		? mips_move(pairs[0][!M(c)->big], MIPS_ZERO) : mips_nop();
	uint32_t back = M(c)->last_return, ahead = jit_label(c, L_RETURN);
	int back_ok = back != UINT32_MAX && mips_simm16_fits(rel(c->pos, back));
	int ahead_ok = mips_simm16_fits(rel(c->pos, ahead));
	if (!jit_long(c, back_ok || ahead_ok)) {
		emit(c, branch_insn(C_AL, 0, 0, rel(c->pos, back_ok ? back : ahead)));
		emit(c, delay);
		return;
	}
	M(c)->last_return = c->pos;
	emit(c, mips_lw(MIPS_RA, FRAME_RET, MIPS_SP));
	emit_jr(c, MIPS_RA);
	emit(c, delay);
}

/*
 * LD_ABS / LD_IND: R0 = the big-endian packet value. In the linear part
 * (see jit.h) it is loaded inline, else through jit_rt_ld_pkt(run, off,
 * size), which returns the value in its low word and 1 in its high word
 * when in bounds. The low word lands in R0's low half on either byte order;
 * a 0 high word ends the program with R0 = 0.
 *
 *      t0 = offset ; t1 = run ; t2 = run->pkt_head
 *      sltu t3, t2, t0 ; bne t3, $zero, slow ; subu t2, t2, t0
 *      sltiu t3, t2, size ; bne t3, $zero, slow ; lw t1, pkt_data(t1)
 *      addu t1, t1, t0 ; R0 = the value at 0(t1), byte-swapped on little endian
 *      b done
 *  slow:
 *      the call
 *  done:
 */
static void emit_ld_pkt(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint32_t size = bpf_size_bytes(BPF_SIZE(i->code));
	uint8_t r0 = rlo(c, 0);
	if (BPF_MODE(i->code) == BPF_IND)
		emit_op(c, BPF_ADD, T0, opnd_lo(c, reg_opnd(c, i->src), T1), imm_opnd(i->imm));
	else
		emit_li(c, T0, (uint32_t)i->imm);
	emit(c, mips_lw(T1, FRAME_RUN, MIPS_SP));
	emit(c, mips_lw(T2, JIT_RUN_PKT_HEAD, T1));
	emit(c, mips_sltu(T3, T2, T0));
	uint32_t past_head = fwd(c);
	emit(c, mips_subu(T2, T2, T0));                /* delay slot */
	emit(c, mips_sltiu(T3, T2, (int32_t)size));
	uint32_t too_short = fwd(c);
	emit(c, mips_lw(T1, JIT_RUN_PKT_DATA, T1));    /* delay slot */
	emit(c, mips_addu(T1, T1, T0));
	if (size == 4)
		load_word(c, r0, 0, T1, r6(c));
	else if (size == 2)
		load_half(c, r0, 0, T1, r6(c), 0);
	else
		emit(c, mips_lbu(r0, 0, T1));
	if (!M(c)->big && size == 4)
		emit_bswap32(c, r0, r0);
	else if (!M(c)->big && size == 2)
		emit_bswap16(c, r0, r0);
	uint32_t done = fwd(c);
	emit(c, mips_nop());

	fwd_bind(c, past_head, C_NE, T3, MIPS_ZERO);
	fwd_bind(c, too_short, C_NE, T3, MIPS_ZERO);
	uint16_t keep = keep_mask(c, ARG_REGS);
	slots(c, keep, SAVE);
	emit(c, mips_lw(MIPS_A0, FRAME_RUN, MIPS_SP));
	emit_move(c, MIPS_A1, T0);
	emit_li(c, MIPS_A2, size);
	call_c(c, JIT_ADDR(jit_rt_ld_pkt));
	uint8_t in_bounds = pairs[0][!M(c)->big];
	emit_branch(c, C_EQ, in_bounds, MIPS_ZERO, stub(c, L_UNWIND_ZERO));
	slots(c, keep, RESTORE);

	fwd_bind(c, done, C_AL, 0, 0);
	zext(c, 0);
}

/* ---------------------------------------------------------------- entry and exits */

/* The registers the C entry saves, at sp + 4 * k. */
static const uint8_t entry_saved[ENTRY_SAVE / 4] = {
	MIPS_S0, MIPS_S1, MIPS_S2, MIPS_S3, MIPS_S4, MIPS_S5, MIPS_S6, MIPS_S7, MIPS_FP, MIPS_RA,
};

/*
 * The callee-saved registers the C entry keeps (a mask of machine
 * registers): ra and those the program changes; all of them when it may
 * tail-call a program that changes others.
 */
static uint32_t entry_saves(struct jit_ctx *c)
{
	uint32_t saved = 1u << MIPS_RA;
	for (unsigned k = 0; k < sizeof entry_saved; k++)
		saved |= c->scan.has_slow_calls ? 1u << entry_saved[k] : 0;
	for (unsigned r = 6; r < JIT_NREGS; r++)
		if (r != BPF_REG_FP && ((c->scan.used >> r) & 1))
			saved |= 1u << rlo(c, r) | 1u << rhi(c, r);
	return saved & ~(1u << MIPS_ZERO | 1u << MIPS_T8);   /* AX's upper half is caller-saved */
}

/*
 * The C-callable entry, uint64_t entry(void *ctx, uint32_t ctx_len,
 * struct jit_run *run):
 *
 *      addiu sp, sp, -ENTRY_SAVE ; save ra and the registers entry_saves() names
 *      addiu sp, sp, -FRAME_SIZE ; frame->run = run ; run->saved_sp = sp
 *      run->stack_limit = sp - (BPF32_MAX_FRAMES - 1) * FRAME_SIZE
 *      R1 = ctx, R2 = ctx_len, the other registers read before written = 0
 *      bal main             (main's return address, also where unwinding returns)
 *      addiu sp, sp, FRAME_SIZE ; restore them
 *      jr ra ; addiu sp, sp, ENTRY_SAVE
 */
static void mips_prologue(struct jit_ctx *c)
{
	uint32_t saved = entry_saves(c);
	M(c)->last_return = UINT32_MAX;
	M(c)->stubs = 0;
	c->entry = c->pos;
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, -ENTRY_SAVE));
	for (unsigned k = 0; k < sizeof entry_saved; k++)
		if ((saved >> entry_saved[k]) & 1)
			emit(c, mips_sw(entry_saved[k], 4 * (int32_t)k, MIPS_SP));
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, -FRAME_SIZE));
	emit(c, mips_sw(MIPS_A2, FRAME_RUN, MIPS_SP));
	emit(c, mips_sw(MIPS_SP, JIT_RUN_SAVED_SP, MIPS_A2));
	emit(c, mips_addiu(T0, MIPS_SP, -(BPF32_MAX_FRAMES - 1) * FRAME_SIZE));
	emit(c, mips_sw(T0, JIT_RUN_STACK_LIMIT, MIPS_A2));

	/* ctx_len first: on big endian R1's low half is a1 */
	emit_move(c, T0, MIPS_A1);
	emit_move(c, rlo(c, 1), MIPS_A0);
	zext(c, 1);
	emit_move(c, rlo(c, 2), T0);
	zext(c, 2);
	/* A program that may tail-call passes every register on: start them all at 0. */
	uint16_t init = (c->scan.has_slow_calls ? ALL_REGS : c->scan.live_in & ALL_REGS) & ~0x6u;
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		if ((init >> r) & 1) {
			emit_move(c, rlo(c, r), MIPS_ZERO);
			zext(c, r);
		}
	emit_call_to(c, jit_func_off(c, 0));
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, FRAME_SIZE));
	for (unsigned k = 0; k < sizeof entry_saved; k++)
		if ((saved >> entry_saved[k]) & 1)
			emit(c, mips_lw(entry_saved[k], 4 * (int32_t)k, MIPS_SP));
	emit_jr(c, MIPS_RA);
	emit(c, mips_addiu(MIPS_SP, MIPS_SP, ENTRY_SAVE));   /* delay slot */
}

/*
 * Start of a function (main or local-call target): keep the return address
 * in the frame. Code running into it from the previous instruction jumps
 * over that.
 */
static void mips_func_entry(struct jit_ctx *c, uint32_t idx)
{
	uint32_t over = 0;
	int falls_in = c->iflags[idx] & JIT_F_FALLS_IN;
	if (falls_in) {
		over = fwd(c);
		emit(c, mips_nop());
	}
	emit(c, mips_sw(MIPS_RA, FRAME_RET, MIPS_SP));
	if (falls_in)
		fwd_bind(c, over, C_AL, 0, 0);
}

/*
 * After the last instruction: the error and unwind paths; the tail-call entry, which takes every register from the
 * canonical slots of the frame it continues in and starts at instruction 0.
 */
static void mips_epilogue(struct jit_ctx *c)
{
	jit_bind(c, L_RETURN);
	emit(c, mips_lw(MIPS_RA, FRAME_RET, MIPS_SP));
	emit_jr(c, MIPS_RA);
	emit(c, mips_nop());

	/* The error and unwind paths the code branches to, each running into the next. */
	uint8_t need = M(c)->stubs;
	if (need & 1u << L_ERR_LIMIT) {
		jit_bind(c, L_ERR_LIMIT);
		emit_li(c, T0, (uint32_t)BPF32_ELIMIT);
	}
	if (need & (1u << L_ERR_LIMIT | 1u << L_ERROR)) {
		jit_bind(c, L_ERROR);
		emit(c, mips_lw(T1, FRAME_RUN, MIPS_SP));
		emit(c, mips_sw(T0, JIT_RUN_ERR, T1));
	}
	if (need) {
		/*
		 * Back to the main frame, and return from it to the C entry that
		 * made it: that may be another program's (a tail call's), which
		 * restores what it saved.
		 */
		jit_bind(c, L_UNWIND_ZERO);
		emit(c, mips_move(MIPS_V0, MIPS_ZERO));
		emit(c, mips_move(MIPS_V1, MIPS_ZERO));
		emit(c, mips_lw(T1, FRAME_RUN, MIPS_SP));
		emit(c, mips_lw(MIPS_SP, JIT_RUN_SAVED_SP, T1));
		emit(c, mips_lw(MIPS_RA, FRAME_RET, MIPS_SP));
		emit_jr(c, MIPS_RA);
		emit(c, mips_nop());
	}

	c->tail_entry = c->pos;
	slots(c, c->scan.used & ALL_REGS, RESTORE);
	emit_branch(c, C_AL, 0, 0, jit_insn_off(c, 0));
}

/* ---------------------------------------------------------------- setup */

static int mips_prepare(struct jit_ctx *c)
{
	struct mips *m = calloc(1, sizeof *m);
	if (!m)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	c->priv = m;
	m->isa = c->cpu == BPF32_CPU_MIPS32R1 ? MIPS_R1 : c->cpu == BPF32_CPU_MIPS32R6 ? MIPS_R6
										: MIPS_R2;
	m->big = c->be->big_endian;
	m->main_end = c->nfuncs > 1 ? c->funcs[1].insn : c->len;
	for (unsigned r = 0; r < JIT_NREGS; r++) {
		m->lo[r] = pairs[r][m->big];
		m->hi[r] = (c->scan.zero_hi >> r) & 1 ? MIPS_ZERO : pairs[r][!m->big];
	}
	return 0;
}

/* "R0=v0:v1 R1=a0:zero R10=sp+640 ..." (low:high) for the registers the program uses. */
static void mips_describe(struct jit_ctx *c, char *buf, size_t size)
{
	static const char *const names[32] = {
		"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3",
		"t4", "t5", "t6", "t7", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
		"t8", "t9", "k0", "k1", "gp", "sp", "fp", "ra",
	};
	static const char *const bpf_names[JIT_NREGS] = {
		"R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "AX",
	};
	size_t len = 0;
	buf[0] = 0;
	for (unsigned r = 0; r < JIT_NREGS && len < size; r++) {
		if (!((c->scan.used >> r) & 1))
			continue;
		int n = r == BPF_REG_FP
			? snprintf(buf + len, size - len, "%sR10=sp+%u:zero", len ? " " : "", FRAME_FP)
			: snprintf(buf + len, size - len, "%s%s=%s:%s", len ? " " : "", bpf_names[r],
				   names[rlo(c, r)], names[rhi(c, r)]);
		if (n > 0)
			len += (size_t)n;
	}
}

static void mips_release(struct jit_ctx *c)
{
	free(c->priv);
	c->priv = NULL;
}

static int mips_resolve_cpu(uint32_t cpu, uint32_t *out)
{
	if (cpu == BPF32_CPU_MIPS32R1 || cpu == BPF32_CPU_MIPS32R2 || cpu == BPF32_CPU_MIPS32R6) {
		*out = cpu;
		return 0;
	}
	if (cpu != BPF32_CPU_DEFAULT)
		return BPF32_EINVAL;
#if defined(__mips_isa_rev) && __mips_isa_rev >= 6
	*out = BPF32_CPU_MIPS32R6;
#else
	*out = BPF32_CPU_MIPS32R2;
#endif
	return 0;
}

/* The emitters above, by family (their names follow jit.h's convention). */
static const struct jit_ops mips_ops = JIT_OPS_OF_EMITTERS;

const struct jit_backend jit_mips32el = {
	.arch = BPF32_ARCH_MIPS32EL,
	.name = "mips32el",
	.big_endian = 0,
	.resolve_cpu = mips_resolve_cpu,
	.prepare = mips_prepare,
	.prologue = mips_prologue,
	.func_entry = mips_func_entry,
	.ops = &mips_ops,
	.epilogue = mips_epilogue,
	.release = mips_release,
	.describe = mips_describe,
};

const struct jit_backend jit_mips32be = {
	.arch = BPF32_ARCH_MIPS32BE,
	.name = "mips32be",
	.big_endian = 1,
	.resolve_cpu = mips_resolve_cpu,
	.prepare = mips_prepare,
	.prologue = mips_prologue,
	.func_entry = mips_func_entry,
	.ops = &mips_ops,
	.epilogue = mips_epilogue,
	.release = mips_release,
	.describe = mips_describe,
};
