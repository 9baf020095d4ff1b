# Classic BPF: opcodes, ancillary loads, validation, conversion, seccomp.
bpf32_test(cbpf test_cbpf.c --config interp)
