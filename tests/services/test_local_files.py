"""The local file system as the stage's browser reads it (app/stage/local_files.py) and the
folders it remembers (app/stage/recent_folders.py), on real files with hostile names."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from app.stage import local_files
from app.stage.local_files import (
    FolderError,
    bookmarks,
    completions,
    nearest_folder,
    parent,
    read_folder,
    resolve,
    safe,
    typable,
)
from app.stage.recent_folders import (
    MAX_RECENT,
    FolderMemory,
    load_memory,
    memory_path,
    save_memory,
)
from tests.conftest import imported_modules


def touch(path: Path, size: int = 0, mtime: float = 1_700_000_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (mtime, mtime))
    return path


def bad_name(folder: Path, raw: bytes = b"bad\xff") -> str:
    """A file whose name is not UTF-8; its path as str (surrogate escapes)."""
    path = os.path.join(os.fsencode(folder), raw)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
    return os.fsdecode(path)


def test_read_folder_sorts_sizes_links_and_hostile_names(tmp_path: Path) -> None:
    tmp_path = tmp_path / "f"  # apart from the private .xdg folder
    tmp_path.mkdir()
    touch(tmp_path / "b.txt", 5, mtime=1_600_000_000)
    touch(tmp_path / "A.txt", 7)
    (tmp_path / "zdir").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "to-dir").symlink_to("zdir")
    (tmp_path / "to-file").symlink_to("b.txt")
    (tmp_path / "dangling").symlink_to("/nowhere/at/all")
    (tmp_path / "self").symlink_to("self")  # a loop: stat says ELOOP
    touch(tmp_path / "new\nline", 2)
    raw = bad_name(tmp_path)
    entries = {e.name: e for e in read_folder(str(tmp_path))}
    names = list(entries)
    assert names[:3] == [".hidden", "to-dir", "zdir"]  # folders (and links to them) first
    assert names[3:] == sorted(names[3:], key=lambda n: (n.casefold(), n))
    assert entries["b.txt"].size == 5 and entries["b.txt"].mtime == 1_600_000_000
    assert entries["to-dir"].is_dir and entries["to-dir"].is_link
    assert entries["to-file"].size == 5 and entries["to-file"].is_link
    for name in ("dangling", "self"):
        assert entries[name].is_link and not entries[name].is_dir and entries[name].size is None
    assert entries[".hidden"].hidden and not entries["zdir"].hidden
    assert os.fsencode(entries[os.path.basename(raw)].path) == os.fsencode(tmp_path) + b"/bad\xff"
    assert entries["new\nline"].path == str(tmp_path / "new\nline")


def test_safe_names_are_one_printable_line() -> None:
    assert safe("new\nline\tand\x1bescape") == "new\\nline\\tand\\x1bescape"
    assert safe(os.fsdecode(b"bad\xff")) == "bad\\xff"
    assert safe("ünïcödé ✓") == "ünïcödé ✓"
    assert typable("plain name") and not typable("new\nline")
    assert not typable(os.fsdecode(b"bad\xff"))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: touch(p / "file"), "is not a folder"),
        (lambda p: (p / "loop").symlink_to("loop") or p / "loop", "symlink loop"),
    ],
    ids=["missing", "file", "loop"],
)
def test_unlistable_folders_say_why_in_one_line(tmp_path: Path, make, words: str) -> None:
    path = make(tmp_path)
    with pytest.raises(FolderError) as info:
        read_folder(str(path))
    assert words in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(FolderError, match=words):
        resolve(str(path), "/")


def test_permission_denied_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores chmod 000, so refuse the way the kernel would (test_ui_local has a real one)."""

    def scandir(path: str):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(local_files.os, "scandir", scandir)
    with pytest.raises(FolderError, match="cannot be read: permission denied"):
        read_folder(str(tmp_path / "locked\nname"))
    with pytest.raises(FolderError, match=r"locked\\nname cannot be read"):
        read_folder(str(tmp_path / "locked\nname"))


