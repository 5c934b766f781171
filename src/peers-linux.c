/*
 * The other ends of pipes, FIFOs and UNIX sockets.  The kernel has no
 * call that names the holders of a pipe, so every other process's
 * descriptor links are read once (readlink only: never fdinfo, never an
 * open) and kept only where they name an object one of the audited
 * descriptors is looking for.  A UNIX socket's other end is its peer's
 * inode, from unix_diag; a named FIFO is matched by its path and then
 * confirmed by its inode.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fdaudit.h"
#include "peers-linux.h"

enum object_kind { OBJECT_PIPE = 1, OBJECT_SOCKET, OBJECT_FIFO };

struct holder {
	int		 pid;
	int		 fd;
	enum fd_mode	 mode;
	const char	*command;	/* owned by the search */
};

/* One object looked for, and who was found holding it. */
struct wanted {
	enum object_kind kind;
	uint64_t	 ino;
	const char	*path;		/* FIFOs: the link text to match */
	struct holder	*holders;
	size_t		 nholders;
};

struct search {
	struct wanted	*wanted;	/* open addressing, by kind and inode */
	size_t		 cap;
	size_t		 n;
	char		**commands;
	size_t		 ncommands;
	int		 error;
};

static size_t
slot_of(const struct search *s, enum object_kind kind, uint64_t ino)
{
	uint64_t h = (ino ^ ((uint64_t)kind << 56)) * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 20) & (s->cap - 1);

	while (s->wanted[i].kind != 0 && (s->wanted[i].kind != kind ||
	    s->wanted[i].ino != ino))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static struct wanted *
search_find(const struct search *s, enum object_kind kind, uint64_t ino)
{
	size_t i;

	if (s->cap == 0)
		return NULL;
	i = slot_of(s, kind, ino);
	return s->wanted[i].kind != 0 ? &s->wanted[i] : NULL;
}

static int
search_grow(struct search *s)
{
	struct wanted *old = s->wanted;
	size_t oldcap = s->cap;

	s->cap = oldcap ? oldcap * 2 : 64;
	if ((s->wanted = calloc(s->cap, sizeof(*s->wanted))) == NULL) {
		s->wanted = old;
		s->cap = oldcap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].kind != 0)
			s->wanted[slot_of(s, old[i].kind, old[i].ino)] = old[i];
	}
	free(old);
	return 0;
}

static void
search_want(struct search *s, enum object_kind kind, uint64_t ino,
    const char *path)
{
	size_t i;

	if (s->error != 0 || search_find(s, kind, ino) != NULL)
		return;
	if ((s->n + 1) * 2 > s->cap && (s->error = search_grow(s)) != 0)
		return;
	i = slot_of(s, kind, ino);
	s->wanted[i].kind = kind;
	s->wanted[i].ino = ino;
	s->wanted[i].path = path;
	s->n++;
}

static void
search_hold(struct search *s, struct wanted *w, int pid, int fd,
    enum fd_mode mode, const char *command)
{
	struct holder *grown;

	grown = reallocarray(w->holders, w->nholders + 1, sizeof(*grown));
	if (grown == NULL) {
		s->error = -ENOMEM;
		return;
	}
	w->holders = grown;
	grown[w->nholders].pid = pid;
	grown[w->nholders].fd = fd;
	grown[w->nholders].mode = mode;
	grown[w->nholders++].command = command;
}

/* Keep a command name for as long as the search lasts. */
static const char *
search_command(struct search *s, const char *command)
{
	char **grown;

	grown = reallocarray(s->commands, s->ncommands + 1, sizeof(*grown));
	if (grown == NULL || (grown[s->ncommands] = strdup(command ? command :
	    "")) == NULL) {
		if (grown != NULL)
			s->commands = grown;
		s->error = -ENOMEM;
		return NULL;
	}
	s->commands = grown;
	return grown[s->ncommands++];
}

/* What a descriptor is, as far as the search is concerned. */
static enum object_kind
fd_object(const struct fd_entry *fd, uint64_t *ino)
{
	if (fd->type == FD_TYPE_FIFO && fd->have_ino) {
		*ino = fd->ino;
		return fd->target != NULL && fd->target[0] == '/' ?
		    OBJECT_FIFO : OBJECT_PIPE;
	}
	if (fd->type == FD_TYPE_SOCKET && fd->have_ino) {
		*ino = fd->ino;
		return OBJECT_SOCKET;
	}
	return 0;
}

static bool
is_audited(const struct process *procs, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++) {
		if (procs[i].pid == pid)
			return true;
	}
	return false;
}

/* "pipe:[123]" or "socket:[123]": the kind and the inode. */
static enum object_kind
link_object(const char *link, uint64_t *ino)
{
	enum object_kind kind;
	const char *p;
	uint64_t v = 0;

	if (strncmp(link, "pipe:[", 6) == 0) {
		kind = OBJECT_PIPE;
		p = link + 6;
	} else if (strncmp(link, "socket:[", 8) == 0) {
		kind = OBJECT_SOCKET;
		p = link + 8;
	} else
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (*p != ']')
		return 0;
	*ino = v;
	return kind;
}

