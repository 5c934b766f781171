/*
 * The table report for a person at a terminal: a header per process, the
 * counts by type, then one row per descriptor.  Every string that came
 * from the audited process goes through escape_terminal().
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

#define COLOR_RED	"\033[31m"
#define COLOR_YELLOW	"\033[33m"
#define COLOR_GREEN	"\033[32m"
#define COLOR_BOLD	"\033[1m"
#define COLOR_RESET	"\033[0m"

static bool table_first;

static void table_all_begin(FILE *, const struct report *);
static void table_all_row(FILE *, const struct report *,
    const struct process *);
static void table_all_end(FILE *, const struct report *);

static void
table_begin(FILE *out, const struct report *report)
{
	table_first = true;
	if (report->all)
		table_all_begin(out, report);
}

/* Print `text' in `color' when colour is on. */
static void
table_colored(FILE *out, const struct report *report, const char *color,
    const char *text)
{
	if (report->color && color != NULL)
		fprintf(out, "%s%s%s", color, text, COLOR_RESET);
	else
		fputs(text, out);
}

static const char *
status_color(enum status status)
{
	switch (status) {
	case STATUS_OK:
		return COLOR_GREEN;
	case STATUS_WARNING:
		return COLOR_YELLOW;
	default:
		return COLOR_RED;
	}
}

static void
table_escaped(FILE *out, const char *s)
{
	char *safe;

	if (s == NULL) {
		fputs("-", out);
		return;
	}
	if ((safe = escape_terminal(s)) == NULL) {
		fputs("?", out);
		return;
	}
	fputs(safe, out);
	free(safe);
}

static void
table_limit(FILE *out, const char *label, uint64_t value, bool unlimited)
{
	if (unlimited)
		fprintf(out, "  %s unlimited", label);
	else
		fprintf(out, "  %s %llu", label, (unsigned long long)value);
}

/* A byte count as people read it: "512", "4.2K", "1.5G". */
static const char *
bytes_text(char *buf, size_t size, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f%c", v, units[u]);
	return buf;
}

static void
table_header(FILE *out, const struct report *report,
    const struct process *proc)
{
	char num[32];

	fprintf(out, "PID %d  ", proc->pid);
	table_escaped(out, proc->command);
	fputs("  user ", out);
	table_escaped(out, proc->user);
	fputs("  status ", out);
	table_colored(out, report, status_color(proc->status),
	    status_name(proc->status));
	fprintf(out, "\n  open %zu", proc->open);
	if (proc->have & PROCESS_LIMITS) {
		table_limit(out, "soft", proc->limits.soft,
		    proc->limits.soft_unlimited);
		table_limit(out, "hard", proc->limits.hard,
		    proc->limits.hard_unlimited);
	}
	if (proc->usage >= 0)
		fprintf(out, "  usage %.1f%%", proc->usage * 100.0);
	if (proc->highest_fd >= 0)
		fprintf(out, "  highest %d", proc->highest_fd);
	if (proc->have & PROCESS_FDS)
		fprintf(out, "  inheritable %zu", proc->inheritable);
	if (proc->deleted_bytes > 0)
		fprintf(out, "  deleted %s", bytes_text(num, sizeof(num),
		    proc->deleted_bytes));
	if (proc->close_wait > 0)
		fprintf(out, "  close_wait %zu", proc->close_wait);
	fputc('\n', out);
}

static void
table_types(FILE *out, const struct process *proc)
{
	const char *sep = "  ";

	/* Counted, but its table was refused: say so instead. */
	if (!(proc->have & PROCESS_FDS)) {
		fprintf(out, "  descriptors not listed: %s\n",
		    platform_strerror(proc->error));
		return;
	}
	fputs(" ", out);
	for (int t = 0; t < FD_TYPE_COUNT; t++) {
		if (proc->type_counts[t] == 0)
			continue;
		fprintf(out, "%s%s %zu", sep, fdtype_name((enum fd_type)t),
		    proc->type_counts[t]);
		sep = "  ";
	}
	if (proc->nfds == 0)
		fputs("  no descriptors open", out);
	fputc('\n', out);
}

