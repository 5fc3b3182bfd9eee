# primer — build, test, install.
#
#   make demo        install missing packages, build, run primer's main job (train on the digits)
#   make test        install missing packages, build, run the test suite
#   make sanitize    the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz-smoke  build the libFuzzer targets and run each briefly
#   make bench       benchmarks against NumPy/PyTorch when installed (BENCH_ARGS=--threads 2)
#   make torch-check PyTorch loads models primer trained (the digits MLP and every layer's
#                    example from the registry) and computes the same outputs; primer
#                    imports PyTorch's state dicts and predicts what PyTorch does
#   make install PREFIX=/usr/local DESTDIR=
#   make all         libraries, the primer tool, tests, examples

VERSION := $(shell sed -n 's/^\#define PR_VERSION_STRING "\(.*\)"/\1/p' include/primer/version.h)
MAJOR := $(shell sed -n 's/^\#define PR_VERSION_MAJOR \([0-9]*\)/\1/p' include/primer/version.h)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# One short line per step (as Linux's kbuild: "CC src/nn/model.c"); V=1 shows the
# commands, -s nothing. The build uses every core unless -j is given.
V ?= 0
ifeq ($(V),1)
Q :=
say = @:
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
say = @:
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

BLAS ?= openblas
BUILD ?= $(if $(filter blis,$(BLAS)),build-blis,build)
CC ?= cc
OPT ?= -O3
WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wundef -Wcast-qual -Wnull-dereference -Werror
# The BLAS: OpenBLAS (the default, the faster on primer's products: docs/performance.md,
# bench/bench_blas.c) or BLIS (Debian's libblis-openmp-dev; BLIS_FLAVOUR=pthread for
# libblis-pthread-dev), chosen with make BLAS=openblas|blis; a BLIS build lives in
# build-blis/ unless BUILD says otherwise. Either provides CBLAS; LAPACKE is the C
# interface to Debian's LAPACK, which stays OpenBLAS's.
ifeq ($(BLAS),openblas)
BLAS_LIBS ?= -lopenblas
else ifeq ($(BLAS),blis)
BLIS_FLAVOUR ?= openmp
BLIS_DIR ?= /usr/lib/x86_64-linux-gnu/blis-$(BLIS_FLAVOUR)
BLIS_INCLUDE ?= /usr/include/x86_64-linux-gnu/blis-$(BLIS_FLAVOUR)
BLAS_CFLAGS := -isystem $(BLIS_INCLUDE) -DPRIMER_BLIS
BLAS_LIBS ?= -L$(BLIS_DIR) -l:libblis.so.4 -Wl,-rpath,$(BLIS_DIR)
else
$(error BLAS=$(BLAS): choose BLAS=openblas or BLAS=blis)
endif
CPPFLAGS_ALL := -D_XOPEN_SOURCE=700 -I. -Iinclude -Isrc $(BLAS_CFLAGS) $(CPPFLAGS)
# -fno-math-errno, -fno-trapping-math: primer never reads errno after libm calls nor
# enables floating-point traps; without them sqrt and compare-and-select loops (ReLU)
# do not vectorise.
CFLAGS_ALL := -std=c11 $(OPT) -g -fPIC -fno-math-errno -fno-trapping-math $(WARNINGS) $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)
LAPACK_LIBS ?= -llapacke
# zlib reads gzip-compressed IDX files (Fashion-MNIST ships as .gz).
LIBS := $(LAPACK_LIBS) $(BLAS_LIBS) -lz -lm
TEST_LIBS := -lcriterion
# OpenMPI for data-parallel training (mpirun -np K primer train): only the tool's
# cli/parallel.c uses it, the library never does. Built in when mpicc is found;
# MPI=0 leaves it out, MPI=1 requires it.
MPI ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
ifeq ($(MPI),1)
MPI_CFLAGS := $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile)) -DPRIMER_MPI
MPI_LIBS := $(shell mpicc --showme:link)
endif

