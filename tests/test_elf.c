/*
 * The ELF loader on the clang-built examples, in both byte orders:
 *  - what each object yields: programs (name, section) and maps (name,
 *    type, sizes, flags), the same for bpfel and bpfeb;
 *  - specific malformed or unsupported inputs, with the expected error;
 *  - deterministic mutation fuzzing: every truncation (the section table is
 *    at the end, so each must be rejected) and thousands of random byte and
 *    word mutations, aimed at the headers and at each section's contents,
 *    that must load or fail cleanly (the sanitizers watch on the host).
 *
 * usage: test_elf EXAMPLES_BUILD_DIR [MUTATIONS_PER_OBJECT]
 */
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "testutil.h"

static const char *dir;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint8_t *read_object(const char *name, const char *order, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.%s.o", dir, name, order);
	uint8_t *b = tu_read_file(path, len);
	TU_CHECK(b, "cannot read %s", path);
	return b;
}

static struct bpf32_env *std_env(void)
{
	struct bpf32_env *env = bpf32_env_new();
	if (env && bpf32_std_helpers_register(env, NULL, NULL)) {
		bpf32_env_free(env);
		return NULL;
	}
	return env;
}

static const struct bpf32_elf_opts any_order = { BPF32_ELF_FOREIGN_ORDER };

/* ---------------------------------------------------------------- what objects hold */

#define ANY UINT32_MAX

struct want_map {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
};

static const struct {
	const char *object;
	const char *progs[5][2];   /* name, section */
	struct want_map maps[5];
} expected[] = {
	{ "xdp_count",
	  { { "xdp_count", "xdp" } },
	  { { "classes", BPF32_MAP_HASH, 4, 16, 64, 0 },
	    { ".rodata", BPF32_MAP_ARRAY, 4, ANY, 1, BPF32_F_RDONLY_PROG },
	    { ".bss", BPF32_MAP_ARRAY, 4, 4, 1, 0 } } },
	{ "lpm_allow",
	  { { "setup", "socket/setup" }, { "check", "socket/check" } },
	  { { "allow4", BPF32_MAP_LPM_TRIE, 8, 4, 32, BPF32_F_NO_PREALLOC },
	    { "allow6", BPF32_MAP_LPM_TRIE, 20, 4, 32, BPF32_F_NO_PREALLOC },
	    { "hits", BPF32_MAP_ARRAY, 4, 8, 16, 0 },
	    { ".rodata", BPF32_MAP_ARRAY, 4, 8 * 19, 1, BPF32_F_RDONLY_PROG } } },
	{ "lru_flows",
	  { { "track", "socket" } },
	  { { "flows", BPF32_MAP_LRU_HASH, 16, 32, 8, 0 },
	    { ".bss", BPF32_MAP_ARRAY, 4, 16, 1, 0 } } },
	{ "tail_dispatch",
	  { { "do_ipv4", "xdp/ipv4" }, { "do_ipv6", "xdp/ipv6" }, { "do_arp", "xdp/arp" },
	    { "dispatch", "xdp" } },
	  { { "jmp_table", BPF32_MAP_PROG_ARRAY, 4, 4, 4, 0 },
	    { "stats", BPF32_MAP_ARRAY, 4, 8, 4, 0 },
	    { ".bss", BPF32_MAP_ARRAY, 4, 4, 1, 0 } } },
	{ "globals_subprog",
	  { { "checksum", "socket" }, { "stats", "socket" } },
	  { { ".rodata", BPF32_MAP_ARRAY, 4, 4, 1, BPF32_F_RDONLY_PROG },
	    { ".data", BPF32_MAP_ARRAY, 4, 4, 1, 0 },
	    { ".bss", BPF32_MAP_ARRAY, 4, 8 + 1024 + 4, 1, 0 } } },
};

#define NOBJECTS (sizeof expected / sizeof expected[0])

