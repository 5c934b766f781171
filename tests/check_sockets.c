/*
 * Tests of socket resolution: the inode table, the netlink parser with
 * hand-built messages, the /proc/net parser with text captured from a
 * real kernel, and both loaders against sockets this process opens,
 * including one in a network namespace of its own.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "socktable-linux.h"
#include "testutil.h"

/* A buffer of netlink messages built by hand, as the kernel lays them. */
struct nlbuf {
	unsigned char	 data[8192];
	size_t		 len;
	size_t		 msg;	/* start of the open message */
};

static void
nl_put(struct nlbuf *b, const void *p, size_t n)
{
	size_t pad = NLMSG_ALIGN(n) - n;

	ck_assert_uint_le(b->len + n + pad, sizeof(b->data));
	memcpy(b->data + b->len, p, n);
	memset(b->data + b->len + n, 0, pad);
	b->len += n + pad;
}

static void
nl_begin(struct nlbuf *b, uint16_t type)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_MULTI,
	    .nlmsg_seq = 1 };

	b->msg = b->len;
	nl_put(b, &h, sizeof(h));
}

static void
nl_attr(struct nlbuf *b, uint16_t type, const void *p, size_t n)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
	    .nla_type = type };

	nl_put(b, &a, sizeof(a));
	nl_put(b, p, n);
}

static void
nl_end(struct nlbuf *b)
{
	uint32_t len = (uint32_t)(b->len - b->msg);

	memcpy(b->data + b->msg, &len, sizeof(len));
}

static void
msg_inet(struct nlbuf *b, int af, const char *src, unsigned sport,
    const char *dst, unsigned dport, unsigned state, uint32_t ino)
{
	struct inet_diag_msg m = { 0 };

	m.idiag_family = (uint8_t)af;
	m.idiag_state = (uint8_t)state;
	m.id.idiag_sport = htons((uint16_t)sport);
	m.id.idiag_dport = htons((uint16_t)dport);
	ck_assert_int_eq(inet_pton(af, src, m.id.idiag_src), 1);
	ck_assert_int_eq(inet_pton(af, dst, m.id.idiag_dst), 1);
	m.idiag_inode = ino;
	nl_begin(b, SOCK_DIAG_BY_FAMILY);
	nl_put(b, &m, sizeof(m));
	nl_end(b);
}

static void
msg_unix(struct nlbuf *b, unsigned type, unsigned state, uint32_t ino,
    const void *name, size_t namelen, uint32_t peer)
{
	struct unix_diag_msg m = { 0 };

	m.udiag_family = AF_UNIX;
	m.udiag_type = (uint8_t)type;
	m.udiag_state = (uint8_t)state;
	m.udiag_ino = ino;
	nl_begin(b, SOCK_DIAG_BY_FAMILY);
	nl_put(b, &m, sizeof(m));
	if (name != NULL)
		nl_attr(b, UNIX_DIAG_NAME, name, namelen);
	if (peer != 0)
		nl_attr(b, UNIX_DIAG_PEER, &peer, sizeof(peer));
	nl_end(b);
}

static void
msg_int(struct nlbuf *b, uint16_t type, int value)
{
	nl_begin(b, type);
	nl_put(b, &value, sizeof(value));
	nl_end(b);
}

static int
parse_nl(const struct nlbuf *b, enum sock_family family,
    struct sock_table *t)
{
	return sockdiag_parse(b->data, b->len, family, t);
}

/* Expected fields; NULL where the field must be NULL. */
static void
info_check(const struct sock_info *si, const char *proto, const char *local,
    const char *remote, const char *state, const char *type)
{
	ck_assert_ptr_nonnull(si);
	ck_assert_str_eq(si->proto, proto);
	if (local == NULL)
		ck_assert_ptr_null(si->local);
	else
		ck_assert_pstr_eq(si->local, local);
	if (remote == NULL)
		ck_assert_ptr_null(si->remote);
	else
		ck_assert_pstr_eq(si->remote, remote);
	if (state == NULL)
		ck_assert_ptr_null(si->state);
	else
		ck_assert_pstr_eq(si->state, state);
	if (type == NULL)
		ck_assert_ptr_null(si->type);
	else
		ck_assert_pstr_eq(si->type, type);
}

START_TEST(table_many)
{
	const size_t n = 250000;
	struct sock_table *t = socktable_new();
	struct sock_info si = { .proto = "tcp" };
	const struct sock_info *found;
	char local[32], remote[] = "192.0.2.1:80";

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(socktable_find(t, 1));
	/* Inodes spread out and above 32 bits, as on a long-running host. */
	for (size_t i = 0; i < n; i++) {
		si.ino = (uint64_t)i * 7919 + 3 + ((uint64_t)(i & 1) << 33);
		snprintf(local, sizeof(local), "10.0.0.1:%zu", i % 65536);
		si.local = i % 3 == 0 ? local : NULL;
		ck_assert_int_eq(socktable_add(t, &si), 0);
	}
	ck_assert_uint_eq(socktable_count(t), n);
	for (size_t i = 0; i < n; i++) {
		uint64_t ino = (uint64_t)i * 7919 + 3 + ((uint64_t)(i & 1) <<
		    33);

		found = socktable_find(t, ino);
		ck_assert_ptr_nonnull(found);
		ck_assert_uint_eq(found->ino, ino);
		if (i % 3 == 0) {
			snprintf(local, sizeof(local), "10.0.0.1:%zu",
			    i % 65536);
			ck_assert_pstr_eq(found->local, local);
		} else
			ck_assert_ptr_null(found->local);
	}
	/* Misses: between the keys, beyond them, and inode 0. */
	for (size_t i = 0; i < n; i += 97)
		ck_assert_ptr_null(socktable_find(t, (uint64_t)i * 7919 + 4));
	ck_assert_ptr_null(socktable_find(t, UINT64_MAX));
	ck_assert_ptr_null(socktable_find(t, 0));
	/* A second add of an inode replaces it and the count stays. */
	si.ino = 3;
	si.local = NULL;
	si.remote = remote;
	si.state = "ESTABLISHED";
	ck_assert_int_eq(socktable_add(t, &si), 0);
	ck_assert_uint_eq(socktable_count(t), n);
	info_check(socktable_find(t, 3), "tcp", NULL, "192.0.2.1:80",
	    "ESTABLISHED", NULL);
	si.ino = 0;
	ck_assert_int_eq(socktable_add(t, &si), -EINVAL);
	socktable_free(t);
}
END_TEST

