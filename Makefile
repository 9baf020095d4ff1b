# bpf32 — top-level entry points. Every build lives in build/<target>/.
#   make test    install what is missing, build all targets, run every test under qemu
#   make test-full   as make test, with every test_bpf record in every JIT configuration
#   make bench   exact guest-instruction benchmarks (after make build), writes bench/results.md
#   make demo    install, build, run the example on every target
#   make build   build all targets
#   make install [TARGET=host] [PREFIX=/usr/local] [DESTDIR=]
#   make difftest [N=100000] [SEED=1] [TARGETS=...]   interpreter vs JIT on generated programs
#   make fuzz [T=all|load|asm|disasm|elf|cbpf|jit] [SECONDS=60]   libFuzzer targets (build/fuzz)
TARGETS ?= host arm32 mips32el mips32be mips32r6el
TARGET ?= host
PREFIX ?= /usr/local
JOBS ?= 2
N ?= 100000
SEED ?= 1
T ?= all
SECONDS ?= 60

.PHONY: all setup build test test-full bench demo install clean difftest fuzz $(addprefix build-,$(TARGETS)) $(addprefix test-,$(TARGETS))

all: build

setup:
	@scripts/setup.sh

build: setup $(addprefix build-,$(TARGETS))

$(addprefix build-,$(TARGETS)): build-%:
	@cmake --preset $* >/dev/null
	@cmake --build build/$* -j$(JOBS)

test: build
	@scripts/test.sh $(TARGETS)
	@scripts/fuzz.sh all 60

test-full: build
	@scripts/test.sh --full $(TARGETS)
	@scripts/fuzz.sh all 60

bench: setup
	@scripts/bench.sh

$(addprefix test-,$(TARGETS)): test-%: setup build-%
	@scripts/test.sh $*

demo: build
	@scripts/demo.sh $(TARGETS)

difftest: setup $(addprefix build-,$(TARGETS))
	@scripts/difftest.sh $(N) $(SEED) $(TARGETS)

fuzz: setup
	@scripts/fuzz.sh $(T) $(SECONDS)

# The host build is sanitized for testing; installs use an optimised one.
INSTALL_BUILD = $(if $(filter host,$(TARGET)),host-release,$(TARGET))

install: setup
	@cmake --preset $(INSTALL_BUILD) >/dev/null
	@cmake --build build/$(INSTALL_BUILD) -j$(JOBS)
	@cmake --install build/$(INSTALL_BUILD) --prefix $(PREFIX)

clean:
	rm -rf build
