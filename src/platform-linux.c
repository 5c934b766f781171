/*
 * The Linux backend: everything comes from /proc.  Descriptors of the
 * audited process are never opened: the type comes from readlink(2) of
 * /proc/PID/fd/N and stat(2) through it (which reaches the inode without
 * opening the object), flags and position from /proc/PID/fdinfo/N.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "fdinfo.h"
#include "holders.h"
#include "peers-linux.h"
#include "platform.h"
#include "socktable-linux.h"

/* Below this many descriptors a second thread costs more than it saves. */
#define PARALLEL_MIN_FDS 512

/*
 * Readers take descriptor numbers from the listing in chunks of this
 * many: enough that its lock is rarely contended, few enough that the
 * two threads finish close together.
 */
#define TABLE_CHUNK 128

/* Below this many processes a second reader costs more than it saves. */
#define PARALLEL_MIN_PROCESSES 64
/* Processes a reader takes at a time. */
#define PROCESS_CHUNK 16

/* Read at most this much of a /proc text file. */
#define PROC_FILE_MAX 8192

/* How long a stat(2) that may wait on a server or a daemon is given. */
#define STAT_DEADLINE_MS 250

/*
 * The listing of /proc/PID/fd, shared by the readers of one table.  It is
 * read a few entries at a time rather than through readdir(3), whose
 * 32 KiB buffer takes the kernel a millisecond to fill: long enough, with
 * the lock held, for the other reader to run dry and wait.
 */
struct table_walk {
	pthread_mutex_t	 lock;
	int		 dir;
	bool		 done;
	int		 error;
	size_t		 pos;
	size_t		 len;
	char		 buf[4096];
};

/*
 * One reader of a descriptor table: it takes numbers from the walk and
 * describes them into an array of its own, so that the readers write to
 * nothing they share but the listing.
 */
struct table_reader {
	struct table_walk *walk;
	int		 pid;
	int		 fd_dir;
	int		 info_dir;
	int		 numbers[PARALLEL_MIN_FDS];
	size_t		 nnumbers;
	struct fd_entry	*fds;
	size_t		 nfds;
	size_t		 cap;
	int		 error;
	uint64_t	 local_mount;	/* the last mount found local */
	bool		 have_local_mount;
};

/* A small cache of user names: most processes belong to a few users. */
struct user_cache_entry {
	long	 uid;
	char	*name;
};
static struct user_cache_entry user_cache[64];
static size_t user_cache_used;

/*
 * Socket tables, one per network namespace met in this run, each loaded
 * one family at a time and only for the families some audited socket
 * uses.  A netlink dump sees only fdaudit's own namespace; another one
 * is read from /proc/PID/net of a process inside it.
 */
struct netns_tables {
	uint64_t		 ino;
	bool			 own;
	struct sock_table	*table;
	size_t			 nloaded;	/* of family_order */
	unsigned		 loaded;	/* bit per sock_family */
};
static struct netns_tables *netns_cache;
static size_t nnetns;

/*
 * The mounts met in this run, by mount ID (unique across mount
 * namespaces), each with whether stat(2) of a file on it may wait for a
 * FUSE daemon or a file server, and whether one already timed out.
 * Shared by every reader thread, under its lock.
 */
enum mount_kind {
	MOUNT_LOCAL,
	MOUNT_MAY_WAIT,
	MOUNT_STUCK
};
struct mount_seen {
	uint64_t	 id;
	enum mount_kind	 kind;
};
static pthread_mutex_t mount_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mount_seen *mounts;
static size_t nmounts, mounts_cap;

/*
 * The link of our own PID namespace: a process whose link is the same
 * has the PID we see, and its status file need not be read for NSpid.
 */
static char self_pidns[64];

/*
 * The levels of our own NSpid, 0 when unknown.  With one, we are in the
 * PID namespace of /proc, and a process whose NSpid has more is in
 * another: its status alone tells, without the link of its namespace.
 */
static int self_nspid_levels;

static ssize_t proc_file_read_at(int, const char *, char *, size_t);

int
platform_init(void)
{
	char buf[PROC_FILE_MAX];
	ssize_t n = readlink("/proc/self/ns/pid", self_pidns,
	    sizeof(self_pidns) - 1);
	int inner;

	self_pidns[n > 0 ? n : 0] = '\0';
	if ((n = proc_file_read_at(AT_FDCWD, "/proc/self/status", buf,
	    sizeof(buf))) < 0 || procfs_status_parse_nspid_levels(buf,
	    (size_t)n, &self_nspid_levels, &inner) != 0)
		self_nspid_levels = 0;
	return 0;
}

void
platform_fini(void)
{
	for (size_t i = 0; i < user_cache_used; i++)
		free(user_cache[i].name);
	user_cache_used = 0;
	for (size_t i = 0; i < nnetns; i++)
		socktable_free(netns_cache[i].table);
	free(netns_cache);
	netns_cache = NULL;
	nnetns = 0;
	free(mounts);
	mounts = NULL;
	nmounts = mounts_cap = 0;
}

/*
 * Another user's descriptor table needs both CAP_SYS_PTRACE (the ptrace
 * access check of /proc/PID/fd) and CAP_DAC_READ_SEARCH (the directory
 * is mode 0500 of its owner): with either alone, nearly every table is
 * still refused.
 */
const char *
platform_privilege_hint(void)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	bool ptrace, search;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &header, data) != 0)
		return "as root";
	ptrace = data[0].effective & (1u << CAP_SYS_PTRACE);
	search = data[0].effective & (1u << CAP_DAC_READ_SEARCH);
	if (ptrace && search)
		return NULL;
	if (ptrace)
		return "with CAP_DAC_READ_SEARCH as well as CAP_SYS_PTRACE";
	if (search)
		return "with CAP_SYS_PTRACE as well as CAP_DAC_READ_SEARCH";
	if (geteuid() != 0)
		return "as root (CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)";
	return "with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH";
}

const char *
platform_strerror(int error)
{
	switch (-error) {
	case ESRCH:
		return "no such process";
	case EACCES:
	case EPERM:
		return "permission denied";
	case PLATFORM_EHIDDEN:
		return "not visible: /proc is mounted with hidepid";
	case PLATFORM_ENOTREG:
		return "not a regular file";
	case PLATFORM_EZOMBIE:
		return "exited, not yet reaped (zombie)";
	case ETIMEDOUT:
		return "timed out";
	default:
		return strerror(-error);
	}
}

/*
 * Read a small file relative to dir into buf; returns length or -errno.
 * With `whole', the file is one the kernel writes in one piece
 * (single_open(9) seq files: stat, status, limits, cgroup and fdinfo of
 * a process): its first read returns all of it that fits, so a read
 * shorter than the room given is its end, and the read that would only
 * return 0 is not made.  Files of many records (/proc/net/..., mountinfo)
 * are written a buffer of records at a time and a short read ends only
 * that buffer; they, and any other file, are read until read returns 0.
 */
