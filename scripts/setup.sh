#!/usr/bin/env bash
# Install what pykerla needs to build, run and test, on Debian 12 as root. Idempotent: each
# phase checks first and does nothing when everything is already there.
#   scripts/setup.sh apt    Debian packages (compiler, static busybox, musl, strace, python venv)
#   scripts/setup.sh venv   .venv with the pinned test tools and pykerla installed editable
#   scripts/setup.sh        both
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(make build-essential gcc libc6-dev busybox-static cpio strace musl-tools
              python3 python3-venv mount util-linux openssh-client)
VENV=.venv
MIN_PYTHON=(3 11)

log() { echo "setup: $*" >&2; }

setup_apt() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return
    fi
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { log "need root to install: ${missing[*]}"; exit 1; }
        sudo=(sudo)
    fi
    log "installing Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

python_ok() {  # usable interpreter: new enough and able to create venvs
    "$1" -c "import sys, venv, ensurepip; sys.exit(sys.version_info < (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}))" \
        2>/dev/null
}

setup_venv() {
    if ! { [[ -x $VENV/bin/python ]] && python_ok "$VENV/bin/python"; }; then
        local python=${PYTHON:-}
        if [[ -z $python ]]; then
            for python in /usr/bin/python3 python3; do
                python_ok "$python" && break
            done
        fi
        python_ok "$python" || { log "no Python >= ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} with venv found"; exit 1; }
        log "creating $VENV with $python"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    log "installing pykerla (editable) and the test tools into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
}

case "${1:-all}" in
    apt) setup_apt ;;
    venv) setup_venv ;;
    all) setup_apt; setup_venv ;;
    *) echo "usage: $0 [apt|venv|all]" >&2; exit 2 ;;
esac
