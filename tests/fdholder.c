/*
 * fdholder: a test helper that opens a known set of descriptors, prints
 * what it opened, and waits to be audited.
 *
 *   fdholder -d DIR            one descriptor of every type the kernel allows
 *   fdholder -n COUNT [-d DIR] COUNT mixed descriptors (for benchmarks)
 *   fdholder -l SOFT -n COUNT  lower the soft RLIMIT_NOFILE first
 *   fdholder -N NAME           set the command name (prctl PR_SET_NAME)
 *   fdholder -x -d DIR         also files whose names hold control
 *                              characters and bytes that are not UTF-8
 *   fdholder -S -d DIR         sockets of every family with known ends:
 *                              "sock FD PROTO LOCAL REMOTE STATE" lines
 *   fdholder -P                a pipe shared with a child process:
 *                              a "peer FD CHILD-PID CHILD-FD" line, and
 *                              a pipe it holds both ends of, whose write
 *                              end the child holds too: a "sharer
 *                              READ-FD WRITE-FD CHILD-PID CHILD-FD" line
 *   fdholder -U                all of it in a network namespace of its own
 *   fdholder -F -d DIR         also a file on a FUSE file system mounted on
 *                              DIR/fuse, whose daemon then stops answering
 *                              (in a mount namespace of its own)
 *   fdholder -I                all of it in a PID namespace of its own: a
 *                              child, PID 1 inside, holds the descriptors,
 *                              and an "nspid PID" line gives its PID
 *                              outside; the other lines use inner PIDs
 *
 * Output on stdout: "pid N", then one line per descriptor it vouches for,
 * "FD<TAB>TYPE<TAB>MODE<TAB>CLOEXEC<TAB>DELETED<TAB>TARGET-IN-HEX", then
 * "ready".  The target is what readlink(2) of its own /proc/self/fd/N says,
 * with the kernel's " (deleted)" suffix removed.  It then sleeps until it
 * is killed; each SIGUSR1 makes it open one more descriptor (a leak on
 * demand) and SIGUSR2 close the newest of those.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <sched.h>

#include <linux/bpf.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
report(int fd, const char *type, const char *mode, int cloexec, int deleted)
{
	char path[64], link[PATH_MAX + 1];
	static const char suffix[] = " (deleted)";
	ssize_t n;
	size_t slen = sizeof(suffix) - 1;

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
		err(1, "readlink %s", path);
	link[n] = '\0';
	if ((size_t)n > slen && strcmp(link + n - slen, suffix) == 0)
		link[n - slen] = '\0';
	printf("%d\t%s\t%s\t%d\t%d\t", fd, type, mode, cloexec, deleted);
	for (unsigned char *p = (unsigned char *)link; *p != '\0'; p++)
		printf("%02x", *p);
	putchar('\n');
}

static void
strlcpy_local(char *dst, const char *src, size_t size)
{
	snprintf(dst, size, "%s", src);
}

static int
open_in(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags | O_CREAT, 0600);
}

static void
open_sockets(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s, pair[2];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(s, 4) == 0)
		report(s, "socket", "rw", 1, 0);
	report(socket(AF_INET, SOCK_DGRAM, 0), "socket", "rw", 0, 0);
	report(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket",
	    "rw", 1, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
		report(pair[0], "socket", "rw", 0, 0);
		report(pair[1], "socket", "rw", 0, 0);
		/* Their numbers depend on what opened before them. */
		printf("pair\t%d\t%d\n", pair[0], pair[1]);
	}
	/* An abstract UNIX socket: the name starts with a NUL byte. */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "fdholder.%d",
	    (int)getpid());
	if (bind(s, (struct sockaddr *)&sun, offsetof(struct sockaddr_un,
	    sun_path) + 1 + strlen(sun.sun_path + 1)) != 0)
		err(1, "abstract socket");
	report(s, "socket", "rw", 1, 0);
	report(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE),
	    "socket", "rw", 1, 0);
}

static int
bpf_map(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	attr.map_flags = 0;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

/*
 * A watch on a pipe whose descriptor is then closed while a duplicate
 * keeps the pipe open: the watch stays, under a number the process no
 * longer has or that the next open gives to another object.
 */
static void
epoll_stale(int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int p[2], copy;

	if (pipe2(p, O_CLOEXEC) != 0 || (copy = dup(p[0])) < 0)
		err(1, "pipe");
	ev.data.fd = p[0];
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev) != 0)
		err(1, "epoll watch");
	close(p[0]);
	printf("stale\t%d\t%d\n", epfd, p[0]);
	report(p[1], "fifo", "w", 1, 0);
	report(copy, "fifo", "r", 0, 0);
}

