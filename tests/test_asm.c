/*
 * Assembler and disassembler tests.
 *
 *   test_asm SHARED_DIR
 *
 * - every bpf_conformance program: its `-- asm` section assembles to exactly
 *   the bytes of raw/<name>.hex, and disassembling those bytes (in either
 *   byte order) and assembling the text again gives the same bytes;
 * - the suite's 10 assembly files that must be rejected, with the message;
 * - error messages and line numbers, hand-written programs, and the
 *   disassembly of random slots (every byte string round-trips).
 */
/* 32-bit hosts: readdir() fails with EOVERFLOW on 64-bit inode numbers without it. */
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "text.h"

#define CONFORMANCE_TESTS 313

/* ---------------------------------------------------------------- helpers */

/* The `-- asm` section of a .data file, as a malloc'd string (or NULL). */
static char *asm_section(const char *data)
{
	const char *s = data;
	while (s && strncmp(s, "-- asm\n", 7) != 0) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s)
		return NULL;
	s += 7;
	const char *end = s;
	while (*end && strncmp(end, "-- ", 3) != 0) {
		const char *nl = strchr(end, '\n');
		end = nl ? nl + 1 : end + strlen(end);
	}
	char *out = malloc((size_t)(end - s) + 1);
	if (out) {
		memcpy(out, s, (size_t)(end - s));
		out[end - s] = 0;
	}
	return out;
}

/* raw/<name>.hex: one slot per line, 16 hex digits in memory order. */
static uint8_t *read_hex(const char *path, size_t *len)
{
	size_t flen;
	char *text = (char *)tu_read_file(path, &flen);
	if (!text)
		return NULL;
	uint8_t *out = malloc(flen / 2 + 1);
	size_t n = 0;
	for (const char *p = text; out && *p;) {
		unsigned v;
		if (*p == '\n') {
			p++;
		} else if (sscanf(p, "%2x", &v) == 1) {
			out[n++] = (uint8_t)v;
			p += 2;
		} else {
			free(out);
			out = NULL;
		}
	}
	free(text);
	*len = n;
	return out;
}

/* Assemble, expecting success; NULL (with a failed check) otherwise. */
static uint8_t *assemble(const char *what, const char *text, size_t *len)
{
	uint8_t *bytes = NULL;
	struct bpf32_error err = { 0 };
	int rc = bpf32_asm(text, &bytes, len, &err);
	TU_CHECK(rc == 0, "%s: assembly failed: %s", what, err.msg);
	return rc == 0 ? bytes : NULL;
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return a && b && alen == blen && memcmp(a, b, alen) == 0;
}

/* Convert little-endian slots to big-endian ones. */
static uint8_t *to_big(const uint8_t *le, size_t len)
{
	uint8_t *be = malloc(len ? len : 1);
	for (size_t i = 0; be && i < len; i += 8) {
		struct bpf_insn ins = bpf_decode(le + i, 0);
		bpf_encode(&ins, be + i, 1);
	}
	return be;
}

/*
 * Disassemble `bytes` (little endian), check that the big-endian form
 * gives the same text, and that the text assembles back to `bytes`.
 */
static int round_trip(const char *what, const uint8_t *bytes, size_t len)
{
	char *text = NULL, *text_be = NULL;
	struct bpf32_error err = { 0 };
	int ok = 0;
	if (bpf32_disasm(bytes, len, BPF32_ORDER_LITTLE, &text, &err)) {
		TU_CHECK(0, "%s: disassembly failed: %s", what, err.msg);
		return 0;
	}
	uint8_t *be = to_big(bytes, len);
	if (bpf32_disasm(be, len, BPF32_ORDER_BIG, &text_be, &err) == 0) {
		TU_CHECK(strcmp(text, text_be) == 0, "%s: big-endian disassembly differs", what);
		free(text_be);
	} else {
		TU_CHECK(0, "%s: big-endian disassembly failed: %s", what, err.msg);
	}
	free(be);
	size_t len2;
	uint8_t *again = assemble(what, text, &len2);
	if (same_bytes(bytes, len, again, len2))
		ok = 1;
	else
		TU_CHECK(0, "%s: round trip differs; disassembly:\n%s", what, text);
	free(again);
	free(text);
	return ok;
}

