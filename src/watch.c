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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* Samples kept for the rate and the sparkline. */
#define WATCH_HISTORY	60
/* Descriptors opened since the start listed on the screen. */
#define WATCH_NEW_MAX	20

struct watch {
	int			 pid;
	double			 interval;
	long			 count;		/* 0: until stopped */
	bool			 tty;
	bool			 utf8;
	int			 width;		/* of the terminal */
	int			 height;
	struct fd_entry		*baseline;	/* identities only */
	size_t			 nbaseline;
	size_t			 history[WATCH_HISTORY];
	double			 times[WATCH_HISTORY];
	size_t			 nhistory;
	long			 samples;
};

static const struct cli watch_cli = { "fdaudit", "fdaudit --help",
    EXIT_STATUS_UNKNOWN, false };

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
		cli_usage_error(&watch_cli, "watch: %s \"%s\" is %s: give %s "
		    "from 1 to %lld", what, arg, errstr, hint, max);
	return (long)v;
}

static void
watch_help(void)
{
	fputs("usage: fdaudit watch [-h] [-i seconds] [-n count] pid\n"
	    "\n"
	    "Sample the open descriptors of PID at an interval: on a terminal,\n"
	    "one screen with the count, its change, the rate, when the limit\n"
	    "would be reached, and the descriptors opened since the start;\n"
	    "otherwise one line per sample.\n"
	    "\n"
	    "  -h, --help          show this help and exit\n"
	    "  -i SECONDS          seconds between samples, 1 to 3600 "
	    "(default 2)\n"
	    "  -n COUNT            stop after COUNT samples (default: until "
	    "stopped)\n"
	    "\n"
	    "It ends after COUNT samples, on an interrupt, or when PID exits.\n"
	    "Exit status: 0, or 3 when PID could not be read at all.\n",
	    stdout);
}

