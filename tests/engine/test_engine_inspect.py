"""Integration tests of app.engine.inspect and the runner with the real xorriso.

`read_medium` is checked field by field against a separate `xorriso -outdev stdio:IMG -toc`
run that this file parses with its own deliberately simple code (not parse.py), so a
parser bug and a test bug would have to agree to go unnoticed.
"""

from __future__ import annotations

import glob
import io
import itertools
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pycdlib
import pytest

from app.engine import runner
from app.engine.errors import AddressError, XorrisoMissing, XorrisoTooOld
from app.engine.inspect import list_devices, read_medium
from app.engine.runner import run
from app.engine.severity import rank
from tests.conftest import make_image, needs_xorriso

pytestmark = needs_xorriso

FREE_SLACK_BLOCKS = 262_144
"""Free space of a stdio: medium is the host file system's: other processes may change it
between two runs by this much (512 MiB) without the test failing."""

IMAGES = {
    # fixture name -> (status, [(kind, index, volume id)])
    "blank_image": ("blank", []),
    "one_session_image": ("appendable", [("ISO", 1, "VOL_ONE")]),
    "three_session_image": (
        "appendable",
        [("ISO", 1, "VOL_S1"), ("ISO", 2, "VOL_S2"), ("ISO", 3, "VOL_S3")],
    ),
    "garbage_image": ("closed", [("Other", 1, "")]),
}


