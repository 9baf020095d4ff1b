/*
 * Edge-value sweeps, JIT against the interpreter, for every ALU32, ALU64,
 * JMP, JMP32, memory and atomic operation, immediate and register forms.
 *
 * Each program is a run of blocks. A block sets every register R0-R9 (but
 * the one holding the ctx pointer, "base") to a known value, with the operand
 * registers at the swept values, runs the operation, and stores every
 * register (and the stack words the operation may touch) into the ctx
 * buffer. The interpreter's and the JIT's buffers must be identical, which
 * checks the result and also that no other register was clobbered.
 * Operand registers rotate over all of R0-R9, so register-held, ip/lr-held
 * and stack-slot halves all take part, in same-register forms too.
 *
 * Usage: test_jit_ops [configuration], e.g. jit, jit-armv7, jit-harden.
 */
#include "test_jit_common.h"

/* Values with the edges that matter: 0, +-1, 32- and 64-bit limits, one half only. */
static const uint64_t edges[16] = {
	0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
	0xffffffff00000000, 0xffffffff80000000, 0x7fffffffffffffff, 0x8000000000000000,
	0xfffffffffffffffe, 0xffffffffffffffff, 0x123456789abcdef0, 0xfedcba9876543210,
};

static const int32_t imms[16] = {
	0, 1, 2, 3, -1, -2, 0x7fffffff, INT32_MIN, 0xff, 0x100, 0xffff, 0x10000,
	-256, 0x12345678, 0x3fc, -0x1001,
};

static struct bpf32_env *env;

static void sweep_end(struct sweep *s, const char *what)
{
	sweep_end_pkt(env, s, NULL, what);
}

/* ---------------------------------------------------------------- ALU */

struct alu_op {
	const char *name;
	uint8_t op;
	int16_t off;
};

static const struct alu_op alu_ops[] = {
	{ "add", BPF_ADD, 0 }, { "sub", BPF_SUB, 0 }, { "mul", BPF_MUL, 0 },
	{ "div", BPF_DIV, 0 }, { "sdiv", BPF_DIV, 1 }, { "mod", BPF_MOD, 0 },
	{ "smod", BPF_MOD, 1 }, { "or", BPF_OR, 0 }, { "and", BPF_AND, 0 },
	{ "xor", BPF_XOR, 0 }, { "mov", BPF_MOV, 0 },
};

static void sweep_alu(uint8_t cls, const struct alu_op *op, int is_x, uint8_t base)
{
	struct sweep s;
	char what[64];
	snprintf(what, sizeof what, "%s%s %s", op->name, cls == BPF_ALU ? "32" : "64",
		 is_x ? "reg" : "imm");
	sweep_start(&s, base, 96);
	for (unsigned a = 0; a < 16; a++)
		for (unsigned b = 0; b < 16; b++) {
			unsigned k = s.blocks;
			uint8_t d = dst_of(&s, k), r = src_of(&s, k);
			if (is_x) {
				block_init(&s, d, edges[a], r, edges[b]);
				emit_insn(&s.p, mk(cls | op->op | BPF_X, d, r, op->off, 0));
			} else {
				block_init(&s, d, edges[a], d, edges[a]);
				emit_insn(&s.p, mk(cls | op->op | BPF_K, d, 0, op->off, imms[b]));
			}
			block_dump(&s, 0);
		}
	sweep_end(&s, what);
}

/* Shifts: every count 0..63, and register counts past 63 (masked). */
static void sweep_shift(uint8_t cls, uint8_t op, int is_x, uint8_t base)
{
	static const uint64_t vals[4] = { 0x8000000000000001, 0x123456789abcdef0,
					  0xfedcba9876543210, 1 };
	static const uint64_t big_counts[8] = { 64, 65, 95, 127, 0xffffffffffffffff, 0x100000020,
						0x80000000000000ff, 0xff };
	struct sweep s;
	char what[64];
	snprintf(what, sizeof what, "shift 0x%x%s %s", op, cls == BPF_ALU ? "32" : "64",
		 is_x ? "reg" : "imm");
	sweep_start(&s, base, 96);
	unsigned ncounts = is_x ? 72 : 64;
	for (unsigned n = 0; n < ncounts; n++)
		for (unsigned v = 0; v < 4 && s.blocks < 288; v++) {
			unsigned k = s.blocks;
			uint8_t d = dst_of(&s, k), r = src_of(&s, k);
			uint64_t count = n < 64 ? n : big_counts[n - 64];
			if (is_x) {
				if (r == d)
					r = s.regs[(k + 1) % s.nregs];
				block_init(&s, d, vals[v], r, count);
				emit_insn(&s.p, mk(cls | op | BPF_X, d, r, 0, 0));
			} else {
				block_init(&s, d, vals[v], d, vals[v]);
				emit_insn(&s.p, mk(cls | op | BPF_K, d, 0, 0, (int32_t)n));
			}
			block_dump(&s, 0);
		}
	sweep_end(&s, what);
	/* Shifting a register by itself. */
	sweep_start(&s, base, 96);
	for (unsigned n = 0; n < 64; n++) {
		uint8_t d = dst_of(&s, s.blocks);
		uint64_t v = (vals[n % 4] & ~(uint64_t)63) | n;
		block_init(&s, d, v, d, v);
		emit_insn(&s.p, mk(cls | op | BPF_X, d, d, 0, 0));
		block_dump(&s, 0);
	}
	sweep_end(&s, "shift by itself");
}

