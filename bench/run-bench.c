/*
 * run-bench: the benchmark runner of one target build.
 *
 *   run-bench list                          the workloads
 *   run-bench WORKLOAD MODE N [v2|v3]       MODE: interp, jit, native
 *   run-bench WORKLOAD load N [v2|v3]       load the program N times
 *   run-bench WORKLOAD compile N [v2|v3]    load and JIT it N times
 *   run-bench WORKLOAD info [v2|v3]         sizes and memory of the loaded program
 *   run-bench WORKLOAD dump ARCH [v2|v3]    the JIT's code for ARCH (arm32, mips32el, mips32be)
 *   run-bench check                         every workload gives one result in every mode
 *
 * interp, jit and native run the workload N times over its fixed input and
 * print the last result; v2 or v3 (default) picks the object clang built
 * with that -mcpu. Counting the guest instructions of N and 2N runs gives
 * the cost of one run (scripts/bench.sh). The eBPF objects are read from
 * the directory of this executable: WORKLOAD.v3.bpfel.o (bpfeb on big
 * endian). tcp_port80 is a classic filter (the same for v2 and v3). The jit
 * mode prints the JIT image's address range on stderr ("jit-image: LO HI").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runner.h"

/* ---------------------------------------------------------------- the workloads */

#define BENCH_WORKLOAD(name, input) uint64_t bench_native_##name(void *data, uint64_t len);
#include "workloads.def"
#undef BENCH_WORKLOAD

struct workload {
	const char *name;
	uint64_t (*native)(void *data, uint64_t len);
	enum bench_input input;
};

