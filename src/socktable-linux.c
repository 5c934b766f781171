/*
 * The socket table: socket descriptions keyed by inode, and the names
 * both loaders give to kernel numbers.  A busy server holds hundreds of
 * thousands of sockets and every descriptor of every audited process is
 * looked up once, so the table grows with its contents and keeps
 * lookups constant-time: a fixed number of buckets (lsof has 128) turns
 * each lookup into a walk of a long chain.
 *
 * Descriptions live in one dense array in the order they were added; an
 * open-addressing index of half-empty slots, probed linearly, holds their
 * positions.  The index is rebuilt at twice the size when it would
 * become more than half full.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "socktable-linux.h"

#define SLOTS_MIN	64

/* Positions are kept as 32-bit numbers plus one; 0 marks a free slot. */
#define ENTRIES_MAX	((size_t)UINT32_MAX - 1)

struct sock_table {
	struct sock_info *entries;
	size_t		 count;
	size_t		 cap;
	uint32_t	*slots;
	size_t		 nslots;	/* 0 or a power of two */
};

static const char *const family_files[SOCK_FAMILY_COUNT] = {
	[SOCK_FAMILY_TCP] = "tcp",
	[SOCK_FAMILY_TCP6] = "tcp6",
	[SOCK_FAMILY_UDP] = "udp",
	[SOCK_FAMILY_UDP6] = "udp6",
	[SOCK_FAMILY_UDPLITE] = "udplite",
	[SOCK_FAMILY_UDPLITE6] = "udplite6",
	[SOCK_FAMILY_RAW] = "raw",
	[SOCK_FAMILY_RAW6] = "raw6",
	[SOCK_FAMILY_UNIX] = "unix",
	[SOCK_FAMILY_NETLINK] = "netlink",
	[SOCK_FAMILY_PACKET] = "packet",
};

struct sock_table *
socktable_new(void)
{
	return calloc(1, sizeof(struct sock_table));
}

static void
entry_clear(struct sock_info *si)
{
	free(si->local);
	free(si->remote);
	si->local = si->remote = NULL;
}

void
socktable_free(struct sock_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->count; i++)
		entry_clear(&t->entries[i]);
	free(t->entries);
	free(t->slots);
	free(t);
}

size_t
socktable_count(const struct sock_table *t)
{
	return t->count;
}

/*
 * Socket inodes come from a counter, so neighbours differ in their low
 * bits only; the mixing step of splitmix64 spreads them over the slots.
 */
static size_t
ino_hash(uint64_t ino)
{
	ino ^= ino >> 30;
	ino *= 0xbf58476d1ce4e5b9ULL;
	ino ^= ino >> 27;
	ino *= 0x94d049bb133111ebULL;
	ino ^= ino >> 31;
	return (size_t)ino;
}

/* The slot that holds ino, or the free slot where it would go. */
static size_t
slot_find(const struct sock_table *t, uint64_t ino)
{
	size_t mask = t->nslots - 1, i = ino_hash(ino) & mask;

	while (t->slots[i] != 0 && t->entries[t->slots[i] - 1].ino != ino)
		i = (i + 1) & mask;
	return i;
}

static int
slots_grow(struct sock_table *t)
{
	size_t n = t->nslots ? t->nslots * 2 : SLOTS_MIN;
	uint32_t *old = t->slots;

	if (n < t->nslots || (t->slots = calloc(n, sizeof(*t->slots))) ==
	    NULL) {
		t->slots = old;
		return -ENOMEM;
	}
	free(old);
	t->nslots = n;
	for (size_t i = 0; i < t->count; i++)
		t->slots[slot_find(t, t->entries[i].ino)] = (uint32_t)(i + 1);
	return 0;
}

static int
entries_grow(struct sock_table *t)
{
	size_t n = t->cap ? t->cap * 2 : SLOTS_MIN / 2;
	struct sock_info *e;

	if (n > ENTRIES_MAX)
		n = ENTRIES_MAX;
	if (n <= t->count)
		return -ENOMEM;
	if ((e = reallocarray(t->entries, n, sizeof(*e))) == NULL)
		return -ENOMEM;
	t->entries = e;
	t->cap = n;
	return 0;
}

/* Room for one more entry, keeping the index at most half full. */
static int
table_reserve(struct sock_table *t)
{
	int error;

	if (t->count == t->cap && (error = entries_grow(t)) != 0)
		return error;
	if ((t->count + 1) * 2 > t->nslots && (error = slots_grow(t)) != 0)
		return error;
	return 0;
}

static int
entry_copy(struct sock_info *dst, const struct sock_info *src)
{
	*dst = *src;
	dst->proto[sizeof(dst->proto) - 1] = '\0';
	dst->local = dst->remote = NULL;
	if (src->local != NULL && (dst->local = strdup(src->local)) == NULL)
		return -ENOMEM;
	if (src->remote != NULL && (dst->remote = strdup(src->remote)) ==
	    NULL) {
		free(dst->local);
		return -ENOMEM;
	}
	return 0;
}

