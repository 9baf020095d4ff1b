/*
 * Disassembler: slots back to the text syntax of text.h.
 *
 * For each slot the mnemonic table (asm.c) is searched for the first entry
 * that reproduces it exactly: take the entry's base instruction, copy in the
 * fields its operands name, and compare with the slot. Any field the text
 * would not show (a non-zero reserved field, a register above %r10, a broken
 * LDDW pair) makes the entry fail, so the search ends at the `.invalid`
 * entry, which shows the raw slot. Either way the line assembles back to the
 * same slots.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "text.h"

/* Bounded text sink: `len` counts what would have been written. */
struct sink {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct sink *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int w = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->len += (size_t)w;
}

/* Small values in decimal, others as a hex bit pattern (both re-assemble). */
static void put_imm32(struct sink *o, int32_t v)
{
	if (v > -65536 && v < 65536)
		put(o, "%" PRId32, v);
	else
		put(o, "0x%" PRIx32, (uint32_t)v);
}

static void put_imm64(struct sink *o, uint64_t v)
{
	int64_t s = (int64_t)v;
	if (s > -65536 && s < 65536)
		put(o, "%" PRId64, s);
	else
		put(o, "0x%" PRIx64, v);
}

static void put_mem(struct sink *o, uint8_t reg, int16_t off)
{
	if (off)
		put(o, "[%%r%u%+d]", reg, off);
	else
		put(o, "[%%r%u]", reg);
}

static int reg_ok(uint8_t r)
{
	return r < BPF_REG_COUNT;
}

/*
 * Copy the fields operand `kind` shows from the slots `in` into `ins`.
 * 0 when the text can show them (registers within %r0..%r10).
 */
static int take_operand(uint8_t kind, const struct bpf_insn *in, struct bpf_insn ins[2])
{
	switch (kind) {
	case OPD_DST:
		ins[0].dst = in[0].dst;
		return reg_ok(in[0].dst) ? 0 : -1;
	case OPD_SRC:
		ins[0].src = in[0].src;
		return reg_ok(in[0].src) ? 0 : -1;
	case OPD_SRC_OR_IMM:
	case OPD_DST_OR_IMM:
		if (!(in[0].code & BPF_X)) {
			ins[0].imm = in[0].imm;
			return 0;
		}
		ins[0].code |= BPF_X;
		return take_operand(kind == OPD_SRC_OR_IMM ? OPD_SRC : OPD_DST, in, ins);
	case OPD_IMM:
	case OPD_JUMP_IMM:
		ins[0].imm = in[0].imm;
		return 0;
	case OPD_IMM64:
		ins[0].imm = in[0].imm;
		ins[1].imm = in[1].imm;
		return 0;
	case OPD_MEM_SRC:
		ins[0].off = in[0].off;
		return take_operand(OPD_SRC, in, ins);
	case OPD_MEM_DST:
		ins[0].off = in[0].off;
		return take_operand(OPD_DST, in, ins);
	case OPD_JUMP_OFF:
		ins[0].off = in[0].off;
		return 0;
	case OPD_SLOT:
		ins[0] = in[0];
		return 0;
	}
	return -1;
}

