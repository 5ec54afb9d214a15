"""Run one xorriso child per operation: argv only, packet output, our own severity verdict.

Why argv and not xorriso's dialog mode: no quoting layer, no 8 KiB line limit, and a child
that can outlive the UI (see shared/reference/xorriso-frontend-notes.md).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from app.engine.errors import XorrisoMissing, XorrisoTimeout, XorrisoTooOld
from app.engine.severity import Event, OperationKind, fails, parse_event, worse

MIN_VERSION = (1, 1, 8)
"""The oldest xorriso the burning walkthrough supports."""

INSPECT_TIMEOUT = 90.0
"""Seconds an inspection may take: real drives spin up and retry for a while."""

Channel = Literal["R", "I", "M", "E"]

INSTALL_HINT = "install it with: sudo apt-get install xorriso"


def xorriso_binary() -> str:
    """The xorriso to run; DISCDECK_XORRISO points tests' fault injectors elsewhere."""
    return os.environ.get("DISCDECK_XORRISO", "xorriso")


def base_argv(binary: str | None = None) -> list[str]:
    """Start of every command line: predictable, machine-separable, no pattern expansion."""
    return [
        binary or xorriso_binary(),
        "-no_rc",
        "-pkt_output", "on",
        "-abort_on", "FAILURE",
        "-return_with", "SORRY", "32",
        "-report_about", "UPDATE",
        "-iso_rr_pattern", "off",
        "-disk_pattern", "off",
    ]  # fmt: skip


@dataclass(frozen=True)
class OutputLine:
    channel: Channel
    text: str
    at: float
    """Seconds since the child started."""


@dataclass
class RunResult:
    argv: list[str]
    returncode: int
    lines: list[OutputLine] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    worst: str = "ALL"
    cancelled: bool = False

    def text(self, *channels: Channel) -> str:
        """Plain output of the given channels (all of R and I by default)."""
        wanted = channels or ("R", "I")
        return "\n".join(line.text for line in self.lines if line.channel in wanted)

    def failed(self, kind: OperationKind) -> bool:
        return self.cancelled or self.returncode not in (0, 32) or fails(self.worst, kind)

    def first_problem(self, at_least: str = "SORRY") -> str | None:
        """Text of the first event at `at_least` or worse: xorriso's own reason."""
        for event in self.events:
            if worse(event.severity, at_least) == event.severity:
                return event.text
        return None


_PACKET = re.compile(r"^([RIM]):([01]): ?(.*)$", re.DOTALL)


class XorrisoProcess:
    """A running xorriso child whose output is read line by line as it arrives."""

    def __init__(
        self, commands: Sequence[str] = (), *, binary: str | None = None,
        argv: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        """Run `commands` after the base flags, or exactly `argv` (a Plan's, built once)."""
        if argv is None:
            binary = binary or xorriso_binary()
            argv = [*base_argv(binary), *commands]
        check_xorriso(argv[0])
        self.argv = list(argv)
        self.started = time.monotonic()
        self.lines: list[OutputLine] = []
        self.events: list[Event] = []
        self.worst = "ALL"
        self.cancelled = False
        self._stderr: list[OutputLine] = []
        self._spawn()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _now(self) -> float:
        return time.monotonic() - self.started

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            text = os.fsdecode(raw.rstrip(b"\n"))
            if text:
                self._stderr.append(OutputLine("E", text, self._now()))

    def _note(self, line: OutputLine) -> None:
        self.lines.append(line)
        if line.channel in ("I", "E"):
            event = parse_event(line.text)
            if event:
                self.events.append(event)
                self.worst = worse(self.worst, event.severity)

    def _raw_stdout(self) -> Iterator[bytes]:
        assert self.proc.stdout is not None
        yield from self.proc.stdout

    def _exit_status(self) -> int:
        """Wait for the child's end; stderr lines are in self._stderr afterwards."""
        returncode = self.proc.wait()
        self._stderr_thread.join(timeout=5)
        return returncode

    def output(self) -> Iterator[OutputLine]:
        """Yield each stdout packet as a plain line, rejoining xorriso's split pieces."""
        pending: dict[str, str] = {}
        for raw in self._raw_stdout():
            text = os.fsdecode(raw[:-1] if raw.endswith(b"\n") else raw)
            match = _PACKET.match(text)
            if not match:
                line = OutputLine("I", text, self._now())
            else:
                channel, complete, payload = match.groups()
                if complete == "0" and channel != "M":
                    pending[channel] = pending.get(channel, "") + payload
                    continue
                payload = pending.pop(channel, "") + payload
                line = OutputLine(channel, payload, self._now())  # type: ignore[arg-type]
            self._note(line)
            yield line
        for channel, payload in pending.items():
            line = OutputLine(channel, payload, self._now())  # type: ignore[arg-type]
            self._note(line)
            yield line

    def cancel(self) -> None:
        """Ask xorriso to stop: SIGINT makes libburn cancel cleanly (never SIGKILL a burn)."""
        self.cancelled = True
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def wait(self) -> RunResult:
        for _ in self.output():
            pass
        returncode = self._exit_status()
        for line in self._stderr:
            self._note(line)
        return RunResult(
            argv=self.argv,
            returncode=returncode,
            lines=self.lines,
            events=self.events,
            worst=self.worst,
            cancelled=self.cancelled,
        )


def wait_within(process, timeout: float) -> RunResult:
    """The process's result, cancelled after `timeout` seconds (result.cancelled says so)."""
    timer = threading.Timer(timeout, process.cancel)
    timer.start()
    try:
        return process.wait()
    finally:
        timer.cancel()


def run(commands: Sequence[str], *, timeout: float = INSPECT_TIMEOUT) -> RunResult:
    """Run a short inspection to its end, or stop it after `timeout` seconds."""
    result = wait_within(XorrisoProcess(commands), timeout)
    if result.cancelled:
        raise XorrisoTimeout(
            f"xorriso did not answer within {timeout:.0f} s "
            "(is the drive still spinning up or hung? try again, or reload the medium)"
        )
    return result


_VERSION = re.compile(r"xorriso version\s*:\s*(\d+)\.(\d+)\.(\d+)")


@cache
def xorriso_version(binary: str) -> tuple[int, int, int]:
    """Version of `binary`, raising a one-line error when it is absent or unusable."""
    path = shutil.which(binary)
    if path is None:
        raise XorrisoMissing(f"xorriso is not installed (no '{binary}' on PATH): {INSTALL_HINT}")
    try:
        proc = subprocess.run(
            [path, "-no_rc", "-version"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise XorrisoMissing(f"cannot run {path}: {exc}; {INSTALL_HINT}") from exc
    match = _VERSION.search(os.fsdecode(proc.stdout + proc.stderr))
    if not match:
        raise XorrisoMissing(f"{path} did not report an xorriso version; {INSTALL_HINT}")
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def check_xorriso(binary: str | None = None) -> tuple[int, int, int]:
    binary = binary or xorriso_binary()
    version = xorriso_version(binary)
    if version < MIN_VERSION:
        have = ".".join(map(str, version))
        need = ".".join(map(str, MIN_VERSION))
        raise XorrisoTooOld(
            f"xorriso {have} is too old (discdeck needs {need} or newer): "
            "upgrade it with: sudo apt-get install --only-upgrade xorriso"
        )
    return version
