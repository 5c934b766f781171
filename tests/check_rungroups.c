/*
 * Unit tests of how fdaudit run groups its findings: the leaks of one
 * process made at one place become one site with a count, and a leak
 * repeated in many processes one group.  The grouping is file-local to
 * src/run.c, so the module is compiled into this suite to reach it;
 * testutil.h has a struct of the same name, so Check is used directly.
 */
#include "../src/run.c"

#include <check.h>

/* One place in a program; `pc' varies between runs, the rest does not. */
static struct trace_frame
frame(uint64_t pc, int line)
{
	return (struct trace_frame){ .pc = pc,
	    .function = (char *)"leak_open", .file = (char *)"leaky.c",
	    .line = line, .object = (char *)"leaky" };
}

static struct trace_frame at10 = { 0 }, at10_moved = { 0 }, at11 = { 0 };

static void
frames_make(void)
{
	at10 = frame(0x1000, 10);
	at10_moved = frame(0x7f001000, 10);	/* another run, same line */
	at11 = frame(0x1040, 11);
}

static struct run_leak
leak(int fd, const char *syscall, struct trace_frame *stack)
{
	return (struct run_leak){ .fd = fd, .type = FD_TYPE_FILE,
	    .class = RUN_CLASS_LEAK, .syscall = syscall, .stack = stack,
	    .nstack = 1 };
}

START_TEST(sites_of_one_process)
{
	struct run_leak leaks[4];
	struct run_site *sites = NULL;
	size_t nsites = 0;

	frames_make();
	leaks[0] = leak(5, "open", &at10);
	leaks[1] = leak(6, "open", &at11);
	leaks[2] = leak(7, "open", &at10_moved);
	leaks[3] = leak(9, "open", &at10);
	ck_assert_int_eq(sites_group(leaks, 4, &sites, &nsites), 0);
	ck_assert_uint_eq(nsites, 2);
	/* Most first: line 10 made 5, 7 and 9. */
	ck_assert_uint_eq(sites[0].count, 3);
	ck_assert_int_eq(sites[0].example->stack->line, 10);
	ck_assert_int_eq(sites[0].fds[0], 5);
	ck_assert_int_eq(sites[0].fds[1], 7);
	ck_assert_int_eq(sites[0].fds[2], 9);
	ck_assert_uint_eq(sites[1].count, 1);
	ck_assert_int_eq(sites[1].fds[0], 6);
	free(sites);
}
END_TEST

START_TEST(stacks_differ_by_place_not_address)
{
	struct trace_frame two[2];
	struct run_leak a, b;

	frames_make();
	a = leak(5, "open", &at10);
	b = leak(5, "open", &at10_moved);
	ck_assert(same_leak(&a, &b));
	b.stack = &at11;
	ck_assert(!same_leak(&a, &b));
	/* A longer stack, even with the same first frame, is another. */
	two[0] = at10;
	two[1] = at11;
	b.stack = two;
	b.nstack = 2;
	ck_assert(!same_leak(&a, &b));
	b = leak(5, "openat", &at10);
	ck_assert(!same_leak(&a, &b));
	b = leak(5, "open", &at10);
	b.type = FD_TYPE_SOCKET;
	ck_assert(!same_leak(&a, &b));
}
END_TEST

/*
 * Three processes leak at line 10 (one of them twice, counted once), one
 * at line 11 too, and one through another call: three groups, and only
 * the first is shared by enough processes to be printed once for all.
 */
START_TEST(groups_across_processes)
{
	struct run_leak l100[2], l101[1], l102[2], l103[1];
	struct run_proc procs[4] = {
		{ .pid = 100, .leaks = l100, .nleaks = 2 },
		{ .pid = 101, .leaks = l101, .nleaks = 1 },
		{ .pid = 102, .leaks = l102, .nleaks = 2 },
		{ .pid = 103, .leaks = l103, .nleaks = 1 },
	};
	struct run_report rep = { .procs = procs, .nprocs = 4 };

	frames_make();
	l100[0] = leak(5, "open", &at10);
	l100[1] = leak(6, "open", &at10_moved);
	l101[0] = leak(5, "open", &at10_moved);
	l102[0] = leak(7, "open", &at10);
	l102[1] = leak(8, "open", &at11);
	l103[0] = leak(5, "socket", &at10);
	run_aggregate(&rep);
	ck_assert_uint_eq(rep.ngroups, 3);
	ck_assert_uint_eq(rep.groups[0].nprocs, 3);
	ck_assert_int_eq(rep.groups[0].pids[0], 100);
	ck_assert_int_eq(rep.groups[0].pids[1], 101);
	ck_assert_int_eq(rep.groups[0].pids[2], 102);
	ck_assert_uint_eq(rep.groups[1].nprocs, 1);
	ck_assert_int_eq(rep.groups[1].pids[0], 102);
	ck_assert_str_eq(rep.groups[1].syscall, "open");
	ck_assert_uint_eq(rep.groups[2].nprocs, 1);
	ck_assert_str_eq(rep.groups[2].syscall, "socket");
	ck_assert(l100[0].aggregated && l100[1].aggregated);
	ck_assert(l101[0].aggregated && l102[0].aggregated);
	ck_assert(!l102[1].aggregated);
	ck_assert(!l103[0].aggregated);
	free(rep.groups);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rungroups");
	TCase *tc = tcase_create("grouping");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, sites_of_one_process);
	tcase_add_test(tc, stacks_differ_by_place_not_address);
	tcase_add_test(tc, groups_across_processes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
