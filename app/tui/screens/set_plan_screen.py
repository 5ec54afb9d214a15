"""SetPlanScreen: a disc set's plan before anything is written — each disc's size, fill and
what goes on it (whole folders, single files, parts of a split file).

`y` hashes the set's files for the manifest every disc carries (with progress; esc stops
it), saves the set and dismisses True: the app then burns disc 1. esc before that: nothing
is saved or written. `e` plans it again with error correction (dvdisaster RS03: none, at
least 20 %, at least 50 %), which keeps room on each disc and so may take more discs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from app.archive.ecc import EccError
from app.archive.set_contents import ContentLine, disc_contents, set_totals
from app.archive.sets import DiscSet, SetError, save_set
from app.engine.commands import human_size
from app.jobs.set_burn import prepare_manifest
from app.stage.names import display

SHOWN_LINES = 200
"""Lines of a disc's contents shown (a set of 100k files: the rest are counted)."""
BAR = 16
ECC_STEPS = (None, 20, 50)
"""What `e` steps through: no error correction, then RS03 of at least 20 % and 50 %."""


class _Stopped(Exception):
    """esc while hashing: the manifest and the set are not saved."""


def fill_bar(used: int, capacity: int) -> Text:
    fraction = min(used / capacity, 1.0) if capacity else 0.0
    filled = round(fraction * BAR)
    text = Text("█" * filled, style="green")
    text.append("░" * (BAR - filled), style="dim")
    text.append(f" {100 * fraction:3.0f} %")
    return text


def _line(line: ContentLine) -> tuple[Text, str]:
    """A disc's content line; a name that is not UTF-8 shown as every screen shows it
    (`caf\\xe9`, not Python's `caf\\udce9`)."""
    path = display(line.path)
    if line.kind == "folder":
        return Text(path, style="bold"), f"{line.files:,} files, {human_size(line.size)}"
    if line.kind == "part":
        return Text(path, style="yellow"), f"{line.part}, {human_size(line.size)}"
    return Text(path), human_size(line.size)


class SetPlanScreen(Screen[bool]):
    DEFAULT_CSS = """
    SetPlanScreen #set-summary { height: auto; padding: 0 1; }
    SetPlanScreen #set-discs { height: auto; max-height: 8; }
    SetPlanScreen #set-contents-box { height: 1fr; min-height: 4; border: round $primary; padding: 0 1; }
    SetPlanScreen #set-progress { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("y", "burn", "Burn the set"),
        Binding("e", "ecc", "Error correction"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self, plan: DiscSet, drive: str, notes: list[str] | None = None,
        replan: Callable[[int | None], DiscSet] | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.plan = plan
        self.replan = replan
        """Plans the same set again with another error correction (None: `e` is not offered)."""
        self.drive = drive
        """The drive's name the set burns on."""
        self.notes = notes or []
        self.totals = set_totals(plan)
        self.hashing = False
        self.stop = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._summary(), id="set-summary")
        yield DataTable(id="set-discs", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="set-contents-box"):
            yield Static("", id="set-contents")
        yield Static("", id="set-progress")
        yield Footer()

    def _summary(self) -> Text:
        plan = self.plan
        size = sum(d.used for d in plan.discs)
        text = Text(f"{plan.name}: ", style="bold")
        text.append(f"{len(plan.discs)} × {plan.medium}, {plan.files:,} files, {human_size(size)}")
        if plan.ecc is not None:  # planned with `discdeck set plan --ecc`
            text.append(f", error correction RS03 ≥ {plan.ecc} %")
        text.append(f" · on {self.drive}, each verified", style="dim")
        for note in self.notes:
            text.append(f"\n! {note}", style="yellow")
        return text

    def on_mount(self) -> None:
        self.sub_title = "a disc set's plan: nothing is written yet"
        self.query_one(DataTable).add_columns("disc", "volume id", "size", "fill")
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for disc in self.plan.discs:
            table.add_row(
                str(disc.number), self.plan.volume_id(disc), human_size(disc.used),
                fill_bar(disc.used, self.plan.capacity), key=str(disc.number),
            )  # fmt: skip
        table.focus()
        self.show_disc(0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_disc(event.cursor_row)

    def show_disc(self, index: int) -> None:
        if not 0 <= index < len(self.plan.discs):
            return
        disc = self.plan.discs[index]
        lines = disc_contents(self.plan, disc, self.totals)
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        for line in lines[:SHOWN_LINES]:
            grid.add_row(*_line(line))
        if len(lines) > SHOWN_LINES:
            grid.add_row(Text(f"… and {len(lines) - SHOWN_LINES:,} more", style="dim"), "")
        box = self.query_one("#set-contents-box")
        box.border_title = f"On disc {disc.number} ({self.plan.volume_id(disc)})"
        self.query_one("#set-contents", Static).update(grid)

    # -- error correction: the same set planned again --------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`e` only where the set can be planned again (the stage's plan, not a saved one)."""
        return self.replan is not None if action == "ecc" else True

    def action_ecc(self) -> None:
        if self.hashing or self.replan is None:
            return
        at = ECC_STEPS.index(self.plan.ecc) if self.plan.ecc in ECC_STEPS else 0
        self.plan_again(ECC_STEPS[(at + 1) % len(ECC_STEPS)])

    @work(thread=True, exclusive=True, group="set-replan")
    def plan_again(self, ecc: int | None) -> None:
        assert self.replan is not None
        try:
            plan = self.replan(ecc)
        except (EccError, SetError, OSError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._planned_again, plan)

    def _planned_again(self, plan: DiscSet) -> None:
        self.plan, self.totals = plan, set_totals(plan)
        self.query_one("#set-summary", Static).update(self._summary())
        self._fill_table()
        self.show_disc(0)

    # -- confirm: hash, save, burn ---------------------------------------------------------

    def action_burn(self) -> None:
        if not self.hashing:
            self.hashing = True
            self._progress(0, 1)
            self.hash_and_save()

    def _progress(self, done: int, total: int) -> None:
        percent = 100 * done / total if total else 100.0
        text = Text(f"Hashing the set for its manifest: {percent:3.0f} % ", style="bold")
        text.append(f"({human_size(done)} of {human_size(total)}) — esc stops, nothing is saved", style="dim")
        self.query_one("#set-progress", Static).update(text)

    @work(thread=True, exclusive=True, group="set-hash")
    def hash_and_save(self) -> None:
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            if self.stop:
                raise _Stopped
            if time.monotonic() - shown[0] >= 0.2:
                shown[0] = time.monotonic()
                self.app.call_from_thread(self._progress, done, total)

        try:
            prepare_manifest(self.plan, progress)
            save_set(self.plan)
        except _Stopped:
            self.app.call_from_thread(self._stopped, "stopped: nothing was saved or written")
            return
        except FileNotFoundError as exc:
            why = f"{display(exc.filename or '?')} vanished since the plan was made: esc, then plan the set again"
            self.app.call_from_thread(self._stopped, why)
            return
        except OSError as exc:
            self.app.call_from_thread(self._stopped, f"could not hash the set: {exc}")
            return
        self.app.call_from_thread(self.dismiss, True)

    def _stopped(self, why: str) -> None:
        self.hashing = self.stop = False
        self.query_one("#set-progress", Static).update(Text(why, style="yellow"))

    def action_back(self) -> None:
        if self.hashing:
            self.stop = True
            return
        self.dismiss(False)
