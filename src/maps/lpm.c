/*
 * LPM trie maps: longest-prefix match, as Linux's BPF_MAP_TYPE_LPM_TRIE.
 *
 * Keys are struct { u32 prefixlen; u8 data[key_size - 4]; }: prefixlen in
 * host order, data in network order (bit 0 is the top bit of data[0]). An
 * element is a (prefixlen, data) pair; looking up a key finds the element
 * with the longest prefix that matches the key's first prefixlen bits.
 *
 * The trie is binary and path-compressed. Every node holds a prefix; a
 * child's prefix extends its parent's, and the parent's next bit after its
 * own prefix chooses the child:
 *
 *              10.0.0.0/8
 *              /        \
 *     10.0.0.0/15*     10.128.0.0/9
 *      /      \
 *  10.0.0.0/16  10.1.0.0/16            (* intermediate: no element)
 *
 * Intermediate nodes are created where two prefixes diverge and always have
 * two children, so a trie of n elements has fewer than 2n nodes: nodes are
 * preallocated for 2 * max_entries, values for max_entries (in the value
 * block). Links are node + 1, 0 meaning "none".
 *
 * Iteration is in postorder, more specific prefixes first, as in Linux.
 */
#include <stdlib.h>
#include <string.h>

#include "maps.h"

#define KEY_HDR 4   /* the u32 prefixlen before the data */
#define DATA_MAX 256

struct lpm {
	uint32_t data_size;      /* key_size - 4 */
	uint32_t max_prefixlen;  /* 8 * data_size */
	uint32_t root;           /* node + 1 */
	uint32_t *child;         /* two links per node */
	uint32_t *plen;          /* prefix length per node */
	uint32_t *slot;          /* value slot + 1 per node; 0: intermediate */
	uint8_t *data;           /* data_size bytes per node */
	struct idx_pool nodes, slots;
	uint32_t count;          /* elements */
	uint32_t *path;          /* next_key's walk: max_prefixlen + 1 nodes */
};

static uint32_t key_plen(const void *key)
{
	uint32_t plen;
	memcpy(&plen, key, sizeof plen);
	return plen;
}

static const uint8_t *key_data(const void *key)
{
	return (const uint8_t *)key + KEY_HDR;
}

static uint8_t *node_data(const struct lpm *t, uint32_t n)
{
	return t->data + (size_t)n * t->data_size;
}

/* Bit i of a prefix, counted from the top bit of byte 0. */
static unsigned bit(const uint8_t *data, uint32_t i)
{
	return (data[i >> 3] >> (7 - (i & 7))) & 1;
}

/* Link to the child of node n that prefix `data` continues into. */
static uint32_t *child_for(const struct lpm *t, uint32_t n, const uint8_t *data)
{
	return &t->child[2 * n + bit(data, t->plen[n])];
}

/*
 * How many leading bits node n and (data, plen) share, up to the shorter of
 * the two prefixes.
 */
static uint32_t match_len(const struct lpm *t, uint32_t n, const uint8_t *data, uint32_t plen)
{
	uint32_t limit = t->plen[n] < plen ? t->plen[n] : plen;
	const uint8_t *nd = node_data(t, n);
	uint32_t bits = 0;
	for (uint32_t i = 0; bits < limit; i++) {
		uint8_t x = nd[i] ^ data[i];
		if (x) {
			bits += (uint32_t)__builtin_clz(x) - 24;
			break;
		}
		bits += 8;
	}
	return bits < limit ? bits : limit;
}

/*
 * Walk from the root along (data, plen) while nodes are proper prefixes of
 * it. Returns the link where the walk stopped: it points at the first node
 * that is not a proper prefix (or holds 0), and *mlen is that node's
 * match_len. If `parent_link` is given, it gets the link to the last node
 * passed (NULL at the root).
 */
static uint32_t *walk(struct lpm *t, const uint8_t *data, uint32_t plen, uint32_t *mlen,
		      uint32_t **parent_link)
{
	uint32_t *link = &t->root, *parent = NULL;
	*mlen = 0;
	while (*link) {
		uint32_t n = *link - 1;
		*mlen = match_len(t, n, data, plen);
		if (t->plen[n] != *mlen || t->plen[n] == plen)
			break;
		parent = link;
		link = child_for(t, n, data);
	}
	if (parent_link)
		*parent_link = parent;
	return link;
}

/* ---------------------------------------------------------------- life cycle */

