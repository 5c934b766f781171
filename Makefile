# fdaudit: GNU make.  `make`, `make check`, `make install`, `make sanitize`,
# `make lint`, `make bench`.  CFLAGS, CPPFLAGS, LDFLAGS, PREFIX and DESTDIR
# are the user's; the flags fdaudit needs are added to them.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/fdaudit
LIBDIR	?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
PKG_CONFIG ?= pkg-config
INSTALL	?= install
OBJCOPY	?= objcopy

# The version is the public header's; the shared library's soname
# changes with its major number.
version_part = $(shell sed -n 's/^\#define FDAUDIT_VERSION_$(1)[[:space:]]*//p' \
	include/fdaudit_snapshot.h)
VERSION	:= $(call version_part,MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SOVERSION := $(call version_part,MAJOR)

CFLAGS	?= -O2 -g
WARNINGS = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings
HARDENING ?= -D_FORTIFY_SOURCE=2 -fstack-protector-strong
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# Where objects and test programs go; `make sanitize` uses its own.
BUILD	?= build
BIN	?= fdaudit

# The platform backend: by default the system the build runs on;
# PLATFORM=unknown builds the stubs anywhere, a program that says it
# cannot work here.
UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Linux)
PLATFORM ?= linux
else
PLATFORM ?= unknown
endif
ifeq ($(PLATFORM),win32)
PLATFORM_LIB_SRCS = src/platform-win32.c src/compat/strndup.c \
		src/compat/localtime_r.c src/compat/fnmatch.c \
		src/compat/getline.c
PLATFORM_SRCS = $(PLATFORM_LIB_SRCS)
# C99 printf (%zu, %lld) from mingw rather than the old msvcrt one.  The
# compiler checks format(printf) attributes against msvcrt's dialect, so
# formats are checked by the Linux build only.
PLATFORM_CPPFLAGS = -Isrc/compat/win32 -D__USE_MINGW_ANSI_STDIO=1
PLATFORM_CFLAGS = -Wno-format
PLATFORM_LIBS = -static -lws2_32 -ladvapi32
# What a program linking the snapshot library needs besides it.
PLATFORM_LIB_LIBS = -lws2_32 -ladvapi32
else ifeq ($(PLATFORM),linux)
PLATFORM_LIB_SRCS = src/platform-linux.c src/platform-posix.c \
		src/socktable-linux.c src/sockdiag-linux.c src/procnet-linux.c \
		src/peers-linux.c
PLATFORM_SRCS = $(PLATFORM_LIB_SRCS) src/holders-linux.c src/trace-linux.c src/unwind-linux.c
# fdaudit run follows processes with ptrace: Linux only.
RUN_SRCS = src/run.c src/suppress.c
# fdaudit run's stacks come from elfutils (Debian: libdw-dev).
PLATFORM_LIBS = $(shell $(PKG_CONFIG) --libs libdw 2>/dev/null || \
		echo -ldw -lelf)
PLATFORM_CPPFLAGS = -DFDAUDIT_LIBDIR='"$(LIBDIR)/fdaudit"'
# The recorder fdaudit run preloads, next to the binary; x86-64 and arm64.
UNAME_M := $(shell uname -m)
ifneq ($(filter x86_64 aarch64,$(UNAME_M)),)
PRELOAD	= $(dir $(BIN))fdaudit-preload.so
endif
else ifeq ($(PLATFORM),unknown)
PLATFORM_LIB_SRCS = src/platform-unknown.c src/platform-posix.c
PLATFORM_SRCS = $(PLATFORM_LIB_SRCS)
else
$(error PLATFORM=$(PLATFORM): use linux, win32 or unknown)
endif
# Windows code is position-independent already, and gets no DLL.
ifneq ($(PLATFORM),win32)
PIC_CFLAGS = -fPIC
SHARED_LIB = $(BUILD)/libfdaudit.so.$(VERSION)
endif

BSD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbsd-overlay 2>/dev/null)
BSD_LIBS := $(shell $(PKG_CONFIG) --libs libbsd-overlay 2>/dev/null)
ifneq ($(BSD_LIBS),)
COMPAT_CPPFLAGS = -DHAVE_LIBBSD $(BSD_CFLAGS)
COMPAT_SRCS =
else
COMPAT_CPPFLAGS =
COMPAT_SRCS = src/compat/strtonum.c src/compat/strlcpy.c \
	      src/compat/reallocarray.c
endif

CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ALL_CPPFLAGS = -Iinclude $(PLATFORM_CPPFLAGS) $(COMPAT_CPPFLAGS) \
	       -D_DEFAULT_SOURCE $(CPPFLAGS)
ALL_CFLAGS = -std=c11 -pthread $(WARNINGS) $(PLATFORM_CFLAGS) $(HARDENING) \
	     $(CFLAGS)
ALL_LDFLAGS = -pthread $(LDFLAGS)
LIBS	= $(BSD_LIBS) -lm $(PLATFORM_LIBS)

# Elsewhere `fdaudit run' says that it is not supported.
RUN_SRCS ?= src/run-unsupported.c

CORE_SRCS = src/audit.c src/cli.c src/collect.c src/escape.c src/fdinfo.c src/snapshot.c \
	    src/textwidth.c src/holders.c \
	    src/fdtype.c src/json.c src/output.c src/output-json.c \
	    src/output-nagios.c src/output-prometheus.c src/output-table.c \
	    src/state.c src/watch.c $(RUN_SRCS) \
	    $(PLATFORM_SRCS) $(COMPAT_SRCS)
CORE_OBJS = $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/main.o
# Every module, for fdaudit itself and the unit suites.
LIB	= $(BUILD)/fdaudit-core.a

# The snapshot library (include/fdaudit_snapshot.h): only the modules a
# snapshot reaches, compiled apart with every symbol hidden but the
# public ones, so that a test suite linking it meets no name of ours
# but fdaudit_*.  The static archive is one relocatable object whose
# other symbols are made local, as the shared library's are.
LIB_SRCS = src/snapshot.c src/audit.c src/escape.c src/fdinfo.c \
	   src/fdtype.c src/textwidth.c $(PLATFORM_LIB_SRCS) $(COMPAT_SRCS)
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/lib/%.o)
LIB_CFLAGS = -fvisibility=hidden $(PIC_CFLAGS)
LIB_LIBS = -pthread $(BSD_LIBS) $(PLATFORM_LIB_LIBS)
STATIC_LIB = $(BUILD)/libfdaudit.a
PKGCONFIG_FILE = $(BUILD)/fdaudit.pc
PUBLIC_LIBS = $(STATIC_LIB) $(SHARED_LIB) $(PKGCONFIG_FILE)

# Unit suites (one per module) and integration suites (real processes).
TEST_SUITES = check_audit check_usage check_formats check_rungroups \
	      check_collect check_peers check_fdinfo check_fdtype check_escape \
	      check_json check_state check_cli check_process check_all check_sockets check_endpoints check_snapshot \
	      check_run check_safety check_output check_languages \
	      check_holders check_completion
TEST_SUPPORT = $(BUILD)/tests/testutil.o $(BUILD)/tests/jsonparse.o \
    $(BUILD)/tests/reportutil.o
TEST_BINS = $(TEST_SUITES:%=$(BUILD)/tests/%)
TEST_HELPERS = $(BUILD)/tests/fdholder $(BUILD)/tests/run/leaky \
	       $(BUILD)/tests/run/leaky-static

.PHONY: FORCE all check check-library check-valgrind sanitize tsan lint \
	bench \
	install install-lib uninstall clean windows windows-install-lib \
	check-windows

# Keep the test objects between runs.
.SECONDARY:

# The default suppressions of fdaudit run, found beside the binary.
DEFAULT_SUPP = $(dir $(BIN))fdaudit-default.supp

all: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) $(PUBLIC_LIBS)

$(DEFAULT_SUPP): src/fdaudit-default.supp
	cp src/fdaudit-default.supp $@

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LIBS)

# Loaded into the programs under test: no sanitizer (its runtime must
# come first in a program) and no fortified wrappers of what it defines.
PRELOAD_CFLAGS = -std=c11 -fPIC -fvisibility=hidden $(WARNINGS) \
		 -fstack-protector-strong -U_FORTIFY_SOURCE \
		 $(filter-out -fsanitize=%,$(CFLAGS))
PRELOAD_SRCS = src/preload-linux.c src/preload-python.c
$(PRELOAD): $(PRELOAD_SRCS) include/preload.h include/preload-python.h
	$(CC) -Iinclude -D_DEFAULT_SOURCE $(CPPFLAGS) $(PRELOAD_CFLAGS) \
	    -shared -pthread -Wl,-z,now -Wl,-z,relro \
	    $(filter-out -fsanitize=%,$(LDFLAGS)) -o $@ $(PRELOAD_SRCS) -ldl

