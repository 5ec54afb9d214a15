"""discdeck's agent on a remote machine: start, follow, ask about, cancel and remove runs.

Sent over ssh with each call (`python3 -I -S -c SOURCE VERB ARGS...`), so nothing is
installed there and any Python 3 runs it: standard library only, no import of discdeck.
Runs live in the remote's state dir, `${XDG_STATE_HOME:-~/.local/state}/discdeck/runs/ID/`,
in the same layout as local runs (app/engine/detach.py), and xorriso runs under the same
detach wrapper (sent on stdin by `start`), so a dropped link never stops a job.

  start ID KIND ADDRESS UPLOAD -- ARGV   stdin: "LEN\\n" + wrapper source [+ a tar stream
                                         of staged files, extracted into ID/ when UPLOAD=1;
                                         or, UPLOAD=stream, a framed session image fed to
                                         ID/image.fifo while xorriso writes it: see feed()]
  follow RUN_DIR OFFSET                  RUN_DIR/stdout from byte OFFSET, until the job ends
                                         (then `status` as one stderr line, "status JSON")
  status RUN_DIR | cancel RUN_DIR SIGNAL | cleanup RUN_DIR | drives | digest PATH LENGTH
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time


def runs_root():
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "discdeck", "runs")


def read_json(path):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            return json.loads(file.read())
    except (OSError, ValueError):
        return None


def write_json(path, data):
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as file:
        file.write(json.dumps(data))
    os.replace(temp, path)


def alive(pid, ticks):
    try:
        with open(f"/proc/{pid}/stat") as file:
            stat = file.read()
    except (OSError, TypeError):
        return False
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0] not in ("Z", "X") and (ticks is None or fields[19] == ticks)


def job_alive(run_dir):
    meta = read_json(os.path.join(run_dir, "meta.json")) or {}
    if "wrapper_pid" not in meta:  # not yet written: the wrapper is starting
        return time.time() - meta.get("started", 0) < 30
    return alive(meta.get("wrapper_pid"), meta.get("wrapper_ticks")) or alive(
        meta.get("xorriso_pid"), meta.get("xorriso_ticks")
    )


def has_exit(run_dir):
    return os.path.exists(os.path.join(run_dir, "exit"))


def take_lock(root, address, run_id):
    """The drive's lock, as on a local machine: one job per drive, whoever starts it."""
    lock = os.path.join(root, hashlib.sha1(os.fsencode(address)).hexdigest() + ".lock")
    temp = f"{lock}.{os.getpid()}.tmp"
    write_json(temp, {"run": run_id, "started": time.time()})
    try:
        for _ in range(3):
            try:
                os.link(temp, lock)
                return lock
            except FileExistsError:
                holder = (read_json(lock) or {}).get("run", "")
                other = os.path.join(root, holder)
                if holder and os.path.isdir(other) and not has_exit(other) and job_alive(other):
                    meta = read_json(os.path.join(other, "meta.json")) or {}
                    raise SystemExit(
                        json.dumps({"busy": meta.get("kind", "job"), "run": holder})
                    ) from None
                os.unlink(lock)
        raise SystemExit(json.dumps({"busy": "job", "run": "?"}))
    finally:
        os.unlink(temp)


