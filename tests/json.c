/*
 * Strict pull parser for JSON (RFC 8259); see json.h for the model.
 *
 * Containers are tracked with two bit stacks, one bit per open level:
 * `object` (this level is an object, not an array) and `first` (no member
 * read yet, so no ',' is due). json_key()/json_more() use them to demand
 * exactly one ',' between members and none before the closing bracket.
 */
#include "json.h"

#include <string.h>

void json_init(struct json *j, char *buf, size_t len)
{
	j->p = j->start = buf;
	j->end = buf + len;
	j->depth = 0;
	j->first = 0;
	j->object = 0;
	j->err = NULL;
	j->err_pos = 0;
}

int json_fail(struct json *j, const char *msg)
{
	if (!j->err) {
		j->err = msg;
		j->err_pos = (size_t)(j->p - j->start);
	}
	return -1;
}

const char *json_error(const struct json *j, size_t *pos)
{
	if (pos)
		*pos = j->err_pos;
	return j->err;
}

/* Skip whitespace; the next byte, or -1 at the end or after an error. */
static int next_byte(struct json *j)
{
	if (j->err)
		return -1;
	char *p = j->p;
	while (p < j->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	j->p = p;
	return p < j->end ? (unsigned char)*p : -1;
}

/* The value type each first byte starts (JSON_INVALID for the rest). */
static const uint8_t value_start[256] = {
	['n'] = JSON_NULL,   ['t'] = JSON_BOOL,  ['f'] = JSON_BOOL,
	['"'] = JSON_STRING, ['['] = JSON_ARRAY, ['{'] = JSON_OBJECT,
	['-'] = JSON_NUMBER, ['0'] = JSON_NUMBER, ['1'] = JSON_NUMBER,
	['2'] = JSON_NUMBER, ['3'] = JSON_NUMBER, ['4'] = JSON_NUMBER,
	['5'] = JSON_NUMBER, ['6'] = JSON_NUMBER, ['7'] = JSON_NUMBER,
	['8'] = JSON_NUMBER, ['9'] = JSON_NUMBER,
};

enum json_type json_peek(struct json *j)
{
	int c = next_byte(j);
	return c < 0 ? JSON_INVALID : (enum json_type)value_start[c];
}

/* ---------------------------------------------------------------- containers */

static int open_container(struct json *j, char bracket, int is_object)
{
	if (next_byte(j) != bracket)
		return json_fail(j, is_object ? "expected an object" : "expected an array");
	if (j->depth >= JSON_MAX_DEPTH)
		return json_fail(j, "nested too deeply");
	uint64_t bit = 1ull << j->depth;
	j->first |= bit;
	j->object = is_object ? j->object | bit : j->object & ~bit;
	j->depth++;
	j->p++;
	return 0;
}

int json_object(struct json *j)
{
	return open_container(j, '{', 1);
}

int json_array(struct json *j)
{
	return open_container(j, '[', 0);
}

/*
 * Start of the next member of the innermost container, which must be of
 * kind `is_object`: consume the closing bracket (0), or the ',' due before
 * every member but the first (1). The byte of the member is then next.
 */
static int next_member(struct json *j, int is_object)
{
	char close = is_object ? '}' : ']';
	int c = next_byte(j);
	if (c < 0)
		return j->err ? -1 : json_fail(j, "unexpected end of input");
	uint64_t bit = j->depth ? 1ull << (j->depth - 1) : 0;
	if (!bit || !(j->object & bit) != !is_object)
		return json_fail(j, is_object ? "not inside an object" : "not inside an array");
	if (c == close) {
		j->depth--;
		j->p++;
		return 0;
	}
	if (!(j->first & bit)) {
		if (c != ',')
			return json_fail(j, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
		j->p++;
	}
	j->first &= ~bit;
	return 1;
}

int json_key(struct json *j, const char **key)
{
	int r = next_member(j, 1);
	if (r <= 0)
		return r;
	if (next_byte(j) != '"')
		return json_fail(j, "expected a key");
	if (json_string(j, key, NULL) < 0)
		return -1;
	if (next_byte(j) != ':')
		return json_fail(j, "expected ':'");
	j->p++;
	return 1;
}

int json_more(struct json *j)
{
	return next_member(j, 0);
}

/* ---------------------------------------------------------------- strings */

/* Hex digit values plus one; 0 for every byte that is not a hex digit. */
static const uint8_t hex_plus1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,
	['5'] = 6,  ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

long json_unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	if ((n & 1) || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned hi = hex_plus1[(unsigned char)s[i]] - 1u;
		unsigned lo = hex_plus1[(unsigned char)s[i + 1]] - 1u;
		if ((hi | lo) > 15)   /* a 0 entry wrapped around */
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* Length of the valid UTF-8 sequence at p (a byte >= 0x80), or 0. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end)
{
	unsigned lo = 0x80, hi = 0xbf;   /* range of the second byte */
	size_t n;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;   /* no overlong forms */
		else if (p[0] == 0xed)
			hi = 0x9f;   /* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;   /* no overlong forms */
		else if (p[0] == 0xf4)
			hi = 0x8f;   /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The 4 hex digits of a \u escape at p (end checked by the caller), or -1. */
static long hex4(const char *p)
{
	uint8_t b[2];
	return json_unhex(p, 4, b, 2) < 0 ? -1 : (long)(b[0] << 8 | b[1]);
}

/* Write code point cp as UTF-8; the number of bytes. */
static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The character each single-letter escape stands for. */
static const char simple_escape[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/*
 * Decode the escape at p (just after the backslash) into out. Returns the
 * number of source bytes consumed after the backslash, or 0 if invalid;
 * *n gets the bytes written (never more than consumed + 1, so decoding in
 * place is safe).
 */
static size_t unescape(const char *p, const char *end, char *out, size_t *n)
{
	if (p >= end)
		return 0;
	if (*p != 'u') {
		char c = simple_escape[(unsigned char)*p];
		if (!c)
			return 0;
		*out = c;
		*n = 1;
		return 1;
	}
	if (end - p < 5)
		return 0;
	long cp = hex4(p + 1);
	if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return 0;   /* bad digits, or a low surrogate alone */
	if (cp < 0xd800 || cp > 0xdbff) {
		*n = put_utf8(out, (unsigned long)cp);
		return 5;
	}
	/* A high surrogate: a \u low surrogate must follow. */
	if (end - p < 11 || p[5] != '\\' || p[6] != 'u')
		return 0;
	long low = hex4(p + 7);
	if (low < 0xdc00 || low > 0xdfff)
		return 0;
	*n = put_utf8(out, 0x10000 + ((unsigned long)(cp - 0xd800) << 10) +
				   (unsigned long)(low - 0xdc00));
	return 11;
}

/* A byte a string holds as is: printable ASCII but '"' and '\\'. */
static int plain_byte(unsigned char c)
{
	return (unsigned)(c - 0x20) < 0x60u && c != '"' && c != '\\';
}

int json_string(struct json *j, const char **s, size_t *len)
{
	if (next_byte(j) != '"')
		return json_fail(j, "expected a string");
	char *p = j->p + 1, *begin = p;
	/* Most strings are plain ASCII: find where that run ends, in place. */
	while (p < j->end && plain_byte((unsigned char)*p))
		p++;
	char *out = p;
	for (;;) {
		if (p >= j->end) {
			j->p = p;
			return json_fail(j, "unterminated string");
		}
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) {
			j->p = p;
			return json_fail(j, "control character in string");
		}
		if (c == '\\') {
			size_t n, used = unescape(p + 1, j->end, out, &n);
			if (!used) {
				j->p = p;
				return json_fail(j, "invalid escape");
			}
			p += 1 + used;
			out += n;
		} else if (c < 0x80) {
			*out++ = *p++;
		} else {
			size_t n = utf8_length((const unsigned char *)p,
					       (const unsigned char *)j->end);
			if (!n) {
				j->p = p;
				return json_fail(j, "invalid UTF-8");
			}
			memmove(out, p, n);
			out += n;
			p += n;
		}
	}
	j->p = p + 1;
	*out = '\0';   /* out <= p: at worst over the closing quote */
	*s = begin;
	if (len)
		*len = (size_t)(out - begin);
	return 0;
}

int json_hex(struct json *j, uint8_t *out, size_t cap, size_t *len)
{
	if (next_byte(j) != '"')
		return json_fail(j, "expected a hex string");
	/*
	 * Fast path: plain digit pairs up to the closing quote, decoded in one
	 * pass; first for a string of exactly `cap` bytes (instruction slots),
	 * whose digits can be decoded without a check per pair. (`end` is a
	 * local so that stores through `out`, which may alias anything, do not
	 * force reloads.)
	 */
	const char *p = j->p + 1, *end = j->end;
	size_t n = 0;
	if ((size_t)(end - p) > 2 * cap && p[2 * cap] == '"') {
		unsigned bad = 0;
		for (size_t i = 0; i < cap; i++) {
			unsigned hi = hex_plus1[(unsigned char)p[2 * i]] - 1u;
			unsigned lo = hex_plus1[(unsigned char)p[2 * i + 1]] - 1u;
			bad |= hi | lo;
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		if (bad <= 15) {
			j->p = (char *)p + 2 * cap + 1;
			*len = cap;
			return 0;
		}
	}
	while (end - p >= 2 && n < cap) {
		unsigned hi = hex_plus1[(unsigned char)p[0]] - 1u;
		unsigned lo = hex_plus1[(unsigned char)p[1]] - 1u;
		if ((hi | lo) > 15)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (p < end && *p == '"') {
		j->p = (char *)p + 1;
		*len = n;
		return 0;
	}
	/* Escapes, or an error to report: unescape the string, then decode it. */
	const char *s;
	if (json_string(j, &s, &n) < 0)
		return -1;
	long got = json_unhex(s, n, out, cap);
	if (got < 0)
		return json_fail(j, n / 2 > cap ? "hex string too long" : "not pairs of hex digits");
	*len = (size_t)got;
	return 0;
}

/* ---------------------------------------------------------------- numbers and literals */

static int is_digit(const char *p, const char *end)
{
	return p < end && (unsigned)(*p - '0') < 10u;
}

/*
 * Scan the number at j->p by the JSON grammar
 *     -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * and return its end (NULL if malformed); *is_int: no fraction or exponent.
 */
static char *scan_number(struct json *j, int *is_int)
{
	char *p = j->p, *end = j->end;
	if (p < end && *p == '-')
		p++;
	if (!is_digit(p, end))
		return NULL;
	if (*p++ != '0')
		while (is_digit(p, end))
			p++;
	*is_int = 1;
	if (p < end && *p == '.') {
		if (!is_digit(++p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
		*is_int = 0;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return NULL;
		while (is_digit(p, end))
			p++;
		*is_int = 0;
	}
	return p;
}

int json_int(struct json *j, int64_t min, int64_t max, int64_t *v)
{
	int is_int;
	if (json_peek(j) != JSON_NUMBER)
		return json_fail(j, "expected a number");
	char *end = scan_number(j, &is_int);
	if (!end)
		return json_fail(j, "malformed number");
	if (!is_int)
		return json_fail(j, "expected an integer");
	const char *p = j->p;
	int neg = *p == '-';
	uint64_t mag = 0;
	for (p += neg; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (mag > (UINT64_MAX - d) / 10)
			return json_fail(j, "integer out of range");
		mag = mag * 10 + d;
	}
	/* Magnitudes up to 2^63 fit a negative int64_t, up to 2^63-1 a positive one. */
	if (mag > (uint64_t)INT64_MAX + neg)
		return json_fail(j, "integer out of range");
	int64_t x = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	if (x < min || x > max)
		return json_fail(j, "integer out of range");
	j->p = end;
	*v = x;
	return 0;
}

/* Consume literal `word` if it is next. */
static int literal(struct json *j, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

int json_bool(struct json *j, int *v)
{
	if (json_peek(j) == JSON_BOOL) {
		if (literal(j, "true")) {
			*v = 1;
			return 0;
		}
		if (literal(j, "false")) {
			*v = 0;
			return 0;
		}
	}
	return json_fail(j, "expected true or false");
}

int json_null(struct json *j)
{
	enum json_type t = json_peek(j);
	if (j->err)
		return -1;
	if (t != JSON_NULL)
		return 0;
	return literal(j, "null") ? 1 : json_fail(j, "invalid literal");
}

int json_skip(struct json *j)
{
	const char *s;
	int r, b, is_int;
	switch (json_peek(j)) {
	case JSON_NULL:
		return json_null(j) > 0 ? 0 : -1;
	case JSON_BOOL:
		return json_bool(j, &b);
	case JSON_NUMBER: {
		char *end = scan_number(j, &is_int);
		if (!end)
			return json_fail(j, "malformed number");
		j->p = end;
		return 0;
	}
	case JSON_STRING:
		return json_string(j, &s, NULL);
	case JSON_ARRAY:
		if (json_array(j) < 0)
			return -1;
		while ((r = json_more(j)) > 0)
			if (json_skip(j) < 0)
				return -1;
		return r;
	case JSON_OBJECT:
		if (json_object(j) < 0)
			return -1;
		while ((r = json_key(j, &s)) > 0)
			if (json_skip(j) < 0)
				return -1;
		return r;
	case JSON_INVALID:
		break;
	}
	return j->err ? -1 : json_fail(j, "expected a value");
}

int json_finish(struct json *j)
{
	if (next_byte(j) >= 0)
		return json_fail(j, "unexpected data after the value");
	if (j->err)
		return -1;
	if (j->depth)
		return json_fail(j, "unclosed object or array");
	return 0;
}