/* ---------------------------------------------------------------- conformance */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_conformance(const char *shared)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/bpf_conformance/tests", shared);
	DIR *d = opendir(path);
	TU_CHECK(d != NULL, "cannot open %s", path);
	if (!d)
		return;
	char **names = NULL;
	size_t count = 0, cap = 0;
	errno = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 512;
			names = realloc(names, cap * sizeof *names);
		}
		names[count++] = strndup(e->d_name, l - 5);
	}
	TU_CHECK(errno == 0, "readdir %s: %s", path, strerror(errno));
	closedir(d);
	qsort(names, count, sizeof *names, name_cmp);

	unsigned match = 0, trip = 0;
	for (size_t i = 0; i < count; i++) {
		size_t dlen, hlen = 0, alen = 0;
		snprintf(path, sizeof path, "%s/bpf_conformance/tests/%s.data", shared, names[i]);
		char *data = (char *)tu_read_file(path, &dlen);
		snprintf(path, sizeof path, "%s/bpf_conformance/raw/%s.hex", shared, names[i]);
		uint8_t *hex = read_hex(path, &hlen);
		char *text = data ? asm_section(data) : NULL;
		TU_CHECK(text && hex, "%s: cannot read the test or its .hex", names[i]);
		uint8_t *bytes = text ? assemble(names[i], text, &alen) : NULL;
		if (same_bytes(bytes, alen, hex, hlen))
			match++;
		else if (bytes)
			TU_CHECK(0, "%s: assembled bytes differ from the .hex file", names[i]);
		if (hex && round_trip(names[i], hex, hlen))
			trip++;
		free(bytes);
		free(text);
		free(hex);
		free(data);
		free(names[i]);
	}
	free(names);
	printf("asm: %u/%zu match, round-trip %u/%zu\n", match, count, trip, count);
	TU_CHECK(count == CONFORMANCE_TESTS, "found %zu tests, expected %d", count,
		 CONFORMANCE_TESTS);
}

/* ---------------------------------------------------------------- negative files */

static const struct {
	const char *file;
	const char *msg;   /* the whole message, line numbers of the asm section */
} negative[] = {
	{ "invalid_imm32_dec_range", "line 2: immediate out of 32-bit range: 2147483648" },
	{ "invalid_imm32_hex_range", "line 2: immediate out of 32-bit range: 0x100000000" },
	{ "invalid_label", "line 1: invalid label: NOT_A_LABEL" },
	{ "invalid_lock", "line 1: invalid number of operands for lock or: expected 2, got 1" },
	{ "invalid_lock2", "line 1: invalid number of operands for lock" },
	{ "invalid_mnemonic", "line 2: invalid mnemonic: ldxq" },
	{ "invalid_offset", "line 1: failed to decode register and offset: %r1" },
	{ "invalid_offset_range", "line 2: offset out of 16-bit range: +0x10000" },
	{ "invalid_operand_count", "line 1: invalid number of operands for lddw: expected 2, got 1" },
	{ "invalid_register", "line 1: invalid register: %r50" },
};

static void test_negative(const char *shared)
{
	unsigned rejected = 0;
	for (size_t i = 0; i < sizeof negative / sizeof negative[0]; i++) {
		char path[4096];
		size_t dlen;
		snprintf(path, sizeof path, "%s/bpf_conformance/negative/%s.data", shared,
			 negative[i].file);
		char *data = (char *)tu_read_file(path, &dlen);
		char *text = data ? asm_section(data) : NULL;
		TU_CHECK(text != NULL, "%s: cannot read", path);
		if (text) {
			uint8_t *bytes = NULL;
			size_t len;
			struct bpf32_error err = { 0 };
			int rc = bpf32_asm(text, &bytes, &len, &err);
			TU_CHECK(rc == BPF32_EINVAL && err.code == BPF32_EINVAL,
				 "%s: rc %d, expected rejection", negative[i].file, rc);
			TU_CHECK(strcmp(err.msg, negative[i].msg) == 0, "%s: message '%s', expected '%s'",
				 negative[i].file, err.msg, negative[i].msg);
			TU_CHECK(err.insn == 0, "%s: insn %d, expected 0", negative[i].file, (int)err.insn);
			if (rc == BPF32_EINVAL && strcmp(err.msg, negative[i].msg) == 0)
				rejected++;
			if (rc == 0)
				free(bytes);
		}
		free(text);
		free(data);
	}
	printf("asm: %u/%zu negative files rejected with the expected message\n", rejected,
	       sizeof negative / sizeof negative[0]);
}

