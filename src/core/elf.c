/*
 * ELF loader: relocatable eBPF objects as clang builds them (see bpf32.h).
 *
 * The steps, each on checked data only:
 *
 *   1. header and section table; section names; symbols; relocation
 *      sections (sorted by offset, one per target section)
 *   2. maps: BTF-defined `.maps` (read through btf.c), the legacy `maps`
 *      section, and one array map per global data section
 *   3. programs: each global function of an executable section other than
 *      .text (or the whole section when it has none) is linked into one
 *      instruction array with every function it calls, and loaded with
 *      bpf32_load() in the object's byte order
 *   4. prog array maps initialised in `.maps` (libbpf's `values = { ... }`)
 *      get their programs
 *
 * Linking. A program is built from units: its own function first, then each
 * function a call reaches (found by its symbol, or the whole section when
 * no symbol covers the target), appended once:
 *
 *     [ main function ][ .text: f ][ .text: g ] ...
 *
 * A call's target is a (section, instruction) pair: from its R_BPF_64_32
 * relocation (symbol value / 8 + imm + 1, which covers both a function
 * symbol with imm -1 and a section symbol with an offset in imm), or without
 * relocation relative to the call itself. It becomes a pc-relative call in
 * the linked array. R_BPF_64_64 relocations on LDDW become plain constants:
 * a map's address for a map symbol, the address of the variable inside the
 * data map's value for global data. The runtime and the JITs thus never see
 * map references, only constants (this is the "map value" LDDW of libbpf,
 * resolved at link time).
 *
 * Every offset, size, index and count read from the file is checked before
 * use; every failure is an error naming what is wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../maps/maps.h"
#include "btf.h"
#include "elf.h"
#include "prog.h"

/* ---------------------------------------------------------------- ELF constants */

enum {
	EHDR_LEN = 64, SHDR_LEN = 64, SYM_LEN = 24, REL_LEN = 16,
	ET_REL = 1, EM_BPF = 247, ELFCLASS64 = 2, ELFDATA2LSB = 1, ELFDATA2MSB = 2,
	SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_NOBITS = 8,
	SHT_REL = 9,
	SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4,
	STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3,
	STB_GLOBAL = 1, STB_WEAK = 2,
	SHN_LORESERVE = 0xff00,
	R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_32 = 10,
};

#define INSN_LEN 8
#define LEGACY_DEF_LEN 20   /* u32 type, key_size, value_size, max_entries, flags */

/*
 * Limits that keep the work on a hostile object near linear in its size:
 * maps per object, functions linked into one program (Linux's
 * BPF_MAX_SUBPROGS), attributes of a BTF map definition. Instructions
 * linked for all programs together stay within BPF32_MAX_INSNS.
 */
#define MAX_MAPS 1024
#define MAX_FUNCS 256
#define MAX_ATTRS 16

/* ---------------------------------------------------------------- parsed file */

enum sec_kind {
	SEC_OTHER = 0,
	SEC_CODE,          /* executable: programs and subprograms */
	SEC_BTF_MAPS,      /* .maps */
	SEC_LEGACY_MAPS,   /* maps */
	SEC_DATA,          /* .data*, .rodata*, .bss* */
};

struct rel {
	uint64_t off;
	uint32_t sym, type;
};

struct sec {
	const char *name;
	uint32_t type, link, info;
	uint64_t flags, size;
	const uint8_t *data;      /* NULL for SHT_NOBITS */
	enum sec_kind kind;
	struct rel *rels;         /* relocations of this section, by offset */
	uint32_t nrels;
	uint32_t sym_first, nsyms;   /* its symbols: elf.by_sec[sym_first ..] */
	struct func *funcs;       /* code: its function symbols, by start */
	uint32_t nfuncs;
};

/* Where a map or program is defined, for lookups by position. */
struct pos {
	uint32_t shndx, index;    /* index: in obj->maps or obj->progs */
	uint64_t off;
};

/* A function symbol of a code section, in instructions. */
struct func {
	uint32_t start, len;
};

struct sym {
	const char *name;
	uint8_t type, bind;
	uint16_t shndx;
	uint64_t value, size;
};

/* A map of the object and where it is defined. */
struct obj_map {
	struct bpf32_map *map;
	uint32_t shndx;
	uint64_t off, size;       /* of its symbol (definition maps) */
	uint64_t values_off;      /* prog array initialiser, when has_values */
	int has_values;
};

struct obj_prog {
	struct bpf32_prog *prog;
	char *name, *section;
	uint32_t shndx, start;    /* first instruction in its section */
};

/* A variable of a data section. */
struct obj_global {
	char *name;
	uint8_t *addr;
	uint64_t size;
};

struct bpf32_object {
	struct bpf32_env *env;
	int big;
	struct obj_global *globals;
	uint32_t nglobals, cap_globals;
	struct obj_map *maps;
	uint32_t nmaps, cap_maps;
	struct obj_prog *progs;
	uint32_t nprogs, cap_progs;
};

struct elf {
	const uint8_t *buf;
	size_t len;
	int big;
	struct sec *secs;
	uint32_t nsecs;
	struct sym *syms;
	uint32_t nsyms;
	uint32_t *by_sec;         /* symbol indexes grouped by section, in table order */
	struct bpf32_object *obj;
	struct pos *map_order;    /* the maps by (section, offset) */
	uint64_t map_bytes;       /* all maps so far */
	uint64_t linked;          /* instructions linked for all programs so far */
	struct bpf32_error *err;
};

#define FAIL(e, ...) bpf32_fail((e)->err, BPF32_EINVAL, -1, "ELF: " __VA_ARGS__)
#define UNSUPPORTED(e, ...) bpf32_fail((e)->err, BPF32_ENOTSUP, -1, "ELF: " __VA_ARGS__)
#define NOMEM(e) bpf32_fail((e)->err, BPF32_ENOMEM, -1, "ELF: out of memory")

/*
 * An array of *cap elements of `size` bytes, grown if needed to hold
 * `need`: the (possibly moved) array, or NULL with the old one untouched.
 */
static void *grow(void *arr, uint32_t *cap, uint64_t need, size_t size)
{
	if (need <= *cap)
		return arr;
	uint64_t ncap = *cap ? 2 * (uint64_t)*cap : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX || ncap > SIZE_MAX / size)
		return NULL;
	void *p = realloc(arr, (size_t)ncap * size);
	if (p)
		*cap = (uint32_t)ncap;
	return p;
}

