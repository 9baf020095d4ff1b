/*
 * ELF loader: any object either loads or is refused with a message (objects
 * of either byte order are accepted, as for cross-JIT). What loads is walked
 * through the whole object API, and each program disassembles.
 */
#include <string.h>

#include "fuzz.h"

static void walk(struct bpf32_object *obj)
{
	uint32_t n = bpf32_object_prog_count(obj);
	for (uint32_t k = 0; k < n; k++) {
		struct bpf32_prog *p = bpf32_object_prog(obj, k);
		const char *name = bpf32_object_prog_name(obj, k);
		const char *sec = bpf32_object_prog_section(obj, k);
		FUZZ_ASSERT(p && name && sec, "program %u incomplete", k);
		FUZZ_ASSERT(bpf32_object_find_prog(obj, name) != NULL, "program %s not found", name);
		FUZZ_ASSERT(bpf32_prog_len(p) > 0, "empty program %s", name);
	}
	uint32_t m = bpf32_object_map_count(obj);
	for (uint32_t k = 0; k < m; k++) {
		struct bpf32_map *map = bpf32_object_map(obj, k);
		FUZZ_ASSERT(map, "map %u missing", k);
		const char *name = bpf32_map_name(map);
		FUZZ_ASSERT(name && bpf32_object_find_map(obj, name), "map %u has no name", k);
		const struct bpf32_map_def *def = bpf32_map_info(map);
		FUZZ_ASSERT(def && bpf32_map_type_name(def->type), "map %s of unknown type", name);
	}
	bpf32_object_order(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpf32_error err;
	struct bpf32_env *env = bpf32_env_new();
	FUZZ_ASSERT(env && bpf32_std_helpers_register(env, NULL, &err) == 0, "environment");
	struct bpf32_elf_opts opts = { .flags = BPF32_ELF_FOREIGN_ORDER };
	struct bpf32_object *obj = bpf32_load_elf(env, data, size, &opts, &err);
	if (obj) {
		walk(obj);
		bpf32_object_free(obj);
	} else {
		FUZZ_ASSERT(err.code < 0 && err.msg[0], "a refusal names no reason");
	}
	bpf32_env_free(env);
	return 0;
}
