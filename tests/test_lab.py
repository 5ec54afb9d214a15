"""The MMC lab (lab/: qemu guest + tgtd's emulated DVD+R) and the outputs it recorded.

Two kinds of tests:

* parser and engine tests on the lab's recorded outputs (tests/fixtures/lab-*.txt): they
  run everywhere, without the lab;
* `lab` tests: one guest boot (lab/scenario.sh, two blank DVD+R recorders) runs every step
  and leaves its outputs under the lab dir; each test asserts on one step's files. When the
  lab cannot start here they are skipped, and the reason is printed in the summary.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.engine import operations as ops
from app.engine.commands import BurnOptions, MapEntry
from app.engine.inspect import _track_size_mismatch
from app.engine.models import MediumReport
from app.engine.parse import parse_media_summary, parse_toc
from app.engine.progress import parse_progress_line
from app.engine.severity import parse_event
from app.jobs.start import start_burn
from tests.conftest import FIXTURES, fixture_text, needs_xorriso

REPO = Path(__file__).resolve().parent.parent
LAB_TIMEOUT = 480
"""Seconds the one lab boot may take (it needs about 3 minutes under TCG)."""


def journal_lines(name: str) -> list[str]:
    """The xorriso output lines of a recorded journal excerpt (comment lines dropped)."""
    return [line for line in fixture_text(name).splitlines() if not line.startswith("#")]


def plain(name: str) -> str:
    """A `-pkt_output on` recording as plain text: the R:/I: channel prefixes dropped."""
    return re.sub(r"^[RIM]:[01]: ?", "", fixture_text(name), flags=re.MULTILINE)


# -- the recorded outputs, without the lab ----------------------------------------------------


def test_blank_dvdr_toc() -> None:
    toc = parse_toc(plain("lab-toc-blank.txt"))
    assert (toc.drive.vendor, toc.drive.product, toc.drive.revision) == (
        "IET",
        "VIRTUAL-CDROM",
        "0001",
    )
    assert toc.media.profile == "DVD+R"
    assert toc.media.status == "blank"
    assert toc.media.writable_blocks == toc.media.overall_blocks == 2295104
    assert toc.media.product == "//0 , (not found in manufacturer list)"
    assert toc.sessions == []


def test_closed_dvdrom_track_size_zero_shows_the_iso_size() -> None:
    text = plain("lab-toc-closed.txt")
    toc = parse_toc(text)
    assert toc.media.profile == "DVD-ROM"
    assert toc.media.status == "closed"
    assert [(s.index, s.blocks) for s in toc.sessions] == [(1, 0)]
    assert toc.media.data_blocks == 0
    report = MediumReport(toc=toc, summary=parse_media_summary(text))
    warning = next(
        e.text for line in text.splitlines() if (e := parse_event(line)) and e.severity == "WARNING"
    )
    assert warning == "Session 1 bears ISO image size 1643s larger than track size 0s"
    note = _track_size_mismatch(report, warning)
    assert note is not None
    assert "track is 0 sectors" in note and "1643 sectors" in note
    assert toc.sessions[0].blocks == 1643
    assert toc.media.data_blocks == 1643
    assert report.summary is not None and report.summary.data_blocks == 1643
    assert _track_size_mismatch(report, "Some other warning") is None


def test_reserve_track_refusal_is_recognised_before_any_write() -> None:
    facts = ops._Facts()
    for line in journal_lines("lab-burn-reserve-track.txt"):
        facts.observe(line)
    assert facts.reserve_refused
    assert not facts.wrote and facts.written is None and not facts.committed
    assert facts.image_sectors == 1939


def test_tao_burn_pacifier_lines_carry_the_drive_buffer() -> None:
    lines = journal_lines("lab-burn-tao.txt")
    writing = [p for line in lines if (p := parse_progress_line(line)) and p.phase == "writing"]
    assert len(writing) >= 5
    assert all(p.buffer == 50 for p in writing)
    assert writing[-1].sectors == 1216 and writing[-1].speed_unit == "xD"
    facts = ops._Facts()
    for line in lines:
        facts.observe(line)
    assert facts.wrote and facts.committed and not facts.reserve_refused
    assert facts.written == (1952, 0)


def _fake_xorriso(tmp_path: Path, replay: list[str]) -> Path:
    """An xorriso that replays recorded output for any write type but TAO (like tgtd)."""
    lines = tmp_path / "replay.txt"
    lines.write_text("".join(f"I:1: {line}\n" for line in replay))
    fake = tmp_path / "xorriso-no-dao"
    fake.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" -version "*|*" -write_type tao "*|*" -rollback_end"*) '
        f'exec {shutil.which("xorriso")} "$@";; esac\n'
        f"cat {lines}\nexit 5\n"
    )
    fake.chmod(0o755)
    return fake


def _burn(tmp_path: Path, fake: Path, monkeypatch: pytest.MonkeyPatch, **opts):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.bin").write_bytes(random.Random(5).randbytes(300_000))
    image = tmp_path / "disc.iso"
    monkeypatch.setenv("DISCDECK_XORRISO", str(fake))
    op = start_burn(
        f"stdio:{image}",
        [MapEntry(str(source), "/src")],
        BurnOptions(close=True, **opts),
        journal_dir=tmp_path / "journal",
    )
    events = list(op.events())
    assert op.result is not None
    return op, events, image


@needs_xorriso
def test_refused_reserve_track_burns_again_with_tao(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_xorriso(tmp_path, journal_lines("lab-burn-reserve-track.txt"))
    op, events, image = _burn(tmp_path, fake, monkeypatch)
    result = op.result
    assert result.outcome == "ok", result.message
    assert result.message.startswith(
        "the drive refused RESERVE TRACK (DAO); burned again with TAO, which worked: written:"
    )
    assert op.argv[op.argv.index("-write_type") + 1] == "tao"
    assert image.stat().st_size > 300_000
    assert events[-1].phase == "done"
    journals = [p.read_text() for p in (tmp_path / "journal").iterdir()]
    assert len(journals) == 2
    assert (
        sum(
            "result: the drive refused RESERVE TRACK (DAO): retrying with TAO" in j
            for j in journals
        )
        == 1
    )


@needs_xorriso
def test_no_retry_once_something_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay = [
        "xorriso : UPDATE : Writing:         16s    0.8%   fifo   0%  buf  50%",
        *journal_lines("lab-burn-reserve-track.txt")[-6:],
    ]
    op, _events, _image = _burn(tmp_path, _fake_xorriso(tmp_path, replay), monkeypatch)
    assert op.result.outcome == "failed"
    assert "burned again" not in op.result.message
    assert op.argv[op.argv.index("-write_type") + 1] == "auto"
    assert len(list((tmp_path / "journal").iterdir())) == 1


@needs_xorriso
def test_no_retry_when_tao_was_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "always-refuses"
    lines = tmp_path / "replay.txt"
    lines.write_text("".join(f"I:1: {x}\n" for x in journal_lines("lab-burn-reserve-track.txt")))
    fake.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" -version "*) exec {shutil.which("xorriso")} "$@";; esac\n'
        f"cat {lines}\nexit 5\n"
    )
    fake.chmod(0o755)
    op, _events, _image = _burn(tmp_path, fake, monkeypatch, write_type="tao")
    assert op.result.outcome == "failed"
    assert "burned again" not in op.result.message


@needs_xorriso
def test_explicit_sao_is_not_overridden_but_tao_is_suggested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_xorriso(tmp_path, journal_lines("lab-burn-reserve-track.txt"))
    op, _events, _image = _burn(tmp_path, fake, monkeypatch, write_type="sao")
    assert op.result.outcome == "failed"
    assert op.argv[op.argv.index("-write_type") + 1] == "sao"
    assert op.result.message.endswith(
        "(the drive refused RESERVE TRACK (DAO): burn with write type TAO)"
    )


def test_tui_capture_fixture_shows_a_drive_buffer_figure() -> None:
    path = FIXTURES / "lab-tui-capture.txt"
    if not path.exists():
        pytest.skip("no TUI capture recorded yet")
    text = path.read_text()
    assert len(text.splitlines()) == 24
    assert re.search(r"buffer .*\b50%", text)


# -- the lab: one boot for all lab tests ------------------------------------------------------


@dataclass
class LabRun:
    dir: Path
    out: Path
    timings: dict[str, float] = field(default_factory=dict)

    def rc(self, step: str) -> int:
        return int((self.out / f"{step}.rc").read_text())

    def stdout(self, step: str) -> str:
        return (self.out / f"{step}.out").read_text(errors="replace")

    def stderr(self, step: str) -> str:
        return (self.out / f"{step}.err").read_text(errors="replace")

    def seconds(self, step: str) -> float:
        return float((self.out / f"{step}.time").read_text())


class _LabSummary:
    """Prints the lab's fate (skip reason, or timings) in pytest's terminal summary."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.lines:
            terminalreporter.section("discdeck lab")
            for line in self.lines:
                terminalreporter.write_line(line)


