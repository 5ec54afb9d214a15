"""XorrisoJob: one xorriso child as a job — progress events, cancel, a typed result.

The loop that reads the child's lines, journals them, turns them into Progress and
leaves a result lives here once; the operations (burn, check, blank, format, eject,
remaster) and the surface scan differ only in what they notice in the lines and how
they judge the end (`_observe`, `_judge`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from app.engine.address import parse_address
from app.engine.detach import DetachedProcess
from app.engine.journal import Journal
from app.engine.progress import Phase, Progress, ProgressTracker
from app.engine.remote_address import RemoteAddress
from app.engine.remote_run import RemoteProcess, is_remote_run
from app.engine.remote_runner import RemoteXorrisoProcess
from app.engine.runner import RunResult, XorrisoProcess, check_xorriso

Outcome = Literal["ok", "failed", "cancelled"]
CANCELLED = "cancelled by the user"


@dataclass
class OperationResult:
    """How a job ended, in words, with what the checks found; one type for every job."""

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
    warnings: list[str] = field(default_factory=list)
    """xorriso's SORRY and WARNING lines of a job that still succeeded."""


def warnings_of(rr: RunResult) -> list[str]:
    """The WARNING and SORRY texts of a run, each once, in order."""
    seen: dict[str, None] = {}
    for event in rr.events:
        if event.severity in ("WARNING", "SORRY"):
            seen.setdefault(event.text, None)
    return list(seen)


