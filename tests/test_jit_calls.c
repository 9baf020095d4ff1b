/*
 * Calls, JIT against the interpreter: helpers with every argument layout of
 * the C ABI (real prototypes, so the compiler decides where each argument
 * is), results of every kind, unwinding; local calls (arguments, preserved
 * registers, frames, the depth limit); tail calls (register transfer between
 * programs with different register maps, the limit of 33, empty slots, out
 * of range, from a subprogram, through callx); callx; LD_ABS/LD_IND; and
 * running past the end.
 *
 * Usage: test_jit_calls [configuration [all-long]]
 */
#include "packet.h"
#include "test_jit_common.h"
#include "text.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static uint64_t h_none(void) { return 0x1234567890ull; }
static uint32_t h_u32(uint32_t a) { return (uint32_t)mix(1, a); }
static uint64_t h_u64(uint64_t a) { return mix(2, a); }
static uint64_t h_a(uint32_t a, uint64_t b) { return mix(mix(3, a), b); }
static uint64_t h_b(uint64_t a, uint32_t b, uint64_t c) { return mix(mix(mix(4, a), b), c); }
static uint32_t h_c(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
	return (uint32_t)mix(mix(mix(mix(mix(5, a), b), c), d), e);
}
static uint64_t h_d(uint32_t a, uint32_t b, uint32_t c, uint64_t d, uint32_t e)
{
	return mix(mix(mix(mix(mix(6, a), b), c), d), e);
}
static uint64_t h_e(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	return mix(mix(mix(mix(mix(7, a), b), c), d), e);
}
static uint64_t h_f(uint32_t a, uint64_t b, uint64_t c, uint32_t d, uint64_t e)
{
	return mix(mix(mix(mix(mix(8, a), b), c), d), e);
}
static uint64_t h_g(uint64_t a, uint32_t b, uint32_t c, uint32_t d, uint64_t e)
{
	return mix(mix(mix(mix(mix(9, a), b), c), d), e);
}
static uint32_t h_four(uint32_t a, uint64_t b, uint32_t c)
{
	return (uint32_t)mix(mix(mix(10, a), b), c);
}

static uint8_t table[64];
static void *h_ptr(uint32_t off) { return table + (off & 63); }
static uint32_t void_seen;
static void h_void(uint32_t a) { void_seen = a; }
static uint32_t h_unwind32(uint32_t a) { return a; }
static uint64_t h_unwind64(uint64_t a) { return a; }

struct helper_def {
	uint32_t id;
	const char *name;
	void *fn;
	struct bpf32_helper_proto proto;
};

#define ARG64(i) (1u << (i))
static const struct helper_def helpers[] = {
	{ 1, "none", (void *)h_none, { 0, 0, BPF32_RET_U64, 0 } },
	{ 2, "u32", (void *)h_u32, { 1, 0, BPF32_RET_U32, 0 } },
	{ 3, "u64", (void *)h_u64, { 1, ARG64(0), BPF32_RET_U64, 0 } },
	{ 4, "a", (void *)h_a, { 2, ARG64(1), BPF32_RET_U64, 0 } },
	{ 5, "b", (void *)h_b, { 3, ARG64(0) | ARG64(2), BPF32_RET_U64, 0 } },
	{ 6, "c", (void *)h_c, { 5, 0, BPF32_RET_U32, 0 } },
	{ 7, "d", (void *)h_d, { 5, ARG64(3), BPF32_RET_U64, 0 } },
	{ 8, "e", (void *)h_e, { 5, 0x1f, BPF32_RET_U64, 0 } },
	{ 9, "f", (void *)h_f, { 5, ARG64(1) | ARG64(2) | ARG64(4), BPF32_RET_U64, 0 } },
	{ 10, "g", (void *)h_g, { 5, ARG64(0) | ARG64(4), BPF32_RET_U64, 0 } },
	{ 11, "four", (void *)h_four, { 3, ARG64(1), BPF32_RET_U32, 0 } },
	{ 13, "ptr", (void *)h_ptr, { 1, 0, BPF32_RET_PTR, 0 } },
	{ 14, "void", (void *)h_void, { 1, 0, BPF32_RET_VOID, 0 } },
	{ 15, "unwind32", (void *)h_unwind32, { 1, 0, BPF32_RET_U32, BPF32_HELPER_UNWIND_ON_ZERO } },
	{ 16, "unwind64", (void *)h_unwind64, { 1, ARG64(0), BPF32_RET_U64, BPF32_HELPER_UNWIND_ON_ZERO } },
};
#define NHELPERS (sizeof helpers / sizeof helpers[0])
#define TAIL_CALL_ID 12