static void
table_notes(FILE *out, const struct report *report,
    const struct process *proc)
{
	char line[160];

	if (proc->over_fd_setsize) {
		snprintf(line, sizeof(line), "  note: descriptor %d is at or "
		    "above FD_SETSIZE (%d); select() cannot watch it",
		    proc->highest_fd, FDAUDIT_FD_SETSIZE);
		table_colored(out, report, COLOR_YELLOW, line);
		fputc('\n', out);
	}
	if (proc->inheritable > 0) {
		snprintf(line, sizeof(line), "  note: %zu descriptor%s above "
		    "2 without close-on-exec, inherited by every program it "
		    "executes", proc->inheritable,
		    proc->inheritable == 1 ? "" : "s");
		table_colored(out, report, COLOR_YELLOW, line);
		fputc('\n', out);
	}
}

/* The FLAGS column text: "inheritable,nonblock", "cloexec", or "-". */
static void
fd_flags_text(const struct fd_entry *fd, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!fd->have_flags) {
		strlcpy(buf, "?", size);
		return;
	}
	if (fd_is_inheritable(fd))
		strlcat(buf, "inheritable,", size);
	if (fd->cloexec)
		strlcat(buf, "cloexec,", size);
	if (fd->nonblock)
		strlcat(buf, "nonblock,", size);
	if (fd->append)
		strlcat(buf, "append,", size);
	if (buf[0] == '\0')
		strlcpy(buf, "-", size);
	else
		buf[strlen(buf) - 1] = '\0';
}

/* "tcp 10.0.0.5:443 -> 10.0.0.9:51234 ESTABLISHED", "unix stream @x". */
static void
table_socket(FILE *out, const struct fd_entry *fd)
{
	fputs(fd->proto, out);
	if (fd->socket_type != NULL)
		fprintf(out, " %s", fd->socket_type);
	if (fd->local != NULL) {
		fputc(' ', out);
		table_escaped(out, fd->local);
	}
	if (fd->remote != NULL) {
		fputs(" -> ", out);
		table_escaped(out, fd->remote);
	}
	if (fd->state != NULL)
		fprintf(out, " %s", fd->state);
	if (fd->local == NULL && fd->remote == NULL && fd->state == NULL) {
		fputc(' ', out);
		table_escaped(out, fd->target);
	}
}

/* " -> 4711(gzip):0, 4712(tee):1", or that no other end was found. */
static void
table_peers(FILE *out, const struct fd_entry *fd)
{
	if (fd->npeers == 0) {
		fputs(" -> (no peer found)", out);
		return;
	}
	fputs(" ->", out);
	for (size_t i = 0; i < fd->npeers && i < 8; i++) {
		fprintf(out, "%s %d(", i > 0 ? "," : "", fd->peers[i].pid);
		table_escaped(out, fd->peers[i].command);
		fprintf(out, "):%d", fd->peers[i].fd);
	}
	if (fd->npeers > 8)
		fprintf(out, " and %zu more", fd->npeers - 8);
}

/* "  [counter=3 watched=4,5]": what fdinfo says of the descriptor. */
static void
table_details(FILE *out, const struct fd_entry *fd)
{
	fputs("  [", out);
	for (size_t i = 0; i < fd->ndetails; i++) {
		const struct fd_detail *d = &fd->details[i];

		fprintf(out, "%s%s=", i > 0 ? " " : "", d->key);
		switch (d->kind) {
		case DETAIL_NUMBER:
			fprintf(out, "%lld", (long long)d->number);
			break;
		case DETAIL_REAL:
			fprintf(out, "%g", d->real);
			break;
		case DETAIL_BOOL:
			fputs(d->boolean ? "yes" : "no", out);
			break;
		case DETAIL_TEXT:
			table_escaped(out, d->text);
			break;
		case DETAIL_NUMBERS:
			for (size_t j = 0; j < d->nnumbers; j++)
				fprintf(out, "%s%lld", j > 0 ? "," : "",
				    (long long)d->numbers[j]);
			if (d->nnumbers == 0)
				fputs("none", out);
			break;
		}
	}
	fputc(']', out);
}

