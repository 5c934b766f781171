/*
 * The multi-line output of the monitoring plugins:
 *	FDAUDIT STATUS - text | 'label'=value;warn;crit;min;max
 *	one long-text line per process in trouble
 *	| 'label'=...		(the other items, one a line)
 * The first line names few processes and carries one item, so that it
 * stays short on a busy host.  Labels are the command, stable across
 * restarts.  Names are reduced to a safe alphabet (escape.c), so "|",
 * quotes and newlines from a hostile process cannot break the output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

/* At most this many processes are named in the text part. */
#define NAGIOS_TEXT_MAX 5

static const char *const nagios_words[] = {
	[STATUS_OK] = "OK",
	[STATUS_WARNING] = "WARNING",
	[STATUS_CRITICAL] = "CRITICAL",
	[STATUS_UNKNOWN] = "UNKNOWN",
};

static void
nagios_begin(struct output_context *ctx)
{
	(void)ctx;
}

static void
nagios_process(struct output_context *ctx, const struct process *proc)
{
	(void)ctx;
	(void)proc;
}

/* Whether the thresholds, not only a forecast, put `proc' in trouble. */
static bool
nagios_by_usage(const struct process *proc)
{
	return proc->usage_status == STATUS_WARNING ||
	    proc->usage_status == STATUS_CRITICAL;
}

static void
nagios_name(FILE *out, const struct process *proc)
{
	char *name = escape_nagios_label(proc->command ? proc->command : "?");

	fprintf(out, "%s[%d] %zu", name ? name : "?", proc->pid, proc->open);
	if ((proc->have & PROCESS_LIMITS) && !proc->limits.soft_unlimited)
		fprintf(out, "/%llu (%.0f%%)",
		    (unsigned long long)proc->limits.soft, proc->usage * 100);
	if (process_in_trouble(proc) && !nagios_by_usage(proc))
		fputs(" forecast to run out", out);
	free(name);
}

/* The thresholds in words, for the line that says all is well. */
static void
nagios_limits(FILE *out, const struct thresholds *t)
{
	fprintf(out, "-w %s", t->warn.text);
	if (t->warn_count.set)
		fprintf(out, " --warn-count %s", t->warn_count.text);
}

/* The first line's text: what is wrong, or that nothing is. */
static void
nagios_text(FILE *out, const struct report *report)
{
	const struct report_totals *totals = &report->totals;
	size_t above = totals->above_warning, ok = totals->ok, named = 0;

	if (totals->errors > 0) {
		for (size_t i = 0; i < report->nprocesses; i++) {
			const struct process *p = &report->processes[i];

			if (!process_counts(report, p))
				fprintf(out, "%sPID %d: %s", named++ ? ", " :
				    "", p->pid, platform_strerror(p->error));
		}
		return;
	}
	if (totals->worst == STATUS_OK) {
		fprintf(out, "%zu process%s within ", ok, ok == 1 ? "" : "es");
		nagios_limits(out, &report->thresholds);
		if (report->nprocesses > 0) {
			fputs(", highest ", out);
			nagios_name(out, &report->processes[0]);
		}
	} else {
		fprintf(out, "%zu of %zu processes at warning or worse: ",
		    above, above + ok);
		for (size_t i = 0; i < report->nprocesses &&
		    named < NAGIOS_TEXT_MAX; i++) {
			if (report->processes[i].status == STATUS_OK)
				continue;
			fputs(named++ ? ", " : "", out);
			nagios_name(out, &report->processes[i]);
		}
		if (above > named)
			fprintf(out, ", and %zu more", above - named);
	}
	if (report->nunreadable > 0)
		fprintf(out, "; %zu unreadable", report->nunreadable);
	if (report->others_hidden)
		fputs("; processes of other users hidden by hidepid", out);
}

/* The long text: one line for every process in trouble. */
static void
nagios_long_text(FILE *out, const struct report *report)
{
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (!process_in_trouble(proc))
			continue;
		fputc('\n', out);
		fprintf(out, "%s: ", status_name(proc->status));
		nagios_name(out, proc);
	}
}

/*
 * A bound of a percentage range, as a count of this soft limit: rounded
 * inwards, so that a count alerts exactly when its percentage does.
 */
static void
nagios_bound(FILE *out, double pct, unsigned long long soft, bool lower)
{
	double count = pct * (double)soft / 100.0;

	fprintf(out, "%.0f", lower ? ceil(count) : floor(count));
}

/* A range in the threshold syntax, scaled from percent when `soft'. */
static void
nagios_range(FILE *out, const struct range *r, unsigned long long soft,
    bool percent)
{
	if (!r->set)
		return;
	if (!percent) {
		fputs(r->text, out);
		return;
	}
	fputs(r->inside ? "@" : "", out);
	if (r->no_start)
		fputs("~:", out);
	else if (r->start != 0 || r->no_end) {
		nagios_bound(out, r->start, soft, true);
		fputc(':', out);
	}
	if (!r->no_end)
		nagios_bound(out, r->end, soft, false);
}

/*
 * The label is the command, which stays the same when the process
 * restarts; of several processes of one command, the first in the
 * report (the worst) speaks for them.
 */
static bool
nagios_label_seen(const struct report *report, size_t upto,
    const char *command)
{
	for (size_t i = 0; i < upto; i++) {
		const struct process *p = &report->processes[i];

		if (process_shown(p) && strcmp(p->command ? p->command : "?",
		    command) == 0)
			return true;
	}
	return false;
}

static void
nagios_perf_item(FILE *out, const struct report *report,
    const struct process *proc)
{
	const struct thresholds *t = &report->thresholds;
	bool limited = (proc->have & PROCESS_LIMITS) &&
	    !proc->limits.soft_unlimited;
	unsigned long long soft = limited ? proc->limits.soft : 0;
	char *name = escape_nagios_label(proc->command ? proc->command : "?");

	fprintf(out, "'%s'=%zu;", name ? name : "?", proc->open);
	free(name);
	if (t->warn_count.set || !limited)
		nagios_range(out, &t->warn_count, 0, false);
	else
		nagios_range(out, &t->warn, soft, true);
	fputc(';', out);
	if (t->crit_count.set || !limited)
		nagios_range(out, &t->crit_count, 0, false);
	else
		nagios_range(out, &t->crit, soft, true);
	fputs(";0;", out);
	if (limited)
		fprintf(out, "%llu", soft);
}

/*
 * The first item goes on the first line, the others after the long
 * text, one a line, so that the first line stays short on a busy host.
 */
static void
nagios_perfdata(FILE *out, const struct report *report, bool first)
{
	size_t items = 0;

	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (!process_shown(proc) || nagios_label_seen(report, i,
		    proc->command ? proc->command : "?"))
			continue;
		if (items++ == 0) {
			if (!first)
				continue;
			fputs(" | ", out);
			nagios_perf_item(out, report, proc);
			return;
		}
		fputs(items == 2 ? "\n| " : "\n", out);
		nagios_perf_item(out, report, proc);
	}
}

static void
nagios_end(struct output_context *ctx)
{
	FILE *out = ctx->out;
	const struct report *report = ctx->report;

	fprintf(out, "FDAUDIT %s - ", nagios_words[report->totals.worst]);
	if (report->failure != NULL) {
		fprintf(out, "%s\n", report->failure);
		return;
	}
	nagios_text(out, report);
	nagios_perfdata(out, report, true);
	nagios_long_text(out, report);
	nagios_perfdata(out, report, false);
	fputc('\n', out);
}

const struct output_ops output_nagios_ops = {
	.name = "nagios",
	.begin = nagios_begin,
	.process = nagios_process,
	.end = nagios_end,
};
