# bpf32 — top-level entry points. Every build lives in build/<target>/.
#   make test    install what is missing, build all targets, run every test under qemu
#   make demo    install, build, run the example on every target
#   make build   build all targets
#   make install [TARGET=host] [PREFIX=/usr/local] [DESTDIR=]
TARGETS ?= host arm32 mips32el mips32be mips32r6el
TARGET ?= host
PREFIX ?= /usr/local
JOBS ?= 2

.PHONY: all setup build test demo install clean $(addprefix build-,$(TARGETS)) $(addprefix test-,$(TARGETS))

all: build

setup:
	@scripts/setup.sh

build: setup $(addprefix build-,$(TARGETS))

$(addprefix build-,$(TARGETS)): build-%:
	@cmake --preset $* >/dev/null
	@cmake --build build/$* -j$(JOBS)

test: build
	@scripts/test.sh $(TARGETS)

$(addprefix test-,$(TARGETS)): test-%: setup build-%
	@scripts/test.sh $*

demo: build
	@scripts/demo.sh $(TARGETS)

# The host build is sanitized for testing; installs use an optimised one.
INSTALL_BUILD = $(if $(filter host,$(TARGET)),host-release,$(TARGET))

install: setup
	@cmake --preset $(INSTALL_BUILD) >/dev/null
	@cmake --build build/$(INSTALL_BUILD) -j$(JOBS)
	@cmake --install build/$(INSTALL_BUILD) --prefix $(PREFIX)

clean:
	rm -rf build
