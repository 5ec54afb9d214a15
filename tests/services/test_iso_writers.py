"""The lazy reader against images written by other tools (genisoimage, xorriso, pycdlib's
writer), each compared with independent readers: pycdlib, and `xorriso -find` where
libisofs reads the image fully (it misses Rock Ridge behind an XA record and mangles 8-bit
ISO 9660:1999 names, so those images are checked against pycdlib and isoinfo only)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pycdlib
import pytest

from app.iso.extract import extract_all
from app.iso.view import open_session
from tests.conftest import needs_xorriso

needs_genisoimage = pytest.mark.skipif(
    shutil.which("genisoimage") is None,
    reason="genisoimage not installed (apt-get install genisoimage)",
)
DEEP = [f"lvl{n}" for n in range(10)]
"""Deeper than ISO 9660's 8 levels: Rock Ridge writers relocate it (CL/RE records)."""
LONG = "a-name-longer-than-joliet-allows-" + "x" * 50 + ".txt"

Tree = dict[str, tuple[str, int | None, str | None]]
"""path -> (kind, size of a file, symlink target)."""


def source_tree(root: Path, *, links: bool = True, eight_bit: bool = True) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "readme.txt").write_bytes(b"read me\n")
    (root / "docs" / "Mixed Case.txt").write_bytes(b"mixed\n" * 100)
    (root / "empty.bin").write_bytes(b"")
    (root / "data.bin").write_bytes(os.urandom(70_000))
    (root / os.path.join(*DEEP)).mkdir(parents=True)
    (root / os.path.join(*DEEP) / "bottom.txt").write_bytes(b"bottom\n")
    (root / LONG).write_bytes(b"long\n")
    if eight_bit:
        (root / "föo.txt").write_bytes(b"umlaut\n")
        (root / "dïr").mkdir()
        (root / "dïr" / "ä").write_bytes(b"a\n")
    if links:
        os.symlink("docs/readme.txt", root / "link")
        os.symlink("../empty.bin", root / "docs" / "up")
    return root


def ours(image: Path) -> tuple[str, Tree]:
    with open_session(str(image)) as view:
        assert view.problems == [], view.problems
        found: Tree = {}
        for e in view.walk():
            kind = "dir" if e.is_dir else "link" if e.is_symlink else "file"
            found[e.iso_path] = (kind, e.size if kind == "file" else None, e.symlink_target)
        assert view.problems == [], view.problems
        return view.tree, found


def _plain(name: str) -> str:
    name = name.rsplit(";", 1)[0] if ";" in name else name
    return name[:-1] if name.endswith(".") else name


def pycdlib_tree(image: Path) -> tuple[str, Tree]:
    """What pycdlib reads, in the order of preference every reader uses: Rock Ridge, then
    Joliet, then ISO 9660."""
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        space = (
            "rr_path" if iso.has_rock_ridge() else "joliet_path" if iso.has_joliet() else "iso_path"
        )
        found: Tree = {}
        for top, dirs, files in iso.walk(**{space: "/"}):
            for name in dirs + files:
                raw = f"{top.rstrip('/')}/{name}"
                path = raw if space != "iso_path" else f"{top.rstrip('/')}/{_plain(name)}"
                record = iso.get_record(**{space: raw})
                if name in dirs:
                    found[path] = ("dir", None, None)
                elif space == "rr_path" and record.is_symlink():
                    found[path] = ("link", None, record.rock_ridge.symlink_path().decode())
                else:
                    found[path] = ("file", record.get_data_length(), None)
        return {"rr_path": "rockridge", "joliet_path": "joliet", "iso_path": "iso9660"}[
            space
        ], found
    finally:
        iso.close()


def xorriso_paths(image: Path) -> set[str]:
    out = subprocess.run(
        ["xorriso", "-no_rc", "-indev", f"stdio:{image}", "-find", "/"],
        capture_output=True, check=True, timeout=60,
    ).stdout.decode()  # fmt: skip
    paths = {m.group(1).replace("'\"'\"'", "'") for m in re.finditer(r"^'(.*)'$", out, re.M)}
    return paths - {"/"}


