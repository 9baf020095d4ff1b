/*
 * MIPS32 instruction encoders: pure functions from operands to one machine
 * word. No state, no emission, no range policy beyond masking each operand
 * to its field; the lowering (mips32.c) decides which forms fit.
 *
 * Every encoder returns a struct mips_insn: the word and the set of ISA
 * revisions on which that exact word means that instruction. A JIT for a
 * given revision checks each word it emits against its own revision, so an
 * r1 image provably holds only r1 instructions and an r6 image only
 * instructions r6 kept (r6 removed the HI/LO multiply and divide, movz/movn,
 * lwl/lwr/swl/swr and jr, and moved ll/sc, mul and div to new encodings).
 *
 * Operands are given in the assembler's order (`sllv rd, rt, rs` is
 * mips_sllv(rd, rt, rs)), so each encoder reads like the line of assembly
 * it is tested against (tests/test_mips32_enc.c assembles every one with
 * the GNU assembler for r1, r2 and r6 and compares the words).
 *
 * Branch offsets are the 16-bit field itself: a signed count of
 * instructions from the delay slot (the branch address + 4) to the target.
 * Jump targets are absolute byte addresses; the J format keeps bits 27..2,
 * the rest comes from the delay slot's address.
 */
#ifndef BPF32_MIPS32_ENC_H
#define BPF32_MIPS32_ENC_H

#include <stdint.h>

/* ---------------------------------------------------------------- registers */

enum mips_reg {
	MIPS_ZERO = 0, MIPS_AT = 1, MIPS_V0 = 2, MIPS_V1 = 3,
	MIPS_A0 = 4, MIPS_A1 = 5, MIPS_A2 = 6, MIPS_A3 = 7,
	MIPS_T0 = 8, MIPS_T1 = 9, MIPS_T2 = 10, MIPS_T3 = 11,
	MIPS_T4 = 12, MIPS_T5 = 13, MIPS_T6 = 14, MIPS_T7 = 15,
	MIPS_S0 = 16, MIPS_S1 = 17, MIPS_S2 = 18, MIPS_S3 = 19,
	MIPS_S4 = 20, MIPS_S5 = 21, MIPS_S6 = 22, MIPS_S7 = 23,
	MIPS_T8 = 24, MIPS_T9 = 25, MIPS_K0 = 26, MIPS_K1 = 27,
	MIPS_GP = 28, MIPS_SP = 29, MIPS_FP = 30, MIPS_RA = 31,
};

/* ---------------------------------------------------------------- ISA revisions */

/* One bit per revision; a set of them says where a word is valid. */
enum mips_isa {
	MIPS_R1 = 1u << 0,   /* MIPS32 release 1 */
	MIPS_R2 = 1u << 1,   /* release 2: a superset of r1 */
	MIPS_R6 = 1u << 2,   /* release 6: removed and re-encoded some of them */
};

#define MIPS_ISA_ALL (MIPS_R1 | MIPS_R2 | MIPS_R6)   /* unchanged everywhere */
#define MIPS_ISA_PRE_R6 (MIPS_R1 | MIPS_R2)          /* removed or moved by r6 */
#define MIPS_ISA_R2_UP (MIPS_R2 | MIPS_R6)           /* added by r2 */

struct mips_insn {
	uint32_t word;
	uint8_t isa;   /* enum mips_isa bits */
};

static inline struct mips_insn mips_insn(uint32_t word, unsigned isa)
{
	struct mips_insn i = { word, (uint8_t)isa };
	return i;
}

/* ---------------------------------------------------------------- opcodes */

