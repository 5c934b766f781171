/*
 * The recorder of fdaudit run (see include/preload.h): a library that the
 * supervisor preloads into the programs it runs.  It takes the place of
 * libc's descriptor-creating functions, makes each system call itself
 * with the run's cookie, so that the supervisor's filter lets it through
 * without a ptrace stop, and notes which call made the descriptor and,
 * unless stacks are off, its return addresses.
 *
 * The opening calls are cancellation points, as in glibc: asynchronous
 * cancellation is on while they run.  accept(2) and friends are left to
 * glibc and keep stopping in the supervisor.  Everything here must be
 * safe in a signal handler and before main: no locks, and memory only
 * from mmap(2).
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>

#include "preload.h"
#include "preload-python.h"

#define EXPORT	__attribute__((visibility("default")))

static struct preload_table *table;
static uint64_t cookie;
static bool stacks;
static int (*real_fcntl)(int, int, ...);
static int (*real_close)(int);

/* A system call with the cookie as sixth argument. */
static long
call6(long nr, long a, long b, long c, long d, long e)
{
	long ret;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = (long)cookie;

	__asm__ volatile ("syscall" : "=a"(ret)
	    : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = (long)cookie;

	__asm__ volatile ("svc 0" : "+r"(x0)
	    : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
	    : "memory");
	ret = x0;
#else
#error "the recorder knows the system call convention of x86-64 and arm64"
#endif
	return ret;
}

static int
result(long ret)
{
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return (int)ret;
}

struct walk {
	uint64_t	*returns;
	uint64_t	*cfas;		/* each frame's canonical frame address */
	uint32_t	 n;
	uintptr_t	 first;		/* the caller's return address */
	bool		 started;
};

/*
 * The last stack each thread walked.  A loop that opens files calls from
 * the same place at the same depth again and again; when every return
 * address still sits where the last walk found it, the walk would find
 * the same stack.  On x86-64 a call pushes the return address just below
 * the frame address of the function called, which libgcc gives with the
 * context of that return address, so that is where to look; elsewhere
 * the stack is always walked.
 */
struct memo {
	uintptr_t	 first;
	uintptr_t	 anchor;	/* the recorder's frame: the depth */
	uint32_t	 n;
	uint64_t	 returns[PRELOAD_FRAMES];
	uint64_t	 cfas[PRELOAD_FRAMES];
};

static __thread struct memo memo;
/* Set while the memo is in use: a signal handler's call walks alone. */
static __thread volatile sig_atomic_t memo_busy;

static bool
memo_holds(uintptr_t first, uintptr_t anchor)
{
#if defined(__x86_64__)
	if (memo.n == 0 || memo.first != first || memo.anchor != anchor)
		return false;
	for (uint32_t i = 0; i < memo.n; i++) {
		if (*(const uint64_t *)(uintptr_t)(memo.cfas[i] - 8) !=
		    memo.returns[i])
			return false;
	}
	return true;
#else
	(void)first;
	(void)anchor;
	return false;
#endif
}

static _Unwind_Reason_Code
walk_frame(struct _Unwind_Context *context, void *arg)
{
	struct walk *w = arg;
	uintptr_t ip = _Unwind_GetIP(context);

	if (ip == 0)
		return _URC_END_OF_STACK;
	/* The recorder's own frames come first: skip to the caller's. */
	if (!w->started && ip != w->first)
		return _URC_NO_REASON;
	w->started = true;
	w->cfas[w->n] = _Unwind_GetCFA(context);
	w->returns[w->n++] = ip;
	return w->n < PRELOAD_FRAMES ? _URC_NO_REASON : _URC_END_OF_STACK;
}

static uint32_t
stack_walk(uint64_t *returns, uint64_t *cfas, uintptr_t first)
{
	struct walk w = { .returns = returns, .cfas = cfas, .first = first };

	_Unwind_Backtrace(walk_frame, &w);
	return w.n;
}

static uint32_t
stack_note(uint64_t *returns, uintptr_t first, uintptr_t anchor)
{
	uint64_t cfas[PRELOAD_FRAMES];
	uint32_t n;

	if (memo_busy)
		n = stack_walk(returns, cfas, first);
	else {
		memo_busy = 1;
		if (memo_holds(first, anchor)) {
			n = memo.n;
			memcpy(returns, memo.returns, n * sizeof(*returns));
		} else {
			n = stack_walk(returns, cfas, first);
			memo.n = 0;
			memcpy(memo.returns, returns, n * sizeof(*returns));
			memcpy(memo.cfas, cfas, n * sizeof(*cfas));
			memo.first = first;
			memo.anchor = anchor;
			memo.n = n;
		}
		memo_busy = 0;
	}
	if (n == 0) {
		returns[0] = first;
		n = 1;
	}
	return n;
}

/*
 * The slot of a number, its chunk mapped on first use.  Two threads may
 * map the same chunk; the one that loses the race unmaps its own.
 */
static struct preload_slot *
slot_find(int fd, bool create)
{
	size_t size = PRELOAD_CHUNK * sizeof(struct preload_slot);
	uint64_t *chunk, expected = 0;
	void *m;

	if (table == NULL || fd < 0 || (uint32_t)fd >= PRELOAD_MAX_SLOTS)
		return NULL;
	chunk = &table->chunks[(uint32_t)fd / PRELOAD_CHUNK];
	if (__atomic_load_n(chunk, __ATOMIC_ACQUIRE) == 0) {
		if (!create)
			return NULL;
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		if (!__atomic_compare_exchange_n(chunk, &expected,
		    (uint64_t)(uintptr_t)m, false, __ATOMIC_ACQ_REL,
		    __ATOMIC_ACQUIRE))
			munmap(m, size);
	}
	return (struct preload_slot *)(uintptr_t)__atomic_load_n(chunk,
	    __ATOMIC_ACQUIRE) + (uint32_t)fd % PRELOAD_CHUNK;
}

static void
record(int fd, long nr, void *caller)
{
	struct preload_slot *s;

	if ((s = slot_find(fd, true)) == NULL)
		return;
	__atomic_store_n(&s->call, 0, __ATOMIC_RELAXED);
	s->nframes = 0;
	s->npy = 0;
	if (stacks) {
		s->nframes = stack_note(s->returns, (uintptr_t)caller,
		    (uintptr_t)__builtin_frame_address(0));
		s->npy = preload_python_stack(s->py);
	}
	s->serial = __atomic_add_fetch(&table->serial, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->call, (uint32_t)nr + 1, __ATOMIC_RELEASE);
}

/*
 * Out of descriptors: the supervisor looks at the table at this moment,
 * once per process, to say where the descriptors that fill it were made.
 */
static void
limit_hit(long ret, long nr)
{
	static pid_t reported;
	pid_t self;

	if (ret != -EMFILE && ret != -ENFILE)
		return;
	self = (pid_t)syscall(SYS_getpid);
	if (reported == self)
		return;
	reported = self;
	preload_check_now(PRELOAD_CHECK_LIMIT, -ret, nr);
}

/* A number at the threshold: the supervisor counts what is held. */
static void
threshold_reached(int fd)
{
	uint32_t at;

	if (table == NULL || (at = __atomic_load_n(&table->threshold,
	    __ATOMIC_RELAXED)) == 0 || (uint32_t)fd < at)
		return;
	__atomic_store_n(&table->threshold, 0, __ATOMIC_RELAXED);
	preload_check_now(PRELOAD_CHECK_THRESHOLD, fd, 0);
}

static int
made(long ret, long nr, void *caller)
{
	int fd = result(ret);

	if (fd == -1) {
		limit_hit(ret, nr);
		return -1;
	}
	record(fd, nr, caller);
	threshold_reached(fd);
	return fd;
}

static int
made_pair(long ret, const int *fds, long nr, void *caller)
{
	if (result(ret) == -1) {
		limit_hit(ret, nr);
		return -1;
	}
	record(fds[0], nr, caller);
	record(fds[1], nr, caller);
	threshold_reached(fds[0] > fds[1] ? fds[0] : fds[1]);
	return 0;
}

/* A call that may block, as a cancellation point. */
static long
call_cancellable(long nr, long a, long b, long c, long d)
{
	int old;
	long ret;

	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	ret = call6(nr, a, b, c, d, 0);
	pthread_setcanceltype(old, NULL);
	return ret;
}

static int
open_common(int dirfd, const char *path, int flags, mode_t mode,
    void *caller)
{
	return made(call_cancellable(SYS_openat, dirfd, (long)path, flags,
	    mode), SYS_openat, caller);
}

/* O_TMPFILE includes O_DIRECTORY: all of its bits must be there. */
#define OPEN_NEEDS_MODE(flags)						\
	(((flags) & O_CREAT) != 0 || ((flags) & O_TMPFILE) == O_TMPFILE)

/* The mode argument exists only for calls that may create a file. */
#define OPEN_MODE(flags, last, mode) do {				\
	if (OPEN_NEEDS_MODE(flags)) {					\
		va_list ap;						\
		va_start(ap, last);					\
		(mode) = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
} while (0)

EXPORT int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, flags, mode);
	return open_common(AT_FDCWD, path, flags, mode,
	    __builtin_return_address(0));
}

