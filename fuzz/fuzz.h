/*
 * Shared parts of the libFuzzer targets: input layouts and the environment.
 *
 * Inputs whose parser takes options start with one option byte:
 *   load, jit   byte 0: bit 0 big-endian slots, bit 1 BPF32_LOAD_RELAXED;
 *               load: bit 7 packet loads read a packet with a fragment
 *               (else the ctx buffer);
 *               jit: bit 2 constant blinding, bits 4-5 the CPU variant
 *               (index into the architecture's list, modulo its length),
 *               bits 6-7 both set: also make a listing;
 *               then instruction slots
 *   disasm      byte 0: bit 0 big-endian slots; then slots
 *   cbpf        byte 0: bit 0 seccomp (else socket filter), bit 1 text as
 *               `tcpdump -ddd` prints it (else struct sock_filter records,
 *               8 bytes each, little endian); then the program
 * asm and elf inputs are the text / the object file as they are.
 */
#ifndef BPF32_FUZZ_H
#define BPF32_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bpf32.h"

enum {
	FUZZ_BIG = 1u << 0,
	FUZZ_RELAXED = 1u << 1,
	FUZZ_JIT_HARDEN = 1u << 2,
	FUZZ_PACKET = 1u << 7,
	FUZZ_SECCOMP = 1u << 0,
	FUZZ_TEXT = 1u << 1,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the target checks was broken: say which, and crash for libFuzzer. */
#define FUZZ_ASSERT(cond, ...)                                                  \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/*
 * An environment with the difftest helpers (tests/gen.c: scalars only, so
 * any arguments are safe) and, when `tail_calls`, the tail-call helper.
 */
struct bpf32_env *fuzz_env(int tail_calls);

/* The load options: LDDW map 0 is a prog array with two slots, empty between runs. */
const struct bpf32_load_opts *fuzz_load_opts(uint32_t flags);

/* That prog array (a target may fill its slots for one run). */
struct bpf32_prog_array *fuzz_prog_array(void);

/* Byte order from an option byte. */
static inline enum bpf32_byte_order fuzz_order(uint8_t opt)
{
	return (opt & FUZZ_BIG) ? BPF32_ORDER_BIG : BPF32_ORDER_LITTLE;
}

#endif /* BPF32_FUZZ_H */
