/*
 * Stacks for fdaudit run, with elfutils libdwfl.  A stack is taken as a
 * list of return addresses while the thread is stopped at the creating
 * call, which is cheap; names, files and lines are looked up only for the
 * few stacks that end up in the report.  Each address space (a program
 * between two execs, shared by the children it forks) has one Dwfl that
 * keeps its modules and their debug information open, so the lookups of
 * a thousand forked children read the DWARF once; across address spaces,
 * debug files are shared by build ID and names by build ID and offset,
 * so a script's hundred execs of the same programs read them once too.
 * Unwinding uses CFI, so code built without frame pointers and static
 * binaries work too.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "run.h"

/*
 * libbsd's tree.h marks the functions it generates __unused, which it
 * leaves undefined on Linux: some kernel headers use the name.  Every
 * other header is in by now.
 */
#define __unused	__attribute__((__unused__))
#include <sys/tree.h>

/* How much of the stack one read brings in; the rest is read by word. */
#define UNWIND_STACK_CACHE	(16 * 1024)

struct unwind_space {
	int		 refs;
	int		 pid;
	Dwfl		*dwfl;
	bool		 attached;
	int		 tid;		/* the thread being unwound */
	uint64_t	 cache_base;
	size_t		 cache_len;
	unsigned char	 cache[UNWIND_STACK_CACHE];
};

/* Build IDs in the order of both caches: length, then bytes. */
static int
build_id_compare(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

/*
 * Separate debug files by build ID, for the whole run.  Distributions
 * ship them with compressed sections, and libdw inflates all of them
 * whenever a module's DWARF is opened: in every new program image, as
 * soon as the walk of a stack reaches a frame (the outermost one of the
 * dynamic loader, say) that only .debug_frame describes.  So the first
 * time a build ID's debug file is wanted it is found the usual way; the
 * second time it is inflated once into a memory file, and that module and
 * every later one with the build ID get a duplicate of the same
 * descriptor and map the inflated pages.  A file wanted once, as in a
 * run of one program, is not copied.  A build ID with no debug file is
 * remembered too, which saves the search of the debug directories in
 * every process.
 */
struct debug_entry {
	RB_ENTRY(debug_entry) link;
	unsigned char	*id;
	size_t		 idlen;
	int		 fd;		/* -1: no debug file */
	bool		 inflated;	/* fd is the inflated copy */
	char		*path;		/* where it was found */
};

static int
debug_entry_compare(const struct debug_entry *a, const struct debug_entry *b)
{
	return build_id_compare(a->id, a->idlen, b->id, b->idlen);
}

RB_HEAD(debug_cache, debug_entry);
/* cppcheck-suppress unknownMacro */
RB_GENERATE_STATIC(debug_cache, debug_entry, link, debug_entry_compare)
static struct debug_cache debug_cache = RB_INITIALIZER(&debug_cache);

static char *debuginfo_path;

/* Whether an ELF file has a section compressed the standard way. */
static bool
debug_compressed(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	bool found = false;

	while (elf != NULL && !found && (scn = elf_nextscn(elf, scn)) != NULL)
		found = gelf_getshdr(scn, &shdr) != NULL &&
		    (shdr.sh_flags & SHF_COMPRESSED) != 0;
	elf_end(elf);
	return found;
}

static int
file_copy(int from, int to)
{
	struct stat st;
	off_t offset = 0;
	ssize_t n;

	if (fstat(from, &st) != 0)
		return -errno;
	while (offset < st.st_size) {
		if ((n = sendfile(to, from, &offset, (size_t)(st.st_size -
		    offset))) <= 0)
			return n == 0 ? -EIO : -errno;
	}
	return 0;
}

/* Inflate the compressed sections of an ELF file open for writing. */
static int
elf_inflate(int fd)
{
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	int error = 0;

	if (elf == NULL)
		return -EINVAL;
	while (error == 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		if (gelf_getshdr(scn, &shdr) != NULL &&
		    (shdr.sh_flags & SHF_COMPRESSED) != 0 &&
		    elf_compress(scn, 0, 0) < 0)
			error = -EINVAL;
	}
	if (error == 0 && elf_update(elf, ELF_C_WRITE) < 0)
		error = -EINVAL;
	elf_end(elf);
	return error;
}

/*
 * The debug file at fd, inflated into a memory file when it has
 * compressed sections, else fd itself.  On failure fd is kept as it is:
 * libdw can still read it, only more slowly.
 */
static int
debug_inflated(int fd)
{
	int copy;

	if (!debug_compressed(fd) ||
	    (copy = memfd_create("fdaudit-debuginfo", MFD_CLOEXEC)) == -1)
		return fd;
	if (file_copy(fd, copy) != 0 || elf_inflate(copy) != 0) {
		close(copy);
		return fd;
	}
	close(fd);
	return copy;
}

/*
 * Remember what the search found for a build ID: a descriptor of the
 * cache's own beside the one the search gave, or that it found nothing.
 * Nothing is remembered when memory or descriptors run short: the next
 * module searches again.
 */
static void
debug_remember(const unsigned char *id, size_t idlen, int fd,
    const char *path)
{
	struct debug_entry *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->id = malloc(idlen)) == NULL ||
	    (path != NULL && (e->path = strdup(path)) == NULL) ||
	    (fd >= 0 && (e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)) {
		if (e != NULL) {
			free(e->id);
			free(e->path);
		}
		free(e);
		return;
	}
	memcpy(e->id, id, idlen);
	e->idlen = idlen;
	if (fd < 0)
		e->fd = -1;
	RB_INSERT(debug_cache, &debug_cache, e);
}

