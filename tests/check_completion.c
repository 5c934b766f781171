/*
 * The shell completions: the bash one loaded into a real bash and called
 * as bash calls it, with COMP_WORDS and COMP_CWORD set, and held to what
 * the binary itself accepts (its options, its -t words, its columns);
 * the zsh one parsed by zsh where zsh is installed.
 */
#include <sys/wait.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "testutil.h"

#define BASH_COMPLETION	"src/completion/fdaudit.bash"
#define ZSH_COMPLETION	"src/completion/_fdaudit"

static const char *
fdaudit_path(void)
{
	return getenv("FDAUDIT") != NULL ? getenv("FDAUDIT") : "./fdaudit";
}

/* What a program prints on its standard output; the caller frees it. */
static char *
output_of(const char *const *argv)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	int p[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *grown = realloc(out, cap *= 2);

			ck_assert_ptr_nonnull(grown);
			out = grown;
		}
	}
	close(p[0]);
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s failed: %s", argv[0], out);
	return out;
}

/*
 * The candidates the completion offers for the command line `words'
 * (NULL-ended, the binary first), the last word being completed: one a
 * line, each followed by a newline.
 */
static char *
complete(const char *const *words)
{
	static const char script[] =
	    ". " BASH_COMPLETION " || exit 1\n"
	    "COMP_WORDS=(\"$@\")\n"
	    "COMP_CWORD=$(($# - 1))\n"
	    "_fdaudit\n"
	    "for c in \"${COMPREPLY[@]}\"; do printf '%s\\n' \"$c\"; done\n";
	const char *argv[32];
	size_t n = 0;

	argv[n++] = "bash";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = "bash";
	argv[n++] = fdaudit_path();
	for (; *words != NULL && n < 31; words++)
		argv[n++] = *words;
	argv[n] = NULL;
	return output_of(argv);
}

/* Whether `line' is one of the lines of `list'. */
static bool
has_line(const char *list, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = list; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, line, len) == 0 && p[len] == '\n')
			return true;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return false;
}

static int
line_count(const char *list)
{
	int n = 0;

	for (; *list != '\0'; list++)
		n += *list == '\n';
	return n;
}

START_TEST(bash_registers_the_function)
{
	const char *const argv[] = { "bash", "-c", ". " BASH_COMPLETION
	    " && complete -p fdaudit", NULL };
	char *out = output_of(argv);

	ck_assert_msg(strstr(out, "-F _fdaudit") != NULL, "%s", out);
	ck_assert_msg(strstr(out, " fdaudit\n") != NULL, "%s", out);
	free(out);
}
END_TEST

/* Every long option --help names is offered after "--". */
START_TEST(bash_offers_every_option)
{
	const char *const help_argv[] = { fdaudit_path(), "--help", NULL };
	char *help = output_of(help_argv), *offered, *p;
	const char *words[] = { "--", NULL };
	regmatch_t m;
	regex_t re;
	int checked = 0;

	offered = complete(words);
	ck_assert_int_eq(regcomp(&re, "--[a-z][a-z-]*", REG_EXTENDED), 0);
	/* The option list, after the synopsis (which names run's too). */
	ck_assert_ptr_nonnull(p = strstr(help, "\n\n"));
	for (; regexec(&re, p, 1, &m, 0) == 0; p += m.rm_eo) {
		char option[64];

		snprintf(option, sizeof(option), "%.*s",
		    (int)(m.rm_eo - m.rm_so), p + m.rm_so);
		ck_assert_msg(has_line(offered, option), "%s is not offered",
		    option);
		checked++;
	}
	ck_assert_int_ge(checked, 25);
	regfree(&re);
	free(help);
	free(offered);
}
END_TEST

/*
 * -t offers exactly the words the binary takes, as its error lists them,
 * and completes the last item of a list.
 */
