/*
 * Program arrays: the tables bpf_tail_call() indexes, and the registry of
 * the live ones.
 *
 * A tail call finds its array through R2, which a validated program may have
 * loaded with any number: the validator does not track values, so unlike
 * Linux's verifier it cannot prove that R2 holds an array. The interpreter
 * and the JITs' runtime routine therefore look R2 up in the registry first
 * and dereference it only when it is the address of a live array; any other
 * value makes the tail call fail, and execution goes on after it, as for an
 * index out of range.
 *
 * The registry chains the arrays themselves (next_live) in buckets hashed by
 * address, so registering needs no memory and cannot fail. The chains are
 * walked only under the lock, and a walk dereferences registered arrays only.
 * Using an array while another thread frees it stays the embedder's error,
 * as before.
 */
#include <pthread.h>
#include <stdlib.h>

#include "prog.h"

#define LIVE_BUCKET_BITS 6

static struct bpf32_prog_array *live[1u << LIVE_BUCKET_BITS];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned live_bucket(uintptr_t addr)
{
	/* Fibonacci hashing of the address without its always-zero low bits. */
	uint32_t h = (uint32_t)(addr >> 3) ^ (uint32_t)((uint64_t)addr >> 32);
	return (h * 2654435761u) >> (32 - LIVE_BUCKET_BITS);
}

void bpf32_prog_array_track(struct bpf32_prog_array *arr)
{
	unsigned b = live_bucket((uintptr_t)arr);
	pthread_mutex_lock(&live_lock);
	arr->next_live = live[b];
	live[b] = arr;
	pthread_mutex_unlock(&live_lock);
}

void bpf32_prog_array_untrack(struct bpf32_prog_array *arr)
{
	unsigned b = live_bucket((uintptr_t)arr);
	pthread_mutex_lock(&live_lock);
	for (struct bpf32_prog_array **p = &live[b]; *p; p = &(*p)->next_live) {
		if (*p == arr) {
			*p = arr->next_live;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	arr->next_live = NULL;
}

/* The live array at `addr`, or NULL; the caller holds live_lock. */
static const struct bpf32_prog_array *live_find(uintptr_t addr)
{
	for (const struct bpf32_prog_array *a = live[live_bucket(addr)]; a; a = a->next_live)
		if ((uintptr_t)a == addr)
			return a;
	return NULL;
}

struct bpf32_prog *bpf32_prog_array_target(uintptr_t addr, uint32_t index)
{
	struct bpf32_prog *prog = NULL;
	pthread_mutex_lock(&live_lock);
	const struct bpf32_prog_array *arr = live_find(addr);
	if (arr && index < arr->max_entries)
		prog = arr->progs[index];
	pthread_mutex_unlock(&live_lock);
	return prog;
}

struct bpf32_prog_array *bpf32_prog_array_new(uint32_t max_entries)
{
	struct bpf32_prog_array *arr = calloc(1, sizeof *arr);
	if (!arr)
		return NULL;
	arr->max_entries = max_entries;
	/* One slot at least, so that an empty array is not a NULL table. */
	arr->progs = calloc(max_entries ? max_entries : 1, sizeof *arr->progs);
	if (!arr->progs) {
		free(arr);
		return NULL;
	}
	bpf32_prog_array_track(arr);
	return arr;
}

void bpf32_prog_array_free(struct bpf32_prog_array *arr)
{
	if (!arr)
		return;
	bpf32_prog_array_untrack(arr);
	free(arr->progs);
	free(arr);
}

int bpf32_prog_array_set(struct bpf32_prog_array *arr, uint32_t index,
			 struct bpf32_prog *prog, struct bpf32_error *err)
{
	if (!arr || index >= arr->max_entries)
		return bpf32_fail(err, BPF32_EINVAL, -1,
				  "prog array index %u out of range (%u entries)", index,
				  arr ? arr->max_entries : 0);
	pthread_mutex_lock(&live_lock);
	arr->progs[index] = prog;   /* NULL empties the slot */
	pthread_mutex_unlock(&live_lock);
	return 0;
}
