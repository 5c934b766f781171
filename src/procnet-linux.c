/*
 * Sockets from the text tables of /proc/PID/net: tcp, tcp6, udp, udp6,
 * udplite, udplite6, raw, raw6, unix, netlink, packet.  They show the
 * network namespace of PID, which the netlink dump cannot reach, and
 * they are there when the diagnostics modules are not.
 *
 * procnet_parse is a pure function of the text.  Columns are checked
 * strictly (the kernel prints them with fixed widths) so that a line
 * that does not look like the kernel's is an error, not a guess.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fdinfo.h"
#include "socktable-linux.h"

/* The longest UNIX socket name, as struct sockaddr_un's sun_path. */
#define UNIX_NAME_MAX	108

/* __SO_ACCEPTCON in the Flags column of /proc/net/unix: a listener. */
#define UNIX_FLAG_LISTEN	0x10000

/* Reading starts with this much and doubles, up to the limit. */
#define READ_SIZE	65536
#define READ_MAX	((size_t)1 << 30)

enum table_kind {
	TABLE_INET,
	TABLE_INET6,
	TABLE_UNIX,
	TABLE_NETLINK,
	TABLE_PACKET
};

static const enum table_kind table_kinds[SOCK_FAMILY_COUNT] = {
	[SOCK_FAMILY_TCP] = TABLE_INET,
	[SOCK_FAMILY_TCP6] = TABLE_INET6,
	[SOCK_FAMILY_UDP] = TABLE_INET,
	[SOCK_FAMILY_UDP6] = TABLE_INET6,
	[SOCK_FAMILY_UDPLITE] = TABLE_INET,
	[SOCK_FAMILY_UDPLITE6] = TABLE_INET6,
	[SOCK_FAMILY_RAW] = TABLE_INET,
	[SOCK_FAMILY_RAW6] = TABLE_INET6,
	[SOCK_FAMILY_UNIX] = TABLE_UNIX,
	[SOCK_FAMILY_NETLINK] = TABLE_NETLINK,
	[SOCK_FAMILY_PACKET] = TABLE_PACKET,
};

/* The first word of each table's header line. */
static const char *const header_words[] = {
	[TABLE_INET] = "sl",
	[TABLE_INET6] = "sl",
	[TABLE_UNIX] = "Num",
	[TABLE_NETLINK] = "sk",
	[TABLE_PACKET] = "sk",
};

/* A word of a line, between blanks. */
struct field {
	const char	*p;
	size_t		 len;
};

/*
 * A UNIX socket waiting to be added: its name may go on over the next
 * lines, since the kernel prints a newline in a name as it is.
 */
struct unix_pending {
	bool		 have;
	struct sock_info si;
	bool		 named;
	size_t		 namelen;
	char		 name[UNIX_NAME_MAX + 1];
};

static bool
field_next(struct procfs_cursor *c, struct field *f)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	f->p = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	f->len = (size_t)(c->p - f->p);
	return f->len > 0;
}

/* The first n words of a line; false when it has fewer. */
static bool
fields_split(struct procfs_cursor *c, struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!field_next(c, &f[i]))
			return false;
	}
	return true;
}

/* A word that is a number and nothing else. */
static bool
field_number(const struct field *f, unsigned int base, uint64_t *out)
{
	return f->len > 0 &&
	    procfs_number_parse(f->p, f->len, base, out) == f->len;
}

/* A hex field of exactly `width' digits. */
static bool
field_hex(const char *s, size_t width, uint64_t *out)
{
	return procfs_number_parse(s, width, 16, out) == width;
}

/* A word that ends with ':', such as "12:" or "ffff8880a1b2c3d4:". */
static bool
field_label(const struct field *f, unsigned int base)
{
	uint64_t v;

	return f->len >= 2 && f->p[f->len - 1] == ':' &&
	    procfs_number_parse(f->p, f->len - 1, base, &v) == f->len - 1;
}

/*
 * "ADDRESS:PORT" in hex.  The address is one 32-bit word per four bytes,
 * each printed as the kernel holds it in memory (network order read as a
 * host number), so storing the parsed word back gives the address bytes.
 */
static bool
endpoint_parse(const struct field *f, int af, unsigned char *addr,
    unsigned int *port)
{
	size_t words = af == AF_INET6 ? 4 : 1;
	uint64_t v;
	uint32_t w;

	if (f->len != words * 8 + 5 || f->p[words * 8] != ':')
		return false;
	for (size_t i = 0; i < words; i++) {
		if (!field_hex(f->p + i * 8, 8, &v))
			return false;
		w = (uint32_t)v;
		memcpy(addr + i * 4, &w, sizeof(w));
	}
	if (!field_hex(f->p + words * 8 + 1, 4, &v))
		return false;
	*port = (unsigned int)v;
	return true;
}

/*
 * tcp, udp, raw and their IPv6 twins: "sl local rem st tx:rx tr:when
 * retrnsmt uid timeout inode ...", the inode being the tenth word.
 */
