# Sourced by lab/scenario.sh last, when the guest has a network interface (Lab.boot's
# ssh_port) and the test made $LAB_DIR/ssh/sshd_config (tests/sshd.py): the host's own
# sshd, started here with a key made on the host, listens on the guest's port 22, which
# qemu forwards to 127.0.0.1 on the host. `lab_host ssh N` then runs the host-side steps
# (tests/lab_remote.py: discdeck on the host burns this guest's recorder N over ssh) while
# this script waits; sshd is stopped after.
SSH_DEV=
for b in /sys/bus/scsi/devices/*:0:3:0/block/*; do   # scsi-id 3: the fourth recorder, LUN 4
    [ -e "$b" ] && SSH_DEV=/dev/${b##*/}
done
if [ -e "$LAB_DIR/ssh/sshd_config" ] && [ -n "$SSH_DEV" ]; then
    echo "$SSH_DEV" > "$LAB_OUT/ssh.dev"
    t0=$(now)
    mkdir -p /run/sshd && chmod 755 /run/sshd
    /usr/sbin/sshd -D -e -f "$LAB_DIR/ssh/sshd_config" > "$LAB_OUT/sshd.log" 2>&1 &
    SSHD_PID=$!
    i=0   # listening on port 22 (0x16) of any address
    while [ $i -lt 300 ] && ! grep -q ':0016 00000000:0000 0A' /proc/net/tcp; do
        sleep 0.1
        i=$((i + 1))
    done
    echo "== ssh: sshd listening after $(awk "BEGIN{print $(now)-$t0}") s; host steps on $SSH_DEV"
    LAB_HOST_TICKS=24000   # the host's steps: 20 minutes at least (7-9 at load 5)
    # A fresh blank first: the burn to two drives at once (scenario.sh) closed this one.
    lab_host swap 4 > /dev/null
    lab_host show 4 > "$LAB_OUT/ssh-lun.txt"
    lab_host ssh 4 > "$LAB_OUT/ssh-host.txt"
    echo "   host said: $(tail -1 "$LAB_OUT/ssh-host.txt")"
    # A fresh blank in the same recorder, then a burn whose ssh link the host kills
    # mid-write; that discdeck goes away and a new one re-attaches (tests/lab_drop.py).
    if [ -e "$LAB_DIR/ssh/drop" ] && lab_host swap 4 > /dev/null; then   # DISCDECK_LAB_SSH_DROP=1
        lab_host show 4 > "$LAB_OUT/ssh-drop-lun.txt"
        lab_host ssh-drop 4 > "$LAB_OUT/ssh-drop-host.txt"
        echo "   host said: $(tail -1 "$LAB_OUT/ssh-drop-host.txt")"
    fi
    LAB_HOST_TICKS=
    kill "$SSHD_PID" 2>/dev/null
    wait "$SSHD_PID" 2>/dev/null
    awk "BEGIN{printf \"%.2f\n\", $(now)-$t0}" > "$LAB_OUT/ssh.time"
    echo "== ssh: done in $(cat "$LAB_OUT/ssh.time") s"
fi
