"""Long xorriso jobs (burn, check, blank, format, eject) as iterable progress streams.

One child per operation; `Operation.events()` runs in a worker thread and yields
`Progress` as lines arrive, then leaves a typed `OperationResult`. The verdict is ours,
not xorriso's exit code: a MISHAP during a write ("Filling with 0s") still "completed
successfully" in xorriso's words, and an MD5 mismatch must name the files.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal

from app.engine import commands as cmd
from app.engine.address import check_address, parse_address
from app.engine.commands import BurnOptions, MapEntry
from app.engine.detach import DetachedProcess, check_free
from app.engine.journal import Journal
from app.engine.models import SECTOR
from app.engine.preflight import SizeForecast, forecast_size, preflight_burn  # noqa: F401
from app.engine.progress import Phase, Progress, ProgressTracker
from app.engine.runner import RunResult, XorrisoProcess, base_argv, check_xorriso
from app.engine.severity import OperationKind, fails, rank

Outcome = Literal["ok", "failed", "cancelled"]
_KINDS: dict[str, tuple[OperationKind, Phase]] = {
    "burn": ("write", "preparing"), "check": ("check", "verifying"), "eject": ("eject", "ejecting"),
    "blank": ("blank", "blanking"), "format": ("format", "formatting"),
}  # fmt: skip
"""Each kind's severity policy (severity.FAIL_AT) and the phase it starts in."""
CANCELLED = "cancelled by the user"
Folder = Path | None
"""Where the operation's journal goes; None: no journal."""
DETACHED = ("burn", "blank", "format", "check")
"""Kinds run under the detach wrapper (output in files): they survive the UI's end."""


@dataclass
class OperationResult:
    kind: str
    outcome: Outcome
    message: str
    argv: list[str]
    returncode: int
    worst: str
    mismatches: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    no_md5: bool = False
    image_sectors: int | None = None
    written_sectors: int | None = None
    start_lba: int | None = None
    journal: str | None = None


_WRITTEN = re.compile(r"^Written to medi(?:um|a)\s*:\s*(\d+) sectors at LBA (\d+)")
_IMAGE_SIZE = re.compile(r"^Image size\s*:\s*(\d+)s")
_MEDIA_SPACE = re.compile(r"^Media space\s*:\s*(\d+)s")
_QUOTED = re.compile(r"^(MD5 MISMATCH|NOT READABLE):\s*'(.*)'\s*$", re.DOTALL)
_RESERVE_REFUSED = re.compile(r"RESERVE TRACK|Cannot reserve track")
"""libburn's words when the drive rejects RESERVE TRACK (53h), which DAO/SAO needs."""
_WRITING_SECTORS = re.compile(r"Writing:\s+(\d+)s\b")
TAO_RETRY = "the drive refused RESERVE TRACK (DAO)"


@dataclass
class _Facts:
    """What the output told us, collected line by line."""

    image_sectors: int | None = None
    written: tuple[int, int] | None = None
    committed: bool = False
    check_errors: bool = False
    no_action: bool = False
    mismatches: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    no_md5: bool = False
    reserve_refused: bool = False
    wrote: bool = False
    """A pacifier line counted written sectors: the medium is no longer untouched."""

    def observe(self, text: str) -> None:
        if _RESERVE_REFUSED.search(text):
            self.reserve_refused = True
        if (m := _WRITING_SECTORS.search(text)) and int(m.group(1)) > 0:
            self.wrote = True
        if m := _IMAGE_SIZE.match(text):
            self.image_sectors = int(m.group(1))
        elif m := _WRITTEN.match(text):
            self.written = (int(m.group(1)), int(m.group(2)))
        elif text.startswith("Writing to ") and "completed successfully" in text:
            self.committed = True
        elif m := _QUOTED.match(text):
            (self.mismatches if m.group(1) == "MD5 MISMATCH" else self.unreadable).append(
                m.group(2).replace("'\"'\"'", "'")
            )
        elif text.startswith(("Mismatch detected between", "Encountered errors other than")):
            self.check_errors = True
        elif text.startswith("Not a single file with MD5 checksum was found"):
            self.no_md5 = True
        elif "no need for action detected" in text or "Will leave it untouched" in text:
            self.no_action = True


