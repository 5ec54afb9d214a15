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
  follow RUN_DIR OFFSET                  RUN_DIR/stdout from byte OFFSET, until the job ends;
                                         then "\\0status JSON" as its last line, and the run
                                         folder goes when stdin says "cleanup"
  status RUN_DIR | cancel RUN_DIR SIGNAL | cleanup RUN_DIR | drives | digest PATH LENGTH
"""

import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

if __package__:  # imported here; there, remote_agent_stream.py's source comes first
    from app.engine.remote_agent_stream import FIFO, feed, read_raw


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
        feed(run_dir, proc.pid, address, kind, lambda: has_exit(run_dir) or not job_alive(run_dir))


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
            if done:  # the status as the last line: one ssh call less at every job's end
                out.write(STATUS + json.dumps(status_of(run_dir)).encode() + b"\n")
                out.flush()
                await_cleanup(run_dir)
                return
            done = (has_exit(run_dir) or not job_alive(run_dir)) and cut_settled(run_dir)
            if not done:
                time.sleep(0.1)


def cut_settled(run_dir):
    """No cut stream, or its feeder has emptied the cut image (it does so once xorriso has
    stopped): only then is the job over for the local side. A feeder that died is waited
    for no longer than its own waits (remote_agent_stream.py cut)."""
    cut = os.path.join(run_dir, "stream_cut")
    if not os.path.exists(cut) or os.path.exists(cut + "_done"):
        return True
    return time.time() - os.path.getmtime(cut) > 150


STATUS = b"\0status "
"""The follower's last line: the ended job's status (no line of xorriso's starts with NUL)."""


def await_cleanup(run_dir):
    """The status is out: end the output (the local side stops reading), then remove the
    run folder once the local side has the result ("cleanup" on stdin), which saves a
    separate cleanup call (an ssh session: 0.1-0.4 s). No word within a minute, or the
    link gone: the folder stays, and the local side asks again with `cleanup`."""
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        if stat.S_ISSOCK(os.fstat(fd).st_mode):  # shared with stdin (no pipes): half-close
            with contextlib.suppress(OSError):
                socket.socket(fileno=os.dup(fd)).shutdown(socket.SHUT_WR)
        os.dup2(devnull, fd)
    ready = select.select([0], [], [], 60)[0]
    if not (ready and os.read(0, 64).startswith(b"cleanup")):
        raise SystemExit(3)
    cleanup([run_dir])


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
