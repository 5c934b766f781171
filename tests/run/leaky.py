"""Python programs that leak, and one that does not, for fdaudit run.

Each scenario marks the line that makes a leaked descriptor with a
comment "site:NAME"; the tests find the line by that mark.
"""
import os
import socket
import sys

held = []


def keep_files(n):
    for i in range(n):
        held.append(open(os.devnull))  # site:files


def keep_sockets():
    held.extend(socket.socketpair())  # site:sockets


def keep_fd():
    held.append(os.open(os.devnull, os.O_RDONLY))  # site:os_open


def closed():
    with open(os.devnull) as f:
        f.read()
    a, b = socket.socketpair()
    a.close()
    b.close()
    r, w = os.pipe()
    os.close(r)
    os.close(w)


def too_many():
    # The classic failure: the leak is here, the error elsewhere.
    files = [open(os.devnull) for _ in range(100000)]  # site:emfile
    return files


scenarios = {
    "files": lambda: keep_files(3),
    "sockets": keep_sockets,
    "os_open": keep_fd,
    "closed": closed,
    "too_many": too_many,
}

if __name__ == "__main__":
    scenarios[sys.argv[1]]()
