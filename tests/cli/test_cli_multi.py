"""`burn` and `write` with several --dev: one job per drive at once, one result per drive,
exit 1 if any failed; each disc read back with pycdlib and `xorriso -toc`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pycdlib

from app.drives.presence import GONE
from tests.cli.test_cli import REPO, discdeck, plain_toc
from tests.conftest import make_garbage_image, make_image, needs_xorriso

pytestmark = needs_xorriso


def _read_back(image: Path, name: str) -> bytes:
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        out = __import__("io").BytesIO()
        iso.get_file_from_iso_fp(out, rr_path=f"/{name}")
        return out.getvalue()
    finally:
        iso.close()


def _results(stdout: str) -> dict[str, dict]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {line["drive"]: line for line in lines if "result" in line}


def test_burn_to_two_drives_builds_the_image_once_and_verifies_each(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"the same on both\n")
    a, b = tmp_path / "a.iso", tmp_path / "b.iso"
    proc = discdeck("burn", "--json", "--dev", f"stdio:{a}", "--dev", f"stdio:{b}", str(source))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    results = _results(proc.stdout)
    assert set(results) == {f"stdio:{a}", f"stdio:{b}"}
    for document in results.values():
        assert document["result"] == "ok" and "the medium matches the image" in document["message"]
    events = [json.loads(line) for line in proc.stdout.splitlines() if '"phase"' in line]
    assert {event["drive"] for event in events} == set(results), "every event names its drive"
    for image in (a, b):
        assert _read_back(image, "notes.txt") == b"the same on both\n"
        assert "ISO session" in plain_toc(image)
    temp = Path(os.environ["XDG_STATE_HOME"]) / "discdeck" / "multi"
    assert not temp.exists() or list(temp.iterdir()) == [], "the session image was removed"


def test_write_one_image_to_two_drives(tmp_path: Path) -> None:
    image = make_image(tmp_path / "src.iso", sessions=[("SHARED", {"x.bin": 70_000})])
    a, b = tmp_path / "a.iso", tmp_path / "b.iso"
    proc = discdeck("write", "--dev", f"stdio:{a}", "--dev", f"stdio:{b}", str(image))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "2 of 2 drives ok" in proc.stdout
    for target in (a, b):
        assert "SHARED" in plain_toc(target)
        assert len(_read_back(target, "d1/x.bin")) == 70_000


def test_one_of_two_drives_refused_the_other_written(tmp_path: Path) -> None:
    """A file that is not a disc image is never written; the good drive still gets the disc."""
    source = tmp_path / "notes.txt"
    source.write_bytes(b"kept\n")
    good = tmp_path / "good.iso"
    bad = make_garbage_image(tmp_path / "not-a-disc.bin")
    before = bad.read_bytes()
    proc = discdeck("burn", "--json", "--dev", f"stdio:{good}", "--dev", f"stdio:{bad}", str(source))
    assert proc.returncode == 1
    results = _results(proc.stdout)
    assert results[f"stdio:{good}"]["result"] == "ok"
    assert results[f"stdio:{bad}"]["result"] == "failed"
    assert f"stdio:{bad}" in proc.stderr
    assert bad.read_bytes() == before
    assert _read_back(good, "notes.txt") == b"kept\n"


def test_one_of_two_drives_going_away_mid_write(tmp_path: Path) -> None:
    """Its image removed while both write: that drive fails with "the drive went away",
    the other finishes, the exit status is 1."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "big.bin").write_bytes(os.urandom(24 << 20))
    a, b = tmp_path / "a.iso", tmp_path / "b.iso"
    argv = [sys.executable, "-m", "app", "burn", "--json", "--speed", "2d",
            "--dev", f"stdio:{a}", "--dev", f"stdio:{b}", str(source)]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        event = json.loads(line)
        if event.get("drive") == f"stdio:{b}" and (event.get("percent") or 0) > 5 and b.exists():
            b.unlink()
    assert proc.wait(timeout=120) == 1
    results = _results("".join(lines))
    assert results[f"stdio:{a}"]["result"] == "ok"
    assert results[f"stdio:{b}"]["result"] == "failed"
    assert GONE in results[f"stdio:{b}"]["message"]


def test_a_single_dev_is_as_before(tmp_path: Path) -> None:
    source = tmp_path / "one.txt"
    source.write_text("one\n")
    image = tmp_path / "one.iso"
    proc = discdeck("burn", "--json", "--dev", f"stdio:{image}", str(source))
    assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout.splitlines()[-1])
    assert last["result"] == "ok" and "drive" not in last


def test_the_same_drive_twice_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "one.txt"
    source.write_text("one\n")
    proc = discdeck("burn", "--dev", f"stdio:{tmp_path}/x.iso", "--dev", f"stdio:{tmp_path}/x.iso", str(source))
    assert proc.returncode == 2 and "each drive once" in proc.stderr