class Operation:
    """One xorriso job. Iterate events() in a worker thread; cancel() may be called from any thread."""

    def __init__(
        self,
        kind: str,
        commands: Sequence[str],
        *,
        journal_dir: Folder = None,
        address: str | None = None,
        attach_to: Path | None = None,
        checkread_after: bool = False,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown operation kind {kind!r}")
        check_xorriso()
        self.kind = kind
        self.address = address
        self.detached = kind in DETACHED and address is not None
        """With an address, long jobs run detached: they go on if this process ends."""
        self._attach_to = attach_to
        self.checkread_after = checkread_after
        """Kept with a detached job, so whoever re-attaches runs the checkread asked for."""
        """A run folder of a job already running (re-attach): read it instead of starting one."""
        self.commands = list(commands)
        self.argv = [*base_argv(), *self.commands]
        self.result: OperationResult | None = None
        self.verifies = kind == "check"
        self._journal_dir = journal_dir
        self._lock = threading.Lock()
        self._process: XorrisoProcess | None = None
        self._cancelled = False
        self._retried_tao = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def cancel(self) -> None:
        """SIGINT to the child: libburn stops cleanly in 1-2 s (never SIGKILL a burn)."""
        with self._lock:
            self._cancelled = True
            process = self._process
        if process is not None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                process.cancel()

    def events(self) -> Iterator[Progress]:
        """Yield Progress as lines arrive (phase changes included); set self.result at the end."""
        with self._lock:
            if self._process is not None:
                raise RuntimeError("events() of an operation can be iterated only once")
            if self._cancelled:
                self.result = OperationResult(
                    self.kind, "cancelled", CANCELLED, self.argv, 1, "ALL"
                )
                return
            process = self._process = self._start_process()
            journal = (
                Journal(self._journal_dir, self.kind, self.argv) if self._journal_dir else None
            )
        tracker, facts = ProgressTracker(started=process.started), _Facts()
        phase: Phase = _KINDS[self.kind][1]
        finished = False
        try:
            yield tracker.enrich(Progress(phase), time.monotonic())
            while True:
                for line in process.output():
                    if journal:
                        journal.line(line.channel, line.text, line.at)
                    facts.observe(line.text)
                    progress = tracker.feed(line.text, time.monotonic())
                    if progress is not None and not (
                        progress.phase == "preparing" and phase != "preparing"
                    ):
                        phase = progress.phase
                        yield progress
                if getattr(process, "stop_reading", False):  # the job goes on without us
                    finished = True
                    if journal:
                        journal.close()
                    return
                run_result = process.wait()
                retry = self._retry_with_tao(run_result, facts, journal)
                if retry is None:
                    break
                journal, process = retry
                tracker, facts = ProgressTracker(started=process.started), _Facts()
                phase = _KINDS[self.kind][1]
                yield tracker.enrich(Progress(phase), time.monotonic())
            self._finish(run_result, facts, journal)
            finished = True
            done = Progress("done", percent=100.0 if self.result.outcome == "ok" else None)  # type: ignore[union-attr]
            yield tracker.enrich(done, time.monotonic())
        finally:
            if not finished and self.result is None:
                # The consumer went away: keep draining, or xorriso blocks on a full pipe.
                threading.Thread(
                    target=self._drain, args=(process, facts, journal), daemon=True
                ).start()

    def _retry_with_tao(
        self, rr: RunResult, facts: _Facts, journal: Journal | None
    ) -> tuple[Journal | None, XorrisoProcess] | None:
        """Burn once more with -write_type tao when the drive refused RESERVE TRACK before
        anything was written (tgtd's emulation and some real drives cannot do DAO/SAO)."""
        if (
            self.kind != "burn"
            or self._retried_tao
            or not facts.reserve_refused
            or facts.wrote
            or facts.written is not None
            or facts.committed
            or rank(rr.worst) < rank("FAILURE")
            or self._write_type() not in (None, "auto")  # an explicit choice stays the user's
        ):
            return None
        if journal:
            for line in rr.lines:
                if line.channel == "E":
                    journal.line(line.channel, line.text, line.at)
            journal.finish(rr.returncode, rr.worst, "failed", TAO_RETRY + ": retrying with TAO")
        with self._lock:
            if self._cancelled:
                return None
            self._retried_tao = True
            if "-write_type" in self.commands[:-1]:
                self.commands[self.commands.index("-write_type") + 1] = "tao"
            else:
                self.commands[-1:-1] = ["-write_type", "tao"]
            self.argv = [*base_argv(), *self.commands]
            if isinstance(self._process, DetachedProcess):
                self._process.cleanup()
            process = self._process = self._start_process()
            journal = Journal(self._journal_dir, self.kind, self.argv) if journal else None
        return journal, process

    def _start_process(self) -> XorrisoProcess:
        if self._attach_to is not None:
            run_dir, self._attach_to = self._attach_to, None
            return DetachedProcess(run_dir=run_dir)
        if self.detached:
            return DetachedProcess(
                self.commands, kind=self.kind, address=self.address or "",
                journal_dir=self._journal_dir, checkread_after=self.checkread_after,
            )  # fmt: skip
        return XorrisoProcess(self.commands)

    def stop_reading(self) -> None:
        """Stop following a detached job's output (this process is quitting); it goes on."""
        if isinstance(self._process, DetachedProcess):
            self._process.abandon()

    def _write_type(self) -> str | None:
        if "-write_type" in self.commands[:-1]:
            return self.commands[self.commands.index("-write_type") + 1]
        return None

    def _drain(self, process: XorrisoProcess, facts: _Facts, journal: Journal | None) -> None:
        for line in process.output():
            if journal:
                journal.line(line.channel, line.text, line.at)
            facts.observe(line.text)
        self._finish(process.wait(), facts, journal)

    def _finish(self, run_result: RunResult, facts: _Facts, journal: Journal | None) -> None:
        for line in run_result.lines if journal else []:
            if line.channel == "E":  # stderr arrives last: banner, signal and abort text
                journal.line(line.channel, line.text, line.at)  # type: ignore[union-attr]
        self._cancelled = self._cancelled or run_result.cancelled  # maybe by another process
        outcome, message = self._verdict(run_result, facts)
        if self._retried_tao and outcome == "ok":
            message = f"{TAO_RETRY}; burned again with TAO, which worked: {message}"
        elif self._retried_tao and outcome == "failed":
            message = f"{TAO_RETRY}; the retry with TAO failed too: {message}"
        elif self.kind == "burn" and outcome == "failed" and facts.reserve_refused:
            message += f" ({TAO_RETRY}: burn with write type TAO)"
        result = OperationResult(
            kind=self.kind,
            outcome=outcome,
            message=message,
            argv=run_result.argv,
            returncode=run_result.returncode,
            worst=run_result.worst,
            mismatches=facts.mismatches,
            unreadable=facts.unreadable,
            no_md5=facts.no_md5,
            image_sectors=facts.image_sectors,
            written_sectors=facts.written[0] if facts.written else None,
            start_lba=facts.written[1] if facts.written else None,
            journal=str(journal.path) if journal else None,
        )
        if journal:
            journal.finish(result.returncode, result.worst, outcome, message)
        if isinstance(self._process, DetachedProcess):
            self._process.cleanup()  # the result is consumed now: the run folder goes
        self.result = result

    def _verdict(self, rr: RunResult, facts: _Facts) -> tuple[Outcome, str]:
        policy = _KINDS[self.kind][0]
        check_bad = self.verifies and (
            bool(facts.mismatches or facts.unreadable) or facts.check_errors or facts.no_md5
        )
        bad = rr.returncode not in (0, 32) or fails(rr.worst, policy) or check_bad
        if self.kind == "burn" and not facts.committed:
            bad = True
        if self._cancelled and (bad or rr.returncode != 0):
            return "cancelled", CANCELLED
        if not bad:
            return "ok", self._success(facts)
        reason = rr.first_problem("SORRY")
        if reason and rank(rr.worst) >= rank("MISHAP"):  # the job itself went wrong: say why first
            if self.kind == "burn" and rank(rr.worst) == rank("MISHAP"):
                reason += " (the session was written, but with zeros in place of that data)"
            return "failed", reason
        if facts.mismatches:
            n, shown = len(facts.mismatches), ", ".join(facts.mismatches[:3])
            verb = "differs" if n == 1 else "differ"
            more = " ..." if n > 3 else ""
            return "failed", f"{n} file{'s' * (n != 1)} {verb} from its MD5 checksum: {shown}{more}"
        if facts.unreadable:
            n = len(facts.unreadable)
            return "failed", f"{n} file(s) could not be read: {facts.unreadable[0]}"
        if facts.no_md5 and self.verifies:
            return "failed", (
                "nothing was verified: the medium holds no MD5 checksums "
                "(written without MD5, or blank)"
            )
        if reason:
            return "failed", reason
        return "failed", f"xorriso stopped with exit status {rr.returncode}"

    def _success(self, facts: _Facts) -> str:
        if self.kind == "burn":
            n, lba = facts.written or (0, 0)
            if any(a == "-dummy" and b == "on" for a, b in pairwise(self.commands)):
                return f"simulation only: nothing was written ({n} sectors would go at LBA {lba})"
            return f"written: {n} sectors ({n * SECTOR / 2**20:.1f} MiB) at LBA {lba}"
        return {
            "check": "every file matches its MD5 checksum",
            "blank": "the medium was already blank" if facts.no_action else "the medium is blank",
            "format": "no formatting was needed" if facts.no_action else "the medium is formatted",
            "eject": "ejected",
        }.get(self.kind, "done")


def start_burn(
    address: str, entries: Sequence[MapEntry], options: BurnOptions, *, journal_dir: Folder = None
) -> Operation:
    check_address(parse_address(address), for_write=True)
    check_free(address)
    commands = cmd.burn_commands(address, entries, options)
    return Operation(
        "burn",
        commands,
        journal_dir=journal_dir,
        address=address,
        checkread_after=cmd.checkread_after(options),
    )


def start_check(address: str, *, journal_dir: Folder = None) -> Operation:
    check_address(parse_address(address))
    check_free(address)
    return Operation("check", cmd.check_commands(address), journal_dir=journal_dir, address=address)


def start_blank(address: str, mode: str = "as_needed", *, journal_dir: Folder = None) -> Operation:
    check_address(parse_address(address), for_write=True)
    check_free(address)
    commands = cmd.blank_commands(address, mode)
    return Operation("blank", commands, journal_dir=journal_dir, address=address)


def start_format(address: str, mode: str = "as_needed", *, journal_dir: Folder = None) -> Operation:
    check_address(parse_address(address), for_write=True)
    check_free(address)
    commands = cmd.format_commands(address, mode)
    return Operation("format", commands, journal_dir=journal_dir, address=address)


def start_eject(address: str, *, journal_dir: Folder = None) -> Operation:
    return Operation("eject", cmd.eject_commands(address), journal_dir=journal_dir)
