/*
 * Integration tests of the health-check side: --all and its filters,
 * the Nagios and Prometheus formats, -o, the state file and watch mode,
 * on real helper processes.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdaudit.h"
#include "jsonparse.h"
#include "reportutil.h"
#include "testutil.h"

static bool
matches(const char *pattern, const char *text)
{
	regex_t re;
	bool ok;

	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

START_TEST(all_lists_every_process_cheaply)
{
	const char *args[] = { "-a", "-j", NULL };
	const struct jv *procs, *proc, *sys;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	doc = report_parse(&r);
	procs = jv_get(doc, "processes");
	ck_assert_uint_gt(procs->count, 2);
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_str_eq(jv_str(proc, "command"), "fdholder");
	ck_assert_uint_eq((size_t)jv_num(proc, "open"), h.nfds + 3);
	ck_assert_ptr_null(jv_get(proc, "fds"));
	ck_assert(jv_is(proc, "inheritable", JV_NULL));
	/* Highest usage first. */
	for (size_t i = 1; i < procs->count; i++) {
		const struct jv *a = jv_get(jv_at(procs, i - 1), "usage");
		const struct jv *b = jv_get(jv_at(procs, i), "usage");

		if (a->type == JV_NUMBER && b->type == JV_NUMBER)
			ck_assert(a->number >= b->number);
		else
			ck_assert(b->type == JV_NULL);
	}
	sys = jv_get(doc, "system");
	ck_assert(jv_num(sys, "files_allocated") > 0);
	ck_assert(jv_num(sys, "files_max") >= jv_num(sys,
	    "files_allocated"));
	ck_assert(jv_num(sys, "nr_open") >= 1024);
	ck_assert(jv_is(doc, "unreadable", JV_NUMBER));
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

START_TEST(all_with_descriptors_and_filters)
{
	const char *args[] = { "-C", "fdholder", "-d", "-j", NULL };
	const char *top[] = { "-a", "--top", "2", "-j", NULL };
	const char *nobody[] = { "-u", "no-such-user-here", NULL };
	const struct jv *procs, *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	doc = report_parse(&r);
	procs = jv_get(doc, "processes");
	for (size_t i = 0; i < procs->count; i++)
		ck_assert_str_eq(jv_str(jv_at(procs, i), "command"),
		    "fdholder");
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_uint_eq(jv_get(proc, "fds")->count, h.nfds + 3);
	ck_assert(jv_num(proc, "inheritable") >= 6);
	jv_free(doc);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, NULL, top), 0);
	doc = report_parse(&r);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 2);
	jv_free(doc);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, NULL, nobody), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "unknown user \"no-such-user-here\"") !=
	    NULL, "%s", r.err);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* Whether fdaudit -C `pattern' -j lists the process pid. */
static bool
command_selects(const char *pattern, pid_t pid)
{
	const char *args[] = { "-C", pattern, "-j", NULL };
	struct run_result r;
	struct jv *doc;
	bool found;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	doc = report_parse(&r);
	found = report_process(doc, pid) != NULL;
	jv_free(doc);
	run_result_free(&r);
	return found;
}

/*
 * -C as people type it: the whole name of a program although the kernel
 * keeps 15 bytes of it, its start, or a glob.
 */
START_TEST(command_matches_long_names_prefixes_and_globs)
{
	static const char *const extra[] = { "-N", "fdholder-a-long-name",
	    NULL };
	struct holder h;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	ck_assert(command_selects("fdholder-a-long-name", h.pid));
	ck_assert(command_selects("fdholder-a-long", h.pid));
	ck_assert(command_selects("fdholder-a", h.pid));
	ck_assert(command_selects("fdholder-a-*", h.pid));
	ck_assert(command_selects("*-long", h.pid));
	ck_assert(!command_selects("fdholder-b", h.pid));
	ck_assert(!command_selects("fdholder-a-short-name", h.pid));
	ck_assert(!command_selects("*-name", h.pid));
	holder_stop(&h);
}
END_TEST

/*
 * The plugin guidelines: "STATUS - text | 'label'=value;warn;crit;min;max"
 * with one item on the first line, then long text lines, then the other
 * items after a "| ", one a line.
 */
#define NAGIOS_ITEM "'[^'=]+'=[0-9]+;[@~:0-9]*;[@~:0-9]*;[0-9]*;[0-9]*"
static const char nagios_line[] =
    "^FDAUDIT (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+"
    "( \\| " NAGIOS_ITEM ")?(\n[^|\n]+)*"
    "(\n\\| " NAGIOS_ITEM "(\n" NAGIOS_ITEM ")*)?\n$";

START_TEST(nagios_format_and_exit_codes)
{
	const char *const critical[] = { "-l", "64", "-n", "62", "-N",
	    "ev|l'=\"x", NULL };
	const char *args[] = { "-f", "nagios", NULL, NULL };
	const char *by_name[] = { "-f", "nagios", "-C", "ev|l'=\"x", NULL };
	struct run_result r;
	struct holder h, ok;

	ck_assert_int_eq(holder_start(&h, critical), 0);
	ck_assert_int_eq(holder_start(&ok, NULL), 0);
	args[2] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "FDAUDIT CRITICAL - 1 of 1 "));
	ck_assert(matches("=62;51;60;0;64\n", r.out));
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, NULL, by_name), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	run_result_free(&r);

	args[2] = pid_text(ok.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert(matches("^FDAUDIT OK - 1 process within -w 80", r.out));
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	run_result_free(&r);

	/* No process to check: the line says UNKNOWN, as the status does. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, (const char *const[]){ "-f",
	    "nagios", "-C", "no-such-command", NULL }), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_str_eq(r.out, "FDAUDIT UNKNOWN - no process matches\n");
	run_result_free(&r);

	args[2] = "4194304";
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert(matches("^FDAUDIT UNKNOWN - PID 4194304: no such process\n$",
	    r.out));
	run_result_free(&r);
	holder_stop(&h);
	holder_stop(&ok);
}
END_TEST

/* Samples of one family stand together, after its HELP and TYPE. */
static void
prometheus_check(const char *text, const char *hostile)
{
	char *copy = strdup(text), *line, *save = NULL;
	char family[128] = "", done[64][128];
	size_t ndone = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (strncmp(line, "# HELP ", 7) == 0) {
			sscanf(line + 7, "%127s", family);
			for (size_t i = 0; i < ndone; i++)
				ck_assert_msg(strcmp(done[i], family) != 0,
				    "family %s split", family);
			if (ndone < 64)
				strcpy(done[ndone++], family);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert(matches("^# TYPE [a-z_]+ gauge$", line));
			continue;
		}
		ck_assert_msg(matches("^[a-z_]+(\\{([a-z]+=\"([^\"\\\\]|"
		    "\\\\[\\\\\"n])*\",?)+\\})? [-+0-9.eInf]+$", line),
		    "bad sample: %s", line);
		sscanf(line, "%127[a-z_]", name);
		ck_assert_msg(strcmp(name, family) == 0, "%s outside its "
		    "family %s", name, family);
	}
	if (hostile != NULL)
		ck_assert_ptr_nonnull(strstr(text, hostile));
	free(copy);
}

static char *
file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Run a program, its output thrown into a scratch file; its exit code. */
static int
program_status(const char *const *argv)
{
	char scratch[] = "/tmp/fdaudit-check-XXXXXX";
	int fd = mkstemp(scratch), status;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	unlink(scratch);
	if ((pid = fork()) == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(fd);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The count fdaudit reports for `pid', from its Nagios perfdata. */
