"""The stage: the ISO tree a user assembles before burning (a pure model, no UI).

Every leaf maps a local file, folder or symlink (`source`) to an ISO path; folders made on
the stage (`mkdir`, or the parents `add` creates) hold `children`. A mapped disk folder is
one node: its content is not modelled, only summed by `scan`. ISO paths are absolute and
use "/"; names are `str` in `os.fsdecode` form, so non-UTF-8 bytes stay as surrogate
escapes and reach xorriso unchanged (`subprocess` encodes argv with `os.fsencode`).

`entries()` gives one `-map DISK ISO` pair per mapped node. A stage folder with nothing
mapped below it yields no pair (`-map` cannot make it): `empty_dirs()` lists those for
`-mkdir ISO`.

Sizes are apparent sizes (`du --apparent-size`, regular files only; symlinks, devices and
fifos count as entries of size 0). Hard links are counted once per name, an upper bound.
"""

from __future__ import annotations

import os
import stat as st
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.engine.commands import MapEntry
from app.engine.options import BurnOptions
from app.stage.disk_usage import ScanProgress, walk_size
from app.stage.names import check_name, display, join_path, split_path

__all__ = [
    "NameTaken",
    "NotOnStage",
    "ScanProgress",
    "Stage",
    "StageNode",
]


class NotOnStage(KeyError):
    """KeyError for an ISO path with no node; str() is the plain message (no quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NameTaken(ValueError):
    """ValueError for a name already on the stage; `iso_path` says which, so a caller can
    tell the same file added again from a different one with the same name."""

    def __init__(self, iso_path: str) -> None:
        super().__init__(f"{display(iso_path)} is already on the stage")
        self.iso_path = iso_path


@dataclass
class StageNode:
    name: str
    source: str | None = None
    """Absolute disk path this node maps; None for a folder made on the stage."""
    is_dir: bool = False
    size: int = 0
    """Bytes: a file's size, a mapped folder's recursive sum (after scan), 0 for links."""
    files: int = 0
    """Non-directory entries below (1 for a file, link or special file)."""
    children: dict[str, StageNode] = field(default_factory=dict)
    """Only for folders made on the stage."""
    missing: bool = False
    """The source vanished or changed since it was added (set by revalidate)."""
    is_link: bool = False
    scanned: bool = True
    """False for a mapped folder until scan has summed it."""
    errors: list[str] = field(default_factory=list)
    """Notes from scan (unreadable subfolders) and revalidate (what changed)."""

    @property
    def is_stage_dir(self) -> bool:
        """A folder made on the stage (holds children), not mapped from disk."""
        return self.source is None

    def total_size(self) -> int:
        if self.is_stage_dir:
            return sum(child.total_size() for child in self.children.values())
        return self.size

    def total_files(self) -> int:
        if self.is_stage_dir:
            return sum(child.total_files() for child in self.children.values())
        return self.files

    def sorted_children(self) -> list[StageNode]:
        """Children in byte order of their names: the stable order of every listing."""
        return sorted(self.children.values(), key=lambda node: os.fsencode(node.name))


def node_from_disk(source: str, name: str) -> StageNode:
    """A node for `source` from one lstat (symlinks are kept as links, never followed)."""
    info = os.lstat(source)
    if st.S_ISDIR(info.st_mode):
        return StageNode(name, source, is_dir=True, scanned=False)
    if st.S_ISLNK(info.st_mode):
        return StageNode(name, source, files=1, is_link=True)
    size = info.st_size if st.S_ISREG(info.st_mode) else 0
    return StageNode(name, source, size=size, files=1)


@dataclass(frozen=True)
class BurnMark:
    """A burn of the stage that started and was not seen to end."""

    started: str
    """Local time, "2026-11-30 14:05"."""
    volume_id: str
    address: str

    def describe(self) -> str:
        return f"burned on {self.started} as {self.volume_id} to {self.address}"


@dataclass(init=False)
class Stage:
    """The next session: a tree of staged entries and the options it is burned with (the
    volume id among them, so the burn, the stage file and the screens share one value)."""

    root: StageNode
    options: BurnOptions
    burn_mark: BurnMark | None

    def __init__(
        self,
        volume_id: str = "DISCDECK",
        root: StageNode | None = None,
        options: BurnOptions | None = None,
        burn_mark: BurnMark | None = None,
    ) -> None:
        self.root = root if root is not None else StageNode("", is_dir=True)
        self.options = options if options is not None else BurnOptions()
        self.options.volume_id = volume_id
        self.removals: list[str] = []
        """Paths of the medium's tree (earlier sessions) the next session leaves out."""
        self.burn_mark = burn_mark
        """Set while this stage is being burned; a stage that still carries it after a
        crash may already be on a disc, and burning it again asks first."""

    @property
    def volume_id(self) -> str:
        return self.options.volume_id

    @volume_id.setter
    def volume_id(self, value: str) -> None:
        self.options.volume_id = value

    def map_entries(self) -> list[MapEntry]:
        """What goes on the disc: one `-map DISK ISO` pair per staged entry."""
        return [MapEntry(disk, iso) for disk, iso in self.entries()]

    # ---- looking things up -------------------------------------------------------------

    def find(self, iso_path: str) -> StageNode:
        """The node at `iso_path`; KeyError naming the path if nothing is there."""
        node = self.root
        for name in split_path(iso_path):
            child = node.children.get(name)
            if child is None:
                raise NotOnStage(f"{display(iso_path)} is not on the stage")
            node = child
        return node

    def _folder(self, iso_path: str, create: bool = False) -> StageNode:
        """The stage folder at `iso_path`, made (with its parents) if `create`."""
        node, done = self.root, []
        for name in split_path(iso_path):
            if not node.is_stage_dir:
                break
            done.append(name)
            child = node.children.get(name)
            if child is None:
                if not create:
                    raise NotOnStage(f"{display(join_path(done))} is not on the stage")
                child = node.children[check_name(name)] = StageNode(name, is_dir=True)
            node = child
        if not node.is_stage_dir:
            what = "a folder mapped from disk" if node.is_dir else "not a folder"
            raise ValueError(f"{display(join_path(done))} is {what}: cannot hold new items")
        return node

    def _parent(self, iso_path: str) -> tuple[StageNode, str]:
        parts = split_path(iso_path)
        if not parts:
            raise ValueError("the stage root cannot be renamed, moved or removed")
        return self._folder(join_path(parts[:-1])), parts[-1]

    def _check_free(self, iso_dir: str, name: str) -> None:
        """ValueError unless `iso_dir/name` could be made: the folders on the way are
        stage folders (or do not exist yet) and the name is not taken."""
        node, done = self.root, []
        for part in split_path(iso_dir):
            if not node.is_stage_dir:
                break
            child = node.children.get(part)
            if child is None:
                check_name(part)
                return
            node = child
            done.append(part)
        if not node.is_stage_dir:
            what = "a folder mapped from disk" if node.is_dir else "not a folder"
            raise ValueError(f"{display(join_path(done))} is {what}: cannot hold new items")
        if name in node.children:
            raise NameTaken(join_path([*done, name]))

    def taken_note(self, source: str, taken: NameTaken) -> str:
        """In words, for an addition that was skipped: the same file again, or another file
        whose name is taken (and how to add it under another name)."""
        node = self.find(taken.iso_path)
        path = os.path.abspath(os.fsdecode(source))
        where = display(taken.iso_path)
        if node.source == path:
            return f"{display(path)} is already on the stage as {where}: not added again"
        other = display(node.source) if node.source else "a stage folder"
        return (
            f"{display(path)} not added: {where} is already on the stage (from {other}); "
            f"add it under another name with PATH=/OTHER_NAME"
        )

    def walk(self, start: StageNode | None = None) -> Iterator[tuple[str, StageNode]]:
        """(iso_path, node) for every node below `start` (default the root), parents first,
        names in byte order. Paths are relative to `start` ("/a/b" under it)."""
        first = self.root if start is None else start
        stack = [("", child) for child in reversed(first.sorted_children())]
        while stack:
            prefix, node = stack.pop()
            path = f"{prefix}/{node.name}"
            yield path, node
            stack.extend((path, child) for child in reversed(node.sorted_children()))

    # ---- changing the tree ---------------------------------------------------------------

    def add(self, source: str, iso_dir: str = "/", name: str | None = None) -> StageNode:
        """Map disk path `source` as `iso_dir/name` (name defaults to the source's name).

        One lstat only: a folder's size is summed later by `scan`. Missing folders of
        `iso_dir` are made on the stage. ValueError on a name collision; OSError if the
        source cannot be stat'ed.
        """
        source = os.path.abspath(os.fsdecode(source))
        name = check_name(os.path.basename(source) if name is None else name)
        self._check_free(iso_dir, name)
        node = node_from_disk(source, name)
        self._folder(iso_dir, create=True).children[name] = node
        return node

    def mkdir(self, iso_path: str) -> StageNode:
        """Make an empty stage folder (and missing parents); ValueError if taken."""
        parts = split_path(iso_path)
        if not parts:
            raise ValueError("/ is already on the stage")
        parent, name = join_path(parts[:-1]), check_name(parts[-1])
        self._check_free(parent, name)
        node = self._folder(parent, create=True).children[name] = StageNode(name, is_dir=True)
        return node

    def rename(self, iso_path: str, new_name: str) -> None:
        folder, name = self._parent(iso_path)
        node = self.find(iso_path)
        check_name(new_name)
        if new_name == name:
            return
        self._check_free(join_path(split_path(iso_path)[:-1]), new_name)
        del folder.children[name]
        node.name = new_name
        folder.children[new_name] = node

    def move(self, iso_path: str, new_parent: str) -> None:
        """Move a node into the stage folder `new_parent` (keeping its name)."""
        folder, name = self._parent(iso_path)
        node = self.find(iso_path)
        src, dst = split_path(iso_path), split_path(new_parent)
        if dst[: len(src)] == src:
            raise ValueError(f"cannot move {display(iso_path)} into itself")
        target = self._folder(new_parent)
        if target is folder:
            return
        self._check_free(new_parent, name)
        del folder.children[name]
        target.children[name] = node

    def remove(self, iso_path: str) -> None:
        folder, name = self._parent(iso_path)
        self.find(iso_path)
        del folder.children[name]

    def clear(self) -> None:
        self.root.children.clear()
        self.burn_mark = None
        self.removals = []

    # ---- sizes ---------------------------------------------------------------------------

    def scan(self, node_path: str = "/", rescan: bool = False) -> Iterator[ScanProgress]:
        """Sum mapped folders, yielding progress (counts run over the whole call).

        A mapped folder's path scans it; a stage folder's path scans the mapped folders
        below it that are not scanned yet (all of them with `rescan`), so while a scan
        runs `total_size() + progress.bytes` is the stage's size so far. Each folder's
        size/files/errors/scanned are set when its walk ends: stopping the iteration
        (cancel) leaves unfinished folders as they were.
        """
        start = self.find(node_path)
        todo = [start] if start.source else []
        if start.is_stage_dir:
            below = (node for _path, node in self.walk(start) if node.source)
            todo = [node for node in below if rescan or not node.scanned]
        done_files = done_bytes = 0
        for node in (node for node in todo if node.is_dir):
            errors: list[str] = []
            last = ScanProgress(0, 0, node.source or "")
            for last in walk_size(node.source or "", errors):
                yield ScanProgress(done_files + last.files, done_bytes + last.bytes, last.current)
            node.size, node.files, node.errors, node.scanned = last.bytes, last.files, errors, True
            done_files += last.files
            done_bytes += last.bytes

    def unscanned(self) -> list[str]:
        """ISO paths of mapped folders whose size is not known yet."""
        return [path for path, node in self.walk() if not node.scanned]

    def total_size(self) -> int:
        return self.root.total_size()

    def total_files(self) -> int:
        return self.root.total_files()

    def is_empty(self) -> bool:
        """Nothing to add and nothing to remove: the next session would change nothing."""
        return not self.root.children and not self.removals

    def toggle_removal(self, iso_path: str) -> bool:
        """Mark a path of the medium's tree to be left out of the next session, or unmark
        it; True when it is marked now. Paths inside a marked folder need no mark."""
        path = join_path(split_path(iso_path))
        if path == "/":
            raise ValueError("the root cannot be removed: blank the medium instead (B)")
        if path in self.removals:
            self.removals.remove(path)
            return False
        self.removals = sorted(
            [p for p in self.removals if not p.startswith(path + "/")] + [path],
            key=os.fsencode,
        )
        return True

    def removed(self, iso_path: str) -> bool:
        """The path is left out of the next session (itself or a folder above it)."""
        return any(iso_path == p or iso_path.startswith(p + "/") for p in self.removals)

    # ---- burning ---------------------------------------------------------------------------

    def entries(self) -> list[tuple[str, str]]:
        """(disk_path, iso_path) per mapped node, parents first, names in byte order."""
        return [(node.source, path) for path, node in self.walk() if node.source is not None]

    def empty_dirs(self) -> list[str]:
        """Stage folders with nothing mapped below them (for `-mkdir`), parents first."""
        return [
            path
            for path, node in self.walk()
            if node.is_stage_dir and not any(n.source for _p, n in self.walk(node))
        ]

    def revalidate(self) -> list[str]:
        """Re-stat every source; mark the missing or changed; one line per problem."""
        problems = []
        for path, node in self.walk():
            if node.source is None:
                continue
            problem = self._check(node)
            node.missing = bool(problem)
            node.errors = [e for e in node.errors if not e.startswith("source ")]
            if problem:
                node.errors.append(problem)
                problems.append(f"{display(path)}: {problem}")
        return problems

    @staticmethod
    def _check(node: StageNode) -> str:
        source = node.source or ""
        try:
            fresh = node_from_disk(source, node.name)
        except OSError as exc:
            return f"source {display(source)} is gone ({exc.strerror or exc})"
        if (fresh.is_dir, fresh.is_link) != (node.is_dir, node.is_link):
            return f"source {display(source)} changed type"
        if not node.is_dir and fresh.size != node.size:
            return f"source {display(source)} changed size ({node.size} -> {fresh.size} bytes)"
        return ""
