/*
 * The reference interpreter, rule by rule, with exact values: ALU edge values
 * and every shift count (against a plain C model and hand-computed results),
 * division corner cases, END/BSWAP per host byte order, MOVSX/LDSX, JMP vs
 * JMP32, loads/stores/atomics, local calls, helpers with mixed 32/64-bit
 * arguments, callx, unwind, tail calls, LD_ABS/LD_IND, memory faults and the
 * step budget.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "prog.h"
#include "testutil.h"

#define I(c, d, s, o, i) ((struct bpf_insn){ (c), (d), (s), (o), (i) })
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV64K(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define MOV64X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU64K(op, d, imm) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, imm)
#define ALU64X(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDDW(d, v)                                                          \
	I(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)), \
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define LDX(sz, d, s, off) I(BPF_LDX | BPF_MEM | (sz), d, s, off, 0)
#define STX(sz, d, s, off) I(BPF_STX | BPF_MEM | (sz), d, s, off, 0)
#define ST(sz, d, off, imm) I(BPF_ST | BPF_MEM | (sz), d, 0, off, imm)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_HELPER, 0, id)
#define LOCAL_CALL(rel) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define JA(off) I(BPF_JMP | BPF_JA, 0, 0, off, 0)

#define NINSNS(...) (sizeof((struct bpf_insn[]){ __VA_ARGS__ }) / sizeof(struct bpf_insn))
/* Run an instruction list given inline. */
#define RUN(args, ...) run_insns((struct bpf_insn[]){ __VA_ARGS__ }, NINSNS(__VA_ARGS__), 0, args)

static struct bpf32_env *env;
static unsigned long programs_run;

struct res {
	int rc;          /* bpf32_interp's result; LOAD_FAILED if loading failed */
	uint64_t r0;
	struct bpf32_error err;
};

#define LOAD_FAILED 1000

static struct bpf32_prog *load(const struct bpf_insn *insns, size_t n, uint32_t flags,
			       struct bpf32_error *err)
{
	uint8_t *bytes = malloc(8 * n);
	for (size_t i = 0; i < n; i++)
		bpf_encode(&insns[i], bytes + 8 * i, 0);
	struct bpf32_load_opts opts = { .flags = flags };
	struct bpf32_prog *p = bpf32_load(env, bytes, 8 * n, BPF32_ORDER_LITTLE, &opts, err);
	free(bytes);
	TU_CHECK(p != NULL, "load failed: %s (insn %d)", err->msg, err->insn);
	return p;
}

static struct res run_insns(const struct bpf_insn *insns, size_t n, uint32_t flags,
			    const struct bpf32_run_args *args)
{
	struct res r;
	memset(&r, 0, sizeof r);
	r.r0 = 0xbad0bad0bad0bad0;
	struct bpf32_prog *p = load(insns, n, flags, &r.err);
	if (!p) {
		r.rc = LOAD_FAILED;
		return r;
	}
	r.rc = bpf32_interp(p, args, &r.r0, &r.err);
	programs_run++;
	bpf32_prog_free(p);
	return r;
}

static void check_r0(struct res r, uint64_t want, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A successful run with this R0; the optional printf arguments say which. */
static void check_r0(struct res r, uint64_t want, int line, const char *fmt, ...)
{
	if (r.rc == 0 && r.r0 == want)
		return;
	tu_failures++;
	fprintf(stderr, "%s:%d: rc %d (%s) r0 0x%" PRIx64 ", want 0x%" PRIx64, __FILE__, line,
		r.rc, r.err.msg, r.r0, want);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CHECK_R0(result, want, ...) check_r0((result), (want), __LINE__, "; " __VA_ARGS__)

/* A failed run with this code, instruction index and message part. */
#define CHECK_ERR(result, code_, insn_, msg_)                                             \
	do {                                                                              \
		struct res r_ = (result);                                                 \
		TU_CHECK(r_.rc == (code_) && r_.err.code == (code_) &&                    \
			 r_.err.insn == (insn_) && strstr(r_.err.msg, msg_),              \
			 "rc %d insn %d msg '%s', want %d at %d with '%s'", r_.rc,        \
			 r_.err.insn, r_.err.msg, code_, insn_, msg_);                    \
	} while (0)

/* ---------------------------------------------------------------- values */

static const uint64_t edge64[] = {
	0, 1, 2, 7, UINT64_MAX, (uint64_t)-2, (uint64_t)-7,
	0x7fffffff, 0xffffffff80000000, 0x80000000, 0xffffffff,
	0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
	0xdeadbeef00000000, 0x00000000cafebabe, 0x123456789abcdef0,
};
#define N_EDGE64 (sizeof edge64 / sizeof edge64[0])

static const int32_t edge_imm[] = {
	0, 1, 2, 7, -1, -2, -7, INT32_MAX, INT32_MIN, 0x12345678, 31, 32, 63,
};
#define N_EDGE_IMM (sizeof edge_imm / sizeof edge_imm[0])

static const uint8_t alu_ops[] = {
	BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH,
	BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH,
};

/*
 * The plain-C model of the ALU: signed C arithmetic with the two corner
 * cases spelled out (a formulation independent of the interpreter's).
 */
static uint64_t model64(uint8_t op, int16_t off, uint64_t a, uint64_t b)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_MOV: return b;
	case BPF_LSH: return a << (b & 63);
	case BPF_RSH: return a >> (b & 63);
	case BPF_ARSH: return (uint64_t)(sa >> (b & 63));
	case BPF_DIV:
		if (b == 0)
			return 0;
		if (!off)
			return a / b;
		if (sa == INT64_MIN && sb == -1)
			return a;
		return (uint64_t)(sa / sb);
	case BPF_MOD:
		if (b == 0)
			return a;
		if (!off)
			return a % b;
		if (sb == -1)
			return 0;
		return (uint64_t)(sa % sb);
	}
	return 0;
}

static uint32_t model32(uint8_t op, int16_t off, uint32_t a, uint32_t b)
{
	int32_t sa = (int32_t)a, sb = (int32_t)b;
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_MOV: return b;
	case BPF_LSH: return a << (b & 31);
	case BPF_RSH: return a >> (b & 31);
	case BPF_ARSH: return (uint32_t)(sa >> (b & 31));
	case BPF_DIV:
		if (b == 0)
			return 0;
		if (!off)
			return a / b;
		if (sa == INT32_MIN && sb == -1)
			return a;
		return (uint32_t)(sa / sb);
	case BPF_MOD:
		if (b == 0)
			return a;
		if (!off)
			return a % b;
		if (sb == -1)
			return 0;
		return (uint32_t)(sa % sb);
	}
	return 0;
}

/* r0 = (a op b) in class `cls` (ALU/ALU64), source register or imm. */
static struct res alu_x(uint8_t cls, uint8_t op, int16_t off, uint64_t a, uint64_t b)
{
	struct bpf_insn p[] = { LDDW(0, a), LDDW(2, b), I(cls | op | BPF_X, 0, 2, off, 0), EXIT };
	return run_insns(p, sizeof p / sizeof p[0], 0, NULL);
}

static struct res alu_k(uint8_t cls, uint8_t op, int16_t off, uint64_t a, int32_t imm)
{
	struct bpf_insn p[] = { LDDW(0, a), I(cls | op | BPF_K, 0, 0, off, imm), EXIT };
	return run_insns(p, sizeof p / sizeof p[0], 0, NULL);
}

static int has_signed_form(uint8_t op)
{
	return op == BPF_DIV || op == BPF_MOD;
}

