/*
 * A small reader of BTF, the type format clang -g writes into .BTF: just
 * enough to read BTF-defined map definitions. The data is untrusted: parsing
 * checks the whole type section once, and every accessor checks ids.
 */
#ifndef BPF32_BTF_H
#define BPF32_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "bpf32.h"

/* Type kinds (the kind field of a type's info word). */
enum {
	BTF_KIND_INT = 1,
	BTF_KIND_PTR = 2,
	BTF_KIND_ARRAY = 3,
	BTF_KIND_STRUCT = 4,
	BTF_KIND_UNION = 5,
	BTF_KIND_ENUM = 6,
	BTF_KIND_FWD = 7,
	BTF_KIND_TYPEDEF = 8,
	BTF_KIND_VOLATILE = 9,
	BTF_KIND_CONST = 10,
	BTF_KIND_RESTRICT = 11,
	BTF_KIND_FUNC = 12,
	BTF_KIND_FUNC_PROTO = 13,
	BTF_KIND_VAR = 14,
	BTF_KIND_DATASEC = 15,
	BTF_KIND_FLOAT = 16,
	BTF_KIND_DECL_TAG = 17,
	BTF_KIND_TYPE_TAG = 18,
	BTF_KIND_ENUM64 = 19,
};

struct btf;

/* Parse .BTF bytes in the object's byte order (big != 0: big endian). */
struct btf *btf_parse(const uint8_t *data, size_t len, int big, struct bpf32_error *err);
void btf_free(struct btf *btf);

/* Kind of type `id`, 0 for void or an invalid id. */
unsigned btf_kind(const struct btf *btf, uint32_t id);
/* Its name ("" when unnamed or invalid). */
const char *btf_name(const struct btf *btf, uint32_t id);
/* Entries of a struct, union, enum, func proto or datasec. */
uint32_t btf_vlen(const struct btf *btf, uint32_t id);
/* The type a pointer, typedef, qualifier, var or func refers to. */
uint32_t btf_ref(const struct btf *btf, uint32_t id);

/* The type under any typedefs, qualifiers and type tags; 0 if none or a cycle. */
uint32_t btf_strip(const struct btf *btf, uint32_t id);

/* Size in bytes of a type; -1 when it has none or is malformed. */
int btf_size(const struct btf *btf, uint32_t id, uint32_t *size);

/* An array's element type and element count; -1 when not an array. */
int btf_array(const struct btf *btf, uint32_t id, uint32_t *elem, uint32_t *nelems);

/* Member i of a struct or union: name, type and offset in bits. */
int btf_member(const struct btf *btf, uint32_t id, uint32_t i, const char **name,
	       uint32_t *type, uint32_t *bit_off);

/* Variable i of a datasec: its VAR type id. */
int btf_datasec_var(const struct btf *btf, uint32_t id, uint32_t i, uint32_t *var);

/* The id of the datasec with this name, 0 if none. */
uint32_t btf_find_datasec(const struct btf *btf, const char *name);

#endif /* BPF32_BTF_H */
