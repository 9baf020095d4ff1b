/*
 * Runner for Linux's test_bpf vectors (../shared/test_bpf; its README is the
 * contract this file follows).
 *
 * The vectors arrive on stdin (or from FILE) as JSON lines, already
 * decompressed: target builds have no zlib, so ctest pipes `gzip -dc` into
 * this program (tests/run_piped.sh). Lines are read and parsed one at a time
 * and every record is run at once under each configuration named on the
 * command line, so memory stays flat and the 285 MB file is parsed once.
 *
 *     test_bpf_runner [--order little|big] [--config NAME[:handwritten[+GROUP]...]]...
 *                     [--only-handwritten] [--match SUBSTR] [--stats]
 *                     [--expect-records N] [-v] [FILE]
 *
 * A configuration is the interpreter or a JIT with its options (struct
 * tu_config, named as in tests/testutil.h); ":handwritten" restricts one
 * configuration to the records written out in the kernel's table (no
 * generator), which keeps the slow ones short, and "+GROUP" adds back the
 * generated records of a group of operations (gen_groups below: "divmod",
 * "imm"), those that configuration changes. --only-handwritten and --match
 * restrict every configuration. --stats adds, per JIT configuration, the
 * size of the code: machine instructions per eBPF slot over all programs
 * JITed, and the most any one slot took.
 *
 * What runs:
 *   - suite "test_bpf", kind "internal" (eBPF): loaded relaxed (the kernel
 *     never verifies them), each subtest run once with the context the README
 *     describes, the low 32 bits of R0 compared with `result`;
 *   - kind "classic": loaded with bpf32_load_cbpf() and run as socket
 *     filters over the same packets; the FLAG_EXPECTED_FAIL ones must be
 *     refused at load time;
 *   - suite "test_tail_calls": kept until the end of the input, then all
 *     programs go into one program array and each record runs `runs` times;
 *   - suite "test_skb_segment": not BPF programs, counted and reported.
 *
 * Output: a FAIL line per failing test (index, name, expected and got), then
 * one summary line per suite and configuration:
 *     test_bpf[interp]: 927 passed, 0 failed
 *     test_bpf[jit]: 927 passed, 0 failed [927/927 JIT'ed]
 * Exit status 1 if anything failed or a record could not be read.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf32.h"
#include "json.h"
#include "testutil.h"

/* ---------------------------------------------------------------- records */

enum suite { SUITE_TEST_BPF, SUITE_TAIL_CALLS, SUITE_SKB_SEGMENT, SUITE_COUNT };
static const char *const suite_names[SUITE_COUNT] = {
	"test_bpf", "test_tail_calls", "test_skb_segment",
};

enum kind { KIND_CLASSIC, KIND_INTERNAL, KIND_SKB_SEGMENT, KIND_COUNT };
static const char *const kind_names[KIND_COUNT] = { "classic", "internal", "skb_segment" };

enum ctx_kind { CTX_NULL, CTX_MEM, CTX_SKB, CTX_STATE, CTX_COUNT };
static const char *const ctx_names[CTX_COUNT] = { "null", "mem", "skb", "state" };

/* Bits 0-4 are the kernel's aux flag bits; the tail-call flags follow. */
enum {
	FLAG_NO_DATA = 1u << 0,
	FLAG_EXPECTED_FAIL = 1u << 1,
	FLAG_SKB_FRAG = 1u << 2,
	FLAG_VERIFIER_ZEXT = 1u << 3,
	FLAG_LARGE_MEM = 1u << 4,
	FLAG_NEED_STATE = 1u << 5,
	FLAG_RESULT_IN_STATE = 1u << 6,
	AUX_FLAG_MASK = 0x1f,
};
static const char *const flag_names[] = {
	"FLAG_NO_DATA", "FLAG_EXPECTED_FAIL", "FLAG_SKB_FRAG", "FLAG_VERIFIER_ZEXT",
	"FLAG_LARGE_MEM", "FLAG_NEED_STATE", "FLAG_RESULT_IN_STATE",
};
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* aux bits telling the program kind. */
enum { AUX_CLASSIC = 1u << 6, AUX_INTERNAL = 1u << 7 };

#define PKT_SIZE 128      /* the kernel's packet and fragment templates */
#define MAX_SUBTESTS 3    /* room in the kernel's table */
#define NAME_MAX_LEN 255
#define MAX_TAIL_RECORDS 64

enum insn_format { FMT_NONE, FMT_EBPF, FMT_CLASSIC };

/*
 * A program as read: 8 bytes per slot, raw eBPF bytes in the file's byte
 * order or a struct bpf32_sock_filter.
 */
struct insns {
	uint8_t *bytes;
	size_t len, cap;
	uint32_t count;
	int format;          /* enum insn_format */
};

struct subtest {
	uint32_t data_size;
	uint32_t result;
	int has_packet;
	size_t packet_len;
	uint8_t packet[PKT_SIZE];
};

struct record {
	int suite, kind, ctx;       /* enums above */
	uint32_t index;
	char name[NAME_MAX_LEN + 1];
	uint32_t flags;
	uint32_t aux;
	int generated;              /* built by a generator function */
	char generator[64];         /* its name ("bpf_fill_alu32_div_imm") */
	uint32_t runs;
	uint8_t data[PKT_SIZE];     /* zero padded */
	uint8_t frag[PKT_SIZE];
	int has_frag;
	struct subtest sub[MAX_SUBTESTS];
	int nsub;
	uint32_t insn_count;
	struct insns insns;         /* "insns" */
	struct insns portable;      /* "insns_portable" (tail calls) */
	uint32_t result;            /* tail calls */
	uint32_t max_tail_call_cnt;
	uint32_t prog_array_entries;
	uint32_t seen;              /* bit per entry of record_fields */
};

/* The program to run: the portable form for tail calls. */
static const struct insns *record_program(const struct record *r)
{
	return r->suite == SUITE_TAIL_CALLS ? &r->portable : &r->insns;
}

/* ---------------------------------------------------------------- parsing */

