# har - build, test and reproduce.
#
#   make          build every tool into bin/
#   make check    install missing packages, build, run all tests (Check):
#                 the layer check, the gradient checks and the three levels
#                 below, each of which also runs alone:
#   make check-unit     tests/unit/: lib/'s modules, in-process
#   make check-tools    tests/tools/: one tool each, its command line
#   make check-system   tests/system/: the tools together (the pipelines'
#                 smoke run, the vendored data, fault injection, the fuzz
#                 targets' seeds)
#   make check-grad     tests/grad/: the finite-difference gradient checks
#   make all      install missing packages, build, run every pipeline stage
#   make check SANITIZE=address,undefined   the test suite under ASan/UBSan
#                 (separate build tree: build/sanitize/)
#   make fuzz FUZZ_SECONDS=N   every libFuzzer target for N seconds each
#   make fuzz FUZZ_RUNS=N      ... or for N executions each
#   make check-valgrind   the tool-running suites with every tool under
#                 Valgrind memcheck, then the unit suites in-process under it

.DEFAULT_GOAL := tools
.DELETE_ON_ERROR:
.SUFFIXES:

CC      ?= cc
OPT     ?= -O2 -g
PYTHON  ?= /usr/bin/python3
SANITIZE ?=

# Debian packages each goal needs (checked by scripts/ensure-packages).
PKGS_BUILD = gcc make pkg-config zlib1g-dev libcjson-dev libssl-dev libopenblas-dev \
             libprotobuf-c-dev protobuf-c-compiler
PKGS_TEST  = check python3 python3-numpy gnuplot-nox slurm-wlm munge mandoc
PKGS_PIPE  = gnuplot-nox
# clang brings libFuzzer's driver only with its runtime package (Debian 12).
PKGS_FUZZ  = clang libclang-rt-14-dev
PKGS_VALGRIND = valgrind

# OpenBLAS picks its kernels for the CPU it finds, and the kernels of two
# CPUs round the same products differently: after 40 epochs a model trained on
# another machine differs in its scores, not just its last bits.  Everything
# make runs (pipelines, tests, benchmarks) uses the Haswell kernels (AVX2 and
# FMA, which every x86-64-v3 CPU has), so the same command gives the same
# bytes on any such machine; checkpoints record the kernels (blas_kernels).
# Override with OPENBLAS_CORETYPE=... (or empty: OpenBLAS's own choice).
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
OPENBLAS_CORETYPE := $(if $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo y),Haswell)
endif
export OPENBLAS_CORETYPE

ifeq ($(SANITIZE),)
BUILD := build
BIN   := bin
else
BUILD := build/sanitize
BIN   := build/sanitize/bin
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# Leaks fail the test that caused them; slower code gets longer Check timeouts.
SANENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 CK_TIMEOUT_MULTIPLIER=4
endif

# Expanded when a recipe runs, i.e. after the package check.
PKG_CFLAGS = $(shell pkg-config --cflags libcjson zlib libcrypto openblas libprotobuf-c)
PKG_LIBS   = $(shell pkg-config --libs libcjson zlib libcrypto openblas libprotobuf-c) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
# Every #include of lib/ names the header by its path inside lib/ ("io/tensorfile.h").
# $(BUILD)/gen holds generated code: the ONNX messages' C (protoc-c), found
# as "export/onnx.pb-c.h" like a header of lib/.
CFLAGS_ALL = -std=c11 -pthread $(WARN) $(OPT) $(SANFLAGS) -Ilib -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pthread $(SANFLAGS) $(LDFLAGS)

