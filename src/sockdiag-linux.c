/*
 * Sockets from the kernel's socket-diagnostics netlink interface
 * (NETLINK_SOCK_DIAG: inet_diag, unix_diag, netlink_diag, packet_diag),
 * the interface ss(8) uses.  One dump request per family; the replies
 * come as datagrams of netlink messages until NLMSG_DONE.  The dump sees
 * the network namespace of the calling process only.
 *
 * sockdiag_parse reads messages through memcpy into local structures:
 * the buffer may come from a fuzzer, unaligned and with lengths that lie,
 * and every length is checked against what is left before it is used.
 */
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "socktable-linux.h"

/*
 * The kernel sizes a dump datagram after the largest buffer recvmsg(2)
 * was given, but never above 32 KiB, so this much always holds one.
 */
#define RECV_SIZE	32768

/* The longest UNIX socket name, as struct sockaddr_un's sun_path. */
#define UNIX_NAME_MAX	108

/* What the request names for each family. */
struct diag_family {
	unsigned char	 af;
	unsigned char	 protocol;	/* IPPROTO_*, or netlink's all */
};

static const struct diag_family diag_families[SOCK_FAMILY_COUNT] = {
	[SOCK_FAMILY_TCP] = { AF_INET, IPPROTO_TCP },
	[SOCK_FAMILY_TCP6] = { AF_INET6, IPPROTO_TCP },
	[SOCK_FAMILY_UDP] = { AF_INET, IPPROTO_UDP },
	[SOCK_FAMILY_UDP6] = { AF_INET6, IPPROTO_UDP },
	[SOCK_FAMILY_UDPLITE] = { AF_INET, IPPROTO_UDPLITE },
	[SOCK_FAMILY_UDPLITE6] = { AF_INET6, IPPROTO_UDPLITE },
	[SOCK_FAMILY_RAW] = { AF_INET, IPPROTO_RAW },
	[SOCK_FAMILY_RAW6] = { AF_INET6, IPPROTO_RAW },
	[SOCK_FAMILY_UNIX] = { AF_UNIX, 0 },
	[SOCK_FAMILY_NETLINK] = { AF_NETLINK, NDIAG_PROTO_ALL },
	[SOCK_FAMILY_PACKET] = { AF_PACKET, 0 },
};

struct diag_request {
	struct nlmsghdr	 nlh;
	union {
		struct inet_diag_req_v2	 inet;
		struct unix_diag_req	 un;
		struct netlink_diag_req	 netlink;
		struct packet_diag_req	 packet;
	} r;
};

/* A walk over the attributes that follow a message's fixed part. */
struct attr_cursor {
	const unsigned char *p;
	size_t		 len;
};

static bool
family_is_tcp(enum sock_family family)
{
	return family == SOCK_FAMILY_TCP || family == SOCK_FAMILY_TCP6;
}

/* The attributes after a fixed part of `fixed' bytes (already checked). */
static void
attr_start(struct attr_cursor *c, const unsigned char *msg, size_t len,
    size_t fixed)
{
	size_t skip = NLMSG_ALIGN(fixed);

	if (skip > len)
		skip = len;
	c->p = msg + skip;
	c->len = len - skip;
}

/* The next attribute: 1, 0 at the end, or -EBADMSG when malformed. */
static int
attr_next(struct attr_cursor *c, unsigned int *type,
    const unsigned char **data, size_t *dlen)
{
	struct nlattr a;
	size_t step;

	if (c->len == 0)
		return 0;
	if (c->len < sizeof(a))
		return -EBADMSG;
	memcpy(&a, c->p, sizeof(a));
	if (a.nla_len < NLA_HDRLEN || a.nla_len > c->len)
		return -EBADMSG;
	*type = a.nla_type & NLA_TYPE_MASK;
	*data = c->p + NLA_HDRLEN;
	*dlen = a.nla_len - NLA_HDRLEN;
	step = NLA_ALIGN((size_t)a.nla_len);
	if (step > c->len)
		step = c->len;
	c->p += step;
	c->len -= step;
	return 1;
}

