/*
 * fdaudit run through the real binary: the leaky helper (tests/run/leaky.c)
 * leaks descriptors in known ways and the JSON report must name each one
 * with its class and creating call; the exit status must follow the
 * command's and say when fdaudit itself failed.
 */
#include <sys/resource.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonparse.h"
#include "testutil.h"

static const char *
leaky(void)
{
	const char *path = getenv("LEAKY");

	return path != NULL ? path : "build/tests/run/leaky";
}

/* Run "fdaudit run -f json [extra] [extra2] -- PROGRAM SCENARIO [arg]". */
static struct jv *
run_program_json(const char *program, const char *scenario, const char *arg,
    const char *extra, const char *extra2, struct run_result *r)
{
	const char *args[14];
	const char *error = NULL;
	struct jv *doc;
	size_t n = 0;

	args[n++] = "run";
	args[n++] = "-f";
	args[n++] = "json";
	/* The report goes to stderr unless asked for elsewhere. */
	args[n++] = "-o";
	args[n++] = "-";
	if (extra != NULL)
		args[n++] = extra;
	if (extra2 != NULL)
		args[n++] = extra2;
	args[n++] = "--";
	args[n++] = program;
	args[n++] = scenario;
	if (arg != NULL)
		args[n++] = arg;
	args[n] = NULL;
	ck_assert_int_eq(run_fdaudit(r, NULL, args), 0);
	doc = jv_parse(r->out, r->out_len, &error);
	ck_assert_msg(doc != NULL, "%s: invalid JSON (%s): %s\nstderr: %s",
	    scenario, error, r->out, r->err);
	ck_assert_int_eq((int)jv_num(doc, "version"), 1);
	ck_assert_str_eq(jv_str(doc, "mode"), "run");
	return doc;
}

static struct jv *
run_json(const char *scenario, const char *arg, const char *extra,
    struct run_result *r)
{
	return run_program_json(leaky(), scenario, arg, extra, NULL, r);
}

static size_t
summary(const struct jv *doc, const char *key)
{
	return (size_t)jv_num(jv_get(doc, "summary"), key);
}

/* Every finding of every process, in order. */
static const struct jv *
finding(const struct jv *doc, size_t index)
{
	const struct jv *procs = jv_get(doc, "processes");

	for (size_t i = 0; i < procs->count; i++) {
		const struct jv *leaks = jv_get(jv_at(procs, i), "leaks");

		if (index < leaks->count)
			return jv_at(leaks, index);
		index -= leaks->count;
	}
	return NULL;
}

static bool
one_of(const char *s, const char *a, const char *b)
{
	return s != NULL && (strcmp(s, a) == 0 || (b != NULL &&
	    strcmp(s, b) == 0));
}

/*
 * The scenario leaks `count' descriptors of `type', made by `syscall'
 * (or its older twin `alt', which glibc may use instead).
 */
static void
expect_leaks_with(const char *scenario, size_t count, const char *type,
    const char *syscall, const char *alt, const char *extra)
{
	struct run_result r;
	struct jv *doc = run_program_json(leaky(), scenario, NULL,
	    "--no-stacks", extra, &r);

	ck_assert_msg(r.status == 1, "%s: exit %d: %s", scenario, r.status,
	    r.err);
	ck_assert_msg(summary(doc, "leak") == count, "%s: %zu leaks", scenario,
	    summary(doc, "leak"));
	ck_assert_uint_eq(summary(doc, "crossed_exec"), 0);
	ck_assert_uint_eq(summary(doc, "unattributed"), 0);
	for (size_t i = 0; i < count; i++) {
		const struct jv *l = finding(doc, i);

		ck_assert_ptr_nonnull(l);
		ck_assert_str_eq(jv_str(l, "class"), "leak");
		/* A duplicate of stdout has the type of the test's stdout. */
		ck_assert_msg(type == NULL || strcmp(jv_str(l, "type"),
		    type) == 0,
		    "%s: type %s", scenario, jv_str(l, "type"));
		ck_assert_msg(one_of(jv_str(l, "syscall"), syscall, alt),
		    "%s: syscall %s", scenario, jv_str(l, "syscall"));
		ck_assert(jv_is(l, "cloexec", JV_BOOL));
		ck_assert(!jv_get(l, "cloexec")->boolean);
		ck_assert(jv_is(l, "stack", JV_ARRAY));
	}
	ck_assert_ptr_null(finding(doc, count));
	ck_assert_msg(strstr(r.err, "fdaudit run: ") != NULL, "no summary");
	jv_free(doc);
	run_result_free(&r);
}

