/*
 * MIPS32 encoders (src/jit/mips32_enc.h) against the GNU assembler.
 *
 * Every encoder is run over a sweep of operands (registers with each field
 * bit set, immediates at both ends of their range, branch offsets of
 * +-32 KiB words, ...). For each ISA revision, the lines of all encoders
 * valid there are written to one .s file, assembled (r1: mipsel as
 * -march=mips32; r2: mipsel and big-endian mips as -march=mips32r2; r6:
 * mipsisa32r6el as -march=mips32r6), and the words of .text are compared
 * with the encoders' words one by one.
 *
 * The ISA sets are checked too: each encoder's set must equal the one in the
 * table below, and on every revision outside it the assembler must either
 * reject the line or assemble it into something else (r6 `mul` is not r2
 * `mul`; r1 has no `rotr` and expands it into a shift sequence).
 *
 * Arguments: as/objcopy pairs for mipsel, mips (big endian), mipsisa32r6el,
 * then a scratch directory. A missing tool skips the test loudly (and fails
 * it when CI=true).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mips32_enc.h"
#include "testutil.h"

/* ---------------------------------------------------------------- operand sweeps */

enum kind { K_NONE, K_REG, K_SIMM16, K_UIMM16, K_SHAMT, K_SIMM9, K_BROFF,
	    K_BROFF26, K_JTARGET, K_CODE10, K_STYPE, K_POS, K_SIZE };

/* Values of each kind, ending with END. */
#define END (-99999999)
static const int kind_values[][12] = {
	[K_NONE] = { 0, END },
	[K_REG] = { 0, 1, 2, 4, 8, 16, 31, END },
	[K_SIMM16] = { -32768, -32767, -1, 0, 1, 0x1234, 32767, END },
	[K_UIMM16] = { 0, 1, 0x7fff, 0x8000, 0xa5a5, 0xffff, END },
	[K_SHAMT] = { 0, 1, 2, 4, 8, 16, 31, END },
	[K_SIMM9] = { -256, -255, -1, 0, 1, 0x55, 255, END },
	[K_BROFF] = { -32768, -1000, -1, 0, 1, 1000, 32767, END },
	[K_BROFF26] = { -(1 << 25), -40000, -1, 0, 1, 40000, (1 << 25) - 1, END },
	[K_JTARGET] = { 0, 4, 0x400, 0x1234568, 0x0ffffffc, END },
	[K_CODE10] = { 0, 1, 7, 0x155, 1023, END },
	[K_STYPE] = { 0, END },
	[K_POS] = { 0, 1, 5, 16, 31, END },
	[K_SIZE] = { 1, 2, 11, 16, 27, 31, 32, END },
};

/* Function types of the encoders, to call them through one table. */
enum ftype { FT_V, FT_U, FT_I, FT_W, FT_UU, FT_UI, FT_UW, FT_UUU, FT_UUI, FT_UIU, FT_UUUU };

typedef void (*any_fn)(void);

enum case_flags {
	F_DISTINCT = 1,   /* first two operands must differ (jalr rd, rs) */
	F_FIELD = 2,      /* operands 3 and 4 are pos and size: pos + size <= 32 */
};

struct enc_case {
	const char *fmt;      /* assembler line, printf'd with the operands as ints */
	enum ftype ft;
	any_fn fn;
	unsigned isa;         /* the revisions the encoding must be valid on */
	enum kind k[4];
	unsigned flags;
};

#define C(fmt, ft, fn, isa, k0, k1, k2, k3, fl) \
	{ fmt, ft, (any_fn)(fn), isa, { k0, k1, k2, k3 }, fl }
#define ALL MIPS_ISA_ALL
#define PRE MIPS_ISA_PRE_R6
#define R2U MIPS_ISA_R2_UP
#define R6 MIPS_R6
#define N K_NONE
#define R K_REG

