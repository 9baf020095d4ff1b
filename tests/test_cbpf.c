/*
 * Classic BPF: every opcode with exact results, the ancillary loads, the
 * validator's rejections (each naming the classic instruction), the shape of
 * the converted eBPF, and seccomp filters against system calls.
 *
 *     test_cbpf [--config NAME]...     (default: interp)
 *
 * Every program runs under each configuration (interpreter, JIT variants).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "packet.h"
#include "prog.h"
#include "testutil.h"

#define MAX_CONFIGS 16
static struct tu_config configs[MAX_CONFIGS];
static int nconfigs;
static struct bpf32_env *env;
static unsigned runs, jited_runs;

/* Prepare a program for configuration c; a JIT configuration must really JIT it. */
static int apply_config(int c, struct bpf32_prog *p, const char *name)
{
	struct bpf32_error err = { 0 };
	if (tu_config_apply(&configs[c], p, &err)) {
		TU_CHECK(0, "%s [%s]: jit: %s", name, configs[c].name, err.msg);
		return -1;
	}
	TU_CHECK(!configs[c].jit || bpf32_is_jited(p), "%s [%s]: not JITed", name, configs[c].name);
	runs++;
	jited_runs += bpf32_is_jited(p) != 0;
	return 0;
}

/* ------------------------------------------------------------ instructions */

#define STMT(code, k) { (uint16_t)(code), 0, 0, (uint32_t)(k) }
#define JUMP(code, k, jt, jf) { (uint16_t)(code), (jt), (jf), (uint32_t)(k) }

#define LD(k) STMT(BPF_LD | BPF_W | BPF_IMM, k)
#define LDX(k) STMT(BPF_LDX | BPF_W | BPF_IMM, k)
#define LDW(k) STMT(BPF_LD | BPF_W | BPF_ABS, k)
#define LDH(k) STMT(BPF_LD | BPF_H | BPF_ABS, k)
#define LDB(k) STMT(BPF_LD | BPF_B | BPF_ABS, k)
#define LDW_IND(k) STMT(BPF_LD | BPF_W | BPF_IND, k)
#define LDH_IND(k) STMT(BPF_LD | BPF_H | BPF_IND, k)
#define LDB_IND(k) STMT(BPF_LD | BPF_B | BPF_IND, k)
#define LD_MEM(k) STMT(BPF_LD | BPF_W | BPF_MEM, k)
#define LDX_MEM(k) STMT(BPF_LDX | BPF_W | BPF_MEM, k)
#define ST(k) STMT(BPF_ST, k)
#define STX(k) STMT(BPF_STX, k)
#define LD_LEN STMT(BPF_LD | BPF_W | CBPF_LEN, 0)
#define LDX_LEN STMT(BPF_LDX | BPF_W | CBPF_LEN, 0)
#define MSH(k) STMT(BPF_LDX | BPF_B | CBPF_MSH, k)
#define ALU_K(op, k) STMT(BPF_ALU | (op) | BPF_K, k)
#define ALU_X(op) STMT(BPF_ALU | (op) | BPF_X, 0)
#define NEG STMT(BPF_ALU | BPF_NEG, 0)
#define JA(k) STMT(BPF_JMP | BPF_JA, k)
#define JK(op, k, jt, jf) JUMP(BPF_JMP | (op) | BPF_K, k, jt, jf)
#define JX(op, jt, jf) JUMP(BPF_JMP | (op) | BPF_X, 0, jt, jf)
#define RET(k) STMT(CBPF_RET | BPF_K, k)
#define RET_A STMT(CBPF_RET | CBPF_RVAL_A, 0)
#define TAX STMT(CBPF_MISC | CBPF_TAX, 0)
#define TXA STMT(CBPF_MISC | CBPF_TXA, 0)
#define ANC(code) LDW((uint32_t)CBPF_SKF_AD_OFF + (code))
#define ANCB(code) LDB((uint32_t)CBPF_SKF_AD_OFF + (code))

#define MAXI 16

/* Length of a program in a fixed array: up to the last non-zero slot, as Linux cuts its tables. */
static uint32_t prog_len(const struct bpf32_sock_filter *f, uint32_t max)
{
	uint32_t n = max;
	while (n && !f[n - 1].code && !f[n - 1].k)
		n--;
	return n;
}

/* ------------------------------------------------------------ packets */

enum {
	P_NONE,         /* no packet: an empty one */
	P_TCP,          /* Ethernet, IPv4, TCP (data offset 6), "hello!": 64 bytes */
	P_FRAG,         /* 8 linear bytes 00..07 and a fragment 08..0f */
	P_NETLINK,      /* netlink attributes in host order */
	P_IP_OPTS_UDP,  /* IPv4 with 4 bytes of options, UDP */
	P_IP6_EXT_UDP,  /* IPv6, hop-by-hop, destination options (16 bytes), UDP */
	P_VLAN_ICMP,    /* in-band 802.1Q tag, IPv4, ICMP; protocol 0x8100 */
	P_IP_LATER,     /* IPv4 fragment at offset 13 * 8 */
	P_IP_FIRST,     /* IPv4 first fragment (MF), TCP (data offset 5) */
	P_IPIP,         /* IPv4 in IPv4, UDP */
	P_IP6_LATER,    /* IPv6 fragment header, offset 2 */
	P_TCP_CUT_L4,   /* P_TCP cut after 6 TCP bytes: no data offset */
	P_TCP_CUT_L3,   /* P_TCP cut inside the IPv4 header */
	P_ARP,          /* protocol 0x0806 */
	P_COUNT
};

static const char *const pkt_hex[P_COUNT] = {
	[P_TCP] = "001122334455 66778899aabb 0800"
		  "4500 0032 1234 4000 4006 0000 c0a80102 c0a80103"
		  "04d2 0050 00000001 00000000 6012 ffff 0000 0000 020405b4"
		  "68656c6c6f21",
	[P_IP_OPTS_UDP] = "001122334455 66778899aabb 0800"
			  "4600 0024 0001 0000 4011 0000 0a000001 0a000002 01010100"
			  "0035 0035 0008 0000",
	[P_IP6_EXT_UDP] = "001122334455 66778899aabb 86dd"
			  "60000000 0020 00 40 fe800000000000000000000000000001"
			  "fe800000000000000000000000000002"
			  "3c 00 0104 00000000"
			  "11 01 010c 000000000000000000000000"
			  "1234 5678 0008 0000",
	[P_VLAN_ICMP] = "001122334455 66778899aabb 8100 0064 0800"
			"4500 001c 0000 0000 4001 0000 01020304 05060708"
			"0800 0000 0000 0000",
	[P_IP_LATER] = "001122334455 66778899aabb 0800"
		       "4500 0020 0001 000d 4011 0000 0a000001 0a000002"
		       "0035 0035 0008 0000",
	[P_IP_FIRST] = "001122334455 66778899aabb 0800"
		       "4500 0028 0001 2000 4006 0000 0a000001 0a000002"
		       "0001 0002 00000000 00000000 5000 0000 0000 0000",
	[P_IPIP] = "001122334455 66778899aabb 0800"
		   "4500 0030 0000 0000 4004 0000 01010101 02020202"
		   "4500 001c 0000 0000 4011 0000 03030303 04040404"
		   "0035 0035 0008 0000",
	[P_IP6_LATER] = "001122334455 66778899aabb 86dd"
			"60000000 0010 2c 40 fe800000000000000000000000000001"
			"fe800000000000000000000000000002"
			"11 00 0011 00000001"
			"1234 5678 0008 0000",
	[P_ARP] = "ffffffffffff 66778899aabb 0806 0001 0800 0604 0001",
};

static uint8_t pkt_bytes[P_COUNT][128];
static const uint8_t frag_bytes[8] = { 8, 9, 10, 11, 12, 13, 14, 15 };
static struct bpf32_packet pkts[P_COUNT];

