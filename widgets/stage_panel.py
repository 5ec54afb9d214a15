"""StagePanel: the ISO tree being assembled, merged with what the medium already holds.

When the next session appends to a disc, its tree starts as the disc's newest session:
those entries are shown dimmed and marked "(disc)" (their folders read one at a time, when
opened), staged entries say "new", "replaces" (a file) or "merges" (a folder), and entries
left out of the next session are struck through. The words are short: the pane is half of
an 80-column terminal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import humanize
from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from app.media.contents import DiscItem
from app.stage.model import Stage, StageNode
from app.stage.names import display


@dataclass(frozen=True)
class PanelItem:
    """A line of the panel: its ISO path and where it comes from."""

    path: str
    staged: bool
    on_disc: bool
    is_dir: bool


def _size(size: int) -> str:
    return humanize.naturalsize(size, binary=True)


def _label(node: StageNode, on_disc: bool, appending: bool) -> Text:
    text = Text(
        display(node.name) + ("/" if node.is_dir else ""), style="bold" if node.is_dir else ""
    )
    if node.is_link:
        text.append(" → link", style="cyan")
    if node.source is not None and node.is_dir and not node.scanned:
        text.append("  scanning…", style="dim italic")
    else:
        text.append(f"  {_size(node.total_size())}", style="dim")
    if node.missing:
        text.append("  ⚠ changed or missing", style="bold yellow")
    if on_disc and node.is_dir:
        text.append("  merges", style="yellow")
    elif on_disc:
        text.append("  replaces", style="bold yellow")
    elif appending and (node.source is not None or not node.children):
        text.append("  new", style="green")
    return text


def _disc_label(item: DiscItem, removed: bool) -> Text:
    text = Text(display(item.name) + ("/" if item.is_dir else ""), style="dim")
    if not item.is_dir:
        text.append(f"  {_size(item.size)}", style="dim")
    if removed:
        text.stylize("strike red")
        text.append("  left out", style="red")
    else:
        text.append("  (disc)", style="dim italic")
    return text


class StagePanel(Tree[PanelItem]):
    """Node data is a PanelItem, so actions never depend on labels."""

    DEFAULT_CSS = """
    StagePanel { width: 1fr; }
    """

    class DiscFolderWanted(Message):
        """A folder of the disc was opened whose entries have not been read yet."""

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("/", data=PanelItem("/", True, False, True), id=id)
        self.show_root = True
        self.guide_depth = 2
        self._wanted: str | None = None
        """A selection asked for but not yet applied (lines are laid out after a refresh)."""
        self.opened: set[str] = set()
        """Disc folders the user opened: they stay open when the panel is drawn again."""

    def show_stage(
        self,
        stage: Stage,
        select: str | None = None,
        disc: dict[str, list[DiscItem]] | None = None,
    ) -> None:
        """Draw `stage`; `disc` holds the folders of the medium read so far (None: the next
        session does not append to a disc)."""
        keep = select or self._wanted or self.selected_path()
        self._wanted = keep
        self.clear()
        self.root.set_label(Text(f"/  ({stage.volume_id})", style="bold"))
        self.root.data = PanelItem("/", True, disc is not None, True)
        self._fill(self.root, "", stage.root, stage, disc)
        self.root.expand()
        if keep:
            # Node line numbers exist only after the tree is laid out again.
            self.call_after_refresh(self._select, keep)

    def _fill(
        self,
        parent: TreeNode[PanelItem],
        folder: str,
        node: StageNode | None,
        stage: Stage,
        disc: dict[str, list[DiscItem]] | None,
    ) -> None:
        """Add `folder`'s staged children and, when appending, the disc's other entries."""
        on_disc = {item.name: item for item in (disc or {}).get(folder or "/", [])}
        if disc is not None and (folder or "/") not in disc and (folder == "" or node is None):
            self.post_message(self.DiscFolderWanted(folder or "/"))
        staged = node.sorted_children() if node is not None and node.is_stage_dir else []
        for child in staged:
            path = f"{folder}/{child.name}"
            there = child.name in on_disc
            item = PanelItem(path, True, there, child.is_dir)
            label = _label(child, there, disc is not None)
            if child.is_stage_dir:
                branch = parent.add(label, data=item, expand=True)
                if there and disc is not None and path not in disc:
                    self.post_message(self.DiscFolderWanted(path))
                self._fill(branch, path, child, stage, disc)
            else:
                parent.add_leaf(label, data=item)
        names = {child.name for child in staged}
        # In byte order, as staged entries are: the medium lists them in the order of their
        # ISO 9660 names, where "-dashdir" (_DASHDIR) came after "my photos" (MY_PHOTOS).
        others = sorted((e for name, e in on_disc.items() if name not in names), key=lambda e: os.fsencode(e.name))
        for entry in others:
            item = PanelItem(entry.path, False, True, entry.is_dir)
            label = _disc_label(entry, stage.removed(entry.path))
            if not entry.is_dir:
                parent.add_leaf(label, data=item)
                continue
            branch = parent.add(label, data=item, expand=entry.path in self.opened)
            branch.allow_expand = True
            if entry.path in self.opened:
                self._fill(branch, entry.path, None, stage, disc)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[PanelItem]) -> None:
        item = event.node.data
        if item is not None and item.on_disc and not item.staged and item.is_dir:
            self.opened.add(item.path)
            if not event.node.children:
                self.post_message(self.DiscFolderWanted(item.path))

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[PanelItem]) -> None:
        if event.node.data is not None:
            self.opened.discard(event.node.data.path)

    def _select(self, path: str) -> None:
        if self._wanted != path:
            return  # a newer selection superseded this one
        self._wanted = None

        _ = self.last_line  # lays out the lines, which gives each node its line number

        def visit(node: TreeNode[PanelItem]) -> bool:
            if node.data is not None and node.data.path == path:
                self.move_cursor(node)
                return True
            return any(visit(child) for child in node.children)

        visit(self.root)

    def selected_item(self) -> PanelItem | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def selected_path(self) -> str | None:
        item = self.selected_item()
        return item.path if item is not None else None