static int
inet_parse(const unsigned char *msg, size_t len, enum sock_family family,
    struct sock_table *t)
{
	int af = diag_families[family].af;
	char local[INET6_ADDRSTRLEN + 8], remote[INET6_ADDRSTRLEN + 8];
	struct inet_diag_msg m;
	struct sock_info si;
	unsigned int dport;
	int error;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, msg, sizeof(m));
	if (m.idiag_family != af)
		return -EBADMSG;
	/* TIME_WAIT and request sockets belong to no descriptor. */
	if (m.idiag_inode == 0)
		return 0;
	sockinfo_init(&si, family, m.idiag_inode);
	if ((error = sockname_inet(local, sizeof(local), af, m.id.idiag_src,
	    ntohs(m.id.idiag_sport))) != 0)
		return error;
	si.local = local;
	dport = ntohs(m.id.idiag_dport);
	if (!sockname_inet_unset(af, m.id.idiag_dst, dport)) {
		if ((error = sockname_inet(remote, sizeof(remote), af,
		    m.id.idiag_dst, dport)) != 0)
			return error;
		si.remote = remote;
	}
	if (family_is_tcp(family))
		si.state = sockname_tcp_state(m.idiag_state);
	return socktable_add(t, &si);
}

/*
 * A UNIX name as the kernel keeps it: a path ends at its NUL; an
 * abstract name starts with a NUL, shown as "@", and any NUL within it
 * is shown as "@" too, as ss and /proc/net/unix show them.
 */
static int
unix_name_format(const unsigned char *name, size_t len, char *out,
    size_t size)
{
	size_t n;

	if (len > UNIX_NAME_MAX || size <= UNIX_NAME_MAX)
		return -EBADMSG;
	if (len > 0 && name[0] != '\0') {
		n = strnlen((const char *)name, len);
		memcpy(out, name, n);
	} else {
		for (n = 0; n < len; n++)
			out[n] = name[n] != '\0' ? (char)name[n] : '@';
	}
	out[n] = '\0';
	return 0;
}

/*
 * The device of a socket's file as stat(2) gives it: the kernel reports
 * its own form, the major number above the low 20 bits of the minor.
 */
static uint64_t
unix_vfs_dev(uint32_t kernel_dev)
{
	return (uint64_t)makedev(kernel_dev >> 20, kernel_dev & 0xfffff);
}

static int
unix_parse(const unsigned char *msg, size_t len, struct sock_table *t)
{
	char name[UNIX_NAME_MAX + 1];
	struct unix_diag_vfs vfs;
	struct unix_diag_msg m;
	struct attr_cursor c;
	struct sock_info si;
	const unsigned char *data;
	size_t dlen;
	unsigned int type;
	uint32_t peer;
	int r;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, msg, sizeof(m));
	if (m.udiag_family != AF_UNIX)
		return -EBADMSG;
	sockinfo_init(&si, SOCK_FAMILY_UNIX, m.udiag_ino);
	si.state = sockname_unix_state(m.udiag_state);
	si.type = sockname_unix_type(m.udiag_type);
	attr_start(&c, msg, len, sizeof(m));
	while ((r = attr_next(&c, &type, &data, &dlen)) > 0) {
		if (type == UNIX_DIAG_NAME && dlen > 0) {
			if ((r = unix_name_format(data, dlen, name,
			    sizeof(name))) != 0)
				return r;
			si.local = name;
		} else if (type == UNIX_DIAG_PEER) {
			if (dlen < sizeof(peer))
				return -EBADMSG;
			memcpy(&peer, data, sizeof(peer));
			si.peer_ino = peer;
		} else if (type == UNIX_DIAG_VFS) {
			if (dlen < sizeof(vfs))
				return -EBADMSG;
			memcpy(&vfs, data, sizeof(vfs));
			si.vfs_dev = unix_vfs_dev(vfs.udiag_vfs_dev);
			si.vfs_ino = vfs.udiag_vfs_ino;
		}
	}
	if (r < 0)
		return r;
	return si.ino != 0 ? socktable_add(t, &si) : 0;
}

