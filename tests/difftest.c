/*
 * Differential random testing: every generated case (tests/gen.h) runs on
 * the reference interpreter and on this build's JIT, in one process, and
 * the two must agree on the result code, R0, every byte of the ctx buffer
 * (where the programs' epilogues leave their stack windows and registers)
 * and every helper call with its arguments. A mismatch is shrunk to a minimal case by
 * deleting instructions while the case stays well-defined (gen_check(), a
 * terminating interpreter run) and the mismatch persists; the result is
 * written as a regression file and printed disassembled.
 *
 * On a build without a JIT of its own (the host), the interpreter runs each
 * case twice (the runs must agree) and, with --cross, every case is also
 * compiled for every architecture (one CPU variant and hardening choice per
 * case, in turn; --cross-all: all of them), which must succeed.
 *
 *   difftest [--config LIST] [--seed S] [--count N] [--size K] [--[no-]cross|--cross-all]
 *            [--linux-regs] [--steps] [--no-shrink] [--fork] [--out DIR] [-v]
 *   difftest --replay FILE|DIR [--replay ...] [--config LIST] [--cross]
 *   difftest --print SEED
 *   difftest --self-test   (the checker, deletion, determinism, case files,
 *                           tail calls through a bogus R2)
 *
 * --steps counts the eBPF instructions the interpreter executes; --fork runs
 * every case (and every shrinking candidate) in a child process, so that a
 * crash a sanitizer aborts on is shrunk like any mismatch; --linux-regs
 * generates programs that assume only what Linux promises about R1-R5.
 *
 * LIST is a comma-separated list of run configurations (tests/testutil.h:
 * interp, jit, jit-harden, jit-armv7, jit-mips32r1, ...); consecutive seeds
 * take them in turn. By default a build runs every JIT configuration its CPU
 * can run; the host runs the interpreter twice and cross-JITs (--no-cross:
 * not).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "gen.h"
#include "testutil.h"

#define MAX_CONFIGS 16

/* What one run of a case produced. */
struct outcome {
	int rc;
	int signal;          /* JITed code died of this signal (or timed out: SIGALRM) */
	uint64_t r0;
	char msg[BPF32_MSG_MAX];
	uint8_t ctx[GEN_CTX_SIZE];
	struct gen_log log;
};

/* A case loaded into the environment. */
struct loaded {
	uint32_t n;
	struct bpf32_prog *progs[GEN_MAX_PROGS];
	struct bpf32_prog_array *arr;
};

struct runner {
	struct bpf32_env *env;
	struct tu_config cfgs[MAX_CONFIGS];
	int native[MAX_CONFIGS];   /* this build can run the configuration's JIT */
	unsigned ncfg;
	uint32_t gen_flags;
	struct gen_opts gopts;
	int cross, steps, shrink, verbose, fork;
	int pin_t, pin_v;          /* cross-JIT only this arch and variant (-1: all) */
	int want_kind;             /* shrinking keeps this kind of mismatch (-1: any) */
	const char *out_dir;

	/* Totals. */
	uint64_t cases, progs, slots, executed, jit_runs, cross_images, mismatches, broken;
	uint64_t per_cfg[MAX_CONFIGS];
	uint64_t endings[8];       /* interpreter result codes: 0, then -BPF32_E... */
};

/* ---------------------------------------------------------------- crash guard */

/*
 * JITed code that crashes or loops must not end the run: a signal handler
 * jumps back to the runner, which reports it as a mismatch.
 */
static sigjmp_buf guard_jb;
static volatile sig_atomic_t guard_on;
static const int guard_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM };
#define GUARD_SECONDS 20

static void report_death(int sig);