/* On 64-bit systems the *64 names are the same functions. */
EXPORT int	open64(const char *, int, ...) __attribute__((alias("open")));

EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, flags, mode);
	return open_common(dirfd, path, flags, mode,
	    __builtin_return_address(0));
}

EXPORT int	openat64(int, const char *, int, ...)
    __attribute__((alias("openat")));

/*
 * The checked variants _FORTIFY_SOURCE uses when flags are not constant:
 * like glibc's, they stop a program that would create a file without
 * giving its mode.
 */
int	__open_2(const char *, int);
int	__openat_2(int, const char *, int);

static int
open_checked(int dirfd, const char *path, int flags, void *caller)
{
	static const char message[] = "*** invalid open call: O_CREAT or "
	    "O_TMPFILE without mode ***: terminated\n";

	if (OPEN_NEEDS_MODE(flags)) {
		(void)!write(STDERR_FILENO, message, sizeof(message) - 1);
		abort();
	}
	return open_common(dirfd, path, flags, 0, caller);
}

EXPORT int
__open_2(const char *path, int flags)
{
	return open_checked(AT_FDCWD, path, flags,
	    __builtin_return_address(0));
}

EXPORT int	__open64_2(const char *, int) __attribute__((alias("__open_2")));

EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{
	return open_checked(dirfd, path, flags, __builtin_return_address(0));
}