/* A named FIFO looked for under this path, confirmed by its inode. */
static struct wanted *
fifo_match(struct search *s, int fd_dir, const char *name, const char *link)
{
	struct wanted *w = NULL;
	struct stat st;

	for (size_t i = 0; i < s->cap && w == NULL; i++) {
		if (s->wanted[i].kind == OBJECT_FIFO &&
		    strcmp(s->wanted[i].path, link) == 0)
			w = &s->wanted[i];
	}
	if (w == NULL || fstatat(fd_dir, name, &st, 0) != 0 ||
	    st.st_ino != w->ino)
		return NULL;
	return w;
}

static const char *
process_command(struct search *s, int pid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return search_command(s, "?");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return search_command(s, buf);
}

/* Read one other process's links; it may vanish or refuse: no matter. */
/*
 * The other processes are shared by two readers taking PIDs in turn: on a
 * busy host the scan is most of the time of fdaudit PID, and it is all
 * readlink(2).  The wanted table does not change while they read; what
 * they find is added under the lock.
 */
struct scan {
	struct search	*s;
	pthread_mutex_t	 lock;		/* over the holders and commands */
	int		*pids;
	size_t		 npids;
	size_t		 next;		/* the next PID to take */
	bool		 fifos;
	bool		 failed;	/* the search's error is set */
};

/* Below this many processes, one reader does it all. */
#define SCAN_THREADS_MIN	16

/*
 * The access mode of another process's descriptor, from the permission
 * bits of its link in /proc, which the kernel sets from the open mode:
 * no fdinfo to read.
 */