START_TEST(table_copies_strings)
{
	struct sock_table *t = socktable_new();
	struct sock_info si = { .ino = 42, .proto = "udp" };
	char local[] = "127.0.0.1:53";

	si.local = local;
	ck_assert_int_eq(socktable_add(t, &si), 0);
	local[0] = 'X';
	ck_assert_pstr_eq(socktable_find(t, 42)->local, "127.0.0.1:53");
	ck_assert_str_eq(sockfamily_file(SOCK_FAMILY_UDPLITE6), "udplite6");
	ck_assert_ptr_null(sockfamily_file(SOCK_FAMILY_COUNT));
	socktable_free(t);
	socktable_free(NULL);
}
END_TEST

START_TEST(diag_inet)
{
	struct sock_table *t = socktable_new();
	struct nlbuf b = { .len = 0 };

	msg_inet(&b, AF_INET, "127.0.0.1", 8080, "10.0.0.2", 51000, 1, 4242);
	msg_inet(&b, AF_INET, "0.0.0.0", 22, "0.0.0.0", 0, 10, 4243);
	/* A TIME_WAIT socket has no inode: no descriptor holds it. */
	msg_inet(&b, AF_INET, "127.0.0.1", 8080, "10.0.0.3", 5, 6, 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), 0);
	ck_assert_uint_eq(socktable_count(t), 2);
	info_check(socktable_find(t, 4242), "tcp", "127.0.0.1:8080",
	    "10.0.0.2:51000", "ESTABLISHED", NULL);
	info_check(socktable_find(t, 4243), "tcp", "0.0.0.0:22", NULL,
	    "LISTEN", NULL);
	ck_assert_uint_eq(socktable_find(t, 4242)->peer_ino, 0);

	b.len = 0;
	msg_inet(&b, AF_INET6, "::1", 443, "::", 0, 10, 5000);
	msg_inet(&b, AF_INET6, "::ffff:10.1.2.3", 80, "2001:db8::7", 1234, 8,
	    5001);
	msg_inet(&b, AF_INET6, "fe80::1", 22, "::", 0, 99, 5002);
	msg_int(&b, NLMSG_DONE, 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP6, t), 1);
	info_check(socktable_find(t, 5000), "tcp6", "[::1]:443", NULL,
	    "LISTEN", NULL);
	info_check(socktable_find(t, 5001), "tcp6", "[::ffff:10.1.2.3]:80",
	    "[2001:db8::7]:1234", "CLOSE_WAIT", NULL);
	info_check(socktable_find(t, 5002), "tcp6", "[fe80::1]:22", NULL,
	    "UNKNOWN", NULL);

	/* UDP has no state; a connected one has a remote side. */
	b.len = 0;
	msg_inet(&b, AF_INET, "127.0.0.1", 53, "127.0.0.1", 9, 1, 6000);
	msg_inet(&b, AF_INET, "0.0.0.0", 68, "0.0.0.0", 0, 7, 6001);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UDP, t), 0);
	info_check(socktable_find(t, 6000), "udp", "127.0.0.1:53",
	    "127.0.0.1:9", NULL, NULL);
	info_check(socktable_find(t, 6001), "udp", "0.0.0.0:68", NULL, NULL,
	    NULL);
	socktable_free(t);
}
END_TEST

START_TEST(diag_unix)
{
	static const char path[] = "/run/fdaudit test.sock";
	static const char abstract[] = "\0abs\0name";
	static const char autobind[] = "\0" "0001f";
	/* The file's device in the kernel's form: 8,300 (major, minor). */
	const struct unix_diag_vfs vfs = { .udiag_vfs_ino = 4711,
	    .udiag_vfs_dev = (8u << 20) | 300 };
	struct sock_table *t = socktable_new();
	struct nlbuf b = { .len = 0 };
	const struct sock_info *si;

	/* The kernel sends a path with its NUL, an abstract name without. */
	msg_unix(&b, SOCK_STREAM, 10, 100, path, sizeof(path), 0);
	msg_unix(&b, SOCK_STREAM, 10, 106, path, sizeof(path), 0);
	nl_attr(&b, UNIX_DIAG_VFS, &vfs, sizeof(vfs));
	nl_end(&b);
	msg_unix(&b, SOCK_STREAM, 1, 101, NULL, 0, 102);
	msg_unix(&b, SOCK_STREAM, 1, 102, NULL, 0, 101);
	msg_unix(&b, SOCK_DGRAM, 7, 103, abstract, sizeof(abstract) - 1, 0);
	msg_unix(&b, SOCK_SEQPACKET, 7, 104, autobind, sizeof(autobind) - 1,
	    0);
	msg_unix(&b, 9, 2, 105, path, 1, 0);
	msg_int(&b, NLMSG_DONE, 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), 1);
	ck_assert_uint_eq(socktable_count(t), 7);
	info_check(si = socktable_find(t, 100), "unix", path, NULL, "LISTEN",
	    "stream");
	ck_assert_uint_eq(si->peer_ino, 0);
	ck_assert_uint_eq(si->vfs_ino, 0);
	/* The socket's file, as stat(2) would show it. */
	info_check(si = socktable_find(t, 106), "unix", path, NULL, "LISTEN",
	    "stream");
	ck_assert_uint_eq(si->vfs_ino, 4711);
	ck_assert_uint_eq(si->vfs_dev, makedev(8, 300));
	info_check(si = socktable_find(t, 101), "unix", NULL, NULL,
	    "CONNECTED", "stream");
	ck_assert_uint_eq(si->peer_ino, 102);
	ck_assert_uint_eq(socktable_find(t, 102)->peer_ino, 101);
	info_check(socktable_find(t, 103), "unix", "@abs@name", NULL,
	    "UNCONNECTED", "dgram");
	info_check(socktable_find(t, 104), "unix", "@0001f", NULL,
	    "UNCONNECTED", "seqpacket");
	info_check(socktable_find(t, 105), "unix", "/", NULL, "CONNECTING",
	    NULL);
	socktable_free(t);
}
END_TEST

START_TEST(diag_netlink_packet)
{
	struct sock_table *t = socktable_new();
	struct nlbuf b = { .len = 0 };
	struct netlink_diag_msg nm = { .ndiag_family = AF_NETLINK,
	    .ndiag_protocol = 0, .ndiag_portid = 1234, .ndiag_ino = 77 };
	struct packet_diag_msg pm = { .pdiag_family = AF_PACKET,
	    .pdiag_type = SOCK_RAW, .pdiag_num = 0x0003, .pdiag_ino = 88 };
	struct packet_diag_info pi = { .pdi_index = 2 };

	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &nm, sizeof(nm));
	nl_end(&b);
	nm.ndiag_protocol = 31;
	nm.ndiag_ino = 78;
	nm.ndiag_portid = 0;
	nm.ndiag_dst_portid = 99;
	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &nm, sizeof(nm));
	nl_end(&b);
	nm.ndiag_protocol = 15;
	nm.ndiag_ino = 79;
	nm.ndiag_dst_portid = 0;
	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &nm, sizeof(nm));
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_NETLINK, t), 0);
	info_check(socktable_find(t, 77), "netlink", "1234", NULL, NULL,
	    "route");
	info_check(socktable_find(t, 78), "netlink", "0", "99", NULL,
	    "netlink");
	info_check(socktable_find(t, 79), "netlink", "0", NULL, NULL,
	    "kobject_uevent");

	b.len = 0;
	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &pm, sizeof(pm));
	nl_attr(&b, PACKET_DIAG_INFO, &pi, sizeof(pi));
	nl_end(&b);
	pm.pdiag_type = SOCK_DGRAM;
	pm.pdiag_num = 0x0800;
	pm.pdiag_ino = 89;
	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &pm, sizeof(pm));
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_PACKET, t), 0);
	info_check(socktable_find(t, 88), "packet", "0003:2", NULL, NULL,
	    "raw");
	info_check(socktable_find(t, 89), "packet", "0800", NULL, NULL,
	    "dgram");
	socktable_free(t);
}
END_TEST

