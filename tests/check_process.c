/*
 * Integration tests: the real fdaudit binary audits real processes (the
 * fdholder helper) and its JSON is compared with what the kernel told the
 * helper about its own descriptors.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sys/syscall.h>

#include <math.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "jsonparse.h"
#include "reportutil.h"
#include "testutil.h"

static struct jv *
audit_json(const char *const *args, struct run_result *r)
{
	struct jv *doc;

	ck_assert_int_eq(run_fdaudit(r, NULL, args), 0);
	doc = report_parse(r);
	ck_assert_int_eq((int)jv_num(doc, "version"), 1);
	return doc;
}

static const struct jv *
first_process(const struct jv *doc)
{
	const struct jv *procs = jv_get(doc, "processes");

	ck_assert_ptr_nonnull(procs);
	ck_assert_uint_eq(procs->count, 1);
	return jv_at(procs, 0);
}

/* A PID that is free: a child that has exited and been reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/*
 * The user running the tests, who owns the helper too: by name, or by
 * number when the system has no name for it, as fdaudit shows it.
 */
static const char *
own_user_name(void)
{
	static char number[24];
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL)
		return pw->pw_name;
	snprintf(number, sizeof(number), "%u", (unsigned)geteuid());
	return number;
}

static void
check_held(const struct jv *proc, const struct held_fd *h)
{
	const struct jv *e = report_fd(proc, h->fd);
	const char *target;

	ck_assert_msg(e != NULL, "fd %d (%s) missing", h->fd, h->type);
	ck_assert_msg(strcmp(jv_str(e, "type"), h->type) == 0,
	    "fd %d: type %s, want %s", h->fd, jv_str(e, "type"), h->type);
	ck_assert_msg(strcmp(jv_str(e, "mode"), h->mode) == 0,
	    "fd %d (%s): mode %s, want %s", h->fd, h->type, jv_str(e, "mode"),
	    h->mode);
	ck_assert_msg(jv_is(e, "cloexec", JV_BOOL) &&
	    jv_get(e, "cloexec")->boolean == h->cloexec,
	    "fd %d (%s): cloexec", h->fd, h->type);
	ck_assert_msg(jv_get(e, "deleted")->boolean == h->deleted,
	    "fd %d: deleted", h->fd);
	target = jv_str(e, "target");
	ck_assert_msg(target != NULL && strcmp(target, h->target) == 0,
	    "fd %d (%s): target \"%s\", want \"%s\"", h->fd, h->type,
	    target, h->target);
	ck_assert(jv_is(e, "nonblock", JV_BOOL) && jv_is(e, "append",
	    JV_BOOL));
	ck_assert_msg(jv_is(e, "ino", JV_NUMBER), "fd %d: no ino", h->fd);
	ck_assert(jv_is(e, "proto", JV_STRING) == (strcmp(h->type,
	    "socket") == 0));
}

/* The helper's epoll watches a number it closed: listed as stale. */
static void
stale_check(const struct jv *details, const struct holder *h)
{
	const struct jv *stale = jv_get(details, "stale");
	int epfd, closed;

	for (size_t i = 0; i < h->nlines; i++) {
		if (sscanf(h->lines[i], "stale\t%d\t%d", &epfd, &closed) != 2)
			continue;
		ck_assert_ptr_nonnull(stale);
		ck_assert_uint_eq(stale->count, 1);
		ck_assert_int_eq((int)jv_at(stale, 0)->number, closed);
		ck_assert_uint_eq(jv_get(details, "watched")->count, 1);
		return;
	}
	ck_abort_msg("the helper made no stale watch");
}

