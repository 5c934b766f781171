/*
 * Who holds a file or a port (--path, --recursive, --port), on a real
 * helper process: every descriptor it holds on the thing named is found,
 * with its number and mode, and nothing else of it; the exit status says
 * whether anything holds it.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <grp.h>
#include <sched.h>
#include <signal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "jsonparse.h"
#include "reportutil.h"
#include "testutil.h"

static size_t
fd_rows(const struct jv *proc)
{
	const struct jv *fds = proc != NULL ? jv_get(proc, "fds") : NULL;

	return fds != NULL ? fds->count : 0;
}

/* Run fdaudit -j with the arguments; the document, and the status. */
static struct jv *
holders_json(const char *const *args, int *status)
{
	struct run_result r;
	struct jv *doc;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	*status = r.status;
	doc = report_parse(&r);
	ck_assert_msg(jv_is(doc, "holders", JV_BOOL), "no \"holders\": %s",
	    r.out);
	run_result_free(&r);
	return doc;
}

/* How many of the helper's descriptors have `path' as their target. */
static size_t
held_on(const struct holder *h, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nfds; i++)
		n += strcmp(h->fds[i].target, path) == 0;
	return n;
}

/* The helper's descriptor on `path' (the first), or NULL. */
static const struct held_fd *
held_fd_on(const struct holder *h, const char *path)
{
	for (size_t i = 0; i < h->nfds; i++) {
		if (strcmp(h->fds[i].target, path) == 0)
			return &h->fds[i];
	}
	return NULL;
}

/*
 * A file is found by device and inode: by its own name, and by a hard
 * link the helper never opened, with the number and mode of each
 * descriptor that holds it.
 */
START_TEST(path_finds_each_descriptor)
{
	struct holder h;
	char plain[128], append[128], other[160];
	const char *args[] = { "-j", "--path", NULL, NULL };
	const struct jv *proc, *row;
	const struct held_fd *held;
	struct jv *doc;
	int status;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(plain, sizeof(plain), "%s/plain.txt", h.dir);
	snprintf(append, sizeof(append), "%s/append.log", h.dir);
	snprintf(other, sizeof(other), "%s/another-name", h.dir);
	ck_assert_int_eq(link(plain, other), 0);
	ck_assert_uint_eq(held_on(&h, plain), 1);
	held = held_fd_on(&h, plain);

	args[2] = other;
	doc = holders_json(args, &status);
	ck_assert_int_eq(status, 0);
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_uint_eq(fd_rows(proc), 1);
	row = report_fd(proc, held->fd);
	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(jv_str(row, "target"), plain);
	ck_assert_str_eq(jv_str(row, "mode"), held->mode);
	ck_assert_str_eq(jv_str(row, "type"), "file");
	ck_assert(jv_num(proc, "open") >= (double)h.nfds);
	ck_assert(jv_num(proc, "usage") > 0);
	jv_free(doc);

	args[2] = append;
	doc = holders_json(args, &status);
	ck_assert_int_eq(status, 0);
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_uint_eq(fd_rows(proc), 1);
	held = held_fd_on(&h, append);
	ck_assert_ptr_nonnull(held);
	row = report_fd(proc, held->fd);
	ck_assert_ptr_nonnull(row);
	ck_assert_str_eq(jv_str(row, "mode"), held->mode);
	ck_assert_str_eq(held->mode, "w");
	jv_free(doc);
	unlink(other);
	holder_stop(&h);
}
END_TEST

/*
 * A directory is a file of its own; with -r everything below it is
 * looked for too: the helper's files, named FIFO and directory.
 */
START_TEST(recursive_finds_everything_below)
{
	struct holder h;
	const char *plain[] = { "-j", "--path", NULL, NULL };
	const char *deep[] = { "-j", "-r", "--path", NULL, NULL };
	size_t below = 0, len;
	const struct jv *proc;
	struct jv *doc;
	int status;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	len = strlen(h.dir);
	for (size_t i = 0; i < h.nfds; i++) {
		const char *t = h.fds[i].target;

		/* The deleted file is no longer below the directory. */
		if (strncmp(t, h.dir, len) == 0 && (t[len] == '/' ||
		    t[len] == '\0') && !h.fds[i].deleted)
			below++;
	}
	ck_assert_uint_ge(below, 4);

	plain[2] = h.dir;
	doc = holders_json(plain, &status);
	ck_assert_int_eq(status, 0);
	proc = report_process(doc, h.pid);
	ck_assert_uint_eq(fd_rows(proc), held_on(&h, h.dir));
	ck_assert_str_eq(jv_str(jv_at(jv_get(proc, "fds"), 0), "type"),
	    "dir");
	jv_free(doc);

	deep[3] = h.dir;
	doc = holders_json(deep, &status);
	ck_assert_int_eq(status, 0);
	proc = report_process(doc, h.pid);
	ck_assert_msg(fd_rows(proc) == below, "%zu rows, %zu held below",
	    fd_rows(proc), below);
	jv_free(doc);
	holder_stop(&h);
}
END_TEST

