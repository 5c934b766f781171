/*
 * The supervisor of fdaudit run, for Linux.  The command is started under
 * PTRACE_SEIZE with a seccomp filter that stops it only at the system
 * calls that create descriptors, so a program that never creates one runs
 * at full speed.  At each such stop the syscall-exit stop tells which
 * descriptor was made; at each exec the surviving ones are marked as
 * carried across; at the PTRACE_EVENT_EXIT stop of the last thread of a
 * process its table is still whole and is read from /proc/TID/fd without
 * opening any descriptor.  Nothing here decides what is a leak.
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "fdinfo.h"
#include "preload.h"
#include "run.h"

#if defined(__x86_64__)
#define TRACE_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRACE_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#define TRACE_AUDIT_ARCH	0	/* not supported: see filter_install */
#endif

#ifndef FDAUDIT_LIBDIR
#define FDAUDIT_LIBDIR	"/usr/local/lib/fdaudit"
#endif

#define TRACE_OPTIONS	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT | \
	PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | \
	PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | \
	PTRACE_O_TRACEVFORKDONE)

/* Where a creating call leaves its descriptors. */
enum trace_result {
	RESULT_RETURN,		/* the return value */
	RESULT_PAIR_ARG0,	/* int[2] at the first argument (pipe) */
	RESULT_PAIR_ARG3,	/* int[2] at the fourth (socketpair) */
	RESULT_PTRACE,		/* not a creation: a tracee calls ptrace */
	RESULT_EXEC		/* not a creation: a program is replaced */
};

/*
 * What a recorded call can make: a type, PATH for the opening calls
 * (anything reached by name) or ANY for the duplicating ones.  A record
 * of the recorder whose call cannot have made the descriptor now at its
 * number is stale.
 */
#define MAKES_PATH	FD_TYPE_UNKNOWN
#define MAKES_ANY	FD_TYPE_COUNT

struct trace_syscall {
	long		 nr;
	const char	*name;
	enum trace_result result;
	enum fd_type	 makes;
};

#define SC(name, result, makes)	\
	{ SYS_##name, #name, RESULT_##result, makes }

static const struct trace_syscall trace_syscalls[] = {
#ifdef SYS_open
	SC(open, RETURN, MAKES_PATH),
#endif
#ifdef SYS_creat
	SC(creat, RETURN, MAKES_PATH),
#endif
	SC(openat, RETURN, MAKES_PATH),
#ifdef SYS_openat2
	SC(openat2, RETURN, MAKES_PATH),
#endif
	SC(open_by_handle_at, RETURN, MAKES_PATH),
	SC(socket, RETURN, FD_TYPE_SOCKET),
	SC(socketpair, PAIR_ARG3, FD_TYPE_SOCKET),
#ifdef SYS_accept
	SC(accept, RETURN, FD_TYPE_SOCKET),
#endif
	SC(accept4, RETURN, FD_TYPE_SOCKET),
#ifdef SYS_pipe
	SC(pipe, PAIR_ARG0, FD_TYPE_FIFO),
#endif
	SC(pipe2, PAIR_ARG0, FD_TYPE_FIFO),
	SC(dup, RETURN, MAKES_ANY),
#ifdef SYS_dup2
	SC(dup2, RETURN, MAKES_ANY),
#endif
	SC(dup3, RETURN, MAKES_ANY),
#ifdef SYS_eventfd
	SC(eventfd, RETURN, FD_TYPE_EVENTFD),
#endif
	SC(eventfd2, RETURN, FD_TYPE_EVENTFD),
#ifdef SYS_epoll_create
	SC(epoll_create, RETURN, FD_TYPE_EPOLL),
#endif
	SC(epoll_create1, RETURN, FD_TYPE_EPOLL),
#ifdef SYS_inotify_init
	SC(inotify_init, RETURN, FD_TYPE_INOTIFY),
#endif
	SC(inotify_init1, RETURN, FD_TYPE_INOTIFY),
#ifdef SYS_signalfd
	SC(signalfd, RETURN, FD_TYPE_SIGNALFD),
#endif
	SC(signalfd4, RETURN, FD_TYPE_SIGNALFD),
	SC(timerfd_create, RETURN, FD_TYPE_TIMERFD),
	SC(memfd_create, RETURN, FD_TYPE_MEMFD),
#ifdef SYS_pidfd_open
	SC(pidfd_open, RETURN, FD_TYPE_PIDFD),
#endif
#ifdef SYS_pidfd_getfd
	SC(pidfd_getfd, RETURN, MAKES_ANY),
#endif
	SC(userfaultfd, RETURN, FD_TYPE_USERFAULTFD),
	SC(fanotify_init, RETURN, FD_TYPE_FANOTIFY),
	SC(perf_event_open, RETURN, FD_TYPE_PERF_EVENT),
#ifdef SYS_io_uring_setup
	SC(io_uring_setup, RETURN, FD_TYPE_IO_URING),
#endif
	SC(ptrace, PTRACE, MAKES_ANY),
	SC(execve, EXEC, MAKES_ANY),
	SC(execveat, EXEC, MAKES_ANY),
};

#define TRACE_NSYSCALLS	(sizeof(trace_syscalls) / sizeof(trace_syscalls[0]))

/* The Python frames of a creation, shared by the copies of a record. */
struct py_stack {
	int		 refs;
	size_t		 n;
	struct trace_frame frames[];
};

/* A creation record, per descriptor number of a process. */
struct origin_slot {
	bool		 used;
	struct fd_entry	 seen;		/* the object, for fd_entry_same */
	uint64_t	 serial;	/* the recorder's count when made */
	struct trace_origin origin;
	struct unwind_stack *stack;	/* NULL without --stacks */
	struct py_stack	*py;		/* NULL unless Python code made it */
};

/* What a descriptor is, as far as telling records apart needs. */
struct fd_kind {
	enum fd_type	 type;
	enum fd_object	 object;
};

struct tproc {
	struct tproc	*next;
	int		 pid;
	int		 ppid;
	int		 nthreads;
	bool		 root;
	bool		 reported;
	char		*command;
	char		**argv;
	size_t		 argc;
	struct origin_slot *slots;
	size_t		 nslots;
	struct unwind_space *space;	/* the program's modules, for stacks */
	uint64_t	 table;		/* the recorder's, in its memory */
	/*
	 * A child that forked and has not executed a program since: the
	 * recorder's records up to fork_serial are its parent's, inherited
	 * with its memory, and so are the supervisor's own copied records.
	 */
	bool		 forked;
	uint64_t	 fork_serial;
	/* The table as read when the process asked to be checked. */
	enum trace_check checked;
	struct trace_fd	*checked_fds;
	size_t		 nchecked_fds;
	bool		 limit_reported;	/* its EMFILE snapshot taken */
	bool		 threshold_reported;
	/*
	 * Serials the recorder gave while a vfork child borrowed this
	 * process's memory: the child's records, not this process's.
	 */
	struct serial_range *borrowed;
	size_t		 nborrowed;
};

struct serial_range {
	uint64_t	 after;
	uint64_t	 upto;
};

struct tthread {
	int		 tid;
	struct tproc	*proc;		/* NULL until its creator's event */
	bool		 held;		/* stopped, waiting for that event */
	bool		 expected;	/* announced, its first stop not seen */
	const struct trace_syscall *pending;
	uint64_t	 pending_arg;	/* where a pair of descriptors goes */
	struct unwind_stack *pending_stack;
	uint64_t	 vfork_serial;	/* the recorder's count at its vfork */
};

struct tracer {
	const struct trace_callbacks *cb;
	bool		 stacks;
	struct tproc	*procs;
	struct tthread	*threads;
	size_t		 nthreads;
	size_t		 maxthreads;
	struct fd_entry	*start;		/* the objects the command started
					   with, for fd_entry_same */
	size_t		 nstart;
	bool		 started;	/* the command's first exec was seen */
	int		 root_pid;
	int		 root_status;
	int		 error_pipe;
	uint64_t	 cookie;	/* lets the recorder's calls through */
	unsigned	 threshold;	/* --threshold, 0: none */
	char		*preload;	/* the recorder's path, or NULL */
};

/* What the child reports through its pipe when it cannot start. */
struct setup_report {
	int		 failure;
	int		 error;
};

/*
 * The seccomp program: stop at the calls of trace_syscalls, unless their
 * sixth argument is the cookie (the recorder made them); allow others.
 * execve stops whatever its arguments.  Jumps only go forward, so the
 * returns sit at the end: ALLOW, the cookie test with its own ALLOW,
 * then TRACE.
 */
#define FILTER_LD(field)	(struct sock_filter)BPF_STMT(BPF_LD | BPF_W | \
	BPF_ABS, offsetof(struct seccomp_data, field))
