/*
 * The command line through the real binary: every bad input gives one
 * line on stderr naming the argument and a hint, exit 3, and nothing on
 * stdout.
 */
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "testutil.h"

static void
expect_usage_error(const char *const *args, const char *named)
{
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 3, "%s: exit %d", args[0], r.status);
	ck_assert_msg(r.out_len == 0, "%s: stdout not empty: %s", args[0],
	    r.out);
	ck_assert_msg(count_lines(r.err) == 1, "%s: stderr is %d lines: %s",
	    args[0], count_lines(r.err), r.err);
	ck_assert_msg(strstr(r.err, named) != NULL, "stderr does not name "
	    "\"%s\": %s", named, r.err);
	ck_assert_msg(strstr(r.err, "--help") != NULL, "no hint: %s", r.err);
	ck_assert(strncmp(r.err, "fdaudit: ", 9) == 0);
	run_result_free(&r);
}

#define USAGE_ERROR(name, named, ...)				\
START_TEST(name)						\
{								\
	static const char *const args[] = { __VA_ARGS__, NULL };\
								\
	expect_usage_error(args, named);			\
}								\
END_TEST

USAGE_ERROR(pid_not_a_number, "\"abc\"", "abc")
USAGE_ERROR(pid_negative, "\"-5\"", "--", "-5")
USAGE_ERROR(pid_zero, "\"0\"", "0")
USAGE_ERROR(pid_too_large, "\"99999999999\"", "99999999999")
USAGE_ERROR(pid_option_bad, "\"x1\"", "-p", "x1")
USAGE_ERROR(unknown_short_option, "-y", "-y", "1")
USAGE_ERROR(unknown_long_option, "--bogus", "--bogus", "1")
USAGE_ERROR(warn_too_large, "\"120\"", "-w", "120", "1")
USAGE_ERROR(crit_not_a_number, "\"lots\"", "-c", "lots", "1")
USAGE_ERROR(warn_above_crit, "90%", "-w", "90", "-c", "80", "1")
USAGE_ERROR(format_unknown, "\"xml\"", "-f", "xml", "1")
USAGE_ERROR(type_unknown, "\"sock\"", "-t", "file,sock", "1")
USAGE_ERROR(missing_argument, "-w", "1", "-w")
USAGE_ERROR(no_pid, "no PID", "-s")

START_TEST(help_and_version)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const version[] = { "-V", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, help), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert(strncmp(r.out, "usage: fdaudit ", 15) == 0);
	ck_assert_uint_eq(r.err_len, 0);
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, version), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "fdaudit " FDAUDIT_VERSION "\n");
	run_result_free(&r);
}
END_TEST

/* Runs of white space become one space; leading and trailing go. */
static void
squeeze(char *s)
{
	char *o = s;
	bool space = true;

	for (char *p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t') {
			if (!space)
				*o++ = ' ';
			space = true;
		} else {
			*o++ = *p;
			space = false;
		}
	}
	if (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

/* The synopsis in the manual and the one usage() prints are the same. */
START_TEST(usage_matches_manual)
{
	struct run_result r;
	char man[4096], *usage, *end;
	FILE *p;
	size_t n;

	p = popen("mandoc -Tascii -Owidth=300 man/fdaudit.1 | "
	    "sed 's/.\\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | "
	    "sed '1d;$d'", "r");
	ck_assert_ptr_nonnull(p);
	n = fread(man, 1, sizeof(man) - 1, p);
	man[n] = '\0';
	pclose(p);
	squeeze(man);
	/* usage() itself, as --help prints it before the option list. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, (const char *const[]){ "-h",
	    NULL }), 0);
	usage = r.out + strlen("usage: ");
	if ((end = strstr(usage, "\n\n")) != NULL)
		*end = '\0';
	squeeze(usage);
	ck_assert_msg(strlen(man) > 40 && strcmp(man, usage) == 0,
	    "synopsis differs:\nman:   %s\nusage: %s", man, usage);
	run_result_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("arguments");
	tcase_leak_check(tc);

	tcase_add_test(tc, pid_not_a_number);
	tcase_add_test(tc, pid_negative);
	tcase_add_test(tc, pid_zero);
	tcase_add_test(tc, pid_too_large);
	tcase_add_test(tc, pid_option_bad);
	tcase_add_test(tc, unknown_short_option);
	tcase_add_test(tc, unknown_long_option);
	tcase_add_test(tc, warn_too_large);
	tcase_add_test(tc, crit_not_a_number);
	tcase_add_test(tc, warn_above_crit);
	tcase_add_test(tc, format_unknown);
	tcase_add_test(tc, type_unknown);
	tcase_add_test(tc, missing_argument);
	tcase_add_test(tc, no_pid);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, usage_matches_manual);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