static const struct workload workloads[] = {
#define BENCH_WORKLOAD(name, input) { #name, bench_native_##name, input },
#include "workloads.def"
#undef BENCH_WORKLOAD
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

static const struct workload *find_workload(const char *name)
{
	for (size_t i = 0; i < NWORKLOADS; i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return NULL;
}

static int is_classic(const struct workload *w)
{
	return !strcmp(w->name, "tcp_port80");
}

/* ---------------------------------------------------------------- one benchmark */

/* What one measurement needs: the workload, its object file and its input. */
struct bench {
	const struct workload *w;
	const char *variant;            /* "v2" or "v3" */
	struct bpf32_env *env;
	uint8_t *file;                  /* the eBPF object (NULL for a classic filter) */
	size_t file_len;
	_Alignas(8) uint8_t input[BENCH_INPUT_SIZE];
};

/* A loaded program: an object (maps and program), or a converted classic filter. */
struct loaded {
	struct bpf32_object *obj;
	struct bpf32_prog *prog;
};

static struct bpf32_error err;
static int report_image;   /* print the JIT image's range (single measurements) */

static void die(const char *what)
{
	fprintf(stderr, "run-bench: %s: %s\n", what, err.msg[0] ? err.msg : strerror(errno));
	exit(1);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)size;
out:
	if (f)
		fclose(f);
	return buf;
}

/* The object clang built from the workload, beside this executable. */
static void read_object(struct bench *b, const char *exe)
{
	const char *slash = strrchr(exe, '/');
	int dirlen = slash ? (int)(slash - exe) : 1;
	char path[4096];

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const char *order = "bpfel";
#else
	const char *order = "bpfeb";
#endif
	snprintf(path, sizeof path, "%.*s/%s.%s.%s.o", dirlen, slash ? exe : ".", b->w->name,
		 b->variant, order);
	b->file = read_file(path, &b->file_len);
	if (!b->file)
		die(path);
}

static void bench_init(struct bench *b, const struct workload *w, const char *variant,
		       const char *exe)
{
	memset(b, 0, sizeof *b);
	b->w = w;
	b->variant = variant;
	b->env = bpf32_env_new();
	if (!b->env || bench_helpers_register(b->env, &err))
		die("environment");
	if (!is_classic(w))
		read_object(b, exe);
	bench_input_make(w->input, b->input);
	bench_helpers_reset();
}

static void bench_fini(struct bench *b)
{
	free(b->file);
	bpf32_env_free(b->env);
}

static int load(struct bench *b, struct loaded *l)
{
	memset(l, 0, sizeof *l);
	if (is_classic(b->w)) {
		l->prog = bpf32_load_cbpf(b->env, bench_tcp_port80_filter, bench_tcp_port80_len,
					  BPF32_CBPF_SOCKET, &err);
		return l->prog ? 0 : -1;
	}
	l->obj = bpf32_load_elf(b->env, b->file, b->file_len, NULL, &err);
	if (!l->obj)
		return -1;
	l->prog = bpf32_object_find_prog(l->obj, b->w->name);
	if (!l->prog) {
		snprintf(err.msg, sizeof err.msg, "no program %s in the object", b->w->name);
		return -1;
	}
	return 0;
}

static void unload(struct loaded *l)
{
	if (l->obj)
		bpf32_object_free(l->obj);
	else
		bpf32_prog_free(l->prog);
}

/* The classic filter over the batch of frames: how many match (as the native version). */
static int run_filter_batch(struct bench *b, struct loaded *l, uint64_t *result)
{
	uint64_t matches = 0;

	for (uint32_t s = 0; s < BENCH_SLOTS; s++) {
		const uint8_t *slot = b->input + s * BENCH_SLOT;
		uint16_t flen;
		uint32_t ret;
		memcpy(&flen, slot, sizeof flen);
		struct bpf32_packet pkt = { .data = slot + 2, .len = flen, .headlen = flen };
		if (bpf32_run_cbpf(l->prog, &pkt, &ret, &err))
			return -1;
		matches += ret != 0;
	}
	*result = matches;
	return 0;
}

/* One run of the loaded program: interpreted, or JITed once bpf32_jit() succeeded. */
static int run_once(struct bench *b, struct loaded *l, uint64_t *result)
{
	if (is_classic(b->w))
		return run_filter_batch(b, l, result);
	return bpf32_run(l->prog, b->input, sizeof b->input, result, &err);
}

/* ---------------------------------------------------------------- the modes */

enum mode { MODE_INTERP, MODE_JIT, MODE_NATIVE };

/*
 * JIT the program and print where its image lies (the mapping bpf32_jit()
 * made) on stderr as "jit-image: LO HI", for counting only the instructions
 * executed inside it (GUEST_INSNS_RANGE, scripts/bench.sh).
 */
static int jit_and_report(struct loaded *l)
{
	uintptr_t before_lo, before_hi, lo, hi;

	bench_mem_last_mapping(&before_lo, &before_hi);
	if (bpf32_jit(l->prog, NULL, &err))
		return -1;
	bench_mem_last_mapping(&lo, &hi);
	if (report_image && (lo != before_lo || hi != before_hi))
		fprintf(stderr, "jit-image: 0x%lx 0x%lx\n", (unsigned long)lo, (unsigned long)hi);
	return 0;
}

/* N runs in one mode; the last run's result. */
static int run_mode(struct bench *b, enum mode mode, long n, uint64_t *result)
{
	struct loaded l;
	int rc = 0;

	if (load(b, &l))
		return -1;
	if (mode == MODE_JIT)
		rc = jit_and_report(&l);
	if (mode == MODE_NATIVE && l.obj)
		bench_maps_bind(l.obj);
	for (long i = 0; i < n && !rc; i++) {
		if (mode == MODE_NATIVE)
			*result = b->w->native(b->input, sizeof b->input);
		else
			rc = run_once(b, &l, result);
	}
	unload(&l);
	return rc;
}

/* Load (and JIT) the program n times: the cost of compiling, with the fixed costs. */
static void load_repeatedly(struct bench *b, long n, int jit)
{
	for (long i = 0; i < n; i++) {
		struct loaded l;
		if (load(b, &l) || (jit && bpf32_jit(l.prog, NULL, &err)))
			die(b->w->name);
		unload(&l);
	}
}

/* Instruction slots, JIT image bytes, and the memory taken by loading and JITing. */
static void print_info(struct bench *b)
{
	struct bpf32_jit_info info = { 0 };
	struct loaded l;
	struct bench_mem mem;
	size_t code = 0;

	bench_mem_reset();
	if (load(b, &l))
		die(b->w->name);
	int jited = bpf32_jit(l.prog, NULL, &err) == 0;
	mem = bench_mem_read();
	if (jited && bpf32_jit_image(l.prog, BPF32_ARCH_HOST, NULL, &info, &err) == 0) {
		code = info.size;
		bpf32_jit_info_free(&info);
	}
	printf("insns %u code_bytes %zu mem_peak %zu mem_held %zu\n", bpf32_prog_len(l.prog), code,
	       mem.peak, mem.now);
	unload(&l);
}

static int usage(void)
{
	fprintf(stderr, "usage: run-bench list | check | WORKLOAD interp|jit|native|load|compile N [v2|v3]"
			" | WORKLOAD info [v2|v3] | WORKLOAD dump arm32|mips32el|mips32be [v2|v3]\n");
	return 2;
}

/* The listing of the code the JIT makes for `arch` (any build can cross-JIT). */
static int print_dump(struct bench *b, const char *arch)
{
	static const char *const names[] = { "arm32", "mips32el", "mips32be" };
	static const enum bpf32_arch archs[] = { BPF32_ARCH_ARM32, BPF32_ARCH_MIPS32EL,
						  BPF32_ARCH_MIPS32BE };
	struct loaded l;
	char *text;

	for (int i = 0; i < 3; i++) {
		if (strcmp(arch, names[i]))
			continue;
		if (load(b, &l) || bpf32_jit_dump(l.prog, archs[i], NULL, &text, &err))
			die(b->w->name);
		fputs(text, stdout);
		free(text);
		unload(&l);
		return 0;
	}
	return usage();
}

/* Every workload, every mode, 3 runs each: the results must agree. */
static int check_all(const char *exe)
{
	static const char *const variants[] = { "v2", "v3" };
	int failures = 0;

	for (size_t i = 0; i < NWORKLOADS; i++) {
		const struct workload *w = &workloads[i];
		uint64_t want = 0, got;
		int have = 0;
		printf("%-12s", w->name);
		for (int v = 0; v < 2; v++) {
			for (enum mode m = MODE_INTERP; m <= MODE_NATIVE; m++) {
				struct bench b;
				bench_init(&b, w, variants[v], exe);
				int rc = run_mode(&b, m, 3, &got);
				bench_fini(&b);
				if (rc && m == MODE_JIT && err.code == BPF32_ENOTSUP) {
					printf(" jit-%s: none", variants[v]);
					continue;
				}
				if (rc) {
					printf(" mode %d %s: %s", (int)m, variants[v], err.msg);
					failures++;
					continue;
				}
				printf(" 0x%llx", (unsigned long long)got);
				if (have && got != want)
					failures++;
				want = got, have = 1;
			}
		}
		printf("\n");
	}
	printf("%s\n", failures ? "MISMATCH" : "all modes agree");
	return failures ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

static int parse_mode(const char *s, enum mode *mode)
{
	static const char *const names[] = { "interp", "jit", "native" };
	for (int m = 0; m < 3; m++)
		if (!strcmp(s, names[m])) {
			*mode = (enum mode)m;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	static struct bench b;
	const struct workload *w;
	enum mode mode;
	uint64_t result = 0;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0; i < NWORKLOADS; i++)
			printf("%s\n", workloads[i].name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "check"))
		return check_all(argv[0]);
	if (argc < 3 || !(w = find_workload(argv[1])))
		return usage();
	/* info takes no N; dump takes an architecture in its place */
	int info = !strcmp(argv[2], "info"), dump = !strcmp(argv[2], "dump");
	if (dump && argc < 4)
		return usage();
	const char *variant = argc > (info ? 3 : 4) ? argv[info ? 3 : 4] : "v3";
	if (strcmp(variant, "v2") && strcmp(variant, "v3"))
		return usage();
	bench_init(&b, w, variant, argv[0]);
	if (info) {
		print_info(&b);
		return 0;
	}
	if (dump)
		return print_dump(&b, argv[3]);
	if (argc < 4)
		return usage();
	long n = strtol(argv[3], NULL, 10);
	if (!strcmp(argv[2], "load") || !strcmp(argv[2], "compile")) {
		load_repeatedly(&b, n, argv[2][0] == 'c');
		return 0;
	}
	if (parse_mode(argv[2], &mode))
		return usage();
	report_image = 1;
	if (run_mode(&b, mode, n, &result))
		die(w->name);
	printf("0x%llx\n", (unsigned long long)result);
	bench_fini(&b);
	return 0;
}
