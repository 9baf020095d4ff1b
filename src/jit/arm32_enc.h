/*
 * ARMv7-A (ARM mode) instruction encoders: pure functions from operands to
 * one 32-bit instruction word, named like the mnemonic, operands in the
 * assembler's order (`add rd, rn, <op2>` is a32_add(rd, rn, op2)). Every
 * encoder is checked against the GNU assembler in tests/test_arm32_enc.c.
 *
 * All encoders produce the "always" condition; a32_cond() makes any of them
 * conditional and a32_s() sets the flag-setting bit of a data-processing or
 * multiply word. Range checks are the caller's business: the lowering
 * (arm32.c) asks a32_imm_ok() / a32_off12_ok() / a32_off8_ok() first.
 *
 * Data-processing instructions take a shifter operand ("operand 2") built by
 * a32_imm(), a32_reg() or one of the shift forms:
 *
 *     a32_add(A32_R0, A32_R1, a32_imm(4))              add r0, r1, #4
 *     a32_orr(A32_R0, A32_R0, a32_lsr(A32_R2, 7))      orr r0, r0, r2, lsr #7
 *     a32_mov(A32_R0, a32_lsl_reg(A32_R1, A32_R2))     lsl r0, r1, r2
 */
#ifndef BPF32_ARM32_ENC_H
#define BPF32_ARM32_ENC_H

#include <stdint.h>

enum a32_reg {
	A32_R0 = 0, A32_R1, A32_R2, A32_R3, A32_R4, A32_R5, A32_R6, A32_R7,
	A32_R8, A32_R9, A32_R10, A32_R11, A32_IP = 12, A32_SP = 13, A32_LR = 14,
	A32_PC = 15,
};

/* Condition field, bits 31..28. Flipping bit 0 inverts a condition. */
enum a32_cond {
	A32_EQ = 0, A32_NE, A32_HS, A32_LO, A32_MI, A32_PL, A32_VS, A32_VC,
	A32_HI, A32_LS, A32_GE, A32_LT, A32_GT, A32_LE, A32_AL,
};

#define A32_ALWAYS ((uint32_t)A32_AL << 28)

static inline enum a32_cond a32_invert(enum a32_cond c)
{
	return (enum a32_cond)(c ^ 1);
}

/* The same instruction, executed only when `c` holds. */
static inline uint32_t a32_cond(enum a32_cond c, uint32_t w)
{
	return (w & 0x0fffffffu) | (uint32_t)c << 28;
}

/* The same data-processing or multiply instruction, setting the flags. */
static inline uint32_t a32_s(uint32_t w)
{
	return w | 1u << 20;
}

/* ---------------------------------------------------------------- operand 2 */

static inline uint32_t a32_rol(uint32_t v, unsigned n)
{
	return n ? (v << n) | (v >> (32 - n)) : v;
}

/*
 * An immediate operand is an 8-bit value rotated right by an even amount.
 * Returns the 12-bit field (rotate / 2 in bits 11..8), or -1 when `v` has no
 * such form.
 */
static inline int32_t a32_imm_field(uint32_t v)
{
	if (v <= 0xff)
		return (int32_t)v;
	/* Rotated right by 32 - tz, with tz the even count of low zero bits ... */
	unsigned tz = (unsigned)__builtin_ctz(v) & ~1u;
	if (tz && (v >> tz) <= 0xff)
		return (int32_t)((32 - tz) / 2 << 8 | v >> tz);
	/* ... or wrapping around bit 0: rotated right by 2, 4 or 6. */
	for (unsigned rot = 1; rot <= 3; rot++) {
		uint32_t imm8 = a32_rol(v, 2 * rot);
		if (imm8 <= 0xff)
			return (int32_t)(rot << 8 | imm8);
	}
	return -1;
}

static inline int a32_imm_ok(uint32_t v)
{
	return a32_imm_field(v) >= 0;
}

/* #v (a32_imm_ok(v) must hold); bit 25 marks the immediate form. */
static inline uint32_t a32_imm(uint32_t v)
{
	return 1u << 25 | (uint32_t)a32_imm_field(v);
}

enum a32_shift { A32_LSL = 0, A32_LSR = 1, A32_ASR = 2, A32_ROR = 3 };

/* rm, <shift> #n; LSR and ASR encode a count of 32 as 0. */
static inline uint32_t a32_shift_imm(uint8_t rm, enum a32_shift type, unsigned n)
{
	return (n & 31u) << 7 | (uint32_t)type << 5 | rm;
}

static inline uint32_t a32_reg(uint8_t rm) { return rm; }
static inline uint32_t a32_lsl(uint8_t rm, unsigned n) { return a32_shift_imm(rm, A32_LSL, n); }
static inline uint32_t a32_lsr(uint8_t rm, unsigned n) { return a32_shift_imm(rm, A32_LSR, n); }
static inline uint32_t a32_asr(uint8_t rm, unsigned n) { return a32_shift_imm(rm, A32_ASR, n); }

