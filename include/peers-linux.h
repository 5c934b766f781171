/*
 * The Linux backend's search for the other ends of pipes, FIFOs and
 * UNIX sockets: which processes hold the same object.
 */
#ifndef FDAUDIT_PEERS_LINUX_H
#define FDAUDIT_PEERS_LINUX_H

#include <stddef.h>

struct process;

int	peers_resolve(struct process *, size_t);

#endif /* FDAUDIT_PEERS_LINUX_H */
