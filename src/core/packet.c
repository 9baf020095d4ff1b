/* The packet byte reader of LD_ABS/LD_IND; see packet.h. */
#include "packet.h"

/* Absolute position of packet offset `off`, or -1 when it names no header. */
static int64_t pkt_position(const struct bpf32_packet *pkt, int32_t off)
{
	if (off >= 0)
		return off;
	if (off >= BPF32_SKF_NET_OFF)
		return (int64_t)off - BPF32_SKF_NET_OFF + pkt->net_off;
	if (off >= BPF32_SKF_LL_OFF)
		return (int64_t)off - BPF32_SKF_LL_OFF + pkt->mac_off;
	return -1;
}

int bpf32_pkt_load(const struct bpf32_packet *pkt, int32_t off, unsigned size,
		   uint32_t *val)
{
	int64_t pos = pkt_position(pkt, off);
	/* A packet claiming more linear bytes than it has is cut to its length. */
	uint32_t head = pkt->headlen < pkt->len ? pkt->headlen : pkt->len;
	if (pos < 0 || pos + size > pkt->len)
		return -1;
	if (pos + size > head && !pkt->frag)
		return -1;

	uint32_t v = 0;
	for (uint32_t p = (uint32_t)pos; p < pos + size; p++)
		v = v << 8 | (p < head ? pkt->data[p] : pkt->frag[p - head]);
	*val = v;
	return 0;
}