START_TEST(diag_done_and_error)
{
	struct sock_table *t = socktable_new();
	struct nlbuf b = { .len = 0 };

	msg_int(&b, NLMSG_DONE, 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), 1);
	/* Old kernels send NLMSG_DONE without its error code. */
	b.len = 0;
	nl_begin(&b, NLMSG_DONE);
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), 1);
	/* Whatever follows NLMSG_DONE is not read. */
	b.len = 0;
	msg_int(&b, NLMSG_DONE, 0);
	msg_inet(&b, AF_INET, "127.0.0.1", 1, "0.0.0.0", 0, 10, 1);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), 1);
	ck_assert_uint_eq(socktable_count(t), 0);
	/* A dump that failed half-way. */
	b.len = 0;
	msg_int(&b, NLMSG_DONE, -EINTR);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EINTR);
	b.len = 0;
	msg_int(&b, NLMSG_ERROR, -ENOENT);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_RAW, t), -ENOENT);
	b.len = 0;
	msg_int(&b, NLMSG_ERROR, -EACCES);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EACCES);
	/* Errors that are no errno values are malformed. */
	b.len = 0;
	msg_int(&b, NLMSG_ERROR, 5);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	b.len = 0;
	msg_int(&b, NLMSG_ERROR, -100000);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	b.len = 0;
	nl_begin(&b, NLMSG_ERROR);
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	b.len = 0;
	nl_begin(&b, NLMSG_OVERRUN);
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -ENOBUFS);
	/* An empty buffer is no message yet. */
	ck_assert_int_eq(sockdiag_parse("", 0, SOCK_FAMILY_UNIX, t), 0);
	ck_assert_int_eq(sockdiag_parse("", 0, SOCK_FAMILY_COUNT, t),
	    -EINVAL);
	ck_assert_uint_eq(socktable_count(t), 0);
	socktable_free(t);
}
END_TEST

/* Overwrite the 32-bit nlmsg_len of the message at offset `at'. */
static void
nl_lie(struct nlbuf *b, size_t at, uint32_t len)
{
	memcpy(b->data + at, &len, sizeof(len));
}

/* Parse a copy of exactly len bytes, so that a read past it is caught. */
static int
parse_exact(const void *data, size_t len, enum sock_family family,
    struct sock_table *t)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, data, len);
	r = sockdiag_parse(copy, len, family, t);
	free(copy);
	return r;
}

START_TEST(diag_malformed)
{
	static const char name[200] = "x";
	struct sock_table *t = socktable_new();
	struct nlbuf b = { .len = 0 };
	struct nlattr a;
	uint16_t shortpeer = 5;

	/* Shorter than a header; a header shorter than itself or longer
	 * than the buffer. */
	msg_inet(&b, AF_INET, "127.0.0.1", 1, "0.0.0.0", 0, 10, 1);
	ck_assert_int_eq(parse_exact(b.data, 15, SOCK_FAMILY_TCP, t),
	    -EBADMSG);
	nl_lie(&b, 0, 15);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	nl_lie(&b, 0, (uint32_t)b.len + 1);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	nl_lie(&b, 0, UINT32_MAX);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	/* A payload shorter than the structure it should hold. */
	nl_lie(&b, 0, NLMSG_HDRLEN + 20);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	/* The wrong address family for the dump. */
	b.len = 0;
	msg_inet(&b, AF_INET6, "::1", 1, "::", 0, 10, 1);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	/* An unknown message type. */
	b.len = 0;
	msg_int(&b, 99, 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_TCP, t), -EBADMSG);
	/* A peer attribute too short for its number. */
	b.len = 0;
	msg_unix(&b, SOCK_STREAM, 1, 7, NULL, 0, 0);
	nl_attr(&b, UNIX_DIAG_PEER, &shortpeer, sizeof(shortpeer));
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	/* A file attribute too short for its two numbers. */
	b.len = 0;
	msg_unix(&b, SOCK_STREAM, 1, 7, NULL, 0, 0);
	nl_attr(&b, UNIX_DIAG_VFS, &shortpeer, sizeof(shortpeer));
	nl_end(&b);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	/* A name longer than any sun_path. */
	b.len = 0;
	msg_unix(&b, SOCK_STREAM, 1, 7, name, sizeof(name), 0);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	/* Attributes whose length lies: too short, past the message. */
	b.len = 0;
	msg_unix(&b, SOCK_STREAM, 1, 7, "/a", 3, 0);
	memcpy(&a, b.data + NLMSG_HDRLEN + sizeof(struct unix_diag_msg),
	    sizeof(a));
	a.nla_len = 2;
	memcpy(b.data + NLMSG_HDRLEN + sizeof(struct unix_diag_msg), &a,
	    sizeof(a));
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	a.nla_len = 200;
	memcpy(b.data + NLMSG_HDRLEN + sizeof(struct unix_diag_msg), &a,
	    sizeof(a));
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	/* Trailing bytes after the last attribute, too few for one. */
	b.len = 0;
	msg_unix(&b, SOCK_STREAM, 1, 7, NULL, 0, 0);
	nl_put(&b, "ab", 2);
	nl_end(&b);
	nl_lie(&b, 0, (uint32_t)b.len - 2);
	ck_assert_int_eq(parse_nl(&b, SOCK_FAMILY_UNIX, t), -EBADMSG);
	ck_assert_uint_eq(socktable_count(t), 0);
	socktable_free(t);
}
END_TEST

