"""The stage model (app/stage/model.py) and its JSON store (app/stage/store.py), on real files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from app.engine.options import BurnOptions
from app.stage import disk_usage
from app.stage import model as stage_mod
from app.stage.model import (
    NotOnStage,
    ScanProgress,
    Stage,
    StageNode,
)
from app.stage.store import StageFileError, autosave_path, load_stage, save_stage
from tests.conftest import imported_modules

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as hs
except ImportError:  # pragma: no cover
    given = None

WEIRD_NAMES = [
    "with space",
    'it\'s "quoted"',
    "new\nline",
    "-leading-dash",
    "--",
    "a=b",
    "*?[x]",
    "tab\tand\\backslash",
    "ünïcödé ✓",
]
BAD_BYTES = b"bad\xff\xfe"


def write(path: Path, size: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def make_bad_name(folder: Path, raw: bytes = BAD_BYTES, size: int = 3) -> str:
    """A file whose name is not UTF-8; returns its str path (surrogate escapes)."""
    fd = os.open(os.path.join(os.fsencode(folder), raw), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"z" * size)
    os.close(fd)
    return os.fsdecode(os.path.join(os.fsencode(folder), raw))


def walk_sums(top: Path) -> tuple[int, int, int]:
    """(regular file bytes, non-directory entries, st_size sum of the folders below)."""
    total = files = dirs = 0
    for folder, subdirs, names in os.walk(top):
        for sub in subdirs:
            dirs += os.lstat(os.path.join(folder, sub)).st_size
        for name in names:
            info = os.lstat(os.path.join(folder, name))
            files += 1
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total, files, dirs


def make_tree(top: Path, folders: int = 10, per_folder: int = 10, seed: int = 0) -> None:
    for d in range(folders):
        for f in range(per_folder):
            write(top / f"d{d % 3}" / f"s{d}" / f"f{f}.bin", (d * 7919 + f * 104729 + seed) % 5000)


# ---- add ------------------------------------------------------------------------------------


def test_add_file_folder_symlink(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src / "a.txt", 123)
    make_tree(src / "tree")
    (src / "link").symlink_to("a.txt")
    (src / "dirlink").symlink_to("tree")
    stage = Stage()
    assert stage.is_empty()

    node = stage.add(str(src / "a.txt"), "/docs")
    assert (node.name, node.source, node.size, node.files, node.is_dir) == (
        "a.txt",
        str(src / "a.txt"),
        123,
        1,
        False,
    )
    assert stage.find("/docs").is_stage_dir  # made by add
    folder = stage.add(str(src / "tree"))
    assert folder.is_dir and not folder.scanned and folder.size == 0
    assert stage.unscanned() == ["/tree"]
    link = stage.add(str(src / "link"), "/docs")
    assert link.is_link and not link.is_dir and link.size == 0 and link.files == 1
    dirlink = stage.add(str(src / "dirlink"))
    assert dirlink.is_link and not dirlink.is_dir  # kept as a link, not followed
    assert not stage.is_empty()
    assert stage.find("/docs/a.txt") is node


def test_add_relative_source_and_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "r.bin", 5)
    monkeypatch.chdir(tmp_path)
    stage = Stage()
    node = stage.add("r.bin", "/", name="renamed.bin")
    assert node.source == str(tmp_path / "r.bin")
    assert stage.entries() == [(str(tmp_path / "r.bin"), "/renamed.bin")]


def test_add_errors(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", 1)
    make_tree(tmp_path / "tree", 1, 1)
    stage = Stage()
    stage.add(str(tmp_path / "a.txt"), "/docs")
    with pytest.raises(ValueError, match=r"^/docs/a\.txt is already on the stage$"):
        stage.add(str(tmp_path / "a.txt"), "/docs")
    with pytest.raises(ValueError, match=r"/docs/a\.txt is not a folder"):
        stage.add(str(tmp_path / "a.txt"), "/docs/a.txt")
    stage.add(str(tmp_path / "tree"))
    with pytest.raises(ValueError, match="/tree is a folder mapped from disk"):
        stage.add(str(tmp_path / "a.txt"), "/tree/sub")
    with pytest.raises(FileNotFoundError):
        stage.add(str(tmp_path / "nope"), "/new")
    assert "/new" not in {p for p, _n in stage.walk()}  # nothing made on failure
    for bad in ("", ".", "..", "a/b", "nul\0"):
        with pytest.raises(ValueError):
            stage.add(str(tmp_path / "a.txt"), "/", name=bad)


# ---- scan ----------------------------------------------------------------------------------


def test_scan_matches_os_walk_and_du(tmp_path: Path) -> None:
    top = tmp_path / "tree"
    make_tree(top, 30, 20)
    write(top / "empty.bin")
    (top / "emptydir").mkdir()
    stage = Stage()
    stage.add(str(top), "/", name="data")
    progress = list(stage.scan("/data"))
    node = stage.find("/data")
    total, files, dirs = walk_sums(top)
    assert (node.size, node.files, node.scanned, node.errors) == (total, files, True, [])
    assert progress[-1] == ScanProgress(files, total, str(top))
    assert len(progress) >= files // disk_usage.PROGRESS_EVERY
    if shutil.which("du"):
        out = subprocess.run(
            ["du", "--apparent-size", "-s", "-B1", str(top)], capture_output=True, check=True
        ).stdout
        # du also counts the folders' own st_size; regular files are the rest.
        assert int(out.split()[0]) == total + dirs + os.lstat(top).st_size


def test_scan_counts_links_and_fifos_as_zero(tmp_path: Path) -> None:
    top = tmp_path / "t"
    write(top / "a", 100)
    write(top / "sub" / "b", 50)
    (top / "link_to_sub").symlink_to("sub")
    (top / "dangling").symlink_to("/nonexistent/x" * 20)
    os.mkfifo(top / "fifo")
    stage = Stage()
    stage.add(str(top))
    list(stage.scan("/t"))
    node = stage.find("/t")
    assert (node.size, node.files) == (150, 5)


def test_scan_whole_stage_and_progress(tmp_path: Path) -> None:
    make_tree(tmp_path / "one", 5, 150)
    make_tree(tmp_path / "two", 5, 150, seed=1)
    write(tmp_path / "f.bin", 10)
    stage = Stage()
    stage.add(str(tmp_path / "one"), "/a")
    stage.add(str(tmp_path / "two"), "/b/c")
    stage.add(str(tmp_path / "f.bin"), "/b")
    progress = list(stage.scan("/"))
    assert all(isinstance(p, ScanProgress) for p in progress)
    counts = [p.files for p in progress]
    assert counts == sorted(counts) and len(progress) > 2
    assert stage.unscanned() == []
    want = walk_sums(tmp_path / "one")[0] + walk_sums(tmp_path / "two")[0] + 10
    assert stage.total_size() == want
    assert stage.total_files() == 1501
    assert progress[-1].bytes == want - 10
    assert list(stage.scan("/")) == []  # stage folders: only what is not scanned yet
    assert list(stage.scan("/", rescan=True))[-1] == progress[-1]
    assert list(stage.scan("/a/one"))[-1].bytes == walk_sums(tmp_path / "one")[0]  # mapped: always


def test_scan_only_new_folder_keeps_running_total_right(tmp_path: Path) -> None:
    make_tree(tmp_path / "one", 3, 100)
    make_tree(tmp_path / "two", 3, 300, seed=2)
    stage = Stage()
    stage.add(str(tmp_path / "one"))
    list(stage.scan())
    before = stage.total_size()
    stage.add(str(tmp_path / "two"))
    seen = [stage.total_size() + p.bytes for p in stage.scan()]
    assert seen == sorted(seen) and seen[0] >= before
    assert seen[-1] == stage.total_size() == before + walk_sums(tmp_path / "two")[0]


def test_scan_cancel_leaves_node_unscanned(tmp_path: Path) -> None:
    make_tree(tmp_path / "t", 10, 200)
    stage = Stage()
    stage.add(str(tmp_path / "t"))
    scan = stage.scan("/t")
    next(scan)
    scan.close()
    assert stage.unscanned() == ["/t"] and stage.find("/t").size == 0


def test_scan_skips_unreadable_folder_python_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback walk (no GNU find); the find walk meets a real EACCES in test_disk_usage."""
    top = tmp_path / "t"
    write(top / "ok" / "a", 10)
    write(top / "locked" / "b", 20)
    real_scandir = os.scandir

    def scandir(path):  # root ignores chmod 000, so refuse the way the kernel would
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(disk_usage, "_has_gnu_find", lambda: False)
    monkeypatch.setattr(disk_usage.os, "scandir", scandir)
    stage = Stage()
    stage.add(str(top))
    list(stage.scan("/t"))
    node = stage.find("/t")
    assert (node.size, node.files) == (10, 1)
    assert len(node.errors) == 1 and "locked" in node.errors[0]
    assert "Permission denied" in node.errors[0]


