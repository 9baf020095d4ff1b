/*
 * Byte-order aware reads of untrusted object files, shared by the ELF and
 * BTF readers. They read byte by byte, so no alignment is assumed.
 */
#ifndef BPF32_ELF_H
#define BPF32_ELF_H

#include <stdint.h>

static inline uint16_t rd16(const uint8_t *p, int big)
{
	return (uint16_t)(big ? p[0] << 8 | p[1] : p[1] << 8 | p[0]);
}

static inline uint32_t rd32(const uint8_t *p, int big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		   : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t rd64(const uint8_t *p, int big)
{
	uint64_t a = rd32(p, big), b = rd32(p + 4, big);
	return big ? a << 32 | b : b << 32 | a;
}

/* [off, off + len) lies inside `size` bytes, without overflow. */
static inline int in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

#endif /* BPF32_ELF_H */
