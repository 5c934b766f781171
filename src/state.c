/*
 * The state file of --state: for each process, keyed by PID and start
 * time so that a reused PID starts afresh, the descriptor counts of the
 * last runs.  From them, the trend: the change since the last run, the
 * slope of a line fitted to the counts, how many runs in a row rose, and
 * when the fitted line reaches the soft limit.
 *
 * The format is text, one process a line after a version line:
 *	fdaudit-state 1
 *	PID START-TIME TIME:COUNT TIME:COUNT ...
 * A file that does not parse is reported and replaced, never trusted.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

#define STATE_MAGIC	"fdaudit-state 1"
/* A state file larger than this is not one fdaudit wrote. */
#define STATE_MAX_SIZE	(64u << 20)
/* Entries of processes not seen for this long are forgotten. */
#define STATE_MAX_AGE	(7 * 86400)

/* How long a run waits for another to finish with the file, seconds. */
#define STATE_LOCK_WAIT	10

/* A time after the year 9999 is not one fdaudit wrote. */
#define STATE_TIME_MAX	253402300799LL

/*
 * The decimal number at *p, which is advanced past it, if it lies in
 * [min, max].  Only digits are taken, so a sign or a blank that strtonum
 * would allow is not; strtonum then checks the range.
 */
static bool
number_next(const char **p, const char *end, long long min, long long max,
    long long *value)
{
	char digits[24];
	const char *s = *p, *errstr;
	size_t len = 0;

	while (s + len < end && s[len] >= '0' && s[len] <= '9') {
		if (len == sizeof(digits) - 1)
			return false;
		digits[len] = s[len];
		len++;
	}
	if (len == 0)
		return false;
	digits[len] = '\0';
	*value = strtonum(digits, min, max, &errstr);
	if (errstr != NULL)
		return false;
	*p = s + len;
	return true;
}

/*
 * PID START-TIME TIME:COUNT ...: a PID as the command line takes it,
 * clock ticks since boot, seconds since the epoch, and a count no
 * larger than the kernel allows a process (fs.nr_open is an int).
 */
static int
entry_parse(const char *p, const char *end, struct state_entry *e)
{
	long long pid, start, t, open;

	memset(e, 0, sizeof(*e));
	if (!number_next(&p, end, 1, INT_MAX, &pid) || p >= end ||
	    *p++ != ' ' || !number_next(&p, end, 0, LLONG_MAX, &start))
		return -EINVAL;
	e->pid = (int)pid;
	e->start_time = (uint64_t)start;
	while (p < end) {
		if (*p++ != ' ' ||
		    !number_next(&p, end, 0, STATE_TIME_MAX, &t) ||
		    p >= end || *p++ != ':' ||
		    !number_next(&p, end, 0, INT_MAX, &open))
			return -EINVAL;
		if (e->nsamples == STATE_MAX_SAMPLES)
			return -EINVAL;
		e->samples[e->nsamples].time = (int64_t)t;
		e->samples[e->nsamples++].open = (uint64_t)open;
	}
	return e->nsamples > 0 ? 0 : -EINVAL;
}

