"""Browse one session of an ISO 9660 image or medium, lazily and read-only.

pycdlib parses the whole directory tree when it opens an image (measured: a 20k-file image
takes about a second and ~90 MiB before the first listing, see DESIGN.md), so this module
reads the volume descriptors and then only the directory extents that are listed. Names come
from Rock Ridge (NM) when present, else from Joliet, else ISO 9660 (without ";1"); mode,
uid, gid (PX), symlink targets (SL) and times (TF) come from Rock Ridge. Multi-extent files
(> 4 GiB, ISO level 3) are sized and read across all their extents.

Sessions: ISO sessions address sectors absolutely, but each session's head (system area and
volume descriptors, sectors 0-31 of the session) sits at the session's start. `SessionFile`
redirects reads of sectors 0-31 to `session_start + 0..31` and passes every other read
through, so any ISO reader (this one, or pycdlib via `PyCdlib().open_fp(view.file)`) sees
that session's own tree. On stdio: images and overwriteable media xorriso copies the newest
session's head to sectors 0-31, so `session_start=None` reads the newest session.

Paths are display paths: names joined with "/" from the root "/". A name may hold any
character (crafted Rock Ridge names can even hold "/"); non-UTF-8 bytes are kept as
surrogate escapes (`os.fsencode(name)` gives the raw bytes back). Pass `Entry` objects
instead of paths where a name might hold "/".
"""

from __future__ import annotations

import errno
import io
import stat
import threading
from collections import OrderedDict
from typing import BinaryIO

from app.iso.entry import (
    Entry,
    IsoDamageError,
    IsoFormatError,
    NameSource,
    PathOrEntry,
)
from app.iso.file import ExtentReader, SessionFile, device_path
from app.iso.head import FOLDER_MIN, folder_size, past_end, read_head, sectors
from app.iso.joliet import JolietTwins
from app.iso.records import (
    FLAG_DIR,
    FLAG_MULTI_EXTENT,
    SECTOR,
    Record,
    VolumeDescriptor,
    iso_name,
    iter_records,
    parse_record,
)

__all__ = ["Entry", "IsoDamageError", "IsoFormatError", "IsoView", "SessionFile", "open_session"]

DIR_CACHE = 256
"""Directories whose listing is kept in memory (least recently used are dropped)."""
DIR_MAX_BYTES = 256 << 20
"""A folder's records are read whole; a crafted record cannot make us read more than this."""


