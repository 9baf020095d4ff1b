/*
 * The bpf_conformance suite, run in one process: every program of
 * raw/index.tsv under each configuration given, compared with the `expected`
 * column (`expected_be` on big-endian hosts), plus the suite's negative raw
 * programs, which loading must refuse.
 *
 *   test_conformance SHARED_DIR [--config NAME]... [-v]
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "testutil.h"

#define MAX_COLS 16

struct row {
	char *col[MAX_COLS];
	int ncol;
};

/* Split a tab-separated line in place. */
static void split_tsv(char *line, struct row *r)
{
	r->ncol = 0;
	while (r->ncol < MAX_COLS) {
		r->col[r->ncol++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = 0;
		line = tab + 1;
	}
}

static int column(const struct row *header, const char *name)
{
	for (int i = 0; i < header->ncol; i++)
		if (!strcmp(header->col[i], name))
			return i;
	return -1;
}

/* Parse "aa bb\ncc" style hex into out (cap bytes); returns the count or -1. */
static long parse_hex_bytes(const char *s, const char *end, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s < end) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') {
			s++;
			continue;
		}
		unsigned v;
		if (end - s < 2 || sscanf(s, "%2x", &v) != 1 || n == cap)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (long)n;
}

/* The bytes of section `-- NAME` of a .data file. */
static long data_section(const char *text, const char *name, uint8_t *out, size_t cap)
{
	char tag[32];
	snprintf(tag, sizeof tag, "-- %s\n", name);
	const char *s = strstr(text, tag);
	if (!s)
		return 0;
	s += strlen(tag);
	const char *end = strstr(s, "\n--");
	return parse_hex_bytes(s, end ? end + 1 : s + strlen(s), out, cap);
}

static uint64_t unwind(uint64_t x)
{
	return x;
}

struct stats {
	int passed, failed, jited, total;
};

static void run_one(const char *dir, const struct row *r, int c_name, int c_expect,
		    const struct tu_config *cfg, struct bpf32_env *env, int verbose,
		    struct stats *st)
{
	char path[1024];
	const char *name = r->col[c_name];
	snprintf(path, sizeof path, "%s/bpf_conformance/raw/%s.hex", dir, name);
	size_t len;
	char *hex = (char *)tu_read_file(path, &len);
	snprintf(path, sizeof path, "%s/bpf_conformance/tests/%s.data", dir, name);
	char *data = (char *)tu_read_file(path, &len);
	uint8_t prog[8 * 4096], mem[4096];
	long plen = hex ? parse_hex_bytes(hex, hex + strlen(hex), prog, sizeof prog) : -1;
	long mlen = data ? data_section(data, "mem", mem, sizeof mem) : -1;
	free(hex);
	free(data);
	st->total++;
	if (plen < 0 || mlen < 0) {
		printf("FAIL %s: cannot read its files\n", name);
		st->failed++;
		return;
	}

	struct bpf32_error err = { 0 };
	uint64_t expect = strtoull(r->col[c_expect], NULL, 16), r0 = 0;
	struct bpf32_prog *p = bpf32_load(env, prog, (size_t)plen, BPF32_ORDER_LITTLE, NULL, &err);
	int rc = p ? tu_config_apply(cfg, p, &err) : err.code;
	if (rc == 0 && cfg->jit)
		st->jited++;
	if (rc == 0)
		rc = bpf32_run(p, mlen ? mem : NULL, (size_t)mlen, &r0, &err);
	if (rc == 0 && r0 == expect) {
		st->passed++;
		if (verbose)
			printf("PASS %s\n", name);
	} else {
		st->failed++;
		if (rc)
			printf("FAIL %s: error at instruction %d: %s\n", name, err.insn, err.msg);
		else
			printf("FAIL %s: expected 0x%llx, got 0x%llx\n", name,
			       (unsigned long long)expect, (unsigned long long)r0);
	}
	bpf32_prog_free(p);
}