static size_t parse_hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		unsigned v;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
		s++;
	}
	return n;
}

/* Host-order netlink attribute header at p. */
static void nla_put(uint8_t *p, uint16_t len, uint16_t type)
{
	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
}

static const struct bpf32_pkt_meta test_meta = {
	.protocol = 0x0800, .pkttype = 1, .ifindex = 7, .mark = 0xabcdef01, .queue = 5,
	.hatype = 772, .rxhash = 0x12345678, .cpu = 3, .vlan_tci = 0x0123,
	.vlan_present = 1, .vlan_tpid = 0x88a8,
};

static void make_packets(void)
{
	for (int p = 0; p < P_COUNT; p++) {
		uint32_t len = pkt_hex[p] ? (uint32_t)parse_hex(pkt_hex[p], pkt_bytes[p]) : 0;
		pkts[p] = (struct bpf32_packet){ .data = pkt_bytes[p], .len = len, .headlen = len,
						 .net_off = len < 14 ? len : 14, .meta = test_meta };
	}
	pkts[P_IP6_EXT_UDP].meta.protocol = 0x86dd;
	pkts[P_IP6_LATER].meta.protocol = 0x86dd;
	pkts[P_VLAN_ICMP].meta.protocol = 0x8100;
	pkts[P_ARP].meta.protocol = 0x0806;

	pkts[P_TCP_CUT_L4] = pkts[P_TCP];
	pkts[P_TCP_CUT_L4].len = pkts[P_TCP_CUT_L4].headlen = 40;
	pkts[P_TCP_CUT_L3] = pkts[P_TCP];
	pkts[P_TCP_CUT_L3].len = pkts[P_TCP_CUT_L3].headlen = 30;

	for (uint8_t i = 0; i < 8; i++)
		pkt_bytes[P_FRAG][i] = i;
	pkts[P_FRAG] = (struct bpf32_packet){ .data = pkt_bytes[P_FRAG], .len = 16, .headlen = 8,
					      .frag = frag_bytes, .meta = test_meta };

	/*
	 * Netlink attributes:
	 *   0: len 8, type 1
	 *   8: len 12, type 2 | NLA_F_NESTED, holding at 12: len 8, type 5
	 *  20: len 5, type 3 (padded to 8)
	 *  28: len 4, type 4 | NLA_F_NET_BYTEORDER
	 */
	uint8_t *nl = pkt_bytes[P_NETLINK];
	nla_put(nl + 0, 8, 1);
	nla_put(nl + 8, 12, 0x8002);
	nla_put(nl + 12, 8, 5);
	nla_put(nl + 20, 5, 3);
	nla_put(nl + 28, 4, 0x4004);
	pkts[P_NETLINK] = (struct bpf32_packet){ .data = nl, .len = 32, .headlen = 32,
						 .meta = test_meta };
}

/* ------------------------------------------------------------ running */

/* Run a loaded filter on a packet under every configuration; check the result. */
static void check_prog(const char *name, struct bpf32_prog *p, const struct bpf32_packet *pkt,
		       uint32_t want)
{
	for (int c = 0; c < nconfigs; c++) {
		struct bpf32_error err = { 0 };
		uint32_t got = 0;
		if (apply_config(c, p, name))
			continue;
		int rc = bpf32_run_cbpf(p, pkt, &got, &err);
		TU_CHECK(rc == 0, "%s [%s]: run: %s", name, configs[c].name, err.msg);
		TU_CHECK(rc || got == want, "%s [%s]: got 0x%x, want 0x%x", name, configs[c].name,
			 got, want);
	}
}

/*
 * Load once per configuration (a JITed program stays JITed), run on a
 * packet and check.
 */
static void check_run(const char *name, const struct bpf32_sock_filter *f, uint32_t n, int pkt,
		      uint32_t want)
{
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = bpf32_load_cbpf(env, f, n, BPF32_CBPF_SOCKET, &err);
	TU_CHECK(p, "%s: load: instruction %d: %s", name, err.insn, err.msg);
	if (p)
		check_prog(name, p, pkt == P_NONE ? NULL : &pkts[pkt], want);
	bpf32_prog_free(p);
}

/* ------------------------------------------------------------ opcodes */

struct run_case {
	const char *name;
	int pkt;
	uint32_t want;
	struct bpf32_sock_filter insns[MAXI];
};

#define A0 0x80000005u   /* the A of the ALU cases */

