"""The MMC lab (lab/: qemu guest + tgtd's emulated DVD+R) and the outputs it recorded.

Two kinds of tests:

* parser and engine tests on the lab's recorded outputs (tests/fixtures/lab-*.txt): they
  run everywhere, without the lab;
* `lab` tests: one guest boot (lab/scenario.sh, four blank DVD+R recorders) runs every step
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
from app.engine.mtx import parse_mtx_status
from app.engine.parse import parse_media_summary, parse_toc
from app.engine.progress import parse_progress_line
from app.engine.rescue import RescueRead
from app.engine.runner import OutputLine, RunResult
from app.engine.severity import parse_event
from app.jobs.plans import Target, write_image_plan
from app.jobs.start import start_burn, start_job
from tests.conftest import FIXTURES, fixture_text, needs_xorriso, xorriso_run
from tests.lab_remote import HostSteps, prepare_ssh
from tests.sshd import SSHD, have_sshd

REPO = Path(__file__).resolve().parent.parent
LAB_TIMEOUT = 2100
"""Seconds the one lab boot may take (about 15-23 minutes on 2 shared cores under TCG, more
when the cores are busy with other work; the ssh steps wait on Python starts in the guest)."""


def journal_lines(name: str) -> list[str]:
    """The xorriso output lines of a recorded journal excerpt (comment lines dropped)."""
    return [line for line in fixture_text(name).splitlines() if not line.startswith("#")]


def plain(name: str) -> str:
    """A `-pkt_output on` recording as plain text: the R:/I: channel prefixes dropped."""
    return re.sub(r"^[RIM]:[01]: ?", "", fixture_text(name), flags=re.MULTILINE)


def plain_lines(name: str) -> list[str]:
    """The output lines of a `-pkt_output on` recording (comment lines dropped)."""
    return [line for line in plain(name).splitlines() if not line.startswith("#")]


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


def test_cdrecord_write_refusal_is_recognised_before_any_write() -> None:
    """`-as cdrecord` on a blank DVD+R reserves the image's track (2481 blocks + padsize=300k,
    rounded up to whole 16-block ECC units: 2640 blocks, 5406720 bytes): refused."""
    facts = ops._Facts()
    lines = plain_lines("lab-write-reserve-track.txt")
    for line in lines:
        facts.observe(line)
    assert facts.reserve_refused
    assert not facts.wrote and not facts.committed
    assert "libburn : FATAL : Cannot reserve track of 5406720 bytes" in lines
    assert not [p for line in lines if (p := parse_progress_line(line)) and p.phase == "writing"]


def test_cdrecord_tao_pacifier_lines_parse_with_and_without_a_fifo_figure() -> None:
    lines = plain_lines("lab-write-tao.txt")
    writing = [p for line in lines if (p := parse_progress_line(line)) and p.phase == "writing"]
    assert [(p.sectors, p.total_sectors, p.fifo, p.buffer, p.speed) for p in writing] == [
        (0, 5 * 512, None, 50, None),
        (4 * 512, 5 * 512, 20, 50, 2.7),
    ]
    facts = ops._Facts()
    for line in lines:
        facts.observe(line)
    assert facts.wrote and facts.committed and not facts.reserve_refused


def _fake_cdrecord(tmp_path: Path, *, tao_too: bool = False) -> Path:
    """An xorriso whose `-as cdrecord` replays the lab's refusal unless given -tao (like
    tgtd's drive; `tao_too`: always) — a fault injector, as no real drive is at hand here;
    everything else is the real xorriso."""
    replay = tmp_path / "replay.txt"
    recorded = fixture_text("lab-write-reserve-track.txt").splitlines(keepends=True)
    replay.write_text("".join(line for line in recorded if not line.startswith("#")))
    tao = "" if tao_too else '*" -tao "*) ;; '
    fake = tmp_path / "xorriso-no-dao"
    fake.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" -as cdrecord "*) case " $* " in {tao}*) cat {replay}; exit 5;; esac;; esac\n'
        f'exec {shutil.which("xorriso")} "$@"\n'
    )
    fake.chmod(0o755)
    return fake


@needs_xorriso
def test_refused_reserve_track_writes_the_image_again_with_tao(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "image.iso"
    image.write_bytes(random.Random(4).randbytes(600 * 2048))
    target = tmp_path / "disc.iso"
    monkeypatch.setenv("DISCDECK_XORRISO", str(_fake_cdrecord(tmp_path)))
    plan = write_image_plan(Target(f"stdio:{target}"), str(image), BurnOptions())
    journal = tmp_path / "journal"
    op = start_job(plan, journal_dir=journal)
    events = list(op.events())
    assert op.result is not None and op.result.outcome == "ok", op.result
    assert op.result.message == (
        "the drive refused RESERVE TRACK (DAO); written again with TAO, which worked: "
        "the image was written"
    )
    assert op.argv[op.argv.index("cdrecord") + 1] == "-tao"
    assert target.read_bytes()[: 600 * 2048] == image.read_bytes()
    assert events[-1].phase == "done"
    assert len(list(journal.iterdir())) == 2


@needs_xorriso
def test_no_write_retry_when_tao_is_refused_too_or_was_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "image.iso"
    image.write_bytes(bytes(64 * 2048))
    target = tmp_path / "disc.iso"
    monkeypatch.setenv("DISCDECK_XORRISO", str(_fake_cdrecord(tmp_path, tao_too=True)))
    for options, runs in ((BurnOptions(), 2), (BurnOptions(write_type="tao"), 1)):
        journal = tmp_path / f"journal-{runs}"
        plan = write_image_plan(Target(f"stdio:{target}"), str(image), options)
        op = start_job(plan, journal_dir=journal)
        list(op.events())
        assert op.result is not None and op.result.outcome == "failed"
        assert len(list(journal.iterdir())) == runs
        assert op.argv.count("-tao") == 1
        if runs == 2:
            assert op.result.message.startswith(
                "the drive refused RESERVE TRACK (DAO); the retry with TAO failed too: "
            )


def _recorded_run(name: str) -> RunResult:
    """A recorded `-pkt_output` transcript as the runner's result (exit status 32, SORRY)."""
    lines = [
        OutputLine(m.group(1), m.group(2), 0.0)  # type: ignore[arg-type]
        for line in fixture_text(name).splitlines()
        if (m := re.match(r"^([RI]):1: ?(.*)$", line))
    ]
    return RunResult(argv=["xorriso"], returncode=32, lines=lines, worst="SORRY")