/*
 * libdwfl asks the same callback for a module's debug file and, once it
 * has that, for the supplementary file its .gnu_debugaltlink names
 * (dwz), which has a build ID of its own.  Only the first is the module's:
 * it is asked for with the module's own debug link and CRC.
 */
static bool
debug_for_module(Dwfl_Module *mod, const char *debuglink, GElf_Word crc)
{
	GElf_Word own_crc = 0;
	const char *own = NULL;
	Dwarf_Addr bias;
	Elf *elf;

	if ((elf = dwfl_module_getelf(mod, &bias)) != NULL)
		own = dwelf_elf_gnu_debuglink(elf, &own_crc);
	if (own == NULL || debuglink == NULL)
		return own == debuglink;
	return strcmp(own, debuglink) == 0 && own_crc == crc;
}

/*
 * libdwfl's find_debuginfo: the cached file of the module's build ID,
 * or else the standard search, whose result is then cached.  libdwfl
 * owns (and closes) what this returns, so the cache keeps its own
 * descriptor and hands out duplicates.  The module that missed gets the
 * search's own descriptor: the search has already opened it as the
 * module's debug ELF.
 */
static int
unwind_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *name,
    Dwarf_Addr base, const char *file, const char *debuglink,
    GElf_Word crc, char **debug_name)
{
	struct debug_entry key, *e;
	const unsigned char *id;
	GElf_Addr idaddr;
	int idlen, fd;

	if ((idlen = dwfl_module_build_id(mod, &id, &idaddr)) <= 0 ||
	    !debug_for_module(mod, debuglink, crc))
		return dwfl_standard_find_debuginfo(mod, userdata, name, base,
		    file, debuglink, crc, debug_name);
	key.id = (unsigned char *)(uintptr_t)id;
	key.idlen = (size_t)idlen;
	if ((e = RB_FIND(debug_cache, &debug_cache, &key)) == NULL) {
		fd = dwfl_standard_find_debuginfo(mod, userdata, name, base,
		    file, debuglink, crc, debug_name);
		debug_remember(id, (size_t)idlen, fd, *debug_name);
		return fd;
	}
	if (e->fd == -1)
		return -1;
	if (!e->inflated) {
		e->fd = debug_inflated(e->fd);
		e->inflated = true;
	}
	if ((fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	if (e->path != NULL && (*debug_name = strdup(e->path)) == NULL) {
		close(fd);
		return -1;
	}
	return fd;
}

static const Dwfl_Callbacks unwind_dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = unwind_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static pid_t
unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	struct unwind_space *s = arg;

	(void)dwfl;
	if (*thread_arg != NULL)
		return 0;
	*thread_arg = s;
	return s->tid;
}

static bool
unwind_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)tid;
	*thread_arg = arg;
	return true;
}