EXPORT int	__openat64_2(int, const char *, int)
    __attribute__((alias("__openat_2")));

static int
creat_common(const char *path, mode_t mode, void *caller)
{
#ifdef SYS_creat
	return made(call_cancellable(SYS_creat, (long)path, mode, 0, 0),
	    SYS_creat, caller);
#else
	return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
	    mode, caller);
#endif
}

EXPORT int
creat(const char *path, mode_t mode)
{
	return creat_common(path, mode, __builtin_return_address(0));
}

EXPORT int	creat64(const char *, mode_t) __attribute__((alias("creat")));

EXPORT int
socket(int domain, int type, int protocol)
{
	return made(call6(SYS_socket, domain, type, protocol, 0, 0),
	    SYS_socket, __builtin_return_address(0));
}

EXPORT int
socketpair(int domain, int type, int protocol, int sv[2])
{
	return made_pair(call6(SYS_socketpair, domain, type, protocol,
	    (long)sv, 0), sv, SYS_socketpair, __builtin_return_address(0));
}

/*
 * accept waits for a client: a cancellation point, like the opens.  Python
 * accepts with the GIL released, so the record takes the Python stack.
 */
EXPORT int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return made(call_cancellable(SYS_accept4, fd, (long)addr, (long)len,
	    flags), SYS_accept4, __builtin_return_address(0));
}

EXPORT int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
#ifdef SYS_accept
	return made(call_cancellable(SYS_accept, fd, (long)addr, (long)len,
	    0), SYS_accept, __builtin_return_address(0));
#else
	return made(call_cancellable(SYS_accept4, fd, (long)addr, (long)len,
	    0), SYS_accept4, __builtin_return_address(0));
#endif
}

EXPORT int
pipe(int fds[2])
{
#ifdef SYS_pipe
	return made_pair(call6(SYS_pipe, (long)fds, 0, 0, 0, 0), fds,
	    SYS_pipe, __builtin_return_address(0));
#else
	return made_pair(call6(SYS_pipe2, (long)fds, 0, 0, 0, 0), fds,
	    SYS_pipe2, __builtin_return_address(0));
#endif
}

EXPORT int
pipe2(int fds[2], int flags)
{
	return made_pair(call6(SYS_pipe2, (long)fds, flags, 0, 0, 0), fds,
	    SYS_pipe2, __builtin_return_address(0));
}

EXPORT int
dup(int fd)
{
	return made(call6(SYS_dup, fd, 0, 0, 0, 0), SYS_dup,
	    __builtin_return_address(0));
}

EXPORT int
dup2(int fd, int to)
{
#ifdef SYS_dup2
	return made(call6(SYS_dup2, fd, to, 0, 0, 0), SYS_dup2,
	    __builtin_return_address(0));
#else
	/* dup3 refuses equal numbers, which dup2 accepts. */
	if (fd == to)
		return real_fcntl(fd, F_GETFD) == -1 ? -1 : to;
	return made(call6(SYS_dup3, fd, to, 0, 0, 0), SYS_dup3,
	    __builtin_return_address(0));
#endif
}

EXPORT int
dup3(int fd, int to, int flags)
{
	return made(call6(SYS_dup3, fd, to, flags, 0, 0), SYS_dup3,
	    __builtin_return_address(0));
}

