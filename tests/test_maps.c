/*
 * Map semantics, from C and from programs (through the standard helpers, on
 * the interpreter and, where this build has one, the JIT, also hardened):
 *  - array, hash and prog array: update flags, errors, iteration;
 *  - LRU hash in the spirit of Linux's test_lru_map: never more than
 *    max_entries elements, and the evicted one is always the least recently
 *    used, against an exact model, with uses made by a program's lookups;
 *  - LPM trie in the spirit of Linux's test_lpm_map: random prefixes of
 *    several key sizes against a brute-force reference, with deletions, plus
 *    fixed IPv4/IPv6 cases and the postorder iteration;
 *  - the standard helpers' results, trace_printk formatting and hooks.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "prog.h"
#include "testutil.h"

/* ---------------------------------------------------------------- utilities */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static struct bpf32_map *new_map(struct bpf32_env *env, uint32_t type, uint32_t key_size,
				 uint32_t value_size, uint32_t max_entries)
{
	struct bpf32_map_def def = { type, key_size, value_size, max_entries, 0 };
	struct bpf32_error err = { 0 };
	struct bpf32_map *m = bpf32_map_new(env, "test", &def, &err);
	TU_CHECK(m, "map_new(type %u): %s", type, err.msg);
	return m;
}

static int update(struct bpf32_map *m, const void *key, const void *value, uint64_t flags)
{
	return bpf32_map_update(m, key, value, flags, NULL);
}

static int count_keys(struct bpf32_map *m, size_t key_size)
{
	uint8_t key[300], next[300];
	int n = 0;
	const void *k = NULL;
	while (bpf32_map_next_key(m, k, next, NULL) == 0 && n <= 1000000) {
		memcpy(key, next, key_size);
		k = key;
		n++;
	}
	return n;
}

/* The configurations programs run in: the interpreter and the JIT if any. */
static const char *const configs[] = { "interp", "jit", "jit-harden" };
#define NCONFIGS (sizeof configs / sizeof configs[0])

/* Load raw instructions (host order), JIT them for config c; NULL if c is unavailable. */
static struct bpf32_prog *load_insns(struct bpf32_env *env, const struct bpf_insn *insns,
				     uint32_t n, void *const *maps, uint32_t nmaps, size_t c)
{
	uint8_t bytes[64 * 8];
	for (uint32_t i = 0; i < n; i++)
		bpf_encode(&insns[i], bytes + 8 * i, bpf_host_big_endian());
	struct bpf32_load_opts opts = { .maps = maps, .nmaps = nmaps };
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = bpf32_load(env, bytes, 8 * n, BPF32_ORDER_NATIVE, &opts, &err);
	TU_CHECK(p, "load: %s", err.msg);
	struct tu_config cfg;
	tu_config_parse(configs[c], &cfg);
	if (p && tu_config_apply(&cfg, p, &err)) {
		TU_CHECK(err.code == BPF32_ENOTSUP, "jit: %s", err.msg);
		bpf32_prog_free(p);
		return NULL;
	}
	return p;
}

static uint64_t run(struct bpf32_prog *p, void *ctx, size_t len)
{
	uint64_t r0 = 0xdead;
	struct bpf32_error err = { 0 };
	int rc = bpf32_run(p, ctx, len, &r0, &err);
	TU_CHECK(rc == 0, "run: %s", err.msg);
	return r0;
}

