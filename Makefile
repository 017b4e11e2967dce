# GNU make.  `make demo` and `make test` install what is missing first.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
DATADIR  = $(PREFIX)/share/simtools
MANDIR  ?= $(PREFIX)/share/man
# bash-completion's completionsdir under PREFIX (pkg-config --variable
# completionsdir bash-completion is /usr/share/bash-completion/completions):
# a file per command name, loaded when the command is first completed
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
MAN1     = simrun simcfg simagg simprobe simcompare simplot simreport \
	simstudy llm_runner
# the commands the completion file serves (one file, one link per other)
COMPLETED = simcfg simagg simprobe simcompare simplot simreport simstudy \
	llm_runner baseline_runner
CC      ?= cc
SAN_CC  ?= clang
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CPPFLAGS += -Isrc/lib -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DSIM_VERSION='"$(VERSION)"'
LDLIBS   = -lcurl -ljansson -lsqlite3 -lgsl -lgslcblas -lm
# programs load only the libraries they use (libcurl's are many)
LDFLAGS += -Wl,--as-needed
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

LIB_SRC  = $(wildcard src/lib/*/*.c)
LIB_HDR  = $(wildcard src/lib/*/*.h)
# simrun_llm: simrun with the LLM client, which simrun execs for LLM agents
# (src/simrun_llm.c is src/simrun.c built with SIMRUN_LLM)
PROGRAMS = simrun simrun_llm simcfg simagg simprobe simcompare simplot \
	simreport simstudy_plan
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT     = $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_SAN = $(UNIT_SRC:tests/unit/%.c=build/san/%)
DEPS_OK  = build/.deps-ok

.PHONY: all deps demo test unit unit-san bats bench install uninstall \
	clean check-clang docs-images fuzz fuzz-build fuzz-regress bin-san \
	llama-server

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

# an archive: each program links only the objects it needs (made anew,
# so that an object of a file moved or removed does not stay in it)
$(LIB_A): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

bin/%: src/%.c $(LIB_A) $(LIB_HDR)
	@mkdir -p bin
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

bin/simrun_llm build/san/bin/simrun_llm: src/simrun.c

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

# The tests' real LLM server (tests/bats/llamaserver.bats): llama-server
# built from the vendor snapshot into ~/.cache/simtools once (10-15 minutes
# on 2 cores the first time, a checksum after), and its tiny random models.
# Without a snapshot or a llama-server on PATH it says so and those tests skip.
llama-server: | $(DEPS_OK)
	@tests/support/llama-server-build --if-available
	@for m in '' --decider '--template qwen3 --decider' \
	    '--template deepseek-r1'; do \
		tests/support/tiny-gguf --if-available $$m || exit; \
	done

# The ABM frameworks' Schelling benchmark, timed in one process (make bench).
build/abmbench: tests/support/abmbench.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) $(LDLIBS)

# The other compiler must accept every file with the same warnings.
check-clang: | $(DEPS_OK)
	@for f in $(LIB_SRC) $(PROGRAMS:%=src/%.c) $(UNIT_SRC) $(FUZZ_SRC) \
		tests/support/fakellm.c tests/support/abmbench.c; do \
		$(SAN_CC) $(WARN) $(CPPFLAGS) -fsyntax-only $$f || exit 1; \
	done

unit: $(UNIT)
unit-san: $(UNIT_SAN)

# Every program built under ASan/UBSan, for the bats suites SAN_BATS
# (make test runs them with SIM_BIN_DIR=build/san/bin).
SAN_BIN  = $(PROGRAMS:%=build/san/bin/%)
SAN_BATS ?= tests/bats/simrun.bats tests/bats/simagg.bats \
	tests/bats/hardening.bats tests/bats/table.bats

