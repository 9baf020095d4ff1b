/* CRC-32 (IEEE 802.3, reflected, bit by bit) of the first 256 input bytes. */
#include "bench.h"

BENCH_PROG(crc32)(void *data, u64 len)
{
	const u8 *p = data;
	u32 crc = 0xffffffffu;

	for (int i = 0; i < 256 && i < (int)len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}
