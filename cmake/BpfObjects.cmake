# C compiled to eBPF objects by clang on the build machine, for the examples
# and the benchmarks.
#
#   bpf32_bpf_object(OBJ SOURCE TARGET CPU [INCLUDE dir...] [DEPENDS file...])
#
# builds OBJ from SOURCE with clang -target TARGET (bpfel or bpfeb)
# -mcpu=CPU -O2 -g. BPF32_CLANG is empty when the machine has no clang.
find_program(BPF32_CLANG clang)

# linux/types.h needs asm/types.h, which Debian keeps under the build
# machine's multiarch directory (any architecture's serves eBPF).
execute_process(COMMAND gcc -print-multiarch OUTPUT_VARIABLE BPF32_MULTIARCH
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)

function(bpf32_bpf_object obj src target cpu)
  cmake_parse_arguments(PARSE_ARGV 4 arg "" "" "INCLUDE;DEPENDS")
  set(flags -O2 -g -mcpu=${cpu} -Wall -Werror)
  foreach(dir ${arg_INCLUDE})
    list(APPEND flags -I${dir})
  endforeach()
  if(BPF32_MULTIARCH)
    list(APPEND flags -I/usr/include/${BPF32_MULTIARCH})
  endif()
  get_filename_component(name ${src} NAME)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${BPF32_CLANG} -target ${target} ${flags} -c ${src} -o ${obj}
    DEPENDS ${src} ${arg_DEPENDS}
    COMMENT "clang -target ${target} -mcpu=${cpu}: ${name}"
    VERBATIM)
endfunction()
