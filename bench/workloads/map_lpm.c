/*
 * Longest-prefix-match lookups: 64 IPv4 addresses from the input (every
 * other one moved into 10.0.0.0/8 .. 25.0.0.0/8 so that it hits) looked up
 * in an LPM trie of 16 rules, which the first run inserts. Returns the sum
 * of the matching rules' ids.
 */
#include "bench.h"

struct ip4_key {
	u32 prefixlen;
	u8 addr[4];
};

BENCH_MAP(rules4, BENCH_LPM, struct ip4_key, u32, 64);

static inline void set_addr(struct ip4_key *k, u32 prefixlen, u32 addr)
{
	k->prefixlen = prefixlen;
	k->addr[0] = addr >> 24;
	k->addr[1] = addr >> 16;
	k->addr[2] = addr >> 8;
	k->addr[3] = addr;
}

/* Rule r: (10 + r).(r * 16).0.0 / (8 + r), id r + 1. */
static void insert_rules(void)
{
	for (u32 r = 0; r < 16; r++) {
		struct ip4_key k;
		u32 id = r + 1;
		set_addr(&k, 8 + r, (10 + r) << 24 | (r * 16) << 16);
		map_insert(rules4, &k, &id);
	}
}

BENCH_PROG(map_lpm)(void *data, u64 len)
{
	const u32 *w = data;
	struct ip4_key k;
	u64 total = 0;

	set_addr(&k, 32, 10u << 24);
	if (!map_lookup(rules4, &k))
		insert_rules();
	for (int i = 0; i < 64 && i < (int)(len / 4); i++) {
		u32 addr = w[i];
		if (i & 1)
			addr = (addr & 0x000fffffu) | (10u + (i & 15)) << 24 | (u32)(i & 15) << 20;
		set_addr(&k, 32, addr);
		u32 *id = map_lookup(rules4, &k);
		if (id)
			total += *id;
	}
	return total;
}
