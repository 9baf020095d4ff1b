/*
 * The random program generator, its rule checker, the test helpers and the
 * case file format (see gen.h for the rules).
 *
 * The generator and the checker share one abstract machine: struct astate
 * says, for each register, what kind of value it holds (undefined, a scalar,
 * the ctx pointer or a stack address plus a known offset, the prog array),
 * which bytes of the current frame were written and which 8-byte slots hold
 * the ctx pointer. ast_exec() applies one instruction to it, refusing any
 * that breaks a rule. The generator runs it on every instruction it emits,
 * so it always knows what it may emit next; the checker runs it to a fixed
 * point over the control-flow graph of any program (such as a shrunk one).
 */
#include "gen.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- random numbers */

/* splitmix64's finaliser: a bijective mix of 64 bits. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return mix64(*state);
}

/* Values where arithmetic, shifts, compares and sign extension have edges. */
static const uint64_t edge64[] = {
	0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
	0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
	0x100000000, 0x100000001, 0x7fffffffffffffff, 0x8000000000000000,
	0x8000000000000001, 0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffff00000000,
	0xffffffff80000000, 0xffffffff7fffffff, 0x00000001ffffffff, 0x8000000080000000,
	0x0123456789abcdef, 0xfedcba9876543210, 0x00000000ffff0000, 0xffff0000ffff0000,
	0x7fffffff80000000, 0x00000000000000ff,
};

static const int32_t edge32[] = {
	0, 1, 2, -1, -2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 0x7fff,
	0x8000, -0x8000, -0x8001, 0xffff, 0x10000, INT32_MAX, INT32_MIN, INT32_MIN + 1,
	INT32_MAX - 1, 0x12345678, (int32_t)0x87654321, 0x00ff00ff, (int32_t)0xff00ff00,
	4095, 4096, -4096, 0xff0, 0x3fc00, -255, -256,
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- programs */

static void oom(void)
{
	fprintf(stderr, "gen: out of memory\n");
	abort();
}

static void prog_push(struct gen_prog *p, struct bpf_insn i)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->insns = realloc(p->insns, p->cap * sizeof *p->insns);
		if (!p->insns)
			oom();
	}
	p->insns[p->len++] = i;
}

void gen_case_free(struct gen_case *c)
{
	for (uint32_t p = 0; p < GEN_MAX_PROGS; p++)
		free(c->progs[p].insns);
	memset(c, 0, sizeof *c);
}

int gen_case_copy(struct gen_case *dst, const struct gen_case *src)
{
	memset(dst, 0, sizeof *dst);
	dst->seed = src->seed;
	dst->nprogs = src->nprogs;
	for (uint32_t p = 0; p < src->nprogs; p++) {
		const struct gen_prog *s = &src->progs[p];
		struct gen_prog *d = &dst->progs[p];
		d->insns = malloc((s->len ? s->len : 1) * sizeof *d->insns);
		if (!d->insns) {
			gen_case_free(dst);
			return -1;
		}
		memcpy(d->insns, s->insns, s->len * sizeof *d->insns);
		d->len = d->cap = s->len;
	}
	return 0;
}

uint32_t gen_case_len(const struct gen_case *c)
{
	uint32_t n = 0;
	for (uint32_t p = 0; p < c->nprogs; p++)
		n += c->progs[p].len;
	return n;
}

uint8_t *gen_prog_bytes(const struct gen_prog *p, size_t *len)
{
	uint8_t *b = malloc(8 * (size_t)p->len + 8);
	if (!b)
		oom();
	for (uint32_t k = 0; k < p->len; k++)
		bpf_encode(&p->insns[k], b + 8 * (size_t)k, 0);
	*len = 8 * (size_t)p->len;
	return b;
}

void gen_ctx_fill(uint64_t seed, uint8_t ctx[GEN_CTX_SIZE])
{
	uint64_t s = mix64(seed ^ 0x6378745f64617461ull);
	for (size_t k = 0; k < GEN_CTX_DATA; k += 8) {
		uint64_t v = next64(&s);
		if ((v & 7) == 0)   /* now and then an edge value, for LD_ABS and loads */
			v = edge64[(v >> 8) % NELEMS(edge64)];
		memcpy(ctx + k, &v, 8);
	}
	memset(ctx + GEN_CTX_DATA, 0, GEN_CTX_SIZE - GEN_CTX_DATA);
}

/* ---------------------------------------------------------------- the abstract machine */

enum kind { K_UNDEF = 0, K_SCALAR, K_CTX, K_FP, K_MAP };
#define KM(k) (1u << (k))

static const char *const kind_names[] = {
	"undefined", "a scalar", "a ctx pointer", "a stack address", "the prog array",
};

/* A register: its kind and, for pointers, the offset from the ctx start / R10. */
struct areg {
	uint8_t kind;
	int32_t off;
};

/*
 * The state before an instruction. Frame byte b is R10 - BPF32_STACK_SIZE + b;
 * slot s is the 8 bytes from frame byte 8 s.
 */
struct astate {
	uint8_t live;   /* reachable; a dead state is the identity of meet */
	struct areg r[BPF_REG_COUNT];
	uint8_t init[BPF32_STACK_SIZE / 8];   /* bit (b & 7) of init[b / 8]: byte b written */
	uint64_t ctxslot;                     /* bit s: slot s holds the ctx pointer (offset 0) */
};

/* The checker's context: flags and where the first broken rule is described. */
struct ck {
	uint32_t flags;   /* enum gen_flags */
	char *why;
	size_t whylen;
};

