/*
 * Global variables and subprograms: CRC-32 of the input.
 *
 * `checksum` returns the CRC-32 (zlib's) of its input. The table lives in
 * .bss and is built on first use by a static subprogram, from the
 * polynomial in .rodata (const volatile: an embedder may change it before a
 * run); the byte loop is a global function in .text. `runs` (.data,
 * starting at 100) and `total_bytes` (.bss) count over all runs; the second
 * program of the section, `stats`, returns runs << 32 | total_bytes.
 */
#include "bpf32_helpers.h"

const volatile __u32 crc_poly = 0xedb88320;
__u32 runs = 100;
__u64 total_bytes;
__u32 table[256];
__u32 table_ready;

static __noinline void build_table(__u32 poly)
{
	for (__u32 i = 0; i < 256; i++) {
		__u32 c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ poly : c >> 1;
		table[i] = c;
	}
	table_ready = 1;
}

__noinline __u32 crc32_update(__u32 crc, const __u8 *p, __u32 n)
{
	for (__u32 i = 0; i < n && i < 65536; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

static __noinline __u32 crc32(const __u8 *p, __u32 n)
{
	if (!table_ready)
		build_table(crc_poly);
	return ~crc32_update(~0u, p, n);
}

SEC("socket")
int checksum(void *data, __u64 len)
{
	runs++;
	total_bytes += len;
	return crc32(data, len);
}

SEC("socket")
__u64 stats(void *data, __u64 len)
{
	return (__u64)runs << 32 | total_bytes;
}

char LICENSE[] SEC("license") = "GPL";
