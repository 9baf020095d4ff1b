/*
 * ARM32 backend: eBPF to ARMv7-A, ARM mode, little endian, AAPCS.
 *
 * Registers. Each eBPF register is a pair of 32-bit halves {lo, hi}; each half
 * lives in one place, read only through get() and written through put():
 *
 *   LOC_REG   a machine register: r4-r11 (callee-saved in AAPCS, so they
 *             survive helper calls) for any register, and ip/lr ("volatile")
 *             for R0-R5 and AX only, which are saved around calls;
 *   LOC_SLOT  the register's canonical slot in the current frame,
 *             [sp + 8 * r + 4 * half];
 *   LOC_ZERO  an upper half the scan proved zero wherever it is read: it
 *             takes no storage, reads give 0 and writes are dropped;
 *   LOC_FP    the low half of R10, which is sp + FRAME_FP (R10's upper half
 *             is LOC_ZERO).
 *
 * The most-used registers of each program get machine registers (prepare()),
 * both halves in an even/odd pair where possible so that R10-relative 64-bit
 * loads and stores can use ldrd/strd. r0-r3 are scratch (T0-T3) everywhere:
 * they never hold an eBPF value between instructions, which leaves them free
 * for helper arguments and results and for runtime-routine calls.
 *
 * Frames. The C-callable entry saves r4-r12 and lr, then every function
 * (the main program and each local-call target) runs in a frame of
 * FRAME_SIZE bytes, the same for every program, so a tail call can continue
 * in the caller's frame:
 *
 *        +------------------------+  <- R10 = sp + FRAME_FP
 *        | eBPF stack (512 bytes) |
 *   +120 +------------------------+
 *   +116 | return address         |  str lr at function entry, ldr pc at exit
 *   +112 | struct jit_run *       |
 *   +104 | saved ip, lr           |  64-bit atomics
 *    +96 | CMPXCHG expected value |  64-bit atomics
 *    +88 | AX slot                |
 *    +80 | (R10 slot) operand     |  64-bit atomics
 *     +0 | R0..R9 slots, lo, hi   |  spilled halves; all registers at tail calls
 *        +------------------------+  <- sp (8-byte aligned)
 *
 * A local call allocates the callee's frame below the caller's, copies the
 * spilled halves into it (and the R1-R5 ones back after the call, so that
 * the caller sees the callee's values, as in the interpreter), keeps the
 * caller's R6-R9 in the caller's slots across the call, and gets R0 back in
 * r0:r1. Only the lr-held half cannot stay put across a `bl`: it travels
 * in r3 both ways.
 *
 * Leaving early (a helper with BPF32_HELPER_UNWIND_ON_ZERO returned 0, a
 * packet load out of bounds, an error) reloads sp from jit_run.saved_sp at
 * any depth and returns through the entry's exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__arm__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#include "arm32_enc.h"
#include "jit.h"

/* ---------------------------------------------------------------- frame */

#define FRAME_VAL 80     /* 64-bit atomics: the operand (R10's slot, which R10 never uses) */
#define FRAME_EXP 96     /* 64-bit atomics: CMPXCHG's expected value */
#define FRAME_SAVE 104   /* 64-bit atomics: ip and lr */
#define FRAME_RUN 112
#define FRAME_RET 116
#define FRAME_STACK 120
#define FRAME_FP (FRAME_STACK + BPF32_STACK_SIZE)
#define FRAME_SIZE FRAME_FP

_Static_assert(FRAME_SIZE % 8 == 0, "frames keep sp 8-byte aligned");
_Static_assert(FRAME_VAL == 8 * BPF_REG_FP, "the atomics operand reuses R10's slot");

/* Registers the C entry saves: r4-r12 and lr, ten words, keeping sp aligned. */
#define SAVED_REGS 0x5ff0u

/* Scratch registers. */
#define T0 A32_R0
#define T1 A32_R1
#define T2 A32_R2
#define T3 A32_R3

static inline uint32_t slot_off(unsigned r, unsigned h)
{
	return 8 * r + 4 * h;
}

/* ---------------------------------------------------------------- state */

enum loc_kind { LOC_SLOT = 0, LOC_REG, LOC_ZERO, LOC_FP };

struct loc {
	uint8_t kind;
	uint8_t reg;
};

/*
 * Labels of the shared code (jit_bind / jit_label). Long branches build
 * their distance in r0, so nothing is passed to a label in r0.
 */
enum {
	L_UNWIND_ZERO,   /* leave the program from any depth with result 0 */
	L_ERROR,         /* r1 = error code: store it in jit_run.err, then unwind */
	L_ERR_LIMIT,     /* local calls nested too deep */
};

struct a32 {
	struct loc map[JIT_NREGS][2];
	int idiv;            /* sdiv/udiv available */
	uint16_t volatiles;  /* mask of ip/lr when they hold eBPF halves */
	int32_t bias;        /* bytes pushed below the frame within a sequence */
};

static inline struct a32 *A(struct jit_ctx *c)
{
	return c->priv;
}

static inline void emit(struct jit_ctx *c, uint32_t w)
{
	jit_emit(c, w);
}

static inline struct loc loc_of(struct jit_ctx *c, unsigned r, unsigned h)
{
	return A(c)->map[r][h];
}

/* sp-relative offset of frame byte `off`, inside a call sequence too. */
static inline int32_t frame(struct jit_ctx *c, uint32_t off)
{
	return (int32_t)off + A(c)->bias;
}

/* ---------------------------------------------------------------- constants */

/* rd = v, in one instruction where one suffices. */
static void load_imm(struct jit_ctx *c, uint8_t rd, uint32_t v)
{
	if (a32_imm_ok(v)) {
		emit(c, a32_mov(rd, a32_imm(v)));
	} else if (a32_imm_ok(~v)) {
		emit(c, a32_mvn(rd, a32_imm(~v)));
	} else {
		emit(c, a32_movw(rd, (uint16_t)v));
		if (v >> 16)
			emit(c, a32_movt(rd, (uint16_t)(v >> 16)));
	}
}

/*
 * An operand: a machine register or a constant. Constants reach the
 * instruction through emit_dp(), the one place that decides between the
 * immediate form, its complement twin and a materialised register.
 */
struct opnd {
	uint8_t is_imm;
	uint8_t reg;
	uint32_t imm;
};

static inline struct opnd imm_opnd(uint32_t v)
{
	struct opnd o = { 1, 0, v };
	return o;
}

static inline struct opnd reg_opnd(uint8_t r)
{
	struct opnd o = { 0, r, 0 };
	return o;
}

/*
 * Twins that compute the same with a transformed immediate:
 * add #v = sub #-v, adc #v = sbc #~v, and #v = bic #~v, mov #v = mvn #~v,
 * cmp #v = cmn #-v. For v != 0 the carry out agrees as well (a + v carries
 * exactly when a - (-v) does not borrow), so flag-setting uses are safe.
 */
static const struct {
	uint8_t twin;
	uint8_t negate;   /* 1: -v, 0: ~v */
} dp_twins[16] = {
	[A32_OP_ADD] = { A32_OP_SUB, 1 }, [A32_OP_SUB] = { A32_OP_ADD, 1 },
	[A32_OP_ADC] = { A32_OP_SBC, 0 }, [A32_OP_SBC] = { A32_OP_ADC, 0 },
	[A32_OP_AND] = { A32_OP_BIC, 0 }, [A32_OP_BIC] = { A32_OP_AND, 0 },
	[A32_OP_MOV] = { A32_OP_MVN, 0 }, [A32_OP_MVN] = { A32_OP_MOV, 0 },
	[A32_OP_CMP] = { A32_OP_CMN, 1 }, [A32_OP_CMN] = { A32_OP_CMP, 1 },
};

/* rd = rn op v leaves rd as it is (so nothing needs emitting). */
static int dp_is_identity(enum a32_dp_op op, uint8_t rd, uint8_t rn, struct opnd o)
{
	if (!o.is_imm)
		return op == A32_OP_MOV && rd == o.reg;
	if (rd != rn)
		return 0;
	switch (op) {
	case A32_OP_ADD: case A32_OP_SUB: case A32_OP_ORR: case A32_OP_EOR:
		return o.imm == 0;
	case A32_OP_AND:
		return o.imm == 0xffffffffu;
	default:
		return 0;
	}
}

/*
 * if (cond) rd = rn op o (s: set flags); `tmp` receives a constant that has
 * no immediate form (loaded unconditionally, which changes no flags).
 */
static void emit_dp_cond(struct jit_ctx *c, enum a32_cond cond, enum a32_dp_op op, unsigned s,
			 uint8_t rd, uint8_t rn, struct opnd o, uint8_t tmp)
{
	if (!s && dp_is_identity(op, rd, rn, o))
		return;
	if (op == A32_OP_MOV || op == A32_OP_MVN)
		rn = 0;   /* unused fields are zero */
	else if (op >= A32_OP_TST && op <= A32_OP_CMN)
		rd = 0;
	if (!o.is_imm) {
		emit(c, a32_cond(cond, a32_dp(op, s, rd, rn, a32_reg(o.reg))));
		return;
	}
	if (a32_imm_ok(o.imm)) {
		emit(c, a32_cond(cond, a32_dp(op, s, rd, rn, a32_imm(o.imm))));
		return;
	}
	if (dp_twins[op].twin || op == A32_OP_AND) {
		uint32_t v = dp_twins[op].negate ? 0u - o.imm : ~o.imm;
		if (a32_imm_ok(v)) {
			enum a32_dp_op twin = (enum a32_dp_op)dp_twins[op].twin;
			emit(c, a32_cond(cond, a32_dp(twin, s, rd, rn, a32_imm(v))));
			return;
		}
	}
	load_imm(c, tmp, o.imm);
	emit(c, a32_cond(cond, a32_dp(op, s, rd, rn, a32_reg(tmp))));
}