#define FILTER_JEQ(k, yes, no)	(struct sock_filter)BPF_JUMP(BPF_JMP | \
	BPF_JEQ | BPF_K, (k), (uint8_t)(yes), (uint8_t)(no))
#define FILTER_RET(action)	(struct sock_filter)BPF_STMT(BPF_RET | BPF_K, \
	(action))

static int
filter_build(struct sock_filter *prog, size_t max, uint64_t cookie)
{
	size_t n = 0, i, allow, check, trace;

	if (max < TRACE_NSYSCALLS + 16)
		return -ENOSPC;
	allow = TRACE_NSYSCALLS + 8;
	check = allow + 1;
	trace = check + 5;
	prog[n++] = FILTER_LD(arch);
	prog[n] = FILTER_JEQ(TRACE_AUDIT_ARCH, 0, allow - n - 1);
	n++;
	prog[n++] = FILTER_LD(nr);
	for (i = 0; i < TRACE_NSYSCALLS; i++, n++)
		prog[n] = FILTER_JEQ((uint32_t)trace_syscalls[i].nr,
		    (trace_syscalls[i].result == RESULT_EXEC ? trace : check) -
		    n - 1, 0);
	/* fcntl is frequent: only its duplicating commands stop. */
	prog[n] = FILTER_JEQ(SYS_fcntl, 0, allow - n - 1);
	n++;
	prog[n++] = FILTER_LD(args[1]);
	prog[n] = FILTER_JEQ(F_DUPFD, check - n - 1, 0);
	n++;
	prog[n] = FILTER_JEQ(F_DUPFD_CLOEXEC, check - n - 1, 0);
	n++;
	while (n <= allow)
		prog[n++] = FILTER_RET(SECCOMP_RET_ALLOW);
	/* The sixth argument, low word then high word (little-endian). */
	prog[n++] = FILTER_LD(args[5]);
	prog[n] = FILTER_JEQ((uint32_t)cookie, 0, trace - n - 1);
	n++;
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[5]) + 4);
	prog[n] = FILTER_JEQ((uint32_t)(cookie >> 32), 0, trace - n - 1);
	n++;
	prog[n++] = FILTER_RET(SECCOMP_RET_ALLOW);
	prog[n++] = FILTER_RET(SECCOMP_RET_TRACE);
	return (int)n;
}

/*
 * Without CAP_SYS_ADMIN a filter needs no_new_privs, which also stops
 * set-user-ID programs from gaining privileges; root keeps them.
 */
static int
filter_install(uint64_t cookie)
{
	struct sock_filter prog[TRACE_NSYSCALLS + 16];
	struct sock_fprog fprog;
	int n;

	if (TRACE_AUDIT_ARCH == 0)
		return -ENOSYS;
	if ((n = filter_build(prog, sizeof(prog) / sizeof(prog[0]),
	    cookie)) < 0)
		return n;
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == 0)
		return 0;
	if (errno != EACCES ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == -1)
		return -errno;
	return 0;
}

static const struct trace_syscall *
syscall_find(long nr, uint64_t arg1)
{
	if (nr == SYS_fcntl) {
		static const struct trace_syscall dupfd = { SYS_fcntl,
		    "fcntl", RESULT_RETURN, MAKES_ANY };

		(void)arg1;
		return &dupfd;
	}
	for (size_t i = 0; i < TRACE_NSYSCALLS; i++) {
		if (trace_syscalls[i].nr == nr)
			return &trace_syscalls[i];
	}
	return NULL;
}

/* Threads, by TID. */
static struct tthread *
thread_find(struct tracer *t, int tid)
{
	for (size_t i = 0; i < t->nthreads; i++) {
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	}
	return NULL;
}

static struct tthread *
thread_add(struct tracer *t, int tid)
{
	struct tthread *grown;

	if (t->nthreads == t->maxthreads) {
		size_t max = t->maxthreads ? t->maxthreads * 2 : 16;

		grown = reallocarray(t->threads, max, sizeof(*grown));
		if (grown == NULL)
			return NULL;
		t->threads = grown;
		t->maxthreads = max;
	}
	t->threads[t->nthreads] = (struct tthread){ .tid = tid };
	return &t->threads[t->nthreads++];
}

static void
thread_remove(struct tracer *t, struct tthread *th)
{
	unwind_stack_unref(th->pending_stack);
	*th = t->threads[--t->nthreads];
}

static struct py_stack *
py_stack_ref(struct py_stack *py)
{
	if (py != NULL)
		py->refs++;
	return py;
}

static void
py_stack_unref(struct py_stack *py)
{
	if (py == NULL || --py->refs > 0)
		return;
	for (size_t i = 0; i < py->n; i++) {
		free(py->frames[i].function);
		free(py->frames[i].file);
	}
	free(py);
}

static void
slot_clear(struct origin_slot *s)
{
	unwind_stack_unref(s->stack);
	py_stack_unref(s->py);
	*s = (struct origin_slot){ .used = false };
}

static void
slots_clear(struct tproc *p)
{
	for (size_t i = 0; i < p->nslots; i++) {
		unwind_stack_unref(p->slots[i].stack);
		py_stack_unref(p->slots[i].py);
	}
	free(p->slots);
	p->slots = NULL;
	p->nslots = 0;
}

static void exit_fds_free(struct trace_fd *, size_t);

static void
proc_free(struct tproc *p)
{
	exit_fds_free(p->checked_fds, p->nchecked_fds);
	for (size_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->command);
	slots_clear(p);
	unwind_space_unref(p->space);
	free(p->borrowed);
	free(p);
}