/* Every ALU op x edge values x 64/32 bits x imm/register, against the model. */
static void test_alu_sweep(void)
{
	for (size_t o = 0; o < sizeof alu_ops; o++) {
		uint8_t op = alu_ops[o];
		for (int16_t off = 0; off <= has_signed_form(op); off++) {
			for (size_t x = 0; x < N_EDGE64; x++) {
				uint64_t a = edge64[x];
				for (size_t y = 0; y < N_EDGE64; y++) {
					uint64_t b = edge64[y];
					CHECK_R0(alu_x(BPF_ALU64, op, off, a, b), model64(op, off, a, b),
						 "alu64 op 0x%02x off %d", op, off);
					CHECK_R0(alu_x(BPF_ALU, op, off, a, b),
						 model32(op, off, (uint32_t)a, (uint32_t)b),
						 "alu32 op 0x%02x off %d", op, off);
				}
				for (size_t y = 0; y < N_EDGE_IMM; y++) {
					int32_t imm = edge_imm[y];
					CHECK_R0(alu_k(BPF_ALU64, op, off, a, imm),
						 model64(op, off, a, (uint64_t)(int64_t)imm),
						 "alu64 imm op 0x%02x off %d", op, off);
					CHECK_R0(alu_k(BPF_ALU, op, off, a, imm),
						 model32(op, off, (uint32_t)a, (uint32_t)imm),
						 "alu32 imm op 0x%02x off %d", op, off);
				}
			}
		}
	}
}

/* Hand-computed results for the rules that matter most. */
static void test_alu_exact(void)
{
	const uint64_t m64 = 0x8000000000000000, m32 = 0x80000000;
	/* ALU32 zeroes the upper half; ALU64 imm is sign-extended. */
	CHECK_R0(alu_k(BPF_ALU, BPF_ADD, 0, 0xdeadbeefffffffff, 1), 0);
	CHECK_R0(alu_k(BPF_ALU, BPF_MOV, 0, 0xdeadbeef12345678, -1), 0xffffffff);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOV, 0, 0, -1), UINT64_MAX);
	CHECK_R0(alu_k(BPF_ALU64, BPF_ADD, 0, 0x100000000, -1), 0xffffffff);
	CHECK_R0(alu_k(BPF_ALU64, BPF_AND, 0, 0xdeadbeef12345678, INT32_MIN), 0xdeadbeef00000000);
	CHECK_R0(alu_x(BPF_ALU, BPF_MUL, 0, 0x1ffffffff, 0x100000003), 0xfffffffd);
	CHECK_R0(alu_x(BPF_ALU64, BPF_MUL, 0, 0x100000001, 0x100000001), 0x200000001);
	/* Unsigned DIV/MOD: by zero; ALU64 imm divisor sign-extended. */
	CHECK_R0(alu_x(BPF_ALU64, BPF_DIV, 0, 12345, 0), 0);
	CHECK_R0(alu_x(BPF_ALU64, BPF_MOD, 0, 0xdeadbeef12345678, 0), 0xdeadbeef12345678);
	CHECK_R0(alu_x(BPF_ALU, BPF_DIV, 0, 12345, 0x100000000), 0);    /* low half 0 */
	CHECK_R0(alu_x(BPF_ALU, BPF_MOD, 0, 0xdeadbeef12345678, 0), 0x12345678);
	CHECK_R0(alu_k(BPF_ALU, BPF_MOD, 0, 0xdeadbeef12345678, 0), 0x12345678);
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 0, 5, -1), 0);
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 0, UINT64_MAX, -1), 1);
	CHECK_R0(alu_k(BPF_ALU, BPF_DIV, 0, 0xffffffff, -1), 1);
	CHECK_R0(alu_k(BPF_ALU, BPF_DIV, 0, 0xfffffffe, -1), 0);
	CHECK_R0(alu_x(BPF_ALU64, BPF_DIV, 0, m64, 3), 0x2aaaaaaaaaaaaaaa);
	/* Signed DIV/MOD: truncation toward zero, remainder has the dividend's sign. */
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 1, (uint64_t)-7, 2), (uint64_t)-3);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOD, 1, (uint64_t)-7, 2), (uint64_t)-1);
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 1, 7, -2), (uint64_t)-3);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOD, 1, 7, -2), 1);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOD, 1, (uint64_t)-7, -2), (uint64_t)-1);
	CHECK_R0(alu_k(BPF_ALU, BPF_DIV, 1, 0xfffffff9, 2), 0xfffffffd);
	CHECK_R0(alu_k(BPF_ALU, BPF_MOD, 1, 0xfffffff9, 2), 0xffffffff);
	CHECK_R0(alu_k(BPF_ALU, BPF_MOD, 1, 0xdeadbeef00000007, -2), 1);
	/* INT_MIN / -1 and INT_MIN % -1, 32 and 64 bits, imm and register. */
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 1, m64, -1), m64);
	CHECK_R0(alu_x(BPF_ALU64, BPF_DIV, 1, m64, UINT64_MAX), m64);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOD, 1, m64, -1), 0);
	CHECK_R0(alu_x(BPF_ALU64, BPF_MOD, 1, m64, UINT64_MAX), 0);
	CHECK_R0(alu_k(BPF_ALU, BPF_DIV, 1, m32, -1), m32);
	CHECK_R0(alu_x(BPF_ALU, BPF_DIV, 1, 0xffffffff80000000, 0xffffffff), m32);
	CHECK_R0(alu_k(BPF_ALU, BPF_MOD, 1, m32, -1), 0);
	CHECK_R0(alu_x(BPF_ALU, BPF_MOD, 1, m32, 0x1ffffffff), 0);
	/* Signed by zero: DIV 0, MOD leaves dst (ALU32: upper half zeroed). */
	CHECK_R0(alu_k(BPF_ALU64, BPF_DIV, 1, m64, 0), 0);
	CHECK_R0(alu_k(BPF_ALU64, BPF_MOD, 1, (uint64_t)-5, 0), (uint64_t)-5);
	CHECK_R0(alu_x(BPF_ALU, BPF_DIV, 1, m32, 0x500000000), 0);
	CHECK_R0(alu_x(BPF_ALU, BPF_MOD, 1, 0xdeadbeeffffffffb, 0x500000000), 0xfffffffb);
	/* ARSH works on the low half for ALU32. */
	CHECK_R0(alu_k(BPF_ALU, BPF_ARSH, 0, 0x80000000, 4), 0xf8000000);
	CHECK_R0(alu_k(BPF_ALU, BPF_ARSH, 0, 0x0000000170000000, 4), 0x07000000);
	CHECK_R0(alu_k(BPF_ALU64, BPF_ARSH, 0, m64, 63), UINT64_MAX);
	CHECK_R0(alu_x(BPF_ALU64, BPF_ARSH, 0, m64, 64 + 4), 0xf800000000000000);
	/* NEG */
	{
		struct bpf_insn p[] = { LDDW(0, 0xdeadbeef00000001), I(BPF_ALU | BPF_NEG, 0, 0, 0, 0), EXIT };
		CHECK_R0(run_insns(p, 4, 0, NULL), 0xffffffff);
		p[2].code = BPF_ALU64 | BPF_NEG;
		CHECK_R0(run_insns(p, 4, 0, NULL), 0x21524110ffffffff);
		struct bpf_insn q[] = { LDDW(0, m64), I(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0), EXIT };
		CHECK_R0(run_insns(q, 4, 0, NULL), m64);
		q[2].code = BPF_ALU | BPF_NEG;
		CHECK_R0(run_insns(q, 4, 0, NULL), 0);
	}
}

/* Every shift count 0..63, register and imm, 64 and 32 bits. */
static void test_shifts(void)
{
	static const uint8_t ops[] = { BPF_LSH, BPF_RSH, BPF_ARSH };
	static const uint64_t vals[] = { 0x8000000000000001, 0xfedcba9876543210, 0x00000000c0000003,
					 1, UINT64_MAX };
	for (size_t o = 0; o < 3; o++) {
		for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
			for (uint32_t n = 0; n < 64; n++) {
				uint64_t a = vals[v];
				uint8_t op = ops[o];
				/* The count register's upper bits are ignored too. */
				uint64_t cnt = 0xabcdef0000000000 | n;
				CHECK_R0(alu_x(BPF_ALU64, op, 0, a, cnt), model64(op, 0, a, n),
					 "shift64 op 0x%02x by %u", op, n);
				CHECK_R0(alu_k(BPF_ALU64, op, 0, a, (int32_t)n), model64(op, 0, a, n),
					 "shift64 imm op 0x%02x by %u", op, n);
				CHECK_R0(alu_x(BPF_ALU, op, 0, a, cnt),
					 model32(op, 0, (uint32_t)a, n & 31),
					 "shift32 op 0x%02x by %u", op, n);
				if (n < 32)
					CHECK_R0(alu_k(BPF_ALU, op, 0, a, (int32_t)n),
						 model32(op, 0, (uint32_t)a, n),
						 "shift32 imm op 0x%02x by %u", op, n);
			}
		}
	}
	/* A few by hand. */
	CHECK_R0(alu_k(BPF_ALU64, BPF_LSH, 0, 1, 63), 0x8000000000000000);
	CHECK_R0(alu_k(BPF_ALU, BPF_LSH, 0, 1, 31), 0x80000000);
	CHECK_R0(alu_x(BPF_ALU, BPF_LSH, 0, 3, 33), 6);
	CHECK_R0(alu_x(BPF_ALU, BPF_RSH, 0, 0xffffffff00000010, 36), 1);
	CHECK_R0(alu_x(BPF_ALU64, BPF_RSH, 0, 0x8000000000000000, 127), 1);
}

