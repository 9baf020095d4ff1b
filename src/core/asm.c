/*
 * Assembler for the text syntax of the bpf_conformance suite (see text.h).
 *
 * One pass over the lines turns each instruction into slots, recording label
 * definitions and the jumps that name a label; a second step sorts the labels
 * and patches those jumps. The work is linear in the text plus a sort of the
 * labels, nothing recurses, and every token is a (pointer, length) view into
 * the caller's text, so no line or name has a length limit.
 *
 * The mnemonic table below is also what the disassembler prints from.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "text.h"

/* ---------------------------------------------------------------- mnemonics */

#define REG_OR_IMM { OPD_DST, OPD_SRC_OR_IMM }
#define ALU_PAIR(name, op, off)                                   \
	{ name, BPF_ALU64 | (op), 0, off, 0, REG_OR_IMM },        \
	{ name "32", BPF_ALU | (op), 0, off, 0, REG_OR_IMM }
#define JMP_PAIR(name, op)                                                        \
	{ name, BPF_JMP | (op), 0, 0, 0, { OPD_DST, OPD_SRC_OR_IMM, OPD_JUMP_OFF } }, \
	{ name "32", BPF_JMP32 | (op), 0, 0, 0, { OPD_DST, OPD_SRC_OR_IMM, OPD_JUMP_OFF } }
#define UNARY(name, code, imm) { name, code, 0, 0, imm, { OPD_DST } }
#define MOVSX(name, cls, bits) { name, (cls) | BPF_MOV | BPF_X, 0, bits, 0, { OPD_DST, OPD_SRC } }
#define LDX(name, mode, size) { name, BPF_LDX | (mode) | (size), 0, 0, 0, { OPD_DST, OPD_MEM_SRC } }
#define ST(name, size) { name, BPF_ST | BPF_MEM | (size), 0, 0, 0, { OPD_MEM_DST, OPD_IMM } }
#define STX(name, size) { name, BPF_STX | BPF_MEM | (size), 0, 0, 0, { OPD_MEM_DST, OPD_SRC } }
#define ATOMIC_PAIR(name, op)                                                             \
	{ "lock " name, BPF_STX | BPF_ATOMIC | BPF_DW, 0, 0, op, { OPD_MEM_DST, OPD_SRC } }, \
	{ "lock " name "32", BPF_STX | BPF_ATOMIC | BPF_W, 0, 0, op, { OPD_MEM_DST, OPD_SRC } }

