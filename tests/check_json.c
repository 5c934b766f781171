/*
 * Unit tests of the JSON writer: structure, numbers, and strings of any
 * bytes, checked by parsing the output with the strict test reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "jsonparse.h"
#include "testutil.h"

/* Write one string value and return the parsed document. */
static struct jv *
string_round_trip(const char *bytes, char **text)
{
	struct json_writer w;
	const char *error = NULL;
	struct jv *doc;
	size_t len;
	FILE *out;

	out = open_memstream(text, &len);
	json_init(&w, out, false);
	json_array_begin(&w);
	json_string(&w, bytes);
	json_array_end(&w);
	fclose(out);
	doc = jv_parse(*text, len, &error);
	ck_assert_msg(doc != NULL, "invalid JSON (%s): %s", error, *text);
	return doc;
}

static void
expect_round_trip(const char *bytes)
{
	char *text;
	struct jv *doc = string_round_trip(bytes, &text);
	const struct jv *s = jv_at(doc, 0);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->type, JV_STRING);
	ck_assert_uint_eq(s->length, strlen(bytes));
	ck_assert_msg(memcmp(s->string, bytes, s->length) == 0,
	    "bytes changed: %s", text);
	/* No raw control byte may reach a terminal that cats the JSON. */
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "raw byte %02x", *p);
	jv_free(doc);
	free(text);
}

START_TEST(strings_escaped)
{
	char *text;
	struct jv *doc = string_round_trip("q\"b\\n\nt\tc\033", &text);

	ck_assert_str_eq(text, "[\"q\\\"b\\\\n\\nt\\tc\\u001b\"]");
	jv_free(doc);
	free(text);
	doc = string_round_trip("bad\xff", &text);
	ck_assert_str_eq(text, "[\"bad\\udcff\"]");
	jv_free(doc);
	free(text);
}
END_TEST

START_TEST(hostile_strings_round_trip)
{
	expect_round_trip("");
	expect_round_trip("/tmp/new\nline");
	expect_round_trip("/tmp/esc\033[2Jclear");
	expect_round_trip("/tmp/bad\xff\xfe\x80");
	expect_round_trip("/tmp/caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	expect_round_trip("bidi\xe2\x80\xae" "txt");
	expect_round_trip("\xed\xa0\x80 surrogate bytes");
	expect_round_trip("c1 \xc2\x9b and del \x7f");
}
END_TEST

START_TEST(random_bytes_round_trip)
{
	char buf[65];

	srand(12345);
	for (int i = 0; i < 5000; i++) {
		size_t len = (size_t)(rand() % 64);

		for (size_t j = 0; j < len; j++)
			buf[j] = (char)(1 + rand() % 255);
		buf[len] = '\0';
		expect_round_trip(buf);
	}
}
END_TEST

START_TEST(document_structure)
{
	struct json_writer w;
	const struct jv *obj, *arr;
	const char *error = NULL;
	struct jv *doc;
	char *text;
	size_t len;
	FILE *out;

	for (int pretty = 0; pretty < 2; pretty++) {
		out = open_memstream(&text, &len);
		json_init(&w, out, pretty);
		json_object_begin(&w);
		json_key(&w, "n");
		json_int(&w, -42);
		json_key(&w, "u");
		json_uint(&w, 18446744073709551615ULL);
		json_key(&w, "d");
		json_double(&w, 0.25);
		json_key(&w, "t");
		json_bool(&w, true);
		json_key(&w, "z");
		json_null(&w);
		json_key(&w, "a");
		json_array_begin(&w);
		for (int i = 0; i < 3; i++) {
			json_object_begin(&w);
			json_key(&w, "deep");
			json_array_begin(&w);
			json_array_begin(&w);
			json_array_begin(&w);
			json_int(&w, i);
			json_array_end(&w);
			json_array_end(&w);
			json_array_end(&w);
			json_object_end(&w);
		}
		json_array_end(&w);
		json_key(&w, "empty");
		json_array_begin(&w);
		json_array_end(&w);
		json_object_end(&w);
		fclose(out);
		doc = jv_parse(text, len, &error);
		ck_assert_msg(doc != NULL, "invalid (%s): %s", error, text);
		ck_assert(jv_num(doc, "n") == -42);
		ck_assert(jv_num(doc, "d") == 0.25);
		ck_assert(jv_is(doc, "t", JV_BOOL) && jv_get(doc, "t")->boolean);
		ck_assert(jv_is(doc, "z", JV_NULL));
		arr = jv_get(doc, "a");
		ck_assert_uint_eq(arr->count, 3);
		obj = jv_at(arr, 2);
		ck_assert(jv_at(jv_at(jv_at(jv_get(obj, "deep"), 0), 0),
		    0)->number == 2);
		ck_assert_uint_eq(jv_get(doc, "empty")->count, 0);
		jv_free(doc);
		free(text);
	}
}
END_TEST

START_TEST(reader_rejects_invalid)
{
	static const char *const bad[] = {
		"", "[", "[1,]", "{\"a\" 1}", "[\"a\nb\"]", "[\"\\x\"]",
		"[\"\xff\"]", "[01]", "[1] x", "[\"\\ud800\"]", "{1:2}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jv *doc = jv_parse(bad[i], strlen(bad[i]), NULL);

		ck_assert_msg(doc == NULL, "accepted: %s", bad[i]);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");
	tcase_leak_check(tc);

	tcase_add_test(tc, strings_escaped);
	tcase_add_test(tc, hostile_strings_round_trip);
	tcase_add_test(tc, random_bytes_round_trip);
	tcase_add_test(tc, document_structure);
	tcase_add_test(tc, reader_rejects_invalid);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