/* ---------------------------------------------------------------- END, MOVSX */

static void test_endian(void)
{
	const uint64_t v = 0x0123456789abcdef;
	const int big = bpf_host_big_endian();
	static const int32_t widths[] = { 16, 32, 64 };
	const uint64_t swapped[] = { 0xefcd, 0xefcdab89, 0xefcdab8967452301 };
	const uint64_t truncated[] = { 0xcdef, 0x89abcdef, v };
	for (int w = 0; w < 3; w++) {
		struct bpf_insn p[] = { LDDW(0, v), I(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, widths[w]), EXIT };
		CHECK_R0(run_insns(p, 4, 0, NULL), big ? swapped[w] : truncated[w], "le%d", widths[w]);
		p[2].code = BPF_ALU | BPF_END | BPF_TO_BE;
		CHECK_R0(run_insns(p, 4, 0, NULL), big ? truncated[w] : swapped[w], "be%d", widths[w]);
		p[2].code = BPF_ALU64 | BPF_END;
		CHECK_R0(run_insns(p, 4, 0, NULL), swapped[w], "bswap%d", widths[w]);
	}
	/* to_be on a value stored to memory reads back as network order. */
	uint8_t buf[4] = { 0 };
	struct bpf32_run_args args = { .ctx = buf, .ctx_len = sizeof buf };
	CHECK_R0(RUN(&args, MOV64K(0, 0x11223344), I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 32),
		     STX(BPF_W, 1, 0, 0), EXIT), big ? 0x11223344 : 0x44332211);
	TU_CHECK(buf[0] == 0x11 && buf[1] == 0x22 && buf[2] == 0x33 && buf[3] == 0x44,
		 "be32 bytes %02x %02x %02x %02x", buf[0], buf[1], buf[2], buf[3]);
}

static void test_movsx(void)
{
	struct { uint8_t cls; int16_t off; uint64_t in, out; } cases[] = {
		{ BPF_ALU64, 8, 0x1234567890abcd80, 0xffffffffffffff80 },
		{ BPF_ALU64, 8, 0xffffffffffffff7f, 0x7f },
		{ BPF_ALU64, 16, 0x8000, 0xffffffffffff8000 },
		{ BPF_ALU64, 16, 0xffff7fff, 0x7fff },
		{ BPF_ALU64, 32, 0x80000000, 0xffffffff80000000 },
		{ BPF_ALU64, 32, 0xffffffff7fffffff, 0x7fffffff },
		{ BPF_ALU, 8, 0xdeadbeef00000180, 0xffffff80 },
		{ BPF_ALU, 8, 0x17f, 0x7f },
		{ BPF_ALU, 16, 0xdeadbeef00018000, 0xffff8000 },
		{ BPF_ALU, 16, 0xffffffffffff7fff, 0x7fff },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct bpf_insn p[] = { LDDW(2, cases[c].in), LDDW(0, 0x5555555555555555),
					I(cases[c].cls | BPF_MOV | BPF_X, 0, 2, cases[c].off, 0), EXIT };
		CHECK_R0(run_insns(p, 6, 0, NULL), cases[c].out, "movsx case %zu", c);
	}
}

/* LDX B/H/W/DW and MEMSX B/H/W at odd offsets of the stack and of ctx. */
static void test_loads_stores(void)
{
	uint8_t buf[24];
	for (int i = 0; i < 24; i++)
		buf[i] = (uint8_t)(0x80 + i * 7);
	struct bpf32_run_args args = { .ctx = buf, .ctx_len = sizeof buf };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	for (int s = 0; s < 4; s++) {
		unsigned n = bpf_size_bytes(sizes[s]);
		for (int16_t off = 0; off + (int)n <= 24; off += 3) {
			uint64_t want = 0;
			memcpy(&want, buf + off, n);   /* host order */
			if (bpf_host_big_endian())
				want >>= 64 - 8 * n;
			CHECK_R0(RUN(&args, LDX(sizes[s], 0, 1, off), EXIT), want, "ldx %u at %d", n, off);
			if (sizes[s] != BPF_DW) {
				uint64_t sx = want | (want >> (8 * n - 1) ? UINT64_MAX << (8 * n) : 0);
				CHECK_R0(RUN(&args, I(BPF_LDX | BPF_MEMSX | sizes[s], 0, 1, off, 0), EXIT),
					 sx, "ldsx %u at %d", n, off);
			}
			/* Through the stack: store to an odd slot, read back. */
			CHECK_R0(RUN(&args, LDX(sizes[s], 2, 1, off), STX(sizes[s], 10, 2, -13),
				      LDX(sizes[s], 0, 10, -13), EXIT),
				 want, "stack %u at %d", n, off);
		}
	}
	/* ST imm: truncated to the size, DW sign-extended; neighbours untouched. */
	uint64_t m[3] = { 0, 0, 0 };
	struct bpf32_run_args margs = { .ctx = m, .ctx_len = sizeof m };
	CHECK_R0(RUN(&margs, ST(BPF_DW, 1, 8, -2), ST(BPF_W, 1, 0, 0x12345678), ST(BPF_H, 1, 16, 0x1abcd),
		     ST(BPF_B, 1, 18, -1), MOV64K(0, 0), EXIT), 0);
	TU_CHECK(m[1] == (uint64_t)-2, "st dw 0x%" PRIx64, m[1]);
	uint32_t w;
	uint16_t h;
	memcpy(&w, m, 4);
	memcpy(&h, (uint8_t *)m + 16, 2);
	TU_CHECK(w == 0x12345678 && h == 0xabcd && ((uint8_t *)m)[18] == 0xff &&
		 ((uint8_t *)m)[19] == 0 && ((uint8_t *)m)[4] == 0,
		 "st w 0x%x h 0x%x", w, h);
	/* STX stores the low bytes of the register. */
	CHECK_R0(RUN(&margs, LDDW(2, 0x1122334455667788), STX(BPF_H, 1, 2, 5), LDX(BPF_H, 0, 1, 5), EXIT),
		 0x7788);
}

/* The stack starts zeroed on every run, even after a run that wrote it. */
static void test_stack_zeroed(void)
{
	for (int k = 0; k < 2; k++)
		CHECK_R0(RUN(NULL, LDX(BPF_DW, 0, 10, -8), ST(BPF_DW, 10, -8, 99),
			     LDX(BPF_DW, 2, 10, -4096), ALU64X(BPF_OR, 0, 2), ST(BPF_DW, 10, -4096, 9), EXIT),
			 0, "run %d", k);
}

/* Initial registers: R1 = ctx, R2 = ctx_len, R10 = top of frame, others 0. */
static void test_initial_regs(void)
{
	uint8_t buf[8];
	struct bpf32_run_args args = { .ctx = buf, .ctx_len = 8 };
	struct bpf_insn p[] = { MOV64X(0, 3), ALU64X(BPF_OR, 0, 4), ALU64X(BPF_OR, 0, 5), ALU64X(BPF_OR, 0, 6),
				ALU64X(BPF_OR, 0, 7), ALU64X(BPF_OR, 0, 8), ALU64X(BPF_OR, 0, 9), EXIT };
	CHECK_R0(run_insns(p, 8, 0, &args), 0);
	CHECK_R0(RUN(&args, MOV64X(0, 1), EXIT), (uintptr_t)buf);
	CHECK_R0(RUN(&args, MOV64X(0, 2), EXIT), 8);
	/* R10 is 8-byte aligned and the top of a 512-byte frame. */
	CHECK_R0(RUN(&args, MOV64X(0, 10), ALU64K(BPF_AND, 0, 7), EXIT), 0);
	CHECK_R0(RUN(&args, ST(BPF_DW, 10, -512, 1), LDX(BPF_DW, 0, 10, -512), EXIT), 1);
	CHECK_ERR(RUN(&args, LDX(BPF_B, 0, 10, 0), EXIT), BPF32_EFAULT, 0, "load of 1 bytes");
}