/* ---------------------------------------------------------------- errors */

static const struct {
	const char *text;
	int code;
	int32_t insn;
	const char *msg;
} errors[] = {
	{ "mov %r0, 1\n\nldxq %r0, [%r1]\n", BPF32_EINVAL, 1, "line 3: invalid mnemonic: ldxq" },
	{ "or %r0, %r11", BPF32_EINVAL, 0, "line 1: invalid register: %r11" },
	{ "or %r0, %r01", BPF32_EINVAL, 0, "line 1: invalid register: %r01" },
	{ "or %r0, %R1", BPF32_EINVAL, 0, "line 1: invalid register: %R1" },
	{ "exit\nja NOT_A_LABEL\n", BPF32_EINVAL, 1, "line 2: invalid label: NOT_A_LABEL" },
	{ "ja 3", BPF32_EINVAL, 0, "line 1: invalid label: 3" },
	{ "mov %r0", BPF32_EINVAL, 0, "line 1: invalid number of operands for mov: expected 2, got 1" },
	{ "exit %r0", BPF32_EINVAL, 0, "line 1: invalid number of operands for exit: expected 0, got 1" },
	{ "jeq %r0, 1, +1, +2, +3, +4, +5, +6, +7", BPF32_EINVAL, 0,
	  "line 1: invalid number of operands for jeq: expected 3, got 9" },
	{ "call local", BPF32_EINVAL, 0,
	  "line 1: invalid number of operands for call local: expected 1, got 0" },
	{ "lock foo [%r10-8], %r1", BPF32_EINVAL, 0, "line 1: invalid mnemonic: lock foo" },
	{ "ldxw %r0, %r1", BPF32_EINVAL, 0, "line 1: failed to decode register and offset: %r1" },
	{ "ldxw %r0, [%r1", BPF32_EINVAL, 0, "line 1: failed to decode register and offset: [%r1" },
	{ "ldxw %r0, [+4]", BPF32_EINVAL, 0, "line 1: failed to decode register and offset: [+4]" },
	{ "ldxw %r0, [%r1*4]", BPF32_EINVAL, 0, "line 1: invalid register: %r1*4" },
	{ "ldxw %r0, [%r1+32768]", BPF32_EINVAL, 0, "line 1: offset out of 16-bit range: +32768" },
	{ "ldxw %r0, [%r1-32769]", BPF32_EINVAL, 0, "line 1: offset out of 16-bit range: -32769" },
	{ "ldxw %r0, [%r1+4x]", BPF32_EINVAL, 0, "line 1: invalid offset: +4x" },
	{ "mov32 %r0, 2147483648", BPF32_EINVAL, 0, "line 1: immediate out of 32-bit range: 2147483648" },
	{ "mov32 %r0, -2147483649", BPF32_EINVAL, 0,
	  "line 1: immediate out of 32-bit range: -2147483649" },
	{ "mov32 %r0, 0x100000000", BPF32_EINVAL, 0,
	  "line 1: immediate out of 32-bit range: 0x100000000" },
	{ "mov32 %r0, -0x80000001", BPF32_EINVAL, 0,
	  "line 1: immediate out of 32-bit range: -0x80000001" },
	{ "mov32 %r0, 0x", BPF32_EINVAL, 0, "line 1: invalid immediate: 0x" },
	{ "mov32 %r0, 12a", BPF32_EINVAL, 0, "line 1: invalid immediate: 12a" },
	{ "lddw %r0, 0x10000000000000000", BPF32_EINVAL, 0,
	  "line 1: immediate out of 64-bit range: 0x10000000000000000" },
	{ "lddw %r0, 99999999999999999999", BPF32_EINVAL, 0,
	  "line 1: immediate out of 64-bit range: 99999999999999999999" },
	{ "lddw %r0, -9223372036854775809", BPF32_EINVAL, 0,
	  "line 1: immediate out of 64-bit range: -9223372036854775809" },
	{ "ja +32768", BPF32_EINVAL, 0, "line 1: jump offset out of 16-bit range: +32768" },
	{ "ja32 +2147483648", BPF32_EINVAL, 0, "line 1: jump offset out of 32-bit range: +2147483648" },
	{ "a:\nexit\na:\n", BPF32_EINVAL, -1, "line 3: duplicate label: a (first defined on line 1)" },
	{ "1a:\nexit\n", BPF32_EINVAL, -1, "line 1: invalid label name: 1a" },
	{ ".invalid 0x07", BPF32_EINVAL, 0,
	  "line 1: invalid slot: 0x07 (expected 0x and 16 hex digits)" },
	{ "lddw %r1, 1\nmov %r0, 0\nbogus", BPF32_EINVAL, 3, "line 3: invalid mnemonic: bogus" },
	{ "lock", BPF32_EINVAL, 0, "line 1: invalid number of operands for lock" },
	{ "movsx3232 %r0, %r1", BPF32_EINVAL, 0, "line 1: invalid mnemonic: movsx3232" },
	{ "add64 %r0, 1", BPF32_EINVAL, 0, "line 1: invalid mnemonic: add64" },
	{ "le16 %r0, 1", BPF32_EINVAL, 0, "line 1: invalid number of operands for le16: expected 1, got 2" },
	{ "call %r11", BPF32_EINVAL, 0, "line 1: invalid register: %r11" },
	{ "ldabsw %r0", BPF32_EINVAL, 0, "line 1: invalid immediate: %r0" },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		struct bpf32_error err = { 0 };
		int rc = bpf32_asm(errors[i].text, &bytes, &len, &err);
		TU_CHECK(rc == errors[i].code && err.code == errors[i].code, "'%s': rc %d, expected %d",
			 errors[i].text, rc, errors[i].code);
		TU_CHECK(err.insn == errors[i].insn, "'%s': insn %d, expected %d", errors[i].text,
			 (int)err.insn, (int)errors[i].insn);
		TU_CHECK(strcmp(err.msg, errors[i].msg) == 0, "'%s': message '%s', expected '%s'",
			 errors[i].text, err.msg, errors[i].msg);
		if (rc == 0)
			free(bytes);
	}
}