static long
nagios_open_count(pid_t pid, const char *label)
{
	const char *args[] = { "-f", "nagios", NULL, NULL };
	char want[64];
	struct run_result r;
	const char *at;
	long open;

	args[2] = pid_text(pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	snprintf(want, sizeof(want), "'%s'=", label);
	at = strstr(r.out, want);
	ck_assert_msg(at != NULL, "no %s in %s", want, r.out);
	open = strtol(at + strlen(want), NULL, 10);
	run_result_free(&r);
	return open;
}

#define CHECK_PROCS "/usr/lib/nagios/plugins/check_procs"

static void
range_text(char *buf, size_t size, const char *lead, int a,
    const char *after, bool two, int b)
{
	if (two)
		snprintf(buf, size, "%s%d%s%d", lead, a, after, b);
	else
		snprintf(buf, size, "%s%d%s", lead, a, after);
}

/*
 * check_procs reads its ranges with the monitoring-plugins library: each
 * range, placed around the value each program sees (fdaudit: the open
 * count; check_procs: the number of helpers), must give both the same
 * verdict.
 */
START_TEST(nagios_ranges_as_check_procs)
{
	/* lead, first bound, after it, whether a second bound, second. */
	static const struct {
		const char	*lead;
		int		 a;
		const char	*after;
		bool		 two;
		int		 b;
	} ranges[] = {
		{ "", 0, "", false, 0 }, { "", -1, "", false, 0 },
		{ "", 0, ":", false, 0 }, { "", 1, ":", false, 0 },
		{ "~:", -1, "", false, 0 }, { "~:", 0, "", false, 0 },
		{ ":", -1, "", false, 0 }, { "", -1, ":", true, 1 },
		{ "", 1, ":", true, 2 }, { "@", -1, ":", true, 1 },
		{ "@", 1, ":", true, 2 }, { "@", 0, "", false, 0 },
		{ "@", -1, "", false, 0 },
	};
	const char *const named[] = { "-N", "rngcmp", NULL };
	const char *mine[] = { "-f", "nagios", "--warn-count", NULL, "-w",
	    "100", "-c", "100", NULL, NULL };
	const char *theirs[] = { CHECK_PROCS, "-C", "rngcmp", "-w", NULL,
	    "-c", "~:", NULL };
	struct holder h[3];
	struct run_result r;
	long open;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(holder_start(&h[i], named), 0);
	open = nagios_open_count(h[0].pid, "rngcmp");
	mine[8] = pid_text(h[0].pid);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		char for_mine[32], for_theirs[32];
		int expected;

		range_text(for_mine, sizeof(for_mine), ranges[i].lead,
		    (int)open + ranges[i].a, ranges[i].after, ranges[i].two,
		    (int)open + ranges[i].b);
		range_text(for_theirs, sizeof(for_theirs), ranges[i].lead,
		    3 + ranges[i].a, ranges[i].after, ranges[i].two,
		    3 + ranges[i].b);
		theirs[4] = for_theirs;
		expected = program_status(theirs);
		ck_assert_msg(expected == 0 || expected == 1,
		    "check_procs -w %s: exit %d", for_theirs, expected);
		mine[3] = for_mine;
		ck_assert_int_eq(run_fdaudit(&r, NULL, mine), 0);
		ck_assert_msg(r.status == expected, "--warn-count %s: exit %d, "
		    "check_procs -w %s: exit %d\n%s%s", for_mine, r.status,
		    for_theirs, expected, r.out, r.err);
		run_result_free(&r);
	}
	for (int i = 0; i < 3; i++)
		holder_stop(&h[i]);
}
END_TEST

/* A plain -w N alerts above N percent, not at it. */
START_TEST(nagios_warns_above_not_at)
{
	const char *const extra[] = { "-l", "100", "-n", "40", NULL };
	const char *args[] = { "-f", "nagios", "-w", NULL, NULL, NULL };
	char at[24], below[24];
	struct run_result r;
	struct holder h;
	long open;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	open = nagios_open_count(h.pid, "fdholder");
	snprintf(at, sizeof(at), "%ld", open);
	snprintf(below, sizeof(below), "%ld", open - 1);
	args[4] = pid_text(h.pid);
	args[3] = at;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 0, "-w %s: %s", at, r.out);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	/* The perfdata threshold says the same: alert above the count. */
	ck_assert_msg(strstr(r.out, "=") != NULL && matches(";0;100\n$",
	    r.out), "%s", r.out);
	run_result_free(&r);
	args[3] = below;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 1, "-w %s: %s", below, r.out);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* Usage errors still answer Nagios: one UNKNOWN line on stdout, exit 3. */
START_TEST(nagios_usage_error_on_stdout)
{
	const char *const before[] = { "-f", "nagios", "-w", "lots", "1",
	    NULL };
	const char *const after[] = { "--bogus", "--format=nagios", "1",
	    NULL };
	const char *const piped[] = { "-fnagios", "-c", "x|y", "1", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, before), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(matches("^FDAUDIT UNKNOWN - [^\n]*\"lots\"[^\n]*\n$",
	    r.out), "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.err, "lots"));
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, after), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(matches("^FDAUDIT UNKNOWN - [^\n]*--bogus[^\n]*\n$",
	    r.out), "%s", r.out);
	run_result_free(&r);
	/* A "|" would start performance data. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, piped), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(matches("^FDAUDIT UNKNOWN - [^|\n]*\n$", r.out), "%s",
	    r.out);
	run_result_free(&r);
}
END_TEST

/*
 * The perfdata label is the command, the same after a restart, one per
 * command however many processes run it; the first line carries one
 * item and names few processes, the others follow.
 */
START_TEST(nagios_labels_survive_restart)
{
	const char *const hot[] = { "-l", "64", "-n", "62", "-N", "lblhot",
	    NULL };
	const char *const warm[] = { "-l", "64", "-n", "58", "-N", "lblwarm",
	    NULL };
	const char *args[] = { "-f", "nagios", "-C", "lblhot", NULL };
	const char *const both[] = { "-f", "nagios", "-a", NULL };
	struct holder h[3];
	struct run_result r;
	char *first;
	const char *nl;

	ck_assert_int_eq(holder_start(&h[0], hot), 0);
	ck_assert_int_eq(holder_start(&h[1], hot), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	first = strdup(strstr(r.out, "'lblhot'="));
	ck_assert_ptr_nonnull(first);
	/* Two processes, one label. */
	ck_assert_ptr_null(strstr(strstr(r.out, "'lblhot'=") + 1,
	    "'lblhot'="));
	run_result_free(&r);
	holder_stop(&h[0]);
	holder_stop(&h[1]);
	ck_assert_int_eq(holder_start(&h[0], hot), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "'lblhot'="));
	ck_assert_int_eq(strncmp(strstr(r.out, "'lblhot'="), first,
	    strcspn(first, "\n") + 1), 0);
	free(first);
	run_result_free(&r);

	ck_assert_int_eq(holder_start(&h[1], warm), 0);
	ck_assert_int_eq(holder_start(&h[2], warm), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, both), 0);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	nl = strchr(r.out, '\n');
	/* One item on the first line; each process in trouble below. */
	ck_assert_int_eq(count_lines(r.out) > 4, 1);
	ck_assert_msg(matches("^[^\n]*\\| '[^'\n]*'=[^ \n]*\n", r.out),
	    "%s", r.out);
	ck_assert_ptr_nonnull(strstr(nl, "\ncritical: lblhot["));
	ck_assert_ptr_nonnull(strstr(nl, "\nwarning: lblwarm["));
	ck_assert_ptr_nonnull(strstr(nl, "\n| '"));
	run_result_free(&r);
	for (int i = 0; i < 3; i++)
		holder_stop(&h[i]);
}
END_TEST

START_TEST(prometheus_to_file_atomically)
{
	const char *const extra[] = { "-N", "a\"b\\c\nd", NULL };
	const char *args[] = { "-C", "a\"b\\c\nd", "-d", "-f", "prometheus",
	    "-o", NULL, NULL };
	char path[128], *text;
	struct run_result r;
	struct holder h;
	struct dirent *de;
	FILE *old;
	DIR *dir;
	int files = 0;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	snprintf(path, sizeof(path), "%s/out/fdaudit.prom", h.dir);
	args[6] = path;
	/* A missing directory is an error, and nothing is written. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, path));
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);

	snprintf(path, sizeof(path), "%s/out", h.dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/out/fdaudit.prom", h.dir);
	old = fopen(path, "w");
	fputs("stale\n", old);
	fclose(old);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	text = file_read(path);
	ck_assert_ptr_nonnull(text);
	prometheus_check(text, "command=\"a\\\"b\\\\c\\nd\"");
	ck_assert_ptr_nonnull(strstr(text, "\nfdaudit_open_fds{command=\""));
	ck_assert_ptr_null(strstr(text, "pid=\""));
	ck_assert_ptr_nonnull(strstr(text, ",type=\"socket\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "fdaudit_audit_duration_seconds "));
	ck_assert_ptr_null(strstr(text, "scrape"));
	ck_assert_ptr_nonnull(strstr(text, "\nfdaudit_close_wait_sockets{"));
	ck_assert_ptr_nonnull(strstr(text, "\nfdaudit_deleted_open_bytes{"));
	ck_assert_ptr_null(strstr(text, "stale"));
	free(text);
	/* Only the report itself is left: no temporary file. */
	snprintf(path, sizeof(path), "%s/out", h.dir);
	dir = opendir(path);
	while ((de = readdir(dir)) != NULL)
		files += de->d_name[0] != '.';
	closedir(dir);
	ck_assert_int_eq(files, 1);
	holder_stop(&h);
}
END_TEST

/* One run with a state file; the holder's JSON entry is returned. */
static struct jv *
state_run(const char *state, const struct holder *h,
    const struct jv **proc, struct run_result *r)
{
	const char *args[] = { "-j", "--state", state, NULL, NULL };
	struct jv *doc;

	args[3] = pid_text(h->pid);
	ck_assert_int_eq(run_fdaudit(r, NULL, args), 0);
	doc = report_parse(r);
	*proc = report_process(doc, h->pid);
	ck_assert_ptr_nonnull(*proc);
	return doc;
}

