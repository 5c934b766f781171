/*
 * The question "who holds this": the files and ports a search looks for.
 * The platform layer walks the processes; this is what it matches
 * against, kept apart so that it can be tested without them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fdaudit.h"

/*
 * "8080", ":8080", "127.0.0.1:8080" or "[::1]:8080".  The address is
 * kept as text and checked by the platform layer, which knows how to
 * read it; here it only has to look like a numeric one.
 */
int
port_match_parse(const char *arg, struct port_match *m)
{
	const char *colon = strrchr(arg, ':'), *port = arg, *host = arg;
	size_t hostlen = 0;
	const char *errstr;

	memset(m, 0, sizeof(*m));
	if (colon != NULL) {
		port = colon + 1;
		hostlen = (size_t)(colon - arg);
		if (hostlen >= 2 && arg[0] == '[' && arg[hostlen - 1] == ']') {
			host++;
			hostlen -= 2;
		} else if (memchr(arg, ':', hostlen) != NULL ||
		    memchr(arg, '[', hostlen) != NULL)
			return -EINVAL;	/* IPv6 needs its brackets */
	}
	if (hostlen >= sizeof(m->host) ||
	    strspn(host, "0123456789abcdefABCDEF.:") < hostlen)
		return -EINVAL;
	memcpy(m->host, host, hostlen);
	m->host[hostlen] = '\0';
	m->port = (unsigned)strtonum(port, 1, 65535, &errstr);
	return errstr == NULL ? 0 : -EINVAL;
}

static int
file_id_compare(const void *a, const void *b)
{
	const struct file_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

void
hold_query_sort(struct hold_query *q)
{
	if (q->nfiles > 1)
		qsort(q->files, q->nfiles, sizeof(q->files[0]),
		    file_id_compare);
}

bool
hold_query_has_file(const struct hold_query *q, uint64_t dev, uint64_t ino)
{
	struct file_id key = { dev, ino };

	return q->nfiles > 0 && bsearch(&key, q->files, q->nfiles,
	    sizeof(q->files[0]), file_id_compare) != NULL;
}

void
hold_query_free(struct hold_query *q)
{
	free(q->files);
	free(q->ports);
	memset(q, 0, sizeof(*q));
}
