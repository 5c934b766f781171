/*
 * Unit tests of the state file and the trend computed from it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdaudit.h"
#include "testutil.h"

static const struct trend_options defaults = {
	.leak_runs = 3, .horizon_s = 86400, .min_span_s = 300,
};

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
	static const uint64_t counts[] = { 50, 60, 70, 80, 90, 100, 110, 120,
	    130, 140, 150, 160, 170 };
	struct process proc = { .open = 130, .have = PROCESS_LIMITS,
	    .limits = { .soft = 1130 } };
	struct state_entry e;
	struct trend t;

	/* Four runs: a suspect, but no projection from so few. */
	entry_fill(&e, counts + 5, 4, 3600);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(t.have);
	ck_assert_int_eq(t.delta, 10);
	ck_assert_uint_eq(t.rising_runs, 3);
	ck_assert(t.leak_suspect);
	ck_assert(fabs(t.per_hour - 10.0) < 1e-9);
	ck_assert(t.exhausts_in_s < 0);
	/* Ten: 1000 descriptors left at 10 an hour, 100 hours. */
	entry_fill(&e, counts, 9, 3600);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(t.exhausts_in_s < 0);
	entry_fill(&e, counts, 10, 3600);
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(fabs(t.exhausts_in_s - 100 * 3600.0) < 1e-6);
	/* The slope of the last ten runs, not of all those kept. */
	entry_fill(&e, (const uint64_t[]){ 0, 0, 0, 100, 110, 120, 130,
	    140, 150, 160, 170, 180, 190 }, 13, 3600);
	proc.open = 190;
	trend_compute(&e, &proc, &defaults, &t);
	ck_assert(fabs(t.per_hour - 10.0) < 1e-9);
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

/*
 * Feed the counts to the trend one run at a time, `step' seconds apart,
 * keeping the last STATE_MAX_SAMPLES as the state file does; trends[i]
 * is the trend after run i.
 */
static void
series_trends_with(const struct trend_options *opt, const uint64_t *counts,
    size_t n, int64_t step, uint64_t soft, struct trend *trends)
{
	struct process proc = { .have = PROCESS_LIMITS,
	    .limits = { .soft = soft } };
	struct state_entry e = { .pid = 1 };

	for (size_t i = 0; i < n; i++) {
		if (e.nsamples == STATE_MAX_SAMPLES) {
			memmove(e.samples, e.samples + 1,
			    sizeof(e.samples[0]) * (STATE_MAX_SAMPLES - 1));
			e.nsamples--;
		}
		e.samples[e.nsamples].time = 1700000000 + (int64_t)i * step;
		e.samples[e.nsamples++].open = counts[i];
		proc.open = counts[i];
		trend_compute(&e, &proc, opt, &trends[i]);
	}
}

static void
series_trends(const uint64_t *counts, size_t n, int64_t step, uint64_t soft,
    struct trend *trends)
{
	series_trends_with(&defaults, counts, n, step, soft, trends);
}

#define RUNS 40

/* Grew at start-up, then flat: never a suspect, never a projection. */
START_TEST(warm_up_then_plateau_never_pages)
{
	static const int64_t steps[] = { 60, 300, 3600 };
	uint64_t counts[RUNS];
	struct trend t[RUNS];

	for (size_t i = 0; i < RUNS; i++)
		counts[i] = i < 3 ? 40 * (i + 1) : 120;
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		series_trends(counts, RUNS, steps[k], 1024, t);
		for (size_t i = 0; i < RUNS; i++) {
			ck_assert_msg(!t[i].leak_suspect, "run %zu suspect", i);
			ck_assert_msg(t[i].exhausts_in_s < 0, "run %zu "
			    "projected at step %lld", i, (long long)steps[k]);
		}
	}
	/* Four rises, then flat: flagged while rising, not three runs on. */
	for (size_t i = 0; i < RUNS; i++)
		counts[i] = i < 5 ? 100 + 10 * i : 140;
	series_trends(counts, RUNS, 300, 200, t);
	ck_assert(t[4].leak_suspect);
	for (size_t i = 7; i < RUNS; i++)
		ck_assert_msg(!t[i].leak_suspect && t[i].exhausts_in_s < 0,
		    "run %zu still flagged", i);
}
END_TEST

