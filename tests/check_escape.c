/*
 * Unit tests of the terminal escaping of untrusted text.
 */
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

static void
expect(const char *in, const char *want)
{
	char *got = escape_terminal(in);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0, "escape(%s) = %s, want %s",
	    in, got, want);
	free(got);
}

START_TEST(plain_text_unchanged)
{
	escape_set_utf8(true);
	expect("/var/log/syslog", "/var/log/syslog");
	expect("", "");
	expect("caf\xc3\xa9", "caf\xc3\xa9");
	expect("\xe2\x82\xac 5", "\xe2\x82\xac 5");
}
END_TEST

START_TEST(controls_escaped)
{
	escape_set_utf8(true);
	expect("a\nb", "a\\nb");
	expect("a\tb\rc", "a\\tb\\rc");
	expect("x\033[2Jy", "x\\x1b[2Jy");
	expect("back\\slash", "back\\\\slash");
	expect("del\x7f", "del\\x7f");
	/* C1 control U+009B (CSI) as UTF-8, and the bidi override U+202E. */
	expect("c1\xc2\x9b", "c1\\xc2\\x9b");
	expect("evil\xe2\x80\xaetxt", "evil\\xe2\\x80\\xaetxt");
}
END_TEST

START_TEST(invalid_utf8_escaped)
{
	escape_set_utf8(true);
	expect("bad\xff\xfe", "bad\\xff\\xfe");
	expect("\xc0\xaf", "\\xc0\\xaf");		/* overlong "/" */
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	expect("\xe2\x82", "\\xe2\\x82");		/* truncated */
	expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
}
END_TEST

START_TEST(non_utf8_terminal)
{
	escape_set_utf8(false);
	expect("caf\xc3\xa9", "caf\\xc3\\xa9");
	expect("plain", "plain");
	escape_set_utf8(true);
}
END_TEST

START_TEST(output_is_safe_for_any_byte)
{
	char in[2];

	escape_set_utf8(true);
	in[1] = '\0';
	for (int c = 1; c < 256; c++) {
		char *got;

		in[0] = (char)c;
		got = escape_terminal(in);
		for (const unsigned char *p = (const unsigned char *)got;
		    *p != '\0'; p++)
			ck_assert_msg(*p >= 0x20 && *p < 0x7f,
			    "byte %02x escaped to a raw %02x", c, *p);
		free(got);
	}
}
END_TEST

START_TEST(utf8_decoder)
{
	uint32_t cp = 0;

	ck_assert_int_eq(utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'A');
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80",
	    4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xf0\x9f\x98",
	    3, &cp), 0);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"\xe0\x80\x80",
	    3, &cp), 0);
	ck_assert_int_eq(utf8_decode((const unsigned char *)"", 0, &cp), 0);
}
END_TEST

/* Columns on a terminal: wide characters two, colour sequences none. */
START_TEST(text_width_counts_columns)
{
	ck_assert_uint_eq(textwidth_columns(""), 0);
	ck_assert_uint_eq(textwidth_columns("/var/log"), 8);
	ck_assert_uint_eq(textwidth_columns("caf\xc3\xa9"), 4);
	ck_assert_uint_eq(textwidth_columns("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	ck_assert_uint_eq(textwidth_columns("e\xcc\x81"), 1);
	ck_assert_uint_eq(textwidth_columns("\033[33mok\033[0m"), 2);
	ck_assert_uint_eq(textwidth_columns("\xf0\x9f\x98\x80!"), 3);
}
END_TEST

/* Cuts fall between characters, never inside one. */
START_TEST(text_width_cuts_between_characters)
{
	const char *s = "ab\xe6\x97\xa5" "cd";

	ck_assert_uint_eq(textwidth_head(s, 0), 0);
	ck_assert_uint_eq(textwidth_head(s, 2), 2);
	ck_assert_uint_eq(textwidth_head(s, 3), 2);	/* no half of a wide one */
	ck_assert_uint_eq(textwidth_head(s, 4), 5);
	ck_assert_uint_eq(textwidth_head(s, 99), strlen(s));
	ck_assert_uint_eq(textwidth_tail(s, 2), 5);
	ck_assert_uint_eq(textwidth_tail(s, 3), 5);
	ck_assert_uint_eq(textwidth_tail(s, 4), 2);
	ck_assert_uint_eq(textwidth_tail(s, 99), 0);
	ck_assert_uint_eq(textwidth_tail("/a/b/file.txt", 8), 5);
	/* A colour sequence is kept whole or not at all. */
	ck_assert_uint_eq(textwidth_head("\033[31mred", 2), 7);
	/* A combining mark stays with its letter. */
	ck_assert_uint_eq(textwidth_tail("xe\xcc\x81", 1), 1);
	ck_assert_uint_eq(textwidth_head("e\xcc\x81x", 1), 3);
}
END_TEST

static void
expect_duration(double seconds, const char *want)
{
	char buf[32];

	ck_assert_str_eq(output_duration(buf, sizeof(buf), seconds), want);
}

/* Durations as people read them, to the two largest units, rounded. */
START_TEST(durations_read_as_durations)
{
	expect_duration(0, "0s");
	expect_duration(45, "45s");
	expect_duration(59.6, "1m");
	expect_duration(90, "1m30s");
	expect_duration(10019, "2h47m");
	expect_duration(3599.6, "1h");
	expect_duration(7200, "2h");
	expect_duration(3 * 86400 + 4 * 3600 + 120, "3d4h");
	expect_duration(3650.0 * 86400, "3650d");
	expect_duration(-1, "?");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("terminal");
	tcase_leak_check(tc);

	tcase_add_test(tc, plain_text_unchanged);
	tcase_add_test(tc, controls_escaped);
	tcase_add_test(tc, invalid_utf8_escaped);
	tcase_add_test(tc, non_utf8_terminal);
	tcase_add_test(tc, output_is_safe_for_any_byte);
	tcase_add_test(tc, utf8_decoder);
	tcase_add_test(tc, text_width_counts_columns);
	tcase_add_test(tc, text_width_cuts_between_characters);
	tcase_add_test(tc, durations_read_as_durations);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