TOOLS   := har-ingest har-split har-norm har-train har-eval har-infer har-latency har-export
# lib/ is one folder per stage of the data's path (docs/ARCHITECTURE.md); nn/ is
# built apart too, in double, for the gradient checks.
LIB_SRC := $(filter-out lib/nn/%,$(wildcard lib/*/*.c))
# lib/export/onnx.proto -> $(BUILD)/gen/export/onnx.pb-c.{c,h} (protoc-c), compiled
# into the library like a file of lib/export/.
GEN_SRC := $(BUILD)/gen/export/onnx.pb-c.c
GEN_HDR := $(GEN_SRC:.c=.h)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/lib/export/onnx.pb-c.o
# The differentiable core, built in float for the tools and a second time in
# double (build/.../nn64/) for the finite-difference gradient checks.
NN_SRC  := $(wildcard lib/nn/*.c)
NN_OBJ  := $(NN_SRC:%.c=$(BUILD)/%.o)
NN64_OBJ := $(NN_SRC:%.c=$(BUILD)/nn64/%.o)

# The tests by level, one folder and one runner each (build/tests/check_LEVEL):
#   tests/unit/    lib/'s modules called in-process; no tool is run
#   tests/tools/   one tool binary each: its command line, outputs, exit codes
#   tests/system/  the tools together: the pipelines' smoke run, the
#                  vendored data end to end, fault injection, the fuzz
#                  targets' seeds replayed through their harnesses
# tests/*.c are helpers every level links; tests/runner.c is every runner's
# main.  tests/LEVEL/test_NAME.c defines Suite *NAME_suite(void), the suite
# NAME (CK_RUN_SUITE=NAME), and a runner's list of suites is written by make
# from its folder's file names (build/tests/LEVEL/suites.h): a test file
# added to a folder is built and run, with no list to edit.  tests/grad/
# (the gradient checks, built in double) is a runner of the same kind, its
# suites grad_NAME.c; build/tests/check_har runs every level's suites (one
# of them alone: CK_RUN_SUITE=NAME build/tests/check_har).
TEST_LEVELS := unit tools system
test_suites  = $(patsubst tests/$(1)/test_%.c,%,$(sort $(wildcard tests/$(1)/test_*.c)))
SUITES_unit   = $(call test_suites,unit)
SUITES_tools  = $(call test_suites,tools)
SUITES_system = $(call test_suites,system)
SUITES_har    = $(foreach l,$(TEST_LEVELS),$(SUITES_$(l)))
SUITES_grad   = $(basename $(notdir $(sort $(wildcard tests/grad/grad_*.c))))
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out tests/runner.c,$(wildcard tests/*.c)))
TEST_OBJ := $(TEST_SUPPORT_OBJ) $(patsubst %.c,$(BUILD)/%.o,$(foreach l,$(TEST_LEVELS),$(wildcard tests/$(l)/*.c)))
TEST_RUNNERS := $(TEST_LEVELS:%=$(BUILD)/tests/check_%)
RUNNER_NAMES := $(TEST_LEVELS) har grad
GRAD_SRC := $(wildcard tests/grad/*.c)
GRAD_OBJ := $(GRAD_SRC:%.c=$(BUILD)/nn64/%.o)
TOOL_BINS := $(TOOLS:%=$(BIN)/%)
TEST_BIN := $(BUILD)/tests/check_har
GRAD_BIN := $(BUILD)/tests/check_grad
LIBS_HAR := $(BUILD)/libhar.a
# The optimizers' update loops vectorise with sqrtf() free of errno (its
# argument is never negative, so no result changes) and with the cost model
# of -O3 (-O2's declines a loop with a division in it).
$(BUILD)/lib/train/optim.o: CFLAGS_ALL += -fno-math-errno -fvect-cost-model=dynamic
# Keep the tools' objects (Make would delete them as intermediates).
.SECONDARY: $(TOOLS:%=$(BUILD)/tools/%.o)

.PHONY: check-valgrind packages-valgrind fuzz fuzz-summary packages-fuzz tools check all test clean clean-artifacts packages-build packages-check packages-pipelines pipelines FORCE
tools: $(TOOL_BINS)

# Every compile waits for the package check (order-only: it never makes an
# object out of date), so missing headers are reported as missing packages.
$(BUILD)/%.o: %.c | packages-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The ONNX messages' C code, made from lib/export/onnx.proto.  Objects that
# include it wait for it (the first build has no .d files to say so).
$(GEN_SRC) $(GEN_HDR) &: lib/export/onnx.proto | packages-build
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=lib --c_out=$(BUILD)/gen lib/export/onnx.proto
$(BUILD)/lib/export/onnx.pb-c.o: $(GEN_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@
$(BUILD)/lib/export/onnx.o $(BUILD)/pic/lib/export/onnx.o $(BUILD)/tools/har-export.o: $(GEN_HDR)

$(BUILD)/nn64/lib/nn/%.o: lib/nn/%.c | packages-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DHAR_NN_DOUBLE -MMD -MP -c $< -o $@

# The commit of the tools' code, recorded in checkpoints: the last commit
# that changed lib/ or tools/ (-dirty if they differ from it).  A commit of
# reports or docs alone leaves it, and so every pipeline result, as it was.
# The header is rewritten only when it changes, so it triggers no needless
# rebuild; its temporary name is per process, so two makes in one tree (a
# pipeline and a test run) do not trip over each other.
GIT_SOURCE_COMMIT = $(shell git log -1 --format=%H -- lib tools 2>/dev/null | cut -c1-12)
GIT_COMMIT = $(or $(GIT_SOURCE_COMMIT),unknown)$(shell git diff --quiet HEAD -- lib tools 2>/dev/null || echo -dirty)
$(BUILD)/git-commit.h: FORCE
	@mkdir -p $(@D)
	@t=$@.tmp.$$$$; echo '#define HAR_GIT_COMMIT "$(GIT_COMMIT)"' > $$t; cmp -s $$t $@ && rm -f $$t || mv $$t $@
$(BUILD)/tools/har-train.o: $(BUILD)/git-commit.h
$(BUILD)/tools/har-train.o: CFLAGS += -I$(BUILD)
FORCE:

# One library: the linker scans a single archive until nothing more resolves,
# so it links with a plain -lhar (or its path) whatever order lib/ calls in.
$(BUILD)/libhar.a: $(LIB_OBJ) $(NN_OBJ)
	rm -f $@
	ar rcs $@ $^

LINK_HAR = $(filter %.o,$^) $(LIBS_HAR)

$(BIN)/%: $(BUILD)/tools/%.o $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) -o $@

# ---- installing (make install, make uninstall) ----------------------------
# The tools, their man pages, har.h, libhar (static, and shared with a
# soname) and har.pc for pkg-config, under DESTDIR/PREFIX (a packager's
# staging folder and the final prefix; PREFIX is written into har.pc, so
# give the same one to install and uninstall).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
HAR_VERSION := $(shell sed -n 's/^\#define HAR_VERSION "\(.*\)"/\1/p' lib/core/version.h)
# The soname carries the major version: a program linked today loads any
# 0.x.y, and a 1.0 that breaks the API is another file.
SONAME      := libhar.so.$(firstword $(subst ., ,$(HAR_VERSION)))
# (In a folder of its own: -L$(BUILD) -lhar keeps finding the static one.)
SHARED_LIB  := $(BUILD)/shared/libhar.so.$(HAR_VERSION)
# The shared library's objects, compiled a second time as position-
# independent code (the tools keep the static library's).
PIC_OBJ     := $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(NN_SRC:%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/lib/export/onnx.pb-c.o
MAN_PAGES   := $(TOOLS:%=$(BUILD)/man/%.1)
# A man page's date: the day of the last commit of the tools' code, so the
# same sources give the same page.
MAN_DATE     = $(or $(shell git log -1 --format=%cs -- lib tools 2>/dev/null),$(shell date -u +%F))
.PHONY: install uninstall library man
.SECONDARY: $(PIC_OBJ)

$(BUILD)/pic/%.o: %.c | packages-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fPIC -MMD -MP -c $< -o $@
$(BUILD)/pic/lib/train/optim.o: CFLAGS_ALL += -fno-math-errno -fvect-cost-model=dynamic
$(BUILD)/pic/lib/export/onnx.pb-c.o: $(GEN_SRC)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fPIC -MMD -MP -c $< -o $@

# The shared library exports the functions har.h declares and nothing else
# (the version script is made from the header, so the two cannot differ);
# its dependencies are its own DT_NEEDED, so a program links with -lhar alone.
$(BUILD)/har.map: lib/har.h Makefile
	@mkdir -p $(@D)
	@{ echo 'HAR_0 {'; echo '  global:'; \
	   sed -n 's/^[a-z][a-z0-9_ *]*[ *]\([a-z_]*\)(.*/    \1;/p' $<; \
	   echo '  local: *;'; echo '};'; } > $@.tmp && mv $@.tmp $@
$(SHARED_LIB): $(PIC_OBJ) $(BUILD)/har.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=$(BUILD)/har.map -Wl,--no-undefined \
	    $(LDFLAGS_ALL) $(PIC_OBJ) $(PKG_LIBS) -o $@
	ln -sf $(@F) $(@D)/$(SONAME)
	ln -sf $(SONAME) $(@D)/libhar.so
library: $(BUILD)/libhar.a $(SHARED_LIB)

# Each tool's man page, made from its --help (scripts/man-from-help): the
# help text in tools/ is the one source of both.
$(BUILD)/man/%.1: $(BIN)/% scripts/man-from-help
	@mkdir -p $(@D)
	sh scripts/man-from-help $< $(MAN_DATE) $(filter-out $*,$(TOOLS)) > $@.tmp && mv $@.tmp $@
man: $(MAN_PAGES)

install: $(TOOL_BINS) $(MAN_PAGES) library lib/har.pc.in
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 lib/har.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/libhar.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libhar.so
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(HAR_VERSION)|; s|@LIBS_PRIVATE@|$(strip $(PKG_LIBS)) -pthread|' lib/har.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/har.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/har.pc
# Installed for real (no DESTDIR) as root: refresh the loader's cache, so
# the new libhar.so.N is found without LD_LIBRARY_PATH.
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ] && command -v ldconfig > /dev/null; then ldconfig; fi

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	    $(DESTDIR)$(INCLUDEDIR)/har.h $(DESTDIR)$(LIBDIR)/libhar.a $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB)) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libhar.so $(DESTDIR)$(PKGCONFIGDIR)/har.pc