static void
table_row(FILE *out, const struct report *report, const struct fd_entry *fd,
    int fd_width)
{
	char flags[64], size[32];

	fd_flags_text(fd, flags, sizeof(flags));
	fprintf(out, "%*d  %-11s %-4s ", fd_width, fd->fd,
	    fdtype_entry_name(fd), fd->have_flags ? mode_name(fd->mode) : "?");
	if (fd_is_inheritable(fd)) {
		table_colored(out, report, COLOR_YELLOW, flags);
		fprintf(out, "%*s", (int)(26 - strlen(flags)), "");
	} else
		fprintf(out, "%-25s ", flags);
	if (fd->type == FD_TYPE_SOCKET && fd->proto != NULL)
		table_socket(out, fd);
	else
		table_escaped(out, fd->target);
	if (fd->error != 0)
		fprintf(out, " (error: %s)", platform_strerror(fd->error));
	if (fd->deleted) {
		fputc(' ', out);
		table_colored(out, report, COLOR_RED, "(deleted)");
		if (fd->size >= 0)
			fprintf(out, " %s", bytes_text(size, sizeof(size),
			    (uint64_t)fd->size));
	}
	if (fd->peers_searched)
		table_peers(out, fd);
	if (fd->ndetails > 0)
		table_details(out, fd);
	fputc('\n', out);
}

/* The TREND text: change since the last run and the rate per hour. */
static void
trend_text(const struct process *proc, char *buf, size_t size)
{
	const struct trend *t = &proc->trend;

	if (!t->have) {
		strlcpy(buf, "new", size);
		return;
	}
	snprintf(buf, size, "%+lld %+.1f/h%s", (long long)t->delta,
	    t->per_hour, t->leak_suspect ? " LEAK?" : "");
}

static void
table_trend(FILE *out, const struct report *report,
    const struct process *proc)
{
	char text[64];

	if (!report->trend)
		return;
	trend_text(proc, text, sizeof(text));
	fprintf(out, "  trend %s", text);
	if (proc->trend.have && proc->trend.rising_runs > 0)
		fprintf(out, ", rising %u run%s", proc->trend.rising_runs,
		    proc->trend.rising_runs == 1 ? "" : "s");
	if (proc->trend.exhausts_in_s >= 0)
		fprintf(out, ", limit in about %.0f s",
		    proc->trend.exhausts_in_s);
	fputc('\n', out);
}

static void
table_process(FILE *out, const struct report *report,
    const struct process *proc)
{
	int fd_width = 2;

	if (report->all) {
		table_all_row(out, report, proc);
		return;
	}

	if (!table_first)
		fputc('\n', out);
	table_first = false;
	table_header(out, report, proc);
	table_trend(out, report, proc);
	table_types(out, proc);
	table_notes(out, report, proc);
	if (report->summary || !(proc->have & PROCESS_FDS))
		return;
	for (int h = proc->highest_fd; h >= 100; h /= 10)
		fd_width++;
	fprintf(out, "\n%*s  %-11s %-4s %-25s %s\n", fd_width, "FD", "TYPE",
	    "MODE", "FLAGS", "TARGET [DETAILS]");
	for (size_t i = 0; i < proc->nfds; i++) {
		if (output_fd_selected(report, &proc->fds[i]))
			table_row(out, report, &proc->fds[i], fd_width);
	}
}

static void
table_end(FILE *out, const struct report *report)
{
	if (report->all)
		table_all_end(out, report);
}

