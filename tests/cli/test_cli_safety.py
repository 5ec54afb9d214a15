"""The command line after issue 12: --version, `info` on a virtual recorder as the app shows
it, --add of something already staged, and write targets refused before anything starts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from app.cli import main as cli
from app.drives.listing import gather_drives
from app.drives.virtual import create_recorder
from app.engine.inspect import read_medium
from app.main import main as entry
from app.media.view import describe_medium, free_blocks
from tests.cli.test_cli import REPO, discdeck, one_line_failure
from tests.conftest import make_image


def test_version() -> None:
    proc = discdeck("--version")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == f"discdeck {metadata.version('discdeck')}\n"


def test_version_without_the_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_name: str) -> str:
        raise metadata.PackageNotFoundError("discdeck")

    monkeypatch.setattr(metadata, "version", missing)
    assert cli.discdeck_version() == "0.1.0 (not installed)"


def test_info_on_a_virtual_recorder_shows_its_nominal_medium_as_the_app_does() -> None:
    from app.tui.app import DiscdeckApp

    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["REC1", "REC2"])
    entry = next(e for e in gather_drives(optical=False) if e.virtual)
    report = read_medium(entry.address)
    view = describe_medium(report, entry.recorder)  # what the app's media panel shows
    proc = discdeck("info", "--dev", f"stdio:{recorder.image}")
    assert proc.returncode == 0, proc.stderr
    for label, value in view.rows:
        assert f"{label:<9} {value}\n" in proc.stdout
    assert "Profile   virtual DVD 4.7 GB" in proc.stdout
    assert "Capacity  2,295,104 blocks (4.4 GiB)" in proc.stdout
    doc = json.loads(discdeck("info", "--dev", recorder.image, "--json").stdout)
    app = DiscdeckApp()
    app.drive, app.report = entry, report
    nwa = report.toc.media.nwa
    assert doc["media"]["writable_blocks"] == app.capacity_sectors() == 2_295_104 - nwa
    assert doc["media"]["writable_blocks"] == free_blocks(report, entry.recorder)
    assert doc["media"]["overall_blocks"] == 2_295_104
    assert doc["recorder"] == {
        "name": "virtual-dvd",
        "medium": "DVD 4.7 GB",
        "capacity_blocks": 2_295_104,
    }


def test_add_of_something_already_staged_warns_and_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.tui.app import DiscdeckApp

    started: list[DiscdeckApp] = []
    monkeypatch.setattr(DiscdeckApp, "run", lambda self, *a, **k: started.append(self))
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    assert entry(["--add", str(notes)]) == 0
    assert started[-1].stage_problem is None
    assert entry(["--add", str(notes)]) == 0  # the autosave has it already
    again = f"{notes} is already on the stage as /notes.txt: not added again"
    assert started[-1].stage_problem == again
    assert [disk for disk, _iso in started[-1].stage.entries()] == [str(notes)]
    other = tmp_path / "other" / "notes.txt"
    other.parent.mkdir()
    other.write_text("y")
    assert entry(["--add", str(other)]) == 0
    assert started[-1].stage_problem == (
        f"{other} not added: /notes.txt is already on the stage (from {notes}); "
        "add it under another name with PATH=/OTHER_NAME"
    )
    err = capsys.readouterr().err.splitlines()
    assert err == [f"discdeck: note: {again}", f"discdeck: note: {started[-1].stage_problem}"]
    assert len(started) == 3
    assert entry(["--add", str(tmp_path / "gone")]) == 1  # a missing file still refuses


def _nothing_started(private_home: dict[str, Path]) -> bool:
    state = private_home["XDG_STATE_HOME"] / "discdeck"
    return not (state / "journal").exists() and not (state / "running").exists()


def test_a_target_that_cannot_be_created_is_refused_before_anything_starts(
    tmp_path: Path, private_home: dict[str, Path]
) -> None:
    src = tmp_path / "src.txt"
    src.write_text("data")
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    under_file = discdeck("burn", "--dev", f"stdio:{blocker}/x.iso", str(src))
    one_line_failure(
        under_file, f"cannot create {blocker}/x.iso: {blocker} is a file, not a folder"
    )
    missing = discdeck("burn", "--dev", f"stdio:{tmp_path}/gone/x.iso", str(src))
    one_line_failure(missing, f"folder {tmp_path}/gone does not exist")
    assert _nothing_started(private_home)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="no unshare")
def test_a_folder_the_user_may_not_write_is_refused_before_anything_starts(
    tmp_path: Path, private_home: dict[str, Path]
) -> None:
    """As root every permission check passes. In a user namespace root keeps its uid but
    loses CAP_DAC_OVERRIDE: it is only the owner of its files, so a 0555 folder refuses
    writes and a 0600 one entry, for real (xorriso said "Failed to open device" here)."""
    locked, closed = tmp_path / "locked", tmp_path / "closed"
    locked.mkdir()
    closed.mkdir()
    src = tmp_path / "src.txt"
    src.write_text("data")
    locked.chmod(0o555)
    closed.chmod(0o600)
    try:
        probe = subprocess.run(["unshare", "-U", "touch", str(locked / "probe")], check=False)
        if probe.returncode == 0:
            pytest.skip("a user namespace does not take away root's permissions here")

        def burn_as_user(target: Path) -> subprocess.CompletedProcess[str]:
            argv = [sys.executable, "-m", "app", "burn", "--dev", f"stdio:{target}", str(src)]
            return subprocess.run(
                ["unshare", "-U", *argv],
                capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
            )  # fmt: skip

        one_line_failure(
            burn_as_user(locked / "x.iso"),
            f"cannot create {locked}/x.iso: no permission to write in folder {locked}",
        )
        one_line_failure(burn_as_user(closed / "x.iso"), f"no permission to enter folder {closed}")
    finally:
        locked.chmod(0o755)
        closed.chmod(0o755)
    assert list(locked.iterdir()) == [] and list(closed.iterdir()) == []
    assert _nothing_started(private_home)
