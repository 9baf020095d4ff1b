/*
 * The classic `tcp port 80` filter: the bytecode tcpdump -dd prints for it
 * (Ethernet link type), and the same test written in C for the native
 * baseline. Frames are untagged Ethernet, as the filter assumes; a tagged
 * frame does not match either.
 */
#include <string.h>
#include "runner.h"

const struct bpf32_sock_filter bench_tcp_port80_filter[] = {
	{ 0x28, 0, 0, 12 },       /* ldh [12]                 ethertype */
	{ 0x15, 0, 6, 0x86dd },   /* jeq #IPv6 */
	{ 0x30, 0, 0, 20 },       /* ldb [20]                 IPv6 next header */
	{ 0x15, 0, 15, 6 },       /* jeq #TCP */
	{ 0x28, 0, 0, 54 },       /* ldh [54]                 source port */
	{ 0x15, 12, 0, 80 },
	{ 0x28, 0, 0, 56 },       /* ldh [56]                 destination port */
	{ 0x15, 10, 11, 80 },
	{ 0x15, 0, 10, 0x0800 },  /* jeq #IPv4 */
	{ 0x30, 0, 0, 23 },       /* ldb [23]                 protocol */
	{ 0x15, 0, 8, 6 },
	{ 0x28, 0, 0, 20 },       /* ldh [20]                 fragment offset */
	{ 0x45, 6, 0, 0x1fff },   /* jset #0x1fff: not the first fragment */
	{ 0xb1, 0, 0, 14 },       /* ldxb 4*([14]&0xf)        header length */
	{ 0x48, 0, 0, 14 },       /* ldh [x + 14]             source port */
	{ 0x15, 2, 0, 80 },
	{ 0x48, 0, 0, 16 },       /* ldh [x + 16]             destination port */
	{ 0x15, 0, 1, 80 },
	{ 0x06, 0, 0, 262144 },   /* ret #262144: match */
	{ 0x06, 0, 0, 0 },        /* ret #0 */
};
const uint32_t bench_tcp_port80_len =
	sizeof bench_tcp_port80_filter / sizeof bench_tcp_port80_filter[0];

/* Network-order 16-bit load; 0 past the end ends the filter with no match, as in BPF. */
static int load16(const uint8_t *f, uint32_t len, uint32_t off, uint32_t *v)
{
	if (off + 2 > len)
		return 0;
	*v = (uint32_t)f[off] << 8 | f[off + 1];
	return 1;
}

static int port_is_80(const uint8_t *f, uint32_t len, uint32_t l4)
{
	uint32_t sport, dport;
	if (!load16(f, len, l4, &sport))
		return 0;
	if (sport == 80)
		return 1;
	return load16(f, len, l4 + 2, &dport) && dport == 80;
}

int bench_tcp_port80_c(const uint8_t *f, uint32_t len)
{
	uint32_t type, frag;

	if (!load16(f, len, 12, &type))
		return 0;
	if (type == 0x86dd)
		return len > 20 && f[20] == 6 && port_is_80(f, len, 54);
	if (type != 0x0800 || len <= 23 || f[23] != 6)
		return 0;
	if (!load16(f, len, 20, &frag) || (frag & 0x1fff))
		return 0;
	return port_is_80(f, len, 14 + 4 * (f[14] & 15u));
}

/* The native workload: the C filter over the batch of frames; how many match. */
uint64_t bench_native_tcp_port80(void *data, uint64_t len)
{
	const uint8_t *slots = data;
	uint64_t matches = 0;

	for (uint32_t s = 0; s < BENCH_SLOTS && (s + 1) * BENCH_SLOT <= len; s++) {
		uint16_t flen;
		memcpy(&flen, slots + s * BENCH_SLOT, sizeof flen);
		matches += bench_tcp_port80_c(slots + s * BENCH_SLOT + 2, flen) != 0;
	}
	return matches;
}
