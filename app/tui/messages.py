"""Messages that thread workers post back to the UI (post_message is thread-safe)."""

from __future__ import annotations

from textual.message import Message

from app.drives.listing import DriveEntry
from app.engine.models import MediumReport


class DrivesFound(Message):
    def __init__(self, entries: list[DriveEntry], *, final: bool = True) -> None:
        super().__init__()
        self.entries = entries
        self.final = final
        """False for the quick first list (virtual recorders only)."""


class MediumRead(Message):
    def __init__(self, address: str, report: MediumReport, seconds: float) -> None:
        super().__init__()
        self.address = address
        self.report = report
        self.seconds = seconds


class MediumFailed(Message):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__()
        self.address = address
        self.reason = reason


class OperationProgress(Message):
    """A gauge update. Only the newest matters, so a queued one is replaced by a newer one."""

    def __init__(self, progress: object) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OperationProgress)


class OperationFinished(Message):
    def __init__(self, result: object) -> None:
        super().__init__()
        self.result = result


class OperationError(Message):
    """The operation could not start (bad address, xorriso missing, preflight refusal)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class MediumReread(Message):
    def __init__(self, report: MediumReport | None, reason: str = "") -> None:
        super().__init__()
        self.report = report
        self.reason = reason