/* ---------------------------------------------------------------- jumps */

static int model_jmp(uint8_t op, uint64_t a, uint64_t b)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	}
	return -1;
}

static int model_jmp32(uint8_t op, uint64_t a, uint64_t b)
{
	int32_t sa = (int32_t)(uint32_t)a, sb = (int32_t)(uint32_t)b;
	uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
	switch (op) {
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	default: return model_jmp(op, ua, ub);
	}
}

/* 1 when `a cond b` jumps. */
static struct res jmp_x(uint8_t cls, uint8_t op, uint64_t a, uint64_t b)
{
	struct bpf_insn p[] = { LDDW(1, a), LDDW(2, b), MOV64K(0, 0), I(cls | op | BPF_X, 1, 2, 1, 0),
				EXIT, MOV64K(0, 1), EXIT };
	return run_insns(p, sizeof p / sizeof p[0], 0, NULL);
}

static struct res jmp_k(uint8_t cls, uint8_t op, uint64_t a, int32_t imm)
{
	struct bpf_insn p[] = { LDDW(1, a), MOV64K(0, 0), I(cls | op | BPF_K, 1, 0, 1, imm),
				EXIT, MOV64K(0, 1), EXIT };
	return run_insns(p, sizeof p / sizeof p[0], 0, NULL);
}

static void test_jumps(void)
{
	static const uint8_t ops[] = { BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT,
				       BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE };
	for (size_t o = 0; o < sizeof ops; o++) {
		uint8_t op = ops[o];
		for (size_t x = 0; x < N_EDGE64; x++) {
			uint64_t a = edge64[x];
			for (size_t y = 0; y < N_EDGE64; y++) {
				uint64_t b = edge64[y];
				CHECK_R0(jmp_x(BPF_JMP, op, a, b), (uint64_t)model_jmp(op, a, b),
					 "jmp op 0x%02x a 0x%" PRIx64 " b 0x%" PRIx64, op, a, b);
				CHECK_R0(jmp_x(BPF_JMP32, op, a, b), (uint64_t)model_jmp32(op, a, b),
					 "jmp32 op 0x%02x a 0x%" PRIx64 " b 0x%" PRIx64, op, a, b);
			}
			for (size_t y = 0; y < N_EDGE_IMM; y++) {
				int32_t imm = edge_imm[y];
				CHECK_R0(jmp_k(BPF_JMP, op, a, imm), (uint64_t)model_jmp(op, a, (uint64_t)(int64_t)imm),
					 "jmp imm op 0x%02x", op);
				CHECK_R0(jmp_k(BPF_JMP32, op, a, imm),
					 (uint64_t)model_jmp32(op, a, (uint32_t)imm), "jmp32 imm op 0x%02x", op);
			}
		}
	}
	/* By hand: JMP32 ignores the upper halves; JMP imm is sign-extended. */
	CHECK_R0(jmp_x(BPF_JMP32, BPF_JEQ, 0x1234567800000005, 0x5), 1);
	CHECK_R0(jmp_x(BPF_JMP, BPF_JEQ, 0x1234567800000005, 0x5), 0);
	CHECK_R0(jmp_k(BPF_JMP, BPF_JEQ, 0xffffffff, -1), 0);
	CHECK_R0(jmp_k(BPF_JMP32, BPF_JEQ, 0xffffffff, -1), 1);
	CHECK_R0(jmp_k(BPF_JMP, BPF_JEQ, UINT64_MAX, -1), 1);
	CHECK_R0(jmp_x(BPF_JMP32, BPF_JSLT, 0x0000000080000000, 0x7fffffff00000000), 1);
	CHECK_R0(jmp_x(BPF_JMP, BPF_JSLT, 0x0000000080000000, 0x7fffffff00000000), 1);
	CHECK_R0(jmp_x(BPF_JMP, BPF_JSGT, 0x0000000080000000, 0xffffffff00000000), 1);
	CHECK_R0(jmp_x(BPF_JMP32, BPF_JSGT, 0x0000000080000000, 0xffffffff00000000), 0);
	CHECK_R0(jmp_k(BPF_JMP, BPF_JGT, 5, -1), 0);     /* 5 > 0xffff...ffff unsigned: no */
	CHECK_R0(jmp_k(BPF_JMP, BPF_JSGT, 5, -1), 1);
	CHECK_R0(jmp_k(BPF_JMP32, BPF_JSET, 0x100000000, 1), 0);

	/* JA forward and backward; JMP32 JA takes its offset from imm. */
	CHECK_R0(RUN(NULL, MOV64K(0, 1), JA(1), MOV64K(0, 2), EXIT), 1);
	CHECK_R0(RUN(NULL, MOV64K(0, 1), I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), MOV64K(0, 2), EXIT), 1);
	/* Count down from 5 with a backward JMP32 JA: r0 = 5 + 4 + 3 + 2 + 1. */
	CHECK_R0(RUN(NULL, MOV64K(0, 0), MOV64K(1, 5),
		     I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3, 0),     /* 2: if r1 == 0 goto 6 */
		     ALU64X(BPF_ADD, 0, 1),
		     ALU64K(BPF_SUB, 1, 1),
		     I(BPF_JMP32 | BPF_JA, 0, 0, 0, -4),            /* 5: goto 2 */
		     EXIT), 15);
}

static void test_lddw(void)
{
	CHECK_R0(RUN(NULL, LDDW(0, 0x8000000000000001), EXIT), 0x8000000000000001);
	CHECK_R0(RUN(NULL, LDDW(0, 0xffffffff), EXIT), 0xffffffff);
	CHECK_R0(RUN(NULL, LDDW(0, 0xffffffff00000000), EXIT), 0xffffffff00000000);
	/* Map references are resolved at load time into the same constant. */
	static int map_a, map_b;
	void *const maps[] = { &map_a, &map_b };
	struct bpf_insn p[] = { I(BPF_LD | BPF_IMM | BPF_DW, 0, BPF_PSEUDO_MAP_FD, 0, 1), I(0, 0, 0, 0, 0), EXIT };
	uint8_t bytes[24];
	for (int i = 0; i < 3; i++)
		bpf_encode(&p[i], bytes + 8 * i, 0);
	struct bpf32_load_opts opts = { .maps = maps, .nmaps = 2 };
	struct bpf32_error err;
	struct bpf32_prog *prog = bpf32_load(env, bytes, sizeof bytes, BPF32_ORDER_LITTLE, &opts, &err);
	TU_CHECK(prog != NULL, "map load: %s", err.msg);
	uint64_t r0 = 0;
	if (prog)
		TU_CHECK(bpf32_interp(prog, NULL, &r0, &err) == 0 && r0 == (uintptr_t)&map_b,
			 "map lddw r0 0x%" PRIx64, r0);
	bpf32_prog_free(prog);
}

/* ---------------------------------------------------------------- atomics */

static uint64_t model_atomic(int32_t op, uint64_t old, uint64_t val, uint64_t r0, int bits)
{
	uint64_t mask = bits == 64 ? UINT64_MAX : 0xffffffff;
	switch (op & ~BPF_FETCH) {
	case BPF_ADD: return (old + val) & mask;
	case BPF_OR: return (old | val) & mask;
	case BPF_AND: return old & val & mask;
	case BPF_XOR: return (old ^ val) & mask;
	case BPF_XCHG & ~BPF_FETCH: return val & mask;
	default: return (old & mask) == (r0 & mask) ? val & mask : old;
	}
}