/* Major opcode, bits 31..26. */
enum mips_op {
	MIPS_OP_SPECIAL = 0x00, MIPS_OP_REGIMM = 0x01, MIPS_OP_J = 0x02,
	MIPS_OP_JAL = 0x03, MIPS_OP_BEQ = 0x04, MIPS_OP_BNE = 0x05,
	MIPS_OP_BLEZ = 0x06, MIPS_OP_BGTZ = 0x07, MIPS_OP_ADDIU = 0x09,
	MIPS_OP_SLTI = 0x0a, MIPS_OP_SLTIU = 0x0b, MIPS_OP_ANDI = 0x0c,
	MIPS_OP_ORI = 0x0d, MIPS_OP_XORI = 0x0e, MIPS_OP_LUI = 0x0f,
	MIPS_OP_SPECIAL2 = 0x1c, MIPS_OP_SPECIAL3 = 0x1f,
	MIPS_OP_LB = 0x20, MIPS_OP_LH = 0x21, MIPS_OP_LWL = 0x22,
	MIPS_OP_LW = 0x23, MIPS_OP_LBU = 0x24, MIPS_OP_LHU = 0x25,
	MIPS_OP_LWR = 0x26, MIPS_OP_SB = 0x28, MIPS_OP_SH = 0x29,
	MIPS_OP_SWL = 0x2a, MIPS_OP_SW = 0x2b, MIPS_OP_SWR = 0x2e,
	MIPS_OP_LL = 0x30, MIPS_OP_SC = 0x38,
	/* r6 reuses two coprocessor-2 opcodes for the 26-bit compact branches. */
	MIPS_OP_BC_R6 = 0x32, MIPS_OP_BALC_R6 = 0x3a,
};

/* Function field (bits 5..0) of SPECIAL. */
enum mips_special {
	MIPS_SP_SLL = 0x00, MIPS_SP_SRL = 0x02, MIPS_SP_SRA = 0x03,
	MIPS_SP_SLLV = 0x04, MIPS_SP_SRLV = 0x06, MIPS_SP_SRAV = 0x07,
	MIPS_SP_JR = 0x08, MIPS_SP_JALR = 0x09, MIPS_SP_MOVZ = 0x0a,
	MIPS_SP_MOVN = 0x0b, MIPS_SP_BREAK = 0x0d, MIPS_SP_SYNC = 0x0f,
	MIPS_SP_MFHI = 0x10, MIPS_SP_MFLO = 0x12,
	/* Pre-r6 HI/LO forms; r6 reuses these with sa selecting the result. */
	MIPS_SP_MULT = 0x18, MIPS_SP_MULTU = 0x19, MIPS_SP_DIV = 0x1a,
	MIPS_SP_DIVU = 0x1b,
	MIPS_SP_ADDU = 0x21, MIPS_SP_SUBU = 0x23, MIPS_SP_AND = 0x24,
	MIPS_SP_OR = 0x25, MIPS_SP_XOR = 0x26, MIPS_SP_NOR = 0x27,
	MIPS_SP_SLT = 0x2a, MIPS_SP_SLTU = 0x2b, MIPS_SP_TEQ = 0x34,
	MIPS_SP_SELEQZ = 0x35, MIPS_SP_SELNEZ = 0x37,
};

/* r6 three-operand multiply/divide: sa field of SPECIAL MULT..DIVU. */
enum mips_r6_muldiv {
	MIPS_R6_LOW = 2,    /* mul, mulu, div, divu */
	MIPS_R6_HIGH = 3,   /* muh, muhu, mod, modu */
};

/* rt field of REGIMM. */
enum mips_regimm { MIPS_RI_BLTZ = 0x00, MIPS_RI_BGEZ = 0x01, MIPS_RI_BGEZAL = 0x11 };

/* Function field of SPECIAL2 and SPECIAL3; sa field of SPECIAL3 BSHFL. */
enum mips_special2 { MIPS_SP2_MUL = 0x02 };
enum mips_special3 {
	MIPS_SP3_EXT = 0x00, MIPS_SP3_INS = 0x04, MIPS_SP3_SC_R6 = 0x26,
	MIPS_SP3_BSHFL = 0x20, MIPS_SP3_LL_R6 = 0x36,
};
enum mips_bshfl { MIPS_BSHFL_WSBH = 0x02, MIPS_BSHFL_SEB = 0x10, MIPS_BSHFL_SEH = 0x18 };