def test_scan_benchmark_against_du(tmp_path: Path) -> None:
    """20k files: print how scan compares with `du -s --apparent-size` (no timed assert)."""
    top = tmp_path / "bench"
    for d in range(200):
        folder = top / f"d{d // 20}" / f"s{d}"
        folder.mkdir(parents=True)
        for f in range(100):
            (folder / f"f{f}").write_bytes(b"x" * ((d * 31 + f * 17) % 3000))
    stage = Stage()
    stage.add(str(top))

    def best(fn) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    scan_s = best(lambda: list(stage.scan("/bench")))
    assert stage.find("/bench").files == 20_000
    if shutil.which("du") is None:
        pytest.skip("no du")
    du = ["du", "-s", "--apparent-size", "-B1", str(top)]
    du_s = best(lambda: subprocess.run(du, capture_output=True, check=True))
    print(f"\nscan 20k files: {scan_s:.3f} s, du: {du_s:.3f} s, ratio {scan_s / du_s:.2f}")


# ---- editing ---------------------------------------------------------------------------------


def test_mkdir_rename_move_remove(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", 4)
    stage = Stage()
    folder = stage.mkdir("/x/y")
    assert folder.is_stage_dir and stage.find("/x").is_stage_dir
    stage.add(str(tmp_path / "a.txt"), "/x/y")
    stage.rename("/x/y/a.txt", "b.txt")
    assert stage.entries() == [(str(tmp_path / "a.txt"), "/x/y/b.txt")]
    stage.rename("/x/y/b.txt", "b.txt")  # same name: nothing happens
    stage.mkdir("/z")
    stage.move("/x/y", "/z")
    assert stage.entries() == [(str(tmp_path / "a.txt"), "/z/y/b.txt")]
    stage.move("/z/y/b.txt", "/")
    assert stage.entries() == [(str(tmp_path / "a.txt"), "/b.txt")]
    stage.remove("/z")
    assert [p for p, _n in stage.walk()] == ["/b.txt", "/x"]
    stage.remove("/b.txt")
    stage.remove("/x")
    assert stage.is_empty()


def test_edit_errors(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", 4)
    write(tmp_path / "c.txt", 4)
    make_tree(tmp_path / "tree", 1, 1)
    stage = Stage()
    stage.add(str(tmp_path / "a.txt"), "/d")
    stage.add(str(tmp_path / "c.txt"), "/d")
    stage.add(str(tmp_path / "tree"))
    with pytest.raises(ValueError, match=r"^/d is already on the stage$"):
        stage.mkdir("/d")
    with pytest.raises(ValueError, match=r"^/d/c\.txt is already on the stage$"):
        stage.rename("/d/a.txt", "c.txt")
    for bad in ("", ".", "..", "x/y", "x\0y"):
        with pytest.raises(ValueError):
            stage.rename("/d/a.txt", bad)
    with pytest.raises(ValueError):
        stage.rename("/d/a.txt", "\udc41")  # not a surrogate escape of a byte
    with pytest.raises(KeyError, match="/d/nope is not on the stage"):
        stage.rename("/d/nope", "x")
    with pytest.raises(KeyError, match="/nope"):
        stage.find("/nope")
    with pytest.raises(KeyError):
        stage.remove("/d/nope")
    with pytest.raises(ValueError, match="into itself"):
        stage.move("/d", "/d")
    stage.mkdir("/d/e")
    with pytest.raises(ValueError, match="into itself"):
        stage.move("/d", "/d/e")
    with pytest.raises(ValueError, match="mapped from disk"):
        stage.move("/d/a.txt", "/tree")
    with pytest.raises(ValueError, match="not a folder"):
        stage.move("/d/a.txt", "/d/c.txt")
    stage.mkdir("/f")
    stage.add(str(tmp_path / "a.txt"), "/f")
    with pytest.raises(ValueError, match=r"^/f/a\.txt is already on the stage$"):
        stage.move("/d/a.txt", "/f")
    with pytest.raises(ValueError, match="root"):
        stage.remove("/")
    with pytest.raises(ValueError, match="root"):
        stage.rename("/", "x")
    with pytest.raises(ValueError):
        stage.find("/d/../d")
    with pytest.raises(ValueError, match="mapped from disk"):
        stage.mkdir("/tree/new")
    assert stage.find("/d/a.txt").source == str(tmp_path / "a.txt")  # unchanged by errors


def test_paths_are_normalised() -> None:
    stage = Stage()
    stage.mkdir("a//b/")
    assert stage.find("/a/b") is stage.find("//a/b/")
    assert stage.find("/") is stage.root and stage.find("") is stage.root


# ---- entries and totals ------------------------------------------------------------------------


def test_entries_order_and_empty_dirs(tmp_path: Path) -> None:
    for name in ("b", "a", "C", "é"):
        write(tmp_path / name, 1)
    make_tree(tmp_path / "tree", 1, 2)
    stage = Stage()
    stage.add(str(tmp_path / "b"), "/z")
    stage.add(str(tmp_path / "a"), "/z")
    stage.add(str(tmp_path / "é"))
    stage.add(str(tmp_path / "C"))
    stage.add(str(tmp_path / "tree"), "/m", name="data")
    stage.mkdir("/empty/inner")
    stage.mkdir("/m/also-empty")
    want = [
        (str(tmp_path / "C"), "/C"),
        (str(tmp_path / "tree"), "/m/data"),
        (str(tmp_path / "a"), "/z/a"),
        (str(tmp_path / "b"), "/z/b"),
        (str(tmp_path / "é"), "/é"),
    ]
    assert stage.entries() == want
    assert stage.empty_dirs() == ["/empty", "/empty/inner", "/m/also-empty"]
    list(stage.scan())
    assert stage.total_files() == 6 and stage.total_size() == 4 + walk_sums(tmp_path / "tree")[0]
    assert stage.find("/z").total_size() == 2


def test_weird_names_in_entries(tmp_path: Path) -> None:
    stage = Stage()
    for name in WEIRD_NAMES:
        write(tmp_path / name, len(name))
        stage.add(str(tmp_path / name), "/w")
    bad = make_bad_name(tmp_path)
    node = stage.add(bad, "/w")
    assert os.fsencode(node.name) == BAD_BYTES
    pairs = dict(stage.entries())
    assert pairs[bad] == "/w/" + os.fsdecode(BAD_BYTES)
    for disk, iso in pairs.items():
        assert os.path.basename(disk) == iso.rsplit("/", 1)[1]
        assert os.path.exists(os.fsencode(disk))
    with pytest.raises(ValueError, match=r"^/w/bad\\xff\\xfe is already on the stage$"):
        stage.add(bad, "/w")


# ---- revalidate -----------------------------------------------------------------------------


def test_revalidate_marks_deleted_resized_and_retyped(tmp_path: Path) -> None:
    keep = write(tmp_path / "keep", 10)
    gone = write(tmp_path / "gone", 10)
    grow = write(tmp_path / "grow", 10)
    swap = write(tmp_path / "swap", 10)
    stage = Stage()
    for path in (keep, gone, grow, swap):
        stage.add(str(path))
    assert stage.revalidate() == []
    gone.unlink()
    grow.write_bytes(b"y" * 11)
    swap.unlink()
    swap.mkdir()
    problems = stage.revalidate()
    assert len(problems) == 3
    assert problems[0].startswith("/gone: source") and "is gone" in problems[0]
    assert problems[1].startswith("/grow:") and "10 -> 11" in problems[1]
    assert problems[2].startswith("/swap:") and "changed type" in problems[2]
    assert [n.missing for n in stage.root.sorted_children()] == [True, True, False, True]
    assert stage.revalidate() == problems  # no duplicated notes
    assert stage.find("/grow").errors == [problems[1].split(": ", 1)[1]]
    grow.write_bytes(b"y" * 10)
    assert len(stage.revalidate()) == 2 and not stage.find("/grow").missing


# ---- save and load ------------------------------------------------------------------------------


def full_stage(tmp_path: Path) -> Stage:
    src = tmp_path / "src"
    stage = Stage(volume_id="MY_DISC", options=BurnOptions(md5=False, speed="4", close=True))
    for name in WEIRD_NAMES:
        write(src / name, 7)
        stage.add(str(src / name), "/" + name.replace("/", "_") + "-dir")
    src.mkdir(exist_ok=True)
    bad = make_bad_name(src)
    stage.add(bad, "/" + os.fsdecode(b"\xe9t\xe9"))  # latin-1 folder name
    bad_dir = os.fsencode(src) + b"/dir\x80"
    os.mkdir(bad_dir)
    make_bad_name(Path(os.fsdecode(bad_dir)), b"inner\xc3", 9)
    stage.add(os.fsdecode(bad_dir), "/")
    list(stage.scan())
    stage.mkdir("/empty stage dir")
    return stage


def as_comparable(stage: Stage) -> list[tuple[bytes, bytes | None, int, int, bool, bool]]:
    return [
        (
            os.fsencode(path),
            None if n.source is None else os.fsencode(n.source),
            n.size,
            n.files,
            n.is_dir,
            n.is_link,
        )
        for path, n in stage.walk()
    ]


def test_save_load_round_trip(tmp_path: Path) -> None:
    stage = full_stage(tmp_path)
    path = tmp_path / "saves" / "project.json"
    save_stage(stage, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(path.parent) == ["project.json"]  # no temp files left
    loaded = load_stage(path)
    assert as_comparable(loaded) == as_comparable(stage)
    assert loaded.entries() == stage.entries()
    assert loaded.volume_id == "MY_DISC" and loaded.options == stage.options
    assert loaded.revalidate() == []
    assert any(os.fsencode(n.name) == b"dir\x80" for n in loaded.root.children.values())
    data = json.loads(path.read_text(encoding="utf-8"))  # plain UTF-8 JSON
    names = {child["name"]: child for child in data["root"]["children"]}
    assert "name_b64" in names["dir\\x80"] and "source_b64" in names["dir\\x80"]
    assert "name_b64" not in names["with space-dir"]
    save_stage(loaded, path)  # overwrite in place
    assert os.listdir(path.parent) == ["project.json"]
    assert as_comparable(load_stage(path)) == as_comparable(stage)


def test_load_marks_missing_sources(tmp_path: Path) -> None:
    write(tmp_path / "a", 3)
    write(tmp_path / "b", 3)
    stage = Stage()
    stage.add(str(tmp_path / "a"))
    stage.add(str(tmp_path / "b"))
    save_stage(stage, tmp_path / "s.json")
    (tmp_path / "a").unlink()
    loaded = load_stage(tmp_path / "s.json")
    assert loaded.find("/a").missing and not loaded.find("/b").missing
    assert loaded.entries() == stage.entries()


def test_autosave_path_in_state_dir(private_home: dict[str, Path]) -> None:
    path = autosave_path()
    assert path == private_home["XDG_STATE_HOME"] / "discdeck" / "stage.json"
    save_stage(Stage(), path)
    assert load_stage(path).is_empty()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_save_failure_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "saves" / "s.json"
    save_stage(Stage(volume_id="OLD"), path)

    def broken(*_args: object, **_kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        save_stage(Stage(volume_id="NEW"), path)
    assert os.listdir(path.parent) == ["s.json"]
    monkeypatch.undo()
    assert load_stage(path).volume_id == "OLD"


GOOD = {
    "format": "discdeck-stage",
    "version": 1,
    "root": {"name": "", "is_dir": True, "children": []},
}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b'{"format": "discdeck-stage", "version": 1, "root": {"name": "", "chil',
        b"\xff\xfe garbage",
        b"[]",
        b"null",
        b'{"format": "other"}',
        json.dumps({**GOOD, "version": 99}).encode(),
        json.dumps({**GOOD, "root": []}).encode(),
        json.dumps({**GOOD, "root": {"name": "", "children": [{"name": 5}]}}).encode(),
        json.dumps({**GOOD, "root": {"name": "", "children": [{"name": "a/b"}]}}).encode(),
        json.dumps({**GOOD, "root": {"children": [{"name": "x"}, {"name": "x"}]}}).encode(),
        json.dumps({**GOOD, "root": {"children": [{"name_b64": "!!"}]}}).encode(),
        json.dumps({**GOOD, "root": {"children": [{"name": "x", "source": "rel"}]}}).encode(),
        json.dumps({**GOOD, "root": {"children": [{"name": "x", "size": "big"}]}}).encode(),
        json.dumps({**GOOD, "options": {"md5": False, "speed": "4"}, "root": None}).encode(),
        b'{"format": "discdeck-stage", "version": 1, "root": ' + b'{"children": [' * 5000,
    ],
    ids=lambda c: repr(c[:30]),
)
def test_corrupt_files_raise_stage_file_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(StageFileError) as info:
        load_stage(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_missing_file_raises_stage_file_error(tmp_path: Path) -> None:
    with pytest.raises(StageFileError, match=r"nope\.json"):
        load_stage(tmp_path / "nope.json")


def test_minimal_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "min.json"
    path.write_text(json.dumps(GOOD))
    stage = load_stage(path)
    assert stage.is_empty() and stage.volume_id == "DISCDECK" and stage.options == BurnOptions()


def test_stage_modules_do_not_import_textual() -> None:
    for name in ("model.py", "store.py", "disk_usage.py"):
        modules = imported_modules((Path(stage_mod.__file__).parent / name).read_text())
        assert not [m for m in modules if m.split(".")[0] == "textual"], name


def test_not_on_stage_message() -> None:
    with pytest.raises(KeyError) as info:
        Stage().find("/a b/c")
    assert isinstance(info.value, NotOnStage)
    assert str(info.value) == "/a b/c is not on the stage"


def test_stage_node_defaults() -> None:
    node = StageNode("x")
    assert (node.source, node.is_dir, node.size, node.files, node.missing) == (
        None,
        False,
        0,
        0,
        False,
    )
    assert node.children == {} and node.is_stage_dir


# ---- random names (hypothesis) ---------------------------------------------------------------------

if given is not None:
    raw_names = hs.binary(min_size=1, max_size=60).filter(
        lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
    )

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(names=hs.lists(raw_names, min_size=1, max_size=6, unique=True))
    def test_random_names_round_trip(tmp_path: Path, names: list[bytes]) -> None:
        folder = os.path.join(os.fsencode(tmp_path), b"hyp")
        shutil.rmtree(folder, ignore_errors=True)
        os.mkdir(folder)
        stage = Stage()
        for i, raw in enumerate(names):
            disk = os.path.join(folder, raw)
            with open(disk, "wb") as handle:
                handle.write(b"q" * i)
            stage.add(os.fsdecode(disk), "/a/" + os.fsdecode(raw[::-1]))
            stage.mkdir("/b/" + os.fsdecode(raw))
        path = tmp_path / "hyp.json"
        save_stage(stage, path)
        loaded = load_stage(path)
        assert as_comparable(loaded) == as_comparable(stage)
        assert {os.fsencode(d) for d, _i in loaded.entries()} == {
            os.path.join(folder, raw) for raw in names
        }
        assert loaded.revalidate() == []


def test_removals_toggle_nest_and_survive_the_stage_file(tmp_path: Path) -> None:
    stage = Stage()
    odd = os.fsdecode(b"/caf\xe9")
    assert stage.toggle_removal("/docs/a.txt")
    assert stage.toggle_removal("/docs")  # the folder covers what was marked inside it
    assert stage.removals == ["/docs"]
    assert stage.removed("/docs/a.txt") and not stage.removed("/docs2")
    assert stage.toggle_removal(odd)
    assert not stage.is_empty(), "removals alone are a session worth burning"
    with pytest.raises(ValueError):
        stage.toggle_removal("/")
    save_stage(stage, tmp_path / "s.json")
    assert load_stage(tmp_path / "s.json").removals == stage.removals
    assert not stage.toggle_removal("/docs")
    stage.clear()
    assert stage.removals == [] and stage.is_empty()
