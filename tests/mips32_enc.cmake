# MIPS32 encoders against the GNU assembler (r1, r2 both endiannesses, r6).
# The assembler runs on the build machine, so this test belongs to the host
# build; it skips loudly when the cross binutils are missing (a tool not
# found is passed as its ...-NOTFOUND value).
if(NOT CMAKE_CROSSCOMPILING)
  set(BPF32_MIPS_TOOLS)
  foreach(triple mipsel-linux-gnu mips-linux-gnu mipsisa32r6el-linux-gnu)
    foreach(tool as objcopy)
      string(MAKE_C_IDENTIFIER "BPF32_${triple}_${tool}" var)
      find_program(${var} ${triple}-${tool})
      list(APPEND BPF32_MIPS_TOOLS ${${var}})
    endforeach()
  endforeach()
  bpf32_test(test_mips32_enc test_mips32_enc.c ${BPF32_MIPS_TOOLS}
             ${CMAKE_CURRENT_BINARY_DIR}/mips32_enc)
endif()