static void
open_anon(void)
{
	struct io_uring_params params = { 0 };
	struct perf_event_attr pe = { .type = PERF_TYPE_SOFTWARE,
	    .size = sizeof(pe), .config = PERF_COUNT_SW_DUMMY,
	    .disabled = 1 };
	sigset_t mask;
	int fd;

	report(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd", "rw", 1, 0);
	fd = epoll_create1(0);
	report(fd, "epoll", "rw", 0, 0);
	epoll_stale(fd);
	report(inotify_init1(IN_CLOEXEC), "inotify", "r", 1, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	report(signalfd(-1, &mask, SFD_CLOEXEC), "signalfd", "rw", 1, 0);
	report(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd", "rw",
	    1, 0);
	report(memfd_create("fdholder-memfd", MFD_CLOEXEC), "memfd", "rw", 1,
	    0);
	report((int)syscall(SYS_pidfd_open, getpid(), 0), "pidfd", "rw", 1,
	    0);
	report((int)syscall(SYS_io_uring_setup, 4, &params), "io_uring",
	    "rw", 1, 0);
	report(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), "namespace",
	    "r", 1, 0);
	/* These need privilege or a permissive sysctl: kept when allowed. */
	report(fanotify_init(FAN_CLOEXEC | FAN_CLASS_NOTIF, O_RDONLY),
	    "fanotify", "rw", 1, 0);
	/* The kernel creates a userfaultfd read-only. */
	report((int)syscall(SYS_userfaultfd, O_CLOEXEC), "userfaultfd", "r",
	    1, 0);
	report((int)syscall(SYS_perf_event_open, &pe, 0, -1, -1,
	    PERF_FLAG_FD_CLOEXEC), "perf_event", "rw", 1, 0);
	report(bpf_map(), "bpf", "rw", 1, 0);
}

static void
open_known(const char *dir)
{
	char path[PATH_MAX];
	int fd, pipefd[2];

	report(open_in(dir, "plain.txt", O_RDONLY), "file", "r", 0, 0);
	report(open_in(dir, "append.log", O_WRONLY | O_APPEND | O_CLOEXEC),
	    "file", "w", 1, 0);
	fd = open_in(dir, "deleted.tmp", O_RDWR | O_CLOEXEC);
	if (write(fd, "held after unlink\n", 18) != 18)
		err(1, "write");
	snprintf(path, sizeof(path), "%s/deleted.tmp", dir);
	unlink(path);
	report(fd, "file", "rw", 1, 1);
	report(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "dir", "r", 1,
	    0);
	report(open("/dev/null", O_WRONLY), "chr", "w", 0, 0);
	report(open("/dev/loop0", O_RDONLY | O_CLOEXEC), "blk", "r", 1, 0);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0) {
		report(pipefd[0], "fifo", "r", 1, 0);
		report(pipefd[1], "fifo", "w", 1, 0);
	}
	snprintf(path, sizeof(path), "%s/named.fifo", dir);
	if (mkfifo(path, 0600) == 0)
		report(open(path, O_RDWR | O_CLOEXEC), "fifo", "rw", 1, 0);
	open_sockets();
	open_anon();
}

/* What the helper knows of a socket's ends, for the tests to compare. */
static void
sock_report(int fd, const char *proto, const char *local,
    const char *remote, const char *state)
{
	if (fd < 0)
		return;
	printf("sock\t%d\t%s\t%s\t%s\t%s\n", fd, proto, local, remote, state);
}

static void
inet_text(int fd, bool peer, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[64];

	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
	    getsockname(fd, (struct sockaddr *)&ss, &len)) != 0)
		err(1, "getsockname");
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%d", host, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%d", host, ntohs(a->sin_port));
	}
}

static int
tcp_listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    listen(s, 8) != 0 ||
	    getsockname(s, (struct sockaddr *)sin, &len) != 0)
		err(1, "tcp listener");
	return s;
}

