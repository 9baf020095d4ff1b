/*
 * The clang-built examples (examples/NAME.c), run with exact expected results
 * on the interpreter and, where this build has one, the JIT (plain and with
 * constant blinding, which rewrites the constants carrying map addresses).
 * Objects of the host's byte order are used: NAME.bpfel.o on little-endian
 * hosts, NAME.bpfeb.o on big-endian ones (mips32be). Time, randomness and
 * the trace output go through the standard helpers' hooks, fixed here.
 *
 * usage: test_examples EXAMPLES_BUILD_DIR
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "testutil.h"

static const char *dir, *order;

/* ---------------------------------------------------------------- hooks */

static uint64_t clock_ns;
static uint32_t random_calls;
static char last_trace[256];
static int traces;

static uint64_t fake_ktime(void)
{
	return clock_ns += 10;
}

/* 0, 5, 10, ...: every fourth value has its low two bits clear. */
static uint32_t fake_random(void)
{
	return 5 * random_calls++;
}

static void trace(void *user, const char *line, size_t len)
{
	(void)user;
	(void)len;
	snprintf(last_trace, sizeof last_trace, "%s", line);
	traces++;
}

/* ---------------------------------------------------------------- harness */

static const char *const configs[] = { "interp", "jit", "jit-harden" };
static const char *config;
static int no_jit;   /* the configuration needs a JIT this build lacks */

struct example {
	struct bpf32_env *env;
	struct bpf32_object *obj;
};

/* Load NAME.<order>.o into a fresh environment, JITed for the configuration. */
static int open_example(struct example *ex, const char *name)
{
	char path[512];
	size_t len;
	struct bpf32_error err = { 0 };
	struct bpf32_std_hooks hooks = { fake_ktime, fake_random, trace, NULL };
	memset(ex, 0, sizeof *ex);
	clock_ns = 1000;
	random_calls = 0;
	traces = 0;
	last_trace[0] = 0;
	snprintf(path, sizeof path, "%s/%s.%s.o", dir, name, order);
	uint8_t *bytes = tu_read_file(path, &len);
	TU_CHECK(bytes, "cannot read %s", path);
	ex->env = bpf32_env_new();
	if (!bytes || !ex->env || bpf32_std_helpers_register(ex->env, &hooks, &err)) {
		free(bytes);
		bpf32_env_free(ex->env);
		return -1;
	}
	ex->obj = bpf32_load_elf(ex->env, bytes, len, NULL, &err);
	free(bytes);
	TU_CHECK(ex->obj, "%s: %s", path, err.msg);
	struct tu_config cfg;
	tu_config_parse(config, &cfg);
	for (uint32_t i = 0; ex->obj && i < bpf32_object_prog_count(ex->obj); i++)
		if (tu_config_apply(&cfg, bpf32_object_prog(ex->obj, i), &err)) {
			TU_CHECK(err.code == BPF32_ENOTSUP, "%s: jit %s: %s", name,
				 bpf32_object_prog_name(ex->obj, i), err.msg);
			bpf32_object_free(ex->obj);
			ex->obj = NULL;
			no_jit = err.code == BPF32_ENOTSUP;
			break;
		}
	if (!ex->obj) {
		bpf32_env_free(ex->env);
		return -1;
	}
	return 0;
}

static void close_example(struct example *ex)
{
	bpf32_object_free(ex->obj);
	bpf32_env_free(ex->env);
}

static uint64_t run(struct example *ex, const char *prog, void *mem, size_t len)
{
	struct bpf32_prog *p = bpf32_object_find_prog(ex->obj, prog);
	uint64_t r0 = 0xdeadbeef;
	struct bpf32_error err = { 0 };
	TU_CHECK(p, "no program %s", prog);
	if (p && bpf32_run(p, mem, len, &r0, &err))
		TU_CHECK(0, "%s: %s: %s", config, prog, err.msg);
	return r0;
}