# The backend the objects in $(BUILD) were built for: building for
# another rebuilds them, rather than mixing two in one library.
PLATFORM_STAMP = $(BUILD)/platform
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD) && { test "`cat $(PLATFORM_STAMP) 2>/dev/null`" = \
    "$(PLATFORM)" || echo "$(PLATFORM)" >$(PLATFORM_STAMP); })
endif

$(LIB): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJS)

$(BUILD)/%.o: %.c $(PLATFORM_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/lib/%.o: %.c $(PLATFORM_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(STATIC_LIB): $(LIB_OBJS) src/libfdaudit.sym
	$(CC) -r -nostdlib -o $(BUILD)/lib/libfdaudit.o $(LIB_OBJS)
	$(OBJCOPY) --keep-global-symbols=src/libfdaudit.sym \
	    $(BUILD)/lib/libfdaudit.o
	rm -f $@
	$(AR) rcs $@ $(BUILD)/lib/libfdaudit.o

# Linked as a program would be, so that nothing is left undefined; the
# two names a linker looks for beside it point to it.
$(BUILD)/libfdaudit.so.$(VERSION): $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libfdaudit.so.$(SOVERSION) \
	    -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now -o $@ $(LIB_OBJS) \
	    $(LIB_LIBS)
	ln -sf libfdaudit.so.$(VERSION) $(BUILD)/libfdaudit.so.$(SOVERSION)
	ln -sf libfdaudit.so.$(VERSION) $(BUILD)/libfdaudit.so

# Made again by every make, since it holds the PREFIX of this one, and
# replaced when that changed it.
# Paths under the prefix are written relative to it, so that
# --define-variable=prefix= can move a staged copy.
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(PKGCONFIG_FILE): src/fdaudit.pc.in FORCE
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|' \
	    -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(LIB_LIBS))|' \
	    src/fdaudit.pc.in >$@.tmp
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/tests/%.o: tests/%.c $(PLATFORM_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP \
	    -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB) $(CHECK_LIBS) \
	    $(LIBS)

# The snapshot suite links the public library, as a test suite would.
$(BUILD)/tests/check_snapshot: $(BUILD)/tests/check_snapshot.o \
		$(BUILD)/tests/testutil.o $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/tests/testutil.o \
	    $(STATIC_LIB) $(CHECK_LIBS) $(LIB_LIBS)

$(BUILD)/tests/fdholder: $(BUILD)/tests/fdholder.o
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

# The programs fdaudit run is tested on: debug information, no
# optimisation, so each leak keeps its function and line.
$(BUILD)/tests/run/%: tests/run/%.c
	@mkdir -p $(@D)
	$(CC) -g -O0 -pthread -o $@ $<

# The same, static: nothing can be preloaded into it.
$(BUILD)/tests/run/%-static: tests/run/%.c
	@mkdir -p $(@D)
	$(CC) -g -O0 -pthread -static -o $@ $<

# The suites find the binary and the helper through the environment.
check: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) $(TEST_BINS) $(TEST_HELPERS)
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    LEAKY=$(BUILD)/tests/run/leaky \
	    LEAKY_STATIC=$(BUILD)/tests/run/leaky-static \
	    sh tests/run-suites.sh $(TEST_BINS)
	$(MAKE) check-library
	FDAUDIT=./$(BIN) sh tests/check-examples.sh

# The library as a program outside the tree gets it: installed into a
# scratch prefix, found through pkg-config, linked and run.
check-library: $(BIN) $(PUBLIC_LIBS)
	rm -rf $(BUILD)/stage
	$(MAKE) install-lib PREFIX=$(CURDIR)/$(BUILD)/stage
	CC="$(CC)" CFLAGS="$(CFLAGS)" LDFLAGS="$(LDFLAGS)" \
	    PKG_CONFIG="$(PKG_CONFIG)" FDAUDIT=./$(BIN) \
	    sh tests/check-library.sh $(BUILD)/stage

# Windows: cross-compiled with mingw-w64 into $(WIN_BUILD), tested under
# Wine.  libbsd is absent there, so the BSD functions come from src/compat.
MINGW	?= x86_64-w64-mingw32-
WIN_BUILD ?= build/win

WINDOWS_VARS = PLATFORM=win32 CC=$(MINGW)gcc AR=$(MINGW)ar \
	    OBJCOPY=$(MINGW)objcopy PKG_CONFIG=false HARDENING= \
	    BUILD=$(WIN_BUILD) BIN=$(WIN_BUILD)/fdaudit.exe

windows:
	$(MAKE) $(WINDOWS_VARS) $(WIN_BUILD)/fdaudit.exe \
	    $(WIN_BUILD)/tests/win/winholder.exe \
	    $(WIN_BUILD)/tests/win/winsnap.exe $(WIN_BUILD)/libfdaudit.a

# The Windows snapshot library under PREFIX (and DESTDIR), as
# install-lib puts the Linux one: the archive, header, fdaudit.pc, manual.
windows-install-lib:
	$(MAKE) $(WINDOWS_VARS) install-lib

$(BUILD)/tests/win/winholder.exe: tests/win/winholder.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/win/winholder.c \
	    $(PLATFORM_LIBS)

# The snapshot API in a program of its own, as a test suite would use it.
$(BUILD)/tests/win/winsnap.exe: tests/win/winsnap.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ \
	    tests/win/winsnap.c $(STATIC_LIB) $(PLATFORM_LIBS)

check-windows:
	bash tests/win/run-wine.sh

# fdaudit itself under valgrind: no memory errors, leaks or descriptors.
check-valgrind: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) $(TEST_HELPERS)
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    sh tests/valgrind.sh

