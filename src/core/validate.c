/*
 * Structural validation of decoded programs.
 *
 * This is not a safety verifier: it does not follow values or paths. It makes
 * sure every instruction is one RFC 9669 defines, with its unused fields zero,
 * valid registers, R10 never written, and control flow that stays inside the
 * program: jump and call targets in range and never into the second slot of an
 * LDDW, and no instruction that can run past the last one. Every rejection
 * names the instruction index and the reason.
 *
 * Functions (the main program and every local-call target) are contiguous
 * ranges of slots, each ending where the next begins; control flow leaves a
 * function only by a call or EXIT: no jump lands in another function and no
 * instruction runs on into the next one, as in Linux.
 */
#include <stdlib.h>

#include "prog.h"

/* The shape of each opcode; everything not listed is unknown. */
enum shape {
	S_UNKNOWN = 0,
	S_ALU_K,     /* dst op= imm */
	S_ALU_X,     /* dst op= src */
	S_NEG,
	S_END,       /* le/be (ALU) and bswap (ALU64) */
	S_JA,        /* JMP JA: offset in off */
	S_JA32,      /* JMP32 JA: offset in imm */
	S_JCOND_K,
	S_JCOND_X,
	S_CALL,      /* helper (src 0) or local call (src 1) */
	S_CALLX,     /* helper whose id is in dst */
	S_EXIT,
	S_LDDW,
	S_LD_ABS,
	S_LD_IND,
	S_LDX,       /* dst = *(size *)(src + off), also MEMSX */
	S_ST,        /* *(size *)(dst + off) = imm */
	S_STX,       /* *(size *)(dst + off) = src */
	S_ATOMIC,
};

static uint8_t shapes[256];

static void init_alu(uint8_t cls)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,
				       BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR,
				       BPF_MOV, BPF_ARSH };
	for (size_t i = 0; i < sizeof ops; i++) {
		shapes[ops[i] | BPF_K | cls] = S_ALU_K;
		shapes[ops[i] | BPF_X | cls] = S_ALU_X;
	}
	shapes[BPF_NEG | BPF_K | cls] = S_NEG;
	shapes[BPF_END | BPF_TO_LE | cls] = S_END;   /* ALU64: bswap */
	if (cls == BPF_ALU)
		shapes[BPF_END | BPF_TO_BE | cls] = S_END;
}

static void init_jmp(uint8_t cls)
{
	static const uint8_t conds[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET,
					 BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT,
					 BPF_JLE, BPF_JSLT, BPF_JSLE };
	for (size_t i = 0; i < sizeof conds; i++) {
		shapes[conds[i] | BPF_K | cls] = S_JCOND_K;
		shapes[conds[i] | BPF_X | cls] = S_JCOND_X;
	}
	shapes[BPF_JA | cls] = cls == BPF_JMP ? S_JA : S_JA32;
	if (cls == BPF_JMP) {
		shapes[BPF_CALL | BPF_K | cls] = S_CALL;
		shapes[BPF_CALL | BPF_X | cls] = S_CALLX;
		shapes[BPF_EXIT | cls] = S_EXIT;
	}
}

static void init_mem(void)
{
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	for (size_t i = 0; i < sizeof sizes; i++) {
		uint8_t sz = sizes[i];
		shapes[BPF_LDX | BPF_MEM | sz] = S_LDX;
		shapes[BPF_ST | BPF_MEM | sz] = S_ST;
		shapes[BPF_STX | BPF_MEM | sz] = S_STX;
		if (sz != BPF_DW) {
			shapes[BPF_LDX | BPF_MEMSX | sz] = S_LDX;
			shapes[BPF_LD | BPF_ABS | sz] = S_LD_ABS;
			shapes[BPF_LD | BPF_IND | sz] = S_LD_IND;
		}
	}
	shapes[BPF_STX | BPF_ATOMIC | BPF_W] = S_ATOMIC;
	shapes[BPF_STX | BPF_ATOMIC | BPF_DW] = S_ATOMIC;
	shapes[BPF_LD | BPF_IMM | BPF_DW] = S_LDDW;
}