LIB_SRC := $(sort $(wildcard src/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c) $(wildcard examples/book/*.c))
TEST_SRC := $(sort $(filter-out tests/standalone/%,$(wildcard tests/*.c tests/*/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
# Tests find fixtures under the source tree and the binaries of their own build.
$(TEST_OBJ): CPPFLAGS_ALL += -Itests -DPR_SOURCE_ROOT=\"$(CURDIR)\"
HEADERS := $(wildcard include/*.h include/primer/*.h src/*/*.h src/*/*.inc cli/*.h examples/book/*.h tests/*.h)

STATIC_LIB := $(BUILD)/libprimer.a
SONAME := libprimer.so.$(MAJOR)
SHARED_LIB := $(BUILD)/libprimer.so.$(VERSION)
PRIMER := $(BUILD)/primer
TESTS := $(BUILD)/primer-tests
QUICKSTART := $(BUILD)/examples/quickstart
CONCURRENCY_CHECK := $(BUILD)/concurrency-check
PROGRAM_CC := $(BUILD)/program-cc

TEST_JOBS ?= 2

.PHONY: FORCE all lib demo test check sanitize tsan fuzz fuzz-smoke install uninstall clean deps \
        _demo _test _sanitize bench torch-check install-check

all: lib $(PRIMER) $(TESTS) $(QUICKSTART) $(PROGRAM_CC) $(CONCURRENCY_CHECK)
lib: $(STATIC_LIB) $(SHARED_LIB)

deps:
	@scripts/install-deps.sh $(if $(filter blis,$(BLAS)),--blis-$(BLIS_FLAVOUR))

# The README's two commands: each installs what is missing, then builds and runs.
demo: deps
	@$(MAKE) --no-print-directory _demo
_demo: $(PRIMER)
	./$(PRIMER) train --out $(BUILD)/demo/digits.safetensors

test: deps
	@$(MAKE) --no-print-directory _test
_test: $(PRIMER) $(TESTS) $(QUICKSTART) $(PROGRAM_CC) $(CONCURRENCY_CHECK)
	PRIMER_TEST_ROOT=$(CURDIR) PRIMER_BUILD_DIR=$(CURDIR)/$(BUILD) ./$(TESTS) --jobs $(TEST_JOBS)
check: test

# The whole suite built and run with ASan + UBSan. Any sanitizer report fails the
# run: Criterion records a test's result before its worker exits, so a leak found
# by LeakSanitizer at exit is caught here, from the output (scripts/sanitizer-reports.sh;
# it sets aside only a leak whose whole stack is Criterion's own runner).
SANITIZE_BUILD := build-sanitize
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=$(SANITIZE_BUILD) OPT=-O1 MPI=0 \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" _sanitize
_sanitize: $(PRIMER) $(TESTS) $(QUICKSTART) $(PROGRAM_CC) $(CONCURRENCY_CHECK)
	@PRIMER_TEST_ROOT=$(CURDIR) PRIMER_BUILD_DIR=$(CURDIR)/$(BUILD) ./$(TESTS) --jobs $(TEST_JOBS) \
	  > $(BUILD)/sanitize.log 2>&1; status=$$?; cat $(BUILD)/sanitize.log; \
	scripts/sanitizer-reports.sh $(BUILD)/sanitize.log $$status

# The library and the thread check built with clang's ThreadSanitizer and run (OpenBLAS,
# not instrumented, single-threaded so that its own spin-waits cannot hide an order
# between primer's threads). Criterion's runner does not run under TSan, hence a
# program of its own (docs/reliability.md).
TSAN_BUILD := build-tsan
tsan: deps
	@scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CC=clang OPT=-O1 MPI=0 SANFLAGS=-fsanitize=thread \
	  $(TSAN_BUILD)/concurrency-check
	OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(TSAN_BUILD)/concurrency-check

# The digits data set, compiled in: data/digits.csv.gz -> a C array (checked row by row).
GEN := $(BUILD)/gen
DIGITS_INC := $(GEN)/digits_data.inc
$(DIGITS_INC): data/digits.csv.gz scripts/embed-digits.sh
	@mkdir -p $(GEN)
	scripts/embed-digits.sh data/digits.csv.gz > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/src/data/digits.o: $(DIGITS_INC)
$(BUILD)/obj/src/data/digits.o: CPPFLAGS_ALL += -I$(GEN)

# Rewritten only when the set of sources changes, so a deleted file forces a relink.
OBJECT_LIST := $(BUILD)/objects.list
$(OBJECT_LIST): FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIB_OBJ) $(CLI_OBJ) $(TEST_OBJ)' | cmp -s - $@ || echo '$(LIB_OBJ) $(CLI_OBJ) $(TEST_OBJ)' > $@
FORCE:

# Rebuilt when MPI is switched on or off.
MPI_STAMP := $(BUILD)/mpi.flag
$(MPI_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(MPI)' | cmp -s - $@ || echo '$(MPI)' > $@
$(BUILD)/obj/cli/parallel.o: CPPFLAGS_ALL += $(MPI_CFLAGS)
$(BUILD)/obj/cli/parallel.o: $(MPI_STAMP)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(STATIC_LIB): $(LIB_OBJ) $(OBJECT_LIST)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $(LIB_OBJ)

$(SHARED_LIB): $(LIB_OBJ) $(OBJECT_LIST) src/libprimer.map
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libprimer.map $(LDFLAGS_ALL) -o $@ $(LIB_OBJ) $(LIBS)
	$(Q)ln -sf libprimer.so.$(VERSION) $(BUILD)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(BUILD)/libprimer.so

# The tool and the tests link the static library: they run from the build tree.
$(PRIMER): $(CLI_OBJ) $(STATIC_LIB) $(OBJECT_LIST)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(STATIC_LIB) $(LIBS) $(MPI_LIBS)

TEST_LINK := $(TEST_OBJ) $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ)) $(STATIC_LIB)
$(TESTS): $(TEST_LINK) $(OBJECT_LIST)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(TEST_LINK) $(LIBS) $(TEST_LIBS) $(MPI_LIBS)

# A program using primer, built against the shared library exactly as a user would
# build it against an installed primer: the README's quick-start program, and (the
# command in $(PROGRAM_CC), for tests/cli/test_readme_cli.c) every C block of the README.
PROGRAM_CFLAGS := -std=c11 -Wall -Wextra -Werror $(SANFLAGS) -I$(CURDIR)/include
PROGRAM_LIBS := -L$(CURDIR)/$(BUILD) -lprimer -Wl,-rpath,$(CURDIR)/$(BUILD)
$(QUICKSTART): examples/quickstart.c $(SHARED_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(PROGRAM_CFLAGS) -o $@ $< $(PROGRAM_LIBS)
# Threads without hidden state (tests/standalone/concurrency_check.c): run by the
# suite, and under ThreadSanitizer by make tsan.
$(CONCURRENCY_CHECK): tests/standalone/concurrency_check.c $(STATIC_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $(CPPFLAGS_ALL) -o $@ $< $(STATIC_LIB) $(LIBS) -lpthread
$(PROGRAM_CC): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n%s\n' '$(CC) $(PROGRAM_CFLAGS)' '$(PROGRAM_LIBS)' | cmp -s - $@ || \
	  printf '%s\n%s\n' '$(CC) $(PROGRAM_CFLAGS)' '$(PROGRAM_LIBS)' > $@

# ---- fuzzing (clang's libFuzzer) ----------------------------------------------
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=c11 -g -O1 -D_XOPEN_SOURCE=700 -Iinclude -Isrc $(BLAS_CFLAGS) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(BUILD)/fuzz/fuzz_csv $(BUILD)/fuzz/fuzz_npy $(BUILD)/fuzz/fuzz_safetensors $(BUILD)/fuzz/fuzz_spec \
                $(BUILD)/fuzz/fuzz_estimator $(BUILD)/fuzz/fuzz_idx $(BUILD)/fuzz/fuzz_text \
                $(BUILD)/fuzz/fuzz_reducer $(BUILD)/fuzz/fuzz_npz $(BUILD)/fuzz/fuzz_encoding \
                $(BUILD)/fuzz/fuzz_model

fuzz: $(FUZZ_TARGETS)
$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRC) $(HEADERS) $(DIGITS_INC)
	@scripts/install-deps.sh --fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(GEN) -o $@ $< $(LIB_SRC) $(LIBS)

# Each target runs FUZZ_SECONDS from its committed seed corpus; a crash fails the run
# and leaves the reproducer in $(BUILD)/fuzz/ (turn it into a regression test).
fuzz-smoke: $(FUZZ_TARGETS)
	@for t in csv npy safetensors spec estimator idx text reducer npz encoding model; do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  dict=""; [ -f fuzz/$$t.dict ] && dict="-dict=fuzz/$$t.dict"; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 $$dict \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$t- -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus-$$t fuzz/corpus/$$t > $(BUILD)/fuzz/$$t.log 2>&1; status=$$?; \
	  grep -E "^Done|stat::number_of_executed_units" $(BUILD)/fuzz/$$t.log; \
	  if [ $$status -ne 0 ]; then tail -n 40 $(BUILD)/fuzz/$$t.log; \
	    echo "fuzz: $$t failed (reproducer: $(BUILD)/fuzz/crash-$$t-*)"; exit 1; fi; \
	done

# ---- the PyTorch check: PyTorch loads a model file primer trained, and agrees ----
TORCH_CHECK := $(BUILD)/torch-check
# A CNN with batch norm, a residual block whose shortcut is a projection, pooling and
# global average pooling, trained on the digits as 8x8 images.
CNN_BLOCK := res[conv:16:3:2:1:nobias,batchnorm,relu,conv:16:3:1:1:nobias,batchnorm]
TORCH_CHECK_CNN := reshape:1:8:8,conv:8:3:1:1:nobias,batchnorm,relu,maxpool:3:1:1,$(CNN_BLOCK),relu,avgpool:2,global_avgpool
torch-check: $(PRIMER)
	@scripts/install-deps.sh --peers
	@mkdir -p $(TORCH_CHECK)
	./$(PRIMER) data digits --write $(TORCH_CHECK)/digits.csv
	./$(PRIMER) train --quiet --epochs 3 --model dense:32,batchnorm,relu,dropout:0.1,res[dense:32,tanh],layernorm \
	  --out $(TORCH_CHECK)/model.safetensors
	./$(PRIMER) predict --model $(TORCH_CHECK)/model.safetensors --data $(TORCH_CHECK)/digits.csv \
	  --out $(TORCH_CHECK)/predictions.csv
	./$(PRIMER) layers --json > $(TORCH_CHECK)/layers.json
	/usr/bin/python3 scripts/torch_check_model.py $(TORCH_CHECK)/model.safetensors --layers $(TORCH_CHECK)/layers.json \
	  --data $(TORCH_CHECK)/digits.csv --predictions $(TORCH_CHECK)/predictions.csv
	./$(PRIMER) train --quiet --epochs 2 --model $(TORCH_CHECK_CNN) --out $(TORCH_CHECK)/cnn.safetensors
	./$(PRIMER) predict --model $(TORCH_CHECK)/cnn.safetensors --data $(TORCH_CHECK)/digits.csv \
	  --out $(TORCH_CHECK)/cnn-predictions.csv
	/usr/bin/python3 scripts/torch_check_model.py $(TORCH_CHECK)/cnn.safetensors --layers $(TORCH_CHECK)/layers.json \
	  --data $(TORCH_CHECK)/digits.csv --predictions $(TORCH_CHECK)/cnn-predictions.csv
	/usr/bin/python3 scripts/torch_check_model.py --examples --layers $(TORCH_CHECK)/layers.json --primer ./$(PRIMER) \
	  --dir $(TORCH_CHECK)/examples
	@# the other way: PyTorch's state dicts (safetensors and .npz) through primer import
	/usr/bin/python3 scripts/torch_check_import.py --primer ./$(PRIMER) --dir $(TORCH_CHECK)/import
	@# language models: an LSTM and a small GPT trained on this Makefile's text; PyTorch
	@# computes the next-token probabilities primer predicts at every position
	@/usr/bin/python3 -c "import random; r = random.Random(1); print(','.join('x%d' % i for i in range(32))); \
	  [print(','.join(str(r.randrange(30)) for _ in range(32))) for _ in range(8)]" > $(TORCH_CHECK)/tokens.csv
	for lm in lstm-lm:48:2:16 gpt:2:32:4; do \
	  ./$(PRIMER) train --quiet --task lm --text Makefile --context 32 --epochs 1 --model $$lm \
	    --out $(TORCH_CHECK)/lm.safetensors && \
	  ./$(PRIMER) predict --model $(TORCH_CHECK)/lm.safetensors --data $(TORCH_CHECK)/tokens.csv \
	    --out $(TORCH_CHECK)/lm-predictions.csv && \
	  /usr/bin/python3 scripts/torch_check_model.py $(TORCH_CHECK)/lm.safetensors --layers $(TORCH_CHECK)/layers.json \
	    --data $(TORCH_CHECK)/tokens.csv --predictions $(TORCH_CHECK)/lm-predictions.csv || exit 1; \
	done

# ---- benchmarks ------------------------------------------------------------------
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
bench: $(BENCH_BIN)
	@for b in $(BENCH_BIN); do PRIMER_BENCH_DIR=$(CURDIR)/bench ./$$b $(BENCH_ARGS) || exit 1; done
# bench_blas loads both BLAS libraries itself (dlopen) and links neither, nor primer.
$(BUILD)/bench/bench_blas: bench/bench_blas.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< -ldl -lm
$(BUILD)/bench/%: bench/%.c bench/bench.h $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(STATIC_LIB) $(LIBS)

# ---- install -----------------------------------------------------------------------
# The pkg-config file is written at install time, for this PREFIX, with paths relative
# to ${prefix} (pkg-config --define-prefix relocates it) and no rpath; the libraries
# primer links go in Requires.private (zlib's .pc) and Libs.private, so that
# pkg-config --static gives a static link everything it needs.
prefixed = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_REQUIRES_PRIVATE := zlib
# (in link order: OpenBLAS's and LAPACK's own .pc files put -lgfortran after -lquadmath,
# which a static link cannot resolve)
PC_LIBS_PRIVATE := -llapacke -llapack $(if $(filter blis,$(BLAS)),-L$(BLIS_DIR) -lblis,-lopenblas) -lgfortran \
  -lquadmath -lpthread -lm
MANDIR ?= $(PREFIX)/share/man
MAN_PAGE := $(BUILD)/primer.1
# The manual page is the tool's own help texts (primer help --man), so they cannot drift.
$(MAN_PAGE): $(PRIMER)
	./$(PRIMER) help --man > $@.tmp && mv $@.tmp $@
install: lib $(PRIMER) $(MAN_PAGE)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/primer \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 include/primer.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/primer/*.h $(DESTDIR)$(INCLUDEDIR)/primer/
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libprimer.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libprimer.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call prefixed,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call prefixed,$(INCLUDEDIR))|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES_PRIVATE)|' -e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|' \
	    primer.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/primer.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/primer.pc
	install -m 755 $(PRIMER) $(DESTDIR)$(BINDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Install into a scratch prefix and check it as a user would (CI runs it).
install-check: lib $(PRIMER) $(MAN_PAGE)
	@scripts/install-check.sh "$(MAKE)" "$(CC)"

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/primer.h $(DESTDIR)$(LIBDIR)/libprimer.a \
	  $(DESTDIR)$(LIBDIR)/libprimer.so* $(DESTDIR)$(PKGCONFIGDIR)/primer.pc $(DESTDIR)$(BINDIR)/primer \
	  $(DESTDIR)$(MANDIR)/man1/primer.1
	rm -rf $(DESTDIR)$(INCLUDEDIR)/primer

clean:
	rm -rf build build-sanitize
