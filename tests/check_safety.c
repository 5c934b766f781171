/*
 * Safety tests: the real fdaudit binary against real processes that it
 * must not disturb (no opens of their files, no stray writes) and that
 * change under it (descriptors reused, processes exiting mid-audit).
 */
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonparse.h"
#include "reportutil.h"
#include "testutil.h"

/* Parse fdaudit's stdout; fail the test with its output if it is not JSON. */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The number of entries in DIR other than "." and "..". */
static int
dir_entries(const char *dir, char *first, size_t size)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_msg(d != NULL, "opendir %s", dir);
	if (first != NULL && size > 0)
		first[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n++ == 0 && first != NULL)
			snprintf(first, size, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

static void
remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/*
 * A child that loops until killed dies with the test process too, so a
 * failed assertion does not leave it running.
 */
static void
die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(1);
}

/* Reap a child we started, killing it first. */
static void
child_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/* --- 1. no opens of another process's files -------------------------- */

/* Count the IN_OPEN and IN_ACCESS events waiting on an inotify queue. */
static int
inotify_opens(int ino, char *what, size_t size)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	int found = 0;
	ssize_t n;

	while ((n = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & (IN_OPEN | IN_ACCESS)) {
				if (found++ == 0)
					snprintf(what, size, "wd %d mask %#x "
					    "name \"%s\"", ev->wd, ev->mask,
					    ev->len > 0 ? ev->name : "");
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return found;
}

START_TEST(never_opens_the_audited_files)
{
	const char *by_pid[] = { "-j", NULL, NULL };
	const char *every[] = { "-a", "-d", "-j", NULL };
	const char *const *runs[] = { by_pid, every };
	char file[PATH_MAX], fifo[PATH_MAX], what[256] = "";
	bool have_file = false, have_fifo = false, have_dir = false;
	struct run_result r;
	struct holder h;
	int ino, opens;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	snprintf(file, sizeof(file), "%s/plain.txt", h.dir);
	snprintf(fifo, sizeof(fifo), "%s/named.fifo", h.dir);
	for (size_t i = 0; i < h.nfds; i++) {
		have_file |= strcmp(h.fds[i].target, file) == 0;
		have_fifo |= strcmp(h.fds[i].target, fifo) == 0;
		have_dir |= strcmp(h.fds[i].target, h.dir) == 0;
	}
	ck_assert_msg(have_file && have_fifo && have_dir,
	    "the helper holds no file, named FIFO or directory");
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ck_assert_int_ge(ino, 0);
	/* The directory watch also reports opens of anything inside it. */
	ck_assert_int_ge(inotify_add_watch(ino, h.dir, IN_OPEN | IN_ACCESS),
	    0);
	ck_assert_int_ge(inotify_add_watch(ino, file, IN_OPEN | IN_ACCESS), 0);
	ck_assert_int_ge(inotify_add_watch(ino, fifo, IN_OPEN | IN_ACCESS), 0);
	(void)inotify_opens(ino, what, sizeof(what));
	by_pid[1] = pid_text(h.pid);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		ck_assert_int_eq(run_fdaudit(&r, NULL, runs[i]), 0);
		ck_assert_msg(r.status <= 2, "%s: status %d: %s", runs[i][0],
		    r.status, r.err);
		jv_free(report_parse(&r));
		run_result_free(&r);
		opens = inotify_opens(ino, what, sizeof(what));
		ck_assert_msg(opens == 0, "fdaudit %s: %d open/access "
		    "event(s) on the helper's files, first: %s", runs[i][0],
		    opens, what);
	}
	close(ino);
	holder_stop(&h);
}
END_TEST

/* --- 2. no writes anywhere it was not asked to write ------------------ */

struct scratch {
	char	 cwd[64];	/* the current directory of fdaudit */
	char	 tmp[64];	/* its TMPDIR */
	char	 env[96];
	char	 old[PATH_MAX];
};

