/*
 * fdaudit run on the programs CI jobs really run.  Clean programs in
 * shell, make, Python, node, Go and Java (tests/run/corpus) must report
 * nothing and keep their own exit status; Python leaks must be found at
 * their source line, in every Python 3.9 or later on the machine.  A
 * language that is not installed is skipped, and says so.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonparse.h"
#include "testutil.h"

#define CORPUS	"tests/run/corpus"

/* The absolute path of a program found in PATH, or NULL. */
static char *
program_find(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *rest, *found = NULL;
	char candidate[PATH_MAX];

	if (path == NULL || (copy = strdup(path)) == NULL)
		return NULL;
	for (rest = copy; found == NULL &&
	    (dir = strsep(&rest, ":")) != NULL;) {
		snprintf(candidate, sizeof(candidate), "%s/%s", *dir ? dir :
		    ".", name);
		if (access(candidate, X_OK) == 0)
			found = strdup(candidate);
	}
	free(copy);
	return found;
}

static bool python_recent(const char *);

/* Debian's python3, which the tests need pytest in, else PATH's. */
static char *
python_find(void)
{
	if (access("/usr/bin/python3", X_OK) == 0)
		return strdup("/usr/bin/python3");
	return program_find("python3");
}

/* Whether a Python has a module (pytest), by asking it. */
static bool
python_has(const char *python, const char *module)
{
	char command[PATH_MAX + 64];

	snprintf(command, sizeof(command), "'%s' -c 'import %s' "
	    ">/dev/null 2>&1", python, module);
	return system(command) == 0;
}

/*
 * "fdaudit run -f json -o FILE [extra] -- argv..."; the parsed report.
 * The report goes to a file of its own, apart from the command's output.
 */
