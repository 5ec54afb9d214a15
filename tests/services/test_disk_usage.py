"""Folder sums (app/stage/disk_usage.py): the GNU find walk against the Python walk, du and the
kernel's own refusals, on real trees with hostile names."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.stage import disk_usage
from app.stage.disk_usage import ScanProgress, parse_find_error, walk_size

needs_find = pytest.mark.skipif(not disk_usage._has_gnu_find(), reason="no GNU find")

HOSTILE = ["new\nline", "-dash", "--", "a=b", "*?[x]", "D0", "0", "sp ace", "ü ✓"]


def make_hostile_tree(top: Path) -> tuple[int, int]:
    """A tree with awkward names, links, a fifo and empty folders; returns (bytes, files)."""
    size = files = 0
    for depth, name in enumerate(HOSTILE):
        folder = top.joinpath(*(f"{n}.d" for n in HOSTILE[: depth % 4]), f"{name}.d")
        folder.mkdir(parents=True, exist_ok=True)
        for index, leaf in enumerate(HOSTILE):
            (folder / leaf).write_bytes(os.urandom(index * 37 + depth))
            size += index * 37 + depth
            files += 1
    raw = os.path.join(os.fsencode(top), b"bad\xff\xfe")
    os.mkdir(raw)
    with open(os.path.join(raw, b"f\xff"), "wb") as handle:
        handle.write(b"12345")
    (top / "link").symlink_to("-dash.d")
    (top / "dangling").symlink_to("/nowhere/" + "x" * 300)
    os.mkfifo(top / "fifo")
    (top / "empty").mkdir()
    return size + 5, files + 4


def walk_both(top: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    by_find = list(walk_size(top, []))
    with monkeypatch.context() as patch:
        patch.setattr(disk_usage, "_has_gnu_find", lambda: False)
        by_python = list(walk_size(top, []))
    return by_find, by_python


@needs_find
def test_find_walk_equals_python_walk_and_du(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "tree"
    want_bytes, want_files = make_hostile_tree(top)
    by_find, by_python = walk_both(str(top), monkeypatch)
    assert by_find[-1] == by_python[-1] == ScanProgress(want_files, want_bytes, str(top))
    du = subprocess.run(
        ["du", "-s", "--apparent-size", "-B1", "--", str(top)], capture_output=True, check=True
    ).stdout
    dirs = [os.lstat(os.path.join(d, n)).st_size for d, ds, _ in os.walk(top) for n in ds]
    links = [os.lstat(top / name).st_size for name in ("link", "dangling")]
    assert int(du.split()[0]) == want_bytes + sum(dirs) + sum(links) + os.lstat(top).st_size


@needs_find
def test_find_walk_progress_every_500_with_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "many"
    for d in range(7):
        (top / f"d{d}").mkdir(parents=True)
        for f in range(300):
            (top / f"d{d}" / str(f)).write_bytes(b"x" * f)
    by_find, by_python = walk_both(str(top), monkeypatch)
    assert len(by_find) == len(by_python) == 2100 // disk_usage.PROGRESS_EVERY + 1
    files = [p.files for p in by_find]
    assert files == sorted(files) and by_find[-1].bytes == 7 * sum(range(300))
    assert all(p.current.startswith(str(top / "d")) for p in by_find[:-1])


@needs_find
def test_relative_top_with_leading_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "-name").mkdir()
    (tmp_path / "-name" / "f").write_bytes(b"abc")
    monkeypatch.chdir(tmp_path)
    assert list(walk_size("-name", []))[-1] == ScanProgress(1, 3, "-name")


@needs_find
@pytest.mark.skipif(shutil.which("unshare") is None, reason="no unshare")
def test_find_walk_reports_real_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a user namespace root loses CAP_DAC_OVERRIDE, so chmod 000 refuses for real."""
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces refused: {probe.stderr.decode().strip()}")
    top = tmp_path / "t"
    (top / "ok").mkdir(parents=True)
    (top / "ok" / "a").write_bytes(b"x" * 10)
    (top / "locked").mkdir()
    (top / "locked" / "b").write_bytes(b"x" * 20)
    (top / "locked").chmod(0)
    monkeypatch.setattr(disk_usage, "FIND_COMMAND", ("unshare", "-U", "find"))
    errors: list[str] = []
    try:
        last = list(walk_size(str(top), errors))[-1]
    finally:
        (top / "locked").chmod(0o755)
    assert (last.files, last.bytes) == (1, 10)
    assert errors == [f"'{top}/locked': Permission denied (skipped)"]


@needs_find
def test_closing_the_walk_kills_find(tmp_path: Path) -> None:
    top = tmp_path / "big"
    for d in range(20):
        (top / str(d)).mkdir(parents=True)
        for f in range(200):
            (top / str(d) / str(f)).touch()
    walk = walk_size(str(top), [])
    next(walk)
    walk.close()
    children = Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()
    names = [Path(f"/proc/{pid}/comm").read_text().strip() for pid in children]
    assert "find" not in names


def test_parse_find_error_recorded_line() -> None:
    line = b"find: '/tmp/ut/locked': Permission denied"  # GNU findutils 4.9.0, LC_ALL=C
    assert parse_find_error(line) == "'/tmp/ut/locked': Permission denied (skipped)"
