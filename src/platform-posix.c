/*
 * The parts of the platform interface that every POSIX system shares:
 * atomic files, the clocks, the terminal's character set.  The Makefile
 * builds this file together with platform-linux.c (or another POSIX
 * backend); Windows has its own versions in its backend.
 */
/* nftw(3) is an X/Open function. */
#define _XOPEN_SOURCE 700
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <langinfo.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

bool
platform_output_utf8(void)
{
	if (setlocale(LC_CTYPE, "") == NULL)
		return false;
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

void
platform_terminal_size(int fd, int *columns, int *rows)
{
	struct winsize ws;

	*columns = *rows = 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return;
	*columns = ws.ws_col;
	*rows = ws.ws_row;
}

double
platform_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
platform_sleep(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	/* A signal ends the sleep: the caller checks why and goes on. */
	(void)nanosleep(&ts, NULL);
}

/*
 * How a report reaches its path.  A regular file, or a path that does not
 * exist yet, is written atomically: a temporary file beside it, fsync,
 * rename.  Anything else that already exists -- a FIFO, a device, a socket,
 * the standard output -- is written in place: renaming over it would
 * replace /dev/null with a regular file, or leave a FIFO's reader waiting
 * forever.  A symlink is followed, so the link stays and its target gets
 * the rule that fits it.  In place, the report is kept in memory until
 * commit, so a failure part-way writes nothing.
 */
struct platform_file {
	FILE	*stream;
	char	*path;		/* the final target, links followed */
	char	*temp;		/* atomic: the temporary file */
	int	 fd;		/* in place: where the report goes */
	bool	 fd_owned;
	char	*buffer;	/* in place: the report, until commit */
	size_t	 size;
};

/* Links one path may pass through, as the kernel's own limit. */
#define FILE_LINKS_MAX	40

static void
platform_file_free(struct platform_file *f)
{
	if (f->fd_owned)
		close(f->fd);
	free(f->path);
	free(f->temp);
	free(f->buffer);
	free(f);
}

/* The link's text, taken relative to the directory the link is in. */
static char *
link_next(const char *link, const char *text)
{
	const char *slash = strrchr(link, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - link) + 1 : 0;
	char *next;

	if (text[0] == '/' || dirlen == 0)
		return strdup(text);
	if ((next = malloc(dirlen + strlen(text) + 1)) == NULL)
		return NULL;
	memcpy(next, link, dirlen);
	strcpy(next + dirlen, text);
	return next;
}

/*
 * Follow the symlinks of the last component until something that is not
 * a link, or nothing, is found; *st says what (st_mode 0: nothing).  The
 * directories on the way are the kernel's to resolve, in rename too.
 */
static int
path_follow(const char *path, char **final, struct stat *st)
{
	char *cur, *next, text[PATH_MAX];
	ssize_t n;

	if ((cur = strdup(path)) == NULL)
		return -ENOMEM;
	for (int links = 0; ; links++) {
		if (lstat(cur, st) == -1) {
			int error = errno;

			if (error != ENOENT) {
				free(cur);
				return -error;
			}
			st->st_mode = 0;
			break;
		}
		if (!S_ISLNK(st->st_mode))
			break;
		if (links == FILE_LINKS_MAX) {
			free(cur);
			return -ELOOP;
		}
		if ((n = readlink(cur, text, sizeof(text) - 1)) == -1) {
			free(cur);
			return -errno;
		}
		text[n] = '\0';
		next = link_next(cur, text);
		free(cur);
		if ((cur = next) == NULL)
			return -ENOMEM;
	}
	*final = cur;
	return 0;
}

/* A UNIX socket is written through a connection to it. */
static int
socket_connect(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, error = -EPROTOTYPE;

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) &&
	    error == -EPROTOTYPE; i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) == -1)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		error = -errno;
		close(fd);
	}
	return error;
}

/*
 * The standard streams by name: /dev/stdout is a link into /proc that
 * names a pipe or a socket as often as a file, and opening it again would
 * fail for a socket; the descriptor itself is what the user meant.
 */
static int
standard_fd(const char *path)
{
	if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(path, "/dev/stderr") == 0)
		return STDERR_FILENO;
	return -1;
}

