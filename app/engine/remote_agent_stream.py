"""The remote agent's receiving end of a streamed image (app/engine/remote_stream.py sends
it): frames from stdin into the FIFO the remote xorriso reads, and a cut made loud.

Part of the agent's program, not a module there: its source is sent first, then
remote_agent.py's (app/engine/remote_run.py joins them), so, like the agent, standard
library only and any Python 3. `over()` says whether the job there has ended.
"""

import contextlib
import errno
import fcntl
import os
import signal
import time


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


FIFO = "image.fifo"
FRAME_END, FRAME_ABORT = 0, (1 << 64) - 1
"""A frame is an 8-byte big-endian length and that many bytes of image; 0 ends the image,
ABORT is followed by one framed line saying why the sender gave up (its build failed)."""


def open_fifo(run_dir, over):
    """The FIFO's write end, once xorriso opened it for reading; None if the job ended
    first (it could not start: its output says why). Never blocks on a reader that died."""
    path = os.path.join(run_dir, FIFO)
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if over():
                return None
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        with contextlib.suppress(OSError):  # speed only: fewer wake-ups than 64 KiB steps
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        return fd


def feed(run_dir, wrapper_pid, address, kind, over):
    """Copy the framed image from stdin into the FIFO xorriso reads. The FIFO is closed
    (xorriso's end of input) only after the end frame: a stream cut short (link dropped,
    sender gone, its build failed) must never look like the end of the image, which xorriso
    would write as a complete, shorter track. So a cut says why in the job's stdout (the
    first FAILURE the local side sees), stops xorriso with SIGINT as a cancel does,
    waits for its end while the FIFO is still open, and empties a cut stdio: image (it was
    blank before: streaming is only chosen for a fresh session on a blank target)."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    fd = open_fifo(run_dir, over)
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
        cut(run_dir, wrapper_pid, address, why, fed, fd, kind, over)
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


def cut(run_dir, wrapper_pid, address, why, fed, fd, kind, over):
    text = (f"the image stream from the local machine was cut after "
            f"{fed:,} bytes ({why}); the write was stopped and is incomplete: "
            f"{'the image was emptied, so' if address.startswith('stdio:') else 'blank the medium, then'}"
            f" {'write it' if kind == 'write' else 'burn'} again")  # fmt: skip
    mark(run_dir, "stream_cut", fed)
    with open(os.path.join(run_dir, "stdout"), "a", encoding="utf-8", errors="surrogateescape") as out:
        out.write(f"I:1: discdeck : FAILURE : {text}\n")
    with contextlib.suppress(OSError):
        os.killpg(wrapper_pid, signal.SIGINT)  # the wrapper passes it on to xorriso
    # xorriso may be blocked reading the FIFO, where a signal only sets a flag: give its
    # abort a moment to take hold, then the end of input unblocks it (it no longer
    # completes: it aborts, exit 1; `status` says "cut" whatever it says).
    wait_for_end(over, 3)
    os.close(fd)
    wait_for_end(over, 120)
    if address.startswith("stdio:") and over():
        with contextlib.suppress(OSError):
            os.truncate(address[len("stdio:") :], 0)
    mark(run_dir, "stream_cut_done", fed)  # the follower reports the end only after this


def wait_for_end(over, seconds):
    deadline = time.time() + seconds
    while not over() and time.time() < deadline:
        time.sleep(0.1)
