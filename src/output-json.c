/*
 * The JSON report: one document, {"version", "processes", "errors"}; or,
 * for log shippers, JSON lines: one object per process on a line of its
 * own, with the time and the host.  The schema is documented in
 * fdaudit(1) under JSON OUTPUT.
 */
#include <string.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

_Static_assert(sizeof(struct json_writer) <= OUTPUT_STATE_MAX,
    "the JSON writer fits output_write's room");

static void
json_begin(struct output_context *ctx)
{
	struct json_writer *w = ctx->state;

	json_init(w, ctx->out, true);
	json_object_begin(w);
	json_key(w, "version");
	json_uint(w, FDAUDIT_JSON_VERSION);
	if (ctx->report->holders) {
		/* Each process lists only the descriptors that hold it. */
		json_key(w, "holders");
		json_bool(w, true);
	}
	json_key(w, "processes");
	json_array_begin(w);
}

static void
json_limit(struct json_writer *w, const char *key, uint64_t value,
    bool unlimited, bool known)
{
	json_key(w, key);
	if (!known || unlimited)
		json_null(w);
	else
		json_uint(w, value);
}

static void
json_types(struct json_writer *w, const struct process *proc)
{
	json_key(w, "types");
	json_object_begin(w);
	for (int t = 0; t < FD_TYPE_COUNT; t++) {
		if (proc->type_counts[t] == 0)
			continue;
		json_key(w, fdtype_name((enum fd_type)t));
		json_uint(w, proc->type_counts[t]);
	}
	json_object_end(w);
}

static void
json_flag(struct json_writer *w, bool known, bool value)
{
	if (known)
		json_bool(w, value);
	else
		json_null(w);
}

static void
json_socket(struct json_writer *w, const struct fd_entry *fd)
{
	json_key(w, "proto");
	json_string(w, fd->proto);
	json_key(w, "local");
	json_string(w, fd->local);
	json_key(w, "remote");
	json_string(w, fd->remote);
	json_key(w, "state");
	json_string(w, fd->state);
	if (fd->socket_type != NULL) {
		json_key(w, "socket_type");
		json_string(w, fd->socket_type);
	}
}

static void
json_holders(struct json_writer *w, const char *key,
    const struct fd_peer *peers, size_t n)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(w);
		json_key(w, "pid");
		json_int(w, peers[i].pid);
		json_key(w, "command");
		json_string(w, peers[i].command);
		json_key(w, "fd");
		json_int(w, peers[i].fd);
		json_key(w, "mode");
		if (peers[i].mode == FD_MODE_NONE)
			json_null(w);
		else
			json_string(w, mode_name(peers[i].mode));
		json_object_end(w);
	}
	json_array_end(w);
}

/* The other end; for pipes and FIFOs also who shares this end. */
static void
json_peers(struct json_writer *w, const struct fd_entry *fd)
{
	json_holders(w, "peers", fd->peers, fd->npeers);
	if (fd->type == FD_TYPE_FIFO)
		json_holders(w, "sharers", fd->peers + fd->npeers,
		    fd->nsharers);
}

static void
json_details(struct json_writer *w, const struct fd_entry *fd)
{
	json_key(w, "details");
	json_object_begin(w);
	for (size_t i = 0; i < fd->ndetails; i++) {
		const struct fd_detail *d = &fd->details[i];

		json_key(w, d->key);
		switch (d->kind) {
		case DETAIL_NUMBER:
			json_int(w, d->number);
			break;
		case DETAIL_REAL:
			json_double(w, d->real);
			break;
		case DETAIL_BOOL:
			json_bool(w, d->boolean);
			break;
		case DETAIL_TEXT:
			json_string(w, d->text);
			break;
		case DETAIL_NUMBERS:
			json_array_begin(w);
			for (size_t j = 0; j < d->nnumbers; j++)
				json_int(w, d->numbers[j]);
			json_array_end(w);
			break;
		}
	}
	json_object_end(w);
}