static int bad(struct ck *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct ck *k, const char *fmt, ...)
{
	if (k->why && k->whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(k->why, k->whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

enum entry { ENTRY_PROG, ENTRY_FUNC };

/*
 * A program starts with R1 = ctx (any program may be a tail-call target, so
 * nothing else is known); a local-call target also gets R2-R5 as scalars.
 */
static void entry_state(struct astate *s, enum entry e)
{
	memset(s, 0, sizeof *s);
	s->live = 1;
	s->r[1].kind = K_CTX;
	s->r[BPF_REG_FP].kind = K_FP;
	if (e == ENTRY_FUNC)
		for (unsigned r = 2; r <= 5; r++)
			s->r[r].kind = K_SCALAR;
}

static void set_kind(struct astate *s, unsigned r, uint8_t kind)
{
	s->r[r].kind = kind;
	s->r[r].off = 0;
}

static int need(struct ck *k, const struct astate *s, unsigned r, unsigned kinds, const char *role)
{
	if (KM(s->r[r].kind) & kinds)
		return 0;
	return bad(k, "%s r%u is %s", role, r, kind_names[s->r[r].kind]);
}

/* Merge `src` into `dst` (a join point); 1 when dst changed. */
static int meet_into(struct astate *dst, const struct astate *src)
{
	if (!src->live)
		return 0;
	if (!dst->live) {
		*dst = *src;
		return 1;
	}
	int changed = 0;
	for (unsigned r = 0; r < BPF_REG_COUNT; r++)
		if (dst->r[r].kind != K_UNDEF &&
		    (dst->r[r].kind != src->r[r].kind || dst->r[r].off != src->r[r].off)) {
			set_kind(dst, r, K_UNDEF);
			changed = 1;
		}
	for (size_t b = 0; b < sizeof dst->init; b++) {
		uint8_t v = dst->init[b] & src->init[b];
		changed |= v != dst->init[b];
		dst->init[b] = v;
	}
	if ((dst->ctxslot & src->ctxslot) != dst->ctxslot) {
		dst->ctxslot &= src->ctxslot;
		changed = 1;
	}
	return changed;
}

/* Helper calls (and packet loads, which call out too): R0 is set, R1-R5 per the flags. */
static void after_call(const struct ck *k, struct astate *s)
{
	set_kind(s, 0, K_SCALAR);
	if (k->flags & GEN_LINUX_REGS)
		for (unsigned r = 1; r <= 5; r++)
			set_kind(s, r, K_UNDEF);
}

enum { A_LOAD = 1, A_STORE = 2, A_ATOMIC = A_LOAD | A_STORE | 4 };

/*
 * An access of `size` bytes at base register + off: in the ctx buffer or the
 * current frame, aligned for atomics, reading only written stack bytes.
 * Stores mark bytes written and forget ctx pointers they overwrite.
 */
static int access(struct ck *k, struct astate *s, unsigned base, int16_t off, unsigned size,
		  unsigned how)
{
	const struct areg *b = &s->r[base];
	if (b->kind != K_FP && b->kind != K_CTX)
		return bad(k, "address register r%u is %s", base, kind_names[b->kind]);
	int64_t a = (int64_t)b->off + off;
	if (how == A_ATOMIC && a % (int64_t)size)
		return bad(k, "atomic of %u bytes at misaligned offset %lld", size, (long long)a);
	if (b->kind == K_CTX) {
		if (a < 0 || a + size > GEN_CTX_SIZE)
			return bad(k, "ctx access of %u bytes at %lld is out of bounds", size,
				   (long long)a);
		return 0;
	}
	if (a < -BPF32_STACK_SIZE || a + size > 0)
		return bad(k, "stack access of %u bytes at r10%+lld is outside the frame", size,
			   (long long)a);
	unsigned first = (unsigned)(a + BPF32_STACK_SIZE);
	for (unsigned x = first; x < first + size; x++) {
		if ((how & A_LOAD) && !(s->init[x / 8] >> (x % 8) & 1))
			return bad(k, "reads stack byte r10%+d before it is written",
				   (int)x - BPF32_STACK_SIZE);
		if (how & A_STORE) {
			s->init[x / 8] |= (uint8_t)(1u << (x % 8));
			s->ctxslot &= ~(1ull << (x / 8));
		}
	}
	return 0;
}

static int exec_alu(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	uint8_t op = BPF_OP(i->code);
	int is64 = BPF_CLASS(i->code) == BPF_ALU64;
	int x = BPF_SRC(i->code) == BPF_X;
	struct areg *d = &s->r[i->dst];

	if (op == BPF_MOV) {
		if (!x) {
			set_kind(s, i->dst, K_SCALAR);
			return 0;
		}
		struct areg v = s->r[i->src];
		if (v.kind == K_UNDEF)
			return bad(k, "source r%u is undefined", i->src);
		if (v.kind != K_SCALAR && !(is64 && i->off == 0))
			return bad(k, "pointer r%u is truncated or sign-extended", i->src);
		*d = v;   /* a scalar, or a copy of the pointer */
		return 0;
	}
	if (op != BPF_NEG && op != BPF_END && x && need(k, s, i->src, KM(K_SCALAR), "source"))
		return -1;
	if ((d->kind == K_CTX || d->kind == K_FP) && is64 && !x && (op == BPF_ADD || op == BPF_SUB)) {
		int64_t n = d->off + (op == BPF_ADD ? (int64_t)i->imm : -(int64_t)i->imm);
		if (n < -65536 || n > 65536)
			return bad(k, "pointer r%u moves to offset %lld", i->dst, (long long)n);
		d->off = (int32_t)n;
		return 0;
	}
	return need(k, s, i->dst, KM(K_SCALAR), "operand");
}

static int exec_call(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	if (BPF_SRC(i->code) == BPF_X) {   /* callx: any helper may run */
		if (need(k, s, i->dst, KM(K_SCALAR), "helper id"))
			return -1;
		for (unsigned r = 1; r <= 5; r++)
			if (need(k, s, r, KM(K_SCALAR) | KM(K_CTX), "callx argument"))
				return -1;
		after_call(k, s);
		return 0;
	}
	if (i->src == BPF_PSEUDO_CALL) {
		if (s->r[1].kind != K_CTX || s->r[1].off != 0)
			return bad(k, "local call without the ctx pointer in r1");
		for (unsigned r = 2; r <= 5; r++)
			if (need(k, s, r, KM(K_SCALAR), "local call argument"))
				return -1;
		set_kind(s, 0, K_SCALAR);
		for (unsigned r = 1; r <= 5; r++)   /* as the callee left them */
			set_kind(s, r, K_UNDEF);
		return 0;
	}
	if (i->imm == GEN_TAIL_CALL_ID) {
		if (s->r[1].kind != K_CTX || s->r[1].off != 0)
			return bad(k, "tail call without the ctx pointer in r1");
		if (need(k, s, 2, KM(K_MAP), "tail call array") ||
		    need(k, s, 3, KM(K_SCALAR), "tail call index"))
			return -1;
		if (k->flags & GEN_LINUX_REGS)
			for (unsigned r = 0; r <= 5; r++)
				set_kind(s, r, K_UNDEF);
		return 0;
	}
	const struct bpf32_helper_proto *p = gen_helper_proto((uint32_t)i->imm);
	if (!p)
		return bad(k, "call of unknown helper %d", i->imm);
	for (unsigned a = 1; a <= p->nargs; a++)
		if (need(k, s, a, KM(K_SCALAR) | KM(K_CTX), "helper argument"))
			return -1;
	after_call(k, s);
	return 0;
}

static int exec_jmp(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	switch (BPF_OP(i->code)) {
	case BPF_JA:
		return 0;
	case BPF_EXIT:
		return need(k, s, 0, KM(K_SCALAR), "result");
	case BPF_CALL:
		return exec_call(k, s, i);
	default:
		if (need(k, s, i->dst, KM(K_SCALAR), "compared"))
			return -1;
		return BPF_SRC(i->code) == BPF_X ? need(k, s, i->src, KM(K_SCALAR), "compared") : 0;
	}
}

static int exec_ld(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	if (bpf_is_lddw(i)) {
		if (i->src == BPF_PSEUDO_MAP_FD && i->imm != 0)
			return bad(k, "lddw of map %d (only map 0, the prog array, exists)", i->imm);
		set_kind(s, i->dst, i->src == BPF_PSEUDO_MAP_FD ? K_MAP : K_SCALAR);
		return 0;
	}
	if (BPF_MODE(i->code) == BPF_IND && need(k, s, i->src, KM(K_SCALAR), "packet offset"))
		return -1;
	after_call(k, s);
	return 0;
}

static int exec_ldx(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	unsigned size = bpf_size_bytes(BPF_SIZE(i->code));
	if (access(k, s, i->src, i->off, size, A_LOAD))
		return -1;
	const struct areg *b = &s->r[i->src];
	int64_t a = (int64_t)b->off + i->off + BPF32_STACK_SIZE;
	int ctx = b->kind == K_FP && size == 8 && BPF_MODE(i->code) == BPF_MEM && a % 8 == 0 &&
		  (s->ctxslot >> (a / 8) & 1);
	set_kind(s, i->dst, ctx ? K_CTX : K_SCALAR);
	return 0;
}

static int exec_store(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	unsigned size = bpf_size_bytes(BPF_SIZE(i->code));
	if (BPF_MODE(i->code) == BPF_ATOMIC) {
		if (need(k, s, i->src, KM(K_SCALAR), "atomic operand") ||
		    (i->imm == BPF_CMPXCHG && need(k, s, 0, KM(K_SCALAR), "cmpxchg expected value")))
			return -1;
		return access(k, s, i->dst, i->off, size, A_ATOMIC);
	}
	if (BPF_CLASS(i->code) == BPF_ST)
		return access(k, s, i->dst, i->off, size, A_STORE);

	struct areg v = s->r[i->src];
	const struct areg *b = &s->r[i->dst];
	int64_t a = (int64_t)b->off + i->off + BPF32_STACK_SIZE;
	int ctx_spill = v.kind == K_CTX && v.off == 0 && size == 8 && b->kind == K_FP && a % 8 == 0;
	if (v.kind != K_SCALAR && !ctx_spill)
		return bad(k, "stores r%u, which is %s", i->src, kind_names[v.kind]);
	if (access(k, s, i->dst, i->off, size, A_STORE))
		return -1;
	if (ctx_spill)
		s->ctxslot |= 1ull << (a / 8);
	return 0;
}

/* Apply one instruction; -1 (with k->why) when it breaks a rule. */
static int ast_exec(struct ck *k, struct astate *s, const struct bpf_insn *i)
{
	switch (BPF_CLASS(i->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return exec_alu(k, s, i);
	case BPF_JMP:
	case BPF_JMP32:
		return exec_jmp(k, s, i);
	case BPF_LD:
		return exec_ld(k, s, i);
	case BPF_LDX:
		return exec_ldx(k, s, i);
	default:
		return exec_store(k, s, i);
	}
}

/* ---------------------------------------------------------------- the checker */

/* Successors of instruction pc (at most two); returns how many. */
static unsigned successors(const struct gen_prog *p, uint32_t pc, int64_t out[2])
{
	const struct bpf_insn *i = &p->insns[pc];
	if (bpf_is_lddw(i)) {
		out[0] = (int64_t)pc + 2;
		return 1;
	}
	if (!bpf_is_jmp(i->code)) {
		out[0] = (int64_t)pc + 1;
		return 1;
	}
	switch (BPF_OP(i->code)) {
	case BPF_EXIT:
		return 0;
	case BPF_CALL:
		out[0] = (int64_t)pc + 1;
		return 1;
	case BPF_JA:
		out[0] = (int64_t)pc + 1 + (BPF_CLASS(i->code) == BPF_JMP32 ? i->imm : i->off);
		return 1;
	default:
		out[0] = (int64_t)pc + 1;
		out[1] = (int64_t)pc + 1 + i->off;
		return 2;
	}
}

static int check_prog(const struct gen_prog *p, uint32_t pi, struct ck *k)
{
	uint32_t len = p->len;
	if (len == 0)
		return bad(k, "program %u is empty", pi);
	struct astate *in = calloc(len, sizeof *in);
	uint32_t *work = malloc(len * sizeof *work);
	uint8_t *queued = calloc(len, 1);
	if (!in || !work || !queued)
		oom();
	uint32_t nwork = 0;
	int rc = 0;

	entry_state(&in[0], ENTRY_PROG);
	work[nwork++] = 0;
	queued[0] = 1;
	for (uint32_t pc = 0; pc < len; pc++) {
		const struct bpf_insn *i = &p->insns[pc];
		if (i->code != (BPF_JMP | BPF_CALL) || i->src != BPF_PSEUDO_CALL)
			continue;
		int64_t t = (int64_t)pc + 1 + i->imm;
		if (t < 0 || t >= len) {
			rc = bad(k, "program %u insn %u: call target %lld out of range", pi, pc,
				 (long long)t);
			goto out;
		}
		struct astate e;
		entry_state(&e, ENTRY_FUNC);
		meet_into(&in[t], &e);
		if (!queued[t]) {
			queued[t] = 1;
			work[nwork++] = (uint32_t)t;
		}
	}

	while (nwork) {
		uint32_t pc = work[--nwork];
		queued[pc] = 0;
		struct astate s = in[pc];
		char msg[160];
		struct ck sub = { k->flags, msg, sizeof msg };
		if (ast_exec(&sub, &s, &p->insns[pc])) {
			rc = bad(k, "program %u insn %u: %s", pi, pc, msg);
			goto out;
		}
		int64_t next[2];
		unsigned n = successors(p, pc, next);
		for (unsigned j = 0; j < n; j++) {
			if (next[j] < 0 || next[j] >= len) {
				rc = bad(k, "program %u insn %u: runs to %lld, outside the program", pi,
					 pc, (long long)next[j]);
				goto out;
			}
			uint32_t t = (uint32_t)next[j];
			if (meet_into(&in[t], &s) && !queued[t]) {
				queued[t] = 1;
				work[nwork++] = t;
			}
		}
	}
out:
	free(in);
	free(work);
	free(queued);
	return rc;
}

int gen_check(const struct gen_case *c, uint32_t flags, char *why, size_t whylen)
{
	struct ck k = { flags, why, whylen };
	if (c->nprogs == 0 || c->nprogs > GEN_MAX_PROGS)
		return bad(&k, "a case has 1..%d programs, not %u", GEN_MAX_PROGS, c->nprogs);
	for (uint32_t p = 0; p < c->nprogs; p++)
		if (check_prog(&c->progs[p], p, &k))
			return -1;
	return 0;
}

/* ---------------------------------------------------------------- test helpers */

/*
 * Helpers of many prototypes (64-bit arguments in every position, 0 to 5
 * arguments, every result kind). Each records what it received, cut to its C
 * parameter types, and answers a value that depends on its arguments and on
 * how many calls came before: 0, 1, all ones, its first argument, an edge
 * value or a hash.
 */
static struct gen_log *log_cur;
static uint8_t ptr_target[16];

static uint64_t record(uint32_t id, unsigned nargs, const uint64_t *args, unsigned ret)
{
	uint64_t h = mix64(id + 0x68656c70ull);
	for (unsigned a = 0; a < nargs; a++)
		h = mix64(h ^ args[a]);
	uint64_t sel = mix64(h + (log_cur ? log_cur->n : 0));
	uint64_t v;
	switch (sel % 8) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = ~0ull; break;
	case 3: v = nargs ? args[0] : 7; break;
	case 4: v = edge64[(sel >> 8) % NELEMS(edge64)]; break;
	default: v = sel; break;
	}
	if (ret == BPF32_RET_U32)
		v = (uint32_t)v;
	else if (ret == BPF32_RET_VOID)
		v = 0;
	if (log_cur) {
		if (log_cur->n < GEN_LOG_MAX) {
			struct gen_call *c = &log_cur->calls[log_cur->n];
			memset(c, 0, sizeof *c);
			c->id = id;
			c->nargs = nargs;
			for (unsigned a = 0; a < nargs; a++)
				c->args[a] = args[a];
			c->ret = v;
		}
		log_cur->n++;
		log_cur->hash = mix64(log_cur->hash ^ h) + v;
	}
	return v;
}

#define ID0 100
static uint64_t h_void(void)
{
	return record(ID0 + 0, 0, NULL, BPF32_RET_U64);
}

static uint32_t h_u32(uint32_t a)
{
	uint64_t v[] = { a };
	return (uint32_t)record(ID0 + 1, 1, v, BPF32_RET_U32);
}

static uint64_t h_u32_u64(uint32_t a, uint64_t b)
{
	uint64_t v[] = { a, b };
	return record(ID0 + 2, 2, v, BPF32_RET_U64);
}

static void h_u64_u32_u64(uint64_t a, uint32_t b, uint64_t c)
{
	uint64_t v[] = { a, b, c };
	record(ID0 + 3, 3, v, BPF32_RET_VOID);
}

static uint64_t h_3u32_u64(uint32_t a, uint32_t b, uint32_t c, uint64_t d)
{
	uint64_t v[] = { a, b, c, d };
	return record(ID0 + 4, 4, v, BPF32_RET_U64);
}

static uint32_t h_5u32(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e)
{
	uint64_t v[] = { a, b, c, d, e };
	return (uint32_t)record(ID0 + 5, 5, v, BPF32_RET_U32);
}

static uint64_t h_5u64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
	uint64_t v[] = { a, b, c, d, e };
	return record(ID0 + 6, 5, v, BPF32_RET_U64);
}

static uint64_t h_mixed5(uint32_t a, uint64_t b, uint32_t c, uint64_t d, uint32_t e)
{
	uint64_t v[] = { a, b, c, d, e };
	return record(ID0 + 7, 5, v, BPF32_RET_U64);
}

static void *h_ptr(uint64_t a, uint32_t b)
{
	uint64_t v[] = { a, b };
	record(ID0 + 8, 2, v, BPF32_RET_VOID);
	return ptr_target + (a & 7);
}

/* Ends the program (R0 = 0) when the low 4 bits of its argument are 0. */
static uint32_t h_unwind(uint32_t a)
{
	uint64_t v[] = { a };
	uint32_t r = (uint32_t)record(ID0 + 9, 1, v, BPF32_RET_U32);
	return (a & 15) ? r | 1 : 0;
}

static uint32_t h_2u64(uint64_t a, uint64_t b)
{
	uint64_t v[] = { a, b };
	return (uint32_t)record(ID0 + 10, 2, v, BPF32_RET_U32);
}

static int64_t h_signed(int32_t a, int64_t b, int32_t c)
{
	uint64_t v[] = { (uint64_t)(int64_t)a, (uint64_t)b, (uint64_t)(int64_t)c };
	return (int64_t)record(ID0 + 11, 3, v, BPF32_RET_U64);
}

static uint64_t h_4u32_u64(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint64_t e)
{
	uint64_t v[] = { a, b, c, d, e };
	return record(ID0 + 12, 5, v, BPF32_RET_U64);
}

static uint64_t h_u64_u32(uint64_t a, uint32_t b)
{
	uint64_t v[] = { a, b };
	return record(ID0 + 13, 2, v, BPF32_RET_U64);
}

struct gen_helper {
	uint32_t id;
	const char *name;
	void *fn;
	struct bpf32_helper_proto proto;
};

#define PROTO(n, a64, r, fl) { .nargs = (n), .arg64 = (a64), .ret = (r), .flags = (fl) }

static const struct gen_helper helpers[] = {
	{ ID0 + 0, "h_void", (void *)h_void, PROTO(0, 0, BPF32_RET_U64, 0) },
	{ ID0 + 1, "h_u32", (void *)h_u32, PROTO(1, 0, BPF32_RET_U32, 0) },
	{ ID0 + 2, "h_u32_u64", (void *)h_u32_u64, PROTO(2, 0x2, BPF32_RET_U64, 0) },
	{ ID0 + 3, "h_u64_u32_u64", (void *)h_u64_u32_u64, PROTO(3, 0x5, BPF32_RET_VOID, 0) },
	{ ID0 + 4, "h_3u32_u64", (void *)h_3u32_u64, PROTO(4, 0x8, BPF32_RET_U64, 0) },
	{ ID0 + 5, "h_5u32", (void *)h_5u32, PROTO(5, 0, BPF32_RET_U32, 0) },
	{ ID0 + 6, "h_5u64", (void *)h_5u64, PROTO(5, 0x1f, BPF32_RET_U64, 0) },
	{ ID0 + 7, "h_mixed5", (void *)h_mixed5, PROTO(5, 0xa, BPF32_RET_U64, 0) },
	{ ID0 + 8, "h_ptr", (void *)h_ptr, PROTO(2, 0x1, BPF32_RET_PTR, 0) },
	{ ID0 + 9, "h_unwind", (void *)h_unwind,
	  PROTO(1, 0, BPF32_RET_U32, BPF32_HELPER_UNWIND_ON_ZERO) },
	{ ID0 + 10, "h_2u64", (void *)h_2u64, PROTO(2, 0x3, BPF32_RET_U32, 0) },
	{ ID0 + 11, "h_signed", (void *)h_signed, PROTO(3, 0x2, BPF32_RET_U64, 0) },
	{ ID0 + 12, "h_4u32_u64", (void *)h_4u32_u64, PROTO(5, 0x10, BPF32_RET_U64, 0) },
	{ ID0 + 13, "h_u64_u32", (void *)h_u64_u32, PROTO(2, 0x1, BPF32_RET_U64, 0) },
};
static const unsigned nhelpers = NELEMS(helpers);

const struct bpf32_helper_proto *gen_helper_proto(uint32_t id)
{
	if (id < ID0 || id >= ID0 + nhelpers)
		return NULL;
	return &helpers[id - ID0].proto;
}

int gen_env_setup(struct bpf32_env *env, int tail_calls, struct bpf32_error *err)
{
	for (unsigned k = 0; k < nhelpers; k++) {
		int rc = bpf32_helper_register(env, helpers[k].id, helpers[k].name, helpers[k].fn,
					       &helpers[k].proto, err);
		if (rc)
			return rc;
	}
	return tail_calls ? bpf32_tail_call_register(env, GEN_TAIL_CALL_ID, err) : 0;
}

void gen_log_start(struct gen_log *log)
{
	if (log) {
		log->n = 0;
		log->hash = 0;
	}
	log_cur = log;
}

long gen_log_diff(const struct gen_log *a, const struct gen_log *b)
{
	uint32_t n = a->n < b->n ? a->n : b->n;
	uint32_t kept = n < GEN_LOG_MAX ? n : GEN_LOG_MAX;
	for (uint32_t k = 0; k < kept; k++) {
		const struct gen_call *x = &a->calls[k], *y = &b->calls[k];
		if (x->id != y->id || x->ret != y->ret ||
		    memcmp(x->args, y->args, x->nargs * sizeof x->args[0]))
			return (long)k;
	}
	if (a->n != b->n || a->hash != b->hash)
		return (long)kept;
	return -1;
}

void gen_log_print(FILE *f, const struct gen_log *log, long from, long count)
{
	fprintf(f, "%u helper calls\n", log->n);
	for (long k = from; k < from + count && k < (long)log->n && k < GEN_LOG_MAX; k++) {
		const struct gen_call *c = &log->calls[k];
		fprintf(f, "  call %ld: %s(", k, helpers[c->id - ID0].name);
		for (uint32_t a = 0; a < c->nargs; a++)
			fprintf(f, "%s0x%" PRIx64, a ? ", " : "", c->args[a]);
		fprintf(f, ") = 0x%" PRIx64 "\n", c->ret);
	}
}

/* ---------------------------------------------------------------- the generator */

/*
 * The stack windows every function initialises and dumps; R10 - 8 holds the
 * ctx pointer. Bounds are multiples of 8, so aligned slots tile them.
 */
static const struct {
	int16_t lo, hi;
} windows[] = { { -32, -8 }, { -272, -256 }, { -512, -496 } };
#define CTX_SLOT (-8)

_Static_assert(GEN_CTX_DATA + GEN_MAX_FUNCS * GEN_DUMP_BYTES <= GEN_CTX_SIZE,
	       "the dump areas fit the ctx buffer");

enum block { BLK_TOP, BLK_IF, BLK_LOOP };

/* A local call whose imm is set when the functions are laid out. */
struct fixup {
	uint32_t fn, at, target;
};

/* A jump out of a block to the end of its if/else or loop, and the state it carries there. */
struct brk {
	uint32_t at;
	struct astate st;
};

#define MAX_DEPTH 4        /* nested blocks */
#define MAX_LOOPS 2        /* nested loops */
#define COST_BUDGET 10000  /* estimated instructions one function may execute */

struct gen {
	uint64_t rng;
	uint32_t features;
	struct ck ck;
	char err[200];
	int failed;

	struct gen_prog *out;   /* the function being written */
	struct astate st;       /* the state after the last instruction */
	uint16_t reserved;      /* loop counters: never written inside their loop */
	uint32_t nprogs, nfuncs, fn;
	uint32_t depth, loops;
	enum block blk;         /* the innermost block */
	uint64_t mult;          /* runs of the current code per run of the function */
	uint64_t cost;          /* estimated instructions the function executes */
	int recursive;          /* the function calls itself */
	uint64_t fcost[GEN_MAX_FUNCS];
	uint32_t size;          /* statements of a main function, at most */

	struct fixup *fix;
	uint32_t nfix, capfix;
	struct brk *brk;        /* breaks of the open blocks, innermost last */
	uint32_t nbrk, capbrk;
};

static uint64_t rnd(struct gen *g)
{
	return next64(&g->rng);
}

/*
 * A number in 0 .. n - 1: the high word of the draw scaled by n (a 32 x 32
 * multiply), not a 64-bit modulo, which 32-bit targets make a slow library
 * call of, in the function the generator calls most.
 */
static uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)((rnd(g) >> 32) * n >> 32);
}

