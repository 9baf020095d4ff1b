/*
 * bpf32 — an embeddable eBPF runtime with JIT compilers for 32-bit CPUs.
 *
 * One public header. The library never prints and never exits: every
 * function that can fail returns a negative bpf32_errcode and, when given a
 * struct bpf32_error, fills it with the code, the instruction index (or -1)
 * and a message.
 *
 * Typical use:
 *
 *     struct bpf32_env *env = bpf32_env_new();
 *     bpf32_helper_register(env, 1, "my_helper", (void *)my_helper, &proto, &err);
 *     struct bpf32_prog *p = bpf32_load(env, bytes, len, BPF32_ORDER_LITTLE, NULL, &err);
 *     uint64_t r0;
 *     bpf32_run(p, ctx, ctx_len, &r0, &err);
 *     bpf32_prog_free(p);
 *     bpf32_env_free(env);
 */
#ifndef BPF32_H
#define BPF32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

enum bpf32_errcode {
	BPF32_OK = 0,
	BPF32_EINVAL = -1,      /* malformed input: bytes, text, arguments */
	BPF32_ENOMEM = -2,      /* allocation failed */
	BPF32_E2BIG = -3,       /* program or table over a size limit */
	BPF32_EFAULT = -4,      /* run time: memory access outside every region */
	BPF32_ENOHELPER = -5,   /* run time: call of an unregistered helper */
	BPF32_ELIMIT = -6,      /* run time: call depth or step budget exceeded */
	BPF32_ENOTSUP = -7,     /* valid, but not supported by this build/target */
	BPF32_EEXIST = -8,      /* already registered; map: key exists */
	BPF32_ENOENT = -9,      /* map: no such key, or no key after this one */
};

#define BPF32_MSG_MAX 160

struct bpf32_error {
	int code;              /* an enum bpf32_errcode, BPF32_OK if none */
	int32_t insn;          /* index of the offending instruction, or -1 */
	char msg[BPF32_MSG_MAX];
};

/* Static string naming an error code ("invalid input", ...). */
const char *bpf32_strerror(int code);

/* ---------------------------------------------------------------- limits */

#define BPF32_MAX_INSNS (1u << 20)   /* instruction slots per program */
#define BPF32_STACK_SIZE 512         /* bytes per frame */
#define BPF32_MAX_FRAMES 8           /* frames: main program + 7 nested calls */
#define BPF32_MAX_TAIL_CALLS 33      /* per run, as in Linux */
#define BPF32_MAX_HELPER_ID 1023     /* helper ids are 0 .. this */

/* ---------------------------------------------------------------- helpers */

/*
 * Helpers are ordinary C functions. Their prototype tells the runtime how to
 * call them on each target's C ABI: how many arguments (0-5, taken from R1..R5),
 * which of them are 64-bit (uint64_t / int64_t; every other argument is a
 * 32-bit integer or a pointer), and the kind of the result (stored in R0).
 *
 *     uint64_t sum(uint32_t a, uint64_t b);      nargs 2, arg64 = 1u << 1, ret BPF32_RET_U64
 */
enum bpf32_ret_kind {
	BPF32_RET_VOID = 0,  /* R0 becomes 0 */
	BPF32_RET_U32,       /* 32-bit integer, zero-extended into R0 */
	BPF32_RET_U64,       /* 64-bit integer */
	BPF32_RET_PTR,       /* pointer, zero-extended into R0 */
};

enum bpf32_helper_flags {
	/* A result of 0 ends the program at once with R0 = 0 (uBPF's "unwind"). */
	BPF32_HELPER_UNWIND_ON_ZERO = 1u << 0,
};

struct bpf32_helper_proto {
	uint8_t nargs;       /* 0..5 */
	uint8_t arg64;       /* bit i set: argument i+1 (R(i+1)) is 64-bit */
	uint8_t ret;         /* enum bpf32_ret_kind */
	uint8_t flags;       /* enum bpf32_helper_flags */
};

/* ---------------------------------------------------------------- environment */

/*
 * An environment holds the helpers and memory regions programs may use. It
 * must outlive every program loaded into it. It is not thread-safe to change
 * while programs run; running programs concurrently is fine.
 */
