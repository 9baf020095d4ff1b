/*
 * IP allow-list with longest-prefix match, IPv4 and IPv6.
 *
 * Program `setup` loads the rules below (read-only global data, which an
 * embedder may change before running it) into the LPM tries allow4 and
 * allow6; it returns how many it loaded. Program `check` then reads a batch
 * of 20-byte records { u8 family (4 or 6); u8 verdict; u8 pad[2];
 * u8 addr[16] }, looks each address up, writes the matching rule's id (0:
 * denied) into the record's verdict byte, and counts hits per rule in the
 * array `hits`. It returns the number of allowed addresses.
 */
#include "bpf32_helpers.h"

struct ip4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct ip6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 32);
	__type(key, struct ip4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 32);
	__type(key, struct ip6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} allow6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct rule {
	__u8 family;
	__u8 prefixlen;
	__u8 id;
	__u8 addr[16];
};

/* const volatile: kept in .rodata and read at run time, as libbpf configs. */
const volatile struct rule rules[8] = {
	{ 4, 8, 1, { 10 } },                           /* 10.0.0.0/8 */
	{ 4, 16, 2, { 10, 66 } },                      /* 10.66.0.0/16 */
	{ 4, 24, 3, { 192, 168, 1 } },                 /* 192.168.1.0/24 */
	{ 4, 32, 4, { 192, 168, 1, 77 } },             /* 192.168.1.77/32 */
	{ 6, 32, 5, { 0x20, 0x01, 0x0d, 0xb8 } },      /* 2001:db8::/32 */
	{ 6, 48, 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } },/* 2001:db8:1::/48 */
	{ 6, 10, 7, { 0xfe, 0x80 } },                  /* fe80::/10 */
};

SEC("socket/setup")
int setup(void *data, __u64 len)
{
	int loaded = 0;
	for (int i = 0; i < 8; i++) {
		__u32 id = rules[i].id;
		long rc = -1;
		if (rules[i].family == 4) {
			struct ip4_key k = { rules[i].prefixlen };
			for (int b = 0; b < 4; b++)
				k.addr[b] = rules[i].addr[b];
			rc = bpf_map_update_elem(&allow4, &k, &id, BPF_ANY);
		} else if (rules[i].family == 6) {
			struct ip6_key k = { rules[i].prefixlen };
			for (int b = 0; b < 16; b++)
				k.addr[b] = rules[i].addr[b];
			rc = bpf_map_update_elem(&allow6, &k, &id, BPF_ANY);
		}
		loaded += rc == 0;
	}
	return loaded;
}

struct record {
	__u8 family;
	__u8 verdict;
	__u8 pad[2];
	__u8 addr[16];
};

SEC("socket/check")
int check(void *data, __u64 len)
{
	struct record *r = data;
	int allowed = 0;
	for (int i = 0; i < 64 && (void *)(r + 1) <= data + len; i++, r++) {
		__u32 *id = 0;
		if (r->family == 4) {
			struct ip4_key k = { 32 };
			__builtin_memcpy(k.addr, r->addr, 4);
			id = bpf_map_lookup_elem(&allow4, &k);
		} else if (r->family == 6) {
			struct ip6_key k = { 128 };
			__builtin_memcpy(k.addr, r->addr, 16);
			id = bpf_map_lookup_elem(&allow6, &k);
		}
		r->verdict = id ? *id : 0;
		if (!id)
			continue;
		allowed++;
		__u32 slot = *id;
		__u64 *n = bpf_map_lookup_elem(&hits, &slot);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return allowed;
}

char LICENSE[] SEC("license") = "GPL";
