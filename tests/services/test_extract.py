"""Extraction: real xorriso images for content/modes/mtimes, and crafted hostile images
(made with pycdlib's writer, names patched in the bytes) that must never escape the target."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pycdlib
import pytest

from app.iso.extract import ExtractProgress, extract, extract_all, safe_name
from app.iso.view import open_session
from tests.conftest import needs_xorriso, xorriso_run


def tree(root: Path) -> set[str]:
    """Every path below root (symlinks not followed), relative."""
    found = set()
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(top, name), root))
    return found


@pytest.fixture
def real_image(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "docs" / "deep").mkdir(parents=True)
    (src / "docs" / "a.txt").write_bytes(b"alpha")
    (src / "docs" / "deep" / "b.bin").write_bytes(os.urandom(3 << 20))
    (src / "docs" / "tool").write_bytes(b"#!/bin/sh\n")
    os.chmod(src / "docs" / "tool", 0o4755)  # setuid: must not survive
    os.chmod(src / "docs" / "a.txt", 0o640)
    os.chmod(src / "docs" / "deep", 0o750)
    os.symlink("deep/b.bin", src / "docs" / "inside-link")
    os.symlink("/etc/passwd", src / "docs" / "abs-link")
    os.symlink("../../../outside", src / "docs" / "up-link")
    for path in (src / "docs" / "a.txt", src / "docs" / "deep"):
        os.utime(path, (1_500_000_000, 1_500_000_000))
    image = tmp_path / "real.iso"
    xorriso_run("-outdev", f"stdio:{image}", "-map", str(src / "docs"), "/docs", "-commit")
    return image


@needs_xorriso
def test_extract_folder_keeps_content_modes_and_times(real_image: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = tmp_path / "src" / "docs"
    with open_session(str(real_image)) as view:
        job = extract(view, "/docs", out)
        progress = list(job)
    result = job.result
    assert result is not None and not result.cancelled
    got = out / "docs"
    assert (got / "a.txt").read_bytes() == b"alpha"
    assert (got / "deep" / "b.bin").read_bytes() == (src / "deep" / "b.bin").read_bytes()
    assert stat.S_IMODE(os.stat(got / "a.txt").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(got / "tool").st_mode) == 0o755  # setuid dropped
    assert stat.S_IMODE(os.stat(got / "deep").st_mode) == 0o750
    assert os.stat(got / "a.txt").st_mtime == 1_500_000_000
    assert os.stat(got / "deep").st_mtime == 1_500_000_000
    assert os.readlink(got / "inside-link") == "deep/b.bin"
    assert not os.path.lexists(got / "abs-link") and not os.path.lexists(got / "up-link")
    assert len(result.notes) == 2
    assert any("abs-link" in n and "absolute" in n for n in result.notes)
    assert any("up-link" in n and "outside" in n for n in result.notes)
    assert (result.files, result.symlinks, result.folders) == (3, 1, 2)
    total = (3 << 20) + len(b"alpha") + len(b"#!/bin/sh\n")
    assert progress[0] == ExtractProgress(0, total, "")
    assert progress[-1] == ExtractProgress(total, total, "")
    dones = [p.bytes_done for p in progress]
    assert dones == sorted(dones)
    assert any(p.current_path == "/docs/deep/b.bin" for p in progress)


@needs_xorriso
def test_single_file_and_no_overwrite(real_image: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_bytes(b"mine")
    with open_session(str(real_image)) as view:
        result = extract_all(view, "/docs/a.txt", out)
        assert (out / "a.txt").read_bytes() == b"mine"
        assert result.files == 0 and any("not overwritten" in n for n in result.notes)
        result = extract_all(view, "/docs/a.txt", out, overwrite=True)
        assert (out / "a.txt").read_bytes() == b"alpha" and result.ok
        with pytest.raises(FileNotFoundError):
            extract(view, "/docs/none", out)


@needs_xorriso
def test_no_writing_through_a_symlink_already_in_the_target(
    real_image: Path, tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "docs")
    with open_session(str(real_image)) as view:
        result = extract_all(view, "/docs", out)
    assert tree(elsewhere) == set()
    assert result.files == 0 and result.notes


@needs_xorriso
def test_cancel_removes_the_partial_file(real_image: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with open_session(str(real_image)) as view:
        job = extract(view, "/docs/deep/b.bin", out)
        for progress in job:
            if 0 < progress.bytes_done < progress.bytes_total:
                job.cancel()
    assert job.result is not None and job.result.cancelled
    assert not (out / "b.bin").exists()


def hostile_image(path: Path) -> Path:
    """Rock Ridge names and links that try to leave the extraction folder.

    pycdlib refuses an rr_name with "/", so "aXb" is written and patched to "a/b" in the
    bytes (the ISO 9660 name is upper case, only the NM entry holds "aXb").
    """
    iso = pycdlib.PyCdlib()
    iso.new(rock_ridge="1.09")
    iso.add_directory("/SUB", rr_name="sub")
    iso.add_directory("/SUB/DEEP", rr_name="deep")
    iso.add_fp(io.BytesIO(b"dotdot"), 6, "/DOTDOT.;1", rr_name="..")
    iso.add_fp(io.BytesIO(b"dot"), 3, "/DOT.;1", rr_name=".")
    iso.add_fp(io.BytesIO(b"slash"), 5, "/SLASH.;1", rr_name="aXb")
    iso.add_fp(io.BytesIO(b"fine"), 4, "/SUB/FINE.;1", rr_name="fine")
    iso.add_directory("/EVIL", rr_name="..")  # a folder named "..": its subtree is refused
    iso.add_fp(io.BytesIO(b"pwn"), 3, "/EVIL/PWN.;1", rr_name="pwned")
    iso.add_symlink("/PASSWD.;1", rr_symlink_name="passwd", rr_path="/etc/passwd")
    iso.add_symlink("/SUB/UP.;1", rr_symlink_name="up", rr_path="../../x")
    iso.add_symlink("/SUB/OK.;1", rr_symlink_name="ok", rr_path="fine")
    iso.add_symlink("/SUB/SIB.;1", rr_symlink_name="sib", rr_path="../sub/fine")
    # A chain: "here" -> "." is harmless alone, and "sub/deep/chain" -> "../../here/.."
    # looks like the target folder itself when read lexically, but through "here" it is
    # the target's parent.
    iso.add_symlink("/HERE.;1", rr_symlink_name="here", rr_path=".")
    iso.add_symlink("/SUB/DEEP/CHAIN.;1", rr_symlink_name="chain", rr_path="../../here/..")
    iso.write(str(path))
    iso.close()
    data = path.read_bytes()
    assert data.count(b"aXb") == 1
    path.write_bytes(data.replace(b"aXb", b"a/b"))
    return path


def test_hostile_names_and_links_stay_inside(tmp_path: Path) -> None:
    image = hostile_image(tmp_path / "hostile.iso")
    outer = tmp_path / "outer"
    target = outer / "target"
    target.mkdir(parents=True)
    with open_session(str(image)) as view:
        names = {e.name for e in view.list("/")}
        assert {"..", ".", "a/b", "passwd", "sub", "here"} <= names
        result = extract_all(view, "/", target)
    assert os.listdir(outer) == ["target"]
    assert not (tmp_path / "x").exists()
    assert (target / "a_b").read_bytes() == b"slash"
    assert (target / "sub" / "fine").read_bytes() == b"fine"
    assert os.readlink(target / "sub" / "ok") == "fine"
    assert os.readlink(target / "sub" / "sib") == "../sub/fine"
    assert os.readlink(target / "here") == "."
    assert not os.path.lexists(target / "passwd")
    assert not os.path.lexists(target / "sub" / "up")
    assert not os.path.lexists(target / "sub" / "deep" / "chain")
    for path in tree(target):
        assert os.path.realpath(target / path).startswith(str(target.resolve()))
    notes = "\n".join(result.notes)
    assert "refused the name '..'" in notes and "refused the name '.'" in notes
    assert "renamed to 'a_b'" in notes
    assert "absolute path '/etc/passwd'" in notes
    assert "'../../x': it points outside" in notes
    assert "/sub/deep/chain: removed symlink" in notes
    assert "pwned" not in notes and not any("pwned" in p for p in tree(target))
    assert result.symlinks == 3


def test_extract_root_of_the_image_into_target_directly(tmp_path: Path) -> None:
    iso = pycdlib.PyCdlib()
    iso.new(rock_ridge="1.09")
    iso.add_fp(io.BytesIO(b"top"), 3, "/TOP.;1", rr_name="top.txt")
    iso.write(str(tmp_path / "r.iso"))
    iso.close()
    with open_session(str(tmp_path / "r.iso")) as view:
        result = extract_all(view, "/", tmp_path / "new" / "folder")
    assert result.ok and (tmp_path / "new" / "folder" / "top.txt").read_bytes() == b"top"


@pytest.mark.parametrize(
    ("name", "use"),
    [("ok", "ok"), ("..", None), (".", None), ("", None), ("a/b", "a_b"), ("n\0ul", "n_ul"),
     ("x" * 256, None), (os.fsdecode(b"\xff\xfe"), os.fsdecode(b"\xff\xfe"))],
)  # fmt: skip
def test_safe_name(name: str, use: str | None) -> None:
    got, note = safe_name(name)
    assert got == use
    assert (note is None) == (use == name)


def test_a_folder_looping_back_to_the_root_ends(tmp_path: Path) -> None:
    """A crafted record points a subfolder at the root's extent: walk and extract stop."""
    iso = pycdlib.PyCdlib()
    iso.new(rock_ridge="1.09")
    iso.add_directory("/LOOP", rr_name="loop")
    iso.add_fp(io.BytesIO(b"f"), 1, "/F.;1", rr_name="f")
    image = tmp_path / "loop.iso"
    iso.write(str(image))
    iso.close()
    with open_session(str(image)) as view:
        root_extent = view.root.extents[0][0]
        loop_extent = view.stat("/loop").extents[0][0]
    data = bytearray(image.read_bytes())
    old = loop_extent.to_bytes(4, "little") + loop_extent.to_bytes(4, "big")
    new = root_extent.to_bytes(4, "little") + root_extent.to_bytes(4, "big")
    at = data.find(old, root_extent * 2048, (root_extent + 1) * 2048)
    assert at > 0
    data[at : at + 8] = new
    image.write_bytes(bytes(data))
    with open_session(str(image)) as view:
        assert {e.name for e in view.list("/loop")} == {"loop", "f"}
        assert {e.iso_path for e in view.walk("/")} == {"/loop", "/f"}
        result = extract_all(view, "/", tmp_path / "out")
    assert tree(tmp_path / "out") == {"f"}
    assert any("/loop: skipped" in n for n in result.notes)
