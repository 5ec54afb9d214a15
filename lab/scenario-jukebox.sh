# Sourced by lab/scenario.sh (step, keep_journals, PY and now are its own) after the TUI
# step, when the guest has a jukebox (lab/host.py): its changer and drive, then a media
# swap timed, the UDF driver on a formatted image, and last a recorder removed mid-burn.

CH=
JD=
for d in /sys/class/scsi_generic/sg*; do
    [ "$(cat "$d/device/type")" = 8 ] && CH=/dev/${d##*/}
    [ "$(cat "$d/device/vendor")" = STGT_DVD ] && JD=/dev/$(ls "$d/device/block")
done
if [ -n "$CH" ] && [ -n "$JD" ]; then
    echo "$CH" > "$LAB_OUT/changer.dev"
    echo "$JD" > "$LAB_OUT/jukebox-drive.dev"
    step mtx-status mtx -f "$CH" status
    step mtx-load mtx -f "$CH" load 2 0
    step mtx-status-loaded mtx -f "$CH" status
    step mtx-load-full mtx -f "$CH" load 3 0
    step mtx-unload mtx -f "$CH" unload 2 0
    step mtx-unload-empty mtx -f "$CH" unload 2 0
    step mtx-load-empty-slot mtx -f "$CH" load 7 0
    # What the emptied drive answers xorriso (it is empty: the changer holds slot 2 again).
    step toc-after-unload xorriso -pkt_output on -outdev "$JD" -toc
    $PY lab/steps.py changer-status changer status --json \
        :: changer-load changer load 1 --dev "$JD" \
        :: changer-status-text changer status \
        :: changer-unload changer unload
    step jukebox-copies $PY -m app burn --dev "$JD" --changer "$CH" --copies 3 --close --json \
        "$LAB_DIR/payload"
    keep_journals journal-jukebox
    step mtx-status-after mtx -f "$CH" status
fi

# A media swap on the first recorder (closed by the burn above): offline, a fresh blank
# backing store, online; timed until discdeck reads the new blank medium.
if [ -e /dev/sr0 ]; then
    step swap-toc $PY lab/swap_toc.py /dev/sr0 1
fi

# The kernel's udf driver: an image formatted by discdeck, mounted read-write, written,
# mounted again and read back; udfinfo reads it too.
if [ -e "$LAB_DIR/payload/random.bin" ]; then
    IMG=$LAB_DIR/udf.img
    truncate -s 48M "$IMG"
    step udf-format $PY -m app format --udf --dev "stdio:$IMG" --label LAB_UDF --yes --json
    LOOP=$(losetup -f --show "$IMG")
    mkdir -p /tmp/udf
    step udf-mount mount -t udf -o rw "$LOOP" /tmp/udf
    step udf-mounted grep " /tmp/udf " /proc/mounts
    step udf-write cp "$LAB_DIR/payload/random.bin" /tmp/udf/random.bin
    step udf-umount umount /tmp/udf
    step udf-mount-again mount -t udf -o rw "$LOOP" /tmp/udf
    step udf-compare cmp "$LAB_DIR/payload/random.bin" /tmp/udf/random.bin
    umount /tmp/udf
    losetup -d "$LOOP"
    step udfinfo udfinfo "$IMG"
fi

# A recorder removed in the middle of a burn: once the writing has begun, the host
# deletes the first recorder's LUN (blank again after the swap).
if [ -e /dev/sr0 ] && [ -e "$LAB_DIR/payload2" ]; then
    t0=$(now)
    echo "== gone: burn to /dev/sr0, its LUN deleted mid-burn"
    $PY -m app burn --dev /dev/sr0 --close --json "$LAB_DIR/payload2" \
        > "$LAB_OUT/gone.out" 2> "$LAB_OUT/gone.err" &
    pid=$!
    i=0
    while [ $i -lt 1200 ] && ! grep -q '"phase": "writing"' "$LAB_OUT/gone.out"; do
        sleep 0.1
        i=$((i + 1))
    done
    lab_host delete 1 > "$LAB_OUT/gone-host.txt"
    wait $pid
    echo $? > "$LAB_OUT/gone.rc"
    awk "BEGIN{printf \"%.2f\n\", $(now)-$t0}" > "$LAB_OUT/gone.time"
    echo "   rc=$(cat "$LAB_OUT/gone.rc") in $(cat "$LAB_OUT/gone.time") s"
    keep_journals journal-gone
fi