def read_raw(count):
    """Exactly `count` bytes of stdin, None at its end. Unbuffered (fd 0): the image's
    frames follow the wrapper source and must not wait in a buffer feed() never sees."""
    data = b""
    while len(data) < count:
        chunk = os.read(0, count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_wrapper():
    """The wrapper source: "LEN\\n", then LEN bytes."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            break
        line += byte
    data = read_raw(int(line or b"0")) if line.strip() else None
    if not data:
        raise SystemExit("discdeck agent: the wrapper source was cut short")
    return data


def extract_uploads(run_dir):
    """Staged files as one tar stream (GNU format: names are bytes, kept exact)."""
    import tarfile  # only a burn of local files needs it

    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|", format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tar:  # fmt: skip
        for member in tar:
            if member.name.startswith(("/", "..")) or "/../" in member.name:
                raise SystemExit(f"discdeck agent: refused tar member {member.name!r}")
            if hasattr(tarfile, "fully_trusted_filter"):  # our own stream: keep links as is
                tar.extract(member, run_dir, filter="fully_trusted")
            else:
                tar.extract(member, run_dir)


def start(args):
    run_id, kind, address, upload, dashes = args[:5]
    argv = args[5:]
    if dashes != "--" or not argv:
        raise SystemExit("usage: start ID KIND ADDRESS UPLOAD -- ARGV")
    root = runs_root()
    os.makedirs(root, mode=0o700, exist_ok=True)
    run_dir = os.path.join(root, run_id)
    os.mkdir(run_dir, 0o700)
    wrapper = read_wrapper()
    try:
        lock = take_lock(root, address, run_id)
    except SystemExit:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    try:
        if upload == "1":
            extract_uploads(run_dir)
        elif upload == "stream":
            os.mkfifo(os.path.join(run_dir, FIFO), 0o600)
        with open(os.path.join(run_dir, "wrapper.py"), "wb") as file:
            file.write(wrapper)
        meta = {"id": run_id, "kind": kind, "address": address, "argv": argv,
                "started": time.time(), "lock": lock}  # fmt: skip
        write_json(os.path.join(run_dir, "meta.json"), meta)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        out = os.open(os.path.join(run_dir, "stdout"), flags, 0o600)
        err = os.open(os.path.join(run_dir, "stderr"), flags, 0o600)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", os.path.join(run_dir, "wrapper.py"), run_dir, "--", *argv],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True, cwd=run_dir,
        )  # fmt: skip
    except BaseException:
        os.unlink(lock)
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    print(json.dumps({"run_dir": run_dir, "wrapper_pid": proc.pid}), flush=True)
    if upload == "stream":
        feed(run_dir, proc.pid, address)


FIFO = "image.fifo"
FRAME_END, FRAME_ABORT = 0, (1 << 64) - 1
"""A frame is an 8-byte big-endian length and that many bytes of image; 0 ends the image,
ABORT is followed by one framed line saying why the sender gave up (its build failed)."""


def open_fifo(run_dir):
    """The FIFO's write end, once xorriso opened it for reading; None if the job ended
    first (it could not start: its output says why). Never blocks on a reader that died."""
    path = os.path.join(run_dir, FIFO)
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if has_exit(run_dir) or not job_alive(run_dir):
                return None
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        with contextlib.suppress(OSError):  # speed only: fewer wake-ups than 64 KiB steps
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        return fd


def feed(run_dir, wrapper_pid, address):
    """Copy the framed image from stdin into the FIFO xorriso reads. The FIFO is closed
    (xorriso's end of input) only after the end frame: a stream cut short (link dropped,
    sender gone, its build failed) must never look like the end of the image, which xorriso
    would write as a complete, shorter track. So a cut says why in the job's stdout (the
    first FAILURE the local side sees), stops xorriso with SIGINT as a cancel does,
    waits for its end while the FIFO is still open, and empties a cut stdio: image (it was
    blank before: streaming is only chosen for a fresh session on a blank target)."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    fd = open_fifo(run_dir)
    if fd is None:
        return
    fed, why = 0, None
    try:
        while why is None:
            head = read_raw(8)
            size = int.from_bytes(head, "big") if head else None
            if size == FRAME_END:
                mark(run_dir, "stream_complete", fed)
                return
            if size == FRAME_ABORT:
                reason = read_raw(int.from_bytes(read_raw(8) or b"", "big"))
                why = os.fsdecode(reason or b"the sender gave up")
                break
            try:
                moved = move_to(fd, size) if size is not None else 0
            except BrokenPipeError:
                return  # xorriso stopped reading: it ended, and says why itself
            fed += moved
            if size is None or moved < size:
                why = "the link dropped"
        cut(run_dir, wrapper_pid, address, why, fed, fd)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def move_to(fd, size):
    """Up to `size` bytes of stdin into the FIFO; how many (fewer: stdin ended). Spliced in
    the kernel where Python has os.splice (3.10+): the image is not copied through this
    process (bench/remote_burn.py: about 1 s of CPU per GiB less, on the machine that
    also writes), else read and written."""
    moved = 0
    while moved < size:
        step = min(size - moved, 1 << 20)
        count = splice(fd, step)
        if count is None:
            chunk = os.read(0, step)
            write_all(fd, chunk)
            count = len(chunk)
        if not count:
            break
        moved += count
    return moved


def splice(fd, step):
    """os.splice from stdin, or None where it cannot (older Python, a stdin it refuses)."""
    global CAN_SPLICE
    if CAN_SPLICE:
        try:
            return os.splice(0, fd, step)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS):
                raise
            CAN_SPLICE = False
    return None


CAN_SPLICE = hasattr(os, "splice")


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def mark(run_dir, name, fed):
    with open(os.path.join(run_dir, name), "w") as file:
        file.write(f"{fed}\n")