static void
proc_unlink(struct tracer *t, struct tproc *p)
{
	for (struct tproc **pp = &t->procs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	proc_free(p);
}

static char *
strdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* A child starts as its parent's copy: name, arguments and records. */
static int
proc_identity_copy(struct tproc *p, const struct tproc *parent)
{
	p->command = strdup_or_null(parent->command);
	if (parent->argc > 0 &&
	    (p->argv = calloc(parent->argc, sizeof(*p->argv))) == NULL)
		return -ENOMEM;
	for (; p->argc < parent->argc; p->argc++) {
		if ((p->argv[p->argc] = strdup(parent->argv[p->argc])) == NULL)
			return -ENOMEM;
	}
	if (parent->nslots > 0) {
		p->slots = calloc(parent->nslots, sizeof(*p->slots));
		if (p->slots == NULL)
			return -ENOMEM;
		memcpy(p->slots, parent->slots, parent->nslots *
		    sizeof(*p->slots));
		p->nslots = parent->nslots;
		for (size_t i = 0; i < p->nslots; i++) {
			unwind_stack_ref(p->slots[i].stack);
			py_stack_ref(p->slots[i].py);
		}
	}
	/* Until it execs, a child runs its parent's program. */
	p->space = unwind_space_ref(parent->space);
	p->table = parent->table;
	return 0;
}

static struct tproc *
proc_new(struct tracer *t, int pid, const struct tproc *parent)
{
	struct tproc *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->pid = pid;
	p->nthreads = 1;
	if (parent != NULL) {
		p->ppid = parent->pid;
		if (proc_identity_copy(p, parent) != 0) {
			proc_free(p);
			return NULL;
		}
	}
	p->next = t->procs;
	t->procs = p;
	return p;
}

static ssize_t
proc_file_read(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	while ((size_t)len < size - 1 &&
	    (n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* The name and arguments of a program just executed. */
static int
proc_identity_read(struct tproc *p)
{
	char buf[8192];
	ssize_t n;
	size_t argc = 0;

	for (size_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->command);
	p->argv = NULL;
	p->argc = 0;
	p->command = NULL;
	if ((n = proc_file_read(p->pid, "comm", buf, sizeof(buf))) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		p->command = strdup(buf);
	}
	if ((n = proc_file_read(p->pid, "cmdline", buf, sizeof(buf))) <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		argc += buf[i] == '\0';
	if (buf[n - 1] != '\0')
		argc++;
	if ((p->argv = calloc(argc, sizeof(*p->argv))) == NULL)
		return -ENOMEM;
	for (char *s = buf; s < buf + n && p->argc < argc;
	    s += strlen(s) + 1) {
		if ((p->argv[p->argc++] = strdup(s)) == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* The object behind a descriptor of another process, without opening it. */
static int
fd_identity(int tid, int fd, struct stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, fd);
	return stat(path, st) == 0 ? 0 : -errno;
}

/* A descriptor as fd_entry_same tells it apart: what its stat says. */
static struct fd_entry
fd_seen(int fd, const struct stat *st)
{
	return (struct fd_entry){ .fd = fd,
	    .type = fdtype_classify_mode(st->st_mode), .have_ino = true,
	    .ino = (uint64_t)st->st_ino, .dev = (uint64_t)st->st_dev };
}

static struct origin_slot *
slot_get(struct tproc *p, int fd)
{
	struct origin_slot *grown;
	size_t n;

	if (fd < 0)
		return NULL;
	if ((size_t)fd >= p->nslots) {
		n = (size_t)fd + 1 > p->nslots * 2 ? (size_t)fd + 1 :
		    p->nslots * 2;
		if ((grown = reallocarray(p->slots, n, sizeof(*grown))) ==
		    NULL)
			return NULL;
		memset(grown + p->nslots, 0, (n - p->nslots) *
		    sizeof(*grown));
		p->slots = grown;
		p->nslots = n;
	}
	return &p->slots[fd];
}

/* A record whose object is no longer the one at that number is stale. */
static const struct origin_slot *
slot_current(const struct tproc *p, int fd, const struct stat *st)
{
	const struct origin_slot *s;
	struct fd_entry now;

	if (fd < 0 || (size_t)fd >= p->nslots)
		return NULL;
	s = &p->slots[fd];
	now = fd_seen(fd, st);
	if (!s->used || !fd_entry_same(&s->seen, &now))
		return NULL;
	return s;
}

static uint64_t preload_serial(const struct tproc *, int);

static void
record_fd(struct tthread *th, int fd, const char *name)
{
	struct origin_slot *s;
	struct stat st;

	if (fd_identity(th->tid, fd, &st) != 0 ||
	    (s = slot_get(th->proc, fd)) == NULL)
		return;
	slot_clear(s);
	*s = (struct origin_slot){ .used = true, .seen = fd_seen(fd, &st),
	    .serial = preload_serial(th->proc, th->tid),
	    .origin = { .syscall = name, .state = TRACE_ORIGIN_CREATED,
	    .created_by = th->proc->pid },
	    .stack = unwind_stack_ref(th->pending_stack) };
}

static void limit_check(struct tracer *, struct tproc *, int, int,
    const char *);
static void threshold_check(struct tracer *, struct tproc *, int, int);

/*
 * At the syscall-exit stop: which descriptors did the call make?  A call
 * that failed for want of descriptors is the moment to look at them.
 */
static void
record_result(struct tracer *t, struct tthread *th)
{
	struct __ptrace_syscall_info info;
	const struct trace_syscall *sc = th->pending;
	int pair[2];
	struct iovec local = { pair, sizeof(pair) };
	struct iovec remote = { (void *)(uintptr_t)th->pending_arg,
	    sizeof(pair) };

	th->pending = NULL;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(info), &info) <=
	    0 || info.op != PTRACE_SYSCALL_INFO_EXIT)
		;
	else if (info.exit.is_error)
		limit_check(t, th->proc, th->tid, (int)-info.exit.rval,
		    sc->name);
	else if (sc->result == RESULT_RETURN) {
		record_fd(th, (int)info.exit.rval, sc->name);
		threshold_check(t, th->proc, th->tid, (int)info.exit.rval);
	} else if (process_vm_readv(th->tid, &local, 1, &remote, 1, 0) ==
	    (ssize_t)sizeof(pair)) {
		record_fd(th, pair[0], sc->name);
		record_fd(th, pair[1], sc->name);
		threshold_check(t, th->proc, th->tid, pair[0] > pair[1] ?
		    pair[0] : pair[1]);
	}
	unwind_stack_unref(th->pending_stack);
	th->pending_stack = NULL;
}

/* The stack of the creating call, taken while the thread is stopped. */
static void
stack_capture(struct tthread *th)
{
	struct tproc *p = th->proc;

	unwind_stack_unref(th->pending_stack);
	th->pending_stack = NULL;
	if (p->space == NULL && (p->space = unwind_space_new(p->pid)) == NULL)
		return;
	(void)unwind_capture(p->space, p->pid, th->tid, &th->pending_stack);
}

/*
 * The recorder of a newly executed program announced its table; a
 * table that does not look like one is ignored, and its descriptors
 * count as unattributed.
 */
static void
preload_announce(struct tproc *p, int tid, uint64_t addr)
{
	struct preload_table head;
	struct iovec local = { &head, sizeof(head) };
	struct iovec remote = { (void *)(uintptr_t)addr, sizeof(head) };

	p->table = 0;
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(head) || head.magic != PRELOAD_MAGIC ||
	    head.version != PRELOAD_VERSION || head.frames != PRELOAD_FRAMES ||
	    head.chunk != PRELOAD_CHUNK)
		return;
	p->table = addr;
}

/* A field of the recorder's table; false without a recorder. */
static bool
preload_field_read(const struct tproc *p, int tid, size_t offset,
    void *value, size_t size)
{
	struct iovec local = { value, size };
	struct iovec remote = { (void *)(uintptr_t)(p->table + offset),
	    size };

	return p->table != 0 && process_vm_readv(tid, &local, 1, &remote, 1,
	    0) == (ssize_t)size;
}

/* The recorder's count of creations, or 0 without a recorder. */
static uint64_t
preload_serial(const struct tproc *p, int tid)
{
	uint64_t serial = 0;

	if (!preload_field_read(p, tid, offsetof(struct preload_table,
	    serial), &serial, sizeof(serial)))
		return 0;
	return serial;
}

static bool
preload_borrowed(const struct tproc *p, uint64_t serial)
{
	for (size_t i = 0; i < p->nborrowed; i++) {
		if (serial > p->borrowed[i].after &&
		    serial <= p->borrowed[i].upto)
			return true;
	}
	return false;
}

/*
 * Could a call of this kind have made this descriptor?  An opening call
 * makes what has a name: a path (a named FIFO, not a pipe), a memfd or
 * a namespace reopened through /proc.
 */
static bool
preload_fits(const struct trace_syscall *sc, const struct fd_kind *kind)
{
	switch (sc->makes) {
	case MAKES_ANY:
		return true;
	case MAKES_PATH:
		return kind->object == FD_OBJECT_PATH ||
		    kind->type == FD_TYPE_MEMFD ||
		    kind->type == FD_TYPE_NAMESPACE;
	default:
		return kind->type == sc->makes;
	}
}

/* The recorder's slot for fd, read from the tracee's memory. */
static int
preload_slot_read(const struct tracer *t, const struct tproc *p, int tid,
    int fd, struct preload_slot *slot)
{
	size_t len = t->stacks ? sizeof(*slot) :
	    offsetof(struct preload_slot, returns);
	uint64_t chunk = 0;
	struct iovec local = { &chunk, sizeof(chunk) };
	struct iovec remote;

	if (p->table == 0 || fd < 0 || (uint32_t)fd >= PRELOAD_MAX_SLOTS)
		return -ENOENT;
	remote.iov_base = (void *)(uintptr_t)(p->table + offsetof(struct
	    preload_table, chunks) + (uint32_t)fd / PRELOAD_CHUNK *
	    sizeof(chunk));
	remote.iov_len = sizeof(chunk);
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(chunk) || chunk == 0)
		return -ENOENT;
	local = (struct iovec){ slot, len };
	remote = (struct iovec){ (void *)(uintptr_t)(chunk +
	    (uint32_t)fd % PRELOAD_CHUNK * sizeof(*slot)), len };
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) != (ssize_t)len)
		return -EIO;
	if (slot->call == 0)
		return -ENOENT;
	if (!t->stacks || slot->nframes > PRELOAD_FRAMES)
		slot->nframes = 0;
	if (!t->stacks || slot->npy > PRELOAD_PY_FRAMES)
		slot->npy = 0;
	return 0;
}

/*
 * A NUL-terminated text of the tracee's, read a page at a time so that
 * text ending just before an unmapped page is still read.
 */
static char *
remote_text(int tid, uint64_t addr)
{
	char buf[PRELOAD_PY_TEXT] = "";
	size_t got = 0;

	while (got < sizeof(buf) - 1) {
		size_t room = 4096 - (size_t)((addr + got) % 4096);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (room > sizeof(buf) - 1 - got)
			room = sizeof(buf) - 1 - got;
		local = (struct iovec){ buf + got, room };
		remote = (struct iovec){ (void *)(uintptr_t)(addr + got), room };
		if ((n = process_vm_readv(tid, &local, 1, &remote, 1, 0)) <= 0)
			return NULL;
		if ((nul = memchr(buf + got, '\0', (size_t)n)) != NULL)
			return strdup(buf);
		got += (size_t)n;
	}
	buf[got] = '\0';
	return strdup(buf);
}

/* The Python frames of a recorder's slot, their texts read now. */
static struct py_stack *
py_stack_read(int tid, const struct preload_slot *ps)
{
	uint32_t n = ps->npy > PRELOAD_PY_FRAMES ? PRELOAD_PY_FRAMES : ps->npy;
	struct py_stack *py;

	if (n == 0 || (py = calloc(1, sizeof(*py) + n *
	    sizeof(py->frames[0]))) == NULL)
		return NULL;
	py->refs = 1;
	for (uint32_t i = 0; i < n; i++) {
		struct trace_frame *f = &py->frames[py->n];

		*f = (struct trace_frame){ .python = true,
		    .line = (int)ps->py[i].line };
		f->function = remote_text(tid, ps->py[i].function);
		f->file = remote_text(tid, ps->py[i].file);
		if (f->function == NULL || f->file == NULL) {
			free(f->function);
			free(f->file);
			continue;
		}
		py->n++;
	}
	if (py->n == 0) {
		free(py);
		return NULL;
	}
	return py;
}

/*
 * Take the recorder's record of fd into the process's records, with the
 * identity the descriptor has now, when it is later than the record the
 * supervisor has (serial `after').
 */
static const struct origin_slot *
preload_import(const struct tracer *t, struct tproc *p, int tid, int fd,
    const struct stat *st, const struct fd_kind *kind, uint64_t after)
{
	struct unwind_stack *stack = NULL;
	const struct trace_syscall *sc;
	struct preload_slot ps = { .call = 0 };
	struct origin_slot *s;

	if (preload_slot_read(t, p, tid, fd, &ps) != 0 ||
	    ps.serial <= after || preload_borrowed(p, ps.serial) ||
	    (sc = syscall_find((long)ps.call - 1, 0)) == NULL ||
	    sc->result == RESULT_PTRACE || sc->result == RESULT_EXEC ||
	    !preload_fits(sc, kind) || (s = slot_get(p, fd)) == NULL)
		return NULL;
	if (ps.nframes > 0 && (p->space != NULL ||
	    (p->space = unwind_space_new(p->pid)) != NULL))
		(void)unwind_stack_make(p->space, p->pid, ps.returns,
		    ps.nframes, &stack);
	slot_clear(s);
	*s = (struct origin_slot){ .used = true, .seen = fd_seen(fd, st),
	    .serial = ps.serial, .origin = {
	    .syscall = sc->name, .state = TRACE_ORIGIN_CREATED,
	    .created_by = p->forked && ps.serial <= p->fork_serial ?
	    p->ppid : p->pid }, .stack = stack,
	    .py = py_stack_read(tid, &ps) };
	return s;
}

/* The link text and type of a descriptor whose stat is known. */
static int
fd_kind_read(int tid, int fd, const struct stat *st, char *link,
    size_t size, struct fd_kind *kind)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", tid, fd);
	if ((n = readlink(path, link, size - 1)) == -1)
		return -errno;
	link[n] = '\0';
	kind->type = fdtype_classify_link(link, &kind->object);
	if (kind->object == FD_OBJECT_PATH)
		kind->type = fdtype_classify_mode(st->st_mode);
	return 0;
}

