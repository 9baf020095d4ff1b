/*
 * Cross-JIT checks that need no target CPU (they run on every build):
 * images and slot offsets, CPU variants (sdiv/udiv only with the divide
 * extension), constant blinding (no chosen constant survives in the image,
 * and images differ between JITs), the listing, options that must fail, the
 * W^X life of native images, and the register map of a typical program.
 */
#include "test_jit_common.h"

static struct bpf32_env *env;

static struct bpf32_prog *load_text(const char *text)
{
	struct bpf32_error err;
	struct bpf32_prog *p = bpf32_load_asm(env, text, NULL, &err);
	TU_CHECK(p != NULL, "load: %s", err.msg);
	return p;
}

static int image(struct bpf32_prog *p, uint32_t cpu, uint32_t flags, struct bpf32_jit_info *info)
{
	struct bpf32_error err;
	struct bpf32_jit_opts o = { cpu, flags };
	int rc = bpf32_jit_image(p, BPF32_ARCH_ARM32, &o, info, &err);
	TU_CHECK(rc == 0, "arm32 image: %s", err.msg);
	return rc;
}

static uint32_t word(const struct bpf32_jit_info *info, size_t k)
{
	const uint8_t *b = info->code + 4 * k;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Count the words matching (w & mask) == value. */
static unsigned count_words(const struct bpf32_jit_info *info, uint32_t mask, uint32_t value)
{
	unsigned n = 0;
	for (size_t k = 0; k < info->size / 4; k++)
		n += (word(info, k) & mask) == value;
	return n;
}

static void test_layout(void)
{
	struct bpf32_prog *p = load_text("mov %r0, 1\nlddw %r1, 0x1122334455667788\n"
					 "jeq %r1, 0, +1\nadd %r0, %r1\nexit\n");
	struct bpf32_jit_info info;
	if (!p || image(p, 0, 0, &info))
		return;
	TU_CHECK(info.nslots == 6, "slots %u", info.nslots);
	TU_CHECK(info.size % 4 == 0 && info.size >= 4 * 20, "size %zu", info.size);
	for (uint32_t s = 0; s < info.nslots; s++)
		TU_CHECK(info.slot_off[s] <= info.slot_off[s + 1], "slot %u offsets ordered", s);
	TU_CHECK(info.slot_off[2] == info.slot_off[3] || info.slot_off[3] == info.slot_off[4],
		 "the second slot of lddw has no code");
	TU_CHECK(info.slot_off[info.nslots] < info.size, "stubs after the last slot");
	TU_CHECK(info.entry == 0 && word(&info, 0) == 0xe92d5ff0u, "entry saves r4-r12, lr");
	bpf32_jit_info_free(&info);
	bpf32_prog_free(p);
}

/* sdiv/udiv (cond 0111 0xx1 .... 1111 .... 0001 ....) only with the divide extension. */
static void test_cpu_variants(void)
{
	struct bpf32_prog *p = load_text("mov32 %r0, 100\nmov32 %r1, 7\ndiv32 %r0, %r1\n"
					 "mod32 %r0, 3\nsdiv32 %r0, -3\nexit\n");
	struct bpf32_jit_info a, b;
	if (!p || image(p, BPF32_CPU_ARMV7_IDIV, 0, &a) || image(p, BPF32_CPU_ARMV7, 0, &b))
		return;
	TU_CHECK(count_words(&a, 0x0fd0f0f0, 0x0710f010) == 3, "3 divides with IDIV, found %u",
		 count_words(&a, 0x0fd0f0f0, 0x0710f010));
	TU_CHECK(count_words(&b, 0x0fd0f0f0, 0x0710f010) == 0, "no divide without IDIV");
	TU_CHECK(count_words(&b, 0x0ffffff0, 0x012fff30) >= 3, "runtime calls without IDIV");
	bpf32_jit_info_free(&a);
	bpf32_jit_info_free(&b);
	struct bpf32_error err;
	struct bpf32_jit_opts bad = { BPF32_CPU_MIPS32R2, 0 };
	TU_CHECK(bpf32_jit_image(p, BPF32_ARCH_ARM32, &bad, &a, &err) == BPF32_EINVAL,
		 "a MIPS cpu for arm32 is refused");
	struct bpf32_jit_opts flags = { 0, 1u << 7 };
	TU_CHECK(bpf32_jit_image(p, BPF32_ARCH_ARM32, &flags, &a, &err) == BPF32_EINVAL,
		 "unknown flags are refused");
	bpf32_prog_free(p);
}

/* With blinding, no 16-bit half of a chosen constant appears in movw/movt or as data. */
static void test_blinding(void)
{
	static const uint32_t consts[] = { 0x5a3c1e0f, 0x13579bdf, 0x2468ace0, 0x7e6d5c4b };
	char text[1024];
	snprintf(text, sizeof text,
		 "mov %%r0, 0x%x\nadd %%r0, 0x%x\nlddw %%r2, 0x%x%08x\nstw [%%r10-4], 0x%x\n"
		 "jeq %%r0, 0x%x, +1\nmov32 %%r0, 0x%x\nexit\n",
		 consts[0], consts[1], consts[2], consts[3], consts[0], consts[1], consts[2]);
	struct bpf32_prog *p = load_text(text);
	struct bpf32_jit_info plain, hard, hard2;
	if (!p || image(p, 0, 0, &plain) || image(p, 0, BPF32_JIT_HARDEN, &hard) ||
	    image(p, 0, BPF32_JIT_HARDEN, &hard2))
		return;
	unsigned seen_plain = 0, seen_hard = 0;
	for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++)
		for (unsigned half = 0; half < 2; half++) {
			uint32_t imm16 = (consts[c] >> (16 * half)) & 0xffff;
			/* movw/movt: cond 0011 0x00 imm4 rd imm12 */
			uint32_t field = (imm16 >> 12) << 16 | (imm16 & 0xfff);
			seen_plain += count_words(&plain, 0x0fbf0fff, 0x03000000 | field);
			seen_hard += count_words(&hard, 0x0fbf0fff, 0x03000000 | field);
		}
	TU_CHECK(seen_plain >= 8, "the plain image holds the constants (%u halves)", seen_plain);
	TU_CHECK(seen_hard == 0, "the blinded image holds %u halves of chosen constants", seen_hard);
	TU_CHECK(hard.size > plain.size, "blinding costs code");
	TU_CHECK(hard.size != hard2.size || memcmp(hard.code, hard2.code, hard.size) != 0,
		 "two blinded images differ (fresh keys)");
	bpf32_jit_info_free(&plain);
	bpf32_jit_info_free(&hard);
	bpf32_jit_info_free(&hard2);
	bpf32_prog_free(p);
}

