/*
 * Maps: the internal side of the map API in bpf32.h.
 *
 * A map is a struct bpf32_map whose behaviour comes from a table of
 * operations per map type (array.c, hash.c, lpm.c). Every map keeps the
 * values programs may reach in one block, `values`, preallocated for
 * max_entries elements and registered as a memory region of the map's
 * environment, so the interpreter lets programs use the pointers lookups
 * return. Keys and bookkeeping live outside that block, where no program can
 * reach them: a program that writes past its value corrupts values only.
 *
 * The first member of every map is a struct bpf32_prog_array, empty except
 * in a prog array map. A map pointer is therefore also a valid argument of
 * bpf_tail_call(), which is how the tail-call helper (and the JITs) read prog
 * array maps without knowing about maps.
 *
 * The operations return 0 or a negated Linux errno (MAP_E*), which is what
 * the program-facing helpers return; the public functions turn them into
 * bpf32 error codes.
 */
#ifndef BPF32_MAPS_H
#define BPF32_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"

/* Linux errno values, as the helpers return them (negated) to programs. */
enum {
	MAP_ENOENT = -2,
	MAP_E2BIG = -7,
	MAP_EEXIST = -17,
	MAP_EINVAL = -22,
	MAP_ENOSPC = -28,
};

struct bpf32_map;

struct map_ops {
	const char *name;    /* "hash", "lru_hash", ... */
	/* Check key/value sizes and flags; 0 or a message for the error. */
	const char *(*check)(const struct bpf32_map_def *def);
	/* Bytes the map needs besides the value block (for the size limit). */
	uint64_t (*extra_bytes)(const struct bpf32_map_def *def);
	/* Allocate the private state (the value block is already there). */
	int (*init)(struct bpf32_map *m);
	void (*fini)(struct bpf32_map *m);
	/* `touch`: a program's lookup, which counts as a use (LRU). */
	void *(*lookup)(struct bpf32_map *m, const void *key, int touch);
	int (*update)(struct bpf32_map *m, const void *key, const void *value, uint64_t flags);
	int (*remove)(struct bpf32_map *m, const void *key);
	/* key NULL or absent: the first key; MAP_ENOENT after the last. */
	int (*next_key)(struct bpf32_map *m, const void *key, void *next);
	/* Values of this type live in the value block (not in a prog array). */
	uint8_t has_values;
};

#define MAP_NAME_MAX 64

struct bpf32_map {
	struct bpf32_prog_array progs;   /* first: see the top of this file */
	const struct map_ops *ops;
	struct bpf32_map_def def;
	char name[MAP_NAME_MAX];
	struct bpf32_env *env;            /* where `values` is registered, or NULL */
	uint8_t *values;                  /* max_entries * value_stride bytes */
	size_t values_len;
	uint32_t value_stride;            /* value_size rounded up to 8 */
	void *priv;                       /* per-type state */
};

/* The operations of each type (NULL when the type is not supported). */
extern const struct map_ops bpf32_array_ops, bpf32_prog_array_ops, bpf32_hash_ops,
	bpf32_lru_hash_ops, bpf32_lpm_ops;

/* Value slot i of the value block. */
static inline void *map_value(const struct bpf32_map *m, uint32_t i)
{
	return m->values + (size_t)i * m->value_stride;
}

/* Copy a new value into slot i, zeroing the padding up to the stride. */
void map_value_store(struct bpf32_map *m, uint32_t i, const void *value);

/* Update flags other than BPF32_ANY/NOEXIST/EXIST are refused. */
static inline int map_flags_valid(uint64_t flags)
{
	return flags <= BPF32_EXIST;
}

/*
 * Bytes a map of this definition takes in all, or UINT64_MAX when the
 * definition is invalid. The ELF loader uses it to bound an object's maps.
 */
uint64_t bpf32_map_bytes(const struct bpf32_map_def *def);

/*
 * A pool of indexes 0..cap-1 handed out in O(1), without an O(cap)
 * initialisation: never-used indexes come from a counter, freed ones from a
 * stack.
 */
struct idx_pool {
	uint32_t cap, used, nfree;
	uint32_t *free;
};

int idx_pool_init(struct idx_pool *p, uint32_t cap);
void idx_pool_fini(struct idx_pool *p);
/* An index, or UINT32_MAX when all cap are taken. */
uint32_t idx_pool_get(struct idx_pool *p);
void idx_pool_put(struct idx_pool *p, uint32_t i);

#endif /* BPF32_MAPS_H */