static int
inet_line_parse(const char *line, size_t len, enum sock_family family,
    struct sock_table *t)
{
	int af = table_kinds[family] == TABLE_INET6 ? AF_INET6 : AF_INET;
	char local[INET6_ADDRSTRLEN + 8], remote[INET6_ADDRSTRLEN + 8];
	unsigned char laddr[16], raddr[16];
	unsigned int lport, rport;
	struct procfs_cursor c = { line, line + len };
	struct field f[10];
	struct sock_info si;
	uint64_t state, ino;

	if (!fields_split(&c, f, 10) || !field_label(&f[0], 10) ||
	    !endpoint_parse(&f[1], af, laddr, &lport) ||
	    !endpoint_parse(&f[2], af, raddr, &rport) || f[3].len != 2 ||
	    !field_number(&f[3], 16, &state) || !field_number(&f[9], 10, &ino))
		return -EINVAL;
	/* TIME_WAIT and request sockets belong to no descriptor. */
	if (ino == 0)
		return 0;
	sockinfo_init(&si, family, ino);
	if (sockname_inet(local, sizeof(local), af, laddr, lport) != 0)
		return -EINVAL;
	si.local = local;
	if (!sockname_inet_unset(af, raddr, rport)) {
		if (sockname_inet(remote, sizeof(remote), af, raddr, rport) !=
		    0)
			return -EINVAL;
		si.remote = remote;
	}
	if (family == SOCK_FAMILY_TCP || family == SOCK_FAMILY_TCP6)
		si.state = sockname_tcp_state((unsigned int)state);
	return socktable_add(t, &si);
}

/*
 * The socket layer's state (SS_*) as /proc/net/unix prints it, in the
 * words the netlink view gives the socket's own state.
 */
static const char *
unix_state(uint64_t flags, uint64_t st)
{
	if (flags & UNIX_FLAG_LISTEN)
		return "LISTEN";
	switch (st) {
	case 1:
		return "UNCONNECTED";
	case 2:
		return "CONNECTING";
	case 3:
		return "CONNECTED";
	case 4:
		return "DISCONNECTING";
	default:
		return "UNKNOWN";
	}
}

/*
 * "Num: RefCount Protocol Flags Type St Inode[ Path]".  The path is the
 * rest of the line after one space, printed byte for byte, abstract
 * names with "@" for each NUL.
 */
static int
unix_line_parse(const char *line, size_t len, struct unix_pending *u)
{
	struct procfs_cursor c = { line, line + len };
	struct field f[7];
	uint64_t flags, type, st, ino, v;

	if (!fields_split(&c, f, 7) || !field_label(&f[0], 16) ||
	    !field_number(&f[1], 16, &v) || !field_number(&f[2], 16, &v) ||
	    !field_number(&f[3], 16, &flags) || f[4].len != 4 ||
	    !field_number(&f[4], 16, &type) || f[5].len != 2 ||
	    !field_number(&f[5], 16, &st) || !field_number(&f[6], 10, &ino))
		return -EINVAL;
	sockinfo_init(&u->si, SOCK_FAMILY_UNIX, ino);
	u->si.state = unix_state(flags, st);
	u->si.type = sockname_unix_type((unsigned int)type);
	u->have = true;
	u->named = c.p < c.end;
	u->namelen = 0;
	if (!u->named)
		return 0;
	if (*c.p != ' ' || (size_t)(c.end - c.p - 1) > UNIX_NAME_MAX)
		return -EINVAL;
	u->namelen = (size_t)(c.end - c.p - 1);
	memcpy(u->name, c.p + 1, u->namelen);
	return 0;
}

/* A line that goes on the name of the socket before it. */
static int
unix_name_continue(const char *line, size_t len, struct unix_pending *u)
{
	if (!u->have || !u->named || u->namelen + 1 + len > UNIX_NAME_MAX)
		return -EINVAL;
	u->name[u->namelen++] = '\n';
	memcpy(u->name + u->namelen, line, len);
	u->namelen += len;
	return 0;
}

static int
unix_flush(struct unix_pending *u, struct sock_table *t)
{
	if (!u->have || u->si.ino == 0)
		return 0;
	u->have = false;
	if (u->named) {
		u->name[u->namelen] = '\0';
		u->si.local = u->name;
	}
	/*
	 * The kernel lists each socket once: a second line with the same
	 * inode was forged inside some socket's name, which may hold a
	 * newline.  Neither line can be believed, so the name and state go.
	 */
	if (socktable_find(t, u->si.ino) != NULL) {
		u->si.local = NULL;
		u->si.state = NULL;
	}
	return socktable_add(t, &u->si);
}

static int
unix_table_parse(struct procfs_cursor *c, struct sock_table *t)
{
	struct unix_pending u = { 0 }, next;
	const char *line;
	size_t len;
	int error;

	while (procfs_line_next(c, &line, &len)) {
		next.have = false;
		if (unix_line_parse(line, len, &next) == 0) {
			if ((error = unix_flush(&u, t)) != 0)
				return error;
			u = next;
		} else if (unix_name_continue(line, len, &u) != 0)
			return -EINVAL;
	}
	return unix_flush(&u, t);
}