/* NEG, MOVSX, END/BSWAP: one operand. */
static void sweep_unary(const char *what, struct bpf_insn templ, int uses_src, uint8_t base)
{
	struct sweep s;
	sweep_start(&s, base, 96);
	for (unsigned a = 0; a < 16; a++)
		for (unsigned rot = 0; rot < 9; rot++) {
			unsigned k = s.blocks;
			uint8_t d = dst_of(&s, k), r = src_of(&s, k + rot);
			struct bpf_insn i = templ;
			i.dst = d;
			if (uses_src)
				i.src = r;
			else if (BPF_OP(i.code) == BPF_MOV)   /* the zero-extension marker */
				i.src = d;
			block_init(&s, d, edges[(a + rot) % 16], uses_src ? r : d,
				   uses_src ? edges[a] : edges[(a + rot) % 16]);
			emit_insn(&s.p, i);
			block_dump(&s, 0);
		}
	sweep_end(&s, what);
}

static void alu_tests(void)
{
	for (unsigned cls = 0; cls < 2; cls++) {
		uint8_t c = cls ? BPF_ALU64 : BPF_ALU;
		for (size_t o = 0; o < sizeof alu_ops / sizeof alu_ops[0]; o++)
			for (int x = 0; x < 2; x++)
				sweep_alu(c, &alu_ops[o], x, (uint8_t)(o % 2 ? 9 : 6));
		static const uint8_t shifts[3] = { BPF_LSH, BPF_RSH, BPF_ARSH };
		for (unsigned sh = 0; sh < 3; sh++)
			for (int x = 0; x < 2; x++)
				sweep_shift(c, shifts[sh], x, (uint8_t)(sh % 2 ? 9 : 3));
		sweep_unary(cls ? "neg64" : "neg32", mk(c | BPF_NEG, 0, 0, 0, 0), 0, 9);
		sweep_unary(cls ? "movsx64 8" : "movsx32 8", mk(c | BPF_MOV | BPF_X, 0, 0, 8, 0), 1, 9);
		sweep_unary(cls ? "movsx64 16" : "movsx32 16", mk(c | BPF_MOV | BPF_X, 0, 0, 16, 0), 1, 2);
	}
	sweep_unary("movsx64 32", mk(BPF_ALU64 | BPF_MOV | BPF_X, 0, 0, 32, 0), 1, 9);
	/* The kernel's zero-extension marker: mov32 rX, rX with imm 1. */
	sweep_unary("zext marker", mk(BPF_ALU | BPF_MOV | BPF_X, 0, 0, 0, 1), 0, 9);
	static const int32_t widths[3] = { 16, 32, 64 };
	for (unsigned w = 0; w < 3; w++) {
		char what[32];
		snprintf(what, sizeof what, "le%d", widths[w]);
		sweep_unary(what, mk(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, widths[w]), 0, 9);
		snprintf(what, sizeof what, "be%d", widths[w]);
		sweep_unary(what, mk(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, widths[w]), 0, 4);
		snprintf(what, sizeof what, "bswap%d", widths[w]);
		sweep_unary(what, mk(BPF_ALU64 | BPF_END | BPF_TO_LE, 0, 0, 0, widths[w]), 0, 9);
	}
	/* 64-bit constants. */
	struct sweep s;
	sweep_start(&s, 9, 96);
	for (unsigned a = 0; a < 16; a++)
		for (unsigned b = 0; b < 9; b++) {
			block_init(&s, 0, 0, 0, 0);
			emit_lddw(&s.p, s.regs[b], edges[a] ^ edges[(a + b) % 16] << 1);
			block_dump(&s, 0);
		}
	sweep_end(&s, "lddw");
}