/* Instruction builders. */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LD_MAP(d, idx) INSN(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, idx), INSN(0, 0, 0, 0, 0)
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST_DW(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* ---------------------------------------------------------------- array */

static void test_array(struct bpf32_env *env)
{
	struct bpf32_map *m = new_map(env, BPF32_MAP_ARRAY, 4, 5, 4);
	if (!m)
		return;
	uint32_t k;
	uint8_t v[5] = { 1, 2, 3, 4, 5 }, next[4];
	for (k = 0; k < 4; k++) {
		uint8_t *p = bpf32_map_lookup(m, &k);
		TU_CHECK(p && !memcmp(p, "\0\0\0\0\0\0\0", 8), "array element %u not zero", k);
	}
	k = 4;
	TU_CHECK(!bpf32_map_lookup(m, &k), "lookup past the end");
	TU_CHECK(update(m, &k, v, BPF32_ANY) == BPF32_E2BIG, "update past the end");
	k = 2;
	TU_CHECK(update(m, &k, v, BPF32_NOEXIST) == BPF32_EEXIST, "array NOEXIST");
	TU_CHECK(update(m, &k, v, 4) == BPF32_EINVAL, "BPF_F_LOCK refused");
	TU_CHECK(update(m, &k, v, BPF32_EXIST) == 0, "array EXIST");
	uint8_t *p = bpf32_map_lookup(m, &k);
	TU_CHECK(p && !memcmp(p, v, 5) && !p[5] && !p[7], "array value or padding");
	TU_CHECK(bpf32_map_delete(m, &k, NULL) == BPF32_EINVAL, "array delete");

	TU_CHECK(bpf32_map_next_key(m, NULL, next, NULL) == 0 && !memcmp(next, &(uint32_t){ 0 }, 4),
		 "first key 0");
	k = 2;
	TU_CHECK(bpf32_map_next_key(m, &k, next, NULL) == 0 && !memcmp(next, &(uint32_t){ 3 }, 4),
		 "key after 2");
	k = 3;
	TU_CHECK(bpf32_map_next_key(m, &k, next, NULL) == BPF32_ENOENT, "no key after 3");
	k = 99;
	TU_CHECK(bpf32_map_next_key(m, &k, next, NULL) == 0 && !memcmp(next, &(uint32_t){ 0 }, 4),
		 "key after an absent one");
	TU_CHECK(count_keys(m, 4) == 4, "array has 4 keys");

	struct bpf32_map_def bad = { BPF32_MAP_ARRAY, 8, 4, 4, 0 };
	struct bpf32_error err = { 0 };
	TU_CHECK(!bpf32_map_new(env, "bad", &bad, &err) && err.code == BPF32_EINVAL,
		 "array key_size 8 refused");
	bad = (struct bpf32_map_def){ BPF32_MAP_ARRAY, 4, 1u << 20, 1u << 20, 0 };
	TU_CHECK(!bpf32_map_new(env, "big", &bad, &err) && err.code == BPF32_E2BIG,
		 "1 TiB array refused: %s", err.msg);
	bad = (struct bpf32_map_def){ 27, 4, 4, 4, 0 };
	TU_CHECK(!bpf32_map_new(env, "ringbuf", &bad, &err) && err.code == BPF32_ENOTSUP,
		 "unknown type refused");
	bpf32_map_free(m);
}

/* ---------------------------------------------------------------- hash */

/* Random operations against a model: keys 0..KEYS-1, value = key * 3 + serial. */
static void test_hash_model(struct bpf32_env *env, uint32_t type)
{
	enum { MAX = 64, KEYS = 160, OPS = 20000 };
	struct bpf32_map *m = new_map(env, type, 4, 8, MAX);
	if (!m)
		return;
	uint64_t model[KEYS];
	uint8_t present[KEYS] = { 0 };
	int count = 0, failures = tu_failures;
	for (int op = 0; op < OPS && tu_failures == failures; op++) {
		uint32_t k = rnd() % KEYS, what = rnd() % 8;
		uint64_t v = (uint64_t)k * 3 + (uint64_t)op;
		if (what < 4) {
			uint64_t flags = what % 3;
			int want = flags == BPF32_NOEXIST && present[k] ? BPF32_EEXIST
				 : flags == BPF32_EXIST && !present[k] ? BPF32_ENOENT
				 : !present[k] && count == MAX ? BPF32_E2BIG
								: 0;
			int rc = update(m, &k, &v, flags);
			TU_CHECK(rc == want, "op %d: update %u flags %" PRIu64 ": %d, want %d", op, k,
				 flags, rc, want);
			if (rc == 0) {
				count += !present[k];
				present[k] = 1;
				model[k] = v;
			}
		} else if (what < 6) {
			int rc = bpf32_map_delete(m, &k, NULL);
			TU_CHECK(rc == (present[k] ? 0 : BPF32_ENOENT), "op %d: delete %u: %d", op, k,
				 rc);
			count -= present[k];
			present[k] = 0;
		} else {
			uint64_t *p = bpf32_map_lookup(m, &k);
			TU_CHECK(!p == !present[k] && (!p || *p == model[k]), "op %d: lookup %u", op,
				 k);
		}
	}
	TU_CHECK(count_keys(m, 4) == count, "hash iteration: %d keys, want %d", count_keys(m, 4),
		 count);
	/* Iteration visits each key once, even after an absent key restarts it. */
	uint8_t seen[KEYS] = { 0 };
	uint32_t key, next;
	for (int rc = bpf32_map_next_key(m, NULL, &next, NULL); rc == 0;
	     rc = bpf32_map_next_key(m, &key, &next, NULL)) {
		TU_CHECK(next < KEYS && present[next] && !seen[next], "iteration key %u", next);
		if (next >= KEYS || seen[next])
			break;
		seen[next] = 1;
		key = next;
	}
	key = KEYS + 1;
	TU_CHECK(bpf32_map_next_key(m, &key, &next, NULL) == (count ? 0 : BPF32_ENOENT),
		 "next of an absent key");
	bpf32_map_free(m);
}

static void test_hash(struct bpf32_env *env)
{
	test_hash_model(env, BPF32_MAP_HASH);
	test_hash_model(env, BPF32_MAP_PERCPU_HASH);

	/* A full map still replaces existing values in place. */
	struct bpf32_map *m = new_map(env, BPF32_MAP_HASH, 3, 4, 2);
	if (!m)
		return;
	uint32_t v = 1;
	TU_CHECK(update(m, "ab", &v, BPF32_ANY) == 0 && update(m, "cd", &v, BPF32_ANY) == 0, "fill");
	uint32_t *p = bpf32_map_lookup(m, "ab");
	v = 7;
	TU_CHECK(update(m, "ef", &v, BPF32_ANY) == BPF32_E2BIG, "full");
	TU_CHECK(update(m, "ab", &v, BPF32_EXIST) == 0 && p && *p == 7, "in-place update");
	TU_CHECK(bpf32_map_delete(m, "cd", NULL) == 0 && update(m, "ef", &v, BPF32_NOEXIST) == 0,
		 "delete makes room");
	bpf32_map_free(m);
}

/* ---------------------------------------------------------------- LRU */

/*
 * A program that looks key R1[0..3] up in map 0 (a use, for an LRU map) and
 * returns 1 if found: what Linux's test_lru_map does with a BPF program,
 * since lookups from user space do not count as uses.
 */
static struct bpf32_prog *lookup_prog(struct bpf32_env *env, struct bpf32_map *m, size_t c)
{
	const struct bpf_insn insns[] = {
		MOV64_REG(2, 1),          /* r2 = key (the ctx buffer) */
		LD_MAP(1, 0),
		CALL(BPF32_FN_MAP_LOOKUP_ELEM),
		MOV64_IMM(1, 0),
		JEQ_IMM(0, 0, 1),
		MOV64_IMM(1, 1),
		MOV64_REG(0, 1),
		EXIT(),
	};
	void *maps[] = { m };
	return load_insns(env, insns, sizeof insns / sizeof insns[0], maps, 1, c);
}

/* Exact LRU model: last use time per key, 0 = absent. */
struct lru_model {
	uint64_t *used;
	uint32_t keys, max, count;
	uint64_t clock;
};

static void model_use(struct lru_model *md, uint32_t k)
{
	md->used[k] = ++md->clock;
}

static void model_insert(struct lru_model *md, uint32_t k)
{
	if (!md->used[k] && md->count == md->max) {
		uint32_t victim = UINT32_MAX;
		for (uint32_t i = 0; i < md->keys; i++)
			if (md->used[i] && (victim == UINT32_MAX || md->used[i] < md->used[victim]))
				victim = i;
		md->used[victim] = 0;
		md->count--;
	}
	md->count += !md->used[k];
	model_use(md, k);
}

static void test_lru(struct bpf32_env *env, size_t c)
{
	enum { MAX = 8 };
	struct bpf32_map *m = new_map(env, BPF32_MAP_LRU_HASH, 4, 8, MAX);
	struct bpf32_prog *p = m ? lookup_prog(env, m, c) : NULL;
	if (!p) {
		bpf32_map_free(m);
		return;
	}
	/* Basic: fill, use the first half through the program, add 4: the second half goes. */
	uint64_t v = 0;
	for (uint32_t k = 0; k < MAX; k++)
		TU_CHECK(update(m, &k, &v, BPF32_NOEXIST) == 0, "insert %u", k);
	for (uint32_t k = 0; k < MAX / 2; k++)
		TU_CHECK(run(p, &k, 4) == 1, "program finds %u", k);
	for (uint32_t k = MAX; k < MAX + MAX / 2; k++)
		TU_CHECK(update(m, &k, &v, BPF32_NOEXIST) == 0, "insert %u evicting", k);
	for (uint32_t k = 0; k < MAX + MAX / 2; k++) {
		int want = k < MAX / 2 || k >= MAX;
		TU_CHECK(!bpf32_map_lookup(m, &k) == !want, "%s: key %u %s", configs[c], k,
			 want ? "evicted" : "kept");
	}
	/* Lookups from C are not uses: key 0 is the oldest now, and stays so. */
	uint32_t k = 0;
	TU_CHECK(bpf32_map_lookup(m, &k), "key 0 present");
	k = 100;
	TU_CHECK(update(m, &k, &v, BPF32_ANY) == 0, "insert 100");
	k = 0;
	TU_CHECK(!bpf32_map_lookup(m, &k), "C lookup did not save key 0");
	/* An update of an existing key never evicts; EXIST of a missing key fails. */
	k = 9;
	TU_CHECK(update(m, &k, &v, BPF32_EXIST) == 0 && count_keys(m, 4) == MAX, "update in place");
	k = 200;
	TU_CHECK(update(m, &k, &v, BPF32_EXIST) == BPF32_ENOENT && count_keys(m, 4) == MAX,
		 "EXIST of a missing key");
	bpf32_map_free(m);

	/* Random inserts, updates, deletes and program lookups against the model. */
	enum { KEYS = 48, OPS = 3000, CAP = 16 };
	m = new_map(env, BPF32_MAP_LRU_HASH, 4, 8, CAP);
	bpf32_prog_free(p);
	p = m ? lookup_prog(env, m, c) : NULL;
	if (!p) {
		bpf32_map_free(m);
		return;
	}
	uint64_t used[KEYS] = { 0 };
	struct lru_model md = { used, KEYS, CAP, 0, 0 };
	int failures = tu_failures;
	for (int op = 0; op < OPS && tu_failures == failures; op++) {
		uint32_t key = rnd() % KEYS, what = rnd() % 10;
		if (what < 5) {
			TU_CHECK(update(m, &key, &v, BPF32_ANY) == 0, "insert");
			model_insert(&md, key);
		} else if (what < 6) {
			int rc = bpf32_map_delete(m, &key, NULL);
			TU_CHECK(rc == (used[key] ? 0 : BPF32_ENOENT), "delete %u", key);
			md.count -= used[key] != 0;
			used[key] = 0;
		} else {
			uint64_t found = run(p, &key, 4);
			TU_CHECK(found == (used[key] != 0), "op %d: program lookup %u", op, key);
			if (found)
				model_use(&md, key);
		}
		int n = count_keys(m, 4);
		TU_CHECK(n == (int)md.count && n <= CAP, "op %d: %d elements, model %u", op, n,
			 md.count);
	}
	for (uint32_t key = 0; key < KEYS; key++)
		TU_CHECK(!bpf32_map_lookup(m, &key) == !used[key], "%s: final key %u", configs[c],
			 key);
	bpf32_prog_free(p);
	bpf32_map_free(m);
}

/* ---------------------------------------------------------------- LPM */

struct lpm_key {
	uint32_t prefixlen;
	uint8_t data[16];
};

static int prefix_match(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
	for (uint32_t i = 0; i < bits; i++) {
		unsigned s = 7 - (i & 7);
		if (((a[i >> 3] >> s) & 1) != ((b[i >> 3] >> s) & 1))
			return 0;
	}
	return 1;
}

/* Brute-force reference: the elements as a list. */
struct lpm_ref {
	uint32_t n;
	struct lpm_key keys[256];
	uint32_t values[256];
};

static int ref_find(const struct lpm_ref *r, const struct lpm_key *k)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->keys[i].prefixlen == k->prefixlen &&
		    prefix_match(r->keys[i].data, k->data, k->prefixlen))
			return (int)i;
	return -1;
}