static bool
unwind_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result,
    void *arg)
{
	struct unwind_space *s = arg;
	struct iovec local = { result, sizeof(*result) };
	struct iovec remote = { (void *)(uintptr_t)addr, sizeof(*result) };

	(void)dwfl;
	if (addr >= s->cache_base && addr - s->cache_base + sizeof(*result) <=
	    s->cache_len) {
		memcpy(result, s->cache + (addr - s->cache_base),
		    sizeof(*result));
		return true;
	}
	return process_vm_readv(s->tid, &local, 1, &remote, 1, 0) ==
	    (ssize_t)sizeof(*result);
}

#if defined(__x86_64__)
/* DWARF numbers rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8-r15, rip. */
static bool
unwind_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind_space *s = arg;
	struct user_regs_struct r;
	struct iovec local = { s->cache, sizeof(s->cache) };
	struct iovec remote;
	Dwarf_Word regs[17];
	ssize_t n;

	if (ptrace(PTRACE_GETREGS, s->tid, 0, &r) == -1)
		return false;
	regs[0] = r.rax; regs[1] = r.rdx; regs[2] = r.rcx; regs[3] = r.rbx;
	regs[4] = r.rsi; regs[5] = r.rdi; regs[6] = r.rbp; regs[7] = r.rsp;
	regs[8] = r.r8; regs[9] = r.r9; regs[10] = r.r10; regs[11] = r.r11;
	regs[12] = r.r12; regs[13] = r.r13; regs[14] = r.r14;
	regs[15] = r.r15; regs[16] = r.rip;
	/* One read for the top of the stack saves one per word later. */
	remote.iov_base = (void *)(uintptr_t)r.rsp;
	remote.iov_len = sizeof(s->cache);
	n = process_vm_readv(s->tid, &local, 1, &remote, 1, 0);
	s->cache_base = r.rsp;
	s->cache_len = n > 0 ? (size_t)n : 0;
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}
#else
static bool
unwind_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	(void)thread;
	(void)arg;
	return false;
}
#endif

static const Dwfl_Thread_Callbacks unwind_thread_callbacks = {
	.next_thread = unwind_next_thread,
	.get_thread = unwind_get_thread,
	.memory_read = unwind_memory_read,
	.set_initial_registers = unwind_set_initial_registers,
};