static void test_atomics(void)
{
	static const int32_t ops[] = { BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
				       BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH,
				       BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG };
	const uint64_t old = 0xf0f0f0f0c3c3c3c3, val = 0x0ff00ff0a5a5a5a5;
	/* R0 for CMPXCHG: equal (in 64 / low 32 bits only) or different. */
	const uint64_t r0s[] = { old, 0xdeadbeefc3c3c3c3, 0x1234 };
	for (int bits = 32; bits <= 64; bits += 32) {
		for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
			for (size_t k = 0; k < 3; k++) {
				int32_t op = ops[o];
				uint64_t mem[4] = { 0x1111111111111111, old, 0x2222222222222222, 0 };
				/* The 32-bit word is the low half of mem[1] in memory order. */
				int16_t off = bits == 32 && bpf_host_big_endian() ? 12 : 8;
				uint64_t m_old = bits == 64 ? old : (uint32_t)old;
				struct bpf32_run_args args = { .ctx = mem, .ctx_len = sizeof mem };
				struct bpf_insn p[] = {
					LDDW(2, val), LDDW(0, r0s[k]),
					I(BPF_STX | BPF_ATOMIC | (bits == 64 ? BPF_DW : BPF_W), 1, 2, off, op),
					STX(BPF_DW, 1, 0, 24), MOV64X(0, 2), EXIT,
				};
				struct res r = run_insns(p, sizeof p / sizeof p[0], 0, &args);
				uint64_t want_mem = model_atomic(op, m_old, val, r0s[k], bits);
				uint64_t got_mem = mem[1];
				if (bits == 32) {
					uint32_t w;
					memcpy(&w, (uint8_t *)mem + off, 4);
					got_mem = w;
					TU_CHECK(((uint32_t *)mem)[bpf_host_big_endian() ? 2 : 3] == 0xf0f0f0f0,
						 "atomic32 touched the other half");
				}
				uint64_t want_src = (op & BPF_FETCH) && op != BPF_CMPXCHG ? m_old : val;
				uint64_t want_r0 = op == BPF_CMPXCHG ? m_old : r0s[k];
				TU_CHECK(r.rc == 0 && got_mem == want_mem && r.r0 == want_src &&
					 mem[3] == want_r0 && mem[0] == 0x1111111111111111 &&
					 mem[2] == 0x2222222222222222,
					 "atomic%d op 0x%x r0 case %zu: rc %d mem 0x%" PRIx64 " (want 0x%" PRIx64
					 ") src 0x%" PRIx64 " (want 0x%" PRIx64 ") r0 0x%" PRIx64 " (want 0x%" PRIx64 ")",
					 bits, (unsigned)op, k, r.rc, got_mem, want_mem, r.r0, want_src, mem[3], want_r0);
			}
		}
	}
	/* Misaligned atomics fail cleanly, on the stack and in ctx. */
	uint64_t mem[2] = { 0, 0 };
	struct bpf32_run_args args = { .ctx = mem, .ctx_len = sizeof mem };
	CHECK_ERR(RUN(&args, MOV64K(2, 1), I(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 2, BPF_ADD), EXIT),
		  BPF32_EFAULT, 1, "misaligned atomic");
	CHECK_ERR(RUN(&args, MOV64K(2, 1), I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -12, BPF_XCHG), EXIT),
		  BPF32_EFAULT, 1, "misaligned atomic");
	CHECK_ERR(RUN(&args, MOV64K(2, 1), I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 16, BPF_ADD), EXIT),
		  BPF32_EFAULT, 1, "atomic of 8 bytes");
	/* An atomic on the stack works too. */
	CHECK_R0(RUN(NULL, ST(BPF_DW, 10, -8, 40), MOV64K(2, 2),
		     I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -8, BPF_ADD | BPF_FETCH),
		     LDX(BPF_DW, 0, 10, -8), ALU64X(BPF_MUL, 0, 2), EXIT), 42 * 40);

	/* The lock-based 64-bit fallback, called directly. */
	uint64_t x = 10;
	TU_CHECK(bpf32_atomic64(&x, BPF_ADD | BPF_FETCH, 5, 0) == 10 && x == 15, "atomic64 add");
	TU_CHECK(bpf32_atomic64(&x, BPF_OR, 0x100000000, 0) == 15 && x == 0x10000000f, "atomic64 or");
	TU_CHECK(bpf32_atomic64(&x, BPF_AND, 0x1000000ff, 0) == 0x10000000f && x == 0x10000000f,
		 "atomic64 and");
	TU_CHECK(bpf32_atomic64(&x, BPF_XOR, 1, 0) == 0x10000000f && x == 0x10000000e, "atomic64 xor");
	TU_CHECK(bpf32_atomic64(&x, BPF_XCHG, 7, 0) == 0x10000000e && x == 7, "atomic64 xchg");
	TU_CHECK(bpf32_atomic64(&x, BPF_CMPXCHG, 9, 8) == 7 && x == 7, "atomic64 cmpxchg miss");
	TU_CHECK(bpf32_atomic64(&x, BPF_CMPXCHG, 9, 7) == 7 && x == 9, "atomic64 cmpxchg hit");
}

/* ---------------------------------------------------------------- memory faults */