/* ---------------------------------------------------------------- formats */

/* R: | op:6 | rs:5 | rt:5 | rd:5 | sa:5 | funct:6 | */
static inline uint32_t mips_fmt_r(unsigned op, unsigned rs, unsigned rt, unsigned rd,
				  unsigned sa, unsigned funct)
{
	return (uint32_t)(op & 0x3f) << 26 | (uint32_t)(rs & 0x1f) << 21 |
	       (uint32_t)(rt & 0x1f) << 16 | (uint32_t)(rd & 0x1f) << 11 |
	       (uint32_t)(sa & 0x1f) << 6 | (funct & 0x3f);
}

/* I: | op:6 | rs:5 | rt:5 | imm:16 | (imm signed or not, as the op reads it) */
static inline uint32_t mips_fmt_i(unsigned op, unsigned rs, unsigned rt, int32_t imm)
{
	return (uint32_t)(op & 0x3f) << 26 | (uint32_t)(rs & 0x1f) << 21 |
	       (uint32_t)(rt & 0x1f) << 16 | ((uint32_t)imm & 0xffff);
}

/* J: | op:6 | target bits 27..2 | */
static inline uint32_t mips_fmt_j(unsigned op, uint32_t target)
{
	return (uint32_t)(op & 0x3f) << 26 | ((target >> 2) & 0x03ffffff);
}

/* r6 ll/sc: | SPECIAL3 | base:5 | rt:5 | offset:9 (signed) | 0 | funct:6 | */
static inline uint32_t mips_fmt_r6_llsc(unsigned base, unsigned rt, int32_t off9,
					unsigned funct)
{
	return (uint32_t)MIPS_OP_SPECIAL3 << 26 | (uint32_t)(base & 0x1f) << 21 |
	       (uint32_t)(rt & 0x1f) << 16 | ((uint32_t)off9 & 0x1ff) << 7 |
	       (funct & 0x3f);
}

/* Field ranges the lowering checks before choosing a form. */
static inline int mips_simm16_fits(int64_t v) { return v >= -32768 && v <= 32767; }
static inline int mips_uimm16_fits(int64_t v) { return v >= 0 && v <= 0xffff; }
static inline int mips_simm9_fits(int64_t v) { return v >= -256 && v <= 255; }
static inline int mips_simm26_fits(int64_t v) { return v >= -(1 << 25) && v < (1 << 25); }

/* ---------------------------------------------------------------- arithmetic and logic */

static inline struct mips_insn mips_special(unsigned rs, unsigned rt, unsigned rd,
					   unsigned sa, unsigned funct, unsigned isa)
{
	return mips_insn(mips_fmt_r(MIPS_OP_SPECIAL, rs, rt, rd, sa, funct), isa);
}

#define MIPS_RRR(name, funct)                                                   \
	static inline struct mips_insn mips_##name(unsigned rd, unsigned rs, unsigned rt) \
	{                                                                       \
		return mips_special(rs, rt, rd, 0, funct, MIPS_ISA_ALL);        \
	}
MIPS_RRR(addu, MIPS_SP_ADDU)
MIPS_RRR(subu, MIPS_SP_SUBU)
MIPS_RRR(and, MIPS_SP_AND)
MIPS_RRR(or, MIPS_SP_OR)
MIPS_RRR(xor, MIPS_SP_XOR)
MIPS_RRR(nor, MIPS_SP_NOR)
MIPS_RRR(slt, MIPS_SP_SLT)
MIPS_RRR(sltu, MIPS_SP_SLTU)
#undef MIPS_RRR

/* rd = rs (the assembler's `move`). */
static inline struct mips_insn mips_move(unsigned rd, unsigned rs)
{
	return mips_or(rd, rs, MIPS_ZERO);
}

