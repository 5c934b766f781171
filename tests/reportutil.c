/*
 * Helpers shared by the suites that read fdaudit's JSON report (see
 * reportutil.h).
 */
#include <check.h>

#include "reportutil.h"

struct jv *
report_parse(const struct run_result *r)
{
	const char *error = NULL;
	struct jv *doc = jv_parse(r->out, r->out_len, &error);

	ck_assert_msg(doc != NULL, "invalid JSON (%s), status %d: %s\n"
	    "stderr: %s", error, r->status, r->out, r->err);
	return doc;
}

/* The element of the array `key' of obj whose number `id' is value. */
static const struct jv *
element_by_number(const struct jv *obj, const char *key, const char *id,
    double value)
{
	const struct jv *list = jv_get(obj, key);

	for (size_t i = 0; list != NULL && i < list->count; i++) {
		if (jv_num(jv_at(list, i), id) == value)
			return jv_at(list, i);
	}
	return NULL;
}

const struct jv *
report_process(const struct jv *doc, pid_t pid)
{
	return element_by_number(doc, "processes", "pid", pid);
}

const struct jv *
report_fd(const struct jv *proc, int fd)
{
	return element_by_number(proc, "fds", "fd", fd);
}
