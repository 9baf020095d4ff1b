/*
 * The standard helpers, with Linux's ids and prototypes (see bpf32.h).
 *
 * They are ordinary C functions registered like an embedder's own, so the
 * interpreter and the JITs call them through the same helper ABI. Map
 * helpers take the map pointer an ELF object's (or an embedder's) LDDW put in
 * R1; like the kernel after its verifier, they trust that it is a map and
 * that key and value point at key_size and value_size bytes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../maps/maps.h"
#include "prog.h"

/* ---------------------------------------------------------------- maps */

static void *map_lookup_elem(struct bpf32_map *map, const void *key)
{
	return map ? map->ops->lookup(map, key, 1) : NULL;
}

static int64_t map_update_elem(struct bpf32_map *map, const void *key, const void *value,
			       uint64_t flags)
{
	return map ? map->ops->update(map, key, value, flags) : MAP_EINVAL;
}

static int64_t map_delete_elem(struct bpf32_map *map, const void *key)
{
	return map ? map->ops->remove(map, key) : MAP_EINVAL;
}

/* ---------------------------------------------------------------- time and randomness */

static uint64_t ktime_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift32 (Marsaglia), one process-wide state, updated atomically. */
static uint32_t prandom_state = 0x2545f491u;

static uint32_t prandom_xorshift(void)
{
	uint32_t old = __atomic_load_n(&prandom_state, __ATOMIC_RELAXED), x;
	do {
		x = old;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	} while (!__atomic_compare_exchange_n(&prandom_state, &old, x, 1, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return x;
}

/* ---------------------------------------------------------------- trace_printk */

#define TRACE_LINE_MAX 256
#define TRACE_FMT_MAX 1024
#define TRACE_EINVAL (-22)

/* The process-wide trace hook (see struct bpf32_std_hooks). */
static struct {
	void (*fn)(void *user, const char *line, size_t len);
	void *user;
} trace_hook;

/*
 * One conversion of a trace_printk format: `spec` points after the '%'.
 * Appends the converted argument to out[*len ..] and returns the number of
 * format characters used, or 0 for a conversion we refuse.
 */
static size_t format_one(const char *spec, uint64_t arg, char *out, size_t *len)
{
	char conv[16] = "%";
	size_t n = 0, c = 1;
	while (spec[n] == '-' || spec[n] == '0')
		conv[c++] = spec[n++];
	for (int digits = 0; spec[n] >= '0' && spec[n] <= '9'; digits++) {
		if (digits == 2)
			return 0;   /* widths up to 99 */
		conv[c++] = spec[n++];
	}
	unsigned bits = 32;
	if (spec[n] == 'h') {
		bits = spec[n + 1] == 'h' ? 8 : 16;
		n += bits == 8 ? 2 : 1;
	} else if (spec[n] == 'l' || spec[n] == 'z') {
		bits = 64;   /* long and size_t are 64-bit in eBPF */
		n += spec[n] == 'l' && spec[n + 1] == 'l' ? 2 : 1;
	}
	char k = spec[n++];
	uint64_t mask = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	uint64_t v = arg & mask;
	size_t room = TRACE_LINE_MAX - *len;
	int w;
	switch (k) {
	case 'd':
	case 'i': {
		uint64_t sign = (uint64_t)1 << (bits - 1);
		/* negative: -(magnitude) = -(~v & mask) - 1, without overflow */
		long long s = (v & sign) ? -(long long)(~v & mask) - 1 : (long long)v;
		strcpy(conv + c, "lld");
		w = snprintf(out + *len, room, conv, s);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
		conv[c++] = 'l';
		conv[c++] = 'l';
		conv[c++] = k;
		w = snprintf(out + *len, room, conv, (unsigned long long)v);
		break;
	case 'p':
		w = snprintf(out + *len, room, "0x%llx", (unsigned long long)arg);
		break;
	case 'c':
		conv[c++] = 'c';
		w = snprintf(out + *len, room, conv, (int)(uint8_t)arg);
		break;
	default:
		return 0;
	}
	if (w > 0)
		*len += (size_t)w < room ? (size_t)w : room - 1;
	return n;
}

/*
 * long trace_printk(const char *fmt, u32 fmt_size, u64 a1, u64 a2, u64 a3):
 * fmt_size counts the terminating NUL, which must be the last byte.
 */
static int64_t trace_printk(const char *fmt, uint32_t fmt_size, uint64_t a1, uint64_t a2,
			    uint64_t a3)
{
	const uint64_t args[3] = { a1, a2, a3 };
	char line[TRACE_LINE_MAX];
	size_t len = 0, nargs = 0;
	if (!fmt || fmt_size == 0 || fmt_size > TRACE_FMT_MAX || fmt[fmt_size - 1] != 0)
		return TRACE_EINVAL;
	line[0] = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%' || p[1] == '%') {
			if (len + 1 < sizeof line)
				line[len++] = *p;
			p += *p == '%';
			continue;
		}
		if (nargs == 3)
			return TRACE_EINVAL;
		size_t used = format_one(p + 1, args[nargs++], line, &len);
		if (!used)
			return TRACE_EINVAL;
		p += used;
	}
	line[len] = 0;
	if (trace_hook.fn)
		trace_hook.fn(trace_hook.user, line, len);
	return (int64_t)len;
}

/* ---------------------------------------------------------------- registration */

struct std_helper {
	uint32_t id;
	const char *name;
	void *fn;
	struct bpf32_helper_proto proto;
};

int bpf32_std_helpers_register(struct bpf32_env *env, const struct bpf32_std_hooks *hooks,
			       struct bpf32_error *err)
{
	static const struct bpf32_std_hooks none;
	if (!hooks)
		hooks = &none;
	if (!env)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no environment");
	const struct std_helper table[] = {
		{ BPF32_FN_MAP_LOOKUP_ELEM, "map_lookup_elem", (void *)map_lookup_elem,
		  { .nargs = 2, .ret = BPF32_RET_PTR } },
		{ BPF32_FN_MAP_UPDATE_ELEM, "map_update_elem", (void *)map_update_elem,
		  { .nargs = 4, .arg64 = 1u << 3, .ret = BPF32_RET_U64 } },
		{ BPF32_FN_MAP_DELETE_ELEM, "map_delete_elem", (void *)map_delete_elem,
		  { .nargs = 2, .ret = BPF32_RET_U64 } },
		{ BPF32_FN_KTIME_GET_NS, "ktime_get_ns",
		  hooks->ktime_get_ns ? (void *)hooks->ktime_get_ns : (void *)ktime_monotonic,
		  { .nargs = 0, .ret = BPF32_RET_U64 } },
		{ BPF32_FN_TRACE_PRINTK, "trace_printk", (void *)trace_printk,
		  { .nargs = 5, .arg64 = 7u << 2, .ret = BPF32_RET_U64 } },
		{ BPF32_FN_GET_PRANDOM_U32, "get_prandom_u32",
		  hooks->get_prandom_u32 ? (void *)hooks->get_prandom_u32
					 : (void *)prandom_xorshift,
		  { .nargs = 0, .ret = BPF32_RET_U32 } },
		{ BPF32_FN_TAIL_CALL, "tail_call", NULL, { 0 } },   /* no function: the runtime's */
	};
	/* All or nothing: check every id before registering any. */
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (bpf32_helper_get(env, table[i].id))
			return bpf32_fail(err, BPF32_EEXIST, -1, "helper id %u is already registered",
					  table[i].id);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		int rc = table[i].fn ? bpf32_helper_register(env, table[i].id, table[i].name,
							     table[i].fn, &table[i].proto, err)
				     : bpf32_tail_call_register(env, table[i].id, err);
		if (rc)
			return rc;
	}
	trace_hook.fn = hooks->trace;
	trace_hook.user = hooks->trace_user;
	return 0;
}
