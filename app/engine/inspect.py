"""Read-only questions to a drive: its medium and TOC, the drive list, the formats."""

from __future__ import annotations

import re

from app.engine.address import (
    Address,
    check_address,
    overwrite_problem,
    parse_address,
    readable_only,
)
from app.engine.boot_report import BootReport, parse_boot_report
from app.engine.errors import DriveError
from app.engine.models import SECTOR, DriveInfo, Formats, MediumReport
from app.engine.parse import parse_devices, parse_formats, parse_media_summary, parse_toc
from app.engine.remote_runner import run_remote
from app.engine.runner import INSPECT_TIMEOUT, RunResult, run
from app.engine.severity import rank


def _run(address: Address, commands: list[str], timeout: float) -> RunResult:
    """Here, or on the machine of an ssh:// address."""
    if address.remote is not None:
        return run_remote(address.remote, commands, timeout=timeout)
    return run(commands, timeout=timeout)


def _acquire_failure(result: RunResult, address: str) -> str | None:
    """xorriso's reason when the drive was not acquired, else None."""
    if any(event.text.startswith("Cannot acquire drive") for event in result.events):
        detail = next(
            (
                e.text
                for e in result.events
                if e.origin == "libburn" and rank(e.severity) >= rank("SORRY")
            ),
            None,
        )
        return f"cannot open drive {address}" + (f": {detail}" if detail else "")
    return None


def read_medium(address: str, *, timeout: float = INSPECT_TIMEOUT) -> MediumReport:
    """Acquire the drive, read its TOC and summary, and release it again.

    `-outdev` is used where we may write: it does not load the ISO tree, which keeps the
    read fast on images with many files.
    """
    parsed = parse_address(address)
    check_address(parsed)
    acquire = "-indev" if readable_only(parsed) else "-outdev"
    result = _run(parsed, [acquire, parsed.xorriso, "-toc"], timeout)
    failure = _acquire_failure(result, parsed.text)
    if failure:
        raise DriveError(failure)
    toc_text = result.text("R") or result.text("I")
    toc = parse_toc(toc_text)
    if toc.drive.address and parsed.remote is not None:
        toc.drive.address = parsed.text  # what the user wrote; it reads this medium again
    if not toc.drive.address:
        raise DriveError(
            result.first_problem()
            or f"xorriso gave no TOC for {parsed.xorriso} (rc {result.returncode})"
        )
    report = MediumReport(toc=toc, summary=parse_media_summary(toc_text))
    for line in toc_text.splitlines():
        if line.startswith("Drive access :"):
            report.access = line.split(":", 1)[1].strip()
        elif line.startswith("Media status :") and ", but " in line:
            report.warnings.append("medium status: " + line.split(", but ", 1)[1].strip())
    report.problems.extend(_problems(report, result, parsed, toc_text))
    for event in result.events:
        if event.severity == "WARNING":
            report.warnings.append(_track_size_mismatch(report, event.text) or event.text)
    return report


_ISO_LARGER = re.compile(r"Session (\d+) bears ISO image size (\d+)s larger than track size (\d+)s")


def _track_size_mismatch(report: MediumReport, text: str) -> str | None:
    """The drive's TOC gives a track shorter than the ISO image in it (tgtd's emulated
    DVD-ROM reports 0): show the image size from its volume descriptor, and say so."""
    match = _ISO_LARGER.search(text)
    if not match:
        return None
    index, iso, track = map(int, match.groups())
    media = report.toc.media
    for session in report.toc.sessions:
        if session.index == index and session.blocks < iso:
            session.blocks = iso
    total = sum(s.blocks for s in report.toc.sessions)
    if media.data_blocks is not None and media.data_blocks < total:
        media.data_blocks = total
    if report.summary is not None and report.summary.data_blocks < total:
        report.summary.data_blocks, report.summary.data_bytes = total, total * SECTOR
    return (
        f"session {index}: the drive's table of contents says its track is {track} sectors, "
        f"but the ISO image in it is {iso} sectors ({iso * SECTOR / 2**20:.1f} MiB): "
        "showing the image size (the drive reports the track size wrongly)"
    )


def _problems(report: MediumReport, result: RunResult, address: Address, text: str) -> list[str]:
    toc, problems = report.toc, []
    incomplete = "Incmp session" in text
    if any("Cannot obtain Table Of Content" in e.text for e in result.events):
        problems.append(
            "the table of contents could not be read: clean the disc and press r, "
            "or run a surface scan to see which sectors fail"
        )
    if toc.media.status == "absent":
        problems.append("no medium in the drive: insert a disc and press r to read it")
    elif toc.media.status == "unknown":
        problems.append(
            "the medium is not recognizable: it may be unsuitable for this drive or damaged"
        )
    elif incomplete:
        problems.append(
            "an incomplete session is open on this medium (an interrupted burn?): "
            "xorriso may be able to close it with a new burn; the data in it is not readable"
        )
    elif toc.sessions and all(s.kind == "Other" for s in toc.sessions):
        if address.kind == "stdio" and overwrite_problem(address.path):
            problems.append(
                "this file holds no ISO 9660 file system: it is not a disc image file, so "
                "discdeck will not write, blank or format it (to burn, give a new or empty file)"
            )
            return problems
        what = "this image file" if address.kind == "stdio" else "this medium"
        problems.append(
            f"{what} holds no ISO 9660 file system (read as a non-ISO session); "
            "blank it before writing to it"
        )
    return problems


def list_devices(*, timeout: float = INSPECT_TIMEOUT) -> list[DriveInfo]:
    """Recorders libburn can see (needs rw permission; busy ones come back busy=True)."""
    result = run(["-devices"], timeout=timeout)
    return parse_devices(result.text())


def list_formats(address: str, *, timeout: float = INSPECT_TIMEOUT) -> Formats:
    parsed = parse_address(address)
    check_address(parsed)
    result = _run(parsed, ["-outdev", parsed.xorriso, "-list_formats"], timeout)
    failure = _acquire_failure(result, parsed.text)
    if failure:
        raise DriveError(failure)
    return parse_formats(result.text())


def read_boot_report(
    address: str, session_start: int | None = None, *, timeout: float = INSPECT_TIMEOUT
) -> BootReport:
    """The whole boot picture of a session as xorriso reads it: El Torito images (paths,
    boot-info-table / isohybrid / GRUB2 markers) and the system area (MBR, GPT, APM).

    `-indev` only reads; `-load sbsector` picks an older session. xorriso's own reason is
    in `problems` when it could not load the image (damage), never an exception.
    """
    parsed = parse_address(address)
    check_address(parsed)
    load = ["-load", "sbsector", str(session_start)] if session_start is not None else []
    commands = [*load, "-indev", parsed.xorriso]
    commands += ["-report_el_torito", "plain", "-report_system_area", "plain"]
    result = _run(parsed, commands, timeout)
    failure = _acquire_failure(result, parsed.text)
    if failure:
        raise DriveError(failure)
    return parse_boot_report(result.text())
