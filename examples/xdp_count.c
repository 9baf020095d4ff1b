/*
 * XDP-style packet parser with per-class counters in a hash map.
 *
 * Input: a batch of Ethernet frames, each preceded by its length as a
 * big-endian u16. Each frame is parsed (Ethernet with up to two VLAN tags,
 * IPv4 with any header length or IPv6, TCP/UDP destination port) and counted,
 * packets and bytes, per (IP version, protocol, destination port) in the
 * hash map `classes`; non-IP frames count under version 0 with the
 * ethertype as port. The verdict for each frame is XDP_DROP for TCP to port
 * 23 and XDP_PASS otherwise; the global `dropped` counts drops over all runs.
 * Frames that do not parse are reported with bpf_printk.
 *
 * Returns: frames in this batch << 16 | dropped.
 */
#include "bpf32_helpers.h"
#include "pkt.h"

struct class_key {
	__u8 family;     /* 4, 6, or 0 for non-IP */
	__u8 proto;
	__u16 port;      /* host order */
};

struct counters {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct class_key);
	__type(value, struct counters);
} classes SEC(".maps");

__u32 dropped;

/* Fill k from the frame [p, end); 0 on success. */
static __always_inline int parse(const __u8 *p, const __u8 *end, struct class_key *k)
{
	const struct eth_hdr *eth = (const void *)p;
	if ((const __u8 *)(eth + 1) > end)
		return -1;
	__u16 proto = bpf_ntohs(eth->proto);
	p = (const __u8 *)(eth + 1);
	for (int tags = 0; tags < 2 && (proto == ETH_P_8021Q || proto == ETH_P_8021AD); tags++) {
		const struct vlan_hdr *vlan = (const void *)p;
		if ((const __u8 *)(vlan + 1) > end)
			return -1;
		proto = bpf_ntohs(vlan->proto);
		p = (const __u8 *)(vlan + 1);
	}
	if (proto == ETH_P_IP) {
		const struct ipv4_hdr *ip = (const void *)p;
		if ((const __u8 *)(ip + 1) > end || ip->ver_ihl >> 4 != 4 || (ip->ver_ihl & 15) < 5)
			return -1;
		k->family = 4;
		k->proto = ip->protocol;
		p += (ip->ver_ihl & 15) * 4;
	} else if (proto == ETH_P_IPV6) {
		const struct ipv6_hdr *ip6 = (const void *)p;
		if ((const __u8 *)(ip6 + 1) > end)
			return -1;
		k->family = 6;
		k->proto = ip6->nexthdr;
		p = (const __u8 *)(ip6 + 1);
	} else {
		k->port = proto;
		return 0;
	}
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) {
		const struct l4_ports *l4 = (const void *)p;
		if ((const __u8 *)(l4 + 1) > end)
			return -1;
		k->port = bpf_ntohs(l4->dst);
	}
	return 0;
}

static __always_inline void count(const struct class_key *k, __u32 bytes)
{
	struct counters *c = bpf_map_lookup_elem(&classes, k);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
		return;
	}
	struct counters first = { 1, bytes };
	bpf_map_update_elem(&classes, k, &first, BPF_NOEXIST);
}

SEC("xdp")
int xdp_count(void *data, __u64 len)
{
	const __u8 *p = data, *end = p + len;
	__u32 frames = 0;
	for (int i = 0; i < 256 && p + 2 <= end; i++) {
		__u32 flen = (__u32)p[0] << 8 | p[1];
		p += 2;
		if (flen > end - p) {
			bpf_printk("frame %u: length %u overruns the batch", frames, flen);
			break;
		}
		struct class_key k = {};
		int verdict = XDP_PASS;
		if (parse(p, p + flen, &k)) {
			bpf_printk("frame %u: malformed (%u bytes)", frames, flen);
			verdict = XDP_ABORTED;
		} else {
			count(&k, flen);
			if (k.proto == IPPROTO_TCP && k.port == 23)
				verdict = XDP_DROP;
		}
		dropped += verdict == XDP_DROP;
		frames++;
		p += flen;
	}
	return frames << 16 | dropped;
}

char LICENSE[] SEC("license") = "GPL";