/* rd = -rt (the assembler's `negu`). */
static inline struct mips_insn mips_negu(unsigned rd, unsigned rt)
{
	return mips_subu(rd, MIPS_ZERO, rt);
}

#define MIPS_RRI(name, op)                                                      \
	static inline struct mips_insn mips_##name(unsigned rt, unsigned rs, int32_t imm) \
	{                                                                       \
		return mips_insn(mips_fmt_i(op, rs, rt, imm), MIPS_ISA_ALL);     \
	}
/* imm sign-extended */
MIPS_RRI(addiu, MIPS_OP_ADDIU)
MIPS_RRI(slti, MIPS_OP_SLTI)
MIPS_RRI(sltiu, MIPS_OP_SLTIU)   /* sign-extended, then compared unsigned */
/* imm zero-extended */
MIPS_RRI(andi, MIPS_OP_ANDI)
MIPS_RRI(ori, MIPS_OP_ORI)
MIPS_RRI(xori, MIPS_OP_XORI)
#undef MIPS_RRI

/* rt = imm << 16 */
static inline struct mips_insn mips_lui(unsigned rt, uint32_t imm)
{
	return mips_insn(mips_fmt_i(MIPS_OP_LUI, 0, rt, (int32_t)imm), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_nop(void)
{
	return mips_special(0, 0, 0, 0, MIPS_SP_SLL, MIPS_ISA_ALL);
}

/* ---------------------------------------------------------------- shifts and rotates */

static inline struct mips_insn mips_sll(unsigned rd, unsigned rt, unsigned sa)
{
	return mips_special(0, rt, rd, sa, MIPS_SP_SLL, MIPS_ISA_ALL);
}

static inline struct mips_insn mips_srl(unsigned rd, unsigned rt, unsigned sa)
{
	return mips_special(0, rt, rd, sa, MIPS_SP_SRL, MIPS_ISA_ALL);
}

static inline struct mips_insn mips_sra(unsigned rd, unsigned rt, unsigned sa)
{
	return mips_special(0, rt, rd, sa, MIPS_SP_SRA, MIPS_ISA_ALL);
}

/* r2: srl with rs = 1 */
static inline struct mips_insn mips_rotr(unsigned rd, unsigned rt, unsigned sa)
{
	return mips_special(1, rt, rd, sa, MIPS_SP_SRL, MIPS_ISA_R2_UP);
}

/* Variable shifts use rs & 31 as the count. */
static inline struct mips_insn mips_sllv(unsigned rd, unsigned rt, unsigned rs)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_SLLV, MIPS_ISA_ALL);
}

static inline struct mips_insn mips_srlv(unsigned rd, unsigned rt, unsigned rs)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_SRLV, MIPS_ISA_ALL);
}

static inline struct mips_insn mips_srav(unsigned rd, unsigned rt, unsigned rs)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_SRAV, MIPS_ISA_ALL);
}

/* r2: srlv with sa = 1 */
static inline struct mips_insn mips_rotrv(unsigned rd, unsigned rt, unsigned rs)
{
	return mips_special(rs, rt, rd, 1, MIPS_SP_SRLV, MIPS_ISA_R2_UP);
}

/* ---------------------------------------------------------------- r2 bit fields and byte shuffles */

static inline struct mips_insn mips_bshfl(unsigned rd, unsigned rt, unsigned sa)
{
	return mips_insn(mips_fmt_r(MIPS_OP_SPECIAL3, 0, rt, rd, sa, MIPS_SP3_BSHFL),
			 MIPS_ISA_R2_UP);
}

/* rd = (int8_t)rt */
static inline struct mips_insn mips_seb(unsigned rd, unsigned rt)
{
	return mips_bshfl(rd, rt, MIPS_BSHFL_SEB);
}

/* rd = (int16_t)rt */
static inline struct mips_insn mips_seh(unsigned rd, unsigned rt)
{
	return mips_bshfl(rd, rt, MIPS_BSHFL_SEH);
}