static int chance(struct gen *g, unsigned percent)
{
	return below(g, 100) < percent;
}

static int32_t imm32(struct gen *g)
{
	switch (below(g, 5)) {
	case 0:
	case 1:
		return edge32[below(g, NELEMS(edge32))];
	case 2:
		return (int32_t)below(g, 35) - 17;
	case 3: {   /* a byte rotated by an even amount, as ARM immediates are */
		uint32_t b = below(g, 256), r = 2 * below(g, 16);
		return (int32_t)(r ? b << r | b >> (32 - r) : b);
	}
	default:
		return (int32_t)rnd(g);
	}
}

static uint64_t val64(struct gen *g)
{
	switch (below(g, 4)) {
	case 0:
		return edge64[below(g, NELEMS(edge64))];
	case 1:
		return (uint64_t)(int64_t)imm32(g);
	case 2:
		return (uint64_t)(uint32_t)imm32(g) << 32 | (uint32_t)imm32(g);
	default:
		return rnd(g);
	}
}

/* Append an instruction and advance the state (a refusal is a generator bug). */
static void emit(struct gen *g, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { code, dst, src, off, imm };
	prog_push(g->out, i);
	g->cost += g->mult;
	if (g->failed || !g->st.live)
		return;
	char msg[160];
	struct ck k = { g->ck.flags, msg, sizeof msg };
	if (ast_exec(&k, &g->st, &i)) {
		g->failed = 1;
		snprintf(g->err, sizeof g->err, "function %u insn %u: %s", g->fn, g->out->len - 1, msg);
	}
}

