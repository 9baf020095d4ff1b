/*
 * BTF reader (see btf.h).
 *
 * Layout of .BTF: a header, then a type section and a string section at
 * offsets the header gives (relative to its end):
 *
 *   u16 magic 0xeb9f, u8 version 1, u8 flags, u32 hdr_len,
 *   u32 type_off, u32 type_len, u32 str_off, u32 str_len
 *
 * The type section is a sequence of records, type ids counting from 1:
 *
 *   u32 name_off, u32 info (vlen: bits 0-15, kind: 24-28, kind_flag: 31),
 *   u32 size or type, then kind-specific data (sizes in kind_layout[])
 *
 * Parsing walks the records once, checks each fits, and keeps the offset of
 * every id; accessors only read inside checked records. Every number is in
 * the object's byte order.
 */
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "elf.h"
#include "prog.h"

#define BTF_MAGIC 0xeb9f
#define BTF_HDR_LEN 24
#define BTF_TYPE_LEN 12       /* the common part of a record */
#define MAX_CHAIN 32          /* typedef/qualifier chains and nested arrays */

struct btf {
	const uint8_t *types;
	uint32_t types_len;
	const char *strs;
	uint32_t strs_len;
	int big;
	uint32_t ntypes;      /* ids 1 .. ntypes */
	uint32_t *off;        /* off[id]: offset of the record in types */
};

/* Bytes after the common part: fixed, plus per_entry for each of vlen entries. */
static const struct {
	uint8_t known, fixed, per_entry;
} kind_layout[] = {
	[BTF_KIND_INT] = { 1, 4, 0 },        [BTF_KIND_PTR] = { 1, 0, 0 },
	[BTF_KIND_ARRAY] = { 1, 12, 0 },     [BTF_KIND_STRUCT] = { 1, 0, 12 },
	[BTF_KIND_UNION] = { 1, 0, 12 },     [BTF_KIND_ENUM] = { 1, 0, 8 },
	[BTF_KIND_FWD] = { 1, 0, 0 },        [BTF_KIND_TYPEDEF] = { 1, 0, 0 },
	[BTF_KIND_VOLATILE] = { 1, 0, 0 },   [BTF_KIND_CONST] = { 1, 0, 0 },
	[BTF_KIND_RESTRICT] = { 1, 0, 0 },   [BTF_KIND_FUNC] = { 1, 0, 0 },
	[BTF_KIND_FUNC_PROTO] = { 1, 0, 8 }, [BTF_KIND_VAR] = { 1, 4, 0 },
	[BTF_KIND_DATASEC] = { 1, 0, 12 },   [BTF_KIND_FLOAT] = { 1, 0, 0 },
	[BTF_KIND_DECL_TAG] = { 1, 4, 0 },   [BTF_KIND_TYPE_TAG] = { 1, 0, 0 },
	[BTF_KIND_ENUM64] = { 1, 0, 12 },
};

#define NKINDS (sizeof kind_layout / sizeof kind_layout[0])

/* Word k of the record of type id (0: name_off, 1: info, 2: size/type, ...). */
static uint32_t word(const struct btf *btf, uint32_t id, uint32_t k)
{
	return rd32(btf->types + btf->off[id] + 4 * k, btf->big);
}

static int valid_id(const struct btf *btf, uint32_t id)
{
	return id >= 1 && id <= btf->ntypes;
}

static int fail(struct bpf32_error *err, const char *what)
{
	return bpf32_fail(err, BPF32_EINVAL, -1, "BTF: %s", what);
}

static int parse_types(struct btf *btf, struct bpf32_error *err)
{
	/* Every record takes at least BTF_TYPE_LEN bytes: that bounds the ids. */
	btf->off = malloc(((size_t)btf->types_len / BTF_TYPE_LEN + 1) * sizeof *btf->off);
	if (!btf->off)
		return bpf32_fail(err, BPF32_ENOMEM, -1, "BTF: out of memory");
	uint32_t pos = 0;
	while (pos < btf->types_len) {
		if (!in_bounds(pos, BTF_TYPE_LEN, btf->types_len))
			return fail(err, "truncated type record");
		uint32_t info = rd32(btf->types + pos + 4, btf->big);
		unsigned kind = (info >> 24) & 0x1f;
		if (kind >= NKINDS || !kind_layout[kind].known)
			return bpf32_fail(err, BPF32_EINVAL, -1, "BTF: unknown type kind %u", kind);
		uint64_t len = BTF_TYPE_LEN + kind_layout[kind].fixed +
			       (uint64_t)kind_layout[kind].per_entry * (info & 0xffff);
		if (!in_bounds(pos, len, btf->types_len))
			return fail(err, "type record runs past the type section");
		btf->off[++btf->ntypes] = pos;
		pos += (uint32_t)len;
	}
	return 0;
}