static void test_dump(void)
{
	struct bpf32_prog *p = load_text("mov %r0, 1\nadd %r0, 2\nexit\n");
	char *text = NULL;
	struct bpf32_error err;
	if (!p)
		return;
	TU_CHECK(bpf32_jit_dump(p, BPF32_ARCH_ARM32, NULL, &text, &err) == 0, "dump: %s", err.msg);
	if (text) {
		TU_CHECK(strstr(text, "mov %r0, 1") && strstr(text, "exit"), "eBPF text in the dump");
		TU_CHECK(strstr(text, "e92d5ff0") != NULL, "machine words in the dump");
#ifdef BPF32_HAVE_CAPSTONE
		TU_CHECK(strstr(text, "push") != NULL, "disassembly in the dump");
#endif
		free(text);
	}
	TU_CHECK(bpf32_jit_dump(p, (enum bpf32_arch)99, NULL, &text, &err) == BPF32_ENOTSUP,
		 "unknown architecture");
	bpf32_prog_free(p);
}

/* A native image: executable, not writable (W^X), freed with the program. */
static void test_native(void)
{
	struct bpf32_prog *p = load_text("mov %r0, 42\nexit\n");
	struct bpf32_error err;
	if (!p)
		return;
	int rc = bpf32_jit(p, NULL, &err);
	if (rc == BPF32_ENOTSUP) {
		printf("jit_cross: no native JIT on this build (checked the refusal)\n");
		TU_CHECK(!bpf32_is_jited(p), "not JITed");
	} else {
		TU_CHECK(rc == 0, "native JIT: %s", err.msg);
		uint64_t r0 = 0;
		TU_CHECK(bpf32_run(p, NULL, 0, &r0, &err) == 0 && r0 == 42, "runs: r0 %llu",
			 (unsigned long long)r0);
		char line[512];
		int found = 0, wx = 0;
		FILE *maps = fopen("/proc/self/maps", "r");
		uintptr_t code = (uintptr_t)p->jit->mem;
		while (maps && fgets(line, sizeof line, maps)) {
			unsigned long lo, hi;
			char perms[8];
			if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && code >= lo && code < hi) {
				found = 1;
				wx = perms[1] == 'w' || perms[2] != 'x';
			}
		}
		if (maps)
			fclose(maps);
		TU_CHECK(found && !wx, "the code mapping is r-x (found %d)", found);
		TU_CHECK(bpf32_jit(p, NULL, &err) == 0, "JIT again replaces the image");
	}
	bpf32_prog_free(p);
}

/*
 * 32-bit code keeps no upper halves: registers only ever written by 32-bit
 * operations have none, so each add32 is one instruction; a register that
 * is live at entry (R1 here) keeps its upper half, zeroed by its add32.
 */
static void test_zero_hi(void)
{
	struct bpf32_prog *p = load_text("mov32 %r2, 1\nmov32 %r3, 2\nadd32 %r2, %r3\nadd32 %r3, %r2\n"
					 "add32 %r2, 7\nadd32 %r1, %r2\nmov32 %r0, %r3\nexit\n");
	struct bpf32_jit_info info;
	if (!p || image(p, 0, 0, &info))
		return;
	for (uint32_t s = 2; s <= 4; s++)
		TU_CHECK(info.slot_off[s + 1] - info.slot_off[s] == 4, "slot %u: %u bytes", s,
			 info.slot_off[s + 1] - info.slot_off[s]);
	TU_CHECK(info.slot_off[6] - info.slot_off[5] == 8, "add32 to R1 zero-extends: %u bytes",
		 info.slot_off[6] - info.slot_off[5]);
	bpf32_jit_info_free(&info);
	bpf32_prog_free(p);
}

int main(void)
{
	env = bpf32_env_new();
	test_layout();
	test_cpu_variants();
	test_blinding();
	test_dump();
	test_native();
	test_zero_hi();
	bpf32_env_free(env);
	printf("jit_cross: %d failures\n", tu_failures);
	return tu_failures ? 1 : 0;
}
