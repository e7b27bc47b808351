# pykerla: build the root image, run, test, benchmark. Every target installs what it needs
# on first use (Debian 12, as root) via scripts/setup.sh; stamp files keep later runs fast.
#   make            build/initramfs.cpio.gz (busybox root file system)
#   make run        boot it: an interactive busybox shell (ARGS="-- /bin/sh -c 'echo hi'" to run a command)
#   make test       ruff + the whole pytest suite on both platforms, KVM and Unicorn
#                   (PLATFORM=kvm|unicorn|auto for one; PYTEST_ARGS="-k pipe -x" to narrow it)
#   make bench      microbenchmarks, ratios against native
#   make root-debian build/debian-root.cpio.gz: Debian 12 packages (dash, bash, coreutils, python3...)
#   make ssh-demo   dropbear in a Debian root, published on 127.0.0.1:2222 (ssh -p 2222 root@127.0.0.1);
#                   make ssh-serve: the same, but a fresh kernel for every connection (pykerla serve)
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
PLATFORM ?= all

.PHONY: all setup run test lint bench clean root-debian ssh-demo ssh-serve
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

SSH_ROOT := $(BUILD)/ssh-root
SSH_STAMP := $(BUILD)/.ssh-root.stamp
SSH_KEY := $(BUILD)/ssh-demo-key
SSH_PORT ?= 2222
SSH_LOGIN = ssh -p $(SSH_PORT) -i $(SSH_KEY) -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1

$(SSH_KEY): | $(APT_STAMP)
	@mkdir -p $(@D)
	ssh-keygen -q -t ed25519 -N '' -C pykerla-ssh-demo -f $@

$(SSH_STAMP): $(SSH_KEY) pykerla/ssh_demo.py $(wildcard pykerla/mkroot/*.py) | $(APT_STAMP) $(VENV_STAMP)
	rm -rf $(SSH_ROOT)
	$(PY) -m pykerla.ssh_demo $(SSH_ROOT) --cache $(BUILD)/deb-cache $(addprefix --key ,$(SSH_KEY).pub $(wildcard $(HOME)/.ssh/id_*.pub))
	@touch $@

ssh-demo: $(SSH_STAMP)
	@echo "ssh-demo: log in from another terminal with: $(SSH_LOGIN)"
	$(VENV)/bin/pykerla run --root $(SSH_ROOT) -p $(SSH_PORT):22 -- dropbear -F -E -p 22

ssh-serve: $(SSH_STAMP)
	@echo "ssh-serve: every login gets a fresh kernel: $(SSH_LOGIN)"
	$(VENV)/bin/pykerla serve --port $(SSH_PORT) --root $(SSH_ROOT) --max 4 -- dropbear -F -E -p 22

run: $(IMAGE)
	$(VENV)/bin/pykerla run --root $(IMAGE) $(ARGS)

lint: setup
	$(VENV)/bin/ruff check $(LINT_PATHS)

test: lint $(IMAGE)
	$(VENV)/bin/pytest -q -rs --pykerla-platform $(PLATFORM) $(PYTEST_ARGS)

bench: $(IMAGE)
	$(PY) bench/run.py --platform kvm --platform unicorn

clean:
	rm -rf $(BUILD)