static void *global(struct example *ex, const char *name, size_t want_size)
{
	size_t size = 0;
	void *p = bpf32_object_global(ex->obj, name, &size);
	TU_CHECK(p && size == want_size, "global %s: %p, %zu bytes", name, p, size);
	return p && size == want_size ? p : NULL;
}

/* u64 of a global, or a value no check expects. */
static uint64_t global_u64(struct example *ex, const char *name)
{
	uint64_t v = 0xbadbadbad, *p = global(ex, name, 8);
	if (p)
		memcpy(&v, p, 8);
	return v;
}

static uint32_t global_u32(struct example *ex, const char *name)
{
	uint32_t v = 0xbadbad, *p = global(ex, name, 4);
	if (p)
		memcpy(&v, p, 4);
	return v;
}

/* ---------------------------------------------------------------- frames */

struct frame {
	uint8_t b[128];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * An Ethernet frame: `tags` VLAN tags, then ethertype `type`. For IPv4 and
 * IPv6, an IP header (IPv4 with `opt_words` option words) of protocol
 * `proto`, then TCP/UDP ports, padded to `len` bytes.
 */
static struct frame make_frame(int tags, uint16_t type, uint8_t proto, uint16_t dport,
			       int opt_words, uint8_t ttl, size_t len)
{
	struct frame f = { .len = len };
	memset(f.b, 0xaa, 12);
	size_t o = 12;
	for (int t = 0; t < tags; t++, o += 4) {
		put16(f.b + o, t ? 0x8100 : 0x88a8);
		put16(f.b + o + 2, 100 + t);
	}
	put16(f.b + o, type);
	o += 2;
	if (type == 0x0800) {
		f.b[o] = (uint8_t)(0x45 + opt_words);
		f.b[o + 8] = ttl;
		f.b[o + 9] = proto;
		o += 20 + 4 * (size_t)opt_words;
	} else if (type == 0x86dd) {
		f.b[o] = 0x60;
		f.b[o + 6] = proto;
		f.b[o + 7] = ttl;
		o += 40;
	} else if (type == 0x0806) {
		put16(f.b + o + 6, 1);   /* ARP request */
	}
	put16(f.b + o, 40000);
	put16(f.b + o + 2, dport);
	return f;
}

/* Append a frame to a batch: length (big endian u16), then the bytes. */
static size_t append(uint8_t *batch, size_t at, const struct frame *f)
{
	put16(batch + at, (uint16_t)f->len);
	memcpy(batch + at + 2, f->b, f->len);
	return at + 2 + f->len;
}

/* ---------------------------------------------------------------- xdp_count */

struct class_key {
	uint8_t family, proto;
	uint16_t port;
};

static void check_class(struct bpf32_map *m, uint8_t family, uint8_t proto, uint16_t port,
			uint64_t packets, uint64_t bytes)
{
	struct class_key k = { family, proto, port };
	uint64_t *c = m ? bpf32_map_lookup(m, &k) : NULL;
	TU_CHECK(c && c[0] == packets && c[1] == bytes,
		 "%s: class %u/%u/%u: %" PRIu64 " packets, %" PRIu64 " bytes", config, family, proto,
		 port, c ? c[0] : 0, c ? c[1] : 0);
}

static void test_xdp_count(void)
{
	struct example ex;
	if (open_example(&ex, "xdp_count"))
		return;
	static uint8_t batch[1024];
	const struct frame frames[] = {
		make_frame(0, 0x0800, 6, 80, 0, 64, 60),     /* IPv4 TCP :80 */
		make_frame(1, 0x0800, 17, 53, 0, 64, 70),    /* VLAN IPv4 UDP :53 */
		make_frame(0, 0x86dd, 6, 23, 0, 64, 80),     /* IPv6 TCP :23 -> drop */
		make_frame(0, 0x0800, 6, 23, 2, 64, 66),     /* IPv4 + options TCP :23 -> drop */
		make_frame(0, 0x0806, 0, 0, 0, 0, 42),       /* ARP */
		make_frame(0, 0x0800, 6, 80, 0, 64, 24),     /* truncated IPv4: malformed */
		make_frame(2, 0x0800, 17, 53, 0, 64, 74),    /* QinQ IPv4 UDP :53 */
	};
	size_t len = 0;
	for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
		len = append(batch, len, &frames[i]);
	put16(batch + len, 999);   /* overruns the batch */
	len += 2 + 10;

	TU_CHECK(run(&ex, "xdp_count", batch, len) == (7u << 16 | 2), "%s: first batch", config);
	TU_CHECK(traces == 2 && !strcmp(last_trace, "frame 7: length 999 overruns the batch"),
		 "%s: traces %d, last '%s'", config, traces, last_trace);
	TU_CHECK(run(&ex, "xdp_count", batch, len) == (7u << 16 | 4), "%s: second batch", config);
	TU_CHECK(traces == 4, "%s: traces %d", config, traces);
	struct bpf32_map *m = bpf32_object_find_map(ex.obj, "classes");
	check_class(m, 4, 6, 80, 2, 120);
	check_class(m, 4, 17, 53, 4, 2 * (70 + 74));
	check_class(m, 6, 6, 23, 2, 160);
	check_class(m, 4, 6, 23, 2, 132);
	check_class(m, 0, 0, 0x0806, 2, 84);
	TU_CHECK(global_u32(&ex, "dropped") == 4, "%s: dropped", config);
	close_example(&ex);
}

/* ---------------------------------------------------------------- lpm_allow */

struct record {
	uint8_t family, verdict, pad[2], addr[16];
};

static void test_lpm_allow(void)
{
	struct example ex;
	if (open_example(&ex, "lpm_allow"))
		return;
	static const struct record in[] = {
		{ 4, 0xee, { 0 }, { 10, 1, 2, 3 } },
		{ 4, 0xee, { 0 }, { 10, 66, 5, 5 } },
		{ 4, 0xee, { 0 }, { 192, 168, 1, 77 } },
		{ 4, 0xee, { 0 }, { 192, 168, 1, 5 } },
		{ 4, 0xee, { 0 }, { 192, 168, 2, 1 } },
		{ 4, 0xee, { 0 }, { 8, 8, 8, 8 } },
		{ 6, 0xee, { 0 }, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5 } },
		{ 6, 0xee, { 0 }, { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 } },
		{ 6, 0xee, { 0 }, { 0xfe, 0x80, [15] = 1 } },
		{ 6, 0xee, { 0 }, { 0xfe, 0xc0, [15] = 1 } },
		{ 9, 0xee, { 0 }, { 10, 1, 2, 3 } },
	};
	static const uint8_t want[] = { 1, 2, 4, 3, 0, 0, 6, 5, 7, 0, 0 };
	struct record recs[sizeof in / sizeof in[0]];
	memcpy(recs, in, sizeof in);
	TU_CHECK(run(&ex, "setup", NULL, 0) == 7, "%s: setup loads 7 rules", config);
	TU_CHECK(run(&ex, "check", recs, sizeof recs) == 7, "%s: 7 allowed", config);
	for (size_t i = 0; i < sizeof want; i++)
		TU_CHECK(recs[i].verdict == want[i], "%s: record %zu: verdict %u, want %u", config, i,
			 recs[i].verdict, want[i]);
	struct bpf32_map *hits = bpf32_object_find_map(ex.obj, "hits");
	for (uint32_t id = 0; id < 16; id++) {
		uint64_t *n = hits ? bpf32_map_lookup(hits, &id) : NULL;
		TU_CHECK(n && *n == (id >= 1 && id <= 7), "%s: hits[%u]", config, id);
	}
	close_example(&ex);

