/*
 * Seed corpora for the fuzz targets, made at run time from the shared suites
 * (read in place, never copied into the repository) and from the difftest
 * generator:
 *
 *   mkcorpus SHARED OUT [ELF-DIR] < tests.jsonl
 *
 * SHARED is the shared data directory (bpf_conformance, test_bpf); the
 * decompressed test_bpf JSON lines come on stdin (or nothing: </dev/null);
 * ELF-DIR holds clang-built objects (*.o). OUT/<target>/ receives one file
 * per seed, in the input layouts of fuzz.h:
 *
 *   load, jit, disasm   bpf_conformance raw programs, test_bpf eBPF programs
 *                       and generated difftest cases (both byte orders)
 *   asm                 the `-- asm` sections of bpf_conformance (and its
 *                       negative tests)
 *   cbpf                test_bpf classic programs, as records and as text
 *   elf                 the objects of ELF-DIR
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "gen.h"
#include "insn.h"
#include "json.h"

#define MAX_EBPF_SLOTS 1024
#define MAX_CBPF_INSNS 512
#define GENERATED_CASES 300

static const char *out_dir;
static unsigned written;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "mkcorpus: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0777) && errno != EEXIST)
		die("cannot create", path);
}

/* Write OUT/target/name: an option byte (unless < 0), then the data. */
static void put_file(const char *target, const char *name, int opt, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", out_dir, target);
	make_dir(path);
	snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("cannot write", path);
	if (opt >= 0)
		fputc(opt, f);
	if ((len && fwrite(data, 1, len, f) != len) || fclose(f))
		die("cannot write", path);
	written++;
}

/*
 * eBPF slots (little endian) as seeds of the loader, the JIT and the
 * disassembler; the JIT's seeds take its CPU variants and hardening in turn.
 */
static void put_ebpf(const char *name, const uint8_t *le, size_t len)
{
	static unsigned variant;
	char n[512];
	int jopt = (variant & 1 ? FUZZ_JIT_HARDEN : 0) | (int)(variant >> 1 & 3) << 4;
	variant++;
	put_file("load", name, 0, le, len);
	put_file("jit", name, jopt, le, len);
	put_file("disasm", name, 0, le, len);
	uint8_t *be = malloc(len ? len : 1);
	if (!be)
		die("out of memory", "");
	for (size_t k = 0; k + 8 <= len; k += 8) {
		struct bpf_insn i = bpf_decode(le + k, 0);
		bpf_encode(&i, be + k, 1);
	}
	snprintf(n, sizeof n, "%s.be", name);
	put_file("jit", n, jopt | FUZZ_BIG, be, len);
	put_file("disasm", n, FUZZ_BIG, be, len);
	free(be);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap + 1);
	for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	fclose(f);
	if (!buf)
		die("out of memory", path);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Apply fn to every file of dir whose name ends with `suffix`. */
static void each_file(const char *dir, const char *suffix,
		      void (*fn)(const char *path, const char *name))
{
	DIR *d = opendir(dir);
	if (!d)
		die("cannot read", dir);
	size_t sl = strlen(suffix);
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n <= sl || strcmp(e->d_name + n - sl, suffix))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		fn(path, e->d_name);
	}
	closedir(d);
}

/* A bpf_conformance raw program: 16 hex digits per line. */
static void conformance_hex(const char *path, const char *name)
{
	size_t len;
	char *text = (char *)read_file(path, &len);
	uint8_t *bytes = malloc(len / 2 + 8);
	if (!text || !bytes)
		die("cannot read", path);
	size_t n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		long got = json_unhex(line, strlen(line), bytes + n, 8);
		if (got == 8)
			n += 8;
	}
	char seed[512];
	snprintf(seed, sizeof seed, "conformance-%s", name);
	put_ebpf(seed, bytes, n);
	free(bytes);
	free(text);
}

/* The `-- asm` section of a bpf_conformance test. */
static void conformance_asm(const char *path, const char *name)
{
	size_t len;
	char *text = (char *)read_file(path, &len);
	if (!text)
		die("cannot read", path);
	char *start = strstr(text, "-- asm\n");
	if (start) {
		start += strlen("-- asm\n");
		char *end = strstr(start, "\n-- ");
		size_t n = end ? (size_t)(end - start) + 1 : strlen(start);
		char seed[512];
		snprintf(seed, sizeof seed, "conformance-%s", name);
		put_file("asm", seed, -1, start, n);
	}
	free(text);
}

static void elf_object(const char *path, const char *name)
{
	size_t len;
	uint8_t *bytes = read_file(path, &len);
	if (!bytes)
		die("cannot read", path);
	put_file("elf", name, -1, bytes, len);
	free(bytes);
}

