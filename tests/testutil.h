/* Small helpers shared by bpf32's test programs. */
#ifndef BPF32_TESTUTIL_H
#define BPF32_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf32.h"

/* Read a whole file; NULL on error. *len gets its size. Free with free(). */
uint8_t *tu_read_file(const char *path, size_t *len);

/*
 * Check that a shared test-data directory exists. When it does not, print a
 * loud message and return 0 outside CI (the caller skips with exit code 0),
 * or exit(1) when the environment variable CI is "true".
 */
int tu_shared_present(const char *dir);

/* Count of failed checks, set by TU_CHECK. */
extern int tu_failures;

#define TU_CHECK(cond, ...)                                                   \
	do {                                                                  \
		if (!(cond)) {                                                \
			tu_failures++;                                        \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                             \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
	} while (0)

#endif

/*
 * A run configuration of the suite runners: the interpreter, or the JIT with
 * options. Names: "interp", "jit", "jit-harden", "jit-<cpu>" and
 * "jit-<cpu>-harden" with <cpu> one of armv7, armv7-idiv, mips32r1, mips32r2,
 * mips32r6.
 */
struct tu_config {
	char name[48];
	int jit;
	struct bpf32_jit_opts jopts;
};

/* 0 on success, -1 for an unknown name. */
int tu_config_parse(const char *name, struct tu_config *c);

/*
 * Prepare a loaded program for a configuration: JIT it when the
 * configuration says so. Returns 0 or the bpf32_jit() error.
 */
int tu_config_apply(const struct tu_config *c, struct bpf32_prog *p, struct bpf32_error *err);