# The fault-injection shim (tests/fault/killat.c), preloaded into the tools
# by tests/system/test_faults.c; built without sanitizers: it only forwards calls.
KILLAT := $(BUILD)/tests/libkillat.so
$(KILLAT): tests/fault/killat.c | packages-build
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -O2 -shared -fPIC $< -o $@ -ldl

# A runner's suites.h: HAR_SUITE(NAME) for each of its suites, rewritten
# only when the list changes (a new, removed or renamed test file), so that
# it rebuilds nothing otherwise.
RUNNER_LISTS := $(RUNNER_NAMES:%=$(BUILD)/tests/%/suites.h)
$(RUNNER_LISTS): $(BUILD)/tests/%/suites.h: FORCE
	@mkdir -p $(@D)
	@t=$@.tmp.$$$$; $(if $(SUITES_$*),printf 'HAR_SUITE(%s)\n' $(SUITES_$*),:) > $$t; cmp -s $$t $@ && rm -f $$t || mv $$t $@

$(RUNNER_NAMES:%=$(BUILD)/tests/%/runner.o): $(BUILD)/tests/%/runner.o: tests/runner.c $(BUILD)/tests/%/suites.h \
                                            | packages-check
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -I$(@D) -MMD -MP -c $< -o $@

# Each level's runner: its folder's objects, the shared helpers, the library.
$(foreach l,$(TEST_LEVELS),$(eval $(BUILD)/tests/check_$(l): $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/$(l)/*.c))))
$(TEST_RUNNERS): $(BUILD)/tests/check_%: $(BUILD)/tests/%/runner.o $(TEST_SUPPORT_OBJ) $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) $(CHECK_LIBS) -o $@

$(TEST_BIN): $(BUILD)/tests/har/runner.o $(TEST_OBJ) $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) $(CHECK_LIBS) -o $@

$(GRAD_BIN): $(BUILD)/tests/grad/runner.o $(GRAD_OBJ) $(NN64_OBJ) $(BUILD)/libhar.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(PKG_LIBS) $(CHECK_LIBS) -o $@

# -Itests: the helpers every level shares (testutil.h, synthetic.h).
$(BUILD)/tests/%.o: tests/%.c | packages-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests -MMD -MP -c $< -o $@

$(BUILD)/nn64/tests/grad/%.o: tests/grad/%.c | packages-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -DHAR_NN_DOUBLE -MMD -MP -c $< -o $@

# ---- fuzzing (make fuzz; not part of all or check) ----------------------
# One libFuzzer target per tests/fuzz/fuzz_<target>.c, linked against the
# library compiled a second time with clang, coverage instrumentation and
# ASan/UBSan (build/fuzz/; the gcc objects cannot carry libFuzzer's
# instrumentation).  Each run starts from the seeds in
# tests/fuzz/corpus/<target>/, copied into build/fuzz/corpus/<target>/ where
# libFuzzer adds what it finds (kept between runs, so longer fuzzing goes on
# where the last run stopped; tests/ is never written).  A crash, leak, UB
# report, timeout or allocation over the RSS limit fails the run and leaves
# the input in build/fuzz/crashes/.  Each target is its own make target, so
# `make -j2 fuzz` runs two at a time (one process each).
FUZZ_SECONDS ?= 60
# FUZZ_RUNS=N runs each target for N executions instead (a long campaign:
# `nice make -j2 fuzz FUZZ_RUNS=10000000`).
FUZZ_RUNS    ?=
FUZZ_CC      := clang
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# HAR_IDLIST_MAX is lowered from 100000: a list at the limit costs the
# subject-list target 100000 ids parsed, printed and parsed again, and the
# fuzzer kept steering there (1.5k exec/s); the code at the limit is the
# same, and tests/unit/test_textparse.c checks the real one.
FUZZ_CFLAGS   = -std=c11 -pthread $(WARN) -O1 -g $(FUZZ_SAN) -Ilib -I$(BUILD)/gen $(PKG_CFLAGS) -DHAR_IDLIST_MAX=4096
# Slow inputs (over -timeout seconds) and huge allocations count as findings:
# a parser must refuse a hostile size before allocating it.
FUZZ_OPTS     = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)) -rss_limit_mb=2048 \
                -timeout=20 -print_final_stats=1
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o) $(NN_SRC:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/lib/export/onnx.pb-c.o
# Built through pattern rules only; keep them (Make deletes intermediates).
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/bin/%) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/tests/fuzz/fuzz_%.o)

$(FUZZ_DIR)/lib/%.o: lib/%.c | packages-build packages-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/lib/export/onnx.pb-c.o: $(GEN_SRC) | packages-build packages-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_DIR)/lib/export/onnx.o: $(GEN_HDR)

# The harnesses use memfd_create and mkdtemp (GNU/POSIX extensions).
$(FUZZ_DIR)/tests/fuzz/%.o: tests/fuzz/%.c | packages-build packages-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -D_GNU_SOURCE -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -pthread $^ $(PKG_LIBS) -o $@

# Runs one target; its log is build/fuzz/<target>.log.  The dictionary
# tests/fuzz/<target>.dict is used if there is one.
fuzz-%: $(FUZZ_DIR)/bin/% | packages-fuzz
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/crashes
	@cp tests/fuzz/corpus/$*/* $(FUZZ_DIR)/corpus/$*/
	@echo "fuzz $*: $(if $(FUZZ_RUNS),$(FUZZ_RUNS) executions,$(FUZZ_SECONDS) s) (log: $(FUZZ_DIR)/$*.log)"
	@OPENBLAS_NUM_THREADS=1 $< $(FUZZ_OPTS) -artifact_prefix=$(FUZZ_DIR)/crashes/$*- \
	    $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	    $(FUZZ_DIR)/corpus/$* > $(FUZZ_DIR)/$*.log 2>&1 || \
	    { tail -n 60 $(FUZZ_DIR)/$*.log; echo "fuzz $*: FAILED (input in $(FUZZ_DIR)/crashes/)"; exit 1; }

# make check's system level replays every target's seeds through its
# harness (tests/system/test_fuzz_seeds.c): the harness linked with
# tests/fuzz/replay.c instead of libFuzzer, built like the tests (the
# ordinary compiler, ASan/UBSan with SANITIZE=...), into BUILD/fuzz-replay/.
FUZZ_REPLAY_DIR := $(BUILD)/fuzz-replay
FUZZ_REPLAY     := $(FUZZ_TARGETS:%=$(FUZZ_REPLAY_DIR)/%)
FUZZ_REPLAY_OBJ := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/replay.o
.SECONDARY: $(FUZZ_REPLAY_OBJ)
$(BUILD)/tests/fuzz/%.o: CFLAGS_ALL += -D_GNU_SOURCE
$(FUZZ_REPLAY): $(FUZZ_REPLAY_DIR)/%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) -o $@

# The summary: executions and speed of every target's last run
# (`make fuzz-summary` prints it again without fuzzing).
fuzz: $(FUZZ_TARGETS:%=fuzz-%)
	@$(FUZZ_SUMMARY)
fuzz-summary:
	@$(FUZZ_SUMMARY)
FUZZ_SUMMARY = for t in $(FUZZ_TARGETS); do \
	    printf '%-14s %12s execs %8s exec/s\n' $$t \
	        "$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$t.log 2>/dev/null)" \
	        "$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(FUZZ_DIR)/$$t.log 2>/dev/null)"; \
	done

# ---- Valgrind memcheck (make check-valgrind; not part of check or all) ----
# scripts/check-valgrind runs VG_TOOL_SUITES with each tool behind a wrapper
# (BUILD/valgrind/bin) that execs memcheck on it, HAR_VALGRIND=1 in the
# environment (tests that measure time or memory skip those checks, saying
# so), then VG_UNIT_SUITES with the runner itself under memcheck
# (CK_FORK=no).  Any memcheck error or definite/indirect leak fails it; one
# summary line per suite (time, runs, errors, bytes lost, skips).  Logs:
# BUILD/valgrind/<suite>/.  The suites come from the test folders: those of
# tests/tools/ and tests/system/ run tools, those of tests/unit/ run
# in-process.  The pipelines suite (whole trainings) is left out: hours under
# memcheck.  Uses the ordinary build (no sanitizers).
VG_TOOL_SUITES ?= $(filter-out pipelines,$(SUITES_tools) $(SUITES_system))
VG_UNIT_SUITES ?= $(SUITES_unit)
check-valgrind: $(TOOL_BINS) $(TEST_BIN) $(KILLAT) $(FUZZ_REPLAY) | packages-valgrind
ifneq ($(SANITIZE),)
	$(error check-valgrind runs the ordinary build; drop SANITIZE=$(SANITIZE))
endif
	OPENBLAS_NUM_THREADS=1 HAR_DATA=data/hapt HAR_PYTHON=$(PYTHON) HAR_FUZZ_REPLAY=$(FUZZ_REPLAY_DIR) \
	    scripts/check-valgrind $(BIN) $(TEST_BIN) $(BUILD)/valgrind '$(VG_TOOL_SUITES)' '$(VG_UNIT_SUITES)'

packages-valgrind: packages-check
	@scripts/ensure-packages $(PKGS_VALGRIND)

packages-fuzz: packages-build
	@scripts/ensure-packages $(PKGS_FUZZ)

packages-build:
	@scripts/ensure-packages $(PKGS_BUILD)
# After packages-build: two apt-get runs at once (make -j) would fight over dpkg's lock.
packages-check: packages-build
	@scripts/ensure-packages $(PKGS_TEST)
# ONNX Runtime, which the ONNX tests run har-export's models in and
# bench/latency.sh times: the npm package onnxruntime-node at the version
# bench/onnx/package-lock.json pins (it carries ONNX Runtime's CPU library),
# its install script not run (it would fetch GPU libraries).  Node.js and
# npm from Debian if the machine has none.
ORT_STAMP := bench/onnx/node_modules/.package-lock.json
.PHONY: packages-onnx
packages-onnx: $(ORT_STAMP)
$(ORT_STAMP): bench/onnx/package-lock.json bench/onnx/package.json | packages-build
	@command -v node > /dev/null && command -v npm > /dev/null || scripts/ensure-packages nodejs npm
	cd bench/onnx && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@
# gnuplot draws the reports' figures.
packages-pipelines: packages-build
	@scripts/ensure-packages $(PKGS_PIPE)

# The test runners find the tools, the data and Python through the environment,
# and the api suite the compilers, libhar.a's folder and the link flags a
# program using har.h needs (the sanitizers' too in a SANITIZE= build).
# OpenBLAS runs single-threaded in tests: results must not depend on it, and
# two runners x two BLAS threads would oversubscribe a 2-core machine.
RUN_TESTS = $(SANENV) OPENBLAS_NUM_THREADS=1 HAR_BIN=$(BIN) HAR_DATA=data/hapt HAR_PYTHON=$(PYTHON) \
            HAR_SANITIZE=$(SANITIZE) HAR_FUZZ_REPLAY=$(FUZZ_REPLAY_DIR) \
            HAR_CC='$(CC)' HAR_CXX='$(CXX)' HAR_LIBDIR=$(BUILD) HAR_LINK='$(LDFLAGS_ALL) $(PKG_LIBS)' \
            HAR_ORT=bench/onnx

# One level alone (only unit's runner needs no tool).
.PHONY: check-unit check-tools check-system check-grad
check-unit check-tools check-system: check-%: $(BUILD)/tests/check_% | packages-check
	$(RUN_TESTS) $<
check-tools check-system: $(TOOL_BINS)
check-system: $(KILLAT) $(FUZZ_REPLAY) library man | packages-onnx
check-grad: $(GRAD_BIN) | packages-check
	$(SANENV) OPENBLAS_NUM_THREADS=1 $(GRAD_BIN)

# check-layers: lib/'s folders use only the folders below them, and nothing in
# lib/ calls in a circle (includes and the objects' symbols; docs/ARCHITECTURE.md).
# check-readme: every example of the docs that shows output still prints it.
# Then the gradient checks and every level, one after the other; every level
# runs even if one before it failed (as one runner did), and any failure
# fails make check.  Last, the batch-1 kernels' suite once more with
# OpenBLAS's own choice of kernels (OPENBLAS_CORETYPE unset): the checks that
# serving gives a batch's bits run only where OpenBLAS's kernels sum in the
# orders matvec.h names (Cooperlake; SkylakeX for the chains), never under the
# pinned Haswell kernels.
test: $(TOOL_BINS) $(TEST_RUNNERS) $(GRAD_BIN) $(KILLAT) $(FUZZ_REPLAY) library man | packages-check packages-onnx
	sh scripts/check-layers $(BUILD)
	sh scripts/check-readme $(BIN)
	$(SANENV) OPENBLAS_NUM_THREADS=1 $(GRAD_BIN)
	@failed=; for level in $(TEST_LEVELS); do \
	    echo '$(RUN_TESTS) $(BUILD)/tests/check_'$$level; \
	    $(RUN_TESTS) $(BUILD)/tests/check_$$level || failed="$$failed $$level"; \
	done; \
	echo 'env -u OPENBLAS_CORETYPE CK_RUN_SUITE=latency_lib $(RUN_TESTS) $(BUILD)/tests/check_unit'; \
	env -u OPENBLAS_CORETYPE CK_RUN_SUITE=latency_lib $(RUN_TESTS) $(BUILD)/tests/check_unit || failed="$$failed unit-openblas-own"; \
	test -z "$$failed" || { echo "make check: failures in$$failed" >&2; exit 1; }

check: packages-check test

# The examples of README.md and docs/ that show output, run on today's tools
# and committed artifacts and compared with what they show (about 10 s).
.PHONY: check-readme
check-readme: $(TOOL_BINS)
	sh scripts/check-readme $(BIN)

# make all, given no -j, runs JOBS steps at once (default: the machine's
# cores).  A training computes with 2 threads, but two trainings side by side
# on a 2-core machine finish in 80 % of the time they take one after the
# other (13.7 s against 17.1 s for two 10-epoch GRUs), and the build and the
# evaluations are single-threaded; results do not depend on it (make -j1 and
# -j2 write the same bytes, timings aside: make check's smoke run checks it).
# A -j given on the command line (-j1 too) is obeyed as it is.
# The runs whose seconds a report compares take the machine alone (the lock
# keeps other runs out, but not the report scripts), and their tables show the
# load average they started at: so make all runs in phases, one make each,
# every phase with JOBS steps at once: the tools; the timed training runs
# (TIMED_RUNS) and the data they need, when nothing else is left to run
# beside them; every other step but the latency measurement and what quotes
# it; the latency measurement (alone, as nothing else is left); the rest
# (report 3, the model card; with RUNNER=slurm the STUDIES).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
ALL_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS))
all: packages-build packages-pipelines
	+$(MAKE) --no-print-directory $(ALL_JOBS) tools
	+$(MAKE) --no-print-directory $(ALL_JOBS) timed-runs
	+$(MAKE) --no-print-directory $(ALL_JOBS) untimed-steps
	+$(MAKE) --no-print-directory $(ALL_JOBS) $(R3)/latency.json
	+$(MAKE) --no-print-directory $(ALL_JOBS) pipelines

