/*
 * Unit tests of the audit's computations, on reports built by hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

/* A file descriptor as the platform layer reads one. */
static struct fd_entry
file_fd(int number, uint64_t dev, uint64_t ino)
{
	return (struct fd_entry){ .fd = number, .type = FD_TYPE_FILE,
	    .have_ino = true, .ino = ino, .dev = dev };
}

START_TEST(same_descriptor_same_object)
{
	struct fd_entry a = file_fd(5, 2049, 1234), b = file_fd(5, 2049, 1234);

	ck_assert(fd_entry_same(&a, &b));
	ck_assert(fd_entry_same(&b, &a));
	/* What is read beside the identity does not change it. */
	b.pos = 4096;
	b.cloexec = true;
	ck_assert(fd_entry_same(&a, &b));
}
END_TEST

START_TEST(number_reused_for_another_object)
{
	struct fd_entry a = file_fd(5, 2049, 1234), b;

	b = file_fd(5, 2049, 1235);		/* another file */
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(5, 2050, 1234);		/* same inode, other disk */
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(5, 2049, 1234);		/* a pipe of that inode */
	b.type = FD_TYPE_FIFO;
	ck_assert(!fd_entry_same(&a, &b));
	b = file_fd(6, 2049, 1234);		/* a duplicate elsewhere */
	ck_assert(!fd_entry_same(&a, &b));
}
END_TEST

START_TEST(missing_inode)
{
	struct fd_entry a = { .fd = 3, .type = FD_TYPE_EVENTFD };
	struct fd_entry b = { .fd = 3, .type = FD_TYPE_EVENTFD };

	/* Neither reading had an inode: the type is all there is. */
	ck_assert(fd_entry_same(&a, &b));
	b.type = FD_TYPE_TIMERFD;
	ck_assert(!fd_entry_same(&a, &b));
	/* An inode in one reading only: the object cannot be vouched for,
	   even when the other reading left ino at the same value. */
	b = (struct fd_entry){ .fd = 3, .type = FD_TYPE_EVENTFD,
	    .have_ino = true, .ino = 0 };
	ck_assert(!fd_entry_same(&a, &b));
	ck_assert(!fd_entry_same(&b, &a));
}
END_TEST

/* A process read whole, with a soft limit of `soft' (0: unlimited). */
static struct process
read_process(int pid, size_t open, uint64_t soft)
{
	return (struct process){ .pid = pid, .open = open, .highest_fd = -1,
	    .have = PROCESS_IDENTITY | PROCESS_LIMITS | PROCESS_COUNT |
	    PROCESS_FDS, .limits = { .soft = soft, .hard = soft,
	    .soft_unlimited = soft == 0, .hard_unlimited = soft == 0 } };
}

START_TEST(counts_of_a_table)
{
	struct fd_entry fds[] = {
		{ .fd = 0, .type = FD_TYPE_CHR, .have_flags = true },
		{ .fd = 3, .type = FD_TYPE_FILE, .have_flags = true },
		{ .fd = 4, .type = FD_TYPE_FILE, .have_flags = true,
		    .cloexec = true, .deleted = true, .size = 4096 },
		{ .fd = 5, .type = FD_TYPE_SOCKET, .state = "CLOSE_WAIT" },
		{ .fd = 6, .type = FD_TYPE_FILE, .have_flags = true,
		    .cloexec = true, .deleted = true, .size = 0 },
		{ .fd = 1030, .type = FD_TYPE_FIFO, .have_flags = true },
	};
	struct process proc = read_process(10, 6, 8);
	struct thresholds t;

	thresholds_default(&t);
	proc.fds = fds;
	proc.nfds = 6;
	proc.highest_fd = 1030;
	audit_process(&proc, &t);
	ck_assert_uint_eq(proc.type_counts[FD_TYPE_FILE], 3);
	ck_assert_uint_eq(proc.type_counts[FD_TYPE_CHR], 1);
	ck_assert_uint_eq(proc.type_counts[FD_TYPE_SOCKET], 1);
	ck_assert_uint_eq(proc.type_counts[FD_TYPE_FIFO], 1);
	ck_assert_uint_eq(proc.type_counts[FD_TYPE_DIR], 0);
	/* 3 and 1030: above 2, flags read, no close-on-exec. */
	ck_assert_uint_eq(proc.inheritable, 2);
	ck_assert_uint_eq(proc.deleted_bytes, 4096);
	ck_assert_uint_eq(proc.close_wait, 1);
	ck_assert(proc.over_fd_setsize);
	ck_assert_double_eq_tol(proc.usage, 0.75, 1e-9);
	ck_assert_int_eq(proc.status, STATUS_OK);
}
END_TEST

