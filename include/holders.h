/*
 * The Linux backend's search for the holders of files and ports
 * (holders-linux.c), and what it borrows from platform-linux.c.
 */
#ifndef FDAUDIT_HOLDERS_H
#define FDAUDIT_HOLDERS_H

#include <stdint.h>

struct netns_tables;
struct sock_info;

struct netns_tables	*linux_socket_tables(int pid);
const struct sock_info	*linux_socket_find_inet(struct netns_tables *,
			    int pid, uint64_t ino);
const struct sock_info	*linux_socket_find_unix(struct netns_tables *,
			    int pid, uint64_t ino);

#endif /* FDAUDIT_HOLDERS_H */