/* `first` line, `far` exits, then `far: exit`. */
static char *far_program(const char *first, size_t far)
{
	char *text = malloc(strlen(first) + far * 5 + 16);
	size_t at = (size_t)sprintf(text, "%s\n", first);
	for (size_t i = 0; i < far; i++, at += 5)
		memcpy(text + at, "exit\n", 5);
	strcpy(text + at, "far: exit\n");
	return text;
}

/* A label too far for a 16-bit jump; a program over the slot limit. */
static void test_limits(void)
{
	size_t len;
	char *text = far_program("ja far", 40000);
	uint8_t *bytes = NULL;
	struct bpf32_error err = { 0 };
	int rc = bpf32_asm(text, &bytes, &len, &err);
	TU_CHECK(rc == BPF32_EINVAL && err.insn == 0 &&
			 !strcmp(err.msg, "line 1: jump offset out of 16-bit range: far is 40000 slots away"),
		 "far jump: rc %d insn %d '%s'", rc, (int)err.insn, err.msg);
	if (rc == 0)
		free(bytes);
	free(text);
	/* ja32 has 32 bits; and 32767 slots is still in range for ja. */
	text = far_program("ja32 far", 40000);
	bytes = assemble("ja32 far", text, &len);
	TU_CHECK(bytes && len == 40002 * 8 && bytes[0] == 0x06 && bytes[4] == 0x40 &&
			 bytes[5] == 0x9c && bytes[6] == 0 && bytes[7] == 0,
		 "ja32 to a far label");
	free(bytes);
	free(text);
	text = far_program("ja far", 32767);
	bytes = assemble("ja far", text, &len);
	TU_CHECK(bytes && bytes[2] == 0xff && bytes[3] == 0x7f, "ja +32767 to a label");
	free(bytes);
	free(text);

	size_t big = BPF32_MAX_INSNS + 1;
	text = malloc(big * 5 + 1);
	for (size_t i = 0; i < big; i++)
		memcpy(text + i * 5, "exit\n", 5);
	text[big * 5] = 0;
	rc = bpf32_asm(text, &bytes, &len, &err);
	TU_CHECK(rc == BPF32_E2BIG && err.insn == (int32_t)BPF32_MAX_INSNS,
		 "program over the limit: rc %d insn %d '%s'", rc, (int)err.insn, err.msg);
	if (rc == 0)
		free(bytes);
	text[(big - 1) * 5] = 0;
	bytes = assemble("program at the limit", text, &len);
	TU_CHECK(len == (size_t)BPF32_MAX_INSNS * 8, "program at the limit: %zu bytes", len);
	free(bytes);
	free(text);
}

