/*
 * Differential test of classic BPF against libpcap.
 *
 * A deterministic synthetic capture (built here: Ethernet, 802.1Q, ARP,
 * RARP, IPv4 with options and fragments, IPv6 with extension headers, TCP,
 * UDP, ICMP, ICMPv6, IGMP, GRE, LLDP, tiny frames, frames cut on the wire
 * and frames cut by a snapshot length) is filtered by well over a hundred
 * tcpdump expressions, and a sample of it by random classic programs that
 * use every opcode (division and shifts by X included).
 *
 *     test_pcap_diff --write DIR [--config NAME]...
 *         (builds with libpcap) compile every expression with pcap_compile(),
 *         take libpcap's own interpreter bpf_filter() as the expected
 *         result, check bpf32 returns the same value on every packet, and
 *         write for the other builds DIR/pcap_diff.expect (expression or
 *         program, bytecode, libpcap's results), the capture as
 *         DIR/synth-le-us.pcap and DIR/synth-be-ns.pcap, and
 *         DIR/tcp80.{bytecode,expect,count} for the CLI test.
 *
 *     test_pcap_diff --replay DIR/pcap_diff.expect [--config NAME]...
 *         (every build) build the same capture, check it is the one the
 *         file was made from, and check bpf32 returns every recorded result.
 *
 * The random programs keep to what libpcap and Linux agree on: packet
 * offsets are never negative, and an indexed load's X comes from the
 * instruction just before it (a constant or LDX MSH), which no jump skips.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#ifdef BPF32_HAVE_PCAP
#include <pcap/pcap.h>
#endif

#define MAX_CONFIGS 16
static struct tu_config configs[MAX_CONFIGS];
static int nconfigs;
static unsigned long pairs, jited_pairs;

/* ------------------------------------------------------------ the capture */

#define NFRAMES 1000
#define FRAME_MAX 1600
#define SNAPLEN 262144

struct frame {
	uint32_t caplen;   /* bytes captured */
	uint32_t len;      /* bytes on the wire */
	uint8_t data[FRAME_MAX];
};

static struct frame frames[NFRAMES];

static uint32_t rng = 0x2545f491;

/* xorshift32: the same numbers on every host. */
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint32_t pick(uint32_t n)
{
	return rnd() % n;
}

#define PICK(arr) ((arr)[pick(sizeof(arr) / sizeof((arr)[0]))])

/* A frame under construction. */
struct pb {
	uint8_t *d;
	uint32_t n;
};

static void put8(struct pb *b, uint32_t v)
{
	if (b->n < FRAME_MAX)
		b->d[b->n] = (uint8_t)v;
	b->n++;
}

