/*
 * bpf32 filter: run a classic (tcpdump) filter over a pcap capture.
 *
 *   bpf32 filter [--interp] [--cpu C] [--count] [--dump] [--arch A] (EXPR | --bytecode B) FILE.pcap
 *   bpf32 filter --emit-bytecode EXPR [FILE.pcap]
 *
 * The filter is converted to eBPF, JITed (on builds with a JIT, unless
 * --interp) and run over every packet; the numbers of the matching packets
 * (1-based) are printed one per line, or with --count only how many match,
 * which is what `tcpdump --count -r FILE EXPR` reports.
 *
 * EXPR is tcpdump's filter language, compiled by libpcap for the link type
 * of the capture; only builds that link libpcap (the host build) have it,
 * and there --emit-bytecode prints the bytecode as `tcpdump -ddd` does.
 * Everywhere, --bytecode takes that bytecode as text or from a file.
 *
 * --dump lists each classic instruction with the eBPF it became, then the
 * native code: this CPU's on a build with a JIT, else (the host build) the
 * cross-JIT's for --arch (arm32, mips32el or mips32be; default arm32).
 *
 * Captures are read with libpcap where it is linked, otherwise by the small
 * reader below (classic pcap in both byte orders, micro- and nanosecond
 * time stamps; not pcapng). A packet cut by the capture's snapshot length
 * keeps its wire length for `len`, and loads past the captured bytes fail,
 * as in libpcap. Ancillary loads see the link header's protocol and zero
 * metadata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf32.h"
#include "cbpf.h"
#include "cli.h"

#ifdef BPF32_HAVE_PCAP
#include <pcap/pcap.h>
#endif

/* Report a capture read error; -1 for capture_next(). */
static int fail_read(const char *fmt, const char *arg)
{
	die(fmt, arg);
	return -1;
}

/* ------------------------------------------------------------ link types */

/*
 * Where the network header starts and where the link header keeps the
 * protocol (for SKF_NET_OFF loads and SKF_AD_PROTOCOL), by pcap link type.
 */
static const struct {
	uint32_t linktype;
	uint32_t net_off;
	int32_t proto_off;   /* -1: none */
} links[] = {
	{ 1, 14, 12 },     /* Ethernet */
	{ 113, 16, 14 },   /* Linux cooked (SLL) */
	{ 276, 20, 0 },    /* Linux cooked v2 */
	{ 0, 4, -1 },      /* BSD loopback */
	{ 108, 4, -1 },    /* OpenBSD loopback */
};

static void link_layout(uint32_t linktype, uint32_t *net_off, int32_t *proto_off)
{
	*net_off = 0;   /* raw IP and anything unknown */
	*proto_off = -1;
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (links[i].linktype == linktype) {
			*net_off = links[i].net_off;
			*proto_off = links[i].proto_off;
			return;
		}
}

/* ------------------------------------------------------------ captures */

struct frame {
	const uint8_t *data;
	uint32_t caplen;   /* bytes captured */
	uint32_t len;      /* bytes on the wire */
};

#ifdef BPF32_HAVE_PCAP

struct capture {
	pcap_t *p;
};

static int capture_open(struct capture *c, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	c->p = pcap_open_offline(path, errbuf);
	return c->p ? 0 : die("%s", errbuf);
}

static uint32_t capture_linktype(const struct capture *c)
{
	return (uint32_t)pcap_datalink(c->p);
}

/* 1: a frame, 0: the end, -1: an error (reported). */
static int capture_next(struct capture *c, struct frame *f)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(c->p, &h, &data);
	if (rc == 1) {
		*f = (struct frame){ data, h->caplen, h->len };
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	return fail_read("%s", pcap_geterr(c->p));
}

static void capture_close(struct capture *c)
{
	pcap_close(c->p);
}

#else /* no libpcap: read classic pcap files here */

struct capture {
	FILE *f;
	const char *path;
	int big;           /* the file's byte order */
	uint32_t linktype;
	uint8_t *buf;      /* the current frame */
	uint32_t cap;
};

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAPNG_MAGIC 0x0a0d0d0au
#define FRAME_MAX (256u << 20)   /* refuse absurd record lengths */