/*
 * One more descriptor every run of a check every minute: a suspect from
 * the fourth run, projected once the window of ten runs is full (and
 * spans more than five minutes), and from then on every run; with a run
 * every ten seconds, not before the ten runs span five minutes.
 */
START_TEST(steady_leak_flagged)
{
	uint64_t counts[RUNS];
	struct trend t[RUNS];

	for (size_t i = 0; i < RUNS; i++)
		counts[i] = 100 + i;
	series_trends(counts, RUNS, 60, 300, t);
	for (size_t i = 0; i < RUNS; i++) {
		ck_assert_msg(t[i].leak_suspect == (i >= 3), "run %zu", i);
		ck_assert_msg((t[i].exhausts_in_s >= 0) == (i >= 9),
		    "run %zu: %f", i, t[i].exhausts_in_s);
	}
	/* 60 an hour, from the window alone. */
	ck_assert(fabs(t[RUNS - 1].per_hour - 60.0) < 1e-6);
	ck_assert(fabs(t[RUNS - 1].exhausts_in_s -
	    (300.0 - counts[RUNS - 1]) * 60.0) < 1e-6);
	series_trends(counts, RUNS, 10, 300, t);
	for (size_t i = 0; i < RUNS; i++)
		ck_assert_msg(t[i].exhausts_in_s < 0, "run %zu", i);
	series_trends_with(&(struct trend_options){ .leak_runs = 3,
	    .horizon_s = 86400, .min_span_s = 90 }, counts, RUNS, 10, 300, t);
	for (size_t i = 0; i < RUNS; i++)
		ck_assert_msg((t[i].exhausts_in_s >= 0) == (i >= 9),
		    "run %zu: %f", i, t[i].exhausts_in_s);
}
END_TEST

/* One descriptor every third run: slow, but a leak all the same. */
START_TEST(stair_step_flagged)
{
	uint64_t counts[RUNS];
	struct trend t[RUNS];

	for (size_t i = 0; i < RUNS; i++)
		counts[i] = 200 + i / 3;
	series_trends(counts, RUNS, 60, 400, t);
	for (size_t i = 12; i < RUNS; i++) {
		ck_assert_msg(t[i].leak_suspect, "run %zu not a suspect", i);
		ck_assert_msg(t[i].exhausts_in_s >= 0, "run %zu", i);
		ck_assert_msg(fabs(t[i].per_hour - 20.0) < 3.0,
		    "run %zu: %f an hour", i, t[i].per_hour);
	}
}
END_TEST

/* Counts that jump up and down are never a leak, whatever the slope. */
START_TEST(jitter_never_flagged)
{
	uint64_t counts[RUNS];
	struct trend t[RUNS];
	uint32_t seed = 12345;

	for (size_t i = 0; i < RUNS; i++)
		counts[i] = i % 2 ? 140 : 100;
	series_trends(counts, RUNS, 60, 160, t);
	for (size_t i = 0; i < RUNS; i++)
		ck_assert_msg(!t[i].leak_suspect && t[i].exhausts_in_s < 0,
		    "alternating: run %zu flagged", i);
	/*
	 * Around 50, still or drifting up a little: a busy server.  Each
	 * history of random counts is also a possible window of a real one.
	 */
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < RUNS; i++) {
			seed = seed * 1103515245u + 12345u;
			counts[i] = 45 + (round % 2 ? i / 8 : 0) +
			    (seed >> 16) % 11;
		}
		series_trends(counts, RUNS, 60, 80, t);
		for (size_t i = 0; i < RUNS; i++) {
			ck_assert_msg(t[i].exhausts_in_s < 0,
			    "round %d: run %zu projected", round, i);
			ck_assert_msg(!t[i].leak_suspect || i < 9,
			    "round %d: run %zu suspect", round, i);
		}
	}
}
END_TEST