def cut(run_dir, wrapper_pid, address, why, fed, fd):
    text = (f"the session image stream from the local machine was cut after "
            f"{fed:,} bytes ({why}); the write was stopped and is incomplete: "
            f"{'the image was emptied, so' if address.startswith('stdio:') else 'blank the medium, then'}"
            f" burn again")  # fmt: skip
    mark(run_dir, "stream_cut", fed)
    with open(os.path.join(run_dir, "stdout"), "a", encoding="utf-8", errors="surrogateescape") as out:
        out.write(f"I:1: discdeck : FAILURE : {text}\n")
    with contextlib.suppress(OSError):
        os.killpg(wrapper_pid, signal.SIGINT)  # the wrapper passes it on to xorriso
    # xorriso may be blocked reading the FIFO, where a signal only sets a flag: give its
    # abort a moment to take hold, then the end of input unblocks it (it no longer
    # completes: it aborts, exit 1; `status` says "cut" whatever it says).
    wait_for_end(run_dir, 3)
    os.close(fd)
    wait_for_end(run_dir, 120)
    if address.startswith("stdio:") and has_exit(run_dir):
        with contextlib.suppress(OSError):
            os.truncate(address[len("stdio:") :], 0)


def wait_for_end(run_dir, seconds):
    deadline = time.time() + seconds
    while not has_exit(run_dir) and job_alive(run_dir) and time.time() < deadline:
        time.sleep(0.1)


def follow(args):
    """Copy RUN_DIR/stdout from OFFSET to our stdout as it grows; end when the job did."""
    run_dir, offset = args[0], int(args[1])
    out = sys.stdout.buffer
    if not os.path.exists(os.path.join(run_dir, "stdout")):
        return  # removed by another follower that consumed the result: `status` says so
    with open(os.path.join(run_dir, "stdout"), "rb") as file:
        file.seek(offset)
        done = False
        while True:
            chunk = file.read(1 << 16)
            if chunk:
                out.write(chunk)
                out.flush()
                continue
            if done:  # the status on stderr: one ssh call less at every job's end
                sys.stderr.write("status " + json.dumps(status_of(run_dir)) + "\n")
                return
            done = has_exit(run_dir) or not job_alive(run_dir)  # one more read after the end
            if not done:
                time.sleep(0.1)


def status_of(run_dir):
    try:
        with open(os.path.join(run_dir, "exit")) as file:
            code = int(file.read().split()[0])
    except (OSError, ValueError, IndexError):
        code = None
    try:
        with open(os.path.join(run_dir, "stderr"), "rb") as file:
            stderr = os.fsdecode(file.read()[-65536:])
    except OSError:
        stderr = ""
    return {
        "exit": code, "alive": code is None and job_alive(run_dir), "stderr": stderr,
        "cancelled": os.path.exists(os.path.join(run_dir, "cancelled")),
        "exists": os.path.isdir(run_dir),
        "stream": "cut" if os.path.exists(os.path.join(run_dir, "stream_cut")) else
        "complete" if os.path.exists(os.path.join(run_dir, "stream_complete")) else None,
    }  # fmt: skip


def status(args):
    print(json.dumps(status_of(args[0])))


def cancel(args):
    run_dir, signum = args[0], int(args[1])
    open(os.path.join(run_dir, "cancelled"), "a").close()
    meta = read_json(os.path.join(run_dir, "meta.json")) or {}
    if has_exit(run_dir):
        return
    if alive(meta.get("wrapper_pid"), meta.get("wrapper_ticks")):
        os.killpg(meta["wrapper_pid"], signum)  # the wrapper passes it on to xorriso
    elif alive(meta.get("xorriso_pid"), meta.get("xorriso_ticks")):
        os.kill(meta["xorriso_pid"], signum)


def cleanup(args):
    run_dir = os.path.abspath(args[0])
    if os.path.dirname(run_dir) == runs_root() and (has_exit(run_dir) or not job_alive(run_dir)):
        shutil.rmtree(run_dir, ignore_errors=True)


def digest(args):
    """SHA-256 of the first LENGTH bytes of PATH (a written medium's image), with progress."""
    path, length = args[0], int(args[1])
    digest, done, shown = hashlib.sha256(), 0, time.monotonic()
    with open(path, "rb") as file:
        while done < length:
            chunk = file.read(min(1 << 20, length - done))
            if not chunk:
                break
            digest.update(chunk)
            done += len(chunk)
            if time.monotonic() - shown > 0.5:
                print(f"progress {done}", flush=True)
                shown = time.monotonic()
    print(f"sha256 {digest.hexdigest()} {done}", flush=True)


def drives(_args):
    """Optical drives the kernel knows (sysfs), readable by us or not."""
    found = []
    base = "/sys/class/block"
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        if not name.startswith("sr"):
            continue
        info = {"address": f"/dev/{name}"}
        for key in ("vendor", "model"):
            try:
                with open(os.path.join(base, name, "device", key)) as file:
                    info[key] = file.read().strip()
            except OSError:
                info[key] = ""
        info["access"] = os.access(info["address"], os.R_OK | os.W_OK)
        found.append(info)
    print(json.dumps(found))


VERBS = {"start": start, "follow": follow, "status": status, "cancel": cancel,
         "cleanup": cleanup, "drives": drives, "digest": digest}  # fmt: skip

if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the link dropped: end quietly
    VERBS[sys.argv[1]](sys.argv[2:])