static uint32_t get32(const uint8_t *p, int big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/*
 * The file header: magic (its byte order gives the file's, its value the
 * time-stamp unit), version 2.4, time zone, accuracy, snapshot length, link
 * type.
 */
static int capture_open(struct capture *c, const char *path)
{
	uint8_t h[24];
	memset(c, 0, sizeof *c);
	c->path = path;
	if (!(c->f = fopen(path, "rb")))
		return die("cannot open %s", path);
	if (fread(h, 1, sizeof h, c->f) != sizeof h) {
		fclose(c->f);
		return die("%s: not a pcap file (too short)", path);
	}
	uint32_t magic = get32(h, 0);
	c->big = magic == __builtin_bswap32(PCAP_MAGIC_US) || magic == __builtin_bswap32(PCAP_MAGIC_NS);
	if (!c->big && magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS) {
		fclose(c->f);
		return die(magic == PCAPNG_MAGIC ? "%s: pcapng is not supported; convert it with "
						    "`editcap -F pcap`"
						  : "%s: not a pcap file (bad magic)", path);
	}
	c->linktype = get32(h + 20, c->big) & 0xffff;   /* the upper bits are flags */
	return 0;
}

static uint32_t capture_linktype(const struct capture *c)
{
	return c->linktype;
}

/* A record: seconds, fraction, captured length, wire length, then the bytes. */
static int capture_next(struct capture *c, struct frame *f)
{
	uint8_t h[16];
	size_t got = fread(h, 1, sizeof h, c->f);
	if (got == 0 && feof(c->f))
		return 0;
	if (got != sizeof h)
		return fail_read("%s: truncated record header", c->path);
	uint32_t caplen = get32(h + 8, c->big), len = get32(h + 12, c->big);
	if (caplen > FRAME_MAX)
		return fail_read("%s: corrupt record (captured length too large)", c->path);
	if (caplen > c->cap) {
		uint8_t *nb = realloc(c->buf, caplen);
		if (!nb)
			return fail_read("%s: out of memory", c->path);
		c->buf = nb;
		c->cap = caplen;
	}
	if (fread(c->buf, 1, caplen, c->f) != caplen)
		return fail_read("%s: truncated record", c->path);
	*f = (struct frame){ c->buf, caplen, len };
	return 1;
}

static void capture_close(struct capture *c)
{
	fclose(c->f);
	free(c->buf);
}

#endif /* BPF32_HAVE_PCAP */

/* ------------------------------------------------------------ filters */

/* --bytecode B: a file holding the bytecode, or the bytecode itself. */
static int bytecode_arg(const char *arg, struct bpf32_sock_filter **insns, uint32_t *n)
{
	size_t len;
	char *text = read_path(arg, &len);
	struct bpf32_error err = { 0 };
	int rc = bpf32_cbpf_parse(text ? text : arg, insns, n, &err);
	free(text);
	return rc ? report("--bytecode", &err) : 0;
}

#ifdef BPF32_HAVE_PCAP

/* Compile EXPR with libpcap for the link type of `p`. */
static int compile_expr(pcap_t *p, const char *expr, struct bpf32_sock_filter **insns, uint32_t *n)
{
	struct bpf_program prog;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN))
		return die("%s", pcap_geterr(p));
	*n = prog.bf_len;
	*insns = calloc(prog.bf_len ? prog.bf_len : 1, sizeof **insns);
	for (uint32_t i = 0; *insns && i < prog.bf_len; i++) {
		const struct bpf_insn *b = &prog.bf_insns[i];
		(*insns)[i] = (struct bpf32_sock_filter){ b->code, b->jt, b->jf, b->k };
	}
	pcap_freecode(&prog);
	return *insns ? 0 : die("%s", "out of memory");
}

/* EXPR for the capture's link type (Ethernet without a capture). */
static int filter_from_expr(const char *expr, const char *path, struct bpf32_sock_filter **insns,
			    uint32_t *n)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = path ? pcap_open_offline(path, errbuf) : pcap_open_dead(DLT_EN10MB, 262144);
	if (!p)
		return die("%s", errbuf);
	int rc = compile_expr(p, expr, insns, n);
	pcap_close(p);
	return rc;
}

#else

static int filter_from_expr(const char *expr, const char *path, struct bpf32_sock_filter **insns,
			    uint32_t *n)
{
	(void)path;
	(void)insns;
	(void)n;
	fprintf(stderr,
		"bpf32 filter: this build has no filter compiler (libpcap) for \"%s\".\n"
		"Get the bytecode with `tcpdump -ddd '%s'` or, on the host build,\n"
		"`bpf32 filter --emit-bytecode '%s'`, and pass it (or the file holding it)\n"
		"with --bytecode.\n", expr, expr, expr);
	return 1;
}

#endif /* BPF32_HAVE_PCAP */

/* As `tcpdump -ddd`: the count, then `code jt jf k` per line. */
static void print_bytecode(const struct bpf32_sock_filter *insns, uint32_t n)
{
	printf("%u\n", n);
	for (uint32_t i = 0; i < n; i++)
		printf("%u %u %u %u\n", insns[i].code, insns[i].jt, insns[i].jf, insns[i].k);
}

/* --dump, first part: each classic instruction followed by the eBPF it became. */
static int dump_ebpf(const struct bpf32_sock_filter *insns, uint32_t n)
{
	char *text;
	struct bpf32_error err = { 0 };
	if (cbpf_listing(insns, n, BPF32_CBPF_SOCKET, &text, &err))
		return report("convert", &err);
	fputs(text, stdout);
	free(text);
	return 0;
}

/* ------------------------------------------------------------ running */

struct filter_opts {
	int interp, count, dump;
	const char *bytecode;
	const char *emit;         /* --emit-bytecode EXPR */
	struct bpf32_jit_opts jopts;
	enum bpf32_arch arch;     /* --dump on a build without a JIT */
	char *expr;               /* the words before FILE, joined */
	const char *path;
};

