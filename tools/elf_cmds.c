/*
 * bpf32 run / bpf32 maps on ELF objects built by clang.
 *
 *   bpf32 run [--interp|--jit] [--cpu C] [--harden] [--repeat N] [--mem FILE]
 *             [--section S]... [--map NAME=KEYHEX:VALUEHEX]... [--dump-maps] PROG.o
 *   bpf32 maps PROG.o
 *
 * `run` loads the object with the standard helpers (trace_printk lines go to
 * stderr), stores each --map element (raw key and value bytes in hex, in
 * the map's sizes), JITs every program (by default where the build has a
 * JIT) and runs the programs named by --section (a function name or a
 * section name; in the order given, sharing the maps) with R1 = the --mem
 * buffer and R2 = its length. It prints R0 of each ("0x..." for one program,
 * "NAME: 0x..." for several), then with --dump-maps every map's elements.
 * Without --section it runs the object's first program.
 *
 * `maps` lists the object's maps: name, type, key and value sizes,
 * max_entries and flags (for objects of either byte order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_LIST 32   /* --section and --map options */

struct elf_opts {
	int jit;                         /* -1: --interp, 1: --jit, 0: default */
	struct bpf32_jit_opts jopts;
	unsigned long repeat;
	const char *mem, *path;
	const char *sections[MAX_LIST];
	int nsections;
	const char *maps[MAX_LIST];
	int nmaps;
	int dump;
};

/* Options that take a value, so that the program argument can be found. */
static int takes_value(const char *a)
{
	static const char *const with_value[] = { "--mem", "-o", "--repeat", "--cpu",
						  "--section", "--map" };
	for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
		if (!strcmp(a, with_value[i]))
			return 1;
	return 0;
}

int cli_is_elf(const char *path)
{
	unsigned char magic[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int elf = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	fclose(f);
	return elf;
}

int elf_run_applies(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (takes_value(argv[i]))
			i++;
		else if (argv[i][0] != '-')
			return cli_is_elf(argv[i]);
	}
	return 0;
}

static int add_to(const char **list, int *n, const char *v, const char *what)
{
	if (*n == MAX_LIST)
		return die("too many %s options", what);
	list[(*n)++] = v;
	return 0;
}

static int parse_elf_opts(int argc, char **argv, struct elf_opts *o)
{
	memset(o, 0, sizeof *o);
	o->repeat = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (takes_value(a) && !val)
			return die("%s needs a value", a);
		if (!strcmp(a, "--interp") || !strcmp(a, "--jit")) {
			o->jit = a[2] == 'j' ? 1 : -1;
		} else if (!strcmp(a, "--harden")) {
			o->jopts.flags |= BPF32_JIT_HARDEN;
		} else if (!strcmp(a, "--dump-maps")) {
			o->dump = 1;
		} else if (!strcmp(a, "--cpu")) {
			if (parse_cpu(argv[++i], &o->jopts.cpu))
				return die("unknown cpu %s", val);
		} else if (!strcmp(a, "--repeat")) {
			char *end;
			o->repeat = strtoul(argv[++i], &end, 10);
			if (*end || !o->repeat)
				return die("bad repeat count %s", val);
		} else if (!strcmp(a, "--mem")) {
			o->mem = argv[++i];
		} else if (!strcmp(a, "--section")) {
			if (add_to(o->sections, &o->nsections, argv[++i], "--section"))
				return 1;
		} else if (!strcmp(a, "--map")) {
			if (add_to(o->maps, &o->nmaps, argv[++i], "--map"))
				return 1;
		} else if (a[0] == '-') {
			return die("unknown option %s for an ELF object", a);
		} else if (o->path) {
			return die("too many arguments at %s", a);
		} else {
			o->path = a;
		}
	}
	if (!o->path)
		return die("%s", "no object file");
	return 0;
}

/* ------------------------------------------------------------ loading */

static void trace_to_stderr(void *user, const char *line, size_t len)
{
	(void)user;
	fprintf(stderr, "bpf_trace_printk: %.*s\n", (int)len, line);
}