static struct bpf32_env *env;

static void compare(const struct pbuf *p, size_t mem, const char *what)
{
	jt_compare(env, p, mem, 0, NULL, what);
	jt_programs++;
}

/* Assemble text (conformance syntax) into a program buffer. */
static void assemble(struct pbuf *p, const char *text)
{
	struct bpf_insn *insns;
	uint32_t n;
	struct bpf32_error err;
	memset(p, 0, sizeof *p);
	if (bpf32_asm_insns(text, &insns, &n, &err)) {
		fprintf(stderr, "test program does not assemble: %s\n%s", err.msg, text);
		exit(1);
	}
	for (uint32_t k = 0; k < n; k++)
		emit_insn(p, insns[k]);
	free(insns);
}

static void compare_text(const char *text, size_t mem, const char *what)
{
	struct pbuf p;
	assemble(&p, text);
	compare(&p, mem, what);
	free(p.insns);
}

/* ---------------------------------------------------------------- helper calls */

static void helper_tests(void)
{
	static const uint64_t vals[4][5] = {
		{ 1, 2, 3, 4, 5 },
		{ 0xffffffffffffffff, 0x8000000000000000, 0x7fffffff, 0x100000000, 0xffffffff },
		{ 0x0123456789abcdef, 0xfedcba9876543210, 0xdeadbeefcafef00d, 0x1122334455667788,
		  0x99aabbccddeeff00 },
		{ 0, 0xffffffff00000000, 0x80000000, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa },
	};
	for (int base = 6; base <= 9; base += 3) {
		struct sweep s;
		sweep_start(&s, (uint8_t)base, 96);
		for (size_t h = 0; h < NHELPERS; h++) {
			if (helpers[h].proto.flags)
				continue;
			for (unsigned v = 0; v < 4; v++) {
				block_init(&s, 0, 0, 0, 0);
				for (unsigned a = 0; a < 5; a++)
					if (a + 1 != (unsigned)base)
						emit_lddw(&s.p, (uint8_t)(a + 1), vals[v][a] ^ s.blocks);
				emit_insn(&s.p, mk(BPF_JMP | BPF_CALL, 0, 0, 0, (int32_t)helpers[h].id));
				block_dump(&s, 0);
			}
		}
		sweep_end_pkt(env, &s, NULL, base == 6 ? "helpers" : "helpers, R9 base");
	}

	/* Unwinding: a zero result ends the program with R0 = 0, from a local call too. */
	static const char *const unwind[] = {
		"mov %r1, 0\ncall 15\nmov %r0, 99\nexit\n",
		"mov %r1, 3\ncall 15\nmov %r0, 99\nexit\n",
		"lddw %r1, 0x100000000\ncall 16\nmov %r0, 99\nexit\n",
		"mov %r1, 0\ncall 16\nmov %r0, 99\nexit\n",
		"mov %r6, 5\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r1, 0\ncall 15\nmov %r0, 1\nexit\n",
		"mov %r6, 5\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r1, 7\ncall 15\nmov %r0, 1\nexit\n",
		"mov %r1, 9\ncall 14\nexit\n",
		"mov %r1, 5\ncall 13\nexit\n",
	};
	for (size_t k = 0; k < sizeof unwind / sizeof unwind[0]; k++)
		compare_text(unwind[k], 8, "unwind and result kinds");
}

/* ---------------------------------------------------------------- local calls */