static void on_signal(int sig)
{
	if (guard_on) {
		guard_on = 0;
		siglongjmp(guard_jb, sig);
	}
	report_death(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_install(void)
{
	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof guard_signals / sizeof guard_signals[0]; k++)
		sigaction(guard_signals[k], &sa, NULL);
}

/* The case being worked on and the totals so far, for a death report. */
static uint64_t current_seed;
static const char *current_cfg = "";
static const struct runner *current_runner;

/*
 * A crash outside JITed code (which can still be JITed code's doing: say,
 * callee-saved registers it broke) ends the process: name the case, and the
 * work done before it, so that a long run can be logged and resumed.
 */
static void report_death(int sig)
{
	const struct runner *R = current_runner;
	fprintf(stderr,
		"difftest: died of signal %d in case seed 0x%" PRIx64 " (%" PRIu64 "), config %s;"
		" rerun it with --seed 0x%" PRIx64 " --count 1 --fork\n",
		sig, current_seed, current_seed, current_cfg, current_seed);
	if (R)
		fprintf(stderr,
			"difftest: done before it: %" PRIu64 " cases, %" PRIu64 " programs, %" PRIu64
			" slots, %" PRIu64 " executed, %" PRIu64 " mismatches\n",
			R->cases, R->progs, R->slots, R->executed, R->mismatches);
}

#ifdef __SANITIZE_ADDRESS__
static void on_sanitizer_death(void)
{
	report_death(0);
	fprintf(stderr, "difftest: to shrink it: difftest --config %s --seed 0x%" PRIx64
		" --count 1 --cross-all --fork\n", current_cfg, current_seed);
}
#endif

/* ---------------------------------------------------------------- loading and running */

static void unload(struct loaded *L)
{
	for (uint32_t p = 0; p < L->n; p++)
		bpf32_prog_free(L->progs[p]);
	bpf32_prog_array_free(L->arr);
	memset(L, 0, sizeof *L);
}

/* Load every program; each is also slot p of the prog array that LDDW map 0 names. */
static int load_case(struct runner *R, const struct gen_case *c, struct loaded *L,
		     struct bpf32_error *err)
{
	memset(L, 0, sizeof *L);
	L->arr = bpf32_prog_array_new(c->nprogs + 1);
	if (!L->arr) {
		snprintf(err->msg, sizeof err->msg, "no prog array");
		return err->code = BPF32_ENOMEM;
	}
	void *maps[1] = { L->arr };
	struct bpf32_load_opts opts = { .maps = maps, .nmaps = 1 };
	for (uint32_t p = 0; p < c->nprogs; p++) {
		size_t len;
		uint8_t *bytes = gen_prog_bytes(&c->progs[p], &len);
		L->progs[p] = bpf32_load(R->env, bytes, len, BPF32_ORDER_LITTLE, &opts, err);
		free(bytes);
		if (!L->progs[p]) {
			L->n = p;
			unload(L);
			return err->code ? err->code : BPF32_EINVAL;
		}
		L->n = p + 1;
		int rc = bpf32_prog_array_set(L->arr, p, L->progs[p], err);
		if (rc) {
			unload(L);
			return rc;
		}
	}
	return 0;
}

/*
 * Run JITed code with ten values live across the call, which the compiler
 * keeps in callee-saved registers (the empty asm statements make it hold them
 * in registers on both sides): JITed code must preserve those registers, and
 * when it does not, *clobbered says so, while this function's epilogue still
 * gives its caller back the registers it saved, so the run can go on.
 */
static __attribute__((noinline)) int run_jit_checked(struct bpf32_prog *p,
						     const struct bpf32_run_args *args,
						     uint64_t *r0, struct bpf32_error *err,
						     int *clobbered)
{
	uint32_t k = (uint32_t)(uintptr_t)args * 2654435761u;
	uint32_t v0 = k ^ 1, v1 = k ^ 2, v2 = k ^ 3, v3 = k ^ 4, v4 = k ^ 5;
	uint32_t v5 = k ^ 6, v6 = k ^ 7, v7 = k ^ 8, v8 = k ^ 9, v9 = k ^ 10;
	__asm__ volatile("" : "+r"(v0), "+r"(v1), "+r"(v2), "+r"(v3), "+r"(v4), "+r"(v5),
			 "+r"(v6), "+r"(v7), "+r"(v8), "+r"(v9));
	int rc = bpf32_run_ex(p, args, r0, err);
	__asm__ volatile("" : "+r"(v0), "+r"(v1), "+r"(v2), "+r"(v3), "+r"(v4), "+r"(v5),
			 "+r"(v6), "+r"(v7), "+r"(v8), "+r"(v9));
	*clobbered = (v0 ^ 1) != k || (v1 ^ 2) != k || (v2 ^ 3) != k || (v3 ^ 4) != k ||
		     (v4 ^ 5) != k || (v5 ^ 6) != k || (v6 ^ 7) != k || (v7 ^ 8) != k ||
		     (v8 ^ 9) != k || (v9 ^ 10) != k;
	return rc;
}

/*
 * The one ctx buffer every run uses, so that the ctx pointer, which programs
 * may pass to helpers, is the same in both runs; 8-byte aligned for atomics.
 */
static uint64_t ctx_buf[GEN_CTX_SIZE / 8];

static void run_once(const struct loaded *L, uint64_t seed, int jit, uint64_t max_steps,
		     struct outcome *o)
{
	struct bpf32_error err = { 0, -1, "" };
	memset(o, 0, sizeof *o);
	gen_ctx_fill(seed, (uint8_t *)ctx_buf);
	struct bpf32_run_args args = { .ctx = ctx_buf, .ctx_len = GEN_CTX_SIZE,
				       .max_steps = max_steps };
	gen_log_start(&o->log);
	if (!jit) {
		o->rc = bpf32_interp(L->progs[0], &args, &o->r0, &err);
	} else {
		int sig = sigsetjmp(guard_jb, 1);
		if (sig) {
			alarm(0);
			o->signal = sig;
			o->rc = BPF32_EFAULT;
			snprintf(o->msg, sizeof o->msg, "JITed code: signal %d (%s)", sig,
				 sig == SIGALRM ? "timeout" : strsignal(sig));
			gen_log_start(NULL);
			memcpy(o->ctx, ctx_buf, GEN_CTX_SIZE);
			return;
		}
		int clobbered = 0;
		alarm(GUARD_SECONDS);
		guard_on = 1;
		o->rc = run_jit_checked(L->progs[0], &args, &o->r0, &err, &clobbered);
		guard_on = 0;
		alarm(0);
		if (clobbered) {
			o->rc = BPF32_EFAULT;
			snprintf(err.msg, sizeof err.msg,
				 "JITed code changed callee-saved registers of its C caller");
		}
	}
	gen_log_start(NULL);
	memcpy(o->ctx, ctx_buf, GEN_CTX_SIZE);
	if (o->rc)
		snprintf(o->msg, sizeof o->msg, "%s", err.msg);
}

/* Whether an interpreter run ran out of its step budget (a case that may not terminate). */
static int out_of_steps(const struct outcome *o)
{
	return o->rc == BPF32_ELIMIT && strstr(o->msg, "step budget");
}

/* Instructions the interpreter executes for the case: the smallest budget that suffices. */
static uint64_t count_steps(const struct loaded *L, uint64_t seed)
{
	struct outcome *o = malloc(sizeof *o);
	uint64_t lo = 0, hi = 64;
	for (;;) {
		run_once(L, seed, 0, hi, o);
		if (!out_of_steps(o) || hi >= GEN_MAX_STEPS)
			break;
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1) {   /* lo fails, hi suffices */
		uint64_t mid = lo + (hi - lo) / 2;
		run_once(L, seed, 0, mid, o);
		if (out_of_steps(o))
			lo = mid;
		else
			hi = mid;
	}
	free(o);
	return hi;
}

/* First difference between two outcomes, described in buf; 0 when they agree. */
static int compare(const struct outcome *a, const struct outcome *b, char *buf, size_t n)
{
	if (a->rc != b->rc || a->signal != b->signal) {
		snprintf(buf, n, "result code: interpreter %d (%s), other %d (%s)", a->rc, a->msg,
			 b->rc, b->msg);
		return 1;
	}
	if (a->rc == 0 && a->r0 != b->r0) {
		snprintf(buf, n, "r0: interpreter 0x%" PRIx64 ", other 0x%" PRIx64, a->r0, b->r0);
		return 1;
	}
	for (size_t k = 0; k < GEN_CTX_SIZE; k++)
		if (a->ctx[k] != b->ctx[k]) {
			size_t at = k & ~(size_t)7;
			char where[64];
			if (k < GEN_CTX_DATA)
				snprintf(where, sizeof where, "ctx data");
			else if ((k - GEN_CTX_DATA) % GEN_DUMP_BYTES < GEN_DUMP_STACK)
				snprintf(where, sizeof where, "stack dump of function %zu, byte %zu",
					 (k - GEN_CTX_DATA) / GEN_DUMP_BYTES,
					 (k - GEN_CTX_DATA) % GEN_DUMP_BYTES);
			else
				snprintf(where, sizeof where, "r%zu of function %zu at its exit",
					 ((k - GEN_CTX_DATA) % GEN_DUMP_BYTES - GEN_DUMP_STACK) / 8,
					 (k - GEN_CTX_DATA) / GEN_DUMP_BYTES);
			int len = snprintf(buf, n, "ctx byte %zu (%s): interpreter", k, where);
			for (size_t j = at; j < at + 8 && len > 0 && (size_t)len < n; j++)
				len += snprintf(buf + len, n - (size_t)len, " %02x", a->ctx[j]);
			if (len > 0 && (size_t)len < n)
				len += snprintf(buf + len, n - (size_t)len, ", other");
			for (size_t j = at; j < at + 8 && len > 0 && (size_t)len < n; j++)
				len += snprintf(buf + len, n - (size_t)len, " %02x", b->ctx[j]);
			return 1;
		}
	long d = gen_log_diff(&a->log, &b->log);
	if (d >= 0) {
		snprintf(buf, n, "helper calls differ from call %ld on (%u and %u calls)", d,
			 a->log.n, b->log.n);
		return 1;
	}
	return 0;
}

static const struct {
	enum bpf32_arch arch;
	const char *name;
	enum bpf32_cpu cpus[4];
} cross_targets[] = {
	{ BPF32_ARCH_ARM32, "arm32", { BPF32_CPU_ARMV7, BPF32_CPU_ARMV7_IDIV } },
	{ BPF32_ARCH_MIPS32EL, "mips32el",
	  { BPF32_CPU_MIPS32R1, BPF32_CPU_MIPS32R2, BPF32_CPU_MIPS32R6 } },
	{ BPF32_ARCH_MIPS32BE, "mips32be",
	  { BPF32_CPU_MIPS32R1, BPF32_CPU_MIPS32R2, BPF32_CPU_MIPS32R6 } },
};
#define NCROSS (sizeof cross_targets / sizeof cross_targets[0])

/* Architectures without a backend in this build (found at start-up). */
static int cross_missing[NCROSS];

static size_t ncpus(size_t t)
{
	size_t n = 0;
	while (n < 4 && cross_targets[t].cpus[n])
		n++;
	return n;
}

/*
 * Compile every program for every architecture: with --cross-all for every
 * CPU variant and hardening choice, else for one of them, in turn by seed.
 * 0, or 1 with the failure in buf.
 */
static int cross_compile(struct runner *R, const struct loaded *L, uint64_t seed, char *buf,
			 size_t n)
{
	for (size_t t = 0; t < NCROSS; t++) {
		if (cross_missing[t])
			continue;
		size_t variants = 2 * ncpus(t);
		size_t v0 = R->cross > 1 ? 0 : (size_t)(seed % variants);
		size_t v1 = R->cross > 1 ? variants : v0 + 1;
		if (R->pin_t >= 0) {
			if ((size_t)R->pin_t != t)
				continue;
			v0 = (size_t)R->pin_v;
			v1 = v0 + 1;
		}
		for (size_t v = v0; v < v1; v++) {
			size_t c = v / 2;
			uint32_t harden = v % 2;
			for (uint32_t p = 0; p < L->n; p++) {
					struct bpf32_jit_opts o = { cross_targets[t].cpus[c],
								    harden ? BPF32_JIT_HARDEN : 0 };
					struct bpf32_jit_info info;
					struct bpf32_error err = { 0, -1, "" };
					int rc = bpf32_jit_image(L->progs[p], cross_targets[t].arch, &o,
								 &info, &err);
					if (rc == 0) {
						bpf32_jit_info_free(&info);
						R->cross_images++;
						continue;
					}
					snprintf(buf, n,
						 "cross-JIT for %s, cpu %d%s, of program %u: %s (%d), insn %d",
						 cross_targets[t].name, cross_targets[t].cpus[c],
						 harden ? ", hardened" : "", p, err.msg, rc, err.insn);
					return 1;
				}
		}
	}
	return 0;
}

enum verdict { AGREE = 0, MISMATCH = 1, ILL_DEFINED = 2 };

/*
 * Run a case in configuration ci: the interpreter, then the JIT (or the
 * interpreter again), then cross-JIT if asked. `tally`: count the work.
 */
static enum verdict run_case(struct runner *R, const struct gen_case *c, unsigned ci, char *buf,
			     size_t n, int tally)
{
	struct loaded L;
	struct bpf32_error err = { 0, -1, "" };
	if (load_case(R, c, &L, &err)) {
		snprintf(buf, n, "load: insn %d: %s", err.insn, err.msg);
		return ILL_DEFINED;
	}
	struct outcome *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	if (!a || !b) {
		fprintf(stderr, "difftest: out of memory\n");
		exit(1);
	}
	enum verdict v = AGREE;
	run_once(&L, c->seed, 0, GEN_MAX_STEPS, a);
	if (out_of_steps(a)) {
		snprintf(buf, n, "the interpreter ran out of its %d-step budget", GEN_MAX_STEPS);
		v = ILL_DEFINED;
		goto out;
	}
	const struct tu_config *cfg = &R->cfgs[ci];
	if (R->native[ci]) {
		/*
		 * Now and then a tail-call target is left to be JITed on its first
		 * tail call, with the caller's options.
		 */
		for (uint32_t p = 0; p < L.n; p++) {
			if (p > 0 && (c->seed >> (2 * p) & 3) == 0)
				continue;
			int rc = tu_config_apply(cfg, L.progs[p], &err);
			if (rc) {
				snprintf(buf, n, "JIT of program %u refused: %s (%d), insn %d", p,
					 err.msg, rc, err.insn);
				v = MISMATCH;
				goto out;
			}
		}
		run_once(&L, c->seed, 1, 0, b);
		if (tally)
			R->jit_runs++;
	} else {
		run_once(&L, c->seed, 0, GEN_MAX_STEPS, b);
	}
	if (compare(a, b, buf, n))
		v = MISMATCH;
	else if (R->cross && cross_compile(R, &L, c->seed, buf, n))
		v = MISMATCH;
	if (tally) {
		R->endings[-a->rc < 8 ? -a->rc : 0]++;
		R->progs += L.n;
		R->slots += gen_case_len(c);
		if (R->steps)
			R->executed += count_steps(&L, c->seed);
	}
out:
	free(a);
	free(b);
	unload(&L);
	return v;
}

/* ---------------------------------------------------------------- shrinking */

/*
 * The case without slots [start, start + n) of program p (grown so as not
 * to split an LDDW), with every jump and local call retargeted: a target
 * that was deleted becomes the first slot after the hole. -1 when nothing
 * would be left.
 */
static int delete_slots(const struct gen_case *c, uint32_t p, uint32_t start, uint32_t n,
			struct gen_case *out)
{
	const struct gen_prog *g = &c->progs[p];
	uint32_t end = start + n > g->len ? g->len : start + n;
	uint8_t *second = calloc(g->len + 1, 1);
	uint32_t *newidx = malloc((g->len + 1) * sizeof *newidx);
	if (!second || !newidx) {
		fprintf(stderr, "difftest: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i + 1 < g->len; i++)
		if (bpf_is_lddw(&g->insns[i]))
			second[++i] = 1;
	if (second[start])
		start--;
	if (second[end])
		end++;
	int rc = -1;
	if (end - start >= g->len || gen_case_copy(out, c))
		goto done;
	for (uint32_t i = 0; i <= g->len; i++)
		newidx[i] = i < start ? i : i < end ? start : i - (end - start);

	struct gen_prog *o = &out->progs[p];
	o->len = 0;
	for (uint32_t i = 0; i < g->len; i++) {
		if (i >= start && i < end)
			continue;
		struct bpf_insn in = g->insns[i];
		int32_t *rel32 = NULL;
		int16_t *rel16 = NULL;
		if (!second[i] && bpf_is_jmp(in.code)) {
			if (in.code == (BPF_JMP | BPF_CALL))
				rel32 = in.src == BPF_PSEUDO_CALL ? &in.imm : NULL;
			else if (in.code == (BPF_JMP32 | BPF_JA))
				rel32 = &in.imm;
			else if (BPF_OP(in.code) != BPF_EXIT && BPF_OP(in.code) != BPF_CALL)
				rel16 = &in.off;
		}
		int64_t t = (int64_t)i + 1 + (rel32 ? *rel32 : rel16 ? *rel16 : 0);
		if ((rel32 || rel16) && t >= 0 && t <= g->len) {
			int64_t nrel = (int64_t)newidx[t] - newidx[i] - 1;
			if (rel32)
				*rel32 = (int32_t)nrel;
			else
				*rel16 = (int16_t)nrel;
		}
		o->insns[o->len++] = in;
	}
	rc = 0;
done:
	free(second);
	free(newidx);
	return rc;
}

/*
 * run_case() in a child process (--fork), so that a crash the sanitizers
 * abort on counts as a mismatch instead of ending the run; `quiet` silences
 * the child's reports. The child answers its verdict as exit code 10 + v.
 */
static enum verdict run_case_isolated(struct runner *R, const struct gen_case *c, unsigned ci,
				      char *buf, size_t n, int quiet)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		_exit(10 + (int)run_case(R, c, ci, buf, n, 0));
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		snprintf(buf, n, "fork: %s", strerror(errno));
		return ILL_DEFINED;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 10 && WEXITSTATUS(status) <= 12) {
		enum verdict v = (enum verdict)(WEXITSTATUS(status) - 10);
		if (v != AGREE)
			run_case(R, c, ci, buf, n, 0);   /* the description, safe now */
		return v;
	}
	if (WIFSIGNALED(status))
		snprintf(buf, n, "the process died of signal %d", WTERMSIG(status));
	else
		snprintf(buf, n, "the process crashed (exit code %d: a sanitizer report)",
			 WEXITSTATUS(status));
	return MISMATCH;
}

static enum verdict check_case(struct runner *R, const struct gen_case *c, unsigned ci, char *buf,
			       size_t n, int quiet)
{
	if (R->fork)
		return run_case_isolated(R, c, ci, buf, n, quiet);
	return run_case(R, c, ci, buf, n, 0);
}

/*
 * The kind of a mismatch, from the start of its description, so that
 * shrinking does not wander from one bug to another: a crash, another result
 * code, R0, the ctx bytes, the helper calls, a refused JIT, cross-JIT.
 */
static int mismatch_kind(const char *what)
{
	static const char *const kinds[] = {
		"result code", "r0:", "ctx byte", "helper calls", "JIT of program", "cross-JIT",
		"the process",
	};
	if (strstr(what, "signal"))
		return 0;
	for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); k++)
		if (!strncmp(what, kinds[k], strlen(kinds[k])))
			return k + 1;
	return -1;
}

