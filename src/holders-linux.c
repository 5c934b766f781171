/*
 * Who holds a file or a port, on Linux.  Every process's descriptor links
 * are read (readlink(2), never an open of the descriptor); a link that
 * names a path is followed by stat(2) through /proc/PID/fd/N and kept
 * when its device and inode are asked for; a socket link is kept when the
 * socket table of the process's network namespace gives it a matching
 * TCP or UDP end.  The access mode comes from the permission bits of the
 * link, which the kernel sets from the open mode.
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <arpa/inet.h>
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
#include "holders.h"
#include "peers-linux.h"
#include "platform.h"
#include "socktable-linux.h"

/* Below this many processes, one reader does it all. */
#define HOLDERS_THREADS_MIN	16
/*
 * A table larger than this is shared out in parts of this many
 * descriptors, so that the other reader takes a share of a process that
 * holds most of the host's descriptors instead of waiting for it.
 */
#define HOLDERS_PART	1024

/* One process's listing, read by whoever takes a part of it. */
struct listing {
	int		 pid;
	int		 fd_dir;
	int		*numbers;
	size_t		 n;
	int		 refs;		/* parts not yet read; under the lock */
};

/* A part of a listing: numbers[from..to). */
struct part {
	struct listing	*listing;
	size_t		 from;
	size_t		 to;
};

struct holders_scan {
	const struct hold_query	*q;
	pthread_mutex_t		 lock;		/* over all that follows */
	pthread_cond_t		 more;		/* parts queued, or none to come */
	int			*pids;
	size_t			 npids;
	size_t			 next;
	int			 self;
	int			 listing;	/* readers listing a table */
	size_t			 refused;	/* tables not readable */
	struct part		*parts;
	size_t			 nparts;
	size_t			 parts_cap;
	struct process		*found;
	size_t			 nfound;
	int			 error;
};