/* Read a string naming one of `names`; *out gets its position. */
static int parse_name(struct json *j, const char *const *names, int n, int *out,
		      const char *what)
{
	const char *s;
	if (json_string(j, &s, NULL) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return json_fail(j, what);
}

static int parse_u32(struct json *j, uint32_t max, uint32_t *out)
{
	int64_t v;
	if (json_int(j, 0, max, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_suite(struct json *j, struct record *r)
{
	return parse_name(j, suite_names, SUITE_COUNT, &r->suite, "unknown suite");
}

static int parse_kind(struct json *j, struct record *r)
{
	return parse_name(j, kind_names, KIND_COUNT, &r->kind, "unknown kind");
}

static int parse_ctx(struct json *j, struct record *r)
{
	return parse_name(j, ctx_names, CTX_COUNT, &r->ctx, "unknown ctx");
}

static int parse_index(struct json *j, struct record *r)
{
	return parse_u32(j, INT32_MAX, &r->index);
}

static int parse_aux(struct json *j, struct record *r)
{
	return parse_u32(j, 0xff, &r->aux);
}

static int parse_runs(struct json *j, struct record *r)
{
	return parse_u32(j, 1000000, &r->runs);
}

static int parse_insn_count(struct json *j, struct record *r)
{
	return parse_u32(j, BPF32_MAX_INSNS, &r->insn_count);
}

static int parse_result(struct json *j, struct record *r)
{
	return parse_u32(j, UINT32_MAX, &r->result);
}

static int parse_max_tail_call_cnt(struct json *j, struct record *r)
{
	return parse_u32(j, UINT32_MAX, &r->max_tail_call_cnt);
}

static int parse_prog_array_entries(struct json *j, struct record *r)
{
	return parse_u32(j, 1024, &r->prog_array_entries);
}

static int parse_record_name(struct json *j, struct record *r)
{
	const char *s;
	size_t n;
	if (json_string(j, &s, &n) < 0)
		return -1;
	if (n > NAME_MAX_LEN || strlen(s) != n)
		return json_fail(j, "name too long or with a NUL");
	memcpy(r->name, s, n + 1);
	return 0;
}

static int parse_flags(struct json *j, struct record *r)
{
	int f = 0, more;
	if (json_array(j) < 0)
		return -1;
	while ((more = json_more(j)) > 0) {
		if (parse_name(j, flag_names, NFLAGS, &f, "unknown flag") < 0)
			return -1;
		if (r->flags & (1u << f))
			return json_fail(j, "flag listed twice");
		r->flags |= 1u << f;
	}
	return more;
}

static int parse_generator(struct json *j, struct record *r)
{
	const char *s;
	int null = json_null(j);
	size_t n;
	if (null < 0 || (!null && json_string(j, &s, &n) < 0))
		return -1;
	r->generated = !null;
	if (!null)
		snprintf(r->generator, sizeof(r->generator), "%.*s", (int)n, s);
	return 0;
}

/* A 128-byte template with its trailing zeros left out. */
static int parse_template(struct json *j, uint8_t *out)
{
	size_t n;
	if (json_hex(j, out, PKT_SIZE, &n) < 0)
		return -1;
	memset(out + n, 0, PKT_SIZE - n);
	return 0;
}

static int parse_data(struct json *j, struct record *r)
{
	return parse_template(j, r->data);
}

static int parse_frag_data(struct json *j, struct record *r)
{
	r->has_frag = 1;
	return parse_template(j, r->frag);
}

/* One entry of "subtests". */
static int parse_subtest(struct json *j, struct subtest *t)
{
	const char *key;
	int more;
	unsigned seen = 0;
	if (json_object(j) < 0)
		return -1;
	while ((more = json_key(j, &key)) > 0) {
		unsigned bit;
		int rc;
		if (strcmp(key, "data_size") == 0) {
			bit = 1;
			rc = parse_u32(j, INT32_MAX, &t->data_size);
		} else if (strcmp(key, "result") == 0) {
			bit = 2;
			rc = parse_u32(j, UINT32_MAX, &t->result);
		} else if (strcmp(key, "packet") == 0) {
			bit = 4;
			t->has_packet = 1;
			rc = json_hex(j, t->packet, PKT_SIZE, &t->packet_len);
		} else {
			return json_fail(j, "unknown subtest field");
		}
		if (seen & bit)
			return json_fail(j, "subtest field given twice");
		seen |= bit;
		if (rc < 0)
			return -1;
	}
	if (more == 0 && (seen & 3) != 3)
		return json_fail(j, "subtest without data_size or result");
	return more;
}

static int parse_subtests(struct json *j, struct record *r)
{
	int more;
	if (json_array(j) < 0)
		return -1;
	while ((more = json_more(j)) > 0) {
		if (r->nsub == MAX_SUBTESTS)
			return json_fail(j, "too many subtests");
		if (parse_subtest(j, &r->sub[r->nsub++]) < 0)
			return -1;
	}
	return more;
}

/* A decimal jump offset 0..255 at *s, advancing *s. */
static int decimal_u8(const char **s)
{
	const char *p = *s;
	int v = 0, digits = 0;
	while (*p >= '0' && *p <= '9' && digits < 3) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || (digits > 1 && **s == '0') || v > 255)
		return -1;
	*s = p;
	return v;
}

/* A classic instruction: "0xCCCC JT JF 0xKKKKKKKK". */
static int decode_classic(const char *s, size_t n, uint8_t *out)
{
	const char *end = s + n;
	uint8_t code[2], k[4];
	struct bpf32_sock_filter *insn = (struct bpf32_sock_filter *)(void *)out;
	if (n < 21 || memcmp(s, "0x", 2) != 0 || json_unhex(s + 2, 4, code, 2) < 0 || s[6] != ' ')
		return -1;
	const char *p = s + 7;
	int jt = decimal_u8(&p);
	if (jt < 0 || *p++ != ' ')
		return -1;
	int jf = decimal_u8(&p);
	if (jf < 0 || end - p != 11 || memcmp(p, " 0x", 3) != 0 || json_unhex(p + 3, 8, k, 4) < 0)
		return -1;
	insn->code = (uint16_t)(code[0] << 8 | code[1]);
	insn->jt = (uint8_t)jt;
	insn->jf = (uint8_t)jf;
	insn->k = (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
	return 0;
}

/*
 * An instruction array, every string in the same format. The first string
 * tells which; eBPF ones after it are decoded straight from the line (the
 * bulk of the file: 15 million of them).
 */
static int parse_insns(struct json *j, struct insns *b)
{
	_Static_assert(sizeof(struct bpf32_sock_filter) == 8, "one slot per instruction");
	int more;
	b->len = 0;
	b->count = 0;
	b->format = FMT_NONE;
	if (json_array(j) < 0)
		return -1;
	while ((more = json_more(j)) > 0) {
		if (b->len + 8 > b->cap) {
			size_t cap = b->cap ? 2 * b->cap : 4096;
			uint8_t *nb = realloc(b->bytes, cap);
			if (!nb)
				return json_fail(j, "out of memory");
			b->bytes = nb;
			b->cap = cap;
		}
		uint8_t *slot = b->bytes + b->len;
		size_t n;
		if (b->format == FMT_EBPF) {
			if (json_hex(j, slot, 8, &n) < 0)
				return -1;
			if (n != 8)
				return json_fail(j, "malformed eBPF instruction");
		} else {
			const char *s;
			if (json_string(j, &s, &n) < 0)
				return -1;
			int classic = n >= 2 && s[0] == '0' && s[1] == 'x';
			if (b->format == FMT_NONE)
				b->format = classic ? FMT_CLASSIC : FMT_EBPF;
			if (classic ? decode_classic(s, n, slot) < 0 : json_unhex(s, n, slot, 8) != 8)
				return json_fail(j, "malformed instruction");
		}
		b->len += 8;
		b->count++;
	}
	return more;
}

static int parse_record_insns(struct json *j, struct record *r)
{
	return parse_insns(j, &r->insns);
}

static int parse_record_portable(struct json *j, struct record *r)
{
	return parse_insns(j, &r->portable);
}

#define NEED(s) (1u << (s))
#define NEED_PROGRAM (NEED(SUITE_TEST_BPF) | NEED(SUITE_TAIL_CALLS))

/*
 * Every field a record may have. `parse` NULL: known but not needed here
 * (its syntax is still checked). `need`: the suites that must have it.
 */
static const struct field {
	const char *key;
	int (*parse)(struct json *j, struct record *r);
	unsigned need;
} record_fields[] = {
	{ "suite", parse_suite, NEED(SUITE_COUNT) - 1 },
	{ "index", parse_index, NEED(SUITE_COUNT) - 1 },
	{ "name", parse_record_name, NEED(SUITE_COUNT) - 1 },
	{ "kind", parse_kind, NEED(SUITE_COUNT) - 1 },
	{ "aux", parse_aux, NEED(SUITE_TEST_BPF) },
	{ "flags", parse_flags, NEED_PROGRAM },
	{ "ctx", parse_ctx, NEED_PROGRAM },
	{ "generator", parse_generator, NEED(SUITE_TEST_BPF) },
	{ "stack_depth", NULL, 0 },
	{ "expected_errcode", NULL, 0 },
	{ "nr_testruns", NULL, 0 },
	{ "runs", parse_runs, NEED_PROGRAM },
	{ "data", parse_data, NEED(SUITE_TEST_BPF) },
	{ "frag_data", parse_frag_data, 0 },
	{ "subtests", parse_subtests, NEED(SUITE_TEST_BPF) },
	{ "insn_count", parse_insn_count, NEED_PROGRAM },
	{ "insns", parse_record_insns, NEED_PROGRAM },
	{ "result", parse_result, NEED(SUITE_TAIL_CALLS) },
	{ "max_tail_call_cnt", parse_max_tail_call_cnt, NEED(SUITE_TAIL_CALLS) },
	{ "has_tail_call", NULL, 0 },
	{ "prog_array_max_entries", parse_prog_array_entries, NEED(SUITE_TAIL_CALLS) },
	{ "relocations", NULL, 0 },
	{ "insns_portable", parse_record_portable, NEED(SUITE_TAIL_CALLS) },
	{ "runnable", NULL, 0 },
	{ "features", NULL, 0 },
};
#define NFIELDS (sizeof(record_fields) / sizeof(record_fields[0]))
_Static_assert(NFIELDS <= 32, "struct record's `seen` has a bit per field");

/* Forget the previous record, keeping its instruction buffers. */
static void record_reset(struct record *r)
{
	struct insns insns = r->insns, portable = r->portable;
	memset(r, 0, sizeof(*r));
	r->insns = insns;
	r->portable = portable;
	r->insns.len = r->portable.len = 0;
	r->insns.count = r->portable.count = 0;
	r->insns.format = r->portable.format = FMT_NONE;
}

/*
 * The facts the README states about each record, checked so that a damaged
 * or misread file fails loudly instead of running something else. NULL if
 * all hold, else what does not.
 */
static const char *record_problem(const struct record *r)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if ((record_fields[i].need >> r->suite & 1) && !(r->seen >> i & 1))
			return "a required field is missing";
	if (r->suite == SUITE_SKB_SEGMENT)
		return r->kind == KIND_SKB_SEGMENT ? NULL : "skb_segment record of another kind";
	const struct insns *prog = record_program(r);
	int want = r->kind == KIND_CLASSIC ? FMT_CLASSIC : FMT_EBPF;
	if (r->kind == KIND_SKB_SEGMENT || (prog->count && prog->format != want))
		return "instructions do not match the kind";
	if (prog->count != r->insn_count)
		return "insn_count does not match the instructions";
	if (!(r->flags & FLAG_SKB_FRAG) != !r->has_frag)
		return "frag_data and FLAG_SKB_FRAG disagree";
	if (r->suite == SUITE_TAIL_CALLS) {
		int ctx = r->flags & FLAG_NEED_STATE ? CTX_STATE : CTX_NULL;
		if (r->ctx != ctx || r->kind != KIND_INTERNAL)
			return "ctx does not match the flags";
		if (r->insns.count != r->insn_count || r->prog_array_entries == 0)
			return "bad tail-call record";
		return NULL;
	}
	int ctx = r->flags & FLAG_NO_DATA ? CTX_NULL : r->flags & FLAG_LARGE_MEM ? CTX_MEM : CTX_SKB;
	if (r->ctx != ctx)
		return "ctx does not match the flags";
	if ((r->aux & AUX_FLAG_MASK) != (r->flags & AUX_FLAG_MASK) || (r->flags & ~AUX_FLAG_MASK))
		return "aux and flags disagree";
	if ((r->aux & (AUX_CLASSIC | AUX_INTERNAL)) !=
	    (r->kind == KIND_CLASSIC ? AUX_CLASSIC : AUX_INTERNAL))
		return "aux and kind disagree";
	if (r->nsub == 0)
		return "no subtests";
	for (int i = 0; i < r->nsub; i++) {
		const struct subtest *t = &r->sub[i];
		if (t->has_packet != (r->ctx == CTX_SKB))
			return "packet given without skb context, or missing";
		if (t->has_packet && (t->data_size >= PKT_SIZE || t->packet_len != t->data_size ||
				      memcmp(t->packet, r->data, t->packet_len) != 0))
			return "packet is not the first data_size bytes of data";
	}
	return NULL;
}

/*
 * Parse one line into *r. 0, or -1 with *msg telling what is wrong and *pos
 * at which byte (SIZE_MAX when the JSON is fine but the record is not).
 */
static int parse_record(char *line, size_t len, struct record *r, const char **msg,
			size_t *pos)
{
	struct json j;
	const char *key;
	int more;
	record_reset(r);
	json_init(&j, line, len);
	if (json_object(&j) < 0)
		goto bad;
	while ((more = json_key(&j, &key)) > 0) {
		size_t i = 0;
		while (i < NFIELDS && strcmp(key, record_fields[i].key) != 0)
			i++;
		if (i == NFIELDS) {
			json_fail(&j, "unknown field");
			goto bad;
		}
		if (r->seen >> i & 1) {
			json_fail(&j, "field given twice");
			goto bad;
		}
		r->seen |= 1u << i;
		int rc = record_fields[i].parse ? record_fields[i].parse(&j, r) : json_skip(&j);
		if (rc < 0)
			goto bad;
	}
	if (more < 0 || json_finish(&j) < 0)
		goto bad;
	*msg = record_problem(r);
	*pos = SIZE_MAX;
	return *msg ? -1 : 0;
bad:
	*msg = json_error(&j, pos);
	return -1;
}

/* ---------------------------------------------------------------- loading and running */

/*
 * Each kind of record has a loader and a way to run what it loaded (the
 * low 32 bits of R0 go to *ret).
 */
struct kind_ops {
	struct bpf32_prog *(*load)(struct bpf32_env *env, const struct record *r,
				   enum bpf32_byte_order order, const struct bpf32_load_opts *opts,
				   struct bpf32_error *err);
	int (*run)(struct bpf32_prog *prog, const struct bpf32_run_args *args, uint32_t *ret,
		   struct bpf32_error *err);
	const char *why;   /* when load is NULL: why the records are not run */
};

static struct bpf32_prog *load_ebpf(struct bpf32_env *env, const struct record *r,
				    enum bpf32_byte_order order,
				    const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	const struct insns *prog = record_program(r);
	return bpf32_load(env, prog->bytes, prog->len, order, opts, err);
}

/* R1 = ctx, the packet for LD_ABS/LD_IND. */
static int run_ebpf(struct bpf32_prog *prog, const struct bpf32_run_args *args, uint32_t *ret,
		    struct bpf32_error *err)
{
	uint64_t r0 = 0;
	int rc = bpf32_run_ex(prog, args, &r0, err);
	*ret = (uint32_t)r0;
	return rc;
}

/*
 * Classic programs are socket filters; the eBPF load options (relaxed
 * checks, maps) do not apply, and their instructions are in host order.
 */
static struct bpf32_prog *load_classic(struct bpf32_env *env, const struct record *r,
				       enum bpf32_byte_order order,
				       const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	(void)order;
	(void)opts;
	return bpf32_load_cbpf(env, (const struct bpf32_sock_filter *)(const void *)r->insns.bytes,
			       r->insns.count, BPF32_CBPF_SOCKET, err);
}

/* A socket filter sees only the packet (an empty one for ctx "null"). */
static int run_classic(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		       uint32_t *ret, struct bpf32_error *err)
{
	*ret = 0;
	return bpf32_run_cbpf(prog, args->pkt, ret, err);
}

static const struct kind_ops kinds[KIND_COUNT] = {
	[KIND_CLASSIC] = { load_classic, run_classic, NULL },
	[KIND_INTERNAL] = { load_ebpf, run_ebpf, NULL },
	[KIND_SKB_SEGMENT] = { NULL, NULL, "not BPF programs" },
};

/* ---------------------------------------------------------------- configurations */

struct tally {
	unsigned passed, failed;
	unsigned progs, jited;   /* programs loaded, and JITed among them */
};

/* Code size over the programs a JIT configuration compiled (--stats). */
struct code_stats {
	uint64_t slots;          /* eBPF slots (an LDDW is two) */
	uint64_t words;          /* machine instructions, entry and exits included */
	uint64_t body_words;     /* those of the slots alone */
	uint32_t max_slot;       /* most machine instructions of one slot */
	char max_name[NAME_MAX_LEN + 1];   /* the record where that happened */
};

/*
 * Groups of generated records an otherwise ":handwritten" configuration
 * runs: a record belongs to a group when its generator's name contains one
 * of the group's words.
 */
static const struct {
	const char *name;
	const char *words[2];
} gen_groups[] = {
	{ "divmod", { "div", "mod" } },   /* DIV, MOD, SDIV, SMOD: 32 and 64 bit */
	{ "imm", { "_imm", NULL } },      /* ALU and JMP with an immediate, LDDW */
};
#define NGROUPS (sizeof(gen_groups) / sizeof(gen_groups[0]))

/* A configuration chosen on the command line, with its results. */
struct run {
	struct tu_config cfg;    /* interpreter, or JIT and its options */
	char label[64];          /* "interp", "jit-harden:handwritten+imm" */
	int handwritten_only;
	unsigned groups;         /* bit g: also the generated records of gen_groups[g] */
	struct tally tally[SUITE_COUNT];
	struct code_stats code;
	double seconds;
};

#define MAX_RUNS 16

struct runner {
	enum bpf32_byte_order order;
	int verbose;
	int only_handwritten;
	int stats;
	const char *match;
	struct run runs[MAX_RUNS];
	int nruns;
	struct bpf32_env *env;
	unsigned not_run[KIND_COUNT];
	unsigned bad_records;
	struct record tail[MAX_TAIL_RECORDS];    /* tail-call records by index */
	uint32_t ntail;
	uint32_t tail_entries;                   /* prog_array_max_entries */
};

/* Whether a generated record belongs to one of the groups in `groups`. */
static int in_groups(unsigned groups, const struct record *r)
{
	for (unsigned g = 0; g < NGROUPS; g++)
		for (unsigned w = 0; w < 2 && (groups >> g & 1); w++)
			if (gen_groups[g].words[w] && strstr(r->generator, gen_groups[g].words[w]))
				return 1;
	return 0;
}

/* Whether a configuration (NULL: any) runs a record, by the filters given. */
static int selected(const struct runner *rn, const struct run *run, const struct record *r)
{
	if (r->generated && (rn->only_handwritten ||
			     (run && run->handwritten_only && !in_groups(run->groups, r))))
		return 0;
	return !rn->match || strstr(r->name, rn->match) != NULL;
}

/* Add the size of `prog`'s code for this build's CPU with `run`'s options (--stats). */
static void count_code(struct run *run, const struct record *r, const struct bpf32_prog *prog)
{
	struct bpf32_jit_info info;
	struct bpf32_error err = { 0 };
	if (bpf32_jit_image(prog, BPF32_ARCH_HOST, &run->cfg.jopts, &info, &err) != 0)
		return;
	struct code_stats *cs = &run->code;
	cs->slots += info.nslots;
	cs->words += info.size / 4;
	cs->body_words += (info.slot_off[info.nslots] - info.slot_off[0]) / 4;
	for (uint32_t s = 0; s < info.nslots; s++) {
		uint32_t n = (info.slot_off[s + 1] - info.slot_off[s]) / 4;
		if (n > cs->max_slot) {
			cs->max_slot = n;
			snprintf(cs->max_name, sizeof(cs->max_name), "%s", r->name);
		}
	}
	bpf32_jit_info_free(&info);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Load a record's program for a configuration, JITing it if the configuration says so. */
static struct bpf32_prog *load_for(struct runner *rn, struct run *run, const struct record *r,
				   const struct bpf32_load_opts *opts, struct bpf32_error *err)
{
	struct bpf32_prog *prog = kinds[r->kind].load(rn->env, r, rn->order, opts, err);
	if (!prog)
		return NULL;
	struct tally *t = &run->tally[r->suite];
	t->progs++;
	if (run->cfg.jit) {
		struct bpf32_error jerr = { 0 };
		if (tu_config_apply(&run->cfg, prog, &jerr) == 0) {
			t->jited++;
			if (rn->stats)
				count_code(run, r, prog);
		} else if (rn->verbose)
			printf("     %s[%s] #%u \"%s\": not JIT'ed: %s\n", suite_names[r->suite],
			       run->label, r->index, r->name, jerr.msg);
	}
	return prog;
}

static void report(struct runner *rn, struct run *run, const struct record *r, int pass,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Count a test's outcome; print it if it failed or when verbose. */
static void report(struct runner *rn, struct run *run, const struct record *r, int pass,
		   const char *fmt, ...)
{
	struct tally *t = &run->tally[r->suite];
	if (pass)
		t->passed++;
	else
		t->failed++;
	if (pass && !rn->verbose)
		return;
	printf("%s %s[%s] #%u \"%s\"", pass ? "PASS" : "FAIL", suite_names[r->suite],
	       run->label, r->index, r->name);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fputs(": ", stdout);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
}

/* ---------------------------------------------------------------- test_bpf records */

/* The socket-buffer metadata of the kernel's test harness (README table). */
static const struct bpf32_pkt_meta skb_meta = {
	.protocol = 0x0800,       /* ETH_P_IP */
	.pkttype = 3,             /* SKB_TYPE */
	.ifindex = 577,           /* SKB_DEV_IFINDEX */
	.mark = 0x1234aaaa,       /* SKB_MARK */
	.queue = 123,             /* SKB_QUEUE_MAP */
	.hatype = 588,            /* SKB_DEV_TYPE */
	.rxhash = 0x1234aaab,     /* SKB_HASH */
	.cpu = 0,                 /* any constant: tests only subtract two reads */
	.vlan_tci = 0xffff,       /* SKB_VLAN_TCI */
	.vlan_present = 1,        /* SKB_VLAN_PRESENT */
	.vlan_tpid = 0x0800,
};

/*
 * Interpreter step budget: far above what any test executes, so a runaway
 * program stops with an error instead of hanging the suite.
 */
#define MAX_STEPS (1u << 28)

/* The context of one subtest (README "Context (R1) and the fake packet"). */
struct subtest_ctx {
	uint8_t skb[PKT_SIZE];
	struct bpf32_packet pkt;
	void *mem;
	struct bpf32_run_args args;
};

static int make_ctx(const struct record *r, const struct subtest *t, struct subtest_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->args.max_steps = MAX_STEPS;
	switch (r->ctx) {
	case CTX_MEM:
		/* The tests write before they read; zeroed all the same. */
		c->mem = calloc(1, t->data_size ? t->data_size : 1);
		if (!c->mem)
			return -1;
		c->args.ctx = c->mem;
		c->args.ctx_len = t->data_size;
		break;
	case CTX_SKB:
		memcpy(c->skb, r->data, t->data_size);
		c->pkt.data = c->skb;
		c->pkt.headlen = t->data_size;
		c->pkt.len = t->data_size + (r->has_frag ? PKT_SIZE : 0);
		c->pkt.frag = r->has_frag ? r->frag : NULL;
		c->pkt.mac_off = 0;
		c->pkt.net_off = t->data_size < 14 ? t->data_size : 14;
		c->pkt.meta = skb_meta;
		c->args.ctx = c->skb;
		c->args.ctx_len = PKT_SIZE;
		c->args.pkt = &c->pkt;
		break;
	default:   /* CTX_NULL: R1 = 0 */
		break;
	}
	return 0;
}

/*
 * Expected-fail tests that bpf32 rightly loads. Linux refuses "jump over
 * MSH" only because its translation to eBPF needs a jump longer than 16 bits
 * (README, "Classic programs"); bpf32's converter has no such limit, so the
 * program loads and runs, and its subtest (result 0xabababab, the RET the
 * jump lands on) must pass like any other.
 */
static const char *const loads_unlike_linux[] = { "BPF_MAXINSNS: jump over MSH" };

static int must_refuse(const struct record *r)
{
	if (!(r->flags & FLAG_EXPECTED_FAIL))
		return 0;
	for (size_t i = 0; i < sizeof(loads_unlike_linux) / sizeof(loads_unlike_linux[0]); i++)
		if (strcmp(r->name, loads_unlike_linux[i]) == 0)
			return 0;
	return 1;
}

static void run_test_bpf(struct runner *rn, struct run *run, const struct record *r)
{
	struct bpf32_error err = { 0 };
	struct bpf32_load_opts opts = { .flags = BPF32_LOAD_RELAXED };
	struct bpf32_prog *prog = load_for(rn, run, r, &opts, &err);
	if (must_refuse(r)) {
		/* The kernel refuses these at load time; nothing runs. */
		if (prog)
			report(rn, run, r, 0, "loaded, but must be refused");
		else
			report(rn, run, r, 1, "refused: %s", err.msg);
		bpf32_prog_free(prog);
		return;
	}
	if (!prog) {
		report(rn, run, r, 0, "load error %d at insn %d: %s", err.code, err.insn, err.msg);
		return;
	}
	int i;
	for (i = 0; i < r->nsub; i++) {
		const struct subtest *t = &r->sub[i];
		struct subtest_ctx c;
		uint32_t got;
		if (make_ctx(r, t, &c) < 0) {
			report(rn, run, r, 0, "out of memory");
			break;
		}
		int rc = kinds[r->kind].run(prog, &c.args, &got, &err);
		free(c.mem);
		if (rc < 0) {
			report(rn, run, r, 0, "subtest %d (data_size %u): run error %d at insn %d: %s",
			       i + 1, t->data_size, rc, err.insn, err.msg);
			break;
		}
		if (got != t->result) {
			report(rn, run, r, 0, "subtest %d (data_size %u): expected 0x%08x, got 0x%08x",
			       i + 1, t->data_size, t->result, got);
			break;
		}
	}
	if (i == r->nsub)
		report(rn, run, r, 1, NULL);
	bpf32_prog_free(prog);
}

/* ---------------------------------------------------------------- tail calls */

/*
 * Stand-ins for the kernel helpers the tail-call programs call. The programs
 * ignore their results; they only check that calls keep the tail-call count.
 */
static uint64_t fake_clock(void)
{
	return 0x0123456789abcdefull;
}

static uint32_t fake_numa_node(void)
{
	return 0;
}

/* The test module's test_func: one argument, result unused. */
static uint32_t fake_test_func(uint32_t arg)
{
	return arg + 1;
}

#define TAIL_CALL_HELPER 12   /* bpf_tail_call */

static const struct {
	uint32_t id;
	const char *name;
	void *fn;
	struct bpf32_helper_proto proto;
} fake_helpers[] = {
	{ 42, "get_numa_node_id", (void *)fake_numa_node, { 0, 0, BPF32_RET_U32, 0 } },
	{ 5, "ktime_get_ns", (void *)fake_clock, { 0, 0, BPF32_RET_U64, 0 } },
	{ 125, "ktime_get_boot_ns", (void *)fake_clock, { 0, 0, BPF32_RET_U64, 0 } },
	{ 160, "ktime_get_coarse_ns", (void *)fake_clock, { 0, 0, BPF32_RET_U64, 0 } },
	{ 118, "jiffies64", (void *)fake_clock, { 0, 0, BPF32_RET_U64, 0 } },
	{ 212, "test_func", (void *)fake_test_func, { 1, 0, BPF32_RET_U32, 0 } },
};

static int register_helpers(struct bpf32_env *env, struct bpf32_error *err)
{
	for (size_t i = 0; i < sizeof(fake_helpers) / sizeof(fake_helpers[0]); i++)
		if (bpf32_helper_register(env, fake_helpers[i].id, fake_helpers[i].name,
					  fake_helpers[i].fn, &fake_helpers[i].proto, err) < 0)
			return -1;
	return bpf32_tail_call_register(env, TAIL_CALL_HELPER, err);
}

/* Keep a tail-call record until the end of the input; it takes over the buffers. */
static const char *keep_tail_call(struct runner *rn, struct record *r)
{
	if (r->max_tail_call_cnt != BPF32_MAX_TAIL_CALLS)
		return "expected results assume another tail-call limit";
	if (rn->tail_entries && r->prog_array_entries != rn->tail_entries)
		return "records disagree on prog_array_max_entries";
	if (r->index != rn->ntail || r->index + 1 >= r->prog_array_entries ||
	    r->index >= MAX_TAIL_RECORDS)
		return "tail-call index out of order or past the array";
	rn->tail_entries = r->prog_array_entries;
	rn->tail[rn->ntail++] = *r;
	memset(&r->insns, 0, sizeof(r->insns));
	memset(&r->portable, 0, sizeof(r->portable));
	return NULL;
}

/*
 * All tail-call programs in one program array, slot i holding record i and
 * the last slot empty, as the kernel sets it up; then each selected record
 * runs `runs` times.
 */
static void run_tail_calls(struct runner *rn, struct run *run)
{
	struct bpf32_error err = { 0 };
	struct bpf32_prog *progs[MAX_TAIL_RECORDS] = { 0 };
	const char *load_error[MAX_TAIL_RECORDS] = { 0 };
	char msgs[MAX_TAIL_RECORDS][BPF32_MSG_MAX + 64];
	struct bpf32_prog_array *arr = bpf32_prog_array_new(rn->tail_entries);
	if (!arr) {
		fprintf(stderr, "test_bpf: cannot make a program array\n");
		rn->bad_records++;
		return;
	}
	void *const maps[1] = { arr };
	struct bpf32_load_opts opts = { .flags = BPF32_LOAD_RELAXED, .maps = maps, .nmaps = 1 };
	for (uint32_t i = 0; i < rn->ntail; i++) {
		const struct record *r = &rn->tail[i];
		progs[i] = load_for(rn, run, r, &opts, &err);
		if (progs[i] && bpf32_prog_array_set(arr, i, progs[i], &err) == 0)
			continue;
		snprintf(msgs[i], sizeof(msgs[i]), "%s error %d at insn %d: %s",
			 progs[i] ? "prog array" : "load", err.code, err.insn, err.msg);
		load_error[i] = msgs[i];
	}
	for (uint32_t i = 0; i < rn->ntail; i++) {
		const struct record *r = &rn->tail[i];
		if (!selected(rn, run, r))
			continue;
		if (load_error[i]) {
			report(rn, run, r, 0, "%s", load_error[i]);
			continue;
		}
		uint32_t state = 0;   /* shared by all runs */
		struct bpf32_run_args args = { .max_steps = MAX_STEPS };
		if (r->ctx == CTX_STATE) {
			args.ctx = &state;
			args.ctx_len = sizeof(state);
		}
		uint32_t r0 = 0;
		int rc = 0;
		for (uint32_t k = 0; k < r->runs && rc == 0; k++)
			rc = kinds[r->kind].run(progs[i], &args, &r0, &err);
		uint32_t got = r->flags & FLAG_RESULT_IN_STATE ? state : r0;
		if (rc < 0)
			report(rn, run, r, 0, "run error %d at insn %d: %s", rc, err.insn, err.msg);
		else if (got != r->result)
			report(rn, run, r, 0, "expected 0x%08x, got 0x%08x%s", r->result, got,
			       r->flags & FLAG_RESULT_IN_STATE ? " (state)" : "");
		else
			report(rn, run, r, 1, NULL);
	}
	bpf32_prog_array_free(arr);
	for (uint32_t i = 0; i < rn->ntail; i++)
		bpf32_prog_free(progs[i]);
}

/* ---------------------------------------------------------------- driver */

static void run_record(struct runner *rn, struct record *r)
{
	if (!kinds[r->kind].load) {
		rn->not_run[r->kind] += selected(rn, NULL, r);
		return;
	}
	if (r->suite == SUITE_TAIL_CALLS) {
		const char *problem = keep_tail_call(rn, r);
		if (problem) {
			printf("FAIL test_tail_calls #%u \"%s\": %s\n", r->index, r->name, problem);
			rn->bad_records++;
		}
		return;
	}
	for (int i = 0; i < rn->nruns; i++) {
		struct run *run = &rn->runs[i];
		if (!selected(rn, run, r))
			continue;
		double t0 = now();
		run_test_bpf(rn, run, r);
		run->seconds += now() - t0;
	}
}

/* The groups "+G1+G2..." name as a gen_groups bit mask; -1 for an unknown one. */
static int parse_groups(const char *s, unsigned *groups)
{
	*groups = 0;
	while (*s == '+') {
		size_t n = strcspn(++s, "+");
		unsigned g = 0;
		while (g < NGROUPS && (strlen(gen_groups[g].name) != n ||
				       strncmp(s, gen_groups[g].name, n) != 0))
			g++;
		if (g == NGROUPS)
			return -1;
		*groups |= 1u << g;
		s += n;
	}
	return *s ? -1 : 0;
}

/* Add a configuration "NAME", "NAME:handwritten" or "NAME:handwritten+GROUP...". */
static int add_run(struct runner *rn, const char *spec)
{
	char name[sizeof(rn->runs[0].label)];
	static const char hw[] = "handwritten";
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (rn->nruns == MAX_RUNS || n >= sizeof(name) ||
	    (colon && strncmp(colon + 1, hw, sizeof(hw) - 1) != 0))
		return -1;
	struct run *run = &rn->runs[rn->nruns];
	memcpy(name, spec, n);
	name[n] = '\0';
	if (tu_config_parse(name, &run->cfg) < 0 ||
	    (colon && parse_groups(colon + sizeof(hw), &run->groups) < 0))
		return -1;
	run->handwritten_only = colon != NULL;
	snprintf(run->label, sizeof(run->label), "%s", spec);
	rn->nruns++;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: test_bpf_runner [--order little|big]\n"
		"                       [--config NAME[:handwritten[+GROUP]...]]...\n"
		"                       [--only-handwritten] [--match SUBSTR] [--stats]\n"
		"                       [--expect-records N] [-v] [FILE]\n"
		"reads the test_bpf JSON lines from FILE or stdin; configurations: interp,\n"
		"jit, jit-harden, jit-CPU, jit-CPU-harden with CPU one of armv7, armv7-idiv,\n"
		"mips32r1, mips32r2, mips32r6; groups of generated records: divmod, imm\n");
	exit(2);
}

/* Print the summary; nonzero if anything failed. */
static int summarize(const struct runner *rn, unsigned records, long expect, double parse_s)
{
	int bad = rn->bad_records != 0;
	for (int k = 0; k < KIND_COUNT; k++)
		if (rn->not_run[k] && kinds[k].why)
			printf("%s: %u records not run (%s)\n", kind_names[k], rn->not_run[k],
			       kinds[k].why);
	for (int i = 0; i < rn->nruns; i++) {
		const struct run *run = &rn->runs[i];
		for (int s = SUITE_TEST_BPF; s <= SUITE_TAIL_CALLS; s++) {
			const struct tally *t = &run->tally[s];
			printf("%s[%s]: %u passed, %u failed", suite_names[s], run->label,
			       t->passed, t->failed);
			if (run->cfg.jit)
				printf(" [%u/%u JIT'ed]", t->jited, t->progs);
			putchar('\n');
			bad |= t->failed != 0;
		}
		const struct code_stats *cs = &run->code;
		if (cs->slots)
			printf("code[%s]: %llu eBPF slots, %llu machine instructions: %.2f per slot "
			       "(%.2f without entries and exits), max %u in one slot (\"%s\")\n",
			       run->label, (unsigned long long)cs->slots,
			       (unsigned long long)cs->words, (double)cs->words / (double)cs->slots,
			       (double)cs->body_words / (double)cs->slots, cs->max_slot,
			       cs->max_name);
	}
	if (rn->bad_records)
		printf("test_bpf: %u records could not be used\n", rn->bad_records);
	if (expect >= 0 && records != (unsigned long)expect) {
		printf("test_bpf: read %u records, expected %ld\n", records, expect);
		bad = 1;
	}
	printf("test_bpf: %u records; reading and parsing %.2f s", records, parse_s);
	for (int i = 0; i < rn->nruns; i++)
		printf(", %s %.2f s", rn->runs[i].label, rn->runs[i].seconds);
	putchar('\n');
	return bad;
}

int main(int argc, char **argv)
{
	static struct runner rn;   /* large: the kept tail-call records */
	static struct record rec;
	const char *path = NULL;
	long expect = -1;
	rn.order = BPF32_ORDER_LITTLE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-v") == 0) {
			rn.verbose = 1;
		} else if (strcmp(a, "--only-handwritten") == 0) {
			rn.only_handwritten = 1;
		} else if (strcmp(a, "--stats") == 0) {
			rn.stats = 1;
		} else if (strcmp(a, "--order") == 0 && val) {
			if (strcmp(val, "little") == 0)
				rn.order = BPF32_ORDER_LITTLE;
			else if (strcmp(val, "big") == 0)
				rn.order = BPF32_ORDER_BIG;
			else
				usage();
			i++;
		} else if (strcmp(a, "--config") == 0 && val) {
			if (add_run(&rn, val) < 0)
				usage();
			i++;
		} else if (strcmp(a, "--match") == 0 && val) {
			rn.match = val;
			i++;
		} else if (strcmp(a, "--expect-records") == 0 && val) {
			expect = strtol(val, NULL, 10);
			i++;
		} else if (a[0] == '-' && a[1]) {
			usage();
		} else if (!path) {
			path = a;
		} else {
			usage();
		}
	}
	if (rn.nruns == 0 && add_run(&rn, "interp") < 0)
		usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	FILE *in = path && strcmp(path, "-") != 0 ? fopen(path, "r") : stdin;
	if (!in) {
		perror(path);
		return 1;
	}
	setvbuf(in, NULL, _IOFBF, 1 << 20);

	struct bpf32_error err = { 0 };
	rn.env = bpf32_env_new();
	if (!rn.env || register_helpers(rn.env, &err) < 0) {
		fprintf(stderr, "test_bpf: environment setup failed: %s\n", err.msg);
		return 1;
	}

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned records = 0, expect_index[SUITE_COUNT] = { 0 };
	int resync = 0;   /* after a bad line, take the next index as it comes */
	double parse_s = 0, t0 = now(), t_start = t0;
	while ((len = getline(&line, &cap, in)) > 0) {
		records++;
		if (line[len - 1] == '\n')
			len--;
		const char *msg;
		size_t pos;
		if (parse_record(line, (size_t)len, &rec, &msg, &pos) < 0) {
			if (pos == SIZE_MAX)
				printf("FAIL line %u (%s #%u \"%s\"): %s\n", records,
				       suite_names[rec.suite], rec.index, rec.name, msg);
			else
				printf("FAIL line %u, byte %zu: %s\n", records, pos, msg);
			rn.bad_records++;
			resync = 1;
			continue;
		}
		if (resync) {
			expect_index[rec.suite] = rec.index;
			resync = 0;
		}
		if (rec.index != expect_index[rec.suite]++) {
			printf("FAIL line %u: %s index %u, expected %u (records missing?)\n",
			       records, suite_names[rec.suite], rec.index,
			       expect_index[rec.suite] - 1);
			rn.bad_records++;
			expect_index[rec.suite] = rec.index + 1;
		}
		double t1 = now();
		parse_s += t1 - t0;
		run_record(&rn, &rec);
		t0 = now();
	}
	if (ferror(in)) {
		perror("test_bpf: read");
		rn.bad_records++;
	}
	parse_s += now() - t0;
	for (int i = 0; i < rn.nruns && rn.ntail; i++) {
		double t1 = now();
		run_tail_calls(&rn, &rn.runs[i]);
		rn.runs[i].seconds += now() - t1;
	}
	int bad = summarize(&rn, records, expect, parse_s);
	printf("test_bpf: total %.2f s\n", now() - t_start);

	for (uint32_t i = 0; i < rn.ntail; i++) {
		free(rn.tail[i].insns.bytes);
		free(rn.tail[i].portable.bytes);
	}
	free(rec.insns.bytes);
	free(rec.portable.bytes);
	free(line);
	if (in != stdin)
		fclose(in);
	bpf32_env_free(rn.env);
	return bad;
}