static const struct run_case run_cases[] = {
	/* loads */
	{ "ld #k", P_NONE, 0xdeadbeef, { LD(0xdeadbeef), RET_A } },
	{ "ldx #k, txa", P_NONE, 7, { LDX(7), TXA, RET_A } },
	{ "ld [k]", P_TCP, 0xc0a80102, { LDW(26), RET_A } },
	{ "ldh [k]", P_TCP, 0x0800, { LDH(12), RET_A } },
	{ "ldb [k]", P_TCP, 6, { LDB(23), RET_A } },
	{ "ld [k] last word", P_TCP, 0x6c6c6f21, { LDW(60), RET_A } },
	{ "ld [k] past the end", P_TCP, 0, { LDW(61), RET(1) } },
	{ "ldh [k] past the end", P_TCP, 0, { LDH(63), RET(1) } },
	{ "ldb [k] past the end", P_TCP, 0, { LDB(64), RET(1) } },
	{ "ldb [k] huge", P_TCP, 0, { LDB(0x7fffffff), RET(1) } },
	{ "ld [x+k]", P_TCP, 0xc0a80102, { LDX(10), LDW_IND(16), RET_A } },
	{ "ldh [x+k]", P_TCP, 0x0050, { LDX(20), LDH_IND(16), RET_A } },
	{ "ldb [x+k]", P_TCP, 0x12, { LDX(1), LDB_IND(46), RET_A } },
	{ "ldh [x+k] wraps", P_TCP, 0x0800, { LDX(0xffffffff), LDH_IND(13), RET_A } },
	{ "ldb [x+k] past the end", P_TCP, 0, { LDX(60), LDB_IND(4), RET(1) } },
	{ "ld [x+k] negative", P_TCP, 0, { LDX(0), LDW_IND(0xfffffffc), RET(1) } },
	{ "ldb [net+k]", P_TCP, 6, { LDB((uint32_t)BPF32_SKF_NET_OFF + 9), RET_A } },
	{ "ldh [ll+k]", P_TCP, 0x0800, { LDH((uint32_t)BPF32_SKF_LL_OFF + 12), RET_A } },
	{ "ldb [x+net+k]", P_TCP, 0x45, { LDX(0xfffffffe), LDB_IND((uint32_t)BPF32_SKF_NET_OFF + 2),
					  RET_A } },
	{ "ldb below ll", P_TCP, 0, { LDB((uint32_t)BPF32_SKF_LL_OFF - 1), RET(1) } },
	{ "ld [k] head and fragment", P_FRAG, 0x06070809, { LDW(6), RET_A } },
	{ "ldb [k] fragment", P_FRAG, 15, { LDB(15), RET_A } },
	{ "ld [k] past fragment", P_FRAG, 0, { LDW(13), RET(1) } },
	{ "ld [k] empty packet", P_NONE, 0, { LDB(0), RET(1) } },
	{ "ld #len", P_TCP, 64, { LD_LEN, RET_A } },
	{ "ldx #len", P_FRAG, 16, { LDX_LEN, TXA, RET_A } },
	{ "ld #len empty", P_NONE, 0, { LD(5), LD_LEN, RET_A } },
	{ "ld M[], st", P_NONE, 5, { LD(5), ST(3), LD(0), LD_MEM(3), RET_A } },
	{ "ldx M[], stx", P_NONE, 9, { LDX(9), STX(15), LDX(0), LDX_MEM(15), TXA, RET_A } },
	{ "M[] words are apart", P_NONE, 0x30201, { LD(1), ST(0), LD(2), ST(1), LD(3), ST(15),
						    LD_MEM(15), ALU_K(BPF_LSH, 8), TAX,
						    LD_MEM(1), ALU_X(BPF_OR), ALU_K(BPF_LSH, 8), TAX,
						    LD_MEM(0), ALU_X(BPF_OR), RET_A } },
	{ "ldx msh", P_TCP, 20, { MSH(14), TXA, RET_A } },
	{ "ldx msh keeps A", P_TCP, 0x1248, { LD(0x1234), MSH(14), ALU_X(BPF_ADD), RET_A } },
	{ "ldx msh past the end", P_TCP, 0, { MSH(64), RET(1) } },
	{ "ldx msh net offset", P_TCP, 20, { MSH((uint32_t)BPF32_SKF_NET_OFF), TXA, RET_A } },

	/* ALU with a constant, A = 0x80000005 */
	{ "add #k", P_NONE, 0, { LD(A0), ALU_K(BPF_ADD, 0x7ffffffb), RET_A } },
	{ "sub #k", P_NONE, 0x7fffffff, { LD(A0), ALU_K(BPF_SUB, 6), RET_A } },
	{ "mul #k", P_NONE, 0x8000000f, { LD(A0), ALU_K(BPF_MUL, 3), RET_A } },
	{ "div #k", P_NONE, 0x0ccccccd, { LD(A0), ALU_K(BPF_DIV, 10), RET_A } },
	{ "div #k unsigned", P_NONE, 0, { LD(5), ALU_K(BPF_DIV, 0xffffffff), RET_A } },
	{ "mod #k", P_NONE, 3, { LD(A0), ALU_K(BPF_MOD, 10), RET_A } },
	{ "and #k", P_NONE, 5, { LD(A0), ALU_K(BPF_AND, 0xff), RET_A } },
	{ "or #k", P_NONE, 0x80000075, { LD(A0), ALU_K(BPF_OR, 0x70), RET_A } },
	{ "xor #k", P_NONE, 0x7ffffffa, { LD(A0), ALU_K(BPF_XOR, 0xffffffff), RET_A } },
	{ "lsh #k", P_NONE, 0x50, { LD(A0), ALU_K(BPF_LSH, 4), RET_A } },
	{ "lsh #31", P_NONE, 0x80000000, { LD(A0), ALU_K(BPF_LSH, 31), RET_A } },
	{ "rsh #k logical", P_NONE, 0x08000000, { LD(A0), ALU_K(BPF_RSH, 4), RET_A } },
	{ "rsh #31", P_NONE, 1, { LD(A0), ALU_K(BPF_RSH, 31), RET_A } },
	{ "neg", P_NONE, 0x7ffffffb, { LD(A0), NEG, RET_A } },
	{ "neg 0", P_NONE, 0, { NEG, RET_A } },

	/* ALU with X */
	{ "add x", P_NONE, 0, { LD(A0), LDX(0x7ffffffb), ALU_X(BPF_ADD), RET_A } },
	{ "sub x", P_NONE, 0x7fffffff, { LD(A0), LDX(6), ALU_X(BPF_SUB), RET_A } },
	{ "mul x", P_NONE, 0x8000000f, { LD(A0), LDX(3), ALU_X(BPF_MUL), RET_A } },
	{ "div x", P_NONE, 0x0ccccccd, { LD(A0), LDX(10), ALU_X(BPF_DIV), RET_A } },
	{ "mod x", P_NONE, 3, { LD(A0), LDX(10), ALU_X(BPF_MOD), RET_A } },
	{ "and x", P_NONE, 5, { LD(A0), LDX(0xff), ALU_X(BPF_AND), RET_A } },
	{ "or x", P_NONE, 0x80000075, { LD(A0), LDX(0x70), ALU_X(BPF_OR), RET_A } },
	{ "xor x", P_NONE, 0x7ffffffa, { LD(A0), LDX(0xffffffff), ALU_X(BPF_XOR), RET_A } },
	{ "lsh x", P_NONE, 0x50, { LD(A0), LDX(4), ALU_X(BPF_LSH), RET_A } },
	{ "rsh x", P_NONE, 0x08000000, { LD(A0), LDX(4), ALU_X(BPF_RSH), RET_A } },
	{ "lsh x 31", P_NONE, 0x80000000, { LD(1), LDX(31), ALU_X(BPF_LSH), RET_A } },
	{ "rsh x 31", P_NONE, 1, { LD(A0), LDX(31), ALU_X(BPF_RSH), RET_A } },
	{ "lsh x 32 gives 0", P_NONE, 0, { LD(1), LDX(32), ALU_X(BPF_LSH), RET_A } },
	{ "lsh x 33 gives 0", P_NONE, 0, { LD(1), LDX(33), ALU_X(BPF_LSH), RET_A } },
	{ "rsh x 32 gives 0", P_NONE, 0, { LD(A0), LDX(32), ALU_X(BPF_RSH), RET_A } },
	{ "rsh x -1 gives 0", P_NONE, 0, { LD(A0), LDX(0xffffffff), ALU_X(BPF_RSH), RET_A } },
	{ "shift 0 then continue", P_NONE, 7, { LD(A0), LDX(40), ALU_X(BPF_LSH), ALU_K(BPF_ADD, 7),
						RET_A } },
	{ "div x by 0 returns 0", P_NONE, 0, { LD(5), LDX(0), ALU_X(BPF_DIV), RET(1) } },
	{ "mod x by 0 returns 0", P_NONE, 0, { LD(5), LDX(0), ALU_X(BPF_MOD), RET(1) } },
	{ "div x by 0 default X", P_NONE, 0, { LD(5), ALU_X(BPF_DIV), RET(1) } },

	/* registers and returns */
	{ "ret #k", P_NONE, 0xffffffff, { RET(0xffffffff) } },
	{ "ret a: A starts at 0", P_NONE, 0, { RET_A } },
	{ "txa: X starts at 0", P_NONE, 0, { LD(9), TXA, RET_A } },
	{ "add x: X starts at 0", P_NONE, 9, { LD(9), ALU_X(BPF_ADD), RET_A } },
	{ "tax, txa", P_NONE, 3, { LD(3), TAX, LD(0), TXA, RET_A } },
	{ "ret a after jumps", P_NONE, 0, { LD(2), JK(BPF_JEQ, 2, 0, 1), LD(0), RET_A } },
	{ "ja", P_NONE, 2, { JA(1), RET(1), RET(2) } },
	{ "ja 0", P_NONE, 1, { JA(0), RET(1) } },
	{ "unreachable code", P_NONE, 4, { JA(2), LD_MEM(3), RET_A, RET(4) } },

	/* ancillary loads (any size) */
	{ "protocol", P_TCP, 0x0800, { ANC(CBPF_SKF_AD_PROTOCOL), RET_A } },
	{ "pkttype", P_TCP, 1, { ANCB(CBPF_SKF_AD_PKTTYPE), RET_A } },
	{ "ifindex", P_TCP, 7, { ANC(CBPF_SKF_AD_IFINDEX), RET_A } },
	{ "mark", P_TCP, 0xabcdef01, { ANCB(CBPF_SKF_AD_MARK), RET_A } },
	{ "queue", P_TCP, 5, { ANC(CBPF_SKF_AD_QUEUE), RET_A } },
	{ "hatype", P_TCP, 772, { ANC(CBPF_SKF_AD_HATYPE), RET_A } },
	{ "rxhash", P_TCP, 0x12345678, { ANC(CBPF_SKF_AD_RXHASH), RET_A } },
	{ "cpu", P_TCP, 3, { ANC(CBPF_SKF_AD_CPU), RET_A } },
	{ "vlan tag", P_TCP, 0x0123, { ANC(CBPF_SKF_AD_VLAN_TAG), RET_A } },
	{ "vlan tag present", P_TCP, 1, { ANC(CBPF_SKF_AD_VLAN_TAG_PRESENT), RET_A } },
	{ "vlan tpid", P_TCP, 0x88a8, { ANC(CBPF_SKF_AD_VLAN_TPID), RET_A } },
	{ "metadata, empty packet", P_NONE, 0, { LD(5), ANC(CBPF_SKF_AD_MARK), RET_A } },
	{ "alu xor x", P_NONE, 0xf00f, { LD(0xf0f0), LDX(0xff), ANC(CBPF_SKF_AD_ALU_XOR_X),
					 RET_A } },
	{ "random twice differs", P_NONE, 1, { ANC(CBPF_SKF_AD_RANDOM), TAX,
					       ANC(CBPF_SKF_AD_RANDOM), JX(BPF_JEQ, 0, 1),
					       RET(0), RET(1) } },
	{ "ancillary keeps X", P_TCP, 0x806, { LDX(6), ANC(CBPF_SKF_AD_PAY_OFFSET), ANC(CBPF_SKF_AD_PROTOCOL),
					       ALU_X(BPF_ADD), RET_A } },
};