/* Swap the bytes within each halfword: rd = b2 b3 b0 b1 of rt = b3 b2 b1 b0. */
static inline struct mips_insn mips_wsbh(unsigned rd, unsigned rt)
{
	return mips_bshfl(rd, rt, MIPS_BSHFL_WSBH);
}

/* rt = (rs >> pos) & ((1 << size) - 1); 0 <= pos, 1 <= size, pos + size <= 32 */
static inline struct mips_insn mips_ext(unsigned rt, unsigned rs, unsigned pos, unsigned size)
{
	uint32_t msbd = size - 1;
	return mips_insn(mips_fmt_r(MIPS_OP_SPECIAL3, rs, rt, msbd, pos, MIPS_SP3_EXT),
			 MIPS_ISA_R2_UP);
}

/* Bits pos .. pos+size-1 of rt = the low size bits of rs. */
static inline struct mips_insn mips_ins(unsigned rt, unsigned rs, unsigned pos, unsigned size)
{
	uint32_t msb = pos + size - 1;
	return mips_insn(mips_fmt_r(MIPS_OP_SPECIAL3, rs, rt, msb, pos, MIPS_SP3_INS),
			 MIPS_ISA_R2_UP);
}

/* ---------------------------------------------------------------- conditional moves */

/* Pre-r6: if (rt == 0) rd = rs / if (rt != 0) rd = rs. */
static inline struct mips_insn mips_movz(unsigned rd, unsigned rs, unsigned rt)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_MOVZ, MIPS_ISA_PRE_R6);
}

static inline struct mips_insn mips_movn(unsigned rd, unsigned rs, unsigned rt)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_MOVN, MIPS_ISA_PRE_R6);
}

/* r6: rd = rt == 0 ? rs : 0 / rd = rt != 0 ? rs : 0. */
static inline struct mips_insn mips_seleqz(unsigned rd, unsigned rs, unsigned rt)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_SELEQZ, MIPS_R6);
}

static inline struct mips_insn mips_selnez(unsigned rd, unsigned rs, unsigned rt)
{
	return mips_special(rs, rt, rd, 0, MIPS_SP_SELNEZ, MIPS_R6);
}

/* ---------------------------------------------------------------- multiply and divide */

/* Pre-r6 HI/LO unit: mult/multu write HI:LO = rs * rt; div/divu write LO = rs / rt, HI = rs % rt. */
#define MIPS_HILO(name, funct)                                                  \
	static inline struct mips_insn mips_##name(unsigned rs, unsigned rt)     \
	{                                                                       \
		return mips_special(rs, rt, 0, 0, funct, MIPS_ISA_PRE_R6);      \
	}
MIPS_HILO(mult, MIPS_SP_MULT)
MIPS_HILO(multu, MIPS_SP_MULTU)
MIPS_HILO(div, MIPS_SP_DIV)
MIPS_HILO(divu, MIPS_SP_DIVU)
#undef MIPS_HILO

static inline struct mips_insn mips_mfhi(unsigned rd)
{
	return mips_special(0, 0, rd, 0, MIPS_SP_MFHI, MIPS_ISA_PRE_R6);
}

static inline struct mips_insn mips_mflo(unsigned rd)
{
	return mips_special(0, 0, rd, 0, MIPS_SP_MFLO, MIPS_ISA_PRE_R6);
}

/* Pre-r6 rd = low 32 bits of rs * rt (SPECIAL2; HI/LO left unpredictable). */
static inline struct mips_insn mips_mul(unsigned rd, unsigned rs, unsigned rt)
{
	return mips_insn(mips_fmt_r(MIPS_OP_SPECIAL2, rs, rt, rd, 0, MIPS_SP2_MUL),
			 MIPS_ISA_PRE_R6);
}