START_TEST(state_flags_the_leak_not_the_steady)
{
	char state[128];
	const struct jv *proc, *trend;
	struct run_result r;
	struct holder leaky, steady;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&leaky, NULL), 0);
	ck_assert_int_eq(holder_start(&steady, NULL), 0);
	snprintf(state, sizeof(state), "%s/state", leaky.dir);
	for (int run = 0; run < 4; run++) {
		doc = state_run(state, &leaky, &proc, &r);
		trend = jv_get(proc, "trend");
		ck_assert_ptr_nonnull(trend);
		if (run == 0)
			ck_assert(jv_is(trend, "delta", JV_NULL));
		else {
			ck_assert_int_eq((int)jv_num(trend, "delta"), 1);
			ck_assert_int_eq((int)jv_num(trend, "rising_runs"),
			    run);
		}
		ck_assert(jv_get(proc, "leak_suspect")->boolean == (run >= 3));
		jv_free(doc);
		run_result_free(&r);
		ck_assert_int_eq(holder_signal(&leaky, SIGUSR1), 0);

		doc = state_run(state, &steady, &proc, &r);
		ck_assert(!jv_get(proc, "leak_suspect")->boolean);
		if (run > 0)
			ck_assert_int_eq((int)jv_num(jv_get(proc, "trend"),
			    "delta"), 0);
		jv_free(doc);
		run_result_free(&r);
		sleep(1);
	}
	holder_stop(&leaky);
	holder_stop(&steady);
}
END_TEST

/*
 * Write CONTENT as the state file, run: it is said to be corrupt and
 * replaced by a good one without the text ABSENT.
 */
static void
expect_state_replaced(const char *state, const char *content,
    struct holder *h, const char *absent)
{
	const struct jv *proc;
	struct run_result r;
	struct jv *doc;
	FILE *f;
	char *text;

	f = fopen(state, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	doc = state_run(state, h, &proc, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "corrupt"));
	ck_assert(jv_is(jv_get(proc, "trend"), "delta", JV_NULL));
	jv_free(doc);
	run_result_free(&r);
	text = file_read(state);
	ck_assert(strncmp(text, "fdaudit-state 1\n", 16) == 0);
	ck_assert_ptr_null(strstr(text, absent));
	free(text);
}

START_TEST(state_corrupt_or_reused_pid)
{
	char state[128], line[256];
	const struct jv *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;
	FILE *f;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(state, sizeof(state), "%s/state", h.dir);
	expect_state_replaced(state, "fdaudit-state 1\n12 34 5:6\ngarbage",
	    &h, "garbage");
	/*
	 * A count beyond what a process may hold: corrupt, replaced by a
	 * file without it.
	 */
	snprintf(line, sizeof(line), "fdaudit-state 1\n%d 1 "
	    "1700000000:2147483648\n", h.pid);
	expect_state_replaced(state, line, &h, "2147483648");

	/* The same PID with another start time is another process. */
	f = fopen(state, "w");
	snprintf(line, sizeof(line), "fdaudit-state 1\n%d 1 1700000000:5\n",
	    h.pid);
	fputs(line, f);
	fclose(f);
	doc = state_run(state, &h, &proc, &r);
	ck_assert_uint_eq(r.err_len, 0);
	ck_assert(jv_is(jv_get(proc, "trend"), "delta", JV_NULL));
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* The start time the state file keeps for `pid', after one run. */
static unsigned long long
state_start_time(const char *state, pid_t pid)
{
	unsigned long long start = 0;
	char *text = file_read(state), *line;
	char want[32];

	ck_assert_ptr_nonnull(text);
	snprintf(want, sizeof(want), "\n%d ", (int)pid);
	line = strstr(text, want);
	ck_assert_msg(line != NULL, "PID %d not in the state file:\n%s", pid,
	    text);
	ck_assert_int_eq(sscanf(line + strlen(want), "%llu", &start), 1);
	free(text);
	return start;
}

/*
 * A history for `pid': counts[0..n) one minute apart, the last a minute
 * ago, so that the next run adds the current count.
 */
static void
history_write(FILE *f, pid_t pid, unsigned long long start,
    const unsigned *counts, size_t n)
{
	long long now = (long long)time(NULL);

	fprintf(f, "%d %llu", (int)pid, start);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %lld:%u", now - 60 * (long long)(n - i), counts[i]);
	fputc('\n', f);
}

/*
 * --top never hides a process in trouble: a slow leak at a fraction of
 * a percent of its limit, critical by its forecast, stays in the report
 * and in the Prometheus file ahead of busier healthy processes, and sets
 * the exit status.  A process that grew and is flat since is not raised.
 */
START_TEST(top_keeps_the_forecast_leak)
{
	const char *busy[] = { "-l", "64", "-n", "20", "-N", "topcheck",
	    NULL };
	const char *grew[] = { "-l", "32", "-n", "20", "-N", "topcheck",
	    NULL };
	const char *slow[] = { "-l", "4096", "-n", "20", "-N", "topcheck",
	    NULL };
	const char *args[] = { "-C", "topcheck", "--top", "3", "--horizon",
	    "30d", "--state", NULL, "-f", "prometheus", "-o", NULL,
	    "--pid-label", NULL };
	static const unsigned leak[] = { 11, 12, 13, 14, 15, 16, 17, 18, 19 };
	static const unsigned plateau[] = { 5, 10, 15, 20, 20, 20, 20, 20,
	    20 };
	struct holder h[5];
	char state[128], prom[128], want[96], *text;
	unsigned long long start[2];
	struct run_result r;
	FILE *f;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(holder_start(&h[i], busy), 0);
	ck_assert_int_eq(holder_start(&h[3], grew), 0);
	ck_assert_int_eq(holder_start(&h[4], slow), 0);
	snprintf(state, sizeof(state), "%s/state", h[0].dir);
	snprintf(prom, sizeof(prom), "%s/fdaudit.prom", h[0].dir);
	args[7] = state;
	args[11] = prom;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	run_result_free(&r);
	start[0] = state_start_time(state, h[3].pid);
	start[1] = state_start_time(state, h[4].pid);
	f = fopen(state, "w");
	fputs("fdaudit-state 1\n", f);
	history_write(f, h[3].pid, start[0], plateau, 9);
	history_write(f, h[4].pid, start[1], leak, 9);
	fclose(f);

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
	run_result_free(&r);
	text = file_read(prom);
	prometheus_check(text, NULL);
	snprintf(want, sizeof(want), "fdaudit_open_fds{pid=\"%d\"", h[4].pid);
	ck_assert_msg(strstr(text, want) != NULL, "no %s in:\n%s", want, text);
	/* What the JSON knows of the leak, in base units. */
	snprintf(want, sizeof(want), "\nfdaudit_fd_leak_suspect{pid=\"%d\"",
	    h[4].pid);
	ck_assert_msg(strstr(text, want) != NULL && strncmp(strchr(strstr(text,
	    want), '}'), "} 1\n", 4) == 0, "no %s 1 in:\n%s", want, text);
	snprintf(want, sizeof(want), "\nfdaudit_status{pid=\"%d\"", h[4].pid);
	ck_assert_msg(strstr(text, want) != NULL && strncmp(strchr(strstr(text,
	    want), '}'), "} 2\n", 4) == 0, "no %s 2 in:\n%s", want, text);
	snprintf(want, sizeof(want), "\nfdaudit_fd_exhaustion_seconds{pid=\"%d\"",
	    h[4].pid);
	ck_assert_msg(strstr(text, want) != NULL, "no %s in:\n%s", want, text);
	ck_assert_ptr_nonnull(strstr(text, "\nfdaudit_fd_growth_per_second{"));
	ck_assert_ptr_null(strstr(text, "per_hour"));
	/* The leak and the two busiest: three processes, not five. */
	ck_assert_int_eq(count_lines(text) - count_lines(strstr(text,
	    "# HELP fdaudit_fd_limit_soft")), 2 + 3);
	free(text);

	/* In the table, the leak comes first; the flat one is ok. */
	args[8] = args[9] = args[10] = args[11] = args[12] = NULL;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	/* Whoever runs the test owns the helpers: any user name. */
	snprintf(want, sizeof(want), "^%7d [^ ]+ +topcheck ", h[4].pid);
	ck_assert_ptr_nonnull(strstr(r.out, "TREND          UNIT\n"));
	ck_assert_msg(matches(want, strstr(r.out, "UNIT\n") + 5),
	    "not first: %s", r.out);
	snprintf(want, sizeof(want), "\n%7d ", h[3].pid);
	ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
	ck_assert(matches("^\n[^\n]* 62\\.5% +- +- +ok ", strstr(r.out, want)));
	run_result_free(&r);

	/* Nagios says the leak is there by its forecast, not its usage. */
	args[8] = "-f";
	args[9] = "nagios";
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	snprintf(want, sizeof(want), "topcheck\\[%d\\] [0-9]+/4096 \\(0%%\\) "
	    "forecast to run out", h[4].pid);
	ck_assert_msg(matches(want, r.out), "no %s in %s", want, r.out);
	ck_assert_ptr_null(strstr(r.out, "at or above"));
	run_result_free(&r);
	for (int i = 0; i < 5; i++)
		holder_stop(&h[i]);
}
END_TEST

/*
 * Twelve runs at once, each for its own process, share one state file:
 * every one's sample is kept, where without a lock the last writer's
 * file would replace the others'.
 */
START_TEST(state_overlapping_runs_keep_every_sample)
{
	enum { RUNS = 12 };
	const char *args[] = { "-s", "--state", NULL, NULL, NULL };
	struct holder h[RUNS];
	pid_t child[RUNS];
	char state[128], want[32], *text;
	int status;

	for (int i = 0; i < RUNS; i++)
		ck_assert_int_eq(holder_start(&h[i], NULL), 0);
	snprintf(state, sizeof(state), "%s/state", h[0].dir);
	args[2] = state;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < RUNS; i++) {
			if ((child[i] = fork()) == 0) {
				struct run_result r;

				args[3] = pid_text(h[i].pid);
				if (run_fdaudit(&r, NULL, args) != 0)
					_exit(99);
				_exit(r.status);
			}
		}
		for (int i = 0; i < RUNS; i++) {
			ck_assert_int_eq(waitpid(child[i], &status, 0),
			    child[i]);
			ck_assert_int_eq(WEXITSTATUS(status), 0);
		}
		text = file_read(state);
		ck_assert_int_eq(count_lines(text), 1 + RUNS);
		for (int i = 0; i < RUNS; i++) {
			snprintf(want, sizeof(want), "\n%d ", h[i].pid);
			ck_assert_msg(strstr(text, want) != NULL, "round %d: "
			    "PID %d lost:\n%s", round, h[i].pid, text);
		}
		free(text);
	}
	for (int i = 0; i < RUNS; i++)
		holder_stop(&h[i]);
}
END_TEST

/*
 * A run that finds the state file locked by another for ten seconds
 * leaves it alone and says so, and still reports.
 */
START_TEST(state_locked_by_another_run)
{
	const char *args[] = { "-s", "--state", NULL, NULL, NULL };
	char state[128], lock[140], *before, *after;
	struct run_result r;
	struct holder h;
	int fd;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(state, sizeof(state), "%s/state", h.dir);
	snprintf(lock, sizeof(lock), "%s.lock", state);
	args[2] = state;
	args[3] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	run_result_free(&r);
	before = file_read(state);
	fd = open(lock, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	sleep(1);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	close(fd);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "status ok"));
	ck_assert_msg(strstr(r.err, ": still in use by another run; not "
	    "updated\n") != NULL, "%s", r.err);
	after = file_read(state);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * A run for one service keeps the histories of the others, which -C
 * did not look at; a run over every process drops those of processes
 * that are gone.
 */
START_TEST(state_filtered_run_keeps_the_others)
{
	const char *extra[] = { "-N", "statekeep", NULL };
	const char *one[] = { "-C", "statekeep", "--state", NULL, NULL };
	const char *every[] = { "-a", "--state", NULL, NULL };
	char state[128], *text;
	struct run_result r;
	struct holder h;
	long long now = (long long)time(NULL);
	FILE *f;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	snprintf(state, sizeof(state), "%s/state", h.dir);
	one[3] = every[2] = state;
	f = fopen(state, "w");
	fputs("fdaudit-state 1\n", f);
	/* PIDs above any the kernel hands out: processes of no one. */
	for (int i = 0; i < 55; i++)
		fprintf(f, "%d 1 %lld:%d %lld:%d\n", 2000000000 + i, now - 120,
		    i, now - 60, i);
	fclose(f);
	ck_assert_int_eq(run_fdaudit(&r, NULL, one), 0);
	ck_assert_int_eq(r.status, 0);
	run_result_free(&r);
	text = file_read(state);
	ck_assert_int_eq(count_lines(text), 1 + 55 + 1);
	ck_assert_ptr_nonnull(strstr(text, "\n2000000054 1 "));
	free(text);

	ck_assert_int_eq(run_fdaudit(&r, NULL, every), 0);
	run_result_free(&r);
	text = file_read(state);
	ck_assert_ptr_null(strstr(text, "\n2000000054 1 "));
	free(text);
	holder_stop(&h);
}
END_TEST

START_TEST(watch_lines_and_end)
{
	const char *args[] = { "watch", "-i", "1", "-n", "2", NULL, NULL };
	const char *gone[] = { "watch", "-i", "1", NULL, NULL };
	struct run_result r;
	struct holder h;
	pid_t killer;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[5] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(count_lines(r.out), 2);
	ck_assert(matches("open=[0-9]+ change=\\+0 ", r.out));
	ck_assert_ptr_nonnull(strstr(r.err, "2 samples taken"));
	run_result_free(&r);

	/* The process exits during the watch: said, and exit 0. */
	gone[3] = pid_text(h.pid);
	if ((killer = fork()) == 0) {
		usleep(1500000);
		kill(h.pid, SIGKILL);
		_exit(0);
	}
	ck_assert_int_eq(run_fdaudit(&r, NULL, gone), 0);
	waitpid(killer, NULL, 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "exited"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* Read from `fd' into `buf' until `want' is in it or the input ends. */
static size_t
read_until(int fd, char *buf, size_t len, size_t size, const char *want)
{
	ssize_t n;

	buf[len] = '\0';
	while ((want == NULL || strstr(buf, want) == NULL) && len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

/*
 * On a terminal, watch redraws one screen per sample.  The helper opens
 * a descriptor once the first screen is out, so the change falls between
 * two samples however slowly either side runs.
 */
START_TEST(watch_screen_on_a_terminal)
{
	char cmd[512], typescript[128], out[8192];
	struct holder h;
	size_t n;
	FILE *p;

	if (!tool_found("script"))
		SKIP_TEST("script(1), which gives watch a terminal, is not "
		    "installed (Debian: bsdutils)");
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(typescript, sizeof(typescript), "%s/typescript", h.dir);
	snprintf(cmd, sizeof(cmd), "script -qec '%s watch -i 1 -n 3 %d' %s",
	    getenv("FDAUDIT") ? getenv("FDAUDIT") : "./fdaudit", h.pid,
	    typescript);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	n = read_until(fileno(p), out, 0, sizeof(out), "\033[H\033[2J");
	ck_assert_int_eq(holder_signal(&h, SIGUSR1), 0);
	read_until(fileno(p), out, n, sizeof(out), NULL);
	pclose(p);
	ck_assert_ptr_nonnull(strstr(out, "\033[H\033[2J"));
	ck_assert_ptr_nonnull(strstr(out, "opened since the watch began: 1"));
	ck_assert_ptr_nonnull(strstr(out, "new "));
	ck_assert_ptr_nonnull(strstr(out, "/dev/null"));
	holder_stop(&h);
}
END_TEST

/*
 * On a terminal of 14 rows and 60 columns, with more descriptors opened
 * since the start than rows left, the screen still fits: the last ones
 * are counted in a line of their own.
 */
START_TEST(watch_screen_fits_the_terminal)
{
	static char out[65536];
	char cmd[768], *screen, *p;
	struct holder h;
	int lines = 0;
	size_t n;
	FILE *f;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(cmd, sizeof(cmd), "(sleep 0.4; for i in 1 2 3 4 5 6 7 8 9 10 "
	    "11 12 13 14 15 16; do kill -USR1 %d; sleep 0.05; done) & "
	    "env -u LINES -u COLUMNS script -qec 'stty rows 14 cols 60; "
	    "%s watch -i 3 -n 2 %d' /dev/null", h.pid,
	    getenv("FDAUDIT") ? getenv("FDAUDIT") : "./fdaudit", h.pid);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	/* The last screen drawn. */
	for (screen = out; (p = strstr(screen, "\033[2J")) != NULL;)
		screen = p + 4;
	/* What follows on the same terminal is stderr's. */
	if ((p = strstr(screen, "fdaudit: watch ended")) != NULL)
		*p = '\0';
	ck_assert_msg(strstr(screen, "opened since the watch began: 16") !=
	    NULL, "%s", screen);
	ck_assert_msg(strstr(screen, "more\r\n") != NULL, "%s", screen);
	for (p = screen; *p != '\0'; lines++) {
		char *end = strchr(p, '\n');
		int columns = 0;

		if (end == NULL)
			break;
		for (char *q = p; q < end; q++)
			columns += *q != '\r' && ((unsigned char)*q & 0xc0) != 0x80;
		ck_assert_msg(columns <= 60, "%d columns: %.*s", columns,
		    (int)(end - p), p);
		p = end + 1;
	}
	ck_assert_msg(lines <= 13, "%d lines on 14 rows: %s", lines, screen);
	ck_assert_int_ge(lines, 10);
	holder_stop(&h);
}
END_TEST

/* The rows of fdaudit ARGS..., without a heading: how many were read. */
static size_t
bare_rows(const char *const *args, char rows[][128], size_t max)
{
	struct run_result r;
	size_t n = 0;
	char *line, *rest;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	for (rest = r.out; (line = strsep(&rest, "\n")) != NULL;) {
		if (*line == '\0')
			continue;
		ck_assert_uint_lt(n, max);
		snprintf(rows[n++], 128, "%s", line);
	}
	run_result_free(&r);
	return n;
}

/*
 * --columns, --sort and --no-heading: the rows alone, with the columns
 * asked for in their order, ordered by the key asked for.
 */
START_TEST(columns_sort_and_bare_rows)
{
	static const char *const counts[] = { "30", "10", "20" };
	const char *by_open[] = { "-C", "colsort", "--columns",
	    "open,PID,hard,command", "--sort", "open", "--no-heading", NULL };
	const char *by_pid[] = { "-C", "colsort", "--columns", "pid,usage",
	    "--sort", "pid", "--no-heading", NULL };
	char rows[8][128], command[64], usage[16];
	struct holder h[3];
	struct rlimit limit;
	unsigned long long hard;
	size_t open, last = 1000;
	int pid, last_pid = 0;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &limit), 0);
	for (int i = 0; i < 3; i++) {
		const char *extra[] = { "-n", counts[i], "-N", "colsort",
		    NULL };

		ck_assert_int_eq(holder_start(&h[i], extra), 0);
	}
	ck_assert_uint_eq(bare_rows(by_open, rows, 8), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(sscanf(rows[i], "%zu %d %llu %63s", &open, &pid,
		    &hard, command) == 4, "row \"%s\"", rows[i]);
		ck_assert_msg(open < last, "not by open count: %s", rows[i]);
		last = open;
		ck_assert_str_eq(command, "colsort");
		ck_assert_uint_eq(hard, (unsigned long long)limit.rlim_max);
		for (int j = 0; j < 3; j++) {
			if (h[j].pid == pid)
				ck_assert_uint_eq(open,
				    strtoul(counts[j], NULL, 10));
		}
	}
	ck_assert_uint_eq(bare_rows(by_pid, rows, 8), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sscanf(rows[i], "%d %15s", &pid, usage), 2);
		ck_assert_int_gt(pid, last_pid);
		ck_assert_ptr_nonnull(strchr(usage, '%'));
		last_pid = pid;
	}
	for (int i = 0; i < 3; i++)
		holder_stop(&h[i]);
}
END_TEST

/*
 * On a narrow terminal the chosen columns still fit: COMMAND gives up
 * its room, and no line is wider than the terminal.
 */
START_TEST(columns_fit_the_terminal)
{
	const char *extra[] = { "-N", "a-rather-long-name", NULL };
	static char out[16384];
	char cmd[768], *p;
	struct holder h;
	int lines = 0;
	size_t n;
	FILE *f;

	if (!tool_found("script"))
		SKIP_TEST("script(1) is not installed");
	ck_assert_int_eq(holder_start(&h, extra), 0);
	snprintf(cmd, sizeof(cmd), "env -u LINES -u COLUMNS script -qec "
	    "'stty rows 24 cols 60; %s -C a-rather --columns "
	    "pid,command,user,open,use%%,status,hard' /dev/null",
	    getenv("FDAUDIT") ? getenv("FDAUDIT") : "./fdaudit");
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	/* The last column is whole, the name cut to make room for it. */
	ck_assert_msg(strstr(out, " HARD\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "a-rathe") != NULL &&
	    strstr(out, "a-rather-long") == NULL, "%s", out);
	for (p = out; *p != '\0'; lines++) {
		char *end = strchr(p, '\n');
		int columns = 0;

		if (end == NULL)
			break;
		for (char *q = p; q < end; q++) {
			/* A colour takes no room. */
			if (*q == '\033') {
				q += strcspn(q, "m");
				continue;
			}
			columns += *q != '\r' && ((unsigned char)*q & 0xc0) !=
			    0x80;
		}
		ck_assert_msg(columns <= 60, "%d columns: %.*s", columns,
		    (int)(end - p), p);
		p = end + 1;
	}
	ck_assert_int_ge(lines, 3);
	holder_stop(&h);
}
END_TEST

/* watch -h and --help print its usage and options, and exit 0. */
START_TEST(watch_help)
{
	static const char *const helps[][3] = {
		{ "watch", "-h", NULL }, { "watch", "--help", NULL },
	};
	struct run_result r;

	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(run_fdaudit(&r, NULL, helps[i]), 0);
		ck_assert_int_eq(r.status, 0);
		ck_assert_uint_eq(r.err_len, 0);
		ck_assert(strncmp(r.out, "usage: fdaudit watch [-h] ", 26) == 0);
		ck_assert_ptr_nonnull(strstr(r.out, "-n COUNT"));
		run_result_free(&r);
	}
}
END_TEST

/*
 * A loopback port free a moment ago: the kernel picks it for a socket
 * bound to port 0, which is then closed for the exporter to take.
 */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(s, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	close(s);
	return ntohs(sin.sin_port);
}

/*
 * Start the node exporter on `port' and read what it serves into
 * `metrics'; 0 when it did not answer, which happens when another
 * program took the port meanwhile and the exporter exited.
 */
static size_t
node_exporter_try(const char *dir, int port, char *metrics, size_t size)
{
	char listen[64], dir_flag[128], cmd[256];
	pid_t exporter;
	size_t n = 0;
	FILE *p;

	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d",
	    port);
	snprintf(dir_flag, sizeof(dir_flag),
	    "--collector.textfile.directory=%s", dir);
	if ((exporter = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("prometheus-node-exporter", "prometheus-node-exporter",
		    listen, dir_flag, "--collector.disable-defaults",
		    "--collector.textfile", (char *)NULL);
		_exit(127);
	}
	snprintf(cmd, sizeof(cmd), "curl -sf http://127.0.0.1:%d/metrics",
	    port);
	/* A generous 20 s: the exporter starts slowly on a loaded machine. */
	for (int tries = 0; tries < 200 && n == 0; tries++) {
		usleep(100000);
		if (waitpid(exporter, NULL, WNOHANG) == exporter)
			return 0;
		if ((p = popen(cmd, "r")) == NULL)
			continue;
		n = fread(metrics, 1, size - 1, p);
		pclose(p);
	}
	kill(exporter, SIGTERM);
	waitpid(exporter, NULL, 0);
	return n;
}

/*
 * What the real node exporter serves after reading the textfiles of
 * `dir', NUL-terminated, in a buffer the caller frees.
 */
static char *
node_exporter_scrape(const char *dir)
{
	char *metrics = calloc(1, 1 << 20);
	size_t n = 0;
	int port = 0;

	ck_assert_ptr_nonnull(metrics);
	for (int attempt = 0; attempt < 3 && n == 0; attempt++) {
		port = free_port();
		n = node_exporter_try(dir, port, metrics, 1 << 20);
	}
	ck_assert_msg(n > 0, "prometheus-node-exporter did not answer on %d",
	    port);
	metrics[n] = '\0';
	return metrics;
}

/* Why the node exporter cannot be asked here, or NULL when it can. */
static const char *
node_exporter_missing(void)
{
	if (!tool_found("prometheus-node-exporter"))
		return "prometheus-node-exporter is not installed";
	if (!tool_found("curl"))
		return "curl, which asks the node exporter, is not installed";
	return NULL;
}

/* The series of a Prometheus file, values left out, in one string. */
static char *
prometheus_series(const char *text)
{
	char *series = calloc(1, strlen(text) + 1), *end = series;

	for (const char *line = text; *line != '\0'; ) {
		size_t len = strcspn(line, "\n");
		const char *space = memchr(line, ' ', len);

		if (line[0] != '#' && space != NULL) {
			memcpy(end, line, (size_t)(space - line));
			end += space - line;
			*end++ = '\n';
		}
		line += len + (line[len] == '\n');
	}
	return series;
}

/*
 * By default a service, not a process, is a series: two processes of one
 * command give one fdaudit_open_fds with their sum, and restarting them
 * leaves the set of series as it was.
 */
START_TEST(prometheus_series_per_service)
{
	const char *const named[] = { "-N", "promsvc", "-n", "10", NULL };
	const char *args[] = { "-C", "promsvc", "-d", "-f", "prometheus", "-o",
	    NULL, NULL };
	char path[128], *text, *first, *series;
	struct run_result r;
	struct holder h[2];
	long sum;

	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(holder_start(&h[i], named), 0);
	sum = nagios_open_count(h[0].pid, "promsvc") +
	    nagios_open_count(h[1].pid, "promsvc");
	snprintf(path, sizeof(path), "%s/fdaudit.prom", h[0].dir);
	args[6] = path;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	run_result_free(&r);
	text = file_read(path);
	prometheus_check(text, NULL);
	ck_assert_msg(strstr(text, "\nfdaudit_open_fds{command=\"promsvc\",")
	    != NULL, "%s", text);
	ck_assert_int_eq(strtol(strchr(strstr(text, "\nfdaudit_open_fds{"),
	    '}') + 1, NULL, 10), sum);
	ck_assert_ptr_null(strstr(strstr(text, "\nfdaudit_open_fds{") + 1,
	    "\nfdaudit_open_fds{"));
	first = prometheus_series(text);
	free(text);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			holder_stop(&h[i]);
			ck_assert_int_eq(holder_start(&h[i], named), 0);
		}
		snprintf(path, sizeof(path), "%s/fdaudit.prom", h[0].dir);
		args[6] = path;
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		run_result_free(&r);
		text = file_read(path);
		series = prometheus_series(text);
		ck_assert_str_eq(series, first);
		free(series);
		free(text);
	}
	free(first);
	for (int i = 0; i < 2; i++)
		holder_stop(&h[i]);
}
END_TEST