START_TEST(diag_truncated_everywhere)
{
	static const char path[] = "/tmp/s";
	struct nlbuf b = { .len = 0 };
	struct packet_diag_msg pm = { .pdiag_family = AF_PACKET,
	    .pdiag_type = SOCK_RAW, .pdiag_num = 3, .pdiag_ino = 9 };
	struct packet_diag_info pi = { .pdi_index = 1 };
	size_t ends[8], nends = 0;

	msg_unix(&b, SOCK_STREAM, 10, 1, path, sizeof(path), 0);
	ends[nends++] = b.len;
	msg_unix(&b, SOCK_DGRAM, 1, 2, "\0x", 2, 3);
	ends[nends++] = b.len;
	msg_int(&b, NLMSG_DONE, 0);
	ends[nends++] = b.len;
	/*
	 * Every prefix either ends on a message boundary and parses, or
	 * is an error; none is read past its end.
	 */
	for (size_t len = 0; len <= b.len; len++) {
		struct sock_table *t = socktable_new();
		int r = parse_exact(b.data, len, SOCK_FAMILY_UNIX, t);
		bool boundary = len == 0;

		for (size_t i = 0; i < nends; i++)
			boundary = boundary || len == ends[i];
		if (len == b.len)
			ck_assert_int_eq(r, 1);
		else if (boundary)
			ck_assert_int_eq(r, 0);
		else
			ck_assert_int_eq(r, -EBADMSG);
		socktable_free(t);
	}
	b.len = 0;
	nl_begin(&b, SOCK_DIAG_BY_FAMILY);
	nl_put(&b, &pm, sizeof(pm));
	nl_attr(&b, PACKET_DIAG_INFO, &pi, sizeof(pi));
	nl_end(&b);
	for (size_t len = 0; len <= b.len; len++) {
		struct sock_table *t = socktable_new();
		int r = parse_exact(b.data, len, SOCK_FAMILY_PACKET, t);

		ck_assert_int_eq(r, len == 0 || len == b.len ? 0 : -EBADMSG);
		socktable_free(t);
	}
}
END_TEST

/* A small deterministic generator, so that a failure repeats. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

START_TEST(diag_mutated)
{
	static const enum sock_family families[] = { SOCK_FAMILY_TCP6,
	    SOCK_FAMILY_UNIX, SOCK_FAMILY_NETLINK, SOCK_FAMILY_PACKET };
	struct nlbuf b = { .len = 0 };
	unsigned char copy[sizeof(b.data)];
	uint32_t seed = 12345;

	msg_inet(&b, AF_INET6, "::1", 1, "::2", 2, 1, 11);
	msg_unix(&b, SOCK_STREAM, 1, 12, "\0abc", 4, 13);
	msg_unix(&b, SOCK_STREAM, 1, 14, "/p", 3, 0);
	msg_int(&b, NLMSG_DONE, 0);
	/* Flip bytes at random; the parser may fail but never misread. */
	for (int round = 0; round < 20000; round++) {
		struct sock_table *t = socktable_new();
		size_t len = b.len - xorshift(&seed) % 8;

		memcpy(copy, b.data, b.len);
		for (int k = xorshift(&seed) % 4; k >= 0; k--)
			copy[xorshift(&seed) % b.len] = (unsigned char)
			    xorshift(&seed);
		(void)parse_exact(copy, len, families[round % 4], t);
		socktable_free(t);
	}
}
END_TEST

/*
 * Tables captured from /proc/net on Linux 6.18 while a test program held
 * sockets of each kind; long lines are split, not changed.
 */
