/*
 * The ARM32 encoders (src/jit/arm32_enc.h) against the GNU assembler: every
 * encoder, with register, immediate and offset operands at their edges, is
 * written once as C and once as assembly text; the text is assembled with
 * arm-linux-gnueabihf-as and the words must match.
 *
 * Usage: test_arm32_enc AS OBJCOPY WORKDIR (a missing tool is passed as
 * "...-NOTFOUND"; the test then says so and checks only the fixed words).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm32_enc.h"
#include "testutil.h"

struct enc_case {
	uint32_t word;
	const char *text;
};

#define C(w, t) { (w), (t) }

/* Immediates with and without a rotated form, for a32_imm_ok(). */
static void check_imm_forms(void)
{
	static const uint32_t ok[] = { 0, 1, 0xff, 0x100, 0x3fc, 0xff000000, 0xf000000f,
				       0x278, 0x80000000, 0xc0000003 };
	static const uint32_t bad[] = { 0x101, 0x1fe01, 0xffffffff, 0x12345678, 0x1ff,
					0x80000101 };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		TU_CHECK(a32_imm_ok(ok[i]), "0x%x has an immediate form", ok[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		TU_CHECK(!a32_imm_ok(bad[i]), "0x%x has no immediate form", bad[i]);
	TU_CHECK(a32_imm(0xff000000) == (1u << 25 | 0x4ff), "imm 0xff000000 field %x",
		 a32_imm(0xff000000));
}

static size_t build_cases(struct enc_case *t)
{
	size_t n = 0;
#define ADD(w, s) (t[n++] = (struct enc_case)C(w, s))
	/* Data processing, every opcode, register and immediate operands. */
	ADD(a32_and(A32_R0, A32_R1, a32_reg(A32_R2)), "and r0, r1, r2");
	ADD(a32_eor(A32_R3, A32_R4, a32_imm(0xff)), "eor r3, r4, #0xff");
	ADD(a32_sub(A32_R5, A32_R6, a32_imm(0x3fc)), "sub r5, r6, #0x3fc");
	ADD(a32_rsb(A32_R7, A32_R8, a32_imm(0)), "rsb r7, r8, #0");
	ADD(a32_add(A32_R9, A32_R10, a32_imm(0xff000000)), "add r9, r10, #0xff000000");
	ADD(a32_adc(A32_R11, A32_IP, a32_reg(A32_LR)), "adc r11, r12, lr");
	ADD(a32_sbc(A32_R0, A32_R0, a32_imm(0xf000000f)), "sbc r0, r0, #0xf000000f");
	ADD(a32_rsc(A32_R1, A32_R2, a32_imm(0)), "rsc r1, r2, #0");
	ADD(a32_orr(A32_R2, A32_R3, a32_lsr(A32_R4, 7)), "orr r2, r3, r4, lsr #7");
	ADD(a32_orr(A32_R2, A32_R3, a32_lsl(A32_R4, 31)), "orr r2, r3, r4, lsl #31");
	ADD(a32_orr(A32_R2, A32_R3, a32_lsr(A32_R4, 32)), "orr r2, r3, r4, lsr #32");
	ADD(a32_bic(A32_R4, A32_R5, a32_imm(0x80000000)), "bic r4, r5, #0x80000000");
	ADD(a32_mov(A32_R6, a32_reg(A32_R7)), "mov r6, r7");
	ADD(a32_mov(A32_SP, a32_reg(A32_R3)), "mov sp, r3");
	ADD(a32_mov(A32_R3, a32_reg(A32_SP)), "mov r3, sp");
	ADD(a32_mov(A32_R8, a32_imm(0)), "mov r8, #0");
	ADD(a32_mvn(A32_R9, a32_imm(5)), "mvn r9, #5");
	ADD(a32_tst(A32_R10, a32_reg(A32_R11)), "tst r10, r11");
	ADD(a32_cmp(A32_IP, a32_imm(1)), "cmp r12, #1");
	ADD(a32_cmp(A32_SP, a32_reg(A32_R1)), "cmp sp, r1");
	ADD(a32_cmn(A32_LR, a32_imm(0x100)), "cmn lr, #0x100");
	ADD(a32_add(A32_PC, A32_PC, a32_reg(A32_R0)), "add pc, pc, r0");
	ADD(a32_add(A32_R0, A32_SP, a32_imm(0x278)), "add r0, sp, #0x278");
	/* Shifts by immediate and by register (as their mov forms). */
	ADD(a32_mov(A32_R0, a32_lsl(A32_R1, 3)), "lsl r0, r1, #3");
	ADD(a32_mov(A32_R0, a32_lsr(A32_R1, 1)), "lsr r0, r1, #1");
	ADD(a32_mov(A32_R0, a32_asr(A32_R1, 31)), "asr r0, r1, #31");
	ADD(a32_mov(A32_R0, a32_asr(A32_R1, 32)), "asr r0, r1, #32");
	ADD(a32_mov(A32_R4, a32_lsl_reg(A32_R5, A32_R2)), "lsl r4, r5, r2");
	ADD(a32_mov(A32_R4, a32_lsr_reg(A32_R5, A32_R3)), "lsr r4, r5, r3");
	ADD(a32_mov(A32_R4, a32_asr_reg(A32_LR, A32_IP)), "asr r4, lr, r12");
	ADD(a32_orr(A32_R1, A32_R1, a32_lsl_reg(A32_R2, A32_R3)), "orr r1, r1, r2, lsl r3");
	ADD(a32_orr(A32_R1, A32_R1, a32_lsr_reg(A32_R2, A32_R3)), "orr r1, r1, r2, lsr r3");
	/* Flag setting and conditions. */
	ADD(a32_s(a32_add(A32_R0, A32_R0, a32_reg(A32_R2))), "adds r0, r0, r2");
	ADD(a32_s(a32_rsb(A32_R0, A32_R0, a32_imm(0))), "rsbs r0, r0, #0");
	ADD(a32_s(a32_rsc(A32_R3, A32_R1, a32_reg(A32_R3))), "rscs r3, r1, r3");
	ADD(a32_s(a32_sbc(A32_R3, A32_R1, a32_imm(7))), "sbcs r3, r1, #7");
	ADD(a32_s(a32_orr(A32_R2, A32_R0, a32_reg(A32_R1))), "orrs r2, r0, r1");
	ADD(a32_s(a32_sub(A32_R3, A32_R2, a32_imm(32))), "subs r3, r2, #32");
	ADD(a32_s(a32_mov(A32_R0, a32_imm(0))), "movs r0, #0");
	ADD(a32_cond(A32_EQ, a32_cmp(A32_R1, a32_reg(A32_R3))), "cmpeq r1, r3");
	ADD(a32_cond(A32_EQ, a32_tst(A32_R1, a32_imm(0x10000))), "tsteq r1, #0x10000");
	ADD(a32_cond(A32_PL, a32_mov(A32_R0, a32_asr_reg(A32_R1, A32_R3))), "asrpl r0, r1, r3");
	ADD(a32_cond(A32_HI, a32_bx(A32_R0)), "bxhi r0");
	ADD(a32_cond(A32_LE, a32_add(A32_R0, A32_R0, a32_imm(1))), "addle r0, r0, #1");
	ADD(a32_cond(a32_invert(A32_LT), a32_mov(A32_R0, a32_imm(1))), "movge r0, #1");
	/* Wide constants. */
	ADD(a32_movw(A32_R0, 0), "movw r0, #0");
	ADD(a32_movw(A32_IP, 0xffff), "movw r12, #0xffff");
	ADD(a32_movw(A32_R3, 0x1148), "movw r3, #0x1148");
	ADD(a32_movt(A32_R0, 0x8000), "movt r0, #0x8000");
	ADD(a32_movt(A32_LR, 0x1234), "movt lr, #0x1234");
	/* Multiply and divide. */
	ADD(a32_mul(A32_R3, A32_R4, A32_R5), "mul r3, r4, r5");
	ADD(a32_mul(A32_R3, A32_R3, A32_R5), "mul r3, r3, r5");
	ADD(a32_mla(A32_R3, A32_R6, A32_R7, A32_R3), "mla r3, r6, r7, r3");
	ADD(a32_mls(A32_R4, A32_R2, A32_R1, A32_R4), "mls r4, r2, r1, r4");
	ADD(a32_umull(A32_R4, A32_R5, A32_R6, A32_R7), "umull r4, r5, r6, r7");
	ADD(a32_umull(A32_R0, A32_R1, A32_R0, A32_R2), "umull r0, r1, r0, r2");
	ADD(a32_udiv(A32_R0, A32_R1, A32_R2), "udiv r0, r1, r2");
	ADD(a32_sdiv(A32_R11, A32_IP, A32_LR), "sdiv r11, r12, lr");
	/* Byte reversal and extension. */
	ADD(a32_rev(A32_R0, A32_R1), "rev r0, r1");
	ADD(a32_rev16(A32_R2, A32_R3), "rev16 r2, r3");
	ADD(a32_sxtb(A32_R4, A32_R5), "sxtb r4, r5");
	ADD(a32_sxth(A32_R6, A32_R7), "sxth r6, r7");
	ADD(a32_uxth(A32_R8, A32_R9), "uxth r8, r9");
	/* Words and bytes: 12-bit offsets both ways, register offsets. */
	ADD(a32_ldr(A32_R0, A32_SP, 0), "ldr r0, [sp]");
	ADD(a32_ldr(A32_R0, A32_R1, 4095), "ldr r0, [r1, #4095]");
	ADD(a32_ldr(A32_R0, A32_R1, -4095), "ldr r0, [r1, #-4095]");
	ADD(a32_ldr(A32_PC, A32_SP, 116), "ldr pc, [sp, #116]");
	ADD(a32_ldr(A32_SP, A32_R2, 0), "ldr sp, [r2]");
	ADD(a32_str(A32_LR, A32_SP, 116), "str lr, [sp, #116]");
	ADD(a32_str(A32_R2, A32_R3, -8), "str r2, [r3, #-8]");
	ADD(a32_ldrb(A32_R4, A32_R5, 1), "ldrb r4, [r5, #1]");
	ADD(a32_strb(A32_R6, A32_R7, -1), "strb r6, [r7, #-1]");
	ADD(a32_ldr_reg(A32_R0, A32_R1, A32_R2), "ldr r0, [r1, r2]");
	ADD(a32_str_reg(A32_R0, A32_SP, A32_R3), "str r0, [sp, r3]");
	ADD(a32_ldrb_reg(A32_R4, A32_R5, A32_R3), "ldrb r4, [r5, r3]");
	ADD(a32_strb_reg(A32_R4, A32_R5, A32_R3), "strb r4, [r5, r3]");
	/* Halfwords, signed bytes, doublewords: 8-bit offsets. */
	ADD(a32_ldrh(A32_R0, A32_R1, 255), "ldrh r0, [r1, #255]");
	ADD(a32_ldrh(A32_R0, A32_R1, -255), "ldrh r0, [r1, #-255]");
	ADD(a32_strh(A32_R2, A32_R3, 18), "strh r2, [r3, #18]");
	ADD(a32_ldrsb(A32_R4, A32_R5, -3), "ldrsb r4, [r5, #-3]");
	ADD(a32_ldrsh(A32_R6, A32_R7, 0), "ldrsh r6, [r7]");
	ADD(a32_ldrd(A32_R0, A32_SP, 80), "ldrd r0, r1, [sp, #80]");
	ADD(a32_ldrd(A32_R4, A32_R2, -8), "ldrd r4, r5, [r2, #-8]");
	ADD(a32_strd(A32_R2, A32_SP, 248), "strd r2, r3, [sp, #248]");
	ADD(a32_ldrh_reg(A32_R0, A32_R1, A32_R3), "ldrh r0, [r1, r3]");
	ADD(a32_strh_reg(A32_R0, A32_R1, A32_R3), "strh r0, [r1, r3]");
	ADD(a32_ldrsb_reg(A32_R0, A32_R1, A32_R3), "ldrsb r0, [r1, r3]");
	ADD(a32_ldrsh_reg(A32_R0, A32_R1, A32_R3), "ldrsh r0, [r1, r3]");
	/* Exclusives and barriers. */
	ADD(a32_ldrex(A32_R0, A32_IP), "ldrex r0, [r12]");
	ADD(a32_strex(A32_LR, A32_R2, A32_IP), "strex lr, r2, [r12]");
	ADD(a32_ldrexd(A32_R0, A32_IP), "ldrexd r0, r1, [r12]");
	ADD(a32_strexd(A32_LR, A32_R2, A32_IP), "strexd lr, r2, r3, [r12]");
	ADD(a32_dmb_ish(), "dmb ish");
	/* Stack. */
	ADD(a32_push(0x5ff0), "push {r4-r12, lr}");
	ADD(a32_pop(0x9ff0), "pop {r4-r12, pc}");
	ADD(a32_push(1u << A32_IP | 1u << A32_LR), "push {r12, lr}");
	ADD(a32_pop(1u << A32_IP | 1u << A32_LR), "pop {r12, lr}");
	/* Branches: the field counts words from this address + 8. */
	ADD(a32_b(0), "b .+8");
	ADD(a32_b(-2), "b .");
	ADD(a32_b(-3), "b .-4");
	ADD(a32_b((1 << 23) - 1), "b .+8+0x1fffffc");
	ADD(a32_b(-(1 << 23)), "b .+8-0x2000000");
	ADD(a32_cond(A32_NE, a32_b(5)), "bne .+28");
	ADD(a32_cond(A32_LO, a32_b(-20)), "blo .-72");
	ADD(a32_bl(100), "bl .+408");
	ADD(a32_bl(-1000), "bl .-3992");
	ADD(a32_bx(A32_LR), "bx lr");
	ADD(a32_blx(A32_IP), "blx r12");
#undef ADD
	return n;
}

/* Words the assembler produced, in order; NULL if it could not run. */
static uint32_t *assemble(const char *as, const char *objcopy, const char *dir,
			  const struct enc_case *t, size_t n)
{
	char src[512], obj[512], bin[512], cmd[4096];
	snprintf(src, sizeof src, "%s/enc.s", dir);
	snprintf(obj, sizeof obj, "%s/enc.o", dir);
	snprintf(bin, sizeof bin, "%s/enc.bin", dir);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	if (system(cmd))
		return NULL;
	FILE *f = fopen(src, "w");
	if (!f)
		return NULL;
	fprintf(f, "\t.syntax unified\n\t.arch armv7-a\n\t.arch_extension idiv\n"
		   "\t.arch_extension mp\n\t.arm\n\t.text\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\t%s\n", t[i].text);
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' -o '%s' '%s' && '%s' -O binary -j .text '%s' '%s'", as,
		 obj, src, objcopy, obj, bin);
	if (system(cmd))
		return NULL;
	size_t len;
	uint8_t *bytes = tu_read_file(bin, &len);
	if (!bytes || len != 4 * n) {
		fprintf(stderr, "assembler output has %zu bytes, expected %zu\n", bytes ? len : 0,
			4 * n);
		free(bytes);
		return NULL;
	}
	uint32_t *w = malloc(n * sizeof *w);
	for (size_t i = 0; w && i < n; i++)
		w[i] = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
		       (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
	free(bytes);
	return w;
}

int main(int argc, char **argv)
{
	struct enc_case t[256];
	size_t n = build_cases(t);

	check_imm_forms();
	/* A few words checked by hand against the ARM ARM, independent of any tool. */
	TU_CHECK(a32_mov(A32_R0, a32_imm(1)) == 0xe3a00001u, "mov r0, #1");
	TU_CHECK(a32_push(0x5ff0) == 0xe92d5ff0u, "push");
	TU_CHECK(a32_ldr(A32_PC, A32_SP, 116) == 0xe59df074u, "ldr pc");

	if (argc < 4 || strstr(argv[1], "NOTFOUND") || strstr(argv[2], "NOTFOUND")) {
		fprintf(stderr, "test_arm32_enc: arm-linux-gnueabihf-as/objcopy not found: "
				"SKIPPING the assembler comparison of %zu encodings\n", n);
		return tu_failures ? 1 : 0;
	}
	uint32_t *w = assemble(argv[1], argv[2], argv[3], t, n);
	TU_CHECK(w != NULL, "the assembler ran");
	for (size_t i = 0; w && i < n; i++)
		TU_CHECK(w[i] == t[i].word, "%s: encoder 0x%08x, assembler 0x%08x", t[i].text,
			 t[i].word, w[i]);
	free(w);
	printf("test_arm32_enc: %zu encodings checked against the assembler, %d failures\n", n,
	       tu_failures);
	return tu_failures ? 1 : 0;
}