/* Default thresholds: warning above 80%, critical above 95%. */
START_TEST(status_by_usage)
{
	static const struct { size_t open; enum status want; } cases[] = {
		{ 80, STATUS_OK }, { 81, STATUS_WARNING },
		{ 95, STATUS_WARNING }, { 96, STATUS_CRITICAL },
		{ 100, STATUS_CRITICAL },
	};
	struct thresholds t;

	thresholds_default(&t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct process proc = read_process(1, cases[i].open, 100);

		audit_process(&proc, &t);
		ck_assert_msg(proc.status == cases[i].want, "%zu of 100: %s",
		    cases[i].open, status_name(proc.status));
		ck_assert_int_eq(proc.usage_status, proc.status);
	}
}
END_TEST

START_TEST(without_a_limit_only_counts_alert)
{
	struct process proc = read_process(1, 6, 0);
	struct thresholds t;

	thresholds_default(&t);
	audit_process(&proc, &t);
	ck_assert_double_eq(proc.usage, -1);
	ck_assert_int_eq(proc.status, STATUS_OK);
	ck_assert_int_eq(range_parse("5", &t.warn_count), 0);
	audit_process(&proc, &t);
	ck_assert_int_eq(proc.status, STATUS_WARNING);
	/* A soft limit of 0 is full as soon as anything is open. */
	proc = read_process(1, 1, 0);
	proc.limits.soft_unlimited = false;
	thresholds_default(&t);
	audit_process(&proc, &t);
	ck_assert_double_eq(proc.usage, 1.0);
	ck_assert_int_eq(proc.status, STATUS_CRITICAL);
}
END_TEST

START_TEST(unread_process_is_unknown)
{
	struct process procs[2] = { read_process(1, 3, 100),
	    { .pid = 2, .error = -ESRCH, .highest_fd = -1 } };
	struct report report = { .processes = procs, .nprocesses = 2 };
	struct thresholds t;

	thresholds_default(&t);
	audit_process(&procs[0], &t);
	audit_process(&procs[1], &t);
	ck_assert_int_eq(procs[1].status, STATUS_UNKNOWN);
	ck_assert_int_eq(audit_report_status(&report), STATUS_UNKNOWN);
	audit_totals(&report);
	ck_assert_int_eq(report.totals.worst, STATUS_UNKNOWN);
	ck_assert_uint_eq(report.totals.ok, 1);
	ck_assert_uint_eq(report.totals.above_warning, 0);
	ck_assert_uint_eq(report.totals.errors, 1);
}
END_TEST

/*
 * An epoll watch is stale when its number is closed, or open on another
 * object than the one it was added for (inode 0: not known).
 */
START_TEST(stale_epoll_watches)
{
	struct fd_entry fds[4] = {
		{ .fd = 3, .type = FD_TYPE_FILE, .have_ino = true, .ino = 222 },
		{ .fd = 4, .type = FD_TYPE_FILE, .have_ino = true, .ino = 333 },
		{ .fd = 5, .type = FD_TYPE_FILE, .have_ino = true, .ino = 444 },
		{ .fd = 7, .type = FD_TYPE_EPOLL },
	};
	static const int64_t watched[] = { 3, 4, 5, 9 };
	static const uint64_t inodes[] = { 111, 333, 0, 0 };
	struct fd_entry *ep = &fds[3];
	struct process proc = read_process(1, 4, 100);
	const struct fd_detail *stale = NULL;
	struct thresholds t;

	ep->details = calloc(1, sizeof(*ep->details));
	ck_assert_ptr_nonnull(ep->details);
	ep->ndetails = 1;
	ep->details[0].key = "watched";
	ep->details[0].kind = DETAIL_NUMBERS;
	ep->details[0].nnumbers = 4;
	ep->details[0].numbers = malloc(sizeof(watched));
	ep->details[0].inodes = malloc(sizeof(inodes));
	ck_assert_ptr_nonnull(ep->details[0].numbers);
	ck_assert_ptr_nonnull(ep->details[0].inodes);
	memcpy(ep->details[0].numbers, watched, sizeof(watched));
	memcpy(ep->details[0].inodes, inodes, sizeof(inodes));
	proc.fds = fds;
	proc.nfds = 4;
	thresholds_default(&t);
	audit_process(&proc, &t);
	for (size_t i = 0; i < ep->ndetails; i++)
		if (strcmp(ep->details[i].key, "stale") == 0)
			stale = &ep->details[i];
	ck_assert_ptr_nonnull(stale);
	ck_assert_uint_eq(stale->nnumbers, 2);
	ck_assert_int_eq(stale->numbers[0], 3);
	ck_assert_int_eq(stale->numbers[1], 9);
	/* A second audit does not mark them twice. */
	audit_process(&proc, &t);
	ck_assert_uint_eq(ep->ndetails, 2);
	fd_entry_release(ep);
}
END_TEST