static const char tcp_text[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->"
    "when retrnsmt   uid  timeout inode                            "
    "                         \n"
    "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:0000"
    "0000 00000000     0        0 1049 1 0000000088842e20 100 0 0 1"
    "0 0                      \n"
    "   1: 0100007F:C209 00000000:0000 0A 00000000:00000000 00:0000"
    "0000 00000000     0        0 2417516 1 0000000031ea2376 100 0 "
    "0 10 0                   \n"
    "  18: 0100007F:82A4 0100007F:C209 01 00000000:00000000 00:0000"
    "0000 00000000     0        0 2417517 2 00000000abee7471 20 0 0"
    " 10 -1                   \n"
    "  45: 0100007F:C98A 0100007F:C1D5 01 00000000:00000000 00:0000"
    "0000 00000000     0        0 2417524 2 000000001953d409 20 0 0"
    " 10 -1                   \n"
    "  93: 0100007F:C209 0100007F:82A4 01 00000000:00000000 00:0000"
    "0000 00000000     0        0 2417518 1 00000000c11458db 20 0 0"
    " 10 -1                   \n"
    "   2: 0100007F:AA49 0100007F:8022 06 00000000:00000000 03:0000"
    "091E 00000000     0        0 0 3 00000000e07a3515             "
    "                         \n";
static const char tcp6_text[] =
    "  sl  local_address                         remote_address    "
    "                    st tx_queue rx_queue tr tm->when retrnsmt "
    "  uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:C1D5 000000000000000000"
    "00000000000000:0000 0A 00000000:00000001 00:00000000 00000000 "
    "    0        0 2417523 2 00000000d0be5f1a 100 0 0 10 0\n"
    "   1: 00000000000000000000000001000000:9C71 000000000000000000"
    "00000000000000:0000 0A 00000000:00000001 00:00000000 00000000 "
    "    0        0 2417521 2 0000000097e7a147 100 0 0 10 0\n"
    "   2: 00000000000000000000000001000000:9C71 000000000000000000"
    "00000001000000:8114 01 00000000:00000000 00:00000000 00000000 "
    "    0        0 0 1 00000000d6d5f957 20 0 0 10 -1\n"
    "   3: 0000000000000000FFFF00000100007F:C1D5 0000000000000000FF"
    "FF00000100007F:C98A 01 00000000:00000000 00:00000000 00000000 "
    "    0        0 0 1 00000000db6886f2 20 0 0 10 -1\n"
    "   4: 00000000000000000000000001000000:8114 000000000000000000"
    "00000001000000:9C71 01 00000000:00000000 00:00000000 00000000 "
    "    0        0 2417522 2 00000000fa64e60a 20 0 0 10 -1\n";
static const char udp_text[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm-"
    ">when retrnsmt   uid  timeout inode ref pointer drops         "
    "   \n"
    " 4448: 0100007F:EB9B 0100007F:0009 01 00000000:00000000 00:000"
    "00000 00000000     0        0 2417525 2 00000000721123a7 0    "
    "   \n";
static const char udp6_text[] =
    "  sl  local_address                         remote_address    "
    "                    st tx_queue rx_queue tr tm->when retrnsmt "
    "  uid  timeout inode ref pointer drops\n"
    "10980: 00000000000000000000000001000000:851F 00000000000000000"
    "000000000000000:0000 07 00000000:00000000 00:00000000 00000000"
    "     0        0 2417526 2 0000000098bef020 0\n";
static const char udplite_text[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm-"
    ">when retrnsmt   uid  timeout inode ref pointer drops         "
    "   \n"
    "  593: 0100007F:DC8C 00000000:0000 07 00000000:00000000 00:000"
    "00000 00000000     0        0 2417527 2 000000006c6cb44c 0    "
    "   \n";
static const char udplite6_text[] =
    "  sl  local_address                         remote_address    "
    "                    st tx_queue rx_queue tr tm->when retrnsmt "
    "  uid  timeout inode ref pointer drops\n"
    " 1046: 00000000000000000000000001000000:9E51 00000000000000000"
    "000000000000000:0000 07 00000000:00000000 00:00000000 00000000"
    "     0        0 2417528 2 00000000aa2f9966 0\n";
static const char raw_text[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->"
    "when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  62: 00000000:0001 00000000:0000 07 00000000:00000000 00:0000"
    "0000 00000000     0        0 2417529 2 00000000dd013578 0\n";
static const char raw6_text[] =
    "  sl  local_address                         remote_address    "
    "                    st tx_queue rx_queue tr tm->when retrnsmt "
    "  uid  timeout inode ref pointer drops\n"
    "  199: 00000000000000000000000000000000:003A 00000000000000000"
    "000000000000000:0000 07 00000000:00000000 00:00000000 00000000"
    "     0        0 2417530 2 00000000d998b27e 0\n";
static const char packet_text[] =
    "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
    "00000000107cab00 3      3    0003   0     1 0      0      2417531\n"
    "0000000057fa104e 3      2    0800   1     1 0      0      2417532\n";
/* A newline in a socket name is printed as it is, across two lines. */
static const char unix_text[] =
    "Num       RefCount Protocol Flags    Type St Inode Path\n"
    "00000000364db457: 00000003 00000000 00000000 0001 03   647\n"
    "0000000069eb1579: 00000002 00000000 00010000 0001 01 2417533 "
    "/tmp/sx/my sock\n"
    "000000006776a62a: 00000003 00000000 00000000 0001 03   648\n"
    "00000000059b5870: 00000003 00000000 00000000 0001 03 2417538\n"
    "00000000afa91a4b: 00000003 00000000 00000000 0001 03 2417537\n"
    "000000004649ca96: 00000002 00000000 00000000 0005 01 2417535 @nl\n"
    "name\n"
    "00000000084afe14: 00000002 00000000 00000000 0002 01 2417534 "
    "@abs@name\n"
    "0000000044cbbc88: 00000002 00000000 00000000 0002 01 2417536 "
    "@b9981\n";
static const char netlink_text[] =
    "sk               Eth Pid        Groups   Rmem     Wmem     Dump  "
    "Locks    Drops    Inode\n"
    "000000005bee6818 0   6420       00000000 0        0        0     "
    "2        0        2417539 \n"
    "0000000023d12c3f 0   0          00000000 0        0        0     "
    "2        0        4       \n"
    "00000000cd6d4c56 4   0          00000000 0        0        0     "
    "2        0        565     \n"
    "000000005334485f 15  0          00000000 0        0        0     "
    "2        0        8       \n";

static int
parse_text(const char *text, enum sock_family family, struct sock_table *t)
{
	return procnet_parse(text, strlen(text), family, t);
}

START_TEST(procnet_inet)
{
	struct sock_table *t = socktable_new();

	ck_assert_int_eq(parse_text(tcp_text, SOCK_FAMILY_TCP, t), 0);
	/* The TIME_WAIT line has inode 0 and is left out. */
	ck_assert_uint_eq(socktable_count(t), 5);
	info_check(socktable_find(t, 1049), "tcp", "0.0.0.0:2024", NULL,
	    "LISTEN", NULL);
	info_check(socktable_find(t, 2417516), "tcp", "127.0.0.1:49673",
	    NULL, "LISTEN", NULL);
	info_check(socktable_find(t, 2417517), "tcp", "127.0.0.1:33444",
	    "127.0.0.1:49673", "ESTABLISHED", NULL);
	ck_assert_int_eq(parse_text(tcp6_text, SOCK_FAMILY_TCP6, t), 0);
	ck_assert_uint_eq(socktable_count(t), 8);
	info_check(socktable_find(t, 2417523), "tcp6", "[::]:49621", NULL,
	    "LISTEN", NULL);
	info_check(socktable_find(t, 2417522), "tcp6", "[::1]:33044",
	    "[::1]:40049", "ESTABLISHED", NULL);
	ck_assert_int_eq(parse_text(udp_text, SOCK_FAMILY_UDP, t), 0);
	info_check(socktable_find(t, 2417525), "udp", "127.0.0.1:60315",
	    "127.0.0.1:9", NULL, NULL);
	ck_assert_int_eq(parse_text(udp6_text, SOCK_FAMILY_UDP6, t), 0);
	info_check(socktable_find(t, 2417526), "udp6", "[::1]:34079", NULL,
	    NULL, NULL);
	ck_assert_int_eq(parse_text(udplite_text, SOCK_FAMILY_UDPLITE, t), 0);
	info_check(socktable_find(t, 2417527), "udplite", "127.0.0.1:56460",
	    NULL, NULL, NULL);
	ck_assert_int_eq(parse_text(udplite6_text, SOCK_FAMILY_UDPLITE6, t),
	    0);
	info_check(socktable_find(t, 2417528), "udplite6", "[::1]:40529",
	    NULL, NULL, NULL);
	/* A raw socket's port is its IP protocol: ICMP, ICMPv6. */
	ck_assert_int_eq(parse_text(raw_text, SOCK_FAMILY_RAW, t), 0);
	info_check(socktable_find(t, 2417529), "raw", "0.0.0.0:1", NULL,
	    NULL, NULL);
	ck_assert_int_eq(parse_text(raw6_text, SOCK_FAMILY_RAW6, t), 0);
	info_check(socktable_find(t, 2417530), "raw6", "[::]:58", NULL, NULL,
	    NULL);
	socktable_free(t);
}
END_TEST

START_TEST(procnet_v4_mapped)
{
	static const char text[] =
	    "  sl  local_address                         remote_address\n"
	    "   3: 0000000000000000FFFF00000100007F:C1D5 0000000000000000FF"
	    "FF00000100007F:C98A 01 00000000:00000000 00:00000000 00000000 "
	    "    0        0 77 1 00000000db6886f2 20 0 0 10 -1";
	struct sock_table *t = socktable_new();

	/* The last line has no newline and is taken, as it parses. */
	ck_assert_int_eq(parse_text(text, SOCK_FAMILY_TCP6, t), 0);
	info_check(socktable_find(t, 77), "tcp6", "[::ffff:127.0.0.1]:49621",
	    "[::ffff:127.0.0.1]:51594", "ESTABLISHED", NULL);
	socktable_free(t);
}
END_TEST

START_TEST(procnet_unix)
{
	struct sock_table *t = socktable_new();
	const struct sock_info *si;

	ck_assert_int_eq(parse_text(unix_text, SOCK_FAMILY_UNIX, t), 0);
	ck_assert_uint_eq(socktable_count(t), 8);
	info_check(si = socktable_find(t, 647), "unix", NULL, NULL,
	    "CONNECTED", "stream");
	ck_assert_uint_eq(si->peer_ino, 0);
	info_check(socktable_find(t, 2417533), "unix", "/tmp/sx/my sock",
	    NULL, "LISTEN", "stream");
	info_check(socktable_find(t, 2417535), "unix", "@nl\nname", NULL,
	    "UNCONNECTED", "seqpacket");
	info_check(socktable_find(t, 2417534), "unix", "@abs@name", NULL,
	    "UNCONNECTED", "dgram");
	info_check(socktable_find(t, 2417536), "unix", "@b9981", NULL,
	    "UNCONNECTED", "dgram");
	socktable_free(t);
}
END_TEST

START_TEST(procnet_netlink_packet)
{
	struct sock_table *t = socktable_new();

	ck_assert_int_eq(parse_text(netlink_text, SOCK_FAMILY_NETLINK, t), 0);
	ck_assert_uint_eq(socktable_count(t), 4);
	info_check(socktable_find(t, 2417539), "netlink", "6420", NULL, NULL,
	    "route");
	info_check(socktable_find(t, 565), "netlink", "0", NULL, NULL,
	    "sock_diag");
	info_check(socktable_find(t, 8), "netlink", "0", NULL, NULL,
	    "kobject_uevent");
	ck_assert_int_eq(parse_text(packet_text, SOCK_FAMILY_PACKET, t), 0);
	info_check(socktable_find(t, 2417531), "packet", "0003:0", NULL, NULL,
	    "raw");
	info_check(socktable_find(t, 2417532), "packet", "0800:1", NULL, NULL,
	    "dgram");
	socktable_free(t);
}
END_TEST

/* Each text must be refused as a table of `family'. */
static void
refused(enum sock_family family, const char *text)
{
	struct sock_table *t = socktable_new();

	ck_assert_msg(parse_text(text, family, t) == -EINVAL,
	    "accepted as %s: %s", sockfamily_file(family), text);
	socktable_free(t);
}

#define TCP_HEAD "  sl  local_address rem_address   st tx_queue rx_queue\n"
#define UNIX_HEAD "Num       RefCount Protocol Flags    Type St Inode Path\n"

START_TEST(procnet_malformed)
{
	struct sock_table *t = socktable_new();

	refused(SOCK_FAMILY_TCP, "");
	refused(SOCK_FAMILY_TCP, "\n");
	refused(SOCK_FAMILY_TCP, unix_text);
	refused(SOCK_FAMILY_UNIX, tcp_text);
	refused(SOCK_FAMILY_NETLINK, "sl\n");
	refused(SOCK_FAMILY_TCP6, tcp_text);	/* addresses too short */
	refused(SOCK_FAMILY_TCP, tcp6_text);	/* and too long */
	refused(SOCK_FAMILY_TCP, TCP_HEAD "\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C209 00000000:0000 0A 0:0 0:0 0 0 0\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007G:C209 00000000:0000 0A 0:0 0:0 0 0 0 12\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F-C209 00000000:0000 0A 0:0 0:0 0 0 0 12\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C2091 00000000:0000 0A 0:0 0:0 0 0 0 12\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C209 00000000:0000 0AA 0:0 0:0 0 0 0 12\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0 0100007F:C209 00000000:0000 0A 0:0 0:0 0 0 0 12\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C209 00000000:0000 0A 0:0 0:0 0 0 0 1x2\n");
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C209 00000000:0000 0A 0:0 0:0 0 0 0 "
	    "99999999999999999999999\n");
	/* A last line cut short is refused unless it still parses. */
	refused(SOCK_FAMILY_TCP, TCP_HEAD
	    "   0: 0100007F:C209 00000000:0000 0A 0:0 0:0 0 0 0");
	ck_assert_int_eq(parse_text(TCP_HEAD "   0: 0100007F:C209 00000000:0000"
	    " 0A 0:0 0:0 0 0 0 1", SOCK_FAMILY_TCP, t), 0);
	ck_assert_ptr_nonnull(socktable_find(t, 1));
	/* unix: a continuation needs a named socket before it. */
	refused(SOCK_FAMILY_UNIX, UNIX_HEAD "garbage\n");
	refused(SOCK_FAMILY_UNIX, UNIX_HEAD
	    "00000000364db457: 00000003 00000000 00000000 0001 03   647\n"
	    "garbage\n");
	refused(SOCK_FAMILY_UNIX, UNIX_HEAD
	    "00000000364db457: 00000003 00000000 00000000 001 03 647\n");
	refused(SOCK_FAMILY_UNIX, UNIX_HEAD
	    "00000000364db457 00000003 00000000 00000000 0001 03 647\n");
	refused(SOCK_FAMILY_UNIX, UNIX_HEAD
	    "00000000364db457: 00000003 00000000 00000000 0001 03 647 "
	    "@0123456789012345678901234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567890123456789\n");
	refused(SOCK_FAMILY_NETLINK, "sk Eth Pid\n"
	    "000000005bee6818 0   6420       00000000 0  0  0  2  0\n");
	refused(SOCK_FAMILY_NETLINK, "sk Eth Pid\n"
	    "000000005bee6818 0   99999999999 00000000 0 0 0 2 0 5\n");
	refused(SOCK_FAMILY_PACKET, "sk RefCnt\n"
	    "00000000107cab00 3      3    10003   0     1 0      0      7\n");
	refused(SOCK_FAMILY_PACKET, "sk RefCnt\n"
	    "00000000107cab00 3      3    0003   -1     1 0      0      7\n");
	ck_assert_int_eq(procnet_parse("sl\n", 3, SOCK_FAMILY_COUNT, t),
	    -EINVAL);
	/* A header alone is an empty table. */
	ck_assert_int_eq(parse_text(TCP_HEAD, SOCK_FAMILY_TCP, t), 0);
	ck_assert_int_eq(parse_text("sk", SOCK_FAMILY_PACKET, t), 0);
	socktable_free(t);
}
END_TEST

START_TEST(procnet_truncated_everywhere)
{
	static const struct {
		const char	*text;
		enum sock_family family;
	} tables[] = {
		{ tcp_text, SOCK_FAMILY_TCP },
		{ tcp6_text, SOCK_FAMILY_TCP6 },
		{ unix_text, SOCK_FAMILY_UNIX },
		{ netlink_text, SOCK_FAMILY_NETLINK },
		{ packet_text, SOCK_FAMILY_PACKET },
	};

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		size_t n = strlen(tables[i].text);

		for (size_t len = 0; len <= n; len++) {
			struct sock_table *t = socktable_new();
			char *copy = malloc(len ? len : 1);
			int r;

			memcpy(copy, tables[i].text, len);
			r = procnet_parse(copy, len, tables[i].family, t);
			ck_assert(r == 0 || r == -EINVAL);
			if (len == n)
				ck_assert_int_eq(r, 0);
			free(copy);
			socktable_free(t);
		}
	}
}
END_TEST

/* Live tests: sockets of this process, found by their inode. */

static uint64_t
fd_ino(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

static unsigned
fd_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct sock_table *
diag_table(enum sock_family family)
{
	struct sock_table *t = socktable_new();
	int r = sockdiag_load(t, family);

	ck_assert_msg(r == 0, "sockdiag_load(%s): %s",
	    sockfamily_file(family), strerror(-r));
	return t;
}

static struct sock_table *
proc_table(int pid, enum sock_family family)
{
	struct sock_table *t = socktable_new();
	int r = procnet_load(t, pid, family);

	ck_assert_msg(r == 0, "procnet_load(%s): %s",
	    sockfamily_file(family), strerror(-r));
	return t;
}

/* The socket on fd, as both sources describe it. */
static void
live_check(int fd, enum sock_family family, const char *local,
    const char *remote, const char *state, const char *type)
{
	struct sock_table *d = diag_table(family);
	struct sock_table *p = proc_table(getpid(), family);
	const char *proto = sockfamily_file(family);

	info_check(socktable_find(d, fd_ino(fd)), proto, local, remote,
	    state, type);
	info_check(socktable_find(p, fd_ino(fd)), proto, local, remote,
	    state, type);
	socktable_free(d);
	socktable_free(p);
}

static int
tcp_listener(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

static int
tcp_connect(int listener)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)fd_port(listener));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	return fd;
}

static char *
endpoint(const char *addr, unsigned port)
{
	static char buf[4][64];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s:%u", addr, port);
	return p;
}

START_TEST(live_tcp)
{
	int l = tcp_listener(), c = tcp_connect(l), a = accept(l, NULL, NULL);
	unsigned lport = fd_port(l), cport = fd_port(c);

	ck_assert_int_ge(a, 0);
	live_check(l, SOCK_FAMILY_TCP, endpoint("127.0.0.1", lport), NULL,
	    "LISTEN", NULL);
	live_check(c, SOCK_FAMILY_TCP, endpoint("127.0.0.1", cport),
	    endpoint("127.0.0.1", lport), "ESTABLISHED", NULL);
	live_check(a, SOCK_FAMILY_TCP, endpoint("127.0.0.1", lport),
	    endpoint("127.0.0.1", cport), "ESTABLISHED", NULL);
	close(a);
	close(c);
	close(l);
}
END_TEST

/* The side whose peer closed waits in CLOSE_WAIT for its own close. */
START_TEST(live_tcp_close_wait)
{
	int l = tcp_listener(), c = tcp_connect(l), a = accept(l, NULL, NULL);
	unsigned lport = fd_port(l), cport = fd_port(c);
	const struct sock_info *si = NULL;
	struct sock_table *t = NULL;

	ck_assert_int_ge(a, 0);
	close(a);
	/* The FIN crosses the loopback at once, but give it time. */
	for (int i = 0; i < 100; i++) {
		socktable_free(t);
		t = diag_table(SOCK_FAMILY_TCP);
		si = socktable_find(t, fd_ino(c));
		if (si != NULL && si->state != NULL &&
		    strcmp(si->state, "CLOSE_WAIT") == 0)
			break;
		usleep(10000);
	}
	socktable_free(t);
	live_check(c, SOCK_FAMILY_TCP, endpoint("127.0.0.1", cport),
	    endpoint("127.0.0.1", lport), "CLOSE_WAIT", NULL);
	close(c);
	close(l);
}
END_TEST

START_TEST(live_udp)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	live_check(fd, SOCK_FAMILY_UDP, endpoint("127.0.0.1", fd_port(fd)),
	    NULL, NULL, NULL);
	sin.sin_port = htons(9);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	live_check(fd, SOCK_FAMILY_UDP, endpoint("127.0.0.1", fd_port(fd)),
	    "127.0.0.1:9", NULL, NULL);
	close(fd);
}
END_TEST

