/*
 * Classic BPF: validation and conversion to eBPF.
 *
 * A classic program is checked with the union of Linux's rules
 * (bpf_check_classic, plus seccomp_check_filter in seccomp mode) and
 * libpcap's bpf_validate, then rewritten instruction by instruction into an
 * ordinary eBPF program, which goes through bpf32_load() like any other: the
 * interpreter and every JIT run it unchanged, and classic programs are JITed
 * wherever eBPF is.
 *
 * Registers of the converted program:
 *
 *     A          R0   every write is a 32-bit one, so R0 always holds A
 *                     zero-extended; LD_ABS/LD_IND and helper calls deliver
 *                     their result there, and RET A is a bare exit
 *     X          R7
 *     context    R6   copy of R1: the struct bpf32_packet (socket mode) or
 *                     the struct bpf32_seccomp_data (seccomp mode)
 *     temporary  R8   LDX MSH keeps A there while LD_ABS uses R0
 *     M[0..15]   the stack: M[k] is the word at R10 - 64 + 4k
 *
 * R6-R8 are callee-saved, so helper calls and LD_ABS/LD_IND (which Linux
 * treats as calls clobbering R1-R5) leave X, the context and the temporary
 * alone.
 *
 * The translation (w0 is A as a 32-bit register, w7 is X):
 *
 *     ld #k, ldx #k            w0 = k, w7 = k
 *     ld[hb] [k]               ld_abs[whb] k          packet bytes, network order
 *     ld[hb] [x + k]           ld_ind[whb] r7, k
 *     ld M[k], ldx M[k]        w0 = *(u32 *)(r10 - 64 + 4k), w7 = ...
 *     st M[k], stx M[k]        *(u32 *)(r10 - 64 + 4k) = w0, ... = w7
 *     ld #len, ldx #len        w0 = *(u32 *)(r6 + offsetof(len))   seccomp: w0 = 64
 *     ldx 4*([k]&0xf)          ld_absb k; w0 &= 0xf; w0 <<= 2; w7 = w0, with w8 = w0
 *                              before and w0 = w8 after where A is live
 *     ld [SKF_AD_OFF + c]      w0 = a struct bpf32_pkt_meta field, w0 ^= w7, or a
 *                              helper call (see `ancs` below)
 *     ld [k] (seccomp)         w0 = *(u32 *)(r6 + k)  host order, as Linux
 *     op #k                    w0 op= k
 *     op x                     w0 op= w7, after "if w7 == 0: return 0" for div and
 *                              mod, and "if w7 >= 32: w0 = 0" for shifts
 *     neg                      w0 = -w0
 *     ja k                     ja
 *     jxx #k/x, jt, jf         if w0 xx k/w7 goto jt; goto jf, where a target that
 *                              is the next instruction costs nothing
 *     tax, txa                 w7 = w0, w0 = w7
 *     ret #k, ret a            w0 = k; exit, exit
 *
 * Out-of-bounds packet loads end the program with 0 inside LD_ABS/LD_IND,
 * which is what classic BPF does. Shifts by X of 32 or more give 0, as in
 * libpcap's bpf_filter() (Linux masks the count instead; validation already
 * refuses constant counts of 32 or more).
 *
 * A prologue copies R1 to R6 when the program uses the context and sets A
 * and X to 0 when some path can read them before writing them (the
 * dataflow pass that checks the scratch words finds this; a backward pass
 * finds where A is live).
 *
 * Jump distances: no classic instruction becomes more than
 * CBPF_MAX_EXPANSION (6) eBPF instructions, so even a jump across a whole
 * program of BPF32_CBPF_MAX_INSNS instructions spans fewer than 2^15 eBPF
 * instructions and every jump keeps eBPF's 16-bit offset. (Linux refuses
 * "BPF_MAXINSNS: jump over MSH" of its test_bpf only because its own
 * translation of LDX MSH is much longer and the jump overflows; bpf32
 * accepts that valid program and runs it as libpcap would.) The size of
 * every classic instruction's code is known before emission (its fields and
 * whether A is live), so the layout takes one sizing pass and one emitting
 * pass.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "packet.h"
#include "prog.h"
#include "text.h"

/* ---------------------------------------------------------------- registers */

enum {
	REG_A = 0,
	REG_CTX = 6,
	REG_X = 7,
	REG_TMP = 8,
};

#define SECCOMP_DATA_SIZE ((uint32_t)sizeof(struct bpf32_seccomp_data))
_Static_assert((int64_t)BPF32_CBPF_MAX_INSNS * CBPF_MAX_EXPANSION <= INT16_MAX,
	       "every converted jump must fit a 16-bit offset");

/* Stack offset of scratch word M[k]. */
static int16_t mem_off(uint32_t k)
{
	return (int16_t)(-4 * (int32_t)(CBPF_MEMWORDS - k));
}

/* ---------------------------------------------------------------- helpers */

/* Host-order 16-bit value at p. */
static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* Linux: a packet with a fragment is "nonlinear"; netlink loads refuse it. */
static int pkt_linear(const struct bpf32_packet *pkt)
{
	return pkt->headlen >= pkt->len;
}

/*
 * Linux's nla_find(): walk the netlink attributes in [pos, pos + rem) of the
 * linear packet and return the offset of the first one whose type (top two
 * bits ignored) is `type`, or 0. Each attribute is a host-order 16-bit length
 * (header included, at least 4), a 16-bit type, and its payload padded to 4.
 */
static uint32_t nla_find(const struct bpf32_packet *pkt, uint32_t pos, int64_t rem, uint32_t type)
{
	while (rem >= 4) {
		uint16_t len = get16(pkt->data + pos);
		if (len < 4 || len > rem)
			break;
		if ((get16(pkt->data + pos + 2) & 0x3fff) == type)
			return pos;
		uint32_t step = (len + 3u) & ~3u;
		pos += step;
		rem -= step;
	}
	return 0;
}

/* A may start a netlink attribute header in a linear packet. */
static int nla_start_ok(const struct bpf32_packet *pkt, uint32_t a)
{
	return pkt_linear(pkt) && pkt->len >= 4 && a <= pkt->len - 4;
}

/* SKF_AD_NLATTR: the attribute of type X at or after offset A. */
static uint32_t anc_nlattr(const struct bpf32_packet *pkt, uint32_t a, uint32_t x)
{
	return nla_start_ok(pkt, a) ? nla_find(pkt, a, (int64_t)pkt->len - a, x) : 0;
}

/* SKF_AD_NLATTR_NEST: the attribute of type X inside the payload of the one at A. */
static uint32_t anc_nlattr_nest(const struct bpf32_packet *pkt, uint32_t a, uint32_t x)
{
	if (!nla_start_ok(pkt, a))
		return 0;
	uint16_t len = get16(pkt->data + a);
	if (len > pkt->len - a)
		return 0;
	return nla_find(pkt, a + 4, (int64_t)len - 4, x);
}

/* Packet byte(s) at absolute position `pos`, network order; -1 when cut off. */
static int64_t pkt_get(const struct bpf32_packet *pkt, uint32_t pos, unsigned size)
{
	uint32_t v;
	if (pos > INT32_MAX || bpf32_pkt_load(pkt, (int32_t)pos, size, &v))
		return -1;
	return v;
}

