/*
 * Unit tests of the /proc text parsers: fdinfo, limits, status, stat and
 * the socket protocol word.  Inputs are real kernel text, then truncated
 * and malformed variants.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "fdinfo.h"
#include "testutil.h"

static int
parse(const char *text, struct fdinfo *info)
{
	return procfs_fdinfo_parse(text, strlen(text), info);
}

START_TEST(fdinfo_regular_file)
{
	struct fdinfo info;

	ck_assert_int_eq(parse("pos:\t4096\nflags:\t02100002\nmnt_id:\t29\n"
	    "ino:\t1234567\n", &info), 0);
	ck_assert(info.have_pos && info.have_flags && info.have_ino);
	ck_assert_int_eq(info.pos, 4096);
	ck_assert_uint_eq(info.flags, 02100002);
	ck_assert(info.flags & O_CLOEXEC);
	ck_assert_uint_eq(info.flags & O_ACCMODE, O_RDWR);
	ck_assert_uint_eq(info.ino, 1234567);
}
END_TEST

START_TEST(fdinfo_extras_ignored)
{
	struct fdinfo info;

	ck_assert_int_eq(parse("pos:\t0\nflags:\t02004002\nmnt_id:\t15\n"
	    "ino:\t1057\neventfd-count:                0\n"
	    "eventfd-id: 3\n", &info), 0);
	ck_assert(info.flags & O_NONBLOCK);
}
END_TEST

START_TEST(fdinfo_no_trailing_newline)
{
	struct fdinfo info;

	ck_assert_int_eq(parse("pos:\t7\nflags:\t0", &info), 0);
	ck_assert_int_eq(info.pos, 7);
	ck_assert_uint_eq(info.flags, 0);
}
END_TEST

START_TEST(fdinfo_malformed)
{
	struct fdinfo info;

	ck_assert_int_ne(parse("", &info), 0);
	ck_assert_int_ne(parse("pos:\t1\n", &info), 0);
	ck_assert_int_ne(parse("flags:\t09\n", &info), 0);	/* not octal */
	ck_assert_int_ne(parse("flags:\t\n", &info), 0);
	ck_assert_int_ne(parse("flags:\t0x12\n", &info), 0);
	ck_assert_int_ne(parse("flags:\t7777777777777777777777777\n",
	    &info), 0);
	ck_assert_int_ne(parse("flags", &info), 0);
	/* A huge position is dropped, not wrapped into a negative. */
	ck_assert_int_eq(parse("pos:\t99999999999999999999\nflags:\t0\n",
	    &info), 0);
	ck_assert(!info.have_pos);
}
END_TEST

START_TEST(fdinfo_truncated_everywhere)
{
	static const char text[] = "pos:\t123\nflags:\t0100002\nmnt_id:\t29\n"
	    "ino:\t42\n";
	struct fdinfo info;

	/* Every prefix parses without reading past its end. */
	for (size_t len = 0; len <= sizeof(text) - 1; len++) {
		char *copy = malloc(len ? len : 1);

		memcpy(copy, text, len);
		(void)procfs_fdinfo_parse(copy, len, &info);
		if (info.have_flags)
			ck_assert(len >= 16);
		free(copy);
	}
}
END_TEST

static const char limits_text[] =
    "Limit                     Soft Limit           Hard Limit           "
    "Units     \n"
    "Max cpu time              unlimited            unlimited            "
    "seconds   \n"
    "Max open files            1024                 524288               "
    "files     \n"
    "Max locked memory         8388608              8388608              "
    "bytes     \n";

START_TEST(limits_real)
{
	struct fd_limits l = { 0 };

	ck_assert_int_eq(procfs_limits_parse(limits_text, strlen(limits_text),
	    &l), 0);
	ck_assert_uint_eq(l.soft, 1024);
	ck_assert_uint_eq(l.hard, 524288);
	ck_assert(!l.soft_unlimited && !l.hard_unlimited);
}
END_TEST

