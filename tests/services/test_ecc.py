"""Error correction for disc sets (dvdisaster RS03): the room the planner keeps, checked
against the real dvdisaster on the boundary; its progress and verdicts read from recorded
transcripts; and a set's disc burned with RS03 onto a virtual CD recorder, read back with
unreadable blocks, repaired, compared with cmp and checked with sha256sum -c."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.archive.ecc import EccError, data_limit, layout_for, padded_sectors
from app.archive.sets import load_set, plan_set, save_set
from app.engine.dvdisaster import DvdisasterRun, augment_argv, dead_sector, mark_missing
from app.jobs.dvdisaster_job import DvdisasterJob
from tests.conftest import FIXTURES, needs_xorriso

needs_dvdisaster = pytest.mark.skipif(shutil.which("dvdisaster") is None, reason="dvdisaster not installed")
SECTOR = 2048
CD = 359_295
"""dvdisaster's CD size in whole layers (1409 sectors x 255)."""


def _sparse(path: Path, sectors: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(sectors * SECTOR)
    return path


def _replay(fixture: str) -> tuple[list[tuple[str, float]], DvdisasterRun]:
    """A recorded dvdisaster transcript through the real pipe and parser (`cat` plays it)."""
    run = DvdisasterRun(["cat", str(FIXTURES / fixture)], str(FIXTURES))
    return list(run.progress()), run


def test_layout_matches_what_dvdisaster_said() -> None:
    """The recorded runs: 9,984 sectors got 170 roots (200 %), 342,016 got 11 (4.5 %); both a CD."""
    small, big = layout_for(9_984), layout_for(342_016)
    assert (small.medium, small.sectors, small.roots, round(small.redundancy, 1)) == ("CD", CD, 170, 200.0)
    assert (big.medium, big.sectors, big.roots, round(big.redundancy, 1)) == ("CD", CD, 11, 4.5)
    dvd = layout_for(1_500_000)  # measured once (a 4.5 GiB run, too big for the suite): 87 roots, 51.8 %
    assert (dvd.medium, dvd.sectors, dvd.roots, round(dvd.redundancy, 1)) == ("DVD", 2_295_000, 87, 51.8)
    assert layout_for(data_limit("CD", 3) + 1).medium == "DVD", "one sector more would not fit a CD"
    assert layout_for(1_000_000).medium == "DVD" and layout_for(1_000_000, "DVD DL").medium == "DVD DL"
    for medium, percent in [("DVD", 20), ("DVD DL", 80), ("BD", 50), ("BD DL", 3)]:
        padded = padded_sectors(10, medium)
        assert layout_for(padded).medium == medium, "padding makes dvdisaster fill the disc's size"
        assert layout_for(padded, medium).redundancy >= percent
        assert layout_for(data_limit(medium, percent), medium).redundancy >= percent
        assert layout_for(data_limit(medium, percent) + 1, medium).redundancy < percent


@needs_dvdisaster
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("percent", "over"), [(3, 0), (20, 0), (20, 1)])
def test_the_limit_on_the_boundary_with_the_real_dvdisaster(tmp_path: Path, percent: int, over: int) -> None:
    """At the planner's limit dvdisaster makes a CD with at least the redundancy asked for;
    one sector more and it does not."""
    data = data_limit("CD", percent) + over
    image = _sparse(tmp_path / "d.iso", data)
    job = DvdisasterJob("augment", "augmenting", DvdisasterRun(augment_argv(str(image)), str(tmp_path)))
    events = list(job.events())
    assert job.result is not None and job.result.outcome == "ok", job.result
    said = job.run.transcript
    assert image.stat().st_size == CD * SECTOR == said.sectors * SECTOR
    assert said.roots == layout_for(data).roots
    assert (said.redundancy >= percent) == (over == 0)
    assert [e.phase for e in events][-1] == "done" and any(e.phase == "augmenting" for e in events)


def test_progress_and_results_of_recorded_transcripts() -> None:
    progress, run = _replay("dvdisaster-augment.txt")
    stages = [stage for stage, _ in progress]
    assert stages[0] == "Preparing image" and stages[-1] == "Ecc generation"
    generation = [p for s, p in progress if s == "Ecc generation"]
    assert generation == sorted(generation) and generation[-1] == 100.0 and len(generation) > 900
    said = run.transcript
    assert (said.sectors, said.roots, said.redundancy) == (CD, 170, 200.0)
    _, fixed = _replay("dvdisaster-fix.txt")
    assert (fixed.transcript.repaired, fixed.transcript.unrepaired) == (50, None)
    _, beyond = _replay("dvdisaster-fix-beyond.txt")
    assert (beyond.transcript.repaired, beyond.transcript.unrepaired) == (5, 13)


def test_the_dead_sector_marker_is_dvdisasters() -> None:
    marker = dead_sector(1234)
    assert len(marker) == SECTOR and marker.startswith(b"dvdisaster dead sector marker\n")
    assert marker[2046 - 34 : 2046] == b"dvdisaster dead sector end marker\n"
    assert marker[0x160:0x164] == b"1234"


def test_the_plan_keeps_room_for_error_correction(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _sparse(data / "a.bin", 200_000)
    _sparse(data / "b.bin", 200_000)
    plain = plan_set("PLAIN", "CD 700 MB", [str(data)])
    ecc = plan_set("SAFE", "CD 700 MB", [str(data)], ecc=20)
    assert ecc.capacity < plain.capacity and len(ecc.discs) == 2 == len(plain.discs)
    assert ecc.capacity <= data_limit("CD", 20) * SECTOR
    save_set(ecc)
    assert load_set("SAFE").ecc == 20 and load_set("SAFE").capacity == ecc.capacity
    with pytest.raises(EccError, match="at least 735 MB"):
        plan_set("SMALL", "100 MB", [str(data)], ecc=10)
    with pytest.raises(EccError, match="from 3 to 80"):
        plan_set("MUCH", "CD 700 MB", [str(data)], ecc=150)


# -- a set's disc with RS03, end to end on a virtual CD recorder ----------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_with_damage(recorder_image: Path, image: Path, shim: Path, bad: range) -> None:
    """A rescue read (the app's own) of the recorder, the blocks `bad` failing with EIO."""
    from app.jobs.finish import run_plan  # the job layer only for the end-to-end tests
    from app.jobs.plans import Target, read_plan

    saved = dict(os.environ)
    os.environ.update(LD_PRELOAD=str(shim), FAULT_PATH=str(recorder_image.resolve()),
                      FAULT_BAD_START=str(bad.start * SECTOR), FAULT_BAD_END=str(bad.stop * SECTOR))  # fmt: skip
    try:
        done = run_plan(read_plan(Target(f"stdio:{recorder_image}"), str(image), retry=True))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert done.results and done.results[0].outcome == "failed", done.results
    assert f"{len(bad):,} of" in done.results[0].message


def _shim(folder: Path) -> Path:
    """The read-fault shim of the surface tests: the real rescue read meets real EIO."""
    from tests.engine.test_surface import SHIM

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the read-fault shim")
    (folder / "faults.c").write_text(SHIM)
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(folder / "faults.so"), str(folder / "faults.c"), "-ldl"], check=True)  # fmt: skip
    return folder / "faults.so"