static int
netlink_parse(const unsigned char *msg, size_t len, struct sock_table *t)
{
	char local[16], remote[16];
	struct netlink_diag_msg m;
	struct sock_info si;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, msg, sizeof(m));
	if (m.ndiag_family != AF_NETLINK)
		return -EBADMSG;
	if (m.ndiag_ino == 0)
		return 0;
	sockinfo_init(&si, SOCK_FAMILY_NETLINK, m.ndiag_ino);
	si.type = sockname_netlink_type(m.ndiag_protocol);
	(void)snprintf(local, sizeof(local), "%u", m.ndiag_portid);
	si.local = local;
	if (m.ndiag_dst_portid != 0) {
		(void)snprintf(remote, sizeof(remote), "%u",
		    m.ndiag_dst_portid);
		si.remote = remote;
	}
	return socktable_add(t, &si);
}

static int
packet_parse(const unsigned char *msg, size_t len, struct sock_table *t)
{
	char local[32];
	struct packet_diag_msg m;
	struct packet_diag_info info;
	struct attr_cursor c;
	struct sock_info si;
	const unsigned char *data;
	size_t dlen;
	unsigned int type;
	long long ifindex = -1;
	int r;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, msg, sizeof(m));
	if (m.pdiag_family != AF_PACKET)
		return -EBADMSG;
	attr_start(&c, msg, len, sizeof(m));
	while ((r = attr_next(&c, &type, &data, &dlen)) > 0) {
		if (type != PACKET_DIAG_INFO)
			continue;
		if (dlen < sizeof(info))
			return -EBADMSG;
		memcpy(&info, data, sizeof(info));
		ifindex = info.pdi_index;
	}
	if (r < 0)
		return r;
	if (m.pdiag_ino == 0)
		return 0;
	sockinfo_init(&si, SOCK_FAMILY_PACKET, m.pdiag_ino);
	si.type = sockname_packet_type(m.pdiag_type);
	/* pdiag_num is already in host order, unlike the socket's field. */
	if ((r = sockname_packet(local, sizeof(local), m.pdiag_num,
	    ifindex)) != 0)
		return r;
	si.local = local;
	return socktable_add(t, &si);
}

static int
family_parse(const unsigned char *msg, size_t len, enum sock_family family,
    struct sock_table *t)
{
	switch (family) {
	case SOCK_FAMILY_UNIX:
		return unix_parse(msg, len, t);
	case SOCK_FAMILY_NETLINK:
		return netlink_parse(msg, len, t);
	case SOCK_FAMILY_PACKET:
		return packet_parse(msg, len, t);
	default:
		return inet_parse(msg, len, family, t);
	}
}

/* An error code carried in a message: an errno the kernel could send. */
static int
message_error(const unsigned char *msg, size_t len, int *error)
{
	int e;

	if (len < sizeof(e))
		return -EBADMSG;
	memcpy(&e, msg, sizeof(e));
	if (e > 0 || e < -4095)
		return -EBADMSG;
	*error = e;
	return 0;
}

/* One message: 1 at the end of the dump, 0 to go on, or -errno. */
static int
message_parse(const struct nlmsghdr *h, const unsigned char *msg,
    size_t len, enum sock_family family, struct sock_table *t)
{
	int error = 0, r;

	switch (h->nlmsg_type) {
	case NLMSG_DONE:
		/* A dump that failed half-way says so in NLMSG_DONE. */
		if (len >= sizeof(int) && (r = message_error(msg, len,
		    &error)) != 0)
			return r;
		return error < 0 ? error : 1;
	case NLMSG_ERROR:
		if ((r = message_error(msg, len, &error)) != 0)
			return r;
		return error;
	case NLMSG_NOOP:
		return 0;
	case NLMSG_OVERRUN:
		return -ENOBUFS;
	case SOCK_DIAG_BY_FAMILY:
		return family_parse(msg, len, family, t);
	default:
		return -EBADMSG;
	}
}

