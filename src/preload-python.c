/*
 * The recorder's part for CPython (3.9 and later), in the same library
 * as preload-linux.c.  Nothing here is linked against Python: every
 * function is looked up in the running program, so a program that is
 * not Python, or a Python that exports no symbols, is left as it was.
 *
 * Two things are added for a Python program.  Each descriptor made while
 * Python code runs carries the Python stack of that moment (file, line,
 * function), read through the public C API under the GIL.  And once the
 * interpreter has run the program's own atexit handlers, before it
 * starts closing modules (and with them the files and sockets the
 * program forgot), the recorder asks the supervisor to check the
 * process's descriptors: that moment is Python's end of the program.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"
#include "preload-python.h"

/* Python's objects are opaque here; only pointers pass through. */
typedef struct python_object PyObject;
typedef int (*python_audit_hook)(const char *, PyObject *, void *);

/* The layout of PyMethodDef has not changed since Python 2. */
struct python_method {
	const char	*name;
	PyObject	*(*function)(PyObject *, PyObject *);
	int		 flags;
	const char	*doc;
};
#define PYTHON_METH_NOARGS	0x0004

static struct {
	int		 (*add_audit_hook)(python_audit_hook, void *);
	int		 (*is_initialized)(void);
	int		 (*is_finalizing)(void);
	int		 (*gil_check)(void);
	int		 (*gil_ensure)(void);
	void		 (*gil_release)(int);
	void		*(*this_thread)(void);
	PyObject	*(*thread_frame)(void *);
	PyObject	*(*frame_back)(PyObject *);
	PyObject	*(*frame_code)(PyObject *);
	int		 (*frame_line)(PyObject *);
	PyObject	*(*get_attribute)(PyObject *, const char *);
	const char	*(*utf8)(PyObject *);
	void		 (*incref)(PyObject *);
	void		 (*decref)(PyObject *);
	void		 (*error_clear)(void);
	PyObject	*(*import)(const char *);
	PyObject	*(*call_method)(PyObject *, const char *, const char *,
			    ...);
	PyObject	*(*function_new)(struct python_method *, PyObject *,
			    PyObject *);
	PyObject	*none;
} py;

static bool py_found;		/* every function above is there */
static bool py_registered;	/* the atexit handler is in place */
static bool py_checked;		/* the shutdown check was asked for */
static pid_t py_pid;		/* this process, to tell a vfork child */
static bool py_fork_by_python;	/* set around os.fork() */
static bool py_child_disabled;	/* forked by C code, before its exec */
static __thread volatile sig_atomic_t py_busy;
static struct preload_table *py_table;

/*
 * Names and files of code objects, copied once into memory that is never
 * freed, so the supervisor can read them whenever it looks.  Each code
 * object cached is kept alive, so its address is never reused for
 * another.  The GIL is held whenever this is used.
 */
#define CODE_CACHE_SIZE		8192u
#define ARENA_CHUNK		(1u << 20)
#define ARENA_MAX		(64u << 20)

struct code_entry {
	PyObject	*code;
	const char	*file;
	const char	*function;
};

static struct code_entry *code_cache;
static size_t code_cached;
static char *arena;
static size_t arena_left, arena_total;

#define LOOKUP(field, name) do {					\
	if ((*(void **)&py.field = dlsym(RTLD_DEFAULT, name)) == NULL)	\
		return false;						\
} while (0)