/* Both ways of learning the creating call: the recorder, and ptrace. */
static void
expect_leaks(const char *scenario, size_t count, const char *type,
    const char *syscall, const char *alt)
{
	expect_leaks_with(scenario, count, type, syscall, alt, NULL);
	expect_leaks_with(scenario, count, type, syscall, alt,
	    "--no-preload");
}

#define LEAK_TEST(name, count, type, syscall, alt)		\
START_TEST(leaks_##name)					\
{								\
	expect_leaks(#name, count, type, syscall, alt);		\
}								\
END_TEST

LEAK_TEST(open, 1, "chr", "openat", "open")
LEAK_TEST(creat, 1, "file", "creat", "openat")
LEAK_TEST(dup, 1, NULL, "dup", NULL)
LEAK_TEST(dup2, 1, NULL, "dup2", "dup3")
LEAK_TEST(fcntl, 1, NULL, "fcntl", NULL)
LEAK_TEST(pipe, 2, "fifo", "pipe2", "pipe")
LEAK_TEST(socketpair, 2, "socket", "socketpair", NULL)
LEAK_TEST(tcp, 1, "socket", "socket", NULL)
LEAK_TEST(eventfd, 1, "eventfd", "eventfd2", "eventfd")
LEAK_TEST(epoll, 1, "epoll", "epoll_create1", "epoll_create")
LEAK_TEST(inotify, 1, "inotify", "inotify_init1", "inotify_init")
LEAK_TEST(memfd, 1, "memfd", "memfd_create", NULL)
LEAK_TEST(thread, 1, "chr", "openat", "open")

/*
 * Descriptors 0 to 2 are the standard streams whatever they hold: a
 * program that closes 0 and opens a file there (the "reuse" scenario)
 * leaks nothing by the rule valgrind follows too.
 */
START_TEST(leaks_reuse)
{
	struct run_result r;
	struct jv *doc = run_json("reuse", NULL, NULL, &r);

	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	ck_assert_uint_eq(summary(doc, "unattributed"), 0);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* The child leaks, the parent does not: one process in the report. */
START_TEST(leak_in_forked_child)
{
	struct run_result r;
	struct jv *doc = run_json("fork", NULL, "--no-stacks", &r);
	const struct jv *procs = jv_get(doc, "processes"), *p;

	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_eq(summary(doc, "processes"), 2);
	ck_assert_uint_eq(summary(doc, "leak"), 1);
	ck_assert_uint_eq(procs->count, 1);
	p = jv_at(procs, 0);
	ck_assert_int_ne((int)jv_num(p, "pid"), (int)jv_num(p, "ppid"));
	ck_assert_str_eq(jv_str(p, "command"), "leaky");
	ck_assert_uint_eq(jv_get(p, "argv")->count, 2);
	ck_assert_str_eq(jv_at(jv_get(p, "argv"), 1)->string, "fork");
	ck_assert_str_eq(jv_str(jv_at(jv_get(p, "leaks"), 0), "target"),
	    "/dev/null");
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* SCENARIO ends holding one unattributed descriptor of TYPE, no leak. */
static void
expect_unattributed(const char *scenario, const char *extra,
    const char *type)
{
	struct run_result r;
	struct jv *doc = run_program_json(leaky(), scenario, NULL,
	    "--no-stacks", extra, &r);
	const struct jv *l;

	/* Only leaks fail the run; unattributed descriptors are reported. */
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	ck_assert_uint_eq(summary(doc, "unattributed"), 1);
	l = finding(doc, 0);
	ck_assert_str_eq(jv_str(l, "class"), "unattributed");
	ck_assert_msg(strcmp(jv_str(l, "type"), type) == 0, "%s: type %s",
	    scenario, jv_str(l, "type"));
	ck_assert(jv_is(l, "syscall", JV_NULL));
	jv_free(doc);
	run_result_free(&r);
}

START_TEST(received_descriptor_is_unattributed)
{
	expect_unattributed("scm", NULL, "chr");
	expect_unattributed("scm", "--no-preload", "chr");
}
END_TEST

/* A record made stale behind the recorder's back is not believed. */
START_TEST(stale_record_is_not_believed)
{
	expect_unattributed("stale", NULL, "fifo");
	expect_unattributed("stale", "--no-preload", "fifo");
}
END_TEST

START_TEST(inheritable_descriptor_crosses_exec)
{
	struct run_result r;
	struct jv *doc = run_json("exec", NULL, "--no-stacks", &r);
	const struct jv *l;

	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(summary(doc, "crossed_exec"), 1);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	l = finding(doc, 0);
	ck_assert_int_eq((int)jv_num(l, "fd"), 9);
	ck_assert_str_eq(jv_str(l, "class"), "crossed_exec");
	ck_assert_str_eq(jv_str(l, "syscall"), "dup2");
	jv_free(doc);
	run_result_free(&r);

	/* With --crossed-exec-fails the same run fails. */
	doc = run_json("exec", NULL, "--crossed-exec-fails", &r);
	ck_assert_int_eq(r.status, 1);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

START_TEST(clean_program_reports_nothing)
{
	struct run_result r;
	struct jv *doc = run_json("clean", NULL, NULL, &r);

	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 0);
	ck_assert_uint_eq(summary(doc, "processes"), 1);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	ck_assert(jv_is(doc, "signal", JV_NULL));
	ck_assert_int_eq((int)jv_num(doc, "exit_status"), 0);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* A thousand alike leaks are one aggregated finding. */
START_TEST(children_are_aggregated)
{
	struct run_result r;
	struct jv *doc = run_json("children", "20", "--no-stacks", &r);
	const struct jv *agg = jv_get(doc, "aggregated");

	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_eq(summary(doc, "processes"), 21);
	ck_assert_uint_eq(summary(doc, "leak"), 20);
	ck_assert_uint_eq(agg->count, 1);
	ck_assert_int_eq((int)jv_num(jv_at(agg, 0), "processes"), 20);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

START_TEST(table_output_and_suppressions)
{
	static const char rules[] = "# leaky's /dev/null\npath:/dev/nu*\n";
	char path[] = "/tmp/fdaudit-supp-XXXXXX";
	const char *args[] = { "run", "--suppressions", path, "--",
	    leaky(), "open", NULL };
	const char *table[] = { "run", "--", leaky(), "open", NULL };
	struct run_result r;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, rules, sizeof(rules) - 1),
	    (int)sizeof(rules) - 1);
	close(fd);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	ck_assert_int_eq(run_fdaudit(&r, NULL, table), 0);
	ck_assert_int_eq(r.status, 1);
	/* The table goes to stderr: stdout is the command's alone. */
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "openat"));
	ck_assert_ptr_nonnull(strstr(r.err, "/dev/null"));
	run_result_free(&r);
	unlink(path);
}
END_TEST

START_TEST(ignore_fd_and_exit_code)
{
	struct run_result r;
	struct jv *doc = run_json("dup2", NULL, "--ignore-fd=20", &r);

	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	jv_free(doc);
	run_result_free(&r);
	doc = run_json("dup2", NULL, "--leak-exitcode=9", &r);
	ck_assert_int_eq(r.status, 9);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

START_TEST(status_passes_through)
{
	struct run_result r;
	struct jv *doc = run_json("exit", "3", NULL, &r);

	ck_assert_int_eq(r.status, 3);
	ck_assert_int_eq((int)jv_num(doc, "exit_status"), 3);
	jv_free(doc);
	run_result_free(&r);
	doc = run_json("kill", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 128 + SIGTERM);
	ck_assert_int_eq((int)jv_num(doc, "signal"), SIGTERM);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

static void
expect_failure(const char *const *args, int status, const char *named)
{
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == status, "exit %d, want %d: %s", r.status,
	    status, r.err);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(count_lines(r.err) == 1, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, named) != NULL, "stderr: %s", r.err);
	run_result_free(&r);
}

START_TEST(own_errors)
{
	static const char *const bad_option[] = { "run", "--bogus", "--",
	    "true", NULL };
	static const char *const no_command[] = { "run", NULL };
	static const char *const not_found[] = { "run", "--",
	    "/nonexistent/fdaudit-none", NULL };
	static const char *const not_executable[] = { "run", "--",
	    "/etc/passwd", NULL };
	static const char *const bad_format[] = { "run", "-f", "xml", "--",
	    "true", NULL };

	expect_failure(bad_option, 125, "--bogus");
	expect_failure(no_command, 125, "no command");
	expect_failure(bad_format, 125, "xml");
	expect_failure(not_found, 127, "not found");
	expect_failure(not_executable, 126, "/etc/passwd");
}
END_TEST

/* The line of leaky.c that carries the comment "site:NAME". */
static int
site_line(const char *name)
{
	const char *source = getenv("LEAKY_SOURCE");
	char marker[64], line[256];
	FILE *f;
	int n = 0;

	snprintf(marker, sizeof(marker), "site:%s ", name);
	f = fopen(source != NULL ? source : "tests/run/leaky.c", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strstr(line, marker) != NULL) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	ck_abort_msg("no marker %s", marker);
	return -1;
}

/*
 * Some frame of the first finding of PROGRAM SCENARIO is FUNCTION at
 * leaky.c:LINE.  Returns the document for more checks.
 */
static struct jv *
expect_frame_of(const char *program, const char *scenario,
    const char *function, const char *site, const char *extra)
{
	struct run_result r;
	struct jv *doc = run_program_json(program, scenario, NULL, extra,
	    NULL, &r);
	const struct jv *stack = jv_get(finding(doc, 0), "stack");
	int line = site_line(site);
	bool found = false;

	ck_assert_msg(stack != NULL && stack->count > 0, "%s: no stack: %s",
	    scenario, r.out);
	for (size_t i = 0; i < stack->count; i++) {
		const struct jv *f = jv_at(stack, i);
		const char *fn = jv_str(f, "function"), *file = jv_str(f,
		    "file"), *object = jv_str(f, "object");

		if (fn == NULL || strcmp(fn, function) != 0)
			continue;
		ck_assert_msg(file != NULL && strstr(file, "leaky.c") != NULL,
		    "%s: %s in file %s", scenario, fn, file);
		ck_assert_msg((int)jv_num(f, "line") == line, "%s: %s at line "
		    "%d, want %d", scenario, fn, (int)jv_num(f, "line"), line);
		ck_assert(object != NULL && strstr(object, "leaky") != NULL);
		found = true;
	}
	ck_assert_msg(found, "%s: no frame %s: %s", scenario, function,
	    r.out);
	run_result_free(&r);
	return doc;
}

static void
expect_frame(const char *scenario, const char *function, const char *site)
{
	jv_free(expect_frame_of(leaky(), scenario, function, site, NULL));
	jv_free(expect_frame_of(leaky(), scenario, function, site,
	    "--no-preload"));
}

static const char *
frame0(const struct jv *doc, const char *key)
{
	const struct jv *stack = jv_get(finding(doc, 0), "stack");

	ck_assert(stack != NULL && stack->count > 0);
	return jv_str(jv_at(stack, 0), key);
}

/*
 * The recorder notes the stack from the caller of open(); ptrace stops
 * inside libc.  The first frame tells which of the two saw the call, so
 * a recorder that silently stopped working fails here.
 */
START_TEST(recorder_and_ptrace_both_attribute)
{
	struct jv *doc;

	doc = expect_frame_of(leaky(), "open", "leak_open", "open", NULL);
	ck_assert_str_eq(frame0(doc, "function"), "leak_open");
	jv_free(doc);
	doc = expect_frame_of(leaky(), "open", "leak_open", "open",
	    "--no-preload");
	ck_assert_ptr_nonnull(strstr(frame0(doc, "object"), "libc"));
	jv_free(doc);
}
END_TEST

/* Does the stack of finding INDEX hold FUNCTION at leaky.c:LINE? */
static bool
stack_has(const struct jv *doc, size_t index, const char *function, int line)
{
	const struct jv *stack = jv_get(finding(doc, index), "stack");

	for (size_t i = 0; stack != NULL && i < stack->count; i++) {
		const struct jv *f = jv_at(stack, i);
		const char *fn = jv_str(f, "function");

		if (fn != NULL && strcmp(fn, function) == 0 &&
		    (int)jv_num(f, "line") == line)
			return true;
	}
	return false;
}

/* Two leaks from one function called from two places keep their callers. */
START_TEST(each_leak_keeps_its_caller)
{
	const char *modes[] = { NULL, "--no-preload" };
	int a = site_line("via_a"), b = site_line("via_b");

	for (size_t i = 0; i < 2; i++) {
		struct run_result r;
		struct jv *doc = run_program_json(leaky(), "callers", NULL,
		    modes[i], NULL, &r);

		ck_assert_uint_eq(summary(doc, "leak"), 2);
		ck_assert_msg(stack_has(doc, 0, "via_a", a) !=
		    stack_has(doc, 1, "via_a", a), "via_a once: %s", r.out);
		ck_assert_msg(stack_has(doc, 0, "via_b", b) !=
		    stack_has(doc, 1, "via_b", b), "via_b once: %s", r.out);
		ck_assert(stack_has(doc, 0, "open_null", site_line("open_null")));
		jv_free(doc);
		run_result_free(&r);
	}
}
END_TEST

/* The finding of a process-wide report whose target is TARGET. */
static const struct jv *
finding_of(const struct jv *doc, const char *target)
{
	const struct jv *l;

	for (size_t i = 0; (l = finding(doc, i)) != NULL; i++) {
		if (strcmp(jv_str(l, "target"), target) == 0)
			return l;
	}
	return NULL;
}

static bool
frames_have(const struct jv *l, const char *function, int line)
{
	const struct jv *stack = jv_get(l, "stack");

	for (size_t i = 0; stack != NULL && i < stack->count; i++) {
		const char *fn = jv_str(jv_at(stack, i), "function");

		if (fn != NULL && strcmp(fn, function) == 0 &&
		    (int)jv_num(jv_at(stack, i), "line") == line)
			return true;
	}
	return false;
}

/*
 * Of two records of one number, the later wins: a stdio open that ptrace
 * saw, closed, then open() through the recorder; and a vfork child's
 * calls in its parent's memory do not rewrite the parent's records.
 */
START_TEST(later_record_wins)
{
	const char *modes[] = { NULL, "--no-preload" };

	for (size_t i = 0; i < 2; i++) {
		struct run_result r;
		struct jv *doc = run_program_json(leaky(), "reopen", NULL,
		    modes[i], NULL, &r);

		ck_assert_uint_eq(summary(doc, "leak"), 1);
		ck_assert_msg(frames_have(finding(doc, 0), "leak_reopen",
		    site_line("reopen")), "reopen: %s", r.out);
		jv_free(doc);
		run_result_free(&r);

		doc = run_program_json(leaky(), "vfork", NULL, modes[i], NULL,
		    &r);
		ck_assert_uint_eq(summary(doc, "leak"), 2);
		ck_assert_ptr_nonnull(finding_of(doc, "/dev/zero"));
		ck_assert_msg(frames_have(finding_of(doc, "/dev/zero"),
		    "leak_vfork", site_line("vfork_parent")), "vfork: %s",
		    r.out);
		jv_free(doc);
		run_result_free(&r);
	}
}
END_TEST

/* A thread blocked in open() can still be cancelled. */
START_TEST(open_stays_a_cancellation_point)
{
	struct run_result r;
	struct jv *doc = run_json("cancel", NULL, "--no-stacks", &r);

	ck_assert_msg(r.status == 0, "exit %d: cancellation lost", r.status);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* A static program cannot be preloaded: ptrace alone attributes. */
START_TEST(static_program_is_attributed)
{
	const char *program = getenv("LEAKY_STATIC");
	struct jv *doc;

	ck_assert_msg(program != NULL, "LEAKY_STATIC is not set");
	doc = expect_frame_of(program, "open", "leak_open", "open", NULL);
	ck_assert_uint_eq(summary(doc, "leak"), 1);
	ck_assert_str_eq(jv_str(finding(doc, 0), "syscall"), "openat");
	ck_assert_ptr_nonnull(strstr(frame0(doc, "object"), "leaky-static"));
	ck_assert_str_ne(frame0(doc, "function"), "leak_open");
	jv_free(doc);
}
END_TEST

START_TEST(stacks_name_function_and_line)
{
	expect_frame("open", "leak_open", "open");
	expect_frame("pipe", "leak_pipe", "pipe");
	expect_frame("thread", "leak_open", "open");
	expect_frame("fork", "leak_open", "open");
	/* The stack of a crossed descriptor is the old program's. */
	expect_frame("exec", "leak_exec", "exec");
}
END_TEST

/* Children with the same stack are one aggregated finding, with it. */
START_TEST(aggregated_with_stacks)
{
	struct run_result r;
	struct jv *doc = run_json("children", "10", NULL, &r);
	const struct jv *agg = jv_get(doc, "aggregated");

	ck_assert_uint_eq(agg->count, 1);
	ck_assert_int_eq((int)jv_num(jv_at(agg, 0), "processes"), 10);
	ck_assert(jv_get(jv_get(jv_at(agg, 0), "leak"), "stack")->count > 0);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* Does some finding have FUNCTION at leaky.c:LINE in its stack? */
static bool
any_stack_has(const struct jv *doc, const char *function, int line)
{
	const struct jv *l;

	for (size_t i = 0; (l = finding(doc, i)) != NULL; i++) {
		if (frames_have(l, function, line))
			return true;
	}
	return false;
}

/*
 * A copy of the helper whose debug information is in a separate file
 * with compressed sections, found through its debug link, as
 * distributions ship it.
 */
static void
split_debug_make(const char *dir)
{
	char command[1024];

	snprintf(command, sizeof(command), "cp '%s' %s/leaky && "
	    "objcopy --only-keep-debug --compress-debug-sections=zlib "
	    "%s/leaky %s/leaky.debug && objcopy --strip-debug "
	    "--add-gnu-debuglink=%s/leaky.debug %s/leaky", leaky(), dir, dir,
	    dir, dir, dir);
	ck_assert_msg(system(command) == 0, "cannot split the debug "
	    "information of %s (objcopy from binutils)", leaky());
}

/*
 * Compressed debug information is read once per build ID for the whole
 * run, not once per program image: the second process of the program
 * gets its lines even though the debug file was removed after the
 * first one ended.
 */
START_TEST(debug_file_read_once_per_build_id)
{
	const char *modes[] = { NULL, "--no-preload" };
	char dir[] = "/tmp/fdaudit-run-XXXXXX", script[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; i < 2; i++) {
		struct run_result r;
		struct jv *doc;

		split_debug_make(dir);
		snprintf(script, sizeof(script), "%s/leaky open; "
		    "rm %s/leaky.debug; %s/leaky pipe", dir, dir, dir);
		doc = run_program_json("/bin/sh", "-c", script, modes[i],
		    NULL, &r);
		ck_assert_msg(summary(doc, "leak") == 3, "%s", r.out);
		ck_assert_msg(any_stack_has(doc, "leak_open",
		    site_line("open")), "first process: %s", r.out);
		ck_assert_msg(any_stack_has(doc, "leak_pipe",
		    site_line("pipe")), "second process: %s", r.out);
		jv_free(doc);
		run_result_free(&r);
	}
	snprintf(script, sizeof(script), "%s/leaky", dir);
	ck_assert_int_eq(unlink(script), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(frame_suppression)
{
	static const char rules[] = "frame:leak_pipe\n";
	char path[] = "/tmp/fdaudit-supp-XXXXXX";
	const char *args[] = { "run", "--suppressions", path, "--",
	    leaky(), "pipe", NULL };
	struct run_result r;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, rules, sizeof(rules) - 1),
	    (int)sizeof(rules) - 1);
	close(fd);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	unlink(path);
}
END_TEST

/* A program that uses ptrace cannot be audited: fdaudit says so. */
START_TEST(ptrace_user_is_named)
{
	const char *args[] = { "run", "--", leaky(), "ptrace", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 4);
	ck_assert_msg(strstr(r.err, "ptrace(2)") != NULL, "stderr: %s", r.err);
	run_result_free(&r);
}
END_TEST

START_TEST(no_follow_and_output_file)
{
	char dir[] = "/tmp/fdaudit-run-XXXXXX", path[64], buf[4096];
	const char *args[] = { "run", "--no-follow", "-f", "json", "-o", path,
	    "--", leaky(), "fork", NULL };
	const char *error = NULL;
	struct run_result r;
	struct jv *doc;
	FILE *f;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.json", dir);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	/* The leaking child is not reported, so the run succeeds. */
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	doc = jv_parse(buf, n, &error);
	ck_assert_msg(doc != NULL, "invalid JSON (%s)", error);
	ck_assert_uint_eq(summary(doc, "processes"), 1);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	jv_free(doc);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * A process that runs out of descriptors: the snapshot taken when open
 * failed says where they were made, with a count, through the recorder
 * and through ptrace alone.
 */
START_TEST(out_of_descriptors_says_where)
{
	static const char *const modes[] = { NULL, "--no-preload" };
	struct rlimit small = { 128, 128 };
	int line = site_line("loop");

	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &small), 0);
	for (size_t m = 0; m < 2; m++) {
		struct run_result r;
		struct jv *doc = run_program_json(leaky(), "loop", "0",
		    modes[m], NULL, &r);
		const struct jv *snap = jv_at(jv_get(doc, "snapshots"), 0);
		const struct jv *site = jv_at(jv_get(snap, "sites"), 0);
		const struct jv *at = jv_get(jv_get(site, "example"), "site");

		ck_assert_msg(snap != NULL, "%s: no snapshot", modes[m]);
		ck_assert_str_eq(jv_str(snap, "reason"), "EMFILE");
		ck_assert_uint_ge((size_t)jv_num(snap, "open"), 120);
		ck_assert_uint_ge((size_t)jv_num(site, "count"), 100);
		ck_assert_msg(at != NULL && (int)jv_num(at, "line") == line,
		    "%s: no site at line %d", modes[m], line);
		ck_assert_str_eq(jv_str(at, "function"), "keep_opening");
		/* The program saw EMFILE itself: its behaviour is its own. */
		ck_assert_int_eq((int)jv_num(doc, "exit_status"), 0);
		jv_free(doc);
		run_result_free(&r);
	}
}
END_TEST

START_TEST(threshold_snapshot)
{
	struct run_result r;
	struct jv *doc = run_program_json(leaky(), "loop", "40",
	    "--threshold=20", NULL, &r);
	const struct jv *snap = jv_at(jv_get(doc, "snapshots"), 0);

	ck_assert_msg(snap != NULL, "no snapshot: %s", r.out);
	ck_assert_str_eq(jv_str(snap, "reason"), "threshold");
	ck_assert_uint_ge((size_t)jv_num(snap, "open"), 20);
	ck_assert_uint_lt((size_t)jv_num(snap, "open"), 40);
	ck_assert_uint_eq(jv_get(doc, "snapshots")->count, 1);
	jv_free(doc);
	run_result_free(&r);
}
END_TEST

/* Ten descriptors leaked from one line read as one finding with a count. */
START_TEST(table_totals_alike_leaks)
{
	const char *args[] = { "run", "--", leaky(), "loop", "10", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "and 9 more alike") != NULL, "%s", r.err);
	ck_assert_msg(count_lines(r.err) < 20, "%s", r.err);
	run_result_free(&r);
}
END_TEST

static Suite *
run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");
	tcase_leak_check(tc);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, leaks_open);
	tcase_add_test(tc, out_of_descriptors_says_where);
	tcase_add_test(tc, threshold_snapshot);
	tcase_add_test(tc, table_totals_alike_leaks);
	tcase_add_test(tc, leaks_creat);
	tcase_add_test(tc, leaks_dup);
	tcase_add_test(tc, leaks_dup2);
	tcase_add_test(tc, leaks_fcntl);
	tcase_add_test(tc, leaks_pipe);
	tcase_add_test(tc, leaks_socketpair);
	tcase_add_test(tc, leaks_tcp);
	tcase_add_test(tc, leaks_eventfd);
	tcase_add_test(tc, leaks_epoll);
	tcase_add_test(tc, leaks_inotify);
	tcase_add_test(tc, leaks_memfd);
	tcase_add_test(tc, leaks_thread);
	tcase_add_test(tc, leaks_reuse);
	tcase_add_test(tc, leak_in_forked_child);
	tcase_add_test(tc, received_descriptor_is_unattributed);
	tcase_add_test(tc, stale_record_is_not_believed);
	tcase_add_test(tc, inheritable_descriptor_crosses_exec);
	tcase_add_test(tc, clean_program_reports_nothing);
	tcase_add_test(tc, children_are_aggregated);
	tcase_add_test(tc, table_output_and_suppressions);
	tcase_add_test(tc, ignore_fd_and_exit_code);
	tcase_add_test(tc, status_passes_through);
	tcase_add_test(tc, own_errors);
	tcase_add_test(tc, stacks_name_function_and_line);
	tcase_add_test(tc, recorder_and_ptrace_both_attribute);
	tcase_add_test(tc, static_program_is_attributed);
	tcase_add_test(tc, each_leak_keeps_its_caller);
	tcase_add_test(tc, later_record_wins);
	tcase_add_test(tc, open_stays_a_cancellation_point);
	tcase_add_test(tc, aggregated_with_stacks);
	tcase_add_test(tc, frame_suppression);
	tcase_add_test(tc, debug_file_read_once_per_build_id);
	tcase_add_test(tc, ptrace_user_is_named);
	tcase_add_test(tc, no_follow_and_output_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(run_suite());
}