/* Nothing holds a new file: exit 1, nothing printed, or an empty list. */
START_TEST(nothing_holds_it)
{
	char dir[] = "/tmp/fdaudit-test.XXXXXX", path[64];
	const char *table[] = { "--path", path, NULL };
	const char *json[] = { "--path", "-j", path, NULL };
	struct run_result r;
	struct jv *doc;
	FILE *f;
	int status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/unheld", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(run_fdaudit(&r, NULL, table), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_eq(r.out_len, 0);
	/* Not root: what could not be searched is said, and only that. */
	if (geteuid() == 0)
		ck_assert_uint_eq(r.err_len, 0);
	else
		ck_assert_msg(count_lines(r.err) == 1 &&
		    strstr(r.err, "not searched") != NULL, "%s", r.err);
	run_result_free(&r);
	doc = holders_json(json, &status);
	ck_assert_int_eq(status, 1);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 0);
	jv_free(doc);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * A user who may not read the holder's table finds nothing, and is told
 * that processes were not searched and what would let it search them.
 */
START_TEST(unsearched_processes_are_said)
{
	struct run_options opt = { .uid = 65534, .drop_privileges = true };
	char plain[128];
	const char *args[] = { "--path", plain, NULL };
	struct run_result r;
	struct holder h;

	if (geteuid() != 0)
		SKIP_TEST("needs root to drop to another user");
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	/* The helper's own directory, opened for the other user to stat. */
	ck_assert_int_eq(chmod(h.dir, 0755), 0);
	snprintf(plain, sizeof(plain), "%s/plain.txt", h.dir);
	ck_assert_int_eq(chmod(plain, 0644), 0);
	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, "processes not searched: permission "
	    "denied (run as root") != NULL, "%s", r.err);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* A path that is not there: one line naming it, exit 3, no report. */
START_TEST(missing_path_is_one_line)
{
	const char *args[] = { "--path", "/tmp/fdaudit-no-such-file-here",
	    NULL };
	struct run_result r;

	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_int_eq(count_lines(r.err), 1);
	ck_assert_ptr_nonnull(strstr(r.err, "fdaudit-no-such-file-here"));
	ck_assert_ptr_nonnull(strstr(r.err, "No such file"));
	run_result_free(&r);
}
END_TEST

/* The helper's "sock FD tcp LOCAL REMOTE STATE" line of state `state'. */
static bool
sock_line(const struct holder *h, const char *state, int *fd,
    char *local, size_t size)
{
	char proto[16], remote[128], st[32], addr[128];

	for (size_t i = 0; i < h->nlines; i++) {
		if (sscanf(h->lines[i], "sock\t%d\t%15s\t%127s\t%127s\t%31s",
		    fd, proto, addr, remote, st) == 5 &&
		    strcmp(proto, "tcp") == 0 && strcmp(st, state) == 0) {
			snprintf(local, size, "%s", addr);
			return true;
		}
	}
	return false;
}

/*
 * A child that binds a UNIX stream socket to path, listens, connects to
 * it and accepts: its listener is fd[0], the accepted end fd[1] (both
 * bound to path, as lsof shows them) and the connecting end fd[2]
 * (bound to nothing).  setup, when given, runs in the child first.
 * Returns the child's PID once all three exist, or -1 when the child
 * could not make them (it has then exited and been reaped).
 */