struct bpf32_env;

struct bpf32_env *bpf32_env_new(void);
void bpf32_env_free(struct bpf32_env *env);

int bpf32_helper_register(struct bpf32_env *env, uint32_t id, const char *name,
			  void *fn, const struct bpf32_helper_proto *proto,
			  struct bpf32_error *err);

/*
 * Make helper id `id` the tail-call helper: bpf_tail_call(ctx, prog_array,
 * index), R2 pointing to a struct bpf32_prog_array (Linux uses id 12).
 */
int bpf32_tail_call_register(struct bpf32_env *env, uint32_t id,
			     struct bpf32_error *err);

/*
 * Memory the interpreter lets programs read (and write, if `writable`)
 * besides the stack, the ctx buffer and the packet. JITed code does not
 * check addresses; it trusts a validated program, as the kernel does.
 */
int bpf32_region_add(struct bpf32_env *env, void *base, size_t len, int writable,
		     struct bpf32_error *err);

/* ---------------------------------------------------------------- loading */

enum bpf32_byte_order {
	BPF32_ORDER_NATIVE = 0,
	BPF32_ORDER_LITTLE,  /* clang -target bpfel, the shared suites */
	BPF32_ORDER_BIG,     /* clang -target bpfeb */
};

enum bpf32_load_flags {
	/*
	 * Trusted input (such as Linux's test_bpf vectors, which the kernel
	 * never verifies): accept a program that can run off its end (it stops
	 * with an error if it does) and the kernel's zero-extension marker
	 * (a 32-bit `mov rX, rX` with imm 1). Every other check stays.
	 */
	BPF32_LOAD_RELAXED = 1u << 0,
};

struct bpf32_prog_array;

struct bpf32_load_opts {
	uint32_t flags;                       /* enum bpf32_load_flags */
	/*
	 * Resolution of `lddw rX, map` (src 1, BPF_PSEUDO_MAP_FD): imm indexes
	 * this table, the register gets the pointer.
	 */
	void *const *maps;
	uint32_t nmaps;
};

struct bpf32_prog;

/* Raw instruction bytes (8 per slot) in the given byte order. */
struct bpf32_prog *bpf32_load(struct bpf32_env *env, const void *bytes, size_t len,
			      enum bpf32_byte_order order,
			      const struct bpf32_load_opts *opts, struct bpf32_error *err);

/* Assembly text in the syntax of the bpf_conformance suite. */
struct bpf32_prog *bpf32_load_asm(struct bpf32_env *env, const char *text,
				  const struct bpf32_load_opts *opts, struct bpf32_error *err);

void bpf32_prog_free(struct bpf32_prog *prog);

/* Number of instruction slots. */
uint32_t bpf32_prog_len(const struct bpf32_prog *prog);

/* ---------------------------------------------------------------- running */

/* Linux socket-buffer metadata that classic ancillary loads read. */
struct bpf32_pkt_meta {
	uint32_t protocol;    /* host order, e.g. 0x0800 */
	uint32_t pkttype;
	uint32_t ifindex;
	uint32_t mark;
	uint32_t queue;
	uint32_t hatype;
	uint32_t rxhash;
	uint32_t cpu;
	uint32_t vlan_tci;
	uint32_t vlan_present;
	uint32_t vlan_tpid;
};

/*
 * A packet for LD_ABS/LD_IND: `headlen` linear bytes at `data`, then an
 * optional fragment of `len - headlen` bytes at `frag`.
 */
struct bpf32_packet {
	const uint8_t *data;
	uint32_t len;          /* total length */
	uint32_t headlen;      /* linear part */
	const uint8_t *frag;   /* len - headlen bytes, or NULL when len == headlen */
	uint32_t mac_off;      /* link-layer header offset */
	uint32_t net_off;      /* network header offset */
	struct bpf32_pkt_meta meta;
};

struct bpf32_run_args {
	void *ctx;                        /* R1 (and a readable/writable region) */
	size_t ctx_len;                   /* R2 */
	const struct bpf32_packet *pkt;   /* LD_ABS/LD_IND; NULL: the ctx buffer */
	uint64_t max_steps;               /* interpreter budget, 0 = none */
};

