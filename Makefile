# Larch — plain GNU Make build.
#
#   make            release build: build/release/{liblarch.a, bin/*}
#   make test       install what is missing, build with ASan+UBSan, run every suite
#   make run        install what is missing, build, start the main program
#   make bench      build and run the benchmarks (release build)
#   make SAN=1 ...  any target in the sanitizer build (build/asan)
#
# Sources: every src/<layer>/*.c goes into liblarch.a; every src/tools/<x>.c
# is a program named larch-<x>; every
# tests/unit/<layer>/test_*.c is a cmocka test program; every
# tests/fuzz/fuzz_*.c is a libFuzzer target (built with clang); every
# bench/*.c is a benchmark program.  src/tools/common/*.c is linked into
# every tool; tests/unit/helpers/*.c into every unit test.

LAYERS   := base tsfile schema storage query engine rpc server client
CC       ?= cc
SAN      ?= 0
ifeq ($(SAN),1)
BUILD    ?= build/asan
OPT      := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
BUILD    ?= build/release
OPT      := -O2
endif
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS   := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) $(WARN) \
            -Iinclude -Isrc -pthread -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS  := $(OPT) -pthread
LIBS     := -lz -lsnappy -llz4 -lzstd -llzma -lssl -lcrypto -lm

LIB_SRC   := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/liblarch.a
TOOL_SRC  := $(wildcard src/tools/*.c)
TOOLS     := $(patsubst src/tools/%.c,$(BUILD)/bin/larch-%,$(TOOL_SRC))
TOOL_COMMON := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/tools/common/*.c))
TEST_SRC  := $(wildcard tests/unit/*/test_*.c)
TESTS     := $(TEST_SRC:%.c=$(BUILD)/%)
TEST_HELP := $(wildcard tests/unit/helpers/*.c)
COMPAT_SRC:= $(wildcard tests/compat/*.c)
COMPAT    := $(COMPAT_SRC:%.c=$(BUILD)/%)
BENCH_SRC := $(wildcard bench/*.c)
BENCHES   := $(BENCH_SRC:%.c=$(BUILD)/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

# keep objects of programs (make would delete them as intermediates)
.SECONDARY:

.PHONY: all deps build test unit compat fuzz run bench clean
all: build
build: $(LIB) $(TOOLS) $(BUILD)/bin/larchd

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# src/larchd.c -> larchd, the server
$(BUILD)/bin/larchd: $(BUILD)/obj/src/larchd.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(LIB) $(LIBS) -o $@

# src/tools/tsfile.c -> larch-tsfile
$(BUILD)/bin/larch-%: $(BUILD)/obj/src/tools/%.o $(TOOL_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(TOOL_COMMON) $(LIB) $(LIBS) -o $@

# larch-bench: src/tools/bench.c plus its own helpers in src/tools/bench/
BENCH_TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/tools/bench/*.c))
$(BUILD)/bin/larch-bench: $(BUILD)/obj/src/tools/bench.o $(BENCH_TOOL_OBJ) $(TOOL_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LIB) $(LIBS) -o $@

# src/cli/*.c -> larch, the interactive shell (IoTDB's CLI), linked with
# libedit; its helpers are linked only into it and into tests/unit/cli.
# `make clitest` drives it through tmux (tests/cli/*.sh BUILD_DIR).
CLI_SRC   := $(wildcard src/cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
CLI_HELP  := $(filter-out $(BUILD)/obj/src/cli/larch.o,$(CLI_OBJ))
build: $(BUILD)/bin/larch
$(BUILD)/bin/larch: $(CLI_OBJ) $(TOOL_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(TOOL_COMMON) $(LIB) $(LIBS) -ledit -o $@

$(BUILD)/tests/unit/cli/%: $(BUILD)/obj/tests/unit/cli/%.o $(CLI_HELP) $(TOOL_COMMON) $(TEST_HELP:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIB) $(LIBS) -ledit -lcmocka -o $@

.PHONY: clitest
clitest: $(BUILD)/bin/larch $(BUILD)/bin/larchd
	@for s in tests/cli/*.sh; do $$s $(BUILD) || exit 1; done

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(TEST_HELP:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIB) $(LIBS) -lcmocka -o $@

$(BUILD)/tests/compat/%: $(BUILD)/obj/tests/compat/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# tests/fault/<x>.c -> a crash/fault program; tests/fault/<x>.sh runs it as
# `<x>.sh BUILD_DIR SECONDS` and builds nothing itself.
FAULT_SRC := $(wildcard tests/fault/*.c)
FAULTS    := $(FAULT_SRC:%.c=$(BUILD)/%)
FAULT_SECONDS ?= 20
$(BUILD)/tests/fault/%: $(BUILD)/obj/tests/fault/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

.PHONY: fault
fault: $(FAULTS)
	@for s in tests/fault/*.sh; do $$s $(BUILD) $(FAULT_SECONDS) || exit 1; done

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# examples/<x>.c -> $(BUILD)/examples/<x>: programs over the client
# library (include/larch/client.h); `make examples` builds them all.
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLES    := $(EXAMPLE_SRC:%.c=$(BUILD)/%)
$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

.PHONY: examples
examples: $(EXAMPLES)

# the client test starts larchd itself (order-only: not linked in)
$(BUILD)/tests/unit/client/test_client: | $(BUILD)/bin/larchd

# tests/bench/smoke.sh: a short larch-bench run (every operation, exact
# point counts per write mode) against a larchd on a fresh directory
.PHONY: benchsmoke
benchsmoke: $(BUILD)/bin/larchd $(BUILD)/bin/larch-bench
	tests/bench/smoke.sh $(BUILD)

unit: $(TESTS)
	@scripts/run-unit.sh $(TESTS)

# tests/sql/*.c -> the SQL conformance runner; `make sqltest` runs every
# tests/sql/*.test (each on a fresh data directory), then the randomized
# differential test against an in-memory model (SQLTEST_SEED, SQLTEST_OPS).
SQLTEST_SRC  := $(wildcard tests/sql/*.c)
SQLTEST      := $(BUILD)/tests/sql/sqltest
SQLTEST_SEED ?= 1
SQLTEST_OPS  ?= 3000
$(SQLTEST): $(SQLTEST_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

.PHONY: sqltest
sqltest: $(SQLTEST)
	$(SQLTEST) $(sort $(wildcard tests/sql/*.test))
	$(SQLTEST) --random $(SQLTEST_SEED) $(SQLTEST_OPS)

compat: build $(COMPAT)
	LARCH_BIN=$(abspath $(BUILD)/bin) LARCH_COMPAT=$(abspath $(BUILD)/tests/compat) \
	  python3 -m pytest -q tests/compat

# libFuzzer targets: clang, sanitizers, the library compiled into each target.
FUZZ_BUILD := build/fuzz
FUZZ_FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude -Isrc \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread
FUZZ_SECONDS ?= 20
fuzz:
	@mkdir -p $(FUZZ_BUILD)
	@set -e; for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang $(FUZZ_FLAGS) $$f $(LIB_SRC) $(wildcard src/tools/common/*.c) $(LIBS) -o $(FUZZ_BUILD)/$$n; \
	  mkdir -p $(FUZZ_BUILD)/corpus-$$n; \
	  seeds=tests/fuzz/seeds/$$n; [ -d $$seeds ] || seeds=; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -timeout=10 \
	    -print_final_stats=0 $(FUZZ_BUILD)/corpus-$$n $$seeds 2>$(FUZZ_BUILD)/$$n.log \
	    || { tail -60 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	  tail -1 $(FUZZ_BUILD)/$$n.log; \
	done

test: deps
	$(MAKE) SAN=1 unit
	$(MAKE) SAN=1 sqltest
	$(MAKE) SAN=1 compat
	$(MAKE) SAN=1 clitest
	$(MAKE) SAN=1 fault FAULT_SECONDS=10
	$(MAKE) SAN=1 benchsmoke
	$(MAKE) build
	$(MAKE) fuzz
	@echo "make test: all suites passed"

run: deps build
	@scripts/run.sh $(BUILD)

# every bench program runs without arguments except tsfile_bench, which
# bench/tsfile_bench.py drives (side by side with the official library)
bench: build $(BENCHES)
	@for b in $(filter-out $(BUILD)/bench/tsfile_bench,$(BENCHES)); do \
	  echo "== $$b"; $$b || exit 1; done
	@echo "== bench/tsfile_bench.py"; BUILD=$(BUILD) python3 bench/tsfile_bench.py
	@echo "== bench/server_bench.sh"; bench/server_bench.sh $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
