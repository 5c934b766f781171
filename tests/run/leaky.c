/*
 * A program that leaks descriptors on purpose, one way per scenario, for
 * the tests of fdaudit run.  Built with -g -O0 so that each leak has its
 * own function and line.  Usage: leaky SCENARIO [ARG].
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *self;

static void
leak_open(void)
{
	open("/dev/null", O_RDONLY);	/* site:open */
}

static void
leak_creat(void)
{
	char path[] = "/tmp/fdaudit-leaky-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	creat(path, 0600);
	unlink(path);
}

static void
leak_dup(void)
{
	dup(1);
}

static void
leak_dup2(void)
{
	dup2(1, 20);
}

static void
leak_fcntl(void)
{
	fcntl(1, F_DUPFD, 30);
}

static void
leak_pipe(void)
{
	int p[2];

	pipe(p);			/* site:pipe */
}

static void
leak_socketpair(void)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

static void
leak_tcp(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void
leak_eventfd(void)
{
	eventfd(0, 0);
}

static void
leak_epoll(void)
{
	epoll_create1(0);
}

static void
leak_inotify(void)
{
	inotify_init1(0);
}

static void
leak_memfd(void)
{
	memfd_create("leaky", 0);
}

/* The child leaks; the parent leaks nothing. */
static void
leak_fork(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		leak_open();
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void *
thread_run(void *arg)
{
	(void)arg;
	leak_open();
	return NULL;
}

static void
leak_thread(void)
{
	pthread_t t;

	pthread_create(&t, NULL, thread_run, NULL);
	pthread_join(t, NULL);
}

static void
send_fd(int sock, int fd)
{
	char byte = 'x', control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	sendmsg(sock, &msg, 0);
}

static void
receive_fd(int sock)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = control, .msg_controllen = sizeof(control) };

	recvmsg(sock, &msg, 0);
}

/* The parent ends holding a descriptor it received, not made. */
static void
leak_scm(void)
{
	int sv[2], fd;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		fd = open("/dev/null", O_RDONLY);
		send_fd(sv[1], fd);
		close(fd);
		close(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	receive_fd(sv[0]);
	close(sv[0]);
	waitpid(pid, NULL, 0);
}

/*
 * A number the recorder saw made by open() is closed behind its back and
 * then filled by a received pipe: the old record must not claim it.
 */
static void
leak_stale(void)
{
	int sv[2], p[2], fd;
	pid_t pid;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		pipe(p);
		send_fd(sv[1], p[0]);
		close(p[0]);
		close(p[1]);
		close(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	fd = open("/dev/null", O_RDONLY);
	syscall(SYS_close, fd);
	receive_fd(sv[0]);
	close(sv[0]);
	waitpid(pid, NULL, 0);
}

/*
 * One opening function called from two places at the same depth: each
 * leak must keep its own caller, however the stacks are remembered.
 */
static int
open_null(void)
{
	return open("/dev/null", O_RDONLY);	/* site:open_null */
}

static void
via_a(void)
{
	open_null();			/* site:via_a */
}

static void
via_b(void)
{
	open_null();			/* site:via_b */
}

static void
leak_two_callers(void)
{
	via_a();
	via_b();
}

/*
 * A file opened and closed by stdio (which ptrace sees), then opened
 * again at the same number through open(): the later call made it.
 */
static void
leak_reopen(void)
{
	FILE *f = fopen("/dev/null", "r");

	fclose(f);
	open("/dev/null", O_RDONLY);	/* site:reopen */
}

/*
 * A vfork child runs in its parent's memory: its close and open must not
 * rewrite what the parent's leak is known by.
 */
static void
leak_vfork(void)
{
	int fd = open("/dev/zero", O_RDONLY);	/* site:vfork_parent */
	pid_t pid;

	if ((pid = vfork()) == 0) {
		close(fd);
		open("/dev/null", O_RDONLY);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void *
fifo_open(void *path)
{
	return (void *)(intptr_t)open(path, O_RDONLY);
}

/*
 * open() is a cancellation point: a thread blocked in it on a FIFO with
 * no writer is cancelled.  Exits 3 when the cancellation is lost.
 */
static void
cancel_open(void)
{
	char path[] = "/tmp/fdaudit-leaky-XXXXXX";
	struct timespec deadline;
	pthread_t t;
	void *result;
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	mkfifo(path, 0600);
	pthread_create(&t, NULL, fifo_open, path);
	usleep(200000);
	pthread_cancel(t);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	fd = pthread_timedjoin_np(t, &result, &deadline);
	unlink(path);
	if (fd != 0 || result != PTHREAD_CANCELED)
		exit(3);
}

/* An inheritable descriptor carried into a new program. */
static void
leak_exec(void)
{
	int fd = open("/dev/null", O_RDONLY);

	dup2(fd, 9);			/* site:exec */
	close(fd);
	execl(self, self, "clean", (char *)NULL);
}

/* Close an inherited number and reuse it for a new object. */
static void
leak_reuse(void)
{
	char path[] = "/tmp/fdaudit-reuse-XXXXXX";

	close(0);
	mkstemp(path);
	unlink(path);
}

/* Many children that each leak the same way. */
static void
leak_children(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			leak_open();
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
}

/* Open and close in a loop: a benchmark that leaks nothing. */
static void
churn(int n)
{
	for (int i = 0; i < n; i++)
		close(open("/dev/null", O_RDONLY));
}

/*
 * Keep n descriptors from one line, or (n = 0) open until the table is
 * full: the classic leak in a loop, and the failure it ends in.  The
 * exit status says whether the last open failed with EMFILE.
 */
static int
keep_opening(int n)
{
	int fd;

	for (int i = 0; n == 0 || i < n; i++) {
		fd = open("/dev/null", O_RDONLY);	/* site:loop */
		if (fd == -1)
			return errno == EMFILE ? 0 : 1;
	}
	return 0;
}

struct scenario {
	const char	*name;
	void		(*run)(void);
};

static const struct scenario scenarios[] = {
	{ "open", leak_open }, { "creat", leak_creat }, { "dup", leak_dup },
	{ "dup2", leak_dup2 }, { "fcntl", leak_fcntl }, { "pipe", leak_pipe },
	{ "socketpair", leak_socketpair }, { "tcp", leak_tcp },
	{ "eventfd", leak_eventfd }, { "epoll", leak_epoll },
	{ "inotify", leak_inotify }, { "memfd", leak_memfd },
	{ "fork", leak_fork }, { "thread", leak_thread }, { "scm", leak_scm },
	{ "exec", leak_exec }, { "reuse", leak_reuse },
	{ "stale", leak_stale }, { "callers", leak_two_callers },
	{ "reopen", leak_reopen }, { "vfork", leak_vfork },
	{ "cancel", cancel_open },
};

int
main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 0;

	self = argv[0];
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "clean") == 0)
		return 0;
	if (strcmp(argv[1], "exit") == 0)
		return n;
	if (strcmp(argv[1], "kill") == 0)
		raise(SIGTERM);
	/* A debugger-like program: fails under a tracer, as it should. */
	if (strcmp(argv[1], "ptrace") == 0)
		return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : 4;
	if (strcmp(argv[1], "children") == 0) {
		leak_children(n);
		return 0;
	}
	if (strcmp(argv[1], "loop") == 0)
		return keep_opening(n);
	if (strcmp(argv[1], "churn") == 0) {
		churn(n);
		return 0;
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(argv[1], scenarios[i].name) == 0) {
			scenarios[i].run();
			return 0;
		}
	}
	return 2;
}
