/*
 * A small, strict JSON reader for test data held in memory (one document,
 * such as one line of a JSON-lines stream).
 *
 * It is a pull parser: the caller walks the document in order, asking for the
 * value it expects next, and no tree is built. That keeps memory flat and the
 * cost linear however long the document is (a test_bpf line carries up to
 * 200,000 instruction strings, which json_hex() decodes straight into the
 * caller's buffer).
 *
 * Strict means RFC 8259 exactly: only the four whitespace characters, no
 * trailing commas, no comments, no leading zeros, strings in valid UTF-8 with
 * no raw control characters, escapes from the standard set with \u surrogates
 * paired. The first error is sticky: every later call fails, and json_error()
 * says what went wrong and at which byte.
 *
 * Strings are unescaped in place, so the buffer must be writable and must
 * outlive the returned pointers.
 *
 * Walking an object:
 *
 *     const char *key;
 *     if (json_object(j) < 0) ...
 *     while (json_key(j, &key) > 0) {
 *             if (strcmp(key, "n") == 0) json_int(j, 0, 100, &n);
 *             else json_skip(j);
 *     }
 *     (json_key() returned 0 at '}' or -1 on error: check json_error())
 *
 * and an array: json_array(j), then `while (json_more(j) > 0) <one value>`.
 */
#ifndef BPF32_TEST_JSON_H
#define BPF32_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_INVALID = 0,   /* no value starts here (or an earlier error) */
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* Containers nest at most this deep. */
#define JSON_MAX_DEPTH 64

struct json {
	char *p;             /* next unread byte */
	char *end;           /* one past the last byte */
	char *start;
	int depth;           /* open containers */
	uint64_t first;      /* bit d: container at depth d has no member yet */
	uint64_t object;     /* bit d: container at depth d is an object */
	const char *err;     /* first error, a static string; NULL if none */
	size_t err_pos;      /* its byte offset */
};

void json_init(struct json *j, char *buf, size_t len);

/* What the next value is, without consuming it. */
enum json_type json_peek(struct json *j);

/* Consume '{' / '['. 0, or -1 on error. */
int json_object(struct json *j);
int json_array(struct json *j);

/*
 * Inside an object: read the next member's key and its ':' and return 1
 * (the caller then reads or skips the value), or consume the closing '}' and
 * return 0. -1 on error. *key is NUL-terminated.
 */
int json_key(struct json *j, const char **key);

/*
 * Inside an array: return 1 when another element follows (the caller reads
 * it), or consume the closing ']' and return 0. -1 on error.
 */
int json_more(struct json *j);

/* A string value; *s is NUL-terminated, *len excludes the NUL (len may be NULL). */
int json_string(struct json *j, const char **s, size_t *len);

/*
 * A string of hexadecimal digit pairs ("0aff"), decoded into out[0..cap).
 * *len gets the byte count. Fails on odd length, non-hex digits or more than
 * `cap` bytes. Bytes of out past *len may be overwritten (pad them yourself).
 */
int json_hex(struct json *j, uint8_t *out, size_t cap, size_t *len);

/*
 * Decode n hexadecimal digits (pairs, either case) at s into out[0..cap):
 * the byte count, or -1 on odd length, a non-hex digit or more than cap bytes.
 */
long json_unhex(const char *s, size_t n, uint8_t *out, size_t cap);

/*
 * A number that must be an integer (no fraction, no exponent) within
 * [min, max].
 */
int json_int(struct json *j, int64_t min, int64_t max, int64_t *v);

int json_bool(struct json *j, int *v);

/* Consume `null` if it is next: 1 if it was, 0 if another value is next, -1 on error. */
int json_null(struct json *j);

/* Consume one value of any type, checking its syntax. */
int json_skip(struct json *j);

/* Check that only whitespace remains. */
int json_finish(struct json *j);

/* Record an error found by the caller (a bad value of the right type). */
int json_fail(struct json *j, const char *msg);

/* The first error (NULL if none) and its byte offset. */
const char *json_error(const struct json *j, size_t *pos);

#endif /* BPF32_TEST_JSON_H */
