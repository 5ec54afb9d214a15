"""BrowserScreen: one session's file tree, read lazily, with details, extraction and boot info.

A folder is listed only when it is opened (in a worker), so a 100k-entry image opens at
once. Each session of a multi-session medium shows its own tree (app.iso.view redirects the
volume descriptors to the session's start sector). A bridge disc's UDF tree is one more
entry of the session list ("UDF tree", read through pycdlib); a UDF-only medium is named.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from app.engine.address import parse_address
from app.engine.errors import EngineError
from app.engine.models import Session
from app.engine.remaster import check_remaster
from app.iso.file import device_path
from app.iso.udf import udf_words
from app.iso.view import Entry, IsoDamageError, IsoView, open_session
from app.jobs.plans import extract_plan, remaster_plan
from app.stage.names import display
from app.tui.messages import RunPlan
from app.tui.screens.prompt_screen import PromptScreen
from widgets.entry_details import EntryDetails

if TYPE_CHECKING:  # pycdlib is imported only when the UDF tree is opened
    from app.iso.udf_view import UdfView

UDF_OPTION = "udf"
MAX_DAMAGE_LINES = 3
"""Damage lines shown under one folder; the rest are counted."""


def _mark_damaged(node: TreeNode[Entry]) -> None:
    label = node.label.copy()
    label.append("  ⚠ damaged", style="bold red")
    node.set_label(label)


class BrowserScreen(Screen):
    BINDINGS = [
        Binding("x", "extract", "Extract"),
        Binding("t", "boot", "Boot info"),
        Binding("d", "mark_removal", "Mark removal"),
        Binding("R", "remaster", "Remaster"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, address: str, sessions: list[Session], *, title: str = "") -> None:
        super().__init__()
        self.address = address
        self.sessions = [s for s in sessions if s.kind == "ISO"]
        self.title_text = title or address
        self.view: IsoView | UdfView | None = None
        self.session: Session | None = None
        self.removals: set[str] = set()
        """ISO paths marked with d, removed from the tree by a remaster (R)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browser-top"):
            with Vertical(id="browser-sessions-box") as box:
                box.border_title = "Sessions"
                yield OptionList(id="browser-sessions")
            with Vertical(id="browser-tree-box") as box:
                box.border_title = "Files"
                yield Tree[Entry]("/", id="browser-tree")
        with Vertical(id="browser-details-box") as box:
            box.border_title = "Details"
            yield EntryDetails(id="browser-details")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.title_text
        sessions = self.query_one("#browser-sessions", OptionList)
        if not self.sessions:
            sessions.add_option(Option("the newest", id="newest"))
        for s in self.sessions:
            sessions.add_option(Option(f"{s.index}  {s.volume_id or '—'}", id=str(s.index)))
        sessions.highlighted = sessions.option_count - 1  # the newest by default
        self.query_one(EntryDetails).show_entry(None)
        self.open(self.sessions[-1] if self.sessions else None)
        self.query_one("#browser-tree", Tree).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == UDF_OPTION:
            self.open(None, udf=True)
            return
        chosen = next((s for s in self.sessions if str(s.index) == event.option.id), None)
        self.open(chosen)

    # -- opening and listing ---------------------------------------------------------------

    def open(self, session: Session | None, *, udf: bool = False) -> None:
        self.session = session
        tree = self.query_one("#browser-tree", Tree)
        tree.clear()
        tree.root.set_label(Text("opening…", style="dim"))
        self.open_view(session, udf)

    @work(thread=True, exclusive=True, group="browse")
    def open_view(self, session: Session | None, udf: bool = False) -> None:
        start = None if session is None or len(self.sessions) < 2 else session.start
        words = udf_words(device_path(self.address))
        try:
            if udf:
                # pycdlib parses the whole tree at open (2.3 s for 20k files): only on request.
                from app.iso.udf_view import UdfView

                view: IsoView | UdfView = UdfView(self.address)
            else:
                view = open_session(self.address, start)
            entries = view.list("/")
        except (EngineError, OSError) as exc:
            reason = f"{words}: UDF only, mount it to read it" if words and not udf else str(exc)
            self.app.call_from_thread(self._failed, reason)
            return
        if words is not None:
            self.app.call_from_thread(self._offer_udf, words)
        self.app.call_from_thread(self._opened, view, entries)

    def _offer_udf(self, words: str) -> None:
        """A bridge disc: its UDF tree is one more choice beside the sessions."""
        sessions = self.query_one("#browser-sessions", OptionList)
        if all(
            sessions.get_option_at_index(i).id != UDF_OPTION for i in range(sessions.option_count)
        ):
            sessions.add_option(Option(f"UDF tree  {words.split(', ')[1]}", id=UDF_OPTION))

    def _failed(self, reason: str) -> None:
        tree = self.query_one("#browser-tree", Tree)
        tree.root.set_label(Text(reason, style="bold red"))
        self.app.bell()

    def _opened(self, view: IsoView | UdfView, entries: list[Entry]) -> None:
        if self.view is not None:
            self.view.close()
        self.view = view
        tree = self.query_one("#browser-tree", Tree)
        label = f"/  {view.volume_id}" + (
            f"  (session {self.session.index})" if self.session else ""
        )
        tree.root.set_label(Text(label, style="bold"))
        tree.root.data = view.root
        self._fill(tree.root, entries)
        if view.problems:
            _mark_damaged(tree.root)
            self.notify(view.problems[0], title="Damaged medium", severity="error", timeout=10)
        tree.root.expand()
        tree.move_cursor(tree.root)

    def _fill(self, node: TreeNode[Entry], entries: list[Entry]) -> None:
        node.remove_children()
        if self.view is not None and node.data is not None:
            # The root shows the head's damage too: everything found on opening.
            view = self.view
            self._say_damage(
                node, list(view.problems) if node.is_root else view.folder_problems(node.data)
            )
        for entry in sorted(entries, key=lambda e: (not e.is_dir, e.name)):
            label = self._label(entry)
            if entry.is_dir:
                node.add(label, data=entry, allow_expand=True)
            else:
                node.add_leaf(label, data=entry)

    def _label(self, entry: Entry) -> Text:
        label = Text(display(entry.name) + ("/" if entry.is_dir else ""))
        if entry.iso_path in self.removals:
            label.stylize("strike red")
            label.append("  (to be removed)", style="red")
        if entry.is_symlink:
            label.append(f" → {display(entry.symlink_target or '')}", style="cyan")
        if entry.damage:
            label.append("  ⚠ damaged", style="bold red")
        return label

    def _say_damage(self, node: TreeNode[Entry], problems: list[str]) -> None:
        """What is damaged in this folder, as the first lines under it (in red)."""
        for problem in problems[:MAX_DAMAGE_LINES]:
            node.add_leaf(Text(f"⚠ {display(problem)}", style="red"))
        if len(problems) > MAX_DAMAGE_LINES:
            node.add_leaf(Text(f"⚠ … {len(problems) - MAX_DAMAGE_LINES} more", style="red"))
        if problems and not node.is_root:
            _mark_damaged(node)

    def _unreadable(self, node: TreeNode[Entry], reason: str) -> None:
        """A folder whose records cannot be read at all: said under it, in red."""
        node.remove_children()
        self._say_damage(node, [reason])

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        node = event.node
        if node.is_root or node.data is None or node.children:
            return
        self.list_folder(node)

    @work(thread=True, group="list")
    def list_folder(self, node: TreeNode[Entry]) -> None:
        assert self.view is not None and node.data is not None
        try:
            entries = self.view.list(node.data)
        except IsoDamageError as exc:
            self.app.call_from_thread(self._unreadable, node, str(exc))
            return
        except (EngineError, OSError) as exc:
            self.app.call_from_thread(
                self.notify, f"cannot list {node.data.iso_path}: {exc}", severity="error"
            )
            return
        self.app.call_from_thread(self._fill, node, entries)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        self.query_one(EntryDetails).show_entry(event.node.data if not event.node.is_root else None)

    # -- actions ---------------------------------------------------------------------------

    def _highlighted(self) -> Entry | None:
        node = self.query_one("#browser-tree", Tree).cursor_node
        return node.data if node is not None else None

    def action_extract(self) -> None:

        entry = self._highlighted()
        if entry is None or self.view is None:
            return
        view = self.view
        default = os.path.join(os.getcwd(), "extracted")

        def validate(value: str) -> str | None:
            parent = os.path.dirname(os.path.abspath(os.path.expanduser(value))) or "/"
            if not os.path.isdir(parent):
                return f"folder {parent} does not exist"
            return None

        def chosen(target: str | None) -> None:
            if not target:
                return
            target = os.path.abspath(os.path.expanduser(target))
            os.makedirs(target, exist_ok=True)
            plan = extract_plan(self.address, view, entry, entry.iso_path, target)
            self.app.post_message(RunPlan(plan, confirm=False))  # the prompt was the question

        self.app.push_screen(
            PromptScreen(
                "Extract",
                f"Copy {display(entry.iso_path)} into which local folder?",
                default,
                validate=validate,
            ),
            chosen,
        )

    def action_mark_removal(self) -> None:
        """Mark (or unmark) the highlighted entry for removal in a remastered copy."""
        tree = self.query_one("#browser-tree", Tree)
        node = tree.cursor_node
        if node is None or node.is_root or node.data is None:
            return
        path = node.data.iso_path
        self.removals.symmetric_difference_update({path})
        node.set_label(self._label(node.data))

    def action_remaster(self) -> None:
        """Write a new image: this one's tree, minus the marked entries, plus the stage,
        keeping its boot setup (xorriso's boot image replay)."""

        source = parse_address(self.address)
        if source.kind != "stdio":
            self.notify(
                "Remastering works on image files: open the .iso with --image", severity="warning"
            )
            return
        stem = os.path.splitext(source.path)[0]

        def chosen(out: str | None) -> None:
            if out:
                self._confirm_remaster(source.path, os.path.abspath(os.path.expanduser(out)))

        self.app.push_screen(
            PromptScreen("Remaster", "Write the new image to:", f"{stem}-remastered.iso"), chosen
        )

    def _confirm_remaster(self, source: str, out: str) -> None:
        additions = list(self.app.stage.entries())
        removals = sorted(self.removals)
        try:
            check_remaster(source, out, additions, removals)
            plan = remaster_plan(source, out, additions, removals)
        except (ValueError, EngineError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.post_message(RunPlan(plan))

    def action_boot(self) -> None:
        # On first use: the El Torito reader and its tables are ~18 ms of imports.
        from app.tui.screens.boot_screen import BootScreen

        start = None if self.session is None or len(self.sessions) < 2 else self.session.start
        self.app.push_screen(BootScreen(self.address, start))

    def action_back(self) -> None:
        if self.view is not None:
            self.view.close()
            self.view = None
        self.dismiss()