clean:
	rm -rf build bin

# Every output of the pipelines (each fragment adds its own to GENERATED):
# reports, figures, logs, checkpoints and the model card.  make all makes
# them again.
clean-artifacts:
	rm -rf $(sort $(GENERATED))

# A recipe that fails leaves no target behind that Make would take as made.
.DELETE_ON_ERROR:

# Where the pipelines read the tools and write their outputs.  make check's
# smoke run (tests/system/test_pipelines.c) points them at a temporary folder and
# shortens every run; nothing else needs to change them.
ARTIFACTS  := artifacts
PIPE_WORK  := build
PIPE_BIN    = $(BIN)
MODEL_CARD := MODEL_CARD.md
TRAIN_EXTRA :=
LATENCY_N  := 1000

# The one metric every choice of the pipelines is made on: har-train's
# --monitor (the epoch a run keeps), the recipes' cross-validation, the nested
# cross-validation, and every "best" a report names.  macro-F1 (the mean of
# the per-class F1) weighs the six activities equally; accuracy is the other
# choice.  PRIMARY_MONITOR is the same metric as har-train names it.
PRIMARY_METRIC  := macro_f1
MONITOR_macro_f1 := val_f1
MONITOR_accuracy := val_acc
PRIMARY_MONITOR  = $(MONITOR_$(PRIMARY_METRIC))
$(if $(PRIMARY_MONITOR),,$(error PRIMARY_METRIC must be macro_f1 or accuracy, not '$(PRIMARY_METRIC)'))

