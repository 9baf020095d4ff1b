/*
 * Loader and validator: every rejection names the instruction and the reason;
 * both byte orders decode to the same program; random bytes never crash.
 */
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "testutil.h"

#define I(c, d, s, o, i) ((struct bpf_insn){ (c), (d), (s), (o), (i) })
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV64(d, imm) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)

static struct bpf32_env *env;

/* Load insns (little-endian bytes); returns 0 or the error code. */
static int load(const struct bpf_insn *insns, size_t n, uint32_t flags, struct bpf32_error *err)
{
	uint8_t *bytes = malloc(8 * n + 1);
	for (size_t i = 0; i < n; i++)
		bpf_encode(&insns[i], bytes + 8 * i, 0);
	struct bpf32_load_opts opts = { .flags = flags };
	memset(err, 0, sizeof *err);
	struct bpf32_prog *p = bpf32_load(env, bytes, 8 * n, BPF32_ORDER_LITTLE, &opts, err);
	free(bytes);
	bpf32_prog_free(p);
	return p ? 0 : err->code;
}

struct reject_case {
	const char *what;
	struct bpf_insn insns[4];
	size_t n;
	int32_t insn;        /* expected index */
	const char *msg;     /* expected substring */
};

static const struct reject_case rejects[] = {
	{ "unknown opcode", { MOV64(0, 0), I(0xff, 0, 0, 0, 0), EXIT }, 3, 1, "unknown opcode 0xff" },
	{ "write r10", { I(BPF_ALU64 | BPF_ADD | BPF_K, 10, 0, 0, 1), EXIT }, 2, 0, "read-only" },
	{ "ldx into r10", { I(BPF_LDX | BPF_MEM | BPF_W, 10, 1, 0, 0), EXIT }, 2, 0, "read-only" },
	{ "bad dst", { I(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 1), EXIT }, 2, 0, "register r11" },
	{ "bad src", { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 12, 0, 0), EXIT }, 2, 0, "register r12" },
	{ "jump out", { I(BPF_JMP | BPF_JA, 0, 0, 5, 0), EXIT }, 2, 0, "outside the program" },
	{ "jump back out", { MOV64(0, 0), I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, -3, 0), EXIT }, 3, 1,
	  "outside the program" },
	{ "jump into lddw", { I(BPF_JMP | BPF_JA, 0, 0, 1, 0), I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1),
			      I(0, 0, 0, 0, 2), EXIT }, 4, 0, "second slot of an lddw" },
	{ "lddw last", { MOV64(0, 0), I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1) }, 2, 1, "last instruction" },
	{ "lddw bad second", { I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), I(0, 1, 0, 0, 2), EXIT }, 3, 1,
	  "second slot" },
	{ "fall off", { MOV64(0, 0) }, 1, 0, "past the last instruction" },
	{ "fall off cond", { MOV64(0, 0), I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, -2, 0) }, 2, 1,
	  "past the last instruction" },
	{ "exit imm", { I(BPF_JMP | BPF_EXIT, 0, 0, 0, 1) }, 1, 0, "exit uses no fields" },
	{ "bad end width", { I(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 8), EXIT }, 2, 0, "width 8" },
	{ "bswap from be", { I(BPF_ALU64 | BPF_END | BPF_TO_BE, 0, 0, 0, 16), EXIT }, 2, 0, "unknown opcode" },
	{ "movsx32 in alu32", { I(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 32, 0), EXIT }, 2, 0, "offset 32" },
	{ "sdiv off 2", { I(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 3), EXIT }, 2, 0, "offset 2" },
	{ "bad atomic", { I(BPF_STX | BPF_ATOMIC | BPF_W, 10, 1, -8, 0x02), EXIT }, 2, 0, "atomic operation" },
	{ "atomic byte", { I(BPF_STX | BPF_ATOMIC | BPF_B, 10, 1, -8, 0), EXIT }, 2, 0, "unknown opcode" },
	{ "fetch into r10", { I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD | BPF_FETCH), EXIT }, 2, 0,
	  "r10" },
	{ "ldsx dw", { I(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), EXIT }, 2, 0, "unknown opcode" },
	{ "unknown helper", { I(BPF_JMP | BPF_CALL, 0, 0, 0, 77), EXIT }, 2, 0, "unknown helper 77" },
	{ "call kind", { I(BPF_JMP | BPF_CALL, 0, 2, 0, 0), EXIT }, 2, 0, "call kind" },
	{ "local call out", { I(BPF_JMP | BPF_CALL, 0, 1, 0, 7), EXIT }, 2, 0, "call target" },
	{ "fall into function", { I(BPF_JMP | BPF_CALL, 0, 1, 0, 1), MOV64(0, 1), MOV64(0, 2), EXIT }, 4, 1,
	  "runs on into the function at 2" },
	{ "jump into function", { I(BPF_JMP | BPF_CALL, 0, 1, 0, 2), I(BPF_JMP | BPF_JA, 0, 0, 1, 0), EXIT,
				  EXIT }, 4, 1, "in another function" },
	{ "jump out of function", { I(BPF_JMP | BPF_CALL, 0, 1, 0, 1), EXIT,
				    I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, -2, 0), EXIT }, 4, 2,
	  "in another function" },
	{ "callx imm", { I(BPF_JMP | BPF_CALL | BPF_X, 1, 0, 0, 1), EXIT }, 2, 0, "callx" },
	{ "jmp32 call", { I(BPF_JMP32 | BPF_CALL, 0, 0, 0, 1), EXIT }, 2, 0, "unknown opcode" },
	{ "map not given", { I(BPF_LD | BPF_IMM | BPF_DW, 1, 1, 0, 0), I(0, 0, 0, 0, 0), EXIT }, 3, 0,
	  "map 0" },
	{ "ld_abs dst", { I(BPF_LD | BPF_ABS | BPF_W, 1, 0, 0, 0), EXIT }, 2, 0, "ld_abs" },
	{ "ld_abs dw", { I(BPF_LD | BPF_ABS | BPF_DW, 0, 0, 0, 0), EXIT }, 2, 0, "unknown opcode" },
	{ "zext marker unrelaxed", { I(BPF_ALU | BPF_MOV | BPF_X, 1, 1, 0, 1), EXIT }, 2, 0, "imm" },
};