/* The real node exporter reads what fdaudit wrote, without an error. */
START_TEST(node_exporter_scrapes_the_textfile)
{
	const char *args[] = { "-C", "fdholder", "-d", "-f", "prometheus",
	    "-o", NULL, "--pid-label", NULL };
	char path[256], want[64], *metrics;
	struct run_result r;
	struct holder h;

	if (node_exporter_missing() != NULL)
		SKIP_TEST("%s", node_exporter_missing());
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(path, sizeof(path), "%s/fdaudit.prom", h.dir);
	args[6] = path;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	/* Other fdholder processes may be near their limits: not an error. */
	ck_assert_int_lt(r.status, 3);
	run_result_free(&r);
	metrics = node_exporter_scrape(h.dir);
	ck_assert_ptr_nonnull(strstr(metrics, "\nnode_textfile_scrape_error 0"));
	snprintf(want, sizeof(want), "pid=\"%d\"", h.pid);
	ck_assert_ptr_nonnull(strstr(metrics, "\nfdaudit_open_fds{"));
	ck_assert_ptr_nonnull(strstr(metrics, want));
	ck_assert_ptr_nonnull(strstr(metrics, "\nfdaudit_open_fds_by_type{"));
	ck_assert_ptr_nonnull(strstr(metrics, "\nfdaudit_system_files_max "));
	free(metrics);
	holder_stop(&h);
}
END_TEST

/*
 * Command names a hostile process can give itself (15 bytes at most),
 * and each as a Prometheus label value must read: newline, quote and
 * backslash escaped, other controls and bytes that are not UTF-8 as
 * U+FFFD, "|", "=" and "'" as they are.
 */
#define FFFD "\xef\xbf\xbd"
static const char *const hostile_names[][2] = {
	{ "new\nline|x=1", "new\\nline|x=1" },
	{ "tab\there'q\"", "tab" FFFD "here'q\\\"" },
	{ "\033[2Jclear", FFFD "[2Jclear" },
	{ "back\\sl|a=b", "back\\\\sl|a=b" },
	{ "bad\xff\xfe=\xc3", "bad" FFFD FFFD "=" FFFD },
};
#define NHOSTILE (sizeof(hostile_names) / sizeof(hostile_names[0]))

/* Whether `s' is UTF-8 without a control character other than newline. */
static bool
clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ?
		    2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;

		if (n == 0 || (n == 1 && ((*p < 0x20 && *p != '\n') ||
		    *p == 0x7f)))
			return false;
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
		}
		p += n;
	}
	return true;
}

static void
nagios_hostile_check(const struct holder *h)
{
	const char *args[] = { "-a", "-f", "nagios", NULL };
	struct run_result r;
	char want[64];

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	/* The first line and one long-text line per hostile process. */
	ck_assert_msg((size_t)count_lines(r.out) > NHOSTILE, "%d lines: %s",
	    count_lines(r.out), r.out);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	for (const char *p = r.out; *p != '\0'; p++)
		ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p < 0x7f),
		    "byte %#x in: %s", (unsigned char)*p, r.out);
	for (size_t i = 0; i < NHOSTILE; i++) {
		snprintf(want, sizeof(want), "[%d] 62/64 (97%%)\n", h[i].pid);
		ck_assert_msg(strstr(r.out, want) != NULL, "no %s in: %s",
		    want, r.out);
	}
	run_result_free(&r);
}

/* fdaudit -a -d -f prometheus into a file of h[0]'s directory. */
static void
prometheus_hostile_write(const struct holder *h, char *path, size_t size)
{
	const char *args[] = { "-a", "-d", "-f", "prometheus", "-o", NULL,
	    "--pid-label", NULL };
	struct run_result r;

	snprintf(path, size, "%s/fdaudit.prom", h[0].dir);
	args[5] = path;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 2);
	run_result_free(&r);
}

static void
prometheus_hostile_check(const struct holder *h)
{
	char path[256], want[128], *text;

	prometheus_hostile_write(h, path, sizeof(path));
	text = file_read(path);
	ck_assert_ptr_nonnull(text);
	prometheus_check(text, NULL);
	ck_assert_msg(clean_utf8(text), "not clean UTF-8");
	for (size_t i = 0; i < NHOSTILE; i++) {
		snprintf(want, sizeof(want), "{pid=\"%d\",command=\"%s\",",
		    h[i].pid, hostile_names[i][1]);
		ck_assert_msg(strstr(text, want) != NULL, "no %s", want);
	}
	free(text);
}

/* The node exporter takes the same file without an error. */
static void
prometheus_hostile_scrape(const struct holder *h)
{
	char path[256], want[64], *text;

	prometheus_hostile_write(h, path, sizeof(path));
	text = node_exporter_scrape(h[0].dir);
	ck_assert_ptr_nonnull(strstr(text, "\nnode_textfile_scrape_error 0"));
	for (size_t i = 0; i < NHOSTILE; i++) {
		snprintf(want, sizeof(want), "pid=\"%d\"", h[i].pid);
		ck_assert_msg(strstr(text, want) != NULL, "no %s", want);
	}
	free(text);
}

/* Helpers named by hostile_names, at their limits; hostile_stop ends them. */
static void
hostile_start(struct holder *h)
{
	const char *extra[] = { "-l", "64", "-n", "62", "-N", NULL, NULL };

	for (size_t i = 0; i < NHOSTILE; i++) {
		extra[5] = hostile_names[i][0];
		ck_assert_int_eq(holder_start(&h[i], extra), 0);
	}
}

static void
hostile_stop(struct holder *h)
{
	for (size_t i = 0; i < NHOSTILE; i++)
		holder_stop(&h[i]);
}

/*
 * Processes with hostile names, at their limits so that the Nagios text
 * names them too: the Nagios output stays lines of a safe alphabet
 * with well-formed performance data, and every Prometheus line keeps to
 * the format, which the node exporter confirms.
 */
START_TEST(hostile_names_in_nagios_and_prometheus)
{
	struct holder h[NHOSTILE];

	hostile_start(h);
	nagios_hostile_check(h);
	prometheus_hostile_check(h);
	hostile_stop(h);
}
END_TEST

/* What fdaudit wrote of those processes, the node exporter reads. */
START_TEST(hostile_names_read_by_node_exporter)
{
	struct holder h[NHOSTILE];

	if (node_exporter_missing() != NULL)
		SKIP_TEST("%s", node_exporter_missing());
	hostile_start(h);
	prometheus_hostile_scrape(h);
	hostile_stop(h);
}
END_TEST

/* Whether everyone may count the descriptors of `pid' (Linux 6.2). */
static bool
count_is_public(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return stat(path, &st) == 0 && st.st_size > 0;
}

/*
 * As nobody, -a -d names root's processes in the footer, and still
 * counts them where the kernel gives everyone the count (the size of
 * /proc/PID/fd since Linux 6.2) and the limits (/proc/PID/limits).
 */