static void emit_dp(struct jit_ctx *c, enum a32_dp_op op, unsigned s, uint8_t rd, uint8_t rn,
		    struct opnd o, uint8_t tmp)
{
	emit_dp_cond(c, A32_AL, op, s, rd, rn, o, tmp);
}

/* The operand as a register: constants are loaded into `tmp`. */
static uint8_t opnd_reg(struct jit_ctx *c, struct opnd o, uint8_t tmp)
{
	if (!o.is_imm)
		return o.reg;
	load_imm(c, tmp, o.imm);
	return tmp;
}

/* ---------------------------------------------------------------- register halves */

/* The machine register holding half `h` of eBPF register `r`, loaded into `tmp` if needed. */
static uint8_t get(struct jit_ctx *c, unsigned r, unsigned h, uint8_t tmp)
{
	struct loc l = loc_of(c, r, h);
	switch (l.kind) {
	case LOC_REG:
		return l.reg;
	case LOC_SLOT:
		emit(c, a32_ldr(tmp, A32_SP, frame(c, slot_off(r, h))));
		return tmp;
	case LOC_ZERO:
		emit(c, a32_mov(tmp, a32_imm(0)));
		return tmp;
	default:   /* LOC_FP */
		emit_dp(c, A32_OP_ADD, 0, tmp, A32_SP, imm_opnd((uint32_t)frame(c, FRAME_FP)), tmp);
		return tmp;
	}
}

/* The same, but the value must end up in `rd`. */
static void get_into(struct jit_ctx *c, unsigned r, unsigned h, uint8_t rd)
{
	uint8_t m = get(c, r, h, rd);
	if (m != rd)
		emit(c, a32_mov(rd, a32_reg(m)));
}

/* Half `h` of r as an operand: zero halves become the constant 0. */
static struct opnd get_opnd(struct jit_ctx *c, unsigned r, unsigned h, uint8_t tmp)
{
	if (loc_of(c, r, h).kind == LOC_ZERO)
		return imm_opnd(0);
	return reg_opnd(get(c, r, h, tmp));
}

/* Where to compute a new value of half `h` of r: its own register, or `tmp`. */
static uint8_t dst_reg(struct jit_ctx *c, unsigned r, unsigned h, uint8_t tmp)
{
	struct loc l = loc_of(c, r, h);
	return l.kind == LOC_REG ? l.reg : tmp;
}

/* Half `h` of r = machine register m. Writes to a zero half are dropped. */
static void put(struct jit_ctx *c, unsigned r, unsigned h, uint8_t m)
{
	struct loc l = loc_of(c, r, h);
	if (l.kind == LOC_REG) {
		if (l.reg != m)
			emit(c, a32_mov(l.reg, a32_reg(m)));
	} else if (l.kind == LOC_SLOT) {
		emit(c, a32_str(m, A32_SP, frame(c, slot_off(r, h))));
	}
}

/* Whether the upper half of r needs no work (known zero). */
static inline int hi_is_zero(struct jit_ctx *c, unsigned r)
{
	return loc_of(c, r, JIT_HI).kind == LOC_ZERO;
}

/* The one zero-extension: upper half of r = 0 (uses T3 for a slot). */
static void zext(struct jit_ctx *c, unsigned r)
{
	struct loc l = loc_of(c, r, JIT_HI);
	if (l.kind == LOC_REG) {
		emit(c, a32_mov(l.reg, a32_imm(0)));
	} else if (l.kind == LOC_SLOT) {
		emit(c, a32_mov(T3, a32_imm(0)));
		put(c, r, JIT_HI, T3);
	}
}

/* Source operand half `h` of an ALU or JMP instruction: register or sign-extended imm. */
static struct opnd src_opnd(struct jit_ctx *c, const struct bpf_insn *i, unsigned h, uint8_t tmp)
{
	if (BPF_SRC(i->code) == BPF_K)
		return imm_opnd(h ? (uint32_t)(i->imm >> 31) : (uint32_t)i->imm);
	return get_opnd(c, i->src, h, tmp);
}

/* ---------------------------------------------------------------- branches */

/* The branch offset field for a branch at word `from` to word `to`. */
static inline int32_t rel(uint32_t from, uint32_t to)
{
	return (int32_t)(to - from) - 2;
}

/*
 * Branch to word offset `to` (as of the previous pass). The long form, for
 * distances past +-32 MiB, adds a pc-relative distance built in T0:
 *
 *     b<!cond> 1f
 *     movw t0, #dist_lo ; movt t0, #dist_hi
 *     add pc, pc, t0
 *  1:
 */
static void emit_branch(struct jit_ctx *c, enum a32_cond cond, uint32_t to)
{
	if (!jit_long(c, a32_branch_ok(rel(c->pos, to)))) {
		emit(c, a32_cond(cond, a32_b(rel(c->pos, to))));
		return;
	}
	uint32_t skip = c->pos;
	if (cond != A32_AL)
		emit(c, 0);
	uint32_t mov = c->pos;
	emit(c, 0);
	emit(c, 0);
	uint32_t dist = 4 * (uint32_t)rel(c->pos, to);
	jit_patch(c, mov, a32_movw(T0, (uint16_t)dist));
	jit_patch(c, mov + 1, a32_movt(T0, (uint16_t)(dist >> 16)));
	emit(c, a32_add(A32_PC, A32_PC, a32_reg(T0)));
	if (cond != A32_AL)
		jit_patch(c, skip, a32_cond(a32_invert(cond), a32_b(rel(skip, c->pos))));
}

/* bl to word offset `to`; the long form goes through T2 (free at call sites). */
static void emit_call_to(struct jit_ctx *c, uint32_t to)
{
	if (!jit_long(c, a32_branch_ok(rel(c->pos, to)))) {
		emit(c, a32_bl(rel(c->pos, to)));
		return;
	}
	uint32_t mov = c->pos;
	emit(c, 0);
	emit(c, 0);
	uint32_t dist = 4 * (uint32_t)rel(c->pos, to);
	jit_patch(c, mov, a32_movw(T2, (uint16_t)dist));
	jit_patch(c, mov + 1, a32_movt(T2, (uint16_t)(dist >> 16)));
	emit(c, a32_add(T2, A32_PC, a32_reg(T2)));
	emit(c, a32_blx(T2));
}

/* A forward branch inside a sequence: placeholder now, fwd_bind() when the target is reached. */
static uint32_t fwd(struct jit_ctx *c)
{
	uint32_t at = c->pos;
	emit(c, 0);
	return at;
}

static void fwd_bind(struct jit_ctx *c, uint32_t at, enum a32_cond cond)
{
	jit_patch(c, at, a32_cond(cond, a32_b(rel(at, c->pos))));
}

/* ---------------------------------------------------------------- calls out */

/* Registers live after the current instruction (all, when the scan could not tell). */
static uint16_t live_after(const struct jit_ctx *c)
{
	return c->live ? c->live[c->cur + 1] : 0xfff;
}

/*
 * Whether ip or lr holds a half of a register live after this instruction,
 * other than register `result`, which the call's result overwrites.
 */
static int volatiles_live(struct jit_ctx *c, unsigned result)
{
	uint16_t live = live_after(c) & (uint16_t)~(1u << result);
	for (unsigned r = 0; r < JIT_NREGS; r++)
		for (unsigned h = 0; h < 2; h++) {
			struct loc l = loc_of(c, r, h);
			if ((live >> r & 1) && l.kind == LOC_REG && (A(c)->volatiles >> l.reg & 1))
				return 1;
		}
	return 0;
}

/*
 * Save / restore ip and lr around a call when they hold values needed after
 * it (both together, which keeps sp 8-byte aligned). Returns whether it did.
 */
static int save_volatiles(struct jit_ctx *c, unsigned result)
{
	if (!volatiles_live(c, result))
		return 0;
	emit(c, a32_push(1u << A32_IP | 1u << A32_LR));
	A(c)->bias += 8;
	return 1;
}

static void restore_volatiles(struct jit_ctx *c, int saved)
{
	if (saved) {
		emit(c, a32_pop(1u << A32_IP | 1u << A32_LR));
		A(c)->bias -= 8;
	}
}

/* Call C function at `addr` (arguments already in r0-r3). */
static void call_c(struct jit_ctx *c, uint32_t addr)
{
	load_imm(c, A32_IP, addr);
	emit(c, a32_blx(A32_IP));
}

/* ---------------------------------------------------------------- ALU */

/* The simple two-operand operations: one data-processing op per half. */
static const struct {
	uint8_t lo, hi;   /* enum a32_dp_op */
	uint8_t carry;    /* lo sets the carry that hi consumes */
} alu_ops[16] = {
	[BPF_ADD >> 4] = { A32_OP_ADD, A32_OP_ADC, 1 },
	[BPF_SUB >> 4] = { A32_OP_SUB, A32_OP_SBC, 1 },
	[BPF_OR >> 4] = { A32_OP_ORR, A32_OP_ORR, 0 },
	[BPF_AND >> 4] = { A32_OP_AND, A32_OP_AND, 0 },
	[BPF_XOR >> 4] = { A32_OP_EOR, A32_OP_EOR, 0 },
	[BPF_MOV >> 4] = { A32_OP_MOV, A32_OP_MOV, 0 },
};

