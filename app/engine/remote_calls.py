"""The agent's program and the calls that run it over ssh: short verbs, and the start call
that sends the detach wrapper and the staged files or the streamed image (remote_run.py
follows what it started).

Staged local files travel in the `start` call itself: one tar stream on ssh's stdin,
extracted into the remote run folder (`files/N`, numbered, so the remote shell and file
system never see a hostile top-level name; names inside folders are tar's bytes, exact).
The Plan's argv already maps `files/N` (relative: xorriso runs in the run folder).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tarfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from app.engine import detach_wrapper, remote_agent, remote_agent_stream
from app.engine.detach import DriveBusy
from app.engine.remote_address import RemoteAddress
from app.engine.remote_stream import FramedStream
from app.engine.ssh import SshError, remote_xorriso_argv, ssh_argv, ssh_failure

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


def call_agent(remote: RemoteAddress, verb: str, *args: str, timeout: float = 60) -> str:
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
    return call_agent(remote, verb, *args)


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
    reply = json_object(answer[-1] if answer else stderr[-1] if stderr else "")
    if "busy" in reply:
        raise DriveBusy(
            f"{address} on {remote.host} is busy: another discdeck is {reply['busy']}ing "
            f"it (run {reply.get('run')}); wait for it or cancel it there"
        )
    if failure or returncode != 0 or "run_dir" not in reply:
        raise SshError(failure or f"cannot start the job on {remote.host}: {stderr[-1:]}")
    return str(reply["run_dir"])


def json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
