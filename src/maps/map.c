/*
 * Maps: creation, the public map API and what the map types share.
 *
 * The per-type work is in array.c, hash.c and lpm.c, behind struct map_ops;
 * this file checks arguments, enforces the size limit, owns the value block
 * and its memory region, and turns the types' errno results into bpf32
 * errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

/* ---------------------------------------------------------------- types */

/* Map type -> operations; the per-CPU types run on one CPU here. */
static const struct map_ops *const map_types[] = {
	[BPF32_MAP_HASH] = &bpf32_hash_ops,
	[BPF32_MAP_ARRAY] = &bpf32_array_ops,
	[BPF32_MAP_PROG_ARRAY] = &bpf32_prog_array_ops,
	[BPF32_MAP_PERCPU_HASH] = &bpf32_hash_ops,
	[BPF32_MAP_PERCPU_ARRAY] = &bpf32_array_ops,
	[BPF32_MAP_LRU_HASH] = &bpf32_lru_hash_ops,
	[BPF32_MAP_LRU_PERCPU_HASH] = &bpf32_lru_hash_ops,
	[BPF32_MAP_LPM_TRIE] = &bpf32_lpm_ops,
};

#define NTYPES (sizeof map_types / sizeof map_types[0])

static const struct map_ops *ops_of(uint32_t type)
{
	return type < NTYPES ? map_types[type] : NULL;
}

const char *bpf32_map_type_name(uint32_t type)
{
	const struct map_ops *ops = ops_of(type);
	return ops ? ops->name : NULL;
}

#define KNOWN_MAP_FLAGS (BPF32_F_NO_PREALLOC | BPF32_F_NO_COMMON_LRU | BPF32_F_RDONLY_PROG)

/* value_size rounded up to 8 (values are 8-byte aligned for programs). */
static uint64_t value_stride(const struct bpf32_map_def *def)
{
	return ((uint64_t)def->value_size + 7) & ~(uint64_t)7;
}

uint64_t bpf32_map_bytes(const struct bpf32_map_def *def)
{
	const struct map_ops *ops = ops_of(def->type);
	if (!ops || ops->check(def))
		return UINT64_MAX;   /* the sizes below are bounded for valid ones only */
	uint64_t values = ops->has_values ? (uint64_t)def->max_entries * value_stride(def) : 0;
	return values + ops->extra_bytes(def);
}

/* ---------------------------------------------------------------- shared pieces */

void map_value_store(struct bpf32_map *m, uint32_t i, const void *value)
{
	uint8_t *slot = map_value(m, i);
	memmove(slot, value, m->def.value_size);   /* value may point into the map */
	memset(slot + m->def.value_size, 0, m->value_stride - m->def.value_size);
}

int idx_pool_init(struct idx_pool *p, uint32_t cap)
{
	memset(p, 0, sizeof *p);
	p->cap = cap;
	p->free = malloc((size_t)cap * sizeof *p->free);
	return p->free ? 0 : -1;
}

void idx_pool_fini(struct idx_pool *p)
{
	free(p->free);
	p->free = NULL;
}

uint32_t idx_pool_get(struct idx_pool *p)
{
	if (p->nfree)
		return p->free[--p->nfree];
	return p->used < p->cap ? p->used++ : UINT32_MAX;
}

void idx_pool_put(struct idx_pool *p, uint32_t i)
{
	p->free[p->nfree++] = i;
}

/* ---------------------------------------------------------------- life cycle */

static int check_def(const struct bpf32_map_def *def, const char *name, struct bpf32_error *err)
{
	const struct map_ops *ops = ops_of(def->type);
	if (!ops)
		return bpf32_fail(err, BPF32_ENOTSUP, -1, "map %s: unsupported map type %u", name,
				  def->type);
	if (def->flags & ~KNOWN_MAP_FLAGS)
		return bpf32_fail(err, BPF32_ENOTSUP, -1, "map %s: unsupported map flags 0x%x",
				  name, def->flags);
	if (def->max_entries == 0)
		return bpf32_fail(err, BPF32_EINVAL, -1, "map %s: max_entries is 0", name);
	const char *why = ops->check(def);
	if (why)
		return bpf32_fail(err, BPF32_EINVAL, -1, "map %s (%s): %s", name, ops->name, why);
	uint64_t bytes = bpf32_map_bytes(def);
	if (bytes > BPF32_MAP_MAX_BYTES)
		return bpf32_fail(err, BPF32_E2BIG, -1,
				  "map %s needs %llu bytes, more than the limit of %u", name,
				  (unsigned long long)bytes, BPF32_MAP_MAX_BYTES);
	return 0;
}

