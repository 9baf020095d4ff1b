# Maps, ELF objects and the clang-built examples (examples/CMakeLists.txt
# builds them into ${CMAKE_BINARY_DIR}/examples as NAME.bpfel.o / NAME.bpfeb.o).
bpf32_test(maps test_maps.c)
bpf32_test(elf test_elf.c ${CMAKE_BINARY_DIR}/examples)
bpf32_test(examples test_examples.c ${CMAKE_BINARY_DIR}/examples)
if(TARGET bpf32-examples)
  add_dependencies(elf bpf32-examples)
  add_dependencies(examples bpf32-examples)
endif()