def test_resolve_expands_home_relative_and_dotdot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "home" / "docs").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    here = str(tmp_path / "home" / "docs")
    assert resolve("~", "/") == str(tmp_path / "home")
    assert resolve("~/docs/", "/") == here
    assert resolve("..", here) == str(tmp_path / "home")
    assert resolve("docs", str(tmp_path / "home")) == here
    assert resolve("//", here) == "/"
    with pytest.raises(FolderError, match="type the path"):
        resolve("", here)
    assert parent("/") == "/" and parent("/a") == "/" and parent(here) == str(tmp_path / "home")


def test_completions_prefix_folders_first_only_typable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("photos", "Pictures", "phone.txt", ".photorc"):
        touch(tmp_path / name) if "." in name else (tmp_path / name).mkdir()
    touch(tmp_path / "ph\nnewline")
    bad_name(tmp_path, b"ph\xff")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert completions("ph", str(tmp_path)) == [("photos", True), ("phone.txt", False)]
    assert completions("~/ph", "/") == [("photos", True), ("phone.txt", False)]
    assert completions(str(tmp_path) + "/.ph", "/") == [(".photorc", False)]
    assert completions("/nonexistent/x", "/") == []
    assert ("tmp", True) in completions("/tm", str(tmp_path))


def test_nearest_folder_and_bookmarks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert nearest_folder([str(tmp_path / "a" / "b" / "gone" / "deeper")]) == str(
        tmp_path / "a" / "b"
    )
    assert nearest_folder([None, str(tmp_path / "a")]) == str(tmp_path / "a")
    (tmp_path / "media").mkdir()
    monkeypatch.setattr(local_files, "PLACES", (str(tmp_path / "media"), str(tmp_path / "no-mnt")))
    recent = [str(tmp_path / "a"), str(tmp_path / "vanished"), str(tmp_path / "a")]
    assert bookmarks(str(tmp_path / "a" / "b"), recent) == [
        str(tmp_path / "a" / "b"),
        str(tmp_path / "media"),
        str(tmp_path / "a"),
    ]


def test_memory_round_trips_non_utf8_in_the_state_dir(private_home: dict[str, Path]) -> None:
    assert memory_path() == private_home["XDG_STATE_HOME"] / "discdeck" / "local-folders.json"
    assert load_memory() == FolderMemory()
    odd = os.fsdecode(b"/tmp/odd\xff\ndir")
    memory = FolderMemory()
    memory.visited(odd)
    for n in range(MAX_RECENT + 2):
        memory.used(f"/f{n}")
    memory.used("/f3")
    save_memory(memory)
    assert stat.S_IMODE(os.stat(memory_path()).st_mode) == 0o600
    assert os.listdir(memory_path().parent) == ["local-folders.json"]
    loaded = load_memory()
    assert loaded.last == odd and os.fsencode(loaded.last) == b"/tmp/odd\xff\ndir"
    assert loaded.recent[0] == "/f3" and len(loaded.recent) == MAX_RECENT
    assert loaded.recent.count("/f3") == 1


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b"\xff\xfe", b'{"last": 5, "recent": "x"}', b'{"last": "relative"}'],
)
def test_a_broken_memory_file_is_ignored(private_home: dict[str, Path], content: bytes) -> None:
    memory_path().parent.mkdir(parents=True, exist_ok=True)
    memory_path().write_bytes(content)
    assert load_memory() == FolderMemory()


def test_memory_keeps_only_absolute_paths(private_home: dict[str, Path]) -> None:
    memory_path().parent.mkdir(parents=True, exist_ok=True)
    memory_path().write_text(json.dumps({"last": "/ok", "recent": ["/a", "rel", 3, "/b"]}))
    assert load_memory() == FolderMemory("/ok", ["/a", "/b"])


def test_local_files_modules_do_not_import_textual() -> None:
    for module in (local_files, __import__("app.stage.recent_folders").stage.recent_folders):
        found = imported_modules(Path(module.__file__).read_text())
        assert not [m for m in found if m.split(".")[0] == "textual"], module.__name__