# Every step of the pipelines that trains, scores or ingests runs behind
# $(RUN); a run whose seconds a report compares runs behind $(RUN_ALONE).
# RUNNER=local (the default): here, under a machine lock, where an 'alone'
# run waits until no other run is going and keeps new ones waiting until it
# ends, so that even under make -j it has the machine to itself
# (pipelines/run_locked.sh: flock on $(PIPE_WORK)/.locks).
# RUNNER=slurm: each step is a Slurm job step (pipelines/run_slurm.sh: srun
# with the target as job name, the CPUs it computes with, SLURM_MEM,
# SLURM_TIME, --exclusive for an 'alone' run, and SRUN_FLAGS for partition
# or account), so make -jN keeps N steps in the queue.
RUNNER ?= local
LOCKS     = $(PIPE_WORK)/.locks
# A training recipe continues its run's last checkpoint when a cancelled job
# (scancel, a time limit, a lost node) left one: $(RESUME_ARGS) LAST $^ prints
# har-train's --resume LAST then (pipelines/resume_args.sh), else nothing.
RESUME_ARGS = sh pipelines/resume_args.sh
ifeq ($(RUNNER),local)
RUN       = sh pipelines/run_locked.sh shared $(LOCKS)
RUN_ALONE = sh pipelines/run_locked.sh alone $(LOCKS)
else ifeq ($(RUNNER),slurm)
SLURM_MEM  ?= 3G
SLURM_TIME ?= 60
SLURM_TRAIN_CPUS ?= 2
SRUN_FLAGS ?=
export SLURM_MEM SLURM_TIME SLURM_TRAIN_CPUS SRUN_FLAGS
RUN       = sh pipelines/run_slurm.sh shared '$@'
RUN_ALONE = sh pipelines/run_slurm.sh alone '$@'
else
$(error RUNNER must be local or slurm, not '$(RUNNER)')
endif

