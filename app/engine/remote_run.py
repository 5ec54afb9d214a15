"""A detached job on another machine: xorriso under the detach wrapper there, followed here.

The remote agent (app/engine/remote_agent.py, sent with every call) starts the wrapper in a
session of its own with its run files in the remote's state dir; this side keeps a small
record in the local running dir (the ssh:// address, the remote run folder, the Plan), so
that a discdeck started later lists the job and re-attaches (app/jobs/reattach.py). Output
is followed with `agent follow RUN OFFSET` over ssh; when the link drops, the follower
connects again from the byte it had reached: nothing is lost, nothing read twice, and the
job on the remote never notices.

The start call, the staged files' and the image's way there: app/engine/remote_calls.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.engine.address import parse_address
from app.engine.detach import DetachedProcess, running_dir
from app.engine.detach_wrapper import read_json, start_ticks, write_atomic
from app.engine.remote_address import RemoteAddress
from app.engine.remote_agent import STATUS
from app.engine.remote_calls import agent_argv, call_agent, json_object, start_remote
from app.engine.remote_stream import FileStream, FramedStream, ImageStream
from app.engine.runner import OutputLine
from app.engine.ssh import CONNECT_TIMEOUT, SshError, ssh_argv, ssh_failure

RECONNECTS = 8
"""Times in a row the follower connects again after a drop (about a minute in all) before
the job is left running there, for a later re-attach."""
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
            ssh_argv(self.remote, command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        return self.follower

    def _took_status(self, line: bytes) -> bool:
        """The follower's last line, the ended job's status (remote_agent.py STATUS)."""
        if not line.startswith(STATUS):
            return False
        self._status, self._done = json_object(os.fsdecode(line[len(STATUS) :])), True
        return True

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
                    if not self._took_status(line):
                        yield line + b"\n"
                if self._done:
                    break  # the last line: no EOF comes through a shared connection yet
            if self._done:
                break  # the follower waits for cleanup(): it removes the run folder there
            returncode = proc.wait()
            if proc.stdin is not None:
                proc.stdin.close()
            stderr = os.fsdecode(proc.stderr.read() if proc.stderr else b"").splitlines()
            if returncode == 0:  # no status: another follower had the result (`status` asks)
                self._done = True
                break
            if rest.startswith(STATUS[:1]):  # a status line cut by the drop: asked again
                offset, rest = offset - len(rest), b""
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
        status = self._status or json_object(call_agent(self.remote, "status", self.meta["remote_run"]))
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
        call_agent(self.remote, "cancel", self.meta["remote_run"], str(int(signum)))

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
        if not self._follower_cleaned():
            with contextlib.suppress(SshError):
                call_agent(self.remote, "cleanup", self.meta["remote_run"])
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def _follower_cleaned(self) -> bool:
        """The follower that brought the status removes the run folder there when told
        (one ssh session less); False when it could not (gone, link dropped, too late)."""
        follower = self.follower
        if follower is None or follower.stdin is None or follower.poll() is not None:
            return False
        try:
            follower.stdin.write(b"cleanup\n")
            follower.stdin.close()
            return follower.wait(timeout=30) == 0
        except (OSError, subprocess.TimeoutExpired):
            follower.kill()
            return False


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
        call_agent(remote, "status", str(meta.get("remote_run", "")), timeout=CONNECT_TIMEOUT + 5)
    except SshError as exc:
        return str(exc)
    return None
