/*
 * Unit tests of collection (src/collect.c) on real processes: this
 * suite's own, a child that has exited, and the -C and -u filters of
 * --all; and of how the platform layer reads the files of a process.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "platform.h"
#include "testutil.h"

#define EPOLL_WATCHES 300

/* The PID of a child that has exited and been waited for. */
static int
gone_pid(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return (int)pid;
}

/* Named PIDs stay in the order given, each with its own outcome. */
START_TEST(named_pids_keep_order_and_failures)
{
	int pids[3] = { (int)getpid(), gone_pid(), (int)getppid() };
	struct report report = { 0 };

	ck_assert_int_eq(platform_init(), 0);
	ck_assert_int_eq(collect_pids(&report, pids, 3, PROCESS_IDENTITY |
	    PROCESS_COUNT), 0);
	ck_assert_uint_eq(report.nprocesses, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(report.processes[i].pid, pids[i]);
	ck_assert_int_eq(report.processes[0].error, 0);
	ck_assert_str_eq(report.processes[0].command, "check_collect");
	ck_assert_uint_ge(report.processes[0].open, 3);
	ck_assert_int_eq(report.processes[1].error, -ESRCH);
	ck_assert_int_eq(report.processes[2].error, 0);
	report_free(&report);
	platform_fini();
}
END_TEST

START_TEST(command_patterns)
{
	ck_assert_int_eq(platform_init(), 0);
	ck_assert(collect_command_match("check", "check_collect"));
	ck_assert(!collect_command_match("heck", "check_collect"));
	ck_assert(collect_command_match("check_*", "check_collect"));
	ck_assert(collect_command_match("*coll?ct", "check_collect"));
	ck_assert(!collect_command_match("*colle", "check_collect"));
	ck_assert(collect_command_match("[bc]heck", "check"));
	/* Linux keeps 15 bytes of a name: a longer pattern is cut too. */
	ck_assert_uint_eq(platform_command_max(), 15);
	ck_assert(collect_command_match("postgres-worker-7",
	    "postgres-worker"));
	ck_assert(!collect_command_match("postgres-walker-7",
	    "postgres-worker"));
	ck_assert(!collect_command_match("postgres-worker-7", "postgres"));
	platform_fini();
}
END_TEST

/* What --all -C and -u keep: this process, and only matching ones. */
START_TEST(all_with_filters)
{
	struct collect_filter by_command = { .command = "check_collect" };
	struct collect_filter nobody = { .command = "no-such-command-x" };
	struct collect_filter by_user = { 0 };
	struct report report = { 0 };
	char uid[24];
	bool self = false;

	ck_assert_int_eq(platform_init(), 0);
	ck_assert_int_eq(collect_all(&report, &by_command, PROCESS_IDENTITY |
	    PROCESS_COUNT), 0);
	for (size_t i = 0; i < report.nprocesses; i++) {
		const struct process *p = &report.processes[i];

		ck_assert_str_eq(p->command, "check_collect");
		ck_assert(!p->kernel_thread);
		self = self || p->pid == (int)getpid();
	}
	ck_assert(self);
	ck_assert_uint_ge(report.examined, report.nprocesses);
	report_free(&report);

	memset(&report, 0, sizeof(report));
	ck_assert_int_eq(collect_all(&report, &nobody, PROCESS_IDENTITY), 0);
	ck_assert_uint_eq(report.nprocesses, 0);
	ck_assert_uint_eq(report.examined, 0);
	report_free(&report);

	snprintf(uid, sizeof(uid), "%ld", (long)getuid());
	by_user.user = uid;
	memset(&report, 0, sizeof(report));
	self = false;
	ck_assert_int_eq(collect_all(&report, &by_user, PROCESS_IDENTITY |
	    PROCESS_COUNT), 0);
	for (size_t i = 0; i < report.nprocesses; i++) {
		ck_assert_int_eq(report.processes[i].uid, (long)getuid());
		self = self || report.processes[i].pid == (int)getpid();
	}
	ck_assert(self);
	report_free(&report);
	platform_fini();
}
END_TEST

/* The "watched" detail of descriptor `number' of `proc', or NULL. */
static const struct fd_detail *
watched_of(const struct process *proc, int number)
{
	for (size_t i = 0; i < proc->nfds; i++) {
		if (proc->fds[i].fd != number)
			continue;
		for (size_t j = 0; j < proc->fds[i].ndetails; j++) {
			if (strcmp(proc->fds[i].details[j].key, "watched") == 0)
				return &proc->fds[i].details[j];
		}
	}
	return NULL;
}

/*
 * An epoll descriptor with many watches has an fdinfo text several times
 * the first buffer: every read but the last fills the room it is given,
 * and the text is read to its end, every watch in it.
 */
START_TEST(long_fdinfo_read_whole)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, fds[EPOLL_WATCHES];
	struct process proc = { .pid = (int)getpid(), .highest_fd = -1 };
	const struct fd_detail *watched;

	ck_assert_int_ge(ep = epoll_create1(EPOLL_CLOEXEC), 0);
	for (size_t i = 0; i < EPOLL_WATCHES; i++) {
		ck_assert_int_ge(fds[i] = eventfd(0, EFD_CLOEXEC), 0);
		ev.data.fd = fds[i];
		ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev), 0);
	}
	ck_assert_int_eq(platform_init(), 0);
	ck_assert_int_eq(platform_process_read(&proc, PROCESS_FDS), 0);
	ck_assert_ptr_nonnull(watched = watched_of(&proc, ep));
	ck_assert_uint_eq(watched->nnumbers, EPOLL_WATCHES);
	for (size_t i = 0; i < EPOLL_WATCHES; i++)
		ck_assert_int_eq(watched->numbers[i], fds[i]);
	process_free(&proc);
	platform_fini();
	for (size_t i = 0; i < EPOLL_WATCHES; i++)
		close(fds[i]);
	close(ep);
}
END_TEST

