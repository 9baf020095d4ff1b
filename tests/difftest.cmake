# Differential random testing (tests/gen.h, tests/difftest.c): generated
# programs on the interpreter and on this build's JIT, under qemu on the
# cross builds; configurations alternate between consecutive seeds. The host
# build has no JIT of its own: it runs the interpreter twice and cross-JITs
# every case for every architecture and CPU variant. Saved regression cases
# (tests/regress) replay in every configuration.
set(BPF32_DIFFTEST_COUNT 20000 CACHE STRING "generated cases per build in the difftest test")
set(BPF32_DIFFTEST_CONFIGS_host interp)
set(BPF32_DIFFTEST_CONFIGS_arm32 jit,jit-armv7,jit-harden,jit-armv7-idiv)
set(BPF32_DIFFTEST_CONFIGS_mips32el jit,jit-mips32r1,jit-harden)
set(BPF32_DIFFTEST_CONFIGS_mips32be jit,jit-mips32r1,jit-harden)
set(BPF32_DIFFTEST_CONFIGS_mips32r6el jit,jit-harden)
set(BPF32_DIFFTEST_CONFIGS "${BPF32_DIFFTEST_CONFIGS_${BPF32_TARGET}}")
set(BPF32_DIFFTEST_EXTRA)
if(NOT CMAKE_CROSSCOMPILING)
  set(BPF32_DIFFTEST_EXTRA --cross)
endif()

bpf32_test(difftest difftest.c --config ${BPF32_DIFFTEST_CONFIGS} --seed 1
           --count ${BPF32_DIFFTEST_COUNT} --out ${CMAKE_CURRENT_BINARY_DIR} ${BPF32_DIFFTEST_EXTRA})
target_sources(difftest PRIVATE gen.c)
set_tests_properties(difftest PROPERTIES TIMEOUT 3000)
add_test(NAME difftest_regress COMMAND difftest --replay ${CMAKE_CURRENT_SOURCE_DIR}/regress
         --config ${BPF32_DIFFTEST_CONFIGS} ${BPF32_DIFFTEST_EXTRA})
