# The apt/dpkg locks: who holds them, and waiting a bounded time for them to be free.
# Sourced by scripts/install.sh (and by tests/test_install.py, with files of its own).
# An unattended upgrade often holds them for minutes: failing at once with apt-get's
# "Could not get lock" would leave the user guessing; naming the holder says what to wait for.

apt_lock_files=(
    /var/lib/dpkg/lock-frontend
    /var/lib/dpkg/lock
    /var/lib/apt/lists/lock
    /var/cache/apt/archives/lock
)

# "PID (NAME)" of every process holding a lock on one of the files, one per line. Read from
# /proc/locks, which needs no root (a holder's /proc/PID/fd, which fuser reads, does).
lock_holders() {
    local file dev key
    for file in "$@"; do
        [ -e "$file" ] || continue
        dev=$((16#$(stat -Lc %D "$file"))) || continue
        key=$(printf '%02x:%02x:%s' $(((dev >> 8) & 0xfff)) $(((dev & 0xff) | ((dev >> 12) & 0xfff00))) \
            "$(stat -Lc %i "$file")")
        awk -v key="$key" '$2 != "->" && $6 == key { print $5 }' /proc/locks
    done | sort -un | while read -r pid; do
        [ "$pid" -gt 0 ] 2>/dev/null || continue
        echo "$pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo unknown))"
    done
}

# Wait up to APT_LOCK_WAIT seconds (default 120) while a lock on one of the files (default:
# apt's and dpkg's) is held; say once who holds it, and fail naming it if it stays held.
wait_for_apt_locks() {
    local limit=${APT_LOCK_WAIT:-120} waited=0 holders
    [ "$#" -gt 0 ] || set -- "${apt_lock_files[@]}"
    holders=$(lock_holders "$@" | paste -sd, - | sed 's/,/, /g')
    [ -n "$holders" ] || return 0
    echo "discdeck: waiting up to ${limit} s for the package manager lock, held by $holders" >&2
    while [ "$waited" -lt "$limit" ]; do
        sleep 1
        waited=$((waited + 1))
        holders=$(lock_holders "$@" | paste -sd, - | sed 's/,/, /g')
        [ -n "$holders" ] || return 0
    done
    echo "discdeck: the package manager lock is still held by $holders after ${limit} s:" \
        "let it finish (or stop it), then run scripts/install.sh again" >&2
    return 1
}