/* The identity, type and link text of a descriptor of another process. */
static int
fd_describe(int tid, int fd, struct stat *st, char *link, size_t size,
    struct fd_kind *kind)
{
	int error;

	if ((error = fd_identity(tid, fd, st)) != 0)
		return error;
	return fd_kind_read(tid, fd, st, link, size, kind);
}

/* The descriptor numbers of a thread's table, ascending or not. */
static int
fd_numbers(int tid, int **numbers, size_t *n, int *top)
{
	char path[64];
	struct dirent *de;
	size_t max = 0;
	int *grown;
	DIR *dir;

	*numbers = NULL;
	*n = 0;
	*top = -1;
	snprintf(path, sizeof(path), "/proc/%d/fd", tid);
	if ((dir = opendir(path)) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (*n == max) {
			max = max ? max * 2 : 64;
			if ((grown = reallocarray(*numbers, max,
			    sizeof(*grown))) == NULL)
				break;
			*numbers = grown;
		}
		(*numbers)[*n] = atoi(de->d_name);
		if ((*numbers)[*n] > *top)
			*top = (*numbers)[*n];
		(*n)++;
	}
	closedir(dir);
	return 0;
}

/* Before an exec replaces the recorder's memory, keep what it noted. */
static void
preload_import_all(const struct tracer *t, struct tproc *p, int tid)
{
	char link[PATH_MAX + 1];
	struct fd_kind kind;
	struct stat st;
	size_t n;
	int *numbers, top;

	if (p->table == 0 || fd_numbers(tid, &numbers, &n, &top) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct origin_slot *s;

		if (fd_describe(tid, numbers[i], &st, link, sizeof(link),
		    &kind) != 0)
			continue;
		s = slot_current(p, numbers[i], &st);
		(void)preload_import(t, p, tid, numbers[i], &st, &kind,
		    s != NULL ? s->serial : 0);
	}
	free(numbers);
}