/*
 * Run a program: JITed code if bpf32_jit() succeeded, else the interpreter.
 * R1 = ctx, R2 = ctx_len; *r0 gets R0 at exit.
 */
int bpf32_run(struct bpf32_prog *prog, void *ctx, size_t ctx_len, uint64_t *r0,
	      struct bpf32_error *err);
int bpf32_run_ex(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		 uint64_t *r0, struct bpf32_error *err);

/* Always the reference interpreter. */
int bpf32_interp(struct bpf32_prog *prog, const struct bpf32_run_args *args,
		 uint64_t *r0, struct bpf32_error *err);

/* ---------------------------------------------------------------- tail calls */

struct bpf32_prog_array *bpf32_prog_array_new(uint32_t max_entries);
void bpf32_prog_array_free(struct bpf32_prog_array *arr);
int bpf32_prog_array_set(struct bpf32_prog_array *arr, uint32_t index,
			 struct bpf32_prog *prog, struct bpf32_error *err);

/* ---------------------------------------------------------------- JIT */

/* Target architectures of the JIT backends (for cross-JIT and dumps). */
enum bpf32_arch {
	BPF32_ARCH_HOST = 0,    /* the CPU this build runs on */
	BPF32_ARCH_ARM32,       /* ARMv7-A, ARM mode, little endian */
	BPF32_ARCH_MIPS32EL,
	BPF32_ARCH_MIPS32BE,
};

/* CPU variants; DEFAULT: what the running CPU supports, or the arch's baseline. */
enum bpf32_cpu {
	BPF32_CPU_DEFAULT = 0,
	BPF32_CPU_ARMV7,        /* no integer divide */
	BPF32_CPU_ARMV7_IDIV,   /* sdiv/udiv */
	BPF32_CPU_MIPS32R1,
	BPF32_CPU_MIPS32R2,
	BPF32_CPU_MIPS32R6,
};

enum bpf32_jit_flags {
	BPF32_JIT_HARDEN = 1u << 0,   /* constant blinding */
};

struct bpf32_jit_opts {
	uint32_t cpu;     /* enum bpf32_cpu */
	uint32_t flags;   /* enum bpf32_jit_flags */
};

/*
 * Compile the program to native code for the CPU this build runs on; later
 * bpf32_run() calls use it. BPF32_ENOTSUP on builds without a JIT backend.
 */
int bpf32_jit(struct bpf32_prog *prog, const struct bpf32_jit_opts *opts,
	      struct bpf32_error *err);

/* 1 when bpf32_jit() succeeded for this program. */
int bpf32_is_jited(const struct bpf32_prog *prog);

/*
 * Notes on JITed runs (bpf32_run on a JITed program):
 *  - addresses are trusted, as in the kernel: no access is checked;
 *  - stack bytes a program reads before writing them are unspecified (the
 *    interpreter zeroes its stack);
 *  - a tail call to a program that was not JITed JITs it first, with the
 *    caller's options (and fails the run with its error if that fails);
 *  - helpers are bound when the program is JITed;
 *  - max_steps is ignored; local calls deeper than BPF32_MAX_FRAMES frames
 *    end the run with BPF32_ELIMIT, as in the interpreter.
 */

/*
 * Cross-JIT: compile for `arch` on any host, without running anything. The
 * image holds the addresses of this host's helpers and runtime routines
 * (truncated to 32 bits), so only an image made for BPF32_ARCH_HOST on its
 * own host can run; the others are for inspection and measurement.
 */
struct bpf32_jit_info {
	uint8_t *code;          /* the image, in the target's byte order */
	size_t size;            /* bytes */
	uint32_t nslots;        /* bpf32_prog_len() */
	/*
	 * nslots + 1 byte offsets: the code of slot i is
	 * [slot_off[i], slot_off[i + 1]) (empty for the second slot of an
	 * LDDW); before slot_off[0] is the entry code, from slot_off[nslots]
	 * on the shared exits and stubs.
	 */
	uint32_t *slot_off;
	uint32_t entry;         /* byte offset of the C-callable entry */
};

