# bpf_conformance: all 313 programs on the interpreter and in every JIT
# configuration of the build, and the negative raw files.
set(BPF32_CONFORMANCE_CONFIGS --config interp)
foreach(c ${BPF32_JIT_CONFIGS})
  list(APPEND BPF32_CONFORMANCE_CONFIGS --config ${c})
endforeach()
bpf32_test(conformance test_conformance.c ${BPF32_SHARED_DIR} ${BPF32_CONFORMANCE_CONFIGS})
if(BPF32_TARGET STREQUAL "arm32")
  # A core without the divide instructions: the JIT must detect it by itself.
  add_test(NAME conformance_cortex_a9
           COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} -cpu cortex-a9
                   $<TARGET_FILE:conformance> ${BPF32_SHARED_DIR} --config jit)
endif()
bpf32_test(validate test_validate.c)
# Mutated conformance programs through the loader and the interpreter.
bpf32_test(robust test_robust.c ${BPF32_SHARED_DIR} 200)
