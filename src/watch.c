/*
 * fdaudit watch: sample one process at an interval.  On a terminal one
 * screen is redrawn with the count, its change, the rate, the projected
 * exhaustion, a sparkline and the descriptors opened since the watch
 * began; otherwise one line is printed per sample.  It ends after COUNT
 * samples, on an interrupt, or when the process exits, and says which.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* Samples kept for the rate and the sparkline. */
#define WATCH_HISTORY	60
/* Descriptors opened since the start listed on the screen. */
#define WATCH_NEW_MAX	20

struct watch_baseline {
	int		 fd;
	uint64_t	 ino;
	enum fd_type	 type;
};

struct watch {
	int			 pid;
	double			 interval;
	long			 count;		/* 0: until stopped */
	bool			 tty;
	bool			 utf8;
	struct watch_baseline	*baseline;
	size_t			 nbaseline;
	size_t			 history[WATCH_HISTORY];
	double			 times[WATCH_HISTORY];
	size_t			 nhistory;
	long			 samples;
};

static volatile sig_atomic_t watch_interrupted;

static void
watch_on_signal(int sig)
{
	(void)sig;
	watch_interrupted = 1;
}

/* Every number goes through strtonum; the message names the option. */
static long
watch_number(const char *arg, const char *what, long long max,
    const char *hint)
{
	const char *errstr;
	long long v = strtonum(arg, 1, max, &errstr);

	if (errstr != NULL)
		bad_usage("watch: %s \"%s\" is %s: give %s from 1 to %lld",
		    what, arg, errstr, hint, max);
	return (long)v;
}

static void
watch_options(int argc, char **argv, struct watch *w)
{
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":i:n:")) != -1) {
		switch (ch) {
		case 'i':
			w->interval = (double)watch_number(optarg, "-i", 3600,
			    "whole seconds");
			break;
		case 'n':
			w->count = watch_number(optarg, "-n", INT_MAX,
			    "a whole number");
			break;
		case ':':
			bad_usage("watch: option \"-%c\" needs an argument",
			    optopt);
		default:
			bad_usage("watch: unknown option \"-%c\"", optopt);
		}
	}
	if (argc - optind != 1)
		bad_usage("watch: give exactly one PID");
	w->pid = (int)watch_number(argv[optind], "PID", INT_MAX,
	    "a whole number");
}

/* The baseline is sorted by number, as every table is. */
static bool
watch_in_baseline(const struct watch *w, const struct fd_entry *fd)
{
	size_t lo = 0, hi = w->nbaseline;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct watch_baseline *b = &w->baseline[mid];

		if (b->fd == fd->fd)
			return b->ino == fd->ino && b->type == fd->type;
		if (b->fd < fd->fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int
watch_baseline_take(struct watch *w, const struct process *proc)
{
	w->baseline = calloc(proc->nfds + 1, sizeof(*w->baseline));
	if (w->baseline == NULL)
		return -1;
	for (size_t i = 0; i < proc->nfds; i++) {
		w->baseline[i].fd = proc->fds[i].fd;
		w->baseline[i].ino = proc->fds[i].ino;
		w->baseline[i].type = proc->fds[i].type;
	}
	w->nbaseline = proc->nfds;
	return 0;
}

static void
watch_record(struct watch *w, size_t open)
{
	if (w->nhistory == WATCH_HISTORY) {
		memmove(w->history, w->history + 1, sizeof(w->history) -
		    sizeof(w->history[0]));
		memmove(w->times, w->times + 1, sizeof(w->times) -
		    sizeof(w->times[0]));
		w->nhistory--;
	}
	w->history[w->nhistory] = open;
	w->times[w->nhistory++] = platform_monotonic();
}

/* Descriptors per hour between the first and the last kept sample. */
static double
watch_rate(const struct watch *w)
{
	double span;

	if (w->nhistory < 2)
		return 0;
	span = w->times[w->nhistory - 1] - w->times[0];
	if (span <= 0)
		return 0;
	return ((double)w->history[w->nhistory - 1] -
	    (double)w->history[0]) / span * 3600.0;
}

static void
watch_sparkline(FILE *out, const struct watch *w)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
	    "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-:=+*#";
	size_t lo = SIZE_MAX, hi = 0;

	for (size_t i = 0; i < w->nhistory; i++) {
		lo = w->history[i] < lo ? w->history[i] : lo;
		hi = w->history[i] > hi ? w->history[i] : hi;
	}
	for (size_t i = 0; i < w->nhistory; i++) {
		size_t level = hi > lo ? (w->history[i] - lo) * 7 / (hi - lo) :
		    0;

		if (w->utf8)
			fputs(blocks[level], out);
		else
			fputc(ascii[level], out);
	}
	fprintf(out, "  (%zu..%zu)\n", lo == SIZE_MAX ? 0 : lo, hi);
}

static size_t
watch_new_count(const struct watch *w, const struct process *proc)
{
	size_t n = 0;

	for (size_t i = 0; i < proc->nfds; i++)
		n += !watch_in_baseline(w, &proc->fds[i]);
	return n;
}

static void
watch_screen(FILE *out, const struct watch *w, const struct process *proc)
{
	double rate = watch_rate(w);
	long long delta = (long long)proc->open - (long long)w->history[0];
	size_t listed = 0;
	char *command = escape_terminal(proc->command ? proc->command : "?");

	fputs("\033[H\033[2J", out);
	fprintf(out, "fdaudit watch: PID %d %s, every %.0f s, sample %ld\n\n",
	    proc->pid, command ? command : "?", w->interval, w->samples);
	free(command);
	fprintf(out, "open %zu", proc->open);
	if (!proc->limits.soft_unlimited)
		fprintf(out, " of %llu (%.1f%%)",
		    (unsigned long long)proc->limits.soft, proc->usage * 100);
	fprintf(out, "   change %+lld since start   rate %+.1f/h\n", delta,
	    rate);
	if (rate > 0 && !proc->limits.soft_unlimited &&
	    proc->limits.soft > proc->open)
		fprintf(out, "at this rate the soft limit is reached in about "
		    "%.0f s\n", ((double)proc->limits.soft -
		    (double)proc->open) / rate * 3600.0);
	fputc('\n', out);
	watch_sparkline(out, w);
	fprintf(out, "\nopened since the watch began: %zu\n",
	    watch_new_count(w, proc));
	for (size_t i = 0; i < proc->nfds && listed < WATCH_NEW_MAX; i++) {
		const struct fd_entry *fd = &proc->fds[i];
		char *target;

		if (watch_in_baseline(w, fd))
			continue;
		target = escape_terminal(fd->target ? fd->target : "-");
		fprintf(out, "  new %5d  %-11s %s\n", fd->fd,
		    fdtype_entry_name(fd), target ? target : "?");
		free(target);
		listed++;
	}
	fflush(out);
}

static void
watch_line(FILE *out, const struct watch *w, const struct process *proc)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S",
	    localtime_r(&now, &tm));
	fprintf(out, "%s pid=%d open=%zu change=%+lld rate=%+.1f/h new=%zu",
	    when, proc->pid, proc->open, (long long)proc->open -
	    (long long)w->history[0], watch_rate(w), watch_new_count(w, proc));
	if (proc->usage >= 0)
		fprintf(out, " usage=%.1f%%", proc->usage * 100);
	fputc('\n', out);
	fflush(out);
}