/* "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode". */
static int
netlink_line_parse(const char *line, size_t len, struct sock_table *t)
{
	struct procfs_cursor c = { line, line + len };
	struct field f[10];
	struct sock_info si;
	uint64_t protocol, portid, v, ino;
	char local[24];

	if (!fields_split(&c, f, 10) || !field_number(&f[0], 16, &v) ||
	    !field_number(&f[1], 10, &protocol) ||
	    !field_number(&f[2], 10, &portid) || portid > UINT32_MAX ||
	    !field_number(&f[3], 16, &v) || !field_number(&f[9], 10, &ino))
		return -EINVAL;
	if (ino == 0)
		return 0;
	sockinfo_init(&si, SOCK_FAMILY_NETLINK, ino);
	si.type = sockname_netlink_type(protocol > 255 ? 255 :
	    (unsigned int)protocol);
	(void)snprintf(local, sizeof(local), "%u", (unsigned int)portid);
	si.local = local;
	return socktable_add(t, &si);
}

/* "sk RefCnt Type Proto Iface R Rmem User Inode". */
static int
packet_line_parse(const char *line, size_t len, struct sock_table *t)
{
	struct procfs_cursor c = { line, line + len };
	struct field f[9];
	struct sock_info si;
	uint64_t type, proto, ifindex, v, ino;
	char local[32];

	if (!fields_split(&c, f, 9) || !field_number(&f[0], 16, &v) ||
	    !field_number(&f[2], 10, &type) ||
	    !field_number(&f[3], 16, &proto) || proto > 0xffff ||
	    !field_number(&f[4], 10, &ifindex) || ifindex > INT32_MAX ||
	    !field_number(&f[8], 10, &ino))
		return -EINVAL;
	if (ino == 0)
		return 0;
	sockinfo_init(&si, SOCK_FAMILY_PACKET, ino);
	si.type = sockname_packet_type(type > 255 ? 255 : (unsigned int)type);
	if (sockname_packet(local, sizeof(local), (unsigned int)proto,
	    (long long)ifindex) != 0)
		return -EINVAL;
	si.local = local;
	return socktable_add(t, &si);
}

static int
line_parse(const char *line, size_t len, enum sock_family family,
    struct sock_table *t)
{
	switch (table_kinds[family]) {
	case TABLE_NETLINK:
		return netlink_line_parse(line, len, t);
	case TABLE_PACKET:
		return packet_line_parse(line, len, t);
	default:
		return inet_line_parse(line, len, family, t);
	}
}

static bool
header_check(const char *line, size_t len, enum table_kind kind)
{
	struct procfs_cursor c = { line, line + len };
	struct field f;
	const char *word = header_words[kind];

	return field_next(&c, &f) && f.len == strlen(word) &&
	    memcmp(f.p, word, f.len) == 0;
}

int
procnet_parse(const char *buf, size_t len, enum sock_family family,
    struct sock_table *t)
{
	struct procfs_cursor c = { buf, buf + len };
	const char *line;
	size_t n;
	int error;

	if ((unsigned)family >= SOCK_FAMILY_COUNT)
		return -EINVAL;
	if (!procfs_line_next(&c, &line, &n) ||
	    !header_check(line, n, table_kinds[family]))
		return -EINVAL;
	if (table_kinds[family] == TABLE_UNIX)
		return unix_table_parse(&c, t);
	while (procfs_line_next(&c, &line, &n)) {
		if ((error = line_parse(line, n, family, t)) != 0)
			return error;
	}
	return 0;
}

/* A whole file, read in as few calls as it takes; *buf is malloc'ed. */
static int
file_read(const char *path, char **bufp, size_t *lenp)
{
	size_t cap = READ_SIZE, len = 0;
	char *buf, *nbuf;
	ssize_t n;
	int fd, error = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -errno;
	if ((buf = malloc(cap)) == NULL) {
		(void)close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= READ_MAX || (nbuf = realloc(buf, cap * 2)) ==
			    NULL) {
				error = cap >= READ_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = n == -1 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	(void)close(fd);
	if (error != 0) {
		free(buf);
		return error;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
procnet_load(struct sock_table *t, int pid, enum sock_family family)
{
	const char *file = sockfamily_file(family);
	char path[64], *buf = NULL;
	size_t len = 0;
	int error;

	if (file == NULL || pid < 0)
		return -EINVAL;
	if (pid == 0)
		(void)snprintf(path, sizeof(path), "/proc/self/net/%s", file);
	else
		(void)snprintf(path, sizeof(path), "/proc/%d/net/%s", pid,
		    file);
	if ((error = file_read(path, &buf, &len)) != 0)
		return error;
	error = procnet_parse(buf, len, family, t);
	free(buf);
	return error;
}
