/*
 * bpf32 — command-line front end of the library.
 *
 *   bpf32 run [--interp|--jit] [--mem FILE] [--repeat N] [--be] [--cpu C] [--harden] PROG
 *   bpf32 run ... PROG.o, bpf32 maps PROG.o   (ELF objects: elf_cmds.c)
 *   bpf32 jit [--arch A] [--cpu C] [--harden] [--be] [--dump] PROG
 *   bpf32 asm PROG.s [-o OUT]
 *   bpf32 disasm [--be] PROG
 *   bpf32 plugin [--interp|--jit] [--cpu C] [--harden] [MEMHEX]
 *
 * PROG is assembly text (.s), hex slots (.hex, one 16-digit slot per line in
 * memory order, as in bpf_conformance/raw) or raw bytes (anything else). Raw
 * and hex input is little-endian unless --be is given. The --mem buffer is
 * raw bytes, or hex bytes when its name ends in .hex.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf32.h"
#include "cli.h"

static const char usage[] =
	"usage:\n"
	"  bpf32 run [--interp|--jit] [--mem FILE] [--repeat N] [--be] [--cpu C] [--harden] PROG\n"
	"  bpf32 run [--interp|--jit] [--mem FILE] [--repeat N] [--cpu C] [--harden]\n"
	"            [--section S]... [--map NAME=KEYHEX:VALUEHEX]... [--dump-maps] PROG.o\n"
	"  bpf32 maps PROG.o\n"
	"  bpf32 jit [--arch arm32|mips32el|mips32be] [--cpu C] [--harden] [--be] [--dump] PROG\n"
	"  bpf32 asm PROG.s [-o OUT]\n"
	"  bpf32 disasm [--be] PROG\n"
	"  bpf32 plugin [--interp|--jit] [--cpu C] [--harden] [MEMHEX]\n"
	"  bpf32 filter [--interp] [--cpu C] [--count] [--dump [--arch A]] (EXPR | --bytecode B) FILE.pcap\n"
	"  bpf32 filter --emit-bytecode EXPR [FILE.pcap]\n"
	"PROG: .s assembly, .hex (one 16-hex-digit slot per line) or raw bytes.\n"
	"--cpu: armv7, armv7-idiv, mips32r1, mips32r2, mips32r6.\n";

int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bpf32: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

int report(const char *what, const struct bpf32_error *err)
{
	if (err->insn >= 0)
		fprintf(stderr, "bpf32: %s: instruction %d: %s\n", what, err->insn, err->msg);
	else
		fprintf(stderr, "bpf32: %s: %s\n", what, err->msg);
	return 1;
}

/* ------------------------------------------------------------ input files */

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *nb = realloc(buf, 2 * cap + 1);
		if (!nb)
			free(buf);
		buf = nb;
		cap *= 2;
	}
	if (!buf || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

char *read_path(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	char *buf = read_all(f, len);
	if (f != stdin)
		fclose(f);
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Parse hex bytes separated by any whitespace (or none): "b4 00 01", "b400..",
 * one slot per line. Returns a malloc'd buffer, NULL on a bad digit.
 */
uint8_t *parse_hex(const char *s, size_t *len)
{
	uint8_t *out = malloc(strlen(s) / 2 + 1);
	size_t n = 0;
	int hi = -1;
	for (; out && *s; s++) {
		if (isspace((unsigned char)*s)) {
			if (hi >= 0)
				goto bad;   /* odd digit count in a group */
			continue;
		}
		int v = hexval((unsigned char)*s);
		if (v < 0)
			goto bad;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto bad;
	*len = n;
	return out;
bad:
	free(out);
	return NULL;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The --mem buffer: raw bytes, or hex text for a .hex file. */
char *read_mem(const char *path, size_t *len)
{
	char *raw = read_path(path, len);
	if (!raw || !has_suffix(path, ".hex"))
		return raw;
	char *bytes = (char *)parse_hex(raw, len);
	free(raw);
	return bytes;
}

/* Load PROG from a file, by extension; reports its own errors. */
static struct bpf32_prog *load_file(struct bpf32_env *env, const char *path, int be)
{
	size_t len;
	char *text = read_path(path, &len);
	if (!text) {
		fprintf(stderr, "bpf32: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = NULL;
	enum bpf32_byte_order order = be ? BPF32_ORDER_BIG : BPF32_ORDER_LITTLE;
	uint8_t *bytes = (uint8_t *)text;
	if (has_suffix(path, ".s")) {
		p = bpf32_load_asm(env, text, NULL, &err);
	} else if (has_suffix(path, ".hex") && !(bytes = parse_hex(text, &len))) {
		fprintf(stderr, "bpf32: %s: not hex\n", path);
		free(text);
		return NULL;
	} else {
		p = bpf32_load(env, bytes, len, order, NULL, &err);
	}
	if (!p)
		report("load", &err);
	if (bytes != (uint8_t *)text)
		free(bytes);
	free(text);
	return p;
}

/* ------------------------------------------------------------ options */

struct opts {
	int jit;               /* -1: --interp, 1: --jit, 0: default */
	int be;
	int dump;
	enum bpf32_arch arch;  /* --arch, for jit */
	const char *mem;
	const char *out;
	unsigned long repeat;
	struct bpf32_jit_opts jopts;
	const char *pos[4];
	int npos;
};

static const struct {
	const char *name;
	enum bpf32_cpu cpu;
} cpus[] = {
	{ "armv7", BPF32_CPU_ARMV7 },       { "armv7-idiv", BPF32_CPU_ARMV7_IDIV },
	{ "mips32r1", BPF32_CPU_MIPS32R1 }, { "mips32r2", BPF32_CPU_MIPS32R2 },
	{ "mips32r6", BPF32_CPU_MIPS32R6 },
};

int parse_cpu(const char *name, uint32_t *cpu)
{
	for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++)
		if (strcmp(name, cpus[i].name) == 0) {
			*cpu = cpus[i].cpu;
			return 0;
		}
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->repeat = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--interp")) {
			o->jit = -1;
		} else if (!strcmp(a, "--jit")) {
			o->jit = 1;
		} else if (!strcmp(a, "--be")) {
			o->be = 1;
		} else if (!strcmp(a, "--harden")) {
			o->jopts.flags |= BPF32_JIT_HARDEN;
		} else if (!strcmp(a, "--dump")) {
			o->dump = 1;
		} else if (!strcmp(a, "--mem") || !strcmp(a, "-o") || !strcmp(a, "--repeat") ||
			   !strcmp(a, "--cpu") || !strcmp(a, "--arch")) {
			if (!val)
				return die("%s needs a value", a);
			i++;
			if (!strcmp(a, "--mem")) {
				o->mem = val;
			} else if (!strcmp(a, "-o")) {
				o->out = val;
			} else if (!strcmp(a, "--cpu")) {
				if (parse_cpu(val, &o->jopts.cpu))
					return die("unknown cpu %s", val);
			} else if (!strcmp(a, "--arch")) {
				if (parse_arch(val, &o->arch))
					return die("unknown architecture %s (arm32, mips32el, mips32be)", val);
			} else {
				char *end;
				o->repeat = strtoul(val, &end, 10);
				if (*end || !o->repeat)
					return die("bad repeat count %s", val);
			}
		} else if (a[0] == '-' && a[1] == '-') {
			return die("unknown option %s", a);
		} else if (o->npos < 4) {
			o->pos[o->npos++] = a;
		} else {
			return die("too many arguments at %s", a);
		}
	}
	return 0;
}

static const struct {
	const char *name;
	enum bpf32_arch arch;
} archs[] = {
	{ "arm32", BPF32_ARCH_ARM32 },
	{ "mips32el", BPF32_ARCH_MIPS32EL },
	{ "mips32be", BPF32_ARCH_MIPS32BE },
};

int parse_arch(const char *name, enum bpf32_arch *arch)
{
	for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
		if (!strcmp(name, archs[i].name)) {
			*arch = archs[i].arch;
			return 0;
		}
	return -1;
}

int cli_dump_native(const struct bpf32_prog *p, enum bpf32_arch arch,
		    const struct bpf32_jit_opts *jopts)
{
	char *text;
	struct bpf32_error err = { 0 };
	if (bpf32_is_jited(p))
		arch = BPF32_ARCH_HOST;
	if (bpf32_jit_dump(p, arch, jopts, &text, &err))
		return report("jit listing", &err);
	fputs(text, stdout);
	free(text);
	return 0;
}

int cli_jit(struct bpf32_prog *p, int mode, const struct bpf32_jit_opts *jopts, const char *what)
{
	if (mode < 0)
		return 0;
	struct bpf32_error err = { 0 };
	int rc = bpf32_jit(p, jopts, &err);
	if (rc == 0 || (rc == BPF32_ENOTSUP && mode == 0))
		return 0;   /* JITed, or the default mode on a build without a JIT */
	return report(what, &err);
}

/* ------------------------------------------------------------ commands */

static int cmd_run(int argc, char **argv)
{
	if (elf_run_applies(argc, argv))   /* an ELF object: elf_cmds.c */
		return cmd_elf_run(argc, argv);
	struct opts o;
	if (parse_opts(argc, argv, &o))
		return 1;
	if (o.npos != 1)
		return die("%s", "run needs one program file");
	struct bpf32_error err = { 0 };
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_prog *p = env ? load_file(env, o.pos[0], o.be) : NULL;
	char *mem = NULL;
	size_t mem_len = 0;
	int rc = 1;
	if (!p)
		goto out;
	if (o.mem && !(mem = read_mem(o.mem, &mem_len))) {
		die("cannot read %s (or it is not hex)", o.mem);
		goto out;
	}
	if (cli_jit(p, o.jit, &o.jopts, "jit"))
		goto out;
	uint64_t r0 = 0;
	for (unsigned long i = 0; i < o.repeat; i++)
		if (bpf32_run(p, mem, mem_len, &r0, &err)) {
			report("run", &err);
			goto out;
		}
	printf("0x%llx\n", (unsigned long long)r0);
	rc = 0;
out:
	free(mem);
	bpf32_prog_free(p);
	bpf32_env_free(env);
	return rc;
}

/* The code size of one program for --arch, or with --dump its listing. */
static int jit_report(const struct bpf32_prog *p, const struct opts *o)
{
	if (o->dump)
		return cli_dump_native(p, o->arch, &o->jopts);
	struct bpf32_jit_info info;
	struct bpf32_error err = { 0 };
	if (bpf32_jit_image(p, o->arch, &o->jopts, &info, &err))
		return report("jit", &err);
	printf("%u eBPF slots -> %zu bytes (%.2f machine words per slot)\n",
	       info.nslots, info.size, info.size / 4.0 / info.nslots);
	bpf32_jit_info_free(&info);
	return 0;
}

/* Every program of an ELF object, each under its name. */
static int jit_object(const char *path, const struct opts *o)
{
	struct bpf32_env *env;
	/* Only compiled, never run: an object of either byte order will do. */
	struct bpf32_object *obj = cli_open_object(path, BPF32_ELF_FOREIGN_ORDER, &env);
	if (!obj)
		return 1;
	int rc = 0;
	for (uint32_t i = 0; i < bpf32_object_prog_count(obj) && !rc; i++) {
		printf("%s:\n", bpf32_object_prog_name(obj, i));
		rc = jit_report(bpf32_object_prog(obj, i), o);
	}
	bpf32_object_free(obj);
	bpf32_env_free(env);
	return rc;
}

/*
 * Compile for --arch (default: this CPU) without running: print the code size,
 * or with --dump the listing of every eBPF instruction and its native code.
 */
static int cmd_jit(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o))
		return 1;
	if (o.npos != 1)
		return die("%s", "jit needs one program file");
	if (cli_is_elf(o.pos[0]))
		return jit_object(o.pos[0], &o);
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_prog *p = env ? load_file(env, o.pos[0], o.be) : NULL;
	int rc = p ? jit_report(p, &o) : 1;
	bpf32_prog_free(p);
	bpf32_env_free(env);
	return rc;
}

static int cmd_asm(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o))
		return 1;
	if (o.npos != 1)
		return die("%s", "asm needs one source file");
	size_t len;
	char *text = read_path(o.pos[0], &len);
	if (!text)
		return die("cannot read %s", o.pos[0]);
	uint8_t *bytes;
	struct bpf32_error err = { 0 };
	int rc = bpf32_asm(text, &bytes, &len, &err);
	free(text);
	if (rc)
		return report("asm", &err);
	FILE *f = o.out ? fopen(o.out, "wb") : stdout;
	if (!f || fwrite(bytes, 1, len, f) != len || (f != stdout && fclose(f))) {
		free(bytes);
		return die("cannot write %s", o.out ? o.out : "stdout");
	}
	free(bytes);
	return 0;
}

