/*
 * consumer: a program of its own that uses the snapshot library as a
 * test suite would, built only from what `make install' puts in place
 * (the header, the library, fdaudit.pc).  A function that leaks one
 * descriptor must be caught, with a line naming it; one that closes
 * what it opens must pass.  Prints "consumer ok" and exits 0, or says
 * what differed and exits 1.  Plain C and stdio, so that it builds and
 * runs unchanged on Windows, where a leaked FILE is a leaked handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fdaudit_snapshot.h>

static FILE *kept;

/*
 * A name the library uses inside, defined here as any program may: the
 * library must keep calling its own, which fails nothing.  Were its
 * internals exported, this one would replace it and every snapshot
 * would fail.
 */
int	platform_init(void);

int
platform_init(void)
{
	return -1;
}

/* The code under test that forgets to close its file. */
static void
leaky_function(const char *path)
{
	kept = fopen(path, "w");
}

/* The code under test that cleans up after itself. */
static void
clean_function(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f != NULL)
		fclose(f);
}

/* Leaks found after fn, with the report in `text' when it fits. */
static int
leaks_after(void (*fn)(const char *), const char *path, char *text,
    size_t size)
{
	/* The report's own file is opened first, so it is no leak. */
	FILE *report = tmpfile();
	struct fdaudit_snapshot *before = fdaudit_snapshot_take();
	size_t n = 0;
	int leaks;

	if (before == NULL || report == NULL) {
		fprintf(stderr, "consumer: no snapshot or no report file\n");
		exit(1);
	}
	fn(path);
	leaks = fdaudit_snapshot_leaks(before, report);
	rewind(report);
	n = fread(text, 1, size - 1, report);
	text[n] = '\0';
	fclose(report);
	fdaudit_snapshot_free(before);
	return leaks;
}

int
main(int argc, char **argv)
{
	char text[4096];
	int leaks, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: consumer scratch-file\n");
		return 2;
	}
	if (strcmp(fdaudit_version(), FDAUDIT_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: library %s, header %s\n",
		    fdaudit_version(), FDAUDIT_VERSION_STRING);
		failed = 1;
	}
	leaks = leaks_after(leaky_function, argv[1], text, sizeof(text));
	if (leaks != 1 || strstr(text, "descriptor leaked") == NULL) {
		fprintf(stderr, "consumer: leaky function: %d leaks: %s\n",
		    leaks, text);
		failed = 1;
	}
	if (kept != NULL)
		fclose(kept);
	leaks = leaks_after(clean_function, argv[1], text, sizeof(text));
	if (leaks != 0) {
		fprintf(stderr, "consumer: clean function: %d leaks: %s\n",
		    leaks, text);
		failed = 1;
	}
	if (failed == 0)
		printf("consumer ok (fdaudit %s)\n", fdaudit_version());
	return failed;
}