build/san/bin/%: src/%.c $(LIB_SAN_OBJ) $(LIB_HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(SANFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SAN_OBJ) \
		$(LDLIBS)

bin-san: $(SAN_BIN)

# libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c), each with a seed
# corpus in tests/fuzz/<name>/.  `make fuzz` runs each FUZZ_SECONDS;
# `make fuzz-regress` (part of `make test`) replays every stored input.
FUZZ_SECONDS ?= 60
FUZZFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ     = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
LIB_FUZZ_OBJ = $(LIB_SRC:src/lib/%.c=build/fuzz/lib/%.o)

build/fuzz/lib/%.o: src/lib/%.c $(LIB_HDR) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(FUZZFLAGS) $(CPPFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_FUZZ_OBJ)
	@mkdir -p $(@D)
	$(SAN_CC) $(WARN) $(FUZZFLAGS) -fsanitize=fuzzer $(CPPFLAGS) -o $@ $< \
		$(LIB_FUZZ_OBJ) $(LDLIBS)

fuzz-build: $(FUZZ)

fuzz: $(FUZZ)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz run $(FUZZ)

fuzz-regress: $(FUZZ)
	scripts/fuzz replay $(FUZZ)

test: all unit unit-san bin-san check-clang build/fakellm fuzz-build \
	llama-server
	scripts/run-tests $(UNIT) -- $(UNIT_SAN) -- tests/bats -- $(SAN_BATS) \
		-- $(FUZZ)

bench: all build/fakellm build/abmbench
	scripts/bench

demo: all
	scripts/demo

# The example pictures of the README and docs/, from a fixed seed, into docs/images/.
docs-images: all
	scripts/docs-images

# the bash files the runners source (installed next to them, not executable)
BIN_PARTS = bin/simtools-common.bash bin/llm_runner-remote.bash \
	bin/llm_runner-slurm.bash bin/llm_runner-endpoints.bash

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 755 $(PROGRAMS:%=bin/%) bin/llm_runner $(DESTDIR)$(BINDIR)
	install -m 755 bin/simstudy $(DESTDIR)$(BINDIR)
	install -d $(DESTDIR)$(DATADIR)/studies/tables
	install -m 644 configs/studies/*.json $(DESTDIR)$(DATADIR)/studies
	install -m 644 configs/studies/tables/*.table $(DESTDIR)$(DATADIR)/studies/tables
	install -m 644 $(BIN_PARTS) $(DESTDIR)$(BINDIR)
	ln -sf llm_runner $(DESTDIR)$(BINDIR)/baseline_runner
	install -m 644 configs/scenarios/*.json $(DESTDIR)$(DATADIR)/scenarios
	install -d $(DESTDIR)$(DATADIR)/replications
	install -m 644 configs/replications/*.json $(DESTDIR)$(DATADIR)/replications
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7
	install -m 644 $(MAN1:%=man/man1/%.1) $(DESTDIR)$(MANDIR)/man1
	ln -sf llm_runner.1 $(DESTDIR)$(MANDIR)/man1/baseline_runner.1
	install -m 644 man/man5/simtools-formats.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/man7/simtools.7 $(DESTDIR)$(MANDIR)/man7
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completion/simtools.bash $(DESTDIR)$(BASHCOMPDIR)/simrun
	for c in $(COMPLETED); do ln -sf simrun $(DESTDIR)$(BASHCOMPDIR)/$$c; done

# (also simtools-report.bash, which simtools-common.bash replaced)
uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) \
		$(DESTDIR)$(BINDIR)/llm_runner $(DESTDIR)$(BINDIR)/baseline_runner \
		$(DESTDIR)$(BINDIR)/simstudy $(BIN_PARTS:bin/%=$(DESTDIR)$(BINDIR)/%) \
		$(DESTDIR)$(BINDIR)/simtools-report.bash
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(MAN1:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
		$(DESTDIR)$(MANDIR)/man1/baseline_runner.1 \
		$(DESTDIR)$(MANDIR)/man5/simtools-formats.5 \
		$(DESTDIR)$(MANDIR)/man7/simtools.7 \
		$(DESTDIR)$(BASHCOMPDIR)/simrun \
		$(COMPLETED:%=$(DESTDIR)$(BASHCOMPDIR)/%)

clean:
	rm -rf build $(PROGRAMS:%=bin/%)