/* One sample; returns 0, or the error that ends the watch. */
static int
watch_sample(struct watch *w, const struct thresholds *t)
{
	struct process proc = { .pid = w->pid, .highest_fd = -1 };
	int error;

	error = platform_process_read(&proc, PROCESS_IDENTITY |
	    PROCESS_LIMITS | PROCESS_FDS);
	if (error == 0) {
		audit_process(&proc, t);
		w->samples++;
		if (w->baseline == NULL && watch_baseline_take(w, &proc) != 0)
			error = -ENOMEM;
		watch_record(w, proc.open);
		if (w->tty)
			watch_screen(stdout, w, &proc);
		else
			watch_line(stdout, w, &proc);
	}
	process_free(&proc);
	return error;
}

int
watch_main(int argc, char **argv)
{
	struct watch w = { .interval = 2 };
	struct thresholds t;
	int error, status = EXIT_STATUS_OK;

	thresholds_default(&t);
	watch_options(argc, argv, &w);
	if ((error = platform_init()) != 0) {
		fprintf(stderr, "fdaudit: %s\n", platform_strerror(error));
		return EXIT_STATUS_UNKNOWN;
	}
	w.tty = isatty(STDOUT_FILENO);
	w.utf8 = platform_output_utf8();
	escape_set_utf8(w.utf8);
	signal(SIGINT, watch_on_signal);
	signal(SIGTERM, watch_on_signal);
	for (;;) {
		if ((error = watch_sample(&w, &t)) != 0) {
			if (w.samples > 0 && error == -ESRCH)
				fprintf(stderr, "fdaudit: watch ended: PID %d "
				    "exited after %ld samples\n", w.pid,
				    w.samples);
			else {
				fprintf(stderr, "fdaudit: PID %d: %s\n", w.pid,
				    platform_strerror(error));
				status = EXIT_STATUS_UNKNOWN;
			}
			break;
		}
		if (w.count > 0 && w.samples >= w.count) {
			fprintf(stderr, "fdaudit: watch ended: %ld samples "
			    "taken\n", w.samples);
			break;
		}
		/* A signal during the sample must not wait a whole interval. */
		if (!watch_interrupted)
			platform_sleep(w.interval);
		if (watch_interrupted) {
			fprintf(stderr, "fdaudit: watch ended: interrupted "
			    "after %ld samples\n", w.samples);
			break;
		}
	}
	free(w.baseline);
	platform_fini();
	return status;
}
