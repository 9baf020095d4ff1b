/*
 * Executable memory for JIT images: mapped read+write, filled, then switched
 * to read+execute with the instruction cache flushed. A mapping is never
 * writable and executable at the same time.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "jit.h"

static size_t page_round(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;
	return (size + p - 1) / p * p;
}

void *jit_code_alloc(size_t size)
{
	void *mem = mmap(NULL, page_round(size ? size : 1), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mem == MAP_FAILED ? NULL : mem;
}

int jit_code_seal(void *mem, size_t size)
{
	if (mprotect(mem, page_round(size ? size : 1), PROT_READ | PROT_EXEC))
		return -1;
	__builtin___clear_cache((char *)mem, (char *)mem + size);
	return 0;
}

void jit_code_free(void *mem, size_t size)
{
	if (mem)
		munmap(mem, page_round(size ? size : 1));
}