static int
file_in_place(struct platform_file *f, const char *path, int fd,
    const struct stat *st)
{
	if ((f->path = strdup(path)) == NULL)
		return -ENOMEM;
	if (fd == -1) {
		if (S_ISSOCK(st->st_mode))
			fd = socket_connect(path);
		else if ((fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC |
		    (S_ISREG(st->st_mode) ? O_TRUNC : 0))) == -1)
			fd = -errno;
		if (fd < 0)
			return fd;
		f->fd_owned = true;
	}
	f->fd = fd;
	if ((f->stream = open_memstream(&f->buffer, &f->size)) == NULL)
		return -errno;
	return 0;
}

/* The temporary file sits beside the target, so rename(2) is atomic. */
static int
file_atomic(struct platform_file *f)
{
	size_t len = strlen(f->path);
	mode_t mask;
	int fd;

	if ((f->temp = malloc(len + sizeof(".XXXXXX"))) == NULL)
		return -ENOMEM;
	memcpy(f->temp, f->path, len);
	memcpy(f->temp + len, ".XXXXXX", sizeof(".XXXXXX"));
	if ((fd = mkstemp(f->temp)) == -1) {
		free(f->temp);
		f->temp = NULL;
		return -errno;
	}
	/* mkstemp makes it 0600; give it the mode open(2) would have. */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	if ((f->stream = fdopen(fd, "w")) == NULL) {
		int error = -errno;

		close(fd);
		unlink(f->temp);
		return error;
	}
	return 0;
}

/*
 * What the path finally names, every link followed by the kernel, which
 * alone knows /proc's links to pipes and sockets (st_mode 0: nothing).
 */
