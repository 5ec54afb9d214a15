"""Copy files and folders out of an IsoView into a local folder, safely and without root.

Names on a medium are untrusted (Rock Ridge NM can say "..", "a/b", anything): nothing is
ever written outside the target folder. Names "", "." and ".." are refused, "/" and NUL in
names become "_", symlinks are recreated only when their target is relative and resolves
inside the target folder (checked again on the finished tree, physically, so chains of
links cannot escape either), and no path is written through a symlink that was already in
the target. Every refusal or change is one line in `ExtractResult.notes`.

Mode bits are kept without setuid/setgid; mtimes are kept; owners are not (no root).
Existing files are not overwritten unless `overwrite=True`.

    job = extract(view, "/boot", "/tmp/out")
    for done, total, path in job:      # ExtractProgress, in a worker thread
        ...
    job.result.notes                   # what was refused or renamed
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from app.iso.view import Entry, IsoDamageError, IsoView

CHUNK = 1 << 20
NAME_MAX = 255


class ExtractProgress(NamedTuple):
    bytes_done: int
    bytes_total: int
    current_path: str
    """Display path on the medium of the item being copied ("" before and after)."""


@dataclass
class ExtractResult:
    target: str
    files: int = 0
    folders: int = 0
    symlinks: int = 0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)
    """One line per refused, skipped or renamed item and per error."""
    written: list[str] = field(default_factory=list)
    """Local paths created (files, folders and symlinks)."""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.notes and not self.cancelled


def safe_name(name: str) -> tuple[str | None, str | None]:
    """(name to use or None to refuse, note or None) for one name from the medium."""
    if name in ("", ".", ".."):
        return None, f"refused the name {name!r}: it would not stay inside the target folder"
    fixed = name.replace("/", "_").replace("\0", "_")
    if len(os.fsencode(fixed)) > NAME_MAX:
        return None, f"refused a name of {len(os.fsencode(fixed))} bytes (at most {NAME_MAX})"
    if fixed != name:
        return fixed, f"renamed to {fixed!r}: names cannot hold '/' or NUL here"
    return fixed, None


@dataclass
class _Item:
    entry: Entry
    parts: tuple[str, ...]
    """Sanitised path below the target folder."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class Extraction:
    """One extraction job: iterate it for progress (in a worker thread); cancel() from any."""

    def __init__(
        self, view: IsoView, source: str | Entry, target_dir: str | Path, *, overwrite: bool = False
    ) -> None:
        self.view = view
        self.source = view.stat(source)
        self.target = Path(target_dir)
        self.overwrite = overwrite
        self.result: ExtractResult | None = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop after the current chunk; the partly written file is removed."""
        self._cancel.set()

    def __iter__(self) -> Iterator[ExtractProgress]:
        self.target.mkdir(parents=True, exist_ok=True)
        root = os.path.realpath(self.target)
        result = self.result = ExtractResult(target=root)
        items = self._plan(result)
        total = sum(item.entry.size for item in items if item.entry.is_file)
        done = 0
        yield ExtractProgress(0, total, "")
        links: list[_Item] = []
        folders: list[tuple[str, Entry]] = []
        for item in items:
            if self._cancel.is_set():
                break
            entry = item.entry
            local = os.path.join(root, *item.parts)
            if not self._parent_ok(local, root, entry, result):
                done += entry.size if entry.is_file else 0
                continue
            if entry.is_dir:
                if self._make_dir(local, entry, result):
                    folders.append((local, entry))
            elif entry.is_symlink:
                links.append(item)
            elif entry.is_file:
                yield from self._copy(local, entry, result, done, total)
                done += entry.size
                yield ExtractProgress(done, total, entry.iso_path)
            else:
                result.notes.append(
                    f"{entry.iso_path}: skipped: not a regular file, folder or symlink "
                    f"(mode {stat.filemode(entry.mode)})"
                )
        if self._cancel.is_set():
            result.cancelled = True
            result.notes.append("cancelled: the rest was not extracted")
        else:
            self._make_links(links, root, result)
        for local, entry in reversed(folders):  # deepest first: contents are final
            _set_meta(local, entry, result, 0o1777)
        yield ExtractProgress(done, total, "")

    # -- planning -------------------------------------------------------------------------

    def _plan(self, result: ExtractResult) -> list[_Item]:
        """Every item to extract, parents first, with sanitised relative paths."""
        items: list[_Item] = []
        if self.source is self.view.root or self.source.iso_path == "/":
            base: tuple[str, ...] = ()
        else:
            name, note = safe_name(self.source.name)
            if note:
                result.notes.append(f"{self.source.iso_path}: {note}")
            if name is None:
                return items
            base = (name,)
            items.append(_Item(self.source, base))
            if not self.source.is_dir:
                return items
        stack = [(self.source, base)]
        visited = {self.source.extents[0][0]} if self.source.extents else set()
        while stack:
            folder, parts = stack.pop()
            seen: set[str] = set()
            children = []
            try:
                listing = self.view.list(folder)
            except IsoDamageError as exc:  # the rest of the tree is still extracted
                result.notes.append(f"skipped: {exc}")
                continue
            for child in listing:
                name, note = safe_name(child.name)
                if note:
                    result.notes.append(f"{child.iso_path}: {note}")
                if name is None:
                    continue
                if name in seen:
                    result.notes.append(
                        f"{child.iso_path}: skipped: another entry of that folder has the same name"
                    )
                    continue
                seen.add(name)
                item = _Item(child, (*parts, name))
                if child.is_dir and child.extents and child.extents[0][0] in visited:
                    result.notes.append(
                        f"{child.iso_path}: skipped: its records were already extracted "
                        "(a folder looping back, or two names for one folder)"
                    )
                    continue
                items.append(item)
                if child.is_dir:
                    visited.update(start for start, _ in child.extents[:1])
                    children.append((child, item.parts))
            stack.extend(reversed(children))
        return items

    # -- writing --------------------------------------------------------------------------

    def _parent_ok(self, local: str, root: str, entry: Entry, result: ExtractResult) -> bool:
        parent = os.path.dirname(local)
        if not os.path.isdir(parent):
            result.notes.append(f"{entry.iso_path}: skipped: its folder was not created")
            return False
        if os.path.realpath(parent) != parent or not _inside(parent, root):
            result.notes.append(
                f"{entry.iso_path}: refused: {parent} leads through a symlink out of the target"
            )
            return False
        return True

    def _make_dir(self, local: str, entry: Entry, result: ExtractResult) -> bool:
        """Create the folder; True if we made it (its mode and mtime are set at the end)."""
        try:
            os.mkdir(local, 0o700)
        except FileExistsError:
            if os.path.isdir(local) and not os.path.islink(local):
                return False  # merge into the existing folder, leave its mode alone
            result.notes.append(f"{entry.iso_path}: refused: {local} exists and is not a folder")
            return False
        except OSError as exc:
            result.notes.append(f"{entry.iso_path}: cannot create {local}: {exc.strerror}")
            return False
        result.folders += 1
        result.written.append(local)
        return True

    def _make_room(self, local: str, entry: Entry, result: ExtractResult) -> bool:
        if not os.path.lexists(local):
            return True
        if not self.overwrite:
            result.notes.append(f"{entry.iso_path}: not overwritten: {local} exists")
            return False
        if os.path.isdir(local) and not os.path.islink(local):
            result.notes.append(f"{entry.iso_path}: refused: {local} is a folder")
            return False
        os.unlink(local)  # never follows a symlink: the link itself goes
        return True

    def _copy(
        self, local: str, entry: Entry, result: ExtractResult, done: int, total: int
    ) -> Iterator[ExtractProgress]:
        if not self._make_room(local, entry, result):
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        copied = 0
        try:
            fd = os.open(local, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            result.notes.append(f"{entry.iso_path}: cannot create {local}: {exc.strerror}")
            return
        complete = False
        try:
            with os.fdopen(fd, "wb") as out, self.view.open_file(entry) as src:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
                    copied += len(chunk)
                    yield ExtractProgress(done + copied, total, entry.iso_path)
                    if self._cancel.is_set():
                        return
            complete = copied == entry.size
            if not complete:
                result.notes.append(
                    f"{entry.iso_path}: the medium ended after {copied} of {entry.size} bytes"
                )
        except OSError as exc:
            result.notes.append(f"{entry.iso_path}: read or write error: {exc.strerror or exc}")
        finally:
            if not complete:
                with contextlib.suppress(OSError):
                    os.unlink(local)
        if complete:
            result.files += 1
            result.bytes += copied
            result.written.append(local)
            _set_meta(local, entry, result, 0o777)

    def _make_links(self, links: list[_Item], root: str, result: ExtractResult) -> None:
        made: list[tuple[str, Entry]] = []
        for item in links:
            entry = item.entry
            local = os.path.join(root, *item.parts)
            target = entry.symlink_target or ""
            if not target or "\0" in target:
                result.notes.append(f"{entry.iso_path}: skipped symlink with an unusable target")
                continue
            if target.startswith("/"):
                result.notes.append(
                    f"{entry.iso_path}: skipped symlink to the absolute path {target!r}"
                )
                continue
            lexical = os.path.normpath(os.path.join(os.path.dirname(local), target))
            if not _inside(lexical, root):
                result.notes.append(
                    f"{entry.iso_path}: skipped symlink to {target!r}: it points outside the target"
                )
                continue
            if not self._parent_ok(local, root, entry, result):
                continue
            if not self._make_room(local, entry, result):
                continue
            try:
                os.symlink(target, local)
            except OSError as exc:
                result.notes.append(f"{entry.iso_path}: cannot create symlink: {exc.strerror}")
                continue
            made.append((local, entry))
        # Links can combine (a -> b/.., b -> .): check where each one really leads, again
        # after every removal, until the tree is stable.
        changed = True
        while changed:
            changed = False
            for local, entry in list(made):
                if not _inside(os.path.realpath(local), root):
                    os.unlink(local)
                    made.remove((local, entry))
                    changed = True
                    result.notes.append(
                        f"{entry.iso_path}: removed symlink to {entry.symlink_target!r}: "
                        "through other links it leads outside the target"
                    )
        for local, entry in made:
            result.symlinks += 1
            result.written.append(local)
            if entry.mtime is not None:
                with contextlib.suppress(OSError):
                    ts = entry.mtime.timestamp()
                    os.utime(local, (ts, ts), follow_symlinks=False)


def _set_meta(local: str, entry: Entry, result: ExtractResult, mask: int) -> None:
    """Mode without setuid/setgid (and for files without sticky), then mtime."""
    try:
        os.chmod(local, stat.S_IMODE(entry.mode) & mask & ~(stat.S_ISUID | stat.S_ISGID))
        if entry.mtime is not None:
            ts = entry.mtime.timestamp()
            os.utime(local, (ts, ts))
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            result.notes.append(f"{entry.iso_path}: cannot set mode or time: {exc.strerror}")


def extract(
    view: IsoView, source: str | Entry, target_dir: str | Path, *, overwrite: bool = False
) -> Extraction:
    """A job copying `source` (file, folder or symlink; "/" = everything) into `target_dir`.

    A folder "/a/b" lands as TARGET/b/...; "/" puts the root's contents into TARGET.
    Iterate the job for ExtractProgress; `job.result` is set once iteration starts and
    complete when it ends. Raises FileNotFoundError at once if `source` does not exist.
    """
    return Extraction(view, source, target_dir, overwrite=overwrite)


def extract_all(
    view: IsoView, source: str | Entry, target_dir: str | Path, *, overwrite: bool = False
) -> ExtractResult:
    """Run an extraction to its end (no progress) and return its result."""
    job = extract(view, source, target_dir, overwrite=overwrite)
    for _ in job:
        pass
    assert job.result is not None
    return job.result