static const char *lpm_check(const struct bpf32_map_def *def)
{
	if (def->key_size <= KEY_HDR || def->key_size > KEY_HDR + DATA_MAX)
		return "key_size must be 4 + 1..256";
	if (def->value_size == 0 || def->value_size > BPF32_MAP_MAX_BYTES)
		return "value_size must be 1 or more";
	return NULL;
}

static uint64_t lpm_bytes(const struct bpf32_map_def *def)
{
	uint64_t nodes = 2 * (uint64_t)def->max_entries;
	uint64_t per_node = def->key_size - KEY_HDR + 5 * sizeof(uint32_t);
	return nodes * per_node + def->max_entries * sizeof(uint32_t) +
	       (8ull * DATA_MAX + 1) * sizeof(uint32_t);
}

static void lpm_fini(struct bpf32_map *m)
{
	struct lpm *t = m->priv;
	if (!t)
		return;
	free(t->child);
	free(t->plen);
	free(t->slot);
	free(t->data);
	free(t->path);
	idx_pool_fini(&t->nodes);
	idx_pool_fini(&t->slots);
	free(t);
	m->priv = NULL;
}

static int lpm_init(struct bpf32_map *m)
{
	struct lpm *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	m->priv = t;
	size_t nodes = 2 * (size_t)m->def.max_entries;
	t->data_size = m->def.key_size - KEY_HDR;
	t->max_prefixlen = 8 * t->data_size;
	t->child = malloc(2 * nodes * sizeof *t->child);
	t->plen = malloc(nodes * sizeof *t->plen);
	t->slot = malloc(nodes * sizeof *t->slot);
	t->data = malloc(nodes * t->data_size);
	t->path = malloc((t->max_prefixlen + 1) * sizeof *t->path);
	if (!t->child || !t->plen || !t->slot || !t->data || !t->path ||
	    idx_pool_init(&t->nodes, (uint32_t)nodes) ||
	    idx_pool_init(&t->slots, m->def.max_entries)) {
		lpm_fini(m);
		return -1;
	}
	return 0;
}

/* A node for (data, plen) with no children; slot + 1, or 0 for intermediate. */
static uint32_t new_node(struct lpm *t, const uint8_t *data, uint32_t plen, uint32_t slot)
{
	uint32_t n = idx_pool_get(&t->nodes);   /* cannot fail: see the top of the file */
	memcpy(node_data(t, n), data, t->data_size);
	t->plen[n] = plen;
	t->slot[n] = slot;
	t->child[2 * n] = t->child[2 * n + 1] = 0;
	return n;
}

/* ---------------------------------------------------------------- operations */

static void *lpm_lookup(struct bpf32_map *m, const void *key, int touch)
{
	(void)touch;
	struct lpm *t = m->priv;
	const uint8_t *data = key_data(key);
	uint32_t plen = key_plen(key), best = 0;
	for (uint32_t link = t->root; link;) {
		uint32_t n = link - 1;
		if (match_len(t, n, data, plen) < t->plen[n])
			break;
		if (t->slot[n])
			best = t->slot[n];
		if (t->plen[n] == t->max_prefixlen)
			break;
		link = *child_for(t, n, data);
	}
	return best ? map_value(m, best - 1) : NULL;
}

/* A value slot holding `value`, as slot + 1; 0 when the map is full. */
static uint32_t take_slot(struct bpf32_map *m, struct lpm *t, const void *value)
{
	if (t->count == m->def.max_entries)
		return 0;
	uint32_t s = idx_pool_get(&t->slots);
	map_value_store(m, s, value);
	t->count++;
	return s + 1;
}

static int lpm_update(struct bpf32_map *m, const void *key, const void *value, uint64_t flags)
{
	struct lpm *t = m->priv;
	const uint8_t *data = key_data(key);
	uint32_t plen = key_plen(key), mlen;
	if (!map_flags_valid(flags) || plen > t->max_prefixlen)
		return MAP_EINVAL;
	uint32_t *link = walk(t, data, plen, &mlen, NULL);
	uint32_t n = *link - 1;   /* meaningful when *link != 0 */

	if (*link && t->plen[n] == plen && mlen == plen) {   /* the prefix has a node */
		if (t->slot[n]) {
			if (flags == BPF32_NOEXIST)
				return MAP_EEXIST;
			map_value_store(m, t->slot[n] - 1, value);
		} else {
			if (flags == BPF32_EXIST)
				return MAP_ENOENT;
			if (!(t->slot[n] = take_slot(m, t, value)))
				return MAP_ENOSPC;
		}
		memcpy(node_data(t, n), data, t->data_size);
		return 0;
	}
	if (flags == BPF32_EXIST)
		return MAP_ENOENT;
	uint32_t slot = take_slot(m, t, value);
	if (!slot)
		return MAP_ENOSPC;
	uint32_t fresh = new_node(t, data, plen, slot);
	if (!*link) {                       /* an empty place */
		*link = fresh + 1;
	} else if (mlen == plen) {          /* the new prefix is a prefix of node n */
		*child_for(t, fresh, node_data(t, n)) = n + 1;
		*link = fresh + 1;
	} else {                            /* they diverge after mlen bits */
		uint32_t im = new_node(t, node_data(t, n), mlen, 0);
		unsigned b = bit(data, mlen);
		t->child[2 * im + b] = fresh + 1;
		t->child[2 * im + !b] = n + 1;
		*link = im + 1;
	}
	return 0;
}