/* The value of the longest prefix matching data, or -1. */
static int64_t ref_lookup(const struct lpm_ref *r, const uint8_t *data)
{
	int best = -1;
	for (uint32_t i = 0; i < r->n; i++)
		if (prefix_match(r->keys[i].data, data, r->keys[i].prefixlen) &&
		    (best < 0 || r->keys[i].prefixlen > r->keys[best].prefixlen))
			best = (int)i;
	return best < 0 ? -1 : (int64_t)r->values[best];
}

static void check_lpm_lookups(struct bpf32_map *m, const struct lpm_ref *ref, uint32_t dsize,
			      int rounds)
{
	int failures = tu_failures;
	for (int i = 0; i < rounds && tu_failures == failures; i++) {
		struct lpm_key k = { .prefixlen = 8 * dsize };
		for (uint32_t b = 0; b < dsize; b++)
			k.data[b] = (uint8_t)rnd();
		/* Half of the lookups start from an element, to hit long prefixes. */
		if (ref->n && (i & 1)) {
			const struct lpm_key *e = &ref->keys[rnd() % ref->n];
			uint32_t keep = e->prefixlen;
			for (uint32_t bit = 0; bit < keep; bit++) {
				unsigned s = 7 - (bit & 7);
				k.data[bit >> 3] = (uint8_t)((k.data[bit >> 3] & ~(1u << s)) |
							     (e->data[bit >> 3] & (1u << s)));
			}
		}
		uint32_t *p = bpf32_map_lookup(m, &k);
		int64_t want = ref_lookup(ref, k.data);
		TU_CHECK((p ? (int64_t)*p : -1) == want, "lpm size %u lookup: %" PRId64 ", want %" PRId64,
			 dsize, p ? (int64_t)*p : -1, want);
	}
}