/*
 * --all: a line on the whole system, then one row per process.  Without
 * -d the descriptor tables are not read, so INHERIT shows "-".
 */
static void
table_all_begin(FILE *out, const struct report *report)
{
	const struct system_info *sys = &report->system;

	if (sys->have)
		fprintf(out, "system: %llu file handles allocated of %llu "
		    "(fs.file-max), nr_open %llu\n",
		    (unsigned long long)sys->files_allocated,
		    (unsigned long long)sys->files_max,
		    (unsigned long long)sys->nr_open);
	fprintf(out, "%7s %-10s %-16s %7s %8s %6s %7s %7s %-8s",
	    "PID", "USER", "COMMAND", "OPEN", "SOFT", "USE%", "INHERIT",
	    "DELETED", "STATUS");
	if (report->trend)
		fputs(" TREND", out);
	fputc('\n', out);
}

/* Print `s' escaped, cut or padded to `width' columns. */
static void
table_cell(FILE *out, const char *s, int width)
{
	char *safe = escape_terminal(s != NULL ? s : "-");
	size_t len;

	if (safe == NULL)
		return;
	len = strlen(safe);
	if (len > (size_t)width)
		safe[width] = '\0';
	fprintf(out, "%-*s ", width, safe);
	free(safe);
}

static void
table_all_row(FILE *out, const struct report *report,
    const struct process *proc)
{
	char num[32], status[32], trend[64];

	fprintf(out, "%7d ", proc->pid);
	table_cell(out, proc->user, 10);
	table_cell(out, proc->command, 16);
	fprintf(out, "%7zu ", proc->open);
	if (proc->limits.soft_unlimited)
		strlcpy(num, "unlim", sizeof(num));
	else
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)proc->limits.soft);
	fprintf(out, "%8s ", num);
	if (proc->usage >= 0)
		fprintf(out, "%5.1f%% ", proc->usage * 100.0);
	else
		fprintf(out, "%6s ", "-");
	if (proc->have & PROCESS_FDS) {
		fprintf(out, "%7zu ", proc->inheritable);
		fprintf(out, "%7s ", bytes_text(num, sizeof(num),
		    proc->deleted_bytes));
	} else
		fprintf(out, "%7s %7s ", "-", "-");
	snprintf(status, sizeof(status), "%-8s", status_name(proc->status));
	table_colored(out, report, proc->status == STATUS_OK ? NULL :
	    status_color(proc->status), status);
	if (report->trend) {
		trend_text(proc, trend, sizeof(trend));
		fprintf(out, " %s", trend);
	}
	fputc('\n', out);
}

static void
table_all_end(FILE *out, const struct report *report)
{
	fprintf(out, "%zu processes", report->nprocesses);
	if (report->examined > report->nprocesses)
		fprintf(out, " shown of %zu", report->examined);
	fputc('\n', out);
	if (report->others_hidden)
		fputs("processes of other users are hidden: /proc is mounted "
		    "with hidepid (run as root to see them)\n", out);
	if (report->nunreadable == 0)
		return;
	fprintf(out, "%zu could not be read", report->nunreadable);
	if (report->privilege_hint != NULL)
		fprintf(out, " (run %s to see them)", report->privilege_hint);
	fputc(':', out);
	for (size_t i = 0; i < report->nunreadable && i < 20; i++) {
		const struct unreadable *u = &report->unreadable[i];

		fprintf(out, " %d", u->pid);
		if (u->command != NULL) {
			fputc('(', out);
			table_escaped(out, u->command);
			fputc(')', out);
		}
	}
	if (report->nunreadable > 20)
		fprintf(out, " and %zu more", report->nunreadable - 20);
	fputc('\n', out);
}

const struct output_ops output_table_ops = {
	.name = "table",
	.begin = table_begin,
	.process = table_process,
	.end = table_end,
};