@needs_xorriso
@needs_dvdisaster
@pytest.mark.timeout(900)
def test_an_ecc_disc_burned_read_damaged_and_repaired(tmp_path: Path) -> None:
    from app.drives.shelf import add_recorder  # the job layer only for the end-to-end tests
    from app.engine.options import BurnOptions
    from app.jobs.finish import run_plan
    from app.jobs.plans import Target, check_plan
    from app.jobs.plans_ecc import repair_plan
    from app.jobs.set_burn import disc_plan, prepare_manifest, record_disc

    data = tmp_path / "data"
    data.mkdir()
    (data / "photo one.jpg").write_bytes(os.urandom(8_000_000))
    _sparse(data / "video.bin", 332_000)  # the disc near its limit: few roots, a quicker repair
    plan = plan_set("ARK", "CD 700 MB", [str(data)], ecc=3)
    prepare_manifest(plan)
    save_set(plan)
    recorder = add_recorder("cd", "CD 700 MB")
    done = run_plan(disc_plan(plan, plan.discs[0], Target(recorder.address), BurnOptions()))
    assert done.ok, [r.message for r in done.results] + [done.error]
    assert " roots (" in done.results[0].message and "verified" in done.results[0].message
    assert "burned; the set is complete" in record_disc(plan, plan.discs[0], done)
    assert done.catalog_note and done.catalog_note.startswith("catalogued ")
    assert not list((Path(os.environ["XDG_STATE_HOME"]) / "discdeck" / "ecc").iterdir()), "temp image gone"
    disc = Path(recorder.image)
    original = tmp_path / "original.iso"
    with open(disc, "rb") as source, open(original, "wb") as target:
        target.write(source.read(CD * SECTOR))  # the augmented image as written (no padding)

    shim = _shim(tmp_path)
    read = tmp_path / "read.iso"
    first = 2_000  # inside "photo one.jpg" (random bytes: a zero-filled hole would not compare equal)
    _read_with_damage(disc, read, shim, range(first, first + 40))
    assert read.read_bytes()[first * SECTOR : (first + 40) * SECTOR] == bytes(40 * SECTOR)
    assert original.read_bytes()[first * SECTOR : (first + 40) * SECTOR] != bytes(40 * SECTOR)
    before = _sha(read)
    repaired = tmp_path / "read.repaired.iso"
    cli = subprocess.run([sys.executable, "-m", "app", "repair", str(read), "--json"], capture_output=True,
                         text=True, timeout=800, cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    last = json.loads(cli.stdout.splitlines()[-1])
    assert last["result"] == "ok" and last["message"].startswith("repair: 40 sector(s) repaired, none remain")
    assert any(json.loads(line).get("phase") == "repairing" for line in cli.stdout.splitlines()[:-1])
    assert _sha(read) == before, "the user's image is never changed"
    with open(repaired, "rb") as handle:
        assert handle.read(CD * SECTOR) == original.read_bytes()
    assert subprocess.run(["cmp", str(repaired), str(original)]).returncode == 0, "the padding read goes too"
    assert run_plan(check_plan(Target(f"stdio:{repaired}"))).ok, "every file against its MD5 tag"
    assert not run_plan(check_plan(Target(f"stdio:{read}"))).ok, "while the read names a damaged file"
    out = tmp_path / "files"
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", f"stdio:{repaired}", "-extract", "/", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0 and "photo one.jpg: OK" in check.stdout, check.stdout + check.stderr

    # beyond the redundancy: N roots repair N missing sectors per ecc block (one sector in
    # 1,409 is of each block); this disc has at most 15 roots, 20 sectors per block go
    worse = tmp_path / "worse.iso"
    _read_with_damage(disc, worse, shim, range(first, first + 20 * 1409))
    before = _sha(worse)
    failed = run_plan(repair_plan(str(worse), str(tmp_path / "worse.repaired.iso"), f"{worse}.sectors"))
    assert not failed.ok
    message = failed.results[0].message
    assert " remain: the damage is beyond what the error correction holds" in message, message
    assert message.startswith("0 sector(s) repaired, ") and message.endswith("; no copy kept"), message
    assert _sha(worse) == before and not (tmp_path / "worse.repaired.iso").exists()


@needs_dvdisaster
def test_an_image_without_ecc_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    from app.jobs.finish import run_plan  # the job layer only for these tests
    from app.jobs.plans_ecc import repair_plan

    image = _sparse(tmp_path / "plain.iso", 500)
    done = run_plan(repair_plan(str(image), str(tmp_path / "out.iso"), None))
    assert not done.ok and "carries no RS03 error correction" in done.results[0].message
    assert not (tmp_path / "out.iso").exists()
    mark_missing(str(image), [(10, 2), (499, 5)])
    assert image.stat().st_size == 500 * SECTOR, "marks stay inside the image"
    assert image.read_bytes()[10 * SECTOR : 11 * SECTOR] == dead_sector(10)
    assert filecmp.cmp(image, image)


def test_without_dvdisaster_the_message_names_the_package(tmp_path: Path) -> None:
    """PATH without dvdisaster (xorriso kept): repair and an ECC set's burn say what to install."""
    from tests.cli.test_cli import discdeck

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "xorriso").symlink_to(shutil.which("xorriso") or "/usr/bin/xorriso")
    image = _sparse(tmp_path / "read.iso", 100)
    result = discdeck("repair", str(image), env={"PATH": str(tools)})
    assert result.returncode != 0
    assert "apt-get install dvdisaster" in result.stderr and not (tmp_path / "read.repaired.iso").exists()
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("a")
    assert discdeck("set", "plan", "E", "--medium", "CD 700 MB", "--ecc", "10", str(data)).returncode == 0
    recorder = _sparse(tmp_path / "blank.iso", 0)
    burned = discdeck("set", "burn", "E", "--dev", f"stdio:{recorder}", env={"PATH": str(tools)})
    assert burned.returncode != 0 and "apt-get install dvdisaster" in burned.stdout + burned.stderr
    assert recorder.stat().st_size == 0 and load_set("E").discs[0].state == "planned"