SANITIZE_BUILD ?= build/sanitize
sanitize:
	$(MAKE) BUILD=$(SANITIZE_BUILD) BIN=$(SANITIZE_BUILD)/fdaudit \
	    CFLAGS="-O1 -g -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" HARDENING= check

# The snapshot suite, whose threads read at once, under ThreadSanitizer:
# a race ends the test that made it.
TSAN_FLAGS = -O1 -g -fsanitize=thread
tsan:
	$(MAKE) BUILD=build/tsan BIN=build/tsan/fdaudit CFLAGS="$(TSAN_FLAGS)" \
	    LDFLAGS="-fsanitize=thread" HARDENING= \
	    build/tsan/tests/check_snapshot
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	    sh tests/run-suites.sh build/tsan/tests/check_snapshot

lint:
	mandoc -Tlint -Wwarning man/fdaudit.1 man/fdaudit_snapshot.3
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -Iinclude -D__linux__ -D__x86_64__ src tests

$(BUILD)/tests/bench/floor: tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/bench/floor.c

bench: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) $(TEST_HELPERS) $(BUILD)/tests/bench/floor
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    sh tests/bench/bench-pid.sh
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder BENCH_OTHER=19000 \
	    sh tests/bench/bench-pid.sh
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    FLOOR=$(BUILD)/tests/bench/floor sh tests/bench/bench-all.sh
	FDAUDIT=./$(BIN) LEAKY=$(BUILD)/tests/run/leaky \
	    sh tests/bench/bench-run.sh
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    sh tests/bench/bench-scale.sh
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    sh tests/bench/bench-holders.sh

# Deployment examples, installed with the binary's path in them.
EXAMPLES = fdaudit.service fdaudit.timer fdaudit.cron fdaudit.rules.yml \
	   fdaudit-nagios.cfg

install: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) install-lib
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/fdaudit
	$(INSTALL) -m 0644 man/fdaudit.1 $(DESTDIR)$(MANDIR)/man1/fdaudit.1
ifneq ($(PRELOAD),)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/fdaudit
	$(INSTALL) -m 0644 $(PRELOAD) $(DESTDIR)$(LIBDIR)/fdaudit/
endif
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/fdaudit
	$(INSTALL) -m 0644 $(DEFAULT_SUPP) $(DESTDIR)$(LIBDIR)/fdaudit/
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/examples
	for f in $(EXAMPLES); do \
		sed 's|/usr/local/bin/fdaudit|$(BINDIR)/fdaudit|g' \
		    man/examples/$$f >$(DESTDIR)$(DOCDIR)/examples/$$f && \
		chmod 0644 $(DESTDIR)$(DOCDIR)/examples/$$f || exit 1; \
	done

	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0644 src/completion/fdaudit.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/fdaudit
	$(INSTALL) -m 0644 src/completion/_fdaudit $(DESTDIR)$(ZSHCOMPDIR)/_fdaudit

# The snapshot library: header, archive, shared library and its two
# links, pkg-config file, manual.
install-lib: $(PUBLIC_LIBS)
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 0644 include/fdaudit_snapshot.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
ifneq ($(SHARED_LIB),)
	$(INSTALL) -m 0755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libfdaudit.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libfdaudit.so.$(SOVERSION)
	ln -sf libfdaudit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfdaudit.so