static void put_operand(struct sink *o, uint8_t kind, const struct bpf_insn *in)
{
	uint8_t b[8];
	switch (kind) {
	case OPD_DST:
		put(o, "%%r%u", in[0].dst);
		break;
	case OPD_SRC:
		put(o, "%%r%u", in[0].src);
		break;
	case OPD_SRC_OR_IMM:
	case OPD_DST_OR_IMM:
		if (!(in[0].code & BPF_X))
			put_imm32(o, in[0].imm);
		else
			put_operand(o, kind == OPD_SRC_OR_IMM ? OPD_SRC : OPD_DST, in);
		break;
	case OPD_IMM:
		put_imm32(o, in[0].imm);
		break;
	case OPD_IMM64:
		put_imm64(o, (uint64_t)(uint32_t)in[1].imm << 32 | (uint32_t)in[0].imm);
		break;
	case OPD_MEM_SRC:
		put_mem(o, in[0].src, in[0].off);
		break;
	case OPD_MEM_DST:
		put_mem(o, in[0].dst, in[0].off);
		break;
	case OPD_JUMP_OFF:
		put(o, "%+d", in[0].off);
		break;
	case OPD_JUMP_IMM:
		put(o, "%+" PRId32, in[0].imm);
		break;
	case OPD_SLOT:
		bpf_encode(&in[0], b, 0);
		put(o, "0x%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		    b[6], b[7]);
		break;
	}
}

static int same_insn(const struct bpf_insn *a, const struct bpf_insn *b)
{
	return a->code == b->code && a->dst == b->dst && a->src == b->src && a->off == b->off &&
	       a->imm == b->imm;
}

/* 1 when mnemonic `m` with operands taken from `in` (`avail` slots) is `in`. */
static int reproduces(const struct bpf_mnemonic *m, const struct bpf_insn *in, uint32_t avail)
{
	unsigned slots = bpf_mnemonic_slots(m);
	if (slots > avail)
		return 0;
	struct bpf_insn ins[2];
	bpf_mnemonic_base(m, ins);
	for (unsigned k = 0; k < BPF_MNEMONIC_OPERANDS && m->operands[k] != OPD_NONE; k++)
		if (take_operand(m->operands[k], in, ins))
			return 0;
	for (unsigned k = 0; k < slots; k++)
		if (!same_insn(&ins[k], &in[k]))
			return 0;
	return 1;
}

/* Print the instruction at insns[pc] (pc < n); returns the slots it used. */
static unsigned format_insn(const struct bpf_insn *insns, uint32_t n, uint32_t pc,
			    struct sink *o)
{
	const struct bpf_insn *in = &insns[pc];
	/*
	 * The last entry (.invalid) reproduces anything. Operands change the
	 * code by the BPF_X bit at most, which filters out the other entries
	 * cheaply.
	 */
	const struct bpf_mnemonic *m = &bpf_mnemonics[bpf_mnemonic_count - 1];
	for (size_t i = 0; i + 1 < bpf_mnemonic_count; i++) {
		const struct bpf_mnemonic *c = &bpf_mnemonics[i];
		if ((in->code == c->code || in->code == (c->code | BPF_X)) &&
		    reproduces(c, in, n - pc)) {
			m = c;
			break;
		}
	}
	put(o, "%s", m->name);
	for (unsigned k = 0; k < BPF_MNEMONIC_OPERANDS && m->operands[k] != OPD_NONE; k++) {
		put(o, k ? ", " : " ");
		put_operand(o, m->operands[k], in);
	}
	return bpf_mnemonic_slots(m);
}

int bpf32_disasm_insn(const struct bpf_insn *insns, uint32_t n, uint32_t pc, char *buf,
		      size_t size)
{
	if (!insns || pc >= n || !buf || size == 0)
		return -1;
	struct sink o = { buf, size, 0 };
	unsigned slots = format_insn(insns, n, pc, &o);
	return o.len < size ? (int)slots : -1;
}

int bpf32_disasm(const void *bytes, size_t len, enum bpf32_byte_order order, char **out,
		 struct bpf32_error *err)
{
	if ((!bytes && len) || !out)
		return bpf32_fail(err, BPF32_EINVAL, -1, "bpf32_disasm: NULL argument");
	if (len % 8)
		return bpf32_fail(err, BPF32_EINVAL, -1, "length %zu is not a multiple of 8", len);
	if (len / 8 > BPF32_MAX_INSNS)
		return bpf32_fail(err, BPF32_E2BIG, -1, "program longer than %u slots",
				  (unsigned)BPF32_MAX_INSNS);
	int big = order == BPF32_ORDER_BIG ||
		  (order == BPF32_ORDER_NATIVE && bpf_host_big_endian());
	uint32_t n = (uint32_t)(len / 8);
	struct bpf_insn *insns = malloc(n ? n * sizeof *insns : 1);
	if (!insns)
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		insns[i] = bpf_decode((const uint8_t *)bytes + (size_t)i * 8, big);

	/* Measure with an empty sink, then print into a buffer of that size. */
	struct sink o = { NULL, 0, 0 };
	char *text = NULL;
	for (int pass = 0; pass < 2; pass++) {
		o.len = 0;
		for (uint32_t pc = 0; pc < n;) {
			pc += format_insn(insns, n, pc, &o);
			put(&o, "\n");
		}
		if (pass == 0) {
			text = malloc(o.len + 1);
			if (!text) {
				free(insns);
				return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
			}
			o = (struct sink){ text, o.len + 1, 0 };
		}
	}
	text[o.len] = 0;   /* for an empty program; vsnprintf ended the others */
	free(insns);
	*out = text;
	return 0;
}