static ssize_t
read_file_at(int dir, const char *name, char *buf, size_t size, bool whole)
{
	ssize_t n, total = 0;
	size_t room;
	int fd;

	if ((fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -errno;
	while ((room = size - 1 - (size_t)total) > 0) {
		n = read(fd, buf + total, room);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
		if (whole && (size_t)n < room)
			break;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/* A file of a process that the kernel writes in one piece. */
static ssize_t
proc_file_read_at(int proc_dir, const char *name, char *buf, size_t size)
{
	return read_file_at(proc_dir, name, buf, size, true);
}

static bool
parse_pid(const char *name, int *pid)
{
	long v = 0;

	if (*name < '0' || *name > '9')
		return false;
	for (; *name != '\0'; name++) {
		if (*name < '0' || *name > '9' || v > INT_MAX / 10)
			return false;
		v = v * 10 + (*name - '0');
	}
	*pid = (int)v;
	return true;
}

int
platform_process_list(int **pids, size_t *npids)
{
	DIR *dir;
	struct dirent *de;
	int *list = NULL, *grown, pid;
	size_t n = 0, cap = 0;

	if ((dir = opendir("/proc")) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		if (!parse_pid(de->d_name, &pid))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = reallocarray(list, cap, sizeof(*list));
			if (grown == NULL) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = grown;
		}
		list[n++] = pid;
	}
	closedir(dir);
	*pids = list;
	*npids = n;
	return 0;
}

static const char *
user_name(long uid)
{
	struct passwd pw, *result = NULL;
	char buf[1024], num[32];
	const char *name;

	for (size_t i = 0; i < user_cache_used; i++) {
		if (user_cache[i].uid == uid)
			return user_cache[i].name;
	}
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &result) == 0 &&
	    result != NULL)
		name = result->pw_name;
	else {
		snprintf(num, sizeof(num), "%ld", uid);
		name = num;
	}
	if (user_cache_used == sizeof(user_cache) / sizeof(user_cache[0])) {
		free(user_cache[0].name);
		memmove(user_cache, user_cache + 1,
		    sizeof(user_cache) - sizeof(user_cache[0]));
		user_cache_used--;
	}
	user_cache[user_cache_used].uid = uid;
	if ((user_cache[user_cache_used].name = strdup(name)) == NULL)
		return NULL;
	return user_cache[user_cache_used++].name;
}

/*
 * One process being read: its /proc directory, the parts asked for, and
 * the NSpid of its status when a part read the status anyway, so that
 * the owner does not read it again.
 */
struct process_reading {
	int		 dir;
	unsigned	 what;
	int		 nspid_levels;	/* 0 when the status was not read */
	int		 nspid;		/* the last of them */
};

static int
identity_read(struct process_reading *r, struct process *proc)
{
	char buf[PROC_FILE_MAX];
	struct proc_stat ps = { 0 };
	struct stat st;
	ssize_t n;
	int error;

	if ((n = proc_file_read_at(r->dir, "stat", buf, sizeof(buf))) < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if ((error = procfs_stat_parse(buf, (size_t)n, &ps)) != 0)
		return error;
	proc->command = ps.command;
	proc->start_time = ps.start_time;
	proc->kernel_thread = ps.kernel_thread;
	/* A zombie has exited; only its parent has not reaped it yet. */
	if (ps.state == 'Z')
		return -PLATFORM_EZOMBIE;
	if (ps.exiting)
		return -ESRCH;
	/* Its flags in stat tell a kernel thread: nothing more is needed. */
	if (ps.kernel_thread && (r->what & PROCESS_SKIP_KERNEL))
		return 0;
	/*
	 * /proc/PID belongs to the effective user of the process, except
	 * that a process that is not dumpable shows as root: only then is
	 * the status file worth reading.
	 */
	if (fstat(r->dir, &st) == -1)
		return -errno;
	proc->uid = (long)st.st_uid;
	if (st.st_uid == 0) {
		if ((n = proc_file_read_at(r->dir, "status", buf,
		    sizeof(buf))) < 0)
			return n == -ENOENT ? -ESRCH : (int)n;
		if (procfs_status_parse_uid(buf, (size_t)n, &proc->uid) != 0)
			return -EINVAL;
		if ((r->what & PROCESS_SERVICE) &&
		    procfs_status_parse_nspid_levels(buf, (size_t)n,
		    &r->nspid_levels, &r->nspid) != 0)
			r->nspid_levels = 0;
	}
	return 0;
}

/* Whether the process is in our PID namespace, as far as can be told. */
static bool
pidns_ours(int proc_dir)
{
	char link[64];
	ssize_t n;

	if (self_pidns[0] == '\0' || (n = readlinkat(proc_dir, "ns/pid", link,
	    sizeof(link) - 1)) <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, self_pidns) == 0;
}

/*
 * The PID of the process in its own PID namespace, when that is not
 * ours.  A process with one level of NSpid is in the namespace of /proc,
 * where its PID is the one we see; when we are in that namespace too, one
 * with more levels is in another.  Only when its levels do not tell, or
 * its status was not read, is the link of its namespace compared.
 */
static int
nspid_read(struct process_reading *r, struct process *proc)
{
	char buf[PROC_FILE_MAX];
	ssize_t n;

	if (r->nspid_levels == 1)
		return 0;
	if ((r->nspid_levels == 0 || self_nspid_levels != 1) &&
	    pidns_ours(r->dir))
		return 0;
	if (r->nspid_levels == 0) {
		if ((n = proc_file_read_at(r->dir, "status", buf,
		    sizeof(buf))) < 0)
			return (int)n;
		if (procfs_status_parse_nspid_levels(buf, (size_t)n,
		    &r->nspid_levels, &r->nspid) != 0)
			return 0;
	}
	if (r->nspid != proc->pid)
		proc->nspid = r->nspid;
	return 0;
}

/*
 * Who owns the process: its cgroup, the systemd unit and the container
 * the cgroup path names, and its PID inside a PID namespace of its own.
 */
static int
service_read(struct process_reading *r, struct process *proc)
{
	char buf[PROC_FILE_MAX];
	struct proc_cgroup cg;
	ssize_t n;
	int error;

	if ((n = proc_file_read_at(r->dir, "cgroup", buf, sizeof(buf))) < 0)
		return (int)n;
	if ((error = procfs_cgroup_parse(buf, (size_t)n, &cg)) != 0)
		return error;
	proc->cgroup = cg.path;
	proc->unit = cg.unit;
	proc->container = cg.container;
	return nspid_read(r, proc);
}

/*
 * prlimit(2) needs the target's credentials or CAP_SYS_RESOURCE;
 * /proc/PID/limits is readable by everyone, so it is the fallback.
 */
static int
limits_read(int proc_dir, struct process *proc)
{
	struct rlimit rl;
	char buf[PROC_FILE_MAX];
	ssize_t n;

	if (prlimit(proc->pid, RLIMIT_NOFILE, NULL, &rl) == 0) {
		proc->limits.soft_unlimited = rl.rlim_cur == RLIM_INFINITY;
		proc->limits.hard_unlimited = rl.rlim_max == RLIM_INFINITY;
		proc->limits.soft = proc->limits.soft_unlimited ? 0 :
		    rl.rlim_cur;
		proc->limits.hard = proc->limits.hard_unlimited ? 0 :
		    rl.rlim_max;
		return 0;
	}
	if (errno == ESRCH)
		return -ESRCH;
	if ((n = proc_file_read_at(proc_dir, "limits", buf, sizeof(buf))) < 0)
		return (int)n;
	return procfs_limits_parse(buf, (size_t)n, &proc->limits);
}

/* The number inside "pipe:[123]" or "net:[4026531840]". */
static bool
link_inode(const char *link, uint64_t *ino)
{
	const char *p = strchr(link, '[');
	uint64_t v = 0;

	if (p == NULL || p[1] < '0' || p[1] > '9')
		return false;
	for (p++; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (*p != ']')
		return false;
	*ino = v;
	return true;
}

static void
fdinfo_flags_apply(const struct fdinfo *info, struct fd_entry *fd)
{
	if (info->have_flags) {
		fd->have_flags = true;
		fd->cloexec = (info->flags & O_CLOEXEC) != 0;
		fd->nonblock = (info->flags & O_NONBLOCK) != 0;
		fd->append = (info->flags & O_APPEND) != 0;
		if (info->flags & O_PATH)
			fd->mode = FD_MODE_NONE;
		else if ((info->flags & O_ACCMODE) == O_RDONLY)
			fd->mode = FD_MODE_READ;
		else if ((info->flags & O_ACCMODE) == O_WRONLY)
			fd->mode = FD_MODE_WRITE;
		else
			fd->mode = FD_MODE_READ_WRITE;
	}
	if (info->have_pos)
		fd->pos = info->pos;
	if (info->have_ino && !fd->have_ino) {
		fd->ino = info->ino;
		fd->have_ino = true;
	}
}

/*
 * The protocol of a socket that no socket table lists (an unbound UDP
 * socket, say), from the kernel's name for it.
 */
static int
socket_proto_read(int pid, int number, struct fd_entry *fd)
{
	char path[64], value[64], word[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, number);
	n = getxattr(path, "system.sockprotoname", value, sizeof(value) - 1);
	if (n <= 0)
		return n == 0 ? -ENODATA : -errno;
	value[n] = '\0';
	if (procfs_sockproto_name(value, word, sizeof(word)) == NULL)
		return -EINVAL;
	if ((fd->proto = strdup(word)) == NULL)
		return -ENOMEM;
	return 0;
}

/* An fdinfo text larger than this (a million epoll watches) is cut. */
#define FDINFO_MAX (1u << 20)

/*
 * Read /proc/PID/fdinfo/N; returns its length or -errno.  Nearly every
 * text fits in `buf'; an epoll or inotify descriptor with many watches
 * continues into *big, which the caller frees.  A text cut at the bound
 * ends at its last whole line, so no half line is parsed.  The kernel
 * writes the text in one piece, as it does status (read_file_at): a read
 * shorter than the room given is its end.
 */
static ssize_t
fdinfo_read_at(int info_dir, const char *name, char *buf, size_t size,
    char **big)
{
	size_t len = 0, cap = size, room;
	char *text = buf, *grown;
	ssize_t n = 0;
	int fd, error = 0;

	*big = NULL;
	if ((fd = openat(info_dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) ==
	    -1)
		return -errno;
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= FDINFO_MAX)
				break;
			if ((grown = realloc(*big, cap * 2)) == NULL) {
				close(fd);
				free(*big);
				*big = NULL;
				return -ENOMEM;
			}
			if (*big == NULL)
				memcpy(grown, buf, len);
			*big = text = grown;
			cap *= 2;
		}
		room = cap - 1 - len;
		n = read(fd, text + len, room);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if ((size_t)n < room)
			break;
	}
	if (n == -1)
		error = errno;
	close(fd);
	if (error != 0 && len == 0)
		return -error;
	while (len > 0 && text[len - 1] != '\n' && len + 1 == cap)
		len--;
	text[len] = '\0';
	return (ssize_t)len;
}

/* The mount of this ID, or NULL; called with mount_lock held. */
static struct mount_seen *
mount_find(uint64_t id)
{
	for (size_t i = 0; i < nmounts; i++) {
		if (mounts[i].id == id)
			return &mounts[i];
	}
	return NULL;
}

/* Remember a mount; called with mount_lock held. */
static struct mount_seen *
mount_add(uint64_t id, enum mount_kind kind)
{
	struct mount_seen *grown;

	if (nmounts == mounts_cap) {
		grown = reallocarray(mounts, mounts_cap ? mounts_cap * 2 : 64,
		    sizeof(*grown));
		if (grown == NULL)
			return NULL;
		mounts = grown;
		mounts_cap = mounts_cap ? mounts_cap * 2 : 64;
	}
	mounts[nmounts] = (struct mount_seen){ id, kind };
	return &mounts[nmounts++];
}

/* Learn every mount of the namespace of `pid'; with mount_lock held. */
static void
mounts_load(int pid)
{
	struct mountinfo_entry m;
	char path[64], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (procfs_mountinfo_line_parse(line, (size_t)n, &m) == 0 &&
		    mount_find(m.id) == NULL && mount_add(m.id,
		    procfs_fstype_may_wait(m.fstype, m.fstype_len) ?
		    MOUNT_MAY_WAIT : MOUNT_LOCAL) == NULL)
			break;
	}
	free(line);
	fclose(f);
}