/* An address as 16 bytes, an IPv4 one in its IPv6-mapped form. */
static bool
address_bytes(const char *text, size_t len, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

/* "127.0.0.1:8080" or "[::1]:8080" against a port and maybe an address. */
static bool
endpoint_matches(const char *endpoint, const struct port_match *m)
{
	const char *colon, *host = endpoint;
	unsigned char want[16], have[16];
	size_t len;

	if (endpoint == NULL || (colon = strrchr(endpoint, ':')) == NULL ||
	    strtoul(colon + 1, NULL, 10) != m->port)
		return false;
	if (m->host[0] == '\0')
		return true;
	len = (size_t)(colon - endpoint);
	if (len >= 2 && host[0] == '[') {
		host++;
		len -= 2;
	}
	return address_bytes(m->host, strlen(m->host), want) &&
	    address_bytes(host, len, have) && memcmp(want, have, 16) == 0;
}

static bool
socket_matches(const struct hold_query *q, const struct sock_info *info)
{
	if (strncmp(info->proto, "tcp", 3) != 0 &&
	    strncmp(info->proto, "udp", 3) != 0)
		return false;
	for (size_t i = 0; i < q->nports; i++) {
		if (endpoint_matches(info->local, &q->ports[i]) ||
		    endpoint_matches(info->remote, &q->ports[i]))
			return true;
	}
	return false;
}

/* Room for one more descriptor in proc. */
static struct fd_entry *
fd_slot(struct process *proc, size_t *cap)
{
	struct fd_entry *grown, *fd;

	if (proc->nfds == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		grown = reallocarray(proc->fds, *cap, sizeof(*grown));
		if (grown == NULL)
			return NULL;
		proc->fds = grown;
	}
	fd = &proc->fds[proc->nfds];
	memset(fd, 0, sizeof(*fd));
	fd->pos = -1;
	fd->size = -1;
	return fd;
}

/*
 * Whether the descriptor `name' with link text `link' is one asked for;
 * if so it is described into fd: 1 when kept, 0 when not, -ENOMEM.
 */
static int
descriptor_match(const struct hold_query *q, int fd_dir, const char *name,
    char *link, struct fd_entry *fd)
{
	struct stat st;
	size_t pathlen;

	if (link[0] == '/' && q->nfiles > 0) {
		if (fstatat(fd_dir, name, &st, 0) != 0 ||
		    !hold_query_has_file(q, (uint64_t)st.st_dev, st.st_ino))
			return 0;
		fd->type = fdtype_classify_mode(st.st_mode);
		fd->ino = st.st_ino;
		if (st.st_nlink == 0 && fdtype_link_deleted(link, &pathlen)) {
			fd->deleted = true;
			link[pathlen] = '\0';
		}
		if (fd->type == FD_TYPE_FILE)
			fd->size = st.st_size;
		fd->mode = peers_link_mode(fd_dir, name);
	} else if ((q->nports > 0 || q->sockets) &&
	    strncmp(link, "socket:[", 8) == 0) {
		/* A candidate, matched against the socket tables later. */
		fd->type = FD_TYPE_SOCKET;
		fd->ino = strtoull(link + 8, NULL, 10);
		fd->mode = FD_MODE_READ_WRITE;
	} else
		return 0;
	fd->have_ino = true;
	fd->have_mode = true;
	fd->fd = atoi(name);
	return (fd->target = strdup(link)) != NULL ? 1 : -ENOMEM;
}

static void
scan_fail(struct holders_scan *sc, int error)
{
	pthread_mutex_lock(&sc->lock);
	sc->error = error;
	pthread_mutex_unlock(&sc->lock);
}

static void
scan_keep(struct holders_scan *sc, struct process *proc)
{
	struct process *grown;

	pthread_mutex_lock(&sc->lock);
	grown = reallocarray(sc->found, sc->nfound + 1, sizeof(*grown));
	if (grown == NULL) {
		sc->error = -ENOMEM;
		process_free(proc);
	} else {
		sc->found = grown;
		grown[sc->nfound++] = *proc;
	}
	pthread_mutex_unlock(&sc->lock);
}

/* Read a part of a listing; the last reader of a listing frees it. */
static void
part_read(struct holders_scan *sc, const struct part *part)
{
	struct listing *l = part->listing;
	struct process proc = { .pid = l->pid, .highest_fd = -1 };
	char name[16], link[PATH_MAX + 1];
	size_t cap = 0;
	int kept = 0;
	bool last;

	for (size_t i = part->from; i < part->to && kept >= 0; i++) {
		struct fd_entry *fd;
		ssize_t n;

		snprintf(name, sizeof(name), "%d", l->numbers[i]);
		n = readlinkat(l->fd_dir, name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if ((fd = fd_slot(&proc, &cap)) == NULL)
			kept = -ENOMEM;
		else if ((kept = descriptor_match(sc->q, l->fd_dir, name, link,
		    fd)) == 1)
			proc.nfds++;
		else
			fd_entry_release(fd);
	}
	if (kept < 0)
		scan_fail(sc, kept);
	if (proc.nfds > 0)
		scan_keep(sc, &proc);
	else
		process_free(&proc);
	pthread_mutex_lock(&sc->lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&sc->lock);
	if (last) {
		close(l->fd_dir);
		free(l->numbers);
		free(l);
	}
}

/* The descriptor numbers of /proc/PID/fd; it may vanish or refuse. */
static struct listing *
listing_read(int pid, int *error)
{
	struct listing *l;
	struct dirent *de;
	char path[64];
	size_t cap = 0;
	DIR *dir;
	int *grown;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->pid = pid;
	if ((l->fd_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (dir = opendir(path)) == NULL) {
		*error = -errno;
		if (l->fd_dir != -1)
			close(l->fd_dir);
		free(l);
		return NULL;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = reallocarray(l->numbers, cap,
			    sizeof(*grown))) == NULL)
				break;
			l->numbers = grown;
		}
		l->numbers[l->n++] = atoi(de->d_name);
	}
	closedir(dir);
	return l;
}

/*
 * List one process and read its table: a large one is cut into parts,
 * all but the first queued for whichever reader is free.
 */
static void
scan_process(struct holders_scan *sc, int pid)
{
	struct part first;
	size_t nparts;
	int error = 0;
	struct listing *l = listing_read(pid, &error);

	pthread_mutex_lock(&sc->lock);
	sc->listing--;
	/* Refused, not gone: the caller is told how many were. */
	sc->refused += error == -EACCES || error == -EPERM;
	if (l == NULL) {
		pthread_cond_broadcast(&sc->more);
		pthread_mutex_unlock(&sc->lock);
		return;
	}
	nparts = l->n > HOLDERS_PART ? (l->n + HOLDERS_PART - 1) /
	    HOLDERS_PART : 1;
	l->refs = 1;
	if (nparts > 1 && sc->nparts + nparts > sc->parts_cap) {
		struct part *grown = reallocarray(sc->parts, sc->nparts +
		    nparts, sizeof(*grown));

		if (grown != NULL) {
			sc->parts = grown;
			sc->parts_cap = sc->nparts + nparts;
		} else
			nparts = 1;
	}
	for (size_t i = 1; i < nparts; i++) {
		sc->parts[sc->nparts++] = (struct part){ l, i * HOLDERS_PART,
		    i + 1 == nparts ? l->n : (i + 1) * HOLDERS_PART };
		l->refs++;
	}
	pthread_cond_broadcast(&sc->more);
	pthread_mutex_unlock(&sc->lock);
	first = (struct part){ l, 0, nparts > 1 ? HOLDERS_PART : l->n };
	part_read(sc, &first);
}