static void
scratch_enter(struct scratch *s)
{
	char bin[PATH_MAX];
	const char *fdaudit = getenv("FDAUDIT");

	/* The binary's path may be relative to the directory we leave. */
	ck_assert_ptr_nonnull(realpath(fdaudit != NULL && *fdaudit != '\0' ?
	    fdaudit : "./fdaudit", bin));
	ck_assert_int_eq(setenv("FDAUDIT", bin, 1), 0);
	strcpy(s->cwd, "/tmp/fdaudit-cwd.XXXXXX");
	strcpy(s->tmp, "/tmp/fdaudit-tmp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->cwd));
	ck_assert_ptr_nonnull(mkdtemp(s->tmp));
	snprintf(s->env, sizeof(s->env), "TMPDIR=%s", s->tmp);
	ck_assert_ptr_nonnull(getcwd(s->old, sizeof(s->old)));
	ck_assert_int_eq(chdir(s->cwd), 0);
}

static void
scratch_leave(struct scratch *s)
{
	ck_assert_int_eq(chdir(s->old), 0);
	remove_tree(s->cwd);
	remove_tree(s->tmp);
}

/* Run fdaudit in the scratch directories; its exit status. */
static int
scratch_run(const struct scratch *s, const struct run_options *base,
    const char *const *args, struct run_result *r)
{
	const char *env[] = { s->env, NULL };
	struct run_options opt = { 0 };

	if (base != NULL)
		opt = *base;
	opt.env = env;
	ck_assert_int_eq(run_fdaudit(r, &opt, args), 0);
	ck_assert_msg(r->status < 128, "%s: killed by signal %d", args[0],
	    r->status - 128);
	return r->status;
}

static void
assert_empty(const char *dir, const char *after)
{
	char name[256];
	int n = dir_entries(dir, name, sizeof(name));

	ck_assert_msg(n == 0, "after %s: %s holds %d entr%s, first \"%s\"",
	    after, dir, n, n == 1 ? "y" : "ies", name);
}

START_TEST(writes_only_where_asked)
{
	const char *pid_args[] = { NULL, NULL };
	const char *all_args[] = { "-a", NULL };
	const char *prom_args[] = { "-f", "prometheus", NULL, NULL };
	const char *const *plain[] = { pid_args, all_args, prom_args };
	const char *out_args[] = { "-o", NULL, "-j", NULL, NULL };
	struct run_options nobody = { .uid = 65534, .drop_privileges = true };
	char path[PATH_MAX], name[256];
	struct scratch s;
	struct run_result r;
	struct holder h;
	struct stat st;
	mode_t old_mask;

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	scratch_enter(&s);
	pid_args[0] = prom_args[2] = out_args[3] = pid_text(h.pid);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ck_assert_int_le(scratch_run(&s, NULL, plain[i], &r), 2);
		ck_assert_uint_gt(r.out_len, 0);
		run_result_free(&r);
		assert_empty(s.cwd, plain[i][0]);
		assert_empty(s.tmp, plain[i][0]);
	}

	/* -o FILE: FILE alone appears, with the mode umask allows. */
	old_mask = umask(027);
	snprintf(path, sizeof(path), "%s/report.json", s.cwd);
	out_args[1] = path;
	ck_assert_int_eq(scratch_run(&s, NULL, out_args, &r), 0);
	ck_assert_uint_eq(r.out_len, 0);
	run_result_free(&r);
	ck_assert_int_eq(dir_entries(s.cwd, name, sizeof(name)), 1);
	ck_assert_str_eq(name, "report.json");
	assert_empty(s.tmp, "-o");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0640, "mode %04o, want 0640",
	    (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(unlink(path), 0);

	/* -o into a directory that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/report.json", s.cwd);
	ck_assert_int_eq(scratch_run(&s, NULL, out_args, &r), 3);
	ck_assert_uint_gt(r.err_len, 0);
	run_result_free(&r);
	assert_empty(s.cwd, "-o into a missing directory");
	assert_empty(s.tmp, "-o into a missing directory");

	/*
	 * -o into a directory fdaudit may not write: root may write
	 * anywhere, so it drops to nobody; a user makes the directory
	 * read-only, which holds for its owner too.
	 */
	ck_assert_int_eq(chmod(s.cwd, 0755), 0);
	snprintf(path, sizeof(path), "%s/locked", s.cwd);
	ck_assert_int_eq(mkdir(path, geteuid() == 0 ? 0755 : 0555), 0);
	snprintf(path, sizeof(path), "%s/locked/report.json", s.cwd);
	out_args[3] = "1";
	ck_assert_int_eq(scratch_run(&s, geteuid() == 0 ? &nobody : NULL,
	    out_args, &r), 3);
	ck_assert_uint_gt(r.err_len, 0);
	run_result_free(&r);
	snprintf(path, sizeof(path), "%s/locked", s.cwd);
	assert_empty(path, "-o into an unwritable directory");
	ck_assert_int_eq(dir_entries(s.cwd, NULL, 0), 1);
	assert_empty(s.tmp, "-o into an unwritable directory");
	ck_assert_int_eq(rmdir(path), 0);

	/* -o with an audit that fails: no temporary file stays behind. */
	snprintf(path, sizeof(path), "%s/report.json", s.cwd);
	out_args[3] = "999999999";
	ck_assert_int_eq(scratch_run(&s, NULL, out_args, &r), 3);
	run_result_free(&r);
	ck_assert_int_le(dir_entries(s.cwd, name, sizeof(name)), 1);
	if (name[0] != '\0')
		ck_assert_str_eq(name, "report.json");
	assert_empty(s.tmp, "-o with a failed audit");

	umask(old_mask);
	scratch_leave(&s);
	holder_stop(&h);
}
END_TEST

/* --- 3. descriptors reused while they are read ----------------------- */

/* Open and close files, pipes, sockets and eventfds without pause. */
static void __attribute__((noreturn))
churn_descriptors(const char *dir, pid_t parent)
{
	char path[PATH_MAX];
	int fds[16], n, p[2];

	die_with_parent(parent);
	syscall(SYS_close_range, 3, ~0U, 0);
	for (unsigned round = 0;; round++) {
		n = 0;
		snprintf(path, sizeof(path), "%s/f%u", dir, round % 4);
		for (int k = 0; k < 3; k++) {
			switch ((round + (unsigned)k) % 4) {
			case 0:
				fds[n++] = open(path, O_RDWR | O_CREAT, 0600);
				break;
			case 1:
				if (pipe(p) == 0) {
					fds[n++] = p[0];
					fds[n++] = p[1];
				}
				break;
			case 2:
				fds[n++] = socket(AF_UNIX, SOCK_STREAM, 0);
				break;
			default:
				fds[n++] = eventfd(0, 0);
				break;
			}
		}
		/* Close in a varying order so numbers change owners. */
		for (int k = 0; k < n; k++)
			close(fds[(k + (int)round) % n]);
	}
}

/* The type a link text belongs to, or NULL for any other object. */
static const char *
type_of_target(const char *target, const char *dir)
{
	size_t len = strlen(dir);

	if (strncmp(target, "pipe:[", 6) == 0)
		return "fifo";
	if (strncmp(target, "socket:[", 8) == 0)
		return "socket";
	if (strcmp(target, "anon_inode:[eventfd]") == 0)
		return "eventfd";
	if (strncmp(target, dir, len) == 0 && target[len] == '/')
		return "file";
	return NULL;
}

static void
check_types_agree(const struct jv *proc, const char *dir, int run)
{
	const struct jv *fds = jv_get(proc, "fds");

	ck_assert_ptr_nonnull(fds);
	for (size_t i = 0; i < fds->count; i++) {
		const struct jv *e = jv_at(fds, i);
		const char *type = jv_str(e, "type"), *target;
		const char *want;

		if (jv_num(e, "fd") <= 2)
			continue;
		target = jv_str(e, "target");
		ck_assert_msg(type != NULL && target != NULL,
		    "run %d: fd %d without type or target", run,
		    (int)jv_num(e, "fd"));
		want = type_of_target(target, dir);
		ck_assert_msg(want != NULL && strcmp(want, type) == 0,
		    "run %d: fd %d has type %s but target \"%s\"", run,
		    (int)jv_num(e, "fd"), type, target);
	}
}

START_TEST(descriptors_reused_during_the_audit)
{
	const char *args[] = { "-j", NULL, NULL };
	char dir[] = "/tmp/fdaudit-race.XXXXXX";
	struct run_result r;
	struct jv *doc;
	pid_t child, self = getpid();

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if ((child = fork()) == 0)
		churn_descriptors(dir, self);
	ck_assert_int_gt(child, 0);
	args[1] = pid_text(child);
	for (int run = 0; run < 200; run++) {
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		ck_assert_msg(r.status <= 2 || (r.status == 3 &&
		    kill(child, 0) != 0), "run %d: status %d: %s", run,
		    r.status, r.err);
		doc = report_parse(&r);
		ck_assert_uint_eq(jv_get(doc, "processes")->count, 1);
		check_types_agree(jv_at(jv_get(doc, "processes"), 0), dir,
		    run);
		jv_free(doc);
		run_result_free(&r);
	}
	child_kill(child);
	remove_tree(dir);
}
END_TEST

/* --- 4. a process that exits while it is audited --------------------- */

#define SHORT_LIVED_FDS	500

/* Hold SHORT_LIVED_FDS descriptors, say so, and exit 0-20 ms later. */
static void __attribute__((noreturn))
short_lived(int ready, unsigned seed)
{
	int p[2];

	for (int n = 3; n < SHORT_LIVED_FDS;) {
		if (n % 3 == 0 && pipe(p) == 0)
			n += 2;
		else if (eventfd(0, 0) >= 0)
			n++;
		else
			_exit(1);
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	usleep((seed * 2654435761u >> 8) % 21000);
	_exit(0);
}

static void
check_exit_run(const struct run_result *r, int run)
{
	const struct jv *procs, *proc;
	struct jv *doc;

	ck_assert_msg(r->status < 128, "run %d: killed by signal %d", run,
	    r->status - 128);
	ck_assert_msg(r->status <= 3, "run %d: status %d", run, r->status);
	doc = report_parse(r);
	procs = jv_get(doc, "processes");
	ck_assert_ptr_nonnull(procs);
	if (r->status == 3) {
		ck_assert_msg(strstr(r->err, "no such process") != NULL ||
		    strstr(r->err, "not yet reaped (zombie)") != NULL,
		    "run %d: status 3 but: %s", run, r->err);
		ck_assert_uint_eq(procs->count, 0);
	} else {
		ck_assert_msg(procs->count == 1, "run %d: status %d with %zu "
		    "processes", run, r->status, procs->count);
		proc = jv_at(procs, 0);
		ck_assert_msg(jv_num(proc, "open") > 0, "run %d: an exited "
		    "process reported as %s with 0 descriptors", run,
		    jv_str(proc, "status"));
	}
	jv_free(doc);
}

START_TEST(process_exits_during_the_audit)
{
	const char *args[] = { "-j", NULL, NULL };
	struct run_result r;
	int ready[2];
	pid_t child;
	char c;

	for (int run = 0; run < 100; run++) {
		ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
		if ((child = fork()) == 0) {
			close(ready[0]);
			short_lived(ready[1], (unsigned)run + 1);
		}
		ck_assert_int_gt(child, 0);
		close(ready[1]);
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
		close(ready[0]);
		args[1] = pid_text(child);
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		/* Reaped only now: it may be a zombie during the audit. */
		while (waitpid(child, NULL, 0) == -1 && errno == EINTR)
			;
		check_exit_run(&r, run);
		run_result_free(&r);
	}
}
END_TEST

/* --- 5. --all while processes come and go ---------------------------- */

/* Keep about 200 children that live 0-30 ms each, until killed. */
static void __attribute__((noreturn))
spawner(int ready, pid_t parent)
{
	unsigned seed = (unsigned)getpid();
	int alive = 0;
	pid_t pid;

	die_with_parent(parent);
	for (bool told = false;; ) {
		while (alive < 200) {
			seed = seed * 1103515245u + 12345u;
			if ((pid = fork()) == 0) {
				usleep((seed >> 8) % 30000);
				_exit(0);
			}
			if (pid > 0)
				alive++;
			else
				break;
		}
		if (!told) {
			told = write(ready, "r", 1) == 1;
			close(ready);
		}
		if (waitpid(-1, NULL, 0) > 0)
			alive--;
	}
}

/* Children of the spawner listed with no descriptors at all. */
static int
churned_empty(const struct jv *procs, pid_t spawner_pid)
{
	int n = 0;

	for (size_t i = 0; procs != NULL && i < procs->count; i++) {
		const struct jv *p = jv_at(procs, i);
		const char *command = jv_str(p, "command");

		if (command != NULL && strcmp(command, "check_safety") == 0 &&
		    (pid_t)jv_num(p, "pid") != spawner_pid &&
		    jv_num(p, "open") == 0)
			n++;
	}
	return n;
}

START_TEST(all_while_processes_churn)
{
	const char *args[] = { "-a", "-j", NULL };
	const struct jv *errors;
	struct run_result r;
	struct jv *doc;
	int ready[2];
	pid_t group, self = getpid();
	int empty;
	char c;

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	if ((group = fork()) == 0) {
		setpgid(0, 0);
		close(ready[0]);
		spawner(ready[1], self);
	}
	ck_assert_int_gt(group, 0);
	setpgid(group, group);
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	for (int run = 0; run < 50; run++) {
		ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
		ck_assert_msg(r.status <= 2, "run %d: status %d: %s", run,
		    r.status, r.err);
		doc = report_parse(&r);
		errors = jv_get(doc, "errors");
		ck_assert_ptr_nonnull(errors);
		for (size_t i = 0; i < errors->count; i++)
			ck_assert_msg(strcmp(jv_str(jv_at(errors, i), "error"),
			    "no such process") != 0, "run %d: error entry "
			    "for vanished PID %d", run,
			    (int)jv_num(jv_at(errors, i), "pid"));
		/* A live child has at least 0, 1 and 2 open. */
		empty = churned_empty(jv_get(doc, "processes"), group);
		ck_assert_msg(empty == 0, "run %d: %d exiting children listed "
		    "with 0 descriptors", run, empty);
		jv_free(doc);
		run_result_free(&r);
	}
	/* The spawner and its children share the group we gave them. */
	kill(-group, SIGKILL);
	while (waitpid(group, NULL, 0) == -1 && errno == EINTR)
		;
}
END_TEST

/* --- 6. a table near the hard limit ---------------------------------- */

START_TEST(twenty_thousand_descriptors)
{
	const char *extra[] = { "-n", "19990", NULL };
	const char *args[] = { "-j", NULL, NULL };
	const struct jv *proc, *types, *fds;
	struct run_result r;
	struct rlimit rl;
	struct holder h;
	struct jv *doc;
	size_t sum = 0;

	/* The helper inherits our soft limit: raise it to the hard one. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < 20000)
		SKIP_TEST("the hard descriptor limit, %lu, is below 20000",
		    (unsigned long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(holder_start(&h, extra), 0);
	args[1] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status <= 2, "status %d: %s", r.status, r.err);
	doc = report_parse(&r);
	proc = jv_at(jv_get(doc, "processes"), 0);
	ck_assert_ptr_nonnull(proc);
	/* fdholder -n counts 0, 1 and 2 among its 19,990. */
	ck_assert_int_eq((int)jv_num(proc, "open"), 19990);
	fds = jv_get(proc, "fds");
	ck_assert_uint_eq(fds->count, 19990);
	for (int fd = 0; fd <= 2; fd++)
		ck_assert_int_eq((int)jv_num(jv_at(fds, (size_t)fd), "fd"), fd);
	types = jv_get(proc, "types");
	for (size_t i = 0; i < types->count; i++)
		sum += (size_t)types->items[i].number;
	ck_assert_uint_eq(sum, 19990);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/* --- 7. /proc mounted with hidepid ------------------------------------ */

/*
 * Give this test process a mount namespace of its own with /proc
 * mounted again with hidepid=2 (invisible); fdaudit started from it
 * sees that /proc.  False when the system does not allow it.
 */
static bool
hidepid_enter(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		return false;
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
	    0);
	ck_assert_int_eq(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "hidepid=2"), 0);
	return true;
}

/* fdaudit as nobody on a process of root's that /proc hides. */
static void
hidepid_named(const struct holder *h)
{
	const char *table[] = { NULL, NULL };
	const char *json[] = { "-j", NULL, NULL };
	const char *gone[] = { "-j", "4194304", NULL };
	struct run_options nobody = { .uid = 65534, .drop_privileges = true };
	struct run_result r;
	struct jv *doc;

	table[0] = json[1] = pid_text(h->pid);
	ck_assert_int_eq(run_fdaudit(&r, &nobody, table), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(strstr(r.err, "not visible: /proc is mounted with "
	    "hidepid") != NULL && count_lines(r.err) == 1, "%s", r.err);
	ck_assert_ptr_null(strstr(r.err, "no such process"));
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, &nobody, json), 0);
	ck_assert_int_eq(r.status, 3);
	doc = report_parse(&r);
	ck_assert_uint_eq(jv_get(doc, "processes")->count, 0);
	ck_assert_str_eq(jv_str(jv_at(jv_get(doc, "errors"), 0), "error"),
	    "not visible: /proc is mounted with hidepid");
	jv_free(doc);
	run_result_free(&r);

	/* A PID that does not exist is still said to be missing. */
	ck_assert_int_eq(run_fdaudit(&r, &nobody, gone), 0);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "no such process"));
	run_result_free(&r);
}

