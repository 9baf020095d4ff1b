/*
 * Disassembler: any slots (either byte order) disassemble, or a length that
 * is not a multiple of 8 is refused, and the text assembles back to the same
 * instructions (in little-endian order).
 */
#include <string.h>

#include "fuzz.h"
#include "insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int big = data[0] & FUZZ_BIG;
	const uint8_t *slots = data + 1;
	size_t len = size - 1;
	char *text = NULL;
	struct bpf32_error err;
	int rc = bpf32_disasm(slots, len, fuzz_order(data[0]), &text, &err);
	if (len % 8) {
		FUZZ_ASSERT(rc < 0, "%zu bytes disassembled", len);
		return 0;
	}
	FUZZ_ASSERT(rc == 0, "%zu bytes not disassembled: %s", len, err.msg);

	uint8_t *bytes = NULL;
	size_t n = 0;
	rc = bpf32_asm(text, &bytes, &n, &err);
	FUZZ_ASSERT(rc == 0, "disassembly does not assemble: %s\n%s", err.msg, text);
	FUZZ_ASSERT(n == len, "%zu bytes became %zu:\n%s", len, n, text);
	for (size_t k = 0; k < len; k += 8) {
		struct bpf_insn a = bpf_decode(slots + k, big), b = bpf_decode(bytes + k, 0);
		FUZZ_ASSERT(a.code == b.code && a.dst == b.dst && a.src == b.src && a.off == b.off &&
				    a.imm == b.imm,
			    "slot %zu changes in the round trip:\n%s", k / 8, text);
	}
	free(bytes);
	free(text);
	return 0;
}