struct bpf32_map *bpf32_map_new(struct bpf32_env *env, const char *name,
				const struct bpf32_map_def *def, struct bpf32_error *err)
{
	if (!def) {
		bpf32_fail(err, BPF32_EINVAL, -1, "no map definition");
		return NULL;
	}
	if (!name)
		name = "";
	if (check_def(def, name, err))
		return NULL;
	struct bpf32_map *m = calloc(1, sizeof *m);
	if (!m)
		goto nomem;
	m->ops = ops_of(def->type);
	m->def = *def;
	snprintf(m->name, sizeof m->name, "%s", name);
	m->value_stride = (uint32_t)value_stride(def);   /* value_size is checked */
	if (m->ops->has_values) {
		m->values_len = (size_t)def->max_entries * m->value_stride;
		m->values = calloc(1, m->values_len);
		if (!m->values)
			goto nomem;
	}
	if (m->ops->init(m))
		goto nomem;
	if (env && m->values) {
		int writable = !(def->flags & BPF32_F_RDONLY_PROG);
		if (bpf32_region_add(env, m->values, m->values_len, writable, err)) {
			bpf32_map_free(m);
			return NULL;
		}
		m->env = env;
	}
	return m;
nomem:
	if (m) {
		free(m->values);
		free(m);
	}
	bpf32_fail(err, BPF32_ENOMEM, -1, "map %s: out of memory", name);
	return NULL;
}

void bpf32_map_free(struct bpf32_map *map)
{
	if (!map)
		return;
	if (map->env)
		bpf32_region_remove(map->env, map->values, NULL);
	map->ops->fini(map);
	free(map->values);
	free(map);
}

const char *bpf32_map_name(const struct bpf32_map *map)
{
	return map->name;
}

const struct bpf32_map_def *bpf32_map_info(const struct bpf32_map *map)
{
	return &map->def;
}

/* ---------------------------------------------------------------- operations */

/* A map operation's errno result as a bpf32 error. */
static int map_error(const struct bpf32_map *m, int rc, struct bpf32_error *err)
{
	switch (rc) {
	case 0:
		return 0;
	case MAP_ENOENT:
		return bpf32_fail(err, BPF32_ENOENT, -1, "map %s: no such element", m->name);
	case MAP_EEXIST:
		return bpf32_fail(err, BPF32_EEXIST, -1, "map %s: the element exists", m->name);
	case MAP_E2BIG:
	case MAP_ENOSPC:
		return bpf32_fail(err, BPF32_E2BIG, -1, "map %s: full, or key out of range",
				  m->name);
	default:
		return bpf32_fail(err, BPF32_EINVAL, -1, "map %s: invalid key, value or flags",
				  m->name);
	}
}

void *bpf32_map_lookup(struct bpf32_map *map, const void *key)
{
	return map && key ? map->ops->lookup(map, key, 0) : NULL;
}

int bpf32_map_update(struct bpf32_map *map, const void *key, const void *value,
		     uint64_t flags, struct bpf32_error *err)
{
	if (!map || !key || !value)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no map, key or value");
	return map_error(map, map->ops->update(map, key, value, flags), err);
}

int bpf32_map_delete(struct bpf32_map *map, const void *key, struct bpf32_error *err)
{
	if (!map || !key)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no map or key");
	return map_error(map, map->ops->remove(map, key), err);
}

int bpf32_map_next_key(struct bpf32_map *map, const void *key, void *next_key,
		       struct bpf32_error *err)
{
	if (!map || !next_key)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no map or key buffer");
	return map_error(map, map->ops->next_key(map, key, next_key), err);
}

int bpf32_map_set_prog(struct bpf32_map *map, uint32_t index, struct bpf32_prog *prog,
		       struct bpf32_error *err)
{
	if (!map || map->ops != &bpf32_prog_array_ops)
		return bpf32_fail(err, BPF32_EINVAL, -1, "map %s is not a prog array",
				  map ? map->name : "(null)");
	return bpf32_prog_array_set(&map->progs, index, prog, err);
}

struct bpf32_prog *bpf32_map_get_prog(const struct bpf32_map *map, uint32_t index)
{
	if (!map || index >= map->progs.max_entries)
		return NULL;
	return map->progs.progs[index];
}
