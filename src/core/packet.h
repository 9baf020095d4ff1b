/*
 * Packet reads of the legacy LD_ABS/LD_IND instructions (and of classic BPF).
 *
 * A packet is `headlen` linear bytes at `data` followed by `len - headlen`
 * fragment bytes at `frag`; a load may straddle the two. Offsets below zero
 * address the headers the way Linux does:
 *
 *     off >= SKF_NET_OFF (-0x100000):  net_off + (off - SKF_NET_OFF)
 *     off >= SKF_LL_OFF  (-0x200000):  mac_off + (off - SKF_LL_OFF)
 *     anything lower:                  out of bounds
 */
#ifndef BPF32_PACKET_H
#define BPF32_PACKET_H

#include <stdint.h>

#include "bpf32.h"

#define BPF32_SKF_NET_OFF (-0x100000)
#define BPF32_SKF_LL_OFF (-0x200000)

/*
 * Read `size` (1, 2 or 4) bytes at packet offset `off` as a big-endian
 * (network order) number into *val. Returns 0, or -1 when any byte lies
 * outside the packet (*val is then untouched).
 */
int bpf32_pkt_load(const struct bpf32_packet *pkt, int32_t off, unsigned size,
		   uint32_t *val);

#endif /* BPF32_PACKET_H */
