# The CLI end to end (under the emulator on cross builds): results, and clear
# errors that name the instruction or line for bad input.
set(CLI $<TARGET_FILE:bpf32-cli>)
set(EX ${CMAKE_SOURCE_DIR}/examples)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/truncated.bin "twelve bytes")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/bad.s "mov %r0, 1\nldxq %r0, %r1\nexit\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/badop.hex "b400000001000000\nff00000000000000\n9500000000000000\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fault.s "ldxw %r0, [%r1+4096]\nexit\n")

# NAME  EXPECTED-OUTPUT-REGEX  ARGS...
function(bpf32_cli_test name regex)
  add_test(NAME cli_${name} COMMAND bpf32-cli ${ARGN})
  set_tests_properties(cli_${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
endfunction()

bpf32_cli_test(example "^0x60050\n$" run --interp --mem ${EX}/packet.hex ${EX}/parse_packet.s)
bpf32_cli_test(repeat "^0x60050\n$" run --interp --repeat 1000 --mem ${EX}/packet.hex ${EX}/parse_packet.s)
bpf32_cli_test(hex "^0x1122334455667788\n$" run --interp ${BPF32_SHARED_DIR}/bpf_conformance/raw/lddw.hex)
bpf32_cli_test(truncated "load: instruction 1: program length 12 is not a multiple of 8"
               run ${CMAKE_CURRENT_BINARY_DIR}/truncated.bin)
bpf32_cli_test(bad_asm "line 2: .*ldxq" run ${CMAKE_CURRENT_BINARY_DIR}/bad.s)
bpf32_cli_test(bad_opcode "instruction 1: unknown opcode 0xff" run ${CMAKE_CURRENT_BINARY_DIR}/badop.hex)
bpf32_cli_test(fault "run: instruction 0: .*" run --interp --mem ${EX}/packet.hex
               ${CMAKE_CURRENT_BINARY_DIR}/fault.s)
bpf32_cli_test(usage "usage:" help)
bpf32_cli_test(jit_size "^31 eBPF slots -> [0-9]+ bytes" jit --arch mips32be ${EX}/parse_packet.s)
bpf32_cli_test(jit_dump "3: be16 %r3\n" jit --arch arm32 --dump ${EX}/parse_packet.s)