int
socktable_add(struct sock_table *t, const struct sock_info *si)
{
	struct sock_info copy;
	size_t slot;
	int error;

	if (si->ino == 0)
		return -EINVAL;
	if ((error = entry_copy(&copy, si)) != 0)
		return error;
	if (t->nslots > 0) {
		slot = slot_find(t, si->ino);
		if (t->slots[slot] != 0) {
			entry_clear(&t->entries[t->slots[slot] - 1]);
			t->entries[t->slots[slot] - 1] = copy;
			return 0;
		}
	}
	if ((error = table_reserve(t)) != 0) {
		entry_clear(&copy);
		return error;
	}
	t->entries[t->count] = copy;
	t->slots[slot_find(t, si->ino)] = (uint32_t)(++t->count);
	return 0;
}

const struct sock_info *
socktable_find(const struct sock_table *t, uint64_t ino)
{
	size_t slot;

	if (t->nslots == 0 || ino == 0)
		return NULL;
	slot = slot_find(t, ino);
	return t->slots[slot] != 0 ? &t->entries[t->slots[slot] - 1] : NULL;
}

const char *
sockfamily_file(enum sock_family family)
{
	if ((unsigned)family >= SOCK_FAMILY_COUNT)
		return NULL;
	return family_files[family];
}

/*
 * A blank description of the socket `ino' of `family', named as its
 * /proc/net file is, whichever loader found it.
 */
void
sockinfo_init(struct sock_info *si, enum sock_family family, uint64_t ino)
{
	memset(si, 0, sizeof(*si));
	si->ino = ino;
	strlcpy(si->proto, sockfamily_file(family), sizeof(si->proto));
}

/* TCP states by their kernel number (include/net/tcp_states.h). */
const char *
sockname_tcp_state(unsigned int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
		[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
		[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
		[10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
		/*
		 * TCP_BOUND_INACTIVE: a pseudo-state inet_diag gives since
		 * Linux 6.7 to sockets that are bound and neither listen
		 * nor connect.  Their real state is CLOSE, and ss calls
		 * them UNCONN.
		 */
		[13] = "CLOSE",
	};

	if (state >= sizeof(names) / sizeof(names[0]) || names[state] == NULL)
		return "UNKNOWN";
	return names[state];
}

/*
 * UNIX sockets by the TCP state number unix_diag reports: a listener is
 * TCP_LISTEN, a connected socket TCP_ESTABLISHED, anything else
 * TCP_CLOSE; a stream socket in the middle of connect(2) is TCP_SYN_SENT.
 */
const char *
sockname_unix_state(unsigned int state)
{
	switch (state) {
	case 1:
		return "CONNECTED";
	case 2:
		return "CONNECTING";
	case 7:
		return "UNCONNECTED";
	case 10:
		return "LISTEN";
	default:
		return "UNKNOWN";
	}
}

const char *
sockname_unix_type(unsigned int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return NULL;
	}
}

/* Netlink protocols by number (include/uapi/linux/netlink.h). */
const char *
sockname_netlink_type(unsigned int protocol)
{
	static const char *const names[] = {
		[0] = "route", [1] = "unused", [2] = "usersock",
		[3] = "firewall", [4] = "sock_diag", [5] = "nflog",
		[6] = "xfrm", [7] = "selinux", [8] = "iscsi", [9] = "audit",
		[10] = "fib_lookup", [11] = "connector", [12] = "netfilter",
		[13] = "ip6_fw", [14] = "dnrtmsg", [15] = "kobject_uevent",
		[16] = "generic", [18] = "scsitransport", [19] = "ecryptfs",
		[20] = "rdma", [21] = "crypto", [22] = "smc",
	};

	if (protocol >= sizeof(names) / sizeof(names[0]) ||
	    names[protocol] == NULL)
		return "netlink";
	return names[protocol];
}

const char *
sockname_packet_type(unsigned int type)
{
	switch (type) {
	case SOCK_RAW:
		return "raw";
	case SOCK_DGRAM:
		return "dgram";
	default:
		return NULL;
	}
}

/* Whether an inet endpoint is all zero: a remote side never set. */
bool
sockname_inet_unset(int af, const void *addr, unsigned int port)
{
	static const unsigned char zero[16];

	return port == 0 && memcmp(addr, zero, af == AF_INET6 ? 16 : 4) == 0;
}

/* "ADDRESS:PORT", or "[ADDRESS]:PORT" for IPv6. */
int
sockname_inet(char *buf, size_t size, int af, const void *addr,
    unsigned int port)
{
	char text[INET6_ADDRSTRLEN];
	int n;

	if (inet_ntop(af, addr, text, sizeof(text)) == NULL)
		return -EINVAL;
	if (af == AF_INET6)
		n = snprintf(buf, size, "[%s]:%u", text, port);
	else
		n = snprintf(buf, size, "%s:%u", text, port);
	return n >= 0 && (size_t)n < size ? 0 : -ENOSPC;
}

/*
 * "PROTO:IFINDEX", the Ethernet protocol in hex as /proc/net/packet has
 * it, or "PROTO" alone when the index is unknown (negative).
 */
int
sockname_packet(char *buf, size_t size, unsigned int proto,
    long long ifindex)
{
	int n;

	if (ifindex < 0)
		n = snprintf(buf, size, "%04x", proto);
	else
		n = snprintf(buf, size, "%04x:%lld", proto, ifindex);
	return n >= 0 && (size_t)n < size ? 0 : -ENOSPC;
}
