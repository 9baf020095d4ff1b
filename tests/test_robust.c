/*
 * Bad input never hurts the host: every bpf_conformance program, mutated many
 * times (one to three random bytes changed, or truncated), goes through the
 * loader and, when it loads, through the interpreter with a step budget and a
 * random memory buffer. Each outcome must be a result or a clean error that
 * names an instruction inside the program; a crash, a hang or (on the
 * sanitizer build) a sanitizer report fails the test.
 *
 *   test_robust SHARED_DIR [MUTATIONS_PER_PROGRAM]
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static uint32_t seed = 0x9e3779b9u;

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static uint64_t unwind(uint64_t x)
{
	return x;
}

/* Hex slots of a raw .hex file into bytes; returns the byte count. */
static size_t parse_slots(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	while (*text && n < cap) {
		if (*text == '\n') {
			text++;
			continue;
		}
		if (sscanf(text, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		text += 2;
	}
	return n;
}

struct tally {
	unsigned loaded, refused, ran, run_errors;
};

static void try_program(struct bpf32_env *env, const uint8_t *bytes, size_t len,
			struct tally *t)
{
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = bpf32_load(env, bytes, len, BPF32_ORDER_LITTLE, NULL, &err);
	if (!p) {
		t->refused++;
		TU_CHECK(err.code < 0 && err.msg[0] && err.insn >= -1 &&
			 err.insn <= (int32_t)(len / 8), "refusal without a clear error: %d '%s'",
			 err.insn, err.msg);
		return;
	}
	t->loaded++;
	uint8_t mem[64];
	for (size_t i = 0; i < sizeof mem; i++)
		mem[i] = (uint8_t)rnd();
	struct bpf32_run_args args = { .ctx = mem, .ctx_len = sizeof mem, .max_steps = 100000 };
	uint64_t r0;
	if (bpf32_interp(p, &args, &r0, &err) == 0) {
		t->ran++;
	} else {
		t->run_errors++;
		TU_CHECK(err.code < 0 && err.msg[0] && err.insn >= -1 &&
			 err.insn < (int32_t)bpf32_prog_len(p), "run error without a clear message");
	}
	bpf32_prog_free(p);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_robust SHARED_DIR [MUTATIONS]\n");
		return 2;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s/bpf_conformance/raw", argv[1]);
	if (!tu_shared_present(path))
		return 0;
	unsigned mutations = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 200;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "cannot open %s\n", path);
		return 1;
	}
	struct bpf32_env *env = bpf32_env_new();
	static const struct bpf32_helper_proto proto = {
		.nargs = 1, .arg64 = 1, .ret = BPF32_RET_U64, .flags = BPF32_HELPER_UNWIND_ON_ZERO,
	};
	struct bpf32_error err;
	if (bpf32_helper_register(env, 5, "unwind", (void *)unwind, &proto, &err))
		return 1;

	struct tally t = { 0 };
	unsigned programs = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t nlen = strlen(e->d_name);
		if (nlen < 5 || strcmp(e->d_name + nlen - 4, ".hex"))
			continue;
		snprintf(path, sizeof path, "%s/bpf_conformance/raw/%s", argv[1], e->d_name);
		size_t len;
		char *text = (char *)tu_read_file(path, &len);
		uint8_t orig[8 * 512], buf[8 * 512];
		size_t n = text ? parse_slots(text, orig, sizeof orig) : 0;
		free(text);
		if (n < 8)
			continue;
		programs++;
		for (unsigned m = 0; m < mutations; m++) {
			memcpy(buf, orig, n);
			size_t blen = n;
			if (m % 10 == 9) {
				blen = rnd() % n;   /* truncated, maybe mid-slot */
			} else {
				for (unsigned k = 1 + rnd() % 3; k; k--)
					buf[rnd() % n] = (uint8_t)rnd();
			}
			try_program(env, buf, blen, &t);
		}
	}
	closedir(d);
	bpf32_env_free(env);
	printf("robust: %u programs x %u mutations: %u refused, %u loaded (%u ran, %u stopped with "
	       "an error)\n", programs, mutations, t.refused, t.loaded, t.ran, t.run_errors);
	TU_CHECK(programs == 313, "expected 313 programs, found %u", programs);
	TU_CHECK(t.loaded > 0 && t.refused > 0 && t.run_errors > 0, "mutations too weak");
	return tu_failures != 0;
}