static void init_shapes(void)
{
	init_alu(BPF_ALU);
	init_alu(BPF_ALU64);
	init_jmp(BPF_JMP);
	init_jmp(BPF_JMP32);
	init_mem();
}

static const uint8_t *shape_table(void)
{
	/* Built once; concurrent first calls write the same bytes. */
	if (!shapes[BPF_EXIT | BPF_JMP])
		init_shapes();
	return shapes;
}

static int atomic_op_valid(int32_t imm)
{
	switch (imm) {
	case BPF_ADD: case BPF_ADD | BPF_FETCH:
	case BPF_OR: case BPF_OR | BPF_FETCH:
	case BPF_AND: case BPF_AND | BPF_FETCH:
	case BPF_XOR: case BPF_XOR | BPF_FETCH:
	case BPF_XCHG: case BPF_CMPXCHG:
		return 1;
	default:
		return 0;
	}
}

/* The offsets ALU_X accepts: DIV/MOD signedness, MOVSX widths. */
static int alu_x_off_valid(const struct bpf_insn *i)
{
	switch (BPF_OP(i->code)) {
	case BPF_DIV: case BPF_MOD:
		return i->off == 0 || i->off == 1;
	case BPF_MOV:
		return i->off == 0 || i->off == 8 || i->off == 16 ||
		       (i->off == 32 && BPF_CLASS(i->code) == BPF_ALU64);
	default:
		return i->off == 0;
	}
}

enum {
	MARK_LDDW_HI = 1,   /* the second slot of an LDDW */
	MARK_FUNC = 2,      /* the first slot of a function */
};

struct vctx {
	const struct bpf_insn *insns;
	uint32_t len;
	uint32_t flags;
	uint8_t *mark;     /* MARK_* bits per slot */
	struct bpf32_error *err;
};

#define REJECT(v, pc, ...) bpf32_fail((v)->err, BPF32_EINVAL, (int32_t)(pc), __VA_ARGS__)

static int check_target(struct vctx *v, uint32_t pc, int64_t rel, const char *what)
{
	int64_t t = (int64_t)pc + 1 + rel;
	if (t < 0 || t >= v->len)
		return REJECT(v, pc, "%s target %lld is outside the program (0..%u)",
			      what, (long long)t, v->len - 1);
	if (v->mark[t] & MARK_LDDW_HI)
		return REJECT(v, pc, "%s target %lld is the second slot of an lddw",
			      what, (long long)t);
	return 0;
}