	/* The rules are .rodata: change rule 0 to 10.0.0.0/16 before setup. */
	if (open_example(&ex, "lpm_allow"))
		return;
	uint8_t *rules = global(&ex, "rules", 8 * 19);
	if (rules)
		rules[1] = 16;
	memcpy(recs, in, sizeof in);
	TU_CHECK(run(&ex, "setup", NULL, 0) == 7 && run(&ex, "check", recs, sizeof recs) == 6 &&
			 recs[0].verdict == 0 && recs[1].verdict == 2,
		 "%s: configured through .rodata", config);
	close_example(&ex);
}

/* ---------------------------------------------------------------- lru_flows */

struct flow_rec {
	uint8_t saddr[4], daddr[4], sport[2], dport[2], proto, pad, length[2];
};

struct flow_key {
	uint8_t saddr[4], daddr[4], sport[2], dport[2], proto, pad[3];
};

static struct flow_rec flow(int i, uint16_t len)
{
	struct flow_rec r = { { 10, 0, 0, (uint8_t)i }, { 10, 9, 9, 9 }, { 0x9c, (uint8_t)i },
			      { 0, 80 }, 6, 0, { (uint8_t)(len >> 8), (uint8_t)len } };
	return r;
}

static uint64_t *flow_entry(struct bpf32_map *m, int i)
{
	struct flow_rec r = flow(i, 0);
	struct flow_key k;
	memset(&k, 0, sizeof k);
	memcpy(&k, &r, 13);
	return m ? bpf32_map_lookup(m, &k) : NULL;
}