/* ADD, SUB, OR, AND, XOR, MOV (not MOVSX), 32 or 64 bits. */
static void emit_alu_simple(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned op = BPF_OP(i->code) >> 4;
	int is_mov = BPF_OP(i->code) == BPF_MOV;
	int is64 = BPF_CLASS(i->code) == BPF_ALU64;

	uint8_t d = is_mov ? dst_reg(c, i->dst, JIT_LO, T0) : get(c, i->dst, JIT_LO, T0);
	struct opnd s = src_opnd(c, i, JIT_LO, is_mov ? d : T2);
	if (is_mov && !s.is_imm)
		d = s.reg;   /* a move is just the store, or nothing */
	emit_dp(c, (enum a32_dp_op)alu_ops[op].lo, is64 && alu_ops[op].carry, d, d, s, T2);
	put(c, i->dst, JIT_LO, d);
	if (!is64) {
		zext(c, i->dst);
		return;
	}
	if (hi_is_zero(c, i->dst))
		return;   /* the scan proved the result's upper half zero */
	uint8_t dh = is_mov ? dst_reg(c, i->dst, JIT_HI, T1) : get(c, i->dst, JIT_HI, T1);
	s = src_opnd(c, i, JIT_HI, is_mov ? dh : T3);
	if (is_mov && !s.is_imm)
		dh = s.reg;
	emit_dp(c, (enum a32_dp_op)alu_ops[op].hi, 0, dh, dh, s, T3);
	put(c, i->dst, JIT_HI, dh);
}

/* MOVSX: dst = sign-extended low 8, 16 or 32 bits of src. */
static void emit_movsx(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t s = get(c, i->src, JIT_LO, T0);
	uint8_t d = dst_reg(c, i->dst, JIT_LO, T0);
	if (i->off == 8)
		emit(c, a32_sxtb(d, s));
	else if (i->off == 16)
		emit(c, a32_sxth(d, s));
	else if (d != s)
		emit(c, a32_mov(d, a32_reg(s)));
	put(c, i->dst, JIT_LO, d);
	if (BPF_CLASS(i->code) == BPF_ALU) {
		zext(c, i->dst);
		return;
	}
	uint8_t dh = dst_reg(c, i->dst, JIT_HI, T1);
	emit(c, a32_mov(dh, a32_asr(d, 31)));
	put(c, i->dst, JIT_HI, dh);
}

static void emit_neg(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t d = get(c, i->dst, JIT_LO, T0);
	if (BPF_CLASS(i->code) == BPF_ALU) {
		emit(c, a32_rsb(d, d, a32_imm(0)));
		put(c, i->dst, JIT_LO, d);
		zext(c, i->dst);
		return;
	}
	/* 0 - dst: the borrow of the low half goes into the high one. */
	uint8_t dh = get(c, i->dst, JIT_HI, T1);
	emit(c, a32_s(a32_rsb(d, d, a32_imm(0))));
	emit(c, a32_rsc(dh, dh, a32_imm(0)));
	put(c, i->dst, JIT_LO, d);
	put(c, i->dst, JIT_HI, dh);
}

/* A shift by immediate (n > 0), as an operand 2. */
static uint32_t shifted(uint8_t rm, enum a32_shift type, unsigned n)
{
	return n ? a32_shift_imm(rm, type, n) : a32_reg(rm);
}

static const uint8_t shift_types[16] = {
	[BPF_LSH >> 4] = A32_LSL, [BPF_RSH >> 4] = A32_LSR, [BPF_ARSH >> 4] = A32_ASR,
};

/* 32-bit shifts: the count is masked to 5 bits. */
static void emit_shift32(struct jit_ctx *c, const struct bpf_insn *i)
{
	enum a32_shift type = (enum a32_shift)shift_types[BPF_OP(i->code) >> 4];
	uint8_t d = get(c, i->dst, JIT_LO, T0);
	if (BPF_SRC(i->code) == BPF_K) {
		if (i->imm & 31)
			emit(c, a32_mov(d, shifted(d, type, (unsigned)i->imm & 31)));
	} else {
		uint8_t s = get(c, i->src, JIT_LO, T2);
		emit(c, a32_and(T2, s, a32_imm(31)));
		emit(c, a32_mov(d, a32_shift_reg(d, type, T2)));
	}
	put(c, i->dst, JIT_LO, d);
	zext(c, i->dst);
}

/* 64-bit shifts by a constant n in 1..63. */
static void emit_shift64_imm(struct jit_ctx *c, const struct bpf_insn *i, uint8_t lo, uint8_t hi)
{
	unsigned n = (unsigned)i->imm & 63;
	switch (BPF_OP(i->code)) {
	case BPF_LSH:
		if (n < 32) {   /* hi = hi << n | lo >> (32 - n); lo <<= n */
			emit(c, a32_mov(hi, a32_lsl(hi, n)));
			emit(c, a32_orr(hi, hi, a32_lsr(lo, 32 - n)));
			emit(c, a32_mov(lo, a32_lsl(lo, n)));
		} else {        /* hi = lo << (n - 32); lo = 0 */
			emit(c, a32_mov(hi, shifted(lo, A32_LSL, n - 32)));
			emit(c, a32_mov(lo, a32_imm(0)));
		}
		break;
	case BPF_RSH:
		if (n < 32) {   /* lo = lo >> n | hi << (32 - n); hi >>= n */
			emit(c, a32_mov(lo, a32_lsr(lo, n)));
			emit(c, a32_orr(lo, lo, a32_lsl(hi, 32 - n)));
			emit(c, a32_mov(hi, a32_lsr(hi, n)));
		} else {        /* lo = hi >> (n - 32); hi = 0 */
			emit(c, a32_mov(lo, shifted(hi, A32_LSR, n - 32)));
			emit(c, a32_mov(hi, a32_imm(0)));
		}
		break;
	default:            /* ARSH */
		if (n < 32) {
			emit(c, a32_mov(lo, a32_lsr(lo, n)));
			emit(c, a32_orr(lo, lo, a32_lsl(hi, 32 - n)));
			emit(c, a32_mov(hi, a32_asr(hi, n)));
		} else {        /* lo = hi >> (n - 32), signed; hi = sign */
			emit(c, a32_mov(lo, shifted(hi, A32_ASR, n - 32)));
			emit(c, a32_mov(hi, a32_asr(hi, 31)));
		}
		break;
	}
}

/*
 * 64-bit shifts by register. ARM's register shifts use the low byte of the
 * count, and counts of 32..255 shift everything out (LSL/LSR give 0); a
 * negative count's low byte is at least 192. So with n = src & 63,
 *
 *   LSH:  hi = hi << n | lo >> (32 - n) | lo << (n - 32);  lo <<= n
 *   RSH:  lo = lo >> n | hi << (32 - n) | hi >> (n - 32);  hi >>= n
 *
 * hold for every n with no branch: of the three terms making the new half,
 * the second is live for n < 32 and the third for n >= 32. ASR does not
 * shift out to 0, so ARSH replaces lo outright when n >= 32:
 *
 *   ARSH: lo = lo >> n | hi << (32 - n);  if (n >= 32) lo = hi >>s (n - 32);
 *         hi >>s= n
 */
static void emit_shift64_reg(struct jit_ctx *c, const struct bpf_insn *i, uint8_t lo, uint8_t hi)
{
	uint8_t s = get(c, i->src, JIT_LO, T2);
	emit(c, a32_and(T2, s, a32_imm(63)));       /* T2 = n */
	emit(c, a32_rsb(T3, T2, a32_imm(32)));      /* T3 = 32 - n */
	switch (BPF_OP(i->code)) {
	case BPF_LSH:
		emit(c, a32_mov(hi, a32_lsl_reg(hi, T2)));
		emit(c, a32_orr(hi, hi, a32_lsr_reg(lo, T3)));
		emit(c, a32_sub(T3, T2, a32_imm(32)));
		emit(c, a32_orr(hi, hi, a32_lsl_reg(lo, T3)));
		emit(c, a32_mov(lo, a32_lsl_reg(lo, T2)));
		break;
	case BPF_RSH:
		emit(c, a32_mov(lo, a32_lsr_reg(lo, T2)));
		emit(c, a32_orr(lo, lo, a32_lsl_reg(hi, T3)));
		emit(c, a32_sub(T3, T2, a32_imm(32)));
		emit(c, a32_orr(lo, lo, a32_lsr_reg(hi, T3)));
		emit(c, a32_mov(hi, a32_lsr_reg(hi, T2)));
		break;
	default:   /* ARSH */
		emit(c, a32_mov(lo, a32_lsr_reg(lo, T2)));
		emit(c, a32_orr(lo, lo, a32_lsl_reg(hi, T3)));
		emit(c, a32_s(a32_sub(T3, T2, a32_imm(32))));
		emit(c, a32_cond(A32_PL, a32_mov(lo, a32_asr_reg(hi, T3))));
		emit(c, a32_mov(hi, a32_asr_reg(hi, T2)));
		break;
	}
}

static void emit_shift64(struct jit_ctx *c, const struct bpf_insn *i)
{
	if (BPF_SRC(i->code) == BPF_K && (i->imm & 63) == 0)
		return;
	uint8_t lo = get(c, i->dst, JIT_LO, T0);
	uint8_t hi = get(c, i->dst, JIT_HI, T1);
	if (BPF_SRC(i->code) == BPF_K)
		emit_shift64_imm(c, i, lo, hi);
	else
		emit_shift64_reg(c, i, lo, hi);
	put(c, i->dst, JIT_LO, lo);
	put(c, i->dst, JIT_HI, hi);
}