static pid_t
unix_socket_holder(const char *path, int fd[3], bool (*setup)(void))
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int ready[2];
	pid_t pid;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(ready[0]);
		if ((setup != NULL && !setup()) ||
		    (fd[0] = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(fd[0], (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
		    listen(fd[0], 1) != 0 ||
		    (fd[2] = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(fd[2], (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
		    (fd[1] = accept(fd[0], NULL, NULL)) < 0)
			_exit(1);
		if (write(ready[1], fd, sizeof(int[3])) != sizeof(int[3]))
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], fd, sizeof(int[3])) != (ssize_t)sizeof(int[3])) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/*
 * fdaudit --path on the socket file finds the holder's listener fd[0]
 * and accepted end fd[1], and not its connecting end fd[2].
 */
static void
unix_holder_check(const char *const *args, const struct run_options *opt,
    pid_t pid, const int fd[3], const char *path)
{
	const struct jv *proc, *e;
	struct run_result r;
	struct jv *doc;

	ck_assert_int_eq(run_fdaudit(&r, opt, args), 0);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	doc = report_parse(&r);
	ck_assert_ptr_nonnull(proc = report_process(doc, pid));
	ck_assert_uint_eq(fd_rows(proc), 2);
	ck_assert_ptr_nonnull(e = report_fd(proc, fd[0]));
	ck_assert_str_eq(jv_str(e, "type"), "socket");
	ck_assert_str_eq(jv_str(e, "proto"), "unix");
	ck_assert_str_eq(jv_str(e, "local"), path);
	ck_assert_str_eq(jv_str(e, "state"), "LISTEN");
	ck_assert_ptr_nonnull(e = report_fd(proc, fd[1]));
	ck_assert_str_eq(jv_str(e, "state"), "CONNECTED");
	ck_assert_ptr_null(report_fd(proc, fd[2]));
	jv_free(doc);
	run_result_free(&r);
}

static void
unix_holder_stop(pid_t pid, const char *path)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
}

/*
 * A UNIX socket's file is held by the sockets bound to it: the listener
 * and each connection it accepted, found by the file's device and inode
 * as the kernel reports them; the end that connected is bound to
 * nothing.  -r on the directory finds the same.
 */
START_TEST(path_finds_unix_socket)
{
	char dir[] = "/tmp/fdaudit-test.XXXXXX", path[64];
	const char *named[] = { "-j", "--path", path, NULL };
	const char *below[] = { "-j", "-r", "--path", dir, NULL };
	int fd[3];
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/service.sock", dir);
	ck_assert_int_gt(pid = unix_socket_holder(path, fd, NULL), 0);
	unix_holder_check(named, NULL, pid, fd, path);
	unix_holder_check(below, NULL, pid, fd, path);
	unix_holder_stop(pid, path);
	rmdir(dir);
}
END_TEST

/*
 * On an overlay the kernel names a socket's file by the overlay's
 * device while stat(2) gives its upper layer's: the socket is found all
 * the same.  The overlay is mounted in a mount namespace of this test's
 * own, which fdaudit, started from it, shares.
 */
START_TEST(path_finds_unix_socket_on_overlay)
{
	char dir[] = "/tmp/fdaudit-test.XXXXXX", sub[4][96], path[128];
	const char *args[] = { "-j", "--path", path, NULL };
	const char *const names[] = { "lower", "upper", "work", "merged" };
	char options[400];
	int fd[3];
	pid_t pid;

	if (geteuid() != 0)
		SKIP_TEST("needs root to mount an overlay");
	if (unshare(CLONE_NEWNS) != 0)
		SKIP_TEST("cannot make a mount namespace here");
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
	    0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The upper layer on a tmpfs of its own: another device. */
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "mode=0700"), 0);
	for (size_t i = 0; i < 4; i++) {
		snprintf(sub[i], sizeof(sub[i]), "%s/%s", dir, names[i]);
		ck_assert_int_eq(mkdir(sub[i], 0700), 0);
	}
	ck_assert_int_eq(mount("tmpfs", sub[0], "tmpfs", 0, "mode=0700"), 0);
	snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,"
	    "workdir=%s", sub[0], sub[1], sub[2]);
	if (mount("overlay", sub[3], "overlay", 0, options) != 0) {
		umount2(dir, MNT_DETACH);
		rmdir(dir);
		SKIP_TEST("this kernel mounts no overlay here");
	}
	snprintf(path, sizeof(path), "%s/service.sock", sub[3]);
	ck_assert_int_gt(pid = unix_socket_holder(path, fd, NULL), 0);
	unix_holder_check(args, NULL, pid, fd, path);
	unix_holder_stop(pid, path);
	ck_assert_int_eq(umount2(dir, MNT_DETACH), 0);
	rmdir(dir);
}
END_TEST

/*
 * The child, as nobody, in a user and a network namespace of its own,
 * and dumpable again, as after an exec: a change of user makes the
 * kernel give its /proc directory to root.
 */
static bool
rootless_container_enter(void)
{
	return setgroups(0, NULL) == 0 && setgid(65534) == 0 &&
	    setuid(65534) == 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 &&
	    prctl(PR_SET_DUMPABLE, 1) == 0;
}

/*
 * A rootless container's socket, audited by its own user: fdaudit may
 * read the process but not enter its network namespace, so the UNIX
 * sockets come from /proc/PID/net/unix, which names no file; the bound
 * path is looked up from the process's root instead.
 */
