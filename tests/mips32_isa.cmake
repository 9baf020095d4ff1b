# MIPS32 images hold only instructions of their revision: conformance and
# extra programs cross-JITed for r1, r2, r6 on both byte orders and decoded
# word by word (images do not depend on the host, so the host build does it).
if(NOT CMAKE_CROSSCOMPILING)
  bpf32_test(mips32_isa test_mips32_isa.c ${BPF32_SHARED_DIR}/bpf_conformance)
endif()
