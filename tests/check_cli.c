/*
 * The command line through the real binary: every bad input gives one
 * line on stderr naming the argument and a hint, exit 3, and nothing on
 * stdout.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "testutil.h"

/* The arguments as one line, for messages. */
static const char *
args_text(const char *const *args)
{
	static char text[256];
	size_t len = 0;

	text[0] = '\0';
	for (; *args != NULL && len < sizeof(text); args++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s\"%s\"", len > 0 ? " " : "", *args);
	return text;
}

static void
expect_error_status(const char *const *args, const char *named, int status)
{
	const char *what = args_text(args);
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == status, "%s: exit %d", what, r.status);
	ck_assert_msg(r.out_len == 0, "%s: stdout not empty: %s", what,
	    r.out);
	ck_assert_msg(count_lines(r.err) == 1, "%s: stderr is %d lines: %s",
	    what, count_lines(r.err), r.err);
	ck_assert_msg(strstr(r.err, named) != NULL, "%s: stderr does not "
	    "name \"%s\": %s", what, named, r.err);
	ck_assert_msg(strstr(r.err, "--help") != NULL, "%s: no hint: %s",
	    what, r.err);
	ck_assert(strncmp(r.err, "fdaudit", 7) == 0);
	run_result_free(&r);
}

static void
expect_usage_error(const char *const *args, const char *named)
{
	expect_error_status(args, named, 3);
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
/* The error says which words exist. */
USAGE_ERROR(type_unknown_lists_words, "fifo, socket, eventfd", "-t", "x", "1")
USAGE_ERROR(type_unknown_lists_kinds, "pipe, reg, tcp, udp, unix, netlink",
    "-t", "x", "1")
USAGE_ERROR(missing_argument, "-w", "1", "-w")
USAGE_ERROR(no_pid, "no PID", "-s")
/* An option that would do nothing where it is given is an error. */
USAGE_ERROR(descriptors_without_all, "-d does nothing", "-d", "1")
USAGE_ERROR(top_without_all, "--top does nothing", "--top", "3", "1")
USAGE_ERROR(leak_runs_without_state, "--leak-runs does nothing",
    "--leak-runs", "3", "1")
USAGE_ERROR(horizon_without_state, "--horizon does nothing", "--horizon",
    "1h", "1")
USAGE_ERROR(min_span_without_state, "--min-span does nothing",
    "--min-span", "1h", "1")
USAGE_ERROR(pid_label_without_prometheus, "--pid-label does nothing",
    "--pid-label", "-a")
USAGE_ERROR(no_peers_with_all, "--no-peers does nothing", "-a",
    "--no-peers")
USAGE_ERROR(long_with_summary, "-l does nothing", "-s", "-l", "1")
USAGE_ERROR(summary_of_all_rows, "-s does nothing", "-a", "-s")
USAGE_ERROR(recursive_without_path, "-r does nothing", "-r", "1")
/* Columns and order of the --all rows. */
USAGE_ERROR(column_unknown, "\"size\"", "-a", "--columns", "pid,size")
USAGE_ERROR(column_empty, "\"\"", "-a", "--columns", "pid,,open")
USAGE_ERROR(sort_unknown, "\"fds\"", "-a", "--sort", "fds")
USAGE_ERROR(columns_without_all, "--columns does nothing", "--columns",
    "pid", "1")
USAGE_ERROR(columns_in_json, "--columns does nothing", "-a", "-j",
    "--columns", "pid")
USAGE_ERROR(sort_without_all, "--sort does nothing", "--sort", "pid", "1")
USAGE_ERROR(by_without_all, "--by does nothing", "--by", "unit", "1")
USAGE_ERROR(by_in_json, "--by does nothing", "-a", "-j", "--by", "unit")
USAGE_ERROR(columns_by_unit, "--columns does nothing with --by unit", "-a",
    "--by", "unit", "--columns", "pid")
USAGE_ERROR(sort_by_unit, "--sort does nothing with --by unit", "-a",
    "--by", "unit", "--sort", "pid")
USAGE_ERROR(no_heading_in_json, "--no-heading does nothing", "--port",
    "80", "-j", "--no-heading")
/* Who holds a file or a port: what is given wrong is named. */
USAGE_ERROR(path_without_files, "--path needs", "--path")
USAGE_ERROR(path_with_all, "-a does nothing", "-a", "--path", "x")
USAGE_ERROR(path_with_pid_option, "-p does nothing", "-p", "1", "--path",
    "x")
USAGE_ERROR(port_with_state, "--state does nothing", "--port", "80",
    "--state", "x")
USAGE_ERROR(port_not_a_number, "\"http\"", "--port", "http")
USAGE_ERROR(port_zero, "\"0\"", "--port", "0")
USAGE_ERROR(port_too_large, "\"65536\"", "--port", "65536")
USAGE_ERROR(port_ipv6_without_brackets, "\"::1:80\"", "--port", "::1:80")
USAGE_ERROR(port_address_invalid, "--port", "--port", "1.2.3:80")
USAGE_ERROR(port_with_pids, "PIDs and --port", "--port", "80", "1")
USAGE_ERROR(port_as_prometheus, "prometheus", "-f", "prometheus",
    "--port", "80")

/*
 * Every numeric option and operand, each given a number out of its
 * range, a negative one, one with trailing junk, one that overflows a
 * long long and an empty one.  The option goes where `value' is marked
 * in its arguments; fdaudit run reports errors with its own status.
 */
struct numeric_option {
	const char	*args[6];	/* NULL-ended; VALUE is the number */
	const char	*named;		/* what the message must name */
	const char	*out_of_range;
	int		 status;
};

static const char VALUE[] = "value";

static const struct numeric_option numeric_options[] = {
	{ { "-c", VALUE, "1" }, "-c \"", "101", 3 },
	{ { "--crit", VALUE, "1" }, "-c \"", "101", 3 },
	{ { "-w", VALUE, "1" }, "-w \"", "101", 3 },
	{ { "-p", VALUE }, "-p \"", "0", 3 },
	{ { "--", VALUE }, "PID \"", "2147483648", 3 },
	{ { "-a", "--top", VALUE }, "--top \"", "0", 3 },
	{ { "--leak-runs", VALUE, "1" }, "--leak-runs \"", "16", 3 },
	{ { "--horizon", VALUE, "1" }, "--horizon \"", "3651d", 3 },
	{ { "watch", "-i", VALUE, "1" }, "-i \"", "3601", 3 },
	{ { "watch", "-n", VALUE, "1" }, "-n \"", "0", 3 },
	{ { "watch", "--", VALUE }, "PID \"", "0", 3 },
	{ { "run", "--ignore-fd", VALUE, "--", "true" }, "--ignore-fd \"",
	    "2147483648", 125 },
	{ { "run", "--leak-exitcode", VALUE, "--", "true" },
	    "--leak-exitcode \"", "256", 125 },
	{ { "run", "--threshold", VALUE, "--", "true" }, "--threshold \"",
	    "0", 125 },
};

START_TEST(numeric_options_checked)
{
	const struct numeric_option *o = &numeric_options[_i];
	const char *const values[] = { o->out_of_range, "-5", "5x",
	    "99999999999999999999999", "" };
	const char *args[8];

	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		size_t n = 0;

		for (size_t i = 0; o->args[i] != NULL; i++)
			args[n++] = o->args[i] == VALUE ? values[v] :
			    o->args[i];
		args[n] = NULL;
		expect_error_status(args, o->named, o->status);
	}
}
END_TEST

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
	tcase_add_test(tc, type_unknown_lists_words);
	tcase_add_test(tc, type_unknown_lists_kinds);
	tcase_add_test(tc, missing_argument);
	tcase_add_test(tc, no_pid);
	tcase_add_test(tc, descriptors_without_all);
	tcase_add_test(tc, column_unknown);
	tcase_add_test(tc, column_empty);
	tcase_add_test(tc, sort_unknown);
	tcase_add_test(tc, columns_without_all);
	tcase_add_test(tc, columns_in_json);
	tcase_add_test(tc, sort_without_all);
	tcase_add_test(tc, no_heading_in_json);
	tcase_add_test(tc, top_without_all);
	tcase_add_test(tc, leak_runs_without_state);
	tcase_add_test(tc, horizon_without_state);
	tcase_add_test(tc, min_span_without_state);
	tcase_add_test(tc, pid_label_without_prometheus);
	tcase_add_test(tc, no_peers_with_all);
	tcase_add_test(tc, long_with_summary);
	tcase_add_test(tc, summary_of_all_rows);
	tcase_add_test(tc, recursive_without_path);
	tcase_add_test(tc, by_without_all);
	tcase_add_test(tc, by_in_json);
	tcase_add_test(tc, columns_by_unit);
	tcase_add_test(tc, sort_by_unit);
	tcase_add_test(tc, path_without_files);
	tcase_add_test(tc, path_with_all);
	tcase_add_test(tc, path_with_pid_option);
	tcase_add_test(tc, port_with_state);
	tcase_add_test(tc, port_not_a_number);
	tcase_add_test(tc, port_zero);
	tcase_add_test(tc, port_too_large);
	tcase_add_test(tc, port_ipv6_without_brackets);
	tcase_add_test(tc, port_address_invalid);
	tcase_add_test(tc, port_with_pids);
	tcase_add_test(tc, port_as_prometheus);
	tcase_add_loop_test(tc, numeric_options_checked, 0,
	    sizeof(numeric_options) / sizeof(numeric_options[0]));
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, usage_matches_manual);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