struct bpf32_object *cli_open_object(const char *path, uint32_t flags, struct bpf32_env **env)
{
	size_t len;
	char *bytes = read_path(path, &len);
	struct bpf32_error err = { 0 };
	struct bpf32_std_hooks hooks = { .trace = trace_to_stderr };
	struct bpf32_elf_opts opts = { flags };
	struct bpf32_object *obj = NULL;
	*env = NULL;
	if (!bytes) {
		fprintf(stderr, "bpf32: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	*env = bpf32_env_new();
	if (!*env || bpf32_std_helpers_register(*env, &hooks, &err))
		report("helpers", &err);
	else if (!(obj = bpf32_load_elf(*env, bytes, len, &opts, &err)))
		report("load", &err);
	free(bytes);
	if (!obj) {
		bpf32_env_free(*env);
		*env = NULL;
	}
	return obj;
}

/* --map NAME=KEYHEX:VALUEHEX */
static int preload(struct bpf32_object *obj, const char *spec)
{
	const char *eq = strchr(spec, '='), *colon = eq ? strchr(eq, ':') : NULL;
	if (!colon)
		return die("--map %s: expected NAME=KEYHEX:VALUEHEX", spec);
	char name[64], *key_hex = strndup(eq + 1, (size_t)(colon - eq - 1));
	snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
	struct bpf32_map *m = bpf32_object_find_map(obj, name);
	size_t klen = 0, vlen = 0;
	uint8_t *key = key_hex ? parse_hex(key_hex, &klen) : NULL;
	uint8_t *value = parse_hex(colon + 1, &vlen);
	struct bpf32_error err = { 0 };
	int rc = 1;
	if (!m)
		die("--map: the object has no map %s", name);
	else if (!key || !value)
		die("--map %s: key or value is not hex", spec);
	else if (klen != bpf32_map_info(m)->key_size || vlen != bpf32_map_info(m)->value_size)
		die("--map %s: key or value size differs from the map's", spec);
	else if (bpf32_map_update(m, key, value, BPF32_ANY, &err))
		report("--map", &err);
	else
		rc = 0;
	free(key_hex);
	free(key);
	free(value);
	return rc;
}

/* JIT every program when asked (--jit) or by default on builds with a JIT. */
static int jit_all(struct bpf32_object *obj, const struct elf_opts *o)
{
	for (uint32_t i = 0; i < bpf32_object_prog_count(obj); i++)
		if (cli_jit(bpf32_object_prog(obj, i), o->jit, &o->jopts,
			    bpf32_object_prog_name(obj, i)))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ dumping */

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static const char *prog_name(const struct bpf32_object *obj, const struct bpf32_prog *p)
{
	for (uint32_t i = 0; i < bpf32_object_prog_count(obj); i++)
		if (bpf32_object_prog(obj, i) == p)
			return bpf32_object_prog_name(obj, i);
	return "(a program of another object)";
}

static void print_map_line(struct bpf32_map *m)
{
	const struct bpf32_map_def *d = bpf32_map_info(m);
	printf("%-16s %-12s key %3u value %5u max_entries %6u flags 0x%x\n", bpf32_map_name(m),
	       bpf32_map_type_name(d->type), d->key_size, d->value_size, d->max_entries, d->flags);
}

/* Every element as KEYHEX: VALUEHEX (prog arrays: KEYHEX: program name). */
static int dump_map(const struct bpf32_object *obj, struct bpf32_map *m)
{
	const struct bpf32_map_def *d = bpf32_map_info(m);
	uint8_t *key = malloc(d->key_size), *next = malloc(d->key_size);
	if (!key || !next) {
		free(key);
		free(next);
		return die("%s", "out of memory");
	}
	printf("map ");
	print_map_line(m);
	const void *prev = NULL;
	while (bpf32_map_next_key(m, prev, next, NULL) == 0) {
		memcpy(key, next, d->key_size);
		prev = key;
		if (d->type == BPF32_MAP_PROG_ARRAY) {
			uint32_t index;
			memcpy(&index, key, sizeof index);
			struct bpf32_prog *p = bpf32_map_get_prog(m, index);
			if (p) {
				printf("  ");
				print_hex(key, d->key_size);
				printf(": %s\n", prog_name(obj, p));
			}
			continue;
		}
		const uint8_t *value = bpf32_map_lookup(m, key);
		if (!value)
			continue;
		printf("  ");
		print_hex(key, d->key_size);
		printf(": ");
		print_hex(value, d->value_size);
		putchar('\n');
	}
	free(key);
	free(next);
	return 0;
}

/* ------------------------------------------------------------ commands */

static int run_one(struct bpf32_object *obj, const char *name, const struct elf_opts *o,
		   char *mem, size_t mem_len, int label)
{
	struct bpf32_prog *p = name ? bpf32_object_find_prog(obj, name) : bpf32_object_prog(obj, 0);
	if (!p)
		return die("the object has no program or section %s", name);
	uint64_t r0 = 0;
	struct bpf32_error err = { 0 };
	for (unsigned long i = 0; i < o->repeat; i++)
		if (bpf32_run(p, mem, mem_len, &r0, &err))
			return report("run", &err);
	if (label)
		printf("%s: ", name);
	printf("0x%llx\n", (unsigned long long)r0);
	return 0;
}

int cmd_elf_run(int argc, char **argv)
{
	struct elf_opts o;
	if (parse_elf_opts(argc, argv, &o))
		return 1;
	struct bpf32_env *env;
	struct bpf32_object *obj = cli_open_object(o.path, 0, &env);
	char *mem = NULL;
	size_t mem_len = 0;
	int rc = 1;
	if (!obj)
		return 1;
	if (o.mem && !(mem = read_mem(o.mem, &mem_len))) {
		die("cannot read %s (or it is not hex)", o.mem);
		goto out;
	}
	for (int i = 0; i < o.nmaps; i++)
		if (preload(obj, o.maps[i]))
			goto out;
	if (jit_all(obj, &o))
		goto out;
	if (o.nsections == 0 && run_one(obj, NULL, &o, mem, mem_len, 0))
		goto out;
	for (int i = 0; i < o.nsections; i++)
		if (run_one(obj, o.sections[i], &o, mem, mem_len, o.nsections > 1))
			goto out;
	for (uint32_t i = 0; o.dump && i < bpf32_object_map_count(obj); i++)
		if (dump_map(obj, bpf32_object_map(obj, i)))
			goto out;
	rc = 0;
out:
	free(mem);
	bpf32_object_free(obj);
	bpf32_env_free(env);
	return rc;
}

int cmd_maps(int argc, char **argv)
{
	if (argc != 1)
		return die("%s", "maps needs one object file");
	struct bpf32_env *env;
	/* Only definitions are shown: an object of either byte order will do. */
	struct bpf32_object *obj = cli_open_object(argv[0], BPF32_ELF_FOREIGN_ORDER, &env);
	if (!obj)
		return 1;
	for (uint32_t i = 0; i < bpf32_object_map_count(obj); i++)
		print_map_line(bpf32_object_map(obj, i));
	bpf32_object_free(obj);
	bpf32_env_free(env);
	return 0;
}
