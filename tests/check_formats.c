/*
 * Unit tests of the output modules: each format written from a report
 * built by hand, compared with the text worked out by hand from the
 * format's rules.  The audit's numbers are set directly, so only the
 * output is under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

/* What `ops' writes for `report', as a string to free. */
static char *
render(const struct output_ops *ops, const struct report *report)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	output_write(ops, out, report);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_ptr_nonnull(text);
	return text;
}

static void
expect(const struct output_ops *ops, const struct report *report,
    const char *want)
{
	char *got = render(ops, report);

	ck_assert_str_eq(got, want);
	free(got);
}

static const unsigned all_parts = PROCESS_IDENTITY | PROCESS_LIMITS |
    PROCESS_COUNT | PROCESS_FDS;

/*
 * nginx with 512 of 1024 open: a terminal on fd 0 and a log file on 3
 * whose name has a newline in it and that a child would inherit.
 */
static struct fd_entry nginx_fds[2];
static struct process nginx;

static void
nginx_make(void)
{
	nginx_fds[0] = (struct fd_entry){ .fd = 0, .type = FD_TYPE_CHR,
	    .mode = FD_MODE_READ_WRITE, .have_flags = true, .size = -1,
	    .target = (char *)"/dev/pts/0" };
	nginx_fds[1] = (struct fd_entry){ .fd = 3, .type = FD_TYPE_FILE,
	    .mode = FD_MODE_READ, .have_flags = true, .have_ino = true,
	    .ino = 77, .size = 100, .target = (char *)"/var/log/app\nlog" };
	nginx = (struct process){ .pid = 4711, .command = (char *)"nginx",
	    .user = (char *)"www", .have = all_parts, .open = 512,
	    .highest_fd = 3, .limits = { .soft = 1024, .hard = 4096 }, .fds = nginx_fds,
	    .nfds = 2, .inheritable = 1, .usage = 0.5,
	    .status = STATUS_OK, .usage_status = STATUS_OK };
	nginx.type_counts[FD_TYPE_CHR] = 1;
	nginx.type_counts[FD_TYPE_FILE] = 1;
}

static struct report
report_of(struct process *procs, size_t n)
{
	struct report report = { .processes = procs, .nprocesses = n,
	    .per_fd = true };

	thresholds_default(&report.thresholds);
	return report;
}

START_TEST(table_of_one_process)
{
	struct report report;

	escape_set_utf8(true);
	nginx_make();
	report = report_of(&nginx, 1);
	report.totals = (struct report_totals){ .worst = STATUS_OK, .ok = 1 };
	expect(&output_table_ops, &report,
	    "PID 4711  nginx  user www  status ok\n"
	    "  open 512  soft 1024  hard 4096  usage 50.0%  highest 3  "
	    "inheritable 1\n"
	    "   file 1  chr 1\n"
	    "  note: 1 descriptor above 2 without close-on-exec, inherited "
	    "by every program it executes\n"
	    "\n"
	    "FD  TYPE        MODE FLAGS       TARGET\n"
	    " 0  chr         rw   -           /dev/pts/0\n"
	    " 3  file        r    inheritable /var/log/app\\nlog\n");
}
END_TEST