static const struct enc_case cases[] = {
	C("addu $%d,$%d,$%d", FT_UUU, mips_addu, ALL, R, R, R, N, 0),
	C("subu $%d,$%d,$%d", FT_UUU, mips_subu, ALL, R, R, R, N, 0),
	C("and $%d,$%d,$%d", FT_UUU, mips_and, ALL, R, R, R, N, 0),
	C("or $%d,$%d,$%d", FT_UUU, mips_or, ALL, R, R, R, N, 0),
	C("xor $%d,$%d,$%d", FT_UUU, mips_xor, ALL, R, R, R, N, 0),
	C("nor $%d,$%d,$%d", FT_UUU, mips_nor, ALL, R, R, R, N, 0),
	C("slt $%d,$%d,$%d", FT_UUU, mips_slt, ALL, R, R, R, N, 0),
	C("sltu $%d,$%d,$%d", FT_UUU, mips_sltu, ALL, R, R, R, N, 0),
	C("move $%d,$%d", FT_UU, mips_move, ALL, R, R, N, N, 0),
	C("negu $%d,$%d", FT_UU, mips_negu, ALL, R, R, N, N, 0),
	C("addiu $%d,$%d,%d", FT_UUI, mips_addiu, ALL, R, R, K_SIMM16, N, 0),
	C("slti $%d,$%d,%d", FT_UUI, mips_slti, ALL, R, R, K_SIMM16, N, 0),
	C("sltiu $%d,$%d,%d", FT_UUI, mips_sltiu, ALL, R, R, K_SIMM16, N, 0),
	C("andi $%d,$%d,%d", FT_UUI, mips_andi, ALL, R, R, K_UIMM16, N, 0),
	C("ori $%d,$%d,%d", FT_UUI, mips_ori, ALL, R, R, K_UIMM16, N, 0),
	C("xori $%d,$%d,%d", FT_UUI, mips_xori, ALL, R, R, K_UIMM16, N, 0),
	C("lui $%d,%d", FT_UW, mips_lui, ALL, R, K_UIMM16, N, N, 0),
	C("nop", FT_V, mips_nop, ALL, N, N, N, N, 0),

	C("sll $%d,$%d,%d", FT_UUU, mips_sll, ALL, R, R, K_SHAMT, N, 0),
	C("srl $%d,$%d,%d", FT_UUU, mips_srl, ALL, R, R, K_SHAMT, N, 0),
	C("sra $%d,$%d,%d", FT_UUU, mips_sra, ALL, R, R, K_SHAMT, N, 0),
	C("rotr $%d,$%d,%d", FT_UUU, mips_rotr, R2U, R, R, K_SHAMT, N, 0),
	C("sllv $%d,$%d,$%d", FT_UUU, mips_sllv, ALL, R, R, R, N, 0),
	C("srlv $%d,$%d,$%d", FT_UUU, mips_srlv, ALL, R, R, R, N, 0),
	C("srav $%d,$%d,$%d", FT_UUU, mips_srav, ALL, R, R, R, N, 0),
	C("rotrv $%d,$%d,$%d", FT_UUU, mips_rotrv, R2U, R, R, R, N, 0),

	C("seb $%d,$%d", FT_UU, mips_seb, R2U, R, R, N, N, 0),
	C("seh $%d,$%d", FT_UU, mips_seh, R2U, R, R, N, N, 0),
	C("wsbh $%d,$%d", FT_UU, mips_wsbh, R2U, R, R, N, N, 0),
	C("ext $%d,$%d,%d,%d", FT_UUUU, mips_ext, R2U, R, R, K_POS, K_SIZE, F_FIELD),
	C("ins $%d,$%d,%d,%d", FT_UUUU, mips_ins, R2U, R, R, K_POS, K_SIZE, F_FIELD),

	C("movz $%d,$%d,$%d", FT_UUU, mips_movz, PRE, R, R, R, N, 0),
	C("movn $%d,$%d,$%d", FT_UUU, mips_movn, PRE, R, R, R, N, 0),
	C("seleqz $%d,$%d,$%d", FT_UUU, mips_seleqz, R6, R, R, R, N, 0),
	C("selnez $%d,$%d,$%d", FT_UUU, mips_selnez, R6, R, R, R, N, 0),

	C("mult $%d,$%d", FT_UU, mips_mult, PRE, R, R, N, N, 0),
	C("multu $%d,$%d", FT_UU, mips_multu, PRE, R, R, N, N, 0),
	/* the two-operand `div` is an assembler macro; $0 names the raw one */
	C("div $0,$%d,$%d", FT_UU, mips_div, PRE, R, R, N, N, 0),
	C("divu $0,$%d,$%d", FT_UU, mips_divu, PRE, R, R, N, N, 0),
	C("mfhi $%d", FT_U, mips_mfhi, PRE, R, N, N, N, 0),
	C("mflo $%d", FT_U, mips_mflo, PRE, R, N, N, N, 0),
	C("mul $%d,$%d,$%d", FT_UUU, mips_mul, PRE, R, R, R, N, 0),
	C("mul $%d,$%d,$%d", FT_UUU, mips_mul_r6, R6, R, R, R, N, 0),
	C("muh $%d,$%d,$%d", FT_UUU, mips_muh, R6, R, R, R, N, 0),
	C("mulu $%d,$%d,$%d", FT_UUU, mips_mulu, R6, R, R, R, N, 0),
	C("muhu $%d,$%d,$%d", FT_UUU, mips_muhu, R6, R, R, R, N, 0),
	C("div $%d,$%d,$%d", FT_UUU, mips_div_r6, R6, R, R, R, N, 0),
	C("mod $%d,$%d,$%d", FT_UUU, mips_mod, R6, R, R, R, N, 0),
	C("divu $%d,$%d,$%d", FT_UUU, mips_divu_r6, R6, R, R, R, N, 0),
	C("modu $%d,$%d,$%d", FT_UUU, mips_modu, R6, R, R, R, N, 0),

	C("lb $%d,%d($%d)", FT_UIU, mips_lb, ALL, R, K_SIMM16, R, N, 0),
	C("lbu $%d,%d($%d)", FT_UIU, mips_lbu, ALL, R, K_SIMM16, R, N, 0),
	C("lh $%d,%d($%d)", FT_UIU, mips_lh, ALL, R, K_SIMM16, R, N, 0),
	C("lhu $%d,%d($%d)", FT_UIU, mips_lhu, ALL, R, K_SIMM16, R, N, 0),
	C("lw $%d,%d($%d)", FT_UIU, mips_lw, ALL, R, K_SIMM16, R, N, 0),
	C("sb $%d,%d($%d)", FT_UIU, mips_sb, ALL, R, K_SIMM16, R, N, 0),
	C("sh $%d,%d($%d)", FT_UIU, mips_sh, ALL, R, K_SIMM16, R, N, 0),
	C("sw $%d,%d($%d)", FT_UIU, mips_sw, ALL, R, K_SIMM16, R, N, 0),
	C("lwl $%d,%d($%d)", FT_UIU, mips_lwl, PRE, R, K_SIMM16, R, N, 0),
	C("lwr $%d,%d($%d)", FT_UIU, mips_lwr, PRE, R, K_SIMM16, R, N, 0),
	C("swl $%d,%d($%d)", FT_UIU, mips_swl, PRE, R, K_SIMM16, R, N, 0),
	C("swr $%d,%d($%d)", FT_UIU, mips_swr, PRE, R, K_SIMM16, R, N, 0),
	C("ll $%d,%d($%d)", FT_UIU, mips_ll, PRE, R, K_SIMM16, R, N, 0),
	C("sc $%d,%d($%d)", FT_UIU, mips_sc, PRE, R, K_SIMM16, R, N, 0),
	C("ll $%d,%d($%d)", FT_UIU, mips_ll_r6, R6, R, K_SIMM9, R, N, 0),
	C("sc $%d,%d($%d)", FT_UIU, mips_sc_r6, R6, R, K_SIMM9, R, N, 0),
	C("sync %d", FT_U, mips_sync, ALL, K_STYPE, N, N, N, 0),

	/* "1:" labels the branch itself; the target is the delay slot + 4 * off */
	C("1: beq $%d,$%d,1b+4+4*(%d)", FT_UUI, mips_beq, ALL, R, R, K_BROFF, N, 0),
	C("1: bne $%d,$%d,1b+4+4*(%d)", FT_UUI, mips_bne, ALL, R, R, K_BROFF, N, 0),
	C("1: blez $%d,1b+4+4*(%d)", FT_UI, mips_blez, ALL, R, K_BROFF, N, N, 0),
	C("1: bgtz $%d,1b+4+4*(%d)", FT_UI, mips_bgtz, ALL, R, K_BROFF, N, N, 0),
	C("1: bltz $%d,1b+4+4*(%d)", FT_UI, mips_bltz, ALL, R, K_BROFF, N, N, 0),
	C("1: bgez $%d,1b+4+4*(%d)", FT_UI, mips_bgez, ALL, R, K_BROFF, N, N, 0),
	C("1: bal 1b+4+4*(%d)", FT_I, mips_bal, ALL, K_BROFF, N, N, N, 0),
	C("1: bc 1b+4+4*(%d)", FT_I, mips_bc, R6, K_BROFF26, N, N, N, 0),
	C("1: balc 1b+4+4*(%d)", FT_I, mips_balc, R6, K_BROFF26, N, N, N, 0),
	C("j %d", FT_W, mips_j, ALL, K_JTARGET, N, N, N, 0),
	C("jal %d", FT_W, mips_jal, ALL, K_JTARGET, N, N, N, 0),
	C("jalr $%d,$%d", FT_UU, mips_jalr, ALL, R, R, N, N, F_DISTINCT),
	C("jr $%d", FT_U, mips_jr, PRE, R, N, N, N, 0),

	C("break %d", FT_U, mips_break, ALL, K_CODE10, N, N, N, 0),
	C("teq $%d,$%d,%d", FT_UUU, mips_teq, ALL, R, R, K_CODE10, N, 0),
};
#define NCASES (sizeof cases / sizeof cases[0])