/* NLATTR / NLATTR_NEST: A = offset, X = type. */
static const struct nla_case {
	int nest;
	int pkt;
	uint32_t a, x, want;
} nla_cases[] = {
	{ 0, P_NETLINK, 0, 1, 0 },        /* found at 0, which reads as "none" */
	{ 0, P_NETLINK, 0, 2, 8 },        /* NLA_F_NESTED is not part of the type */
	{ 0, P_NETLINK, 0, 3, 20 },
	{ 0, P_NETLINK, 0, 4, 28 },       /* nor is NLA_F_NET_BYTEORDER */
	{ 0, P_NETLINK, 0, 5, 0 },        /* only inside attribute 2 */
	{ 0, P_NETLINK, 0, 0x8002, 0 },   /* the flag bits never match */
	{ 0, P_NETLINK, 8, 1, 0 },        /* the search starts at A */
	{ 0, P_NETLINK, 20, 4, 28 },
	{ 0, P_NETLINK, 28, 4, 28 },
	{ 0, P_NETLINK, 29, 4, 0 },       /* A > len - 4 */
	{ 0, P_FRAG, 0, 0, 0 },           /* a packet with a fragment */
	{ 0, P_NONE, 0, 0, 0 },
	{ 1, P_NETLINK, 8, 5, 12 },
	{ 1, P_NETLINK, 8, 1, 0 },
	{ 1, P_NETLINK, 0, 5, 0 },        /* attribute 1 holds no attributes */
	{ 1, P_NETLINK, 28, 4, 0 },       /* an empty payload */
	{ 1, P_NETLINK, 30, 5, 0 },
};

/* PAY_OFFSET: the transport payload's offset, found from the network header. */
static const struct {
	int pkt;
	uint32_t want;
} poff_cases[] = {
	{ P_TCP, 14 + 20 + 24 },         { P_IP_OPTS_UDP, 14 + 24 + 8 },
	{ P_IP6_EXT_UDP, 14 + 40 + 8 + 16 + 8 }, { P_VLAN_ICMP, 14 + 4 + 20 + 8 },
	{ P_IP_LATER, 14 + 20 },         { P_IP_FIRST, 14 + 20 + 20 },
	{ P_IPIP, 14 + 20 + 20 + 8 },    { P_IP6_LATER, 14 + 40 + 8 },
	{ P_TCP_CUT_L4, 14 + 20 },       { P_TCP_CUT_L3, 0 },
	{ P_ARP, 0 },                    { P_NONE, 0 },
};

/* Reference conditions of the classic jumps. */
static int cond(uint8_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	default: return (a & b) != 0;
	}
}

/*
 * Every conditional jump, K and X, on value pairs around the unsigned
 * order, with each way of placing jt and jf (including the forms the
 * converter shortens: a branch to the next instruction, jt == jf).
 */
static void test_jumps(void)
{
	static const uint8_t ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	static const uint32_t pairs[][2] = {
		{ 5, 5 }, { 5, 6 }, { 6, 5 }, { 0xffffffff, 1 }, { 1, 0xffffffff },
		{ 0x80000000, 0x7fffffff }, { 0xf0, 0x0f }, { 0xf0, 0x10 },
	};
	static const uint8_t targets[][2] = {
		{ 0, 1 }, { 1, 0 }, { 0, 2 }, { 2, 0 }, { 1, 2 }, { 2, 1 }, { 1, 1 }, { 0, 0 },
	};
	for (size_t o = 0; o < sizeof ops; o++)
		for (int x = 0; x < 2; x++)
			for (size_t v = 0; v < sizeof pairs / sizeof pairs[0]; v++)
				for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
					uint8_t jt = targets[t][0], jf = targets[t][1];
					uint32_t a = pairs[v][0], b = pairs[v][1];
					struct bpf32_sock_filter f[] = {
						LD(a), LDX(b),
						x ? (struct bpf32_sock_filter)JX(ops[o], jt, jf)
						  : (struct bpf32_sock_filter)JK(ops[o], b, jt, jf),
						RET(1), RET(2), RET(3),
					};
					char name[80];
					snprintf(name, sizeof name, "j%02x%s 0x%x, 0x%x, jt %u jf %u",
						 ops[o], x ? " x" : "", a, b, jt, jf);
					check_run(name, f, 6, P_NONE,
						  1u + (cond(ops[o], a, b) ? jt : jf));
				}
}

static void test_opcodes(void)
{
	for (size_t i = 0; i < sizeof run_cases / sizeof run_cases[0]; i++) {
		const struct run_case *c = &run_cases[i];
		check_run(c->name, c->insns, prog_len(c->insns, MAXI), c->pkt, c->want);
	}
	for (size_t i = 0; i < sizeof nla_cases / sizeof nla_cases[0]; i++) {
		const struct nla_case *c = &nla_cases[i];
		struct bpf32_sock_filter f[] = {
			LD(c->a), LDX(c->x),
			ANC(c->nest ? CBPF_SKF_AD_NLATTR_NEST : CBPF_SKF_AD_NLATTR), RET_A,
		};
		char name[64];
		snprintf(name, sizeof name, "nlattr%s A=%u X=0x%x", c->nest ? "_nest" : "", c->a, c->x);
		check_run(name, f, 4, c->pkt, c->want);
	}
	for (size_t i = 0; i < sizeof poff_cases / sizeof poff_cases[0]; i++) {
		struct bpf32_sock_filter f[] = { ANC(CBPF_SKF_AD_PAY_OFFSET), RET_A };
		char name[64];
		snprintf(name, sizeof name, "pay_offset, packet %d", poff_cases[i].pkt);
		check_run(name, f, 2, poff_cases[i].pkt, poff_cases[i].want);
	}
	test_jumps();
}

/* ------------------------------------------------------------ validation */

struct reject_case {
	const char *what;
	int mode;
	struct bpf32_sock_filter insns[MAXI];
	int32_t insn;         /* expected classic index */
	const char *msg;      /* expected substring */
};

#define SOCK BPF32_CBPF_SOCKET
#define SECC BPF32_CBPF_SECCOMP