static struct jv *
run_json(const char *const *argv, const char *extra, struct run_result *r)
{
	char path[] = "/tmp/fdaudit-report-XXXXXX", *text;
	const char *args[32];
	const char *error = NULL;
	struct jv *doc;
	size_t n = 0, len;
	FILE *f;
	int fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	args[n++] = "run";
	args[n++] = "-f";
	args[n++] = "json";
	args[n++] = "-o";
	args[n++] = path;
	if (extra != NULL)
		args[n++] = extra;
	args[n++] = "--";
	for (size_t i = 0; argv[i] != NULL && n < 31; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	ck_assert_int_eq(run_fdaudit(r, NULL, args), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(text = malloc(1 << 20));
	len = fread(text, 1, (1 << 20) - 1, f);
	text[len] = '\0';
	fclose(f);
	unlink(path);
	doc = jv_parse(text, len, &error);
	ck_assert_msg(doc != NULL, "%s: invalid JSON (%s): %s\nstderr: %s",
	    argv[0], error, text, r->err);
	/* Kept for the messages of failed assertions. */
	free(r->out);
	r->out = text;
	r->out_len = len;
	return doc;
}

static size_t
summary(const struct jv *doc, const char *key)
{
	return (size_t)jv_num(jv_get(doc, "summary"), key);
}

/* The first leak of the report: process i's leak j. */
static const struct jv *
leak_at(const struct jv *doc, size_t proc, size_t leak)
{
	const struct jv *p = jv_at(jv_get(doc, "processes"), proc);

	return p != NULL ? jv_at(jv_get(p, "leaks"), leak) : NULL;
}

/* A clean program: no finding of any class, and its own exit status. */
static void
assert_clean(const char *const *argv, int status)
{
	struct run_result r;
	struct jv *doc = run_json(argv, NULL, &r);

	ck_assert_msg(r.status == status, "%s: exit %d, want %d: %s",
	    argv[0], r.status, status, r.err);
	ck_assert_msg(summary(doc, "leak") == 0 &&
	    summary(doc, "crossed_exec") == 0 &&
	    summary(doc, "unattributed") == 0,
	    "%s %s: findings: %s", argv[0], argv[1] ? argv[1] : "", r.out);
	ck_assert_uint_ge(summary(doc, "processes"), 1);
	jv_free(doc);
	run_result_free(&r);
}

START_TEST(shell_and_make_are_clean)
{
	const char *bash[] = { CORPUS "/clean.bash", NULL };
	const char *dash[] = { CORPUS "/clean.dash", NULL };
	const char *make[] = { "make", "-s", "-f", CORPUS "/clean.mk", NULL };
	const char *fails[] = { "bash", "-c", "x=$(echo 3); exit $x", NULL };

	assert_clean(bash, 0);
	if (access("/bin/dash", X_OK) == 0)
		assert_clean(dash, 0);
	else
		test_part_skipped(__func__, "dash is not installed");
	assert_clean(make, 0);
	/* The command's own failure is the run's status. */
	assert_clean(fails, 3);
}
END_TEST

START_TEST(python_wrappers_and_pools_are_clean)
{
	char *python = python_find();
	const char *pass[] = { NULL, "-c", "pass", NULL };
	const char *shim[] = { CORPUS "/pyenv-shim", "-c", "pass", NULL };
	const char *pool[] = { NULL, CORPUS "/pool.py", NULL };
	const char *pytest[] = { NULL, "-m", "pytest", "-q", "-p",
	    "no:cacheprovider", CORPUS "/pytest_clean", NULL };

	if (python == NULL) {
		SKIP_TEST("python3 is not installed");
	}
	pass[0] = pool[0] = pytest[0] = python;
	assert_clean(pass, 0);
	assert_clean(shim, 0);
	assert_clean(pool, 0);
	if (python_has(python, "pytest"))
		assert_clean(pytest, 0);
	else
		test_part_skipped(__func__, "pytest is not installed");
	free(python);
}
END_TEST

START_TEST(node_is_clean)
{
	char *node = program_find("node");
	const char *e[] = { NULL, "-e", "console.log(1)", NULL };
	const char *server[] = { NULL, CORPUS "/node_fs_http.js", NULL };

	if (node == NULL) {
		SKIP_TEST("node is not installed");
	}
	e[0] = server[0] = node;
	assert_clean(e, 0);
	assert_clean(server, 0);
	free(node);
}
END_TEST

/* Run a shell command in a scratch directory; its exit status. */
static int
shell_in(const char *dir, const char *command)
{
	char line[PATH_MAX * 3];

	snprintf(line, sizeof(line), "cd '%s' && %s >/dev/null 2>&1", dir,
	    command);
	return system(line);
}

START_TEST(go_and_java_are_clean)
{
	char dir[] = "/tmp/fdaudit-lang-XXXXXX", cwd[PATH_MAX];
	char command[PATH_MAX * 2], program[PATH_MAX + 16];
	char *go = program_find("go"), *javac = program_find("javac");
	const char *go_argv[] = { program, NULL };
	const char *java_argv[] = { "java", "-cp", dir, "Hello", NULL };

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (go != NULL) {
		snprintf(command, sizeof(command), "GOCACHE='%s/cache' "
		    "GOPATH='%s/gopath' go build -o hello '%s/" CORPUS
		    "/hello.go'", dir, dir, cwd);
		ck_assert_int_eq(shell_in(dir, command), 0);
		snprintf(program, sizeof(program), "%s/hello", dir);
		assert_clean(go_argv, 0);
	} else
		test_part_skipped(__func__, "go is not installed");
	if (javac != NULL) {
		snprintf(command, sizeof(command), "javac -d . '%s/" CORPUS
		    "/Hello.java'", cwd);
		ck_assert_int_eq(shell_in(dir, command), 0);
		assert_clean(java_argv, 0);
	} else
		test_part_skipped(__func__, "javac is not installed");
	snprintf(command, sizeof(command), "chmod -R u+w '%s'; rm -rf '%s'",
	    dir, dir);
	ck_assert_int_eq(system(command), 0);
	free(go);
	free(javac);
}
END_TEST

/* The line of tests/run/leaky.py or a test file that has "site:NAME". */
static int
site_line(const char *file, const char *site)
{
	char line[512], mark[64];
	FILE *f = fopen(file, "r");
	int n = 0;

	ck_assert_ptr_nonnull(f);
	snprintf(mark, sizeof(mark), "site:%s", site);
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strstr(line, mark) != NULL) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	ck_abort_msg("%s: no %s", file, mark);
	return 0;
}

/* Every leak's innermost frame is the Python line that made it. */
static void
assert_python_leaks(const char *python, const char *scenario, size_t count)
{
	const char *argv[] = { python, "tests/run/leaky.py", scenario, NULL };
	int line = site_line("tests/run/leaky.py", scenario);
	const struct jv *proc, *frame;
	struct run_result r;
	struct jv *doc = run_json(argv, NULL, &r);

	ck_assert_msg(r.status == 1, "%s %s: exit %d: %s", python, scenario,
	    r.status, r.err);
	ck_assert_msg(summary(doc, "leak") == count, "%s %s: %zu leaks: %s",
	    python, scenario, summary(doc, "leak"), r.out);
	proc = jv_at(jv_get(doc, "processes"), 0);
	ck_assert_str_eq(jv_str(proc, "checked"), "python_shutdown");
	for (size_t i = 0; i < count; i++) {
		frame = jv_get(leak_at(doc, 0, i), "site");
		ck_assert_msg(frame != NULL && jv_get(frame, "python") !=
		    NULL && jv_get(frame, "python")->boolean,
		    "%s %s: leak %zu has no Python site: %s",
		    python, scenario, i, r.out);
		ck_assert_ptr_nonnull(strstr(jv_str(frame, "file"),
		    "tests/run/leaky.py"));
		ck_assert_msg((int)jv_num(frame, "line") == line,
		    "%s %s: line %d, want %d", python, scenario,
		    (int)jv_num(frame, "line"), line);
	}
	jv_free(doc);
	run_result_free(&r);
}

/* Debian's python3 and every Python 3.9+ that pyenv has installed here. */
static size_t
pythons_find(glob_t *g)
{
	const char *home = getenv("HOME");
	char pattern[PATH_MAX];

	memset(g, 0, sizeof(*g));
	(void)glob("/usr/bin/python3", 0, NULL, g);
	if (home != NULL) {
		snprintf(pattern, sizeof(pattern),
		    "%s/.pyenv/versions/3.*/bin/python3", home);
		(void)glob(pattern, g->gl_pathc > 0 ? GLOB_APPEND : 0, NULL,
		    g);
	}
	return g->gl_pathc;
}

/* Whether a Python is 3.9 or later. */
static bool
python_recent(const char *python)
{
	char command[PATH_MAX + 96];

	snprintf(command, sizeof(command), "'%s' -c 'import sys; "
	    "sys.exit(sys.version_info < (3, 9))' 2>/dev/null", python);
	return system(command) == 0;
}

START_TEST(python_leaks_at_their_line)
{
	glob_t g;
	size_t tested = 0;

	if (pythons_find(&g) == 0) {
		SKIP_TEST("no python3 installed");
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *py = g.gl_pathv[i];
		const char *closed[] = { py, "tests/run/leaky.py", "closed",
		    NULL };

		if (!python_recent(py))
			continue;
		assert_python_leaks(py, "files", 3);
		assert_python_leaks(py, "sockets", 2);
		assert_python_leaks(py, "os_open", 1);
		assert_clean(closed, 0);
		tested++;
	}
	globfree(&g);
	if (tested == 0)
		SKIP_TEST("no Python 3.9 or later installed");
}
END_TEST

START_TEST(pytest_finding_names_the_test)
{
	char *python = python_find();
	const char *argv[] = { NULL, "-m", "pytest", "-q", "-p",
	    "no:cacheprovider", "tests/run/pytest_leaky", NULL };
	const char *file = "tests/run/pytest_leaky/test_io.py";
	const struct jv *leak, *frame;
	struct run_result r;
	struct jv *doc;

	if (python == NULL || !python_has(python, "pytest")) {
		free(python);
		SKIP_TEST("python3 with pytest is not installed");
	}
	argv[0] = python;
	doc = run_json(argv, NULL, &r);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	ck_assert_msg(summary(doc, "leak") == 1, "%zu leaks: %s",
	    summary(doc, "leak"), r.out);
	leak = leak_at(doc, 0, 0);
	ck_assert_str_eq(jv_str(leak, "test"),
	    "tests/run/pytest_leaky/test_io.py::test_reads_config");
	frame = jv_get(leak, "site");
	ck_assert_ptr_nonnull(strstr(jv_str(frame, "file"), file));
	ck_assert_int_eq((int)jv_num(frame, "line"), site_line(file,
	    "pytest"));
	jv_free(doc);
	run_result_free(&r);
	free(python);
}
END_TEST

/*
 * "OSError: [Errno 24] Too many open files" answered with where: the
 * snapshot taken when open failed names the leaking line with its count.
 */
START_TEST(python_too_many_open_files_says_where)
{
	char *python = python_find();
	const char *argv[] = { NULL, "tests/run/leaky.py", "too_many", NULL };
	struct rlimit small = { 256, 256 };
	const struct jv *snap, *site, *at;
	struct run_result r;
	struct jv *doc;

	if (python == NULL || !python_recent(python)) {
		free(python);
		SKIP_TEST("no Python 3.9 or later installed");
	}
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &small), 0);
	argv[0] = python;
	doc = run_json(argv, NULL, &r);
	ck_assert_ptr_nonnull(strstr(r.err, "Too many open files"));
	snap = jv_at(jv_get(doc, "snapshots"), 0);
	ck_assert_msg(snap != NULL, "no snapshot");
	ck_assert_str_eq(jv_str(snap, "reason"), "EMFILE");
	site = jv_at(jv_get(snap, "sites"), 0);
	ck_assert_uint_ge((size_t)jv_num(site, "count"), 240);
	at = jv_get(jv_get(site, "example"), "site");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq((int)jv_num(at, "line"), site_line(
	    "tests/run/leaky.py", "emfile"));
	jv_free(doc);
	run_result_free(&r);
	free(python);
}
END_TEST

