"""StagePanel: the ISO tree being assembled, with each node's size and source."""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from app.stage.model import Stage, StageNode
from app.stage.names import display


def _label(node: StageNode) -> Text:
    text = Text(
        display(node.name) + ("/" if node.is_dir else ""), style="bold" if node.is_dir else ""
    )
    if node.is_link:
        text.append(" → link", style="cyan")
    if node.source is not None and node.is_dir and not node.scanned:
        text.append("  scanning…", style="dim italic")
    else:
        text.append(f"  {humanize.naturalsize(node.total_size(), binary=True)}", style="dim")
    if node.missing:
        text.append("  ⚠ changed or missing", style="bold yellow")
    return text


class StagePanel(Tree[str]):
    """Node data is the ISO path, so actions never depend on labels."""

    DEFAULT_CSS = """
    StagePanel { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("/", data="/", id=id)
        self.show_root = True
        self.guide_depth = 2
        self._wanted: str | None = None
        """A selection asked for but not yet applied (lines are laid out after a refresh)."""

    def show_stage(self, stage: Stage, select: str | None = None) -> None:
        keep = select or self._wanted or self.selected_path()
        self._wanted = keep
        self.clear()
        self.root.set_label(Text(f"/  ({stage.volume_id})", style="bold"))
        self.root.data = "/"
        nodes: dict[str, TreeNode[str]] = {"": self.root}
        for path, node in stage.walk():
            parent_path = path.rsplit("/", 1)[0]
            parent = nodes.get(parent_path, self.root)
            if node.is_stage_dir:
                nodes[path] = parent.add(_label(node), data=path, expand=True)
            else:
                parent.add_leaf(_label(node), data=path)
        self.root.expand()
        if keep:
            # Node line numbers exist only after the tree is laid out again.
            self.call_after_refresh(self._select, keep)

    def _select(self, path: str) -> None:
        if self._wanted != path:
            return  # a newer selection superseded this one
        self._wanted = None

        _ = self.last_line  # lays out the lines, which gives each node its line number

        def visit(node: TreeNode[str]) -> bool:
            if node.data == path:
                self.move_cursor(node)
                return True
            return any(visit(child) for child in node.children)

        visit(self.root)

    def selected_path(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None else None