static const struct reject_case rejects[] = {
	{ "ldx [k] (0x21)", SOCK, { LD(1), STMT(0x21, 0), RET_A }, 1, "opcode 0x21" },
	{ "ret x (0x0e)", SOCK, { LDX(1), STMT(0x0e, 0) }, 1, "opcode 0x0e" },
	{ "ldh #k (libpcap-only form)", SOCK, { STMT(BPF_LD | BPF_H | BPF_IMM, 1), RET_A }, 0,
	  "opcode 0x08" },
	{ "code above 0xff", SOCK, { STMT(0x106, 1) }, 0, "opcode 0x106" },
	{ "ld [k] with an eBPF size", SOCK, { STMT(BPF_LD | BPF_DW | BPF_ABS, 0), RET_A }, 0,
	  "opcode 0x38" },
	{ "arsh", SOCK, { ALU_K(BPF_ARSH, 1), RET_A }, 0, "opcode 0xc4" },
	{ "jne (eBPF only)", SOCK, { JK(BPF_JNE, 1, 0, 0), RET_A }, 0, "opcode 0x55" },
	{ "missing ret", SOCK, { LD(1), LD(2) }, 1, "must be a return" },
	{ "ends in tax", SOCK, { LD(1), TAX }, 1, "must be a return" },
	{ "div #0", SOCK, { LD(1), ALU_K(BPF_DIV, 0), RET_A }, 1, "division by constant 0" },
	{ "mod #0", SOCK, { LD(1), ALU_K(BPF_MOD, 0), RET_A }, 1, "modulo by constant 0" },
	{ "lsh #32", SOCK, { LD(1), ALU_K(BPF_LSH, 32), RET_A }, 1, "shift by constant 32" },
	{ "rsh #40", SOCK, { LD(1), ALU_K(BPF_RSH, 40), RET_A }, 1, "shift by constant 40" },
	{ "ld M[16]", SOCK, { LD_MEM(16), RET_A }, 0, "scratch index 16" },
	{ "ldx M[16]", SOCK, { LDX_MEM(16), RET_A }, 0, "scratch index 16" },
	{ "st M[16]", SOCK, { LD(1), ST(16), RET_A }, 1, "scratch index 16" },
	{ "stx M[-1]", SOCK, { STX(0xffffffff), RET_A }, 0, "scratch index 4294967295" },
	{ "ja past the end", SOCK, { JA(1), RET(0) }, 0, "outside the program" },
	{ "ja backwards", SOCK, { LD(1), JA(0xfffffffe), RET(0) }, 1, "backward jump (ja by -2)" },
	{ "ja far", SOCK, { LD(1), JA(0x7fffffff), RET(0) }, 1, "target 2147483649 is outside" },
	{ "jt past the end", SOCK, { JK(BPF_JEQ, 0, 2, 0), RET(0), RET(1) }, 0,
	  "outside the program" },
	{ "jf past the end", SOCK, { LD(1), JX(BPF_JGT, 0, 2), RET(0), RET(1) }, 1,
	  "target 4 is outside" },
	{ "SKF_AD_MAX", SOCK, { ANC(CBPF_SKF_AD_MAX), RET_A }, 0, "unknown ancillary load" },
	{ "SKF_AD_OFF + 2", SOCK, { ANC(2), RET_A }, 0, "SKF_AD_OFF + 2" },
	{ "ld [-1]", SOCK, { LDB(0xffffffff), RET_A }, 0, "unknown ancillary load at -1" },
	{ "M[] read first", SOCK, { LD_MEM(3), RET_A }, 0, "M[3] may be read before" },
	{ "M[] written on one path", SOCK, { LD(1), JK(BPF_JEQ, 1, 0, 1), ST(0), LD_MEM(0), RET_A },
	  3, "M[0] may be read before" },
	{ "M[] written on the other word", SOCK, { LD(1), ST(1), LDX_MEM(2), RET_A }, 2,
	  "M[2] may be read before" },
	{ "seccomp ldh", SECC, { LDH(0), RET_A }, 0, "not allowed in seccomp" },
	{ "seccomp ldb", SECC, { LDB(0), RET_A }, 0, "not allowed in seccomp" },
	{ "seccomp ld [x+k]", SECC, { LDW_IND(0), RET_A }, 0, "not allowed in seccomp" },
	{ "seccomp msh", SECC, { MSH(0), RET_A }, 0, "not allowed in seccomp" },
	{ "seccomp mod", SECC, { LD(1), ALU_K(BPF_MOD, 3), RET_A }, 1, "not allowed in seccomp" },
	{ "seccomp unaligned", SECC, { LDW(2), RET_A }, 0, "not an aligned word" },
	{ "seccomp past the struct", SECC, { LDW(64), RET_A }, 0, "not an aligned word" },
	{ "seccomp ancillary", SECC, { ANC(CBPF_SKF_AD_PROTOCOL), RET_A }, 0, "not an aligned word" },
	{ "seccomp div #0", SECC, { LD(1), ALU_K(BPF_DIV, 0), RET_A }, 1, "division by constant 0" },
	{ "seccomp missing ret", SECC, { LDW(0) }, 0, "must be a return" },
};

/* Programs Linux accepts that look close to the refused ones. */
static const struct {
	const char *what;
	int mode;
	struct bpf32_sock_filter insns[MAXI];
} accepts[] = {
	{ "ld [SKF_AD_OFF - 1]: a net offset", SOCK, { LDW((uint32_t)CBPF_SKF_AD_OFF - 1), RET_A } },
	{ "ld [x + SKF_AD_OFF]: IND has no ancillary", SOCK,
	  { LDW_IND((uint32_t)CBPF_SKF_AD_OFF), RET_A } },
	{ "M[] written on both paths", SOCK,
	  { LD(1), JK(BPF_JEQ, 1, 0, 2), ST(0), JA(1), STX(0), LD_MEM(0), RET_A } },
	{ "lsh #31, rsh #0", SOCK, { ALU_K(BPF_LSH, 31), ALU_K(BPF_RSH, 0), RET_A } },
	{ "jump to the last", SOCK, { JK(BPF_JSET, 1, 1, 1), RET(0), RET(1) } },
	{ "seccomp last word", SECC, { LDW(60), LD_LEN, LDX_LEN, RET_A } },
};

static void test_validation(void)
{
	for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
		const struct reject_case *c = &rejects[i];
		struct bpf32_error err = { 0 };
		struct bpf32_prog *p = bpf32_load_cbpf(env, c->insns, prog_len(c->insns, MAXI),
						       (enum bpf32_cbpf_mode)c->mode, &err);
		TU_CHECK(!p, "%s: loaded", c->what);
		TU_CHECK(err.code == BPF32_EINVAL, "%s: code %d", c->what, err.code);
		TU_CHECK(err.insn == c->insn, "%s: insn %d, want %d (%s)", c->what, err.insn, c->insn,
			 err.msg);
		TU_CHECK(strstr(err.msg, c->msg), "%s: message \"%s\" lacks \"%s\"", c->what, err.msg,
			 c->msg);
		bpf32_prog_free(p);
	}
	for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
		struct bpf32_error err = { 0 };
		struct bpf32_prog *p = bpf32_load_cbpf(env, accepts[i].insns,
						       prog_len(accepts[i].insns, MAXI),
						       (enum bpf32_cbpf_mode)accepts[i].mode, &err);
		TU_CHECK(p, "%s: %s", accepts[i].what, err.msg);
		bpf32_prog_free(p);
	}

	/* Sizes, modes and arguments. */
	struct bpf32_sock_filter ret0 = RET(0);
	struct bpf32_error err = { 0 };
	TU_CHECK(!bpf32_load_cbpf(env, &ret0, 0, SOCK, &err) && err.code == BPF32_EINVAL &&
		 strstr(err.msg, "empty"), "empty program: %s", err.msg);
	TU_CHECK(!bpf32_load_cbpf(env, NULL, 1, SOCK, &err) && err.code == BPF32_EINVAL,
		 "no program");
	TU_CHECK(!bpf32_load_cbpf(NULL, &ret0, 1, SOCK, &err) && err.code == BPF32_EINVAL,
		 "no environment");
	TU_CHECK(!bpf32_load_cbpf(env, &ret0, 1, (enum bpf32_cbpf_mode)2, &err) &&
		 strstr(err.msg, "mode"), "unknown mode: %s", err.msg);

	struct bpf32_sock_filter *big = calloc(BPF32_CBPF_MAX_INSNS + 1, sizeof *big);
	for (uint32_t i = 0; i <= BPF32_CBPF_MAX_INSNS; i++)
		big[i] = (struct bpf32_sock_filter)RET(i);
	struct bpf32_prog *p = bpf32_load_cbpf(env, big, BPF32_CBPF_MAX_INSNS + 1, SOCK, &err);
	TU_CHECK(!p && err.code == BPF32_E2BIG && strstr(err.msg, "4097"), "4097 insns: %s",
		 err.msg);
	p = bpf32_load_cbpf(env, big, BPF32_CBPF_MAX_INSNS, SOCK, &err);
	TU_CHECK(p, "4096 insns: %s", err.msg);
	bpf32_prog_free(p);
	free(big);

	/* The helper ids are the environment's: a foreign helper there refuses the load. */
	struct bpf32_env *other = bpf32_env_new();
	static const struct bpf32_helper_proto proto = { .nargs = 0, .ret = BPF32_RET_U32 };
	TU_CHECK(bpf32_helper_register(other, BPF32_CBPF_HELPER_NLATTR, "mine", (void *)abs, &proto,
				       &err) == 0, "register: %s", err.msg);
	struct bpf32_sock_filter nla[] = { ANC(CBPF_SKF_AD_NLATTR), RET_A };
	p = bpf32_load_cbpf(other, nla, 2, SOCK, &err);
	TU_CHECK(!p && err.code == BPF32_EEXIST && strstr(err.msg, "\"mine\""), "taken id: %s",
		 err.msg);
	bpf32_prog_free(p);
	struct bpf32_sock_filter poff[] = { ANC(CBPF_SKF_AD_PAY_OFFSET), RET_A };
	p = bpf32_load_cbpf(other, poff, 2, SOCK, &err);
	TU_CHECK(p, "other helpers still load: %s", err.msg);
	bpf32_prog_free(p);
	p = bpf32_load_cbpf(other, poff, 2, SOCK, &err);
	TU_CHECK(p, "a second load reuses the helper: %s", err.msg);
	bpf32_prog_free(p);
	bpf32_env_free(other);
}