const struct bpf_mnemonic bpf_mnemonics[] = {
	ALU_PAIR("add", BPF_ADD, 0),
	ALU_PAIR("sub", BPF_SUB, 0),
	ALU_PAIR("mul", BPF_MUL, 0),
	ALU_PAIR("div", BPF_DIV, 0),
	ALU_PAIR("sdiv", BPF_DIV, 1),
	ALU_PAIR("or", BPF_OR, 0),
	ALU_PAIR("and", BPF_AND, 0),
	ALU_PAIR("lsh", BPF_LSH, 0),
	ALU_PAIR("rsh", BPF_RSH, 0),
	ALU_PAIR("mod", BPF_MOD, 0),
	ALU_PAIR("smod", BPF_MOD, 1),
	ALU_PAIR("xor", BPF_XOR, 0),
	ALU_PAIR("mov", BPF_MOV, 0),
	ALU_PAIR("arsh", BPF_ARSH, 0),
	/* MOVSX: mov with the source's width in off; the suffix is the class. */
	MOVSX("movsx864", BPF_ALU64, 8),
	MOVSX("movsx1664", BPF_ALU64, 16),
	MOVSX("movsx3264", BPF_ALU64, 32),
	MOVSX("movsx832", BPF_ALU, 8),
	MOVSX("movsx1632", BPF_ALU, 16),
	UNARY("neg", BPF_ALU64 | BPF_NEG, 0),
	UNARY("neg32", BPF_ALU | BPF_NEG, 0),
	UNARY("le16", BPF_ALU | BPF_END | BPF_TO_LE, 16),
	UNARY("le32", BPF_ALU | BPF_END | BPF_TO_LE, 32),
	UNARY("le64", BPF_ALU | BPF_END | BPF_TO_LE, 64),
	UNARY("be16", BPF_ALU | BPF_END | BPF_TO_BE, 16),
	UNARY("be32", BPF_ALU | BPF_END | BPF_TO_BE, 32),
	UNARY("be64", BPF_ALU | BPF_END | BPF_TO_BE, 64),
	UNARY("bswap16", BPF_ALU64 | BPF_END, 16),
	UNARY("bswap32", BPF_ALU64 | BPF_END, 32),
	UNARY("bswap64", BPF_ALU64 | BPF_END, 64),
	UNARY("swap16", BPF_ALU64 | BPF_END, 16),
	UNARY("swap32", BPF_ALU64 | BPF_END, 32),
	UNARY("swap64", BPF_ALU64 | BPF_END, 64),

	JMP_PAIR("jeq", BPF_JEQ),
	JMP_PAIR("jgt", BPF_JGT),
	JMP_PAIR("jge", BPF_JGE),
	JMP_PAIR("jset", BPF_JSET),
	JMP_PAIR("jne", BPF_JNE),
	JMP_PAIR("jsgt", BPF_JSGT),
	JMP_PAIR("jsge", BPF_JSGE),
	JMP_PAIR("jlt", BPF_JLT),
	JMP_PAIR("jle", BPF_JLE),
	JMP_PAIR("jslt", BPF_JSLT),
	JMP_PAIR("jsle", BPF_JSLE),
	{ "ja", BPF_JMP | BPF_JA, 0, 0, 0, { OPD_JUMP_OFF } },
	{ "ja32", BPF_JMP32 | BPF_JA, 0, 0, 0, { OPD_JUMP_IMM } },
	/* call N (helper), call %rX (callx: 0x8d, register in dst), call local L */
	{ "call", BPF_JMP | BPF_CALL, BPF_PSEUDO_HELPER, 0, 0, { OPD_DST_OR_IMM } },
	{ "call helper", BPF_JMP | BPF_CALL, BPF_PSEUDO_HELPER, 0, 0, { OPD_DST_OR_IMM } },
	{ "call local", BPF_JMP | BPF_CALL, BPF_PSEUDO_CALL, 0, 0, { OPD_JUMP_IMM } },
	{ "exit", BPF_JMP | BPF_EXIT, 0, 0, 0, { OPD_NONE } },

	{ "lddw", BPF_LD | BPF_IMM | BPF_DW, BPF_PSEUDO_IMM, 0, 0, { OPD_DST, OPD_IMM64 } },
	LDX("ldxb", BPF_MEM, BPF_B),
	LDX("ldxh", BPF_MEM, BPF_H),
	LDX("ldxw", BPF_MEM, BPF_W),
	LDX("ldxdw", BPF_MEM, BPF_DW),
	LDX("ldxsb", BPF_MEMSX, BPF_B),
	LDX("ldxsh", BPF_MEMSX, BPF_H),
	LDX("ldxsw", BPF_MEMSX, BPF_W),
	ST("stb", BPF_B),
	ST("sth", BPF_H),
	ST("stw", BPF_W),
	ST("stdw", BPF_DW),
	STX("stxb", BPF_B),
	STX("stxh", BPF_H),
	STX("stxw", BPF_W),
	STX("stxdw", BPF_DW),
	ATOMIC_PAIR("add", BPF_ADD),
	ATOMIC_PAIR("fetch add", BPF_ADD | BPF_FETCH),
	ATOMIC_PAIR("or", BPF_OR),
	ATOMIC_PAIR("fetch or", BPF_OR | BPF_FETCH),
	ATOMIC_PAIR("and", BPF_AND),
	ATOMIC_PAIR("fetch and", BPF_AND | BPF_FETCH),
	ATOMIC_PAIR("xor", BPF_XOR),
	ATOMIC_PAIR("fetch xor", BPF_XOR | BPF_FETCH),
	ATOMIC_PAIR("xchg", BPF_XCHG),
	ATOMIC_PAIR("cmpxchg", BPF_CMPXCHG),

	/* Legacy packet loads: R0 = packet[imm] / packet[src + imm]. */
	{ "ldabsb", BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, { OPD_IMM } },
	{ "ldabsh", BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, { OPD_IMM } },
	{ "ldabsw", BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, { OPD_IMM } },
	{ "ldindb", BPF_LD | BPF_IND | BPF_B, 0, 0, 0, { OPD_SRC, OPD_IMM } },
	{ "ldindh", BPF_LD | BPF_IND | BPF_H, 0, 0, 0, { OPD_SRC, OPD_IMM } },
	{ "ldindw", BPF_LD | BPF_IND | BPF_W, 0, 0, 0, { OPD_SRC, OPD_IMM } },

	/* Any slot at all; last, so that the disassembler falls back to it. */
	{ ".invalid", 0, 0, 0, 0, { OPD_SLOT } },
};

