/* What the CLI's command files share; defined in bpf32.c and elf_cmds.c. */
#ifndef BPF32_CLI_H
#define BPF32_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "bpf32.h"

/* bpf32.c: messages to stderr; both return 1. */
int die(const char *fmt, const char *arg);
int report(const char *what, const struct bpf32_error *err);
/* bpf32.c: a whole file ("-": stdin), NUL-terminated; NULL on error. */
char *read_path(const char *path, size_t *len);
/* bpf32.c: hex bytes, any whitespace between bytes; NULL on a bad digit. */
uint8_t *parse_hex(const char *s, size_t *len);
/* bpf32.c: the --mem buffer: raw bytes, or hex text for a .hex file. */
char *read_mem(const char *path, size_t *len);
/* bpf32.c: --cpu names; 0, or -1 for an unknown name. */
int parse_cpu(const char *name, uint32_t *cpu);

/* bpf32.c: --arch names (arm32, mips32el, mips32be); 0, or -1 if unknown. */
int parse_arch(const char *name, enum bpf32_arch *arch);
/*
 * bpf32.c: print the native code: this CPU's when the program was JITed,
 * else the cross-JIT's for `arch`. Returns 0 or 1.
 */
int cli_dump_native(const struct bpf32_prog *p, enum bpf32_arch arch,
		    const struct bpf32_jit_opts *jopts);
/*
 * bpf32.c: JIT a loaded program per the --interp/--jit mode (-1: interpret,
 * 1: JIT or fail, 0: JIT where the build has a JIT); failures are reported
 * under `what`. Returns 0 or 1.
 */
int cli_jit(struct bpf32_prog *p, int mode, const struct bpf32_jit_opts *jopts, const char *what);

/* elf_cmds.c: `bpf32 run` on an ELF object, and `bpf32 maps`. */
int cli_is_elf(const char *path);
/*
 * elf_cmds.c: load the object into a new environment with the standard
 * helpers; `flags` are enum bpf32_elf_flags. NULL (reported) on error.
 */
struct bpf32_object *cli_open_object(const char *path, uint32_t flags, struct bpf32_env **env);
int elf_run_applies(int argc, char **argv);
int cmd_elf_run(int argc, char **argv);
int cmd_maps(int argc, char **argv);

/* filter.c: classic filters over captures. */
int cmd_filter(int argc, char **argv);

#endif /* BPF32_CLI_H */