START_TEST(bash_type_words_are_the_binarys)
{
	const char *all[] = { "-t", "", NULL };
	const char *listed[] = { "-t", "file,time", NULL };
	struct run_result r;
	char *offered, *list, *word, *rest;
	int n = 0;

	ck_assert_int_eq(run_fdaudit(&r, NULL, (const char *const[]){ "-t",
	    "no-such-type", "1", NULL }), 0);
	ck_assert_ptr_nonnull(list = strstr(r.err, "use "));
	list += 4;
	list[strcspn(list, "(")] = '\0';
	offered = complete(all);
	for (rest = list; (word = strsep(&rest, ", ")) != NULL;) {
		if (*word == '\0')
			continue;
		ck_assert_msg(has_line(offered, word), "-t %s is not offered",
		    word);
		n++;
	}
	ck_assert_int_eq(line_count(offered), n);
	free(offered);
	run_result_free(&r);
	offered = complete(listed);
	ck_assert_str_eq(offered, "file,timerfd\n");
	free(offered);
}
END_TEST

/* --columns offers the names --list-columns prints, item by item. */
START_TEST(bash_columns_from_the_binary)
{
	const char *words[] = { "-a", "--columns", "pid,ha", NULL };
	const char *sort[] = { "-a", "--sort", "", NULL };
	char *offered = complete(words);

	ck_assert_str_eq(offered, "pid,hard\n");
	free(offered);
	offered = complete(sort);
	ck_assert_int_eq(line_count(offered), 5);
	ck_assert(has_line(offered, "usage") && has_line(offered, "user"));
	free(offered);
}
END_TEST

/*
 * A PID completes from its digits, and from the command name of its
 * process; the first word also offers the subcommands.
 */
START_TEST(bash_pids_by_number_and_name)
{
	const char *extra[] = { "-N", "complname", NULL };
	const char *by_name[] = { "compln", NULL };
	const char *by_option[] = { "-p", "compln", NULL };
	const char *by_number[] = { NULL, NULL };
	const char *watched[] = { "watch", "compln", NULL };
	const char *first[] = { "wat", NULL };
	struct holder h;
	char pid[16], *offered;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	snprintf(pid, sizeof(pid), "%d", (int)h.pid);
	offered = complete(by_name);
	ck_assert_msg(has_line(offered, pid) && line_count(offered) == 1,
	    "%s", offered);
	free(offered);
	offered = complete(by_option);
	ck_assert_msg(has_line(offered, pid), "%s", offered);
	free(offered);
	offered = complete(watched);
	ck_assert_msg(has_line(offered, pid), "%s", offered);
	free(offered);
	by_number[0] = pid;
	offered = complete(by_number);
	ck_assert_msg(has_line(offered, pid), "%s", offered);
	free(offered);
	offered = complete(first);
	ck_assert_msg(has_line(offered, "watch"), "%s", offered);
	free(offered);
	holder_stop(&h);
}
END_TEST

/* The subcommands complete their own options; --path completes files. */
START_TEST(bash_subcommands_and_files)
{
	const char *run[] = { "run", "--no-st", NULL };
	const char *watch[] = { "watch", "-", NULL };
	const char *path[] = { "--path", BASH_COMPLETION, NULL };
	char *offered;

	offered = complete(run);
	ck_assert_str_eq(offered, "--no-stacks\n");
	free(offered);
	offered = complete(watch);
	ck_assert(has_line(offered, "-i") && has_line(offered, "-n"));
	ck_assert(!has_line(offered, "--all"));
	free(offered);
	offered = complete(path);
	ck_assert(has_line(offered, BASH_COMPLETION));
	free(offered);
}
END_TEST

START_TEST(zsh_completion_parses)
{
	const char *const argv[] = { "zsh", "-n", ZSH_COMPLETION, NULL };
	char *out;

	if (!tool_found("zsh"))
		SKIP_TEST("zsh is not installed");
	out = output_of(argv);
	free(out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("completion");
	TCase *tc = tcase_create("completion");

	tcase_leak_check(tc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bash_registers_the_function);
	tcase_add_test(tc, bash_offers_every_option);
	tcase_add_test(tc, bash_type_words_are_the_binarys);
	tcase_add_test(tc, bash_columns_from_the_binary);
	tcase_add_test(tc, bash_pids_by_number_and_name);
	tcase_add_test(tc, bash_subcommands_and_files);
	tcase_add_test(tc, zsh_completion_parses);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