static void
json_trend(struct json_writer *w, const struct process *proc)
{
	const struct trend *t = &proc->trend;

	json_key(w, "trend");
	json_object_begin(w);
	json_key(w, "delta");
	if (t->have)
		json_int(w, t->delta);
	else
		json_null(w);
	json_key(w, "per_hour");
	if (t->have)
		json_double(w, t->per_hour);
	else
		json_null(w);
	json_key(w, "rising_runs");
	if (t->have)
		json_uint(w, t->rising_runs);
	else
		json_null(w);
	json_key(w, "exhausts_in_s");
	if (t->exhausts_in_s >= 0)
		json_double(w, t->exhausts_in_s);
	else
		json_null(w);
	json_object_end(w);
	json_key(w, "leak_suspect");
	json_bool(w, t->leak_suspect);
}

static void
json_fd(struct json_writer *w, const struct fd_entry *fd)
{
	json_object_begin(w);
	json_key(w, "fd");
	json_int(w, fd->fd);
	json_key(w, "type");
	json_string(w, fdtype_entry_name(fd));
	json_key(w, "mode");
	json_string(w, fd->have_flags || fd->have_mode ? mode_name(fd->mode) :
	    NULL);
	json_key(w, "cloexec");
	json_flag(w, fd->have_flags, fd->cloexec);
	json_key(w, "nonblock");
	json_flag(w, fd->have_flags, fd->nonblock);
	json_key(w, "append");
	json_flag(w, fd->have_flags, fd->append);
	json_key(w, "pos");
	if (fd->pos >= 0)
		json_int(w, fd->pos);
	else
		json_null(w);
	json_key(w, "target");
	json_string(w, fd->target);
	json_key(w, "deleted");
	json_bool(w, fd->deleted);
	json_key(w, "ino");
	if (fd->have_ino)
		json_uint(w, fd->ino);
	else
		json_null(w);
	if (fd->error != 0) {
		json_key(w, "error");
		json_string(w, platform_strerror(fd->error));
	}
	if (fd->type == FD_TYPE_SOCKET)
		json_socket(w, fd);
	if ((fd->deleted || fd->type == FD_TYPE_MEMFD ||
	    fd->type == FD_TYPE_FILE) && fd->size >= 0) {
		json_key(w, "size");
		json_int(w, fd->size);
	}
	if (fd->peers_searched)
		json_peers(w, fd);
	if (fd->ndetails > 0)
		json_details(w, fd);
	json_object_end(w);
}

/* Who owns the process; null for what is not known. */
static void
json_owner(struct json_writer *w, const struct process *proc)
{
	json_key(w, "unit");
	json_string(w, proc->unit);
	json_key(w, "cgroup");
	json_string(w, proc->cgroup);
	json_key(w, "container");
	json_string(w, proc->container);
	json_key(w, "nspid");
	if (proc->nspid > 0)
		json_int(w, proc->nspid);
	else
		json_null(w);
}

/* The members of a process object, between its braces. */
static void
json_process_members(struct json_writer *w, const struct report *report,
    const struct process *proc)
{
	bool limits = (proc->have & PROCESS_LIMITS) != 0;
	bool fds = (proc->have & PROCESS_FDS) != 0;

	json_key(w, "pid");
	json_int(w, proc->pid);
	json_key(w, "command");
	json_string(w, proc->command);
	json_key(w, "user");
	json_string(w, proc->user);
	json_owner(w, proc);
	json_key(w, "open");
	json_uint(w, proc->open);
	json_limit(w, "limit_soft", proc->limits.soft,
	    proc->limits.soft_unlimited, limits);
	json_limit(w, "limit_hard", proc->limits.hard,
	    proc->limits.hard_unlimited, limits);
	json_key(w, "usage");
	if (proc->usage >= 0)
		json_double(w, proc->usage);
	else
		json_null(w);
	json_key(w, "highest_fd");
	if (fds)
		json_int(w, proc->highest_fd);
	else
		json_null(w);
	json_key(w, "inheritable");
	if (fds)
		json_uint(w, proc->inheritable);
	else
		json_null(w);
	json_key(w, "over_fd_setsize");
	json_flag(w, fds, proc->over_fd_setsize);
	json_key(w, "deleted_bytes");
	if (fds)
		json_uint(w, proc->deleted_bytes);
	else
		json_null(w);
	json_key(w, "close_wait");
	if (fds)
		json_uint(w, proc->close_wait);
	else
		json_null(w);
	json_key(w, "status");
	json_string(w, status_name(proc->status));
	if (report->trend)
		json_trend(w, proc);
	if (fds)
		json_types(w, proc);
	if (!report->summary && (fds || report->holders)) {
		json_key(w, "fds");
		json_array_begin(w);
		for (size_t i = 0; i < proc->nfds; i++) {
			if (output_fd_selected(report, &proc->fds[i]))
				json_fd(w, &proc->fds[i]);
		}
		json_array_end(w);
	}
}

