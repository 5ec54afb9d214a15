"""Disc sets: more than one medium holds, planned onto N media, a manifest on every disc.

Folders are kept together where they fit (a folder too big for one disc is split into its
subfolders, then its files), whole files are packed first-fit by size, and a file larger
than a medium is cut into parts (`-cut_out`) named `NAME.partKofN`. Every disc carries the
set's `SHA256SUMS` (every file, and every part) and `INDEX.txt` (which disc holds which
path, how to join parts) — both readable without discdeck: on any disc,
`sha256sum -c --ignore-missing SHA256SUMS` checks what that disc holds.

The plan lives in the data dir (`sets/NAME.json`) with each disc's state, so burning the
set disc by disc goes on after quitting, a kill or an ssh drop.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.archive.ecc import check_percent, data_limit, ecc_medium
from app.config import data_dir, ensure_dir
from app.drives.shelf import medium_named
from app.drives.virtual import nominal_blocks
from app.stage.names import display

SECTOR = 2048
RESERVE = 0.02
"""Of each medium kept free for the file system's own tree and the manifest."""
RESERVE_MIN = 4 << 20
_NAME = re.compile(r"^[A-Za-z0-9_]{1,20}$")


class SetError(ValueError):
    """One line naming what is wrong and what to do."""


@dataclass
class SetItem:
    disk: str
    iso: str
    """Relative to the disc's root, e.g. "photos/2019/beach.jpg"."""
    size: int
    offset: int | None = None
    count: int | None = None
    """A part of a file split across discs: its byte range."""


@dataclass
class SetDisc:
    number: int
    items: list[SetItem] = field(default_factory=list)
    used: int = 0
    state: str = "planned"
    """planned, burned (verified, on a medium), or failed."""
    burned_on: str | None = None


@dataclass
class DiscSet:
    name: str
    medium: str
    capacity: int
    """Bytes of each disc the plan may fill (the nominal medium less the reserve)."""
    discs: list[SetDisc] = field(default_factory=list)
    created: str = ""
    ecc: int | None = None
    """Least RS03 redundancy in percent (dvdisaster), or None: no error correction."""

    @property
    def files(self) -> int:
        return sum(1 for d in self.discs for i in d.items if i.offset in (None, 0))

    def volume_id(self, disc: SetDisc) -> str:
        return f"{self.name}_{disc.number}_OF_{len(self.discs)}"  # d-characters only: no xorriso warning

    def next_disc(self) -> SetDisc | None:
        return next((d for d in self.discs if d.state != "burned"), None)


def sets_dir() -> Path:
    return ensure_dir(data_dir() / "sets")


def set_path(name: str) -> Path:
    return sets_dir() / f"{name}.json"


@dataclass
class _Folder:
    """A folder as read once: its entries in name order (files, and folders of their own)."""

    children: list[SetItem | _Folder]
    size: int

    def items(self) -> list[SetItem]:
        out: list[SetItem] = []
        for child in self.children:
            out += child.items() if isinstance(child, _Folder) else [child]
        return out


def _read(path: str, iso: str) -> SetItem | _Folder | None:
    """Regular files under `path`, each with its place on the disc, read in one walk (links
    and devices are not archive data: they are skipped)."""
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return SetItem(path, iso, info.st_size)
        if not stat.S_ISDIR(info.st_mode):
            return None
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        raise SetError(f"{display(path)}: {exc.strerror}") from None
    children: list[SetItem | _Folder] = []
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False):
                size = entry.stat(follow_symlinks=False).st_size
                children.append(SetItem(entry.path, f"{iso}/{entry.name}", size))
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError as exc:
            raise SetError(f"{display(entry.path)}: {exc.strerror}") from None
        folder = _read(entry.path, f"{iso}/{entry.name}")
        if folder is not None:
            children.append(folder)
    return _Folder(children, sum(c.size for c in children))


def _groups(node: SetItem | _Folder | None, capacity: int) -> list[list[SetItem]]:
    """A folder as one group when it fits a disc, else its children's groups."""
    if node is None:
        return []
    if isinstance(node, SetItem):
        return [[node]]
    if node.size <= capacity:
        items = node.items()
        return [items] if items else []
    return [group for child in node.children for group in _groups(child, capacity)]


