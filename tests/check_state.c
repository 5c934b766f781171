/*
 * Unit tests of the state file and the trend computed from it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

static const struct trend_options defaults = { 3, 86400 };

static int
parse(const char *text, struct state *st)
{
	return state_parse(text, strlen(text), st);
}

START_TEST(parse_and_format_round_trip)
{
	static const char text[] = "fdaudit-state 1\n"
	    "42 1000 1700000000:10 1700000060:12\n"
	    "7 5 1700000000:3\n";
	struct state st;
	char *out;
	size_t len;
	FILE *f;

	ck_assert_int_eq(parse(text, &st), 0);
	ck_assert_uint_eq(st.nentries, 2);
	ck_assert_int_eq(st.entries[0].pid, 42);
	ck_assert_uint_eq(st.entries[0].start_time, 1000);
	ck_assert_uint_eq(st.entries[0].nsamples, 2);
	ck_assert_uint_eq(st.entries[0].samples[1].open, 12);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(state_format(f, &st), 0);
	fclose(f);
	ck_assert_str_eq(out, text);
	free(out);
	state_free(&st);
	ck_assert_int_eq(parse("fdaudit-state 1\n", &st), 0);
	ck_assert_uint_eq(st.nentries, 0);
	/* Each number at the top of its range is still taken. */
	ck_assert_int_eq(parse("fdaudit-state 1\n2147483647 "
	    "9223372036854775807 0:0 253402300799:2147483647\n", &st), 0);
	ck_assert_int_eq(st.entries[0].pid, 2147483647);
	ck_assert_uint_eq(st.entries[0].start_time, 9223372036854775807ULL);
	ck_assert_int_eq(st.entries[0].samples[1].time, 253402300799LL);
	ck_assert_uint_eq(st.entries[0].samples[1].open, 2147483647);
	state_free(&st);
}
END_TEST

START_TEST(corrupt_files_rejected)
{
	static const char *const bad[] = {
		"",
		"fdaudit-state 2\n",
		"garbage\n42 1 1:1\n",
		"fdaudit-state 1\n42 1000 1700000000:10",	/* cut */
		"fdaudit-state 1\n42 1000\n",
		"fdaudit-state 1\n0 1 1:1\n",
		"fdaudit-state 1\n42 1 1:\n",
		"fdaudit-state 1\n42 1 x:1\n",
		"fdaudit-state 1\n42 1 1:1  \n",
		"fdaudit-state 1\n99999999999 1 1:1\n",
		"fdaudit-state 1\n42 1 99999999999999999999999:1\n",
		"fdaudit-state 1\n42 1 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9 "
		    "10:10 11:11 12:12 13:13 14:14 15:15 16:16 17:17\n",
		/* Numbers out of their ranges, signed or padded. */
		"fdaudit-state 1\n2147483648 1 1:1\n",
		"fdaudit-state 1\n42 9223372036854775808 1:1\n",
		"fdaudit-state 1\n42 1 253402300800:1\n",
		"fdaudit-state 1\n42 1 1:2147483648\n",
		"fdaudit-state 1\n42 1 1:18446744073709551616\n",
		"fdaudit-state 1\n42 1 1:-1\n",
		"fdaudit-state 1\n-42 1 1:1\n",
		"fdaudit-state 1\n+42 1 1:1\n",
		"fdaudit-state 1\n42 1 1:+1\n",
		"fdaudit-state 1\n42  1 1:1\n",
		"fdaudit-state 1\n42 1 1:\t1\n",
		"fdaudit-state 1\n42 1 0000000000000000000000001:1\n",
	};
	struct state st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i], &st) != 0, "accepted: %s", bad[i]);
		ck_assert_ptr_null(st.entries);
	}
}
END_TEST

static void
entry_fill(struct state_entry *e, const uint64_t *counts, size_t n,
    int64_t step)
{
	memset(e, 0, sizeof(*e));
	e->pid = 1;
	for (size_t i = 0; i < n; i++) {
		e->samples[i].time = 1700000000 + (int64_t)i * step;
		e->samples[i].open = counts[i];
	}
	e->nsamples = n;
}

START_TEST(trend_of_a_leak)
{
	static const uint64_t counts[] = { 100, 110, 120, 130 };
	struct process proc = { .open = 130, .have = PROCESS_LIMITS,
	    .limits = { .soft = 1130 } };
	struct state_entry e;
	struct trend t;

	entry_fill(&e, counts, 4, 3600);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(t.have);
	ck_assert_int_eq(t.delta, 10);
	ck_assert_uint_eq(t.rising_runs, 3);
	ck_assert(t.leak_suspect);
	ck_assert(fabs(t.per_hour - 10.0) < 1e-9);
	/* 1000 descriptors left at 10 an hour: 100 hours. */
	ck_assert(fabs(t.exhausts_in_s - 100 * 3600.0) < 1e-6);
}
END_TEST

START_TEST(trend_of_a_steady_process)
{
	static const uint64_t counts[] = { 50, 52, 50, 51, 50 };
	struct process proc = { .open = 50, .have = PROCESS_LIMITS,
	    .limits = { .soft = 1024 } };
	struct state_entry e;
	struct trend t;

	entry_fill(&e, counts, 5, 60);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert_int_eq(t.delta, -1);
	ck_assert_uint_eq(t.rising_runs, 0);
	ck_assert(!t.leak_suspect);
}
END_TEST

START_TEST(trend_needs_history)
{
	static const uint64_t counts[] = { 10, 20 };
	struct process proc = { .open = 20, .have = PROCESS_LIMITS,
	    .limits = { .soft = 1024 } };
	struct state_entry e;
	struct trend t;

	entry_fill(&e, counts, 1, 60);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(!t.have);
	ck_assert(t.exhausts_in_s < 0);
	/* Two samples give a delta, but no projection yet. */
	entry_fill(&e, counts, 2, 60);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(t.have);
	ck_assert_int_eq(t.delta, 10);
	ck_assert(t.exhausts_in_s < 0);
	/* No limit, no projection. */
	proc.limits.soft_unlimited = true;
	entry_fill(&e, (const uint64_t[]){ 1, 2, 3 }, 3, 60);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(t.exhausts_in_s < 0);
	ck_assert(t.leak_suspect == false);
	ck_assert_uint_eq(t.rising_runs, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");
	tcase_leak_check(tc);

	tcase_add_test(tc, parse_and_format_round_trip);
	tcase_add_test(tc, corrupt_files_rejected);
	tcase_add_test(tc, trend_of_a_leak);
	tcase_add_test(tc, trend_of_a_steady_process);
	tcase_add_test(tc, trend_needs_history);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
