/*
 * Helpers shared by the test suites (see testutil.h).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <grp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit_snapshot.h"
#include "testutil.h"

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

static char *
slurp(int fd, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;

	if (fstat(fd, &st) != 0 || (buf = malloc((size_t)st.st_size + 1)) ==
	    NULL)
		return NULL;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/*
 * A user the test drops to may not reach the build tree (a clone under
 * a 0700 home or mktemp directory), so it runs a copy of the binary in
 * a directory of its own under /tmp that everyone may enter.
 */
struct shared_copy {
	char	 dir[32];
	char	 path[48];
};

static int
file_copy(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	close(in);
	if (close(out) != 0 || n != 0 || fchmodat(AT_FDCWD, to, mode, 0) != 0)
		return -1;
	return 0;
}

static int
shared_copy_make(struct shared_copy *c, const char *binary)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/fdaudit-bin.XXXXXX");
	if (mkdtemp(c->dir) == NULL)
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/fdaudit", c->dir);
	if (chmod(c->dir, 0755) != 0 || file_copy(binary, c->path, 0755) != 0) {
		unlink(c->path);
		rmdir(c->dir);
		return -1;
	}
	return 0;
}

static void
shared_copy_remove(struct shared_copy *c)
{
	unlink(c->path);
	rmdir(c->dir);
}

static void
child_exec(int out, int err, const struct run_options *opt,
    const char *binary, const char *const *args)
{
	const char *argv[64];
	size_t n = 0;

	for (const char *const *p = opt != NULL ? opt->prefix : NULL;
	    p != NULL && *p != NULL && n < 32; p++)
		argv[n++] = *p;
	argv[n++] = binary;
	for (; args[0] != NULL && n < 63; args++)
		argv[n++] = args[0];
	argv[n] = NULL;
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	if (opt != NULL && opt->env != NULL) {
		for (const char *const *e = opt->env; *e != NULL; e++)
			putenv((char *)*e);
	}
	if (opt != NULL && opt->drop_privileges &&
	    (setgroups(0, NULL) != 0 || setgid(opt->uid) != 0 ||
	    setuid(opt->uid) != 0))
		_exit(120);
	execvp(argv[0], (char *const *)argv);
	_exit(121);
}

int
run_fdaudit(struct run_result *r, const struct run_options *opt,
    const char *const *args)
{
	struct shared_copy copy = { .dir = "" };
	const char *binary = env_or("FDAUDIT", "./fdaudit");
	bool shared = opt != NULL && opt->drop_privileges;
	int out, err, status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (shared) {
		if (shared_copy_make(&copy, binary) != 0)
			return -1;
		binary = copy.path;
	}
	out = memfd_create("stdout", MFD_CLOEXEC);
	err = memfd_create("stderr", MFD_CLOEXEC);
	if (out < 0 || err < 0 || (pid = fork()) == -1) {
		if (shared)
			shared_copy_remove(&copy);
		return -1;
	}
	if (pid == 0)
		child_exec(out, err, opt, binary, args);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (shared)
		shared_copy_remove(&copy);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	r->out = slurp(out, &r->out_len);
	r->err = slurp(err, &r->err_len);
	close(out);
	close(err);
	return r->out != NULL && r->err != NULL ? 0 : -1;
}

void
run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
hex_decode(const char *hex)
{
	size_t len = strlen(hex) / 2;
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)(hex_value(hex[2 * i]) << 4 |
		    hex_value(hex[2 * i + 1]));
	out[len] = '\0';
	return out;
}

