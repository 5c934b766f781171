/*
 * Socket resolution: what a `socket:[INODE]' descriptor is connected to.
 * A sock_table maps socket inodes to their protocol, endpoints and state.
 * It is filled from the kernel's socket-diagnostics netlink interface
 * (sockdiag-linux.c, what ss(8) uses) or, as a fallback and for sockets
 * of other network namespaces, from the text tables under /proc/PID/net
 * (procnet-linux.c).  The parsers behind both are pure functions of a
 * buffer.
 *
 * Forms of the fields, the same from both sources:
 *
 *   local, remote	inet: "127.0.0.1:8080", "[::1]:443", the address as
 *			inet_ntop(3) writes it ("0.0.0.0:0" for an unbound
 *			socket, "[::ffff:10.0.0.1]:80" for a mapped one) and
 *			the port in decimal.  For raw sockets the port is
 *			the IP protocol number, as the kernel reports it.
 *			remote is NULL while the remote address and port
 *			are both zero, that is, when not connected.
 *			UNIX: local is the bound path as raw bytes, or an
 *			abstract name as "@" and its raw bytes with every
 *			NUL shown as "@" (as ss and /proc/net/unix do);
 *			NULL when unbound.  remote is always NULL: the
 *			peer is known by its inode, peer_ino.
 *			netlink: local is the port ID in decimal; remote is
 *			the destination port ID when one is set (netlink
 *			diagnostics only; /proc/net/netlink has none).
 *			packet: local is "PROTO:IFINDEX", the Ethernet
 *			protocol as four hex digits ("0003" is ETH_P_ALL)
 *			and the interface index in decimal (0: every
 *			interface), or "PROTO" alone when the kernel does
 *			not report the index; remote is NULL.
 *   state		TCP: "ESTABLISHED", "SYN_SENT", "SYN_RECV",
 *			"FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
 *			"CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
 *			"NEW_SYN_RECV", or "UNKNOWN" for a number this
 *			table does not know.
 *			UNIX: "LISTEN", "CONNECTED", "UNCONNECTED",
 *			"CONNECTING", "DISCONNECTING" or "UNKNOWN".  A
 *			connected datagram socket is "CONNECTED" in the
 *			netlink view but "UNCONNECTED" in /proc/net/unix,
 *			which shows the socket layer's state instead.
 *			NULL for every other family.
 *   type		UNIX: "stream", "dgram", "seqpacket".  netlink: the
 *			protocol ("route", "sock_diag", "audit", ...), or
 *			"netlink" for a number the table does not know.
 *			packet: "raw" or "dgram".  NULL otherwise.
 *
 * state and type always point to static strings, and socktable_add keeps
 * the pointers as they are; local and remote are copied.  Sockets whose
 * inode is 0 (TCP TIME_WAIT and request sockets, which no descriptor
 * holds) are skipped by the loaders, and the table refuses them.
 *
 * Neither source lists an inet socket that was never bound: the kernel
 * keeps those in no table.  A TCP socket that is bound but neither
 * listens nor connects is in the netlink view only (as "CLOSE").
 */
#ifndef FDAUDIT_SOCKTABLE_LINUX_H
#define FDAUDIT_SOCKTABLE_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sock_family {
	SOCK_FAMILY_TCP,
	SOCK_FAMILY_TCP6,
	SOCK_FAMILY_UDP,
	SOCK_FAMILY_UDP6,
	SOCK_FAMILY_UDPLITE,
	SOCK_FAMILY_UDPLITE6,
	SOCK_FAMILY_RAW,
	SOCK_FAMILY_RAW6,
	SOCK_FAMILY_UNIX,
	SOCK_FAMILY_NETLINK,
	SOCK_FAMILY_PACKET,
	SOCK_FAMILY_COUNT
};

/* One socket; the forms of the fields are described above. */
struct sock_info {
	uint64_t	 ino;
	char		 proto[16];	/* the /proc/net file name */
	char		*local;		/* NULL when none */
	char		*remote;	/* NULL when none */
	const char	*state;		/* TCP and UNIX, else NULL */
	const char	*type;		/* UNIX, netlink, packet */
	uint64_t	 peer_ino;	/* UNIX: the peer, 0 if unknown */
	uint64_t	 vfs_dev;	/* UNIX bound to a path: the socket */
	uint64_t	 vfs_ino;	/* file's st_dev and st_ino; 0, 0 when
					   unbound, abstract or unknown */
};

/* socktable-linux.c: the table, keyed by inode */
struct sock_table;
struct sock_table	*socktable_new(void);
void			 socktable_free(struct sock_table *);
int			 socktable_add(struct sock_table *,
			    const struct sock_info *);
const struct sock_info	*socktable_find(const struct sock_table *,
			    uint64_t ino);
size_t			 socktable_count(const struct sock_table *);
const char		*sockfamily_file(enum sock_family);
void			 sockinfo_init(struct sock_info *, enum sock_family,
			    uint64_t ino);

/* socktable-linux.c: names and forms shared by the two loaders */
const char	*sockname_tcp_state(unsigned int);
const char	*sockname_unix_state(unsigned int);
const char	*sockname_unix_type(unsigned int);
const char	*sockname_netlink_type(unsigned int);
const char	*sockname_packet_type(unsigned int);
bool		 sockname_inet_unset(int af, const void *addr,
		    unsigned int port);
int		 sockname_inet(char *, size_t, int af, const void *addr,
		    unsigned int port);
int		 sockname_packet(char *, size_t, unsigned int proto,
		    long long ifindex);

/*
 * Live loading, 0 or -errno: -EPROTONOSUPPORT when the kernel lacks the
 * diagnostics for the family, -EACCES, -ENOENT for a missing /proc file.
 * sockdiag_load sees the caller's network namespace; procnet_load reads
 * /proc/PID/net/<file>, the namespace of PID (0 for the caller's own).
 * On an error the table may hold part of the sockets.
 */
int	 sockdiag_load(struct sock_table *, enum sock_family);
int	 procnet_load(struct sock_table *, int pid, enum sock_family);

/*
 * Pure parsers, fuzzable: no system calls, bounded reads, lengths in the
 * input never trusted.  sockdiag_parse takes one datagram of netlink
 * messages and returns 1 once NLMSG_DONE is seen, 0 when more is to come,
 * the error of an NLMSG_ERROR, or -EBADMSG for malformed input.
 * procnet_parse takes a whole table with its header line and returns 0
 * or -EINVAL when a line does not parse (a last line cut short is taken
 * only if it parses).  Sockets parsed before an error stay in the table.
 */
int	 sockdiag_parse(const void *, size_t, enum sock_family,
	    struct sock_table *);
int	 procnet_parse(const char *, size_t, enum sock_family,
	    struct sock_table *);

#endif /* FDAUDIT_SOCKTABLE_LINUX_H */
