"""A detached job on another machine: xorriso under the detach wrapper there, followed here.

The remote agent (app/engine/remote_agent.py, sent with every call) starts the wrapper in a
session of its own with its run files in the remote's state dir; this side keeps a small
record in the local running dir (the ssh:// address, the remote run folder, the Plan), so
that a discdeck started later lists the job and re-attaches (app/jobs/reattach.py). Output
is followed with `agent follow RUN OFFSET` over ssh; when the link drops, the follower
connects again from the byte it had reached: nothing is lost, nothing read twice, and the
job on the remote never notices.

Staged local files travel in the `start` call itself: one tar stream on ssh's stdin,
extracted into the remote run folder (`files/N`, numbered, so the remote shell and file
system never see a hostile top-level name; names inside folders are tar's bytes, exact).
The Plan's argv already maps `files/N` (relative: xorriso runs in the run folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from app.engine import detach_wrapper, remote_agent, remote_agent_stream
from app.engine.address import parse_address
from app.engine.detach import DetachedProcess, DriveBusy, running_dir
from app.engine.detach_wrapper import read_json, start_ticks, write_atomic
from app.engine.remote_address import RemoteAddress
from app.engine.remote_stream import FileStream, FramedStream, ImageStream
from app.engine.runner import OutputLine
from app.engine.ssh import CONNECT_TIMEOUT, SshError, remote_xorriso_argv, ssh_argv, ssh_failure

RECONNECTS = 8
"""Times in a row the follower connects again after a drop (about a minute in all) before
the job is left running there, for a later re-attach."""
_AGENT = "\n".join(
    Path(module.__file__).read_text(encoding="utf-8") for module in (remote_agent_stream, remote_agent)
)
"""The agent's program: the stream's receiving end, then the agent (it calls the first)."""
_WRAPPER = Path(detach_wrapper.__file__).read_bytes()


_PYTHON = 'p=/usr/bin/python3; [ -x "$p" ] || p=python3; exec "$p" -I -S -c "$0" "$@"'
"""The system's Python where there is one, else the first python3 on PATH. Why: a version
manager's shim on PATH (pyenv, asdf) is a script that takes 0.1-0.7 s to start Python,
and every agent call paid it (pyenv on this project's CI machine: 0.13 -> 0.7 s); any
Python 3 runs the agent. A POSIX sh runs the choice: the remote login shell may be any."""


def agent_argv(verb: str, *args: str) -> list[str]:
    """The remote command running the agent: its source travels in the command line."""
    return ["sh", "-c", _PYTHON, _AGENT, verb, *args]


def _call(remote: RemoteAddress, verb: str, *args: str, timeout: float = 60) -> str:
    """Run a short agent verb; its stdout. SshError with ssh's reason when it failed."""
    try:
        proc = subprocess.run(
            ssh_argv(remote, agent_argv(verb, *args)), stdin=subprocess.DEVNULL,
            capture_output=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise SshError(f"{remote.host} did not answer within {timeout:.0f} s") from exc
    stderr = os.fsdecode(proc.stderr).splitlines()
    failure = ssh_failure(remote, proc.returncode, stderr)
    if failure or proc.returncode != 0:
        raise SshError(failure or f"discdeck's agent on {remote.host} failed: {stderr[-1:]}")
    return os.fsdecode(proc.stdout)


def agent_output(remote: RemoteAddress, verb: str, *args: str) -> str:
    """A short agent verb's answer (`drives`: the remote's optical drives from sysfs)."""
    return _call(remote, verb, *args)


def agent_process(remote: RemoteAddress, verb: str, *args: str) -> subprocess.Popen[bytes]:
    """A longer agent verb whose answer is read as it comes (`digest`: progress lines)."""
    return subprocess.Popen(
        ssh_argv(remote, agent_argv(verb, *args)), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _send_start(
    stdin: IO[bytes], uploads: Sequence[tuple[str, str]], stream: FramedStream | None
) -> None:
    """The wrapper's source, then the staged files as one tar stream (GNU: bytes names),
    or the framed session image (remote_stream.py)."""
    with contextlib.suppress(BrokenPipeError), stdin:
        stdin.write(b"%d\n" % len(_WRAPPER) + _WRAPPER)
        if stream is not None:
            stream.send(stdin)
        elif uploads:
            with tarfile.open(
                fileobj=stdin, mode="w|", format=tarfile.GNU_FORMAT,
                encoding="utf-8", errors="surrogateescape",
            ) as tar:  # fmt: skip
                for local, there in uploads:
                    tar.add(local, arcname=there)


def start_remote(
    remote: RemoteAddress, run_id: str, kind: str, address: str, argv: Sequence[str],
    uploads: Sequence[tuple[str, str]], stream: FramedStream | None = None,
) -> str:  # fmt: skip
    """Start `argv` detached on `remote`; the remote run folder. DriveBusy when a job there
    holds the drive, SshError when ssh or the agent failed. With a `stream`, the start
    call stays open while the image is sent (its reply comes first, then this returns)."""
    upload = "stream" if stream is not None else "1" if uploads else "0"
    command = agent_argv("start", run_id, kind, address, upload, "--", *remote_xorriso_argv(argv))
    proc = subprocess.Popen(
        ssh_argv(remote, command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    stdin, proc.stdin = proc.stdin, None  # ours to write and close, not communicate()'s
    sender = threading.Thread(target=_send_start, args=(stdin, uploads, stream), daemon=True)
    sender.start()
    if stream is None:
        out, err = proc.communicate()
        sender.join()
        return _started(remote, address, proc.returncode, out, err)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    if b"run_dir" in first:
        stream.ssh = proc
        threading.Thread(target=proc.communicate, daemon=True).start()  # drains, reaps
        return _started(remote, address, 0, first, b"")
    out, err = proc.communicate()
    stream.stop()
    return _started(remote, address, proc.returncode, first + out, err)


def _started(remote: RemoteAddress, address: str, returncode: int, out: bytes, err: bytes) -> str:
    """The start call's reply: the remote run folder, or why it did not start."""
    stderr = os.fsdecode(err).splitlines()
    failure = ssh_failure(remote, returncode, stderr)
    answer = os.fsdecode(out).strip().splitlines()
    reply = _json(answer[-1] if answer else stderr[-1] if stderr else "")
    if "busy" in reply:
        raise DriveBusy(
            f"{address} on {remote.host} is busy: another discdeck is {reply['busy']}ing "
            f"it (run {reply.get('run')}); wait for it or cancel it there"
        )
    if failure or returncode != 0 or "run_dir" not in reply:
        raise SshError(failure or f"cannot start the job on {remote.host}: {stderr[-1:]}")
    return str(reply["run_dir"])


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class RemoteProcess(DetachedProcess):
    """A job on `remote`, started now (argv) or followed again (run_dir, the local record)."""

    def __init__(
        self, remote: RemoteAddress | None = None, argv: Sequence[str] = (), *, kind: str = "burn",
        address: str = "", journal_dir: Path | None = None, run_dir: Path | None = None,
        meta: dict | None = None, uploads: Sequence[tuple[str, str]] = (),
        stream: Sequence[str] = (), stream_file: str | None = None,
    ) -> None:  # fmt: skip
        """`stream`: the argv of a local xorriso building the session image, sent as it is
        built (remote_stream.py) instead of `uploads` copied first; `stream_file`: an
        image file here, sent as it is."""
        self.lines, self.events, self._stderr = [], [], []
        self.worst, self.cancelled, self.proc = "ALL", False, None
        self._pidfd, self._ended, self.stop_reading = None, None, False
        self.follower: subprocess.Popen[bytes] | None = None
        self.lost = False
        """The link stayed down: the job goes on there, and this record stays for later."""
        self.reattached = run_dir is not None
        """Following a record left earlier: a host that does not answer at once is left
        for later (one short try, not a minute of reconnects at every start)."""
        self.stream: FramedStream | None = None
        self._done = False
        self._status: dict | None = None
        """The agent's `status` of the ended job, from the follower's last stderr line."""
        if run_dir is not None:
            self.run_dir = Path(run_dir)
            self.meta = read_json(self.run_dir / "meta.json") or {}
            self.argv = list(self.meta.get("argv", []))
            self.started = time.monotonic() - max(0.0, time.time() - self.meta.get("started", 0))
            self.remote = _remote_of(self.meta)
            return
        assert remote is not None
        self.remote, self.argv, self.started = remote, list(argv), time.monotonic()
        run_id = time.strftime("%Y%m%d-%H%M%S-") + kind + "-" + secrets.token_hex(3)
        self.run_dir = running_dir() / run_id
        self.meta = {
            "id": run_id, "kind": kind, "address": address, "argv": self.argv,
            "started": time.time(), "creator_pid": os.getpid(),
            "creator_ticks": start_ticks(os.getpid()),
            "journal_dir": str(journal_dir) if journal_dir else None, **(meta or {}),
        }  # fmt: skip
        self.run_dir.mkdir(mode=0o700)
        try:
            inner = parse_address(address).xorriso
            self.stream = (ImageStream(stream) if stream
                           else FileStream(stream_file) if stream_file else None)  # fmt: skip
            self.meta["streamed"] = self.stream is not None
            self.meta["remote_run"] = start_remote(
                remote, run_id, kind, inner, self.argv, uploads, self.stream
            )
        except BaseException:
            if self.stream is not None:
                self.stream.stop()
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise
        write_atomic(self.run_dir / "meta.json", json.dumps(self.meta))

    @property
    def pid(self) -> int:
        return self.follower.pid if self.follower is not None else 0

    @property
    def streaming(self) -> bool:
        """The session image is still being sent from here: this process must live on for
        the job to finish (quitting now would cut the stream, failing the burn there)."""
        return self.stream is not None and not self.stream.done

    def finished(self) -> bool:
        return self._done

    def _follow(self, offset: int) -> subprocess.Popen[bytes]:
        command = agent_argv("follow", self.meta["remote_run"], str(offset))
        self.follower = subprocess.Popen(
            ssh_argv(self.remote, command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        return self.follower

    def _raw_stdout(self) -> Iterator[bytes]:
        """The job's stdout there; a streamed burn's first line is the builder's image size
        here (-print_size), since the writer there reads a pipe of unknown length: with it
        the job has a percent and an ETA like a local burn."""
        stream = self.stream
        for line in self._followed_stdout():
            if stream is not None and stream.size_line is not None:
                yield stream.size_line
                stream = None
            yield line

    def _followed_stdout(self) -> Iterator[bytes]:
        if self._done or self.lost:
            return  # read once already (wait() asks again): no second follow over ssh
        where = f"{self.remote.url}, run folder {self.meta['remote_run']}"
        yield os.fsencode(f"discdeck: xorriso runs on {where}\n")  # the journal says where
        offset, rest, drops = 0, b"", 0
        while not self.stop_reading:
            proc = self._follow(offset)
            assert proc.stdout is not None
            while chunk := proc.stdout.read1(1 << 16):
                offset, drops = offset + len(chunk), 0
                *lines, rest = (rest + chunk).split(b"\n")
                for line in lines:
                    yield line + b"\n"
            returncode = proc.wait()
            stderr = os.fsdecode(proc.stderr.read() if proc.stderr else b"").splitlines()
            if returncode == 0:
                self._done = True
                last = stderr[-1] if stderr else ""
                self._status = _json(last[len("status ") :]) if last.startswith("status ") else None
                break
            if self.stop_reading:
                break
            drops += 1
            reason = ssh_failure(self.remote, returncode, stderr) or f"ssh ended ({returncode})"
            if self.reattached and offset == 0:
                self.lost = True
                yield (f"discdeck : FAILURE : {self.remote.host} is unreachable ({reason}): "
                       "the job's record is kept; discdeck re-attaches when started again\n"
                       ).encode()  # fmt: skip
                break
            if drops > RECONNECTS:
                self.lost = True
                yield f"discdeck: lost {self.remote.host} ({reason}); the job goes on there\n".encode()
                break
            yield f"discdeck: the link to {self.remote.host} dropped ({reason}); reconnecting\n".encode()
            time.sleep(min(0.25 * 2**drops, 10.0))
        if rest and self._done:
            yield rest

    def abandon(self) -> None:
        """Stop following (this process quits): the job goes on there; the record stays."""
        super().abandon()
        if self.follower is not None and self.follower.poll() is None:
            self.follower.terminate()

    def _exit_status(self) -> int:
        if self.lost:
            self._stderr.append(OutputLine("E", f"discdeck: the job on {self.remote.host} "
                                           "goes on; discdeck re-attaches to it when started "
                                           "again", self._now()))  # fmt: skip
            return -1
        status = self._status or _json(_call(self.remote, "status", self.meta["remote_run"]))
        for line in str(status.get("stderr", "")).splitlines():
            if line.strip():
                self._stderr.append(OutputLine("E", line, self._now()))
        self.cancelled = self.cancelled or bool(status.get("cancelled"))
        if self.stream is not None:
            self.stream.stop()
        if self.meta.get("streamed") and status.get("exit") == 0 and status.get("stream") != "complete":
            # The image did not reach its end frame (cut, or the agent there was killed) and
            # xorriso still saw its input end well: the track may be short. A failure.
            self._stderr.append(OutputLine("E", "discdeck : FAILURE : the session "
                                           "image did not arrive whole (the receiver there "
                                           "stopped early); the write may be incomplete: burn "
                                           "again", self._now()))  # fmt: skip
            return 1
        if status.get("exit") is None:
            why = ("ended without an exit status" if status.get("exists")
                   else "is gone: another discdeck took its result (see its journal)")  # fmt: skip
            self._stderr.append(OutputLine("E", f"discdeck: the job on {self.remote.host} {why}",
                                           self._now()))  # fmt: skip
            return -1
        return int(status["exit"])

    def _signal(self, signum: int) -> None:
        _call(self.remote, "cancel", self.meta["remote_run"], str(int(signum)))

    def cancel(self) -> None:
        """SIGINT to the wrapper there (it passes it on to xorriso: libburn stops cleanly)."""
        self.cancelled = True
        with contextlib.suppress(OSError):
            (self.run_dir / "cancelled").touch(mode=0o600)
        self._signal(signal.SIGINT)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def cleanup(self) -> None:
        """The result was consumed: the remote run folder goes, then the local record (a
        lost job keeps both, for a re-attach)."""
        if self.lost:
            return
        with contextlib.suppress(SshError):
            _call(self.remote, "cleanup", self.meta["remote_run"])
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _remote_of(meta: dict) -> RemoteAddress:
    remote = parse_address(str(meta.get("address", ""))).remote
    if remote is None:
        raise SshError(f"run {meta.get('id')} names no ssh:// address")
    return remote


def is_remote_run(run_dir: Path) -> bool:
    """The local record of a job on another machine (not a local run folder)."""
    return "remote_run" in (read_json(Path(run_dir) / "meta.json") or {})


def probe_run(run_dir: Path) -> str | None:
    """One short try to reach the machine of a remote run's record: None when it answers,
    else why, in one line. A starting app asks this before following the run, so a host
    that never comes back costs seconds (ConnectTimeout) and blocks nothing."""
    meta = read_json(Path(run_dir) / "meta.json") or {}
    try:
        remote = _remote_of(meta)
        _call(remote, "status", str(meta.get("remote_run", "")), timeout=CONNECT_TIMEOUT + 5)
    except SshError as exc:
        return str(exc)
    return None