static void emit_lddw(struct gen *g, uint8_t dst, uint8_t src, uint64_t v)
{
	emit(g, BPF_LD | BPF_IMM | BPF_DW, dst, src, 0, (int32_t)(uint32_t)v);
	struct bpf_insn hi = { 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32) };
	prog_push(g->out, hi);
}

static void emit_exit(struct gen *g)
{
	emit(g, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	g->st.live = 0;
}

/* Point jump `at` (JA32: its imm, else its off) at instruction `to`. */
static void patch(struct gen *g, uint32_t at, uint32_t to)
{
	struct bpf_insn *i = &g->out->insns[at];
	int64_t d = (int64_t)to - at - 1;
	if (i->code == (BPF_JMP32 | BPF_JA)) {
		i->imm = (int32_t)d;
	} else if (d >= INT16_MIN && d <= INT16_MAX) {
		i->off = (int16_t)d;
	} else if (!g->failed) {
		g->failed = 1;
		snprintf(g->err, sizeof g->err, "function %u insn %u: jump of %lld", g->fn, at,
			 (long long)d);
	}
}

/* ---------------------------------------------------------------- registers */

static uint16_t writable(const struct gen *g)
{
	return (uint16_t)(0x3ffu & ~g->reserved);
}

static uint16_t of_kind(const struct gen *g, unsigned kinds)
{
	uint16_t m = 0;
	for (unsigned r = 0; r < BPF_REG_COUNT; r++)
		if (KM(g->st.r[r].kind) & kinds)
			m |= (uint16_t)(1u << r);
	return m;
}

/* A random register of `mask`, or -1. */
static int pick(struct gen *g, uint16_t mask)
{
	unsigned n = (unsigned)__builtin_popcount(mask);
	if (!n)
		return -1;
	unsigned k = below(g, n);
	for (int r = 0;; r++)
		if ((mask >> r & 1) && k-- == 0)
			return r;
}

/* Give register r a random scalar value. */
static void set_random(struct gen *g, unsigned r)
{
	int from = pick(g, of_kind(g, KM(K_SCALAR)) & (uint16_t)~(1u << r));
	switch (below(g, 5)) {
	case 0:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)r, 0, 0, imm32(g));
		break;
	case 1:
		emit(g, BPF_ALU | BPF_MOV | BPF_K, (uint8_t)r, 0, 0, imm32(g));
		break;
	case 2:
	case 3:
		emit_lddw(g, (uint8_t)r, 0, val64(g));
		break;
	default:
		if (from >= 0)
			emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, (uint8_t)r,
			     (uint8_t)from, 0, 0);
		else
			emit_lddw(g, (uint8_t)r, 0, val64(g));
		break;
	}
}

/* A register holding a scalar, outside `avoid` (set one up when needed). */
static unsigned scalar_src(struct gen *g, uint16_t avoid)
{
	int r = pick(g, of_kind(g, KM(K_SCALAR)) & (uint16_t)~avoid);
	if (r >= 0 && !chance(g, 8))
		return (unsigned)r;
	r = pick(g, writable(g) & (uint16_t)~avoid);
	set_random(g, (unsigned)r);
	return (unsigned)r;
}

/* A writable register holding a scalar, to be operated on. */
static unsigned scalar_dst(struct gen *g, uint16_t avoid)
{
	int r = pick(g, of_kind(g, KM(K_SCALAR)) & writable(g) & (uint16_t)~avoid);
	if (r >= 0 && !chance(g, 5))
		return (unsigned)r;
	r = pick(g, writable(g) & (uint16_t)~avoid);
	set_random(g, (unsigned)r);
	return (unsigned)r;
}

/* r = the ctx pointer, reloaded from its slot. */
static void load_ctx(struct gen *g, unsigned r)
{
	emit(g, BPF_LDX | BPF_MEM | BPF_DW, (uint8_t)r, BPF_REG_FP, CTX_SLOT, 0);
}

static void add_imm(struct gen *g, unsigned r, int32_t d)
{
	if (chance(g, 50) && d != INT32_MIN)
		emit(g, BPF_ALU64 | BPF_SUB | BPF_K, (uint8_t)r, 0, 0, -d);
	else
		emit(g, BPF_ALU64 | BPF_ADD | BPF_K, (uint8_t)r, 0, 0, d);
}

/* Registers pointing into the frame: R10, one already made, or a new one. */
static unsigned stack_ptr(struct gen *g, uint16_t avoid, int fresh)
{
	if (!fresh && chance(g, 45))
		return BPF_REG_FP;
	int r = pick(g, of_kind(g, KM(K_FP)) & writable(g) & (uint16_t)~avoid);
	if (!fresh && r >= 0 && chance(g, 70))
		return (unsigned)r;
	r = pick(g, writable(g) & (uint16_t)~avoid);
	emit(g, BPF_ALU64 | BPF_MOV | BPF_X, (uint8_t)r, BPF_REG_FP, 0, 0);
	if (chance(g, 80))
		add_imm(g, (unsigned)r, (int32_t)below(g, 529) - 520);
	return (unsigned)r;
}

static unsigned ctx_ptr(struct gen *g, uint16_t avoid, int fresh)
{
	int r = pick(g, of_kind(g, KM(K_CTX)) & 0x3ff & (uint16_t)~avoid);
	if (!fresh && r >= 0 && chance(g, 75))
		return (unsigned)r;
	r = pick(g, writable(g) & (uint16_t)~avoid);
	load_ctx(g, (unsigned)r);
	if (chance(g, 50))
		add_imm(g, (unsigned)r, (int32_t)below(g, 769) - 256);
	return (unsigned)r;
}

