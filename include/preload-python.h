/*
 * Inside the recorder (src/preload-linux.c, src/preload-python.c): what
 * the Python part offers the rest, and the one call it needs back.
 */
#ifndef FDAUDIT_PRELOAD_PYTHON_H
#define FDAUDIT_PRELOAD_PYTHON_H

#include <stdint.h>

#include "preload.h"

/* Find Python's C API in the program and hook its start and its end. */
void		preload_python_init(struct preload_table *);
/* The Python stack of the calling thread, or 0 frames. */
uint32_t	preload_python_stack(struct preload_py_frame *);
/* Ask the supervisor to check the process now (preload-linux.c). */
void		preload_check_now(long reason, long detail, long nr);

#endif /* FDAUDIT_PRELOAD_PYTHON_H */