/* ---------------------------------------------------------------- programs */

static const struct {
	const char *text;
	const char *hex;   /* slots in memory order, as in the raw .hex files; spaces ignored */
} programs[] = {
	/* labels on the same line as an instruction, commas optional, tabs, CRLF */
	{ "start: mov %r0 1\r\n\tjeq %r0,1,done # comment\nja start\ndone: exit",
	  "b700000001000000" "1500010001000000" "05 00 fdff 00000000" "9500000000000000" },
	/* `exit` is the first exit when no label of that name exists */
	{ "ja exit\nmov %r0, 2\nexit\nexit\n",
	  "0500010000000000" "b700000002000000" "9500000000000000" "9500000000000000" },
	{ "ja exit\nexit\nmov %r0, 1\nexit: exit\n",
	  "0500020000000000" "9500000000000000" "b700000001000000" "9500000000000000" },
	/* immediates: decimal and hex bounds */
	{ "mov32 %r1, -2147483648\nmov32 %r1, 0xffffffff\nmov32 %r1, -0x80000000\nmov %r1, +7",
	  "b401000000000080" "b4010000ffffffff" "b401000000000080" "b701000007000000" },
	/* memory operands, offsets at the bounds, spaces inside brackets */
	{ "ldxw %r0, [%r1]\nldxh %r2, [ %r3 - 32768 ]\nstxdw [%r10+0xffff], %r9\nstb [%r4+32767], -1",
	  "6110000000000000" "6932008000000000" "7b9affff00000000" "7204ff7fffffffff" },
	/* lddw: full 64-bit values, decimal unsigned and negative */
	{ "lddw %r9, 18446744073709551615\nlddw %r1, -9223372036854775808",
	  "18090000ffffffff" "00000000ffffffff" "1801000000000000" "0000000000000080" },
	/* calls: helper, callx, local with label and numeric offset */
	{ "call 5\ncall helper 6\ncall %r3\ncall local f\ncall local -5\nf: exit",
	  "8500000005000000" "8500000006000000" "8d03000000000000" "8510000001000000"
	  "85100000fbffffff" "9500000000000000" },
	/* ALU forms: signed div/mod, movsx, end, neg */
	{ "sdiv %r1, %r2\nsmod32 %r1, 3\nmovsx1632 %r4, %r3\nmovsx3264 %r0, %r9\nbe16 %r1\n"
	  "le64 %r2\nbswap32 %r3\nswap64 %r4\nneg32 %r5\narsh %r6, 63",
	  "3f21010000000000" "9401010003000000" "bc34100000000000" "bf90200000000000"
	  "dc01000010000000" "d402000040000000" "d703000020000000" "d704000040000000"
	  "8405000000000000" "c70600003f000000" },
	/* atomics */
	{ "lock add [%r10-8], %r1\nlock fetch xor32 [%r1+4], %r2\nlock xchg [%r2], %r3\n"
	  "lock cmpxchg32 [%r3-4], %r4",
	  "db1af8ff00000000" "c3210400a1000000" "db320000e1000000" "c343fcfff1000000" },
	/* JMP32, ja32, legacy packet loads, raw slots */
	{ "jsle32 %r1, -1, -1\njset %r1, %r2, +0\nja32 -1\nldabsb 14\nldindw %r7, -4\n"
	  ".invalid 0x0701010005000000",
	  "d601ffffffffffff" "4d21000000000000" "06000000ffffffff" "300000000e000000"
	  "40700000fcffffff" "0701010005000000" },
	/* comments and blank lines only */
	{ "# nothing\n\n   \n", "" },
	{ "", "" },
};

static size_t hex_to_bytes(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned v;
	for (const char *p = hex; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		sscanf(p, "%2x", &v);
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return n;
}

static void test_programs(void)
{
	for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
		uint8_t want[256];
		size_t wlen = hex_to_bytes(programs[i].hex, want), len = 0;
		uint8_t *bytes = assemble(programs[i].text, programs[i].text, &len);
		TU_CHECK(bytes != NULL, "program %zu: no output", i);
		TU_CHECK(same_bytes(bytes, len, want, wlen), "program %zu: bytes differ", i);
		if (bytes)
			round_trip(programs[i].text, bytes, len);
		free(bytes);
	}
}

/* ---------------------------------------------------------------- disassembly */

static const struct {
	struct bpf_insn ins[2];
	uint32_t n;
	int slots;
	const char *text;
} lines[] = {
	{ { { 0x18, 1, 0, 0, 0x55667788 }, { 0, 0, 0, 0, 0x11223344 } }, 2, 2,
	  "lddw %r1, 0x1122334455667788" },
	{ { { 0x18, 1, 0, 0, -1 }, { 0, 0, 0, 0, -1 } }, 2, 2, "lddw %r1, -1" },
	/* an LDDW without its second slot, or with a map reference */
	{ { { 0x18, 1, 0, 0, 7 } }, 1, 1, ".invalid 0x1801000007000000" },
	{ { { 0x18, 1, 1, 0, 7 }, { 0 } }, 2, 1, ".invalid 0x1811000007000000" },
	{ { { 0x18, 1, 0, 0, 7 }, { 0, 0, 0, 1, 0 } }, 2, 1, ".invalid 0x1801000007000000" },
	{ { { 0x07, 1, 0, 1, 5 } }, 1, 1, ".invalid 0x0701010005000000" },
	{ { { 0x07, 1, 0, 0, 5 } }, 1, 1, "add %r1, 5" },
	{ { { 0x0f, 11, 0, 0, 0 } }, 1, 1, ".invalid 0x0f0b000000000000" },
	{ { { 0x0f, 1, 10, 0, 0 } }, 1, 1, "add %r1, %r10" },
	{ { { 0xb4, 0, 0, 0, (int32_t)0x80000000 } }, 1, 1, "mov32 %r0, 0x80000000" },
	{ { { 0xb4, 0, 0, 0, -65535 } }, 1, 1, "mov32 %r0, -65535" },
	{ { { 0xb4, 0, 0, 0, 65536 } }, 1, 1, "mov32 %r0, 0x10000" },
	{ { { 0xbf, 2, 1, 8, 0 } }, 1, 1, "movsx864 %r2, %r1" },
	{ { { 0xbc, 2, 1, 32, 0 } }, 1, 1, ".invalid 0xbc12200000000000" },
	{ { { 0x37, 2, 0, 1, -3 } }, 1, 1, "sdiv %r2, -3" },
	{ { { 0x61, 0, 1, -8, 0 } }, 1, 1, "ldxw %r0, [%r1-8]" },
	{ { { 0x7a, 10, 0, 0, 3 } }, 1, 1, "stdw [%r10], 3" },
	{ { { 0xdb, 10, 1, -8, 0xf1 } }, 1, 1, "lock cmpxchg [%r10-8], %r1" },
	{ { { 0xc3, 10, 1, -8, 0x41 } }, 1, 1, "lock fetch or32 [%r10-8], %r1" },
	{ { { 0xc3, 10, 1, -8, 0x02 } }, 1, 1, ".invalid 0xc31af8ff02000000" },
	{ { { 0x15, 1, 0, -1, 2 } }, 1, 1, "jeq %r1, 2, -1" },
	{ { { 0x05, 0, 0, 3, 0 } }, 1, 1, "ja +3" },
	{ { { 0x05, 0, 0, 0, 0 } }, 1, 1, "ja +0" },
	{ { { 0x85, 0, 1, 0, -7 } }, 1, 1, "call local -7" },
	{ { { 0x85, 0, 2, 0, 1 } }, 1, 1, ".invalid 0x8520000001000000" },
	{ { { 0x8d, 2, 0, 0, 0 } }, 1, 1, "call %r2" },
	{ { { 0xd7, 3, 0, 0, 16 } }, 1, 1, "bswap16 %r3" },
	{ { { 0xd7, 3, 0, 0, 8 } }, 1, 1, ".invalid 0xd703000008000000" },
	{ { { 0x95, 0, 0, 0, 0 } }, 1, 1, "exit" },
	{ { { 0x48, 0, 5, 0, 2 } }, 1, 1, "ldindh %r5, 2" },
	{ { { 0xff, 15, 15, -1, -1 } }, 1, 1, ".invalid 0xffffffffffffffff" },
};