/*
 * Take a queued part first, else the next process; wait while another
 * reader is listing a table whose parts may yet come.
 */
static void *
scan_reader(void *arg)
{
	struct holders_scan *sc = arg;
	struct part part;
	int pid;

	pthread_mutex_lock(&sc->lock);
	for (;;) {
		if (sc->nparts > 0) {
			part = sc->parts[--sc->nparts];
			pthread_mutex_unlock(&sc->lock);
			part_read(sc, &part);
		} else if (sc->next < sc->npids) {
			pid = sc->pids[sc->next++];
			if (pid == sc->self)
				continue;
			sc->listing++;
			pthread_mutex_unlock(&sc->lock);
			scan_process(sc, pid);
		} else if (sc->listing > 0) {
			pthread_cond_wait(&sc->more, &sc->lock);
			continue;
		} else
			break;
		pthread_mutex_lock(&sc->lock);
	}
	pthread_mutex_unlock(&sc->lock);
	return NULL;
}

static int	fd_compare(const void *, const void *);

/*
 * A process read in parts was found in parts: one entry per process,
 * its descriptors in order.
 */
static void
found_merge(struct report *report)
{
	size_t kept = 0;

	for (size_t i = 0; i < report->nprocesses; i++) {
		struct process *into = kept > 0 ?
		    &report->processes[kept - 1] : NULL;
		struct process *proc = &report->processes[i];
		struct fd_entry *grown;

		if (into == NULL || into->pid != proc->pid) {
			report->processes[kept++] = *proc;
			continue;
		}
		grown = reallocarray(into->fds, into->nfds + proc->nfds,
		    sizeof(*grown));
		if (grown == NULL) {
			process_free(proc);
			continue;
		}
		if (proc->nfds > 0)
			memcpy(grown + into->nfds, proc->fds, proc->nfds *
			    sizeof(*grown));
		into->fds = grown;
		into->nfds += proc->nfds;
		free(proc->fds);
	}
	report->nprocesses = kept;
	for (size_t i = 0; i < kept; i++) {
		if (report->processes[i].nfds > 1)
			qsort(report->processes[i].fds,
			    report->processes[i].nfds,
			    sizeof(struct fd_entry), fd_compare);
	}
}

/*
 * Whether a UNIX socket is bound to one of the files.  The kernel names
 * the file by device and inode, but its device is that of the file
 * system the socket was bound through, which is not always the one
 * stat(2) gives (an overlay shows the device of its upper layer), and
 * /proc/net/unix, the fallback where the dump is refused, names no file
 * at all.  Then the bound path is looked up from the process's root; the
 * inode, where known, must agree, so that a socket whose file was since
 * removed and bound again by another is not taken for the new one.
 */
static bool
unix_socket_wanted(const struct hold_query *q, int pid,
    const struct sock_info *info, bool *refused)
{
	char path[PATH_MAX];
	struct stat st;

	if (info->vfs_ino != 0 && hold_query_has_file(q, info->vfs_dev,
	    info->vfs_ino))
		return true;
	if (info->local == NULL || info->local[0] != '/' ||
	    (size_t)snprintf(path, sizeof(path), "/proc/%d/root%s", pid,
	    info->local) >= sizeof(path))
		return false;
	if (stat(path, &st) != 0) {
		*refused |= errno == EACCES || errno == EPERM;
		return false;
	}
	if (info->vfs_ino != 0 && (uint64_t)st.st_ino != info->vfs_ino)
		return false;
	return S_ISSOCK(st.st_mode) && hold_query_has_file(q,
	    (uint64_t)st.st_dev, st.st_ino);
}

/*
 * The socket `ino' of pid when it is one asked for: a UNIX socket bound
 * to one of the files, or a TCP or UDP socket with one of the ports.
 */