endif
	$(INSTALL) -m 0644 $(PKGCONFIG_FILE) $(DESTDIR)$(LIBDIR)/pkgconfig/
	$(INSTALL) -m 0644 man/fdaudit_snapshot.3 $(DESTDIR)$(MANDIR)/man3/

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/fdaudit_snapshot.h \
	    $(DESTDIR)$(LIBDIR)/libfdaudit.a \
	    $(DESTDIR)$(LIBDIR)/libfdaudit.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libfdaudit.so.$(SOVERSION) \
	    $(DESTDIR)$(LIBDIR)/libfdaudit.so \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/fdaudit.pc \
	    $(DESTDIR)$(MANDIR)/man3/fdaudit_snapshot.3
	rm -f $(DESTDIR)$(BINDIR)/fdaudit $(DESTDIR)$(MANDIR)/man1/fdaudit.1 \
	    $(DESTDIR)$(LIBDIR)/fdaudit/fdaudit-preload.so \
	    $(DESTDIR)$(LIBDIR)/fdaudit/fdaudit-default.supp \
	    $(DESTDIR)$(BASHCOMPDIR)/fdaudit $(DESTDIR)$(ZSHCOMPDIR)/_fdaudit
	-rmdir $(DESTDIR)$(LIBDIR)/fdaudit
	for f in $(EXAMPLES); do rm -f $(DESTDIR)$(DOCDIR)/examples/$$f; done
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)

# --- fuzz: libFuzzer harnesses (tests/fuzz) ---------------------------------
# `make fuzz` builds each harness into $(FUZZ_BUILD) and runs it for
# FUZZ_SECONDS on a scratch copy of its seed corpus, so the corpus under
# tests/fuzz/corpus is only read.  Any crash fails the target; the input
# that caused it is left in $(FUZZ_BUILD) as crash-*, leak-* or timeout-*.
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 30
FUZZ_BUILD ?= build/fuzz
FUZZ_FLAGS = -std=c11 -g -O1 $(WARNINGS) \
	     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	     -Iinclude -Itests $(COMPAT_CPPFLAGS) -D_DEFAULT_SOURCE
FUZZ_HARNESSES = fuzz_fdinfo fuzz_fdtype fuzz_sockdiag fuzz_procnet \
		 fuzz_state fuzz_escape
FUZZ_SRCS_fuzz_fdinfo = src/fdinfo.c
FUZZ_SRCS_fuzz_fdtype = src/fdtype.c
FUZZ_SRCS_fuzz_sockdiag = src/sockdiag-linux.c src/socktable-linux.c
FUZZ_SRCS_fuzz_procnet = src/procnet-linux.c src/socktable-linux.c \
			 src/fdinfo.c
FUZZ_SRCS_fuzz_state = src/state.c src/audit.c src/fdinfo.c
FUZZ_SRCS_fuzz_escape = src/escape.c src/json.c tests/jsonparse.c
FUZZ_BINS = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_BINS)

.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_fuzz_%) \
		include/fdaudit.h include/fdinfo.h include/socktable-linux.h \
		include/platform.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS_fuzz_$*) \
	    $(COMPAT_SRCS) $(BSD_LIBS) -lm

fuzz: $(FUZZ_BINS)
	@set -e; for h in $(FUZZ_HARNESSES); do \
		rm -rf $(FUZZ_BUILD)/corpus-$$h; \
		mkdir -p $(FUZZ_BUILD)/corpus-$$h; \
		cp tests/fuzz/corpus/$$h/* $(FUZZ_BUILD)/corpus-$$h/; \
		echo "fuzz: $$h for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/$$h -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/$$h- \
		    $(FUZZ_BUILD)/corpus-$$h \
		    2>$(FUZZ_BUILD)/$$h.log || \
		    { tail -n 60 $(FUZZ_BUILD)/$$h.log; exit 1; }; \
		grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' \
		    $(FUZZ_BUILD)/$$h.log; \
	done
# --- end of fuzz -------------------------------------------------------------

# The build directories, and what sits beside the binary.
clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(WIN_BUILD) $(FUZZ_BUILD) $(BIN) \
	    $(dir $(BIN))fdaudit-preload.so $(DEFAULT_SUPP)

-include $(CORE_OBJS:.o=.d) $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SUPPORT:.o=.d) \
	$(TEST_BINS:=.d)
