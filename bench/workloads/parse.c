/*
 * A packet parser over a batch of 8 frames. The input is 8 slots of
 * BENCH_SLOT bytes, each a 16-bit frame length (host order) followed by the
 * frame: Ethernet, up to two VLAN tags (802.1Q / 802.1ad), IPv4 (with
 * options and fragments) or IPv6, then the TCP or UDP ports and TCP flags.
 * Every access is checked against the frame's length. Each frame's parse
 * is folded into the result.
 */
#include "bench.h"

#define BENCH_SLOT 128
#define BENCH_SLOTS 8

static inline u32 be16_at(const u8 *p, u32 off)
{
	return bench_ntohs(*(const u16 *)(p + off));
}

static inline u32 word_at(const u8 *p, u32 off)
{
	return *(const u32 *)(p + off);
}

/* Parse one frame: a digest of its protocol, ports, flags and addresses. */
static u64 parse_frame(const u8 *f, u32 flen)
{
	u32 off = 14, type, proto, addrs, sport = 0, dport = 0, flags = 0;

	if (flen < 14)
		return 1;
	type = be16_at(f, 12);
	for (int tag = 0; tag < 2 && (type == 0x8100 || type == 0x88a8); tag++) {
		if (off + 4 > flen)
			return 2;
		type = be16_at(f, off + 2);
		off += 4;
	}
	if (type == 0x0800) {
		if (off + 20 > flen)
			return 3;
		u32 ihl = (f[off] & 15u) * 4;
		if (ihl < 20 || off + ihl > flen)
			return 4;
		proto = f[off + 9];
		addrs = word_at(f, off + 12) ^ word_at(f, off + 16);
		if (be16_at(f, off + 6) & 0x1fff)   /* a later fragment: no ports */
			return ((u64)proto << 32) | addrs;
		off += ihl;
	} else if (type == 0x86dd) {
		if (off + 40 > flen)
			return 5;
		proto = f[off + 6];
		addrs = 0;
		for (u32 i = 8; i < 40; i += 4)
			addrs ^= word_at(f, off + i);
		off += 40;
	} else {
		return type;
	}
	if (proto == 6 || proto == 17) {
		if (off + 4 > flen)
			return 6;
		sport = be16_at(f, off);
		dport = be16_at(f, off + 2);
		if (proto == 6) {
			if (off + 20 > flen)
				return 7;
			flags = f[off + 13];
		}
	}
	return ((u64)(proto | flags << 8) << 32) ^ ((u64)sport << 16 | dport) ^ ((u64)addrs << 11);
}

BENCH_PROG(parse)(void *data, u64 len)
{
	const u8 *slots = data;
	u64 acc = 0;

	for (int s = 0; s < BENCH_SLOTS && (u64)(s + 1) * BENCH_SLOT <= len; s++) {
		const u8 *slot = slots + s * BENCH_SLOT;
		u32 flen = *(const u16 *)slot;
		if (flen > BENCH_SLOT - 2)
			flen = BENCH_SLOT - 2;
		acc = acc * 31 + parse_frame(slot + 2, flen);
	}
	return acc;
}