struct place {
	unsigned reg;
	int16_t off;
};

static int32_t offset_in(struct gen *g, int32_t span, unsigned size, int aligned)
{
	if (aligned)
		return (int32_t)(size * below(g, (uint32_t)span / size));
	return (int32_t)below(g, (uint32_t)span - size + 1);
}

/* Where to access `size` bytes: a stack window or the ctx data, through some register. */
static struct place mem_place(struct gen *g, unsigned size, int aligned, uint16_t avoid)
{
	int32_t a;
	unsigned r;
	if (chance(g, 65)) {
		unsigned w = below(g, NELEMS(windows));
		r = stack_ptr(g, avoid, 0);
		a = windows[w].lo + offset_in(g, windows[w].hi - windows[w].lo, size, aligned);
	} else {
		r = ctx_ptr(g, avoid, 0);
		a = offset_in(g, GEN_CTX_DATA, size, aligned);
	}
	struct place p = { r, (int16_t)(a - g->st.r[r].off) };
	return p;
}

static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };

/* ---------------------------------------------------------------- statements */

static void gen_block(struct gen *g, uint32_t n, enum block kind);

static const uint8_t alu_ops[] = {
	BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND,
	BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_ARSH,
};

static int is_shift(uint8_t op)
{
	return op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH;
}

/* dst op= src or imm, 32 or 64 bits (DIV/MOD signed or not). */
static int st_alu(struct gen *g)
{
	uint8_t cls = chance(g, 50) ? BPF_ALU64 : BPF_ALU;
	uint8_t op = alu_ops[below(g, NELEMS(alu_ops))];
	int16_t off = (op == BPF_DIV || op == BPF_MOD) && chance(g, 50) ? 1 : 0;
	unsigned dst = scalar_dst(g, 0);
	if (chance(g, 50)) {
		unsigned src = scalar_src(g, 0);
		emit(g, cls | op | BPF_X, (uint8_t)dst, (uint8_t)src, off, 0);
		return 0;
	}
	int32_t imm = imm32(g);
	if (is_shift(op) && chance(g, 93))   /* now and then a count the JIT must mask */
		imm = (int32_t)below(g, cls == BPF_ALU64 ? 64 : 32);
	emit(g, cls | op | BPF_K, (uint8_t)dst, 0, off, imm);
	return 0;
}

/* MOV in every form: imm, register, sign-extending, and LDDW. */
static int st_mov(struct gen *g)
{
	static const int16_t sx64[] = { 8, 16, 32 }, sx32[] = { 8, 16 };
	unsigned dst = (unsigned)pick(g, writable(g));
	switch (below(g, 6)) {
	case 0:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)dst, 0, 0, imm32(g));
		break;
	case 1:
		emit(g, BPF_ALU | BPF_MOV | BPF_K, (uint8_t)dst, 0, 0, imm32(g));
		break;
	case 2:
		emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, (uint8_t)dst,
		     (uint8_t)scalar_src(g, 0), 0, 0);
		break;
	case 3:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, (uint8_t)dst, (uint8_t)scalar_src(g, 0),
		     sx64[below(g, 3)], 0);
		break;
	case 4:
		emit(g, BPF_ALU | BPF_MOV | BPF_X, (uint8_t)dst, (uint8_t)scalar_src(g, 0),
		     sx32[below(g, 2)], 0);
		break;
	default:
		emit_lddw(g, (uint8_t)dst, 0, val64(g));
		break;
	}
	return 0;
}

/* NEG, END (to little / big endian) and BSWAP. */
static int st_unary(struct gen *g)
{
	static const int32_t widths[] = { 16, 32, 64 };
	unsigned dst = scalar_dst(g, 0);
	switch (below(g, 4)) {
	case 0:
		emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_NEG, (uint8_t)dst, 0, 0, 0);
		break;
	case 1:
		emit(g, BPF_ALU64 | BPF_END | BPF_TO_LE, (uint8_t)dst, 0, 0, widths[below(g, 3)]);
		break;
	default:
		emit(g, BPF_ALU | BPF_END | (chance(g, 50) ? BPF_TO_BE : BPF_TO_LE), (uint8_t)dst,
		     0, 0, widths[below(g, 3)]);
		break;
	}
	return 0;
}

/* DIV/MOD at their edges: by zero, INT_MIN by -1, signed and unsigned. */
static int st_div_edge(struct gen *g)
{
	uint8_t cls = chance(g, 50) ? BPF_ALU64 : BPF_ALU;
	uint8_t op = chance(g, 50) ? BPF_DIV : BPF_MOD;
	int16_t off = chance(g, 75) ? 1 : 0;
	unsigned dst = (unsigned)pick(g, writable(g));
	switch (below(g, 4)) {
	case 0:
		emit_lddw(g, (uint8_t)dst, 0, 0x8000000000000000ull);
		break;
	case 1:
		emit(g, BPF_ALU | BPF_MOV | BPF_K, (uint8_t)dst, 0, 0, INT32_MIN);
		break;
	case 2:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)dst, 0, 0, INT32_MIN);
		break;
	default:
		break;   /* whatever dst holds */
	}
	if (g->st.r[dst].kind != K_SCALAR)
		set_random(g, dst);
	int32_t by = chance(g, 60) ? -1 : 0;
	if (chance(g, 50)) {
		emit(g, cls | op | BPF_K, (uint8_t)dst, 0, off, by);
		return 0;
	}
	unsigned src = (unsigned)pick(g, writable(g) & (uint16_t)~(1u << dst));
	emit(g, (chance(g, 70) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, (uint8_t)src, 0, 0, by);
	emit(g, cls | op | BPF_X, (uint8_t)dst, (uint8_t)src, off, 0);
	return 0;
}

/* LDX and LDSX of every size from the stack or the ctx. */
static int st_load(struct gen *g)
{
	unsigned sz = below(g, 4);
	int sx = sizes[sz] != BPF_DW && chance(g, 30);
	struct place p = mem_place(g, 1u << sz, 0, 0);
	unsigned dst = (unsigned)pick(g, writable(g));
	emit(g, BPF_LDX | (sx ? BPF_MEMSX : BPF_MEM) | sizes[sz], (uint8_t)dst, (uint8_t)p.reg, p.off,
	     0);
	return 0;
}

/* ST (imm) and STX of every size to the stack or the ctx. */
static int st_store(struct gen *g)
{
	unsigned sz = below(g, 4);
	if (chance(g, 35)) {
		struct place p = mem_place(g, 1u << sz, 0, 0);
		emit(g, BPF_ST | BPF_MEM | sizes[sz], (uint8_t)p.reg, 0, p.off, imm32(g));
		return 0;
	}
	unsigned src = scalar_src(g, 0);
	struct place p = mem_place(g, 1u << sz, 0, (uint16_t)(1u << src));
	emit(g, BPF_STX | BPF_MEM | sizes[sz], (uint8_t)p.reg, (uint8_t)src, p.off, 0);
	return 0;
}

static const int32_t atomic_ops[] = {
	BPF_ADD, BPF_ADD | BPF_FETCH, BPF_OR, BPF_OR | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH,
	BPF_XOR, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
};

/* Every atomic operation, 32 and 64 bits, at aligned places. */
static int st_atomic(struct gen *g)
{
	int32_t op = atomic_ops[below(g, NELEMS(atomic_ops))];
	unsigned size = chance(g, 50) ? 4 : 8;
	uint16_t avoid = 0;
	if (op == BPF_CMPXCHG) {
		if (g->st.r[0].kind != K_SCALAR || chance(g, 30))
			set_random(g, 0);
		avoid = 1;
	}
	unsigned src = (op & BPF_FETCH) ? scalar_dst(g, avoid) : scalar_src(g, avoid);
	struct place p = mem_place(g, size, 1, (uint16_t)(avoid | 1u << src));
	emit(g, BPF_STX | BPF_ATOMIC | (size == 4 ? BPF_W : BPF_DW), (uint8_t)p.reg, (uint8_t)src,
	     p.off, op);
	return 0;
}

/* Pointer arithmetic: new stack or ctx pointers, moved and copied ones. */
static int st_ptr(struct gen *g)
{
	switch (below(g, 4)) {
	case 0:
		stack_ptr(g, 0, 1);
		return 0;
	case 1:
		ctx_ptr(g, 0, 1);
		return 0;
	case 2: {   /* keep offsets small, so that accesses through r fit 16 bits */
		int r = pick(g, of_kind(g, KM(K_FP) | KM(K_CTX)) & writable(g));
		int32_t d = (int32_t)below(g, 129) - 64;
		if (r < 0 || abs(g->st.r[r].off + d) > 1024)
			return -1;
		add_imm(g, (unsigned)r, d);
		return 0;
	}
	default: {
		int from = pick(g, of_kind(g, KM(K_FP) | KM(K_CTX)));
		if (from < 0)
			return -1;
		unsigned r = (unsigned)pick(g, writable(g));
		emit(g, BPF_ALU64 | BPF_MOV | BPF_X, (uint8_t)r, (uint8_t)from, 0, 0);
		return 0;
	}
	}
}

static const uint8_t jmp_ops[] = {
	BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
	BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE,
};

/* A random conditional jump with its offset still to be patched; returns its index. */
static uint32_t emit_cond(struct gen *g)
{
	uint8_t cls = chance(g, 40) ? BPF_JMP32 : BPF_JMP;
	uint8_t op = jmp_ops[below(g, NELEMS(jmp_ops))];
	unsigned dst = scalar_src(g, 0);
	if (chance(g, 50)) {
		unsigned src = scalar_src(g, 0);
		emit(g, cls | op | BPF_X, (uint8_t)dst, (uint8_t)src, 0, 0);
	} else {
		emit(g, cls | op | BPF_K, (uint8_t)dst, 0, 0, imm32(g));
	}
	return g->out->len - 1;
}

