"""Detached xorriso runs: a burn that outlives the UI, its output in files, one job per drive.

xorriso runs under the wrapper in `detach_wrapper.py`, in a session of its own, with
stdout/stderr going to RUN_DIR/stdout and RUN_DIR/stderr (never pipes). The reader side
(`DetachedProcess`) tails RUN_DIR/stdout with the same `output()` interface as a piped
`XorrisoProcess`; this module also keeps the per-drive locks.

Layout under `state_dir()/running/` (0700, files 0600):
  <id>/meta.json  kind, address, argv, start time, pids     <id>/stdout, <id>/stderr
  <id>/exit       exit status, written last                  <id>/cancelled (a cancel was asked)
  <id>/abandoned  its follower quit: a starting UI shows it again
  <sha1(address)>.lock  {"run": id, "pid": the starting discdeck process, ...}
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.config import state_dir
from app.engine import detach_wrapper
from app.engine.detach_wrapper import read_json, release_lock, start_ticks, write_atomic
from app.engine.errors import EngineError
from app.engine.runner import OutputLine, XorrisoProcess, check_xorriso

POLL = 0.05
"""Seconds between looks at a job's output file (each look is a read and a waitpid). The
end of our own wrapper wakes the reader at once (a pidfd), not up to POLL later."""
VERBS = {"burn": "burning", "blank": "blanking", "format": "formatting", "check": "checking"}


class DriveBusy(EngineError):
    """Another live operation (maybe in another discdeck process) holds the drive."""


def running_dir() -> Path:
    path = state_dir() / "running"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def lock_path(address: str) -> Path:
    return running_dir() / (
        hashlib.sha1(address.encode("utf-8", "surrogateescape")).hexdigest() + ".lock"
    )


def alive(pid: int | None, ticks: str | None = None) -> bool:
    if not pid:
        return False
    now = start_ticks(pid)
    return now is not None and (ticks is None or now == ticks)


def read_exit(run_dir: Path) -> int | None:
    try:
        return int((run_dir / "exit").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def job_alive(meta: dict) -> bool:
    """The wrapper or xorriso of a run still lives (or its starter, before the wrapper wrote)."""
    if alive(meta.get("wrapper_pid"), meta.get("wrapper_ticks")):
        return True
    if alive(meta.get("xorriso_pid"), meta.get("xorriso_ticks")):
        return True
    return "wrapper_pid" not in meta and alive(meta.get("creator_pid"), meta.get("creator_ticks"))


# -- the per-drive lock ------------------------------------------------------------------


def _holder(lock: Path) -> dict | None:
    """The live run holding `lock`, or None after removing a stale lock."""
    info = read_json(lock)
    if info is not None:
        run_dir = running_dir() / str(info.get("run", ""))
        meta = read_json(run_dir / "meta.json") or info
        # A run folder goes only after its job ended; it exists before its lock is taken.
        if run_dir.is_dir() and read_exit(run_dir) is None and job_alive(meta):
            return {**info, **meta}
    with contextlib.suppress(FileNotFoundError):
        lock.unlink()
    return None


def busy_message(address: str, holder: dict) -> str:
    pid = holder.get("creator_pid")
    if not alive(pid, holder.get("creator_ticks")):
        pid = holder.get("wrapper_pid") or pid
    verb = VERBS.get(str(holder.get("kind")), "using")
    started = time.strftime("%H:%M", time.localtime(float(holder.get("started", 0))))
    return (
        f"{address} is busy: discdeck pid {pid} is {verb} it (started {started}); "
        "wait for it or cancel it there"
    )


def take_lock(address: str, info: dict) -> Path:
    """Create the drive's lock atomically (link of a full temp file); DriveBusy if held."""
    lock = lock_path(address)
    temp = lock.with_name(f".{lock.name}.{os.getpid()}.{secrets.token_hex(4)}")
    write_atomic(temp, json.dumps(info))
    try:
        for _ in range(3):
            try:
                os.link(temp, lock)
                return lock
            except FileExistsError:
                holder = _holder(lock)
                if holder is not None:
                    raise DriveBusy(busy_message(address, holder)) from None
        raise DriveBusy(f"{address} is busy: could not take its lock {lock}")
    finally:
        temp.unlink(missing_ok=True)


