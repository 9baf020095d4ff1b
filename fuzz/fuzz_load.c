/*
 * Raw loader and validator, then the interpreter on every program they
 * accept: its own checks must stop every bad access, division and jump
 * with an error, never a crash. A step budget bounds the run.
 *
 * The tail-call helper is in the environment, and for the run the program
 * is slot 0 of the prog array LDDW map 0 names, so it may tail-call itself;
 * any other R2 (a number, a pointer into the array) must make the tail call
 * fail, never a read through it.
 */
#include <string.h>

#include "fuzz.h"

#define CTX_SIZE 64
#define MAX_STEPS 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	struct bpf32_error err;
	struct bpf32_prog *p = bpf32_load(fuzz_env(1), data + 1, size - 1, fuzz_order(opt),
					  fuzz_load_opts((opt & FUZZ_RELAXED) ? BPF32_LOAD_RELAXED : 0),
					  &err);
	if (!p) {
		FUZZ_ASSERT(err.code < 0 && err.msg[0], "a refusal names no reason");
		return 0;
	}
	FUZZ_ASSERT(bpf32_prog_len(p) == (size - 1) / 8, "length %u of %zu bytes",
		    bpf32_prog_len(p), size - 1);

	/* The ctx buffer, and the same bytes as a packet with a fragment. */
	uint8_t ctx[CTX_SIZE], frag[16];
	for (size_t k = 0; k < sizeof ctx; k++)
		ctx[k] = (uint8_t)(k * 7 + 3);
	memset(frag, 0xa5, sizeof frag);
	struct bpf32_packet pkt = { .data = ctx, .len = CTX_SIZE + sizeof frag,
				    .headlen = CTX_SIZE, .frag = frag, .mac_off = 2, .net_off = 14 };
	struct bpf32_run_args args = { .ctx = ctx, .ctx_len = sizeof ctx,
				       .pkt = (opt & FUZZ_PACKET) ? &pkt : NULL, .max_steps = MAX_STEPS };
	uint64_t r0 = 0;
	FUZZ_ASSERT(bpf32_prog_array_set(fuzz_prog_array(), 0, p, &err) == 0, "%s", err.msg);
	int rc = bpf32_interp(p, &args, &r0, &err);
	FUZZ_ASSERT(rc == 0 || (rc < 0 && err.msg[0]), "run error %d without a message", rc);
	FUZZ_ASSERT(bpf32_prog_array_set(fuzz_prog_array(), 0, NULL, &err) == 0, "%s", err.msg);
	bpf32_prog_free(p);
	return 0;
}