static uint32_t body_size(struct gen *g)
{
	return 1 + below(g, 1 + g->size / (2 + g->depth));
}

/* Point the breaks from `base` on here and merge their states. */
static void close_breaks(struct gen *g, uint32_t base)
{
	for (uint32_t k = base; k < g->nbrk; k++) {
		patch(g, g->brk[k].at, g->out->len);
		meet_into(&g->st, &g->brk[k].st);
	}
	g->nbrk = base;
}

/* if (cond) { body } */
static int st_if(struct gen *g)
{
	uint32_t base = g->nbrk;
	uint32_t at = emit_cond(g);
	struct astate before = g->st;
	gen_block(g, body_size(g), BLK_IF);
	patch(g, at, g->out->len);
	meet_into(&g->st, &before);
	close_breaks(g, base);
	return 0;
}

/* if (cond) { then } else { other }, the join reached by JA or JA32. */
static int st_ifelse(struct gen *g)
{
	uint32_t base = g->nbrk;
	uint32_t at = emit_cond(g);
	struct astate before = g->st;
	gen_block(g, body_size(g), BLK_IF);
	struct astate then = g->st;
	uint32_t ja = UINT32_MAX;
	if (then.live) {
		ja = g->out->len;
		if (chance(g, 30))
			emit(g, BPF_JMP32 | BPF_JA, 0, 0, 0, 0);
		else
			emit(g, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	}
	patch(g, at, g->out->len);
	g->st = before;
	gen_block(g, body_size(g), BLK_IF);
	if (ja != UINT32_MAX)
		patch(g, ja, g->out->len);
	meet_into(&g->st, &then);
	close_breaks(g, base);
	return 0;
}

/*
 * Give every register the loop entry knew the kind it had there again, so
 * that the next iteration finds what the body was generated for.
 */
static void restore_kinds(struct gen *g, const struct astate *entry)
{
	for (unsigned r = 0; r < BPF_REG_FP; r++) {
		const struct areg *want = &entry->r[r];
		const struct areg *now = &g->st.r[r];
		if (want->kind == K_UNDEF || (want->kind == now->kind && want->off == now->off))
			continue;
		switch (want->kind) {
		case K_SCALAR:
			set_random(g, r);
			break;
		case K_CTX:
			load_ctx(g, r);
			if (want->off)
				add_imm(g, r, want->off);
			break;
		case K_FP:
			emit(g, BPF_ALU64 | BPF_MOV | BPF_X, (uint8_t)r, BPF_REG_FP, 0, 0);
			if (want->off)
				add_imm(g, r, want->off);
			break;
		default:
			emit_lddw(g, (uint8_t)r, BPF_PSEUDO_MAP_FD, 0);
			break;
		}
	}
}

/*
 * A loop of n iterations counting a callee-saved register down to 0 or up to
 * n: do-while with a conditional backward jump, or while with the test at
 * the top and JA / JA32 backward.
 */
static int st_loop(struct gen *g)
{
	int c = pick(g, 0x3c0 & writable(g));
	if (g->loops >= MAX_LOOPS || g->mult > 16 || c < 0)
		return -1;
	uint8_t cr = (uint8_t)c;
	uint32_t base = g->nbrk;
	int32_t n = 1 + (int32_t)below(g, 5);
	int up = chance(g, 40), top = chance(g, 30);
	uint8_t acls = chance(g, 40) ? BPF_ALU : BPF_ALU64;
	uint8_t jcls = chance(g, 40) ? BPF_JMP32 : BPF_JMP;

	emit(g, acls | BPF_MOV | BPF_K, cr, 0, 0, up ? 0 : n);
	struct astate entry = g->st;
	g->reserved |= (uint16_t)(1u << cr);
	g->loops++;
	g->mult *= (uint64_t)n;
	uint32_t head = g->out->len, test = 0;
	if (top) {
		test = head;
		emit(g, jcls | (up ? BPF_JGE : BPF_JEQ) | BPF_K, cr, 0, 0, up ? n : 0);
	}
	gen_block(g, body_size(g), BLK_LOOP);
	if (g->st.live)
		restore_kinds(g, &entry);
	if (up)
		emit(g, acls | BPF_ADD | BPF_K, cr, 0, 0, 1);
	else if (chance(g, 50))
		emit(g, acls | BPF_SUB | BPF_K, cr, 0, 0, 1);
	else
		emit(g, acls | BPF_ADD | BPF_K, cr, 0, 0, -1);

	if (top) {
		emit(g, chance(g, 30) ? (BPF_JMP32 | BPF_JA) : (BPF_JMP | BPF_JA), 0, 0, 0, 0);
		patch(g, g->out->len - 1, head);
		patch(g, test, g->out->len);
	} else {
		/* Conditions that hold while the loop has iterations left. */
		static const struct {
			uint8_t op;
			int32_t bias;   /* compare with (up ? n : 0) + bias */
		} down[] = { { BPF_JNE, 0 }, { BPF_JGT, 0 }, { BPF_JSGT, 0 }, { BPF_JGE, 1 }, { BPF_JSGE, 1 } },
		  upc[] = { { BPF_JLT, 0 }, { BPF_JNE, 0 }, { BPF_JSLT, 0 }, { BPF_JLE, -1 }, { BPF_JSLE, -1 } };
		unsigned k = below(g, 5);
		uint8_t op = up ? upc[k].op : down[k].op;
		int32_t v = (up ? n : 0) + (up ? upc[k].bias : down[k].bias);
		emit(g, jcls | op | BPF_K, cr, 0, 0, v);
		patch(g, g->out->len - 1, head);
	}
	g->mult /= (uint64_t)n;
	g->loops--;
	g->reserved &= (uint16_t)~(1u << cr);
	if (top)
		g->st = entry;   /* the exit is the test at the head, whose state is entry's */
	close_breaks(g, base);
	return 0;
}

/* Register a (1..5) = a fresh value: 64-bit wide or not, a copy or the ctx pointer. */
static void set_arg(struct gen *g, unsigned a, int wide)
{
	uint16_t set_before = (uint16_t)(((1u << a) - 1) & ~1u);   /* R1..R(a-1) */
	switch (below(g, 6)) {
	case 0: {
		int from = pick(g, of_kind(g, KM(K_SCALAR)) & (uint16_t)~set_before &
				       (uint16_t)~(1u << a));
		if (from >= 0) {
			emit(g, (wide ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_X, (uint8_t)a,
			     (uint8_t)from, 0, 0);
			return;
		}
		break;
	}
	case 1:
		if (chance(g, 30)) {
			load_ctx(g, a);
			return;
		}
		break;
	default:
		break;
	}
	if (wide)
		emit_lddw(g, (uint8_t)a, 0, val64(g));
	else
		emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, (uint8_t)a, 0, 0,
		     imm32(g));
}

/* A call of a test helper, by id or through callx. */
static int st_helper(struct gen *g)
{
	const struct gen_helper *h = &helpers[below(g, nhelpers)];
	int callx = chance(g, 15);
	unsigned nargs = callx ? 5 : h->proto.nargs;
	int32_t id = (int32_t)h->id;
	if (callx && chance(g, 3))
		id = ID0 - 1;   /* unregistered: both sides end with BPF32_ENOHELPER */
	for (unsigned a = 1; a <= nargs; a++) {
		int ok = KM(g->st.r[a].kind) & (KM(K_SCALAR) | KM(K_CTX));
		if (!ok || (a <= h->proto.nargs && chance(g, 50)))
			set_arg(g, a, (h->proto.arg64 >> (a - 1) & 1) && chance(g, 80));
	}
	if (!callx) {
		emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_HELPER, 0, (int32_t)h->id);
		return 0;
	}
	int r = pick(g, writable(g) & (uint16_t)~((1u << (nargs + 1)) - 2));
	emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, (uint8_t)r, 0, 0, id);
	emit(g, BPF_JMP | BPF_CALL | BPF_X, (uint8_t)r, 0, 0, 0);
	return 0;
}

static void add_fixup(struct gen *g, uint32_t target)
{
	if (g->nfix == g->capfix) {
		g->capfix = g->capfix ? 2 * g->capfix : 16;
		g->fix = realloc(g->fix, g->capfix * sizeof *g->fix);
		if (!g->fix)
			oom();
	}
	g->fix[g->nfix++] = (struct fixup){ g->fn, g->out->len, target };
	emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
}

/* R1 = the ctx pointer and R2-R5 scalars, as a callee expects them. */
static void call_args(struct gen *g, unsigned first)
{
	for (unsigned a = first; a <= 5; a++)
		if (g->st.r[a].kind != K_SCALAR || chance(g, 40))
			set_arg(g, a, chance(g, 50));
	/* set_arg may have put the ctx pointer in R2-R5: those must be scalars. */
	for (unsigned a = 2; a <= 5; a++)
		if (g->st.r[a].kind != K_SCALAR)
			emit(g, BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)a, 0, 0, imm32(g));
	if (g->st.r[1].kind != K_CTX || g->st.r[1].off != 0)
		load_ctx(g, 1);
}

/* A local call of a later function of the program. */
static int st_call(struct gen *g)
{
	if (g->fn + 1 >= g->nfuncs)
		return -1;
	uint32_t j = g->fn + 1 + below(g, g->nfuncs - g->fn - 1);
	if (g->cost + g->mult * g->fcost[j] > COST_BUDGET)
		return -1;
	call_args(g, 2);
	add_fixup(g, j);
	g->cost += g->mult * g->fcost[j];
	return 0;
}

