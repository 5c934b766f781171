/*
 * The table report for a person at a terminal: a header per process, the
 * counts by type, then one row per descriptor.  Every string that came
 * from the audited process goes through escape_terminal().
 *
 * Lines are put together in a buffer before they are written, so that on
 * a terminal each can be made to fit its width (report->width): lists of
 * fields wrap between fields, sentences between words, and the TARGET
 * column gets the room that is left, shortened with a visible mark.  A
 * line that still does not fit is cut at the edge with the mark: a line
 * the terminal wrapped would break the columns of every row.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

#define COLOR_RED	"\033[31m"
#define COLOR_YELLOW	"\033[33m"
#define COLOR_GREEN	"\033[32m"
#define COLOR_BOLD	"\033[1m"
#define COLOR_RESET	"\033[0m"

/* The TARGET column is not shortened below this, for the details. */
#define TARGET_MIN	24

/* One line of output being put together. */
struct line {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	bool		 failed;	/* out of memory: the rest is lost */
};

/* The table being written, from table_begin to table_end. */
struct table {
	FILE			*out;
	const struct report	*report;
	struct line		 line;
	struct line		 cell;		/* the TARGET text of a row */
	const char		*indent;	/* of a wrapped line */
	bool			 first;
	int			 user_width;	/* --all columns */
	int			 command_width;
};

_Static_assert(sizeof(struct table) <= OUTPUT_STATE_MAX,
    "the table's state fits output_write's room");

static void table_all_begin(struct table *);
static void table_all_row(struct table *, const struct process *);
static void table_all_end(struct table *);
static void table_holders_begin(struct table *);
static void table_holders_rows(struct table *, const struct process *);

static void
line_grow(struct line *l, size_t more)
{
	char *grown;
	size_t cap;

	if (l->failed || l->len + more + 1 <= l->cap)
		return;
	cap = l->cap ? l->cap : 256;
	while (cap < l->len + more + 1)
		cap *= 2;
	if ((grown = realloc(l->buf, cap)) == NULL) {
		l->failed = true;
		return;
	}
	l->buf = grown;
	l->cap = cap;
}

