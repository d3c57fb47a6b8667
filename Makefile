# vmexporter / vmimport. The two commands a new user needs: `make demo` and `make test`.
.PHONY: deps build build-bin build-asan test test-unit test-integration test-e2e demo demo-stop bench fuzz format clean

BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DVMX_BUILD_TESTS=OFF

# -g1 (line tables only) in the test tree: all an ASan/UBSan report or a backtrace needs, and it
# spares every compile and link the full debug info (configure with -DCMAKE_CXX_FLAGS_DEBUG=-g
# for a tree to step through in gdb).
$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
	  -DVMX_SANITIZE=ON -DVMX_BUILD_BENCH=OFF

# Release binaries: build/bin/vmexporter and build/bin/vmimport (plus the benchmarks).
build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The release binaries alone: what the browser tests and the demo run (no benchmarks).
build-bin: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target vmexporter vmimport

# The test build: everything with AddressSanitizer and UndefinedBehaviorSanitizer.
build-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

# Unit and integration tests (real victoria-metrics/vmauth started by the tests themselves)
# under ASan/UBSan and, side by side with them, the browser tests. The browser tests run the
# ASan/UBSan binaries of the test build too: a release tree would cost a clean checkout (CI) a
# second full compile (~340 s on 2 cores) for nothing the ASan binaries cannot show, and memory
# errors the browser drives the binaries into are then caught as well (test-e2e, demo and bench
# keep the release tree). Leak checking is off for both, as for any test run here. ctest and the
# browser tests both spend most of their time waiting on the processes they start, so together
# they take little more than the longer of the two. The browser tests' output follows ctest's.
test: build-asan
	@VMX_BIN_DIR=$(CURDIR)/$(BUILD_ASAN)/bin ASAN_OPTIONS=detect_leaks=0 npm run -s test:e2e \
	  > $(BUILD_ASAN)/e2e.log 2>&1 & browser=$$!; \
	(cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j $(JOBS) --timeout 300); \
	unit=$$?; wait $$browser; e2e=$$?; echo "== browser tests ($(BUILD_ASAN)/e2e.log)"; \
	cat $(BUILD_ASAN)/e2e.log; [ $$unit -eq 0 ] && [ $$e2e -eq 0 ]

test-unit: build-asan
	cd $(BUILD_ASAN) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure -j $(JOBS) -L integration

test-e2e: build-bin
	VMX_BIN_DIR=$(CURDIR)/$(BUILD)/bin npm run -s test:e2e

# A local VictoriaMetrics with realistic demo data, and the wizard pointed at it.
demo: build-bin
	scripts/demo.sh

demo-stop:
	scripts/demo.sh stop

bench: build
	bench/export_bench.sh

# libFuzzer targets (clang) in build-fuzz, each run for FUZZ_SECONDS; new corpus entries are
# kept in build-fuzz/corpus/<target>, the seeds live in tests/fuzz/corpus/<target>.
FUZZ_SECONDS ?= 60
BUILD_FUZZ   ?= build-fuzz

fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DVMX_BUILD_FUZZ=ON -DVMX_BUILD_TESTS=OFF -DVMX_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) --target fuzz_targets -j $(JOBS)
	@for t in $(BUILD_FUZZ)/fuzz/*_fuzz; do \
	  name=$$(basename $$t); mkdir -p $(BUILD_FUZZ)/corpus/$$name tests/fuzz/corpus/$$name; \
	  echo "== $$name for $(FUZZ_SECONDS)s"; \
	  dict=; [ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $$dict -artifact_prefix=$(BUILD_FUZZ)/ \
	    $(BUILD_FUZZ)/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz
