/*
 * The reference interpreter: the oracle every JIT is checked against.
 *
 * It runs a validated program (struct bpf_insn, LDDW map references already
 * resolved) with the semantics of RFC 9669 and Linux, and never trusts an
 * address: every load, store and atomic must fall inside the stack, the ctx
 * buffer, the packet or a region registered with bpf32_region_add(), or the
 * run stops with BPF32_EFAULT. Nothing here relies on undefined or
 * implementation-specific C behaviour of signed arithmetic: values live in
 * uint64_t and signed operations are spelled out on unsigned numbers.
 *
 * Layout of the stack buffer (BPF32_MAX_FRAMES frames of BPF32_STACK_SIZE
 * bytes, zeroed at the start of every run). It grows down like a machine
 * stack; R10 of frame d (d = number of local calls in progress) is its top:
 *
 *     stack + STACK_BYTES        <- R10 of the main program (frame 0)
 *     stack + STACK_BYTES - 512  <- R10 of frame 1
 *     ...
 *     stack                      bottom of frame BPF32_MAX_FRAMES - 1
 *
 * A program may pass pointers into its frame to a callee, so every frame is
 * addressable from every other.
 */
#include <inttypes.h>
#include <string.h>

#include "packet.h"
#include "prog.h"

#define STACK_BYTES (BPF32_MAX_FRAMES * BPF32_STACK_SIZE)
#define SIGN64 ((uint64_t)1 << 63)
#define SIGN32 ((uint64_t)1 << 31)

/* The caller's state saved by a local call. */
struct frame {
	struct bpf32_prog *prog;   /* a tail call in the callee may replace the program */
	uint32_t ret_pc;
	uint64_t saved[4];         /* R6..R9 */
};

struct vm {
	uint64_t reg[BPF_REG_COUNT];
	struct bpf32_prog *prog;          /* the program running now (tail calls change it) */
	const struct bpf_insn *insns;     /* prog->insns */
	uintptr_t stack;                  /* base of the stack buffer */
	const struct bpf32_run_args *args;
	const struct bpf32_packet *pkt;   /* args->pkt, or ctx_pkt */
	struct bpf32_packet ctx_pkt;      /* the ctx buffer seen as a packet */
	uint32_t pc;                      /* where to go on after STEP_RELOAD */
	uint32_t depth;                   /* local calls in progress */
	uint32_t tail_calls;              /* successful tail calls this run */
	struct frame frames[BPF32_MAX_FRAMES - 1];
	struct bpf32_error *err;
};

/* What an instruction that may leave the straight line asks the loop to do. */
enum step {
	STEP_NEXT = 0,   /* go on at pc */
	STEP_EXIT,       /* the program is done; R0 is the result */
	STEP_RELOAD,     /* go on at vm->pc of vm->prog (calls, returns, tail calls) */
};

static int32_t insn_index(const struct vm *vm, const struct bpf_insn *i)
{
	return (int32_t)(i - vm->insns);
}

/* ---------------------------------------------------------------- arithmetic */

/* Sign-extend the low `bits` (< 64) bits of x. */
static inline uint64_t sext(uint64_t x, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	return ((x & ((sign << 1) - 1)) ^ sign) - sign;
}

/* Arithmetic shift right by n (0..63). */
static inline uint64_t asr64(uint64_t x, unsigned n)
{
	uint64_t fill = 0 - (x >> 63);   /* all ones when negative */
	return x >> n | fill << (63 - n) << 1;
}

static inline uint64_t abs64(uint64_t x)
{
	return x & SIGN64 ? 0 - x : x;
}

/*
 * Signed division truncating toward zero, on magnitudes, for a divisor != 0.
 * INT64_MIN / -1 comes out as INT64_MIN (2^63 negated is itself), and the
 * remainder takes the dividend's sign, so INT64_MIN % -1 is 0. The 32-bit
 * forms divide the sign-extended values and keep the low half, which gives
 * INT32_MIN / -1 = INT32_MIN the same way.
 */