/* ------------------------------------------------------------ conversion */

/* The eBPF a program becomes: prologue size, total size, per-instruction sizes. */
static void test_conversion(void)
{
	struct cbpf_conv cv;
	struct bpf32_error err = { 0 };

	/* A written first: no prologue; RET K is two instructions, RET A one. */
	struct bpf32_sock_filter lean[] = { LD(1), JK(BPF_JEQ, 1, 0, 1), RET(5), RET_A };
	TU_CHECK(cbpf_convert(lean, 4, SOCK, &cv, &err) == 0, "lean: %s", err.msg);
	TU_CHECK(cv.start[0] == 0 && cv.len == 5, "lean: prologue %u, length %u", cv.start[0], cv.len);
	TU_CHECK(cv.insns[1].code == (BPF_JMP32 | BPF_JNE | BPF_K) && cv.insns[1].off == 2,
		 "lean: jt 0 becomes one negated jump (code 0x%02x off %d)", cv.insns[1].code,
		 cv.insns[1].off);
	cbpf_conv_free(&cv);

	/* A and X read first, context used: three prologue instructions. */
	struct bpf32_sock_filter full[] = { ALU_X(BPF_ADD), LD_LEN, RET_A };
	TU_CHECK(cbpf_convert(full, 3, SOCK, &cv, &err) == 0, "full: %s", err.msg);
	TU_CHECK(cv.start[0] == 3 && cv.insns[0].code == (BPF_ALU64 | BPF_MOV | BPF_X) &&
		 cv.insns[0].dst == 6 && cv.insns[0].src == 1, "full: prologue %u", cv.start[0]);
	cbpf_conv_free(&cv);

	/*
	 * Every opcode once: none grows beyond CBPF_MAX_EXPANSION, which keeps
	 * jumps across a whole program within 16 bits.
	 */
	struct bpf32_sock_filter every[] = {
		LD(1), LDX(2), LDW(0), LDH(0), LDB(0), LDW_IND(0), LDH_IND(0), LDB_IND(0),
		ST(0), STX(1), LD_MEM(0), LDX_MEM(1), LD_LEN, LDX_LEN, MSH(0),
		ALU_K(BPF_ADD, 1), ALU_K(BPF_SUB, 1), ALU_K(BPF_MUL, 1), ALU_K(BPF_DIV, 1),
		ALU_K(BPF_MOD, 1), ALU_K(BPF_AND, 1), ALU_K(BPF_OR, 1), ALU_K(BPF_XOR, 1),
		ALU_K(BPF_LSH, 1), ALU_K(BPF_RSH, 1), ALU_X(BPF_ADD), ALU_X(BPF_SUB),
		ALU_X(BPF_MUL), ALU_X(BPF_DIV), ALU_X(BPF_MOD), ALU_X(BPF_AND), ALU_X(BPF_OR),
		ALU_X(BPF_XOR), ALU_X(BPF_LSH), ALU_X(BPF_RSH), NEG, JA(0),
		JK(BPF_JEQ, 1, 1, 2), JK(BPF_JGT, 1, 1, 2), JK(BPF_JGE, 1, 1, 2),
		JK(BPF_JSET, 1, 1, 2), JX(BPF_JEQ, 1, 2), JX(BPF_JGT, 1, 2), JX(BPF_JGE, 1, 2),
		JX(BPF_JSET, 1, 2), TAX, TXA,
		ANC(CBPF_SKF_AD_PROTOCOL), ANC(CBPF_SKF_AD_NLATTR), ANC(CBPF_SKF_AD_NLATTR_NEST),
		ANC(CBPF_SKF_AD_PAY_OFFSET), ANC(CBPF_SKF_AD_RANDOM), ANC(CBPF_SKF_AD_ALU_XOR_X),
		RET(1), RET_A,
	};
	uint32_t n = sizeof every / sizeof every[0];
	TU_CHECK(cbpf_convert(every, n, SOCK, &cv, &err) == 0, "every: %s", err.msg);
	for (uint32_t i = 0; i < n && cv.start; i++)
		TU_CHECK(cv.start[i + 1] - cv.start[i] <= CBPF_MAX_EXPANSION,
			 "every: instruction %u became %u", i, cv.start[i + 1] - cv.start[i]);
	TU_CHECK(cv.start && cv.start[n] == cv.len, "every: end %u, length %u", cv.start[n], cv.len);
	cbpf_conv_free(&cv);

	/*
	 * Linux's "BPF_MAXINSNS: jump over MSH": ja over 4094 MSH. Linux refuses
	 * it (its jump overflows); here the jump fits and the program runs. With
	 * RET A at the end A is live through every MSH, which then keeps it in
	 * R8: the longest expansion, and still a 16-bit jump.
	 */
	struct bpf32_sock_filter *msh = calloc(BPF32_CBPF_MAX_INSNS, sizeof *msh);
	const uint32_t last = BPF32_CBPF_MAX_INSNS - 1;
	msh[0] = (struct bpf32_sock_filter)JA(last - 1);
	for (uint32_t i = 1; i < last; i++)
		msh[i] = (struct bpf32_sock_filter)MSH(0);
	msh[last] = (struct bpf32_sock_filter)RET_A;
	TU_CHECK(cbpf_convert(msh, last + 1, SOCK, &cv, &err) == 0, "msh, ret a: %s", err.msg);
	TU_CHECK(cv.len > 1 && cv.insns[1].code == (BPF_JMP | BPF_JA) &&
		 cv.insns[1].off == (int16_t)((last - 1) * CBPF_MAX_EXPANSION),
		 "msh, ret a: ja off %d", cv.len > 1 ? cv.insns[1].off : 0);
	cbpf_conv_free(&cv);
	msh[last] = (struct bpf32_sock_filter)RET(0xabababab);
	TU_CHECK(cbpf_convert(msh, last + 1, SOCK, &cv, &err) == 0, "msh: %s", err.msg);
	TU_CHECK(cv.len > 0 && cv.insns[0].code == (BPF_JMP | BPF_JA) &&
		 cv.insns[0].off == (int16_t)((last - 1) * 4), "msh: ja off %d, A dead: 4 per MSH",
		 cv.len ? cv.insns[0].off : 0);
	cbpf_conv_free(&cv);
	struct bpf32_prog *p = bpf32_load_cbpf(env, msh, last + 1, SOCK, &err);
	TU_CHECK(p, "msh: load: %s", err.msg);
	if (p)
		check_prog("jump over MSH", p, &pkts[P_TCP], 0xabababab);
	bpf32_prog_free(p);
	free(msh);
}