START_TEST(json_of_one_process)
{
	struct report report;

	nginx_make();
	nginx.unit = (char *)"nginx.service";
	nginx.cgroup = (char *)"/system.slice/nginx.service";
	report = report_of(&nginx, 1);
	report.totals = (struct report_totals){ .worst = STATUS_OK, .ok = 1 };
	expect(&output_json_ops, &report,
	    "{\n"
	    "  \"version\": 1,\n"
	    "  \"processes\": [\n"
	    "    {\n"
	    "      \"pid\": 4711,\n"
	    "      \"command\": \"nginx\",\n"
	    "      \"user\": \"www\",\n"
	    "      \"unit\": \"nginx.service\",\n"
	    "      \"cgroup\": \"/system.slice/nginx.service\",\n"
	    "      \"container\": null,\n"
	    "      \"nspid\": null,\n"
	    "      \"open\": 512,\n"
	    "      \"limit_soft\": 1024,\n"
	    "      \"limit_hard\": 4096,\n"
	    "      \"usage\": 0.5000,\n"
	    "      \"highest_fd\": 3,\n"
	    "      \"inheritable\": 1,\n"
	    "      \"over_fd_setsize\": false,\n"
	    "      \"deleted_bytes\": 0,\n"
	    "      \"close_wait\": 0,\n"
	    "      \"status\": \"ok\",\n"
	    "      \"types\": {\n"
	    "        \"file\": 1,\n"
	    "        \"chr\": 1\n"
	    "      },\n"
	    "      \"fds\": [\n"
	    "        {\"fd\":0, \"type\":\"chr\", \"mode\":\"rw\", "
	    "\"cloexec\":false, \"nonblock\":false, \"append\":false, "
	    "\"pos\":0, \"target\":\"/dev/pts/0\", \"deleted\":false, "
	    "\"ino\":null\n"
	    "        },\n"
	    "        {\"fd\":3, \"type\":\"file\", \"mode\":\"r\", "
	    "\"cloexec\":false, \"nonblock\":false, \"append\":false, "
	    "\"pos\":0, \"target\":\"/var/log/app\\nlog\", \"deleted\":false, "
	    "\"ino\":77, \"size\":100\n"
	    "        }\n"
	    "      ]\n"
	    "    }\n"
	    "  ],\n"
	    "  \"errors\": [],\n"
	    "  \"system\": null,\n"
	    "  \"unreadable\": 0,\n"
	    "  \"others_hidden\": false\n"
	    "}\n");
}
END_TEST

START_TEST(nagios_all_is_well)
{
	struct report report;

	nginx_make();
	report = report_of(&nginx, 1);
	report.totals = (struct report_totals){ .worst = STATUS_OK, .ok = 1 };
	/* 80% and 95% of 1024, rounded inwards: 819.2 and 972.8. */
	expect(&output_nagios_ops, &report,
	    "FDAUDIT OK - 1 process within -w 80, highest nginx[4711] "
	    "512/1024 (50%) | 'nginx'=512;819;972;0;1024\n");
}
END_TEST

/* A process of --all, read whole, with a soft limit of 1000. */
static struct process
listed(int pid, const char *command, size_t open, enum status status)
{
	return (struct process){ .pid = pid, .command = (char *)command,
	    .user = (char *)"www", .have = all_parts, .open = open,
	    .highest_fd = -1, .limits = { .soft = 1000, .hard = 1000 },
	    .usage = (double)open / 1000, .status = status,
	    .usage_status = status };
}

/*
 * --all --top 1 kept the two in trouble and one more of 42 that were
 * counted: the text tells the totals, not the three rows left.
 */
START_TEST(nagios_tells_the_totals)
{
	struct process procs[3] = {
		listed(200, "java", 990, STATUS_CRITICAL),
		listed(100, "nginx", 850, STATUS_WARNING),
		listed(300, "sh", 5, STATUS_OK),
	};
	struct report report = report_of(procs, 3);
	struct unreadable gone = { .pid = 7, .error = -13 };

	report.all = true;
	report.unreadable = &gone;
	report.nunreadable = 1;
	report.totals = (struct report_totals){ .worst = STATUS_CRITICAL,
	    .ok = 40, .above_warning = 2 };
	expect(&output_nagios_ops, &report,
	    "FDAUDIT CRITICAL - 2 of 42 processes at warning or worse: "
	    "java[200] 990/1000 (99%), nginx[100] 850/1000 (85%); "
	    "1 unreadable | 'java'=990;800;950;0;1000\n"
	    "critical: java[200] 990/1000 (99%)\n"
	    "warning: nginx[100] 850/1000 (85%)\n"
	    "| 'nginx'=850;800;950;0;1000\n"
	    "'sh'=5;800;950;0;1000\n");
}
END_TEST

/*
 * Two nginx processes are one service: their counts add up, and the
 * first (the worst, as the report is sorted) speaks for the rest.  A
 * process without limits has no limit series; a quote in a label value
 * is escaped.
 */
