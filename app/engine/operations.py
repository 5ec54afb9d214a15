"""Long xorriso operations (burn, check, blank, format, eject, remaster) as jobs.

The verdict is ours, not xorriso's exit code: a MISHAP during a write ("Filling with 0s")
still "completed successfully" in xorriso's words, and an MD5 mismatch must name the
files. The reading loop is XorrisoJob's; this module says what the lines mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from app.engine.detach import DetachedProcess
from app.engine.journal import Journal
from app.engine.models import SECTOR
from app.engine.progress import Phase
from app.engine.runner import RunResult, XorrisoProcess
from app.engine.severity import OperationKind, fails, rank
from app.engine.xorriso_job import CANCELLED, OperationResult, Outcome, XorrisoJob

__all__ = ["CANCELLED", "DETACHED", "Operation", "OperationResult", "Outcome"]

_KINDS: dict[str, tuple[OperationKind, Phase]] = {
    "burn": ("write", "preparing"), "check": ("check", "verifying"), "eject": ("eject", "ejecting"),
    "blank": ("blank", "blanking"), "format": ("format", "formatting"),
    "remaster": ("write", "preparing"), "write": ("write", "preparing"),
}  # fmt: skip
"""Each kind's severity policy (severity.FAIL_AT) and the phase it starts in."""
DETACHED = ("burn", "blank", "format", "check", "write")
"""Kinds run under the detach wrapper (output in files): they survive the UI's end."""

_WRITTEN = re.compile(r"^Written to medi(?:um|a)\s*:\s*(\d+) sectors at LBA (\d+)")
_IMAGE_SIZE = re.compile(r"^Image size\s*:\s*(\d+)s")
_QUOTED = re.compile(r"^(MD5 MISMATCH|NOT READABLE):\s*'(.*)'\s*$", re.DOTALL)
_RESERVE_REFUSED = re.compile(r"RESERVE TRACK|Cannot reserve track")
"""libburn's words when the drive rejects RESERVE TRACK (53h), which DAO/SAO needs."""
_WRITING_SECTORS = re.compile(r"Writing:\s+(\d+)s\b")
_CDRECORD_WRITING = re.compile(r"\d+ of\s+\d+ MB written")
"""`-as cdrecord`'s pacifier: it counts whole MB, so any such line means the write began."""
TAO_RETRY = "the drive refused RESERVE TRACK (DAO)"
_CDRECORD_TYPES = {"-tao": "tao", "-sao": "sao", "-dao": "sao"}


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
    writing_to: bool = False
    """A "Writing to 'ADDRESS" line whose end is still to come (a newline in the path)."""

    def observe(self, text: str) -> None:
        if text.startswith("Writing to ") or self.writing_to:  # may span lines: see writing_to
            self.committed = self.committed or "completed successfully" in text
            self.writing_to = not self.committed and not text.rstrip().endswith(".")
        if _RESERVE_REFUSED.search(text):
            self.reserve_refused = True
        if (m := _WRITING_SECTORS.search(text)) and int(m.group(1)) > 0:
            self.wrote = True
        if _CDRECORD_WRITING.search(text):
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


_WRITES = ("burn", "remaster", "write")