/* The per-type details of the helper's descriptors. */
static void
details_check(const struct jv *proc, const struct holder *h)
{
	for (size_t i = 0; i < h->nfds; i++) {
		const struct jv *e = report_fd(proc, h->fds[i].fd);
		const struct jv *d = jv_get(e, "details");

		if (strcmp(h->fds[i].type, "eventfd") == 0)
			ck_assert(jv_num(d, "counter") == 0);
		else if (strcmp(h->fds[i].type, "epoll") == 0)
			stale_check(d, h);
		else if (strcmp(h->fds[i].type, "pidfd") == 0) {
			ck_assert(jv_num(d, "pid") == h->pid);
			ck_assert(jv_get(d, "alive")->boolean);
		} else if (strcmp(h->fds[i].type, "timerfd") == 0)
			ck_assert_str_eq(jv_str(d, "clock"), "monotonic");
		else if (strcmp(h->fds[i].type, "signalfd") == 0)
			ck_assert_str_eq(jv_str(d, "signals"), "USR1");
		else if (strcmp(h->fds[i].type, "memfd") == 0)
			ck_assert(jv_num(e, "size") == 0);
		else if (h->fds[i].deleted)
			ck_assert(jv_num(e, "size") == 18);
	}
}

START_TEST(every_type_matches_the_kernel)
{
	static const char *const required[] = { "file", "dir", "chr", "fifo",
	    "socket", "eventfd", "epoll", "inotify", "signalfd", "timerfd",
	    "memfd", "pidfd", "io_uring", "namespace" };
	const char *args[] = { "-j", NULL, NULL };
	const struct jv *proc, *types, *fds;
	struct holder h;
	struct run_result r;
	struct jv *doc;
	size_t inheritable = 0, sum = 0;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[1] = pid_text(h.pid);
	doc = audit_json(args, &r);
	ck_assert_int_eq(r.status, 0);
	proc = first_process(doc);
	ck_assert_int_eq((int)jv_num(proc, "pid"), h.pid);
	ck_assert_str_eq(jv_str(proc, "command"), "fdholder");
	ck_assert_str_eq(jv_str(proc, "user"), own_user_name());
	ck_assert_str_eq(jv_str(proc, "status"), "ok");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		bool held = false;

		for (size_t j = 0; j < h.nfds; j++)
			held |= strcmp(h.fds[j].type, required[i]) == 0;
		ck_assert_msg(held, "the helper could not open a %s",
		    required[i]);
	}
	for (size_t i = 0; i < h.nfds; i++)
		check_held(proc, &h.fds[i]);
	fds = jv_get(proc, "fds");
	types = jv_get(proc, "types");
	for (size_t i = 0; i < types->count; i++)
		sum += (size_t)types->items[i].number;
	ck_assert_uint_eq(sum, fds->count);
	ck_assert_uint_eq((size_t)jv_num(proc, "open"), fds->count);
	for (size_t i = 0; i < fds->count; i++) {
		const struct jv *e = jv_at(fds, i);

		if (jv_num(e, "fd") > 2 && !jv_get(e, "cloexec")->boolean)
			inheritable++;
		ck_assert(jv_num(e, "fd") <= jv_num(proc, "highest_fd"));
	}
	ck_assert_uint_ge(inheritable, 6);
	/* The helper wrote 18 bytes to its file before removing it. */
	ck_assert_int_eq((int)jv_num(proc, "deleted_bytes"), 18);
	ck_assert_int_eq((int)jv_num(proc, "close_wait"), 0);
	details_check(proc, &h);
	ck_assert_uint_eq((size_t)jv_num(proc, "inheritable"), inheritable);
	ck_assert(jv_num(proc, "limit_soft") > 0);
	ck_assert(fabs(jv_num(proc, "usage") - jv_num(proc, "open") /
	    jv_num(proc, "limit_soft")) < 0.0001);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

START_TEST(socket_protocols)
{
	static const char *const want[] = { "tcp", "udp", "udp6", "unix",
	    "netlink" };
	const char *args[] = { "-j", "-t", "socket", NULL, NULL };
	const struct jv *proc, *fds;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[3] = pid_text(h.pid);
	doc = audit_json(args, &r);
	proc = first_process(doc);
	fds = jv_get(proc, "fds");
	for (size_t i = 0; i < fds->count; i++)
		ck_assert_str_eq(jv_str(jv_at(fds, i), "type"), "socket");
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		bool seen = false;

		for (size_t i = 0; i < fds->count; i++)
			seen |= strcmp(jv_str(jv_at(fds, i), "proto"),
			    want[w]) == 0;
		ck_assert_msg(seen, "no %s socket reported", want[w]);
	}
	/* The filter narrows the rows, not the counts. */
	ck_assert(jv_num(jv_get(proc, "types"), "file") >= 3);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