/*
 * MUL. 64 bits, from 32x32 products:
 *   hi:lo = dlo * slo (umull) ; hi += dlo * shi + dhi * slo
 */
static void emit_mul(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t dlo = get(c, i->dst, JIT_LO, T0);
	uint8_t slo = opnd_reg(c, src_opnd(c, i, JIT_LO, T2), T2);
	if (BPF_CLASS(i->code) == BPF_ALU) {
		emit(c, a32_mul(dlo, dlo, slo));
		put(c, i->dst, JIT_LO, dlo);
		zext(c, i->dst);
		return;
	}
	uint8_t dhi = get(c, i->dst, JIT_HI, T1);
	struct opnd shi = src_opnd(c, i, JIT_HI, T3);
	if (shi.is_imm && shi.imm == 0) {
		emit(c, a32_mul(T3, dhi, slo));
	} else if (shi.is_imm) {   /* all ones: dlo * shi = -dlo */
		emit(c, a32_mul(T3, dhi, slo));
		emit(c, a32_sub(T3, T3, a32_reg(dlo)));
	} else {
		emit(c, a32_mul(T3, dlo, shi.reg));
		emit(c, a32_mla(T3, dhi, slo, T3));
	}
	emit(c, a32_umull(dlo, dhi, dlo, slo));
	emit(c, a32_add(dhi, dhi, a32_reg(T3)));
	put(c, i->dst, JIT_LO, dlo);
	put(c, i->dst, JIT_HI, dhi);
}

/* Runtime routines for DIV/MOD: [64-bit][signed][mod]. */
static uint32_t div_routine(int is64, int sign, int mod)
{
	/* Not static: a function address cast to an integer is no constant expression. */
	const uint32_t fns[2][2][2] = {
		{ { JIT_ADDR(jit_rt_udiv32), JIT_ADDR(jit_rt_umod32) },
		  { JIT_ADDR(jit_rt_sdiv32), JIT_ADDR(jit_rt_smod32) } },
		{ { JIT_ADDR(jit_rt_udiv64), JIT_ADDR(jit_rt_umod64) },
		  { JIT_ADDR(jit_rt_sdiv64), JIT_ADDR(jit_rt_smod64) } },
	};
	return fns[is64][sign][mod];
}

/*
 * DIV/MOD with the ISA's edge cases: x / 0 = 0, x % 0 = x, INT_MIN / -1 =
 * INT_MIN, INT_MIN % -1 = 0. ARMv7's sdiv/udiv already give 0 for a zero
 * divisor and INT_MIN for INT_MIN / -1, and the remainder is formed as
 * dst - q * src, which is then dst and 0. 64-bit ones, and all of them on a
 * core without the divide extension, call a runtime routine (rt.c).
 */
static void emit_divmod(struct jit_ctx *c, const struct bpf_insn *i)
{
	int is64 = BPF_CLASS(i->code) == BPF_ALU64;
	int sign = i->off == 1;
	int mod = BPF_OP(i->code) == BPF_MOD;

	if (!is64 && A(c)->idiv) {
		uint8_t d = get(c, i->dst, JIT_LO, T0);
		uint8_t s = opnd_reg(c, src_opnd(c, i, JIT_LO, T1), T1);
		uint8_t q = mod ? T2 : d;
		emit(c, sign ? a32_sdiv(q, d, s) : a32_udiv(q, d, s));
		if (mod)
			emit(c, a32_mls(d, q, s, d));
		put(c, i->dst, JIT_LO, d);
		zext(c, i->dst);
		return;
	}

	int saved = save_volatiles(c, i->dst);
	if (is64) {   /* (r0:r1, r2:r3) -> r0:r1 */
		get_into(c, i->dst, JIT_LO, A32_R0);
		get_into(c, i->dst, JIT_HI, A32_R1);
		struct opnd slo = src_opnd(c, i, JIT_LO, A32_R2);
		struct opnd shi = src_opnd(c, i, JIT_HI, A32_R3);
		emit_dp(c, A32_OP_MOV, 0, A32_R2, 0, slo, A32_R2);
		emit_dp(c, A32_OP_MOV, 0, A32_R3, 0, shi, A32_R3);
	} else {      /* (r0, r1) -> r0 */
		get_into(c, i->dst, JIT_LO, A32_R0);
		emit_dp(c, A32_OP_MOV, 0, A32_R1, 0, src_opnd(c, i, JIT_LO, A32_R1), A32_R1);
	}
	call_c(c, div_routine(is64, sign, mod));
	restore_volatiles(c, saved);
	put(c, i->dst, JIT_LO, A32_R0);
	if (is64)
		put(c, i->dst, JIT_HI, A32_R1);
	else
		zext(c, i->dst);
}

/*
 * END / BSWAP on a little-endian CPU: to little endian only truncates, to big
 * endian (and ALU64 BSWAP) reverses the bytes of the low 16, 32 or 64 bits.
 */
static void emit_end(struct jit_ctx *c, const struct bpf_insn *i)
{
	int swap = BPF_CLASS(i->code) == BPF_ALU64 || BPF_SRC(i->code) == BPF_TO_BE;
	if (i->imm == 64 && !swap)
		return;
	uint8_t d = get(c, i->dst, JIT_LO, T0);
	if (i->imm == 64) {
		uint8_t dh = get(c, i->dst, JIT_HI, T1);
		emit(c, a32_rev(T2, d));
		emit(c, a32_rev(d, dh));
		emit(c, a32_mov(dh, a32_reg(T2)));
		put(c, i->dst, JIT_LO, d);
		put(c, i->dst, JIT_HI, dh);
		return;
	}
	if (i->imm == 16) {
		if (swap)
			emit(c, a32_rev16(d, d));
		emit(c, a32_uxth(d, d));
	} else if (swap) {
		emit(c, a32_rev(d, d));
	}
	put(c, i->dst, JIT_LO, d);
	zext(c, i->dst);
}

/* ---------------------------------------------------------------- LDDW */

static void emit_lddw(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint8_t d = dst_reg(c, i->dst, JIT_LO, T0);
	load_imm(c, d, (uint32_t)i[0].imm);
	put(c, i->dst, JIT_LO, d);
	if (hi_is_zero(c, i->dst))
		return;
	d = dst_reg(c, i->dst, JIT_HI, T1);
	load_imm(c, d, (uint32_t)i[1].imm);
	put(c, i->dst, JIT_HI, d);
}

/* ---------------------------------------------------------------- memory */

/* The addressing forms: immediate offset (12 or 8 bits), or register offset. */
struct mem_form {
	uint32_t (*imm)(uint8_t rt, uint8_t rn, int32_t off);
	uint32_t (*reg)(uint8_t rt, uint8_t rn, uint8_t rm);
	uint8_t off12;
};

enum { M_LDR, M_STR, M_LDRB, M_STRB, M_LDRH, M_STRH, M_LDRSB, M_LDRSH };

static const struct mem_form mem_forms[] = {
	[M_LDR] = { a32_ldr, a32_ldr_reg, 1 },
	[M_STR] = { a32_str, a32_str_reg, 1 },
	[M_LDRB] = { a32_ldrb, a32_ldrb_reg, 1 },
	[M_STRB] = { a32_strb, a32_strb_reg, 1 },
	[M_LDRH] = { a32_ldrh, a32_ldrh_reg, 0 },
	[M_STRH] = { a32_strh, a32_strh_reg, 0 },
	[M_LDRSB] = { a32_ldrsb, a32_ldrsb_reg, 0 },
	[M_LDRSH] = { a32_ldrsh, a32_ldrsh_reg, 0 },
};

/* Load (unsigned, signed) and store forms by eBPF size (BPF_W, BPF_H, BPF_B >> 3). */
static const uint8_t load_form[3] = { M_LDR, M_LDRH, M_LDRB };
static const uint8_t loadsx_form[3] = { M_LDR, M_LDRSH, M_LDRSB };
static const uint8_t store_form[3] = { M_STR, M_STRH, M_STRB };

/* rt <-> [base + off]; an offset out of the form's reach goes through `tmp`. */
static void mem_op(struct jit_ctx *c, unsigned form, uint8_t rt, uint8_t base, int32_t off,
		   uint8_t tmp)
{
	const struct mem_form *f = &mem_forms[form];
	if (f->off12 ? a32_off12_ok(off) : a32_off8_ok(off)) {
		emit(c, f->imm(rt, base, off));
		return;
	}
	load_imm(c, tmp, (uint32_t)off);
	emit(c, f->reg(rt, base, tmp));
}

/* Base register of an access at r + *off; R10 becomes sp with the frame offset. */
static uint8_t mem_base(struct jit_ctx *c, unsigned r, int32_t *off, uint8_t tmp)
{
	if (r == BPF_REG_FP) {
		*off += frame(c, FRAME_FP);
		return A32_SP;
	}
	return get(c, r, JIT_LO, tmp);
}

/* ldrd/strd need an even/odd pair and an 8-byte aligned address (sp-based ones are). */
static int pair_ok(uint8_t lo, uint8_t hi, uint8_t base, int32_t off)
{
	return !(lo & 1) && hi == lo + 1 && lo != A32_LR && base == A32_SP &&
	       off % 8 == 0 && a32_off8_ok(off);
}