class IsoView:
    """A lazily read session tree. Listing is serialised by a lock, so one view may be shared
    by threads; file readers use pread and run in parallel. Use as a context manager."""

    def __init__(self, source: SessionFile) -> None:
        self.file = source
        """The session view (pass it to pycdlib's open_fp for a second opinion)."""
        head = read_head(source)
        self.descriptors: list[VolumeDescriptor] = head.descriptors
        self.primary = head.primary
        self.joliet_descriptor = head.joliet_descriptor
        self.volume_id: str = head.primary.volume_id()
        self.volume_blocks: int = head.primary.volume_blocks()
        """Sectors the session's image claims, counted from sector 0 of the medium."""
        self.session_start: int = source.session_start
        self.rock_ridge: bool = head.root_rr is not None
        self.joliet: bool = head.joliet_descriptor is not None
        self.tree: NameSource = head.tree
        self.problems: list[str] = list(head.problems)
        """Damage found so far, one line each, naming what is damaged: the head's at once,
        each folder's when it is first listed (`folder_problems` has them by folder)."""
        self._size = head.size
        self._skip = head.skip
        rr, root = head.root_rr, head.root
        mode = (rr.mode if rr and rr.mode else None) or (stat.S_IFDIR | 0o555)
        self.root = Entry(
            name="", iso_path="/", is_dir=True, is_symlink=False, symlink_target=None,
            size=root.size, extents=[(root.extent, root.size)], mode=mode,
            uid=rr.uid if rr else None, gid=rr.gid if rr else None,
            mtime=(rr.mtime if rr else None) or root.date, name_source=self.tree,
        )  # fmt: skip
        self._twins = self._joliet_twins(head.root)
        self._cache: OrderedDict[int, list[Entry]] = OrderedDict()
        self._folder_problems: dict[int, list[str]] = {}
        self._lock = threading.RLock()

    def _joliet_twins(self, root: Record) -> JolietTwins | None:
        """Where Rock Ridge names are read and a Joliet tree exists, its names stand in for
        empty NM entries."""
        if self.tree != "rockridge" or self.joliet_descriptor is None:
            return None
        joliet_root = parse_record(self.joliet_descriptor.root_record(), 0, with_susp=False)
        if joliet_root is None or past_end(self._size, joliet_root.extent, joliet_root.size):
            return None
        return JolietTwins(self.file.read_blocks, self._skip, root, joliet_root)

    def folder_problems(self, folder: Entry) -> list[str]:
        """The damage found in a folder's records when it was listed ([] when none)."""
        return list(self._folder_problems.get(folder.extents[0][0], []))

    # -- public API ---------------------------------------------------------------------------

    def list(self, path: PathOrEntry = "/") -> list[Entry]:
        """Entries of a folder, in the order the medium stores them (no "." or "..")."""
        entry = self.stat(path) if isinstance(path, str) else path
        if not entry.is_dir:
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", entry.iso_path)
        return list(self._listing(entry))

    def stat(self, path: PathOrEntry) -> Entry:
        """The entry at a display path (components matched literally, symlinks not followed)."""
        if isinstance(path, Entry):
            return path
        entry = self.root
        for part in path.split("/"):
            if not part:
                continue
            if not entry.is_dir:
                raise NotADirectoryError(errno.ENOTDIR, "not a folder", entry.iso_path)
            for child in self._listing(entry):
                if child.name == part:
                    entry = child
                    break
            else:
                raise FileNotFoundError(errno.ENOENT, "no such file or folder on the medium", path)
        return entry

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except OSError:
            return False
        return True

    def open_file(self, path: PathOrEntry, buffer_size: int = 1 << 20) -> BinaryIO:
        """A binary, seekable reader of the file's content across all its extents."""
        entry = self.stat(path)
        if entry.is_dir:
            raise IsADirectoryError(errno.EISDIR, "is a folder", entry.iso_path)
        if entry.is_symlink:
            raise OSError(errno.EINVAL, "is a symbolic link", entry.iso_path)
        raw = ExtentReader(self.file, entry.extents)
        return io.BufferedReader(raw, buffer_size)  # type: ignore[return-value]

    def walk(self, path: PathOrEntry = "/") -> list[Entry]:
        """Every entry below a folder (depth first, parents before children), not the folder.

        A folder whose records are already being walked (a crafted loop) is listed but not
        entered again.
        """
        found: list[Entry] = []
        start = self.stat(path)
        stack, seen = [start], {start.extents[0][0]}
        while stack:
            folder = stack.pop()
            children = self._listing(folder)
            found.extend(children)
            inner = [c for c in children if c.is_dir and c.extents[0][0] not in seen]
            seen.update(c.extents[0][0] for c in inner)
            stack.extend(reversed(inner))
        return found

    def close(self) -> None:
        self._cache.clear()
        self.file.close()

    def __enter__(self) -> IsoView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading directories ------------------------------------------------------------------

    def _listing(self, folder: Entry) -> list[Entry]:
        with self._lock:
            return self._read_listing(folder)

    def _read_listing(self, folder: Entry) -> list[Entry]:
        extent = folder.extents[0][0]
        cached = self._cache.get(extent)
        if cached is not None:
            self._cache.move_to_end(extent)
            return cached
        problems: list[str] = []
        try:
            records = self._folder_records(folder, problems)
        except IsoDamageError as exc:
            if str(exc) not in self.problems:
                self.problems.append(str(exc))
            raise
        if self._twins is not None:
            self._twins.note_folder(extent, folder.extents[0][1], records)
        entries = self._entries(folder, records)
        self._folder_problems[extent] = problems
        self.problems.extend(p for p in problems if p not in self.problems)
        self._cache[extent] = entries
        if len(self._cache) > DIR_CACHE:
            self._cache.popitem(last=False)
        return entries

    def _folder_records(self, folder: Entry, problems: list[str]) -> list[Record]:
        """A folder's records; damage read around is a line in `problems` (named by the
        folder's path), damage that leaves nothing to list raises IsoDamageError."""
        path, (extent, size) = folder.iso_path, folder.extents[0]
        if past_end(self._size, extent, size):
            raise IsoDamageError(
                f"{path}: its records at sector {extent} lie past the end of the image "
                f"({sectors(self._size or 0)})"
            )
        if size < FOLDER_MIN:  # only then is its "." record read to learn the real size
            first = self.file.read_blocks(extent, SECTOR)
            size = folder_size(path, Record(extent, size, FLAG_DIR, b"", b""), first, problems)
        if size > DIR_MAX_BYTES:
            raise IsoDamageError(
                f"{path}: a folder of {size} bytes of records is not plausible "
                "(damaged or crafted medium)"
            )
        data = self.file.read_blocks(extent, size)
        if len(data) < size:
            problems.append(f"{path}: its records are cut off after {len(data)} of {size} bytes")
        faults: list[str] = []
        records = iter_records(
            data, skip=self._skip, read=self.file.read_blocks,
            with_susp=self.tree == "rockridge", problems=faults,
        )  # fmt: skip
        problems.extend(f"{path}: {fault}" for fault in faults)
        if not records or not records[0].is_dot:
            if not records:
                raise IsoDamageError(f"{path}: sector {extent} holds no folder records")
            problems.append(
                f"{path}: its records at sector {extent} do not start with '.' "
                "(the folder may point at the wrong place)"
            )
        return records

    def _entries(self, folder: Entry, records: list[Record]) -> list[Entry]:
        twins = self._twins_for(folder, records)
        entries: list[Entry] = []
        chain: list[Record] = []
        for record in records:
            if record.is_dot:
                continue
            chain.append(record)
            if record.flags & FLAG_MULTI_EXTENT:
                continue  # more extents of the same file follow
            entry = self._entry(folder, chain, twins)
            chain = []
            if entry is not None:
                entries.append(entry)
        if chain:
            entry = self._entry(folder, chain, twins)
            if entry is not None:
                entries.append(entry)
        return entries

    def _twins_for(self, folder: Entry, records: list[Record]) -> dict[int, Record]:
        """Joliet twins, read only for folders holding a Rock Ridge record without a name."""
        if self._twins is None:
            return {}
        if all(r.rr.name is not None or r.is_dot or r.rr.relocated for r in records):
            return {}
        return self._twins.names(folder.extents[0][0], records)

    def _entry(self, folder: Entry, chain: list[Record], twins: dict[int, Record]) -> Entry | None:
        first = chain[0]
        rr = first.rr
        if len(chain) > 1:
            rr = next((r.rr for r in chain if r.rr.name is not None), first.rr)
        if rr.relocated:
            return None  # shown where its CL record points from
        is_dir = first.is_dir
        extents = [(r.extent, r.size) for r in chain]
        if rr.child_link is not None:
            is_dir = True
            head = self.file.read_blocks(rr.child_link, SECTOR)
            dot = parse_record(head, 0, with_susp=False) if head and head[0] else None
            extents = [(rr.child_link, dot.size if dot else SECTOR)]
        raw, name, source = self._name(first, rr.name, twins)
        symlink = rr.symlink.decode("utf-8", "surrogateescape") if rr.symlink is not None else None
        if rr.mode:
            mode = rr.mode
        elif symlink is not None:
            mode = stat.S_IFLNK | 0o777
        else:
            mode = (stat.S_IFDIR | 0o555) if is_dir else (stat.S_IFREG | 0o444)
        is_symlink = symlink is not None or stat.S_ISLNK(mode)
        parent = folder.iso_path.rstrip("/")
        return Entry(
            name=name, iso_path=f"{parent}/{name}", is_dir=is_dir and not is_symlink,
            is_symlink=is_symlink, symlink_target=symlink,
            size=0 if is_symlink else sum(length for _, length in extents),
            extents=extents, mode=mode, uid=rr.uid, gid=rr.gid, mtime=rr.mtime or first.date,
            name_source=source, nlink=rr.nlink, hidden=bool(first.flags & 0x01),
            raw_name=raw, damage=self._damage(extents, is_dir or is_symlink) or rr.damage,
        )  # fmt: skip

    def _name(
        self, first: Record, rr_name: bytes | None, twins: dict[int, Record]
    ) -> tuple[bytes, str, NameSource]:
        """(raw bytes, display name, source): Rock Ridge, else the Joliet twin, else ISO 9660."""
        if rr_name is not None and self.tree == "rockridge":
            return rr_name, rr_name.decode("utf-8", "surrogateescape"), "rockridge"
        twin = twins.get(first.offset)
        if twin is not None:
            name = iso_name(twin.ident, True)
            return name.encode("utf-8", "surrogateescape"), name, "joliet"
        joliet = self.tree == "joliet"
        name = iso_name(first.ident, joliet)
        raw = name.encode("utf-8", "surrogateescape") if not joliet else first.ident
        return raw, name, "joliet" if joliet else "iso9660"

    def _damage(self, extents: list[tuple[int, int]], no_data: bool) -> str | None:
        """Why a file's data cannot all be read (it lies past the end of the image)."""
        if no_data:
            return None
        for start, length in extents:
            if length and past_end(self._size, start, length):
                return (
                    f"its data at sector {start} (+{length:,} B) lies past the end of the "
                    f"image ({sectors(self._size or 0)})"
                )
        return None


def open_session(path_or_device: str, session_start: int | None = None) -> IsoView:
    """Open one session of an image file or device for lazy browsing.

    `session_start` is the session's start sector from the TOC (`Session.start`); None reads
    whatever sectors 16.. hold (the newest session on stdio: images and overwriteable media,
    the first on multi-session CD/DVD-R). Accepts xorriso addresses (`stdio:/x.iso`).
    Raises IsoFormatError when no ISO 9660 session is there, OSError when it cannot be read.
    """
    source = SessionFile(device_path(path_or_device), session_start)
    try:
        return IsoView(source)
    except BaseException:
        source.close()
        raise