def genisoimage(image: Path, src: Path, *flags: str) -> None:
    # Rock Ridge and Joliet names are converted from the input charset; ISO 9660:1999
    # (level 4) names are the source bytes and refuse an iconv charset.
    charset = [] if "4" in flags else ["-input-charset", "utf-8"]
    subprocess.run(
        ["genisoimage", "-quiet", *charset, *flags, "-o", str(image), str(src)],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip


def xorriso_native(image: Path, src: Path, *flags: str) -> None:
    subprocess.run(
        ["xorriso", "-no_rc", *flags, "-outdev", f"stdio:{image}", "-map", str(src), "/", "-commit"],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip


# (writer, flags, expected tree kind, xorriso -find reads it fully)
WRITERS = [
    ("genisoimage", ("-R",), "rockridge", True),
    ("genisoimage", ("-r", "-J"), "rockridge", True),
    ("genisoimage", ("-iso-level", "1", "-xa", "-rational-rock"), "rockridge", False),
    ("genisoimage", ("-iso-level", "2", "-xa", "-R", "-J"), "rockridge", False),
    ("genisoimage", ("-XA", "-J"), "joliet", True),
    ("genisoimage", ("-XA", "-r"), "rockridge", False),
    ("genisoimage", ("-J", "-joliet-long"), "joliet", True),
    ("genisoimage", ("-iso-level", "2", "-xa", "-J"), "joliet", True),
    ("genisoimage", ("-iso-level", "3", "-D"), "iso9660", True),
    ("xorriso", (), "rockridge", True),
    ("xorriso", ("-joliet", "on"), "rockridge", True),
    ("xorriso", ("-rockridge", "off", "-joliet", "on"), "joliet", True),
    ("xorriso", ("-rockridge", "off"), "iso9660", True),
]


@needs_xorriso
@needs_genisoimage
@pytest.mark.parametrize(
    ("writer", "flags", "kind", "xorriso_reads"),
    WRITERS,
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_images_of_other_writers_read_as_pycdlib_and_xorriso_read_them(
    tmp_path: Path, writer: str, flags: tuple[str, ...], kind: str, xorriso_reads: bool
) -> None:
    links = kind == "rockridge"
    src = source_tree(tmp_path / "src", links=links, eight_bit=kind != "iso9660")
    image = tmp_path / "x.iso"
    (genisoimage if writer == "genisoimage" else xorriso_native)(image, src, *flags)
    tree_kind, tree = ours(image)
    oracle_kind, oracle = pycdlib_tree(image)
    assert tree_kind == oracle_kind == kind
    assert tree == oracle
    if kind == "rockridge":
        assert tree["/link"] == ("link", None, "docs/readme.txt")
        assert tree["/föo.txt"] == ("file", 7, None)
        assert tree["/" + "/".join(DEEP) + "/bottom.txt"] == ("file", 7, None)
    if xorriso_reads:
        assert set(tree) == xorriso_paths(image)


def pycdlib_image(path: Path, *, xa: bool, rock_ridge: str | None, joliet: int | None) -> Path:
    """A small tree written by pycdlib's own writer (level 3 names, optional XA records)."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, rock_ridge=rock_ridge, joliet=joliet, xa=xa)

    def names(iso_path: str, rr: str, joliet_path: str) -> dict[str, str]:
        found = {"iso_path": iso_path}
        if rock_ridge:
            found["rr_name"] = rr
        if joliet:
            found["joliet_path"] = joliet_path
        return found

    iso.add_directory(**names("/DIR1", "dir1", "/dir1"))
    iso.add_directory(**names("/DIR1/SUB", "Sub Folder", "/dir1/Sub Folder"))
    for iso_path, rr, joliet_path, data in [
        ("/DIR1/F.TXT;1", "f.txt", "/dir1/f.txt", b"hello"),
        ("/DIR1/SUB/UML.TXT;1", "ümlaut.txt", "/dir1/Sub Folder/ümlaut.txt", b"u" * 5000),
        ("/TOP.BIN;1", "top.bin", "/top.bin", os.urandom(3000)),
    ]:
        iso.add_fp(io.BytesIO(data), len(data), **names(iso_path, rr, joliet_path))
    if rock_ridge:
        extra = {"joliet_path": "/link"} if joliet else {}
        iso.add_symlink("/LINK.;1", rr_symlink_name="link", rr_path="dir1/f.txt", **extra)
    iso.write(str(path))
    iso.close()
    return path


@needs_xorriso
@pytest.mark.parametrize(
    ("xa", "rock_ridge", "joliet", "kind"),
    [
        (True, "1.09", 3, "rockridge"),
        (True, "1.12", None, "rockridge"),
        (False, "1.09", 3, "rockridge"),
        (True, None, 3, "joliet"),
        (True, None, None, "iso9660"),
    ],
)
def test_pycdlib_written_images_with_and_without_xa(
    tmp_path: Path, xa: bool, rock_ridge: str | None, joliet: int | None, kind: str
) -> None:
    image = pycdlib_image(tmp_path / "p.iso", xa=xa, rock_ridge=rock_ridge, joliet=joliet)
    tree_kind, tree = ours(image)
    oracle_kind, oracle = pycdlib_tree(image)
    assert tree_kind == oracle_kind == kind
    assert tree == oracle
    if kind == "rockridge":
        assert tree["/link"] == ("link", None, "dir1/f.txt")
        assert "/dir1/Sub Folder/ümlaut.txt" in tree
    if not xa or kind != "rockridge":  # libisofs misses Rock Ridge behind XA records
        assert set(tree) == xorriso_paths(image)


def test_issue_reproducer_xa_rock_ridge_lists_dir1(tmp_path: Path) -> None:
    """`mkdir -p d/dir1 && genisoimage -iso-level 1 -xa -rational-rock -o x.iso d`."""
    if shutil.which("genisoimage") is None:
        pytest.skip("genisoimage not installed (apt-get install genisoimage)")
    (tmp_path / "d" / "dir1").mkdir(parents=True)
    os.symlink("dir1", tmp_path / "d" / "to-dir1")
    genisoimage(tmp_path / "x.iso", tmp_path / "d", "-iso-level", "1", "-xa", "-rational-rock")
    with open_session(str(tmp_path / "x.iso")) as view:
        assert view.rock_ridge and view.tree == "rockridge"
        listing = {e.name: e for e in view.list()}
        assert set(listing) == {"dir1", "to-dir1"}
        assert listing["to-dir1"].is_symlink and listing["to-dir1"].symlink_target == "dir1"


def _charset_failure_tree(root: Path) -> Path:
    """Names that ASCII cannot hold: with `-out_charset ASCII` libisofs writes their Rock
    Ridge NM entries empty (and warns), as it does for any failed charset conversion."""
    (root / "sub" / "dïr").mkdir(parents=True)
    (root / "föo").write_bytes(b"a\n")
    (root / "plain").write_bytes(b"b\n")
    (root / "sub" / "bär.txt").write_bytes(b"c\n")
    (root / "sub" / "dïr" / "x").write_bytes(b"d\n")
    (root / "sub" / "empty-ü").write_bytes(b"")
    (root / "sub" / "ok").mkdir()
    return root


@needs_xorriso
def test_empty_rock_ridge_names_fall_back_to_iso9660_as_xorriso_does(tmp_path: Path) -> None:
    src = _charset_failure_tree(tmp_path / "src")
    image = tmp_path / "nm.iso"
    xorriso_native(image, src, "-in_charset", "UTF-8", "-out_charset", "ASCII")
    with open_session(str(image)) as view:
        entries = view.walk()
        assert all(e.name for e in entries) and "/" not in [e.iso_path for e in entries]
        assert {e.iso_path for e in entries} == xorriso_paths(image)
        assert view.stat("/F_O").name_source == "iso9660"
        assert view.stat("/plain").name_source == "rockridge"
        result = extract_all(view, "/", tmp_path / "out")
    assert result.notes == []
    assert (tmp_path / "out" / "F_O").read_bytes() == b"a\n"


@needs_xorriso
def test_empty_rock_ridge_names_fall_back_to_their_joliet_twins(tmp_path: Path) -> None:
    src = _charset_failure_tree(tmp_path / "src")
    image = tmp_path / "nmj.iso"
    xorriso_native(image, src, "-in_charset", "UTF-8", "-out_charset", "ASCII", "-joliet", "on")
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    joliet = {
        f"{top.rstrip('/')}/{name}"
        for top, dirs, files in iso.walk(joliet_path="/")
        for name in dirs + files
    }
    iso.close()
    with open_session(str(image)) as view:
        entries = {e.iso_path: e for e in view.walk()}
        assert set(entries) == joliet
        assert entries["/föo"].name_source == "joliet"
        assert entries["/sub/dïr"].name_source == "joliet" and entries["/sub/dïr"].is_dir
        assert entries["/sub/dïr/x"].name_source == "rockridge"
        assert entries["/sub/empty-ü"].name_source == "joliet"
        assert view.open_file("/sub/bär.txt").read() == b"c\n"


def _raw_iso_names(image: Path) -> set[bytes]:
    """pycdlib's raw ISO 9660 identifiers of the whole tree, joined to paths."""
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    found: set[bytes] = set()
    stack = [(b"", "/")]
    while stack:
        prefix, path = stack.pop()
        for child in iso.list_children(iso_path=path):
            if child.is_dot() or child.is_dotdot():
                continue
            ident = child.file_identifier()
            name = ident.rsplit(b";", 1)[0] if b";" in ident else ident
            name = name[:-1] if name.endswith(b".") else name
            found.add(prefix + b"/" + name)
            if child.is_dir():
                stack.append((prefix + b"/" + name, os.fsdecode(prefix + b"/" + ident)))
    iso.close()
    return found


@needs_xorriso
@pytest.mark.parametrize("writer", ["genisoimage", "xorriso"])
def test_eight_bit_iso9660_names_are_utf8_like_rock_ridge(tmp_path: Path, writer: str) -> None:
    """ISO 9660:1999 names hold the source's bytes; shown and extracted as those bytes."""
    src = tmp_path / "src"
    (src / "dïr").mkdir(parents=True)
    (src / "föo").write_bytes(b"umlaut\n")
    (src / "dïr" / "ä.txt").write_bytes(b"a\n")
    image = tmp_path / "u.iso"
    if writer == "genisoimage":
        if shutil.which("genisoimage") is None:
            pytest.skip("genisoimage not installed (apt-get install genisoimage)")
        genisoimage(image, src, "-iso-level", "4")
    else:
        xorriso_native(
            image, src, "-rockridge", "off", "-compliance", "iso_9660_1999:untranslated_names"
        )
    with open_session(str(image)) as view:
        assert view.tree == "iso9660"
        entries = view.walk()
        assert {os.fsencode(e.iso_path) for e in entries} == _raw_iso_names(image)
        assert view.stat("/föo").name == "föo"  # not "fÃ¶o"
        result = extract_all(view, "/", tmp_path / "out")
    assert result.notes == []
    assert (tmp_path / "out" / "föo").read_bytes() == b"umlaut\n"
    assert os.listdir(os.fsencode(tmp_path / "out" / "dïr")) == ["ä.txt".encode()]
    if shutil.which("isoinfo"):
        listed = subprocess.run(
            ["isoinfo", "-i", str(image), "-f"], capture_output=True, check=True, timeout=60
        ).stdout.split(b"\n")  # fmt: skip
        assert {os.fsencode(e.iso_path) for e in entries} == {p for p in listed if p}


def _without_nm(image: Path, out: Path) -> Path:
    """The image with every Rock Ridge NM entry turned into PD (SUSP padding, which pycdlib
    and xorriso read past): records with no name of their own, as some writers leave them."""
    data = bytearray(image.read_bytes())
    at = data.find(b"NM")
    while at >= 0:
        if data[at + 3] == 1 and 5 <= data[at + 2] < 255:
            data[at : at + 2] = b"PD"
        at = data.find(b"NM", at + 2)
    out.write_bytes(data)
    return out


@needs_genisoimage
def test_records_without_nm_take_their_joliet_names(tmp_path: Path) -> None:
    """genisoimage -R -J, NM left out: folders and empty files (no data extent to match)
    get the Joliet names pycdlib reads, not the ISO 9660 ones; names that several Joliet
    names could have made (ABCDEFGH, ABCDE000) keep their ISO 9660 names, never a wrong one."""
    src = tmp_path / "src"
    (src / "Long Folder Name" / "inner dir").mkdir(parents=True)
    (src / "e").mkdir()
    for name in ("empty one.txt", "empty two.txt", "e/zero a", "e/zero b"):
        (src / name).write_bytes(b"")
    (src / "first file.txt").write_bytes(b"one\n")
    (src / "Long Folder Name" / "Ä umlaut.txt").write_bytes(b"y\n")
    (src / "Long Folder Name" / "inner dir" / "deep file name.txt").write_bytes(b"x\n")
    os.symlink("first file.txt", src / "link")
    for name in ("abcdefghij1", "abcdefghij2"):
        (src / "e" / name).write_bytes(b"")
    genisoimage(tmp_path / "rj.iso", src, "-R", "-J")
    image = _without_nm(tmp_path / "rj.iso", tmp_path / "no-nm.iso")
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    joliet = {
        f"{top.rstrip('/')}/{n}"
        for top, dirs, files in iso.walk(joliet_path="/")
        for n in dirs + files
    }
    iso.close()
    ambiguous = {"/e/abcdefghij1", "/e/abcdefghij2"}
    with open_session(str(image)) as view:
        entries = {e.iso_path: e for e in view.walk()}
        assert view.problems == []
    named = {p for p, e in entries.items() if e.name_source == "joliet"}
    assert named == joliet - ambiguous
    kept = sorted(p for p, e in entries.items() if e.name_source == "iso9660")
    assert len(kept) == 2 and all(p.startswith("/e/ABCDE") for p in kept), kept
    assert entries["/Long Folder Name/inner dir"].is_dir and entries["/link"].is_symlink
    with open_session(str(image)) as view:
        assert view.open_file("/Long Folder Name/inner dir/deep file name.txt").read() == b"x\n"