/* fdaudit -a as nobody says that others are hidden; root sees all. */
static void
hidepid_all(const struct holder *h)
{
	const char *table[] = { "-a", NULL };
	const char *json[] = { "-a", "-j", NULL };
	struct run_options nobody = { .uid = 65534, .drop_privileges = true };
	const struct jv *procs;
	struct run_result r;
	struct jv *doc;

	ck_assert_int_eq(run_fdaudit(&r, &nobody, table), 0);
	ck_assert_int_le(r.status, 2);
	ck_assert_msg(strstr(r.out, "\nprocesses of other users are hidden: "
	    "/proc is mounted with hidepid") != NULL, "%s", r.out);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, &nobody, json), 0);
	doc = report_parse(&r);
	ck_assert(jv_get(doc, "others_hidden")->boolean);
	procs = jv_get(doc, "processes");
	for (size_t i = 0; i < procs->count; i++)
		ck_assert_str_eq(jv_str(jv_at(procs, i), "user"), "nobody");
	jv_free(doc);
	run_result_free(&r);

	ck_assert_int_eq(run_fdaudit(&r, NULL, json), 0);
	doc = report_parse(&r);
	ck_assert(!jv_get(doc, "others_hidden")->boolean);
	ck_assert_msg(report_process(doc, h->pid) != NULL,
	    "root does not see the helper");
	jv_free(doc);
	run_result_free(&r);
}