static int exit_table_read(const struct tracer *, struct tproc *, int,
    struct trace_fd **, size_t *);

/* The recorder's flags: what it found in the program. */
static uint32_t
preload_flags(const struct tproc *p, int tid)
{
	uint32_t flags = 0;

	if (!preload_field_read(p, tid, offsetof(struct preload_table, flags),
	    &flags, sizeof(flags)))
		return 0;
	return flags;
}

/*
 * The process asked to be checked before it exits: Python has run the
 * program's atexit handlers and will now close what the program left
 * open.  The table read now is the one its exit reports.  The records
 * the descriptors point at may move before then: each keeps a copy.
 */
static void
proc_check_now(struct tracer *t, struct tproc *p, int tid)
{
	if (p->checked != TRACE_CHECK_EXIT)
		return;
	if (exit_table_read(t, p, tid, &p->checked_fds, &p->nchecked_fds) !=
	    0)
		return;
	for (size_t i = 0; i < p->nchecked_fds; i++) {
		struct trace_fd *f = &p->checked_fds[i];

		if (f->origin != NULL) {
			f->origin_kept = *f->origin;
			f->origin = &f->origin_kept;
		}
	}
	p->checked = TRACE_CHECK_PYTHON_SHUTDOWN;
}

/*
 * The table of a running process, for its caller: when it ran out of
 * descriptors, or first held --threshold of them.
 */
static void
proc_snapshot(struct tracer *t, struct tproc *p, int tid,
    const struct trace_snapshot *why)
{
	struct trace_exit e = { .pid = p->pid, .ppid = p->ppid,
	    .command = p->command, .argv = p->argv, .argc = p->argc,
	    .root = p->root };

	if (t->cb->snapshot == NULL || !t->started ||
	    exit_table_read(t, p, tid, &e.fds, &e.nfds) != 0)
		return;
	t->cb->snapshot(t->cb->arg, &e, why);
	exit_fds_free(e.fds, e.nfds);
}

/* The count of a process's descriptors, from its table's listing. */
static size_t
proc_count(int tid)
{
	size_t n = 0;
	int *numbers, top;

	if (fd_numbers(tid, &numbers, &n, &top) != 0)
		return 0;
	free(numbers);
	return n;
}

/*
 * Descriptor number fd was made: does the process hold --threshold now?
 * When it holds fewer (it closed some below), the recorder is asked
 * again at a number high enough to make up the difference.
 */
static void
threshold_check(struct tracer *t, struct tproc *p, int tid, int fd)
{
	struct trace_snapshot why = { .reason = TRACE_SNAPSHOT_THRESHOLD };
	size_t n;
	uint32_t again;
	struct iovec local = { &again, sizeof(again) };
	struct iovec remote;

	if (t->threshold == 0 || p->threshold_reported ||
	    (unsigned)fd + 1 < t->threshold)
		return;
	if ((n = proc_count(tid)) >= t->threshold) {
		p->threshold_reported = true;
		proc_snapshot(t, p, tid, &why);
		return;
	}
	if (p->table == 0)
		return;
	again = (uint32_t)fd + (uint32_t)(t->threshold - n);
	remote = (struct iovec){ (void *)(uintptr_t)(p->table +
	    offsetof(struct preload_table, threshold)), sizeof(again) };
	(void)process_vm_writev(tid, &local, 1, &remote, 1, 0);
}

/* A creating call failed with EMFILE or ENFILE: once per process. */
static void
limit_check(struct tracer *t, struct tproc *p, int tid, int error,
    const char *syscall)
{
	struct trace_snapshot why = { .reason = TRACE_SNAPSHOT_LIMIT,
	    .error = error, .syscall = syscall };

	if (p->limit_reported || (error != EMFILE && error != ENFILE))
		return;
	p->limit_reported = true;
	proc_snapshot(t, p, tid, &why);
}

/* The recorder asked for a check: Python's shutdown, a limit, a count. */
static void
preload_check(struct tracer *t, struct tthread *th,
    const struct __ptrace_syscall_info *info)
{
	const struct trace_syscall *sc;

	switch (info->seccomp.args[1]) {
	case PRELOAD_CHECK_SHUTDOWN:
		proc_check_now(t, th->proc, th->tid);
		break;
	case PRELOAD_CHECK_LIMIT:
		sc = syscall_find((long)info->seccomp.args[4], 0);
		limit_check(t, th->proc, th->tid, (int)info->seccomp.args[3],
		    sc != NULL ? sc->name : NULL);
		break;
	case PRELOAD_CHECK_THRESHOLD:
		threshold_check(t, th->proc, th->tid,
		    (int)info->seccomp.args[3]);
		break;
	}
}