static struct mips_insn encode(const struct enc_case *c, const int *a)
{
	unsigned u0 = (unsigned)a[0], u1 = (unsigned)a[1], u2 = (unsigned)a[2];
	switch (c->ft) {
	case FT_V: return ((struct mips_insn (*)(void))c->fn)();
	case FT_U: return ((struct mips_insn (*)(unsigned))c->fn)(u0);
	case FT_I: return ((struct mips_insn (*)(int32_t))c->fn)(a[0]);
	case FT_W: return ((struct mips_insn (*)(uint32_t))c->fn)(u0);
	case FT_UU: return ((struct mips_insn (*)(unsigned, unsigned))c->fn)(u0, u1);
	case FT_UI: return ((struct mips_insn (*)(unsigned, int32_t))c->fn)(u0, a[1]);
	case FT_UW: return ((struct mips_insn (*)(unsigned, uint32_t))c->fn)(u0, u1);
	case FT_UUU:
		return ((struct mips_insn (*)(unsigned, unsigned, unsigned))c->fn)(u0, u1, u2);
	case FT_UUI:
		return ((struct mips_insn (*)(unsigned, unsigned, int32_t))c->fn)(u0, u1, a[2]);
	case FT_UIU:
		return ((struct mips_insn (*)(unsigned, int32_t, unsigned))c->fn)(u0, a[1], u2);
	case FT_UUUU:
		return ((struct mips_insn (*)(unsigned, unsigned, unsigned, unsigned))c->fn)(
			u0, u1, u2, (unsigned)a[3]);
	}
	abort();
}

