"""PathCompletion: the dropdown of names under a path prompt (textual-autocomplete).

textual-autocomplete's PathAutoComplete does the dropdown, the keys (down/up to choose,
tab to complete, esc to close) and the placement at 80x24; this subclass only changes
where names come from: relative to the browser's folder, `~` expanded, prefix matches
only (as a shell's tab does), and no names one could not type (undecodable bytes,
newlines) — those are reached in the listing instead.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.widgets import Input
from textual_autocomplete import DropdownItem, PathAutoComplete, TargetState

from app.stage.local_files import completions


class PathCompletion(PathAutoComplete):
    DEFAULT_CSS = """
    PathCompletion > AutoCompleteList {
        min-width: 30;
        max-width: 60;
    }
    """

    def __init__(self, target: Input, here: Callable[[], str], *, id: str | None = None) -> None:
        super().__init__(
            target,
            folder_prefix=Content(""),
            file_prefix=Content(""),
            prevent_default_enter=False,
            id=id,
        )
        self.here = here
        """The browser's folder, for relative paths."""

    def get_candidates(self, target_state: TargetState) -> list[DropdownItem]:
        typed = target_state.text[: target_state.cursor_position]
        return [
            DropdownItem(name + "/" if is_dir else name)
            for name, is_dir in completions(typed, self.here())
        ]
