/*
 * Integration tests of what is on the other end: socket protocols,
 * addresses and states, pipe peers in other processes, and a process in
 * its own network namespace, through the real binary's JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdaudit.h"
#include "jsonparse.h"
#include "reportutil.h"
#include "testutil.h"

static struct jv *
audit(const struct holder *h, struct run_result *r, const struct jv **proc)
{
	const char *args[] = { "-j", NULL, NULL };
	struct jv *doc;

	args[1] = pid_text(h->pid);
	ck_assert_int_eq(run_fdaudit(r, NULL, args), 0);
	doc = report_parse(r);
	*proc = jv_at(jv_get(doc, "processes"), 0);
	ck_assert_ptr_nonnull(*proc);
	return doc;
}

static const struct jv *
fd_of(const struct jv *proc, int fd)
{
	const struct jv *e = report_fd(proc, fd);

	ck_assert_msg(e != NULL, "fd %d not reported", fd);
	return e;
}

/* Compare one "sock FD PROTO LOCAL REMOTE STATE" line of the helper. */
static void
socket_check(const struct jv *proc, const char *line)
{
	char proto[16], local[256], remote[256], state[32];
	const struct jv *e;
	int fd;

	ck_assert_int_eq(sscanf(line, "sock\t%d\t%15s\t%255s\t%255s\t%31s",
	    &fd, proto, local, remote, state), 5);
	e = fd_of(proc, fd);
	ck_assert_str_eq(jv_str(e, "type"), "socket");
	ck_assert_msg(strcmp(jv_str(e, "proto"), proto) == 0,
	    "fd %d: proto %s, want %s", fd, jv_str(e, "proto"), proto);
	if (strcmp(local, "-") == 0)
		ck_assert(jv_is(e, "local", JV_NULL));
	else if (strcmp(local, "?") != 0)
		ck_assert_msg(jv_str(e, "local") != NULL &&
		    strcmp(jv_str(e, "local"), local) == 0,
		    "fd %d: local %s, want %s", fd, jv_str(e, "local"), local);
	if (strcmp(remote, "-") != 0)
		ck_assert_msg(jv_str(e, "remote") != NULL &&
		    strcmp(jv_str(e, "remote"), remote) == 0,
		    "fd %d: remote %s, want %s", fd, jv_str(e, "remote"),
		    remote);
	if (strcmp(state, "-") != 0)
		ck_assert_msg(jv_str(e, "state") != NULL &&
		    strcmp(jv_str(e, "state"), state) == 0,
		    "fd %d: state %s, want %s", fd, jv_str(e, "state"), state);
}

/* Whether `key' of descriptor e lists pid:fd, held with `mode'. */
static bool
has_holder(const struct jv *e, const char *key, int pid, int fd,
    const char *mode)
{
	const struct jv *peers = jv_get(e, key);

	for (size_t i = 0; peers != NULL && i < peers->count; i++) {
		const struct jv *p = jv_at(peers, i);

		if ((int)jv_num(p, "pid") != pid || (int)jv_num(p, "fd") != fd)
			continue;
		return strcmp(jv_str(p, "command"), "fdholder") == 0 &&
		    (mode == NULL || (jv_str(p, "mode") != NULL &&
		    strcmp(jv_str(p, "mode"), mode) == 0));
	}
	return false;
}

static bool
has_peer(const struct jv *e, int pid, int fd)
{
	return has_holder(e, "peers", pid, fd, NULL);
}


/*
 * The PID, seen from here, of a child of the helper that the helper
 * named: the same number, unless the helper is in a PID namespace of
 * its own, where it named its only child by the inner number.
 */
static int
outer_child(const struct holder *h, int child)
{
	char path[64];
	FILE *f;
	int outer = -1;

	if (h->ns_parent == 0)
		return child;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", h->pid,
	    h->pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_int_eq(fscanf(f, "%d", &outer), 1);
	fclose(f);
	ck_assert_int_ne(outer, child);
	return outer;
}

/*
 * The helper holds both ends of a pipe, its child the write end too: the
 * read end names both writers, the write end names the reader only, and
 * the child as one that shares its end.
 */