/* A UDP socket on ::1, when this host has IPv6. */
START_TEST(live_udp6)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char local[64];

	if (fd == -1)
		SKIP_TEST("no IPv6 socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) != 0) {
		close(fd);
		SKIP_TEST("no ::1 to bind to");
	}
	snprintf(local, sizeof(local), "[::1]:%u", fd_port(fd));
	live_check(fd, SOCK_FAMILY_UDP6, local, NULL, NULL, NULL);
	close(fd);
}
END_TEST

/*
 * UDP-Lite and raw sockets, where the kernel has them.  Their netlink
 * diagnostics are optional modules: when the kernel refuses, the error
 * must say so and /proc/net must still have the socket.
 */
static void
optional_check(int fd, enum sock_family family, const char *local)
{
	struct sock_table *d = socktable_new();
	struct sock_table *p = proc_table(getpid(), family);
	int r = sockdiag_load(d, family);

	ck_assert_msg(r == 0 || r == -EPROTONOSUPPORT, "%s: %s",
	    sockfamily_file(family), strerror(-r));
	if (r == 0)
		info_check(socktable_find(d, fd_ino(fd)),
		    sockfamily_file(family), local, NULL, NULL, NULL);
	info_check(socktable_find(p, fd_ino(fd)), sockfamily_file(family),
	    local, NULL, NULL, NULL);
	socktable_free(d);
	socktable_free(p);
}