static void
line_addn(struct line *l, const char *s, size_t n)
{
	line_grow(l, n);
	if (l->failed)
		return;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void
line_add(struct line *l, const char *s)
{
	line_addn(l, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
line_printf(struct line *l, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		line_addn(l, small, (size_t)n);
		return;
	}
	line_grow(l, (size_t)n);
	if (l->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(l->buf + l->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
}

/* Untrusted text, escaped; "-" when there is none. */
static void
line_escaped(struct line *l, const char *s)
{
	char *safe;

	if (s == NULL) {
		line_add(l, "-");
		return;
	}
	if ((safe = escape_terminal(s)) == NULL) {
		line_add(l, "?");
		return;
	}
	line_add(l, safe);
	free(safe);
}

/* `text' in `color' when colour is on. */
static void
line_colored(struct table *table, struct line *l, const char *color,
    const char *text)
{
	if (table->report->color && color != NULL) {
		line_add(l, color);
		line_add(l, text);
		line_add(l, COLOR_RESET);
	} else
		line_add(l, text);
}

static const char *
cut_mark(void)
{
	return escape_utf8_output() ? "\xe2\x80\xa6" : "...";
}

/*
 * Shorten l to `columns' columns with the mark at the end, closing any
 * colour the cut leaves open.
 */
static void
line_cut(struct line *l, size_t columns)
{
	const char *mark = cut_mark();
	size_t mark_columns = textwidth_columns(mark), keep;

	if (l->failed || textwidth_columns(l->buf) <= columns)
		return;
	keep = columns > mark_columns ? columns - mark_columns : 0;
	l->len = textwidth_head(l->buf, keep);
	l->buf[l->len] = '\0';
	if (memchr(l->buf, '\033', l->len) != NULL)
		line_add(l, COLOR_RESET);
	if (columns >= mark_columns)
		line_add(l, mark);
}

/*
 * Write the line and start the next.  Trailing spaces go: on a line as
 * wide as the terminal they would make it wrap into a blank line.
 */
static void
line_end(struct table *table)
{
	struct line *l = &table->line;

	if (!l->failed) {
		while (l->len > 0 && l->buf[l->len - 1] == ' ')
			l->len--;
		l->buf[l->len] = '\0';
		if (table->report->width > 0)
			line_cut(l, (size_t)table->report->width);
		fputs(l->buf, table->out);
	}
	fputc('\n', table->out);
	l->len = 0;
	l->failed = false;
	if (l->buf != NULL)
		l->buf[0] = '\0';
}

/*
 * One field of a list: after `sep', or on a new line after the indent
 * when it would not fit on the terminal.
 */
static void
line_item(struct table *table, const char *sep, const char *text,
    const char *color)
{
	struct line *l = &table->line;
	size_t indent = strlen(table->indent);

	if (table->report->width > 0 && l->len > indent && !l->failed &&
	    textwidth_columns(l->buf) + strlen(sep) + textwidth_columns(text) >
	    (size_t)table->report->width) {
		line_end(table);
		line_add(l, table->indent);
	} else
		line_add(l, sep);
	line_colored(table, l, color, text);
}

static void __attribute__((format(printf, 3, 4)))
line_itemf(struct table *table, const char *sep, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line_item(table, sep, text, NULL);
}

/*
 * A sentence of our own after `first', wrapped between words onto lines
 * that begin with `indent', each line in `color'.
 */
static void
line_sentence(struct table *table, const char *first, const char *indent,
    const char *text, const char *color)
{
	size_t width = table->report->width > 0 ? (size_t)table->report->width :
	    (size_t)-1;
	const char *p = text;

	while (*p != '\0') {
		const char *start = p, *end = p;
		size_t room = width - strlen(first);
		char *part;

		/* As many words as fit, and at least one. */
		while (*end != '\0') {
			const char *next = end + strspn(end, " ");

			next += strcspn(next, " ");
			if (end != start && (size_t)(next - start) > room)
				break;
			end = next;
		}
		if ((part = strndup(start, (size_t)(end - start))) == NULL)
			return;
		line_add(&table->line, first);
		line_colored(table, &table->line, color, part);
		free(part);
		line_end(table);
		first = indent;
		p = end + strspn(end, " ");
	}
}

static void
table_begin(struct output_context *ctx)
{
	struct table *table = ctx->state;
	const struct report *report = ctx->report;

	table->out = ctx->out;
	table->report = report;
	table->first = true;
	table->indent = "";
	if (report->holders)
		table_holders_begin(table);
	else if (report->all)
		table_all_begin(table);
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
table_limit(struct table *table, const char *label, uint64_t value,
    bool unlimited)
{
	if (unlimited)
		line_itemf(table, "  ", "%s unlimited", label);
	else
		line_itemf(table, "  ", "%s %llu", label,
		    (unsigned long long)value);
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

/*
 * The unit of a process, else its cgroup, escaped, with a container's
 * ID cut to the 12 digits its runtime shows; NULL when unknown.
 */
static char *
owner_text(const struct process *proc)
{
	const char *name = proc->unit != NULL ? proc->unit : proc->cgroup;
	const char *id;
	char *text, *safe;

	if (name == NULL || (text = strdup(name)) == NULL)
		return NULL;
	if (proc->container != NULL &&
	    (id = strstr(text, proc->container)) != NULL)
		memmove(text + (id - text) + 12, id + 64, strlen(id + 64) + 1);
	safe = escape_terminal(text);
	free(text);
	return safe;
}

/* "unit nginx.service", "container 0123456789ab", "nspid 7". */
static void
table_owner(struct table *table, const struct process *proc)
{
	char *owner = owner_text(proc), *item;
	size_t len;

	if (owner != NULL) {
		len = strlen(owner) + sizeof("cgroup ");
		if ((item = malloc(len)) != NULL) {
			snprintf(item, len, "%s %s", proc->unit != NULL ?
			    "unit" : "cgroup", owner);
			line_item(table, "  ", item, NULL);
		}
		free(item);
	}
	free(owner);
	if (proc->container != NULL)
		line_itemf(table, "  ", "container %.12s", proc->container);
	if (proc->nspid > 0)
		line_itemf(table, "  ", "nspid %d", proc->nspid);
}

/* "PID 4711  nginx  user www  status ok", wrapped between fields. */
static void
table_title(struct table *table, const struct process *proc)
{
	char *command = escape_terminal(proc->command ? proc->command : "-");
	char *user = escape_terminal(proc->user ? proc->user : "-");

	table->indent = "  ";
	line_printf(&table->line, "PID %d", proc->pid);
	line_item(table, "  ", command ? command : "?", NULL);
	line_itemf(table, "  ", "user %s", user ? user : "?");
	table_owner(table, proc);
	line_item(table, "  ", "status", NULL);
	line_add(&table->line, " ");
	line_colored(table, &table->line, status_color(proc->status),
	    status_name(proc->status));
	line_end(table);
	free(command);
	free(user);
}

static void
table_header(struct table *table, const struct process *proc)
{
	char num[32];

	table_title(table, proc);
	table->indent = "  ";
	line_printf(&table->line, "  open %zu", proc->open);
	if (proc->have & PROCESS_LIMITS) {
		table_limit(table, "soft", proc->limits.soft,
		    proc->limits.soft_unlimited);
		table_limit(table, "hard", proc->limits.hard,
		    proc->limits.hard_unlimited);
	}
	if (proc->usage >= 0)
		line_itemf(table, "  ", "usage %.1f%%", proc->usage * 100.0);
	if (proc->highest_fd >= 0)
		line_itemf(table, "  ", "highest %d", proc->highest_fd);
	if (proc->have & PROCESS_FDS)
		line_itemf(table, "  ", "inheritable %zu", proc->inheritable);
	if (proc->deleted_bytes > 0)
		line_itemf(table, "  ", "deleted %s", bytes_text(num,
		    sizeof(num), proc->deleted_bytes));
	if (proc->close_wait > 0)
		line_itemf(table, "  ", "close_wait %zu", proc->close_wait);
	line_end(table);
}

static void
table_types(struct table *table, const struct process *proc)
{
	/* Counted, but its table was refused: say so instead. */
	if (!(proc->have & PROCESS_FDS)) {
		line_printf(&table->line, "  descriptors not listed: %s",
		    platform_strerror(proc->error));
		line_end(table);
		return;
	}
	table->indent = "   ";
	line_add(&table->line, " ");
	for (int t = 0; t < FD_TYPE_COUNT; t++) {
		if (proc->type_counts[t] != 0)
			line_itemf(table, "  ", "%s %zu",
			    fdtype_name((enum fd_type)t), proc->type_counts[t]);
	}
	if (proc->nfds == 0)
		line_add(&table->line, "  no descriptors open");
	line_end(table);
}

static void
table_notes(struct table *table, const struct process *proc)
{
	char text[160];

	if (proc->over_fd_setsize) {
		snprintf(text, sizeof(text), "descriptor %d is at or above "
		    "FD_SETSIZE (%d); select() cannot watch it",
		    proc->highest_fd, FDAUDIT_FD_SETSIZE);
		line_sentence(table, "  note: ", "        ", text,
		    COLOR_YELLOW);
	}
	if (proc->inheritable > 0) {
		snprintf(text, sizeof(text), "%zu descriptor%s above 2 without "
		    "close-on-exec, inherited by every program it executes",
		    proc->inheritable, proc->inheritable == 1 ? "" : "s");
		line_sentence(table, "  note: ", "        ", text,
		    COLOR_YELLOW);
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
cell_socket(struct line *c, const struct fd_entry *fd)
{
	line_add(c, fd->proto);
	if (fd->socket_type != NULL)
		line_printf(c, " %s", fd->socket_type);
	if (fd->local != NULL) {
		line_add(c, " ");
		line_escaped(c, fd->local);
	}
	if (fd->remote != NULL) {
		line_add(c, " -> ");
		line_escaped(c, fd->remote);
	}
	if (fd->state != NULL)
		line_printf(c, " %s", fd->state);
	if (fd->local == NULL && fd->remote == NULL && fd->state == NULL) {
		line_add(c, " ");
		line_escaped(c, fd->target);
	}
}

/* "4711(gzip):0r, 4712(tee):1r": holders, with their mode for pipes. */
static void
cell_holders(struct line *c, const struct fd_entry *fd,
    const struct fd_peer *peers, size_t n)
{
	for (size_t i = 0; i < n && i < 8; i++) {
		line_printf(c, "%s%d(", i > 0 ? ", " : "", peers[i].pid);
		line_escaped(c, peers[i].command);
		line_printf(c, "):%d", peers[i].fd);
		if (fd->type == FD_TYPE_FIFO && peers[i].mode != FD_MODE_NONE)
			line_add(c, mode_name(peers[i].mode));
	}
	if (n > 8)
		line_printf(c, " and %zu more", n - 8);
}

/*
 * " -> 4711(gzip):0r" for the other end, or that none was found; then
 * " (also held by 4712(sh):1w)" for the holders of the same end.
 */
static void
cell_peers(struct line *c, const struct fd_entry *fd)
{
	if (fd->npeers == 0)
		line_add(c, " -> (no peer found)");
	else {
		line_add(c, " -> ");
		cell_holders(c, fd, fd->peers, fd->npeers);
	}
	if (fd->nsharers > 0) {
		line_add(c, " (also held by ");
		cell_holders(c, fd, fd->peers + fd->npeers, fd->nsharers);
		line_add(c, ")");
	}
}

/* "  [counter=3 watched=4,5]": what fdinfo says of the descriptor. */
static void
cell_details(struct line *c, const struct fd_entry *fd)
{
	line_add(c, "  [");
	for (size_t i = 0; i < fd->ndetails; i++) {
		const struct fd_detail *d = &fd->details[i];

		line_printf(c, "%s%s=", i > 0 ? " " : "", d->key);
		switch (d->kind) {
		case DETAIL_NUMBER:
			line_printf(c, "%lld", (long long)d->number);
			break;
		case DETAIL_REAL:
			line_printf(c, "%g", d->real);
			break;
		case DETAIL_BOOL:
			line_add(c, d->boolean ? "yes" : "no");
			break;
		case DETAIL_TEXT:
			line_escaped(c, d->text);
			break;
		case DETAIL_NUMBERS:
			for (size_t j = 0; j < d->nnumbers; j++)
				line_printf(c, "%s%lld", j > 0 ? "," : "",
				    (long long)d->numbers[j]);
			if (d->nnumbers == 0)
				line_add(c, "none");
			break;
		}
	}
	line_add(c, "]");
}

/*
 * Shorten c to `columns' columns with the mark: a path by its start,
 * whose directories matter least, anything else by its end.
 */
static void
cell_shorten(struct line *c, size_t columns)
{
	const char *mark = cut_mark();
	size_t mark_columns = textwidth_columns(mark), from;
	char *path;

	if (c->failed || textwidth_columns(c->buf) <= columns)
		return;
	if (c->buf[0] != '/' || columns <= mark_columns) {
		line_cut(c, columns);
		return;
	}
	from = textwidth_tail(c->buf, columns - mark_columns);
	if ((path = strdup(c->buf + from)) == NULL) {
		line_cut(c, columns);
		return;
	}
	c->len = 0;
	line_add(c, mark);
	line_add(c, path);
	free(path);
}

/*
 * Add the TARGET text to the row, the first `target_len' bytes of it
 * being the target itself and the rest what follows it (peers, details).
 * When it does not fit, the target gives up room first, down to
 * TARGET_MIN columns, then what follows is cut at its end.
 */
static void
row_target(struct table *table, size_t target_len)
{
	struct line *c = &table->cell, *l = &table->line;
	size_t room, used, target_columns, rest_columns, target_room;
	char *rest;

	used = textwidth_columns(l->buf != NULL ? l->buf : "");
	room = (size_t)table->report->width > used ?
	    (size_t)table->report->width - used : 0;
	if (c->failed || table->report->width <= 0 ||
	    textwidth_columns(c->buf) <= room) {
		line_add(l, c->failed ? "?" : c->buf);
		return;
	}
	if ((rest = strdup(c->buf + target_len)) == NULL)
		return;
	c->len = target_len;
	c->buf[c->len] = '\0';
	target_columns = textwidth_columns(c->buf);
	rest_columns = textwidth_columns(rest);
	target_room = target_columns < TARGET_MIN ? target_columns : TARGET_MIN;
	if (room >= rest_columns + target_room)
		target_room = room - rest_columns;
	else if (target_room > room)
		target_room = room;
	cell_shorten(c, target_room);
	line_add(l, c->buf);
	c->len = 0;
	line_add(c, rest);
	free(rest);
	used = textwidth_columns(l->buf);
	line_cut(c, (size_t)table->report->width > used ?
	    (size_t)table->report->width - used : 0);
	line_add(l, c->buf);
}

/* The widths of the columns before TARGET. */
struct row_widths {
	int	 fd;
	int	 flags;
	int	 offset;	/* 0 without -l */
	int	 size;
};

/* -l: the offset of a file or device, where reading goes next. */
static const char *
offset_text(const struct fd_entry *fd, char *buf, size_t size)
{
	if (!fd->have_flags || (fd->type != FD_TYPE_FILE &&
	    fd->type != FD_TYPE_BLK && fd->type != FD_TYPE_MEMFD))
		return "-";
	snprintf(buf, size, "%lld", (long long)fd->pos);
	return buf;
}

static const char *
size_text(const struct fd_entry *fd, char *buf, size_t size)
{
	if (fd->size < 0 || (fd->type != FD_TYPE_FILE &&
	    fd->type != FD_TYPE_MEMFD))
		return "-";
	snprintf(buf, size, "%lld", (long long)fd->size);
	return buf;
}

static void
table_row(struct table *table, const struct fd_entry *fd,
    const struct row_widths *w)
{
	struct line *l = &table->line, *c = &table->cell;
	char flags[64], size[32];
	size_t target_len;

	fd_flags_text(fd, flags, sizeof(flags));
	line_printf(l, "%*d  %-11s %-4s ", w->fd, fd->fd,
	    fdtype_entry_name(fd), fd->have_flags ? mode_name(fd->mode) : "?");
	line_colored(table, l, fd_is_inheritable(fd) ? COLOR_YELLOW : NULL,
	    flags);
	line_printf(l, "%*s", (int)(w->flags + 1 - strlen(flags)), "");
	if (w->offset > 0) {
		line_printf(l, "%*s ", w->offset, offset_text(fd, size,
		    sizeof(size)));
		line_printf(l, "%*s ", w->size, size_text(fd, size,
		    sizeof(size)));
	}

	c->len = 0;
	line_add(c, "");
	if (fd->type == FD_TYPE_SOCKET && fd->proto != NULL)
		cell_socket(c, fd);
	else
		line_escaped(c, fd->target);
	target_len = c->len;
	if (fd->error != 0)
		line_printf(c, " (error: %s)", platform_strerror(fd->error));
	if (fd->deleted) {
		line_add(c, " ");
		line_colored(table, c, COLOR_RED, "(deleted)");
		if (fd->size >= 0)
			line_printf(c, " %s", bytes_text(size, sizeof(size),
			    (uint64_t)fd->size));
	}
	if (fd->peers_searched)
		cell_peers(c, fd);
	if (fd->ndetails > 0)
		cell_details(c, fd);
	row_target(table, target_len);
	line_end(table);
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
table_trend(struct table *table, const struct process *proc)
{
	char text[64];

	if (!table->report->trend)
		return;
	trend_text(proc, text, sizeof(text));
	table->indent = "  ";
	line_printf(&table->line, "  trend %s", text);
	if (proc->trend.have && proc->trend.rising_runs > 0)
		line_itemf(table, ", ", "rising %u run%s",
		    proc->trend.rising_runs,
		    proc->trend.rising_runs == 1 ? "" : "s");
	if (proc->trend.exhausts_in_s >= 0)
		line_itemf(table, ", ", "limit in about %s",
		    output_duration(text, sizeof(text),
		    proc->trend.exhausts_in_s));
	line_end(table);
}

/* The widest text of each column before TARGET, over the rows shown. */
static void
row_widths_of(struct table *table, const struct process *proc,
    struct row_widths *w)
{
	char text[64];
	int len;

	w->fd = 2;
	for (int h = proc->highest_fd; h >= 100; h /= 10)
		w->fd++;
	w->flags = (int)strlen("FLAGS");
	w->offset = table->report->offsets ? (int)strlen("OFFSET") : 0;
	w->size = (int)strlen("SIZE");
	for (size_t i = 0; i < proc->nfds; i++) {
		const struct fd_entry *fd = &proc->fds[i];

		if (!output_fd_selected(table->report, fd))
			continue;
		fd_flags_text(fd, text, sizeof(text));
		if ((len = (int)strlen(text)) > w->flags)
			w->flags = len;
		if (w->offset == 0)
			continue;
		if ((len = (int)strlen(offset_text(fd, text, sizeof(text)))) >
		    w->offset)
			w->offset = len;
		if ((len = (int)strlen(size_text(fd, text, sizeof(text)))) >
		    w->size)
			w->size = len;
	}
}

static void
table_rows(struct table *table, const struct process *proc)
{
	struct row_widths w;
	size_t shown = 0;

	for (size_t i = 0; i < proc->nfds; i++)
		shown += output_fd_selected(table->report, &proc->fds[i]);
	line_end(table);
	if (shown == 0) {
		line_add(&table->line, "  no descriptors of the types asked "
		    "for");
		line_end(table);
		return;
	}
	row_widths_of(table, proc, &w);
	line_printf(&table->line, "%*s  %-11s %-4s %-*s ", w.fd, "FD", "TYPE",
	    "MODE", w.flags, "FLAGS");
	if (w.offset > 0)
		line_printf(&table->line, "%*s %*s ", w.offset, "OFFSET",
		    w.size, "SIZE");
	line_add(&table->line, "TARGET");
	line_end(table);
	for (size_t i = 0; i < proc->nfds; i++) {
		if (output_fd_selected(table->report, &proc->fds[i]))
			table_row(table, &proc->fds[i], &w);
	}
}

static void
table_process(struct output_context *ctx, const struct process *proc)
{
	struct table *table = ctx->state;

	if (table->report->holders) {
		table_holders_rows(table, proc);
		return;
	}
	if (table->report->all) {
		table_all_row(table, proc);
		return;
	}
	if (!table->first)
		line_end(table);
	table->first = false;
	table_header(table, proc);
	table_trend(table, proc);
	table_types(table, proc);
	table_notes(table, proc);
	if (table->report->summary || !(proc->have & PROCESS_FDS))
		return;
	table_rows(table, proc);
}

static void
table_end(struct output_context *ctx)
{
	struct table *table = ctx->state;

	if (table->report->all && !table->report->holders)
		table_all_end(table);
	free(table->line.buf);
	free(table->cell.buf);
	memset(&table->line, 0, sizeof(table->line));
	memset(&table->cell, 0, sizeof(table->cell));
}

/*
 * The room the --all rows give USER and COMMAND: what the terminal
 * leaves of their usual widths, down to 8 each.  `fixed' is the width of
 * the other columns with their spaces.
 */
static void
all_columns(struct table *table, int fixed, bool user, bool command)
{
	int width = table->report->width;

	table->user_width = 10;
	table->command_width = 16;
	if (width <= 0 || table->report->trend)
		return;
	if (command && fixed + (user ? 11 : 0) + 17 > width)
		table->command_width = width - fixed - (user ? 11 : 0) - 1;
	if (table->command_width < 8)
		table->command_width = 8;
	if (user && fixed + 11 + (command ? table->command_width + 1 : 0) >
	    width)
		table->user_width = width - fixed - (command ?
		    table->command_width + 1 : 0) - 1;
	if (table->user_width < 8)
		table->user_width = 8;
}

/* The text of one cell of a --all row, for the columns that are numbers. */
typedef void column_text(const struct process *, char *, size_t);

static void
text_pid(const struct process *proc, char *buf, size_t size)
{
	snprintf(buf, size, "%d", proc->pid);
}

static void
text_open(const struct process *proc, char *buf, size_t size)
{
	snprintf(buf, size, "%zu", proc->open);
}

static void
limit_text(uint64_t value, bool unlimited, bool have, char *buf,
    size_t size)
{
	if (!have)
		strlcpy(buf, "-", size);
	else if (unlimited)
		strlcpy(buf, "unlim", size);
	else
		snprintf(buf, size, "%llu", (unsigned long long)value);
}

static void
text_soft(const struct process *proc, char *buf, size_t size)
{
	limit_text(proc->limits.soft, proc->limits.soft_unlimited,
	    proc->have & PROCESS_LIMITS, buf, size);
}

static void
text_hard(const struct process *proc, char *buf, size_t size)
{
	limit_text(proc->limits.hard, proc->limits.hard_unlimited,
	    proc->have & PROCESS_LIMITS, buf, size);
}

static void
text_usage(const struct process *proc, char *buf, size_t size)
{
	if (proc->usage >= 0)
		snprintf(buf, size, "%.1f%%", proc->usage * 100.0);
	else
		strlcpy(buf, "-", size);
}

/* What comes from the descriptor table is "-" when it was not read. */
static void
text_inherit(const struct process *proc, char *buf, size_t size)
{
	if (proc->have & PROCESS_FDS)
		snprintf(buf, size, "%zu", proc->inheritable);
	else
		strlcpy(buf, "-", size);
}

static void
text_deleted(const struct process *proc, char *buf, size_t size)
{
	if (proc->have & PROCESS_FDS)
		bytes_text(buf, size, proc->deleted_bytes);
	else
		strlcpy(buf, "-", size);
}

static void
text_close_wait(const struct process *proc, char *buf, size_t size)
{
	if (proc->have & PROCESS_FDS)
		snprintf(buf, size, "%zu", proc->close_wait);
	else
		strlcpy(buf, "-", size);
}

static void
text_highest(const struct process *proc, char *buf, size_t size)
{
	if (proc->highest_fd >= 0)
		snprintf(buf, size, "%d", proc->highest_fd);
	else
		strlcpy(buf, "-", size);
}

static void
text_status(const struct process *proc, char *buf, size_t size)
{
	strlcpy(buf, status_name(proc->status), size);
}

static void
text_trend(const struct process *proc, char *buf, size_t size)
{
	trend_text(proc, buf, size);
}

/*
 * The columns of the --all rows, in their default order.  A width of 0
 * marks USER and COMMAND, which get the room the terminal leaves, and
 * UNIT, the last, which is cut at its edge; a negative width, a column
 * aligned to the left.
 */
enum all_column {
	COL_PID, COL_USER, COL_COMMAND, COL_OPEN, COL_SOFT, COL_HARD,
	COL_USAGE, COL_INHERIT, COL_DELETED, COL_CLOSE_WAIT, COL_HIGHEST,
	COL_STATUS, COL_TREND, COL_UNIT, COL_COUNT
};

static const struct {
	const char	*name;
	int		 width;
	bool		 shown;		/* by default */
	column_text	*text;
	const char	*help;
} all_column_table[COL_COUNT] = {
	[COL_PID] = { "PID", 7, true, text_pid, "process ID" },
	[COL_USER] = { "USER", 0, true, NULL, "user name, or user ID" },
	[COL_COMMAND] = { "COMMAND", 0, true, NULL, "command name" },
	[COL_OPEN] = { "OPEN", 7, true, text_open,
	    "open descriptors" },
	[COL_SOFT] = { "SOFT", 8, true, text_soft,
	    "soft limit (RLIMIT_NOFILE)" },
	[COL_HARD] = { "HARD", 8, false, text_hard, "hard limit" },
	[COL_USAGE] = { "USE%", 6, true, text_usage,
	    "open descriptors in percent of the soft limit" },
	[COL_INHERIT] = { "INHERIT", 7, true, text_inherit,
	    "descriptors above 2 without close-on-exec (with -d)" },
	[COL_DELETED] = { "DELETED", 7, true, text_deleted,
	    "bytes held by deleted files (with -d)" },
	[COL_CLOSE_WAIT] = { "CLOSE_WAIT", 10, false, text_close_wait,
	    "TCP sockets in CLOSE_WAIT (with -d)" },
	[COL_HIGHEST] = { "HIGHEST", 7, false, text_highest,
	    "highest descriptor number (with -d)" },
	[COL_STATUS] = { "STATUS", -8, true, text_status,
	    "ok, warning or critical" },
	[COL_TREND] = { "TREND", -14, false, text_trend,
	    "change since the last run, rate per hour (with --state)" },
	[COL_UNIT] = { "UNIT", 0, true, NULL,
	    "systemd unit, else control group, of the process" },
};

/*
 * "PID,user,USE%": the columns of --columns.  -EINVAL for an unknown one
 * and -E2BIG for one too many, named in *bad, which the caller frees.
 */
int
table_columns_parse(const char *list, int *columns, size_t *n,
    char **bad)
{
	*n = 0;
	*bad = NULL;
	for (const char *word = list;; word++) {
		size_t len = strcspn(word, ","), c;

		for (c = 0; c < COL_COUNT; c++) {
			if ((strncasecmp(word, all_column_table[c].name, len) ==
			    0 && all_column_table[c].name[len] == '\0') ||
			    (c == COL_USAGE && len == 5 &&
			    strncasecmp(word, "usage", len) == 0))
				break;
		}
		if (c == COL_COUNT || *n == TABLE_COLUMNS_MAX) {
			if ((*bad = strndup(word, len)) == NULL)
				return -ENOMEM;
			return c == COL_COUNT ? -EINVAL : -E2BIG;
		}
		columns[(*n)++] = (int)c;
		word += len;
		if (*word == '\0')
			return 0;
	}
}

/* --list-columns: each column with what it shows. */
void
table_columns_list(FILE *out)
{
	const char *sep = "";

	for (size_t c = 0; c < COL_COUNT; c++)
		fprintf(out, "%-10s  %s\n", all_column_table[c].name,
		    all_column_table[c].help);
	fputs("\nThe default: ", out);
	for (size_t c = 0; c < COL_COUNT; c++) {
		if (all_column_table[c].shown) {
			fprintf(out, "%s%s", sep, all_column_table[c].name);
			sep = ",";
		}
	}
	fputs(", and TREND with --state.\n", out);
}

/* The columns of the rows: those of --columns, or the default ones. */
static size_t
all_chosen(const struct table *table, int *columns)
{
	const struct report *report = table->report;
	size_t n = 0;

	if (report->ncolumns > 0) {
		memcpy(columns, report->columns, report->ncolumns *
		    sizeof(columns[0]));
		return report->ncolumns;
	}
	for (size_t c = 0; c < COL_COUNT; c++) {
		if (all_column_table[c].shown ||
		    (c == COL_TREND && report->trend))
			columns[n++] = (int)c;
	}
	return n;
}

static int
column_width(const struct table *table, int c)
{
	int w = all_column_table[c].width;

	if (c == COL_USER)
		return table->user_width;
	if (c == COL_COMMAND)
		return table->command_width;
	return w < 0 ? -w : w;
}

/*
 * --all: a line on the whole system, then one row per process.  Without
 * -d the descriptor tables are not read, so INHERIT shows "-".
 */
static void
table_all_begin(struct table *table)
{
	const struct system_info *sys = &table->report->system;
	int columns[TABLE_COLUMNS_MAX], fixed = 0;
	bool user = false, command = false;
	size_t n = all_chosen(table, columns);
	char text[256];

	for (size_t i = 0; i < n; i++) {
		user |= columns[i] == COL_USER;
		command |= columns[i] == COL_COMMAND;
		if (all_column_table[columns[i]].width != 0)
			fixed += column_width(table, columns[i]) + 1;
	}
	all_columns(table, fixed, user, command);
	if (table->report->no_heading)
		return;
	if (sys->have) {
		snprintf(text, sizeof(text), "%llu file handles allocated of "
		    "%llu (fs.file-max), nr_open %llu",
		    (unsigned long long)sys->files_allocated,
		    (unsigned long long)sys->files_max,
		    (unsigned long long)sys->nr_open);
		line_sentence(table, "system: ", "  ", text, NULL);
	}
	if (table->report->by_unit) {
		line_printf(&table->line, "%5s %7s %6s %-8s %s", "PROCS",
		    "OPEN", "USE%", "STATUS", "UNIT");
		line_end(table);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int c = columns[i];

		if (all_column_table[c].width > 0)
			line_printf(&table->line, "%*s ", column_width(table, c),
			    all_column_table[c].name);
		else
			line_printf(&table->line, "%-*s ",
			    column_width(table, c), all_column_table[c].name);
	}
	line_end(table);
}

/* `s' escaped, cut with the mark or padded to `width' columns. */
static void
table_cell(struct table *table, const char *s, int width)
{
	char *safe = escape_terminal(s != NULL ? s : "-");
	const char *mark = cut_mark();
	size_t columns, mark_columns = textwidth_columns(mark);

	if (safe == NULL)
		return;
	if (textwidth_columns(safe) > (size_t)width &&
	    (size_t)width > mark_columns) {
		safe[textwidth_head(safe, (size_t)width - mark_columns)] = '\0';
		columns = textwidth_columns(safe) + mark_columns;
		line_add(&table->line, safe);
		line_add(&table->line, mark);
	} else {
		safe[textwidth_head(safe, (size_t)width)] = '\0';
		columns = textwidth_columns(safe);
		line_add(&table->line, safe);
	}
	line_printf(&table->line, "%*s ", width - (int)columns, "");
	free(safe);
}

/* The service of a --all row, the last column: the line is cut after it. */
static void
table_unit_cell(struct table *table, const struct process *proc)
{
	char *owner = owner_text(proc);

	line_printf(&table->line, "%s ", owner != NULL ? owner : "-");
	free(owner);
}

static void
table_all_row(struct table *table, const struct process *proc)
{
	struct line *l = &table->line;
	int columns[TABLE_COLUMNS_MAX];
	size_t n = all_chosen(table, columns);
	char text[64];

	if (table->report->by_unit)
		return;
	for (size_t i = 0; i < n; i++) {
		int c = columns[i], width = column_width(table, c);

		if (c == COL_USER || c == COL_COMMAND) {
			table_cell(table, c == COL_USER ? proc->user :
			    proc->command, width);
			continue;
		}
		if (c == COL_UNIT) {
			table_unit_cell(table, proc);
			continue;
		}
		if (c == COL_TREND && !table->report->trend)
			strlcpy(text, "-", sizeof(text));
		else
			all_column_table[c].text(proc, text, sizeof(text));
		if (c == COL_STATUS) {
			line_colored(table, l, proc->status == STATUS_OK ?
			    NULL : status_color(proc->status), text);
			line_printf(l, "%*s ", width - (int)strlen(text), "");
		} else if (all_column_table[c].width > 0)
			line_printf(l, "%*s ", width, text);
		else
			line_printf(l, "%-*s ", width, text);
	}
	line_end(table);
}

static void
table_all_unreadable(struct table *table)
{
	const struct report *report = table->report;
	char text[64];

	table->indent = "  ";
	line_printf(&table->line, "%zu could not be read", report->nunreadable);
	if (report->privilege_hint != NULL)
		line_printf(&table->line, " (run %s to see them)",
		    report->privilege_hint);
	line_printf(&table->line, ":");
	for (size_t i = 0; i < report->nunreadable && i < 20; i++) {
		const struct unreadable *u = &report->unreadable[i];
		char *command = u->command ? escape_terminal(u->command) : NULL;

		if (command != NULL)
			snprintf(text, sizeof(text), "%d(%s)", u->pid, command);
		else
			snprintf(text, sizeof(text), "%d", u->pid);
		free(command);
		line_item(table, " ", text, NULL);
	}
	if (report->nunreadable > 20)
		line_itemf(table, " ", "and %zu more",
		    report->nunreadable - 20);
	line_end(table);
}

/* Whether two processes belong to the same service, for --by unit. */
static bool
same_owner(const struct process *a, const struct process *b)
{
	const char *x = a->unit != NULL ? a->unit : a->cgroup;
	const char *y = b->unit != NULL ? b->unit : b->cgroup;

	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/*
 * --by unit: a row per service, in the order of its first process (the
 * worst, as the report is sorted): how many processes, their descriptors
 * summed, the highest usage and the worst status.
 */
static void
table_unit_row(struct table *table, size_t first)
{
	const struct report *report = table->report;
	const struct process *lead = &report->processes[first];
	size_t procs = 0, open = 0;
	double usage = -1;
	enum status status = STATUS_OK;
	char *owner;

	for (size_t i = first; i < report->nprocesses; i++) {
		const struct process *p = &report->processes[i];

		if (!process_shown(p) || !same_owner(lead, p))
			continue;
		procs++;
		open += p->open;
		usage = p->usage > usage ? p->usage : usage;
		status = p->status > status ? p->status : status;
	}
	line_printf(&table->line, "%5zu %7zu ", procs, open);
	if (usage >= 0)
		line_printf(&table->line, "%5.1f%% ", usage * 100.0);
	else
		line_printf(&table->line, "%6s ", "-");
	line_colored(table, &table->line, status == STATUS_OK ? NULL :
	    status_color(status), status_name(status));
	owner = owner_text(lead);
	line_printf(&table->line, "%*s %s", (int)(8 -
	    strlen(status_name(status))), "", owner != NULL ? owner : "-");
	free(owner);
	line_end(table);
}

static void
table_unit_rows(struct table *table)
{
	const struct report *report = table->report;

	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *p = &report->processes[i];
		bool seen = !process_shown(p);

		for (size_t j = 0; j < i && !seen; j++)
			seen = process_shown(&report->processes[j]) &&
			    same_owner(&report->processes[j], p);
		if (!seen)
			table_unit_row(table, i);
	}
}

static void
table_all_end(struct table *table)
{
	const struct report *report = table->report;

	if (report->by_unit)
		table_unit_rows(table);
	if (report->no_heading)
		return;
	line_printf(&table->line, "%zu process%s", report->nprocesses,
	    report->nprocesses == 1 ? "" : "es");
	if (report->examined > report->nprocesses)
		line_printf(&table->line, " shown of %zu", report->examined);
	line_end(table);
	if (report->others_hidden)
		line_sentence(table, "", "", "processes of other users are "
		    "hidden: /proc is mounted with hidepid (run as root to "
		    "see them)", NULL);
	if (report->nunreadable > 0)
		table_all_unreadable(table);
}

/*
 * Who holds a file or a port: a row per descriptor, with its process and
 * the process's usage of its limit, like the rows of --all.  Nothing at
 * all is printed when nothing holds it, as the exit status says so.
 */
static void
table_holders_begin(struct table *table)
{
	/* PID FD TYPE MODE OPEN USE% and room for a short TARGET. */
	all_columns(table, 8 + 6 + 12 + 5 + 8 + 7 + TARGET_MIN, true, true);
	if (table->report->nprocesses == 0 || table->report->no_heading)
		return;
	line_printf(&table->line, "%7s %-*s %-*s %5s %-11s %-4s %7s %6s "
	    "TARGET", "PID", table->user_width, "USER", table->command_width,
	    "COMMAND", "FD", "TYPE", "MODE", "OPEN", "USE%");
	line_end(table);
}

static void
table_holders_rows(struct table *table, const struct process *proc)
{
	struct line *l = &table->line, *c = &table->cell;
	char usage[16];

	if (proc->usage >= 0)
		snprintf(usage, sizeof(usage), "%.1f%%", proc->usage * 100.0);
	else
		strlcpy(usage, "-", sizeof(usage));
	for (size_t i = 0; i < proc->nfds; i++) {
		const struct fd_entry *fd = &proc->fds[i];
		bool mode = fd->have_flags || fd->have_mode;

		line_printf(l, "%7d ", proc->pid);
		table_cell(table, proc->user, table->user_width);
		table_cell(table, proc->command, table->command_width);
		line_printf(l, "%5d %-11s %-4s %7zu %6s ", fd->fd,
		    fdtype_entry_name(fd), mode ? mode_name(fd->mode) : "?",
		    proc->open, usage);
		c->len = 0;
		line_add(c, "");
		if (fd->type == FD_TYPE_SOCKET && fd->proto != NULL)
			cell_socket(c, fd);
		else
			line_escaped(c, fd->target);
		if (fd->deleted)
			line_add(c, " (deleted)");
		row_target(table, c->len);
		line_end(table);
	}
}

const struct output_ops output_table_ops = {
	.name = "table",
	.state_size = sizeof(struct table),
	.begin = table_begin,
	.process = table_process,
	.end = table_end,
};
