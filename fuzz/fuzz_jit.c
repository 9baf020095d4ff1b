/*
 * The JIT driver and every backend: any program the validator accepts
 * compiles, for every architecture, into an image whose per-slot offsets are
 * ordered and inside it (cross-JIT, so nothing runs). The option byte picks
 * the CPU variant and hardening (fuzz.h), so the fuzzer explores them all;
 * with both of its top bits set a listing is made too.
 */
#include "fuzz.h"

static const struct {
	enum bpf32_arch arch;
	enum bpf32_cpu cpus[4];
} targets[] = {
	{ BPF32_ARCH_ARM32, { BPF32_CPU_ARMV7, BPF32_CPU_ARMV7_IDIV } },
	{ BPF32_ARCH_MIPS32EL, { BPF32_CPU_MIPS32R1, BPF32_CPU_MIPS32R2, BPF32_CPU_MIPS32R6 } },
	{ BPF32_ARCH_MIPS32BE, { BPF32_CPU_MIPS32R1, BPF32_CPU_MIPS32R2, BPF32_CPU_MIPS32R6 } },
};

static void compile(const struct bpf32_prog *p, enum bpf32_arch arch, enum bpf32_cpu cpu,
		    uint32_t flags)
{
	struct bpf32_jit_opts o = { cpu, flags };
	struct bpf32_jit_info info;
	struct bpf32_error err;
	int rc = bpf32_jit_image(p, arch, &o, &info, &err);
	FUZZ_ASSERT(rc == 0, "arch %d cpu %d flags %u: a valid program does not compile: %s (%d), insn %d",
		    arch, cpu, flags, err.msg, rc, err.insn);
	FUZZ_ASSERT(info.nslots == bpf32_prog_len(p), "%u slots for %u", info.nslots,
		    bpf32_prog_len(p));
	FUZZ_ASSERT(info.size % 4 == 0 && info.entry < info.size, "entry %u, size %zu",
		    info.entry, info.size);
	for (uint32_t s = 0; s < info.nslots; s++)
		FUZZ_ASSERT(info.slot_off[s] <= info.slot_off[s + 1] && info.slot_off[s + 1] <= info.size,
			    "slot %u at [%u, %u) of %zu", s, info.slot_off[s], info.slot_off[s + 1],
			    info.size);
	bpf32_jit_info_free(&info);
}

/* Which architectures have a backend in this build (ENOTSUP: not yet). */
static int backend[sizeof targets / sizeof targets[0]];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const uint8_t tiny[] = { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
	struct bpf32_error err;
	struct bpf32_prog *p = bpf32_load(fuzz_env(1), tiny, sizeof tiny, BPF32_ORDER_LITTLE, NULL,
					  &err);
	FUZZ_ASSERT(p, "load: %s", err.msg);
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		struct bpf32_jit_info info;
		int rc = bpf32_jit_image(p, targets[t].arch, NULL, &info, &err);
		backend[t] = rc != BPF32_ENOTSUP;
		if (rc == 0)
			bpf32_jit_info_free(&info);
		if (!backend[t])
			fprintf(stderr, "fuzz_jit: no backend for architecture %d yet\n", targets[t].arch);
	}
	bpf32_prog_free(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct bpf32_error err;
	struct bpf32_prog *p = bpf32_load(fuzz_env(1), data + 1, size - 1, fuzz_order(opt),
					  fuzz_load_opts((opt & FUZZ_RELAXED) ? BPF32_LOAD_RELAXED : 0),
					  &err);
	if (!p)
		return 0;
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		if (!backend[t])
			continue;
		size_t ncpu = 0;
		while (ncpu < 4 && targets[t].cpus[ncpu])
			ncpu++;
		compile(p, targets[t].arch, targets[t].cpus[(opt >> 4 & 3) % ncpu],
			(opt & FUZZ_JIT_HARDEN) ? BPF32_JIT_HARDEN : 0);
	}
	if ((opt & 0xc0) == 0xc0) {
		char *text = NULL;
		if (bpf32_jit_dump(p, BPF32_ARCH_ARM32, NULL, &text, &err) == 0)
			free(text);
	}
	bpf32_prog_free(p);
	return 0;
}