static void
watch_options(int argc, char **argv, struct watch *w)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 }
	};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hi:n:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h':
			watch_help();
			exit(EXIT_STATUS_OK);
		case 'i':
			w->interval = (double)watch_number(optarg, "-i", 3600,
			    "whole seconds");
			break;
		case 'n':
			w->count = watch_number(optarg, "-n", INT_MAX,
			    "a whole number");
			break;
		case ':':
			cli_usage_error(&watch_cli, "watch: option \"-%c\" "
			    "needs an argument", optopt);
		default:
			if (optopt != 0)
				cli_usage_error(&watch_cli, "watch: unknown "
				    "option \"-%c\"", optopt);
			cli_usage_error(&watch_cli, "watch: unknown option "
			    "\"%s\"", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		cli_usage_error(&watch_cli, "watch: give exactly one PID");
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
		const struct fd_entry *b = &w->baseline[mid];

		if (b->fd == fd->fd)
			return fd_entry_same(b, fd);
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
	/* What tells one object from another, without what it owns. */
	for (size_t i = 0; i < proc->nfds; i++) {
		const struct fd_entry *fd = &proc->fds[i];

		w->baseline[i] = (struct fd_entry){ .fd = fd->fd,
		    .type = fd->type, .have_ino = fd->have_ino,
		    .ino = fd->ino, .dev = fd->dev };
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

/* One line of the screen, cut at the terminal's edge with a mark. */
static void __attribute__((format(printf, 3, 4)))
screen_line(FILE *out, const struct watch *w, const char *fmt, ...)
{
	char text[4096], *fit;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fit = textwidth_shorten(text, (size_t)w->width, false,
	    w->utf8 ? "\u2026" : "...");
	fputs(fit != NULL ? fit : "", out);
	fputc('\n', out);
	free(fit);
}

static void
watch_sparkline(FILE *out, const struct watch *w)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
	    "\u2584", "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-:=+*#";
	char line[WATCH_HISTORY * 3 + 1] = "";
	size_t lo = SIZE_MAX, hi = 0;

	for (size_t i = 0; i < w->nhistory; i++) {
		lo = w->history[i] < lo ? w->history[i] : lo;
		hi = w->history[i] > hi ? w->history[i] : hi;
	}
	for (size_t i = 0; i < w->nhistory; i++) {
		size_t level = hi > lo ? (w->history[i] - lo) * 7 / (hi - lo) :
		    0;
		char one[2] = { ascii[level], '\0' };

		strlcat(line, w->utf8 ? blocks[level] : one, sizeof(line));
	}
	screen_line(out, w, "%s  (%zu..%zu)", line, lo == SIZE_MAX ? 0 : lo,
	    hi);
}

static size_t
watch_new_count(const struct watch *w, const struct process *proc)
{
	size_t n = 0;

	for (size_t i = 0; i < proc->nfds; i++)
		n += !watch_in_baseline(w, &proc->fds[i]);
	return n;
}

/* The header of the screen; returns how many lines it took. */
static int
watch_summary(FILE *out, const struct watch *w, const struct process *proc)
{
	double rate = watch_rate(w);
	long long delta = (long long)proc->open - (long long)w->history[0];
	char *command = escape_terminal(proc->command ? proc->command : "?");
	char limit[64] = "", when[32];
	int lines = 6;

	screen_line(out, w, "fdaudit watch: PID %d %s, every %.0f s, sample "
	    "%ld", proc->pid, command ? command : "?", w->interval,
	    w->samples);
	free(command);
	fputc('\n', out);
	if (!proc->limits.soft_unlimited)
		snprintf(limit, sizeof(limit), " of %llu (%.1f%%)",
		    (unsigned long long)proc->limits.soft, proc->usage * 100);
	screen_line(out, w, "open %zu%s   change %+lld since start   rate "
	    "%+.1f/h", proc->open, limit, delta, rate);
	if (rate > 0 && !proc->limits.soft_unlimited &&
	    proc->limits.soft > proc->open) {
		screen_line(out, w, "at this rate the soft limit is reached "
		    "in about %s", output_duration(when, sizeof(when),
		    ((double)proc->limits.soft - (double)proc->open) / rate *
		    3600.0));
		lines++;
	}
	fputc('\n', out);
	watch_sparkline(out, w);
	fputc('\n', out);
	return lines;
}

/*
 * The screen, as tall as the terminal at most: the descriptors opened
 * since the start are listed while there is room, then counted.
 */
static void
watch_screen(FILE *out, const struct watch *w, const struct process *proc)
{
	size_t listed = 0, fresh = watch_new_count(w, proc), room;
	int used;

	fputs("\033[H\033[2J", out);
	used = watch_summary(out, w, proc) + 1;
	screen_line(out, w, "opened since the watch began: %zu", fresh);
	/* Keep the last row free: a newline there would scroll. */
	room = w->height > used + 1 ? (size_t)(w->height - used - 1) : 0;
	if (room > WATCH_NEW_MAX)
		room = WATCH_NEW_MAX;
	if (fresh > room && room > 0)
		room--;
	for (size_t i = 0; i < proc->nfds && listed < room; i++) {
		const struct fd_entry *fd = &proc->fds[i];
		char *target, *fit;
		int before;

		if (watch_in_baseline(w, fd))
			continue;
		target = escape_terminal(fd->target ? fd->target : "-");
		before = (int)strlen("  new 12345  userfaultfd ");
		fit = target == NULL ? NULL : textwidth_shorten(target,
		    w->width > before ? (size_t)(w->width - before) : 0,
		    target[0] == '/', w->utf8 ? "\u2026" : "...");
		screen_line(out, w, "  new %5d  %-11s %s", fd->fd,
		    fdtype_entry_name(fd), fit != NULL ? fit : "?");
		free(fit);
		free(target);
		listed++;
	}
	if (fresh > listed && room > 0)
		screen_line(out, w, "  and %zu more", fresh - listed);
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
		if (w->tty) {
			/* The terminal may have been resized meanwhile. */
			w->width = output_terminal_width(STDOUT_FILENO);
			w->height = output_terminal_height(STDOUT_FILENO);
			watch_screen(stdout, w, &proc);
		}
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
			if (w.samples > 0 && (error == -ESRCH ||
			    error == -PLATFORM_EZOMBIE))
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
