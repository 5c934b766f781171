/*
 * A strict JSON reader for the tests: it rejects anything RFC 8259 does
 * not allow (raw control characters, invalid UTF-8, trailing text), so a
 * test that parses fdaudit's output also proves the output is valid.
 * Strings decode the \udcXX escapes of fdaudit back to the original bytes.
 */
#ifndef JSONPARSE_H
#define JSONPARSE_H

#include <stdbool.h>
#include <stddef.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type	 type;
	bool		 boolean;
	double		 number;
	char		*string;	/* decoded bytes, NUL-terminated */
	size_t		 length;
	struct jv	*items;		/* array elements or object values */
	char		**keys;		/* object keys, parallel to items */
	size_t		 count;
};

struct jv	*jv_parse(const char *, size_t, const char **);
void		 jv_free(struct jv *);
const struct jv	*jv_get(const struct jv *, const char *);
const struct jv	*jv_at(const struct jv *, size_t);
const char	*jv_str(const struct jv *, const char *);
double		 jv_num(const struct jv *, const char *);
bool		 jv_is(const struct jv *, const char *, enum jv_type);

#endif