/* A listener, an established pair, and a side left in CLOSE_WAIT. */
static void
open_tcp(void)
{
	char local[80], remote[80];
	struct sockaddr_in sin;
	int l, c, a, gone;

	l = tcp_listener(&sin);
	inet_text(l, false, local, sizeof(local));
	sock_report(l, "tcp", local, "-", "LISTEN");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (a = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
		err(1, "tcp pair");
	inet_text(c, false, local, sizeof(local));
	inet_text(c, true, remote, sizeof(remote));
	sock_report(c, "tcp", local, remote, "ESTABLISHED");
	sock_report(a, "tcp", remote, local, "ESTABLISHED");
	gone = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(gone, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (a = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
		err(1, "tcp pair");
	close(gone);
	usleep(100000);
	inet_text(a, false, local, sizeof(local));
	sock_report(a, "tcp", local, "-", "CLOSE_WAIT");
}

static void
open_socket_families(const char *dir)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char local[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	int s, pair[2];

	open_tcp();
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		err(1, "udp");
	inet_text(s, false, local, sizeof(local));
	sock_report(s, "udp", local, "-", "-");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0) {
		sock_report(pair[0], "unix", "-", "-", "CONNECTED");
		sock_report(pair[1], "unix", "-", "-", "CONNECTED");
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/bound.sock", dir);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(s, 1) != 0)
		err(1, "unix");
	sock_report(s, "unix", sun.sun_path, "-", "LISTEN");
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	/* Abstract names are shared by the namespace: make it unique. */
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "fdholder-%d", (int)getpid());
	if (bind(s, (struct sockaddr *)&sun, offsetof(struct sockaddr_un,
	    sun_path) + 1 + strlen(sun.sun_path + 1)) != 0)
		err(1, "abstract");
	snprintf(local, sizeof(local), "@%s", sun.sun_path + 1);
	sock_report(s, "unix", local, "-", "UNCONNECTED");
	/* Netlink and packet sockets: the protocol is what is checked. */
	sock_report(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE), "netlink", "?", "-", "-");
	sock_report(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC,
	    htons(ETH_P_ALL)), "packet", "?", "-", "-");
}

/*
 * A pipe whose read end a child holds at a known number, and a pipe whose
 * two ends the helper holds while the child holds its write end too.
 */
static void
open_shared_pipe(void)
{
	int p[2], q[2], keep[2];
	pid_t child, parent = getpid();

	if (pipe(p) != 0 || pipe(q) != 0)
		err(1, "pipe");
	if ((child = fork()) == 0) {
		/* It goes with the helper, however the helper is stopped. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(0);
		/* The child holds those two and nothing else of ours. */
		keep[0] = p[0] < q[1] ? p[0] : q[1];
		keep[1] = p[0] < q[1] ? q[1] : p[0];
		if (keep[0] > 3)
			syscall(SYS_close_range, 3, keep[0] - 1, 0);
		if (keep[1] > keep[0] + 1)
			syscall(SYS_close_range, keep[0] + 1, keep[1] - 1, 0);
		syscall(SYS_close_range, keep[1] + 1, ~0U, 0);
		for (;;)
			pause();
	}
	close(p[0]);
	printf("peer\t%d\t%d\t%d\n", p[1], (int)child, p[0]);
	printf("sharer\t%d\t%d\t%d\t%d\n", q[0], q[1], (int)child, q[1]);
}

