"""A session image built here and streamed to xorriso there as it is built, or an image
file here streamed as it is read (`write`).

Why: copying the staged files to the remote first and building there costs the copy's whole
time before the burn starts; a stream overlaps the build here, the transfer and the write
there (bench/remote_burn.py --speed 16d: 1.17x a local burn against 1.25x). Why not always: a stream cut short by a
dropped link cuts the track, so it is used only where that ruins nothing (a fresh session on
a blank stdio: image or rewritable medium, which is simply written again; see
app/jobs/plans_remote.py), and the cut is made loud: the image travels in frames (8-byte
length, then data; 0 ends the image, ABORT says why the sender gave up), and the agent
there ends xorriso's input only at the end frame. Anything else stops xorriso with SIGINT
and says so in its output (app/engine/remote_agent.py feed/cut), so a cut stream is a failed
burn naming what happened, never a shorter track written "successfully".

The local xorriso writes the image to a pipe handed to it as `stdio:/dev/fd/N` (N is not
stdout: xorriso accepts stdout as a drive only as its very first argument, before -no_rc).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import subprocess
import sys
import termios
import threading
from collections.abc import Sequence
from typing import IO

OUTDEV = "stdio:/dev/fd/3"
"""The builder argv's placeholder drive: replaced by the pipe's real descriptor at spawn."""
FRAME_END, FRAME_ABORT = 0, (1 << 64) - 1
_PIPE_SIZE = 1 << 20
"""Bigger pipe, fewer frames and system calls (Linux F_SETPIPE_SZ; the default is 64 KiB)."""


class _SourceShort(Exception):
    """The source ended inside a frame (a builder killed, an image file cut meanwhile)."""


class FramedStream:
    """What both sources share: the frames, the end or abort frame, and the state the job
    and the app look at (`done`, `failure`, `ssh`). The bytes of a frame go from the
    source's descriptor to ssh's pipe by splice(2), never copied through this process."""

    def __init__(self) -> None:
        self.failure: str | None = None
        """Why the image did not reach its end frame (the build failed, the link broke)."""
        self.sent = 0
        self.done = False
        """The sender has finished (end frame, abort, or a broken link)."""
        self.size_line: bytes | None = None
        """The image's size as an `Image size : Ns` line: the writer there reads a pipe
        and learns no total from it, so the job's percent and ETA come from this."""
        self.ssh: subprocess.Popen[bytes] | None = None
        """The start call's ssh, carrying the stream (set once the job started there)."""
        self._source = -1

    def send(self, stdin: IO[bytes]) -> None:
        """Frame the image onto `stdin` (ssh's) until the source ends; then the end frame,
        or ABORT with the source's reason. A broken link stops the source."""
        try:
            stdin.flush()  # the wrapper source goes first; the frames bypass the buffer
            out = stdin.fileno()
            with contextlib.suppress(OSError):  # only speed
                fcntl.fcntl(out, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
            while size := self._next_frame():
                os.write(out, size.to_bytes(8, "big"))
                self._splice(out, size)
                self.sent += size
            why = self._ended()
            if why is None:
                stdin.write(FRAME_END.to_bytes(8, "big"))
            else:
                self.failure = why
                reason = os.fsencode(why)
                stdin.write(FRAME_ABORT.to_bytes(8, "big") + len(reason).to_bytes(8, "big") + reason)
            stdin.flush()
        except _SourceShort:  # the frame cannot be completed: ending the link cuts it there
            self.failure = "the image got shorter while it was sent: write it again"
            self.stop()
        except OSError as exc:  # BrokenPipeError: ssh ended (the link dropped, or killed)
            self.failure = self.failure or f"the link broke while sending the image ({exc.strerror})"
            self.stop()
        finally:
            os.close(self._source)
            self.done = True

    def _splice(self, out: int, size: int) -> None:
        while size:
            moved = os.splice(self._source, out, size)
            if not moved:
                raise _SourceShort
            size -= moved

    def _next_frame(self) -> int:
        """How many bytes the next frame carries; 0: the source has ended."""
        raise NotImplementedError

    def _ended(self) -> str | None:
        """Why the source failed, once it ended; None when the image is whole."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the source (the link broke, or the job ended)."""


class ImageStream(FramedStream):
    """The local xorriso building the session image (`builder_argv`, its drive OUTDEV)."""

    def __init__(self, builder_argv: Sequence[str]) -> None:
        super().__init__()
        self.argv = list(builder_argv)
        self._source, write = os.pipe()
        with contextlib.suppress(OSError):  # only speed
            fcntl.fcntl(self._source, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        argv = [f"stdio:/dev/fd/{write}" if word == OUTDEV else word for word in self.argv]
        try:
            self.builder = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, pass_fds=(write,), start_new_session=True,
            )  # fmt: skip
        except OSError:
            os.close(self._source)
            raise
        finally:
            os.close(write)
        self._problems: list[str] = []
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        """The builder's own messages: its FAILURE/SORRY lines say why a build failed."""
        assert self.builder.stdout is not None
        for raw in self.builder.stdout:
            text = os.fsdecode(raw).rstrip("\n")
            if "Image size" in text and self.size_line is None:
                self.size_line = raw
            if " : FAILURE : " in text or " : SORRY : " in text or " : FATAL : " in text:
                self._problems.append(text.split(" : ", 2)[-1])

    def _next_frame(self) -> int:
        """How much of the image waits in the builder's pipe (at most a frame), once some
        does; 0 when the builder closed it: a readable pipe holding nothing is its end."""
        select.select([self._source], [], [])
        waiting = fcntl.ioctl(self._source, termios.FIONREAD, b"\0\0\0\0")
        return min(int.from_bytes(waiting, sys.byteorder), _PIPE_SIZE)

    def _ended(self) -> str | None:
        code = self.builder.wait()
        self._reader.join(timeout=5)
        if code == 0:
            return None
        why = self._problems[0] if self._problems else f"exit status {code}"
        return f"building the image here failed: {why}"

    def stop(self) -> None:
        if self.builder.poll() is None:
            self.builder.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.builder.wait(timeout=10)


class FileStream(FramedStream):
    """An image file here (`write` of a downloaded .iso), sent as it is. Opened at once,
    so an unreadable image fails the start, not the middle of a write."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._source = os.open(path, os.O_RDONLY)
        self._left = self._size = os.fstat(self._source).st_size
        self.size_line = b"Image size   : %ds\n" % -(-self._size // 2048)

    def _next_frame(self) -> int:
        size = min(self._left, _PIPE_SIZE)
        self._left -= size
        return size

    def _ended(self) -> str | None:
        if os.fstat(self._source).st_size != self._size:
            return "the image changed size while it was sent: write it again"
        return None