START_TEST(limits_unlimited_and_bad)
{
	static const char unl[] = "Max open files            unlimited    "
	    "        unlimited            files     \n";
	static const char bad[] = "Max open files            12x         "
	    "         20                   files     \n";
	static const char half[] = "Max open files            1024";
	struct fd_limits l = { 0 };

	ck_assert_int_eq(procfs_limits_parse(unl, strlen(unl), &l), 0);
	ck_assert(l.soft_unlimited && l.hard_unlimited);
	ck_assert_int_ne(procfs_limits_parse(bad, strlen(bad), &l), 0);
	ck_assert_int_ne(procfs_limits_parse(half, strlen(half), &l), 0);
	ck_assert_int_ne(procfs_limits_parse("", 0, &l), 0);
	ck_assert_int_ne(procfs_limits_parse(limits_text, 100, &l), 0);
}
END_TEST

START_TEST(status_uid)
{
	static const char text[] = "Name:\tbash\nUmask:\t0022\nState:\tS\n"
	    "Uid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\n";
	long uid = -1;

	/* The effective ID, the second field, is the one reported. */
	ck_assert_int_eq(procfs_status_parse_uid(text, strlen(text), &uid), 0);
	ck_assert_int_eq(uid, 1001);
	ck_assert_int_ne(procfs_status_parse_uid("Uid:\t1000\n", 10, &uid), 0);
	ck_assert_int_ne(procfs_status_parse_uid("Name:\tx\n", 8, &uid), 0);
	ck_assert_int_ne(procfs_status_parse_uid("Uid:\t1\tabc\n", 11, &uid),
	    0);
}
END_TEST

/* The process a thread belongs to, from the "Tgid:" line. */
START_TEST(status_tgid)
{
	static const char text[] = "Name:\tworker\nUmask:\t0022\n"
	    "State:\tS\nTgid:\t4242\nNgid:\t0\nPid:\t4250\nPPid:\t1\n";
	int tgid = -1;

	ck_assert_int_eq(procfs_status_parse_tgid(text, strlen(text), &tgid),
	    0);
	ck_assert_int_eq(tgid, 4242);
	ck_assert_int_ne(procfs_status_parse_tgid("Pid:\t7\n", 7, &tgid), 0);
	ck_assert_int_ne(procfs_status_parse_tgid("Tgid:\t0\n", 8, &tgid), 0);
	ck_assert_int_ne(procfs_status_parse_tgid("Tgid:\tx1\n", 9, &tgid), 0);
	ck_assert_int_ne(procfs_status_parse_tgid("Tgid:\t99999999999\n", 18,
	    &tgid), 0);
}
END_TEST