enum {
	ETHP_IP = 0x0800, ETHP_IPV6 = 0x86dd, ETHP_8021Q = 0x8100, ETHP_8021AD = 0x88a8,
	IPP_HOPOPTS = 0, IPP_ICMP = 1, IPP_IGMP = 2, IPP_IPIP = 4,
	IPP_TCP = 6, IPP_UDP = 17, IPP_DCCP = 33, IPP_IPV6 = 41,
	IPP_ROUTING = 43, IPP_FRAGMENT = 44, IPP_ICMPV6 = 58,
	IPP_DSTOPTS = 60, IPP_SCTP = 132, IPP_UDPLITE = 136,
	MAX_DISSECT_HDRS = 15,   /* Linux's MAX_FLOW_DISSECT_HDRS */
};

/* Where the dissection of the headers is. */
struct flow {
	uint32_t thoff;      /* the next header's offset; at the end, the transport header's */
	uint32_t ip_proto;   /* protocol after the last IP header */
	int later_frag;      /* a fragment other than the first: no transport header */
};

/* What to dissect next: the header of a network protocol, or of an IP protocol. */
enum { D_BAD = -1, D_DONE, D_PROTO, D_IP_PROTO };

/* One network-layer header of protocol *proto at fl->thoff. */
static int dissect_proto(const struct bpf32_packet *pkt, uint32_t *proto, struct flow *fl)
{
	uint32_t off = fl->thoff;
	int64_t b;
	switch (*proto) {
	case ETHP_8021Q:
	case ETHP_8021AD:   /* TCI, then the encapsulated protocol */
		if ((b = pkt_get(pkt, off + 2, 2)) < 0)
			return D_BAD;
		*proto = (uint32_t)b;
		fl->thoff = off + 4;
		return D_PROTO;
	case ETHP_IP: {
		if (pkt_get(pkt, off + 16, 4) < 0 || (b = pkt_get(pkt, off, 1) & 0xf) < 5)
			return D_BAD;
		uint32_t frag = (uint32_t)pkt_get(pkt, off + 6, 2);
		fl->ip_proto = (uint32_t)pkt_get(pkt, off + 9, 1);
		fl->thoff = off + 4 * (uint32_t)b;
		if (frag & 0x3fff) {   /* MF or an offset: a fragment; Linux stops here */
			fl->later_frag = (frag & 0x1fff) != 0;
			return D_DONE;
		}
		return D_IP_PROTO;
	}
	case ETHP_IPV6:
		if (pkt_get(pkt, off + 36, 4) < 0)
			return D_BAD;
		fl->ip_proto = (uint32_t)pkt_get(pkt, off + 6, 1);
		fl->thoff = off + 40;
		return D_IP_PROTO;
	default:
		return D_BAD;
	}
}

/* What follows an IP header: IPv6 extension headers and IP-in-IP are followed. */
static int dissect_ip_proto(const struct bpf32_packet *pkt, uint32_t *proto, struct flow *fl)
{
	uint32_t off = fl->thoff;
	int64_t h;
	switch (fl->ip_proto) {
	case IPP_HOPOPTS:
	case IPP_ROUTING:
	case IPP_DSTOPTS:   /* next header, length in 8-byte units after the first 8 */
		if (*proto != ETHP_IPV6)
			return D_DONE;
		if ((h = pkt_get(pkt, off, 2)) < 0)
			return D_BAD;
		fl->ip_proto = (uint32_t)h >> 8;
		fl->thoff = off + ((uint32_t)(h & 0xff) + 1) * 8;
		return D_IP_PROTO;
	case IPP_FRAGMENT:  /* next header, reserved, offset (13 bits) and flags */
		if (*proto != ETHP_IPV6)
			return D_DONE;
		if ((h = pkt_get(pkt, off, 4)) < 0 || pkt_get(pkt, off + 4, 4) < 0)
			return D_BAD;
		fl->ip_proto = (uint32_t)h >> 24;
		fl->later_frag = (h & 0xfff8) != 0;
		fl->thoff = off + 8;
		return D_DONE;
	case IPP_IPIP:
		*proto = ETHP_IP;
		return D_PROTO;
	case IPP_IPV6:
		*proto = ETHP_IPV6;
		return D_PROTO;
	default:
		return D_DONE;
	}
}

/*
 * The part of Linux's flow dissector that skb_get_poff() relies on, from the
 * network header with the packet's protocol: VLAN tags, IPv4 (stopping at
 * fragments), IPv6 with hop-by-hop, routing, destination and fragment
 * headers, and IP-in-IP; at most MAX_DISSECT_HDRS headers. GRE, MPLS and
 * other encapsulations are not followed: the transport header is then taken
 * to follow the last IP header. Returns -1 when the headers are cut off or
 * the protocol is not IP.
 */
static int dissect(const struct bpf32_packet *pkt, struct flow *fl)
{
	uint32_t proto = pkt->meta.protocol;
	int step = D_PROTO;
	*fl = (struct flow){ .thoff = pkt->net_off };
	for (int hdrs = 0; step != D_DONE && hdrs <= MAX_DISSECT_HDRS; hdrs++) {
		step = step == D_PROTO ? dissect_proto(pkt, &proto, fl)
				       : dissect_ip_proto(pkt, &proto, fl);
		if (step == D_BAD)
			return -1;
	}
	if (fl->thoff > pkt->len)
		fl->thoff = pkt->len;
	return 0;
}

/*
 * SKF_AD_PAY_OFFSET: Linux's skb_get_poff(), the offset of the transport
 * payload: the transport header offset plus the TCP header length (data
 * offset, at least 20) or the fixed header size of UDP, UDP-Lite, ICMP,
 * ICMPv6, IGMP (8), DCCP and SCTP (12). 0 when the network headers are cut
 * off.
 */
static uint32_t anc_pay_offset(const struct bpf32_packet *pkt)
{
	struct flow fl;
	if (dissect(pkt, &fl))
		return 0;
	uint32_t poff = fl.thoff;
	if (fl.later_frag)
		return poff;
	switch (fl.ip_proto) {
	case IPP_TCP: {
		int64_t doff = pkt_get(pkt, poff + 12, 1);
		if (doff < 0)
			return poff;
		return poff + ((doff & 0xf0) >> 2 > 20 ? (uint32_t)(doff & 0xf0) >> 2 : 20);
	}
	case IPP_UDP: case IPP_UDPLITE: case IPP_ICMP: case IPP_ICMPV6:
	case IPP_IGMP:
		return poff + 8;
	case IPP_DCCP: case IPP_SCTP:
		return poff + 12;
	default:
		return poff;
	}
}

/* SKF_AD_RANDOM: a 32-bit pseudo-random number (a hashed Weyl sequence). */
static uint32_t anc_random(void)
{
	static uint32_t weyl;
	uint32_t x = __atomic_add_fetch(&weyl, 0x9e3779b9u, __ATOMIC_RELAXED);
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}

/*
 * The helpers registered for classic programs. Their arguments are, in
 * order, the context, A and X (a helper takes the first `nargs` of them).
 */
enum { H_NLATTR, H_NLATTR_NEST, H_PAY_OFFSET, H_RANDOM, H_COUNT };