/* ---------------------------------------------------------------- jumps */

static void jmp_tests(void)
{
	static const struct { const char *name; uint8_t op; } conds[] = {
		{ "jeq", BPF_JEQ }, { "jne", BPF_JNE }, { "jgt", BPF_JGT }, { "jge", BPF_JGE },
		{ "jlt", BPF_JLT }, { "jle", BPF_JLE }, { "jset", BPF_JSET }, { "jsgt", BPF_JSGT },
		{ "jsge", BPF_JSGE }, { "jslt", BPF_JSLT }, { "jsle", BPF_JSLE },
	};
	for (size_t j = 0; j < sizeof conds / sizeof conds[0]; j++)
		for (unsigned cls = 0; cls < 2; cls++)
			for (int x = 0; x < 2; x++) {
				uint8_t c = cls ? BPF_JMP : BPF_JMP32;
				struct sweep s;
				char what[64];
				snprintf(what, sizeof what, "%s%s %s", conds[j].name, cls ? "" : "32",
					 x ? "reg" : "imm");
				sweep_start(&s, (uint8_t)(j % 2 ? 9 : 5), 96);
				for (unsigned a = 0; a < 16; a++)
					for (unsigned b = 0; b < 16; b++) {
						unsigned k = s.blocks;
						uint8_t d = dst_of(&s, k), r = src_of(&s, k);
						/* Equal halves matter: compare a value with its neighbours too. */
						uint64_t bv = b == 15 ? edges[a] : edges[b];
						block_init(&s, d, edges[a], r, x ? bv : edges[a]);
						emit_insn(&s.p, mk(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_FP, 0, -8, 0));
						if (x)
							emit_insn(&s.p, mk(c | conds[j].op | BPF_X, d, r, 1, 0));
						else
							emit_insn(&s.p, mk(c | conds[j].op | BPF_K, d, 0, 1, imms[b]));
						emit_insn(&s.p, mk(BPF_JMP | BPF_JA, 0, 0, 1, 0));
						emit_insn(&s.p, mk(BPF_ST | BPF_MEM | BPF_DW, BPF_REG_FP, 0, -8, 1));
						block_dump(&s, 1);
					}
				sweep_end(&s, what);
			}
}

/* ---------------------------------------------------------------- memory */

