/*
 * One line in the monitoring-plugins format:
 *	FDAUDIT STATUS - text | 'label'=value;warn;crit;min;max ...
 * The text names the processes at or above the warning threshold; the
 * performance data gives every reported process its count against its
 * soft limit.  Names are reduced to a safe alphabet (escape.c), so "|",
 * quotes and newlines from a hostile process cannot break the line.
 */
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
nagios_begin(FILE *out, const struct report *report)
{
	(void)out;
	(void)report;
}

static void
nagios_process(FILE *out, const struct report *report,
    const struct process *proc)
{
	(void)out;
	(void)report;
	(void)proc;
}

static void
nagios_name(FILE *out, const struct process *proc)
{
	char *name = escape_nagios_label(proc->command ? proc->command : "?");

	fprintf(out, "%s[%d] %zu", name ? name : "?", proc->pid, proc->open);
	if ((proc->have & PROCESS_LIMITS) && !proc->limits.soft_unlimited)
		fprintf(out, "/%llu (%.0f%%)",
		    (unsigned long long)proc->limits.soft, proc->usage * 100);
	free(name);
}

/* The text part: what is wrong, or that nothing is. */
static void
nagios_text(FILE *out, const struct report *report, enum status worst)
{
	size_t above = 0, ok = 0, named = 0, errors = 0;

	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (!process_counts(report, proc))
			errors++;
		else if (proc->status == STATUS_OK)
			ok++;
		else
			above++;
	}
	if (errors > 0) {
		for (size_t i = 0; i < report->nprocesses; i++) {
			const struct process *p = &report->processes[i];

			if (!process_counts(report, p))
				fprintf(out, "%sPID %d: %s", named++ ? ", " :
				    "", p->pid, platform_strerror(p->error));
		}
		return;
	}
	/* --top shows fewer than were audited: count them all. */
	if (report->all) {
		size_t left_out = 0;

		for (size_t i = 0; i < report->nunreadable; i++)
			left_out += !report->unreadable[i].counted;
		above = report->above_warning;
		ok = report->examined - left_out - above;
	}
	if (worst == STATUS_OK) {
		fprintf(out, "%zu process%s below %u%%", ok, ok == 1 ? "" :
		    "es", report->thresholds.warn_pct);
		if (report->nprocesses > 0) {
			fputs(", highest ", out);
			nagios_name(out, &report->processes[0]);
		}
	} else {
		fprintf(out, "%zu of %zu processes at or above %u%%: ", above,
		    above + ok, report->thresholds.warn_pct);
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

static void
nagios_perfdata(FILE *out, const struct report *report)
{
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];
		char *name;

		if (!process_shown(proc))
			continue;
		name = escape_nagios_label(proc->command ? proc->command :
		    "?");
		fprintf(out, " '%s_%d'=%zu", name ? name : "?", proc->pid,
		    proc->open);
		free(name);
		if ((proc->have & PROCESS_LIMITS) &&
		    !proc->limits.soft_unlimited) {
			unsigned long long soft = proc->limits.soft;

			fprintf(out, ";%llu;%llu;0;%llu",
			    soft * report->thresholds.warn_pct / 100,
			    soft * report->thresholds.crit_pct / 100, soft);
		} else
			fputs(";;;0;", out);
	}
}

static void
nagios_end(FILE *out, const struct report *report)
{
	enum status worst = audit_report_status(report);

	fprintf(out, "FDAUDIT %s - ", nagios_words[worst]);
	if (report->failure != NULL) {
		fprintf(out, "%s\n", report->failure);
		return;
	}
	nagios_text(out, report, worst);
	for (size_t i = 0; i < report->nprocesses; i++) {
		if (process_shown(&report->processes[i])) {
			fputs(" |", out);
			nagios_perfdata(out, report);
			break;
		}
	}
	fputc('\n', out);
}

const struct output_ops output_nagios_ops = {
	.name = "nagios",
	.begin = nagios_begin,
	.process = nagios_process,
	.end = nagios_end,
};