START_TEST(hidepid_processes_said_hidden)
{
	struct holder h;

	if (geteuid() != 0)
		SKIP_TEST("mounting /proc needs root");
	ck_assert_int_eq(holder_start(&h, NULL), 0);
	if (!hidepid_enter()) {
		int error = errno;

		holder_stop(&h);
		SKIP_TEST("no mount namespace of our own: %s",
		    strerror(error));
	}
	hidepid_named(&h);
	hidepid_all(&h);
	ck_assert_int_eq(umount2("/proc", MNT_DETACH), 0);
	holder_stop(&h);
}
END_TEST

/* --- 8. a file system that does not answer ------------------------- */

/* Whether stat(2) of `path' is still waiting after a second. */
static bool
stat_blocks(const char *path)
{
	struct pollfd done;
	struct stat st;
	int p[2];
	pid_t child;
	bool blocked;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	if ((child = fork()) == 0) {
		close(p[0]);
		(void)stat(path, &st);
		_exit(0);
	}
	ck_assert_int_gt(child, 0);
	close(p[1]);
	/* The pipe ends when the child does. */
	done = (struct pollfd){ .fd = p[0], .events = POLLIN };
	blocked = poll(&done, 1, 1000) == 0;
	child_kill(child);
	close(p[0]);
	return blocked;
}