static void test_rejects(void)
{
	for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		const struct reject_case *c = &rejects[i];
		struct bpf32_error err;
		int rc = load(c->insns, c->n, 0, &err);
		TU_CHECK(rc == BPF32_EINVAL, "%s: rc %d", c->what, rc);
		TU_CHECK(err.insn == c->insn, "%s: insn %d, want %d (%s)", c->what, err.insn, c->insn,
			 err.msg);
		TU_CHECK(strstr(err.msg, c->msg), "%s: message '%s' lacks '%s'", c->what, err.msg,
			 c->msg);
	}
}

static void test_accepts(void)
{
	struct bpf32_error err;
	/* Reading r10 is legal; loops are structural-valid; the relaxed mode's extras. */
	struct bpf_insn ok[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 10, 0, 0),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, -2, 0),
		I(BPF_JMP32 | BPF_JA, 0, 0, 0, 0),
		EXIT,
	};
	TU_CHECK(load(ok, 4, 0, &err) == 0, "valid program refused: %s", err.msg);
	struct bpf_insn relaxed[] = { I(BPF_ALU | BPF_MOV | BPF_X, 1, 1, 0, 1), EXIT, MOV64(0, 1) };
	TU_CHECK(load(relaxed, 3, BPF32_LOAD_RELAXED, &err) == 0, "relaxed refused: %s", err.msg);
	TU_CHECK(load(relaxed, 3, 0, &err) == BPF32_EINVAL, "strict accepted the zext marker");
}

static void test_sizes(void)
{
	struct bpf32_error err = { 0 };
	uint8_t bytes[16] = { 0 };
	TU_CHECK(!bpf32_load(env, bytes, 0, BPF32_ORDER_LITTLE, NULL, &err) &&
		 strstr(err.msg, "empty"), "empty program: %s", err.msg);
	TU_CHECK(!bpf32_load(env, bytes, 12, BPF32_ORDER_LITTLE, NULL, &err) &&
		 err.insn == 1 && strstr(err.msg, "multiple of 8"), "truncated: %s", err.msg);
	TU_CHECK(!bpf32_load(env, bytes, 8 * ((size_t)BPF32_MAX_INSNS + 1), BPF32_ORDER_LITTLE,
			     NULL, &err) && err.code == BPF32_E2BIG, "too big: %s", err.msg);

	/* A program of exactly the limit loads. */
	size_t n = BPF32_MAX_INSNS;
	uint8_t *big = calloc(n, 8);
	struct bpf_insn mov = MOV64(0, 0), exit_insn = EXIT;
	for (size_t i = 0; i + 1 < n; i++)
		bpf_encode(&mov, big + 8 * i, 0);
	bpf_encode(&exit_insn, big + 8 * (n - 1), 0);
	struct bpf32_prog *p = bpf32_load(env, big, 8 * n, BPF32_ORDER_LITTLE, NULL, &err);
	TU_CHECK(p && bpf32_prog_len(p) == n, "largest program refused: %s", err.msg);
	bpf32_prog_free(p);
	free(big);
}