def _parts(item: SetItem, capacity: int) -> list[SetItem]:
    """A file larger than a disc, cut into parts that each fill one."""
    chunk = capacity // SECTOR * SECTOR
    n = -(-item.size // chunk)
    return [
        SetItem(item.disk, f"{item.iso}.part{k + 1}of{n}", min(chunk, item.size - k * chunk), k * chunk, chunk)
        for k in range(n)
    ]


def check_set_name(name: str) -> None:
    """SetError unless `name` can name a set (it is in every disc's volume id and a file name)."""
    if not _NAME.match(name):
        raise SetError(f"{name!r} cannot name a set: letters, digits and _, at most 20 (it is in volume ids)")


def plan_set(
    name: str, medium: str, paths: list[str], places: list[str] | None = None, *, ecc: int | None = None
) -> DiscSet:
    """The plan: which file (or part) goes on which disc. SetError for what cannot be.
    `places`: where each path goes on the discs (the app's stage), else under its own name.
    `ecc`: each disc keeps room for RS03 data of at least that many percent (app.archive.ecc)."""
    check_set_name(name)
    medium = medium_named(medium)
    total = nominal_blocks(medium) * SECTOR
    if ecc is not None:
        total = data_limit(ecc_medium(nominal_blocks(medium)), check_percent(ecc)) * SECTOR
    capacity = total - max(int(total * RESERVE), RESERVE_MIN)
    if capacity <= 0:
        raise SetError(f"a {medium} medium is too small for a set: each disc keeps "
                       f"{RESERVE_MIN >> 20} MiB for its file system and manifest; name a larger one")  # fmt: skip
    groups: list[list[SetItem]] = []
    tops = [os.path.basename(os.path.abspath(p).rstrip("/")) or "root" for p in paths]
    tops = [place.strip("/") or "root" for place in places] if places is not None else tops
    if len(set(tops)) < len(tops):
        raise SetError("two of the paths have the same name: a set keeps each under its name")
    for path, top in zip(paths, tops, strict=True):
        groups += _groups(_read(os.path.abspath(path), top), capacity)
    pieces: list[list[SetItem]] = []
    for group in groups:
        big = [i for i in group if i.size > capacity]
        rest = [i for i in group if i.size <= capacity]
        pieces += [rest] if rest else []
        pieces += [[part] for item in big for part in _parts(item, capacity)]
    discs: list[SetDisc] = []
    for piece in sorted(pieces, key=lambda g: -sum(i.size for i in g)):
        size = sum(i.size for i in piece)
        disc = next((d for d in discs if d.used + size <= capacity), None)
        if disc is None:
            disc = SetDisc(len(discs) + 1)
            discs.append(disc)
        disc.items += piece
        disc.used += size
    if not discs:
        raise SetError("nothing to archive: the paths hold no regular files")
    return DiscSet(name, medium, capacity, discs, time.strftime("%Y-%m-%d %H:%M"), ecc)


def save_set(plan: DiscSet) -> Path:
    path = set_path(plan.name)
    temp = path.with_suffix(".tmp")
    # vars(), not asdict(): asdict deep-copies every item (1.2 s for 100k files against 0.4 s).
    data = {**vars(plan), "discs": [{**vars(d), "items": [vars(i) for i in d.items]} for d in plan.discs]}
    temp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8", errors="surrogateescape")
    os.replace(temp, path)
    return path


def load_set(name: str) -> DiscSet:
    path = set_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
        discs = [SetDisc(d["number"], [SetItem(**i) for i in d["items"]], d["used"], d["state"],
                         d.get("burned_on")) for d in data["discs"]]  # fmt: skip
        return DiscSet(data["name"], data["medium"], data["capacity"], discs, data.get("created", ""), data.get("ecc"))
    except FileNotFoundError:
        raise SetError(f"no set named {name}: plan it first (discdeck set plan {name} ...)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetError(f"{path} cannot be read ({exc}): plan the set again") from None


def _sums_line(digest: str, path: str) -> bytes:
    """A line of SHA256SUMS as GNU sha256sum writes it: the name's own bytes (as on the
    disc, so `sha256sum -c` finds it), and a name with a backslash, newline or CR escaped
    on a line that starts with a backslash."""
    name = os.fsencode(path)
    if any(c in name for c in (b"\\", b"\n", b"\r")):
        name = name.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
        return b"\\" + digest.encode() + b"  " + name + b"\n"
    return digest.encode() + b"  " + name + b"\n"


def write_manifest(plan: DiscSet, folder: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """SHA256SUMS (every file and every part) and INDEX.txt of the set, into `folder`.

    One read of the data: a split file's parts are read in order, and its own hash is
    taken from the same chunks as its parts' (bench/sets.py measures it against sha256sum).
    """
    items = sorted((i for d in plan.discs for i in d.items), key=lambda i: (i.offset is not None, i.disk, i.offset or 0))
    total, done = sum(i.size for i in items), 0
    sums: dict[str, str] = {}
    whole: dict[str, hashlib._Hash] = {}
    for item in items:
        digest = hashlib.sha256()
        joined = whole.setdefault(item.iso.rsplit(".part", 1)[0], hashlib.sha256()) if item.offset is not None else None
        fd = os.open(item.disk, os.O_RDONLY)  # os.open, os.pread: half the cost of open() per small file
        try:
            position = item.offset or 0
            end = position + item.size
            while position < end and (chunk := os.pread(fd, min(end - position, 1 << 20), position)):
                digest.update(chunk)
                if joined is not None:
                    joined.update(chunk)
                position += len(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        finally:
            os.close(fd)
        sums[item.iso] = digest.hexdigest()
    sums.update((original, digest.hexdigest()) for original, digest in whole.items())
    (folder / "SHA256SUMS").write_bytes(b"".join(_sums_line(sums[path], path) for path in sorted(sums)))
    (folder / "INDEX.txt").write_text(_index(plan, whole), encoding="utf-8")


def _index(plan: DiscSet, split: dict) -> str:
    n = len(plan.discs)
    lines = [f"Disc set {plan.name}: {n} disc(s) of {plan.medium}, planned {plan.created}.",
             "Check a disc: sha256sum -c --ignore-missing SHA256SUMS", ""]  # fmt: skip
    for disc in plan.discs:
        lines += [f"{plan.volume_id(disc)}:"] + [f"  {display(i.iso)}" for i in disc.items]
    for original in sorted(split):
        lines += ["", f"{display(original)} is split: join its parts in order, e.g.",
                  f"  cat {display(original)}.part* > {os.path.basename(original)}"]  # fmt: skip
    return "\n".join(lines) + "\n"