class XorrisoJob:
    """Iterate events() in a worker thread; cancel() may be called from any thread."""

    kind = "job"
    first_phase: Phase = "preparing"
    renamed: dict[str, Phase] = {}
    """Phases the parser names for another job: a rescue read's "verifying" is "reading"."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        journal_dir: Path | None = None,
        address: str | None = None,
        detached: bool = False,
        attach_to: Path | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        check_xorriso(argv[0] if argv else None)
        self.argv = list(argv)
        self.address = address
        self.detached = (detached and address is not None) or attach_to is not None
        """Detached jobs run under the wrapper, output in files: they outlive this process."""
        self._attach_to = attach_to
        """The run folder of a job already running (re-attach): read it, start nothing."""
        self._meta = meta or {}
        """Kept in a detached run's meta.json (the Plan), so whoever re-attaches knows it."""
        self.result: OperationResult | None = None
        self._journal_dir = journal_dir
        self._lock = threading.Lock()
        self._process: XorrisoProcess | None = None
        self._cancelled = False

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

    @property
    def streaming(self) -> bool:
        """A remote burn whose image is still sent from here (it ends if this process does)."""
        return bool(getattr(self._process, "streaming", False))

    def stop_reading(self) -> None:
        """Stop following a detached job's output (this process is quitting); it goes on."""
        if isinstance(self._process, DetachedProcess):
            self._process.abandon()

    # -- what subclasses decide ----------------------------------------------------------

    def _new_facts(self) -> Any:
        return None

    def _observe(self, facts: Any, text: str) -> None:
        """Note what a line says (called for every line, in order)."""

    def _judge(self, rr: RunResult, facts: Any, journal: Journal | None) -> OperationResult:
        raise NotImplementedError

    def _retry(
        self, rr: RunResult, facts: Any, journal: Journal | None
    ) -> tuple[Journal | None, XorrisoProcess] | None:
        """Start once more (a new process and journal) instead of finishing; None: finish."""
        return None

    def _cleanup(self) -> None:
        """Remove what the job made for itself (temporary files); called once at the end."""

    # -- the one loop --------------------------------------------------------------------

    def _journal(self) -> Journal | None:
        return Journal(self._journal_dir, self.kind, self.argv) if self._journal_dir else None

    def _start_process(self) -> XorrisoProcess:
        if self._attach_to is not None:
            run_dir, self._attach_to = self._attach_to, None
            if is_remote_run(run_dir):
                return RemoteProcess(run_dir=run_dir)
            return DetachedProcess(run_dir=run_dir)
        remote = parse_address(self.address).remote if self.address else None
        if remote is not None:
            return self._start_remote(remote)
        if self.detached:
            return DetachedProcess(
                self.argv, kind=self.kind, address=self.address or "",
                journal_dir=self._journal_dir, meta=self._meta,
            )  # fmt: skip
        return XorrisoProcess(argv=self.argv)

    def _start_remote(self, remote: RemoteAddress) -> XorrisoProcess:
        """On the machine of an ssh:// address: detached there, or attached for short jobs."""
        if not self.detached:
            return RemoteXorrisoProcess(remote, self.argv)
        params = self._meta.get("plan", {}).get("params", {})
        return RemoteProcess(
            remote, self.argv, kind=self.kind, address=self.address or "",
            journal_dir=self._journal_dir, meta=self._meta,
            uploads=[tuple(pair) for pair in params.get("uploads", [])],
            stream=params.get("stream", ()), stream_file=params.get("stream_file"),
        )  # fmt: skip

    def _begin(self) -> tuple[XorrisoProcess, Journal | None] | None:
        with self._lock:
            if self._process is not None:
                raise RuntimeError("events() of a job can be iterated only once")
            if self._cancelled:
                self.result = OperationResult(self.kind, "cancelled", CANCELLED, self.argv, 1, "ALL")
                self._cleanup()
                return None
            process = self._process = self._start_process()
            if isinstance(process, DetachedProcess) and process.argv:
                self.argv = list(process.argv)  # a re-attached run's own argv
            return process, self._journal()

    def events(self) -> Iterator[Progress]:
        """Yield Progress as lines arrive (phase changes included); set self.result at the end."""
        begun = self._begin()
        if begun is None:
            return
        process, journal = begun
        tracker, facts, phase = ProgressTracker(started=process.started), self._new_facts(), self.first_phase
        finished = False
        try:
            yield tracker.enrich(Progress(phase), time.monotonic())
            while True:
                for line in process.output():
                    if journal:
                        journal.line(line.channel, line.text, line.at)
                    self._observe(facts, line.text)
                    progress = tracker.feed(line.text, time.monotonic())
                    if progress is not None and not (
                        progress.phase == "preparing" and phase != "preparing"
                    ):
                        if progress.phase in self.renamed:
                            progress = replace(progress, phase=self.renamed[progress.phase])
                        phase = progress.phase
                        yield progress
                if getattr(process, "stop_reading", False):  # the job goes on without us
                    finished = True
                    if journal:
                        journal.close()
                    return
                rr = process.wait()
                retry = self._retry(rr, facts, journal)
                if retry is None:
                    break
                journal, process = retry
                tracker, facts, phase = ProgressTracker(started=process.started), self._new_facts(), self.first_phase
                yield tracker.enrich(Progress(phase), time.monotonic())
            self._finish(rr, facts, journal)
            finished = True
            done = Progress("done", percent=100.0 if self.result.outcome == "ok" else None)  # type: ignore[union-attr]
            yield tracker.enrich(done, time.monotonic())
        finally:
            if not finished and self.result is None:
                # The consumer went away: keep draining, or xorriso blocks on a full pipe.
                threading.Thread(
                    target=self._drain, args=(process, facts, journal), daemon=True
                ).start()

    def _drain(self, process: XorrisoProcess, facts: Any, journal: Journal | None) -> None:
        for line in process.output():
            if journal:
                journal.line(line.channel, line.text, line.at)
            self._observe(facts, line.text)
        self._finish(process.wait(), facts, journal)

    def _finish(self, rr: RunResult, facts: Any, journal: Journal | None) -> None:
        for line in rr.lines if journal else []:
            if line.channel == "E":  # stderr arrives last: banner, signal and abort text
                journal.line(line.channel, line.text, line.at)  # type: ignore[union-attr]
        self._cancelled = self._cancelled or rr.cancelled  # maybe by another process
        result = self._judge(rr, facts, journal)
        result.journal = str(journal.path) if journal else None
        if result.outcome == "ok":
            result.warnings = warnings_of(rr)
        if journal:
            journal.finish(result.returncode, result.worst, result.outcome, result.message)
        if isinstance(self._process, DetachedProcess):
            self._process.cleanup()  # the result is consumed now: the run folder goes
        self._cleanup()
        self.result = result