static void test_lru_flows(void)
{
	struct example ex;
	if (open_example(&ex, "lru_flows"))
		return;
	/*
	 * 8 flows fill the table; flow 0 is used again, so 8 and 9 evict 1 and
	 * 2; 0 again; 10 evicts 3; 1 comes back and evicts 4.
	 */
	static const int seq[] = { 0, 1, 2, 3, 4, 5, 6, 7, 0, 8, 9, 0, 10, 1 };
	enum { N = sizeof seq / sizeof seq[0] };
	struct flow_rec recs[N];
	for (int i = 0; i < N; i++)
		recs[i] = flow(seq[i], (uint16_t)(100 + i));
	TU_CHECK(run(&ex, "track", recs, sizeof recs) == 12, "%s: 12 flows created", config);
	struct bpf32_map *m = bpf32_object_find_map(ex.obj, "flows");
	for (int f = 0; f <= 10; f++) {
		int want = f <= 1 || f >= 5;
		TU_CHECK(!flow_entry(m, f) == !want, "%s: flow %d %s", config, f,
			 want ? "kept" : "evicted");
	}
	/* Flow 0: records 0, 8 and 11 (ktime 1010, 1090, 1120). */
	uint64_t *f0 = flow_entry(m, 0);
	TU_CHECK(f0 && f0[0] == 3 && f0[1] == 100 + 108 + 111 && f0[2] == 1010 && f0[3] == 1120,
		 "%s: flow 0 counters", config);
	uint64_t *f1 = flow_entry(m, 1);
	TU_CHECK(f1 && f1[0] == 1 && f1[1] == 113 && f1[2] == 1140, "%s: flow 1 re-created", config);
	TU_CHECK(global_u64(&ex, "new_flows") == 12 && global_u64(&ex, "sampled") == 4,
		 "%s: globals", config);
	/* A second batch: every flow of it exists, nothing is created. */
	TU_CHECK(run(&ex, "track", recs + 10, 4 * sizeof recs[0]) == 0, "%s: second batch",
		 config);
	close_example(&ex);
}

/* ---------------------------------------------------------------- tail_dispatch */

