/*
 * Where a report goes: -o and --state write a regular file atomically and
 * write a FIFO, a device, a socket or the standard output in place, never
 * replacing it; a symlink is followed and stays.  Everything happens in a
 * scratch directory: no test points at a real system path.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonparse.h"
#include "testutil.h"

static char scratch[64];

static void
scratch_make(void)
{
	strcpy(scratch, "/tmp/fdaudit-out.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void
scratch_remove(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	char path[PATH_MAX];

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(scratch);
}

/* Names are short, so paths into the scratch directory always fit. */
static char *
scratch_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	ck_assert_msg(scratch[0] != '\0', "no scratch directory yet");
	ck_assert_uint_lt(strlen(name), 64);
	snprintf(p, sizeof(path[0]), "%s/%s", scratch, name);
	return p;
}

/* How many entries the scratch directory holds: no temporary left over. */
static int
scratch_entries(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A whole JSON report of one process, as fdaudit -j prints it. */
static void
assert_report(const char *text, size_t len, pid_t pid)
{
	const char *error = NULL;
	struct jv *doc = jv_parse(text, len, &error);

	ck_assert_msg(doc != NULL, "not a whole report (%s): %.*s", error,
	    (int)len, text);
	ck_assert_int_eq((int)jv_num(jv_at(jv_get(doc, "processes"), 0),
	    "pid"), pid);
	jv_free(doc);
}

/* A child that reads the FIFO to its end into a regular file. */
static pid_t
fifo_drain(const char *fifo, const char *into)
{
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char buf[4096];
		int in = open(fifo, O_RDONLY);
		int out = open(into, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ssize_t n;

		if (in == -1 || out == -1)
			_exit(1);
		while ((n = read(in, buf, sizeof(buf))) > 0) {
			if (write(out, buf, (size_t)n) != n)
				_exit(1);
		}
		_exit(n == 0 ? 0 : 1);
	}
	return pid;
}

static void
assert_waited(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "reader status %#x", (unsigned)status);
}

static void
assert_kind(const char *path, mode_t kind)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_msg((st.st_mode & S_IFMT) == kind, "%s: mode %#o, want %#o",
	    path, (unsigned)(st.st_mode & S_IFMT), (unsigned)kind);
}

START_TEST(fifo_gets_the_whole_report)
{
	char *fifo = scratch_path("fifo"), *got = scratch_path("got");
	const char *args[] = { "-j", "-o", fifo, NULL, NULL };
	struct run_result r;
	char *text;
	size_t len;
	pid_t reader;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	args[3] = pid_text(getpid());
	reader = fifo_drain(fifo, got);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	assert_waited(reader);
	assert_kind(fifo, S_IFIFO);
	text = file_read(got, &len);
	assert_report(text, len, getpid());
	free(text);
	ck_assert_int_eq(scratch_entries(), 2);
}
END_TEST

/* Every mode writes through the same rule: run, and the Prometheus file. */
START_TEST(fifo_in_every_mode)
{
	char *fifo = scratch_path("fifo"), *got = scratch_path("got");
	const char *run_args[] = { "run", "-f", "json", "-o", fifo, "--",
	    "/bin/true", NULL };
	const char *prom_args[] = { "-a", "-f", "prometheus", "-o", fifo,
	    NULL };
	const char *const *modes[] = { run_args, prom_args };
	const char *want[] = { "\"mode\":", "fdaudit_" };
	struct run_result r;
	char *text;
	size_t len;
	pid_t reader;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	for (size_t i = 0; i < 2; i++) {
		reader = fifo_drain(fifo, got);
		ck_assert_int_eq(run_fdaudit(&r, NULL, modes[i]), 0);
		ck_assert_msg(r.status <= 2, "status %d: %s", r.status, r.err);
		run_result_free(&r);
		assert_waited(reader);
		assert_kind(fifo, S_IFIFO);
		text = file_read(got, &len);
		ck_assert_msg(strstr(text, want[i]) != NULL, "mode %zu: %s",
		    i, text);
		free(text);
	}
}
END_TEST

