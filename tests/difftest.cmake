# Differential random testing (tests/gen.h, tests/difftest.c): generated
# programs on the interpreter and on this build's JIT, under qemu on the
# cross builds, in every JIT configuration the build's CPU can run (the
# runner's defaults); the host, which has no JIT of its own, runs the
# interpreter twice and cross-JITs every case. Saved regression cases
# (tests/regress) replay in every configuration. difftest-run wraps the
# runner in the build's emulator for scripts/difftest.sh (make difftest).
set(BPF32_DIFFTEST_COUNT 20000 CACHE STRING "generated cases per build in the difftest test")

bpf32_test(difftest difftest.c --seed 1 --count ${BPF32_DIFFTEST_COUNT}
           --out ${CMAKE_CURRENT_BINARY_DIR})
target_sources(difftest PRIVATE gen.c)
set_tests_properties(difftest PROPERTIES TIMEOUT 3000)
add_test(NAME difftest_regress COMMAND difftest --replay ${CMAKE_CURRENT_SOURCE_DIR}/regress)
add_test(NAME difftest_selftest COMMAND difftest --self-test)

list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " BPF32_EMULATOR)
file(GENERATE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/difftest-run
     CONTENT "#!/bin/sh\nexec ${BPF32_EMULATOR} $<TARGET_FILE:difftest> \"$@\"\n"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                      WORLD_READ WORLD_EXECUTE)