/* rm, <shift> rs: the count is the low byte of rs (32..255 shift everything out). */
static inline uint32_t a32_shift_reg(uint8_t rm, enum a32_shift type, uint8_t rs)
{
	return (uint32_t)rs << 8 | (uint32_t)type << 5 | 1u << 4 | rm;
}

static inline uint32_t a32_lsl_reg(uint8_t rm, uint8_t rs) { return a32_shift_reg(rm, A32_LSL, rs); }
static inline uint32_t a32_lsr_reg(uint8_t rm, uint8_t rs) { return a32_shift_reg(rm, A32_LSR, rs); }
static inline uint32_t a32_asr_reg(uint8_t rm, uint8_t rs) { return a32_shift_reg(rm, A32_ASR, rs); }

/* ---------------------------------------------------------------- data processing */

enum a32_dp_op {
	A32_OP_AND = 0, A32_OP_EOR, A32_OP_SUB, A32_OP_RSB, A32_OP_ADD, A32_OP_ADC,
	A32_OP_SBC, A32_OP_RSC, A32_OP_TST, A32_OP_TEQ, A32_OP_CMP, A32_OP_CMN,
	A32_OP_ORR, A32_OP_MOV, A32_OP_BIC, A32_OP_MVN,
};

/* cond 00 I opcode S rn rd operand2 */
static inline uint32_t a32_dp(enum a32_dp_op op, unsigned s, uint8_t rd, uint8_t rn,
			      uint32_t op2)
{
	return A32_ALWAYS | (uint32_t)op << 21 | (s & 1u) << 20 | (uint32_t)rn << 16 |
	       (uint32_t)rd << 12 | op2;
}

static inline uint32_t a32_and(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_AND, 0, rd, rn, op2); }
static inline uint32_t a32_eor(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_EOR, 0, rd, rn, op2); }
static inline uint32_t a32_sub(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_SUB, 0, rd, rn, op2); }
static inline uint32_t a32_rsb(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_RSB, 0, rd, rn, op2); }
static inline uint32_t a32_add(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_ADD, 0, rd, rn, op2); }
static inline uint32_t a32_adc(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_ADC, 0, rd, rn, op2); }
static inline uint32_t a32_sbc(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_SBC, 0, rd, rn, op2); }
static inline uint32_t a32_rsc(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_RSC, 0, rd, rn, op2); }
static inline uint32_t a32_orr(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_ORR, 0, rd, rn, op2); }
static inline uint32_t a32_bic(uint8_t rd, uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_BIC, 0, rd, rn, op2); }
static inline uint32_t a32_mov(uint8_t rd, uint32_t op2) { return a32_dp(A32_OP_MOV, 0, rd, 0, op2); }
static inline uint32_t a32_mvn(uint8_t rd, uint32_t op2) { return a32_dp(A32_OP_MVN, 0, rd, 0, op2); }
static inline uint32_t a32_tst(uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_TST, 1, 0, rn, op2); }
static inline uint32_t a32_cmp(uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_CMP, 1, 0, rn, op2); }
static inline uint32_t a32_cmn(uint8_t rn, uint32_t op2) { return a32_dp(A32_OP_CMN, 1, 0, rn, op2); }

/* movw rd, #imm16 (low half, upper cleared) / movt rd, #imm16 (upper half). */
static inline uint32_t a32_movw(uint8_t rd, uint16_t imm)
{
	return A32_ALWAYS | 0x03000000u | (uint32_t)(imm >> 12) << 16 | (uint32_t)rd << 12 |
	       (imm & 0xfffu);
}

static inline uint32_t a32_movt(uint8_t rd, uint16_t imm)
{
	return a32_movw(rd, imm) | 1u << 22;
}

/* ---------------------------------------------------------------- multiply, divide */

/* cond 0000 op rd ra rm 1001 rn */
static inline uint32_t a32_mul_form(uint32_t op, uint8_t rd, uint8_t ra, uint8_t rm, uint8_t rn)
{
	return A32_ALWAYS | op << 20 | (uint32_t)rd << 16 | (uint32_t)ra << 12 |
	       (uint32_t)rm << 8 | 0x90u | rn;
}

/* rd = rn * rm */
static inline uint32_t a32_mul(uint8_t rd, uint8_t rn, uint8_t rm) { return a32_mul_form(0x0, rd, 0, rm, rn); }
/* rd = rn * rm + ra */
static inline uint32_t a32_mla(uint8_t rd, uint8_t rn, uint8_t rm, uint8_t ra) { return a32_mul_form(0x2, rd, ra, rm, rn); }
/* rd = ra - rn * rm */
static inline uint32_t a32_mls(uint8_t rd, uint8_t rn, uint8_t rm, uint8_t ra) { return a32_mul_form(0x6, rd, ra, rm, rn); }
/* rdhi:rdlo = rn * rm, unsigned */
static inline uint32_t a32_umull(uint8_t rdlo, uint8_t rdhi, uint8_t rn, uint8_t rm) { return a32_mul_form(0x8, rdhi, rdlo, rm, rn); }

