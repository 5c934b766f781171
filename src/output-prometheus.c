/*
 * The Prometheus text exposition format, for node_exporter's textfile
 * collector.  Every family is written whole, HELP and TYPE first, so the
 * samples are grouped by family as the format requires; label values go
 * through escape_prometheus().  Per-process series carry the labels pid,
 * command and user: one series per process and family, which --top or
 * -C keeps within what a monitoring system should store.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

enum prom_value {
	PROM_OPEN,
	PROM_SOFT,
	PROM_HARD,
	PROM_USAGE,
	PROM_INHERITABLE,
	PROM_RISING_RUNS,
	PROM_PER_SECOND,
	PROM_EXHAUSTION,
	PROM_LEAK_SUSPECT,
	PROM_STATUS,
	PROM_CLOSE_WAIT,
	PROM_DELETED_BYTES,
};

struct prom_family {
	const char	*name;
	const char	*help;
	enum prom_value	 value;
	bool		 per_fd;	/* needs the descriptor tables */
	bool		 trend;		/* needs a state file */
};

static const struct prom_family prom_families[] = {
	{ "fdaudit_open_fds", "Open file descriptors of the process.",
	    PROM_OPEN, false, false },
	{ "fdaudit_fd_limit_soft", "Soft RLIMIT_NOFILE of the process.",
	    PROM_SOFT, false, false },
	{ "fdaudit_fd_limit_hard", "Hard RLIMIT_NOFILE of the process.",
	    PROM_HARD, false, false },
	{ "fdaudit_fd_usage_ratio", "Open descriptors over the soft limit.",
	    PROM_USAGE, false, false },
	{ "fdaudit_inheritable_fds", "Descriptors above 2 without "
	    "close-on-exec.", PROM_INHERITABLE, true, false },
	{ "fdaudit_fd_rising_runs", "Runs in a row in which the count rose.",
	    PROM_RISING_RUNS, false, true },
	{ "fdaudit_fd_growth_per_second", "Slope of the descriptor count "
	    "over the last runs, per second.", PROM_PER_SECOND, false, true },
	{ "fdaudit_fd_exhaustion_seconds", "Seconds until the soft limit at "
	    "the current growth, for a leak suspect.", PROM_EXHAUSTION, false,
	    true },
	{ "fdaudit_fd_leak_suspect", "1 when the count is still rising over "
	    "the recent runs.", PROM_LEAK_SUSPECT, false, true },
	{ "fdaudit_status", "0 ok, 1 warning, 2 critical, as the exit status.",
	    PROM_STATUS, false, false },
	{ "fdaudit_close_wait_sockets", "TCP sockets in CLOSE_WAIT: the peer "
	    "closed, the process did not.", PROM_CLOSE_WAIT, true, false },
	{ "fdaudit_deleted_open_bytes", "Bytes held by deleted files still "
	    "open.", PROM_DELETED_BYTES, true, false },
};

static void
prom_begin(FILE *out, const struct report *report)
{
	(void)out;
	(void)report;
}

static void
prom_process(FILE *out, const struct report *report,
    const struct process *proc)
{
	(void)out;
	(void)report;
	(void)proc;
}

static void
prom_labels(FILE *out, const struct process *proc)
{
	char *command = escape_prometheus(proc->command ? proc->command : "");
	char *user = escape_prometheus(proc->user ? proc->user : "");

	fprintf(out, "{pid=\"%d\",command=\"%s\",user=\"%s\"", proc->pid,
	    command ? command : "", user ? user : "");
	free(command);
	free(user);
}

static void
prom_limit(FILE *out, bool unlimited, uint64_t value)
{
	if (unlimited)
		fputs(" +Inf\n", out);
	else
		fprintf(out, " %llu\n", (unsigned long long)value);
}

