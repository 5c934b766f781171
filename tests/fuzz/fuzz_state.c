/*
 * libFuzzer harness for the state file: what state_parse accepts,
 * state_format writes back, and that text parses to the same entries and
 * is written again byte for byte.  state.c saves through the platform
 * layer; the harness never saves, so those functions are stubs here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdaudit.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
platform_file_create(const char *path, unsigned flags,
    struct platform_file **file, FILE **out)
{
	(void)path;
	(void)flags;
	(void)file;
	(void)out;
	return -ENOSYS;
}

int
platform_file_commit(struct platform_file *file)
{
	(void)file;
	return -ENOSYS;
}

void
platform_file_abort(struct platform_file *file)
{
	(void)file;
}

int
platform_lock_acquire(const char *path, double timeout_s,
    struct platform_lock **lock)
{
	(void)path;
	(void)timeout_s;
	*lock = NULL;
	return -ENOSYS;
}

void
platform_lock_release(struct platform_lock *lock)
{
	(void)lock;
}

static char *
format(const struct state *st, size_t *len)
{
	char *text = NULL;
	FILE *out;

	if ((out = open_memstream(&text, len)) == NULL)
		abort();
	if (state_format(out, st) != 0)
		abort();
	if (fclose(out) != 0)
		abort();
	return text;
}

static bool
entries_equal(const struct state *a, const struct state *b)
{
	if (a->nentries != b->nentries)
		return false;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct state_entry *x = &a->entries[i];
		const struct state_entry *y = &b->entries[i];

		if (x->pid != y->pid || x->start_time != y->start_time ||
		    x->nsamples != y->nsamples)
			return false;
		for (size_t j = 0; j < x->nsamples; j++) {
			if (x->samples[j].time != y->samples[j].time ||
			    x->samples[j].open != y->samples[j].open)
				return false;
		}
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state first, second;
	char *buf, *text, *again;
	size_t len, len2;

	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (state_parse(buf, size, &first) != 0) {
		free(buf);
		return 0;
	}
	free(buf);
	text = format(&first, &len);
	if (state_parse(text, len, &second) != 0)
		abort();
	if (!entries_equal(&first, &second))
		abort();
	again = format(&second, &len2);
	if (len != len2 || memcmp(text, again, len) != 0)
		abort();
	free(again);
	free(text);
	state_free(&second);
	state_free(&first);
	return 0;
}