static void
expect_status(const char *soft, const char *count, const char *warn,
    const char *crit, const char *status, int exit_code)
{
	const char *const extra[] = { "-l", soft, "-n", count, NULL };
	const char *args[] = { "-j", "-w", warn, "-c", crit, NULL, NULL };
	const struct jv *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	args[5] = pid_text(h.pid);
	doc = audit_json(args, &r);
	proc = first_process(doc);
	ck_assert_str_eq(jv_str(proc, "status"), status);
	ck_assert_int_eq(r.status, exit_code);
	ck_assert(jv_num(proc, "open") >= strtol(count, NULL, 10));
	ck_assert(jv_num(proc, "limit_soft") == strtol(soft, NULL, 10));
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}

START_TEST(thresholds_critical)
{
	expect_status("64", "62", "80", "95", "critical", 2);
}
END_TEST

START_TEST(thresholds_warning)
{
	expect_status("64", "40", "50", "90", "warning", 1);
}
END_TEST

START_TEST(thresholds_ok)
{
	expect_status("4096", "40", "80", "95", "ok", 0);
}
END_TEST

START_TEST(fd_setsize_crossed)
{
	const char *const extra[] = { "-n", "1100", NULL };
	const char *args[] = { "-j", "-s", NULL, NULL };
	const char *table[] = { "-s", NULL, NULL };
	const struct jv *proc;
	struct run_result r;
	struct rlimit rl;
	struct holder h;
	struct jv *doc;

	/* The helper inherits our soft limit, often 1024 for a user. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < 1100)
		SKIP_TEST("the hard descriptor limit, %lu, is below 1100",
		    (unsigned long)rl.rlim_max);
	if (rl.rlim_cur < 1100) {
		rl.rlim_cur = 1100;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ck_assert_int_eq(holder_start(&h, extra), 0);
	args[2] = table[1] = pid_text(h.pid);
	doc = audit_json(args, &r);
	proc = first_process(doc);
	ck_assert(jv_num(proc, "highest_fd") >= 1024);
	ck_assert(jv_get(proc, "over_fd_setsize")->boolean);
	ck_assert_ptr_null(jv_get(proc, "fds"));
	jv_free(doc);
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, table), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "FD_SETSIZE"));
	ck_assert_ptr_null(strstr(r.out, "TARGET"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

START_TEST(missing_process)
{
	const char *args[] = { "-j", NULL, NULL };
	const struct jv *errors;
	struct run_result r;
	struct jv *doc;
	pid_t pid = dead_pid();

	args[1] = pid_text(pid);
	doc = audit_json(args, &r);
	ck_assert_int_eq(r.status, 3);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 0);
	errors = jv_get(doc, "errors");
	ck_assert_uint_eq(errors->count, 1);
	ck_assert_int_eq((int)jv_num(jv_at(errors, 0), "pid"), pid);
	ck_assert_str_eq(jv_str(jv_at(errors, 0), "error"),
	    "no such process");
	ck_assert_ptr_nonnull(strstr(r.err, "no such process"));
	ck_assert_int_eq(count_lines(r.err), 1);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

START_TEST(partial_failure_prints_what_was_read)
{
	const char *args[] = { NULL, NULL, NULL };
	struct run_result r;
	struct holder h;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[0] = pid_text(h.pid);
	args[1] = pid_text(dead_pid());
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.out, "fdholder"));
	ck_assert_ptr_nonnull(strstr(r.out, "TARGET"));
	ck_assert_ptr_nonnull(strstr(r.err, args[1]));
	ck_assert_ptr_nonnull(strstr(r.err, "no such process"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

START_TEST(hostile_names)
{
	const char *const extra[] = { "-x", "-N", "ev\033[2Jil\n\t", NULL };
	const char *json_args[] = { "-j", NULL, NULL };
	const char *table_args[] = { NULL, NULL };
	const struct jv *proc;
	struct run_result r;
	struct holder h;
	struct jv *doc;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	json_args[1] = table_args[0] = pid_text(h.pid);
	doc = audit_json(json_args, &r);
	proc = first_process(doc);
	ck_assert_str_eq(jv_str(proc, "command"), "ev\033[2Jil\n\t");
	/* Every target, hostile ones included, comes back byte for byte. */
	for (size_t i = 0; i < h.nfds; i++)
		check_held(proc, &h.fds[i]);
	jv_free(doc);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, NULL, table_args), 0);
	ck_assert_msg(memchr(r.out, '\033', r.out_len) == NULL,
	    "raw ESC reached the table");
	ck_assert_ptr_null(memchr(r.out, 0xff, r.out_len));
	ck_assert_ptr_nonnull(strstr(r.out, "new\\nline"));
	ck_assert_ptr_nonnull(strstr(r.out, "esc\\x1b[2Jclear"));
	ck_assert_ptr_nonnull(strstr(r.out, "tab\\there"));
	ck_assert_ptr_nonnull(strstr(r.out, "bad\\xff\\xfe"));
	ck_assert_ptr_nonnull(strstr(r.out, "back\\\\slash\\\\x41"));
	ck_assert_ptr_nonnull(strstr(r.out, "ev\\x1b[2Jil\\n\\t"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * Whether the kernel gives anyone the count of a process's descriptors,
 * in the size of /proc/PID/fd (Linux 6.2 and later).
 */
static bool
count_is_public(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return stat(path, &st) == 0 && st.st_size > 0;
}

/*
 * Another user's process: its table is refused and said so, with the
 * hint, and exit 3; its count and limits, which the kernel shows to
 * everyone, are still reported, without descriptor rows.
 */
START_TEST(permission_denied_without_privilege)
{
	const char *args[] = { NULL, NULL };
	struct run_options opt = { .uid = 65534, .drop_privileges = true };
	struct run_result r;
	struct holder h;
	char want[64];

	if (geteuid() != 0)
		SKIP_TEST("needs root to drop to another user");
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[0] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "permission denied"));
	ck_assert_ptr_nonnull(strstr(r.err, "root"));
	ck_assert_ptr_null(strstr(r.out, "TARGET"));
	if (count_is_public(h.pid)) {
		snprintf(want, sizeof(want), "open %zu  soft ", h.nfds + 3);
		ck_assert_msg(strstr(r.out, want) != NULL, "no \"%s\": %s",
		    want, r.out);
		ck_assert_ptr_nonnull(strstr(r.out,
		    "descriptors not listed: permission denied"));
		ck_assert_ptr_nonnull(strstr(r.err, "descriptor table: "));
	} else
		ck_assert_msg(r.out_len == 0, "partial table shown: %s",
		    r.out);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

START_TEST(own_process_without_privilege)
{
	const char *args[] = { "-j", "1", NULL, NULL };
	struct run_options opt = { .uid = 65534, .drop_privileges = true };
	const struct jv *procs, *proc;
	struct run_result r;
	struct jv *doc;
	const char *error;

	if (geteuid() != 0)
		SKIP_TEST("needs root to drop to another user");
	/* PID 1 is root's; the audit of it fails, the JSON stays whole. */
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	doc = jv_parse(r.out, r.out_len, &error);
	ck_assert_ptr_nonnull(doc);
	procs = jv_get(doc, "processes");
	ck_assert_str_eq(jv_str(jv_at(jv_get(doc, "errors"), 0), "error"),
	    "permission denied");
	ck_assert_int_eq(r.status, 3);
	if (count_is_public(1)) {
		/* Counted and limited, but no table and nothing from it. */
		ck_assert_uint_eq(procs->count, 1);
		proc = jv_at(procs, 0);
		ck_assert(jv_num(proc, "open") >= 1);
		ck_assert(jv_is(proc, "limit_soft", JV_NUMBER));
		ck_assert(jv_is(proc, "usage", JV_NUMBER));
		ck_assert(jv_is(proc, "inheritable", JV_NULL));
		ck_assert_ptr_null(jv_get(proc, "fds"));
	} else
		ck_assert_uint_eq(procs->count, 0);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* Colour on a terminal only, and never with NO_COLOR set. */
START_TEST(colour_only_on_a_terminal)
{
	const char *bin = getenv("FDAUDIT") ? getenv("FDAUDIT") : "./fdaudit";
	char cmd[512], out[65536];
	const char *args[] = { NULL, NULL };
	struct run_result r;
	struct holder h;
	size_t n;
	FILE *p;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[0] = pid_text(h.pid);
	for (int no_color = 0; no_color < 2; no_color++) {
		snprintf(cmd, sizeof(cmd), "%s script -qec '%s %d' /dev/null",
		    no_color ? "NO_COLOR=1" : "", bin, h.pid);
		p = popen(cmd, "r");
		n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = '\0';
		pclose(p);
		ck_assert_ptr_nonnull(strstr(out, "fdholder"));
		if (no_color)
			ck_assert_ptr_null(strstr(out, "\033["));
		else
			ck_assert_ptr_nonnull(strstr(out, "\033[32mok\033[0m"));
	}
	/* Not a terminal: no colour either. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_ptr_null(memchr(r.out, '\033', r.out_len));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * A table the type filter leaves empty says so instead of printing its
 * column titles alone; -a counts one process in the singular.
 */
START_TEST(empty_table_and_one_process)
{
	static const char *const extra[] = { "-N", "fdholder-one", "-n", "8",
	    NULL };
	const char *args[] = { "-t", "blk", NULL, NULL };
	const char *one[] = { "-C", "fdholder-one", NULL };
	struct run_result r;
	struct holder h;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	args[2] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "fdholder-one"));
	ck_assert_msg(strstr(r.out, "TARGET") == NULL, "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "no descriptors of the types "
	    "asked for\n"));
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, one), 0);
	ck_assert_msg(strstr(r.out, "\n1 process\n") != NULL, "%s", r.out);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * -l: the offset and the size of each file in the table, as JSON gives
 * them; without -l the columns are not there.
 */