static void test_tail_dispatch(void)
{
	struct example ex;
	if (open_example(&ex, "tail_dispatch"))
		return;
	struct frame v4 = make_frame(0, 0x0800, 6, 80, 0, 64, 60);
	struct frame v6 = make_frame(0, 0x86dd, 17, 53, 0, 255, 80);
	struct frame arp = make_frame(0, 0x0806, 0, 0, 0, 0, 42);
	struct frame lldp = make_frame(0, 0x88cc, 0, 0, 0, 0, 60);
	TU_CHECK(run(&ex, "dispatch", v4.b, v4.len) == 0x40640, "%s: ipv4", config);
	TU_CHECK(run(&ex, "dispatch", v6.b, v6.len) == 0x611ff, "%s: ipv6", config);
	TU_CHECK(run(&ex, "dispatch", arp.b, arp.len) == 0x8060001, "%s: arp", config);
	TU_CHECK(run(&ex, "dispatch", lldp.b, lldp.len) == 0xffff, "%s: no handler", config);
	TU_CHECK(run(&ex, "dispatch", v4.b, 24) == 0, "%s: short ipv4", config);
	TU_CHECK(run(&ex, "dispatch", v4.b, 10) == 0, "%s: runt", config);
	TU_CHECK(global_u32(&ex, "frame_len") == 10, "%s: frame_len", config);
	struct bpf32_map *stats = bpf32_object_find_map(ex.obj, "stats");
	static const uint64_t want[] = { 2, 1, 1, 1 };
	for (uint32_t i = 0; i < 4; i++) {
		uint64_t *n = stats ? bpf32_map_lookup(stats, &i) : NULL;
		TU_CHECK(n && *n == want[i], "%s: stats[%u]", config, i);
	}
	struct bpf32_map *jt = bpf32_object_find_map(ex.obj, "jmp_table");
	TU_CHECK(jt && bpf32_map_get_prog(jt, 0) == bpf32_object_find_prog(ex.obj, "do_ipv4") &&
			 bpf32_map_get_prog(jt, 2) == bpf32_object_find_prog(ex.obj, "do_arp") &&
			 !bpf32_map_get_prog(jt, 3),
		 "jmp_table initialised from the object");
	close_example(&ex);
}

/* ---------------------------------------------------------------- globals_subprog */

static uint32_t crc32_ref(const uint8_t *p, size_t n, uint32_t poly)
{
	uint32_t c = ~0u;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ poly : c >> 1;
	}
	return ~c;
}

static void test_globals_subprog(void)
{
	struct example ex;
	if (open_example(&ex, "globals_subprog"))
		return;
	static uint8_t buf[1000];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 3));
	TU_CHECK(global_u32(&ex, "runs") == 100, "%s: .data initial value", config);
	TU_CHECK(run(&ex, "checksum", "123456789", 9) == 0xcbf43926, "%s: crc32 check value",
		 config);
	TU_CHECK(run(&ex, "checksum", buf, sizeof buf) == crc32_ref(buf, sizeof buf, 0xedb88320),
		 "%s: crc32 of 1000 bytes", config);
	TU_CHECK(run(&ex, "checksum", NULL, 0) == 0, "%s: crc32 of nothing", config);
	TU_CHECK(run(&ex, "stats", NULL, 0) == ((uint64_t)103 << 32 | 1009), "%s: stats", config);
	TU_CHECK(global_u32(&ex, "table_ready") == 1 && global_u32(&ex, "runs") == 103,
		 "%s: globals after runs", config);
	close_example(&ex);

	/* CRC-32C instead, configured in .rodata before the first run. */
	if (open_example(&ex, "globals_subprog"))
		return;
	uint32_t *poly = global(&ex, "crc_poly", 4);
	if (poly)
		*poly = 0x82f63b78;
	TU_CHECK(run(&ex, "checksum", "123456789", 9) == 0xe3069283, "%s: crc32c check value",
		 config);
	close_example(&ex);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s EXAMPLES_BUILD_DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	order = bpf_host_big_endian() ? "bpfeb" : "bpfel";
	for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
		config = configs[c];
		int before = tu_failures;
		no_jit = 0;
		test_xdp_count();
		test_lpm_allow();
		test_lru_flows();
		test_tail_dispatch();
		test_globals_subprog();
		printf("examples (%s objects, %s): %s\n", order, config,
		       tu_failures != before ? "FAILED"
		       : no_jit	     ? "skipped: this build has no JIT"
				     : "all checks passed");
	}
	return tu_failures ? 1 : 0;
}