/*
 * The rule itself on short histories: rises in the window, no fall back
 * below the earlier half, at its highest, and above three runs ago.
 */
START_TEST(rising_rule)
{
	static const struct {
		uint64_t counts[10];
		size_t	 n;
		bool	 rising;
	} cases[] = {
		{ { 1, 2, 3, 4 }, 4, true },
		{ { 1, 2, 3 }, 3, false },		/* two rises */
		{ { 1, 1, 2, 2, 2, 3, 3, 3, 4 }, 9, true },
		{ { 1, 2, 3, 4, 4, 4, 4 }, 7, false },	/* flat three runs */
		{ { 1, 2, 3, 4, 4, 4 }, 6, true },
		{ { 1, 5, 2, 6, 3, 7 }, 6, false },	/* falls back */
		{ { 1, 2, 3, 5, 4 }, 5, false },
		{ { 1, 2, 4, 3, 5, 6, 7, 8 }, 8, false },	/* fell once */
		{ { 5, 4, 3, 2, 1 }, 5, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct state_sample s[10];

		for (size_t j = 0; j < cases[i].n; j++) {
			s[j].time = (int64_t)j * 60;
			s[j].open = cases[i].counts[j];
		}
		ck_assert_msg(trend_rising(s, cases[i].n, 3) ==
		    cases[i].rising, "case %zu", i);
	}
}
END_TEST

/* One run of state_apply for a process holding `open' descriptors. */
static void
apply_once(const char *path, struct process *proc, size_t open)
{
	struct report report = { .processes = proc, .nprocesses = 1 };
	char *warning = NULL;

	proc->open = open;
	ck_assert_int_eq(state_apply(path, &report, &defaults, &warning), 0);
	ck_assert_ptr_null(warning);
}

/* Wait for the next second of the clock the state file uses. */
static time_t
next_second(void)
{
	time_t start = time(NULL), now;

	while ((now = time(NULL)) == start)
		usleep(1000);
	return now;
}

/*
 * Two runs within one second, as cron and a person at the terminal may
 * make: the second updates the sample of the first, and a rising streak
 * goes on instead of ending in a flat step of no duration.
 */
START_TEST(same_second_keeps_the_streak)
{
	char dir[] = "/tmp/fdaudit-state.XXXXXX", path[64], cmd[96];
	struct process proc = { .pid = 1, .start_time = 1,
	    .have = PROCESS_IDENTITY | PROCESS_LIMITS | PROCESS_COUNT,
	    .limits = { .soft = 1024 }, .highest_fd = -1 };
	struct state st;
	char buf[4096];
	size_t len;
	FILE *f;
	bool done = false;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	for (int attempt = 0; attempt < 5 && !done; attempt++) {
		time_t second;

		unlink(path);
		for (size_t open = 10; open < 13; open++) {
			next_second();
			apply_once(path, &proc, open);
		}
		second = next_second();
		apply_once(path, &proc, 13);
		apply_once(path, &proc, 13);
		done = time(NULL) == second;
	}
	ck_assert(done);
	ck_assert_uint_eq(proc.trend.rising_runs, 3);
	ck_assert_int_eq(proc.trend.delta, 1);
	f = fopen(path, "r");
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_int_eq(state_parse(buf, len, &st), 0);
	ck_assert_uint_eq(st.nentries, 1);
	ck_assert_uint_eq(st.entries[0].nsamples, 4);
	state_free(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");
	tcase_leak_check(tc);

	/* Some tests wait for the clock to reach the next second. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, parse_and_format_round_trip);
	tcase_add_test(tc, corrupt_files_rejected);
	tcase_add_test(tc, trend_of_a_leak);
	tcase_add_test(tc, trend_of_a_steady_process);
	tcase_add_test(tc, trend_needs_history);
	tcase_add_test(tc, warm_up_then_plateau_never_pages);
	tcase_add_test(tc, steady_leak_flagged);
	tcase_add_test(tc, stair_step_flagged);
	tcase_add_test(tc, jitter_never_flagged);
	tcase_add_test(tc, rising_rule);
	tcase_add_test(tc, same_second_keeps_the_streak);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
