/*
 * The parts of the platform interface that every POSIX system shares:
 * atomic files, the clocks, the terminal's character set.  The Makefile
 * builds this file together with platform-linux.c (or another POSIX
 * backend); Windows has its own versions in its backend.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "platform.h"

struct platform_file {
	FILE	*stream;
	char	*path;
	char	*temp;
};

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

/* The temporary file sits beside the target, so rename(2) is atomic. */
int
platform_file_create(const char *path, struct platform_file **file,
    FILE **stream)
{
	struct platform_file *f;
	size_t len = strlen(path);
	mode_t mask;
	int fd, error;

	if (len == 0)
		return -ENOENT;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->path = strdup(path)) == NULL ||
	    (f->temp = malloc(len + sizeof(".XXXXXX"))) == NULL) {
		error = -ENOMEM;
		goto fail;
	}
	memcpy(f->temp, path, len);
	memcpy(f->temp + len, ".XXXXXX", sizeof(".XXXXXX"));
	if ((fd = mkstemp(f->temp)) == -1) {
		error = -errno;
		free(f->temp);
		f->temp = NULL;
		goto fail;
	}
	/* mkstemp makes it 0600; give it the mode open(2) would have. */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	if ((f->stream = fdopen(fd, "w")) == NULL) {
		error = -errno;
		close(fd);
		goto fail;
	}
	*file = f;
	*stream = f->stream;
	return 0;
fail:
	if (f != NULL && f->temp != NULL)
		unlink(f->temp);
	if (f != NULL) {
		free(f->path);
		free(f->temp);
		free(f);
	}
	return error;
}

static void
platform_file_free(struct platform_file *f)
{
	free(f->path);
	free(f->temp);
	free(f);
}

void
platform_file_abort(struct platform_file *f)
{
	if (f->stream != NULL)
		fclose(f->stream);
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

int
platform_file_commit(struct platform_file *f)
{
	int error = 0;

	errno = 0;
	if (fflush(f->stream) != 0 || ferror(f->stream) ||
	    fsync(fileno(f->stream)) != 0)
		error = errno != 0 ? -errno : -EIO;
	if (fclose(f->stream) != 0 && error == 0)
		error = -errno;
	f->stream = NULL;
	if (error == 0 && rename(f->temp, f->path) != 0)
		error = -errno;
	if (error != 0) {
		unlink(f->temp);
		platform_file_free(f);
		return error;
	}
	directory_sync(f->path);
	platform_file_free(f);
	return 0;
}

int
platform_self(void)
{
	return (int)getpid();
}
