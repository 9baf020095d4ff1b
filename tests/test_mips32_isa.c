/*
 * MIPS32 images hold only instructions of the revision they were made for.
 *
 * The backend checks every word it emits against its revision; this test
 * checks the images independently. Every bpf_conformance program and a set
 * of programs reaching the rest of the lowering (packet loads, helper calls
 * with stacked arguments, tail calls, 64-bit division and atomics, far
 * branches) is cross-JITed for both byte orders and r1, r2, r6, with and
 * without blinding, and each word of each image is decoded here:
 *
 *   r1 images: nothing release 2 added (the SPECIAL3 opcode with ext, ins,
 *              seb, seh, wsbh; rotr, rotrv) and nothing r6-only;
 *   r2 images: nothing r6-only;
 *   r6 images: nothing r6 removed (HI/LO multiply and divide, movz/movn,
 *              SPECIAL2 mul, lwl/lwr/swl/swr, jr, the old ll/sc, branch
 *              likely, addi).
 *
 * Arguments: the bpf_conformance directory.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "testutil.h"

/* ---------------------------------------------------------------- decoding */

static unsigned op(uint32_t w) { return w >> 26; }
static unsigned rs(uint32_t w) { return (w >> 21) & 31; }
static unsigned rt(uint32_t w) { return (w >> 16) & 31; }
static unsigned sa(uint32_t w) { return (w >> 6) & 31; }
static unsigned funct(uint32_t w) { return w & 63; }

/* Added by release 2. */
static int is_r2_addition(uint32_t w)
{
	if (op(w) == 0x1f && (funct(w) == 0x00 || funct(w) == 0x04 || funct(w) == 0x20))
		return 1;   /* ext, ins, bshfl (seb, seh, wsbh) */
	if (op(w) == 0 && funct(w) == 0x02 && rs(w) == 1)
		return 1;   /* rotr */
	if (op(w) == 0 && funct(w) == 0x06 && sa(w) == 1)
		return 1;   /* rotrv */
	return 0;
}

/* Only in release 6 (new encodings, or old fields given new meanings). */
static int is_r6_only(uint32_t w)
{
	if (op(w) == 0x32 || op(w) == 0x3a)
		return 1;   /* bc, balc */
	if (op(w) == 0 && (funct(w) == 0x35 || funct(w) == 0x37))
		return 1;   /* seleqz, selnez */
	if (op(w) == 0 && funct(w) >= 0x18 && funct(w) <= 0x1b && sa(w) != 0)
		return 1;   /* mul, muh, mulu, muhu, div, mod, divu, modu */
	if (op(w) == 0x1f && (funct(w) == 0x36 || funct(w) == 0x26))
		return 1;   /* ll, sc */
	return 0;
}

/* Removed (or re-encoded) by release 6. */
static int is_r6_removed(uint32_t w)
{
	if (op(w) == 0) {
		switch (funct(w)) {
		case 0x08:                           /* jr (r6: jalr $zero) */
		case 0x0a: case 0x0b:                /* movz, movn */
		case 0x10: case 0x11: case 0x12: case 0x13:   /* mfhi, mthi, mflo, mtlo */
			return 1;
		case 0x18: case 0x19: case 0x1a: case 0x1b:   /* mult, multu, div, divu */
			return sa(w) == 0;
		default:
			return 0;
		}
	}
	switch (op(w)) {
	case 0x08:                                   /* addi */
	case 0x14: case 0x15: case 0x16: case 0x17:  /* beql, bnel, blezl, bgtzl */
	case 0x1c:                                   /* SPECIAL2: mul, madd, clz, ... */
	case 0x22: case 0x26: case 0x2a: case 0x2e:  /* lwl, lwr, swl, swr */
	case 0x30: case 0x38:                        /* ll, sc */
		return 1;
	case 0x01:                                   /* REGIMM: linking forms but bal */
		return (rt(w) & 0x10) && !(rt(w) == 0x11 && rs(w) == 0);
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- images */

static const struct {
	const char *name;
	uint32_t cpu;
	int (*bad)(uint32_t w);
} revisions[] = {
	{ "r1", BPF32_CPU_MIPS32R1, NULL },
	{ "r2", BPF32_CPU_MIPS32R2, is_r6_only },
	{ "r6", BPF32_CPU_MIPS32R6, is_r6_removed },
};

static int bad_r1(uint32_t w)
{
	return is_r2_addition(w) || is_r6_only(w);
}

static unsigned long images, words;

/* Cross-JIT `prog` in every configuration and scan the images. */
static void check_prog(struct bpf32_prog *prog, const char *what)
{
	static const enum bpf32_arch archs[] = { BPF32_ARCH_MIPS32EL, BPF32_ARCH_MIPS32BE };
	for (size_t a = 0; a < 2; a++)
		for (size_t r = 0; r < sizeof revisions / sizeof revisions[0]; r++)
			for (uint32_t harden = 0; harden < 2; harden++) {
				struct bpf32_jit_opts o = { revisions[r].cpu, harden ? BPF32_JIT_HARDEN : 0 };
				struct bpf32_jit_info info;
				struct bpf32_error err;
				int rc = bpf32_jit_image(prog, archs[a], &o, &info, &err);
				TU_CHECK(rc == 0, "%s: %s %s: %s", what, archs[a] == BPF32_ARCH_MIPS32BE ? "be" : "el",
					 revisions[r].name, err.msg);
				if (rc)
					continue;
				int (*bad)(uint32_t) = revisions[r].bad ? revisions[r].bad : bad_r1;
				for (size_t k = 0; k + 4 <= info.size; k += 4) {
					const uint8_t *b = info.code + k;
					uint32_t w = archs[a] == BPF32_ARCH_MIPS32BE
						? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
						: (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
					TU_CHECK(!bad(w), "%s: %s image has 0x%08x at byte %zu", what,
						 revisions[r].name, w, k);
					words++;
				}
				images++;
				bpf32_jit_info_free(&info);
			}
}

/* ---------------------------------------------------------------- programs */

/* The bpf_conformance programs, from their pre-assembled raw/NAME.hex. */
static void conformance_programs(struct bpf32_env *env, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/raw", dir);
	DIR *d = opendir(path);
	TU_CHECK(d != NULL, "cannot open %s", path);
	if (!d)
		return;
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".hex"))
			continue;
		snprintf(path, sizeof path, "%s/raw/%s", dir, e->d_name);
		size_t size;
		char *text = (char *)tu_read_file(path, &size);
		TU_CHECK(text != NULL, "cannot read %s", path);
		if (!text)
			continue;
		uint8_t *bytes = malloc(size / 2 + 8);
		size_t nb = 0;
		int digits = 0;
		for (const char *p = text; *p; p++) {   /* pairs of hex digits, lines of 16 */
			const char *hex = "0123456789abcdef", *h = strchr(hex, *p);
			if (!h || !*p)
				continue;
			if (digits++ % 2 == 0)
				bytes[nb] = (uint8_t)((h - hex) << 4);
			else
				bytes[nb++] |= (uint8_t)(h - hex);
		}
		struct bpf32_load_opts lo = { .flags = BPF32_LOAD_RELAXED };
		struct bpf32_error err;
		struct bpf32_prog *prog = bpf32_load(env, bytes, nb, BPF32_ORDER_LITTLE, &lo, &err);
		TU_CHECK(prog != NULL, "%s: %s", e->d_name, err.msg);
		if (prog) {
			check_prog(prog, e->d_name);
			bpf32_prog_free(prog);
			n++;
		}
		free(bytes);
		free(text);
	}
	closedir(d);
	TU_CHECK(n == 313, "%u conformance programs, expected 313", n);
}

