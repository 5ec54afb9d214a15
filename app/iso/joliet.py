"""Joliet names for Rock Ridge records that have no usable name of their own.

libisofs writes an empty NM entry when a name cannot be converted to the output charset;
such a record keeps its ISO 9660 name (mangled, often "F_O" for "föo") and its Joliet twin
(UCS-2, usually the true name); other writers leave NM out of some records altogether. The
Joliet tree is a second set of folders: files are matched to their twins by data extent,
then any record by a name its ISO 9660 name could have been made from ("EMPTY_ON.TXT" from
"empty one.txt", when only one fits), then by elimination; a primary folder's Joliet twin is
found through its parents, only when a name is needed.
"""

from __future__ import annotations

import re

from app.iso.records import Record, iso_name, iter_records
from app.iso.susp import Reader

MAX_DEPTH = 256
"""Parents followed at most to find a folder's twin (a crafted tree may loop)."""


def _rr_name(record: Record) -> str | None:
    name = record.rr.name
    return name.decode("utf-8", "surrogateescape") if name is not None else None


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def looks_alike(primary: Record, joliet: Record) -> bool:
    """Could a writer have made the primary (ISO 9660) name from the Joliet one? Both kept
    to letters and digits: the primary stem begins the Joliet one (the mangling truncates,
    maps other characters to "_" and may end a clash in digits) and so does the extension."""
    ours, theirs = iso_name(primary.ident, False), iso_name(joliet.ident, True)
    if primary.is_dir:
        stem, their_stem, ext, their_ext = _letters(ours), _letters(theirs), "", ""
    else:
        stem, _, ext = ours.rpartition(".") if "." in ours else (ours, "", "")
        their_stem, _, their_ext = theirs.rpartition(".") if "." in theirs else (theirs, "", "")
        stem, ext, their_stem, their_ext = map(_letters, (stem, ext, their_stem, their_ext))
    if not their_ext.startswith(ext):
        return False
    return their_stem.startswith(stem) or their_stem.startswith(stem.rstrip("0123456789"))


def _by_likeness(unmatched: list[Record], left: list[Record]) -> dict[int, Record]:
    """Twins whose names look alike, where exactly one fits on each side."""
    twins: dict[int, Record] = {}
    for p in unmatched:
        fits = [j for j in left if j.is_dir == p.is_dir and looks_alike(p, j)]
        if len(fits) != 1:
            continue
        rivals = [q for q in unmatched if q.is_dir == p.is_dir and looks_alike(q, fits[0])]
        if rivals == [p]:
            twins[p.offset] = fits[0]
    return twins


def match(primary: list[Record], joliet: list[Record]) -> dict[int, Record]:
    """Joliet twins of primary records, keyed by the primary record's offset."""
    twins: dict[int, Record] = {}
    candidates = [j for j in joliet if not j.is_dot]
    by_extent: dict[int, list[Record]] = {}
    for j in candidates:
        if not j.is_dir and j.size > 0:
            by_extent.setdefault(j.extent, []).append(j)
    by_name = {iso_name(j.ident, True): j for j in candidates}
    taken: set[int] = set()
    unmatched: list[Record] = []
    for p in (r for r in primary if not r.is_dot):
        same = by_extent.get(p.extent, []) if not p.is_dir and p.size > 0 else []
        twin = same[0] if len(same) == 1 else by_name.get(_rr_name(p) or "")
        if twin is not None and twin.is_dir == p.is_dir and id(twin) not in taken:
            twins[p.offset] = twin
            taken.add(id(twin))
        else:
            unmatched.append(p)
    left = [j for j in candidates if id(j) not in taken]
    alike = _by_likeness(unmatched, left)
    twins.update(alike)
    unmatched = [p for p in unmatched if p.offset not in alike]
    left = [j for j in left if all(j is not t for t in alike.values())]
    for kind in (True, False):  # one folder (file) left on each side: they are twins
        ours = [p for p in unmatched if p.is_dir == kind]
        theirs = [j for j in left if j.is_dir == kind]
        if len(ours) == 1 and len(theirs) == 1:
            twins[ours[0].offset] = theirs[0]
    return twins


class JolietTwins:
    """Finds Joliet names for records of the Rock Ridge (primary) tree."""

    def __init__(self, read: Reader, skip: int, primary_root: Record, joliet_root: Record):
        self._read = read
        self._skip = skip
        self._twin: dict[int, tuple[int, int]] = {
            primary_root.extent: (joliet_root.extent, joliet_root.size)
        }
        """Primary folder extent -> (Joliet folder extent, size)."""
        self._parent: dict[int, tuple[int, int]] = {}
        """Primary folder extent -> (its parent's extent, the parent's size)."""

    def note_folder(self, extent: int, size: int, records: list[Record]) -> None:
        """Remember the parent of each subfolder listed (cheap: two ints a folder)."""
        for r in records:
            if r.is_dir and not r.is_dot:
                self._parent.setdefault(r.extent, (extent, size))

    def names(self, extent: int, records: list[Record]) -> dict[int, Record]:
        """Joliet twins of a primary folder's records, keyed by record offset ({} when the
        folder's own twin cannot be found)."""
        twin = self._folder_twin(extent)
        if twin is None:
            return {}
        return match(records, self._joliet_records(*twin))

    def _folder_twin(self, extent: int) -> tuple[int, int] | None:
        chain = [extent]
        while chain[-1] not in self._twin and len(chain) < MAX_DEPTH:
            parent = self._parent.get(chain[-1])
            if parent is None or parent[0] in chain:
                return None
            chain.append(parent[0])
        if chain[-1] not in self._twin:
            return None
        for child, parent in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
            parent_size = self._parent[child][1]
            primary = iter_records(
                self._read(parent, parent_size), skip=self._skip, read=self._read
            )
            for offset, twin in match(primary, self._joliet_records(*self._twin[parent])).items():
                record = next(r for r in primary if r.offset == offset)
                if record.is_dir and twin.is_dir:
                    self._twin.setdefault(record.extent, (twin.extent, twin.size))
            if child not in self._twin:
                return None
        return self._twin[extent]

    def _joliet_records(self, extent: int, size: int) -> list[Record]:
        return iter_records(self._read(extent, size), with_susp=False)