/* One test_bpf record: eBPF slots as 16 hex digits, classic as "0xCODE JT JF 0xK". */
static void test_bpf_record(char *line, size_t len)
{
	struct json j;
	json_init(&j, line, len);
	const char *key, *kind = "", *suite = "";
	int64_t index = -1;
	char **strs = NULL;
	size_t n = 0, cap = 0;
	int too_big = 0;
	if (json_object(&j) < 0)
		return;
	while (json_key(&j, &key) > 0) {
		if (!strcmp(key, "kind")) {
			json_string(&j, &kind, NULL);
		} else if (!strcmp(key, "suite")) {
			json_string(&j, &suite, NULL);
		} else if (!strcmp(key, "index")) {
			json_int(&j, 0, 1 << 30, &index);
		} else if (!strcmp(key, "insns") && json_peek(&j) == JSON_ARRAY) {
			json_array(&j);
			while (json_more(&j) > 0) {
				const char *s;
				if (json_string(&j, &s, NULL) < 0)
					break;
				if (n == MAX_EBPF_SLOTS) {
					too_big = 1;
					continue;
				}
				if (n == cap) {
					cap = cap ? 2 * cap : 64;
					strs = realloc(strs, cap * sizeof *strs);
				}
				strs[n++] = (char *)s;
			}
		} else {
			json_skip(&j);
		}
	}
	if (json_error(&j, NULL) || too_big || !n || index < 0)
		goto out;
	char name[128];
	snprintf(name, sizeof name, "%s-%lld", suite, (long long)index);
	if (!strcmp(kind, "internal")) {
		uint8_t *bytes = malloc(8 * n);
		for (size_t k = 0; k < n; k++)
			if (json_unhex(strs[k], strlen(strs[k]), bytes + 8 * k, 8) != 8)
				memset(bytes + 8 * k, 0, 8);
		put_ebpf(name, bytes, 8 * n);
		free(bytes);
	} else if (!strcmp(kind, "classic") && n <= MAX_CBPF_INSNS) {
		uint8_t *rec = malloc(8 * n);
		size_t tcap = 32 * n + 32, tl = 0;
		char *text = malloc(tcap);
		tl += (size_t)snprintf(text, tcap, "%zu\n", n);
		for (size_t k = 0; k < n; k++) {
			unsigned code = 0, jt = 0, jf = 0, kk = 0;
			sscanf(strs[k], "%x %u %u %x", &code, &jt, &jf, &kk);
			uint8_t *b = rec + 8 * k;
			b[0] = (uint8_t)code;
			b[1] = (uint8_t)(code >> 8);
			b[2] = (uint8_t)jt;
			b[3] = (uint8_t)jf;
			for (int x = 0; x < 4; x++)
				b[4 + x] = (uint8_t)(kk >> (8 * x));
			tl += (size_t)snprintf(text + tl, tcap - tl, "%u %u %u %u\n", code, jt, jf, kk);
		}
		put_file("cbpf", name, 0, rec, 8 * n);
		char tname[160];
		snprintf(tname, sizeof tname, "%s.txt", name);
		put_file("cbpf", tname, FUZZ_TEXT, text, tl);
		if (index % 8 == 0) {   /* some as seccomp filters, which most are not */
			snprintf(tname, sizeof tname, "%s.seccomp", name);
			put_file("cbpf", tname, FUZZ_SECCOMP, rec, 8 * n);
		}
		free(rec);
		free(text);
	}
out:
	free(strs);
}

/* Cases of the difftest generator: every program of each. */
static void generated(void)
{
	for (uint64_t seed = 1; seed <= GENERATED_CASES; seed++) {
		struct gen_case c;
		char why[256];
		struct gen_opts o = { .size = 8 };
		if (gen_case_make(seed, &o, &c, why, sizeof why)) {
			fprintf(stderr, "mkcorpus: %s\n", why);
			exit(1);
		}
		for (uint32_t p = 0; p < c.nprogs; p++) {
			if (c.progs[p].len > MAX_EBPF_SLOTS)
				continue;
			size_t len;
			uint8_t *bytes = gen_prog_bytes(&c.progs[p], &len);
			char name[64];
			snprintf(name, sizeof name, "difftest-%llu-%u", (unsigned long long)seed, p);
			put_ebpf(name, bytes, len);
			free(bytes);
		}
		gen_case_free(&c);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkcorpus SHARED OUT [ELF-DIR] < tests.jsonl\n");
		return 2;
	}
	out_dir = argv[2];
	make_dir(out_dir);
	char path[4096];
	snprintf(path, sizeof path, "%s/bpf_conformance/raw", argv[1]);
	each_file(path, ".hex", conformance_hex);
	snprintf(path, sizeof path, "%s/bpf_conformance/tests", argv[1]);
	each_file(path, ".data", conformance_asm);
	snprintf(path, sizeof path, "%s/bpf_conformance/negative", argv[1]);
	each_file(path, ".data", conformance_asm);
	if (argc > 3)
		each_file(argv[3], ".o", elf_object);
	generated();

	char *line = NULL;
	size_t cap = 0;
	for (ssize_t n; (n = getline(&line, &cap, stdin)) > 0;)
		test_bpf_record(line, (size_t)n);
	free(line);
	printf("mkcorpus: %u seed files in %s\n", written, out_dir);
	return 0;
}