static int run_suite(const char *dir, const struct tu_config *cfg, int verbose)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/bpf_conformance/raw/index.tsv", dir);
	size_t len;
	char *index = (char *)tu_read_file(path, &len);
	if (!index) {
		printf("conformance: cannot read %s\n", path);
		return 1;
	}
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_error err;
	static const struct bpf32_helper_proto proto = {
		.nargs = 1, .arg64 = 1, .ret = BPF32_RET_U64, .flags = BPF32_HELPER_UNWIND_ON_ZERO,
	};
	if (bpf32_helper_register(env, 5, "unwind", (void *)unwind, &proto, &err)) {
		printf("conformance: %s\n", err.msg);
		return 1;
	}

	struct row header = { 0 };
	struct stats st = { 0 };
	char *save = NULL;
	char *line = strtok_r(index, "\n", &save);
	split_tsv(line, &header);
	int c_name = column(&header, "name");
	int c_expect = column(&header, bpf_host_big_endian() ? "expected_be" : "expected");
	if (c_name < 0 || c_expect < 0) {
		printf("conformance: index.tsv lacks the name or expected columns\n");
		return 1;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct row r;
		split_tsv(line, &r);
		if (r.ncol > c_expect && r.ncol > c_name)
			run_one(dir, &r, c_name, c_expect, cfg, env, verbose, &st);
	}
	printf("conformance[%s]: %d passed, %d failed", cfg->name, st.passed, st.failed);
	if (cfg->jit)
		printf(" [%d/%d JIT'ed]", st.jited, st.total);
	printf("\n");
	free(index);
	bpf32_env_free(env);
	return st.failed || !st.total;
}

/* negative/unused-*.data: raw programs with a non-zero unused field. */
static int run_negative(const char *dir, int verbose)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/bpf_conformance/negative", dir);
	DIR *d = opendir(path);
	if (!d) {
		printf("negative: cannot open %s\n", path);
		return 1;
	}
	struct bpf32_env *env = bpf32_env_new();
	int rejected = 0, accepted = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "unused-", 7))
			continue;
		snprintf(path, sizeof path, "%s/bpf_conformance/negative/%s", dir, e->d_name);
		size_t len;
		char *text = (char *)tu_read_file(path, &len);
		uint8_t prog[64];
		long n = text ? data_section(text, "raw", prog, sizeof prog) : -1;
		free(text);
		struct bpf32_error err = { 0 };
		struct bpf32_prog *p = n > 0 ? bpf32_load(env, prog, (size_t)n, BPF32_ORDER_LITTLE,
							   NULL, &err) : NULL;
		if (n > 0 && !p && err.insn == 0 && err.code == BPF32_EINVAL) {
			rejected++;
			if (verbose)
				printf("rejected %s: instruction %d: %s\n", e->d_name, err.insn, err.msg);
		} else {
			accepted++;
			printf("FAIL %s: %s\n", e->d_name, p ? "accepted" : "unreadable or wrong error");
		}
		bpf32_prog_free(p);
	}
	closedir(d);
	bpf32_env_free(env);
	printf("negative: %d rejected, %d not rejected\n", rejected, accepted);
	return accepted || rejected != 45;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_conformance SHARED_DIR [--config NAME]... [-v]\n");
		return 2;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s/bpf_conformance", argv[1]);
	if (!tu_shared_present(path))
		return 0;
	struct tu_config cfgs[16];
	int ncfg = 0, verbose = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc && ncfg < 16) {
			if (tu_config_parse(argv[++i], &cfgs[ncfg++])) {
				fprintf(stderr, "unknown configuration %s\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "bad argument %s\n", argv[i]);
			return 2;
		}
	}
	if (ncfg == 0)
		tu_config_parse("interp", &cfgs[ncfg++]);
	int bad = run_negative(argv[1], verbose);
	for (int i = 0; i < ncfg; i++)
		bad |= run_suite(argv[1], &cfgs[i], verbose);
	return bad;
}