/*
 * The function calls itself while R2, counted down, is not 0, at most once
 * per run of its body (outside loops). A large R2 nests deeper than
 * BPF32_MAX_FRAMES frames, which must end the run with BPF32_ELIMIT on both
 * sides; the frame limit also bounds the work.
 */
static int st_recurse(struct gen *g)
{
	if (g->fn == 0 || g->mult != 1 || g->recursive || !chance(g, 25))
		return -1;
	if (g->st.r[2].kind != K_SCALAR || chance(g, 60))
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)below(g, 10));
	uint32_t at = g->out->len;
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0, 0);
	struct astate before = g->st;
	emit(g, BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -1);
	call_args(g, 3);
	add_fixup(g, g->fn);
	patch(g, at, g->out->len);
	meet_into(&g->st, &before);
	g->recursive = 1;
	return 0;
}

/* bpf_tail_call(ctx, prog array, index): filled, empty and out-of-range slots. */
static int st_tail(struct gen *g)
{
	if (g->fn != 0 && !chance(g, 30))
		return -1;
	switch (below(g, 8)) {
	case 0:   /* only the low 32 bits are the index */
		emit_lddw(g, 3, 0, (uint64_t)below(g, 3) << 32 | below(g, g->nprogs + 2));
		break;
	case 1:
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, edge32[below(g, NELEMS(edge32))]);
		break;
	default:
		emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, 3, 0, 0,
		     (int32_t)below(g, g->nprogs + 2));
		break;
	}
	emit_lddw(g, 2, BPF_PSEUDO_MAP_FD, 0);
	if (g->st.r[1].kind != K_CTX || g->st.r[1].off != 0)
		load_ctx(g, 1);
	emit(g, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_HELPER, 0, GEN_TAIL_CALL_ID);
	return 0;
}

/* LD_ABS / LD_IND: the ctx seen as a packet, in and out of bounds. */
static int st_pkt(struct gen *g)
{
	static const uint8_t psizes[] = { BPF_B, BPF_H, BPF_W };
	unsigned sz = below(g, 3);
	int32_t size = 1 << sz;
	if (chance(g, 60)) {
		int32_t off;
		switch (below(g, 20)) {
		case 0:
			off = GEN_CTX_SIZE - size + (int32_t)below(g, 2 * (uint32_t)size);
			break;
		case 1:   /* SKF_NET_OFF, SKF_LL_OFF */
			off = (chance(g, 50) ? -0x100000 : -0x200000) + (int32_t)below(g, 64);
			break;
		default:
			off = (int32_t)below(g, GEN_CTX_DATA - (uint32_t)size + 1);
			break;
		}
		emit(g, BPF_LD | BPF_ABS | psizes[sz], 0, 0, 0, off);
		return 0;
	}
	unsigned src;
	if (chance(g, 85)) {
		src = (unsigned)pick(g, writable(g));
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)src, 0, 0, (int32_t)below(g, 200));
	} else {
		src = scalar_src(g, 0);
	}
	emit(g, BPF_LD | BPF_IND | psizes[sz], 0, (uint8_t)src, 0, (int32_t)below(g, 56));
	return 0;
}

/*
 * Copy the scalar registers and the stack windows to this function's dump
 * area, and exit with R0. The ctx pointer for the copies is a register that
 * holds it already, else one whose value does not matter.
 */
static void epilogue(struct gen *g)
{
	if (g->st.r[0].kind != K_SCALAR)
		set_random(g, 0);
	int a = pick(g, of_kind(g, KM(K_CTX)) & 0x3fe);
	if (a < 0)
		a = pick(g, (uint16_t)~of_kind(g, KM(K_SCALAR)) & 0x3fe);
	if (a < 0)
		a = 1 + (int)below(g, 9);
	if (g->st.r[a].kind != K_CTX)
		load_ctx(g, (unsigned)a);
	int32_t dump = GEN_CTX_DATA + GEN_DUMP_BYTES * (int32_t)g->fn - g->st.r[a].off;
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		if ((int)r != a && g->st.r[r].kind == K_SCALAR)
			emit(g, BPF_STX | BPF_MEM | BPF_DW, (uint8_t)a, (uint8_t)r,
			     (int16_t)(dump + GEN_DUMP_STACK + 8 * (int32_t)r), 0);
	unsigned b = 1 + below(g, 8);
	if ((int)b >= a)
		b++;
	for (size_t w = 0; w < NELEMS(windows); w++)
		for (int32_t s = windows[w].lo; s < windows[w].hi; s += 8, dump += 8) {
			emit(g, BPF_LDX | BPF_MEM | BPF_DW, (uint8_t)b, BPF_REG_FP, (int16_t)s, 0);
			emit(g, BPF_STX | BPF_MEM | BPF_DW, (uint8_t)a, (uint8_t)b, (int16_t)dump, 0);
		}
	emit_exit(g);
}

/*
 * A jump from inside an if/else or loop body to the end of that statement:
 * conditional, or now and then unconditional (JA or JA32), which ends the
 * body's straight line like a return does.
 */
static int st_break(struct gen *g)
{
	if (g->blk == BLK_TOP)
		return -1;
	if (chance(g, 80))
		emit_cond(g);
	else
		emit(g, chance(g, 50) ? (BPF_JMP32 | BPF_JA) : (BPF_JMP | BPF_JA), 0, 0, 0, 0);
	if (g->nbrk == g->capbrk) {
		g->capbrk = g->capbrk ? 2 * g->capbrk : 16;
		g->brk = realloc(g->brk, g->capbrk * sizeof *g->brk);
		if (!g->brk)
			oom();
	}
	g->brk[g->nbrk].at = g->out->len - 1;
	g->brk[g->nbrk++].st = g->st;
	if (BPF_OP(g->out->insns[g->out->len - 1].code) == BPF_JA)
		g->st.live = 0;
	return 0;
}

/* An early return, inside a conditional block. */
static int st_return(struct gen *g)
{
	if (g->blk != BLK_IF)
		return -1;
	epilogue(g);
	return 0;
}

/*
 * Now and then thousands of instructions under one forward branch: past the
 * reach of short branches (MIPS: 128 KiB), and once in a while past the
 * 16-bit offset of eBPF jumps, skipped by JA32 (`jcc +1; ja32 over`). Runs
 * once per function run at most, so it is not held to the cost budget.
 */
static int st_big(struct gen *g)
{
	if (g->mult != 1 || g->depth > 0 || !chance(g, 4))
		return -1;
	int far = chance(g, 8);
	uint32_t n = far ? 33000 + below(g, 4000) : 1000 + below(g, 15000);
	uint32_t at = emit_cond(g);
	if (far) {
		patch(g, at, g->out->len + 1);
		at = g->out->len;
		emit(g, BPF_JMP32 | BPF_JA, 0, 0, 0, 0);
	}
	struct astate before = g->st;
	uint64_t cost = g->cost;
	for (uint32_t k = 0; k < n && !g->failed; k++) {
		uint8_t op = alu_ops[below(g, 3)];   /* add, sub, mul: cheap everywhere */
		unsigned dst = scalar_dst(g, 0);
		emit(g, (chance(g, 50) ? BPF_ALU64 : BPF_ALU) | op | BPF_K, (uint8_t)dst, 0, 0,
		     imm32(g));
	}
	patch(g, at, g->out->len);
	meet_into(&g->st, &before);
	g->cost = cost + COST_BUDGET / 4;
	return 0;
}