static bool
python_lookup(void)
{
	LOOKUP(add_audit_hook, "PySys_AddAuditHook");
	LOOKUP(is_initialized, "Py_IsInitialized");
	LOOKUP(gil_check, "PyGILState_Check");
	LOOKUP(gil_ensure, "PyGILState_Ensure");
	LOOKUP(gil_release, "PyGILState_Release");
	LOOKUP(this_thread, "PyGILState_GetThisThreadState");
	/* These four came with Python 3.9: older ones stop here. */
	LOOKUP(thread_frame, "PyThreadState_GetFrame");
	LOOKUP(frame_back, "PyFrame_GetBack");
	LOOKUP(frame_code, "PyFrame_GetCode");
	LOOKUP(frame_line, "PyFrame_GetLineNumber");
	LOOKUP(get_attribute, "PyObject_GetAttrString");
	LOOKUP(utf8, "PyUnicode_AsUTF8");
	LOOKUP(incref, "Py_IncRef");
	LOOKUP(decref, "Py_DecRef");
	LOOKUP(error_clear, "PyErr_Clear");
	LOOKUP(import, "PyImport_ImportModule");
	LOOKUP(call_method, "PyObject_CallMethod");
	LOOKUP(function_new, "PyCFunction_NewEx");
	LOOKUP(none, "_Py_NoneStruct");
	/* Public from 3.13, private before. */
	if ((*(void **)&py.is_finalizing = dlsym(RTLD_DEFAULT,
	    "Py_IsFinalizing")) == NULL)
		LOOKUP(is_finalizing, "_Py_IsFinalizing");
	return true;
}