static void emit_ldx(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned size = BPF_SIZE(i->code);
	int32_t off = i->off;
	uint8_t base = mem_base(c, i->src, &off, T2);

	if (size == BPF_DW) {
		uint8_t lo = dst_reg(c, i->dst, JIT_LO, T0);
		uint8_t hi = dst_reg(c, i->dst, JIT_HI, T1);
		if (pair_ok(lo, hi, base, off)) {
			emit(c, a32_ldrd(lo, base, off));
		} else if (lo == base) {   /* dst = *(dst + off): the base goes last */
			mem_op(c, M_LDR, hi, base, off + 4, T3);
			mem_op(c, M_LDR, lo, base, off, T3);
		} else {
			mem_op(c, M_LDR, lo, base, off, T3);
			mem_op(c, M_LDR, hi, base, off + 4, T3);
		}
		put(c, i->dst, JIT_LO, lo);
		put(c, i->dst, JIT_HI, hi);
		return;
	}
	int sx = BPF_MODE(i->code) == BPF_MEMSX;
	uint8_t d = dst_reg(c, i->dst, JIT_LO, T0);
	mem_op(c, (sx ? loadsx_form : load_form)[size >> 3], d, base, off, T3);
	put(c, i->dst, JIT_LO, d);
	if (!sx) {
		zext(c, i->dst);
		return;
	}
	uint8_t dh = dst_reg(c, i->dst, JIT_HI, T1);
	emit(c, a32_mov(dh, a32_asr(d, 31)));
	put(c, i->dst, JIT_HI, dh);
}

/* ST and STX: the value is src or the sign-extended imm. */
static void emit_store(struct jit_ctx *c, const struct bpf_insn *i)
{
	unsigned size = BPF_SIZE(i->code);
	int is_imm = BPF_CLASS(i->code) == BPF_ST;
	int32_t off = i->off;
	uint8_t lo = is_imm ? opnd_reg(c, imm_opnd((uint32_t)i->imm), T0) : get(c, i->src, JIT_LO, T0);
	uint8_t base = mem_base(c, i->dst, &off, T2);

	if (size != BPF_DW) {
		mem_op(c, store_form[size >> 3], lo, base, off, T3);
		return;
	}
	uint8_t hi = is_imm ? opnd_reg(c, imm_opnd((uint32_t)(i->imm >> 31)), T1)
			    : get(c, i->src, JIT_HI, T1);
	if (pair_ok(lo, hi, base, off)) {
		emit(c, a32_strd(lo, base, off));
	} else {
		mem_op(c, M_STR, lo, base, off, T3);
		mem_op(c, M_STR, hi, base, off + 4, T3);
	}
}

/* ---------------------------------------------------------------- atomics */

/* Whether an atomic op computes new = old op operand (not XCHG / CMPXCHG). */
static int atomic_is_rmw(int32_t op)
{
	return (op & 0xe0) != 0xe0;
}

/* FETCH puts the old value (r0, r0:r1) in src, CMPXCHG in R0 (32-bit: zero-extended). */
static void atomic_result(struct jit_ctx *c, const struct bpf_insn *i, int is64)
{
	if (!(i->imm & BPF_FETCH))
		return;
	unsigned r = i->imm == BPF_CMPXCHG ? 0 : i->src;
	put(c, r, JIT_LO, T0);
	if (is64)
		put(c, r, JIT_HI, T1);
	else
		zext(c, r);
}

/*
 * 32-bit atomics: an exclusive-access loop between barriers, in r0-r3
 * (the operand and R0 are read where they live, inside the loop):
 *
 *      add r2, dst, #off
 *      dmb ish
 *   1: ldrex r0, [r2]
 *      (r1 = r0 op src | r1 = src)      CMPXCHG: cmp r0, R0 ; bne 2f
 *      strex r3, r1, [r2]
 *      cmp r3, #0 ; bne 1b
 *   2: dmb ish
 */
static void emit_atomic32(struct jit_ctx *c, const struct bpf_insn *i)
{
	int32_t off = i->off;
	uint8_t base = mem_base(c, i->dst, &off, T2);
	emit_dp(c, A32_OP_ADD, 0, T2, base, imm_opnd((uint32_t)off), T3);
	emit(c, a32_dmb_ish());

	uint32_t loop = c->pos, done = 0;
	emit(c, a32_ldrex(T0, T2));
	if (i->imm == BPF_CMPXCHG) {
		emit(c, a32_cmp(T0, a32_reg(get(c, 0, JIT_LO, T1))));
		done = fwd(c);
	}
	uint8_t v = get(c, i->src, JIT_LO, T1);
	if (atomic_is_rmw(i->imm)) {
		unsigned alu = (unsigned)(i->imm & ~BPF_FETCH) >> 4;
		emit(c, a32_dp((enum a32_dp_op)alu_ops[alu].lo, 0, T1, T0, a32_reg(v)));
		v = T1;
	}
	emit(c, a32_strex(T3, v, T2));
	emit(c, a32_cmp(T3, a32_imm(0)));
	emit(c, a32_cond(A32_NE, a32_b(rel(c->pos, loop))));
	if (done)
		fwd_bind(c, done, A32_NE);
	emit(c, a32_dmb_ish());
	atomic_result(c, i, 0);
}

/*
 * 64-bit atomics need two even/odd pairs for ldrexd/strexd (r0:r1 old,
 * r2:r3 new), the address and the status: ip and lr, saved in the frame.
 * The operand and CMPXCHG's expected R0 are first stored in the frame and
 * reread inside the loop, since the registers holding them may be ip or lr.
 *
 *      dmb ish
 *   1: ldrexd r0, r1, [ip]
 *      ldrd r2, r3, [sp, #VAL]
 *      (r2:r3 = r0:r1 op r2:r3)         CMPXCHG: if (r0:r1 != EXP) goto 2
 *      strexd lr, r2, r3, [ip]
 *      cmp lr, #0 ; bne 1b
 *   2: dmb ish
 */
static void emit_atomic64(struct jit_ctx *c, const struct bpf_insn *i)
{
	int cmpxchg = i->imm == BPF_CMPXCHG;
	for (unsigned h = 0; h < 2; h++) {
		emit(c, a32_str(get(c, i->src, h, T0), A32_SP, (int32_t)(FRAME_VAL + 4 * h)));
		if (cmpxchg)
			emit(c, a32_str(get(c, 0, h, T0), A32_SP, (int32_t)(FRAME_EXP + 4 * h)));
	}
	int32_t off = i->off;
	uint8_t base = mem_base(c, i->dst, &off, T2);
	emit_dp(c, A32_OP_ADD, 0, T2, base, imm_opnd((uint32_t)off), T3);
	emit(c, a32_str(A32_IP, A32_SP, FRAME_SAVE));
	emit(c, a32_str(A32_LR, A32_SP, FRAME_SAVE + 4));
	emit(c, a32_mov(A32_IP, a32_reg(T2)));
	emit(c, a32_dmb_ish());

	uint32_t loop = c->pos, done = 0;
	emit(c, a32_ldrexd(T0, A32_IP));
	if (cmpxchg) {
		emit(c, a32_ldrd(T2, A32_SP, FRAME_EXP));
		emit(c, a32_cmp(T0, a32_reg(T2)));
		emit(c, a32_cond(A32_EQ, a32_cmp(T1, a32_reg(T3))));
		done = fwd(c);
	}
	emit(c, a32_ldrd(T2, A32_SP, FRAME_VAL));
	if (atomic_is_rmw(i->imm)) {
		unsigned alu = (unsigned)(i->imm & ~BPF_FETCH) >> 4;
		emit(c, a32_dp((enum a32_dp_op)alu_ops[alu].lo, alu_ops[alu].carry, T2, T0, a32_reg(T2)));
		emit(c, a32_dp((enum a32_dp_op)alu_ops[alu].hi, 0, T3, T1, a32_reg(T3)));
	}
	emit(c, a32_strexd(A32_LR, T2, A32_IP));
	emit(c, a32_cmp(A32_LR, a32_imm(0)));
	emit(c, a32_cond(A32_NE, a32_b(rel(c->pos, loop))));
	if (done)
		fwd_bind(c, done, A32_NE);
	emit(c, a32_dmb_ish());
	emit(c, a32_ldr(A32_IP, A32_SP, FRAME_SAVE));
	emit(c, a32_ldr(A32_LR, A32_SP, FRAME_SAVE + 4));
	atomic_result(c, i, 1);
}

/* ---------------------------------------------------------------- jumps */

/*
 * Branch conditions of each JMP op: after a 32-bit compare (JMP32, or both
 * upper halves zero, where signed order is unsigned order: `zero_hi`), and
 * after the 64-bit compare of cmp64(), which for `swap` ops computes
 * src - dst.
 */
static const struct {
	uint8_t cond32, zero_hi, cond64, swap;
} jmp_conds[16] = {
	[BPF_JEQ >> 4] = { A32_EQ, A32_EQ, A32_EQ, 0 },
	[BPF_JNE >> 4] = { A32_NE, A32_NE, A32_NE, 0 },
	[BPF_JGT >> 4] = { A32_HI, A32_HI, A32_HI, 0 },
	[BPF_JGE >> 4] = { A32_HS, A32_HS, A32_HS, 0 },
	[BPF_JLT >> 4] = { A32_LO, A32_LO, A32_LO, 0 },
	[BPF_JLE >> 4] = { A32_LS, A32_LS, A32_LS, 0 },
	[BPF_JSET >> 4] = { A32_NE, A32_NE, A32_NE, 0 },
	[BPF_JSGT >> 4] = { A32_GT, A32_HI, A32_LT, 1 },
	[BPF_JSGE >> 4] = { A32_GE, A32_HS, A32_GE, 0 },
	[BPF_JSLT >> 4] = { A32_LT, A32_LO, A32_LT, 0 },
	[BPF_JSLE >> 4] = { A32_LE, A32_LS, A32_GE, 1 },
};