static void test_disasm_lines(void)
{
	char buf[BPF32_DISASM_LINE_MAX];
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		int used = bpf32_disasm_insn(lines[i].ins, lines[i].n, 0, buf, sizeof buf);
		TU_CHECK(used == lines[i].slots && strcmp(buf, lines[i].text) == 0,
			 "line %zu: got %d '%s', expected %d '%s'", i, used, used < 0 ? "" : buf,
			 lines[i].slots, lines[i].text);
	}
	/* Too small a buffer, a pc past the end, a bad length. */
	struct bpf_insn ins = { 0x95, 0, 0, 0, 0 };
	char small[4] = "xyz";
	TU_CHECK(bpf32_disasm_insn(&ins, 1, 0, small, sizeof small) == -1 && small[3] == 0,
		 "short buffer");
	TU_CHECK(bpf32_disasm_insn(&ins, 1, 0, buf, 5) == 1 && !strcmp(buf, "exit"),
		 "buffer of exactly the length");
	TU_CHECK(bpf32_disasm_insn(&ins, 1, 1, buf, sizeof buf) == -1, "pc past the end");
	char *text = NULL;
	struct bpf32_error err = { 0 };
	TU_CHECK(bpf32_disasm("\x95\0\0\0\0\0\0", 7, BPF32_ORDER_LITTLE, &text, &err) ==
			 BPF32_EINVAL && !strcmp(err.msg, "length 7 is not a multiple of 8"),
		 "odd length: '%s'", err.msg);
	TU_CHECK(bpf32_disasm("", 0, BPF32_ORDER_LITTLE, &text, &err) == 0 && text && !*text,
		 "empty input");
	free(text);
	/* The longest lines fit in BPF32_DISASM_LINE_MAX. */
	struct bpf_insn lng[2] = { { 0xc3, 10, 10, -32768, 0xa1 } };
	TU_CHECK(bpf32_disasm_insn(lng, 1, 0, buf, sizeof buf) == 1 &&
			 !strcmp(buf, "lock fetch xor32 [%r10-32768], %r10"),
		 "long line '%s'", buf);
	struct bpf_insn dw[2] = { { 0x18, 10, 0, 0, 0 }, { 0, 0, 0, 0, INT32_MIN } };
	TU_CHECK(bpf32_disasm_insn(dw, 2, 0, buf, sizeof buf) == 2 &&
			 !strcmp(buf, "lddw %r10, 0x8000000000000000"),
		 "lddw line '%s'", buf);
}

static uint32_t rng_state = 0x12345678;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A field value that is often zero or small, sometimes anything. */
static uint32_t pick(uint32_t any)
{
	switch (rng() % 4) {
	case 0:
		return 0;
	case 1:
		return rng() % 16;
	case 2:
		return any;
	default:
		return rng();
	}
}

/*
 * Random slots, biased towards real opcodes and mostly-zero fields so that
 * many of them have mnemonics: every buffer must round-trip exactly.
 */
