"""Messages that thread workers post back to the UI (post_message is thread-safe)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from app.drives.listing import DriveEntry
from app.drives.monitor import DriveEvent
from app.engine.models import MediumReport
from app.engine.progress import Progress

if TYPE_CHECKING:  # types only: the job machinery is imported when the first job runs
    from app.jobs.finish import Finished
    from app.jobs.job import JobResult
    from app.jobs.plan import Plan
    from app.jobs.registry import RunningJob


class DrivesFound(Message):
    def __init__(self, entries: list[DriveEntry], *, final: bool = True) -> None:
        super().__init__()
        self.entries = entries
        self.final = final
        """False for the quick first list (virtual recorders only)."""


class RemoteDrivesFound(Message):
    """Rows for the remote hosts of the config (app/drives/remote_listing.py), and why
    any host could not be asked, for the log."""

    def __init__(self, entries: list[DriveEntry], problems: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.entries = entries
        self.problems = problems


class MediumRead(Message):
    def __init__(self, address: str, report: MediumReport, seconds: float) -> None:
        super().__init__()
        self.address = address
        self.report = report
        self.seconds = seconds


class DriveChanged(Message):
    """The drive monitor heard something: drives came or went, or a medium changed."""

    def __init__(self, event: DriveEvent) -> None:
        super().__init__()
        self.event = event


class DriveOpened(Message):
    """The main screen opened a drive: the app makes it the drive every flow works on."""

    def __init__(self, entry: DriveEntry) -> None:
        super().__init__()
        self.entry = entry


class MediumFailed(Message):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__()
        self.address = address
        self.reason = reason


class JobProgress(Message):
    """A gauge update. Only the newest matters, so a queued one is replaced by a newer one."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobProgress)


class JobReplay(Message):
    """A job screen opened after its job began: the kept progress so far, all at once."""

    def __init__(self, events: list[Progress], ran_for: float) -> None:
        super().__init__()
        self.events = events
        self.ran_for = ran_for


class JobFinished(Message):
    """One job of a plan ended (a burn, then its checkread, each send one)."""

    def __init__(self, result: JobResult) -> None:
        super().__init__()
        self.result = result


class JobNote(Message):
    """A line a job says as it goes (copies in a row: "copy 2 of 3: ok")."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class JobsChanged(Message):
    """A job of the registry moved: redraw the drive states (only the newest matters)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobsChanged)


class JobEnded(Message):
    """A job of the registry finished (whether or not its screen is shown)."""

    def __init__(self, running: RunningJob) -> None:
        super().__init__()
        self.running = running


class JobScreenClosed(Message):
    """The screen watching a job was closed or hidden (what waited for the person goes on)."""

    def __init__(self, running: RunningJob) -> None:
        super().__init__()
        self.running = running


class JobFailedToStart(Message):
    """The job could not start (bad address, xorriso missing, the drive busy)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class PlanFinished(Message):
    """Everything after the job is done too: the medium re-read, the stage cleared."""

    def __init__(self, finished: Finished) -> None:
        super().__init__()
        self.finished = finished


class RunPlan(Message):
    """A screen asks the app to confirm `plan` and, on yes, run it on a job screen."""

    def __init__(self, plan: Plan, *, confirm: bool = True) -> None:
        super().__init__()
        self.plan = plan
        self.confirm = confirm
        """False when the screen already asked (extract: the folder prompt is the question)."""


class MediumChanged(Message):
    """A screen learned the medium's state (re-read after a job): the app keeps it."""

    def __init__(self, report: MediumReport | None) -> None:
        super().__init__()
        self.report = report