START_TEST(path_finds_unix_socket_of_rootless_container)
{
	struct run_options nobody = { .uid = 65534, .drop_privileges = true };
	char dir[] = "/tmp/fdaudit-test.XXXXXX", path[64];
	const char *args[] = { "-j", "--path", path, NULL };
	int fd[3];
	pid_t pid;

	if (geteuid() != 0)
		SKIP_TEST("needs root to drop to another user");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/service.sock", dir);
	if ((pid = unix_socket_holder(path, fd,
	    rootless_container_enter)) == -1) {
		rmdir(dir);
		SKIP_TEST("no user namespace for an ordinary user here");
	}
	unix_holder_check(args, &nobody, pid, fd, path);
	unix_holder_stop(pid, path);
	rmdir(dir);
}
END_TEST

/*
 * A TCP port is held by its listener, by both ends of a connection to it
 * and by a socket left in CLOSE_WAIT; an address narrows it, and a port
 * on another address is not it.
 */
START_TEST(port_finds_both_ends)
{
	const char *extra[] = { "-S", NULL };
	const char *args[] = { "-j", "--port", NULL, NULL };
	char local[128], port_arg[160], other[160];
	const char *port;
	const struct jv *proc;
	struct holder h;
	struct jv *doc;
	int status, listener;
	size_t rows = 0;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	ck_assert(sock_line(&h, "LISTEN", &listener, local, sizeof(local)));
	port = strrchr(local, ':') + 1;
	for (size_t i = 0; i < h.nlines; i++) {
		char tail[160];

		/* Every tcp line that names the port, on either end. */
		snprintf(tail, sizeof(tail), ":%s\t", port);
		if (strncmp(h.lines[i], "sock\t", 5) == 0 &&
		    strstr(h.lines[i], "\ttcp\t") != NULL &&
		    strstr(h.lines[i], tail) != NULL)
			rows++;
	}
	ck_assert_uint_ge(rows, 3);

	args[2] = port;
	doc = holders_json(args, &status);
	ck_assert_int_eq(status, 0);
	proc = report_process(doc, h.pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_msg(fd_rows(proc) == rows, "%zu rows, %zu expected",
	    fd_rows(proc), rows);
	ck_assert_str_eq(jv_str(report_fd(proc, listener), "state"), "LISTEN");
	jv_free(doc);

	snprintf(port_arg, sizeof(port_arg), "%s", local);
	args[2] = port_arg;
	doc = holders_json(args, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(fd_rows(report_process(doc, h.pid)), rows);
	jv_free(doc);

	snprintf(other, sizeof(other), "192.0.2.1:%s", port);
	args[2] = other;
	doc = holders_json(args, &status);
	ck_assert_ptr_null(report_process(doc, h.pid));
	jv_free(doc);
	holder_stop(&h);
}
END_TEST

/* The table: a row per descriptor with its process, fitted to nothing. */
START_TEST(table_rows_name_the_holder)
{
	struct holder h;
	char plain[128], pid[16];
	const char *args[] = { "--path", plain, NULL };
	const char *bare[] = { "--no-heading", "--path", plain, NULL };
	struct run_result r;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(plain, sizeof(plain), "%s/plain.txt", h.dir);
	snprintf(pid, sizeof(pid), "%d ", (int)h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(count_lines(r.out), 2);
	ck_assert_ptr_nonnull(strstr(r.out, "USE%"));
	ck_assert_ptr_nonnull(strstr(r.out, pid));
	ck_assert_ptr_nonnull(strstr(r.out, plain));
	ck_assert_ptr_nonnull(strstr(r.out, "fdholder"));
	run_result_free(&r);
	/* --no-heading: the row alone. */
	ck_assert_int_eq(run_fdaudit(&r, NULL, bare), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(count_lines(r.out), 1);
	ck_assert_ptr_null(strstr(r.out, "USE%"));
	ck_assert_ptr_nonnull(strstr(r.out, plain));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("holders");
	TCase *tc = tcase_create("holders");

	tcase_leak_check(tc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, path_finds_each_descriptor);
	tcase_add_test(tc, recursive_finds_everything_below);
	tcase_add_test(tc, nothing_holds_it);
	tcase_add_test(tc, missing_path_is_one_line);
	tcase_add_test(tc, unsearched_processes_are_said);
	tcase_add_test(tc, port_finds_both_ends);
	tcase_add_test(tc, path_finds_unix_socket);
	tcase_add_test(tc, path_finds_unix_socket_on_overlay);
	tcase_add_test(tc, path_finds_unix_socket_of_rootless_container);
	tcase_add_test(tc, table_rows_name_the_holder);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