/* The descriptor of `proc' whose target is `target', or NULL. */
static const struct jv *
fd_with_target(const struct jv *proc, const char *target)
{
	const struct jv *fds = jv_get(proc, "fds");

	for (size_t i = 0; fds != NULL && i < fds->count; i++) {
		const char *t = jv_str(jv_at(fds, i), "target");

		if (t != NULL && strcmp(t, target) == 0)
			return jv_at(fds, i);
	}
	return NULL;
}

/*
 * One audit, which must end and say why.  Without the per-mount
 * deadline it would wait as long as the file system does, that is until
 * killed; with it, it ends in well under a second.  The bound tells the
 * two apart, not how fast fdaudit is: AUDIT_BOUND is a hundred times
 * what an idle machine needs, so a loaded one passes too, and it is
 * below the suite's timeout so that a hang fails with this message.
 */
#define AUDIT_BOUND 30.0

static void
audit_bounded(const char *const *args, const struct holder *h,
    const char *held)
{
	const double bound = AUDIT_BOUND;
	/*
	 * LeakSanitizer stops every thread with ptrace at exit, which the
	 * thread left waiting on the file system never lets it do.
	 */
	const char *env[] = { "ASAN_OPTIONS=detect_leaks=0", NULL };
	struct run_options opt = { .env = env };
	const struct jv *proc, *fd;
	struct run_result r;
	struct jv *doc;
	double start = now_seconds(), took;

	ck_assert_int_eq(run_fdaudit(&r, &opt, args), 0);
	took = now_seconds() - start;
	ck_assert_msg(took < bound, "%s: took %.2f s", args[0], took);
	ck_assert_msg(r.status <= 2, "%s: status %d: %s", args[0], r.status,
	    r.err);
	doc = report_parse(&r);
	proc = report_process(doc, h->pid);
	ck_assert_ptr_nonnull(proc);
	ck_assert_ptr_nonnull(fd = fd_with_target(proc, held));
	ck_assert_str_eq(jv_str(fd, "error"), "timed out");
	ck_assert_str_eq(jv_str(fd, "mode"), "r");
	jv_free(doc);
	run_result_free(&r);
}