class Operation(XorrisoJob):
    """One xorriso operation of `kind` running `argv` (complete, base flags included)."""

    def __init__(
        self,
        kind: str,
        argv: list[str],
        *,
        journal_dir: Path | None = None,
        address: str | None = None,
        attach_to: Path | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"unknown operation kind {kind!r}")
        self.kind = kind
        self.first_phase = _KINDS[kind][1]
        self.verifies = kind == "check"
        self._retried_tao = False
        super().__init__(
            argv, journal_dir=journal_dir, address=address, detached=kind in DETACHED,
            attach_to=attach_to, meta=meta,
        )  # fmt: skip

    def _new_facts(self) -> _Facts:
        return _Facts()

    def _observe(self, facts: _Facts, text: str) -> None:
        facts.observe(text)

    def _retry(
        self, rr: RunResult, facts: _Facts, journal: Journal | None
    ) -> tuple[Journal | None, XorrisoProcess] | None:
        """Burn (or write the image) once more with TAO when the drive refused RESERVE TRACK
        before anything was written (tgtd's emulation and some real drives cannot do DAO/SAO;
        `-as cdrecord` reserves the track of an image file on DVD+R unless told -tao)."""
        if (
            self.kind not in ("burn", "write")
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
            self._to_tao()
            if isinstance(self._process, DetachedProcess):
                self._process.cleanup()
            process = self._process = self._start_process()
            journal = self._journal() if journal else None
        return journal, process

    @property
    def _as_cdrecord(self) -> bool:
        """An image written through `-as cdrecord`: an image file, or a burn's session
        image streamed to another machine (app/jobs/plans_remote.py)."""
        return self.kind == "write" or ("-as", "cdrecord") in pairwise(self.argv)

    def _to_tao(self) -> None:
        """The argv asks for TAO: `-write_type tao` natively, `-tao` to `-as cdrecord`."""
        if self._as_cdrecord:
            self.argv.insert(self.argv.index("cdrecord") + 1, "-tao")
        elif "-write_type" in self.argv[:-1]:
            self.argv[self.argv.index("-write_type") + 1] = "tao"
        else:
            self.argv[-1:-1] = ["-write_type", "tao"]

    def _write_type(self) -> str | None:
        if self._as_cdrecord:
            return next((_CDRECORD_TYPES[a] for a in self.argv if a in _CDRECORD_TYPES), None)
        if "-write_type" in self.argv[:-1]:
            return self.argv[self.argv.index("-write_type") + 1]
        return None

    def _judge(self, rr: RunResult, facts: _Facts, journal: Journal | None) -> OperationResult:
        outcome, message = self._verdict(rr, facts)
        if self._retried_tao and outcome == "ok":
            again = "burned" if self.kind == "burn" else "written"
            message = f"{TAO_RETRY}; {again} again with TAO, which worked: {message}"
        elif self._retried_tao and outcome == "failed":
            message = f"{TAO_RETRY}; the retry with TAO failed too: {message}"
        elif self.kind == "burn" and outcome == "failed" and facts.reserve_refused:
            message += f" ({TAO_RETRY}: burn with write type TAO)"
        return OperationResult(
            kind=self.kind, outcome=outcome, message=message, argv=rr.argv,
            returncode=rr.returncode, worst=rr.worst, mismatches=facts.mismatches,
            unreadable=facts.unreadable, no_md5=facts.no_md5, image_sectors=facts.image_sectors,
            written_sectors=facts.written[0] if facts.written else None,
            start_lba=facts.written[1] if facts.written else None,
        )  # fmt: skip

    def _verdict(self, rr: RunResult, facts: _Facts) -> tuple[Outcome, str]:
        policy = _KINDS[self.kind][0]
        check_bad = self.verifies and (
            bool(facts.mismatches or facts.unreadable) or facts.check_errors or facts.no_md5
        )
        bad = rr.returncode not in (0, 32) or fails(rr.worst, policy) or check_bad
        if self.kind in _WRITES and not facts.committed:
            bad = True
        if self._cancelled and (bad or rr.returncode != 0):
            return "cancelled", CANCELLED
        if not bad:
            return "ok", self._success(facts)
        return "failed", self._failure(rr, facts)

    def _failure(self, rr: RunResult, facts: _Facts) -> str:
        reason = rr.first_problem("SORRY")
        if reason and rank(rr.worst) >= rank("MISHAP"):  # the job itself went wrong: say why first
            if self.kind in _WRITES and rank(rr.worst) == rank("MISHAP"):
                reason += " (the session was written, but with zeros in place of that data)"
            return reason
        if facts.mismatches:
            n, shown = len(facts.mismatches), ", ".join(facts.mismatches[:3])
            verb = "differs" if n == 1 else "differ"
            more = " ..." if n > 3 else ""
            return f"{n} file{'s' * (n != 1)} {verb} from its MD5 checksum: {shown}{more}"
        if facts.unreadable:
            return f"{len(facts.unreadable)} file(s) could not be read: {facts.unreadable[0]}"
        if facts.no_md5 and self.verifies:
            return (
                "nothing was verified: the medium holds no MD5 checksums "
                "(written without MD5, or blank)"
            )
        return reason or f"xorriso stopped with exit status {rr.returncode}"

    def _success(self, facts: _Facts) -> str:
        if self._as_cdrecord:  # -as cdrecord prints no sector count: the verify says more
            if "-dummy" in self.argv:
                return "simulation only: nothing was written"
            return "the image was written" if self.kind == "write" else "the session was written"
        if self.kind in _WRITES:
            n, lba = facts.written or (0, 0)
            if any(a == "-dummy" and b == "on" for a, b in pairwise(self.argv)):
                return f"simulation only: nothing was written ({n} sectors would go at LBA {lba})"
            return f"written: {n} sectors ({n * SECTOR / 2**20:.1f} MiB) at LBA {lba}"
        return {
            "check": "every file matches its MD5 checksum",
            "blank": "the medium was already blank" if facts.no_action else "the medium is blank",
            "format": "no formatting was needed" if facts.no_action else "the medium is formatted",
            "eject": "ejected",
        }.get(self.kind, "done")
