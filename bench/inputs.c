/*
 * The fixed inputs of the workloads: pseudo-random bytes, or a batch of
 * frames of every shape the parser and the `tcp port 80` filter tell
 * apart. Both are the same on every run and every target.
 */
#include <string.h>
#include "runner.h"

/* xorshift64 from a fixed seed, written out byte by byte (same on every byte order). */
static void fill_random(uint8_t *buf, size_t len)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)(x >> 24);
	}
}

/* A frame under construction: bytes and how many are written. */
struct frame {
	uint8_t *p;
	uint32_t len;
};

static void put8(struct frame *f, uint32_t v)
{
	f->p[f->len++] = (uint8_t)v;
}

static void put16(struct frame *f, uint32_t v)   /* network order */
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v);
}

/* Destination and source MAC, then the VLAN tags (TPID 0 ends), then the type. */
static void put_ethernet(struct frame *f, const uint16_t *tpids, uint32_t type)
{
	for (int i = 0; i < 12; i++)
		put8(f, 0x02 + i);
	for (; *tpids; tpids++) {
		put16(f, *tpids);
		put16(f, 100 + f->len);   /* a VLAN id */
	}
	put16(f, type);
}

/* An IPv4 header of `ihl` words (options are NOPs) with the fragment field given. */
static void put_ipv4(struct frame *f, uint32_t proto, uint32_t ihl, uint32_t frag)
{
	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, 60);          /* total length, unchecked */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);           /* checksum, unchecked */
	put32(f, 0xc0a80101);  /* 192.168.1.1 */
	put32(f, 0x0a420007);  /* 10.66.0.7 */
	for (uint32_t i = 5; i < ihl; i++)
		put32(f, 0x01010101);
}

static void put_ipv6(struct frame *f, uint32_t next)
{
	put32(f, 0x60000000);
	put16(f, 20);
	put8(f, next);
	put8(f, 64);
	for (uint32_t i = 0; i < 8; i++)
		put32(f, 0x20010db8 + i * 0x01010101u);
}

static void put_tcp(struct frame *f, uint32_t sport, uint32_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);        /* sequence */
	put32(f, 0);           /* acknowledgement */
	put16(f, 0x5002);      /* header length 5, SYN */
	put16(f, 65535);
	put32(f, 0);           /* checksum, urgent pointer */
}

static void put_udp(struct frame *f, uint32_t sport, uint32_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, 8);
	put16(f, 0);
}

/* The frames, one per slot; three match `tcp port 80` (0, 2 and 6: it skips tagged frames). */
static void fill_frames(uint8_t *buf)
{
	static const uint16_t none[] = { 0 }, vlan[] = { 0x8100, 0 }, qinq[] = { 0x88a8, 0x8100, 0 };
	struct frame fs[BENCH_SLOTS];

	memset(buf, 0, BENCH_INPUT_SIZE);
	for (int s = 0; s < BENCH_SLOTS; s++)
		fs[s] = (struct frame){ buf + s * BENCH_SLOT + 2, 0 };
	put_ethernet(&fs[0], none, 0x0800), put_ipv4(&fs[0], 6, 5, 0x4000), put_tcp(&fs[0], 40000, 80);
	put_ethernet(&fs[1], vlan, 0x0800), put_ipv4(&fs[1], 17, 5, 0), put_udp(&fs[1], 5353, 53);
	put_ethernet(&fs[2], none, 0x86dd), put_ipv6(&fs[2], 6), put_tcp(&fs[2], 80, 51000);
	put_ethernet(&fs[3], none, 0x86dd), put_ipv6(&fs[3], 17), put_udp(&fs[3], 123, 123);
	put_ethernet(&fs[4], qinq, 0x0800), put_ipv4(&fs[4], 6, 5, 0), put_tcp(&fs[4], 443, 80);
	put_ethernet(&fs[5], none, 0x0806), put32(&fs[5], 0x00010800), put32(&fs[5], 0x06040001);
	put_ethernet(&fs[6], none, 0x0800), put_ipv4(&fs[6], 6, 7, 0), put_tcp(&fs[6], 80, 33000);
	put_ethernet(&fs[7], none, 0x0800), put_ipv4(&fs[7], 6, 5, 0x00b9), put_tcp(&fs[7], 80, 80);
	for (int s = 0; s < BENCH_SLOTS; s++) {
		uint16_t len = (uint16_t)fs[s].len;
		memcpy(buf + s * BENCH_SLOT, &len, sizeof len);   /* host order */
	}
}

void bench_input_make(enum bench_input kind, uint8_t *buf)
{
	if (kind == BENCH_INPUT_FRAMES)
		fill_frames(buf);
	else
		fill_random(buf, BENCH_INPUT_SIZE);
}
