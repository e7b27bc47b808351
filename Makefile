# pykerla: build the root image, run, test, benchmark. Every target installs what it needs
# on first use (Debian 12, as root) via scripts/setup.sh; stamp files keep later runs fast.
#   make            build/initramfs.cpio.gz (busybox root file system)
#   make run        boot it: an interactive busybox shell (ARGS="-- /bin/sh -c 'echo hi'" to run a command)
#   make test       ruff + the whole pytest suite (PYTEST_ARGS="-k pipe -x" to narrow it)
#   make bench      microbenchmarks, ratios against native
#   make root-debian build/debian-root.cpio.gz: Debian 12 packages (dash, bash, coreutils, python3...)
#   make clean      remove build/ (the venv stays)

VENV := .venv
PY := $(VENV)/bin/python
BUILD := build
IMAGE := $(BUILD)/initramfs.cpio.gz
DEBIAN_ROOT := $(BUILD)/debian-root.cpio.gz
DEBIAN_PACKAGES := dash,bash,coreutils,grep,sed,findutils,perl-base,python3,lua5.4
APT_STAMP := $(BUILD)/.setup-apt.stamp
VENV_STAMP := $(VENV)/.setup.stamp
LINT_PATHS := $(wildcard pykerla tests bench)
ARGS ?=
PYTEST_ARGS ?=

.PHONY: all setup run test lint bench clean root-debian
.DEFAULT_GOAL := all

all: $(IMAGE)

setup: $(APT_STAMP) $(VENV_STAMP)

$(APT_STAMP): scripts/setup.sh
	scripts/setup.sh apt
	@mkdir -p $(@D) && touch $@

$(VENV_STAMP): scripts/setup.sh pyproject.toml | $(APT_STAMP)
	scripts/setup.sh venv
	@touch $@

$(IMAGE): pykerla/image/cpio.py pykerla/image/busybox_root.py $(wildcard /bin/busybox) | $(APT_STAMP) $(VENV_STAMP)
	$(PY) -m pykerla.image.busybox_root $@

root-debian: $(DEBIAN_ROOT)

$(DEBIAN_ROOT): $(wildcard pykerla/mkroot/*.py) | $(APT_STAMP) $(VENV_STAMP)
	$(PY) -m pykerla mkroot --cache $(BUILD)/deb-cache --packages $(DEBIAN_PACKAGES) $@

run: $(IMAGE)
	$(VENV)/bin/pykerla run --root $(IMAGE) $(ARGS)

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)

test: lint $(IMAGE)
	$(VENV)/bin/pytest -q -rs $(PYTEST_ARGS)

bench: $(IMAGE)
	$(PY) bench/run.py --platform kvm --platform unicorn

clean:
	rm -rf $(BUILD)