START_TEST(long_rows_give_offset_and_size)
{
	const char *args[] = { "-l", "-t", "file", NULL, NULL };
	const char *json[] = { "-j", "-t", "file", NULL, NULL };
	const struct jv *fds;
	struct run_result r, j;
	struct holder h;
	struct jv *doc;
	size_t rows = 0;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	args[3] = json[3] = pid_text(h.pid);
	doc = audit_json(json, &j);
	fds = jv_get(first_process(doc), "fds");
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_ptr_nonnull(strstr(r.out, " OFFSET SIZE TARGET\n"));
	for (size_t i = 0; i < fds->count; i++) {
		const struct jv *e = jv_at(fds, i);
		char want[32], type[16], mode[8], flags[64], *row;
		long long offset = -1, size = -1;
		int fd = -1;

		snprintf(want, sizeof(want), "\n%2d  file ", (int)jv_num(e,
		    "fd"));
		ck_assert_msg((row = strstr(r.out, want)) != NULL, "%s", want);
		ck_assert_int_eq(sscanf(row + 1, "%d %15s %7s %63s %lld %lld",
		    &fd, type, mode, flags, &offset, &size), 6);
		ck_assert_int_eq(offset, (long long)jv_num(e, "pos"));
		ck_assert_int_eq(size, (long long)jv_num(e, "size"));
		if (jv_get(e, "deleted")->boolean)
			ck_assert_int_eq(size, 18);
		rows++;
	}
	ck_assert_uint_ge(rows, 3);
	run_result_free(&r);
	args[0] = "-s";
	ck_assert_int_eq(run_fdaudit(&r, NULL, args + 1), 0);
	ck_assert_ptr_null(strstr(r.out, "OFFSET"));
	run_result_free(&r);
	jv_free(doc);
	run_result_free(&j);
	holder_stop(&h);
}
END_TEST