static void test_faults(void)
{
	uint8_t buf[16] = { 0 };
	uint8_t ro[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t rw[8] = { 0 };
	struct bpf32_run_args args = { .ctx = buf, .ctx_len = sizeof buf };
	/* Wild pointers. */
	CHECK_ERR(RUN(&args, MOV64K(1, 16), LDX(BPF_W, 0, 1, 0), EXIT), BPF32_EFAULT, 1,
		  "load of 4 bytes at 0x10");
	CHECK_ERR(RUN(&args, MOV64K(1, 0), ST(BPF_B, 1, 0, 1), EXIT), BPF32_EFAULT, 1,
		  "store of 1 bytes at 0x0");
	CHECK_ERR(RUN(&args, MOV64K(1, -1), LDX(BPF_DW, 0, 1, 0), EXIT), BPF32_EFAULT, 1,
		  "at 0xffffffffffffffff");
	/* Straddling the end of ctx; just inside is fine. */
	CHECK_ERR(RUN(&args, LDX(BPF_W, 0, 1, 14), EXIT), BPF32_EFAULT, 0, "load of 4 bytes");
	CHECK_R0(RUN(&args, LDX(BPF_H, 0, 1, 14), EXIT), 0);
	CHECK_ERR(RUN(&args, LDX(BPF_B, 0, 1, -1), EXIT), BPF32_EFAULT, 0, "no accessible memory");
	/* Upper bits set on an otherwise valid address. */
	CHECK_ERR(RUN(&args, LDDW(2, 0x100000000), ALU64X(BPF_ADD, 1, 2), LDX(BPF_B, 0, 1, 0), EXIT),
		  BPF32_EFAULT, 3, "load of 1 bytes");
	/* Off the stack buffer's ends. */
	CHECK_ERR(RUN(&args, LDX(BPF_DW, 0, 10, -4104), EXIT), BPF32_EFAULT, 0, "load of 8 bytes");
	CHECK_ERR(RUN(&args, ST(BPF_W, 10, -2, 0), EXIT), BPF32_EFAULT, 0, "store of 4 bytes");

	/* Registered regions: read-only and writable. */
	struct bpf32_env *e2 = bpf32_env_new();
	struct bpf32_env *saved = env;
	struct bpf32_error err;
	TU_CHECK(bpf32_region_add(e2, ro, sizeof ro, 0, &err) == 0, "region ro");
	TU_CHECK(bpf32_region_add(e2, rw, sizeof rw, 1, &err) == 0, "region rw");
	env = e2;
	CHECK_R0(RUN(&args, LDDW(1, (uintptr_t)ro), LDX(BPF_B, 0, 1, 7), EXIT), 8);
	CHECK_ERR(RUN(&args, LDDW(1, (uintptr_t)ro), ST(BPF_B, 1, 0, 9), EXIT), BPF32_EFAULT, 2,
		  "read-only memory");
	CHECK_ERR(RUN(&args, LDDW(1, (uintptr_t)ro), LDX(BPF_W, 0, 1, 5), EXIT), BPF32_EFAULT, 2,
		  "no accessible memory");
	CHECK_R0(RUN(&args, LDDW(1, (uintptr_t)rw), ST(BPF_H, 1, 6, 0x55aa), LDX(BPF_H, 0, 1, 6), EXIT),
		 0x55aa);
	env = saved;
	bpf32_env_free(e2);
	TU_CHECK(ro[0] == 1, "read-only region written");
	/* Without the region, the same pointer faults. */
	CHECK_ERR(RUN(&args, LDDW(1, (uintptr_t)ro), LDX(BPF_B, 0, 1, 0), EXIT), BPF32_EFAULT, 2,
		  "load of 1 bytes");

	/* The packet is readable but not writable. */
	uint8_t data[4] = { 9, 8, 7, 6 }, frag[2] = { 5, 4 };
	struct bpf32_packet pkt = { .data = data, .len = 6, .headlen = 4, .frag = frag };
	struct bpf32_run_args pargs = { .ctx = buf, .ctx_len = sizeof buf, .pkt = &pkt };
	CHECK_R0(RUN(&pargs, LDDW(2, (uintptr_t)data), LDX(BPF_B, 0, 2, 3), EXIT), 6);
	CHECK_R0(RUN(&pargs, LDDW(2, (uintptr_t)frag), LDX(BPF_B, 0, 2, 1), EXIT), 4);
	CHECK_ERR(RUN(&pargs, LDDW(2, (uintptr_t)frag), LDX(BPF_H, 0, 2, 1), EXIT), BPF32_EFAULT, 2,
		  "load of 2 bytes");
	CHECK_ERR(RUN(&pargs, LDDW(2, (uintptr_t)data), ST(BPF_B, 2, 0, 1), EXIT), BPF32_EFAULT, 2,
		  "read-only memory");
	/* NULL args: no ctx at all. */
	CHECK_ERR(RUN(NULL, LDX(BPF_B, 0, 1, 0), EXIT), BPF32_EFAULT, 0, "at 0x0");
}

/* ---------------------------------------------------------------- limits */

static void test_limits(void)
{
	struct bpf32_run_args args = { .max_steps = 1000 };
	CHECK_ERR(RUN(&args, MOV64K(0, 0), JA(-1), EXIT), BPF32_ELIMIT, 1, "step budget");
	/* Exactly the budget: 3 instructions run in a budget of 3, not in 2. */
	args.max_steps = 3;
	CHECK_R0(RUN(&args, MOV64K(0, 1), ALU64K(BPF_ADD, 0, 2), EXIT), 3);
	args.max_steps = 2;
	CHECK_ERR(RUN(&args, MOV64K(0, 1), ALU64K(BPF_ADD, 0, 2), EXIT), BPF32_ELIMIT, 2, "step budget");
	/* A relaxed program may run off its end: an error, not a crash. */
	struct bpf_insn p[] = { MOV64K(0, 1), MOV64K(0, 2) };
	CHECK_ERR(run_insns(p, 2, BPF32_LOAD_RELAXED, NULL), BPF32_EFAULT, 2, "ran off the end");
}

/* ---------------------------------------------------------------- local calls */

static void test_local_calls(void)
{
	uint64_t out[4] = { 0 };
	struct bpf32_run_args args = { .ctx = out, .ctx_len = sizeof out };
	/*
	 * The callee gets R1..R5, sums them, clobbers R6..R9 and its own [r10-8];
	 * the caller's R6..R9 and frame survive.
	 */
	CHECK_R0(RUN(&args,
		     STX(BPF_DW, 10, 1, -8),                              /* 0: save ctx */
		     MOV64K(6, 6), MOV64K(7, 7), MOV64K(8, 8), MOV64K(9, 9),
		     MOV64K(1, 100), MOV64K(2, 20), MOV64K(3, 3), MOV64K(4, 4), MOV64K(5, 5),
		     LOCAL_CALL(9),                                       /* 10: to 20 */
		     LDX(BPF_DW, 1, 10, -8),
		     STX(BPF_DW, 1, 6, 0), STX(BPF_DW, 1, 7, 8), STX(BPF_DW, 1, 8, 16), STX(BPF_DW, 1, 9, 24),
		     ALU64K(BPF_MUL, 6, 1000), ALU64X(BPF_ADD, 0, 6), EXIT,
		     EXIT,                                                /* 19: padding */
		     MOV64X(0, 1), ALU64X(BPF_ADD, 0, 2), ALU64X(BPF_ADD, 0, 3),   /* 20: callee */
		     ALU64X(BPF_ADD, 0, 4), ALU64X(BPF_ADD, 0, 5),
		     MOV64K(6, -1), MOV64K(7, -1), MOV64K(8, -1), MOV64K(9, -1),
		     ST(BPF_DW, 10, -8, 0x5555), EXIT),
		 6132);
	TU_CHECK(out[0] == 6 && out[1] == 7 && out[2] == 8 && out[3] == 9,
		 "r6..r9 after call: %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, out[0], out[1], out[2], out[3]);

	/* The callee can read the caller's frame through a pointer. */
	CHECK_R0(RUN(NULL, ST(BPF_DW, 10, -16, 0xabc), MOV64X(1, 10), ALU64K(BPF_ADD, 1, -16),
		     LOCAL_CALL(1), EXIT, LDX(BPF_DW, 0, 1, 0), EXIT), 0xabc);

	/*
	 * Recursion to depth n below the first call: each frame is 512 bytes
	 * below its caller's; 8 frames in all are allowed, a 9th is an error.
	 */
	for (int n = 0; n <= 7; n++) {
		struct bpf_insn p[] = {
			MOV64K(1, n),
			LOCAL_CALL(4),                                 /* 1: to 6 */
			MOV64X(2, 10), ALU64X(BPF_SUB, 2, 0), MOV64X(0, 2),
			EXIT,
			I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3, 0),      /* 6: if r1 == 0 goto 10 */
			ALU64K(BPF_SUB, 1, 1),
			LOCAL_CALL(-3),                                /* 8: to 6 */
			EXIT,
			MOV64X(0, 10), EXIT,                           /* 10 */
		};
		struct res r = run_insns(p, sizeof p / sizeof p[0], 0, NULL);
		if (n <= 6)
			CHECK_R0(r, (uint64_t)(n + 1) * 512, "depth %d", n);
		else
			CHECK_ERR(r, BPF32_ELIMIT, 8, "8 frames");
	}
}

/* ---------------------------------------------------------------- helpers */

static uint64_t got[5];
static int got_n;

static void record(int n, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	got_n = n;
	got[0] = a, got[1] = b, got[2] = c, got[3] = d, got[4] = e;
}

static uint32_t h_five32(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
	record(5, a, b, c, d, e);
	return a + b + c + d + e;
}

static uint64_t h_mixed1(uint32_t a, uint64_t b, uint32_t c, uint64_t d, uint32_t e)
{
	record(5, a, b, c, d, e);
	return b ^ d;
}

static uint64_t h_mixed2(uint64_t a, uint32_t b, uint64_t c, uint32_t d, uint64_t e)
{
	record(5, a, b, c, d, e);
	return a + c + e;
}

static uint64_t h_all64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	record(5, a, b, c, d, e);
	return a - b;
}

static uint64_t h_two(uint32_t a, uint64_t b)
{
	record(2, a, b, 0, 0, 0);
	return b + a;
}

static uint64_t h_three(uint32_t a, uint32_t b, uint64_t c)
{
	record(3, a, b, c, 0, 0);
	return c - a - b;
}

static void h_void(uint32_t a)
{
	record(1, a, 0, 0, 0, 0);
}

static uint32_t h_u32(void)
{
	record(0, 0, 0, 0, 0, 0);
	return 0xfedcba98;
}

static void *h_ptr(uint8_t *p, uint32_t off)
{
	record(2, (uintptr_t)p, off, 0, 0, 0);
	return p + off;
}

static uint32_t h_identity(uint32_t a)
{
	return a;
}

enum {
	H_FIVE32 = 1, H_MIXED1, H_MIXED2, H_ALL64, H_TWO, H_THREE, H_VOID, H_U32, H_PTR,
	H_UNWIND, H_TAIL = 12, H_ID = 1000,
};