/*
 * What stat(2) of a file on mount `id' of process `pid' may do.  A mount
 * that cannot be found is taken as one that may wait, once: it is then
 * remembered as such.
 */
static enum mount_kind
mount_kind_of(int pid, uint64_t id)
{
	struct mount_seen *m;
	enum mount_kind kind;

	pthread_mutex_lock(&mount_lock);
	if ((m = mount_find(id)) == NULL) {
		mounts_load(pid);
		if ((m = mount_find(id)) == NULL)
			m = mount_add(id, MOUNT_MAY_WAIT);
	}
	kind = m != NULL ? m->kind : MOUNT_MAY_WAIT;
	pthread_mutex_unlock(&mount_lock);
	return kind;
}

static void
mount_mark_stuck(uint64_t id)
{
	struct mount_seen *m;

	pthread_mutex_lock(&mount_lock);
	if ((m = mount_find(id)) != NULL || (m = mount_add(id,
	    MOUNT_STUCK)) != NULL)
		m->kind = MOUNT_STUCK;
	pthread_mutex_unlock(&mount_lock);
}

/*
 * One stat(2) handed to a thread of its own.  The caller and the thread
 * each hold a reference, so a caller that gave up leaves the job to the
 * thread, which frees it when the call finally returns.
 */
struct stat_job {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 refs;
	bool		 done;
	int		 error;
	struct stat	 st;
	char		 path[64];
};