static void mem_tests(void)
{
	static const struct { const char *name; uint8_t code; } loads[] = {
		{ "ldxb", BPF_LDX | BPF_MEM | BPF_B }, { "ldxh", BPF_LDX | BPF_MEM | BPF_H },
		{ "ldxw", BPF_LDX | BPF_MEM | BPF_W }, { "ldxdw", BPF_LDX | BPF_MEM | BPF_DW },
		{ "ldxsb", BPF_LDX | BPF_MEMSX | BPF_B }, { "ldxsh", BPF_LDX | BPF_MEMSX | BPF_H },
		{ "ldxsw", BPF_LDX | BPF_MEMSX | BPF_W },
		{ "stb", BPF_ST | BPF_MEM | BPF_B }, { "sth", BPF_ST | BPF_MEM | BPF_H },
		{ "stw", BPF_ST | BPF_MEM | BPF_W }, { "stdw", BPF_ST | BPF_MEM | BPF_DW },
		{ "stxb", BPF_STX | BPF_MEM | BPF_B }, { "stxh", BPF_STX | BPF_MEM | BPF_H },
		{ "stxw", BPF_STX | BPF_MEM | BPF_W }, { "stxdw", BPF_STX | BPF_MEM | BPF_DW },
	};
	/* Offsets from R10, and from a pointer P = R10 - 40 - far. */
	for (size_t m = 0; m < sizeof loads / sizeof loads[0]; m++) {
		uint8_t code = loads[m].code;
		int store = BPF_CLASS(code) != BPF_LDX;
		int size = (int)bpf_size_bytes(BPF_SIZE(code));
		struct sweep s;
		sweep_start(&s, (uint8_t)(m % 2 ? 9 : 7), 144);
		for (int via = 0; via < 3; via++)
			for (int off = -64; off <= -size && s.blocks < 220; off += via ? 3 : 1) {
				unsigned k = s.blocks;
				uint8_t v = dst_of(&s, k), p = src_of(&s, k);
				if (p == v)
					p = s.regs[(k + 1) % s.nregs];
				/* The 64 bytes below R10: a byte pattern. */
				for (int w = 0; w < 8; w++) {
					emit_lddw(&s.p, 0, 0x8091a2b3c4d5e6f7ull + 0x0101010101010101ull * (uint64_t)(w + k));
					emit_insn(&s.p, mk(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_FP, 0, (int16_t)(-8 - 8 * w), 0));
				}
				block_init(&s, v, edges[k % 16], v, edges[k % 16]);
				uint8_t base = BPF_REG_FP;
				int32_t o = off;
				if (via) {   /* a pointer register, near or far from its target */
					int32_t far = via == 2 ? 5000 : 0;
					emit_insn(&s.p, mk(BPF_ALU64 | BPF_MOV | BPF_X, p, BPF_REG_FP, 0, 0));
					emit_insn(&s.p, mk(BPF_ALU64 | BPF_ADD | BPF_K, p, 0, 0, -40 - far));
					base = p;
					o = off + 40 + far;
				}
				if (!store)
					emit_insn(&s.p, mk(code, v, base, (int16_t)o, 0));
				else if (BPF_CLASS(code) == BPF_ST)
					emit_insn(&s.p, mk(code, base, 0, (int16_t)o, (int32_t)edges[k % 16] ^ (int32_t)k));
				else
					emit_insn(&s.p, mk(code, base, v, (int16_t)o, 0));
				if (via)   /* no pointer in the results: they differ between runs */
					emit_lddw(&s.p, p, 0x5555);
				block_dump(&s, 8);
			}
		sweep_end(&s, loads[m].name);
	}
	/* dst = *(dst + off): the base register is also the destination. */
	for (size_t m = 0; m < 7; m++) {
		struct sweep s;
		sweep_start(&s, 9, 144);
		for (unsigned k = 0; k < 9; k++) {
			uint8_t p = s.regs[k];
			for (int w = 0; w < 8; w++) {
				emit_lddw(&s.p, 0, 0xf7e6d5c4b3a29180ull + 0x0102030405060708ull * (uint64_t)(w + k));
				emit_insn(&s.p, mk(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_FP, 0, (int16_t)(-8 - 8 * w), 0));
			}
			block_init(&s, 0, 0, 0, 0);
			emit_insn(&s.p, mk(BPF_ALU64 | BPF_MOV | BPF_X, p, BPF_REG_FP, 0, 0));
			emit_insn(&s.p, mk(loads[m].code, p, p, (int16_t)(-21 - (int)k), 0));
			block_dump(&s, 8);
		}
		sweep_end(&s, "load into its base");
	}
}

/* ---------------------------------------------------------------- atomics */

static void atomic_tests(void)
{
	static const struct { const char *name; int32_t op; } ops[] = {
		{ "add", BPF_ADD }, { "or", BPF_OR }, { "and", BPF_AND }, { "xor", BPF_XOR },
		{ "fetch_add", BPF_ADD | BPF_FETCH }, { "fetch_or", BPF_OR | BPF_FETCH },
		{ "fetch_and", BPF_AND | BPF_FETCH }, { "fetch_xor", BPF_XOR | BPF_FETCH },
		{ "xchg", BPF_XCHG }, { "cmpxchg", BPF_CMPXCHG },
	};
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
		for (int dw = 0; dw < 2; dw++) {
			struct sweep s;
			char what[64];
			snprintf(what, sizeof what, "atomic %s%s", ops[o].name, dw ? "64" : "32");
			sweep_start(&s, (uint8_t)(o % 2 ? 9 : 8), 96);
			for (unsigned a = 0; a < 16; a++)
				for (unsigned b = 0; b < 16; b++) {
					unsigned k = s.blocks;
					uint8_t v = src_of(&s, k), p = dst_of(&s, k);
					/* Memory at R10 - 8 first, through R0. */
					emit_lddw(&s.p, 0, edges[a]);
					emit_insn(&s.p, mk(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_FP, 0, -8, 0));
					/* R0 is CMPXCHG's expected value: equal to memory every other time. */
					uint64_t r0 = b % 2 ? edges[a] : edges[b];
					block_init(&s, v, edges[b], 0, r0);
					int via = k % 3 != 0 && p != v && p != 0;
					if (via) {
						emit_insn(&s.p, mk(BPF_ALU64 | BPF_MOV | BPF_X, p, BPF_REG_FP, 0, 0));
						emit_insn(&s.p, mk(BPF_ALU64 | BPF_ADD | BPF_K, p, 0, 0, -16));
					}
					emit_insn(&s.p, mk(BPF_STX | BPF_ATOMIC | (dw ? BPF_DW : BPF_W),
							   via ? p : BPF_REG_FP, v, via ? 8 : -8, ops[o].op));
					if (via)
						emit_lddw(&s.p, p, 0x5555);
					block_dump(&s, 1);
				}
			sweep_end(&s, what);
		}
}

