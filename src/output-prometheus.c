/*
 * The Prometheus text exposition format, for node_exporter's textfile
 * collector.  Every family is written whole, HELP and TYPE first, so the
 * samples are grouped by family as the format requires; label values go
 * through escape_prometheus().  A series stands for a service, the
 * processes of one unit (or cgroup), command and user, so that restarts
 * add none: counts are summed over the group, the usage is its highest
 * and the status its worst, and the limits and trend are those of its
 * first process, the worst in a report of --all.  A container's ID, new
 * at each of its restarts, is left out of the unit for the same reason.
 * --pid-label gives each process its own series instead, with the
 * container's ID.
 */
#include <stdio.h>
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
	{ "fdaudit_open_fds", "Open file descriptors of the service.",
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
prom_begin(struct output_context *ctx)
{
	(void)ctx;
}

static void
prom_process(struct output_context *ctx, const struct process *proc)
{
	(void)ctx;
	(void)proc;
}

static bool
prom_member(const size_t *leader, size_t i, size_t of)
{
	return leader == NULL ? i == of : leader[i] == of;
}

/* What one report's series are made of, on output_write's stack. */
struct prom {
	const struct report	*report;
	char			**sets;		/* the labels of each process,
						   "{...", without the brace */
	size_t			*leader;	/* see prom_leaders() */
};

_Static_assert(sizeof(struct prom) <= OUTPUT_STATE_MAX,
    "the Prometheus state fits output_write's room");

/*
 * The unit label: the unit, else the cgroup path; in a series of a
 * service, a container's ID in it is replaced by "<container>".
 */
static char *
prom_unit(const struct report *report, const struct process *proc)
{
	const char *unit = proc->unit != NULL ? proc->unit :
	    proc->cgroup != NULL ? proc->cgroup : "";
	const char *id = proc->container != NULL && !report->pid_label ?
	    strstr(unit, proc->container) : NULL;
	char *text;
	size_t len;

	if (id == NULL)
		return escape_prometheus(unit);
	len = strlen(unit) + strlen("<container>") + 1;
	if ((text = malloc(len)) == NULL)
		return NULL;
	snprintf(text, len, "%.*s<container>%s", (int)(id - unit), unit,
	    id + strlen(proc->container));
	unit = text;
	text = escape_prometheus(unit);
	free((char *)unit);
	return text;
}

static char *
prom_label_set(const struct report *report, const struct process *proc)
{
	char *command = escape_prometheus(proc->command ? proc->command : "");
	char *user = escape_prometheus(proc->user ? proc->user : "");
	char *unit = prom_unit(report, proc), *set = NULL;
	const char *container = report->pid_label ? proc->container : NULL;
	char pid[32] = "";
	size_t len;

	if (report->pid_label)
		snprintf(pid, sizeof(pid), "pid=\"%d\",", proc->pid);
	if (command != NULL && user != NULL && unit != NULL) {
		len = strlen(pid) + strlen(command) + strlen(user) +
		    strlen(unit) + (container ? strlen(container) : 0) + 64;
		if ((set = malloc(len)) != NULL)
			snprintf(set, len, "{%scommand=\"%s\",user=\"%s\","
			    "unit=\"%s\"%s%s%s", pid, command, user, unit,
			    container ? ",container=\"" : "",
			    container ? container : "", container ? "\"" : "");
	}
	free(command);
	free(user);
	free(unit);
	return set;
}

static void
prom_labels(FILE *out, const struct prom *p, const struct process *proc)
{
	const char *set = p->sets[proc - p->report->processes];

	fputs(set != NULL ? set : "{", out);
}

/*
 * For each process, the index of the first of its service, by the
 * labels: each its own with --pid-label, or when memory runs out (NULL).
 */
static size_t *
prom_leaders(const struct prom *p)
{
	const struct report *report = p->report;
	size_t *leader;

	if (report->pid_label || (leader = calloc(report->nprocesses + 1,
	    sizeof(*leader))) == NULL)
		return NULL;
	for (size_t i = 0; i < report->nprocesses; i++) {
		const char *set = p->sets[i];

		leader[i] = i;
		for (size_t j = 0; j < i && set != NULL; j++) {
			if (leader[j] == j && process_shown(
			    &report->processes[j]) && p->sets[j] != NULL &&
			    strcmp(p->sets[j], set) == 0) {
				leader[i] = j;
				break;
			}
		}
	}
	return leader;
}

/* The highest usage and the worst status of the service led by `of'. */
static void
prom_worst(const struct report *report, const size_t *leader, size_t of,
    double *usage, enum status *status)
{
	*usage = report->processes[of].usage;
	*status = report->processes[of].status;
	for (size_t i = of + 1; i < report->nprocesses; i++) {
		const struct process *p = &report->processes[i];

		if (!prom_member(leader, i, of) || !process_shown(p))
			continue;
		if (p->usage > *usage)
			*usage = p->usage;
		if (p->status > *status)
			*status = p->status;
	}
}

/* A count summed over the processes of the service led by `of'. */
static unsigned long long
prom_sum(const struct report *report, const size_t *leader, size_t of,
    enum prom_value value)
{
	unsigned long long sum = 0;

	for (size_t i = of; i < report->nprocesses; i++) {
		const struct process *p = &report->processes[i];

		if (!prom_member(leader, i, of) || !process_shown(p))
			continue;
		if (value == PROM_OPEN)
			sum += p->open;
		else if (value == PROM_INHERITABLE)
			sum += p->inheritable;
		else if (value == PROM_CLOSE_WAIT)
			sum += p->close_wait;
		else if (value == PROM_DELETED_BYTES)
			sum += p->deleted_bytes;
	}
	return sum;
}

/* Descriptors of type `t' summed over the service led by `of'. */
static size_t
prom_type_sum(const struct report *report, const size_t *leader, size_t of,
    int t)
{
	size_t sum = 0;

	for (size_t i = of; i < report->nprocesses; i++) {
		const struct process *p = &report->processes[i];

		if (prom_member(leader, i, of) && p->error == 0 &&
		    (p->have & PROCESS_FDS))
			sum += p->type_counts[t];
	}
	return sum;
}

static void
prom_limit(FILE *out, bool unlimited, uint64_t value)
{
	if (unlimited)
		fputs(" +Inf\n", out);
	else
		fprintf(out, " %llu\n", (unsigned long long)value);
}

/*
 * Write the sample of the service led by process `of'; false when it
 * has no such value.
 */
static bool
prom_sample(FILE *out, const struct prom *p, size_t of,
    const struct prom_family *f)
{
	const struct report *report = p->report;
	const size_t *leader = p->leader;
	const struct process *proc = &report->processes[of];
	const struct fd_limits *l = &proc->limits;
	bool limits = (proc->have & PROCESS_LIMITS) != 0;
	enum status status;
	double usage;

	if (!prom_member(leader, of, of) || !process_shown(proc) ||
	    (f->trend && !proc->trend.have))
		return false;
	if (f->per_fd && !(proc->have & PROCESS_FDS))
		return false;
	if ((f->value == PROM_SOFT || f->value == PROM_HARD ||
	    f->value == PROM_USAGE) && !limits)
		return false;
	prom_worst(report, leader, of, &usage, &status);
	if (f->value == PROM_USAGE && usage < 0)
		return false;
	if (f->value == PROM_EXHAUSTION && proc->trend.exhausts_in_s < 0)
		return false;
	fputs(f->name, out);
	prom_labels(out, p, proc);
	fputc('}', out);
	switch (f->value) {
	case PROM_OPEN:
	case PROM_INHERITABLE:
	case PROM_CLOSE_WAIT:
	case PROM_DELETED_BYTES:
		fprintf(out, " %llu\n", prom_sum(report, leader, of,
		    f->value));
		break;
	case PROM_SOFT:
		prom_limit(out, l->soft_unlimited, l->soft);
		break;
	case PROM_HARD:
		prom_limit(out, l->hard_unlimited, l->hard);
		break;
	case PROM_USAGE:
		fprintf(out, " %.6f\n", usage);
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
		fprintf(out, " %d\n", (int)status);
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
prom_by_type(FILE *out, const struct prom *p)
{
	const struct report *report = p->report;
	const size_t *leader = p->leader;

	prom_header(out, "fdaudit_open_fds_by_type",
	    "Open file descriptors of the service by type.");
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (!prom_member(leader, i, i) || proc->error != 0 ||
		    !(proc->have & PROCESS_FDS))
			continue;
		for (int t = 0; t < FD_TYPE_COUNT; t++) {
			size_t n = prom_type_sum(report, leader, i, t);

			if (n == 0)
				continue;
			fputs("fdaudit_open_fds_by_type", out);
			prom_labels(out, p, proc);
			fprintf(out, ",type=\"%s\"} %zu\n",
			    fdtype_name((enum fd_type)t), n);
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
prom_end(struct output_context *ctx)
{
	FILE *out = ctx->out;
	const struct report *report = ctx->report;
	struct prom *p = ctx->state;

	p->report = report;
	p->sets = calloc(report->nprocesses + 1, sizeof(*p->sets));
	for (size_t i = 0; i < report->nprocesses && p->sets; i++)
		p->sets[i] = prom_label_set(report, &report->processes[i]);
	if (p->sets == NULL) {
		fputs("# fdaudit: out of memory\n", out);
		return;
	}
	p->leader = prom_leaders(p);

	for (size_t f = 0; f < sizeof(prom_families) /
	    sizeof(prom_families[0]); f++) {
		const struct prom_family *family = &prom_families[f];

		if ((family->per_fd && !report->per_fd) ||
		    (family->trend && !report->trend))
			continue;
		prom_header(out, family->name, family->help);
		for (size_t i = 0; i < report->nprocesses; i++)
			(void)prom_sample(out, p, i, family);
	}
	if (report->per_fd)
		prom_by_type(out, p);
	prom_system(out, report);
	free(p->leader);
	for (size_t i = 0; i < report->nprocesses; i++)
		free(p->sets[i]);
	free(p->sets);
}

const struct output_ops output_prometheus_ops = {
	.name = "prometheus",
	.state_size = sizeof(struct prom),
	.begin = prom_begin,
	.process = prom_process,
	.end = prom_end,
};
