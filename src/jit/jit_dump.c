/*
 * Image listings for `bpf32 jit --dump`: the entry code, then each eBPF
 * instruction (as the program has it, before blinding) followed by the
 * machine code made from it, then the shared exits and stubs. Machine code
 * is disassembled with capstone where the build has it, else shown as words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BPF32_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

#include "jit.h"
#include "text.h"

struct text {
	char *buf;
	size_t len, cap;
	int oom;
};

__attribute__((format(printf, 2, 3)))
static void say(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->oom)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->oom = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

struct disasm {
	int big_endian;
#ifdef BPF32_HAVE_CAPSTONE
	csh cs;
	int have_cs;
#endif
};

static void disasm_open(struct disasm *d, const struct jit_backend *be)
{
	d->big_endian = be->big_endian;
#ifdef BPF32_HAVE_CAPSTONE
	static const struct {
		enum bpf32_arch arch;
		cs_arch cs;
		int mode;
	} modes[] = {
		{ BPF32_ARCH_ARM32, CS_ARCH_ARM, CS_MODE_ARM },
		{ BPF32_ARCH_MIPS32EL, CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_LITTLE_ENDIAN },
		{ BPF32_ARCH_MIPS32BE, CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_BIG_ENDIAN },
	};
	d->have_cs = 0;
	for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++)
		if (modes[k].arch == be->arch)
			d->have_cs = cs_open(modes[k].cs, (cs_mode)modes[k].mode, &d->cs) == CS_ERR_OK;
#endif
}

static void disasm_close(struct disasm *d)
{
#ifdef BPF32_HAVE_CAPSTONE
	if (d->have_cs)
		cs_close(&d->cs);
#else
	(void)d;
#endif
}

/* Machine code words [from, to) (byte offsets). */
static void dump_code(struct text *t, struct disasm *d, const uint8_t *code, uint32_t from,
		      uint32_t to)
{
	for (uint32_t a = from; a < to; a += 4) {
		const uint8_t *p = code + a;
		uint32_t w = d->big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
						     (uint32_t)p[2] << 8 | p[3]
					   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
						     (uint32_t)p[1] << 8 | p[0];
		say(t, "    %6x:  %08x", a, w);
#ifdef BPF32_HAVE_CAPSTONE
		cs_insn *ins;
		if (d->have_cs && cs_disasm(d->cs, p, 4, a, 1, &ins) == 1) {
			say(t, "  %s %s", ins->mnemonic, ins->op_str);
			cs_free(ins, 1);
		}
#endif
		say(t, "\n");
	}
}

/* One eBPF instruction (one or two slots) as text. */
static void dump_insn(struct text *t, const struct bpf32_prog *prog, uint32_t s)
{
	char line[BPF32_DISASM_LINE_MAX];
	if (bpf32_disasm_insn(prog->insns, prog->len, s, line, sizeof line) < 0)
		snprintf(line, sizeof line, "(opcode 0x%02x)", prog->insns[s].code);
	say(t, "%6u: %s\n", s, line);
}

int bpf32_jit_dump(const struct bpf32_prog *prog, enum bpf32_arch arch,
		   const struct bpf32_jit_opts *opts, char **out, struct bpf32_error *err)
{
	struct jit_ctx c;
	int rc = jit_compile_cross(&c, prog, arch, opts, err);
	if (rc)
		return rc;
	uint32_t *slot_off = malloc((prog->len + 1) * sizeof *slot_off);
	if (!slot_off) {
		jit_cross_free(&c);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	jit_slot_offsets(&c, slot_off);
	const uint8_t *code = c.buf;
	uint32_t size = 4 * c.pos;

	struct text t = { 0 };
	struct disasm d;
	char regs[512] = "";
	disasm_open(&d, c.be);
	if (c.be->describe)
		c.be->describe(&c, regs, sizeof regs);
	say(&t, "; %s: %u bytes of code for %u eBPF slots (%.2f instructions per slot)\n",
	    c.be->name, size, prog->len, (double)c.pos / prog->len);
	say(&t, "; registers: %s\n", regs);
	say(&t, "; entry\n");
	dump_code(&t, &d, code, 0, slot_off[0]);
	for (uint32_t s = 0; s < prog->len; s++) {
		if (s > 0 && bpf_is_lddw(&prog->insns[s - 1]))
			continue;
		dump_insn(&t, prog, s);
		uint32_t next = s + 1 + (uint32_t)bpf_is_lddw(&prog->insns[s]);
		dump_code(&t, &d, code, slot_off[s], slot_off[next]);
	}
	say(&t, "; exits, stubs and the tail-call entry\n");
	dump_code(&t, &d, code, slot_off[prog->len], size);
	disasm_close(&d);
	free(slot_off);
	jit_cross_free(&c);
	if (t.oom) {
		free(t.buf);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	*out = t.buf;
	return 0;
}