static uint64_t helper5(uint32_t a, uint64_t b, uint32_t c, uint64_t d, uint32_t e)
{
	return a + b + c + d + e;
}

/* Assembly for what the conformance programs do not reach. */
static const char *const extra[] = {
	"ldabsb 3\nldabsh 5\nldabsw 7\nldindb %r1, 1\nldindh %r2, 2\nldindw %r3, -3\nexit\n",
	"mov %r1, 1\nlddw %r2, 0x200000002\nmov %r3, 3\nlddw %r4, 0x400000004\n"
	"mov %r5, 5\ncall 7\nexit\n",
	"mov %r3, 0\ncall 12\nmov %r0, 1\nexit\n",
	"lddw %r2, 0x100000007\ndiv %r0, %r2\nmod %r1, %r2\nsdiv %r3, %r1\nsmod %r4, -7\nexit\n",
	"stxdw [%r10-8], %r1\nlock add [%r10-8], %r1\nlock fetch xor [%r10-8], %r2\n"
	"lock cmpxchg [%r10-8], %r3\nlock xchg [%r10-8], %r4\nexit\n",
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s BPF_CONFORMANCE_DIR\n", argv[0]);
		return 2;
	}
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_helper_proto proto = { 5, 0x0a, BPF32_RET_U64, 0 };
	bpf32_helper_register(env, 7, "helper5", (void *)helper5, &proto, NULL);
	bpf32_tail_call_register(env, 12, NULL);
	struct bpf32_helper_proto none = { 0, 0, BPF32_RET_U64, 0 };
	bpf32_helper_register(env, 5, "helper5", (void *)helper5, &none, NULL);   /* call_unwind_fail */
	if (tu_shared_present(argv[1]))
		conformance_programs(env, argv[1]);

	for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
		struct bpf32_error err;
		struct bpf32_prog *prog = bpf32_load_asm(env, extra[k], NULL, &err);
		TU_CHECK(prog != NULL, "extra program %zu: %s", k, err.msg);
		if (prog) {
			check_prog(prog, "extra program");
			bpf32_prog_free(prog);
		}
	}

	/* Far branches: a jump over 30000 instructions, a loop back across them, a far call. */
	static struct bpf_insn far[30010];
	uint32_t n = 0;
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0 };
	far[n - 1].off = 30000;
	for (int k = 0; k < 30000; k++)
		far[n++] = (struct bpf_insn){ BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1 };
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 3 };
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_JGT | BPF_K, 0, 0, -20000, 5 };
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 };
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 };
	far[n++] = (struct bpf_insn){ BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0 };
	far[n++] = (struct bpf_insn){ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 };
	uint8_t *bytes = malloc(8 * (size_t)n);
	for (uint32_t k = 0; k < n; k++)
		bpf_encode(&far[k], bytes + 8 * k, 0);
	struct bpf32_load_opts lo = { .flags = BPF32_LOAD_RELAXED };
	struct bpf32_error err;
	struct bpf32_prog *prog = bpf32_load(env, bytes, 8 * (size_t)n, BPF32_ORDER_LITTLE, &lo, &err);
	TU_CHECK(prog != NULL, "far-branch program: %s", err.msg);
	if (prog) {
		check_prog(prog, "far-branch program");
		bpf32_prog_free(prog);
	}
	free(bytes);

	bpf32_env_free(env);
	printf("test_mips32_isa: %lu images, %lu words scanned, %d failures\n", images, words,
	       tu_failures);
	return tu_failures ? 1 : 0;
}