static void put16(struct pb *b, uint32_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put32(struct pb *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

static void put_bytes(struct pb *b, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(b, p[i]);
}

static void put_random(struct pb *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(b, rnd());
}

/* Big-endian 16-bit value into an already written position. */
static void patch16(struct pb *b, uint32_t at, uint32_t v)
{
	b->d[at] = (uint8_t)(v >> 8);
	b->d[at + 1] = (uint8_t)v;
}

static const uint8_t macs[][6] = {
	{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
};
static const uint8_t mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_multicast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static const uint32_t ip4s[] = {
	0x0a000001, 0x0a000002, 0x0a000003, 0x0a000004, 0xc0a80101, 0xc0a80102, 0xc0a80103,
	0xac100509, 0x08080808, 0x08080404, 0x7f000001,
};
static const uint32_t ip4_dsts[] = { 0xe00000fb, 0xffffffff, 0xc0a801ff };   /* besides ip4s */

static const uint8_t ip6s[][16] = {
	{ 0xfe, 0x80, [15] = 1 }, { 0xfe, 0x80, [15] = 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, [15] = 5 }, { 0xff, 0x02, [15] = 1 },
	{ 0x24, 0x04, 0x68, 0x00, [15] = 0x0e },
};

static const uint16_t ports[] = { 22, 53, 80, 80, 80, 443, 8080, 1024, 1025, 5000, 5005, 5010,
				  5011, 123, 67, 68, 55, 3306 };
static const uint8_t tcp_flags[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x14, 0x01, 0x20,
				     0x29, 0x00, 0xff };
/* TOS values: some zero (division by X = 0), some of 32 or more (shift by X >= 32). */
static const uint8_t toses[] = { 0, 0, 0, 0x10, 0x28, 0xb8, 1, 2, 3, 31, 32, 33, 200 };

static uint32_t port(void)
{
	return pick(4) ? PICK(ports) : 1 + pick(65535);
}

/* Ethernet header, maybe with one or two 802.1Q tags. */
static void put_eth(struct pb *b, uint32_t type)
{
	uint32_t r = pick(20);
	put_bytes(b, r == 0 ? mac_broadcast : r == 1 ? mac_multicast : PICK(macs), 6);
	put_bytes(b, PICK(macs), 6);
	uint32_t tags = pick(5) == 0 ? (pick(6) == 0 ? 2 : 1) : 0;
	static const uint16_t vids[] = { 1, 100, 200, 4094 };
	for (uint32_t t = 0; t < tags; t++) {
		put16(b, 0x8100);
		put16(b, pick(8) << 13 | PICK(vids));
	}
	put16(b, type);
}

static void put_tcp(struct pb *b)
{
	uint32_t doff = pick(4) ? 5 : 6 + pick(3);
	put16(b, port());
	put16(b, port());
	put32(b, rnd());
	put32(b, rnd());
	put8(b, doff << 4);
	put8(b, PICK(tcp_flags));
	put16(b, rnd());
	put16(b, 0);
	put16(b, pick(4) ? 0 : rnd());
	for (uint32_t i = 20; i < doff * 4; i++)
		put8(b, 1);   /* NOP options */
	if (pick(4) == 0)
		put_bytes(b, (const uint8_t *)"GET / HTTP/1.1\r\n", 16);
	put_random(b, pick(3) ? pick(60) : pick(4) ? pick(600) : 700 + pick(700));
}

static void put_udp(struct pb *b)
{
	uint32_t payload = pick(3) ? pick(40) : pick(300);
	put16(b, port());
	put16(b, port());
	put16(b, 8 + payload);
	put16(b, 0);
	if (payload >= 4 && pick(4) == 0) {
		put32(b, 0x12345678);
		payload -= 4;
	}
	put_random(b, payload);
}

static void put_icmp(struct pb *b, int v6)
{
	static const uint8_t types4[] = { 0, 3, 8, 11, 5, 13 };
	static const uint8_t types6[] = { 128, 128, 129, 135, 136, 1, 3 };
	put8(b, v6 ? PICK(types6) : PICK(types4));
	put8(b, pick(4));
	put16(b, 0);
	put32(b, rnd());
	put_random(b, pick(56));
}

/* The transport header of IP protocol `proto` and some payload. */
static void put_l4(struct pb *b, uint32_t proto)
{
	switch (proto) {
	case 6: put_tcp(b); break;
	case 17: put_udp(b); break;
	case 1: put_icmp(b, 0); break;
	case 58: put_icmp(b, 1); break;
	default: put_random(b, 4 + pick(40)); break;   /* IGMP, GRE, ... */
	}
}

/* IPv4 with options sometimes, fragments sometimes, then its payload. */
static void put_ipv4(struct pb *b, uint32_t proto)
{
	static const uint8_t ttls[] = { 1, 32, 64, 128, 255 };
	uint32_t at = b->n, ihl = pick(5) ? 5 : 6 + pick(3), frag = 0, r = pick(20);
	if (r < 3)
		frag = 0x4000;                 /* DF */
	else if (r < 5)
		frag = 0x2000;                 /* first fragment */
	else if (r < 7)
		frag = (pick(2) ? 0x2000 : 0) | (1 + pick(0x1fff));   /* a later one */
	put8(b, 0x40 | ihl);
	put8(b, PICK(toses));
	put16(b, 0);                           /* total length, patched below */
	put16(b, rnd());
	put16(b, frag);
	put8(b, PICK(ttls));
	put8(b, proto);
	put16(b, 0);
	put32(b, PICK(ip4s));
	put32(b, pick(6) ? PICK(ip4s) : PICK(ip4_dsts));
	for (uint32_t i = 20; i < ihl * 4; i++)
		put8(b, i + 1 == ihl * 4 ? 0 : 1);   /* NOPs, then end of options */
	if (frag & 0x1fff)
		put_random(b, 8 + pick(100));
	else
		put_l4(b, proto);
	if (b->n <= FRAME_MAX)
		patch16(b, at + 2, b->n - at);
}

/* IPv6 with up to two extension headers, then its payload. */
static void put_ipv6(struct pb *b, uint32_t proto)
{
	static const uint8_t exts[] = { 0, 43, 60, 44 };
	static const uint8_t hop_limits[] = { 1, 64, 255 };
	uint32_t at = b->n, next[3], n = pick(3) ? 0 : 1 + pick(2);
	for (uint32_t i = 0; i < n; i++)
		next[i] = PICK(exts);
	next[n] = proto;
	put32(b, 0x60000000 | pick(256) << 20 | pick(0x100000));
	put16(b, 0);                           /* payload length, patched below */
	put8(b, next[0]);
	put8(b, PICK(hop_limits));
	put_bytes(b, PICK(ip6s), 16);
	put_bytes(b, PICK(ip6s), 16);
	int later = 0;
	for (uint32_t i = 0; i < n; i++) {
		put8(b, next[i + 1]);
		if (next[i] == 44) {           /* fragment: offset, M flag, id */
			uint32_t off = pick(3) ? 0 : 1 + pick(100);
			later |= off != 0;
			put8(b, 0);
			put16(b, off << 3 | pick(2));
			put32(b, rnd());
		} else {
			uint32_t units = pick(2);
			put8(b, units);
			put16(b, 0x0104);          /* PadN */
			put32(b, 0);
			put_random(b, 8 * units);
		}
	}
	if (later)
		put_random(b, 8 + pick(100));
	else
		put_l4(b, proto);
	if (b->n <= FRAME_MAX)
		patch16(b, at + 4, b->n - at - 40);
}

/* ARP (or RARP) over Ethernet for IPv4. */
static void put_arp(struct pb *b, int rarp)
{
	put16(b, 1);
	put16(b, 0x0800);
	put8(b, 6);
	put8(b, 4);
	put16(b, rarp ? 3 + pick(2) : 1 + pick(2));
	put_bytes(b, PICK(macs), 6);
	put32(b, PICK(ip4s));
	put_bytes(b, pick(2) ? mac_broadcast : PICK(macs), 6);
	put32(b, PICK(ip4s));
}

/* A whole frame of a random kind; caplen = len = its size. */
static void build_frame(struct frame *f)
{
	static const uint8_t ip_protos[] = { 6, 6, 6, 17, 17, 1, 2, 47 };
	static const uint8_t ip6_protos[] = { 6, 6, 17, 17, 58, 58 };
	struct pb b = { f->data, 0 };
	uint32_t r = pick(100);
	if (r < 50) {
		put_eth(&b, 0x0800);
		put_ipv4(&b, PICK(ip_protos));
	} else if (r < 72) {
		put_eth(&b, 0x86dd);
		put_ipv6(&b, PICK(ip6_protos));
	} else if (r < 84) {
		int rarp = pick(5) == 0;
		put_eth(&b, rarp ? 0x8035 : 0x0806);
		put_arp(&b, rarp);
	} else if (r < 90) {
		put_eth(&b, pick(2) ? 0x88cc : 0x9000);
		put_random(&b, 20 + pick(60));
	} else {                                  /* tiny: not even an Ethernet header */
		put_random(&b, pick(14));
	}
	if (b.n > FRAME_MAX)
		b.n = FRAME_MAX;
	if (b.n >= 14 && b.n < 60 && pick(2))    /* Ethernet padding */
		while (b.n < 60)
			put8(&b, 0);
	f->caplen = f->len = b.n;
}

static void make_capture(void)
{
	for (uint32_t i = 0; i < NFRAMES; i++) {
		struct frame *f = &frames[i];
		build_frame(f);
		uint32_t r = pick(10);
		if (r == 0 && f->len > 14)        /* cut on the wire, inside the headers */
			f->caplen = f->len = 14 + pick(f->len - 14 < 50 ? f->len - 14 : 50);
		else if (r == 1 && f->len)        /* cut by a snapshot length */
			f->caplen = pick(f->len);
	}
}

/* FNV-1a over every frame: the replay checks it builds the same capture. */
static uint64_t capture_digest(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < NFRAMES; i++) {
		const struct frame *f = &frames[i];
		uint8_t head[8] = { (uint8_t)(f->caplen >> 24), (uint8_t)(f->caplen >> 16),
				    (uint8_t)(f->caplen >> 8), (uint8_t)f->caplen,
				    (uint8_t)(f->len >> 24), (uint8_t)(f->len >> 16),
				    (uint8_t)(f->len >> 8), (uint8_t)f->len };
		for (uint32_t j = 0; j < 8 + f->caplen; j++)
			h = (h ^ (j < 8 ? head[j] : f->data[j - 8])) * 0x100000001b3ull;
	}
	return h;
}

/* ------------------------------------------------------------ running */

/* A filter's result on frames 0, step, 2 * step, ... */
typedef uint32_t results[NFRAMES];

/*
 * Run a classic filter with bpf32 on every `step`-th frame, under every
 * configuration, and compare with the expected results.
 */
static void check_filter(const char *expr, const struct bpf32_sock_filter *insns, uint32_t n,
			 uint32_t step, const results want)
{
	struct bpf32_env *env = bpf32_env_new();
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = bpf32_load_cbpf(env, insns, n, BPF32_CBPF_SOCKET, &err);
	TU_CHECK(p, "\"%s\": load: instruction %d: %s", expr, err.insn, err.msg);
	for (int c = 0; p && c < nconfigs; c++) {
		if (tu_config_apply(&configs[c], p, &err)) {
			TU_CHECK(0, "\"%s\" [%s]: jit: %s", expr, configs[c].name, err.msg);
			continue;
		}
		int jited = bpf32_is_jited(p);
		TU_CHECK(!configs[c].jit || jited, "\"%s\" [%s]: not JITed", expr, configs[c].name);
		unsigned bad = 0;
		for (uint32_t j = 0, i = 0; i < NFRAMES; j++, i += step) {
			const struct frame *f = &frames[i];
			struct bpf32_packet pkt = { .data = f->data, .len = f->len, .headlen = f->caplen,
						    .net_off = f->caplen < 14 ? f->caplen : 14 };
			uint32_t ret = 0;
			int rc = bpf32_run_cbpf(p, &pkt, &ret, &err);
			pairs++;
			jited_pairs += jited != 0;
			if (rc || ret != want[j])
				if (bad++ < 5)
					TU_CHECK(0, "\"%s\" [%s]: packet %u: %s %u, libpcap %u", expr,
						 configs[c].name, i + 1, rc ? err.msg : "result", ret,
						 want[j]);
		}
		TU_CHECK(bad == 0, "\"%s\" [%s]: %u packets differ", expr, configs[c].name, bad);
	}
	bpf32_prog_free(p);
	bpf32_env_free(env);
}

/* ------------------------------------------------------------ libpcap side */

#ifdef BPF32_HAVE_PCAP

/* Random programs (only the build with libpcap makes them; the others replay them). */

#define NRANDOM 1500
#define RANDOM_STEP 16        /* random programs run on every 16th frame */
#define RANDOM_MAX_INSNS 48

static uint32_t random_k(void)
{
	static const uint32_t ks[] = { 0, 1, 2, 3, 7, 0xff, 0x100, 0x7fffffff, 0x80000000,
				       0xfffffffe, 0xffffffff };
	return pick(3) ? PICK(ks) : pick(2) ? pick(300) : rnd();
}

/* A non-negative packet offset: mostly inside the frames, sometimes far off. */
static uint32_t random_off(void)
{
	return pick(10) ? pick(90) : 0x7fffff00 + pick(256);
}

#define R_STMT(c, kk) ((struct bpf32_sock_filter){ (uint16_t)(c), 0, 0, (kk) })

/*
 * One random classic program of every opcode but the ancillary loads:
 * straight-line instructions first, then jump targets, which avoid the
 * indexed loads (their X is set by the instruction before). The program may
 * still read a scratch word first; the caller retries those.
 */
static uint32_t random_program(struct bpf32_sock_filter *f)
{
	static const uint8_t sizes[] = { 0x00, 0x08, 0x10 };   /* w, h, b */
	static const uint8_t alu_ops[] = { 0x00, 0x10, 0x20, 0x30, 0x90, 0x50, 0x40, 0xa0, 0x60,
					   0x70 };  /* add sub mul div mod and or xor lsh rsh */
	static const uint8_t jmp_ops[] = { 0x10, 0x20, 0x30, 0x40 };   /* jeq jgt jge jset */
	static const uint32_t xs[] = { 0, 1, 2, 4, 14, 31, 32, 33, 0xffffffff };
	uint8_t ind[RANDOM_MAX_INSNS] = { 0 };
	uint32_t n = 4 + pick(RANDOM_MAX_INSNS - 4), i = 0;
	while (i < n - 1) {
		uint32_t r = pick(100), op = PICK(alu_ops);
		if (r < 8) {
			f[i++] = R_STMT(0x00, random_k());                       /* ld #k */
		} else if (r < 14) {
			f[i++] = R_STMT(0x01, pick(2) ? PICK(xs) : random_k());  /* ldx #k */
		} else if (r < 26) {
			f[i++] = R_STMT(0x20 | PICK(sizes), random_off());      /* ld [k] */
		} else if (r < 31 && i + 2 < n) {                               /* ld [x + k] */
			f[i++] = pick(2) ? R_STMT(0x01, pick(40)) : R_STMT(0xb1, random_off());
			ind[i] = 1;
			f[i++] = R_STMT(0x40 | PICK(sizes), pick(50));
		} else if (r < 36) {
			f[i++] = R_STMT(pick(2) ? 0x02 : 0x03, pick(16));       /* st, stx */
		} else if (r < 41) {
			f[i++] = R_STMT(pick(2) ? 0x60 : 0x61, pick(16));       /* ld M[], ldx M[] */
		} else if (r < 44) {
			f[i++] = R_STMT(pick(2) ? 0x80 : 0x81, 0);              /* ld #len, ldx #len */
		} else if (r < 47) {
			f[i++] = R_STMT(0xb1, random_off());                    /* ldx msh */
		} else if (r < 62) {                                            /* op #k */
			uint32_t k = op == 0x60 || op == 0x70 ? pick(32)
				   : op == 0x30 || op == 0x90 ? random_k() | 1 : random_k();
			f[i++] = R_STMT(0x04 | op, k);
		} else if (r < 74) {
			f[i++] = R_STMT(0x0c | op, 0);                          /* op x */
		} else if (r < 76) {
			f[i++] = R_STMT(0x84, 0);                               /* neg */
		} else if (r < 79) {
			f[i++] = R_STMT(pick(2) ? 0x07 : 0x87, 0);              /* tax, txa */
		} else if (r < 81) {
			f[i++] = R_STMT(0x05, 0);                               /* ja, target below */
		} else if (r < 96) {
			f[i] = R_STMT(0x05 | PICK(jmp_ops) | (pick(2) ? 0x08 : 0), random_k());
			if (pick(2))
				f[i].k = pick(100);
			i++;
		} else {
			f[i++] = R_STMT(pick(2) ? 0x06 : 0x16, random_k());     /* ret #k, ret a */
		}
	}
	f[n - 1] = R_STMT(pick(3) ? 0x16 : 0x06, random_k());
	for (i = 0; i < n - 1; i++) {
		uint8_t cls = f[i].code & 0x07, jop = f[i].code & 0xf0;
		if (cls != 0x05)
			continue;
		for (int side = 0; side < 2; side++) {
			uint32_t t;
			do
				t = i + 1 + pick(n - 1 - i < 40 ? n - 1 - i : 40);
			while (ind[t]);
			if (jop == 0x00)
				f[i].k = t - i - 1;
			else if (side)
				f[i].jf = (uint8_t)(t - i - 1);
			else
				f[i].jt = (uint8_t)(t - i - 1);
		}
	}
	return n;
}


static const char *const exprs[] = {
	/* protocols */
	"ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "igmp", "vlan", "not ip",
	"not vlan", "ether broadcast", "ether multicast", "ip multicast", "ip6 multicast",
	"ip proto 47", "ip proto 2", "ether proto 0x88cc", "ip6 proto 17", "ip6 proto 0",
	/* ports */
	"port 80", "tcp port 80", "udp port 53", "port 53", "src port 22", "dst port 443",
	"tcp dst port 8080", "tcp src port 1024", "portrange 5000-5010", "tcp portrange 1000-1030",
	"udp dst portrange 50-60", "udp and src portrange 1-1024", "not port 22",
	"port 80 or port 443", "tcp port 80 and not src host 10.0.0.1",
	"(tcp or udp) and not port 53",
	"tcp and (port 22 or port 80) and not src net 192.168.1.0/24",
	/* hosts and nets */
	"host 10.0.0.1", "src host 10.0.0.2", "dst host 192.168.1.1",
	"host 10.0.0.1 and host 10.0.0.2", "src host 10.0.0.1 and dst host 10.0.0.2",
	"not (host 10.0.0.1 or host 10.0.0.2)", "ip host 8.8.8.8", "net 10.0.0.0/8",
	"net 192.168.1.0/24", "src net 172.16.0.0/12", "dst net 8.8.8.0 mask 255.255.255.0",
	"host fe80::1", "ip6 host 2001:db8::1", "src host 2001:db8::2", "net 2001:db8::/32",
	"src net fe80::/10", "dst net ff00::/8", "ether host 00:11:22:33:44:55",
	"ether src 00:aa:bb:cc:dd:ee", "ether dst ff:ff:ff:ff:ff:ff",
	"ether src host 00:11:22:33:44:55 and ip", "arp host 10.0.0.3",
	"arp and src host 10.0.0.4",
	/* TCP flags and header fields */
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & tcp-rst != 0", "tcp[13] = 0x12", "tcp[tcpflags] == tcp-fin|tcp-ack",
	"tcp[tcpflags] & tcp-push != 0 and port 80",
	"tcp[tcpflags] & tcp-syn != 0 and not tcp[tcpflags] & tcp-ack != 0",
	"tcp[tcpflags] & tcp-urg != 0", "tcp[12] & 0xf0 > 0x50",
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420", "tcp[((tcp[12] & 0xf0) >> 2)] = 0x47",
	"tcp[0:2] > 1023 and tcp[2:2] < 1024", "udp[8:4] = 0x12345678", "udp[4:2] > 100",
	"udp[4:2] < 20",
	/* IPv4 fields, fragments, arithmetic (division and shifts by packet bytes) */
	"ip[2:2] > 100", "ip[2:2] > 1000", "ip[8] < 64", "ip[0] & 0xf > 5", "ip[0] > 0x45",
	"ip[6:2] & 0x1fff != 0", "ip[6] & 0x20 != 0", "ip and ip[6:2] & 0x3fff != 0",
	"ip and not ip[6:2] & 0x1fff = 0", "ip[1] != 0", "ip[9] = 17",
	"ip[2:2] - ((ip[0] & 0xf) << 2) > 40", "(ip[16] << ip[1]) != 0",
	"(ip[2:2] >> ip[1]) > 3", "ip[2:2] / ip[1] > 2", "ip[2:2] % ip[1] = 0",
	"ip[2:2] * 3 > 500", "(ip[12:4] ^ ip[16:4]) & 0xff = 0", "ip[8] + ip[9] > 100",
	"ip[0] | 0x10 = 0x55", "ip[2:2] & ip[4:2] != 0", "ip[12:4] - ip[16:4] > 0x1000",
	/* ICMP, ICMPv6, IPv6 fields */
	"icmp[icmptype] == icmp-echo",
	"icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
	"icmp[0] = 3 and icmp[1] = 3", "icmp[icmptype] = icmp-timxceed",
	"icmp6[icmp6type] == icmp6-echo", "ip6[6] = 58", "ip6[40] = 128", "ip6 and tcp",
	"ip6 and udp port 53", "ip6 and tcp port 80", "ip6[4:2] > 100",
	/* lengths */
	"len <= 60", "len > 500", "greater 100", "less 64", "len >= 1000", "len - 14 > 100",
	"len < 14",
	/* VLAN */
	"vlan 100", "vlan and ip", "vlan and tcp port 80", "vlan 200 and arp", "vlan and ip6",
	"vlan and vlan",
	/* link layer bytes, combinations */
	"ether[0] & 1 = 1", "ether[12:2] = 0x0806", "ether[14] = 0x45", "icmp or icmp6",
	"ip and (icmp or igmp)", "not tcp and not udp", "ether broadcast or ether multicast",
	"arp or (ip and len < 100)", "ip6 or vlan", "ip or arp or ip6",
	"udp and (port 53 or port 123 or port 67)", "tcp and len > 100 and ip[8] > 32",
	"not (tcp port 80 or udp port 53) and ip",
};

#define NEXPRS (sizeof exprs / sizeof exprs[0])

/* libpcap's instructions as bpf32's (the same fields; copied, not cast). */
static struct bpf32_sock_filter *from_pcap(const struct bpf_program *prog)
{
	struct bpf32_sock_filter *insns = calloc(prog->bf_len ? prog->bf_len : 1, sizeof *insns);
	for (uint32_t i = 0; insns && i < prog->bf_len; i++) {
		const struct bpf_insn *b = &prog->bf_insns[i];
		insns[i] = (struct bpf32_sock_filter){ b->code, b->jt, b->jf, b->k };
	}
	return insns;
}

/*
 * libpcap compiles protochain into a loop (a backward ja) that only its
 * userland interpreter runs; Linux refuses such filters, and so does bpf32.
 */
static const char *const refused[] = { "ip6 protochain 6", "ip protochain 17" };

static void check_refused(pcap_t *dead)
{
	for (size_t e = 0; e < sizeof refused / sizeof refused[0]; e++) {
		struct bpf_program prog;
		struct bpf32_error err = { 0 };
		struct bpf32_env *env = bpf32_env_new();
		TU_CHECK(pcap_compile(dead, &prog, refused[e], 1, PCAP_NETMASK_UNKNOWN) == 0,
			 "\"%s\": pcap_compile: %s", refused[e], pcap_geterr(dead));
		struct bpf32_sock_filter *insns = from_pcap(&prog);
		struct bpf32_prog *p = bpf32_load_cbpf(env, insns, prog.bf_len, BPF32_CBPF_SOCKET,
						       &err);
		TU_CHECK(!p && strstr(err.msg, "backward jump"), "\"%s\": loaded (%s)", refused[e],
			 err.msg);
		bpf32_prog_free(p);
		bpf32_env_free(env);
		free(insns);
		pcap_freecode(&prog);
	}
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	TU_CHECK(f, "cannot write %s", path);
	return f;
}

/* An unsigned number of `size` bytes in the given byte order. */
static void put_file(FILE *f, uint32_t v, unsigned size, int big)
{
	uint8_t b[4];
	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(big ? v >> (8 * (size - 1 - i)) : v >> (8 * i));
	fwrite(b, 1, size, f);
}

/* The capture as a pcap file, in the given byte order and time-stamp unit. */
static void write_pcap(const char *dir, const char *name, int big, int nano)
{
	FILE *f = open_out(dir, name);
	if (!f)
		return;
	put_file(f, nano ? 0xa1b23c4d : 0xa1b2c3d4, 4, big);
	put_file(f, 2, 2, big);            /* version 2.4 */
	put_file(f, 4, 2, big);
	put_file(f, 0, 4, big);            /* time zone */
	put_file(f, 0, 4, big);            /* accuracy */
	put_file(f, SNAPLEN, 4, big);
	put_file(f, 1, 4, big);            /* Ethernet */
	for (uint32_t i = 0; i < NFRAMES; i++) {
		put_file(f, 1700000000 + i, 4, big);
		put_file(f, nano ? i * 1000003 % 1000000000 : i * 1009 % 1000000, 4, big);
		put_file(f, frames[i].caplen, 4, big);
		put_file(f, frames[i].len, 4, big);
		fwrite(frames[i].data, 1, frames[i].caplen, f);
	}
	TU_CHECK(fclose(f) == 0, "writing %s", name);
}

/* The CLI test's filter: its bytecode, matching packet numbers and count. */
static void write_cli_files(const char *dir, const struct bpf32_sock_filter *insns, uint32_t n,
			    const results m)
{
	FILE *b = open_out(dir, "tcp80.bytecode"), *e = open_out(dir, "tcp80.expect"),
	     *c = open_out(dir, "tcp80.count");
	unsigned count = 0;
	if (b && e && c) {
		fprintf(b, "%u\n", n);
		for (uint32_t i = 0; i < n; i++)
			fprintf(b, "%u %u %u %u\n", insns[i].code, insns[i].jt, insns[i].jf, insns[i].k);
		for (uint32_t i = 0; i < NFRAMES; i++)
			if (m[i]) {
				fprintf(e, "%u\n", i + 1);
				count++;
			}
		fprintf(c, "%u\n", count);
	}
	if (b)
		fclose(b);
	if (e)
		fclose(e);
	if (c)
		fclose(c);
}

/* One record of pcap_diff.expect: name, bytecode, libpcap's results. */
static void write_record(FILE *out, const char *kind, const char *name,
			 const struct bpf32_sock_filter *insns, uint32_t n, uint32_t step,
			 const results want)
{
	fprintf(out, "%s %s\nbytecode %u", kind, name, n);
	for (uint32_t i = 0; i < n; i++)
		fprintf(out, ",%u %u %u %u", insns[i].code, insns[i].jt, insns[i].jf, insns[i].k);
	fprintf(out, "\nresults %u", step);
	for (uint32_t j = 0; j * step < NFRAMES; j++)
		fprintf(out, " %u", want[j]);
	fputc('\n', out);
}

/* libpcap's results of a filter on every `step`-th frame; the number of matches. */
static unsigned pcap_results(const struct bpf_insn *prog, uint32_t step, results want)
{
	unsigned nmatch = 0;
	for (uint32_t j = 0, i = 0; i < NFRAMES; j++, i += step) {
		want[j] = bpf_filter(prog, frames[i].data, frames[i].len, frames[i].caplen);
		nmatch += want[j] != 0;
	}
	return nmatch;
}

/* Every expression: libpcap's compiler, libpcap's interpreter, then bpf32. */
static unsigned write_exprs(FILE *out, const char *dir, pcap_t *dead)
{
	unsigned total = 0;
	for (size_t e = 0; e < NEXPRS; e++) {
		struct bpf_program prog;
		if (pcap_compile(dead, &prog, exprs[e], 1, PCAP_NETMASK_UNKNOWN)) {
			TU_CHECK(0, "\"%s\": pcap_compile: %s", exprs[e], pcap_geterr(dead));
			continue;
		}
		struct bpf32_sock_filter *insns = from_pcap(&prog);
		results want;
		total += pcap_results(prog.bf_insns, 1, want);
		check_filter(exprs[e], insns, prog.bf_len, 1, want);
		write_record(out, "filter", exprs[e], insns, prog.bf_len, 1, want);
		if (!strcmp(exprs[e], "tcp port 80"))
			write_cli_files(dir, insns, prog.bf_len, want);
		free(insns);
		pcap_freecode(&prog);
	}
	return total;
}

/* Random programs that bpf32 accepts (some read a scratch word first and are redrawn). */
static void write_random(FILE *out)
{
	struct bpf32_env *env = bpf32_env_new();
	unsigned redrawn = 0;
	for (unsigned r = 0; r < NRANDOM; r++) {
		struct bpf32_sock_filter f[RANDOM_MAX_INSNS];
		struct bpf_insn pf[RANDOM_MAX_INSNS];
		struct bpf32_error err = { 0 };
		uint32_t n = random_program(f);
		struct bpf32_prog *p = bpf32_load_cbpf(env, f, n, BPF32_CBPF_SOCKET, &err);
		bpf32_prog_free(p);
		if (!p) {
			TU_CHECK(strstr(err.msg, "may be read before"), "random %u: %s", r, err.msg);
			redrawn++;
			r--;
			continue;
		}
		for (uint32_t i = 0; i < n; i++)
			pf[i] = (struct bpf_insn){ f[i].code, f[i].jt, f[i].jf, f[i].k };
		results want;
		char name[32];
		snprintf(name, sizeof name, "random-%u", r);
		pcap_results(pf, RANDOM_STEP, want);
		check_filter(name, f, n, RANDOM_STEP, want);
		write_record(out, "program", name, f, n, RANDOM_STEP, want);
	}
	bpf32_env_free(env);
	printf("pcap_diff: %u random programs (%u redrawn)\n", NRANDOM, redrawn);
}

static int run_write(const char *dir)
{
	FILE *out = open_out(dir, "pcap_diff.expect");
	if (!out)
		return 1;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	fprintf(out, "capture %u %016llx\n", NFRAMES, (unsigned long long)capture_digest());
	unsigned total = write_exprs(out, dir, dead);
	write_random(out);
	TU_CHECK(fclose(out) == 0, "writing pcap_diff.expect");
	check_refused(dead);
	pcap_close(dead);
	write_pcap(dir, "synth-le-us.pcap", 0, 0);
	write_pcap(dir, "synth-be-ns.pcap", 1, 1);
	printf("pcap_diff: %zu filters, %u packets, %u matches in libpcap\n", NEXPRS, NFRAMES, total);
	return 0;
}

#endif /* BPF32_HAVE_PCAP */

/* ------------------------------------------------------------ replay */

/* The next line of `*s` (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **s)
{
	char *line = *s;
	if (!*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = 0;
		*s = nl + 1;
	} else {
		*s = line + strlen(line);
	}
	return line;
}

static int run_replay(const char *path)
{
	size_t len;
	char *text = (char *)tu_read_file(path, &len), *s = text, *line;
	if (!text) {
		fprintf(stderr, "pcap_diff: cannot read %s: the host build's test pcap_diff writes it "
				"(run the host tests first)\n", path);
		return getenv("CI") && !strcmp(getenv("CI"), "true") ? 1 : 0;
	}
	unsigned frames_in_file = 0;
	unsigned long long digest = 0;
	line = next_line(&s);
	TU_CHECK(line && sscanf(line, "capture %u %llx", &frames_in_file, &digest) == 2 &&
		 frames_in_file == NFRAMES && digest == capture_digest(),
		 "%s: made from another capture (%u frames, digest %016llx; here %u, %016llx)", path,
		 frames_in_file, digest, NFRAMES, (unsigned long long)capture_digest());
	unsigned nfilters = 0;
	while (!tu_failures && (line = next_line(&s))) {
		char name[256], *sp = strchr(line, ' ');
		snprintf(name, sizeof name, "%s", sp ? sp + 1 : line);
		char *code = next_line(&s), *res = next_line(&s), *end;
		struct bpf32_sock_filter *insns = NULL;
		uint32_t n = 0;
		struct bpf32_error err = { 0 };
		if (!code || !res || strncmp(code, "bytecode ", 9) || strncmp(res, "results ", 8) ||
		    bpf32_cbpf_parse(code + 9, &insns, &n, &err)) {
			TU_CHECK(0, "%s: bad record for \"%s\": %s", path, name, err.msg);
			break;
		}
		results want = { 0 };
		unsigned long step = strtoul(res + 8, &end, 10);
		for (uint32_t j = 0; step && j * step < NFRAMES; j++)
			want[j] = (uint32_t)strtoul(end, &end, 10);
		TU_CHECK(step && !*end, "%s: bad results for \"%s\"", path, name);
		if (step)
			check_filter(name, insns, n, (uint32_t)step, want);
		free(insns);
		nfilters++;
	}
	free(text);
	printf("pcap_diff: replayed %u filters and programs over %u packets\n", nfilters, NFRAMES);
	return 0;
}

int main(int argc, char **argv)
{
	const char *write_dir = NULL, *replay = NULL;
	for (int i = 1; i < argc; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--config") && val && nconfigs < MAX_CONFIGS) {
			if (tu_config_parse(val, &configs[nconfigs++])) {
				fprintf(stderr, "pcap_diff: unknown config %s\n", val);
				return 2;
			}
		} else if (!strcmp(argv[i], "--write") && val) {
			write_dir = val;
		} else if (!strcmp(argv[i], "--replay") && val) {
			replay = val;
		} else {
			fprintf(stderr, "usage: test_pcap_diff (--write DIR | --replay FILE) "
					"[--config NAME]...\n");
			return 2;
		}
		i++;
	}
	if (!nconfigs)
		tu_config_parse("interp", &configs[nconfigs++]);
	make_capture();

	int rc;
	if (write_dir) {
#ifdef BPF32_HAVE_PCAP
		rc = run_write(write_dir);
#else
		fprintf(stderr, "pcap_diff: --write needs a build with libpcap\n");
		return 2;
#endif
	} else if (replay) {
		rc = run_replay(replay);
	} else {
		fprintf(stderr, "pcap_diff: give --write DIR or --replay FILE\n");
		return 2;
	}
	printf("pcap_diff: %lu (filter, packet) pairs compared (%lu JITed) in %d configuration(s), "
	       "%d failed checks\n", pairs, jited_pairs, nconfigs, tu_failures);
	return rc || tu_failures != 0;
}
