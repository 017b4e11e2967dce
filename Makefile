# GNU make.  `make demo` and `make test` install what is missing first.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/simtools
CC      ?= cc
SAN_CC  ?= clang
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CPPFLAGS += -Isrc/lib -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DSIM_VERSION='"$(VERSION)"'
LDLIBS   = -lcurl -ljansson -lsqlite3 -lm
# programs load only the libraries they use (libcurl's are many)
LDFLAGS += -Wl,--as-needed
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

LIB_SRC  = $(wildcard src/lib/*/*.c)
LIB_HDR  = $(wildcard src/lib/*/*.h)
PROGRAMS = simrun simcfg simagg simprobe
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT     = $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_SAN = $(UNIT_SRC:tests/unit/%.c=build/san/%)
DEPS_OK  = build/.deps-ok

.PHONY: all deps demo test unit unit-san bats bench install uninstall \
	clean check-clang

.SECONDARY:

all: $(PROGRAMS:%=bin/%)

$(DEPS_OK): scripts/install-deps
	@mkdir -p build
	scripts/install-deps
	@touch $@

deps: $(DEPS_OK)

build/lib/%.o: src/lib/%.c $(LIB_HDR) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

build/san/lib/%.o: src/lib/%.c $(LIB_HDR) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -c -o $@ $<

LIB_OBJ     = $(LIB_SRC:src/lib/%.c=build/lib/%.o)
LIB_SAN_OBJ = $(LIB_SRC:src/lib/%.c=build/san/lib/%.o)
LIB_A       = build/libsim.a

# an archive: each program links only the objects it needs
$(LIB_A): $(LIB_OBJ)
	$(AR) rcs $@ $(LIB_OBJ)

bin/%: src/%.c $(LIB_A) $(LIB_HDR)
	@mkdir -p bin
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

build/unit/%: tests/unit/%.c tests/unit/check.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

build/san/%: tests/unit/%.c tests/unit/check.h $(LIB_SAN_OBJ)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -o $@ $< \
		$(LIB_SAN_OBJ) $(LDLIBS)

# The tests' stand-in for an LLM server (loopback only).
build/fakellm: tests/support/fakellm.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $< -ljansson -lpthread -lm

# The other compiler must accept every file with the same warnings.
check-clang: | $(DEPS_OK)
	@for f in $(LIB_SRC) $(PROGRAMS:%=src/%.c) $(UNIT_SRC) \
		tests/support/fakellm.c; do \
		$(SAN_CC) $(WARN) $(CPPFLAGS) -fsyntax-only $$f || exit 1; \
	done

unit: $(UNIT)
unit-san: $(UNIT_SAN)

test: all unit unit-san check-clang build/fakellm
	scripts/run-tests $(UNIT) -- $(UNIT_SAN) -- tests/bats

bench: all build/fakellm
	scripts/bench

demo: all
	scripts/demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 755 $(PROGRAMS:%=bin/%) bin/llm_runner $(DESTDIR)$(BINDIR)
	install -m 644 bin/llm_runner-remote.bash bin/llm_runner-slurm.bash \
		bin/llm_runner-endpoints.bash $(DESTDIR)$(BINDIR)
	ln -sf llm_runner $(DESTDIR)$(BINDIR)/baseline_runner
	install -m 644 configs/scenarios/*.json $(DESTDIR)$(DATADIR)/scenarios

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) \
		$(DESTDIR)$(BINDIR)/llm_runner $(DESTDIR)$(BINDIR)/baseline_runner \
		$(DESTDIR)$(BINDIR)/llm_runner-remote.bash \
		$(DESTDIR)$(BINDIR)/llm_runner-slurm.bash \
		$(DESTDIR)$(BINDIR)/llm_runner-endpoints.bash
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build $(PROGRAMS:%=bin/%)