int
state_parse(const char *buf, size_t size, struct state *st)
{
	const char *p = buf, *end = buf + size, *nl;
	struct state_entry *grown;
	size_t cap = 0;
	int error;

	memset(st, 0, sizeof(*st));
	nl = memchr(p, '\n', size);
	if (nl == NULL || (size_t)(nl - p) != strlen(STATE_MAGIC) ||
	    memcmp(p, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
		return -EINVAL;
	for (p = nl + 1; p < end; p = nl + 1) {
		/* Every line ends with a newline: a cut file is corrupt. */
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto corrupt;
		if (st->nentries == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(st->entries, cap, sizeof(*grown));
			if (grown == NULL) {
				state_free(st);
				return -ENOMEM;
			}
			st->entries = grown;
		}
		if ((error = entry_parse(p, nl, &st->entries[st->nentries])) !=
		    0)
			goto corrupt;
		st->nentries++;
	}
	return 0;
corrupt:
	state_free(st);
	return -EINVAL;
}

int
state_format(FILE *out, const struct state *st)
{
	fprintf(out, "%s\n", STATE_MAGIC);
	for (size_t i = 0; i < st->nentries; i++) {
		const struct state_entry *e = &st->entries[i];

		fprintf(out, "%d %" PRIu64, e->pid, e->start_time);
		for (size_t j = 0; j < e->nsamples; j++)
			fprintf(out, " %" PRId64 ":%" PRIu64,
			    e->samples[j].time, e->samples[j].open);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

void
state_free(struct state *st)
{
	free(st->entries);
	memset(st, 0, sizeof(*st));
}

/*
 * The forecast looks at this many runs, the most recent, so that a
 * process that grew long ago and has been flat since is judged by what
 * it does now.  One descriptor every third run still rises three times
 * in it, and counts that wander at random almost never rise without a
 * fall over so many runs.
 */
#define TREND_WINDOW	10
/* A count that has not risen in this many runs has stopped rising. */
#define TREND_RECENT	3

/* Least-squares slope of count over time, in descriptors per second. */
static double
slope_fit(const struct state_sample *s, size_t n)
{
	double mt = 0, mc = 0, num = 0, den = 0;
	double t0 = (double)s[0].time;

	for (size_t i = 0; i < n; i++) {
		mt += (double)s[i].time - t0;
		mc += (double)s[i].open;
	}
	mt /= (double)n;
	mc /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double dt = (double)s[i].time - t0 - mt;

		num += dt * ((double)s[i].open - mc);
		den += dt * dt;
	}
	return den > 0 ? num / den : 0;
}

/* The number of runs the forecast looks at. */
static size_t
window_size(const struct trend_options *opt)
{
	/* Room for the rises --leak-runs asks for. */
	if (opt->leak_runs + 1 > TREND_WINDOW)
		return opt->leak_runs + 1;
	return TREND_WINDOW;
}

/*
 * Whether the counts s[0..n) are still rising: they rose in at least
 * `rises' runs and never fell, so that a count that jumps up and down is
 * not a leak, and the last is above the count TREND_RECENT runs before,
 * so that one that grew and then stayed flat is not one either.
 */
bool
trend_rising(const struct state_sample *s, size_t n, unsigned rises)
{
	size_t rose = 0, back;

	for (size_t i = 1; i < n; i++) {
		if (s[i].open < s[i - 1].open)
			return false;
		rose += s[i].open > s[i - 1].open;
	}
	back = n > TREND_RECENT ? n - 1 - TREND_RECENT : 0;
	return n >= 2 && rose >= rises && rose > 0 &&
	    s[n - 1].open > s[back].open;
}

/*
 * The trend of an entry whose last sample is the current run.  The
 * slope is fitted to the recent window only.  A projection, which can
 * raise the status, needs a count that is still rising over a full
 * window (trend_rising) whose samples span opt->min_span_s: over fewer
 * runs, counts that merely wander rise in a row too often, and a burst
 * between runs a few seconds apart says little about the next day.
 */
void
trend_compute(const struct state_entry *e, const struct process *proc,
    const struct trend_options *opt, struct trend *trend)
{
	const struct state_sample *s = e->samples;
	size_t n = e->nsamples, window = window_size(opt);
	size_t from = n > window ? n - window : 0;
	double slope, span;

	memset(trend, 0, sizeof(*trend));
	trend->exhausts_in_s = -1;
	if (n < 2)
		return;
	trend->have = true;
	trend->delta = (int64_t)s[n - 1].open - (int64_t)s[n - 2].open;
	for (size_t i = n - 1; i > 0 && s[i].open > s[i - 1].open; i--)
		trend->rising_runs++;
	slope = slope_fit(s + from, n - from);
	span = (double)(s[n - 1].time - s[from].time);
	trend->per_hour = slope * 3600.0;
	trend->leak_suspect = trend_rising(s + from, n - from,
	    opt->leak_runs);
	if (trend->leak_suspect && n - from == window &&
	    span >= opt->min_span_s && slope > 0 &&
	    (proc->have & PROCESS_LIMITS) && !proc->limits.soft_unlimited) {
		double left = (double)proc->limits.soft - (double)proc->open;

		trend->exhausts_in_s = left > 0 ? left / slope : 0;
	}
}

static const struct state_entry *
state_find(const struct state *st, const struct process *proc)
{
	for (size_t i = 0; i < st->nentries; i++) {
		if (st->entries[i].pid == proc->pid &&
		    st->entries[i].start_time == proc->start_time)
			return &st->entries[i];
	}
	return NULL;
}

static void
status_raise(struct process *proc, const struct trend_options *opt)
{
	double left = proc->trend.exhausts_in_s;

	if (left < 0 || proc->status == STATUS_UNKNOWN)
		return;
	if (left <= opt->horizon_s / 4)
		proc->status = STATUS_CRITICAL;
	else if (left <= opt->horizon_s && proc->status < STATUS_WARNING)
		proc->status = STATUS_WARNING;
}

/* The entry for this run: the old samples, then the current count. */
static void
entry_update(struct state_entry *e, const struct state_entry *old,
    const struct process *proc, int64_t now)
{
	memset(e, 0, sizeof(*e));
	if (old != NULL)
		*e = *old;
	e->pid = proc->pid;
	e->start_time = proc->start_time;
	/*
	 * A second run within the same second (or after the clock went
	 * back) updates the last sample: a flat step of no duration would
	 * end a rising streak and says nothing about growth.
	 */
	if (e->nsamples > 0 && e->samples[e->nsamples - 1].time >= now) {
		e->samples[e->nsamples - 1].open = proc->open;
		return;
	}
	if (e->nsamples == STATE_MAX_SAMPLES) {
		memmove(e->samples, e->samples + 1,
		    sizeof(e->samples[0]) * (STATE_MAX_SAMPLES - 1));
		e->nsamples--;
	}
	e->samples[e->nsamples].time = now;
	e->samples[e->nsamples++].open = proc->open;
}

/*
 * Keep entries of processes this run did not look at, for a while.  A
 * run over every process looked at them all: the others have exited.
 */
static bool
entry_kept(const struct state_entry *e, const struct report *report,
    int64_t now)
{
	if (report->every_process)
		return false;
	for (size_t i = 0; i < report->nprocesses; i++) {
		if (report->processes[i].pid == e->pid)
			return false;
	}
	return now - e->samples[e->nsamples - 1].time < STATE_MAX_AGE;
}

static int
state_load(const char *path, struct state *st, char **warning)
{
	char *buf;
	size_t len;
	FILE *in;
	int error;

	memset(st, 0, sizeof(*st));
	if ((in = fopen(path, "rb")) == NULL)
		return errno == ENOENT ? 0 : -errno;
	if ((buf = malloc(STATE_MAX_SIZE)) == NULL) {
		fclose(in);
		return -ENOMEM;
	}
	len = fread(buf, 1, STATE_MAX_SIZE, in);
	error = ferror(in) ? -EIO : 0;
	fclose(in);
	if (error == 0 && (len == STATE_MAX_SIZE ||
	    (error = state_parse(buf, len, st)) == -EINVAL)) {
		*warning = strdup("corrupt or truncated state file; starting "
		    "a new one");
		error = 0;
	}
	free(buf);
	return error;
}

static int
state_save(struct platform_file *file, FILE *out, const struct state *st)
{
	int error;

	if ((error = state_format(out, st)) != 0) {
		platform_file_abort(file);
		return error;
	}
	return platform_file_commit(file);
}

/*
 * The read-merge-write of state_apply, under its lock.  A path that is
 * not a regular file is refused before it is read: reading a FIFO would
 * wait for a writer, and replacing a device would destroy it.
 */
static int
state_merge(const char *path, struct report *report,
    const struct trend_options *opt, char **warning)
{
	struct state old, next = { 0 };
	struct platform_file *file;
	FILE *out;
	int64_t now = (int64_t)time(NULL);
	int error;

	if ((error = platform_file_create(path, PLATFORM_FILE_REGULAR, &file,
	    &out)) != 0)
		return error;
	if ((error = state_load(path, &old, warning)) != 0) {
		platform_file_abort(file);
		return error;
	}
	next.entries = calloc(old.nentries + report->nprocesses + 1,
	    sizeof(*next.entries));
	if (next.entries == NULL) {
		platform_file_abort(file);
		state_free(&old);
		return -ENOMEM;
	}
	for (size_t i = 0; i < report->nprocesses; i++) {
		struct process *proc = &report->processes[i];
		struct state_entry *e = &next.entries[next.nentries];

		if (!process_shown(proc))
			continue;
		entry_update(e, state_find(&old, proc), proc, now);
		trend_compute(e, proc, opt, &proc->trend);
		status_raise(proc, opt);
		next.nentries++;
	}
	for (size_t i = 0; i < old.nentries; i++) {
		if (entry_kept(&old.entries[i], report, now))
			next.entries[next.nentries++] = old.entries[i];
	}
	error = state_save(file, out, &next);
	state_free(&old);
	state_free(&next);
	return error;
}

/*
 * Read the state file, compute each process's trend (raising its status
 * when the limit is projected within the horizon), and write the file
 * back.  A damaged file is replaced, with a message in *warning.  The
 * whole read-merge-write holds the file's lock, so that runs that
 * overlap (a slow cron run and the next one, checks of several services)
 * each add their samples instead of the last writer's alone surviving.
 */
int
state_apply(const char *path, struct report *report,
    const struct trend_options *opt, char **warning)
{
	struct platform_lock *lock = NULL;
	int error;

	error = platform_lock_acquire(path, STATE_LOCK_WAIT, &lock);
	if (error == -EAGAIN) {
		*warning = strdup("still in use by another run; not updated");
		return *warning != NULL ? 0 : -ENOMEM;
	}
	/*
	 * Where no lock file may be made, no new state file may be written
	 * either: the trend is still computed, and the save says why not.
	 */
	if (error != 0 && error != -EACCES && error != -EPERM &&
	    error != -EROFS)
		return error;
	error = state_merge(path, report, opt, warning);
	platform_lock_release(lock);
	return error;
}