/* Options anywhere; the other words are EXPR... FILE (EXPR may be several words). */
static int parse_args(int argc, char **argv, struct filter_opts *o)
{
	const char *words[64];
	int nwords = 0;
	memset(o, 0, sizeof *o);
	o->arch = BPF32_ARCH_ARM32;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--interp")) {
			o->interp = 1;
		} else if (!strcmp(a, "--count")) {
			o->count = 1;
		} else if (!strcmp(a, "--dump")) {
			o->dump = 1;
		} else if (!strcmp(a, "--cpu") || !strcmp(a, "--bytecode") ||
			   !strcmp(a, "--emit-bytecode") || !strcmp(a, "--arch")) {
			if (!val)
				return die("%s needs a value", a);
			i++;
			if (!strcmp(a, "--cpu") && parse_cpu(val, &o->jopts.cpu))
				return die("unknown cpu %s", val);
			if (!strcmp(a, "--arch") && parse_arch(val, &o->arch))
				return die("unknown architecture %s (arm32, mips32el, mips32be)", val);
			if (!strcmp(a, "--bytecode"))
				o->bytecode = val;
			if (!strcmp(a, "--emit-bytecode"))
				o->emit = val;
		} else if (a[0] == '-' && a[1] == '-') {
			return die("unknown option %s", a);
		} else if (nwords < (int)(sizeof words / sizeof words[0])) {
			words[nwords++] = a;
		} else {
			return die("%s", "too many words");
		}
	}
	if (o->emit) {   /* --emit-bytecode EXPR [FILE] */
		if (nwords > 1)
			return die("%s", "--emit-bytecode takes at most a capture file");
		o->path = nwords ? words[0] : NULL;
		return 0;
	}
	if (nwords == 0)
		return die("%s", "no capture file");
	o->path = words[--nwords];
	if (o->bytecode && nwords)
		return die("%s", "give either EXPR or --bytecode");
	if (!o->bytecode && !nwords)
		return die("%s", "no filter: give EXPR or --bytecode");
	size_t len = 1;
	for (int i = 0; i < nwords; i++)
		len += strlen(words[i]) + 1;
	if (nwords && !(o->expr = calloc(1, len)))
		return die("%s", "out of memory");
	for (int i = 0; i < nwords; i++) {
		if (i)
			strcat(o->expr, " ");
		strcat(o->expr, words[i]);
	}
	return 0;
}

/* Run the filter over every frame; print matches or their count. */
static int run_capture(struct bpf32_prog *p, struct capture *c, const struct filter_opts *o)
{
	uint32_t net_off;
	int32_t proto_off;
	link_layout(capture_linktype(c), &net_off, &proto_off);
	unsigned long number = 0, matches = 0;
	struct frame f;
	int rc;
	while ((rc = capture_next(c, &f)) == 1) {
		struct bpf32_packet pkt = {
			.data = f.data, .len = f.len > f.caplen ? f.len : f.caplen,
			.headlen = f.caplen, .net_off = net_off < f.caplen ? net_off : f.caplen,
		};
		if (proto_off >= 0 && (uint32_t)proto_off + 2 <= f.caplen)
			pkt.meta.protocol = (uint32_t)f.data[proto_off] << 8 | f.data[proto_off + 1];
		struct bpf32_error err = { 0 };
		uint32_t ret;
		number++;
		if (bpf32_run_cbpf(p, &pkt, &ret, &err))
			return report("run", &err);
		if (ret) {
			matches++;
			if (!o->count)
				printf("%lu\n", number);
		}
	}
	if (rc < 0)
		return 1;
	if (o->count)
		printf("%lu\n", matches);
	return 0;
}

int cmd_filter(int argc, char **argv)
{
	struct filter_opts o;
	struct bpf32_sock_filter *insns = NULL;
	uint32_t n = 0;
	struct bpf32_env *env = NULL;
	struct bpf32_prog *p = NULL;
	struct capture c;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		goto out;
	if (o.emit) {
		rc = filter_from_expr(o.emit, o.path, &insns, &n);
		if (!rc)
			print_bytecode(insns, n);
		goto out;
	}
	rc = o.bytecode ? bytecode_arg(o.bytecode, &insns, &n)
			: filter_from_expr(o.expr, o.path, &insns, &n);
	if (rc || (o.dump && (rc = dump_ebpf(insns, n))))
		goto out;

	struct bpf32_error err = { 0 };
	env = bpf32_env_new();
	if (!env || !(p = bpf32_load_cbpf(env, insns, n, BPF32_CBPF_SOCKET, &err))) {
		rc = env ? report("load", &err) : die("%s", "out of memory");
		goto out;
	}
	if ((rc = cli_jit(p, o.interp ? -1 : 0, &o.jopts, "jit")) || (o.dump && (rc = cli_dump_native(p, o.arch, &o.jopts))) ||
	    (rc = capture_open(&c, o.path)))
		goto out;
	rc = run_capture(p, &c, &o);
	capture_close(&c);
out:
	bpf32_prog_free(p);
	bpf32_env_free(env);
	free(insns);
	free(o.expr);
	return rc;
}