/* A child that has exited and is not reaped is a zombie, and said so. */
START_TEST(zombie_is_said_to_be_one)
{
	const char *args[] = { "-j", NULL, NULL };
	char path[64], stat[256];
	const struct jv *errors;
	struct run_result r;
	struct jv *doc;
	pid_t child;
	FILE *f;
	bool zombie = false;

	if ((child = fork()) == 0)
		_exit(0);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
	for (int tries = 0; tries < 500 && !zombie; tries++) {
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		zombie = fgets(stat, sizeof(stat), f) != NULL &&
		    strstr(stat, ") Z ") != NULL;
		fclose(f);
		if (!zombie)
			usleep(10000);
	}
	ck_assert(zombie);
	args[1] = pid_text(child);
	doc = audit_json(args, &r);
	ck_assert_int_eq(r.status, 3);
	errors = jv_get(doc, "errors");
	ck_assert_uint_eq(errors->count, 1);
	ck_assert_str_eq(jv_str(jv_at(errors, 0), "error"),
	    "exited, not yet reaped (zombie)");
	ck_assert_ptr_nonnull(strstr(r.err, "zombie"));
	ck_assert_ptr_null(strstr(r.err, "no such process"));
	jv_free(doc);
	run_result_free(&r);
	waitpid(child, NULL, 0);
}
END_TEST