START_TEST(unprivileged_all_shows_footer)
{
	const char *args[] = { "-a", "-d", NULL };
	const char *json[] = { "-a", "-d", "-j", NULL };
	const char *counts[] = { "-a", "-j", NULL };
	struct run_options opt = { .uid = 65534, .drop_privileges = true };
	const struct jv *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	if (geteuid() != 0)
		SKIP_TEST("needs root to drop to another user");
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_msg(matches("\n[0-9]+ could not be read \\(run as root",
	    r.out), "no footer: %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, " 1("));
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, &opt, json), 0);
	doc = report_parse(&r);
	ck_assert(jv_num(doc, "unreadable") >= 1);
	proc = report_process(doc, h.pid);
	if (count_is_public(h.pid)) {
		ck_assert_ptr_nonnull(proc);
		ck_assert_uint_eq((size_t)jv_num(proc, "open"), h.nfds + 3);
		ck_assert(jv_is(proc, "inheritable", JV_NULL));
	} else
		ck_assert_ptr_null(proc);
	jv_free(doc);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, &opt, counts), 0);
	doc = report_parse(&r);
	proc = report_process(doc, h.pid);
	if (count_is_public(h.pid)) {
		ck_assert_ptr_nonnull(proc);
		ck_assert_str_eq(jv_str(proc, "user"), "root");
		ck_assert_uint_eq((size_t)jv_num(proc, "open"), h.nfds + 3);
		ck_assert(jv_num(proc, "limit_soft") > 0);
	}
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * A process near its limit whose table nobody may read is still judged
 * by its count and limits: -C finds it and says why the table is
 * missing, and -a -d does not call the host OK.
 */