static void test_lpm_random(struct bpf32_env *env, uint32_t dsize)
{
	enum { MAX = 200 };
	struct bpf32_map *m = new_map(env, BPF32_MAP_LPM_TRIE, 4 + dsize, 4, MAX);
	static struct lpm_ref ref;
	if (!m)
		return;
	ref.n = 0;
	for (int round = 0; round < 4; round++) {
		/* Insert up to MAX random prefixes, short ones more often. */
		for (int i = 0; i < 150; i++) {
			struct lpm_key k = { .prefixlen = rnd() % (8 * dsize + 1) };
			if (rnd() & 1)
				k.prefixlen = k.prefixlen / 2;
			for (uint32_t b = 0; b < dsize; b++)
				k.data[b] = (uint8_t)(rnd() & (dsize > 2 ? 0xff : 0x33));
			uint32_t v = rnd();
			int at = ref_find(&ref, &k);
			int want = at < 0 && ref.n == MAX ? BPF32_E2BIG : 0;
			int rc = update(m, &k, &v, BPF32_ANY);
			TU_CHECK(rc == want, "lpm insert /%u: %d, want %d", k.prefixlen, rc, want);
			if (rc)
				continue;
			if (at < 0)
				at = (int)ref.n++;
			ref.keys[at] = k;
			ref.values[at] = v;
		}
		check_lpm_lookups(m, &ref, dsize, 2000);
		TU_CHECK(count_keys(m, 4 + dsize) == (int)ref.n, "lpm iteration: %d, want %u",
			 count_keys(m, 4 + dsize), ref.n);
		/* Delete about half, sometimes a prefix that is not there. */
		for (uint32_t i = 0; i < ref.n;) {
			if (rnd() & 1) {
				i++;
				continue;
			}
			struct lpm_key k = ref.keys[i];
			TU_CHECK(bpf32_map_delete(m, &k, NULL) == 0, "lpm delete /%u", k.prefixlen);
			TU_CHECK(bpf32_map_delete(m, &k, NULL) == BPF32_ENOENT, "lpm delete twice");
			ref.keys[i] = ref.keys[ref.n - 1];
			ref.values[i] = ref.values[ref.n - 1];
			ref.n--;
		}
		check_lpm_lookups(m, &ref, dsize, 2000);
	}
	/* Every key iteration returns is an element, each once. */
	uint8_t seen[256] = { 0 };
	struct lpm_key key, next;
	int n = 0;
	for (int rc = bpf32_map_next_key(m, NULL, &next, NULL); rc == 0 && n <= MAX;
	     rc = bpf32_map_next_key(m, &key, &next, NULL), n++) {
		int at = ref_find(&ref, &next);
		TU_CHECK(at >= 0 && !seen[at], "lpm iteration returned a wrong or repeated key");
		if (at >= 0)
			seen[at] = 1;
		key = next;
	}
	TU_CHECK(n == (int)ref.n, "lpm iteration count %d, want %u", n, ref.n);
	bpf32_map_free(m);
}