/* cond 0111 0 op 1 rd 1111 rm 0001 rn (the ARMv7 integer-divide extension) */
static inline uint32_t a32_sdiv(uint8_t rd, uint8_t rn, uint8_t rm)
{
	return A32_ALWAYS | 0x0710f010u | (uint32_t)rd << 16 | (uint32_t)rm << 8 | rn;
}

static inline uint32_t a32_udiv(uint8_t rd, uint8_t rn, uint8_t rm)
{
	return a32_sdiv(rd, rn, rm) | 1u << 21;
}

/* ---------------------------------------------------------------- bytes and extension */

/* cond 0110 1 op 1111 rd xxxx xxxx rm */
static inline uint32_t a32_media(uint32_t op, uint8_t rd, uint8_t rm)
{
	return A32_ALWAYS | op | (uint32_t)rd << 12 | rm;
}

static inline uint32_t a32_rev(uint8_t rd, uint8_t rm) { return a32_media(0x06bf0f30u, rd, rm); }
static inline uint32_t a32_rev16(uint8_t rd, uint8_t rm) { return a32_media(0x06bf0fb0u, rd, rm); }
static inline uint32_t a32_sxtb(uint8_t rd, uint8_t rm) { return a32_media(0x06af0070u, rd, rm); }
static inline uint32_t a32_sxth(uint8_t rd, uint8_t rm) { return a32_media(0x06bf0070u, rd, rm); }
static inline uint32_t a32_uxth(uint8_t rd, uint8_t rm) { return a32_media(0x06ff0070u, rd, rm); }

/* ---------------------------------------------------------------- loads and stores */

/* Offsets the two addressing forms reach: 12 bits (words, bytes), 8 bits (the rest). */
static inline int a32_off12_ok(int32_t off) { return off >= -4095 && off <= 4095; }
static inline int a32_off8_ok(int32_t off) { return off >= -255 && off <= 255; }

/* U bit (23) and magnitude of a signed offset. */
static inline uint32_t a32_up(int32_t off) { return off >= 0 ? 1u << 23 : 0; }
static inline uint32_t a32_mag(int32_t off) { return off >= 0 ? (uint32_t)off : 0u - (uint32_t)off; }

/* Word and byte: cond 01 I P U B W L rn rt offset; P = 1, W = 0: [rn, #off] / [rn, rm]. */
static inline uint32_t a32_ls_imm(uint32_t op, uint8_t rt, uint8_t rn, int32_t off)
{
	return A32_ALWAYS | op | a32_up(off) | (uint32_t)rn << 16 | (uint32_t)rt << 12 |
	       (a32_mag(off) & 0xfffu);
}

static inline uint32_t a32_ls_reg(uint32_t op, uint8_t rt, uint8_t rn, uint8_t rm)
{
	return A32_ALWAYS | op | 1u << 25 | 1u << 23 | (uint32_t)rn << 16 |
	       (uint32_t)rt << 12 | rm;
}

enum {
	A32_LS_STR = 0x05000000u, A32_LS_LDR = 0x05100000u,
	A32_LS_STRB = 0x05400000u, A32_LS_LDRB = 0x05500000u,
};

static inline uint32_t a32_ldr(uint8_t rt, uint8_t rn, int32_t off) { return a32_ls_imm(A32_LS_LDR, rt, rn, off); }
static inline uint32_t a32_str(uint8_t rt, uint8_t rn, int32_t off) { return a32_ls_imm(A32_LS_STR, rt, rn, off); }
static inline uint32_t a32_ldrb(uint8_t rt, uint8_t rn, int32_t off) { return a32_ls_imm(A32_LS_LDRB, rt, rn, off); }
static inline uint32_t a32_strb(uint8_t rt, uint8_t rn, int32_t off) { return a32_ls_imm(A32_LS_STRB, rt, rn, off); }
static inline uint32_t a32_ldr_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_ls_reg(A32_LS_LDR, rt, rn, rm); }
static inline uint32_t a32_str_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_ls_reg(A32_LS_STR, rt, rn, rm); }
static inline uint32_t a32_ldrb_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_ls_reg(A32_LS_LDRB, rt, rn, rm); }
static inline uint32_t a32_strb_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_ls_reg(A32_LS_STRB, rt, rn, rm); }

/*
 * Halfwords, signed bytes and doublewords ("extra" loads and stores):
 * cond 000 P U I W L rn rt imm4H 1 S H 1 imm4L, P = 1, W = 0.
 */