/* At a seccomp stop: note the call and ask for its exit stop. */
static int
on_seccomp(struct tracer *t, struct tthread *th)
{
	struct __ptrace_syscall_info info;
	const struct trace_syscall *sc;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(info), &info) <=
	    0 || info.op != PTRACE_SYSCALL_INFO_SECCOMP)
		return PTRACE_CONT;
	sc = syscall_find((long)info.seccomp.nr, info.seccomp.args[1]);
	if (sc == NULL)
		return PTRACE_CONT;
	if (sc->result == RESULT_PTRACE) {
		if (t->cb->ptrace_used != NULL && th->proc != NULL)
			t->cb->ptrace_used(t->cb->arg, th->proc->pid,
			    th->proc->command);
		return PTRACE_CONT;
	}
	/* Before the command's first exec the child is still fdaudit. */
	if (!t->started || th->proc == NULL)
		return PTRACE_CONT;
	if (sc->nr == SYS_dup && (int)info.seccomp.args[0] ==
	    PRELOAD_ANNOUNCE_FD && info.seccomp.args[2] == t->cookie) {
		preload_announce(th->proc, th->tid, info.seccomp.args[1]);
		return PTRACE_CONT;
	}
	if (sc->nr == SYS_dup && (int)info.seccomp.args[0] ==
	    PRELOAD_CHECK_FD && info.seccomp.args[2] == t->cookie) {
		preload_check(t, th, &info);
		return PTRACE_CONT;
	}
	if (sc->result == RESULT_EXEC) {
		preload_import_all(t, th->proc, th->tid);
		return PTRACE_CONT;
	}
	th->pending = sc;
	th->pending_arg = sc->result == RESULT_PAIR_ARG3 ?
	    info.seccomp.args[3] : info.seccomp.args[0];
	if (t->stacks)
		stack_capture(th);
	return PTRACE_SYSCALL;
}

/* The command's table as it started: what it inherited. */
static int
start_table_take(struct tracer *t, int pid)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((dir = opendir(path)) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		struct fd_entry *grown;
		int fd = atoi(de->d_name);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    fd_identity(pid, fd, &st) != 0)
			continue;
		grown = reallocarray(t->start, t->nstart + 1, sizeof(*grown));
		if (grown == NULL)
			break;
		t->start = grown;
		t->start[t->nstart++] = fd_seen(fd, &st);
	}
	closedir(dir);
	return 0;
}

static bool
start_has(const struct tracer *t, int fd, const struct stat *st)
{
	struct fd_entry now = fd_seen(fd, st);

	for (size_t i = 0; i < t->nstart; i++) {
		if (fd_entry_same(&t->start[i], &now))
			return true;
	}
	return false;
}

/*
 * After an exec only descriptors without O_CLOEXEC remain.  Those with a
 * record above 2 crossed into the new program; 0 to 2 are meant to.
 */
static void
exec_mark(struct tproc *p)
{
	struct stat st;

	for (size_t fd = 0; fd < p->nslots; fd++) {
		struct origin_slot *s = &p->slots[fd];

		if (!s->used)
			continue;
		if (fd_identity(p->pid, (int)fd, &st) != 0 ||
		    slot_current(p, (int)fd, &st) == NULL) {
			slot_clear(s);
			continue;
		}
		/* Older than anything the new program's recorder notes. */
		s->serial = 0;
		if (fd <= 2)
			s->origin.state = TRACE_ORIGIN_STDIO;
		else if (s->origin.state == TRACE_ORIGIN_CREATED)
			s->origin.state = TRACE_ORIGIN_CROSSED;
	}
}

static void
on_exec(struct tracer *t, struct tthread *th)
{
	unsigned long former = 0;
	struct tthread *old;
	int tid = th->tid;

	/* A thread other than the leader that execs takes the leader's TID. */
	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &former) == 0 &&
	    (int)former != tid &&
	    (old = thread_find(t, (int)former)) != NULL) {
		if (th->proc == NULL)
			th->proc = old->proc;
		thread_remove(t, old);
		th = thread_find(t, tid);
	}
	if (th == NULL || th->proc == NULL)
		return;
	th->proc->nthreads = 1;
	if (!t->started && th->proc->root) {
		t->started = true;
		start_table_take(t, th->proc->pid);
		slots_clear(th->proc);
	} else
		exec_mark(th->proc);
	/* The new program has modules and a recorder of its own. */
	unwind_space_unref(th->proc->space);
	th->proc->space = NULL;
	th->proc->table = 0;
	th->proc->forked = false;
	th->proc->fork_serial = 0;
	free(th->proc->borrowed);
	th->proc->borrowed = NULL;
	th->proc->nborrowed = 0;
	proc_identity_read(th->proc);
}

static void
exit_fds_free(struct trace_fd *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(fds[i].target);
		unwind_frames_free(fds[i].stack, fds[i].nstack);
	}
	free(fds);
}

static void
fd_flags_read(int tid, struct trace_fd *f)
{
	char name[64], buf[4096];
	struct fdinfo info;
	ssize_t n;

	snprintf(name, sizeof(name), "fdinfo/%d", f->fd);
	if ((n = proc_file_read(tid, name, buf, sizeof(buf))) <= 0)
		return;
	if (procfs_fdinfo_parse(buf, (size_t)n, &info) == 0 &&
	    info.have_flags) {
		f->have_flags = true;
		f->cloexec = (info.flags & O_CLOEXEC) != 0;
	}
}

/*
 * Python's frames stand for the interpreter's own native ones: they say
 * where in the program the descriptor was made.
 */
