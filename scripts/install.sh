#!/usr/bin/env bash
# Install what discdeck needs on a Debian-like machine: xorriso, mtx and dvdisaster (apt-get, only when
# missing), a virtual environment in .venv, and discdeck itself. With --test also the
# test tools (pytest, snapshot plugin, bsdtar as an independent ISO reader, mkudffs for a
# UDF-only image, genisoimage and isoinfo as another ISO writer and reader). Quiet on
# success: one line at the end; errors still show.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

apt_packages=()
command -v xorriso >/dev/null 2>&1 || apt_packages+=(xorriso)
command -v dvdisaster >/dev/null 2>&1 || apt_packages+=(dvdisaster)  # error correction of sets
command -v mtx >/dev/null 2>&1 || [ -x /usr/sbin/mtx ] || apt_packages+=(mtx)  # jukeboxes
if [ "$want_tests" -eq 1 ]; then
    command -v bsdtar >/dev/null 2>&1 || apt_packages+=(libarchive-tools)
    command -v mkudffs >/dev/null 2>&1 || [ -x /usr/sbin/mkudffs ] || apt_packages+=(udftools)
    command -v genisoimage >/dev/null 2>&1 || apt_packages+=(genisoimage)
    # the remote-drive tests start a private sshd on 127.0.0.1 (and need ssh itself)
    [ -x /usr/sbin/sshd ] || apt_packages+=(openssh-server)
    command -v ssh >/dev/null 2>&1 || apt_packages+=(openssh-client)
fi
python_bin=${PYTHON:-python3}
"$python_bin" -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_packages+=(python3-venv)

# apt-get waits for a held lock itself too (the timeout), for one taken after our wait.
apt_get() {
    local holders
    if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -qq -o DPkg::Lock::Timeout=120 "$@"; then
        holders=$(lock_holders "${apt_lock_files[@]}" | paste -sd, - | sed 's/,/, /g')
        echo "discdeck: apt-get $1 failed${holders:+ (the package manager lock is held by $holders)}" >&2
        exit 1
    fi
}

if [ "${#apt_packages[@]}" -gt 0 ]; then
    echo "discdeck: installing ${apt_packages[*]} with apt-get" >&2
    # shellcheck source=scripts/apt-lock.sh
    . scripts/apt-lock.sh
    wait_for_apt_locks || exit 1
    apt_get update
    apt_get install -y "${apt_packages[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [ "$want_tests" -eq 1 ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
else
    .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
# The path in full: run from another folder, the README's `.venv/bin/discdeck` is not found.
echo "discdeck: installed ($(xorriso -version 2>/dev/null | sed -n 's/^xorriso version *: *//p' | head -1 | sed 's/^/xorriso /')); start it with $PWD/.venv/bin/discdeck" >&2