static void check_object(size_t x, const char *order)
{
	size_t len;
	uint8_t *bytes = read_object(expected[x].object, order, &len);
	struct bpf32_env *env = std_env();
	struct bpf32_error err = { 0 };
	struct bpf32_object *obj = bytes && env ? bpf32_load_elf(env, bytes, len, &any_order, &err)
						: NULL;
	TU_CHECK(obj, "%s.%s: %s", expected[x].object, order, err.msg);
	if (obj) {
		uint32_t np = 0, nm = 0;
		while (np < 5 && expected[x].progs[np][0])
			np++;
		while (nm < 5 && expected[x].maps[nm].name)
			nm++;
		TU_CHECK(bpf32_object_order(obj) == (!strcmp(order, "bpfeb") ? BPF32_ORDER_BIG
									  : BPF32_ORDER_LITTLE),
			 "%s.%s: byte order", expected[x].object, order);
		TU_CHECK(bpf32_object_prog_count(obj) == np, "%s.%s: %u programs, want %u",
			 expected[x].object, order, bpf32_object_prog_count(obj), np);
		for (uint32_t i = 0; i < np && i < bpf32_object_prog_count(obj); i++)
			TU_CHECK(!strcmp(bpf32_object_prog_name(obj, i), expected[x].progs[i][0]) &&
					 !strcmp(bpf32_object_prog_section(obj, i),
						 expected[x].progs[i][1]),
				 "%s.%s: program %u is %s in %s", expected[x].object, order, i,
				 bpf32_object_prog_name(obj, i), bpf32_object_prog_section(obj, i));
		TU_CHECK(bpf32_object_map_count(obj) == nm, "%s.%s: %u maps, want %u",
			 expected[x].object, order, bpf32_object_map_count(obj), nm);
		for (uint32_t i = 0; i < nm && i < bpf32_object_map_count(obj); i++) {
			const struct want_map *w = &expected[x].maps[i];
			struct bpf32_map *m = bpf32_object_map(obj, i);
			const struct bpf32_map_def *d = bpf32_map_info(m);
			TU_CHECK(!strcmp(bpf32_map_name(m), w->name) && d->type == w->type &&
					 d->key_size == w->key_size &&
					 (w->value_size == ANY || d->value_size == w->value_size) &&
					 d->max_entries == w->max_entries && d->flags == w->flags,
				 "%s.%s: map %u is %s %s key %u value %u max %u flags 0x%x",
				 expected[x].object, order, i, bpf32_map_name(m),
				 bpf32_map_type_name(d->type), d->key_size, d->value_size,
				 d->max_entries, d->flags);
		}
	}
	bpf32_object_free(obj);
	bpf32_env_free(env);
	free(bytes);
}

/* ---------------------------------------------------------------- specific errors */

static int load_code(struct bpf32_env *env, const uint8_t *b, size_t len, uint32_t flags,
		     char *msg)
{
	struct bpf32_elf_opts opts = { flags };
	struct bpf32_error err = { 0 };
	struct bpf32_object *obj = bpf32_load_elf(env, b, len, &opts, &err);
	bpf32_object_free(obj);
	if (msg)
		snprintf(msg, BPF32_MSG_MAX, "%s", err.msg);
	return obj ? 0 : err.code;
}

static uint64_t rd(const uint8_t *p, int n, int big)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
	return v;
}

