/*
 * Tests of the strict JSON reader (tests/json.c): documents it must accept
 * and reject, decoded strings, integer limits, hex strings, and the pull API
 * walking a record shaped like the test_bpf ones.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "testutil.h"

/* Copy text into a writable buffer and check it as one whole document. */
static int check_document(const char *text)
{
	size_t n = strlen(text);
	char *buf = malloc(n + 1);
	memcpy(buf, text, n + 1);
	struct json j;
	json_init(&j, buf, n);
	int rc = json_skip(&j) < 0 || json_finish(&j) < 0 ? -1 : 0;
	free(buf);
	return rc;
}

static const char *const valid[] = {
	"0", "-0", "1.5", "-12.25e+3", "1E5", "0e0", "123456789012345678901234567890",
	"true", "false", "null", "\"\"", "\" \\\" \\\\ \\/ \\b \\f \\n \\r \\t \"",
	"\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	"[]", "{}", " \t\r\n[ 1 , [ ] , { } , \"x\" ] \n", "{\"a\":{\"b\":[null,{\"c\":false}]}}",
	"{\"\":0,\"a\":1,\"a\":2}",   /* duplicate keys are the caller's business */
};

static const char *const invalid[] = {
	"", " ", "[", "]", "{", "}", "[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{,}", "{\"a\" 1}",
	"{\"a\":}", "{a:1}", "{'a':1}", "{1:1}", "[1]]", "[1] [2]", "01", "-01", "+1", ".5",
	"1.", "1.e3", "1e", "1e+", "-", "0x10", "NaN", "Infinity", "tru", "nul", "True",
	"\"abc", "\"a\nb\"", "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ude00\"",
	"\"\\ud83d\"", "\"\\ud83d\\u0041\"", "\"\\ud83dx\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
	"\"\xf5\x80\x80\x80\"", "\"\xe2\x82\"", "\"\x80\"", "\"\xf0\x8f\xbf\xbf\"", "\f1",
	"[1]\v", "/*c*/1", "[1:2]", "{\"a\":1:\"b\":2}", "[1 x2]",
};

static void test_documents(void)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		TU_CHECK(check_document(valid[i]) == 0, "valid document %zu rejected: %s", i, valid[i]);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		TU_CHECK(check_document(invalid[i]) < 0, "invalid document %zu accepted: %s", i,
			 invalid[i]);
	/* A NUL byte inside the buffer is not whitespace. */
	char nul[] = "[1,\0 2]";
	struct json j;
	json_init(&j, nul, sizeof(nul) - 1);
	TU_CHECK(json_skip(&j) < 0, "NUL byte accepted");
}

static void test_depth(void)
{
	char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
	for (int levels = JSON_MAX_DEPTH; levels <= JSON_MAX_DEPTH + 1; levels++) {
		memset(deep, '[', (size_t)levels);
		memset(deep + levels, ']', (size_t)levels);
		deep[2 * levels] = '\0';
		int want = levels <= JSON_MAX_DEPTH ? 0 : -1;
		TU_CHECK(check_document(deep) == want, "%d nested arrays", levels);
	}
}

static void test_strings(void)
{
	char buf[] = "[\"a\\u0000b\", \"\\ud83d\\ude00\\n\", \"plain\"]";
	struct json j;
	const char *s;
	size_t n;
	json_init(&j, buf, strlen(buf));
	TU_CHECK(json_array(&j) == 0 && json_more(&j) == 1, "array start");
	TU_CHECK(json_string(&j, &s, &n) == 0 && n == 3 && memcmp(s, "a\0b", 4) == 0,
		 "embedded NUL: n %zu", n);
	TU_CHECK(json_more(&j) == 1 && json_string(&j, &s, &n) == 0 && n == 5 &&
			 memcmp(s, "\xf0\x9f\x98\x80\n", 6) == 0,
		 "surrogate pair: n %zu", n);
	TU_CHECK(json_more(&j) == 1 && json_string(&j, &s, &n) == 0 && n == 5 &&
			 strcmp(s, "plain") == 0,
		 "plain string");
	TU_CHECK(json_more(&j) == 0 && json_finish(&j) == 0, "array end: %s",
		 json_error(&j, NULL) ? json_error(&j, NULL) : "");
}