static void register_helpers(void)
{
	static const struct {
		uint32_t id;
		void *fn;
		struct bpf32_helper_proto proto;
	} hs[] = {
		{ H_FIVE32, (void *)h_five32, { 5, 0, BPF32_RET_U32, 0 } },
		{ H_MIXED1, (void *)h_mixed1, { 5, 0x0a, BPF32_RET_U64, 0 } },
		{ H_MIXED2, (void *)h_mixed2, { 5, 0x15, BPF32_RET_U64, 0 } },
		{ H_ALL64, (void *)h_all64, { 5, 0x1f, BPF32_RET_U64, 0 } },
		{ H_TWO, (void *)h_two, { 2, 0x02, BPF32_RET_U64, 0 } },
		{ H_THREE, (void *)h_three, { 3, 0x04, BPF32_RET_U64, 0 } },
		{ H_VOID, (void *)h_void, { 1, 0, BPF32_RET_VOID, 0 } },
		{ H_U32, (void *)h_u32, { 0, 0, BPF32_RET_U32, 0 } },
		{ H_PTR, (void *)h_ptr, { 2, 0, BPF32_RET_PTR, 0 } },
		{ H_UNWIND, (void *)h_identity, { 1, 0, BPF32_RET_U32, BPF32_HELPER_UNWIND_ON_ZERO } },
		{ H_ID, (void *)h_identity, { 1, 0, BPF32_RET_U32, 0 } },
	};
	struct bpf32_error err;
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		TU_CHECK(bpf32_helper_register(env, hs[i].id, "h", hs[i].fn, &hs[i].proto, &err) == 0,
			 "register %u: %s", hs[i].id, err.msg);
	TU_CHECK(bpf32_tail_call_register(env, H_TAIL, &err) == 0, "register tail call: %s", err.msg);
}

static const uint64_t argv64[5] = {
	0x1111111181111111, 0x2222222282222222, 0x3333333383333333,
	0x4444444484444444, 0x5555555585555555,
};

/* Call helper `id` with argv64 in R1..R5; check what it received. */
static void check_helper(uint32_t id, uint8_t arg64, int nargs, uint64_t want_r0)
{
	got_n = -1;
	memset(got, 0, sizeof got);
	struct bpf_insn p[] = {
		LDDW(1, argv64[0]), LDDW(2, argv64[1]), LDDW(3, argv64[2]), LDDW(4, argv64[3]),
		LDDW(5, argv64[4]), CALL((int32_t)id), EXIT,
	};
	CHECK_R0(run_insns(p, sizeof p / sizeof p[0], 0, NULL), want_r0, "helper %u", id);
	TU_CHECK(got_n == nargs, "helper %u: called with %d args", id, got_n);
	for (int a = 0; a < nargs; a++) {
		uint64_t want = arg64 & (1u << a) ? argv64[a] : (uint32_t)argv64[a];
		TU_CHECK(got[a] == want, "helper %u arg %d: 0x%" PRIx64 ", want 0x%" PRIx64, id, a + 1,
			 got[a], want);
	}
}

