/*
 * The text syntax of eBPF programs (the assembly of the bpf_conformance
 * suite): assembler and disassembler.
 *
 * Syntax, one instruction per line:
 *
 *     # comment                       everything from '#' to the end of the line
 *     name:                           label (may also precede an instruction)
 *     mov %r0, 1                      no suffix: ALU64 / JMP; `32` suffix: ALU / JMP32
 *     jne %r0, 15, failed             jump to a label, or by `+N`/`-N` slots
 *                                     counted from the next instruction
 *     ldxw %r0, [%r1+4]  stxdw [%r10-8], %r1  stw [%r10-4], 7
 *     lock fetch add32 [%r10-4], %r1
 *     call 5 / call %r2 / call local func
 *     lddw %r0, 0x1122334455667788    two slots
 *     .invalid 0x0701010005000000     any slot, as its 8 bytes in little-endian
 *                                     memory order (what the disassembler prints
 *                                     for a slot that has no mnemonic)
 *
 * Immediates are decimal (-2^31 .. 2^31-1) or hex (-0x80000000 .. 0xffffffff,
 * a bit pattern); offsets likewise in 16 bits; lddw takes any 64-bit value.
 * A jump to `exit` with no label of that name goes to the first exit.
 *
 * Disassembly prints the same syntax with numeric jump offsets, so that
 * assembling the disassembly of any byte string gives the same bytes back.
 */
#ifndef BPF32_TEXT_H
#define BPF32_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "bpf32.h"
#include "insn.h"

/* Longest line bpf32_disasm_insn() writes, with its terminating NUL. */
#define BPF32_DISASM_LINE_MAX 64

/*
 * Assemble `text` into decoded instructions. On success *insns is a
 * malloc'd array of *n slots (an LDDW takes two). On failure err says
 * "line L: reason" and names the instruction index where one applies.
 */
int bpf32_asm_insns(const char *text, struct bpf_insn **insns, uint32_t *n,
		    struct bpf32_error *err);

/*
 * Format the instruction at slot `pc` (no newline). Returns the number of
 * slots it used (2 for a well-formed LDDW, else 1), or -1 when pc >= n or
 * the text did not fit in `size` bytes (BPF32_DISASM_LINE_MAX always fits).
 */
int bpf32_disasm_insn(const struct bpf_insn *insns, uint32_t n, uint32_t pc,
		      char *buf, size_t size);

/* ------------------------------------------------ shared by asm.c and disasm.c */

/* What one operand of a mnemonic is written as, and which fields it sets. */
enum bpf_operand {
	OPD_NONE = 0,
	OPD_DST,         /* %rD */
	OPD_SRC,         /* %rS */
	OPD_SRC_OR_IMM,  /* %rS (and the BPF_X bit) or a 32-bit imm */
	OPD_DST_OR_IMM,  /* %rD (and the BPF_X bit) or a 32-bit imm: call / callx */
	OPD_IMM,         /* 32-bit imm */
	OPD_IMM64,       /* 64-bit constant: imm of an LDDW and of its second slot */
	OPD_MEM_SRC,     /* [%rS+off] */
	OPD_MEM_DST,     /* [%rD+off] */
	OPD_JUMP_OFF,    /* label or +N/-N, in off */
	OPD_JUMP_IMM,    /* label or +N/-N, in imm (ja32, call local) */
	OPD_SLOT,        /* a whole slot as 0x + 16 hex digits, memory order, LE */
};

#define BPF_MNEMONIC_OPERANDS 3

/*
 * One mnemonic. An instruction is its code plus the fixed src/off/imm below,
 * with the fields its operands name filled in; every other field is zero.
 * Several entries may share a name's text (aliases); the disassembler prints
 * the first entry that reproduces a slot exactly.
 */
struct bpf_mnemonic {
	const char *name;     /* words separated by one space: "lock fetch add" */
	uint8_t code;         /* for *_OR_IMM operands: the immediate (BPF_K) form */
	uint8_t src;
	int16_t off;
	int32_t imm;
	uint8_t operands[BPF_MNEMONIC_OPERANDS];  /* enum bpf_operand, OPD_NONE ends */
};

extern const struct bpf_mnemonic bpf_mnemonics[];
extern const size_t bpf_mnemonic_count;

/* Slots of an instruction of this mnemonic (2 for LDDW). */
static inline unsigned bpf_mnemonic_slots(const struct bpf_mnemonic *m)
{
	for (unsigned k = 0; k < BPF_MNEMONIC_OPERANDS; k++)
		if (m->operands[k] == OPD_IMM64)
			return 2;
	return 1;
}

/* The instruction with every operand-given field still zero. */
static inline void bpf_mnemonic_base(const struct bpf_mnemonic *m, struct bpf_insn ins[2])
{
	ins[0] = (struct bpf_insn){ .code = m->code, .src = m->src, .off = m->off, .imm = m->imm };
	ins[1] = (struct bpf_insn){ 0 };
}

#endif /* BPF32_TEXT_H */
