"""Disc sets: the plan (folders together, files packed, big files cut), real burns of a set
onto virtual recorders disc by disc, the manifest checked by sha256sum on files extracted
by xorriso, and a set that goes on after its burner was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.archive.sets import SetError, load_set, plan_set
from app.drives.shelf import add_recorder, insert_blank
from tests.cli.test_cli import discdeck
from tests.conftest import needs_xorriso

MB = 1_000_000


def _tree(root: Path, sizes: dict[str, int]) -> Path:
    for name, size in sizes.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(os.urandom(size))
    return root


def test_the_plan_keeps_folders_together_and_cuts_what_no_disc_holds(tmp_path: Path) -> None:
    data = _tree(tmp_path / "data", {
        "trip/a.bin": 30 * MB, "trip/b.bin": 30 * MB, "work/c.bin": 50 * MB, "huge.bin": 230 * MB,
    })  # fmt: skip
    plan = plan_set("TEST", "100 MB", [str(data / "trip"), str(data / "work"), str(data / "huge.bin")])
    where = {item.iso: disc.number for disc in plan.discs for item in disc.items}
    assert where["trip/a.bin"] == where["trip/b.bin"], "a folder that fits stays on one disc"
    parts = sorted(iso for iso in where if iso.startswith("huge.bin.part"))
    assert parts == ["huge.bin.part1of3", "huge.bin.part2of3", "huge.bin.part3of3"]
    assert all(disc.used <= plan.capacity for disc in plan.discs)
    assert sum(d.used for d in plan.discs) == 340 * MB
    with pytest.raises(SetError, match="same name"):
        plan_set("TEST", "100 MB", [str(data / "trip"), str(tmp_path / "data" / "trip")])
    with pytest.raises(SetError):
        plan_set("bad name!", "100 MB", [str(data)])
    with pytest.raises(SetError, match="0.4 MB medium is too small for a set.*larger"):
        plan_set("TEST", "0.4 MB", [str(data)])  # not "nothing to archive": there is


@needs_xorriso
def test_a_set_burned_disc_by_disc_resumes_after_a_kill_and_checks_with_sha256sum(
    tmp_path: Path,
) -> None:
    data = _tree(tmp_path / "data", {"a/1.bin": 40 * MB, "a/2.bin": 40 * MB, "b/3.bin": 60 * MB,
                                     "big.bin": 70 * MB, "b/note.txt": 10})  # fmt: skip
    planned = discdeck("set", "plan", "TRIP", "--medium", "100 MB", str(data / "a"), str(data / "b"), str(data / "big.bin"))
    assert planned.returncode == 0, planned.stderr
    plan = load_set("TRIP")
    assert len(plan.discs) == 3
    recorder = add_recorder("cd", "100 MB")
    images = []
    for number in range(1, 4):
        if number == 2:  # kill the burner mid-burn: the set must go on with disc 2 again
            child = subprocess.Popen(
                [sys.executable, "-m", "app", "set", "burn", "TRIP", "--speed", "8d",
                 "--dev", recorder.address],
                cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for line in child.stdout:  # killed once it is writing, not before, not after
                if line.startswith("writing"):
                    break
            child.send_signal(signal.SIGKILL)
            child.wait()
            assert load_set("TRIP").discs[1].state == "planned"
            for _ in range(100):  # the detached burn may still finish: wait, then swap
                if not list(Path(os.environ["XDG_STATE_HOME"], "discdeck", "running").glob("*.lock")):
                    break
                time.sleep(0.3)
            insert_blank(recorder)
        burned = discdeck("set", "burn", "TRIP", "--dev", recorder.address)
        assert burned.returncode == 0, burned.stderr + burned.stdout
        assert f"disc {number} of 3 burned" in burned.stdout
        kept = insert_blank(recorder)
        images.append(Path(kept.recorder.image))
    assert all(d.state == "burned" for d in load_set("TRIP").discs)
    again = discdeck("set", "burn", "TRIP", "--dev", recorder.address)
    assert "complete" in again.stdout
    for image in images:
        out = tmp_path / f"x-{image.stem}"
        out.mkdir()
        subprocess.run(["xorriso", "-osirrox", "on", "-indev", f"stdio:{image}", "-extract", "/", str(out)],
                       check=True, capture_output=True)  # fmt: skip
        check = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=out,
                               capture_output=True, text=True)  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
        assert "OK" in check.stdout and (out / "INDEX.txt").exists()
    found = discdeck("catalog", "find", "3.bin").stdout
    assert "TRIP" in found and "of 3" in found
