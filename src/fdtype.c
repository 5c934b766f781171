/*
 * Descriptor classification: the type table and the functions that map a
 * link text or an st_mode onto it.
 */
#include <string.h>
#include <sys/stat.h>

#include "compat.h"
#include "fdaudit.h"

struct fdtype_entry {
	const char	*name;		/* the JSON and TYPE column word */
	const char	*anon_name;	/* the kernel's anon_inode name */
};

static const struct fdtype_entry fdtype_table[FD_TYPE_COUNT] = {
	[FD_TYPE_FILE] =	{ "file", NULL },
	[FD_TYPE_DIR] =		{ "dir", NULL },
	[FD_TYPE_CHR] =		{ "chr", NULL },
	[FD_TYPE_BLK] =		{ "blk", NULL },
	[FD_TYPE_FIFO] =	{ "fifo", NULL },
	[FD_TYPE_SOCKET] =	{ "socket", NULL },
	[FD_TYPE_EVENTFD] =	{ "eventfd", "eventfd" },
	[FD_TYPE_EPOLL] =	{ "epoll", "eventpoll" },
	[FD_TYPE_INOTIFY] =	{ "inotify", "inotify" },
	[FD_TYPE_FANOTIFY] =	{ "fanotify", "fanotify" },
	[FD_TYPE_SIGNALFD] =	{ "signalfd", "signalfd" },
	[FD_TYPE_TIMERFD] =	{ "timerfd", "timerfd" },
	[FD_TYPE_PIDFD] =	{ "pidfd", "pidfd" },
	[FD_TYPE_MEMFD] =	{ "memfd", NULL },
	[FD_TYPE_IO_URING] =	{ "io_uring", "io_uring" },
	[FD_TYPE_BPF] =		{ "bpf", NULL },
	[FD_TYPE_PERF_EVENT] =	{ "perf_event", "perf_event" },
	[FD_TYPE_USERFAULTFD] =	{ "userfaultfd", "userfaultfd" },
	[FD_TYPE_NAMESPACE] =	{ "namespace", NULL },
	[FD_TYPE_ANON_INODE] =	{ "anon_inode", NULL },
	[FD_TYPE_UNKNOWN] =	{ "unknown", NULL },
};

/* Namespace kinds as nsfs names them in a link text ("net:[4026531840]"). */
static const char *const namespace_names[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
	"time_for_children", "user", "uts",
};

const char *
fdtype_name(enum fd_type type)
{
	if (type < 0 || type >= FD_TYPE_COUNT)
		return "unknown";
	return fdtype_table[type].name;
}

/*
 * The word that names a descriptor's type in reports.  Objects outside
 * the vocabulary (on Windows: event, mutant, key, ...) are classified
 * FD_TYPE_ANON_INODE by their backend, which names them in type_word.
 */
const char *
fdtype_entry_name(const struct fd_entry *fd)
{
	if (fd->type == FD_TYPE_ANON_INODE && fd->type_word != NULL)
		return fd->type_word;
	return fdtype_name(fd->type);
}

int
fdtype_from_name(const char *name, enum fd_type *type)
{
	for (int i = 0; i < FD_TYPE_COUNT; i++) {
		if (strcmp(fdtype_table[i].name, name) == 0) {
			*type = (enum fd_type)i;
			return 0;
		}
	}
	return -1;
}

enum fd_type
fdtype_classify_mode(unsigned int st_mode)
{
	switch (st_mode & S_IFMT) {
	case S_IFREG:
		return FD_TYPE_FILE;
	case S_IFDIR:
		return FD_TYPE_DIR;
	case S_IFCHR:
		return FD_TYPE_CHR;
	case S_IFBLK:
		return FD_TYPE_BLK;
	case S_IFIFO:
		return FD_TYPE_FIFO;
	case S_IFSOCK:
		return FD_TYPE_SOCKET;
	default:
		return FD_TYPE_UNKNOWN;
	}
}

/* Does `text' have the form "PREFIX:[DIGITS]" exactly? */
static bool
bracketed_inode(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(text, prefix, len) != 0 || text[len] != ':' ||
	    text[len + 1] != '[')
		return false;
	text += len + 2;
	if (*text < '0' || *text > '9')
		return false;
	while (*text >= '0' && *text <= '9')
		text++;
	return text[0] == ']' && text[1] == '\0';
}

static enum fd_type
classify_anon_inode(const char *name)
{
	char inner[64];
	size_t len = strlen(name);

	/* Some kinds are bracketed ("[eventfd]"), some not ("inotify"). */
	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		if (len - 2 >= sizeof(inner))
			return FD_TYPE_ANON_INODE;
		memcpy(inner, name + 1, len - 2);
		inner[len - 2] = '\0';
		name = inner;
	}
	if (strncmp(name, "bpf", 3) == 0)
		return FD_TYPE_BPF;
	for (int i = 0; i < FD_TYPE_COUNT; i++) {
		if (fdtype_table[i].anon_name != NULL &&
		    strcmp(fdtype_table[i].anon_name, name) == 0)
			return (enum fd_type)i;
	}
	return FD_TYPE_ANON_INODE;
}

/*
 * Classify from the text of /proc/PID/fd/N alone.  When the text is a
 * path, *object says so and the caller must use st_mode instead.
 */
enum fd_type
fdtype_classify_link(const char *link, enum fd_object *object)
{
	*object = FD_OBJECT_OTHER;
	if (strncmp(link, "/memfd:", 7) == 0)
		return FD_TYPE_MEMFD;
	if (link[0] == '/') {
		*object = FD_OBJECT_PATH;
		return FD_TYPE_UNKNOWN;
	}
	if (bracketed_inode(link, "socket"))
		return FD_TYPE_SOCKET;
	if (bracketed_inode(link, "pipe"))
		return FD_TYPE_FIFO;
	if (strncmp(link, "anon_inode:", 11) == 0)
		return classify_anon_inode(link + 11);
	for (size_t i = 0; i < sizeof(namespace_names) /
	    sizeof(namespace_names[0]); i++) {
		if (bracketed_inode(link, namespace_names[i]))
			return FD_TYPE_NAMESPACE;
	}
	return FD_TYPE_UNKNOWN;
}

/*
 * The kernel appends " (deleted)" to the path of an unlinked file.  A file
 * may also be named that way, so callers confirm with st_nlink.  On a match
 * *pathlen is the length without the suffix.
 */
bool
fdtype_link_deleted(const char *link, size_t *pathlen)
{
	static const char suffix[] = " (deleted)";
	size_t len = strlen(link), slen = sizeof(suffix) - 1;

	if (len <= slen || strcmp(link + len - slen, suffix) != 0)
		return false;
	*pathlen = len - slen;
	return true;
}

/*
 * Parse "file,socket" into a bit set of types.  On an unknown name,
 * *bad points at it and -1 is returned.
 */
int
fdtype_parse_filter(const char *list, uint32_t *set, const char **bad)
{
	static char word[64];
	const char *p = list;

	*set = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		enum fd_type type;

		if (len == 0 || len >= sizeof(word)) {
			strlcpy(word, p, len + 1 < sizeof(word) ?
			    len + 1 : sizeof(word));
			*bad = word;
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (fdtype_from_name(word, &type) != 0) {
			*bad = word;
			return -1;
		}
		*set |= 1u << type;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}