START_TEST(stat_fields)
{
	/* A command that contains ") " must not shift the fields. */
	static const char text[] = "4242 (evil) 1 2 3) S 1 4242 4242 0 -1 "
	    "4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345678 100\n";
	static const char kthread[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 "
	    "0 0 0 0 0 0 20 0 1 0 5 0 0\n";
	static const char exiting[] = "77 (worker) R 1 77 77 0 -1 4194372 0 "
	    "0 0 0 0 0 0 0 20 0 1 0 42 0 0\n";
	static const char zombie[] = "78 (gone) Z 1 78 78 0 -1 4194304 0 0 0 "
	    "0 0 0 0 0 20 0 1 0 42 0 0\n";
	struct proc_stat ps = { 0 };

	ck_assert_int_eq(procfs_stat_parse(text, strlen(text), &ps), 0);
	ck_assert_uint_eq(ps.start_time, 987654);
	ck_assert_str_eq(ps.command, "evil) 1 2 3");
	ck_assert(!ps.kernel_thread && !ps.exiting);
	ck_assert_int_eq(ps.state, 'S');
	free(ps.command);
	ck_assert_int_eq(procfs_stat_parse(kthread, strlen(kthread), &ps), 0);
	ck_assert(ps.kernel_thread);
	ck_assert_str_eq(ps.command, "kthreadd");
	free(ps.command);
	/* PF_EXITING (0x4) in the flags, or a zombie: the process is gone. */
	ck_assert_int_eq(procfs_stat_parse(exiting, strlen(exiting), &ps), 0);
	ck_assert(ps.exiting);
	free(ps.command);
	ck_assert_int_eq(procfs_stat_parse(zombie, strlen(zombie), &ps), 0);
	ck_assert(ps.exiting);
	free(ps.command);
	ck_assert_int_ne(procfs_stat_parse("4242 (x) S 1 2\n", 15, &ps), 0);
	ck_assert_int_ne(procfs_stat_parse("no parenthesis", 14, &ps), 0);
	ck_assert_int_ne(procfs_stat_parse("1 (x) S 1 1 1 1 1 x 0 0 0 0 0 0 0 "
	    "0 0 0 0 0 5\n", 42, &ps), 0);
}
END_TEST

START_TEST(sockproto_words)
{
	char buf[32];

	ck_assert_str_eq(procfs_sockproto_name("TCP", buf, sizeof(buf)), "tcp");
	ck_assert_str_eq(procfs_sockproto_name("TCPv6", buf, sizeof(buf)),
	    "tcp6");
	ck_assert_str_eq(procfs_sockproto_name("UDP-Lite", buf, sizeof(buf)),
	    "udplite");
	ck_assert_str_eq(procfs_sockproto_name("UNIX-STREAM", buf, sizeof(buf)),
	    "unix");
	ck_assert_str_eq(procfs_sockproto_name("UNIX", buf, sizeof(buf)),
	    "unix");
	ck_assert_str_eq(procfs_sockproto_name("NETLINK", buf, sizeof(buf)),
	    "netlink");
	ck_assert_str_eq(procfs_sockproto_name("RAWv6", buf, sizeof(buf)),
	    "raw6");
	ck_assert_ptr_null(procfs_sockproto_name("", buf, sizeof(buf)));
	ck_assert_str_eq(procfs_sockproto_name("A\033B", buf, sizeof(buf)),
	    "a_b");
	ck_assert_str_eq(procfs_sockproto_name("TCPv6", buf, 3), "tc");
}
END_TEST

static const struct fd_detail *
detail(const struct fd_detail *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].key, key) == 0)
			return &list[i];
	}
	return NULL;
}

static void
details(enum fd_type type, const char *text, struct fd_detail **list,
    size_t *n)
{
	ck_assert_int_eq(procfs_fdinfo_details_parse(type, text, strlen(text),
	    list, n), 0);
}

START_TEST(details_eventfd_epoll_pidfd)
{
	struct fd_detail *l;
	size_t n;

	details(FD_TYPE_EVENTFD, "pos:\t0\nflags:\t02000002\nmnt_id:\t17\n"
	    "ino:\t1038\neventfd-count:               1f\neventfd-id: 1\n"
	    "eventfd-semaphore: 1\n", &l, &n);
	ck_assert_int_eq(detail(l, n, "counter")->number, 31);
	ck_assert(detail(l, n, "semaphore")->boolean);
	fd_details_free(l, n);

	details(FD_TYPE_EPOLL, "pos:\t0\nflags:\t02\ntfd:        3 events:  "
	    "     19 data:                3  pos:0 ino:40e sdev:10\n"
	    "tfd:       12 events:       19 data: 0 pos:0 ino:1 sdev:1\n"
	    "tfd: x\n", &l, &n);
	ck_assert_uint_eq(detail(l, n, "watched")->nnumbers, 2);
	ck_assert_int_eq(detail(l, n, "watched")->numbers[1], 12);
	fd_details_free(l, n);

	/* In the kernel's tree order; reported by number, inodes along. */
	details(FD_TYPE_EPOLL, "tfd:       12 events: 19 data: 0 pos:0 "
	    "ino:c sdev:1\ntfd:        3 events: 19 data: 0 pos:0 ino:3 "
	    "sdev:1\ntfd:        7 events: 19 data: 0 pos:0 ino:7 sdev:1\n",
	    &l, &n);
	ck_assert_uint_eq(detail(l, n, "watched")->nnumbers, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct fd_detail *w = detail(l, n, "watched");

		ck_assert_int_eq(w->numbers[i], i == 0 ? 3 : i == 1 ? 7 : 12);
		ck_assert_uint_eq(w->inodes[i], (uint64_t)w->numbers[i]);
	}
	fd_details_free(l, n);

	details(FD_TYPE_PIDFD, "pos:\t0\nflags:\t02000002\nPid:\t-1\n"
	    "NSpid:\t-1\n", &l, &n);
	ck_assert_int_eq(detail(l, n, "pid")->number, -1);
	ck_assert(!detail(l, n, "alive")->boolean);
	fd_details_free(l, n);
}
END_TEST