/*
 * A file on a FUSE file system whose daemon no longer answers: stat(2)
 * of it waits until killed, as the test first shows.  fdaudit must
 * still end, well within its deadline per mount, and report that
 * descriptor as timed out, its other fields read as usual.
 */
START_TEST(file_system_that_does_not_answer)
{
	const char *extra[] = { "-F", NULL };
	const char *by_pid[] = { "-j", NULL, NULL };
	const char *every[] = { "-a", "-d", "-j", NULL };
	char held[PATH_MAX], path[64];
	struct holder h;
	int fd = -1;

	if (geteuid() != 0)
		SKIP_TEST("mounting a FUSE file system needs root");
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		SKIP_TEST("no usable /dev/fuse: %s", strerror(errno));
	ck_assert_int_eq(holder_start(&h, extra), 0);
	snprintf(held, sizeof(held), "%s/fuse/held", h.dir);
	for (size_t i = 0; i < h.nfds; i++) {
		if (strcmp(h.fds[i].target, held) == 0)
			fd = h.fds[i].fd;
	}
	ck_assert_int_ge(fd, 0);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", h.pid, fd);
	ck_assert_msg(stat_blocks(path), "stat of %s answers", held);
	by_pid[1] = pid_text(h.pid);
	audit_bounded(by_pid, &h, held);
	audit_bounded(every, &h, held);
	holder_stop(&h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("safety");
	TCase *tc = tcase_create("safety");

	tcase_leak_check(tc);
	/*
	 * A timeout here only catches a hang: 20,000 descriptors under a
	 * sanitizer on a loaded machine take minutes, with nothing wrong.
	 */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, never_opens_the_audited_files);
	tcase_add_test(tc, writes_only_where_asked);
	tcase_add_test(tc, descriptors_reused_during_the_audit);
	tcase_add_test(tc, process_exits_during_the_audit);
	tcase_add_test(tc, all_while_processes_churn);
	tcase_add_test(tc, twenty_thousand_descriptors);
	tcase_add_test(tc, hidepid_processes_said_hidden);
	tcase_add_test(tc, file_system_that_does_not_answer);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
