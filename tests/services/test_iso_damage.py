"""Damage said aloud: images written by xorriso and genisoimage, then damaged the way real
media and downloads are (cut off, a record or pointer overwritten), must name what is
damaged — a folder, a record, the head, the boot catalog — never list nothing in silence.
xorriso's reading of the same images is the second opinion where it has one."""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from app.engine.errors import EngineError
from app.iso.eltorito import read_boot_catalog
from app.iso.view import IsoDamageError, open_session
from tests.conftest import needs_xorriso, xorriso_run
from tests.services.test_eltorito import make_bootable

pytestmark = needs_xorriso
SECTOR = 2048
PVD = 16 * SECTOR


def written(tmp_path: Path, *flags: str, name: str = "disc.iso") -> Path:
    """A Rock Ridge image of /docs/a.txt, /docs/deep/b.bin (300 KB), /top.txt."""
    src = tmp_path / f".{name}.src"
    (src / "docs" / "deep").mkdir(parents=True)
    (src / "docs" / "a.txt").write_bytes(b"alpha\n")
    (src / "docs" / "deep" / "b.bin").write_bytes(os.urandom(300_000))
    (src / "top.txt").write_bytes(b"top\n")
    image = tmp_path / name
    xorriso_run(*flags, "-outdev", f"stdio:{image}", "-map", str(src), "/", "-commit")
    shutil.rmtree(src)
    return image


def root_extent(data: bytes | bytearray, at: int = PVD) -> int:
    return struct.unpack_from("<I", data, at + 156 + 2)[0]


def patched(image: Path, name: str, patch: dict[int, bytes], cut: int | None = None) -> Path:
    data = bytearray(image.read_bytes())
    for offset, raw in patch.items():
        data[offset : offset + len(raw)] = raw
    out = image.with_name(name)
    out.write_bytes(bytes(data[:cut] if cut is not None else data))
    return out


