/*
 * The audit: from what the platform layer read, compute counts by type,
 * inheritable descriptors, usage of the soft limit and the status.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

static const char *const status_names[] = {
	[STATUS_OK] = "ok",
	[STATUS_WARNING] = "warning",
	[STATUS_CRITICAL] = "critical",
	[STATUS_UNKNOWN] = "unknown",
};

static const char *const mode_names[] = {
	[FD_MODE_NONE] = "-",
	[FD_MODE_READ] = "r",
	[FD_MODE_WRITE] = "w",
	[FD_MODE_READ_WRITE] = "rw",
};

const char *
status_name(enum status status)
{
	return status_names[status];
}

const char *
mode_name(enum fd_mode mode)
{
	return mode_names[mode];
}

/*
 * A descriptor above 2 without close-on-exec is passed to every program
 * the process executes.  0, 1 and 2 are meant to be inherited.
 */
bool
fd_is_inheritable(const struct fd_entry *fd)
{
	return fd->fd > 2 && fd->have_flags && !fd->cloexec;
}

/*
 * Whether a process is reported: one that was read, or one whose
 * descriptor table was refused but whose identity, count and limits were
 * read, which is reported with them and also as an error.
 */
bool
process_shown(const struct process *proc)
{
	unsigned counted = PROCESS_IDENTITY | PROCESS_LIMITS | PROCESS_COUNT;

	if (proc->error == 0)
		return true;
	return (proc->error == -EACCES || proc->error == -EPERM) &&
	    proc->error_part == PROCESS_FDS && !(proc->have & PROCESS_FDS) &&
	    (proc->have & counted) == counted;
}

/* One bound of a range: a finite number taking the whole text. */
static int
bound_parse(const char *text, size_t len, double *out)
{
	char buf[32], *end;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(*out) ||
	    strchr(buf, ' ') != NULL)
		return -EINVAL;
	return 0;
}

/* "[@][start:]end" as the monitoring-plugins library reads it. */
int
range_parse(const char *text, struct range *r)
{
	const char *colon, *p = text;

	memset(r, 0, sizeof(*r));
	if (strlen(text) >= sizeof(r->text))
		return -EINVAL;
	strlcpy(r->text, text, sizeof(r->text));
	if (*p == '@') {
		r->inside = true;
		p++;
	}
	if ((colon = strchr(p, ':')) != NULL) {
		if (colon - p == 1 && *p == '~')
			r->no_start = true;
		else if (colon == p)
			r->start = 0;	/* ":80" is "0:80" */
		else if (bound_parse(p, (size_t)(colon - p), &r->start) != 0)
			return -EINVAL;
		p = colon + 1;
		if (*p == '\0')
			r->no_end = true;
	}
	if (!r->no_end && bound_parse(p, strlen(p), &r->end) != 0)
		return -EINVAL;
	if (!r->no_start && !r->no_end && r->start > r->end)
		return -EINVAL;
	r->set = true;
	return 0;
}

/* Whether `value' should alert: outside the range, or inside with "@". */
bool
range_alerts(const struct range *r, double value)
{
	bool within = (r->no_start || value >= r->start) &&
	    (r->no_end || value <= r->end);

	if (!r->set)
		return false;
	return r->inside ? within : !within;
}

/* Warning above 80% of the soft limit, critical above 95%. */
void
thresholds_default(struct thresholds *t)
{
	memset(t, 0, sizeof(*t));
	(void)range_parse("80", &t->warn);
	(void)range_parse("95", &t->crit);
}

/*
 * The status a usage ratio and a count earn; a negative usage means no
 * limit, so only the count ranges can alert.
 */
enum status
audit_usage_status(double usage, size_t open, const struct thresholds *t)
{
	double pct = usage * 100.0;
	bool limited = usage >= 0;

	if ((limited && range_alerts(&t->crit, pct)) ||
	    range_alerts(&t->crit_count, (double)open))
		return STATUS_CRITICAL;
	if ((limited && range_alerts(&t->warn, pct)) ||
	    range_alerts(&t->warn_count, (double)open))
		return STATUS_WARNING;
	return STATUS_OK;
}