int bpf32_jit_image(const struct bpf32_prog *prog, enum bpf32_arch arch,
		    const struct bpf32_jit_opts *opts, struct bpf32_jit_info *info,
		    struct bpf32_error *err);
void bpf32_jit_info_free(struct bpf32_jit_info *info);

/*
 * A listing of the image: each eBPF instruction followed by its machine
 * code, disassembled when the build has capstone, else as hex words. *out is
 * malloc'd text.
 */
int bpf32_jit_dump(const struct bpf32_prog *prog, enum bpf32_arch arch,
		   const struct bpf32_jit_opts *opts, char **out, struct bpf32_error *err);

/* ---------------------------------------------------------------- classic BPF */

/*
 * Classic BPF (tcpdump/libpcap socket filters and seccomp filters) is
 * validated as strictly as Linux and libpcap do, then converted to an
 * ordinary eBPF program, which the interpreter runs and bpf32_jit() compiles
 * like any other. Errors name the classic instruction.
 *
 * Semantics are Linux's, with libpcap's where they differ: A and X start at
 * 0; a packet load outside the packet, and a division or modulo by X = 0,
 * end the filter with 0; a shift by X of 32 or more gives 0 (libpcap; Linux
 * masks the count). Refused: more than BPF32_CBPF_MAX_INSNS instructions,
 * opcodes Linux does not accept (RET X, libpcap-only forms), division or
 * modulo by a constant 0, constant shifts of 32 or more, scratch indexes of
 * 16 or more, jumps outside the program or backwards (libpcap's protochain
 * loops), unknown ancillary loads, a last instruction that is not a return,
 * and a scratch word read on some path before it is written.
 *
 * Ancillary loads (`ld [SKF_AD_OFF + code]`, any size): every code Linux
 * defines below SKF_AD_MAX. PROTOCOL, PKTTYPE, IFINDEX, MARK, QUEUE, HATYPE,
 * RXHASH, CPU, VLAN_TAG, VLAN_TAG_PRESENT and VLAN_TPID read the packet's
 * struct bpf32_pkt_meta as given; ALU_XOR_X is A ^= X; NLATTR, NLATTR_NEST,
 * PAY_OFFSET (Linux's flow dissector for VLAN, IPv4, IPv6 with extension
 * headers and IP-in-IP) and RANDOM call the helpers below.
 */