static void
sharer_check(const struct jv *proc, const struct holder *h, const char *line)
{
	int rfd, wfd, child, child_fd;
	const struct jv *r, *w;

	ck_assert_int_eq(sscanf(line, "sharer\t%d\t%d\t%d\t%d", &rfd, &wfd,
	    &child, &child_fd), 4);
	child = outer_child(h, child);
	r = fd_of(proc, rfd);
	w = fd_of(proc, wfd);
	ck_assert(has_holder(r, "peers", h->pid, wfd, "w"));
	ck_assert(has_holder(r, "peers", child, child_fd, "w"));
	ck_assert_uint_eq(jv_get(r, "peers")->count, 2);
	ck_assert_uint_eq(jv_get(r, "sharers")->count, 0);
	ck_assert(has_holder(w, "peers", h->pid, rfd, "r"));
	ck_assert_msg(!has_holder(w, "peers", child, child_fd, NULL),
	    "another writer is not the other end of write end %d", wfd);
	ck_assert_uint_eq(jv_get(w, "peers")->count, 1);
	ck_assert(has_holder(w, "sharers", child, child_fd, "w"));
}

static void
sockets_and_peers(const char *const *extra)
{
	const struct jv *proc, *e;
	struct run_result r;
	struct holder h;
	struct jv *doc;
	size_t socks = 0, peers = 0, sharers = 0;
	int pair[2];

	ck_assert_int_eq(holder_start(&h, extra), 0);
	doc = audit(&h, &r, &proc);
	for (size_t i = 0; i < h.nlines; i++) {
		int fd, child, child_fd;

		if (strncmp(h.lines[i], "sock\t", 5) == 0) {
			socket_check(proc, h.lines[i]);
			socks++;
		} else if (sscanf(h.lines[i], "peer\t%d\t%d\t%d", &fd, &child,
		    &child_fd) == 3) {
			child = outer_child(&h, child);
			ck_assert_msg(has_peer(fd_of(proc, fd), child,
			    child_fd), "pipe %d: no peer %d:%d", fd, child,
			    child_fd);
			peers++;
		} else if (strncmp(h.lines[i], "sharer\t", 7) == 0) {
			sharer_check(proc, &h, h.lines[i]);
			sharers++;
		}
	}
	ck_assert_uint_eq(sharers, 1);
	ck_assert_uint_ge(socks, 10);
	ck_assert_int_eq((int)jv_num(proc, "close_wait"), 1);
	/* The pipe inside the helper: each end names the other. */
	for (size_t i = 0; i < h.nfds; i++) {
		if (strcmp(h.fds[i].type, "fifo") != 0 ||
		    strncmp(h.fds[i].target, "pipe:", 5) != 0)
			continue;
		e = fd_of(proc, h.fds[i].fd);
		ck_assert_uint_eq(jv_get(e, "peers")->count, 1);
		peers++;
	}
	/* The socket pair of the known set names its other end. */
	ck_assert_int_eq(holder_pair(&h, pair), 0);
	ck_assert(has_peer(fd_of(proc, pair[0]), h.pid, pair[1]));
	ck_assert(has_peer(fd_of(proc, pair[1]), h.pid, pair[0]));
	ck_assert_uint_ge(peers, 2);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
}

START_TEST(sockets_resolved_and_pipes_peered)
{
	const char *const extra[] = { "-S", "-P", NULL };

	sockets_and_peers(extra);
}
END_TEST

/* From outside, a process in its own network namespace is resolved. */
START_TEST(other_network_namespace)
{
	const char *const extra[] = { "-U", "-S", "-P", NULL };

	if (geteuid() != 0)
		SKIP_TEST("unshare(CLONE_NEWNET) needs root");
	sockets_and_peers(extra);
}
END_TEST

/*
 * From outside, a process in PID and network namespaces of its own: its
 * count and every type as the process itself saw them, its pidfd naming
 * it by its outer PID, then sockets and peers as above, with outer PIDs.
 */
START_TEST(other_pid_namespace)
{
	const char *const plain[] = { "-I", NULL };
	const char *const full[] = { "-I", "-U", "-S", "-P", NULL };
	const struct jv *proc, *e;
	struct run_result r;
	struct holder h;
	struct jv *doc;
	bool pidfd = false;

	if (geteuid() != 0)
		SKIP_TEST("unshare(CLONE_NEWPID) needs root");
	ck_assert_int_eq(holder_start(&h, plain), 0);
	ck_assert_int_gt(h.ns_parent, 0);
	doc = audit(&h, &r, &proc);
	ck_assert_int_eq((int)jv_num(proc, "pid"), h.pid);
	ck_assert_int_eq((int)jv_num(proc, "open"), (int)h.nfds + 3);
	for (size_t i = 0; i < h.nfds; i++) {
		e = fd_of(proc, h.fds[i].fd);
		ck_assert_msg(strcmp(jv_str(e, "type"), h.fds[i].type) == 0,
		    "fd %d: %s, want %s", h.fds[i].fd, jv_str(e, "type"),
		    h.fds[i].type);
		if (strcmp(h.fds[i].type, "pidfd") != 0)
			continue;
		/* The helper opened it on itself, PID 1 inside. */
		ck_assert_int_eq((int)jv_num(jv_get(e, "details"), "pid"),
		    h.pid);
		pidfd = true;
	}
	ck_assert(pidfd);
	jv_free(doc);
	run_result_free(&r);
	holder_stop(&h);
	sockets_and_peers(full);
}
END_TEST