/* ------------------------------------------------------------ text */

static void test_text(void)
{
	static const struct {
		const char *text;
		uint32_t n;
		struct bpf32_sock_filter last;
	} good[] = {
		{ "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n", 4, RET(0) },
		{ "2,6 0 0 1,6 0 0 4294967295", 2, RET(0xffffffff) },
		{ " 1 ,\r\n 0x16 0 0 0x0 ", 1, RET_A },
		{ "1\n65535 255 255 0", 1, JUMP(0xffff, 0, 255, 255) },
	};
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "", "empty" },
		{ "0", "instruction count" },
		{ "4097 6 0 0 0", "instruction count" },
		{ "x", "instruction count" },
		{ "2 6 0 0 1", "2 instructions announced, 1 and 0" },
		{ "1 6 0 0", "1 instructions announced, 0 and 3" },
		{ "1 6 0 0 1 6", "more than the 1" },
		{ "1 65536 0 0 0", "bad code" },
		{ "1 6 256 0 0", "bad jt" },
		{ "1 6 0 -1 0", "bad jf" },
		{ "1 6 0 0 4294967296", "bad k" },
		{ "1 6 0 0 0x", "bad k" },
		{ "1 6 0 0 12a", "bad k" },
		{ "1; 6 0 0 0", "instruction count" },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct bpf32_sock_filter *f = NULL;
		uint32_t n = 0;
		struct bpf32_error err = { 0 };
		int rc = bpf32_cbpf_parse(good[i].text, &f, &n, &err);
		TU_CHECK(rc == 0 && n == good[i].n && !memcmp(&f[n - 1], &good[i].last, sizeof *f),
			 "parse \"%s\": rc %d n %u (%s)", good[i].text, rc, n, err.msg);
		free(f);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct bpf32_sock_filter *f = NULL;
		uint32_t n = 0;
		struct bpf32_error err = { 0 };
		int rc = bpf32_cbpf_parse(bad[i].text, &f, &n, &err);
		TU_CHECK(rc == BPF32_EINVAL && strstr(err.msg, bad[i].msg),
			 "parse \"%s\": rc %d, message \"%s\" lacks \"%s\"", bad[i].text, rc,
			 err.msg, bad[i].msg);
	}

	static const struct {
		struct bpf32_sock_filter insn;
		const char *text;
	} lines[] = {
		{ LD(0x800), "ld #0x800" },
		{ LDX(1), "ldx #0x1" },
		{ LDH(12), "ldh [12]" },
		{ LDB((uint32_t)BPF32_SKF_NET_OFF + 9), "ldb [net+9]" },
		{ LDW((uint32_t)BPF32_SKF_LL_OFF), "ld [ll+0]" },
		{ LDW((uint32_t)CBPF_SKF_AD_OFF - 1), "ld [net+1044479]" },
		{ LDW((uint32_t)BPF32_SKF_LL_OFF - 1), "ld [-2097153]" },
		{ ANC(CBPF_SKF_AD_PROTOCOL), "ld #proto" },
		{ ANCB(CBPF_SKF_AD_VLAN_TAG_PRESENT), "ldb #vlan_avail" },
		{ LDH_IND(14), "ldh [x + 14]" },
		{ LDB_IND(0xffffffff), "ldb [x + -1]" },
		{ LD_MEM(3), "ld M[3]" },
		{ LDX_MEM(15), "ldx M[15]" },
		{ ST(0), "st M[0]" },
		{ STX(1), "stx M[1]" },
		{ LD_LEN, "ld #pktlen" },
		{ LDX_LEN, "ldx #pktlen" },
		{ MSH(14), "ldxb 4*([14]&0xf)" },
		{ ALU_K(BPF_AND, 0x1fff), "and #0x1fff" },
		{ ALU_X(BPF_MOD), "mod x" },
		{ NEG, "neg" },
		{ JA(3), "ja 9" },
		{ JK(BPF_JSET, 0x1fff, 0, 4), "jset #0x1fff jt 6 jf 10" },
		{ JX(BPF_JGT, 1, 0), "jgt x jt 7 jf 6" },
		{ RET(262144), "ret #262144" },
		{ RET_A, "ret a" },
		{ TAX, "tax" },
		{ TXA, "txa" },
		{ STMT(0x0e, 1), ".insn 0xe 0 0 0x1" },
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char buf[CBPF_DISASM_LINE_MAX];
		int rc = cbpf_disasm_insn(&lines[i].insn, 5, buf, sizeof buf);
		TU_CHECK(rc == 0 && !strcmp(buf, lines[i].text), "disasm: \"%s\", want \"%s\"", buf,
			 lines[i].text);
	}
	char small[8];
	TU_CHECK(cbpf_disasm_insn(&lines[0].insn, 0, small, sizeof small) == -1, "disasm: too small");
}

/* ------------------------------------------------------------ seccomp */

enum {
	RET_KILL = 0x00000000,       /* SECCOMP_RET_KILL_THREAD */
	RET_ERRNO = 0x00050000,      /* SECCOMP_RET_ERRNO | errno */
	RET_ALLOW = 0x7fff0000,      /* SECCOMP_RET_ALLOW */
	ARCH = 0xc000003e,           /* AUDIT_ARCH_X86_64 */
	NR_READ = 0, NR_WRITE = 1, NR_OPEN = 2, NR_CLOSE = 3, NR_EXIT = 60, NR_PTRACE = 101,
};

/* Offset of the low 32 bits of args[i]: host order, as Linux loads them. */
static uint32_t arg_lo(unsigned i)
{
	return (uint32_t)(offsetof(struct bpf32_seccomp_data, args) + 8 * i +
			  (bpf_host_big_endian() ? 4 : 0));
}

