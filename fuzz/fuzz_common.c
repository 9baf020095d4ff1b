/* The environment and load options every fuzz target shares (fuzz.h). */
#include "fuzz.h"

#include "gen.h"

struct bpf32_env *fuzz_env(int tail_calls)
{
	static struct bpf32_env *envs[2];
	tail_calls = !!tail_calls;
	if (envs[tail_calls])
		return envs[tail_calls];
	struct bpf32_error err;
	struct bpf32_env *env = bpf32_env_new();
	FUZZ_ASSERT(env && gen_env_setup(env, tail_calls, &err) == 0, "environment: %s", err.msg);
	envs[tail_calls] = env;
	return env;
}

struct bpf32_prog_array *fuzz_prog_array(void)
{
	static struct bpf32_prog_array *arr;
	if (!arr) {
		arr = bpf32_prog_array_new(2);
		FUZZ_ASSERT(arr, "out of memory");
	}
	return arr;
}

const struct bpf32_load_opts *fuzz_load_opts(uint32_t flags)
{
	static void *maps[1];
	static struct bpf32_load_opts opts;
	maps[0] = fuzz_prog_array();
	opts.flags = flags;
	opts.maps = maps;
	opts.nmaps = 1;
	return &opts;
}