/* Field checks for one instruction; `sh` is its shape. */
static int check_fields(struct vctx *v, uint32_t pc, enum shape sh)
{
	const struct bpf_insn *i = &v->insns[pc];
	int relaxed = v->flags & BPF32_LOAD_RELAXED;

	if (sh == S_UNKNOWN)
		return REJECT(v, pc, "unknown opcode 0x%02x", i->code);
	if (i->dst >= BPF_REG_COUNT)
		return REJECT(v, pc, "invalid destination register r%u", i->dst);
	if (i->src >= BPF_REG_COUNT && sh != S_CALL && sh != S_LDDW)
		return REJECT(v, pc, "invalid source register r%u", i->src);

	switch (sh) {
	case S_ALU_K:
		if (i->src)
			return REJECT(v, pc, "unused src field is %u, must be 0", i->src);
		if (i->off && !((BPF_OP(i->code) == BPF_DIV || BPF_OP(i->code) == BPF_MOD) &&
				i->off == 1))
			return REJECT(v, pc, "invalid offset %d", i->off);
		break;
	case S_ALU_X:
		if (i->imm && !(relaxed && i->code == (BPF_ALU | BPF_MOV | BPF_X) &&
				i->imm == 1 && i->src == i->dst && i->off == 0))
			return REJECT(v, pc, "unused imm field is %d, must be 0", i->imm);
		if (!alu_x_off_valid(i))
			return REJECT(v, pc, "invalid offset %d", i->off);
		break;
	case S_NEG:
		if (i->src || i->off || i->imm)
			return REJECT(v, pc, "neg uses no src, offset or imm");
		break;
	case S_END:
		if (i->src || i->off)
			return REJECT(v, pc, "byte swap uses no src or offset");
		if (i->imm != 16 && i->imm != 32 && i->imm != 64)
			return REJECT(v, pc, "invalid byte swap width %d", i->imm);
		break;
	case S_JA:
		if (i->dst || i->src || i->imm)
			return REJECT(v, pc, "ja uses no registers or imm");
		return check_target(v, pc, i->off, "jump");
	case S_JA32:
		if (i->dst || i->src || i->off)
			return REJECT(v, pc, "ja32 uses no registers or offset");
		return check_target(v, pc, i->imm, "jump");
	case S_JCOND_K:
		if (i->src)
			return REJECT(v, pc, "unused src field is %u, must be 0", i->src);
		return check_target(v, pc, i->off, "jump");
	case S_JCOND_X:
		if (i->imm)
			return REJECT(v, pc, "unused imm field is %d, must be 0", i->imm);
		return check_target(v, pc, i->off, "jump");
	case S_CALL:
		if (i->dst || i->off)
			return REJECT(v, pc, "call uses no dst or offset");
		if (i->src == BPF_PSEUDO_CALL)
			return check_target(v, pc, i->imm, "call");
		if (i->src != BPF_PSEUDO_HELPER)
			return REJECT(v, pc, "unsupported call kind (src %u)", i->src);
		if (i->imm < 0 || i->imm > BPF32_MAX_HELPER_ID)
			return REJECT(v, pc, "helper id %d out of range", i->imm);
		break;
	case S_CALLX:
		if (i->src || i->off || i->imm)
			return REJECT(v, pc, "callx uses only dst");
		break;
	case S_EXIT:
		if (i->dst || i->src || i->off || i->imm)
			return REJECT(v, pc, "exit uses no fields");
		break;
	case S_LDDW: {
		const struct bpf_insn *hi = &v->insns[pc + 1];
		if (i->off)
			return REJECT(v, pc, "lddw uses no offset");
		if (i->src != BPF_PSEUDO_IMM && i->src != BPF_PSEUDO_MAP_FD)
			return REJECT(v, pc, "unsupported lddw kind (src %u)", i->src);
		if (hi->code || hi->dst || hi->src || hi->off)
			return REJECT(v, pc + 1, "second slot of lddw must have only imm set");
		if (i->src == BPF_PSEUDO_MAP_FD && hi->imm)
			return REJECT(v, pc + 1, "lddw map reference with high imm %d", hi->imm);
		break;
	}
	case S_LD_ABS:
		if (i->dst || i->src || i->off)
			return REJECT(v, pc, "ld_abs uses no registers or offset");
		break;
	case S_LD_IND:
		if (i->dst || i->off)
			return REJECT(v, pc, "ld_ind uses no dst or offset");
		break;
	case S_LDX:
	case S_STX:
		if (i->imm)
			return REJECT(v, pc, "unused imm field is %d, must be 0", i->imm);
		break;
	case S_ST:
		if (i->src)
			return REJECT(v, pc, "unused src field is %u, must be 0", i->src);
		break;
	case S_ATOMIC:
		if (!atomic_op_valid(i->imm))
			return REJECT(v, pc, "invalid atomic operation 0x%x", (unsigned)i->imm);
		if ((i->imm & BPF_FETCH) && i->imm != BPF_CMPXCHG && i->src == BPF_REG_FP)
			return REJECT(v, pc, "atomic fetch writes r10, which is read-only");
		break;
	case S_UNKNOWN:
		break;
	}
	return 0;
}

static int writes_dst(enum shape sh)
{
	return sh == S_ALU_K || sh == S_ALU_X || sh == S_NEG || sh == S_END ||
	       sh == S_LDDW || sh == S_LDX;
}