def _payload(folder: Path, total: int, seed: int) -> Path:
    rng = random.Random(seed)
    (folder / "sub").mkdir(parents=True)
    (folder / "random.bin").write_bytes(rng.randbytes(total))
    (folder / "sub" / "numbers.txt").write_text("".join(f"{n}\n" for n in range(50_000)))
    (folder / "readme.txt").write_text("burned in the discdeck lab\n")
    return folder


@pytest.fixture(scope="session")
def lab_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LabRun:
    sys.path.insert(0, str(REPO))
    from lab import Lab, LabUnavailable

    summary = _LabSummary()
    request.config.pluginmanager.register(summary, "discdeck-lab-summary")

    def skip(reason: str):
        summary.lines.append(f"lab tests SKIPPED: {reason}")
        pytest.skip(f"lab unavailable: {reason}")

    workdir = tmp_path_factory.mktemp("lab")
    t0 = time.monotonic()
    try:
        lab = Lab(workdir, log=lambda text: summary.lines.append(f"lab: {text}"))
        lab.prepare()
    except LabUnavailable as exc:
        skip(str(exc))
    _payload(workdir / "payload", 3_000_000, seed=1)
    _payload(workdir / "payload2", 24_000_000, seed=2)
    python = sys.executable if not sys.executable.startswith("/tmp/") else ""
    script = f"export LAB_PY={python}\n" if python and os.path.exists(python) else ""
    script += (REPO / "lab" / "scenario.sh").read_text()
    try:
        result = lab.boot(script, media=2, timeout=LAB_TIMEOUT)
    except LabUnavailable as exc:
        skip(str(exc))
    if "boot" not in result.timings:
        skip(
            "the guest did not come up; console tail: " + result.console[-500:].replace("\n", " | ")
        )
    times = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    summary.lines.append(f"lab ran in {time.monotonic() - t0:.0f} s ({times}); files in {workdir}")
    run = LabRun(workdir, workdir / "out", result.timings)
    steps = sorted(run.out.glob("*.time"))
    summary.lines.append(
        "lab steps: " + ", ".join(f"{p.stem} {float(p.read_text()):.1f}s" for p in steps)
    )
    assert result.returncode is not None, (
        f"the guest script did not finish within {LAB_TIMEOUT} s; see {workdir}"
    )
    return run


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_info_blank_dvdr(lab_run: LabRun) -> None:
    assert lab_run.rc("info-blank") == 0, lab_run.stderr("info-blank")
    toc = json.loads(lab_run.stdout("info-blank"))
    assert toc["drive"]["vendor"] == "IET"
    assert toc["drive"]["product"] == "VIRTUAL-CDROM"
    assert toc["media"]["profile"] == "DVD+R"
    assert toc["media"]["status"] == "blank"
    assert toc["media"]["writable_blocks"] == 2295104
    assert toc["sessions"] == []


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_burn_closes_after_a_tao_retry(lab_run: LabRun) -> None:
    assert lab_run.rc("burn") == 0, lab_run.stdout("burn")[-2000:] + lab_run.stderr("burn")
    lines = lab_run.stdout("burn").splitlines()
    final = json.loads(lines[-1])
    assert final["result"] == "ok"
    assert (
        "the drive refused RESERVE TRACK (DAO); burned again with TAO, which worked"
        in (final["message"])
    )
    assert "check: every file matches its MD5 checksum" in final["message"]
    assert final["medium"] == "closed, 1 session(s)"
    events = [json.loads(line) for line in lines[:-1]]
    assert any(e["phase"] == "writing" and e["buffer"] is not None for e in events)
    journals = [p.read_text() for p in (lab_run.out / "journal").glob("*-burn*.log")]
    assert len(journals) == 2
    assert any("53h RESERVE TRACK" in j and "outcome: failed" in j for j in journals)
    assert any("Explicitly chosen write type: TAO" in j and "outcome: ok" in j for j in journals)


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_info_closed_shows_the_real_session_size(lab_run: LabRun) -> None:
    assert lab_run.rc("info-closed") == 0, lab_run.stderr("info-closed")
    toc = json.loads(lab_run.stdout("info-closed"))
    assert toc["media"]["profile"] == "DVD-ROM"
    assert toc["media"]["status"] == "closed"
    raw = lab_run.stdout("toc-closed") + lab_run.stderr("toc-closed")
    assert re.search(r"ISO session\s*:\s*1\s*,\s*0\s*,\s*0s", raw), raw
    iso = int(re.search(r"ISO image size (\d+)s", raw).group(1))
    assert toc["sessions"][0]["blocks"] == iso > 1000
    assert toc["media"]["data_blocks"] == iso
    text = lab_run.stdout("info-closed-text")
    assert f"the ISO image in it is {iso} sectors" in text
    assert "0 data blocks" not in text


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_check_passes(lab_run: LabRun) -> None:
    assert lab_run.rc("check") == 0, lab_run.stdout("check") + lab_run.stderr("check")
    assert "ok: check: every file matches its MD5 checksum" in lab_run.stdout("check")


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_second_burn_on_closed_medium_is_refused(lab_run: LabRun) -> None:
    assert lab_run.rc("burn-again") == 1
    final = json.loads(lab_run.stdout("burn-again").splitlines()[-1])
    assert final["result"] == "failed"
    assert "appending to a closed medium is impossible" in final["message"]
    assert "discdeck: appending to a closed medium is impossible" in lab_run.stderr("burn-again")
    # refused before any write: xorriso never ran a burn, so no burn journal
    assert list((lab_run.out / "journal-again").glob("*-burn*.log")) == []


def _tui_captures(lab_run: LabRun) -> list[Path]:
    return sorted((lab_run.out / "tui").glob("burn-*.txt"))


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_tui_burn_shows_the_drive_buffer(lab_run: LabRun) -> None:
    captures = _tui_captures(lab_run)
    assert captures, f"no TUI captures in {lab_run.out / 'tui'}"
    with_buffer = [p for p in captures if re.search(r"buffer .*\b([1-9]\d?|100)%", p.read_text())]
    assert with_buffer, f"no capture shows a drive buffer figure: {captures[-1].read_text()}"
    screen = with_buffer[len(with_buffer) // 2].read_text()
    assert len(screen.splitlines()) == 24
    assert "Burning to /dev/sr1" in screen
    final = (lab_run.out / "tui" / "final.txt").read_text()
    assert "✗" not in final, final