static inline uint64_t sdiv64(uint64_t a, uint64_t b)
{
	uint64_t q = abs64(a) / abs64(b);
	return (a ^ b) & SIGN64 ? 0 - q : q;
}

static inline uint64_t smod64(uint64_t a, uint64_t b)
{
	uint64_t r = abs64(a) % abs64(b);
	return a & SIGN64 ? 0 - r : r;
}

/* DIV: by zero gives 0. MOD: by zero leaves dst. off 1: signed. */
static inline uint64_t div64(const struct bpf_insn *i, uint64_t a, uint64_t b)
{
	return b == 0 ? 0 : i->off ? sdiv64(a, b) : a / b;
}

static inline uint64_t mod64(const struct bpf_insn *i, uint64_t a, uint64_t b)
{
	return b == 0 ? a : i->off ? smod64(a, b) : a % b;
}

/* dst op src for ALU64; src is already the register or the sign-extended imm. */
static inline uint64_t alu64(uint8_t op, const struct bpf_insn *i, uint64_t dst, uint64_t src)
{
	switch (op) {
	case BPF_ADD: return dst + src;
	case BPF_SUB: return dst - src;
	case BPF_MUL: return dst * src;
	case BPF_DIV: return div64(i, dst, src);
	case BPF_OR: return dst | src;
	case BPF_AND: return dst & src;
	case BPF_LSH: return dst << (src & 63);
	case BPF_RSH: return dst >> (src & 63);
	case BPF_MOD: return mod64(i, dst, src);
	case BPF_XOR: return dst ^ src;
	case BPF_MOV: return i->off ? sext(src, (unsigned)i->off) : src;   /* MOVSX */
	default: return asr64(dst, src & 63);                             /* ARSH */
	}
}

/*
 * dst op src for ALU (32-bit): operands are the low halves, the result is
 * zero-extended. Signed DIV/MOD and ARSH work on the sign-extended halves.
 */
static inline uint32_t alu32(uint8_t op, const struct bpf_insn *i, uint32_t dst, uint32_t src)
{
	switch (op) {
	case BPF_ADD: return dst + src;
	case BPF_SUB: return dst - src;
	case BPF_MUL: return dst * src;
	case BPF_DIV:
		return (uint32_t)(i->off ? div64(i, sext(dst, 32), sext(src, 32)) : div64(i, dst, src));
	case BPF_OR: return dst | src;
	case BPF_AND: return dst & src;
	case BPF_LSH: return dst << (src & 31);
	case BPF_RSH: return dst >> (src & 31);
	case BPF_MOD:
		return (uint32_t)(i->off ? mod64(i, sext(dst, 32), sext(src, 32)) : mod64(i, dst, src));
	case BPF_XOR: return dst ^ src;
	case BPF_MOV: return i->off ? (uint32_t)sext(src, (unsigned)i->off) : src;   /* MOVSX */
	default: return (uint32_t)asr64(sext(dst, 32), src & 31);                    /* ARSH */
	}
}

/* Reverse the low `width` (16, 32, 64) bits' bytes; the rest is cleared. */
static inline uint64_t bswap(uint64_t x, int32_t width)
{
	switch (width) {
	case 16: return __builtin_bswap16((uint16_t)x);
	case 32: return __builtin_bswap32((uint32_t)x);
	default: return __builtin_bswap64(x);
	}
}

/*
 * END: convert the low `width` bits from host order to little (big = 0) or
 * big endian. Same order as the host: only truncate; otherwise swap.
 */
static inline uint64_t to_order(uint64_t x, int32_t width, int big)
{
	if (big != bpf_host_big_endian())
		return bswap(x, width);
	return width == 64 ? x : x & (((uint64_t)1 << width) - 1);
}

/*
 * Conditional jumps. `sign` is the sign bit of the compared width: flipping it
 * maps signed order onto unsigned order, so one set of compares serves both
 * (JMP32 passes zero-extended low halves and SIGN32).
 */