static int
py_frames_copy(const struct py_stack *py, struct trace_fd *f)
{
	if ((f->stack = calloc(py->n, sizeof(*f->stack))) == NULL)
		return -ENOMEM;
	for (; f->nstack < py->n; f->nstack++) {
		const struct trace_frame *from = &py->frames[f->nstack];
		struct trace_frame *to = &f->stack[f->nstack];

		*to = (struct trace_frame){ .python = true, .line = from->line,
		    .function = strdup(from->function),
		    .file = strdup(from->file) };
		if (to->function == NULL || to->file == NULL) {
			f->nstack++;
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * A forked child that did not execute a program is charged only with
 * what it made itself: what it holds of its parent's is the parent's to
 * close, and is reported there if it leaks.
 */
static bool
inherited_at_fork(const struct tproc *p, const struct origin_slot *s)
{
	return s->origin.state == TRACE_ORIGIN_CREATED &&
	    s->origin.created_by != p->pid;
}

/* Describe one open descriptor of an ending process. */
static int
exit_fd_read(const struct tracer *t, struct tproc *p, int tid,
    struct trace_fd *f)
{
	char link[PATH_MAX + 1];
	const struct origin_slot *s, *imported;
	struct fd_kind kind;
	struct stat st;
	int error;

	/* The process is stopped: its table holds still between calls. */
	if ((error = fd_identity(tid, f->fd, &st)) != 0)
		return error;
	f->inherited = start_has(t, f->fd, &st);
	if (f->inherited)
		return 0;
	if ((error = fd_kind_read(tid, f->fd, &st, link, sizeof(link),
	    &kind)) != 0)
		return error;
	f->type = kind.type;
	if ((f->target = strdup(link)) == NULL)
		return -ENOMEM;
	s = slot_current(p, f->fd, &st);
	if ((imported = preload_import(t, p, tid, f->fd, &st, &kind,
	    s != NULL ? s->serial : 0)) != NULL)
		s = imported;
	if (s != NULL && p->forked && inherited_at_fork(p, s)) {
		f->inherited = true;
		free(f->target);
		f->target = NULL;
		return 0;
	}
	if (s != NULL) {
		f->origin = &s->origin;
		if (s->py != NULL)
			(void)py_frames_copy(s->py, f);
		else if (s->stack != NULL)
			(void)unwind_symbolize(s->stack, &f->stack,
			    &f->nstack);
	}
	fd_flags_read(tid, f);
	return 0;
}

/* Read the table through the exiting thread, which still holds it. */
static int
exit_table_read(const struct tracer *t, struct tproc *p, int tid,
    struct trace_fd **fds, size_t *nfds)
{
	size_t n;
	int *numbers, top, error;

	*fds = NULL;
	*nfds = 0;
	if ((error = fd_numbers(tid, &numbers, &n, &top)) != 0)
		return error;
	/*
	 * The descriptors point at their records: taking records from the
	 * recorder must not move the array under the ones already read.
	 */
	if (p->table != 0 && top >= 0)
		(void)slot_get(p, top);
	if (n > 0 && (*fds = calloc(n, sizeof(**fds))) == NULL) {
		free(numbers);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_fd *f = &(*fds)[*nfds];

		*f = (struct trace_fd){ .fd = numbers[i] };
		if (exit_fd_read(t, p, tid, f) == 0)
			(*nfds)++;
		else
			free(f->target);
	}
	free(numbers);
	return 0;
}

static void
proc_report(struct tracer *t, struct tproc *p, int tid, int status)
{
	struct trace_exit e = { .pid = p->pid, .ppid = p->ppid,
	    .command = p->command, .argv = p->argv, .argc = p->argc,
	    .wait_status = status, .root = p->root };
	uint32_t flags;

	if (p->reported)
		return;
	p->reported = true;
	/* Before the first exec the child was fdaudit, not the command. */
	if (!t->started)
		return;
	flags = tid > 0 ? preload_flags(p, tid) : 0;
	e.python = (flags & PRELOAD_PY_FOUND) != 0 ||
	    p->checked == TRACE_CHECK_PYTHON_SHUTDOWN;
	e.python_unsupported = (flags & PRELOAD_PY_TOO_OLD) != 0 ||
	    (!e.python && p->command != NULL &&
	    strncmp(p->command, "python", 6) == 0);
	if (p->checked != TRACE_CHECK_EXIT) {
		e.checked = p->checked;
		e.fds = p->checked_fds;
		e.nfds = p->nchecked_fds;
		p->checked_fds = NULL;
		p->nchecked_fds = 0;
	} else if (tid > 0)
		exit_table_read(t, p, tid, &e.fds, &e.nfds);
	t->cb->exited(t->cb->arg, &e);
	exit_fds_free(e.fds, e.nfds);
}

/* PTRACE_EVENT_EXIT: the last thread of a process reports its table. */
static void
on_exit_event(struct tracer *t, struct tthread *th)
{
	unsigned long msg = 0;

	th->pending = NULL;
	unwind_stack_unref(th->pending_stack);
	th->pending_stack = NULL;
	if (th->proc == NULL || --th->proc->nthreads > 0)
		return;
	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg);
	proc_report(t, th->proc, th->tid, (int)msg);
}

/* A thread or a process announced by its creator's event. */
static void
on_new_task(struct tracer *t, struct tthread *th, int event)
{
	unsigned long msg = 0;
	struct tthread *child;
	struct tproc *parent = th->proc;
	char path[64];
	struct stat st;
	bool thread = false;
	int tid;

	if (ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg) != 0 ||
	    parent == NULL)
		return;
	tid = (int)msg;
	/*
	 * Until it execs or exits, a vfork child writes its records into
	 * this process's memory: keep what the recorder noted so far, and
	 * note where its count stands (see on_vfork_done).
	 */
	if (event == PTRACE_EVENT_VFORK && parent->table != 0) {
		preload_import_all(t, parent, th->tid);
		th->vfork_serial = preload_serial(parent, th->tid);
	}
	if (event == PTRACE_EVENT_CLONE) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d", parent->pid,
		    tid);
		thread = stat(path, &st) == 0;
	}
	if ((child = thread_find(t, tid)) == NULL &&
	    (child = thread_add(t, tid)) == NULL)
		return;
	if (thread) {
		child->proc = parent;
		parent->nthreads++;
	} else if ((child->proc = proc_new(t, tid, parent)) != NULL) {
		child->proc->forked = true;
		child->proc->fork_serial = event == PTRACE_EVENT_VFORK ?
		    th->vfork_serial : preload_serial(parent, th->tid);
	}
	if (child->held) {
		child->held = false;
		ptrace(PTRACE_CONT, tid, 0, 0);
	} else
		child->expected = true;
}

/*
 * The vfork child has let go of the memory: what the recorder counted
 * since the vfork was the child's (or, rarely, another thread's, which
 * then falls back to ptrace's records).
 */
static void
on_vfork_done(struct tthread *th)
{
	struct tproc *p = th->proc;
	struct serial_range *grown;
	uint64_t upto;

	if (p == NULL || p->table == 0 ||
	    (upto = preload_serial(p, th->tid)) <= th->vfork_serial)
		return;
	grown = reallocarray(p->borrowed, p->nborrowed + 1, sizeof(*grown));
	if (grown == NULL)
		return;
	p->borrowed = grown;
	grown[p->nborrowed++] = (struct serial_range){ th->vfork_serial,
	    upto };
}

/* A stop of the group-stop kind: keep it stopped but listening. */
static void
on_event_stop(struct tthread *th, int status)
{
	int sig = WSTOPSIG(status);

	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	    sig == SIGTTOU)
		ptrace(PTRACE_LISTEN, th->tid, 0, 0);
	else
		ptrace(PTRACE_CONT, th->tid, 0, 0);
}

static void
on_stop(struct tracer *t, int tid, struct tthread *th, int status)
{
	int event = status >> 16, sig = WSTOPSIG(status);
	int request = PTRACE_CONT, inject = 0;

	/* A new task stops before its creator's event may have come. */
	if (th->proc == NULL && !th->expected) {
		th->held = true;
		return;
	}
	th->expected = false;
	if (sig == (SIGTRAP | 0x80)) {
		if (th->pending != NULL && th->proc != NULL)
			record_result(t, th);
	} else if (sig == SIGTRAP && event != 0) {
		switch (event) {
		case PTRACE_EVENT_SECCOMP:
			request = on_seccomp(t, th);
			break;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			on_new_task(t, th, event);
			/* The array of threads may have moved. */
			th = NULL;
			break;
		case PTRACE_EVENT_EXEC:
			on_exec(t, th);
			th = NULL;
			break;
		case PTRACE_EVENT_EXIT:
			on_exit_event(t, th);
			break;
		case PTRACE_EVENT_VFORK_DONE:
			on_vfork_done(th);
			break;
		default:
			break;
		}
	} else if (event == PTRACE_EVENT_STOP) {
		on_event_stop(th, status);
		return;
	} else
		inject = sig;
	ptrace(request, tid, 0, inject);
}

/* A thread is gone: its process may end with it. */
static void
on_death(struct tracer *t, int tid, int status)
{
	struct tthread *th = thread_find(t, tid);
	struct tproc *p;

	if (tid == t->root_pid)
		t->root_status = status;
	if (th == NULL)
		return;
	p = th->proc;
	thread_remove(t, th);
	if (p == NULL || p->pid != tid)
		return;
	/* No exit stop was seen (SIGKILL at a bad time): report the end. */
	proc_report(t, p, 0, status);
	/* Threads not yet reaped must not point at what is freed. */
	for (size_t i = 0; i < t->nthreads; i++) {
		if (t->threads[i].proc == p)
			t->threads[i].proc = NULL;
	}
	proc_unlink(t, p);
}