static int
path_kind(const char *path, int fd, struct stat *st)
{
	if (fd != -1) {
		st->st_mode = S_IFIFO;
		return 0;
	}
	if (stat(path, st) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	st->st_mode = 0;
	return 0;
}

/*
 * Whether following the links' text led where the kernel did.  A link in
 * /proc to a memfd or a deleted file names no path; such a file is
 * written in place, through the link.
 */
static bool
same_file(const struct stat *kernel, const struct stat *followed)
{
	if (kernel->st_mode == 0)
		return followed->st_mode == 0;
	return followed->st_mode != 0 && kernel->st_dev == followed->st_dev &&
	    kernel->st_ino == followed->st_ino;
}

int
platform_file_create(const char *path, unsigned flags,
    struct platform_file **file, FILE **stream)
{
	struct platform_file *f;
	struct stat st, final;
	int error, fd = standard_fd(path);

	if (*path == '\0')
		return -ENOENT;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -ENOMEM;
	f->fd = -1;
	error = path_kind(path, fd, &st);
	if (error == 0 && (flags & PLATFORM_FILE_REGULAR) &&
	    st.st_mode != 0 && !S_ISREG(st.st_mode))
		error = -PLATFORM_ENOTREG;
	if (error == 0 && (st.st_mode == 0 || S_ISREG(st.st_mode)) &&
	    (error = path_follow(path, &f->path, &final)) == 0 &&
	    same_file(&st, &final))
		error = file_atomic(f);
	else if (error == 0) {
		free(f->path);
		f->path = NULL;
		error = file_in_place(f, path, fd, &st);
	}
	if (error != 0) {
		if (f->stream != NULL)
			fclose(f->stream);
		platform_file_free(f);
		return error;
	}
	*file = f;
	*stream = f->stream;
	return 0;
}

void
platform_file_abort(struct platform_file *f)
{
	if (f->stream != NULL)
		fclose(f->stream);
	if (f->temp != NULL)
		unlink(f->temp);
	platform_file_free(f);
}

/* fsync of the directory makes the rename itself survive a crash. */
static void
directory_sync(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Between create and commit the target may have been swapped for
 * something that is not a regular file; it is then left alone.
 */
static int
atomic_commit(struct platform_file *f)
{
	struct stat st;

	if (lstat(f->path, &st) == 0 && !S_ISREG(st.st_mode))
		return -PLATFORM_ENOTREG;
	if (rename(f->temp, f->path) != 0)
		return -errno;
	directory_sync(f->path);
	return 0;
}

int
platform_file_commit(struct platform_file *f)
{
	int error = 0;

	errno = 0;
	if (fflush(f->stream) != 0 || ferror(f->stream) ||
	    (f->temp != NULL && fsync(fileno(f->stream)) != 0))
		error = errno != 0 ? -errno : -EIO;
	if (fclose(f->stream) != 0 && error == 0)
		error = -errno;
	f->stream = NULL;
	if (error == 0 && f->temp != NULL)
		error = atomic_commit(f);
	else if (error == 0)
		error = write_all(f->fd, f->buffer, f->size);
	if (error != 0 && f->temp != NULL)
		unlink(f->temp);
	platform_file_free(f);
	return error;
}

int
platform_self(void)
{
	return (int)getpid();
}

/* A pthread mutex is memory only, contended or not. */
static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;

void
platform_self_lock(void)
{
	pthread_mutex_lock(&self_lock);
}

void
platform_self_unlock(void)
{
	pthread_mutex_unlock(&self_lock);
}

struct platform_lock {
	int	 fd;
};

/* The lock file's name: PATH.lock, malloc'ed. */
static char *
lock_name(const char *path)
{
	size_t len = strlen(path);
	char *name = malloc(len + sizeof(".lock"));

	if (name != NULL) {
		memcpy(name, path, len);
		memcpy(name + len, ".lock", sizeof(".lock"));
	}
	return name;
}

int
platform_lock_acquire(const char *path, double timeout_s,
    struct platform_lock **lock)
{
	double deadline = platform_monotonic() + timeout_s;
	struct stat st;
	char *name;
	int fd;

	*lock = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	if ((name = lock_name(path)) == NULL)
		return -ENOMEM;
	/* No symbolic link planted in a shared directory is followed. */
	fd = open(name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	free(name);
	if (fd == -1)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    platform_monotonic() >= deadline) {
			int error = errno == EWOULDBLOCK ? -EAGAIN : -errno;

			close(fd);
			return error;
		}
		platform_sleep(0.01);
	}
	if ((*lock = malloc(sizeof(**lock))) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	(*lock)->fd = fd;
	return 0;
}

/* Closing the descriptor releases the lock. */
void
platform_lock_release(struct platform_lock *lock)
{
	if (lock == NULL)
		return;
	close(lock->fd);
	free(lock);
}

int
platform_hostname(char *buf, size_t size)
{
	if (size == 0 || gethostname(buf, size) != 0)
		return size == 0 ? -EINVAL : -errno;
	/* A name as long as the buffer is cut without its NUL. */
	buf[size - 1] = '\0';
	return 0;
}

/* nftw(3) takes no argument for its callback: the walk in progress. */
static struct hold_query *path_walk_query;
static int path_walk_error;

static int
file_id_add(struct hold_query *q, const struct stat *st)
{
	struct file_id *grown;

	if (q->nfiles == q->files_cap) {
		size_t cap = q->files_cap ? q->files_cap * 2 : 16;

		if ((grown = reallocarray(q->files, cap, sizeof(*grown))) ==
		    NULL)
			return -ENOMEM;
		q->files = grown;
		q->files_cap = cap;
	}
	/* Its holders are the sockets bound to it, not file descriptors. */
	if (S_ISSOCK(st->st_mode))
		q->sockets = true;
	grown = q->files;
	grown[q->nfiles].dev = (uint64_t)st->st_dev;
	grown[q->nfiles++].ino = (uint64_t)st->st_ino;
	return 0;
}

static int
path_walk_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	/* A name that cannot be looked at is skipped, as find(1) would. */
	if (flag == FTW_NS)
		return 0;
	if ((path_walk_error = file_id_add(path_walk_query, st)) != 0)
		return 1;
	return 0;
}

int
platform_path_ids(const char *path, bool recursive, struct hold_query *q)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	if (!recursive || !S_ISDIR(st.st_mode))
		return file_id_add(q, &st);
	path_walk_query = q;
	path_walk_error = 0;
	if (nftw(path, path_walk_one, 32, FTW_PHYS) == -1)
		return -errno;
	return path_walk_error;
}