static const struct cbpf_helper {
	uint32_t id;
	const char *name;
	void *fn;
	struct bpf32_helper_proto proto;
} helpers[H_COUNT] = {
	[H_NLATTR] = { BPF32_CBPF_HELPER_NLATTR, "cbpf_nlattr", (void *)anc_nlattr,
		       { .nargs = 3, .ret = BPF32_RET_U32 } },
	[H_NLATTR_NEST] = { BPF32_CBPF_HELPER_NLATTR_NEST, "cbpf_nlattr_nest",
			    (void *)anc_nlattr_nest, { .nargs = 3, .ret = BPF32_RET_U32 } },
	[H_PAY_OFFSET] = { BPF32_CBPF_HELPER_PAY_OFFSET, "cbpf_pay_offset",
			   (void *)anc_pay_offset, { .nargs = 1, .ret = BPF32_RET_U32 } },
	[H_RANDOM] = { BPF32_CBPF_HELPER_RANDOM, "cbpf_random", (void *)anc_random,
		       { .nargs = 0, .ret = BPF32_RET_U32 } },
};

/* Register helper h in env unless it already is; fail if its id is taken. */
static int helper_ensure(struct bpf32_env *env, const struct cbpf_helper *h,
			 struct bpf32_error *err)
{
	const struct bpf32_helper *have = bpf32_helper_get(env, h->id);
	if (have && have->fn == h->fn)
		return 0;
	if (have)
		return bpf32_fail(err, BPF32_EEXIST, -1,
				  "helper id %u (%s, for classic ancillary loads) is taken by \"%s\"",
				  h->id, h->name, have->name);
	return bpf32_helper_register(env, h->id, h->name, h->fn, &h->proto, err);
}

/* ---------------------------------------------------------------- ancillary loads */

enum anc_how {
	ANC_NONE = 0,
	ANC_FIELD,   /* A = a 32-bit field of struct bpf32_packet */
	ANC_XOR_X,   /* A ^= X */
	ANC_CALL,    /* A = helper(context, A, X) */
};

/*
 * The supported ancillary loads, by code / 4. Every Linux code below
 * SKF_AD_MAX is here; the metadata ones read struct bpf32_pkt_meta, which
 * the embedder fills (SKF_AD_CPU included: the CPU number is the caller's to
 * give, which keeps the program deterministic).
 */
#define META(f) offsetof(struct bpf32_packet, meta.f)
static const struct anc {
	const char *name;
	uint8_t how;
	uint8_t helper;    /* ANC_CALL: index into helpers[] */
	uint16_t field;    /* ANC_FIELD: offset in struct bpf32_packet */
} ancs[CBPF_SKF_AD_MAX / 4] = {
	[CBPF_SKF_AD_PROTOCOL / 4] = { "proto", ANC_FIELD, 0, META(protocol) },
	[CBPF_SKF_AD_PKTTYPE / 4] = { "type", ANC_FIELD, 0, META(pkttype) },
	[CBPF_SKF_AD_IFINDEX / 4] = { "ifidx", ANC_FIELD, 0, META(ifindex) },
	[CBPF_SKF_AD_NLATTR / 4] = { "nla", ANC_CALL, H_NLATTR, 0 },
	[CBPF_SKF_AD_NLATTR_NEST / 4] = { "nlan", ANC_CALL, H_NLATTR_NEST, 0 },
	[CBPF_SKF_AD_MARK / 4] = { "mark", ANC_FIELD, 0, META(mark) },
	[CBPF_SKF_AD_QUEUE / 4] = { "queue", ANC_FIELD, 0, META(queue) },
	[CBPF_SKF_AD_HATYPE / 4] = { "hatype", ANC_FIELD, 0, META(hatype) },
	[CBPF_SKF_AD_RXHASH / 4] = { "rxhash", ANC_FIELD, 0, META(rxhash) },
	[CBPF_SKF_AD_CPU / 4] = { "cpu", ANC_FIELD, 0, META(cpu) },
	[CBPF_SKF_AD_ALU_XOR_X / 4] = { "xor_x", ANC_XOR_X, 0, 0 },
	[CBPF_SKF_AD_VLAN_TAG / 4] = { "vlan_tci", ANC_FIELD, 0, META(vlan_tci) },
	[CBPF_SKF_AD_VLAN_TAG_PRESENT / 4] = { "vlan_avail", ANC_FIELD, 0, META(vlan_present) },
	[CBPF_SKF_AD_PAY_OFFSET / 4] = { "poff", ANC_CALL, H_PAY_OFFSET, 0 },
	[CBPF_SKF_AD_RANDOM / 4] = { "rand", ANC_CALL, H_RANDOM, 0 },
	[CBPF_SKF_AD_VLAN_TPID / 4] = { "vlan_tpid", ANC_FIELD, 0, META(vlan_tpid) },
};
#undef META

/* k of an absolute load lies in Linux's ancillary range. */
static int anc_range(uint32_t k)
{
	return k >= (uint32_t)CBPF_SKF_AD_OFF;
}

/* The ancillary load at absolute offset k, or NULL (unknown, or not one). */
static const struct anc *anc_at(uint32_t k)
{
	uint32_t code = k - (uint32_t)CBPF_SKF_AD_OFF;
	if (!anc_range(k) || code >= CBPF_SKF_AD_MAX || code % 4 || !ancs[code / 4].how)
		return NULL;
	return &ancs[code / 4];
}

const char *cbpf_ancillary_name(uint32_t k)
{
	const struct anc *a = anc_at(k);
	return a ? a->name : NULL;
}

/* ---------------------------------------------------------------- opcodes */

enum kind {
	K_BAD = 0,
	K_LD_IMM,    /* reg = k */
	K_LD_MEM,    /* reg = M[k] */
	K_ST,        /* M[k] = reg */
	K_LD_LEN,    /* reg = packet length */
	K_LD_ABS,    /* A = packet[k], or an ancillary value */
	K_LD_IND,    /* A = packet[X + k] */
	K_LDX_MSH,   /* X = 4 * (packet[k] & 0xf) */
	K_ALU_K,     /* A op= k */
	K_ALU_X,     /* A op= X */
	K_NEG,
	K_JA,
	K_JCOND_K,   /* A cmp k */
	K_JCOND_X,   /* A cmp X */
	K_RET_K,
	K_RET_A,
	K_MOV,       /* TAX, TXA: reg = the other register */
	K_COUNT
};

/* Also allowed in seccomp filters (the ABS load only as an aligned word). */
#define SECC 1

struct op {
	uint8_t kind;
	uint8_t reg;       /* REG_A or REG_X: the register the kind names */
	uint8_t seccomp;   /* SECC */
};

#define OP(code, kind, reg, secc) [code] = { kind, reg, secc }
#define ALU(op, secc) OP(BPF_ALU | op | BPF_K, K_ALU_K, REG_A, secc), \
		      OP(BPF_ALU | op | BPF_X, K_ALU_X, REG_A, secc)
#define JCOND(op) OP(BPF_JMP | op | BPF_K, K_JCOND_K, REG_A, SECC), \
		  OP(BPF_JMP | op | BPF_X, K_JCOND_X, REG_A, SECC)

/*
 * Every opcode Linux accepts in a socket filter (its chk_code_allowed list),
 * and which of them seccomp filters may use. Codes not listed, and codes
 * of 0x100 or more, are refused.
 */