static inline int jmp_taken(uint8_t op, uint64_t a, uint64_t b, uint64_t sign)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSGT: return (a ^ sign) > (b ^ sign);
	case BPF_JSGE: return (a ^ sign) >= (b ^ sign);
	case BPF_JSLT: return (a ^ sign) < (b ^ sign);
	default: return (a ^ sign) <= (b ^ sign);   /* JSLE */
	}
}

/* ---------------------------------------------------------------- memory */

/* [addr, addr + size) inside [base, base + len), without overflow. */
static inline int in_range(uint64_t addr, unsigned size, uintptr_t base, size_t len)
{
	return addr >= base && len >= size && addr - base <= (uint64_t)(len - size);
}

static int in_buffer(uint64_t addr, unsigned size, const void *base, size_t len)
{
	return base && in_range(addr, size, (uintptr_t)base, len);
}

/* Every place except the stack, which mem_addr() tries first. */
static void *mem_addr_slow(const struct vm *vm, uint64_t addr, unsigned size, int write)
{
	const struct bpf32_run_args *args = vm->args;
	if (in_buffer(addr, size, args->ctx, args->ctx_len))
		goto ok;
	if (args->pkt && !write) {
		const struct bpf32_packet *pkt = args->pkt;
		uint32_t head = pkt->headlen < pkt->len ? pkt->headlen : pkt->len;
		if (in_buffer(addr, size, pkt->data, head) ||
		    in_buffer(addr, size, pkt->frag, pkt->len - head))
			goto ok;
	}
	const struct bpf32_env *env = vm->prog->env;
	for (size_t r = 0; r < env->nregions; r++) {
		const struct bpf32_region *reg = &env->regions[r];
		if ((reg->writable || !write) && in_buffer(addr, size, reg->base, reg->len))
			goto ok;
	}
	return NULL;
ok:
	return (void *)(uintptr_t)addr;
}

/* Host pointer for an access of `size` bytes at `addr`, or NULL. */
static inline void *mem_addr(const struct vm *vm, uint64_t addr, unsigned size, int write)
{
	if (in_range(addr, size, vm->stack, STACK_BYTES))
		return (void *)(uintptr_t)addr;
	return mem_addr_slow(vm, addr, size, write);
}

static int mem_fault(const struct vm *vm, const struct bpf_insn *i, const char *what,
		     uint64_t addr, unsigned size, int write)
{
	const char *why = write && mem_addr(vm, addr, size, 0) ? "read-only memory"
							       : "no accessible memory";
	return bpf32_fail(vm->err, BPF32_EFAULT, insn_index(vm, i),
			  "%s of %u bytes at 0x%" PRIx64 ": %s", what, size, addr, why);
}

/* Host-order loads and stores at any alignment. */
static inline uint64_t load_host(const void *p, unsigned size)
{
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t d;
	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	default: memcpy(&d, p, 8); return d;
	}
}

