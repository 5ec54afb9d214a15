"""IsoView: lazy browsing of one session, against images written by the real xorriso (and
crafted with pycdlib's writer), cross-checked with pycdlib and `xorriso -find`."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pycdlib
import pytest

from app.engine.inspect import read_medium
from app.iso.view import IsoFormatError, SessionFile, open_session
from tests.conftest import make_image, needs_xorriso, xorriso_run

pytestmark = needs_xorriso

GiB = 1 << 30


def session_starts(image: Path) -> list[int]:
    return [s.start for s in read_medium(f"stdio:{image}").toc.sessions]


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """Three sessions; session n adds /dN/fN.txt holding b"session N"."""
    sessions = [(f"VOL_S{n}", {f"f{n}.txt": f"session {n}".encode()}) for n in (1, 2, 3)]
    return make_image(tmp_path / "grown.iso", sessions)


def test_each_session_shows_its_own_tree(grown: Path) -> None:
    starts = session_starts(grown)
    assert len(starts) == 3
    for n, start in enumerate(starts, start=1):
        with open_session(str(grown), start) as view:
            assert view.volume_id == f"VOL_S{n}"
            assert view.tree == "rockridge"
            assert [e.name for e in view.list("/")] == [f"d{k}" for k in range(1, n + 1)]
            for k in range(1, n + 1):
                entry = view.stat(f"/d{k}/f{k}.txt")
                assert entry.iso_path == f"/d{k}/f{k}.txt"
                assert entry.name_source == "rockridge"
                with view.open_file(entry) as f:
                    assert f.read() == f"session {k}".encode()
            assert not view.exists(f"/d{n + 1}")


def test_no_session_start_reads_the_newest(grown: Path) -> None:
    with open_session(f"stdio:{grown}") as view:
        assert view.volume_id == "VOL_S3"
        assert [e.name for e in view.list()] == ["d1", "d2", "d3"]


def test_pycdlib_opens_each_session_through_the_wrapper(grown: Path) -> None:
    """SessionFile is the redirecting file pycdlib needs to see older sessions."""
    for n, start in enumerate(session_starts(grown), start=1):
        source = SessionFile(str(grown), start)
        iso = pycdlib.PyCdlib()
        iso.open_fp(source)
        try:
            names = sorted(
                child.rock_ridge.name().decode()
                for child in iso.list_children(rr_path="/")
                if not (child.is_dot() or child.is_dotdot())
            )
            assert names == [f"d{k}" for k in range(1, n + 1)]
        finally:
            iso.close()
            source.close()


def test_session_file_redirects_only_the_head(grown: Path) -> None:
    start = session_starts(grown)[1]
    raw = grown.read_bytes()
    with SessionFile(str(grown), start) as f:
        assert f.pread(16 * 2048, 2048) == raw[(start + 16) * 2048 : (start + 17) * 2048]
        assert f.pread(40 * 2048, 100) == raw[40 * 2048 : 40 * 2048 + 100]
        # one read across the boundary of sector 32 is split correctly
        f.seek(31 * 2048)
        both = f.read(4096)
        assert both == raw[(start + 31) * 2048 : (start + 32) * 2048] + raw[32 * 2048 : 33 * 2048]


def test_not_iso(tmp_path: Path, garbage_image: Path, blank_image: Path) -> None:
    for image in (garbage_image, blank_image):
        with pytest.raises(IsoFormatError):
            open_session(str(image))
    with pytest.raises(FileNotFoundError):
        open_session(str(tmp_path / "missing.iso"))


def test_rock_ridge_details(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "plain.txt").write_bytes(b"hello")
    os.chmod(src / "sub" / "plain.txt", 0o750)
    os.utime(src / "sub" / "plain.txt", (1_600_000_000, 1_600_000_000))
    os.symlink("plain.txt", src / "sub" / "link")
    long_target = "/".join(["x" * 60] * 8)  # > 255 bytes: SL spans entries and components
    os.symlink(long_target, src / "sub" / "longlink")
    long_name = "n" * 240  # NM does not fit the record: it goes to a CE continuation area
    (src / long_name).write_bytes(b"long")
    (src.joinpath(os.fsdecode(b"caf\xe9 latin1"))).write_bytes(b"bytes")
    os.chown(src / "sub" / "plain.txt", 1234, 5678)
    image = tmp_path / "rr.iso"
    xorriso_run("-outdev", f"stdio:{image}", "-map", str(src), "/", "-commit")
    with open_session(str(image)) as view:
        names = {e.name for e in view.list("/")}
        assert names == {"sub", long_name, os.fsdecode(b"caf\xe9 latin1")}
        latin = view.stat(os.fsdecode(b"/caf\xe9 latin1"))
        assert os.fsencode(latin.name) == b"caf\xe9 latin1"
        assert view.open_file(latin).read() == b"bytes"
        assert view.open_file("/" + long_name).read() == b"long"
        plain = view.stat("/sub/plain.txt")
        assert stat.S_IMODE(plain.mode) == 0o750 and stat.S_ISREG(plain.mode)
        assert (plain.uid, plain.gid) == (1234, 5678)
        assert plain.mtime is not None and plain.mtime.timestamp() == 1_600_000_000
        assert plain.is_file and plain.size == 5
        link = view.stat("/sub/link")
        assert link.is_symlink and link.symlink_target == "plain.txt" and not link.is_dir
        assert view.stat("/sub/longlink").symlink_target == long_target
        with pytest.raises(NotADirectoryError):
            view.list("/sub/plain.txt")
        with pytest.raises(IsADirectoryError):
            view.open_file("/sub")
        with pytest.raises(FileNotFoundError):
            view.stat("/sub/nothing")


def test_joliet_and_plain_iso9660_names(tmp_path: Path) -> None:
    iso = pycdlib.PyCdlib()
    iso.new(joliet=3)
    iso.add_fp(io.BytesIO(b"jj"), 2, "/HELLO.TXT;1", joliet_path="/Hello World.txt")
    iso.add_directory("/DIR", joliet_path="/Dir Ünïcode")
    iso.write(str(tmp_path / "joliet.iso"))
    iso.close()
    with open_session(str(tmp_path / "joliet.iso")) as view:
        assert view.tree == "joliet" and not view.rock_ridge
        assert sorted(e.name for e in view.list()) == ["Dir Ünïcode", "Hello World.txt"]
        assert view.open_file("/Hello World.txt").read() == b"jj"
        assert view.stat("/Dir Ünïcode").name_source == "joliet"
    iso = pycdlib.PyCdlib()
    iso.new()
    iso.add_fp(io.BytesIO(b"pp"), 2, "/PLAIN.TXT;1")
    iso.add_fp(io.BytesIO(b"nn"), 2, "/NOEXT.;1")
    iso.write(str(tmp_path / "plain.iso"))
    iso.close()
    with open_session(str(tmp_path / "plain.iso")) as view:
        assert view.tree == "iso9660"
        assert sorted(e.name for e in view.list()) == ["NOEXT", "PLAIN.TXT"]
        assert view.stat("/PLAIN.TXT").name_source == "iso9660"


def test_open_file_seeks(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    image = make_image(tmp_path / "s.iso", [("V", {"r.bin": data})])
    with open_session(str(image)) as view, view.open_file("/d1/r.bin") as f:
        f.seek(123_456)
        assert f.read(1000) == data[123_456:124_456]
        f.seek(-10, os.SEEK_END)
        assert f.read() == data[-10:]


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


@pytest.mark.timeout(900)
def test_multi_extent_file_over_4_gib(tmp_path: Path) -> None:
    """A 5 GiB file is stored as a chain of extents; size and content are whole."""
    if _free_bytes(tmp_path) < 12 * GiB:
        pytest.skip(f"needs 12 GiB free in {tmp_path} for a 5 GiB image (sparse source)")
    size = 5 * GiB
    src = tmp_path / "src"
    src.mkdir()
    big = src / "big.bin"
    markers = {0: b"HEAD" * 16, 0xFFFFF7F0: b"BOUNDARY-OF-EXTENT-1", size - 32: b"T" * 32}
    with open(big, "wb") as f:
        f.truncate(size)
        for offset, data in markers.items():
            f.seek(offset)
            f.write(data)
    image = tmp_path / "big.iso"
    try:
        xorriso_run("-md5", "off", "-outdev", f"stdio:{image}", "-map", str(src), "/", "-commit")
        with open_session(str(image)) as view:
            entry = view.stat("/big.bin")
            assert entry.size == size
            assert len(entry.extents) >= 2 and sum(n for _, n in entry.extents) == size
            with view.open_file(entry) as f:
                for offset, data in markers.items():
                    f.seek(offset)
                    assert f.read(len(data)) == data
                f.seek(0)
                digest = hashlib.md5()
                while chunk := f.read(8 << 20):
                    digest.update(chunk)
        source = hashlib.md5()
        with open(big, "rb") as f:
            while chunk := f.read(8 << 20):
                source.update(chunk)
        assert digest.hexdigest() == source.hexdigest()
    finally:
        image.unlink(missing_ok=True)
        big.unlink(missing_ok=True)


def _many_files_image(tmp_path: Path, count: int, per_dir: int) -> Path:
    src = tmp_path / "many"
    for i in range(count):
        folder = src / f"dir{i // per_dir:03d}"
        if i % per_dir == 0:
            folder.mkdir(parents=True)
        (folder / f"file{i:06d}.txt").write_bytes(b"x")
    image = tmp_path / "many.iso"
    xorriso_run("-md5", "off", "-outdev", f"stdio:{image}", "-map", str(src), "/", "-commit")
    shutil.rmtree(src)
    return image


@pytest.mark.timeout(300)
def test_20k_entries_open_lazily(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = _many_files_image(tmp_path, 20_000, 1000)
    t0 = time.perf_counter()
    view = open_session(str(image))
    root = view.list("/")
    t1 = time.perf_counter()
    folder = view.list("/dir007")
    t2 = time.perf_counter()
    total = len(view.walk("/"))
    t3 = time.perf_counter()
    view.close()
    assert len(root) == 20 and len(folder) == 1000 and total == 20_020
    assert folder[0].name == "file007000.txt"
    found = subprocess.run(
        ["xorriso", "-no_rc", "-indev", str(image), "-find", "/dir007", "-type", "f"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert len([ln for ln in found.stdout.splitlines() if ln.startswith("'/")]) == 1000
    t4 = time.perf_counter()
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    t5 = time.perf_counter()
    iso.close()
    with capsys.disabled():
        print(
            f"\n20k entries: open+list root {1000 * (t1 - t0):.1f} ms, list 1000-file folder "
            f"{1000 * (t2 - t1):.1f} ms, walk all {1000 * (t3 - t2):.0f} ms; "
            f"pycdlib open {1000 * (t5 - t4):.0f} ms"
        )
