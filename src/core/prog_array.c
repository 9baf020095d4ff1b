/* Program arrays: the tables bpf_tail_call() indexes. */
#include <stdlib.h>

#include "prog.h"

struct bpf32_prog_array *bpf32_prog_array_new(uint32_t max_entries)
{
	struct bpf32_prog_array *arr = malloc(sizeof *arr);
	if (!arr)
		return NULL;
	arr->max_entries = max_entries;
	/* One slot at least, so that an empty array is not a NULL table. */
	arr->progs = calloc(max_entries ? max_entries : 1, sizeof *arr->progs);
	if (!arr->progs) {
		free(arr);
		return NULL;
	}
	return arr;
}

void bpf32_prog_array_free(struct bpf32_prog_array *arr)
{
	if (!arr)
		return;
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
	arr->progs[index] = prog;   /* NULL empties the slot */
	return 0;
}