/* A character device made in the scratch directory, never the real one. */
START_TEST(device_is_written_not_replaced)
{
	char *dev = scratch_path("null");
	const char *args[] = { "-o", dev, NULL, NULL };
	struct run_result r;
	struct stat st;

	if (geteuid() != 0)
		SKIP_TEST("mknod needs root");
	ck_assert_int_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
	args[2] = pid_text(getpid());
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	run_result_free(&r);
	ck_assert_int_eq(lstat(dev, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_uint_eq(major(st.st_rdev), 1);
	ck_assert_uint_eq(minor(st.st_rdev), 3);
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

START_TEST(symlink_is_followed_and_stays)
{
	char *target = scratch_path("report.json"), *link = scratch_path("link");
	char *dangling = scratch_path("dangling");
	const char *args[] = { "-j", "-o", link, NULL, NULL };
	char text[PATH_MAX];
	struct run_result r;
	char *report;
	size_t len;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(target, "w"));
	fputs("an older report\n", f);
	fclose(f);
	ck_assert_int_eq(symlink("report.json", link), 0);
	ck_assert_int_eq(symlink("later.json", dangling), 0);
	args[3] = pid_text(getpid());
	for (int i = 0; i < 2; i++) {
		args[2] = i == 0 ? link : dangling;
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
		run_result_free(&r);
		assert_kind(args[2], S_IFLNK);
		len = (size_t)readlink(args[2], text, sizeof(text) - 1);
		text[len] = '\0';
		ck_assert_str_eq(text, i == 0 ? "report.json" : "later.json");
		report = file_read(scratch_path(text), &len);
		assert_report(report, len, getpid());
		free(report);
	}
	/* The two links and their two targets; no temporary file left. */
	ck_assert_int_eq(scratch_entries(), 4);
}
END_TEST

/* "-" and a link to the standard output both write to fdaudit's fd 1. */
START_TEST(standard_output_in_place)
{
	char *link = scratch_path("stdout");
	const char *args[] = { "-j", "-o", "-", NULL, NULL };
	struct run_result r;

	ck_assert_int_eq(symlink("/proc/self/fd/1", link), 0);
	args[3] = pid_text(getpid());
	for (int i = 0; i < 2; i++) {
		args[2] = i == 0 ? "-" : link;
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
		assert_report(r.out, r.out_len, getpid());
		run_result_free(&r);
	}
	assert_kind(link, S_IFLNK);
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

/* A UNIX socket's listener receives the report through a connection. */
START_TEST(socket_gets_the_report)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char *sock = scratch_path("sock");
	const char *args[] = { "-j", "-o", sock, NULL, NULL };
	char *buf = malloc(1 << 16);
	struct run_result r;
	size_t len = 0;
	ssize_t n;
	int lfd, cfd;

	ck_assert_ptr_nonnull(buf);
	strcpy(sun.sun_path, sock);
	ck_assert_int_ge(lfd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	args[3] = pid_text(getpid());
	/* The connection waits in the backlog until fdaudit has exited. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	run_result_free(&r);
	ck_assert_int_ge(cfd = accept(lfd, NULL, NULL), 0);
	while ((n = read(cfd, buf + len, (1 << 16) - 1 - len)) > 0)
		len += (size_t)n;
	assert_report(buf, len, getpid());
	assert_kind(sock, S_IFSOCK);
	close(cfd);
	close(lfd);
	free(buf);
}
END_TEST

/* --state is read and written whole: anything else is refused unread. */
START_TEST(state_refuses_a_fifo)
{
	char *fifo = scratch_path("state");
	const char *args[] = { "--state", fifo, NULL, NULL };
	struct run_result r;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	args[2] = pid_text(getpid());
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, fifo) != NULL &&
	    strstr(r.err, "not a regular file") != NULL, "stderr: %s", r.err);
	run_result_free(&r);
	assert_kind(fifo, S_IFIFO);
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

/* A failed -o says that the report was not written, and leaves nothing. */
START_TEST(failure_says_not_written)
{
	char *path = scratch_path("missing/report");
	const char *args[] = { "-o", path, NULL, NULL };
	struct run_result r;

	args[2] = pid_text(getpid());
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, "the report was not written") != NULL,
	    "stderr: %s", r.err);
	run_result_free(&r);
	ck_assert_int_eq(scratch_entries(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("output");

	tcase_leak_check(tc);
	tcase_add_checked_fixture(tc, scratch_make, scratch_remove);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fifo_gets_the_whole_report);
	tcase_add_test(tc, fifo_in_every_mode);
	tcase_add_test(tc, device_is_written_not_replaced);
	tcase_add_test(tc, symlink_is_followed_and_stays);
	tcase_add_test(tc, standard_output_in_place);
	tcase_add_test(tc, socket_gets_the_report);
	tcase_add_test(tc, state_refuses_a_fifo);
	tcase_add_test(tc, failure_says_not_written);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