/* Only the duplicating commands are recorded; libc does the others. */
static int
fcntl_common(int fd, int cmd, long arg, void *caller)
{
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return made(call6(SYS_fcntl, fd, cmd, arg, 0, 0), SYS_fcntl,
		    caller);
	if (real_fcntl != NULL)
		return real_fcntl(fd, cmd, arg);
	return result(syscall(SYS_fcntl, fd, cmd, arg));
}

EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_common(fd, cmd, arg, __builtin_return_address(0));
}

EXPORT int	fcntl64(int, int, ...) __attribute__((alias("fcntl")));

EXPORT int
eventfd(unsigned int value, int flags)
{
	return made(call6(SYS_eventfd2, value, flags, 0, 0, 0), SYS_eventfd2,
	    __builtin_return_address(0));
}

EXPORT int
epoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return made(call6(SYS_epoll_create1, 0, 0, 0, 0, 0),
	    SYS_epoll_create1, __builtin_return_address(0));
}

EXPORT int
epoll_create1(int flags)
{
	return made(call6(SYS_epoll_create1, flags, 0, 0, 0, 0),
	    SYS_epoll_create1, __builtin_return_address(0));
}

EXPORT int
inotify_init(void)
{
	return made(call6(SYS_inotify_init1, 0, 0, 0, 0, 0),
	    SYS_inotify_init1, __builtin_return_address(0));
}

EXPORT int
inotify_init1(int flags)
{
	return made(call6(SYS_inotify_init1, flags, 0, 0, 0, 0),
	    SYS_inotify_init1, __builtin_return_address(0));
}

EXPORT int
signalfd(int fd, const sigset_t *mask, int flags)
{
	/* The kernel's signal set is 64 bits, not glibc's 1024. */
	return made(call6(SYS_signalfd4, fd, (long)mask, 8, flags, 0),
	    SYS_signalfd4, __builtin_return_address(0));
}

EXPORT int
timerfd_create(int clock, int flags)
{
	return made(call6(SYS_timerfd_create, clock, flags, 0, 0, 0),
	    SYS_timerfd_create, __builtin_return_address(0));
}

EXPORT int
memfd_create(const char *name, unsigned int flags)
{
	return made(call6(SYS_memfd_create, (long)name, flags, 0, 0, 0),
	    SYS_memfd_create, __builtin_return_address(0));
}

/* A closed number forgets its record, so a reuse is not misattributed. */
EXPORT int
close(int fd)
{
	struct preload_slot *s = slot_find(fd, false);

	if (s != NULL)
		__atomic_store_n(&s->call, 0, __ATOMIC_RELEASE);
	if (real_close != NULL)
		return real_close(fd);
	return result(syscall(SYS_close, fd));
}

/*
 * "VERSION,COOKIE,STACKS,THRESHOLD", from a supervisor that reads this
 * version.
 */
static bool
arm(const char *value, uint64_t *armed, uint32_t *threshold)
{
	unsigned long version;
	char *end;

	version = strtoul(value, &end, 10);
	if (end == value || *end != ',' || version != PRELOAD_VERSION)
		return false;
	value = end + 1;
	*armed = strtoull(value, &end, 16);
	if (end == value || *end != ',' || *armed == 0)
		return false;
	stacks = end[1] == '1';
	if (end[1] == '\0' || end[2] != ',')
		return false;
	*threshold = (uint32_t)strtoul(end + 3, NULL, 10);
	return true;
}

/*
 * The cookie is used only once the table exists and was announced:
 * before that, and when the table cannot be made, every call stops and
 * ptrace records it.
 */
__attribute__((constructor)) static void
preload_init(void)
{
	const char *value = getenv(PRELOAD_ENV);
	struct preload_table *t;
	uint64_t armed;
	uint32_t threshold = 0;

	real_fcntl = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (value == NULL || !arm(value, &armed, &threshold))
		return;
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return;
	t->magic = PRELOAD_MAGIC;
	t->version = PRELOAD_VERSION;
	t->chunk = PRELOAD_CHUNK;
	t->frames = PRELOAD_FRAMES;
	/* Number N-1 is the first a process holding N descriptors can use. */
	t->threshold = threshold > 1 ? threshold - 1 : threshold;
	/* Without the cookie in the sixth argument, this call stops. */
	(void)syscall(SYS_dup, PRELOAD_ANNOUNCE_FD, (long)t, (long)armed, 0L,
	    0L, 0L);
	table = t;
	cookie = armed;
	if (stacks)
		preload_python_init(t);
}

/* Without the cookie this stops; the supervisor reads the table then. */
/* The call fails with EBADF: the program's errno must not see it. */
void
preload_check_now(long reason, long detail, long nr)
{
	int saved = errno;

	if (table != NULL)
		(void)syscall(SYS_dup, PRELOAD_CHECK_FD, reason, (long)cookie,
		    detail, nr, 0L);
	errno = saved;
}