static const struct sock_info *
socket_wanted(const struct hold_query *q, struct netns_tables *t, int pid,
    uint64_t ino, bool *refused)
{
	const struct sock_info *info;

	if (q->sockets && (info = linux_socket_find_unix(t, pid, ino)) !=
	    NULL)
		return unix_socket_wanted(q, pid, info, refused) ? info :
		    NULL;
	if (q->nports > 0 && (info = linux_socket_find_inet(t, pid, ino)) !=
	    NULL && socket_matches(q, info))
		return info;
	return NULL;
}

/*
 * Keep only the sockets with a matching end, described from the table;
 * *refused is set when a socket's file could not be looked up.
 */
static int
sockets_filter(const struct hold_query *q, struct process *proc,
    bool *refused)
{
	struct netns_tables *t = NULL;
	size_t kept = 0;
	int error = 0;

	for (size_t i = 0; i < proc->nfds; i++) {
		struct fd_entry *fd = &proc->fds[i];
		const struct sock_info *info = NULL;

		if (fd->type == FD_TYPE_SOCKET) {
			if (t == NULL)
				t = linux_socket_tables(proc->pid);
			if (t != NULL)
				info = socket_wanted(q, t, proc->pid, fd->ino,
				    refused);
			if (info == NULL) {
				fd_entry_release(fd);
				continue;
			}
			/* Kept even when short of memory: each slot once. */
			if ((fd->proto = strdup(info->proto)) == NULL ||
			    (info->local != NULL && (fd->local =
			    strdup(info->local)) == NULL) ||
			    (info->remote != NULL && (fd->remote =
			    strdup(info->remote)) == NULL))
				error = -ENOMEM;
			fd->state = info->state;
		}
		proc->fds[kept++] = *fd;
	}
	proc->nfds = kept;
	return error;
}

static int
fd_compare(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static int
process_compare(const void *a, const void *b)
{
	const struct process *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The holders found, each with its identity, limits and count; one that
 * exited meanwhile, or whose sockets all missed, is dropped.
 */
static int
holders_complete(const struct hold_query *q, struct report *report)
{
	size_t kept = 0;

	for (size_t i = 0; i < report->nprocesses; i++) {
		struct process *proc = &report->processes[i];
		struct fd_entry *fds = proc->fds;
		bool refused = false;
		size_t nfds;

		if (sockets_filter(q, proc, &refused) != 0) {
			/* The rest are freed with the report. */
			memmove(&report->processes[kept], proc,
			    (report->nprocesses - i) * sizeof(*proc));
			report->nprocesses = kept + report->nprocesses - i;
			return -ENOMEM;
		}
		/* Its sockets' files are its own: not searched, as told. */
		report->not_searched += refused;
		nfds = proc->nfds;
		proc->fds = NULL;
		proc->nfds = 0;
		if (nfds == 0 || platform_process_read(proc, PROCESS_IDENTITY |
		    PROCESS_LIMITS | PROCESS_COUNT) == -ENOMEM ||
		    !(proc->have & PROCESS_IDENTITY)) {
			proc->fds = fds;
			proc->nfds = nfds;
			process_free(proc);
			continue;
		}
		proc->fds = fds;
		proc->nfds = nfds;
		report->processes[kept++] = *proc;
	}
	report->nprocesses = kept;
	return 0;
}

int
platform_holders_find(const struct hold_query *q, struct report *report)
{
	struct holders_scan sc = { .q = q, .self = (int)getpid() };
	unsigned char bytes[16];
	pthread_t second;
	bool threaded = false;
	int error;

	for (size_t i = 0; i < q->nports; i++) {
		if (q->ports[i].host[0] != '\0' && !address_bytes(
		    q->ports[i].host, strlen(q->ports[i].host), bytes))
			return -EINVAL;
	}
	if ((error = platform_process_list(&sc.pids, &sc.npids)) != 0)
		return error;
	pthread_mutex_init(&sc.lock, NULL);
	pthread_cond_init(&sc.more, NULL);
	if (sc.npids >= HOLDERS_THREADS_MIN)
		threaded = pthread_create(&second, NULL, scan_reader, &sc) ==
		    0;
	scan_reader(&sc);
	if (threaded)
		pthread_join(second, NULL);
	pthread_cond_destroy(&sc.more);
	pthread_mutex_destroy(&sc.lock);
	free(sc.pids);
	free(sc.parts);
	report->processes = sc.found;
	report->nprocesses = sc.nfound;
	report->not_searched = sc.refused;
	if (sc.error != 0)
		return sc.error;
	/* Nothing found leaves no array to sort. */
	if (report->nprocesses > 1)
		qsort(report->processes, report->nprocesses,
		    sizeof(report->processes[0]), process_compare);
	found_merge(report);
	return holders_complete(q, report);
}
