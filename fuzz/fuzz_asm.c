/*
 * Assembler: any text either assembles or is refused with a message; what
 * assembles disassembles to text that assembles to the same bytes, and
 * loads (or is refused) through bpf32_load_asm like the bytes do.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	FUZZ_ASSERT(text, "out of memory");
	memcpy(text, data, size);
	text[size] = 0;

	uint8_t *bytes = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	char *dis = NULL;
	struct bpf32_error err;
	int rc = bpf32_asm(text, &bytes, &len, &err);
	if (rc) {
		FUZZ_ASSERT(rc < 0 && err.msg[0], "a refusal names no reason");
		goto out;
	}
	FUZZ_ASSERT(len % 8 == 0, "%zu bytes", len);
	rc = bpf32_disasm(bytes, len, BPF32_ORDER_LITTLE, &dis, &err);
	FUZZ_ASSERT(rc == 0, "assembled bytes do not disassemble: %s", err.msg);
	rc = bpf32_asm(dis, &again, &len2, &err);
	FUZZ_ASSERT(rc == 0, "disassembly does not assemble: %s\n%s", err.msg, dis);
	FUZZ_ASSERT(len2 == len && !memcmp(again, bytes, len), "round trip changes the bytes:\n%s",
		    dis);

	struct bpf32_prog *p = bpf32_load_asm(fuzz_env(0), text, fuzz_load_opts(0), &err);
	struct bpf32_prog *q = bpf32_load(fuzz_env(0), bytes, len, BPF32_ORDER_LITTLE,
					  fuzz_load_opts(0), &err);
	FUZZ_ASSERT(!p == !q, "load_asm %s, load of the bytes %s", p ? "accepts" : "refuses",
		    q ? "accepts" : "refuses");
	bpf32_prog_free(p);
	bpf32_prog_free(q);
out:
	free(text);
	free(bytes);
	free(again);
	free(dis);
	return 0;
}