static const struct op ops[256] = {
	OP(BPF_LD | BPF_W | BPF_IMM, K_LD_IMM, REG_A, SECC),
	OP(BPF_LDX | BPF_W | BPF_IMM, K_LD_IMM, REG_X, SECC),
	OP(BPF_LD | BPF_W | BPF_MEM, K_LD_MEM, REG_A, SECC),
	OP(BPF_LDX | BPF_W | BPF_MEM, K_LD_MEM, REG_X, SECC),
	OP(BPF_ST, K_ST, REG_A, SECC),
	OP(BPF_STX, K_ST, REG_X, SECC),
	OP(BPF_LD | BPF_W | CBPF_LEN, K_LD_LEN, REG_A, SECC),
	OP(BPF_LDX | BPF_W | CBPF_LEN, K_LD_LEN, REG_X, SECC),
	OP(BPF_LD | BPF_W | BPF_ABS, K_LD_ABS, REG_A, SECC),
	OP(BPF_LD | BPF_H | BPF_ABS, K_LD_ABS, REG_A, 0),
	OP(BPF_LD | BPF_B | BPF_ABS, K_LD_ABS, REG_A, 0),
	OP(BPF_LD | BPF_W | BPF_IND, K_LD_IND, REG_A, 0),
	OP(BPF_LD | BPF_H | BPF_IND, K_LD_IND, REG_A, 0),
	OP(BPF_LD | BPF_B | BPF_IND, K_LD_IND, REG_A, 0),
	OP(BPF_LDX | BPF_B | CBPF_MSH, K_LDX_MSH, REG_X, 0),
	ALU(BPF_ADD, SECC), ALU(BPF_SUB, SECC), ALU(BPF_MUL, SECC), ALU(BPF_DIV, SECC),
	ALU(BPF_MOD, 0), ALU(BPF_AND, SECC), ALU(BPF_OR, SECC), ALU(BPF_XOR, SECC),
	ALU(BPF_LSH, SECC), ALU(BPF_RSH, SECC),
	OP(BPF_ALU | BPF_NEG, K_NEG, REG_A, SECC),
	OP(BPF_JMP | BPF_JA, K_JA, REG_A, SECC),
	JCOND(BPF_JEQ), JCOND(BPF_JGT), JCOND(BPF_JGE), JCOND(BPF_JSET),
	OP(CBPF_RET | BPF_K, K_RET_K, REG_A, SECC),
	OP(CBPF_RET | CBPF_RVAL_A, K_RET_A, REG_A, SECC),
	OP(CBPF_MISC | CBPF_TAX, K_MOV, REG_X, SECC),
	OP(CBPF_MISC | CBPF_TXA, K_MOV, REG_A, SECC),
};

#undef OP
#undef ALU
#undef JCOND

static const struct op *op_of(uint16_t code)
{
	return code < 256 && ops[code].kind != K_BAD ? &ops[code] : NULL;
}

/* ---------------------------------------------------------------- validation */

#define REJECT(err, pc, ...) bpf32_fail((err), BPF32_EINVAL, (int32_t)(pc), __VA_ARGS__)

/* Checks of one instruction on its own. */
static int check_insn(const struct bpf32_sock_filter *f, uint32_t pc, uint32_t n,
		      enum bpf32_cbpf_mode mode, struct bpf32_error *err)
{
	const struct op *op = op_of(f->code);
	if (!op)
		return REJECT(err, pc, "unknown or refused opcode 0x%02x", f->code);
	if (mode == BPF32_CBPF_SECCOMP && !op->seccomp)
		return REJECT(err, pc, "opcode 0x%02x is not allowed in seccomp filters", f->code);
	uint8_t alu = BPF_OP(f->code);

