/*
 * Counting allocator: the runner is linked with -Wl,--wrap for malloc,
 * calloc, realloc, free, mmap64 and munmap, so every allocation the bpf32
 * library (and the runner) makes passes through here (bpf32 maps its code
 * with mmap, which -D_FILE_OFFSET_BITS=64 makes mmap64). Heap blocks count
 * their usable size (malloc_usable_size: what the block really takes,
 * less malloc's own header), mappings their length rounded up to pages.
 * Allocations made inside libc itself are not seen. Sanitized builds
 * (whose allocator is ASan's) do not count: the figures are all 0.
 */
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runner.h"

#ifdef BENCH_MEMCOUNT

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off);
int __real_munmap(void *addr, size_t len);

static size_t live, peak;
static uintptr_t last_map_lo, last_map_hi;   /* the latest mapping made */

static void count_in(size_t n)
{
	live += n;
	if (live > peak)
		peak = live;
}

static void count_out(size_t n)
{
	live = n > live ? 0 : live - n;
}

static size_t pages(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (len + page - 1) / page * page;
}

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);
	if (p)
		count_in(malloc_usable_size(p));
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);
	if (p)
		count_in(malloc_usable_size(p));
	return p;
}

void *__wrap_realloc(void *old, size_t n)
{
	size_t before = old ? malloc_usable_size(old) : 0;
	void *p = __real_realloc(old, n);
	if (p || n == 0) {
		count_out(before);
		if (p)
			count_in(malloc_usable_size(p));
	}
	return p;
}

void __wrap_free(void *p)
{
	if (p)
		count_out(malloc_usable_size(p));
	__real_free(p);
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	void *p = __real_mmap64(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED) {
		count_in(pages(len));
		last_map_lo = (uintptr_t)p;
		last_map_hi = (uintptr_t)p + len;
	}
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int rc = __real_munmap(addr, len);
	if (rc == 0)
		count_out(pages(len));
	return rc;
}

#else
static size_t live, peak;
static uintptr_t last_map_lo, last_map_hi;
#endif

void bench_mem_reset(void)
{
	live = peak = 0;
}

struct bench_mem bench_mem_read(void)
{
	return (struct bench_mem){ live, peak };
}

void bench_mem_last_mapping(uintptr_t *lo, uintptr_t *hi)
{
	*lo = last_map_lo;
	*hi = last_map_hi;
}
