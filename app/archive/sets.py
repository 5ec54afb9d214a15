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
from dataclasses import asdict, dataclass, field
from pathlib import Path

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

    @property
    def files(self) -> int:
        return sum(1 for d in self.discs for i in d.items if i.offset in (None, 0))

    def volume_id(self, disc: SetDisc) -> str:
        return f"{self.name}_{disc.number}_of_{len(self.discs)}"

    def next_disc(self) -> SetDisc | None:
        return next((d for d in self.discs if d.state != "burned"), None)


def sets_dir() -> Path:
    return ensure_dir(data_dir() / "sets")


def set_path(name: str) -> Path:
    return sets_dir() / f"{name}.json"


def _walk(path: str, iso: str) -> list[SetItem]:
    """Regular files under `path`, each with its place on the disc (links and devices are
    not archive data: they are skipped, and the plan says how many)."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise SetError(f"{display(path)}: {exc.strerror}") from None
    if stat.S_ISREG(info.st_mode):
        return [SetItem(path, iso, info.st_size)]
    if not stat.S_ISDIR(info.st_mode):
        return []
    items: list[SetItem] = []
    for name in sorted(os.listdir(path)):
        items += _walk(os.path.join(path, name), f"{iso}/{name}")
    return items


def _groups(path: str, iso: str, capacity: int) -> list[list[SetItem]]:
    """A folder as one group when it fits a disc, else its children's groups."""
    items = _walk(path, iso)
    if sum(i.size for i in items) <= capacity or not os.path.isdir(path) or os.path.islink(path):
        return [items] if items else []
    groups: list[list[SetItem]] = []
    for name in sorted(os.listdir(path)):
        groups += _groups(os.path.join(path, name), f"{iso}/{name}", capacity)
    return groups


def _parts(item: SetItem, capacity: int) -> list[SetItem]:
    """A file larger than a disc, cut into parts that each fill one."""
    chunk = capacity // SECTOR * SECTOR
    n = -(-item.size // chunk)
    return [
        SetItem(item.disk, f"{item.iso}.part{k + 1}of{n}", min(chunk, item.size - k * chunk), k * chunk, chunk)
        for k in range(n)
    ]


def plan_set(name: str, medium: str, paths: list[str]) -> DiscSet:
    """The plan: which file (or part) goes on which disc. SetError for what cannot be."""
    if not _NAME.match(name):
        raise SetError(f"{name!r} cannot name a set: letters, digits and _, at most 20 (it is in volume ids)")
    medium = medium_named(medium)
    total = nominal_blocks(medium) * SECTOR
    capacity = total - max(int(total * RESERVE), RESERVE_MIN)
    groups: list[list[SetItem]] = []
    tops = [os.path.basename(os.path.abspath(p).rstrip("/")) or "root" for p in paths]
    if len(set(tops)) < len(tops):
        raise SetError("two of the paths have the same name: a set keeps each under its name")
    for path, top in zip(paths, tops, strict=True):
        groups += _groups(os.path.abspath(path), top, capacity)
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
    return DiscSet(name, medium, capacity, discs, time.strftime("%Y-%m-%d %H:%M"))


def save_set(plan: DiscSet) -> Path:
    path = set_path(plan.name)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(asdict(plan), indent=1), encoding="utf-8", errors="surrogateescape")
    os.replace(temp, path)
    return path


def load_set(name: str) -> DiscSet:
    path = set_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
        discs = [SetDisc(d["number"], [SetItem(**i) for i in d["items"]], d["used"], d["state"],
                         d.get("burned_on")) for d in data["discs"]]  # fmt: skip
        return DiscSet(data["name"], data["medium"], data["capacity"], discs, data.get("created", ""))
    except FileNotFoundError:
        raise SetError(f"no set named {name}: plan it first (discdeck set plan {name} ...)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetError(f"{path} cannot be read ({exc}): plan the set again") from None


def write_manifest(plan: DiscSet, folder: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """SHA256SUMS (every file and every part) and INDEX.txt of the set, into `folder`."""
    total = sum(d.used for d in plan.discs)
    done = 0
    sums: dict[str, str] = {}
    whole: dict[str, hashlib._Hash] = {}
    for disc in plan.discs:
        for item in disc.items:
            digest = hashlib.sha256()
            with open(item.disk, "rb") as handle:
                handle.seek(item.offset or 0)
                left = item.size
                while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
                    digest.update(chunk)
                    left -= len(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            sums[item.iso] = digest.hexdigest()
    for disc in plan.discs:  # a split file's own hash: its parts in order
        for item in disc.items:
            if item.offset is not None:
                whole.setdefault(item.iso.rsplit(".part", 1)[0], hashlib.sha256())
    for original, digest in whole.items():
        with open(next(i.disk for d in plan.discs for i in d.items if i.iso.startswith(original + ".part")), "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        sums[original] = digest.hexdigest()
    lines = [f"{sums[path]}  {display(path)}" for path in sorted(sums)]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
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