/* Every operand combination of a case, with its line and word. */
struct sample {
	const struct enc_case *c;
	char text[96];
	struct mips_insn ins;
};

struct samples {
	struct sample *v;
	size_t n, cap;
};

static int sample_ok(const struct enc_case *c, const int *a)
{
	if ((c->flags & F_DISTINCT) && a[0] == a[1])
		return 0;
	if ((c->flags & F_FIELD) && a[2] + a[3] > 32)
		return 0;
	return 1;
}

static void add_sample(struct samples *s, const struct enc_case *c, const int *a)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v)
			abort();
	}
	struct sample *x = &s->v[s->n++];
	x->c = c;
	snprintf(x->text, sizeof x->text, c->fmt, a[0], a[1], a[2], a[3]);
	x->ins = encode(c, a);
}

/* All combinations of the case's operand kinds (first value only when `first`). */
static void sweep(struct samples *s, const struct enc_case *c, int first)
{
	int idx[4] = { 0 }, a[4];
	for (;;) {
		for (int i = 0; i < 4; i++)
			a[i] = kind_values[c->k[i]][idx[i]];
		if (sample_ok(c, a)) {
			add_sample(s, c, a);
			if (first)
				return;
		}
		int i = 3;
		while (i >= 0 && kind_values[c->k[i]][++idx[i]] == END)
			idx[i--] = 0;
		if (i < 0)
			return;
	}
}