@needs_xorriso
def test_recorded_damaged_read_names_the_file_and_the_missing_blocks(tmp_path: Path) -> None:
    """Real EIO from a device-mapper error segment (8 blocks at 312 in a 768-block ISO)."""
    read = RescueRead(["xorriso"], str(tmp_path / "abort"), had_map=False)
    first = read._judge(_recorded_run("lab-read-damaged.txt"), None, None)
    assert first.outcome == "failed"
    assert first.damaged == ["/docs/charlie notes.txt"]
    assert (first.missing, first.recovered) == (8, 0)
    assert first.surface is not None
    assert [(r.start, r.blocks, r.word) for r in first.surface.regions] == [
        (0, 288, "good"), (288, 24, "partial"), (312, 8, "unreadable"), (320, 448, "good"),
    ]  # fmt: skip
    assert first.message == (
        "8 of 768 blocks could not be read in 1 file(s): /docs/charlie notes.txt; "
        "run it again to retry only those (this drive or another)"
    )
    again = RescueRead(["xorriso"], str(tmp_path / "abort"), had_map=True)
    second = again._judge(_recorded_run("lab-read-damaged-again.txt"), None, None)
    assert second.damaged == first.damaged
    assert (second.missing, second.recovered) == (8, 0)
    assert "; nothing new could be read this time; " in second.message
    assert [r.word for r in second.surface.regions] == ["valid", "unreadable", "valid"]


def test_emptied_jukebox_drive_toc_fixture_describes_a_medium_that_left() -> None:
    """Recorded just after `mtx unload`: TEST UNIT READY said [2 3A 00] (no medium), yet the
    TOC is a blank DVD+R's; discdeck believes the changer and TEST UNIT READY instead."""
    toc = parse_toc(plain("lab-toc-after-unload.txt"))
    assert (toc.drive.vendor, toc.drive.product) == ("STGT_DVD", "DVD101")
    assert (toc.media.profile, toc.media.status) == ("DVD+R", "blank")


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
    no_image: str | None = None
    """Why no bootable image could be written (the Debian package was out of reach)."""

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


DAMAGED_FILES = {
    "alpha.bin": 200_000, "bravo.bin": 210_000, "docs/charlie notes.txt": 220_000,
    "docs/delta.bin": 230_000, "echo.bin": 240_000,
}  # fmt: skip
"""The files of the ISO behind the device-mapper error segment."""
ERROR_FILE = "/docs/charlie notes.txt"
ERROR_BLOCKS = 8
"""The error segment: this many 2048-byte blocks in the middle of ERROR_FILE's data."""


@dataclass(frozen=True)
class Extent:
    path: str
    start: int
    blocks: int


def file_extents(image: Path) -> list[Extent]:
    """Every file's data extent, in xorriso's own words (`-find / -exec report_lba`)."""
    out = xorriso_run(
        "-indev", f"stdio:{image}", "-find", "/", "-type", "f", "-exec", "report_lba", "--"
    )
    found = re.findall(
        r"File data lba:\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*\d+\s*,\s*'(.*)'\s*$",
        out.stdout.decode(), re.MULTILINE,
    )  # fmt: skip
    return [Extent(path, int(start), int(blocks)) for start, blocks, path in found]