static void local_call_tests(void)
{
	/* Arguments, preserved registers, nested calls, frames and pointers into them. */
	compare_text(
		"mov %r9, %r1\n"
		"lddw %r0, 0x1000000000000001\nlddw %r1, 0x2000000000000002\n"
		"lddw %r2, 0x3000000000000003\nlddw %r3, 0x4000000000000004\n"
		"lddw %r4, 0x5000000000000005\nlddw %r5, 0x6000000000000006\n"
		"lddw %r6, 0x7000000000000007\nlddw %r7, 0x8000000000000008\n"
		"lddw %r8, 0x9000000000000009\n"
		"stxdw [%r10-8], %r8\n"
		"call local f\n"
		"stxdw [%r9+0], %r0\nstxdw [%r9+8], %r1\nstxdw [%r9+16], %r2\n"
		"stxdw [%r9+24], %r3\nstxdw [%r9+32], %r4\nstxdw [%r9+40], %r5\n"
		"stxdw [%r9+48], %r6\nstxdw [%r9+56], %r7\nstxdw [%r9+64], %r8\n"
		"ldxdw %r0, [%r10-8]\nstxdw [%r9+72], %r0\n"
		"mov %r0, %r6\nexit\n"
		"f:\n"
		"mov %r0, %r1\nadd %r0, %r2\nadd %r0, %r3\nadd %r0, %r4\nadd %r0, %r5\n"
		"add %r0, %r6\nadd %r0, %r7\nadd %r0, %r8\n"
		"stxdw [%r10-8], %r0\n"
		"mov %r6, 1\nmov %r7, 2\nmov %r8, 3\nmov %r9, 4\n"
		"mov %r1, %r10\nadd %r1, -8\n"
		"call local g\n"
		"ldxdw %r1, [%r10-8]\nadd %r0, %r1\nadd %r0, %r6\n"
		"mov %r1, 11\nmov %r2, 12\nlddw %r3, 0xfffffffffffffff3\nmov %r4, 14\nmov32 %r5, 15\n"
		"exit\n"
		"g:\n"
		"ldxdw %r0, [%r1]\nmul %r0, 3\nstxdw [%r1], %r0\nmov %r6, 100\nexit\n",
		80, "local calls");

	/* The same with every register busy, so that some arguments live in stack slots. */
	struct sweep s;
	sweep_start(&s, 9, 96);
	for (unsigned k = 0; k < 12; k++) {
		block_init(&s, 0, 0, 0, 0);
		for (unsigned r = 0; r < 9; r++)   /* weight every register alike */
			emit_insn(&s.p, mk(BPF_ALU64 | BPF_XOR | BPF_K, (uint8_t)r, 0, 0, (int32_t)(k * 977 + r)));
		emit_insn(&s.p, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));   /* patched below */
		block_dump(&s, 0);
	}
	emit_exit_imm(&s.p, 5);
	uint32_t fn = s.p.n;
	for (unsigned r = 1; r < 9; r++)
		emit_insn(&s.p, mk(BPF_ALU64 | BPF_ADD | BPF_X, 0, (uint8_t)r, 0, 0));
	for (unsigned r = 1; r < 9; r++)
		emit_insn(&s.p, mk(BPF_ALU64 | BPF_MUL | BPF_K, (uint8_t)r, 0, 0, (int32_t)(r * 3 + 1)));
	emit_insn(&s.p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	for (uint32_t i = 0; i < fn; i++)
		if (s.p.insns[i].code == (BPF_JMP | BPF_CALL))
			s.p.insns[i].imm = (int32_t)(fn - i - 1);
	jt_compare(env, &s.p, (size_t)s.blocks * s.unit, s.unit, NULL, "local calls, busy registers");
	free(s.p.insns);
	jt_programs++;

	/* Recursion up to the frame limit, and one level past it (BPF32_ELIMIT). */
	for (int n = 5; n <= 8; n++) {
		char text[512];
		snprintf(text, sizeof text,
			 "mov %%r9, %%r1\nmov %%r1, %d\ncall local f\nstxdw [%%r9], %%r0\nexit\n"
			 "f:\nstxdw [%%r10-8], %%r1\njeq %%r1, 0, base\nsub %%r1, 1\ncall local f\n"
			 "ldxdw %%r1, [%%r10-8]\nadd %%r0, %%r1\nexit\nbase:\nmov %%r0, 100\nexit\n", n);
		compare_text(text, 8, "recursion");
	}
}

/* ---------------------------------------------------------------- tail calls */

/* A program that tail-calls slot `slot` of `arr` after setting every register. */
static void emit_tail_call(struct pbuf *p, struct bpf32_prog_array *arr, int32_t slot)
{
	emit_lddw(p, 2, (uint64_t)(uintptr_t)arr);
	emit_insn(p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, slot));
	emit_insn(p, mk(BPF_JMP | BPF_CALL, 0, 0, 0, TAIL_CALL_ID));
}

static struct bpf32_prog *load_or_die(const struct pbuf *p)
{
	struct bpf32_error err;
	struct bpf32_load_opts lo = { .flags = BPF32_LOAD_RELAXED };
	struct bpf32_prog *prog = pbuf_load(env, p, &lo, &err);
	if (!prog) {
		fprintf(stderr, "tail-call target does not load: %s\n", err.msg);
		exit(1);
	}
	return prog;
}