static inline void store_host(void *p, uint64_t v, unsigned size)
{
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;
	switch (size) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &h, 2); break;
	case 4: memcpy(p, &w, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

static inline uint64_t mem_ea(const struct vm *vm, uint8_t base, int16_t off)
{
	return vm->reg[base] + (uint64_t)(int64_t)off;
}

/* LDX: dst = *(size *)(src + off), sign-extended when `sx` (MEMSX). */
static inline int op_load(struct vm *vm, const struct bpf_insn *i, unsigned size, int sx)
{
	uint64_t addr = mem_ea(vm, i->src, i->off);
	const void *p = mem_addr(vm, addr, size, 0);
	if (!p)
		return mem_fault(vm, i, "load", addr, size, 0);
	uint64_t v = load_host(p, size);
	vm->reg[i->dst] = sx ? sext(v, size * 8) : v;
	return 0;
}

/* ST/STX: *(size *)(dst + off) = v. */
static inline int op_store(struct vm *vm, const struct bpf_insn *i, unsigned size, uint64_t v)
{
	uint64_t addr = mem_ea(vm, i->dst, i->off);
	void *p = mem_addr(vm, addr, size, 1);
	if (!p)
		return mem_fault(vm, i, "store", addr, size, 1);
	store_host(p, v, size);
	return 0;
}

/* ---------------------------------------------------------------- atomics */

/*
 * One read-modify-write: `op` is the ATOMIC imm; returns the old value.
 * CMPXCHG stores `val` only if the old value equals `expected`.
 */
#define DEFINE_ATOMIC_RMW(name, type)                                                    \
	static type name(type *p, int32_t op, type val, type expected)                    \
	{                                                                                 \
		switch (op & ~BPF_FETCH) {                                                \
		case BPF_ADD: return __atomic_fetch_add(p, val, __ATOMIC_SEQ_CST);       \
		case BPF_OR: return __atomic_fetch_or(p, val, __ATOMIC_SEQ_CST);         \
		case BPF_AND: return __atomic_fetch_and(p, val, __ATOMIC_SEQ_CST);       \
		case BPF_XOR: return __atomic_fetch_xor(p, val, __ATOMIC_SEQ_CST);       \
		case BPF_XCHG & ~BPF_FETCH:                                               \
			return __atomic_exchange_n(p, val, __ATOMIC_SEQ_CST);             \
		default: /* CMPXCHG: on failure `expected` receives the old value */     \
			__atomic_compare_exchange_n(p, &expected, val, 0, __ATOMIC_SEQ_CST, \
						    __ATOMIC_SEQ_CST);                    \
			return expected;                                                  \
		}                                                                         \
	}

DEFINE_ATOMIC_RMW(atomic_rmw32, uint32_t)

/* 64-bit atomics inline only where the CPU has them (x86-64, ARMv7 ldrexd). */
#ifdef __GCC_HAVE_SYNC_COMPARE_AND_SWAP_8
DEFINE_ATOMIC_RMW(atomic_rmw64, uint64_t)
#else
#define atomic_rmw64 bpf32_atomic64
#endif

/*
 * STX|ATOMIC: read-modify-write of *(size *)(dst + off) with src. FETCH
 * returns the old value in src; CMPXCHG compares with R0 and returns the old
 * value in R0. 32-bit forms use the low halves and zero-extend the result.
 */
static int op_atomic(struct vm *vm, const struct bpf_insn *i, unsigned size)
{
	uint64_t addr = mem_ea(vm, i->dst, i->off);
	void *p = mem_addr(vm, addr, size, 1);
	if (!p)
		return mem_fault(vm, i, "atomic", addr, size, 1);
	if ((uintptr_t)p & (size - 1))
		return bpf32_fail(vm->err, BPF32_EFAULT, insn_index(vm, i),
				  "misaligned atomic of %u bytes at 0x%" PRIx64, size, addr);

	uint64_t *reg = vm->reg;
	uint64_t old = size == 4 ? atomic_rmw32(p, i->imm, (uint32_t)reg[i->src], (uint32_t)reg[0])
				 : atomic_rmw64(p, i->imm, reg[i->src], reg[0]);
	if (i->imm == BPF_CMPXCHG)
		reg[0] = old;
	else if (i->imm & BPF_FETCH)
		reg[i->src] = old;
	return 0;
}

/* ---------------------------------------------------------------- packets */

/*
 * LD_ABS / LD_IND: R0 = the big-endian number at packet offset imm (ABS) or
 * src + imm (IND, computed in 32 bits). Returns STEP_EXIT with R0 = 0 when
 * the bytes are not in the packet, as Linux does.
 */
static int op_ld_pkt(struct vm *vm, const struct bpf_insn *i, unsigned size, int ind)
{
	int32_t off = ind ? (int32_t)((uint32_t)vm->reg[i->src] + (uint32_t)i->imm) : i->imm;
	uint32_t v;
	if (bpf32_pkt_load(vm->pkt, off, size, &v)) {
		vm->reg[0] = 0;
		return STEP_EXIT;
	}
	vm->reg[0] = v;
	return STEP_NEXT;
}

/* ---------------------------------------------------------------- calls */

static uint64_t frame_top(const struct vm *vm)
{
	return vm->stack + STACK_BYTES - (uint64_t)vm->depth * BPF32_STACK_SIZE;
}

static void set_prog(struct vm *vm, struct bpf32_prog *prog)
{
	vm->prog = prog;
	vm->insns = prog->insns;
}

/*
 * bpf_tail_call(ctx, R2 = prog array, R3 = index): continue at the start of
 * the array's program with every register and the frame as they are. When
 * R2 is not a live prog array (see prog_array.c), the index is out of range,
 * the slot empty or the run has used its BPF32_MAX_TAIL_CALLS, execution
 * goes on after the call with R0 unchanged.
 */
static int tail_call(struct vm *vm)
{
	if (vm->tail_calls >= BPF32_MAX_TAIL_CALLS)
		return STEP_NEXT;
	struct bpf32_prog *target =
		bpf32_prog_array_target((uintptr_t)vm->reg[2], (uint32_t)vm->reg[3]);
	if (!target)
		return STEP_NEXT;
	vm->tail_calls++;
	set_prog(vm, target);
	vm->pc = 0;
	return STEP_RELOAD;
}

/* Call helper `id`: R0 = helper(R1..R5). R1..R5 keep their values. */
static int call_helper(struct vm *vm, const struct bpf_insn *i, uint64_t id)
{
	const struct bpf32_helper *h = bpf32_helper_get(vm->prog->env, id);
	if (h && h->kind == HELPER_TAIL_CALL)
		return tail_call(vm);
	if (!h || h->kind != HELPER_FN)
		return bpf32_fail(vm->err, BPF32_ENOHELPER, insn_index(vm, i),
				  "call of unregistered helper %" PRIu64, id);
	vm->reg[0] = bpf32_call_helper(h, &vm->reg[1]);
	if ((h->proto.flags & BPF32_HELPER_UNWIND_ON_ZERO) && vm->reg[0] == 0)
		return STEP_EXIT;
	return STEP_NEXT;
}

/*
 * Local call: the callee starts at pc + imm (pc is already past the call)
 * with the caller's R1..R5 and a frame of its own; the caller's R6..R9 come
 * back on return.
 */
static int local_call(struct vm *vm, const struct bpf_insn *i, uint32_t pc)
{
	if (vm->depth + 1 >= BPF32_MAX_FRAMES)
		return bpf32_fail(vm->err, BPF32_ELIMIT, insn_index(vm, i),
				  "local call needs more than %d frames", BPF32_MAX_FRAMES);
	struct frame *f = &vm->frames[vm->depth++];
	f->prog = vm->prog;
	f->ret_pc = pc;
	memcpy(f->saved, &vm->reg[6], sizeof f->saved);
	vm->reg[BPF_REG_FP] = frame_top(vm);
	vm->pc = pc + (uint32_t)i->imm;
	return STEP_RELOAD;
}

/* EXIT: leave the program, or return from a local call to its caller. */
static int op_exit(struct vm *vm)
{
	if (vm->depth == 0)
		return STEP_EXIT;
	const struct frame *f = &vm->frames[--vm->depth];
	set_prog(vm, f->prog);
	vm->pc = f->ret_pc;
	memcpy(&vm->reg[6], f->saved, sizeof f->saved);
	vm->reg[BPF_REG_FP] = frame_top(vm);
	return STEP_RELOAD;
}

/* ---------------------------------------------------------------- the loop */

/* ALU op in its four forms: 64/32 bits, imm/register source. */
#define ALU_CASES(op)                                                                     \
	case BPF_ALU64 | op | BPF_K:                                                      \
		reg[i->dst] = alu64(op, i, reg[i->dst], (uint64_t)(int64_t)i->imm);       \
		break;                                                                    \
	case BPF_ALU64 | op | BPF_X:                                                      \
		reg[i->dst] = alu64(op, i, reg[i->dst], reg[i->src]);                     \
		break;                                                                    \
	case BPF_ALU | op | BPF_K:                                                        \
		reg[i->dst] = alu32(op, i, (uint32_t)reg[i->dst], (uint32_t)i->imm);      \
		break;                                                                    \
	case BPF_ALU | op | BPF_X:                                                        \
		reg[i->dst] = alu32(op, i, (uint32_t)reg[i->dst], (uint32_t)reg[i->src]); \
		break;

/* Conditional jump in its four forms; the target is pc + off + 1. */
#define JMP_CASES(op)                                                                     \
	case BPF_JMP | op | BPF_K:                                                        \
		if (jmp_taken(op, reg[i->dst], (uint64_t)(int64_t)i->imm, SIGN64))        \
			pc += (uint32_t)i->off;                                           \
		break;                                                                    \
	case BPF_JMP | op | BPF_X:                                                        \
		if (jmp_taken(op, reg[i->dst], reg[i->src], SIGN64))                      \
			pc += (uint32_t)i->off;                                           \
		break;                                                                    \
	case BPF_JMP32 | op | BPF_K:                                                      \
		if (jmp_taken(op, (uint32_t)reg[i->dst], (uint32_t)i->imm, SIGN32))       \
			pc += (uint32_t)i->off;                                           \
		break;                                                                    \
	case BPF_JMP32 | op | BPF_X:                                                      \
		if (jmp_taken(op, (uint32_t)reg[i->dst], (uint32_t)reg[i->src], SIGN32))  \
			pc += (uint32_t)i->off;                                           \
		break;

/* Loads and stores of one size. */
#define MEM_CASES(sz, bytes)                                                              \
	case BPF_LDX | BPF_MEM | sz: rc = op_load(vm, i, bytes, 0); break;                \
	case BPF_ST | BPF_MEM | sz: rc = op_store(vm, i, bytes, (uint64_t)(int64_t)i->imm); break; \
	case BPF_STX | BPF_MEM | sz: rc = op_store(vm, i, bytes, reg[i->src]); break;

/* The sizes that also have sign-extending loads and packet loads. */
#define NARROW_CASES(sz, bytes)                                                           \
	case BPF_LDX | BPF_MEMSX | sz: rc = op_load(vm, i, bytes, 1); break;              \
	case BPF_LD | BPF_ABS | sz: rc = op_ld_pkt(vm, i, bytes, 0); break;               \
	case BPF_LD | BPF_IND | sz: rc = op_ld_pkt(vm, i, bytes, 1); break;

static int run(struct vm *vm)
{
	uint64_t *reg = vm->reg;
	const struct bpf_insn *insns = vm->insns;
	uint32_t len = vm->prog->len, pc = 0;
	/* With no budget the count still runs down, from 2^64 - 1. */
	uint64_t budget = vm->args->max_steps ? vm->args->max_steps : UINT64_MAX;

	for (;;) {
		if (pc >= len)
			return bpf32_fail(vm->err, BPF32_EFAULT, (int32_t)pc,
					  "ran off the end of the program");
		if (budget-- == 0)
			return bpf32_fail(vm->err, BPF32_ELIMIT, (int32_t)pc,
					  "step budget of %" PRIu64 " instructions exhausted",
					  vm->args->max_steps);
		const struct bpf_insn *i = &insns[pc++];
		int rc = STEP_NEXT;

		switch (i->code) {
		ALU_CASES(BPF_ADD)
		ALU_CASES(BPF_SUB)
		ALU_CASES(BPF_MUL)
		ALU_CASES(BPF_DIV)
		ALU_CASES(BPF_OR)
		ALU_CASES(BPF_AND)
		ALU_CASES(BPF_LSH)
		ALU_CASES(BPF_RSH)
		ALU_CASES(BPF_MOD)
		ALU_CASES(BPF_XOR)
		ALU_CASES(BPF_MOV)
		ALU_CASES(BPF_ARSH)
		case BPF_ALU64 | BPF_NEG:
			reg[i->dst] = 0 - reg[i->dst];
			break;
		case BPF_ALU | BPF_NEG:
			reg[i->dst] = 0 - (uint32_t)reg[i->dst];
			break;
		case BPF_ALU | BPF_END | BPF_TO_LE:
			reg[i->dst] = to_order(reg[i->dst], i->imm, 0);
			break;
		case BPF_ALU | BPF_END | BPF_TO_BE:
			reg[i->dst] = to_order(reg[i->dst], i->imm, 1);
			break;
		case BPF_ALU64 | BPF_END:
			reg[i->dst] = bswap(reg[i->dst], i->imm);
			break;

		JMP_CASES(BPF_JEQ)
		JMP_CASES(BPF_JNE)
		JMP_CASES(BPF_JSET)
		JMP_CASES(BPF_JGT)
		JMP_CASES(BPF_JGE)
		JMP_CASES(BPF_JLT)
		JMP_CASES(BPF_JLE)
		JMP_CASES(BPF_JSGT)
		JMP_CASES(BPF_JSGE)
		JMP_CASES(BPF_JSLT)
		JMP_CASES(BPF_JSLE)
		case BPF_JMP | BPF_JA:
			pc += (uint32_t)i->off;
			break;
		case BPF_JMP32 | BPF_JA:
			pc += (uint32_t)i->imm;
			break;
		case BPF_JMP | BPF_CALL | BPF_K:
			rc = i->src == BPF_PSEUDO_CALL ? local_call(vm, i, pc)
						       : call_helper(vm, i, (uint32_t)i->imm);
			break;
		case BPF_JMP | BPF_CALL | BPF_X:
			rc = call_helper(vm, i, reg[i->dst]);
			break;
		case BPF_JMP | BPF_EXIT:
			rc = op_exit(vm);
			break;

		case BPF_LD | BPF_IMM | BPF_DW:
			reg[i->dst] = (uint32_t)i->imm | (uint64_t)(uint32_t)insns[pc].imm << 32;
			pc++;
			break;
		MEM_CASES(BPF_B, 1)
		MEM_CASES(BPF_H, 2)
		MEM_CASES(BPF_W, 4)
		MEM_CASES(BPF_DW, 8)
		NARROW_CASES(BPF_B, 1)
		NARROW_CASES(BPF_H, 2)
		NARROW_CASES(BPF_W, 4)
		case BPF_STX | BPF_ATOMIC | BPF_W:
			rc = op_atomic(vm, i, 4);
			break;
		case BPF_STX | BPF_ATOMIC | BPF_DW:
			rc = op_atomic(vm, i, 8);
			break;

		default:   /* only an unvalidated program gets here */
			return bpf32_fail(vm->err, BPF32_EINVAL, insn_index(vm, i),
					  "invalid opcode 0x%02x", i->code);
		}

		if (rc == STEP_NEXT)
			continue;
		if (rc < 0 || rc == STEP_EXIT)
			return rc < 0 ? rc : 0;
		insns = vm->insns;   /* STEP_RELOAD */
		len = vm->prog->len;
		pc = vm->pc;
	}
}

int bpf32_interp(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		 uint64_t *r0, struct bpf32_error *err)
{
	static const struct bpf32_run_args no_args;
	uint64_t stack[STACK_BYTES / sizeof(uint64_t)];
	struct vm vm;

	if (!prog)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no program");
	if (!args)
		args = &no_args;
	memset(stack, 0, sizeof stack);
	memset(&vm, 0, sizeof vm);
	set_prog(&vm, prog);
	vm.stack = (uintptr_t)stack;
	vm.args = args;
	vm.err = err;
	vm.ctx_pkt.data = args->ctx;
	vm.ctx_pkt.len = vm.ctx_pkt.headlen =
		args->ctx_len < UINT32_MAX ? (uint32_t)args->ctx_len : UINT32_MAX;
	vm.pkt = args->pkt ? args->pkt : &vm.ctx_pkt;
	vm.reg[1] = (uintptr_t)args->ctx;
	vm.reg[2] = args->ctx_len;
	vm.reg[BPF_REG_FP] = frame_top(&vm);

	int rc = run(&vm);
	if (rc == 0 && r0)
		*r0 = vm.reg[0];
	return rc;
}
