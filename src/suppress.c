/*
 * Suppression rules of fdaudit run: findings not to report.  A rule is one
 * line of conditions separated by blanks, all of which must hold:
 *
 *	path:GLOB	the descriptor's target
 *	type:NAME	its type (file, fifo, socket, ...)
 *	syscall:NAME	the call that made it
 *	frame:GLOB	some frame of its stack: function, file, file:line or
 *			module (native or Python)
 *	command:GLOB	the name of the process that held it
 *
 * The rules shipped with fdaudit (the defaults) and the user's are read
 * alike; a match says which kind of rule it was, so the report can count
 * what the defaults hid.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "run.h"

enum condition_kind {
	CONDITION_PATH,
	CONDITION_TYPE,
	CONDITION_FRAME,
	CONDITION_SYSCALL,
	CONDITION_COMMAND
};

struct condition {
	enum condition_kind	 kind;
	char			*pattern;
	enum fd_type		 type;
};

struct suppress_rule {
	struct condition	*conditions;
	size_t			 nconditions;
	bool			 by_default;
};

static const struct {
	const char		*prefix;
	enum condition_kind	 kind;
} condition_kinds[] = {
	{ "path:", CONDITION_PATH }, { "type:", CONDITION_TYPE },
	{ "frame:", CONDITION_FRAME }, { "syscall:", CONDITION_SYSCALL },
	{ "command:", CONDITION_COMMAND },
};

/* One word of a rule; 0, -EINVAL when it is not a condition. */
static int
condition_parse(const char *word, struct condition *c)
{
	for (size_t i = 0; i < sizeof(condition_kinds) /
	    sizeof(condition_kinds[0]); i++) {
		size_t len = strlen(condition_kinds[i].prefix);

		if (strncmp(word, condition_kinds[i].prefix, len) != 0 ||
		    word[len] == '\0')
			continue;
		c->kind = condition_kinds[i].kind;
		if (c->kind == CONDITION_TYPE &&
		    fdtype_from_name(word + len, &c->type) != 0)
			return -EINVAL;
		if ((c->pattern = strdup(word + len)) == NULL)
			return -ENOMEM;
		return 0;
	}
	return -EINVAL;
}

static void
rule_free(struct suppress_rule *r)
{
	for (size_t i = 0; i < r->nconditions; i++)
		free(r->conditions[i].pattern);
	free(r->conditions);
}

/* A line of blank-separated conditions; the line is cut into words. */
static int
rule_parse(char *line, struct suppress_rule *r)
{
	char *word = line;
	int error;

	*r = (struct suppress_rule){ 0 };
	for (size_t len; *(word += strspn(word, " \t")) != '\0'; word += len) {
		struct condition *grown;

		if (word[len = strcspn(word, " \t")] != '\0')
			word[len++] = '\0';
		grown = reallocarray(r->conditions, r->nconditions + 1,
		    sizeof(*grown));
		if (grown == NULL) {
			rule_free(r);
			return -ENOMEM;
		}
		r->conditions = grown;
		if ((error = condition_parse(word,
		    &r->conditions[r->nconditions])) != 0) {
			rule_free(r);
			return error;
		}
		r->nconditions++;
	}
	return 0;
}

static int
rule_add(struct suppress_set *set, char *line, bool by_default)
{
	struct suppress_rule *grown;
	int error;

	grown = reallocarray(set->rules, set->nrules + 1, sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	set->rules = grown;
	if ((error = rule_parse(line, &grown[set->nrules])) != 0)
		return error;
	grown[set->nrules++].by_default = by_default;
	return 0;
}

/*
 * Read the rules of a file into set.  A line that is not a rule is
 * -EINVAL with its number in *lineno; an unreadable file is -errno.
 */
int
suppress_load(struct suppress_set *set, const char *path, bool by_default,
    size_t *lineno)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	FILE *f;
	int error = 0;

	*lineno = 0;
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	while (error == 0 && (len = getline(&line, &size, f)) != -1) {
		char *p = line;

		(*lineno)++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		p += strspn(p, " \t");
		if (*p != '\0' && *p != '#')
			error = rule_add(set, p, by_default);
	}
	free(line);
	fclose(f);
	return error;
}

/* A frame glob matches the function, the file, "file:line" or the module. */
static bool
frame_matches(const char *pattern, const struct trace_frame *f)
{
	char where[PATH_MAX + 16];
	const char *base;

	if (f->function != NULL && fnmatch(pattern, f->function, 0) == 0)
		return true;
	if (f->object != NULL) {
		base = strrchr(f->object, '/');
		if (fnmatch(pattern, f->object, 0) == 0 ||
		    (base != NULL && fnmatch(pattern, base + 1, 0) == 0))
			return true;
	}
	if (f->file == NULL)
		return false;
	snprintf(where, sizeof(where), "%s:%d", f->file, f->line);
	return fnmatch(pattern, f->file, 0) == 0 ||
	    fnmatch(pattern, where, 0) == 0;
}

static bool
glob_matches(const char *pattern, const char *text)
{
	return text != NULL && fnmatch(pattern, text, 0) == 0;
}

static bool
condition_matches(const struct condition *c,
    const struct suppress_finding *f)
{
	switch (c->kind) {
	case CONDITION_PATH:
		return glob_matches(c->pattern, f->target);
	case CONDITION_TYPE:
		return f->type == c->type;
	case CONDITION_SYSCALL:
		return f->syscall != NULL && strcmp(f->syscall,
		    c->pattern) == 0;
	case CONDITION_COMMAND:
		return glob_matches(c->pattern, f->command);
	default:
		for (size_t i = 0; i < f->nstack; i++) {
			if (frame_matches(c->pattern, &f->stack[i]))
				return true;
		}
		return false;
	}
}

/* The first rule that matches: SUPPRESS_NONE, _USER or _DEFAULT. */
enum suppress_match
suppress_match(const struct suppress_set *set,
    const struct suppress_finding *f)
{
	for (size_t i = 0; i < set->nrules; i++) {
		const struct suppress_rule *r = &set->rules[i];
		size_t j = 0;

		while (j < r->nconditions &&
		    condition_matches(&r->conditions[j], f))
			j++;
		if (r->nconditions > 0 && j == r->nconditions)
			return r->by_default ? SUPPRESS_DEFAULT :
			    SUPPRESS_USER;
	}
	return SUPPRESS_NONE;
}

void
suppress_free(struct suppress_set *set)
{
	for (size_t i = 0; i < set->nrules; i++)
		rule_free(&set->rules[i]);
	free(set->rules);
	*set = (struct suppress_set){ 0 };
}