static void test_seccomp(void)
{
	/*
	 * A small policy: other architectures die; read, write and exit pass;
	 * open fails with EACCES; close passes for descriptors above 2 only
	 * (upper half 0); anything else dies.
	 */
	const struct bpf32_sock_filter policy[] = {
		LDW(offsetof(struct bpf32_seccomp_data, arch)),
		JK(BPF_JEQ, ARCH, 1, 0),
		RET(RET_KILL),
		LDW(offsetof(struct bpf32_seccomp_data, nr)),
		JK(BPF_JEQ, NR_READ, 5, 0),
		JK(BPF_JEQ, NR_WRITE, 4, 0),
		JK(BPF_JEQ, NR_EXIT, 3, 0),
		JK(BPF_JEQ, NR_OPEN, 3, 0),
		JK(BPF_JEQ, NR_CLOSE, 3, 0),
		RET(RET_KILL),
		RET(RET_ALLOW),
		RET(RET_ERRNO | 13),
		LDW(arg_lo(0) ^ 4),                 /* upper half of args[0] */
		JK(BPF_JEQ, 0, 0, 3),
		LDW(arg_lo(0)),
		ST(0),
		JK(BPF_JGT, 2, 1, 0),
		RET(RET_ERRNO | 9),                 /* EBADF */
		LD_MEM(0),
		ALU_K(BPF_OR, RET_ALLOW),           /* the descriptor in SECCOMP_RET_DATA */
		RET_A,
	};
	const struct {
		int32_t nr;
		uint32_t arch;
		uint64_t arg0;
		uint32_t want;
	} calls[] = {
		{ NR_READ, ARCH, 0, RET_ALLOW },
		{ NR_WRITE, ARCH, 1, RET_ALLOW },
		{ NR_EXIT, ARCH, 0, RET_ALLOW },
		{ NR_OPEN, ARCH, 0, RET_ERRNO | 13 },
		{ NR_PTRACE, ARCH, 0, RET_KILL },
		{ -1, ARCH, 0, RET_KILL },
		{ NR_READ, 0x40000003, 0, RET_KILL },     /* i386 */
		{ NR_CLOSE, ARCH, 2, RET_ERRNO | 9 },
		{ NR_CLOSE, ARCH, 3, RET_ALLOW | 3 },
		{ NR_CLOSE, ARCH, 0x100000003ull, RET_ERRNO | 9 },
	};
	struct bpf32_error err = { 0 };
	struct bpf32_prog *p = bpf32_load_cbpf(env, policy, sizeof policy / sizeof policy[0],
					       SECC, &err);
	TU_CHECK(p, "seccomp policy: instruction %d: %s", err.insn, err.msg);
	for (size_t i = 0; p && i < sizeof calls / sizeof calls[0]; i++)
		for (int c = 0; c < nconfigs; c++) {
			struct bpf32_seccomp_data d = { .nr = calls[i].nr, .arch = calls[i].arch,
							.instruction_pointer = 0x1000,
							.args = { calls[i].arg0, 5, 6 } };
			uint32_t got = 0;
			if (apply_config(c, p, "seccomp policy"))
				continue;
			int rc = bpf32_run_seccomp(p, &d, &got, &err);
			TU_CHECK(rc == 0 && got == calls[i].want,
				 "seccomp nr %d arg 0x%llx [%s]: rc %d got 0x%x want 0x%x (%s)",
				 calls[i].nr, (unsigned long long)calls[i].arg0, configs[c].name, rc,
				 got, calls[i].want, err.msg);
		}
	bpf32_prog_free(p);

	/* LEN is the size of struct seccomp_data; loads are host-order words. */
	const struct bpf32_sock_filter len[] = { LD_LEN, TAX, LDW(12), ALU_X(BPF_ADD), RET_A };
	p = bpf32_load_cbpf(env, len, 5, SECC, &err);
	TU_CHECK(p, "seccomp len: %s", err.msg);
	struct bpf32_seccomp_data d = { .instruction_pointer = 0x1122334455667788ull };
	uint32_t got = 0;
	TU_CHECK(p && bpf32_run_seccomp(p, &d, &got, &err) == 0 &&
		 got == 64 + (bpf_host_big_endian() ? 0x55667788u : 0x11223344u),
		 "seccomp len: got 0x%x", got);
	TU_CHECK(p && bpf32_run_seccomp(p, NULL, &got, &err) == BPF32_EINVAL, "seccomp no data");
	bpf32_prog_free(p);
}

/* ------------------------------------------------------------ fuzzing */

static uint32_t fuzz_state = 0x9e3779b9;

static uint32_t fuzz_rnd(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 17;
	fuzz_state ^= fuzz_state << 5;
	return fuzz_state;
}

/*
 * Random programs, biased towards the opcodes some mode accepts: loading
 * never crashes, every refusal names an instruction or the program, and
 * whatever loads runs to a result (under the sanitizers on the host).
 */
static void test_fuzz(void)
{
	uint16_t valid[256];
	unsigned nvalid = 0, loaded = 0;
	for (uint16_t code = 0; code < 256; code++) {
		int known = 0;
		for (uint32_t k = 0; !known && k < 2; k++) {   /* k 0 for ja, 1 for div */
			struct bpf32_sock_filter probe[] = { { code, 0, 0, k }, RET(0) };
			struct bpf32_error err = { 0 };
			struct bpf32_prog *p = bpf32_load_cbpf(env, probe, 2, SOCK, &err);
			known = p || strstr(err.msg, "may be read");   /* ld M[k]: known */
			bpf32_prog_free(p);
		}
		if (known)
			valid[nvalid++] = code;
	}
	TU_CHECK(nvalid == 49, "%u opcodes accepted, want Linux's 49", nvalid);

	for (unsigned r = 0; r < 20000; r++) {
		struct bpf32_sock_filter f[10];
		uint32_t n = 1 + fuzz_rnd() % 10;
		int mode = fuzz_rnd() % 4 == 0 ? SECC : SOCK;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t pick = fuzz_rnd();
			f[i].code = pick % 8 ? valid[pick % nvalid] : (uint16_t)(pick >> 8);
			f[i].jt = (uint8_t)(fuzz_rnd() % 4 ? fuzz_rnd() % 4 : fuzz_rnd());
			f[i].jf = (uint8_t)(fuzz_rnd() % 4 ? fuzz_rnd() % 4 : fuzz_rnd());
			f[i].k = fuzz_rnd() % 2 ? fuzz_rnd() % 70 : fuzz_rnd();
		}
		if (fuzz_rnd() % 2)
			f[n - 1] = (struct bpf32_sock_filter)RET_A;
		struct bpf32_error err = { 0 };
		struct bpf32_prog *p = bpf32_load_cbpf(env, f, n, (enum bpf32_cbpf_mode)mode, &err);
		if (!p) {
			TU_CHECK(err.code == BPF32_EINVAL && err.insn >= -1 && err.insn < (int32_t)n &&
				 err.msg[0], "fuzz %u: code %d insn %d \"%s\"", r, err.code, err.insn,
				 err.msg);
			continue;
		}
		loaded++;
		uint32_t ret;
		struct bpf32_seccomp_data d = { .nr = (int32_t)fuzz_rnd(), .args = { fuzz_rnd() } };
		int rc = mode == SECC ? bpf32_run_seccomp(p, &d, &ret, &err)
				      : bpf32_run_cbpf(p, &pkts[1 + fuzz_rnd() % (P_COUNT - 1)], &ret, &err);
		TU_CHECK(rc == 0, "fuzz %u: run: %s", r, err.msg);
		bpf32_prog_free(p);
	}
	TU_CHECK(loaded > 1000, "fuzz: only %u of 20000 programs loaded", loaded);
	printf("cbpf: fuzz: %u of 20000 random programs loaded and ran\n", loaded);

	/* The bytecode parser on random text made of its own alphabet. */
	static const char alphabet[] = "0123456789 ,\n\tx-";
	for (unsigned r = 0; r < 20000; r++) {
		char text[40];
		size_t len = fuzz_rnd() % sizeof text;
		for (size_t i = 0; i < len; i++)
			text[i] = alphabet[fuzz_rnd() % (sizeof alphabet - 1)];
		text[len] = 0;
		if (len && fuzz_rnd() % 2)
			text[0] = (char)('1' + fuzz_rnd() % 3);
		struct bpf32_sock_filter *f = NULL;
		uint32_t n = 0;
		struct bpf32_error err = { 0 };
		int rc = bpf32_cbpf_parse(text, &f, &n, &err);
		TU_CHECK(rc == 0 ? f && n >= 1 : rc == BPF32_EINVAL && !f, "parse fuzz \"%s\": %d",
			 text, rc);
		free(f);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc && nconfigs < MAX_CONFIGS) {
			if (tu_config_parse(argv[++i], &configs[nconfigs++])) {
				fprintf(stderr, "test_cbpf: unknown config %s\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: test_cbpf [--config NAME]...\n");
			return 2;
		}
	}
	if (!nconfigs)
		tu_config_parse("interp", &configs[nconfigs++]);

	env = bpf32_env_new();
	make_packets();
	test_opcodes();
	test_validation();
	test_conversion();
	test_text();
	test_seccomp();
	test_fuzz();
	bpf32_env_free(env);

	printf("cbpf: %u runs (%u JITed) in %d configuration(s), %d failed checks\n", runs,
	       jited_runs, nconfigs, tu_failures);
	return tu_failures != 0;
}