static void free_node(struct lpm *t, uint32_t n)
{
	idx_pool_put(&t->nodes, n);
}

static int lpm_remove(struct bpf32_map *m, const void *key)
{
	struct lpm *t = m->priv;
	const uint8_t *data = key_data(key);
	uint32_t plen = key_plen(key), mlen;
	uint32_t *parent_link;
	if (plen > t->max_prefixlen)
		return MAP_EINVAL;
	uint32_t *link = walk(t, data, plen, &mlen, &parent_link);
	uint32_t n = *link - 1;
	if (!*link || t->plen[n] != plen || mlen != plen || !t->slot[n])
		return MAP_ENOENT;

	idx_pool_put(&t->slots, t->slot[n] - 1);
	t->slot[n] = 0;
	t->count--;
	uint32_t c0 = t->child[2 * n], c1 = t->child[2 * n + 1];
	if (c0 && c1)   /* still needed to join its children: intermediate now */
		return 0;
	if (parent_link && !c0 && !c1 && !t->slot[*parent_link - 1]) {
		/* An intermediate parent left with one child: the sibling replaces it. */
		uint32_t p = *parent_link - 1;
		*parent_link = t->child[2 * p] == n + 1 ? t->child[2 * p + 1] : t->child[2 * p];
		free_node(t, p);
	} else {
		*link = c0 ? c0 : c1;
	}
	free_node(t, n);
	return 0;
}

/* The deepest element on the leftmost path below `link`: the first in postorder. */
static uint32_t leftmost(const struct lpm *t, uint32_t link)
{
	uint32_t found = 0;
	while (link) {
		uint32_t n = link - 1;
		if (t->slot[n])
			found = link;
		link = t->child[2 * n] ? t->child[2 * n] : t->child[2 * n + 1];
	}
	return found;
}

static int lpm_next_key(struct bpf32_map *m, const void *key, void *next)
{
	struct lpm *t = m->priv;
	uint32_t found = 0;
	if (!key || key_plen(key) > t->max_prefixlen) {
		found = leftmost(t, t->root);
		goto out;
	}
	/* Find the key's node, remembering the path to it. */
	const uint8_t *data = key_data(key);
	uint32_t plen = key_plen(key), depth = 0, mlen = 0;
	for (uint32_t link = t->root; link; link = *child_for(t, link - 1, data)) {
		uint32_t n = link - 1;
		t->path[depth++] = n;
		mlen = match_len(t, n, data, plen);
		if (t->plen[n] != mlen || t->plen[n] == plen)
			break;
	}
	uint32_t n = depth ? t->path[depth - 1] : 0;
	if (!depth || t->plen[n] != plen || mlen != plen || !t->slot[n]) {
		found = leftmost(t, t->root);   /* not in the map: start over */
		goto out;
	}
	/* Postorder successor: the right sibling's subtree, else the parent. */
	for (; depth > 1 && !found; depth--) {
		uint32_t p = t->path[depth - 2];
		n = t->path[depth - 1];
		if (t->child[2 * p] == n + 1 && t->child[2 * p + 1])
			found = leftmost(t, t->child[2 * p + 1]);
		else if (t->slot[p])
			found = p + 1;
	}
out:
	if (!found)
		return MAP_ENOENT;
	uint32_t f = found - 1;
	memcpy(next, &t->plen[f], sizeof t->plen[f]);
	memcpy((uint8_t *)next + KEY_HDR, node_data(t, f), t->data_size);
	return 0;
}

const struct map_ops bpf32_lpm_ops = {
	.name = "lpm_trie",
	.check = lpm_check,
	.extra_bytes = lpm_bytes,
	.init = lpm_init,
	.fini = lpm_fini,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.remove = lpm_remove,
	.next_key = lpm_next_key,
	.has_values = 1,
};