# The studies too heavy for a local make all's budget, each its own target
# that runs anywhere: the leave-one-subject-out study (report 4), the
# recipes' 5-fold cross-validation and the ablation.  On a cluster (RUNNER=slurm)
# make all runs them too; make studies runs them here.
STUDIES := subjects recipes-cv5 recipes-ablation
.PHONY: studies
studies: $(STUDIES)
ifeq ($(RUNNER),slurm)
pipelines: studies
endif

GENERATED :=
# The stages in order (each fragment's rules name what the earlier ones
# define): the model specs they share, the data, runs on the clinic split,
# the zoo, the recipes' cross-validation, the choice of the final model;
# then the reports.
PIPE_FRAGMENTS := pipelines/specs.mk pipelines/data.mk pipelines/clinic_runs.mk pipelines/models.mk \
                  pipelines/recipes.mk pipelines/selection.mk
include $(PIPE_FRAGMENTS) $(filter-out $(PIPE_FRAGMENTS),$(sort $(wildcard pipelines/*.mk)))
# make all's phases (above): the clinic's timed runs, and every step of the
# pipelines but the latency measurement and what quotes it.
TIMED_RUNS := $(foreach r,$(CLINIC_RUNS),$(if $(filter yes,$(CLINIC_TIMED_$(r))),$(CLINIC)/$(r).log.csv))
.PHONY: timed-runs untimed-steps
timed-runs: $(TIMED_RUNS)
untimed-steps: data data-and-baselines training-clinic models recipes geotec $(filter-out $(R3)/latency.json,$(R3_INPUTS))
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_DIR)/tests/fuzz/fuzz_%.d)
-include $(LIB_OBJ:.o=.d) $(NN_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(NN64_OBJ:.o=.d) $(GRAD_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/tools/%.d) \
         $(RUNNER_NAMES:%=$(BUILD)/tests/%/runner.d) $(FUZZ_REPLAY_OBJ:.o=.d)