/* The same program in both byte orders decodes to the same instructions. */
static void test_byte_order(void)
{
	struct bpf_insn prog[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, 0x05060708), I(0, 0, 0, 0, 0x01020304),
		I(BPF_STX | BPF_MEM | BPF_DW, 10, 3, -8, 0),
		I(BPF_JMP | BPF_JSGT | BPF_K, 3, 0, 1, -5),
		MOV64(0, -1234567),
		EXIT,
	};
	size_t n = sizeof prog / sizeof prog[0];
	uint8_t le[8 * 6], be[8 * 6];
	for (size_t i = 0; i < n; i++) {
		bpf_encode(&prog[i], le + 8 * i, 0);
		bpf_encode(&prog[i], be + 8 * i, 1);
		struct bpf_insn a = bpf_decode(le + 8 * i, 0), b = bpf_decode(be + 8 * i, 1);
		TU_CHECK(a.code == prog[i].code && a.dst == prog[i].dst && a.src == prog[i].src &&
			 a.off == prog[i].off && a.imm == prog[i].imm, "LE decode of slot %zu", i);
		TU_CHECK(a.code == b.code && a.dst == b.dst && a.src == b.src && a.off == b.off &&
			 a.imm == b.imm, "BE decode of slot %zu differs", i);
	}
	/* The documented example: `w1 = 2` and `*(u64 *)(r10 - 8) = r1` in BE form. */
	static const uint8_t w1_be[8] = { 0xb4, 0x10, 0, 0, 0, 0, 0, 2 };
	struct bpf_insn w1 = bpf_decode(w1_be, 1);
	TU_CHECK(w1.code == 0xb4 && w1.dst == 1 && w1.src == 0 && w1.imm == 2, "BE w1 = 2");
	static const uint8_t st_be[8] = { 0x7b, 0xa1, 0xff, 0xf8, 0, 0, 0, 0 };
	struct bpf_insn st = bpf_decode(st_be, 1);
	TU_CHECK(st.dst == 10 && st.src == 1 && st.off == -8, "BE stxdw");
}

/* Random bytes: every outcome is a clean error or a valid program, never a crash. */
static void test_random(void)
{
	uint32_t seed = 12345;
	uint8_t buf[8 * 16];
	int loaded = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = 8 * (1 + round % 16);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)(seed >> 16);
		}
		if (round & 1)     /* bias towards plausible instructions: small fields */
			for (size_t i = 0; i < len; i += 8) {
				buf[i + 1] &= 0x77;
				buf[i + 2] &= 0x03;
				buf[i + 3] = 0;
				if (buf[i + 4] & 1)
					memset(buf + i + 4, 0, 4);
				if (buf[i + 5] & 1)
					buf[i + 1] &= 0x07;
			}
		if (round & 2) {   /* end with exit */
			struct bpf_insn e = EXIT;
			bpf_encode(&e, buf + len - 8, 0);
		}
		struct bpf32_error err = { 0 };
		struct bpf32_prog *p = bpf32_load(env, buf, len, BPF32_ORDER_LITTLE, NULL, &err);
		if (p)
			loaded++;
		else
			TU_CHECK(err.code < 0 && err.msg[0] && err.insn >= 0 && err.insn < (int32_t)(len / 8),
				 "random round %d: code %d insn %d '%s'", round, err.code, err.insn, err.msg);
		bpf32_prog_free(p);
	}
	printf("random: %d of 20000 loaded, the rest refused cleanly\n", loaded);
}

int main(void)
{
	env = bpf32_env_new();
	test_rejects();
	test_accepts();
	test_sizes();
	test_byte_order();
	test_random();
	bpf32_env_free(env);
	printf("validate: %d failures\n", tu_failures);
	return tu_failures != 0;
}
