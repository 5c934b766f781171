# fdaudit: GNU make.  `make`, `make check`, `make install`, `make sanitize`,
# `make lint`, `make bench`.  CFLAGS, CPPFLAGS, LDFLAGS, PREFIX and DESTDIR
# are the user's; the flags fdaudit needs are added to them.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
LIBDIR	?= $(PREFIX)/lib
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
PKG_CONFIG ?= pkg-config
INSTALL	?= install

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

# The platform backend, chosen by the system the build runs on.
UNAME_S := $(shell uname -s)
ifeq ($(PLATFORM),win32)
PLATFORM_SRCS = src/platform-win32.c src/compat/strndup.c \
		src/compat/localtime_r.c src/compat/fnmatch.c \
		src/compat/getline.c
# C99 printf (%zu, %lld) from mingw rather than the old msvcrt one.  The
# compiler checks format(printf) attributes against msvcrt's dialect, so
# formats are checked by the Linux build only.
PLATFORM_CPPFLAGS = -Isrc/compat/win32 -D__USE_MINGW_ANSI_STDIO=1
PLATFORM_CFLAGS = -Wno-format
PLATFORM_LIBS = -static -lws2_32 -ladvapi32
else ifeq ($(UNAME_S),Linux)
PLATFORM ?= linux
PLATFORM_SRCS = src/platform-linux.c src/platform-posix.c \
		src/socktable.c src/sockdiag.c src/procnet.c src/peers.c \
		src/holders-linux.c \
		src/trace-linux.c src/unwind-linux.c
# fdaudit run's stacks come from elfutils (Debian: libdw-dev).
PLATFORM_LIBS = $(shell $(PKG_CONFIG) --libs libdw 2>/dev/null || \
		echo -ldw -lelf)
PLATFORM_CPPFLAGS = -DFDAUDIT_LIBDIR='"$(LIBDIR)/fdaudit"'
# The recorder fdaudit run preloads, next to the binary; x86-64 and arm64.
UNAME_M := $(shell uname -m)
ifneq ($(filter x86_64 aarch64,$(UNAME_M)),)
PRELOAD	= $(dir $(BIN))fdaudit-preload.so
endif
else
PLATFORM ?= unknown
PLATFORM_SRCS = src/platform-unknown.c src/platform-posix.c
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

CORE_SRCS = src/audit.c src/collect.c src/escape.c src/fdinfo.c src/snapshot.c \
	    src/textwidth.c src/holders.c \
	    src/fdtype.c src/json.c src/output.c src/output-json.c \
	    src/output-nagios.c src/output-prometheus.c src/output-table.c \
	    src/state.c src/watch.c src/run.c src/suppress.c \
	    $(PLATFORM_SRCS) $(COMPAT_SRCS)
CORE_OBJS = $(CORE_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/main.o
LIB	= $(BUILD)/libfdaudit.a

# Unit suites (one per module) and integration suites (real processes).
TEST_SUITES = check_fdinfo check_fdtype check_escape check_json check_state \
	      check_cli check_process check_all check_sockets check_endpoints check_snapshot \
	      check_run check_safety check_output check_languages \
	      check_holders check_completion
TEST_SUPPORT = $(BUILD)/tests/testutil.o $(BUILD)/tests/jsonparse.o
TEST_BINS = $(TEST_SUITES:%=$(BUILD)/tests/%)
TEST_HELPERS = $(BUILD)/tests/fdholder $(BUILD)/tests/run/leaky \
	       $(BUILD)/tests/run/leaky-static

.PHONY: all check check-valgrind sanitize lint bench install uninstall \
	clean windows \
	check-windows

# Keep the test objects between runs.
.SECONDARY:

# The default suppressions of fdaudit run, found beside the binary.
DEFAULT_SUPP = $(dir $(BIN))fdaudit-default.supp

all: $(BIN) $(PRELOAD) $(DEFAULT_SUPP)

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
	    -shared -pthread -Wl,-z,now -Wl,-z,relro -o $@ $(PRELOAD_SRCS) -ldl

$(LIB): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Itests $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP \
	    -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(TEST_SUPPORT) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB) $(CHECK_LIBS) \
	    $(LIBS)

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