START_TEST(live_udplite_raw)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC,
	    IPPROTO_UDPLITE)) != -1) {
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		optional_check(fd, SOCK_FAMILY_UDPLITE,
		    endpoint("127.0.0.1", fd_port(fd)));
		close(fd);
	}
	if ((fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP)) !=
	    -1) {
		optional_check(fd, SOCK_FAMILY_RAW, "0.0.0.0:1");
		close(fd);
	}
}
END_TEST

START_TEST(live_unix_pair)
{
	struct sock_table *d = diag_table(SOCK_FAMILY_UNIX);
	struct sock_table *p;
	const struct sock_info *si;
	int sv[2];

	socktable_free(d);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	d = diag_table(SOCK_FAMILY_UNIX);
	p = proc_table(getpid(), SOCK_FAMILY_UNIX);
	for (int i = 0; i < 2; i++) {
		info_check(si = socktable_find(d, fd_ino(sv[i])), "unix", NULL,
		    NULL, "CONNECTED", "stream");
		ck_assert_uint_eq(si->peer_ino, fd_ino(sv[1 - i]));
		/* /proc/net/unix has no peer column. */
		info_check(si = socktable_find(p, fd_ino(sv[i])), "unix", NULL,
		    NULL, "CONNECTED", "stream");
		ck_assert_uint_eq(si->peer_ino, 0);
	}
	socktable_free(d);
	socktable_free(p);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(live_unix_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/fdaudit-sockets-XXXXXX";
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const struct sock_info *si;
	struct sock_table *d;
	struct stat st;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/a sock", dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	live_check(fd, SOCK_FAMILY_UNIX, sun.sun_path, NULL, "LISTEN",
	    "stream");
	/* The dump names the socket's file as stat(2) does. */
	ck_assert_int_eq(stat(sun.sun_path, &st), 0);
	d = diag_table(SOCK_FAMILY_UNIX);
	ck_assert_ptr_nonnull(si = socktable_find(d, fd_ino(fd)));
	ck_assert_uint_eq(si->vfs_dev, (uint64_t)st.st_dev);
	ck_assert_uint_eq(si->vfs_ino, (uint64_t)st.st_ino);
	socktable_free(d);
	close(fd);
	unlink(sun.sun_path);
	rmdir(dir);
}
END_TEST