static int
holder_line(struct holder *h, char *line)
{
	struct held_fd *grown, *f;
	char hex[8192];
	int cloexec, deleted;

	grown = realloc(h->fds, (h->nfds + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	h->fds = grown;
	f = &h->fds[h->nfds];
	memset(f, 0, sizeof(*f));
	if (sscanf(line, "%d\t%15s\t%3s\t%d\t%d\t%8191s", &f->fd, f->type,
	    f->mode, &cloexec, &deleted, hex) != 6)
		return -1;
	f->cloexec = cloexec != 0;
	f->deleted = deleted != 0;
	if ((f->target = hex_decode(hex)) == NULL)
		return -1;
	h->nfds++;
	return 0;
}

int
holder_start(struct holder *h, const char *const *extra)
{
	const char *argv[32];
	char line[16384];
	size_t n = 0;
	FILE *in;
	int p[2], fd;

	memset(h, 0, sizeof(*h));
	strcpy(h->dir, "/tmp/fdaudit-test.XXXXXX");
	if (mkdtemp(h->dir) == NULL || pipe2(p, O_CLOEXEC) != 0)
		return -1;
	argv[n++] = env_or("FDHOLDER", "build/tests/fdholder");
	argv[n++] = "-d";
	argv[n++] = h->dir;
	for (; extra != NULL && *extra != NULL && n < 31; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	if ((h->pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (h->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		if ((fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, STDIN_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(121);
	}
	close(p[1]);
	h->out = p[0];
	if ((in = fdopen(dup(p[0]), "r")) == NULL) {
		holder_stop(h);
		return -1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "ready") == 0) {
			fclose(in);
			return 0;
		}
		if (strncmp(line, "pid ", 4) == 0)
			continue;
		/* fdholder -I: the holder is a child in its own namespace. */
		if (sscanf(line, "nspid\t%d", &fd) == 1) {
			h->ns_parent = h->pid;
			h->pid = fd;
			continue;
		}
		if (strncmp(line, "sock\t", 5) == 0 ||
		    strncmp(line, "peer\t", 5) == 0 ||
		    strncmp(line, "pair\t", 5) == 0 ||
		    strncmp(line, "sharer\t", 7) == 0 ||
		    strncmp(line, "stale\t", 6) == 0) {
			char **grown = realloc(h->lines, (h->nlines + 1) *
			    sizeof(*grown));

			if (grown == NULL)
				break;
			h->lines = grown;
			h->lines[h->nlines++] = strdup(line);
			continue;
		}
		if (holder_line(h, line) != 0)
			break;
	}
	/* A helper that could not start leaves nothing behind. */
	fclose(in);
	holder_stop(h);
	return -1;
}

void
holder_stop(struct holder *h)
{
	char cmd[128];

	if (h->pid > 0) {
		/*
		 * Its own children (fdholder -P) go with it; in a namespace
		 * of its own their PIDs are inner ones, and they die with it.
		 */
		for (size_t i = 0; h->ns_parent == 0 && i < h->nlines; i++) {
			int fd, child, child_fd;

			if (sscanf(h->lines[i], "peer\t%d\t%d\t%d", &fd,
			    &child, &child_fd) == 3)
				kill(child, SIGKILL);
		}
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	if (h->ns_parent > 0) {
		kill(h->ns_parent, SIGKILL);
		waitpid(h->ns_parent, NULL, 0);
	}
	if (h->out > 0)
		close(h->out);
	for (size_t i = 0; i < h->nfds; i++)
		free(h->fds[i].target);
	free(h->fds);
	for (size_t i = 0; i < h->nlines; i++)
		free(h->lines[i]);
	free(h->lines);
	if (h->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", h->dir);
	}
	memset(h, 0, sizeof(*h));
}

const struct held_fd *
holder_fd(const struct holder *h, int fd)
{
	for (size_t i = 0; i < h->nfds; i++) {
		if (h->fds[i].fd == fd)
			return &h->fds[i];
	}
	return NULL;
}

int
holder_pair(const struct holder *h, int pair[2])
{
	for (size_t i = 0; i < h->nlines; i++) {
		if (sscanf(h->lines[i], "pair\t%d\t%d", &pair[0],
		    &pair[1]) == 2)
			return 0;
	}
	return -1;
}

/* A PID as text, in a static buffer that the next call reuses. */
char *
pid_text(pid_t pid)
{
	static char buf[4][24];
	static int next;

	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "%d", (int)pid);
	return buf[next];
}

bool
tool_found(const char *name)
{
	const char *path = env_or("PATH", "/usr/bin:/bin");
	char file[4096];

	while (*path != '\0') {
		size_t len = strcspn(path, ":");

		snprintf(file, sizeof(file), "%.*s/%s", (int)len, path, name);
		if (len > 0 && access(file, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

void
test_skip(const char *test, const char *fmt, ...)
{
	char reason[512];
	size_t len = strlen(test);
	va_list ap;

	/* START_TEST(name) defines the function name_fn. */
	if (len > 3 && strcmp(test + len - 3, "_fn") == 0)
		len -= 3;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* One write, unbuffered: the test's process ends soon after. */
	fprintf(stderr, "SKIP: %.*s: %s\n", (int)len, test, reason);
}

void
test_part_skipped(const char *test, const char *reason)
{
	size_t len = strlen(test);

	if (len > 3 && strcmp(test + len - 3, "_fn") == 0)
		len -= 3;
	fprintf(stderr, "PART SKIPPED: %.*s: %s\n", (int)len, test, reason);
}

int
suite_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Send SIGUSR1 (open one more) or SIGUSR2 (close it); wait until done. */
int
holder_signal(struct holder *h, int sig)
{
	char c;

	if (kill(h->pid, sig) != 0)
		return -1;
	while (read(h->out, &c, 1) == 1) {
		if (c == '\n')
			return 0;
	}
	return -1;
}

/*
 * Every test is also checked for descriptors it leaked, with the same
 * snapshot API that fdaudit offers to other test suites.
 */
static struct fdaudit_snapshot *leak_before;

static void
leak_check_setup(void)
{
	leak_before = fdaudit_snapshot_take();
	ck_assert_msg(leak_before != NULL, "cannot read our own descriptors");
}

static void
leak_check_teardown(void)
{
	int leaks = fdaudit_snapshot_leaks(leak_before, stderr);

	fdaudit_snapshot_free(leak_before);
	leak_before = NULL;
	ck_assert_msg(leaks == 0, "the test leaked %d descriptor%s", leaks,
	    leaks == 1 ? "" : "s");
}

void
tcase_leak_check(TCase *tc)
{
	tcase_add_checked_fixture(tc, leak_check_setup, leak_check_teardown);
}