struct btf *btf_parse(const uint8_t *data, size_t len, int big, struct bpf32_error *err)
{
	struct btf *btf = NULL;
	if (len < BTF_HDR_LEN || rd16(data, big) != BTF_MAGIC) {
		fail(err, "bad magic (or not in the object's byte order)");
		return NULL;
	}
	if (data[2] != 1) {
		bpf32_fail(err, BPF32_ENOTSUP, -1, "BTF: unsupported version %u", data[2]);
		return NULL;
	}
	uint32_t hdr_len = rd32(data + 4, big);
	uint32_t type_off = rd32(data + 8, big), type_len = rd32(data + 12, big);
	uint32_t str_off = rd32(data + 16, big), str_len = rd32(data + 20, big);
	if (hdr_len < BTF_HDR_LEN || hdr_len > len) {
		fail(err, "bad header length");
		return NULL;
	}
	size_t body = len - hdr_len;
	if (!in_bounds(type_off, type_len, body) || !in_bounds(str_off, str_len, body)) {
		fail(err, "type or string section outside .BTF");
		return NULL;
	}
	const char *strs = (const char *)data + hdr_len + str_off;
	if (str_len == 0 || strs[0] != 0 || strs[str_len - 1] != 0) {
		fail(err, "string section must start and end with NUL");
		return NULL;
	}
	btf = calloc(1, sizeof *btf);
	if (!btf) {
		bpf32_fail(err, BPF32_ENOMEM, -1, "BTF: out of memory");
		return NULL;
	}
	btf->types = data + hdr_len + type_off;
	btf->types_len = type_len;
	btf->strs = strs;
	btf->strs_len = str_len;
	btf->big = big;
	if (parse_types(btf, err)) {
		btf_free(btf);
		return NULL;
	}
	return btf;
}

void btf_free(struct btf *btf)
{
	if (!btf)
		return;
	free(btf->off);
	free(btf);
}

unsigned btf_kind(const struct btf *btf, uint32_t id)
{
	return valid_id(btf, id) ? (word(btf, id, 1) >> 24) & 0x1f : 0;
}

static const char *str_at(const struct btf *btf, uint32_t off)
{
	/* The section ends with a NUL, so every string in it is terminated. */
	return off < btf->strs_len ? btf->strs + off : "";
}

const char *btf_name(const struct btf *btf, uint32_t id)
{
	return valid_id(btf, id) ? str_at(btf, word(btf, id, 0)) : "";
}

uint32_t btf_vlen(const struct btf *btf, uint32_t id)
{
	return valid_id(btf, id) ? word(btf, id, 1) & 0xffff : 0;
}

static int kind_has_ref(unsigned kind)
{
	switch (kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return 1;
	default:
		return 0;
	}
}

uint32_t btf_ref(const struct btf *btf, uint32_t id)
{
	return kind_has_ref(btf_kind(btf, id)) ? word(btf, id, 2) : 0;
}

static int is_modifier(unsigned kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

uint32_t btf_strip(const struct btf *btf, uint32_t id)
{
	for (int hops = 0; hops < MAX_CHAIN; hops++) {
		if (!is_modifier(btf_kind(btf, id)))
			return valid_id(btf, id) ? id : 0;
		id = word(btf, id, 2);
	}
	return 0;
}

int btf_array(const struct btf *btf, uint32_t id, uint32_t *elem, uint32_t *nelems)
{
	if (btf_kind(btf, id) != BTF_KIND_ARRAY)
		return -1;
	*elem = word(btf, id, 3);
	*nelems = word(btf, id, 5);
	return 0;
}

int btf_size(const struct btf *btf, uint32_t id, uint32_t *size)
{
	uint64_t count = 1;
	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		uint32_t elem, n;
		id = btf_strip(btf, id);
		if (btf_array(btf, id, &elem, &n) == 0) {
			count *= n;
			if (count > UINT32_MAX)
				return -1;
			id = elem;
			continue;
		}
		uint64_t one;
		switch (btf_kind(btf, id)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			one = word(btf, id, 2);
			break;
		case BTF_KIND_PTR:
			one = 8;   /* eBPF pointers */
			break;
		default:
			return -1;
		}
		if (count * one > UINT32_MAX)
			return -1;
		*size = (uint32_t)(count * one);
		return 0;
	}
	return -1;
}

int btf_member(const struct btf *btf, uint32_t id, uint32_t i, const char **name,
	       uint32_t *type, uint32_t *bit_off)
{
	unsigned kind = btf_kind(btf, id);
	if ((kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION) || i >= btf_vlen(btf, id))
		return -1;
	uint32_t k = 3 + 3 * i;
	*name = str_at(btf, word(btf, id, k));
	*type = word(btf, id, k + 1);
	uint32_t off = word(btf, id, k + 2);
	/* kind_flag: the offset shares its word with a bitfield size */
	*bit_off = word(btf, id, 1) >> 31 ? off & 0xffffff : off;
	return 0;
}

int btf_datasec_var(const struct btf *btf, uint32_t id, uint32_t i, uint32_t *var)
{
	if (btf_kind(btf, id) != BTF_KIND_DATASEC || i >= btf_vlen(btf, id))
		return -1;
	*var = word(btf, id, 3 + 3 * i);
	return 0;
}

uint32_t btf_find_datasec(const struct btf *btf, const char *name)
{
	for (uint32_t id = 1; id <= btf->ntypes; id++)
		if (btf_kind(btf, id) == BTF_KIND_DATASEC && !strcmp(btf_name(btf, id), name))
			return id;
	return 0;
}