/* r6 three-operand forms: the old funct, sa = low or high half of the result. */
#define MIPS_R6_MULDIV(name, funct, half)                                       \
	static inline struct mips_insn mips_##name(unsigned rd, unsigned rs, unsigned rt) \
	{                                                                       \
		return mips_special(rs, rt, rd, half, funct, MIPS_R6);          \
	}
MIPS_R6_MULDIV(mul_r6, MIPS_SP_MULT, MIPS_R6_LOW)     /* low word of signed product */
MIPS_R6_MULDIV(muh, MIPS_SP_MULT, MIPS_R6_HIGH)       /* high word, signed */
MIPS_R6_MULDIV(mulu, MIPS_SP_MULTU, MIPS_R6_LOW)
MIPS_R6_MULDIV(muhu, MIPS_SP_MULTU, MIPS_R6_HIGH)     /* high word, unsigned */
MIPS_R6_MULDIV(div_r6, MIPS_SP_DIV, MIPS_R6_LOW)
MIPS_R6_MULDIV(mod, MIPS_SP_DIV, MIPS_R6_HIGH)
MIPS_R6_MULDIV(divu_r6, MIPS_SP_DIVU, MIPS_R6_LOW)
MIPS_R6_MULDIV(modu, MIPS_SP_DIVU, MIPS_R6_HIGH)
#undef MIPS_R6_MULDIV

/* ---------------------------------------------------------------- loads and stores */

/* rt <-> mem[base + off], off signed 16 bits; the plain forms need natural alignment. */
#define MIPS_MEM(name, op, isa)                                                 \
	static inline struct mips_insn mips_##name(unsigned rt, int32_t off, unsigned base) \
	{                                                                       \
		return mips_insn(mips_fmt_i(op, base, rt, off), isa);            \
	}
MIPS_MEM(lb, MIPS_OP_LB, MIPS_ISA_ALL)
MIPS_MEM(lbu, MIPS_OP_LBU, MIPS_ISA_ALL)
MIPS_MEM(lh, MIPS_OP_LH, MIPS_ISA_ALL)
MIPS_MEM(lhu, MIPS_OP_LHU, MIPS_ISA_ALL)
MIPS_MEM(lw, MIPS_OP_LW, MIPS_ISA_ALL)
MIPS_MEM(sb, MIPS_OP_SB, MIPS_ISA_ALL)
MIPS_MEM(sh, MIPS_OP_SH, MIPS_ISA_ALL)
MIPS_MEM(sw, MIPS_OP_SW, MIPS_ISA_ALL)
/*
 * Unaligned word halves (pre-r6). lwl/swl handle the bytes from the address
 * to the end of its aligned word, at the most significant end of rt;
 * lwr/swr the bytes from the start of the aligned word up to the address,
 * at the least significant end. Which pair of addresses makes a whole word
 * depends on the byte order (see the lowering).
 */
MIPS_MEM(lwl, MIPS_OP_LWL, MIPS_ISA_PRE_R6)
MIPS_MEM(lwr, MIPS_OP_LWR, MIPS_ISA_PRE_R6)
MIPS_MEM(swl, MIPS_OP_SWL, MIPS_ISA_PRE_R6)
MIPS_MEM(swr, MIPS_OP_SWR, MIPS_ISA_PRE_R6)
/* Load-linked / store-conditional, pre-r6 encoding (16-bit offset). */
MIPS_MEM(ll, MIPS_OP_LL, MIPS_ISA_PRE_R6)
MIPS_MEM(sc, MIPS_OP_SC, MIPS_ISA_PRE_R6)
#undef MIPS_MEM

/* r6 load-linked / store-conditional: 9-bit signed offset. */
static inline struct mips_insn mips_ll_r6(unsigned rt, int32_t off, unsigned base)
{
	return mips_insn(mips_fmt_r6_llsc(base, rt, off, MIPS_SP3_LL_R6), MIPS_R6);
}

