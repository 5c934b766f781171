/*
 * Unit tests of descriptor classification: link texts, st_mode, the
 * deleted suffix and the --type filter.
 */
#include <sys/stat.h>

#include <string.h>

#include "fdaudit.h"
#include "testutil.h"

static enum fd_type
classify(const char *link, enum fd_object *object)
{
	return fdtype_classify_link(link, object);
}

START_TEST(link_texts)
{
	static const struct {
		const char	*link;
		const char	*type;
		enum fd_object	 object;
	} cases[] = {
		{ "socket:[48213]", "socket", FD_OBJECT_OTHER },
		{ "pipe:[12]", "fifo", FD_OBJECT_OTHER },
		{ "anon_inode:[eventfd]", "eventfd", FD_OBJECT_OTHER },
		{ "anon_inode:[eventpoll]", "epoll", FD_OBJECT_OTHER },
		{ "anon_inode:inotify", "inotify", FD_OBJECT_OTHER },
		{ "anon_inode:[fanotify]", "fanotify", FD_OBJECT_OTHER },
		{ "anon_inode:[signalfd]", "signalfd", FD_OBJECT_OTHER },
		{ "anon_inode:[timerfd]", "timerfd", FD_OBJECT_OTHER },
		{ "anon_inode:[pidfd]", "pidfd", FD_OBJECT_OTHER },
		{ "anon_inode:[io_uring]", "io_uring", FD_OBJECT_OTHER },
		{ "anon_inode:bpf-map", "bpf", FD_OBJECT_OTHER },
		{ "anon_inode:bpf-prog", "bpf", FD_OBJECT_OTHER },
		{ "anon_inode:[perf_event]", "perf_event", FD_OBJECT_OTHER },
		{ "anon_inode:[userfaultfd]", "userfaultfd", FD_OBJECT_OTHER },
		{ "anon_inode:[dmabuf]", "anon_inode", FD_OBJECT_OTHER },
		{ "anon_inode:kvm-vm", "anon_inode", FD_OBJECT_OTHER },
		{ "net:[4026531840]", "namespace", FD_OBJECT_OTHER },
		{ "pid_for_children:[4026531836]", "namespace",
		    FD_OBJECT_OTHER },
		{ "/memfd:cache (deleted)", "memfd", FD_OBJECT_OTHER },
		{ "/etc/passwd", "unknown", FD_OBJECT_PATH },
		{ "/", "unknown", FD_OBJECT_PATH },
		{ "socket:[12", "unknown", FD_OBJECT_OTHER },
		{ "socket:[]", "unknown", FD_OBJECT_OTHER },
		{ "socket:[1]x", "unknown", FD_OBJECT_OTHER },
		{ "net:[x]", "unknown", FD_OBJECT_OTHER },
		{ "", "unknown", FD_OBJECT_OTHER },
		{ "anon_inode:", "anon_inode", FD_OBJECT_OTHER },
		{ "anon_inode:[]", "anon_inode", FD_OBJECT_OTHER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum fd_object object;
		enum fd_type type = classify(cases[i].link, &object);

		ck_assert_msg(strcmp(fdtype_name(type), cases[i].type) == 0,
		    "%s: got %s, want %s", cases[i].link, fdtype_name(type),
		    cases[i].type);
		ck_assert_msg(object == cases[i].object, "%s: object",
		    cases[i].link);
	}
}
END_TEST

START_TEST(modes)
{
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFREG | 0644)),
	    "file");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFDIR)), "dir");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFCHR)), "chr");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFBLK)), "blk");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFIFO)), "fifo");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFSOCK)),
	    "socket");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(S_IFLNK)),
	    "unknown");
	ck_assert_str_eq(fdtype_name(fdtype_classify_mode(0)), "unknown");
}
END_TEST

START_TEST(deleted_suffix)
{
	size_t len = 0;

	ck_assert(fdtype_link_deleted("/tmp/x (deleted)", &len));
	ck_assert_uint_eq(len, 6);
	ck_assert(!fdtype_link_deleted("/tmp/x", &len));
	ck_assert(!fdtype_link_deleted(" (deleted)", &len));
	ck_assert(!fdtype_link_deleted("/tmp/x (deleted) ", &len));
}
END_TEST

START_TEST(names_round_trip)
{
	for (int t = 0; t < FD_TYPE_COUNT; t++) {
		enum fd_type back;

		ck_assert_int_eq(fdtype_from_name(fdtype_name((enum fd_type)t),
		    &back), 0);
		ck_assert_int_eq(back, t);
	}
	ck_assert_str_eq(fdtype_name(FD_TYPE_COUNT), "unknown");
}
END_TEST

START_TEST(filter)
{
	const char *bad = NULL;
	uint32_t set;

	ck_assert_int_eq(fdtype_parse_filter("file,socket", &set, &bad), 0);
	ck_assert_uint_eq(set, (1u << FD_TYPE_FILE) | (1u << FD_TYPE_SOCKET));
	ck_assert_int_eq(fdtype_parse_filter("io_uring", &set, &bad), 0);
	ck_assert_uint_eq(set, 1u << FD_TYPE_IO_URING);
	ck_assert_int_ne(fdtype_parse_filter("file,sock", &set, &bad), 0);
	ck_assert_str_eq(bad, "sock");
	ck_assert_int_ne(fdtype_parse_filter("file,,fifo", &set, &bad), 0);
	ck_assert_int_ne(fdtype_parse_filter("", &set, &bad), 0);
	ck_assert_int_ne(fdtype_parse_filter("file,", &set, &bad), 0);
}
END_TEST

START_TEST(entry_names)
{
	struct fd_entry fd = { .type = FD_TYPE_ANON_INODE };
	char word[] = "mutant";

	ck_assert_str_eq(fdtype_entry_name(&fd), "anon_inode");
	fd.type_word = word;
	ck_assert_str_eq(fdtype_entry_name(&fd), "mutant");
	/* The vocabulary wins wherever a type has its own word. */
	fd.type = FD_TYPE_FILE;
	ck_assert_str_eq(fdtype_entry_name(&fd), "file");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fdtype");
	TCase *tc = tcase_create("classify");
	tcase_leak_check(tc);

	tcase_add_test(tc, link_texts);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, deleted_suffix);
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, filter);
	tcase_add_test(tc, entry_names);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