/* (Re)read the modules of the process from its maps. */
static int
unwind_report(struct unwind_space *s, int pid)
{
	dwfl_report_begin_add(s->dwfl);
	if (dwfl_linux_proc_report(s->dwfl, pid) != 0) {
		dwfl_report_end(s->dwfl, NULL, NULL);
		return -ESRCH;
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		return -EINVAL;
	return 0;
}

/*
 * Unwinding a stopped thread needs the thread callbacks, which open the
 * main program's ELF file; return addresses noted by the recorder do not.
 */
static int
unwind_attach(struct unwind_space *s, int pid)
{
	if (!s->attached)
		s->attached = dwfl_attach_state(s->dwfl, NULL, pid,
		    &unwind_thread_callbacks, s);
	return s->attached ? 0 : -ENOTSUP;
}

struct unwind_space *
unwind_space_new(int pid)
{
	struct unwind_space *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->refs = 1;
	s->pid = pid;
	if ((s->dwfl = dwfl_begin(&unwind_dwfl_callbacks)) == NULL ||
	    unwind_report(s, pid) != 0) {
		unwind_space_unref(s);
		return NULL;
	}
	return s;
}

struct unwind_space *
unwind_space_ref(struct unwind_space *s)
{
	if (s != NULL)
		s->refs++;
	return s;
}

void
unwind_space_unref(struct unwind_space *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	if (s->dwfl != NULL)
		dwfl_end(s->dwfl);
	free(s);
}

struct unwind_walk {
	uint64_t	 pcs[UNWIND_MAX_FRAMES];
	size_t		 n;
	bool		 unknown;	/* a frame outside every module */
};

static int
unwind_frame(Dwfl_Frame *frame, void *arg)
{
	struct unwind_walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	/* A return address points after the call; look up the call. */
	if (!activation && pc > 0)
		pc--;
	w->pcs[w->n++] = pc;
	return w->n < UNWIND_MAX_FRAMES ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static void
unwind_walk(struct unwind_space *s, int tid, struct unwind_walk *w)
{
	Dwfl *dwfl = s->dwfl;

	w->n = 0;
	s->tid = tid;
	(void)dwfl_getthread_frames(dwfl, tid, unwind_frame, w);
	w->unknown = w->n == 0 ||
	    dwfl_addrmodule(dwfl, w->pcs[w->n - 1]) == NULL;
}

/*
 * The return addresses of a stopped thread.  When the walk ends in code
 * no module covers, the program has mapped a library since the modules
 * were read: read them again and walk once more.
 */
int
unwind_capture(struct unwind_space *s, int pid, int tid,
    struct unwind_stack **stack)
{
	struct unwind_walk w;
	struct unwind_stack *st;

	if (unwind_attach(s, pid) != 0)
		return -ENOTSUP;
	unwind_walk(s, tid, &w);
	if (w.unknown && unwind_report(s, pid) == 0)
		unwind_walk(s, tid, &w);
	if (w.n == 0)
		return -ENOENT;
	if ((st = malloc(sizeof(*st) + w.n * sizeof(st->pcs[0]))) == NULL)
		return -ENOMEM;
	st->refs = 1;
	st->space = unwind_space_ref(s);
	st->n = w.n;
	memcpy(st->pcs, w.pcs, w.n * sizeof(st->pcs[0]));
	*stack = st;
	return 0;
}

/*
 * A stack from return addresses noted inside the program itself, all
 * of them after a call.  As in unwind_capture, code outside every known
 * module means modules were mapped since they were read.
 */
int
unwind_stack_make(struct unwind_space *s, int pid, const uint64_t *returns,
    size_t n, struct unwind_stack **stack)
{
	struct unwind_stack *st;

	if (n == 0 || n > UNWIND_MAX_FRAMES)
		return -EINVAL;
	if ((st = malloc(sizeof(*st) + n * sizeof(st->pcs[0]))) == NULL)
		return -ENOMEM;
	st->refs = 1;
	st->n = n;
	for (size_t i = 0; i < n; i++)
		st->pcs[i] = returns[i] > 0 ? returns[i] - 1 : 0;
	for (size_t i = 0; i < n; i++) {
		if (dwfl_addrmodule(s->dwfl, st->pcs[i]) == NULL) {
			(void)unwind_report(s, pid);
			break;
		}
	}
	st->space = unwind_space_ref(s);
	*stack = st;
	return 0;
}

struct unwind_stack *
unwind_stack_ref(struct unwind_stack *st)
{
	if (st != NULL)
		st->refs++;
	return st;
}

void
unwind_stack_unref(struct unwind_stack *st)
{
	if (st == NULL || --st->refs > 0)
		return;
	unwind_space_unref(st->space);
	free(st);
}

static char *
unwind_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
frame_strings_free(struct trace_frame *f)
{
	free(f->function);
	free(f->file);
	free(f->object);
}

/*
 * Names and lines by module build ID and offset, across address spaces:
 * the hundred processes of a shell script run the same few programs, and
 * the symbols of each are read once, not once per exec.  The build ID,
 * not the path, says which program it is: a program rebuilt between two
 * runs, or another one at the same path in a chroot, is another module.
 */
struct frame_entry {
	RB_ENTRY(frame_entry) link;
	unsigned char	*id;
	size_t		 idlen;
	uint64_t	 offset;
	struct trace_frame frame;	/* pc and object unused */
};

static int
frame_entry_compare(const struct frame_entry *a, const struct frame_entry *b)
{
	int c;

	if ((c = build_id_compare(a->id, a->idlen, b->id, b->idlen)) != 0)
		return c;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

RB_HEAD(frame_cache, frame_entry);
/* cppcheck-suppress unknownMacro */
RB_GENERATE_STATIC(frame_cache, frame_entry, link, frame_entry_compare)
#undef __unused
static struct frame_cache frame_cache = RB_INITIALIZER(&frame_cache);

static void
frame_entry_free(struct frame_entry *e)
{
	free(e->id);
	frame_strings_free(&e->frame);
	free(e);
}

void
unwind_cache_free(void)
{
	struct frame_entry *e, *next;
	struct debug_entry *d, *dnext;

	RB_FOREACH_SAFE(e, frame_cache, &frame_cache, next) {
		RB_REMOVE(frame_cache, &frame_cache, e);
		frame_entry_free(e);
	}
	RB_FOREACH_SAFE(d, debug_cache, &debug_cache, dnext) {
		RB_REMOVE(debug_cache, &debug_cache, d);
		if (d->fd != -1)
			close(d->fd);
		free(d->id);
		free(d->path);
		free(d);
	}
}

static void
unwind_frame_describe(Dwfl *dwfl, uint64_t pc, struct trace_frame *f)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	const char *name, *file;
	Dwfl_Line *line;
	int lineno = 0;

	*f = (struct trace_frame){ .pc = pc };
	if (mod == NULL)
		return;
	name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL);
	f->object = unwind_strdup(name);
	f->function = unwind_strdup(dwfl_module_addrname(mod, pc));
	if ((line = dwfl_module_getsrc(mod, pc)) != NULL &&
	    (file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL)) !=
	    NULL) {
		f->file = strdup(file);
		f->line = lineno;
	}
}