/* Whether `number' is open on the object of inode `ino' (0: any). */
static bool
fd_open(const struct process *proc, int64_t number, uint64_t ino)
{
	size_t lo = 0, hi = proc->nfds;

	/* The table is sorted by number. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (proc->fds[mid].fd == number)
			return ino == 0 || !proc->fds[mid].have_ino ||
			    proc->fds[mid].ino == ino;
		if (proc->fds[mid].fd < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * An epoll watch outlives the descriptor it was added for when that
 * descriptor was duplicated first: the watch stays until every copy is
 * closed, and events keep coming for a number the process no longer
 * has, or that now names another object.  Such watches are "stale".
 */
static void
epoll_stale_mark(const struct process *proc, struct fd_entry *fd)
{
	const struct fd_detail *watched = NULL;
	struct fd_detail *grown;
	int64_t *stale;
	size_t n = 0;

	for (size_t i = 0; i < fd->ndetails; i++) {
		if (strcmp(fd->details[i].key, "stale") == 0)
			return;
		if (strcmp(fd->details[i].key, "watched") == 0)
			watched = &fd->details[i];
	}
	if (watched == NULL || watched->nnumbers == 0 ||
	    (stale = calloc(watched->nnumbers, sizeof(*stale))) == NULL)
		return;
	for (size_t i = 0; i < watched->nnumbers; i++) {
		if (!fd_open(proc, watched->numbers[i], watched->inodes != NULL ?
		    watched->inodes[i] : 0))
			stale[n++] = watched->numbers[i];
	}
	if (n == 0 || (grown = reallocarray(fd->details, fd->ndetails + 1,
	    sizeof(*grown))) == NULL) {
		free(stale);
		return;
	}
	fd->details = grown;
	memset(&grown[fd->ndetails], 0, sizeof(grown[0]));
	grown[fd->ndetails].key = "stale";
	grown[fd->ndetails].kind = DETAIL_NUMBERS;
	grown[fd->ndetails].numbers = stale;
	grown[fd->ndetails++].nnumbers = n;
}

void
audit_process(struct process *proc, const struct thresholds *t)
{
	memset(proc->type_counts, 0, sizeof(proc->type_counts));
	proc->inheritable = 0;
	proc->deleted_bytes = 0;
	proc->close_wait = 0;
	for (size_t i = 0; i < proc->nfds; i++) {
		const struct fd_entry *fd = &proc->fds[i];

		proc->type_counts[fd->type]++;
		if (fd_is_inheritable(fd))
			proc->inheritable++;
		if (fd->deleted && fd->size > 0)
			proc->deleted_bytes += (uint64_t)fd->size;
		if (fd->state != NULL && strcmp(fd->state, "CLOSE_WAIT") == 0)
			proc->close_wait++;
	}
	for (size_t i = 0; i < proc->nfds; i++) {
		if (proc->fds[i].type == FD_TYPE_EPOLL)
			epoll_stale_mark(proc, &proc->fds[i]);
	}
	if (!(proc->have & PROCESS_LIMITS) || proc->limits.soft_unlimited)
		proc->usage = -1;
	else if (proc->limits.soft == 0)
		proc->usage = proc->open > 0 ? 1.0 : 0.0;
	else
		proc->usage = (double)proc->open / (double)proc->limits.soft;
	proc->over_fd_setsize = proc->highest_fd >= FDAUDIT_FD_SETSIZE;
	proc->usage_status = !process_shown(proc) ? STATUS_UNKNOWN :
	    audit_usage_status(proc->usage, proc->open, t);
	proc->status = proc->usage_status;
}

/* A process at warning or worse, by its usage or by its forecast. */
bool
process_in_trouble(const struct process *proc)
{
	return proc->status == STATUS_WARNING ||
	    proc->status == STATUS_CRITICAL;
}

static int
usage_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	if (x->status != y->status)
		return x->status < y->status ? 1 : -1;
	if (x->usage != y->usage)
		return x->usage < y->usage ? 1 : -1;
	if (x->open != y->open)
		return x->open < y->open ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The worst status first, so that a process raised by its forecast is
 * not sorted below healthy ones; then the highest usage, processes
 * without a limit last.
 */
void
audit_sort(struct report *report)
{
	if (report->nprocesses > 1)
		qsort(report->processes, report->nprocesses,
		    sizeof(report->processes[0]), usage_compare);
}

static int
open_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	if (x->open != y->open)
		return x->open < y->open ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int
pid_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int
text_compare(const char *x, const char *y)
{
	return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

static int
command_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;
	int c = text_compare(x->command, y->command);

	return c != 0 ? c : pid_compare(a, b);
}

static int
user_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;
	int c = text_compare(x->user, y->user);

	return c != 0 ? c : pid_compare(a, b);
}

static const struct {
	const char	*name;
	int		(*compare)(const void *, const void *);
} sort_keys[] = {
	[SORT_USAGE] = { "usage", usage_compare },
	[SORT_OPEN] = { "open", open_compare },
	[SORT_PID] = { "pid", pid_compare },
	[SORT_COMMAND] = { "command", command_compare },
	[SORT_USER] = { "user", user_compare },
};