/* A candidate keeps the rules, loads, terminates, and still shows the mismatch. */
static int still_fails(struct runner *R, const struct gen_case *c, unsigned ci)
{
	char buf[512];
	if (gen_check(c, R->gen_flags, buf, sizeof buf))
		return 0;
	if (check_case(R, c, ci, buf, sizeof buf, 1) != MISMATCH)
		return 0;
	return R->want_kind < 0 || mismatch_kind(buf) == R->want_kind;
}

#define SHRINK_MAX_TRIES 50000

/* Delete programs and runs of slots, halving the run length, until nothing goes. */
static void shrink(struct runner *R, struct gen_case *c, unsigned ci)
{
	uint64_t tries = 0;
	for (int progress = 1; progress && tries < SHRINK_MAX_TRIES;) {
		progress = 0;
		while (c->nprogs > 1) {
			struct gen_case t;
			if (gen_case_copy(&t, c))
				return;
			free(t.progs[--t.nprogs].insns);
			t.progs[t.nprogs].insns = NULL;
			t.progs[t.nprogs].len = 0;
			tries++;
			if (!still_fails(R, &t, ci)) {
				gen_case_free(&t);
				break;
			}
			gen_case_free(c);
			*c = t;
			progress = 1;
		}
		for (uint32_t p = 0; p < c->nprogs; p++)
			for (uint32_t chunk = c->progs[p].len / 2 ? c->progs[p].len / 2 : 1;; chunk /= 2) {
				for (uint32_t start = 0; start < c->progs[p].len && tries < SHRINK_MAX_TRIES;) {
					struct gen_case t;
					tries++;
					if (delete_slots(c, p, start, chunk, &t) == 0) {
						if (still_fails(R, &t, ci)) {
							gen_case_free(c);
							*c = t;
							progress = 1;
							continue;
						}
						gen_case_free(&t);
					}
					start += chunk;
				}
				if (chunk <= 1)
					break;
			}
	}
}