START_TEST(prometheus_per_service)
{
	struct process procs[3] = {
		listed(1, "nginx", 100, STATUS_OK),
		listed(2, "nginx", 50, STATUS_OK),
		listed(3, "redis", 7, STATUS_WARNING),
	};
	struct report report = report_of(procs, 3);

	procs[0].limits = (struct fd_limits){ .soft = 1024,
	    .hard_unlimited = true };
	procs[0].usage = 100.0 / 1024;
	procs[0].unit = procs[1].unit = (char *)"nginx.service";
	procs[2].user = (char *)"r\"d";
	procs[2].have &= ~PROCESS_LIMITS;
	procs[2].usage = -1;
	report.per_fd = false;
	report.all = true;
	report.duration = 0.25;
	report.totals = (struct report_totals){ .worst = STATUS_WARNING,
	    .ok = 2, .above_warning = 1 };
	expect(&output_prometheus_ops, &report,
	    "# HELP fdaudit_open_fds Open file descriptors of the service.\n"
	    "# TYPE fdaudit_open_fds gauge\n"
	    "fdaudit_open_fds{command=\"nginx\",user=\"www\",unit=\"nginx.service\"} 150\n"
	    "fdaudit_open_fds{command=\"redis\",user=\"r\\\"d\",unit=\"\"} 7\n"
	    "# HELP fdaudit_fd_limit_soft Soft RLIMIT_NOFILE of the process.\n"
	    "# TYPE fdaudit_fd_limit_soft gauge\n"
	    "fdaudit_fd_limit_soft{command=\"nginx\",user=\"www\",unit=\"nginx.service\"} 1024\n"
	    "# HELP fdaudit_fd_limit_hard Hard RLIMIT_NOFILE of the process.\n"
	    "# TYPE fdaudit_fd_limit_hard gauge\n"
	    "fdaudit_fd_limit_hard{command=\"nginx\",user=\"www\",unit=\"nginx.service\"} +Inf\n"
	    "# HELP fdaudit_fd_usage_ratio Open descriptors over the soft "
	    "limit.\n"
	    "# TYPE fdaudit_fd_usage_ratio gauge\n"
	    "fdaudit_fd_usage_ratio{command=\"nginx\",user=\"www\",unit=\"nginx.service\"} 0.097656\n"
	    "# HELP fdaudit_status 0 ok, 1 warning, 2 critical, as the exit "
	    "status.\n"
	    "# TYPE fdaudit_status gauge\n"
	    "fdaudit_status{command=\"nginx\",user=\"www\",unit=\"nginx.service\"} 0\n"
	    "fdaudit_status{command=\"redis\",user=\"r\\\"d\",unit=\"\"} 1\n"
	    "# HELP fdaudit_unreadable_processes Processes that could not be "
	    "read.\n"
	    "# TYPE fdaudit_unreadable_processes gauge\n"
	    "fdaudit_unreadable_processes 0\n"
	    "# HELP fdaudit_audit_duration_seconds Time fdaudit took to read "
	    "the processes.\n"
	    "# TYPE fdaudit_audit_duration_seconds gauge\n"
	    "fdaudit_audit_duration_seconds 0.250000\n");
}
END_TEST

/*
 * Two reports one after the other through the same module: nothing of
 * the first is left over in the second.
 */
START_TEST(reports_do_not_share_state)
{
	struct report report;
	char *first, *second;

	escape_set_utf8(true);
	nginx_make();
	report = report_of(&nginx, 1);
	first = render(&output_table_ops, &report);
	second = render(&output_table_ops, &report);
	ck_assert_str_eq(first, second);
	free(first);
	free(second);
	first = render(&output_json_ops, &report);
	second = render(&output_json_ops, &report);
	ck_assert_str_eq(first, second);
	free(first);
	free(second);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, table_of_one_process);
	tcase_add_test(tc, json_of_one_process);
	tcase_add_test(tc, nagios_all_is_well);
	tcase_add_test(tc, nagios_tells_the_totals);
	tcase_add_test(tc, prometheus_per_service);
	tcase_add_test(tc, reports_do_not_share_state);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