/* Shapes after which execution never continues at the next instruction. */
static int ends_flow(enum shape sh)
{
	return sh == S_EXIT || sh == S_JA || sh == S_JA32;
}

/* The target of a jump (whose fields are valid), or -1 for other shapes. */
static int64_t jump_target(uint32_t pc, const struct bpf_insn *i, enum shape sh)
{
	switch (sh) {
	case S_JA: case S_JCOND_K: case S_JCOND_X:
		return (int64_t)pc + 1 + i->off;
	case S_JA32:
		return (int64_t)pc + 1 + i->imm;
	default:
		return -1;
	}
}

/* Pass 3: functions are contiguous and control flow stays inside each. */
static int check_functions(struct vctx *v, const uint8_t *table)
{
	const struct bpf_insn *insns = v->insns;
	int rc = 0;
	v->mark[0] |= MARK_FUNC;
	for (uint32_t pc = 0; pc < v->len; pc++)
		if (insns[pc].code == (BPF_JMP | BPF_CALL) && insns[pc].src == BPF_PSEUDO_CALL)
			v->mark[pc + 1 + insns[pc].imm] |= MARK_FUNC;
	uint32_t *func = malloc(v->len * sizeof *func);   /* func[pc]: first slot of pc's function */
	if (!func)
		return bpf32_fail(v->err, BPF32_ENOMEM, -1, "out of memory");
	for (uint32_t pc = 0, f = 0; pc < v->len; pc++)
		func[pc] = f = (v->mark[pc] & MARK_FUNC) ? pc : f;

	for (uint32_t pc = 0; pc < v->len && !rc; pc++) {
		enum shape sh = table[insns[pc].code];
		int64_t t = jump_target(pc, &insns[pc], sh);
		uint32_t next = pc + (sh == S_LDDW ? 2 : 1);
		if (t >= 0 && func[t] != func[pc])
			rc = REJECT(v, pc, "jump target %lld is in another function (at %u)",
				    (long long)t, func[t]);
		else if (next < v->len && (v->mark[next] & MARK_FUNC) && !ends_flow(sh))
			rc = REJECT(v, pc, "execution runs on into the function at %u", next);
		pc = next - 1;
	}
	free(func);
	return rc;
}

int bpf32_validate(const struct bpf_insn *insns, uint32_t len, uint32_t flags,
		   struct bpf32_error *err)
{
	const uint8_t *table = shape_table();
	if (len == 0)
		return bpf32_fail(err, BPF32_EINVAL, -1, "empty program");
	if (len > BPF32_MAX_INSNS)
		return bpf32_fail(err, BPF32_E2BIG, -1, "program has %u instructions, limit is %u",
				  len, BPF32_MAX_INSNS);

	struct vctx v = { insns, len, flags, calloc(len, 1), err };
	if (!v.mark)
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");

	/* Pass 1: find the LDDW second slots, so that pass 2 can refuse jumps into them. */
	int rc = 0;
	for (uint32_t pc = 0; pc < len; pc++) {
		if (!bpf_is_lddw(&insns[pc]))
			continue;
		if (pc + 1 >= len) {
			rc = REJECT(&v, pc, "lddw needs two slots but is the last instruction");
			goto out;
		}
		v.mark[++pc] = MARK_LDDW_HI;
	}

	for (uint32_t pc = 0; pc < len; pc++) {
		enum shape sh = table[insns[pc].code];
		rc = check_fields(&v, pc, sh);
		if (rc)
			goto out;
		if (writes_dst(sh) && insns[pc].dst == BPF_REG_FP) {
			rc = REJECT(&v, pc, "r10 is read-only");
			goto out;
		}
		uint32_t next = pc + (sh == S_LDDW ? 2 : 1);
		if (next >= len && !ends_flow(sh) && !(flags & BPF32_LOAD_RELAXED)) {
			rc = REJECT(&v, pc, "execution can run past the last instruction");
			goto out;
		}
		pc = next - 1;
	}
	rc = check_functions(&v, table);
out:
	free(v.mark);
	return rc;
}
