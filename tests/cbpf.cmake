# Classic BPF: opcodes, ancillary loads, validation, conversion, seccomp.
# Every classic program runs on the interpreter and in every JIT
# configuration of the build (tests/CMakeLists.txt).
set(BPF32_CBPF_CONFIGS --config interp)
foreach(c ${BPF32_JIT_CONFIGS})
  list(APPEND BPF32_CBPF_CONFIGS --config ${c})
endforeach()
bpf32_test(cbpf test_cbpf.c ${BPF32_CBPF_CONFIGS})

# Differential test against libpcap. The build that has libpcap (the host)
# compares bpf32 with libpcap's bpf_filter() and writes the expected match
# sets, the capture and the CLI test's files into its build tree; the other
# builds replay them from the host build tree (`make test` runs the host's
# tests first; without them these tests say so and pass, except in CI).
set(BPF32_HOST_BUILD_DIR "${CMAKE_SOURCE_DIR}/build/host" CACHE PATH
  "host build tree whose pcap_diff test writes the libpcap data")
if(PCAP_FOUND)
  set(BPF32_PCAP_DATA ${CMAKE_CURRENT_BINARY_DIR}/pcap_data)
  set(BPF32_PCAP_MODE pcap)
  file(MAKE_DIRECTORY ${BPF32_PCAP_DATA})
  bpf32_test(pcap_diff test_pcap_diff.c --write ${BPF32_PCAP_DATA} ${BPF32_CBPF_CONFIGS})
  target_link_libraries(pcap_diff PRIVATE PkgConfig::PCAP)
  target_compile_definitions(pcap_diff PRIVATE BPF32_HAVE_PCAP=1)
  set_tests_properties(pcap_diff PROPERTIES FIXTURES_SETUP pcap_data)
else()
  set(BPF32_PCAP_DATA ${BPF32_HOST_BUILD_DIR}/tests/pcap_data)
  set(BPF32_PCAP_MODE nopcap)
  bpf32_test(pcap_diff test_pcap_diff.c --replay ${BPF32_PCAP_DATA}/pcap_diff.expect
    ${BPF32_CBPF_CONFIGS})
endif()

# The `bpf32 filter` command on the same data.
add_test(NAME filter_cli
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/filter_cli.sh ${BPF32_PCAP_DATA} ${BPF32_PCAP_MODE}
          ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:bpf32-cli>)
set_tests_properties(filter_cli PROPERTIES FIXTURES_REQUIRED pcap_data)