static struct lpm_key v4(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct lpm_key){ plen, { a, b, c, d } };
}

static uint32_t lpm_get(struct bpf32_map *m, struct lpm_key k)
{
	uint32_t *p = bpf32_map_lookup(m, &k);
	return p ? *p : 0;
}

static void test_lpm_fixed(struct bpf32_env *env)
{
	struct bpf32_map *m = new_map(env, BPF32_MAP_LPM_TRIE, 8, 4, 8);
	if (!m)
		return;
	uint32_t v;
	struct lpm_key ks[] = { v4(16, 192, 168, 0, 0), v4(24, 192, 168, 0, 0),
				v4(24, 192, 168, 128, 0), v4(24, 192, 168, 1, 0) };
	for (uint32_t i = 0; i < 4; i++) {
		v = i + 1;
		TU_CHECK(update(m, &ks[i], &v, BPF32_NOEXIST) == 0, "insert %u", i);
	}
	TU_CHECK(lpm_get(m, v4(32, 192, 168, 0, 1)) == 2, "192.168.0.1 -> /24");
	TU_CHECK(lpm_get(m, v4(32, 192, 168, 1, 200)) == 4, "192.168.1.200");
	TU_CHECK(lpm_get(m, v4(32, 192, 168, 128, 9)) == 3, "192.168.128.9");
	TU_CHECK(lpm_get(m, v4(32, 192, 168, 2, 1)) == 1, "192.168.2.1 -> /16");
	TU_CHECK(lpm_get(m, v4(32, 10, 0, 0, 1)) == 0, "10.0.0.1 no match");
	TU_CHECK(lpm_get(m, v4(20, 192, 168, 0, 1)) == 1, "a /20 key matches only the /16");

	/* Postorder, as Linux: 0.0/24, 1.0/24, 128.0/24, 0.0/16. */
	static const uint8_t order[] = { 0, 1, 128 };
	struct lpm_key key, next;
	int rc = bpf32_map_next_key(m, NULL, &next, NULL);
	for (int i = 0; i < 4; i++) {
		TU_CHECK(rc == 0 && next.prefixlen == (i < 3 ? 24u : 16u) &&
				 next.data[2] == (i < 3 ? order[i] : 0),
			 "postorder position %d: /%u .%u", i, next.prefixlen, next.data[2]);
		key = next;
		rc = bpf32_map_next_key(m, &key, &next, NULL);
	}
	TU_CHECK(rc == BPF32_ENOENT, "postorder ends");

	/* Flags, limits, deletion of an inner element. */
	v = 9;
	TU_CHECK(update(m, &ks[0], &v, BPF32_NOEXIST) == BPF32_EEXIST, "NOEXIST");
	struct lpm_key k = v4(8, 192, 0, 0, 0);
	TU_CHECK(update(m, &k, &v, BPF32_EXIST) == BPF32_ENOENT, "EXIST");
	k = v4(33, 1, 2, 3, 4);
	TU_CHECK(update(m, &k, &v, BPF32_ANY) == BPF32_EINVAL, "prefixlen 33");
	TU_CHECK(bpf32_map_delete(m, &ks[0], NULL) == 0, "delete the /16");
	TU_CHECK(lpm_get(m, v4(32, 192, 168, 2, 1)) == 0 && lpm_get(m, v4(32, 192, 168, 1, 2)) == 4,
		 "after deleting the /16");
	k = v4(0, 0, 0, 0, 0);
	v = 77;
	TU_CHECK(update(m, &k, &v, BPF32_ANY) == 0 && lpm_get(m, v4(32, 8, 8, 8, 8)) == 77,
		 "default route");
	bpf32_map_free(m);

	/* Capacity: ENOSPC (E2BIG) when full; an intermediate node can take an element. */
	m = new_map(env, BPF32_MAP_LPM_TRIE, 8, 4, 2);
	if (!m)
		return;
	struct lpm_key a = v4(24, 10, 0, 0, 0), b = v4(24, 10, 0, 1, 0), im = v4(23, 10, 0, 0, 0);
	TU_CHECK(update(m, &a, &v, BPF32_ANY) == 0 && update(m, &b, &v, BPF32_ANY) == 0, "two");
	TU_CHECK(update(m, &im, &v, BPF32_ANY) == BPF32_E2BIG, "full");
	TU_CHECK(bpf32_map_delete(m, &a, NULL) == 0 && update(m, &im, &v, BPF32_ANY) == 0,
		 "room again");
	bpf32_map_free(m);

	/* IPv6. */
	m = new_map(env, BPF32_MAP_LPM_TRIE, 20, 4, 4);
	if (!m)
		return;
	struct lpm_key n6 = { 32, { 0x20, 0x01, 0x0d, 0xb8 } }, h6 = { 128, { 0x20, 0x01, 0x0d, 0xb8 } };
	h6.data[15] = 1;
	v = 6;
	TU_CHECK(update(m, &n6, &v, BPF32_ANY) == 0, "2001:db8::/32");
	v = 7;
	TU_CHECK(update(m, &h6, &v, BPF32_ANY) == 0, "2001:db8::1/128");
	struct lpm_key q = h6;
	TU_CHECK(lpm_get(m, q) == 7, "2001:db8::1");
	q.data[15] = 2;
	TU_CHECK(lpm_get(m, q) == 6, "2001:db8::2");
	q.data[3] = 0xb9;
	TU_CHECK(lpm_get(m, q) == 0, "2001:db9::2");
	bpf32_map_free(m);
}