START_TEST(live_unix_abstract)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char name[64], want[80];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int n;

	ck_assert_int_ge(fd, 0);
	/* A NUL inside an abstract name is shown as "@" too. */
	n = snprintf(name, sizeof(name), "fdaudit-check-%d", (int)getpid());
	memcpy(sun.sun_path + 1, name, (size_t)n);
	memcpy(sun.sun_path + 1 + n, "\0x", 2);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 3 + n)), 0);
	snprintf(want, sizeof(want), "@%s@x", name);
	live_check(fd, SOCK_FAMILY_UNIX, want, NULL, "UNCONNECTED", "dgram");
	close(fd);
}
END_TEST

START_TEST(live_netlink)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(snl);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	char local[16];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&snl, sizeof(snl)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&snl, &len), 0);
	snprintf(local, sizeof(local), "%u", snl.nl_pid);
	live_check(fd, SOCK_FAMILY_NETLINK, local, NULL, NULL, "route");
	close(fd);
}
END_TEST

START_TEST(live_packet)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003));

	if (fd == -1)
		SKIP_TEST("a packet socket needs CAP_NET_RAW: %s",
		    strerror(errno));
	live_check(fd, SOCK_FAMILY_PACKET, "0003:0", NULL, NULL, "raw");
	close(fd);
}
END_TEST

/* In a new network namespace, with lo up, a listener on 127.0.0.1. */
static void
namespace_child(int report, int hold)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq ifr = { .ifr_name = "lo" };
	socklen_t len;
	struct stat st;
	uint64_t msg[2];
	char c;
	int fd, s;

	if (unshare(CLONE_NEWNET) != 0)
		_exit(2);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		_exit(3);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		_exit(4);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 1) != 0)
		_exit(5);
	len = sizeof(sin);
	if (fstat(fd, &st) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		_exit(6);
	msg[0] = st.st_ino;
	msg[1] = ntohs(sin.sin_port);
	if (write(report, msg, sizeof(msg)) != sizeof(msg))
		_exit(7);
	/* Hold the socket until the parent closes its end. */
	while (read(hold, &c, 1) > 0)
		;
	_exit(0);
}

START_TEST(live_other_namespace)
{
	int report[2], hold[2], status;
	struct sock_table *d, *p;
	uint64_t msg[2] = { 0, 0 };
	pid_t pid;

	if (geteuid() != 0)
		SKIP_TEST("unshare(CLONE_NEWNET) needs root");
	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(hold, O_CLOEXEC), 0);
	if ((pid = fork()) == 0) {
		close(report[0]);
		close(hold[1]);
		namespace_child(report[1], hold[0]);
	}
	ck_assert_int_gt(pid, 0);
	close(report[1]);
	close(hold[0]);
	ck_assert_int_eq(read(report[0], msg, sizeof(msg)), sizeof(msg));
	d = diag_table(SOCK_FAMILY_TCP);
	p = proc_table(pid, SOCK_FAMILY_TCP);
	ck_assert_ptr_null(socktable_find(d, msg[0]));
	info_check(socktable_find(p, msg[0]), "tcp",
	    endpoint("127.0.0.1", (unsigned)msg[1]), NULL, "LISTEN", NULL);
	socktable_free(d);
	socktable_free(p);
	close(hold[1]);
	close(report[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(live_bad_arguments)
{
	struct sock_table *t = socktable_new();

	ck_assert_int_eq(sockdiag_load(t, SOCK_FAMILY_COUNT), -EINVAL);
	ck_assert_int_eq(procnet_load(t, -1, SOCK_FAMILY_TCP), -EINVAL);
	ck_assert_int_eq(procnet_load(t, 0, SOCK_FAMILY_COUNT), -EINVAL);
	/* procnet_load of PID 0 is the caller's own namespace. */
	ck_assert_int_eq(procnet_load(t, 0, SOCK_FAMILY_UNIX), 0);
	socktable_free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sockets");
	TCase *table = tcase_create("table");
	TCase *diag = tcase_create("sockdiag_parse");
	TCase *proc = tcase_create("procnet_parse");
	TCase *live = tcase_create("live");
	tcase_leak_check(live);
	tcase_leak_check(table);
	tcase_leak_check(diag);
	tcase_leak_check(proc);

	tcase_add_test(table, table_many);
	tcase_add_test(table, table_copies_strings);
	tcase_set_timeout(table, 60);
	tcase_add_test(diag, diag_inet);
	tcase_add_test(diag, diag_unix);
	tcase_add_test(diag, diag_netlink_packet);
	tcase_add_test(diag, diag_done_and_error);
	tcase_add_test(diag, diag_malformed);
	tcase_add_test(diag, diag_truncated_everywhere);
	tcase_add_test(diag, diag_mutated);
	tcase_set_timeout(diag, 60);
	tcase_add_test(proc, procnet_inet);
	tcase_add_test(proc, procnet_v4_mapped);
	tcase_add_test(proc, procnet_unix);
	tcase_add_test(proc, procnet_netlink_packet);
	tcase_add_test(proc, procnet_malformed);
	tcase_add_test(proc, procnet_truncated_everywhere);
	tcase_add_test(live, live_tcp);
	tcase_add_test(live, live_tcp_close_wait);
	tcase_add_test(live, live_udp);
	tcase_add_test(live, live_udp6);
	tcase_add_test(live, live_udplite_raw);
	tcase_add_test(live, live_unix_pair);
	tcase_add_test(live, live_unix_path);
	tcase_add_test(live, live_unix_abstract);
	tcase_add_test(live, live_netlink);
	tcase_add_test(live, live_packet);
	tcase_add_test(live, live_other_namespace);
	tcase_add_test(live, live_bad_arguments);
	tcase_set_timeout(live, 60);
	suite_add_tcase(s, table);
	suite_add_tcase(s, diag);
	suite_add_tcase(s, proc);
	suite_add_tcase(s, live);
	return suite_run(s);
}
