/*
 * Array maps and prog array maps: u32 keys 0 .. max_entries - 1.
 *
 * An array's elements always exist: a value slot per key in the value
 * block, zero at creation. Updating with BPF_NOEXIST therefore always fails
 * with -EEXIST, and elements cannot be deleted (-EINVAL), as in Linux.
 *
 * A prog array holds programs instead of values, in the struct
 * bpf32_prog_array at the head of the map (see maps.h). Programs do not look
 * it up or update it; embedding code sets slots with bpf32_map_set_prog()
 * and empties them with bpf32_map_delete().
 */
#include <stdlib.h>
#include <string.h>

#include "maps.h"

static uint32_t key_u32(const void *key)
{
	uint32_t k;
	memcpy(&k, key, sizeof k);
	return k;
}

/* The key after `key` in 0 .. max - 1 (the first one when key is absent). */
static int array_next_key(struct bpf32_map *m, const void *key, void *next)
{
	uint32_t k = key ? key_u32(key) : UINT32_MAX;
	uint32_t n;
	if (k >= m->def.max_entries)
		n = 0;
	else if (k == m->def.max_entries - 1)
		return MAP_ENOENT;
	else
		n = k + 1;
	memcpy(next, &n, sizeof n);
	return 0;
}

/* ---------------------------------------------------------------- array */

static const char *array_check(const struct bpf32_map_def *def)
{
	if (def->key_size != 4)
		return "key_size must be 4";
	if (def->value_size == 0 || def->value_size > BPF32_MAP_MAX_BYTES)
		return "value_size must be 1 or more";
	return NULL;
}

static uint64_t no_extra_bytes(const struct bpf32_map_def *def)
{
	(void)def;
	return 0;
}

static int no_state(struct bpf32_map *m)
{
	(void)m;
	return 0;
}

static void no_fini(struct bpf32_map *m)
{
	(void)m;
}

static void *array_lookup(struct bpf32_map *m, const void *key, int touch)
{
	(void)touch;
	uint32_t k = key_u32(key);
	return k < m->def.max_entries ? map_value(m, k) : NULL;
}

static int array_update(struct bpf32_map *m, const void *key, const void *value,
			uint64_t flags)
{
	uint32_t k = key_u32(key);
	if (!map_flags_valid(flags))
		return MAP_EINVAL;
	if (k >= m->def.max_entries)
		return MAP_E2BIG;
	if (flags == BPF32_NOEXIST)
		return MAP_EEXIST;
	map_value_store(m, k, value);
	return 0;
}

static int array_remove(struct bpf32_map *m, const void *key)
{
	(void)m;
	(void)key;
	return MAP_EINVAL;
}

const struct map_ops bpf32_array_ops = {
	.name = "array",
	.check = array_check,
	.extra_bytes = no_extra_bytes,
	.init = no_state,
	.fini = no_fini,
	.lookup = array_lookup,
	.update = array_update,
	.remove = array_remove,
	.next_key = array_next_key,
	.has_values = 1,
};

/* ---------------------------------------------------------------- prog array */

static const char *prog_array_check(const struct bpf32_map_def *def)
{
	if (def->key_size != 4 || def->value_size != 4)
		return "key_size and value_size must be 4";
	return NULL;
}

static uint64_t prog_array_bytes(const struct bpf32_map_def *def)
{
	return (uint64_t)def->max_entries * sizeof(struct bpf32_prog *);
}

static int prog_array_init(struct bpf32_map *m)
{
	m->progs.progs = calloc(m->def.max_entries, sizeof *m->progs.progs);
	if (!m->progs.progs)
		return -1;
	m->progs.max_entries = m->def.max_entries;
	bpf32_prog_array_track(&m->progs);
	return 0;
}

static void prog_array_fini(struct bpf32_map *m)
{
	bpf32_prog_array_untrack(&m->progs);
	free(m->progs.progs);
}

static void *prog_array_lookup(struct bpf32_map *m, const void *key, int touch)
{
	(void)m;
	(void)key;
	(void)touch;
	return NULL;
}

static int prog_array_update(struct bpf32_map *m, const void *key, const void *value,
			     uint64_t flags)
{
	(void)m;
	(void)key;
	(void)value;
	(void)flags;
	return MAP_EINVAL;
}

static int prog_array_remove(struct bpf32_map *m, const void *key)
{
	uint32_t k = key_u32(key);
	if (k >= m->progs.max_entries)
		return MAP_E2BIG;
	if (!m->progs.progs[k])
		return MAP_ENOENT;
	m->progs.progs[k] = NULL;
	return 0;
}

const struct map_ops bpf32_prog_array_ops = {
	.name = "prog_array",
	.check = prog_array_check,
	.extra_bytes = prog_array_bytes,
	.init = prog_array_init,
	.fini = prog_array_fini,
	.lookup = prog_array_lookup,
	.update = prog_array_update,
	.remove = prog_array_remove,
	.next_key = array_next_key,
	.has_values = 0,
};