/* ---------------------------------------------------------------- prog array */

static void test_prog_array(struct bpf32_env *env, size_t c)
{
	struct bpf32_map *m = new_map(env, BPF32_MAP_PROG_ARRAY, 4, 4, 4);
	if (!m)
		return;
	const struct bpf_insn caller[] = {
		LD_MAP(2, 0),
		MOV64_IMM(3, 2),
		CALL(BPF32_FN_TAIL_CALL),
		MOV64_IMM(0, 1),
		EXIT(),
	};
	const struct bpf_insn callee[] = { MOV64_IMM(0, 42), EXIT() };
	void *maps[] = { m };
	struct bpf32_prog *a = load_insns(env, caller, 6, maps, 1, c);
	struct bpf32_prog *b = load_insns(env, callee, 2, NULL, 0, c);
	if (a && b) {
		TU_CHECK(run(a, NULL, 0) == 1, "empty slot: falls through");
		TU_CHECK(bpf32_map_set_prog(m, 2, b, NULL) == 0 && bpf32_map_get_prog(m, 2) == b, "set");
		TU_CHECK(run(a, NULL, 0) == 42, "%s: tail call through the map", configs[c]);
		uint32_t k = 2, v = 0;
		TU_CHECK(!bpf32_map_lookup(m, &k) && update(m, &k, &v, BPF32_ANY) == BPF32_EINVAL,
			 "no values in a prog array");
		TU_CHECK(bpf32_map_delete(m, &k, NULL) == 0 && run(a, NULL, 0) == 1, "delete");
		TU_CHECK(bpf32_map_delete(m, &k, NULL) == BPF32_ENOENT, "delete an empty slot");
		TU_CHECK(bpf32_map_set_prog(m, 4, b, NULL) == BPF32_EINVAL, "slot out of range");
	}
	bpf32_prog_free(a);
	bpf32_prog_free(b);
	bpf32_map_free(m);
}