static void wr(uint8_t *p, uint64_t v, int n, int big)
{
	for (int i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v, int big)
{
	wr(p, v, 2, big);
}

static void wr32n(uint8_t *p, uint32_t v, int big)
{
	wr(p, v, 4, big);
}

/*
 * Rename section `name` by pointing its sh_name one character further
 * (".BTF" becomes "BTF"): string tables share suffixes, so the name itself
 * cannot be edited in place.
 */
static int skip_name_char(uint8_t *b, size_t len, const char *name, int big)
{
	uint64_t shoff = rd(b + 40, 8, big);
	unsigned shnum = (unsigned)rd(b + 60, 2, big), shstrndx = (unsigned)rd(b + 62, 2, big);
	const uint8_t *strs = b + rd(b + shoff + 64 * shstrndx + 24, 8, big);
	for (unsigned i = 0; i < shnum; i++) {
		uint8_t *sh = b + shoff + 64 * i;
		uint32_t off = (uint32_t)rd(sh, 4, big);
		if (!strcmp((const char *)strs + off, name)) {
			wr32n(sh, off + 1, big);
			return 0;
		}
	}
	(void)len;
	return -1;
}

static void test_errors(void)
{
	const char *native = bpf_host_big_endian() ? "bpfeb" : "bpfel";
	const char *foreign = bpf_host_big_endian() ? "bpfel" : "bpfeb";
	size_t len, flen;
	uint8_t *orig = read_object("tail_dispatch", native, &len);
	uint8_t *other = read_object("tail_dispatch", foreign, &flen);
	struct bpf32_env *env = std_env();
	char msg[BPF32_MSG_MAX];
	if (!orig || !other || !env)
		goto out;
	int big = bpf_host_big_endian();
	uint8_t *b = malloc(len);
	if (!b)
		goto out;

	TU_CHECK(load_code(env, orig, len, 0, NULL) == 0, "the original loads");
	TU_CHECK(load_code(env, orig, 3, 0, msg) == BPF32_EINVAL && strstr(msg, "not an ELF"),
		 "3 bytes: %s", msg);
	TU_CHECK(load_code(env, (const uint8_t *)"", 0, 0, msg) == BPF32_EINVAL, "empty");
	TU_CHECK(load_code(env, other, flen, 0, msg) == BPF32_ENOTSUP && strstr(msg, "-endian"),
		 "foreign byte order: %s", msg);
	TU_CHECK(load_code(env, other, flen, BPF32_ELF_FOREIGN_ORDER, msg) == 0,
		 "foreign byte order allowed: %s", msg);
	TU_CHECK(load_code(env, orig, len, 0x80, msg) == BPF32_EINVAL, "unknown flags");

	memcpy(b, orig, len);
	b[4] = 1;   /* ELFCLASS32 */
	TU_CHECK(load_code(env, b, len, 0, msg) == BPF32_EINVAL && strstr(msg, "64-bit"),
		 "32-bit class: %s", msg);
	memcpy(b, orig, len);
	put16(b + 18, 62, big);   /* EM_X86_64 */
	TU_CHECK(load_code(env, b, len, 0, msg) == BPF32_EINVAL && strstr(msg, "machine 62"),
		 "machine: %s", msg);
	memcpy(b, orig, len);
	put16(b + 16, 2, big);   /* ET_EXEC */
	TU_CHECK(load_code(env, b, len, 0, msg) == BPF32_EINVAL && strstr(msg, "relocatable"),
		 "type: %s", msg);
	memcpy(b, orig, len);
	put16(b + 60, 0xfff0, big);   /* e_shnum */
	TU_CHECK(load_code(env, b, len, 0, msg) == BPF32_EINVAL && strstr(msg, "section header"),
		 "section count: %s", msg);
	memcpy(b, orig, len);
	put16(b + 62, 0xfff0, big);   /* e_shstrndx */
	TU_CHECK(load_code(env, b, len, 0, msg) == BPF32_EINVAL, "name table index: %s", msg);

	memcpy(b, orig, len);
	TU_CHECK(skip_name_char(b, len, ".BTF", big) == 0 &&
			 load_code(env, b, len, 0, msg) == BPF32_EINVAL && strstr(msg, "needs BTF"),
		 ".maps without BTF: %s", msg);
	memcpy(b, orig, len);
	TU_CHECK(skip_name_char(b, len, "maps", big) == 0 &&
			 load_code(env, b, len, 0, msg) == BPF32_EINVAL &&
			 strstr(msg, "neither a map nor global data"),
		 "reference to a section that is not a map: %s", msg);

	/* Without the standard helpers, the programs call unknown helpers. */
	struct bpf32_env *bare = bpf32_env_new();
	TU_CHECK(bare && load_code(bare, orig, len, 0, msg) == BPF32_EINVAL &&
			 strstr(msg, "program do_ipv4") && strstr(msg, "unknown helper 1"),
		 "no helpers: %s", msg);
	bpf32_env_free(bare);
	free(b);
out:
	bpf32_env_free(env);
	free(orig);
	free(other);
}

/* ---------------------------------------------------------------- fuzzing */


struct fuzz_stats {
	unsigned loaded, rejected;
};

/* One load that must succeed or fail cleanly with a message. */
static void fuzz_load(struct bpf32_env *env, const uint8_t *b, size_t len,
		      struct fuzz_stats *st)
{
	struct bpf32_error err = { 0 };
	struct bpf32_object *obj = bpf32_load_elf(env, b, len, &any_order, &err);
	if (obj) {
		st->loaded++;
		bpf32_object_free(obj);
		return;
	}
	st->rejected++;
	TU_CHECK(err.code < 0 && err.msg[0], "rejection without an error");
}

static void fuzz_object(const char *name, const char *order, unsigned rounds,
			struct fuzz_stats *st)
{
	size_t len;
	uint8_t *orig = read_object(name, order, &len);
	uint8_t *b = orig ? malloc(len) : NULL;
	struct bpf32_env *env = std_env();
	if (!b || !env)
		goto out;
	int big = orig[5] == 2;
	uint64_t shoff = rd(orig + 40, 8, big);
	unsigned shnum = (unsigned)rd(orig + 60, 2, big);

	/* Truncations: the section header table is last, so all are rejected. */
	for (size_t n = 0; n < len; n += n < 2048 ? 1 : 29) {
		struct bpf32_error err = { 0 };
		struct bpf32_object *obj = bpf32_load_elf(env, orig, n, &any_order, &err);
		TU_CHECK(!obj && err.code < 0, "%s.%s truncated to %zu bytes loads", name, order, n);
		bpf32_object_free(obj);
	}

	static const uint32_t words[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 8,
					  0x1000000 };
	for (unsigned r = 0; r < rounds; r++) {
		memcpy(b, orig, len);
		for (unsigned m = 1 + rnd() % 4; m; m--) {
			/* Where: the ELF header, the section table, or one section's bytes. */
			size_t at, span;
			unsigned where = rnd() % 4;
			if (where == 0) {
				at = 0, span = 64;
			} else if (where == 1) {
				at = (size_t)shoff, span = (size_t)shnum * 64;
			} else {
				const uint8_t *sh = orig + shoff + 64 * (rnd() % shnum);
				at = (size_t)rd(sh + 24, 8, big);
				span = (size_t)rd(sh + 32, 8, big);
				if (rd(sh + 4, 4, big) == 8 || at >= len || span > len - at || span < 4)
					at = 0, span = len;   /* NOBITS or empty: anywhere */
			}
			size_t pos = at + rnd() % (span - 3);
			if (rnd() & 1)
				b[pos] = rnd() & 1 ? (uint8_t)rnd() : (uint8_t)(b[pos] ^ (1u << (rnd() % 8)));
			else
				wr32n(b + pos, words[rnd() % (sizeof words / sizeof words[0])], rnd() & 1);
		}
		fuzz_load(env, b, len, st);
	}
out:
	bpf32_env_free(env);
	free(b);
	free(orig);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s EXAMPLES_BUILD_DIR [MUTATIONS_PER_OBJECT]\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3000;
	static const char *const orders[] = { "bpfel", "bpfeb" };
	for (size_t x = 0; x < NOBJECTS; x++)
		for (int o = 0; o < 2; o++)
			check_object(x, orders[o]);
	test_errors();
	struct fuzz_stats st = { 0, 0 };
	int before = tu_failures;
	for (size_t x = 0; x < NOBJECTS; x++)
		for (int o = 0; o < 2; o++)
			fuzz_object(expected[x].object, orders[o], rounds, &st);
	printf("elf: fuzzing: %u mutated objects loaded, %u rejected cleanly%s\n", st.loaded,
	       st.rejected, tu_failures == before ? "" : " (with failures)");
	if (tu_failures) {
		fprintf(stderr, "elf: %d checks failed\n", tu_failures);
		return 1;
	}
	printf("elf: all checks passed\n");
	return 0;
}
