/*
 * Environments, helper registration, program loading and the run entry points.
 *
 * Loading turns raw slots (in the caller's byte order) into decoded
 * instructions once, validates them, checks that every helper they call is
 * registered, and resolves map references in LDDW to plain constants, so the
 * interpreter and the JITs only ever see constants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"

struct bpf32_env *bpf32_env_new(void)
{
	return calloc(1, sizeof(struct bpf32_env));
}

void bpf32_env_free(struct bpf32_env *env)
{
	if (!env)
		return;
	free(env->regions);
	free(env);
}

static int register_checks(struct bpf32_env *env, uint32_t id, struct bpf32_error *err)
{
	if (!env)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no environment");
	if (id > BPF32_MAX_HELPER_ID)
		return bpf32_fail(err, BPF32_EINVAL, -1, "helper id %u out of range (0..%u)",
				  id, BPF32_MAX_HELPER_ID);
	if (env->helpers[id].kind != HELPER_NONE)
		return bpf32_fail(err, BPF32_EEXIST, -1, "helper id %u is already registered", id);
	return 0;
}

int bpf32_helper_register(struct bpf32_env *env, uint32_t id, const char *name, void *fn,
			  const struct bpf32_helper_proto *proto, struct bpf32_error *err)
{
	int rc = register_checks(env, id, err);
	if (rc)
		return rc;
	if (!fn || !proto)
		return bpf32_fail(err, BPF32_EINVAL, -1, "helper %u: no function or prototype", id);
	if (proto->nargs > 5 || (proto->arg64 >> proto->nargs) != 0 ||
	    proto->ret > BPF32_RET_PTR || (proto->flags & ~BPF32_HELPER_UNWIND_ON_ZERO))
		return bpf32_fail(err, BPF32_EINVAL, -1, "helper %u: invalid prototype", id);
	struct bpf32_helper *h = &env->helpers[id];
	h->kind = HELPER_FN;
	h->proto = *proto;
	h->fn = fn;
	snprintf(h->name, sizeof h->name, "%s", name ? name : "");
	return 0;
}

int bpf32_tail_call_register(struct bpf32_env *env, uint32_t id, struct bpf32_error *err)
{
	int rc = register_checks(env, id, err);
	if (rc)
		return rc;
	struct bpf32_helper *h = &env->helpers[id];
	h->kind = HELPER_TAIL_CALL;
	h->proto = (struct bpf32_helper_proto){ .nargs = 3, .ret = BPF32_RET_U64 };
	snprintf(h->name, sizeof h->name, "tail_call");
	return 0;
}

const struct bpf32_helper *bpf32_helper_get(const struct bpf32_env *env, uint64_t id)
{
	if (id > BPF32_MAX_HELPER_ID || env->helpers[id].kind == HELPER_NONE)
		return NULL;
	return &env->helpers[id];
}

int bpf32_region_add(struct bpf32_env *env, void *base, size_t len, int writable,
		     struct bpf32_error *err)
{
	if (!env || !base || !len || (uintptr_t)base + len - 1 < (uintptr_t)base)
		return bpf32_fail(err, BPF32_EINVAL, -1, "invalid region");
	if (env->nregions == env->cap_regions) {
		size_t cap = env->cap_regions ? env->cap_regions * 2 : 8;
		struct bpf32_region *r = realloc(env->regions, cap * sizeof *r);
		if (!r)
			return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
		env->regions = r;
		env->cap_regions = cap;
	}
	env->regions[env->nregions++] = (struct bpf32_region){ base, len, writable != 0 };
	return 0;
}

int bpf32_region_remove(struct bpf32_env *env, const void *base, struct bpf32_error *err)
{
	if (!env)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no environment");
	for (size_t r = 0; r < env->nregions; r++)
		if (env->regions[r].base == base) {
			memmove(&env->regions[r], &env->regions[r + 1],
				(env->nregions - r - 1) * sizeof env->regions[0]);
			env->nregions--;
			return 0;
		}
	return bpf32_fail(err, BPF32_EINVAL, -1, "no region starts at %p", base);
}

/* Every helper call names a registered helper (callx is checked at run time). */
static int check_helpers(const struct bpf32_env *env, const struct bpf_insn *insns,
			 uint32_t len, struct bpf32_error *err)
{
	for (uint32_t pc = 0; pc < len; pc++) {
		const struct bpf_insn *i = &insns[pc];
		if (bpf_is_lddw(i))
			pc++;
		else if (i->code == (BPF_JMP | BPF_CALL) && i->src == BPF_PSEUDO_HELPER &&
			 !bpf32_helper_get(env, (uint32_t)i->imm))
			return bpf32_fail(err, BPF32_EINVAL, (int32_t)pc,
					  "call of unknown helper %d", i->imm);
	}
	return 0;
}