static const char *
arena_copy(const char *s)
{
	size_t len = strnlen(s, PRELOAD_PY_TEXT - 1) + 1;
	char *copy;

	if (len > arena_left) {
		void *m;

		if (arena_total >= ARENA_MAX)
			return NULL;
		m = mmap(NULL, ARENA_CHUNK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		arena = m;
		arena_left = ARENA_CHUNK;
		arena_total += ARENA_CHUNK;
	}
	copy = arena;
	memcpy(copy, s, len - 1);
	copy[len - 1] = '\0';
	arena += len;
	arena_left -= len;
	return copy;
}

/* A code object's attribute as text in the arena, or NULL. */
static const char *
code_text(PyObject *code, const char *name)
{
	PyObject *value = py.get_attribute(code, name);
	const char *text, *copy = NULL;

	if (value == NULL) {
		py.error_clear();
		return NULL;
	}
	if ((text = py.utf8(value)) != NULL)
		copy = arena_copy(text);
	else
		py.error_clear();
	py.decref(value);
	return copy;
}

static bool
code_describe(PyObject *code, struct code_entry *e)
{
	e->file = code_text(code, "co_filename");
	/* co_qualname (3.11) names the class too: "Handler.open". */
	if ((e->function = code_text(code, "co_qualname")) == NULL)
		e->function = code_text(code, "co_name");
	return e->file != NULL && e->function != NULL;
}

static const struct code_entry *
code_find(PyObject *code, struct code_entry *scratch)
{
	size_t mask = CODE_CACHE_SIZE - 1;
	size_t i = ((uintptr_t)code >> 4) & mask;

	if (code_cache == NULL) {
		void *m = mmap(NULL, CODE_CACHE_SIZE * sizeof(*code_cache),
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m != MAP_FAILED)
			code_cache = m;
	}
	for (size_t n = 0; code_cache != NULL && n < CODE_CACHE_SIZE; n++) {
		struct code_entry *e = &code_cache[(i + n) & mask];

		if (e->code == code)
			return e;
		if (e->code != NULL)
			continue;
		/* Keep the table at most three quarters full. */
		if (code_cached * 4 >= CODE_CACHE_SIZE * 3)
			break;
		if (!code_describe(code, e))
			return NULL;
		py.incref(code);
		e->code = code;
		code_cached++;
		return e;
	}
	return code_describe(code, scratch) ? scratch : NULL;
}

/* The thread holds the GIL: walk its frames, innermost first. */
static uint32_t
frames_note(void *thread, struct preload_py_frame *out)
{
	PyObject *frame = py.thread_frame(thread), *back, *code;
	struct code_entry scratch;
	const struct code_entry *e;
	uint32_t n = 0;

	while (frame != NULL && n < PRELOAD_PY_FRAMES) {
		if ((code = py.frame_code(frame)) != NULL) {
			if ((e = code_find(code, &scratch)) != NULL) {
				out[n].file = (uint64_t)(uintptr_t)e->file;
				out[n].function =
				    (uint64_t)(uintptr_t)e->function;
				out[n].line = (uint32_t)py.frame_line(frame);
				n++;
			}
			py.decref(code);
		}
		back = py.frame_back(frame);
		py.decref(frame);
		frame = back;
	}
	if (frame != NULL)
		py.decref(frame);
	return n;
}

/*
 * Python releases the GIL around the calls that make descriptors; taking
 * it again here is what a C library's callback into Python does.  Not in
 * a child forked by C code before it executes a program (subprocess's
 * child), nor in a vfork child, which shares its parent's memory: Python
 * must not run there.
 */
uint32_t
preload_python_stack(struct preload_py_frame *out)
{
	void *thread;
	uint32_t n;
	int state = 0;
	bool held;

	if (!py_found || py_busy || py_child_disabled ||
	    !py.is_initialized() || py.is_finalizing() ||
	    (thread = py.this_thread()) == NULL ||
	    (pid_t)syscall(SYS_getpid) != py_pid)
		return 0;
	py_busy = 1;
	if (!(held = py.gil_check() != 0))
		state = py.gil_ensure();
	n = frames_note(thread, out);
	if (!held)
		py.gil_release(state);
	py_busy = 0;
	return n;
}

/* Python's last atexit handler: the program is over, check it now. */
static PyObject *
python_at_exit(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	if (!py_checked && (pid_t)syscall(SYS_getpid) == py_pid) {
		py_checked = true;
		preload_check_now(PRELOAD_CHECK_SHUTDOWN, 0, 0);
	}
	py.incref(py.none);
	return py.none;
}

static struct python_method python_at_exit_method = {
	"fdaudit_check", python_at_exit, PYTHON_METH_NOARGS, NULL
};

/*
 * atexit calls its handlers last registered first: registered before the
 * program runs, this one runs after all of the program's own.
 */
static void
python_register(void)
{
	PyObject *atexit, *handler, *done = NULL;

	py_registered = true;
	if ((atexit = py.import("atexit")) == NULL) {
		py.error_clear();
		return;
	}
	if ((handler = py.function_new(&python_at_exit_method, NULL,
	    NULL)) != NULL) {
		done = py.call_method(atexit, "register", "(O)", handler);
		py.decref(handler);
	}
	if (done != NULL) {
		py_table->flags |= PRELOAD_PY_HOOKED;
		py.decref(done);
	} else
		py.error_clear();
	py.decref(atexit);
}

/*
 * The audit hook sees the interpreter start the program (the
 * cpython.run_* events, raised once it is ready and before any of the
 * program's code) and every os.fork().
 */
static int
python_audit(const char *event, PyObject *args, void *data)
{
	(void)args;
	(void)data;
	if (strcmp(event, "os.fork") == 0)
		py_fork_by_python = true;
	else if (!py_registered && !py_busy &&
	    strncmp(event, "cpython.run_", 12) == 0) {
		py_busy = 1;
		python_register();
		py_busy = 0;
	}
	return 0;
}

static void
python_fork_parent(void)
{
	py_fork_by_python = false;
}

static void
python_fork_child(void)
{
	py_pid = (pid_t)syscall(SYS_getpid);
	py_child_disabled = !py_fork_by_python;
	py_fork_by_python = false;
	py_checked = false;
}

void
preload_python_init(struct preload_table *table)
{
	if (dlsym(RTLD_DEFAULT, "Py_IsInitialized") == NULL)
		return;
	if (!python_lookup()) {
		table->flags |= PRELOAD_PY_TOO_OLD;
		return;
	}
	py_table = table;
	py_pid = (pid_t)syscall(SYS_getpid);
	table->flags |= PRELOAD_PY_FOUND;
	/* Allowed before the interpreter starts, and kept through it. */
	if (py.add_audit_hook(python_audit, NULL) != 0)
		return;
	pthread_atfork(NULL, python_fork_parent, python_fork_child);
	py_found = true;
}