/*
 * When the failure is in cross-JIT, find one architecture and variant that
 * fails alone, so that shrinking compiles only that one.
 */
static void pin_cross(struct runner *R, const struct gen_case *c, unsigned ci)
{
	if (!R->cross)
		return;
	int cross = R->cross;
	R->cross = 2;
	for (size_t t = 0; t < NCROSS; t++)
		for (size_t v = 0; v < 2 * ncpus(t); v++) {
			R->pin_t = (int)t;
			R->pin_v = (int)v;
			if (still_fails(R, c, ci)) {
				printf("  cross-JIT for %s, cpu %d%s fails alone: shrinking with it only\n",
				       cross_targets[t].name, cross_targets[t].cpus[v / 2],
				       v % 2 ? ", hardened" : "");
				return;
			}
		}
	R->pin_t = R->pin_v = -1;
	R->cross = cross;
}

/* Shrink a failing case, save it as a regression file and print it. */
static void report(struct runner *R, const struct gen_case *orig, unsigned ci, const char *what)
{
	const char *cfg = R->cfgs[ci].name;
	printf("MISMATCH seed 0x%" PRIx64 " config %s: %s\n", orig->seed, cfg, what);
	struct gen_case c;
	if (gen_case_copy(&c, orig))
		return;
	uint32_t before = gen_case_len(&c);
	int cross = R->cross;
	R->want_kind = mismatch_kind(what);
	if (R->shrink) {
		pin_cross(R, &c, ci);
		shrink(R, &c, ci);
	}
	R->want_kind = -1;
	char buf[512] = "";
	check_case(R, &c, ci, buf, sizeof buf, 0);
	char path[4096], note[1024];
	snprintf(path, sizeof path, "%s/difftest-%s-%016" PRIx64 ".hex", R->out_dir, cfg, c.seed);
	snprintf(note, sizeof note,
		 "found by: difftest --config %s --seed 0x%" PRIx64 " --count 1%s%s\n"
		 "shrunk from %u to %u slots; mismatch: %s\n",
		 cfg, orig->seed, (R->gen_flags & GEN_LINUX_REGS) ? " --linux-regs" : "",
		 R->cross ? " --cross-all" : "", before,
		 gen_case_len(&c), buf);
	FILE *f = fopen(path, "w");
	if (f && gen_case_save(&c, f, note) == 0 && fclose(f) == 0)
		printf("  shrunk to %u slots (from %u), saved as %s\n  now: %s\n", gen_case_len(&c),
		       before, path, buf);
	else
		printf("  cannot write %s: %s\n", path, strerror(errno));
	gen_case_print(stdout, &c, "  ");
	gen_case_free(&c);
	R->pin_t = R->pin_v = -1;
	R->cross = cross;
}

