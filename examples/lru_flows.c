/*
 * Flow table in an LRU hash map.
 *
 * Input: a batch of 16-byte flow records { be32 saddr, daddr; be16 sport,
 * dport; u8 proto; u8 pad; be16 length }. Each record updates its flow's
 * packets, bytes and last-seen time (bpf_ktime_get_ns), or creates the flow.
 * The table holds 8 flows: a new flow in a full table evicts the one used
 * least recently. About one record in four is sampled (bpf_get_prandom_u32),
 * counted in the global `sampled`; `new_flows` counts flows created over all
 * runs.
 *
 * Returns: the number of flows this batch created.
 */
#include "bpf32_helpers.h"

struct flow_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow {
	__u64 packets;
	__u64 bytes;
	__u64 first_ns;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__type(key, struct flow_key);
	__type(value, struct flow);
} flows SEC(".maps");

__u64 new_flows, sampled;

struct record {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad;
	__be16 length;
};

SEC("socket")
int track(void *data, __u64 len)
{
	const struct record *r = data;
	int created = 0;
	for (int i = 0; i < 128 && (const void *)(r + 1) <= data + len; i++, r++) {
		struct flow_key k = {
			.saddr = r->saddr, .daddr = r->daddr,
			.sport = r->sport, .dport = r->dport, .proto = r->proto,
		};
		__u64 now = bpf_ktime_get_ns();
		__u32 bytes = bpf_ntohs(r->length);
		struct flow *f = bpf_map_lookup_elem(&flows, &k);
		if (f) {
			f->packets++;
			f->bytes += bytes;
			f->last_ns = now;
		} else {
			struct flow nf = { 1, bytes, now, now };
			if (bpf_map_update_elem(&flows, &k, &nf, BPF_NOEXIST) == 0)
				created++;
		}
		if ((bpf_get_prandom_u32() & 3) == 0)
			sampled++;
	}
	new_flows += created;
	return created;
}

char LICENSE[] SEC("license") = "GPL";
