# The lab tests' guest script (tests/test_lab.py boots the guest once with it, media=4,
# a jukebox and the guest's sshd forwarded to the host).
# Runs chrooted into the host's / with the repository as working directory. Each step
# leaves $LAB_OUT/NAME.out (stdout), NAME.err (stderr), NAME.rc and NAME.time (seconds);
# the tests assert on those files afterwards.
# Needs $LAB_DIR/payload (burned to /dev/sr0) and $LAB_DIR/payload2 (burned to /dev/sr1
# from the TUI); $LAB_DIR/boot.iso (a bootable image, written to /dev/sr2) and
# $LAB_DIR/damaged-src.iso with $LAB_DIR/damaged.table (a device-mapper table over the
# loop device LOOP with an error segment) are used when they are there. With /dev/sr3, the
# first recorder's medium is swapped for a blank and one burn goes to /dev/sr0 and /dev/sr3.
PY=${LAB_PY:-$LAB_REPO/.venv/bin/python}
# This checkout's code, whichever venv's python runs it: the repository folder first.
export PYTHONPATH="$LAB_REPO${PYTHONPATH:+:$PYTHONPATH}"
now() { cut -d' ' -f1 /proc/uptime; }
step() {
    name=$1
    shift
    t0=$(now)
    echo "== $name: $*"
    "$@" > "$LAB_OUT/$name.out" 2> "$LAB_OUT/$name.err"
    rc=$?
    echo $rc > "$LAB_OUT/$name.rc"
    awk "BEGIN{printf \"%.2f\n\", $(now)-$t0}" > "$LAB_OUT/$name.time"
    echo "   rc=$rc in $(cat "$LAB_OUT/$name.time") s"
}
keep_journals() {   # the engine's journals hold xorriso's own words: keep them in $LAB_OUT/$1
    mkdir -p "$LAB_OUT/$1"
    cp "$XDG_STATE_HOME"/discdeck/journal/*.log "$LAB_OUT/$1/" 2>/dev/null
    rm -f "$XDG_STATE_HOME"/discdeck/journal/*.log
}

step which-app $PY -c 'import app, sys; print(app.__file__); print(sys.executable)'
step info-blank $PY -m app info --dev /dev/sr0 --json
step toc-blank xorriso -pkt_output on -outdev /dev/sr0 -toc
step burn $PY -m app burn --dev /dev/sr0 --close --json "$LAB_DIR/payload"
keep_journals journal
step toc-closed xorriso -pkt_output on -outdev /dev/sr0 -toc
step toc-closed-indev xorriso -indev /dev/sr0 -toc -pvd_info
# One interpreter for several commands (lab/steps.py): each Python start costs seconds.
$PY lab/steps.py info-closed info --dev /dev/sr0 --json \
    :: info-closed-text info --dev /dev/sr0 \
    :: check check --dev /dev/sr0 \
    :: burn-again burn --dev /dev/sr0 --json "$LAB_DIR/payload"
keep_journals journal-again

# An image someone else made, written to a blank DVD+R (-as cdrecord), compared with it
# (by the write, then by verify), and read back to an image.
IMG=$LAB_DIR/boot.iso
if [ -e /dev/sr2 ] && [ -e "$IMG" ]; then
    step write $PY -m app write --dev /dev/sr2 --json "$IMG"
    keep_journals journal-write
    step blockdev-written blockdev --getsize64 /dev/sr2
    step boot-report xorriso -indev /dev/sr2 -report_el_torito plain -report_system_area plain
    $PY lab/steps.py verify verify --dev /dev/sr2 --json "$IMG" \
        :: read-back read --dev /dev/sr2 --json "$LAB_OUT/readback.iso"
    step cmp-read-back cmp -n "$(stat -c %s "$IMG")" "$IMG" "$LAB_OUT/readback.iso"
    keep_journals journal-read-back
fi

# Two blanks for one burn to both at once (below): the first recorder's closed medium is
# swapped for a fresh blank now, so it is ready by the time the burn starts.
if [ -e /dev/sr3 ] && [ -z "${LAB_NO_BOTH:-}" ]; then
    lab_host swap 1 > "$LAB_OUT/both-swap.txt"
fi

# A medium with unreadable blocks: a device-mapper error segment over a loop device holding
# an ISO (real EIO from the kernel), read twice into one image.
if [ -e "$LAB_DIR/damaged-src.iso" ] && [ -e "$LAB_DIR/damaged.table" ]; then
    LOOP=$(losetup -r -f --show "$LAB_DIR/damaged-src.iso")
    sed "s#LOOP#$LOOP#g" "$LAB_DIR/damaged.table" > /tmp/damaged.table
    step dmsetup dmsetup create --noudevsync lab-damaged /tmp/damaged.table
    dmsetup mknodes
    step dd-damaged dd if=/dev/mapper/lab-damaged of=/tmp/dd-damaged.img bs=2048 conv=noerror,sync
    DMG=stdio:/dev/mapper/lab-damaged
    $PY lab/steps.py read-damaged read --dev $DMG --json "$LAB_OUT/damaged.iso" \
        :: read-damaged-again read --dev $DMG --json "$LAB_OUT/damaged.iso" \
        :: scan-damaged scan --dev $DMG --retry --json \
        :: health-damaged catalog health --json
    keep_journals journal-damaged
    dmsetup remove lab-damaged
    losetup -d "$LOOP"
fi

# One burn to two drives at once (app/cli/multi.py): the session image built once, written
# to each with the image path and compared with it; where tgtd keeps each disc, for the host.
if [ -e /dev/sr3 ] && [ -e "$LAB_OUT/both-swap.txt" ]; then
    i=0
    while [ $i -lt 20 ] && ! xorriso -outdev /dev/sr0 -toc 2>&1 | grep -q "is blank"; do
        sleep 0.5
        i=$((i + 1))
    done
    step burn-both $PY -m app burn --dev /dev/sr0 --dev /dev/sr3 --close --json "$LAB_DIR/payload"
    keep_journals journal-both
    lab_host show 1 > "$LAB_OUT/both-lun1.txt"
    lab_host show 4 > "$LAB_OUT/both-lun4.txt"
fi

# The TUI under tmux at 80x24, burning payload2 to the second blank recorder.
if [ -e /dev/sr1 ] && [ -z "${LAB_NO_TUI:-}" ]; then
    T="tmux -f /dev/null -S /tmp/lab-tmux.sock"
    TUI="$LAB_OUT/tui"
    mkdir -p "$TUI"
    t0=$(now)
    $T new-session -d -s lab -x 80 -y 24 \
        "$PY -m app --dev /dev/sr1 --add $LAB_DIR/payload2; echo TUI-EXIT \$?; sleep 600"
    cap() { $T capture-pane -p -t lab > "$TUI/$1.txt" 2>/dev/null; }
    wait_for() {   # wait_for PATTERN SECONDS NAME: poll the screen until PATTERN shows
        i=0
        while [ $i -lt $(($2 * 2)) ]; do
            cap "$3"
            grep -q -- "$1" "$TUI/$3.txt" && return 0
            sleep 0.5
            i=$((i + 1))
        done
        return 1
    }
    wait_for "blank" 60 main && echo "   TUI main screen at $(now)"
    sleep 1
    $T send-keys -t lab b
    wait_for "Burn this session" 60 confirm && echo "   TUI confirm at $(now)"
    $T send-keys -t lab y
    n=0
    while [ $n -lt 200 ]; do   # every 0.5 s until the verdict shows (about 2 min at most)
        n=$((n + 1))
        cap "$(printf 'burn-%03d' $n)"
        grep -q -E "TUI-EXIT|[Ff]inished|[Ff]ailed|every file matches|Cancelled" \
            "$TUI/$(printf 'burn-%03d' $n).txt" && break
        sleep 0.5
    done
    sleep 2
    cap final
    $T send-keys -t lab Enter
    sleep 1
    $T send-keys -t lab q
    sleep 2
    cap after-quit
    $T kill-server 2>/dev/null
    awk "BEGIN{printf \"%.2f\n\", $(now)-$t0}" > "$LAB_OUT/tui.time"
    echo "== tui: $n captures in $(cat "$LAB_OUT/tui.time") s"
    keep_journals journal-tui
fi
# The jukebox, a media swap, UDF and a drive that goes away (lab/scenario-jukebox.sh).
if [ -z "${LAB_NO_JUKEBOX:-}" ]; then
    . "$LAB_REPO/lab/scenario-jukebox.sh"
fi
# The guest's sshd, and the host's discdeck burning /dev/sr3 over ssh (lab/scenario-ssh.sh).
. "$LAB_REPO/lab/scenario-ssh.sh"
echo "== scenario done"