/* ---------------------------------------------------------------- helpers from programs */

/*
 * Program: value = lookup(map, key 5); if none, update(key 5, 1000, flags
 * R2) and return its result; else *value += 1 and return *value.
 */
static void test_helpers(struct bpf32_env *env, size_t c)
{
	struct bpf32_map *m = new_map(env, BPF32_MAP_HASH, 8, 8, 4);
	if (!m)
		return;
	const struct bpf_insn insns[] = {
		MOV64_REG(6, 2),                      /* r6 = flags (ctx_len) */
		ST_DW(10, -8, 5),                     /* key */
		ST_DW(10, -16, 1000),                 /* value */
		LD_MAP(1, 0),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -8),
		CALL(BPF32_FN_MAP_LOOKUP_ELEM),
		JEQ_IMM(0, 0, 5),
		LDX_DW(1, 0, 0),
		ADD64_IMM(1, 1),
		STX_DW(0, 1, 0),                      /* through the pointer: a map region */
		LDX_DW(0, 0, 0),
		EXIT(),
		LD_MAP(1, 0),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -8),
		MOV64_REG(3, 10),
		ADD64_IMM(3, -16),
		MOV64_REG(4, 6),
		CALL(BPF32_FN_MAP_UPDATE_ELEM),
		EXIT(),
	};
	void *maps[] = { m };
	struct bpf32_prog *p = load_insns(env, insns, sizeof insns / sizeof insns[0], maps, 1, c);
	if (p) {
		uint64_t r = run(p, NULL, BPF32_EXIST);
		TU_CHECK(r == (uint64_t)-2, "update EXIST: -ENOENT, got 0x%" PRIx64, r);
		TU_CHECK(run(p, NULL, 7) == (uint64_t)-22, "update with bad flags: -EINVAL");
		TU_CHECK(run(p, NULL, BPF32_NOEXIST) == 0, "update NOEXIST: 0");
		TU_CHECK(run(p, NULL, 0) == 1001, "%s: increment through the pointer", configs[c]);
		TU_CHECK(run(p, NULL, 0) == 1002, "again");
		uint64_t key = 5, *v = bpf32_map_lookup(m, &key);
		TU_CHECK(v && *v == 1002, "C sees the program's store");
	}
	bpf32_prog_free(p);

	/* Delete: 0, then -ENOENT. */
	const struct bpf_insn del[] = {
		ST_DW(10, -8, 5),
		LD_MAP(1, 0),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -8),
		CALL(BPF32_FN_MAP_DELETE_ELEM),
		EXIT(),
	};
	p = load_insns(env, del, sizeof del / sizeof del[0], maps, 1, c);
	if (p) {
		TU_CHECK(run(p, NULL, 0) == 0, "delete: 0");
		TU_CHECK(run(p, NULL, 0) == (uint64_t)-2, "delete again: -ENOENT");
	}
	bpf32_prog_free(p);
	bpf32_map_free(m);
}

/* A read-only map's values are readable, not writable, by interpreted programs. */
static void test_rdonly(struct bpf32_env *env)
{
	struct bpf32_map_def def = { BPF32_MAP_ARRAY, 4, 8, 1, BPF32_F_RDONLY_PROG };
	struct bpf32_map *m = bpf32_map_new(env, "ro", &def, NULL);
	TU_CHECK(m && env->nregions == 1, "one region registered");
	if (!m)
		return;
	const struct bpf_insn insns[] = {
		ST_DW(10, -8, 0),
		LD_MAP(1, 0),
		MOV64_REG(2, 10),
		ADD64_IMM(2, -8),
		CALL(BPF32_FN_MAP_LOOKUP_ELEM),
		ST_DW(0, 0, 1),
		EXIT(),
	};
	void *maps[] = { m };
	struct bpf32_prog *p = load_insns(env, insns, sizeof insns / sizeof insns[0], maps, 1, 0);
	uint64_t r0;
	struct bpf32_error err = { 0 };
	TU_CHECK(p && bpf32_run(p, NULL, 0, &r0, &err) == BPF32_EFAULT,
		 "store into a read-only map faults: %s", err.msg);
	bpf32_prog_free(p);
	bpf32_map_free(m);
	TU_CHECK(env->nregions == 0, "region removed with the map");
}