static inline struct mips_insn mips_sc_r6(unsigned rt, int32_t off, unsigned base)
{
	return mips_insn(mips_fmt_r6_llsc(base, rt, off, MIPS_SP3_SC_R6), MIPS_R6);
}

/* Memory barrier; stype 0 is the full completion barrier. */
static inline struct mips_insn mips_sync(unsigned stype)
{
	return mips_special(0, 0, 0, stype, MIPS_SP_SYNC, MIPS_ISA_ALL);
}

/* ---------------------------------------------------------------- branches and jumps */

/* All have a delay slot; off counts instructions from the delay slot. */
static inline struct mips_insn mips_beq(unsigned rs, unsigned rt, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_BEQ, rs, rt, off), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_bne(unsigned rs, unsigned rt, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_BNE, rs, rt, off), MIPS_ISA_ALL);
}

/* Compare rs with zero (signed). */
static inline struct mips_insn mips_blez(unsigned rs, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_BLEZ, rs, 0, off), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_bgtz(unsigned rs, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_BGTZ, rs, 0, off), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_bltz(unsigned rs, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_REGIMM, rs, MIPS_RI_BLTZ, off), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_bgez(unsigned rs, int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_REGIMM, rs, MIPS_RI_BGEZ, off), MIPS_ISA_ALL);
}

/* ra = address after the delay slot; branch always (bgezal $zero, kept by r6). */
static inline struct mips_insn mips_bal(int32_t off)
{
	return mips_insn(mips_fmt_i(MIPS_OP_REGIMM, 0, MIPS_RI_BGEZAL, off), MIPS_ISA_ALL);
}

/* Jump within the 256 MiB region of the delay slot. */
static inline struct mips_insn mips_j(uint32_t target)
{
	return mips_insn(mips_fmt_j(MIPS_OP_J, target), MIPS_ISA_ALL);
}

static inline struct mips_insn mips_jal(uint32_t target)
{
	return mips_insn(mips_fmt_j(MIPS_OP_JAL, target), MIPS_ISA_ALL);
}

/* rd = return address; jump to rs. jalr $zero, rs is r6's jr. */
static inline struct mips_insn mips_jalr(unsigned rd, unsigned rs)
{
	return mips_special(rs, 0, rd, 0, MIPS_SP_JALR, MIPS_ISA_ALL);
}

/* Pre-r6 jump register (r6 removed it: use mips_jalr(MIPS_ZERO, rs)). */
static inline struct mips_insn mips_jr(unsigned rs)
{
	return mips_special(rs, 0, 0, 0, MIPS_SP_JR, MIPS_ISA_PRE_R6);
}

/*
 * r6 compact branches: no delay slot, off counts instructions from the next
 * one (26 bits: +-128 MiB). bc jumps; balc also sets ra to the next one.
 */
static inline struct mips_insn mips_bc(int32_t off)
{
	return mips_insn(mips_fmt_j(MIPS_OP_BC_R6, (uint32_t)off << 2), MIPS_R6);
}

static inline struct mips_insn mips_balc(int32_t off)
{
	return mips_insn(mips_fmt_j(MIPS_OP_BALC_R6, (uint32_t)off << 2), MIPS_R6);
}

/* ---------------------------------------------------------------- traps */

/* code: the 10-bit field the assembler's one-operand `break` fills (bits 25..16). */
static inline struct mips_insn mips_break(unsigned code)
{
	return mips_special((code >> 5) & 0x1f, code & 0x1f, 0, 0, MIPS_SP_BREAK, MIPS_ISA_ALL);
}

/* Trap if rs == rt; code is the 10-bit field at bits 15..6. */
static inline struct mips_insn mips_teq(unsigned rs, unsigned rt, unsigned code)
{
	return mips_special(rs, rt, (code >> 5) & 0x1f, code & 0x1f, MIPS_SP_TEQ, MIPS_ISA_ALL);
}

#endif /* BPF32_MIPS32_ENC_H */