def check_free(address: str) -> None:
    """Raise DriveBusy when another live operation holds `address` (stale locks are cleaned)."""
    lock = lock_path(address)
    if lock.exists() and (holder := _holder(lock)) is not None:
        raise DriveBusy(busy_message(address, holder))


# -- the reader side ---------------------------------------------------------------------


class DetachedProcess(XorrisoProcess):
    """xorriso under the detach wrapper; output() tails RUN_DIR/stdout until RUN_DIR/exit."""

    def __init__(
        self,
        argv: Sequence[str] = (),
        *,
        kind: str = "burn",
        address: str = "",
        journal_dir: Path | None = None,
        run_dir: Path | None = None,
        meta: dict | None = None,
    ) -> None:
        """Start `argv` (complete) detached, or follow the run in `run_dir`. `meta` is kept
        in the run's meta.json for whoever re-attaches (the job's Plan)."""
        self.lines, self.events, self._stderr = [], [], []
        self.worst, self.cancelled, self.proc = "ALL", False, None
        self._pidfd: int | None = None
        """Readable once our own wrapper has ended (None: re-attached, or no pidfd here)."""
        self._ended: select.poll | None = None
        self.stop_reading = False
        """Set from any thread: output() returns at its next poll (the job keeps running)."""
        self._read_to = 0
        """Bytes of RUN_DIR/stdout handed over so far, in whole lines (then the last piece)."""
        if run_dir is not None:  # re-attach to a run some other process started
            self.run_dir = Path(run_dir)
            self.meta = read_json(self.run_dir / "meta.json") or {}
            self.argv = list(self.meta.get("argv", []))
            self.started = time.monotonic() - max(0.0, time.time() - self.meta.get("started", 0))
            return
        check_xorriso(argv[0] if argv else None)
        self.argv = list(argv)
        self.started = time.monotonic()
        run_id = time.strftime("%Y%m%d-%H%M%S-") + kind + "-" + secrets.token_hex(3)
        self.run_dir = running_dir() / run_id
        self.meta = {
            "id": run_id, "kind": kind, "address": address, "argv": self.argv,
            "started": time.time(), "creator_pid": os.getpid(),
            "creator_ticks": start_ticks(os.getpid()),
            "journal_dir": str(journal_dir) if journal_dir else None,
            **(meta or {}),
        }  # fmt: skip
        self.run_dir.mkdir(mode=0o700)
        try:
            lock = take_lock(
                address,
                {k: self.meta[k] for k in ("kind", "started", "creator_pid")} | {"run": run_id},
            )
        except BaseException:
            self.run_dir.rmdir()
            raise
        self.meta["lock"] = str(lock)
        try:
            self._spawn()
        except BaseException:
            release_lock(lock, run_id)
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise

    def _spawn(self) -> None:
        write_atomic(self.run_dir / "meta.json", json.dumps(self.meta))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        out = os.open(self.run_dir / "stdout", flags, 0o600)
        err = os.open(self.run_dir / "stderr", flags, 0o600)
        # -I -S: the wrapper needs only the standard library and no site-packages; it execs
        # xorriso ~20 ms after this spawn (bench/detach_latency.py; importing app.engine there
        # once took ~100 ms more, in every job's wall).
        wrapper = [sys.executable, "-I", "-S", detach_wrapper.__file__, str(self.run_dir), "--"]
        try:
            self.proc = subprocess.Popen(
                [*wrapper, *self.argv],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
            )  # fmt: skip
        finally:
            os.close(out)
            os.close(err)
        self.meta["wrapper_pid"] = self.proc.pid
        with contextlib.suppress(AttributeError, OSError):  # Linux < 5.3: sleep POLL
            self._pidfd = os.pidfd_open(self.proc.pid)
            self._ended = select.poll()
            self._ended.register(self._pidfd, select.POLLIN)

    def _pause(self) -> None:
        """Wait POLL seconds for more output, or less when the wrapper ends meanwhile."""
        ended = self._ended
        if ended is None:
            time.sleep(POLL)
        elif ended.poll(POLL * 1000):
            # It ended. Sleep from now on: xorriso can outlive a killed wrapper, and the
            # pidfd stays readable for good.
            self._close_pidfd()

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            self._ended = None
            os.close(self._pidfd)
            self._pidfd = None

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else int(self.meta.get("wrapper_pid") or 0)

    def _meta(self) -> dict:
        self.meta = read_json(self.run_dir / "meta.json") or self.meta
        return self.meta

    def finished(self) -> bool:
        # Reap the wrapper (a zombie would look alive); it ends only after writing exit.
        wrapper_gone = self.proc is not None and self.proc.poll() is not None
        if (self.run_dir / "exit").exists():
            return True
        if self.proc is not None and not wrapper_gone:
            return False  # our own wrapper still runs: no need to read meta and /proc (10/s)
        meta = self._meta()
        if wrapper_gone:
            return not alive(meta.get("xorriso_pid"), meta.get("xorriso_ticks"))
        return "wrapper_pid" in meta and not job_alive(meta)

    def _raw_stdout(self) -> Iterator[bytes]:
        """The lines not read yet: a second reading (wait() after output(), or after a
        reader stopped part way) goes on from the byte the first one handed over last."""
        try:
            file = open(self.run_dir / "stdout", "rb")  # noqa: SIM115
        except FileNotFoundError:
            return
        with file:
            file.seek(self._read_to)
            rest = b""
            done = False
            while not self.stop_reading:
                chunk = file.read(1 << 16)
                if chunk:
                    *lines, rest = (rest + chunk).split(b"\n")
                    for line in lines:
                        self._read_to += len(line) + 1  # before the yield: a reader may stop there
                        yield line + b"\n"
                    continue
                if done:
                    break
                done = self.finished()  # one more read after the end: nothing is lost
                if not done:
                    self._pause()
            if rest and not self.stop_reading:
                self._read_to += len(rest)
                yield rest
        self._close_pidfd()

    def abandon(self) -> None:
        """Stop following (this process is quitting): output() ends, the job goes on and a
        starting discdeck shows it again."""
        self.stop_reading = True
        with contextlib.suppress(OSError):
            (self.run_dir / "abandoned").touch(mode=0o600)

    def _exit_status(self) -> int:
        returncode = read_exit(self.run_dir)
        with contextlib.suppress(OSError):
            text = (self.run_dir / "stderr").read_bytes()
            for raw in text.splitlines():
                if raw.strip():
                    self._stderr.append(OutputLine("E", os.fsdecode(raw), self._now()))
        if returncode is None:
            self._stderr.append(
                OutputLine(
                    "E", "discdeck: the detached job ended without an exit status", self._now()
                )
            )
            returncode = -1
        self.cancelled = self.cancelled or (self.run_dir / "cancelled").exists()
        return returncode

    def _signal(self, signum: int) -> None:
        meta = self._meta()
        if alive(meta.get("wrapper_pid"), meta.get("wrapper_ticks")):
            os.killpg(meta["wrapper_pid"], signum)  # the wrapper forwards it to xorriso
        elif alive(meta.get("xorriso_pid"), meta.get("xorriso_ticks")):
            os.kill(meta["xorriso_pid"], signum)

    def cancel(self) -> None:
        """SIGINT to the wrapper's process group; the wrapper passes it on to xorriso."""
        self.cancelled = True
        with contextlib.suppress(OSError):
            (self.run_dir / "cancelled").touch(mode=0o600)
        if not self.finished():
            self._signal(signal.SIGINT)

    def kill(self) -> None:
        if not self.finished():
            self._signal(signal.SIGKILL)

    def cleanup(self) -> None:
        """The result was consumed: remove the run folder (the journal is kept elsewhere)."""
        if self.proc is not None and read_exit(self.run_dir) is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)  # it ends right after writing exit: reap it
        self._close_pidfd()
        lock = self.meta.get("lock")
        if lock and not job_alive(self._meta()):
            release_lock(Path(lock), self.run_dir.name)
        shutil.rmtree(self.run_dir, ignore_errors=True)