static inline uint32_t a32_lsx_imm(uint32_t op, uint8_t rt, uint8_t rn, int32_t off)
{
	uint32_t m = a32_mag(off) & 0xffu;
	return A32_ALWAYS | op | 1u << 24 | 1u << 22 | a32_up(off) | (uint32_t)rn << 16 |
	       (uint32_t)rt << 12 | (m >> 4) << 8 | (m & 0xfu);
}

static inline uint32_t a32_lsx_reg(uint32_t op, uint8_t rt, uint8_t rn, uint8_t rm)
{
	return A32_ALWAYS | op | 1u << 24 | 1u << 23 | (uint32_t)rn << 16 |
	       (uint32_t)rt << 12 | rm;
}

enum {
	A32_LSX_STRH = 0x000000b0u, A32_LSX_LDRH = 0x001000b0u,
	A32_LSX_LDRD = 0x000000d0u, A32_LSX_LDRSB = 0x001000d0u,
	A32_LSX_STRD = 0x000000f0u, A32_LSX_LDRSH = 0x001000f0u,
};

static inline uint32_t a32_ldrh(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_LDRH, rt, rn, off); }
static inline uint32_t a32_strh(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_STRH, rt, rn, off); }
static inline uint32_t a32_ldrsb(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_LDRSB, rt, rn, off); }
static inline uint32_t a32_ldrsh(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_LDRSH, rt, rn, off); }
/* ldrd/strd rt, rt+1, [rn, #off]: rt even, not lr; the address must be 8-byte aligned. */
static inline uint32_t a32_ldrd(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_LDRD, rt, rn, off); }
static inline uint32_t a32_strd(uint8_t rt, uint8_t rn, int32_t off) { return a32_lsx_imm(A32_LSX_STRD, rt, rn, off); }
static inline uint32_t a32_ldrh_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_lsx_reg(A32_LSX_LDRH, rt, rn, rm); }
static inline uint32_t a32_strh_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_lsx_reg(A32_LSX_STRH, rt, rn, rm); }
static inline uint32_t a32_ldrsb_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_lsx_reg(A32_LSX_LDRSB, rt, rn, rm); }
static inline uint32_t a32_ldrsh_reg(uint8_t rt, uint8_t rn, uint8_t rm) { return a32_lsx_reg(A32_LSX_LDRSH, rt, rn, rm); }

/* Exclusive accesses (aligned addresses only); the doubleword forms use rt, rt+1. */
static inline uint32_t a32_ldrex(uint8_t rt, uint8_t rn)
{
	return A32_ALWAYS | 0x01900f9fu | (uint32_t)rn << 16 | (uint32_t)rt << 12;
}

static inline uint32_t a32_ldrexd(uint8_t rt, uint8_t rn)
{
	return a32_ldrex(rt, rn) | 1u << 21;
}

/* strex rd, rt, [rn]: rd = 0 when the store happened. */
static inline uint32_t a32_strex(uint8_t rd, uint8_t rt, uint8_t rn)
{
	return A32_ALWAYS | 0x01800f90u | (uint32_t)rn << 16 | (uint32_t)rd << 12 | rt;
}

static inline uint32_t a32_strexd(uint8_t rd, uint8_t rt, uint8_t rn)
{
	return a32_strex(rd, rt, rn) | 1u << 21;
}

/* dmb ish: order all memory accesses of the inner shareable domain. */
static inline uint32_t a32_dmb_ish(void)
{
	return 0xf57ff05bu;
}

/* push {list} / pop {list}: stmdb sp! / ldmia sp! with a 16-bit register mask. */
static inline uint32_t a32_push(uint16_t mask) { return A32_ALWAYS | 0x092d0000u | mask; }
static inline uint32_t a32_pop(uint16_t mask) { return A32_ALWAYS | 0x08bd0000u | mask; }

/* ---------------------------------------------------------------- branches */

/*
 * b / bl: `words` is the distance in instructions from this instruction's
 * address + 8 (where the pc reads) to the target; 24 bits, signed.
 */
static inline int a32_branch_ok(int32_t words)
{
	return words >= -(1 << 23) && words < (1 << 23);
}

static inline uint32_t a32_b(int32_t words)
{
	return A32_ALWAYS | 0x0a000000u | ((uint32_t)words & 0xffffffu);
}

static inline uint32_t a32_bl(int32_t words)
{
	return a32_b(words) | 1u << 24;
}

static inline uint32_t a32_bx(uint8_t rm) { return A32_ALWAYS | 0x012fff10u | rm; }
static inline uint32_t a32_blx(uint8_t rm) { return A32_ALWAYS | 0x012fff30u | rm; }

#endif /* BPF32_ARM32_ENC_H */
