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
 * The words -t takes besides the type names: the names people know from
 * other tools, and kinds of socket by their protocol word (tcp matches
 * tcp and tcp6).
 */
static const struct {
	const char	*word;
	uint32_t	 bits;
	const char	*protos[3];
} filter_words[] = {
	{ "pipe", 1u << FD_TYPE_FIFO, { NULL } },
	{ "reg", 1u << FD_TYPE_FILE, { NULL } },
	{ "tcp", FD_FILTER_TCP, { "tcp", "tcp6", NULL } },
	{ "udp", FD_FILTER_UDP, { "udp", "udp6", NULL } },
	{ "unix", FD_FILTER_UNIX, { "unix", NULL } },
	{ "netlink", FD_FILTER_NETLINK, { "netlink", NULL } },
};

#define NFILTER_WORDS	(sizeof(filter_words) / sizeof(filter_words[0]))

_Static_assert(FD_TYPE_COUNT + 4 <= 32, "the -t bits fit 32 bits");

static int
filter_word_bits(const char *word, uint32_t *bits)
{
	enum fd_type type;

	if (fdtype_from_name(word, &type) == 0) {
		*bits = 1u << type;
		return 0;
	}
	for (size_t i = 0; i < NFILTER_WORDS; i++) {
		if (strcmp(filter_words[i].word, word) == 0) {
			*bits = filter_words[i].bits;
			return 0;
		}
	}
	return -1;
}

/*
 * Parse "file,socket" into a bit set of types and kinds of socket.  On an
 * unknown name, *bad points at it and -1 is returned.
 */
int
fdtype_parse_filter(const char *list, uint32_t *set, const char **bad)
{
	static char word[64];
	const char *p = list;

	*set = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		uint32_t bits;

		if (len == 0 || len >= sizeof(word)) {
			strlcpy(word, p, len + 1 < sizeof(word) ?
			    len + 1 : sizeof(word));
			*bad = word;
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		if (filter_word_bits(word, &bits) != 0) {
			*bad = word;
			return -1;
		}
		*set |= bits;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* Whether a descriptor is one the bit set of fdtype_parse_filter names. */
bool
fdtype_filter_matches(uint32_t set, const struct fd_entry *fd)
{
	if (set == 0 || (set & (1u << fd->type)) != 0)
		return true;
	if (fd->type != FD_TYPE_SOCKET || fd->proto == NULL)
		return false;
	for (size_t i = 0; i < NFILTER_WORDS; i++) {
		if ((set & filter_words[i].bits) == 0 ||
		    filter_words[i].bits < (1u << FD_TYPE_COUNT))
			continue;
		for (size_t j = 0; filter_words[i].protos[j] != NULL; j++) {
			if (strcmp(filter_words[i].protos[j], fd->proto) == 0)
				return true;
		}
	}
	return false;
}

/* Every word -t takes, "file, dir, ..., netlink", for help and errors. */
const char *
fdtype_filter_words(void)
{
	static char list[512];

	if (list[0] != '\0')
		return list;
	for (int i = 0; i < FD_TYPE_COUNT; i++) {
		strlcat(list, fdtype_table[i].name, sizeof(list));
		strlcat(list, ", ", sizeof(list));
	}
	for (size_t i = 0; i < NFILTER_WORDS; i++) {
		strlcat(list, filter_words[i].word, sizeof(list));
		if (i + 1 < NFILTER_WORDS)
			strlcat(list, ", ", sizeof(list));
	}
	return list;
}