static void test_random(void)
{
	enum { SLOTS = 64, ROUNDS = 1000 };
	uint8_t bytes[SLOTS * 8];
	unsigned named = 0, total = 0, failed = 0;
	char buf[BPF32_DISASM_LINE_MAX];
	for (int r = 0; r < ROUNDS; r++) {
		struct bpf_insn ins[SLOTS];
		for (int i = 0; i < SLOTS; i++) {
			const struct bpf_mnemonic *m = &bpf_mnemonics[rng() % bpf_mnemonic_count];
			ins[i].code = rng() % 8 ? (uint8_t)(m->code | (rng() % 2 ? BPF_X : 0))
						: (uint8_t)rng();
			ins[i].dst = (uint8_t)(rng() % 8 ? rng() % 11 : rng() % 16);
			ins[i].src = (uint8_t)(rng() % 8 ? rng() % 11 : rng() % 16);
			ins[i].off = (int16_t)(rng() % 2 ? 0 : rng() % 2 ? (uint32_t)m->off : pick(0));
			ins[i].imm = (int32_t)(rng() % 2 ? (uint32_t)m->imm : pick((uint32_t)m->imm));
			if (rng() % 4 == 0)
				ins[i].src = m->src;
			bpf_encode(&ins[i], bytes + i * 8, 0);
		}
		for (uint32_t pc = 0; pc < SLOTS;) {
			int used = bpf32_disasm_insn(ins, SLOTS, pc, buf, sizeof buf);
			if (used < 1) {
				TU_CHECK(0, "disasm_insn failed at %u", pc);
				break;
			}
			total++;
			named += strncmp(buf, ".invalid", 8) != 0;
			pc += (uint32_t)used;
		}
		if (!round_trip("random slots", bytes, sizeof bytes) && ++failed > 3)
			break;
	}
	printf("asm: random slots: %u of %u lines had a mnemonic\n", named, total);
	TU_CHECK(named > total / 4, "too few named lines: %u of %u", named, total);
	/* Garbage text never crashes the assembler. */
	for (int r = 0; r < 10000; r++) {
		static const char alphabet[] = "%r0123456789+-[]:,# \n\tabcdefxlmovjq.";
		char text[48];
		int len = (int)(rng() % (sizeof text - 1));
		for (int i = 0; i < len; i++)
			text[i] = alphabet[rng() % (sizeof alphabet - 1)];
		text[len] = 0;
		uint8_t *out = NULL;
		size_t olen;
		struct bpf32_error err = { 0 };
		if (bpf32_asm(text, &out, &olen, &err) == 0) {
			round_trip(text, out, olen);
			free(out);
		} else {
			TU_CHECK(!strncmp(err.msg, "line ", 5), "message without a line: '%s'", err.msg);
		}
	}
}

/* The decoded form, NULL error pointers, native byte order. */
static void test_api(void)
{
	struct bpf_insn *insns = NULL;
	uint32_t n = 0;
	int rc = bpf32_asm_insns("lddw %r2, 0x100000002\nja -3\n", &insns, &n, NULL);
	TU_CHECK(rc == 0 && n == 3, "asm_insns: rc %d n %u", rc, n);
	if (rc == 0 && n == 3) {
		TU_CHECK(insns[0].code == 0x18 && insns[0].dst == 2 && insns[0].imm == 2 &&
				 insns[1].code == 0 && insns[1].imm == 1,
			 "lddw slots");
		TU_CHECK(insns[2].code == 0x05 && insns[2].off == -3, "ja slot");
		char buf[BPF32_DISASM_LINE_MAX];
		TU_CHECK(bpf32_disasm_insn(insns, n, 1, buf, sizeof buf) == 1 &&
				 !strcmp(buf, ".invalid 0x0000000001000000"),
			 "second lddw slot alone: '%s'", buf);
	}
	if (rc == 0)
		free(insns);
	rc = bpf32_asm_insns("", &insns, &n, NULL);
	TU_CHECK(rc == 0 && n == 0 && insns != NULL, "empty text: rc %d", rc);
	if (rc == 0)
		free(insns);
	uint8_t *bytes = NULL;
	size_t len = 1;
	TU_CHECK(bpf32_asm("bogus", &bytes, &len, NULL) == BPF32_EINVAL && bytes == NULL,
		 "error without an error struct");
	TU_CHECK(bpf32_asm(NULL, &bytes, &len, NULL) == BPF32_EINVAL, "NULL text");

	struct bpf_insn ex = { 0x95, 0, 0, 0, 0 };
	uint8_t slot[8];
	bpf_encode(&ex, slot, bpf_host_big_endian());
	char *text = NULL;
	TU_CHECK(bpf32_disasm(slot, 8, BPF32_ORDER_NATIVE, &text, NULL) == 0 && text &&
			 !strcmp(text, "exit\n"),
		 "native order");
	free(text);
}

int main(int argc, char **argv)
{
	test_api();
	test_errors();
	test_limits();
	test_programs();
	test_disasm_lines();
	test_random();
	if (tu_shared_present(argc > 1 ? argv[1] : NULL)) {
		test_conformance(argv[1]);
		test_negative(argv[1]);
	}
	if (tu_failures)
		fprintf(stderr, "asm: %d check(s) failed\n", tu_failures);
	return tu_failures ? 1 : 0;
}
