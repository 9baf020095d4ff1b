/*
 * Runtime routines that JITed code calls where the target has no short
 * native form: 64-bit division (and 32-bit division on cores without it),
 * packet loads, tail calls and callx. Each one has the eBPF semantics the
 * interpreter has; see jit.h for how they are called.
 */
#include "jit.h"
#include "packet.h"

#define SIGN64 ((uint64_t)1 << 63)

static uint64_t abs64(uint64_t x)
{
	return x & SIGN64 ? 0 - x : x;
}

/* x / 0 = 0 and x % 0 = x. Signed forms truncate toward zero on magnitudes,
 * so INT64_MIN / -1 = INT64_MIN and INT64_MIN % -1 = 0 with no overflow. */
uint64_t jit_rt_udiv64(uint64_t a, uint64_t b)
{
	return b ? a / b : 0;
}

uint64_t jit_rt_umod64(uint64_t a, uint64_t b)
{
	return b ? a % b : a;
}

uint64_t jit_rt_sdiv64(uint64_t a, uint64_t b)
{
	if (!b)
		return 0;
	uint64_t q = abs64(a) / abs64(b);
	return (a ^ b) & SIGN64 ? 0 - q : q;
}

uint64_t jit_rt_smod64(uint64_t a, uint64_t b)
{
	if (!b)
		return a;
	uint64_t r = abs64(a) % abs64(b);
	return a & SIGN64 ? 0 - r : r;
}

uint32_t jit_rt_udiv32(uint32_t a, uint32_t b)
{
	return b ? a / b : 0;
}

uint32_t jit_rt_umod32(uint32_t a, uint32_t b)
{
	return b ? a % b : a;
}

/* The 32-bit signed forms divide the sign-extended values and keep the low half. */
uint32_t jit_rt_sdiv32(uint32_t a, uint32_t b)
{
	return (uint32_t)jit_rt_sdiv64((uint64_t)(int64_t)(int32_t)a, (uint64_t)(int64_t)(int32_t)b);
}

uint32_t jit_rt_smod32(uint32_t a, uint32_t b)
{
	return (uint32_t)jit_rt_smod64((uint64_t)(int64_t)(int32_t)a, (uint64_t)(int64_t)(int32_t)b);
}

uint64_t jit_rt_ld_pkt(struct jit_run *run, int32_t off, uint32_t size)
{
	uint32_t v;
	if (bpf32_pkt_load(run->pkt, off, size, &v))
		return 0;
	return v | (uint64_t)1 << 32;
}

/*
 * bpf_tail_call(ctx, R2 = array, R3 = index): the target's tail-call entry,
 * or JIT_RT_CONTINUE when R2 is not a live prog array (prog_array.c), the
 * index is out of range, the slot empty or the run has made
 * BPF32_MAX_TAIL_CALLS already (as the interpreter counts).
 */
uintptr_t jit_rt_tail_call(struct jit_run *run, uint64_t *regs)
{
	if (run->tail_calls >= BPF32_MAX_TAIL_CALLS)
		return JIT_RT_CONTINUE;
	struct bpf32_prog *target = bpf32_prog_array_target((uintptr_t)regs[2], (uint32_t)regs[3]);
	if (!target)
		return JIT_RT_CONTINUE;
	int code = 0;
	const struct bpf32_jit_image *img = jit_image_get(target, &run->opts, &code);
	if (!img) {
		run->err = code;
		return JIT_RT_UNWIND;
	}
	run->tail_calls++;
	return jit_tail_entry(img);
}

uintptr_t jit_rt_callx(struct jit_run *run, uint64_t *regs, const struct bpf32_env *env,
		       uint32_t dst)
{
	const struct bpf32_helper *h = bpf32_helper_get(env, regs[dst]);
	if (h && h->kind == HELPER_TAIL_CALL)
		return jit_rt_tail_call(run, regs);
	if (!h || h->kind != HELPER_FN) {
		run->err = BPF32_ENOHELPER;
		return JIT_RT_UNWIND;
	}
	regs[0] = bpf32_call_helper(h, &regs[1]);
	if ((h->proto.flags & BPF32_HELPER_UNWIND_ON_ZERO) && regs[0] == 0)
		return JIT_RT_UNWIND;
	return JIT_RT_CONTINUE;
}