def test_repair_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    from tests.cli.test_cli import discdeck

    image = _sparse(tmp_path / "read.iso", 100)
    (tmp_path / "read.repaired.iso").write_text("mine")
    result = discdeck("repair", str(image))
    assert result.returncode != 0 and "exists: choose another name with --out" in result.stderr
    assert (tmp_path / "read.repaired.iso").read_text() == "mine"


@needs_xorriso
@needs_dvdisaster
def test_a_disc_over_its_room_or_cancelled_writes_nothing_and_leaves_no_temp(tmp_path: Path) -> None:
    """A disc whose image would hold more than the redundancy leaves room for is refused
    after the build, before dvdisaster; a medium smaller than the augmented image before
    the build; a cancel during augmentation leaves no temp image."""
    from app.config import state_dir  # the job layer only for these tests
    from app.drives.shelf import add_recorder
    from app.engine.commands import MapEntry
    from app.engine.options import BurnOptions
    from app.jobs.plans import Target
    from app.jobs.plans_ecc import ecc_burn_plan, ecc_temp_image
    from app.jobs.start import start_job

    stale = Path(ecc_temp_image(state_dir(), "OLD")).with_name("OLD-999999999-1.iso")
    stale.write_bytes(b"left by a killed discdeck")
    big = _sparse(tmp_path / "big.bin", data_limit("CD", 80) + 10)
    recorder = _sparse(tmp_path / "cd.iso", 0)
    temp = ecc_temp_image(state_dir(), "OVER")
    plan = ecc_burn_plan(Target(f"stdio:{recorder}"), [MapEntry(str(big), "/big.bin")], BurnOptions(volume_id="OVER"),
                         ecc=80, ecc_medium="CD", temp=temp)  # fmt: skip
    job = start_job(plan)
    phases = [p.phase for p in job.events()]
    assert job.result is not None and job.result.outcome == "failed"
    assert "more than leaves room for 80 % error correction: plan the set again" in job.result.message
    assert "augmenting" not in phases and not os.path.exists(temp) and recorder.stat().st_size == 0
    assert not stale.exists(), "a killed discdeck's temporary image is swept"

    small = tmp_path / "small.txt"
    small.write_text("x")
    tiny = add_recorder("tiny", "100 MB")
    plan = ecc_burn_plan(Target(tiny.address), [MapEntry(str(small), "/small.txt")], BurnOptions(volume_id="TINY"),
                         ecc=20, ecc_medium="CD", temp=ecc_temp_image(state_dir(), "TINY"))  # fmt: skip
    job = start_job(plan)
    assert [p.phase for p in job.events()] == ["done"] and job.result is not None
    assert job.result.message.startswith("the error-corrected image fills 701.7 MiB and ")
    assert "tiny.iso holds 95.4 MiB: use a medium of the set's kind (nothing was written)" in job.result.message

    temp = ecc_temp_image(state_dir(), "STOP")
    plan = ecc_burn_plan(Target(f"stdio:{recorder}"), [MapEntry(str(small), "/small.txt")], BurnOptions(volume_id="STOP"),
                         ecc=20, ecc_medium="CD", temp=temp)  # fmt: skip
    job = start_job(plan)
    for progress in job.events():
        if progress.phase == "augmenting" and progress.percent:
            job.cancel()
    assert job.result is not None and job.result.outcome == "cancelled", job.result.message
    assert not os.path.exists(temp) and recorder.stat().st_size == 0