static void tail_call_tests(void)
{
	struct bpf32_prog_array *arr = bpf32_prog_array_new(5);
	struct pbuf t;

	/* Slot 0: store every register (R9 = ctx), then lean on R0-R5 so its map differs. */
	memset(&t, 0, sizeof t);
	for (uint8_t r = 0; r < 9; r++)
		emit_insn(&t, mk(BPF_STX | BPF_MEM | BPF_DW, 9, r, (int16_t)(8 * r), 0));
	for (unsigned k = 0; k < 6; k++)
		for (uint8_t r = 0; r < 6; r++)
			emit_insn(&t, mk(BPF_ALU64 | BPF_ADD | BPF_X, r, (uint8_t)((r + 1) % 6), 0, 0));
	emit_insn(&t, mk(BPF_STX | BPF_MEM | BPF_DW, 9, 0, 72, 0));
	emit_insn(&t, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	struct bpf32_prog *dump = load_or_die(&t);
	free(t.insns);
	bpf32_prog_array_set(arr, 0, dump, NULL);

	/* Slot 1: count in ctx[0] and tail-call itself: 1 + 33 runs. */
	memset(&t, 0, sizeof t);
	emit_insn(&t, mk(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0));
	emit_insn(&t, mk(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1));
	emit_insn(&t, mk(BPF_STX | BPF_MEM | BPF_DW, 1, 0, 0, 0));
	emit_tail_call(&t, arr, 1);
	emit_insn(&t, mk(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1000));
	emit_insn(&t, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	struct bpf32_prog *loop = load_or_die(&t);
	free(t.insns);
	bpf32_prog_array_set(arr, 1, loop, NULL);

	/* Slot 4: a 64-bit R0. */
	memset(&t, 0, sizeof t);
	emit_lddw(&t, 0, 0x1e9ee39d67b8746full);
	emit_insn(&t, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	struct bpf32_prog *wide = load_or_die(&t);
	free(t.insns);
	bpf32_prog_array_set(arr, 4, wide, NULL);

	/* Register transfer from a program that leans on R6-R8 (callers' maps differ). */
	static const int32_t slots[] = { 0, 2, 3, 5, -1 };   /* program, empty, out of range */
	for (size_t k = 0; k < sizeof slots / sizeof slots[0]; k++) {
		struct pbuf p;
		memset(&p, 0, sizeof p);
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0));
		for (uint8_t r = 6; r < 9; r++)
			for (unsigned n = 0; n < 5; n++)
				emit_insn(&p, mk(BPF_ALU64 | BPF_XOR | BPF_K, r, 0, 0, (int32_t)(n * 7 + r)));
		for (uint8_t r = 0; r < 9; r++)
			if (r != 2 && r != 3)
				emit_lddw(&p, r, 0x0102030405060708ull * (r + 1) ^ 0xf0f0f0f000000000ull);
		emit_tail_call(&p, arr, slots[k]);
		emit_insn(&p, mk(BPF_STX | BPF_MEM | BPF_DW, 9, 0, 72, 0));   /* fell through */
		emit_insn(&p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		compare(&p, 80, "tail call: registers");
		free(p.insns);
	}
	/* The limit, and a tail call from inside a local call. */
	compare_text("mov %r6, 1\ncall local f\nadd %r0, %r6\nexit\nf:\nmov %r6, 50\n"
		     "mov %r0, 3\nexit\n", 8, "local call (no tail call)");
	{
		struct pbuf p;
		memset(&p, 0, sizeof p);
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 1));
		emit_insn(&p, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2));
		emit_insn(&p, mk(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0));
		emit_insn(&p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 50));
		emit_tail_call(&p, arr, 1);
		emit_insn(&p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		compare(&p, 8, "tail call from a local call, to the limit");
		free(p.insns);
	}
	/*
	 * A local callee that tail-calls returns the other program's R0, whose
	 * upper half this program never sets.
	 */
	{
		struct pbuf p;
		memset(&p, 0, sizeof p);
		emit_insn(&p, mk(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 8));
		emit_insn(&p, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1));
		emit_insn(&p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		emit_insn(&p, mk(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, 9));
		emit_tail_call(&p, arr, 4);
		emit_insn(&p, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		compare(&p, 8, "tail call from a local call returns a 64-bit R0");
		free(p.insns);
	}
	/* callx of the tail-call helper, of a helper, and of an id nobody registered. */
	static const char *const callx[] = {
		"mov %r1, 77\nmov %r2, 2\ncall %r2\nexit\n",
		"lddw %r1, 0x123456789\nmov %r5, 3\ncall %r5\nexit\n",
		"mov %r1, 0\nmov %r4, 15\ncall %r4\nmov %r0, 9\nexit\n",
		"mov %r1, 7\nmov %r4, 15\ncall %r4\nmov %r0, 9\nexit\n",
		"mov %r4, 500\ncall %r4\nexit\n",
		"lddw %r4, 0x100000002\ncall %r4\nexit\n",
	};
	for (size_t k = 0; k < sizeof callx / sizeof callx[0]; k++)
		compare_text(callx[k], 8, "callx");
	{
		struct pbuf p;
		memset(&p, 0, sizeof p);
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0));
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0x77));   /* no pointers in the results */
		emit_lddw(&p, 2, (uint64_t)(uintptr_t)arr);
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0));
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, TAIL_CALL_ID));
		emit_insn(&p, mk(BPF_JMP | BPF_CALL | BPF_X, 5, 0, 0, 0));
		emit_exit_imm(&p, 1);
		compare(&p, 80, "tail call through callx");
		free(p.insns);
	}
	TU_CHECK(!jt_native || (bpf32_is_jited(dump) && bpf32_is_jited(loop)),
		 "tail-call targets were JITed on first use");
	bpf32_prog_free(dump);
	bpf32_prog_free(loop);
	bpf32_prog_free(wide);
	bpf32_prog_array_free(arr);
}

