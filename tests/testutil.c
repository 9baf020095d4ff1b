#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int tu_failures;

uint8_t *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *nb = realloc(buf, cap + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;   /* text files can be used as C strings */
	*len = n;
	return buf;
}

int tu_shared_present(const char *dir)
{
	struct stat st;
	if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	const char *ci = getenv("CI");
	fprintf(stderr,
		"\n*** bpf32 tests: shared test data not found at %s ***\n"
		"*** the suites that need it are SKIPPED ***\n\n",
		dir ? dir : "(none)");
	if (ci && strcmp(ci, "true") == 0) {
		fprintf(stderr, "CI=true: missing shared data is an error\n");
		exit(1);
	}
	return 0;
}

static const struct {
	const char *name;
	enum bpf32_cpu cpu;
} tu_cpus[] = {
	{ "armv7", BPF32_CPU_ARMV7 },       { "armv7-idiv", BPF32_CPU_ARMV7_IDIV },
	{ "mips32r1", BPF32_CPU_MIPS32R1 }, { "mips32r2", BPF32_CPU_MIPS32R2 },
	{ "mips32r6", BPF32_CPU_MIPS32R6 },
};

int tu_config_parse(const char *name, struct tu_config *c)
{
	memset(c, 0, sizeof *c);
	if (strlen(name) >= sizeof c->name)
		return -1;
	strcpy(c->name, name);
	if (!strcmp(name, "interp"))
		return 0;
	if (strncmp(name, "jit", 3))
		return -1;
	c->jit = 1;
	const char *rest = name + 3;
	size_t n = strlen(rest);
	if (n >= 7 && !strcmp(rest + n - 7, "-harden")) {
		c->jopts.flags |= BPF32_JIT_HARDEN;
		n -= 7;
	}
	if (n == 0)
		return 0;
	if (rest[0] != '-')
		return -1;
	for (size_t i = 0; i < sizeof tu_cpus / sizeof tu_cpus[0]; i++)
		if (strlen(tu_cpus[i].name) == n - 1 && !strncmp(rest + 1, tu_cpus[i].name, n - 1)) {
			c->jopts.cpu = tu_cpus[i].cpu;
			return 0;
		}
	return -1;
}

int tu_config_apply(const struct tu_config *c, struct bpf32_prog *p, struct bpf32_error *err)
{
	return c->jit ? bpf32_jit(p, &c->jopts, err) : 0;
}
