# MIPS32 JIT variants beyond the ones tests/jit.cmake runs everywhere: the
# r1 JIT on the r1/r2 builds. Its code runs on the default (r2) CPU: qemu's
# r1 CPU models have no FPU and Debian's libc is hard-float r2; that r1
# images hold only r1 instructions is what the mips32_isa test proves.
if(BPF32_TARGET STREQUAL "mips32el" OR BPF32_TARGET STREQUAL "mips32be")
  foreach(t ops calls)
    add_test(NAME test_jit_${t}_mips32r1 COMMAND test_jit_${t} jit-mips32r1)
    add_test(NAME test_jit_${t}_mips32r1_harden COMMAND test_jit_${t} jit-mips32r1-harden)
  endforeach()
endif()