static void
stat_job_put(struct stat_job *job)
{
	bool last;

	pthread_mutex_lock(&job->lock);
	last = --job->refs == 0;
	pthread_mutex_unlock(&job->lock);
	if (last) {
		pthread_mutex_destroy(&job->lock);
		pthread_cond_destroy(&job->cond);
		free(job);
	}
}

static void *
stat_job_run(void *arg)
{
	struct stat_job *job = arg;
	struct stat st;
	int error;

	error = stat(job->path, &st) == 0 ? 0 : -errno;
	pthread_mutex_lock(&job->lock);
	job->st = st;
	job->error = error;
	job->done = true;
	pthread_cond_signal(&job->cond);
	pthread_mutex_unlock(&job->lock);
	stat_job_put(job);
	return NULL;
}

static struct stat_job *
stat_job_new(int pid, int number)
{
	struct stat_job *job;
	pthread_condattr_t attr;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job->cond, &attr);
	pthread_condattr_destroy(&attr);
	job->refs = 2;
	/* A path, not a directory descriptor the caller may close. */
	snprintf(job->path, sizeof(job->path), "/proc/%d/fd/%d", pid, number);
	return job;
}

/*
 * stat(2) through /proc/PID/fd/N, given STAT_DEADLINE_MS: a FUSE daemon
 * or a file server that does not answer would otherwise hold the whole
 * audit, in a wait that only a fatal signal ends.  -ETIMEDOUT when the
 * deadline passed; the call is left to finish, or to end with fdaudit.
 */
static int
stat_with_deadline(int pid, int number, struct stat *st)
{
	struct stat_job *job;
	struct timespec deadline;
	pthread_attr_t attr;
	pthread_t thread;
	int error = 0, started;

	if ((job = stat_job_new(pid, number)) == NULL)
		return -ENOMEM;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	started = pthread_create(&thread, &attr, stat_job_run, job);
	pthread_attr_destroy(&attr);
	if (started != 0) {
		job->refs = 1;
		stat_job_put(job);
		return -started;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += STAT_DEADLINE_MS * 1000000L;
	deadline.tv_sec += deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&job->lock);
	while (!job->done && error != ETIMEDOUT)
		error = pthread_cond_timedwait(&job->cond, &job->lock,
		    &deadline);
	if (job->done)
		*st = job->st;
	error = job->done ? job->error : -ETIMEDOUT;
	pthread_mutex_unlock(&job->lock);
	stat_job_put(job);
	return error;
}

/*
 * stat(2) of a descriptor that names a path.  Files on local file
 * systems are asked directly; those on a FUSE or network mount are asked
 * with a deadline, and once one of them timed out, the others on that
 * mount are not asked at all.
 */
static int
path_stat(struct table_reader *r, int number, const char *name,
    const struct fdinfo *info, struct stat *st)
{
	enum mount_kind kind = MOUNT_LOCAL;
	int error;

	/* Most files of a table are on one local mount: no lock for it. */
	if (info->have_mnt_id && !(r->have_local_mount &&
	    info->mnt_id == r->local_mount) &&
	    (kind = mount_kind_of(r->pid, info->mnt_id)) == MOUNT_LOCAL) {
		r->local_mount = info->mnt_id;
		r->have_local_mount = true;
	}
	if (kind == MOUNT_LOCAL)
		return fstatat(r->fd_dir, name, st, 0) == 0 ? 0 : -errno;
	if (kind == MOUNT_STUCK)
		return -ETIMEDOUT;
	if ((error = stat_with_deadline(r->pid, number, st)) == -ETIMEDOUT)
		mount_mark_stuck(info->mnt_id);
	return error;
}

/*
 * The type, inode, deleted mark and size that stat(2) tells, for a
 * descriptor that names a path or a memfd.  0, -ETIMEDOUT when the file
 * system did not answer (the rest of the descriptor is still read),
 * -EAGAIN when the number was reused meanwhile, or another -errno.
 */
static int
descriptor_stat(struct table_reader *r, const char *name,
    const struct fdinfo *info, char *link, struct fd_entry *fd)
{
	enum fd_object object;
	struct stat st;
	size_t pathlen;
	int error;

	fd->type = fdtype_classify_link(link, &object);
	fd->have_ino = link_inode(link, &fd->ino);
	if (object == FD_OBJECT_PATH) {
		if ((error = path_stat(r, fd->fd, name, info, &st)) != 0)
			return error;
		fd->type = fdtype_classify_mode(st.st_mode);
		/*
		 * Whatever a path names has a file type.  None is an
		 * anonymous object (eventfd, epoll...) that took the number
		 * after the link was read; all of them share one inode, so
		 * the inodes compared below cannot tell.
		 */
		if (fd->type == FD_TYPE_UNKNOWN)
			return -EAGAIN;
		fd->ino = st.st_ino;
		fd->dev = st.st_dev;
		fd->have_ino = true;
		if (st.st_nlink == 0 && fdtype_link_deleted(link, &pathlen)) {
			fd->deleted = true;
			link[pathlen] = '\0';
		}
		if (fd->deleted || fd->type == FD_TYPE_FILE)
			fd->size = st.st_size;
	} else if (fd->type == FD_TYPE_MEMFD) {
		if (fdtype_link_deleted(link, &pathlen))
			link[pathlen] = '\0';
		if (fstatat(r->fd_dir, name, &st, 0) == 0)
			fd->size = st.st_size;
	}
	return 0;
}

/*
 * Whether the fdinfo of a descriptor still names the object it named
 * before.  A stat that timed out gave no inode to compare, and a number
 * reused between the fdinfo and the link (a pipe's fdinfo, a file's path)
 * sends the stat to a mount that is not in the mount table, where it waits.
 */
static bool
fdinfo_unchanged(struct table_reader *r, const char *name,
    const struct fdinfo *before)
{
	char buf[4096], *big;
	struct fdinfo now;
	ssize_t n;

	if ((n = fdinfo_read_at(r->info_dir, name, buf, sizeof(buf), &big)) < 0)
		return false;
	procfs_fdinfo_parse(big != NULL ? big : buf, (size_t)n, &now);
	free(big);
	return now.have_ino == before->have_ino && now.ino == before->ino &&
	    now.have_mnt_id == before->have_mnt_id &&
	    now.mnt_id == before->mnt_id;
}

/*
 * Describe one descriptor.  Returns 0, -ENOENT when it was closed while it
 * was being read (the caller drops it), -EAGAIN when its number was reused
 * for another object in the meantime, or another -errno.  The fdinfo is
 * read first: it names the mount, which says how to stat the file.
 */