static int is_signed_jmp(uint8_t op)
{
	return op == BPF_JSGT || op == BPF_JSGE || op == BPF_JSLT || op == BPF_JSLE;
}

/* Set the flags for a 32-bit compare of dst with src/imm (JMP32, and 64-bit when both upper halves are 0). */
static void cmp32(struct jit_ctx *c, uint8_t op, uint8_t d, struct opnd s)
{
	emit_dp(c, op == BPF_JSET ? A32_OP_TST : A32_OP_CMP, 1, 0, d, s, T2);
}

/*
 * 64-bit compares set the flags so that one condition decides:
 *
 *   EQ/NE/unsigned:  cmp dhi, shi ; cmpeq dlo, slo
 *                    (the high halves decide unless equal, then the low
 *                    halves, both unsigned)
 *   JSET:            tst dlo, slo ; tsteq dhi, shi        -> NE
 *   signed <, >=:    cmp dlo, slo ; sbcs t, dhi, shi      -> LT / GE
 *                    (the flags of the full 64-bit dst - src; Z is not
 *                    valid, so > and <= compute src - dst instead:
 *                    rsbs t, dlo, slo ; rscs t, dhi, shi  -> LT / GE)
 */
static enum a32_cond cmp64(struct jit_ctx *c, const struct bpf_insn *i, uint8_t op)
{
	uint8_t dlo = get(c, i->dst, JIT_LO, T0);
	struct opnd slo = src_opnd(c, i, JIT_LO, T2);
	struct opnd shi = src_opnd(c, i, JIT_HI, T3);

	if (hi_is_zero(c, i->dst) && shi.is_imm && shi.imm == 0) {
		cmp32(c, op, dlo, slo);
		return (enum a32_cond)jmp_conds[op >> 4].zero_hi;
	}
	uint8_t dhi = get(c, i->dst, JIT_HI, T1);
	if (op == BPF_JSET) {
		emit_dp(c, A32_OP_TST, 1, 0, dlo, slo, T2);
		if (!(shi.is_imm && shi.imm == 0)) {
			uint8_t s = opnd_reg(c, shi, T3);
			emit(c, a32_cond(A32_EQ, a32_tst(dhi, a32_reg(s))));
		}
	} else if (!is_signed_jmp(op)) {
		emit_dp(c, A32_OP_CMP, 1, 0, dhi, shi, T3);
		emit_dp_cond(c, A32_EQ, A32_OP_CMP, 1, 0, dlo, slo, T2);
	} else if (jmp_conds[op >> 4].swap) {
		emit_dp(c, A32_OP_RSB, 1, T2, dlo, slo, T2);
		emit_dp(c, A32_OP_RSC, 1, T3, dhi, shi, T3);
	} else {
		emit_dp(c, A32_OP_CMP, 1, 0, dlo, slo, T2);
		emit_dp(c, A32_OP_SBC, 1, T3, dhi, shi, T3);
	}
	return (enum a32_cond)jmp_conds[op >> 4].cond64;
}

static void emit_jmp(struct jit_ctx *c, const struct bpf_insn *i, uint32_t to)
{
	uint8_t op = BPF_OP(i->code);

	if (op == BPF_JA) {
		emit_branch(c, A32_AL, to);
		return;
	}
	enum a32_cond cond;
	if (BPF_CLASS(i->code) == BPF_JMP32) {
		uint8_t d = get(c, i->dst, JIT_LO, T0);
		cmp32(c, op, d, src_opnd(c, i, JIT_LO, T2));
		cond = (enum a32_cond)jmp_conds[op >> 4].cond32;
	} else {
		cond = cmp64(c, i, op);
	}
	emit_branch(c, cond, to);
}

/* ---------------------------------------------------------------- calls */

/*
 * Helper call per AAPCS with the prototype's arguments only: argument words
 * in r0-r3, a 64-bit argument in an even/odd pair (or an 8-byte aligned
 * stack slot), the rest on the stack; sp stays 8-byte aligned. R1-R5 keep
 * their values, as in the interpreter (only ip/lr need saving for that).
 */
static void emit_helper_call(struct jit_ctx *c, const struct bpf32_helper *h)
{
	const struct bpf32_helper_proto *p = &h->proto;
	struct jit_arg_word words[JIT_MAX_ARG_WORDS];
	unsigned n = jit_arg_words(c, p, words);
	uint32_t stack = n > 4 ? ((n - 4) * 4 + 7) & ~7u : 0;

	int saved = save_volatiles(c, 0);
	if (stack) {
		emit(c, a32_sub(A32_SP, A32_SP, a32_imm(stack)));
		A(c)->bias += (int32_t)stack;
	}
	for (unsigned w = 4; w < n; w++) {
		if (!words[w].reg)
			continue;
		uint8_t v = get(c, words[w].reg, words[w].half, T0);
		emit(c, a32_str(v, A32_SP, (int32_t)(4 * (w - 4))));
	}
	for (unsigned w = 0; w < n && w < 4; w++)
		if (words[w].reg)
			get_into(c, words[w].reg, words[w].half, (uint8_t)w);
	call_c(c, JIT_ADDR(h->fn));
	if (stack) {
		emit(c, a32_add(A32_SP, A32_SP, a32_imm(stack)));
		A(c)->bias -= (int32_t)stack;
	}
	restore_volatiles(c, saved);

	/* R0 = the result (VOID: 0; U32, PTR: zero-extended). */
	if (p->ret == BPF32_RET_VOID)
		emit(c, a32_mov(A32_R0, a32_imm(0)));
	put(c, 0, JIT_LO, A32_R0);
	if (p->ret == BPF32_RET_U64)
		put(c, 0, JIT_HI, A32_R1);
	else
		zext(c, 0);
	if (p->flags & BPF32_HELPER_UNWIND_ON_ZERO) {
		if (p->ret == BPF32_RET_U64)
			emit(c, a32_s(a32_orr(T2, A32_R0, a32_reg(A32_R1))));
		else
			emit(c, a32_cmp(A32_R0, a32_imm(0)));
		emit_branch(c, A32_EQ, jit_label(c, L_UNWIND_ZERO));
	}
}

/* Store every register-held half of R0..R9 in its canonical slot (0 for zero halves). */
static void spill_all(struct jit_ctx *c)
{
	int zero_loaded = 0;
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		for (unsigned h = 0; h < 2; h++) {
			struct loc l = loc_of(c, r, h);
			if (l.kind == LOC_REG) {
				emit(c, a32_str(l.reg, A32_SP, frame(c, slot_off(r, h))));
			} else if (l.kind == LOC_ZERO) {
				if (!zero_loaded++)
					emit(c, a32_mov(T3, a32_imm(0)));
				emit(c, a32_str(T3, A32_SP, frame(c, slot_off(r, h))));
			}
		}
}

/*
 * Reload from the slots the register-held halves of R0..R9 that belong to an
 * eBPF register in `regs` or sit in a machine register in `machine` (masks).
 */
static void reload(struct jit_ctx *c, uint16_t regs, uint16_t machine)
{
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		for (unsigned h = 0; h < 2; h++) {
			struct loc l = loc_of(c, r, h);
			if (l.kind == LOC_REG && ((regs >> r) & 1 || (machine >> l.reg) & 1))
				emit(c, a32_ldr(l.reg, A32_SP, frame(c, slot_off(r, h))));
		}
}

/*
 * Tail calls and callx go through a runtime routine that sees every register
 * in the slots. It answers JIT_RT_CONTINUE (registers in the slots, reload
 * what ip/lr held and R0), JIT_RT_UNWIND, or the address of a tail-call
 * entry, which continues in this frame.
 */
static void emit_slow_call(struct jit_ctx *c, uint32_t fn, const struct bpf_insn *callx)
{
	spill_all(c);
	emit(c, a32_ldr(A32_R0, A32_SP, frame(c, FRAME_RUN)));
	emit(c, a32_mov(A32_R1, a32_reg(A32_SP)));
	if (callx) {
		load_imm(c, A32_R2, JIT_ADDR(c->prog->env));
		load_imm(c, A32_R3, callx->dst);
	}
	call_c(c, fn);
	emit(c, a32_cmp(A32_R0, a32_imm(JIT_RT_UNWIND)));
	emit(c, a32_cond(A32_HI, a32_bx(A32_R0)));
	emit_branch(c, A32_EQ, jit_label(c, L_UNWIND_ZERO));
	reload(c, callx ? 1u : 0u, 1u << A32_IP | 1u << A32_LR);
}

/*
 * Local call (see the file comment): the caller's register-held R6-R9 go to
 * its slots, a new frame is checked against the depth limit, spilled halves
 * are copied down, and after the call spilled R1-R5 are copied back up; of
 * each, only the registers live there (callee entry, after the call).
 */
