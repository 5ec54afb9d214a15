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
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Literal

from app.engine.errors import EngineError
from app.iso.file import ExtentReader, SessionFile, device_path
from app.iso.records import (
    FLAG_MULTI_EXTENT,
    SECTOR,
    VD_PRIMARY,
    Record,
    VolumeDescriptor,
    iso_name,
    iter_records,
    parse_record,
    read_descriptors,
)

NameSource = Literal["rockridge", "joliet", "iso9660"]
DIR_CACHE = 256
"""Directories whose listing is kept in memory (least recently used are dropped)."""
DIR_MAX_BYTES = 256 << 20
"""A folder's records are read whole; a crafted record cannot make us read more than this."""


class IsoFormatError(EngineError):
    """The source holds no readable ISO 9660 session at the given start."""


@dataclass(slots=True)
class Entry:
    """One file, folder or symlink of a session's tree."""

    name: str
    """Rock Ridge name, else Joliet, else ISO 9660 (without ";1"); "" for the root."""
    iso_path: str
    """Display path from the root, e.g. "/boot/grub/grub.cfg"."""
    is_dir: bool
    is_symlink: bool
    symlink_target: str | None
    size: int
    """Bytes, summed over all extents (multi-extent files > 4 GiB); a folder's record size."""
    extents: list[tuple[int, int]]
    """(start sector, length in bytes) of each extent, in file order."""
    mode: int
    """st_mode with type bits (Rock Ridge PX; 0o40555 / 0o100444 / 0o120777 without it)."""
    uid: int | None
    gid: int | None
    mtime: datetime | None
    """Rock Ridge TF modification time, else the directory record's date (time zone aware)."""
    name_source: NameSource
    nlink: int | None = None
    hidden: bool = False
    """The ISO 9660 "existence" flag asks readers to hide it."""
    raw_name: bytes = field(default=b"", repr=False)

    @property
    def is_file(self) -> bool:
        return not self.is_dir and not self.is_symlink and stat.S_ISREG(self.mode)

    @property
    def start_sector(self) -> int | None:
        return self.extents[0][0] if self.extents else None


PathOrEntry = str | Entry


class IsoView:
    """A lazily read session tree. Listing is serialised by a lock, so one view may be shared
    by threads; file readers use pread and run in parallel. Use as a context manager."""

    def __init__(self, source: SessionFile) -> None:
        self.file = source
        """The session view (pass it to pycdlib's open_fp for a second opinion)."""
        descriptors = read_descriptors(source.read_blocks)
        primary = next((vd for vd in descriptors if vd.type == VD_PRIMARY), None)
        if primary is None:
            where = f"session at sector {source.session_start}" if source.session_start else "it"
            raise IsoFormatError(
                f"{source.path}: no ISO 9660 volume descriptor in {where} "
                "(blank, not ISO 9660, or a wrong session start)"
            )
        self.descriptors: list[VolumeDescriptor] = descriptors
        self.primary = primary
        self.joliet_descriptor = next((vd for vd in descriptors if vd.is_joliet), None)
        self.volume_id: str = primary.volume_id()
        self.volume_blocks: int = primary.volume_blocks()
        """Sectors the session's image claims, counted from sector 0 of the medium."""
        self.session_start: int = source.session_start
        root = parse_record(primary.root_record(), 0, with_susp=False)
        if root is None:
            raise IsoFormatError(f"{source.path}: the primary descriptor has no root record")
        first = source.read_blocks(root.extent, SECTOR)
        dot = parse_record(first, 0, read=source.read_blocks) if first and first[0] else None
        rr = dot.rr if dot is not None else None
        self.rock_ridge: bool = bool(rr and (rr.sp_skip is not None or rr.has_rr))
        self._skip = (rr.sp_skip or 0) if rr else 0
        self.joliet: bool = self.joliet_descriptor is not None
        self.tree: NameSource = "iso9660"
        if self.rock_ridge:
            self.tree = "rockridge"
        elif self.joliet_descriptor is not None:
            joliet_root = parse_record(self.joliet_descriptor.root_record(), 0, with_susp=False)
            if joliet_root is not None:
                root, self.tree = joliet_root, "joliet"
        mode = (rr.mode if rr and rr.mode else None) or (stat.S_IFDIR | 0o555)
        self.root = Entry(
            name="", iso_path="/", is_dir=True, is_symlink=False, symlink_target=None,
            size=root.size, extents=[(root.extent, root.size)], mode=mode,
            uid=rr.uid if rr else None, gid=rr.gid if rr else None,
            mtime=(rr.mtime if rr else None) or root.date, name_source=self.tree,
        )  # fmt: skip
        self._cache: OrderedDict[int, list[Entry]] = OrderedDict()
        self._lock = threading.RLock()

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
        extent, size = folder.extents[0]
        cached = self._cache.get(extent)
        if cached is not None:
            self._cache.move_to_end(extent)
            return cached
        if size > DIR_MAX_BYTES:
            raise IsoFormatError(
                f"{folder.iso_path}: a folder of {size} bytes of records is not plausible "
                "(damaged or crafted medium)"
            )
        data = self.file.read_blocks(extent, size)
        with_susp = self.tree == "rockridge"
        records = iter_records(
            data, skip=self._skip, read=self.file.read_blocks, with_susp=with_susp
        )
        entries = self._entries(folder, records)
        self._cache[extent] = entries
        if len(self._cache) > DIR_CACHE:
            self._cache.popitem(last=False)
        return entries

    def _entries(self, folder: Entry, records: list[Record]) -> list[Entry]:
        entries: list[Entry] = []
        chain: list[Record] = []
        for record in records:
            if record.is_dot:
                continue
            chain.append(record)
            if record.flags & FLAG_MULTI_EXTENT:
                continue  # more extents of the same file follow
            entry = self._entry(folder, chain)
            chain = []
            if entry is not None:
                entries.append(entry)
        if chain:
            entry = self._entry(folder, chain)
            if entry is not None:
                entries.append(entry)
        return entries

    def _entry(self, folder: Entry, chain: list[Record]) -> Entry | None:
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
        if rr.name is not None and self.tree == "rockridge":
            raw, source = rr.name, "rockridge"
            name = raw.decode("utf-8", "surrogateescape")
        else:
            joliet = self.tree == "joliet"
            raw, source = first.ident, ("joliet" if joliet else "iso9660")
            name = iso_name(first.ident, joliet)
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
            name_source=source, nlink=rr.nlink, hidden=bool(first.flags & 0x01),  # type: ignore[arg-type]
            raw_name=raw,
        )  # fmt: skip


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
