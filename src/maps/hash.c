/*
 * Hash maps and LRU hash maps.
 *
 * Elements are indexes 0 .. max_entries - 1 into preallocated arrays: the
 * value block (reachable by programs), and keys, hashes and links (not
 * reachable). Buckets are a power of two at least max_entries, each a chain
 * through `next`; links hold index + 1 so that 0 means "none".
 *
 *   buckets[h & mask] -> e1 -> e2 -> 0        (next[], newest first)
 *   keys:   [e0 key][e1 key]...               (key_size each)
 *   values: [e0 value][e1 value]...           (value_stride each)
 *
 * A full hash map refuses a new key with -E2BIG. An LRU hash map instead
 * evicts its least recently used element: all elements are on a use list,
 * most recent first; an insert, an update and a program's lookup move the
 * element to the front, and eviction takes the back. (Linux approximates
 * this order with reference bits per CPU; on one CPU the exact order is what
 * users expect, and what tests can state.) Updating an existing key
 * rewrites its value in place and never evicts.
 */
#include <stdlib.h>
#include <string.h>

#include "maps.h"

#define NONE 0u   /* link value for "no element" */

struct htab {
	uint32_t mask;          /* buckets - 1 */
	uint32_t *buckets;      /* chain heads */
	uint32_t *next;         /* chain links */
	uint32_t *hashes;       /* hash of each element's key */
	uint8_t *keys;
	struct idx_pool pool;
	uint32_t count;
	int lru;
	uint32_t *newer, *older;   /* use list links (LRU only) */
	uint32_t newest, oldest;
};

static uint32_t nbuckets(uint32_t max_entries)
{
	uint32_t n = 1;
	while (n < max_entries && n < (1u << 31))
		n <<= 1;
	return n;
}

/* FNV-1a over the key, then a final avalanche (the finaliser of MurmurHash3). */
static uint32_t hash_key(const uint8_t *key, uint32_t len)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static uint8_t *elem_key(const struct bpf32_map *m, const struct htab *t, uint32_t i)
{
	return t->keys + (size_t)i * m->def.key_size;
}

/* ---------------------------------------------------------------- use list */

static void use_unlink(struct htab *t, uint32_t i)
{
	uint32_t newer = t->newer[i], older = t->older[i];
	if (newer)
		t->older[newer - 1] = older;
	else
		t->newest = older;
	if (older)
		t->newer[older - 1] = newer;
	else
		t->oldest = newer;
}

static void use_push_newest(struct htab *t, uint32_t i)
{
	t->newer[i] = NONE;
	t->older[i] = t->newest;
	if (t->newest)
		t->newer[t->newest - 1] = i + 1;
	else
		t->oldest = i + 1;
	t->newest = i + 1;
}

static void touch(struct htab *t, uint32_t i)
{
	if (t->lru && t->newest != i + 1) {
		use_unlink(t, i);
		use_push_newest(t, i);
	}
}

/* ---------------------------------------------------------------- chains */

/*
 * The link that points at the element with this key (a bucket head or a
 * `next` entry), or the terminating NONE link of its chain when absent.
 */
static uint32_t *find_link(const struct bpf32_map *m, const struct htab *t, const void *key,
			   uint32_t hash)
{
	uint32_t *link = &t->buckets[hash & t->mask];
	while (*link) {
		uint32_t i = *link - 1;
		if (t->hashes[i] == hash && !memcmp(elem_key(m, t, i), key, m->def.key_size))
			break;
		link = &t->next[i];
	}
	return link;
}

/* Take element i out of its chain, the use list and the count. */
static void remove_elem(struct bpf32_map *m, struct htab *t, uint32_t i)
{
	uint32_t *link = find_link(m, t, elem_key(m, t, i), t->hashes[i]);
	*link = t->next[i];
	if (t->lru)
		use_unlink(t, i);
	idx_pool_put(&t->pool, i);
	t->count--;
}

/* ---------------------------------------------------------------- operations */

static const char *htab_check(const struct bpf32_map_def *def)
{
	if (def->key_size == 0 || def->key_size > BPF32_STACK_SIZE)
		return "key_size must be 1 to 512";
	if (def->value_size == 0 || def->value_size > BPF32_MAP_MAX_BYTES)
		return "value_size must be 1 or more";
	return NULL;
}

static uint64_t htab_bytes(const struct bpf32_map_def *def, int lru)
{
	uint64_t n = def->max_entries;
	uint64_t per_elem = def->key_size + 3 * sizeof(uint32_t) + (lru ? 8 : 0);
	return n * per_elem + (uint64_t)nbuckets(def->max_entries) * sizeof(uint32_t);
}

static uint64_t hash_bytes(const struct bpf32_map_def *def)
{
	return htab_bytes(def, 0);
}

static uint64_t lru_bytes(const struct bpf32_map_def *def)
{
	return htab_bytes(def, 1);
}