# Windows: cross-compiled with mingw-w64 into $(WIN_BUILD), tested under
# Wine.  libbsd is absent there, so the BSD functions come from src/compat.
MINGW	?= x86_64-w64-mingw32-
WIN_BUILD ?= build/win

windows:
	$(MAKE) PLATFORM=win32 CC=$(MINGW)gcc AR=$(MINGW)ar PKG_CONFIG=false \
	    HARDENING= BUILD=$(WIN_BUILD) BIN=$(WIN_BUILD)/fdaudit.exe \
	    $(WIN_BUILD)/fdaudit.exe $(WIN_BUILD)/tests/win/winholder.exe \
	    $(WIN_BUILD)/tests/win/winsnap.exe

$(BUILD)/tests/win/winholder.exe: tests/win/winholder.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/win/winholder.c \
	    $(PLATFORM_LIBS)

# The snapshot API in a program of its own, as a test suite would use it.
$(BUILD)/tests/win/winsnap.exe: tests/win/winsnap.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ \
	    tests/win/winsnap.c $(LIB) $(LIBS)

check-windows:
	bash tests/win/run-wine.sh

# fdaudit itself under valgrind: no memory errors, leaks or descriptors.
check-valgrind: $(BIN) $(PRELOAD) $(DEFAULT_SUPP) $(TEST_HELPERS)
	FDAUDIT=./$(BIN) FDHOLDER=$(BUILD)/tests/fdholder \
	    sh tests/valgrind.sh

sanitize:
	$(MAKE) BUILD=build/sanitize BIN=build/sanitize/fdaudit \
	    CFLAGS="-O1 -g -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" HARDENING= check

lint:
	mandoc -Tlint -Wwarning man/fdaudit.1
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

install: $(BIN) $(PRELOAD) $(DEFAULT_SUPP)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/fdaudit
	$(INSTALL) -m 0644 man/fdaudit.1 $(DESTDIR)$(MANDIR)/man1/fdaudit.1
ifneq ($(PRELOAD),)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/fdaudit
	$(INSTALL) -m 0644 $(PRELOAD) $(DESTDIR)$(LIBDIR)/fdaudit/
endif
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/fdaudit
	$(INSTALL) -m 0644 $(DEFAULT_SUPP) $(DESTDIR)$(LIBDIR)/fdaudit/
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0644 src/completion/fdaudit.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/fdaudit
	$(INSTALL) -m 0644 src/completion/_fdaudit $(DESTDIR)$(ZSHCOMPDIR)/_fdaudit

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fdaudit $(DESTDIR)$(MANDIR)/man1/fdaudit.1 \
	    $(DESTDIR)$(LIBDIR)/fdaudit/fdaudit-preload.so \
	    $(DESTDIR)$(LIBDIR)/fdaudit/fdaudit-default.supp \
	    $(DESTDIR)$(BASHCOMPDIR)/fdaudit $(DESTDIR)$(ZSHCOMPDIR)/_fdaudit
	-rmdir $(DESTDIR)$(LIBDIR)/fdaudit

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
FUZZ_SRCS_fuzz_sockdiag = src/sockdiag.c src/socktable.c
FUZZ_SRCS_fuzz_procnet = src/procnet.c src/socktable.c
FUZZ_SRCS_fuzz_state = src/state.c src/audit.c src/fdinfo.c
FUZZ_SRCS_fuzz_escape = src/escape.c src/json.c tests/jsonparse.c
FUZZ_BINS = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_BINS)

.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_fuzz_%) \
		include/fdaudit.h include/socktable.h include/platform.h
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

clean:
	rm -rf build fdaudit fdaudit-preload.so fdaudit-default.supp

-include $(CORE_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SUPPORT:.o=.d) \
	$(TEST_BINS:=.d)