	switch (op->kind) {
	case K_LD_MEM:
	case K_ST:
		if (f->k >= CBPF_MEMWORDS)
			return REJECT(err, pc, "scratch index %u is out of range (0..%u)", f->k,
				      CBPF_MEMWORDS - 1);
		break;
	case K_ALU_K:
		if ((alu == BPF_DIV || alu == BPF_MOD) && f->k == 0)
			return REJECT(err, pc, "%s by constant 0",
				      alu == BPF_DIV ? "division" : "modulo");
		if ((alu == BPF_LSH || alu == BPF_RSH) && f->k >= 32)
			return REJECT(err, pc, "shift by constant %u (32 or more)", f->k);
		break;
	case K_JA:
		if (f->k >= 0x80000000u)   /* libpcap's protochain loops; Linux refuses it too */
			return REJECT(err, pc, "backward jump (ja by %d)", (int32_t)f->k);
		if ((uint64_t)pc + 1 + f->k >= n)
			return REJECT(err, pc, "jump target %llu is outside the program (0..%u)",
				      (unsigned long long)pc + 1 + f->k, n - 1);
		break;
	case K_JCOND_K:
	case K_JCOND_X:
		if (pc + 1 + f->jt >= n || pc + 1 + f->jf >= n)
			return REJECT(err, pc, "jump target %u is outside the program (0..%u)",
				      pc + 1 + (f->jt > f->jf ? f->jt : f->jf), n - 1);
		break;
	case K_LD_ABS:
		if (mode == BPF32_CBPF_SECCOMP) {
			if (f->k % 4 || f->k >= SECCOMP_DATA_SIZE)
				return REJECT(err, pc, "seccomp load at %u is not an aligned word "
					      "of struct seccomp_data (0..%u)", f->k,
					      SECCOMP_DATA_SIZE - 4);
		} else if (anc_range(f->k) && !anc_at(f->k)) {
			return REJECT(err, pc, "unknown ancillary load at %d (SKF_AD_OFF + %d)",
				      (int32_t)f->k, (int32_t)(f->k - (uint32_t)CBPF_SKF_AD_OFF));
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Dataflow bits: M[0..15], then A and X. */
#define BIT_MEM(k) (1u << (k))
#define BIT_A (1u << 16)
#define BIT_X (1u << 17)

static uint32_t reg_bit(uint8_t reg)
{
	return reg == REG_A ? BIT_A : BIT_X;
}

/* What the ancillary load at k reads besides the context. */
static uint32_t anc_uses(uint32_t k)
{
	const struct anc *a = anc_at(k);
	if (!a)
		return 0;
	if (a->how == ANC_XOR_X)
		return BIT_A | BIT_X;
	if (a->how != ANC_CALL)
		return 0;
	unsigned nargs = helpers[a->helper].proto.nargs;
	return (nargs >= 2 ? BIT_A : 0) | (nargs >= 3 ? BIT_X : 0);
}

/* What a valid instruction reads (*use) and writes (*def), as dataflow bits. */
static void flow(const struct bpf32_sock_filter *f, const struct op *op, uint32_t *use,
		 uint32_t *def)
{
	uint32_t reg = reg_bit(op->reg), other = reg ^ (BIT_A | BIT_X);
	*use = 0;
	*def = 0;
	switch (op->kind) {
	case K_LD_IMM: case K_LD_LEN: *def = reg; break;
	case K_LD_MEM: *use = BIT_MEM(f->k); *def = reg; break;
	case K_ST: *use = reg; *def = BIT_MEM(f->k); break;
	case K_LD_ABS: *use = anc_uses(f->k); *def = BIT_A; break;
	case K_LD_IND: *use = BIT_X; *def = BIT_A; break;
	case K_LDX_MSH: *def = BIT_X; break;   /* A passes through (R8 when live) */
	case K_ALU_K: case K_NEG: *use = BIT_A; *def = BIT_A; break;
	case K_ALU_X: *use = BIT_A | BIT_X; *def = BIT_A; break;
	case K_JCOND_K: case K_RET_A: *use = BIT_A; break;
	case K_JCOND_X: *use = BIT_A | BIT_X; break;
	case K_MOV: *use = other; *def = reg; break;
	default: break;
	}
}

/* What validation learns for the converter. */
struct facts {
	int init_a, init_x;   /* some path reads A / X before writing it */
	int uses_ctx;         /* the prologue must keep R1 in R6 */
	uint32_t helpers;     /* bit h: helpers[h] is called */
	uint8_t *a_live;      /* a_live[pc]: A may be read after pc before it is written */
};

static void facts_free(struct facts *fx)
{
	free(fx->a_live);
	fx->a_live = NULL;
}

static int uses_ctx(const struct bpf32_sock_filter *f, const struct op *op,
		    enum bpf32_cbpf_mode mode)
{
	const struct anc *a = op->kind == K_LD_ABS ? anc_at(f->k) : NULL;
	if (op->kind == K_LD_LEN)
		return mode == BPF32_CBPF_SOCKET;
	if (op->kind == K_LD_ABS && mode == BPF32_CBPF_SECCOMP)
		return 1;
	return a && (a->how == ANC_FIELD ||
		     (a->how == ANC_CALL && helpers[a->helper].proto.nargs >= 1));
}

/*
 * The pass over all paths (jumps only go forward, so one walk in order sees
 * every predecessor of an instruction first): masks[pc] is what is written
 * on every path into pc. A scratch word read on some path before it is
 * written is an error, as in Linux; A and X read so only need the prologue
 * to zero them.
 */
static int check_flow(const struct bpf32_sock_filter *insns, uint32_t n,
		      enum bpf32_cbpf_mode mode, struct facts *fx, struct bpf32_error *err)
{
	uint32_t *masks = malloc(n * sizeof *masks);
	if (!masks)
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	memset(masks, 0xff, n * sizeof *masks);
	memset(fx, 0, sizeof *fx);

	uint32_t valid = 0;   /* written on every path reaching pc by falling through */
	int rc = 0;
	for (uint32_t pc = 0; pc < n; pc++) {
		const struct bpf32_sock_filter *f = &insns[pc];
		const struct op *op = op_of(f->code);
		uint32_t use, def;
		valid &= masks[pc];
		flow(f, op, &use, &def);
		uint32_t missing = use & ~valid;
		if (missing & (BIT_A - 1)) {
			rc = REJECT(err, pc, "scratch word M[%u] may be read before it is written",
				    f->k);
			break;
		}
		fx->init_a |= (missing & BIT_A) != 0;
		fx->init_x |= (missing & BIT_X) != 0;
		fx->uses_ctx |= uses_ctx(f, op, mode);
		const struct anc *a = op->kind == K_LD_ABS ? anc_at(f->k) : NULL;
		if (a && a->how == ANC_CALL)
			fx->helpers |= 1u << a->helper;
		valid |= def;

		switch (op->kind) {
		case K_JA:
			masks[pc + 1 + f->k] &= valid;
			valid = ~0u;
			break;
		case K_JCOND_K:
		case K_JCOND_X:
			masks[pc + 1 + f->jt] &= valid;
			masks[pc + 1 + f->jf] &= valid;
			valid = ~0u;
			break;
		case K_RET_K:
		case K_RET_A:
			valid = ~0u;   /* nothing falls through */
			break;
		default:
			break;
		}
	}
	free(masks);
	return rc;
}

/*
 * Liveness of A, backwards (every jump goes forward, so one walk from the
 * end sees every successor first): in[pc] is whether A may be read from pc
 * on before being written, and a_live[pc] the same after pc. LDX MSH needs
 * to keep A aside only where it is live.
 */
static int live_a(const struct bpf32_sock_filter *insns, uint32_t n, struct facts *fx,
		  struct bpf32_error *err)
{
	uint8_t *in = calloc(n + 1, 1);
	fx->a_live = calloc(n, 1);
	if (!in || !fx->a_live) {
		free(in);
		facts_free(fx);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	for (uint32_t pc = n; pc-- > 0;) {
		const struct bpf32_sock_filter *f = &insns[pc];
		const struct op *op = op_of(f->code);
		uint32_t use, def;
		uint8_t out;
		flow(f, op, &use, &def);
		switch (op->kind) {
		case K_RET_K: case K_RET_A: out = 0; break;
		case K_JA: out = in[pc + 1 + f->k]; break;
		case K_JCOND_K: case K_JCOND_X: out = in[pc + 1 + f->jt] | in[pc + 1 + f->jf]; break;
		default: out = in[pc + 1]; break;
		}
		fx->a_live[pc] = out;
		in[pc] = (use & BIT_A) || (out && !(def & BIT_A));
	}
	free(in);
	return 0;
}

static int validate(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		    struct facts *fx, struct bpf32_error *err)
{
	if (mode != BPF32_CBPF_SOCKET && mode != BPF32_CBPF_SECCOMP)
		return bpf32_fail(err, BPF32_EINVAL, -1, "unknown classic mode %d", (int)mode);
	if (!insns || n == 0)
		return bpf32_fail(err, BPF32_EINVAL, -1, "empty classic program");
	if (n > BPF32_CBPF_MAX_INSNS)
		return bpf32_fail(err, BPF32_E2BIG, -1,
				  "classic program has %u instructions, limit is %u", n,
				  BPF32_CBPF_MAX_INSNS);
	for (uint32_t pc = 0; pc < n; pc++) {
		int rc = check_insn(&insns[pc], pc, n, mode, err);
		if (rc)
			return rc;
	}
	uint8_t last = op_of(insns[n - 1].code)->kind;
	if (last != K_RET_K && last != K_RET_A)
		return REJECT(err, n - 1, "the last instruction must be a return");
	int rc = check_flow(insns, n, mode, fx, err);
	return rc ? rc : live_a(insns, n, fx, err);
}

/* ---------------------------------------------------------------- emission */

/*
 * The emitter: one sink that always counts and writes only when `out`
 * exists, so the sizing pass and the emitting pass run the same code.
 */
struct emitter {
	struct bpf_insn *out;        /* NULL while sizing */
	uint32_t len;                /* instructions so far */
	const uint32_t *start;       /* classic -> eBPF index; valid when out != NULL */
	enum bpf32_cbpf_mode mode;
	const struct facts *fx;
};

static void emit(struct emitter *e, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		 int32_t imm)
{
	if (e->out)
		e->out[e->len] = (struct bpf_insn){ code, dst, src, off, imm };
	e->len++;
}

static void emit_mov32_imm(struct emitter *e, uint8_t dst, uint32_t k)
{
	emit(e, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (int32_t)k);
}

static void emit_mov32_reg(struct emitter *e, uint8_t dst, uint8_t src)
{
	emit(e, BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static void emit_ldxw(struct emitter *e, uint8_t dst, uint8_t base, int16_t off)
{
	emit(e, BPF_LDX | BPF_MEM | BPF_W, dst, base, off, 0);
}

static void emit_exit(struct emitter *e)
{
	emit(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* Offset from the next eBPF instruction to classic instruction `target`. */
static int16_t jump_off(const struct emitter *e, uint32_t target)
{
	return e->out ? (int16_t)(e->start[target] - (e->len + 1)) : 0;
}

/* Conditional jump `code` (JMP32 class) of A against imm or X, to a classic target. */
static void emit_jcond(struct emitter *e, uint8_t code, int32_t imm, uint32_t target)
{
	emit(e, code, REG_A, BPF_SRC(code) == BPF_X ? REG_X : 0, jump_off(e, target), imm);
}

static void emit_ja(struct emitter *e, uint32_t target)
{
	emit(e, BPF_JMP | BPF_JA, 0, 0, jump_off(e, target), 0);
}

typedef void (*emit_fn)(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg);

static void emit_ld_imm(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg)
{
	(void)pc;
	emit_mov32_imm(e, reg, f->k);
}

static void emit_ld_mem(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg)
{
	(void)pc;
	emit_ldxw(e, reg, BPF_REG_FP, mem_off(f->k));
}

static void emit_st(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		    uint8_t reg)
{
	(void)pc;
	emit(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_FP, reg, mem_off(f->k), 0);
}

static void emit_ld_len(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg)
{
	(void)f;
	(void)pc;
	if (e->mode == BPF32_CBPF_SECCOMP)
		emit_mov32_imm(e, reg, SECCOMP_DATA_SIZE);
	else
		emit_ldxw(e, reg, REG_CTX, offsetof(struct bpf32_packet, len));
}

/* A = helper(context, A, X), the first nargs of them. */
static void emit_anc_call(struct emitter *e, const struct cbpf_helper *h)
{
	if (h->proto.nargs >= 1)
		emit(e, BPF_ALU64 | BPF_MOV | BPF_X, 1, REG_CTX, 0, 0);
	if (h->proto.nargs >= 2)
		emit_mov32_reg(e, 2, REG_A);
	if (h->proto.nargs >= 3)
		emit_mov32_reg(e, 3, REG_X);
	emit(e, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_HELPER, 0, (int32_t)h->id);
}

static void emit_ld_abs(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg)
{
	(void)pc;
	(void)reg;
	const struct anc *a = anc_at(f->k);
	if (e->mode == BPF32_CBPF_SECCOMP)
		emit_ldxw(e, REG_A, REG_CTX, (int16_t)f->k);
	else if (!a)
		emit(e, (uint8_t)f->code, 0, 0, 0, (int32_t)f->k);   /* same code in eBPF */
	else if (a->how == ANC_FIELD)
		emit_ldxw(e, REG_A, REG_CTX, (int16_t)a->field);
	else if (a->how == ANC_XOR_X)
		emit(e, BPF_ALU | BPF_XOR | BPF_X, REG_A, REG_X, 0, 0);
	else
		emit_anc_call(e, &helpers[a->helper]);
}

static void emit_ld_ind(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			uint8_t reg)
{
	(void)pc;
	(void)reg;
	emit(e, (uint8_t)f->code, 0, REG_X, 0, (int32_t)f->k);
}

/* X = 4 * (packet[k] & 0xf); LD_ABS writes R0, so a live A waits in R8. */
static void emit_ldx_msh(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			 uint8_t reg)
{
	(void)reg;
	int keep = e->fx->a_live[pc];
	if (keep)
		emit_mov32_reg(e, REG_TMP, REG_A);
	emit(e, BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, (int32_t)f->k);
	emit(e, BPF_ALU | BPF_AND | BPF_K, REG_A, 0, 0, 0xf);
	emit(e, BPF_ALU | BPF_LSH | BPF_K, REG_A, 0, 0, 2);
	emit_mov32_reg(e, REG_X, REG_A);
	if (keep)
		emit_mov32_reg(e, REG_A, REG_TMP);
}

static void emit_alu_k(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		       uint8_t reg)
{
	(void)pc;
	(void)reg;
	emit(e, (uint8_t)f->code, REG_A, 0, 0, (int32_t)f->k);   /* same code in eBPF */
}

/*
 * A op= X. Classic division or modulo by 0 ends the filter with 0; a shift
 * by 32 or more gives 0 (eBPF would mask the count):
 *
 *     if w7 != 0 goto +2          if w7 < 32 goto +1
 *     w0 = 0                      w0 = 0
 *     exit                        w0 op= w7        (0 shifted stays 0)
 *     w0 op= w7
 */
static void emit_alu_x(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		       uint8_t reg)
{
	(void)pc;
	(void)reg;
	uint8_t op = BPF_OP(f->code);
	if (op == BPF_DIV || op == BPF_MOD) {
		emit(e, BPF_JMP32 | BPF_JNE | BPF_K, REG_X, 0, 2, 0);
		emit_mov32_imm(e, REG_A, 0);
		emit_exit(e);
	} else if (op == BPF_LSH || op == BPF_RSH) {
		emit(e, BPF_JMP32 | BPF_JLT | BPF_K, REG_X, 0, 1, 32);
		emit_mov32_imm(e, REG_A, 0);
	}
	emit(e, (uint8_t)f->code, REG_A, REG_X, 0, 0);
}

static void emit_neg(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		     uint8_t reg)
{
	(void)f;
	(void)pc;
	(void)reg;
	emit(e, BPF_ALU | BPF_NEG, REG_A, 0, 0, 0);
}

static void emit_ja_k(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		      uint8_t reg)
{
	(void)reg;
	if (f->k)
		emit_ja(e, pc + 1 + f->k);
}

/* The eBPF condition that is true exactly when `op` is false; 0 if none (JSET). */
static uint8_t negated(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JGT: return BPF_JLE;
	case BPF_JGE: return BPF_JLT;
	default: return 0;
	}
}

/*
 * if A op k/X goto jt else goto jf. A branch to the next instruction needs
 * no jump: jt == 0 turns into one negated jump to jf (JSET has no negation),
 * jf == 0 into one jump to jt, and both 0 into nothing.
 */
static void emit_jcond_op(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
			  uint8_t reg)
{
	(void)reg;
	uint8_t op = BPF_OP(f->code), src = BPF_SRC(f->code), neg = negated(op);
	int32_t imm = src == BPF_K ? (int32_t)f->k : 0;
	if (f->jt == f->jf) {
		if (f->jt)
			emit_ja(e, pc + 1 + f->jt);
	} else if (f->jt == 0 && neg) {
		emit_jcond(e, BPF_JMP32 | neg | src, imm, pc + 1 + f->jf);
	} else {
		emit_jcond(e, BPF_JMP32 | op | src, imm, pc + 1 + f->jt);
		if (f->jf)
			emit_ja(e, pc + 1 + f->jf);
	}
}

static void emit_ret_k(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		       uint8_t reg)
{
	(void)pc;
	(void)reg;
	emit_mov32_imm(e, REG_A, f->k);
	emit_exit(e);
}

static void emit_ret_a(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		       uint8_t reg)
{
	(void)f;
	(void)pc;
	(void)reg;
	emit_exit(e);
}

static void emit_mov(struct emitter *e, const struct bpf32_sock_filter *f, uint32_t pc,
		     uint8_t reg)
{
	(void)f;
	(void)pc;
	emit_mov32_reg(e, reg, reg == REG_A ? REG_X : REG_A);
}

static const emit_fn emitters[K_COUNT] = {
	[K_LD_IMM] = emit_ld_imm,     [K_LD_MEM] = emit_ld_mem,   [K_ST] = emit_st,
	[K_LD_LEN] = emit_ld_len,     [K_LD_ABS] = emit_ld_abs,   [K_LD_IND] = emit_ld_ind,
	[K_LDX_MSH] = emit_ldx_msh,   [K_ALU_K] = emit_alu_k,     [K_ALU_X] = emit_alu_x,
	[K_NEG] = emit_neg,           [K_JA] = emit_ja_k,         [K_JCOND_K] = emit_jcond_op,
	[K_JCOND_X] = emit_jcond_op,  [K_RET_K] = emit_ret_k,     [K_RET_A] = emit_ret_a,
	[K_MOV] = emit_mov,
};

/* The whole program: prologue, then every classic instruction in order. */
static void emit_program(struct emitter *e, const struct bpf32_sock_filter *insns, uint32_t n,
			 const struct facts *fx, uint32_t *start)
{
	e->len = 0;
	if (fx->uses_ctx)
		emit(e, BPF_ALU64 | BPF_MOV | BPF_X, REG_CTX, 1, 0, 0);
	if (fx->init_a)
		emit_mov32_imm(e, REG_A, 0);
	if (fx->init_x)
		emit_mov32_imm(e, REG_X, 0);
	for (uint32_t pc = 0; pc < n; pc++) {
		const struct op *op = op_of(insns[pc].code);
		if (!e->out)
			start[pc] = e->len;
		emitters[op->kind](e, &insns[pc], pc, op->reg);
	}
	if (!e->out)
		start[n] = e->len;
}

void cbpf_conv_free(struct cbpf_conv *conv)
{
	free(conv->insns);
	free(conv->start);
	memset(conv, 0, sizeof *conv);
}

static int convert(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		   const struct facts *fx, struct cbpf_conv *out, struct bpf32_error *err)
{
	memset(out, 0, sizeof *out);
	out->start = malloc((n + 1) * sizeof *out->start);
	struct emitter e = { .mode = mode, .start = out->start, .fx = fx };
	if (out->start) {
		emit_program(&e, insns, n, fx, out->start);   /* sizing */
		e.out = out->insns = malloc(e.len * sizeof *out->insns);
	}
	if (!out->insns) {
		cbpf_conv_free(out);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	emit_program(&e, insns, n, fx, out->start);
	out->len = e.len;
	return 0;
}

int cbpf_convert(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		 struct cbpf_conv *out, struct bpf32_error *err)
{
	struct facts fx = { 0 };
	int rc = validate(insns, n, mode, &fx, err);
	if (!rc)
		rc = convert(insns, n, mode, &fx, out, err);
	facts_free(&fx);
	return rc;
}

/* ---------------------------------------------------------------- loading and running */

struct bpf32_prog *bpf32_load_cbpf(struct bpf32_env *env, const struct bpf32_sock_filter *insns,
				   uint32_t n, enum bpf32_cbpf_mode mode,
				   struct bpf32_error *err)
{
	struct facts fx = { 0 };
	struct cbpf_conv conv;
	if (!env) {
		bpf32_fail(err, BPF32_EINVAL, -1, "no environment");
		return NULL;
	}
	int rc = validate(insns, n, mode, &fx, err);
	for (unsigned h = 0; !rc && h < H_COUNT; h++)
		if (fx.helpers >> h & 1)
			rc = helper_ensure(env, &helpers[h], err);
	if (!rc)
		rc = convert(insns, n, mode, &fx, &conv, err);
	facts_free(&fx);
	if (rc)
		return NULL;

	uint8_t *bytes = malloc((size_t)conv.len * 8);
	struct bpf32_prog *p = NULL;
	if (!bytes) {
		bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	} else {
		for (uint32_t i = 0; i < conv.len; i++)
			bpf_encode(&conv.insns[i], bytes + 8 * (size_t)i, 0);
		p = bpf32_load(env, bytes, (size_t)conv.len * 8, BPF32_ORDER_LITTLE, NULL, err);
		if (!p && err)   /* a converter bug: say so */
			err->insn = -1;
	}
	free(bytes);
	cbpf_conv_free(&conv);
	return p;
}

/* R1 = the context (a struct the program reads), and the packet for LD_ABS/LD_IND. */
static int run_classic(struct bpf32_prog *prog, const void *ctx, size_t ctx_len,
		       const struct bpf32_packet *pkt, uint32_t *ret, struct bpf32_error *err)
{
	struct bpf32_run_args args = { .ctx = (void *)(uintptr_t)ctx, .ctx_len = ctx_len, .pkt = pkt };
	uint64_t r0;
	if (!ret)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no result");
	int rc = bpf32_run_ex(prog, &args, &r0, err);
	if (rc == 0)
		*ret = (uint32_t)r0;
	return rc;
}

int bpf32_run_cbpf(struct bpf32_prog *prog, const struct bpf32_packet *pkt, uint32_t *ret,
		   struct bpf32_error *err)
{
	static const struct bpf32_packet empty;
	if (!pkt)
		pkt = &empty;
	return run_classic(prog, pkt, sizeof *pkt, pkt, ret, err);
}

int bpf32_run_seccomp(struct bpf32_prog *prog, const struct bpf32_seccomp_data *data,
		      uint32_t *ret, struct bpf32_error *err)
{
	if (!data)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no seccomp data");
	return run_classic(prog, data, sizeof *data, NULL, ret, err);
}

/* ---------------------------------------------------------------- text */

/* Separators of the bytecode text: blanks, line ends and commas. */
static int is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',';
}

/* One number, decimal or 0x-hex, at most `max`; advances *s. -1 if there is none. */
static int parse_number(const char **s, uint32_t max, uint32_t *v)
{
	const char *p = *s;
	unsigned base = 10;
	uint64_t x = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	const char *digits = p;
	for (;; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0')
			   : base == 16 && *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10)
			   : base == 16 && *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10)
			   : 99;
		if (d >= base)
			break;
		x = x * base + d;
		if (x > max)
			return -1;
	}
	if (p == digits || (*p && !is_sep(*p)))
		return -1;
	*s = p;
	*v = (uint32_t)x;
	return 0;
}

int bpf32_cbpf_parse(const char *text, struct bpf32_sock_filter **insns, uint32_t *n,
		     struct bpf32_error *err)
{
	static const uint32_t field_max[4] = { 0xffff, 0xff, 0xff, 0xffffffff };
	static const char *const field_name[4] = { "code", "jt", "jf", "k" };
	uint32_t count = 0, fields = 0;
	struct bpf32_sock_filter *f = NULL;
	const char *s = text;
	if (!text || !insns || !n)
		return bpf32_fail(err, BPF32_EINVAL, -1, "no bytecode text");

	for (;;) {
		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		uint32_t v, i = fields / 4;
		if (!f) {   /* the count comes first */
			if (parse_number(&s, BPF32_CBPF_MAX_INSNS, &v) || v == 0) {
				free(f);
				return bpf32_fail(err, BPF32_EINVAL, -1, "bytecode: the first number must "
						  "be the instruction count (1..%u)",
						  BPF32_CBPF_MAX_INSNS);
			}
			count = v;
			if (!(f = calloc(count, sizeof *f)))
				return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
			continue;
		}
		if (i >= count) {
			free(f);
			return bpf32_fail(err, BPF32_EINVAL, -1,
					  "bytecode: more than the %u instructions announced", count);
		}
		if (parse_number(&s, field_max[fields % 4], &v)) {
			free(f);
			return bpf32_fail(err, BPF32_EINVAL, (int32_t)i,
					  "bytecode: instruction %u: bad %s (a number up to %u)", i,
					  field_name[fields % 4], field_max[fields % 4]);
		}
		switch (fields++ % 4) {
		case 0: f[i].code = (uint16_t)v; break;
		case 1: f[i].jt = (uint8_t)v; break;
		case 2: f[i].jf = (uint8_t)v; break;
		default: f[i].k = v; break;
		}
	}
	if (!f)
		return bpf32_fail(err, BPF32_EINVAL, -1, "bytecode: empty");
	if (fields != 4 * count) {
		free(f);
		return bpf32_fail(err, BPF32_EINVAL, -1,
				  "bytecode: %u instructions announced, %u and %u of 4 numbers found",
				  count, fields / 4, fields % 4);
	}
	*insns = f;
	*n = count;
	return 0;
}

/* Operand of an absolute load: ancillary name, header-relative or plain offset. */
static void format_abs(char *buf, size_t size, uint32_t k)
{
	const struct anc *a = anc_at(k);
	int32_t off = (int32_t)k;
	if (a)
		snprintf(buf, size, "#%s", a->name);
	else if (off < 0 && off >= BPF32_SKF_NET_OFF)
		snprintf(buf, size, "[net+%d]", off - BPF32_SKF_NET_OFF);
	else if (off < 0 && off >= BPF32_SKF_LL_OFF)
		snprintf(buf, size, "[ll+%d]", off - BPF32_SKF_LL_OFF);
	else
		snprintf(buf, size, "[%d]", off);
}

int cbpf_disasm_insn(const struct bpf32_sock_filter *f, uint32_t pc, char *buf, size_t size)
{
	static const char *const alu[16] = { "add", "sub", "mul", "div", "or", "and", "lsh",
					     "rsh", "neg", "mod", "xor" };
	static const char *const jmp[16] = { "ja", "jeq", "jgt", "jge", "jset" };
	static const char *const ld[4] = { "ld", "ldh", "ldb", "ld?" };
	const struct op *op = op_of(f->code);
	const char *x = op && op->reg == REG_X ? "x" : "";
	char operand[32];
	int w;
	switch (op ? op->kind : K_BAD) {
	case K_LD_IMM: w = snprintf(buf, size, "ld%s #0x%x", x, f->k); break;
	case K_LD_MEM: w = snprintf(buf, size, "ld%s M[%u]", x, f->k); break;
	case K_ST: w = snprintf(buf, size, "st%s M[%u]", x, f->k); break;
	case K_LD_LEN: w = snprintf(buf, size, "ld%s #pktlen", x); break;
	case K_LD_ABS:
		format_abs(operand, sizeof operand, f->k);
		w = snprintf(buf, size, "%s %s", ld[BPF_SIZE(f->code) >> 3], operand);
		break;
	case K_LD_IND:
		w = snprintf(buf, size, "%s [x + %d]", ld[BPF_SIZE(f->code) >> 3], (int32_t)f->k);
		break;
	case K_LDX_MSH:
		format_abs(operand, sizeof operand, f->k);
		w = snprintf(buf, size, "ldxb 4*(%s&0xf)", operand);
		break;
	case K_ALU_K: w = snprintf(buf, size, "%s #0x%x", alu[BPF_OP(f->code) >> 4], f->k); break;
	case K_ALU_X: w = snprintf(buf, size, "%s x", alu[BPF_OP(f->code) >> 4]); break;
	case K_NEG: w = snprintf(buf, size, "neg"); break;
	case K_JA: w = snprintf(buf, size, "ja %llu", (unsigned long long)pc + 1 + f->k); break;
	case K_JCOND_K:
	case K_JCOND_X:
		if (op->kind == K_JCOND_K)
			snprintf(operand, sizeof operand, "#0x%x", f->k);
		else
			snprintf(operand, sizeof operand, "x");
		w = snprintf(buf, size, "%s %s jt %u jf %u", jmp[BPF_OP(f->code) >> 4], operand,
			     pc + 1 + f->jt, pc + 1 + f->jf);
		break;
	case K_RET_K: w = snprintf(buf, size, "ret #%u", f->k); break;
	case K_RET_A: w = snprintf(buf, size, "ret a"); break;
	case K_MOV: w = snprintf(buf, size, op->reg == REG_X ? "tax" : "txa"); break;
	default:
		w = snprintf(buf, size, ".insn 0x%x %u %u 0x%x", f->code, f->jt, f->jf, f->k);
		break;
	}
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

/* Text that grows; `oom` sticks once an allocation failed. */
struct text_out {
	char *s;
	size_t len, cap;
	int oom;
};

static void out_line(struct text_out *o, const char *fmt, const char *a, const char *b)
{
	size_t need = strlen(fmt) + strlen(a) + strlen(b) + 1;
	if (o->oom)
		return;
	if (o->len + need > o->cap) {
		size_t cap = (o->cap + need) * 2;
		char *ns = realloc(o->s, cap);
		if (!ns) {
			o->oom = 1;
			return;
		}
		o->s = ns;
		o->cap = cap;
	}
	o->len += (size_t)snprintf(o->s + o->len, o->cap - o->len, fmt, a, b);
}

int cbpf_listing(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		 char **out, struct bpf32_error *err)
{
	struct cbpf_conv cv;
	struct text_out o = { 0 };
	int rc = cbpf_convert(insns, n, mode, &cv, err);
	if (rc)
		return rc;
	char head[64], num[16], line[CBPF_DISASM_LINE_MAX > BPF32_DISASM_LINE_MAX
				       ? CBPF_DISASM_LINE_MAX : BPF32_DISASM_LINE_MAX];
	snprintf(head, sizeof head, "%u classic instructions, %u eBPF", n, cv.len);
	out_line(&o, "%s%s\n", head, "");
	if (cv.start[0])
		out_line(&o, "%s%s\n", "      prologue", "");
	for (uint32_t i = 0, pc = 0; i <= n; i++) {
		for (; pc < cv.start[i]; pc++) {
			bpf32_disasm_insn(cv.insns, cv.len, pc, line, sizeof line);
			snprintf(num, sizeof num, "%5u", pc);
			out_line(&o, "      %s: %s\n", num, line);
		}
		if (i < n) {
			cbpf_disasm_insn(&insns[i], i, line, sizeof line);
			snprintf(num, sizeof num, "(%03u)", i);
			out_line(&o, "%s %s\n", num, line);
		}
	}
	cbpf_conv_free(&cv);
	if (o.oom || !o.s) {
		free(o.s);
		return bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
	}
	*out = o.s;
	return 0;
}