static int
descriptor_read(struct table_reader *r, struct fd_entry *fd)
{
	char name[16], link[PATH_MAX + 1], info_buf[4096], *big, *text;
	struct fdinfo info;
	ssize_t n, nl;
	int error = 0;

	/*
	 * fdinfo, link, stat in this order: the link is read between the two
	 * reads of the inode, so a number reused while it is read shows as
	 * two inodes, whichever step it fell between.
	 */
	snprintf(name, sizeof(name), "%d", fd->fd);
	if ((n = fdinfo_read_at(r->info_dir, name, info_buf,
	    sizeof(info_buf), &big)) < 0)
		return (int)n;
	if ((nl = readlinkat(r->fd_dir, name, link, sizeof(link) - 1)) == -1) {
		free(big);
		return -errno;
	}
	link[nl] = '\0';
	text = big != NULL ? big : info_buf;
	procfs_fdinfo_parse(text, (size_t)n, &info);
	error = descriptor_stat(r, name, &info, link, fd);
	if (error == -ETIMEDOUT && !fdinfo_unchanged(r, name, &info))
		error = -EAGAIN;
	if (error == -ETIMEDOUT) {
		/* Not answered: the rest of the descriptor is still told. */
		fd->error = error;
		error = 0;
	} else if (error != 0) {
		free(big);
		return error;
	}
	/*
	 * If the number was closed and reused between the fdinfo read and
	 * the stat, the inodes differ: the caller reads it again.
	 */
	if (fd->have_ino && info.have_ino && info.ino != fd->ino &&
	    fd->type != FD_TYPE_NAMESPACE)
		error = -EAGAIN;
	else {
		fdinfo_flags_apply(&info, fd);
		if ((fd->target = strdup(link)) == NULL ||
		    procfs_fdinfo_details_parse(fd->type, text, (size_t)n,
		    &fd->details, &fd->ndetails) != 0)
			error = -ENOMEM;
	}
	free(big);
	return error;
}

static void
fd_entries_free(struct fd_entry *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fd_entry_release(&fds[i]);
	free(fds);
}

/* The name of the next entry of the listing, or NULL at its end. */
static const char *
table_walk_next(struct table_walk *walk)
{
	unsigned short reclen;
	const char *entry;
	ssize_t n;

	if (walk->pos >= walk->len) {
		if ((n = getdents64(walk->dir, walk->buf, sizeof(walk->buf))) <=
		    0) {
			/* A process that exits takes its directory along. */
			walk->error = n == 0 ? 0 : errno == ENOENT ? -ESRCH :
			    -errno;
			walk->done = true;
			return NULL;
		}
		walk->len = (size_t)n;
		walk->pos = 0;
	}
	entry = walk->buf + walk->pos;
	memcpy(&reclen, entry + offsetof(struct dirent64, d_reclen),
	    sizeof(reclen));
	walk->pos += reclen;
	return entry + offsetof(struct dirent64, d_name);
}

/* Take up to `max' descriptor numbers from the listing into r->numbers. */
static size_t
table_walk_take(struct table_reader *r, size_t max)
{
	struct table_walk *walk = r->walk;
	const char *name;
	int number;

	r->nnumbers = 0;
	pthread_mutex_lock(&walk->lock);
	while (!walk->done && r->nnumbers < max) {
		if ((name = table_walk_next(walk)) != NULL &&
		    parse_pid(name, &number))
			r->numbers[r->nnumbers++] = number;
	}
	pthread_mutex_unlock(&walk->lock);
	return r->nnumbers;
}

/* Room for one more entry at the end of the reader's array. */
static struct fd_entry *
table_reader_slot(struct table_reader *r)
{
	struct fd_entry *grown;
	size_t cap;

	if (r->nfds == r->cap) {
		cap = r->cap != 0 ? r->cap * 2 : 64;
		if ((grown = reallocarray(r->fds, cap, sizeof(*grown))) == NULL)
			return NULL;
		r->fds = grown;
		r->cap = cap;
	}
	return &r->fds[r->nfds];
}

/*
 * Describe one descriptor at the end of the reader's array.  One that was
 * closed meanwhile, or whose number kept being reused, is left out.
 */
static void
table_reader_add(struct table_reader *r, int number)
{
	struct fd_entry *fd;
	int error, tries = 0;

	if ((fd = table_reader_slot(r)) == NULL) {
		if (r->error == 0)
			r->error = -ENOMEM;
		return;
	}
	for (;;) {
		memset(fd, 0, sizeof(*fd));
		fd->fd = number;
		fd->pos = -1;
		fd->size = -1;
		error = descriptor_read(r, fd);
		if (error != -EAGAIN || ++tries == 3)
			break;
		fd_entry_release(fd);
	}
	if (error == -ENOENT || error == -EAGAIN) {
		fd_entry_release(fd);
		return;
	}
	/*
	 * Being refused the table, or memory, fails the whole read; any
	 * other failure is the descriptor's own and becomes part of its row.
	 */
	if (error == -EACCES || error == -EPERM || error == -ENOMEM) {
		if (r->error == 0)
			r->error = error;
	} else if (error != 0)
		fd->error = error;
	r->nfds++;
}

static void
table_reader_add_taken(struct table_reader *r)
{
	for (size_t i = 0; i < r->nnumbers; i++)
		table_reader_add(r, r->numbers[i]);
}

static void *
table_reader_run(void *arg)
{
	struct table_reader *r = arg;

	while (table_walk_take(r, TABLE_CHUNK) > 0)
		table_reader_add_taken(r);
	return NULL;
}