START_TEST(refused_table_still_judged)
{
	const char *extra[] = { "-l", "64", "-n", "62", "-N", "tblrefused",
	    NULL };
	const char *by_name[] = { "-C", "tblrefused", "-d", "-f", "nagios",
	    NULL };
	const char *all[] = { "-a", "-d", "-j", NULL };
	struct run_options opt = { .uid = 65534, .drop_privileges = true };
	const struct jv *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(holder_start(&h, extra), 0);
	if (!count_is_public(h.pid)) {
		holder_stop(&h);
		return;
	}
	ck_assert_int_eq(run_fdaudit(&r, &opt, by_name), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
	ck_assert_msg(matches("^FDAUDIT CRITICAL - 1 of 1 processes at "
	    "warning or worse: tblrefused\\[[0-9]+\\] 62/64", r.out), "%s", r.out);
	ck_assert_msg(matches(nagios_line, r.out), "malformed: %s", r.out);
	ck_assert_ptr_nonnull(strstr(r.err, "permission denied"));
	ck_assert_ptr_null(strstr(r.err, "no process matches"));
	run_result_free(&r);

	/* -t reads the tables as -d does. */
	by_name[2] = "-tsocket";
	ck_assert_int_eq(run_fdaudit(&r, &opt, by_name), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s%s", r.status, r.out, r.err);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, &opt, all), 0);
	ck_assert_int_eq(r.status, 2);
	doc = report_parse(&r);
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_str_eq(jv_str(proc, "status"), "critical");
	ck_assert_uint_eq((size_t)jv_num(proc, "open"), 62);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * Another user's table needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
 * together: the hint names the one that is missing, and root without
 * them is not told to run as root.
 */
START_TEST(privilege_hint_names_what_is_missing)
{
	const char *ptrace_only[] = { "setpriv", "--reuid=65534",
	    "--regid=65534", "--clear-groups", "--inh-caps=+sys_ptrace",
	    "--ambient-caps=+sys_ptrace", NULL };
	const char *search_only[] = { "setpriv", "--reuid=65534",
	    "--regid=65534", "--clear-groups", "--inh-caps=+dac_read_search",
	    "--ambient-caps=+dac_read_search", NULL };
	const char *both[] = { "setpriv", "--reuid=65534", "--regid=65534",
	    "--clear-groups", "--inh-caps=+sys_ptrace,+dac_read_search",
	    "--ambient-caps=+sys_ptrace,+dac_read_search", NULL };
	const char *root_without[] = { "setpriv", "--inh-caps=-sys_ptrace",
	    "--bounding-set=-sys_ptrace", NULL };
	const char *args[] = { "-s", NULL, NULL };
	const char *all[] = { "-a", "-d", NULL };
	struct run_options opt = { 0 };
	struct run_result r;
	struct holder h;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[1] = pid_text(h.pid);
	opt.prefix = ptrace_only;
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "permission denied: run as its user, or "
	    "with CAP_DAC_READ_SEARCH") != NULL, "%s", r.err);
	run_result_free(&r);

	opt.prefix = search_only;
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_msg(strstr(r.err, "or with CAP_SYS_PTRACE") != NULL, "%s",
	    r.err);
	run_result_free(&r);

	opt.prefix = both;
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "socket "));
	run_result_free(&r);

	opt.prefix = root_without;
	ck_assert_int_eq(run_fdaudit(&r, &opt, all), 0);
	ck_assert_msg(matches("\n[0-9]+ could not be read \\(run with "
	    "CAP_SYS_PTRACE", r.out), "%s", r.out);
	ck_assert_ptr_null(strstr(r.out, "run as root"));
	ck_assert_ptr_null(strstr(r.err, "as root"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* Where the unified cgroup hierarchy is mounted, or NULL. */
static char *
cgroup2_mount(void)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[512], dir[256], type[64];
	char *found = NULL;

	while (f != NULL && found == NULL && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s %63s", dir, type) == 2 &&
		    strcmp(type, "cgroup2") == 0)
			found = strdup(dir);
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/* Move a process into the cgroup at `dir': 0, or -1. */
static int
cgroup_enter(const char *dir, pid_t pid)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = fprintf(f, "%d\n", (int)pid) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

#define OWNER_ID1 "0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"
#define OWNER_ID2 "fedcba9876543210fedcba9876543210" \
	"fedcba9876543210fedcba9876543210"
/* A unit name with a quote and an escape sequence in it. */
#define OWNER_UNIT "own\x1b[31m\"svc.service"

/* Scratch cgroups: a slice holding a hostile service and two scopes. */
struct owner_cgroups {
	char	 slice[256];
	char	 service[384];
	char	 scope[2][384];
};

static bool
owner_cgroups_make(struct owner_cgroups *c)
{
	char *mount = cgroup2_mount();

	if (mount == NULL)
		return false;
	snprintf(c->slice, sizeof(c->slice), "%s/fdaudit-check-%d.slice",
	    mount, (int)getpid());
	free(mount);
	snprintf(c->service, sizeof(c->service), "%s/%s", c->slice,
	    OWNER_UNIT);
	snprintf(c->scope[0], sizeof(c->scope[0]), "%s/docker-%s.scope",
	    c->slice, OWNER_ID1);
	snprintf(c->scope[1], sizeof(c->scope[1]), "%s/docker-%s.scope",
	    c->slice, OWNER_ID2);
	if (mkdir(c->slice, 0755) != 0)
		return false;
	ck_assert_int_eq(mkdir(c->service, 0755), 0);
	ck_assert_int_eq(mkdir(c->scope[0], 0755), 0);
	ck_assert_int_eq(mkdir(c->scope[1], 0755), 0);
	return true;
}

static void
owner_cgroups_remove(struct owner_cgroups *c)
{
	rmdir(c->service);
	rmdir(c->scope[0]);
	rmdir(c->scope[1]);
	rmdir(c->slice);
}

/* A holder named ownsvc, moved into the cgroup at `dir'. */
static void
owner_holder(struct holder *h, const char *dir)
{
	const char *const named[] = { "-N", "ownsvc", "-n", "4", NULL };

	ck_assert_int_eq(holder_start(h, named), 0);
	ck_assert_int_eq(cgroup_enter(dir, h->pid), 0);
}

/* The unit, cgroup and container of each holder, in the JSON report. */
static void
owner_json_check(struct holder h[3], const struct owner_cgroups *c)
{
	const char *args[] = { "-C", "ownsvc", "-j", NULL };
	const char *slice = strstr(c->slice, "/fdaudit-check-");
	struct run_result r;
	struct jv *doc;
	const struct jv *p;
	char want[512];

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	doc = report_parse(&r);
	p = report_process(doc, h[0].pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(jv_str(p, "unit"), OWNER_UNIT);
	snprintf(want, sizeof(want), "%s/%s", slice, OWNER_UNIT);
	ck_assert_str_eq(jv_str(p, "cgroup"), want);
	ck_assert(jv_is(p, "container", JV_NULL));
	p = report_process(doc, h[2].pid);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(jv_str(p, "unit"), "docker-" OWNER_ID1 ".scope");
	ck_assert_str_eq(jv_str(p, "container"), OWNER_ID1);
	ck_assert(jv_is(p, "nspid", JV_NULL));
	jv_free(doc);
	run_result_free(&r);
}

/*
 * The table: a UNIT column with the container's ID as short as docker
 * shows it, and --by unit, a row per service; nothing raw of the name.
 */
static void
owner_table_check(void)
{
	const char *args[] = { "-C", "ownsvc", NULL };
	const char *by[] = { "-C", "ownsvc", "--by", "unit", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(matches(" UNIT\n", r.out), "%s", r.out);
	ck_assert_msg(matches(" ok +docker-0123456789ab\\.scope\n", r.out),
	    "%s", r.out);
	ck_assert_ptr_null(strchr(r.out, '\x1b'));
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, by), 0);
	ck_assert_int_eq(count_lines(r.out), 1 + 1 + 2 + 1);
	ck_assert_msg(matches("\n +2 +[0-9]+ +[0-9.]+% ok +own[^\n]*svc\\."
	    "service\n", r.out), "%s", r.out);
	ck_assert_msg(matches("\n +1 +[0-9]+ +[0-9.]+% ok +docker-"
	    "0123456789ab\\.scope\n", r.out), "%s", r.out);
	ck_assert_ptr_null(strchr(r.out, '\x1b'));
	run_result_free(&r);
}

/* The Prometheus series of ownsvc, written to a file in `dir'. */
static char *
owner_prometheus(const char *dir)
{
	const char *args[] = { "-C", "ownsvc", "-f", "prometheus", "-o", NULL,
	    NULL };
	char path[128], *text, *series;
	struct run_result r;

	snprintf(path, sizeof(path), "%s/owner.prom", dir);
	args[5] = path;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	run_result_free(&r);
	text = file_read(path);
	ck_assert_ptr_nonnull(text);
	prometheus_check(text, "unit=\"docker-<container>.scope\"");
	ck_assert_msg(strstr(text, "svc.service\"") != NULL &&
	    strstr(text, "own\\\"svc") == NULL &&
	    strstr(text, "\\\"svc.service") != NULL, "%s", text);
	ck_assert_ptr_null(strstr(text, OWNER_ID1));
	series = prometheus_series(text);
	free(text);
	return series;
}

/*
 * Who owns each process, from the cgroups it is put in: a service whose
 * name is hostile and containers of docker's naming.  Prometheus keeps
 * a series per unit and command, and a container restarted under a new
 * ID keeps its series.
 */
START_TEST(owner_from_the_cgroup)
{
	struct owner_cgroups c;
	struct holder h[3];
	char *first, *again;
	size_t n = 0;

	if (geteuid() != 0 || !owner_cgroups_make(&c))
		SKIP_TEST("needs root and a writable cgroup2 hierarchy");
	owner_holder(&h[0], c.service);
	owner_holder(&h[1], c.service);
	owner_holder(&h[2], c.scope[0]);
	owner_json_check(h, &c);
	owner_table_check();
	first = owner_prometheus(h[0].dir);
	for (const char *p = first; (p = strstr(p, "\nfdaudit_open_fds{")) !=
	    NULL; p++)
		n++;
	ck_assert_msg(n + (strncmp(first, "fdaudit_open_fds{", 17) == 0) ==
	    2, "%s", first);
	holder_stop(&h[2]);
	owner_holder(&h[2], c.scope[1]);
	again = owner_prometheus(h[0].dir);
	ck_assert_str_eq(again, first);
	free(first);
	free(again);
	for (int i = 0; i < 3; i++)
		holder_stop(&h[i]);
	owner_cgroups_remove(&c);
}
END_TEST

/* A process in a PID namespace of its own is shown with its PID there. */
START_TEST(nspid_of_a_namespaced_process)
{
	const char *const isolated[] = { "-I", NULL };
	struct holder h, plain;
	struct run_result r;
	struct jv *doc;
	const char *pid, *plain_pid;
	const char *args[] = { NULL, NULL, "-j", NULL };
	const char *table[] = { NULL, NULL };

	if (holder_start(&h, isolated) != 0)
		SKIP_TEST("cannot create a PID namespace here");
	ck_assert_int_eq(holder_start(&plain, NULL), 0);
	pid = pid_text(h.pid);
	plain_pid = pid_text(plain.pid);
	args[0] = pid;
	args[1] = plain_pid;
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	doc = report_parse(&r);
	ck_assert_int_eq((int)jv_num(report_process(doc, h.pid), "nspid"), 1);
	ck_assert(jv_is(report_process(doc, plain.pid), "nspid", JV_NULL));
	jv_free(doc);
	run_result_free(&r);
	table[0] = pid;
	ck_assert_int_eq(run_fdaudit(&r, NULL, table), 0);
	ck_assert_msg(matches("^PID [0-9]+ .* nspid 1 ", r.out), "%s", r.out);
	run_result_free(&r);
	holder_stop(&h);
	holder_stop(&plain);
}
END_TEST

/*
 * -f jsonl: one JSON object a line for each process, each with the time
 * and the host, hostile names included; a process gone is a line with
 * its error.
 */
START_TEST(jsonl_a_line_per_process)
{
	const char *const hostile[] = { "-x", NULL };
	const char *args[] = { NULL, NULL, NULL, "-f", "jsonl", NULL };
	struct holder h[3];
	struct run_result r;
	pid_t pids[3];
	char host[256], *line, *save = NULL;
	time_t before = time(NULL);
	size_t lines = 0;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(holder_start(&h[i], i == 0 ? hostile : NULL),
		    0);
	for (int i = 0; i < 3; i++) {
		pids[i] = h[i].pid;
		args[i] = pid_text(h[i].pid);
	}
	holder_stop(&h[2]);
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_int_eq(count_lines(r.out), 3);
	for (line = strtok_r(r.out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), lines++) {
		const char *error = NULL;
		struct jv *doc = jv_parse(line, strlen(line), &error);
		struct tm tm = { 0 };
		time_t when;

		ck_assert_msg(doc != NULL, "invalid JSON (%s): %s", error, line);
		ck_assert_msg(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
		    "[0-9]{2}:[0-9]{2}Z$", jv_str(doc, "time")), "%s", line);
		ck_assert_int_eq(sscanf(jv_str(doc, "time"), "%d-%d-%dT%d:%d:%d",
		    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		    &tm.tm_min, &tm.tm_sec), 6);
		tm.tm_year -= 1900;
		tm.tm_mon--;
		when = timegm(&tm);
		ck_assert_msg(when >= before - 1 && when <= time(NULL) + 1,
		    "%s", line);
		ck_assert_str_eq(jv_str(doc, "hostname"), host);
		ck_assert_int_eq((int)jv_num(doc, "pid"), (int)pids[lines]);
		if (lines < 2)
			ck_assert(jv_is(doc, "open", JV_NUMBER));
		else
			ck_assert_ptr_nonnull(jv_str(doc, "error"));
		jv_free(doc);
	}
	ck_assert_int_eq(lines, 3);
	run_result_free(&r);
	holder_stop(&h[0]);
	holder_stop(&h[1]);
}
END_TEST


int
main(void)
{
	Suite *s = suite_create("all");
	TCase *tc = tcase_create("health");
	tcase_leak_check(tc);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, all_lists_every_process_cheaply);
	tcase_add_test(tc, all_with_descriptors_and_filters);
	tcase_add_test(tc, command_matches_long_names_prefixes_and_globs);
	tcase_add_test(tc, nagios_format_and_exit_codes);
	tcase_add_test(tc, nagios_ranges_as_check_procs);
	tcase_add_test(tc, nagios_warns_above_not_at);
	tcase_add_test(tc, nagios_usage_error_on_stdout);
	tcase_add_test(tc, nagios_labels_survive_restart);
	tcase_add_test(tc, prometheus_to_file_atomically);
	tcase_add_test(tc, prometheus_series_per_service);
	tcase_add_test(tc, state_flags_the_leak_not_the_steady);
	tcase_add_test(tc, state_corrupt_or_reused_pid);
	tcase_add_test(tc, top_keeps_the_forecast_leak);
	tcase_add_test(tc, state_overlapping_runs_keep_every_sample);
	tcase_add_test(tc, state_filtered_run_keeps_the_others);
	tcase_add_test(tc, state_locked_by_another_run);
	tcase_add_test(tc, watch_lines_and_end);
	tcase_add_test(tc, watch_screen_on_a_terminal);
	tcase_add_test(tc, watch_screen_fits_the_terminal);
	tcase_add_test(tc, watch_help);
	tcase_add_test(tc, columns_sort_and_bare_rows);
	tcase_add_test(tc, columns_fit_the_terminal);
	tcase_add_test(tc, node_exporter_scrapes_the_textfile);
	tcase_add_test(tc, hostile_names_in_nagios_and_prometheus);
	tcase_add_test(tc, hostile_names_read_by_node_exporter);
	tcase_add_test(tc, unprivileged_all_shows_footer);
	tcase_add_test(tc, refused_table_still_judged);
	tcase_add_test(tc, privilege_hint_names_what_is_missing);
	tcase_add_test(tc, owner_from_the_cgroup);
	tcase_add_test(tc, nspid_of_a_namespaced_process);
	tcase_add_test(tc, jsonl_a_line_per_process);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