/* String at `off` of a string table section; NULL if outside or unterminated. */
static const char *str_at(const struct sec *tab, uint64_t off)
{
	if (tab->type != SHT_STRTAB || !tab->data || off >= tab->size)
		return NULL;
	const char *s = (const char *)tab->data + off;
	return memchr(s, 0, tab->size - off) ? s : NULL;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *sym_label(const struct elf *e, const struct sym *s)
{
	if (s->name[0] || s->shndx == 0 || s->shndx >= e->nsecs)
		return s->name[0] ? s->name : "(unnamed)";
	return e->secs[s->shndx].name;   /* section symbols are unnamed */
}

/* ---------------------------------------------------------------- header and sections */

static int parse_header(struct elf *e, uint64_t *shoff, uint32_t *shstrndx)
{
	const uint8_t *b = e->buf;
	if (e->len < EHDR_LEN || memcmp(b, "\177ELF", 4))
		return FAIL(e, "not an ELF file");
	if (b[4] != ELFCLASS64)
		return FAIL(e, "not a 64-bit ELF file (eBPF objects are ELFCLASS64)");
	if (b[5] != ELFDATA2LSB && b[5] != ELFDATA2MSB)
		return FAIL(e, "unknown byte order %u", b[5]);
	e->big = b[5] == ELFDATA2MSB;
	if (b[6] != 1)
		return FAIL(e, "unknown ELF version %u", b[6]);
	if (rd16(b + 16, e->big) != ET_REL)
		return FAIL(e, "not a relocatable object (type %u)", rd16(b + 16, e->big));
	if (rd16(b + 18, e->big) != EM_BPF)
		return FAIL(e, "not an eBPF object (machine %u)", rd16(b + 18, e->big));
	*shoff = rd64(b + 40, e->big);
	uint16_t shentsize = rd16(b + 58, e->big);
	e->nsecs = rd16(b + 60, e->big);
	*shstrndx = rd16(b + 62, e->big);
	if (e->nsecs == 0)
		return FAIL(e, "no section headers (extended numbering is not supported)");
	if (shentsize != SHDR_LEN)
		return FAIL(e, "section header size %u, expected %u", shentsize, SHDR_LEN);
	if (!in_bounds(*shoff, (uint64_t)e->nsecs * SHDR_LEN, e->len))
		return FAIL(e, "section header table lies outside the file");
	if (*shstrndx >= e->nsecs)
		return FAIL(e, "section name table index %u out of range", *shstrndx);
	return 0;
}

static enum sec_kind classify(const struct sec *s)
{
	if (s->type == SHT_PROGBITS && (s->flags & SHF_EXECINSTR))
		return SEC_CODE;
	if (!strcmp(s->name, ".maps"))
		return SEC_BTF_MAPS;
	if (!strcmp(s->name, "maps"))
		return SEC_LEGACY_MAPS;
	if ((s->type == SHT_PROGBITS || s->type == SHT_NOBITS) && (s->flags & SHF_ALLOC) &&
	    (starts_with(s->name, ".data") || starts_with(s->name, ".rodata") ||
	     starts_with(s->name, ".bss")))
		return SEC_DATA;
	return SEC_OTHER;
}

static int parse_sections(struct elf *e)
{
	uint64_t shoff = 0;
	uint32_t shstrndx = 0;
	int rc = parse_header(e, &shoff, &shstrndx);
	if (rc)
		return rc;
	e->secs = calloc(e->nsecs, sizeof *e->secs);
	uint32_t *name_offs = calloc(e->nsecs, sizeof *name_offs);
	if (!e->secs || !name_offs) {
		free(name_offs);
		return NOMEM(e);
	}
	for (uint32_t i = 0; i < e->nsecs && !rc; i++) {
		const uint8_t *h = e->buf + shoff + (uint64_t)i * SHDR_LEN;
		struct sec *s = &e->secs[i];
		name_offs[i] = rd32(h, e->big);
		s->type = rd32(h + 4, e->big);
		s->flags = rd64(h + 8, e->big);
		uint64_t off = rd64(h + 24, e->big);
		s->size = rd64(h + 32, e->big);
		s->link = rd32(h + 40, e->big);
		s->info = rd32(h + 44, e->big);
		if (s->type == SHT_NOBITS || i == 0)
			continue;
		if (!in_bounds(off, s->size, e->len))
			rc = FAIL(e, "section %u lies outside the file", i);
		else
			s->data = e->buf + off;
	}
	for (uint32_t i = 0; i < e->nsecs && !rc; i++) {
		struct sec *s = &e->secs[i];
		s->name = str_at(&e->secs[shstrndx], name_offs[i]);
		if (!s->name)
			rc = FAIL(e, "section %u has an invalid name", i);
		else if ((s->kind = classify(s)) == SEC_CODE && s->size % INSN_LEN)
			rc = FAIL(e, "code section %s is %llu bytes, not a multiple of 8", s->name,
				  (unsigned long long)s->size);
	}
	free(name_offs);
	return rc;
}

static int parse_symbols(struct elf *e)
{
	const struct sec *symtab = NULL;
	for (uint32_t i = 1; i < e->nsecs; i++)
		if (e->secs[i].type == SHT_SYMTAB) {
			if (symtab)
				return FAIL(e, "more than one symbol table");
			symtab = &e->secs[i];
		}
	if (!symtab)
		return FAIL(e, "no symbol table");
	if (symtab->size % SYM_LEN || symtab->link >= e->nsecs ||
	    e->secs[symtab->link].type != SHT_STRTAB)
		return FAIL(e, "malformed symbol table");
	const struct sec *strtab = &e->secs[symtab->link];
	e->nsyms = (uint32_t)(symtab->size / SYM_LEN);   /* the file size bounds it */
	e->syms = calloc(e->nsyms ? e->nsyms : 1, sizeof *e->syms);
	if (!e->syms)
		return NOMEM(e);
	for (uint32_t i = 0; i < e->nsyms; i++) {
		const uint8_t *p = symtab->data + (uint64_t)i * SYM_LEN;
		struct sym *s = &e->syms[i];
		s->name = str_at(strtab, rd32(p, e->big));
		s->type = p[4] & 0xf;
		s->bind = p[4] >> 4;
		s->shndx = rd16(p + 6, e->big);
		s->value = rd64(p + 8, e->big);
		s->size = rd64(p + 16, e->big);
		if (!s->name)
			return FAIL(e, "symbol %u has an invalid name", i);
		if (s->shndx >= e->nsecs && s->shndx < SHN_LORESERVE)
			return FAIL(e, "symbol %s: section index %u out of range", s->name, s->shndx);
	}
	return 0;
}

/* Symbol j of section sec. */
static const struct sym *sec_sym(const struct elf *e, const struct sec *sec, uint32_t j)
{
	return &e->syms[e->by_sec[sec->sym_first + j]];
}

static int func_cmp(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The function symbols of a code section that fit it, sorted by start. */
static int index_funcs(struct elf *e, struct sec *sec)
{
	sec->funcs = malloc((sec->nsyms ? sec->nsyms : 1) * sizeof *sec->funcs);
	if (!sec->funcs)
		return NOMEM(e);
	for (uint32_t j = 0; j < sec->nsyms; j++) {
		const struct sym *s = sec_sym(e, sec, j);
		if (s->type == STT_FUNC && s->size && s->value % INSN_LEN == 0 &&
		    s->size % INSN_LEN == 0 && in_bounds(s->value, s->size, sec->size))
			sec->funcs[sec->nfuncs++] = (struct func){ (uint32_t)(s->value / INSN_LEN),
								   (uint32_t)(s->size / INSN_LEN) };
	}
	qsort(sec->funcs, sec->nfuncs, sizeof *sec->funcs, func_cmp);
	return 0;
}

/* Group the symbols by section (a counting sort), and index code sections' functions. */
static int index_symbols(struct elf *e)
{
	e->by_sec = malloc((e->nsyms ? e->nsyms : 1) * sizeof *e->by_sec);
	if (!e->by_sec)
		return NOMEM(e);
	for (uint32_t i = 0; i < e->nsyms; i++)
		if (e->syms[i].shndx && e->syms[i].shndx < e->nsecs)
			e->secs[e->syms[i].shndx].nsyms++;
	uint32_t first = 0;
	for (uint32_t k = 0; k < e->nsecs; k++) {
		e->secs[k].sym_first = first;
		first += e->secs[k].nsyms;
		e->secs[k].nsyms = 0;
	}
	for (uint32_t i = 0; i < e->nsyms; i++)
		if (e->syms[i].shndx && e->syms[i].shndx < e->nsecs) {
			struct sec *sec = &e->secs[e->syms[i].shndx];
			e->by_sec[sec->sym_first + sec->nsyms++] = i;
		}
	for (uint32_t k = 1; k < e->nsecs; k++)
		if (e->secs[k].kind == SEC_CODE && index_funcs(e, &e->secs[k]))
			return e->err->code;
	return 0;
}

/* Section of a symbol, or NULL when it has none (undefined, absolute, common). */
static const struct sec *sym_sec(const struct elf *e, const struct sym *s)
{
	return s->shndx && s->shndx < e->nsecs ? &e->secs[s->shndx] : NULL;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct rel *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Relocations of the sections they matter for: code and .maps. */
static int parse_relocations(struct elf *e)
{
	for (uint32_t i = 1; i < e->nsecs; i++) {
		const struct sec *rs = &e->secs[i];
		if (rs->type != SHT_REL && rs->type != SHT_RELA)
			continue;
		if (rs->info >= e->nsecs)
			return FAIL(e, "relocation section %s: target section out of range", rs->name);
		struct sec *t = &e->secs[rs->info];
		if (t->kind != SEC_CODE && t->kind != SEC_BTF_MAPS)
			continue;   /* debug information, BTF, ... */
		if (rs->type == SHT_RELA)
			return UNSUPPORTED(e, "RELA relocations for %s", t->name);
		if (rs->size % REL_LEN || t->rels)
			return FAIL(e, "malformed relocations for %s", t->name);
		t->nrels = (uint32_t)(rs->size / REL_LEN);
		t->rels = malloc((t->nrels ? t->nrels : 1) * sizeof *t->rels);
		if (!t->rels)
			return NOMEM(e);
		for (uint32_t r = 0; r < t->nrels; r++) {
			const uint8_t *p = rs->data + (uint64_t)r * REL_LEN;
			uint64_t info = rd64(p + 8, e->big);
			struct rel *rel = &t->rels[r];
			rel->off = rd64(p, e->big);
			rel->sym = (uint32_t)(info >> 32);
			rel->type = (uint32_t)info;
			if (rel->sym >= e->nsyms)
				return FAIL(e, "relocation of %s: symbol %u out of range", t->name,
					    rel->sym);
			if (rel->off % INSN_LEN || !in_bounds(rel->off, INSN_LEN, t->size))
				return FAIL(e, "relocation of %s at offset %llu is misplaced", t->name,
					    (unsigned long long)rel->off);
		}
		qsort(t->rels, t->nrels, sizeof *t->rels, rel_cmp);
		for (uint32_t r = 1; r < t->nrels; r++)
			if (t->rels[r].off == t->rels[r - 1].off)
				return FAIL(e, "two relocations of %s at offset %llu", t->name,
					    (unsigned long long)t->rels[r].off);
	}
	return 0;
}

/* Index of the first relocation of s at or after byte offset `off`. */
static uint32_t first_rel(const struct sec *s, uint64_t off)
{
	uint32_t lo = 0, hi = s->nrels;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->rels[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---------------------------------------------------------------- maps */

static int pos_cmp(const void *a, const void *b)
{
	const struct pos *x = a, *y = b;
	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The map defined at offset `off` of section shndx, by binary search. */
static const struct obj_map *find_map_at(const struct elf *e, uint32_t shndx, uint64_t off)
{
	struct pos key = { .shndx = shndx, .off = off };
	const struct pos *found = bsearch(&key, e->map_order, e->obj->nmaps, sizeof *e->map_order,
					  pos_cmp);
	return found ? &e->obj->maps[found->index] : NULL;
}

/* Create a map and add it to the object; returns it, or NULL (error set). */
static struct obj_map *add_map(struct elf *e, const char *name,
			       const struct bpf32_map_def *def, uint32_t shndx, uint64_t off,
			       uint64_t size)
{
	struct bpf32_object *obj = e->obj;
	if (strlen(name) >= MAP_NAME_MAX) {
		FAIL(e, "map name %.20s... is too long", name);
		return NULL;
	}
	if (obj->nmaps == MAX_MAPS) {
		bpf32_fail(e->err, BPF32_E2BIG, -1, "ELF: more than %u maps", MAX_MAPS);
		return NULL;
	}
	if (bpf32_object_find_map(obj, name)) {
		FAIL(e, "two maps are named %s", name);
		return NULL;
	}
	uint64_t bytes = bpf32_map_bytes(def);
	if (bytes != UINT64_MAX && (e->map_bytes += bytes) > BPF32_OBJECT_MAX_MAP_BYTES) {
		bpf32_fail(e->err, BPF32_E2BIG, -1,
			   "ELF: the maps need more than the limit of %u bytes (at map %s)",
			   BPF32_OBJECT_MAX_MAP_BYTES, name);
		return NULL;
	}
	struct obj_map *maps = grow(obj->maps, &obj->cap_maps, obj->nmaps + 1, sizeof *maps);
	if (!maps) {
		NOMEM(e);
		return NULL;
	}
	obj->maps = maps;
	struct bpf32_map *map = bpf32_map_new(obj->env, name, def, e->err);
	if (!map)
		return NULL;
	struct obj_map *om = &obj->maps[obj->nmaps++];
	*om = (struct obj_map){ .map = map, .shndx = shndx, .off = off, .size = size };
	return om;
}

static int sym_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct sym *const *)a)->name, (*(const struct sym *const *)b)->name);
}

/* The named symbols of a section, sorted by name (for find_def_sym). */
static const struct sym **names_of(struct elf *e, const struct sec *sec, uint32_t *n)
{
	const struct sym **names = malloc((sec->nsyms ? sec->nsyms : 1) * sizeof *names);
	*n = 0;
	if (!names) {
		NOMEM(e);
		return NULL;
	}
	for (uint32_t j = 0; j < sec->nsyms; j++)
		if (sec_sym(e, sec, j)->type != STT_SECTION)
			names[(*n)++] = sec_sym(e, sec, j);
	qsort(names, *n, sizeof *names, sym_name_cmp);
	return names;
}

/* The definition symbol `name` among sorted names, or NULL. */
static const struct sym *find_def_sym(const struct sym **names, uint32_t n, const char *name)
{
	struct sym key = { .name = name };
	const struct sym *k = &key;
	const struct sym **found = bsearch(&k, names, n, sizeof *names, sym_name_cmp);
	return found ? *found : NULL;
}

static int check_def_sym(struct elf *e, const struct sym *s, uint32_t shndx, const char *name)
{
	if (!s)
		return FAIL(e, "map %s has no symbol in %s", name, e->secs[shndx].name);
	if (!in_bounds(s->value, s->size, e->secs[shndx].size))
		return FAIL(e, "map %s lies outside %s", name, e->secs[shndx].name);
	return 0;
}

/*
 * BTF map attributes. `__uint(name, n)` is a member `int (*name)[n]`,
 * `__type(name, T)` a member `T *name`, `__array(name, T)` a member
 * `T *name[]`.
 */
enum attr_kind { ATTR_UINT, ATTR_SIZE_OF, ATTR_VALUES, ATTR_IGNORED };

static const struct {
	const char *name;
	enum attr_kind kind;
	size_t field;             /* in struct bpf32_map_def */
} btf_attrs[] = {
	{ "type", ATTR_UINT, offsetof(struct bpf32_map_def, type) },
	{ "max_entries", ATTR_UINT, offsetof(struct bpf32_map_def, max_entries) },
	{ "key_size", ATTR_UINT, offsetof(struct bpf32_map_def, key_size) },
	{ "value_size", ATTR_UINT, offsetof(struct bpf32_map_def, value_size) },
	{ "map_flags", ATTR_UINT, offsetof(struct bpf32_map_def, flags) },
	{ "key", ATTR_SIZE_OF, offsetof(struct bpf32_map_def, key_size) },
	{ "value", ATTR_SIZE_OF, offsetof(struct bpf32_map_def, value_size) },
	{ "values", ATTR_VALUES, 0 },
	{ "numa_node", ATTR_IGNORED, 0 },   /* one node */
	{ "pinning", ATTR_IGNORED, 0 },     /* no file system to pin in */
};

/* Read one attribute member into def; *values_off gets the `values` offset. */
static int btf_map_attr(struct elf *e, const struct btf *btf, const char *map,
			const char *name, uint32_t type, uint32_t bit_off,
			struct bpf32_map_def *def, uint64_t *values_off, int *has_values)
{
	size_t a = 0, n = sizeof btf_attrs / sizeof btf_attrs[0];
	while (a < n && strcmp(btf_attrs[a].name, name))
		a++;
	if (a == n)
		return UNSUPPORTED(e, "map %s: unknown attribute %s", map, name);
	uint32_t ptr = btf_strip(btf, type), elem, v = 0;
	switch (btf_attrs[a].kind) {
	case ATTR_UINT:
		if (btf_kind(btf, ptr) != BTF_KIND_PTR ||
		    btf_array(btf, btf_strip(btf, btf_ref(btf, ptr)), &elem, &v))
			return FAIL(e, "map %s: attribute %s is not __uint()", map, name);
		break;
	case ATTR_SIZE_OF:
		if (btf_kind(btf, ptr) != BTF_KIND_PTR || btf_size(btf, btf_ref(btf, ptr), &v))
			return FAIL(e, "map %s: attribute %s is not __type() of a sized type", map,
				    name);
		break;
	case ATTR_VALUES:
		*values_off = bit_off / 8;
		*has_values = 1;
		return 0;
	case ATTR_IGNORED:
		return 0;
	}
	uint32_t *field = (uint32_t *)((char *)def + btf_attrs[a].field);
	if (*field && *field != v)
		return FAIL(e, "map %s: attribute %s conflicts with an earlier one", map, name);
	*field = v;
	return 0;
}

static int btf_map(struct elf *e, const struct btf *btf, uint32_t shndx, uint32_t var,
		   const struct sym **names, uint32_t nnames)
{
	const char *name = btf_name(btf, var);
	uint32_t st = btf_strip(btf, btf_ref(btf, var));
	if (btf_kind(btf, var) != BTF_KIND_VAR || btf_kind(btf, st) != BTF_KIND_STRUCT)
		return FAIL(e, "map %s: its BTF type is not a struct", name);
	if (btf_vlen(btf, st) > MAX_ATTRS)
		return FAIL(e, "map %s: more than %u attributes", name, MAX_ATTRS);
	struct bpf32_map_def def = { 0 };
	uint64_t values_off = 0;
	int has_values = 0;
	for (uint32_t i = 0; i < btf_vlen(btf, st); i++) {
		const char *attr;
		uint32_t type, bit_off;
		btf_member(btf, st, i, &attr, &type, &bit_off);
		int rc = btf_map_attr(e, btf, name, attr, type, bit_off, &def, &values_off,
				      &has_values);
		if (rc)
			return rc;
	}
	const struct sym *s = find_def_sym(names, nnames, name);
	int rc = check_def_sym(e, s, shndx, name);
	if (rc)
		return rc;
	if (has_values && def.type != BPF32_MAP_PROG_ARRAY)
		return UNSUPPORTED(e, "map %s: initial values are supported for prog arrays only",
				   name);
	struct obj_map *om = add_map(e, name, &def, shndx, s->value, s->size);
	if (!om)
		return e->err->code;
	om->values_off = values_off;
	om->has_values = has_values;
	return 0;
}

static int btf_maps(struct elf *e, uint32_t shndx)
{
	const struct sec *btf_sec = NULL;
	for (uint32_t i = 1; i < e->nsecs; i++)
		if (!strcmp(e->secs[i].name, ".BTF") && e->secs[i].data)
			btf_sec = &e->secs[i];
	if (!btf_sec)
		return FAIL(e, ".maps needs BTF: build the object with clang -g");
	struct btf *btf = btf_parse(btf_sec->data, btf_sec->size, e->big, e->err);
	if (!btf)
		return e->err->code;
	uint32_t ds = btf_find_datasec(btf, ".maps"), nnames;
	const struct sym **names = names_of(e, &e->secs[shndx], &nnames);
	int rc = !names ? e->err->code : ds ? 0 : FAIL(e, "BTF has no .maps section");
	for (uint32_t i = 0; !rc && i < btf_vlen(btf, ds); i++) {
		uint32_t var;
		btf_datasec_var(btf, ds, i, &var);
		rc = btf_map(e, btf, shndx, var, names, nnames);
	}
	free(names);
	btf_free(btf);
	return rc;
}

/* The legacy `struct bpf_map_def` of each symbol in section `maps`. */
static int legacy_maps(struct elf *e, uint32_t shndx)
{
	const struct sec *sec = &e->secs[shndx];
	for (uint32_t j = 0; j < sec->nsyms; j++) {
		const struct sym *s = sec_sym(e, sec, j);
		if (s->type == STT_SECTION)
			continue;
		int rc = check_def_sym(e, s, shndx, s->name);
		if (rc)
			return rc;
		if (s->size < LEGACY_DEF_LEN || !sec->data)
			return FAIL(e, "map %s: definition of %llu bytes, expected %u", s->name,
				    (unsigned long long)s->size, LEGACY_DEF_LEN);
		const uint8_t *p = sec->data + s->value;
		for (uint64_t b = LEGACY_DEF_LEN; b < s->size; b++)
			if (p[b])
				return UNSUPPORTED(e, "map %s: definition fields after map_flags",
						   s->name);
		struct bpf32_map_def def = {
			.type = rd32(p, e->big),
			.key_size = rd32(p + 4, e->big),
			.value_size = rd32(p + 8, e->big),
			.max_entries = rd32(p + 12, e->big),
			.flags = rd32(p + 16, e->big),
		};
		if (!add_map(e, s->name, &def, shndx, s->value, s->size))
			return e->err->code;
	}
	return 0;
}

/* A one-element array holding the section's bytes (zeros for .bss). */
static int data_map(struct elf *e, uint32_t shndx)
{
	const struct sec *sec = &e->secs[shndx];
	if (sec->size == 0)
		return 0;
	if (sec->size > BPF32_MAP_MAX_BYTES)
		return bpf32_fail(e->err, BPF32_E2BIG, -1, "ELF: section %s is too big",
				  sec->name);
	struct bpf32_map_def def = {
		.type = BPF32_MAP_ARRAY,
		.key_size = 4,
		.value_size = (uint32_t)sec->size,
		.max_entries = 1,
		.flags = sec->flags & SHF_WRITE ? 0 : BPF32_F_RDONLY_PROG,
	};
	struct obj_map *om = add_map(e, sec->name, &def, shndx, 0, sec->size);
	if (!om)
		return e->err->code;
	uint8_t *value = map_value(om->map, 0);
	if (sec->data)
		memcpy(value, sec->data, sec->size);
	/* Its named variables, for bpf32_object_global(). */
	struct bpf32_object *obj = e->obj;
	for (uint32_t j = 0; j < sec->nsyms; j++) {
		const struct sym *s = sec_sym(e, sec, j);
		if (s->type != STT_OBJECT || !s->name[0] || !in_bounds(s->value, s->size, sec->size))
			continue;
		struct obj_global *g = grow(obj->globals, &obj->cap_globals, obj->nglobals + 1,
					    sizeof *g);
		if (!g)
			return NOMEM(e);
		obj->globals = g;
		g = &obj->globals[obj->nglobals];
		*g = (struct obj_global){ strdup(s->name), value + s->value, s->size };
		if (!g->name)
			return NOMEM(e);
		obj->nglobals++;
	}
	return 0;
}

static int create_maps(struct elf *e)
{
	static int (*const makers[])(struct elf *, uint32_t) = {
		[SEC_BTF_MAPS] = btf_maps,
		[SEC_LEGACY_MAPS] = legacy_maps,
		[SEC_DATA] = data_map,
	};
	/* Definition sections first, then data, each in section order. */
	static const enum sec_kind order[] = { SEC_BTF_MAPS, SEC_LEGACY_MAPS, SEC_DATA };
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
		for (uint32_t i = 1; i < e->nsecs; i++)
			if (e->secs[i].kind == order[k]) {
				int rc = makers[order[k]](e, i);
				if (rc)
					return rc;
			}
	e->map_order = malloc((e->obj->nmaps ? e->obj->nmaps : 1) * sizeof *e->map_order);
	if (!e->map_order)
		return NOMEM(e);
	for (uint32_t i = 0; i < e->obj->nmaps; i++)
		e->map_order[i] = (struct pos){ e->obj->maps[i].shndx, i, e->obj->maps[i].off };
	qsort(e->map_order, e->obj->nmaps, sizeof *e->map_order, pos_cmp);
	return 0;
}

/* ---------------------------------------------------------------- linking */

/* A run of instructions of one section, placed at `base` in the program. */
struct unit {
	uint32_t shndx, start, len, base;
};

struct linker {
	struct elf *e;
	struct unit *units;
	uint32_t nunits, cap_units;
	struct bpf_insn *insns;
	uint32_t len, cap_insns;
	const char *prog;         /* for messages */
};

/* An error in linking program lk->prog. */
static int __attribute__((format(printf, 2, 3))) lfail(const struct linker *lk, const char *fmt,
							 ...)
{
	char msg[BPF32_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return bpf32_fail(lk->e->err, BPF32_EINVAL, -1, "ELF: program %s: %s", lk->prog, msg);
}

/* Append instructions [start, start + len) of section shndx as a new unit. */
static int add_unit(struct linker *lk, uint32_t shndx, uint32_t start, uint32_t len)
{
	const struct sec *s = &lk->e->secs[shndx];
	if (lk->e->linked + lk->len + len > BPF32_MAX_INSNS)
		return bpf32_fail(lk->e->err, BPF32_E2BIG, -1,
				  "ELF: program %s: the object's programs exceed %u instructions",
				  lk->prog, BPF32_MAX_INSNS);
	struct unit *units = grow(lk->units, &lk->cap_units, lk->nunits + 1, sizeof *units);
	if (units)
		lk->units = units;
	struct bpf_insn *insns = grow(lk->insns, &lk->cap_insns, (uint64_t)lk->len + len,
				      sizeof *insns);
	if (insns)
		lk->insns = insns;
	if (!units || !insns)
		return NOMEM(lk->e);
	lk->units[lk->nunits++] = (struct unit){ shndx, start, len, lk->len };
	for (uint32_t k = 0; k < len; k++)
		lk->insns[lk->len + k] = bpf_decode(s->data + (uint64_t)(start + k) * INSN_LEN,
						   lk->e->big);
	lk->len += len;
	return 0;
}

/*
 * Where instruction `idx` of section shndx is in the program: in a unit
 * already placed, else in a new unit for the function symbol that covers
 * it, else in a new unit for the whole section.
 */
static int place(struct linker *lk, uint32_t shndx, uint32_t idx, uint32_t *pos)
{
	const struct elf *e = lk->e;
	for (uint32_t u = 0; u < lk->nunits; u++) {
		const struct unit *un = &lk->units[u];
		if (un->shndx == shndx && idx >= un->start && idx - un->start < un->len) {
			*pos = un->base + (idx - un->start);
			return 0;
		}
	}
	if (lk->nunits == MAX_FUNCS)
		return bpf32_fail(e->err, BPF32_E2BIG, -1, "ELF: program %s calls more than %u functions",
				  lk->prog, MAX_FUNCS - 1);
	/* The last function starting at or before idx, if it covers idx. */
	const struct sec *s = &e->secs[shndx];
	uint32_t lo = 0, hi = s->nfuncs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->funcs[mid].start <= idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct func f = { 0, (uint32_t)(s->size / INSN_LEN) };
	if (lo && idx - s->funcs[lo - 1].start < s->funcs[lo - 1].len)
		f = s->funcs[lo - 1];
	*pos = lk->len + (idx - f.start);
	return add_unit(lk, shndx, f.start, f.len);
}

/* Point the call at program position `pos` to instruction target of section shndx. */
static int link_call(struct linker *lk, uint32_t pos, uint32_t shndx, int64_t target)
{
	const struct sec *s = &lk->e->secs[shndx];
	if (s->kind != SEC_CODE)
		return lfail(lk, "call into section %s, which holds no code", s->name);
	if (target < 0 || (uint64_t)target >= s->size / INSN_LEN)
		return lfail(lk, "call target %lld is outside section %s", (long long)target,
			     s->name);
	uint32_t tpos = 0;
	int rc = place(lk, shndx, (uint32_t)target, &tpos);
	if (rc)
		return rc;
	lk->insns[pos].imm = (int32_t)((int64_t)tpos - ((int64_t)pos + 1));
	return 0;
}

/* Address that an LDDW relocated against symbol s (with addend) stands for. */
static int lddw_value(struct linker *lk, const struct sym *s, int32_t addend, uint64_t *value)
{
	struct elf *e = lk->e;
	const struct sec *ts = sym_sec(e, s);
	if (!ts)
		return lfail(lk, "reference to undefined symbol %s", sym_label(e, s));
	uint64_t off = s->value + (uint64_t)(int64_t)addend;
	if (ts->kind == SEC_BTF_MAPS || ts->kind == SEC_LEGACY_MAPS) {
		const struct obj_map *om = find_map_at(e, s->shndx, off);
		if (!om)
			return lfail(lk, "no map at %s+%llu", ts->name, (unsigned long long)off);
		*value = (uintptr_t)om->map;
		return 0;
	}
	if (ts->kind == SEC_DATA) {
		const struct obj_map *om = find_map_at(e, s->shndx, 0);
		if (!om || off > ts->size)
			return lfail(lk, "reference to %s+%llu is outside the section",
				     ts->name, (unsigned long long)off);
		*value = (uintptr_t)map_value(om->map, 0) + off;
		return 0;
	}
	if (ts->kind == SEC_CODE)
		return bpf32_fail(e->err, BPF32_ENOTSUP, -1,
				  "ELF: program %s: function pointers (%s) are not supported",
				  lk->prog, sym_label(e, s));
	return lfail(lk, "reference to %s in %s, which is neither a map nor global data",
		     sym_label(e, s), ts->name);
}

/* Apply relocation r to the instruction at program position pos (k-th of unit u). */
static int apply_rel(struct linker *lk, uint32_t pos, uint32_t k, const struct unit *u,
		     const struct rel *r)
{
	struct elf *e = lk->e;
	const struct sym *s = &e->syms[r->sym];
	struct bpf_insn *i = &lk->insns[pos];
	switch (r->type) {
	case R_BPF_NONE:
		return 0;
	case R_BPF_64_64: {
		if (!bpf_is_lddw(i) || k + 1 >= u->len)
			return lfail(lk, "relocation against %s on an instruction that is not lddw",
				     sym_label(e, s));
		uint64_t v = 0;
		int rc = lddw_value(lk, s, i->imm, &v);
		if (rc)
			return rc;
		i->src = BPF_PSEUDO_IMM;
		i->imm = (int32_t)(uint32_t)v;
		i[1].imm = (int32_t)(uint32_t)(v >> 32);
		return 0;
	}
	case R_BPF_64_32: {
		if (i->code != (BPF_JMP | BPF_CALL) || i->src != BPF_PSEUDO_CALL)
			return lfail(lk, "call relocation against %s on an instruction that is not "
				     "a local call", sym_label(e, s));
		const struct sec *ts = sym_sec(e, s);
		if (!ts)
			return lfail(lk, "call of undefined function %s", sym_label(e, s));
		if (s->value % INSN_LEN)
			return lfail(lk, "call of misaligned function %s", sym_label(e, s));
		return link_call(lk, pos, s->shndx, (int64_t)(s->value / INSN_LEN) + i->imm + 1);
	}
	default:
		return UNSUPPORTED(e, "program %s: relocation type %u", lk->prog, r->type);
	}
}

/* Relocate unit u, placing the units its calls reach. */
static int link_unit(struct linker *lk, uint32_t u)
{
	const struct unit un = lk->units[u];   /* a copy: place() may move the array */
	const struct sec *s = &lk->e->secs[un.shndx];
	uint32_t r = first_rel(s, (uint64_t)un.start * INSN_LEN);
	for (uint32_t k = 0; k < un.len; k++) {
		uint32_t pos = un.base + k;
		int rc = 0;
		if (r < s->nrels && s->rels[r].off == (uint64_t)(un.start + k) * INSN_LEN) {
			rc = apply_rel(lk, pos, k, &un, &s->rels[r++]);
		} else {
			const struct bpf_insn *i = &lk->insns[pos];
			if (i->code == (BPF_JMP | BPF_CALL) && i->src == BPF_PSEUDO_CALL)
				rc = link_call(lk, pos, un.shndx,
					       (int64_t)un.start + k + 1 + i->imm);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Link program p and load it into the object's environment. */
static int link_prog(struct elf *e, struct obj_prog *p, uint32_t len)
{
	struct linker lk = { .e = e, .prog = p->name };
	int rc = add_unit(&lk, p->shndx, p->start, len);
	for (uint32_t u = 0; !rc && u < lk.nunits; u++)
		rc = link_unit(&lk, u);
	e->linked += lk.len;
	uint8_t *bytes = rc ? NULL : malloc((size_t)lk.len * INSN_LEN);
	if (!rc && !bytes)
		rc = NOMEM(e);
	if (!rc) {
		for (uint32_t k = 0; k < lk.len; k++)
			bpf_encode(&lk.insns[k], bytes + (size_t)k * INSN_LEN, e->big);
		p->prog = bpf32_load(e->obj->env, bytes, (size_t)lk.len * INSN_LEN,
				     e->big ? BPF32_ORDER_BIG : BPF32_ORDER_LITTLE, NULL, e->err);
		if (!p->prog && e->err) {
			char msg[BPF32_MSG_MAX];
			snprintf(msg, sizeof msg, "%s", e->err->msg);
			rc = bpf32_fail(e->err, e->err->code, e->err->insn, "program %s: %s",
					p->name, msg);
		} else if (!p->prog) {
			rc = BPF32_EINVAL;
		}
	}
	free(bytes);
	free(lk.units);
	free(lk.insns);
	return rc;
}

/* ---------------------------------------------------------------- programs */

static int add_prog(struct elf *e, const char *name, uint32_t shndx, uint64_t value,
		    uint64_t size)
{
	struct bpf32_object *obj = e->obj;
	const struct sec *s = &e->secs[shndx];
	if (value % INSN_LEN || size % INSN_LEN || size == 0 || !in_bounds(value, size, s->size))
		return FAIL(e, "function %s does not fit section %s", name, s->name);
	struct obj_prog *progs = grow(obj->progs, &obj->cap_progs, obj->nprogs + 1,
				      sizeof *progs);
	if (!progs)
		return NOMEM(e);
	obj->progs = progs;
	struct obj_prog *p = &obj->progs[obj->nprogs];
	*p = (struct obj_prog){ .name = strdup(name), .section = strdup(s->name),
				.shndx = shndx, .start = (uint32_t)(value / INSN_LEN) };
	obj->nprogs++;
	if (!p->name || !p->section)
		return NOMEM(e);
	return link_prog(e, p, (uint32_t)(size / INSN_LEN));
}

static int load_progs(struct elf *e)
{
	for (uint32_t i = 1; i < e->nsecs; i++) {
		const struct sec *s = &e->secs[i];
		if (s->kind != SEC_CODE || s->size == 0 || !strcmp(s->name, ".text"))
			continue;
		uint32_t before = e->obj->nprogs;
		for (uint32_t j = 0; j < s->nsyms; j++) {
			const struct sym *sy = sec_sym(e, s, j);
			if (sy->type == STT_FUNC && (sy->bind == STB_GLOBAL || sy->bind == STB_WEAK)) {
				int rc = add_prog(e, sy->name, i, sy->value, sy->size);
				if (rc)
					return rc;
			}
		}
		if (e->obj->nprogs == before) {   /* no function symbols: one program */
			int rc = add_prog(e, s->name, i, 0, s->size);
			if (rc)
				return rc;
		}
	}
	if (e->obj->nprogs == 0)
		return FAIL(e, "no programs (functions in sections other than .text)");
	return 0;
}

/* ---------------------------------------------------------------- prog array initialisers */

/*
 * `values = { [i] = &prog, ... }` in a prog array's definition: relocations
 * of .maps inside the map's `values` member, one 8-byte pointer per slot,
 * against the programs' function symbols. Any other relocation of .maps is
 * refused.
 */
static int init_prog_arrays(struct elf *e)
{
	const struct bpf32_object *obj = e->obj;
	uint64_t rels = 0, used = 0;
	for (uint32_t i = 1; i < e->nsecs; i++)
		rels += e->secs[i].kind == SEC_BTF_MAPS ? e->secs[i].nrels : 0;
	if (!rels)
		return 0;
	/* The programs by position, to find the one a symbol names. */
	struct pos *progs = malloc(obj->nprogs * sizeof *progs);
	if (!progs)
		return NOMEM(e);
	for (uint32_t i = 0; i < obj->nprogs; i++)
		progs[i] = (struct pos){ obj->progs[i].shndx, i,
					 (uint64_t)obj->progs[i].start * INSN_LEN };
	qsort(progs, obj->nprogs, sizeof *progs, pos_cmp);
	int rc = 0;
	for (uint32_t m = 0; m < obj->nmaps && !rc; m++) {
		const struct obj_map *om = &obj->maps[m];
		if (!om->has_values)
			continue;
		const struct sec *s = &e->secs[om->shndx];
		uint64_t from = om->off + om->values_off, to = om->off + om->size;
		for (uint32_t r = first_rel(s, from); !rc && r < s->nrels && s->rels[r].off < to;
		     r++, used++) {
			const struct rel *rel = &s->rels[r];
			const struct sym *sy = &e->syms[rel->sym];
			uint64_t slot = (rel->off - from) / 8;
			struct pos key = { .shndx = sy->shndx, .off = sy->value };
			const struct pos *p = bsearch(&key, progs, obj->nprogs, sizeof *progs, pos_cmp);
			if (rel->type != R_BPF_64_ABS64 || (rel->off - from) % 8)
				rc = UNSUPPORTED(e, "relocation in .maps at offset %llu",
						 (unsigned long long)rel->off);
			else if (!p)
				rc = FAIL(e, "map %s: slot %llu refers to %s, which is not a program",
					  om->map->name, (unsigned long long)slot, sym_label(e, sy));
			else if (slot >= om->map->def.max_entries)
				rc = FAIL(e, "map %s: slot %llu is out of range", om->map->name,
					  (unsigned long long)slot);
			else
				bpf32_map_set_prog(om->map, (uint32_t)slot, obj->progs[p->index].prog,
						   NULL);
		}
	}
	free(progs);
	if (!rc && used != rels)
		rc = UNSUPPORTED(e, ".maps has relocations outside prog array initialisers");
	return rc;
}

/* ---------------------------------------------------------------- the API */

static void elf_free(struct elf *e)
{
	for (uint32_t i = 0; e->secs && i < e->nsecs; i++) {
		free(e->secs[i].rels);
		free(e->secs[i].funcs);
	}
	free(e->secs);
	free(e->syms);
	free(e->by_sec);
	free(e->map_order);
}

struct bpf32_object *bpf32_load_elf(struct bpf32_env *env, const void *bytes, size_t len,
				    const struct bpf32_elf_opts *opts, struct bpf32_error *err)
{
	uint32_t flags = opts ? opts->flags : 0;
	if (!env || !bytes) {
		bpf32_fail(err, BPF32_EINVAL, -1, "no environment or no object");
		return NULL;
	}
	if (flags & ~BPF32_ELF_FOREIGN_ORDER) {
		bpf32_fail(err, BPF32_EINVAL, -1, "unknown ELF load flags 0x%x", flags);
		return NULL;
	}
	struct bpf32_error local;
	struct elf e = { .buf = bytes, .len = len, .err = err ? err : &local };
	struct bpf32_object *obj = calloc(1, sizeof *obj);
	if (!obj) {
		bpf32_fail(err, BPF32_ENOMEM, -1, "out of memory");
		return NULL;
	}
	obj->env = env;
	e.obj = obj;
	int rc = parse_sections(&e);
	obj->big = e.big;
	if (!rc && e.big != bpf_host_big_endian() && !(flags & BPF32_ELF_FOREIGN_ORDER))
		rc = UNSUPPORTED(&e, "the object is %s-endian and this host is not: build it with "
				 "clang -target %s",
				 e.big ? "big" : "little", e.big ? "bpfel" : "bpfeb");
	if (!rc)
		rc = parse_symbols(&e);
	if (!rc)
		rc = index_symbols(&e);
	if (!rc)
		rc = parse_relocations(&e);
	if (!rc)
		rc = create_maps(&e);
	if (!rc)
		rc = load_progs(&e);
	if (!rc)
		rc = init_prog_arrays(&e);
	elf_free(&e);
	if (rc) {
		bpf32_object_free(obj);
		return NULL;
	}
	return obj;
}

void bpf32_object_free(struct bpf32_object *obj)
{
	if (!obj)
		return;
	for (uint32_t i = 0; i < obj->nprogs; i++) {
		bpf32_prog_free(obj->progs[i].prog);
		free(obj->progs[i].name);
		free(obj->progs[i].section);
	}
	for (uint32_t i = 0; i < obj->nmaps; i++)
		bpf32_map_free(obj->maps[i].map);
	for (uint32_t i = 0; i < obj->nglobals; i++)
		free(obj->globals[i].name);
	free(obj->globals);
	free(obj->progs);
	free(obj->maps);
	free(obj);
}

enum bpf32_byte_order bpf32_object_order(const struct bpf32_object *obj)
{
	return obj->big ? BPF32_ORDER_BIG : BPF32_ORDER_LITTLE;
}

uint32_t bpf32_object_prog_count(const struct bpf32_object *obj)
{
	return obj->nprogs;
}

struct bpf32_prog *bpf32_object_prog(const struct bpf32_object *obj, uint32_t index)
{
	return index < obj->nprogs ? obj->progs[index].prog : NULL;
}

const char *bpf32_object_prog_name(const struct bpf32_object *obj, uint32_t index)
{
	return index < obj->nprogs ? obj->progs[index].name : NULL;
}

const char *bpf32_object_prog_section(const struct bpf32_object *obj, uint32_t index)
{
	return index < obj->nprogs ? obj->progs[index].section : NULL;
}

struct bpf32_prog *bpf32_object_find_prog(const struct bpf32_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].name, name))
			return obj->progs[i].prog;
	for (uint32_t i = 0; i < obj->nprogs; i++)
		if (!strcmp(obj->progs[i].section, name))
			return obj->progs[i].prog;
	return NULL;
}

void *bpf32_object_global(const struct bpf32_object *obj, const char *name, size_t *size)
{
	for (uint32_t i = 0; i < obj->nglobals; i++)
		if (!strcmp(obj->globals[i].name, name)) {
			if (size)
				*size = (size_t)obj->globals[i].size;
			return obj->globals[i].addr;
		}
	return NULL;
}

uint32_t bpf32_object_map_count(const struct bpf32_object *obj)
{
	return obj->nmaps;
}

struct bpf32_map *bpf32_object_map(const struct bpf32_object *obj, uint32_t index)
{
	return index < obj->nmaps ? obj->maps[index].map : NULL;
}

struct bpf32_map *bpf32_object_find_map(const struct bpf32_object *obj, const char *name)
{
	for (uint32_t i = 0; i < obj->nmaps; i++)
		if (!strcmp(obj->maps[i].map->name, name))
			return obj->maps[i].map;
	return NULL;
}