static int
frame_copy(struct trace_frame *to, const struct trace_frame *from,
    uint64_t pc, const char *object)
{
	*to = (struct trace_frame){ .pc = pc, .line = from->line,
	    .function = unwind_strdup(from->function),
	    .file = unwind_strdup(from->file),
	    .object = unwind_strdup(object) };
	if ((from->function != NULL && to->function == NULL) ||
	    (from->file != NULL && to->file == NULL) ||
	    (object != NULL && to->object == NULL))
		return -ENOMEM;
	return 0;
}

static struct frame_entry *
frame_entry_new(Dwfl *dwfl, uint64_t pc, const unsigned char *id,
    size_t idlen, uint64_t offset)
{
	struct frame_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	unwind_frame_describe(dwfl, pc, &e->frame);
	e->offset = offset;
	e->idlen = idlen;
	if ((e->id = malloc(idlen)) == NULL) {
		frame_entry_free(e);
		return NULL;
	}
	memcpy(e->id, id, idlen);
	RB_INSERT(frame_cache, &frame_cache, e);
	return e;
}

/* One frame, from the cache or looked up and then cached. */
static void
unwind_frame_lookup(Dwfl *dwfl, uint64_t pc, struct trace_frame *f)
{
	struct frame_entry key, *e;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	const unsigned char *id;
	Dwarf_Addr start = 0, bias;
	GElf_Addr idaddr;
	const char *name;
	int idlen;

	if (mod == NULL || (name = dwfl_module_info(mod, NULL, &start, NULL,
	    NULL, NULL, NULL, NULL)) == NULL ||
	    dwfl_module_getelf(mod, &bias) == NULL ||
	    (idlen = dwfl_module_build_id(mod, &id, &idaddr)) <= 0) {
		unwind_frame_describe(dwfl, pc, f);
		return;
	}
	key.id = (unsigned char *)(uintptr_t)id;
	key.idlen = (size_t)idlen;
	key.offset = pc - start;
	if ((e = RB_FIND(frame_cache, &frame_cache, &key)) == NULL)
		e = frame_entry_new(dwfl, pc, id, (size_t)idlen, pc - start);
	if (e == NULL || frame_copy(f, &e->frame, pc, name) != 0) {
		frame_strings_free(f);
		*f = (struct trace_frame){ .pc = pc };
	}
}

/* Function, file:line and object of every frame of a stack. */
int
unwind_symbolize(const struct unwind_stack *st, struct trace_frame **frames,
    size_t *nframes)
{
	struct trace_frame *f;

	*frames = NULL;
	*nframes = 0;
	if ((f = calloc(st->n, sizeof(*f))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < st->n; i++)
		unwind_frame_lookup(st->space->dwfl, st->pcs[i], &f[i]);
	*frames = f;
	*nframes = st->n;
	return 0;
}

void
unwind_frames_free(struct trace_frame *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		frame_strings_free(&frames[i]);
	free(frames);
}