static void
loop(struct tracer *t)
{
	struct tthread *th;
	int status, tid;

	for (;;) {
		tid = waitpid(-1, &status, __WALL);
		if (tid == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			on_death(t, tid, status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if ((th = thread_find(t, tid)) == NULL &&
		    (th = thread_add(t, tid)) == NULL) {
			ptrace(PTRACE_CONT, tid, 0, 0);
			continue;
		}
		on_stop(t, tid, th, status);
	}
}

/*
 * An interrupt from the terminal reaches the command too; fdaudit
 * outlives it to write the report.  The command gets the dispositions
 * fdaudit was started with.
 */
static struct sigaction saved_int, saved_quit;

static void
signals_ignore(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &saved_int);
	sigaction(SIGQUIT, &ign, &saved_quit);
}

static void
child_fail(int fd, enum trace_failure failure, int error)
{
	struct setup_report r = { (int)failure, error };

	/* Nothing more can be done if the parent does not hear it. */
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(126);
	_exit(127);
}

/*
 * The recorder goes last in LD_PRELOAD: a sanitizer's runtime must come
 * first, and the user's own interposers keep their precedence.
 */
static int
preload_environment(const struct tracer *t)
{
	const char *old = getenv("LD_PRELOAD");
	char value[64], *list;
	int error = 0;

	snprintf(value, sizeof(value), "%u,%llx,%d,%u", PRELOAD_VERSION,
	    (unsigned long long)t->cookie, t->stacks ? 1 : 0, t->threshold);
	if (old != NULL && *old != '\0') {
		if (asprintf(&list, "%s:%s", old, t->preload) == -1)
			return -ENOMEM;
	} else if ((list = strdup(t->preload)) == NULL)
		return -ENOMEM;
	if (setenv(PRELOAD_ENV, value, 1) == -1 ||
	    setenv("LD_PRELOAD", list, 1) == -1)
		error = -errno;
	free(list);
	return error;
}

/*
 * The child waits until it is seized, installs the filter and runs the
 * command; a failure goes back through a close-on-exec pipe.
 */
static void
child_run(const struct tracer *t, char *const *argv, int sync, int report)
{
	char c;
	int error;

	while (read(sync, &c, 1) == -1 && errno == EINTR)
		continue;
	close(sync);
	sigaction(SIGINT, &saved_int, NULL);
	sigaction(SIGQUIT, &saved_quit, NULL);
	if ((error = filter_install(t->cookie)) != 0)
		child_fail(report, TRACE_FAILURE_PTRACE, error);
	if (t->preload != NULL && (error = preload_environment(t)) != 0)
		child_fail(report, TRACE_FAILURE_SYSTEM, error);
	execvp(argv[0], argv);
	child_fail(report, TRACE_FAILURE_EXEC, errno);
}

/* Keep tracer and tracees on the CPU fdaudit is on (see trace_run). */
static void
cpu_pin(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static int
start(struct tracer *t, char *const *argv, const struct trace_options *opt,
    enum trace_failure *failure)
{
	int sync[2], report[2];
	pid_t pid;

	*failure = TRACE_FAILURE_SYSTEM;
	if (pipe2(sync, O_CLOEXEC) == -1)
		return -errno;
	if (pipe2(report, O_CLOEXEC) == -1) {
		close(sync[0]);
		close(sync[1]);
		return -errno;
	}
	if (opt->pin_cpu)
		cpu_pin();
	signals_ignore();
	if ((pid = fork()) == -1) {
		int error = -errno;

		close(sync[0]);
		close(sync[1]);
		close(report[0]);
		close(report[1]);
		return error;
	}
	if (pid == 0) {
		close(sync[1]);
		close(report[0]);
		child_run(t, argv, sync[0], report[1]);
	}
	close(sync[0]);
	close(report[1]);
	/*
	 * Symbol lookups must not wait on the network: the tracer (not the
	 * command, which has its environment already) forgets debuginfod.
	 */
	unsetenv("DEBUGINFOD_URLS");
	t->error_pipe = report[0];
	t->root_pid = pid;
	if (ptrace(PTRACE_SEIZE, pid, 0, TRACE_OPTIONS) == -1) {
		int error = -errno;

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sync[1]);
		*failure = TRACE_FAILURE_PTRACE;
		return error;
	}
	/* If the go-ahead is lost the child sees end of file: the same. */
	if (write(sync[1], "x", 1) == -1)
		(void)0;
	close(sync[1]);
	*failure = TRACE_FAILURE_NONE;
	return 0;
}

char *
trace_data_find(const char *name)
{
	char exe[PATH_MAX], *slash, *paths[3] = { NULL, NULL, NULL };
	char *found = NULL;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (asprintf(&paths[0], "%s/%s", exe, name) == -1)
				paths[0] = NULL;
			if (asprintf(&paths[1], "%s/../lib/fdaudit/%s", exe,
			    name) == -1)
				paths[1] = NULL;
		}
	}
	if (asprintf(&paths[2], "%s/%s", FDAUDIT_LIBDIR, name) == -1)
		paths[2] = NULL;
	for (size_t i = 0; i < 3; i++) {
		if (found == NULL && paths[i] != NULL &&
		    access(paths[i], R_OK) == 0)
			found = paths[i];
		else
			free(paths[i]);
	}
	return found;
}

/* LD_PRELOAD splits its list at blanks and colons. */
static char *
preload_find(void)
{
	char *found = trace_data_find(PRELOAD_FILE);

	if (found != NULL && strpbrk(found, " :") != NULL) {
		free(found);
		return NULL;
	}
	return found;
}

/* Any value will do that a program does not pass by chance. */
static uint64_t
cookie_make(void)
{
	uint64_t cookie = 0;

	if (getrandom(&cookie, sizeof(cookie), 0) != (ssize_t)sizeof(cookie))
		cookie = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^
		    (uint64_t)getpid();
	return cookie != 0 ? cookie : 1;
}

static void
tracer_free(struct tracer *t)
{
	unwind_cache_free();
	free(t->preload);
	while (t->procs != NULL)
		proc_unlink(t, t->procs);
	free(t->threads);
	free(t->start);
	if (t->error_pipe >= 0)
		close(t->error_pipe);
}

int
trace_run(char *const *argv, const struct trace_options *opt,
    const struct trace_callbacks *cb, int *wait_status,
    enum trace_failure *failure)
{
	struct tracer t = { .cb = cb, .error_pipe = -1,
	    .stacks = opt->stacks, .threshold = opt->threshold };
	struct setup_report r;
	struct tproc *root;
	struct tthread *th;
	int error;

	t.cookie = cookie_make();
	if (opt->preload)
		t.preload = preload_find();
	if ((error = start(&t, argv, opt, failure)) != 0) {
		tracer_free(&t);
		return error;
	}
	if ((root = proc_new(&t, t.root_pid, NULL)) == NULL ||
	    (th = thread_add(&t, t.root_pid)) == NULL) {
		kill(t.root_pid, SIGKILL);
		error = -ENOMEM;
	} else {
		root->root = true;
		root->ppid = (int)getpid();
		th->proc = root;
		th->expected = true;
	}
	loop(&t);
	*wait_status = t.root_status;
	if (error == 0 && !t.started &&
	    read(t.error_pipe, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
		*failure = (enum trace_failure)r.failure;
		error = -r.error;
	}
	tracer_free(&t);
	return error;
}