/* Parse text as one integer within [min, max]; 0 or -1. */
static int read_int(const char *text, int64_t min, int64_t max, int64_t *v)
{
	char buf[64];
	struct json j;
	snprintf(buf, sizeof(buf), "%s", text);
	json_init(&j, buf, strlen(buf));
	return json_int(&j, min, max, v) < 0 || json_finish(&j) < 0 ? -1 : 0;
}

static void test_integers(void)
{
	int64_t v = 0;
	TU_CHECK(read_int("9223372036854775807", INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MAX,
		 "INT64_MAX");
	TU_CHECK(read_int("-9223372036854775808", INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MIN,
		 "INT64_MIN");
	TU_CHECK(read_int("9223372036854775808", INT64_MIN, INT64_MAX, &v) < 0, "2^63");
	TU_CHECK(read_int("-9223372036854775809", INT64_MIN, INT64_MAX, &v) < 0, "-2^63-1");
	TU_CHECK(read_int("99999999999999999999", INT64_MIN, INT64_MAX, &v) < 0, "20 digits");
	TU_CHECK(read_int("4294967295", 0, UINT32_MAX, &v) == 0 && v == 4294967295, "UINT32_MAX");
	TU_CHECK(read_int("4294967296", 0, UINT32_MAX, &v) < 0, "UINT32_MAX + 1");
	TU_CHECK(read_int("-1", 0, 10, &v) < 0, "below min");
	TU_CHECK(read_int("-0", 0, 10, &v) == 0 && v == 0, "-0");
	TU_CHECK(read_int("1.0", 0, 10, &v) < 0, "fraction");
	TU_CHECK(read_int("1e1", 0, 100, &v) < 0, "exponent");
	TU_CHECK(read_int("\"1\"", 0, 10, &v) < 0, "string");
}

static void test_hex(void)
{
	char buf[] = "[\"0aFf\", \"\\u0030a\", \"0A1b2C\", \"abc\"]";
	struct json j;
	uint8_t out[3];
	size_t n = 99;
	json_init(&j, buf, strlen(buf));
	TU_CHECK(json_array(&j) == 0 && json_more(&j) == 1, "array start");
	TU_CHECK(json_hex(&j, out, 3, &n) == 0 && n == 2 && out[0] == 0x0a && out[1] == 0xff,
		 "0aFf: n %zu", n);
	TU_CHECK(json_more(&j) == 1 && json_hex(&j, out, 3, &n) == 0 && n == 1 && out[0] == 0x0a,
		 "escaped hex: n %zu", n);
	TU_CHECK(json_more(&j) == 1 && json_hex(&j, out, 3, &n) == 0 && n == 3 && out[0] == 0x0a &&
			 out[1] == 0x1b && out[2] == 0x2c,
		 "exactly cap bytes: n %zu", n);
	TU_CHECK(json_more(&j) == 1 && json_hex(&j, out, 3, &n) < 0, "odd length accepted");
	/* The error is sticky: nothing after it succeeds. */
	TU_CHECK(json_more(&j) < 0 && json_error(&j, NULL) != NULL, "error not sticky");

	/* Strings of exactly `cap` bytes take a path of their own: bad digits there too. */
	static const char *const bad_hex[] = { "\"0g0a0b\"", "\"0a0bg0\"", "\"0a0b0 \"", "\"0a0b0c0d\"" };
	for (size_t i = 0; i < sizeof(bad_hex) / sizeof(bad_hex[0]); i++) {
		char text[16];
		snprintf(text, sizeof(text), "%s", bad_hex[i]);
		json_init(&j, text, strlen(text));
		TU_CHECK(json_hex(&j, out, 3, &n) < 0, "json_hex accepted %s", bad_hex[i]);
	}

	static const struct {
		const char *text;
		long want;
	} unhex[] = {
		{ "0g", -1 }, { "g0", -1 }, { "00112233", -1 }, { "001122", 3 }, { "", 0 },
		{ " 0", -1 }, { "0", -1 },
	};
	for (size_t i = 0; i < sizeof(unhex) / sizeof(unhex[0]); i++)
		TU_CHECK(json_unhex(unhex[i].text, strlen(unhex[i].text), out, 3) == unhex[i].want,
			 "json_unhex(\"%s\")", unhex[i].text);
}

/* The pull API over a record like the test_bpf ones, with the error position. */
static void test_walk(void)
{
	char buf[] = "{\"index\": 7, \"name\": \"x\", \"generator\": null, "
		     "\"subtests\": [{\"data_size\": 2, \"result\": 4294967293}], "
		     "\"skipme\": {\"deep\": [1, 2, {\"x\": true}]}, \"insns\": [\"b401000002000000\"]}";
	struct json j;
	const char *key;
	int64_t v, sum = 0;
	int keys = 0, r;
	uint8_t insn[8];
	size_t n;
	json_init(&j, buf, strlen(buf));
	TU_CHECK(json_object(&j) == 0, "object");
	while ((r = json_key(&j, &key)) > 0) {
		keys++;
		if (strcmp(key, "index") == 0) {
			TU_CHECK(json_int(&j, 0, 100, &v) == 0 && v == 7, "index");
		} else if (strcmp(key, "generator") == 0) {
			TU_CHECK(json_null(&j) == 1, "null");
		} else if (strcmp(key, "subtests") == 0) {
			TU_CHECK(json_peek(&j) == JSON_ARRAY && json_array(&j) == 0, "subtests");
			while (json_more(&j) > 0) {
				TU_CHECK(json_object(&j) == 0, "subtest");
				while (json_key(&j, &key) > 0) {
					TU_CHECK(json_int(&j, 0, UINT32_MAX, &v) == 0, "%s", key);
					sum += v;
				}
			}
		} else if (strcmp(key, "insns") == 0) {
			TU_CHECK(json_array(&j) == 0 && json_more(&j) == 1, "insns");
			TU_CHECK(json_hex(&j, insn, 8, &n) == 0 && n == 8 && insn[0] == 0xb4 &&
					 insn[4] == 2,
				 "insn");
			TU_CHECK(json_more(&j) == 0, "insns end");
		} else {
			TU_CHECK(json_skip(&j) == 0, "skip %s", key);
		}
	}
	TU_CHECK(r == 0 && json_finish(&j) == 0, "walk: %s",
		 json_error(&j, NULL) ? json_error(&j, NULL) : "");
	TU_CHECK(keys == 6 && sum == 2 + 4294967293ll, "keys %d sum %lld", keys, (long long)sum);

	/* Reading the wrong type fails at the value, and says where. */
	char bad[] = "{\"a\": [1, 2], \"b\": \"x\"}";
	size_t pos = 0;
	json_init(&j, bad, strlen(bad));
	TU_CHECK(json_object(&j) == 0 && json_key(&j, &key) == 1 && json_skip(&j) == 0, "a");
	TU_CHECK(json_key(&j, &key) == 1 && json_int(&j, 0, 1, &v) < 0, "b as an integer");
	TU_CHECK(json_error(&j, &pos) && pos == 19, "error position %zu", pos);
	/* Using the wrong container call is an error too. */
	char arr[] = "[1]";
	json_init(&j, arr, 3);
	TU_CHECK(json_array(&j) == 0 && json_key(&j, &key) < 0, "json_key inside an array");
}

int main(void)
{
	test_documents();
	test_depth();
	test_strings();
	test_integers();
	test_hex();
	test_walk();
	if (tu_failures) {
		printf("json: %d checks failed\n", tu_failures);
		return 1;
	}
	printf("json: all checks passed\n");
	return 0;
}
