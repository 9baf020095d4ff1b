# Assembler and disassembler: the bpf_conformance asm against raw/*.hex,
# round trips, the negative asm files, error messages, random slots.
bpf32_test(asm test_asm.c ${BPF32_SHARED_DIR})
