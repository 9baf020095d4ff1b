# JIT tests.
#
# - test_arm32_enc: every ARM32 encoder against the GNU assembler (host build;
#   the assembler runs on the build machine, so cross builds skip it).
# - test_jit_cross: cross-JIT images, listings, blinding, CPU variants (every build).
# - test_jit_ops / test_jit_calls: JIT against the interpreter. On a build with a JIT
#   backend they run the JITed code (cross builds under qemu-user), in the
#   configurations below; on the host build they cross-JIT every program for
#   every backend under the sanitizers.
if(NOT CMAKE_CROSSCOMPILING)
  find_program(BPF32_ARM_AS arm-linux-gnueabihf-as)
  find_program(BPF32_ARM_OBJCOPY arm-linux-gnueabihf-objcopy)
  bpf32_test(test_arm32_enc test_arm32_enc.c ${BPF32_ARM_AS} ${BPF32_ARM_OBJCOPY}
             ${CMAKE_CURRENT_BINARY_DIR}/arm32_enc)
endif()

bpf32_test(test_jit_cross test_jit_cross.c)
bpf32_test(test_jit_ops test_jit_ops.c jit)
bpf32_test(test_jit_calls test_jit_calls.c jit)

# Extra configurations: blinding, every branch long, and each CPU variant.
# A run under another CPU model names the emulator itself.
add_test(NAME test_jit_ops_harden COMMAND test_jit_ops jit-harden)
add_test(NAME test_jit_calls_harden COMMAND test_jit_calls jit-harden)
add_test(NAME test_jit_ops_all_long COMMAND test_jit_ops jit all-long)
add_test(NAME test_jit_calls_all_long COMMAND test_jit_calls jit all-long)
if(BPF32_TARGET STREQUAL "arm32")
  foreach(t ops calls)
    add_test(NAME test_jit_${t}_armv7 COMMAND test_jit_${t} jit-armv7)
    add_test(NAME test_jit_${t}_cortex_a9
             COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} -cpu cortex-a9 $<TARGET_FILE:test_jit_${t}> jit)
  endforeach()
endif()