/* One classic instruction: Linux's struct sock_filter, what `tcpdump -dd` prints. */
struct bpf32_sock_filter {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

#define BPF32_CBPF_MAX_INSNS 4096   /* as Linux's BPF_MAXINSNS */

enum bpf32_cbpf_mode {
	/*
	 * A socket filter over a struct bpf32_packet: packet loads in network
	 * order, SKF_NET_OFF/SKF_LL_OFF offsets and Linux's ancillary loads.
	 */
	BPF32_CBPF_SOCKET = 0,
	/*
	 * A seccomp filter over a struct bpf32_seccomp_data, with the kernel's
	 * extra rules: only aligned 32-bit absolute loads inside the struct (in
	 * host order), LEN is its size, no packet or ancillary loads.
	 */
	BPF32_CBPF_SECCOMP,
};

/* Linux's struct seccomp_data: what a seccomp filter reads. */
struct bpf32_seccomp_data {
	int32_t nr;                       /* system call number */
	uint32_t arch;                    /* AUDIT_ARCH_* */
	uint64_t instruction_pointer;
	uint64_t args[6];
};

/*
 * Helper ids that classic ancillary loads are converted into calls of.
 * bpf32_load_cbpf() registers the ones a program needs in its environment
 * (so loading a classic program changes the environment); the load fails if
 * another helper already has the id.
 */
#define BPF32_CBPF_HELPER_NLATTR 1020       /* SKF_AD_NLATTR */
#define BPF32_CBPF_HELPER_NLATTR_NEST 1021  /* SKF_AD_NLATTR_NEST */
#define BPF32_CBPF_HELPER_PAY_OFFSET 1022   /* SKF_AD_PAY_OFFSET */
#define BPF32_CBPF_HELPER_RANDOM 1023       /* SKF_AD_RANDOM */

/* Validate and convert `n` classic instructions. */
struct bpf32_prog *bpf32_load_cbpf(struct bpf32_env *env, const struct bpf32_sock_filter *insns,
				   uint32_t n, enum bpf32_cbpf_mode mode,
				   struct bpf32_error *err);

/*
 * Run a socket filter over a packet (NULL: an empty packet); *ret gets the
 * filter's 32-bit result (for tcpdump: 0 = no match).
 */
int bpf32_run_cbpf(struct bpf32_prog *prog, const struct bpf32_packet *pkt, uint32_t *ret,
		   struct bpf32_error *err);

/* Run a seccomp filter; *ret gets its action (SECCOMP_RET_*). */
int bpf32_run_seccomp(struct bpf32_prog *prog, const struct bpf32_seccomp_data *data,
		      uint32_t *ret, struct bpf32_error *err);

/*
 * A capture cut by a snapshot length (pcap's caplen < len) is a packet with
 * `len` the length on the wire, `headlen` the captured bytes and no
 * fragment: LEN gives the wire length and loads past the captured bytes end
 * the filter with 0, as in libpcap's bpf_filter().
 */

/*
 * Parse classic bytecode as `tcpdump -ddd` prints it: the instruction count,
 * then `code jt jf k` per instruction, decimal or 0x-hex, separated by
 * blanks, line ends or commas (so "2,6 0 0 1,6 0 0 0" works too). On success
 * *insns is a malloc'd array of *n instructions.
 */
int bpf32_cbpf_parse(const char *text, struct bpf32_sock_filter **insns, uint32_t *n,
		     struct bpf32_error *err);

/* ---------------------------------------------------------------- maps and ELF objects */

/*
 * Maps, with Linux's semantics: programs reach them through the standard
 * helpers (map_lookup_elem returns a pointer into the map, valid until the
 * element is deleted or the map freed), embedding code through the functions
 * below. All memory is allocated when the map is created, bounded by
 * max_entries. Maps are not locked: updating a map from C while programs
 * using it run on another thread is the embedder's business, as is
 * concurrent use of an LRU or LPM map (whose lookups move internal links).
 */

/* Map types, numbered as Linux's enum bpf_map_type. */
enum bpf32_map_type {
	BPF32_MAP_HASH = 1,
	BPF32_MAP_ARRAY = 2,
	BPF32_MAP_PROG_ARRAY = 3,        /* tail-call targets; see bpf32_map_set_prog() */
	BPF32_MAP_PERCPU_HASH = 5,       /* bpf32 runs on one CPU: a HASH */
	BPF32_MAP_PERCPU_ARRAY = 6,      /* an ARRAY */
	BPF32_MAP_LRU_HASH = 9,          /* when full, an insert evicts the least recently used */
	BPF32_MAP_LRU_PERCPU_HASH = 10,  /* an LRU_HASH */
	BPF32_MAP_LPM_TRIE = 11,         /* longest-prefix match, keys { u32 prefixlen; u8 data[] } */
};

/* Map flags (Linux's BPF_F_*). */
enum bpf32_map_flags {
	BPF32_F_NO_PREALLOC = 1u << 0,   /* accepted; bpf32 always preallocates */
	BPF32_F_NO_COMMON_LRU = 1u << 1, /* accepted; one CPU */
	BPF32_F_RDONLY_PROG = 1u << 7,   /* programs may read values, not write them */
};

/* Update flags, as Linux's BPF_ANY, BPF_NOEXIST, BPF_EXIST. */
enum bpf32_update_flags {
	BPF32_ANY = 0,       /* create or replace */
	BPF32_NOEXIST = 1,   /* create only */
	BPF32_EXIST = 2,     /* replace only */
};

struct bpf32_map_def {
	uint32_t type;         /* enum bpf32_map_type */
	uint32_t key_size;     /* bytes; 4 for arrays; 4 + 1..256 for LPM tries */
	uint32_t value_size;   /* bytes; 4 for prog arrays */
	uint32_t max_entries;
	uint32_t flags;        /* enum bpf32_map_flags */
};

/* Memory one map may take (values, keys and bookkeeping). */
#define BPF32_MAP_MAX_BYTES (64u << 20)

struct bpf32_map;

/*
 * Create a map. Its values are registered as a memory region of `env` (with
 * bpf32_region_add) for the interpreter; env may be NULL for maps that only
 * embedding code and JITed programs use. bpf32_map_free() removes the region.
 */
struct bpf32_map *bpf32_map_new(struct bpf32_env *env, const char *name,
				const struct bpf32_map_def *def, struct bpf32_error *err);
void bpf32_map_free(struct bpf32_map *map);

const char *bpf32_map_name(const struct bpf32_map *map);
const struct bpf32_map_def *bpf32_map_info(const struct bpf32_map *map);
/* "hash", "array", ... for a map type; NULL when bpf32 has no such type. */
const char *bpf32_map_type_name(uint32_t type);

/*
 * Pointer to the value of `key`, or NULL. Unlike a program's lookup, this
 * one does not count as a use of an LRU element (as a lookup through Linux's
 * bpf() system call does not).
 */
void *bpf32_map_lookup(struct bpf32_map *map, const void *key);
/* BPF32_EEXIST / BPF32_ENOENT per the flags; BPF32_E2BIG when full. */
int bpf32_map_update(struct bpf32_map *map, const void *key, const void *value,
		     uint64_t flags, struct bpf32_error *err);
int bpf32_map_delete(struct bpf32_map *map, const void *key, struct bpf32_error *err);
/*
 * Iteration: the key after `key` into *next_key (key NULL, or not in the
 * map: the first key); BPF32_ENOENT after the last.
 */
int bpf32_map_next_key(struct bpf32_map *map, const void *key, void *next_key,
		       struct bpf32_error *err);

/* Prog array maps: the program at `index` (NULL empties the slot). */
int bpf32_map_set_prog(struct bpf32_map *map, uint32_t index, struct bpf32_prog *prog,
		       struct bpf32_error *err);
struct bpf32_prog *bpf32_map_get_prog(const struct bpf32_map *map, uint32_t index);

/* Remove the region that starts at `base` (added by bpf32_region_add). */
int bpf32_region_remove(struct bpf32_env *env, const void *base, struct bpf32_error *err);

/*
 * The standard helpers, with Linux's ids and prototypes:
 *    1  void *map_lookup_elem(map, const void *key)
 *    2  long  map_update_elem(map, const void *key, const void *value, u64 flags)
 *    3  long  map_delete_elem(map, const void *key)
 *    5  u64   ktime_get_ns(void)
 *    6  long  trace_printk(const char *fmt, u32 fmt_size, u64, u64, u64)
 *    7  u32   get_prandom_u32(void)
 *   12  long  tail_call(ctx, prog_array_map, u32 index)
 * Map helpers return Linux's negated errno values (-ENOENT, -EEXIST, -E2BIG,
 * ...). trace_printk formats %d %i %u %x %X %c %p %% with flags "-0", a
 * width and l/ll/h/hh/z length modifiers (at most three arguments; %s is not
 * supported) and hands the line to the trace hook; it returns the line's
 * length or -EINVAL.
 */
enum bpf32_std_helper_id {
	BPF32_FN_MAP_LOOKUP_ELEM = 1,
	BPF32_FN_MAP_UPDATE_ELEM = 2,
	BPF32_FN_MAP_DELETE_ELEM = 3,
	BPF32_FN_KTIME_GET_NS = 5,
	BPF32_FN_TRACE_PRINTK = 6,
	BPF32_FN_GET_PRANDOM_U32 = 7,
	BPF32_FN_TAIL_CALL = 12,
};

struct bpf32_std_hooks {
	/* Registered as helper 5; NULL: CLOCK_MONOTONIC. */
	uint64_t (*ktime_get_ns)(void);
	/* Registered as helper 7; NULL: a fixed-seed xorshift generator. */
	uint32_t (*get_prandom_u32)(void);
	/*
	 * Receives every trace_printk line (without a newline); NULL discards
	 * them. Unlike the two above, which are per environment, the trace
	 * hook is process-wide: the last registration sets it.
	 */
	void (*trace)(void *user, const char *line, size_t len);
	void *trace_user;
};

/* Register the standard helpers in env; hooks may be NULL (all defaults). */
int bpf32_std_helpers_register(struct bpf32_env *env, const struct bpf32_std_hooks *hooks,
			       struct bpf32_error *err);

/*
 * ELF objects as clang builds them (-target bpfel or bpfeb, -O2 -g): every
 * function of a non-.text executable section is a program (or the whole
 * section, when it has no function symbols), with the .text functions it
 * calls linked in; maps come from BTF-defined `.maps` (with prog arrays
 * initialised statically, as libbpf does) and from the legacy `maps` section
 * (struct { u32 type, key_size, value_size, max_entries, flags; }); each
 * .data*, .rodata* and .bss* section becomes a one-element array map named
 * after the section (.rodata* read-only to programs), initialised from the
 * object. Map references and global-data addresses are resolved into
 * constants, and programs are loaded with bpf32_load(), so they call helpers
 * by id through env: register the standard helpers first. Any malformed or
 * unsupported input is an error; the object is untrusted.
 */
enum bpf32_elf_flags {
	/*
	 * Accept an object whose byte order is not the host's. Its programs
	 * load, but the initial contents of its maps and global data are in the
	 * object's order, so running them gives wrong results: this is for
	 * inspection and cross-JIT only.
	 */
	BPF32_ELF_FOREIGN_ORDER = 1u << 0,
};

struct bpf32_elf_opts {
	uint32_t flags;   /* enum bpf32_elf_flags */
};

/* Memory all maps of one object may take. */
#define BPF32_OBJECT_MAX_MAP_BYTES (64u << 20)

struct bpf32_object;

struct bpf32_object *bpf32_load_elf(struct bpf32_env *env, const void *bytes, size_t len,
				    const struct bpf32_elf_opts *opts, struct bpf32_error *err);
/* Frees the object's programs and maps. */
void bpf32_object_free(struct bpf32_object *obj);

/* BPF32_ORDER_LITTLE or BPF32_ORDER_BIG. */
enum bpf32_byte_order bpf32_object_order(const struct bpf32_object *obj);

uint32_t bpf32_object_prog_count(const struct bpf32_object *obj);
struct bpf32_prog *bpf32_object_prog(const struct bpf32_object *obj, uint32_t index);
const char *bpf32_object_prog_name(const struct bpf32_object *obj, uint32_t index);
const char *bpf32_object_prog_section(const struct bpf32_object *obj, uint32_t index);
/* The program with this function name, else the first of section `name`. */
struct bpf32_prog *bpf32_object_find_prog(const struct bpf32_object *obj, const char *name);

/*
 * A global variable of the object's data sections, by symbol name: a pointer
 * into its data map (valid while the object lives) and its size in *size
 * (if size is not NULL); NULL if there is none. Writing a .rodata variable
 * before running programs sets a `const volatile` configuration value.
 */
void *bpf32_object_global(const struct bpf32_object *obj, const char *name, size_t *size);

uint32_t bpf32_object_map_count(const struct bpf32_object *obj);
struct bpf32_map *bpf32_object_map(const struct bpf32_object *obj, uint32_t index);
struct bpf32_map *bpf32_object_find_map(const struct bpf32_object *obj, const char *name);

/* ---------------------------------------------------------------- text */

/*
 * Assemble text into little-endian instruction bytes. On success *out is a
 * malloc'd buffer of *len bytes (free it with free()).
 */
int bpf32_asm(const char *text, uint8_t **out, size_t *len, struct bpf32_error *err);

/*
 * Disassemble raw bytes (given byte order) into text, one instruction per
 * line. *out is malloc'd.
 */
int bpf32_disasm(const void *bytes, size_t len, enum bpf32_byte_order order,
		 char **out, struct bpf32_error *err);

#ifdef __cplusplus
}
#endif

#endif /* BPF32_H */
