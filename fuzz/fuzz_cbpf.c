/*
 * Classic BPF: the `tcpdump -ddd` text parser and the loader (validation and
 * conversion to eBPF) for socket and seccomp filters; every accepted filter
 * runs on the interpreter over a packet with a fragment (socket filters)
 * or a struct seccomp_data, and its eBPF form cross-JITs for every
 * architecture with a backend.
 */
#include <string.h>

#include "fuzz.h"

static void run(struct bpf32_prog *p, int seccomp)
{
	struct bpf32_error err;
	uint32_t ret;
	if (seccomp) {
		struct bpf32_seccomp_data d = { .nr = 59, .arch = 0xc000003e,
						.instruction_pointer = 0x7f0012345678ull,
						.args = { 1, 2, 3, 0xffffffffull, 1ull << 32, 0 } };
		int rc = bpf32_run_seccomp(p, &d, &ret, &err);
		FUZZ_ASSERT(rc == 0 || err.msg[0], "seccomp run error %d without a message", rc);
		return;
	}
	uint8_t head[60], frag[40];
	for (size_t k = 0; k < sizeof head; k++)
		head[k] = (uint8_t)(k * 13 + 1);
	memset(frag, 0x5a, sizeof frag);
	struct bpf32_packet pkts[2] = {
		{ .data = head, .len = sizeof head, .headlen = sizeof head, .net_off = 14 },
		{ .data = head, .len = sizeof head + sizeof frag, .headlen = sizeof head, .frag = frag,
		  .mac_off = 0, .net_off = 14,
		  .meta = { .protocol = 0x0800, .ifindex = 3, .vlan_tci = 5, .vlan_present = 1 } },
	};
	for (size_t k = 0; k < 2; k++) {
		int rc = bpf32_run_cbpf(p, &pkts[k], &ret, &err);
		FUZZ_ASSERT(rc == 0 || err.msg[0], "run error %d without a message", rc);
	}
}

static void cross_jit(const struct bpf32_prog *p)
{
	static const enum bpf32_arch archs[] = { BPF32_ARCH_ARM32, BPF32_ARCH_MIPS32EL,
						  BPF32_ARCH_MIPS32BE };
	for (size_t k = 0; k < sizeof archs / sizeof archs[0]; k++) {
		struct bpf32_jit_info info;
		struct bpf32_error err;
		int rc = bpf32_jit_image(p, archs[k], NULL, &info, &err);
		FUZZ_ASSERT(rc == 0 || rc == BPF32_ENOTSUP, "arch %d: a converted filter does not compile: %s",
			    archs[k], err.msg);
		if (rc == 0)
			bpf32_jit_info_free(&info);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct bpf32_error err;
	struct bpf32_sock_filter *insns = NULL;
	uint32_t n = 0;
	if (opt & FUZZ_TEXT) {
		char *text = malloc(size);
		FUZZ_ASSERT(text, "out of memory");
		memcpy(text, data + 1, size - 1);
		text[size - 1] = 0;
		int rc = bpf32_cbpf_parse(text, &insns, &n, &err);
		free(text);
		if (rc) {
			FUZZ_ASSERT(rc < 0 && err.msg[0], "a refusal names no reason");
			return 0;
		}
	} else {
		n = (uint32_t)((size - 1) / 8);
		insns = calloc(n ? n : 1, sizeof *insns);
		FUZZ_ASSERT(insns, "out of memory");
		for (uint32_t k = 0; k < n; k++) {
			const uint8_t *b = data + 1 + 8 * (size_t)k;
			insns[k].code = (uint16_t)(b[0] | b[1] << 8);
			insns[k].jt = b[2];
			insns[k].jf = b[3];
			insns[k].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
				     (uint32_t)b[7] << 24;
		}
	}
	/* Loading registers the ancillary helpers it needs: a fresh environment each time. */
	struct bpf32_env *env = bpf32_env_new();
	FUZZ_ASSERT(env, "out of memory");
	int seccomp = opt & FUZZ_SECCOMP;
	struct bpf32_prog *p = bpf32_load_cbpf(env, insns, n,
					       seccomp ? BPF32_CBPF_SECCOMP : BPF32_CBPF_SOCKET, &err);
	if (p) {
		run(p, seccomp);
		cross_jit(p);
		bpf32_prog_free(p);
	} else {
		FUZZ_ASSERT(err.code < 0 && err.msg[0], "a refusal names no reason");
	}
	bpf32_env_free(env);
	free(insns);
	return 0;
}