/* ---------------------------------------------------------------- set-up */

/*
 * What a build runs when no --config is given: every JIT variant its CPU can
 * run (r1 code runs on the r2 CPU), or on the host, which has no JIT of its
 * own, the interpreter twice plus cross-JIT.
 */
#if defined(BPF32_TARGET_ARM32)
#define DEFAULT_CONFIGS "jit,jit-armv7,jit-harden,jit-armv7-idiv"
#elif defined(BPF32_TARGET_MIPS32EL) || defined(BPF32_TARGET_MIPS32BE)
#define DEFAULT_CONFIGS "jit,jit-mips32r1,jit-harden"
#elif defined(BPF32_TARGET_MIPS32R6EL)
#define DEFAULT_CONFIGS "jit,jit-harden"
#else
#define DEFAULT_CONFIGS "interp"
#define DEFAULT_CROSS 1
#endif
#ifndef DEFAULT_CROSS
#define DEFAULT_CROSS 0
#endif

/* Whether configuration ci runs JITed code on this build (ENOTSUP: no backend yet). */
static int probe_native(struct runner *R, unsigned ci)
{
	static const uint8_t tiny[] = { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
	if (!R->cfgs[ci].jit)
		return 0;
	struct bpf32_error err = { 0, -1, "" };
	struct bpf32_prog *p = bpf32_load(R->env, tiny, sizeof tiny, BPF32_ORDER_LITTLE, NULL, &err);
	int rc = p ? tu_config_apply(&R->cfgs[ci], p, &err) : err.code;
	bpf32_prog_free(p);
	if (rc == BPF32_ENOTSUP) {
		printf("difftest: *** %s: this build has no JIT backend yet (%s); the interpreter "
		       "runs every case twice instead ***\n", R->cfgs[ci].name, err.msg);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "difftest: configuration %s cannot run here: %s\n", R->cfgs[ci].name,
			err.msg);
		exit(2);
	}
	return 1;
}