enum fd_mode
peers_link_mode(int fd_dir, const char *name)
{
	struct stat st;

	if (fstatat(fd_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return FD_MODE_NONE;
	if ((st.st_mode & S_IRUSR) && (st.st_mode & S_IWUSR))
		return FD_MODE_READ_WRITE;
	if (st.st_mode & S_IWUSR)
		return FD_MODE_WRITE;
	return (st.st_mode & S_IRUSR) ? FD_MODE_READ : FD_MODE_NONE;
}

static void
scan_found(struct scan *sc, struct wanted *w, int pid, int fd,
    enum fd_mode mode, const char **command)
{
	struct search *s = sc->s;

	pthread_mutex_lock(&sc->lock);
	if (*command == NULL)
		*command = process_command(s, pid);
	if (*command != NULL)
		search_hold(s, w, pid, fd, mode, *command);
	if (s->error != 0)
		__atomic_store_n(&sc->failed, true, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sc->lock);
}

static void
scan_process(struct scan *sc, int pid)
{
	char path[64], link[PATH_MAX + 1];
	const char *command = NULL;
	struct dirent *de;
	DIR *dir;
	int fd_dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((fd_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((dir = fdopendir(fd_dir)) == NULL) {
		close(fd_dir);
		return;
	}
	while ((de = readdir(dir)) != NULL &&
	    !__atomic_load_n(&sc->failed, __ATOMIC_RELAXED)) {
		struct wanted *w = NULL;
		uint64_t ino;
		enum object_kind kind;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(fd_dir, de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if ((kind = link_object(link, &ino)) != 0)
			w = search_find(sc->s, kind, ino);
		else if (sc->fifos && link[0] == '/')
			w = fifo_match(sc->s, fd_dir, de->d_name, link);
		if (w != NULL)
			scan_found(sc, w, pid, atoi(de->d_name), kind ==
			    OBJECT_SOCKET ? FD_MODE_READ_WRITE :
			    peers_link_mode(fd_dir, de->d_name), &command);
	}
	closedir(dir);
}

static void *
scan_reader(void *arg)
{
	struct scan *sc = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&sc->next, 1, __ATOMIC_RELAXED)) <
	    sc->npids && !__atomic_load_n(&sc->failed, __ATOMIC_RELAXED))
		scan_process(sc, sc->pids[i]);
	return NULL;
}

/* Every PID of /proc but fdaudit's own and the audited ones. */
static int
scan_list(struct scan *sc, const struct process *procs, size_t n)
{
	struct dirent *de;
	size_t max = 0;
	int self = (int)getpid(), *grown;
	DIR *dir;

	if ((dir = opendir("/proc")) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		int pid = atoi(de->d_name);

		if (pid <= 0 || pid == self || is_audited(procs, n, pid))
			continue;
		if (sc->npids == max) {
			max = max ? max * 2 : 256;
			if ((grown = reallocarray(sc->pids, max,
			    sizeof(*grown))) == NULL) {
				closedir(dir);
				return -ENOMEM;
			}
			sc->pids = grown;
		}
		sc->pids[sc->npids++] = pid;
	}
	closedir(dir);
	return 0;
}

static int
holder_compare(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

static void
scan_others(struct search *s, const struct process *procs, size_t n,
    bool fifos)
{
	struct scan sc = { .s = s, .fifos = fifos };
	pthread_t second;
	bool threaded = false;
	int error;

	if ((error = scan_list(&sc, procs, n)) != 0) {
		if (error == -ENOMEM)
			s->error = error;
		free(sc.pids);
		return;
	}
	pthread_mutex_init(&sc.lock, NULL);
	if (sc.npids >= SCAN_THREADS_MIN)
		threaded = pthread_create(&second, NULL, scan_reader, &sc) ==
		    0;
	scan_reader(&sc);
	if (threaded)
		pthread_join(second, NULL);
	pthread_mutex_destroy(&sc.lock);
	free(sc.pids);
	/* Holders in a stable order, whichever reader found them. */
	for (size_t i = 0; i < s->cap; i++) {
		if (s->wanted[i].nholders > 1)
			qsort(s->wanted[i].holders, s->wanted[i].nholders,
			    sizeof(struct holder), holder_compare);
	}
}

/* The audited processes' own descriptors are known already. */
static void
hold_audited(struct search *s, const struct process *procs, size_t n)
{
	for (size_t i = 0; i < n && s->error == 0; i++) {
		const char *command = NULL;

		for (size_t j = 0; j < procs[i].nfds; j++) {
			const struct fd_entry *fd = &procs[i].fds[j];
			struct wanted *w;
			uint64_t ino;
			enum object_kind kind = fd_object(fd, &ino);

			if (kind == 0 || (w = search_find(s, kind, ino)) ==
			    NULL)
				continue;
			if (command == NULL && (command = search_command(s,
			    procs[i].command)) == NULL)
				return;
			search_hold(s, w, procs[i].pid, fd->fd, fd->have_flags ?
			    fd->mode : FD_MODE_NONE, command);
		}
	}
}

/*
 * Whether a holder of a pipe or FIFO holds the same end as fd: both known,
 * the same, and not both ends at once.
 */
static bool
same_end(const struct fd_entry *fd, const struct holder *h)
{
	return fd->type == FD_TYPE_FIFO && fd->have_flags &&
	    fd->mode == h->mode && (h->mode == FD_MODE_READ ||
	    h->mode == FD_MODE_WRITE);
}

/* The holders of the other end first, then those of the same end. */
static int
peers_add(struct fd_entry *fd, const struct wanted *w, int pid)
{
	fd->peers_searched = true;
	if (w == NULL)
		return 0;
	fd->peers = calloc(w->nholders + 1, sizeof(*fd->peers));
	if (fd->peers == NULL)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < w->nholders; i++) {
			const struct holder *h = &w->holders[i];
			struct fd_peer *p;

			if ((h->pid == pid && h->fd == fd->fd) ||
			    same_end(fd, h) != (pass == 1))
				continue;
			p = &fd->peers[fd->npeers + fd->nsharers];
			p->pid = h->pid;
			p->fd = h->fd;
			p->mode = h->mode;
			p->same_end = pass == 1;
			*(pass == 1 ? &fd->nsharers : &fd->npeers) += 1;
			if ((p->command = strdup(h->command)) == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Give each pipe, FIFO and connected UNIX socket its list of peers. */
static int
peers_fill(struct search *s, struct process *procs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < procs[i].nfds; j++) {
			struct fd_entry *fd = &procs[i].fds[j];
			const struct wanted *w = NULL;
			uint64_t ino;
			enum object_kind kind = fd_object(fd, &ino);

			if (kind == OBJECT_SOCKET && fd->peer_ino != 0)
				w = search_find(s, OBJECT_SOCKET,
				    fd->peer_ino);
			else if (kind == OBJECT_SOCKET)
				continue;
			else if (kind != 0)
				w = search_find(s, kind, ino);
			else
				continue;
			if (peers_add(fd, w, procs[i].pid) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int
peers_resolve(struct process *procs, size_t n)
{
	struct search s = { 0 };
	bool fifos = false;
	int error;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < procs[i].nfds; j++) {
			const struct fd_entry *fd = &procs[i].fds[j];
			uint64_t ino;
			enum object_kind kind = fd_object(fd, &ino);

			if (kind == OBJECT_SOCKET && fd->peer_ino != 0)
				search_want(&s, kind, fd->peer_ino, NULL);
			else if (kind == OBJECT_PIPE)
				search_want(&s, kind, ino, NULL);
			else if (kind == OBJECT_FIFO) {
				search_want(&s, kind, ino, fd->target);
				fifos = true;
			}
		}
	}
	if (s.n > 0 && s.error == 0) {
		hold_audited(&s, procs, n);
		scan_others(&s, procs, n, fifos);
		if (s.error == 0)
			s.error = peers_fill(&s, procs, n);
	}
	error = s.error;
	for (size_t i = 0; i < s.cap; i++)
		free(s.wanted[i].holders);
	free(s.wanted);
	for (size_t i = 0; i < s.ncommands; i++)
		free(s.commands[i]);
	free(s.commands);
	return error;
}