/*
 * Five processes of --all: the totals count every one, the sort puts
 * the worst first (one raised by its forecast above healthy ones with
 * more open), and --top 1 still keeps every one in trouble.
 */
START_TEST(totals_sort_and_top)
{
	struct process procs[5] = {
		read_process(101, 10, 100),	/* ok, 10% */
		read_process(102, 90, 100),	/* warning */
		read_process(103, 99, 100),	/* critical */
		read_process(104, 50, 100),	/* ok, 50% */
		read_process(105, 20, 100),	/* ok, raised by forecast */
	};
	struct report report = { .processes = procs, .nprocesses = 5,
	    .all = true };
	struct thresholds t;

	thresholds_default(&t);
	for (size_t i = 0; i < 5; i++)
		audit_process(&procs[i], &t);
	procs[4].status = STATUS_WARNING;
	audit_totals(&report);
	ck_assert_int_eq(report.totals.worst, STATUS_CRITICAL);
	ck_assert_uint_eq(report.totals.ok, 2);
	ck_assert_uint_eq(report.totals.above_warning, 3);
	ck_assert_uint_eq(report.totals.errors, 0);
	audit_sort(&report);
	ck_assert_int_eq(procs[0].pid, 103);
	ck_assert_int_eq(procs[1].pid, 102);
	ck_assert_int_eq(procs[2].pid, 105);
	ck_assert_int_eq(procs[3].pid, 104);
	ck_assert_int_eq(procs[4].pid, 101);
	audit_top(&report, 1);
	ck_assert_uint_eq(report.nprocesses, 3);
	ck_assert_int_eq(procs[2].pid, 105);
	/* What was counted stays counted. */
	ck_assert_uint_eq(report.totals.above_warning, 3);
	ck_assert_uint_eq(report.totals.ok, 2);
}
END_TEST

START_TEST(ranges_in_the_plugin_syntax)
{
	struct range r;

	ck_assert_int_eq(range_parse("80", &r), 0);
	ck_assert(!range_alerts(&r, 0));
	ck_assert(!range_alerts(&r, 80));
	ck_assert(range_alerts(&r, 80.5));
	ck_assert(range_alerts(&r, -1));
	ck_assert_int_eq(range_parse("10:", &r), 0);
	ck_assert(range_alerts(&r, 9));
	ck_assert(!range_alerts(&r, 1e9));
	ck_assert_int_eq(range_parse("~:20", &r), 0);
	ck_assert(!range_alerts(&r, -5));
	ck_assert(range_alerts(&r, 21));
	ck_assert_int_eq(range_parse("@10:20", &r), 0);
	ck_assert(range_alerts(&r, 15));
	ck_assert(!range_alerts(&r, 25));
	ck_assert_int_ne(range_parse("20:10", &r), 0);
	ck_assert_int_ne(range_parse("x", &r), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("identity");

	tcase_add_test(tc, same_descriptor_same_object);
	tcase_add_test(tc, number_reused_for_another_object);
	tcase_add_test(tc, missing_inode);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_test(tc, counts_of_a_table);
	tcase_add_test(tc, status_by_usage);
	tcase_add_test(tc, without_a_limit_only_counts_alert);
	tcase_add_test(tc, unread_process_is_unknown);
	tcase_add_test(tc, stale_epoll_watches);
	tcase_add_test(tc, totals_sort_and_top);
	tcase_add_test(tc, ranges_in_the_plugin_syntax);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
