# Maps, ELF objects and the clang-built examples (examples/CMakeLists.txt
# builds them into ${CMAKE_BINARY_DIR}/examples as NAME.bpfel.o / NAME.bpfeb.o).
set(BPF32_EXAMPLES_DIR ${CMAKE_BINARY_DIR}/examples)
bpf32_test(maps test_maps.c)
bpf32_test(elf test_elf.c ${BPF32_EXAMPLES_DIR})
bpf32_test(examples test_examples.c ${BPF32_EXAMPLES_DIR})
if(TARGET bpf32-examples)
  add_dependencies(elf bpf32-examples)
  add_dependencies(examples bpf32-examples)
endif()

# The CLI on the examples, objects of the target's byte order. Keys and
# values print as raw bytes, so the expected dumps depend on the order.
if(BPF32_TARGET STREQUAL "mips32be")
  set(order bpfeb)
  set(xdp_dump "04060050: 0000000000000001000000000000003c")
  set(crc32c_poly 82f63b78)
else()
  set(order bpfel)
  set(xdp_dump "04065000: 01000000000000003c00000000000000")
  set(crc32c_poly 783bf682)
endif()
set(src ${CMAKE_SOURCE_DIR}/examples)
set(obj ${BPF32_EXAMPLES_DIR})
function(bpf32_cli_test name regex)
  add_test(NAME ${name} COMMAND bpf32-cli ${ARGN})
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
endfunction()
bpf32_cli_test(cli_elf_xdp_count
  "0x70002\nmap classes +hash +key +4 value +16 max_entries +64[^\n]*\n(  [^\n]*\n)*  ${xdp_dump}"
  run --mem ${src}/frames.hex --dump-maps ${obj}/xdp_count.${order}.o)
bpf32_cli_test(cli_elf_trace "bpf_trace_printk: frame 5: malformed \\(24 bytes\\)"
  run --mem ${src}/frames.hex ${obj}/xdp_count.${order}.o)
bpf32_cli_test(cli_elf_sections "^setup: 0x7\ncheck: 0x7\n$"
  run --section setup --section check --mem ${src}/addrs.hex ${obj}/lpm_allow.${order}.o)
bpf32_cli_test(cli_elf_lru "^0xc\n"
  run --mem ${src}/flows.hex ${obj}/lru_flows.${order}.o)
bpf32_cli_test(cli_elf_tail_call "^0x40640\n$"
  run --section dispatch --mem ${src}/frame_ipv4.hex ${obj}/tail_dispatch.${order}.o)
bpf32_cli_test(cli_elf_map_preload "^0xe3069283\n$"
  run --map .rodata=00000000:${crc32c_poly} --mem ${src}/check.hex
  ${obj}/globals_subprog.${order}.o)
bpf32_cli_test(cli_elf_maps
  "allow4 +lpm_trie +key +8 value +4 max_entries +32 flags 0x1\nallow6 +lpm_trie +key +20"
  maps ${obj}/lpm_allow.${order}.o)
bpf32_cli_test(cli_elf_maps_other_order
  "jmp_table +prog_array +key +4 value +4 max_entries +4 flags 0x0\nstats +array +key +4 value +8"
  maps ${obj}/tail_dispatch.bpfeb.o)
bpf32_cli_test(cli_elf_no_section "bpf32: the object has no program or section nope"
  run --section nope ${obj}/lpm_allow.${order}.o)
# `bpf32 jit` on an object: every program, each under its name.
bpf32_cli_test(cli_elf_jit
  "^do_ipv4:\n[0-9]+ eBPF slots -> [0-9]+ bytes[^\n]*\ndo_ipv6:\n[^\n]*\ndo_arp:\n[^\n]*\ndispatch:\n[0-9]+ eBPF slots"
  jit --arch mips32be ${obj}/tail_dispatch.${order}.o)
bpf32_cli_test(cli_elf_jit_dump "xdp_count:\n; arm32: [0-9]+ bytes of code for 141 eBPF slots"
  jit --arch arm32 --dump ${obj}/xdp_count.${order}.o)