static void probe_cross(struct runner *R)
{
	static const uint8_t tiny[] = { 0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
	struct bpf32_error err = { 0, -1, "" };
	struct bpf32_prog *p = bpf32_load(R->env, tiny, sizeof tiny, BPF32_ORDER_LITTLE, NULL, &err);
	for (size_t t = 0; p && t < NCROSS; t++) {
		struct bpf32_jit_info info;
		int rc = bpf32_jit_image(p, cross_targets[t].arch, NULL, &info, &err);
		if (rc == 0)
			bpf32_jit_info_free(&info);
		cross_missing[t] = rc == BPF32_ENOTSUP;
		if (cross_missing[t])
			printf("difftest: *** cross-JIT: no backend for %s yet ***\n",
			       cross_targets[t].name);
	}
	bpf32_prog_free(p);
}

static void parse_configs(struct runner *R, const char *list)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", list);
	R->ncfg = 0;
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		if (R->ncfg == MAX_CONFIGS || tu_config_parse(tok, &R->cfgs[R->ncfg])) {
			fprintf(stderr, "difftest: unknown or too many configurations: %s\n", tok);
			exit(2);
		}
		R->ncfg++;
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void summary(const struct runner *R, uint64_t first, double t0)
{
	double dt = now() - t0;
	printf("difftest: %" PRIu64 " cases (seeds %" PRIu64 "..%" PRIu64 "), %" PRIu64
	       " programs, %" PRIu64 " slots",
	       R->cases, first, first + (R->cases ? R->cases - 1 : 0), R->progs, R->slots);
	if (R->steps)
		printf(", %" PRIu64 " eBPF instructions executed (each, interpreted and JITed)",
		       R->executed);
	printf("\n  endings:");
	for (int k = 0; k < 8; k++)
		if (R->endings[k])
			printf(" %s %" PRIu64, k ? bpf32_strerror(-k) : "ok", R->endings[k]);
	printf("\n  configs:");
	for (unsigned k = 0; k < R->ncfg; k++)
		printf(" %s%s %" PRIu64, R->cfgs[k].name, R->native[k] ? "" : " (no JIT)",
		       R->per_cfg[k]);
	printf("\n  JITed runs %" PRIu64 ", cross-JIT images %" PRIu64 ", mismatches %" PRIu64
	       ", generator failures %" PRIu64 "; %.1f s (%.0f cases/s)\n",
	       R->jit_runs, R->cross_images, R->mismatches, R->broken, dt,
	       dt > 0 ? (double)R->cases / dt : 0.0);
}

/* ---------------------------------------------------------------- modes */

static int run_generated(struct runner *R, uint64_t first, uint64_t count)
{
	double t0 = now(), last = t0;
	current_runner = R;
	for (uint64_t k = 0; k < count; k++) {
		uint64_t seed = first + k;
		unsigned ci = (unsigned)(k % R->ncfg);
		current_seed = seed;
		current_cfg = R->cfgs[ci].name;
		struct gen_case c;
		char why[512];
		if (gen_case_make(seed, &R->gopts, &c, why, sizeof why)) {
			printf("GENERATOR %s\n", why);
			R->broken++;
			continue;
		}
		enum verdict v = R->fork ? run_case_isolated(R, &c, ci, why, sizeof why, 0)
					 : run_case(R, &c, ci, why, sizeof why, 1);
		R->cases++;
		R->per_cfg[ci]++;
		if (v == ILL_DEFINED) {
			printf("GENERATOR seed 0x%" PRIx64 ": an ill-defined case: %s\n", seed, why);
			R->broken++;
		} else if (v == MISMATCH) {
			R->mismatches++;
			report(R, &c, ci, why);
		}
		gen_case_free(&c);
		if (R->verbose && now() - last > 10) {
			last = now();
			summary(R, first, t0);
		}
	}
	summary(R, first, t0);
	return R->mismatches || R->broken;
}

static int is_case_file(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcmp(name + n - 4, ".hex");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay one saved case in every configuration. */
static int replay_file(struct runner *R, const char *path)
{
	struct gen_case c;
	char why[512];
	if (gen_case_load(path, &c, why, sizeof why)) {
		printf("FAIL %s\n", why);
		return 1;
	}
	int bad = 0;
	if (gen_check(&c, R->gen_flags, why, sizeof why)) {
		printf("FAIL %s: the case breaks the generator's rules: %s\n", path, why);
		bad = 1;
	}
	for (unsigned ci = 0; ci < R->ncfg && !bad; ci++) {
		enum verdict v = run_case(R, &c, ci, why, sizeof why, 1);
		R->cases++;
		R->per_cfg[ci]++;
		if (v != AGREE) {
			printf("FAIL %s, config %s: %s\n", path, R->cfgs[ci].name, why);
			R->mismatches++;
			bad = 1;
		} else if (R->verbose) {
			printf("ok %s, config %s\n", path, R->cfgs[ci].name);
		}
	}
	gen_case_free(&c);
	return bad;
}

static int run_replay(struct runner *R, char **paths, int n)
{
	double t0 = now();
	int bad = 0;
	for (int k = 0; k < n; k++) {
		struct stat st;
		if (stat(paths[k], &st)) {
			printf("FAIL %s: %s\n", paths[k], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(R, paths[k]);
			continue;
		}
		DIR *d = opendir(paths[k]);
		char **names = NULL;
		size_t nn = 0;
		for (struct dirent *e; d && (e = readdir(d));)
			if (is_case_file(e->d_name)) {
				names = realloc(names, (nn + 1) * sizeof *names);
				names[nn++] = strdup(e->d_name);
			}
		if (d)
			closedir(d);
		if (nn)
			qsort(names, nn, sizeof *names, cmp_names);
		for (size_t j = 0; j < nn; j++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", paths[k], names[j]);
			bad |= replay_file(R, path);
			free(names[j]);
		}
		free(names);
	}
	printf("difftest replay: %" PRIu64 " case runs, %" PRIu64 " failed; %.1f s\n", R->cases,
	       R->mismatches, now() - t0);
	return bad;
}

/* ---------------------------------------------------------------- self-test */

#define I(code, dst, src, off, imm) { (code), (dst), (src), (off), (imm) }
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV0 I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)

/* Programs the checker must refuse, with a word of the reason it must give. */
static const struct {
	const char *why;
	struct bpf_insn insns[6];
	uint32_t n;
} refused[] = {
	{ "undefined", { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 3, 0, 0), EXIT }, 2 },
	{ "before it is written", { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -16, 0), EXIT }, 2 },
	{ "out of bounds", { I(BPF_LDX | BPF_MEM | BPF_B, 0, 1, GEN_CTX_SIZE, 0), EXIT }, 2 },
	{ "outside the frame", { MOV0, I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -514, 0), EXIT }, 3 },
	{ "stores r10", { MOV0, I(BPF_STX | BPF_MEM | BPF_DW, 10, 10, -8, 0), EXIT }, 3 },
	{ "compared", { I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 10, 0, 0),
			I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0), EXIT }, 3 },
	{ "misaligned", { MOV0, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0),
			  I(BPF_STX | BPF_ATOMIC | BPF_W, 10, 0, -14, BPF_ADD), EXIT }, 4 },
	{ "helper argument", { I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0),
			       I(BPF_JMP | BPF_CALL, 0, 0, 0, 101), EXIT }, 3 },
	{ "operand", { MOV0, I(BPF_ALU | BPF_ADD | BPF_K, 1, 0, 0, 1), EXIT }, 3 },
	{ "truncated", { I(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 0, 0), EXIT }, 2 },
	{ "ctx pointer in r1", { MOV0, I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0),
				 I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1), EXIT, MOV0, EXIT },
	  6 },
	{ "result", { EXIT }, 1 },
};