const size_t bpf_mnemonic_count = sizeof bpf_mnemonics / sizeof bpf_mnemonics[0];

/* ---------------------------------------------------------------- state */

/* A view of part of the text. */
struct tok {
	const char *s;
	size_t len;
};

/* Longest echo of the input in an error message. */
#define ECHO_MAX 48
#define ECHO(t) (int)((t).len < ECHO_MAX ? (t).len : ECHO_MAX), (t).s

struct label {
	struct tok name;
	uint32_t pc;
	size_t line;
};

/* A jump or local call naming a label, patched once all labels are known. */
struct fixup {
	struct tok name;
	uint32_t pc;
	size_t line;
	int in_imm;   /* target goes to imm (ja32, call local), else to off */
};

struct asm_state {
	struct bpf_insn *insns;
	uint32_t n;
	size_t cap;
	struct label *labels;
	size_t nlabels, cap_labels;
	struct fixup *fixups;
	size_t nfixups, cap_fixups;
	int have_exit;        /* first_exit is set */
	uint32_t first_exit;  /* slot of the first exit: the implicit label `exit` */
	size_t line;
	struct bpf32_error *err;
};

/* Fail with "line L: <message>"; `insn` is the instruction index or -1. */
__attribute__((format(printf, 4, 5)))
static int asm_fail(struct asm_state *st, int code, int32_t insn, const char *fmt, ...)
{
	char msg[BPF32_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return bpf32_fail(st->err, code, insn, "line %zu: %s", st->line, msg);
}

/* The index the instruction being assembled gets. */
static int32_t cur_insn(const struct asm_state *st)
{
	return (int32_t)st->n;
}

/*
 * Room for `need` elements of `size` bytes in `arr` (capacity *cap): the
 * array, possibly moved, or NULL with `arr` untouched when memory runs out.
 */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return NULL;
		ncap *= 2;
	}
	void *p = realloc(arr, ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

static int tok_eq(struct tok t, const char *s)
{
	return strlen(s) == t.len && memcmp(t.s, s, t.len) == 0;
}

static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static int is_ident(struct tok t)
{
	if (t.len == 0 || !is_ident_start(t.s[0]))
		return 0;
	for (size_t i = 1; i < t.len; i++)
		if (!is_ident_start(t.s[i]) && !(t.s[i] >= '0' && t.s[i] <= '9'))
			return 0;
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* ---------------------------------------------------------------- numbers */

enum num_kind { NUM_IMM, NUM_OFF, NUM_JUMP };

static const char *const num_what[] = {
	[NUM_IMM] = "immediate", [NUM_OFF] = "offset", [NUM_JUMP] = "jump offset",
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse [+-] (0x<hex> | <decimal>) as a `bits`-wide value (16, 32 or 64),
 * returned as its two's-complement bit pattern. Negative values go down to
 * -2^(bits-1); hex reaches 2^bits - 1 (a bit pattern, as in 0xffffffff),
 * decimal 2^(bits-1) - 1, except that 64-bit decimal may also be unsigned.
 */
static int parse_num(struct asm_state *st, struct tok t, unsigned bits, enum num_kind kind,
		     uint64_t *out)
{
	size_t i = 0;
	int neg = 0, hex = 0, range = 0;
	if (i < t.len && (t.s[i] == '+' || t.s[i] == '-'))
		neg = t.s[i++] == '-';
	while (i < t.len && is_space(t.s[i]))
		i++;
	if (i + 1 < t.len && t.s[i] == '0' && (t.s[i + 1] == 'x' || t.s[i + 1] == 'X')) {
		hex = 1;
		i += 2;
	}
	unsigned base = hex ? 16 : 10;
	uint64_t mag = 0;
	size_t digits = 0;
	for (; i < t.len; i++, digits++) {
		int d = hex_digit(t.s[i]);
		if (d < 0 || (unsigned)d >= base)
			return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid %s: %.*s",
					num_what[kind], ECHO(t));
		if (mag > (UINT64_MAX - (unsigned)d) / base)
			range = 1;
		else
			mag = mag * base + (unsigned)d;
	}
	if (digits == 0)
		return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid %s: %.*s",
				num_what[kind], ECHO(t));
	uint64_t half = (uint64_t)1 << (bits - 1);
	uint64_t max = neg ? half : (hex || bits == 64) ? half - 1 + half : half - 1;
	if (range || mag > max)
		return asm_fail(st, BPF32_EINVAL, cur_insn(st), "%s out of %u-bit range: %.*s",
				num_what[kind], bits, ECHO(t));
	*out = neg ? (uint64_t)0 - mag : mag;
	return 0;
}

static int parse_imm32(struct asm_state *st, struct tok t, enum num_kind kind, int32_t *out)
{
	uint64_t v;
	int rc = parse_num(st, t, 32, kind, &v);
	if (rc == 0)
		*out = (int32_t)(uint32_t)v;
	return rc;
}

/* ---------------------------------------------------------------- operands */

static int is_reg(struct tok t)
{
	return t.len > 0 && t.s[0] == '%';
}

/* Exactly %r0 .. %r10. */
static int parse_reg(struct asm_state *st, struct tok t, uint8_t *out)
{
	if (t.len >= 3 && t.len <= 4 && t.s[0] == '%' && t.s[1] == 'r') {
		unsigned v = 0;
		size_t i = 2;
		for (; i < t.len && t.s[i] >= '0' && t.s[i] <= '9'; i++)
			v = v * 10 + (unsigned)(t.s[i] - '0');
		if (i == t.len && v < BPF_REG_COUNT && !(t.len == 4 && t.s[2] == '0')) {
			*out = (uint8_t)v;
			return 0;
		}
	}
	return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid register: %.*s", ECHO(t));
}

/* [%rN], [%rN+off], [%rN-off]; spaces allowed inside the brackets. */
static int parse_mem(struct asm_state *st, struct tok t, uint8_t *reg, int16_t *off)
{
	if (t.len < 2 || t.s[0] != '[' || t.s[t.len - 1] != ']')
		return asm_fail(st, BPF32_EINVAL, cur_insn(st),
				"failed to decode register and offset: %.*s", ECHO(t));
	struct tok in = { t.s + 1, t.len - 2 };
	while (in.len && is_space(in.s[0]))
		in.s++, in.len--;
	while (in.len && is_space(in.s[in.len - 1]))
		in.len--;
	struct tok r = { in.s, 0 };
	while (r.len < in.len && !is_space(in.s[r.len]) && in.s[r.len] != '+' && in.s[r.len] != '-')
		r.len++;
	if (r.len == 0)
		return asm_fail(st, BPF32_EINVAL, cur_insn(st),
				"failed to decode register and offset: %.*s", ECHO(t));
	int rc = parse_reg(st, r, reg);
	if (rc)
		return rc;
	struct tok o = { in.s + r.len, in.len - r.len };
	while (o.len && is_space(o.s[0]))
		o.s++, o.len--;
	*off = 0;
	if (o.len == 0)
		return 0;
	if (o.s[0] != '+' && o.s[0] != '-')
		return asm_fail(st, BPF32_EINVAL, cur_insn(st),
				"failed to decode register and offset: %.*s", ECHO(t));
	uint64_t v;
	rc = parse_num(st, o, 16, NUM_OFF, &v);
	if (rc == 0)
		*off = (int16_t)(uint16_t)v;
	return rc;
}

/*
 * A jump target: +N / -N slots from the next instruction, or a label whose
 * distance is filled in later.
 */
static int parse_target(struct asm_state *st, struct tok t, int in_imm, struct bpf_insn *ins)
{
	if (t.s[0] == '+' || t.s[0] == '-') {
		uint64_t v;
		int rc = parse_num(st, t, in_imm ? 32 : 16, NUM_JUMP, &v);
		if (rc)
			return rc;
		if (in_imm)
			ins->imm = (int32_t)(uint32_t)v;
		else
			ins->off = (int16_t)(uint16_t)v;
		return 0;
	}
	if (!is_ident(t))
		return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid label: %.*s", ECHO(t));
	struct fixup *f = grow(st->fixups, &st->cap_fixups, st->nfixups + 1, sizeof *f);
	if (!f)
		return asm_fail(st, BPF32_ENOMEM, -1, "out of memory");
	st->fixups = f;
	st->fixups[st->nfixups++] = (struct fixup){ t, st->n, st->line, in_imm };
	return 0;
}

/* 0x followed by exactly 16 hex digits: the slot's bytes in memory order. */
static int parse_slot(struct asm_state *st, struct tok t, struct bpf_insn *ins)
{
	uint8_t b[8];
	if (t.len != 18 || t.s[0] != '0' || (t.s[1] != 'x' && t.s[1] != 'X'))
		goto bad;
	for (unsigned i = 0; i < 8; i++) {
		int hi = hex_digit(t.s[2 + 2 * i]), lo = hex_digit(t.s[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			goto bad;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*ins = bpf_decode(b, 0);
	return 0;
bad:
	return asm_fail(st, BPF32_EINVAL, cur_insn(st),
			"invalid slot: %.*s (expected 0x and 16 hex digits)", ECHO(t));
}

/* Parse one operand of kind `kind` into the instruction's fields. */
static int parse_operand(struct asm_state *st, uint8_t kind, struct tok t, struct bpf_insn ins[2])
{
	uint64_t v;
	int rc;
	switch (kind) {
	case OPD_DST:
		return parse_reg(st, t, &ins[0].dst);
	case OPD_SRC:
		return parse_reg(st, t, &ins[0].src);
	case OPD_SRC_OR_IMM:
	case OPD_DST_OR_IMM:
		if (is_reg(t)) {
			ins[0].code |= BPF_X;
			return parse_reg(st, t, kind == OPD_SRC_OR_IMM ? &ins[0].src : &ins[0].dst);
		}
		return parse_imm32(st, t, NUM_IMM, &ins[0].imm);
	case OPD_IMM:
		return parse_imm32(st, t, NUM_IMM, &ins[0].imm);
	case OPD_IMM64:
		rc = parse_num(st, t, 64, NUM_IMM, &v);
		if (rc == 0) {
			ins[0].imm = (int32_t)(uint32_t)v;
			ins[1].imm = (int32_t)(uint32_t)(v >> 32);
		}
		return rc;
	case OPD_MEM_SRC:
		return parse_mem(st, t, &ins[0].src, &ins[0].off);
	case OPD_MEM_DST:
		return parse_mem(st, t, &ins[0].dst, &ins[0].off);
	case OPD_JUMP_OFF:
		return parse_target(st, t, 0, &ins[0]);
	case OPD_JUMP_IMM:
		return parse_target(st, t, 1, &ins[0]);
	case OPD_SLOT:
		return parse_slot(st, t, &ins[0]);
	}
	return asm_fail(st, BPF32_EINVAL, cur_insn(st), "internal: operand kind %u", kind);
}

/* ---------------------------------------------------------------- lines */

/* Tokens kept per line: the longest mnemonic (3 words) plus 3 operands. */
#define MAX_TOKENS 6

/* Words of `name` (space-separated) that t[0..] spells, or 0 if not all. */
static size_t match_words(const char *name, const struct tok *t, size_t ntok)
{
	size_t words = 0;
	for (const char *w = name; *w; words++) {
		if (words >= ntok)
			return 0;
		/* Token characters are never ' ' or NUL, so a mismatch stops early. */
		struct tok cur = t[words];
		for (size_t i = 0; i < cur.len; i++, w++)
			if (*w != cur.s[i])
				return 0;
		if (*w == ' ')
			w++;
		else if (*w)
			return 0;
	}
	return words;
}

static size_t operand_count(const struct bpf_mnemonic *m)
{
	size_t k = 0;
	while (k < BPF_MNEMONIC_OPERANDS && m->operands[k] != OPD_NONE)
		k++;
	return k;
}

/* The mnemonic spelled by the most leading tokens, or NULL. */
static const struct bpf_mnemonic *find_mnemonic(const struct tok *t, size_t ntok, size_t *words)
{
	const struct bpf_mnemonic *best = NULL;
	*words = 0;
	for (size_t i = 0; i < bpf_mnemonic_count; i++) {
		size_t w = match_words(bpf_mnemonics[i].name, t, ntok);
		if (w > *words) {
			best = &bpf_mnemonics[i];
			*words = w;
		}
	}
	return best;
}

/* 1 when `t` is the first word of a multi-word mnemonic ("lock"). */
static int is_prefix_word(struct tok t)
{
	for (size_t i = 0; i < bpf_mnemonic_count; i++) {
		const char *name = bpf_mnemonics[i].name;
		if (strncmp(name, t.s, t.len) == 0 && name[t.len] == ' ')
			return 1;
	}
	return 0;
}

static int define_label(struct asm_state *st, struct tok name)
{
	if (!is_ident(name))
		return asm_fail(st, BPF32_EINVAL, -1, "invalid label name: %.*s", ECHO(name));
	struct label *l = grow(st->labels, &st->cap_labels, st->nlabels + 1, sizeof *l);
	if (!l)
		return asm_fail(st, BPF32_ENOMEM, -1, "out of memory");
	st->labels = l;
	st->labels[st->nlabels++] = (struct label){ name, st->n, st->line };
	return 0;
}

static int append(struct asm_state *st, const struct bpf_insn *ins, unsigned slots)
{
	if (st->n > BPF32_MAX_INSNS - slots)
		return asm_fail(st, BPF32_E2BIG, cur_insn(st), "program longer than %u slots",
				(unsigned)BPF32_MAX_INSNS);
	struct bpf_insn *p = grow(st->insns, &st->cap, (size_t)st->n + slots, sizeof *p);
	if (!p)
		return asm_fail(st, BPF32_ENOMEM, -1, "out of memory");
	st->insns = p;
	if (ins[0].code == (BPF_JMP | BPF_EXIT) && !st->have_exit) {
		st->have_exit = 1;
		st->first_exit = st->n;
	}
	for (unsigned k = 0; k < slots; k++)
		st->insns[st->n++] = ins[k];
	return 0;
}

/* Assemble the line [s, end). */
static int asm_line(struct asm_state *st, const char *s, const char *end)
{
	const char *hash = memchr(s, '#', (size_t)(end - s));
	if (hash)
		end = hash;

	/*
	 * Tokens are separated by spaces and commas; a [...] memory operand is
	 * one token even with spaces inside. Leading `name:` tokens are labels.
	 */
	struct tok t[MAX_TOKENS];
	size_t ntok = 0;
	const char *p = s;
	for (;;) {
		while (p < end && (is_space(*p) || *p == ','))
			p++;
		if (p == end)
			break;
		const char *b = p;
		if (*p == '[') {
			while (p < end && *p != ']')
				p++;
			if (p < end)
				p++;
		} else {
			while (p < end && !is_space(*p) && *p != ',')
				p++;
		}
		struct tok cur = { b, (size_t)(p - b) };
		if (ntok == 0 && cur.len > 1 && cur.s[cur.len - 1] == ':') {
			int rc = define_label(st, (struct tok){ cur.s, cur.len - 1 });
			if (rc)
				return rc;
			continue;
		}
		if (ntok < MAX_TOKENS)
			t[ntok] = cur;
		ntok++;
	}
	if (ntok == 0)
		return 0;
	size_t kept = ntok < MAX_TOKENS ? ntok : MAX_TOKENS;

	size_t words;
	const struct bpf_mnemonic *m = find_mnemonic(t, kept, &words);
	if (!m) {
		if (!is_prefix_word(t[0]))
			return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid mnemonic: %.*s",
					ECHO(t[0]));
		if (ntok == 1)
			return asm_fail(st, BPF32_EINVAL, cur_insn(st),
					"invalid number of operands for %.*s", ECHO(t[0]));
		return asm_fail(st, BPF32_EINVAL, cur_insn(st), "invalid mnemonic: %.*s %.*s",
				ECHO(t[0]), ECHO(t[1]));
	}
	size_t want = operand_count(m);
	if (ntok - words != want)
		return asm_fail(st, BPF32_EINVAL, cur_insn(st),
				"invalid number of operands for %s: expected %zu, got %zu", m->name,
				want, ntok - words);

	struct bpf_insn ins[2];
	bpf_mnemonic_base(m, ins);
	for (size_t k = 0; k < want; k++) {
		int rc = parse_operand(st, m->operands[k], t[words + k], ins);
		if (rc)
			return rc;
	}
	return append(st, ins, bpf_mnemonic_slots(m));
}

/* ---------------------------------------------------------------- labels */

static int tok_cmp(struct tok a, struct tok b)
{
	int c = memcmp(a.s, b.s, a.len < b.len ? a.len : b.len);
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* By name, then by line, so the first definition of a name comes first. */
static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	int c = tok_cmp(x->name, y->name);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static const struct label *find_label(const struct asm_state *st, struct tok name)
{
	size_t lo = 0, hi = st->nlabels;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = tok_cmp(st->labels[mid].name, name);
		if (c == 0)
			return &st->labels[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int resolve(struct asm_state *st)
{
	if (st->nlabels > 1)
		qsort(st->labels, st->nlabels, sizeof *st->labels, label_cmp);
	for (size_t i = 1; i < st->nlabels; i++) {
		const struct label *a = &st->labels[i - 1], *b = &st->labels[i];
		if (tok_cmp(a->name, b->name) == 0) {
			st->line = b->line;
			return asm_fail(st, BPF32_EINVAL, -1,
					"duplicate label: %.*s (first defined on line %zu)",
					ECHO(b->name), a->line);
		}
	}
	for (size_t i = 0; i < st->nfixups; i++) {
		const struct fixup *f = &st->fixups[i];
		const struct label *l = find_label(st, f->name);
		st->line = f->line;
		int64_t target;
		if (l)
			target = l->pc;
		else if (st->have_exit && tok_eq(f->name, "exit"))
			target = st->first_exit;
		else
			return asm_fail(st, BPF32_EINVAL, (int32_t)f->pc, "invalid label: %.*s",
					ECHO(f->name));
		int64_t delta = target - ((int64_t)f->pc + 1);
		struct bpf_insn *ins = &st->insns[f->pc];
		if (f->in_imm) {
			ins->imm = (int32_t)delta;
		} else if (delta < INT16_MIN || delta > INT16_MAX) {
			return asm_fail(st, BPF32_EINVAL, (int32_t)f->pc,
					"jump offset out of 16-bit range: %.*s is %lld slots away",
					ECHO(f->name), (long long)delta);
		} else {
			ins->off = (int16_t)delta;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- API */

int bpf32_asm_insns(const char *text, struct bpf_insn **insns, uint32_t *n,
		    struct bpf32_error *err)
{
	if (!text || !insns || !n)
		return bpf32_fail(err, BPF32_EINVAL, -1, "bpf32_asm: NULL argument");
	struct asm_state st = { .err = err };
	int rc = 0;
	for (const char *p = text; *p && rc == 0;) {
		const char *line = p;
		while (*p && *p != '\n')
			p++;
		st.line++;
		rc = asm_line(&st, line, p);
		if (*p)
			p++;
	}
	if (rc == 0)
		rc = resolve(&st);
	if (rc == 0 && !st.insns && !(st.insns = malloc(sizeof *st.insns)))
		rc = bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	free(st.labels);
	free(st.fixups);
	if (rc) {
		free(st.insns);
		return rc;
	}
	*insns = st.insns;
	*n = st.n;
	return 0;
}

int bpf32_asm(const char *text, uint8_t **out, size_t *len, struct bpf32_error *err)
{
	if (!out || !len)
		return bpf32_fail(err, BPF32_EINVAL, -1, "bpf32_asm: NULL argument");
	struct bpf_insn *insns;
	uint32_t n;
	int rc = bpf32_asm_insns(text, &insns, &n, err);
	if (rc)
		return rc;
	uint8_t *bytes = malloc(n ? (size_t)n * 8 : 1);
	if (!bytes) {
		free(insns);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	for (uint32_t i = 0; i < n; i++)
		bpf_encode(&insns[i], bytes + (size_t)i * 8, 0);
	free(insns);
	*out = bytes;
	*len = (size_t)n * 8;
	return 0;
}
