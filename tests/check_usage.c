/*
 * Unit tests of the usage errors every command shares (src/cli.c): the
 * message, the exit status, and the plugin line for a monitoring system.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "testutil.h"

struct captured {
	char	 out[512];
	char	 err[512];
	int	 status;
};

static void
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
}

/* Call cli_usage_error in a child, with its stdout and stderr caught. */
static void
capture(const struct cli *cli, const char *what, struct captured *c)
{
	int out[2], err[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	if ((pid = fork()) == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		cli_usage_error(cli, "%s \"%s\"", "unknown option", what);
	}
	ck_assert_int_gt(pid, 0);
	close(out[1]);
	close(err[1]);
	read_all(out[0], c->out, sizeof(c->out));
	read_all(err[0], c->err, sizeof(c->err));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	c->status = WEXITSTATUS(status);
}

START_TEST(one_line_and_the_commands_status)
{
	const struct cli run = { "fdaudit run", "fdaudit run --help", 125,
	    false };
	struct captured c;

	capture(&run, "-x", &c);
	ck_assert_str_eq(c.err, "fdaudit run: unknown option \"-x\" (see "
	    "'fdaudit run --help')\n");
	ck_assert_str_eq(c.out, "");
	ck_assert_int_eq(c.status, 125);
}
END_TEST

START_TEST(plugin_line_cannot_start_perfdata)
{
	const struct cli main_cli = { "fdaudit", "fdaudit --help", 3, true };
	struct captured c;

	capture(&main_cli, "a|b\nc", &c);
	ck_assert_str_eq(c.err, "fdaudit: unknown option \"a|b\nc\" (see "
	    "'fdaudit --help')\n");
	ck_assert_str_eq(c.out, "FDAUDIT UNKNOWN - unknown option \"a/b/c\"\n");
	ck_assert_int_eq(c.status, 3);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("usage");
	TCase *tc = tcase_create("errors");

	tcase_add_test(tc, one_line_and_the_commands_status);
	tcase_add_test(tc, plugin_line_cannot_start_perfdata);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