int
sockdiag_parse(const void *buf, size_t len, enum sock_family family,
    struct sock_table *t)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	size_t step;
	int r;

	if ((unsigned)family >= SOCK_FAMILY_COUNT)
		return -EINVAL;
	while (len > 0) {
		if (len < sizeof(h))
			return -EBADMSG;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return -EBADMSG;
		if ((r = message_parse(&h, p + NLMSG_HDRLEN, h.nlmsg_len -
		    NLMSG_HDRLEN, family, t)) != 0)
			return r;
		step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		if (step > len)
			step = len;
		p += step;
		len -= step;
	}
	return 0;
}

/* The dump request for one family, every state included. */
static size_t
request_build(struct diag_request *req, enum sock_family family)
{
	const struct diag_family *df = &diag_families[family];
	size_t size;

	memset(req, 0, sizeof(*req));
	switch (family) {
	case SOCK_FAMILY_UNIX:
		req->r.un.sdiag_family = AF_UNIX;
		req->r.un.udiag_states = ~0u;
		req->r.un.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER |
		    UDIAG_SHOW_VFS;
		size = sizeof(req->r.un);
		break;
	case SOCK_FAMILY_NETLINK:
		req->r.netlink.sdiag_family = AF_NETLINK;
		req->r.netlink.sdiag_protocol = df->protocol;
		size = sizeof(req->r.netlink);
		break;
	case SOCK_FAMILY_PACKET:
		req->r.packet.sdiag_family = AF_PACKET;
		req->r.packet.pdiag_show = PACKET_SHOW_INFO;
		size = sizeof(req->r.packet);
		break;
	default:
		req->r.inet.sdiag_family = df->af;
		req->r.inet.sdiag_protocol = df->protocol;
		req->r.inet.idiag_states = ~0u;
		size = sizeof(req->r.inet);
		break;
	}
	req->nlh.nlmsg_len = NLMSG_LENGTH(size);
	req->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlh.nlmsg_seq = 1;
	return req->nlh.nlmsg_len;
}

static int
request_send(int fd, enum sock_family family)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct diag_request req;
	size_t len = request_build(&req, family);
	ssize_t n;

	do {
		n = sendto(fd, &req, len, 0, (struct sockaddr *)&kernel,
		    sizeof(kernel));
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * One datagram into buf: its length, 0 for one to ignore (not sent by
 * the kernel), or -errno.
 */
static ssize_t
datagram_receive(int fd, unsigned char *buf, size_t size)
{
	struct sockaddr_nl from;
	struct iovec iov = { buf, size };
	struct msghdr msg = { 0 };
	ssize_t n;

	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	do {
		n = recvmsg(fd, &msg, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK ||
	    from.nl_pid != 0)
		return 0;
	return n > 0 ? n : -EBADMSG;
}

static int
dump_receive(int fd, enum sock_family family, struct sock_table *t)
{
	unsigned char *buf;
	ssize_t n;
	int r = 0;

	if ((buf = malloc(RECV_SIZE)) == NULL)
		return -ENOMEM;
	while (r == 0) {
		if ((n = datagram_receive(fd, buf, RECV_SIZE)) < 0)
			r = (int)n;
		else if (n > 0)
			r = sockdiag_parse(buf, (size_t)n, family, t);
	}
	free(buf);
	return r < 0 ? r : 0;
}

int
sockdiag_load(struct sock_table *t, enum sock_family family)
{
	int fd, r;

	if ((unsigned)family >= SOCK_FAMILY_COUNT)
		return -EINVAL;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -errno;
	if ((r = request_send(fd, family)) == 0)
		r = dump_receive(fd, family, t);
	(void)close(fd);
	/*
	 * The kernel answers ENOENT when no diagnostics module handles the
	 * family or protocol (and none could be loaded).
	 */
	return r == -ENOENT ? -EPROTONOSUPPORT : r;
}
