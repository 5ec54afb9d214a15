"""`discdeck changer ...` and `burn --changer` where no changer exists (this machine): one
line naming the fix, with the real mtx's own words for a device that is not there. The
moves themselves are tested in the MMC lab (tests/test_lab.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.cli.main import main


def test_status_without_a_changer_names_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["changer", "status"]) == 1
    assert capsys.readouterr().err == (
        "discdeck: no media changer found (no SCSI device of type 8): "
        "name one with --changer /dev/sgN\n"
    )


@pytest.mark.skipif(shutil.which("mtx") is None, reason="mtx is not installed")
def test_load_on_a_missing_device_says_what_mtx_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "sg9")
    assert main(["changer", "--changer", missing, "load", "2", "--json"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith('{"result": "failed", "message": "changer: mtx load 2 0 on ')
    assert "cannot open SCSI device" in out[-1]


def test_burn_through_a_jukebox_needs_a_changer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("a")
    code = main(["burn", "--dev", "/dev/sr9", "--changer", "auto", "--copies", "2", str(tmp_path)])
    assert code == 1
    assert "no media changer found" in capsys.readouterr().err
