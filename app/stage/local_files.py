"""The local file system as the stage's browser sees it: folders listed with sizes and dates,
typed paths resolved, completions and bookmarks.

Plain functions without Textual, so the UI never meets an OSError itself: every failure
arrives as a FolderError whose message is one line of words. Paths stay `str` with the
OS's surrogate escapes, so a name that is not UTF-8 is staged byte-exact; only `safe()`
turns a name into something a terminal can show.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass

from app.stage.model import display

PLACES = ("/media", "/mnt", "/run/media")
"""Where removable media and other file systems are mounted on Linux."""

MAX_COMPLETIONS = 500
"""A path prompt offers at most this many names: a dropdown, not a listing."""

_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

_REASONS = {
    errno.ENOENT: "does not exist",
    errno.EACCES: "cannot be read: permission denied",
    errno.EPERM: "cannot be read: permission denied",
    errno.ENOTDIR: "is not a folder",
    errno.ELOOP: "is a symlink loop (too many levels of links)",
}


class FolderError(Exception):
    """A folder that cannot be shown or entered; the message is one line, for people."""


@dataclass(frozen=True)
class LocalEntry:
    """One name in a folder, with what the listing shows of it."""

    name: str
    path: str
    is_dir: bool
    """A folder or a link to one: enter opens it."""
    is_link: bool
    size: int | None
    """Bytes of a regular file (a link's target); None for folders and the unreadable."""
    mtime: float | None
    label: str = ""
    """The name as shown: `safe(name)`, worked out once with the listing, not per key."""

    @property
    def hidden(self) -> bool:
        return self.name.startswith(".")


def safe(text: str) -> str:
    """One printable line: undecodable bytes as `\\xff`, control characters as `\\n`, `\\x1b`."""
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in display(text))


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def typable(name: str) -> bool:
    """Whether a person can type `name` into a prompt (no undecodable bytes, no controls)."""
    return safe(name) == name


def why(exc: OSError, path: str) -> str:
    """An OSError about `path` in words, on one line."""
    reason = _REASONS.get(exc.errno or 0) or f"cannot be read: {exc.strerror or exc}"
    return f"{safe(path)} {reason}"


def _entry(folder: str, item: os.DirEntry[str]) -> LocalEntry | None:
    """The entry for `item`; None when it vanished between the listing and its stat."""
    path = os.path.join(folder, item.name)
    try:
        info: os.stat_result | None = item.stat(follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError:
        info = None
    is_link = info is not None and stat.S_ISLNK(info.st_mode)
    target = info
    if is_link:
        try:
            target = os.stat(path)
        except OSError:  # dangling, a loop, or a target we may not see
            target = None
    shown = target or info
    return LocalEntry(
        name=item.name,
        path=path,
        is_dir=target is not None and stat.S_ISDIR(target.st_mode),
        is_link=is_link,
        size=target.st_size if target is not None and stat.S_ISREG(target.st_mode) else None,
        mtime=shown.st_mtime if shown is not None else None,
        label=safe(item.name),
    )


def sort_key(entry: LocalEntry) -> tuple[bool, str, str]:
    """Folders first, then by name without regard to case."""
    return (not entry.is_dir, entry.name.casefold(), entry.name)


def read_folder(path: str) -> list[LocalEntry]:
    """The entries of folder `path`, sorted; FolderError when it cannot be listed."""
    try:
        with os.scandir(path) as items:
            entries = [_entry(path, item) for item in items]
    except OSError as exc:
        raise FolderError(why(exc, path)) from None
    return sorted((e for e in entries if e is not None), key=sort_key)


def check_folder(path: str) -> None:
    """FolderError unless `path` is a folder that can be listed."""
    try:
        with os.scandir(path) as items:
            next(items, None)
    except OSError as exc:
        raise FolderError(why(exc, path)) from None


def normalize(path: str) -> str:
    """An absolute path with `.` and `..` taken lexically, as a shell's `cd` does."""
    path = os.path.normpath(path)
    return "/" + path.lstrip("/") if path.startswith("//") else path


def resolve(text: str, here: str) -> str:
    """The folder a typed path means (`~` expanded, relative to `here`); FolderError if
    it is not a folder that can be listed."""
    if not text:
        raise FolderError("type the path of a folder")
    path = normalize(os.path.join(here, os.path.expanduser(text)))
    check_folder(path)
    return path


def parent(path: str) -> str:
    return os.path.dirname(path) or "/"


def nearest_folder(wanted: Iterable[str | None]) -> str:
    """The first of `wanted` that can be listed, or else its nearest ancestor that can:
    a remembered folder that vanished since still starts somewhere near."""
    for path in wanted:
        while path:
            try:
                check_folder(path)
            except FolderError:
                path = None if path == "/" else parent(path)
            else:
                return path
    return "/"


def completions(text: str, here: str) -> list[tuple[str, bool]]:
    """What may follow the last `/` of `text`: (name, is a folder), folders first, only
    names starting with what was typed after that `/` and only names one can type."""
    head, _, typed = text.rpartition("/")
    if text.startswith("/") and not head:
        head = "/"
    folder = os.path.join(here, os.path.expanduser(head)) if head else here
    found: list[tuple[str, bool]] = []
    try:
        with os.scandir(folder) as items:
            for item in items:
                if not item.name.startswith(typed) or not typable(item.name):
                    continue
                if item.name.startswith(".") and not typed.startswith("."):
                    continue
                try:
                    is_dir = item.is_dir()
                except OSError:
                    is_dir = False
                found.append((item.name, is_dir))
                if len(found) >= MAX_COMPLETIONS:
                    break
    except OSError:
        return []
    return sorted(found, key=lambda pair: (not pair[1], pair[0].casefold(), pair[0]))


def bookmarks(home: str, recent: Iterable[str]) -> list[str]:
    """Home, where media is mounted, then the folders last used: those that exist, once."""
    places: list[str] = []
    for path in (home, *PLACES, *recent):
        if path not in places and os.path.isdir(path):
            places.append(path)
    return places