/* ---------------------------------------------------------------- packets, the end */

static void packet_tests(void)
{
	static uint8_t data[64], frag[32];
	for (unsigned k = 0; k < sizeof data; k++)
		data[k] = (uint8_t)(0x11 * k + 3);
	for (unsigned k = 0; k < sizeof frag; k++)
		frag[k] = (uint8_t)(0xa0 + k);
	struct bpf32_packet pkt = { .data = data, .len = 40 + 32, .headlen = 40, .frag = frag,
				    .mac_off = 0, .net_off = 14 };
	static const uint8_t sizes[3] = { BPF_B, BPF_H, BPF_W };
	static const int32_t bases[3] = { 0, -0x100000, -0x200000 };

	/* In-bounds loads, absolute and indirect, straddling the fragment too. */
	struct sweep s;
	sweep_start(&s, 9, 96);
	for (unsigned sz = 0; sz < 3; sz++)
		for (unsigned b = 0; b < 3; b++)
			for (int32_t off = 0; off < 80; off += 3) {
				uint32_t v;
				if (bpf32_pkt_load(&pkt, bases[b] + off, bpf_size_bytes(sizes[sz]), &v))
					continue;
				uint8_t r = s.regs[s.blocks % 8 + 1];
				block_init(&s, r, (uint64_t)(uint32_t)(off - 5) | 0xabcd00000000ull, 0, 0);
				if (s.blocks % 2)
					emit_insn(&s.p, mk(BPF_LD | BPF_ABS | sizes[sz], 0, 0, 0, bases[b] + off));
				else
					emit_insn(&s.p, mk(BPF_LD | BPF_IND | sizes[sz], 0, r, 0, bases[b] + 5));
				block_dump(&s, 0);
			}
	sweep_end_pkt(env, &s, &pkt, "packet loads");

	/* Out of bounds ends the program with R0 = 0. */
	static const int32_t bad[] = { 69, 72, -1, -0x100000 + 60, -0x200001, 0x7fffffff };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct pbuf p;
		memset(&p, 0, sizeof p);
		emit_insn(&p, mk(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, bad[k]));
		emit_insn(&p, mk(BPF_LD | BPF_IND | BPF_W, 0, 6, 0, 0));
		emit_insn(&p, mk(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, bad[k]));
		emit_exit_imm(&p, 3);
		jt_compare(env, &p, 8, 0, &pkt, "packet load out of bounds");
		free(p.insns);
	}
	/* No packet: the ctx buffer is the packet. */
	compare_text("stw [%r1+4], 0x12345678\nldabsw 4\nldabsh 6\nexit\n", 8, "ctx as packet");
	compare_text("ldabsw 6\nmov %r0, 1\nexit\n", 8, "ctx as packet, out of bounds");
	/* Running past the last instruction is an error. */
	compare_text("mov %r0, 1\n", 8, "running off the end");
	compare_text("mov %r0, 1\njeq %r0, 1, +1\nexit\nmov %r0, 2\n", 8, "running off the end");
}

int main(int argc, char **argv)
{
	jt_parse_args(argc, argv);
	env = bpf32_env_new();
	for (size_t h = 0; h < NHELPERS; h++)
		if (bpf32_helper_register(env, helpers[h].id, helpers[h].name, helpers[h].fn,
					  &helpers[h].proto, NULL)) {
			fprintf(stderr, "helper %s does not register\n", helpers[h].name);
			return 1;
		}
	bpf32_tail_call_register(env, TAIL_CALL_ID, NULL);
	helper_tests();
	local_call_tests();
	tail_call_tests();
	packet_tests();
	bpf32_env_free(env);
	printf("test_jit_calls [%s]: %u programs, %d failures\n", jt_config.name, jt_programs,
	       tu_failures);
	return tu_failures ? 1 : 0;
}
