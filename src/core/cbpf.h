/*
 * Classic BPF inside bpf32: the opcodes eBPF does not share, Linux's
 * ancillary-load codes, and the converter's entry point for tools and tests
 * that want to see the eBPF it produces (bpf32_load_cbpf() in the public
 * header is the one embedders use).
 *
 * Classic and eBPF share the class values LD..JMP, the sizes W/H/B, the modes
 * IMM/ABS/IND/MEM, the source bit K/X, the ALU operations and the jump
 * operations JA..JSET (insn.h). Only the names below are classic's own.
 */
#ifndef BPF32_CBPF_H
#define BPF32_CBPF_H

#include <stddef.h>
#include <stdint.h>

#include "bpf32.h"

struct bpf_insn;   /* insn.h; left incomplete so that tools can include libpcap too */

enum {
	CBPF_RET = 0x06,    /* class: return (eBPF's JMP32) */
	CBPF_MISC = 0x07,   /* class: register transfers (eBPF's ALU64) */
	CBPF_LEN = 0x80,    /* mode: the packet length */
	CBPF_MSH = 0xa0,    /* mode: X = 4 * (byte & 0xf), an IPv4 header length */
	CBPF_RVAL_A = 0x10, /* RET source: A (0x00 is k; 0x08, X, is refused) */
	CBPF_TAX = 0x00,    /* MISC operations */
	CBPF_TXA = 0x80,
};

#define CBPF_MEMWORDS 16   /* scratch words M[0..15] */

/* eBPF instructions one classic instruction becomes, at most (LDX MSH). */
#define CBPF_MAX_EXPANSION 6

/* Linux's ancillary loads: `ld [SKF_AD_OFF + code]` (any size). */
#define CBPF_SKF_AD_OFF (-0x1000)
enum {
	CBPF_SKF_AD_PROTOCOL = 0,
	CBPF_SKF_AD_PKTTYPE = 4,
	CBPF_SKF_AD_IFINDEX = 8,
	CBPF_SKF_AD_NLATTR = 12,
	CBPF_SKF_AD_NLATTR_NEST = 16,
	CBPF_SKF_AD_MARK = 20,
	CBPF_SKF_AD_QUEUE = 24,
	CBPF_SKF_AD_HATYPE = 28,
	CBPF_SKF_AD_RXHASH = 32,
	CBPF_SKF_AD_CPU = 36,
	CBPF_SKF_AD_ALU_XOR_X = 40,
	CBPF_SKF_AD_VLAN_TAG = 44,
	CBPF_SKF_AD_VLAN_TAG_PRESENT = 48,
	CBPF_SKF_AD_PAY_OFFSET = 52,
	CBPF_SKF_AD_RANDOM = 56,
	CBPF_SKF_AD_VLAN_TPID = 60,
	CBPF_SKF_AD_MAX = 64,
};

/* Name of the ancillary load at absolute offset k ("proto", ...), or NULL. */
const char *cbpf_ancillary_name(uint32_t k);

/*
 * The eBPF form of a classic program: `len` instructions; classic
 * instruction i became insns[start[i]] .. insns[start[i + 1] - 1] (start has
 * n + 1 entries; the prologue comes before start[0]).
 */
struct cbpf_conv {
	struct bpf_insn *insns;
	uint32_t len;
	uint32_t *start;
};

/*
 * Validate and convert without loading. Returns 0, or a negative code with
 * err naming the classic instruction. Free the result with cbpf_conv_free().
 */
int cbpf_convert(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		 struct cbpf_conv *out, struct bpf32_error *err);
void cbpf_conv_free(struct cbpf_conv *conv);

/*
 * One classic instruction as text, in the style of `tcpdump -d` (jump
 * targets are absolute indexes; ancillary loads as `ld #proto`, header
 * offsets as `[net+9]`). Returns 0, or -1 when `size` was too small
 * (CBPF_DISASM_LINE_MAX always fits).
 */
#define CBPF_DISASM_LINE_MAX 64
int cbpf_disasm_insn(const struct bpf32_sock_filter *insn, uint32_t pc, char *buf, size_t size);

/*
 * Validate and convert, then list each classic instruction followed by the
 * eBPF it became (the prologue first). *out is malloc'd text.
 */
int cbpf_listing(const struct bpf32_sock_filter *insns, uint32_t n, enum bpf32_cbpf_mode mode,
		 char **out, struct bpf32_error *err);

#endif /* BPF32_CBPF_H */