static int
proc_subdir_open(int proc_dir, const char *name)
{
	int fd;

	if ((fd = openat(proc_dir, name, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/*
 * The kernel lists /proc/PID/fd in increasing order and each reader takes
 * numbers in listing order, so both arrays are sorted: merged from the
 * back into the first, grown to hold both, they stay sorted in O(n)
 * without a third array.
 */
static int
table_merge(struct table_reader *r)
{
	struct fd_entry *a, *b = r[1].fds;
	size_t i = r[0].nfds, j = r[1].nfds, k = i + j;

	if (j > 0) {
		if ((a = reallocarray(r[0].fds, k, sizeof(*a))) == NULL) {
			fd_entries_free(b, j);
			return -ENOMEM;
		}
		while (j > 0) {
			if (i > 0 && a[i - 1].fd > b[j - 1].fd)
				a[--k] = a[--i];
			else
				a[--k] = b[--j];
		}
		r[0].fds = a;
		r[0].nfds += r[1].nfds;
	}
	free(b);
	return 0;
}

static int
fd_entry_compare(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Hand the table to proc, in order, with its count and highest number. */
static void
table_finish(struct process *proc, struct fd_entry *fds, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (fds[i - 1].fd > fds[i].fd) {
			qsort(fds, n, sizeof(fds[0]), fd_entry_compare);
			break;
		}
	}
	proc->fds = fds;
	proc->nfds = n;
	proc->open = n;
	proc->highest_fd = n > 0 ? fds[n - 1].fd : -1;
}

/*
 * Reading our own table opens descriptors of its own: the /proc
 * directories the listing and the reads go through, open while the
 * listing is read.  They are the reader's, not the process's, and are
 * left out by number; by path, the process's own descriptors on
 * /proc/self would go too.  The reader's other descriptors (an fdinfo
 * file, mountinfo) are closed before the next part of the listing is
 * read, as long as one thread reads: table_read uses one for itself.
 */
static size_t
self_reader_drop(struct fd_entry *fds, size_t n, const int *own,
    size_t nown)
{
	size_t kept = 0, j;

	for (size_t i = 0; i < n; i++) {
		for (j = 0; j < nown && own[j] != fds[i].fd; j++)
			;
		if (j < nown)
			fd_entry_release(&fds[i]);
		else
			fds[kept++] = fds[i];
	}
	return kept;
}

/*
 * Read every descriptor.  The work is one readlinkat, one open/read/close
 * of fdinfo and sometimes a stat or a getxattr per descriptor, all
 * independent, so a large table is shared with a second thread: both take
 * chunks of the listing as they go, which keeps them busy to the end
 * however the numbers are spread.  They contend in the kernel for the
 * target's task lock, so two cores take 20,000 descriptors in 0.55 of the
 * time one does; below PARALLEL_MIN_FDS the thread's start costs more.
 */
static int
table_read(int proc_dir, struct process *proc)
{
	struct table_walk walk = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct table_reader r[2];
	pthread_t thread;
	bool threaded = false, self = proc->pid == (int)getpid();
	int fd_dir, info_dir, error;

	if ((fd_dir = proc_subdir_open(proc_dir, "fd")) < 0)
		return fd_dir;
	if ((info_dir = proc_subdir_open(proc_dir, "fdinfo")) < 0) {
		close(fd_dir);
		return info_dir;
	}
	/* The listing has a descriptor of its own: reading moves its offset. */
	if ((walk.dir = proc_subdir_open(proc_dir, "fd")) < 0) {
		error = walk.dir;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		r[i] = (struct table_reader){ .walk = &walk, .pid = proc->pid,
		    .fd_dir = fd_dir, .info_dir = info_dir };
	}
	/*
	 * A table that fills the first, larger take is worth a thread,
	 * but not our own (see self_reader_drop).
	 */
	if (table_walk_take(&r[0], PARALLEL_MIN_FDS) == PARALLEL_MIN_FDS &&
	    !self)
		threaded = pthread_create(&thread, NULL, table_reader_run,
		    &r[1]) == 0;
	table_reader_add_taken(&r[0]);
	table_reader_run(&r[0]);
	if (threaded)
		pthread_join(thread, NULL);
	close(walk.dir);
	error = walk.error != 0 ? walk.error : r[0].error != 0 ?
	    r[0].error : r[1].error;
	if (table_merge(r) != 0 && error == 0)
		error = -ENOMEM;
	if (self) {
		const int own[] = { proc_dir, fd_dir, info_dir, walk.dir };

		r[0].nfds = self_reader_drop(r[0].fds, r[0].nfds, own,
		    sizeof(own) / sizeof(own[0]));
	}
	table_finish(proc, r[0].fds, r[0].nfds);
out:
	close(fd_dir);
	close(info_dir);
	return error;
}

/*
 * Since Linux 6.2 the size of /proc/PID/fd is the number of open
 * descriptors; before that it is 0 and the entries must be counted.
 */
static int
count_read(int proc_dir, struct process *proc)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int fd_dir, number;

	if (fstatat(proc_dir, "fd", &st, 0) == -1)
		return errno == ENOENT ? -ESRCH : -errno;
	if (st.st_size > 0) {
		proc->open = (size_t)st.st_size;
		proc->highest_fd = -1;
		return 0;
	}
	if ((fd_dir = openat(proc_dir, "fd", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? -ESRCH : -errno;
	if ((dir = fdopendir(fd_dir)) == NULL) {
		close(fd_dir);
		return -errno;
	}
	proc->open = 0;
	proc->highest_fd = -1;
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (!parse_pid(de->d_name, &number))
			continue;
		proc->open++;
		if (number > proc->highest_fd)
			proc->highest_fd = number;
	}
	number = errno;
	closedir(dir);
	if (number != 0)
		return number == ENOENT ? -ESRCH : -number;
	return 0;
}

/*
 * Whether the process is still there after its table was read: one that
 * exited meanwhile lists an empty or partial table without an error, and
 * must not be reported as a process with few descriptors.
 */
static int
still_alive(int proc_dir)
{
	char buf[PROC_FILE_MAX];
	struct proc_stat ps = { 0 };
	ssize_t n;

	if ((n = proc_file_read_at(proc_dir, "stat", buf, sizeof(buf))) < 0)
		return n == -ENOENT || n == -ESRCH ? -ESRCH : 0;
	if (procfs_stat_parse(buf, (size_t)n, &ps) != 0)
		return 0;
	free(ps.command);
	return ps.exiting ? -ESRCH : 0;
}

static int
part_read(struct process_reading *r, struct process *proc, unsigned part)
{
	switch (part) {
	case PROCESS_IDENTITY:
		return identity_read(r, proc);
	case PROCESS_LIMITS:
		return limits_read(r->dir, proc);
	case PROCESS_COUNT:
		return count_read(r->dir, proc);
	case PROCESS_FDS:
		return table_read(r->dir, proc);
	default:
		return -EINVAL;
	}
}

/* The inode of a process's network namespace, from /proc/PID/ns/net. */
static int
netns_of(const char *pid, uint64_t *ino)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return -errno;
	link[n] = '\0';
	return link_inode(link, ino) ? 0 : -EINVAL;
}

static struct netns_tables *
netns_tables(int pid)
{
	struct netns_tables *grown;
	uint64_t ino, own;
	char text[16];

	snprintf(text, sizeof(text), "%d", pid);
	if (netns_of(text, &ino) != 0 || netns_of("self", &own) != 0)
		return NULL;
	for (size_t i = 0; i < nnetns; i++) {
		if (netns_cache[i].ino == ino)
			return &netns_cache[i];
	}
	grown = reallocarray(netns_cache, nnetns + 1, sizeof(*grown));
	if (grown == NULL)
		return NULL;
	netns_cache = grown;
	memset(&grown[nnetns], 0, sizeof(grown[0]));
	grown[nnetns].ino = ino;
	grown[nnetns].own = ino == own;
	if ((grown[nnetns].table = socktable_new()) == NULL)
		return NULL;
	return &grown[nnetns++];
}

/*
 * Families are loaded in this order, each only when a socket was not
 * found in those loaded before it: most processes need only the first
 * two or three, and asking the kernel which family each socket is
 * (getxattr per socket) cost more than the dumps.
 */
static const enum sock_family family_order[] = {
	SOCK_FAMILY_UNIX, SOCK_FAMILY_TCP, SOCK_FAMILY_TCP6, SOCK_FAMILY_UDP,
	SOCK_FAMILY_UDP6, SOCK_FAMILY_NETLINK, SOCK_FAMILY_PACKET,
	SOCK_FAMILY_UDPLITE, SOCK_FAMILY_UDPLITE6, SOCK_FAMILY_RAW,
	SOCK_FAMILY_RAW6,
};

/* A netlink dump made from inside another network namespace. */
struct netns_dump {
	int			 nsfd;
	struct sock_table	*table;
	enum sock_family	 family;
	int			 error;
};

static void *
netns_dump_run(void *arg)
{
	struct netns_dump *d = arg;

	/* setns moves only this thread, which ends with the dump. */
	if (setns(d->nsfd, CLONE_NEWNET) == -1)
		d->error = -errno;
	else
		d->error = sockdiag_load(d->table, d->family);
	return NULL;
}

/*
 * The dump of another namespace needs CAP_SYS_ADMIN to enter it; the
 * namespace file is opened, never a descriptor of the process.
 */
static int
netns_dump(struct sock_table *table, int pid, enum sock_family family)
{
	struct netns_dump d = { -1, table, family, -ENOSYS };
	char path[64];
	pthread_t thread;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if ((d.nsfd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (pthread_create(&thread, NULL, netns_dump_run, &d) == 0)
		pthread_join(thread, NULL);
	close(d.nsfd);
	return d.error;
}

/* Load one family, unless it is loaded already. */
static void
netns_load(struct netns_tables *t, int pid, enum sock_family family)
{
	if (t->loaded & (1u << family))
		return;
	t->loaded |= 1u << family;
	/* The netlink dump first; the text table where it is refused. */
	if (t->own && sockdiag_load(t->table, family) == 0)
		return;
	if (!t->own && netns_dump(t->table, pid, family) == 0)
		return;
	(void)procnet_load(t->table, t->own ? 0 : pid, family);
}

/* Load the next family; false when all are loaded already. */
static bool
netns_load_next(struct netns_tables *t, int pid)
{
	if (t->nloaded == sizeof(family_order) / sizeof(family_order[0]))
		return false;
	netns_load(t, pid, family_order[t->nloaded++]);
	return true;
}

static int
socket_fill(struct fd_entry *fd, const struct sock_info *info)
{
	free(fd->proto);
	if ((fd->proto = strdup(info->proto)) == NULL)
		return -ENOMEM;
	if (info->local != NULL && (fd->local = strdup(info->local)) == NULL)
		return -ENOMEM;
	if (info->remote != NULL &&
	    (fd->remote = strdup(info->remote)) == NULL)
		return -ENOMEM;
	fd->state = info->state;
	fd->socket_type = info->type;
	fd->peer_ino = info->peer_ino;
	return 0;
}

/* The socket tables of the network namespace of process `pid'. */
struct netns_tables *
linux_socket_tables(int pid)
{
	return netns_tables(pid);
}

/*
 * The socket with inode `ino' among the TCP and UDP sockets of those
 * tables, over IPv4 and IPv6; NULL when it is none of them.  The tables
 * of the other families are not loaded for it.
 */
const struct sock_info *
linux_socket_find_inet(struct netns_tables *t, int pid, uint64_t ino)
{
	static const enum sock_family inet[] = { SOCK_FAMILY_TCP,
	    SOCK_FAMILY_TCP6, SOCK_FAMILY_UDP, SOCK_FAMILY_UDP6 };

	for (size_t i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		netns_load(t, pid, inet[i]);
	return socktable_find(t->table, ino);
}

/*
 * The socket with inode `ino' among the UNIX sockets of those tables;
 * NULL when it is not one.
 */
const struct sock_info *
linux_socket_find_unix(struct netns_tables *t, int pid, uint64_t ino)
{
	const struct sock_info *info;

	netns_load(t, pid, SOCK_FAMILY_UNIX);
	info = socktable_find(t->table, ino);
	return info != NULL && strcmp(info->proto, "unix") == 0 ? info :
	    NULL;
}

/* Protocol, endpoints and state of every socket of a process. */
static int
sockets_resolve(struct process *proc)
{
	struct netns_tables *t = NULL;

	for (size_t i = 0; i < proc->nfds; i++) {
		struct fd_entry *fd = &proc->fds[i];
		const struct sock_info *info = NULL;

		if (fd->type != FD_TYPE_SOCKET || !fd->have_ino)
			continue;
		if (t == NULL && (t = netns_tables(proc->pid)) == NULL)
			return 0;
		while ((info = socktable_find(t->table, fd->ino)) == NULL &&
		    netns_load_next(t, proc->pid))
			;
		if (info != NULL) {
			if (socket_fill(fd, info) != 0)
				return -ENOMEM;
		} else if (socket_proto_read(proc->pid, fd->fd, fd) == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The user name of a process that was read.  Kept apart from the reading
 * itself because the cache of names is not shared between threads.
 */
static int
user_fill(struct process *proc)
{
	const char *name;

	if (!(proc->have & PROCESS_IDENTITY) || proc->user != NULL)
		return 0;
	if ((name = user_name(proc->uid)) == NULL ||
	    (proc->user = strdup(name)) == NULL)
		return -ENOMEM;
	return 0;
}

/*
 * Why /proc/PID could not be opened.  hidepid=invisible makes another
 * user's process look absent; kill(2) with signal 0 still tells a
 * process that exists (0, or EPERM when it is not ours) from one that
 * does not (ESRCH).
 */
static int
process_open_error(int pid, int error)
{
	if (error != ENOENT)
		return -error;
	if (kill(pid, 0) == 0 || errno == EPERM)
		return -PLATFORM_EHIDDEN;
	return -ESRCH;
}

/*
 * A descriptor table that is refused (another user's process) may still
 * be counted where the kernel gives the count to everyone, as Linux 6.2
 * and later do in the size of /proc/PID/fd.
 */
static void
table_refused_count(int proc_dir, struct process *proc)
{
	if ((proc->error == -EACCES || proc->error == -EPERM) &&
	    proc->error_part == PROCESS_FDS && count_read(proc_dir, proc) == 0)
		proc->have |= PROCESS_COUNT;
}

static int
process_read(struct process *proc, unsigned what)
{
	static const unsigned parts[] = { PROCESS_IDENTITY, PROCESS_LIMITS,
	    PROCESS_FDS, PROCESS_COUNT };
	struct process_reading r = { .what = what };
	char path[32];
	int error = 0;

	snprintf(path, sizeof(path), "/proc/%d", proc->pid);
	if ((r.dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		proc->error = process_open_error(proc->pid, errno);
		proc->error_part = PROCESS_IDENTITY;
		return proc->error;
	}
	/* The full table gives the count too. */
	if (what & PROCESS_FDS)
		what &= ~PROCESS_COUNT;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!(what & parts[i]))
			continue;
		if ((error = part_read(&r, proc, parts[i])) != 0) {
			proc->error = error;
			proc->error_part = parts[i];
			break;
		}
		proc->have |= parts[i];
		/* Not even whether it is still there: it is left out. */
		if (proc->kernel_thread && (what & PROCESS_SKIP_KERNEL)) {
			close(r.dir);
			return 0;
		}
	}
	/*
	 * An exiting process loses its memory, and with it the kernel gives
	 * its /proc files to root: its own user is refused them too, though
	 * the process is in truth gone.
	 */
	if ((error == -EACCES || error == -EPERM) &&
	    still_alive(r.dir) == -ESRCH)
		error = proc->error = -ESRCH;
	table_refused_count(r.dir, proc);
	/* Who owns it is told where it can be; it decides nothing. */
	if ((what & PROCESS_SERVICE) && (proc->have & PROCESS_IDENTITY) &&
	    service_read(&r, proc) == 0)
		proc->have |= PROCESS_SERVICE;
	if (proc->have & PROCESS_FDS) {
		proc->have |= PROCESS_COUNT;
		if (error == 0 && (error = still_alive(r.dir)) != 0) {
			proc->error = error;
			proc->error_part = PROCESS_FDS;
		}
	} else if ((proc->have & PROCESS_COUNT) && proc->open == 0 &&
	    error == 0 && (error = still_alive(r.dir)) != 0) {
		/* A count of 0 is also what an exiting process shows. */
		proc->error = error;
		proc->error_part = PROCESS_COUNT;
	}
	close(r.dir);
	return error;
}

/*
 * What is kept apart from the reading: user names and socket tables are
 * shared by the whole run, so they are filled in one thread.
 */
static int
process_complete(struct process *proc)
{
	if (user_fill(proc) != 0)
		return -ENOMEM;
	if ((proc->have & PROCESS_FDS) && sockets_resolve(proc) != 0)
		return -ENOMEM;
	return 0;
}

int
platform_process_read(struct process *proc, unsigned what)
{
	int error = process_read(proc, what);

	if (process_complete(proc) != 0 && error == 0)
		error = proc->error = -ENOMEM;
	return error;
}

int
platform_peers_read(struct process *procs, size_t n)
{
	return peers_resolve(procs, n);
}

/* Processes handed out to the readers of platform_processes_read. */
struct process_batch {
	pthread_mutex_t	 lock;
	struct process	*procs;
	size_t		 n;
	size_t		 next;
	unsigned	 what;
};

static void *
process_batch_run(void *arg)
{
	struct process_batch *b = arg;
	size_t from, to;

	for (;;) {
		pthread_mutex_lock(&b->lock);
		from = b->next;
		to = from + PROCESS_CHUNK < b->n ? from + PROCESS_CHUNK : b->n;
		b->next = to;
		pthread_mutex_unlock(&b->lock);
		if (from == to)
			return NULL;
		for (size_t i = from; i < to; i++)
			(void)process_read(&b->procs[i], b->what);
	}
}

/*
 * Read many processes at once.  Each is independent of the others, so a
 * second thread nearly halves the time of --all on a busy host; the user
 * names are filled in afterwards, in this thread.
 */
int
platform_processes_read(struct process *procs, size_t n, unsigned what)
{
	struct process_batch b = { PTHREAD_MUTEX_INITIALIZER, procs, n, 0,
	    what };
	pthread_t thread;
	bool threaded;

	threaded = n >= PARALLEL_MIN_PROCESSES &&
	    pthread_create(&thread, NULL, process_batch_run, &b) == 0;
	process_batch_run(&b);
	if (threaded)
		pthread_join(thread, NULL);
	for (size_t i = 0; i < n; i++) {
		if (process_complete(&procs[i]) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* Whether the caller is in group `gid', as hidepid's gid= asks. */
static bool
in_group(long gid)
{
	gid_t groups[256];
	int n;

	if ((long)getegid() == gid)
		return true;
	if ((n = getgroups(sizeof(groups) / sizeof(groups[0]), groups)) < 0)
		return false;
	for (int i = 0; i < n; i++) {
		if ((long)groups[i] == gid)
			return true;
	}
	return false;
}

/*
 * hidepid=invisible and hidepid=ptraceable leave other users' processes
 * out of /proc altogether, unless the caller is root or in the group
 * named by gid=.  The last proc mount on /proc is the one seen.
 */
bool
platform_processes_hidden(void)
{
	struct proc_hidepid found = { 0 };
	struct mountinfo_entry m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (geteuid() == 0 ||
	    (f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return false;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (procfs_mountinfo_line_parse(line, (size_t)n, &m) != 0 ||
		    m.mount_point_len != 5 ||
		    memcmp(m.mount_point, "/proc", 5) != 0 ||
		    m.fstype_len != 4 || memcmp(m.fstype, "proc", 4) != 0)
			continue;
		procfs_hidepid_parse(m.super_options, m.super_options_len,
		    &found);
	}
	free(line);
	fclose(f);
	if (found.mode != 2 && found.mode != 4)
		return false;
	return !(found.have_gid && in_group(found.gid));
}

/* /proc/sys/fs/file-nr and fs.nr_open: the system-wide picture. */
int
platform_system_read(struct system_info *sys)
{
	char buf[256];
	uint64_t nr_open;
	ssize_t n;
	int error;

	memset(sys, 0, sizeof(*sys));
	if ((n = read_file_at(AT_FDCWD, "/proc/sys/fs/file-nr", buf,
	    sizeof(buf), false)) < 0)
		return (int)n;
	if ((error = procfs_file_nr_parse(buf, (size_t)n, sys)) != 0)
		return error;
	if ((n = read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", buf,
	    sizeof(buf), false)) < 0)
		return (int)n;
	if ((error = procfs_single_number_parse(buf, (size_t)n, &nr_open)) != 0)
		return error;
	sys->nr_open = nr_open;
	sys->have = true;
	return 0;
}

/* The kernel keeps TASK_COMM_LEN - 1 bytes of a command name. */
size_t
platform_command_max(void)
{
	return 15;
}

int
platform_user_find(const char *name)
{
	struct passwd pw, *result = NULL;
	char buf[1024];
	int error;

	error = getpwnam_r(name, &pw, buf, sizeof(buf), &result);
	if (result != NULL)
		return 0;
	/* Not found is 0 or one of several codes, by the C library. */
	if (error == 0 || error == ENOENT || error == ESRCH ||
	    error == EBADF || error == EPERM)
		return -ENOENT;
	return -error;
}

/*
 * A thread's ID opens /proc/TID as well as a process's, though no listing
 * of /proc shows it; its status names the process, the thread group.
 */
int
platform_thread_group(int pid, int *process)
{
	char path[64], buf[PROC_FILE_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((n = proc_file_read_at(AT_FDCWD, path, buf, sizeof(buf))) < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return procfs_status_parse_tgid(buf, (size_t)n, process);
}