/* ---------------------------------------------------------------- the assembler */

struct target {
	const char *name;
	unsigned isa;       /* one enum mips_isa bit */
	const char *as, *objcopy, *march;
	const char *asflags;   /* e.g. no workaround that inserts extra words */
	int big;
};

static const char *scratch;

/* Debian's mipsel gas puts a sync before every ll (a Loongson 3 erratum) unless told not to. */
#define NO_LLSC_FIX "-mno-fix-loongson3-llsc"

/*
 * Assemble `n` lines; on success return the words of .text (*nwords of them,
 * malloc'd), NULL if the assembler rejected the input.
 */
static uint32_t *assemble(const struct target *t, const struct sample *v, size_t n,
			  size_t *nwords)
{
	char src[512], obj[512], bin[512], cmd[4096];
	snprintf(src, sizeof src, "%s/%s.s", scratch, t->name);
	snprintf(obj, sizeof obj, "%s/%s.o", scratch, t->name);
	snprintf(bin, sizeof bin, "%s/%s.bin", scratch, t->name);
	FILE *f = fopen(src, "w");
	if (!f)
		return NULL;
	fprintf(f, "\t.set noreorder\n\t.set noat\n\t.text\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\t%s\n", v[i].text);
	fclose(f);
	int len = snprintf(cmd, sizeof cmd,
			   "%s -march=%s %s -o %s %s 2>/dev/null && %s -O binary -j .text %s %s",
			   t->as, t->march, t->asflags, obj, src, t->objcopy, obj, bin);
	if (len < 0 || (size_t)len >= sizeof cmd || system(cmd) != 0)
		return NULL;
	size_t size;
	uint8_t *b = tu_read_file(bin, &size);
	if (!b)
		return NULL;
	uint32_t *w = malloc(size + 4);
	for (size_t i = 0; i + 4 <= size; i += 4)
		w[i / 4] = t->big ? (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
					    (uint32_t)b[i + 2] << 8 | b[i + 3]
				  : (uint32_t)b[i + 3] << 24 | (uint32_t)b[i + 2] << 16 |
					    (uint32_t)b[i + 1] << 8 | b[i];
	*nwords = size / 4;
	free(b);
	return w;
}

/* All samples valid on the target's revision, in one file. */
static void check_target(const struct target *t, const struct samples *all)
{
	struct sample *v = malloc(all->n * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < all->n; i++)
		if (all->v[i].c->isa & t->isa)
			v[n++] = all->v[i];
	size_t nw = 0;
	uint32_t *w = assemble(t, v, n, &nw);
	TU_CHECK(w != NULL, "%s: the assembler rejected the file (see %s/%s.s)", t->name,
		 scratch, t->name);
	if (w) {
		/* the section is padded with nops to a 16-byte multiple */
		int padded = nw >= n && nw - n < 4;
		for (size_t i = n; padded && i < nw; i++)
			padded = w[i] == mips_nop().word;
		TU_CHECK(padded, "%s: %zu lines gave %zu words", t->name, n, nw);
		size_t bad = 0;
		for (size_t i = 0; i < n && i < nw; i++) {
			if (w[i] == v[i].ins.word)
				continue;
			if (bad++ < 20)
				TU_CHECK(0, "%s: `%s`: as 0x%08x, encoder 0x%08x", t->name,
					 v[i].text, w[i], v[i].ins.word);
		}
		TU_CHECK(bad == 0, "%s: %zu words differ", t->name, bad);
		printf("%s: %zu instructions, %zu match the assembler\n", t->name, n, n - bad);
	}
	free(w);
	free(v);
}

/* On a revision outside the case's set, its word must not assemble from its line. */
static void check_absent(const struct target *t, const struct enc_case *c)
{
	struct samples one = { 0 };
	sweep(&one, c, 1);
	size_t nw = 0;
	uint32_t *w = assemble(t, one.v, 1, &nw);
	TU_CHECK(!w || nw != 1 || w[0] != one.v[0].ins.word,
		 "%s: `%s` assembles to the encoder's word 0x%08x but is not marked valid there",
		 t->name, one.v[0].text, one.v[0].ins.word);
	free(w);
	free(one.v);
}

static int tool_ok(const char *path)
{
	return path && *path && access(path, X_OK) == 0;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: %s EL-AS EL-OBJCOPY BE-AS BE-OBJCOPY R6-AS R6-OBJCOPY DIR\n",
			argv[0]);
		return 2;
	}
	const struct target targets[] = {
		{ "r1el", MIPS_R1, argv[1], argv[2], "mips32", NO_LLSC_FIX, 0 },
		{ "r2el", MIPS_R2, argv[1], argv[2], "mips32r2", NO_LLSC_FIX, 0 },
		{ "r2be", MIPS_R2, argv[3], argv[4], "mips32r2", NO_LLSC_FIX, 1 },
		{ "r6el", MIPS_R6, argv[5], argv[6], "mips32r6", "", 0 },
	};
	for (int i = 1; i <= 6; i++) {
		if (!tool_ok(argv[i])) {
			fprintf(stderr, "\n*** test_mips32_enc: %s not found: SKIPPED "
					"(scripts/setup.sh installs the cross binutils) ***\n\n",
				*argv[i] ? argv[i] : "a MIPS cross assembler");
			const char *ci = getenv("CI");
			return ci && strcmp(ci, "true") == 0 ? 1 : 0;
		}
	}
	scratch = argv[7];
	mkdir(scratch, 0755);   /* may exist from an earlier run */

	/* The table's ISA sets and the encoders' must agree. */
	struct samples all = { 0 };
	for (size_t i = 0; i < NCASES; i++) {
		size_t from = all.n;
		sweep(&all, &cases[i], 0);
		for (size_t j = from; j < all.n; j++)
			TU_CHECK(all.v[j].ins.isa == cases[i].isa, "`%s`: isa 0x%x, expected 0x%x",
				 all.v[j].text, all.v[j].ins.isa, cases[i].isa);
	}

	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++)
		check_target(&targets[t], &all);

	/* Big endian adds nothing to the negative checks: r1, r2 and r6 little endian. */
	const struct target *rev[] = { &targets[0], &targets[1], &targets[3] };
	size_t absent = 0;
	for (size_t i = 0; i < NCASES; i++)
		for (size_t r = 0; r < 3; r++)
			if (!(cases[i].isa & rev[r]->isa)) {
				check_absent(rev[r], &cases[i]);
				absent++;
			}
	printf("%zu encoders, %zu samples, %zu checks that a form is absent from a revision\n",
	       NCASES, all.n, absent);

	free(all.v);
	if (tu_failures)
		fprintf(stderr, "%d checks failed\n", tu_failures);
	return tu_failures ? 1 : 0;
}
