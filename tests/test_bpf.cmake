# Linux test_bpf vectors (../shared/test_bpf, see its README). The host
# decompresses the data and pipes it into the runner, which runs under the
# cross emulator on target builds. Which file a build uses follows the
# README's table: the kernel for that CPU sees ARM32 like x86-64, MIPS32 with
# CONFIG_32BIT (one extra test), MIPS32 BE in big-endian instruction order.
set(BPF32_TEST_BPF_FILE_host tests.jsonl.gz)
set(BPF32_TEST_BPF_FILE_arm32 tests.jsonl.gz)
set(BPF32_TEST_BPF_FILE_mips32el tests-le32.jsonl.gz)
set(BPF32_TEST_BPF_FILE_mips32r6el tests-le32.jsonl.gz)
set(BPF32_TEST_BPF_FILE_mips32be tests-be32.jsonl.gz)
set(BPF32_TEST_BPF_RECORDS_tests.jsonl.gz 1073)
set(BPF32_TEST_BPF_RECORDS_tests-le32.jsonl.gz 1074)
set(BPF32_TEST_BPF_RECORDS_tests-be32.jsonl.gz 1074)

set(BPF32_TEST_BPF_DATA "${BPF32_TEST_BPF_FILE_${BPF32_TARGET}}")
if(NOT BPF32_TEST_BPF_DATA)
  message(FATAL_ERROR "test_bpf.cmake: no test_bpf data file for target ${BPF32_TARGET}")
endif()
if(BPF32_TARGET STREQUAL "mips32be")
  set(BPF32_TEST_BPF_ORDER big)
else()
  set(BPF32_TEST_BPF_ORDER little)
endif()

add_executable(test_bpf_runner test_bpf_runner.c json.c)
target_link_libraries(test_bpf_runner PRIVATE bpf32-testutil)

# Configurations (names as in tests/testutil.h); the file is parsed once for
# all of them. The interpreter and the build's default JIT run every record;
# the other JIT variants run the hand-written records (":handwritten": those
# without a generator), which cover every operation, in a fraction of the
# time, plus the generated records of the operations they change: without
# IDIV, DIV and MOD become runtime calls ("+divmod"); blinding rewrites every
# instruction with an immediate ("+imm").
set(BPF32_TEST_BPF_GROUPS_jit-armv7 +divmod)
set(BPF32_TEST_BPF_GROUPS_jit-harden +imm)
set(BPF32_TEST_BPF_CONFIGS --config interp)
foreach(c ${BPF32_JIT_CONFIGS})
  if(c STREQUAL "jit")
    list(APPEND BPF32_TEST_BPF_CONFIGS --config jit)
  else()
    list(APPEND BPF32_TEST_BPF_CONFIGS --config ${c}:handwritten${BPF32_TEST_BPF_GROUPS_${c}})
  endif()
endforeach()

set(BPF32_TEST_BPF_COMMAND
  sh ${CMAKE_CURRENT_SOURCE_DIR}/run_piped.sh
  ${BPF32_SHARED_DIR}/test_bpf ${BPF32_TEST_BPF_DATA}
  ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:test_bpf_runner>
  --order ${BPF32_TEST_BPF_ORDER}
  --expect-records ${BPF32_TEST_BPF_RECORDS_${BPF32_TEST_BPF_DATA}})
add_test(NAME test_bpf COMMAND ${BPF32_TEST_BPF_COMMAND} ${BPF32_TEST_BPF_CONFIGS})
set_tests_properties(test_bpf PROPERTIES TIMEOUT 1200)

# `make test-full` (label "full", left out of the default run by
# scripts/test.sh): every record in every JIT configuration but the default
# one, which test_bpf runs in full already, with the code-size figures.
set(BPF32_TEST_BPF_FULL_CONFIGS)
foreach(c ${BPF32_JIT_CONFIGS})
  if(NOT c STREQUAL "jit")
    list(APPEND BPF32_TEST_BPF_FULL_CONFIGS --config ${c})
  endif()
endforeach()
if(BPF32_TEST_BPF_FULL_CONFIGS)
  add_test(NAME test_bpf_full
    COMMAND ${BPF32_TEST_BPF_COMMAND} --stats --config jit ${BPF32_TEST_BPF_FULL_CONFIGS})
  set_tests_properties(test_bpf_full PROPERTIES TIMEOUT 7200 LABELS full)
endif()

# The strict JSON reader on its own.
add_executable(test_json test_json.c json.c)
target_link_libraries(test_json PRIVATE bpf32-testutil)
add_test(NAME json COMMAND test_json)
