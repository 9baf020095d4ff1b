/*
 * Calling a helper: an ordinary C function with its real prototype, given
 * R1..R5 and a description of which arguments are 64-bit.
 *
 * We cannot build a call of arbitrary type in portable C, so we call every
 * helper through one fixed prototype made of machine words, laid out so that
 * each real argument lands exactly where the helper's C ABI looks for it:
 *
 * 64-bit host (x86-64 SysV, and any LP64 ABI passing integers in 64-bit
 * slots): every argument, 32-bit, 64-bit or pointer, occupies one 64-bit
 * register, so R1..R5 go straight into five uint64_t parameters. A callee
 * taking a 32-bit integer reads the low half of its register.
 *
 * 32-bit host (ARM AAPCS, MIPS O32): the arguments form a sequence of 32-bit
 * words, as if stored in memory one after the other:
 *   - a 32-bit integer or pointer takes one word;
 *   - a 64-bit integer first skips to an even word index, then takes two
 *     words holding the uint64_t in its memory order (low word first on
 *     little endian, high word first on big endian).
 * Both ABIs pass words 0-3 in registers (r0-r3 / a0-a3), a 64-bit value in an
 * even/odd pair, and words 4 and up on the stack at sp + 4 * (index - 4)
 * (AAPCS, whose 8-byte stack alignment of 64-bit values is the even index)
 * or at sp + 4 * index (O32, which reserves 16 bytes for words 0-3). Calling
 * the helper as a function of ten uint32_t parameters puts word i in exactly
 * that place, and a padding word fills the register or slot the ABI skips.
 * AAPCS never back-fills a skipped core register, so the padding can never
 * be mistaken for a later argument. Five 64-bit arguments need ten words, the
 * most any prototype can use.
 *
 * The result is read through a pointer whose return type matches the
 * helper's (a 32-bit result is in r0 / v0 even on big endian, where a
 * uint64_t return would read it as the high word).
 *
 * The JITs emit the same layout.
 */
#include <string.h>

#include "prog.h"

#if UINTPTR_MAX > 0xffffffffu
typedef uint64_t word;
#define NWORDS 5
#define WORD_PARAMS word, word, word, word, word
#define WORD_ARGS(w) w[0], w[1], w[2], w[3], w[4]
#else
typedef uint32_t word;
#define NWORDS 10
#define WORD_PARAMS word, word, word, word, word, word, word, word, word, word
#define WORD_ARGS(w) w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]
#endif

typedef uint64_t (*fn_u64)(WORD_PARAMS);
typedef uint32_t (*fn_u32)(WORD_PARAMS);
typedef uintptr_t (*fn_ptr)(WORD_PARAMS);
typedef void (*fn_void)(WORD_PARAMS);

/* Lay R1..R(nargs) out as the argument words of the host ABI (see above). */
static void layout_args(const struct bpf32_helper_proto *proto, const uint64_t args[5],
			word w[NWORDS])
{
	memset(w, 0, NWORDS * sizeof w[0]);
#if UINTPTR_MAX > 0xffffffffu
	for (unsigned i = 0; i < proto->nargs && i < 5; i++)
		w[i] = args[i];
#else
	unsigned n = 0;
	for (unsigned i = 0; i < proto->nargs && i < 5; i++) {
		if (proto->arg64 & (1u << i)) {
			n = (n + 1) & ~1u;
			memcpy(&w[n], &args[i], sizeof args[i]);
			n += 2;
		} else {
			w[n++] = (uint32_t)args[i];
		}
	}
#endif
}

uint64_t bpf32_call_helper(const struct bpf32_helper *h, const uint64_t args[5])
{
	word w[NWORDS];
	layout_args(&h->proto, args, w);
	switch (h->proto.ret) {
	case BPF32_RET_U64:
		return ((fn_u64)h->fn)(WORD_ARGS(w));
	case BPF32_RET_U32:
		return ((fn_u32)h->fn)(WORD_ARGS(w));
	case BPF32_RET_PTR:
		return ((fn_ptr)h->fn)(WORD_ARGS(w));
	default:
		((fn_void)h->fn)(WORD_ARGS(w));
		return 0;
	}
}