static void
json_process(struct output_context *ctx, const struct process *proc)
{
	struct json_writer *w = ctx->state;

	json_object_begin(w);
	json_process_members(w, ctx->report, proc);
	json_object_end(w);
}

static void
json_system(struct json_writer *w, const struct report *report)
{
	json_key(w, "system");
	if (!report->system.have) {
		json_null(w);
		return;
	}
	json_object_begin(w);
	json_key(w, "files_allocated");
	json_uint(w, report->system.files_allocated);
	json_key(w, "files_max");
	json_uint(w, report->system.files_max);
	json_key(w, "nr_open");
	json_uint(w, report->system.nr_open);
	json_object_end(w);
}

static void
json_end(struct output_context *ctx)
{
	const struct report *report = ctx->report;
	struct json_writer *w = ctx->state;

	json_array_end(w);
	json_key(w, "errors");
	json_array_begin(w);
	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (proc->error == 0)
			continue;
		json_object_begin(w);
		json_key(w, "pid");
		json_int(w, proc->pid);
		json_key(w, "error");
		json_string(w, platform_strerror(proc->error));
		json_object_end(w);
	}
	json_array_end(w);
	json_system(w, report);
	json_key(w, "unreadable");
	json_uint(w, report->nunreadable);
	json_key(w, "others_hidden");
	json_bool(w, report->others_hidden);
	json_object_end(w);
}

const struct output_ops output_json_ops = {
	.name = "json",
	.state_size = sizeof(struct json_writer),
	.begin = json_begin,
	.process = json_process,
	.end = json_end,
};

/* A line begins with when and where it was written. */
static void
jsonl_line_begin(struct output_context *ctx)
{
	const struct report *report = ctx->report;
	struct json_writer *w = ctx->state;
	char when[40];

	json_init(w, ctx->out, false);
	json_object_begin(w);
	json_key(w, "time");
	json_string(w, output_utc_time(when, sizeof(when), report->wall_time));
	json_key(w, "hostname");
	json_string(w, report->hostname[0] != '\0' ? report->hostname : NULL);
}

static void
jsonl_line_end(struct output_context *ctx)
{
	json_object_end(ctx->state);
	fputc('\n', ctx->out);
}

static void
jsonl_begin(struct output_context *ctx)
{
	(void)ctx;
}

static void
jsonl_process(struct output_context *ctx, const struct process *proc)
{
	jsonl_line_begin(ctx);
	json_process_members(ctx->state, ctx->report, proc);
	jsonl_line_end(ctx);
}

/* A process that could not be read is a line with its error. */
static void
jsonl_end(struct output_context *ctx)
{
	const struct report *report = ctx->report;
	struct json_writer *w = ctx->state;

	for (size_t i = 0; i < report->nprocesses; i++) {
		const struct process *proc = &report->processes[i];

		if (process_shown(proc))
			continue;
		jsonl_line_begin(ctx);
		json_key(w, "pid");
		json_int(w, proc->pid);
		json_key(w, "error");
		json_string(w, platform_strerror(proc->error));
		jsonl_line_end(ctx);
	}
}

const struct output_ops output_jsonl_ops = {
	.name = "jsonl",
	.state_size = sizeof(struct json_writer),
	.begin = jsonl_begin,
	.process = jsonl_process,
	.end = jsonl_end,
};