static void test_helpers(void)
{
	const uint64_t *v = argv64;
	check_helper(H_FIVE32, 0, 5,
		     (uint32_t)((uint32_t)v[0] + (uint32_t)v[1] + (uint32_t)v[2] + (uint32_t)v[3] +
				(uint32_t)v[4]));
	check_helper(H_MIXED1, 0x0a, 5, v[1] ^ v[3]);
	check_helper(H_MIXED2, 0x15, 5, v[0] + v[2] + v[4]);
	check_helper(H_ALL64, 0x1f, 5, v[0] - v[1]);
	check_helper(H_TWO, 0x02, 2, v[1] + (uint32_t)v[0]);
	check_helper(H_THREE, 0x04, 3, v[2] - (uint32_t)v[0] - (uint32_t)v[1]);
	check_helper(H_VOID, 0, 1, 0);
	check_helper(H_U32, 0, 0, 0xfedcba98);

	/* Pointer argument and result; R1..R5 are left as they were. */
	uint8_t buf[16] = { 0 };
	struct bpf32_run_args args = { .ctx = buf, .ctx_len = sizeof buf };
	CHECK_R0(RUN(&args, MOV64K(2, 5), CALL(H_PTR), EXIT), (uintptr_t)(buf + 5));
	CHECK_R0(RUN(&args, MOV64K(2, 5), CALL(H_PTR), ST(BPF_B, 0, 0, 0x77), MOV64X(0, 1), EXIT),
		 (uintptr_t)buf);
	TU_CHECK(buf[5] == 0x77, "store through helper result");
	CHECK_R0(RUN(&args, LDDW(2, 0x123456789), MOV64K(1, 1), CALL(H_ID), MOV64X(0, 2), EXIT),
		 0x123456789);

	/* callx: the helper id is in dst. */
	CHECK_R0(RUN(NULL, MOV64K(1, 41), MOV64K(8, H_ID), I(BPF_JMP | BPF_CALL | BPF_X, 8, 0, 0, 0),
		     ALU64K(BPF_ADD, 0, 1), EXIT), 42);
	CHECK_ERR(RUN(NULL, MOV64K(8, 500), I(BPF_JMP | BPF_CALL | BPF_X, 8, 0, 0, 0), EXIT),
		  BPF32_ENOHELPER, 1, "helper 500");
	CHECK_ERR(RUN(NULL, LDDW(8, 0x100000000 | H_ID), I(BPF_JMP | BPF_CALL | BPF_X, 8, 0, 0, 0), EXIT),
		  BPF32_ENOHELPER, 2, "unregistered helper");

	/* Unwind: a zero result ends the program with R0 = 0, even in a callee. */
	CHECK_R0(RUN(NULL, MOV64K(1, 0), CALL(H_UNWIND), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(NULL, MOV64K(1, 3), CALL(H_UNWIND), ALU64K(BPF_ADD, 0, 99), EXIT), 102);
	CHECK_R0(RUN(NULL, LOCAL_CALL(2), MOV64K(0, 99), EXIT, MOV64K(1, 0), CALL(H_UNWIND), MOV64K(0, 98),
		     EXIT), 0);
	/* Without the flag a zero result goes on. */
	CHECK_R0(RUN(NULL, MOV64K(1, 0), CALL(H_ID), ALU64K(BPF_ADD, 0, 99), EXIT), 99);
}

/* ---------------------------------------------------------------- tail calls */

static struct bpf32_prog *load_inline(const struct bpf_insn *p, size_t n)
{
	struct bpf32_error err;
	return load(p, n, 0, &err);
}

static void test_tail_calls(void)
{
	struct bpf32_prog_array *arr = bpf32_prog_array_new(4);
	struct bpf32_error err;
	TU_CHECK(arr != NULL, "prog array");
	TU_CHECK(bpf32_prog_array_set(arr, 4, NULL, &err) == BPF32_EINVAL, "set out of range");

	/*
	 * Slot 0 counts its runs in ctx[0] and tail-calls itself through the
	 * array pointer in ctx[1]: 1 run + 33 tail calls, then the 34th falls
	 * through with R0 (the count) unchanged.
	 */
	struct bpf_insn self[] = {
		LDX(BPF_DW, 0, 1, 0), ALU64K(BPF_ADD, 0, 1), STX(BPF_DW, 1, 0, 0),
		LDX(BPF_DW, 2, 1, 8), MOV64K(3, 0), CALL(H_TAIL), EXIT,
	};
	struct bpf32_prog *p_self = load_inline(self, sizeof self / sizeof self[0]);
	/* Slot 1: R0 = [r10-8] + r6, to check that registers and frame carry over. */
	struct bpf_insn t1[] = { LDX(BPF_DW, 0, 10, -8), ALU64X(BPF_ADD, 0, 6), EXIT };
	struct bpf32_prog *p_t1 = load_inline(t1, 3);
	bpf32_prog_array_set(arr, 0, p_self, &err);
	bpf32_prog_array_set(arr, 1, p_t1, &err);

	uint64_t ctx[2] = { 0, (uintptr_t)arr };
	struct bpf32_run_args args = { .ctx = ctx, .ctx_len = sizeof ctx };
	for (int run = 0; run < 2; run++) {   /* the count starts over every run */
		ctx[0] = 0;
		uint64_t r0 = 0;
		TU_CHECK(p_self && bpf32_interp(p_self, &args, &r0, &err) == 0 && r0 == 34 && ctx[0] == 34,
			 "tail call limit: r0 %" PRIu64 " runs %" PRIu64, r0, ctx[0]);
	}

	CHECK_R0(RUN(&args, ST(BPF_DW, 10, -8, 1000), MOV64K(6, 234), LDX(BPF_DW, 2, 1, 8), MOV64K(3, 1),
		     CALL(H_TAIL), MOV64K(0, 5), EXIT), 1234);
	/* The same through callx. */
	CHECK_R0(RUN(&args, ST(BPF_DW, 10, -8, 2000), MOV64K(6, 34), LDX(BPF_DW, 2, 1, 8), MOV64K(3, 1),
		     MOV64K(7, H_TAIL), I(BPF_JMP | BPF_CALL | BPF_X, 7, 0, 0, 0), MOV64K(0, 5), EXIT), 2034);
	/* Index taken from the low 32 bits only. */
	CHECK_R0(RUN(&args, ST(BPF_DW, 10, -8, 1000), MOV64K(6, 234), LDX(BPF_DW, 2, 1, 8),
		     LDDW(3, 0x700000001), CALL(H_TAIL), MOV64K(0, 5), EXIT), 1234);
	/* Empty slot, out of range, NULL array: fall through with R0 unchanged. */
	CHECK_R0(RUN(&args, MOV64K(0, 77), LDX(BPF_DW, 2, 1, 8), MOV64K(3, 2), CALL(H_TAIL), EXIT), 77);
	CHECK_R0(RUN(&args, MOV64K(0, 78), LDX(BPF_DW, 2, 1, 8), MOV64K(3, 4), CALL(H_TAIL), EXIT), 78);
	CHECK_R0(RUN(&args, MOV64K(0, 79), LDX(BPF_DW, 2, 1, 8), MOV64K(3, -1), CALL(H_TAIL), EXIT), 79);
	CHECK_R0(RUN(&args, MOV64K(0, 80), MOV64K(2, 0), MOV64K(3, 1), CALL(H_TAIL), EXIT), 80);
	/* A tail call made by a callee returns to the callee's caller. */
	CHECK_R0(RUN(&args, MOV64K(6, 1), LOCAL_CALL(2), ALU64K(BPF_ADD, 0, 10000), EXIT,
		     ST(BPF_DW, 10, -8, 500), LDX(BPF_DW, 2, 1, 8), MOV64K(3, 1), CALL(H_TAIL), EXIT),
		 10501);

	bpf32_prog_array_free(arr);
	bpf32_prog_free(p_self);
	bpf32_prog_free(p_t1);
}

/* ---------------------------------------------------------------- LD_ABS / LD_IND */

#define LD_ABS(sz, imm) I(BPF_LD | BPF_ABS | (sz), 0, 0, 0, imm)
#define LD_IND(sz, s, imm) I(BPF_LD | BPF_IND | (sz), 0, s, 0, imm)

static void test_ld_pkt(void)
{
	uint8_t data[20], frag[6];
	for (int i = 0; i < 20; i++)
		data[i] = (uint8_t)(0x10 + i);
	for (int i = 0; i < 6; i++)
		frag[i] = (uint8_t)(0xa0 + i);
	struct bpf32_packet pkt = { .data = data, .len = 26, .headlen = 20, .frag = frag,
				    .mac_off = 2, .net_off = 14 };
	struct bpf32_run_args args = { .pkt = &pkt };

	CHECK_R0(RUN(&args, LD_ABS(BPF_W, 0), EXIT), 0x10111213);
	CHECK_R0(RUN(&args, LD_ABS(BPF_H, 3), EXIT), 0x1314);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, 19), EXIT), 0x23);
	/* Spanning the linear part and the fragment, and inside the fragment. */
	CHECK_R0(RUN(&args, LD_ABS(BPF_W, 18), EXIT), 0x2223a0a1);
	CHECK_R0(RUN(&args, LD_ABS(BPF_H, 19), EXIT), 0x23a0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_W, 22), EXIT), 0xa2a3a4a5);
	/* Out of bounds: the program ends at once with R0 = 0. */
	CHECK_R0(RUN(&args, LD_ABS(BPF_W, 23), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, 26), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, INT32_MAX), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, MOV64K(0, 5), LD_ABS(BPF_B, 25), ALU64K(BPF_ADD, 0, 1), EXIT), 0xa6);
	/* Negative offsets: network and link-layer headers. */
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -0x100000), EXIT), 0x10 + 14);
	CHECK_R0(RUN(&args, LD_ABS(BPF_H, -0x100000 + 2), EXIT), 0x2021);
	CHECK_R0(RUN(&args, LD_ABS(BPF_W, -0x100000 + 4), EXIT), 0x2223a0a1);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -0x200000), EXIT), 0x12);
	/* Far below a header start: beyond the packet. */
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -0x100001), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -0x200000 + 23), EXIT), 0xa5);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -0x200001), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, -1), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&args, LD_ABS(BPF_B, INT32_MIN), MOV64K(0, 99), EXIT), 0);
	/* IND: src + imm in 32 bits (upper half of src ignored, wraparound). */
	CHECK_R0(RUN(&args, MOV64K(2, 4), LD_IND(BPF_W, 2, 2), EXIT), 0x16171819);
	CHECK_R0(RUN(&args, MOV64K(2, -1), LD_IND(BPF_B, 2, 3), EXIT), 0x12);
	CHECK_R0(RUN(&args, LDDW(2, 0x500000003), LD_IND(BPF_H, 2, 0), EXIT), 0x1314);
	CHECK_R0(RUN(&args, MOV64K(2, -0x100000), LD_IND(BPF_B, 2, 1), EXIT), 0x10 + 15);
	CHECK_R0(RUN(&args, MOV64K(2, 25), LD_IND(BPF_H, 2, 0), MOV64K(0, 99), EXIT), 0);
	/* The other registers are left alone. */
	CHECK_R0(RUN(&args, MOV64K(6, 7), LD_ABS(BPF_B, 0), ALU64X(BPF_ADD, 0, 6), EXIT), 0x17);

	/* Without a packet, the ctx buffer is the packet. */
	uint8_t cbuf[6] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 };
	struct bpf32_run_args cargs = { .ctx = cbuf, .ctx_len = sizeof cbuf };
	CHECK_R0(RUN(&cargs, LD_ABS(BPF_W, 0), EXIT), 0xdeadbeef);
	CHECK_R0(RUN(&cargs, LD_ABS(BPF_H, 4), EXIT), 0x0102);
	CHECK_R0(RUN(&cargs, LD_ABS(BPF_W, 3), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&cargs, LD_ABS(BPF_B, -0x100000 + 1), EXIT), 0xad);
	/* A fragment length without a fragment is out of bounds, never a crash. */
	struct bpf32_packet bad = { .data = data, .len = 26, .headlen = 20 };
	struct bpf32_run_args bargs = { .pkt = &bad };
	CHECK_R0(RUN(&bargs, LD_ABS(BPF_B, 20), MOV64K(0, 99), EXIT), 0);
	CHECK_R0(RUN(&bargs, LD_ABS(BPF_B, 19), EXIT), 0x23);
}

int main(void)
{
	env = bpf32_env_new();
	register_helpers();
	test_alu_sweep();
	test_alu_exact();
	test_shifts();
	test_endian();
	test_movsx();
	test_loads_stores();
	test_stack_zeroed();
	test_initial_regs();
	test_jumps();
	test_lddw();
	test_atomics();
	test_faults();
	test_limits();
	test_local_calls();
	test_helpers();
	test_tail_calls();
	test_ld_pkt();
	bpf32_env_free(env);
	if (tu_failures) {
		fprintf(stderr, "interp: %d checks failed\n", tu_failures);
		return 1;
	}
	printf("interp: all checks passed (%lu programs run)\n", programs_run);
	return 0;
}
