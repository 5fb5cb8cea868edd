# har - build, test and reproduce.
#
#   make          build every tool into bin/
#   make check    install missing packages, build, run all tests (Check)
#   make all      install missing packages, build, run every pipeline stage
#   make check SANITIZE=address,undefined   the test suite under ASan/UBSan
#                 (separate build tree: build/sanitize/)

.DEFAULT_GOAL := tools
.DELETE_ON_ERROR:
.SUFFIXES:

CC      ?= cc
OPT     ?= -O2 -g
PYTHON  ?= /usr/bin/python3
SANITIZE ?=

# Debian packages each goal needs (checked by scripts/ensure-packages).
PKGS_BUILD = gcc make pkg-config zlib1g-dev libcjson-dev libssl-dev libopenblas-dev
PKGS_TEST  = check python3 python3-numpy gnuplot-nox
PKGS_PIPE  = gnuplot-nox

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
PKG_CFLAGS = $(shell pkg-config --cflags libcjson zlib libcrypto openblas)
PKG_LIBS   = $(shell pkg-config --libs libcjson zlib libcrypto openblas) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CFLAGS_ALL = -std=c11 -pthread $(WARN) $(OPT) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pthread $(SANFLAGS) $(LDFLAGS)

TOOLS   := har-ingest har-split har-norm har-train har-eval har-infer har-latency
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
# The differentiable core, built in float for the tools and a second time in
# double (build/.../nn64/) for the finite-difference gradient checks.
NN_SRC  := $(wildcard lib/nn/*.c)
NN_OBJ  := $(NN_SRC:%.c=$(BUILD)/%.o)
NN64_OBJ := $(NN_SRC:%.c=$(BUILD)/nn64/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
GRAD_SRC := $(wildcard tests/grad/*.c)
GRAD_OBJ := $(GRAD_SRC:%.c=$(BUILD)/nn64/%.o)
TOOL_BINS := $(TOOLS:%=$(BIN)/%)
TEST_BIN := $(BUILD)/tests/check_har
GRAD_BIN := $(BUILD)/tests/check_grad
LIBS_HAR := $(BUILD)/libhar-nn.a $(BUILD)/libhar.a
# The optimizers' update loops vectorise with sqrtf() free of errno (its
# argument is never negative, so no result changes) and with the cost model
# of -O3 (-O2's declines a loop with a division in it).
$(BUILD)/lib/optim.o: CFLAGS_ALL += -fno-math-errno -fvect-cost-model=dynamic
# Keep the tools' objects (Make would delete them as intermediates).
.SECONDARY: $(TOOLS:%=$(BUILD)/tools/%.o)

.PHONY: tools check all test clean clean-artifacts packages-build packages-check packages-pipelines pipelines FORCE
tools: $(TOOL_BINS)

# Every compile waits for the package check (order-only: it never makes an
# object out of date), so missing headers are reported as missing packages.
$(BUILD)/%.o: %.c | packages-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/nn64/lib/nn/%.o: lib/nn/%.c | packages-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -DHAR_NN_DOUBLE -MMD -MP -c $< -o $@

# The commit of the tools' code, recorded in checkpoints: the last commit
# that changed lib/ or tools/ (-dirty if they differ from it).  A commit of
# reports or docs alone leaves it, and so every pipeline result, as it was.
# The header is rewritten only when it changes, so it triggers no needless
# rebuild.
GIT_SOURCE_COMMIT = $(shell git log -1 --format=%H -- lib tools 2>/dev/null | cut -c1-12)
GIT_COMMIT = $(or $(GIT_SOURCE_COMMIT),unknown)$(shell git diff --quiet HEAD -- lib tools 2>/dev/null || echo -dirty)
$(BUILD)/git-commit.h: FORCE
	@mkdir -p $(@D)
	@echo '#define HAR_GIT_COMMIT "$(GIT_COMMIT)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/tools/har-train.o: $(BUILD)/git-commit.h
$(BUILD)/tools/har-train.o: CFLAGS += -I$(BUILD)
FORCE:

$(BUILD)/libhar.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libhar-nn.a: $(NN_OBJ)
	rm -f $@
	ar rcs $@ $^

# The two archives call each other (checkpoints build models; layers use the
# rng), hence the group.
LINK_HAR = $(filter %.o,$^) -Wl,--start-group $(LIBS_HAR) -Wl,--end-group

$(BIN)/%: $(BUILD)/tools/%.o $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) -o $@

$(TEST_BIN): $(TEST_OBJ) $(LIBS_HAR)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $(LINK_HAR) $(PKG_LIBS) $(CHECK_LIBS) -o $@

$(GRAD_BIN): $(GRAD_OBJ) $(NN64_OBJ) $(BUILD)/libhar.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) $^ $(PKG_LIBS) $(CHECK_LIBS) -o $@

$(BUILD)/tests/%.o: tests/%.c | packages-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/nn64/tests/grad/%.o: tests/grad/%.c | packages-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -DHAR_NN_DOUBLE -MMD -MP -c $< -o $@

packages-build:
	@scripts/ensure-packages $(PKGS_BUILD)
# After packages-build: two apt-get runs at once (make -j) would fight over dpkg's lock.
packages-check: packages-build
	@scripts/ensure-packages $(PKGS_TEST)
# gnuplot draws the reports' figures.
packages-pipelines: packages-build
	@scripts/ensure-packages $(PKGS_PIPE)

# The test runner finds the tools, the data and Python through the environment.
# OpenBLAS runs single-threaded in tests: results must not depend on it, and
# two runners x two BLAS threads would oversubscribe a 2-core machine.
test: $(TOOL_BINS) $(TEST_BIN) $(GRAD_BIN) | packages-check
	$(SANENV) OPENBLAS_NUM_THREADS=1 $(GRAD_BIN)
	$(SANENV) OPENBLAS_NUM_THREADS=1 HAR_BIN=$(BIN) HAR_DATA=data/hapt HAR_PYTHON=$(PYTHON) HAR_SANITIZE=$(SANITIZE) $(TEST_BIN)

check: packages-check test

all: packages-build packages-pipelines tools pipelines

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
# smoke run (tests/test_pipelines.c) points them at a temporary folder and
# shortens every run; nothing else needs to change them.
ARTIFACTS  := artifacts
PIPE_WORK  := build
PIPE_BIN    = $(BIN)
MODEL_CARD := MODEL_CARD.md
TRAIN_EXTRA :=
LATENCY_N  := 1000

GENERATED :=
include pipelines/*.mk
-include $(LIB_OBJ:.o=.d) $(NN_OBJ:.o=.d) $(NN64_OBJ:.o=.d) $(GRAD_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/tools/%.d)
