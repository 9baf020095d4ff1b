/*
 * Packet headers for the examples, without bitfields: linux/ip.h lays out
 * its bitfields for the host that provides asm/byteorder.h, which is wrong
 * for one of bpfel/bpfeb. Multi-byte fields are in network order.
 */
#ifndef BPF32_EXAMPLES_PKT_H
#define BPF32_EXAMPLES_PKT_H

#include <linux/types.h>

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_IPV6 0x86dd

#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

struct eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct ipv4_hdr {
	__u8 ver_ihl;      /* version << 4 | header length in words */
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
};

struct ipv6_hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* The first four bytes of TCP and UDP headers. */
struct l4_ports {
	__be16 src;
	__be16 dst;
};

#endif /* BPF32_EXAMPLES_PKT_H */