/* Turn `lddw rX, map N` into `lddw rX, <pointer>` using the load options. */
static int resolve_maps(struct bpf_insn *insns, uint32_t len,
			const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	for (uint32_t pc = 0; pc < len; pc++) {
		struct bpf_insn *i = &insns[pc];
		if (!bpf_is_lddw(i))
			continue;
		if (i->src == BPF_PSEUDO_MAP_FD) {
			if (!opts || !opts->maps || (uint32_t)i->imm >= opts->nmaps)
				return bpf32_fail(err, BPF32_EINVAL, (int32_t)pc,
						  "lddw references map %d, which was not given",
						  i->imm);
			uint64_t ptr = (uintptr_t)opts->maps[i->imm];
			i->src = BPF_PSEUDO_IMM;
			i->imm = (int32_t)(uint32_t)ptr;
			i[1].imm = (int32_t)(uint32_t)(ptr >> 32);
		}
		pc++;
	}
	return 0;
}

struct bpf32_prog *bpf32_load(struct bpf32_env *env, const void *bytes, size_t len,
			      enum bpf32_byte_order order,
			      const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	if (!env || (!bytes && len)) {
		bpf32_fail(err, BPF32_EINVAL, -1, "no environment or no program");
		return NULL;
	}
	if (len % 8) {
		bpf32_fail(err, BPF32_EINVAL, (int32_t)(len / 8),
			   "program length %zu is not a multiple of 8 bytes", len);
		return NULL;
	}
	if (len / 8 > BPF32_MAX_INSNS) {
		bpf32_fail(err, BPF32_E2BIG, -1, "program has %zu instructions, limit is %u",
			   len / 8, BPF32_MAX_INSNS);
		return NULL;
	}
	uint32_t n = (uint32_t)(len / 8);
	int big = order == BPF32_ORDER_BIG ||
		  (order == BPF32_ORDER_NATIVE && bpf_host_big_endian());
	uint32_t flags = opts ? opts->flags : 0;
	if (flags & ~BPF32_LOAD_RELAXED) {
		bpf32_fail(err, BPF32_EINVAL, -1, "unknown load flags 0x%x", flags);
		return NULL;
	}

	struct bpf32_prog *p = calloc(1, sizeof *p);
	struct bpf_insn *insns = calloc(n ? n : 1, sizeof *insns);
	if (!p || !insns) {
		free(p);
		free(insns);
		bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
		return NULL;
	}
	for (uint32_t pc = 0; pc < n; pc++)
		insns[pc] = bpf_decode((const uint8_t *)bytes + 8 * (size_t)pc, big);

	if (bpf32_validate(insns, n, flags, err) || check_helpers(env, insns, n, err) ||
	    resolve_maps(insns, n, opts, err)) {
		free(insns);
		free(p);
		return NULL;
	}
	p->env = env;
	p->insns = insns;
	p->len = n;
	p->flags = flags;
	return p;
}

struct bpf32_prog *bpf32_load_asm(struct bpf32_env *env, const char *text,
				  const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	uint8_t *bytes;
	size_t len;
	if (!text) {
		bpf32_fail(err, BPF32_EINVAL, -1, "no program text");
		return NULL;
	}
	if (bpf32_asm(text, &bytes, &len, err))
		return NULL;
	struct bpf32_prog *p = bpf32_load(env, bytes, len, BPF32_ORDER_LITTLE, opts, err);
	free(bytes);
	return p;
}

void bpf32_prog_free(struct bpf32_prog *prog)
{
	if (!prog)
		return;
	if (prog->jit)
		bpf32_jit_free(prog->jit);
	free(prog->insns);
	free(prog);
}

uint32_t bpf32_prog_len(const struct bpf32_prog *prog)
{
	return prog->len;
}

int bpf32_run_ex(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		 uint64_t *r0, struct bpf32_error *err)
{
	if (!prog || !args || !r0)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no program, arguments or result");
	if (prog->jit)
		return bpf32_jit_exec(prog, args, r0, err);
	return bpf32_interp(prog, args, r0, err);
}

int bpf32_run(struct bpf32_prog *prog, void *ctx, size_t ctx_len, uint64_t *r0,
	      struct bpf32_error *err)
{
	struct bpf32_run_args args = { .ctx = ctx, .ctx_len = ctx_len };
	return bpf32_run_ex(prog, &args, r0, err);
}