/* The thread's ID goes out on the first pipe; it ends on the second. */
static int thread_pipe[2], thread_end[2];

static void *
thread_wait(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char c;

	(void)arg;
	if (write(thread_pipe[1], &tid, sizeof(tid)) != sizeof(tid) ||
	    read(thread_end[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* A thread's ID stands for its process, and fdaudit says so. */
START_TEST(thread_id_audits_its_process)
{
	const char *args[] = { "-j", "-s", NULL, NULL };
	struct run_result r;
	pthread_t thread;
	struct jv *doc;
	pid_t tid;

	ck_assert_int_eq(pipe(thread_pipe), 0);
	ck_assert_int_eq(pipe(thread_end), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, thread_wait, NULL), 0);
	ck_assert_int_eq(read(thread_pipe[0], &tid, sizeof(tid)),
	    sizeof(tid));
	ck_assert_int_ne(tid, getpid());
	args[2] = pid_text(tid);
	doc = audit_json(args, &r);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 1);
	ck_assert_int_eq((int)jv_num(first_process(doc), "pid"), getpid());
	ck_assert_msg(strstr(r.err, "is a thread of process") != NULL, "%s",
	    r.err);
	jv_free(doc);
	run_result_free(&r);
	ck_assert_int_eq(write(thread_end[1], "x", 1), 1);
	pthread_join(thread, NULL);
	close(thread_pipe[0]);
	close(thread_pipe[1]);
	close(thread_end[0]);
	close(thread_end[1]);
}
END_TEST

/*
 * What fdaudit prints on a terminal made by script(1), with `setup' run
 * in it first (an stty) and `env' before it; carriage returns dropped.
 */
static void
tty_output(const char *env, const char *setup, const char *args,
    char *out, size_t size)
{
	const char *bin = getenv("FDAUDIT") ? getenv("FDAUDIT") : "./fdaudit";
	char cmd[1024];
	size_t n, o = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "env -u COLUMNS %s script -qec "
	    "'%s%s %s' /dev/null", env, setup, bin, args);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	n = fread(out, 1, size - 1, p);
	pclose(p);
	for (size_t i = 0; i < n; i++) {
		if (out[i] != '\r')
			out[o++] = out[i];
	}
	out[o] = '\0';
}

/*
 * Every line at most `width' columns (colour sequences take none, a
 * UTF-8 character one), none ending in a space; the number of lines.
 */
static int
expect_lines_fit(const char *out, int width)
{
	int lines = 0;

	for (const char *p = out; *p != '\0'; lines++) {
		const char *end = strchr(p, '\n');
		int columns = 0;

		if (end == NULL)
			end = p + strlen(p);
		for (const char *q = p; q < end; q++) {
			if (*q == '\033') {
				q += strcspn(q, "m");
				continue;
			}
			columns += ((unsigned char)*q & 0xc0) != 0x80;
		}
		ck_assert_msg(columns <= width, "%d columns, not %d or less: "
		    "%.*s", columns, width, (int)(end - p), p);
		ck_assert_msg(end == p || end[-1] != ' ', "trailing space: "
		    "%.*s", (int)(end - p), p);
		p = *end != '\0' ? end + 1 : end;
	}
	return lines;
}

/*
 * On a terminal no line is wider than it, from $COLUMNS or the terminal
 * itself; a long path keeps its end behind a mark; into a pipe nothing
 * is cut.
 */
START_TEST(table_fits_the_terminal)
{
	static char out[65536];
	char args[64], *line, *end;
	struct run_result r;
	struct holder h;
	const char *plain;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(args, sizeof(args), "%d", h.pid);
	plain = holder_fd(&h, 3)->target;
	tty_output("COLUMNS=60 LC_ALL=C.UTF-8", "", args, out, sizeof(out));
	/* A row for each descriptor (fewer for an ordinary user). */
	ck_assert_int_ge(expect_lines_fit(out, 60), (int)h.nfds);
	/* The row of fd 3: its path cut at the start, its name kept. */
	ck_assert_ptr_null(strstr(out, plain));
	ck_assert_msg((line = strstr(out, "\n 3  file")) != NULL, "%s", out);
	end = strchr(line + 1, '\n');
	*end = '\0';
	ck_assert_msg(strstr(line, "\xe2\x80\xa6") != NULL &&
	    strcmp(end - strlen("/plain.txt"), "/plain.txt") == 0, "%s", line);
	/* No $COLUMNS: the terminal's own width, and no UTF-8 mark. */
	tty_output("LC_ALL=C", "stty cols 52; ", args, out, sizeof(out));
	ck_assert_int_ge(expect_lines_fit(out, 52), (int)h.nfds);
	ck_assert_ptr_nonnull(strstr(out, "..."));
	/* --all rows and --help on a terminal of 80 columns. */
	tty_output("", "stty cols 80; ", "-a", out, sizeof(out));
	ck_assert_int_gt(expect_lines_fit(out, 80), 3);
	tty_output("", "stty cols 80; ", "--help", out, sizeof(out));
	ck_assert_int_gt(expect_lines_fit(out, 80), 20);
	/* Into a pipe: the whole path, however narrow COLUMNS says. */
	ck_assert_int_eq(run_fdaudit(&r, &(struct run_options){ .env =
	    (const char *const[]){ "COLUMNS=40", NULL } },
	    (const char *const[]){ args, NULL }), 0);
	ck_assert_ptr_nonnull(strstr(r.out, plain));
	ck_assert_ptr_null(strstr(r.out, "\xe2\x80\xa6"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* --help fits 80 columns wherever it goes, and so does run --help. */
START_TEST(help_fits_80_columns)
{
	static const char *const helps[][3] = {
		{ "--help", NULL, NULL }, { "run", "--help", NULL },
	};
	struct run_result r;

	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		ck_assert_int_eq(run_fdaudit(&r, NULL, helps[i]), 0);
		ck_assert_int_eq(r.status, 0);
		ck_assert_int_gt(expect_lines_fit(r.out, 80), 10);
		run_result_free(&r);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("audit");
	tcase_leak_check(tc);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_type_matches_the_kernel);
	tcase_add_test(tc, socket_protocols);
	tcase_add_test(tc, thresholds_critical);
	tcase_add_test(tc, thresholds_warning);
	tcase_add_test(tc, thresholds_ok);
	tcase_add_test(tc, fd_setsize_crossed);
	tcase_add_test(tc, missing_process);
	tcase_add_test(tc, partial_failure_prints_what_was_read);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, permission_denied_without_privilege);
	tcase_add_test(tc, own_process_without_privilege);
	tcase_add_test(tc, colour_only_on_a_terminal);
	tcase_add_test(tc, table_fits_the_terminal);
	tcase_add_test(tc, zombie_is_said_to_be_one);
	tcase_add_test(tc, empty_table_and_one_process);
	tcase_add_test(tc, long_rows_give_offset_and_size);
	tcase_add_test(tc, thread_id_audits_its_process);
	tcase_add_test(tc, help_fits_80_columns);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