/* Write one sample; false when the process has no such value. */
static bool
prom_sample(FILE *out, const struct prom_family *f,
    const struct process *proc)
{
	const struct fd_limits *l = &proc->limits;
	bool limits = (proc->have & PROCESS_LIMITS) != 0;

	if (!process_shown(proc) || (f->trend && !proc->trend.have))
		return false;
	if (f->per_fd && !(proc->have & PROCESS_FDS))
		return false;
	if ((f->value == PROM_SOFT || f->value == PROM_HARD ||
	    f->value == PROM_USAGE) && !limits)
		return false;
	if (f->value == PROM_USAGE && proc->usage < 0)
		return false;
	if (f->value == PROM_EXHAUSTION && proc->trend.exhausts_in_s < 0)
		return false;
	fputs(f->name, out);
	prom_labels(out, proc);
	fputc('}', out);
	switch (f->value) {
	case PROM_OPEN:
		fprintf(out, " %zu\n", proc->open);
		break;
	case PROM_SOFT:
		prom_limit(out, l->soft_unlimited, l->soft);
		break;
	case PROM_HARD:
		prom_limit(out, l->hard_unlimited, l->hard);
		break;
	case PROM_USAGE:
		fprintf(out, " %.6f\n", proc->usage);
		break;
	case PROM_INHERITABLE:
		fprintf(out, " %zu\n", proc->inheritable);
		break;
	case PROM_RISING_RUNS:
		fprintf(out, " %u\n", proc->trend.rising_runs);
		break;
	case PROM_PER_SECOND:
		fprintf(out, " %.9f\n", proc->trend.per_hour / 3600.0);
		break;
	case PROM_EXHAUSTION:
		fprintf(out, " %.0f\n", proc->trend.exhausts_in_s);
		break;
	case PROM_LEAK_SUSPECT:
		fprintf(out, " %d\n", proc->trend.leak_suspect ? 1 : 0);
		break;
	case PROM_STATUS:
		fprintf(out, " %d\n", (int)proc->status);
		break;
	case PROM_CLOSE_WAIT:
		fprintf(out, " %zu\n", proc->close_wait);
		break;
	case PROM_DELETED_BYTES:
		fprintf(out, " %llu\n",
		    (unsigned long long)proc->deleted_bytes);
		break;
	}
	return true;
}

static void
prom_header(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
prom_by_type(FILE *out, const struct report *report)
{
	prom_header(out, "fdaudit_open_fds_by_type",
	    "Open file descriptors of the process by type.");
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (proc->error != 0 || !(proc->have & PROCESS_FDS))
			continue;
		for (int t = 0; t < FD_TYPE_COUNT; t++) {
			if (proc->type_counts[t] == 0)
				continue;
			fputs("fdaudit_open_fds_by_type", out);
			prom_labels(out, proc);
			fprintf(out, ",type=\"%s\"} %zu\n",
			    fdtype_name((enum fd_type)t),
			    proc->type_counts[t]);
		}
	}
}

static void
prom_system(FILE *out, const struct report *report)
{
	if (report->system.have) {
		prom_header(out, "fdaudit_system_files_allocated",
		    "File handles allocated system-wide (fs.file-nr).");
		fprintf(out, "fdaudit_system_files_allocated %llu\n",
		    (unsigned long long)report->system.files_allocated);
		prom_header(out, "fdaudit_system_files_max",
		    "System-wide limit on file handles (fs.file-max).");
		fprintf(out, "fdaudit_system_files_max %llu\n",
		    (unsigned long long)report->system.files_max);
		prom_header(out, "fdaudit_system_nr_open",
		    "Highest RLIMIT_NOFILE a process may set (fs.nr_open).");
		fprintf(out, "fdaudit_system_nr_open %llu\n",
		    (unsigned long long)report->system.nr_open);
	}
	prom_header(out, "fdaudit_unreadable_processes",
	    "Processes that could not be read.");
	fprintf(out, "fdaudit_unreadable_processes %zu\n",
	    report->nunreadable);
	/* Not "scrape": fdaudit is run, not scraped. */
	prom_header(out, "fdaudit_audit_duration_seconds",
	    "Time fdaudit took to read the processes.");
	fprintf(out, "fdaudit_audit_duration_seconds %.6f\n",
	    report->duration);
}

static void
prom_end(FILE *out, const struct report *report)
{
	for (size_t f = 0; f < sizeof(prom_families) /
	    sizeof(prom_families[0]); f++) {
		const struct prom_family *family = &prom_families[f];

		if ((family->per_fd && !report->per_fd) ||
		    (family->trend && !report->trend))
			continue;
		prom_header(out, family->name, family->help);
		for (size_t i = 0; i < report->nprocesses; i++)
			(void)prom_sample(out, family, &report->processes[i]);
	}
	if (report->per_fd)
		prom_by_type(out, report);
	prom_system(out, report);
}

const struct output_ops output_prometheus_ops = {
	.name = "prometheus",
	.begin = prom_begin,
	.process = prom_process,
	.end = prom_end,
};