static int same_prog(const struct gen_prog *a, const struct gen_prog *b)
{
	if (a->len != b->len)
		return 0;
	for (uint32_t k = 0; k < a->len; k++) {
		const struct bpf_insn *x = &a->insns[k], *y = &b->insns[k];
		if (x->code != y->code || x->dst != y->dst || x->src != y->src || x->off != y->off ||
		    x->imm != y->imm)
			return 0;
	}
	return 1;
}

static struct gen_case one_prog(const struct bpf_insn *insns, uint32_t n)
{
	struct gen_case c;
	memset(&c, 0, sizeof c);
	c.nprogs = 1;
	c.progs[0].insns = malloc(n * sizeof *insns);
	memcpy(c.progs[0].insns, insns, n * sizeof *insns);
	c.progs[0].len = c.progs[0].cap = n;
	return c;
}

/*
 * Finding 1 of docs/testing-log.md: bpf_tail_call's R2 is any number the
 * program loaded, and only a live prog array may be taken for one. Main:
 * r2 = addr; r3 = 0; call tail_call; r0 = 7; exit. The tail call succeeds
 * (r0 = 42, from the target in slot 0) only when addr is the live array; a
 * wild address, one inside the array and a freed array's make it fail, and
 * the program goes on (r0 = 7). The interpreter, and the JIT where the build
 * has one, must agree.
 */
static int tail_call_r2_run(struct bpf32_env *env, uint64_t addr, uint64_t want,
			    const char *what)
{
	const struct bpf_insn main_insns[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, (int32_t)(uint32_t)addr),
		I(0, 0, 0, 0, (int32_t)(uint32_t)(addr >> 32)),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, GEN_TAIL_CALL_ID),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7),
		EXIT,
	};
	struct gen_case c = one_prog(main_insns, 6);
	size_t len;
	uint8_t *bytes = gen_prog_bytes(&c.progs[0], &len);
	gen_case_free(&c);
	struct bpf32_error err = { 0, -1, "" };
	struct bpf32_prog *p = bpf32_load(env, bytes, len, BPF32_ORDER_LITTLE, NULL, &err);
	free(bytes);
	if (!p) {
		printf("FAIL tail call, R2 %s: load: %s\n", what, err.msg);
		return 1;
	}
	uint64_t ctx[2] = { 0, 0 };
	struct bpf32_run_args args = { .ctx = ctx, .ctx_len = sizeof ctx };
	int bad = 0;
	for (int jit = 0; jit < 2 && !bad; jit++) {
		if (jit && bpf32_jit(p, NULL, &err))
			break;   /* no JIT for this build's CPU: the host */
		uint64_t r0 = 0;
		int rc = jit ? bpf32_run_ex(p, &args, &r0, &err) : bpf32_interp(p, &args, &r0, &err);
		if (rc || r0 != want) {
			printf("FAIL tail call, R2 %s, %s: rc %d (%s), r0 %" PRIu64 ", wanted %" PRIu64
			       "\n", what, jit ? "JIT" : "interpreter", rc, rc ? err.msg : "",
			       r0, want);
			bad = 1;
		}
	}
	bpf32_prog_free(p);
	return bad;
}