def independent_toc(image: Path) -> dict:
    """`-toc` of `image` from the R channel, parsed by splitting on ':' and ','."""
    proc = subprocess.run(
        ["xorriso", "-no_rc", "-pkt_output", "on", "-outdev", f"stdio:{image}", "-toc"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    lines = [line[5:] for line in proc.stdout.decode().splitlines() if line.startswith("R:1: ")]
    toc: dict = {"sessions": [], "nwa": None}
    statuses = {
        "is blank": "blank",
        "is written , is appendable": "appendable",
        "is written , is closed": "closed",
    }
    for line in lines:
        label, _, value = line.partition(":")
        label, value = label.strip(), value.strip()
        if label == "Drive current":
            toc["address"] = value.split("'")[1]
        elif label == "Drive type":
            toc["vendor"] = value.split("'")[1]
        elif label == "Media status":
            toc["status"] = statuses[value]
        elif label == "Media blocks":
            words = value.split()
            toc["readable"], toc["writable"], toc["overall"] = (
                int(words[0]),
                int(words[3]),
                int(words[6]),
            )
        elif label in ("ISO session", "Other session"):
            parts = [part.strip() for part in line.partition(":")[2].split(",")]
            toc["sessions"].append(
                (label.split()[0], int(parts[0]), int(parts[1]), int(parts[2][:-1]), parts[3])
            )
        elif label == "Media summary":
            toc["summary_sessions"] = int(value.split()[0])
            toc["summary_blocks"] = int(value.split(",")[1].split()[0])
        elif label == "Media nwa":
            toc["nwa"] = int(value.rstrip("s"))
    return toc


@pytest.mark.parametrize("image_fixture", sorted(IMAGES))
def test_read_medium_matches_xorriso_toc(image_fixture: str, request: pytest.FixtureRequest):
    image: Path = request.getfixturevalue(image_fixture)
    expected_status, expected_sessions = IMAGES[image_fixture]

    report = read_medium(str(image))
    ref = independent_toc(image)
    toc, media = report.toc, report.toc.media

    assert toc.drive.address == ref["address"] == f"stdio:{image}"
    assert toc.drive.vendor == ref["vendor"] == "YOYODYNE"
    assert toc.drive.product == "WARP DRIVE"
    assert media.profile == "stdio file, overwriteable"
    assert media.status == ref["status"] == expected_status
    assert media.readable_blocks == ref["readable"]
    assert media.overall_blocks - media.writable_blocks == ref["overall"] - ref["writable"]
    assert abs(media.writable_blocks - ref["writable"]) <= FREE_SLACK_BLOCKS
    assert abs(media.overall_blocks - ref["overall"]) <= FREE_SLACK_BLOCKS
    assert media.nwa == ref["nwa"]
    assert media.sessions_count == ref["summary_sessions"] == len(expected_sessions)
    assert media.data_blocks == ref["summary_blocks"]

    got = [(s.kind, s.index, s.start, s.blocks, s.volume_id) for s in toc.sessions]
    assert got == ref["sessions"]
    assert [(kind, index, volid) for kind, index, _, _, volid in got] == expected_sessions

    assert report.summary is not None
    assert report.summary.sessions == ref["summary_sessions"]
    assert report.summary.data_blocks == ref["summary_blocks"]
    assert report.access == "exclusive:unrestricted"


def test_read_medium_session_layout(three_session_image: Path) -> None:
    """Sessions follow each other: each starts at or after the end of the one before."""
    report = read_medium(str(three_session_image))
    sessions = report.toc.sessions
    assert sessions[0].start == 32
    for before, after in itertools.pairwise(sessions):
        assert after.start >= before.start + before.blocks
    assert report.toc.media.nwa is not None
    assert report.toc.media.nwa >= sessions[-1].start + sessions[-1].blocks
    assert report.toc.media.data_blocks == sum(s.blocks for s in sessions)
    assert report.problems == []


@pytest.mark.parametrize("image_fixture", ["blank_image", "one_session_image"])
def test_read_medium_no_problems(image_fixture: str, request: pytest.FixtureRequest) -> None:
    report = read_medium(str(request.getfixturevalue(image_fixture)))
    assert report.problems == []
    assert report.warnings == []


def test_read_medium_garbage_has_no_iso(garbage_image: Path) -> None:
    report = read_medium(str(garbage_image))
    assert len(report.problems) == 1
    assert "no ISO 9660" in report.problems[0]
    assert "image file" in report.problems[0]


def test_read_medium_accepts_stdio_prefix(one_session_image: Path) -> None:
    plain = read_medium(str(one_session_image))
    prefixed = read_medium(f"stdio:{one_session_image}")
    assert prefixed.toc.sessions == plain.toc.sessions
    assert prefixed.toc.drive.address == f"stdio:{one_session_image}"


def test_read_medium_made_with_make_image(tmp_path: Path) -> None:
    """make_image is importable by other tests; custom files give the expected sizes."""
    image = make_image(tmp_path / "custom.iso", [("CUSTOM", {"a.txt": b"hello\n", "b.bin": 4096})])
    report = read_medium(str(image))
    assert [(s.index, s.volume_id) for s in report.toc.sessions] == [(1, "CUSTOM")]
    assert not (tmp_path / ".custom.iso.sources").exists()


@pytest.mark.parametrize(
    ("make_address", "says"),
    [
        (lambda tmp: str(tmp / "missing.iso"), "does not exist"),
        (lambda tmp: f"stdio:{tmp / 'missing.iso'}", "does not exist"),
        (lambda tmp: str(tmp), "is a directory"),
        (lambda tmp: f"stdio:{tmp}", "is a directory"),
        (lambda tmp: str(tmp / "no-such-folder" / "disc.iso"), "does not exist"),
    ],
    ids=["missing", "missing-stdio", "directory", "directory-stdio", "missing-parent"],
)
def test_read_medium_bad_address(tmp_path: Path, make_address, says: str) -> None:
    address = make_address(tmp_path)
    with pytest.raises(AddressError) as excinfo:
        read_medium(address)
    message = str(excinfo.value)
    assert says in message
    assert "\n" not in message


@pytest.mark.skipif(bool(glob.glob("/dev/sr*")), reason="this machine has optical drives")
def test_list_devices_none_here() -> None:
    assert list_devices() == []


@pytest.fixture
def fresh_version_cache():
    runner.xorriso_version.cache_clear()
    yield
    runner.xorriso_version.cache_clear()


def test_xorriso_missing(
    monkeypatch: pytest.MonkeyPatch, fresh_version_cache: None, blank_image: Path
) -> None:
    name = "discdeck-no-such-xorriso"
    assert shutil.which(name) is None
    monkeypatch.setenv("DISCDECK_XORRISO", name)
    with pytest.raises(XorrisoMissing) as excinfo:
        read_medium(str(blank_image))
    message = str(excinfo.value)
    assert "\n" not in message
    assert name in message
    assert "apt-get install xorriso" in message
    with pytest.raises(XorrisoMissing):
        run(["-version"])


def test_xorriso_too_old(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_version_cache: None,
    blank_image: Path,
) -> None:
    # fake_xorriso_too_old is a fault injector: the real xorriso cannot be made old, so this
    # script only answers -version with an old number and logs how it was called.
    calls = tmp_path / "calls.log"
    fake = tmp_path / "fake_xorriso_too_old"
    fake.write_text(
        "#!/bin/sh\n"
        f"echo \"$*\" >> '{calls}'\n"
        "echo 'xorriso 1.0.0 : RockRidge filesystem manipulator, libburnia project.' >&2\n"
        "echo 'xorriso version   :  1.0.0'\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("DISCDECK_XORRISO", str(fake))
    with pytest.raises(XorrisoTooOld) as excinfo:
        read_medium(str(blank_image))
    message = str(excinfo.value)
    assert "\n" not in message
    assert "1.0.0" in message
    assert "1.1.8" in message
    assert calls.read_text().split("\n")[:-1] == ["-no_rc -version"]


WEIRD = "-lead 'single' \"double\"\nnew line"
"""A name with a leading dash, both quotes and a newline: argv needs no quoting for it."""


def test_run_map_weird_name_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "src"
    source.mkdir()
    (source / WEIRD).write_bytes(b"payload\n")
    image = tmp_path / "weird.iso"
    # relative disk path, so the argument itself starts with the dash
    monkeypatch.chdir(source)
    result = run(
        [
            "-outdev", f"stdio:{image}",
            "-map", WEIRD, "/x",
            "-map", WEIRD, f"/dir/{WEIRD}",
            "-commit",
        ]
    )  # fmt: skip
    assert result.returncode == 0, result.text()
    assert rank(result.worst) < rank("SORRY"), result.text()
    assert any(line.text.endswith("completed successfully.") for line in result.lines)

    # read back with pycdlib's Rock Ridge names
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        names = {
            os.path.join(root, name) for root, _, files in iso.walk(rr_path="/") for name in files
        }
        assert names == {"/x", f"/dir/{WEIRD}"}
        for path in names:
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, rr_path=path)
            assert out.getvalue() == b"payload\n"
    finally:
        iso.close()

    # and with xorriso itself: extract /dir and list what arrived on disk
    target = tmp_path / "out"
    extract = run(["-osirrox", "on", "-indev", f"stdio:{image}", "-extract", "/dir", str(target)])
    assert extract.returncode == 0, extract.text()
    assert os.listdir(target) == [WEIRD]
    assert (target / WEIRD).read_bytes() == b"payload\n"