/* The process of PID `pid' in `report', or NULL. */
static const struct process *
process_of(const struct report *report, int pid)
{
	for (size_t i = 0; i < report->nprocesses; i++) {
		if (report->processes[i].pid == pid)
			return &report->processes[i];
	}
	return NULL;
}

/*
 * --all names the PID of a process in a PID namespace of its own as the
 * process sees it, from the status its identity read, and none for its
 * parent outside, in ours.
 */
START_TEST(all_names_pid_in_own_namespace)
{
	const char *const isolated[] = { "-I", NULL };
	struct collect_filter by_command = { .command = "fdholder" };
	struct report report = { 0 };
	const struct process *inner, *outer;
	struct holder h;

	if (holder_start(&h, isolated) != 0)
		SKIP_TEST("cannot create a PID namespace here");
	ck_assert_int_eq(platform_init(), 0);
	ck_assert_int_eq(collect_all(&report, &by_command, PROCESS_IDENTITY |
	    PROCESS_LIMITS | PROCESS_COUNT | PROCESS_SERVICE), 0);
	ck_assert_ptr_nonnull(inner = process_of(&report, h.pid));
	ck_assert_ptr_nonnull(outer = process_of(&report, h.ns_parent));
	ck_assert(inner->have & PROCESS_SERVICE);
	ck_assert_int_eq(inner->nspid, 1);
	ck_assert(outer->have & PROCESS_SERVICE);
	ck_assert_int_eq(outer->nspid, 0);
	report_free(&report);

	/* Without the owner asked for, no PID of its own is looked for. */
	memset(&report, 0, sizeof(report));
	ck_assert_int_eq(collect_all(&report, &by_command, PROCESS_IDENTITY |
	    PROCESS_COUNT), 0);
	ck_assert_ptr_nonnull(inner = process_of(&report, h.pid));
	ck_assert(!(inner->have & PROCESS_SERVICE));
	ck_assert_int_eq(inner->nspid, 0);
	report_free(&report);
	platform_fini();
	holder_stop(&h);
}
END_TEST

/* The PID of a kernel thread, or 0 when none is visible (a container). */
static int
kernel_thread_pid(void)
{
	int *pids, found = 0;
	size_t n;

	ck_assert_int_eq(platform_process_list(&pids, &n), 0);
	for (size_t i = 0; i < n && found == 0; i++) {
		struct process p = { .pid = pids[i], .highest_fd = -1 };

		if (platform_process_read(&p, PROCESS_IDENTITY) == 0 &&
		    p.kernel_thread)
			found = p.pid;
		process_free(&p);
	}
	free(pids);
	return found;
}

/*
 * A kernel thread to be skipped is read no further than its stat, which
 * tells it is one; asked for by its PID, it is read like any process.
 * --all leaves every one of them out.
 */
START_TEST(kernel_threads_read_no_further)
{
	const unsigned what = PROCESS_IDENTITY | PROCESS_LIMITS |
	    PROCESS_COUNT | PROCESS_SERVICE;
	struct process skipped = { .highest_fd = -1 };
	struct process named = { .highest_fd = -1 };
	struct collect_filter everyone = { 0 };
	struct report report = { 0 };
	int error;

	ck_assert_int_eq(platform_init(), 0);
	if ((skipped.pid = named.pid = kernel_thread_pid()) == 0) {
		platform_fini();
		SKIP_TEST("no kernel thread is visible here");
	}
	ck_assert_int_eq(platform_process_read(&skipped, what |
	    PROCESS_SKIP_KERNEL), 0);
	ck_assert(skipped.kernel_thread);
	ck_assert_ptr_nonnull(skipped.command);
	ck_assert_uint_eq(skipped.have, PROCESS_IDENTITY);
	ck_assert_ptr_null(skipped.cgroup);
	process_free(&skipped);

	/* Its table is root's: another user may not count it. */
	error = platform_process_read(&named, what);
	if (error == -EACCES && geteuid() != 0) {
		test_part_skipped(__func__, "reading a kernel thread by its "
		    "PID needs root");
	} else {
		ck_assert_int_eq(error, 0);
		ck_assert(named.kernel_thread);
		ck_assert_uint_eq(named.have & what, what);
		ck_assert_uint_eq(named.open, 0);
	}
	process_free(&named);

	ck_assert_int_eq(collect_all(&report, &everyone, what), 0);
	ck_assert_uint_gt(report.nprocesses, 0);
	for (size_t i = 0; i < report.nprocesses; i++)
		ck_assert(!report.processes[i].kernel_thread);
	ck_assert_ptr_null(process_of(&report, named.pid));
	report_free(&report);
	platform_fini();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("collect");
	TCase *tc = tcase_create("collect");

	tcase_add_test(tc, named_pids_keep_order_and_failures);
	tcase_add_test(tc, command_patterns);
	tcase_add_test(tc, all_with_filters);
	tcase_add_test(tc, long_fdinfo_read_whole);
	tcase_add_test(tc, all_names_pid_in_own_namespace);
	tcase_add_test(tc, kernel_threads_read_no_further);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