static void emit_local_call(struct jit_ctx *c, uint32_t target)
{
	uint16_t in_callee = c->live ? c->live[target] : 0xfff, after = live_after(c);
	for (unsigned r = 6; r < BPF_REG_FP; r++)
		for (unsigned h = 0; h < 2; h++)
			if (loc_of(c, r, h).kind == LOC_REG && (after >> r & 1))
				emit(c, a32_str(loc_of(c, r, h).reg, A32_SP, frame(c, slot_off(r, h))));
	emit(c, a32_ldr(A32_R0, A32_SP, FRAME_RUN));
	emit(c, a32_ldr(A32_R1, A32_R0, JIT_RUN_STACK_LIMIT));
	emit_dp(c, A32_OP_SUB, 0, A32_SP, A32_SP, imm_opnd(FRAME_SIZE), A32_R2);
	emit(c, a32_str(A32_R0, A32_SP, FRAME_RUN));
	emit(c, a32_cmp(A32_SP, a32_reg(A32_R1)));
	emit_branch(c, A32_LO, jit_label(c, L_ERR_LIMIT));
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		for (unsigned h = 0; h < 2; h++)
			if (loc_of(c, r, h).kind == LOC_SLOT && (in_callee >> r & 1)) {
				emit(c, a32_ldr(T2, A32_SP, (int32_t)(FRAME_SIZE + slot_off(r, h))));
				emit(c, a32_str(T2, A32_SP, (int32_t)slot_off(r, h)));
			}
	if (A(c)->volatiles & 1u << A32_LR)
		emit(c, a32_mov(T3, a32_reg(A32_LR)));
	emit_call_to(c, jit_func_off(c, target));
	if (A(c)->volatiles & 1u << A32_LR)
		emit(c, a32_mov(A32_LR, a32_reg(T3)));
	for (unsigned r = 1; r <= 5; r++)
		for (unsigned h = 0; h < 2; h++)
			if (loc_of(c, r, h).kind == LOC_SLOT && (after >> r & 1)) {
				emit(c, a32_ldr(T2, A32_SP, (int32_t)slot_off(r, h)));
				emit(c, a32_str(T2, A32_SP, (int32_t)(FRAME_SIZE + slot_off(r, h))));
			}
	emit_dp(c, A32_OP_ADD, 0, A32_SP, A32_SP, imm_opnd(FRAME_SIZE), A32_R2);
	reload(c, after & 0x3c0, 0);
	put(c, 0, JIT_LO, A32_R0);
	put(c, 0, JIT_HI, A32_R1);
}

/* End the run with error `code`: r1 = code, then the shared error path. */
static void emit_error(struct jit_ctx *c, int code)
{
	load_imm(c, A32_R1, (uint32_t)code);
	emit_branch(c, A32_AL, jit_label(c, L_ERROR));
}

/*
 * EXIT: R0 to r0:r1 and return from this function; where local callers wait,
 * the lr-held half goes back in r3.
 */
static void emit_exit(struct jit_ctx *c)
{
	get_into(c, 0, JIT_LO, A32_R0);
	get_into(c, 0, JIT_HI, A32_R1);
	if ((A(c)->volatiles & 1u << A32_LR) && c->nfuncs > 1)
		emit(c, a32_mov(T3, a32_reg(A32_LR)));
	emit(c, a32_ldr(A32_PC, A32_SP, FRAME_RET));
}

/*
 * LD_ABS / LD_IND: R0 = the big-endian packet value. In the linear part
 * (see jit.h) it is loaded inline:
 *
 *      r1 = offset ; r0 = run ; r2 = run->pkt_head
 *      subs r2, r2, r1      ; C: head >= offset (unsigned)
 *      cmphs r2, #size      ; C: and size bytes remain
 *      blo slow
 *      ldr r2, [r0, #pkt_data] ; ldr/ldrh/ldrb r0, [r2, r1] ; rev/rev16
 *      b done
 *  slow:
 *      r0 = jit_rt_ld_pkt(run, offset, size): value in r0, r1 = 0 when out
 *      of bounds, which ends the program with R0 = 0
 *  done:
 */
static void emit_ld_pkt(struct jit_ctx *c, const struct bpf_insn *i)
{
	uint32_t size = bpf_size_bytes(BPF_SIZE(i->code));
	if (BPF_MODE(i->code) == BPF_IND) {
		uint8_t s = get(c, i->src, JIT_LO, A32_R1);
		emit_dp(c, A32_OP_ADD, 0, A32_R1, s, imm_opnd((uint32_t)i->imm), A32_R2);
	} else {
		load_imm(c, A32_R1, (uint32_t)i->imm);
	}
	emit(c, a32_ldr(A32_R0, A32_SP, frame(c, FRAME_RUN)));
	emit(c, a32_ldr(A32_R2, A32_R0, JIT_RUN_PKT_HEAD));
	emit(c, a32_s(a32_sub(A32_R2, A32_R2, a32_reg(A32_R1))));
	emit(c, a32_cond(A32_HS, a32_cmp(A32_R2, a32_imm(size))));
	uint32_t slow = fwd(c);
	emit(c, a32_ldr(A32_R2, A32_R0, JIT_RUN_PKT_DATA));
	if (size == 4) {
		emit(c, a32_ldr_reg(A32_R0, A32_R2, A32_R1));
		emit(c, a32_rev(A32_R0, A32_R0));
	} else if (size == 2) {
		emit(c, a32_ldrh_reg(A32_R0, A32_R2, A32_R1));
		emit(c, a32_rev16(A32_R0, A32_R0));   /* the upper half stays 0 */
	} else {
		emit(c, a32_ldrb_reg(A32_R0, A32_R2, A32_R1));
	}
	uint32_t done = fwd(c);

	fwd_bind(c, slow, A32_LO);
	int saved = save_volatiles(c, 0);
	load_imm(c, A32_R2, size);
	call_c(c, JIT_ADDR(jit_rt_ld_pkt));
	restore_volatiles(c, saved);
	emit(c, a32_cmp(A32_R1, a32_imm(0)));
	emit_branch(c, A32_EQ, jit_label(c, L_UNWIND_ZERO));

	fwd_bind(c, done, A32_AL);
	put(c, 0, JIT_LO, A32_R0);
	zext(c, 0);
}

/* ---------------------------------------------------------------- ALU dispatch */

static void emit_alu(struct jit_ctx *c, const struct bpf_insn *i)
{
	switch (BPF_OP(i->code)) {
	case BPF_ADD: case BPF_SUB: case BPF_OR: case BPF_AND: case BPF_XOR:
		emit_alu_simple(c, i);
		break;
	case BPF_MOV:
		if (BPF_SRC(i->code) == BPF_X && i->off)
			emit_movsx(c, i);
		else
			emit_alu_simple(c, i);
		break;
	case BPF_MUL:
		emit_mul(c, i);
		break;
	case BPF_DIV: case BPF_MOD:
		emit_divmod(c, i);
		break;
	case BPF_LSH: case BPF_RSH: case BPF_ARSH:
		if (BPF_CLASS(i->code) == BPF_ALU)
			emit_shift32(c, i);
		else
			emit_shift64(c, i);
		break;
	case BPF_NEG:
		emit_neg(c, i);
		break;
	default:   /* BPF_END */
		emit_end(c, i);
		break;
	}
}

/* ---------------------------------------------------------------- entry and exits */

/* Free the main frame and return to C with the result in r0:r1. */
static void emit_return_to_c(struct jit_ctx *c)
{
	emit_dp(c, A32_OP_ADD, 0, A32_SP, A32_SP, imm_opnd(FRAME_SIZE), A32_R3);
	emit(c, a32_pop((uint16_t)(SAVED_REGS & ~(1u << A32_LR)) | 1u << A32_PC));
}

/*
 * The C-callable entry, uint64_t entry(void *ctx, uint32_t ctx_len,
 * struct jit_run *run):
 *
 *      push {r4-r12, lr}
 *      sub sp, sp, #FRAME_SIZE
 *      str r2, [sp, #RUN] ; run->saved_sp = sp
 *      run->stack_limit = sp - (BPF32_MAX_FRAMES - 1) * FRAME_SIZE
 *      R1 = ctx, R2 = ctx_len, the other registers read before written = 0
 *      bl main
 *      add sp, sp, #FRAME_SIZE
 *      pop {r4-r12, pc}
 */
static void arm32_prologue(struct jit_ctx *c)
{
	c->entry = c->pos;
	emit(c, a32_push(SAVED_REGS));
	emit_dp(c, A32_OP_SUB, 0, A32_SP, A32_SP, imm_opnd(FRAME_SIZE), A32_R3);
	emit(c, a32_str(A32_R2, A32_SP, FRAME_RUN));
	emit(c, a32_mov(A32_R3, a32_reg(A32_SP)));
	emit(c, a32_str(A32_R3, A32_R2, JIT_RUN_SAVED_SP));
	load_imm(c, A32_IP, (BPF32_MAX_FRAMES - 1) * FRAME_SIZE);
	emit(c, a32_sub(A32_R3, A32_R3, a32_reg(A32_IP)));
	emit(c, a32_str(A32_R3, A32_R2, JIT_RUN_STACK_LIMIT));

	/* A program that may tail-call passes every register on: start them all at 0. */
	uint16_t init = c->scan.has_slow_calls ? 0x3ff : c->scan.live_in & 0x3ff;
	uint8_t lr_value = A32_R3;   /* what the lr-held half starts as (r3 travels into lr) */
	int zero = 0;
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		for (unsigned h = 0; h < 2 && (init >> r) & 1; h++) {
			struct loc l = loc_of(c, r, h);
			uint8_t v = h == JIT_LO && r == 1 ? A32_R0 : h == JIT_LO && r == 2 ? A32_R1 : 0xff;
			if (l.kind == LOC_REG && l.reg == A32_LR) {
				lr_value = v;
			} else if (l.kind == LOC_REG) {
				emit(c, v == 0xff ? a32_mov(l.reg, a32_imm(0)) : a32_mov(l.reg, a32_reg(v)));
			} else if (l.kind == LOC_SLOT) {
				if (v == 0xff && !zero++)
					emit(c, a32_mov(A32_R3, a32_imm(0)));
				emit(c, a32_str(v == 0xff ? A32_R3 : v, A32_SP, (int32_t)slot_off(r, h)));
			}
		}
	if (A(c)->volatiles & 1u << A32_LR)
		emit(c, lr_value == 0xff ? a32_mov(A32_R3, a32_imm(0)) : a32_mov(A32_R3, a32_reg(lr_value)));
	emit_call_to(c, jit_func_off(c, 0));
	emit_return_to_c(c);
}