static int st_nop_jump(struct gen *g)
{
	if (chance(g, 50))
		emit(g, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	else
		emit(g, BPF_JMP32 | BPF_JA, 0, 0, 0, 0);
	return 0;
}

/* Statement kinds, their weights and the feature each belongs to. */
static const struct stmt {
	int (*fn)(struct gen *g);
	uint8_t weight;
	uint16_t feature;
	uint8_t opens;   /* opens a block: only below MAX_DEPTH */
} stmts[] = {
	{ st_alu, 30, GEN_ALU, 0 },    { st_mov, 10, GEN_ALU, 0 },
	{ st_unary, 5, GEN_ALU, 0 },   { st_div_edge, 3, GEN_ALU, 0 },
	{ st_load, 10, GEN_MEM, 0 },   { st_store, 10, GEN_MEM, 0 },
	{ st_ptr, 3, GEN_MEM, 0 },     { st_atomic, 6, GEN_ATOMIC, 0 },
	{ st_if, 8, GEN_JMP, 1 },      { st_ifelse, 4, GEN_JMP, 1 },
	{ st_loop, 4, GEN_LOOP, 1 },   { st_helper, 6, GEN_HELPER, 0 },
	{ st_call, 5, GEN_CALL, 0 },   { st_tail, 2, GEN_TAIL, 0 },
	{ st_pkt, 2, GEN_PKT, 0 },     { st_return, 2, GEN_JMP, 0 },
	{ st_big, 1, GEN_BIG, 1 },     { st_nop_jump, 1, GEN_JMP, 0 },
	{ st_recurse, 1, GEN_CALL, 0 },  { st_break, 2, GEN_JMP, 0 },
};

static const struct stmt *pick_stmt(struct gen *g)
{
	unsigned total = 0;
	for (size_t k = 0; k < NELEMS(stmts); k++)
		if ((stmts[k].feature & g->features) && !(stmts[k].opens && g->depth >= MAX_DEPTH))
			total += stmts[k].weight;
	if (!total)
		return NULL;
	unsigned x = below(g, total);
	for (size_t k = 0;; k++)
		if ((stmts[k].feature & g->features) && !(stmts[k].opens && g->depth >= MAX_DEPTH)) {
			if (x < stmts[k].weight)
				return &stmts[k];
			x -= stmts[k].weight;
		}
}

static void gen_block(struct gen *g, uint32_t n, enum block kind)
{
	enum block outer = g->blk;
	g->blk = kind;
	if (kind != BLK_TOP)
		g->depth++;
	for (uint32_t k = 0, tries = 0; k < n && tries < 4 * n && !g->failed && g->st.live; tries++) {
		if (g->cost > COST_BUDGET)
			break;
		const struct stmt *s = pick_stmt(g);
		if (!s || s->fn(g) == 0)
			k++;
	}
	if (kind != BLK_TOP)
		g->depth--;
	g->blk = outer;
}

/* Fill one 8-byte stack slot: one store, or pieces of 1, 2 and 4 bytes. */
static void init_slot(struct gen *g, int16_t a)
{
	unsigned how = below(g, 8);
	for (int16_t at = a; at < a + 8;) {
		unsigned sz = how < 6 ? 3 : how == 6 ? 2 : below(g, 3);
		while (at + (1 << sz) > a + 8)
			sz--;
		if (chance(g, 50))
			emit(g, BPF_ST | BPF_MEM | sizes[sz], BPF_REG_FP, 0, at, imm32(g));
		else
			emit(g, BPF_STX | BPF_MEM | sizes[sz], BPF_REG_FP,
			     (uint8_t)scalar_src(g, 0), at, 0);
		at = (int16_t)(at + (1 << sz));
	}
}

/* Keep the ctx pointer, fill the windows, set some registers. */
static void prologue(struct gen *g)
{
	emit(g, BPF_STX | BPF_MEM | BPF_DW, BPF_REG_FP, 1, CTX_SLOT, 0);
	for (unsigned r = 0; r < BPF_REG_FP; r++)
		if (g->st.r[r].kind == K_UNDEF && chance(g, 60))
			set_random(g, r);
	for (size_t w = 0; w < NELEMS(windows); w++)
		for (int16_t s = windows[w].lo; s < windows[w].hi; s = (int16_t)(s + 8))
			init_slot(g, s);
}

static void gen_function(struct gen *g, struct gen_prog *out, uint32_t fn, uint32_t nstmts)
{
	g->out = out;
	g->fn = fn;
	g->reserved = 0;
	g->depth = g->loops = 0;
	g->mult = 1;
	g->cost = 0;
	g->recursive = 0;
	entry_state(&g->st, fn == 0 ? ENTRY_PROG : ENTRY_FUNC);
	prologue(g);
	gen_block(g, nstmts, BLK_TOP);
	if (g->st.live) {
		epilogue(g);
	} else if (!bpf_is_jmp(g->out->insns[g->out->len - 1].code) ||
		   BPF_OP(g->out->insns[g->out->len - 1].code) != BPF_EXIT) {
		/* A loop whose body always returns ends in its unreachable back jump. */
		emit(g, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		emit_exit(g);
	}
	g->fcost[fn] = g->recursive ? g->cost * BPF32_MAX_FRAMES : g->cost;
}

/* Functions 1..n-1 of a program: more often few than many. */
static uint32_t pick_nfuncs(struct gen *g)
{
	if (!(g->features & GEN_CALL))
		return 1;
	uint32_t x = below(g, 100);
	return x < 55 ? 1 : x < 82 ? 2 : x < 95 ? 3 : 4;
}

/* Lay the functions out one after the other and point the local calls at them. */
static void link_prog(struct gen *g, struct gen_prog *out, struct gen_prog *funcs, uint32_t n)
{
	uint32_t start[GEN_MAX_FUNCS];
	for (uint32_t f = 0; f < n; f++) {
		start[f] = out->len;
		for (uint32_t k = 0; k < funcs[f].len; k++)
			prog_push(out, funcs[f].insns[k]);
	}
	for (uint32_t x = 0; x < g->nfix; x++) {
		const struct fixup *fx = &g->fix[x];
		uint32_t at = start[fx->fn] + fx->at;
		out->insns[at].imm = (int32_t)(start[fx->target] - at - 1);
	}
}

int gen_case_make(uint64_t seed, const struct gen_opts *o, struct gen_case *c, char *why,
		  size_t whylen)
{
	struct gen g;
	memset(&g, 0, sizeof g);
	memset(c, 0, sizeof *c);
	g.rng = seed;
	g.features = o && o->features ? o->features : GEN_ALL;
	g.ck.flags = o ? o->flags : 0;
	g.size = o && o->size ? o->size : 16;
	c->seed = seed;
	c->nprogs = 1;
	if ((g.features & GEN_TAIL) && chance(&g, 35))
		c->nprogs += 1 + below(&g, GEN_MAX_PROGS - 1);
	g.nprogs = c->nprogs;

	for (uint32_t p = 0; p < c->nprogs && !g.failed; p++) {
		struct gen_prog funcs[GEN_MAX_FUNCS];
		memset(funcs, 0, sizeof funcs);
		g.nfuncs = pick_nfuncs(&g);
		g.nfix = 0;
		for (uint32_t f = g.nfuncs; f-- > 0;) {
			uint32_t n = f == 0 ? 1 + below(&g, g.size) : 1 + below(&g, g.size / 2 + 1);
			gen_function(&g, &funcs[f], f, n);
		}
		link_prog(&g, &c->progs[p], funcs, g.nfuncs);
		for (uint32_t f = 0; f < g.nfuncs; f++)
			free(funcs[f].insns);
	}
	free(g.fix);
	free(g.brk);
	if (g.failed) {
		snprintf(why, whylen, "generator, seed 0x%" PRIx64 ": %s", seed, g.err);
		gen_case_free(c);
		return -1;
	}
	char msg[200];
	if (gen_check(c, g.ck.flags, msg, sizeof msg)) {
		snprintf(why, whylen, "checker refuses generated seed 0x%" PRIx64 ": %s", seed, msg);
		gen_case_free(c);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- case files */

int gen_case_save(const struct gen_case *c, FILE *f, const char *note)
{
	fprintf(f, "# bpf32 difftest case\n");
	if (note) {
		fputs("# ", f);
		for (const char *p = note; *p; p++) {
			fputc(*p, f);
			if (*p == '\n' && p[1])
				fputs("# ", f);
		}
		if (note[0] && note[strlen(note) - 1] != '\n')
			fputc('\n', f);
	}
	gen_case_print(f, c, "#   ");
	fprintf(f, "seed 0x%016" PRIx64 "\n", c->seed);
	for (uint32_t p = 0; p < c->nprogs; p++) {
		fprintf(f, "prog\n");
		size_t len;
		uint8_t *b = gen_prog_bytes(&c->progs[p], &len);
		for (size_t k = 0; k < len; k += 8) {
			for (size_t j = 0; j < 8; j++)
				fprintf(f, "%02x", b[k + j]);
			fputc('\n', f);
		}
		free(b);
	}
	return ferror(f) ? -1 : 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int gen_case_load(const char *path, struct gen_case *c, char *why, size_t whylen)
{
	memset(c, 0, sizeof *c);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, whylen, "%s: cannot open", path);
		return -1;
	}
	char line[256];
	unsigned lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		if (!strncmp(line, "seed ", 5)) {
			c->seed = strtoull(line + 5, NULL, 0);
		} else if (!strcmp(line, "prog")) {
			if (c->nprogs == GEN_MAX_PROGS) {
				snprintf(why, whylen, "%s:%u: more than %d programs", path, lineno,
					 GEN_MAX_PROGS);
				rc = -1;
				break;
			}
			c->nprogs++;
		} else {
			uint8_t b[8];
			size_t n = strlen(line);
			int ok = n == 16 && c->nprogs > 0;
			for (size_t k = 0; ok && k < 8; k++) {
				int hi = hexval(line[2 * k]), lo = hexval(line[2 * k + 1]);
				ok = hi >= 0 && lo >= 0;
				b[k] = (uint8_t)(hi << 4 | lo);
			}
			if (!ok) {
				snprintf(why, whylen, "%s:%u: expected 16 hex digits after `prog`", path,
					 lineno);
				rc = -1;
				break;
			}
			prog_push(&c->progs[c->nprogs - 1], bpf_decode(b, 0));
		}
	}
	fclose(f);
	if (!rc && c->nprogs == 0) {
		snprintf(why, whylen, "%s: no programs", path);
		rc = -1;
	}
	if (rc)
		gen_case_free(c);
	return rc;
}

void gen_case_print(FILE *f, const struct gen_case *c, const char *prefix)
{
	for (uint32_t p = 0; p < c->nprogs; p++) {
		const struct gen_prog *gp = &c->progs[p];
		fprintf(f, "%sprogram %u (%u slots)\n", prefix, p, gp->len);
		size_t len;
		uint8_t *b = gen_prog_bytes(gp, &len);
		for (uint32_t slot = 0; slot < gp->len;) {
			uint32_t n = bpf_is_lddw(&gp->insns[slot]) && slot + 1 < gp->len ? 2 : 1;
			char *text = NULL;
			struct bpf32_error err;
			if (bpf32_disasm(b + 8 * (size_t)slot, 8 * (size_t)n, BPF32_ORDER_LITTLE, &text,
					 &err) == 0) {
				text[strcspn(text, "\n")] = 0;
				if (gp->insns[slot].src == BPF_PSEUDO_MAP_FD && n == 2)
					fprintf(f, "%s%5u: lddw %%r%u, map %d\n", prefix, slot,
						gp->insns[slot].dst, gp->insns[slot].imm);
				else
					fprintf(f, "%s%5u: %s\n", prefix, slot, text);
			} else {
				fprintf(f, "%s%5u: (%s)\n", prefix, slot, err.msg);
			}
			free(text);
			slot += n;
		}
		free(b);
	}
}
