"""SlotsScreen: a jukebox's slots and the media in them; load one into the drive, unload it.

The changer is read (mtx, in a thread) when the screen opens and again whenever it comes
back from a move; a load or an unload is a Plan handed to the app like any other job.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from app.drives.changer import ChangerError, NoChanger, pick_changer, read_status
from app.engine.mtx import ChangerStatus
from app.jobs.plans_changer import load_plan, unload_plan
from app.tui.messages import RunPlan

Reader = Callable[[str | None], tuple[str, ChangerStatus]]


def read_changer(named: str | None) -> tuple[str, ChangerStatus]:
    changer = pick_changer(named)
    return changer, read_status(changer)


NO_CHANGER = (
    "No media changer found (no SCSI device of type 8). A jukebox shows here once its "
    "changer is attached: r looks again."
)


class SlotsScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("l", "load", "Load"),
        Binding("u", "unload", "Unload"),
        Binding("r", "reload", "Re-read"),
    ]

    def __init__(self, drive: str | None = None, reader: Reader = read_changer) -> None:
        super().__init__()
        self.drive = drive if drive and drive.startswith("/dev/") else None
        """The optical drive the changer loads (the open drive): a load waits for it."""
        self.reader = reader
        self.changer: str | None = None
        self.status: ChangerStatus | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="slots-box") as box:
            box.border_title = "Jukebox"
            yield Static("reading the changer…", id="slots-head")
            yield OptionList(id="slots-list")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.status is not None:  # back from a load or an unload
            self.action_reload()

    @work(thread=True, exclusive=True, group="slots")
    def action_reload(self) -> None:
        try:
            changer, status = self.reader(self.changer)
        except NoChanger:
            self.app.call_from_thread(self._problem, NO_CHANGER)
            return
        except ChangerError as exc:
            self.app.call_from_thread(self._problem, str(exc))
            return
        self.app.call_from_thread(self._fill, changer, status)

    def _problem(self, text: str) -> None:
        self.query_one("#slots-head", Static).update(text)

    def _fill(self, changer: str, status: ChangerStatus) -> None:
        self.changer, self.status = changer, status
        self.sub_title = changer
        drives = []
        for d in status.drives:
            held = f"slot {d.source}" if d.source else "a medium"
            tag = f" ({d.tag})" if d.tag else ""
            drives.append(f"drive {d.number}: " + (f"holds {held}{tag}" if d.full else "empty"))
        head = f"{status.words()}; " + "; ".join(drives)
        self.query_one("#slots-head", Static).update(head)
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for s in status.slots:
            kind = "mail" if s.mail else "slot"
            text = f"{kind} {s.number:>3}  {'full ' if s.full else 'empty'}  {s.tag or ''}"
            options.add_option(Option(text.rstrip(), id=str(s.number)))
        options.highlighted = highlighted if highlighted is not None else 0

    def _slot(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return int(options.get_option_at_index(options.highlighted).id or 0) or None

    def action_load(self) -> None:
        status, slot = self.status, self._slot()
        if status is None or self.changer is None or slot is None:
            return
        drive = status.drives[0] if status.drives else None
        chosen = status.slot(slot)
        if chosen is None or not chosen.full:
            self.notify(f"Slot {slot} is empty", severity="warning")
        elif drive is None or drive.full:
            self.notify("The drive holds a medium: unload it first (u)", severity="warning")
        else:
            self.app.post_message(RunPlan(load_plan(self.changer, slot, drive.number, self.drive)))

    def action_unload(self) -> None:
        status = self.status
        if status is None or self.changer is None:
            return
        drive = status.drives[0] if status.drives else None
        if drive is None or not drive.full:
            self.notify("The drive is empty", severity="warning")
            return
        chosen = status.slot(self._slot() or 0)
        home = chosen.number if chosen is not None and not chosen.full else drive.source
        home = home or next((s.number for s in status.empty_slots), None)
        if home is None:
            self.notify("No slot is empty", severity="warning")
            return
        self.app.post_message(RunPlan(unload_plan(self.changer, home, drive.number, self.drive)))

    def action_back(self) -> None:
        self.dismiss()
