/* JIT driver: placeholder until a backend exists. */
#include "prog.h"

int bpf32_jit(struct bpf32_prog *prog, const struct bpf32_jit_opts *opts,
	      struct bpf32_error *err)
{
	(void)prog;
	(void)opts;
	return bpf32_fail(err, BPF32_ENOTSUP, -1, "this build has no JIT backend");
}

int bpf32_is_jited(const struct bpf32_prog *prog)
{
	return prog->jit != NULL;
}

int bpf32_jit_exec(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		   uint64_t *r0, struct bpf32_error *err)
{
	(void)prog;
	(void)args;
	(void)r0;
	return bpf32_fail(err, BPF32_ENOTSUP, -1, "no JIT image");
}

void bpf32_jit_free(struct bpf32_jit_image *img)
{
	(void)img;
}