/* ---------------------------------------------------------------- trace_printk and hooks */

static char trace_line[300];
static int trace_calls;

static void trace_sink(void *user, const char *line, size_t len)
{
	TU_CHECK(user == trace_line, "trace user pointer");
	TU_CHECK(strlen(line) == len, "trace line length");
	snprintf(trace_line, sizeof trace_line, "%s", line);
	trace_calls++;
}

static uint64_t fixed_ns(void)
{
	return 123456789;
}

static uint32_t fixed_random(void)
{
	return 4;
}

static int64_t printk(struct bpf32_env *env, const char *fmt, size_t size, uint64_t a,
		      uint64_t b, uint64_t c)
{
	const uint64_t args[5] = { (uintptr_t)fmt, size, a, b, c };
	return (int64_t)bpf32_call_helper(bpf32_helper_get(env, BPF32_FN_TRACE_PRINTK), args);
}

#define PRINTK(env, fmt, a, b, c) printk(env, fmt, sizeof(fmt), a, b, c)

static void test_trace(struct bpf32_env *env)
{
	trace_calls = 0;
	TU_CHECK(PRINTK(env, "n=%d u=%u x=%x", -5, 4000000000u, 0xbeef) == 24 &&
			 !strcmp(trace_line, "n=-5 u=4000000000 x=beef"),
		 "basic: %s", trace_line);
	TU_CHECK(PRINTK(env, "%lld %llx %5d|", (uint64_t)-1, 1ull << 40, 42) > 0 &&
			 !strcmp(trace_line, "-1 10000000000    42|"),
		 "64-bit, width: %s", trace_line);
	TU_CHECK(PRINTK(env, "%-4u|%08X|%p", 7, 0xabc, 0x1000) > 0 &&
			 !strcmp(trace_line, "7   |00000ABC|0x1000"),
		 "flags, pointer: %s", trace_line);
	TU_CHECK(PRINTK(env, "%c%c%% %zu", 'o', 'k', 0) > 0 && !strcmp(trace_line, "ok% 0"),
		 "chars, percent: %s", trace_line);
	TU_CHECK(PRINTK(env, "%hhu %hd %lu", 0x1ff, 0x18000, 7) > 0 &&
			 !strcmp(trace_line, "255 -32768 7"),
		 "narrow: %s", trace_line);
	int before = trace_calls;
	TU_CHECK(PRINTK(env, "%s", 0, 0, 0) == -22, "%%s refused");
	TU_CHECK(PRINTK(env, "%d %d %d %d", 1, 2, 3) == -22, "four conversions refused");
	TU_CHECK(printk(env, "abc", 3, 0, 0, 0) == -22, "no terminating NUL in fmt_size");
	TU_CHECK(trace_calls == before, "refused formats print nothing");

	const struct bpf32_helper *t = bpf32_helper_get(env, BPF32_FN_KTIME_GET_NS);
	const struct bpf32_helper *r = bpf32_helper_get(env, BPF32_FN_GET_PRANDOM_U32);
	const uint64_t none[5] = { 0 };
	TU_CHECK(t && bpf32_call_helper(t, none) == 123456789, "ktime hook");
	TU_CHECK(r && bpf32_call_helper(r, none) == 4, "prandom hook");
	struct bpf32_error err = { 0 };
	TU_CHECK(bpf32_std_helpers_register(env, NULL, &err) == BPF32_EEXIST, "registered twice");
}

int main(void)
{
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_std_hooks hooks = {
		.ktime_get_ns = fixed_ns,
		.get_prandom_u32 = fixed_random,
		.trace = trace_sink,
		.trace_user = trace_line,
	};
	struct bpf32_error err = { 0 };
	if (!env || bpf32_std_helpers_register(env, &hooks, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return 1;
	}
	test_array(env);
	test_hash(env);
	test_lpm_fixed(env);
	for (uint32_t dsize = 1; dsize <= 16; dsize = dsize < 4 ? dsize + 1 : dsize * 4)
		test_lpm_random(env, dsize);
	for (size_t c = 0; c < NCONFIGS; c++) {
		test_lru(env, c);
		test_prog_array(env, c);
		test_helpers(env, c);
	}
	test_rdonly(env);
	test_trace(env);
	TU_CHECK(env->nregions == 0, "every map removed its region");
	bpf32_env_free(env);
	if (tu_failures) {
		fprintf(stderr, "maps: %d checks failed\n", tu_failures);
		return 1;
	}
	printf("maps: all checks passed\n");
	return 0;
}
