/* Errors as values: one filler used by every layer of the library. */
#include <stdio.h>

#include "prog.h"

int bpf32_fail(struct bpf32_error *err, int code, int32_t insn, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->insn = insn;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *bpf32_strerror(int code)
{
	static const char *const names[] = {
		[-BPF32_OK] = "success",
		[-BPF32_EINVAL] = "invalid input",
		[-BPF32_ENOMEM] = "out of memory",
		[-BPF32_E2BIG] = "too big",
		[-BPF32_EFAULT] = "bad memory access",
		[-BPF32_ENOHELPER] = "unknown helper",
		[-BPF32_ELIMIT] = "limit exceeded",
		[-BPF32_ENOTSUP] = "not supported",
		[-BPF32_EEXIST] = "already exists",
		[-BPF32_ENOENT] = "not found",
	};
	if (code > 0 || -code >= (int)(sizeof names / sizeof names[0]))
		return "unknown error";
	return names[-code];
}
