# The reference interpreter, rule by rule with exact values.
bpf32_test(interp test_interp.c)