/* ---------------------------------------------------------------- zero upper halves */

/*
 * Programs in the style of `clang -mcpu=v3` 32-bit code: registers written
 * only by 32-bit operations and by the 64-bit ones that keep an upper half
 * zero (mov, and, or, xor, rsh, arsh, div, mod of such values, loads of
 * words and less), so that the JIT keeps no upper half for them; mixed
 * with registers that do get 64-bit values, and forward branches.
 */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static void zero_hi_tests(void)
{
	static const uint8_t ops32[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH,
					 BPF_RSH, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_DIV, BPF_MOD };
	/* 64-bit operations: the first seven keep a zero upper half zero. */
	static const uint8_t ops64[] = { BPF_MOV, BPF_AND, BPF_OR, BPF_XOR, BPF_RSH, BPF_DIV,
					 BPF_MOD, BPF_ARSH, BPF_ADD, BPF_LSH, BPF_MUL, BPF_SUB };
	for (unsigned prog = 0; prog < 60; prog++) {
		struct sweep s;
		sweep_start(&s, 9, 96);
		/* R0-R5 32-bit only; R6-R8 get 64-bit values in half of the programs. */
		uint8_t wide = prog % 2 ? 6 : 9;
		for (unsigned b = 0; b < 12; b++) {
			for (uint8_t r = 0; r < 9; r++) {
				if (r >= wide)
					emit_lddw(&s.p, r, edges[rnd(16)]);
				else
					emit_insn(&s.p, mk(BPF_ALU | BPF_MOV | BPF_K, r, 0, 0, (int32_t)edges[rnd(16)]));
			}
			for (unsigned k = 0; k < 24; k++) {
				uint8_t d = (uint8_t)rnd(wide), r = (uint8_t)rnd(wide), op;
				int x = rnd(2), kind = rnd(8);
				int32_t imm = kind < 4 ? imms[rnd(16)] & 0x7fffffff : (int32_t)rnd(40);
				if (kind == 0) {   /* a forward branch over the next instruction */
					emit_insn(&s.p, mk(BPF_JMP | BPF_JGT | BPF_X, d, r, 1, 0));
					continue;
				}
				if (kind == 1) {   /* a word load from the stack and a store */
					emit_insn(&s.p, mk(BPF_STX | BPF_MEM | BPF_W, BPF_REG_FP, r, -4, 0));
					emit_insn(&s.p, mk(BPF_LDX | BPF_MEM | BPF_H, d, BPF_REG_FP, -3, 0));
					continue;
				}
				if (kind == 2) {   /* in every fourth program, any of them */
					op = ops64[rnd(prog % 4 ? 7 : sizeof ops64)];
					int shift = op == BPF_RSH || op == BPF_ARSH || op == BPF_LSH;
					emit_insn(&s.p, mk(BPF_ALU64 | op | (x ? BPF_X : BPF_K), d, x ? r : 0, 0,
							   x ? 0 : (shift ? imm % 64 : imm)));
					continue;
				}
				op = ops32[rnd(sizeof ops32)];
				if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
					imm &= 31;
				emit_insn(&s.p, mk(BPF_ALU | op | (x ? BPF_X : BPF_K), d, x ? r : 0, 0,
						   x ? 0 : imm));
			}
			/* A 64-bit use of the 32-bit values: compare, and widen into R8. */
			emit_insn(&s.p, mk(BPF_JMP | BPF_JSGT | BPF_X, (uint8_t)rnd(wide), (uint8_t)rnd(wide), 1, 0));
			emit_insn(&s.p, mk(BPF_ALU64 | BPF_ADD | BPF_X, 8, (uint8_t)rnd(wide), 0, 0));
			block_dump(&s, 0);
		}
		sweep_end(&s, "zero upper halves");
	}
}

int main(int argc, char **argv)
{
	jt_parse_args(argc, argv);
	env = bpf32_env_new();
	alu_tests();
	jmp_tests();
	mem_tests();
	atomic_tests();
	zero_hi_tests();
	bpf32_env_free(env);
	printf("test_jit_ops [%s]: %u programs, %u blocks, %d failures\n", jt_config.name,
	       jt_programs, jt_blocks, tu_failures);
	return tu_failures ? 1 : 0;
}
