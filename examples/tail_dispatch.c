/*
 * Tail-call dispatcher.
 *
 * `dispatch` reads a frame's ethertype and tail-calls the handler for it
 * through the prog array `jmp_table`, which the object initialises itself
 * (IPv4, IPv6 and ARP in slots 0-2; slot 3 stays empty). Tail calls keep
 * only R1, so the frame's length travels in the global `frame_len`. Each
 * handler counts its calls in `stats`, a map of the legacy `maps` section;
 * slot 3 counts frames with no handler.
 *
 * Returns: IPv4: 4 << 16 | protocol << 8 | ttl; IPv6: 6 << 16 |
 * next header << 8 | hop limit; ARP: 0x806 << 16 | operation; no handler:
 * 0xffff; frames too short for their handler: 0.
 */
#include "bpf32_helpers.h"
#include "pkt.h"

int do_ipv4(void *data);
int do_ipv6(void *data);
int do_arp(void *data);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = { [0] = &do_ipv4, [1] = &do_ipv6, [2] = &do_arp },
};

struct bpf_map_def SEC("maps") stats = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 4,
};

__u32 frame_len;

static __always_inline void bump(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("xdp")
int dispatch(void *data, __u64 len)
{
	const struct eth_hdr *eth = data;
	frame_len = len;
	if (len < sizeof(*eth))
		return 0;
	__u32 slot;
	switch (bpf_ntohs(eth->proto)) {
	case ETH_P_IP: slot = 0; break;
	case ETH_P_IPV6: slot = 1; break;
	case ETH_P_ARP: slot = 2; break;
	default: slot = 3; break;
	}
	bpf_tail_call(data, &jmp_table, slot);
	bump(3);
	return 0xffff;
}

SEC("xdp/ipv4")
int do_ipv4(void *data)
{
	const struct ipv4_hdr *ip = data + sizeof(struct eth_hdr);
	bump(0);
	if (frame_len < sizeof(struct eth_hdr) + sizeof(*ip))
		return 0;
	return 4 << 16 | ip->protocol << 8 | ip->ttl;
}

SEC("xdp/ipv6")
int do_ipv6(void *data)
{
	const struct ipv6_hdr *ip6 = data + sizeof(struct eth_hdr);
	bump(1);
	if (frame_len < sizeof(struct eth_hdr) + sizeof(*ip6))
		return 0;
	return 6 << 16 | ip6->nexthdr << 8 | ip6->hop_limit;
}

SEC("xdp/arp")
int do_arp(void *data)
{
	const __u8 *arp = data + sizeof(struct eth_hdr);
	bump(2);
	if (frame_len < sizeof(struct eth_hdr) + 8)
		return 0;
	return ETH_P_ARP << 16 | arp[6] << 8 | arp[7];
}

char LICENSE[] SEC("license") = "GPL";
