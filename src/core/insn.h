/*
 * eBPF instruction encoding (RFC 9669) and bpf32's decoded form.
 *
 * A raw slot is 8 bytes: opcode, registers (dst/src nibbles, in an order that
 * depends on the byte order), a signed 16-bit offset and a signed 32-bit
 * immediate. Everything inside bpf32 works on struct bpf_insn, the decoded
 * form, which is the same on every host.
 */
#ifndef BPF32_INSN_H
#define BPF32_INSN_H

#include <stdint.h>

struct bpf_insn {
	uint8_t code;
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
};

/* Instruction classes (code & 0x07). */
enum {
	BPF_LD = 0x00,
	BPF_LDX = 0x01,
	BPF_ST = 0x02,
	BPF_STX = 0x03,
	BPF_ALU = 0x04,
	BPF_JMP = 0x05,
	BPF_JMP32 = 0x06,
	BPF_ALU64 = 0x07,
};

/* Source operand (code & 0x08) for ALU and JMP classes. */
enum { BPF_K = 0x00, BPF_X = 0x08 };

/* ALU operations (code & 0xf0). */
enum {
	BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30,
	BPF_OR = 0x40,  BPF_AND = 0x50, BPF_LSH = 0x60, BPF_RSH = 0x70,
	BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0, BPF_MOV = 0xb0,
	BPF_ARSH = 0xc0, BPF_END = 0xd0,
};

/* END: source bit selects the target byte order (ALU class); ALU64 END is BSWAP. */
enum { BPF_TO_LE = 0x00, BPF_TO_BE = 0x08 };

/* Jump operations (code & 0xf0). */
enum {
	BPF_JA = 0x00,   BPF_JEQ = 0x10,  BPF_JGT = 0x20,  BPF_JGE = 0x30,
	BPF_JSET = 0x40, BPF_JNE = 0x50,  BPF_JSGT = 0x60, BPF_JSGE = 0x70,
	BPF_CALL = 0x80, BPF_EXIT = 0x90, BPF_JLT = 0xa0,  BPF_JLE = 0xb0,
	BPF_JSLT = 0xc0, BPF_JSLE = 0xd0,
};

/* Load/store size (code & 0x18) and mode (code & 0xe0). */
enum { BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10, BPF_DW = 0x18 };
enum {
	BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60,
	BPF_MEMSX = 0x80, BPF_ATOMIC = 0xc0,
};

/* Atomic operations (imm of an ATOMIC instruction). */
enum {
	BPF_FETCH = 0x01,
	BPF_XCHG = 0xe0 | BPF_FETCH,
	BPF_CMPXCHG = 0xf0 | BPF_FETCH,
};

/* src of CALL: helper by id, or a local (bpf-to-bpf) call. */
enum { BPF_PSEUDO_HELPER = 0, BPF_PSEUDO_CALL = 1 };
/* src of LDDW: a plain constant, or a map reference resolved at load time. */
enum { BPF_PSEUDO_IMM = 0, BPF_PSEUDO_MAP_FD = 1 };

#define BPF_CLASS(code) ((code) & 0x07)
#define BPF_SRC(code) ((code) & 0x08)
#define BPF_OP(code) ((code) & 0xf0)
#define BPF_SIZE(code) ((code) & 0x18)
#define BPF_MODE(code) ((code) & 0xe0)

#define BPF_REG_COUNT 11   /* R0..R10 */
#define BPF_REG_FP 10

static inline int bpf_is_lddw(const struct bpf_insn *i)
{
	return i->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static inline int bpf_is_alu(uint8_t code)
{
	return BPF_CLASS(code) == BPF_ALU || BPF_CLASS(code) == BPF_ALU64;
}

static inline int bpf_is_jmp(uint8_t code)
{
	return BPF_CLASS(code) == BPF_JMP || BPF_CLASS(code) == BPF_JMP32;
}

/* Bytes of a load/store of size field `size`. */
static inline unsigned bpf_size_bytes(uint8_t size)
{
	return size == BPF_B ? 1 : size == BPF_H ? 2 : size == BPF_W ? 4 : 8;
}

/* Decode one 8-byte slot stored in the given byte order (big != 0: bpfeb). */
static inline struct bpf_insn bpf_decode(const uint8_t *b, int big)
{
	struct bpf_insn i;
	i.code = b[0];
	if (big) {
		i.dst = b[1] >> 4;
		i.src = b[1] & 0x0f;
		i.off = (int16_t)(uint16_t)((b[2] << 8) | b[3]);
		i.imm = (int32_t)((uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
				  (uint32_t)b[6] << 8 | b[7]);
	} else {
		i.dst = b[1] & 0x0f;
		i.src = b[1] >> 4;
		i.off = (int16_t)(uint16_t)(b[2] | (b[3] << 8));
		i.imm = (int32_t)((uint32_t)b[7] << 24 | (uint32_t)b[6] << 16 |
				  (uint32_t)b[5] << 8 | b[4]);
	}
	return i;
}

/* Encode one slot in the given byte order. */
static inline void bpf_encode(const struct bpf_insn *i, uint8_t *b, int big)
{
	uint16_t off = (uint16_t)i->off;
	uint32_t imm = (uint32_t)i->imm;
	b[0] = i->code;
	if (big) {
		b[1] = (uint8_t)(i->dst << 4 | (i->src & 0x0f));
		b[2] = (uint8_t)(off >> 8);
		b[3] = (uint8_t)off;
		b[4] = (uint8_t)(imm >> 24);
		b[5] = (uint8_t)(imm >> 16);
		b[6] = (uint8_t)(imm >> 8);
		b[7] = (uint8_t)imm;
	} else {
		b[1] = (uint8_t)((i->src << 4) | (i->dst & 0x0f));
		b[2] = (uint8_t)off;
		b[3] = (uint8_t)(off >> 8);
		b[4] = (uint8_t)imm;
		b[5] = (uint8_t)(imm >> 8);
		b[6] = (uint8_t)(imm >> 16);
		b[7] = (uint8_t)(imm >> 24);
	}
}

/* 1 when this build's host is big-endian. */
static inline int bpf_host_big_endian(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return 1;
#else
	return 0;
#endif
}

#endif /* BPF32_INSN_H */