/*
 * Start of a function (main or local-call target): keep the return address
 * in the frame; the lr-held half arrives in r3. Code running into it from the
 * previous instruction jumps over it.
 */
static void arm32_func_entry(struct jit_ctx *c, uint32_t idx)
{
	uint32_t over = 0;
	if (c->iflags[idx] & JIT_F_FALLS_IN)
		over = fwd(c);
	emit(c, a32_str(A32_LR, A32_SP, FRAME_RET));
	if (A(c)->volatiles & 1u << A32_LR)
		emit(c, a32_mov(A32_LR, a32_reg(T3)));
	if (c->iflags[idx] & JIT_F_FALLS_IN)
		fwd_bind(c, over, A32_AL);
}

/*
 * After the last instruction: running past it is an error; the unwind and
 * error paths; the tail-call entry, which takes every register from the
 * canonical slots of the caller's frame and starts at instruction 0.
 */
static void arm32_epilogue(struct jit_ctx *c)
{
	jit_bind(c, L_ERR_LIMIT);
	load_imm(c, A32_R1, (uint32_t)BPF32_ELIMIT);
	jit_bind(c, L_ERROR);
	emit(c, a32_ldr(A32_R2, A32_SP, FRAME_RUN));
	emit(c, a32_str(A32_R1, A32_R2, JIT_RUN_ERR));
	jit_bind(c, L_UNWIND_ZERO);
	emit(c, a32_mov(A32_R0, a32_imm(0)));
	emit(c, a32_mov(A32_R1, a32_imm(0)));
	emit(c, a32_ldr(A32_R2, A32_SP, FRAME_RUN));
	emit(c, a32_ldr(A32_SP, A32_R2, JIT_RUN_SAVED_SP));
	emit_return_to_c(c);

	c->tail_entry = c->pos;
	reload(c, 0x3ff, 0);
	emit_branch(c, A32_AL, jit_insn_off(c, 0));
}

/* ---------------------------------------------------------------- register map */

/* Machine registers of the register map (see prepare()). */
#define CALLEE_REGS 0x0ff0u                        /* r4-r11 */
#define VOLATILE_REGS (1u << A32_IP | 1u << A32_LR)

/* One register half waiting for a machine register. */
struct half_use {
	uint8_t r, h;
	uint32_t weight;
};

/* Heaviest first; for equal weights the lower half first, so that pairs form. */
static int half_order(const void *x, const void *y)
{
	const struct half_use *a = x, *b = y;
	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	return a->r != b->r ? a->r - b->r : a->h - b->h;
}

/*
 * The r4-r11 register for half `h` of r: the odd mate of its low half's
 * register when that was kept for it; for a low half whose upper half also
 * waits, an even register whose mate stays free for it (reserved); for a
 * single half, a register whose mate is taken (pairs stay whole), else any
 * register nobody reserved, else any at all. 0 when none is free.
 */
static uint16_t pick_callee(const struct a32 *a, unsigned r, unsigned h, int pair,
			    uint16_t free_regs, uint16_t reserved)
{
	struct loc lo = a->map[r][JIT_LO];
	if (h == JIT_HI && lo.kind == LOC_REG && !(lo.reg & 1) && (free_regs >> (lo.reg + 1) & 1))
		return (uint16_t)(1u << (lo.reg + 1));
	for (unsigned p = 4; p < 12; p++) {
		unsigned mate = p ^ 1;
		if (!(free_regs >> p & 1) || (reserved >> p & 1))
			continue;
		if (pair ? !(p & 1) && (free_regs >> mate & 1) : !(free_regs >> mate & 1))
			return (uint16_t)(1u << p);
	}
	uint16_t open = free_regs & (uint16_t)~reserved;
	open = open ? open : free_regs;
	return open ? (uint16_t)(open & -open) : 0;
}

/*
 * Give machine registers to the most used register halves (scan weights).
 * ip and lr can hold only halves of R0-R5 and AX (they are caller-saved,
 * which only these registers can afford), r4-r11 any half; taking halves in
 * order of weight, with R0-R5 and AX using ip/lr while they last, gives the
 * heaviest possible set of halves registers (one class of machine registers
 * is nested in the other). In r4-r11 the two halves of one register go to
 * an even/odd pair where possible (ldrd/strd for its stack accesses).
 * Everything else stays in its slot.
 */
static int arm32_prepare(struct jit_ctx *c)
{
	struct a32 *a = calloc(1, sizeof *a);
	if (!a)
		return jit_fail(c, BPF32_ENOMEM, "out of memory");
	c->priv = a;
	a->idiv = c->cpu == BPF32_CPU_ARMV7_IDIV;

	for (unsigned r = 0; r < JIT_NREGS; r++)
		if ((c->scan.zero_hi >> r) & 1)
			a->map[r][JIT_HI].kind = LOC_ZERO;
	a->map[BPF_REG_FP][JIT_LO].kind = LOC_FP;
	a->map[BPF_REG_FP][JIT_HI].kind = LOC_ZERO;

	struct half_use halves[2 * JIT_NREGS];
	unsigned n = 0;
	for (unsigned r = 0; r < JIT_NREGS; r++)
		for (unsigned h = 0; h < 2; h++)
			if (a->map[r][h].kind == LOC_SLOT && c->scan.uses[r][h])
				halves[n++] = (struct half_use){ (uint8_t)r, (uint8_t)h, c->scan.uses[r][h] };
	qsort(halves, n, sizeof halves[0], half_order);

	uint16_t free_regs = CALLEE_REGS, reserved = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned r = halves[k].r, h = halves[k].h;
		uint16_t pick;
		if ((r <= 5 || r == JIT_REG_AX) && (VOLATILE_REGS & ~a->volatiles)) {
			pick = (uint16_t)(VOLATILE_REGS & ~a->volatiles);
			pick &= (uint16_t)-pick;
			a->volatiles |= pick;
		} else {
			int pair = h == JIT_LO && a->map[r][JIT_HI].kind == LOC_SLOT &&
				   c->scan.uses[r][JIT_HI];
			pick = pick_callee(a, r, h, pair, free_regs, reserved);
			if (!pick)
				continue;
			free_regs &= (uint16_t)~pick;
			reserved &= (uint16_t)~pick;
			if (pair && (free_regs >> (__builtin_ctz(pick) + 1) & 1) && !(pick & 0xaaaa))
				reserved |= (uint16_t)(pick << 1);
		}
		a->map[r][h].kind = LOC_REG;
		a->map[r][h].reg = (uint8_t)__builtin_ctz(pick);
	}
	return 0;
}

/* "R0=r4:r5 R1=r6:zero R6=ip:[sp+52] ..." for the registers the program uses. */
static void arm32_describe(struct jit_ctx *c, char *buf, size_t size)
{
	static const char *const names[16] = {
		"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11",
		"ip", "sp", "lr", "pc",
	};
	static const char *const bpf_names[JIT_NREGS] = {
		"R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "AX",
	};
	size_t len = 0;
	buf[0] = 0;
	for (unsigned r = 0; r < JIT_NREGS && len < size; r++) {
		if (!((c->scan.used >> r) & 1))
			continue;
		char half[2][24];
		for (unsigned h = 0; h < 2; h++) {
			struct loc l = loc_of(c, r, h);
			if (l.kind == LOC_REG)
				snprintf(half[h], sizeof half[h], "%s", names[l.reg]);
			else if (l.kind == LOC_SLOT)
				snprintf(half[h], sizeof half[h], "[sp+%u]", slot_off(r, h));
			else if (l.kind == LOC_ZERO)
				snprintf(half[h], sizeof half[h], "0");
			else
				snprintf(half[h], sizeof half[h], "sp+%u", FRAME_FP);
		}
		int n = snprintf(buf + len, size - len, "%s%s=%s:%s", len ? " " : "", bpf_names[r],
				 half[0], half[1]);
		if (n > 0)
			len += (size_t)n;
	}
}

static void arm32_release(struct jit_ctx *c)
{
	free(c->priv);
	c->priv = NULL;
}

static int arm32_resolve_cpu(uint32_t cpu, uint32_t *out)
{
	if (cpu == BPF32_CPU_ARMV7 || cpu == BPF32_CPU_ARMV7_IDIV) {
		*out = cpu;
		return 0;
	}
	if (cpu != BPF32_CPU_DEFAULT)
		return BPF32_EINVAL;
#if defined(__arm__) && defined(__linux__)
	/* HWCAP_IDIVA: the ARM-mode sdiv/udiv (qemu-user reports its CPU model's). */
	*out = getauxval(AT_HWCAP) & (1u << 17) ? BPF32_CPU_ARMV7_IDIV : BPF32_CPU_ARMV7;
#else
	*out = BPF32_CPU_ARMV7_IDIV;
#endif
	return 0;
}

/* The emitters above, by family (their names follow jit.h's convention). */
static const struct jit_ops arm32_ops = JIT_OPS_OF_EMITTERS;

const struct jit_backend jit_arm32 = {
	.arch = BPF32_ARCH_ARM32,
	.name = "arm32",
	.big_endian = 0,
	.resolve_cpu = arm32_resolve_cpu,
	.prepare = arm32_prepare,
	.prologue = arm32_prologue,
	.func_entry = arm32_func_entry,
	.ops = &arm32_ops,
	.epilogue = arm32_epilogue,
	.release = arm32_release,
	.describe = arm32_describe,
};
