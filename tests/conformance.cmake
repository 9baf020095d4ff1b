# bpf_conformance: all 313 programs on the interpreter, and the negative raw files.
bpf32_test(conformance test_conformance.c ${BPF32_SHARED_DIR} --config interp)
bpf32_test(validate test_validate.c)
# Mutated conformance programs through the loader and the interpreter.
bpf32_test(robust test_robust.c ${BPF32_SHARED_DIR} 200)
