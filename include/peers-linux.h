/*
 * The Linux backend's search for the other ends of pipes, FIFOs and
 * UNIX sockets: which processes hold the same object.
 */
#ifndef FDAUDIT_PEERS_LINUX_H
#define FDAUDIT_PEERS_LINUX_H

#include <stddef.h>

#include "fdaudit.h"

int		peers_resolve(struct process *, size_t);
/* The mode of another process's descriptor, from its /proc link. */
enum fd_mode	peers_link_mode(int, const char *);

#endif /* FDAUDIT_PEERS_LINUX_H */