/*
 * node's event loop is reported without the default rules and hidden,
 * and counted, with them.
 */
START_TEST(default_suppressions_hide_and_count)
{
	char *node = program_find("node");
	const char *argv[] = { NULL, "-e", "1", NULL };
	struct run_result r;
	struct jv *doc;

	if (node == NULL) {
		SKIP_TEST("node is not installed");
	}
	argv[0] = node;
	doc = run_json(argv, NULL, &r);
	ck_assert_uint_eq(summary(doc, "leak"), 0);
	ck_assert_uint_ge(summary(doc, "suppressed_by_default"), 3);
	ck_assert_ptr_nonnull(strstr(r.err, "hidden by the default"));
	jv_free(doc);
	run_result_free(&r);
	doc = run_json(argv, "--no-default-suppressions", &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_ge(summary(doc, "leak"), 3);
	ck_assert_uint_eq(summary(doc, "suppressed_by_default"), 0);
	jv_free(doc);
	run_result_free(&r);
	free(node);
}
END_TEST

/* The report never mixes with the command's standard output. */
START_TEST(report_leaves_stdout_to_the_command)
{
	const char *args[] = { "run", "--", "/bin/sh", "-c",
	    "echo out; exec 7</dev/null; exec 8</dev/null; echo done", NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_str_eq(r.out, "out\ndone\n");
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "/dev/null"));
	run_result_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("languages");
	TCase *tc = tcase_create("languages");

	tcase_leak_check(tc);
	/* Compiling Go and starting several interpreters takes a while. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, shell_and_make_are_clean);
	tcase_add_test(tc, python_wrappers_and_pools_are_clean);
	tcase_add_test(tc, node_is_clean);
	tcase_add_test(tc, go_and_java_are_clean);
	tcase_add_test(tc, python_leaks_at_their_line);
	tcase_add_test(tc, pytest_finding_names_the_test);
	tcase_add_test(tc, python_too_many_open_files_says_where);
	tcase_add_test(tc, default_suppressions_hide_and_count);
	tcase_add_test(tc, report_leaves_stdout_to_the_command);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