/* Its own network namespace, with the loopback interface up. */
static void
enter_new_netns(void)
{
	struct ifreq ifr = { 0 };
	int s;

	if (unshare(CLONE_NEWNET) != 0)
		err(1, "unshare");
	strlcpy_local(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		err(1, "lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		err(1, "lo up");
	close(s);
}

/*
 * A PID namespace of its own.  Only children enter it, so the helper
 * forks: the child, PID 1 inside, goes on to hold the descriptors and
 * dies with the parent, which says the child's PID as seen from outside,
 * lets it go on, and waits for it.
 */
static void
enter_new_pidns(void)
{
	int go[2], status;
	pid_t child;
	char c;

	if (unshare(CLONE_NEWPID) != 0 || pipe(go) != 0)
		err(1, "unshare");
	if ((child = fork()) == -1)
		err(1, "fork");
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(go[1]);
		/* The parent's line must come first on the shared stdout. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		close(go[0]);
		return;
	}
	close(go[0]);
	printf("nspid\t%d\n", (int)child);
	fflush(stdout);
	if (write(go[1], "g", 1) != 1)
		err(1, "write");
	close(go[1]);
	while (waitpid(child, &status, 0) == -1)
		;
	_exit(0);
}

static void
fuse_reply(int dev, uint64_t unique, int error, const void *body,
    size_t len)
{
	struct fuse_out_header out = { .len = (uint32_t)(sizeof(out) + len),
	    .error = error, .unique = unique };
	struct iovec iov[2] = { { &out, sizeof(out) },
	    { (void *)(uintptr_t)body, len } };

	if (writev(dev, iov, len > 0 ? 2 : 1) < 0 && errno != ENOENT)
		err(1, "fuse reply");
}

/* Attributes valid for no time at all: every stat asks the daemon. */
static void
fuse_attr_fill(struct fuse_attr *a, uint64_t node)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->mode = node == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = node == FUSE_ROOT_ID ? 2 : 1;
	a->blksize = 4096;
}

/* A FUSE daemon with one empty file, "held", that answers until killed. */
static void __attribute__((noreturn))
fuse_serve(int dev)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];
	const struct fuse_in_header *in = (const void *)buf;
	struct fuse_init_out init = { .major = FUSE_KERNEL_VERSION,
	    .minor = FUSE_KERNEL_MINOR_VERSION, .max_readahead = 65536,
	    .max_background = 16, .congestion_threshold = 12,
	    .max_write = 65536, .time_gran = 1 };
	struct fuse_entry_out entry = { .nodeid = 2, .entry_valid = 3600 };
	struct fuse_attr_out attr = { 0 };
	struct fuse_open_out open_out = { .fh = 1 };
	ssize_t n;

	for (;;) {
		if ((n = read(dev, buf, sizeof(buf))) < (ssize_t)sizeof(*in)) {
			if (n == -1 && errno == EINTR)
				continue;
			_exit(0);
		}
		switch (in->opcode) {
		case FUSE_INIT:
			fuse_reply(dev, in->unique, 0, &init, sizeof(init));
			break;
		case FUSE_LOOKUP:
			if (strcmp(buf + sizeof(*in), "held") != 0) {
				fuse_reply(dev, in->unique, -ENOENT, NULL, 0);
				break;
			}
			fuse_attr_fill(&entry.attr, 2);
			fuse_reply(dev, in->unique, 0, &entry, sizeof(entry));
			break;
		case FUSE_GETATTR:
			fuse_attr_fill(&attr.attr, in->nodeid);
			fuse_reply(dev, in->unique, 0, &attr, sizeof(attr));
			break;
		case FUSE_OPEN:
			fuse_reply(dev, in->unique, 0, &open_out,
			    sizeof(open_out));
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;
		default:
			fuse_reply(dev, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

/*
 * A file on a FUSE file system whose daemon is then killed.  This
 * process keeps the device open, so the file system stays mounted and
 * every request on it waits for an answer that never comes: a stat(2)
 * of the file from outside blocks until it is killed.  The mount lives
 * in a mount namespace of this process, and goes with it.
 */
static void
open_on_stuck_fuse(const char *dir)
{
	char mnt[PATH_MAX - 8], path[PATH_MAX], options[128];
	pid_t server;
	int dev, fd;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		err(1, "mount namespace");
	snprintf(mnt, sizeof(mnt), "%s/fuse", dir);
	if (mkdir(mnt, 0700) != 0)
		err(1, "mkdir %s", mnt);
	if ((dev = open("/dev/fuse", O_RDWR | O_CLOEXEC)) < 0)
		err(1, "/dev/fuse");
	snprintf(options, sizeof(options), "fd=%d,rootmode=40000,user_id=0,"
	    "group_id=0,allow_other", dev);
	if (mount("fdholder", mnt, "fuse", MS_NOSUID | MS_NODEV, options) !=
	    0)
		err(1, "mount fuse");
	if ((server = fork()) == -1)
		err(1, "fork");
	if (server == 0)
		fuse_serve(dev);
	snprintf(path, sizeof(path), "%s/held", mnt);
	/*
	 * A close sends FLUSH, which waits even through SIGKILL: closed
	 * once while the daemon answers (that it has no FLUSH), the file
	 * can later be closed, at exit, without asking.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || close(fd) != 0)
		err(1, "%s", path);
	report(open(path, O_RDONLY | O_CLOEXEC), "file", "r", 1, 0);
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
}

/* Names a hostile process could give its files. */
static void
open_hostile(const char *dir)
{
	static const char *const names[] = {
		"new\nline", "esc\033[2Jclear", "tab\there", "bad\xff\xfe",
		"bidi\xe2\x80\xaetxt", "back\\slash\\x41",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		report(open_in(dir, names[i], O_RDONLY | O_CLOEXEC), "file",
		    "r", 1, 0);
}

/* COUNT descriptors in the mix a busy server holds. */
static void
open_many(const char *dir, long count)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int made = 0, pair[2], s, listener;
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sin,
	    sizeof(sin)) != 0 || listen(listener, 4096) != 0 ||
	    getsockname(listener, (struct sockaddr *)&sin, &len) != 0)
		err(1, "listen");
	made++;
	for (int kind = 0; made < count; kind++) {
		switch (kind % 8) {
		case 0:
		case 1:
			s = open_in(dir, "many.txt", O_RDONLY | O_CLOEXEC);
			break;
		case 2:
			if (made + 2 > count || pipe2(pair, O_CLOEXEC) != 0)
				goto single;
			made += 2;
			continue;
		case 3:
			s = socket(AF_INET, SOCK_STREAM, 0);
			if (s >= 0 && connect(s, (struct sockaddr *)&sin,
			    sizeof(sin)) == 0 && made + 1 < count) {
				made++;
				s = accept(listener, NULL, NULL);
			}
			break;
		case 4:
			if (made + 2 > count ||
			    socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
				goto single;
			made += 2;
			continue;
		case 5:
			s = eventfd(0, EFD_CLOEXEC);
			break;
		case 6:
			s = epoll_create1(EPOLL_CLOEXEC);
			break;
		default:
			s = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
			break;
		}
		if (s < 0)
			err(1, "descriptor %d", made);
		made++;
		continue;
single:
		if (open("/dev/null", O_RDONLY) < 0)
			err(1, "descriptor %d", made);
		made++;
	}
}

static volatile sig_atomic_t leak_signal;

static void
on_signal(int sig)
{
	leak_signal = sig;
}

/* Open or close a descriptor each time the test asks for it. */
static void __attribute__((noreturn))
leak_loop(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int leaked[4096], nleaked = 0;
	sigset_t block, old;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		while (leak_signal == 0)
			sigsuspend(&old);
		if (leak_signal == SIGUSR1 && nleaked < 4096)
			leaked[nleaked++] = open("/dev/null", O_RDONLY |
			    O_CLOEXEC);
		else if (leak_signal == SIGUSR2 && nleaked > 0)
			close(leaked[--nleaked]);
		leak_signal = 0;
		/* Tell the test the change is done. */
		printf("done\n");
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	const char *dir = "/tmp", *name = NULL;
	long count = -1, soft = -1;
	int hostile = 0, sockets = 0, shared = 0, netns = 0, pidns = 0;
	int fuse = 0;
	struct rlimit rl;
	int ch;

	while ((ch = getopt(argc, argv, "d:FIl:n:N:PSUx")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'F':
			fuse = 1;
			break;
		case 'I':
			pidns = 1;
			break;
		case 'l':
			soft = strtol(optarg, NULL, 10);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'N':
			name = optarg;
			break;
		case 'x':
			hostile = 1;
			break;
		case 'P':
			shared = 1;
			break;
		case 'S':
			sockets = 1;
			break;
		case 'U':
			netns = 1;
			break;
		default:
			fprintf(stderr, "usage: fdholder [-d dir] [-l soft] "
			    "[-n count] [-N name] [-FIPSUx]\n");
			return 2;
		}
	}
	/* Start from 0, 1 and 2 only, whatever the caller left open. */
	if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
		err(1, "close_range");
	if (name != NULL)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	if (soft >= 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			err(1, "getrlimit");
		rl.rlim_cur = (rlim_t)soft;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			err(1, "setrlimit");
	}
	if (pidns)
		enter_new_pidns();
	if (netns)
		enter_new_netns();
	printf("pid %d\n", (int)getpid());
	if (count >= 0)
		open_many(dir, count - 3);	/* 0, 1 and 2 are open */
	else
		open_known(dir);
	if (hostile)
		open_hostile(dir);
	if (sockets)
		open_socket_families(dir);
	if (shared)
		open_shared_pipe();
	if (fuse)
		open_on_stuck_fuse(dir);
	printf("ready\n");
	fflush(stdout);
	leak_loop();
}