int
audit_sort_key_parse(const char *name, enum sort_key *key)
{
	for (size_t i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]);
	    i++) {
		if (strcmp(name, sort_keys[i].name) == 0) {
			*key = (enum sort_key)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * --sort: the rows in the order of `key', after --top chose them by
 * usage.  Usage puts the worst status first, as audit_sort does; open,
 * the most descriptors first; the others in increasing order.
 */
void
audit_sort_by(struct report *report, enum sort_key key)
{
	if (report->nprocesses > 1)
		qsort(report->processes, report->nprocesses,
		    sizeof(report->processes[0]), sort_keys[key].compare);
}

/*
 * Keep the first `top' processes of a sorted report, and every process
 * in trouble after them too: a limit on the length of the report must
 * never hide one.
 */
void
audit_top(struct report *report, size_t top)
{
	size_t kept = 0;

	for (size_t i = 0; i < report->nprocesses; i++) {
		if (i < top || process_in_trouble(&report->processes[i]))
			report->processes[kept++] = report->processes[i];
		else
			process_free(&report->processes[i]);
	}
	report->nprocesses = kept;
}

/*
 * Whether a process counts by its own status.  A named process must be
 * read whole; with --all, one whose descriptor table was refused counts
 * by the count and limits that everyone may read, as the processes that
 * could not be read at all are left to the footer.
 */
bool
process_counts(const struct report *report, const struct process *proc)
{
	return proc->error == 0 || (report->all && process_shown(proc));
}

/*
 * The worst status of the report, in the order ok < warning < critical;
 * unknown when any named process could not be read whole.
 */
enum status
audit_report_status(const struct report *report)
{
	enum status worst = STATUS_OK;

	if (report->failure != NULL)
		return STATUS_UNKNOWN;

	for (size_t i = 0; i < report->nprocesses; i++) {
		enum status s = report->processes[i].status;

		if (s == STATUS_UNKNOWN || !process_counts(report,
		    &report->processes[i]))
			return STATUS_UNKNOWN;
		if (s > worst)
			worst = s;
	}
	return worst;
}

/*
 * Add the report up once, for every output: the worst status, and how
 * many processes are at ok, at warning or worse, or could not be read
 * whole.  Called before --top, which must not change what is counted.
 */
void
audit_totals(struct report *report)
{
	struct report_totals *totals = &report->totals;

	*totals = (struct report_totals){
		.worst = audit_report_status(report) };
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (!process_counts(report, proc))
			totals->errors++;
		else if (process_in_trouble(proc))
			totals->above_warning++;
		else
			totals->ok++;
	}
}

/*
 * Whether two observations of a descriptor table show the same
 * descriptor: the same number, still open on the same object.  A number
 * closed and reused for another object is not the same descriptor, and
 * an inode seen in one observation only cannot vouch for the object, so
 * it differs too.  Without an inode on either side the type is all
 * there is to go by.
 */
bool
fd_entry_same(const struct fd_entry *a, const struct fd_entry *b)
{
	if (a->fd != b->fd || a->type != b->type ||
	    a->have_ino != b->have_ino)
		return false;
	return !a->have_ino || (a->ino == b->ino && a->dev == b->dev);
}

/* Free what a descriptor entry owns; the entry itself stays. */
void
fd_entry_release(struct fd_entry *fd)
{
	free(fd->target);
	free(fd->proto);
	free(fd->type_word);
	free(fd->local);
	free(fd->remote);
	fd_details_free(fd->details, fd->ndetails);
	for (size_t i = 0; i < fd->npeers + fd->nsharers; i++)
		free(fd->peers[i].command);
	free(fd->peers);
	fd->target = fd->proto = fd->type_word = NULL;
	fd->local = fd->remote = NULL;
	fd->details = NULL;
	fd->peers = NULL;
	fd->ndetails = fd->npeers = fd->nsharers = 0;
}

void
process_free(struct process *proc)
{
	for (size_t i = 0; i < proc->nfds; i++)
		fd_entry_release(&proc->fds[i]);
	free(proc->fds);
	free(proc->command);
	free(proc->user);
	free(proc->unit);
	free(proc->cgroup);
	free(proc->container);
	proc->unit = proc->cgroup = proc->container = NULL;
	proc->fds = NULL;
	proc->nfds = 0;
	proc->command = NULL;
	proc->user = NULL;
}

/* What a report holds: its processes and the list of unreadable ones. */
void
report_free(struct report *report)
{
	for (size_t i = 0; i < report->nprocesses; i++)
		process_free(&report->processes[i]);
	for (size_t i = 0; i < report->nunreadable; i++)
		free(report->unreadable[i].command);
	free(report->processes);
	free(report->unreadable);
}
