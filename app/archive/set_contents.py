"""What a disc of a set holds, in a few lines a person reads: a folder wholly on that disc is
one line (its files and size), a file split across discs says which part it is.

The plan screen shows these before anything is written; nothing here reads the disk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.archive.sets import DiscSet, SetDisc, SetItem


@dataclass(frozen=True)
class ContentLine:
    path: str
    """Relative to the disc's root; a folder ends with "/"."""
    kind: str
    """folder, file or part."""
    size: int
    files: int = 1
    part: str = ""
    """"part 2 of 3" for a piece of a split file."""


def _folders(iso: str) -> list[str]:
    """The folders above `iso`, outermost first: "a/b/c" -> ["a", "a/b"]."""
    names = iso.split("/")[:-1]
    return ["/".join(names[: k + 1]) for k in range(len(names))]


def _count(items: list[SetItem]) -> Counter[str]:
    """Files (and parts) under each folder: counted per parent, then added up the tree
    (100k files: one dict update each, not one per folder above them)."""
    parents = Counter(item.iso.rpartition("/")[0] for item in items)
    totals: Counter[str] = Counter()
    for parent, count in parents.items():
        for folder in _folders(f"{parent}/x") if parent else []:
            totals[folder] += count
    return totals


def _part_of(item: SetItem) -> tuple[str, str]:
    """("big.bin", "part 2 of 3") from the part's place "big.bin.part2of3"."""
    original, _, tail = item.iso.rpartition(".part")
    number, _, count = tail.partition("of")
    return original, f"part {number} of {count}"


def set_totals(plan: DiscSet) -> Counter[str]:
    """Files (and parts) under each folder, across the whole set."""
    return _count([item for disc in plan.discs for item in disc.items])


def disc_contents(plan: DiscSet, disc: SetDisc, totals: Counter[str] | None = None) -> list[ContentLine]:
    """The disc's lines, by path: whole folders first collapsed, then single files and parts."""
    totals = totals if totals is not None else set_totals(plan)
    here = _count(disc.items)
    whole_of: dict[str, str | None] = {}
    """Per parent folder: its outermost folder wholly on this disc, if any."""
    folders: dict[str, list[int]] = {}
    lines: list[ContentLine] = []
    for item in disc.items:
        parent = item.iso.rpartition("/")[0]
        if parent not in whole_of:
            above = _folders(f"{parent}/x") if parent else []
            whole_of[parent] = next((f for f in above if here[f] == totals[f]), None)
        whole = whole_of[parent]
        if whole is not None:
            files_size = folders.setdefault(whole, [0, 0])
            files_size[0] += 1
            files_size[1] += item.size
        elif item.offset is not None:
            original, part = _part_of(item)
            lines.append(ContentLine(original, "part", item.size, 1, part))
        else:
            lines.append(ContentLine(item.iso, "file", item.size))
    lines += [ContentLine(f"{path}/", "folder", size, files) for path, (files, size) in folders.items()]
    return sorted(lines, key=lambda line: line.path)