START_TEST(details_inotify_timerfd_signalfd)
{
	struct fd_detail *l;
	size_t n;

	details(FD_TYPE_INOTIFY, "pos:\t0\nflags:\t02000000\n"
	    "inotify wd:2 ino:1 sdev:2 mask:fff ignored_mask:0\n"
	    "inotify wd:1 ino:2 sdev:2 mask:fff ignored_mask:0\n", &l, &n);
	ck_assert_int_eq(detail(l, n, "watches")->number, 2);
	fd_details_free(l, n);

	details(FD_TYPE_TIMERFD, "pos:\t0\nflags:\t02\nclockid: 1\n"
	    "ticks: 3\nsettime flags: 00\nit_value: (0, 500000000)\n"
	    "it_interval: (2, 0)\n", &l, &n);
	ck_assert_str_eq(detail(l, n, "clock")->text, "monotonic");
	ck_assert_int_eq(detail(l, n, "ticks")->number, 3);
	ck_assert(detail(l, n, "next_expiry_s")->real == 0.5);
	ck_assert(detail(l, n, "interval_s")->real == 2.0);
	fd_details_free(l, n);

	details(FD_TYPE_SIGNALFD, "pos:\t0\nflags:\t02\n"
	    "sigmask:\t0000000000004a00\n", &l, &n);
	ck_assert_str_eq(detail(l, n, "signals")->text, "USR1,USR2,TERM");
	fd_details_free(l, n);

	/* Malformed extras give no detail, never a crash or garbage. */
	details(FD_TYPE_TIMERFD, "clockid: x\nit_value: (1\nit_interval: "
	    "2, 3)\nticks:\n", &l, &n);
	ck_assert_uint_eq(n, 0);
	fd_details_free(l, n);
	details(FD_TYPE_FILE, "pos:\t0\nflags:\t0\n", &l, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(l);
}
END_TEST

/* Lines of mountinfo: their fields, hidepid and the waiting types. */
START_TEST(mountinfo_lines)
{
	static const char hidden[] = "65 46 0:39 / /proc rw,nosuid shared:12 "
	    "- proc proc rw,hidepid=invisible,gid=27\n";
	static const char fuse[] = "80 27 0:50 / /mnt/a\\040b rw - "
	    "fuse.sshfs host:/ rw,user_id=0\n";
	struct mountinfo_entry m;
	struct proc_hidepid h;

	ck_assert_int_eq(procfs_mountinfo_line_parse(hidden, strlen(hidden),
	    &m), 0);
	ck_assert_uint_eq(m.id, 65);
	ck_assert(m.mount_point_len == 5 &&
	    memcmp(m.mount_point, "/proc", 5) == 0);
	ck_assert(m.fstype_len == 4 && memcmp(m.fstype, "proc", 4) == 0);
	procfs_hidepid_parse(m.super_options, m.super_options_len, &h);
	ck_assert_int_eq(h.mode, 2);
	ck_assert(h.have_gid);
	ck_assert_int_eq(h.gid, 27);
	procfs_hidepid_parse("rw,hidepid=4", 12, &h);
	ck_assert_int_eq(h.mode, 4);
	ck_assert(!h.have_gid);
	procfs_hidepid_parse("rw", 2, &h);
	ck_assert_int_eq(h.mode, 0);
	ck_assert(!procfs_fstype_may_wait(m.fstype, m.fstype_len));

	ck_assert_int_eq(procfs_mountinfo_line_parse(fuse, strlen(fuse), &m),
	    0);
	ck_assert_uint_eq(m.id, 80);
	ck_assert_uint_eq(m.mount_point_len, strlen("/mnt/a\\040b"));
	ck_assert(procfs_fstype_may_wait(m.fstype, m.fstype_len));
	ck_assert(procfs_fstype_may_wait("nfs4", 4));
	ck_assert(!procfs_fstype_may_wait("ext4", 4));
	ck_assert(!procfs_fstype_may_wait("fuse.", 5));
	/* Every cut of a line is taken or refused, never read past. */
	for (size_t n = 0; n < sizeof(hidden) - 1; n++)
		(void)procfs_mountinfo_line_parse(hidden, n, &m);
	ck_assert_int_eq(procfs_mountinfo_line_parse("garbage", 7, &m),
	    -EINVAL);
	ck_assert_int_eq(procfs_mountinfo_line_parse("1 2 3 4 5 6 -", 13, &m),
	    -EINVAL);
}
END_TEST

/* Parse a cgroup file; the unit and container as "" when there is none. */
static void
cgroup_check(const char *text, const char *path, const char *unit,
    const char *container)
{
	struct proc_cgroup cg;

	ck_assert_int_eq(procfs_cgroup_parse(text, strlen(text), &cg), 0);
	ck_assert_str_eq(cg.path, path);
	ck_assert_str_eq(cg.unit ? cg.unit : "", unit);
	ck_assert_str_eq(cg.container ? cg.container : "", container);
	free(cg.path);
	free(cg.unit);
	free(cg.container);
}

#define ID64 "0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"

START_TEST(cgroup_units_and_containers)
{
	struct proc_cgroup cg;

	/* cgroup v2, a system service and a user's application scope. */
	cgroup_check("0::/system.slice/nginx.service\n",
	    "/system.slice/nginx.service", "nginx.service", "");
	cgroup_check("0::/user.slice/user-1000.slice/user@1000.service/"
	    "app.slice/app-term-42.scope\n", "/user.slice/user-1000.slice/"
	    "user@1000.service/app.slice/app-term-42.scope",
	    "app-term-42.scope", "");
	/* A service's own subgroups still belong to the service. */
	cgroup_check("0::/system.slice/docker.service/sub\n",
	    "/system.slice/docker.service/sub", "docker.service", "");
	/* cgroup v1 and hybrid: systemd's own hierarchy names the unit. */
	cgroup_check("12:pids:/system.slice/cron.service\n"
	    "1:name=systemd:/system.slice/cron.service\n0::/\n",
	    "/system.slice/cron.service", "cron.service", "");
	cgroup_check("4:memory:/x\n1:name=systemd:/\n0::/\n", "/", "", "");
	/* Runtimes: systemd driver, cgroupfs, Kubernetes, podman. */
	cgroup_check("0::/system.slice/docker-" ID64 ".scope\n",
	    "/system.slice/docker-" ID64 ".scope", "docker-" ID64 ".scope",
	    ID64);
	cgroup_check("0::/docker/" ID64 "\n", "/docker/" ID64, "", ID64);
	cgroup_check("0::/kubepods.slice/kubepods-pod1.slice/"
	    "cri-containerd-" ID64 ".scope\n", "/kubepods.slice/kubepods-"
	    "pod1.slice/cri-containerd-" ID64 ".scope", "cri-containerd-"
	    ID64 ".scope", ID64);
	cgroup_check("0::/machine.slice/libpod-" ID64 ".scope/container\n",
	    "/machine.slice/libpod-" ID64 ".scope/container", "libpod-" ID64
	    ".scope", ID64);
	/* v1 with the ID only in a controller's hierarchy. */
	cgroup_check("5:cpu:/docker/" ID64 "\n1:name=systemd:/init.scope\n",
	    "/init.scope", "init.scope", ID64);
	/* 64 digits inside a longer word, or 63, are no ID. */
	cgroup_check("0::/x/a" ID64 "\n", "/x/a" ID64, "", "");
	cgroup_check("0::/x/" ID64 "0\n", "/x/" ID64 "0", "", "");
	/* A bare ".service" is no unit; a name with odd bytes is kept raw. */
	cgroup_check("0::/a/.service\n", "/a/.service", "", "");
	cgroup_check("0::/evil\x1b[31m\".service\n", "/evil\x1b[31m\".service",
	    "evil\x1b[31m\".service", "");
	/* Nothing that looks like a cgroup line. */
	ck_assert_int_eq(procfs_cgroup_parse("", 0, &cg), -EINVAL);
	ck_assert_int_eq(procfs_cgroup_parse("garbage\n", 8, &cg), -EINVAL);
	/* No NUL at the end: the length is obeyed. */
	cgroup_check("0::/a.service/more", "/a.service/more", "a.service", "");
	ck_assert_int_eq(procfs_cgroup_parse("0::/a.service", 5, &cg), 0);
	ck_assert_str_eq(cg.path, "/a");
	ck_assert_ptr_null(cg.unit);
	free(cg.path);
}
END_TEST

START_TEST(status_nspid)
{
	int pid = 0;

	ck_assert_int_eq(procfs_status_parse_nspid(
	    "Name:\tx\nNSpid:\t4711\t12\t1\n", 27, &pid), 0);
	ck_assert_int_eq(pid, 1);
	ck_assert_int_eq(procfs_status_parse_nspid("NSpid:\t4711\n", 12, &pid),
	    0);
	ck_assert_int_eq(pid, 4711);
	ck_assert_int_eq(procfs_status_parse_nspid("NSpid:\t4711 \t 33 \n", 18,
	    &pid), 0);
	ck_assert_int_eq(pid, 33);
	ck_assert_int_eq(procfs_status_parse_nspid("Pid:\t4711\n", 10, &pid),
	    -EINVAL);
	ck_assert_int_eq(procfs_status_parse_nspid("NSpid:\t4711\tx\n", 14,
	    &pid), -EINVAL);
	ck_assert_int_eq(procfs_status_parse_nspid("NSpid:\t0\n", 9, &pid),
	    -EINVAL);
	ck_assert_int_eq(procfs_status_parse_nspid("NSpid:\n", 7, &pid),
	    -EINVAL);
}
END_TEST

/*
 * The line walk and the number parser that every reader of /proc
 * shares, the /proc/net tables' hex columns among them.
 */
START_TEST(lines_and_numbers)
{
	static const char text[] = "one\n\nthree";
	struct procfs_cursor c = { text, text + strlen(text) };
	const char *line;
	size_t len;
	uint64_t n = 0;

	ck_assert(procfs_line_next(&c, &line, &len));
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(line, "one", 3) == 0);
	ck_assert(procfs_line_next(&c, &line, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert(procfs_line_next(&c, &line, &len));
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(line, "three", 5) == 0);
	ck_assert(!procfs_line_next(&c, &line, &len));

	ck_assert_uint_eq(procfs_number_parse("4711 \t", 6, 10, &n), 4);
	ck_assert_uint_eq(n, 4711);
	ck_assert_uint_eq(procfs_number_parse("0100007F", 8, 16, &n), 8);
	ck_assert_uint_eq(n, 0x0100007f);
	ck_assert_uint_eq(procfs_number_parse("ffffFFFFffffFFFF", 16, 16, &n),
	    16);
	ck_assert_uint_eq(n, UINT64_MAX);
	ck_assert_uint_eq(procfs_number_parse("02000002", 8, 8, &n), 8);
	ck_assert_uint_eq(n, 02000002);
	ck_assert_uint_eq(procfs_number_parse("18446744073709551616", 20, 10,
	    &n), 0);
	ck_assert_uint_eq(procfs_number_parse("1a", 2, 10, &n), 0);
	ck_assert_uint_eq(procfs_number_parse("8", 1, 8, &n), 0);
	ck_assert_uint_eq(procfs_number_parse("1 2", 3, 10, &n), 0);
	ck_assert_uint_eq(procfs_number_parse(" 1", 2, 10, &n), 0);
	ck_assert_uint_eq(procfs_number_parse("", 0, 10, &n), 0);
}
END_TEST

/* The levels of NSpid: one is the namespace of /proc itself. */
static void
nspid_levels_check(const char *text, int want_levels, int want_inner)
{
	int levels = -1, inner = -1;

	ck_assert_int_eq(procfs_status_parse_nspid_levels(text, strlen(text),
	    &levels, &inner), 0);
	ck_assert_int_eq(levels, want_levels);
	ck_assert_int_eq(inner, want_inner);
}

START_TEST(status_nspid_levels)
{
	int levels = -1, inner = -1;

	nspid_levels_check("Name:\tx\nPid:\t4711\nNSpid:\t4711\n", 1, 4711);
	nspid_levels_check("NSpid:\t4711\t12\t1\nNSpgid:\t4711\t12\t1\n", 3,
	    1);
	nspid_levels_check("NSpid:\t4711 \t 33 \n", 2, 33);
	/* The last line of a status may end without a newline. */
	nspid_levels_check("Tgid:\t9\nNSpid:\t9\t2", 2, 2);
	/* A word that is not a PID leaves both untouched. */
	ck_assert_int_eq(procfs_status_parse_nspid_levels("NSpid:\t4711\tx\t1\n",
	    17, &levels, &inner), -EINVAL);
	ck_assert_int_eq(procfs_status_parse_nspid_levels("NSpid:\t0\t1\n", 11,
	    &levels, &inner), -EINVAL);
	ck_assert_int_eq(procfs_status_parse_nspid_levels("NSpid:\t \n", 9,
	    &levels, &inner), -EINVAL);
	/* Before Linux 4.1 there is no NSpid line at all. */
	ck_assert_int_eq(procfs_status_parse_nspid_levels("Pid:\t4711\n", 10,
	    &levels, &inner), -EINVAL);
	ck_assert_int_eq(levels, -1);
	ck_assert_int_eq(inner, -1);
	/* The length is obeyed: a cut line has fewer levels. */
	ck_assert_int_eq(procfs_status_parse_nspid_levels("NSpid:\t4711\t12",
	    11, &levels, &inner), 0);
	ck_assert_int_eq(levels, 1);
	ck_assert_int_eq(inner, 4711);
}
END_TEST


int
main(void)
{
	Suite *s = suite_create("fdinfo");
	TCase *tc = tcase_create("parsers");
	tcase_leak_check(tc);

	tcase_add_test(tc, fdinfo_regular_file);
	tcase_add_test(tc, status_tgid);
	tcase_add_test(tc, fdinfo_extras_ignored);
	tcase_add_test(tc, fdinfo_no_trailing_newline);
	tcase_add_test(tc, fdinfo_malformed);
	tcase_add_test(tc, fdinfo_truncated_everywhere);
	tcase_add_test(tc, limits_real);
	tcase_add_test(tc, limits_unlimited_and_bad);
	tcase_add_test(tc, status_uid);
	tcase_add_test(tc, stat_fields);
	tcase_add_test(tc, sockproto_words);
	tcase_add_test(tc, details_eventfd_epoll_pidfd);
	tcase_add_test(tc, details_inotify_timerfd_signalfd);
	tcase_add_test(tc, mountinfo_lines);
	tcase_add_test(tc, cgroup_units_and_containers);
	tcase_add_test(tc, status_nspid);
	tcase_add_test(tc, lines_and_numbers);
	tcase_add_test(tc, status_nspid_levels);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