static int cmd_disasm(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o))
		return 1;
	if (o.npos != 1)
		return die("%s", "disasm needs one program file");
	size_t len;
	char *text = read_path(o.pos[0], &len);
	if (!text)
		return die("cannot read %s", o.pos[0]);
	uint8_t *bytes = (uint8_t *)text;
	if (has_suffix(o.pos[0], ".hex")) {
		bytes = parse_hex(text, &len);
		free(text);
		if (!bytes)
			return die("%s: not hex", o.pos[0]);
	}
	char *out;
	struct bpf32_error err = { 0 };
	int rc = bpf32_disasm(bytes, len, o.be ? BPF32_ORDER_BIG : BPF32_ORDER_LITTLE, &out, &err);
	free(bytes);
	if (rc)
		return report("disasm", &err);
	fputs(out, stdout);
	free(out);
	return 0;
}

/* The conformance suite's helper 5 ("unwind"): returns its argument. */
static uint64_t unwind(uint64_t x)
{
	return x;
}

/*
 * The bpf_conformance plugin protocol: the program as hex bytes on stdin,
 * the memory as an optional hex argument, r0 printed in hex.
 */
static int cmd_plugin(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o))
		return 1;
	if (o.npos > 1)
		return die("%s", "plugin takes at most one memory argument");
	size_t len, mem_len = 0;
	char *text = read_all(stdin, &len);
	uint8_t *prog = text ? parse_hex(text, &len) : NULL;
	uint8_t *mem = o.npos ? parse_hex(o.pos[0], &mem_len) : NULL;
	free(text);
	struct bpf32_error err = { 0 };
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_prog *p = NULL;
	int rc = 1;
	if (!prog || (o.npos && !mem)) {
		die("%s", "program or memory is not hex");
		goto out;
	}
	static const struct bpf32_helper_proto unwind_proto = {
		.nargs = 1, .arg64 = 1, .ret = BPF32_RET_U64,
		.flags = BPF32_HELPER_UNWIND_ON_ZERO,
	};
	if (!env || bpf32_helper_register(env, 5, "unwind", (void *)unwind, &unwind_proto, &err)) {
		report("plugin", &err);
		goto out;
	}
	p = bpf32_load(env, prog, len, BPF32_ORDER_LITTLE, NULL, &err);
	if (!p) {
		report("load", &err);
		goto out;
	}
	if (cli_jit(p, o.jit, &o.jopts, "jit"))
		goto out;
	uint64_t r0;
	if (bpf32_run(p, mem, mem_len, &r0, &err)) {
		report("run", &err);
		goto out;
	}
	printf("0x%llx\n", (unsigned long long)r0);
	rc = 0;
out:
	bpf32_prog_free(p);
	bpf32_env_free(env);
	free(prog);
	free(mem);
	return rc;
}


static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "jit", cmd_jit },
	{ "asm", cmd_asm },
	{ "disasm", cmd_disasm },
	{ "plugin", cmd_plugin },
	{ "filter", cmd_filter },
	{ "maps", cmd_maps },
};

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (!strcmp(argv[1], commands[i].name))
				return commands[i].fn(argc - 2, argv + 2);
	fputs(usage, stderr);
	return 2;
}