def xorriso_says(image: Path, *args: str) -> str:
    proc = subprocess.run(
        ["xorriso", "-no_rc", "-indev", f"stdio:{image}", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return proc.stdout + proc.stderr


def test_a_root_record_of_size_0_is_read_through_its_dot_record_and_said(tmp_path: Path) -> None:
    image = written(tmp_path)
    size0 = patched(image, "size0.iso", {PVD + 156 + 10: bytes(8)})
    with open_session(str(size0)) as view:
        assert sorted(e.name for e in view.list()) == ["docs", "top.txt"]
        assert len(view.problems) == 1
        assert view.problems[0].startswith("/: the folder's record says it holds 0 bytes")
    assert "'/top.txt'" in xorriso_says(size0, "-find", "/")  # xorriso reads it too
    # With the "." record gone as well there is nothing to read: one line, naming "/".
    data = size0.read_bytes()
    both = patched(size0, "size0-nodot.iso", {root_extent(data) * SECTOR: bytes(SECTOR)})
    with pytest.raises(IsoDamageError, match=r"^/: the folder's record says it holds 0 bytes"):
        open_session(str(both))


def test_an_image_cut_off_before_its_root_names_the_root(tmp_path: Path) -> None:
    image = written(tmp_path)
    cut = patched(image, "cut.iso", {}, cut=root_extent(image.read_bytes()) * SECTOR)
    with pytest.raises(IsoDamageError, match=r"^/: the root folder at sector \d+ lies past the end"):
        open_session(str(cut))
    assert "FAILURE" in xorriso_says(cut, "-find", "/")  # xorriso fails on it as well


def test_an_image_cut_off_in_the_middle_names_the_folder_and_the_files(tmp_path: Path) -> None:
    image = written(tmp_path)
    with open_session(str(image)) as view:
        deep = view.stat("/docs/deep").start_sector or 0
        big = view.stat("/docs/deep/b.bin").start_sector or 0
    assert deep < big  # xorriso writes folders before file data
    folder_cut = patched(image, "folder-cut.iso", {}, cut=deep * SECTOR)
    with open_session(str(folder_cut)) as view:
        assert view.problems[0].startswith("the image is cut off: its volume is")
        assert {e.name for e in view.list("/docs")} == {"a.txt", "deep"}
        with pytest.raises(IsoDamageError, match=r"^/docs/deep: its records at sector \d+ lie past"):
            view.list("/docs/deep")
    data_cut = patched(image, "data-cut.iso", {}, cut=(big + 10) * SECTOR)
    with open_session(str(data_cut)) as view:
        (entry,) = view.list("/docs/deep")
        assert entry.damage == (
            f"its data at sector {big} (+300,000 B) lies past the end of the image "
            f"({big + 10} sectors)"
        )
        assert view.stat("/docs/a.txt").damage is None
        assert view.stat("/top.txt").damage is not None  # written after b.bin


def test_a_joliet_root_past_the_end_shows_iso9660_names_and_says_so(tmp_path: Path) -> None:
    image = written(tmp_path, "-rockridge", "off", "-joliet", "on")
    data = image.read_bytes()
    svd = next(
        n * SECTOR for n in range(17, 32) if data[n * SECTOR] == 2 and data[n * SECTOR + 1 : n * SECTOR + 6] == b"CD001"
    )  # fmt: skip
    with open_session(str(image)) as view:
        assert view.tree == "joliet" and view.problems == []
    bad = patched(image, "joliet-past.iso", {svd + 156 + 2: struct.pack("<I", 10**6)})
    with open_session(str(bad)) as view:
        assert view.tree == "iso9660"
        assert sorted(e.name for e in view.list()) == ["DOCS", "TOP.TXT"]
        assert view.problems == [
            "the Joliet root folder at sector 1000000 lies past the end of the image: "
            "ISO 9660 names are shown instead"
        ]


def test_a_descriptor_set_without_terminator_is_said(tmp_path: Path) -> None:
    image = written(tmp_path)
    data = image.read_bytes()
    term = next(n for n in range(17, 32) if data[n * SECTOR] == 255)
    bad = patched(image, "noterm.iso", {term * SECTOR: bytes(SECTOR)})
    with open_session(str(bad)) as view:
        assert sorted(e.name for e in view.list()) == ["docs", "top.txt"]
        assert view.problems == [
            f"the volume descriptor set has no terminator (sector {term} is no descriptor there)"
        ]


def test_a_malformed_record_names_its_folder_and_byte(tmp_path: Path) -> None:
    image = written(tmp_path)
    with open_session(str(image)) as view:
        docs = view.stat("/docs")
        records = (docs.start_sector or 0) * SECTOR
    data = image.read_bytes()
    third = records + data[records] + data[records + data[records]]  # after "." and ".."
    bad = patched(image, "record.iso", {third: b"\x0a"})
    with open_session(str(bad)) as view:
        view.list("/docs")
        assert view.problems == [f"/docs: a record at byte {third - records} says it is 10 bytes long (at least 34)"]
        assert view.folder_problems(view.stat("/docs")) == view.problems
        assert view.folder_problems(view.root) == []


def test_a_folder_pointing_at_data_says_so(tmp_path: Path) -> None:
    """The records of /docs overwritten with a file's text: no '.' record, said."""
    image = written(tmp_path)
    with open_session(str(image)) as view:
        docs = view.stat("/docs")
    bad = patched(image, "garbage.iso", {(docs.start_sector or 0) * SECTOR: b"\x30" * SECTOR})
    with open_session(str(bad)) as view, pytest.raises(IsoDamageError, match=r"^/docs: "):
        view.list("/docs")


def test_a_boot_catalog_pointer_past_the_end_or_at_no_catalog(tmp_path: Path) -> None:
    image = make_bootable(tmp_path / "boot.iso")
    data = image.read_bytes()
    brvd = next(n * SECTOR for n in range(17, 32) if data[n * SECTOR] == 0)
    past = patched(image, "cat-past.iso", {brvd + 0x47: struct.pack("<I", 10**6)})
    with pytest.raises(IsoDamageError, match=r"boot catalog at sector 1000000, past the end"):
        read_boot_catalog(str(past))
    assert "Read start address 1000000s larger" in xorriso_says(past, "-report_el_torito", "plain")
    nowhere = patched(image, "cat-nowhere.iso", {brvd + 0x47: struct.pack("<I", 18)})
    with pytest.raises(IsoDamageError, match=r"sector 18, but that sector holds no validation"):
        read_boot_catalog(str(nowhere))


@pytest.mark.timeout(300)
def test_random_damage_never_raises_anything_but_a_reason(tmp_path: Path) -> None:
    """Bytes flipped in the head and folder records of real images (seeded): open, walk,
    read and the boot catalog end, and fail only with an EngineError or OSError."""
    images = [written(tmp_path), make_bootable(tmp_path / "boot.iso")]
    if shutil.which("genisoimage"):
        src = tmp_path / "g"
        (src / "d" / "e").mkdir(parents=True)
        (src / "d" / "e" / "f.txt").write_bytes(b"f")
        os.symlink("d/e/f.txt", src / "link")
        image = tmp_path / "xa.iso"
        subprocess.run(["genisoimage", "-quiet", "-xa", "-R", "-J", "-o", str(image), str(src)], check=True)  # fmt: skip
        images.append(image)
    rng = random.Random(15)
    for n in range(240):
        base = images[n % len(images)]
        data = bytearray(base.read_bytes())
        end = min(len(data), 80 * SECTOR)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(16 * SECTOR, end)] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(16 * SECTOR, len(data))]
        fuzzed = tmp_path / "fuzzed.iso"
        fuzzed.write_bytes(bytes(data))
        try:
            with open_session(str(fuzzed)) as view:
                for entry in view.walk()[:400]:
                    if entry.is_file and entry.size < 1 << 20:
                        view.open_file(entry).read()
        except (EngineError, OSError) as exc:
            assert "\n" not in str(exc)
        try:
            read_boot_catalog(str(fuzzed))
        except (EngineError, OSError) as exc:
            assert "\n" not in str(exc)


def test_extraction_goes_on_past_a_damaged_folder_and_says_so(tmp_path: Path) -> None:
    from app.iso.extract import extract_all

    image = written(tmp_path)
    with open_session(str(image)) as view:
        deep = view.stat("/docs/deep").start_sector or 0
    bad = patched(image, "deep-gone.iso", {deep * SECTOR: b"\x30" * SECTOR})
    with open_session(str(bad)) as view:
        result = extract_all(view, "/", tmp_path / "out")
    assert (tmp_path / "out" / "top.txt").read_bytes() == b"top\n"
    assert (tmp_path / "out" / "docs" / "a.txt").read_bytes() == b"alpha\n"
    assert len(result.notes) == 1 and result.notes[0].startswith("skipped: /docs/deep: ")