static void htab_fini(struct bpf32_map *m)
{
	struct htab *t = m->priv;
	if (!t)
		return;
	free(t->buckets);
	free(t->next);
	free(t->hashes);
	free(t->keys);
	free(t->newer);
	free(t->older);
	idx_pool_fini(&t->pool);
	free(t);
	m->priv = NULL;
}

static int htab_init(struct bpf32_map *m, int lru)
{
	uint32_t n = m->def.max_entries;
	struct htab *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	m->priv = t;
	t->lru = lru;
	t->mask = nbuckets(n) - 1;
	t->buckets = calloc((size_t)t->mask + 1, sizeof *t->buckets);
	t->next = malloc((size_t)n * sizeof *t->next);
	t->hashes = malloc((size_t)n * sizeof *t->hashes);
	t->keys = malloc((size_t)n * m->def.key_size);
	if (lru) {
		t->newer = malloc((size_t)n * sizeof *t->newer);
		t->older = malloc((size_t)n * sizeof *t->older);
	}
	if (!t->buckets || !t->next || !t->hashes || !t->keys ||
	    (lru && (!t->newer || !t->older)) || idx_pool_init(&t->pool, n)) {
		htab_fini(m);
		return -1;
	}
	return 0;
}

static int hash_init(struct bpf32_map *m)
{
	return htab_init(m, 0);
}

static int lru_init(struct bpf32_map *m)
{
	return htab_init(m, 1);
}

static void *htab_lookup(struct bpf32_map *m, const void *key, int use)
{
	struct htab *t = m->priv;
	uint32_t *link = find_link(m, t, key, hash_key(key, m->def.key_size));
	if (!*link)
		return NULL;
	if (use)
		touch(t, *link - 1);
	return map_value(m, *link - 1);
}

static int htab_update(struct bpf32_map *m, const void *key, const void *value, uint64_t flags)
{
	struct htab *t = m->priv;
	if (!map_flags_valid(flags))
		return MAP_EINVAL;
	uint32_t hash = hash_key(key, m->def.key_size);
	uint32_t *link = find_link(m, t, key, hash);
	if (*link) {
		if (flags == BPF32_NOEXIST)
			return MAP_EEXIST;
		map_value_store(m, *link - 1, value);
		touch(t, *link - 1);
		return 0;
	}
	if (flags == BPF32_EXIST)
		return MAP_ENOENT;
	if (t->count == m->def.max_entries) {
		if (!t->lru)
			return MAP_E2BIG;
		remove_elem(m, t, t->oldest - 1);
	}
	uint32_t i = idx_pool_get(&t->pool);   /* cannot fail: count < max_entries */
	memcpy(elem_key(m, t, i), key, m->def.key_size);
	map_value_store(m, i, value);
	t->hashes[i] = hash;
	uint32_t *head = &t->buckets[hash & t->mask];
	t->next[i] = *head;
	*head = i + 1;
	if (t->lru)
		use_push_newest(t, i);
	t->count++;
	return 0;
}

static int htab_remove(struct bpf32_map *m, const void *key)
{
	struct htab *t = m->priv;
	uint32_t *link = find_link(m, t, key, hash_key(key, m->def.key_size));
	if (!*link)
		return MAP_ENOENT;
	remove_elem(m, t, *link - 1);
	return 0;
}

/*
 * Iteration order: bucket by bucket, each chain from its head. After an
 * absent key, start again from the first element, as Linux does.
 */
static int htab_next_key(struct bpf32_map *m, const void *key, void *next)
{
	struct htab *t = m->priv;
	uint32_t bucket = 0;
	if (key) {
		uint32_t hash = hash_key(key, m->def.key_size);
		uint32_t *link = find_link(m, t, key, hash);
		if (*link) {
			uint32_t after = t->next[*link - 1];
			if (after) {
				memcpy(next, elem_key(m, t, after - 1), m->def.key_size);
				return 0;
			}
			bucket = (hash & t->mask) + 1;
		}
	}
	for (; bucket <= t->mask; bucket++)
		if (t->buckets[bucket]) {
			memcpy(next, elem_key(m, t, t->buckets[bucket] - 1), m->def.key_size);
			return 0;
		}
	return MAP_ENOENT;
}

const struct map_ops bpf32_hash_ops = {
	.name = "hash",
	.check = htab_check,
	.extra_bytes = hash_bytes,
	.init = hash_init,
	.fini = htab_fini,
	.lookup = htab_lookup,
	.update = htab_update,
	.remove = htab_remove,
	.next_key = htab_next_key,
	.has_values = 1,
};

const struct map_ops bpf32_lru_hash_ops = {
	.name = "lru_hash",
	.check = htab_check,
	.extra_bytes = lru_bytes,
	.init = lru_init,
	.fini = htab_fini,
	.lookup = htab_lookup,
	.update = htab_update,
	.remove = htab_remove,
	.next_key = htab_next_key,
	.has_values = 1,
};