START_TEST(named_fifo_without_peer_is_said)
{
	const struct jv *proc, *e;
	struct run_result r;
	struct holder h;
	struct jv *doc;
	const char *table[] = { NULL, NULL };

	ck_assert_int_eq(holder_start(&h, NULL), 0);
	doc = audit(&h, &r, &proc);
	for (size_t i = 0; i < h.nfds; i++) {
		if (strcmp(h.fds[i].type, "fifo") != 0 ||
		    h.fds[i].target[0] != '/')
			continue;
		e = fd_of(proc, h.fds[i].fd);
		ck_assert(jv_is(e, "peers", JV_ARRAY));
		ck_assert_uint_eq(jv_get(e, "peers")->count, 0);
	}
	jv_free(doc);
	run_result_free(&r);
	table[0] = pid_text(h.pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, table), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "named.fifo -> (no peer found)"));
	ck_assert_ptr_nonnull(strstr(r.out, "[counter=0"));
	run_result_free(&r);
	holder_stop(&h);
}
END_TEST

/*
 * The number of descriptors -t `types' lists, each of them of `type'
 * or a socket whose protocol begins with `proto'.
 */
static size_t
selected_count(const struct holder *h, const char *types, const char *type,
    const char *proto)
{
	const char *args[] = { "-j", "-t", types, NULL, NULL };
	const struct jv *fds, *e;
	const char *error = NULL;
	struct run_result r;
	struct jv *doc;
	size_t n;

	args[3] = pid_text(h->pid);
	ck_assert_int_eq(run_fdaudit(&r, NULL, args), 0);
	ck_assert_msg(r.status < 3, "-t %s: exit %d: %s", types, r.status,
	    r.err);
	ck_assert_ptr_nonnull(doc = jv_parse(r.out, r.out_len, &error));
	fds = jv_get(jv_at(jv_get(doc, "processes"), 0), "fds");
	n = fds->count;
	for (size_t i = 0; i < n; i++) {
		e = jv_at(fds, i);
		ck_assert_msg(strcmp(jv_str(e, "type"), type) == 0 ||
		    (proto != NULL && jv_str(e, "proto") != NULL &&
		    strncmp(jv_str(e, "proto"), proto, strlen(proto)) == 0),
		    "-t %s listed fd %d, a %s", types, (int)jv_num(e, "fd"),
		    jv_str(e, "type"));
	}
	jv_free(doc);
	run_result_free(&r);
	return n;
}

/* -t takes the words of other tools and kinds of socket. */
START_TEST(type_words_select)
{
	static const char *const extra[] = { "-S", "-P", NULL };
	struct holder h;

	ck_assert_int_eq(holder_start(&h, extra), 0);
	ck_assert_uint_eq(selected_count(&h, "pipe", "fifo", NULL),
	    selected_count(&h, "fifo", "fifo", NULL));
	ck_assert_uint_ge(selected_count(&h, "pipe", "fifo", NULL), 4);
	ck_assert_uint_eq(selected_count(&h, "reg", "file", NULL),
	    selected_count(&h, "file", "file", NULL));
	ck_assert_uint_ge(selected_count(&h, "tcp", "", "tcp"), 2);
	ck_assert_uint_ge(selected_count(&h, "udp", "", "udp"), 2);
	ck_assert_uint_ge(selected_count(&h, "unix", "", "unix"), 3);
	ck_assert_uint_ge(selected_count(&h, "netlink", "", "netlink"), 1);
	ck_assert_uint_eq(selected_count(&h, "tcp,pipe", "fifo", "tcp"),
	    selected_count(&h, "tcp", "", "tcp") +
	    selected_count(&h, "pipe", "fifo", NULL));
	holder_stop(&h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("endpoints");
	TCase *tc = tcase_create("endpoints");
	tcase_leak_check(tc);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sockets_resolved_and_pipes_peered);
	tcase_add_test(tc, other_network_namespace);
	tcase_add_test(tc, other_pid_namespace);
	tcase_add_test(tc, named_fifo_without_peer_is_said);
	tcase_add_test(tc, type_words_select);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