static int tail_call_r2_test(void)
{
	static const uint8_t ret42[] = { 0xb7, 0, 0, 0, 42, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
	struct bpf32_error err = { 0, -1, "" };
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_prog_array *arr = bpf32_prog_array_new(1);
	struct bpf32_prog_array *gone = bpf32_prog_array_new(1);
	struct bpf32_prog *target = NULL;
	int bad = 1;
	if (!env || !arr || !gone || gen_env_setup(env, 1, &err) ||
	    !(target = bpf32_load(env, ret42, sizeof ret42, BPF32_ORDER_LITTLE, NULL, &err)) ||
	    bpf32_prog_array_set(arr, 0, target, &err) ||
	    bpf32_prog_array_set(gone, 0, target, &err)) {
		printf("FAIL tail call test setup: %s\n", err.msg);
		goto out;
	}
	uint64_t gone_addr = (uintptr_t)gone;
	bpf32_prog_array_free(gone);
	bad = tail_call_r2_run(env, (uintptr_t)arr, 42, "= the live array");
	bad |= tail_call_r2_run(env, 0x41414141, 7, "= 0x41414141");
	bad |= tail_call_r2_run(env, (uintptr_t)arr + 8, 7, "inside the array");
	bad |= tail_call_r2_run(env, gone_addr, 7, "= a freed array");
out:
	bpf32_prog_array_free(arr);
	bpf32_prog_free(target);
	bpf32_env_free(env);
	return bad;
}

static int self_test(void)
{
	char why[512];
	int bad = 0;
	for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
		struct gen_case c = one_prog(refused[k].insns, refused[k].n);
		why[0] = 0;
		int rc = gen_check(&c, 0, why, sizeof why);
		if (rc == 0 || !strstr(why, refused[k].why)) {
			printf("FAIL checker, case %zu: wanted a refusal with \"%s\", got %d \"%s\"\n", k,
			       refused[k].why, rc, why);
			bad = 1;
		}
		gen_case_free(&c);
	}
	/* The same store and load through a copy of R10, accepted. */
	static const struct bpf_insn ok[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0), I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -20),
		I(BPF_ST | BPF_MEM | BPF_DW, 3, 0, 4, 7), I(BPF_LDX | BPF_MEMSX | BPF_H, 0, 10, -14, 0),
		EXIT,
	};
	struct gen_case c = one_prog(ok, 5);
	if (gen_check(&c, 0, why, sizeof why)) {
		printf("FAIL checker refuses a good program: %s\n", why);
		bad = 1;
	}
	gen_case_free(&c);

	/* Deleting slots retargets jumps over the hole and into it. */
	static const struct bpf_insn jumps[] = {
		MOV0, I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 1), I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 2),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 3), I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 4), EXIT,
	};
	struct gen_case j = one_prog(jumps, 7), out;
	if (delete_slots(&j, 0, 2, 2, &out) || out.progs[0].len != 5 ||
	    out.progs[0].insns[1].off != 1 || out.progs[0].insns[2].imm != 1) {
		printf("FAIL delete_slots: len %u, jeq off %d, ja32 imm %d\n", out.progs[0].len,
		       out.progs[0].insns[1].off, out.progs[0].insns[2].imm);
		bad = 1;
	} else {
		gen_case_free(&out);
	}
	gen_case_free(&j);

	/* Generation is deterministic, and cases survive a save and a load. */
	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct gen_case a, b, l;
		struct gen_opts o = { 0 };
		if (gen_case_make(seed, &o, &a, why, sizeof why) ||
		    gen_case_make(seed, &o, &b, why, sizeof why)) {
			printf("FAIL %s\n", why);
			return 1;
		}
		char path[] = "/tmp/difftest-selftest-XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		int saved = f && gen_case_save(&a, f, "self-test") == 0 && fclose(f) == 0;
		int loaded = saved && gen_case_load(path, &l, why, sizeof why) == 0;
		if (fd >= 0)
			unlink(path);
		int same = a.nprogs == b.nprogs && loaded && l.nprogs == a.nprogs && l.seed == seed;
		for (uint32_t p = 0; same && p < a.nprogs; p++)
			same = same_prog(&a.progs[p], &b.progs[p]) && same_prog(&a.progs[p], &l.progs[p]);
		if (!same) {
			printf("FAIL seed %" PRIu64 ": generation or save/load differs (%s)\n", seed,
			       loaded ? "" : why);
			bad = 1;
		}
		gen_case_free(&a);
		gen_case_free(&b);
		if (loaded)
			gen_case_free(&l);
	}
	bad |= tail_call_r2_test();
	printf("difftest self-test: %s\n", bad ? "FAILED" : "passed");
	return bad;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: difftest [--config LIST] [--seed S] [--count N] [--size K]\n"
		"                [--cross|--no-cross|--cross-all]\n"
		"                [--linux-regs] [--steps] [--no-shrink] [--fork] [--out DIR] [-v]\n"
		"       difftest --replay FILE|DIR [--replay ...] [--config LIST] [--cross]\n"
		"       difftest --print SEED [--size K]\n"
		"       difftest --self-test\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct runner R;
	uint64_t first = 1, count = 1000;
	const char *configs = NULL;
	char *replay[64];
	int nreplay = 0, print = 0;

	R.shrink = 1;
	R.out_dir = ".";
	R.pin_t = R.pin_v = -1;
	R.want_kind = -1;
	R.cross = DEFAULT_CROSS;
	for (int k = 1; k < argc; k++) {
		const char *a = argv[k];
		int more = k + 1 < argc;
		if (!strcmp(a, "--config") && more)
			configs = argv[++k];
		else if (!strcmp(a, "--seed") && more)
			first = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(a, "--count") && more)
			count = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(a, "--size") && more)
			R.gopts.size = (uint32_t)strtoul(argv[++k], NULL, 0);
		else if (!strcmp(a, "--out") && more)
			R.out_dir = argv[++k];
		else if (!strcmp(a, "--replay") && more && nreplay < 64)
			replay[nreplay++] = argv[++k];
		else if (!strcmp(a, "--print") && more)
			first = strtoull(argv[++k], NULL, 0), print = 1;
		else if (!strcmp(a, "--cross"))
			R.cross = 1;
		else if (!strcmp(a, "--cross-all"))
			R.cross = 2;
		else if (!strcmp(a, "--no-cross"))
			R.cross = 0;
		else if (!strcmp(a, "--linux-regs"))
			R.gen_flags |= GEN_LINUX_REGS;
		else if (!strcmp(a, "--steps"))
			R.steps = 1;
		else if (!strcmp(a, "--no-shrink"))
			R.shrink = 0;
		else if (!strcmp(a, "--fork"))
			R.fork = 1;
		else if (!strcmp(a, "--self-test"))
			return self_test();
		else if (!strcmp(a, "-v"))
			R.verbose = 1;
		else
			usage();
	}
	R.gopts.flags = R.gen_flags;

	if (print) {
		struct gen_case c;
		char why[512];
		if (gen_case_make(first, &R.gopts, &c, why, sizeof why)) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
		gen_case_save(&c, stdout, NULL);
		gen_case_free(&c);
		return 0;
	}

	struct bpf32_error err;
	R.env = bpf32_env_new();
	if (!R.env || gen_env_setup(R.env, 1, &err)) {
		fprintf(stderr, "difftest: environment: %s\n", R.env ? err.msg : "out of memory");
		return 1;
	}
	parse_configs(&R, configs ? configs : DEFAULT_CONFIGS);
	int any_native = 0;
	for (unsigned k = 0; k < R.ncfg; k++)
		any_native |= R.native[k] = probe_native(&R, k);
	if (any_native)
		guard_install();
	if (R.cross)
		probe_cross(&R);
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on_sanitizer_death);
#endif

	int rc = nreplay ? run_replay(&R, replay, nreplay) : run_generated(&R, first, count);
	bpf32_env_free(R.env);
	return rc;
}