def _damaged_medium(workdir: Path) -> tuple[int, int]:
    """An ISO of several files in the lab dir, and a device-mapper table (over the loop
    device the guest names LOOP) with an error segment of ERROR_BLOCKS in ERROR_FILE's
    data, at an even block (whole 4 KiB pages: the page cache fails no good neighbour).
    Returns (first error block, total blocks)."""
    src = workdir / "damaged-src"
    rng = random.Random(13)
    for name, size in DAMAGED_FILES.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(rng.randbytes(size))
    image = workdir / "damaged-src.iso"
    xorriso_run("-outdev", f"stdio:{image}", "-volid", "LAB_DAMAGED", "-map", str(src), "/")
    extent = next(e for e in file_extents(image) if e.path == ERROR_FILE)
    first = (extent.start + extent.blocks // 2) & ~1
    total = image.stat().st_size // 2048
    per = 4  # 512-byte sectors per block
    (workdir / "damaged.table").write_text(
        f"0 {first * per} linear LOOP 0\n"
        f"{first * per} {ERROR_BLOCKS * per} error\n"
        f"{(first + ERROR_BLOCKS) * per} {(total - first - ERROR_BLOCKS) * per} linear LOOP "
        f"{(first + ERROR_BLOCKS) * per}\n"
    )
    return first, total


def _boot_image(request: pytest.FixtureRequest, workdir: Path) -> str | None:
    """A bootable image from a Debian package into the lab dir; why not, when it cannot be had."""
    try:
        images = request.getfixturevalue("debian_images")
    except pytest.skip.Exception as exc:
        return str(exc)
    shutil.copy(images[BOOT_PACKAGE], workdir / "boot.iso")
    return None


BOOT_PACKAGE = "grub-rescue-pc"
"""Its grub-rescue-cdrom.iso (El Torito BIOS, 2481 blocks) is written to the third recorder."""


def _slot1_medium(workdir: Path) -> None:
    """A burned DVD-ROM for the jukebox's slot 1 (lab/host.py): the copies must skip it."""
    src = workdir / "slot1-src"
    src.mkdir()
    (src / "kept.txt").write_text("this disc is not blank\n")
    xorriso_run("-outdev", f"stdio:{workdir / 'slot1.iso'}", "-volid", "LAB_DATA", "-map", str(src), "/")


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
    _payload(workdir / "payload-ssh", 300_000, seed=3)  # small: it is copied over ssh twice
    no_image = _boot_image(request, workdir)
    if no_image:
        summary.lines.append(f"lab: no image to write ({no_image})")
    _damaged_medium(workdir)
    _slot1_medium(workdir)
    # The guest runs this interpreter (a venv outside the checkout is fine: the scenario
    # puts the checkout first on PYTHONPATH, and `which-app` shows which code ran).
    python = sys.executable if not sys.executable.startswith("/tmp/") else ""
    script = f"export LAB_PY={python}\n" if python and os.path.exists(python) else ""
    script += (REPO / "lab" / "scenario.sh").read_text()
    # The guest's sshd (the host's openssh-server) on a forwarded port: the host's steps
    # burn the fourth recorder over ssh while the guest waits (tests/lab_remote.py).
    ssh: dict = {}
    if have_sshd():
        port, files = prepare_ssh(workdir)
        steps = HostSteps(workdir, port, files)
        ssh = {"ssh_port": port, "host_verbs": {"ssh": steps, "ssh-drop": steps.drop}}
        if os.environ.get("DISCDECK_LAB_SSH_DROP") == "1":
            # ~60-120 s more under TCG; the private-sshd tests kill the link on every run
            (workdir / "ssh" / "drop").write_text("")
    else:
        summary.lines.append(f"lab: no {SSHD} here: the ssh steps are skipped")
    try:
        result = lab.boot(script, media=4, changer=True, timeout=LAB_TIMEOUT, **ssh)
    except LabUnavailable as exc:
        skip(str(exc))
    if "boot" not in result.timings:
        skip(
            "the guest did not come up; console tail: " + result.console[-500:].replace("\n", " | ")
        )
    times = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    summary.lines.append(f"lab ran in {time.monotonic() - t0:.0f} s ({times}); files in {workdir}")
    run = LabRun(workdir, workdir / "out", result.timings, no_image)
    steps = sorted(run.out.glob("*.time"))
    summary.lines.append(
        "lab steps: " + ", ".join(f"{p.stem} {float(p.read_text()):.1f}s" for p in steps)
    )
    swap = run.out / "swap-toc.out"
    if swap.exists() and swap.read_text().strip():
        summary.lines.append(f"lab swap -> TOC: {swap.read_text().strip()}")
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


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_runs_this_checkouts_code(lab_run: LabRun) -> None:
    assert lab_run.rc("which-app") == 0, lab_run.stderr("which-app")
    app_file = lab_run.stdout("which-app").splitlines()[0]
    assert app_file == str(REPO / "app" / "__init__.py")


def _needs_image(lab_run: LabRun) -> None:
    if lab_run.no_image:
        pytest.skip(f"no bootable image to write: {lab_run.no_image}")


def _final(lab_run: LabRun, step: str) -> dict:
    return json.loads(lab_run.stdout(step).splitlines()[-1])


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_write_an_image_after_a_tao_retry_and_verify_it_on_the_drive(lab_run: LabRun) -> None:
    """-as cdrecord reserves the track of an image file on a DVD+R: refused, written again
    with -tao; the compare then reads the drive by SCSI commands, as the kernel still sees
    the blank's one block (blockdev says 2048 bytes)."""
    _needs_image(lab_run)
    assert lab_run.rc("write") == 0, lab_run.stdout("write")[-2000:] + lab_run.stderr("write")
    final = _final(lab_run, "write")
    assert final["result"] == "ok"
    blocks = (lab_run.dir / "boot.iso").stat().st_size // 2048
    matches = f"verify: the medium matches the image: {blocks:,} blocks ("
    assert final["message"].startswith(
        "write: the drive refused RESERVE TRACK (DAO); written again with TAO, which worked: "
        "the image was written; " + matches
    ), final["message"]
    events = [json.loads(line) for line in lab_run.stdout("write").splitlines()[:-1]]
    assert any(e["phase"] == "writing" and e["buffer"] is not None for e in events)
    assert any(e["phase"] == "verifying" for e in events)
    journals = sorted((lab_run.out / "journal-write").glob("*-write*.log"))
    assert len(journals) == 2
    first, second = (p.read_text() for p in journals)
    assert "53h RESERVE TRACK" in first and "outcome: failed" in first
    assert "Cannot reserve track" in first and "MB written" not in first
    assert "outcome: ok" in second and "MB written" in second
    assert int(lab_run.stdout("blockdev-written")) == 2048
    assert lab_run.rc("verify") == 0, lab_run.stdout("verify") + lab_run.stderr("verify")
    assert _final(lab_run, "verify")["message"].startswith(matches)


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_written_image_keeps_its_boot_setup(lab_run: LabRun) -> None:
    _needs_image(lab_run)
    assert lab_run.rc("boot-report") == 0, lab_run.stderr("boot-report")
    host = xorriso_run(
        "-indev", f"stdio:{lab_run.dir / 'boot.iso'}",
        "-report_el_torito", "plain", "-report_system_area", "plain",
    ).stdout.decode(errors="replace")  # fmt: skip
    assert _boot_lines(lab_run.stdout("boot-report")) == _boot_lines(host)
    assert "El Torito boot img :   1  BIOS" in _boot_lines(host)


def _boot_lines(report: str) -> str:
    """xorriso's El Torito and system area report, without -pkt_output's channel prefixes."""
    keep = ("El Torito", "System area", "MBR", "GPT", "APM", "Partition")
    lines = re.sub(r"^[RIM]:[01]: ?", "", report, flags=re.MULTILINE).splitlines()
    return "\n".join(line for line in lines if line.startswith(keep))


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_read_back_holds_the_image_then_the_track_padding(lab_run: LabRun) -> None:
    """The read takes the whole track: the image, xorrecord's padsize=300k (150 blocks of
    zeros), and zeros up to a whole 16-block ECC unit of DVD (2481 + 150 -> 2640 blocks, the
    5406720 bytes the refused RESERVE TRACK asked for)."""
    _needs_image(lab_run)
    assert lab_run.rc("read-back") == 0, lab_run.stdout("read-back") + lab_run.stderr("read-back")
    final = _final(lab_run, "read-back")
    image = (lab_run.dir / "boot.iso").read_bytes()
    back = (lab_run.out / "readback.iso").read_bytes()
    blocks = len(back) // 2048
    assert final["message"] == f"read: all {blocks:,} blocks read"
    assert final["missing"] == 0 and final["damaged"] == []
    assert lab_run.rc("cmp-read-back") == 0, lab_run.stdout("cmp-read-back")
    assert back[: len(image)] == image
    padding = back[len(image) :]
    assert padding == bytes(len(padding))
    image_blocks = len(image) // 2048
    assert blocks == -(-(image_blocks + 150) // 16) * 16, (image_blocks, blocks)


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_dm_error_segment_gives_real_read_errors(lab_run: LabRun) -> None:
    assert lab_run.rc("dmsetup") == 0, lab_run.stderr("dmsetup")
    total = (lab_run.dir / "damaged-src.iso").stat().st_size // 2048
    records = lab_run.stderr("dd-damaged")
    assert f"{total - ERROR_BLOCKS}+{ERROR_BLOCKS} records in" in records, records
    assert records.count("Input/output error") == ERROR_BLOCKS


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_read_of_a_damaged_medium_names_exactly_the_damaged_files(lab_run: LabRun) -> None:
    src = lab_run.dir / "damaged-src.iso"
    text = lab_run.dir / "damaged.table"
    first = int(text.read_text().splitlines()[1].split()[0]) // 4
    bad = set(range(first, first + ERROR_BLOCKS))
    expected = [e.path for e in file_extents(src) if bad & set(range(e.start, e.start + e.blocks))]
    assert expected == [ERROR_FILE]
    total = src.stat().st_size // 2048
    assert lab_run.rc("read-damaged") == 1
    final = _final(lab_run, "read-damaged")
    assert final["result"] == "failed"
    assert final["damaged"] == expected
    assert (final["missing"], final["recovered"]) == (ERROR_BLOCKS, 0)
    assert final["message"] == (
        f"read: {ERROR_BLOCKS} of {total} blocks could not be read in 1 file(s): {ERROR_FILE}; "
        "run it again to retry only those (this drive or another)"
    )
    source, image = src.read_bytes(), (lab_run.out / "damaged.iso").read_bytes()
    assert len(image) == len(source)
    for block in range(total):
        got, want = (
            image[block * 2048 : (block + 1) * 2048],
            source[block * 2048 : (block + 1) * 2048],
        )
        assert got == (bytes(2048) if block in bad else want), block


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_second_read_of_a_damaged_medium_reads_nothing_new(lab_run: LabRun) -> None:
    assert lab_run.rc("read-damaged-again") == 1
    final = _final(lab_run, "read-damaged-again")
    assert final["damaged"] == [ERROR_FILE]
    assert (final["missing"], final["recovered"]) == (ERROR_BLOCKS, 0)
    assert "; nothing new could be read this time; run it again" in final["message"]
    journals = sorted((lab_run.out / "journal-damaged").glob("*-read*.log"))
    assert len(journals) == 2
    assert "Input/output error" in journals[0].read_text()


def _bad_blocks(lab_run: LabRun) -> set[int]:
    """The blocks of the device-mapper error segment (damaged.table's second line)."""
    first = int((lab_run.dir / "damaged.table").read_text().splitlines()[1].split()[0]) // 4
    return set(range(first, first + ERROR_BLOCKS))


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_surface_scan_of_a_damaged_medium_maps_exactly_the_error_segment(
    lab_run: LabRun,
) -> None:
    out = lab_run.stdout("scan-damaged")
    assert lab_run.rc("scan-damaged") == 1, out[-2000:] + lab_run.stderr("scan-damaged")
    final = _final(lab_run, "scan-damaged")
    assert final["result"] == "ok", final  # the scan ran to its end; the disc has damage
    ranges = final["unreadable_ranges"]
    found = {b for r in ranges for b in range(r["start"], r["start"] + r["blocks"])}
    # --retry: the failing 32-block chunk re-read block by block (a stdio: file; without it
    # xorriso calls the whole chunk unreadable); its 24 good blocks are "partial"
    assert found == _bad_blocks(lab_run), ranges
    assert final["blocks"]["unreadable"] == ERROR_BLOCKS
    assert final["blocks"]["slow"] == 32 - ERROR_BLOCKS
    total = (lab_run.dir / "damaged-src.iso").stat().st_size // 2048
    assert final["total_blocks"] == total
    assert f"the first at block {min(found)} ({ERROR_BLOCKS} blocks)" in final["message"]
    # the session's MD5 (libisofs' tag) no longer matches: the bad blocks read as zeros
    (session,) = final["md5_mismatch_ranges"]
    assert session["start"] <= min(found) and max(found) < session["start"] + session["blocks"]
    assert final["catalog"] == "the check is in the disc's health history"


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_health_records_the_damaged_disc_to_copy_now(lab_run: LabRun) -> None:
    assert lab_run.rc("health-damaged") == 0, lab_run.stderr("health-damaged")
    rows = json.loads(lab_run.stdout("health-damaged"))
    (disc,) = [r for r in rows if r["volume_id"] == "LAB_DAMAGED"]
    assert disc["checks"] >= 1  # the scan (a read re-reads no medium: it records nothing)
    assert (disc["unreadable"], disc["copy_now"]) == (ERROR_BLOCKS, True)
    assert disc["verdict"].startswith(
        f"copy this disc now: {ERROR_BLOCKS} unreadable block(s) at the last check"
    ), disc


def _backing_store(lab_run: LabRun, name: str) -> Path:
    """Where tgtd keeps a LUN's medium (`lab_host show N`, recorded by the scenario)."""
    shown = (lab_run.out / name).read_text()
    found = re.search(r"Backing store path: (\S+)", shown)
    assert found, shown
    return Path(found.group(1))


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_burn_to_both_drives_at_once(lab_run: LabRun, tmp_path: Path) -> None:
    if not (lab_run.out / "burn-both.rc").exists():
        pytest.skip("the burn to both drives did not run (no fourth recorder)")
    assert "rc=0" in (lab_run.out / "both-swap.txt").read_text()
    out = lab_run.stdout("burn-both")
    assert lab_run.rc("burn-both") == 0, out[-3000:] + lab_run.stderr("burn-both")
    docs = [json.loads(line) for line in out.splitlines()]
    results = [d for d in docs if "result" in d]
    assert [r["drive"] for r in results] == ["/dev/sr0", "/dev/sr3"]
    events = [d for d in docs if "phase" in d]
    assert {e["drive"] for e in events if e["phase"] == "writing"} == {"/dev/sr0", "/dev/sr3"}
    for r in results:
        assert r["result"] == "ok", r
        # tgtd refuses RESERVE TRACK: each drive's write is done again with TAO, and says so
        assert r["message"].startswith(
            "write: the drive refused RESERVE TRACK (DAO); written again with TAO, which worked: "
            "the image was written; verify: the medium matches the image: "
        ), r["message"]
        assert "closed" in (r["medium"] or ""), r
    journals = sorted((lab_run.out / "journal-both").glob("*.log"))
    names = [j.name for j in journals]
    assert len([j for j in journals if "-burn" in j.name]) == 1, names  # the image, built once
    writes = [j.read_text() for j in journals if "-write" in j.name]
    assert len(writes) == 4, names  # per drive: the refused write, then the TAO one
    assert sum("Cannot reserve track" in w and "outcome: failed" in w for w in writes) == 2
    assert sum("outcome: ok" in w and "MB written" in w for w in writes) == 2
    for lun in ("both-lun1.txt", "both-lun4.txt"):  # the discs as tgtd holds them
        disc = _extract(_backing_store(lab_run, lun), tmp_path / lun)
        assert _same_tree(disc / "payload", lab_run.dir / "payload"), lun


# -- the jukebox, a media swap, UDF, a drive that goes away (lab/scenario-jukebox.sh) ------


def _jukebox(lab_run: LabRun) -> tuple[str, str]:
    if not (lab_run.out / "changer.dev").exists():
        pytest.skip("the guest found no jukebox")
    return (
        (lab_run.out / "changer.dev").read_text().strip(),
        (lab_run.out / "jukebox-drive.dev").read_text().strip(),
    )


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_jukebox_is_a_changer_with_8_slots_and_mtx_moves_media(lab_run: LabRun) -> None:
    changer, _drive = _jukebox(lab_run)
    assert lab_run.rc("mtx-status") == 0, lab_run.stderr("mtx-status")
    status = parse_mtx_status(lab_run.stdout("mtx-status"))
    assert status.device == changer
    assert status.words() == "1 drive, 8 slots (5 full)"
    assert [s.tag for s in status.full_slots] == ["LAB_DATA", *(f"BLANK_{n}" for n in range(2, 6))]
    loaded = parse_mtx_status(lab_run.stdout("mtx-status-loaded"))
    assert loaded.drives[0].full and loaded.drives[0].source == 2
    assert lab_run.rc("mtx-load-full") == 1
    said = lab_run.stdout("mtx-load-full") + lab_run.stderr("mtx-load-full")  # mtx: stderr
    assert "Drive 0 Full (Storage Element 2 loaded)" in said
    assert lab_run.rc("mtx-unload") == 0 and lab_run.rc("mtx-unload-empty") == 1
    assert lab_run.rc("mtx-load-empty-slot") == 1
    after = json.loads(lab_run.stdout("changer-status"))
    assert after["drives"] == [{"drive": 0, "full": False, "slot": None, "tag": None}]
    assert [s["slot"] for s in after["slots"] if s["full"]] == [1, 2, 3, 4, 5]


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_emptied_jukebox_drive_still_describes_a_medium(lab_run: LabRun) -> None:
    """Why discdeck asks TEST UNIT READY (and the changer) before it believes a TOC: the
    drive, just emptied by `mtx unload`, still tells xorriso it holds a blank DVD+R."""
    _jukebox(lab_run)
    toc = parse_toc(re.sub(r"^[RIM]:[01]: ?", "", lab_run.stdout("toc-after-unload"), flags=re.M))
    assert (toc.media.profile, toc.media.status) == ("DVD+R", "blank")


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_changer_cli_loads_and_unloads(lab_run: LabRun) -> None:
    _jukebox(lab_run)
    assert lab_run.rc("changer-load") == 0, lab_run.stdout("changer-load") + lab_run.stderr(
        "changer-load"
    )
    assert "ok: changer: slot 1 loaded into drive 0" in lab_run.stdout("changer-load")
    text = lab_run.stdout("changer-status-text")
    assert "Drive 0   holds slot 1 (LAB_DATA)" in text
    assert re.search(r"slot\s+1\s+empty", text) and re.search(r"slot\s+2\s+full\s+BLANK_2", text)
    assert lab_run.rc("changer-unload") == 0, lab_run.stderr("changer-unload")
    assert "ok: changer: drive 0 unloaded into slot 1" in lab_run.stdout("changer-unload")


def _extract(image: Path, into: Path) -> Path:
    """The files of an ISO image, as xorriso's osirrox reads them (not discdeck's reader)."""
    xorriso_run("-osirrox", "on", "-indev", f"stdio:{image}", "-extract", "/", str(into))
    return into


def _same_tree(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    other = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files == other and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_three_copies_through_the_jukebox(lab_run: LabRun, tmp_path: Path) -> None:
    _jukebox(lab_run)
    out = lab_run.stdout("jukebox-copies")
    assert lab_run.rc("jukebox-copies") == 0, out[-3000:] + lab_run.stderr("jukebox-copies")
    final = json.loads(out.splitlines()[-1])
    assert final["result"] == "ok" and final["made"] == 3
    assert [c["message"].split(":")[0] for c in final["copies"]] == ["slot 2", "slot 3", "slot 4"]
    assert all("check: every file matches its MD5 checksum" in c["message"] for c in final["copies"])
    assert "slot 1 skipped: not blank (DVD-ROM, closed)" in out
    assert len(list((lab_run.out / "journal-jukebox").glob("*-check*.log"))) == 3
    # The drive refused DAO on the first copy; the next two burn with TAO at once.
    assert "the drive refused DAO: the next copies burn with TAO at once" in out
    assert final["copies"][0]["message"].startswith("slot 2: burn: the drive refused RESERVE")
    assert all("refused" not in c["message"] for c in final["copies"][1:])
    assert len(list((lab_run.out / "journal-jukebox").glob("*-burn*.log"))) == 4
    after = parse_mtx_status(lab_run.stdout("mtx-status-after"))
    assert not after.drives[0].full and len(after.full_slots) == 5
    for slot in (2, 3, 4):  # tgtd's media files on the host, read by xorriso
        disc = _extract(lab_run.dir / "vtl" / f"DVD_{slot:04d}", tmp_path / f"slot{slot}")
        assert _same_tree(disc / "payload", lab_run.dir / "payload"), slot
    assert (lab_run.dir / "vtl" / "DVD_0005").stat().st_size == 0  # still blank


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_media_swap_is_read_within_seconds(lab_run: LabRun) -> None:
    assert lab_run.rc("swap-toc") == 0, lab_run.stdout("swap-toc") + lab_run.stderr("swap-toc")
    swap = json.loads(lab_run.stdout("swap-toc"))
    assert swap["before"] == "DVD-ROM, closed" and swap["after"] == "DVD+R, blank"
    assert swap["swap_to_toc_s"] is not None and swap["swap_to_toc_s"] < 15, swap


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_drive_removed_mid_burn_fails_the_job_and_keeps_its_journal(lab_run: LabRun) -> None:
    if not (lab_run.out / "gone.rc").exists():
        pytest.skip("the drive-removal step did not run")
    assert "rc=0" in (lab_run.out / "gone-host.txt").read_text()
    events = [json.loads(line) for line in (lab_run.out / "gone.out").read_text().splitlines()]
    assert any(e.get("phase") == "writing" for e in events)
    final = events[-1]
    assert int((lab_run.out / "gone.rc").read_text()) == 1
    assert final["result"] == "failed"
    # tgtd answers for the deleted LUN with ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED.
    assert "went away" in final["message"] or "ASC 25 ASCQ 00" in final["message"], final
    journals = list((lab_run.out / "journal-gone").glob("*-burn*.log"))
    assert journals and any("outcome: failed" in j.read_text() for j in journals)


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_udf_image_mounts_read_write_in_the_guest(lab_run: LabRun) -> None:
    if not (lab_run.out / "udf-format.rc").exists():
        pytest.skip("the UDF steps did not run")
    assert lab_run.rc("udf-format") == 0, lab_run.stdout("udf-format") + lab_run.stderr("udf-format")
    assert _final(lab_run, "udf-format")["message"].startswith("format: formatted for UDF:")
    assert lab_run.rc("udf-mount") == 0, lab_run.stderr("udf-mount")
    assert re.search(r" /tmp/udf udf rw[, ]", lab_run.stdout("udf-mounted"))
    for step in ("udf-write", "udf-umount", "udf-mount-again", "udf-compare"):
        assert lab_run.rc(step) == 0, (step, lab_run.stderr(step))
    assert lab_run.rc("udfinfo") == 0
    facts = dict(line.split("=", 1) for line in lab_run.stdout("udfinfo").splitlines() if "=" in line)
    assert facts["label"] == "LAB_UDF" and int(facts["numfiles"]) == 1


# -- the guest's sshd: discdeck on the host burns its recorder over ssh (lab/scenario-ssh.sh,
# tests/lab_remote.py) -------------------------------------------------------------------


def _ssh(lab_run: LabRun) -> str:
    """What the host's steps said (lab/host.py's answer); skip when they never ran."""
    said = lab_run.out / "ssh-host.txt"
    if not said.exists():
        pytest.skip("the guest's sshd step did not run (no fourth recorder or no ssh files)")
    return said.read_text()


def _backing_store(lab_run: LabRun, shown: str) -> Path:
    """The medium file tgtd had in the LUN (`lab_host show 4` after a swap) when it was burned."""
    found = re.search(r"Backing store path: (\S+)", (lab_run.out / shown).read_text())
    assert found, (lab_run.out / shown).read_text()
    return Path(found.group(1))


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_guest_sshd_shows_the_blank_dvdr_to_the_host(lab_run: LabRun) -> None:
    said = _ssh(lab_run)
    assert lab_run.rc("ssh-info-blank") == 0, lab_run.stderr("ssh-info-blank") + said
    toc = json.loads(lab_run.stdout("ssh-info-blank"))
    address = toc["drive"]["address"]
    assert re.fullmatch(r"ssh://root@127\.0\.0\.1:\d+/dev/sr\d", address)
    assert (toc["drive"]["vendor"], toc["drive"]["product"]) == ("IET", "VIRTUAL-CDROM")
    assert toc["media"]["profile"] == "DVD+R" and toc["media"]["status"] == "blank"
    assert toc["media"]["writable_blocks"] == 2295104


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_burn_over_ssh_retries_with_tao_and_checks(lab_run: LabRun, tmp_path: Path) -> None:
    """The burn runs detached in the guest (its run folder in the lab dir's ssh/remote-state);
    the drive's RESERVE TRACK refusal is met there as locally; the medium is read back on the
    host from tgtd's backing store with xorriso's osirrox."""
    _ssh(lab_run)
    address = json.loads(lab_run.stdout("ssh-info-blank"))["drive"]["address"].rsplit("/dev/", 1)[0]
    out = lab_run.stdout("ssh-burn")
    assert lab_run.rc("ssh-burn") == 0, out[-2000:] + lab_run.stderr("ssh-burn")
    final = json.loads(out.splitlines()[-1])
    assert final["result"] == "ok"
    assert "the drive refused RESERVE TRACK (DAO); burned again with TAO, which worked" in (
        final["message"]
    )
    assert "check: every file matches its MD5 checksum" in final["message"]
    assert final["medium"] == "closed, 1 session(s)"
    journal = lab_run.dir / "ssh-client" / "state" / "discdeck" / "journal"
    journals = [p.read_text() for p in sorted(journal.glob("*-burn*.log"))]
    journals = [j for j in journals if "LAB_DROP" not in j]  # not the drop step's (later)
    assert len(journals) == 2  # the refused DAO run, then the TAO run: both in the guest
    assert all(f"xorriso runs on {address}" in j for j in journals)
    assert "53h RESERVE TRACK" in journals[0] and "outcome: failed" in journals[0]
    assert "Explicitly chosen write type: TAO" in journals[1] and "outcome: ok" in journals[1]
    closed = json.loads(lab_run.stdout("ssh-info-closed"))
    assert closed["media"]["profile"] == "DVD-ROM" and closed["media"]["status"] == "closed"
    disc = _extract(_backing_store(lab_run, "ssh-lun.txt"), tmp_path / "disc")
    assert _same_tree(disc / "payload-ssh", lab_run.dir / "payload-ssh")


@pytest.mark.lab
@pytest.mark.timeout(LAB_TIMEOUT + 300)
def test_lab_ssh_link_killed_mid_burn_the_burn_finishes_and_reattach_shows_it(
    lab_run: LabRun, tmp_path: Path
) -> None:
    """tests/lab_drop.py on the host: the local ssh client of the follower is killed once the
    drive writes; the follower reconnects, that discdeck goes away, the next one re-attaches."""
    _ssh(lab_run)
    if not (lab_run.out / "ssh-drop.rc").exists():
        pytest.skip(
            "the ssh drop step runs with DISCDECK_LAB_SSH_DROP=1 (engine/test_remote.py kills "
            "the link against the private sshd on every run)"
        )
    said = lab_run.stdout("ssh-drop") + lab_run.stderr("ssh-drop")
    assert lab_run.rc("ssh-drop") == 0, said[-3000:]
    done = json.loads(lab_run.stdout("ssh-drop"))
    assert done["killed"], said  # seen writing, its ssh client killed
    result = done["result"]
    assert result["outcome"] == "ok", result["message"]
    if done["orphans"]:  # the follower came back, then went away: re-attached
        assert done["left"] and "journal" in result
        assert done["orphans_after"] == []
    disc = _extract(_backing_store(lab_run, "ssh-drop-lun.txt"), tmp_path / "disc")
    assert _same_tree(disc / "payload", lab_run.dir / "payload")
